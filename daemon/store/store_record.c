/*
 * store_record.c: records and their events written: a rules change, a
 * hazard from its origin, a person's action, the deadline passing, a note.
 * Each reads the rows the decision needs, asks core/record_apply.c (and
 * record.c's tables) what to write, and writes that record and its event,
 * inside the caller's transaction like the rest of the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

/*
 * A new record's id and, when core says to look (record_plan's
 * link_recurrence), the link to the latest close of its device and type
 * if core counts it a recurrence (屡治屡冒; its grade is the caller's, not
 * raised here).  The close is looked up before the id is handed out.  0, or
 * -1 on a store error.
 */
static int hz_identify(struct store *st, struct hazard_rec *r, bool link,
		       const struct hz_policy *pol, int64_t now_ms)
{
	char id[ID_MAX];
	int64_t closed_at = 0;
	int found;

	if (link) {
		found = store_hz_last_close(st, r->device, r->type, now_ms, id, &closed_at);
		if (found < 0)
			return -1;
		if (found && record_recurrence_within(pol, closed_at, now_ms))
			strlcpy_hz(r->recurrence_of, id, sizeof r->recurrence_of);
	}
	return store_hz_next_id(st, r->kind, r->id, sizeof r->id);
}

int store_hazard_apply(struct store *st, const struct device_cfg *dev,
		       const struct hazard_change *chg,
		       const struct reading *evidence,
		       double deadline_h, int64_t now_ms,
		       struct hazard_rec *rec, const char **event)
{
	struct hz_policy pol;

