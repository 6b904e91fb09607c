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
#include <sys/types.h>

#include <cJSON.h>

#include "core/types.h"
#include "core/record.h"

#define HAZARDD_VERSION "0.1.0"

#define ID_MAX      64      /* ids: gateway, site, device, hazard, msg */
#define TOPIC_MAX   256
#define PATH_MAX_HZ 512
#define MAX_URIS    8
#define SUMMARY_ZONE_MAX 64 /* summary.timezone, bytes */
#define HZ_TYPES_MAX 16     /* >= HZ_TYPE_COUNT, for per-type config tables */

/* ---------------------------------------------------------------- log.c */

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
/* "error" "warn" "info" "debug"; -1 for anything else. */
int  log_level_from_name(const char *name);
/* -v on the command line wins over log.level, at start and on reload. */
void log_pin_level(void);
/* log.level from the config, unless pinned. */
void log_set_config_level(const char *name);
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
	bool     logged;        /* this episode was reported (not a silent flap) */
	uint64_t flaps;         /* recoveries and relapses inside one backoff */
	int64_t  released_ms;   /* monotonic time of the last recovery */
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

/* --------------------------------------------------------- secret_file.c */
/* Why a key or password file with this mode and owner must not be trusted
 * (NULL: it may).  reader: the uid that reads it; other_ok: one more
 * acceptable owner (the daemon user at --check-config), or -1. */
const char *secret_stat_problem(unsigned mode, unsigned owner, unsigned reader,
				unsigned other_ok);
/* Open without following a symlink or blocking on a FIFO, and apply the
 * rules above; err names the key ("what") and the file. */
int   secret_check(const char *what, const char *path, unsigned other_ok,
		   char *err, size_t errlen);
char *secret_read(const char *what, const char *path, size_t max_len,
		  size_t *len_out, char *err, size_t errlen);
/* Every secret the config names; missing_ok: a file that is not there yet
 * is left to start-up (--check-config on a build machine). */
struct config;
int   secret_check_config(const struct config *cfg, bool missing_ok, char *err,
			  size_t errlen);
/* One UTF-8 character at s (n bytes available): its length in bytes and
 * *cp, or 0 when the bytes there are not valid UTF-8 (overlong forms,
 * surrogates, beyond U+10FFFF and cut sequences are not). */
size_t utf8_char(const char *s, size_t n, uint32_t *cp);
/* Is this a control character: C0 (U+0000..U+001F), DEL or C1 (U+0080..U+009F)? */
bool char_is_control(uint32_t cp);
/*
 * Free text a person or the platform sends (notes, actors, evidence,
 * reasons): NULL when s is valid UTF-8 without control characters, else
 * why not, to follow the member's name in an error ("is not valid UTF-8",
 * "holds control characters").  Every front-end (control socket, platform
 * commands) refuses such text with this one check.
 */
const char *text_check(const char *s);

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
	RF_GAS_PPM,     /* combustible gas in ppm; rules convert it to %LEL by the
			 * detector's gas (on a CO detector it is CO ppm) */
	RF_CO,          /* bool: carbon monoxide alarm flag ("carbon_monoxide") */
	RF_COUNT
};

struct reading {
	int64_t  ts_ms;                 /* device time if sent, else receive time */
	uint32_t present;               /* bit (1u << RF_x) set when val[x] valid */
	uint32_t bad;                   /* bit set: a value sent for the field was
					 * unusable (wrong type, unknown enum value,
					 * impossible value, duplicate key); that
					 * value is left out.  The field may still be
					 * present from another key or, for a
					 * duplicate, as its more alarming value. */
	uint32_t over;                  /* bit set: val[x] saturated at its range
					 * limit (over-range: kept as evidence) */
	double   val[RF_COUNT];
};

extern const char *const reading_field_name[RF_COUNT]; /* "alarm", "gas_lel", ... */
extern const bool reading_field_is_bool[RF_COUNT];

static inline bool reading_has(const struct reading *r, enum reading_field f)
{ return (r->present >> f) & 1u; }
static inline void reading_set(struct reading *r, enum reading_field f, double v)
{ r->val[f] = v; r->present |= 1u << f; }

static inline void reading_mark_bad(struct reading *r, enum reading_field f)
{ r->bad |= 1u << f; }

/* Object {"ts":..., "<field>": value, ..., "over_range": ["gas_lel"]} with
 * only the present fields; over_range only when a present field is marked. */
cJSON *reading_to_json(const struct reading *r);
/*
 * Check v for f, per field (never per message):
 *   RCHECK_OK    plausible, keep it;
 *   RCHECK_OVER  above the sensor's full scale (%LEL, battery %, ppm):
 *                *v is saturated at the limit, keep it and mark it over:
 *                a saturated gas sensor is the strongest evidence there is;
 *   RCHECK_BAD   impossible (not finite, below the physical minimum such as
 *                a negative %LEL or battery, below absolute zero, or beyond
 *                1e9 on a scale without a full scale): leave it out, the
 *                reason in why.
 */
enum rcheck { RCHECK_BAD = -1, RCHECK_OK = 0, RCHECK_OVER = 1 };
int reading_check(enum reading_field f, double *v, char *why, size_t len);
/* The full scale of f, or 0 when it has none (power, temperature...). */
double reading_max(enum reading_field f);

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
/* A gas detector's gas: sets the ppm -> %LEL factor and, for CO, the
 * alarm type (co_alarm with its own ppm thresholds). */
enum gas_kind { GAS_NATURAL = 0, GAS_LPG, GAS_CO, GAS_KIND_COUNT };
extern const char *const gas_kind_name[GAS_KIND_COUNT]; /* "natural_gas", "lpg", "co" */

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
	double max_power_w;     /* charger_overpower above; 0: off */
	double unreadable_n;    /* payload_unreadable after this many
				 * unparseable payloads in a row; 0: off */
	/* flapping (rules.c): a condition back within flap_window_s of its
	 * last end for the flap_count-th time in a row stays one record
	 * until it has been off for settle_s; flap_count 0: off */
	double flap_window_s;
	double flap_count;
	double settle_s;
	unsigned file_set;      /* bit per config.c rule_defs row: the file
				 * set it (hazardctl rules: its source) */
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
	int  confirm_s;                 /* a device command must be confirmed within */
	enum gas_kind gas;              /* gas detectors: natural_gas unless set */
	bool relay;                     /* it has a relay that commands may switch
					 * (chargers and plugs: yes; detectors: only
					 * if the config says "relay": true) */
	int  gen;                       /* Shelly generation 1 or 2 (0: not Shelly) */
	struct {
		double rate_per_s;      /* 0: no limit */
		int    burst;
	} flood;                        /* $.flood, or the device's own "flood" */
	/* rules as the file set them, before platform overrides
	 * (rule_overrides.c keeps them so an override can be removed) */
	struct rule_params file_rules;
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
		bool to_device;         /* a device command instead of an output */
		int  device;            /* index into config.devices */
		bool latch;             /* device: held (and re-sent) until reset */
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
		char command_key_file[PATH_MAX_HZ]; /* HMAC key for downlink commands */
		int  command_window_s;          /* accepted command ts: now +- this */
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
		double recurrence_window_h;     /* watched after a close; 0: off */
		/* $.deadlines.types: per hazard type; 0: the severity's above */
		double type_major_h[HZ_TYPES_MAX];
		double type_general_h[HZ_TYPES_MAX];
	} deadlines;
	struct gpio_in_cfg   *inputs;   /* $.gpio.inputs */
	int                   n_inputs;
	struct gpio_out_cfg  *outputs;  /* $.gpio.outputs */
	int                   n_outputs;
	struct interlock_cfg *interlocks;
	int                   n_interlocks;
	struct {
		double rate_per_s;      /* per device; 0: no flood control */
		int    burst;
	} flood;
	struct {
		bool enabled;           /* list senders not in the config */
		int  max_entries;
	} discovery;
	struct {
		char user[ID_MAX];      /* drop to this user when started as root; "" stay */
	} daemon;
	unsigned char priority[HZ_TYPES_MAX][2]; /* $.priorities, see CFG_PRIORITY */
	struct {
		char time[8];                   /* "HH:MM", local */
		int  minutes;                   /* the same, after midnight */
		char timezone[SUMMARY_ZONE_MAX]; /* under /usr/share/zoneinfo */
	} summary;
	/* where hazards come from and how they are graded (records.c; the
	 * built-in defaults of core/record.c where a *_set is false) */
	struct {
		struct raise_rule raise[16];    /* alarms that are hazards at once */
		int  n_raise;
		bool raise_set;
		struct grade_rule grading[32];  /* before the built-in table */
		int  n_grading;
		bool recurrence_set;
		int  recurrence_count;          /* records of a type at a device ... */
		double recurrence_window_h;     /* ... within this: a hazard */
		bool fault_limit_set[HZ_TYPES_MAX];
		double fault_limit_h[HZ_TYPES_MAX]; /* a fault active this long */
	} records;
	/* kind rules as the file set them (rule_overrides.c); valid once
	 * file_rules_saved, with each device's file_rules */
	struct rule_params file_kind_rules[DEV_KIND_COUNT];
	bool file_rules_saved;
	/* $.rule_overrides.allow_widen: may set-rules make a rule less
	 * sensitive than the file's value?  false unless the file says so */
	bool overrides_allow_widen;
};

