/*
 * rules.c: turns readings into hazard changes.  Pure: no I/O, no clock;
 * time arrives as monotonic now_ms and everything remembered between calls
 * lives in the caller's struct device_state.
 *
 * The rules judge the device's last known state, not the last message
 * alone.  rules_eval merges each reading into st->last (a field the
 * message did not carry keeps its previous value), then rules_eval and
 * rules_tick run the same checks over st->last.  So a missing field can
 * neither raise nor clear anything, and a hold can expire from rules_tick
 * even when the device reports only on change or a battery-only message
 * came in between.  A field that never arrived stays absent; no rule reads
 * it.
 *
 * Alarm thresholds of 0 or less disable their rule, and only the file can
 * set a 0 (config.c: battery_low_pct, max_temp_c, max_current_a,
 * max_power_w, unreadable_n; never through set-rules): a mains-powered
 * detector leaves battery_low_pct 0, and a zero never becomes "battery 0
 * <= 0" forever.  A hazard open when its rule is turned off (a reload)
 * ends at the next evaluation rather than staying open with nothing left
 * to clear it.  hold_s 0 means at once; charging_w 0 means any draw counts
 * as charging.
 *
 * A condition that keeps ending and coming back is flapping (flap_window_s,
 * flap_count, settle_s; see slot_raise): it stays one active record until
 * it settles.  A slot's moves (raise, escalate, clear, the flapping run
 * and the settle clock) are rules_slot.c's.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "rules_slot.h"

/* hazard_type_name, severity_name, priority_name, hazard_priority():
 * core/types.c */

/* Low battery clears only above battery_low_pct + this many points. */
#define BATTERY_CLEAR_POINTS 5.0
/* Without a power reading, a charger drawing more than this is charging. */
#define CHARGING_MIN_A       0.05

/*
 * One explanation of an analog condition, kept as values: "gas_lel 62 >=
 * lel_low 20", "gas_ppm 12000 (24 %LEL) >= lel_low 20", "temp_c 50 <
 * clear level 54".  Most readings change nothing, and a rule's tick
 * re-judges every device, so the text is written (why_text) only for a
 * change that carries it; printing doubles was a third of a reading's
 * instructions when every pass wrote all of them.
 */
struct why {
	const char *field;      /* "gas_lel", "co_ppm", "gas_ppm (co)", ... */
	double      v;          /* the field's value */
	double      lel;        /* gas_ppm as %LEL; shown when has_lel */
	bool        has_lel;
	const char *op;         /* "<", ">=", ">" */
	const char *thr_name;   /* "clear level", "lel_low", ... */
	double      thr;
};

/* The label ("gas_lel 62") within 48 bytes, then the comparison, within
 * 64: the sizes the explanation has always had. */
static const char *why_text(const struct why *w, char out[64])
{
	char label[48];

	if (w->has_lel)
		snprintf(label, sizeof label, "%s %g (%.3g %%LEL)", w->field, w->v, w->lel);
	else
		snprintf(label, sizeof label, "%s %g", w->field, w->v);
	snprintf(out, 64, "%s %s %s %g", label, w->op, w->thr_name, w->thr);
	return out;
}

/*
 * One analog condition as read from the current state.  Levels: 0 below
 * the onset threshold, 1 low, 2 high.  held is "at or above the clear
 * level", the threshold less hysteresis, which keeps an active condition
 * on.  why[lvl] explains an onset at lvl; why[0] explains a clear.
 */
struct analog {
	bool known;
	int  level;
	bool held;
	struct why why[3];
};

static bool rules_hold_expired(const struct rules_ctx *c, int64_t since_ms)
{
	double hold_ms = c->dev->rules.hold_s * 1000.0;

	if (!(hold_ms > 0))
		return true;
	return (double)(c->now_ms - since_ms) >= hold_ms;
}

/* Hysteresis as a fraction in [0, 1]. */
static double rules_hyst(const struct rule_params *p)
{
	double h = p->hysteresis_pct / 100.0;

	if (!(h > 0))
		return 0;
	return h > 1 ? 1 : h;
}