	record_policy_default((unsigned)chg->type < HZ_TYPE_COUNT ? chg->type : HZ_GAS_LEAK,
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

/*
 * The rows a plan writes (plan->next.id already set for a new record):
 * the record with its evidence folded in, and its event.  *rec and
 * *event are set when both took.  Shared by the device records
 * (store_record_apply) and a site's own hazards (store_site_record.c).
 */
int store_plan_write(struct store *st, const struct record_plan *plan,
		     const struct hazard_change *chg, const struct reading *evidence,
		     const char *ev_old, int64_t now_ms, struct hazard_rec *rec,
		     const char **event)
{
	bool create = plan->write == RW_CREATE;
	char *ev_new = store_evidence_fold(create ? NULL : ev_old, chg->type, evidence,
					   plan->evidence_slot, !create && plan->drop_cleared);
	int rc;

	if (!ev_new)
		return -1;
	rc = create ? store_hz_insert(st, &plan->next, chg->detail, ev_new, now_ms) :
		      store_hz_update(st, &plan->next, chg->detail, ev_new, now_ms);
	if (rc == 0)
		rc = store_ev_put(st, &plan->next, plan->event, now_ms, "hazardd", NULL,
				  chg->detail);
	if (rc == 0) {
		*rec = plan->next;
		*event = plan->event;
	}
	free(ev_new);
	return rc;
}

int store_record_apply(struct store *st, enum record_kind kind, bool may_create,
		       const struct device_cfg *dev, const struct hazard_change *chg,
		       const struct reading *evidence, const struct hz_policy *pol,
		       int64_t now_ms, struct hazard_rec *rec, const char **event)
{
	struct hazard_rec cur;
	struct record_plan plan;
	char *ev_old = NULL;
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
	found = store_hz_fetch(st, S_HZ_FIND_OPEN, &cur, &ev_old);
	if (found < 0) {
		rc = -1;
		goto out;
	}
	if (!record_apply_change(kind, may_create, found ? &cur : NULL, dev->id, dev->site,
				 chg, pol, now_ms, &plan))
		goto out;

	/* a new record's id first */
	if (plan.write == RW_CREATE && hz_identify(st, &plan.next, plan.link_recurrence, pol, now_ms) < 0) {
		rc = -1;
		goto out;
	}
	rc = store_plan_write(st, &plan, chg, evidence, ev_old, now_ms, rec, event);
out:
	if (found == 1 && !*event)
		*rec = cur;     /* nothing changed: report the record as it is */
	free(ev_old);
	if (store_atomic_end(st, own, rc) < 0) {
		*event = NULL;
		return -1;
	}
	return 0;
}

int store_hazard_derive(struct store *st, const struct hazard_origin *o,
			const struct hz_policy *pol, int64_t now_ms,
			struct hazard_rec *rec, const char **event)
{
	struct hazard_rec next, live;
	char *ev_src = NULL, *ev_new = NULL;
	const char *ev_name;
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
		found = store_hz_has_source(st, o->source);
		if (found != 0) {
			rc = found < 0 ? -1 : 0;
			goto out;
		}
	}
	/* (a hazard recorded by hand with no device finds none: several
	 * may stand at one site) */
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 1, o->device);
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 2, hazard_type_name[o->type]);
	store_bind_text(st->stmt[S_HZ_FIND_OPEN], 3, record_kind_name[REC_HAZARD]);
	found = store_hz_fetch(st, S_HZ_FIND_OPEN, &live, NULL);
	if (found != 0) {
		if (found == 1)
			*rec = live;
		rc = found < 0 ? -1 : 0;
		goto out;
	}
	ev_name = record_derive_new(&next, o, pol, now_ms);
	if (hz_identify(st, &next, record_looks_for_recurrence(REC_HAZARD, pol), pol,
			now_ms) < 0) {
		rc = -1;
		goto out;
	}
	/* the evidence starts as the source record's (三个有: what was
	 * measured when it was raised) */
	if (o->source && *o->source) {
		store_bind_text(st->stmt[S_HZ_GET], 1, o->source);
		if (store_hz_fetch(st, S_HZ_GET, &live, &ev_src) < 0) {
			rc = -1;
			goto out;
		}
	}
	ev_new = ev_src ? strdup(ev_src) : store_evidence_fold(NULL, o->type, NULL, NULL, false);
	rc = ev_new ? store_hz_insert(st, &next, o->detail, ev_new, now_ms) : -1;
	if (rc == 0)
		rc = store_ev_put(st, &next, ev_name, now_ms, o->actor ? o->actor : "hazardd",
				  o->note, o->detail);
	if (rc == 0) {
		*rec = next;
		*event = ev_name;
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

int store_hazard_note(struct store *st, const char *hazard_id, const char *event,
		      int64_t at_ms, const char *actor, const char *detail)
{
	struct hazard_rec r;

	/* the row carries the hazard's severity as it stands: a replay of
	 * the events (store_report.c) then moves nothing */
	store_bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	if (store_hz_fetch(st, S_HZ_GET, &r, NULL) != 1)
		return -1;
	return store_ev_put(st, &r, event, at_ms, actor, NULL, detail);
}

int store_hazard_transition(struct store *st, const char *hazard_id, enum hz_state to,
			    const char *actor, const char *note, const char *evidence,
			    int64_t now_ms, struct hazard_rec *rec, const char **event,
			    char *err, size_t errlen)
{
	enum record_action a;

	switch (to) {
	case HZS_RECTIFYING: a = RA_RECTIFY; break;
	case HZS_SUBMITTED: a = RA_SUBMIT; break;
	case HZS_CLOSED: a = RA_CLOSE; break;
	default:
		return lifecycle_next(hazard_id, HZS_OPEN, to, err, errlen);
	}
	return store_record_act(st, hazard_id, a, VERDICT_NONE, actor, note, evidence,
				now_ms, rec, event, err, errlen);
}

/* The evidence with the rectifier's text (三个有) as evidence.operator;
 * malloc'd, NULL when out of memory. */
static char *evidence_operator(const char *ev_old, const char *text)
{
	cJSON *ev = store_parse_object(ev_old);
	char *out;

	if (ev && text && *text)
		store_json_set(ev, "operator", cJSON_CreateString(text));
	out = ev ? cJSON_PrintUnformatted(ev) : NULL;
	cJSON_Delete(ev);
	return out;
}

int store_record_act(struct store *st, const char *record_id, enum record_action a,
		     enum verdict v, const char *actor, const char *note,
		     const char *evidence, int64_t now_ms, struct hazard_rec *rec,
		     const char **event, char *err, size_t errlen)
{
	return store_record_act_wait(st, record_id, a, v, actor, note, evidence, 0, false,
				     now_ms, rec, event, err, errlen);
}

int store_record_act_wait(struct store *st, const char *record_id, enum record_action a,
			  enum verdict v, const char *actor, const char *note,
			  const char *evidence, int64_t normal_needed_ms, bool device_gone,
			  int64_t now_ms, struct hazard_rec *rec, const char **event,
			  char *err, size_t errlen)
{
	struct hazard_rec cur;
	struct record_view view;
	char *ev_old = NULL, *ev_new = NULL, id[ID_MAX], gone[ID_MAX + 80] = "";
	const char *ev_name = NULL, *next = NULL;
	bool own;
	int found, rc = 0, refused = 0;

	memset(&view, 0, sizeof view);
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
	found = store_hz_fetch(st, S_HZ_GET, &cur, &ev_old);
	if (found < 0) {
		errf(err, errlen, "database error reading record %s", id);
		rc = -1;
	} else if (found == 0) {
		errf(err, errlen, "no such alarm, fault or hazard %s", id);
		refused = 1;
	} else {
		record_view_of(&cur, actor ? actor : "operator", normal_needed_ms, now_ms,
			       &view);
		view.id = id;
		view.device_gone = device_gone && cur.device[0];
		next = record_person_next(&view, a, err, errlen);
		if (!next)
			refused = 1;
	}
	if (rc < 0 || refused)
		goto out;

	ev_name = record_action_event[a];
	record_person_apply(&cur, a, v, next, now_ms);
	if (a == RA_SUBMIT)     /* the re-inspector must be someone else */
		strlcpy_hz(cur.submitted_by, actor ? actor : "operator",
			   sizeof cur.submitted_by);
	/* the rectifier's evidence comes with the submit; a write-off keeps
	 * it and adds the device's reading at that moment */
	ev_new = a == RA_CLOSE || a == RA_PASS ?
		 store_evidence_close(st, &cur, ev_old, evidence) :
		 a == RA_SUBMIT ? evidence_operator(ev_old, evidence) :
		 strdup(ev_old ? ev_old : "{}");
	rc = ev_new ? store_hz_update(st, &cur, NULL, ev_new, now_ms) : -1;
	/* a submit no reading can confirm says so on the timeline */
	if (a == RA_SUBMIT && view.device_gone)
		snprintf(gone, sizeof gone, "device %s is no longer configured: its "
			 "condition is not observed", cur.device);
	if (rc == 0)
		rc = store_ev_put(st, &cur, ev_name, now_ms, actor ? actor : "operator", note,
				  a == RA_VERIFY ? verdict_name[v] : a == RA_PASS ?
				  "re-inspection passed" : gone[0] ? gone : NULL);
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
	const char *ev_name = NULL;
	bool own;
	int found, rc = 0;

	strlcpy_hz(id, hazard_id, sizeof id);
	if (store_atomic_begin(st, &own) < 0)
		return -1;
	store_bind_text(st->stmt[S_HZ_GET], 1, id);
	found = store_hz_fetch(st, S_HZ_GET, &cur, &ev_old);
	if (found < 0)
		rc = -1;
	if (found != 1 || !(ev_name = record_mark_overdue(&cur, now_ms, detail, sizeof detail)))
		goto out;       /* gone, or already done: nothing to send */
	rc = store_hz_update(st, &cur, NULL, ev_old, now_ms);
	if (rc == 0)
		rc = store_ev_put(st, &cur, ev_name, now_ms, "hazardd", NULL, detail);
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
