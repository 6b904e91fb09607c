/*
 * mqtt_sub.c: the local broker's subscriber that acknowledges after the
 * commit (mqtt_sub.h).  One state machine per session:
 *
 *   IDLE --due--> TCP --connected--> TLS --handshake--> CONNACK --> UP
 *
 * Every failure before UP, and the loss of an UP link, closes the socket,
 * forgets what this link had not acknowledged (the broker keeps it) and
 * waits a backoff before IDLE connects again.  The packets themselves are
 * mqtt_packet.c's, the byte stream (TCP or TLS) mqtt_sub_stream.c's; this
 * file owns the session: its states, timers and the queue of messages
 * waiting for their commit.  (About 1,000 lines: the session's state
 * machine, its timers and its filter changes on a live link, subscribe
 * and unsubscribe, belong together.)
 */
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib.h"
#include "mqtt_packet.h"
#include "mqtt_sub.h"
#include "mqtt_sub_stream.h"

enum { S_IDLE, S_TCP, S_TLS, S_CONNACK, S_UP };

#define RBUF_SIZE   16384
/* a broker that reads none of our acks for this long is not a broker */
#define WBUF_LIMIT  (1u << 20)

/* a QoS 1 message delivered and not yet acknowledged */
struct pending {
	uint64_t seq;
	uint16_t id;
};

struct mqtt_sub {
	struct mqtt_sub_config cfg;   /* strings owned (copied) */
	char **filters;
	mqtt_sub_msg_fn fn;
	void *fn_arg;

	int state;
	struct mqtt_stream io;
	SSL_CTX *ctx;                 /* NULL: plain TCP */
	struct addrinfo *ai, *ai_cur; /* the addresses of this attempt */
	int64_t deadline_ms;          /* TCP/TLS/CONNACK must be done by then */
	int64_t retry_at_ms;          /* IDLE: when to connect */
	unsigned failures;            /* attempts failed since the last CONNACK */
	const char *pending_drop;     /* a write failed outside handle() */

	int64_t last_sent_ms, last_recv_ms, ping_deadline_ms;
	int ping_out;
	/* PUBACKs the broker has read: a PINGREQ written after them was
	 * answered (TCP and the broker keep the order) */
	uint64_t ack_written_seq, ping_covers, ack_confirmed;
	uint16_t last_id;             /* the last packet id we gave out */
	uint16_t sub_id;
	size_t sub_n;                 /* filters the SUBSCRIBE in flight names */
	/* filters no longer wanted that the broker's session may still hold:
	 * unsubscribed once the link is up and subscribed, and kept here
	 * until the UNSUBACK (a reconnect sends them again) */
	char **unsub;
	size_t n_unsub, unsub_cap;
	size_t unsub_flight;          /* the first unsub_flight are in flight */
	uint16_t unsub_id;            /* that UNSUBSCRIBE's packet id; 0 none */

	struct mqtt_decoder dec;
	uint8_t rbuf[RBUF_SIZE];
	size_t rpos, rlen;
	uint8_t *wbuf;
	size_t wpos, wlen, wcap;
	size_t *ack_ends;             /* where each queued PUBACK ends in wbuf */
	size_t ack_head, ack_n, ack_cap;

	struct pending *ring;         /* arrival order, cfg.max_unacked slots */
	size_t ring_head, ring_n;
	uint64_t seq;

	struct mqtt_sub_stats st;
	char err[200];
};

/* ------------------------------------------------------------ helpers */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void compact(struct mqtt_sub *s);

static int wbuf_reserve(struct mqtt_sub *s, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (s->wlen + n <= s->wcap)
		return 0;
	compact(s);
	if (s->wlen + n <= s->wcap)
		return 0;
	if (s->wlen + n > WBUF_LIMIT + 4 * 65536)
		return -1;      /* the broker stopped reading */
	cap = s->wcap ? s->wcap : 1024;
	while (cap < s->wlen + n)
		cap *= 2;
	nb = realloc(s->wbuf, cap);
	if (!nb)
		return -1;
	s->wbuf = nb;
	s->wcap = cap;
	return 0;
}

/* ------------------------------------------------------------ closing */

/* End this link for good and wait a backoff before the next attempt.
 * Whatever was not acknowledged is forgotten: the broker redelivers it. */
