/*
 * core/record.c: kinds, states, the rules' and people's moves, grading and
 * the origin of hazards (core/record.h).  Tables, so that a reader sees
 * every move in one place and a test can walk them all.
 */
#include <stdio.h>
#include <string.h>

#include "record.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *const record_kind_name[REC_KIND_COUNT] = {
	[REC_ALARM] = "alarm", [REC_FAULT] = "fault", [REC_HAZARD] = "hazard",
};
const char record_id_letter[REC_KIND_COUNT] = {
	[REC_ALARM] = 'A', [REC_FAULT] = 'F', [REC_HAZARD] = 'H',
};

int record_kind_from_name(const char *name)
{
	int k;

	for (k = 0; name && k < REC_KIND_COUNT; k++)
		if (strcmp(record_kind_name[k], name) == 0)
			return k;
	return -1;
}

enum record_kind record_kind_of(enum hazard_type t)
{
	switch (t) {
	case HZ_GAS_LEAK:
	case HZ_CO_ALARM:
	case HZ_SMOKE_ALARM:
	case HZ_CHARGER_OVERTEMP:
	case HZ_CHARGER_OVERCURRENT:
	case HZ_CHARGER_OVERPOWER:
		return REC_ALARM;
	case HZ_DEVICE_OFFLINE:
	case HZ_LOW_BATTERY:
	case HZ_TAMPER:
	case HZ_DETECTOR_FAULT:
	case HZ_COMMAND_FAILED:
	case HZ_STORAGE_FAULT:
	case HZ_ALERT_CHANNEL_FAULT:
	case HZ_PAYLOAD_UNREADABLE:
	case HZ_SENSOR_EXPIRED:
	case HZ_CALIBRATION_DUE:
		return REC_FAULT;
	case HZ_OVERCHARGE:
	case HZ_COVERAGE_GAP:
	case HZ_SELF_CHECK_FAILED:      /* no detector behind it */
	case HZ_TYPE_COUNT:
		break;
	}
	/* overcharge: no detector alarms on it; the charger was simply left
	 * on too long, which is the condition to rectify */
	return REC_HAZARD;
}

/* ----------------------------------------------------------------- states */

static const char *const alarm_states[] = { "active", "acknowledged", "ended" };
static const char *const fault_states[] = { "active", "cleared", "dismissed" };
static const char *const hazard_states[] = { "open", "rectifying", "submitted",
					     "closed" };

static int state_index(enum record_kind k, const char *state)
{
	const char *const *names = k == REC_ALARM ? alarm_states :
				   k == REC_FAULT ? fault_states : hazard_states;
	size_t i, n = k == REC_ALARM ? LEN(alarm_states) :
		      k == REC_FAULT ? LEN(fault_states) : LEN(hazard_states);

	for (i = 0; state && i < n; i++)
		if (strcmp(names[i], state) == 0)
			return (int)i;
	return -1;
}

bool record_state_valid(enum record_kind k, const char *state)
{
	return (unsigned)k < REC_KIND_COUNT && state_index(k, state) >= 0;
}

bool record_live(enum record_kind k, const char *state)
{
	if (!record_state_valid(k, state))
		return false;
	switch (k) {
	case REC_ALARM: return strcmp(state, "ended") != 0;
	case REC_FAULT: return strcmp(state, "active") == 0;
	default: return strcmp(state, "closed") != 0;
	}
}

/* ------------------------------------------------------ the rules' moves */

bool record_rules_step(enum record_kind k, const char *cur, bool normal,
		       enum change_kind c, bool sev_rose, struct record_step *out)
{
	memset(out, 0, sizeof *out);
	if (!cur) {
		/* hazards come from their origins (record_hazard_at_raise,
		 * recurrence, fault limits, people), never straight from a
		 * reading, except a type that is a hazard by itself */
		if (c == CHG_CLEAR)
			return false;
		out->create = true;
		out->state = k == REC_HAZARD ? "open" : "active";
		out->event = "raised";
		return true;
	}
	if (!record_live(k, cur))
		return false;
	/* a hazard's condition coming back before the write-off: the same
	 * hazard again, never written off while it is on; a submitted fix
	 * did not hold, so the rectification goes on */
	if (k == REC_HAZARD && normal) {
		if (c == CHG_CLEAR)
			return false;
		out->state = strcmp(cur, "submitted") == 0 ? "rectifying" : cur;
		out->event = "reopened";
		out->bump = out->regrade = out->reopened = true;
		return true;
	}
	switch (c) {
	case CHG_ACTIVE:
		out->state = cur;
		out->event = "updated";
		out->bump = out->regrade = true;
		return true;
	case CHG_ESCALATE:
		if (!sev_rose)
			return false;
		out->state = cur;
		out->event = "updated";
		out->regrade = true;
		return true;
	case CHG_CLEAR:
		/* an alarm ends, a fault clears; a hazard keeps its state, a
		 * person's, and only its normal_since is set */
		out->condition_off = true;
		out->event = k == REC_ALARM ? "ended" : "cleared";
		out->state = k == REC_HAZARD ? cur : out->event;
		return true;
	}
	return false;
}

