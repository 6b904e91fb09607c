/* test_rules.c: hazard rules, driven with hand-made readings and clocks. */
#include <stdint.h>

#include "app.h"
#include "testing.h"

#define T0 1000000LL    /* monotonic ms; any non-zero base */

struct fv {
	int    f;
	double v;
};

static struct reading rd_make(const struct fv *fv, size_t n)
{
	struct reading r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.ts_ms = 1700000000000LL;
	for (i = 0; i < n; i++)
		reading_set(&r, fv[i].f, fv[i].v);
	return r;
}
#define RD(...) rd_make((const struct fv[]){ __VA_ARGS__ }, \
	sizeof((const struct fv[]){ __VA_ARGS__ }) / sizeof(struct fv))
#define RD_EMPTY() rd_make(NULL, 0)

static struct hazard_change ch[MAX_CHANGES];
static int nch;

static int ev(const struct device_cfg *d, struct device_state *st,
	      struct reading r, int64_t now)
{
	nch = rules_eval(d, st, &r, now, ch, MAX_CHANGES);
	return nch;
}

static int tk(const struct device_cfg *d, struct device_state *st, int64_t now)
{
	nch = rules_tick(d, st, now, ch, MAX_CHANGES);
	return nch;
}

static const struct hazard_change *find(enum hazard_type t, enum change_kind k)
{
	int i;

	for (i = 0; i < nch; i++)
		if (ch[i].type == t && ch[i].kind == k)
			return &ch[i];
	return NULL;
}

/* Exactly one change, of this type and kind; returns it for more checks. */
static const struct hazard_change *only(const char *name, enum hazard_type t,
					enum change_kind k)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "%s: one change", name);
	CHECK_INT(buf, nch, 1);
	snprintf(buf, sizeof(buf), "%s: type %s", name, hazard_type_name[t]);
	CHECK_INT(buf, nch >= 1 ? (int)ch[0].type : -1, t);
	snprintf(buf, sizeof(buf), "%s: kind", name);
	CHECK_INT(buf, nch >= 1 ? (int)ch[0].kind : -1, k);
	return nch >= 1 ? &ch[0] : NULL;
}

static struct rule_params params(void)
{
	struct rule_params p;

	memset(&p, 0, sizeof(p));
	p.lel_low = 25;
	p.lel_high = 50;
	p.co_low_ppm = 50;
	p.co_high_ppm = 200;
	p.hold_s = 5;
	p.hysteresis_pct = 10;          /* gas clears below 22.5 %LEL */
	p.battery_low_pct = 20;
	p.max_temp_c = 60;              /* clears below 54 */
	p.max_current_a = 5;            /* clears below 4.5 */
	p.max_charge_h = 0.001;         /* 3.6 s */
	p.charging_w = 5;
	return p;
}

static struct device_cfg mkdev(enum device_kind kind)
{
	static char ids[DEV_KIND_COUNT][16];    /* the devices' ids outlive mkdev */
	struct device_cfg d;

	d = (struct device_cfg)DEVICE_CFG_BLANK;
	snprintf(ids[kind], sizeof ids[kind], "dev-%d", (int)kind);
	d.id = ids[kind];
	d.kind = kind;
	d.site = "rest-001";
	d.format = "native";
	d.heartbeat_s = 0;
	d.rules = params();
	return d;
}

/* A slot for every type: the tests see the rules, whatever the kind
 * (test_rules_layout.c checks each kind's slots against this). */
static struct rule_slot slots[HZ_TYPE_COUNT];

static void mkstate(struct device_state *st)
{
	memset(st, 0, sizeof(*st));
	memset(slots, 0, sizeof slots);
	rules_state_init(st, DEV_KIND_COUNT, slots);
	st->last_seen_ms = T0;          /* the caller's start-up duty */
}

static void test_names_priority(void)
{
	CHECK_STR("name gas_leak", hazard_type_name[HZ_GAS_LEAK], "gas_leak");
	CHECK_STR("name smoke_alarm", hazard_type_name[HZ_SMOKE_ALARM], "smoke_alarm");
	CHECK_STR("name charger_overtemp", hazard_type_name[HZ_CHARGER_OVERTEMP], "charger_overtemp");
	CHECK_STR("name charger_overcurrent", hazard_type_name[HZ_CHARGER_OVERCURRENT],
		  "charger_overcurrent");
	CHECK_STR("name overcharge", hazard_type_name[HZ_OVERCHARGE], "overcharge");
	CHECK_STR("name device_offline", hazard_type_name[HZ_DEVICE_OFFLINE], "device_offline");
	CHECK_STR("name low_battery", hazard_type_name[HZ_LOW_BATTERY], "low_battery");
	CHECK_STR("name tamper", hazard_type_name[HZ_TAMPER], "tamper");
	CHECK_STR("name detector_fault", hazard_type_name[HZ_DETECTOR_FAULT], "detector_fault");
	CHECK_STR("severity general", severity_name[SEV_GENERAL], "general");
	CHECK_STR("severity major", severity_name[SEV_MAJOR], "major");
	CHECK_STR("priority urgent", priority_name[PRIO_URGENT], "urgent");
	CHECK_STR("priority serious", priority_name[PRIO_SERIOUS], "serious");
	CHECK_STR("priority minor", priority_name[PRIO_MINOR], "minor");
	CHECK_STR("priority low", priority_name[PRIO_LOW], "low");

	CHECK_INT("prio major gas", hazard_priority(HZ_GAS_LEAK, SEV_MAJOR), PRIO_URGENT);
	CHECK_INT("prio major smoke", hazard_priority(HZ_SMOKE_ALARM, SEV_MAJOR), PRIO_URGENT);
	CHECK_INT("prio major overtemp", hazard_priority(HZ_CHARGER_OVERTEMP, SEV_MAJOR), PRIO_URGENT);
	CHECK_INT("prio major low battery", hazard_priority(HZ_LOW_BATTERY, SEV_MAJOR), PRIO_URGENT);
	CHECK_INT("prio general gas is urgent", hazard_priority(HZ_GAS_LEAK, SEV_GENERAL), PRIO_URGENT);
	CHECK_INT("prio overcurrent", hazard_priority(HZ_CHARGER_OVERCURRENT, SEV_GENERAL), PRIO_SERIOUS);
	CHECK_INT("prio overcharge", hazard_priority(HZ_OVERCHARGE, SEV_GENERAL), PRIO_SERIOUS);
	CHECK_INT("prio fault", hazard_priority(HZ_DETECTOR_FAULT, SEV_GENERAL), PRIO_SERIOUS);
	CHECK_INT("prio tamper", hazard_priority(HZ_TAMPER, SEV_GENERAL), PRIO_SERIOUS);
	CHECK_INT("prio offline", hazard_priority(HZ_DEVICE_OFFLINE, SEV_GENERAL), PRIO_SERIOUS);
	CHECK_INT("prio low battery", hazard_priority(HZ_LOW_BATTERY, SEV_GENERAL), PRIO_MINOR);
}

