/*
 * test_record.c: daemon/core/record.c as tables, with no database: which
 * kind each type is, every rules move of every kind from every state,
 * every person's action from every state, grading and the origins of
 * hazards.  Links only the core (and testing.h).
 */
#include <stdio.h>
#include <string.h>

#include "testing.h"
#include "record.h"    /* only the core is on the include path */

static void test_kinds(void)
{
	static const struct { enum hazard_type t; enum record_kind k; } want[] = {
		{ HZ_GAS_LEAK, REC_ALARM }, { HZ_CO_ALARM, REC_ALARM },
		{ HZ_SMOKE_ALARM, REC_ALARM }, { HZ_CHARGER_OVERTEMP, REC_ALARM },
		{ HZ_CHARGER_OVERCURRENT, REC_ALARM }, { HZ_CHARGER_OVERPOWER, REC_ALARM },
		{ HZ_DEVICE_OFFLINE, REC_FAULT }, { HZ_LOW_BATTERY, REC_FAULT },
		{ HZ_TAMPER, REC_FAULT }, { HZ_DETECTOR_FAULT, REC_FAULT },
		{ HZ_COMMAND_FAILED, REC_FAULT }, { HZ_STORAGE_FAULT, REC_FAULT },
		{ HZ_PAYLOAD_UNREADABLE, REC_FAULT }, { HZ_OVERCHARGE, REC_HAZARD },
		{ HZ_SENSOR_EXPIRED, REC_FAULT }, { HZ_CALIBRATION_DUE, REC_FAULT },
		{ HZ_COVERAGE_GAP, REC_HAZARD },
		{ HZ_SELF_CHECK_FAILED, REC_HAZARD },
		{ HZ_ALERT_CHANNEL_FAULT, REC_FAULT },
	};
	char name[96];
	size_t i;

	CHECK_INT("kinds: every type has a row here", (int)(sizeof want / sizeof want[0]),
		  HZ_TYPE_COUNT);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		snprintf(name, sizeof name, "kinds: %s is a%s %s", hazard_type_name[want[i].t],
			 want[i].k == REC_ALARM ? "n" : "", record_kind_name[want[i].k]);
		CHECK_INT(name, record_kind_of(want[i].t), want[i].k);
	}
	CHECK_INT("kinds: by name", record_kind_from_name("fault"), REC_FAULT);
	CHECK_INT("kinds: unknown name", record_kind_from_name("incident"), -1);
	CHECK_INT("kinds: id letters", record_id_letter[REC_ALARM] == 'A' &&
		  record_id_letter[REC_FAULT] == 'F' && record_id_letter[REC_HAZARD] == 'H', 1);
}

static void test_states(void)
{
	static const struct { enum record_kind k; const char *s; bool valid, live; } t[] = {
		{ REC_ALARM, "active", true, true }, { REC_ALARM, "acknowledged", true, true },
		{ REC_ALARM, "ended", true, false }, { REC_ALARM, "open", false, false },
		{ REC_ALARM, "closed", false, false },
		{ REC_FAULT, "active", true, true }, { REC_FAULT, "cleared", true, false },
		{ REC_FAULT, "dismissed", true, false }, { REC_FAULT, "acknowledged", false, false },
		{ REC_HAZARD, "open", true, true }, { REC_HAZARD, "acknowledged", false, false },
		{ REC_HAZARD, "rectifying", true, true }, { REC_HAZARD, "cleared", false, false },
		{ REC_HAZARD, "submitted", true, true },
		{ REC_HAZARD, "closed", true, false }, { REC_HAZARD, "active", false, false },
		{ REC_HAZARD, NULL, false, false },
	};
	char name[96];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(name, sizeof name, "states: %s %s valid", record_kind_name[t[i].k],
			 t[i].s ? t[i].s : "(null)");
		CHECK_INT(name, record_state_valid(t[i].k, t[i].s), t[i].valid);
		snprintf(name, sizeof name, "states: %s %s live", record_kind_name[t[i].k],
			 t[i].s ? t[i].s : "(null)");
		CHECK_INT(name, record_live(t[i].k, t[i].s), t[i].live);
	}
}

/* Every rules move: kind, state (NULL none), change, severity rose ->
 * changed?, new state, event, create, bump; normal: a hazard's condition
 * is normal (normal_since set). */
