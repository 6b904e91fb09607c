/*
 * store_supervise.c: supervision (挂牌督办) of a major hazard by the
 * platform (table hazard_supervision, schema version 10) and its
 * "supervised" event in hazard_events (detail: the platform's who).
 *
 * Only a major hazard that is not closed is put under supervision, and
 * once: the platform lifts nothing here, the write-off ends it.  The
 * overdue escalation (lifecycle.c) is another thing and keeps its name.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

static int supervised_at(struct store *st, const char *hazard_id, int64_t *at_ms,
			 char *who, size_t len)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT supervised_at_ms, who FROM "
				      "hazard_supervision WHERE hazard_id = ?1");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, hazard_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*at_ms = sqlite3_column_int64(s, 0);
		if (who)
			strlcpy_hz(who, store_col_text(s, 1), len);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "read supervision");
		return -1;
	}
	return rc == SQLITE_ROW;
}

static int supervise_write(struct store *st, const char *hazard_id, const char *who,
			   const char *note, int64_t now_ms, struct hazard_rec *rec,
			   char *err, size_t errlen)
{
	sqlite3_stmt *s;
	char by[ID_MAX * 2] = "", at[32];
	int64_t since = 0;
	int rc;

	store_bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	rc = store_hz_fetch(st, S_HZ_GET, rec, NULL);
	if (rc <= 0) {
		errf(err, errlen, rc < 0 ? "database busy, try again" : "no such hazard: %s",
		     hazard_id);
		return -1;
	}
	if (rec->kind != REC_HAZARD) {
		errf(err, errlen, "%s is a%s %s: only a major hazard is supervised",
		     hazard_id, rec->kind == REC_ALARM ? "n" : "", record_kind_name[rec->kind]);
		return -1;
	}
	if (rec->severity != SEV_MAJOR) {
		errf(err, errlen, "hazard %s is general: only a major hazard is put under "
		     "supervision (挂牌督办)", hazard_id);
		return -1;
	}
	if (strcmp(rec->state, "closed") == 0) {
		errf(err, errlen, "hazard %s is closed: a written-off hazard is not "
		     "supervised", hazard_id);
		return -1;
	}
	if ((rc = supervised_at(st, hazard_id, &since, by, sizeof by)) != 0) {
		if (rc > 0)
			errf(err, errlen, "hazard %s is under supervision already (since %s, "
			     "by %s)", hazard_id, fmt_iso_ms(since, at, sizeof at), by);
		else
			errf(err, errlen, "database busy, try again");
		return -1;
	}
	s = store_adhoc(st, "INSERT INTO hazard_supervision (hazard_id, supervised_at_ms, "
			"who, note) VALUES (?1, ?2, ?3, ?4)");
	if (!s) {
		errf(err, errlen, "cannot record the supervision");
		return -1;
	}
	store_bind_text(s, 1, hazard_id);
	sqlite3_bind_int64(s, 2, now_ms);
	store_bind_text(s, 3, who);
	if (note)
		store_bind_text(s, 4, note);
	else
		sqlite3_bind_null(s, 4);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE || store_ev_put(st, rec, "supervised", now_ms, who, note,
					      who) < 0) {
		store_fail(st, "record supervision");
		errf(err, errlen, "cannot record the supervision");
		return -1;
	}
	return 0;
}

int store_hazard_supervise(struct store *st, const char *hazard_id, const char *who,
			   const char *note, int64_t now_ms, struct hazard_rec *rec,
			   char *err, size_t errlen)
{
	bool own;
	int rc;

	if (store_atomic_begin(st, &own) < 0) {
		errf(err, errlen, "database busy, try again");
		return -1;
	}
	rc = supervise_write(st, hazard_id, who, note, now_ms, rec, err, errlen);
	if (store_atomic_end(st, own, rc) < 0) {
		if (rc == 0)
			errf(err, errlen, "database busy, try again");
		return -1;
	}
	return 0;
}

void store_supervision_rows(struct store *st, cJSON *rows, const char *id_key)
{
	cJSON *row;
	char at[32];
	int64_t since;

	cJSON_ArrayForEach(row, rows) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, id_key);
		int rc = cJSON_IsString(id) ? supervised_at(st, id->valuestring, &since,
							     NULL, 0) : 0;

		cJSON_AddBoolToObject(row, "supervised", rc > 0);
		if (rc > 0)
			cJSON_AddStringToObject(row, "supervised_at",
						fmt_iso_ms(since, at, sizeof at));
	}
}

/* ------------------------------------------------ the weekly report */

static void add_ms(cJSON *o, const char *key, int64_t ms)
{
	char buf[32];

	if (ms > 0)
		cJSON_AddStringToObject(o, key, fmt_iso_ms(ms, buf, sizeof buf));
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *store_weekly_majors(struct store *st, int64_t end_ms, int64_t now_ms)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT id, site, type, device, state, "
		"raised_at_ms, deadline_ms, submitted_at_ms, submitted_by, reinspect_failed, "
		"overdue FROM hazards WHERE kind = 'hazard' AND severity = 'major' "
		"AND raised_at_ms < ?1 AND (closed_at_ms = 0 OR closed_at_ms >= ?1) "
		"ORDER BY deadline_ms, raised_at_ms, id");
	cJSON *arr = s ? cJSON_CreateArray() : NULL;
	int rc = SQLITE_DONE;

	if (!arr) {
		if (s)
			sqlite3_finalize(s);
		return NULL;
	}
	sqlite3_bind_int64(s, 1, end_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		int64_t deadline = sqlite3_column_int64(s, 6);

		if (!o) {
			rc = SQLITE_NOMEM;
			break;
		}
		cJSON_AddStringToObject(o, "id", store_col_text(s, 0));
		cJSON_AddStringToObject(o, "site", store_col_text(s, 1));
		cJSON_AddStringToObject(o, "type", store_col_text(s, 2));
		cJSON_AddStringToObject(o, "device", store_col_text(s, 3));
		cJSON_AddStringToObject(o, "state", store_col_text(s, 4));
		add_ms(o, "raised", sqlite3_column_int64(s, 5));
		add_ms(o, "deadline", deadline);
		add_ms(o, "submitted", sqlite3_column_int64(s, 7));
		if (sqlite3_column_type(s, 8) == SQLITE_NULL)
			cJSON_AddNullToObject(o, "submitted_by");
		else
			cJSON_AddStringToObject(o, "submitted_by", store_col_text(s, 8));
		cJSON_AddNumberToObject(o, "reinspect_failed", sqlite3_column_int(s, 9));
		cJSON_AddBoolToObject(o, "overdue", sqlite3_column_int(s, 10) != 0 ||
				      (deadline > 0 && now_ms > deadline));
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "read the weekly report");
		cJSON_Delete(arr);
		arr = NULL;
	}
	sqlite3_finalize(s);
	return arr;
}
