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
 * active is what the records and interlocks see.  While flapping, active
 * stays true through the condition's short ends: off_since_ms is when the
 * condition last went off (0: it is on), and the clear goes out only once
 * it has stayed off for settle_s (rules_tick).
 *
 * Widest members first, so that the slot has no holes: 40 bytes, not 56;
 * a device has one per hazard type and a gateway thousands of devices
 * (docs/benchmarks.md, "Where the memory goes").
 */
struct rule_slot {
	int64_t pending_ms;     /* monotonic time the condition was first seen; 0 none */
	int64_t cleared_ms;     /* monotonic time of the last clear; 0 none */
	int64_t off_since_ms;   /* flapping: condition off since; 0 on */
	int     onsets;         /* onsets in a row, each within flap_window_s
				 * of the clear before it */
	int     folded;         /* flapping: onsets folded into the record */
	enum severity severity; /* severity while active */
	int8_t  pending_level;  /* 1 low, 2 high: level being debounced; 0 none */
	bool    active;         /* condition is on (a hazard is raised) */
	bool    flapping;       /* the record takes onsets as a count */
};

/* The members a reading or a tick reads together first; the two flags
 * side by side at the end (no padding after each). */
struct device_state {
	struct rule_slot slot[HZ_TYPE_COUNT];
	int64_t last_seen_ms;           /* monotonic; offline detection */
	int64_t charging_since_ms;      /* monotonic; 0 = not charging */
	struct reading last;            /* last known value of each field (merged) */
	uint64_t accepted, rejected;    /* messages counted since start */
	uint64_t self_tests;            /* test presses (rising edges of "test") */
	uint64_t flood_dropped;         /* over its rate, dropped before the queue */
	/* the deadline clock of the hazard of each type raised during this
	 * run: its raised_at (wall, to recognise it) and the monotonic time
	 * it was raised, so a wall-clock jump moves no deadline */
	int64_t hz_raised_wall_ms[HZ_TYPE_COUNT];
	int64_t hz_raised_mono_ms[HZ_TYPE_COUNT];
	/* per-field validation: values left out (wrong type, unknown enum,
	 * impossible) per field, and over-range values kept saturated */
	uint64_t field_bad[RF_COUNT];
	uint64_t over_range;
	struct complaint field_complaint;  /* the log backoff for field_bad */
	uint64_t unreadable_run;        /* unparseable payloads in a row */
	bool    testing;                /* the last message had test: true */
	bool    heard;                  /* a report accepted, in this run or an
					 * earlier one (presence.c): not never_seen */
};

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
