/*
 * store_assign.c: a hazard's assignment (交办/签收): who it is assigned to
 * now (table hazard_assignments, schema version 8) and every assignment
 * as an "assigned" event (hazard_events, detail: the person's id).
 *
 * Whether the person exists is the config's to say (app/ops_assign.c);
 * the store checks only what the record itself decides: a hazard, not
 * closed.  Assignments are rare, so their statements are prepared when
 * used rather than kept.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

static int assign_write(struct store *st, const char *hazard_id, const char *person,
			const char *actor, const char *note, int64_t now_ms,
			struct hazard_rec *rec, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	store_bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	rc = store_hz_fetch(st, S_HZ_GET, rec, NULL);
	if (rc < 0) {
		errf(err, errlen, "database busy, try again");
		return -1;
	}
	if (rc == 0) {
		errf(err, errlen, "no such hazard: %s", hazard_id);
		return -1;
	}
	if (rec->kind != REC_HAZARD) {
		errf(err, errlen, "%s is a%s %s: only a hazard is assigned", hazard_id,
		     rec->kind == REC_ALARM ? "n" : "", record_kind_name[rec->kind]);
		return -1;
	}
	if (strcmp(rec->state, "closed") == 0) {
		errf(err, errlen, "hazard %s is closed: a written-off hazard is not "
		     "assigned", hazard_id);
		return -1;
	}
	s = store_adhoc(st, "INSERT INTO hazard_assignments (hazard_id, person, "
			"assigned_at_ms, actor) VALUES (?1, ?2, ?3, ?4) "
			"ON CONFLICT (hazard_id) DO UPDATE SET person = ?2, "
			"assigned_at_ms = ?3, actor = ?4");
	if (!s) {
		errf(err, errlen, "cannot record the assignment");
		return -1;
	}
	store_bind_text(s, 1, hazard_id);
	store_bind_text(s, 2, person);
	sqlite3_bind_int64(s, 3, now_ms);
	store_bind_text(s, 4, actor);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "record assignment");
		errf(err, errlen, "cannot record the assignment");
		return -1;
	}
	if (store_ev_put(st, rec, "assigned", now_ms, actor, note, person) < 0) {
		errf(err, errlen, "cannot record the assignment");
		return -1;
	}
	return 0;
}

int store_hazard_assign(struct store *st, const char *hazard_id, const char *person,
			const char *actor, const char *note, int64_t now_ms,
			struct hazard_rec *rec, char *err, size_t errlen)
{
	bool own;
	int rc;

	if (store_atomic_begin(st, &own) < 0) {
		errf(err, errlen, "database busy, try again");
		return -1;
	}
	rc = assign_write(st, hazard_id, person, actor, note, now_ms, rec, err, errlen);
	if (store_atomic_end(st, own, rc) < 0) {
		if (rc == 0)
			errf(err, errlen, "database busy, try again");
		return -1;
	}
	return 0;
}

/* One prepared lookup, bound per hazard: 1 found, 0 none, -1 error. */
static int assignee_step(struct store *st, sqlite3_stmt *s, const char *hazard_id,
			 char *person, size_t len, int64_t *at_ms)
{
	int rc;

	sqlite3_reset(s);
	store_bind_text(s, 1, hazard_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		strlcpy_hz(person, store_col_text(s, 0), len);
		*at_ms = sqlite3_column_int64(s, 1);
		return 1;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "read assignment");
		return -1;
	}
	return 0;
}

static sqlite3_stmt *assignee_query(struct store *st)
{
	return store_adhoc(st, "SELECT person, assigned_at_ms FROM hazard_assignments "
			   "WHERE hazard_id = ?1");
}

int store_hazard_assignee(struct store *st, const char *hazard_id, char *person,
			  size_t len, int64_t *at_ms)
{
	sqlite3_stmt *s = assignee_query(st);
	int rc;

	if (!s)
		return -1;
	rc = assignee_step(st, s, hazard_id, person, len, at_ms);
	sqlite3_finalize(s);
	return rc;
}

static void add_assignee(cJSON *o, const char *person, int64_t at_ms)
{
	cJSON_AddStringToObject(o, "assignee", person);
	store_json_add_iso(o, "assigned_at", at_ms);
}

void store_assign_json(struct store *st, cJSON *o, const char *hazard_id)
{
	char person[ID_MAX];
	int64_t at = 0;

	if (o && store_hazard_assignee(st, hazard_id, person, sizeof person, &at) == 1)
		add_assignee(o, person, at);
}

void store_assign_rows(struct store *st, cJSON *rows, const char *id_key)
{
	sqlite3_stmt *s;
	cJSON *row;
	char person[ID_MAX];
	int64_t at = 0;

	if (!cJSON_IsArray(rows) || !rows->child || !(s = assignee_query(st)))
		return;
	cJSON_ArrayForEach(row, rows) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, id_key);

		if (cJSON_IsString(id) &&
		    assignee_step(st, s, id->valuestring, person, sizeof person, &at) == 1)
			add_assignee(row, person, at);
	}
	sqlite3_finalize(s);
}
