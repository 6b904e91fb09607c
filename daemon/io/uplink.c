/*
 * uplink.c: the district link.  Drains the outbox with QoS 1 and a bounded
 * in-flight window, most important class first (major hazard events, then
 * general ones, status, summaries, telemetry) and oldest first within a
 * class; a row leaves the outbox only when the broker acknowledged it
 * (PUBACK), so a crash or an outage resends, never loses.
 * Each message carries msg_id "<db epoch>-<outbox seq>" (or the body's
 * own, leading msg_id: a summary's): stable across resends, so the
 * platform drops duplicates.
 *
 * Duplicates stay bounded even when the database cannot be written (a full
 * disk rolls back the pass that deletes an acknowledged row): such a row
 * is remembered in a bounded set and never sent again in this run, and a
 * failed publish holds the window back for a growing pause before the
 * oldest rows go again, so no path re-publishes the same rows in a loop.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "paho.h"

/* Acknowledged rows remembered while their delete cannot be written:
 * 8 bytes each, 64 KiB at most. */
#define KEPT_MAX 8192
/* After a failed publish the window goes again from the oldest row, but
 * not at once: 100 ms, doubling to 5 s while failures continue. */
#define FAIL_PAUSE_BASE_MS 100
#define FAIL_PAUSE_CAP_MS  5000
/* With rows remembered, a pass that found nothing new to send does not
 * read the outbox again for this long (it would read the same rows). */
#define KEPT_RESCAN_MS 250

struct ack {
	int64_t  seq;           /* outbox seq; -1 for messages not in the outbox */
	unsigned gen;
	bool     ok;
};

struct uplink {
	struct mqtt_link link;
	char     prefix[160];           /* hz/v1/<district>/<gateway> */
	char     gateway[ID_MAX];
	char     epoch[16];
	int      window;
	/* loop thread only */
	int64_t *inflight;              /* outbox seqs handed to Paho, unacked */
	int      n_inflight;
	unsigned gen;                   /* bumped when the window is reset */
	unsigned seen_link_epoch;
	uint64_t published;
	struct seqset *kept;            /* acked, delete not on disk yet */
	uint64_t kept_overflow;         /* acks that found the set full */
	unsigned fail_streak;           /* failed publishes in a row */
	int64_t  resume_ms;             /* monotonic: no pump before this */
	int64_t  rescan_ms;             /* monotonic: see KEPT_RESCAN_MS */
	uint64_t status_seq;
	uint64_t direct_seq;
	/* platform commands (app/downlink.c): where they are queued, set
	 * before the first connect, then read-only */
	struct msgq *cmd_q;
	size_t cmd_max;
	void (*cmd_dropped)(void *ctx);
	void *cmd_ctx;
	char     cmd_filter[TOPIC_MAX];  /* <prefix>/cmd/+ */
	_Atomic bool cmd_closed;        /* shutting down: leave commands to the broker */
	/* filled by Paho's threads */
	pthread_mutex_t lock;
	struct ack *acks;
	int      n_acks, cap_acks;
};

struct pub_ctx {
	struct uplink *up;
	int64_t  seq;
	unsigned gen;
};

void uplink_topic(const struct config *cfg, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "hz/v1/%s/%s/%s", cfg->gateway.district, cfg->gateway.id,
		 suffix);
}

static void push_ack(struct uplink *up, int64_t seq, unsigned gen, bool ok)
{
	uint64_t one = 1;

	pthread_mutex_lock(&up->lock);
	if (up->n_acks == up->cap_acks) {
		int cap = up->cap_acks ? up->cap_acks * 2 : 256;
		struct ack *a = realloc(up->acks, (size_t)cap * sizeof *a);

		if (a) {
			up->acks = a;
			up->cap_acks = cap;
		}
	}
	if (up->n_acks < up->cap_acks)
		up->acks[up->n_acks++] = (struct ack){ seq, gen, ok };
	/* else: lost ack bookkeeping only; the row stays and is resent */
	pthread_mutex_unlock(&up->lock);
	if (write(up->link.wake_fd, &one, sizeof one) < 0) {
		/* already signalled */
	}
}

static void on_pub_ok(void *ctx, MQTTAsync_successData *resp)
{
	struct pub_ctx *pc = ctx;

	(void)resp;
	push_ack(pc->up, pc->seq, pc->gen, true);
	free(pc);
}

