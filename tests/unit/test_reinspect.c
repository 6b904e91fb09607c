/*
 * test_reinspect.c: re-inspection before write-off (docs/lifecycle.md)
 * against a real store on temp files, with an injectable clock: a
 * sensor-backed hazard is submitted only once its condition has been
 * normal for records.normal_before_submit_h (the built-in 24 h for gas, a
 * configured fraction of an hour, 0) and never while the condition is on;
 * the submitter cannot re-inspect it, also after the store is reopened; a
 * failed re-inspection sends it back to rectifying and is counted, a
 * resubmit then a pass writes it off; the condition coming back while
 * submitted sends it back to rectifying; a hazard recorded by hand has no
 * wait, may go from open to rectifying, needs a site (and a device of
 * that site) that exists; a hazard whose device left the config is
 * submitted whatever its condition, its event saying so; a schema-7 database with acknowledged and
 * cleared hazards migrates onto the new states.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "store_internal.h"
#include "testing.h"

/* The loop (main.c, loop*.c) is not linked into unit tests; never called here. */
__attribute__((weak)) cJSON *daemon_status_json(struct daemon *d)
{
	return NULL;
}

#define HOUR_MS 3600000LL
#define T0      1795000000000LL

static int64_t fake_wall = T0, fake_mono = 1000;

static int64_t fk_wall(void *ctx) { return fake_wall; }
static int64_t fk_mono(void *ctx) { return fake_mono; }
static bool fk_trusted(void *ctx) { return true; }

static const struct hz_clock fake_clock = {
	.wall_ms = fk_wall, .mono_ms = fk_mono, .trusted = fk_trusted,
};

static void advance(int64_t ms)
{
	fake_wall += ms;
	fake_mono += ms;
}

static char dir[64];
static char db_path[160];
static struct config cfg;
static struct device_state states[3];
static struct daemon dmn;

static void config_init(void)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.n_sites = 2;
	cfg.sites = calloc(2, sizeof *cfg.sites);
	strlcpy_hz(cfg.sites[0].id, "site-1", ID_MAX);
	cfg.sites[0].kind = SITE_RESTAURANT;
	strlcpy_hz(cfg.sites[1].id, "site-2", ID_MAX);
	cfg.sites[1].kind = SITE_CHARGING_STATION;
	cfg.n_devices = 3;
	cfg.devices = calloc(3, sizeof *cfg.devices);
	device_cfg_blank(cfg.devices, 3);
	cfg.devices[0].id = "gas-1";
	cfg.devices[0].site = "site-1";
	cfg.devices[0].kind = DEV_GAS_DETECTOR;
	cfg.devices[1].id = "gas-2";
	cfg.devices[1].site = "site-1";
	cfg.devices[1].kind = DEV_GAS_DETECTOR;
	cfg.devices[2].id = "chg-1";
	cfg.devices[2].site = "site-2";
	cfg.devices[2].kind = DEV_EBIKE_CHARGER;
	cfg.deadlines.major_h = 24;
	cfg.deadlines.general_h = 168;
	cfg.deadlines.recurrence_window_h = 720;
}

static void remove_db(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm", ".hwm" };
	char p[200];
	size_t i;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", db_path, sfx[i]);
		unlink(p);
	}
}

static bool open_store(bool fresh)
{
	char err[512] = "";

	if (fresh)
		remove_db();
	memset(&dmn, 0, sizeof dmn);
	dmn.cfg = &cfg;
	dmn.dev_state = states;
	dmn.store = store_open(db_path, err, sizeof err);
	if (!dmn.store)
		printf("  store_open: %s\n", err);
	return dmn.store != NULL;
}

static void close_store(void)
{
	store_close(dmn.store);
	dmn.store = NULL;
}

/* A gas condition at gas-1 through the daemon's path; the event. */
static const char *gas(int dev, enum change_kind k, double lel, struct hazard_rec *rec)
{
	struct hazard_change c = { .type = HZ_GAS_LEAK, .kind = k, .severity = SEV_GENERAL };
	struct hz_policy pol;
	struct reading r;
	const char *ev = NULL;

	memset(&r, 0, sizeof r);
	r.ts_ms = fake_wall;
	reading_set(&r, RF_GAS_LEL, lel);
	snprintf(c.detail, sizeof c.detail, "gas_lel %g", lel);
	lifecycle_policy(&cfg, HZ_GAS_LEAK, &pol);
	store_begin(dmn.store);
	if (store_hazard_apply_policy(dmn.store, &cfg.devices[dev], &c, &r, &pol, fake_wall,
				      rec, &ev) < 0) {
		store_rollback(dmn.store);
		return "apply failed";
	}
	if (ev)
		lifecycle_emit(&dmn, rec, ev, fake_wall, NULL);
	store_commit(dmn.store);
	return ev;
}

