/* test_rules_flap.c: flapping conditions (rules.c): detection, folding,
 * settling, and the ends that must not wait. */
#include <stdint.h>

#include "app.h"
#include "testing.h"

#define T0 1000000LL    /* monotonic ms; any non-zero base */

static struct hazard_change ch[MAX_CHANGES];
static int nch;

static struct reading rd1(int f, double v)
{
	struct reading r;

	memset(&r, 0, sizeof r);
	r.ts_ms = 1700000000000LL;
	reading_set(&r, f, v);
	return r;
}

static int ev(const struct device_cfg *d, struct device_state *st, struct reading r,
	      int64_t now)
{
	nch = rules_eval(d, st, &r, now, ch, MAX_CHANGES);
	return nch;
}

static int tk(const struct device_cfg *d, struct device_state *st, int64_t now)
{
	nch = rules_tick(d, st, now, ch, MAX_CHANGES);
	return nch;
}

/* The change of type t (and kind k), or NULL. */
static const struct hazard_change *find(enum hazard_type t, enum change_kind k)
{
	int i;

	for (i = 0; i < nch; i++)
		if (ch[i].type == t && ch[i].kind == k)
			return &ch[i];
	return NULL;
}

static struct device_cfg mkdev(enum device_kind kind)
{
	static char ids[DEV_KIND_COUNT][16];    /* the devices' ids outlive mkdev */
	struct device_cfg d;

	d = (struct device_cfg)DEVICE_CFG_BLANK;
	snprintf(ids[kind], sizeof ids[kind], "dev-%d", (int)kind);
	d.id = ids[kind];
	d.kind = kind;
	d.rules.lel_low = 25;
	d.rules.lel_high = 50;
	d.rules.hold_s = 5;
	d.rules.hysteresis_pct = 10;    /* gas clears below 22.5 %LEL */
	d.rules.max_temp_c = 60;        /* clears below 54 */
	d.rules.flap_window_s = 60;
	d.rules.flap_count = 3;
	d.rules.settle_s = 60;
	return d;
}

static struct rule_slot slots[HZ_TYPE_COUNT];

static void mkstate(struct device_state *st)
{
	memset(st, 0, sizeof *st);
	memset(slots, 0, sizeof slots);
	rules_state_init(st, DEV_KIND_COUNT, slots);
	st->last_seen_ms = T0;
}

/* Smoke on at t, off at t + 1 s: the three onsets that make it flap. */
static int64_t three_onsets(const struct device_cfg *d, struct device_state *st,
			    const char *name)
{
	const struct hazard_change *c;
	char buf[96];
	int64_t t = T0;
	int i;

	for (i = 1; i <= 3; i++, t += 2000) {
		ev(d, st, rd1(RF_SMOKE, 1), t);
		c = find(HZ_SMOKE_ALARM, CHG_ACTIVE);
		snprintf(buf, sizeof buf, "%s: onset %d raises", name, i);
		CHECK(buf, c != NULL);
		snprintf(buf, sizeof buf, "%s: onset %d flapping", name, i);
		CHECK_INT(buf, c ? c->flapping : -1, i == 3);
		if (i < 3) {
			ev(d, st, rd1(RF_SMOKE, 0), t + 1000);
			c = find(HZ_SMOKE_ALARM, CHG_CLEAR);
			snprintf(buf, sizeof buf, "%s: end %d clears at once", name, i);
			CHECK(buf, c != NULL && c->folded == 0);
		}
	}
	return t;       /* the third onset was at t - 2000 */
}

