/*
 * mqtt_intake.c: the local broker session that brings device messages in.
 *
 * Persistent session (clean session off, stable client id) with QoS 1
 * subscriptions, so an alarm published while hazardd restarts waits in the
 * broker.  The receive callback runs on Paho's thread: it copies the
 * message into the hand-over queue and returns; it never touches SQLite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <MQTTAsync.h>

#include "hazardd.h"

struct intake_topic {
	char topic[TOPIC_MAX];
	const struct decoder *dec;      /* to classify when the queue is full */
};

struct intake {
	struct mqtt_link link;
	struct msgq *q;
	struct intake_topic *topics;    /* private copy: read on Paho's thread */
	int n_topics;
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
	struct reading r;
	char err[96];
	size_t i;
	int t;

	for (t = 0; t < in->n_topics; t++)
		if (strcmp(in->topics[t].topic, topic) == 0)
			break;
	if (t == in->n_topics || !in->topics[t].dec || len > in->max_payload)
		return false;
	memset(&r, 0, sizeof r);
	if (in->topics[t].dec->decode(topic, payload, len, 0, &r, err, sizeof err) < 0)
		return false;
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
	char **topics;
	int *qos, i, rc;

	if (in->n_topics == 0)
		return;
	topics = calloc((size_t)in->n_topics, sizeof *topics);
	qos = calloc((size_t)in->n_topics, sizeof *qos);
	if (!topics || !qos) {
		free(topics);
		free(qos);
		return;
	}
	for (i = 0; i < in->n_topics; i++) {
		topics[i] = in->topics[i].topic;
		qos[i] = 1;
	}
	/* resubscribe on every connect: the config may have changed while away */
	rc = MQTTAsync_subscribeMany(in->link.client, in->n_topics, topics, qos, &ro);
	if (rc != MQTTASYNC_SUCCESS)
		log_warnx("local: subscribe to %d topics failed: %s", in->n_topics,
			  MQTTAsync_strerror(rc));
	free(topics);
	free(qos);
}

struct intake *intake_new(const struct config *cfg, struct msgq *q, int wake_fd,
			  char *err, size_t errlen)
{
	struct intake *in = calloc(1, sizeof *in);
	int i;

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->q = q;
	in->max_payload = (size_t)cfg->local.max_payload;
	in->topics = calloc((size_t)cfg->n_devices + 1, sizeof *in->topics);
	if (!in->topics) {
		free(in);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < cfg->n_devices; i++) {
		strlcpy_hz(in->topics[i].topic, cfg->devices[i].topic, TOPIC_MAX);
		in->topics[i].dec = decoder_find(cfg->devices[i].format);
	}
	in->n_topics = cfg->n_devices;

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
		free(in->topics);
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
	free(in->topics);
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
