/*
 * store_internal.h: what the store's files share (statements, the open
 * connection, the row helpers of records).  Nobody else includes this;
 * the rest of the daemon sees only store.h.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <stddef.h>

#include <sqlite3.h>

#include "store.h"
#include "hwm.h"

#define STORE_EPOCH_LEN 8       /* lowercase hex chars in meta "epoch" */

struct store;

/* Prepared statements, one per query; indexes into struct store.stmt. */
enum stmt_id {
	/* transaction control first: is_tx_control() relies on it */
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	S_META_GET, S_META_SET,
	S_SITE_UPSERT, S_DEVICE_UPSERT,
	S_READING_PUT, S_READING_FLOOR, S_READING_FLOOR_SET, S_READING_TRIM, S_READINGS_SINCE, S_READING_LATEST,
	S_HZ_FIND_OPEN, S_HZ_GET, S_HZ_INSERT, S_HZ_UPDATE,
	S_HZ_LIST_OPEN, S_HZ_LIST_ALL,
	S_EV_PUT, S_EV_LAST, S_EV_LIST,
	S_OB_PUT, S_OB_LIFT, S_OB_NEXT, S_QUOTA_READINGS, S_QUOTA_TELEMETRY, S_OB_DELETE, S_OB_COUNT,
	S_OB_ARCHIVE,
	S_IN_NOTE, S_IN_NOTE4, S_IN_NOTE16, S_IN_SEEN, S_IN_DONE, S_IN_STALE,
	S_HZ_OBSERVE, S_HZ_EVIDENCE_SET, S_HZ_FIND_LIVE, S_HZ_LAST_CLOSE,
	S_AL_PUT, S_AL_CANCEL, S_AL_MARK, S_AL_PENDING,
	S_COUNT
};

/* Column order that store_hz_from_row() reads; detail and evidence at 12, 13,
 * then the life-cycle columns of schema version 3. */
#define HZ_COLS "id, device, site, type, severity, priority, state, " \
	"raised_at_ms, deadline_ms, cleared_at_ms, closed_at_ms, occurrences, " \
	"detail, evidence, acked_at_ms, rectifying_at_ms, overdue, " \
	"escalated_at_ms, recurrence_of, clock_trusted, kind, verdict, " \
	"verified_at_ms, reason, source, flapping, submitted_at_ms, " \
	"submitted_by, reinspect_failed"
#define HZ_COL_DETAIL   12
#define HZ_COL_EVIDENCE 13
#define HZ_COL_ACKED    14
#define HZ_COL_KIND     20      /* then verdict, verified_at_ms, reason, source */
#define HZ_COL_FLAPPING 25      /* schema version 6 */
#define HZ_COL_SUBMITTED 26     /* schema version 8: then submitted_by,
				 * reinspect_failed */

struct store {
	sqlite3          *db;
	sqlite3_stmt     *stmt[S_COUNT];
	char              epoch[STORE_EPOCH_LEN + 1];
	/* a full disk fails every write of every pass: say it once, with
	 * backoff, and "recovered" once a commit goes through again */
	struct complaint  complaint;
	/* between store_begin and store_commit/store_rollback */
	bool              in_tx;
	/* the high-water mark beside the file (store_history.c) */
	char              hwm_path[PATH_MAX_HZ + 8];
	struct hwm        hwm;          /* the lease last written */
	bool              hwm_on;       /* false for :memory: */
	bool              hwm_dirty;    /* the last write failed: try again */
	struct complaint  hwm_complaint;
	int               history;      /* enum hwm_verdict of this open */
	char              history_why[600];
	int64_t           trim_cursor;  /* store_trim_events: last rowid seen */
	/* intake rows noted in this transaction, written 16 to a statement
	 * and the rest before its COMMIT (store_intake.c) */
	struct store_intake_row {
		int64_t  hash, run, seq, at_ms;
		unsigned packet_id;
	}                 in_rows[16];
	int               n_in_rows;
	/* the next reading must look at the table and the floor before it
	 * lets SQLite pick its seq: set at open, at a rollback and when the
	 * quota drops readings (store_readings.c) */
	bool              reading_check;
};

/* store_intake.c: the rows held for the transaction, written (before its
 * COMMIT, or a delete of intake rows); -1 if one failed. */
int store_intake_flush(struct store *st);

/* store_readings.c: meta reading_seq raised to the largest seq kept,
 * before the quota drops readings (the table may end up empty). */
int store_readings_floor_raise(struct store *st);

/* Helpers shared by the store's files (defined in store.c). */
int store_fail(struct store *st, const char *what);
void store_stmt_done(sqlite3_stmt *s);
int store_stmt_run(struct store *st, enum stmt_id id, const char *what);
void store_bind_text(sqlite3_stmt *s, int i, const char *v);
const char *store_col_text(sqlite3_stmt *s, int i);
char *store_col_strdup(sqlite3_stmt *s, int i);
int store_atomic_begin(struct store *st, bool *own);
int store_atomic_end(struct store *st, bool own, int rc);
int store_name_index(const char *const *names, int n, const char *name);
void store_json_set(cJSON *obj, const char *key, cJSON *item);
void store_json_add_iso(cJSON *obj, const char *key, int64_t ms);
cJSON *store_parse_object(const char *text);
char *store_latest_reading(struct store *st, const char *device);
/* A PRAGMA that answers with a row: its first column into out (may be
 * NULL); 0, or -1 (store.c). */
