/*
 * store_report.c: the read side that reports need: the records (alarms,
 * faults, hazards) and self-checks behind the daily summary, the per-site
 * hazard ledger, the filtered hazard listing, and the self_checks rows
 * themselves.
 *
 * These statements run a few times a day or on an operator's request, not
 * per message, so they are prepared per call rather than cached with the
 * store's hot statements.  Only the loop thread calls in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

static sqlite3_stmt *rpt_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_fail(st, "prepare report query");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* ------------------------------------------------------------ self-checks */

int store_self_check_put(struct store *st, const char *device, const char *site,
			 const char *source, int64_t at_ms, bool clock_trusted)
{
	sqlite3_stmt *s = rpt_prepare(st, "INSERT INTO self_checks "
		"(device, site, source, at_ms, clock_trusted) VALUES (?1, ?2, ?3, ?4, ?5)");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, device);
	store_bind_text(s, 2, site ? site : "");
	store_bind_text(s, 3, source);
	sqlite3_bind_int64(s, 4, at_ms);
	sqlite3_bind_int(s, 5, clock_trusted ? 1 : 0);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		store_fail(st, "save self-check");
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_report_self_checks(struct store *st, int64_t start_ms, int64_t end_ms,
			     void (*fn)(void *ctx, const char *device,
					const char *site, const char *source,
					int64_t count),
			     void *ctx)
{
	sqlite3_stmt *s = rpt_prepare(st, "SELECT device, site, source, count(*) "
		"FROM self_checks WHERE at_ms >= ?1 AND at_ms < ?2 "
		"GROUP BY device, site, source ORDER BY device, site, source");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, start_ms);
	sqlite3_bind_int64(s, 2, end_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, store_col_text(s, 0), store_col_text(s, 1), store_col_text(s, 2),
		   sqlite3_column_int64(s, 3));
	if (rc != SQLITE_DONE)
		store_fail(st, "read self-checks");
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ summary */

/*
 * The state an event leaves a record of its kind in, from the state it
 * was in; events that change no state (updated, escalated, action, a
 * hazard's assigned) keep it.  Each kind has its own states
 * (core/record.c); rows migrated from schema v4 keep their events of the
 * single hazard life cycle, which read here as their kind's nearest state.
 */
static const char *alarm_replay(const char *cur, const char *ev)
{
	if (strcmp(ev, "raised") == 0 || strcmp(ev, "reopened") == 0)
		return "active";
	if (strcmp(ev, "ended") == 0 || strcmp(ev, "cleared") == 0 ||
	    strcmp(ev, "closed") == 0)
		return "ended";
	/* acknowledging or verifying an alarm that has ended records the
	 * response and the verdict, but it stays ended */
	if (strcmp(ev, "acknowledged") == 0 || strcmp(ev, "verified") == 0 ||
	    strcmp(ev, "rectifying") == 0)
		return strcmp(cur, "ended") == 0 ? "ended" : "acknowledged";
	return cur;
}

static const char *fault_replay(const char *cur, const char *ev)
{
	if (strcmp(ev, "raised") == 0 || strcmp(ev, "reopened") == 0)
		return "active";
	if (strcmp(ev, "cleared") == 0 || strcmp(ev, "closed") == 0)
		return "cleared";
	if (strcmp(ev, "dismissed") == 0)
		return "dismissed";
	return cur;
}

/*
 * A hazard's state after ev (schema version 8's states).  The condition
 * (cleared, reopened, updated) moves no state, except that it coming back
 * sends a submitted hazard back to rectifying; acknowledging records 签收
 * and keeps the state.  Events from before version 8 replay as the
 * migration mapped their rows: acknowledged stays open, a cleared hazard
 * keeps the state before it.  raised_cleared is no longer needed (a
 * hazard is raised open either way) and kept for the callers.
 */
static const char *hazard_replay(const char *cur, const char *ev, bool raised_cleared)
{
	(void)raised_cleared;
	if (strcmp(ev, "raised") == 0)
		return "open";
	if (strcmp(ev, "reopened") == 0)
		return strcmp(cur, "submitted") == 0 ? "rectifying" : cur;
	if (strcmp(ev, "rectifying") == 0 || strcmp(ev, "reinspect_failed") == 0)
		return "rectifying";
	if (strcmp(ev, "submitted") == 0)
		return "submitted";
	if (strcmp(ev, "closed") == 0)
		return "closed";
	return cur;
}