static void test_debounce(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	const struct hazard_change *c;

	/* held, seen by rules_eval */
	mkstate(&st);
	CHECK_INT("debounce eval: first above lel_low: nothing",
		  ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0), 0);
	CHECK_INT("debounce eval: 4.9 s later: nothing",
		  ev(&d, &st, RD({ RF_GAS_LEL, 31 }), T0 + 4900), 0);
	ev(&d, &st, RD({ RF_GAS_LEL, 32 }), T0 + 5000);
	c = only("debounce eval: held 5 s", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("debounce eval: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_STR("debounce eval: detail", c ? c->detail : NULL, "gas_lel 32 >= lel_low 25");
	CHECK_INT("debounce eval: still above: no second ACTIVE",
		  ev(&d, &st, RD({ RF_GAS_LEL, 33 }), T0 + 6000), 0);
	CHECK("debounce eval: slot active", rules_active(&st, HZ_GAS_LEAK));

	/* held, seen only by rules_tick (a device that reports on change) */
	mkstate(&st);
	CHECK_INT("debounce tick: reading: nothing", ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0), 0);
	CHECK_INT("debounce tick: 4999 ms: nothing", tk(&d, &st, T0 + 4999), 0);
	tk(&d, &st, T0 + 5000);
	c = only("debounce tick: 5000 ms", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("debounce tick: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_INT("debounce tick: next tick: no second ACTIVE", tk(&d, &st, T0 + 6000), 0);

	/* a dip below the threshold restarts the hold */
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0);
	CHECK_INT("debounce dip: below lel_low: nothing", ev(&d, &st, RD({ RF_GAS_LEL, 24 }), T0 + 2000), 0);
	CHECK_INT("debounce dip: tick past the first hold: nothing", tk(&d, &st, T0 + 6000), 0);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0 + 7000);
	CHECK_INT("debounce dip: 4.9 s after the new onset: nothing", tk(&d, &st, T0 + 11900), 0);
	tk(&d, &st, T0 + 12000);
	only("debounce dip: 5 s after the new onset", HZ_GAS_LEAK, CHG_ACTIVE);

	/* a message without gas fields in between does not reset the hold */
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0);
	CHECK_INT("debounce battery between: nothing",
		  ev(&d, &st, RD({ RF_BATTERY, 90 }), T0 + 1000), 0);
	tk(&d, &st, T0 + 5000);
	only("debounce battery between: raised at hold", HZ_GAS_LEAK, CHG_ACTIVE);

	/* hold_s 0: at once */
	d.rules.hold_s = 0;
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0);
	only("hold 0: immediate", HZ_GAS_LEAK, CHG_ACTIVE);
}

static void test_flutter(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	int i, active = 0, cleared = 0;
	int64_t t = T0;

	/* up and down every second: the hold never completes */
	mkstate(&st);
	for (i = 0; i < 50; i++) {
		ev(&d, &st, RD({ RF_GAS_LEL, 30 }), t);
		active += find(HZ_GAS_LEAK, CHG_ACTIVE) != NULL;
		tk(&d, &st, t + 500);
		active += find(HZ_GAS_LEAK, CHG_ACTIVE) != NULL;
		ev(&d, &st, RD({ RF_GAS_LEL, 10 }), t + 1000);
		active += find(HZ_GAS_LEAK, CHG_ACTIVE) != NULL;
		t += 2000;
	}
	CHECK_INT("flutter across the onset: nothing opens", active, 0);

	/* immediate rules, fluttering inside the hysteresis band: one hazard */
	d.rules.hold_s = 0;
	mkstate(&st);
	active = 0;
	for (i = 0; i < 50; i++) {
		ev(&d, &st, RD({ RF_GAS_LEL, 26 }), T0 + i * 2000);
		active += find(HZ_GAS_LEAK, CHG_ACTIVE) != NULL;
		cleared += find(HZ_GAS_LEAK, CHG_CLEAR) != NULL;
		ev(&d, &st, RD({ RF_GAS_LEL, 23 }), T0 + i * 2000 + 1000);
		active += find(HZ_GAS_LEAK, CHG_ACTIVE) != NULL;
		cleared += find(HZ_GAS_LEAK, CHG_CLEAR) != NULL;
	}
	CHECK_INT("flutter in the hysteresis band: one ACTIVE", active, 1);
	CHECK_INT("flutter in the hysteresis band: no CLEAR", cleared, 0);
}

static void test_hysteresis(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	const struct hazard_change *c;

	d.rules.hold_s = 0;
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0);
	only("hysteresis: raised", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("hysteresis: 24 (below lel_low, above 22.5): no clear",
		  ev(&d, &st, RD({ RF_GAS_LEL, 24 }), T0 + 1000), 0);
	CHECK_INT("hysteresis: 22.5 exactly: no clear",
		  ev(&d, &st, RD({ RF_GAS_LEL, 22.5 }), T0 + 2000), 0);
	ev(&d, &st, RD({ RF_GAS_LEL, 22 }), T0 + 3000);
	c = only("hysteresis: 22: clear", HZ_GAS_LEAK, CHG_CLEAR);
	CHECK_STR("hysteresis: clear detail", c ? c->detail : NULL, "gas_lel 22 < clear level 22.5");
	CHECK_INT("hysteresis: still low: nothing more",
		  ev(&d, &st, RD({ RF_GAS_LEL, 5 }), T0 + 4000), 0);
	CHECK("hysteresis: slot inactive", !rules_active(&st, HZ_GAS_LEAK));
	ev(&d, &st, RD({ RF_GAS_LEL, 26 }), T0 + 5000);
	only("hysteresis: re-raise after clear", HZ_GAS_LEAK, CHG_ACTIVE);

	/* the clear is immediate even with a hold */
	d.rules.hold_s = 5;
	mkstate(&st);
	rules_restore(&st, HZ_GAS_LEAK, SEV_GENERAL, false);
	ev(&d, &st, RD({ RF_GAS_LEL, 1 }), T0);
	only("hysteresis: clearing needs no hold", HZ_GAS_LEAK, CHG_CLEAR);
}

