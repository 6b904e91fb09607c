/*
 * test_coverage.c: daemon/core/coverage.c with no daemon: each site kind's
 * built-in requirements met and missing (a gas detector without and with
 * its shut-off interlock, a CO detector that does not count, interlocks
 * bound to another site or device, smoke alarms, chargers with and
 * without a cut-off), and the end of a sensor's life (leap days, month
 * ends, fractional years, the last day itself); what a site's gap does
 * when the config is read again (raised, its detail following a different
 * gap, normal once covered, withdrawn when nothing is required of the
 * site); and $.coverage in a file: on by default with the built-in sets,
 * "enabled": false, a kind's set replaced, the errors.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testing.h"
#include "conf.h"

#define B(r) (1u << (r))

static struct site_cfg site(const char *id, enum site_kind k)
{
	struct site_cfg s;

	memset(&s, 0, sizeof s);
	snprintf(s.id, sizeof s.id, "%s", id);
	s.kind = k;
	return s;
}

static struct device_cfg dev(const char *id, const char *at, enum device_kind k)
{
	struct device_cfg d;

	d = (struct device_cfg)DEVICE_CFG_BLANK;
	d.id = id;
	d.site = at;
	d.kind = k;
	d.relay = k == DEV_EBIKE_CHARGER;
	return d;
}

static struct interlock_cfg il(enum hazard_type t, const char *device, const char *at,
			       int n_actions)
{
	struct interlock_cfg x;

	memset(&x, 0, sizeof x);
	x.hazard = t;
	snprintf(x.device, sizeof x.device, "%s", device);
	snprintf(x.site, sizeof x.site, "%s", at);
	x.n_actions = n_actions;
	return x;
}

static unsigned miss(const struct site_cfg *s, const struct device_cfg *d, int nd,
		     const struct interlock_cfg *i, int ni)
{
	return coverage_missing(s, coverage_default[s->kind], d, nd, i, ni);
}

static void test_restaurant(void)
{
	struct site_cfg r = site("r1", SITE_RESTAURANT);
	struct device_cfg d[3];
	struct interlock_cfg i[2];
	char names[80];

	CHECK_INT("restaurant: default needs detector and shut-off",
		  (int)coverage_default[SITE_RESTAURANT],
		  (int)(B(COV_GAS_DETECTOR) | B(COV_GAS_SHUTOFF)));
	CHECK_INT("restaurant with nothing lacks both", (int)miss(&r, NULL, 0, NULL, 0),
		  (int)(B(COV_GAS_DETECTOR) | B(COV_GAS_SHUTOFF)));
	coverage_names(miss(&r, NULL, 0, NULL, 0), names, sizeof names);
	CHECK_STR("names of what is missing", names, "gas_detector, gas_shutoff");

	d[0] = dev("co1", "r1", DEV_GAS_DETECTOR);
	d[0].gas = GAS_CO;
	CHECK_INT("a CO detector is no gas detector", (int)miss(&r, d, 1, NULL, 0),
		  (int)(B(COV_GAS_DETECTOR) | B(COV_GAS_SHUTOFF)));
	d[1] = dev("g1", "r1", DEV_GAS_DETECTOR);
	CHECK_INT("detector without interlock lacks the shut-off",
		  (int)miss(&r, d, 2, NULL, 0), (int)B(COV_GAS_SHUTOFF));
	i[0] = il(HZ_GAS_LEAK, "", "r2", 1);
	CHECK_INT("interlock bound to another site does not count",
		  (int)miss(&r, d, 2, i, 1), (int)B(COV_GAS_SHUTOFF));
	i[0] = il(HZ_GAS_LEAK, "co1", "", 1);
	CHECK_INT("interlock bound to the CO detector does not count",
		  (int)miss(&r, d, 2, i, 1), (int)B(COV_GAS_SHUTOFF));
	i[0] = il(HZ_SMOKE_ALARM, "", "", 1);
	CHECK_INT("an interlock on smoke is no gas shut-off",
		  (int)miss(&r, d, 2, i, 1), (int)B(COV_GAS_SHUTOFF));
	i[0] = il(HZ_GAS_LEAK, "g1", "", 0);
	CHECK_INT("an interlock that does nothing does not count",
		  (int)miss(&r, d, 2, i, 1), (int)B(COV_GAS_SHUTOFF));
	i[1] = il(HZ_GAS_LEAK, "g1", "r1", 2);
	CHECK_INT("detector and its interlock: met", (int)miss(&r, d, 2, i, 2), 0);
	i[0] = il(HZ_GAS_LEAK, "", "", 1);
	CHECK_INT("an interlock for any device covers it", (int)miss(&r, d, 2, i, 1), 0);
	d[2] = dev("g9", "r9", DEV_GAS_DETECTOR);
	CHECK_INT("a detector at another site does not count",
		  (int)miss(&r, d + 2, 1, i, 1),
		  (int)(B(COV_GAS_DETECTOR) | B(COV_GAS_SHUTOFF)));
	CHECK_INT("a requirement set of detector alone is met without interlock",
		  (int)coverage_missing(&r, B(COV_GAS_DETECTOR), d, 2, NULL, 0), 0);
}

static void test_rental_and_charging(void)
{
	struct site_cfg h = site("h1", SITE_RENTAL_HOUSING), c = site("c1", SITE_CHARGING_STATION),
			o = site("o1", SITE_OTHER), m = site("m1", SITE_COMMUNITY);
	struct device_cfg d[3];
	struct interlock_cfg i[1];

	CHECK_INT("rental housing without smoke alarm", (int)miss(&h, NULL, 0, NULL, 0),
		  (int)B(COV_SMOKE_ALARM));
	d[0] = dev("s1", "h1", DEV_SMOKE_ALARM);
	CHECK_INT("rental housing with a smoke alarm: met", (int)miss(&h, d, 1, NULL, 0), 0);

	CHECK_INT("charging station with nothing", (int)miss(&c, NULL, 0, NULL, 0),
		  (int)(B(COV_CHARGER_MONITOR) | B(COV_CHARGER_CUTOFF)));
	d[1] = dev("p1", "c1", DEV_EBIKE_CHARGER);
	d[1].relay = false;
	CHECK_INT("charger without relay or interlock lacks the cut-off",
		  (int)miss(&c, d, 2, NULL, 0), (int)B(COV_CHARGER_CUTOFF));
	i[0] = il(HZ_CHARGER_OVERTEMP, "p1", "", 1);
	CHECK_INT("charger with an over-temperature interlock: met",
		  (int)miss(&c, d, 2, i, 1), 0);
	i[0] = il(HZ_GAS_LEAK, "p1", "", 1);
	CHECK_INT("an interlock on gas is no charger cut-off",
		  (int)miss(&c, d, 2, i, 1), (int)B(COV_CHARGER_CUTOFF));
	d[1].relay = true;
	CHECK_INT("charger with its own relay: met", (int)miss(&c, d, 2, NULL, 0), 0);

	CHECK_INT("other: nothing required", (int)miss(&o, NULL, 0, NULL, 0), 0);
	CHECK_INT("community: nothing required", (int)miss(&m, NULL, 0, NULL, 0), 0);
	CHECK_INT("community required to have smoke alarms lacks them",
		  (int)coverage_missing(&m, B(COV_SMOKE_ALARM), NULL, 0, NULL, 0),
		  (int)B(COV_SMOKE_ALARM));
	CHECK_INT("names: lookup", coverage_req_from_name("charger_cutoff"),
		  COV_CHARGER_CUTOFF);
	CHECK_INT("names: unknown", coverage_req_from_name("sprinkler"), -1);
}

static int64_t day(const char *s)
{
	int64_t d = -1;

	if (localtime_parse_date(s, &d) < 0)
		return -1;
	return d;
}

static void test_sensor_life(void)
{
	CHECK_INT("5 y from a plain day", (int)sensor_life_end_day("2020-06-15", 5),
		  (int)day("2025-06-15"));
	CHECK_INT("leap day + 5 y ends on 28 Feb", (int)sensor_life_end_day("2020-02-29", 5),
		  (int)day("2025-02-28"));
	CHECK_INT("leap day + 4 y ends on 29 Feb", (int)sensor_life_end_day("2020-02-29", 4),
		  (int)day("2024-02-29"));
	CHECK_INT("5.5 y from a leap day: 29 Aug", (int)sensor_life_end_day("2024-02-29", 5.5),
		  (int)day("2029-08-29"));
	CHECK_INT("half a year from 31 Aug: 29 Feb of a leap year", (int)sensor_life_end_day("2023-08-31", 0.5),
		  (int)day("2024-02-29"));
	CHECK_INT("a month end rolls over the year", (int)sensor_life_end_day("2021-12-31", 0.25),
		  (int)day("2022-03-31"));
	CHECK_INT("no life: no end", (int)sensor_life_end_day("2021-12-31", 0), -1);
	CHECK_INT("no date: no end", (int)sensor_life_end_day("", 5), -1);
	CHECK_INT("not a date: no end", (int)sensor_life_end_day("2021-02-30", 5), -1);
	CHECK("the last day is still in life",
	      !sensor_day_past(day("2025-02-28"), day("2025-02-28")));
	CHECK("the day after is past", sensor_day_past(day("2025-03-01"), day("2025-02-28")));
	CHECK("the day before is not", !sensor_day_past(day("2025-02-27"), day("2025-02-28")));
	CHECK("no day is never past", !sensor_day_past(day("2099-01-01"), -1));
}

static void test_record_defaults(void)
{
	CHECK_INT("coverage_gap is a hazard by itself", record_kind_of(HZ_COVERAGE_GAP),
		  REC_HAZARD);
	CHECK_INT("sensor_expired is a fault", record_kind_of(HZ_SENSOR_EXPIRED), REC_FAULT);
	CHECK_INT("calibration_due is a fault", record_kind_of(HZ_CALIBRATION_DUE), REC_FAULT);
	CHECK_DBL("a coverage gap is submitted with no wait",
		  record_normal_before_submit_default_h(HZ_COVERAGE_GAP), 0);
	CHECK_DBL("sensor_expired: a hazard after 720 h",
		  record_fault_limit_default_h(HZ_SENSOR_EXPIRED), 720);
	CHECK_DBL("calibration_due: a hazard after 720 h",
		  record_fault_limit_default_h(HZ_CALIBRATION_DUE), 720);
	CHECK_STR("names", hazard_type_name[HZ_COVERAGE_GAP], "coverage_gap");
}

static void test_gap_moves(void)
{
	const unsigned req = B(COV_GAS_DETECTOR) | B(COV_GAS_SHUTOFF), shut = B(COV_GAS_SHUTOFF);
	struct hazard_rec r;

	/*                                  site  required missing live  on     same */
	CHECK_INT("a gap, no hazard: raised", coverage_gap_move(true, req, req, false, false,
								  false), GAP_RAISE);
	CHECK_INT("the same gap again: nothing", coverage_gap_move(true, req, req, true, true,
								     true), GAP_NONE);
	CHECK_INT("a different gap: the detail follows",
		  coverage_gap_move(true, req, shut, true, true, false), GAP_REDETAIL);
	CHECK_INT("a gap back on a normal hazard: reopened (the rules' change)",
		  coverage_gap_move(true, req, shut, true, false, false), GAP_RAISE);
	CHECK_INT("covered now: its condition normal (re-inspection follows)",
		  coverage_gap_move(true, req, 0, true, true, false), GAP_NORMAL);
	CHECK_INT("covered and already normal: nothing",
		  coverage_gap_move(true, req, 0, true, false, false), GAP_NONE);
	CHECK_INT("covered, no hazard: nothing", coverage_gap_move(true, req, 0, false, false,
								     false), GAP_NONE);
	CHECK_INT("the site left the config: withdrawn",
		  coverage_gap_move(false, 0, 0, true, true, false), GAP_WITHDRAW);
	CHECK_INT("the site left, its gap normal: withdrawn too",
		  coverage_gap_move(false, 0, 0, true, false, false), GAP_WITHDRAW);
	CHECK_INT("nothing required any more (or the check off): withdrawn",
		  coverage_gap_move(true, 0, 0, true, true, true), GAP_WITHDRAW);
	CHECK_INT("nothing required, no hazard: nothing",
		  coverage_gap_move(true, 0, 0, false, false, false), GAP_NONE);

	memset(&r, 0, sizeof r);
	strcpy(r.state, "rectifying");
	r.kind = REC_HAZARD;
	r.occurrences = 2;
	r.cleared_at_ms = 500;
	coverage_gap_withdrawn(&r, 9000);
	CHECK("withdrawn: closed at the time given, the rest kept",
	      strcmp(r.state, "closed") == 0 && r.closed_at_ms == 9000 && r.occurrences == 2 &&
	      r.cleared_at_ms == 500 && !record_live(REC_HAZARD, r.state));
}

