/*
 * mqtt_packet.h: the MQTT 3.1.1 packets a subscriber sends and receives,
 * with no socket and no library: encoders for CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE, PUBACK, PINGREQ and DISCONNECT, and an incremental decoder
 * for what a broker sends a subscriber (CONNACK, SUBACK, UNSUBACK,
 * PUBLISH, PINGRESP).
 *
 * The decoder is strict: anything the specification calls malformed, and
 * anything a subscriber that only asks for QoS 1 must not receive, is
 * refused with a reason, and the connection is then to be closed (the
 * decoder stays in its error state until mqtt_decoder_reset).  It is fed
 * whatever bytes arrived, however they were split; it allocates at most
 * one body of max_packet bytes.  Fuzzed by tests/fuzz/fuzz_mqtt_packet.c.
 */
#ifndef HZ_MQTT_PACKET_H
#define HZ_MQTT_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* packet types (the high nibble of the first byte) */
enum mqtt_type {
	MQTT_CONNECT = 1, MQTT_CONNACK = 2, MQTT_PUBLISH = 3, MQTT_PUBACK = 4,
	MQTT_PUBREC = 5, MQTT_PUBREL = 6, MQTT_PUBCOMP = 7, MQTT_SUBSCRIBE = 8,
	MQTT_SUBACK = 9, MQTT_UNSUBSCRIBE = 10, MQTT_UNSUBACK = 11,
	MQTT_PINGREQ = 12, MQTT_PINGRESP = 13, MQTT_DISCONNECT = 14,
};

/* the largest remaining length four bytes of varint can say */
#define MQTT_REMLEN_MAX 268435455u
/* a UTF-8 string field holds at most this many bytes (2-byte length) */
#define MQTT_STR_MAX 65535u
/* the SUBACK code for a refused filter */
#define MQTT_SUBACK_FAILURE 0x80

/* ------------------------------------------------------------ encoders */
/*
 * Each encoder writes one packet into out (cap bytes) and returns its
 * length, or 0 when the arguments cannot make a valid packet (why says
 * which; a string over 65,535 bytes, invalid UTF-8, a filter with a
 * misplaced wildcard, ...) or the packet does not fit in cap.
 */
struct mqtt_connect_opts {
	const char *client_id;  /* non-empty: a persistent session needs one */
	int clean_session;      /* 0: the broker keeps the session (QoS 1 queue) */
	unsigned keepalive_s;   /* 0..65535; 0 turns keepalive off */
	const char *username;   /* NULL: none */
	const char *password;   /* NULL: none; needs a username in 3.1.1 */
	size_t password_len;
};
size_t mqtt_enc_connect(uint8_t *out, size_t cap, const struct mqtt_connect_opts *o,
			const char **why);
/* every filter at QoS 1; packet_id non-zero */
size_t mqtt_enc_subscribe(uint8_t *out, size_t cap, uint16_t packet_id,
			  const char *const *filters, size_t n, const char **why);
/* every filter valid (mqtt_filter_check); packet_id non-zero */
size_t mqtt_enc_unsubscribe(uint8_t *out, size_t cap, uint16_t packet_id,
			    const char *const *filters, size_t n, const char **why);
size_t mqtt_enc_puback(uint8_t *out, size_t cap, uint16_t packet_id);
size_t mqtt_enc_pingreq(uint8_t *out, size_t cap);
size_t mqtt_enc_disconnect(uint8_t *out, size_t cap);
/* the remaining-length varint alone (1..4 bytes; 0 if over the limit) */
size_t mqtt_enc_remlen(uint8_t *out, uint32_t value);

/* a topic filter a SUBSCRIBE may carry: NULL when valid, else why not */
const char *mqtt_filter_check(const char *filter);
/* a topic name a PUBLISH may carry (n bytes): NULL when valid, else why not */
const char *mqtt_topic_check(const char *topic, size_t n);

/* ------------------------------------------------------------ decoder */
/* one decoded packet; pointers are into the decoder, valid until the next
 * mqtt_decode call */
struct mqtt_packet {
	enum mqtt_type type;
	/* CONNACK */
	int session_present;
	int return_code;          /* 0 accepted, 1..5 the refusals */
	/* SUBACK, UNSUBACK and PUBLISH (QoS 1) */
	uint16_t packet_id;
	const uint8_t *codes;     /* SUBACK: one granted QoS or 0x80 per filter */
	size_t n_codes;
	/* PUBLISH */
	int qos, dup, retain;
	const char *topic;        /* NUL-terminated (a topic holds no NUL) */
	size_t topic_len;
	const uint8_t *payload;   /* may be empty */
	size_t payload_len;
};

struct mqtt_decoder {
	size_t max_packet;        /* the whole packet, fixed header included */
	int state;                /* what is being read: see mqtt_packet.c */
	uint8_t first;            /* the fixed header's first byte */
	uint32_t remlen;
	unsigned remlen_bytes;
	size_t got;               /* body bytes read */
	uint8_t *body;
	size_t body_cap;
	char *topic;              /* the PUBLISH topic, NUL-terminated */
	size_t topic_cap;
	const char *error;        /* set once refused */
	char errbuf[112];         /* a reason with figures in it */
};

enum mqtt_dec_result {
	MQTT_DEC_MORE = 0,        /* every byte taken, no whole packet yet */
	MQTT_DEC_PACKET = 1,      /* *pkt holds one; *used bytes were taken */
	MQTT_DEC_ERROR = -1,      /* malformed or refused: *why; close the link */
};

void mqtt_decoder_init(struct mqtt_decoder *d, size_t max_packet);
/* forget a partial packet and any error (a new connection) */
void mqtt_decoder_reset(struct mqtt_decoder *d);
void mqtt_decoder_free(struct mqtt_decoder *d);
/* Take bytes from data[0..len) up to the end of one packet. */
enum mqtt_dec_result mqtt_decode(struct mqtt_decoder *d, const uint8_t *data, size_t len,
				 size_t *used, struct mqtt_packet *pkt, const char **why);
/* the packet type's name, for logs */
const char *mqtt_type_name(int type);

#endif