static void test_escalation(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	const struct hazard_change *c;

	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0);
	tk(&d, &st, T0 + 5000);
	only("escalate: low raised", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("escalate: high seen: nothing yet",
		  ev(&d, &st, RD({ RF_GAS_LEL, 60 }), T0 + 6000), 0);
	CHECK_INT("escalate: high 4.9 s: nothing yet", tk(&d, &st, T0 + 10900), 0);
	tk(&d, &st, T0 + 11000);
	c = only("escalate: high held", HZ_GAS_LEAK, CHG_ESCALATE);
	CHECK_INT("escalate: major", c ? (int)c->severity : -1, SEV_MAJOR);
	CHECK_STR("escalate: detail", c ? c->detail : NULL, "gas_lel 60 >= lel_high 50");
	CHECK_INT("escalate: back to low: no de-escalation",
		  ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0 + 12000), 0);
	CHECK_INT("escalate: slot stays major", rules_severity(&st, HZ_GAS_LEAK), SEV_MAJOR);
	CHECK_INT("escalate: high again: nothing", ev(&d, &st, RD({ RF_GAS_LEL, 70 }), T0 + 20000), 0);
	ev(&d, &st, RD({ RF_GAS_LEL, 2 }), T0 + 21000);
	c = only("escalate: clear", HZ_GAS_LEAK, CHG_CLEAR);
	CHECK_INT("escalate: clear carries major", c ? (int)c->severity : -1, SEV_MAJOR);

	/* high first, then low inside the hold: only low held throughout */
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 60 }), T0);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0 + 2000);
	tk(&d, &st, T0 + 5000);
	c = only("falling: raised at the level that held", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("falling: general", c ? (int)c->severity : -1, SEV_GENERAL);

	/* a brief spike to high does not escalate */
	mkstate(&st);
	rules_restore(&st, HZ_GAS_LEAK, SEV_GENERAL, false);
	ev(&d, &st, RD({ RF_GAS_LEL, 60 }), T0);
	ev(&d, &st, RD({ RF_GAS_LEL, 40 }), T0 + 2000);
	CHECK_INT("escalate: spike then low: no escalation", tk(&d, &st, T0 + 8000), 0);

	/* straight to high */
	mkstate(&st);
	CHECK_INT("straight high: nothing before hold", ev(&d, &st, RD({ RF_GAS_LEL, 60 }), T0), 0);
	tk(&d, &st, T0 + 5000);
	c = only("straight high", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("straight high: major", c ? (int)c->severity : -1, SEV_MAJOR);
	CHECK_INT("straight high: nothing after", tk(&d, &st, T0 + 20000), 0);

	/* low then high inside the low hold: raised general when low held,
	 * escalated once high held on its own from then */
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0);
	ev(&d, &st, RD({ RF_GAS_LEL, 60 }), T0 + 1000);
	tk(&d, &st, T0 + 5000);
	c = only("rising: raised when low held", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("rising: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_INT("rising: high needs its own hold", tk(&d, &st, T0 + 9999), 0);
	tk(&d, &st, T0 + 10000);
	c = only("rising: escalated", HZ_GAS_LEAK, CHG_ESCALATE);
	CHECK_INT("rising: major", c ? (int)c->severity : -1, SEV_MAJOR);

	/* CO is its own alarm: co_ppm raises co_alarm, never gas_leak */
	d.rules.hold_s = 0;
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 3 }, { RF_CO_PPM, 250 }), T0);
	c = only("co high", HZ_CO_ALARM, CHG_ACTIVE);
	CHECK_INT("co high: major", c ? (int)c->severity : -1, SEV_MAJOR);
	CHECK_STR("co high: detail", c ? c->detail : NULL, "co_ppm 250 >= co_high_ppm 200");
	CHECK("co high: no gas_leak", !rules_active(&st, HZ_GAS_LEAK));
	CHECK_INT("co: still above its clear level: held",
		  ev(&d, &st, RD({ RF_GAS_LEL, 0 }, { RF_CO_PPM, 46 }), T0 + 1000), 0);
	ev(&d, &st, RD({ RF_CO_PPM, 44 }), T0 + 2000);
	only("co: below its clear level: clear", HZ_CO_ALARM, CHG_CLEAR);

	/* a zero threshold disables that metric */
	d.rules.co_low_ppm = 0;
	d.rules.co_high_ppm = 0;
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_LEL, 30 }), T0);
	only("co thresholds 0: gas_lel raises", HZ_GAS_LEAK, CHG_ACTIVE);
	ev(&d, &st, RD({ RF_GAS_LEL, 0 }, { RF_CO_PPM, 900 }), T0 + 1000);
	only("co thresholds 0: co does not hold it", HZ_GAS_LEAK, CHG_CLEAR);
	mkstate(&st);
	CHECK_INT("co thresholds 0: co never raises",
		  ev(&d, &st, RD({ RF_CO_PPM, 0 }), T0) + ev(&d, &st, RD({ RF_CO_PPM, 900 }), T0 + 1), 0);
}

static void test_gas_flags(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	const struct hazard_change *c;

	mkstate(&st);
	ev(&d, &st, RD({ RF_ALARM, 1 }), T0);
	c = only("gas alarm flag: immediate", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("gas alarm flag: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_STR("gas alarm flag: detail", c ? c->detail : NULL, "alarm flag");
	CHECK_INT("gas alarm flag repeated: no second ACTIVE", ev(&d, &st, RD({ RF_ALARM, 1 }), T0 + 1000), 0);
	ev(&d, &st, RD({ RF_ALARM, 0 }), T0 + 2000);
	only("gas alarm flag off: clear", HZ_GAS_LEAK, CHG_CLEAR);

	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS, 1 }, { RF_GAS_LEL, 60 }), T0);
	c = only("gas flag with high level: immediate", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("gas flag with high level: major", c ? (int)c->severity : -1, SEV_MAJOR);

	/* flag on at low, the level rises: the flag vouches for it at once */
	mkstate(&st);
	ev(&d, &st, RD({ RF_ALARM, 1 }, { RF_GAS_LEL, 30 }), T0);
	only("flag+low", HZ_GAS_LEAK, CHG_ACTIVE);
	ev(&d, &st, RD({ RF_ALARM, 1 }, { RF_GAS_LEL, 55 }), T0 + 1000);
	c = only("flag+high: escalate", HZ_GAS_LEAK, CHG_ESCALATE);
	CHECK_INT("flag+high: major", c ? (int)c->severity : -1, SEV_MAJOR);

	/* flag off, but the concentration still holds the leak */
	ev(&d, &st, RD({ RF_ALARM, 0 }, { RF_GAS_LEL, 30 }), T0 + 2000);
	CHECK_INT("flag off, level held: no clear", nch, 0);
	ev(&d, &st, RD({ RF_ALARM, 0 }, { RF_GAS_LEL, 10 }), T0 + 3000);
	only("flag off, level low: clear", HZ_GAS_LEAK, CHG_CLEAR);

	/* a smoke flag means nothing to a gas detector */
	mkstate(&st);
	CHECK_INT("gas detector ignores smoke", ev(&d, &st, RD({ RF_SMOKE, 1 }), T0), 0);
}

static void test_smoke(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	const struct hazard_change *c;

	mkstate(&st);
	ev(&d, &st, RD({ RF_SMOKE, 1 }), T0);
	c = only("smoke flag: immediate", HZ_SMOKE_ALARM, CHG_ACTIVE);
	CHECK_INT("smoke flag: major", c ? (int)c->severity : -1, SEV_MAJOR);
	CHECK_STR("smoke flag: detail", c ? c->detail : NULL, "smoke flag");
	CHECK_INT("smoke again: dedup", ev(&d, &st, RD({ RF_SMOKE, 1 }), T0 + 100), 0);
	ev(&d, &st, RD({ RF_SMOKE, 0 }), T0 + 200);
	c = only("smoke off: clear", HZ_SMOKE_ALARM, CHG_CLEAR);
	CHECK_INT("smoke off: clear major", c ? (int)c->severity : -1, SEV_MAJOR);

	mkstate(&st);
	ev(&d, &st, RD({ RF_ALARM, 1 }), T0);
	c = only("smoke alarm via alarm flag", HZ_SMOKE_ALARM, CHG_ACTIVE);
	CHECK_INT("smoke alarm via alarm flag: major", c ? (int)c->severity : -1, SEV_MAJOR);
	CHECK_INT("smoke alarm ignores gas_lel",
		  ev(&d, &st, RD({ RF_GAS_LEL, 90 }), T0 + 1) + tk(&d, &st, T0 + 60000), 0);
}