/* $.priorities: the class of a type by severity, stored as class + 1 so
 * that 0 (a config built in code) means the built-in hazard_priority(). */
#define CFG_PRIORITY(cfg, t, sev) ((cfg)->priority[(t)][(sev)])

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
/* One rule parameter set from outside the file (platform set-rules),
 * checked against the file's key table and ranges; 0 or -1 with err. */
int config_rule_set(struct rule_params *rp, enum device_kind kind, const char *key,
		    double v, char *err, size_t errlen);
/* The value of key in rp; -1 with err if key does not apply to kind. */
int config_rule_get(const struct rule_params *rp, enum device_kind kind, const char *key,
		    double *v, char *err, size_t errlen);
/* 1 (with err naming the key) if a value in now is less sensitive than
 * in file: a higher threshold, a lower battery level; a rule the file
 * turned off (0) may be turned on.  0 otherwise. */
int config_rule_widens(const struct rule_params *file, const struct rule_params *now,
		       enum device_kind kind, char *err, size_t errlen);
/* The rule keys kind accepts, in table order, into keys[max]; the count. */
int config_rule_keys(enum device_kind kind, const char **keys, int max);
/* Whether the file (kind or device level) set key in rp. */
bool config_rule_from_file(const struct rule_params *rp, const char *key);
/* high levels above low ones (lel_high > lel_low ...) on merged values */
int config_rule_check_pairs(const struct rule_params *rp, enum device_kind kind,
			    char *err, size_t errlen);

/* --------------------------------------------------------------- rules.c
 * Pure hazard rules: reading in, hazard changes out; no I/O.
 */
/* hazard_type, severity, priority and their names: core/types.h */


/* enum change_kind, struct hazard_change: core/types.h */

/*
 * Per device, per hazard type: what the rules remember between readings.
 * active is what the records and interlocks see.  While flapping, active
 * stays true through the condition's short ends: off_since_ms is when the
 * condition last went off (0: it is on), and the clear goes out only once
 * it has stayed off for settle_s (rules_tick).
 */
struct rule_slot {
	bool    active;         /* condition is on (a hazard is raised) */
	enum severity severity; /* severity while active */
	int64_t pending_ms;     /* monotonic time the condition was first seen; 0 none */
	int     pending_level;  /* 1 low, 2 high: level being debounced */
	int64_t cleared_ms;     /* monotonic time of the last clear; 0 none */
	int     onsets;         /* onsets in a row, each within flap_window_s
				 * of the clear before it */
	bool    flapping;       /* the record takes onsets as a count */
	int64_t off_since_ms;   /* flapping: condition off since; 0 on */
	int     folded;         /* flapping: onsets folded into the record */
};

struct device_state {
	struct rule_slot slot[HZ_TYPE_COUNT];
	int64_t last_seen_ms;           /* monotonic; offline detection */
	int64_t charging_since_ms;      /* monotonic; 0 = not charging */
	struct reading last;            /* last known value of each field (merged) */
	uint64_t accepted, rejected;    /* messages counted since start */
	uint64_t self_tests;            /* test presses (rising edges of "test") */
	bool    testing;                /* the last message had test: true */
	uint64_t flood_dropped;         /* over its rate, dropped before the queue */
	/* the deadline clock of the hazard of each type raised during this
	 * run: its raised_at (wall, to recognise it) and the monotonic time
	 * it was raised, so a wall-clock jump moves no deadline */
	int64_t hz_raised_wall_ms[HZ_TYPE_COUNT];
	int64_t hz_raised_mono_ms[HZ_TYPE_COUNT];
	bool    heard;                  /* a report accepted, in this run or an
					 * earlier one (presence.c): not never_seen */
	/* per-field validation: values left out (wrong type, unknown enum,
	 * impossible) per field, and over-range values kept saturated */
	uint64_t field_bad[RF_COUNT];
	uint64_t over_range;
	struct complaint field_complaint;  /* the log backoff for field_bad */
	uint64_t unreadable_run;        /* unparseable payloads in a row */
};

#define MAX_CHANGES 16
/* Evaluate one reading at monotonic time now_ms; returns the number of changes. */
int rules_eval(const struct device_cfg *dev, struct device_state *st,
	       const struct reading *r, int64_t now_ms,
	       struct hazard_change *out, int max);
/* Time-driven rules (hold expiry, offline, overcharge); call about once a second. */
int rules_tick(const struct device_cfg *dev, struct device_state *st,
	       int64_t now_ms, struct hazard_change *out, int max);
/* A payload of this device could not be parsed at all: after unreadable_n
 * in a row, payload_unreadable (CHG_ACTIVE).  rules_eval, which every
 * readable payload goes through, ends the run and clears it. */
int rules_unreadable(const struct device_cfg *dev, struct device_state *st,
		     int64_t now_ms, struct hazard_change *out, int max);
/* ppm of the detector's gas per %LEL (methane 500, LPG 210); 0 for CO. */
double rules_ppm_per_lel(enum gas_kind gas);
/* After a restart: an open hazard of this type was found active in the
 * store; flapping: its record is marked flapping (it stays one record). */
void rules_restore(struct device_state *st, enum hazard_type t, enum severity s,
		   bool flapping);

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
	char    state[16];              /* one of its kind's states (core/record.c) */
	int64_t raised_at_ms;
	int64_t deadline_ms;
	int64_t cleared_at_ms;          /* 0 if not */
	int64_t closed_at_ms;           /* 0 if not */
	int     occurrences;
	int64_t acked_at_ms;            /* 0 if not */
	int64_t rectifying_at_ms;       /* 0 if not */
	bool    overdue;                /* past its deadline ("escalated" sent) */
	int64_t escalated_at_ms;        /* when it became overdue; 0 if not */
	char    recurrence_of[ID_MAX];  /* earlier closed hazard; "" none */
	bool    clock_trusted;          /* false: raised before the clock was */
	enum record_kind kind;          /* alarm, fault or hazard (core/record.h) */
	enum verdict verdict;           /* alarms: real, false, test; or none */
	int64_t verified_at_ms;         /* 0 if not */
	char    reason[16];             /* hazards: hazard_reason_name[]; "" unknown */
	char    source[ID_MAX];         /* hazards: the alarm or fault behind it */
	bool    flapping;               /* its condition flaps (rules.c): later
					 * onsets are counted, not new records;
					 * false again once it ends */
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
/* Why this open gave the database a new epoch (its history went back: a
 * restored backup, a lost WAL) or found it missing or empty where one
 * existed; NULL when its history is intact.  For the log and upstream. */
const char *store_history_fault(const struct store *st);
int    store_begin(struct store *st);
int    store_commit(struct store *st);
int    store_rollback(struct store *st);

/* Mirror config sites/devices into their tables (upsert; removed ones kept). */
int    store_sync_config(struct store *st, const struct config *cfg);

int    store_put_reading(struct store *st, const char *device,
			 const struct reading *r);
/* Trim the readings table to max_rows (oldest first). */
int    store_trim_readings(struct store *st, int max_rows);
/* Any reading of device kept: 1 yes, 0 no (a full scan when none). */
int    store_device_has_readings(struct store *st, const char *device);
/* Readings with seq > after_seq, up to limit, as a JSON array of
 * {"device":..., reading fields}; *last_seq gets the last seq included. */
int    store_readings_since(struct store *st, int64_t after_seq, int limit,
			    cJSON **out, int64_t *last_seq);