static int act(const char *id, enum record_action a, const char *who, const char *note,
	       char *err, size_t errlen)
{
	err[0] = '\0';
	return daemon_record_action(&dmn, id, a, VERDICT_NONE, who, note, NULL, err, errlen);
}

static struct hazard_rec get(const char *id)
{
	struct hazard_rec r;

	memset(&r, 0, sizeof r);
	store_hazard_get(dmn.store, id, &r);
	return r;
}

static char *raw_text(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char *v = NULL;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* The newest outbox body. */
static cJSON *last_outbox(void)
{
	char *body = raw_text("SELECT body FROM outbox ORDER BY seq DESC LIMIT 1");
	cJSON *o = body ? cJSON_Parse(body) : NULL;

	free(body);
	return o;
}

static const char *jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* ------------------------------------------------------------ the wait */

static void test_wait(void)
{
	struct hazard_rec rec;
	char err[320], id[ID_MAX];
	int t;

	if (!open_store(true))
		return;
	CHECK_STR("wait: raised", gas(0, CHG_ACTIVE, 30, &rec), "raised");
	snprintf(id, sizeof id, "%s", rec.id);
	CHECK_STR("wait: a sensor stands behind it", rec.reason, "condition");
	CHECK_INT("wait: submit while the condition is on refused",
		  act(id, RA_SUBMIT, "fitter", "fixed", err, sizeof err), -1);
	CHECK_CONTAINS("wait: ... says the condition is on", err, "its condition is on");
	CHECK_STR("wait: still open", get(id).state, "open");

	advance(60000);
	CHECK_STR("wait: the condition clears", gas(0, CHG_CLEAR, 1, &rec), "cleared");
	CHECK_INT("wait: normal since now", get(id).cleared_at_ms, fake_wall);
	CHECK_DBL("wait: built-in 24 h for gas",
		  records_normal_before_submit_h(&cfg, HZ_GAS_LEAK), 24);
	CHECK_DBL("wait: built-in 1 h for a fault's hazard",
		  records_normal_before_submit_h(&cfg, HZ_DEVICE_OFFLINE), 1);
	advance(23 * HOUR_MS);
	CHECK_INT("wait: 23 h of the 24 refused",
		  act(id, RA_SUBMIT, "fitter", "fixed", err, sizeof err), -1);
	CHECK_CONTAINS("wait: ... says how long", err, "normal for 23 h of the 24 h required");
	CHECK_CONTAINS("wait: ... names the key", err, "records.normal_before_submit_h");

	/* the config's hours for the type: a fraction of an hour */
	cfg.records.normal_submit_set[HZ_GAS_LEAK] = true;
	cfg.records.normal_submit_h[HZ_GAS_LEAK] = 30;
	CHECK_INT("wait: 23 h of a configured 30 refused",
		  act(id, RA_SUBMIT, "fitter", "fixed", err, sizeof err), -1);
	cfg.records.normal_submit_h[HZ_GAS_LEAK] = 23.5;
	advance(HOUR_MS / 2);
	CHECK_INT("wait: 23.5 h of 23.5 allowed",
		  act(id, RA_SUBMIT, "fitter", "fixed", err, sizeof err), 0);
	CHECK_STR("wait: submitted", get(id).state, "submitted");
	cfg.records.normal_submit_set[HZ_GAS_LEAK] = false;
	close_store();

	/* 0: at once once normal (but never while on) */
	if (!open_store(true))
		return;
	for (t = 0; t < HZ_TYPE_COUNT; t++) {
		cfg.records.normal_submit_set[t] = true;
		cfg.records.normal_submit_h[t] = 0;
	}
	gas(0, CHG_ACTIVE, 30, &rec);
	snprintf(id, sizeof id, "%s", rec.id);
	CHECK_INT("wait 0: still refused while on",
		  act(id, RA_SUBMIT, "fitter", "fixed", err, sizeof err), -1);
	gas(0, CHG_CLEAR, 1, &rec);
	CHECK_INT("wait 0: allowed the moment it is normal",
		  act(id, RA_SUBMIT, "fitter", "fixed", err, sizeof err), 0);
	close_store();
}

/* ------------------------------------------------ re-inspection, counted */

static void test_reinspection(void)
{
	struct hazard_rec rec;
	char err[320], id[ID_MAX], *hist;
	cJSON *o;

	if (!open_store(true))
		return;
	gas(0, CHG_ACTIVE, 30, &rec);
	snprintf(id, sizeof id, "%s", rec.id);
	CHECK_INT("reinspect: verify before a submit refused",
		  act(id, RA_PASS, "inspector", "ok", err, sizeof err), -1);
	CHECK_CONTAINS("reinspect: ... says not submitted", err, "not submitted");
	CHECK_INT("reinspect: open -> rectifying",
		  act(id, RA_RECTIFY, "fitter", "hose ordered", err, sizeof err), 0);
	gas(0, CHG_CLEAR, 1, &rec);
	CHECK_INT("reinspect: no note, no submit",
		  act(id, RA_SUBMIT, "fitter", NULL, err, sizeof err), -1);
	CHECK_CONTAINS("reinspect: ... says a note is needed", err, "needs a note");
	CHECK_INT("reinspect: submit", act(id, RA_SUBMIT, "fitter", "hose replaced", err,
					   sizeof err), 0);
	CHECK_INT("reinspect: rectifying refused while submitted",
		  act(id, RA_RECTIFY, "fitter", NULL, err, sizeof err), -1);
	CHECK_INT("reinspect: a second submit refused",
		  act(id, RA_SUBMIT, "fitter", "again", err, sizeof err), -1);
	CHECK_CONTAINS("reinspect: ... already submitted", err, "already submitted");

	/* the same actor cannot re-inspect, also after a restart */
	close_store();
	if (!open_store(false))
		return;
	CHECK_STR("reinspect: the submitter survives a restart", get(id).submitted_by, "fitter");
	CHECK_INT("reinspect: the submitter's pass refused",
		  act(id, RA_PASS, "fitter", "fine", err, sizeof err), -1);
	CHECK_CONTAINS("reinspect: ... says who and why", err,
		       "submitted by fitter, who cannot re-inspect it");
	CHECK_INT("reinspect: the submitter's fail refused too",
		  act(id, RA_FAIL, "fitter", "hm", err, sizeof err), -1);
	CHECK_INT("reinspect: the submitter's close refused too",
		  act(id, RA_CLOSE, "fitter", "hm", err, sizeof err), -1);
	CHECK_INT("reinspect: no note, no verify",
		  act(id, RA_FAIL, "inspector", NULL, err, sizeof err), -1);

	advance(60000);
	CHECK_INT("reinspect: verify fail by another",
		  act(id, RA_FAIL, "inspector", "still smells of gas", err, sizeof err), 0);
	rec = get(id);
	CHECK_STR("reinspect: fail: back to rectifying", rec.state, "rectifying");
	CHECK_INT("reinspect: fail counted", rec.reinspect_failed, 1);
	o = last_outbox();
	CHECK_STR("reinspect: upstream event reinspect_failed", jstr(o, "event"),
		  "reinspect_failed");
	CHECK_STR("reinspect: upstream actor", jstr(o, "actor"), "inspector");
	CHECK_STR("reinspect: upstream state", jstr(o, "state"), "rectifying");
	CHECK_DBL("reinspect: upstream count",
		  cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "reinspect_failed")), 1);
	cJSON_Delete(o);

	/* resubmitted by someone else this time, failed again, then passed */
	CHECK_INT("reinspect: resubmit", act(id, RA_SUBMIT, "fitter-2", "valve too", err,
					     sizeof err), 0);
	CHECK_INT("reinspect: the earlier submitter may re-inspect the new submit",
		  act(id, RA_FAIL, "fitter", "not yet", err, sizeof err), 0);
	CHECK_INT("reinspect: failed twice", get(id).reinspect_failed, 2);
	CHECK_INT("reinspect: resubmit again", act(id, RA_SUBMIT, "fitter", "retested", err,
						   sizeof err), 0);
	CHECK_INT("reinspect: verify pass by another",
		  act(id, RA_PASS, "inspector", "holds at 0 %LEL", err, sizeof err), 0);
	rec = get(id);
	CHECK_STR("reinspect: pass: closed (销号)", rec.state, "closed");
	CHECK_INT("reinspect: closed_at", rec.closed_at_ms, fake_wall);
	CHECK_INT("reinspect: the count stays", rec.reinspect_failed, 2);
	o = last_outbox();
	CHECK_STR("reinspect: upstream closed", jstr(o, "event"), "closed");
	CHECK_STR("reinspect: upstream closed by the inspector", jstr(o, "actor"), "inspector");
	cJSON_Delete(o);
	CHECK_INT("reinspect: nothing after the write-off",
		  act(id, RA_FAIL, "boss", "no", err, sizeof err), -1);
	CHECK_CONTAINS("reinspect: ... closed", err, "is closed");

	{
		char sql[256];

		snprintf(sql, sizeof sql, "SELECT group_concat(event || ':' || actor, '|') FROM "
			 "(SELECT * FROM hazard_events WHERE hazard_id = '%s' ORDER BY seq)", id);
		hist = raw_text(sql);
		CHECK_STR("reinspect: every move an event with its actor", hist,
			  "raised:hazardd|rectifying:fitter|cleared:hazardd|submitted:fitter|"
			  "reinspect_failed:inspector|submitted:fitter-2|reinspect_failed:fitter|"
			  "submitted:fitter|closed:inspector");
		free(hist);
	}
	close_store();
}