/*
 * Debounce and hysteresis for one analog condition; sev_of[lvl] is the
 * severity an onset at lvl raises.
 *
 * While inactive, pending_ms is when the value first reached the onset
 * threshold and pending_level the lowest level seen since: the level that
 * has held the whole time.  Dropping below onset resets it, so a
 * fluttering value never outlasts the hold.  While active, pending tracks
 * a rise to a more severe level, which needs its own hold; any dip below
 * that level restarts it.  Clearing needs no hold: once below the clear
 * level the condition is gone.
 */
static void rules_analog_step(struct rules_ctx *c, enum hazard_type t,
			      const struct analog *a, const enum severity sev_of[3])
{
	struct device_state *st = c->st;
	struct rule_slot *s;
	char text[64];
	int lvl, plvl;

	if (!a->known)
		return;
	/* below the onset with nothing pending: the common reading of a
	 * device in normal state, decided by the bits alone */
	if (a->level == 0 && !rules_active(st, t)) {
		slot_pending_reset(st, t);
		return;
	}
	s = rules_slot(st, t);
	plvl = slot_pending_level(st, t);
	/* flapping and off (its clear deferred): a new onset must hold
	 * like any other before slot_raise folds it */
	if (rules_active(st, t) && !(s && s->off_since_ms)) {
		if (!a->held) {
			slot_clear(c, t, why_text(&a->why[0], text));
			return;
		}
		if (a->level == 0 || sev_of[a->level] <= rules_severity(st, t)) {
			slot_pending_reset(st, t);
			return;
		}
		if (!plvl || plvl != a->level)
			slot_pending_set(st, t, a->level, rules_mark(c->now_ms));
		if (!s || rules_hold_expired(c, s->pending_ms))
			slot_escalate(c, t, sev_of[a->level],
				      why_text(&a->why[a->level], text));
		return;
	}

	if (a->level == 0) {
		slot_pending_reset(st, t);
		return;
	}
	if (!plvl)
		slot_pending_set(st, t, a->level, rules_mark(c->now_ms));
	else if (a->level < plvl)
		slot_pending_set(st, t, a->level, 0);
	/* without a slot (never in a layout) there is no hold to count */
	if (s && !rules_hold_expired(c, s->pending_ms))
		return;
	lvl = slot_pending_level(st, t);
	if (!lvl)
		lvl = a->level;
	slot_raise(c, t, sev_of[lvl], why_text(&a->why[lvl], text));
	/*
	 * Raised at the level that held, while the value already stands
	 * higher: when it got there is not recorded (one timestamp per slot),
	 * so the higher level's hold starts now; at worst one extra hold_s.
	 */
	if (rules_active(st, t) && a->level > lvl && sev_of[a->level] > rules_severity(st, t))
		slot_pending_set(st, t, a->level, rules_mark(c->now_ms));
}

/*
 * One gas metric into a: label names it in the reason (field and shown
 * value, "gas_lel 62", "gas_ppm 12000 (24 %LEL)"), v is compared with the
 * thresholds.  The worse metric sets the level, either one at or above its
 * clear level keeps the hazard on.  The clear level derives from the low
 * threshold (from high if low is off).
 */
static void why_set(struct why *w, const struct why *label, const char *op,
		    const char *thr_name, double thr)
{
	*w = *label;
	w->op = op;
	w->thr_name = thr_name;
	w->thr = thr;
}

static void rules_gas_metric(struct analog *a, const struct why *label, double v,
			     double low, const char *low_name,
			     double high, const char *high_name, double hyst)
{
	double clear_at;
	int lvl = 0;

	if (low <= 0 && high <= 0)
		return;
	clear_at = (low > 0 ? low : high) * (1 - hyst);
	if (!a->known)
		why_set(&a->why[0], label, "<", "clear level", clear_at);
	a->known = true;
	if (v >= clear_at)
		a->held = true;
	if (high > 0 && v >= high)
		lvl = 2;
	else if (low > 0 && v >= low)
		lvl = 1;
	if (lvl >= 1 && a->level < 1) {
		if (low > 0 && v >= low)
			why_set(&a->why[1], label, ">=", low_name, low);
		else
			why_set(&a->why[1], label, ">=", high_name, high);
	}
	if (lvl == 2 && a->level < 2)
		why_set(&a->why[2], label, ">=", high_name, high);
	if (lvl > a->level)
		a->level = lvl;
}