int    store_meta_get_int(struct store *st, const char *key, int64_t *val);
int    store_meta_set_int(struct store *st, const char *key, int64_t val);
/* Text values (JSON): *val malloc'd, or NULL when the key is absent. */
int    store_meta_get_text(struct store *st, const char *key, char **val);
int    store_meta_set_text(struct store *st, const char *key, const char *val);

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
 * then the copies of delivered record events kept for resends, then the
 * events of finished records that no report needs (store_trim.c), until
 * use is at or below target_bytes.  Records themselves are never dropped:
 * returns 1 if only they are left above the target.
 */
int    store_set_quota(struct store *st, int max_mb);
int64_t store_used_bytes(struct store *st);
int    store_make_room(struct store *st, int64_t target_bytes,
		       int64_t *dropped_readings, int64_t *dropped_telemetry,
		       int64_t *dropped_events);
/* Listings for the control socket. */
cJSON *store_list_hazards(struct store *st, bool open_only);
cJSON *store_hazard_detail(struct store *st, const char *hazard_id); /* with events */

int    store_outbox_put(struct store *st, const char *topic_suffix, int cls,
			const char *body, int64_t *seq_out);
/* A hazard event: also lifts that hazard's pending events into cls, so a
 * hazard's events drain in the order they happened whatever their class. */
int    store_outbox_put_hazard(struct store *st, const char *hazard_id, int cls,
			       const char *body, int64_t *seq_out);
/* The same on topic suffix "alarm", "fault" or "hazard". */
int    store_outbox_put_record(struct store *st, const char *suffix, const char *record_id,
			       int cls, const char *body, int64_t *seq_out);
/* Up to max messages, best class first and oldest first within a class,
 * leaving out the seqs in skip (in flight).  Returns the number filled. */
/* The best rows to send, leaving out skip[] (in flight) and done (acknowledged
 * rows whose delete has not reached the disk; may be NULL). */
struct seqset;
int    store_outbox_next(struct store *st, const int64_t *skip, int n_skip,
			 const struct seqset *done, struct outbox_msg *out, int max);
void   outbox_msg_free(struct outbox_msg *m);
int    store_outbox_delete(struct store *st, int64_t seq);
int64_t store_outbox_count(struct store *st);
/* Queue acknowledged hazard events with seq >= from_seq again (up to max,
 * oldest first) under their original seqs, so their msg_ids repeat. */
int    store_outbox_resend(struct store *st, int64_t from_seq, int max,
			   int64_t *queued);
/* Keep only the newest acknowledged hazard events for resends. */
int    store_trim_sent(struct store *st);


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
/* Reload: take ix (built from cfg; owned from now on) as the routing
 * index, subscribe to the filters it adds and unsubscribe from those it
 * drops on the same session.  Cannot fail; a failed (un)subscribe is
 * logged and the next connect subscribes again.  Loop thread. */
void intake_reconfigure(struct intake *in, const struct config *cfg,
			struct devindex *ix);
/* A device command, QoS 1 on the local session; -1 while not connected. */
int  intake_publish(struct intake *in, const char *topic, const char *payload);
/* True once per new connection (loop thread): re-send latched commands. */
bool intake_reconnected(struct intake *in);
struct flood *intake_flood(struct intake *in);  /* NULL: no flood control */

/* --------------------------------------------------------------- seqset.c
 * A bounded, sorted set of outbox seqs (lookup by bisection).  Adding to a
 * full set returns -1 and changes nothing.
 */
struct seqset *seqset_new(int cap);
void seqset_free(struct seqset *s);
bool seqset_has(const struct seqset *s, int64_t seq);
int  seqset_add(struct seqset *s, int64_t seq);
void seqset_remove(struct seqset *s, int64_t seq);
int  seqset_count(const struct seqset *s);
int  seqset_cap(const struct seqset *s);
const int64_t *seqset_items(const struct seqset *s);     /* ascending */
void seqset_clear(struct seqset *s);

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
/* Acknowledged rows whose delete did not reach the disk: never sent again in
 * this run (pump skips them); while the set plus the window would exceed its
 * bound, pump sends no further outbox rows.  Returns how many could not be
 * remembered (counted; such a row may be sent once more later). */
int  uplink_keep_acked(struct uplink *up, const int64_t *seqs, int n);
/* The remembered rows (ascending), to delete again once writes work. */
const int64_t *uplink_kept(struct uplink *up, int *n);
/* Their deletes committed: forget them all. */
void uplink_kept_deleted(struct uplink *up);
uint64_t uplink_kept_overflow(struct uplink *up);
int  uplink_inflight(struct uplink *up);
uint64_t uplink_published(struct uplink *up);
/* Publish a retained status message now (not through the outbox). */
int  uplink_publish_status(struct uplink *up, const char *state, cJSON *extra);
/* Wait up to timeout_ms for in-flight messages, then disconnect. */
void uplink_shutdown(struct uplink *up, int timeout_ms);
/* Downlink: subscribe to <prefix>/cmd/+ (QoS 1) on every connect and push
 * commands into dl's queue; call before the first uplink_tick. */
struct downlink;
void uplink_set_downlink(struct uplink *up, struct downlink *dl);
/* Shutting down: commands are no longer taken (nor acknowledged), so the
 * broker keeps them for the next session. */
void uplink_close_commands(struct uplink *up);
/* A JSON object body published now, QoS 1, not stored (msg_id "<epoch>-d..."). */
int  uplink_publish_direct(struct uplink *up, const char *suffix, const char *body);
/* "hz/v1/<district>/<gateway>/<suffix>" */
void uplink_topic(const struct config *cfg, const char *suffix, char *buf, size_t len);

/* ------------------------------------------------------- drivers/gpio.c
 * Dry-contact inputs and relay outputs on GPIO lines.  The line I/O goes
 * through a backend (libgpiod 1.6 in production, a fake in unit tests);
 * this file adds polarity, software debounce and the start-up read.  The
 * GPIO thread and the loop call it, always under the GPIO lock while the
 * thread runs (daemon/gpio_thread.c).
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
/*
 * Reload: move to cfg's lines.  An input or output with the same name,
 * chip, line, polarity (and bias) keeps its request and state; the others
 * are released and requested anew (outputs at out_on[i], logical).  New
 * lines are requested before any old one is released: if one cannot be
 * had, nothing changed and -1 is returned with the reason.  1: applied,
 * but a line that moved between names could not be requested again (err
 * says which; it stays out of service until the next reload).
 */
int  gpio_reconfigure(struct gpio *g, const struct config *cfg, const bool *out_on,
		      char *err, size_t errlen);
/* CLOCK_MONOTONIC ms at which a pending debounce completes; INT64_MAX none */
int64_t gpio_next_due_ms(const struct gpio *g);
/* The same, exact: CLOCK_MONOTONIC ns; INT64_MAX none */
int64_t gpio_next_due_ns(const struct gpio *g);
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
/* Reload: nw (built from the new config) takes over old's state output by
 * output, matched by name: level, latch, pulse, cause; counters too.
 * Returns the number of outputs new in nw. */
int  interlock_carry(struct interlock *nw, const struct interlock *old);
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
/*
 * The same, for a part of the actions only: the GPIO thread drives the
 * output actions (IL_PART_OUTPUTS, under the GPIO lock) and the loop
 * sends the device commands (IL_PART_DEVICES: they touch only the device
 * half of the state, which the loop alone uses).
 */
#define IL_PART_OUTPUTS 1u
#define IL_PART_DEVICES 2u
cJSON *interlock_on_change_part(struct interlock *il, const struct device_cfg *dev,
				const struct hazard_change *chg, int64_t now_wall_ms,
				int64_t now_mono_ms, unsigned parts);
/* When the last output write returned (CLOCK_MONOTONIC ns; 0 never): the
 * end point of the edge-to-output latency. */
int64_t interlock_last_write_ns(const struct interlock *il);
/* Pulses and tests that end: call each pass. */
void interlock_tick(struct interlock *il, int64_t now_mono_ms);
int64_t interlock_next_due_ms(const struct interlock *il);
/* The lock interlock_persist takes to read the latches (gpio_lock(d)). */
struct daemon;
void interlock_attach_lock(struct interlock *il, struct daemon *d);
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
/*
 * Device actions ({"device": ..., "set": ...}) go through devcmd.c.  A
 * latched one is persisted ("dlatch:<device>"), re-sent after a restart
 * or a reconnect (interlock_resend) and held until interlock_reset_device.
 */
