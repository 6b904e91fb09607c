/*
 * test_sensor_dates.c: the daily look at sensor dates (coverage_check.c)
 * against a real store, driven by the test clock: a past calibration_due
 * or sensor life raises its fault once; a person's dismissal holds on the
 * following days and across a restart while the date stays; a new date in
 * the config that is past too raises a new fault; a fault left active
 * stays one record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "coverage_check.h"
#include "test_db.h"
#include "testing.h"

/* The loop (main.c, loop*.c) is not linked into unit tests; never called here. */
__attribute__((weak)) cJSON *daemon_status_json(struct daemon *d)
{
	return NULL;
}

#define DAY_MS  86400000LL
#define T0      1795000000000LL         /* 2026-11-18 */

static int64_t fake_wall = T0, fake_mono = 1000;

static int64_t fk_wall(void *ctx) { return fake_wall; }
static int64_t fk_mono(void *ctx) { return fake_mono; }
static bool fk_trusted(void *ctx) { return true; }

static const struct hz_clock fake_clock = {
	.wall_ms = fk_wall, .mono_ms = fk_mono, .trusted = fk_trusted,
};

static char dir[64];
static char db_path[160];
static struct config cfg;
static struct device_state states[1];
static struct daemon dmn;

/* smk-1's register entry, changed below as a reload would */
static struct device_register reg;

static void config_init(void)
{
	reg = (struct device_register){
		.model = "", .calibration_due = "2026-01-01", .installed = "2015-01-10",
		.sensor_life_y = 10,
	};

	memset(&cfg, 0, sizeof cfg);
	cfg.n_sites = 1;
	cfg.sites = calloc(1, sizeof *cfg.sites);
	strlcpy_hz(cfg.sites[0].id, "site-1", ID_MAX);
	cfg.sites[0].kind = SITE_OTHER;
	cfg.n_devices = 1;
	cfg.devices = calloc(1, sizeof *cfg.devices);
	device_cfg_blank(cfg.devices, 1);
	cfg.devices[0].id = "smk-1";
	cfg.devices[0].site = "site-1";
	cfg.devices[0].kind = DEV_SMOKE_ALARM;
	cfg.devices[0].reg = &reg;
	cfg.deadlines.major_h = 24;
	cfg.deadlines.general_h = 168;
	cfg.deadlines.recurrence_window_h = 720;
	strlcpy_hz(cfg.summary.timezone, "UTC", sizeof cfg.summary.timezone);
}

static bool open_store(void)
{
	char err[512] = "";

	memset(&dmn, 0, sizeof dmn);
	dmn.cfg = &cfg;
	dmn.dev_state = states;
	dmn.store = store_open(db_path, err, sizeof err);
	if (!dmn.store)
		printf("  store_open: %s\n", err);
	return dmn.store != NULL;
}

static long long faults(const char *type, const char *state)
{
	char sql[200];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM hazards WHERE kind = 'fault' "
		 "AND type = '%s'%s%s%s", type, state ? " AND state = '" : "",
		 state ? state : "", state ? "'" : "");
	return db_int(db_path, sql);
}

/* The id and detail of the newest fault of type t. */
static void newest(enum hazard_type t, char *id, size_t len, char *detail, size_t dlen)
{
	struct hazard_rec r;

	id[0] = detail[0] = '\0';
	if (store_record_newest(dmn.store, REC_FAULT, "smk-1", "site-1", t, &r,
				detail, dlen) == 1)
		strlcpy_hz(id, r.id, len);
}

static int dismiss(const char *id)
{
	char err[256] = "";
	int rc = daemon_record_action(&dmn, id, RA_DISMISS, VERDICT_NONE, "li.na",
				      "replacement ordered", NULL, err, sizeof err);

	if (rc < 0)
		printf("  dismiss %s: %s\n", id, err);
	return rc;
}

static void next_day(void)
{
	fake_wall += DAY_MS;
	fake_mono += DAY_MS;
	coverage_tick(&dmn);
}

static void test_dismissal_holds(void)
{
	char id[ID_MAX], detail[160];

	if (!open_store())
		return;
	coverage_tick(&dmn);
	CHECK_INT("raised: one calibration_due fault", faults("calibration_due", "active"), 1);
	CHECK_INT("raised: one sensor_expired fault", faults("sensor_expired", "active"), 1);
	newest(HZ_CALIBRATION_DUE, id, sizeof id, detail, sizeof detail);
	CHECK_STR("raised: the detail names the date", detail, "calibration was due 2026-01-01");

	next_day();
	CHECK_INT("active: still one record the next day", faults("calibration_due", NULL), 1);

	CHECK_INT("dismissed", dismiss(id), 0);
	newest(HZ_SENSOR_EXPIRED, id, sizeof id, detail, sizeof detail);
	CHECK_INT("sensor_expired dismissed", dismiss(id), 0);
	next_day();
	CHECK_INT("dismissed: the next day raises no new calibration_due",
		  faults("calibration_due", NULL), 1);
	CHECK_INT("dismissed: nor a new sensor_expired", faults("sensor_expired", NULL), 1);
	next_day();
	CHECK_INT("dismissed: nor the day after", faults("calibration_due", NULL), 1);

	/* a restart: nothing of the dismissal is in memory */
	store_close(dmn.store);
	if (!open_store())
		return;
	coverage_on_config(&dmn);
	next_day();
	CHECK_INT("restart: the dismissal still holds", faults("calibration_due", NULL), 1);
	CHECK_INT("restart: for sensor_expired too", faults("sensor_expired", NULL), 1);

	/* a reload with another date that is past too: a new fault */
	strlcpy_hz(reg.calibration_due, "2026-06-01", sizeof reg.calibration_due);
	coverage_on_config(&dmn);
	coverage_tick(&dmn);
	CHECK_INT("new date, past: a new calibration_due fault",
		  faults("calibration_due", "active"), 1);
	CHECK_INT("new date: two records in all", faults("calibration_due", NULL), 2);
	newest(HZ_CALIBRATION_DUE, id, sizeof id, detail, sizeof detail);
	CHECK_STR("new date: its detail names it", detail, "calibration was due 2026-06-01");
	CHECK_INT("sensor_expired: its date unchanged, still dismissed only",
		  faults("sensor_expired", NULL), 1);
	/* a new sensor life (a renewed install date, also ended) likewise */
	strlcpy_hz(reg.installed, "2016-02-01", sizeof reg.installed);
	coverage_on_config(&dmn);
	coverage_tick(&dmn);
	CHECK_INT("new install date, life ended: a new sensor_expired",
		  faults("sensor_expired", "active"), 1);
	store_close(dmn.store);
	dmn.store = NULL;
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/hazardd-sensor-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof db_path, "%s/hazardd.db", dir);
	clock_use(&fake_clock);
	config_init();
	test_dismissal_holds();
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	TEST_DONE();
}
