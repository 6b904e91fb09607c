/*
 * sha256.c: the SHA-256 of a buffer as lowercase hex, the name an
 * evidence file is kept and sent under (content addressing: the same
 * photo attached twice is stored once).  Here because OpenSSL stays in
 * the io layer; the operations (app) hash a file and hand the store the
 * text.  libcrypto is loaded at the first file hashed (ossl.h): a gateway
 * without evidence does without it.
 */
#include "io.h"
#include "ossl.h"

int sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	char err[256];

	if (ossl_load_crypto("evidence files' SHA-256", err, sizeof err) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	if (ossl.EVP_Digest(p, n, md, &len, ossl.EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	for (i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}