/* -------------------------------------------------------- people's moves */

const char *const record_action_name[RA_COUNT] = {
	[RA_ACK] = "acknowledge", [RA_RECTIFY] = "report rectification",
	[RA_CLOSE] = "close", [RA_VERIFY] = "verify", [RA_DISMISS] = "dismiss",
	[RA_SUBMIT] = "submit", [RA_PASS] = "verify (pass)", [RA_FAIL] = "verify (fail)",
};
const char *const record_action_event[RA_COUNT] = {
	[RA_ACK] = "acknowledged", [RA_RECTIFY] = "rectifying", [RA_CLOSE] = "closed",
	[RA_VERIFY] = "verified", [RA_DISMISS] = "dismissed", [RA_SUBMIT] = "submitted",
	[RA_PASS] = "closed", [RA_FAIL] = "reinspect_failed",
};

const char *const verdict_name[VERDICT_COUNT] = {
	[VERDICT_NONE] = "", [VERDICT_REAL] = "real", [VERDICT_FALSE] = "false",
	[VERDICT_TEST] = "test",
};

int verdict_from_name(const char *name)
{
	int v;

	for (v = VERDICT_REAL; name && v < VERDICT_COUNT; v++)
		if (strcmp(verdict_name[v], name) == 0)
			return v;
	return -1;
}

/* not inlined: GCC then follows a NULL why into the branch that has one */
__attribute__((noinline))
static const char *refuse(const struct record_view *r, enum record_action a,
			  const char *why, char *err, size_t errlen)
{
	const char *kind = (unsigned)r->kind < REC_KIND_COUNT ? record_kind_name[r->kind]
							       : "record";

	if (why)
		snprintf(err, errlen, "%s %s is %s: %s; cannot %s", kind, r->id,
			 r->state ? r->state : "?", why, record_action_name[a]);
	else
		snprintf(err, errlen, "%s %s is %s; cannot %s", kind, r->id,
			 r->state ? r->state : "?", record_action_name[a]);
	return NULL;
}

static const char *alarm_next(const struct record_view *r, enum record_action a,
			      char *err, size_t errlen)
{
	bool ended = strcmp(r->state, "ended") == 0;

	switch (a) {
	case RA_ACK:
		if (r->acked)
			return refuse(r, a, "already acknowledged", err, errlen);
		return ended ? "ended" : "acknowledged";
	case RA_VERIFY:
		if (r->verdict != VERDICT_NONE) {
			char why[48];

			snprintf(why, sizeof why, "already verified %s",
				 verdict_name[r->verdict]);
			return refuse(r, a, why, err, errlen);
		}
		/* verifying it means someone has seen it */
		return ended ? "ended" : "acknowledged";
	default:
		snprintf(err, errlen, "alarm %s: an alarm is acknowledged and verified, "
			 "not %s (a verified-real alarm opens a hazard to rectify)",
			 r->id, a == RA_CLOSE || a == RA_PASS ? "closed" :
			 a == RA_DISMISS ? "dismissed" : a == RA_SUBMIT ? "submitted" :
			 a == RA_FAIL ? "re-inspected" : "rectified");
		return NULL;
	}
}

static const char *fault_next(const struct record_view *r, enum record_action a,
			      char *err, size_t errlen)
{
	if (a != RA_DISMISS) {
		snprintf(err, errlen, "fault %s: a fault clears when its cause does, or is "
			 "dismissed with a note; it cannot be %s", r->id,
			 a == RA_ACK ? "acknowledged" : a == RA_VERIFY ? "verified"
			 : a == RA_CLOSE || a == RA_PASS ? "closed" : a == RA_SUBMIT ?
			 "submitted" : a == RA_FAIL ? "re-inspected" : "rectified");
		return NULL;
	}
	if (strcmp(r->state, "active") != 0)
		return refuse(r, a, NULL, err, errlen);
	return "dismissed";
}

