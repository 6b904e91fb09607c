/*
 * store.h: the SQLite store (fifth layer): rows and events, the outbox,
 * reports' read side, backups and the database's files.  Only the loop
 * thread calls it.  What a change means is decided before it gets here
 * (core/record.c, app/records.c).
 */
#ifndef STORE_H
#define STORE_H

#include "conf.h"

/* --------------------------------------------------------------- store.c
 * (with store_readings.c, store_quota.c, store_outbox.c, and the record
 * files named at "records" below for the records' first functions)
 * The single SQLite file (WAL, synchronous=FULL).  Only the loop thread
 * calls these.  Writes happen between store_begin/store_commit so one loop
 * pass is one transaction (group commit).
 */
struct store;

/* Drain order after an outage: most important first. */
enum outbox_class { OB_HAZARD_MAJOR = 0, OB_HAZARD_GENERAL = 1, OB_STATUS = 2,
		    OB_SUMMARY = 3, OB_TELEMETRY = 4,
		    OB_EVIDENCE = 5,    /* evidence files' chunks: last of all */
		    OB_HAZARD = OB_HAZARD_MAJOR };

/* struct hazard_rec, one alarm, fault or hazard as stored: core/record.h */

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
/* on: every write fails at once (SQLITE_READONLY, PRAGMA query_only),
 * none commits on its own or waits for a lock.  For a pass whose BEGIN
 * failed: it still evaluates its messages, and writes nothing. */
int    store_refuse_writes(struct store *st, bool on);

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
/* The same readings as one telemetry message's text,
 * {"count":N,"readings":[{"device":..,"seq":.., reading fields},...]},
 * appended to out (nothing when there are none); *count and *last_seq
 * get N and the last seq included.  -1 with out as it was on an error. */
int    store_telemetry_since(struct store *st, int64_t after_seq, int limit,
			     struct jbuf *out, int *count, int64_t *last_seq);
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
/* One field ("gas_lel") of device's readings with ts_ms in [from_ms,
 * to_ms], oldest first, at most max: [{"at": ms, "value": n}] (true and
 * false as 1 and 0); NULL on a store error (store_chart.c). */
cJSON *store_field_series(struct store *st, const char *device, const char *field,
			  int64_t from_ms, int64_t to_ms, int max);
/* The time of site's last self-inspection (自查) in ms, 0 none, -1 error
 * (store_selfcheck_last.c). */
int64_t store_last_selfcheck(struct store *st, const char *site);
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
/* store_ids.c: the ids (at most max into out, newest first) whose tail
 * after a '-' is part ("H12") or that start with part; how many match,
 * -1 on error. */
int    store_record_ids_matching(struct store *st, const char *part,
				 char (*out)[ID_MAX], int max);
/* store_live_count.c: live records of each kind, hazards past deadline. */
struct live_counts {
	int alarms, faults, hazards, hazards_overdue;
};
int    store_live_counts(struct store *st, struct live_counts *out);

/* store_assign.c: assignment (交办).  Assign a hazard that is not closed to
 * person (a people id the caller checked against the config): the current
 * assignment and an "assigned" event (detail: person) in one transaction
 * (a savepoint inside the caller's); *rec is the hazard.  0, or -1 with
 * err ("no such hazard", "... only a hazard is assigned", "... is closed"). */
int    store_hazard_assign(struct store *st, const char *hazard_id, const char *person,
			   const char *actor, const char *note, int64_t now_ms,
			   struct hazard_rec *rec, char *err, size_t errlen);
/* Who it is assigned to now: 1 (person, *at_ms), 0 never assigned, -1. */
int    store_hazard_assignee(struct store *st, const char *hazard_id, char *person,
			     size_t len, int64_t *at_ms);
/* "assignee" and "assigned_at" into o when the hazard has one; the same
 * for every row of rows (objects with the record id under id_key). */
void   store_assign_json(struct store *st, cJSON *o, const char *hazard_id);
void   store_assign_rows(struct store *st, cJSON *rows, const char *id_key);

/* store_supervise.c: supervision (挂牌督办) of a major hazard that is not
 * closed, once: the row and a "supervised" event, in one transaction (a
 * savepoint inside the caller's).  0, or -1 with err ("no such hazard",
 * "... is general", "... is closed", "... under supervision already"). */