/* ------------------------------------------- the condition back, submitted */

static void test_condition_back(void)
{
	struct hazard_rec rec;
	char err[320], id[ID_MAX];
	cJSON *o;

	if (!open_store(true))
		return;
	gas(0, CHG_ACTIVE, 30, &rec);
	snprintf(id, sizeof id, "%s", rec.id);
	gas(0, CHG_CLEAR, 1, &rec);
	CHECK_INT("back: submitted", act(id, RA_SUBMIT, "fitter", "done", err, sizeof err), 0);
	advance(1000);
	CHECK_STR("back: the condition returns: reopened", gas(0, CHG_ACTIVE, 35, &rec),
		  "reopened");
	rec = get(id);
	CHECK_STR("back: submitted -> rectifying", rec.state, "rectifying");
	CHECK_INT("back: normal_since reset", rec.cleared_at_ms, 0);
	CHECK_INT("back: not a failed re-inspection", rec.reinspect_failed, 0);
	o = last_outbox();
	CHECK("back: upstream normal_since null",
	      cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "normal_since")));
	CHECK_STR("back: upstream state", jstr(o, "state"), "rectifying");
	cJSON_Delete(o);
	CHECK_INT("back: the inspector has nothing to verify",
		  act(id, RA_PASS, "inspector", "ok", err, sizeof err), -1);
	close_store();
}

