/*
 * mqtt_intake.c: the local broker session that brings device messages in.
 *
 * Persistent session (clean session off, stable client id) with QoS 1
 * subscriptions to every route of every device (devindex.c), so an alarm
 * published while hazardd restarts waits in the broker.  The receive
 * callback runs on Paho's thread: it applies flood control (flood.c: a
 * device over its rate has the excess dropped here, before the queue and
 * the disk, alarm onsets excepted), copies the message into the hand-over
 * queue and returns; it never touches SQLite.  Device commands
 * (devcmd.c) are published QoS 1 on this same session.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <MQTTAsync.h>

#include "device_io.h"

struct intake {
	struct mqtt_link link;
	struct msgq *q;
	/* private copy, read on Paho's thread: the filters to subscribe and
	 * each topic's decoder, to classify when the queue is full */
	struct devindex *ix;
	size_t max_payload;
	_Atomic uint64_t dropped;
	struct flood *flood;            /* NULL: no device has a rate */
	unsigned up_epoch;              /* loop thread: intake_reconnected */
	/* held by Paho's thread around each callback and by a reload for
	 * the swap of ix, flood and max_payload (intake_reconfigure) */
	pthread_mutex_t swap_lock;
};

/* The message as its device's decoder reads it; false when it cannot (an
 * unknown topic, too long, undecodable: rejected later, never an alarm). */
static bool intake_decode(struct intake *in, const char *topic, const void *payload,
			  size_t len, struct reading *r)
{
	const struct device_format *dec = NULL;
	char err[96];

	if (devindex_find(in->ix, topic, &dec) < 0 || !dec || len > in->max_payload)
		return false;
	memset(r, 0, sizeof *r);
	return dec->decode(topic, payload, len, 0, r, err, sizeof err) == 0;
}

/*
 * Only asked when the queue is full: is this message (r, decoded) an
 * alarm that must get in anyway?  Anything a rule could turn into a
 * hazard right now (a set flag, a gas reading, a temperature) counts;
 * plain telemetry does not.  An undecodable payload is not an alarm (it
 * is rejected later).
 */
static bool intake_is_alarm(const struct reading *r)
{
	size_t i;

	/* an explicit offline raises a hazard at once, like an alarm flag */
	if (reading_has(r, RF_ONLINE) && r->val[RF_ONLINE] == 0.0)
		return true;
	for (i = 0; i < READING_ALARM_FLAGS; i++)
		if (reading_has(r, reading_alarm_flag[i]) &&
		    r->val[reading_alarm_flag[i]] != 0.0)
			return true;
	return reading_has(r, RF_GAS_LEL) || reading_has(r, RF_CO_PPM) ||
	       reading_has(r, RF_GAS_PPM) || reading_has(r, RF_TEMP_C);
}

/*
 * Flood control for a device with a rate: over it, the message is dropped
 * here (counted), before the queue, unless it is an alarm's onset or the
 * relay report a command awaits.  A chatty device's analog readings, and
 * its flags that only repeat what was passed on, arrive at its rate
 * (flood.c).  *r (when *decoded) is the message read, for flood_note once
 * it is queued.
 */
static bool intake_flooded(struct intake *in, const char *topic, const void *payload,
			   size_t len, int dev, struct reading *r, bool *decoded)
{
	*decoded = false;
	if (!flood_limited(in->flood, dev))
		return false;
	*decoded = intake_decode(in, topic, payload, len, r);
	if (flood_admit(in->flood, dev, now_mono_ms()) ||
	    (*decoded && (flood_rising(in->flood, dev, r) ||
			  flood_awaits_report(in->flood, dev, r))))
		return false;
	flood_drop(in->flood, dev);
	return true;
}