static void on_pub_fail(void *ctx, MQTTAsync_failureData *resp)
{
	struct pub_ctx *pc = ctx;

	(void)resp;
	push_ack(pc->up, pc->seq, pc->gen, false);
	free(pc);
}

/*
 * A stored body may lead with its own "msg_id" (a daily summary's,
 * "summary-<date>", is one per period, so a repeat is recognisable): it
 * replaces the outbox one.  Returns the body after that member, or NULL.
 */
static const char *own_msg_id(const char *rest, char *id, size_t len)
{
	static const char key[] = "\"msg_id\":\"";
	const char *v = rest + sizeof key - 1, *q;

	if (strncmp(rest, key, sizeof key - 1) != 0 || !(q = strchr(v, '"')) ||
	    (size_t)(q - v) >= len || memchr(v, '\\', (size_t)(q - v)) ||
	    (q[1] != ',' && q[1] != '}'))
		return NULL;
	memcpy(id, v, (size_t)(q - v));
	id[q - v] = '\0';
	return q[1] == ',' ? q + 2 : q + 1;
}

/*
 * A stored body may lead with its own "v" (the alarm, fault and hazard
 * events of protocol version 2); bodies stored without one (every other
 * message, and hazard events queued before an upgrade) are version 1.
 */
static const char *own_version(const char *rest, int *v)
{
	static const char key[] = "\"v\":";
	const char *p = rest + sizeof key - 1;

	if (strncmp(rest, key, sizeof key - 1) != 0 || *p < '1' || *p > '9' ||
	    (p[1] != ',' && p[1] != '}'))
		return NULL;
	*v = *p - '0';
	return p[1] == ',' ? p + 2 : p + 1;
}

/* The wire form: header fields, then the stored body's members. */
static char *wire_payload(struct uplink *up, const char *msg_id, const char *body)
{
	char ts[32], own_id[ID_MAX];
	const char *rest = body, *after;
	size_t n;
	char *out;
	int v = 1;

	while (*rest == ' ' || *rest == '\n')
		rest++;
	if (*rest == '{')
		rest++;
	while (*rest == ' ' || *rest == '\n')
		rest++;
	if ((after = own_version(rest, &v)) != NULL)
		rest = after;
	if ((after = own_msg_id(rest, own_id, sizeof own_id)) != NULL) {
		msg_id = own_id;
		rest = after;
	}
	fmt_iso_ms(now_wall_ms(), ts, sizeof ts);
	n = strlen(up->gateway) + strlen(msg_id) + strlen(rest) + 96;
	out = malloc(n);
	if (!out)
		return NULL;
	snprintf(out, n, "{\"v\":%d,\"gateway\":\"%s\",\"msg_id\":\"%s\",\"sent_at\":\"%s\"%s%s",
		 v, up->gateway, msg_id, ts, *rest == '}' ? "" : ",", rest);
	return out;
}

static int publish(struct uplink *up, const char *suffix, const char *payload,
		   int64_t seq, bool retained)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	MQTTAsync_message m = MQTTAsync_message_initializer;
	struct pub_ctx *pc = malloc(sizeof *pc);
	char topic[TOPIC_MAX];
	int rc;

	if (!pc || !up->link.client) {
		free(pc);
		return -1;
	}
	*pc = (struct pub_ctx){ up, seq, up->gen };
	snprintf(topic, sizeof topic, "%s/%s", up->prefix, suffix);
	m.payload = (void *)payload;
	m.payloadlen = (int)strlen(payload);
	m.qos = 1;
	m.retained = retained;
	ro.onSuccess = on_pub_ok;
	ro.onFailure = on_pub_fail;
	ro.context = pc;
	rc = paho.MQTTAsync_sendMessage(up->link.client, topic, &m, &ro);
	if (rc != MQTTASYNC_SUCCESS) {
		free(pc);
		log_debug("upstream: publish to %s refused: %s", topic,
			  paho.MQTTAsync_strerror(rc));
		return -1;
	}
	up->published++;
	return 0;
}

/* Paho's thread, once connected: (re)subscribe to the commands.  With a
 * persistent session the broker kept the subscription; asking again is
 * harmless and covers a broker that lost its state. */
static void on_link_up(void *ctx)
{
	struct uplink *up = ctx;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;

	if (!up->cmd_q)
		return;
	if (paho.MQTTAsync_subscribe(up->link.client, up->cmd_filter, 1, &ro) != MQTTASYNC_SUCCESS) {
		/* the loop logs link trouble; the next connect tries again */
	}
}

