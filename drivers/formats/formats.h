/*
 * formats.h: the device formats (docs/architecture.md's third layer):
 * one struct device_format per format (its decoder, topic routes, command
 * builder, unknown-sender inference, discovery filters and config check),
 * listed in one table, and what they share.  Pure functions of their
 * input, any thread.
 */
#ifndef FORMATS_H
#define FORMATS_H

#include <string.h>

#include <cJSON.h>
#include "core.h"

/* Object {"ts":..., "<field>": value, ..., "over_range": ["gas_lel"]} with
 * only the present fields; over_range only when a present field is marked. */
cJSON *reading_to_json(const struct reading *r);

/* ------------------------------------------------------------ reading_text.c
 * The same object as text, written into out without a tree: byte for byte
 * what cJSON prints from reading_to_json() (a field with no JSON value,
 * NaN or infinity, is left out of both).  Length, or -1 when cap is too
 * small (READING_TEXT_MAX always suffices). */
#define READING_TEXT_MAX 2048
int reading_text(const struct reading *r, char *out, size_t cap);
/* s is an object as reading_text() writes it (known keys once each,
 * numbers, true/false, the over_range list, no whitespace): its members
 * can be copied into another object as they are. */
bool reading_text_spliceable(const char *s, size_t len);

/* ------------------------------------------------------------ json_text.c
 * JSON text as cJSON's unformatted printer writes it, without the tree.
 * json_number: the number's text in out (non-finite: "null"), its length.
 * json_escape: s quoted and escaped into out (room for 6 * strlen + 3).
 * struct jbuf: a growing text buffer; after a failed allocation every
 * write is dropped and failed stays set. */
#define JSON_NUM_MAX 32
size_t json_number(double d, char out[JSON_NUM_MAX]);
size_t json_escape(const char *s, char *out);
struct jbuf {
	char  *p;               /* NUL-terminated text, or NULL */
	size_t len, cap;
	bool   failed;
};
bool jbuf_reserve(struct jbuf *b, size_t more);
void jbuf_put(struct jbuf *b, const char *s, size_t n);
void jbuf_num(struct jbuf *b, double d);
void jbuf_str(struct jbuf *b, const char *s);
void jbuf_free(struct jbuf *b);

/* ------------------------------------------------------------ decoders
 * Payload decoders, one per format.  Pure functions, safe to call from any
 * thread.  Validation is per field: a field with a wrong type, an unknown
 * enum value or an impossible value is left out and
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

/* ---------------------------------------------------------- device_cmd.c
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
 * generation is dev->gen (the config settles it: the format's check_topic),
 * never guessed here.  0, or
 * -1 with the reason in err (no relay, a format without commands, a topic
 * it cannot derive). */
int device_cmd_build(const struct device_cfg *dev, bool on,
		     const char *client_id, unsigned rpc_id, struct device_cmd *out,
		     char *err, size_t errlen);
/* A device without a relay ("relay": false) is never commanded: true and
 * the operator's explanation in err when dev has none. */
bool device_cmd_no_relay(const struct device_cfg *dev, char *err, size_t errlen);
/* A format's builder: dev has a topic and a relay, client_id is NULL or
 * plain bytes ([A-Za-z0-9._-]); out is cleared.  0, or -1 with the reason in err
 * (device_cmd_build clears out again). */
typedef int (*command_fn)(const struct device_cfg *dev, bool on, const char *client_id,
			  unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen);
/* For builders: whether n, what snprintf into a size-byte buffer returned,
 * fits: 0, or -1 with "command <what> too long (max N bytes)" in err. */
int cmd_fits(int n, size_t size, const char *what, char *err, size_t errlen);

/* ------------------------------------------------------------ unknown.c
 * Senders on the ecosystems' topics that are not in the config, kept in
 * memory only (never the database), bounded: the least recently heard is
 * evicted.  Locked: the discovery client writes on Paho's thread, the loop
 * reads.
 */
#define UNKNOWN_PAYLOAD_MAX 256
struct unknown;
struct unknown *unknown_new(int max_entries);
void unknown_free(struct unknown *u);
/* From the topic: the ecosystem, the device's name, and the topic to put
 * in its config.  false for topics that are not a device's (bridges,
 * commands, announcements).  Asks each format's infer in table order. */
bool unknown_infer(const char *topic, char *format, size_t flen, char *name,
		   size_t nlen, char *dev_topic, size_t tlen);