static int intake_on_message(void *ctx, char *topic, int topic_len, void *vm)
{
	struct intake *in = ctx;
	MQTTAsync_message *m = vm;
	char tbuf[TOPIC_MAX];
	const char *t = topic;
	struct reading r;
	bool decoded = false;
	int rc, dev;

	if (topic_len > 0) {
		/* topic_len is set only when the topic holds a NUL byte */
		snprintf(tbuf, sizeof tbuf, "%.*s", topic_len, topic);
		t = tbuf;
	}
	dev = in->flood ? devindex_find(in->ix, t, NULL) : -1;
	if (intake_flooded(in, t, m->payload, (size_t)m->payloadlen, dev, &r, &decoded)) {
		MQTTAsync_freeMessage(&m);
		MQTTAsync_free(topic);
		return 1;
	}
	rc = msgq_push(in->q, t, m->payload, (size_t)m->payloadlen, in->max_payload,
		       now_wall_ms(), MSGQ_NORMAL);
	/* a full queue: decoded once, by flood control or now */
	if (rc == -1 && !decoded)
		decoded = intake_decode(in, t, m->payload, (size_t)m->payloadlen, &r);
	if (rc == -1 && decoded && intake_is_alarm(&r))
		rc = msgq_push(in->q, t, m->payload, (size_t)m->payloadlen,
			       in->max_payload, now_wall_ms(), MSGQ_ALARM);
	if (rc == -2)
		return 0;       /* not acknowledged: Paho offers it again later */
	if (rc == -1)
		in->dropped++;
	else if (decoded)       /* the loop has it: its flags are the state now */
		flood_note(in->flood, dev, &r);
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

static void intake_on_up(void *ctx)
{
	struct intake *in = ctx;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int n = devindex_n_filters(in->ix);
	char **topics;
	int *qos, i, rc;

	if (n == 0)
		return;
	topics = calloc((size_t)n, sizeof *topics);
	qos = calloc((size_t)n, sizeof *qos);
	if (!topics || !qos) {
		free(topics);
		free(qos);
		return;
	}
	for (i = 0; i < n; i++) {
		/* Paho does not write through these */
		topics[i] = (char *)devindex_filter(in->ix, i);
		qos[i] = 1;
	}
	/* resubscribe on every connect: the config may have changed while away */
	rc = MQTTAsync_subscribeMany(in->link.client, n, topics, qos, &ro);
	if (rc != MQTTASYNC_SUCCESS)
		log_warnx("local: subscribe to %d topics failed: %s", n,
			  MQTTAsync_strerror(rc));
	free(topics);
	free(qos);
}

/* ------------------------------------------------------------ reload */

/*
 * A reload swaps the index (and the flood buckets, numbered by it) while
 * Paho's thread may be inside a callback that reads them.  A mutex rather
 * than an atomic pointer: the only reader is that one thread, so the lock
 * is never contended outside the few microseconds of a swap, and once the
 * reload holds it no callback can still be using the old index, so it is
 * freed at once, without a grace period or reference counts.
 */
static void intake_on_up_locked(void *ctx)
{
	struct intake *in = ctx;

	pthread_mutex_lock(&in->swap_lock);
	intake_on_up(ctx);
	pthread_mutex_unlock(&in->swap_lock);
}

static int intake_on_message_locked(void *ctx, char *topic, int topic_len, void *vm)
{
	struct intake *in = ctx;
	int rc;

	pthread_mutex_lock(&in->swap_lock);
	rc = intake_on_message(ctx, topic, topic_len, vm);
	pthread_mutex_unlock(&in->swap_lock);
	return rc;
}

static int intake_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The filters of ix, sorted (pointers into ix); NULL when there are none
 * or no memory (*n = 0). */
static char **intake_sorted_filters(const struct devindex *ix, int *n)
{
	char **v;
	int i;

	*n = devindex_n_filters(ix);
	v = *n > 0 ? calloc((size_t)*n, sizeof *v) : NULL;
	if (!v) {
		*n = 0;
		return NULL;
	}
	for (i = 0; i < *n; i++)
		v[i] = (char *)devindex_filter(ix, i);
	qsort(v, (size_t)*n, sizeof *v, intake_cmp_str);
	return v;
}

/* Subscribe to what only nw has, unsubscribe from what only old had. */
static void intake_resubscribe(struct intake *in, const struct devindex *old,
			       const struct devindex *nw)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int na, nb, i = 0, j = 0, n_add = 0, n_del = 0, rc, c;
	char **a = intake_sorted_filters(old, &na), **b = intake_sorted_filters(nw, &nb);
	char **add = calloc((size_t)nb + 1, sizeof *add);
	char **del = calloc((size_t)na + 1, sizeof *del);
	int *qos = calloc((size_t)nb + 1, sizeof *qos);

	if (!add || !del || !qos || (na && !a) || (nb && !b)) {
		log_warnx("local: out of memory comparing subscriptions; "
			  "they are renewed at the next connect");
		goto out;
	}
	while (i < na || j < nb) {
		c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		if (c < 0)
			del[n_del++] = a[i++];
		else if (c > 0)
			add[n_add++] = b[j++];
		else
			i++, j++;
	}
	for (i = 0; i < n_add; i++)
		qos[i] = 1;
	/* not connected: intake_on_up subscribes to the new set on connect */
	if (!mqtt_link_up(&in->link))
		goto out;
	if (n_add > 0 &&
	    (rc = MQTTAsync_subscribeMany(in->link.client, n_add, add, qos, &ro)) !=
	    MQTTASYNC_SUCCESS)
		log_warnx("local: subscribe to %d new topics failed: %s", n_add,
			  MQTTAsync_strerror(rc));
	if (n_del > 0 &&
	    (rc = MQTTAsync_unsubscribeMany(in->link.client, n_del, del, &ro)) !=
	    MQTTASYNC_SUCCESS)
		log_warnx("local: unsubscribe from %d topics failed: %s", n_del,
			  MQTTAsync_strerror(rc));
	if (n_add || n_del)
		log_info("local: subscribed to %d new topics, unsubscribed from %d, "
			 "on the same session", n_add, n_del);
out:
	free(a);
	free(b);
	free(add);
	free(del);
	free(qos);
}