/* Paho's thread: copy the command into the bounded queue, nothing more.
 * Returning 0 leaves a message unacknowledged: Paho offers it again later
 * (queue full), or the broker keeps it for the next session (shutdown). */
static int on_cmd_message(void *ctx, char *topic, int topic_len, void *msg)
{
	struct uplink *up = ctx;
	MQTTAsync_message *m = msg;
	char t[TOPIC_MAX];

	if (up->cmd_closed)
		return 0;
	if (up->cmd_q) {
		/* topic_len is set only when the topic holds a NUL byte */
		size_t tl = topic_len > 0 ? (size_t)topic_len : strlen(topic);

		if (tl < sizeof t) {
			memcpy(t, topic, tl);
			t[tl] = '\0';
			if (msgq_push(up->cmd_q, t, m->payload,
				      m->payloadlen > 0 ? (size_t)m->payloadlen : 0,
				      up->cmd_max, now_wall_ms(), MSGQ_NORMAL) < 0) {
				if (up->cmd_dropped)
					up->cmd_dropped(up->cmd_ctx);
				return 0;
			}
		}
	}
	paho.MQTTAsync_freeMessage(&m);
	paho.MQTTAsync_free(topic);
	return 1;
}

void uplink_set_commands(struct uplink *up, struct msgq *q, size_t max_bytes,
			 void (*dropped)(void *ctx), void *ctx)
{
	up->cmd_q = q;
	up->cmd_max = max_bytes;
	up->cmd_dropped = dropped;
	up->cmd_ctx = ctx;
	snprintf(up->cmd_filter, sizeof up->cmd_filter, "%s/cmd/+", up->prefix);
	up->link.on_up = on_link_up;
	up->link.on_message = on_cmd_message;
}

void uplink_close_commands(struct uplink *up)
{
	up->cmd_closed = true;
}

int uplink_publish_direct(struct uplink *up, const char *suffix, const char *body)
{
	char msg_id[ID_MAX], *wire;
	int rc;

	if (!mqtt_link_up(&up->link))
		return -1;
	snprintf(msg_id, sizeof msg_id, "%s-d%lld-%llu", up->epoch,
		 (long long)now_wall_ms(), (unsigned long long)++up->direct_seq);
	wire = wire_payload(up, msg_id, body);
	rc = wire ? publish(up, suffix, wire, -1, false) : -1;
	free(wire);
	return rc;
}