static void link_end(struct mqtt_sub *s, const char *why)
{
	int64_t d;

	if (s->state == S_UP) {
		s->st.disconnects++;
		log_warnx("mqtt_sub %s: link lost: %s", s->cfg.client_id, why);
	} else if (s->state != S_IDLE) {
		log_info("mqtt_sub %s: connect failed: %s", s->cfg.client_id, why);
	}
	if (why != s->err)
		snprintf(s->err, sizeof s->err, "%s", why);
	mqtt_stream_close(&s->io);
	if (s->ai)
		freeaddrinfo(s->ai);
	s->ai = s->ai_cur = NULL;
	s->state = S_IDLE;
	s->rpos = s->rlen = 0;
	s->wpos = s->wlen = 0;
	s->ack_head = s->ack_n = 0;
	s->ring_head = s->ring_n = 0;
	s->ping_out = 0;
	s->ping_covers = 0;     /* a PINGRESP of this link will not come */
	s->unsub_flight = 0;    /* unanswered: sent again after the next SUBACK */
	s->unsub_id = 0;
	s->pending_drop = NULL;
	s->st.connected = s->st.subscribed = 0;
	s->st.unacked = 0;
	mqtt_decoder_reset(&s->dec);
	d = backoff_ms(s->failures++, s->cfg.backoff_min_ms, s->cfg.backoff_max_ms);
	if (d > s->cfg.backoff_max_ms)
		d = s->cfg.backoff_max_ms;      /* the jitter never passes the cap */
	s->retry_at_ms = now_mono_ms() + d;
}

static void connect_failed(struct mqtt_sub *s, const char *why)
{
	s->st.connect_failures++;
	link_end(s, why);
}

void mqtt_sub_drop(struct mqtt_sub *s, const char *why)
{
	if (s->state != S_IDLE)
		link_end(s, why ? why : "dropped");
}

/* ------------------------------------------------------------ writing */

/* Write what is queued; -1 (and s->err) when the link is broken. */
static int flush(struct mqtt_sub *s)
{
	while (s->wpos < s->wlen) {
		ssize_t n = mqtt_stream_write(&s->io, s->wbuf + s->wpos, s->wlen - s->wpos,
					      s->err, sizeof s->err);

		if (n < 0)
			return -1;
		if (n == 0)
			return 0;       /* the socket is full: POLLOUT */
		s->wpos += (size_t)n;
		s->st.bytes_out += (uint64_t)n;
		s->last_sent_ms = now_mono_ms();
		while (s->ack_n && s->ack_ends[s->ack_head] <= s->wpos) {
			s->st.acks_sent++;
			s->ack_head++;
			s->ack_n--;
		}
	}
	s->wpos = s->wlen = 0;
	s->ack_head = s->ack_n = 0;
	return 0;
}

/* Move what is still unsent to the front of wbuf (a busy link may never
 * empty it completely), and the queued PUBACKs' ends with it. */
static void compact(struct mqtt_sub *s)
{
	size_t i;

	if (s->wpos == 0)
		return;
	memmove(s->wbuf, s->wbuf + s->wpos, s->wlen - s->wpos);
	for (i = 0; i < s->ack_n; i++)
		s->ack_ends[i] = s->ack_ends[s->ack_head + i] - s->wpos;
	s->wlen -= s->wpos;
	s->wpos = 0;
	s->ack_head = 0;
}

/* ------------------------------------------------------------ packets out */

static int send_connect(struct mqtt_sub *s)
{
	struct mqtt_connect_opts o = {
		.client_id = s->cfg.client_id, .clean_session = s->cfg.clean_session,
		.keepalive_s = s->cfg.keepalive_s, .username = s->cfg.username,
		.password = s->cfg.password,
		.password_len = s->cfg.password ? strlen(s->cfg.password) : 0,
	};
	size_t need = 64 + strlen(s->cfg.client_id) +
		      (o.username ? strlen(o.username) : 0) + o.password_len, n;
	const char *why;

	if (wbuf_reserve(s, need) < 0)
		return -1;
	n = mqtt_enc_connect(s->wbuf + s->wlen, s->wcap - s->wlen, &o, &why);
	if (n == 0) {
		snprintf(s->err, sizeof s->err, "CONNECT: %s", why);
		return -1;
	}
	s->wlen += n;
	s->state = S_CONNACK;
	return flush(s);
}

/* A packet id for a SUBSCRIBE or UNSUBSCRIBE: never 0 (2.3.1), never the
 * one still in flight of the other kind. */
static uint16_t next_packet_id(struct mqtt_sub *s)
{
	do {
		if (++s->last_id == 0)
			s->last_id = 1;
	} while (s->last_id == s->unsub_id);
	return s->last_id;
}

