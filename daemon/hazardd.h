/*
 * hazardd: one private header for the whole daemon, grouped by file.
 *
 * Ownership rule: one thread (the event loop in hazardd.c) owns the config,
 * the rules state and the SQLite handle.  Paho's library threads only touch
 * the intake queue (queue.c) and the uplink event list (uplink.c).
 */
#ifndef HAZARDD_H
#define HAZARDD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#include <cJSON.h>

#define HAZARDD_VERSION "0.1.0"

#define ID_MAX      64      /* ids: gateway, site, device, hazard, msg */
#define TOPIC_MAX   256
#define PATH_MAX_HZ 512
#define MAX_URIS    8

/* ---------------------------------------------------------------- log.c */

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
/* log_warn appends strerror(errno); all preserve errno. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Start-up only: log and exit(1). */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A repeated complaint (flapping link, chatty broken sensor) is logged once,
 * then with exponential backoff (1 s doubling to 1 h), with the number of
 * suppressed repeats; complain_release() logs "recovered" once.
 */
struct complaint {
	int64_t  next_ms;       /* monotonic time the next report may go out */
	int64_t  interval_ms;   /* current backoff */
	uint64_t suppressed;    /* repeats not logged since the last report */
	bool     active;
};
void complain(struct complaint *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void complain_release(struct complaint *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --------------------------------------------------------------- util.c */

int64_t now_wall_ms(void);      /* CLOCK_REALTIME, ms since epoch */
int64_t now_mono_ms(void);      /* CLOCK_MONOTONIC, ms; durations only */
/* "2026-11-23T13:24:25.123Z" into buf (>= 32 bytes); returns buf. */
char *fmt_iso_ms(int64_t wall_ms, char *buf, size_t len);
/* Parse the format above (the "Z" or "+00:00" suffix required); -1 on error. */
int parse_iso_ms(const char *s, int64_t *out_ms);
/* Copy with truncation, always NUL-terminated; returns -1 if truncated. */
int strlcpy_hz(char *dst, const char *src, size_t size);
/* Random in [lo, hi] from a per-process seeded PRNG (jitter only). */
int64_t rand_between(int64_t lo, int64_t hi);
/* Reconnect delay: base doubles per failure up to cap, +-25 % jitter. */
int64_t backoff_ms(unsigned failures, int64_t base_ms, int64_t cap_ms);
/* Fill a caller's error buffer (modules report, callers decide to log). */
void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* MQTT URIs: TLS scheme (ssl://, mqtts://, wss://); host in 127.0.0.0/8,
 * localhost or [::1]. */
bool uri_is_tls(const char *uri);
bool uri_is_loopback(const char *uri);
/* Read a whole file (secrets, config); caller frees; NULL and errno on error. */
char *read_file_hz(const char *path, size_t max_len, size_t *len_out);

/* ------------------------------------------------------------- reading.c
 * The normalized reading every payload adapter produces.  A field that the
 * device did not send is absent (its bit is clear in `present`), never 0.
 * Booleans are stored as 0.0 / 1.0 in val[].
 */
enum reading_field {
	RF_ALARM = 0,   /* bool: generic alarm flag */
	RF_GAS,         /* bool: gas alarm flag (zigbee2mqtt "gas") */
	RF_SMOKE,       /* bool */
	RF_TEST,        /* bool: self-test / test button */
	RF_FAULT,       /* bool */
	RF_TAMPER,      /* bool */
	RF_GAS_LEL,     /* %LEL */
	RF_CO_PPM,      /* ppm */
	RF_BATTERY,     /* percent 0-100 */
	RF_POWER_W,
	RF_CURRENT_A,
	RF_VOLTAGE_V,
	RF_TEMP_C,
	RF_ENERGY_KWH,
	RF_RELAY,       /* bool: relay / plug output on */
	RF_BATTERY_LOW, /* bool: the device's own low-battery flag (no percent) */
	RF_ONLINE,      /* bool: availability message (LWT); per message, not state */
	RF_COUNT
};

struct reading {
	int64_t  ts_ms;                 /* device time if sent, else receive time */
	uint32_t present;               /* bit (1u << RF_x) set when val[x] valid */
	double   val[RF_COUNT];
};

extern const char *const reading_field_name[RF_COUNT]; /* "alarm", "gas_lel", ... */
extern const bool reading_field_is_bool[RF_COUNT];

static inline bool reading_has(const struct reading *r, enum reading_field f)
{ return (r->present >> f) & 1u; }
static inline void reading_set(struct reading *r, enum reading_field f, double v)
{ r->val[f] = v; r->present |= 1u << f; }

/* Object {"ts":..., "<field>": value, ...} with only the present fields. */
cJSON *reading_to_json(const struct reading *r);
/* Is v plausible for f?  NULL if so, else the reason (in why). */
const char *reading_check(enum reading_field f, double v, char *why, size_t len);

/* --------------------------------------------------------------- decode.c
 * Payload adapters: a static table keyed by format name.  Pure functions,
 * safe to call from any thread.  Return 0 on success; -1 with a short reason
 * in err ("malformed JSON", "field gas_lel: expected number") on rejection;
 * DECODE_IGNORED for a message on one of the device's topics that says
 * nothing about its state (a command, an announcement): it is not evidence
 * that the device is alive.  recv_ms fills ts_ms when the payload carries
 * no usable time.
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
 * scalars (devices send "100.00", "True", "ON"), one range check per field.
 * Each returns 0, or -1 with the reason in err (and out cleared).
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
/*
 * Set field f from item: null or NULL leaves it absent; booleans from
 * bool/0/1/strings, numbers from numbers or numeric strings, times scale
 * (unit conversion), then the range check.  -1 with "field <key>: why".
 */
int dj_set(struct reading *r, enum reading_field f, const cJSON *item,
	   double scale, const char *key, char *err, size_t errlen);
/* A key of a flat JSON object and the field it feeds, times scale. */
struct dj_key {
	const char *key;
	enum reading_field f;
	double scale;
};
/* Every key present in obj into r.  A flag set under either of two keys is
 * set; for a number the earlier key in the table wins.  -1 on a bad value. */
int dj_fields(struct reading *r, const cJSON *obj, const struct dj_key *keys,
	      size_t n, char *err, size_t errlen);
/* Error out, err already written: clear *out, return -1. */
int dj_fail(struct reading *out);
/* Error out: clear *out, format err, return -1. */
int dj_reject(struct reading *out, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------ devindex.c
 * Topic -> device, for every route of every device: a hash table on exact
 * topics plus one on subtree roots (looked up once per level of the
 * topic), so the cost does not grow with the number of devices.  Built
 * once from the config; read-only afterwards (safe from any thread).
 * Stores copies, no pointers into the config.
 */
struct config;
struct devindex;
/* NULL with a reason in err (two devices deriving the same topic, memory). */
struct devindex *devindex_new(const struct config *cfg, char *err, size_t errlen);
void devindex_free(struct devindex *ix);
/* Device index in cfg->devices, or -1; *dec (if not NULL) gets its decoder. */
int  devindex_find(const struct devindex *ix, const char *topic,
		   const struct decoder **dec);
/* The same as the device's config, or NULL. */
const struct device_cfg *devindex_device(const struct devindex *ix,
					 const struct config *cfg, const char *topic);
/* The MQTT subscription filters ("t", "t/#"), one per route. */
int  devindex_n_filters(const struct devindex *ix);
const char *devindex_filter(const struct devindex *ix, int i);

/* ------------------------------------------------------------- config.c */

enum site_kind { SITE_RESTAURANT, SITE_RENTAL_HOUSING, SITE_CHARGING_STATION,
		 SITE_COMMUNITY, SITE_OTHER, SITE_KIND_COUNT };
enum device_kind { DEV_GAS_DETECTOR, DEV_SMOKE_ALARM, DEV_EBIKE_CHARGER,
		   DEV_KIND_COUNT };

extern const char *const site_kind_name[SITE_KIND_COUNT];
extern const char *const device_kind_name[DEV_KIND_COUNT];

/*
 * Rule parameters.  One struct for every kind; each kind uses its own subset
 * (the table in config.c says which keys a kind accepts, their range and
 * default).  A device's "rules" object overrides its kind's values.
 */
struct rule_params {
	double lel_low;         /* %LEL, low alarm (general) */
	double lel_high;        /* %LEL, high alarm (major) */
	double co_low_ppm;      /* CO ppm, low alarm */
	double co_high_ppm;     /* CO ppm, high alarm */
	double hold_s;          /* an analog condition must hold this long */
	double hysteresis_pct;  /* clears below threshold * (1 - pct/100) */
	double battery_low_pct; /* low_battery at or below */
	double max_temp_c;      /* charger_overtemp above */
	double max_current_a;   /* charger_overcurrent above */
	double max_charge_h;    /* overcharge: charging longer than this */
	double charging_w;      /* power above this counts as charging */
};

struct site_cfg {
	char id[ID_MAX];
	enum site_kind kind;
	char name[128];
	char address[256];
	char grid[32];
};

struct device_cfg {
	char id[ID_MAX];
	enum device_kind kind;
	char site[ID_MAX];
	char topic[TOPIC_MAX];
	char format[16];
	int  heartbeat_s;               /* 0 disables offline detection */
	struct rule_params rules;       /* kind defaults merged with overrides */
};

/* GPIO lines (drivers/gpio.c) and interlocks (daemon/interlock.c). */
#define GPIO_CHIP_MAX     64
#define MAX_IL_ACTIONS    8
#define MAX_GPIO_INPUTS   64     /* per gateway; $.gpio.inputs is checked */
enum gpio_bias { GPIO_BIAS_AS_IS = 0, GPIO_BIAS_DISABLED, GPIO_BIAS_PULL_UP,
		 GPIO_BIAS_PULL_DOWN, GPIO_BIAS_COUNT };
enum out_mode { OUT_LATCHED = 0, OUT_FOLLOW, OUT_PULSE, OUT_MODE_COUNT };
extern const char *const gpio_bias_name[GPIO_BIAS_COUNT];
extern const char *const out_mode_name[OUT_MODE_COUNT];

/*
 * A dry-contact input.  Asserted = the contact's logical "on" (the raw
 * level XOR active_low).  An ordinary (normally open) input raises `hazard`
 * on its device while asserted; an nc_supervision input is a normally
 * closed loop: asserted is healthy and an open loop raises detector_fault.
 */
struct gpio_in_cfg {
	char name[ID_MAX];
	char chip[GPIO_CHIP_MAX];       /* "gpiochip0", a path, or a chip label */
	int  line;                      /* offset on the chip */
	bool active_low;
	enum gpio_bias bias;
	int  debounce_ms;               /* level must hold this long to count */
	bool nc_supervision;
	char device[ID_MAX];            /* a configured device */
	int  hazard;                    /* enum hazard_type (declared below) */
	int  severity;                  /* enum severity */
};

struct gpio_out_cfg {
	char name[ID_MAX];              /* "valve_kitchen", "buzzer" */
	char chip[GPIO_CHIP_MAX];
	int  line;
	bool active_low;
	bool safe_on;                   /* level at start and after a reset */
	enum out_mode mode;
	int  pulse_ms;                  /* OUT_PULSE: on time; test duration */
};

struct interlock_cfg {
	int  hazard;                    /* enum hazard_type */
	char device[ID_MAX];            /* "" matches any device */
	char site[ID_MAX];              /* "" matches any site */
	struct {
		int  output;            /* index into config.outputs */
		bool on;
	} action[MAX_IL_ACTIONS];
	int  n_actions;
};

struct config {
	char path[PATH_MAX_HZ];
	struct {
		char id[ID_MAX];
		char district[ID_MAX];
		char grid[32];
	} gateway;
	struct {
		char path[PATH_MAX_HZ];
		int  max_mb;
		int  max_readings;      /* readings table is trimmed to this */
	} storage;
	struct {
		char uri[TOPIC_MAX];
		char client_id[ID_MAX];         /* default "hazardd-<gateway.id>" */
		char username[ID_MAX];
		char password_file[PATH_MAX_HZ];
		int  max_payload;               /* bytes; larger payloads rejected */
		int  queue_len;                 /* intake queue slots */
	} local;
	struct {
		char uris[MAX_URIS][TOPIC_MAX];
		int  n_uris;
		char client_id[ID_MAX];         /* default "hazardd-<gateway.id>" */
		char username[ID_MAX];
		char password_file[PATH_MAX_HZ];
		char ca_file[PATH_MAX_HZ];
		char cert_file[PATH_MAX_HZ];
		char key_file[PATH_MAX_HZ];
		int  inflight;                  /* max unacknowledged publishes */
		int  telemetry_batch;           /* readings per telemetry message */
		int  telemetry_interval_s;      /* flush a partial batch after this */
		int  status_interval_s;         /* periodic status republish */
		bool allow_insecure;            /* plaintext to a non-loopback host */
	} upstream;
	struct {
		char socket[PATH_MAX_HZ];
	} control;
	struct {
		char level[8];                  /* "error" "warn" "info" "debug" */
	} log;
	struct site_cfg   *sites;
	int                n_sites;
	struct device_cfg *devices;
	int                n_devices;
	struct rule_params kind_rules[DEV_KIND_COUNT];
	struct {
		double major_h;
		double general_h;
	} deadlines;
	struct gpio_in_cfg   *inputs;   /* $.gpio.inputs */
	int                   n_inputs;
	struct gpio_out_cfg  *outputs;  /* $.gpio.outputs */
	int                   n_outputs;
	struct interlock_cfg *interlocks;
	int                   n_interlocks;
};

/*
 * Parse and validate a config file.  On success returns 0 and fills *out
 * (release with config_free).  On failure returns -1 and appends one line
 * per problem to errs ("FILE:LINE: $.devices[2].kind: unknown device kind
 * \"gas\""), every problem, not only the first.  errs must be >= 4 KiB.
 */
int  config_load(const char *path, struct config *out, char *errs, size_t errlen);
void config_free(struct config *cfg);
/* A linear scan over configured topics only; messages are routed with
 * devindex.c, which also knows the derived topics. */
const struct device_cfg *config_find_device(const struct config *cfg, const char *id);
const struct site_cfg   *config_find_site(const struct config *cfg, const char *id);

/* --------------------------------------------------------------- rules.c
 * Pure hazard rules: reading in, hazard changes out; no I/O.
 */
enum hazard_type {
	HZ_GAS_LEAK = 0, HZ_SMOKE_ALARM, HZ_CHARGER_OVERTEMP, HZ_CHARGER_OVERCURRENT,
	HZ_OVERCHARGE, HZ_DEVICE_OFFLINE, HZ_LOW_BATTERY, HZ_TAMPER,
	HZ_DETECTOR_FAULT, HZ_TYPE_COUNT
};
enum severity { SEV_GENERAL = 0, SEV_MAJOR };
enum priority { PRIO_URGENT = 0, PRIO_SERIOUS, PRIO_LIGHT, PRIO_SLOW };

extern const char *const hazard_type_name[HZ_TYPE_COUNT];   /* "gas_leak", ... */
extern const char *const severity_name[2];                  /* "general", "major" */
extern const char *const priority_name[4];                  /* "urgent", ... "slow" */
enum priority hazard_priority(enum hazard_type t, enum severity s);

enum change_kind {
	CHG_ACTIVE,     /* condition began (after debounce): raise, or repeat */
	CHG_ESCALATE,   /* still active, severity rose (gas low -> high) */
	CHG_CLEAR       /* condition went away (with hysteresis) */
};

struct hazard_change {
	enum hazard_type type;
	enum change_kind kind;
	enum severity    severity;
	char             detail[96];    /* "gas_lel 62.0 >= lel_high 50" */
};

/* Per device, per hazard type: what the rules remember between readings. */
struct rule_slot {
	bool    active;         /* condition is on (a hazard is raised) */
	enum severity severity; /* severity while active */
	int64_t pending_ms;     /* monotonic time the condition was first seen; 0 none */
	int     pending_level;  /* 1 low, 2 high: level being debounced */
};

struct device_state {
	struct rule_slot slot[HZ_TYPE_COUNT];
	int64_t last_seen_ms;           /* monotonic; offline detection */
	int64_t charging_since_ms;      /* monotonic; 0 = not charging */
	struct reading last;            /* last known value of each field (merged) */
	uint64_t accepted, rejected;    /* messages counted since start */
	uint64_t self_tests;            /* test presses (rising edges of "test") */
	bool    testing;                /* the last message had test: true */
};

#define MAX_CHANGES 16
/* Evaluate one reading at monotonic time now_ms; returns the number of changes. */
int rules_eval(const struct device_cfg *dev, struct device_state *st,
	       const struct reading *r, int64_t now_ms,
	       struct hazard_change *out, int max);
/* Time-driven rules (hold expiry, offline, overcharge); call about once a second. */
int rules_tick(const struct device_cfg *dev, struct device_state *st,
	       int64_t now_ms, struct hazard_change *out, int max);
/* After a restart: an open hazard of this type was found active in the store. */
void rules_restore(struct device_state *st, enum hazard_type t, enum severity s);

/* --------------------------------------------------------------- store.c
 * The single SQLite file (WAL, synchronous=FULL).  Only the loop thread
 * calls these.  Writes happen between store_begin/store_commit so one loop
 * pass is one transaction (group commit).
 */
struct store;

/* Drain order after an outage: most important first. */
enum outbox_class { OB_HAZARD_MAJOR = 0, OB_HAZARD_GENERAL = 1, OB_STATUS = 2,
		    OB_SUMMARY = 3, OB_TELEMETRY = 4,
		    OB_HAZARD = OB_HAZARD_MAJOR };

struct hazard_rec {
	char    id[ID_MAX];             /* stable for the life of the hazard */
	char    device[ID_MAX];
	char    site[ID_MAX];
	enum hazard_type type;
	enum severity    severity;
	enum priority    priority;
	char    state[16];              /* "open", "cleared", "closed" */
	int64_t raised_at_ms;
	int64_t deadline_ms;
	int64_t cleared_at_ms;          /* 0 if not */
	int64_t closed_at_ms;           /* 0 if not */
	int     occurrences;
};

struct outbox_msg {
	int64_t seq;
	char    topic_suffix[32];       /* "hazard", "telemetry", "status" */
	int     cls;
	char   *body;                   /* JSON object text, malloc'd */
};

struct store *store_open(const char *path, char *err, size_t errlen);
void   store_close(struct store *st);
const char *store_epoch(const struct store *st);  /* per-database random id */
int    store_begin(struct store *st);
int    store_commit(struct store *st);
int    store_rollback(struct store *st);

/* Mirror config sites/devices into their tables (upsert; removed ones kept). */
int    store_sync_config(struct store *st, const struct config *cfg);

int    store_put_reading(struct store *st, const char *device,
			 const struct reading *r);
/* Trim the readings table to max_rows (oldest first). */
int    store_trim_readings(struct store *st, int max_rows);
/* Readings with seq > after_seq, up to limit, as a JSON array of
 * {"device":..., reading fields}; *last_seq gets the last seq included. */
int    store_readings_since(struct store *st, int64_t after_seq, int limit,
			    cJSON **out, int64_t *last_seq);
int    store_meta_get_int(struct store *st, const char *key, int64_t *val);
int    store_meta_set_int(struct store *st, const char *key, int64_t val);

/*
 * Apply one rules change for a device: create a hazard (CHG_ACTIVE with no
 * open hazard of that device and type), bump occurrences (CHG_ACTIVE on a
 * cleared one, which reopens it), raise severity (CHG_ESCALATE) or mark it
 * cleared (CHG_CLEAR).  Appends a hazard_events row and returns the event
 * name ("raised", "updated", "escalated", "cleared") in *event, or NULL when
 * nothing changed.  The updated record goes to *rec.  evidence is the
 * reading that caused it (may be NULL for timer-driven changes).
 */
int    store_hazard_apply(struct store *st, const struct device_cfg *dev,
			  const struct hazard_change *chg,
			  const struct reading *evidence,
			  double deadline_h, int64_t now_ms,
			  struct hazard_rec *rec, const char **event);
/* Close (write off) a hazard: only if its state is "cleared". */
int    store_hazard_close(struct store *st, const char *hazard_id,
			  const char *actor, const char *note, int64_t now_ms,
			  struct hazard_rec *rec, char *err, size_t errlen);
int    store_hazard_get(struct store *st, const char *hazard_id, struct hazard_rec *rec);
/* Hazard record as the upstream event body (without v/gateway/msg_id/sent_at). */
cJSON *store_hazard_event_json(struct store *st, const struct hazard_rec *rec,
			       const char *event, int64_t at_ms);
/* Calls fn for every hazard not closed (start-up restore of rules state). */
int    store_foreach_open(struct store *st,
			  void (*fn)(void *ctx, const struct hazard_rec *rec),
			  void *ctx);
/*
 * Disk quota (storage.max_mb): set the hard ceiling, report the bytes in
 * use, and drop the oldest readings, then the oldest telemetry messages,
 * until use is at or below target_bytes.  Hazards and their events are
 * never dropped: returns 1 if only they are left above the target.
 */
int    store_set_quota(struct store *st, int max_mb);
int64_t store_used_bytes(struct store *st);
int    store_make_room(struct store *st, int64_t target_bytes,
		       int64_t *dropped_readings, int64_t *dropped_telemetry);
/* Listings for the control socket. */
cJSON *store_list_hazards(struct store *st, bool open_only);
cJSON *store_hazard_detail(struct store *st, const char *hazard_id); /* with events */

int    store_outbox_put(struct store *st, const char *topic_suffix, int cls,
			const char *body, int64_t *seq_out);
/* A hazard event: also lifts that hazard's pending events into cls, so a
 * hazard's events drain in the order they happened whatever their class. */
int    store_outbox_put_hazard(struct store *st, const char *hazard_id, int cls,
			       const char *body, int64_t *seq_out);
/* Up to max messages, best class first and oldest first within a class,
 * leaving out the seqs in skip (in flight).  Returns the number filled. */
int    store_outbox_next(struct store *st, const int64_t *skip, int n_skip,
			 struct outbox_msg *out, int max);
void   outbox_msg_free(struct outbox_msg *m);
int    store_outbox_delete(struct store *st, int64_t seq);
int64_t store_outbox_count(struct store *st);


/* --------------------------------------------------------------- queue.c
 * The bounded hand-over queue between Paho's receive thread and the loop.
 * Pushing copies the message and wakes the loop through an eventfd.
 */
struct msg {
	char    *topic;
	char    *payload;       /* NUL-terminated copy; NULL if oversized */
	size_t   len;           /* payload length as received */
	int64_t  recv_ms;       /* wall clock at receipt */
	bool     oversized;     /* payload over local.max_payload, not copied */
};
struct msgq;
/* cap: slots for ordinary messages; alarms may use cap again on top. */
struct msgq *msgq_new(int cap, int wake_fd);
void msgq_free(struct msgq *q);
enum msgq_admit { MSGQ_NORMAL, MSGQ_ALARM };
/* 0 queued; -1 dropped (queue full and not an alarm, or no memory);
 * -2 full even for alarms: the caller must not acknowledge the message. */
int  msgq_push(struct msgq *q, const char *topic, const void *payload, size_t len,
	       size_t max_payload, int64_t recv_ms, enum msgq_admit admit);
int  msgq_pop(struct msgq *q, struct msg *out, int max);   /* loop thread */
int  msgq_depth(struct msgq *q);
bool msgq_full(struct msgq *q);
void msg_free(struct msg *m);

/* ------------------------------------------------------------ mqtt_link.c
 * One Paho async client with its connection state machine: connect to the
 * first URI that answers, reconnect from the loop with backoff and jitter,
 * report state changes through the wake fd.  Used by the intake and uplink.
 */
enum link_state { LINK_DOWN = 0, LINK_CONNECTING, LINK_UP };

struct mqtt_link {
	void   *client;                 /* MQTTAsync */
	char    name[16];               /* "local" / "upstream", for logs */
	char    uris[MAX_URIS][TOPIC_MAX];
	int     n_uris;
	char    client_id[ID_MAX];
	char    username[ID_MAX];
	char   *password;               /* secret: never logged */
	char    ca_file[PATH_MAX_HZ], cert_file[PATH_MAX_HZ], key_file[PATH_MAX_HZ];
	bool    clean_session;
	char    will_topic[TOPIC_MAX];
	char   *will_payload;           /* retained QoS 1 last will, or NULL */
	int     wake_fd;
	/* called on Paho's thread once connected (subscribe, birth message) */
	void  (*on_up)(void *ctx);
	void  (*on_down)(void *ctx);
	int   (*on_message)(void *ctx, char *topic, int topic_len, void *msg);
	void   *ctx;
	/* shared with Paho's threads */
	_Atomic int      state;
	_Atomic int64_t  next_attempt_ms;
	_Atomic unsigned failures;
	_Atomic int      last_rc;
	char    connected_uri[TOPIC_MAX];
	_Atomic unsigned epoch;         /* bumped on every connect/loss */
	/* loop thread only */
	struct complaint complaint;
	unsigned logged_epoch;
};

int  mqtt_link_init(struct mqtt_link *l, char *err, size_t errlen);
void mqtt_link_tick(struct mqtt_link *l, int64_t now_mono_ms);
void mqtt_link_destroy(struct mqtt_link *l, int timeout_ms);
bool mqtt_link_up(struct mqtt_link *l);
/* Read a password file, strip the trailing newline. NULL if path empty. */
int  mqtt_link_read_password(struct mqtt_link *l, const char *path, char *err,
			     size_t errlen);

/* ------------------------------------------------------- mqtt_intake.c
 * The local broker session: persistent (clean session off, stable client
 * id), QoS 1 subscriptions to every device topic, reconnect with backoff
 * and jitter driven from the loop.
 */
struct intake;
struct intake *intake_new(const struct config *cfg, struct msgq *q, int wake_fd,
			  char *err, size_t errlen);
void intake_free(struct intake *in);            /* disconnects */
void intake_tick(struct intake *in, int64_t now_mono_ms);  /* (re)connects */
bool intake_connected(struct intake *in);
uint64_t intake_dropped(struct intake *in);     /* telemetry dropped, queue full */

/* --------------------------------------------------------------- uplink.c
 * The district link: publishes the outbox in order with QoS 1 and a
 * bounded in-flight window; a row leaves the outbox only on PUBACK.
 */
struct uplink;
struct uplink *uplink_new(const struct config *cfg, const char *epoch, int wake_fd,
			  char *err, size_t errlen);
void uplink_free(struct uplink *up);
/* (Re)connects; true when the link has just come up (publish the birth). */
bool uplink_tick(struct uplink *up, int64_t now_mono_ms);
bool uplink_connected(struct uplink *up, char *uri, size_t urilen);
/* Publish outbox rows while the window has room. */
int  uplink_pump(struct uplink *up, struct store *st);
/* Collect acknowledged outbox seqs (to delete); returns count. */
int  uplink_take_acks(struct uplink *up, int64_t *seqs, int max);
int  uplink_inflight(struct uplink *up);
uint64_t uplink_published(struct uplink *up);
/* Publish a retained status message now (not through the outbox). */
int  uplink_publish_status(struct uplink *up, const char *state, cJSON *extra);
/* Wait up to timeout_ms for in-flight messages, then disconnect. */
void uplink_shutdown(struct uplink *up, int timeout_ms);
/* "hz/v1/<district>/<gateway>/<suffix>" */
void uplink_topic(const struct config *cfg, const char *suffix, char *buf, size_t len);

/* ------------------------------------------------------- drivers/gpio.c
 * Dry-contact inputs and relay outputs on GPIO lines.  The line I/O goes
 * through a backend (libgpiod 1.6 in production, a fake in unit tests);
 * this file adds polarity, software debounce and the start-up read.  Only
 * the loop thread calls it.
 */
struct pollfd;
struct gpio_edge {
	int     level;                  /* raw level after the edge: 0 or 1 */
	int64_t ts_ns;                  /* kernel timestamp, CLOCK_MONOTONIC */
};

struct gpio_backend {
	const char *name;
	/* handles are opaque; NULL with a reason in err on failure */
	void *(*request_input)(const char *chip, int line, enum gpio_bias bias,
			       char *err, size_t errlen);
	void *(*request_output)(const char *chip, int line, int level,
				char *err, size_t errlen);
	int   (*fd)(void *h);           /* pollable edge fd; -1: read every pass */
	int   (*get)(void *h);          /* raw level, -1 on error */
	int   (*set)(void *h, int level);
	/* drain pending edges (non-blocking): count, 0 none, -1 error */
	int   (*read_edges)(void *h, struct gpio_edge *ev, int max);
	void  (*release)(void *h);
};
extern const struct gpio_backend gpio_backend_libgpiod;

/* An input whose debounced state changed. */
struct gpio_change {
	int     input;                  /* index into config.inputs */
	bool    asserted;               /* contact's logical "on" */
	int64_t edge_ns;                /* monotonic time of the edge that started it */
};

struct gpio;
/* Requests every input (both edges) and output (at out_on[i], logical). */
struct gpio *gpio_new(const struct config *cfg, const struct gpio_backend *be,
		      const bool *out_on, char *err, size_t errlen);
void gpio_free(struct gpio *g);
int  gpio_pollfds(struct gpio *g, struct pollfd *pfd, int max);
/*
 * Read the edges behind the pollfds filled above (and of fd-less lines),
 * then promote levels that held for debounce_ms.  now_ns: CLOCK_MONOTONIC.
 * Returns the number of changes written to out.
 */
int  gpio_collect(struct gpio *g, const struct pollfd *pfd, int n, int64_t now_ns,
		  struct gpio_change *out, int max);
/* Start-up: read every input's level as its state (it held while we were
 * away); one change per input, asserted or not. */
int  gpio_read_all(struct gpio *g, int64_t now_ns, struct gpio_change *out, int max);
/* CLOCK_MONOTONIC ms at which a pending debounce completes; INT64_MAX none */
int64_t gpio_next_due_ms(const struct gpio *g);
int  gpio_output_write(struct gpio *g, int output, bool on);
bool gpio_input_asserted(const struct gpio *g, int input);
/* Whether the input's hazard is on: asserted for a normally open contact,
 * NOT asserted (loop open) for an nc_supervision loop. */
bool gpio_hazard_on(const struct gpio_in_cfg *in, bool asserted);
int64_t now_mono_ns(void);

/* --------------------------------------------------------- interlock.c
 * Hazard -> output actions.  Outputs move before anything is written, and
 * the hazard event records what was done.  Latched actions hold until an
 * operator resets the output; the latch is persisted ("latch:<name>").
 */
struct interlock;
typedef int (*interlock_write_fn)(void *ctx, int output, bool on);
struct interlock *interlock_new(const struct config *cfg);
void interlock_free(struct interlock *il);
/* Latches from the database, before the outputs are requested. */
void interlock_load(struct interlock *il, struct store *st);
/* The level an output must start at: safe state, or its restored latch. */
bool interlock_initial_on(const struct interlock *il, int output);
/* Where writes go (gpio_output_write in the daemon); re-drives latches. */
void interlock_attach(struct interlock *il, interlock_write_fn fn, void *ctx);
/*
 * One hazard change: drive every matching action now.  Returns a JSON
 * array describing what was done ({"output","set","at","result"}), or NULL
 * when no rule matched.  Caller owns it.
 */
cJSON *interlock_on_change(struct interlock *il, const struct device_cfg *dev,
			   const struct hazard_change *chg, int64_t now_wall_ms,
			   int64_t now_mono_ms);
/* Pulses and tests that end: call each pass. */
void interlock_tick(struct interlock *il, int64_t now_mono_ms);
int64_t interlock_next_due_ms(const struct interlock *il);
/* Write changed latches to the store (inside the caller's transaction). */
int  interlock_persist(struct interlock *il, struct store *st);
int  interlock_find(const struct interlock *il, const char *name);
/* The hazard that latched an output (device id, type); false if none. */
bool interlock_cause(const struct interlock *il, int output, const char **device,
		     int *type);
/* Operator reset: back to the safe state, latch cleared. */
int  interlock_reset(struct interlock *il, int output, const char *actor,
		     int64_t now_wall_ms, char *err, size_t errlen);
/* Self-check: drive to the non-safe level for pulse_ms, then back. */
int  interlock_test(struct interlock *il, int output, int64_t now_wall_ms,
		    int64_t now_mono_ms, char *err, size_t errlen);
cJSON *interlock_outputs_json(const struct interlock *il);
uint64_t interlock_self_tests(const struct interlock *il);
uint64_t interlock_write_errors(const struct interlock *il);

/* ------------------------------------------------------------- hazardd.c
 * The daemon's run-time state, owned by the loop thread.  control.c reads
 * it to answer hazardctl.
 */
struct counters {
	uint64_t received;              /* messages handed over by the intake */
	uint64_t accepted;              /* decoded and evaluated */
	uint64_t rejected;              /* malformed, wrong type, oversized */
	uint64_t unknown_topic;         /* no device configured for the topic */
	uint64_t dropped_queue_full;    /* telemetry dropped, intake queue full */
	uint64_t hazard_events;         /* hazard events committed */
	uint64_t published;             /* upstream publishes started */
	uint64_t acked;                 /* upstream PUBACKs (outbox rows deleted) */
	uint64_t store_errors;          /* failed commits (retried) */
	uint64_t quota_dropped_readings;  /* oldest readings dropped for max_mb */
	uint64_t quota_dropped_telemetry; /* oldest telemetry messages dropped */
};

struct daemon {
	struct config       *cfg;
	struct store        *store;
	struct device_state *dev_state; /* parallel to cfg->devices */
	struct counters      cnt;
	bool    local_connected;
	bool    upstream_connected;
	char    upstream_uri[TOPIC_MAX]; /* the node connected to, if any */
	int64_t started_wall_ms;
	int64_t outbox_depth;           /* refreshed each loop pass */
	int     intake_queue_depth;
	/* GPIO and interlocks: NULL when none are configured */
	struct gpio         *gpio;
	struct interlock    *il;
	uint64_t gpio_changes;          /* debounced input changes */
	/* edge (once debounced) to output written, last IL_LAT_N, microseconds */
#define IL_LAT_N 1024
	uint32_t il_lat_us[IL_LAT_N];
	uint64_t il_lat_count;
};

/* status as JSON (links, depths, counters), for hazardctl and upstream */
cJSON *daemon_status_json(struct daemon *d);
/* Close a hazard (write-off) and queue its "closed" event upstream. */
int daemon_close_hazard(struct daemon *d, const char *hazard_id, const char *actor,
			const char *note, char *err, size_t errlen);

/* -------------------------------------------------------------- notify.c
 * systemd's sd_notify protocol; every call is a no-op without NOTIFY_SOCKET.
 */
void notify_init(void);                         /* reads WATCHDOG_USEC */
void notify_ready(const struct daemon *d);      /* READY=1 and a first STATUS= */
/* Each loop pass: WATCHDOG=1 at half the interval, STATUS= on a link change
 * and every 10 s. */
void notify_tick(const struct daemon *d, int64_t mono_ms);
/* timeout_ms shortened so poll() wakes for the next watchdog ping */
int  notify_timeout_ms(int64_t mono_ms, int timeout_ms);
void notify_stopping(void);                     /* STOPPING=1 */

/* ------------------------------------------------------------- control.c
 * The Unix control socket (mode 0660): one JSON request per line, one JSON
 * reply per line.  Requests: {"cmd":"status"}, {"cmd":"devices"},
 * {"cmd":"hazards","open":true}, {"cmd":"hazard","id":"..."},
 * {"cmd":"close","id":"...","note":"...","actor":"..."}.
 * Replies: {"ok":true,"result":...} or {"ok":false,"error":"..."}.
 */
struct pollfd;
struct control;
struct control *control_open(const char *path, char *err, size_t errlen);
void control_close(struct control *c);   /* closes clients, unlinks the socket */
/* Fill up to max pollfds (listener plus clients); returns the count used. */
int  control_pollfds(struct control *c, struct pollfd *pfd, int max);
/* Act on the pollfds filled above after poll() returned. */
void control_handle(struct control *c, const struct pollfd *pfd, int n,
		    struct daemon *d);

#endif /* HAZARDD_H */
