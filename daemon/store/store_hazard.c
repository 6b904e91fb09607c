/*
 * store_hazard.c: hazard records and their events in the store: raise,
 * repeat, escalate, clear, reopen, a person's transitions (acknowledge,
 * rectifying, close), overdue escalation and recurrence, the evidence kept
 * with each hazard, and the JSON forms the uplink and hazardctl read.  Runs
 * inside the caller's transaction like the rest of the store.  Which
 * transition is legal is lifecycle.c's table, not decided here.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

static int hz_from_row(sqlite3_stmt *s, struct hazard_rec *rec)
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
	return 0;
}

/* The life-cycle columns shared by S_HZ_INSERT and S_HZ_UPDATE (16..19,
 * an alarm's verification at 22, 23, and flapping at 27). */
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
	hz_bind_life(s, r);
	store_bind_text(s, 20, r->recurrence_of[0] ? r->recurrence_of : NULL);
	sqlite3_bind_int(s, 21, r->clock_trusted ? 1 : 0);
	store_bind_text(s, 24, record_kind_name[r->kind]);
	store_bind_text(s, 25, r->reason[0] ? r->reason : NULL);
	store_bind_text(s, 26, r->source[0] ? r->source : NULL);
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
	hz_bind_life(s, r);
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

/* "<epoch>-A<n>", "-F<n>", "-H<n>": one counter per kind that never goes
 * back within a file, the epoch differs between files and changes when the
 * file's history went back (store_history.c), so an id is never handed
 * out twice. */
static int hz_next_id(struct store *st, enum record_kind k, char *id, size_t len)
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

/*
 * The reading field that shows a hazard type's condition, for the
 * before/after comparison in evidence.trigger: the first of these the
 * reading carries.  RF_COUNT ends a list.
 */
static enum reading_field trigger_field(enum hazard_type t, const struct reading *r)
{
	static const enum reading_field gas[] = { RF_GAS_LEL, RF_GAS_PPM, RF_GAS, RF_ALARM, RF_COUNT },
		co[] = { RF_CO_PPM, RF_GAS_PPM, RF_CO, RF_ALARM, RF_GAS, RF_COUNT },
		watts[] = { RF_POWER_W, RF_COUNT },
		smoke[] = { RF_SMOKE, RF_ALARM, RF_COUNT },
		temp[] = { RF_TEMP_C, RF_COUNT }, amps[] = { RF_CURRENT_A, RF_COUNT },
		power[] = { RF_POWER_W, RF_CURRENT_A, RF_COUNT },
		batt[] = { RF_BATTERY, RF_BATTERY_LOW, RF_COUNT },
		tamper[] = { RF_TAMPER, RF_COUNT }, fault[] = { RF_FAULT, RF_COUNT },
		online[] = { RF_ONLINE, RF_COUNT }, other[] = { RF_ALARM, RF_RELAY, RF_COUNT };
	const enum reading_field *f;
	int i;