/* One SUBSCRIBE for f[0..nf); none (subscribed at once) when nf is 0. */
static int send_subscribe_of(struct mqtt_sub *s, char *const *f, size_t nf)
{
	size_t need = 16, i, n;
	const char *why;

	if (nf == 0) {
		s->st.subscribed = 1;
		return 0;
	}
	for (i = 0; i < nf; i++)
		need += 3 + strlen(f[i]);
	if (wbuf_reserve(s, need) < 0)
		return -1;
	s->sub_id = next_packet_id(s);
	n = mqtt_enc_subscribe(s->wbuf + s->wlen, s->wcap - s->wlen, s->sub_id,
			       (const char *const *)f, nf, &why);
	if (n == 0) {
		snprintf(s->err, sizeof s->err, "SUBSCRIBE: %s", why);
		return -1;
	}
	s->sub_n = nf;
	s->wlen += n;
	return flush(s);
}

static int send_subscribe(struct mqtt_sub *s)
{
	return send_subscribe_of(s, s->filters, s->cfg.n_filters);
}

/* One UNSUBSCRIBE for every filter waiting for one, once the link is up,
 * its subscriptions answered and no UNSUBSCRIBE is in flight: after the
 * SUBSCRIBE of whatever replaces them (the broker handles packets in
 * order), so no message of a kept filter falls between the two. */
static int send_unsubscribe(struct mqtt_sub *s)
{
	size_t need = 16, i, n;
	const char *why;

	if (s->state != S_UP || !s->st.subscribed || s->unsub_flight || !s->n_unsub)
		return 0;
	for (i = 0; i < s->n_unsub; i++)
		need += 2 + strlen(s->unsub[i]);
	if (wbuf_reserve(s, need) < 0)
		return -1;
	s->unsub_id = next_packet_id(s);
	n = mqtt_enc_unsubscribe(s->wbuf + s->wlen, s->wcap - s->wlen, s->unsub_id,
				 (const char *const *)s->unsub, s->n_unsub, &why);
	if (n == 0) {
		snprintf(s->err, sizeof s->err, "UNSUBSCRIBE: %s", why);
		s->unsub_id = 0;
		return -1;
	}
	s->unsub_flight = s->n_unsub;
	s->wlen += n;
	return flush(s);
}

/* The UNSUBACK of the UNSUBSCRIBE in flight: the broker's session holds
 * none of those filters now; send the ones queued meanwhile. */
static int on_unsuback(struct mqtt_sub *s, uint16_t id)
{
	size_t i, n = s->unsub_flight;    /* 0 if all were wanted again */

	if (!s->unsub_id || id != s->unsub_id) {
		s->st.protocol_errors++;
		snprintf(s->err, sizeof s->err,
			 "protocol error: UNSUBACK does not answer our UNSUBSCRIBE");
		return -1;
	}
	for (i = 0; i < n; i++)
		free(s->unsub[i]);
	memmove(s->unsub, s->unsub + n, (s->n_unsub - n) * sizeof *s->unsub);
	s->n_unsub -= n;
	s->unsub_flight = 0;
	s->unsub_id = 0;
	s->st.unsubscribed += n;
	if (n)
		log_info("mqtt_sub %s: unsubscribed from %zu filters", s->cfg.client_id, n);
	return send_unsubscribe(s);
}

static int send_ping(struct mqtt_sub *s)
{
	if (wbuf_reserve(s, 2) < 0)
		return -1;
	s->wlen += mqtt_enc_pingreq(s->wbuf + s->wlen, 2);
	return flush(s);
}

static int64_t keepalive_ms(const struct mqtt_sub *s);

/* A PINGREQ behind the PUBACKs written, unless one is out already (its
 * PINGRESP sends the next): its answer proves the broker read them. */
static int confirm_acks(struct mqtt_sub *s)
{
	if (s->ping_out || s->ack_written_seq <= s->ack_confirmed)
		return 0;
	if (wbuf_reserve(s, 2) < 0)
		return -1;
	s->ping_out = 1;
	s->ping_deadline_ms = now_mono_ms() + keepalive_ms(s);
	s->ping_covers = s->ack_written_seq;
	s->wlen += mqtt_enc_pingreq(s->wbuf + s->wlen, 2);
	return 0;
}

