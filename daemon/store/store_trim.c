/*
 * store_trim.c: the storage quota's last resort before it gives up: the
 * events of finished records (an alarm ended, a fault cleared or
 * dismissed, a hazard closed) that nothing reads any more.
 *
 * store_make_room comes here only after old readings, telemetry and the
 * copies kept for resends are gone.  A record keeps its first event (the
 * raise) and its last; of the others, only an event written by hazardd
 * itself that the summary's replay (store_report.c) passes over unchanged
 * goes: one that leaves both the record's state and its severity as they
 * were (an "updated" repeat, an overdue "escalated"); a hazard's
 * "cleared" and "reopened" (its normal_since) stay.  Every event that
 * moves the state or the level stays, so a summary of any past day counts
 * the same after a trim as before; every person's action (acknowledged,
 * verified, closed, dismissed, with actor and note) and every "action"
 * event of an interlock or a device command (actor "interlock" or the
 * operator) stays, so the ledger and a record's timeline keep who did
 * what.  A record whose events are
 * not in time order (the wall clock was set back) is left whole: its
 * replay up to a day's end is not a prefix of its events.
 *
 * Records are visited oldest first (rowid order) from a cursor kept in
 * the store, a batch per call, so one pass over a large table is spread
 * over several quota checks.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

/* One finished record to look at. */
struct trim_rec {
	int64_t rowid;
	char    id[ID_MAX];
	enum record_kind kind;
	char    state[16];          /* the row's: where the replay starts */
	int     severity;           /* the row's: the replay's first level */
	bool    raised_cleared;
};

/* One of its events. */
struct trim_ev {
	int64_t seq, at_ms;
	char    event[24];
	int     severity;           /* -1: none recorded */
	bool    by_hazardd;
};

static sqlite3_stmt *trim_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_fail(st, "prepare event trim");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* Up to max finished records after the cursor, into r; the count or -1. */
static int trim_batch(struct store *st, struct trim_rec *r, int max)
{
	sqlite3_stmt *s = trim_prepare(st, "SELECT rowid, id, kind, "
		"kind = 'hazard' AND raised_at_ms > 0 AND cleared_at_ms = raised_at_ms, "
		"state, severity "
		"FROM hazards WHERE rowid > ?1 AND NOT " RECORD_LIVE_SQL " "
		"ORDER BY rowid LIMIT ?2");
	int rc = SQLITE_DONE, n = 0, k;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, st->trim_cursor);
	sqlite3_bind_int(s, 2, max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		k = record_kind_from_name(store_col_text(s, 2));
		r[n].rowid = sqlite3_column_int64(s, 0);
		strlcpy_hz(r[n].id, store_col_text(s, 1), sizeof r[n].id);
		r[n].kind = k < 0 ? REC_HAZARD : (enum record_kind)k;
		r[n].raised_cleared = sqlite3_column_int(s, 3) != 0;
		/* as store_report_foreach starts it */
		strlcpy_hz(r[n].state, store_col_text(s, 4), sizeof r[n].state);
		if (!record_state_valid(r[n].kind, r[n].state))
			strlcpy_hz(r[n].state, r[n].kind == REC_HAZARD ? "open" : "active",
				   sizeof r[n].state);
		k = store_name_index(severity_name, 2, store_col_text(s, 5));
		r[n].severity = k < 0 ? SEV_GENERAL : k;
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		store_fail(st, "list finished records");
		n = -1;
	}
	sqlite3_finalize(s);
	return n;
}