/*
 * Lower explosive limits, % by volume in air, as IEC 60079-20-1 lists
 * them: methane (natural gas) 4.4 (the older and still widely printed
 * figure, used by detector makers and GB 15322, is 5.0), propane 1.7-2.1,
 * butane 1.4-1.8.  1 % by volume is 10,000 ppm, so 1 %LEL is LEL x 100
 * ppm: natural gas 5.0 % -> 500 ppm per %LEL; LPG (propane-rich, taken as
 * 2.1 %) -> 210 ppm per %LEL.  Taking the higher LEL reads a lower %LEL for
 * the same ppm; the thresholds (25 %LEL and lower) leave the margin.
 */
double rules_ppm_per_lel(enum gas_kind gas)
{
	switch (gas) {
	case GAS_NATURAL:
		return 500.0;
	case GAS_LPG:
		return 210.0;
	case GAS_CO:
	case GAS_KIND_COUNT:
		break;
	}
	return 0;
}

/* A single "above max" condition (charger temperature, current). */
static void rules_above(struct analog *a, const struct reading *cur,
			enum reading_field f, double max, const char *max_name,
			double hyst)
{
	const char *name = reading_field_name[f];
	double v, clear_at;

	memset(a, 0, sizeof(*a));
	if (!reading_has(cur, f) || max <= 0)
		return;
	v = cur->val[f];
	clear_at = max * (1 - hyst);
	a->known = true;
	a->held = v >= clear_at;
	a->level = v > max ? 1 : 0;
	a->why[0] = (struct why){ .field = name, .v = v, .op = "<",
				  .thr_name = "clear level", .thr = clear_at };
	a->why[1] = (struct why){ .field = name, .v = v, .op = ">",
				  .thr_name = max_name, .thr = max };
}

/*
 * A detector's alarm: its own flag is trusted at once (the detector
 * debounced it already); the analog level alone must hold.  With a flag
 * on, the analog level only decides general or major, at once.  With the
 * flags off, the analog condition decides, so "alarm": false does not
 * clear a leak the concentration still shows.
 */
static void rules_flagged(struct rules_ctx *c, enum hazard_type t, bool flag_on,
			  const char *flag_name, bool flag_known,
			  const struct analog *a)
{
	static const enum severity sev_of[3] = { SEV_GENERAL, SEV_GENERAL, SEV_MAJOR };
	enum severity sev;
	char detail[96], text[64];

	if (flag_on) {
		sev = a->level == 2 ? SEV_MAJOR : SEV_GENERAL;
		if (sev == SEV_MAJOR)
			snprintf(detail, sizeof(detail), "%s flag, %s", flag_name,
				 why_text(&a->why[2], text));
		else
			snprintf(detail, sizeof(detail), "%s flag", flag_name);
		slot_raise(c, t, sev, detail);
		slot_escalate(c, t, sev, detail);
		if (rules_active(c->st, t))
			slot_pending_reset(c->st, t);
		return;
	}
	if (!a->known) {
		/* the flag is all we know of, and it says no alarm */
		if (flag_known)
			slot_clear(c, t, "alarm flag off");
		return;
	}
	rules_analog_step(c, t, a, sev_of);
}

static bool flag_on(const struct reading *cur, enum reading_field f)
{
	return reading_has(cur, f) && cur->val[f] != 0;
}

/*
 * Gas leak: the alarm/gas flags, gas_lel, and gas_ppm converted to %LEL by
 * the detector's gas.  On a CO detector the flags and gas_ppm mean carbon
 * monoxide and go to rules_co instead.
 */