/* $.coverage in a file ("" for none); 0 or -1, errors in errs */
static int load_cov(const char *cov, struct config *cfg, char *errs, size_t len)
{
	char path[] = "/tmp/test_coverage.XXXXXX";
	FILE *f;
	int fd, rc;

	if ((fd = mkstemp(path)) < 0 || !(f = fdopen(fd, "w")))
		return -2;
	fprintf(f, "{\"gateway\": {\"id\": \"gw-1\", \"district\": \"d1\"},\n"
		" \"storage\": {\"path\": \"/tmp/x.db\"},\n"
		" \"local\": {\"uri\": \"tcp://127.0.0.1:1883\"},\n"
		" \"upstream\": {\"uris\": [\"tcp://127.0.0.1:1884\"]},\n"
		" \"sites\": [{\"id\": \"r1\", \"kind\": \"restaurant\"}],\n"
		" \"devices\": []%s%s}\n", *cov ? ",\n \"coverage\": " : "", cov);
	fclose(f);
	errs[0] = '\0';
	memset(cfg, 0, sizeof *cfg);
	rc = config_load(path, cfg, errs, len);
	unlink(path);
	return rc;
}

static void test_config_coverage(void)
{
	struct config cfg;
	char errs[4096];

	CHECK_INT("no coverage section: loads", load_cov("", &cfg, errs, sizeof errs), 0);
	CHECK("  the check is on by default", cfg.coverage.check);
	CHECK("  with the built-in sets", memcmp(cfg.coverage.requires, coverage_default,
						 sizeof cfg.coverage.requires) == 0);
	config_free(&cfg);
	CHECK_INT("\"enabled\": false: loads", load_cov("{\"enabled\": false}", &cfg, errs,
							 sizeof errs), 0);
	CHECK("  the check is off", !cfg.coverage.check);
	config_free(&cfg);
	CHECK_INT("a kind's set replaced: loads", load_cov(
		"{\"enabled\": true, \"requirements\": {\"restaurant\": [\"gas_detector\"], "
		"\"community\": []}}", &cfg, errs, sizeof errs), 0);
	CHECK("  on, the restaurant needs the detector alone, the others as built in",
	      cfg.coverage.check &&
	      cfg.coverage.requires[SITE_RESTAURANT] == B(COV_GAS_DETECTOR) &&
	      cfg.coverage.requires[SITE_COMMUNITY] == 0 &&
	      cfg.coverage.requires[SITE_RENTAL_HOUSING] == coverage_default[SITE_RENTAL_HOUSING]);
	config_free(&cfg);
	CHECK_INT("\"coverage\": false: refused (the switch is \"enabled\")",
		  load_cov("false", &cfg, errs, sizeof errs), -1);
	CHECK_CONTAINS("  says so with FILE:LINE: $.path", errs, ":7: $.coverage: expected object");
	CHECK_INT("\"enabled\" not a boolean: refused",
		  load_cov("{\"enabled\": \"no\"}", &cfg, errs, sizeof errs), -1);
	CHECK_CONTAINS("  says so", errs, ":7: $.coverage.enabled: expected true or false");
	CHECK_INT("an unknown requirement: refused",
		  load_cov("{\"requirements\": {\"restaurant\": [\"sprinkler\"]}}", &cfg, errs,
			   sizeof errs), -1);
	CHECK_CONTAINS("  says so", errs, "$.coverage.requirements.restaurant[0]: unknown "
		       "requirement \"sprinkler\"");
}

int main(void)
{
	test_record_defaults();
	test_restaurant();
	test_rental_and_charging();
	test_sensor_life();
	test_gap_moves();
	test_config_coverage();
	TEST_DONE();
}