static void test_flap_fold_settle(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	const struct hazard_change *c;
	int64_t t;
	int i, changes = 0;

	mkstate(&st);
	t = three_onsets(&d, &st, "flap");
	CHECK_CONTAINS("flap: the onset says so", nch ? ch[0].detail : NULL,
		       "flapping, 3 onsets");
	/* from now on ends and onsets change nothing */
	for (i = 0; i < 200; i++, t += 100)
		changes += ev(&d, &st, rd1(RF_SMOKE, i % 2 == 0 ? 0 : 1), t);
	CHECK_INT("flap: 200 alternations, no change", changes, 0);
	CHECK("flap: the slot stays active", rules_active(&st, HZ_SMOKE_ALARM));
	CHECK_INT("flap: 100 onsets folded", rules_slot(&st, HZ_SMOKE_ALARM)->folded, 100);
	/* the last message was an onset (i = 199): it is on; then off */
	CHECK_INT("flap: off, no change", ev(&d, &st, rd1(RF_SMOKE, 0), t), 0);
	CHECK_INT("flap: 59.9 s off: still on", tk(&d, &st, t + 59900), 0);
	tk(&d, &st, t + 60000);
	c = find(HZ_SMOKE_ALARM, CHG_CLEAR);
	CHECK("flap: settled after settle_s: one clear", c != NULL && nch == 1);
	CHECK_INT("flap: the clear carries the folded onsets", c ? c->folded : -1, 100);
	CHECK_CONTAINS("flap: the clear says so", c ? c->detail : NULL,
		       "settled after 101 occurrences while flapping");
	CHECK("flap: inactive after the settle", !rules_active(&st, HZ_SMOKE_ALARM) &&
	      !rules_flapping(&st, HZ_SMOKE_ALARM) && rules_slot(&st, HZ_SMOKE_ALARM)->folded == 0);
	CHECK_INT("flap: once", tk(&d, &st, t + 61000), 0);
	/* back within flap_window_s of the settled end: flapping at once */
	ev(&d, &st, rd1(RF_SMOKE, 1), t + 62000);
	c = find(HZ_SMOKE_ALARM, CHG_ACTIVE);
	CHECK("flap: back soon after settling: flapping at once", c && c->flapping);
}

/* An onset while off but before settle_s restarts the settle clock. */
static void test_flap_settle_restarts(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	int64_t t;

	mkstate(&st);
	t = three_onsets(&d, &st, "restart");
	ev(&d, &st, rd1(RF_SMOKE, 0), t);
	CHECK_INT("restart: on again at 50 s", ev(&d, &st, rd1(RF_SMOKE, 1), t + 50000), 0);
	CHECK_INT("restart: off again at 51 s", ev(&d, &st, rd1(RF_SMOKE, 0), t + 51000), 0);
	CHECK_INT("restart: 61 s after the first end: still on", tk(&d, &st, t + 61000), 0);
	CHECK_INT("restart: 110 s: still on", tk(&d, &st, t + 110000), 0);
	tk(&d, &st, t + 111000);
	CHECK("restart: 60 s after the last end: cleared", find(HZ_SMOKE_ALARM, CHG_CLEAR) &&
	      ch[0].folded == 1);
}

/* Onsets further apart than flap_window_s, or flap_count 0: every end
 * clears at once, as before. */
static void test_no_flap(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	int64_t t = T0;
	int i, raised = 0, cleared = 0, flagged = 0;

	mkstate(&st);
	ev(&d, &st, rd1(RF_SMOKE, 1), t);
	ev(&d, &st, rd1(RF_SMOKE, 0), t + 1000);
	CHECK("single alarm: clears at once", find(HZ_SMOKE_ALARM, CHG_CLEAR) != NULL);
	for (i = 0; i < 5; i++, t += 62000) {
		ev(&d, &st, rd1(RF_SMOKE, 1), t);
		raised += find(HZ_SMOKE_ALARM, CHG_ACTIVE) != NULL;
		flagged += nch && ch[0].flapping;
		ev(&d, &st, rd1(RF_SMOKE, 0), t + 1000);
		cleared += find(HZ_SMOKE_ALARM, CHG_CLEAR) != NULL;
	}
	CHECK_INT("slow: every onset raises", raised, 5);
	CHECK_INT("slow: every end clears", cleared, 5);
	CHECK_INT("slow: none flapping", flagged, 0);

	d.rules.flap_count = 0;
	mkstate(&st);
	raised = cleared = flagged = 0;
	for (i = 0, t = T0; i < 10; i++, t += 200) {
		ev(&d, &st, rd1(RF_SMOKE, 1), t);
		raised += find(HZ_SMOKE_ALARM, CHG_ACTIVE) != NULL;
		flagged += nch && ch[0].flapping;
		ev(&d, &st, rd1(RF_SMOKE, 0), t + 100);
		cleared += find(HZ_SMOKE_ALARM, CHG_CLEAR) != NULL;
	}
	CHECK_INT("flap_count 0: every onset raises", raised, 10);
	CHECK_INT("flap_count 0: every end clears", cleared, 10);
	CHECK_INT("flap_count 0: none flapping", flagged, 0);
}

