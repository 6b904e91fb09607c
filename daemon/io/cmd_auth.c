/*
 * cmd_auth.c: is a downlink command really from the platform, and new?
 *
 * Wire form (docs/protocol.md): {"body": "<command JSON as a string>",
 * "sig": "<64 hex>"} with sig = HMAC-SHA256(key, topic "\n" body).  The
 * signature covers the exact bytes of the body, so no canonical JSON is
 * needed, and the topic, so a signed "status" cannot be replayed as a
 * "close".  The body carries "id" and "ts" (ms since the epoch):
 *   - ts outside now +- window: refused (stale);
 *   - an id seen before within the window: refused (replay).
 * The replay cache is bounded: when it is full of live entries, the oldest
 * is evicted and its ts becomes a floor, and nothing at or before the
 * floor is accepted any more.  So a full cache refuses old-but-in-window
 * commands rather than forgetting ids it may see again.
 * Pure functions: no I/O, no logging (callers log, without key material),
 * but for libcrypto that cannot be loaded.  libcrypto is loaded at
 * start-up when a key is configured (uplink.c, cmd_auth_load), otherwise
 * at the first HMAC (ossl.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "ossl.h"

int cmd_auth_load(char *err, size_t errlen)
{
	return ossl_load_crypto("command authentication (upstream.command_key_file)",
				err, errlen);
}

int cmd_hmac(const unsigned char *key, size_t keylen, const char *topic,
	     const char *body, unsigned char mac[CMD_MAC_LEN])
{
	EVP_MAC *m;
	EVP_MAC_CTX *c;
	OSSL_PARAM params[2];
	size_t outl = 0;
	char err[256];
	int ok;

	/* loaded already when a key is configured; here for other callers
	 * (tests, fuzzers), and no key material in what is logged */
	if (cmd_auth_load(err, sizeof err) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	m = ossl.EVP_MAC_fetch(NULL, "HMAC", NULL);
	c = m ? ossl.EVP_MAC_CTX_new(m) : NULL;
	params[0] = ossl.OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
	params[1] = ossl.OSSL_PARAM_construct_end();
	ok = c && ossl.EVP_MAC_init(c, key, keylen, params) == 1 &&
		(!topic || (ossl.EVP_MAC_update(c, (const unsigned char *)topic, strlen(topic)) == 1 &&
			    ossl.EVP_MAC_update(c, (const unsigned char *)"\n", 1) == 1)) &&
		ossl.EVP_MAC_update(c, (const unsigned char *)body, strlen(body)) == 1 &&
		ossl.EVP_MAC_final(c, mac, &outl, CMD_MAC_LEN) == 1 && outl == CMD_MAC_LEN;
	ossl.EVP_MAC_CTX_free(c);
	ossl.EVP_MAC_free(m);
	return ok ? 0 : -1;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

void cmd_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

bool cmd_sig_ok(const unsigned char *key, size_t keylen, const char *topic,
		const char *body, const char *sig_hex)
{
	unsigned char want[CMD_MAC_LEN], got[CMD_MAC_LEN];
	int i, hi, lo;
	bool ok;

	if (!sig_hex || strlen(sig_hex) != 2 * CMD_MAC_LEN)
		return false;
	for (i = 0; i < CMD_MAC_LEN; i++) {
		hi = hexval(sig_hex[2 * i]);
		lo = hexval(sig_hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	if (cmd_hmac(key, keylen, topic, body, want) < 0)
		return false;
	/* cmd_hmac succeeded: libcrypto is loaded */
	ok = ossl.CRYPTO_memcmp(want, got, CMD_MAC_LEN) == 0;
	explicit_bzero(want, sizeof want);
	return ok;
}

bool cmd_ts_ok(int64_t ts_ms, int64_t now_ms, int64_t window_ms)
{
	return ts_ms >= now_ms - window_ms && ts_ms <= now_ms + window_ms;
}

/* Entries whose ts left the window can never match an accepted command. */
static void replay_expire(struct replay_cache *rc, int64_t now_ms, int64_t window_ms)
{
	int i, kept = 0;

	for (i = 0; i < rc->n; i++)
		if (rc->e[i].ts_ms >= now_ms - window_ms)
			rc->e[kept++] = rc->e[i];
	rc->n = kept;
}

int replay_check_add(struct replay_cache *rc, const char *id, int64_t ts_ms,
		     int64_t now_ms, int64_t window_ms)
{
	int i, oldest = 0;

	if (!id || !*id || strlen(id) > CMD_ID_MAX)
		return -1;
	if (ts_ms <= rc->floor_ms)
		return -1;
	replay_expire(rc, now_ms, window_ms);
	for (i = 0; i < rc->n; i++)
		if (strcmp(rc->e[i].id, id) == 0)
			return -1;
	if (rc->n == CMD_REPLAY_MAX) {
		for (i = 1; i < rc->n; i++)
			if (rc->e[i].ts_ms < rc->e[oldest].ts_ms)
				oldest = i;
		if (rc->e[oldest].ts_ms > rc->floor_ms)
			rc->floor_ms = rc->e[oldest].ts_ms;
		rc->e[oldest] = rc->e[--rc->n];
		if (ts_ms <= rc->floor_ms)
			return -1;
	}
	strlcpy_hz(rc->e[rc->n].id, id, sizeof rc->e[rc->n].id);
	rc->e[rc->n].ts_ms = ts_ms;
	rc->n++;
	return 0;
}

cJSON *replay_to_json(const struct replay_cache *rc)
{
	cJSON *o = cJSON_CreateObject(), *ids;
	int i;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "floor", (double)rc->floor_ms);
	ids = cJSON_AddObjectToObject(o, "ids");
	for (i = 0; ids && i < rc->n; i++)
		cJSON_AddNumberToObject(ids, rc->e[i].id, (double)rc->e[i].ts_ms);
	return o;
}

int replay_from_json(struct replay_cache *rc, const cJSON *o)
{
	const cJSON *ids, *it, *fl;

	memset(rc, 0, sizeof *rc);
	if (!cJSON_IsObject(o))
		return -1;
	fl = cJSON_GetObjectItemCaseSensitive(o, "floor");
	if (cJSON_IsNumber(fl))
		rc->floor_ms = (int64_t)fl->valuedouble;
	ids = cJSON_GetObjectItemCaseSensitive(o, "ids");
	cJSON_ArrayForEach(it, ids) {
		if (rc->n == CMD_REPLAY_MAX)
			break;
		if (!cJSON_IsNumber(it) || !it->string || !*it->string ||
		    strlen(it->string) > CMD_ID_MAX)
			continue;
		strlcpy_hz(rc->e[rc->n].id, it->string, sizeof rc->e[rc->n].id);
		rc->e[rc->n].ts_ms = (int64_t)it->valuedouble;
		rc->n++;
	}
	return 0;
}

/* explicit_bzero, not OPENSSL_cleanse: the same promise (not optimised
 * away) without needing libcrypto loaded to forget a key */
void cmd_key_wipe(void *key, size_t len)
{
	if (key)
		explicit_bzero(key, len);
}
