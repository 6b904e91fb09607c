/*
 * sha256.c: the SHA-256 of a buffer as lowercase hex, the name an
 * evidence file is kept and sent under (content addressing: the same
 * photo attached twice is stored once).  Here because OpenSSL stays in
 * the io layer; the operations (app) hash a file and hand the store the
 * text.
 */
#include <openssl/evp.h>

#include "io.h"

int sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	for (i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}