/* Turning flap detection off (a reload) ends a flapping condition that is
 * off at the next tick; one still on ends with its next end. */
static void test_flap_turned_off(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	int64_t t;

	mkstate(&st);
	t = three_onsets(&d, &st, "reload");
	ev(&d, &st, rd1(RF_SMOKE, 0), t);
	d.rules.flap_count = 0;
	tk(&d, &st, t + 1000);
	CHECK("reload: flap_count 0 ends it at the next tick",
	      find(HZ_SMOKE_ALARM, CHG_CLEAR) != NULL);

	d.rules.flap_count = 3;
	mkstate(&st);
	t = three_onsets(&d, &st, "reload on");
	d.rules.flap_count = 0;
	CHECK_INT("reload on: nothing while on", tk(&d, &st, t), 0);
	ev(&d, &st, rd1(RF_SMOKE, 0), t + 1000);
	CHECK("reload on: its end clears at once", find(HZ_SMOKE_ALARM, CHG_CLEAR) != NULL);
}

/* A rule turned off ends what it raised at once, flapping or not. */
static void test_flap_rule_off(void)
{
	struct device_cfg d = mkdev(DEV_EBIKE_CHARGER);
	struct device_state st;
	const struct hazard_change *c;
	int64_t t = T0;
	int i;

	d.rules.hold_s = 0;
	mkstate(&st);
	for (i = 0; i < 3; i++, t += 2000) {
		ev(&d, &st, rd1(RF_TEMP_C, 70), t);
		ev(&d, &st, rd1(RF_TEMP_C, 30), t + 1000);
	}
	CHECK("rule off: overtemp flapping", rules_flapping(&st, HZ_CHARGER_OVERTEMP) &&
	      rules_active(&st, HZ_CHARGER_OVERTEMP));
	ev(&d, &st, rd1(RF_TEMP_C, 70), t);
	CHECK_INT("rule off: a folded onset", rules_slot(&st, HZ_CHARGER_OVERTEMP)->folded, 1);
	d.rules.max_temp_c = 0;
	tk(&d, &st, t + 1000);
	c = find(HZ_CHARGER_OVERTEMP, CHG_CLEAR);
	CHECK("rule off: ends at once", c != NULL);
	CHECK_STR("rule off: the reason", c ? c->detail : NULL, "max_temp_c is 0: rule turned off");
	CHECK_INT("rule off: with the folded onset", c ? c->folded : -1, 1);
	CHECK("rule off: slot reset", !rules_active(&st, HZ_CHARGER_OVERTEMP) &&
	      !rules_flapping(&st, HZ_CHARGER_OVERTEMP));
}

/* Analog: a re-onset while the clear is deferred must hold like any onset
 * before it folds; one at a higher level escalates the record. */
