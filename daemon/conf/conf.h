/*
 * conf.h: the configuration (fourth layer): the file's whole contents as
 * struct config, the table-driven parser and its checks, and the topic
 * index built from it.
 */
#ifndef CONF_H
#define CONF_H

#include "formats.h"

/* ------------------------------------------------------------ devindex.c
 * Topic -> device, for every route of every device: a hash table on exact
 * topics plus one on subtree roots (looked up once per level of the
 * topic), so the cost does not grow with the number of devices.  Built
 * once from the config; read-only afterwards (safe from any thread).
 * Stores copies, no pointers into the config.  One index serves the loop,
 * the intake and discovery alike (devindex_share): 200 KiB at 2,000
 * devices, once instead of three times.
 */
struct config;
struct devindex;
/* NULL with a reason in err (two devices deriving the same topic, memory). */
struct devindex *devindex_new(const struct config *cfg, char *err, size_t errlen);
/* One more holder of ix (returned); each holder calls devindex_free once,
 * and the last frees it.  The count is not atomic: every share and free
 * happens on one thread (the loop's); other threads only read, and stop
 * before their holder lets go (discovery swaps under its lock). */
struct devindex *devindex_share(struct devindex *ix);
void devindex_free(struct devindex *ix);
/* Device index in cfg->devices, or -1; *dec (if not NULL) gets its format. */
int  devindex_find(const struct devindex *ix, const char *topic,
		   const struct device_format **dec);
/* The same as the device's config, or NULL. */
const struct device_cfg *devindex_device(const struct devindex *ix,
					 const struct config *cfg, const char *topic);
/* The MQTT subscription filters ("t", "t/#"), one per route. */
int  devindex_n_filters(const struct devindex *ix);
const char *devindex_filter(const struct devindex *ix, int i);

/* ------------------------------------------------------------ strpool.c
 * The config's strings and the few other small variable parts of its
 * devices, in a handful of blocks owned by the config (config_free frees
 * them).  Interned until sealed: the same text gives the same pointer.
 * NULL on out of memory.
 */
struct strpool;
struct strpool *strpool_new(void);
const char *strpool_intern(struct strpool *p, const char *s);
/* s appended as it is, not looked up nor indexed: for a string that
 * cannot repeat (a device's id or topic) */
const char *strpool_copy(struct strpool *p, const char *s);
/* size zeroed bytes, aligned for any type */
void *strpool_alloc(struct strpool *p, size_t size);
/* the parse is over: drop the interning index (later strings are
 * appended as they come) */
void strpool_seal(struct strpool *p);
/* the bytes its blocks take (headers included): what it keeps resident */
size_t strpool_bytes(const struct strpool *p);
void strpool_free(struct strpool *p);

/* ------------------------------------------------------------- config.c */

struct config {
	char path[PATH_MAX_HZ];
	/* "_template": true: the file as the package installs it, not yet
	 * edited for this gateway; hazardd refuses to start on it */
	bool is_template;
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
		int  max_unacked;               /* messages waiting for their commit */
		int  max_packet;                /* bytes; the largest MQTT packet taken */
		int  keepalive_s;
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
	struct device_cfg *devices;     /* their strings in `strings` */
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
		/* where an absent timezone was taken from ("/etc/localtime",
		 * "/etc/timezone"; "" when the file names it): logged at start */
		char timezone_from[32];
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
		/* a sensor-backed hazard's condition normal this long before
		 * it may be submitted for re-inspection (records.c) */
		bool normal_submit_set[HZ_TYPES_MAX];
		double normal_submit_h[HZ_TYPES_MAX];
		/* evidence files (app/ops_records.c): one file's bytes at
		 * most, and the share of storage.max_mb all of them may take */
		int  evidence_max_bytes;
		int  evidence_quota_pct;
	} records;
	/* $.coverage (config_coverage.c): what each site kind must have
	 * (core/coverage.h); checked unless the file says "enabled": false */
	struct {
		bool check;
		unsigned requires[SITE_KIND_COUNT];    /* bit per coverage_req */
	} coverage;
	/* $.selfcheck (config_selfcheck.c): a kind's checklist as the file
	 * sets it; n 0: the built-in one (core/selfcheck.h,
	 * selfcheck_effective) */
	struct selfcheck_list selfcheck[SITE_KIND_COUNT];
	/* $.alerts (config_alerts.c, core/alert_plan.h) */
	struct alerts_cfg alerts;
	/* the rules as the file set them, before the platform's overrides
	 * (rule_overrides.c); valid once file_rules_saved.  A device's are
	 * its kind's here, unless it has own_rules: then file_dev_rules[i]
	 * (n_devices entries, NULL for the others; the array NULL when no
	 * device has its own; the entries in `strings`) */
	struct rule_params file_kind_rules[DEV_KIND_COUNT];
	struct rule_params **file_dev_rules;
	bool file_rules_saved;
	/* $.rule_overrides.allow_widen: may set-rules make a rule less
	 * sensitive than the file's value?  false unless the file says so */
	bool overrides_allow_widen;
	/* $.http (config_http.c): the web console; listen "" is none */
	struct {
		char listen[64];                /* "ADDR:PORT" */
		char tls_cert_file[PATH_MAX_HZ];
		char tls_key_file[PATH_MAX_HZ];
		char users_file[PATH_MAX_HZ];   /* default: beside the database */
		int  session_ttl_min;
	} http;
	/* the devices' strings, their register entries, file_dev_rules'
	 * entries (strpool.c) */
	struct strpool *strings;
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
/* $.http.listen split: 0 when s is "A.B.C.D:PORT" or "[V6]:PORT"
 * (config_http.c). */
int config_http_listen(const char *s, char *addr, size_t addrlen, int *port);
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

/* ------------------------------------------------------ config_secrets.c */
/* Every secret the config names; missing_ok: a file that is not there yet
 * is left to start-up (--check-config on a build machine). */
int   secret_check_config(const struct config *cfg, bool missing_ok, char *err,
			  size_t errlen);

#endif /* CONF_H */