static void test_rules_steps(void)
{
	static const struct {
		enum record_kind k; const char *from; enum change_kind c; bool rose;
		bool changed; const char *to, *event; bool create, bump, off, normal;
	} t[] = {
		{ REC_ALARM, NULL, CHG_ACTIVE, false, true, "active", "raised", true, false, false, false },
		{ REC_ALARM, NULL, CHG_ESCALATE, true, true, "active", "raised", true, false, false, false },
		{ REC_ALARM, NULL, CHG_CLEAR, false, false, NULL, NULL, false, false, false, false },
		{ REC_ALARM, "active", CHG_ACTIVE, false, true, "active", "updated", false, true, false, false },
		{ REC_ALARM, "active", CHG_ESCALATE, true, true, "active", "updated", false, false, false, false },
		{ REC_ALARM, "active", CHG_ESCALATE, false, false, NULL, NULL, false, false, false, false },
		{ REC_ALARM, "active", CHG_CLEAR, false, true, "ended", "ended", false, false, true, false },
		{ REC_ALARM, "acknowledged", CHG_CLEAR, false, true, "ended", "ended", false, false, true, false },
		{ REC_ALARM, "ended", CHG_ACTIVE, false, false, NULL, NULL, false, false, false, false },
		{ REC_FAULT, NULL, CHG_ACTIVE, false, true, "active", "raised", true, false, false, false },
		{ REC_FAULT, "active", CHG_CLEAR, false, true, "cleared", "cleared", false, false, true, false },
		{ REC_FAULT, "cleared", CHG_ACTIVE, false, false, NULL, NULL, false, false, false, false },
		{ REC_FAULT, "dismissed", CHG_CLEAR, false, false, NULL, NULL, false, false, false, false },
		{ REC_HAZARD, NULL, CHG_ACTIVE, false, true, "open", "raised", true, false, false, false },
		/* the condition sets and resets normal_since; the state is a
		 * person's, except a submitted fix that did not hold */
		{ REC_HAZARD, "open", CHG_CLEAR, false, true, "open", "cleared", false, false, true, false },
		{ REC_HAZARD, "rectifying", CHG_CLEAR, false, true, "rectifying", "cleared", false, false, true, false },
		{ REC_HAZARD, "rectifying", CHG_ACTIVE, false, true, "rectifying", "updated", false, true, false, false },
		{ REC_HAZARD, "open", CHG_ACTIVE, false, true, "open", "reopened", false, true, false, true },
		{ REC_HAZARD, "rectifying", CHG_ACTIVE, false, true, "rectifying", "reopened", false, true, false, true },
		{ REC_HAZARD, "submitted", CHG_ACTIVE, false, true, "rectifying", "reopened", false, true, false, true },
		{ REC_HAZARD, "submitted", CHG_ESCALATE, true, true, "rectifying", "reopened", false, true, false, true },
		{ REC_HAZARD, "open", CHG_CLEAR, false, false, NULL, NULL, false, false, false, true },
		{ REC_HAZARD, "submitted", CHG_CLEAR, false, false, NULL, NULL, false, false, false, true },
		{ REC_HAZARD, "closed", CHG_ACTIVE, false, false, NULL, NULL, false, false, false, false },
	};
	static const char *const cn[] = { "active", "escalate", "clear" };
	struct record_step st;
	char name[128];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		bool got = record_rules_step(t[i].k, t[i].from, t[i].normal, t[i].c, t[i].rose,
					     &st);

		snprintf(name, sizeof name, "rules: %s %s%s + %s%s", record_kind_name[t[i].k],
			 t[i].from ? t[i].from : "(none)", t[i].normal ? " (normal)" : "",
			 cn[t[i].c], t[i].rose ? " (rose)" : "");
		CHECK_INT(name, got, t[i].changed);
		if (!got || !t[i].changed)
			continue;
		CHECK_STR(name, st.state, t[i].to);
		CHECK_STR(name, st.event, t[i].event);
		CHECK_INT(name, st.create, t[i].create);
		CHECK_INT(name, st.bump, t[i].bump);
		CHECK_INT(name, st.condition_off, t[i].off);
	}
}

/* Every person's action: kind, state, acked, verdict, action -> new
 * state or refusal (NULL) with a word of the reason. */