static void test_self_test(void)
{
	struct device_cfg sd = mkdev(DEV_SMOKE_ALARM), gd = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;

	mkstate(&st);
	CHECK_INT("test+smoke: no raise", ev(&sd, &st, RD({ RF_TEST, 1 }, { RF_SMOKE, 1 }), T0), 0);
	CHECK_INT("test+alarm: no raise", ev(&sd, &st, RD({ RF_TEST, 1 }, { RF_ALARM, 1 }), T0 + 1), 0);
	CHECK_INT("after test: battery-only message raises nothing",
		  ev(&sd, &st, RD({ RF_BATTERY, 90 }), T0 + 2) + tk(&sd, &st, T0 + 60000), 0);

	ev(&sd, &st, RD({ RF_SMOKE, 1 }), T0 + 3);
	only("real smoke", HZ_SMOKE_ALARM, CHG_ACTIVE);
	CHECK_INT("test+smoke false: no clear",
		  ev(&sd, &st, RD({ RF_TEST, 1 }, { RF_SMOKE, 0 }), T0 + 4), 0);
	CHECK("test+smoke false: still active", rules_active(&st, HZ_SMOKE_ALARM));

	/* the rest of a test message counts */
	ev(&sd, &st, RD({ RF_TEST, 1 }, { RF_SMOKE, 0 }, { RF_BATTERY, 10 }), T0 + 5);
	only("test message with low battery: raised", HZ_LOW_BATTERY, CHG_ACTIVE);
	ev(&sd, &st, RD({ RF_TEST, 1 }, { RF_TAMPER, 1 }), T0 + 6);
	only("test message with tamper: raised", HZ_TAMPER, CHG_ACTIVE);
	ev(&sd, &st, RD({ RF_TEST, 1 }, { RF_FAULT, 1 }), T0 + 7);
	only("test message with fault: raised", HZ_DETECTOR_FAULT, CHG_ACTIVE);

	/* gas: the button sends gas:false or alarm:true */
	mkstate(&st);
	CHECK_INT("gas test+alarm: no raise",
		  ev(&gd, &st, RD({ RF_TEST, 1 }, { RF_ALARM, 1 }, { RF_GAS, 1 }), T0), 0);
	ev(&gd, &st, RD({ RF_GAS, 1 }), T0 + 1);
	only("gas real", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("gas test+gas false: no clear",
		  ev(&gd, &st, RD({ RF_TEST, 1 }, { RF_GAS, 0 }), T0 + 2), 0);
	CHECK_INT("test false with no flags: still no clear",
		  ev(&gd, &st, RD({ RF_TEST, 0 }), T0 + 3), 0);
	ev(&gd, &st, RD({ RF_TEST, 0 }, { RF_GAS, 0 }), T0 + 4);
	only("test false, gas false: clear", HZ_GAS_LEAK, CHG_CLEAR);
}

static void test_offline(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	const struct hazard_change *c;

	d.heartbeat_s = 60;
	mkstate(&st);
	CHECK_INT("offline: exactly heartbeat: nothing", tk(&d, &st, T0 + 60000), 0);
	tk(&d, &st, T0 + 61000);
	c = only("offline: past heartbeat", HZ_DEVICE_OFFLINE, CHG_ACTIVE);
	CHECK_INT("offline: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_STR("offline: detail", c ? c->detail : NULL, "no message for 61 s (heartbeat_s 60)");
	CHECK_INT("offline: once", tk(&d, &st, T0 + 200000), 0);
	CHECK_INT("offline: still once", tk(&d, &st, T0 + 900000), 0);
	ev(&d, &st, RD({ RF_BATTERY, 90 }), T0 + 1000000);
	c = only("offline: a reading clears it", HZ_DEVICE_OFFLINE, CHG_CLEAR);
	CHECK_INT("offline: last_seen updated", st.last_seen_ms, T0 + 1000000);
	CHECK_INT("offline: tick right after: nothing", tk(&d, &st, T0 + 1000000 + 30000), 0);
	tk(&d, &st, T0 + 1000000 + 61000);
	only("offline: again after another silence", HZ_DEVICE_OFFLINE, CHG_ACTIVE);

	/* an empty message still proves the device is alive */
	ev(&d, &st, RD_EMPTY(), T0 + 2000000);
	only("offline: empty message clears", HZ_DEVICE_OFFLINE, CHG_CLEAR);

	d.heartbeat_s = 0;
	mkstate(&st);
	CHECK_INT("offline disabled: heartbeat_s 0", tk(&d, &st, T0 + 100000000LL), 0);
	CHECK("offline disabled: slot inactive", !rules_active(&st, HZ_DEVICE_OFFLINE));

	/* restored offline, the device is back */
	d.heartbeat_s = 60;
	mkstate(&st);
	rules_restore(&st, HZ_DEVICE_OFFLINE, SEV_GENERAL, false);
	CHECK_INT("offline restored: tick does not repeat it", tk(&d, &st, T0 + 120000), 0);
	ev(&d, &st, RD({ RF_SMOKE, 0 }), T0 + 121000);
	only("offline restored: reading clears", HZ_DEVICE_OFFLINE, CHG_CLEAR);
}

static void test_charger(void)
{
	struct device_cfg d = mkdev(DEV_EBIKE_CHARGER);
	struct device_state st;
	const struct hazard_change *c;
	int64_t since;

	/* overcharge: max_charge_h 0.001 h = 3600 ms */
	mkstate(&st);
	CHECK_INT("overcharge: starts charging: nothing", ev(&d, &st, RD({ RF_POWER_W, 100 }), T0), 0);
	CHECK_INT("overcharge: charging_since set", st.charging_since_ms, T0);
	CHECK_INT("overcharge: 3599 ms: nothing", tk(&d, &st, T0 + 3599), 0);
	tk(&d, &st, T0 + 3600);
	c = only("overcharge: via tick", HZ_OVERCHARGE, CHG_ACTIVE);
	CHECK_INT("overcharge: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_INT("overcharge: once", tk(&d, &st, T0 + 10000), 0);
	CHECK_INT("overcharge: message without power keeps charging",
		  ev(&d, &st, RD({ RF_TEMP_C, 30 }, { RF_VOLTAGE_V, 230 }), T0 + 11000), 0);
	CHECK_INT("overcharge: charging_since kept", st.charging_since_ms, T0);
	ev(&d, &st, RD({ RF_POWER_W, 1 }), T0 + 12000);
	only("overcharge: stops charging: clear", HZ_OVERCHARGE, CHG_CLEAR);
	CHECK_INT("overcharge: charging_since reset", st.charging_since_ms, 0);
	ev(&d, &st, RD({ RF_POWER_W, 80 }), T0 + 20000);
	since = st.charging_since_ms;
	CHECK_INT("overcharge: restarts counting", since, T0 + 20000);
	CHECK_INT("overcharge: fresh charge: nothing", ev(&d, &st, RD({ RF_POWER_W, 80 }), T0 + 23000), 0);
	ev(&d, &st, RD({ RF_POWER_W, 80 }), T0 + 23600);
	only("overcharge: via eval", HZ_OVERCHARGE, CHG_ACTIVE);

	/* max_charge_h 0 disables overcharge, not the charging bookkeeping */
	d.rules.max_charge_h = 0;
	mkstate(&st);
	CHECK_INT("max_charge_h 0: no overcharge",
		  ev(&d, &st, RD({ RF_POWER_W, 100 }), T0) + tk(&d, &st, T0 + 100000000LL), 0);
	CHECK_INT("max_charge_h 0: still tracks charging", st.charging_since_ms, T0);
	d.rules.max_charge_h = 0.001;

	/* no power field: current decides */
	mkstate(&st);
	ev(&d, &st, RD({ RF_CURRENT_A, 2 }), T0);
	CHECK_INT("charging by current", st.charging_since_ms, T0);
	ev(&d, &st, RD({ RF_CURRENT_A, 0.01 }), T0 + 1000);
	CHECK_INT("not charging by current", st.charging_since_ms, 0);

	/* overtemp: held, major, hysteresis */
	mkstate(&st);
	CHECK_INT("overtemp: 70: nothing yet", ev(&d, &st, RD({ RF_TEMP_C, 70 }), T0), 0);
	CHECK_INT("overtemp: 60 is not above: hold resets", ev(&d, &st, RD({ RF_TEMP_C, 60 }), T0 + 1000), 0);
	ev(&d, &st, RD({ RF_TEMP_C, 65 }), T0 + 2000);
	CHECK_INT("overtemp: hold restarted", tk(&d, &st, T0 + 6999), 0);
	tk(&d, &st, T0 + 7000);
	c = only("overtemp: held", HZ_CHARGER_OVERTEMP, CHG_ACTIVE);
	CHECK_INT("overtemp: major", c ? (int)c->severity : -1, SEV_MAJOR);
	CHECK_STR("overtemp: detail", c ? c->detail : NULL, "temp_c 65 > max_temp_c 60");
	CHECK_INT("overtemp: 55 (above 54): no clear", ev(&d, &st, RD({ RF_TEMP_C, 55 }), T0 + 8000), 0);
	ev(&d, &st, RD({ RF_TEMP_C, 50 }), T0 + 9000);
	only("overtemp: 50: clear", HZ_CHARGER_OVERTEMP, CHG_CLEAR);

	/* overcurrent */
	mkstate(&st);
	ev(&d, &st, RD({ RF_CURRENT_A, 6 }, { RF_POWER_W, 1300 }), T0);
	CHECK("overcurrent: nothing before hold", find(HZ_CHARGER_OVERCURRENT, CHG_ACTIVE) == NULL);
	tk(&d, &st, T0 + 3000);
	CHECK("overcurrent: nothing at 3 s", find(HZ_CHARGER_OVERCURRENT, CHG_ACTIVE) == NULL);
	tk(&d, &st, T0 + 5000);
	c = find(HZ_CHARGER_OVERCURRENT, CHG_ACTIVE);
	CHECK("overcurrent: held", c != NULL);
	CHECK_INT("overcurrent: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK("overcurrent: overcharge came with it (3.6 s of charging)",
	      find(HZ_OVERCHARGE, CHG_ACTIVE) != NULL);
	CHECK_INT("overcurrent: 4.6 A: no clear", ev(&d, &st, RD({ RF_CURRENT_A, 4.6 }), T0 + 6000), 0);
	ev(&d, &st, RD({ RF_CURRENT_A, 4 }), T0 + 7000);
	only("overcurrent: 4 A: clear", HZ_CHARGER_OVERCURRENT, CHG_CLEAR);
}

static void test_common_flags(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	const struct hazard_change *c;

	mkstate(&st);
	ev(&d, &st, RD({ RF_BATTERY, 20 }), T0);
	c = only("battery 20: low", HZ_LOW_BATTERY, CHG_ACTIVE);
	CHECK_INT("low battery: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_STR("low battery: detail", c ? c->detail : NULL, "battery 20 <= battery_low_pct 20");
	CHECK_INT("battery 25: not cleared (needs > 25)", ev(&d, &st, RD({ RF_BATTERY, 25 }), T0 + 1), 0);
	ev(&d, &st, RD({ RF_BATTERY, 26 }), T0 + 2);
	only("battery 26: clear", HZ_LOW_BATTERY, CHG_CLEAR);
	CHECK_INT("battery 21: above the threshold: nothing", ev(&d, &st, RD({ RF_BATTERY, 21 }), T0 + 3), 0);

	ev(&d, &st, RD({ RF_TAMPER, 1 }), T0 + 4);
	c = only("tamper", HZ_TAMPER, CHG_ACTIVE);
	CHECK_INT("tamper: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_INT("tamper: absent: nothing", ev(&d, &st, RD({ RF_BATTERY, 90 }), T0 + 5), 0);
	ev(&d, &st, RD({ RF_TAMPER, 0 }), T0 + 6);
	only("tamper off: clear", HZ_TAMPER, CHG_CLEAR);

	ev(&d, &st, RD({ RF_FAULT, 1 }), T0 + 7);
	c = only("fault", HZ_DETECTOR_FAULT, CHG_ACTIVE);
	CHECK_INT("fault: general", c ? (int)c->severity : -1, SEV_GENERAL);
	ev(&d, &st, RD({ RF_FAULT, 0 }), T0 + 8);
	only("fault off: clear", HZ_DETECTOR_FAULT, CHG_CLEAR);

	/* battery_low_pct 0 disables the rule */
	d.rules.battery_low_pct = 0;
	mkstate(&st);
	CHECK_INT("battery_low_pct 0: battery 0 raises nothing", ev(&d, &st, RD({ RF_BATTERY, 0 }), T0), 0);

	/* a charger has tamper/fault/battery too */
	d = mkdev(DEV_EBIKE_CHARGER);
	mkstate(&st);
	ev(&d, &st, RD({ RF_FAULT, 1 }), T0);
	only("charger fault", HZ_DETECTOR_FAULT, CHG_ACTIVE);
}

static void test_restore(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	const struct hazard_change *c;

	mkstate(&st);
	rules_restore(&st, HZ_GAS_LEAK, SEV_MAJOR, false);
	CHECK("restore: slot active", rules_active(&st, HZ_GAS_LEAK));
	CHECK_INT("restore: continuing alarm: no duplicate ACTIVE",
		  ev(&d, &st, RD({ RF_ALARM, 1 }), T0), 0);
	CHECK_INT("restore: high level held: no duplicate, no escalate",
		  ev(&d, &st, RD({ RF_ALARM, 1 }, { RF_GAS_LEL, 70 }), T0 + 10000) +
		  tk(&d, &st, T0 + 20000), 0);
	CHECK_INT("restore: low level: no de-escalation",
		  ev(&d, &st, RD({ RF_ALARM, 1 }, { RF_GAS_LEL, 30 }), T0 + 30000), 0);
	CHECK_INT("restore: severity kept", rules_severity(&st, HZ_GAS_LEAK), SEV_MAJOR);
	ev(&d, &st, RD({ RF_ALARM, 0 }, { RF_GAS_LEL, 3 }), T0 + 40000);
	c = only("restore: clears normally", HZ_GAS_LEAK, CHG_CLEAR);
	CHECK_INT("restore: clear carries the restored severity", c ? (int)c->severity : -1, SEV_MAJOR);

	mkstate(&st);
	rules_restore(&st, HZ_TAMPER, SEV_GENERAL, false);
	rules_restore(&st, HZ_LOW_BATTERY, SEV_GENERAL, false);
	CHECK_INT("restore: tamper and battery continue: nothing",
		  ev(&d, &st, RD({ RF_TAMPER, 1 }, { RF_BATTERY, 5 }), T0), 0);
	CHECK_INT("restore: a tick with nothing known changes nothing", tk(&d, &st, T0 + 1), 0);
	rules_restore(&st, HZ_SMOKE_ALARM, SEV_MAJOR, false);
	rules_restore(&st, HZ_SMOKE_ALARM, SEV_GENERAL, false);
	CHECK_INT("restore twice: the worse severity stays", rules_severity(&st, HZ_SMOKE_ALARM), SEV_MAJOR);
	rules_restore(&st, HZ_TYPE_COUNT, SEV_MAJOR, false);       /* ignored, no crash */
	CHECK("restore: out-of-range type ignored", true);
}

static void test_missing_fields(void)
{
	struct device_cfg g = mkdev(DEV_GAS_DETECTOR), s = mkdev(DEV_SMOKE_ALARM),
			  e = mkdev(DEV_EBIKE_CHARGER);
	struct device_state st;
	int n = 0, i;

	/* nothing known: nothing raised by eval or tick, for every kind */
	mkstate(&st);
	n += ev(&g, &st, RD_EMPTY(), T0) + tk(&g, &st, T0 + 100000);
	mkstate(&st);
	n += ev(&s, &st, RD_EMPTY(), T0) + tk(&s, &st, T0 + 100000);
	mkstate(&st);
	n += ev(&e, &st, RD({ RF_VOLTAGE_V, 230 }), T0) + tk(&e, &st, T0 + 100000);
	CHECK_INT("missing: an empty or unrelated reading raises nothing", n, 0);
	CHECK_INT("missing: charger without power/current is not charging", st.charging_since_ms, 0);

	/* everything active, then messages that carry none of it */
	g.rules.hold_s = 0;
	mkstate(&st);
	ev(&g, &st, RD({ RF_GAS_LEL, 30 }, { RF_BATTERY, 10 }, { RF_TAMPER, 1 }, { RF_FAULT, 1 }), T0);
	CHECK_INT("missing: four raised", nch, 4);
	n = 0;
	n += ev(&g, &st, RD_EMPTY(), T0 + 1000);
	n += ev(&g, &st, RD({ RF_VOLTAGE_V, 3 }), T0 + 2000);
	n += ev(&g, &st, RD({ RF_TEST, 0 }), T0 + 3000);
	n += tk(&g, &st, T0 + 4000);
	CHECK_INT("missing: nothing clears", n, 0);
	for (i = 0; i < HZ_TYPE_COUNT; i++)
		n += rules_active(&st, i);
	CHECK_INT("missing: four slots still active", n, 4);

	/* a charger's analog hazards survive messages without their fields */
	e.rules.hold_s = 0;
	mkstate(&st);
	ev(&e, &st, RD({ RF_TEMP_C, 80 }, { RF_CURRENT_A, 9 }), T0);
	CHECK_INT("missing: overtemp and overcurrent raised", nch, 2);
	CHECK_INT("missing: charger message without temp/current clears nothing",
		  ev(&e, &st, RD({ RF_VOLTAGE_V, 230 }), T0 + 1000) + tk(&e, &st, T0 + 2000), 0);

	/* restored after a restart, before the field was ever seen again */
	mkstate(&st);
	rules_restore(&st, HZ_CHARGER_OVERTEMP, SEV_MAJOR, false);
	rules_restore(&st, HZ_CHARGER_OVERCURRENT, SEV_GENERAL, false);
	rules_restore(&st, HZ_OVERCHARGE, SEV_GENERAL, false);
	CHECK_INT("missing: restored charger hazards kept by a voltage-only message",
		  ev(&e, &st, RD({ RF_VOLTAGE_V, 230 }), T0) + tk(&e, &st, T0 + 1000), 0);
	ev(&e, &st, RD({ RF_TEMP_C, 20 }), T0 + 2000);
	only("missing: temp_c arrives low: overtemp clears", HZ_CHARGER_OVERTEMP, CHG_CLEAR);

	/* the state carries what a message left out, except the test bit */
	mkstate(&st);
	ev(&g, &st, RD({ RF_GAS_LEL, 12 }, { RF_TEST, 1 }, { RF_ALARM, 1 }), T0);
	ev(&g, &st, RD({ RF_BATTERY, 90 }), T0 + 1);
	CHECK("state: gas_lel carried", reading_has(&st.last, RF_GAS_LEL));
	CHECK_DBL("state: gas_lel value", st.last.val[RF_GAS_LEL], 12);
	CHECK("state: battery merged", reading_has(&st.last, RF_BATTERY));
	CHECK("state: test is per message", !reading_has(&st.last, RF_TEST));
	CHECK("state: a self-test's alarm flag is not state", !reading_has(&st.last, RF_ALARM));

	/* a smoke alarm without its flag in the message stays as it was */
	mkstate(&st);
	ev(&s, &st, RD({ RF_SMOKE, 1 }), T0);
	CHECK_INT("missing: smoke stays on without the flag",
		  ev(&s, &st, RD({ RF_BATTERY, 80 }), T0 + 1) + tk(&s, &st, T0 + 2), 0);
}

static void test_buffer_full(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	struct reading r = RD({ RF_TAMPER, 1 }, { RF_FAULT, 1 });
	struct hazard_change one[1];
	int n;

	mkstate(&st);
	n = rules_eval(&d, &st, &r, T0, one, 1);
	CHECK_INT("max 1: one change returned", n, 1);
	CHECK_INT("max 1: the first is tamper", one[0].type, HZ_TAMPER);
	CHECK("max 1: the dropped one is not marked active", !rules_active(&st, HZ_DETECTOR_FAULT));
	n = rules_tick(&d, &st, T0 + 1000, one, 1);
	CHECK_INT("max 1: the next call delivers it", n, 1);
	CHECK_INT("max 1: fault now", one[0].type, HZ_DETECTOR_FAULT);
	CHECK_INT("max 0: nothing", rules_tick(&d, &st, T0 + 2000, one, 0), 0);
}

/*
 * Availability messages: an explicit offline raises at once, online or any
 * other message clears; silence still raises after heartbeat_s.
 */
static void test_availability(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	const struct hazard_change *c;

	d.heartbeat_s = 60;
	mkstate(&st);
	ev(&d, &st, RD({ RF_ONLINE, 0 }), T0 + 1000);
	c = only("availability: offline raises at once", HZ_DEVICE_OFFLINE, CHG_ACTIVE);
	CHECK_STR("availability: detail", c ? c->detail : NULL, "device reported offline");
	CHECK_INT("availability: offline again: nothing new",
		  ev(&d, &st, RD({ RF_ONLINE, 0 }), T0 + 2000), 0);
	CHECK_INT("availability: heartbeat tick does not repeat it",
		  tk(&d, &st, T0 + 200000), 0);
	CHECK("availability: online is not merged into the state",
	      !reading_has(&st.last, RF_ONLINE));
	ev(&d, &st, RD({ RF_ONLINE, 1 }), T0 + 300000);
	c = only("availability: online clears", HZ_DEVICE_OFFLINE, CHG_CLEAR);
	CHECK_STR("availability: clear detail", c ? c->detail : NULL, "device reported online");
	ev(&d, &st, RD({ RF_ONLINE, 0 }), T0 + 301000);
	only("availability: offline once more", HZ_DEVICE_OFFLINE, CHG_ACTIVE);
	ev(&d, &st, RD({ RF_BATTERY, 90 }), T0 + 302000);
	only("availability: any report clears it", HZ_DEVICE_OFFLINE, CHG_CLEAR);
	CHECK_INT("availability: silence within heartbeat: nothing",
		  tk(&d, &st, T0 + 302000 + 60000), 0);
	tk(&d, &st, T0 + 302000 + 61000);
	only("availability: silence still raises", HZ_DEVICE_OFFLINE, CHG_ACTIVE);

	/* an offline message does not clear an alarm the device had raised */
	mkstate(&st);
	ev(&d, &st, RD({ RF_SMOKE, 1 }), T0);
	ev(&d, &st, RD({ RF_ONLINE, 0 }), T0 + 1000);
	only("availability: offline during smoke: offline only", HZ_DEVICE_OFFLINE, CHG_ACTIVE);
	CHECK("availability: smoke still active", rules_active(&st, HZ_SMOKE_ALARM));
}

/* battery_low: a device's own flag, for devices that send no percent. */
static void test_battery_low_flag(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	const struct hazard_change *c;

	mkstate(&st);
	CHECK_INT("battery_low false alone: nothing",
		  ev(&d, &st, RD({ RF_BATTERY_LOW, 0 }), T0), 0);
	ev(&d, &st, RD({ RF_BATTERY_LOW, 1 }), T0 + 1000);
	c = only("battery_low true raises", HZ_LOW_BATTERY, CHG_ACTIVE);
	CHECK_STR("battery_low: detail", c ? c->detail : NULL, "battery_low flag");
	CHECK_INT("battery_low true again: nothing",
		  ev(&d, &st, RD({ RF_BATTERY_LOW, 1 }), T0 + 2000), 0);
	ev(&d, &st, RD({ RF_BATTERY_LOW, 0 }), T0 + 3000);
	only("battery_low false clears", HZ_LOW_BATTERY, CHG_CLEAR);

	/* the flag cannot clear what the percent still shows */
	mkstate(&st);
	ev(&d, &st, RD({ RF_BATTERY, 10 }, { RF_BATTERY_LOW, 0 }), T0);
	only("percent low with the flag off raises", HZ_LOW_BATTERY, CHG_ACTIVE);
	CHECK_INT("flag off, percent still low: stays",
		  ev(&d, &st, RD({ RF_BATTERY_LOW, 0 }), T0 + 1000), 0);
	/* nor the percent what the flag says */
	mkstate(&st);
	ev(&d, &st, RD({ RF_BATTERY, 96.5 }, { RF_BATTERY_LOW, 1 }), T0);
	only("flag on with a good percent raises", HZ_LOW_BATTERY, CHG_ACTIVE);
	CHECK_INT("flag on, percent good: stays",
		  ev(&d, &st, RD({ RF_BATTERY, 97 }), T0 + 1000), 0);
	ev(&d, &st, RD({ RF_BATTERY_LOW, 0 }), T0 + 2000);
	only("flag off, percent good: clears", HZ_LOW_BATTERY, CHG_CLEAR);

	d.rules.battery_low_pct = 0;
	mkstate(&st);
	CHECK_INT("battery_low_pct 0 disables the flag too",
		  ev(&d, &st, RD({ RF_BATTERY_LOW, 1 }), T0), 0);
}

/* Self-tests are counted once per press and never raise. */
static void test_self_test_count(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;

	mkstate(&st);
	CHECK_INT("press: no hazard", ev(&d, &st, RD({ RF_TEST, 1 }, { RF_GAS, 1 }), T0), 0);
	CHECK_INT("press: counted", st.self_tests, 1);
	ev(&d, &st, RD({ RF_TEST, 1 }, { RF_GAS, 1 }), T0 + 500);
	CHECK_INT("held: counted once", st.self_tests, 1);
	ev(&d, &st, RD({ RF_ONLINE, 1 }), T0 + 600);
	CHECK_INT("availability in between: no effect", st.self_tests, 1);
	CHECK_INT("release with gas false: no hazard",
		  ev(&d, &st, RD({ RF_TEST, 0 }, { RF_GAS, 0 }), T0 + 1000), 0);
	ev(&d, &st, RD({ RF_TEST, 1 }), T0 + 2000);
	CHECK_INT("second press: counted", st.self_tests, 2);
	ev(&d, &st, RD({ RF_BATTERY, 90 }), T0 + 3000);
	ev(&d, &st, RD({ RF_TEST, 1 }), T0 + 4000);
	CHECK_INT("a message without test ends the press", st.self_tests, 3);
	CHECK("never a gas hazard", !rules_active(&st, HZ_GAS_LEAK));
}

/* CO detectors, gas ppm by gas kind, over-power, unreadable payloads. */
static void test_co_alarm(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR), sm = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	const struct hazard_change *c;

	d.rules.hold_s = 0;
	d.gas = GAS_CO;
	mkstate(&st);
	ev(&d, &st, RD({ RF_ALARM, 1 }), T0);
	c = only("co detector: alarm flag", HZ_CO_ALARM, CHG_ACTIVE);
	CHECK_STR("co detector: alarm flag: detail", c ? c->detail : NULL, "alarm flag");
	CHECK("co detector: alarm flag: no gas_leak", !rules_active(&st, HZ_GAS_LEAK));
	ev(&d, &st, RD({ RF_ALARM, 0 }), T0 + 1000);
	only("co detector: flag off clears", HZ_CO_ALARM, CHG_CLEAR);
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS, 1 }, { RF_CO_PPM, 300 }), T0);
	c = only("co detector: gas flag with co_ppm high", HZ_CO_ALARM, CHG_ACTIVE);
	CHECK_INT("co detector: major", c ? (int)c->severity : -1, SEV_MAJOR);
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_PPM, 60 }), T0);
	c = only("co detector: gas_ppm is CO ppm", HZ_CO_ALARM, CHG_ACTIVE);
	CHECK_INT("co detector: gas_ppm 60: general", c ? (int)c->severity : -1, SEV_GENERAL);

	/* natural gas detector: its alarm flag is a gas leak */
	d.gas = GAS_NATURAL;
	mkstate(&st);
	ev(&d, &st, RD({ RF_ALARM, 1 }), T0);
	only("natural gas detector: alarm flag", HZ_GAS_LEAK, CHG_ACTIVE);
	/* the carbon_monoxide flag raises co_alarm on any kind */
	sm.rules.hold_s = 0;
	mkstate(&st);
	ev(&sm, &st, RD({ RF_CO, 1 }), T0);
	c = only("smoke alarm with carbon_monoxide flag", HZ_CO_ALARM, CHG_ACTIVE);
	CHECK_STR("carbon_monoxide flag: detail", c ? c->detail : NULL, "carbon_monoxide flag");
	CHECK("carbon_monoxide flag: no smoke alarm", !rules_active(&st, HZ_SMOKE_ALARM));
	ev(&sm, &st, RD({ RF_CO, 0 }), T0 + 1000);
	only("carbon_monoxide flag off clears", HZ_CO_ALARM, CHG_CLEAR);
}

