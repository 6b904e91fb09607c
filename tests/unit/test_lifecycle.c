/*
 * test_lifecycle.c: the hazard life cycle against a real store on temp
 * files, with an injectable clock instead of sleeps: the migration of a
 * real schema-2 database, the person transition table (legal and refused),
 * rules-driven clear and reopen, deadline escalation (once, priority one
 * class up, on the monotonic clock), recurrence inside and outside the
 * window, evidence, the config keys, and wall-clock jumps that must move
 * no debounce, offline or deadline decision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "store_internal.h"
#include "test_db.h"
#include "testing.h"

/* The loop (main.c, loop*.c) is not linked into unit tests; never called here. */
__attribute__((weak)) cJSON *daemon_status_json(struct daemon *d)
{
	return NULL;
}

#define HOUR_MS 3600000LL
#define T0      1795000000000LL         /* wall clock at the start of a test */

/* ------------------------------------------------------------ the clock */

static int64_t fake_wall, fake_mono;
static bool fake_trusted = true;

static int64_t fk_wall(void *ctx) { return fake_wall; }
static int64_t fk_mono(void *ctx) { return fake_mono; }
static bool fk_trusted(void *ctx) { return fake_trusted; }

static const struct hz_clock fake_clock = {
	.wall_ms = fk_wall, .mono_ms = fk_mono, .trusted = fk_trusted,
};

/* Both clocks move together (time passes). */
static void advance(int64_t ms)
{
	fake_wall += ms;
	fake_mono += ms;
}

/* ------------------------------------------------------------ fixtures */

static char dir[64];

static const char *tmp_path(const char *name)
{
	static char buf[4][160];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void remove_db(const char *name)
{
	char p[200];

	snprintf(p, sizeof p, "%s", tmp_path(name));
	unlink(p);
	snprintf(p, sizeof p, "%s-wal", tmp_path(name));
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", tmp_path(name));
	unlink(p);
	snprintf(p, sizeof p, "%s.hwm", tmp_path(name));
	unlink(p);
}

static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char *v = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc & 0xff;
}

static const char *data_file(const char *name)
{
	static char path[PATH_MAX_HZ];
	const char *top = getenv("TOP");

	snprintf(path, sizeof path, "%s/tests/data/%s", top ? top : ".", name);
	return path;
}

/* The config every store test uses: two devices on two sites. */
static struct config cfg;
static struct device_state states[2];

/* A fresh start for the devices' states (as after a restart). */
static void states_reset(void)
{
	size_t i;

	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		free(states[i].cold);
	memset(states, 0, sizeof states);
}
static struct daemon dmn;

static void config_init(void)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.n_devices = 2;
	cfg.devices = calloc(2, sizeof *cfg.devices);
	device_cfg_blank(cfg.devices, 2);
	cfg.devices[0].id = "gas-1";
	cfg.devices[0].site = "site-1";
	cfg.devices[0].kind = DEV_GAS_DETECTOR;
	cfg.devices[1].id = "batt-1";
	cfg.devices[1].site = "site-2";
	cfg.devices[1].kind = DEV_SMOKE_ALARM;
	cfg.deadlines.major_h = 24;
	cfg.deadlines.general_h = 168;
	cfg.deadlines.recurrence_window_h = 720;
	/* write-offs at once here; the wait is test_reinspect.c's */
	for (int t = 0; t < HZ_TYPE_COUNT; t++)
		cfg.records.normal_submit_set[t] = true;
}

static struct store *daemon_init(const char *name)
{
	char err[512] = "";

	remove_db(name);
	memset(&dmn, 0, sizeof dmn);
	states_reset();
	dmn.cfg = &cfg;
	dmn.dev_state = states;
	dmn.store = store_open(tmp_path(name), err, sizeof err);
	if (!dmn.store)
		printf("  store_open: %s\n", err);
	return dmn.store;
}

static struct hazard_change change(enum hazard_type t, enum change_kind k,
				   enum severity s, const char *detail)
{
	struct hazard_change c;

	memset(&c, 0, sizeof c);
	c.type = t;
	c.kind = k;
	c.severity = s;
	strlcpy_hz(c.detail, detail, sizeof c.detail);
	return c;
}

static struct reading gas(double lel)
{
	struct reading r;

	memset(&r, 0, sizeof r);
	r.ts_ms = fake_wall;
	reading_set(&r, RF_GAS_LEL, lel);
	return r;
}

/* One rules change through the daemon's path: policy, store, event. */
static const char *apply(int dev, struct hazard_change c, const struct reading *r,
			 struct hazard_rec *rec)
{
	struct hz_policy pol;
	const char *ev = NULL;

	lifecycle_policy(&cfg, c.type, &pol);
	if (store_begin(dmn.store) < 0)
		return "begin failed";
	if (store_hazard_apply_policy(dmn.store, &cfg.devices[dev], &c, r, &pol,
				      fake_wall, rec, &ev) < 0) {
		store_rollback(dmn.store);
		return "apply failed";
	}
	if (ev)
		lifecycle_emit(&dmn, rec, ev, fake_wall, NULL);
	store_commit(dmn.store);
	return ev;
}

static int tick(void)
{
	int n;

	store_begin(dmn.store);
	n = lifecycle_tick(&dmn);
	store_commit(dmn.store);
	return n;
}

static const char *jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static double jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1e300;
}

