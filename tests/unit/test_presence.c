/*
 * test_presence.c: online, offline and never_seen (presence.c): a device
 * is never_seen until a report of it is accepted, and stays heard across a
 * restart through its mark in the database; a database from before the
 * marks counts a stored reading as heard; an explicit offline alone is not
 * the device heard.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

static struct device_cfg devs[3];
static struct config cfg;

static void setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	device_cfg_blank(devs, 3);
	devs[0].id = "gas-1";
	devs[1].id = "smoke-1";
	devs[2].id = "plug-1";
	devs[0].heartbeat_s = 60;
	devs[2].kind = DEV_EBIKE_CHARGER;
	cfg.devices = devs;
	cfg.n_devices = 3;
}

static void test_states(void)
{
	struct device_state ds;

	memset(&ds, 0, sizeof ds);
	ds.last_seen_ms = 1000;
	CHECK_INT("never heard: never_seen", device_presence(&devs[0], &ds, 2000),
		  PRES_NEVER_SEEN);
	CHECK_STR("never_seen's name", presence_name[PRES_NEVER_SEEN], "never_seen");
	ds.heard = true;
	CHECK_INT("heard, within its heartbeat: online",
		  device_presence(&devs[0], &ds, 2000), PRES_ONLINE);
	CHECK_INT("heard, silent past its heartbeat: offline",
		  device_presence(&devs[0], &ds, 1000 + 61000), PRES_OFFLINE);
	CHECK_INT("no heartbeat: online however silent",
		  device_presence(&devs[1], &ds, 1000 + 610000), PRES_ONLINE);
	rules_set_active(&ds, HZ_DEVICE_OFFLINE, true, SEV_GENERAL);
	CHECK_INT("device_offline active: offline", device_presence(&devs[1], &ds, 2000),
		  PRES_OFFLINE);
	ds.heard = false;
	CHECK_INT("never heard, device_offline raised by its heartbeat: never_seen",
		  device_presence(&devs[1], &ds, 2000), PRES_NEVER_SEEN);
}

static void test_marks(void)
{
	char dir[] = "/tmp/test_presence.XXXXXX", path[160], err[256], *v = NULL;
	struct device_state ds[3];
	struct reading r;
	struct store *st;
	int64_t scanned = 0;

	setup();
	if (!mkdtemp(dir)) {
		CHECK("marks: temporary directory", false);
		return;
	}
	snprintf(path, sizeof path, "%s/hz.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("marks: store opens", st != NULL);
	if (!st)
		return;
	/* a database from before the marks: plug-1 has a stored reading */
	memset(&r, 0, sizeof r);
	r.ts_ms = 1700000000000;
	reading_set(&r, RF_POWER_W, 40);
	CHECK_INT("marks: an old reading stored", store_put_reading(st, "plug-1", &r), 0);

	memset(ds, 0, sizeof ds);
	presence_load(st, &cfg, ds);
	CHECK("marks: a device with a stored reading is heard", ds[2].heard);
	CHECK("marks: the others are not", !ds[0].heard && !ds[1].heard);
	store_meta_get_int(st, "seen_scan", &scanned);
	CHECK_INT("marks: the readings are scanned once", scanned, 1);

	/* an explicit offline alone is a bridge speaking, not the device */
	memset(&r, 0, sizeof r);
	reading_set(&r, RF_ONLINE, 0);
	presence_note(st, &devs[1], &ds[1], &r, 1700000001000);
	CHECK("marks: an explicit offline alone: still not heard", !ds[1].heard);
	reading_set(&r, RF_SMOKE, 0);
	presence_note(st, &devs[1], &ds[1], &r, 1700000002000);
	CHECK("marks: a report with anything else: heard", ds[1].heard);
	CHECK_INT("marks: the mark is stored", store_meta_get_text(st, "seen:smoke-1", &v), 0);
	CHECK_STR("marks: ... with the first time it was heard", v, "2023-11-14T22:13:22.000Z");
	free(v);
	v = NULL;

	/* a restart: only the marks say; the old reading is not asked again */
	memset(ds, 0, sizeof ds);
	presence_load(st, &cfg, ds);
	CHECK("restart: smoke-1 heard before", ds[1].heard);
	CHECK("restart: plug-1 heard before (its mark from the scan)", ds[2].heard);
	CHECK("restart: gas-1 still never heard", !ds[0].heard);
	CHECK_INT("restart: gas-1 never_seen", device_presence(&devs[0], &ds[0], 0),
		  PRES_NEVER_SEEN);
	store_close(st);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	if (system(path) != 0)
		CHECK("marks: cleanup", false);
}

int main(void)
{
	setup();
	test_states();
	test_marks();
	TEST_DONE();
}