struct uplink *uplink_new(const struct config *cfg, const char *epoch, int wake_fd,
			  char *err, size_t errlen)
{
	struct uplink *up;
	char ts[32];
	size_t n;
	int i;

	/* commands from the platform are authenticated with libcrypto, loaded
	 * on demand (ossl.h): now, so that a missing library stops start-up
	 * rather than refusing the first command */
	if (cfg->upstream.command_key_file[0] && cmd_auth_load(err, errlen) < 0)
		return NULL;
	if (!(up = calloc(1, sizeof *up))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&up->lock, NULL);
	snprintf(up->prefix, sizeof up->prefix, "hz/v1/%s/%s", cfg->gateway.district,
		 cfg->gateway.id);
	strlcpy_hz(up->gateway, cfg->gateway.id, sizeof up->gateway);
	strlcpy_hz(up->epoch, epoch, sizeof up->epoch);
	up->window = cfg->upstream.inflight;
	up->inflight = calloc((size_t)up->window, sizeof *up->inflight);
	up->kept = seqset_new(KEPT_MAX);
	if (!up->inflight || !up->kept) {
		snprintf(err, errlen, "out of memory");
		free(up->inflight);
		seqset_free(up->kept);
		free(up);
		return NULL;
	}

	strlcpy_hz(up->link.name, "upstream", sizeof up->link.name);
	for (i = 0; i < cfg->upstream.n_uris; i++)
		strlcpy_hz(up->link.uris[i], cfg->upstream.uris[i], TOPIC_MAX);
	up->link.n_uris = cfg->upstream.n_uris;
	strlcpy_hz(up->link.client_id, cfg->upstream.client_id, ID_MAX);
	strlcpy_hz(up->link.username, cfg->upstream.username, ID_MAX);
	strlcpy_hz(up->link.ca_file, cfg->upstream.ca_file, PATH_MAX_HZ);
	strlcpy_hz(up->link.cert_file, cfg->upstream.cert_file, PATH_MAX_HZ);
	strlcpy_hz(up->link.key_file, cfg->upstream.key_file, PATH_MAX_HZ);
	/* a persistent session (clean session off, the stable client id): the
	 * platform's QoS 1 commands sent while we were away wait in its broker.
	 * Our own publishes need no session: the outbox resends them. */
	up->link.clean_session = false;
	up->link.wake_fd = wake_fd;
	up->link.ctx = up;
	snprintf(up->link.will_topic, sizeof up->link.will_topic, "%s/status", up->prefix);
	fmt_iso_ms(now_wall_ms(), ts, sizeof ts);
	n = 256 + strlen(up->gateway);
	up->link.will_payload = malloc(n);
	if (up->link.will_payload)
		snprintf(up->link.will_payload, n,
			 "{\"v\":1,\"gateway\":\"%s\",\"msg_id\":\"%s-will-%lld\","
			 "\"sent_at\":\"%s\",\"state\":\"offline\",\"reason\":\"connection lost\"}",
			 up->gateway, up->epoch, (long long)now_wall_ms(), ts);
	/* no upstream configured: no client at all; the link stays down and
	 * the outbox keeps everything (docs/config.md, "upstream") */
	if (cfg->upstream.n_uris == 0) {
		log_info("no upstream configured: records stay in the outbox until one is");
		return up;
	}
	/* Paho opens the TLS key by name: check it first as we read secrets */
	if ((cfg->upstream.key_file[0] &&
	     secret_check("upstream.key_file", cfg->upstream.key_file, (unsigned)-1,
			  err, errlen) < 0) ||
	    mqtt_link_read_password(&up->link, cfg->upstream.password_file, err, errlen) < 0 ||
	    mqtt_link_library(cfg, err, errlen) < 0 ||
	    mqtt_link_init(&up->link, err, errlen) < 0) {
		uplink_free(up);
		return NULL;
	}
	return up;
}

void uplink_free(struct uplink *up)
{
	if (!up)
		return;
	mqtt_link_destroy(&up->link, 1000);
	free(up->acks);
	free(up->inflight);
	seqset_free(up->kept);
	pthread_mutex_destroy(&up->lock);
	free(up);
}

/* Forget the window: everything still in the outbox goes again, in order. */
static void window_reset(struct uplink *up)
{
	up->gen++;
	up->n_inflight = 0;
}

bool uplink_tick(struct uplink *up, int64_t now_ms)
{
	unsigned ep = up->link.epoch;

	mqtt_link_tick(&up->link, now_ms);
	if (ep == up->seen_link_epoch)
		return false;
	up->seen_link_epoch = ep;
	window_reset(up);
	return mqtt_link_up(&up->link);
}

bool uplink_connected(struct uplink *up, char *uri, size_t urilen)
{
	bool is_up = mqtt_link_up(&up->link);

	if (uri)
		strlcpy_hz(uri, is_up ? up->link.connected_uri : "", urilen);
	return is_up;
}

/* Messages that describe the gateway as it stands (its status, its site
 * register) are retained: a subscriber that comes later gets the latest. */
static bool retained_topic(const char *suffix)
{
	return strcmp(suffix, "status") == 0 || strcmp(suffix, "register") == 0;
}

int uplink_pump(struct uplink *up, struct store *st)
{
	struct outbox_msg msgs[64];
	char msg_id[ID_MAX];
	int sent = 0;
	int64_t now = now_mono_ms();

	/* A connect uplink_tick() has not seen yet would reset the window after
	 * these publishes and send them twice: wait for the next tick. */
	if (up->link.epoch != up->seen_link_epoch)
		return 0;
	if (now < up->resume_ms)
		return 0;       /* paused after a failed publish */
	if (seqset_count(up->kept) > 0 && now < up->rescan_ms)
		return 0;
	while (mqtt_link_up(&up->link) && up->n_inflight < up->window) {
		/* every row in flight must find room in the set if its delete
		 * fails too: past that, send nothing more from the outbox (the
		 * rows wait there, most important first, until writes work) */
		int room = seqset_cap(up->kept) - seqset_count(up->kept) - up->n_inflight;
		int want = up->window - up->n_inflight, n, i;

		if (want > room)
			want = room;
		if (want > 64)
			want = 64;
		if (want <= 0)
			break;
		n = store_outbox_next(st, up->inflight, up->n_inflight, up->kept, msgs, want);
		if (n < want && seqset_count(up->kept) > 0)
			up->rescan_ms = now + KEPT_RESCAN_MS;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			char *wire;
			int rc = -1;

			snprintf(msg_id, sizeof msg_id, "%s-%lld", up->epoch,
				 (long long)msgs[i].seq);
			wire = wire_payload(up, msg_id, msgs[i].body);
			if (wire)
				rc = publish(up, msgs[i].topic_suffix, wire, msgs[i].seq,
					     retained_topic(msgs[i].topic_suffix));
			free(wire);
			if (rc < 0)
				break;
			up->inflight[up->n_inflight++] = msgs[i].seq;
			sent++;
		}
		for (int j = 0; j < n; j++)
			outbox_msg_free(&msgs[j]);
		if (i < n)
			break;  /* Paho refused: try again next pass */
	}
	return sent;
}