/* The body of the newest outbox row (malloc'd), or NULL. */
static cJSON *last_outbox(void)
{
	char *body = raw_text(tmp_path("life.db"), "SELECT body FROM outbox ORDER BY seq DESC LIMIT 1");
	cJSON *o = body ? cJSON_Parse(body) : NULL;

	free(body);
	return o;
}

/* ------------------------------------------------------------ migration */

static void test_migrate_v2(void)
{
	const char *p = tmp_path("v2.db");
	char *sql = read_file_hz(data_file("store_v2.sql"), 1 << 20, NULL), *ev;
	char err[512] = "";
	struct store *st;
	struct hazard_rec rec;
	struct device_cfg dev;
	struct hazard_change c;
	const char *event = NULL;

	remove_db("v2.db");
	CHECK("migrate v2: sample file readable", sql != NULL);
	if (!sql)
		return;
	CHECK_INT("migrate v2: sample loads", raw_exec(p, sql), SQLITE_OK);
	free(sql);
	CHECK_INT("migrate v2: sample is version 2", db_int(p, "PRAGMA user_version"), 2);

	st = store_open(p, err, sizeof err);
	CHECK("migrate v2: store opens it", st != NULL);
	if (!st) {
		printf("  err: %s\n", err);
		return;
	}
	CHECK_INT("migrate v2: now at the latest version", db_int(p, "PRAGMA user_version"),
		  store_schema_version());
	CHECK("migrate v2: the life-cycle schema is 3 or later", store_schema_version() >= 3);
	CHECK_INT("migrate v2: every hazard kept", db_int(p, "SELECT count(*) FROM hazards"), 3);
	CHECK_INT("migrate v2: every event kept",
		  db_int(p, "SELECT count(*) FROM hazard_events"), 5);
	CHECK_INT("migrate v2: readings kept", db_int(p, "SELECT count(*) FROM readings"), 6);
	/* version 5: gas and smoke rows are alarms; a closed one has ended,
	 * an open one is active; their ids stay */
	CHECK_INT("migrate v2: states carried over to alarms",
		  db_int(p, "SELECT count(*) FROM hazards WHERE (id = '4ce2909c-H1' AND "
			  "state = 'ended') OR (id = '4ce2909c-H3' AND state = 'active')"), 2);
	CHECK_INT("migrate v2: every row is an alarm now",
		  db_int(p, "SELECT count(*) FROM hazards WHERE kind = 'alarm'"), 3);
	CHECK_INT("migrate v2: the ended alarm keeps its end time",
		  db_int(p, "SELECT cleared_at_ms FROM hazards WHERE id = '4ce2909c-H1'"),
		  1795449163614LL);
	CHECK_INT("migrate v2: v1 columns kept",
		  db_int(p, "SELECT deadline_ms FROM hazards WHERE id = '4ce2909c-H1'"),
		  1795535559562LL);
	ev = raw_text(p, "SELECT evidence FROM hazards WHERE id = '4ce2909c-H3'");
	CHECK("migrate v2: evidence kept", ev && strstr(ev, "\"gas_lel\":30"));
	free(ev);
	CHECK_INT("migrate v2: new columns default",
		  db_int(p, "SELECT count(*) FROM hazards WHERE acked_at_ms = 0 AND "
			  "rectifying_at_ms = 0 AND overdue = 0 AND escalated_at_ms = 0 "
			  "AND recurrence_of IS NULL AND clock_trusted = 1"), 3);
	CHECK_INT("migrate v2: foreign keys hold",
		  db_int(p, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	CHECK_INT("migrate v2: one-open index rebuilt",
		  db_int(p, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
			  "name = 'hazards_one_open' AND sql LIKE '%UNIQUE%WHERE%'"), 1);
	CHECK_INT("migrate v2: hazards_by_site index",
		  db_int(p, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
			  "name = 'hazards_by_site'"), 1);
	CHECK_INT("migrate v2: self_checks table",
		  db_int(p, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
			  "name = 'self_checks'"), 1);
	CHECK_INT("migrate v2: self_checks_by_time index",
		  db_int(p, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
			  "name = 'self_checks_by_time'"), 1);
	CHECK_INT("migrate v2: no leftover table",
		  db_int(p, "SELECT count(*) FROM sqlite_master WHERE name = 'hazards_v3'"), 0);
	CHECK_STR("migrate v2: epoch kept", store_epoch(st), "4ce2909c");
	CHECK_INT("migrate v2: the new states are allowed",
		  raw_exec(p, "UPDATE hazards SET state = 'acknowledged' WHERE id = "
			   "'4ce2909c-H2'"), SQLITE_OK);
	CHECK_INT("migrate v2: an unknown state is refused",
		  raw_exec(p, "UPDATE hazards SET state = 'bogus' WHERE id = '4ce2909c-H2'"),
		  SQLITE_CONSTRAINT);
	CHECK_INT("migrate v2: read back",
		  store_hazard_get(st, "4ce2909c-H2", &rec) == 0 &&
		  strcmp(rec.state, "acknowledged") == 0, 1);

	/* the migrated file keeps working: the one-open rule, the id counter */
	dev = (struct device_cfg)DEVICE_CFG_BLANK;
	dev.id = "gas-1";
	dev.site = "site-1";
	c = change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "gas_lel 1 < 22.5");
	{
		struct hz_policy pol = { .deadline_h = { 168, 24 }, .clock_trusted = true };

		CHECK_INT("migrate v2: end the active gas alarm",
			  store_record_apply(st, REC_ALARM, true, &dev, &c, NULL, &pol, T0,
					     &rec, &event), 0);
	}
	CHECK_STR("migrate v2: it was the active one", rec.id, "4ce2909c-H3");
	CHECK_STR("migrate v2: it ended", event ? event : "", "ended");
	c = change(HZ_SMOKE_ALARM, CHG_ACTIVE, SEV_MAJOR, "smoke");
	dev.id = "smoke-2";
	store_hazard_apply(st, &dev, &c, NULL, 24, T0, &rec, &event);
	CHECK_STR("migrate v2: the next id continues the counter", rec.id, "4ce2909c-H4");
	store_close(st);

	/* opening again runs nothing more */
	st = store_open(p, err, sizeof err);
	CHECK("migrate v2: reopens", st != NULL);
	CHECK_INT("migrate v2: still the latest version", db_int(p, "PRAGMA user_version"),
		  store_schema_version());
	store_close(st);
}

/* ------------------------------------------------------------ the table */

static void test_table(void)
{
	static const struct {
		enum hz_state from, to;
		int want;               /* resulting state, -1 refused */
		const char *says;       /* in the refusal */
	} rows[] = {
		{ HZS_OPEN, HZS_RECTIFYING, HZS_RECTIFYING, NULL },
		{ HZS_OPEN, HZS_SUBMITTED, HZS_SUBMITTED, NULL },
		{ HZS_OPEN, HZS_CLOSED, -1, "hazard H1 is open: not submitted" },
		{ HZS_RECTIFYING, HZS_RECTIFYING, -1, "already reported as rectifying" },
		{ HZS_RECTIFYING, HZS_SUBMITTED, HZS_SUBMITTED, NULL },
		{ HZS_RECTIFYING, HZS_CLOSED, -1, "not submitted" },
		{ HZS_SUBMITTED, HZS_RECTIFYING, -1, "submitted for re-inspection" },
		{ HZS_SUBMITTED, HZS_SUBMITTED, -1, "already submitted" },
		{ HZS_SUBMITTED, HZS_CLOSED, HZS_CLOSED, NULL },
		{ HZS_CLOSED, HZS_RECTIFYING, -1, "hazard H1 is closed; cannot report rectification" },
		{ HZS_CLOSED, HZS_SUBMITTED, -1, "hazard H1 is closed; cannot submit" },
		{ HZS_CLOSED, HZS_CLOSED, -1, "hazard H1 is closed; cannot verify (pass)" },
		{ HZS_SUBMITTED, HZS_OPEN, -1, "a person cannot set a hazard to \"open\"" },
	};
	char name[160], err[256];
	size_t i;
	int got;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		err[0] = '\0';
		got = lifecycle_next("H1", rows[i].from, rows[i].to, err, sizeof err);
		snprintf(name, sizeof name, "table: %s + %s", hz_state_name[rows[i].from],
			 hz_state_name[rows[i].to]);
		CHECK_INT(name, got, rows[i].want);
		if (rows[i].says) {
			snprintf(name, sizeof name, "table: %s + %s says why",
				 hz_state_name[rows[i].from], hz_state_name[rows[i].to]);
			CHECK_CONTAINS(name, err, rows[i].says);
		}
	}
	for (i = 0; i < HZS_COUNT; i++) {
		snprintf(name, sizeof name, "state name %s round-trips", hz_state_name[i]);
		CHECK_INT(name, hz_state_from_name(hz_state_name[i]), (int)i);
	}
	CHECK_INT("state name unknown", hz_state_from_name("resolved"), -1);
	CHECK_INT("old state acknowledged is gone", hz_state_from_name("acknowledged"), -1);
	CHECK_INT("old state cleared is gone", hz_state_from_name("cleared"), -1);
	CHECK_STR("priority names", priority_name[PRIO_MINOR], "minor");
	CHECK_STR("priority names low", priority_name[PRIO_LOW], "low");
}

