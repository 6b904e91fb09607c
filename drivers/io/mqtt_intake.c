/*
 * mqtt_intake.c: the local broker session that brings device messages in
 * and acknowledges each one only once it is finished (docs/intake.md).
 *
 * The session is mqtt_sub.c's: persistent (clean session off, stable
 * client id), QoS 1 subscriptions to every route of every device
 * (devindex.c), driven by the loop's poll() with no thread of its own.
 * Each message arrives with the session's sequence number; it is
 * classified once (intake_class.c: device, decoder, reading, alarm or
 * not), flood control (flood.c: a device over its rate has the excess
 * dropped here, alarm onsets excepted) decides, then the message is
 * copied into the hand-over queue with its number and its
 * classification, an alarm as one (the loop takes alarms first).  Its PUBACK leaves when the loop says
 * every message up to it is finished (intake_settle): committed, or
 * deliberately discarded and counted.  A crash before that leaves it with
 * the broker, which delivers it again.
 *
 * Device commands (devcmd.c) are published QoS 1 through a Paho client of
 * their own on the same broker ("<client_id>-cmd", clean session): the
 * subscriber publishes nothing, and two connections cannot share one
 * client id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>

#include "device_io.h"
#include "mqtt_sub.h"

struct intake {
	struct mqtt_sub *sub;
	struct mqtt_link cmd;           /* Paho, publish only: device commands */
	struct msgq *q;
	struct devindex *ix;            /* filters subscribed, topic -> decoder */
	const struct config *cfg;       /* its devices' thresholds: intake_is_alarm */
	size_t max_payload;
	uint64_t dropped;
	uint64_t acked_through;         /* the last seq acknowledged */
	uint64_t acked_uncommitted;     /* acknowledged while commits failed */
	struct flood *flood;            /* NULL: no device has a rate */
	unsigned up_epoch;              /* intake_reconnected */
	unsigned gen;                   /* intake_generation: one per reload */
};

/*
 * Flood control for a device with a rate: over it, the message is dropped
 * here (counted), before the queue, unless it is an alarm's onset or the
 * relay report a command awaits.  A chatty device's analog readings, and
 * its flags that only repeat what was passed on, arrive at its rate
 * (flood.c).
 */
static bool intake_flooded(struct intake *in, const struct intake_class *c)
{
	const struct reading *r = c->kind == IK_READING ? &c->r : NULL;

	if (!flood_limited(in->flood, c->dev))
		return false;
	if (flood_admit(in->flood, c->dev, now_mono_ms()) ||
	    (r && (flood_rising(in->flood, c->dev, r) ||
		   flood_awaits_report(in->flood, c->dev, r))))
		return false;
	flood_drop(in->flood, c->dev);
	return true;
}

/*
 * Each message: classified once (intake_class.c: device, decoder, the
 * reading), flood control, then into the hand-over queue with its
 * classification, an alarm as one (popped first, and allowed past a
 * queue full of telemetry).
 */
static void intake_on_message(void *ctx, const struct mqtt_sub_msg *m)
{
	struct intake *in = ctx;
	struct intake_class c;
	struct msg_id id = { .seq = m->seq, .packet_id = m->packet_id, .dup = m->dup != 0 };
	int64_t now = now_wall_ms();
	int rc;

	intake_classify(in->ix, in->cfg, m->topic, m->payload, m->len, m->len > in->max_payload,
			now, &c);
	c.gen = in->gen;
	/* what flood control lets past as an onset is an alarm too */
	if (c.kind == IK_READING && !c.alarm)
		c.alarm = flood_rising(in->flood, c.dev, &c.r);
	/* a flood-limited message is finished here: dropped and counted; its
	 * PUBACK leaves with the next ones'  (intake_settle) */
	if (intake_flooded(in, &c))
		return;
	id.key = c.dev;
	id.info = &c;
	id.info_len = intake_class_size(&c);
	rc = msgq_push_seq(in->q, m->topic, m->payload, m->len, in->max_payload, now,
			   c.alarm ? MSGQ_ALARM : MSGQ_NORMAL, &id);
	if (rc == -2) {
		/* not even an alarm's room, or no memory: it must not be
		 * acknowledged, and the session cannot skip one message, so
		 * the link starts over and the broker delivers it again */
		mqtt_sub_drop(in->sub, "an alarm found the intake queue full");
		return;
	}
	if (rc == -1)
		in->dropped++;
	else if (c.kind == IK_READING && flood_limited(in->flood, c.dev))
		flood_note(in->flood, c.dev, &c.r);  /* the loop has it: its flags are the state now */
}