static void test_gas_ppm(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	const struct hazard_change *c;

	CHECK_DBL("ppm per %LEL: natural gas", rules_ppm_per_lel(GAS_NATURAL), 500);
	CHECK_DBL("ppm per %LEL: lpg", rules_ppm_per_lel(GAS_LPG), 210);
	CHECK_DBL("ppm per %LEL: co has none", rules_ppm_per_lel(GAS_CO), 0);
	d.rules.hold_s = 0;
	/* 12,500 ppm methane = 25 %LEL: the low alarm */
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_PPM, 12500 }), T0);
	c = only("natural gas 12500 ppm", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("natural gas 12500 ppm: general", c ? (int)c->severity : -1, SEV_GENERAL);
	CHECK_STR("natural gas 12500 ppm: detail", c ? c->detail : NULL,
		  "gas_ppm 12500 (25 %LEL) >= lel_low 25");
	mkstate(&st);
	CHECK_INT("natural gas 5000 ppm (10 %LEL): nothing",
		  ev(&d, &st, RD({ RF_GAS_PPM, 5000 }), T0), 0);
	/* the same ppm of LPG is 59.5 %LEL: the high alarm */
	d.gas = GAS_LPG;
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_PPM, 12500 }), T0);
	c = only("lpg 12500 ppm", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("lpg 12500 ppm: major", c ? (int)c->severity : -1, SEV_MAJOR);
	mkstate(&st);
	ev(&d, &st, RD({ RF_GAS_PPM, 5300 }), T0);
	c = only("lpg 5300 ppm (25.2 %LEL)", HZ_GAS_LEAK, CHG_ACTIVE);
	CHECK_INT("lpg 5300 ppm: general", c ? (int)c->severity : -1, SEV_GENERAL);
	/* a saturated reading is kept marked in the known state */
	mkstate(&st);
	{
		struct reading r = RD({ RF_GAS_LEL, 100 }, { RF_ALARM, 1 });

		r.over = 1u << RF_GAS_LEL;
		ev(&d, &st, r, T0);
		c = only("saturated gas_lel with alarm flag", HZ_GAS_LEAK, CHG_ACTIVE);
		CHECK_INT("saturated: major", c ? (int)c->severity : -1, SEV_MAJOR);
		CHECK_INT("saturated: over mark merged", st.last.over, 1u << RF_GAS_LEL);
		ev(&d, &st, RD({ RF_GAS_LEL, 60 }), T0 + 1000);
		CHECK_INT("a later in-range value drops the mark", st.last.over, 0);
	}
}