static void rules_gas(struct rules_ctx *c, const struct reading *cur)
{
	const struct rule_params *p = &c->dev->rules;
	bool co = c->dev->gas == GAS_CO;
	bool alarm = !co && flag_on(cur, RF_ALARM);
	bool gas = !co && flag_on(cur, RF_GAS);
	bool flag_known = !co && (reading_has(cur, RF_ALARM) || reading_has(cur, RF_GAS));
	double hyst = rules_hyst(p), per = rules_ppm_per_lel(c->dev->gas), lel;
	struct analog a;
	struct why label;

	memset(&a, 0, sizeof(a));
	if (reading_has(cur, RF_GAS_LEL)) {
		label = (struct why){ .field = "gas_lel", .v = cur->val[RF_GAS_LEL] };
		rules_gas_metric(&a, &label, cur->val[RF_GAS_LEL], p->lel_low, "lel_low",
				 p->lel_high, "lel_high", hyst);
	}
	if (reading_has(cur, RF_GAS_PPM) && per > 0) {
		lel = cur->val[RF_GAS_PPM] / per;
		label = (struct why){ .field = "gas_ppm", .v = cur->val[RF_GAS_PPM],
				      .lel = lel, .has_lel = true };
		rules_gas_metric(&a, &label, lel, p->lel_low, "lel_low",
				 p->lel_high, "lel_high", hyst);
	}
	if (!a.known && !flag_known && !alarm && !gas)
		return;
	rules_flagged(c, HZ_GAS_LEAK, alarm || gas, alarm ? "alarm" : "gas",
		      flag_known, &a);
}

/*
 * Carbon monoxide, on any kind (dual smoke/CO alarms exist): the
 * carbon_monoxide flag and co_ppm with co_low_ppm/co_high_ppm; on a
 * gas detector whose gas is co, also its alarm/gas flags and gas_ppm.
 */
static void rules_co(struct rules_ctx *c, const struct reading *cur)
{
	const struct rule_params *p = &c->dev->rules;
	bool co_det = c->dev->kind == DEV_GAS_DETECTOR && c->dev->gas == GAS_CO;
	static const enum reading_field flags[] = { RF_CO, RF_ALARM, RF_GAS };
	static const enum reading_field ppm[] = { RF_CO_PPM, RF_GAS_PPM };
	const char *name = NULL;
	bool on = false, known = false;
	struct analog a;
	struct why label;
	size_t i;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		if (i > 0 && !co_det)
			break;
		known = known || reading_has(cur, flags[i]);
		if (!on && flag_on(cur, flags[i])) {
			on = true;
			name = reading_field_name[flags[i]];
		}
	}
	for (i = 0; i < sizeof ppm / sizeof ppm[0]; i++) {
		if ((i > 0 && !co_det) || !reading_has(cur, ppm[i]))
			continue;
		label = (struct why){ .field = i ? "gas_ppm (co)" : "co_ppm",
				      .v = cur->val[ppm[i]] };
		rules_gas_metric(&a, &label, cur->val[ppm[i]], p->co_low_ppm, "co_low_ppm",
				 p->co_high_ppm, "co_high_ppm", rules_hyst(p));
	}
	if (!a.known && !known)
		return;
	rules_flagged(c, HZ_CO_ALARM, on, name ? name : "co", known, &a);
}

/* Smoke: flags only, always major, no hold (the alarm already decided). */
static void rules_smoke(struct rules_ctx *c, const struct reading *cur)
{
	bool smoke = reading_has(cur, RF_SMOKE) && cur->val[RF_SMOKE] != 0;
	bool alarm = reading_has(cur, RF_ALARM) && cur->val[RF_ALARM] != 0;

	if (smoke || alarm)
		slot_raise(c, HZ_SMOKE_ALARM, SEV_MAJOR, smoke ? "smoke flag" : "alarm flag");
	else if (reading_has(cur, RF_SMOKE) || reading_has(cur, RF_ALARM))
		slot_clear(c, HZ_SMOKE_ALARM, "smoke flag off");
}

/*
 * Overcharge: charging is power_w > charging_w, or current_a > 0.05 for a
 * plug that reports no power.  charging_since_ms survives messages that
 * carry neither (their state is unknown, not "stopped").
 */