struct devcmd;
void interlock_attach_devcmd(struct interlock *il, struct devcmd *dc);
int  interlock_resend(struct interlock *il, int64_t now_wall_ms, int64_t now_mono_ms);
bool interlock_device_latched(const struct interlock *il, int device, bool *on);
int  interlock_reset_device(struct interlock *il, int device, const char *actor,
			    int64_t now_wall_ms, char *err, size_t errlen);

/* ------------------------------------------------------------ cmd_auth.c
 * Downlink command authenticity: HMAC-SHA256(key, topic "\n" body), a
 * timestamp window and a bounded replay cache (persisted by downlink.c).
 */
#define CMD_MAC_LEN     32
#define CMD_ID_MAX      64      /* a command's "id", bytes */
#define CMD_REPLAY_MAX  1024    /* ids remembered inside the window */
struct replay_cache {
	struct { char id[CMD_ID_MAX + 1]; int64_t ts_ms; } e[CMD_REPLAY_MAX];
	int     n;
	int64_t floor_ms;       /* a full cache evicted up to here: ts <= floor refused */
};
/* topic may be NULL (plain HMAC of body, for test vectors); 0 or -1. */
int  cmd_hmac(const unsigned char *key, size_t keylen, const char *topic,
	      const char *body, unsigned char mac[CMD_MAC_LEN]);
void cmd_hex(const unsigned char *b, size_t n, char *out);     /* out: 2n+1 */
/* sig_hex: 64 hex digits; compared in constant time (CRYPTO_memcmp). */
bool cmd_sig_ok(const unsigned char *key, size_t keylen, const char *topic,
		const char *body, const char *sig_hex);
bool cmd_ts_ok(int64_t ts_ms, int64_t now_ms, int64_t window_ms);
/* 0: new, recorded; -1: replayed (or at/below the floor, or a bad id). */
int  replay_check_add(struct replay_cache *rc, const char *id, int64_t ts_ms,
		      int64_t now_ms, int64_t window_ms);
cJSON *replay_to_json(const struct replay_cache *rc);
int  replay_from_json(struct replay_cache *rc, const cJSON *o);

/* ------------------------------------------------------------ downlink.c
 * Platform commands on <prefix>/cmd/<name>: authenticated (cmd_auth.c),
 * handled on the loop thread outside the pass's transaction, answered on
 * <prefix>/reply.  Paho's thread only pushes into downlink_queue().
 */
struct downlink;
struct uplink;
struct daemon;
/* What the daemon answers with (hazardd.c; a NULL hook: not offered). */
struct downlink_hooks {
	cJSON *(*status)(struct daemon *d);
};
/* NULL with err if the key file is set but unreadable or too short. */
struct downlink *downlink_new(const struct config *cfg, int wake_fd,
			      const struct downlink_hooks *hooks, char *err,
			      size_t errlen);
void downlink_free(struct downlink *dl);
struct msgq *downlink_queue(struct downlink *dl);
size_t downlink_max_bytes(void);                /* bigger commands: refused */
void downlink_count_drop(struct downlink *dl);  /* any thread: queue full, deferred */
void downlink_load(struct downlink *dl, struct store *st);  /* replay cache */
/* Handle queued commands (loop thread, no transaction open). */
void downlink_run(struct downlink *dl, struct daemon *d, struct uplink *up);
bool downlink_pending(struct downlink *dl);
cJSON *downlink_status_json(struct downlink *dl);

/* ---------------------------------------------------------- pass_retry.c
 * Hazard changes of a loop pass whose commit failed (disk full, I/O
 * error), held in memory (bounded) and applied again by the next pass.
 */
struct retry_change {
	char    device[ID_MAX];
	struct hazard_change chg;
	struct reading evidence;
	bool    has_evidence;
	int64_t at_ms;
	cJSON  *actions;                /* what the outputs did (owned) */
};
struct pass_retry;
struct pass_retry *pass_retry_new(void);
void pass_retry_free(struct pass_retry *r);
/* A pass starts: notes left by writes outside a pass are forgotten. */
void pass_retry_begin(struct pass_retry *r);
/* Every change a pass applies (actions copied). */
void pass_retry_note(struct pass_retry *r, const char *device,
		     const struct hazard_change *chg, const struct reading *evidence,
		     int64_t at_ms, const cJSON *actions);
void pass_retry_committed(struct pass_retry *r);
/* The commit failed: hold the pass's changes; false if over the bound
 * (they were dropped: resynchronise the rules instead). */
bool pass_retry_failed(struct pass_retry *r, int64_t now_wall_ms, int64_t now_mono_ms);
/* While writes fail, only a probe pass (backing off) replays and commits;
 * the others roll back and defer their changes (false: over the bound). */
bool pass_retry_probe(const struct pass_retry *r, int64_t now_mono_ms);
bool pass_retry_defer(struct pass_retry *r);
/* The held changes, to apply again (caller frees with the function below). */
int  pass_retry_take(struct pass_retry *r, struct retry_change **out);
void pass_retry_changes_free(struct retry_change *c, int n);
bool pass_retry_fault(const struct pass_retry *r);     /* last commit failed */
int  pass_retry_held(const struct pass_retry *r);
cJSON *pass_retry_status_json(const struct pass_retry *r);

/* ------------------------------------------------------ rule_overrides.c
 * Rule thresholds set by the platform (downlink set-rules), kept in the
 * meta table ("rule_overrides") and laid over the file's rules: platform
 * kind values, then platform device values, over everything in the file.
 */
/* Re-apply the persisted platform rule overrides onto cfg. */
int rule_overrides_apply(struct config *cfg, struct store *st,
			 char *err, size_t errlen);
/* Validate req ({"kinds": {...}, "devices": {...}}) against the table and
 * ranges of config.c, merge it into the stored document (inside the
 * caller's transaction; a null removes a key's or a whole kind's/device's
 * override) and apply it to cfg (the file's values + the document).  *now_out (if not NULL) gets
 * the whole stored document.  0, or -1 with the reason (nothing changed). */
int rule_overrides_set(struct config *cfg, struct store *st, const cJSON *req,
		       cJSON **now_out, char *err, size_t errlen);
/* The stored document ({} if none): status's "rule_overrides". */
cJSON *rule_overrides_doc(struct store *st);
/* hazardctl rules: the rules in force per kind and device, each value with
 * its source (default, file, platform), and the stored document. */
cJSON *rule_overrides_list(const struct config *cfg, struct store *st);
/* A warning naming the overrides in force, if any (start-up, reload). */
void rule_overrides_log(struct store *st, const char *when);

/* ---------------------------------------------------- drivers/device_cmd.c
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

/* ------------------------------------------------------------- devcmd.c
 * Device commands awaiting confirmation: one per device (a newer command
 * replaces an older one).  Published QoS 1 on the local broker through a
 * callback; confirmed by the device's next report whose relay state
 * matches; not confirmed within the device's confirm_s, an outcome the
 * loop turns into a command_failed hazard.  Loop thread only.
 */
typedef int (*devcmd_publish_fn)(void *ctx, const char *topic, const char *payload);
struct devcmd_req {
	int         device;             /* index into cfg->devices */
	bool        on;
	bool        safety;             /* an interlock: a failure is major */
	const char *cause_device;       /* the hazard behind it; NULL: none */
	int         cause_type;         /* enum hazard_type, or -1 */
	const char *actor;              /* "interlock", "hazardctl", ... */
};
struct devcmd_outcome {
	int     device;
	bool    on;
	bool    confirmed;              /* false: confirm_s ran out */
	bool    late;                   /* confirmed after it was reported failed */
	bool    safety;
	char    cause_device[ID_MAX];   /* "" none */
	int     cause_type;             /* -1 none */
	char    actor[ID_MAX];
	int64_t sent_wall_ms;           /* first attempt */
	int64_t at_wall_ms;             /* confirmation or timeout */
	bool    published;              /* reached the broker at least once */
	struct device_cmd cmd;
};
struct devcmd;
struct devcmd *devcmd_new(const struct config *cfg);
void devcmd_free(struct devcmd *dc);
/* Where publishes go (intake_publish in the daemon); NULL: held, retried. */
void devcmd_attach(struct devcmd *dc, devcmd_publish_fn fn, void *ctx);
/* 0 published, 1 held (no broker now: retried each tick until confirm_s
 * runs out), -1 not possible (err).  *sent (may be NULL) gets the command. */
int  devcmd_send(struct devcmd *dc, const struct devcmd_req *rq, int64_t now_wall_ms,
		 int64_t now_mono_ms, struct device_cmd *sent, char *err, size_t errlen);
