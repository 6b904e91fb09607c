/*
 * store_hazard.c: hazard records and their events in the store: raise,
 * repeat, escalate, clear and close, the evidence kept with each hazard, and
 * the JSON forms the uplink and hazardctl read.  Runs inside the caller's
 * transaction like the rest of the store.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hazardd.h"
#include "store_internal.h"

static int hz_from_row(sqlite3_stmt *s, struct hazard_rec *rec)
{
	int t = store_name_index(hazard_type_name, HZ_TYPE_COUNT, store_col_text(s, 3));
	int sev = store_name_index(severity_name, 2, store_col_text(s, 4));
	int prio = sqlite3_column_int(s, 5);

	memset(rec, 0, sizeof *rec);
	strlcpy_hz(rec->id, store_col_text(s, 0), sizeof rec->id);
	if (t < 0 || sev < 0 || prio < PRIO_URGENT || prio > PRIO_SLOW) {
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
	return 0;
}

/*
 * One hazard row by a query already bound (S_HZ_GET or S_HZ_FIND_OPEN).
 * Returns 1 found, 0 none, -1 error.  *evidence (optional) is malloc'd.
 */
static int hz_fetch(struct store *st, enum stmt_id id, struct hazard_rec *rec,
		    char **evidence)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc = sqlite3_step(s), found = 0;

	if (rc == SQLITE_ROW) {
		found = hz_from_row(s, rec) == 0 ? 1 : -1;
		if (found == 1 && evidence)
			*evidence = store_col_strdup(s, HZ_COL_EVIDENCE);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read hazard");
		found = -1;
	}
	store_stmt_done(s);
	return found;
}

static int hz_insert(struct store *st, const struct hazard_rec *r,
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
	return store_stmt_run(st, S_HZ_INSERT, "insert hazard");
}

/* detail NULL keeps the stored one */
static int hz_update(struct store *st, const struct hazard_rec *r,
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
	return store_stmt_run(st, S_HZ_UPDATE, "update hazard");
}

