/*
 * http_session.h: the web console's sessions and login throttle
 * (http_session.c).  Pure tables with the time passed in, so the unit test
 * (tests/unit/test_http_session.c) can drive them; loop thread only.
 */
#ifndef APP_HTTP_SESSION_H
#define APP_HTTP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "http_auth.h"

#define HTTP_SESSIONS_MAX   256 /* the oldest is dropped for a new one */
#define HTTP_THROTTLE_MAX   256 /* keys remembered (user names, addresses) */
#define HTTP_USER_FAILS     5   /* failures of one user name before a wait */
#define HTTP_IP_FAILS       20  /* failures from one address before a wait */
#define HTTP_WAIT_MAX_S     900 /* the longest wait */
#define HTTP_FORGET_MS      (15 * 60 * 1000) /* failures forgotten after */

struct http_session {
	char    id[HTTP_TOKEN_HEX];     /* the cookie */
	char    csrf[HTTP_TOKEN_HEX];   /* X-CSRF-Token */
	char    user[64];
	int64_t expires_ms;             /* monotonic; 0: free slot */
	int64_t created_ms;
};

struct http_sessions {
	struct http_session s[HTTP_SESSIONS_MAX];
	int64_t ttl_ms;
};

/* A new session for user (tokens from getrandom); NULL: no entropy. */
struct http_session *http_session_new(struct http_sessions *t, const char *user,
				      int64_t now_ms);
/* The live session with this id (compared in constant time), or NULL. */
struct http_session *http_session_find(struct http_sessions *t, const char *id,
				       int64_t now_ms);
void http_session_drop(struct http_session *s);
/* Every session of user (deleted, or a new password). */
void http_session_drop_user(struct http_sessions *t, const char *user);
/* Constant-time equality of two tokens. */
bool http_token_eq(const char *a, const char *b);

struct http_throttle_entry {
	char    key[80];                /* "u:NAME" or "ip:ADDR" */
	int     fails;
	int64_t last_ms;                /* monotonic, last failure */
	int64_t until_ms;               /* no attempt before this */
};

struct http_throttle {
	struct http_throttle_entry e[HTTP_THROTTLE_MAX];
};

/* Seconds to wait before key may try again (0: now). */
int  http_throttle_wait(struct http_throttle *t, const char *key, int64_t now_ms);
/* A failure of key; limit: failures before the first wait, which then
 * doubles with each further failure (1 s, 2 s, ... HTTP_WAIT_MAX_S). */
void http_throttle_fail(struct http_throttle *t, const char *key, int limit,
			int64_t now_ms);
void http_throttle_ok(struct http_throttle *t, const char *key);

#endif /* APP_HTTP_SESSION_H */