static void test_people(void)
{
	static const struct {
		enum record_kind k; const char *from; bool acked; enum verdict v;
		enum record_action a; const char *to, *why;
	} t[] = {
		{ REC_ALARM, "active", false, VERDICT_NONE, RA_ACK, "acknowledged", NULL },
		{ REC_ALARM, "acknowledged", true, VERDICT_NONE, RA_ACK, NULL, "already acknowledged" },
		{ REC_ALARM, "ended", false, VERDICT_NONE, RA_ACK, "ended", NULL },
		{ REC_ALARM, "ended", true, VERDICT_NONE, RA_ACK, NULL, "already" },
		{ REC_ALARM, "active", false, VERDICT_NONE, RA_VERIFY, "acknowledged", NULL },
		{ REC_ALARM, "ended", true, VERDICT_NONE, RA_VERIFY, "ended", NULL },
		{ REC_ALARM, "ended", true, VERDICT_FALSE, RA_VERIFY, NULL, "already verified false" },
		{ REC_ALARM, "active", false, VERDICT_NONE, RA_CLOSE, NULL, "not closed" },
		{ REC_ALARM, "ended", true, VERDICT_REAL, RA_DISMISS, NULL, "not dismissed" },
		{ REC_ALARM, "active", false, VERDICT_NONE, RA_RECTIFY, NULL, "hazard to rectify" },
		{ REC_FAULT, "active", false, VERDICT_NONE, RA_DISMISS, "dismissed", NULL },
		{ REC_FAULT, "cleared", false, VERDICT_NONE, RA_DISMISS, NULL, "cannot dismiss" },
		{ REC_FAULT, "active", false, VERDICT_NONE, RA_ACK, NULL, "cannot be acknowledged" },
		{ REC_FAULT, "active", false, VERDICT_NONE, RA_CLOSE, NULL, "dismissed with a note" },
		/* acknowledging a hazard is 签收: recorded once, state kept */
		{ REC_HAZARD, "open", false, VERDICT_NONE, RA_ACK, "open", NULL },
		{ REC_HAZARD, "open", true, VERDICT_NONE, RA_ACK, NULL, "already acknowledged" },
		{ REC_HAZARD, "rectifying", false, VERDICT_NONE, RA_ACK, "rectifying", NULL },
		{ REC_HAZARD, "submitted", false, VERDICT_NONE, RA_ACK, "submitted", NULL },
		{ REC_HAZARD, "open", false, VERDICT_NONE, RA_RECTIFY, "rectifying", NULL },
		{ REC_HAZARD, "open", false, VERDICT_NONE, RA_CLOSE, NULL, "not submitted" },
		{ REC_HAZARD, "rectifying", true, VERDICT_NONE, RA_RECTIFY, NULL, "already reported" },
		{ REC_HAZARD, "rectifying", true, VERDICT_NONE, RA_CLOSE, NULL, "not submitted" },
		{ REC_HAZARD, "submitted", true, VERDICT_NONE, RA_RECTIFY, NULL, "re-inspection" },
		{ REC_HAZARD, "submitted", true, VERDICT_NONE, RA_CLOSE, "closed", NULL },
		{ REC_HAZARD, "closed", true, VERDICT_NONE, RA_CLOSE, NULL, "cannot close" },
		{ REC_HAZARD, "closed", true, VERDICT_NONE, RA_SUBMIT, NULL, "cannot submit" },
		{ REC_HAZARD, "open", false, VERDICT_NONE, RA_VERIFY, NULL, "verify-alarm" },
		{ REC_HAZARD, "open", false, VERDICT_NONE, RA_DISMISS, NULL, "faults" },
	};
	char name[128], err[256];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct record_view v = { .kind = t[i].k, .id = "X1", .state = t[i].from,
					 .acked = t[i].acked, .verdict = t[i].v };
		const char *got;

		err[0] = '\0';
		got = record_person_next(&v, t[i].a, err, sizeof err);
		snprintf(name, sizeof name, "people: %s %s%s: %s", record_kind_name[t[i].k],
			 t[i].from, t[i].acked ? " (acked)" : "", record_action_name[t[i].a]);
		if (t[i].to) {
			CHECK_STR(name, got ? got : "(refused)", t[i].to);
		} else {
			CHECK(name, got == NULL);
			CHECK_CONTAINS(name, err, t[i].why);
			CHECK_CONTAINS(name, err, "X1");
		}
	}
	CHECK_STR("people: event of a verification", record_action_event[RA_VERIFY], "verified");
	CHECK_STR("people: event of a dismissal", record_action_event[RA_DISMISS], "dismissed");
	CHECK_INT("people: verdict by name", verdict_from_name("false"), VERDICT_FALSE);
	CHECK_INT("people: no empty verdict", verdict_from_name(""), -1);
	CHECK_INT("people: unknown verdict", verdict_from_name("maybe"), -1);
}

