/*
 * rules_state.c: where a device's rule state lives.  A device has a rule
 * slot only for the hazard types its kind's rules can raise (rules.c's
 * rules_apply, plus the ones every kind has: carbon monoxide, battery,
 * tamper, fault, offline, unreadable payloads); a gateway of gas
 * detectors keeps 7 slots per device instead of one per hazard type
 * (docs/benchmarks.md, "Per-device rule state by kind").  Types without a
 * slot (a GPIO input's, a restored record of another kind's type) are
 * their bits in struct device_state alone, which is all anything reads of
 * them.  Pure like rules.c; the only memory it takes is the states' own.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* Slot index + 1 of each type per kind (0: no slot), in the order the
 * kind's rules run.  tests/unit/test_rules_layout.c checks that a kind's
 * rules never raise a type outside its table. */
#define COMMON_SLOTS(n)                                                    \
	[HZ_CO_ALARM] = (n) + 1, [HZ_LOW_BATTERY] = (n) + 2,               \
	[HZ_TAMPER] = (n) + 3, [HZ_DETECTOR_FAULT] = (n) + 4,              \
	[HZ_DEVICE_OFFLINE] = (n) + 5, [HZ_PAYLOAD_UNREADABLE] = (n) + 6
#define COMMON_N 6

static const uint8_t slot_ix[DEV_KIND_COUNT][HZ_TYPE_COUNT] = {
	[DEV_GAS_DETECTOR] = { [HZ_GAS_LEAK] = 1, COMMON_SLOTS(1) },
	[DEV_SMOKE_ALARM] = { [HZ_SMOKE_ALARM] = 1, COMMON_SLOTS(1) },
	[DEV_EBIKE_CHARGER] = { [HZ_CHARGER_OVERTEMP] = 1, [HZ_CHARGER_OVERCURRENT] = 2,
				[HZ_CHARGER_OVERPOWER] = 3, [HZ_OVERCHARGE] = 4,
				COMMON_SLOTS(4) },
};
static const int slot_n[DEV_KIND_COUNT] = {
	[DEV_GAS_DETECTOR] = 1 + COMMON_N,
	[DEV_SMOKE_ALARM] = 1 + COMMON_N,
	[DEV_EBIKE_CHARGER] = 4 + COMMON_N,
};

int rules_slot_count(int layout)
{
	return (unsigned)layout < DEV_KIND_COUNT ? slot_n[layout] : HZ_TYPE_COUNT;
}

struct rule_slot *rules_slot(const struct device_state *st, enum hazard_type t)
{
	int i;

	if (!st->slot || (unsigned)t >= HZ_TYPE_COUNT)
		return NULL;
	if (st->layout >= DEV_KIND_COUNT)
		return &st->slot[t];
	i = slot_ix[st->layout][t];
	return i ? &st->slot[i - 1] : NULL;
}

static int layout_of(const struct device_cfg *dev)
{
	return (unsigned)dev->kind < DEV_KIND_COUNT ? (int)dev->kind : DEV_KIND_COUNT;
}

/*
 * The slots follow the states in the same allocation.  calloc of a block
 * this size is fresh zero pages that cost nothing until a device's
 * condition first writes its slots: a device whose readings are normal
 * never touches them (the bits say there is nothing to read).
 */
struct device_state *rules_states_new(const struct device_cfg *devs, int n)
{
	struct device_state *st;
	struct rule_slot *slots;
	size_t total = 0;
	int i;

	if (n < 0)
		return NULL;
	for (i = 0; i < n; i++)
		total += (size_t)rules_slot_count(layout_of(&devs[i]));
	/* + 1: a config without devices still gets a valid pointer */
	st = calloc(1, ((size_t)n + 1) * sizeof *st + total * sizeof *slots);
	if (!st)
		return NULL;
	slots = (struct rule_slot *)(st + n + 1);
	for (i = 0; i < n; i++) {
		rules_state_init(&st[i], layout_of(&devs[i]), slots);
		slots += rules_slot_count(st[i].layout);
	}
	return st;
}

void rules_states_free(struct device_state *st, int n)
{
	int i;

	for (i = 0; st && i < n; i++)
		free(st[i].cold);
	free(st);
}

void rules_state_init(struct device_state *st, int layout, struct rule_slot *slots)
{
	st->slot = slots;
	st->layout = (unsigned)layout < DEV_KIND_COUNT ? (uint8_t)layout : DEV_KIND_COUNT;
}

static bool slot_zero(const struct rule_slot *s)
{
	return !s->pending_ms && !s->cleared_ms && !s->off_since_ms && !s->onsets &&
	       !s->folded;
}

/*
 * Type by type into to's layout.  The bits carry over as they are.  A
 * slot whose type has none in the new layout (the device's kind changed)
 * keeps its bits only: no rule of the new kind drives that type, so
 * nothing reads its clocks again; an onset it was debouncing is dropped,
 * and a flapping condition of it waiting to settle stays on (with a slot
 * per type the tick would have ended it after settle_s) until the
 * database's record of it is answered.
 * A slot left all zero is not written, so that a reload does not make
 * every device's slots resident.
 */
int rules_state_carry(struct device_state *to, const struct device_state *from)
{
	struct rule_slot *slots = to->slot, *s, *f;
	uint8_t layout = to->layout;
	int t;

	*to = *from;
	to->slot = slots;
	to->layout = layout;
	to->cold = NULL;
	for (t = 0; t < HZ_TYPE_COUNT; t++) {
		f = rules_slot(from, (enum hazard_type)t);
		s = rules_slot(to, (enum hazard_type)t);
		if (s && f && !slot_zero(f))
			*s = *f;
		else if (!s && f)
			to->pending &= ~(1u << t);
		if (!(to->pending & (1u << t)))
			to->pend_high &= ~(1u << t);
	}
	if (from->cold) {
		to->cold = malloc(sizeof *to->cold);
		if (!to->cold)
			return -1;
		memcpy(to->cold, from->cold, sizeof *to->cold);
	}
	return 0;
}

void rules_forget(struct device_state *st)
{
	if (st->slot)
		memset(st->slot, 0, (size_t)rules_slot_count(st->layout) * sizeof *st->slot);
	st->active = st->major = st->flapping = st->pending = st->pend_high = 0;
}

struct device_cold *rules_cold(struct device_state *st)
{
	if (!st->cold)
		st->cold = calloc(1, sizeof *st->cold);
	return st->cold;
}

void rules_set_active(struct device_state *st, enum hazard_type t, bool on,
		      enum severity s)
{
	uint32_t b;

	if ((unsigned)t >= HZ_TYPE_COUNT)
		return;
	b = 1u << t;
	st->active = on ? st->active | b : st->active & ~b;
	st->major = s == SEV_MAJOR ? st->major | b : st->major & ~b;
}