const char *store_replay_state(enum record_kind k, const char *cur, const char *ev,
			       bool raised_cleared)
{
	switch (k) {
	case REC_ALARM: return alarm_replay(cur, ev);
	case REC_FAULT: return fault_replay(cur, ev);
	default: return hazard_replay(cur, ev, raised_cleared);
	}
}

/* A stamp as it stood at end_ms: 0 when it came later. */
static int64_t stamp_by(sqlite3_stmt *s, int col, int64_t end_ms)
{
	int64_t v = sqlite3_column_int64(s, col);

	return v > 0 && v < end_ms ? v : 0;
}

/* The replayed state out to the caller, and the record with it. */
static void record_flush(struct report_hazard *h, bool have, char *state,
			 void (*fn)(void *ctx, const struct report_hazard *h), void *ctx)
{
	if (!have)
		return;
	h->state_name = state;
	h->state = h->kind == REC_HAZARD ? hz_state_from_name(state) : -1;
	if (h->kind == REC_HAZARD && h->state < 0)
		h->state = HZS_OPEN;
	fn(ctx, h);
}

/*
 * Every record raised before end_ms, with its state and severity as they
 * were at end_ms, replayed from its events by its kind's states: a
 * summary of a past day says the same whenever it is asked for.
 */
int store_report_foreach(struct store *st, int64_t end_ms,
			 void (*fn)(void *ctx, const struct report_hazard *h),
			 void *ctx)
{
	sqlite3_stmt *s = rpt_prepare(st, "SELECT h.id, h.site, h.device, h.severity, "
		"h.state, h.raised_at_ms, h.deadline_ms, h.closed_at_ms, "
		"h.recurrence_of IS NOT NULL, h.clock_trusted, h.kind, h.type, "
		"h.acked_at_ms, h.cleared_at_ms, h.verified_at_ms, h.verdict, "
		"e.event, e.severity "
		"FROM hazards h LEFT JOIN hazard_events e "
		"ON e.hazard_id = h.id AND e.at_ms < ?1 "
		"WHERE h.raised_at_ms < ?1 ORDER BY h.id, e.seq");
	struct report_hazard h;
	char id[ID_MAX] = "", site[ID_MAX], device[ID_MAX], type[32], state[16] = "";
	bool have = false, raised_cleared = false;
	int rc;

	if (!s)
		return -1;
	memset(&h, 0, sizeof h);
	sqlite3_bind_int64(s, 1, end_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *ev = (const char *)sqlite3_column_text(s, 16);
		const char *sev = (const char *)sqlite3_column_text(s, 17);
		const char *next;
		int k;

		if (!have || strcmp(id, store_col_text(s, 0)) != 0) {
			record_flush(&h, have, state, fn, ctx);
			memset(&h, 0, sizeof h);
			strlcpy_hz(id, store_col_text(s, 0), sizeof id);
			strlcpy_hz(site, store_col_text(s, 1), sizeof site);
			strlcpy_hz(device, store_col_text(s, 2), sizeof device);
			strlcpy_hz(type, store_col_text(s, 11), sizeof type);
			h.id = id;
			h.site = site;
			h.device = device;
			h.type = type;
			k = record_kind_from_name(store_col_text(s, 10));
			h.kind = k < 0 ? REC_HAZARD : (enum record_kind)k;
			k = store_name_index(severity_name, 2, store_col_text(s, 3));
			h.severity = k < 0 ? SEV_GENERAL : k;
			/* no events at all (never written so): the row's state */
			strlcpy_hz(state, store_col_text(s, 4), sizeof state);
			if (!record_state_valid(h.kind, state))
				strlcpy_hz(state, h.kind == REC_HAZARD ? "open" : "active",
					   sizeof state);
			h.raised_at_ms = sqlite3_column_int64(s, 5);
			h.deadline_ms = sqlite3_column_int64(s, 6);
			h.closed_at_ms = stamp_by(s, 7, end_ms);
			h.recurrence = sqlite3_column_int(s, 8) != 0;
			h.clock_trusted = sqlite3_column_int(s, 9) != 0;
			h.acked_at_ms = stamp_by(s, 12, end_ms);
			h.cleared_at_ms = stamp_by(s, 13, end_ms);
			h.verified_at_ms = stamp_by(s, 14, end_ms);
			k = sqlite3_column_type(s, 15) == SQLITE_NULL ? VERDICT_NONE :
			    verdict_from_name(store_col_text(s, 15));
			h.verdict = h.verified_at_ms && k > 0 ? (enum verdict)k : VERDICT_NONE;
			/* a hazard raised with its condition off is stamped cleared
			 * at its raise (store_hazard_derive) */
			raised_cleared = h.kind == REC_HAZARD && h.raised_at_ms > 0 &&
					 sqlite3_column_int64(s, 13) == h.raised_at_ms;
			have = true;
		}
		if (!ev)
			continue;
		next = store_replay_state(h.kind, state, ev, raised_cleared);
		if (next != state)
			strlcpy_hz(state, next, sizeof state);
		if (sev && (k = store_name_index(severity_name, 2, sev)) >= 0)
			h.severity = k;
	}
	record_flush(&h, have, state, fn, ctx);
	if (rc != SQLITE_DONE)
		store_fail(st, "read records for the summary");
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_summary_put(struct store *st, const char *body, const char *meta_key,
		      int64_t meta_val)
{
	bool own;
	int rc;

	if (store_atomic_begin(st, &own) < 0)
		return -1;
	rc = store_outbox_put(st, "summary", OB_SUMMARY, body, NULL);
	if (rc == 0 && meta_key)
		rc = store_meta_set_int(st, meta_key, meta_val);
	return store_atomic_end(st, own, rc);
}

/* ------------------------------------------------------------ listings */

static const char *prio_name(int rank)
{
	return rank >= 0 && rank < 4 ? priority_name[rank] : "?";
}

static void add_time(cJSON *o, const char *key, int64_t ms)
{
	char buf[32];

	if (ms > 0)
		cJSON_AddStringToObject(o, key, fmt_iso_ms(ms, buf, sizeof buf));
	else
		cJSON_AddNullToObject(o, key);
}

static void add_text(cJSON *o, const char *key, sqlite3_stmt *s, int col)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, store_col_text(s, col));
}

