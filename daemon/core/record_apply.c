/*
 * core/record_apply.c: the values a record takes when a change, an origin,
 * a person or the deadline moves it (core/record_apply.h).  record.c's
 * tables say which move is made; this file works out the fields that go
 * with it, so the store only reads and writes rows.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "record_apply.h"

int64_t record_hours_to_ms(double h)
{
	if (!(h > 0.0))
		return 0;
	return (int64_t)llround(h * 3600000.0);
}

void record_policy_default(enum hazard_type t, double deadline_h, struct hz_policy *pol)
{
	memset(pol, 0, sizeof *pol);
	pol->deadline_h[SEV_GENERAL] = pol->deadline_h[SEV_MAJOR] = deadline_h;
	pol->prio[SEV_GENERAL] = hazard_priority(t, SEV_GENERAL);
	pol->prio[SEV_MAJOR] = hazard_priority(t, SEV_MAJOR);
	pol->clock_trusted = true;
}

/* ------------------------------------------------------------ new records */

void record_new(struct hazard_rec *r, enum record_kind kind, const char *device,
		const char *site, enum hazard_type t, enum severity sev,
		const struct hz_policy *pol, int64_t now_ms)
{
	memset(r, 0, sizeof *r);
	r->kind = kind;
	strlcpy_hz(r->device, device, sizeof r->device);
	strlcpy_hz(r->site, site, sizeof r->site);
	r->type = t;
	r->severity = sev;
	r->priority = pol->prio[sev];
	r->raised_at_ms = now_ms;
	/* a rectification deadline is a hazard's; an alarm is answered and
	 * a fault repaired, neither by a date */
	r->deadline_ms = kind == REC_HAZARD ? now_ms + record_hours_to_ms(pol->deadline_h[sev])
					    : 0;
	r->occurrences = 1;
	r->clock_trusted = pol->clock_trusted;
}

bool record_looks_for_recurrence(enum record_kind kind, const struct hz_policy *pol)
{
	return kind == REC_HAZARD && pol->recurrence_window_ms > 0;
}

bool record_recurrence_within(const struct hz_policy *pol, int64_t closed_at_ms,
			      int64_t now_ms)
{
	return pol->recurrence_window_ms > 0 && closed_at_ms <= now_ms &&
	       closed_at_ms >= now_ms - pol->recurrence_window_ms;
}

/* --------------------------------------------------- a change from the rules */

bool record_raise_severity(struct hazard_rec *r, enum severity sev,
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
		r->deadline_ms = r->raised_at_ms + record_hours_to_ms(pol->deadline_h[sev]);
	return true;
}

bool record_apply_change(enum record_kind kind, bool may_create,
			 const struct hazard_rec *cur, const char *device,
			 const char *site, const struct hazard_change *chg,
			 const struct hz_policy *pol, int64_t now_ms,
			 struct record_plan *out)
{
	struct record_step step;
	struct hazard_rec *next = &out->next;

	memset(out, 0, sizeof *out);
	if (!record_rules_step(kind, cur ? cur->state : NULL,
			       cur && kind == REC_HAZARD && cur->cleared_at_ms != 0, chg->kind,
			       cur && chg->severity > cur->severity, &step) ||
	    (step.create && !may_create))
		return false;
	out->event = step.event;

	if (step.create) {
		record_new(next, kind, device, site, chg->type, chg->severity, pol, now_ms);
		strlcpy_hz(next->state, step.state, sizeof next->state);
		next->flapping = chg->flapping;
		if (kind == REC_HAZARD)
			strlcpy_hz(next->reason, hazard_reason_name[HR_CONDITION],
				   sizeof next->reason);
		out->write = RW_CREATE;
		out->evidence_slot = "raised";
		out->link_recurrence = record_looks_for_recurrence(kind, pol);
		return true;
	}

	*next = *cur;
	if (step.bump)
		next->occurrences++;
	if (step.reopened)
		next->cleared_at_ms = 0;
	if (step.regrade)
		record_raise_severity(next, chg->severity, pol);
	if (step.condition_off) {
		next->cleared_at_ms = now_ms;
		out->evidence_slot = "cleared";
		/* a flapping condition's end: the onsets folded into it count,
		 * and it is no longer flapping */
		if (chg->folded > 0)
			next->occurrences = chg->folded > INT_MAX - next->occurrences ?
					    INT_MAX : next->occurrences + chg->folded;
		next->flapping = false;
	} else if (chg->flapping) {
		next->flapping = true;
	}
	strlcpy_hz(next->state, step.state, sizeof next->state);
	/* a reopened hazard is no longer cleared: its old clear reading
	 * would mislead whoever verifies the fix */
	out->drop_cleared = step.reopened;
	out->write = RW_UPDATE;
	return true;
}

