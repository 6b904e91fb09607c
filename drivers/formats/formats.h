/*
 * formats.h: the device formats (docs/architecture.md's third layer):
 * payload decoders and their topic routes, device command builders and
 * unknown-sender inference.  Pure functions of their input, any thread.
 */
#ifndef FORMATS_H
#define FORMATS_H

#include <cJSON.h>
#include "core.h"

/* Object {"ts":..., "<field>": value, ..., "over_range": ["gas_lel"]} with
 * only the present fields; over_range only when a present field is marked. */
cJSON *reading_to_json(const struct reading *r);

/* --------------------------------------------------------------- decode.c
 * Payload adapters: a static table keyed by format name.  Pure functions,
 * safe to call from any thread.  Validation is per field: a field with a
 * wrong type, an unknown enum value or an impossible value is left out and
 * its bit set in out->bad, an over-range value is saturated and its bit set
 * in out->over, and the rest of the reading stands: the adapter returns 0,
 * with err holding "field battery: expected number (n/a)" for the fields
 * left out ("; "-separated, "" when none).  Any alarm indication (a true
 * flag, an alarm-state word, a value past full scale) is kept whatever else
 * the payload holds.  -1, with out cleared and a short reason in err
 * ("malformed JSON", "payload is not a JSON object"), only for a payload
 * that cannot be parsed at all.  DECODE_IGNORED for a message on one of the
 * device's topics that says nothing about its state (a command, an
 * announcement): it is not evidence that the device is alive.  recv_ms
 * fills ts_ms when the payload carries no usable time.
 */
#define DECODE_IGNORED  1
typedef int (*decode_fn)(const char *topic, const char *payload, size_t len,
			 int64_t recv_ms, struct reading *out,
			 char *err, size_t errlen);

/*
 * Where a device's messages arrive.  A device is configured with one topic
 * (its state reports); its format derives the rest (availability, events).
 * subtree: the topic and everything below it (subscribed as "topic/#").
 */
struct route {
	char topic[TOPIC_MAX];
	bool subtree;
};
#define ROUTES_MAX 4
/* Fill out[] (max >= ROUTES_MAX) for a device topic; returns the count. */
typedef int (*routes_fn)(const char *dev_topic, struct route *out, int max);

struct decoder {
	const char *format;
	decode_fn   decode;
	routes_fn   routes;         /* NULL: the configured topic alone */
};
const struct decoder *decoder_find(const char *format);   /* NULL if unknown */
/* Every table entry, for tests and fuzzers; returns the count. */
int decoder_count(void);
const struct decoder *decoder_at(int i);
/* The routes of a device of this format (the topic alone for NULL routes). */
int decoder_routes(const struct decoder *dec, const char *dev_topic,
		   struct route *out, int max);
int decode_native(const char *topic, const char *payload, size_t len,
		  int64_t recv_ms, struct reading *out, char *err, size_t errlen);
int decode_zigbee2mqtt(const char *topic, const char *payload, size_t len,
		       int64_t recv_ms, struct reading *out, char *err, size_t errlen);
int routes_zigbee2mqtt(const char *dev_topic, struct route *out, int max);
int decode_tasmota(const char *topic, const char *payload, size_t len,
		   int64_t recv_ms, struct reading *out, char *err, size_t errlen);
int routes_tasmota(const char *dev_topic, struct route *out, int max);
int decode_shelly(const char *topic, const char *payload, size_t len,
		  int64_t recv_ms, struct reading *out, char *err, size_t errlen);
int routes_shelly(const char *dev_topic, struct route *out, int max);

/* ---------------------------------------------------------- decode_json.c
 * What the third-party adapters share: strict JSON framing, lenient
 * scalars (devices send "100.00", "True", "ON"), one check per field.
 * Framing failures return -1 with the reason in err (and out cleared); a
 * bad field never does: it is marked in r->bad and its reason appended to
 * err (dj_note), and the caller carries on.
 */
/* The payload as JSON: NUL bytes and trailing data refused. */
cJSON *dj_parse(const char *payload, size_t len, char *err, size_t errlen);
/* The same, and it must be an object ("payload is not a JSON object"). */
cJSON *dj_parse_object(const char *payload, size_t len, char *err, size_t errlen);
/* Topic routing by suffix ("/LWT", "/availability"); false for NULL. */
bool dj_has_suffix(const char *s, const char *suffix);
/* Plain text payload ("online", "Offline"), blanks and one pair of quotes
 * trimmed, into buf; -1 if it does not fit or holds a NUL. */
