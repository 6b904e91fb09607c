/*
 * records.h: the records on the loop thread (app layer): the life cycle's
 * events, the three kinds and their hazards, presence, the daily summary
 * and changes held over a failed commit.
 */
#ifndef APP_RECORDS_H
#define APP_RECORDS_H

#include "io.h"

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

/* ----------------------------------------------------------- lifecycle.c
 * The hazard life cycle (docs/lifecycle.md): states, the transitions a
 * person may make, deadlines and their escalation, priority classes.
 */
/* What a new or changed record of one type gets, from the config. */
void lifecycle_policy(const struct config *cfg, enum hazard_type t,
		      struct hz_policy *out);

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

/* A person's move without a verdict (ack, rectify, submit, verify pass
 * or fail, close): checks the table, commits the event and queues it
 * upstream.  evidence may be NULL.  0, or -1 with the reason in err. */
int daemon_hazard_transition(struct daemon *d, const char *hazard_id,
			     enum record_action a, const char *actor,
			     const char *note, const char *evidence,
			     char *err, size_t errlen);
/* daemon_record_action with evidence files (ops_evidence.c read them):
 * kept and linked to the action's event in its transaction
 * (store_evidence_attach); a refusal there undoes the action. */
int daemon_record_action_files(struct daemon *d, const char *id, enum record_action a,
			       enum verdict v, const char *actor, const char *note,
			       const char *evidence, const struct evidence_file *files,
			       int n_files, char *err, size_t errlen);

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
/* A hazard recorded by hand (reason person, no sensor behind it; device
 * NULL or "" for none, else one of the site's devices); severity -1: as
 * the grading rules say.  Committed and queued upstream; *out the new
 * hazard.  0, or -1 with the reason (no such site or device, a live
 * hazard already stands for the device and type). */
int daemon_hazard_raise(struct daemon *d, const char *site, enum hazard_type t,
			const char *device, int severity, const char *actor,
			const char *note, struct hazard_rec *out, char *err, size_t errlen);
/* The policy in force (config, else core/record.c's defaults). */
double records_normal_before_submit_h(const struct config *cfg, enum hazard_type t);
int records_recurrence_count(const struct config *cfg);
double records_recurrence_window_h(const struct config *cfg);
double records_fault_limit_h(const struct config *cfg, enum hazard_type t);
enum severity records_grade(const struct config *cfg, enum hazard_type t,
			    const char *site, bool high_level, bool recurrence);

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
/* Each device's presence now (enum presence; NULL: unknown, e.g. for a
 * past day), parallel to cfg->devices.  The summary object of date; NULL
 * with err. */
cJSON *summary_build(struct store *st, const struct config *cfg, const char *date,
		     const unsigned char *presence, int64_t now_ms, char *err,
		     size_t errlen);
/* weekly.c: queue the weekly report (每周一报) of the week that ended,
 * once (from the summary's tick). */
void weekly_tick(struct daemon *d);
/* The self-inspection rate (自查率, summary_selfcheck.c): adds
 * "self_inspection" {"sites", "inspected", "inspections", "rate"} to the
 * summary's totals and to each configured site's entry, from the
 * checklist self-inspections in [start_ms, cut_ms).  0, or -1. */
int summary_self_inspection(struct store *st, const struct config *cfg, int64_t start_ms,
			    int64_t cut_ms, cJSON *summary);
/* inspected / sites to four places; -1 when there is no site to rate. */
double summary_self_inspection_rate(int64_t inspected, int64_t sites);
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
/* A self-check into self_checks for the button self-test rate (按键自检):
 * source "device" (a test press) or "output" (hazardctl test); errors are
 * counted. */
void summary_self_check(struct daemon *d, const char *device, const char *site,
			const char *source, int64_t at_ms);

#endif /* APP_RECORDS_H */