/* Submit by one person, verify pass by another: the write-off. */
static int write_off(const char *id, const char *note)
{
	char err[256];

	if (daemon_hazard_transition(&dmn, id, RA_SUBMIT, "fitter", note, NULL, err,
				     sizeof err) < 0) {
		printf("  submit %s: %s\n", id, err);
		return -1;
	}
	if (daemon_hazard_transition(&dmn, id, RA_PASS, "inspector", note, NULL, err,
				     sizeof err) < 0) {
		printf("  verify %s: %s\n", id, err);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ people */

static void test_transitions(void)
{
	struct hazard_rec rec;
	struct reading r;
	char err[256], id[ID_MAX], sql[256];
	const char *ev;
	cJSON *o, *d, *evd, *tr;

	fake_wall = T0;
	fake_mono = 1000;
	if (!daemon_init("life.db"))
		return;
	r = gas(30);
	ev = apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 30 >= 25"), &r, &rec);
	CHECK_STR("people: raised", ev, "raised");
	strlcpy_hz(id, rec.id, sizeof id);

	advance(60000);
	CHECK_INT("people: ack", daemon_hazard_transition(&dmn, id, RA_ACK,
		  "alice", "on my way", NULL, err, sizeof err), 0);
	CHECK_INT("people: read back", store_hazard_get(dmn.store, id, &rec), 0);
	CHECK_STR("people: acknowledged keeps it open (签收)", rec.state, "open");
	CHECK_INT("people: acked_at", rec.acked_at_ms, T0 + 60000);
	o = last_outbox();
	CHECK_STR("people: upstream event acknowledged", jstr(o, "event"), "acknowledged");
	CHECK_STR("people: upstream actor", jstr(o, "actor"), "alice");
	CHECK_STR("people: upstream note", jstr(o, "note"), "on my way");
	CHECK_STR("people: upstream state", jstr(o, "state"), "open");
	CHECK("people: upstream acked_at", jstr(o, "acked_at") != NULL);
	CHECK("people: upstream normal_since null while on",
	      cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "normal_since")));
	CHECK_DBL("people: upstream reinspect_failed 0", jnum(o, "reinspect_failed"), 0);
	cJSON_Delete(o);

	err[0] = '\0';
	CHECK_INT("people: second ack refused", daemon_hazard_transition(&dmn, id,
		  RA_ACK, "bob", NULL, NULL, err, sizeof err), -1);
	CHECK_CONTAINS("people: second ack says why", err, "already acknowledged");
	err[0] = '\0';
	CHECK_INT("people: submit while on refused", daemon_hazard_transition(&dmn, id,
		  RA_SUBMIT, "bob", "done", NULL, err, sizeof err), -1);
	CHECK_CONTAINS("people: submit refusal", err, "its condition is on");
	err[0] = '\0';
	CHECK_INT("people: close before a submit refused", daemon_hazard_transition(&dmn, id,
		  RA_CLOSE, "bob", "done", NULL, err, sizeof err), -1);
	CHECK_CONTAINS("people: close refusal", err, "not submitted");

	advance(60000);
	CHECK_INT("people: rectifying", daemon_hazard_transition(&dmn, id, RA_RECTIFY,
		  "bob", "hose being replaced", NULL, err, sizeof err), 0);
	store_hazard_get(dmn.store, id, &rec);
	CHECK_STR("people: state rectifying", rec.state, "rectifying");
	CHECK_INT("people: rectifying_at", rec.rectifying_at_ms, T0 + 120000);
	CHECK_INT("people: acked_at kept", rec.acked_at_ms, T0 + 60000);

	/* a reading while the condition is on widens min/max */
	r = gas(55);
	store_begin(dmn.store);
	store_hazard_observe(dmn.store, "gas-1", &r);
	store_commit(dmn.store);

	/* the condition clears: normal_since, the state stays the person's */
	advance(60000);
	r = gas(2);
	ev = apply(0, change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "gas_lel 2 < 22.5"), &r, &rec);
	CHECK_STR("people: cleared event", ev, "cleared");
	CHECK_STR("people: still rectifying", rec.state, "rectifying");
	CHECK_INT("people: normal_since", rec.cleared_at_ms, fake_wall);

	/* the condition returns before the write-off: reopened, still rectifying */
	advance(60000);
	r = gas(35);
	ev = apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 35 >= 25"), &r, &rec);
	CHECK_STR("people: reopened", ev, "reopened");
	CHECK_STR("people: reopened keeps rectifying", rec.state, "rectifying");
	CHECK_INT("people: reopened resets normal_since", rec.cleared_at_ms, 0);
	CHECK_INT("people: reopened counts an occurrence", rec.occurrences, 2);
	CHECK_STR("people: reopened keeps the id", rec.id, id);
	o = last_outbox();
	CHECK_STR("people: upstream reopened", jstr(o, "event"), "reopened");
	cJSON_Delete(o);

	advance(60000);
	r = gas(1);
	apply(0, change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "gas_lel 1 < 22.5"), &r, &rec);
	store_put_reading(dmn.store, "gas-1", &r);
	CHECK_INT("people: submit with evidence", daemon_hazard_transition(&dmn, id,
		  RA_SUBMIT, "bob", "valve replaced, retested", "photo 42: new hose",
		  err, sizeof err), 0);
	store_hazard_get(dmn.store, id, &rec);
	CHECK_STR("people: submitted", rec.state, "submitted");
	CHECK_STR("people: submitted_by", rec.submitted_by, "bob");
	err[0] = '\0';
	CHECK_INT("people: the submitter cannot close it", daemon_hazard_transition(&dmn, id,
		  RA_CLOSE, "bob", "looks fine", NULL, err, sizeof err), -1);
	CHECK_CONTAINS("people: same actor says why", err, "submitted by bob");

	advance(60000);
	CHECK_INT("people: close by someone else", daemon_hazard_transition(&dmn, id,
		  RA_CLOSE, "carol", "holds", NULL, err, sizeof err), 0);
	store_hazard_get(dmn.store, id, &rec);
	CHECK_STR("people: closed", rec.state, "closed");
	CHECK_INT("people: closed_at", rec.closed_at_ms, fake_wall);
	o = last_outbox();
	CHECK_STR("people: upstream closed", jstr(o, "event"), "closed");
	CHECK_STR("people: upstream close actor", jstr(o, "actor"), "carol");
	CHECK_STR("people: upstream submitted_by", jstr(o, "submitted_by"), "bob");
	evd = cJSON_GetObjectItemCaseSensitive(o, "evidence");
	CHECK_STR("people: evidence.operator upstream", jstr(evd, "operator"),
		  "photo 42: new hose");
	tr = cJSON_GetObjectItemCaseSensitive(evd, "trigger");
	CHECK_STR("people: evidence.trigger.field", jstr(tr, "field"), "gas_lel");
	CHECK_DBL("people: trigger raised", jnum(tr, "raised"), 30);
	CHECK_DBL("people: trigger max while on", jnum(tr, "max"), 55);
	CHECK_DBL("people: trigger min", jnum(tr, "min"), 1);
	CHECK_DBL("people: trigger cleared", jnum(tr, "cleared"), 1);
	CHECK_DBL("people: trigger closed", jnum(tr, "closed"), 1);
	cJSON_Delete(o);
	d = store_hazard_detail(dmn.store, id);
	CHECK_STR("people: hazardctl hazard shows evidence",
		  jstr(cJSON_GetObjectItemCaseSensitive(d, "evidence"), "operator"),
		  "photo 42: new hose");
	cJSON_Delete(d);

	err[0] = '\0';
	CHECK_INT("people: ack after close refused", daemon_hazard_transition(&dmn, id,
		  RA_ACK, "dave", NULL, NULL, err, sizeof err), -1);
	snprintf(sql, sizeof sql, "hazard %s is closed; cannot acknowledge", id);
	CHECK_STR("people: closed refusal text", err, sql);
	err[0] = '\0';
	CHECK_INT("people: unknown hazard", daemon_hazard_transition(&dmn, "nope-H1",
		  RA_ACK, "dave", NULL, NULL, err, sizeof err), -1);
	CHECK_CONTAINS("people: unknown says so", err, "no such alarm, fault or hazard");

	/* every transition is an event with its actor and note, in order */
	snprintf(sql, sizeof sql, "SELECT group_concat(event || ':' || coalesce(actor, '') "
		 "|| ':' || coalesce(note, ''), '|') FROM (SELECT * FROM hazard_events "
		 "WHERE hazard_id = '%s' ORDER BY seq)", id);
	{
		char *all = raw_text(tmp_path("life.db"), sql);

		CHECK_STR("people: the event history", all,
			  "raised:hazardd:|acknowledged:alice:on my way|"
			  "rectifying:bob:hose being replaced|cleared:hazardd:|"
			  "reopened:hazardd:|cleared:hazardd:|"
			  "submitted:bob:valve replaced, retested|closed:carol:holds");
		free(all);
	}
	store_close(dmn.store);
	dmn.store = NULL;
}

