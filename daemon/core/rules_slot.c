/*
 * rules_slot.c: one rule slot's moves, shared by every rule in rules.c:
 * emitting a change, raise (with dedup and the flapping run), escalate,
 * clear, and the settle clock that ends a flapping condition.  rules.c
 * decides when a condition is on; this file decides what that does to the
 * slot and which change goes out.  Pure like rules.c (core/rules_slot.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "rules_slot.h"

/* Changes are only recorded when they fit in out[], so a full buffer
 * leaves the slot as it was and the next call emits the change again.
 * Returns the change (to add flapping and folded), or NULL. */
struct hazard_change *rules_emit(struct rules_ctx *c, enum hazard_type t,
				 enum change_kind k, enum severity s,
				 const char *detail)
{
	struct hazard_change *h;

	if (c->n >= c->max)
		return NULL;
	h = &c->out[c->n++];
	memset(h, 0, sizeof(*h));
	h->type = t;
	h->kind = k;
	h->severity = s;
	snprintf(h->detail, sizeof(h->detail), "%s", detail);
	return h;
}

void slot_pending_reset(struct device_state *st, enum hazard_type t)
{
	struct rule_slot *s;

	/* nothing pending: the slot is not read (nor made resident) */
	if (!((st->pending >> t) & 1u))
		return;
	st->pending &= ~(1u << t);
	st->pend_high &= ~(1u << t);
	if ((s = rules_slot(st, t)))
		s->pending_ms = 0;
}

void slot_pending_set(struct device_state *st, enum hazard_type t, int level,
		      int64_t mark_ms)
{
	struct rule_slot *s = rules_slot(st, t);

	if (!s)
		return;         /* no slot: no hold to count (never in a layout) */
	if (mark_ms)
		s->pending_ms = mark_ms;
	st->pending |= 1u << t;
	st->pend_high = level >= 2 ? st->pend_high | (1u << t) : st->pend_high & ~(1u << t);
}

/* pending_ms 0 means "nothing pending", so time 0 is recorded as 1 ms. */
int64_t rules_mark(int64_t now_ms)
{
	return now_ms != 0 ? now_ms : 1;
}

/*
 * Flapping.  A condition that ends and comes back, again and again (a
 * detector on the edge of its threshold, a loose contact, a device that
 * alternates alarm and normal), would otherwise make a record, an upstream
 * message and a log line per cycle.  Each onset that comes within
 * flap_window_s of the clear before it adds to a run (onsets); the onset
 * that makes the run flap_count long is flapping: it still raises its
 * record (CHG_ACTIVE, flagged), but from then on an end only starts the
 * settle clock (off_since_ms) and a new onset before settle_s has passed
 * is folded into a count.  Only once the condition has stayed off for
 * settle_s does rules_tick send the one clear, carrying the count.  The
 * slot stays active all that time, so an interlock holds its valve or
 * charger off until the condition settles.  A condition that comes back
 * within flap_window_s of that settled end flaps again at once (the run
 * goes on).  flap_count 0 turns all of this off.  A rule turned off ends
 * its condition at once, flapping or not (slot_end).
 */
bool rules_flap_on(const struct rules_ctx *c)
{
	const struct rule_params *p = &c->dev->rules;

	return p->flap_count >= 2 && p->flap_window_s > 0;
}

/* Severity only rises while a hazard is open; lowering it would
 * understate a hazard that was major a moment ago. */
void slot_escalate(struct rules_ctx *c, enum hazard_type t,
		   enum severity sev, const char *detail)
{
	struct device_state *st = c->st;

	if (!rules_active(st, t) || rules_severity(st, t) >= sev ||
	    !rules_emit(c, t, CHG_ESCALATE, sev, detail))
		return;
	st->major |= 1u << t;   /* sev > general: major */
	slot_pending_reset(st, t);
}

/* Dedup lives here: an active slot never gets a second CHG_ACTIVE.  A
 * flapping slot whose condition was off comes back as a folded onset
 * (no change; severity may still rise).  A type without a slot (never one
 * the device's rules raise) is raised all the same, without flap
 * detection: nothing of an alarm is lost to the layout. */