/* ------------------------------------------------------------ the session */

/* local.uri: scheme://host[:port][/...] -> host, port, TLS. */
static int intake_parse_uri(const char *uri, char *host, size_t hostlen, int *port,
			    bool *tls, char *err, size_t errlen)
{
	const char *h = strstr(uri, "://"), *e;
	size_t n;

	*tls = uri_is_tls(uri);
	if (!h || strncmp(uri, "ws", 2) == 0) {
		errf(err, errlen, "local.uri %s: the intake speaks MQTT over TCP or TLS "
		     "(tcp://, mqtt://, ssl://, mqtts://)", uri);
		return -1;
	}
	h += 3;
	if (*h == '[') {
		e = strchr(h, ']');
		if (!e) {
			errf(err, errlen, "local.uri %s: unterminated [address]", uri);
			return -1;
		}
		n = (size_t)(e - h - 1);
		h++;
		e++;
	} else {
		n = strcspn(h, ":/");
		e = h + n;
	}
	if (n == 0 || n >= hostlen) {
		errf(err, errlen, "local.uri %s: no usable host", uri);
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	*port = *tls ? 8883 : 1883;
	if (*e == ':') {
		char *end;
		long v = strtol(e + 1, &end, 10);

		if (v <= 0 || v > 65535 || (*end && *end != '/')) {
			errf(err, errlen, "local.uri %s: bad port", uri);
			return -1;
		}
		*port = (int)v;
	}
	return 0;
}

static struct mqtt_sub *intake_session(struct intake *in, const struct config *cfg,
				       const char *password, char *err, size_t errlen)
{
	struct mqtt_sub_config sc = { 0 };
	const char **filters;
	struct mqtt_sub *s;
	char host[256];
	bool tls;
	int i, n = devindex_n_filters(in->ix);

	if (intake_parse_uri(cfg->local.uri, host, sizeof host, &sc.port, &tls,
			     err, errlen) < 0)
		return NULL;
	filters = calloc((size_t)n + 1, sizeof *filters);
	if (!filters) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++)
		filters[i] = devindex_filter(in->ix, i);
	sc.host = host;
	sc.client_id = cfg->local.client_id;
	sc.username = cfg->local.username[0] ? cfg->local.username : NULL;
	sc.password = password;
	sc.filters = filters;
	sc.n_filters = (size_t)n;
	sc.keepalive_s = (unsigned)cfg->local.keepalive_s;
	sc.max_packet = (size_t)cfg->local.max_packet;
	/* the session never holds more than the queue can take: a full
	 * session stops reading (TCP pushes back on the broker) long before
	 * the queue could refuse anything */
	sc.max_unacked = (size_t)(cfg->local.max_unacked < cfg->local.queue_len ?
				  cfg->local.max_unacked : cfg->local.queue_len);
	sc.tls = tls;
	s = mqtt_sub_new(&sc, intake_on_message, in, err, errlen);
	free(filters);
	return s;
}

/* ------------------------------------------------------------ reload */

static int intake_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The filters of ix, sorted (pointers into ix); NULL when there are none
 * or no memory (*n = 0). */
static const char **intake_sorted_filters(const struct devindex *ix, int *n)
{
	const char **v;
	int i;

	*n = devindex_n_filters(ix);
	v = *n > 0 ? calloc((size_t)*n, sizeof *v) : NULL;
	if (!v) {
		*n = 0;
		return NULL;
	}
	for (i = 0; i < *n; i++)
		v[i] = devindex_filter(ix, i);
	qsort(v, (size_t)*n, sizeof *v, intake_cmp_str);
	return v;
}

/* Subscribe to what only nw has, then unsubscribe from what only old had:
 * the persistent session stops keeping messages for removed devices (the
 * subscriber sends the UNSUBSCRIBE after the SUBSCRIBE, or after the next
 * connect if the link is down).  Until the broker has it, what still
 * arrives on a removed filter is an unknown topic, counted and
 * acknowledged. */