/* ------------------------------------------------------------ deadlines */

static void test_deadlines(void)
{
	struct hazard_rec rec, gasrec;
	struct reading r;
	const char *ev;
	cJSON *o;
	char id[ID_MAX];

	fake_wall = T0;
	fake_mono = 5000;
	cfg.deadlines.type_general_h[HZ_LOW_BATTERY] = 2;       /* per-type override */
	if (!daemon_init("life.db"))
		return;
	memset(&r, 0, sizeof r);
	r.ts_ms = fake_wall;
	reading_set(&r, RF_BATTERY, 9);
	ev = apply(1, change(HZ_LOW_BATTERY, CHG_ACTIVE, SEV_GENERAL, "battery 9 <= 20"),
		   &r, &rec);
	CHECK_STR("deadline: raised", ev, "raised");
	strlcpy_hz(id, rec.id, sizeof id);
	CHECK_INT("deadline: per-type override", rec.deadline_ms - rec.raised_at_ms, 2 * HOUR_MS);
	CHECK_INT("deadline: default class minor", rec.priority, PRIO_MINOR);
	CHECK_INT("deadline: monotonic start recorded",
		  states[1].cold ? states[1].cold->hz_raised_mono_ms[HZ_LOW_BATTERY] : -1, 5000);

	r = gas(60);
	apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_MAJOR, "gas_lel 60 >= 50"), &r, &gasrec);
	CHECK_INT("deadline: gas major is urgent", gasrec.priority, PRIO_URGENT);

	/* the wall clock jumps a day ahead: no deadline moves */
	fake_wall += 24 * HOUR_MS;
	CHECK_INT("deadline: wall +1 day escalates nothing", tick(), 0);
	fake_wall -= 25 * HOUR_MS;                      /* and then an hour behind */
	CHECK_INT("deadline: wall -1 hour escalates nothing", tick(), 0);
	fake_wall += HOUR_MS;

	advance(2 * HOUR_MS - 1);
	CHECK_INT("deadline: not yet due", tick(), 0);
	advance(1);
	CHECK_INT("deadline: due: one escalated", tick(), 1);
	store_hazard_get(dmn.store, id, &rec);
	CHECK_INT("deadline: overdue", rec.overdue, 1);
	CHECK_INT("deadline: escalated_at", rec.escalated_at_ms, fake_wall);
	CHECK_INT("deadline: priority one class up", rec.priority, PRIO_SERIOUS);
	o = last_outbox();
	CHECK_STR("deadline: upstream escalated", jstr(o, "event"), "escalated");
	CHECK("deadline: upstream overdue true",
	      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "overdue")));
	CHECK_STR("deadline: upstream priority", jstr(o, "priority"), "serious");
	CHECK_STR("deadline: upstream hazard", jstr(o, "hazard_id"), id);
	cJSON_Delete(o);
	advance(HOUR_MS);
	CHECK_INT("deadline: escalated once only", tick(), 0);

	/* gas is due after 24 h: already urgent, it stays urgent */
	advance(22 * HOUR_MS);
	CHECK_INT("deadline: gas due", tick(), 1);
	store_hazard_get(dmn.store, gasrec.id, &gasrec);
	CHECK_INT("deadline: urgent stays urgent", gasrec.priority, PRIO_URGENT);
	CHECK_INT("deadline: gas overdue", gasrec.overdue, 1);

	/* a hazard from before a restart goes by its wall-clock deadline */
	states_reset();
	r = gas(30);
	apply(0, change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "clear"), &r, &gasrec);
	advance(1000);
	ev = apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "again"), &r, &gasrec);
	CHECK_STR("deadline: reopened keeps being overdue", ev, "reopened");
	CHECK_INT("deadline: reopened hazard keeps overdue", gasrec.overdue, 1);
	cfg.deadlines.type_general_h[HZ_LOW_BATTERY] = 0;
	store_close(dmn.store);
	dmn.store = NULL;
}