static void test_overpower(void)
{
	struct device_cfg d = mkdev(DEV_EBIKE_CHARGER);
	struct device_state st;
	const struct hazard_change *c;

	d.rules.max_power_w = 1000;     /* clears below 900 */
	d.rules.max_charge_h = 0;
	mkstate(&st);
	CHECK_INT("overpower: nothing before hold",
		  ev(&d, &st, RD({ RF_POWER_W, 1500 }), T0), 0);
	tk(&d, &st, T0 + 5000);
	c = only("overpower after hold", HZ_CHARGER_OVERPOWER, CHG_ACTIVE);
	CHECK_STR("overpower: detail", c ? c->detail : NULL, "power_w 1500 > max_power_w 1000");
	CHECK_INT("overpower: 950 held by hysteresis",
		  ev(&d, &st, RD({ RF_POWER_W, 950 }), T0 + 6000), 0);
	ev(&d, &st, RD({ RF_POWER_W, 850 }), T0 + 7000);
	only("overpower: 850 clears", HZ_CHARGER_OVERPOWER, CHG_CLEAR);
	mkstate(&st);
	ev(&d, &st, RD({ RF_POWER_W, 1500 }), T0);
	ev(&d, &st, RD({ RF_POWER_W, 800 }), T0 + 3000);
	CHECK_INT("overpower: a dip restarts the hold", tk(&d, &st, T0 + 5000), 0);
	d.rules.max_power_w = 0;
	mkstate(&st);
	ev(&d, &st, RD({ RF_POWER_W, 5000 }), T0);
	CHECK_INT("max_power_w 0: off", tk(&d, &st, T0 + 60000), 0);
}