/* A decoded report of the device: true and *out filled when it confirms. */
bool devcmd_on_reading(struct devcmd *dc, int device, const struct reading *r,
		       int64_t now_wall_ms, struct devcmd_outcome *out);
/* Retry held publishes; time out unconfirmed commands into out[]. */
int  devcmd_tick(struct devcmd *dc, int64_t now_wall_ms, int64_t now_mono_ms,
		 struct devcmd_outcome *out, int max);
int64_t devcmd_next_due_ms(const struct devcmd *dc);
/* The device's last command as JSON (for hazardctl devices), or NULL. */
cJSON *devcmd_device_json(const struct devcmd *dc, int device);
/* The hazard change an outcome means on the commanded device: a
 * command_failed raised (timeout) or cleared (late confirmation); false
 * when it means none. */
bool devcmd_outcome_change(const struct devcmd_outcome *o, int confirm_s,
			   struct hazard_change *chg);
/* {"device","set","topic","payload","sent_at","at","result"} */
cJSON *devcmd_outcome_json(const struct devcmd_outcome *o);
/* The hazard that caused it (not closed), for its "updated" event. */
int  devcmd_cause_hazard(struct store *st, const struct devcmd_outcome *o,
			 struct hazard_rec *rec);
uint64_t devcmd_count(const struct devcmd *dc, int what); /* DEVCMD_SENT... */
enum { DEVCMD_SENT = 0, DEVCMD_CONFIRMED, DEVCMD_FAILED, DEVCMD_STORE_ERRORS,
       DEVCMD_COUNTERS };
/* A reload: the old table's commands move to the new one by device id
 * (pending ones keep waiting, their deadline unchanged; a command held
 * for a device whose topic changed is rebuilt for the new one), with its
 * counters, store and stored records.  A pending command whose device is
 * gone is dropped and logged; returns how many were.  old is unchanged. */
int  devcmd_carry(struct devcmd *nw, const struct devcmd *old);
struct store;
struct flood;
/* Where each device's last command is kept ("devcmd:<device>" in meta,
 * shown by hazardctl devices after a restart) and where an operator's
 * command is noted on the device's open command_failed hazard; loads the
 * stored records.  NULL: nothing stored. */
void devcmd_attach_store(struct devcmd *dc, struct store *st);
/* The intake's flood buckets: a device with a command pending has its
 * relay reports let through (flood_awaits_report).  NULL: none. */
void devcmd_attach_flood(struct devcmd *dc, struct flood *fl);
/* Record interlock actions ({"output"|"device","set","result",...}, as in
 * a hazard event's "actions") as one "action" event row of the hazard,
 * inside the caller's transaction; "held" ones (a latch already holding:
 * nothing done) are left out.  0 (also for nothing to keep), -1 error. */
int  devcmd_note_actions(struct store *st, const char *hazard_id, const cJSON *actions,
			 int64_t at_ms);

/* -------------------------------------------------------------- flood.c
 * Per-device token buckets ($.flood, a device's "flood" overrides): a
 * device sending faster than rate_per_s (after a burst) has the excess
 * dropped by the intake before the queue and the disk; an alarm's onset
 * (a flag turning on, an explicit offline) always passes, a repeat of the
 * state already passed on takes a token like anything else.  flood_admit,
 * flood_limited, flood_rising and flood_note run on Paho's receive thread
 * only; the counters are atomic, read by the loop.
 */
struct flood;
struct flood *flood_new(const struct config *cfg);
void flood_free(struct flood *fl);
/* Take a token for one message of the device at monotonic now_ms. */
bool flood_admit(struct flood *fl, int device, int64_t now_ms);
/* The device has a rate (its messages are decoded for their flags). */
bool flood_limited(const struct flood *fl, int device);
/* r turns on an alarm flag (alarm, gas, smoke, carbon_monoxide, fault,
 * tamper) that the device's last state passed on had off or never had,
 * or reports it offline when it was not: an onset, let through an empty
 * bucket.  A self-test's flags are no alarm state (rules.c). */
bool flood_rising(const struct flood *fl, int device, const struct reading *r);
/* r was passed on to the loop: its flags are now the device's state. */
void flood_note(struct flood *fl, int device, const struct reading *r);
void flood_drop(struct flood *fl, int device);  /* count one dropped */
uint64_t flood_dropped(const struct flood *fl, int device);
uint64_t flood_total(const struct flood *fl);
/* A device command awaits this device's confirmation (loop thread sets,
 * Paho's thread reads). */
void flood_await(struct flood *fl, int device, bool awaiting);
/* Let an over-rate message through anyway: it reports the relay state of
 * a device whose command awaits confirmation (the evidence waited for). */
bool flood_awaits_report(const struct flood *fl, int device, const struct reading *r);
/* Loop, once a tick: copy counts into dev_state and log offenders with
 * backoff. */
void flood_report(struct flood *fl, const struct config *cfg, struct device_state *ds);

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

/* ---------------------------------------------------------- discovery.c
 * A second, clean-session QoS 0 client on the local broker subscribed to
 * the ecosystems' wildcards: nothing is queued for it while hazardd is
 * down, and it never duplicates what the persistent session receives (a
 * configured device's messages are skipped here).  Unknown senders go to
 * unknown.c.
 */
struct discovery;
struct discovery *discovery_new(const struct config *cfg, struct unknown *u, int wake_fd,
				char *err, size_t errlen);
void discovery_free(struct discovery *dv);
void discovery_tick(struct discovery *dv, int64_t now_mono_ms);
bool discovery_connected(struct discovery *dv);
/* Reload: ix (owned from now on) is the configured devices to skip. */
void discovery_reconfigure(struct discovery *dv, struct devindex *ix);

/* --------------------------------------------------------------- clock.c
 * The daemon's time source.  The wall clock only stamps records; every
 * duration (debounce, hold, offline, the deadline of a hazard raised during
 * this run) is measured on CLOCK_MONOTONIC, so a wall clock set by NTP
 * after boot moves no decision.  Unit tests install their own source.
 */
struct hz_clock {
	int64_t (*wall_ms)(void *ctx);
	int64_t (*mono_ms)(void *ctx);
	/* true once the wall clock can be believed; NULL: clock_trusted()'s
	 * own judgement (past the build date and synchronised) */
	bool    (*trusted)(void *ctx);
	void     *ctx;
};
/* Install a source (NULL: the system clocks again). */
void    clock_use(const struct hz_clock *c);
int64_t clock_wall_ms(void);
int64_t clock_mono_ms(void);
/*
 * The wall clock is trusted once it is past the build date and the kernel
 * does not say it is unsynchronised (adjtimex() without STA_UNSYNC, or
 * /run/systemd/timesync/synchronized exists).  Once trusted it stays so
 * for the life of the process.
 */
bool    clock_trusted(void);

/* ----------------------------------------------------------- lifecycle.c
 * The hazard life cycle (docs/lifecycle.md): states, the transitions a
 * person may make, deadlines and their escalation, priority classes.
 */
enum hz_state { HZS_OPEN, HZS_ACKNOWLEDGED, HZS_RECTIFYING, HZS_CLEARED,
		HZS_CLOSED, HZS_COUNT };
extern const char *const hz_state_name[HZS_COUNT];
/* The state by name, or -1. */
int hz_state_from_name(const char *name);
/*
 * What a person's action `to` (acknowledged, rectifying, closed) makes of a
 * hazard in state `from`: the new state, or -1 with the reason in err
 * ("hazard H is closed; cannot acknowledge").  A cleared hazard stays
 * cleared when acknowledged or reported in rectification.
 */
int lifecycle_next(const char *hazard_id, enum hz_state from, enum hz_state to,
		   char *err, size_t errlen);
/* What a new or changed hazard of one type gets (lifecycle_policy()). */
struct hz_policy {
	double  deadline_h[2];          /* rectification deadline by severity */
	enum priority prio[2];          /* priority class by severity */
	int64_t recurrence_window_ms;   /* after a close; 0: not looked for */
	bool    clock_trusted;          /* the wall clock stamping it is */
};
void lifecycle_policy(const struct config *cfg, enum hazard_type t,
		      struct hz_policy *out);

/* The store's side (store_hazard.c), inside the caller's transaction. */
/* store_hazard_apply with deadlines, classes and recurrence from pol; a
 * hazard raised within pol's window after a close of the same device and
 * type links to it (recurrence_of) one severity grade higher. */
