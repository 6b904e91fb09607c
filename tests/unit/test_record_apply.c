/*
 * test_record_apply.c: daemon/core/record_apply.c with no database: what a
 * rules change makes of a record (new, reopened, escalated, cleared with
 * its folded onsets), the recurrence window, the grade with its class and
 * deadline, overdue escalation, a person's stamps, a hazard from its
 * origin, and the evidence's trigger field.  Only core functions are
 * called.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "testing.h"
#include "core.h"

#define HOUR_MS 3600000LL
#define DAY_MS  (24 * HOUR_MS)
#define NOW     1700000000000LL

/* A hazard policy with different deadlines and classes per grade, so a
 * test can tell which grade a value came from. */
static void policy(struct hz_policy *pol)
{
	memset(pol, 0, sizeof *pol);
	pol->deadline_h[SEV_GENERAL] = 72;
	pol->deadline_h[SEV_MAJOR] = 4;
	pol->prio[SEV_GENERAL] = PRIO_MINOR;
	pol->prio[SEV_MAJOR] = PRIO_SERIOUS;
	pol->recurrence_window_ms = 7 * DAY_MS;
	pol->clock_trusted = true;
}

static struct hazard_change change(enum hazard_type t, enum change_kind k, enum severity s)
{
	struct hazard_change c;

	memset(&c, 0, sizeof c);
	c.type = t;
	c.kind = k;
	c.severity = s;
	snprintf(c.detail, sizeof c.detail, "test");
	return c;
}

/* A stored record of kind in state, raised a day before NOW. */
static struct hazard_rec stored(enum record_kind k, const char *state, enum severity s,
				const struct hz_policy *pol)
{
	struct hazard_rec r;

	record_new(&r, k, "dev-1", "site-1", HZ_OVERCHARGE, s, pol, NOW - DAY_MS);
	snprintf(r.id, sizeof r.id, "ep-H1");
	snprintf(r.state, sizeof r.state, "%s", state);
	return r;
}

static void test_create(void)
{
	struct hz_policy pol;
	struct hazard_change c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_GENERAL);
	struct record_plan p;

	policy(&pol);
	c.flapping = true;
	CHECK_INT("create: a change with no record writes", record_apply_change(
		  REC_HAZARD, true, NULL, "dev-1", "site-1", &c, &pol, NOW, &p), 1);
	CHECK_INT("create: a new row", p.write, RW_CREATE);
	CHECK_STR("create: state open", p.next.state, "open");
	CHECK_STR("create: event raised", p.event, "raised");
	CHECK_STR("create: the reading goes to evidence.raised", p.evidence_slot, "raised");
	CHECK_INT("create: a hazard looks for an earlier close", p.link_recurrence, 1);
	CHECK_STR("create: no id yet (the store hands it out)", p.next.id, "");
	CHECK_STR("create: no link yet", p.next.recurrence_of, "");
	CHECK_STR("create: device", p.next.device, "dev-1");
	CHECK_STR("create: site", p.next.site, "site-1");
	CHECK_INT("create: one occurrence", p.next.occurrences, 1);
	CHECK_INT("create: class of the general grade", p.next.priority, PRIO_MINOR);
	CHECK_INT("create: deadline 72 h from now", p.next.deadline_ms, NOW + 72 * HOUR_MS);
	CHECK_INT("create: raised now", p.next.raised_at_ms, NOW);
	CHECK_STR("create: reason condition", p.next.reason, "condition");
	CHECK_INT("create: flapping as the change says", p.next.flapping, 1);
	CHECK_INT("create: clock trusted as the policy says", p.next.clock_trusted, 1);

	CHECK_INT("create: refused where the caller may not create",
		  record_apply_change(REC_HAZARD, false, NULL, "dev-1", "site-1", &c, &pol,
				      NOW, &p), 0);
	CHECK_INT("create: refused writes nothing", p.write, RW_NOTHING);
	c = change(HZ_OVERCHARGE, CHG_CLEAR, SEV_GENERAL);
	CHECK_INT("create: a clear with no record does nothing",
		  record_apply_change(REC_HAZARD, true, NULL, "dev-1", "site-1", &c, &pol,
				      NOW, &p), 0);

	c = change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_MAJOR);
	CHECK_INT("create alarm: writes", record_apply_change(REC_ALARM, true, NULL, "dev-1",
		  "site-1", &c, &pol, NOW, &p), 1);
	CHECK_STR("create alarm: state active", p.next.state, "active");
	CHECK_INT("create alarm: no rectification deadline", p.next.deadline_ms, 0);
	CHECK_INT("create alarm: class of the major grade", p.next.priority, PRIO_SERIOUS);
	CHECK_INT("create alarm: no recurrence link looked for", p.link_recurrence, 0);
	CHECK_STR("create alarm: no reason", p.next.reason, "");

	pol.recurrence_window_ms = 0;
	c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_GENERAL);
	record_apply_change(REC_HAZARD, true, NULL, "dev-1", "site-1", &c, &pol, NOW, &p);
	CHECK_INT("create: no window, no recurrence looked for", p.link_recurrence, 0);
}

