/*
 * records.c: the daemon's side of the three kinds of record (core/record.h).
 * A rules change goes to the alarm or fault of its type (or, for a type
 * that is a hazard by itself, to the hazard), the hazard standing for the
 * same condition follows it, and a hazard is raised where core/record.c
 * says one is due: at once for the alarms config names, on an alarm
 * verified real, on recurrence (屡治屡冒) and on a fault left past its
 * limit.  A person's action on any record goes through here too.  Runs on
 * the loop thread inside the caller's transaction, except
 * daemon_record_action, which is its own transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "alerts.h"

/* ------------------------------------------------------------- policy */

/* Defaults while the config does not set them (docs/lifecycle.md). */
#define RECURRENCE_COUNT_DEFAULT    3
#define RECURRENCE_WINDOW_H_DEFAULT 168.0

int records_recurrence_count(const struct config *cfg)
{
	return cfg->records.recurrence_set ? cfg->records.recurrence_count
					   : RECURRENCE_COUNT_DEFAULT;
}

double records_recurrence_window_h(const struct config *cfg)
{
	return cfg->records.recurrence_set ? cfg->records.recurrence_window_h
					   : RECURRENCE_WINDOW_H_DEFAULT;
}

double records_fault_limit_h(const struct config *cfg, enum hazard_type t)
{
	if ((unsigned)t >= HZ_TYPE_COUNT)
		return 0;
	return cfg->records.fault_limit_set[t] ? cfg->records.fault_limit_h[t]
					       : record_fault_limit_default_h(t);
}

double records_normal_before_submit_h(const struct config *cfg, enum hazard_type t)
{
	if ((unsigned)t >= HZ_TYPE_COUNT)
		return 0;
	return cfg->records.normal_submit_set[t] ? cfg->records.normal_submit_h[t]
						 : record_normal_before_submit_default_h(t);
}

static int site_kind_of(const struct config *cfg, const char *site)
{
	const struct site_cfg *s = config_find_site(cfg, site);

	return s ? (int)s->kind : -1;
}

enum severity records_grade(const struct config *cfg, enum hazard_type t,
			    const char *site, bool high_level, bool recurrence)
{
	return record_grade(cfg->records.grading, cfg->records.n_grading, t,
			    site_kind_of(cfg, site), high_level ? 1 : 0, recurrence);
}

/* ------------------------------------------------------------- hazards */

/* Raise the hazard an alarm or fault calls for, and queue its event.
 * True when a new hazard was raised. */
static bool derive(struct daemon *d, const struct hazard_rec *src,
		   enum hazard_reason why, bool condition_on, const char *actor,
		   const char *note, int64_t now_ms)
{
	struct hazard_origin o = {
		.device = src->device, .site = src->site, .type = src->type,
		.reason = why, .source = src->id, .condition_on = condition_on,
		.flapping = src->flapping, .actor = actor, .note = note,
	};
	struct hz_policy pol;
	struct hazard_rec rec;
	const char *event = NULL;
	char detail[96];

	o.severity = records_grade(d->cfg, src->type, src->site,
				   src->kind == REC_ALARM && src->severity == SEV_MAJOR,
				   why == HR_RECURRENCE);
	snprintf(detail, sizeof detail, "from %s %s (%s)", record_kind_name[src->kind],
		 src->id, hazard_reason_name[why]);
	o.detail = detail;
	lifecycle_policy(d->cfg, src->type, &pol);
	if (store_hazard_derive(d->store, &o, &pol, now_ms, &rec, &event) < 0) {
		d->cnt.store_errors++;
		return false;
	}
	if (event)
		lifecycle_emit(d, &rec, event, now_ms, NULL);
	return event && strcmp(event, "raised") == 0;
}

/* A new alarm or fault: is a hazard due at once, or by recurrence?  True
 * when one was raised from it. */
static bool on_raised(struct daemon *d, const struct hazard_rec *rec, int64_t now_ms)
{
	const struct config *cfg = d->cfg;
	int threshold = records_recurrence_count(cfg);
	int64_t n;

	if (rec->kind == REC_ALARM &&
	    record_hazard_at_raise(cfg->records.raise, cfg->records.n_raise,
				   cfg->records.raise_set, rec->type,
				   site_kind_of(cfg, rec->site)))
		return derive(d, rec, HR_ALARM, true, "hazardd", NULL, now_ms);
	if (threshold <= 0)
		return false;
	n = store_record_count(d->store, rec->kind, rec->device, rec->type,
			       now_ms - (int64_t)(records_recurrence_window_h(cfg) * 3600000.0));
	if (n < 0)
		d->cnt.store_errors++;
	else if (record_recurrence_due(n, threshold))
		return derive(d, rec, HR_RECURRENCE, true, "hazardd", NULL, now_ms);
	return false;
}