int store_hazard_apply_policy(struct store *st, const struct device_cfg *dev,
			      const struct hazard_change *chg,
			      const struct reading *evidence,
			      const struct hz_policy *pol, int64_t now_ms,
			      struct hazard_rec *rec, const char **event);
/*
 * One rules change applied to the live record of kind for its device and
 * type, as core/record.c's record_rules_step decides: a new record (only
 * when may_create), one more occurrence, a higher level or grade, the
 * condition's end.  rec/event as store_hazard_apply.  store_hazard_apply_policy
 * is this with kind hazard (a hazard straight from a condition).
 */
int store_record_apply(struct store *st, enum record_kind kind, bool may_create,
		       const struct device_cfg *dev, const struct hazard_change *chg,
		       const struct reading *evidence, const struct hz_policy *pol,
		       int64_t now_ms, struct hazard_rec *rec, const char **event);
/* Where a hazard comes from (core/record.h's hazard_reason). */
struct hazard_origin {
	const char *device, *site;
	enum hazard_type type;
	enum severity severity;         /* graded by record_grade() */
	enum hazard_reason reason;
	const char *source;             /* the alarm or fault id; NULL none */
	bool condition_on;              /* false: raised already cleared */
	bool flapping;                  /* the source's condition flaps */
	const char *detail, *actor, *note;
};
/* Raise a hazard from its origin, unless one already stands for that
 * source, or a live one for the device and type (then *rec is that one
 * and *event NULL).  Its evidence starts as the source's. */
int store_hazard_derive(struct store *st, const struct hazard_origin *o,
			const struct hz_policy *pol, int64_t now_ms,
			struct hazard_rec *rec, const char **event);
/* Records of kind, device and type raised at or after since_ms; -1 error. */
int64_t store_record_count(struct store *st, enum record_kind k, const char *device,
			   enum hazard_type t, int64_t since_ms);
/* A person's action on any record (core/record.c decides if it may):
 * acknowledge, rectifying, close, verify (with verdict), dismiss.  Event
 * into *event.  -1 with the reason in err. */
int store_record_act(struct store *st, const char *id, enum record_action a,
		     enum verdict v, const char *actor, const char *note,
		     const char *evidence, int64_t now_ms, struct hazard_rec *rec,
		     const char **event, char *err, size_t errlen);
/* A person's action through lifecycle_next(); the event name
 * ("acknowledged", "rectifying", "closed") into *event.  evidence: the
 * person's text, kept in evidence.operator on close.  -1 with err. */
int store_hazard_transition(struct store *st, const char *hazard_id, enum hz_state to,
			    const char *actor, const char *note, const char *evidence,
			    int64_t now_ms, struct hazard_rec *rec, const char **event,
			    char *err, size_t errlen);
/* Fold a reading into the evidence (min/max, latest) of the device's
 * hazards whose condition is on. */
int store_hazard_observe(struct store *st, const char *device, const struct reading *r);
/* Past its deadline: overdue, one priority class up, event "escalated".
 * 1 done (rec filled), 0 nothing to do (closed, already overdue), -1 error. */
int store_hazard_mark_overdue(struct store *st, const char *hazard_id, int64_t now_ms,
			      struct hazard_rec *rec);
/* Append an event row (event "action": what an interlock or operator did,
 * and its confirmation) to a hazard without changing its state; a row of
 * the caller's transaction, not sent upstream.  0, or -1 (no such hazard,
 * store error). */
int store_hazard_note(struct store *st, const char *hazard_id, const char *event,
		      int64_t at_ms, const char *actor, const char *detail);
/* {"<site>": recurrences, ...} over every hazard kept. */
cJSON *store_recurrences_by_site(struct store *st);

/* Queue a hazard event upstream (outbox, in the caller's transaction),
 * count and log it; a "raised" hazard's deadline starts on the monotonic
 * clock.  actions (owned, may be NULL): what the interlocks did. */
void lifecycle_emit(struct daemon *d, const struct hazard_rec *rec,
		    const char *event, int64_t at_ms, cJSON *actions);
/* Once a second, inside the pass's transaction: every hazard not closed
 * that is past its deadline becomes overdue and emits "escalated" once.
 * Returns the number escalated, -1 on a store error. */
int lifecycle_tick(struct daemon *d);
/* Whether any hazard condition of the device is on (its readings then
 * widen the evidence's min/max: store_hazard_observe). */
bool lifecycle_condition_on(const struct device_state *ds);

/* A person's transition (acknowledged, rectifying, closed): checks the
 * table, commits the hazard event and queues it upstream.  evidence may
 * be NULL.  0, or -1 with the reason in err. */
int daemon_hazard_transition(struct daemon *d, const char *hazard_id,
			     enum hz_state to, const char *actor,
			     const char *note, const char *evidence,
			     char *err, size_t errlen);

/* ------------------------------------------------------------- records.c
 * The three kinds of record on the loop thread (core/record.h decides).
 */
/* One rules change: its alarm or fault (or hazard), the hazard that
 * follows it, and any hazard now due.  actions (owned): what the
 * interlocks did.  Inside the pass's transaction. */
void records_apply_change(struct daemon *d, const struct device_cfg *dev,
			  const struct hazard_change *chg, const struct reading *evidence,
			  int64_t now_ms, cJSON *actions);
/* Once a second for each live record: a fault past its limit raises a
 * hazard (inside the pass's transaction). */
void records_fault_limits(struct daemon *d, const struct hazard_rec *rec, int64_t now_ms);
/* A person's action on any record, committed and queued upstream; a
 * verified-real alarm raises its hazard.  0, or -1 with the reason. */
int daemon_record_action(struct daemon *d, const char *id, enum record_action a,
			 enum verdict v, const char *actor, const char *note,
			 const char *evidence, char *err, size_t errlen);
/* The policy in force (config, else core/record.c's defaults). */
int records_recurrence_count(const struct config *cfg);
double records_recurrence_window_h(const struct config *cfg);
double records_fault_limit_h(const struct config *cfg, enum hazard_type t);
enum severity records_grade(const struct config *cfg, enum hazard_type t,
			    const char *site, bool high_level, bool recurrence);

/* -------------------------------------------------------------- reload.c
 * Live reload (SIGHUP, hazardctl reload): re-read and validate the whole
 * config; if it is valid, apply it without dropping a broker connection
 * or anything queued, carrying per-device state over by device id and
 * latches by output name.  The loop's own objects are reached through
 * this target, filled in by hazardd.c.
 */
struct reload_target {
	struct daemon     *d;
	struct config     *boot_cfg;    /* main()'s own struct: never free()d */
	struct devindex  **ix;          /* the loop's topic index */
	struct complaint **dev_complaint; /* the loop's, parallel to devices */
	struct intake     *in;
	struct discovery  *disc;        /* NULL: discovery off */
	/* record the GPIO changes waiting for the pass's transaction: they
	 * point into the config about to go */
	void (*flush_pending)(void *ctx);
	void  *ctx;
};
/* {"reloaded": bool, "errors": [...], "restart_needed": [...],
 *  "changes": {...}}; everything is logged too.  Loop thread. */
cJSON *reload_run(const struct reload_target *t, const char *trigger);

/* ------------------------------------------------------------ privdrop.c
 * Started as root outside systemd (no NOTIFY_SOCKET, no INVOCATION_ID):
 * open what needs root, then become daemon.user.  Under systemd the
 * unit's User= does it.
 */
struct privdrop {
	bool     active;                /* we will switch users */
	unsigned uid, gid;
	char     user[ID_MAX];
	char     db_dir[PATH_MAX_HZ];   /* must be writable once we are the user */
};
/* Decide; when dropping, create the database directory and, if it is new,
 * make it the user's.  -1 with err: a configured user
 * that does not exist, or root itself. */
int  privdrop_prepare(const struct config *cfg, struct privdrop *pd,
		      char *err, size_t errlen);
/* on: take the user's effective ids (and only its group) while the
 * database is opened, so that SQLite creates its files as the user and a
 * symlink gains nothing; off: back to root for the rest of the set-up. */
int  privdrop_as_user(const struct privdrop *pd, bool on);

/* The control socket (and its directory when nothing else lives there):
 * the user's, so that it can remove the socket at exit. */
int  privdrop_chown(const struct privdrop *pd, const char *path, bool parent_too);
/* initgroups, setgid, setuid; then prove that root cannot be regained. */
int  privdrop_apply(const struct privdrop *pd, char *err, size_t errlen);

