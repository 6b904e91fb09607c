/*
 * outputs.h: what the daemon drives (app layer): interlocks, device
 * commands awaiting confirmation, the GPIO thread, the device requests of
 * the control socket.
 */
#ifndef APP_OUTPUTS_H
#define APP_OUTPUTS_H

#include "io.h"

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


#endif /* APP_OUTPUTS_H */