/* -------------------------------------------------- a hazard from its origin */

const char *record_derive_new(struct hazard_rec *r, const struct hazard_origin *o,
			      const struct hz_policy *pol, int64_t now_ms)
{
	record_new(r, REC_HAZARD, o->device, o->site, o->type, o->severity, pol, now_ms);
	/* the sensor may be normal already (an alarm verified after it
	 * ended): normal since now.  A hazard recorded by hand has no
	 * sensor: normal since its raise, unless a device it names says
	 * otherwise later */
	strlcpy_hz(r->state, "open", sizeof r->state);
	r->cleared_at_ms = o->condition_on ? 0 : now_ms;
	if ((unsigned)o->reason < HR_COUNT)
		strlcpy_hz(r->reason, hazard_reason_name[o->reason], sizeof r->reason);
	r->flapping = o->flapping && o->condition_on;
	if (o->source)
		strlcpy_hz(r->source, o->source, sizeof r->source);
	return "raised";
}

/* --------------------------------------------- a person's action, the clock */

void record_view_of(const struct hazard_rec *r, const char *actor,
		    int64_t normal_needed_ms, int64_t now_ms, struct record_view *v)
{
	memset(v, 0, sizeof *v);
	v->kind = r->kind;
	v->id = r->id;
	v->state = r->state;
	v->acked = r->acked_at_ms != 0;
	v->verdict = r->verdict;
	v->actor = actor;
	v->submitted_by = r->submitted_by;
	v->condition_on = r->kind == REC_HAZARD && r->cleared_at_ms == 0;
	v->sensor = strcmp(r->reason, hazard_reason_name[HR_PERSON]) != 0;
	/* a normal_since in the future (the clock set back) counts as 0 */
	v->normal_ms = r->cleared_at_ms && now_ms > r->cleared_at_ms ?
		       now_ms - r->cleared_at_ms : 0;
	v->normal_needed_ms = normal_needed_ms;
}

void record_person_apply(struct hazard_rec *r, enum record_action a, enum verdict v,
			 const char *next_state, int64_t now_ms)
{
	switch (a) {
	case RA_ACK:
		r->acked_at_ms = now_ms;
		break;
	case RA_RECTIFY:
		r->rectifying_at_ms = now_ms;
		/* reporting the fix implies having seen the hazard */
		if (!r->acked_at_ms)
			r->acked_at_ms = now_ms;
		break;
	case RA_VERIFY:
		r->verdict = v;
		r->verified_at_ms = now_ms;
		/* verifying it implies having seen it: the response time
		 * runs to the first of the two */
		if (!r->acked_at_ms)
			r->acked_at_ms = now_ms;
		break;
	case RA_SUBMIT:
		r->submitted_at_ms = now_ms;
		if (!r->acked_at_ms)
			r->acked_at_ms = now_ms;
		break;
	case RA_FAIL:
		/* counted per hazard (复查不通过); back to rectifying */
		r->reinspect_failed++;
		break;
	default:        /* close (verify pass), dismiss */
		r->closed_at_ms = now_ms;
		break;
	}
	strlcpy_hz(r->state, next_state, sizeof r->state);
}

const char *record_mark_overdue(struct hazard_rec *r, int64_t now_ms, char *detail,
				size_t detail_len)
{
	if (r->overdue || strcmp(r->state, "closed") == 0)
		return NULL;    /* already done: nothing to send */
	r->overdue = true;
	r->escalated_at_ms = now_ms;
	/* one class up, never past urgent: it is now behind its deadline */
	if (r->priority > PRIO_URGENT)
		r->priority--;
	snprintf(detail, detail_len, "past its rectification deadline; priority %s",
		 priority_name[r->priority]);
	return "escalated";
}

/* ------------------------------------------------------------------ evidence */

enum reading_field record_trigger_field(enum hazard_type t, const struct reading *r)
{
	/* RF_COUNT ends a list */
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