/* Submitting: the condition normal, long enough when a sensor is behind
 * it, or its device gone from the config.  NULL when it may be
 * submitted, else the reason (in buf). */
static const char *submit_blocked(const struct record_view *r, char *buf, size_t len)
{
	if (r->device_gone)     /* no reading will come: a person's word it is */
		return NULL;
	if (r->condition_on)
		return "its condition is on (the sensor is not normal); it can be "
		       "submitted once the condition has been normal long enough";
	if (r->sensor && r->normal_ms < r->normal_needed_ms) {
		snprintf(buf, len, "its condition has been normal for %.3g h of the %.3g h "
			 "required before a submit (records.normal_before_submit_h)",
			 (double)r->normal_ms / 3600000.0,
			 (double)r->normal_needed_ms / 3600000.0);
		return buf;
	}
	return NULL;
}

/*
 * Hazards: open -> rectifying -> submitted -> closed, and submitted ->
 * rectifying when the re-inspection fails (docs/lifecycle.md has the
 * table).  Acknowledging (签收) records who took it on and when, in any
 * live state, once.
 */
static const char *hazard_next(const struct record_view *r, enum record_action a,
			       char *err, size_t errlen)
{
	bool open = strcmp(r->state, "open") == 0,
	     rect = strcmp(r->state, "rectifying") == 0,
	     sub = strcmp(r->state, "submitted") == 0;
	char buf[200];
	const char *why;

	if (a == RA_VERIFY || a == RA_DISMISS) {
		snprintf(err, errlen, "hazard %s: a hazard is rectified, submitted and "
			 "re-inspected (verify ID pass|fail); %s is for %s", r->id,
			 a == RA_VERIFY ? "verify-alarm" : "dismiss",
			 a == RA_VERIFY ? "alarms" : "faults");
		return NULL;
	}
	if (!open && !rect && !sub)     /* closed */
		return refuse(r, a, NULL, err, errlen);
	switch (a) {
	case RA_ACK:
		if (r->acked)
			return refuse(r, a, "already acknowledged", err, errlen);
		return r->state;
	case RA_RECTIFY:
		if (rect)
			return refuse(r, a, "already reported as rectifying", err, errlen);
		if (sub)
			return refuse(r, a, "submitted for re-inspection (verify ID pass|fail)",
				      err, errlen);
		return "rectifying";
	case RA_SUBMIT:
		if (sub)
			return refuse(r, a, "already submitted for re-inspection", err, errlen);
		if ((why = submit_blocked(r, buf, sizeof buf)))
			return refuse(r, a, why, err, errlen);
		return "submitted";
	case RA_CLOSE:
	case RA_PASS:
	case RA_FAIL:
		if (!sub)
			return refuse(r, a, "not submitted: a write-off follows a submit "
				      "(submit ID --note) and a re-inspection by someone "
				      "else (verify ID pass|fail)", err, errlen);
		if (r->actor && r->submitted_by && *r->submitted_by &&
		    strcmp(r->actor, r->submitted_by) == 0) {
			snprintf(buf, sizeof buf, "submitted by %s, who cannot re-inspect "
				 "it: re-inspection (复查) is someone else's", r->actor);
			return refuse(r, a, buf, err, errlen);
		}
		return a == RA_FAIL ? "rectifying" : "closed";
	default:
		return refuse(r, a, NULL, err, errlen);
	}
}

const char *record_person_next(const struct record_view *r, enum record_action a,
			       char *err, size_t errlen)
{
	if ((unsigned)a >= RA_COUNT || (unsigned)r->kind >= REC_KIND_COUNT ||
	    !record_state_valid(r->kind, r->state)) {
		snprintf(err, errlen, "record %s is in an unknown state", r->id);
		return NULL;
	}
	switch (r->kind) {
	case REC_ALARM: return alarm_next(r, a, err, errlen);
	case REC_FAULT: return fault_next(r, a, err, errlen);
	default: return hazard_next(r, a, err, errlen);
	}
}

/* --------------------------------------------------------------- grading */

/*
 * The campaigns count 重大隐患 in a handful per tens of thousands of
 * hazards: major is kept for a combustible gas or CO concentration that
 * reached the high alarm level (GB 15322's 50 %LEL: half way to an
 * explosive mixture), which no rectification can treat as routine.
 * Everything else is general unless the config says otherwise; a
 * recurrence is counted and linked, not graded up by itself.
 */
