/*
 * device_io.h: the device-facing transports (sixth layer, with io.h):
 * GPIO lines, the local broker's intake session and per-device flood
 * control.
 */
#ifndef DEVICE_IO_H
#define DEVICE_IO_H

#include "store.h"
#include "mqtt_link.h"

/* ------------------------------------------------------- mqtt_intake.c
 * The local broker session (mqtt_sub.c, driven by the loop's poll):
 * persistent (clean session off, stable client id), QoS 1 subscriptions
 * to every device topic, reconnect with backoff and jitter; each message
 * is acknowledged only when the loop has finished it (intake_settle).
 * Device commands go out on a Paho client of their own.  Loop thread.
 */
struct intake;
struct pollfd;
/* ix: the topic index, one holder's share of it (devindex_share), kept
 * (and let go of when it fails) */
struct intake *intake_new(const struct config *cfg, struct devindex *ix, struct msgq *q,
			  int wake_fd, char *err, size_t errlen);
void intake_free(struct intake *in);            /* disconnects */
/* The session's fd and events for poll() (1; 0 while it waits to
 * reconnect) and the longest the loop may sleep for it (-1: no limit). */
int  intake_pollfd(struct intake *in, struct pollfd *p, int *timeout_ms);
/* After poll: reads, writes, timers; messages go into the queue. */
void intake_handle(struct intake *in, short revents);
/* After a pass (or its alarm transaction): acknowledge every message
 * before the oldest one still queued (all are committed, or discarded and
 * counted; messages taken out of order, alarms first, leave holes that
 * count as finished).  Call it only when no popped message is unfinished.  committed false:
 * the pass's commit failed (storage failing): acknowledged all the same so
 * the session does not stall, and counted as acked_uncommitted. */
void intake_settle(struct intake *in, bool committed);
/* Every PUBACK through this sequence number has been read by the broker
 * (a PINGREQ written after them was answered). */
uint64_t intake_acks_confirmed(struct intake *in);
uint64_t intake_acked_through(struct intake *in);  /* PUBACKs written */
void intake_tick(struct intake *in, int64_t now_mono_ms);  /* (re)connects */
bool intake_connected(struct intake *in);
uint64_t intake_dropped(struct intake *in);     /* telemetry dropped, queue full */
struct intake_stats {
	uint64_t connects, connect_failures, connect_refused, disconnects,
		 keepalive_timeouts, messages, acks_sent, protocol_errors,
		 subscribe_refused, acked_uncommitted;
	size_t unacked;                 /* waiting for their commit now */
	bool subscribed, commands_connected;
	char last_error[200];
};
void intake_get_stats(struct intake *in, struct intake_stats *st);
/* Reload: take ix (built from cfg; owned from now on) as the routing
 * index, subscribe to the filters it adds on the same session.  Cannot
 * fail; a failed subscribe is logged and the next connect subscribes to
 * all. */
void intake_reconfigure(struct intake *in, const struct config *cfg,
			struct devindex *ix);
/* A device command, QoS 1 on the local broker; -1 while not connected. */
int  intake_publish(struct intake *in, const char *topic, const char *payload);
/* True once per new connection of the command link: re-send latched
 * commands. */
bool intake_reconnected(struct intake *in);
struct flood *intake_flood(struct intake *in);  /* NULL: no flood control */
/* The generation of the intake's routing index, one more at each reload:
 * a queued message's classification (below) holds only under the
 * generation it was made in (a reload renumbers the devices). */
unsigned intake_generation(const struct intake *in);

/* ------------------------------------------------------- intake_class.c
 * Each message is classified once, at receipt: its device and decoder
 * found once (devindex_find), its payload decoded once; the result
 * travels with the message in the hand-over queue (msg.info), so the
 * loop neither looks the device up nor decodes again.  Pure; any thread.
 */
enum intake_kind {
	IK_UNKNOWN = 0,         /* no device routes this topic */
	IK_OVERSIZED,           /* over local.max_payload: never parsed */
	IK_NO_FORMAT,           /* the device's format is not in this build */
	IK_BAD,                 /* the decoder refused it; err says why */
	IK_IGNORED,             /* DECODE_IGNORED: a command, an announcement */
	IK_READING,             /* r holds it; err names fields left out */
};
#define INTAKE_ERR_MAX 128
struct intake_class {
	struct reading r;       /* IK_READING */
	unsigned gen;           /* intake_generation() when classified */
	int      dev;           /* index in cfg->devices; -1 for IK_UNKNOWN */
	int      kind;          /* enum intake_kind */
	bool     alarm;         /* could raise or change an alarm now */
	char     err[INTAKE_ERR_MAX]; /* last: a queued copy keeps only the
				       * string (intake_class_size) */
};
/* Device, decoder and reading of one message (oversized: len is over
 * local.max_payload, the payload is not looked at). */
void intake_classify(const struct devindex *ix, const struct config *cfg,
		     const char *topic,
		     const void *payload, size_t len, bool oversized,
		     int64_t recv_ms, struct intake_class *c);
/* The bytes of c a copy needs: everything up to the end of err. */
size_t intake_class_size(const struct intake_class *c);
/* Anything a rule could turn into an alarm or fault right now: a set
 * alarm or fault flag, an explicit offline, an analog value at or over
 * one of dev's raise thresholds (rules_urgent; with no dev, any gas, CO
 * or temperature value).  Plain telemetry below the thresholds is not. */
bool intake_is_alarm(const struct device_cfg *dev, const struct reading *r);

/* ------------------------------------------------------- drivers/io/gpio.c
 * Dry-contact inputs and relay outputs on GPIO lines.  The line I/O goes
 * through a backend (libgpiod 1.6 in production, a fake in unit tests);
 * this file adds polarity, software debounce and the start-up read.  The
 * GPIO thread and the loop call it, always under the GPIO lock while the
 * thread runs (daemon/app/gpio_thread.c).
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

/* -------------------------------------------------------------- flood.c
 * Per-device token buckets ($.flood, a device's "flood" overrides): a
 * device sending faster than rate_per_s (after a burst) has the excess
 * dropped by the intake before the queue and the disk; an alarm's onset
 * (a flag turning on, an explicit offline) always passes, a repeat of the
 * state already passed on takes a token like anything else.  flood_admit,
 * flood_limited, flood_rising and flood_note run in the intake's message
 * callback (the loop's thread); the counters are atomic.
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

#endif /* DEVICE_IO_H */