static void rules_charging(struct rules_ctx *c, const struct reading *cur)
{
	const struct rule_params *p = &c->dev->rules;
	struct device_state *st = c->st;
	bool charging;
	double hours;
	char detail[96];

	if (reading_has(cur, RF_POWER_W))
		charging = cur->val[RF_POWER_W] > p->charging_w;
	else if (reading_has(cur, RF_CURRENT_A))
		charging = cur->val[RF_CURRENT_A] > CHARGING_MIN_A;
	else
		return;
	if (!charging) {
		st->charging_since_ms = 0;
		if (!rules_active(st, HZ_OVERCHARGE))
			return;         /* nothing to clear: no text to write */
		if (reading_has(cur, RF_POWER_W))
			snprintf(detail, sizeof(detail), "power_w %g <= charging_w %g",
				 cur->val[RF_POWER_W], p->charging_w);
		else
			snprintf(detail, sizeof(detail), "current_a %g <= %g",
				 cur->val[RF_CURRENT_A], CHARGING_MIN_A);
		slot_clear(c, HZ_OVERCHARGE, detail);
		return;
	}
	if (st->charging_since_ms == 0)
		st->charging_since_ms = rules_mark(c->now_ms);
	if (!(p->max_charge_h > 0))
		return;
	hours = (double)(c->now_ms - st->charging_since_ms) / 3600000.0;
	if (hours >= p->max_charge_h) {
		snprintf(detail, sizeof(detail), "charging for %.2f h >= max_charge_h %g",
			 hours, p->max_charge_h);
		slot_raise(c, HZ_OVERCHARGE, SEV_GENERAL, detail);
	}
}

/* A rule the file turned off (0) ends what it raised. */
static void rules_off(struct rules_ctx *c, enum hazard_type t, double thr,
		      const char *name)
{
	char detail[96];

	if (thr > 0 || !rules_active(c->st, t))
		return;
	snprintf(detail, sizeof detail, "%s is 0: rule turned off", name);
	slot_end(c, t, detail);     /* at once, flapping or not */
}

static void rules_charger(struct rules_ctx *c, const struct reading *cur)
{
	static const enum severity temp_sev[3] = { SEV_MAJOR, SEV_MAJOR, SEV_MAJOR };
	static const enum severity amp_sev[3] = { SEV_GENERAL, SEV_GENERAL, SEV_GENERAL };
	const struct rule_params *p = &c->dev->rules;
	double hyst = rules_hyst(p);
	struct analog a;

	rules_off(c, HZ_CHARGER_OVERTEMP, p->max_temp_c, "max_temp_c");
	rules_off(c, HZ_CHARGER_OVERCURRENT, p->max_current_a, "max_current_a");
	rules_off(c, HZ_CHARGER_OVERPOWER, p->max_power_w, "max_power_w");
	rules_above(&a, cur, RF_TEMP_C, p->max_temp_c, "max_temp_c", hyst);
	rules_analog_step(c, HZ_CHARGER_OVERTEMP, &a, temp_sev);
	rules_above(&a, cur, RF_CURRENT_A, p->max_current_a, "max_current_a", hyst);
	rules_analog_step(c, HZ_CHARGER_OVERCURRENT, &a, amp_sev);
	rules_above(&a, cur, RF_POWER_W, p->max_power_w, "max_power_w", hyst);
	rules_analog_step(c, HZ_CHARGER_OVERPOWER, &a, amp_sev);
	rules_charging(c, cur);
}

/*
 * Low battery raises at once: batteries are reported seldom and fall
 * slowly, so a hold adds delay and no safety.  It clears only above
 * battery_low_pct + 5 points rather than by hysteresis_pct: cheap
 * detectors report in coarse steps that jitter by a few points whatever
 * the threshold, and 10 % of a 20 % threshold is a 2-point band.
 *
 * Devices that know no percent send their own battery_low flag; it raises
 * like a low percent.  Either source saying "low" keeps the hazard: the
 * flag off clears only if the percent (when known) agrees.
 * battery_low_pct 0 disables both.
 */