static void test_recurrence_window(void)
{
	struct hz_policy pol;

	policy(&pol);
	CHECK_INT("recurrence: closed an hour ago is one",
		  record_recurrence_within(&pol, NOW - HOUR_MS, NOW), 1);
	CHECK_INT("recurrence: closed at the window's start is one",
		  record_recurrence_within(&pol, NOW - 7 * DAY_MS, NOW), 1);
	CHECK_INT("recurrence: closed a millisecond before the window is not",
		  record_recurrence_within(&pol, NOW - 7 * DAY_MS - 1, NOW), 0);
	CHECK_INT("recurrence: closed eight days ago is new",
		  record_recurrence_within(&pol, NOW - 8 * DAY_MS, NOW), 0);
	CHECK_INT("recurrence: a close in the future (clock set back) is not counted",
		  record_recurrence_within(&pol, NOW + 1000, NOW), 0);
	CHECK_INT("recurrence: closed just now is one",
		  record_recurrence_within(&pol, NOW, NOW), 1);
	pol.recurrence_window_ms = 0;
	CHECK_INT("recurrence: no window, never",
		  record_recurrence_within(&pol, NOW - 1, NOW), 0);
	CHECK_INT("recurrence: looked for only by hazards with a window",
		  record_looks_for_recurrence(REC_HAZARD, &pol), 0);
	policy(&pol);
	CHECK_INT("recurrence: a hazard with a window looks",
		  record_looks_for_recurrence(REC_HAZARD, &pol), 1);
	CHECK_INT("recurrence: a fault never looks",
		  record_looks_for_recurrence(REC_FAULT, &pol), 0);
}

static void test_reopen(void)
{
	struct hz_policy pol;
	struct hazard_rec cur;
	struct hazard_change c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_MAJOR);
	struct record_plan p;

	policy(&pol);
	/* submitted: its condition had been normal an hour */
	cur = stored(REC_HAZARD, "submitted", SEV_GENERAL, &pol);
	cur.cleared_at_ms = NOW - HOUR_MS;
	cur.occurrences = 2;
	CHECK_INT("reopen: the condition back before the close writes",
		  record_apply_change(REC_HAZARD, true, &cur, "dev-1", "site-1", &c, &pol,
				      NOW, &p), 1);
	CHECK_INT("reopen: the same row", p.write, RW_UPDATE);
	CHECK_STR("reopen: same id", p.next.id, "ep-H1");
	CHECK_STR("reopen: a submitted fix that did not hold: rectifying again",
		  p.next.state, "rectifying");
	CHECK_STR("reopen: event reopened", p.event, "reopened");
	CHECK_INT("reopen: one more occurrence", p.next.occurrences, 3);
	CHECK_INT("reopen: normal_since reset", p.next.cleared_at_ms, 0);
	CHECK_INT("reopen: evidence forgets the clear", p.drop_cleared, 1);
	CHECK(    "reopen: no evidence slot", p.evidence_slot == NULL);
	CHECK_INT("reopen: graded up to the change's", p.next.severity, SEV_MAJOR);
	CHECK_INT("reopen: class of the major grade", p.next.priority, PRIO_SERIOUS);
	CHECK_INT("reopen: deadline from the first report, major's 4 h",
		  p.next.deadline_ms, cur.raised_at_ms + 4 * HOUR_MS);

	cur = stored(REC_HAZARD, "closed", SEV_GENERAL, &pol);
	CHECK_INT("reopen: a closed hazard is history, nothing changes",
		  record_apply_change(REC_HAZARD, true, &cur, "dev-1", "site-1", &c, &pol,
				      NOW, &p), 0);
}

