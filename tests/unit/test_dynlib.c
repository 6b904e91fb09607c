/* test_dynlib.c: a library loaded on demand (daemon/io/dynlib.c): the
 * functions filled from it, and the start-up error when it is missing or
 * lacks one, naming the package that provides it; the check at start-up
 * that closes the library again. */
#include <string.h>

#include "dynlib.h"
#include "testing.h"

int main(void)
{
	/* zlib (zlib1g, priority required: on every Debian system), its
	 * functions' types written out so that no -dev package is needed */
	const char *(*version)(void) = NULL;
	unsigned long (*crc)(unsigned long, const unsigned char *, unsigned) = NULL;
	struct dynsym ok[] = { { "zlibVersion", &version }, { "crc32", &crc } };
	struct dynsym bad[] = { { "zlibVersion", &version }, { "no_such_function", &crc } };
	char err[512] = "";

	CHECK_INT("zlib loads", dynlib_load("libz.so.1", "zlib1g", "a test", ok, 2, err,
					    sizeof err), 0);
	CHECK("version filled", version != NULL && version()[0] == '1');
	CHECK("crc32 works", crc != NULL && crc(0L, (const unsigned char *)"abc", 3) == 0x352441c2UL);

	version = NULL;
	crc = NULL;
	CHECK_INT("missing library refused", dynlib_load("libhazardd-none.so.9", "hazardd-none",
							 "the widget ($.widget)", ok, 2, err,
							 sizeof err), -1);
	CHECK("error names what needs it", strstr(err, "the widget ($.widget) needs") != NULL);
	CHECK("error names the package", strstr(err, "Debian package hazardd-none") != NULL);
	CHECK("nothing filled", version == NULL && crc == NULL);

	CHECK_INT("missing function refused", dynlib_load("libz.so.1", "zlib1g", "a test", bad, 2,
							  err, sizeof err), -1);
	CHECK("error names the function", strstr(err, "no_such_function") != NULL);
	CHECK("no slot filled when one is missing", version == NULL && crc == NULL);

	version = NULL;
	crc = NULL;
	CHECK_INT("check: zlib is there", dynlib_check("libz.so.1", "zlib1g", "a test", ok, 2, err,
						       sizeof err), 0);
	CHECK("check: no slot filled", version == NULL && crc == NULL);
	CHECK_INT("check: missing library", dynlib_check("libhazardd-none.so.9", "hazardd-none",
							 "the widget", ok, 2, err, sizeof err), -1);
	CHECK("check: error names the package", strstr(err, "Debian package hazardd-none") != NULL);
	CHECK_INT("check: missing function", dynlib_check("libz.so.1", "zlib1g", "a test", bad, 2,
							  err, sizeof err), -1);
	CHECK("check: error names the function", strstr(err, "no_such_function") != NULL);
	TEST_DONE();
}