/* ------------------------------------------------------ device removed */

/* A hazard whose device left the config (a reload) while its condition
 * was on: no reading will ever say it is normal, so a person's submit
 * takes it, its event saying why, and the re-inspection closes it. */
static void test_device_gone(void)
{
	struct hazard_rec rec;
	char err[320], id[ID_MAX], *detail;

	if (!open_store(true))
		return;
	gas(1, CHG_ACTIVE, 30, &rec);
	snprintf(id, sizeof id, "%s", rec.id);
	CHECK_INT("gone: configured, condition on: submit refused",
		  act(id, RA_SUBMIT, "fitter", "pipe replaced", err, sizeof err), -1);
	CHECK_CONTAINS("gone: refused as the condition is on", err, "condition is on");
	/* the reload: gas-2 is no longer in the config */
	cfg.n_devices = 3;
	cfg.devices[1].id = "gas-2-removed";
	CHECK_INT("gone: removed, condition still on: submitted",
		  act(id, RA_SUBMIT, "fitter", "detector taken down, pipe replaced",
		      err, sizeof err), 0);
	CHECK_STR("gone: submitted", get(id).state, "submitted");
	detail = raw_text("SELECT detail FROM hazard_events WHERE event = 'submitted' "
			  "ORDER BY seq DESC LIMIT 1");
	CHECK_STR("gone: the event says the device is gone", detail,
		  "device gas-2 is no longer configured: its condition is not observed");
	free(detail);
	CHECK_INT("gone: the submitter cannot re-inspect it",
		  act(id, RA_PASS, "fitter", "ok", err, sizeof err), -1);
	CHECK_INT("gone: someone else's re-inspection closes it",
		  act(id, RA_PASS, "inspector", "checked on site", err, sizeof err), 0);
	CHECK_STR("gone: closed", get(id).state, "closed");
	/* a configured device's hazard is still held to its condition */
	gas(0, CHG_ACTIVE, 30, &rec);
	CHECK_INT("gone: another device's hazard, condition on: still refused",
		  act(rec.id, RA_SUBMIT, "fitter", "fixed", err, sizeof err), -1);
	cfg.devices[1].id = "gas-2";
	close_store();
}