int    store_hazard_supervise(struct store *st, const char *hazard_id, const char *who,
			      const char *note, int64_t now_ms, struct hazard_rec *rec,
			      char *err, size_t errlen);
/* The weekly report's rows (每周一报): the major hazards raised before
 * end_ms and not closed by then, deadline first: id, site, type, device,
 * state (now), raised, deadline, submitted, submitted_by,
 * reinspect_failed, overdue (by now_ms).  NULL on error. */
cJSON *store_weekly_majors(struct store *st, int64_t end_ms, int64_t now_ms);
/* "supervised" (bool) and "supervised_at" into every row of rows. */
void   store_supervision_rows(struct store *st, cJSON *rows, const char *id_key);

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

/* store_intake.c: QoS 1 messages committed, their PUBACK not yet written
 * (docs/intake.md).  hash: of topic and payload; run: the hazardd run's
 * start time; seq: that run's session sequence number.  seen: 1 found, 0
 * not, -1 error. */
int    store_intake_note(struct store *st, unsigned packet_id, int64_t hash,
			 int64_t run, uint64_t seq, int64_t at_ms);
int    store_intake_seen(struct store *st, unsigned packet_id, int64_t hash);
int    store_intake_done(struct store *st, int64_t run, uint64_t through_seq);
int    store_intake_forget_runs(struct store *st, int64_t run);

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
int  dbfile_guard(const char *path, unsigned run_uid, bool dropping, char *err,
		  size_t errlen);

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

/* -------------------------------------------------------- store_backup.c */
struct sqlite3;
/* Before migrating: the database copied to "<path>.pre-v<version>" with
 * the online backup API (kept if it exists).  0, or -1 with err. */
int store_backup_before_migration(struct sqlite3 *db, const char *path, int version,
				  char *err, size_t errlen);

/* ---------------------------------------------------------------- records
 * store_record.c (writes), store_record_query.c, store_record_json.c,
 * store_evidence.c; inside the caller's transaction.  The values written
 * are decided by core/record_apply.h; the store reads and writes rows. */
/* store_hazard_apply with deadlines, classes and recurrence from pol; a
 * hazard raised within pol's window after a close of the same device and
 * type links to it (recurrence_of; its grade is the caller's). */
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
/* struct hazard_origin: core/record_apply.h */
/* Raise a hazard from its origin, unless one already stands for that
 * source, or a live one for the device and type (then *rec is that one
 * and *event NULL).  Its evidence starts as the source's. */
int store_hazard_derive(struct store *st, const struct hazard_origin *o,
			const struct hz_policy *pol, int64_t now_ms,
			struct hazard_rec *rec, const char **event);
/* store_site_record.c: the live record of kind, device (may be '') and
 * type at site: 1 found (into *rec), 0 none, -1 error. */
int store_record_live(struct store *st, enum record_kind k, const char *device,
		      const char *site, enum hazard_type t, struct hazard_rec *rec);
/* The newest record of kind, device and type at site, live or not: 1
 * found (into *rec, its detail into detail), 0 none, -1 error. */
int store_record_newest(struct store *st, enum record_kind k, const char *device,
			const char *site, enum hazard_type t, struct hazard_rec *rec,
			char *detail, size_t len);
/* A rules change to the hazard of chg's type that stands for site with
 * no device (created on an onset); rec/event as store_record_apply. */
int store_site_hazard_apply(struct store *st, const char *site,
			    const struct hazard_change *chg, const struct hz_policy *pol,
			    int64_t now_ms, struct hazard_rec *rec, const char **event);
/* store_site_gap.c: a site's own hazards when the config changes.  The
 * live hazards of type t with no device at any site (malloc'd into *out;
 * the count, or -1); the stored detail of one (1, 0 none, -1); its detail
 * rewritten (event "updated"); its withdrawal by the daemon, closed with
 * note (event "closed").  The last two: 1 done, 0 not live, -1 error. */
int store_site_hazards_live(struct store *st, enum hazard_type t, struct hazard_rec **out);
int store_site_hazard_detail(struct store *st, const char *id, char *buf, size_t len);
int store_site_hazard_redetail(struct store *st, const char *id, const char *detail,
			       int64_t now_ms, struct hazard_rec *rec);
int store_site_hazard_withdraw(struct store *st, const char *id, const char *note,
			       int64_t now_ms, struct hazard_rec *rec);
