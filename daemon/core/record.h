/*
 * core/record.h: the three kinds of record a monitored site produces, as
 * GB/T 26875.3 and the district campaigns keep them apart, and every
 * decision about them that does not need a database:
 *
 *   alarm  (警情)  a detector says danger now: active -> acknowledged ->
 *                  ended; verified real, false or test by a person
 *   fault  (故障)  equipment not doing its job: active -> cleared, or
 *                  dismissed by a person with a note
 *   hazard (隐患)  a condition to rectify by a deadline: open ->
 *                  rectifying -> submitted -> closed (written off after
 *                  a re-inspection by someone else); whether its
 *                  condition is normal is a property (normal_since)
 *
 * The store persists what these functions decide; the tables here are the
 * single place a state, an event name or a grade is chosen.  Pure: no
 * SQLite, MQTT, GPIO, clock or daemon state (the Makefile builds this
 * folder with no include path to the rest of the daemon).
 */
#ifndef HAZARDD_CORE_RECORD_H
#define HAZARDD_CORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib.h"         /* ID_MAX */
#include "types.h"

enum record_kind { REC_ALARM = 0, REC_FAULT, REC_HAZARD, REC_KIND_COUNT };
extern const char *const record_kind_name[REC_KIND_COUNT];  /* "alarm", ... */
/* The letter in a record's id: "<epoch>-A12", "-F3", "-H7". */
extern const char record_id_letter[REC_KIND_COUNT];
int record_kind_from_name(const char *name);                /* -1 unknown */

/* What a condition of this type is recorded as when the rules see it:
 * gas, CO, smoke and charger over-limits are alarms; offline, battery,
 * tamper, detector faults, unreadable payloads, unconfirmed commands and
 * the gateway's storage are faults; overcharge (a charger left on past its
 * limit) is a hazard at once. */
enum record_kind record_kind_of(enum hazard_type t);

/* Is state (as stored) one of kind's states? */
bool record_state_valid(enum record_kind k, const char *state);
/* Still live: the rules' changes of its device and type go to it, and it
 * counts as open in listings (alarm active/acknowledged, fault active,
 * hazard anything but closed).  A record that is not live is history. */
bool record_live(enum record_kind k, const char *state);
/* The SQL condition that matches record_live() on columns kind and state
 * (one text for the store's statements and indexes). */
#define RECORD_LIVE_SQL "(state NOT IN ('closed', 'ended', 'dismissed') " \
	"AND NOT (kind = 'fault' AND state = 'cleared'))"

/* ------------------------------------------------ changes from the rules */

/* What a rules change does to the live record of its kind (or to none). */
struct record_step {
	const char *state;      /* the new state (a static string) */
	const char *event;      /* "raised", "updated", "ended", ... */
	bool create;            /* a new record */
	bool bump;              /* one more occurrence */
	bool regrade;           /* the level or grade may have risen */
	bool condition_off;     /* the condition went away: stamp cleared/ended */
	bool reopened;          /* a hazard's condition came back before its close */
};
/*
 * cur_state: the live record's state, or NULL when there is none.
 * normal: (hazards) its condition is normal now (normal_since set); a
 * hazard's state is a person's, the condition only sets or resets
 * normal_since, except that it coming back sends a submitted hazard
 * back to rectifying.
 * sev_rose: the change's severity is above the record's.  Returns true
 * and fills *out when something changes; false when nothing does (a clear
 * with no record, an escalation that is not higher, a hazard that the
 * rules may update but never create).
 */
bool record_rules_step(enum record_kind k, const char *cur_state, bool normal,
		       enum change_kind c, bool sev_rose, struct record_step *out);

/* ------------------------------------------------------ a person's moves */

/* An actor as stored: "platform:" and up to 48 characters of up to 4
 * bytes, or a Unix user name. */
#define RECORD_ACTOR_MAX 208

/* RA_SUBMIT, RA_PASS and RA_FAIL are a hazard's re-inspection (复查):
 * submit (整改完成待复查), verify pass (复查通过, written off) and verify
 * fail (复查不通过, back to rectifying).  RA_CLOSE on a hazard is RA_PASS
 * under its older name. */
