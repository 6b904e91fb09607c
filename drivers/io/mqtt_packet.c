/*
 * mqtt_packet.c: MQTT 3.1.1 encoders and the subscriber's incremental
 * decoder (mqtt_packet.h).  Section numbers are those of the OASIS
 * MQTT 3.1.1 specification.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "mqtt_packet.h"

enum { ST_HEADER, ST_REMLEN, ST_BODY, ST_ERROR };

static const char *const type_names[16] = {
	"reserved(0)", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
	"PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK",
	"PINGREQ", "PINGRESP", "DISCONNECT", "reserved(15)",
};

const char *mqtt_type_name(int type)
{
	return type >= 0 && type < 16 ? type_names[type] : "?";
}

/* ------------------------------------------------------------ strings */

/* 1.5.3: well-formed UTF-8 (utf8_char refuses surrogates and overlong
 * forms) and no U+0000; 0 when it is, 1 not UTF-8, 2 holds U+0000 */
static int utf8_check(const char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = utf8_char(s + i, n - i, &cp);
		if (k == 0)
			return 1;
		if (cp == 0)
			return 2;
		i += k;
	}
	return 0;
}

const char *mqtt_topic_check(const char *topic, size_t n)
{
	if (n == 0)
		return "topic is empty";                  /* 4.7.3 */
	if (n > MQTT_STR_MAX)
		return "topic is over 65,535 bytes";
	switch (utf8_check(topic, n)) {
	case 1:
		return "topic is not valid UTF-8";
	case 2:
		return "topic holds U+0000";
	}
	if (memchr(topic, '+', n) || memchr(topic, '#', n))
		return "topic name holds a wildcard";     /* 3.3.2.1 */
	return NULL;
}

const char *mqtt_filter_check(const char *f)
{
	size_t n, i;

	if (!f || !*f)
		return "filter is empty";
	n = strlen(f);
	if (n > MQTT_STR_MAX)
		return "filter is over 65,535 bytes";
	if (utf8_check(f, n))
		return "filter is not valid UTF-8";
	/* 4.7.1: '#' alone in the last level, '+' alone in its level */
	for (i = 0; i < n; i++) {
		if (f[i] == '#' && ((i > 0 && f[i - 1] != '/') || i != n - 1))
			return "filter has '#' other than alone in the last level";
		if (f[i] == '+' && ((i > 0 && f[i - 1] != '/') || (i + 1 < n && f[i + 1] != '/')))
			return "filter has '+' other than alone in a level";
	}
	return NULL;
}

/* ------------------------------------------------------------ encoders */

size_t mqtt_enc_remlen(uint8_t *out, uint32_t v)
{
	size_t n = 0;

	if (v > MQTT_REMLEN_MAX)
		return 0;
	do {
		uint8_t b = v % 128;

		v /= 128;
		out[n++] = v ? (b | 0x80) : b;
	} while (v);
	return n;
}

/* a writer that stops at cap and remembers it did */
struct wr {
	uint8_t *p;
	size_t cap, n;
	int over;
};

static void put(struct wr *w, const void *b, size_t n)
{
	if (w->n + n > w->cap) {
		w->over = 1;
		return;
	}
	memcpy(w->p + w->n, b, n);
	w->n += n;
}

static void put_u8(struct wr *w, uint8_t v) { put(w, &v, 1); }

static void put_u16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

static void put_bin(struct wr *w, const void *b, size_t n)
{
	put_u16(w, (uint16_t)n);
	put(w, b, n);
}

/* fixed header in front of a body of len bytes */
static size_t finish(uint8_t *out, size_t cap, uint8_t first, const uint8_t *body, size_t len)
{
	uint8_t rl[4];
	size_t k = mqtt_enc_remlen(rl, (uint32_t)len);

	if (k == 0 || len > MQTT_REMLEN_MAX || 1 + k + len > cap)
		return 0;
	out[0] = first;
	memcpy(out + 1, rl, k);
	memmove(out + 1 + k, body, len);
	return 1 + k + len;
}