int dj_text(const char *payload, size_t len, char *buf, size_t size);
/* 1 and *out set, 0 absent (NULL, null), -1 neither number nor numeric string. */
int dj_number(const cJSON *item, double *out);
/* 1 true, 0 false, -1 not a boolean: true/false, "true"/"on"/"yes"/"1"... */
int dj_bool_text(const char *s);
/* A short description of a JSON value for a log line: the string itself
 * (cut), the number, or its type ("object", "array"). */
const char *dj_describe(const cJSON *item, char *buf, size_t size);
/* Append "; "-separated text to err (a bad field's reason). */
void dj_note(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Set field f from item: null or NULL leaves it absent; booleans from
 * bool/0/1/strings, numbers from numbers or numeric strings, times scale
 * (unit conversion), then reading_check.  Returns 0 (set, or absent),
 * RCHECK_OVER (set, saturated, marked in r->over) or -1 (left out, marked
 * in r->bad, "field <key>: why" appended to err).
 */
int dj_set(struct reading *r, enum reading_field f, const cJSON *item,
	   double scale, const char *key, char *err, size_t errlen);
/* A key of a flat JSON object and the field it feeds, times scale. */
struct dj_key {
	const char *key;
	enum reading_field f;
	double scale;
};
/* Every key present in obj into r, per field as dj_set.  A flag set under
 * either of two keys is set; for a number the earlier key in the table
 * wins.  A duplicated key is marked bad and resolved to its more alarming
 * value (true over false, the higher number): ambiguity never hides an
 * alarm.  Returns the number of fields marked bad. */
int dj_fields(struct reading *r, const cJSON *obj, const struct dj_key *keys,
	      size_t n, char *err, size_t errlen);
/* The member named key, or NULL; *dup set when there are two. */
const cJSON *dj_member(const cJSON *obj, const char *key, bool *dup);
/* Merge one field of src into dst the way dj_fields merges two keys. */
void dj_merge_field(struct reading *dst, const struct reading *src,
		    enum reading_field f);
/* Error out, err already written: clear *out, return -1. */
int dj_fail(struct reading *out);
/* Error out: clear *out, format err, return -1. */
int dj_reject(struct reading *out, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---------------------------------------------------- drivers/formats/device_cmd.c
 * Switching a plug or relay through its own ecosystem: the command topic
 * and payload, derived from the device's configured topic (zigbee2mqtt
 * "<name>/set", Tasmota "cmnd/<topic>/POWER", Shelly Gen1
 * "relay/0/command", Gen2 "<id>/rpc" Switch.Set, native "<topic>/set").
 * Pure; any thread.
 */
#define DEVCMD_PAYLOAD_MAX 192
struct device_cmd {
	char topic[TOPIC_MAX];
	char payload[DEVCMD_PAYLOAD_MAX];
};
/* client_id: Shelly Gen2's "src"; rpc_id: its request "id".  Shelly's
 * generation is dev->gen (config.c settles it), never guessed here.  0, or
 * -1 with the reason in err (no relay, a format without commands, a topic
 * it cannot derive). */
int device_cmd_build(const struct device_cfg *dev, bool on,
		     const char *client_id, unsigned rpc_id, struct device_cmd *out,
		     char *err, size_t errlen);
/* A device without a relay ("relay": false) is never commanded: true and
 * the operator's explanation in err when dev has none. */
bool device_cmd_no_relay(const struct device_cfg *dev, char *err, size_t errlen);

/* ------------------------------------------------------------ unknown.c
 * Senders on zigbee2mqtt/Tasmota/Shelly topics that are not in the
 * config, kept in memory only (never the database), bounded: the least
 * recently heard is evicted.  Locked: the discovery client writes on
 * Paho's thread, the loop reads.
 */
#define UNKNOWN_PAYLOAD_MAX 256
struct unknown;
struct unknown *unknown_new(int max_entries);
void unknown_free(struct unknown *u);
/* From the topic: the ecosystem, the device's name, and the topic to put
 * in its config.  false for topics that are not a device's (bridges,
 * commands, announcements). */
bool unknown_infer(const char *topic, char *format, size_t flen, char *name,
		   size_t nlen, char *dev_topic, size_t tlen);
/* One message; false when the topic is not a device's. */
bool unknown_note(struct unknown *u, const char *topic, const void *payload,
		  size_t len, int64_t now_wall_ms);
cJSON *unknown_json(struct unknown *u);  /* most recent first */
int  unknown_count(struct unknown *u);
uint64_t unknown_evicted(struct unknown *u);
uint64_t unknown_messages(struct unknown *u);

#endif /* FORMATS_H */