int store_pragma(sqlite3 *db, const char *sql, char *out, size_t outlen);

/* ------------------------------------------ records as rows (store_record_rows.c)
 * The values written are decided in core/record_apply.c; these only move
 * them between struct hazard_rec and the hazards and hazard_events tables.
 */
/* A row of HZ_COLS into rec; -1 (and a warning) for one written by another
 * version (unknown type, severity, kind or state). */
int store_hz_from_row(sqlite3_stmt *s, struct hazard_rec *rec);
/* One record by a query already bound (S_HZ_GET or S_HZ_FIND_OPEN): 1
 * found, 0 none, -1 error.  *evidence (optional) is malloc'd. */
int store_hz_fetch(struct store *st, enum stmt_id id, struct hazard_rec *rec,
		   char **evidence);
int store_hz_insert(struct store *st, const struct hazard_rec *r,
		    const char *detail, const char *evidence, int64_t now_ms);
/* detail NULL keeps the stored one */
int store_hz_update(struct store *st, const struct hazard_rec *r,
		    const char *detail, const char *evidence, int64_t now_ms);
/* Append an event row with the record's severity as it stands. */
int store_ev_put(struct store *st, const struct hazard_rec *r, const char *event,
		 int64_t at_ms, const char *actor, const char *note,
		 const char *detail);
/* The next id of kind k ("<epoch>-A<n>", "-F<n>", "-H<n>") into id. */
int store_hz_next_id(struct store *st, enum record_kind k, char *id, size_t len);
/* An ad hoc statement (rare queries); NULL after store_fail. */
sqlite3_stmt *store_adhoc(struct store *st, const char *sql);
/* The latest close of device and type at or before now_ms: id (ID_MAX)
 * and its time.  1 found, 0 none, -1 error. */
int store_hz_last_close(struct store *st, const char *device, enum hazard_type t,
			int64_t now_ms, char *id, int64_t *closed_at_ms);
/* Does a hazard already stand for this source record?  1, 0, -1 error. */
int store_hz_has_source(struct store *st, const char *source);

/* ----------------------------------------------------- store_evidence.c */
/* Fold a reading (may be NULL) into the evidence text old: "latest",
 * slot ("raised", "cleared") when given, "peak", "trigger"; drop_cleared
 * forgets the clear of a reopened record.  malloc'd, NULL on no memory. */
struct record_plan;
/* A record_apply plan's rows: the record (evidence folded) and its event
 * (store_record.c); *rec, *event set when they took. */
int store_plan_write(struct store *st, const struct record_plan *plan,
		     const struct hazard_change *chg, const struct reading *evidence,
		     const char *ev_old, int64_t now_ms, struct hazard_rec *rec,
		     const char **event);
char *store_evidence_fold(const char *old, enum hazard_type t,
			  const struct reading *r, const char *slot, bool drop_cleared);
/* The evidence at close: the device's latest reading and the person's
 * text (may be NULL).  malloc'd, NULL on no memory. */
char *store_evidence_close(struct store *st, const struct hazard_rec *cur,
			   const char *ev_old, const char *operator_text);

/* A random epoch (STORE_EPOCH_LEN hex digits) into out (store_schema.c). */
int store_random_epoch(char *out, char *err, size_t errlen);

/* The high-water mark (store_history.c).  file_absent: before the open,
 * is the file missing or empty (a new database)?  history_open runs after
 * the epoch is loaded; history_note before id n of counter ctr (enum
 * hwm_ctr) goes out; history_close at a clean close. */
bool store_history_file_absent(const char *path);
int store_history_open(struct store *st, const char *path, bool db_created,
		       char *err, size_t errlen);
void store_history_note(struct store *st, int ctr, int64_t n);
void store_history_close(struct store *st);

/* The schema version this build writes (the number of migrations). */
int store_schema_version(void);

/*
 * Run PRAGMA quick_check.  -1 with "database PATH is corrupt: ..." in err
 * when the file is damaged or not a database at all.
 */
int store_schema_check(sqlite3 *db, const char *path, char *err, size_t errlen);

/*
 * Bring the file up to store_schema_version(), one transaction per
 * migration.  Refuses a file written by a newer hazardd.
 */
int store_schema_migrate(sqlite3 *db, const char *path, char *err, size_t errlen);

/* The quota: drop the n oldest kept copies of delivered hazard events
 * (store_resend.c); the number dropped, or -1. */
int store_drop_sent(struct store *st, int n);

/* The state a record of kind k is in after event ev from state cur, as
 * the summary replays it (store_report.c); cur itself when ev changes
 * nothing.  raised_cleared: a hazard raised with its condition off. */
const char *store_replay_state(enum record_kind k, const char *cur, const char *ev,
			       bool raised_cleared);

/* The quota, last: the events of up to max_records finished records from
 * st->trim_cursor on that no report needs (store_trim.c); the number
 * deleted, or -1.  *wrapped: the pass reached the last record (the next
 * call starts again from the first). */
int store_trim_events(struct store *st, int max_records, bool *wrapped);

/* The connection itself, for unit tests that provoke errors (disk full). */
sqlite3 *store_sqlite(struct store *st);

#endif /* STORE_INTERNAL_H */
