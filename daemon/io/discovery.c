/*
 * discovery.c: listening for devices that are not in the config.
 *
 * Why a second client: subscribing the intake's persistent session to
 * "zigbee2mqtt/#" as well as to "zigbee2mqtt/kitchen_gas" would make
 * mosquitto deliver a configured device's message twice (once per
 * matching subscription), and would have the broker queue every unknown
 * message for us while hazardd is down.  This client has a clean session
 * and QoS 0 subscriptions: nothing is kept for it, nothing it receives is
 * acknowledged or stored, and the messages of configured devices (which
 * the persistent session receives) are skipped with a topic index lookup.
 * What is left goes to the bounded in-memory table of unknown.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "paho.h"

/* Room for every format's filters (formats.c: format_filters). */
#define DV_FILTERS_MAX 32

struct discovery {
	struct mqtt_link link;
	struct devindex *ix;            /* read-only copy: configured topics */
	struct unknown *u;
	size_t max_payload;
	/* Paho's thread reads ix under it; a reload swaps ix under it
	 * (discovery_reconfigure), as the intake does with its own */
	pthread_mutex_t ix_lock;
};

static int dv_on_message(void *ctx, char *topic, int topic_len, void *vm)
{
	struct discovery *dv = ctx;
	MQTTAsync_message *m = vm;
	char tbuf[TOPIC_MAX];
	const char *t = topic;

	if (topic_len > 0) {
		snprintf(tbuf, sizeof tbuf, "%.*s", topic_len, topic);
		t = tbuf;
	}
	/* a configured device's message is the persistent session's */
	pthread_mutex_lock(&dv->ix_lock);
	if (devindex_find(dv->ix, t, NULL) < 0 && m->payloadlen >= 0)
		unknown_note(dv->u, t, m->payload, (size_t)m->payloadlen, now_wall_ms());
	pthread_mutex_unlock(&dv->ix_lock);
	paho.MQTTAsync_freeMessage(&m);
	paho.MQTTAsync_free(topic);
	return 1;
}

static void dv_on_up(void *ctx)
{
	struct discovery *dv = ctx;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	const char *filters[DV_FILTERS_MAX];
	char *topics[DV_FILTERS_MAX];
	int qos[DV_FILTERS_MAX], i, n, rc;

	/* what the ecosystems publish on, each format's own list; its infer
	 * (unknown.c) says what is kept */
	n = format_filters(filters, DV_FILTERS_MAX);
	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		topics[i] = (char *)filters[i];        /* Paho does not write */
		qos[i] = 0;
	}
	rc = paho.MQTTAsync_subscribeMany(dv->link.client, n, topics, qos, &ro);
	if (rc != MQTTASYNC_SUCCESS)
		log_warnx("discovery: subscribe failed: %s", paho.MQTTAsync_strerror(rc));
}

void discovery_reconfigure(struct discovery *dv, struct devindex *ix)
{
	struct devindex *old;

	if (!dv) {
		devindex_free(ix);
		return;
	}
	pthread_mutex_lock(&dv->ix_lock);
	old = dv->ix;
	dv->ix = ix;
	pthread_mutex_unlock(&dv->ix_lock);
	devindex_free(old);
}

struct discovery *discovery_new(const struct config *cfg, struct devindex *ix,
				struct unknown *u, int wake_fd, char *err, size_t errlen)
{
	struct discovery *dv = calloc(1, sizeof *dv);

	if (!dv) {
		errf(err, errlen, "out of memory");
		devindex_free(ix);
		return NULL;
	}
	dv->u = u;
	pthread_mutex_init(&dv->ix_lock, NULL);
	dv->ix = ix;
	strlcpy_hz(dv->link.name, "discovery", sizeof dv->link.name);
	strlcpy_hz(dv->link.uris[0], cfg->local.uri, TOPIC_MAX);
	dv->link.n_uris = 1;
	/* its own id: sharing the intake's would disconnect the intake */
	if (snprintf(dv->link.client_id, sizeof dv->link.client_id, "%.50s-disc",
		     cfg->local.client_id) >= (int)sizeof dv->link.client_id)
		dv->link.client_id[sizeof dv->link.client_id - 1] = '\0';
	strlcpy_hz(dv->link.username, cfg->local.username, ID_MAX);
	dv->link.clean_session = true;
	dv->link.wake_fd = wake_fd;
	dv->link.on_up = dv_on_up;
	dv->link.on_message = dv_on_message;
	dv->link.ctx = dv;
	if (mqtt_link_read_password(&dv->link, cfg->local.password_file, err, errlen) < 0 ||
	    mqtt_link_library(cfg, err, errlen) < 0 ||
	    mqtt_link_init(&dv->link, err, errlen) < 0) {
		mqtt_link_destroy(&dv->link, 0);
		devindex_free(dv->ix);
		free(dv);
		return NULL;
	}
	return dv;
}

void discovery_free(struct discovery *dv)
{
	if (!dv)
		return;
	mqtt_link_destroy(&dv->link, 500);
	devindex_free(dv->ix);
	pthread_mutex_destroy(&dv->ix_lock);
	free(dv);
}

void discovery_tick(struct discovery *dv, int64_t now_mono_ms)
{
	if (dv)
		mqtt_link_tick(&dv->link, now_mono_ms);
}

bool discovery_connected(struct discovery *dv)
{
	return dv && mqtt_link_up(&dv->link);
}