/* One message; false when the topic is not a device's. */
bool unknown_note(struct unknown *u, const char *topic, const void *payload,
		  size_t len, int64_t now_wall_ms);
cJSON *unknown_json(struct unknown *u);  /* most recent first */
int  unknown_count(struct unknown *u);
uint64_t unknown_evicted(struct unknown *u);
uint64_t unknown_messages(struct unknown *u);
/* A format's inference: is topic one of its ecosystem's, and a device's? */
enum infer_result {
	INFER_NOT_MINE,         /* another ecosystem's topic: ask the next format */
	INFER_DEVICE,           /* a device's: name and dev_topic filled */
	INFER_NOT_DEVICE,       /* this ecosystem's, but no device's (a bridge, a
				 * command, an announcement): ask no further */
};
typedef enum infer_result (*infer_fn)(const char *topic, char *name, size_t nlen,
				      char *dev_topic, size_t tlen);
/* For inference: level i (0-based) of topic into buf; false if absent,
 * empty or too long.  *levels (may be NULL): the topic's level count. */
bool topic_level(const char *topic, int i, char *buf, size_t size, int *levels);
/* For inference: name, and dev_topic from fmt; INFER_DEVICE, or
 * INFER_NOT_DEVICE when dev_topic does not fit. */
enum infer_result infer_device(char *name, size_t nlen, const char *nm, char *dev_topic,
			       size_t tlen, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* ------------------------------------------------------------ infer_kind.c
 * The kind of a sender not in the config, from the fields its payloads
 * carried (a reading's present bits, as its format's decoder reads them),
 * and the devices[] entry that registers it (docs/config.md).  Pure.
 */
struct kind_guess {
	int  kind;              /* enum device_kind, or -1: none hazardd watches */
	enum gas_kind gas;      /* a gas detector's "gas" */
	bool relay;             /* a relay state was heard */
	char why[128];          /* what the guess rests on, for the installer */
};
void infer_kind(uint32_t present, struct kind_guess *g);
/* The fields one message carries, by the format's decoder (0: none, or a
 * payload it cannot read). */
uint32_t infer_fields(const char *format, const char *topic, const void *payload,
		      size_t len);
/* A device id (A-Z a-z 0-9 . _ -, 1-63) from a friendly name: lower case,
 * every run of other characters one '-'; "device" when nothing is left. */
void infer_device_id(const char *name, char *out, size_t size);
/* The k-th candidate (k from 1): the id, then "<id cut>-2", "-3", ... for
 * a caller that must keep ids unique. */
void infer_device_id_nth(const char *name, int k, char *out, size_t size);
/* present as an array of field names, and back. */
cJSON *infer_fields_json(uint32_t present);
uint32_t infer_fields_parse(const cJSON *arr);
/* {"id","kind","site","format","topic"} (and "gas", "relay" when not the
 * kind's default), or NULL when no kind is inferred. */
cJSON *infer_entry(const char *format, const char *dev_topic, uint32_t present,
		   const char *id, const char *site);
/* {"kind": name or null, "why", "config": infer_entry's (when a kind)} */
cJSON *infer_suggestion(const char *format, const char *dev_topic, uint32_t present,
			const char *id, const char *site);

/* ------------------------------------------------------------ formats.c
 * A device format: everything hazardd knows of one ecosystem's devices,
 * as one const struct in its own file, drivers/formats/fmt_<name>.c, and
 * one entry in the table in formats.c.  The rest of the daemon asks the
 * table: the topic index and the intake (decode, routes), device commands
 * (command), discovery (discovery) and the unknown-sender table (infer),
 * the config (name, gens, check_topic), the fuzzers (example_topic).
 */

/*
 * The config's check of a device's topic against the format's topic forms,
 * after the checks every format shares (present, no MQTT wildcards).  It
 * may complete the topic (a Shelly Gen2 bare prefix gets its status
 * topic): the whole topic then goes into derived (TOPIC_MAX bytes, ""
 * as given: the config keeps d->topic's strings in its pool, read-only).
 * It settles d->gen.  gen: the config's "gen", validated against gens (0:
 * absent).  shown: the topic as the config's messages show it (quoted,
 * escaped, cut).  0 when the topic stands; -1 with the refusal in err,
 * naming the expected shape, and *key the config key it is about ("topic"
 * or "gen").
 */
typedef int (*topic_check_fn)(struct device_cfg *d, int gen, const char *shown,
			      char *derived, const char **key, char *err,
			      size_t errlen);

struct device_format {
	const char *name;               /* the config's "format" */
	decode_fn   decode;
	routes_fn   routes;             /* NULL: the configured topic alone */
	command_fn  command;            /* NULL: no device commands */
	infer_fn    infer;              /* NULL: unknown senders not recognised */
	/* the topic filters discovery subscribes to for this ecosystem,
	 * NULL-terminated (NULL: none) */
	const char *const *discovery;
	int         gens;               /* highest "gen" the config takes (0: none) */
	topic_check_fn check_topic;     /* NULL: any topic without wildcards */
	/* the state topic of a device named "dev": the fuzzers' topic for an
	 * input that names none, the table's own tests */
	const char *example_topic;
};
#define FORMATS_MAX 16          /* table size, checked at compile time */

const struct device_format *format_find(const char *name);   /* NULL if unknown */
/* Every table entry, in table order; returns the count. */
int format_count(void);
const struct device_format *format_at(int i);
/* The names, in table order, into out (max entries); returns the count. */
int format_names(const char **out, int max);
/* Every format's discovery filters, in table order, into out (max
 * entries); returns the count written. */
int format_filters(const char **out, int max);
/* The routes of a device of this format (the topic alone for NULL routes). */
int format_routes(const struct device_format *fmt, const char *dev_topic,
		  struct route *out, int max);

/* ---------------------------------------------------------- decode_json.c
 * What the third-party adapters share: strict JSON framing, lenient
 * scalars (devices send "100.00", "True", "ON"), one check per field.
 * Framing failures return -1 with the reason in err (and out cleared); a
 * bad field never does: it is marked in r->bad and its reason appended to
 * err (dj_note), and the caller carries on.
 */
/* The payload as JSON: NUL bytes and trailing data refused.  The tree
 * goes back with dj_release (json_arena.c), not cJSON_Delete. */
cJSON *dj_parse(const char *payload, size_t len, char *err, size_t errlen);
/* The same, and it must be an object ("payload is not a JSON object"). */
cJSON *dj_parse_object(const char *payload, size_t len, char *err, size_t errlen);
/* ---------------------------------------------------------- json_arena.c
 * dj_parse's trees cut from one buffer instead of a malloc per value.
 * json_arena_init: once, before any thread starts (it installs cJSON's
 * allocator for the whole process); the thread that calls it uses the
 * buffer, every other thread malloc as before.  Without it, malloc. */
void json_arena_init(void);
/* Around cJSON's parse (dj_parse): false when this thread has no arena. */
bool json_arena_begin(void);
void json_arena_end(cJSON *root);
/* A tree from dj_parse, done with (NULL: nothing). */
void dj_release(cJSON *root);
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
/*
 * A table of names looked up by first byte: a chain per (byte & 31), in
 * table order, built on the stack for one payload.  Names that share a
 * chain (the byte's low bits) are told apart by the caller's comparison;
 * field and key names are lower-case, so in practice a chain holds the
 * names with one first letter.  Tables up to DJ_KEYS_MAX names (dj_fields
 * takes longer ones the slow way: one walk over the members per key).
 */
#define DJ_KEYS_MAX     64
#define DJ_INDEX_END    0xff
struct dj_index {
	unsigned char head[32];
	unsigned char next[DJ_KEYS_MAX];
};
static inline void dj_index_clear(struct dj_index *x)
{
	memset(x->head, DJ_INDEX_END, sizeof x->head);
}
/* Add name i; called from the last name to the first, the chains run in
 * table order. */
static inline void dj_index_add(struct dj_index *x, unsigned i, const char *name)
{
	unsigned b = (unsigned char)name[0] & 31u;

	x->next[i] = x->head[b];
	x->head[b] = (unsigned char)i;
}
/* Every reading field's name (reading_field_name), index = field: what
 * a native payload's and a stored row's keys are looked up in. */
static inline void dj_index_reading_fields(struct dj_index *x)
{
	unsigned f;

	dj_index_clear(x);
	for (f = RF_COUNT; f-- > 0; )
		if (reading_field_name[f])
			dj_index_add(x, f, reading_field_name[f]);
}
/* The first candidate for a name beginning with byte c, then next[]. */
static inline unsigned dj_index_first(const struct dj_index *x, char c)
{
	return x->head[(unsigned char)c & 31u];
}
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

#endif /* FORMATS_H */