static void rules_battery(struct rules_ctx *c, const struct reading *cur)
{
	double low = c->dev->rules.battery_low_pct, v = 0;
	bool has_pct = reading_has(cur, RF_BATTERY);
	bool has_flag = reading_has(cur, RF_BATTERY_LOW);
	bool flag = has_flag && cur->val[RF_BATTERY_LOW] != 0;
	char detail[96];

	rules_off(c, HZ_LOW_BATTERY, low, "battery_low_pct");
	if ((!has_pct && !has_flag) || !(low > 0))
		return;
	if (has_pct)
		v = cur->val[RF_BATTERY];
	if (has_pct && v <= low) {
		snprintf(detail, sizeof(detail), "battery %g <= battery_low_pct %g", v, low);
		slot_raise(c, HZ_LOW_BATTERY, SEV_GENERAL, detail);
	} else if (flag) {
		slot_raise(c, HZ_LOW_BATTERY, SEV_GENERAL, "battery_low flag");
	} else if (has_pct && v > low + BATTERY_CLEAR_POINTS) {
		if (!rules_active(c->st, HZ_LOW_BATTERY))
			return;         /* nothing to clear: no text to write */
		snprintf(detail, sizeof(detail), "battery %g > %g", v, low + BATTERY_CLEAR_POINTS);
		slot_clear(c, HZ_LOW_BATTERY, detail);
	} else if (!has_pct) {
		slot_clear(c, HZ_LOW_BATTERY, "battery_low flag off");
	}
}

/* tamper, fault: a flag that the device sets and resets itself. */
static void rules_flag(struct rules_ctx *c, const struct reading *cur,
		       enum reading_field f, enum hazard_type t)
{
	char detail[96];

	if (!reading_has(cur, f))
		return;
	if (cur->val[f] != 0) {
		snprintf(detail, sizeof(detail), "%s flag", reading_field_name[f]);
		slot_raise(c, t, SEV_GENERAL, detail);
	} else if (rules_active(c->st, t)) {     /* else nothing to clear */
		snprintf(detail, sizeof(detail), "%s flag off", reading_field_name[f]);
		slot_clear(c, t, detail);
	}
}

/* Every state rule, over the merged state; shared by eval and tick. */
static void rules_apply(struct rules_ctx *c)
{
	const struct reading *cur = &c->st->last;

	switch (c->dev->kind) {
	case DEV_GAS_DETECTOR:
		rules_gas(c, cur);
		break;
	case DEV_SMOKE_ALARM:
		rules_smoke(c, cur);
		break;
	case DEV_EBIKE_CHARGER:
		rules_charger(c, cur);
		break;
	case DEV_KIND_COUNT:
		break;
	}
	rules_co(c, cur);
	rules_battery(c, cur);
	rules_flag(c, cur, RF_TAMPER, HZ_TAMPER);
	rules_flag(c, cur, RF_FAULT, HZ_DETECTOR_FAULT);
}

/*
 * Fold one reading into the known state.  A self-test (test: true) is not
 * evidence of the alarm state: detectors send alarm: true, or gas: false,
 * while the button is held, so its alarm/gas/smoke flags are left out and
 * cannot raise or clear anything.  Its other fields count.  "test" itself
 * describes one message, not a state, so it is never carried forward.
 */
static void rules_merge(struct reading *last, const struct reading *r)
{
	bool self_test = reading_has(r, RF_TEST) && r->val[RF_TEST] != 0;
	int f;

	for (f = 0; f < RF_COUNT; f++) {
		if (!reading_has(r, f) || f == RF_ONLINE)
			continue;
		if (self_test && (f == RF_ALARM || f == RF_GAS || f == RF_SMOKE ||
				  f == RF_CO))
			continue;
		reading_set(last, f, r->val[f]);
		/* a saturated value stays marked while it is the known one */
		last->over = (last->over & ~(1u << f)) | (r->over & (1u << f));
	}
	if (!reading_has(r, RF_TEST))
		last->present &= ~(1u << RF_TEST);
	last->ts_ms = r->ts_ms;
}

/*
 * Availability.  An explicit offline (LWT, zigbee2mqtt availability) is
 * the broker or bridge telling us the device is gone: device_offline at
 * once, no heartbeat wait.  Anything else from the device, an explicit
 * online included, proves it is there.  The slot is the state; "online"
 * describes one message and is not merged into st->last.
 */
