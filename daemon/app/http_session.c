/*
 * http_session.c: sessions and the login throttle of the web console.
 *
 * A session is two random 256-bit tokens: its id (the HttpOnly cookie) and
 * its CSRF token (given to the page in the login reply, sent back in a
 * header on every POST: a page of another origin can make the browser
 * send the cookie, not read the token).  The table is fixed: a new
 * session past the limit replaces the oldest.
 *
 * The throttle counts failed logins per user name and per client address;
 * past the limit a key must wait, twice as long after each further
 * failure.  A waiting attempt is refused before its password is checked,
 * so it costs no hashing.
 */
#include <stdio.h>
#include <string.h>

#include "http_session.h"

bool http_token_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

struct http_session *http_session_new(struct http_sessions *t, const char *user,
				      int64_t now_ms)
{
	struct http_session *s = NULL;
	int i;

	for (i = 0; i < HTTP_SESSIONS_MAX; i++) {
		struct http_session *c = &t->s[i];

		if (c->expires_ms <= now_ms) {
			s = c;
			break;
		}
		if (!s || c->created_ms < s->created_ms)
			s = c;
	}
	memset(s, 0, sizeof *s);
	if (http_token(s->id) < 0 || http_token(s->csrf) < 0) {
		memset(s, 0, sizeof *s);
		return NULL;
	}
	snprintf(s->user, sizeof s->user, "%s", user);
	s->created_ms = now_ms;
	s->expires_ms = now_ms + t->ttl_ms;
	return s;
}

struct http_session *http_session_find(struct http_sessions *t, const char *id,
				       int64_t now_ms)
{
	int i;

	if (!id || strlen(id) != HTTP_TOKEN_HEX - 1)
		return NULL;
	for (i = 0; i < HTTP_SESSIONS_MAX; i++)
		if (t->s[i].expires_ms > now_ms && http_token_eq(t->s[i].id, id))
			return &t->s[i];
	return NULL;
}

void http_session_drop(struct http_session *s)
{
	memset(s, 0, sizeof *s);
}

void http_session_drop_user(struct http_sessions *t, const char *user)
{
	int i;

	for (i = 0; i < HTTP_SESSIONS_MAX; i++)
		if (t->s[i].expires_ms && strcmp(t->s[i].user, user) == 0)
			http_session_drop(&t->s[i]);
}

static struct http_throttle_entry *find(struct http_throttle *t, const char *key,
					int64_t now_ms, bool add)
{
	struct http_throttle_entry *old = NULL;
	int i;

	for (i = 0; i < HTTP_THROTTLE_MAX; i++) {
		struct http_throttle_entry *e = &t->e[i];

		if (e->key[0] && now_ms - e->last_ms > HTTP_FORGET_MS &&
		    now_ms >= e->until_ms)
			memset(e, 0, sizeof *e);
		if (e->key[0] && strcmp(e->key, key) == 0)
			return e;
		if (!old || !e->key[0] || (old->key[0] && e->last_ms < old->last_ms))
			old = e;
	}
	if (!add)
		return NULL;
	memset(old, 0, sizeof *old);
	snprintf(old->key, sizeof old->key, "%s", key);
	return old;
}

int http_throttle_wait(struct http_throttle *t, const char *key, int64_t now_ms)
{
	struct http_throttle_entry *e = find(t, key, now_ms, false);

	if (!e || e->until_ms <= now_ms)
		return 0;
	return (int)((e->until_ms - now_ms + 999) / 1000);
}

void http_throttle_fail(struct http_throttle *t, const char *key, int limit,
			int64_t now_ms)
{
	struct http_throttle_entry *e = find(t, key, now_ms, true);
	int over, wait_s = 1;

	e->fails++;
	e->last_ms = now_ms;
	over = e->fails - limit;
	if (over < 0)
		return;
	while (over-- > 0 && wait_s < HTTP_WAIT_MAX_S)
		wait_s *= 2;
	if (wait_s > HTTP_WAIT_MAX_S)
		wait_s = HTTP_WAIT_MAX_S;
	e->until_ms = now_ms + (int64_t)wait_s * 1000;
}

void http_throttle_ok(struct http_throttle *t, const char *key)
{
	struct http_throttle_entry *e = find(t, key, 0, false);

	if (e)
		memset(e, 0, sizeof *e);
}