static void test_deadline_after_restart(void)
{
	struct hazard_rec rec;
	struct reading r;

	fake_wall = T0;
	fake_mono = 1;
	if (!daemon_init("life.db"))
		return;
	memset(&r, 0, sizeof r);
	reading_set(&r, RF_TAMPER, 1);
	apply(0, change(HZ_TAMPER, CHG_ACTIVE, SEV_GENERAL, "tamper"), &r, &rec);
	/* restart: no monotonic record of it any more */
	states_reset();
	fake_mono = 1;
	fake_wall = rec.deadline_ms - 1;
	CHECK_INT("restart: before the recorded deadline", tick(), 0);
	fake_wall = rec.deadline_ms;
	CHECK_INT("restart: at the recorded deadline", tick(), 1);
	store_close(dmn.store);
	dmn.store = NULL;
}

/* ------------------------------------------------------------ recurrence */

static void test_recurrence(void)
{
	struct hazard_rec rec;
	struct reading r;
	char first[ID_MAX], second[ID_MAX];
	const char *ev;
	cJSON *o, *counts;

	fake_wall = T0;
	fake_mono = 1;
	if (!daemon_init("life.db"))
		return;
	r = gas(30);
	apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 30"), &r, &rec);
	strlcpy_hz(first, rec.id, sizeof first);
	CHECK_INT("recur: first is general", rec.severity, SEV_GENERAL);
	r = gas(1);
	apply(0, change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "clear"), &r, &rec);
	CHECK_INT("recur: first written off", write_off(first, "fixed"), 0);

	/* 10 hours after the close, inside 720 h */
	advance(10 * HOUR_MS);
	r = gas(30);
	ev = apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 30"), &r, &rec);
	CHECK_STR("recur: raised", ev, "raised");
	strlcpy_hz(second, rec.id, sizeof second);
	CHECK("recur: a new hazard", strcmp(first, second) != 0);
	CHECK_STR("recur: linked to the earlier one", rec.recurrence_of, first);
	/* linked and counted, not graded up by itself (core/record.c) */
	CHECK_INT("recur: keeps its grade", rec.severity, SEV_GENERAL);
	CHECK_INT("recur: general deadline", rec.deadline_ms - rec.raised_at_ms, 168 * HOUR_MS);
	o = last_outbox();
	CHECK("recur: upstream recurrence true",
	      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "recurrence")));
	CHECK_STR("recur: upstream earlier id", jstr(o, "recurrence_of"), first);
	CHECK_STR("recur: upstream severity", jstr(o, "severity"), "general");
	cJSON_Delete(o);

	/* another type on the same device is not a recurrence */
	memset(&r, 0, sizeof r);
	reading_set(&r, RF_TAMPER, 1);
	apply(0, change(HZ_TAMPER, CHG_ACTIVE, SEV_GENERAL, "tamper"), &r, &rec);
	CHECK_STR("recur: other type is not", rec.recurrence_of, "");

	/* close the second, come back after the window: not a recurrence */
	r = gas(1);
	apply(0, change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "clear"), &r, &rec);
	CHECK_INT("recur: second written off", write_off(second, "fixed again"), 0);
	advance(721 * HOUR_MS);
	r = gas(30);
	apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 30"), &r, &rec);
	CHECK_STR("recur: outside the window is not", rec.recurrence_of, "");
	CHECK_INT("recur: outside keeps its severity", rec.severity, SEV_GENERAL);
	o = last_outbox();
	CHECK("recur: upstream no recurrence key",
	      !cJSON_GetObjectItemCaseSensitive(o, "recurrence"));
	cJSON_Delete(o);

	counts = store_recurrences_by_site(dmn.store);
	CHECK_DBL("recur: count per site", jnum(counts, "site-1"), 1);
	CHECK("recur: site without none absent",
	      !cJSON_GetObjectItemCaseSensitive(counts, "site-2"));
	cJSON_Delete(counts);

	/* a clock set back behind the last close invents no recurrence */
	apply(0, change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "clear"), &r, &rec);
	write_off(rec.id, "b");
	cfg.deadlines.recurrence_window_h = 24;
	fake_wall -= 2 * HOUR_MS;
	apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 30"), &r, &rec);
	CHECK_STR("recur: a close in the clock's future is not counted", rec.recurrence_of, "");
	fake_wall += 2 * HOUR_MS;
	cfg.deadlines.recurrence_window_h = 720;

	/* window 0 turns it off */
	cfg.deadlines.recurrence_window_h = 0;
	apply(0, change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "clear"), &r, &rec);
	write_off(rec.id, "b");
	advance(1000);
	apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 30"), &r, &rec);
	CHECK_STR("recur: window 0 is off", rec.recurrence_of, "");
	cfg.deadlines.recurrence_window_h = 720;
	store_close(dmn.store);
	dmn.store = NULL;
}