void intake_reconfigure(struct intake *in, const struct config *cfg,
			struct devindex *ix)
{
	struct devindex *old_ix;
	struct flood *fl = NULL, *old_fl;
	int i;

	for (i = 0; i < cfg->n_devices; i++)
		if (cfg->devices[i].flood.rate_per_s > 0) {
			/* the buckets start full: a reload forgives nobody's past */
			if (!(fl = flood_new(cfg)))
				log_warnx("local: out of memory: no flood control "
					  "until the next reload");
			break;
		}
	pthread_mutex_lock(&in->swap_lock);
	old_ix = in->ix;
	old_fl = in->flood;
	in->ix = ix;
	in->flood = fl;
	in->max_payload = (size_t)cfg->local.max_payload;
	pthread_mutex_unlock(&in->swap_lock);
	intake_resubscribe(in, old_ix, ix);
	devindex_free(old_ix);
	flood_free(old_fl);
}

struct intake *intake_new(const struct config *cfg, struct msgq *q, int wake_fd,
			  char *err, size_t errlen)
{
	struct intake *in = calloc(1, sizeof *in);

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->q = q;
	pthread_mutex_init(&in->swap_lock, NULL);
	in->max_payload = (size_t)cfg->local.max_payload;
	in->ix = devindex_new(cfg, err, errlen);
	if (!in->ix) {
		free(in);
		return NULL;
	}
	for (int i = 0; i < cfg->n_devices; i++)
		if (cfg->devices[i].flood.rate_per_s > 0 && !in->flood &&
		    !(in->flood = flood_new(cfg))) {
			errf(err, errlen, "out of memory");
			devindex_free(in->ix);
			free(in);
			return NULL;
		}

	strlcpy_hz(in->link.name, "local", sizeof in->link.name);
	strlcpy_hz(in->link.uris[0], cfg->local.uri, TOPIC_MAX);
	in->link.n_uris = 1;
	strlcpy_hz(in->link.client_id, cfg->local.client_id, ID_MAX);
	strlcpy_hz(in->link.username, cfg->local.username, ID_MAX);
	in->link.clean_session = false;
	in->link.wake_fd = wake_fd;
	in->link.on_up = intake_on_up_locked;
	in->link.on_message = intake_on_message_locked;
	in->link.ctx = in;
	if (mqtt_link_read_password(&in->link, cfg->local.password_file, err, errlen) < 0 ||
	    mqtt_link_init(&in->link, err, errlen) < 0) {
		mqtt_link_destroy(&in->link, 0);
		devindex_free(in->ix);
		flood_free(in->flood);
		free(in);
		return NULL;
	}
	/* an anonymous broker lets anyone on the gateway forge a reading that
	 * ends an alarm, or publish a plug's command: it still works, but the
	 * operator is told (docs/operations.md, "The gateway's broker") */
	if (!cfg->local.username[0])
		log_warnx("local broker %s: connecting without credentials: anyone who can "
			  "publish to it can forge a device's reading or a plug's command; "
			  "give hazardd its own user (local.username, local.password_file) "
			  "and the broker an ACL", cfg->local.uri);
	return in;
}

void intake_free(struct intake *in)
{
	if (!in)
		return;
	mqtt_link_destroy(&in->link, 1000);
	devindex_free(in->ix);
	flood_free(in->flood);
	pthread_mutex_destroy(&in->swap_lock);
	free(in);
}

void intake_tick(struct intake *in, int64_t now_ms)
{
	mqtt_link_tick(&in->link, now_ms);
}

bool intake_connected(struct intake *in)
{
	return mqtt_link_up(&in->link);
}

uint64_t intake_dropped(struct intake *in)
{
	return in->dropped;
}

int intake_publish(struct intake *in, const char *topic, const char *payload)
{
	MQTTAsync_message m = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int rc;

	if (!in || !mqtt_link_up(&in->link))
		return -1;
	m.payload = (void *)payload;    /* Paho copies it */
	m.payloadlen = (int)strlen(payload);
	m.qos = 1;
	m.retained = 0;
	rc = MQTTAsync_sendMessage(in->link.client, topic, &m, &ro);
	if (rc != MQTTASYNC_SUCCESS) {
		log_warnx("local: publish to %s failed: %s", topic, MQTTAsync_strerror(rc));
		return -1;
	}
	return 0;
}

bool intake_reconnected(struct intake *in)
{
	unsigned e;

	if (!in || !mqtt_link_up(&in->link))
		return false;
	e = in->link.epoch;
	if (e == in->up_epoch)
		return false;
	in->up_epoch = e;
	return true;
}

struct flood *intake_flood(struct intake *in)
{
	return in ? in->flood : NULL;
}