static void test_grading(void)
{
	/* site kinds as config.c numbers them: 0 restaurant, 1 rental housing */
	struct grade_rule cfg[] = {
		{ HZ_SMOKE_ALARM, 1, -1, -1, SEV_MAJOR },       /* smoke in housing */
		{ -1, -1, -1, 1, SEV_MAJOR },                   /* any recurrence */
	};

	CHECK_INT("grade: gas at the high level is major",
		  record_grade(NULL, 0, HZ_GAS_LEAK, 0, 1, false), SEV_MAJOR);
	CHECK_INT("grade: gas at the low level is general",
		  record_grade(NULL, 0, HZ_GAS_LEAK, 0, 0, false), SEV_GENERAL);
	CHECK_INT("grade: CO at the high level is major",
		  record_grade(NULL, 0, HZ_CO_ALARM, 2, 1, false), SEV_MAJOR);
	CHECK_INT("grade: a smoke alarm is not major by itself",
		  record_grade(NULL, 0, HZ_SMOKE_ALARM, 1, 1, false), SEV_GENERAL);
	CHECK_INT("grade: charger over-temperature is not major by itself",
		  record_grade(NULL, 0, HZ_CHARGER_OVERTEMP, 2, 1, false), SEV_GENERAL);
	CHECK_INT("grade: a recurring low battery is not major",
		  record_grade(NULL, 0, HZ_LOW_BATTERY, 1, 0, true), SEV_GENERAL);
	CHECK_INT("grade: config first: smoke in housing",
		  record_grade(cfg, 2, HZ_SMOKE_ALARM, 1, 1, false), SEV_MAJOR);
	CHECK_INT("grade: config rule by site kind only",
		  record_grade(cfg, 2, HZ_SMOKE_ALARM, 0, 1, false), SEV_GENERAL);
	CHECK_INT("grade: config rule on recurrence",
		  record_grade(cfg, 2, HZ_LOW_BATTERY, 3, 0, true), SEV_MAJOR);
	CHECK_INT("grade: then the built-in table",
		  record_grade(cfg, 2, HZ_GAS_LEAK, 3, 1, false), SEV_MAJOR);
}

static void test_origins(void)
{
	struct raise_rule none[1] = { { -1, -1 } }, charger[] = { { HZ_CHARGER_OVERTEMP, 2 } };

	CHECK("origin: a gas leak at a restaurant is a hazard at once",
	      record_hazard_at_raise(NULL, 0, false, HZ_GAS_LEAK, 0));
	CHECK("origin: a gas leak at home waits for verification",
	      !record_hazard_at_raise(NULL, 0, false, HZ_GAS_LEAK, 1));
	CHECK("origin: a smoke alarm waits for verification",
	      !record_hazard_at_raise(NULL, 0, false, HZ_SMOKE_ALARM, 0));
	CHECK("origin: an empty config list means none at once",
	      !record_hazard_at_raise(none, 0, true, HZ_GAS_LEAK, 0));
	CHECK("origin: config list by type and site kind",
	      record_hazard_at_raise(charger, 1, true, HZ_CHARGER_OVERTEMP, 2) &&
	      !record_hazard_at_raise(charger, 1, true, HZ_CHARGER_OVERTEMP, 1) &&
	      !record_hazard_at_raise(charger, 1, true, HZ_GAS_LEAK, 0));
	CHECK("origin: recurrence at the threshold", record_recurrence_due(3, 3));
	CHECK("origin: not below it", !record_recurrence_due(2, 3));
	CHECK("origin: threshold 0 is off", !record_recurrence_due(100, 0));
	CHECK("origin: offline a day is a hazard",
	      record_fault_limit_due(24 * 3600000LL, record_fault_limit_default_h(HZ_DEVICE_OFFLINE)));
	CHECK("origin: not a minute before",
	      !record_fault_limit_due(24 * 3600000LL - 60000,
				      record_fault_limit_default_h(HZ_DEVICE_OFFLINE)));
	CHECK_DBL("origin: low battery waits a week",
		  record_fault_limit_default_h(HZ_LOW_BATTERY), 168);
	CHECK_DBL("origin: an alarm type has no fault limit",
		  record_fault_limit_default_h(HZ_GAS_LEAK), 0);
	CHECK("origin: limit 0 is off", !record_fault_limit_due(1LL << 40, 0));
	CHECK_STR("origin: reason names", hazard_reason_name[HR_FAULT_LIMIT], "fault_limit");
}

int main(void)
{
	test_kinds();
	test_states();
	test_rules_steps();
	test_people();
	test_grading();
	test_origins();
	TEST_DONE();
}
