/*
 * store_record_rows.c: one record as rows: table hazards read into a
 * struct hazard_rec and written back from one, an event appended to
 * hazard_events, the next id of each kind, and the lookups a decision
 * needs (the latest close of a device and type, a hazard's source).
 * What the values are is decided in core/record_apply.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

int store_hz_from_row(sqlite3_stmt *s, struct hazard_rec *rec)
{
	int t = store_name_index(hazard_type_name, HZ_TYPE_COUNT, store_col_text(s, 3));
	int sev = store_name_index(severity_name, 2, store_col_text(s, 4));
	int prio = sqlite3_column_int(s, 5);
	int kind = record_kind_from_name(store_col_text(s, HZ_COL_KIND));
	int verdict = sqlite3_column_type(s, HZ_COL_KIND + 1) == SQLITE_NULL ? VERDICT_NONE :
		      verdict_from_name(store_col_text(s, HZ_COL_KIND + 1));

	memset(rec, 0, sizeof *rec);
	strlcpy_hz(rec->id, store_col_text(s, 0), sizeof rec->id);
	if (t < 0 || sev < 0 || prio < PRIO_URGENT || prio > PRIO_LOW || kind < 0 ||
	    verdict < 0 || !record_state_valid((enum record_kind)kind, store_col_text(s, 6))) {
		/* written by another version: skip it rather than misreport */
		log_warnx("store: hazard %s has unknown type \"%s\" or severity \"%s\"",
			  rec->id, store_col_text(s, 3), store_col_text(s, 4));
		return -1;
	}
	strlcpy_hz(rec->device, store_col_text(s, 1), sizeof rec->device);
	strlcpy_hz(rec->site, store_col_text(s, 2), sizeof rec->site);
	rec->type = (enum hazard_type)t;
	rec->severity = (enum severity)sev;
	rec->priority = (enum priority)prio;
	strlcpy_hz(rec->state, store_col_text(s, 6), sizeof rec->state);
	rec->raised_at_ms = sqlite3_column_int64(s, 7);
	rec->deadline_ms = sqlite3_column_int64(s, 8);
	rec->cleared_at_ms = sqlite3_column_int64(s, 9);
	rec->closed_at_ms = sqlite3_column_int64(s, 10);
	rec->occurrences = sqlite3_column_int(s, 11);
	rec->acked_at_ms = sqlite3_column_int64(s, HZ_COL_ACKED);
	rec->rectifying_at_ms = sqlite3_column_int64(s, HZ_COL_ACKED + 1);
	rec->overdue = sqlite3_column_int(s, HZ_COL_ACKED + 2) != 0;
	rec->escalated_at_ms = sqlite3_column_int64(s, HZ_COL_ACKED + 3);
	strlcpy_hz(rec->recurrence_of, store_col_text(s, HZ_COL_ACKED + 4),
		   sizeof rec->recurrence_of);
	rec->clock_trusted = sqlite3_column_int(s, HZ_COL_ACKED + 5) != 0;
	rec->kind = (enum record_kind)kind;
	rec->verdict = (enum verdict)verdict;
	rec->verified_at_ms = sqlite3_column_int64(s, HZ_COL_KIND + 2);
	strlcpy_hz(rec->reason, store_col_text(s, HZ_COL_KIND + 3), sizeof rec->reason);
	strlcpy_hz(rec->source, store_col_text(s, HZ_COL_KIND + 4), sizeof rec->source);
	rec->flapping = sqlite3_column_int(s, HZ_COL_FLAPPING) != 0;
	rec->submitted_at_ms = sqlite3_column_int64(s, HZ_COL_SUBMITTED);
	strlcpy_hz(rec->submitted_by, store_col_text(s, HZ_COL_SUBMITTED + 1),
		   sizeof rec->submitted_by);
	rec->reinspect_failed = sqlite3_column_int(s, HZ_COL_SUBMITTED + 2);
	return 0;
}

/* The life-cycle columns shared by S_HZ_INSERT and S_HZ_UPDATE (16..19,
 * an alarm's verification at 22, 23, flapping at 27 and a hazard's
 * re-inspection at 28..30). */
static void hz_bind_life(sqlite3_stmt *s, const struct hazard_rec *r)
{
	sqlite3_bind_int64(s, 16, r->acked_at_ms);
	sqlite3_bind_int64(s, 17, r->rectifying_at_ms);
	sqlite3_bind_int(s, 18, r->overdue ? 1 : 0);
	sqlite3_bind_int64(s, 19, r->escalated_at_ms);
	store_bind_text(s, 22, r->verdict != VERDICT_NONE && (unsigned)r->verdict < VERDICT_COUNT
			? verdict_name[r->verdict] : NULL);
	sqlite3_bind_int64(s, 23, r->verified_at_ms);
	sqlite3_bind_int(s, 27, r->flapping ? 1 : 0);
	sqlite3_bind_int64(s, 28, r->submitted_at_ms);
	store_bind_text(s, 29, r->submitted_by[0] ? r->submitted_by : NULL);
	sqlite3_bind_int(s, 30, r->reinspect_failed);
}

/*
 * One hazard row by a query already bound (S_HZ_GET or S_HZ_FIND_OPEN).
 * Returns 1 found, 0 none, -1 error.  *evidence (optional) is malloc'd.
 */
int store_hz_fetch(struct store *st, enum stmt_id id, struct hazard_rec *rec,
		   char **evidence)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc = sqlite3_step(s), found = 0;

	if (rc == SQLITE_ROW) {
		found = store_hz_from_row(s, rec) == 0 ? 1 : -1;
		if (found == 1 && evidence)
			*evidence = store_col_strdup(s, HZ_COL_EVIDENCE);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read hazard");
		found = -1;
	}
	store_stmt_done(s);
	return found;
}

