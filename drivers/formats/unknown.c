/*
 * unknown.c: devices heard on the ecosystems' topics but not in the config.
 *
 * An installer pairs a new Zigbee detector or flashes a Tasmota plug and
 * needs its topic to register it.  `hazardctl devices --unknown` lists what
 * the discovery client (discovery.c) heard: the inferred format, name and
 * config topic, first and last seen, a count and the last payload,
 * truncated, and the fields its payloads carried, read by its format's
 * decoder and gathered over every message (what infer_kind.c suggests a
 * kind from).  Such senders never raise hazards and never reach the
 * database: the table lives in memory and is bounded (max_entries; the
 * least recently heard is evicted and counted), so a flood of invented
 * names costs a fixed amount of memory.
 *
 * Inference, by topic shape, is each format's (its struct device_format's
 * infer, asked in table order; one entry per device, whatever topic of the
 * device was heard):
 *   zigbee2mqtt/<name>[/availability]   zigbee2mqtt  zigbee2mqtt/<name>
 *   tele/<topic>/<anything>             tasmota      tele/<topic>/SENSOR
 *   shellies/<id>/...                   shelly       shellies/<id>
 *   <id>/status/switch:0, <id>/events/rpc  shelly    <id>/status/switch:0
 * Bridge topics (zigbee2mqtt/bridge/...), commands (.../set, .../get,
 * .../command) and announcements are not devices.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"

struct un_entry {
	char    dev_topic[TOPIC_MAX];   /* key: what its config "topic" would be */
	char    format[16];
	char    name[TOPIC_MAX];
	char    last_topic[TOPIC_MAX];
	char    payload[UNKNOWN_PAYLOAD_MAX + 1];
	size_t  payload_len;            /* as received, before truncation */
	uint32_t fields;                /* reading fields heard, every message */
	int64_t first_ms, last_ms;
	uint64_t count;
	uint64_t seq;                   /* recency, for eviction */
};

struct unknown {
	pthread_mutex_t lock;
	struct un_entry *e;
	int n, cap, max;                /* used, allocated, the limit */
	uint64_t seq;
	uint64_t evicted;
	uint64_t messages;
};

struct unknown *unknown_new(int max_entries)
{
	struct unknown *u = calloc(1, sizeof *u);

	if (!u)
		return NULL;
	u->max = max_entries > 0 ? max_entries : 1;
	/* entries come as unknown senders do (unknown_note): most gateways
	 * hear none, and max_entries of them are ~1 KiB each */
	pthread_mutex_init(&u->lock, NULL);
	return u;
}

void unknown_free(struct unknown *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u->e);
	free(u);
}

bool topic_level(const char *topic, int i, char *buf, size_t size, int *levels)
{
	const char *p = topic, *slash;
	int k = 0;
	bool ok = false;

	for (;;) {
		slash = strchr(p, '/');
		if (k == i) {
			size_t len = slash ? (size_t)(slash - p) : strlen(p);

			if (len > 0 && len < size) {
				memcpy(buf, p, len);
				buf[len] = '\0';
				ok = true;
			}
		}
		k++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (levels)
		*levels = k;
	return ok;
}

enum infer_result infer_device(char *name, size_t nlen, const char *nm, char *dev_topic,
			       size_t tlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dev_topic, tlen, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)tlen)
		return INFER_NOT_DEVICE;
	snprintf(name, nlen, "%s", nm);
	return INFER_DEVICE;
}

/* The first format that claims the topic decides. */
bool unknown_infer(const char *topic, char *format, size_t flen, char *name,
		   size_t nlen, char *dev_topic, size_t tlen)
{
	const struct device_format *fmt;
	enum infer_result rc;
	int i;

	if (!topic)
		return false;
	for (i = 0; (fmt = format_at(i)) != NULL; i++) {
		if (!fmt->infer)
			continue;
		rc = fmt->infer(topic, name, nlen, dev_topic, tlen);
		if (rc == INFER_NOT_MINE)
			continue;
		if (rc != INFER_DEVICE)
			return false;
		snprintf(format, flen, "%s", fmt->name);
		return true;
	}
	return false;
}

/* Room for one more entry: the array doubles up to max.  false when
 * memory is short; the caller then reuses the oldest entry. */
static bool grow(struct unknown *u)
{
	struct un_entry *e;
	int cap;

	if (u->n < u->cap)
		return true;
	cap = u->cap ? u->cap * 2 : 8;
	if (cap > u->max)
		cap = u->max;
	e = realloc(u->e, (size_t)cap * sizeof *e);
	if (!e)
		return false;
	u->e = e;
	u->cap = cap;
	return true;
}