/* The text evidence of a hazard (三个有): what the rectifier wrote at its
 * submit or close (evidence.operator), as a list; empty when none. */
static cJSON *ledger_evidence(const char *ev)
{
	cJSON *list = cJSON_CreateArray(), *o = cJSON_Parse(ev ? ev : "");
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(o, "operator");

	if (list && cJSON_IsString(op) && op->valuestring[0])
		cJSON_AddItemToArray(list, cJSON_CreateString(op->valuestring));
	cJSON_Delete(o);
	return list;
}

/*
 * The ledger (一企一檔): one row per hazard of a site, oldest first, with
 * every date of its life and who wrote it off.  Keys come in the column
 * order of the printed ledger.
 */
cJSON *store_ledger(struct store *st, const char *site, int64_t now_ms)
{
	sqlite3_stmt *s = rpt_prepare(st, "SELECT h.id, h.type, h.severity, h.priority, "
		"h.device, h.raised_at_ms, h.deadline_ms, h.state, h.acked_at_ms, "
		"h.rectifying_at_ms, h.cleared_at_ms, h.closed_at_ms, "
		"(SELECT actor FROM hazard_events e WHERE e.hazard_id = h.id "
		"  AND e.event = 'closed' ORDER BY e.seq DESC LIMIT 1), "
		"(SELECT note FROM hazard_events e WHERE e.hazard_id = h.id "
		"  AND e.event = 'closed' ORDER BY e.seq DESC LIMIT 1), "
		"h.overdue, h.recurrence_of, h.occurrences, "
		"h.submitted_at_ms, h.submitted_by, h.reinspect_failed, h.evidence "
		"FROM hazards h WHERE h.site = ?1 AND h.kind = 'hazard' "
		"ORDER BY h.raised_at_ms, h.id");
	cJSON *arr;
	int rc;

	if (!s)
		return NULL;
	arr = cJSON_CreateArray();
	store_bind_text(s, 1, site);
	while (arr && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		int64_t deadline = sqlite3_column_int64(s, 6);
		int64_t closed = sqlite3_column_int64(s, 11);

		if (!o) {
			rc = SQLITE_NOMEM;
			break;
		}
		cJSON_AddStringToObject(o, "id", store_col_text(s, 0));
		cJSON_AddStringToObject(o, "type", store_col_text(s, 1));
		cJSON_AddStringToObject(o, "severity", store_col_text(s, 2));
		cJSON_AddStringToObject(o, "priority", prio_name(sqlite3_column_int(s, 3)));
		cJSON_AddStringToObject(o, "device", store_col_text(s, 4));
		add_time(o, "raised", sqlite3_column_int64(s, 5));
		add_time(o, "deadline", deadline);
		cJSON_AddStringToObject(o, "state", store_col_text(s, 7));
		add_time(o, "acknowledged", sqlite3_column_int64(s, 8));
		add_time(o, "rectifying", sqlite3_column_int64(s, 9));
		add_time(o, "cleared", sqlite3_column_int64(s, 10));
		add_time(o, "closed", closed);
		add_text(o, "closed_by", s, 12);
		add_text(o, "note", s, 13);
		/* past its deadline without a write-off, now or when it closed */
		cJSON_AddBoolToObject(o, "overdue", sqlite3_column_int(s, 14) != 0 ||
			(deadline > 0 && (closed ? closed > deadline : now_ms > deadline)));
		add_text(o, "recurrence_of", s, 15);
		cJSON_AddNumberToObject(o, "occurrences", sqlite3_column_int(s, 16));
		/* the re-inspection (复查): the last submit, the failed ones */
		add_time(o, "submitted", sqlite3_column_int64(s, 17));
		add_text(o, "submitted_by", s, 18);
		cJSON_AddNumberToObject(o, "reinspect_failed", sqlite3_column_int(s, 19));
		cJSON_AddItemToObject(o, "evidence", ledger_evidence(store_col_text(s, 20)));
		/* the evidence files (store_evidence_files.c), oldest first */
		cJSON_AddItemToObject(o, "files", store_evidence_list(st, store_col_text(s, 0)));
		cJSON_AddItemToArray(arr, o);
	}
	if (!arr || rc != SQLITE_DONE) {
		if (arr)
			store_fail(st, "read the ledger");
		cJSON_Delete(arr);
		arr = NULL;
	}
	sqlite3_finalize(s);
	return arr;
}

