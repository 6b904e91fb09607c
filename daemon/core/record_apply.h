/*
 * core/record_apply.h: what a change does to a stored record, decided
 * without a database.  The store reads the rows a decision needs (the live
 * record, the latest close of the same device and type), calls one of
 * these, and writes back the record and the event they name; it chooses
 * no state, grade, class, deadline or count itself.  Pure (core).
 */
#ifndef HAZARDD_CORE_RECORD_APPLY_H
#define HAZARDD_CORE_RECORD_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "reading.h"

/* Hours as milliseconds, rounded; 0 for anything not above 0. */
int64_t record_hours_to_ms(double h);

/* The policy of the older entry point (store_hazard_apply): one deadline
 * for both grades, the built-in classes of type t, a trusted clock, no
 * recurrence window. */
void record_policy_default(enum hazard_type t, double deadline_h, struct hz_policy *pol);

/* ----------------------------------------------------------- new records */

/*
 * A new record of kind for device at site: grade sev, its class and (a
 * hazard's only) rectification deadline from pol, one occurrence, the
 * clock's trust.  Id, state and the link to an earlier close are left
 * empty: the store hands out the id, the caller sets the state.
 */
void record_new(struct hazard_rec *r, enum record_kind kind, const char *device,
		const char *site, enum hazard_type t, enum severity sev,
		const struct hz_policy *pol, int64_t now_ms);
/* Does a new record of kind look for an earlier close to link to (a
 * hazard, with a recurrence window in pol)? */
bool record_looks_for_recurrence(enum record_kind kind, const struct hz_policy *pol);
/*
 * The latest close of the same device and type was at closed_at_ms: is the
 * new record a recurrence of it (屡治屡冒)?  Within pol's window before
 * now_ms; a close that seems to lie in the future (the clock was set back
 * since) does not count, so a wrong clock can hide a recurrence but never
 * invent one.
 */
bool record_recurrence_within(const struct hz_policy *pol, int64_t closed_at_ms,
			      int64_t now_ms);

/* ------------------------------------------------- a change from the rules */

/* What the store writes for one change. */
enum record_write { RW_NOTHING = 0, RW_CREATE, RW_UPDATE };

struct record_plan {
	enum record_write write;
	struct hazard_rec next;         /* the record to write; RW_CREATE: no id */
	const char *event;              /* the event to append (static string) */
	const char *evidence_slot;      /* the reading goes to evidence.<slot>
					 * too ("raised", "cleared"); NULL: not */
	bool drop_cleared;              /* evidence: forget the clear (reopened) */
	bool link_recurrence;           /* RW_CREATE: look for an earlier close
					 * (record_recurrence_within) */
};
/*
 * One rules change against the live record of its kind, device and type
 * (cur, NULL when there is none): a new record (only when may_create), one
 * more occurrence, a higher grade with its class and deadline, a reopen,
 * the condition's end with the onsets folded while it flapped.  Returns
 * true with *out filled when something is written, false when nothing
 * changes (out->write RW_NOTHING).
 */
bool record_apply_change(enum record_kind kind, bool may_create,
			 const struct hazard_rec *cur, const char *device,
			 const char *site, const struct hazard_change *chg,
			 const struct hz_policy *pol, int64_t now_ms,
			 struct record_plan *out);
/*
 * Raise r's grade to sev if that is higher: its class follows (one above
 * while overdue), and a hazard's deadline is recomputed from its first
 * report, not from now.  Returns whether it rose.
 */
bool record_raise_severity(struct hazard_rec *r, enum severity sev,
			   const struct hz_policy *pol);

/* ------------------------------------------------- a hazard from its origin */

/* Where a hazard comes from (record.h's hazard_reason). */
struct hazard_origin {
	const char *device, *site;
	enum hazard_type type;
	enum severity severity;         /* graded by record_grade() */
	enum hazard_reason reason;
	const char *source;             /* the alarm or fault id; NULL none */
	bool condition_on;              /* false: raised already cleared */
	bool flapping;                  /* the source's condition flaps */
	const char *detail, *actor, *note;
};
/* A hazard raised from o (no id, no link yet): open, and normal since
 * now when the condition is off (a verified alarm that had ended, a hazard
 * recorded by hand).  Returns the event to append ("raised"). */
const char *record_derive_new(struct hazard_rec *r, const struct hazard_origin *o,
			      const struct hz_policy *pol, int64_t now_ms);

/* ------------------------------------------- a person's action, the clock */

/*
 * The view record_person_next decides on: r as it is, actor acting now;
 * for a hazard, whether its condition is on, whether a sensor stands
 * behind it (not recorded by hand, reason "person"), how long it has been
 * normal at now_ms and how long it must be (normal_needed_ms, from the
 * hazard's type: records.normal_before_submit_h), and its last submitter.
 */
void record_view_of(const struct hazard_rec *r, const char *actor,
		    int64_t normal_needed_ms, int64_t now_ms, struct record_view *v);
/* Stamp a person's action a on r, whose next state record_person_next
 * gave: acknowledged, rectifying (and acknowledged), verified with v (and
 * acknowledged), submitted (and acknowledged; the caller stores the
 * submitter), a failed re-inspection counted, closed or dismissed. */
void record_person_apply(struct hazard_rec *r, enum record_action a, enum verdict v,
			 const char *next_state, int64_t now_ms);
/*
 * Past its rectification deadline: overdue since now, one class up (never
 * past urgent), and the event's detail into detail.  Returns the event to
 * append ("escalated"), or NULL when there is nothing to do (closed, or
 * overdue already).
 */
const char *record_mark_overdue(struct hazard_rec *r, int64_t now_ms, char *detail,
				size_t detail_len);

/* ----------------------------------------------------------------- evidence */

/* The reading field that shows type t's condition, for the before/after
 * comparison in evidence.trigger: the first of its list that r carries;
 * RF_COUNT when none (or r is NULL). */
enum reading_field record_trigger_field(enum hazard_type t, const struct reading *r);

#endif /* HAZARDD_CORE_RECORD_APPLY_H */