static int ev_put(struct store *st, const struct hazard_rec *r, const char *event,
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

/* "<epoch>-H<n>": the counter never goes back within a file, the epoch
 * differs between files, so an id is never handed out twice. */
static int hz_next_id(struct store *st, char *id, size_t len)
{
	int64_t n = 0;

	if (store_meta_get_int(st, "hazard_seq", &n) < 0 ||
	    store_meta_set_int(st, "hazard_seq", n + 1) < 0)
		return -1;
	snprintf(id, len, "%s-H%lld", st->epoch, (long long)(n + 1));
	return 0;
}

/*
 * Fold a reading into the evidence: "latest" always, slot ("raised",
 * "cleared") when given, and the per-field maximum of numeric fields in
 * "peak".  Returns the new JSON text (malloc'd) or NULL on no memory.
 */
static char *evidence_fold(const char *old, const struct reading *r,
			   const char *slot, bool drop_cleared)
{
	cJSON *ev = store_parse_object(old), *peak;
	char *text;
	int f;

	if (!ev)
		return NULL;
	/* a reopened hazard is no longer cleared: its old clear reading
	 * would mislead whoever verifies the fix */
	if (drop_cleared)
		cJSON_DeleteItemFromObjectCaseSensitive(ev, "cleared");
	if (r) {
		if (slot)
			store_json_set(ev, slot, reading_to_json(r));
		store_json_set(ev, "latest", reading_to_json(r));
		peak = cJSON_GetObjectItemCaseSensitive(ev, "peak");
		if (!cJSON_IsObject(peak)) {
			peak = cJSON_CreateObject();
			store_json_set(ev, "peak", peak);
		}
		for (f = 0; peak && f < RF_COUNT; f++) {
			cJSON *p;

			if (!reading_has(r, f) || reading_field_is_bool[f])
				continue;
			p = cJSON_GetObjectItemCaseSensitive(peak, reading_field_name[f]);
			if (!cJSON_IsNumber(p) || r->val[f] > p->valuedouble)
				store_json_set(peak, reading_field_name[f],
					 cJSON_CreateNumber(r->val[f]));
		}
	}
	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return text;
}

/* Raise severity (and with it priority and deadline) if chg is higher. */
static bool hz_raise_severity(struct hazard_rec *r, enum severity sev,
			      double deadline_h)
{
	if (sev <= r->severity)
		return false;
	r->severity = sev;
	r->priority = hazard_priority(r->type, sev);
	/* the deadline runs from the first report, not from the escalation */
	r->deadline_ms = r->raised_at_ms + store_hours_to_ms(deadline_h);
	return true;
}

int store_hazard_apply(struct store *st, const struct device_cfg *dev,
		       const struct hazard_change *chg,
		       const struct reading *evidence,
		       double deadline_h, int64_t now_ms,
		       struct hazard_rec *rec, const char **event)
{
	struct hazard_rec cur, next;
	const char *ev_name = NULL, *slot = NULL;
	char *ev_old = NULL, *ev_new = NULL;
	bool own, drop_cleared = false;
	int found, rc = 0;

	*event = NULL;
	memset(rec, 0, sizeof *rec);
	if ((unsigned)chg->type >= HZ_TYPE_COUNT || (unsigned)chg->severity > SEV_MAJOR) {
		complain(&st->complaint, "store: hazard change for %s: bad type %d "
			 "or severity %d", dev->id, (int)chg->type, (int)chg->severity);
		return -1;
	}
	if (store_atomic_begin(st, &own) < 0)
		return -1;
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 1, dev->id);
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 2, hazard_type_name[chg->type]);
	found = hz_fetch(st, S_HZ_FIND_OPEN, &cur, &ev_old);
	if (found < 0) {
		rc = -1;
		goto out;
	}

	if (!found) {
		if (chg->kind == CHG_CLEAR)
			goto out;       /* nothing open: nothing to clear */
		/* ACTIVE, or ESCALATE with nothing to escalate: a new hazard */
		memset(&next, 0, sizeof next);
		if (hz_next_id(st, next.id, sizeof next.id) < 0) {
			rc = -1;
			goto out;
		}
		strlcpy_hz(next.device, dev->id, sizeof next.device);
		strlcpy_hz(next.site, dev->site, sizeof next.site);
		next.type = chg->type;
		next.severity = chg->severity;
		next.priority = hazard_priority(chg->type, chg->severity);
		strlcpy_hz(next.state, "open", sizeof next.state);
		next.raised_at_ms = now_ms;
		next.deadline_ms = now_ms + store_hours_to_ms(deadline_h);
		next.occurrences = 1;
		ev_new = evidence_fold(NULL, evidence, "raised", false);
		rc = ev_new ? hz_insert(st, &next, chg->detail, ev_new, now_ms) : -1;
		ev_name = "raised";
		goto write_event;
	}

	next = cur;
	switch (chg->kind) {
	case CHG_ESCALATE:
		if (strcmp(cur.state, "open") == 0) {
			if (!hz_raise_severity(&next, chg->severity, deadline_h))
				goto out;       /* not higher: nothing changed */
			ev_name = "escalated";
			break;
		}
		/* a cleared hazard whose condition is back: reopen it as
		 * ACTIVE would, so it can never be closed while active */
		__attribute__((fallthrough));
	case CHG_ACTIVE:
		next.occurrences++;
		if (strcmp(cur.state, "cleared") == 0) {
			strlcpy_hz(next.state, "open", sizeof next.state);
			next.cleared_at_ms = 0;
			drop_cleared = true;
		}
		ev_name = hz_raise_severity(&next, chg->severity, deadline_h) &&
			  chg->kind == CHG_ESCALATE ? "escalated" : "updated";
		break;
	case CHG_CLEAR:
		if (strcmp(cur.state, "open") != 0)
			goto out;
		strlcpy_hz(next.state, "cleared", sizeof next.state);
		next.cleared_at_ms = now_ms;
		slot = "cleared";
		ev_name = "cleared";
		break;
	default:
		goto out;
	}
	ev_new = evidence_fold(ev_old, evidence, slot, drop_cleared);
	rc = ev_new ? hz_update(st, &next, chg->detail, ev_new, now_ms) : -1;

write_event:
	if (rc == 0)
		rc = ev_put(st, &next, ev_name, now_ms, "hazardd", NULL, chg->detail);
	if (rc == 0) {
		*rec = next;
		*event = ev_name;
	}
out:
	if (found == 1 && !*event)
		*rec = cur;     /* nothing changed: report the record as it is */
	free(ev_old);
	free(ev_new);
	if (store_atomic_end(st, own, rc) < 0) {
		*event = NULL;
		return -1;
	}
	return 0;
}

int store_hazard_get(struct store *st, const char *hazard_id, struct hazard_rec *rec)
{
	struct hazard_rec r;

	/* fetch into a local: hazard_id may be rec->id, read at step time */
	store_bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	if (hz_fetch(st, S_HZ_GET, &r, NULL) != 1) {
		memset(rec, 0, sizeof *rec);
		return -1;
	}
	*rec = r;
	return 0;
}