size_t mqtt_enc_connect(uint8_t *out, size_t cap, const struct mqtt_connect_opts *o,
			const char **why)
{
	static const char proto[] = { 0, 4, 'M', 'Q', 'T', 'T', 4 };
	size_t idlen, ulen = 0, n;
	uint8_t flags = 0, *body;
	struct wr w;

	*why = NULL;
	idlen = o->client_id ? strlen(o->client_id) : 0;
	if (idlen == 0 && !o->clean_session)
		*why = "a persistent session needs a client id";     /* 3.1.3.1 */
	else if (idlen > MQTT_STR_MAX || (idlen && utf8_check(o->client_id, idlen)))
		*why = "client id is not a valid UTF-8 string";
	else if (o->keepalive_s > 65535)
		*why = "keepalive is over 65,535 s";
	else if (o->password && !o->username)
		*why = "a password needs a username";                 /* 3.1.2.9 */
	else if (o->username && ((ulen = strlen(o->username)) > MQTT_STR_MAX ||
				 utf8_check(o->username, ulen)))
		*why = "username is not a valid UTF-8 string";
	else if (o->password && o->password_len > MQTT_STR_MAX)
		*why = "password is over 65,535 bytes";
	if (*why)
		return 0;
	if (o->clean_session)
		flags |= 0x02;
	if (o->username)
		flags |= 0x80;
	if (o->password)
		flags |= 0x40;
	/* the body first, then shifted behind its header by finish() */
	n = sizeof proto + 3 + 2 + idlen + (o->username ? 2 + ulen : 0) +
	    (o->password ? 2 + o->password_len : 0);
	if (n + 5 > cap) {
		*why = "no room";
		return 0;
	}
	body = out + 5;
	w = (struct wr){ body, cap - 5, 0, 0 };
	put(&w, proto, sizeof proto);
	put_u8(&w, flags);
	put_u16(&w, (uint16_t)o->keepalive_s);
	put_bin(&w, o->client_id ? o->client_id : "", idlen);
	if (o->username)
		put_bin(&w, o->username, ulen);
	if (o->password)
		put_bin(&w, o->password, o->password_len);
	if (w.over) {
		*why = "no room";
		return 0;
	}
	return finish(out, cap, 0x10, body, w.n);
}

size_t mqtt_enc_subscribe(uint8_t *out, size_t cap, uint16_t packet_id,
			  const char *const *filters, size_t n, const char **why)
{
	struct wr w;
	size_t i;

	*why = NULL;
	if (packet_id == 0)
		*why = "packet id 0";                                 /* 2.3.1 */
	else if (n == 0)
		*why = "no filter";                                   /* 3.8.3 */
	for (i = 0; !*why && i < n; i++)
		*why = mqtt_filter_check(filters[i]);
	if (!*why && cap < 5)
		*why = "no room";
	if (*why)
		return 0;
	w = (struct wr){ out + 5, cap - 5, 0, 0 };
	put_u16(&w, packet_id);
	for (i = 0; i < n; i++) {
		put_bin(&w, filters[i], strlen(filters[i]));
		put_u8(&w, 1);
	}
	if (w.over) {
		*why = "no room";
		return 0;
	}
	/* 3.8.1: SUBSCRIBE's reserved flags are 0010 */
	return finish(out, cap, 0x82, out + 5, w.n);
}

size_t mqtt_enc_unsubscribe(uint8_t *out, size_t cap, uint16_t packet_id,
			    const char *const *filters, size_t n, const char **why)
{
	struct wr w;
	size_t i;

	*why = NULL;
	if (packet_id == 0)
		*why = "packet id 0";                                 /* 2.3.1 */
	else if (n == 0)
		*why = "no filter";                                   /* 3.10.3 */
	for (i = 0; !*why && i < n; i++)
		*why = mqtt_filter_check(filters[i]);
	if (!*why && cap < 5)
		*why = "no room";
	if (*why)
		return 0;
	w = (struct wr){ out + 5, cap - 5, 0, 0 };
	put_u16(&w, packet_id);
	for (i = 0; i < n; i++)
		put_bin(&w, filters[i], strlen(filters[i]));
	if (w.over) {
		*why = "no room";
		return 0;
	}
	/* 3.10.1: UNSUBSCRIBE's reserved flags are 0010, like SUBSCRIBE's */
	return finish(out, cap, 0xA2, out + 5, w.n);
}

size_t mqtt_enc_puback(uint8_t *out, size_t cap, uint16_t id)
{
	if (cap < 4 || id == 0)
		return 0;
	out[0] = 0x40, out[1] = 2, out[2] = (uint8_t)(id >> 8), out[3] = (uint8_t)id;
	return 4;
}

