/*
 * http_api.c: what every console request goes through (docs/http.md):
 * the built-in pages, then for /api/ the session (401 without one,
 * whatever the path), the route (404), the CSRF token on a POST (403),
 * the role (403), the JSON body (400); logout; replies with the
 * console's headers.  Login is http_login.c, the endpoints
 * http_api_records.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_assets.h"
#include "http_internal.h"

/* every reply: no other origin's scripts or frames, no sniffing */
#define SEC_HEADERS \
	"Content-Security-Policy", "default-src 'self'", \
	"X-Content-Type-Options", "nosniff", \
	"Referrer-Policy", "same-origin"

const char *const http_api_headers[] = { SEC_HEADERS, "Cache-Control", "no-store", NULL };
static const char *const page_headers[] = { SEC_HEADERS, "Cache-Control", "no-cache", NULL };

void api_json(struct api *a, int status, cJSON *body)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;

	cJSON_Delete(body);
	if (status == 204)
		http_reply(a->r, status, NULL, "", 0, http_api_headers);
	else if (!text)
		http_reply(a->r, 500, "application/json", "{\"error\":\"out of memory\"}", 25,
			   http_api_headers);
	else
		http_reply(a->r, status, "application/json", text, strlen(text),
			   http_api_headers);
	free(text);
}

void api_error(struct api *a, int status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", msg);
	api_json(a, status, o);
}

void api_result(struct api *a, cJSON *result, const struct ops_error *e, bool wrap)
{
	static const int status[] = {
		[OPS_OK] = 500, [OPS_INVALID] = 400, [OPS_NOT_FOUND] = 404,
		[OPS_REFUSED] = 409, [OPS_BUSY] = 503, [OPS_FAILED] = 500,
	};
	cJSON *o;

	if (!result) {
		api_error(a, status[e->cls], e->msg[0] ? e->msg : "request failed");
		return;
	}
	if (!wrap) {
		api_json(a, 200, result);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "result", result);
	api_json(a, 200, o);
}

/* ------------------------------------------------------------ pages */

static void serve_asset(struct http_req *r)
{
	const char *path = http_req_path(r);
	size_t i;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (i = 0; i < http_n_assets; i++)
		if (strcmp(http_assets[i].path, path) == 0) {
			http_reply(r, 200, http_assets[i].type, http_assets[i].data,
				   http_assets[i].len, page_headers);
			return;
		}
	http_reply(r, 404, "text/plain; charset=utf-8", "not found\n", 10, page_headers);
}

/* ------------------------------------------------------------ session cookie */

void api_cookie(struct api *a, int status, cJSON *body, const char *id, int max_age)
{
	char set[200], *text = cJSON_PrintUnformatted(body);
	const char *h[12];
	int i = 0;

	cJSON_Delete(body);
	snprintf(set, sizeof set, "hz_session=%s; HttpOnly; SameSite=Strict; Path=/; "
		 "Max-Age=%d%s", id, max_age,
		 http_server_tls(a->c->srv) ? "; Secure" : "");
	for (; http_api_headers[i]; i++)
		h[i] = http_api_headers[i];
	h[i++] = "Set-Cookie";
	h[i++] = set;
	h[i] = NULL;
	if (text)
		http_reply(a->r, status, "application/json", text, strlen(text), h);
	else
		http_reply(a->r, status, NULL, "", 0, h);
	free(text);
}

/* {"user","role","sites","lang","csrf"} */
cJSON *api_me_json(const struct http_user *u, const struct http_session *s)
{
	cJSON *o = http_user_json(u);

	cJSON_AddStringToObject(o, "csrf", s->csrf);
	return o;
}

static void logout(struct api *a)
{
	http_session_drop(a->s);
	api_cookie(a, 204, NULL, "", 0);
}

static void me(struct api *a)
{
	api_json(a, 200, api_me_json(a->u, a->s));
}

/* ------------------------------------------------------------ routing */

size_t http_body_limit(void *ctx, const char *method, const char *url)
{
	size_t n = strlen(url);

	if (strcmp(method, "POST") != 0)
		return 0;
	if (strncmp(url, "/api/records/", 13) == 0 && n > 7 &&
	    strcmp(url + n - 7, "/submit") == 0)
		return HTTP_SUBMIT_MAX;
	return HTTP_BODY_MAX;
}