static void test_escalate(void)
{
	struct hz_policy pol;
	struct hazard_rec cur;
	struct hazard_change c = change(HZ_OVERCHARGE, CHG_ESCALATE, SEV_MAJOR);
	struct record_plan p;

	policy(&pol);
	cur = stored(REC_HAZARD, "rectifying", SEV_GENERAL, &pol);
	CHECK_INT("escalate: general to major writes",
		  record_apply_change(REC_HAZARD, true, &cur, "dev-1", "site-1", &c, &pol,
				      NOW, &p), 1);
	CHECK_STR("escalate: event updated", p.event, "updated");
	CHECK_STR("escalate: state kept", p.next.state, "rectifying");
	CHECK_INT("escalate: major", p.next.severity, SEV_MAJOR);
	CHECK_INT("escalate: class follows the grade", p.next.priority, PRIO_SERIOUS);
	CHECK_INT("escalate: no new occurrence", p.next.occurrences, 1);
	CHECK_INT("escalate: deadline recomputed from the first report",
		  p.next.deadline_ms, NOW - DAY_MS + 4 * HOUR_MS);

	cur.overdue = true;
	record_apply_change(REC_HAZARD, true, &cur, "dev-1", "site-1", &c, &pol, NOW, &p);
	CHECK_INT("escalate: an overdue hazard stays one class up", p.next.priority,
		  PRIO_URGENT);

	cur = stored(REC_HAZARD, "open", SEV_MAJOR, &pol);
	CHECK_INT("escalate: not higher, nothing changes",
		  record_apply_change(REC_HAZARD, true, &cur, "dev-1", "site-1", &c, &pol,
				      NOW, &p), 0);
	CHECK_INT("escalate: nothing written", p.write, RW_NOTHING);

	cur = stored(REC_ALARM, "active", SEV_GENERAL, &pol);
	c.type = HZ_GAS_LEAK;
	record_apply_change(REC_ALARM, true, &cur, "dev-1", "site-1", &c, &pol, NOW, &p);
	CHECK_INT("escalate alarm: high level", p.next.severity, SEV_MAJOR);
	CHECK_INT("escalate alarm: still no deadline", p.next.deadline_ms, 0);

	cur = stored(REC_HAZARD, "open", SEV_GENERAL, &pol);
	CHECK_INT("raise severity: higher rises", record_raise_severity(&cur, SEV_MAJOR, &pol), 1);
	CHECK_INT("raise severity: the same does not", record_raise_severity(&cur, SEV_MAJOR,
		  &pol), 0);
	CHECK_INT("raise severity: never lowered", record_raise_severity(&cur, SEV_GENERAL,
		  &pol), 0);
	CHECK_INT("raise severity: stays major", cur.severity, SEV_MAJOR);
}

static void test_clear_and_repeat(void)
{
	struct hz_policy pol;
	struct hazard_rec cur;
	struct hazard_change c = change(HZ_OVERCHARGE, CHG_CLEAR, SEV_GENERAL);
	struct record_plan p;

	policy(&pol);
	cur = stored(REC_HAZARD, "open", SEV_GENERAL, &pol);
	cur.flapping = true;
	c.folded = 3;
	CHECK_INT("clear: writes", record_apply_change(REC_HAZARD, true, &cur, "dev-1",
		  "site-1", &c, &pol, NOW, &p), 1);
	CHECK_STR("clear: the state stays the person's", p.next.state, "open");
	CHECK_STR("clear: event cleared", p.event, "cleared");
	CHECK_INT("clear: stamped now", p.next.cleared_at_ms, NOW);
	CHECK_STR("clear: the reading goes to evidence.cleared", p.evidence_slot, "cleared");
	CHECK_INT("clear: the folded onsets count", p.next.occurrences, 4);
	CHECK_INT("clear: no longer flapping", p.next.flapping, 0);
	CHECK_INT("clear: evidence keeps what it had", p.drop_cleared, 0);

	cur.occurrences = INT_MAX - 1;
	c.folded = 5;
	record_apply_change(REC_HAZARD, true, &cur, "dev-1", "site-1", &c, &pol, NOW, &p);
	CHECK_INT("clear: folded onsets saturate", p.next.occurrences, INT_MAX);

	cur = stored(REC_ALARM, "active", SEV_GENERAL, &pol);
	record_apply_change(REC_ALARM, true, &cur, "dev-1", "site-1", &c, &pol, NOW, &p);
	CHECK_STR("clear alarm: ended", p.next.state, "ended");
	CHECK_STR("clear alarm: event ended", p.event, "ended");

	c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_GENERAL);
	c.flapping = true;
	cur = stored(REC_HAZARD, "rectifying", SEV_GENERAL, &pol);
	record_apply_change(REC_HAZARD, true, &cur, "dev-1", "site-1", &c, &pol, NOW, &p);
	CHECK_STR("repeat: event updated", p.event, "updated");
	CHECK_STR("repeat: state kept", p.next.state, "rectifying");
	CHECK_INT("repeat: one more occurrence", p.next.occurrences, 2);
	CHECK_INT("repeat: now flapping", p.next.flapping, 1);
	CHECK_INT("repeat: deadline unchanged", p.next.deadline_ms, cur.deadline_ms);
}