/* ------------------------------------------------------------ clock trust */

static void test_clock_trust(void)
{
	struct hazard_rec rec;
	struct reading r;
	cJSON *o;

	fake_wall = T0;
	fake_trusted = false;
	clock_use(&fake_clock);         /* re-arms the trust latch */
	if (!daemon_init("life.db"))
		return;
	r = gas(30);
	apply(0, change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "x"), &r, &rec);
	CHECK_INT("trust: raised before trust is marked", rec.clock_trusted, 0);
	o = last_outbox();
	CHECK("trust: upstream clock_trusted false",
	      cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "clock_trusted")));
	cJSON_Delete(o);
	fake_trusted = true;
	memset(&r, 0, sizeof r);
	reading_set(&r, RF_TAMPER, 1);
	apply(0, change(HZ_TAMPER, CHG_ACTIVE, SEV_GENERAL, "t"), &r, &rec);
	CHECK_INT("trust: after trust", rec.clock_trusted, 1);
	o = last_outbox();
	CHECK("trust: upstream leaves it out when trusted",
	      !cJSON_GetObjectItemCaseSensitive(o, "clock_trusted"));
	cJSON_Delete(o);
	fake_trusted = false;
	CHECK("trust: once trusted, stays trusted", clock_trusted());
	fake_trusted = true;
	store_close(dmn.store);
	dmn.store = NULL;
}

