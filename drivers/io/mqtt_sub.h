/*
 * mqtt_sub.h: a focused MQTT 3.1.1 subscriber for the local broker that
 * acknowledges a QoS 1 message only when the caller says it is committed.
 *
 * Paho C and libmosquitto send the PUBACK before the application sees the
 * message; a crash between that PUBACK and the commit loses it.  Here the
 * caller receives each message with a sequence number, commits it, then
 * calls mqtt_sub_ack_through(seq): the PUBACKs for every message up to
 * seq go out then, in the order the messages arrived (MQTT 3.1.1, 4.6).
 *
 * One session, one non-blocking socket, no thread: the caller's poll loop
 * asks mqtt_sub_poll() for the fd, events and timeout and hands the
 * revents back to mqtt_sub_handle().  Persistent session (clean session
 * off), every filter at QoS 1 (and unsubscribed when no longer wanted), keepalive with PINGREQ, a broker that does
 * not answer a PINGREQ within the keepalive is dropped, reconnect with
 * exponential backoff and jitter, TLS through OpenSSL if configured.
 *
 * After a reconnect the messages not yet acknowledged are forgotten here:
 * the broker delivers them again (DUP set), so the caller sees them twice
 * if it committed them but had not acknowledged yet.  It must dedupe or
 * accept duplicates.  docs/intake.md has the whole contract.
 */
#ifndef HZ_MQTT_SUB_H
#define HZ_MQTT_SUB_H

#include <stddef.h>
#include <stdint.h>

struct mqtt_sub_config {
	const char *host;           /* name or address; resolved at each connect */
	int port;
	const char *client_id;      /* the persistent session's name */
	const char *username;       /* NULL: anonymous */
	const char *password;       /* NULL: none (the caller read password_file) */
	const char *const *filters; /* subscribed at QoS 1 (none: connect only) */
	size_t n_filters;
	unsigned keepalive_s;       /* default 30 */
	size_t max_packet;          /* largest packet accepted; default 256 KiB */
	size_t max_unacked;         /* un-acknowledged messages held; default 1024 */
	int connect_timeout_ms;     /* TCP + TLS + CONNACK; default 10 s */
	int backoff_min_ms;         /* default 200 ms */
	int backoff_max_ms;         /* default 30 s */
	/* TLS: on when tls is non-zero; the peer and its host name are always
	 * verified (ca_file, or the system's store when NULL) */
	int tls;
	const char *ca_file;
	const char *cert_file;      /* client certificate, optional */
	const char *key_file;
	const char *tls_host;       /* the name to verify; default host */
	/* a look around, not the intake (hazardctl init's listening window):
	 * the broker keeps nothing for this client once it disconnects */
	int clean_session;
};

struct mqtt_sub_msg {
	const char *topic;          /* NUL-terminated */
	const uint8_t *payload;     /* len bytes; valid during the callback only */
	size_t len;
	int qos;                    /* 0 or 1 */
	int dup;                    /* the broker says it may have been sent before */
	int retain;
	uint16_t packet_id;         /* 0 for QoS 0 */
	uint64_t seq;               /* 1, 2, ... never reused by this object */
};

typedef void (*mqtt_sub_msg_fn)(void *arg, const struct mqtt_sub_msg *m);

struct mqtt_sub_stats {
	uint64_t connects;          /* CONNACKs accepted */
	uint64_t connect_failures;  /* TCP, TLS or timeout before a CONNACK */
	uint64_t connect_refused;   /* CONNACKs refusing (bad password, ...) */
	int last_connack;           /* the last CONNACK's return code, -1 none */
	uint64_t disconnects;       /* established sessions lost or closed */
	uint64_t keepalive_timeouts;
	uint64_t messages;          /* PUBLISH packets received */
	uint64_t acks_sent;         /* PUBACKs written to the socket */
	uint64_t protocol_errors;   /* malformed or refused packets */
	uint64_t subscribe_refused; /* filters the broker answered 0x80 */
	uint64_t unsubscribed;      /* filters an UNSUBACK confirmed removed */
	size_t unsub_pending;       /* filters waiting for their UNSUBACK */
	uint64_t bytes_in, bytes_out;
	size_t unacked;             /* QoS 1 messages waiting for their ack now */
	int connected;              /* CONNACK accepted on the current link */
	int subscribed;             /* and the SUBACK came */
};

struct mqtt_sub;

/* Copies the config; NULL with err filled when it is not usable.  Nothing
 * connects before the first mqtt_sub_poll/mqtt_sub_handle. */
struct mqtt_sub *mqtt_sub_new(const struct mqtt_sub_config *cfg, mqtt_sub_msg_fn fn,
			      void *arg, char *err, size_t errlen);
/* Sends DISCONNECT if connected (the broker keeps the session and every
 * message not acknowledged), closes and frees. */
void mqtt_sub_free(struct mqtt_sub *s);

/* What to poll: returns the fd (-1 while waiting to reconnect) and sets
 * *events (POLLIN/POLLOUT) and *timeout_ms (when to call handle anyway;
 * 0: at once).  Also starts a connection when one is due. */
int mqtt_sub_poll(struct mqtt_sub *s, short *events, int *timeout_ms);
/* Call after poll with the fd's revents (0 on a timeout). */
void mqtt_sub_handle(struct mqtt_sub *s, short revents);

/* The caller committed every message up to seq: queue their PUBACKs in
 * arrival order and try to send them.  Messages of an earlier connection
 * are gone (the broker redelivers them).  Returns how many were queued. */
size_t mqtt_sub_ack_through(struct mqtt_sub *s, uint64_t seq);
/* Subscribe to more filters on the same session (a reload's new devices):
 * at once when connected, else at the next connect.  0 done or due; 1 the
 * SUBSCRIBE could not be written (the link is dropped and the reconnect
 * subscribes to all); -1 a filter is not valid (nothing changed). */
int mqtt_sub_add_filters(struct mqtt_sub *s, const char *const *filters, size_t n,
			 char *err, size_t errlen);
/* Stop wanting these filters (a reload's removed devices): they leave
 * the subscribed list, and an UNSUBSCRIBE for them goes out once the link
 * is up and its SUBSCRIBEs answered (at once when it is; else after the
 * next connect, since the persistent session still holds them), again
 * after every reconnect until the broker's UNSUBACK.  Filters not
 * subscribed are ignored.  Returns how many were removed, -1 out of
 * memory (nothing changed). */
int mqtt_sub_remove_filters(struct mqtt_sub *s, const char *const *filters, size_t n,
			    char *err, size_t errlen);
/* Every PUBACK through this seq has been read by the broker: a PINGREQ
 * written after them (ack_through sends one) was answered.  0: none yet. */
uint64_t mqtt_sub_acks_confirmed(const struct mqtt_sub *s);
/* The sequence number of the last message delivered (0: none yet). */
uint64_t mqtt_sub_last_seq(const struct mqtt_sub *s);

/* Close the link at once, without DISCONNECT (as a crash would), and
 * reconnect after the backoff. */
void mqtt_sub_drop(struct mqtt_sub *s, const char *why);

void mqtt_sub_get_stats(const struct mqtt_sub *s, struct mqtt_sub_stats *st);
/* Why the last link ended or failed ("" if it has not). */
const char *mqtt_sub_last_error(const struct mqtt_sub *s);

#endif