size_t mqtt_sub_ack_through(struct mqtt_sub *s, uint64_t seq)
{
	size_t queued = 0;

	/* MQTT 3.1.1 4.6: PUBACKs in the order the PUBLISHes arrived; the
	 * ring is that order, so acknowledging a prefix keeps it */
	while (s->ring_n && s->ring[s->ring_head].seq <= seq) {
		struct pending *p = &s->ring[s->ring_head];

		if (s->ack_head + s->ack_n == s->ack_cap)
			compact(s);
		if (wbuf_reserve(s, 4) < 0 || s->ack_n == s->ack_cap) {
			s->pending_drop = "the broker reads none of our acknowledgements";
			break;
		}
		s->wlen += mqtt_enc_puback(s->wbuf + s->wlen, 4, p->id);
		s->ack_written_seq = p->seq;
		s->ack_ends[s->ack_head + s->ack_n++] = s->wlen;
		s->ring_head = (s->ring_head + 1) % s->cfg.max_unacked;
		s->ring_n--;
		queued++;
	}
	s->st.unacked = s->ring_n;
	if (queued && s->state == S_UP && !s->pending_drop && confirm_acks(s) < 0)
		s->pending_drop = s->err;       /* handled by the next handle() */
	if (queued && s->state == S_UP && !s->pending_drop && flush(s) < 0)
		s->pending_drop = s->err;
	return queued;
}

/* ------------------------------------------------------------ packets in */

static const char *connack_reason(int rc)
{
	static const char *const r[] = {
		"accepted", "unacceptable protocol version", "client id rejected",
		"server unavailable", "bad user name or password", "not authorized",
	};
	return rc >= 0 && rc <= 5 ? r[rc] : "unknown";
}

/* One packet from the broker; -1 when the link must end (s->err says why). */
static int on_packet(struct mqtt_sub *s, const struct mqtt_packet *p)
{
	struct mqtt_sub_msg m;
	size_t i;

	if (p->type == MQTT_CONNACK) {
		if (s->state != S_CONNACK) {
			s->st.protocol_errors++;
			snprintf(s->err, sizeof s->err, "protocol error: a second CONNACK");
			return -1;
		}
		s->st.last_connack = p->return_code;
		if (p->return_code != 0) {
			s->st.connect_refused++;
			snprintf(s->err, sizeof s->err, "broker refused the connection: %s",
				 connack_reason(p->return_code));
			return -1;
		}
		/* a reconnect that finds no session: the broker lost what it
		 * held for us (restarted without persistence, expired) */
		if (s->st.connects > 0 && !p->session_present)
			log_warnx("mqtt_sub %s: the broker kept no session; messages queued "
				  "for this client while it was away are gone", s->cfg.client_id);
		s->state = S_UP;
		s->failures = 0;
		s->st.connects++;
		s->st.connected = 1;
		log_info("mqtt_sub %s: connected (session %s)", s->cfg.client_id,
			 p->session_present ? "resumed" : "new");
		return send_subscribe(s);
	}
	if (s->state != S_UP) {
		s->st.protocol_errors++;
		snprintf(s->err, sizeof s->err, "protocol error: %s before CONNACK",
			 mqtt_type_name(p->type));
		return -1;
	}
	switch (p->type) {
	case MQTT_PINGRESP:
		s->ping_out = 0;
		if (s->ping_covers > s->ack_confirmed)
			s->ack_confirmed = s->ping_covers;
		return confirm_acks(s) < 0 ? -1 : 0;
	case MQTT_SUBACK:
		if (p->packet_id != s->sub_id || p->n_codes != s->sub_n) {
			s->st.protocol_errors++;
			snprintf(s->err, sizeof s->err,
				 "protocol error: SUBACK does not answer our SUBSCRIBE");
			return -1;
		}
		for (i = 0; i < p->n_codes; i++) {
			if (p->codes[i] == MQTT_SUBACK_FAILURE) {
				s->st.subscribe_refused++;
				log_warnx("mqtt_sub %s: the broker refused filter %zu of "
					  "%zu subscribed", s->cfg.client_id, i + 1, s->sub_n);
			}
		}
		s->st.subscribed = 1;
		return send_unsubscribe(s);
	case MQTT_UNSUBACK:
		return on_unsuback(s, p->packet_id);
	default:
		break;
	}
	/* PUBLISH (the decoder lets nothing else through) */
	s->st.messages++;
	m = (struct mqtt_sub_msg){
		.topic = p->topic, .payload = p->payload, .len = p->payload_len,
		.qos = p->qos, .dup = p->dup, .retain = p->retain,
		.packet_id = p->packet_id, .seq = ++s->seq,
	};
	if (p->qos == 1) {
		size_t at = (s->ring_head + s->ring_n) % s->cfg.max_unacked;

		s->ring[at] = (struct pending){ m.seq, p->packet_id };
		s->ring_n++;
		s->st.unacked = s->ring_n;
	}
	s->fn(s->fn_arg, &m);
	return 0;
}