int store_hazard_close(struct store *st, const char *hazard_id,
		       const char *actor, const char *note, int64_t now_ms,
		       struct hazard_rec *rec, char *err, size_t errlen)
{
	struct hazard_rec cur;
	char *ev_old = NULL, *ev_new = NULL, *last = NULL, id[ID_MAX];
	bool own;
	int found, rc = 0, refused = 0;

	/* hazard_id may point into *rec (close what was just read) */
	strlcpy_hz(id, hazard_id, sizeof id);
	hazard_id = id;
	if (rec)
		memset(rec, 0, sizeof *rec);
	if (store_atomic_begin(st, &own) < 0) {
		errf(err, errlen, "database error: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	store_bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	found = hz_fetch(st, S_HZ_GET, &cur, &ev_old);
	if (found < 0) {
		errf(err, errlen, "database error reading hazard %s", hazard_id);
		rc = -1;
	} else if (found == 0) {
		errf(err, errlen, "no such hazard %s", hazard_id);
		refused = 1;
	} else if (strcmp(cur.state, "open") == 0) {
		/* write-off needs a verified fix: never close what is active */
		errf(err, errlen, "hazard %s is open: its condition has not "
			"cleared", hazard_id);
		refused = 1;
	} else if (strcmp(cur.state, "cleared") != 0) {
		errf(err, errlen, "hazard %s is already %s", hazard_id, cur.state);
		refused = 1;
	}
	if (rc < 0 || refused)
		goto out;

	/* evidence at close: the device's latest reading, if it has any */
	last = store_latest_reading(st, cur.device);
	{
		cJSON *ev = store_parse_object(ev_old), *closed = last ? cJSON_Parse(last) : NULL;

		if (ev && closed)
			store_json_set(ev, "closed", closed);
		else
			cJSON_Delete(closed);
		ev_new = ev ? cJSON_PrintUnformatted(ev) : NULL;
		cJSON_Delete(ev);
	}
	strlcpy_hz(cur.state, "closed", sizeof cur.state);
	cur.closed_at_ms = now_ms;
	rc = ev_new ? hz_update(st, &cur, NULL, ev_new, now_ms) : -1;
	if (rc == 0)
		rc = ev_put(st, &cur, "closed", now_ms, actor ? actor : "operator",
			    note, NULL);
	if (rc < 0)
		errf(err, errlen, "database error closing hazard %s: %s",
			hazard_id, sqlite3_errmsg(st->db));
out:
	free(ev_old);
	free(ev_new);
	free(last);
	if (store_atomic_end(st, own, rc) < 0) {
		if (rc == 0)
			errf(err, errlen, "database error closing hazard %s: %s",
				hazard_id, sqlite3_errmsg(st->db));
		return -1;
	}
	if (refused)
		return -1;
	if (rec)
		*rec = cur;
	return 0;
}

/*
 * The hazard as JSON: the upstream event body when event is set, the
 * listing object otherwise.  detail/evidence come from the row.
 */
static cJSON *hz_json(struct store *st, const struct hazard_rec *r,
		      const char *event, int64_t at_ms,
		      const char *detail, const char *evidence)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "hazard_id", r->id);
	if (event)
		cJSON_AddStringToObject(o, "event", event);
	cJSON_AddStringToObject(o, "type", hazard_type_name[r->type]);
	cJSON_AddStringToObject(o, "severity", severity_name[r->severity]);
	cJSON_AddStringToObject(o, "priority", priority_name[r->priority]);
	cJSON_AddStringToObject(o, "device", r->device);
	cJSON_AddStringToObject(o, "site", r->site);
	cJSON_AddStringToObject(o, "state", r->state);
	store_json_add_iso(o, "raised_at", r->raised_at_ms);
	store_json_add_iso(o, "deadline", r->deadline_ms);
	if (r->cleared_at_ms)
		store_json_add_iso(o, "cleared_at", r->cleared_at_ms);
	if (r->closed_at_ms)
		store_json_add_iso(o, "closed_at", r->closed_at_ms);
	cJSON_AddNumberToObject(o, "occurrences", r->occurrences);
	if (detail && *detail)
		cJSON_AddStringToObject(o, "detail", detail);
	cJSON_AddItemToObject(o, "evidence", store_parse_object(evidence));
	if (event) {
		sqlite3_stmt *s = st->stmt[S_EV_LAST];

		store_json_add_iso(o, "at", at_ms);
		store_bind_text(s, 1, r->id);
		store_bind_text(s, 2, event);
		if (sqlite3_step(s) == SQLITE_ROW) {
			if (sqlite3_column_type(s, 0) != SQLITE_NULL)
				cJSON_AddStringToObject(o, "actor", store_col_text(s, 0));
			if (sqlite3_column_type(s, 1) != SQLITE_NULL)
				cJSON_AddStringToObject(o, "note", store_col_text(s, 1));
		}
		store_stmt_done(s);
	}
	return o;
}