enum record_action { RA_ACK = 0, RA_RECTIFY, RA_CLOSE, RA_VERIFY, RA_DISMISS,
		     RA_SUBMIT, RA_PASS, RA_FAIL, RA_COUNT };
extern const char *const record_action_name[RA_COUNT];  /* "ack", ... */
/* The event a person's action writes ("acknowledged", "verified", ...). */
extern const char *const record_action_event[RA_COUNT];

/* An alarm's verification (警情核实). */
enum verdict { VERDICT_NONE = 0, VERDICT_REAL, VERDICT_FALSE, VERDICT_TEST,
	       VERDICT_COUNT };
extern const char *const verdict_name[VERDICT_COUNT];   /* "", "real", ... */
int verdict_from_name(const char *name);                /* -1: not one */

/* The record as a person's action sees it. */
struct record_view {
	enum record_kind kind;
	const char *id;
	const char *state;
	bool acked;             /* acknowledged at some point */
	enum verdict verdict;   /* alarms */
	/* hazards: the re-inspection rules */
	const char *actor;      /* who acts now */
	const char *submitted_by; /* who submitted it last; NULL or "" none */
	bool condition_on;      /* its condition is on (normal_since unset) */
	bool sensor;            /* a sensor stands behind it (not by hand) */
	int64_t normal_ms;      /* how long its condition has been normal */
	int64_t normal_needed_ms; /* how long it must be before a submit */
	bool device_gone;       /* its device is no longer configured: no
				 * reading will show its condition again */
};
/*
 * The state a person's action leads to, or NULL with the reason in err
 * ("alarm A3 is verified false already; cannot verify").  Acknowledging
 * an ended alarm records the response but keeps it ended; verifying an
 * alarm acknowledges it too.  A note is required for dismiss, close,
 * submit and verify pass/fail (checked by the caller, which has it).  A
 * hazard is submitted only while its condition is normal, and (with a
 * sensor behind it) after normal_needed_ms of it, unless its device is no
 * longer configured (device_gone: nothing will ever say it is normal, so
 * the person's submit and the re-inspection by someone else are all that
 * can close it); it is verified only when submitted, and never by the
 * actor who submitted it.
 */
const char *record_person_next(const struct record_view *r, enum record_action a,
			       char *err, size_t errlen);

/* --------------------------------------------------------------- grading */

/* One grading rule: -1 in a field matches anything.  First match wins. */
struct grade_rule {
	int type;               /* enum hazard_type */
	int site_kind;          /* enum site_kind (config) */
	int level;              /* 0: the alarm's low level, 1: its high level */
	int recurrence;         /* 0 / 1: raised by recurrence */
	enum severity severity;
};
/* The built-in table (docs/lifecycle.md gives the reasoning). */
extern const struct grade_rule grade_defaults[];
extern const int grade_defaults_n;
/* A hazard's grade: the config's rules, then the built-in ones, else
 * general.  level: 1 when its alarm reached the high level. */
enum severity record_grade(const struct grade_rule *rules, int n, enum hazard_type t,
			   int site_kind, int level, bool recurrence);

/* ------------------------------------------- where a hazard comes from */

enum hazard_reason { HR_ALARM = 0, HR_VERIFIED, HR_RECURRENCE, HR_FAULT_LIMIT,
		     HR_PERSON, HR_CONDITION, HR_COUNT };
/* "alarm" (at once, by config), "verified" (an alarm verified real),
 * "recurrence" (屡治屡冒), "fault_limit" (a fault left too long), "person",
 * "condition" (the rules raise it directly: overcharge) */
extern const char *const hazard_reason_name[HR_COUNT];

/* Alarms of type at a site of kind site_kind that are a hazard at once
 * (-1 matches any); the rest wait for verification. */
struct raise_rule {
	int type;
	int site_kind;
};
extern const struct raise_rule raise_defaults[];
extern const int raise_defaults_n;
/* rules: the config's list when has_rules, else the built-in one. */
bool record_hazard_at_raise(const struct raise_rule *rules, int n, bool has_rules,
			    enum hazard_type t, int site_kind);