bool unknown_note(struct unknown *u, const char *topic, const void *payload,
		  size_t len, int64_t now_wall_ms)
{
	char format[16], name[TOPIC_MAX], dev_topic[TOPIC_MAX];
	struct un_entry *e = NULL;
	uint32_t fields;
	size_t keep;
	int i, oldest = 0;

	if (!u || !unknown_infer(topic, format, sizeof format, name, sizeof name,
				 dev_topic, sizeof dev_topic))
		return false;
	/* decoded outside the lock: the decoder is pure */
	fields = infer_fields(format, topic, payload, len);
	pthread_mutex_lock(&u->lock);
	u->messages++;
	for (i = 0; i < u->n; i++) {
		if (strcmp(u->e[i].dev_topic, dev_topic) == 0) {
			e = &u->e[i];
			break;
		}
		if (u->e[i].seq < u->e[oldest].seq)
			oldest = i;
	}
	if (!e) {
		if (u->n < u->max && grow(u)) {
			e = &u->e[u->n++];
		} else if (u->n == 0) {         /* nothing to reuse either */
			pthread_mutex_unlock(&u->lock);
			return false;
		} else {
			e = &u->e[oldest];
			u->evicted++;
		}
		memset(e, 0, sizeof *e);
		strlcpy_hz(e->dev_topic, dev_topic, sizeof e->dev_topic);
		strlcpy_hz(e->format, format, sizeof e->format);
		strlcpy_hz(e->name, name, sizeof e->name);
		e->first_ms = now_wall_ms;
	}
	e->last_ms = now_wall_ms;
	e->count++;
	e->seq = ++u->seq;
	strlcpy_hz(e->last_topic, topic, sizeof e->last_topic);
	keep = len < UNKNOWN_PAYLOAD_MAX ? len : UNKNOWN_PAYLOAD_MAX;
	memcpy(e->payload, payload, keep);
	e->payload[keep] = '\0';
	e->payload_len = len;
	e->fields |= fields;
	pthread_mutex_unlock(&u->lock);
	return true;
}

static int un_recent_first(const void *a, const void *b)
{
	const struct un_entry *x = a, *y = b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

/* Bytes cJSON can carry: a payload cut mid-character or binary is shown
 * with its non-ASCII and control bytes as '?'. */
static void un_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

cJSON *unknown_json(struct unknown *u)
{
	cJSON *arr = cJSON_CreateArray();
	struct un_entry *copy;
	char ts[32];
	int i, n;

	if (!arr || !u)
		return arr;
	pthread_mutex_lock(&u->lock);
	n = u->n;
	copy = malloc((size_t)(n ? n : 1) * sizeof *copy);
	if (copy && n > 0)         /* u->e is NULL until the first entry */
		memcpy(copy, u->e, (size_t)n * sizeof *copy);
	pthread_mutex_unlock(&u->lock);
	if (!copy) {
		cJSON_Delete(arr);
		return NULL;
	}
	qsort(copy, (size_t)n, sizeof *copy, un_recent_first);
	for (i = 0; i < n; i++) {
		const struct un_entry *e = &copy[i];
		cJSON *j = cJSON_CreateObject();

		if (!j)
			break;
		cJSON_AddStringToObject(j, "topic", e->dev_topic);
		cJSON_AddStringToObject(j, "format", e->format);
		cJSON_AddStringToObject(j, "name", e->name);
		cJSON_AddStringToObject(j, "first_seen", fmt_iso_ms(e->first_ms, ts, sizeof ts));
		cJSON_AddStringToObject(j, "last_seen", fmt_iso_ms(e->last_ms, ts, sizeof ts));
		cJSON_AddNumberToObject(j, "count", (double)e->count);
		cJSON_AddStringToObject(j, "last_topic", e->last_topic);
		un_printable(copy[i].payload);
		cJSON_AddStringToObject(j, "last_payload", e->payload);
		cJSON_AddBoolToObject(j, "truncated", e->payload_len > UNKNOWN_PAYLOAD_MAX);
		cJSON_AddItemToObject(j, "fields", infer_fields_json(e->fields));
		cJSON_AddItemToArray(arr, j);
	}
	free(copy);
	return arr;
}

int unknown_count(struct unknown *u)
{
	int n;

	if (!u)
		return 0;
	pthread_mutex_lock(&u->lock);
	n = u->n;
	pthread_mutex_unlock(&u->lock);
	return n;
}

uint64_t unknown_evicted(struct unknown *u)
{
	uint64_t n;

	if (!u)
		return 0;
	pthread_mutex_lock(&u->lock);
	n = u->evicted;
	pthread_mutex_unlock(&u->lock);
	return n;
}

uint64_t unknown_messages(struct unknown *u)
{
	uint64_t n;

	if (!u)
		return 0;
	pthread_mutex_lock(&u->lock);
	n = u->messages;
	pthread_mutex_unlock(&u->lock);
	return n;
}