/* the un-acknowledged queue is full: stop reading until the caller acks */
static int paused(const struct mqtt_sub *s)
{
	return s->ring_n >= s->cfg.max_unacked;
}

/* Decode what is buffered; stops when paused or the link ended. */
static void process(struct mqtt_sub *s)
{
	while (s->rpos < s->rlen && s->state >= S_CONNACK && !paused(s)) {
		struct mqtt_packet p;
		const char *why;
		size_t used;
		int r = mqtt_decode(&s->dec, s->rbuf + s->rpos, s->rlen - s->rpos, &used, &p, &why);

		s->rpos += used;
		if (r == MQTT_DEC_ERROR) {
			s->st.protocol_errors++;
			snprintf(s->err, sizeof s->err, "protocol error: %s", why);
			link_end(s, s->err);
			return;
		}
		if (r == MQTT_DEC_MORE)
			break;
		if (on_packet(s, &p) < 0) {
			link_end(s, s->err);
			return;
		}
	}
	if (s->rpos == s->rlen)
		s->rpos = s->rlen = 0;
}

/* Read what the socket has; -1 when the link ended (s->err). */
static int do_read(struct mqtt_sub *s)
{
	if (s->rpos > 0 && s->rpos == s->rlen)
		s->rpos = s->rlen = 0;
	if (s->rpos > 0 && s->rlen == sizeof s->rbuf) {
		memmove(s->rbuf, s->rbuf + s->rpos, s->rlen - s->rpos);
		s->rlen -= s->rpos;
		s->rpos = 0;
	}
	while (s->rlen < sizeof s->rbuf) {
		ssize_t n = mqtt_stream_read(&s->io, s->rbuf + s->rlen, sizeof s->rbuf - s->rlen,
					     s->err, sizeof s->err);

		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		s->rlen += (size_t)n;
		s->st.bytes_in += (uint64_t)n;
		s->last_recv_ms = now_mono_ms();
	}
	return 0;
}

/* ------------------------------------------------------------ connecting */

/* socket + non-blocking connect to s->ai_cur and the addresses after it */
static void try_addresses(struct mqtt_sub *s)
{
	char e[160];

	for (; s->ai_cur; s->ai_cur = s->ai_cur->ai_next) {
		if (mqtt_stream_connect(&s->io, s->ai_cur, e, sizeof e) == 0) {
			s->state = S_TCP;
			s->deadline_ms = now_mono_ms() + s->cfg.connect_timeout_ms;
			return;
		}
		snprintf(s->err, sizeof s->err, "%s port %d: %s", s->cfg.host, s->cfg.port, e);
	}
	connect_failed(s, s->err);
}

static void start_connect(struct mqtt_sub *s)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	char port[16];
	int r;

	snprintf(port, sizeof port, "%d", s->cfg.port);
	/* getaddrinfo blocks; the local broker is an address or localhost */
	r = getaddrinfo(s->cfg.host, port, &hints, &s->ai);
	if (r != 0) {
		s->ai = NULL;
		s->state = S_TCP;       /* so that the failure is counted and logged */
		snprintf(s->err, sizeof s->err, "cannot resolve %s: %s", s->cfg.host,
			 gai_strerror(r));
		connect_failed(s, s->err);
		return;
	}
	s->ai_cur = s->ai;
	try_addresses(s);
}

static int start_mqtt(struct mqtt_sub *s)
{
	s->last_recv_ms = s->last_sent_ms = now_mono_ms();
	if (send_connect(s) < 0) {
		connect_failed(s, s->err);
		return -1;
	}
	return 0;
}

static void tls_step(struct mqtt_sub *s)
{
	int r = mqtt_stream_tls_step(&s->io, s->err, sizeof s->err);

	if (r == 1)
		start_mqtt(s);
	else if (r < 0)
		connect_failed(s, s->err);
}

static void tcp_done(struct mqtt_sub *s)
{
	const char *name = s->cfg.tls_host ? s->cfg.tls_host : s->cfg.host;
	char e[160];

	if (mqtt_stream_connected(&s->io, e, sizeof e) < 0) {
		snprintf(s->err, sizeof s->err, "%s port %d: %s", s->cfg.host, s->cfg.port, e);
		s->ai_cur = s->ai_cur ? s->ai_cur->ai_next : NULL;
		try_addresses(s);       /* the next address, or the backoff */
		return;
	}
	if (!s->ctx) {
		start_mqtt(s);
		return;
	}
	if (mqtt_stream_tls_begin(&s->io, s->ctx, name, s->err, sizeof s->err) < 0) {
		connect_failed(s, s->err);
		return;
	}
	s->state = S_TLS;
	tls_step(s);
}