/* ------------------------------------------------------------- dbfile.c */
/* Why the database directory or a database file (-wal, -shm, -journal)
 * must not be used (NULL: fine); user: the uid hazardd runs as (after a
 * drop); dropping: hazardd is root now and will become user. */
const char *dbfile_dir_problem(unsigned mode, unsigned owner, unsigned user,
			       bool dropping);
const char *dbfile_entry_problem(unsigned mode, unsigned nlink, unsigned owner,
				 unsigned user, bool dropping);
/* Check storage.path's directory (O_NOFOLLOW) and every file SQLite keeps
 * there (lstat from the directory fd) before SQLite opens it by name. */
int  dbfile_guard(const char *path, const struct privdrop *pd, char *err,
		  size_t errlen);

/* ------------------------------------------------------ control_actor.c */
/* Who is on the other end of a control connection: the kernel's word
 * (SO_PEERCRED at accept), never the request's. */
struct ctl_caller {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char  name[ID_MAX];     /* the user name of uid, else "uid:N" */
};
/*
 * The actor a person's action is recorded under: the caller's own name
 * when the request names none (or names the caller), the one it names
 * ("actor") only when the caller is root; anyone else naming another
 * actor is refused ("only root may act as another user").  Pure: the
 * caller is given, so it can be decided for any uid.  0 with *actor set
 * (pointing into who or req), or -1 with err.
 */
int ctl_actor(const cJSON *req, const struct ctl_caller *who, const char **actor,
	      char *err, size_t errlen);

/* ---------------------------------------------------- control_devices.c
 * The control socket's device requests: "switch", "devices" with
 * "unknown", "reset" of a latched device, and the per-device extras.
 */
struct daemon;
/* control_devices.c: a device on which interlock rule r's hazard is active
 * now (an output or device latch may not be undone while it is). */
const struct device_cfg *ctl_rule_active_device(const struct daemon *d,
						const struct interlock_cfg *r);
cJSON *ctl_cmd_switch(const cJSON *req, const struct ctl_caller *who, struct daemon *d,
		      char *err, size_t errlen);
cJSON *ctl_unknown_devices(struct daemon *d, char *err, size_t errlen);
/* "reset" naming a device rather than an output */
bool   ctl_reset_is_device(const cJSON *req, const struct daemon *d);
cJSON *ctl_reset_device(const cJSON *req, const struct ctl_caller *who, struct daemon *d,
			char *err, size_t errlen);
/* flood_dropped, latched, command: into one device's listing object */
void   ctl_device_extra(const struct daemon *d, int device, cJSON *o);
/* device_commands and unknown_senders: into the status object */
void   devices_status_json(struct daemon *d, cJSON *status);

/* ------------------------------------------------------- store_report.c
 * The read side of reports: records and self-checks for the daily
 * summary, the per-site ledger, filtered listings (in SQL).
 */
/*
 * One record (alarm, fault or hazard) as it stood at the end of a summary
 * period: its state and severity replayed from its events up to then, and
 * every stamp that falls at or after the end given as 0 (not yet).
 */
struct report_hazard {
	const char *id, *site, *device;
	enum record_kind kind;          /* the figures of each kind stay apart */
	const char *type;               /* hazard_type_name[] as stored */
	int     severity;               /* enum severity at the period end (an
					 * alarm's level: general low, major high) */
	int     state;                  /* hazards: enum hz_state at the period
					 * end; alarms and faults: -1 */
	const char *state_name;         /* the kind's state at the period end:
					 * "active", "ended", "dismissed", ... */
	int64_t raised_at_ms, deadline_ms;
	int64_t closed_at_ms;           /* hazard closed, fault dismissed; 0: not */
	int64_t acked_at_ms;            /* 0: not acknowledged (alarm, hazard) */
	int64_t cleared_at_ms;          /* alarm ended, fault or hazard cleared */
	int64_t verified_at_ms;         /* alarms; 0: not verified */
	enum verdict verdict;           /* alarms: VERDICT_NONE until verified */
	bool    recurrence;             /* recurrence_of is set */
	bool    clock_trusted;
};
/* Every record raised before end_ms, of every kind, replayed as above.
 * 0, or -1 on a store error. */
int    store_report_foreach(struct store *st, int64_t end_ms,
			    void (*fn)(void *ctx, const struct report_hazard *h),
			    void *ctx);
/* self_checks rows in [start_ms, end_ms), counted by device and source. */
int    store_report_self_checks(struct store *st, int64_t start_ms, int64_t end_ms,
				void (*fn)(void *ctx, const char *device,
					   const char *site, const char *source,
					   int64_t count),
				void *ctx);
/* A self_checks row: source "device" (test button) or "output". */
int    store_self_check_put(struct store *st, const char *device, const char *site,
			    const char *source, int64_t at_ms, bool clock_trusted);
/* Queue a summary body (outbox class OB_SUMMARY, topic "summary") and,
 * when meta_key is set, store meta_val under it in the same transaction. */
int    store_summary_put(struct store *st, const char *body, const char *meta_key,
			 int64_t meta_val);
/* The per-site hazard ledger: an array of row objects, oldest first. */
cJSON *store_ledger(struct store *st, const char *site, int64_t now_ms);
/* Filters for the hazard listing; NULL / 0 / false: not filtered. */
struct hazard_filter {
	const char *kind;               /* "alarm", "fault", "hazard"; NULL: all */
	const char *site, *state, *severity;
	int64_t     since_ms;           /* raised or changed at or after */
	bool        open_only;          /* not closed */
};
cJSON *store_list_hazards_where(struct store *st, const struct hazard_filter *f);

/* ----------------------------------------------------------- presence.c
 * Whether a device is online, offline or never_seen: configured but no
 * report of it ever accepted (this run, or any earlier run of this
 * database: meta "seen:<device>").  A never-seen device is not online and
 * is not counted in the online rate; it is a commissioning problem (dead,
 * mis-wired, wrong topic), listed apart.
 */
enum presence { PRES_OFFLINE = 0, PRES_ONLINE, PRES_NEVER_SEEN, PRES_COUNT };
extern const char *const presence_name[PRES_COUNT]; /* "offline", "online", "never_seen" */
/* Never heard: never_seen; device_offline active or silent past its
 * heartbeat: offline; else online.  mono_ms: now, monotonic. */
enum presence device_presence(const struct device_cfg *dev, const struct device_state *ds,
			      int64_t mono_ms);
/* Set ds[i].heard from the stored marks, for devices not heard yet
 * (start-up, a reload's new devices).  Loop thread. */
void presence_load(struct store *st, const struct config *cfg, struct device_state *ds);
/* An accepted report r (NULL: a GPIO edge) of dev: heard, and the mark
 * stored the first time (inside the pass's transaction).  An explicit
 * "offline" alone (a bridge's availability) is not the device heard. */
void presence_note(struct store *st, const struct device_cfg *dev, struct device_state *ds,
		   const struct reading *r, int64_t wall_ms);

/* ------------------------------------------------------------ summary.c
 * The daily summary (每日匯總) to <prefix>/summary: per site and for the
 * gateway, hazards (隐患) by state and severity, the day's new, closed and
 * overdue hazards and the rectification rates over hazards alone; the
 * day's alarms (警情: response times, verdicts, the false-alarm rate) and
 * faults (故障) each counted apart; devices online and button self-tests
 * (docs/lifecycle.md names each figure).  Periods are local calendar
 * days in summary.timezone; msg_id "summary-<YYYY-MM-DD>" is the same for
 * the same day, so the platform can drop a repeat.
 */
/* "HH:MM" (00:00-23:59) into minutes after midnight; -1 if malformed. */
int  summary_parse_hhmm(const char *s, int *minutes);
/* A zone name under /usr/share/zoneinfo (a TZif file); false with why. */
bool summary_zone_valid(const char *zone, char *err, size_t errlen);
/* [start, end) in wall ms of local date "YYYY-MM-DD" in zone; -1 with err. */
int  summary_day_bounds(const char *zone, const char *date, int64_t *start_ms,
			int64_t *end_ms, char *err, size_t errlen);
/* The local date ("YYYY-MM-DD", buf >= 11 bytes) of a wall time in zone. */
int  summary_date_of(const char *zone, int64_t wall_ms, char *buf, size_t len);
/*
 * A time filter: "24h", "30m", "7d" (before now), "YYYY-MM-DD" (local
 * midnight in zone), "YYYY-MM-DDTHH:MM[:SS]" (local) or with "Z" (UTC).
 */