	switch (t) {
	case HZ_GAS_LEAK: f = gas; break;
	case HZ_SMOKE_ALARM: f = smoke; break;
	case HZ_CO_ALARM: f = co; break;
	case HZ_CHARGER_OVERPOWER: f = watts; break;
	case HZ_CHARGER_OVERTEMP: f = temp; break;
	case HZ_CHARGER_OVERCURRENT: f = amps; break;
	case HZ_OVERCHARGE: f = power; break;
	case HZ_LOW_BATTERY: f = batt; break;
	case HZ_TAMPER: f = tamper; break;
	case HZ_DETECTOR_FAULT: f = fault; break;
	case HZ_DEVICE_OFFLINE: f = online; break;
	default: f = other; break;
	}
	for (i = 0; r && f[i] != RF_COUNT; i++)
		if (reading_has(r, f[i]))
			return f[i];
	return RF_COUNT;
}

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
		f = trigger_field(t, r);
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
static char *evidence_fold(const char *old, enum hazard_type t,
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

/* Raise severity (and with it priority and deadline) if chg is higher. */
static bool hz_raise_severity(struct hazard_rec *r, enum severity sev,
			      const struct hz_policy *pol)
{
	if (sev <= r->severity)
		return false;
	r->severity = sev;
	r->priority = pol->prio[sev];
	/* an overdue hazard keeps the class it rose to, if that is higher */
	if (r->overdue && r->priority > PRIO_URGENT)
		r->priority--;
	/* the deadline runs from the first report, not from the escalation */
	if (r->kind == REC_HAZARD)
		r->deadline_ms = r->raised_at_ms + store_hours_to_ms(pol->deadline_h[sev]);
	return true;
}

/* An ad hoc statement (rare queries: recurrence, listings by site). */
static sqlite3_stmt *adhoc(struct store *st, const char *sql)
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
 * The latest hazard of this device and type closed within window_ms
 * before now_ms, into id (size ID_MAX).  1 found, 0 none, -1 error.
 * Closing times are wall-clock records: a close that seems to lie in the
 * future (the clock was set back since) is not counted, so a wrong clock
 * can hide a recurrence but never invent one.
 */
static int hz_recent_close(struct store *st, const char *device, enum hazard_type t,
			   int64_t window_ms, int64_t now_ms, char *id)
{
	sqlite3_stmt *s = adhoc(st, "SELECT id FROM hazards WHERE device = ?1 "
				"AND type = ?2 AND state = 'closed' AND closed_at_ms >= ?3 "
				"AND closed_at_ms <= ?4 "
				"ORDER BY closed_at_ms DESC, raised_at_ms DESC LIMIT 1");
	int rc, found = 0;

	if (!s)
		return -1;
	store_bind_text(s, 1, device);
	store_bind_text(s, 2, hazard_type_name[t]);
	sqlite3_bind_int64(s, 3, now_ms - window_ms);
	sqlite3_bind_int64(s, 4, now_ms);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		strlcpy_hz(id, store_col_text(s, 0), ID_MAX);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "find a recent close");
		found = -1;
	}
	sqlite3_finalize(s);
	return found;
}

/*
 * A new record of kind for device at site: its id, grade, class, deadline,
 * the clock's trust and, for a hazard back within the window after a
 * write-off, the link to that one (屡治屡冒; its grade is the caller's,
 * not raised here).  The caller sets the state.  0, or -1 on a store error.
 */
static int hz_new(struct store *st, enum record_kind kind, const char *device,
		  const char *site, enum hazard_type t, enum severity sev,
		  const struct hz_policy *pol, int64_t now_ms, struct hazard_rec *r)
{
	memset(r, 0, sizeof *r);
	if (kind == REC_HAZARD && pol->recurrence_window_ms > 0 &&
	    hz_recent_close(st, device, t, pol->recurrence_window_ms, now_ms,
			    r->recurrence_of) < 0)
		return -1;
	if (hz_next_id(st, kind, r->id, sizeof r->id) < 0)
		return -1;
	r->kind = kind;
	strlcpy_hz(r->device, device, sizeof r->device);
	strlcpy_hz(r->site, site, sizeof r->site);
	r->type = t;
	r->severity = sev;
	r->priority = pol->prio[sev];
	r->raised_at_ms = now_ms;
	/* a rectification deadline is a hazard's; an alarm is answered and
	 * a fault repaired, neither by a date */
	r->deadline_ms = kind == REC_HAZARD ? now_ms + store_hours_to_ms(pol->deadline_h[sev]) : 0;
	r->occurrences = 1;
	r->clock_trusted = pol->clock_trusted;
	return 0;
}

/* The policy the older entry point implies: one deadline, default classes. */
static void legacy_policy(enum hazard_type t, double deadline_h, struct hz_policy *pol)
{
	memset(pol, 0, sizeof *pol);
	pol->deadline_h[SEV_GENERAL] = pol->deadline_h[SEV_MAJOR] = deadline_h;
	pol->prio[SEV_GENERAL] = hazard_priority(t, SEV_GENERAL);
	pol->prio[SEV_MAJOR] = hazard_priority(t, SEV_MAJOR);
	pol->clock_trusted = true;
}

int store_hazard_apply(struct store *st, const struct device_cfg *dev,
		       const struct hazard_change *chg,
		       const struct reading *evidence,
		       double deadline_h, int64_t now_ms,
		       struct hazard_rec *rec, const char **event)
{
	struct hz_policy pol;