static void test_unreadable(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	const struct hazard_change *c;

	d.rules.unreadable_n = 3;
	mkstate(&st);
	nch = rules_unreadable(&d, &st, T0, ch, MAX_CHANGES);
	CHECK_INT("unreadable 1 of 3: nothing", nch, 0);
	nch = rules_unreadable(&d, &st, T0 + 1, ch, MAX_CHANGES);
	CHECK_INT("unreadable 2 of 3: nothing", nch, 0);
	nch = rules_unreadable(&d, &st, T0 + 2, ch, MAX_CHANGES);
	c = only("unreadable 3 of 3", HZ_PAYLOAD_UNREADABLE, CHG_ACTIVE);
	CHECK_STR("unreadable: detail", c ? c->detail : NULL,
		  "3 unreadable payloads in a row (unreadable_n 3)");
	nch = rules_unreadable(&d, &st, T0 + 3, ch, MAX_CHANGES);
	CHECK_INT("unreadable 4: already raised", nch, 0);
	ev(&d, &st, RD({ RF_SMOKE, 0 }), T0 + 4);
	CHECK("a readable payload clears it", find(HZ_PAYLOAD_UNREADABLE, CHG_CLEAR) != NULL);
	CHECK_INT("the run restarts", (int)st.unreadable_run, 0);
	nch = rules_unreadable(&d, &st, T0 + 5, ch, MAX_CHANGES);
	nch += rules_unreadable(&d, &st, T0 + 6, ch, MAX_CHANGES);
	CHECK_INT("two after a readable one: nothing", nch, 0);
	/* a readable one in between breaks the run */
	ev(&d, &st, RD({ RF_SMOKE, 0 }), T0 + 7);
	nch = rules_unreadable(&d, &st, T0 + 8, ch, MAX_CHANGES);
	CHECK_INT("the run broke: nothing", nch, 0);
	d.rules.unreadable_n = 0;
	mkstate(&st);
	for (int i = 0; i < 20; i++)
		nch = rules_unreadable(&d, &st, T0 + i, ch, MAX_CHANGES);
	CHECK_INT("unreadable_n 0: off", nch, 0);
}

