/*
 * rules_slot.h: what rules.c and rules_slot.c share inside the core: one
 * evaluation pass and the moves of a rule slot.  Not part of the core's
 * interface (rules.h is); nobody outside daemon/core includes it.
 */
#ifndef CORE_RULES_SLOT_H
#define CORE_RULES_SLOT_H

#include "rules.h"

/* One evaluation pass: where changes go and the clock it runs at. */
struct rules_ctx {
	const struct device_cfg *dev;
	struct device_state     *st;
	int64_t                  now_ms;
	struct hazard_change    *out;
	int                      max;
	int                      n;
};

/* Append a change to c->out, or NULL when out[] is full (the slot is then
 * left as it was, so the next call emits the change again). */
struct hazard_change *rules_emit(struct rules_ctx *c, enum hazard_type t,
				 enum change_kind k, enum severity s,
				 const char *detail);
/* No onset of t is being debounced any more. */
void slot_pending_reset(struct device_state *st, enum hazard_type t);
/* The level being debounced: 0 none, 1 low, 2 high. */
static inline int slot_pending_level(const struct device_state *st, enum hazard_type t)
{
	return (st->pend_high >> t) & 1u ? 2 : (int)((st->pending >> t) & 1u);
}
/* An onset at level 1 or 2 is debounced from now_ms (a rules_mark). */
void slot_pending_set(struct device_state *st, enum hazard_type t, int level,
		      int64_t mark_ms);
/* now_ms as a "pending since" mark: 0 means none, so time 0 is 1 ms. */
int64_t rules_mark(int64_t now_ms);
/* Is flap detection on for c's device (flap_count >= 2, a window)? */
bool rules_flap_on(const struct rules_ctx *c);
/* The condition is on at sev: raise (or fold an onset while flapping). */
void slot_raise(struct rules_ctx *c, enum hazard_type t,
		enum severity sev, const char *detail);
/* Still on, at a higher sev: escalate (never lowers). */
void slot_escalate(struct rules_ctx *c, enum hazard_type t,
		   enum severity sev, const char *detail);
/* The condition went off: clear, or start the settle clock if flapping. */
void slot_clear(struct rules_ctx *c, enum hazard_type t, const char *detail);
/* The clear itself, now, flapping or not (a rule turned off). */
void slot_end(struct rules_ctx *c, enum hazard_type t, const char *detail);
/* End the flapping conditions that have stayed off for settle_s. */
void rules_settle(struct rules_ctx *c);

#endif /* CORE_RULES_SLOT_H */