int  summary_parse_since(const char *zone, const char *s, int64_t now_ms,
			 int64_t *out_ms, char *err, size_t errlen);
/* The local date (days since 1970-01-01) whose summary.time is the
 * latest at or before now_ms. */
int64_t summary_due_day(const char *zone, int minutes, int64_t now_ms);
/* Each device's presence now (enum presence; NULL: unknown, e.g. for a
 * past day), parallel to cfg->devices.  The summary object of date; NULL
 * with err. */
cJSON *summary_build(struct store *st, const struct config *cfg, const char *date,
		     const unsigned char *presence, int64_t now_ms, char *err,
		     size_t errlen);
/* Build the summary of local date (YYYY-MM-DD, NULL: today); queue it
 * upstream when publish is set; *out (if not NULL) gets a copy. */
struct daemon;
int  daemon_summary(struct daemon *d, const char *date, bool publish,
		    cJSON **out, char *err, size_t errlen);
/* Start-up (outside a transaction): the zone, and a daily summary missed
 * while the daemon was down.  Tick (once a second, in the pass): the daily
 * one at summary.time. */
void summary_start(struct daemon *d);
void summary_tick(struct daemon *d);
/* Control requests (control.c dispatches): "report", "ledger", and
 * "hazards" when it carries site/state/severity/since. */
bool   ctl_hazards_has_filter(const cJSON *req);
cJSON *ctl_hazards_where(const cJSON *req, struct daemon *d, char *err, size_t errlen);
/* The same listing for one kind (NULL: every kind): "alarms", "faults",
 * "hazards", "records". */
cJSON *ctl_records_where(const cJSON *req, struct daemon *d, const char *kind,
			 char *err, size_t errlen);
cJSON *ctl_cmd_report(const cJSON *req, struct daemon *d, char *err, size_t errlen);
cJSON *ctl_cmd_ledger(const cJSON *req, struct daemon *d, char *err, size_t errlen);
/* A self-check into self_checks for the button self-test rate (按键自检):
 * source "device" (a test press) or "output" (hazardctl test); errors are
 * counted. */
void summary_self_check(struct daemon *d, const char *device, const char *site,
			const char *source, int64_t at_ms);

/* -------------------------------------------------------- store_backup.c */
struct sqlite3;
/* Before migrating: the database copied to "<path>.pre-v<version>" with
 * the online backup API (kept if it exists).  0, or -1 with err. */
int store_backup_before_migration(struct sqlite3 *db, const char *path, int version,
				  char *err, size_t errlen);

/* --------------------------------------------------------- gpio_thread.c
 * The interlock thread: waits for GPIO edges and debounce/pulse ends at
 * nanosecond precision, drives the output actions at once and hands each
 * change to the loop.  One mutex guards what it shares with the loop (see
 * the file's comment); gpio_lock/gpio_unlock are no-ops without a thread.
 */
struct daemon;
struct gpio_thread;
/* wake_fd: the loop's eventfd, written when changes are queued */
struct gpio_thread *gpio_thread_new(struct daemon *d, int wake_fd);
void gpio_thread_free(struct gpio_thread *gt);
/* Starts it when d has lines and interlocks; 0 started or nothing to do. */
int  gpio_thread_start(struct gpio_thread *gt);
void gpio_thread_stop(struct gpio_thread *gt);
bool gpio_thread_running(const struct gpio_thread *gt);
/* The loop: queued changes (their output actions already done; acts[i]
 * owned by the caller, may be NULL), at most max. */
int  gpio_thread_take(struct gpio_thread *gt, struct gpio_change *gc, cJSON **acts,
		      int max);
/* Changes queued and not taken yet; call with the lock held. */
int  gpio_thread_pending(struct gpio_thread *gt);
/* Drop what is queued (the thread stopped, its config going away). */
void gpio_thread_discard(struct gpio_thread *gt);
void gpio_lock(struct daemon *d);
void gpio_unlock(struct daemon *d);
/* a's items then b's, in a (either may be NULL); both consumed */
cJSON *gpio_acts_merge(cJSON *a, cJSON *b);

/* ------------------------------------------------------------- hazardd.c
 * The daemon's run-time state, owned by the loop thread.  control.c reads
 * it to answer hazardctl.
 */
struct counters {
	uint64_t received;              /* messages handed over by the intake */
	uint64_t accepted;              /* decoded and evaluated */
	uint64_t rejected;              /* unparseable or oversized payloads */
	uint64_t bad_fields;            /* fields left out of accepted payloads */
	uint64_t over_range;            /* values saturated at full scale, kept */
	uint64_t unknown_topic;         /* no device configured for the topic */
	uint64_t dropped_queue_full;    /* telemetry dropped, intake queue full */
	uint64_t record_events;         /* alarm, fault and hazard events committed */
	uint64_t published;             /* upstream publishes started */
	uint64_t acked;                 /* upstream PUBACKs (outbox rows deleted) */
	uint64_t store_errors;          /* failed commits (retried) */
	uint64_t quota_dropped_readings;  /* oldest readings dropped for max_mb */
	uint64_t quota_dropped_telemetry; /* oldest telemetry messages dropped */
	uint64_t quota_dropped_events;    /* events of finished records trimmed */
	uint64_t flood_dropped;         /* over a device's rate (flood.c) */
	uint64_t reloads;               /* configuration reloads applied */
	uint64_t reloads_refused;       /* reloads refused: the config was invalid */
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
	int     acked_not_deleted;      /* uplink_kept(), refreshed each pass */
	uint64_t acked_not_deleted_overflow;
	int     intake_queue_depth;
	/* set-rules or a reload changed thresholds: the loop re-judges every
	 * device's last state at its next pass, not a tick later */
	bool    rules_changed;
	/* GPIO and interlocks: NULL when none are configured */
	struct gpio         *gpio;
	struct interlock    *il;
	uint64_t gpio_changes;          /* debounced input changes */
	/* edge (once debounced) to output written, last IL_LAT_N, microseconds;
	 * written by the GPIO thread: read under gpio_lock */
#define IL_LAT_N 1024
	uint32_t il_lat_us[IL_LAT_N];
	uint64_t il_lat_count;
	struct devcmd       *devcmd;    /* device commands awaiting confirmation */
	struct unknown      *unknown;   /* senders not in the config; NULL: off */
	/* live reload (reload.c), set by the loop; NULL where there is none */
	cJSON *(*reload)(struct daemon *d, const char *trigger);
	struct downlink     *dl;        /* platform commands; NULL before start */
	struct pass_retry   *retry;     /* changes of failed commits (disk full) */
	struct uplink *up;              /* pumped after a person's transition */
	int64_t started_mono_ms;        /* uptime is measured on this */
	/* the last daily summary produced: its local date as days since
	 * 1970-01-01 (summary.c); meta "summary_last_day" keeps it */
	int64_t summary_last_day;
	struct gpio_thread  *gt;        /* the interlock thread; NULL none */
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
/* Around a configuration reload: RELOADING=1 (with MONOTONIC_USEC), then
 * READY=1 and a fresh STATUS= once it was applied or refused. */
void notify_reloading(void);
void notify_reloaded(const struct daemon *d);

/* ------------------------------------------------------------- control.c
 * The Unix control socket (mode 0660): one JSON request per line, one JSON
 * reply per line.  Requests: {"cmd":"status"}, {"cmd":"devices"},
 * {"cmd":"hazards","open":true}, {"cmd":"hazard","id":"..."},
 * {"cmd":"close","id":"...","note":"...","actor":"...","evidence":"..."},
 * {"cmd":"ack"|"rectifying","id":"...","note":"...","actor":"..."}.
 * Replies: {"ok":true,"result":...} or {"ok":false,"error":"..."}.
 * Every string in a request must be clean text (text_check).
 */
struct pollfd;
struct control;
struct control *control_open(const char *path, char *err, size_t errlen);
/* Shorter deadlines than the built-in ones (tests); 0 keeps one as it is. */
void control_set_deadlines(struct control *c, int request_ms, int idle_ms, int reply_ms);
void control_close(struct control *c);   /* closes clients, unlinks the socket */
/* Fill up to max pollfds (listener plus clients); returns the count used. */
int  control_pollfds(struct control *c, struct pollfd *pfd, int max);
/* Act on the pollfds filled above after poll() returned. */
void control_handle(struct control *c, const struct pollfd *pfd, int n,
		    struct daemon *d);

#endif /* HAZARDD_H */