/* ------------------------------------------------------------ rules and jumps */

/*
 * The loop hands the rules now_mono_ms(); a scripted run with the wall
 * clock jumping +1 day and -1 hour in the middle must make exactly the
 * decisions of the same run without jumps (debounce/hold and offline).
 */
static int scripted_run(bool jumps, char *log, size_t len)
{
	struct device_cfg dev;
	struct device_state st;
	struct rule_slot slots[HZ_TYPE_COUNT];
	struct hazard_change ch[MAX_CHANGES];
	struct reading r;
	size_t used = 0;
	int step, n, i, total = 0;

	dev = (struct device_cfg)DEVICE_CFG_BLANK;
	dev.id = "gas-9";
	dev.kind = DEV_GAS_DETECTOR;
	dev.heartbeat_s = 30;
	dev.rules.lel_low = 25;
	dev.rules.lel_high = 50;
	dev.rules.hold_s = 5;
	dev.rules.hysteresis_pct = 10;
	memset(&st, 0, sizeof st);
	memset(slots, 0, sizeof slots);
	rules_state_init(&st, dev.kind, slots);
	fake_wall = T0;
	fake_mono = 100000;
	st.last_seen_ms = now_mono_ms();
	log[0] = '\0';
	for (step = 0; step < 120; step++) {
		/* gas above low for 4 s (under the hold), then 10 s, then
		 * silence for 40 s (offline), then back */
		double lel = step < 4 ? 30 : step < 10 ? 5 : step < 22 ? 30 : 5;
		bool silent = step >= 40 && step < 85;

		if (jumps && step == 2)
			fake_wall += 24 * HOUR_MS;
		if (jumps && step == 17)
			fake_wall -= HOUR_MS;
		if (jumps && step == 60)
			fake_wall -= 24 * HOUR_MS;
		n = 0;
		if (!silent) {
			memset(&r, 0, sizeof r);
			r.ts_ms = now_wall_ms();
			reading_set(&r, RF_GAS_LEL, lel);
			n = rules_eval(&dev, &st, &r, now_mono_ms(), ch, MAX_CHANGES);
		}
		n += rules_tick(&dev, &st, now_mono_ms(), ch + n, MAX_CHANGES - n);
		for (i = 0; i < n && used < len; i++)
			used += (size_t)snprintf(log + used, len - used, "%d:%s/%d ", step,
						 hazard_type_name[ch[i].type], (int)ch[i].kind);
		total += n;
		advance(1000);
	}
	return total;
}

static void test_wall_jumps(void)
{
	char plain[2048], jumped[2048];
	int a, b;

	clock_use(&fake_clock);
	a = scripted_run(false, plain, sizeof plain);
	b = scripted_run(true, jumped, sizeof jumped);
	CHECK("jumps: the scenario makes decisions", a >= 4);
	CHECK_INT("jumps: same number of decisions", b, a);
	CHECK_STR("jumps: same decisions at the same steps", jumped, plain);
	CHECK("jumps: a short spike under the hold raised nothing",
	      strncmp(plain, "0:", 2) != 0 && !strstr(plain, " 3:"));
	CHECK("jumps: offline raised during the silence", strstr(plain, "device_offline/0") != NULL);
	printf("INFO: decisions: %s\n", plain);
}

/* ------------------------------------------------------------ config */