/* ------------------------------------------------------------ the loop's side */

static int64_t keepalive_ms(const struct mqtt_sub *s)
{
	return (int64_t)s->cfg.keepalive_s * 1000;
}

/* PINGREQ when the link was quiet for a keepalive either way; a PINGREQ
 * unanswered for a keepalive means the broker is gone (or stopped) */
static void keepalive(struct mqtt_sub *s, int64_t now)
{
	int64_t ka = keepalive_ms(s);

	if (s->state != S_UP || ka == 0)
		return;
	if (s->ping_out && paused(s))
		s->ping_deadline_ms = now + ka;  /* we are not reading: no verdict */
	if (s->ping_out && now >= s->ping_deadline_ms) {
		s->st.keepalive_timeouts++;
		link_end(s, "no PINGRESP within the keepalive");
		return;
	}
	if (!s->ping_out && (now - s->last_sent_ms >= ka || now - s->last_recv_ms >= ka)) {
		s->ping_out = 1;
		s->ping_deadline_ms = now + ka;
		if (send_ping(s) < 0)
			link_end(s, s->err);
	}
}

int mqtt_sub_poll(struct mqtt_sub *s, short *events, int *timeout_ms)
{
	int64_t now = now_mono_ms(), next;
	int can_read;

	if (s->state == S_IDLE && now >= s->retry_at_ms)
		start_connect(s);
	*events = 0;
	if (s->state == S_IDLE) {
		next = s->retry_at_ms;
	} else if (s->state == S_TCP) {
		*events = POLLOUT;
		next = s->deadline_ms;
	} else if (s->state == S_TLS) {
		*events = s->io.want_write ? POLLOUT : POLLIN;
		next = s->deadline_ms;
	} else {
		can_read = !paused(s);
		if (can_read)
			*events |= POLLIN;
		if (s->wpos < s->wlen || s->io.want_write)
			*events |= POLLOUT;
		next = s->state == S_CONNACK ? s->deadline_ms : INT64_MAX;
		if (s->state == S_UP && keepalive_ms(s)) {
			int64_t ka = keepalive_ms(s), t;

			t = s->ping_out ? s->ping_deadline_ms :
				(s->last_sent_ms < s->last_recv_ms ? s->last_sent_ms :
				 s->last_recv_ms) + ka;
			if (t < next)
				next = t;
		}
		/* bytes already here (or inside TLS) that a pause held back */
		if (can_read && (s->rpos < s->rlen || mqtt_stream_pending(&s->io)))
			next = now;
		if (s->pending_drop)
			next = now;
	}
	next -= now;
	*timeout_ms = next < 0 ? 0 : next > 60000 ? 60000 : (int)next;
	return s->io.fd;
}

void mqtt_sub_handle(struct mqtt_sub *s, short revents)
{
	int64_t now;

	if (s->pending_drop) {
		link_end(s, s->pending_drop);
		return;
	}
	switch (s->state) {
	case S_IDLE:
		return;
	case S_TCP:
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			tcp_done(s);
		break;
	case S_TLS:
		if (revents)
			tls_step(s);
		break;
	default:
		if (revents & (POLLOUT) || (s->io.want_write && revents)) {
			if (flush(s) < 0) {
				link_end(s, s->err);
				return;
			}
		}
		if (!paused(s) && ((revents & (POLLIN | POLLHUP | POLLERR)) ||
				   s->io.want_write || mqtt_stream_pending(&s->io))) {
			if (do_read(s) < 0) {
				/* what arrived before the close still counts */
				process(s);
				if (s->state != S_IDLE)
					link_end(s, s->err);
				return;
			}
		}
		process(s);
		break;
	}
	now = now_mono_ms();
	if ((s->state == S_TCP || s->state == S_TLS || s->state == S_CONNACK) &&
	    now >= s->deadline_ms) {
		snprintf(s->err, sizeof s->err, "connect timed out after %d ms",
			 s->cfg.connect_timeout_ms);
		connect_failed(s, s->err);
		return;
	}
	keepalive(s, now);
}

/* ------------------------------------------------------------ life */