/* A device's test press raised this alarm: it is verified "test" at once,
 * so it never counts as a real or false alarm nor becomes a hazard. */
static void mark_test(struct daemon *d, struct hazard_rec *rec,
		      const struct reading *evidence, int64_t now_ms)
{
	char err[160];
	const char *event = NULL;

	if (!evidence || !reading_has(evidence, RF_TEST) || evidence->val[RF_TEST] == 0)
		return;
	if (store_record_act(d->store, rec->id, RA_VERIFY, VERDICT_TEST, "hazardd",
			     "test press reported by the device", NULL, now_ms, rec,
			     &event, err, sizeof err) < 0) {
		log_warnx("alarm %s: %s", rec->id, err);
		return;
	}
	lifecycle_emit(d, rec, event, now_ms, NULL);
}

void records_apply_change(struct daemon *d, const struct device_cfg *dev,
			  const struct hazard_change *chg, const struct reading *evidence,
			  int64_t now_ms, cJSON *actions)
{
	enum record_kind kind = record_kind_of(chg->type);
	struct hazard_change hchg;
	struct hz_policy pol;
	struct hazard_rec rec, hrec;
	const char *event = NULL, *hevent = NULL;

	lifecycle_policy(d->cfg, chg->type, &pol);
	if (store_record_apply(d->store, kind, true, dev, chg, evidence, &pol, now_ms,
			       &rec, &event) < 0) {
		d->cnt.store_errors++;
		/* a full disk must not keep an alarm from its people */
		alerts_on_unrecorded(d, dev, chg, now_ms);
		cJSON_Delete(actions);
		return;
	}
	if (!event) {
		cJSON_Delete(actions);
		return;
	}
	/* what the outputs did, kept with the record (emit takes actions) */
	if (devcmd_note_actions(d->store, rec.id, actions, now_ms) < 0)
		d->cnt.store_errors++;
	lifecycle_emit(d, &rec, event, now_ms, actions);
	if (kind == REC_HAZARD)
		return;

	if (strcmp(event, "raised") == 0) {
		if (kind == REC_ALARM)
			mark_test(d, &rec, evidence, now_ms);
		/* a hazard raised from this very record has counted it once
		 * already: following the change too would add a second
		 * occurrence and an "updated" event in the same instant */
		if (rec.verdict != VERDICT_TEST && on_raised(d, &rec, now_ms))
			return;
	}
	/* the hazard standing for this condition follows it: cleared when
	 * the sensor is normal, reopened when it is not; never created here */
	hchg = *chg;
	hchg.severity = records_grade(d->cfg, chg->type, dev->site,
				      kind == REC_ALARM && chg->severity == SEV_MAJOR, false);
	if (store_record_apply(d->store, REC_HAZARD, false, dev, &hchg, evidence, &pol,
			       now_ms, &hrec, &hevent) < 0)
		d->cnt.store_errors++;
	else if (hevent && strcmp(hevent, "raised") != 0)
		lifecycle_emit(d, &hrec, hevent, now_ms, NULL);
}

/* Faults active past their limit become hazards (a detector offline for
 * a day is a gap in coverage, 全覆盖). */
void records_fault_limits(struct daemon *d, const struct hazard_rec *rec, int64_t now_ms)
{
	double limit = records_fault_limit_h(d->cfg, rec->type);

	if (rec->kind != REC_FAULT || strcmp(rec->state, "active") != 0 ||
	    !record_fault_limit_due(now_ms - rec->raised_at_ms, limit))
		return;
	(void)derive(d, rec, HR_FAULT_LIMIT, true, "hazardd", NULL, now_ms);
}

/* ------------------------------------------------------------- people */

/* The bytes all evidence files may take: records.evidence_quota_pct of
 * storage.max_mb (docs/config.md). */
static int64_t evidence_share(const struct config *cfg)
{
	return (int64_t)cfg->storage.max_mb * 1048576 * cfg->records.evidence_quota_pct / 100;
}

int daemon_record_action(struct daemon *d, const char *id, enum record_action a,
			 enum verdict v, const char *actor, const char *note,
			 const char *evidence, char *err, size_t errlen)
{
	return daemon_record_action_files(d, id, a, v, actor, note, evidence, NULL, 0,
					  err, errlen);
}

