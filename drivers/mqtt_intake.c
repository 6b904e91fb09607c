/*
 * mqtt_intake.c: the local broker session that brings device messages in.
 *
 * Persistent session (clean session off, stable client id) with QoS 1
 * subscriptions to every route of every device (devindex.c), so an alarm
 * published while hazardd restarts waits in the broker.  The receive callback runs on Paho's thread: it copies the
 * message into the hand-over queue and returns; it never touches SQLite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <MQTTAsync.h>

#include "hazardd.h"

struct intake {
	struct mqtt_link link;
	struct msgq *q;
	/* private copy, read on Paho's thread: the filters to subscribe and
	 * each topic's decoder, to classify when the queue is full */
	struct devindex *ix;
	size_t max_payload;
	_Atomic uint64_t dropped;
};

/*
 * Only called when the queue is full: is this message an alarm that must
 * get in anyway?  Anything a rule could turn into a hazard right now
 * (a set flag, a gas reading, a temperature) counts; plain telemetry
 * does not.  An undecodable payload is not an alarm (it is rejected later).
 */
static bool intake_is_alarm(struct intake *in, const char *topic,
			    const void *payload, size_t len)
{
	static const enum reading_field flags[] = { RF_ALARM, RF_GAS, RF_SMOKE,
						    RF_FAULT, RF_TAMPER };
	const struct decoder *dec = NULL;
	struct reading r;
	char err[96];
	size_t i;

	if (devindex_find(in->ix, topic, &dec) < 0 || !dec || len > in->max_payload)
		return false;
	memset(&r, 0, sizeof r);
	if (dec->decode(topic, payload, len, 0, &r, err, sizeof err) != 0)
		return false;
	/* an explicit offline raises a hazard at once, like an alarm flag */
	if (reading_has(&r, RF_ONLINE) && r.val[RF_ONLINE] == 0.0)
		return true;
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (reading_has(&r, flags[i]) && r.val[flags[i]] != 0.0)
			return true;
	return reading_has(&r, RF_GAS_LEL) || reading_has(&r, RF_CO_PPM) ||
	       reading_has(&r, RF_TEMP_C);
}

static int intake_on_message(void *ctx, char *topic, int topic_len, void *vm)
{
	struct intake *in = ctx;
	MQTTAsync_message *m = vm;
	char tbuf[TOPIC_MAX];
	const char *t = topic;
	int rc;

	if (topic_len > 0) {
		/* topic_len is set only when the topic holds a NUL byte */
		snprintf(tbuf, sizeof tbuf, "%.*s", topic_len, topic);
		t = tbuf;
	}
	rc = msgq_push(in->q, t, m->payload, (size_t)m->payloadlen, in->max_payload,
		       now_wall_ms(), MSGQ_NORMAL);
	if (rc == -1 && intake_is_alarm(in, t, m->payload, (size_t)m->payloadlen))
		rc = msgq_push(in->q, t, m->payload, (size_t)m->payloadlen,
			       in->max_payload, now_wall_ms(), MSGQ_ALARM);
	if (rc == -2)
		return 0;       /* not acknowledged: Paho offers it again later */
	if (rc == -1)
		in->dropped++;
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

struct intake *intake_new(const struct config *cfg, struct msgq *q, int wake_fd,
			  char *err, size_t errlen)
{
	struct intake *in = calloc(1, sizeof *in);

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->q = q;
	in->max_payload = (size_t)cfg->local.max_payload;
	in->ix = devindex_new(cfg, err, errlen);
	if (!in->ix) {
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
	in->link.on_up = intake_on_up;
	in->link.on_message = intake_on_message;
	in->link.ctx = in;
	if (mqtt_link_read_password(&in->link, cfg->local.password_file, err, errlen) < 0 ||
	    mqtt_link_init(&in->link, err, errlen) < 0) {
		mqtt_link_destroy(&in->link, 0);
		devindex_free(in->ix);
		free(in);
		return NULL;
	}
	return in;
}

void intake_free(struct intake *in)
{
	if (!in)
		return;
	mqtt_link_destroy(&in->link, 1000);
	devindex_free(in->ix);
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