static void intake_resubscribe(struct intake *in, const struct devindex *old,
			       const struct devindex *nw)
{
	int na, nb, i = 0, j = 0, n_add = 0, n_del = 0, c, removed = 0;
	const char **a = intake_sorted_filters(old, &na), **b = intake_sorted_filters(nw, &nb);
	const char **add = calloc((size_t)nb + 1, sizeof *add);
	const char **del = calloc((size_t)na + 1, sizeof *del);
	char err[256];

	if (!add || !del || (na && !a) || (nb && !b)) {
		log_warnx("local: out of memory comparing subscriptions; "
			  "the new devices are subscribed at the next connect");
		mqtt_sub_drop(in->sub, "out of memory comparing subscriptions");
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
	if (n_add > 0 && mqtt_sub_add_filters(in->sub, add, (size_t)n_add, err,
					      sizeof err) != 0)
		log_warnx("local: subscribe to %d new topics failed: %s", n_add, err);
	if (n_del > 0 &&
	    (removed = mqtt_sub_remove_filters(in->sub, del, (size_t)n_del, err,
					       sizeof err)) < 0) {
		log_warnx("local: unsubscribe from %d topics no longer routed failed: %s; "
			  "what arrives on them is ignored as unconfigured", n_del, err);
		removed = 0;
	}
	if (n_add || n_del)
		log_info("local: subscribed to %d new topics, unsubscribed from %d, "
			 "on the same session", n_add, removed);
out:
	free(a);
	free(b);
	free(add);
	free(del);
}

void intake_reconfigure(struct intake *in, const struct config *cfg,
			struct devindex *ix)
{
	struct devindex *old_ix = in->ix;
	struct flood *fl = NULL;
	int i;

	for (i = 0; i < cfg->n_devices; i++)
		if (cfg->devices[i].flood.rate_per_s > 0) {
			/* the buckets start full: a reload forgives nobody's past */
			if (!(fl = flood_new(cfg)))
				log_warnx("local: out of memory: no flood control "
					  "until the next reload");
			break;
		}
	/* the loop's own thread calls back into the intake: nothing reads
	 * the index or the buckets while they are swapped */
	flood_free(in->flood);
	in->ix = ix;
	in->gen++;              /* queued classifications are the old index's */
	in->flood = fl;
	in->max_payload = (size_t)cfg->local.max_payload;
	in->cfg = cfg;
	intake_resubscribe(in, old_ix, ix);
	devindex_free(old_ix);
}

/* ------------------------------------------------------------ life */

struct intake *intake_new(const struct config *cfg, struct devindex *ix, struct msgq *q,
			  int wake_fd, char *err, size_t errlen)
{
	struct intake *in = calloc(1, sizeof *in);

	if (!in) {
		snprintf(err, errlen, "out of memory");
		devindex_free(ix);
		return NULL;
	}
	in->q = q;
	in->max_payload = (size_t)cfg->local.max_payload;
	in->cfg = cfg;
	in->ix = ix;
	for (int i = 0; i < cfg->n_devices; i++)
		if (cfg->devices[i].flood.rate_per_s > 0 && !in->flood &&
		    !(in->flood = flood_new(cfg))) {
			errf(err, errlen, "out of memory");
			goto fail;
		}

	strlcpy_hz(in->cmd.name, "local", sizeof in->cmd.name);
	strlcpy_hz(in->cmd.uris[0], cfg->local.uri, TOPIC_MAX);
	in->cmd.n_uris = 1;
	snprintf(in->cmd.client_id, sizeof in->cmd.client_id, "%.*s-cmd",
		 (int)sizeof in->cmd.client_id - 5, cfg->local.client_id);
	strlcpy_hz(in->cmd.username, cfg->local.username, ID_MAX);
	/* it holds no subscription: nothing for the broker to keep */
	in->cmd.clean_session = true;
	in->cmd.wake_fd = wake_fd;
	in->cmd.ctx = in;
	if (mqtt_link_read_password(&in->cmd, cfg->local.password_file, err, errlen) < 0)
		goto fail;
	in->sub = intake_session(in, cfg, in->cmd.password, err, errlen);
	if (!in->sub || mqtt_link_library(cfg, err, errlen) < 0 ||
	    mqtt_link_init(&in->cmd, err, errlen) < 0)
		goto fail;
	/* an anonymous broker lets anyone on the gateway forge a reading that
	 * ends an alarm, or publish a plug's command: it still works, but the
	 * operator is told (docs/operations.md, "The gateway's broker") */
	if (!cfg->local.username[0])
		log_warnx("local broker %s: connecting without credentials: anyone who can "
			  "publish to it can forge a device's reading or a plug's command; "
			  "give hazardd its own user (local.username, local.password_file) "
			  "and the broker an ACL", cfg->local.uri);
	return in;
fail:
	mqtt_sub_free(in->sub);
	mqtt_link_destroy(&in->cmd, 0);
	devindex_free(in->ix);
	flood_free(in->flood);
	free(in);
	return NULL;
}

void intake_free(struct intake *in)
{
	if (!in)
		return;
	mqtt_sub_free(in->sub);         /* DISCONNECT: the broker keeps the rest */
	mqtt_link_destroy(&in->cmd, 1000);
	devindex_free(in->ix);
	flood_free(in->flood);
	free(in);
}

/* ------------------------------------------------------------ the loop */

int intake_pollfd(struct intake *in, struct pollfd *p, int *timeout_ms)
{
	short ev = 0;
	int fd;

	*timeout_ms = -1;
	if (!in)
		return 0;
	fd = mqtt_sub_poll(in->sub, &ev, timeout_ms);
	*p = (struct pollfd){ .fd = fd, .events = ev };
	return fd >= 0;
}

void intake_handle(struct intake *in, short revents)
{
	if (in)
		mqtt_sub_handle(in->sub, revents);
}

void intake_settle(struct intake *in, bool committed)
{
	uint64_t head, through;

	if (!in)
		return;
	/* everything before the oldest message still queued is finished:
	 * committed by this pass or an earlier one, or discarded and counted */
	head = msgq_head_seq(in->q);
	through = head ? head - 1 : mqtt_sub_last_seq(in->sub);
	if (through <= in->acked_through)
		return;
	if (!committed)
		in->acked_uncommitted += through - in->acked_through;
	in->acked_through = through;
	mqtt_sub_ack_through(in->sub, through);
}

uint64_t intake_acked_through(struct intake *in)
{
	return in ? in->acked_through : 0;
}

uint64_t intake_acks_confirmed(struct intake *in)
{
	return in ? mqtt_sub_acks_confirmed(in->sub) : 0;
}

void intake_tick(struct intake *in, int64_t now_ms)
{
	mqtt_link_tick(&in->cmd, now_ms);
}

bool intake_connected(struct intake *in)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(in->sub, &st);
	return st.connected;
}