static void rules_online(struct rules_ctx *c, const struct reading *r)
{
	if (reading_has(r, RF_ONLINE) && r->val[RF_ONLINE] == 0)
		slot_raise(c, HZ_DEVICE_OFFLINE, SEV_GENERAL, "device reported offline");
	else
		slot_clear(c, HZ_DEVICE_OFFLINE, reading_has(r, RF_ONLINE) ?
			   "device reported online" : "message received");
}

/* A self-test is counted once per press: the rising edge of "test". */
static void rules_count_test(struct device_state *st, const struct reading *r)
{
	bool test = reading_has(r, RF_TEST) && r->val[RF_TEST] != 0;

	if (reading_has(r, RF_ONLINE) && r->present == (1u << RF_ONLINE))
		return;         /* availability says nothing of the button */
	if (test && !st->testing)
		st->self_tests++;
	st->testing = test;
}

int rules_eval(const struct device_cfg *dev, struct device_state *st,
	       const struct reading *r, int64_t now_ms,
	       struct hazard_change *out, int max)
{
	struct rules_ctx c = { dev, st, now_ms, out, max, 0 };

	if (!dev || !st || !r || !out)
		return 0;
	st->last_seen_ms = now_ms;
	/* a readable payload ends a run of unreadable ones */
	st->unreadable_run = 0;
	slot_clear(&c, HZ_PAYLOAD_UNREADABLE, "a readable payload arrived");
	rules_count_test(st, r);
	rules_merge(&st->last, r);
	rules_online(&c, r);
	rules_apply(&c);
	return c.n;
}

int rules_unreadable(const struct device_cfg *dev, struct device_state *st,
		     int64_t now_ms, struct hazard_change *out, int max)
{
	struct rules_ctx c = { dev, st, now_ms, out, max, 0 };
	double n;
	char detail[96];

	if (!dev || !st || !out)
		return 0;
	st->unreadable_run++;
	n = dev->rules.unreadable_n;
	if (!(n >= 1) || (double)st->unreadable_run < n)
		return 0;
	snprintf(detail, sizeof(detail), "%llu unreadable payloads in a row (unreadable_n %g)",
		 (unsigned long long)st->unreadable_run, n);
	slot_raise(&c, HZ_PAYLOAD_UNREADABLE, SEV_GENERAL, detail);
	return c.n;
}

int rules_tick(const struct device_cfg *dev, struct device_state *st,
	       int64_t now_ms, struct hazard_change *out, int max)
{
	struct rules_ctx c = { dev, st, now_ms, out, max, 0 };
	int64_t silent_ms;
	char detail[96];

	if (!dev || !st || !out)
		return 0;
	silent_ms = now_ms - st->last_seen_ms;
	if (dev->heartbeat_s > 0 && silent_ms > (int64_t)dev->heartbeat_s * 1000) {
		snprintf(detail, sizeof(detail), "no message for %lld s (heartbeat_s %d)",
			 (long long)(silent_ms / 1000), dev->heartbeat_s);
		slot_raise(&c, HZ_DEVICE_OFFLINE, SEV_GENERAL, detail);
	}
	rules_apply(&c);
	rules_settle(&c);
	return c.n;
}

void rules_restore(struct device_state *st, enum hazard_type t, enum severity s,
		   bool flapping)
{
	struct rule_slot *slot;

	if (!st || (unsigned)t >= HZ_TYPE_COUNT)
		return;
	/* two open records of one type should not exist; keep the worse */
	if (!rules_active(st, t) || s > rules_severity(st, t))
		rules_set_active(st, t, true, s);
	st->active |= 1u << t;
	/* still one record: its later onsets fold into it (the count of
	 * those folded before the restart is lost; its occurrences keep
	 * what was written) */
	if (flapping)
		st->flapping |= 1u << t;
	if ((slot = rules_slot(st, t))) {
		slot->off_since_ms = 0;
		slot->folded = 0;
	}
	slot_pending_reset(st, t);
}