static void test_flap_analog(void)
{
	struct device_cfg d = mkdev(DEV_GAS_DETECTOR);
	struct device_state st;
	const struct hazard_change *c;
	int64_t t = T0;
	int i, flagged = 0;

	mkstate(&st);
	for (i = 0; i < 3; i++) {
		ev(&d, &st, rd1(RF_GAS_LEL, 30), t);
		tk(&d, &st, t + 5000);
		c = find(HZ_GAS_LEAK, CHG_ACTIVE);
		CHECK("analog: onset after the hold", c != NULL);
		flagged += c && c->flapping;
		ev(&d, &st, rd1(RF_GAS_LEL, 10), t + 6000);
		t += 10000;
	}
	CHECK_INT("analog: the third onset is flapping", flagged, 1);
	CHECK("analog: third end deferred", nch == 0 && rules_active(&st, HZ_GAS_LEAK) &&
	      rules_slot(&st, HZ_GAS_LEAK)->off_since_ms == t - 4000);
	CHECK_INT("analog: in the band (24): no change", ev(&d, &st, rd1(RF_GAS_LEL, 24), t), 0);
	CHECK_INT("analog: band is not an onset", rules_slot(&st, HZ_GAS_LEAK)->folded, 0);
	CHECK_INT("analog: back above low: pending", ev(&d, &st, rd1(RF_GAS_LEL, 30), t + 1000), 0);
	CHECK_INT("analog: 4.9 s: not yet", tk(&d, &st, t + 5900), 0);
	CHECK_INT("analog: not folded before the hold", rules_slot(&st, HZ_GAS_LEAK)->folded, 0);
	CHECK_INT("analog: held 5 s: folded, no change", tk(&d, &st, t + 6000), 0);
	CHECK_INT("analog: one folded", rules_slot(&st, HZ_GAS_LEAK)->folded, 1);
	CHECK("analog: settle clock stopped", rules_slot(&st, HZ_GAS_LEAK)->off_since_ms == 0);
	/* off again, then high: the fold escalates */
	ev(&d, &st, rd1(RF_GAS_LEL, 10), t + 7000);
	CHECK_INT("analog: off again: no change", nch, 0);
	ev(&d, &st, rd1(RF_GAS_LEL, 70), t + 8000);
	tk(&d, &st, t + 13000);
	c = find(HZ_GAS_LEAK, CHG_ESCALATE);
	CHECK("analog: a high re-onset escalates", c && c->severity == SEV_MAJOR && nch == 1);
	CHECK_INT("analog: two folded", rules_slot(&st, HZ_GAS_LEAK)->folded, 2);
	ev(&d, &st, rd1(RF_GAS_LEL, 5), t + 14000);
	tk(&d, &st, t + 74000);
	c = find(HZ_GAS_LEAK, CHG_CLEAR);
	CHECK("analog: settles", c && c->folded == 2 && c->severity == SEV_MAJOR);
}

/* After a restart, a record marked flapping keeps folding. */
static void test_flap_restore(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;

	mkstate(&st);
	rules_restore(&st, HZ_SMOKE_ALARM, SEV_MAJOR, true);
	CHECK_INT("restore: off: deferred", ev(&d, &st, rd1(RF_SMOKE, 0), T0), 0);
	CHECK_INT("restore: on: folded", ev(&d, &st, rd1(RF_SMOKE, 1), T0 + 1000), 0);
	ev(&d, &st, rd1(RF_SMOKE, 0), T0 + 2000);
	tk(&d, &st, T0 + 62000);
	CHECK("restore: settles with the onset folded since",
	      find(HZ_SMOKE_ALARM, CHG_CLEAR) && ch[0].folded == 1);
	mkstate(&st);
	rules_restore(&st, HZ_SMOKE_ALARM, SEV_MAJOR, false);
	ev(&d, &st, rd1(RF_SMOKE, 0), T0);
	CHECK("restore: not flapping: clears at once", find(HZ_SMOKE_ALARM, CHG_CLEAR) != NULL);
}

/* Offline flaps too (an LWT that comes and goes). */
static void test_flap_offline(void)
{
	struct device_cfg d = mkdev(DEV_SMOKE_ALARM);
	struct device_state st;
	int64_t t = T0;
	int i, raised = 0;

	mkstate(&st);
	for (i = 0; i < 10; i++, t += 1000) {
		ev(&d, &st, rd1(RF_ONLINE, 0), t);
		raised += find(HZ_DEVICE_OFFLINE, CHG_ACTIVE) != NULL;
		ev(&d, &st, rd1(RF_ONLINE, 1), t + 500);
	}
	CHECK_INT("offline: three records, then folded", raised, 3);
	tk(&d, &st, t + 60000);
	CHECK("offline: settles", find(HZ_DEVICE_OFFLINE, CHG_CLEAR) && ch[0].folded == 7);
}

int main(void)
{
	test_flap_fold_settle();
	test_flap_settle_restarts();
	test_no_flap();
	test_flap_turned_off();
	test_flap_rule_off();
	test_flap_analog();
	test_flap_restore();
	test_flap_offline();
	TEST_DONE();
}
