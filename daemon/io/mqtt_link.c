/*
 * mqtt_link.c: one Paho async client and its connection state machine.
 *
 * Reconnects are driven from the loop (mqtt_link_tick), not by Paho's own
 * automatic reconnect, because Paho's backoff has no jitter: a district
 * outage would otherwise bring every gateway back in the same second.
 * Paho's callbacks run on its threads; they only touch the atomics and
 * write the wake fd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "paho.h"

#define RECONNECT_BASE_MS 500
#define RECONNECT_CAP_MS  10000  /* an alarm waits at most this long for a link that is back */

static void link_wake(struct mqtt_link *l)
{
	uint64_t one = 1;

	if (write(l->wake_fd, &one, sizeof one) < 0) {
		/* EAGAIN: the counter is already non-zero, the loop will wake */
	}
}

static void link_went_down(struct mqtt_link *l, int rc)
{
	unsigned f = ++l->failures;

	l->last_rc = rc;
	l->next_attempt_ms = now_mono_ms() + backoff_ms(f - 1, RECONNECT_BASE_MS,
							 RECONNECT_CAP_MS);
	l->epoch++;
	l->state = LINK_DOWN;
	if (l->on_down)
		l->on_down(l->ctx);
	link_wake(l);
}

static void on_connect_ok(void *ctx, MQTTAsync_successData *resp)
{
	struct mqtt_link *l = ctx;

	if (resp && resp->alt.connect.serverURI)
		strlcpy_hz(l->connected_uri, resp->alt.connect.serverURI,
			   sizeof l->connected_uri);
	l->failures = 0;
	l->last_rc = 0;
	/* epoch first: whoever sees LINK_UP also sees the new epoch, so the
	 * loop cannot publish on a connection it has not yet noticed (and then
	 * reset its window and send the same rows again) */
	l->epoch++;
	l->state = LINK_UP;
	if (l->on_up)
		l->on_up(l->ctx);
	link_wake(l);
}

static void on_connect_fail(void *ctx, MQTTAsync_failureData *resp)
{
	link_went_down(ctx, resp ? resp->code : -1);
}

static void on_connection_lost(void *ctx, char *cause)
{
	(void)cause;
	link_went_down(ctx, MQTTASYNC_DISCONNECTED);
}

static int on_message_arrived(void *ctx, char *topic, int topic_len,
			      MQTTAsync_message *m)
{
	struct mqtt_link *l = ctx;

	if (l->on_message)
		return l->on_message(l->ctx, topic, topic_len, m);
	paho.MQTTAsync_freeMessage(&m);
	paho.MQTTAsync_free(topic);
	return 1;
}

int mqtt_link_read_password(struct mqtt_link *l, const char *path, char *err,
			    size_t errlen)
{
	char what[64];
	size_t n;

	if (!path || !*path)
		return 0;
	/* no symlink, no FIFO, not readable by others: secret_file.c */
	snprintf(what, sizeof what, "%s password_file", l->name);
	l->password = secret_read(what, path, 4096, &n, err, errlen);
	if (!l->password)
		return -1;
	while (n > 0 && (l->password[n - 1] == '\n' || l->password[n - 1] == '\r'))
		l->password[--n] = '\0';
	return 0;
}

static bool link_has_tls(const struct mqtt_link *l)
{
	for (int i = 0; i < l->n_uris; i++)
		if (uri_is_tls(l->uris[i]))
			return true;
	return false;
}

/* TLS options without a TLS URI are never given to Paho (link_connect),
 * so the URIs alone decide. */
int mqtt_link_library(const struct config *cfg, char *err, size_t errlen)
{
	bool tls = uri_is_tls(cfg->local.uri);

	for (int i = 0; i < cfg->upstream.n_uris; i++)
		tls = tls || uri_is_tls(cfg->upstream.uris[i]);
	return paho_load(tls, err, errlen);
}