struct mqtt_sub *mqtt_sub_new(const struct mqtt_sub_config *cfg, mqtt_sub_msg_fn fn,
			      void *arg, char *err, size_t errlen)
{
	struct mqtt_sub *s;
	const char *why;
	size_t i;

	if (!cfg->host || !*cfg->host || cfg->port <= 0 || cfg->port > 65535 || !fn) {
		errf(err, errlen, "a host, a port and a message callback are needed");
		return NULL;
	}
	if (!cfg->client_id || !*cfg->client_id) {
		errf(err, errlen, "a persistent session needs a client id");
		return NULL;
	}
	for (i = 0; i < cfg->n_filters; i++) {
		if ((why = mqtt_filter_check(cfg->filters[i])) != NULL) {
			errf(err, errlen, "topic filter \"%s\": %s", cfg->filters[i], why);
			return NULL;
		}
	}
	if (cfg->password && !cfg->username) {
		errf(err, errlen, "a password needs a username");
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->cfg.host = dup_or_null(cfg->host);
	s->cfg.client_id = dup_or_null(cfg->client_id);
	s->cfg.username = dup_or_null(cfg->username);
	s->cfg.password = dup_or_null(cfg->password);
	s->cfg.ca_file = dup_or_null(cfg->ca_file);
	s->cfg.cert_file = dup_or_null(cfg->cert_file);
	s->cfg.key_file = dup_or_null(cfg->key_file);
	s->cfg.tls_host = dup_or_null(cfg->tls_host);
	s->cfg.filters = NULL;
	if (!s->cfg.keepalive_s)
		s->cfg.keepalive_s = 30;
	if (s->cfg.keepalive_s > 65535)
		s->cfg.keepalive_s = 65535;
	if (!s->cfg.max_packet)
		s->cfg.max_packet = 256 * 1024;
	if (!s->cfg.max_unacked)
		s->cfg.max_unacked = 1024;
	if (s->cfg.connect_timeout_ms <= 0)
		s->cfg.connect_timeout_ms = 10000;
	if (s->cfg.backoff_min_ms <= 0)
		s->cfg.backoff_min_ms = 200;
	if (s->cfg.backoff_max_ms < s->cfg.backoff_min_ms)
		s->cfg.backoff_max_ms = s->cfg.backoff_min_ms > 30000 ? s->cfg.backoff_min_ms : 30000;
	s->filters = calloc(cfg->n_filters + 1, sizeof *s->filters);
	s->ring = calloc(s->cfg.max_unacked, sizeof *s->ring);
	s->ack_cap = s->cfg.max_unacked;
	s->ack_ends = calloc(s->ack_cap, sizeof *s->ack_ends);
	s->fn = fn;
	s->fn_arg = arg;
	mqtt_stream_init(&s->io);
	s->state = S_IDLE;
	s->st.last_connack = -1;
	mqtt_decoder_init(&s->dec, s->cfg.max_packet);
	if (!s->filters || !s->ring || !s->ack_ends || !s->cfg.host || !s->cfg.client_id)
		goto oom;
	for (i = 0; i < cfg->n_filters; i++)
		if (!(s->filters[i] = strdup(cfg->filters[i])))
			goto oom;
	if (cfg->tls && !(s->ctx = mqtt_stream_tls_context(s->cfg.ca_file, s->cfg.cert_file,
							   s->cfg.key_file, err, errlen))) {
		mqtt_sub_free(s);
		return NULL;
	}
	s->retry_at_ms = now_mono_ms();
	return s;
oom:
	errf(err, errlen, "out of memory");
	mqtt_sub_free(s);
	return NULL;
}

void mqtt_sub_free(struct mqtt_sub *s)
{
	size_t i;

	if (!s)
		return;
	if (s->state == S_UP && wbuf_reserve(s, 2) == 0) {
		/* a polite goodbye; the broker keeps the session either way */
		s->wlen += mqtt_enc_disconnect(s->wbuf + s->wlen, 2);
		flush(s);
		mqtt_stream_shutdown(&s->io);
	}
	mqtt_stream_close(&s->io);
	if (s->ai)
		freeaddrinfo(s->ai);
	mqtt_stream_tls_free(s->ctx);
	mqtt_decoder_free(&s->dec);
	for (i = 0; s->filters && i < s->cfg.n_filters; i++)
		free(s->filters[i]);
	free(s->filters);
	for (i = 0; i < s->n_unsub; i++)
		free(s->unsub[i]);
	free(s->unsub);
	free((char *)s->cfg.host);
	free((char *)s->cfg.client_id);
	free((char *)s->cfg.username);
	if (s->cfg.password) {
		/* the password leaves no copy in freed memory */
		explicit_bzero((char *)s->cfg.password, strlen(s->cfg.password));
		free((char *)s->cfg.password);
	}
	free((char *)s->cfg.ca_file);
	free((char *)s->cfg.cert_file);
	free((char *)s->cfg.key_file);
	free((char *)s->cfg.tls_host);
	free(s->ring);
	free(s->ack_ends);
	free(s->wbuf);
	free(s);
}

/* Index of filter f in v[0..n), or n. */
static size_t find_filter(char *const *v, size_t n, const char *f)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], f) == 0)
			break;
	return i;
}