const struct grade_rule grade_defaults[] = {
	{ HZ_GAS_LEAK, -1, 1, -1, SEV_MAJOR },
	{ HZ_CO_ALARM, -1, 1, -1, SEV_MAJOR },
};
const int grade_defaults_n = (int)LEN(grade_defaults);

static bool grade_match(const struct grade_rule *g, enum hazard_type t, int site_kind,
			int level, bool recurrence)
{
	return (g->type < 0 || g->type == (int)t) &&
	       (g->site_kind < 0 || g->site_kind == site_kind) &&
	       (g->level < 0 || g->level == level) &&
	       (g->recurrence < 0 || g->recurrence == (recurrence ? 1 : 0));
}

enum severity record_grade(const struct grade_rule *rules, int n, enum hazard_type t,
			   int site_kind, int level, bool recurrence)
{
	int i;

	for (i = 0; rules && i < n; i++)
		if (grade_match(&rules[i], t, site_kind, level, recurrence))
			return rules[i].severity;
	for (i = 0; i < grade_defaults_n; i++)
		if (grade_match(&grade_defaults[i], t, site_kind, level, recurrence))
			return grade_defaults[i].severity;
	return SEV_GENERAL;
}

/* ---------------------------------------------------------------- origins */

const char *const hazard_reason_name[HR_COUNT] = {
	[HR_ALARM] = "alarm", [HR_VERIFIED] = "verified", [HR_RECURRENCE] = "recurrence",
	[HR_FAULT_LIMIT] = "fault_limit", [HR_PERSON] = "person",
	[HR_CONDITION] = "condition",
};

/*
 * A gas leak in a restaurant kitchen is a hazard the moment it is
 * detected: the campaigns treat a leaking hose or valve as something to
 * rectify whether or not anyone confirms the alarm (site kind 0 is
 * restaurant, config.h's enum site_kind).  Every other alarm waits for a
 * person's verification, so false alarms and test presses never become
 * hazards.
 */
const struct raise_rule raise_defaults[] = {
	{ HZ_GAS_LEAK, 0 },
};
const int raise_defaults_n = (int)LEN(raise_defaults);

bool record_hazard_at_raise(const struct raise_rule *rules, int n, bool has_rules,
			    enum hazard_type t, int site_kind)
{
	int i;

	if (!has_rules) {
		rules = raise_defaults;
		n = raise_defaults_n;
	}
	for (i = 0; rules && i < n; i++)
		if ((rules[i].type < 0 || rules[i].type == (int)t) &&
		    (rules[i].site_kind < 0 || rules[i].site_kind == site_kind))
			return true;
	return false;
}

bool record_recurrence_due(int64_t count, int threshold)
{
	return threshold > 0 && count >= threshold;
}

bool record_fault_limit_due(int64_t active_ms, double limit_h)
{
	return limit_h > 0 && active_ms >= (int64_t)(limit_h * 3600000.0);
}

double record_fault_limit_default_h(enum hazard_type t)
{
	switch (t) {
	case HZ_DEVICE_OFFLINE:         /* a detector that cannot report is no
					 * coverage at all (全覆盖) */
	case HZ_DETECTOR_FAULT:
	case HZ_TAMPER:
	case HZ_PAYLOAD_UNREADABLE:
	case HZ_COMMAND_FAILED:
	case HZ_STORAGE_FAULT:
	case HZ_ALERT_CHANNEL_FAULT:
		return 24;
	case HZ_LOW_BATTERY:            /* a detector warns for weeks */
		return 168;
	case HZ_SENSOR_EXPIRED:         /* a month to replace the sensor or */
	case HZ_CALIBRATION_DUE:        /* book the calibration (720 h) */
		return 720;
	default:
		return 0;
	}
}

/*
 * A fix is believed once the condition has stayed normal through a whole
 * cycle of the use that caused it: a day of a kitchen's service for gas
 * and CO, a day and a night's charging for the charger limits and
 * overcharge, a day for smoke.  A fault's cause (a detector back online,
 * a battery replaced) shows within the hour.  A coverage gap is closed by
 * the config itself (the device and interlock are there or not): nothing
 * to watch.
 */
double record_normal_before_submit_default_h(enum hazard_type t)
{
	if (t == HZ_COVERAGE_GAP)
		return 0;
	return record_kind_of(t) == REC_FAULT ? 1 : 24;
}