/* Records of kind, device and type raised at or after since_ms; -1 error. */
int64_t store_record_count(struct store *st, enum record_kind k, const char *device,
			   enum hazard_type t, int64_t since_ms);
/* A person's action on any record (core/record.c decides if it may):
 * acknowledge, rectifying, close, verify (with verdict), dismiss.  Event
 * into *event.  -1 with the reason in err. */
/* store_record_act with the wait a sensor-backed hazard's condition must
 * have been normal before a submit (core/record.h's normal_needed_ms),
 * and whether its device is gone from the config (device_gone: submitted
 * whatever its condition, the event's detail saying so). */
int store_record_act_wait(struct store *st, const char *id, enum record_action a,
			  enum verdict v, const char *actor, const char *note,
			  const char *evidence, int64_t normal_needed_ms, bool device_gone,
			  int64_t now_ms, struct hazard_rec *rec, const char **event,
			  char *err, size_t errlen);
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

/* ------------------------------------------------ store_evidence_files.c
 * Evidence files (photos, documents of a fix), content-addressed, linked
 * to a hazard's event; their bytes go upstream in chunks (OB_EVIDENCE).
 */
#define EVIDENCE_CHUNK_BYTES (48 * 1024)        /* file bytes per message */
struct evidence_file {
	const char *name;               /* the name it was given (shown only) */
	const unsigned char *data;
	size_t len;
	char sha256[65];                /* of data: lowercase hex */
	const char *media_type;         /* sniffed from data */
};
/* Keep n files (once per sha256; a new one queues its chunks), linked to
 * hazard_id's event (event name and its at_ms) with actor, inside the
 * caller's transaction.  Refused with err when the new bytes would take
 * the files past share_max_bytes.  0, or -1 with err. */
int     store_evidence_attach(struct store *st, const char *hazard_id, const char *event,
			      const struct evidence_file *f, int n, const char *actor,
			      int64_t at_ms, int64_t share_max_bytes, char *err,
			      size_t errlen);
/* Bytes all kept files take (the sum of their sizes); -1 on error. */
int64_t store_evidence_bytes(struct store *st);
/* A hazard's files: [{"sha256", "media_type", "size", "name", "event",
 * "at", "actor"}], oldest first; NULL on error. */
cJSON  *store_evidence_list(struct store *st, const char *hazard_id);
/* The files that came with one event ([{"sha256", "media_type", "size",
 * "name"}]), or NULL when none. */
cJSON  *store_evidence_event_files(struct store *st, const char *hazard_id,
				   const char *event, int64_t at_ms);
/* An evidence outbox row's body ({"sha256", "seq", "total"}) as sent:
 * with "size", "media_type", "offset" and the chunk's bytes ("data",
 * base64).  malloc'd; NULL if the file is not kept or on no memory. */
char   *store_evidence_chunk_body(struct store *st, const char *ref);
/* ------------------------------------------------------ store_alerts.c
 * The alerts table (docs/alerts.md): a record's planned sends, keyed by
 * record, channel, contact and round. */
struct alert_row {
	char    record_id[ID_MAX];
	char    channel[ALERT_CHANNEL_LEN];
	char    contact[ID_MAX];
	int     round;
	int64_t due_at_ms;              /* wall clock */
	char    state[12];              /* pending, sent, failed, cancelled */
	int     attempts;
	char    last_error[160];
	char    text[ALERT_TEXT_MAX];
};
/* A pending row, unless it is there already (0), or -1. */
int store_alert_put(struct store *st, const struct alert_row *r);
/* The record's pending rows cancelled: how many, or -1. */
int store_alert_cancel(struct store *st, const char *record_id);
/* A row's state, attempts, last error and next due time; 0 or -1. */
int store_alert_mark(struct store *st, const struct alert_row *r);
/* Every pending row, oldest due first, into *out (malloc'd): n or -1. */
int store_alert_pending(struct store *st, struct alert_row **out);
/* Upkeep: the finished rows (sent, failed, cancelled) of records that
 * are history and unchanged for 30 days before now_ms (wall clock)
 * deleted, a bounded batch per call: how many, or -1. */
int store_alert_trim(struct store *st, int64_t now_ms);

/* At rest: the connection's page cache and other freeable memory given
 * back (store_memory.c); statements keep working and read again. */
void store_release_memory(struct store *st);

#endif /* STORE_H */