/* ------------------------------------------------------------ by hand */

static void test_by_hand(void)
{
	struct hazard_rec a, b, c;
	char err[320];
	cJSON *o;
	int t;

	for (t = 0; t < HZ_TYPE_COUNT; t++)
		cfg.records.normal_submit_set[t] = false;       /* 24 h for gas */
	if (!open_store(true))
		return;
	CHECK_INT("hand: a hazard at a site, no device",
		  daemon_hazard_raise(&dmn, "site-1", HZ_GAS_LEAK, NULL, -1, "inspector-li",
				      "hose cracked at the wok", &a, err, sizeof err), 0);
	CHECK_STR("hand: open", a.state, "open");
	CHECK_STR("hand: reason person", a.reason, "person");
	CHECK_STR("hand: no device", a.device, "");
	CHECK_INT("hand: no sensor: normal since its raise", a.cleared_at_ms, a.raised_at_ms);
	CHECK_INT("hand: graded by the rules (general)", a.severity, SEV_GENERAL);
	o = last_outbox();
	CHECK_STR("hand: upstream raised", jstr(o, "event"), "raised");
	CHECK_STR("hand: upstream reason", jstr(o, "reason"), "person");
	CHECK_STR("hand: upstream actor", jstr(o, "actor"), "inspector-li");
	CHECK_STR("hand: upstream note", jstr(o, "note"), "hose cracked at the wok");
	cJSON_Delete(o);
	CHECK_INT("hand: a second one of the same type at the site",
		  daemon_hazard_raise(&dmn, "site-1", HZ_GAS_LEAK, "", SEV_MAJOR, "inspector-li",
				      "valve corroded", &b, err, sizeof err), 0);
	CHECK("hand: its own id", strcmp(a.id, b.id) != 0);
	CHECK_INT("hand: the grade given", b.severity, SEV_MAJOR);

	CHECK_INT("hand: open -> rectifying directly",
		  act(a.id, RA_RECTIFY, "owner-wang", "new hose ordered", err, sizeof err), 0);
	CHECK_INT("hand: submit at once: no sensor, no wait",
		  act(a.id, RA_SUBMIT, "owner-wang", "new hose fitted", err, sizeof err), 0);
	CHECK_INT("hand: the owner cannot pass it",
		  act(a.id, RA_PASS, "owner-wang", "fine", err, sizeof err), -1);
	CHECK_INT("hand: the inspector passes it",
		  act(a.id, RA_PASS, "inspector-li", "checked", err, sizeof err), 0);
	CHECK_STR("hand: closed", get(a.id).state, "closed");

	CHECK_INT("hand: with a device of the site",
		  daemon_hazard_raise(&dmn, "site-1", HZ_GAS_LEAK, "gas-2", -1, "inspector-li",
				      "detector mounted too low", &c, err, sizeof err), 0);
	CHECK_STR("hand: the device kept", c.device, "gas-2");
	CHECK_INT("hand: the same device and type again refused",
		  daemon_hazard_raise(&dmn, "site-1", HZ_GAS_LEAK, "gas-2", -1, "x", "y", &b,
				      err, sizeof err), -1);
	CHECK_CONTAINS("hand: ... names the live one", err, c.id);
	/* the device's alarm follows the hand-recorded hazard: then its
	 * condition is on and it cannot be submitted */
	CHECK_STR("hand: the device's condition reopens it", gas(1, CHG_ACTIVE, 30, &b),
		  "reopened");
	CHECK_INT("hand: no submit while the device's condition is on",
		  act(c.id, RA_SUBMIT, "fitter", "moved", err, sizeof err), -1);
	CHECK_CONTAINS("hand: ... condition on", err, "its condition is on");

	CHECK_INT("hand: unknown site",
		  daemon_hazard_raise(&dmn, "site-9", HZ_GAS_LEAK, NULL, -1, "x", "y", &b, err,
				      sizeof err), -1);
	CHECK_STR("hand: ... no such site", err, "no such site site-9");
	CHECK_INT("hand: unknown device",
		  daemon_hazard_raise(&dmn, "site-1", HZ_GAS_LEAK, "gas-9", -1, "x", "y", &b,
				      err, sizeof err), -1);
	CHECK_STR("hand: ... no such device", err, "no such device gas-9");
	CHECK_INT("hand: a device of another site",
		  daemon_hazard_raise(&dmn, "site-2", HZ_GAS_LEAK, "gas-1", -1, "x", "y", &b,
				      err, sizeof err), -1);
	CHECK_CONTAINS("hand: ... says where it is", err, "is at site site-1");
	close_store();
}

