/*
 * dynlib.c: load a library on demand (dynlib.h).  The handle is never
 * closed: once a feature is configured its library stays until exit, and
 * a library that registered atexit handlers or thread keys must not be
 * unmapped under them.  dynlib_check closes what it opened: nothing of
 * the library has run but its constructors.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dynlib.h"

static void *dyn_open(const char *soname, const char *package, const char *what,
		      const struct dynsym *syms, size_t n, void **fn, char *err, size_t errlen)
{
	const char *why;
	void *h;
	size_t i;

	dlerror();
	/* RTLD_NOW: a missing function is found here, at start-up, not at
	 * the first request; RTLD_LOCAL: its symbols stay its own */
	if (!(h = dlopen(soname, RTLD_NOW | RTLD_LOCAL))) {
		why = dlerror();
		snprintf(err, errlen, "%s needs %s (Debian package %s): %s", what, soname,
			 package, why ? why : "cannot load it");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		dlerror();
		fn[i] = dlsym(h, syms[i].name);
		if (!fn[i]) {
			why = dlerror();
			snprintf(err, errlen, "%s needs %s (Debian package %s), which has no %s: %s",
				 what, soname, package, syms[i].name, why ? why : "not found");
			dlclose(h);
			return NULL;
		}
	}
	return h;
}

int dynlib_check(const char *soname, const char *package, const char *what,
		 const struct dynsym *syms, size_t n, char *err, size_t errlen)
{
	void *fn[64], *h;

	if (n > sizeof fn / sizeof fn[0]) {
		snprintf(err, errlen, "%s: %zu functions of %s, at most %zu", what, n,
			 soname, sizeof fn / sizeof fn[0]);
		return -1;
	}
	if (!(h = dyn_open(soname, package, what, syms, n, fn, err, errlen)))
		return -1;
	dlclose(h);
	return 0;
}

int dynlib_load(const char *soname, const char *package, const char *what,
		const struct dynsym *syms, size_t n, char *err, size_t errlen)
{
	void *fn[64];
	size_t i;

	if (n > sizeof fn / sizeof fn[0]) {
		snprintf(err, errlen, "%s: %zu functions of %s, at most %zu", what, n,
			 soname, sizeof fn / sizeof fn[0]);
		return -1;
	}
	if (!dyn_open(soname, package, what, syms, n, fn, err, errlen))
		return -1;
	/* POSIX: a function's address fits a void * and converts back */
	for (i = 0; i < n; i++)
		memcpy(syms[i].slot, &fn[i], sizeof fn[i]);
	return 0;
}