cJSON *store_hazard_event_json(struct store *st, const struct hazard_rec *rec,
			       const char *event, int64_t at_ms)
{
	sqlite3_stmt *s = st->stmt[S_HZ_GET];
	char *detail = NULL, *evidence = NULL;
	cJSON *o;
	int rc;

	if ((unsigned)rec->type >= HZ_TYPE_COUNT || (unsigned)rec->severity > SEV_MAJOR ||
	    (unsigned)rec->priority > PRIO_SLOW)
		return NULL;
	/* detail and evidence are not in hazard_rec: take them from the row */
	store_bind_text(s, 1, rec->id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		detail = store_col_strdup(s, HZ_COL_DETAIL);
		evidence = store_col_strdup(s, HZ_COL_EVIDENCE);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read hazard");
	}
	store_stmt_done(s);
	o = hz_json(st, rec, event, at_ms, detail, evidence);
	free(detail);
	free(evidence);
	return o;
}

int store_foreach_open(struct store *st,
		       void (*fn)(void *ctx, const struct hazard_rec *rec),
		       void *ctx)
{
	sqlite3_stmt *s = st->stmt[S_HZ_LIST_OPEN];
	struct hazard_rec *recs = NULL, *grown;
	size_t n = 0, cap = 0, i;
	int rc;

	/* collect first, call after: fn may use the store itself */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(recs, cap * sizeof *recs);
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			recs = grown;
		}
		if (hz_from_row(s, &recs[n]) == 0)
			n++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list open hazards");
		store_stmt_done(s);
		free(recs);
		return -1;
	}
	store_stmt_done(s);
	for (i = 0; i < n; i++)
		fn(ctx, &recs[i]);
	free(recs);
	return 0;
}

cJSON *store_list_hazards(struct store *st, bool open_only)
{
	sqlite3_stmt *s = st->stmt[open_only ? S_HZ_LIST_OPEN : S_HZ_LIST_ALL];
	cJSON *arr = cJSON_CreateArray();
	struct hazard_rec r;
	int rc;

	if (!arr)
		return NULL;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (hz_from_row(s, &r) == 0)
			cJSON_AddItemToArray(arr, hz_json(st, &r, NULL, 0,
				store_col_text(s, HZ_COL_DETAIL), store_col_text(s, HZ_COL_EVIDENCE)));
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list hazards");
		cJSON_Delete(arr);
		arr = NULL;
	}
	store_stmt_done(s);
	return arr;
}

static cJSON *json_text_or_null(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return cJSON_CreateNull();
	return cJSON_CreateString(store_col_text(s, i));
}

cJSON *store_hazard_detail(struct store *st, const char *hazard_id)
{
	sqlite3_stmt *s = st->stmt[S_HZ_GET];
	struct hazard_rec r;
	cJSON *o = NULL, *events;
	char buf[32];
	int rc;

	store_bind_text(s, 1, hazard_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && hz_from_row(s, &r) == 0)
		o = hz_json(st, &r, NULL, 0, store_col_text(s, HZ_COL_DETAIL),
			    store_col_text(s, HZ_COL_EVIDENCE));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(st, "read hazard");
	store_stmt_done(s);
	if (!o)
		return NULL;

	events = cJSON_AddArrayToObject(o, "events");
	s = st->stmt[S_EV_LIST];
	store_bind_text(s, 1, hazard_id);
	while (events && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *e = cJSON_CreateObject();

		if (!e)
			break;
		cJSON_AddNumberToObject(e, "seq", (double)sqlite3_column_int64(s, 0));
		cJSON_AddStringToObject(e, "event", store_col_text(s, 1));
		cJSON_AddStringToObject(e, "at", fmt_iso_ms(sqlite3_column_int64(s, 2),
							    buf, sizeof buf));
		cJSON_AddItemToObject(e, "actor", json_text_or_null(s, 3));
		cJSON_AddItemToObject(e, "note", json_text_or_null(s, 4));
		cJSON_AddItemToObject(e, "severity", json_text_or_null(s, 5));
		cJSON_AddItemToObject(e, "detail", json_text_or_null(s, 6));
		cJSON_AddItemToArray(events, e);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		store_fail(st, "read hazard events");
	store_stmt_done(s);
	return o;
}