/* --------------------------------------------------- schema 7 -> 8 */

static void test_migrate_v7(void)
{
	const char *top = getenv("TOP");
	char path[512], *sql = NULL, *got;
	sqlite3 *db = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/tests/data/store_v7.sql", top ? top : ".");
	f = fopen(path, "r");
	CHECK("v7: the fixture", f != NULL);
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	sql = calloc(1, (size_t)n + 1);
	if (sql && fread(sql, 1, (size_t)n, f) != (size_t)n) {
		free(sql);
		sql = NULL;
	}
	fclose(f);
	remove_db();
	if (!sql || sqlite3_open(db_path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		CHECK("v7: loads", false);
		free(sql);
		sqlite3_close(db);
		return;
	}
	free(sql);
	sqlite3_close(db);
	got = raw_text("SELECT group_concat(state, ' ') FROM (SELECT state FROM hazards "
		       "WHERE kind = 'hazard' ORDER BY id)");
	CHECK_STR("v7: the fixture's hazard states", got,
		  "acknowledged cleared cleared rectifying closed open");
	free(got);
	if (!open_store(false))
		return;
	close_store();
	got = raw_text("PRAGMA user_version");
	{
		char want[16];

		/* re-inspection is 8, supervision 10, evidence files 11, alerts 12: the latest */
		snprintf(want, sizeof want, "%d", store_schema_version());
		CHECK_STR("v7: migrated to the current version", got, want);
	}
	free(got);
	got = raw_text("SELECT group_concat(state, ' ') FROM (SELECT state FROM hazards "
		       "WHERE kind = 'hazard' ORDER BY id)");
	/* acknowledged -> open; cleared -> the state before it (rectifying
	 * when someone reported it, else open); the rest as they were */
	CHECK_STR("v7: the states mapped", got, "open rectifying open rectifying closed open");
	free(got);
	got = raw_text("SELECT group_concat((acked_at_ms > 0) || '/' || (cleared_at_ms > 0), ' ') "
		       "FROM (SELECT * FROM hazards WHERE kind = 'hazard' ORDER BY id)");
	CHECK_STR("v7: 签收 kept; normal_since kept for the cleared ones only", got,
		  "1/0 1/1 1/1 1/0 1/1 0/0");
	free(got);
	got = raw_text("SELECT group_concat(state, ' ') FROM (SELECT state FROM hazards "
		       "WHERE kind <> 'hazard' ORDER BY id)");
	CHECK("v7: alarms keep acknowledged and ended", got && strstr(got, "acknowledged") &&
	      strstr(got, "ended"));
	free(got);
	got = raw_text("SELECT count(*) FROM hazards WHERE submitted_at_ms <> 0 OR "
		       "submitted_by IS NOT NULL OR reinspect_failed <> 0");
	CHECK_STR("v7: nothing submitted or failed yet", got, "0");
	free(got);
	got = raw_text("PRAGMA foreign_key_check");
	CHECK("v7: foreign keys hold", got == NULL);
	free(got);
}

int main(void)
{
	log_init("test_reinspect", LOG_LVL_ERR);
	snprintf(dir, sizeof dir, "/tmp/test_reinspect.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof db_path, "%s/r.db", dir);
	clock_use(&fake_clock);
	config_init();
	test_wait();
	test_reinspection();
	test_condition_back();
	test_device_gone();
	test_by_hand();
	test_migrate_v7();
	clock_use(NULL);
	remove_db();
	rmdir(dir);
	TEST_DONE();
}
