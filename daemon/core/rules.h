/*
 * rules.h: pure hazard rules, reading in and changes out (core).
 */
#ifndef CORE_RULES_H
#define CORE_RULES_H

#include "lib.h"
#include "types.h"
#include "reading.h"
#include "model.h"

/* --------------------------------------------------------------- rules.c
 * Pure hazard rules: reading in, hazard changes out; no I/O.
 */
/* hazard_type, severity, priority and their names: core/types.h */

/* enum change_kind, struct hazard_change: core/types.h */

/*
 * Per device, per hazard type: what the rules remember between readings.
 * Whether the condition is on (active: what the records and interlocks
 * see), its severity, whether it flaps and whether an onset is being
 * debounced are bits of struct device_state, one per type, so that a
 * reading or a tick that changes nothing reads no slot at all.  The slot
 * holds the clocks and counts: pending_ms is when the onset being debounced
 * was first seen, cleared_ms the last clear, off_since_ms (while flapping)
 * when the condition last went off (0: it is on); the clear goes out only
 * once it has stayed off for settle_s (rules_tick).  onsets is the run of
 * onsets each within flap_window_s of the clear before it; folded the
 * onsets folded into the record while flapping.  32 bytes, no holes.
 */
struct rule_slot {
	int64_t pending_ms;     /* monotonic time the condition was first seen; 0 none */
	int64_t cleared_ms;     /* monotonic time of the last clear; 0 none */
	int64_t off_since_ms;   /* flapping: condition off since; 0 on */
	int32_t onsets;
	int32_t folded;
};

/* What is kept per device only once it is needed (rules_cold): counters
 * of fields left out, and the deadline clocks of hazards raised in this
 * run.  Most devices never send a bad field nor get a hazard. */
struct device_cold {
	/* per-field validation: values left out (wrong type, unknown enum,
	 * impossible) per field */
	uint64_t field_bad[RF_COUNT];
	struct complaint field_complaint;  /* the log backoff for field_bad */
	/* the deadline clock of the hazard of each type raised during this
	 * run: its raised_at (wall, to recognise it) and the monotonic time
	 * it was raised, so a wall-clock jump moves no deadline */
	int64_t hz_raised_wall_ms[HZ_TYPE_COUNT];
	int64_t hz_raised_mono_ms[HZ_TYPE_COUNT];
};

/*
 * A device's rule state.  Slots exist only for the hazard types its
 * kind's rules raise (rules_state.c: 7 for a gas detector or a smoke
 * alarm, 10 for a charger), all devices' slots in the allocation of the
 * array (rules_states_new).  A type without a slot (a GPIO input's, or an
 * open record restored of a type the kind's rules never raise) is its bits
 * alone: nothing but the bits is ever read for it.  Bits are (1u << type).
 */
struct device_state {
	struct rule_slot *slot;         /* laid out by `layout`; NULL: no slots */
	int64_t last_seen_ms;           /* monotonic; offline detection */
	int64_t charging_since_ms;      /* monotonic; 0 = not charging */
	struct reading last;            /* last known value of each field (merged) */
	uint64_t accepted, rejected;    /* messages counted since start */
	uint64_t self_tests;            /* test presses (rising edges of "test") */
	uint64_t flood_dropped;         /* over its rate, dropped before the queue */
	uint64_t over_range;            /* values kept saturated at full scale */
	uint64_t unreadable_run;        /* unparseable payloads in a row */
	struct device_cold *cold;       /* NULL until needed (rules_cold) */
	uint32_t active;                /* condition on (a record is raised) */
	uint32_t major;                 /* severity while active: major */
	uint32_t flapping;              /* the record takes onsets as a count */
	uint32_t pending;               /* an onset is being debounced (pending_ms) */
	uint32_t pend_high;             /* ... at level 2 (high); else level 1 */
	uint8_t  layout;                /* enum device_kind of slot[]; DEV_KIND_COUNT: every type */
	bool    testing;                /* the last message had test: true */
	bool    heard;                  /* a report accepted, in this run or an
					 * earlier one (presence.c): not never_seen */
};

/* ------------------------------------------------------- rules_state.c */
/* The slots a layout has (a device kind; DEV_KIND_COUNT: every type). */
int rules_slot_count(int layout);
/* States for devs[0..n): one allocation with every device's slots, laid
 * out by each device's kind, all zero; NULL when out of memory. */
struct device_state *rules_states_new(const struct device_cfg *devs, int n);
/* Free what rules_states_new made, with the cold parts; NULL is fine. */
void rules_states_free(struct device_state *st, int n);
/* A state outside such an array: slots (rules_slot_count(layout) of
 * them) are the caller's. */
void rules_state_init(struct device_state *st, int layout, struct rule_slot *slots);
/* A device kept across a reload: from's state into to (made by
 * rules_states_new), slot by slot by type into to's layout; its cold part
 * copied.  -1 when out of memory (to holds no cold part then). */
int rules_state_carry(struct device_state *to, const struct device_state *from);
/* Forget every condition and clock of the rules (not the counters, the
 * last reading or presence): the database says again what is open. */
void rules_forget(struct device_state *st);
/* The slot of type t, or NULL (no slot in this layout). */
struct rule_slot *rules_slot(const struct device_state *st, enum hazard_type t);
/* The cold part, allocated on first use; NULL when out of memory. */
struct device_cold *rules_cold(struct device_state *st);

static inline bool rules_active(const struct device_state *st, enum hazard_type t)
{ return (unsigned)t < HZ_TYPE_COUNT && ((st->active >> t) & 1u); }
static inline bool rules_flapping(const struct device_state *st, enum hazard_type t)
{ return (unsigned)t < HZ_TYPE_COUNT && ((st->flapping >> t) & 1u); }
static inline enum severity rules_severity(const struct device_state *st, enum hazard_type t)
{ return (unsigned)t < HZ_TYPE_COUNT && ((st->major >> t) & 1u) ? SEV_MAJOR : SEV_GENERAL; }
/* Set a type on or off from outside the rules (a GPIO input), with its
 * severity; nothing else of the type changes. */
void rules_set_active(struct device_state *st, enum hazard_type t, bool on,
		      enum severity s);

#define MAX_CHANGES 16
/* Evaluate one reading at monotonic time now_ms; returns the number of changes. */
int rules_eval(const struct device_cfg *dev, struct device_state *st,
	       const struct reading *r, int64_t now_ms,
	       struct hazard_change *out, int max);
/* Time-driven rules (hold expiry, offline, overcharge); call about once a second. */
int rules_tick(const struct device_cfg *dev, struct device_state *st,
	       int64_t now_ms, struct hazard_change *out, int max);
/* A payload of this device could not be parsed at all: after unreadable_n
 * in a row, payload_unreadable (CHG_ACTIVE).  rules_eval, which every
 * readable payload goes through, ends the run and clears it. */
int rules_unreadable(const struct device_cfg *dev, struct device_state *st,
		     int64_t now_ms, struct hazard_change *out, int max);
/* ppm of the detector's gas per %LEL (methane 500, LPG 210); 0 for CO. */
double rules_ppm_per_lel(enum gas_kind gas);
/* Whether r could raise an alarm or fault of dev now by its analog
 * values: at or over a raise threshold (rules_urgent.c).  Flags are the
 * caller's to check. */
bool rules_urgent(const struct device_cfg *dev, const struct reading *r);
/* After a restart: an open hazard of this type was found active in the
 * store; flapping: its record is marked flapping (it stays one record). */
void rules_restore(struct device_state *st, enum hazard_type t, enum severity s,
		   bool flapping);

#endif /* CORE_RULES_H */