	legacy_policy((unsigned)chg->type < HZ_TYPE_COUNT ? chg->type : HZ_GAS_LEAK,
		      deadline_h, &pol);
	return store_hazard_apply_policy(st, dev, chg, evidence, &pol, now_ms, rec, event);
}

int store_hazard_apply_policy(struct store *st, const struct device_cfg *dev,
			      const struct hazard_change *chg,
			      const struct reading *evidence,
			      const struct hz_policy *pol, int64_t now_ms,
			      struct hazard_rec *rec, const char **event)
{
	return store_record_apply(st, REC_HAZARD, true, dev, chg, evidence, pol, now_ms,
				  rec, event);
}

int store_record_apply(struct store *st, enum record_kind kind, bool may_create,
		       const struct device_cfg *dev, const struct hazard_change *chg,
		       const struct reading *evidence, const struct hz_policy *pol,
		       int64_t now_ms, struct hazard_rec *rec, const char **event)
{
	struct hazard_rec cur, next;
	struct record_step step;
	const char *slot = NULL;
	char *ev_old = NULL, *ev_new = NULL;
	bool own;
	int found, rc = 0;

	*event = NULL;
	memset(rec, 0, sizeof *rec);
	if ((unsigned)chg->type >= HZ_TYPE_COUNT || (unsigned)chg->severity > SEV_MAJOR ||
	    (unsigned)kind >= REC_KIND_COUNT) {
		complain(&st->complaint, "store: change for %s: bad type %d, severity %d "
			 "or kind %d", dev->id, (int)chg->type, (int)chg->severity, (int)kind);
		return -1;
	}
	if (store_atomic_begin(st, &own) < 0)
		return -1;
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 1, dev->id);
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 2, hazard_type_name[chg->type]);
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 3, record_kind_name[kind]);
	found = hz_fetch(st, S_HZ_FIND_OPEN, &cur, &ev_old);
	if (found < 0) {
		rc = -1;
		goto out;
	}
	if (!record_rules_step(kind, found ? cur.state : NULL, chg->kind,
			       found && chg->severity > cur.severity, &step) ||
	    (step.create && !may_create))
		goto out;

	if (step.create) {
		if (hz_new(st, kind, dev->id, dev->site, chg->type, chg->severity, pol, now_ms,
			   &next) < 0) {
			rc = -1;
			goto out;
		}
		strlcpy_hz(next.state, step.state, sizeof next.state);
		next.flapping = chg->flapping;
		if (kind == REC_HAZARD)
			strlcpy_hz(next.reason, hazard_reason_name[HR_CONDITION],
				   sizeof next.reason);
		ev_new = evidence_fold(NULL, chg->type, evidence, "raised", false);
		rc = ev_new ? hz_insert(st, &next, chg->detail, ev_new, now_ms) : -1;
		goto write_event;
	}

	next = cur;
	if (step.bump)
		next.occurrences++;
	if (step.reopened)
		next.cleared_at_ms = 0;
	if (step.regrade)
		hz_raise_severity(&next, chg->severity, pol);
	if (step.condition_off) {
		next.cleared_at_ms = now_ms;
		slot = "cleared";
		/* a flapping condition's end: the onsets folded into it count,
		 * and it is no longer flapping */
		if (chg->folded > 0)
			next.occurrences = chg->folded > INT_MAX - next.occurrences ?
					   INT_MAX : next.occurrences + chg->folded;
		next.flapping = false;
	} else if (chg->flapping) {
		next.flapping = true;
	}
	strlcpy_hz(next.state, step.state, sizeof next.state);
	ev_new = evidence_fold(ev_old, chg->type, evidence, slot, step.reopened);
	rc = ev_new ? hz_update(st, &next, chg->detail, ev_new, now_ms) : -1;