static void test_overdue(void)
{
	struct hz_policy pol;
	struct hazard_rec r;
	char detail[96];
	const char *ev;

	policy(&pol);
	r = stored(REC_HAZARD, "open", SEV_MAJOR, &pol);
	ev = record_mark_overdue(&r, NOW, detail, sizeof detail);
	CHECK_STR("overdue: event escalated", ev, "escalated");
	CHECK_INT("overdue: marked", r.overdue, 1);
	CHECK_INT("overdue: since now", r.escalated_at_ms, NOW);
	CHECK_INT("overdue: one class up", r.priority, PRIO_URGENT);
	CHECK_STR("overdue: detail names the class", detail,
		  "past its rectification deadline; priority urgent");
	CHECK(    "overdue: a second time does nothing",
		  record_mark_overdue(&r, NOW + 1, detail, sizeof detail) == NULL);
	CHECK_INT("overdue: the first time is kept", r.escalated_at_ms, NOW);

	r = stored(REC_HAZARD, "open", SEV_MAJOR, &pol);
	r.priority = PRIO_URGENT;
	record_mark_overdue(&r, NOW, detail, sizeof detail);
	CHECK_INT("overdue: never past urgent", r.priority, PRIO_URGENT);

	r = stored(REC_HAZARD, "closed", SEV_GENERAL, &pol);
	CHECK(    "overdue: a closed hazard is not escalated",
		  record_mark_overdue(&r, NOW, detail, sizeof detail) == NULL);
	CHECK_INT("overdue: closed stays as it was", r.priority, PRIO_MINOR);
}

static void test_person(void)
{
	struct hz_policy pol;
	struct hazard_rec r;

	policy(&pol);
	r = stored(REC_HAZARD, "open", SEV_GENERAL, &pol);
	record_person_apply(&r, RA_RECTIFY, VERDICT_NONE, "rectifying", NOW);
	CHECK_STR("person: rectifying", r.state, "rectifying");
	CHECK_INT("person: rectifying stamped", r.rectifying_at_ms, NOW);
	CHECK_INT("person: rectifying implies acknowledged", r.acked_at_ms, NOW);

	r = stored(REC_ALARM, "acknowledged", SEV_GENERAL, &pol);
	r.acked_at_ms = NOW - 5000;
	record_person_apply(&r, RA_VERIFY, VERDICT_FALSE, "acknowledged", NOW);
	CHECK_INT("person: verdict", r.verdict, VERDICT_FALSE);
	CHECK_INT("person: verified now", r.verified_at_ms, NOW);
	CHECK_INT("person: the first acknowledgement is kept", r.acked_at_ms, NOW - 5000);

	r = stored(REC_HAZARD, "submitted", SEV_GENERAL, &pol);
	record_person_apply(&r, RA_CLOSE, VERDICT_NONE, "closed", NOW);
	CHECK_STR("person: closed", r.state, "closed");
	CHECK_INT("person: closed stamped", r.closed_at_ms, NOW);
	CHECK_INT("person: closing acknowledges nothing", r.acked_at_ms, 0);

	r = stored(REC_HAZARD, "rectifying", SEV_GENERAL, &pol);
	record_person_apply(&r, RA_SUBMIT, VERDICT_NONE, "submitted", NOW);
	CHECK_STR("person: submitted", r.state, "submitted");
	CHECK_INT("person: submitted stamped", r.submitted_at_ms, NOW);
	CHECK_INT("person: submitting acknowledges", r.acked_at_ms, NOW);
	record_person_apply(&r, RA_FAIL, VERDICT_NONE, "rectifying", NOW + 1);
	CHECK_STR("person: re-inspection failed: rectifying", r.state, "rectifying");
	CHECK_INT("person: failed re-inspections counted", r.reinspect_failed, 1);
	record_person_apply(&r, RA_SUBMIT, VERDICT_NONE, "submitted", NOW + 2);
	record_person_apply(&r, RA_FAIL, VERDICT_NONE, "rectifying", NOW + 3);
	CHECK_INT("person: each failure counted", r.reinspect_failed, 2);
	CHECK_INT("person: not closed", r.closed_at_ms, 0);
	record_person_apply(&r, RA_SUBMIT, VERDICT_NONE, "submitted", NOW + 4);
	record_person_apply(&r, RA_PASS, VERDICT_NONE, "closed", NOW + 5);
	CHECK_STR("person: passed: closed", r.state, "closed");
	CHECK_INT("person: passed: closed stamped", r.closed_at_ms, NOW + 5);
	CHECK_INT("person: passing keeps the count", r.reinspect_failed, 2);
}