void slot_raise(struct rules_ctx *c, enum hazard_type t,
		enum severity sev, const char *detail)
{
	const struct rule_params *p = &c->dev->rules;
	struct device_state *st = c->st;
	struct rule_slot *s = rules_slot(st, t);
	struct hazard_change *h;
	bool quick, flapping;
	char why[96];
	int onsets;

	if (rules_active(st, t)) {
		if (rules_flapping(st, t) && s && s->off_since_ms) {
			s->off_since_ms = 0;
			if (s->folded < INT_MAX)
				s->folded++;
			slot_escalate(c, t, sev, detail);
		}
		return;
	}
	quick = s && s->cleared_ms != 0 &&
		(double)(c->now_ms - s->cleared_ms) <= p->flap_window_s * 1000.0;
	onsets = quick && s->onsets < INT_MAX ? s->onsets + 1 : 1;
	flapping = rules_flap_on(c) && onsets >= (int)p->flap_count;
	if (flapping) {
		snprintf(why, sizeof why, "%.56s; flapping, %d onsets", detail, onsets);
		detail = why;
	}
	if (!(h = rules_emit(c, t, CHG_ACTIVE, sev, detail)))
		return;
	h->flapping = flapping;
	rules_set_active(st, t, true, sev);
	st->flapping = flapping ? st->flapping | (1u << t) : st->flapping & ~(1u << t);
	if (s) {
		s->onsets = onsets;
		s->off_since_ms = 0;
		s->folded = 0;
	}
	slot_pending_reset(st, t);
}

/* The clear itself, now: with the onsets folded while it flapped. */
void slot_end(struct rules_ctx *c, enum hazard_type t, const char *detail)
{
	struct device_state *st = c->st;
	struct rule_slot *s = rules_slot(st, t);
	struct hazard_change *h;

	if (!rules_active(st, t) ||
	    !(h = rules_emit(c, t, CHG_CLEAR, rules_severity(st, t), detail)))
		return;
	h->folded = s ? s->folded : 0;
	st->active &= ~(1u << t);
	st->flapping &= ~(1u << t);
	if (s) {
		s->cleared_ms = rules_mark(c->now_ms);
		s->off_since_ms = 0;
		s->folded = 0;
	}
	slot_pending_reset(st, t);
}

/* The condition went away: a clear, or while flapping the start of the
 * settle clock (rules_settle sends the clear). */
void slot_clear(struct rules_ctx *c, enum hazard_type t, const char *detail)
{
	struct device_state *st = c->st;
	struct rule_slot *s;

	if (!rules_active(st, t))
		return;
	if (rules_flapping(st, t) && rules_flap_on(c) && (s = rules_slot(st, t))) {
		if (!s->off_since_ms)
			s->off_since_ms = rules_mark(c->now_ms);
		slot_pending_reset(st, t);
		return;
	}
	slot_end(c, t, detail);
}

/* Flapping conditions that have stayed off for settle_s end now (at
 * once when flap detection was turned off meanwhile).  Only the types
 * active and flapping are looked at: a tick over a quiet device reads no
 * slot. */
void rules_settle(struct rules_ctx *c)
{
	double settle_ms = c->dev->rules.settle_s * 1000.0;
	uint32_t m = c->st->active & c->st->flapping;
	char detail[96];
	int t;

	for (t = 0; m && t < HZ_TYPE_COUNT; t++) {
		struct rule_slot *s;

		if (!((m >> t) & 1u) || !(s = rules_slot(c->st, (enum hazard_type)t)) ||
		    !s->off_since_ms)
			continue;
		if (rules_flap_on(c) && (double)(c->now_ms - s->off_since_ms) < settle_ms)
			continue;
		snprintf(detail, sizeof detail, "settled after %lld occurrences while flapping",
			 (long long)s->folded + 1);
		slot_end(c, (enum hazard_type)t, detail);
	}
}
