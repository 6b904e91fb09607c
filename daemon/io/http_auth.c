/*
 * http_auth.c: password hashes and tokens for the web console.
 *
 * argon2id with 12 MiB and two passes, one lane: about 45 ms per check on
 * one core of the 2-core build machine (OWASP's floor for 12 MiB is three
 * passes; one fewer keeps a login quick on a 2-core gateway).  A login's
 * check runs on the console's login worker (app/http_login.c), one at a
 * time, and logins are throttled per user and per address
 * (app/http_session.c), so a flood of them costs one core for a few
 * checks before it is answered with 429 at no cost.  Both functions touch
 * only their arguments: any thread may call them.  A stored
 * hash keeps its own cost: raising these constants takes effect at the
 * next passwd.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <argon2.h>

#include "http_auth.h"

#define HASH_T_COST  2
#define HASH_M_KIB   12288
#define HASH_LANES   1
#define SALT_LEN     16
#define HASH_LEN     32

static int random_bytes(unsigned char *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = getrandom(b + got, n - got, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)k;
	}
	return 0;
}

int http_hash_password(const char *pw, char *out, size_t size)
{
	unsigned char salt[SALT_LEN];

	if (argon2_encodedlen(HASH_T_COST, HASH_M_KIB, HASH_LANES, SALT_LEN, HASH_LEN,
			      Argon2_id) > size || random_bytes(salt, sizeof salt) < 0)
		return -1;
	return argon2id_hash_encoded(HASH_T_COST, HASH_M_KIB, HASH_LANES, pw, strlen(pw),
				     salt, sizeof salt, HASH_LEN, out, size) ==
	       ARGON2_OK ? 0 : -1;
}

bool http_check_password(const char *pw, const char *encoded)
{
	/* the cost is read from the encoded string: refuse one far above
	 * ours, which would stall the loop (a hand-edited file) */
	const char *m = strstr(encoded, "m=");

	if (strncmp(encoded, "$argon2id$", 10) != 0 || !m || strtol(m + 2, NULL, 10) > 262144)
		return false;
	return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}

int http_token(char out[HTTP_TOKEN_HEX])
{
	unsigned char b[32];
	size_t i;

	if (random_bytes(b, sizeof b) < 0)
		return -1;
	for (i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}