/* Is the count of records of one type at one device within the window
 * (this one included) a recurrence?  threshold 0: never. */
bool record_recurrence_due(int64_t count, int threshold);
/* Has a fault been active past its limit?  limit_h 0: never. */
bool record_fault_limit_due(int64_t active_ms, double limit_h);
/* Built-in fault limits (hours) by type; 0 where the type is no fault. */
double record_fault_limit_default_h(enum hazard_type t);
/* Built-in hours a sensor-backed hazard's condition must have been normal
 * before it may be submitted for re-inspection (docs/lifecycle.md). */
double record_normal_before_submit_default_h(enum hazard_type t);

/* ------------------------------------------------ hazard states by number
 * The hazard's states as an enum (docs/lifecycle.md), for the front-ends
 * and reports that name a target state; lifecycle_next asks
 * record_person_next, so the moves are one table.
 */
enum hz_state { HZS_OPEN, HZS_RECTIFYING, HZS_SUBMITTED, HZS_CLOSED, HZS_COUNT };
extern const char *const hz_state_name[HZS_COUNT];
/* The state by name, or -1. */
int hz_state_from_name(const char *name);
/*
 * What a person's move to `to` (rectifying, submitted, closed) makes of a
 * hazard in state `from`, its condition normal long enough and the
 * re-inspector not its submitter: the new state, or -1 with the reason in
 * err ("hazard H is closed; cannot report rectification").
 */
int lifecycle_next(const char *hazard_id, enum hz_state from, enum hz_state to,
		   char *err, size_t errlen);
/* What a new or changed hazard of one type gets (lifecycle_policy()). */
struct hz_policy {
	double  deadline_h[2];          /* rectification deadline by severity */
	enum priority prio[2];          /* priority class by severity */
	int64_t recurrence_window_ms;   /* after a close; 0: not looked for */
	bool    clock_trusted;          /* the wall clock stamping it is */
	int64_t normal_before_submit_ms; /* a sensor-backed hazard's condition
					  * normal this long before a submit */
};

/* ------------------------------------------------------ the record itself */

/* One alarm, fault or hazard as the store keeps it (one row of table
 * hazards); the functions in record_apply.h decide its next values. */
struct hazard_rec {
	char    id[ID_MAX];             /* stable for the life of the hazard */
	char    device[ID_MAX];
	char    site[ID_MAX];
	enum hazard_type type;
	enum severity    severity;
	enum priority    priority;
	char    state[16];              /* one of its kind's states (record.c) */
	int64_t raised_at_ms;
	int64_t deadline_ms;
	int64_t cleared_at_ms;          /* 0 if not */
	int64_t closed_at_ms;           /* 0 if not */
	int     occurrences;
	int64_t acked_at_ms;            /* 0 if not */
	int64_t rectifying_at_ms;       /* 0 if not */
	bool    overdue;                /* past its deadline ("escalated" sent) */
	int64_t escalated_at_ms;        /* when it became overdue; 0 if not */
	char    recurrence_of[ID_MAX];  /* earlier closed hazard; "" none */
	bool    clock_trusted;          /* false: raised before the clock was */
	enum record_kind kind;          /* alarm, fault or hazard */
	enum verdict verdict;           /* alarms: real, false, test; or none */
	int64_t verified_at_ms;         /* 0 if not */
	char    reason[16];             /* hazards: hazard_reason_name[]; "" unknown */
	char    source[ID_MAX];         /* hazards: the alarm or fault behind it */
	bool    flapping;               /* its condition flaps (rules.c): later
					 * onsets are counted, not new records;
					 * false again once it ends */
	/* hazards: re-inspection (schema version 8).  cleared_at_ms is the
	 * hazard's normal_since: when its condition became normal, 0 while
	 * it is on (a hazard recorded by hand: its raise) */
	int64_t submitted_at_ms;        /* last submit; 0 none */
	char    submitted_by[RECORD_ACTOR_MAX]; /* its actor; "" none */
	int     reinspect_failed;       /* re-inspections failed (复查不通过) */
};

#endif /* HAZARDD_CORE_RECORD_H */