/* The events of one record, oldest first (*ev malloc'd); the count or -1. */
static int trim_events_of(struct store *st, const char *id, struct trim_ev **ev)
{
	sqlite3_stmt *s = trim_prepare(st, "SELECT seq, at_ms, event, severity, "
		"actor = 'hazardd' FROM hazard_events WHERE hazard_id = ?1 ORDER BY seq");
	struct trim_ev *v = NULL, *grown;
	int rc, n = 0, cap = 0;

	*ev = NULL;
	if (!s)
		return -1;
	store_bind_text(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(v, (size_t)cap * sizeof *v))) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = grown;
		}
		v[n].seq = sqlite3_column_int64(s, 0);
		v[n].at_ms = sqlite3_column_int64(s, 1);
		strlcpy_hz(v[n].event, store_col_text(s, 2), sizeof v[n].event);
		v[n].severity = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 :
				store_name_index(severity_name, 2, store_col_text(s, 3));
		v[n].by_hazardd = sqlite3_column_int(s, 4) == 1;
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "read events to trim");
		free(v);
		n = -1;
	} else {
		*ev = v;
	}
	sqlite3_finalize(s);
	return n;
}

/*
 * Mark in drop[] the events the replay passes over unchanged, first and
 * last excepted.  The replay starts where store_report_foreach's does:
 * from the row's state and severity.
 */
static int trim_mark(const struct trim_rec *r, const struct trim_ev *v, int n, bool *drop)
{
	const char *state = r->state;
	int i, sev = r->severity, marked = 0;

	for (i = 1; i < n; i++)
		if (v[i].at_ms < v[i - 1].at_ms)
			return 0;       /* not in time order: leave it whole */
	for (i = 0; i < n; i++) {
		const char *next = store_replay_state(r->kind, state, v[i].event,
						      r->raised_cleared);
		bool same = strcmp(next, state) == 0 &&
			    (v[i].severity < 0 || v[i].severity == sev);

		/* a hazard's condition normal again or back (normal_since)
		 * moves no state since schema version 8, but it is the
		 * before and after of the write-off: it stays */
		bool condition = r->kind == REC_HAZARD &&
				 (strcmp(v[i].event, "cleared") == 0 ||
				  strcmp(v[i].event, "reopened") == 0);

		drop[i] = i > 0 && i < n - 1 && same && v[i].by_hazardd && !condition;
		marked += drop[i];
		state = next;
		if (v[i].severity >= 0)
			sev = v[i].severity;
	}
	return marked;
}

static int trim_delete(struct store *st, const struct trim_ev *v, const bool *drop, int n)
{
	sqlite3_stmt *s = trim_prepare(st, "DELETE FROM hazard_events WHERE seq = ?1");
	int i, deleted = 0;

	if (!s)
		return -1;
	for (i = 0; i < n; i++) {
		if (!drop[i])
			continue;
		sqlite3_bind_int64(s, 1, v[i].seq);
		if (sqlite3_step(s) != SQLITE_DONE) {
			store_fail(st, "trim record events");
			sqlite3_finalize(s);
			return -1;
		}
		sqlite3_reset(s);
		deleted++;
	}
	sqlite3_finalize(s);
	return deleted;
}

int store_trim_events(struct store *st, int max_records, bool *wrapped)
{
	struct trim_rec *r;
	struct trim_ev *v;
	bool *drop;
	int n, i, k, total = 0;

	*wrapped = false;
	if (max_records <= 0 || !(r = calloc((size_t)max_records, sizeof *r)))
		return -1;
	n = trim_batch(st, r, max_records);
	for (i = 0; i < n; i++) {
		k = trim_events_of(st, r[i].id, &v);
		if (k < 0) {
			total = -1;
			break;
		}
		drop = k > 2 ? calloc((size_t)k, sizeof *drop) : NULL;
		if (drop && trim_mark(&r[i], v, k, drop) > 0) {
			int d = trim_delete(st, v, drop, k);

			if (d < 0)
				total = -1;
			else
				total += d;
		}
		free(drop);
		free(v);
		if (total < 0)
			break;
		st->trim_cursor = r[i].rowid;
	}
	if (n < 0)
		total = -1;
	else if (total >= 0 && n < max_records) {
		st->trim_cursor = 0;    /* the end: the next pass starts over */
		*wrapped = true;
	}
	free(r);
	return total;
}