static void test_derive(void)
{
	struct hz_policy pol;
	struct hazard_origin o;
	struct hazard_rec r;

	policy(&pol);
	memset(&o, 0, sizeof o);
	o.device = "gas-1";
	o.site = "kitchen";
	o.type = HZ_GAS_LEAK;
	o.severity = SEV_MAJOR;
	o.reason = HR_VERIFIED;
	o.source = "ep-A7";
	o.condition_on = false;
	o.flapping = true;
	CHECK_STR("derive: event raised", record_derive_new(&r, &o, &pol, NOW), "raised");
	CHECK_STR("derive: the condition is off: open all the same", r.state, "open");
	CHECK_INT("derive: normal since now", r.cleared_at_ms, NOW);
	CHECK_INT("derive: not flapping once off", r.flapping, 0);
	CHECK_STR("derive: reason", r.reason, "verified");
	CHECK_STR("derive: source", r.source, "ep-A7");
	CHECK_INT("derive: a hazard", r.kind, REC_HAZARD);
	CHECK_INT("derive: major's deadline", r.deadline_ms, NOW + 4 * HOUR_MS);
	o.condition_on = true;
	record_derive_new(&r, &o, &pol, NOW);
	CHECK_STR("derive: the condition on: open", r.state, "open");
	CHECK_INT("derive: not cleared", r.cleared_at_ms, 0);
	CHECK_INT("derive: flapping with its source", r.flapping, 1);
}

static void test_grading_and_policy(void)
{
	static const struct grade_rule cfg[] = {
		{ HZ_OVERCHARGE, -1, -1, 1, SEV_MAJOR },
	};
	struct hz_policy pol;
	struct reading rd;

	CHECK_INT("grade: gas at the high level is major",
		  record_grade(NULL, 0, HZ_GAS_LEAK, 0, 1, false), SEV_MAJOR);
	CHECK_INT("grade: gas at the low level is general",
		  record_grade(NULL, 0, HZ_GAS_LEAK, 0, 0, false), SEV_GENERAL);
	CHECK_INT("grade: a recurrence alone is not graded up",
		  record_grade(NULL, 0, HZ_OVERCHARGE, 0, 0, true), SEV_GENERAL);
	CHECK_INT("grade: the config may grade a recurrence up",
		  record_grade(cfg, 1, HZ_OVERCHARGE, 0, 0, true), SEV_MAJOR);
	CHECK_INT("grade: that rule leaves a first one general",
		  record_grade(cfg, 1, HZ_OVERCHARGE, 0, 0, false), SEV_GENERAL);

	record_policy_default(HZ_SMOKE_ALARM, 12, &pol);
	CHECK_DBL("policy: one deadline for both grades", pol.deadline_h[SEV_MAJOR], 12);
	CHECK_DBL("policy: general's too", pol.deadline_h[SEV_GENERAL], 12);
	CHECK_INT("policy: built-in class", pol.prio[SEV_MAJOR],
		  hazard_priority(HZ_SMOKE_ALARM, SEV_MAJOR));
	CHECK_INT("policy: no recurrence window", pol.recurrence_window_ms, 0);
	CHECK_INT("policy: clock trusted", pol.clock_trusted, 1);

	CHECK_INT("hours: 1.5 h", record_hours_to_ms(1.5), 5400000);
	CHECK_INT("hours: 0 is none", record_hours_to_ms(0), 0);
	CHECK_INT("hours: negative is none", record_hours_to_ms(-3), 0);

	memset(&rd, 0, sizeof rd);
	reading_set(&rd, RF_GAS_PPM, 9000);
	reading_set(&rd, RF_ALARM, 1);
	CHECK_INT("trigger: gas without %LEL shows ppm",
		  record_trigger_field(HZ_GAS_LEAK, &rd), RF_GAS_PPM);
	reading_set(&rd, RF_GAS_LEL, 20);
	CHECK_INT("trigger: gas with %LEL shows it first",
		  record_trigger_field(HZ_GAS_LEAK, &rd), RF_GAS_LEL);
	CHECK_INT("trigger: a field the reading lacks: none",
		  record_trigger_field(HZ_CHARGER_OVERTEMP, &rd), RF_COUNT);
	CHECK_INT("trigger: no reading: none",
		  record_trigger_field(HZ_GAS_LEAK, NULL), RF_COUNT);
}

int main(void)
{
	test_create();
	test_recurrence_window();
	test_reopen();
	test_escalate();
	test_clear_and_repeat();
	test_overdue();
	test_person();
	test_derive();
	test_grading_and_policy();
	TEST_DONE();
}