int store_hz_insert(struct store *st, const struct hazard_rec *r,
		    const char *detail, const char *evidence, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[S_HZ_INSERT];

	store_bind_text(s, 1, r->id);
	store_bind_text(s, 2, r->device);
	store_bind_text(s, 3, r->site);
	store_bind_text(s, 4, hazard_type_name[r->type]);
	store_bind_text(s, 5, severity_name[r->severity]);
	sqlite3_bind_int(s, 6, (int)r->priority);
	store_bind_text(s, 7, r->state);
	sqlite3_bind_int64(s, 8, r->raised_at_ms);
	sqlite3_bind_int64(s, 9, r->deadline_ms);
	sqlite3_bind_int64(s, 10, r->cleared_at_ms);
	sqlite3_bind_int64(s, 11, r->closed_at_ms);
	sqlite3_bind_int(s, 12, r->occurrences);
	store_bind_text(s, 13, detail ? detail : "");
	store_bind_text(s, 14, evidence ? evidence : "{}");
	sqlite3_bind_int64(s, 15, now_ms);
	hz_bind_life(s, r);
	store_bind_text(s, 20, r->recurrence_of[0] ? r->recurrence_of : NULL);
	sqlite3_bind_int(s, 21, r->clock_trusted ? 1 : 0);
	store_bind_text(s, 24, record_kind_name[r->kind]);
	store_bind_text(s, 25, r->reason[0] ? r->reason : NULL);
	store_bind_text(s, 26, r->source[0] ? r->source : NULL);
	return store_stmt_run(st, S_HZ_INSERT, "insert hazard");
}

/* detail NULL keeps the stored one */
int store_hz_update(struct store *st, const struct hazard_rec *r,
		    const char *detail, const char *evidence, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[S_HZ_UPDATE];

	store_bind_text(s, 1, r->id);
	store_bind_text(s, 2, severity_name[r->severity]);
	sqlite3_bind_int(s, 3, (int)r->priority);
	store_bind_text(s, 4, r->state);
	sqlite3_bind_int64(s, 5, r->deadline_ms);
	sqlite3_bind_int64(s, 6, r->cleared_at_ms);
	sqlite3_bind_int64(s, 7, r->closed_at_ms);
	sqlite3_bind_int(s, 8, r->occurrences);
	store_bind_text(s, 9, detail);
	store_bind_text(s, 10, evidence ? evidence : "{}");
	sqlite3_bind_int64(s, 11, now_ms);
	hz_bind_life(s, r);
	return store_stmt_run(st, S_HZ_UPDATE, "update hazard");
}

int store_ev_put(struct store *st, const struct hazard_rec *r, const char *event,
		 int64_t at_ms, const char *actor, const char *note,
		 const char *detail)
{
	sqlite3_stmt *s = st->stmt[S_EV_PUT];

	store_bind_text(s, 1, r->id);
	store_bind_text(s, 2, event);
	sqlite3_bind_int64(s, 3, at_ms);
	store_bind_text(s, 4, actor);
	store_bind_text(s, 5, note);
	store_bind_text(s, 6, severity_name[r->severity]);
	store_bind_text(s, 7, detail && *detail ? detail : NULL);
	return store_stmt_run(st, S_EV_PUT, "save hazard event");
}

/* "<epoch>-A<n>", "-F<n>", "-H<n>": one counter per kind that never goes
 * back within a file, the epoch differs between files and changes when the
 * file's history went back (store_history.c), so an id is never handed
 * out twice. */
int store_hz_next_id(struct store *st, enum record_kind k, char *id, size_t len)
{
	static const char *const key[REC_KIND_COUNT] = {
		[REC_ALARM] = "alarm_seq", [REC_FAULT] = "fault_seq",
		[REC_HAZARD] = "hazard_seq",
	};
	int64_t n = 0;

	if (store_meta_get_int(st, key[k], &n) < 0 ||
	    store_meta_set_int(st, key[k], n + 1) < 0)
		return -1;
	store_history_note(st, k == REC_ALARM ? HWM_ALARM : k == REC_FAULT ? HWM_FAULT
			   : HWM_HAZARD, n + 1);
	snprintf(id, len, "%s-%c%lld", st->epoch, record_id_letter[k], (long long)(n + 1));
	return 0;
}

/* An ad hoc statement (rare queries: recurrence, listings by site). */
sqlite3_stmt *store_adhoc(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_fail(st, "prepare query");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/*
 * The latest close of a hazard of this device and type at or before
 * now_ms: its id (size ID_MAX) and closing time.  1 found, 0 none, -1
 * error.  A close that seems to lie in the future (the clock was set back
 * since) is passed over, so it cannot hide an earlier one; whether the one
 * found makes a recurrence is record_recurrence_within's to say.
 */
int store_hz_last_close(struct store *st, const char *device, enum hazard_type t,
			int64_t now_ms, char *id, int64_t *closed_at_ms)
{
	sqlite3_stmt *s = st->stmt[S_HZ_LAST_CLOSE];
	int rc, found = 0;

	store_bind_text(s, 1, device);
	store_bind_text(s, 2, hazard_type_name[t]);
	sqlite3_bind_int64(s, 3, now_ms);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		strlcpy_hz(id, store_col_text(s, 0), ID_MAX);
		*closed_at_ms = sqlite3_column_int64(s, 1);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "find a recent close");
		found = -1;
	}
	store_stmt_done(s);
	return found;
}

/* Does a hazard already stand for this source record (in any state)?
 * 1 yes, 0 no, -1 error. */
int store_hz_has_source(struct store *st, const char *source)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT 1 FROM hazards WHERE kind = 'hazard' "
				"AND source = ?1 LIMIT 1");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, source);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : (store_fail(st, "find a hazard's source"), -1);
}