write_event:
	if (rc == 0)
		rc = ev_put(st, &next, step.event, now_ms, "hazardd", NULL, chg->detail);
	if (rc == 0) {
		*rec = next;
		*event = step.event;
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

/* Does a hazard already stand for this source record (in any state)?
 * 1 yes, 0 no, -1 error. */
static int hz_has_source(struct store *st, const char *source)
{
	sqlite3_stmt *s = adhoc(st, "SELECT 1 FROM hazards WHERE kind = 'hazard' "
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

int store_hazard_derive(struct store *st, const struct hazard_origin *o,
			const struct hz_policy *pol, int64_t now_ms,
			struct hazard_rec *rec, const char **event)
{
	struct hazard_rec next, live;
	char *ev_src = NULL, *ev_new = NULL;
	bool own;
	int rc = 0, found = 0;

	*event = NULL;
	memset(rec, 0, sizeof *rec);
	if ((unsigned)o->type >= HZ_TYPE_COUNT || (unsigned)o->severity > SEV_MAJOR ||
	    (unsigned)o->reason >= HR_COUNT)
		return -1;
	if (store_atomic_begin(st, &own) < 0)
		return -1;
	/* one hazard per source record, and one live hazard per device and
	 * type: a second origin of the same condition adds to it instead */
	if (o->source && *o->source) {
		found = hz_has_source(st, o->source);
		if (found != 0) {
			rc = found < 0 ? -1 : 0;
			goto out;
		}
	}
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 1, o->device);
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 2, hazard_type_name[o->type]);
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 3, record_kind_name[REC_HAZARD]);
	found = hz_fetch(st, S_HZ_FIND_OPEN, &live, NULL);
	if (found != 0) {
		if (found == 1)
			*rec = live;
		rc = found < 0 ? -1 : 0;
		goto out;
	}
	if (hz_new(st, REC_HAZARD, o->device, o->site, o->type, o->severity, pol, now_ms,
		   &next) < 0) {
		rc = -1;
		goto out;
	}
	/* the sensor may be normal already (an alarm verified after it
	 * ended): then the hazard waits only for its write-off */
	strlcpy_hz(next.state, o->condition_on ? "open" : "cleared", sizeof next.state);
	next.cleared_at_ms = o->condition_on ? 0 : now_ms;
	strlcpy_hz(next.reason, hazard_reason_name[o->reason], sizeof next.reason);
	next.flapping = o->flapping && o->condition_on;
	if (o->source)
		strlcpy_hz(next.source, o->source, sizeof next.source);
	/* the evidence starts as the source record's (三个有: what was
	 * measured when it was raised) */
	if (o->source && *o->source) {
		store_bind_text(st->stmt[S_HZ_GET], 1, o->source);
		if (hz_fetch(st, S_HZ_GET, &live, &ev_src) < 0) {
			rc = -1;
			goto out;
		}
	}
	ev_new = ev_src ? strdup(ev_src) : evidence_fold(NULL, o->type, NULL, NULL, false);
	rc = ev_new ? hz_insert(st, &next, o->detail, ev_new, now_ms) : -1;
	if (rc == 0)
		rc = ev_put(st, &next, "raised", now_ms, o->actor ? o->actor : "hazardd",
			    o->note, o->detail);
	if (rc == 0) {
		*rec = next;
		*event = "raised";
	}
out:
	free(ev_src);
	free(ev_new);
	if (store_atomic_end(st, own, rc) < 0) {
		*event = NULL;
		return -1;
	}
	return 0;
}

int64_t store_record_count(struct store *st, enum record_kind k, const char *device,
			   enum hazard_type t, int64_t since_ms)
{
	sqlite3_stmt *s = adhoc(st, "SELECT count(*) FROM hazards WHERE kind = ?1 "
				"AND device = ?2 AND type = ?3 AND raised_at_ms >= ?4");
	int64_t n = -1;

	if (!s)
		return -1;
	store_bind_text(s, 1, record_kind_name[k]);
	store_bind_text(s, 2, device);
	store_bind_text(s, 3, hazard_type_name[t]);
	sqlite3_bind_int64(s, 4, since_ms);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	else
		store_fail(st, "count records");
	sqlite3_finalize(s);
	return n;
}

