/*
 * test_rules_layout.c: a device keeps rule slots only for the types its
 * kind's rules raise (core/rules_state.c).  The same random readings,
 * ticks, unreadable payloads and restores go through a state laid out by
 * the kind and a state with a slot for every type: every change, and
 * every bit of what is on, must be the same.  Then the states' array,
 * a reload's carry (the same kind and another), the bits of types
 * without a slot (GPIO, restored), forgetting and the cold part.
 */
#include "core.h"
#include "testing.h"

#define T0 1000000

static uint64_t rnd_state = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

static struct device_cfg mkdev(enum device_kind kind, enum gas_kind gas)
{
	static char ids[DEV_KIND_COUNT][16];    /* the devices' ids outlive mkdev */
	struct device_cfg d = DEVICE_CFG_BLANK;
	struct rule_params *p = &d.rules;

	snprintf(ids[kind], sizeof ids[kind], "dev-%d", (int)kind);
	d.id = ids[kind];
	d.kind = kind;
	d.gas = gas;
	d.heartbeat_s = 20;
	p->lel_low = 20;
	p->lel_high = 50;
	p->co_low_ppm = 50;
	p->co_high_ppm = 200;
	p->hold_s = 2;
	p->hysteresis_pct = 10;
	p->battery_low_pct = 20;
	p->max_temp_c = 60;
	p->max_current_a = 5;
	p->max_power_w = 2000;
	p->max_charge_h = 0.002;
	p->charging_w = 5;
	p->unreadable_n = 3;
	p->flap_window_s = 30;
	p->flap_count = 3;
	p->settle_s = 10;
	return d;
}

/* A value near the thresholds that matter for field f. */
static double value(enum reading_field f)
{
	static const double near[] = { 0, 15, 19, 21, 25, 45, 55, 60, 61, 190, 210,
				       2100, 9000, 30000 };

	if (reading_field_is_bool[f])
		return rnd(2);
	return near[rnd(sizeof near / sizeof near[0])];
}

static struct reading rnd_reading(int64_t now)
{
	struct reading r;
	int f, k = 1 + (int)rnd(4);

	memset(&r, 0, sizeof r);
	r.ts_ms = now;
	while (k-- > 0) {
		f = (int)rnd(RF_COUNT);
		reading_set(&r, (enum reading_field)f, value((enum reading_field)f));
	}
	return r;
}

static bool same_changes(const struct hazard_change *a, int na,
			 const struct hazard_change *b, int nb)
{
	int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].type != b[i].type || a[i].kind != b[i].kind ||
		    a[i].severity != b[i].severity || a[i].flapping != b[i].flapping ||
		    a[i].folded != b[i].folded || strcmp(a[i].detail, b[i].detail) != 0)
			return false;
	return true;
}

static bool same_bits(const struct device_state *a, const struct device_state *b)
{
	return a->active == b->active && a->major == b->major &&
	       a->flapping == b->flapping && a->charging_since_ms == b->charging_since_ms &&
	       a->unreadable_run == b->unreadable_run && a->self_tests == b->self_tests;
}

/* steps of random input through both layouts; the first difference */
static int differ_at(const struct device_cfg *d, int steps)
{
	struct rule_slot all[HZ_TYPE_COUNT], own[HZ_TYPE_COUNT];
	struct device_state a, b;
	struct hazard_change ca[MAX_CHANGES], cb[MAX_CHANGES];
	int64_t now = T0;
	int i, na, nb;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(all, 0, sizeof all);
	memset(own, 0, sizeof own);
	rules_state_init(&a, DEV_KIND_COUNT, all);
	rules_state_init(&b, d->kind, own);
	a.last_seen_ms = b.last_seen_ms = now;
	for (i = 0; i < steps; i++) {
		struct reading r;
		unsigned what = rnd(20);
		int t;

		now += 100 + rnd(3000);
		if (what < 12) {
			r = rnd_reading(now);
			na = rules_eval(d, &a, &r, now, ca, MAX_CHANGES);
			nb = rules_eval(d, &b, &r, now, cb, MAX_CHANGES);
		} else if (what < 17) {
			na = rules_tick(d, &a, now, ca, MAX_CHANGES);
			nb = rules_tick(d, &b, now, cb, MAX_CHANGES);
		} else if (what < 19) {
			na = rules_unreadable(d, &a, now, ca, MAX_CHANGES);
			nb = rules_unreadable(d, &b, now, cb, MAX_CHANGES);
		} else {
			/* a restart's restore, of any type (another kind's too) */
			enum severity sev = (enum severity)rnd(2);
			bool flap = rnd(2);

			t = (int)rnd(HZ_TYPE_COUNT);
			rules_restore(&a, (enum hazard_type)t, sev, flap);
			rules_restore(&b, (enum hazard_type)t, sev, flap);
			na = nb = 0;
		}
		if (!same_changes(ca, na, cb, nb) || !same_bits(&a, &b))
			return i;
	}
	return -1;
}

