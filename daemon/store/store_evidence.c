/*
 * store_evidence.c: the evidence kept with each record (三个有: what was
 * measured when it was raised, at its peak, when it cleared and when it
 * was closed), a JSON object in the row's evidence column.  Which reading
 * field shows a type's condition is core's (record_trigger_field); this
 * file only folds readings into the JSON.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

/*
 * evidence.trigger: {"field", "raised", "min", "max", "cleared", "closed"}:
 * the value of the field behind the hazard at each point, and its range
 * while the condition was on.  point NULL only widens min/max.
 */
static void trigger_fold(cJSON *ev, enum hazard_type t, const struct reading *r,
			 const char *point)
{
	cJSON *tr = cJSON_GetObjectItemCaseSensitive(ev, "trigger"), *v;
	const char *name;
	enum reading_field f;
	double x;

	if (!r)
		return;
	if (!cJSON_IsObject(tr)) {
		tr = cJSON_CreateObject();
		store_json_set(ev, "trigger", tr);
		if (!tr)
			return;
	}
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tr, "field"));
	if (name) {
		f = (enum reading_field)store_name_index(reading_field_name, RF_COUNT, name);
		if ((int)f < 0 || !reading_has(r, f))
			return;         /* this reading says nothing about it */
	} else {
		f = record_trigger_field(t, r);
		if (f == RF_COUNT)
			return;
		store_json_set(tr, "field", cJSON_CreateString(reading_field_name[f]));
	}
	x = r->val[f];
	if (point)
		store_json_set(tr, point, reading_field_is_bool[f] ? cJSON_CreateBool(x != 0)
								  : cJSON_CreateNumber(x));
	if (reading_field_is_bool[f])
		return;
	v = cJSON_GetObjectItemCaseSensitive(tr, "min");
	if (!cJSON_IsNumber(v) || x < v->valuedouble)
		store_json_set(tr, "min", cJSON_CreateNumber(x));
	v = cJSON_GetObjectItemCaseSensitive(tr, "max");
	if (!cJSON_IsNumber(v) || x > v->valuedouble)
		store_json_set(tr, "max", cJSON_CreateNumber(x));
}

/*
 * Fold a reading into the evidence: "latest" always, slot ("raised",
 * "cleared") when given, the per-field maximum of numeric fields in
 * "peak", and the trigger field's value and range in "trigger".  Returns
 * the new JSON text (malloc'd) or NULL on no memory.
 */
char *store_evidence_fold(const char *old, enum hazard_type t,
			  const struct reading *r, const char *slot, bool drop_cleared)
{
	cJSON *ev = store_parse_object(old), *peak;
	char *text;
	int f;

	if (!ev)
		return NULL;
	/* a reopened hazard is no longer cleared: its old clear reading
	 * would mislead whoever verifies the fix */
	if (drop_cleared) {
		cJSON_DeleteItemFromObjectCaseSensitive(ev, "cleared");
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(ev, "trigger"), "cleared");
	}
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
		trigger_fold(ev, t, r, slot);
	}
	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return text;
}

/* Evidence at close: the device's latest reading, and what the person said. */
char *store_evidence_close(struct store *st, const struct hazard_rec *cur,
			   const char *ev_old, const char *operator_text)
{
	char *last = store_latest_reading(st, cur->device), *text;
	cJSON *ev = store_parse_object(ev_old), *closed = last ? cJSON_Parse(last) : NULL;

	free(last);
	if (ev && closed) {
		const cJSON *tr = cJSON_GetObjectItemCaseSensitive(ev, "trigger");
		const char *f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tr, "field"));
		const cJSON *v = f ? cJSON_GetObjectItemCaseSensitive(closed, f) : NULL;

		if (v && (cJSON_IsNumber(v) || cJSON_IsBool(v)))
			store_json_set((cJSON *)tr, "closed", cJSON_Duplicate(v, false));
		store_json_set(ev, "closed", closed);
	} else {
		cJSON_Delete(closed);
	}
	if (ev && operator_text && *operator_text)
		store_json_set(ev, "operator", cJSON_CreateString(operator_text));
	text = ev ? cJSON_PrintUnformatted(ev) : NULL;
	cJSON_Delete(ev);
	return text;
}

int store_hazard_observe(struct store *st, const char *device, const struct reading *r)
{
	/* every record whose condition is on: live alarms and faults, and
	 * hazards with no normal_since (cleared_at_ms); called for each
	 * reading while one is, so both statements are the cached ones */
	sqlite3_stmt *s = st->stmt[S_HZ_OBSERVE], *u = st->stmt[S_HZ_EVIDENCE_SET];
	int rc, res = 0;

	store_bind_text(s, 1, device);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int t = store_name_index(hazard_type_name, HZ_TYPE_COUNT, store_col_text(s, 1));
		char *text;

		if (t < 0)
			continue;
		text = store_evidence_fold(store_col_text(s, 2), (enum hazard_type)t, r, NULL, false);
		if (!text) {
			res = -1;
			break;
		}
		store_bind_text(u, 1, store_col_text(s, 0));
		store_bind_text(u, 2, text);
		if (sqlite3_step(u) != SQLITE_DONE) {
			store_fail(st, "save evidence");
			res = -1;
		}
		store_stmt_done(u);
		free(text);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(st, "read open hazards");
		res = -1;
	}
	store_stmt_done(s);
	return res;
}