/* path against a route's pattern; '*' segments copied into seg */
static bool match(const char *pat, const char *path, char seg[2][128])
{
	int k = 0;

	while (*pat && *path) {
		if (*pat == '*') {
			size_t n = strcspn(path, "/");

			if (n == 0 || n >= 128 || k == 2)
				return false;
			memcpy(seg[k], path, n);
			seg[k++][n] = '\0';
			path += n;
			pat++;
		} else if (*pat++ != *path++) {
			return false;
		}
	}
	return !*pat && !*path;
}

static void api(struct http_console *c, struct http_req *r)
{
	struct api a = { .c = c, .r = r };
	const char *method = http_req_method(r), *path = http_req_path(r), *tok;
	const struct api_route *rt = NULL;
	bool path_known = false;
	size_t i, len;
	const char *body;

	if (strcmp(method, "POST") == 0) {
		body = http_req_body(r, &len);
		a.body = cJSON_ParseWithLength(body, len);
	}
	if (strcmp(path, "/api/login") == 0) {
		struct ops_error e = { .cls = OPS_OK };

		if (strcmp(method, "POST") != 0)
			api_error(&a, 405, "POST /api/login");
		else if (!cJSON_IsObject(a.body) || !ops_clean(a.body, &e))
			api_error(&a, 400, e.msg[0] ? e.msg : "malformed JSON");
		else
			http_login(&a);
		cJSON_Delete(a.body);
		return;
	}
	a.s = http_session_find(&c->sess, http_req_cookie(r, "hz_session"), now_mono_ms());
	if (a.s && !(a.u = http_users_find(&c->users, a.s->user))) {
		http_session_drop(a.s);         /* the user was deleted */
		a.s = NULL;
	}
	if (!a.s) {
		api_error(&a, 401, "log in first (POST /api/login)");
		goto out;
	}
	snprintf(a.actor, sizeof a.actor, "web:%s", a.u->name);
	for (i = 0; i < http_n_routes && !rt; i++)
		if (match(http_routes[i].path, path, a.seg)) {
			path_known = true;
			if (strcmp(http_routes[i].method, method) == 0)
				rt = &http_routes[i];
		}
	if (!rt && strcmp(path, "/api/logout") == 0 && strcmp(method, "POST") == 0)
		path_known = true;
	else if (!rt && strcmp(path, "/api/me") == 0 && strcmp(method, "GET") == 0) {
		me(&a);
		goto out;
	}
	if (!path_known) {
		api_error(&a, 404, "no such API path");
		goto out;
	}
	if (strcmp(method, "POST") == 0) {
		struct ops_error e = { .cls = OPS_OK };

		tok = http_req_header(r, "X-CSRF-Token");
		if (!tok || !http_token_eq(tok, a.s->csrf)) {
			api_error(&a, 403, "missing or wrong X-CSRF-Token");
			goto out;
		}
		if (!rt) {
			logout(&a);
			goto out;
		}
		if (!cJSON_IsObject(a.body)) {
			api_error(&a, 400, "the body must be a JSON object");
			goto out;
		}
		if (!ops_clean(a.body, &e)) {
			api_error(&a, 400, e.msg);
			goto out;
		}
	}
	if (!rt) {
		api_error(&a, 405, "method not allowed");
		goto out;
	}
	if (!(rt->roles & (1u << a.u->role))) {
		api_error(&a, 403, "your role may not do this");
		goto out;
	}
	rt->fn(&a);
out:
	cJSON_Delete(a.body);
}

void http_handle(void *ctx, struct http_req *r)
{
	struct http_console *c = ctx;
	const char *path = http_req_path(r);

	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0)
		api(c, r);
	else if (strcmp(http_req_method(r), "GET") == 0 ||
		 strcmp(http_req_method(r), "HEAD") == 0)
		serve_asset(r);
	else
		http_reply(r, 405, "text/plain", "method not allowed\n", 19, page_headers);
}
