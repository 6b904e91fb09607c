/*
 * daemon.h: the daemon's run-time state and live reload (app layer).
 * Ownership rule: one thread (the event loop, loop.c) owns the
 * config, the rules state and the SQLite handle.  Paho's library threads
 * only touch the intake queue (queue.c) and the uplink event list
 * (uplink.c); the GPIO thread shares what gpio_lock guards.
 */
#ifndef APP_DAEMON_H
#define APP_DAEMON_H

#include "outputs.h"
#include "front.h"
#include "records.h"

/* -------------------------------------------------------------- reload.c
 * Live reload (SIGHUP, hazardctl reload): re-read and validate the whole
 * config; if it is valid, apply it without dropping a broker connection
 * or anything queued, carrying per-device state over by device id and
 * latches by output name.  The config's objects are built by graph.c
 * (as at start-up) and swapped in; the loop's own objects are reached
 * through this target, filled in by loop.c.
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

/* --------------------------------------------------------------- loop.c
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
	struct live         *live;      /* readings and events as handled (live.h) */
	struct http_console *http;      /* the web console; NULL: none */
};

/* status as JSON (links, depths, counters), for hazardctl and upstream
 * (loop_status.c) */
cJSON *daemon_status_json(struct daemon *d);
/* Close a hazard (write-off) and queue its "closed" event upstream. */
int daemon_close_hazard(struct daemon *d, const char *hazard_id, const char *actor,
			const char *note, char *err, size_t errlen);

#endif /* APP_DAEMON_H */