/* A filter wanted again is no longer to be unsubscribed.  If its
 * UNSUBSCRIBE is in flight, the SUBSCRIBE that follows it restores it on
 * the broker; the UNSUBACK then covers one filter fewer. */
static void unsub_forget(struct mqtt_sub *s, const char *f)
{
	size_t k = find_filter(s->unsub, s->n_unsub, f);

	if (k == s->n_unsub)
		return;
	free(s->unsub[k]);
	memmove(s->unsub + k, s->unsub + k + 1, (s->n_unsub - k - 1) * sizeof *s->unsub);
	s->n_unsub--;
	if (k < s->unsub_flight)
		s->unsub_flight--;
}

int mqtt_sub_add_filters(struct mqtt_sub *s, const char *const *filters, size_t n,
			 char *err, size_t errlen)
{
	char **nf, **added;
	size_t i;
	const char *why;

	for (i = 0; i < n; i++) {
		if ((why = mqtt_filter_check(filters[i])) != NULL) {
			errf(err, errlen, "topic filter \"%s\": %s", filters[i], why);
			return -1;
		}
	}
	if (n == 0)
		return 0;
	nf = realloc(s->filters, (s->cfg.n_filters + n + 1) * sizeof *nf);
	if (!nf) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	s->filters = nf;
	added = nf + s->cfg.n_filters;
	for (i = 0; i < n; i++) {
		if (!(added[i] = strdup(filters[i]))) {
			while (i-- > 0)
				free(added[i]);
			errf(err, errlen, "out of memory");
			return -1;
		}
	}
	s->cfg.n_filters += n;
	for (i = 0; i < n; i++)
		unsub_forget(s, added[i]);
	/* on a live link now; otherwise the next CONNACK subscribes to all.
	 * While the first SUBSCRIBE is unanswered a second would make its
	 * SUBACK look foreign: start over, the reconnect subscribes to all. */
	if (s->state == S_UP && !s->st.subscribed) {
		snprintf(s->err, sizeof s->err, "filters added while subscribing");
		s->pending_drop = s->err;
		return 0;
	}
	if (s->state == S_UP && send_subscribe_of(s, added, n) < 0) {
		errf(err, errlen, "%s", s->err);
		s->pending_drop = s->err;       /* the reconnect subscribes to all */
		return 1;
	}
	return 0;
}

int mqtt_sub_remove_filters(struct mqtt_sub *s, const char *const *filters, size_t n,
			    char *err, size_t errlen)
{
	size_t i, k, removed = 0;

	if (n == 0)
		return 0;
	if (s->n_unsub + n > s->unsub_cap) {
		char **nu = realloc(s->unsub, (s->n_unsub + n) * sizeof *nu);

		if (!nu) {
			errf(err, errlen, "out of memory");
			return -1;
		}
		s->unsub = nu;
		s->unsub_cap = s->n_unsub + n;
	}
	for (i = 0; i < n; i++) {
		k = find_filter(s->filters, s->cfg.n_filters, filters[i]);
		if (k == s->cfg.n_filters)
			continue;       /* not ours (or named twice) */
		/* the string moves from the wanted list to the unwanted one */
		if (find_filter(s->unsub, s->n_unsub, filters[i]) == s->n_unsub)
			s->unsub[s->n_unsub++] = s->filters[k];
		else
			free(s->filters[k]);
		memmove(s->filters + k, s->filters + k + 1,
			(s->cfg.n_filters - k - 1) * sizeof *s->filters);
		s->cfg.n_filters--;
		removed++;
	}
	if (removed && send_unsubscribe(s) < 0) {
		errf(err, errlen, "%s", s->err);
		s->pending_drop = s->err;       /* the reconnect sends it again */
	}
	return (int)removed;
}

uint64_t mqtt_sub_acks_confirmed(const struct mqtt_sub *s)
{
	return s->ack_confirmed;
}

uint64_t mqtt_sub_last_seq(const struct mqtt_sub *s)
{
	return s->seq;
}

void mqtt_sub_get_stats(const struct mqtt_sub *s, struct mqtt_sub_stats *st)
{
	*st = s->st;
	st->unacked = s->ring_n;
	st->unsub_pending = s->n_unsub;
}

const char *mqtt_sub_last_error(const struct mqtt_sub *s)
{
	return s->err;
}
