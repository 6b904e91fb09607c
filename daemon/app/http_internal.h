/*
 * http_internal.h: what the console's files share (http_console.c,
 * http_api.c, http_api_records.c, http_events.c, http_user_ops.c).
 */
#ifndef APP_HTTP_INTERNAL_H
#define APP_HTTP_INTERNAL_H

#include "http_console.h"
#include "http_server.h"
#include "http_session.h"
#include "http_users.h"
#include "offload.h"

#define HTTP_BODY_MAX       (64u << 10)     /* a request's JSON */
#define HTTP_SUBMIT_MAX     (12u << 20)     /* a submit with its photos */
#define HTTP_SSE_MAX        16              /* event streams at once */
#define HTTP_SSE_BUFFER     (256u << 10)    /* bytes queued per stream */
#define HTTP_HEARTBEAT_MS   15000
#define HTTP_LOGIN_QUEUE    4               /* password checks waiting or under way */

struct sse_client;

struct http_console {
	struct daemon *d;
	cJSON *(*status)(struct daemon *d);     /* daemon_status_json */
	struct http_server *srv;
	struct http_sessions sess;
	struct http_throttle thr;
	struct http_users users;
	char   users_path[PATH_MAX_HZ];
	struct sse_client *sse;         /* open event streams */
	int    n_sse;
	int64_t next_heartbeat_ms;
	char   dummy_hash[HTTP_HASH_MAX]; /* checked for an unknown name */
	struct offload *login_worker;   /* password checks; NULL: on the loop */
};

/* One request to /api/, once its session is known. */
struct api {
	struct http_console *c;
	struct http_req *r;
	struct http_session *s;         /* NULL: /api/login */
	struct http_user *u;
	cJSON  *body;                   /* POST: the parsed object */
	char    seg[2][128];            /* the path's '*' segments */
	char    actor[80];              /* "web:NAME" */
};

/* http_api.c */
void http_handle(void *ctx, struct http_req *r);
size_t http_body_limit(void *ctx, const char *method, const char *url);
/* Replies: the console's headers added; body taken (may be NULL). */
void api_json(struct api *a, int status, cJSON *body);
void api_error(struct api *a, int status, const char *msg);
/* An operation's result, or its error with the status of its class. */
void api_result(struct api *a, cJSON *result, const struct ops_error *e, bool wrap);
extern const char *const http_api_headers[];
/* The reply with the session cookie (id; max_age 0 ends it). */
void api_cookie(struct api *a, int status, cJSON *body, const char *id, int max_age);
/* {"user","role","sites","lang","csrf"} */
cJSON *api_me_json(const struct http_user *u, const struct http_session *s);

/* http_login.c: POST /api/login, its password checked on the login
 * worker (the request suspended meanwhile) or, without one, at once */
void http_login(struct api *a);

/* http_api_records.c: the endpoints past login */
struct api_route {
	const char *method, *path;      /* '*' is one path segment */
	unsigned roles;                 /* bit per enum http_role */
	void (*fn)(struct api *a);
};
extern const struct api_route http_routes[];
extern const size_t http_n_routes;

/* http_console.c: the users file changed; user's sessions end (NULL: none) */
void http_console_users_changed(struct http_console *c, const char *user);

/* http_events.c */
void http_events_open(struct api *a);
void http_events_tick(struct http_console *c, int64_t now_ms);
void http_events_end_user(struct http_console *c, const char *user);
void http_events_close_all(struct http_console *c);

#endif /* APP_HTTP_INTERNAL_H */
