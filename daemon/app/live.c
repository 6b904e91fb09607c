/*
 * live.c: the live feed (live.h).  A short array of subscribers; at most a
 * few (control streams are bounded by CTL_MAX_STREAMS, console clients by
 * the console's own limit), so a linear scan is the right structure.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "live.h"

struct live_sub {
	live_fn fn;
	void   *ctx;
};

struct live {
	struct live_sub *subs;
	int n, cap;
	/* set while calling back: an unsubscribe then only clears the slot,
	 * compacted when the walk is done */
	int walking;
	bool holes;
};

struct live *live_new(void)
{
	return calloc(1, sizeof(struct live));
}

void live_free(struct live *lv)
{
	if (!lv)
		return;
	free(lv->subs);
	free(lv);
}

int live_subscribe(struct live *lv, live_fn fn, void *ctx)
{
	struct live_sub *s;
	int i;

	if (!lv || !fn)
		return -1;
	for (i = 0; i < lv->n; i++)
		if (lv->subs[i].fn && lv->subs[i].ctx == ctx)
			return 0;
	if (lv->n == lv->cap) {
		int cap = lv->cap ? lv->cap * 2 : 4;

		if (!(s = realloc(lv->subs, (size_t)cap * sizeof *s)))
			return -1;
		lv->subs = s;
		lv->cap = cap;
	}
	lv->subs[lv->n++] = (struct live_sub){ .fn = fn, .ctx = ctx };
	return 0;
}

static void compact(struct live *lv)
{
	int i, j = 0;

	for (i = 0; i < lv->n; i++)
		if (lv->subs[i].fn)
			lv->subs[j++] = lv->subs[i];
	lv->n = j;
	lv->holes = false;
}

void live_unsubscribe(struct live *lv, void *ctx)
{
	int i;

	if (!lv)
		return;
	for (i = 0; i < lv->n; i++)
		if (lv->subs[i].fn && lv->subs[i].ctx == ctx) {
			lv->subs[i].fn = NULL;
			lv->holes = true;
		}
	if (!lv->walking)
		compact(lv);
}

bool live_wanted(const struct live *lv)
{
	return lv && lv->n > 0;
}

static void publish(struct live *lv, const char *type, const cJSON *msg)
{
	int i;

	lv->walking++;
	/* n read each round: a callback may subscribe another listener */
	for (i = 0; i < lv->n; i++)
		if (lv->subs[i].fn)
			lv->subs[i].fn(lv->subs[i].ctx, type, msg);
	if (--lv->walking == 0 && lv->holes)
		compact(lv);
}

void live_reading(struct live *lv, const struct device_cfg *dev, const struct reading *r,
		  int64_t at_ms)
{
	cJSON *msg, *values;

	if (!live_wanted(lv) || !dev || !r)
		return;
	msg = cJSON_CreateObject();
	values = reading_to_json(r);
	if (msg && values) {
		cJSON_AddStringToObject(msg, "device", dev->id);
		cJSON_AddStringToObject(msg, "site", dev->site);
		cJSON_AddNumberToObject(msg, "at", (double)at_ms);
		cJSON_AddItemToObject(msg, "values", values);
		values = NULL;
		publish(lv, "reading", msg);
	}
	cJSON_Delete(values);
	cJSON_Delete(msg);
}

void live_record(struct live *lv, const cJSON *event)
{
	if (live_wanted(lv) && event)
		publish(lv, "record", event);
}