static void test_same_as_every_slot(void)
{
	static const struct { enum device_kind kind; enum gas_kind gas; const char *name; } k[] = {
		{ DEV_GAS_DETECTOR, GAS_NATURAL, "gas detector (natural gas)" },
		{ DEV_GAS_DETECTOR, GAS_LPG, "gas detector (LPG)" },
		{ DEV_GAS_DETECTOR, GAS_CO, "gas detector (CO)" },
		{ DEV_SMOKE_ALARM, GAS_NATURAL, "smoke alarm" },
		{ DEV_EBIKE_CHARGER, GAS_NATURAL, "charger" },
	};
	char name[96];
	size_t i;
	int run;

	for (i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct device_cfg d = mkdev(k[i].kind, k[i].gas);
		int at = -1;

		for (run = 0; run < 200 && at < 0; run++)
			at = differ_at(&d, 400);
		snprintf(name, sizeof name, "%s: its own slots decide as a slot per type "
			 "(200 x 400 steps)", k[i].name);
		CHECK_INT(name, at, -1);
	}
	CHECK_INT("gas detector: 7 slots", rules_slot_count(DEV_GAS_DETECTOR), 7);
	CHECK_INT("smoke alarm: 7 slots", rules_slot_count(DEV_SMOKE_ALARM), 7);
	CHECK_INT("charger: 10 slots", rules_slot_count(DEV_EBIKE_CHARGER), 10);
	CHECK_INT("every type", rules_slot_count(DEV_KIND_COUNT), HZ_TYPE_COUNT);
	CHECK_INT("a slot is 32 bytes", sizeof(struct rule_slot), 32);
}

static void test_array_and_carry(void)
{
	struct device_cfg devs[3] = {
		mkdev(DEV_GAS_DETECTOR, GAS_NATURAL), mkdev(DEV_EBIKE_CHARGER, GAS_NATURAL),
		mkdev(DEV_SMOKE_ALARM, GAS_NATURAL),
	};
	struct device_state *st = rules_states_new(devs, 3), *nw;
	struct hazard_change ch[MAX_CHANGES];
	struct reading r;
	int64_t now = T0;
	int n;

	CHECK("array: made", st != NULL);
	if (!st)
		return;
	CHECK("array: slots of each kind, one after the other",
	      st[1].slot == st[0].slot + 7 && st[2].slot == st[1].slot + 10);
	CHECK("array: a gas detector has no smoke slot",
	      rules_slot(&st[0], HZ_SMOKE_ALARM) == NULL && rules_slot(&st[0], HZ_GAS_LEAK));
	/* a gas leak pending on device 0, its hold not over */
	memset(&r, 0, sizeof r);
	reading_set(&r, RF_GAS_LEL, 30);
	rules_eval(&devs[0], &st[0], &r, now, ch, MAX_CHANGES);
	CHECK("gas: pending", st[0].pending == 1u << HZ_GAS_LEAK);
	/* a GPIO input's type without a slot: its bits alone */
	rules_set_active(&st[0], HZ_SMOKE_ALARM, true, SEV_MAJOR);
	CHECK("gpio: smoke on a gas detector is on, major",
	      rules_active(&st[0], HZ_SMOKE_ALARM) &&
	      rules_severity(&st[0], HZ_SMOKE_ALARM) == SEV_MAJOR);
	/* restore of a type no rule of the kind raises */
	rules_restore(&st[2], HZ_COMMAND_FAILED, SEV_GENERAL, true);
	CHECK("restore: command_failed on a smoke alarm is on",
	      rules_active(&st[2], HZ_COMMAND_FAILED) && rules_flapping(&st[2], HZ_COMMAND_FAILED));
	CHECK("cold: none yet", st[0].cold == NULL);
	CHECK("cold: made on first use", rules_cold(&st[0]) && st[0].cold);
	st[0].cold->field_bad[RF_GAS_LEL] = 3;

	/* a reload: device 0 stays a gas detector, device 2 becomes a gas detector */
	devs[2].kind = DEV_GAS_DETECTOR;
	nw = rules_states_new(devs, 3);
	CHECK("carry: made", nw != NULL);
	if (!nw) {
		rules_states_free(st, 3);
		return;
	}
	CHECK("carry: same kind", rules_state_carry(&nw[0], &st[0]) == 0);
	CHECK("carry: kind changed", rules_state_carry(&nw[2], &st[2]) == 0);
	CHECK("carry: slots stay its own", nw[0].slot != st[0].slot && nw[2].layout == DEV_GAS_DETECTOR);
	CHECK("carry: pending and bits", nw[0].pending == st[0].pending &&
	      rules_active(&nw[0], HZ_SMOKE_ALARM) &&
	      rules_slot(&nw[0], HZ_GAS_LEAK)->pending_ms == rules_slot(&st[0], HZ_GAS_LEAK)->pending_ms);
	CHECK("carry: the cold part copied", nw[0].cold && nw[0].cold != st[0].cold &&
	      nw[0].cold->field_bad[RF_GAS_LEL] == 3);
	CHECK("carry: restored bits kept across kinds", rules_active(&nw[2], HZ_COMMAND_FAILED));
	rules_states_free(st, 3);
	/* the carried pending onset raises after its hold */
	memset(&r, 0, sizeof r);
	reading_set(&r, RF_GAS_LEL, 30);
	n = rules_eval(&devs[0], &nw[0], &r, now + 3000, ch, MAX_CHANGES);
	CHECK("carry: the hold goes on from before the reload",
	      n == 1 && ch[0].type == HZ_GAS_LEAK && ch[0].kind == CHG_ACTIVE);
	rules_forget(&nw[0]);
	CHECK("forget: nothing on, nothing pending", !nw[0].active && !nw[0].pending &&
	      rules_slot(&nw[0], HZ_GAS_LEAK)->cleared_ms == 0 && nw[0].cold);
	rules_states_free(nw, 3);
	CHECK("free: NULL is fine", (rules_states_free(NULL, 0), true));
}

int main(void)
{
	test_same_as_every_slot();
	test_array_and_carry();
	TEST_DONE();
}