size_t mqtt_enc_pingreq(uint8_t *out, size_t cap)
{
	if (cap < 2)
		return 0;
	out[0] = 0xC0, out[1] = 0;
	return 2;
}

size_t mqtt_enc_disconnect(uint8_t *out, size_t cap)
{
	if (cap < 2)
		return 0;
	out[0] = 0xE0, out[1] = 0;
	return 2;
}

/* ------------------------------------------------------------ decoder */

void mqtt_decoder_init(struct mqtt_decoder *d, size_t max_packet)
{
	memset(d, 0, sizeof *d);
	d->max_packet = max_packet < 5 ? 5 : max_packet;
	d->state = ST_HEADER;
}

void mqtt_decoder_reset(struct mqtt_decoder *d)
{
	d->state = ST_HEADER;
	d->remlen = 0;
	d->remlen_bytes = 0;
	d->got = 0;
	d->error = NULL;
}

void mqtt_decoder_free(struct mqtt_decoder *d)
{
	free(d->body);
	free(d->topic);
	d->body = NULL;
	d->topic = NULL;
	d->body_cap = d->topic_cap = 0;
}

static enum mqtt_dec_result refuse(struct mqtt_decoder *d, const char *why, const char **out)
{
	d->state = ST_ERROR;
	d->error = why;
	*out = why;
	return MQTT_DEC_ERROR;
}

/* 2.2.2: the first byte, judged before anything else is read */
static const char *check_first(uint8_t b)
{
	int type = b >> 4, flags = b & 0x0F, qos;

	switch (type) {
	case MQTT_CONNACK:
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
	case MQTT_PINGRESP:
		return flags ? "reserved flags set in the fixed header" : NULL;
	case MQTT_PUBLISH:
		qos = (flags >> 1) & 3;
		if (qos == 3)
			return "PUBLISH with QoS 3";                     /* 3.3.1.2 */
		if (qos == 2)
			return "PUBLISH with QoS 2 (subscribed at QoS 1 only)";
		if (qos == 0 && (flags & 0x08))
			return "PUBLISH with QoS 0 and DUP set";         /* 3.3.1.1 */
		return NULL;
	default:
		/* a subscriber that asks for QoS 1 and never publishes gets
		 * no other packet from a broker */
		return "packet type a broker does not send a subscriber";
	}
}

/* the remaining length each type needs, once it is known */
static const char *check_remlen(uint8_t first, uint32_t remlen)
{
	int type = first >> 4, qos = (first >> 1) & 3;

	switch (type) {
	case MQTT_CONNACK:
		return remlen == 2 ? NULL : "CONNACK remaining length is not 2";
	case MQTT_PINGRESP:
		return remlen == 0 ? NULL : "PINGRESP remaining length is not 0";
	case MQTT_SUBACK:
		return remlen >= 3 ? NULL : "SUBACK shorter than a packet id and one code";
	case MQTT_UNSUBACK:
		return remlen == 2 ? NULL : "UNSUBACK remaining length is not 2";
	default: /* PUBLISH: topic length, one byte of topic, the packet id */
		return remlen >= 3u + (qos ? 2u : 0u) ? NULL : "PUBLISH too short";
	}
}