uint64_t intake_dropped(struct intake *in)
{
	return in->dropped;
}

void intake_get_stats(struct intake *in, struct intake_stats *o)
{
	struct mqtt_sub_stats st;

	memset(o, 0, sizeof *o);
	if (!in)
		return;
	mqtt_sub_get_stats(in->sub, &st);
	o->connects = st.connects;
	o->connect_failures = st.connect_failures;
	o->connect_refused = st.connect_refused;
	o->disconnects = st.disconnects;
	o->keepalive_timeouts = st.keepalive_timeouts;
	o->messages = st.messages;
	o->acks_sent = st.acks_sent;
	o->protocol_errors = st.protocol_errors;
	o->subscribe_refused = st.subscribe_refused;
	o->unacked = st.unacked;
	o->acked_uncommitted = in->acked_uncommitted;
	o->subscribed = st.subscribed;
	o->commands_connected = mqtt_link_up(&in->cmd);
	snprintf(o->last_error, sizeof o->last_error, "%s", mqtt_sub_last_error(in->sub));
}

int intake_publish(struct intake *in, const char *topic, const char *payload)
{
	char err[128];

	if (!in || !mqtt_link_up(&in->cmd))
		return -1;
	if (mqtt_link_publish(&in->cmd, topic, payload, strlen(payload), err, sizeof err) < 0) {
		log_warnx("local: publish to %s failed: %s", topic, err);
		return -1;
	}
	return 0;
}

/* The command link's new connection: latched commands go again. */
bool intake_reconnected(struct intake *in)
{
	unsigned e;

	if (!in || !mqtt_link_up(&in->cmd))
		return false;
	e = in->cmd.epoch;
	if (e == in->up_epoch)
		return false;
	in->up_epoch = e;
	return true;
}

unsigned intake_generation(const struct intake *in)
{
	return in ? in->gen : 0;
}

struct flood *intake_flood(struct intake *in)
{
	return in ? in->flood : NULL;
}