/* A rule the file turns off (a reload to 0) ends what it raised, on the
 * next evaluation of the last state; nothing is left open forever. */
static void test_rule_turned_off(void)
{
	struct device_cfg d = mkdev(DEV_EBIKE_CHARGER), g = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;

	d.rules.hold_s = 0;
	mkstate(&st);
	ev(&d, &st, RD({ RF_TEMP_C, 70 }), T0);
	CHECK("off: overtemp raised", find(HZ_CHARGER_OVERTEMP, CHG_ACTIVE) != NULL);
	d.rules.max_temp_c = 0;
	tk(&d, &st, T0 + 1000);
	CHECK("off: max_temp_c 0 ends the overtemp", find(HZ_CHARGER_OVERTEMP, CHG_CLEAR) != NULL);
	CHECK_STR("off: the reason", nch ? ch[0].detail : NULL, "max_temp_c is 0: rule turned off");
	CHECK_INT("off: once", tk(&d, &st, T0 + 2000), 0);
	/* a narrower rule judges the same last state at once */
	d.rules.max_temp_c = 80;
	mkstate(&st);
	ev(&d, &st, RD({ RF_TEMP_C, 70 }), T0);
	CHECK("narrowed: nothing at 80", find(HZ_CHARGER_OVERTEMP, CHG_ACTIVE) == NULL);
	d.rules.max_temp_c = 45;
	tk(&d, &st, T0 + 1000);
	CHECK("narrowed: 45 raises on the last reading", find(HZ_CHARGER_OVERTEMP, CHG_ACTIVE) != NULL);
	mkstate(&st);
	ev(&g, &st, RD({ RF_BATTERY, 10 }), T0);
	CHECK("off: low battery raised", find(HZ_LOW_BATTERY, CHG_ACTIVE) != NULL);
	g.rules.battery_low_pct = 0;
	tk(&g, &st, T0 + 1000);
	CHECK("off: battery_low_pct 0 ends low battery", find(HZ_LOW_BATTERY, CHG_CLEAR) != NULL);
}

int main(void)
{
	test_rule_turned_off();
	test_co_alarm();
	test_gas_ppm();
	test_overpower();
	test_unreadable();
	test_names_priority();
	test_debounce();
	test_flutter();
	test_hysteresis();
	test_escalation();
	test_gas_flags();
	test_smoke();
	test_self_test();
	test_offline();
	test_charger();
	test_common_flags();
	test_restore();
	test_missing_fields();
	test_buffer_full();
	test_availability();
	test_battery_low_flag();
	test_self_test_count();
	TEST_DONE();
}
