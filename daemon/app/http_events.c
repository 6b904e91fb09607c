/*
 * http_events.c: GET /api/events, Server-Sent Events from the live feed
 * (live.h).  Each stream subscribes to the feed and is sent what its user
 * may see (a reading's or a record's "site"; an installer readings only): "event: reading" or
 * "event: record", "data:" the feed's JSON on one line.  A comment every
 * 15 s keeps proxies and the idle timeout from closing a quiet stream.
 * At most HTTP_SSE_MAX streams; a stream whose buffer is full (a client
 * that does not read) is ended, and the page reconnects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "live.h"

struct sse_client {
	struct http_console *c;
	struct http_stream *st;
	char   user[HTTP_NAME_MAX + 1];
	bool   ending;
	struct sse_client *next;
};

static void sse_send(struct sse_client *k, const char *text, size_t len)
{
	if (k->ending)
		return;
	if (http_stream_write(k->st, text, len) < 0) {
		log_info("http: event stream of %s falls behind; ended", k->user);
		k->ending = true;
		live_unsubscribe(k->c->d->live, k);
		http_stream_end(k->st);
	}
}

static void on_live(void *ctx, const char *type, const cJSON *msg)
{
	struct sse_client *k = ctx;
	struct http_user *u = http_users_find(&k->c->users, k->user);
	const cJSON *site = cJSON_GetObjectItemCaseSensitive(msg, "site");
	char *json, *text;
	size_t n;

	if (!u || (u->role != HTTP_GRID_WORKER && u->role != HTTP_ADMIN &&
		   u->role != HTTP_INSTALLER &&
		   !(cJSON_IsString(site) && http_user_sees(u, site->valuestring))))
		return;
	/* the installer commissions devices: readings, not records */
	if (u->role == HTTP_INSTALLER && strcmp(type, "reading") != 0)
		return;
	if (!(json = cJSON_PrintUnformatted(msg)))
		return;
	n = strlen(json) + strlen(type) + 32;
	if ((text = malloc(n))) {
		snprintf(text, n, "event: %s\ndata: %s\n\n", type, json);
		sse_send(k, text, strlen(text));
		free(text);
	}
	free(json);
}

static void on_closed(void *ctx)
{
	struct sse_client *k = ctx, **p;

	live_unsubscribe(k->c->d->live, k);
	for (p = &k->c->sse; *p; p = &(*p)->next)
		if (*p == k) {
			*p = k->next;
			break;
		}
	k->c->n_sse--;
	free(k);
}

void http_events_open(struct api *a)
{
	static const char *const h[] = {
		"Content-Security-Policy", "default-src 'self'",
		"X-Content-Type-Options", "nosniff",
		"Cache-Control", "no-store", "X-Accel-Buffering", "no", NULL };
	struct sse_client *k;

	if (a->c->n_sse >= HTTP_SSE_MAX) {
		api_error(a, 503, "too many event streams open");
		return;
	}
	if (!(k = calloc(1, sizeof *k))) {
		api_error(a, 500, "out of memory");
		return;
	}
	k->c = a->c;
	snprintf(k->user, sizeof k->user, "%s", a->u->name);
	k->st = http_reply_stream(a->r, "text/event-stream", h, HTTP_SSE_BUFFER,
				  on_closed, k);
	if (!k->st) {
		free(k);
		api_error(a, 500, "cannot open the stream");
		return;
	}
	k->next = a->c->sse;
	a->c->sse = k;
	a->c->n_sse++;
	live_subscribe(a->c->d->live, on_live, k);
	sse_send(k, ": hazardd events\n\n", 18);
}

void http_events_tick(struct http_console *c, int64_t now_ms)
{
	struct sse_client *k;

	if (now_ms < c->next_heartbeat_ms)
		return;
	c->next_heartbeat_ms = now_ms + HTTP_HEARTBEAT_MS;
	for (k = c->sse; k; k = k->next)
		sse_send(k, ": heartbeat\n\n", 13);
}

/* A deleted user's streams end with their sessions. */
void http_events_end_user(struct http_console *c, const char *user)
{
	struct sse_client *k;

	for (k = c->sse; k; k = k->next)
		if (!k->ending && strcmp(k->user, user) == 0) {
			k->ending = true;
			live_unsubscribe(c->d->live, k);
			http_stream_end(k->st);
		}
}

void http_events_close_all(struct http_console *c)
{
	struct sse_client *k;

	for (k = c->sse; k; k = k->next)
		live_unsubscribe(c->d->live, k);
}