static const char *parse_body(struct mqtt_decoder *d, struct mqtt_packet *p)
{
	const uint8_t *b = d->body;
	uint32_t n = d->remlen;
	size_t tl, off;
	const char *why;
	size_t i;

	memset(p, 0, sizeof *p);
	p->type = (enum mqtt_type)(d->first >> 4);
	switch (p->type) {
	case MQTT_CONNACK:
		if (b[0] & 0xFE)
			return "CONNACK reserved flags set";             /* 3.2.2.1 */
		if (b[1] > 5)
			return "CONNACK return code unknown";            /* 3.2.2.3 */
		if (b[1] != 0 && (b[0] & 1))
			return "CONNACK refusal with session present";   /* 3.2.2.2 */
		p->session_present = b[0] & 1;
		p->return_code = b[1];
		return NULL;
	case MQTT_PINGRESP:
		return NULL;
	case MQTT_SUBACK:
		p->packet_id = (uint16_t)(b[0] << 8 | b[1]);
		if (p->packet_id == 0)
			return "SUBACK with packet id 0";
		for (i = 2; i < n; i++)
			if (b[i] > 2 && b[i] != MQTT_SUBACK_FAILURE)
				return "SUBACK return code unknown";     /* 3.9.3 */
		p->codes = b + 2;
		p->n_codes = n - 2;
		return NULL;
	case MQTT_UNSUBACK:
		p->packet_id = (uint16_t)(b[0] << 8 | b[1]);
		return p->packet_id ? NULL : "UNSUBACK with packet id 0";
	default:
		break;
	}
	/* PUBLISH */
	p->qos = (d->first >> 1) & 3;
	p->dup = !!(d->first & 0x08);
	p->retain = d->first & 1;
	tl = (size_t)b[0] << 8 | b[1];
	if (2 + tl + (p->qos ? 2 : 0) > n)
		return "PUBLISH topic runs past the packet";
	if ((why = mqtt_topic_check((const char *)b + 2, tl)) != NULL)
		return why;
	off = 2 + tl;
	if (p->qos) {
		p->packet_id = (uint16_t)(b[off] << 8 | b[off + 1]);
		if (p->packet_id == 0)
			return "PUBLISH QoS 1 with packet id 0";         /* 2.3.1 */
		off += 2;
	}
	if (tl + 1 > d->topic_cap) {
		char *t = realloc(d->topic, tl + 1);

		if (!t)
			return "out of memory for a topic";
		d->topic = t;
		d->topic_cap = tl + 1;
	}
	memcpy(d->topic, b + 2, tl);
	d->topic[tl] = '\0';
	p->topic = d->topic;
	p->topic_len = tl;
	p->payload = b + off;
	p->payload_len = n - off;
	return NULL;
}

enum mqtt_dec_result mqtt_decode(struct mqtt_decoder *d, const uint8_t *data, size_t len,
				 size_t *used, struct mqtt_packet *pkt, const char **why)
{
	size_t i = 0, take;
	const char *bad;

	*used = 0;
	*why = NULL;
	if (d->state == ST_ERROR) {
		*why = d->error;
		return MQTT_DEC_ERROR;
	}
	while (i < len || (d->state == ST_BODY && d->got == d->remlen)) {
		switch (d->state) {
		case ST_HEADER:
			d->first = data[i++];
			*used = i;
			if ((bad = check_first(d->first)) != NULL)
				return refuse(d, bad, why);
			d->state = ST_REMLEN;
			d->remlen = 0;
			d->remlen_bytes = 0;
			break;
		case ST_REMLEN: {
			uint8_t b = data[i++];

			*used = i;
			/* 2.2.3: at most four bytes, 7 bits each, least first */
			d->remlen |= (uint32_t)(b & 0x7F) << (7 * d->remlen_bytes);
			d->remlen_bytes++;
			if (b & 0x80) {
				if (d->remlen_bytes == 4)
					return refuse(d, "remaining length over four bytes", why);
				break;
			}
			/* a trailing zero byte is a longer form than needed */
			if (d->remlen_bytes > 1 && b == 0)
				return refuse(d, "remaining length not in its shortest form", why);
			if ((bad = check_remlen(d->first, d->remlen)) != NULL)
				return refuse(d, bad, why);
			if (1 + d->remlen_bytes + (size_t)d->remlen > d->max_packet) {
				snprintf(d->errbuf, sizeof d->errbuf,
					 "%s of %zu bytes over the maximum of %zu",
					 mqtt_type_name(d->first >> 4),
					 1 + d->remlen_bytes + (size_t)d->remlen, d->max_packet);
				return refuse(d, d->errbuf, why);
			}
			if (d->remlen > d->body_cap) {
				uint8_t *nb = realloc(d->body, d->remlen);

				if (!nb)
					return refuse(d, "out of memory for a packet", why);
				d->body = nb;
				d->body_cap = d->remlen;
			}
			d->got = 0;
			d->state = ST_BODY;
			break;
		}
		case ST_BODY:
			take = d->remlen - d->got;
			if (take > len - i)
				take = len - i;
			if (take)
				memcpy(d->body + d->got, data + i, take);
			d->got += take;
			i += take;
			*used = i;
			if (d->got < d->remlen)
				return MQTT_DEC_MORE;
			if ((bad = parse_body(d, pkt)) != NULL)
				return refuse(d, bad, why);
			d->state = ST_HEADER;
			return MQTT_DEC_PACKET;
		default:
			*why = d->error;
			return MQTT_DEC_ERROR;
		}
	}
	return MQTT_DEC_MORE;
}