int mqtt_link_init(struct mqtt_link *l, char *err, size_t errlen)
{
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
	MQTTAsync c;
	int rc;

	/* loaded already (mqtt_link_library) unless the caller has no config */
	if (paho_load(link_has_tls(l), err, errlen) < 0)
		return -1;

	/* The callers bound their own in-flight windows; Paho's default of
	 * 100 buffered messages would refuse publishes even while connected. */
	co.maxBufferedMessages = 100000;
	co.sendWhileDisconnected = 0;
	rc = paho.MQTTAsync_createWithOptions(&c, l->uris[0], l->client_id,
					      MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (rc != MQTTASYNC_SUCCESS) {
		snprintf(err, errlen, "%s: cannot create MQTT client for %s: %s",
			 l->name, l->uris[0], paho.MQTTAsync_strerror(rc));
		return -1;
	}
	l->client = c;
	rc = paho.MQTTAsync_setCallbacks(c, l, on_connection_lost, on_message_arrived, NULL);
	if (rc != MQTTASYNC_SUCCESS) {
		snprintf(err, errlen, "%s: MQTT callbacks: %s", l->name,
			 paho.MQTTAsync_strerror(rc));
		paho.MQTTAsync_destroy(&c);
		l->client = NULL;
		return -1;
	}
	l->state = LINK_DOWN;
	l->next_attempt_ms = 0;
	return 0;
}

static void link_connect(struct mqtt_link *l)
{
	MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
	MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
	char *uris[MAX_URIS];
	int i, rc;

	for (i = 0; i < l->n_uris; i++)
		uris[i] = l->uris[i];
	o.keepAliveInterval = 30;
	o.cleansession = l->clean_session;
	o.connectTimeout = 10;
	o.serverURIs = uris;
	o.serverURIcount = l->n_uris;
	o.automaticReconnect = 0;
	o.onSuccess = on_connect_ok;
	o.onFailure = on_connect_fail;
	o.context = l;
	if (l->username[0])
		o.username = l->username;
	if (l->password)
		o.password = l->password;
	if (l->will_payload) {
		will.topicName = l->will_topic;
		will.message = l->will_payload;
		will.retained = 1;
		will.qos = 1;
		o.will = &will;
	}
	for (i = 0; i < l->n_uris; i++) {
		if (!uri_is_tls(l->uris[i]))
			continue;
		ssl.trustStore = l->ca_file[0] ? l->ca_file : NULL;
		ssl.keyStore = l->cert_file[0] ? l->cert_file : NULL;
		ssl.privateKey = l->key_file[0] ? l->key_file : NULL;
		ssl.enableServerCertAuth = 1;
		ssl.verify = 1;
		/* Paho's TLS_1_2 pins exactly 1.2; the default method negotiates
		 * 1.3 or 1.2, and OpenSSL 3 refuses 1.0/1.1 at its default
		 * security level (tests/e2e/t_tls.sh checks a 1.1-only broker) */
		ssl.sslVersion = MQTT_SSL_VERSION_DEFAULT;
		o.ssl = &ssl;
		break;
	}
	for (i = 0; i < l->n_uris; i++)
		if (!uri_is_tls(l->uris[i]) && !uri_is_loopback(l->uris[i]))
			log_warnx("%s: INSECURE: %s is plaintext to a remote host "
				  "(allow_insecure); hazard records cross the network unencrypted",
				  l->name, l->uris[i]);
	l->state = LINK_CONNECTING;
	rc = paho.MQTTAsync_connect(l->client, &o);
	if (rc != MQTTASYNC_SUCCESS)
		link_went_down(l, rc);
}

void mqtt_link_tick(struct mqtt_link *l, int64_t now_ms)
{
	unsigned ep = l->epoch;

	if (!l->client)
		return;         /* not configured (no upstream): never connects */
	/* log transitions here, on the loop thread, rate-limited */
	if (ep != l->logged_epoch) {
		l->logged_epoch = ep;
		if (l->state == LINK_UP && l->complaint.active)
			complain_release(&l->complaint, "%s link recovered: connected to %s",
					 l->name, l->connected_uri);
		else if (l->state == LINK_UP)
			log_info("%s link connected to %s", l->name, l->connected_uri);
		else if (l->state == LINK_DOWN)
			complain(&l->complaint, "%s link down (%s), retrying with backoff",
				 l->name, paho.MQTTAsync_strerror(l->last_rc));
	}
	if (l->state == LINK_DOWN && now_ms >= l->next_attempt_ms)
		link_connect(l);
}

bool mqtt_link_up(struct mqtt_link *l)
{
	return l->state == LINK_UP;
}

int mqtt_link_publish(struct mqtt_link *l, const char *topic, const void *payload,
		      size_t len, char *err, size_t errlen)
{
	MQTTAsync_message m = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int rc;

	m.payload = (void *)payload;    /* Paho copies it */
	m.payloadlen = (int)len;
	m.qos = 1;
	m.retained = 0;
	rc = paho.MQTTAsync_sendMessage(l->client, topic, &m, &ro);
	if (rc != MQTTASYNC_SUCCESS) {
		snprintf(err, errlen, "%s", paho.MQTTAsync_strerror(rc));
		return -1;
	}
	return 0;
}

void mqtt_link_destroy(struct mqtt_link *l, int timeout_ms)
{
	MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
	MQTTAsync c = l->client;

	if (c) {
		l->on_up = NULL;
		l->on_down = NULL;
		if (paho.MQTTAsync_isConnected(c)) {
			d.timeout = timeout_ms;
			paho.MQTTAsync_disconnect(c, &d);
			/* the disconnect is asynchronous; give it the time it asked for */
			for (int i = 0; i < timeout_ms / 10 && paho.MQTTAsync_isConnected(c); i++)
				usleep(10000);
		}
		paho.MQTTAsync_destroy(&c);
		l->client = NULL;
	}
	if (l->password) {
		explicit_bzero(l->password, strlen(l->password));
		free(l->password);
		l->password = NULL;
	}
	free(l->will_payload);
	l->will_payload = NULL;
}
