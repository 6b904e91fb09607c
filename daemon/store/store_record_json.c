/*
 * store_record_json.c: a record as JSON, the form the uplink sends and
 * hazardctl reads: the upstream event body, the listing object, and the
 * detail view with its events.  Only formatting: every value shown was
 * decided and stored before.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

/* An alarm's level from its stored severity (core/record.h). */
static const char *alarm_level(const struct hazard_rec *r)
{
	return r->severity == SEV_MAJOR ? "high" : "low";
}

/* What only an alarm carries: level, response, verification, end. */
static void alarm_json(cJSON *o, const struct hazard_rec *r)
{
	cJSON_AddStringToObject(o, "level", alarm_level(r));
	if (r->acked_at_ms) {
		store_json_add_iso(o, "acknowledged_at", r->acked_at_ms);
		/* response time (响应时间): raise to the first acknowledgement */
		cJSON_AddNumberToObject(o, "response_s",
					(double)(r->acked_at_ms - r->raised_at_ms) / 1000.0);
	}
	if (r->verdict != VERDICT_NONE) {
		cJSON_AddStringToObject(o, "verdict", verdict_name[r->verdict]);
		store_json_add_iso(o, "verified_at", r->verified_at_ms);
	}
	if (r->cleared_at_ms)
		store_json_add_iso(o, "ended_at", r->cleared_at_ms);
}

static void fault_json(cJSON *o, const struct hazard_rec *r)
{
	if (r->cleared_at_ms)
		store_json_add_iso(o, "cleared_at", r->cleared_at_ms);
	if (r->closed_at_ms)
		store_json_add_iso(o, "dismissed_at", r->closed_at_ms);
}

static void hazard_json(cJSON *o, const struct hazard_rec *r)
{
	cJSON_AddStringToObject(o, "severity", severity_name[r->severity]);
	store_json_add_iso(o, "deadline", r->deadline_ms);
	/* whether its condition is normal is a property, not a state:
	 * since when, or null while it is on */
	if (r->cleared_at_ms)
		store_json_add_iso(o, "normal_since", r->cleared_at_ms);
	else
		cJSON_AddNullToObject(o, "normal_since");
	if (r->submitted_at_ms) {
		store_json_add_iso(o, "submitted_at", r->submitted_at_ms);
		cJSON_AddStringToObject(o, "submitted_by", r->submitted_by);
	}
	cJSON_AddNumberToObject(o, "reinspect_failed", r->reinspect_failed);
	if (r->closed_at_ms)
		store_json_add_iso(o, "closed_at", r->closed_at_ms);
	if (r->acked_at_ms)
		store_json_add_iso(o, "acked_at", r->acked_at_ms);
	if (r->rectifying_at_ms)
		store_json_add_iso(o, "rectifying_at", r->rectifying_at_ms);
	/* absent means false: the common case stays compact */
	if (r->overdue) {
		cJSON_AddBoolToObject(o, "overdue", true);
		store_json_add_iso(o, "escalated_at", r->escalated_at_ms);
	}
	if (r->recurrence_of[0]) {
		cJSON_AddBoolToObject(o, "recurrence", true);
		cJSON_AddStringToObject(o, "recurrence_of", r->recurrence_of);
	}
	if (r->reason[0])
		cJSON_AddStringToObject(o, "reason", r->reason);
	if (r->source[0])
		cJSON_AddStringToObject(o, "source", r->source);
}

/*
 * A record as JSON: the upstream event body when event is set, the
 * listing object otherwise.  Its id field is named for its kind
 * (alarm_id, fault_id, hazard_id); detail/evidence come from the row.
 */
static cJSON *hz_json(struct store *st, const struct hazard_rec *r,
		      const char *event, int64_t at_ms,
		      const char *detail, const char *evidence)
{
	cJSON *o = cJSON_CreateObject();
	char idkey[16];

	if (!o)
		return NULL;
	if (event)      /* protocol version 2 (uplink.c reads it first) */
		cJSON_AddNumberToObject(o, "v", 2);
	snprintf(idkey, sizeof idkey, "%s_id", record_kind_name[r->kind]);
	cJSON_AddStringToObject(o, idkey, r->id);
	if (!event) {   /* listings: one id key whatever the kind */
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddStringToObject(o, "kind", record_kind_name[r->kind]);
	}
	if (event)
		cJSON_AddStringToObject(o, "event", event);
	cJSON_AddStringToObject(o, "type", hazard_type_name[r->type]);
	cJSON_AddStringToObject(o, "priority", priority_name[r->priority]);
	/* a hazard recorded by hand may name no device */
	if (r->device[0])
		cJSON_AddStringToObject(o, "device", r->device);
	else
		cJSON_AddNullToObject(o, "device");
	cJSON_AddStringToObject(o, "site", r->site);
	cJSON_AddStringToObject(o, "state", r->state);
	store_json_add_iso(o, "raised_at", r->raised_at_ms);
	cJSON_AddNumberToObject(o, "occurrences", r->occurrences);
	/* absent means false, like overdue: only while its condition flaps */
	if (r->flapping)
		cJSON_AddBoolToObject(o, "flapping", true);
	switch (r->kind) {
	case REC_ALARM: alarm_json(o, r); break;
	case REC_FAULT: fault_json(o, r); break;
	default: hazard_json(o, r); break;
	}
	if (!r->clock_trusted)
		cJSON_AddBoolToObject(o, "clock_trusted", false);
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
	    (unsigned)rec->priority > PRIO_LOW)
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
	/* upstream events carry the current assignee; listings do not
	 * (the detail view and the ledger do) */
	if (event && rec->kind == REC_HAZARD)
		store_assign_json(st, o, rec->id);
	/* the evidence files that came with this event (a submit, a close):
	 * their metadata; the bytes follow on <prefix>/evidence */
	if (o && event && rec->kind == REC_HAZARD) {
		cJSON *files = store_evidence_event_files(st, rec->id, event, at_ms);

		if (files)
			cJSON_AddItemToObject(o, "files", files);
	}
	free(detail);
	free(evidence);
	return o;
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
		if (store_hz_from_row(s, &r) == 0)
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
	if (rc == SQLITE_ROW && store_hz_from_row(s, &r) == 0)
		o = hz_json(st, &r, NULL, 0, store_col_text(s, HZ_COL_DETAIL),
			    store_col_text(s, HZ_COL_EVIDENCE));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(st, "read hazard");
	store_stmt_done(s);
	if (!o)
		return NULL;
	if (r.kind == REC_HAZARD)
		store_assign_json(st, o, r.id);

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