/*
 * The hazard listing with filters applied in SQL; each row is the same
 * object the unfiltered listing gives (store_hazard_event_json without an
 * event), so both read alike.
 */
cJSON *store_list_hazards_where(struct store *st, const struct hazard_filter *f)
{
	sqlite3_stmt *s = rpt_prepare(st, "SELECT id FROM hazards "
		"WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR state = ?2) "
		"AND (?3 IS NULL OR severity = ?3) "
		"AND (raised_at_ms >= ?4 OR updated_at_ms >= ?4) "
		"AND (?5 = 0 OR " RECORD_LIVE_SQL ") AND (?6 IS NULL OR kind = ?6) "
		"ORDER BY priority, raised_at_ms, id");
	char **ids = NULL, **grown;
	size_t n = 0, cap = 0, i;
	cJSON *arr = NULL;
	int rc;

	if (!s)
		return NULL;
	store_bind_text(s, 1, f->site);
	store_bind_text(s, 2, f->state);
	store_bind_text(s, 3, f->severity);
	sqlite3_bind_int64(s, 4, f->since_ms);
	sqlite3_bind_int(s, 5, f->open_only ? 1 : 0);
	store_bind_text(s, 6, f->kind);
	/* ids first, rows after: the row reader uses the store's statements */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			grown = realloc(ids, cap * sizeof *ids);
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			ids = grown;
		}
		if (!(ids[n] = store_col_strdup(s, 0))) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	if (rc != SQLITE_DONE)
		store_fail(st, "list hazards");
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		arr = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		struct hazard_rec rec;
		cJSON *o;

		if (arr && store_hazard_get(st, ids[i], &rec) == 0 &&
		    (o = store_hazard_event_json(st, &rec, NULL, 0)) != NULL)
			cJSON_AddItemToArray(arr, o);
		free(ids[i]);
	}
	free(ids);
	return arr;
}
