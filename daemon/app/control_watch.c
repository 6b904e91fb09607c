/*
 * control_watch.c: the control command "watch" (`hazardctl watch`):
 * {"cmd":"watch","device":ID,"site":ID} (both optional) turns the
 * connection into a stream of the live feed (live.h), one JSON line per
 * decoded reading ({"reading": {"device","site","at","values"}}) and per
 * record event ({"record": the event as it goes upstream}) of that device
 * or site, after the reply {"ok":true,"result":{"watching":{...}}}.
 *
 * The transport (io/control_socket.c) bounds streams by count and each
 * one's unsent lines: a reader that falls behind gets a last line
 * {"dropped": ...} and is closed.  When the client goes, for whatever
 * reason, the transport calls watch_gone and the subscription ends with
 * it; nothing here outlives the connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "ops.h"

struct watch {
	struct daemon     *d;
	struct ctl_client *cl;
	char device[ID_MAX];    /* "" any */
	char site[ID_MAX];      /* "" any */
};

static void watch_gone(void *arg)
{
	struct watch *w = arg;

	live_unsubscribe(w->d->live, w);
	free(w);
}

static bool watch_matches(const struct watch *w, const cJSON *msg)
{
	const char *dev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "device"));
	const char *site = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "site"));

	if (w->device[0] && (!dev || strcmp(dev, w->device) != 0))
		return false;
	if (w->site[0] && (!site || strcmp(site, w->site) != 0))
		return false;
	return true;
}

/* {"<type>": msg} written around msg's text, without copying the tree. */
static void watch_live(void *ctx, const char *type, const cJSON *msg)
{
	struct watch *w = ctx;
	char *text, *line;
	size_t len;

	if (!watch_matches(w, msg) || !(text = cJSON_PrintUnformatted(msg)))
		return;
	len = strlen(type) + strlen(text) + 8;
	line = malloc(len);
	if (line) {
		snprintf(line, len, "{\"%s\":%s}", type, text);
		/* -1: the stream ended and watch_gone freed w; touch nothing */
		(void)ctlsock_stream_send(w->cl, line);
	}
	free(line);
	free(text);
}

/* An optional id member: absent is "", else an id of the config. */
static int watch_id(const cJSON *req, const char *key, char *out, struct ops_error *e)
{
	const char *id;

	out[0] = '\0';
	if (!cJSON_GetObjectItemCaseSensitive(req, key))
		return 0;
	if (!(id = ops_record_id(req, key, e)))
		return -1;
	snprintf(out, ID_MAX, "%s", id);
	return 0;
}

cJSON *ctl_cmd_watch(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	static const char *const allowed[] = { "cmd", "device", "site", NULL };
	struct watch *w;
	const char *why;
	cJSON *r, *what;

	if (!ops_only_fields(req, allowed, NULL, e))
		return NULL;
	if (!d->live)
		return ops_fail(e, OPS_FAILED, "no live feed");
	if (!(w = calloc(1, sizeof *w)))
		return ops_fail(e, OPS_FAILED, "out of memory");
	w->d = d;
	if (watch_id(req, "device", w->device, e) < 0 ||
	    watch_id(req, "site", w->site, e) < 0)
		goto fail;
	if (w->device[0] && d->cfg && !config_find_device(d->cfg, w->device)) {
		ops_fail(e, OPS_NOT_FOUND, "no such device: %s", w->device);
		goto fail;
	}
	if (w->site[0] && d->cfg && !config_find_site(d->cfg, w->site)) {
		ops_fail(e, OPS_NOT_FOUND, "no such site: %s", w->site);
		goto fail;
	}
	r = cJSON_CreateObject();
	what = r ? cJSON_AddObjectToObject(r, "watching") : NULL;
	if (!what) {
		cJSON_Delete(r);
		ops_fail(e, OPS_FAILED, "out of memory");
		goto fail;
	}
	if (w->device[0])
		cJSON_AddStringToObject(what, "device", w->device);
	if (w->site[0])
		cJSON_AddStringToObject(what, "site", w->site);
	if (live_subscribe(d->live, watch_live, w) < 0) {
		cJSON_Delete(r);
		ops_fail(e, OPS_FAILED, "out of memory");
		goto fail;
	}
	if (!(w->cl = ctlsock_stream_begin(watch_gone, w, &why))) {
		live_unsubscribe(d->live, w);
		cJSON_Delete(r);
		ops_fail(e, OPS_BUSY, "%s", why);
		goto fail;
	}
	return r;
fail:
	free(w);
	return NULL;
}