int daemon_record_action_files(struct daemon *d, const char *id, enum record_action a,
			       enum verdict v, const char *actor, const char *note,
			       const char *evidence, const struct evidence_file *files,
			       int n_files, char *err, size_t errlen)
{
	struct hazard_rec rec;
	const char *event = NULL;
	int64_t now = now_wall_ms(), wait = 0;
	bool gone = false;

	if (!d || !d->store) {
		errf(err, errlen, "store not available");
		return -1;
	}
	if (a == RA_DISMISS && (!note || !*note)) {
		errf(err, errlen, "dismissing a fault needs a note saying why");
		return -1;
	}
	if ((a == RA_SUBMIT || a == RA_PASS || a == RA_FAIL || a == RA_CLOSE) &&
	    (!note || !*note)) {
		errf(err, errlen, "%s needs a note", record_action_name[a]);
		return -1;
	}
	if (store_begin(d->store) < 0) {
		errf(err, errlen, "database busy, try again");
		return -1;
	}
	/* the wait before a submit is the hazard's type's; a hazard whose
	 * device left the config (docs/operations.md, reload) is submitted
	 * on a person's word, as no reading will say it is normal */
	if (a == RA_SUBMIT && store_hazard_get(d->store, id, &rec) == 0) {
		wait = record_hours_to_ms(records_normal_before_submit_h(d->cfg, rec.type));
		gone = rec.device[0] && !config_find_device(d->cfg, rec.device);
	}
	if (store_record_act_wait(d->store, id, a, v, actor, note, evidence, wait, gone, now,
				  &rec, &event, err, errlen) < 0) {
		store_rollback(d->store);
		return -1;
	}
	/* evidence files in the same transaction: the event below lists
	 * them, and a refusal (their share of the quota is full) undoes
	 * the action too */
	if (n_files > 0 && store_evidence_attach(d->store, rec.id, event, files, n_files,
						 actor ? actor : "operator", now,
						 evidence_share(d->cfg), err, errlen) < 0) {
		store_rollback(d->store);
		return -1;
	}
	lifecycle_emit(d, &rec, event, now, NULL);
	/* a real alarm is a condition to rectify (警情核实 -> 隐患) */
	if (a == RA_VERIFY && v == VERDICT_REAL)
		(void)derive(d, &rec, HR_VERIFIED, record_live(rec.kind, rec.state), actor,
			     note, now);
	if (store_commit(d->store) < 0) {
		store_rollback(d->store);
		errf(err, errlen, "database commit failed; %s %s not changed",
		     record_kind_name[rec.kind], id);
		return -1;
	}
	log_info("%s %s %s by %s: %s", record_kind_name[rec.kind], id, event,
		 actor ? actor : "operator", note ? note : "");
	if (d->up)
		uplink_pump(d->up, d->store);
	return 0;
}

/* ------------------------------------------------------- recorded by hand */

int daemon_hazard_raise(struct daemon *d, const char *site, enum hazard_type t,
			const char *device, int severity, const char *actor,
			const char *note, struct hazard_rec *out, char *err, size_t errlen)
{
	const struct device_cfg *dev = NULL;
	struct hazard_origin o = {
		.site = site, .type = t, .reason = HR_PERSON, .condition_on = false,
		.actor = actor, .note = note, .detail = "recorded by hand",
	};
	struct hz_policy pol;
	const char *event = NULL;
	int64_t now = now_wall_ms();

	if (!d || !d->store) {
		errf(err, errlen, "store not available");
		return -1;
	}
	if (!config_find_site(d->cfg, site)) {
		errf(err, errlen, "no such site %s", site);
		return -1;
	}
	if (device && *device) {
		if (!(dev = config_find_device(d->cfg, device))) {
			errf(err, errlen, "no such device %s", device);
			return -1;
		}
		if (strcmp(dev->site, site) != 0) {
			errf(err, errlen, "device %s is at site %s, not %s", device, dev->site,
			     site);
			return -1;
		}
	}
	o.device = dev ? dev->id : "";
	/* the grade a person gives, else the rules' as for its type */
	o.severity = severity >= 0 ? (enum severity)severity
				   : records_grade(d->cfg, t, site, false, false);
	lifecycle_policy(d->cfg, t, &pol);
	if (store_begin(d->store) < 0) {
		errf(err, errlen, "database busy, try again");
		return -1;
	}
	if (store_hazard_derive(d->store, &o, &pol, now, out, &event) < 0) {
		store_rollback(d->store);
		errf(err, errlen, "database error recording the hazard");
		return -1;
	}
	if (!event) {
		store_rollback(d->store);
		errf(err, errlen, "hazard %s already stands for %s at %s (%s); act on it "
		     "instead", out->id, hazard_type_name[t], o.device, out->state);
		return -1;
	}
	lifecycle_emit(d, out, event, now, NULL);
	if (store_commit(d->store) < 0) {
		store_rollback(d->store);
		errf(err, errlen, "database commit failed; no hazard recorded");
		return -1;
	}
	log_info("hazard %s recorded by hand by %s: %s %s at %s: %s", out->id,
		 actor ? actor : "operator", severity_name[out->severity],
		 hazard_type_name[t], site, note ? note : "");
	if (d->up)
		uplink_pump(d->up, d->store);
	return 0;
}