/* An acknowledged (or failed) publish leaves the window. */
static void inflight_remove(struct uplink *up, int64_t seq)
{
	int i;

	for (i = 0; i < up->n_inflight; i++) {
		if (up->inflight[i] == seq) {
			up->inflight[i] = up->inflight[--up->n_inflight];
			return;
		}
	}
}

int uplink_take_acks(struct uplink *up, int64_t *seqs, int max)
{
	int n = 0, i, kept = 0;
	bool failed = false;

	pthread_mutex_lock(&up->lock);
	for (i = 0; i < up->n_acks; i++) {
		struct ack *a = &up->acks[i];

		if (n >= max) {
			up->acks[kept++] = *a;
			continue;
		}
		if (a->gen == up->gen && a->seq >= 0)
			inflight_remove(up, a->seq);
		if (a->ok && a->seq >= 0)
			seqs[n++] = a->seq;
		else if (!a->ok && a->gen == up->gen)
			failed = true;
		if (a->ok && a->gen == up->gen)
			up->fail_streak = 0;
	}
	up->n_acks = kept;
	pthread_mutex_unlock(&up->lock);
	if (failed) {
		/* resend from the oldest unacknowledged, after a pause */
		window_reset(up);
		up->resume_ms = now_mono_ms() +
			backoff_ms(up->fail_streak++, FAIL_PAUSE_BASE_MS, FAIL_PAUSE_CAP_MS);
	}
	return n;
}

int uplink_keep_acked(struct uplink *up, const int64_t *seqs, int n)
{
	int i, lost = 0;

	for (i = 0; i < n; i++) {
		if (seqset_add(up->kept, seqs[i]) < 0)
			lost++;
	}
	up->kept_overflow += (uint64_t)lost;
	return lost;
}

const int64_t *uplink_kept(struct uplink *up, int *n)
{
	*n = seqset_count(up->kept);
	return seqset_items(up->kept);
}

void uplink_kept_deleted(struct uplink *up)
{
	seqset_clear(up->kept);
	up->rescan_ms = 0;
}

uint64_t uplink_kept_overflow(struct uplink *up)
{
	return up->kept_overflow;
}

int uplink_inflight(struct uplink *up)
{
	return up->n_inflight;
}

uint64_t uplink_published(struct uplink *up)
{
	return up->published;
}

int uplink_publish_status(struct uplink *up, const char *state, cJSON *extra)
{
	char msg_id[ID_MAX], *body, *wire;
	cJSON *o = extra ? cJSON_Duplicate(extra, 1) : cJSON_CreateObject();
	int rc;

	if (!o || !mqtt_link_up(&up->link)) {
		cJSON_Delete(o);
		return -1;
	}
	/* the wire header carries these; do not repeat them in the body */
	cJSON_DeleteItemFromObjectCaseSensitive(o, "gateway");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "msg_id");
	cJSON_AddStringToObject(o, "state", state);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!body)
		return -1;
	/* not from the outbox: a status is only worth sending while current */
	snprintf(msg_id, sizeof msg_id, "%s-st%lld-%llu", up->epoch,
		 (long long)now_wall_ms(), (unsigned long long)++up->status_seq);
	wire = wire_payload(up, msg_id, body);
	free(body);
	rc = wire ? publish(up, "status", wire, -1, true) : -1;
	free(wire);
	return rc;
}

void uplink_shutdown(struct uplink *up, int timeout_ms)
{
	mqtt_link_destroy(&up->link, timeout_ms);
}