static const char *write_cfg(const char *extra)
{
	const char *p = tmp_path("hazardd.json");
	FILE *f = fopen(p, "w");

	if (!f)
		return p;
	fprintf(f, "{\n"
		"  \"gateway\": {\"id\": \"gw-1\", \"district\": \"d1\"},\n"
		"  \"storage\": {\"path\": \"%s/x.db\"},\n"
		"  \"local\": {\"uri\": \"tcp://127.0.0.1:1883\"},\n"
		"  \"upstream\": {\"uris\": [\"tcp://127.0.0.1:1884\"]},\n"
		"  \"control\": {\"socket\": \"%s/c.sock\"},\n"
		"  \"sites\": [], \"devices\": []%s%s\n}\n", dir, dir,
		extra ? ",\n" : "", extra ? extra : "");
	fclose(f);
	return p;
}

static void test_config(void)
{
	struct config c;
	struct hz_policy pol;
	char errs[8192];

	memset(&c, 0, sizeof c);
	CHECK_INT("config: defaults load", config_load(write_cfg(NULL), &c, errs, sizeof errs), 0);
	CHECK_DBL("config: recurrence window default 720 h", c.deadlines.recurrence_window_h, 720);
	lifecycle_policy(&c, HZ_LOW_BATTERY, &pol);
	CHECK_INT("config: default class low_battery minor", pol.prio[SEV_GENERAL], PRIO_MINOR);
	CHECK_DBL("config: default general deadline", pol.deadline_h[SEV_GENERAL], 168);
	config_free(&c);

	memset(&c, 0, sizeof c);
	CHECK_INT("config: lifecycle keys load", config_load(write_cfg(
		"  \"deadlines\": {\"major_h\": 12, \"general_h\": 100, \"recurrence_window_h\": 48,\n"
		"    \"types\": {\"gas_leak\": 2, \"low_battery\": {\"general_h\": 336}}},\n"
		"  \"priorities\": {\"low_battery\": \"low\",\n"
		"    \"tamper\": {\"general\": \"minor\", \"major\": \"serious\"}}"),
		&c, errs, sizeof errs), 0);
	lifecycle_policy(&c, HZ_GAS_LEAK, &pol);
	CHECK_DBL("config: gas override general", pol.deadline_h[SEV_GENERAL], 2);
	CHECK_DBL("config: gas override major", pol.deadline_h[SEV_MAJOR], 2);
	CHECK_INT("config: gas class stays urgent", pol.prio[SEV_GENERAL], PRIO_URGENT);
	CHECK_INT("config: window in ms", pol.recurrence_window_ms, 48 * HOUR_MS);
	lifecycle_policy(&c, HZ_LOW_BATTERY, &pol);
	CHECK_DBL("config: per-severity override", pol.deadline_h[SEV_GENERAL], 336);
	CHECK_DBL("config: other severity keeps the default", pol.deadline_h[SEV_MAJOR], 12);
	CHECK_INT("config: class for both severities", pol.prio[SEV_MAJOR], PRIO_LOW);
	lifecycle_policy(&c, HZ_TAMPER, &pol);
	CHECK_INT("config: class by severity general", pol.prio[SEV_GENERAL], PRIO_MINOR);
	CHECK_INT("config: class by severity major", pol.prio[SEV_MAJOR], PRIO_SERIOUS);
	lifecycle_policy(&c, HZ_SMOKE_ALARM, &pol);
	CHECK_DBL("config: no override: severity default", pol.deadline_h[SEV_GENERAL], 100);
	config_free(&c);

	memset(&c, 0, sizeof c);
	errs[0] = '\0';
	CHECK_INT("config: bad keys refused", config_load(write_cfg(
		"  \"deadlines\": {\"types\": {\"gas_leek\": 2, \"smoke_alarm\": 0,\n"
		"    \"tamper\": {\"major\": 3}}},\n"
		"  \"priorities\": {\"tamper\": \"slow\", \"low_battery\": {\"minor\": \"low\"},\n"
		"    \"smoke_alarm\": 3}"),
		&c, errs, sizeof errs), -1);
	CHECK_CONTAINS("config: unknown type", errs, "$.deadlines.types.gas_leek: unknown hazard type");
	CHECK_CONTAINS("config: zero hours", errs, "$.deadlines.types.smoke_alarm: 0 is out of range");
	CHECK_CONTAINS("config: unknown per-severity key", errs,
		       "$.deadlines.types.tamper.major: unknown key");
	CHECK_CONTAINS("config: unknown class", errs,
		       "$.priorities.tamper: unknown priority class \"slow\"");
	CHECK_CONTAINS("config: unknown severity", errs, "$.priorities.low_battery.minor: unknown key");
	CHECK_CONTAINS("config: class must be a string", errs,
		       "$.priorities.smoke_alarm: expected a priority class");
	CHECK_CONTAINS("config: errors carry the line", errs, "hazardd.json:10:");
	config_free(&c);
}

int main(void)
{
	log_init("test_lifecycle", LOG_LVL_ERR);
	snprintf(dir, sizeof dir, "/tmp/test_lifecycle.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	clock_use(&fake_clock);
	config_init();
	test_migrate_v2();
	test_table();
	test_transitions();
	test_deadlines();
	test_deadline_after_restart();
	test_recurrence();
	test_clock_trust();
	test_wall_jumps();
	test_config();
	clock_use(NULL);
	remove_db("v2.db");
	remove_db("life.db");
	unlink(tmp_path("hazardd.json"));
	rmdir(dir);
	free(cfg.devices);
	states_reset();
	TEST_DONE();
}