int store_hazard_observe(struct store *st, const char *device, const struct reading *r)
{
	/* every record whose condition is on: live alarms and faults, and
	 * hazards not yet cleared */
	sqlite3_stmt *s = adhoc(st, "SELECT id, type, evidence FROM hazards "
				"WHERE device = ?1 AND state IN ('active', 'open', "
				"'acknowledged', 'rectifying')");
	sqlite3_stmt *u = NULL;
	int rc, res = 0;

	if (!s)
		return -1;
	store_bind_text(s, 1, device);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int t = store_name_index(hazard_type_name, HZ_TYPE_COUNT, store_col_text(s, 1));
		char *text;

		if (t < 0)
			continue;
		text = evidence_fold(store_col_text(s, 2), (enum hazard_type)t, r, NULL, false);
		if (!u)
			u = adhoc(st, "UPDATE hazards SET evidence = ?2 WHERE id = ?1");
		if (!text || !u) {
			free(text);
			res = -1;
			break;
		}
		store_bind_text(u, 1, store_col_text(s, 0));
		store_bind_text(u, 2, text);
		if (sqlite3_step(u) != SQLITE_DONE) {
			store_fail(st, "save evidence");
			res = -1;
		}
		sqlite3_reset(u);
		free(text);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(st, "read open hazards");
		res = -1;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	return res;
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

int store_hazard_note(struct store *st, const char *hazard_id, const char *event,
		      int64_t at_ms, const char *actor, const char *detail)
{
	struct hazard_rec r;

	/* the row carries the hazard's severity as it stands: a replay of
	 * the events (store_report.c) then moves nothing */
	store_bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	if (hz_fetch(st, S_HZ_GET, &r, NULL) != 1)
		return -1;
	return ev_put(st, &r, event, at_ms, actor, NULL, detail);
}

/* Evidence at close: the device's latest reading, and what the person said. */
static char *evidence_close(struct store *st, const struct hazard_rec *cur,
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

int store_hazard_transition(struct store *st, const char *hazard_id, enum hz_state to,
			    const char *actor, const char *note, const char *evidence,
			    int64_t now_ms, struct hazard_rec *rec, const char **event,
			    char *err, size_t errlen)
{
	enum record_action a;

	switch (to) {
	case HZS_ACKNOWLEDGED: a = RA_ACK; break;
	case HZS_RECTIFYING: a = RA_RECTIFY; break;
	case HZS_CLOSED: a = RA_CLOSE; break;
	default:
		return lifecycle_next(hazard_id, HZS_OPEN, to, err, errlen);
	}
	return store_record_act(st, hazard_id, a, VERDICT_NONE, actor, note, evidence,
				now_ms, rec, event, err, errlen);
}

int store_record_act(struct store *st, const char *record_id, enum record_action a,
		     enum verdict v, const char *actor, const char *note,
		     const char *evidence, int64_t now_ms, struct hazard_rec *rec,
		     const char **event, char *err, size_t errlen)
{
	struct hazard_rec cur;
	struct record_view view;
	char *ev_old = NULL, *ev_new = NULL, id[ID_MAX];
	const char *ev_name = NULL, *next = NULL;
	bool own;
	int found, rc = 0, refused = 0;

	/* record_id may point into *rec (act on what was just read) */
	strlcpy_hz(id, record_id, sizeof id);
	if (rec)
		memset(rec, 0, sizeof *rec);
	if (event)
		*event = NULL;
	if ((unsigned)a >= RA_COUNT ||
	    (a == RA_VERIFY && (v <= VERDICT_NONE || v >= VERDICT_COUNT))) {
		errf(err, errlen, "verify needs a verdict: real, false or test");
		return -1;
	}
	if (store_atomic_begin(st, &own) < 0) {
		errf(err, errlen, "database error: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	store_bind_text(st->stmt[S_HZ_GET], 1, id);
	found = hz_fetch(st, S_HZ_GET, &cur, &ev_old);
	if (found < 0) {
		errf(err, errlen, "database error reading record %s", id);
		rc = -1;
	} else if (found == 0) {
		errf(err, errlen, "no such alarm, fault or hazard %s", id);
		refused = 1;
	} else {
		view = (struct record_view){ .kind = cur.kind, .id = id, .state = cur.state,
					     .acked = cur.acked_at_ms != 0,
					     .verdict = cur.verdict };
		next = record_person_next(&view, a, err, errlen);
		if (!next)
			refused = 1;
	}
	if (rc < 0 || refused)
		goto out;

	ev_name = record_action_event[a];
	switch (a) {
	case RA_ACK:
		cur.acked_at_ms = now_ms;
		break;
	case RA_RECTIFY:
		cur.rectifying_at_ms = now_ms;
		/* reporting the fix implies having seen the hazard */
		if (!cur.acked_at_ms)
			cur.acked_at_ms = now_ms;
		break;
	case RA_VERIFY:
		cur.verdict = v;
		cur.verified_at_ms = now_ms;
		/* verifying it implies having seen it: the response time
		 * runs to the first of the two */
		if (!cur.acked_at_ms)
			cur.acked_at_ms = now_ms;
		break;
	default:        /* close, dismiss */
		cur.closed_at_ms = now_ms;
		break;
	}
	strlcpy_hz(cur.state, next, sizeof cur.state);
	ev_new = a == RA_CLOSE ? evidence_close(st, &cur, ev_old, evidence)
			       : strdup(ev_old ? ev_old : "{}");
	rc = ev_new ? hz_update(st, &cur, NULL, ev_new, now_ms) : -1;
	if (rc == 0)
		rc = ev_put(st, &cur, ev_name, now_ms, actor ? actor : "operator", note,
			    a == RA_VERIFY ? verdict_name[v] : NULL);
	if (rc < 0)
		errf(err, errlen, "database error updating %s %s: %s",
		     record_kind_name[cur.kind], id, sqlite3_errmsg(st->db));
out:
	free(ev_old);
	free(ev_new);
	if (store_atomic_end(st, own, rc) < 0) {
		if (rc == 0)
			errf(err, errlen, "database error updating record %s: %s",
			     id, sqlite3_errmsg(st->db));
		return -1;
	}
	if (refused || rc < 0)
		return -1;
	if (rec)
		*rec = cur;
	if (event)
		*event = ev_name;
	return 0;
}

int store_hazard_close(struct store *st, const char *hazard_id,
		       const char *actor, const char *note, int64_t now_ms,
		       struct hazard_rec *rec, char *err, size_t errlen)
{
	return store_hazard_transition(st, hazard_id, HZS_CLOSED, actor, note, NULL,
				       now_ms, rec, NULL, err, errlen);
}

int store_hazard_mark_overdue(struct store *st, const char *hazard_id, int64_t now_ms,
			      struct hazard_rec *rec)
{
	struct hazard_rec cur;
	char *ev_old = NULL, id[ID_MAX], detail[96];
	bool own;
	int found, rc = 0;

	strlcpy_hz(id, hazard_id, sizeof id);
	if (store_atomic_begin(st, &own) < 0)
		return -1;
	store_bind_text(st->stmt[S_HZ_GET], 1, id);
	found = hz_fetch(st, S_HZ_GET, &cur, &ev_old);
	if (found < 0)
		rc = -1;
	if (found != 1 || cur.overdue || strcmp(cur.state, "closed") == 0)
		goto out;       /* gone, or already done: nothing to send */
	cur.overdue = true;
	cur.escalated_at_ms = now_ms;
	/* one class up, never past urgent: it is now behind its deadline */
	if (cur.priority > PRIO_URGENT)
		cur.priority--;
	rc = hz_update(st, &cur, NULL, ev_old, now_ms);
	snprintf(detail, sizeof detail, "past its rectification deadline; priority %s",
		 priority_name[cur.priority]);
	if (rc == 0)
		rc = ev_put(st, &cur, "escalated", now_ms, "hazardd", NULL, detail);
	if (rc == 0) {
		*rec = cur;
		rc = 1;
	}
out:
	free(ev_old);
	if (store_atomic_end(st, own, rc < 0 ? -1 : 0) < 0)
		return -1;
	return rc;
}

cJSON *store_recurrences_by_site(struct store *st)
{
	sqlite3_stmt *s = adhoc(st, "SELECT site, count(*) FROM hazards "
				"WHERE recurrence_of IS NOT NULL GROUP BY site ORDER BY site");
	cJSON *o = cJSON_CreateObject();
	int rc;

	if (!s || !o) {
		sqlite3_finalize(s);
		cJSON_Delete(o);
		return NULL;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cJSON_AddNumberToObject(o, store_col_text(s, 0),
					(double)sqlite3_column_int64(s, 1));
	if (rc != SQLITE_DONE) {
		store_fail(st, "count recurrences");
		cJSON_Delete(o);
		o = NULL;
	}
	sqlite3_finalize(s);
	return o;
}

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
	if (r->cleared_at_ms)
		store_json_add_iso(o, "cleared_at", r->cleared_at_ms);
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
	cJSON_AddStringToObject(o, "device", r->device);
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
