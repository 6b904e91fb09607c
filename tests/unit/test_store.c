/*
 * test_store.c: the SQLite store against real files in a temporary
 * directory: schema, hazard life cycle, outbox, readings, transactions and
 * damaged files.  A second raw sqlite3 connection checks what really
 * reached the file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "store_internal.h"
#include "test_db.h"
#include "testing.h"

/*
 * Weak stand-ins for tables owned by rules.c and config.c, so this test
 * links whether or not those files exist; the real ones win when linked.
 */
__attribute__((weak)) const char *const hazard_type_name[HZ_TYPE_COUNT] = {
	"gas_leak", "smoke_alarm", "charger_overtemp", "charger_overcurrent",
	"overcharge", "device_offline", "low_battery", "tamper", "detector_fault",
};
__attribute__((weak)) const char *const severity_name[2] = { "general", "major" };
__attribute__((weak)) const char *const priority_name[4] = {
	"urgent", "serious", "minor", "low",
};
__attribute__((weak)) const char *const site_kind_name[SITE_KIND_COUNT] = {
	"restaurant", "rental_housing", "charging_station", "community", "other",
};
__attribute__((weak)) const char *const device_kind_name[DEV_KIND_COUNT] = {
	"gas_detector", "smoke_alarm", "ebike_charger",
};
__attribute__((weak)) enum priority hazard_priority(enum hazard_type t, enum severity s)
{
	return s == SEV_MAJOR ? PRIO_URGENT : t == HZ_LOW_BATTERY ? PRIO_MINOR : PRIO_SERIOUS;
}

/*
 * The Makefile links every daemon object into each test; control.c calls
 * these from the loop (main.c, loop*.c), which is not linked.  Never
 * called here.
 */
__attribute__((weak)) cJSON *daemon_status_json(struct daemon *d)
{
	return NULL;
}
__attribute__((weak)) int daemon_close_hazard(struct daemon *d, const char *hazard_id,
					      const char *actor, const char *note,
					      char *err, size_t errlen)
{
	return -1;
}

#define HOUR_MS 3600000LL
#define T0      1795000000000LL         /* a fixed wall clock for the tests */

static char dir[64];

static const char *db_path(const char *name)
{
	static char buf[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void remove_db(const char *name)
{
	char p[160];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	unlink(p);
	snprintf(p, sizeof p, "%s/%s-wal", dir, name);
	unlink(p);
	snprintf(p, sizeof p, "%s/%s-shm", dir, name);
	unlink(p);
	snprintf(p, sizeof p, "%s/%s.hwm", dir, name);
	unlink(p);
}

/* Run SQL on a separate connection; returns the primary sqlite result code. */
static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 2000);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	sqlite3_close(db);
	return rc & 0xff;
}

static struct device_cfg test_device(const char *id, const char *site)
{
	struct device_cfg d;

	d = (struct device_cfg)DEVICE_CFG_BLANK;
	d.id = id;
	d.site = site;
	d.topic = "zigbee2mqtt/kitchen_gas";
	d.format = "native";
	d.kind = DEV_GAS_DETECTOR;
	return d;
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

static struct reading gas(double lel, int64_t ts)
{
	struct reading r;

	memset(&r, 0, sizeof r);
	r.ts_ms = ts;
	reading_set(&r, RF_GAS_LEL, lel);
	reading_set(&r, RF_ALARM, lel >= 25);
	return r;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1e300;
}

static bool is_hex8(const char *s)
{
	int i;

	if (!s || strlen(s) != 8)
		return false;
	for (i = 0; i < 8; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------- tests */

static void test_migrate_empty(void)
{
	const char *p = db_path("new.db");
	char err[512] = "", mode[16] = "";
	struct store *st = store_open(p, err, sizeof err);
	static const char *const tables[] = {
		"meta", "sites", "devices", "readings", "hazards", "hazard_events", "outbox",
		"intake_pending",
	};
	char sql[160];
	size_t i;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	CHECK("migrate: open empty file", st != NULL);
	if (!st) {
		printf("  err: %s\n", err);
		return;
	}
	CHECK("migrate: epoch is 8 lowercase hex", is_hex8(store_epoch(st)));
	CHECK_INT("migrate: user_version is the latest",
		  db_int(p, "PRAGMA user_version"), store_schema_version());
	CHECK("migrate: at least one migration", store_schema_version() >= 1);
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master "
			 "WHERE type = 'table' AND name = '%s'", tables[i]);
		snprintf(err, sizeof err, "migrate: table %s exists", tables[i]);
		CHECK_INT(err, db_int(p, sql), 1);
	}
	CHECK_INT("migrate: partial unique index exists",
		  db_int(p, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
			  "AND name = 'hazards_one_open' AND sql LIKE '%UNIQUE%WHERE%'"), 1);
	if (sqlite3_open(p, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		snprintf(mode, sizeof mode, "%s", sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	CHECK_STR("migrate: journal mode is WAL", mode, "wal");
	store_close(st);
}

static void test_reopen_keeps(void)
{
	const char *p = db_path("reopen.db");
	char err[512] = "", epoch[16];
	struct store *st = store_open(p, err, sizeof err);
	struct reading r = gas(3, T0);
	int64_t v = -1, seq = 0;

	CHECK("reopen: first open", st != NULL);
	if (!st)
		return;
	snprintf(epoch, sizeof epoch, "%s", store_epoch(st));
	CHECK_INT("reopen: meta set", store_meta_set_int(st, "telemetry_seq", 42), 0);
	CHECK_INT("reopen: reading put", store_put_reading(st, "dev-a", &r), 0);
	CHECK_INT("reopen: outbox put", store_outbox_put(st, "status", OB_STATUS,
							 "{\"x\":1}", &seq), 0);
	store_close(st);

	st = store_open(p, err, sizeof err);
	CHECK("reopen: second open", st != NULL);
	if (!st)
		return;
	CHECK_STR("reopen: epoch kept", store_epoch(st), epoch);
	CHECK_INT("reopen: meta get", store_meta_get_int(st, "telemetry_seq", &v), 0);
	CHECK_INT("reopen: meta value kept", v, 42);
	v = 7;
	CHECK_INT("reopen: missing meta key is not an error",
		  store_meta_get_int(st, "no_such_key", &v), 0);
	CHECK_INT("reopen: missing meta key leaves the default", v, 7);
	CHECK_INT("reopen: outbox kept", store_outbox_count(st), 1);
	CHECK_INT("reopen: reading kept", db_int(p, "SELECT count(*) FROM readings"), 1);
	store_close(st);

	/* a new file is a new epoch: ids from the two never collide */
	st = store_open(db_path("other.db"), err, sizeof err);
	CHECK("reopen: other file opens", st != NULL);
	if (st) {
		CHECK("reopen: another file has another epoch",
		      strcmp(store_epoch(st), epoch) != 0);
		store_close(st);
	}
}

/* Event names of a hazard, oldest first, joined by spaces. */
static void event_names(struct store *st, const char *id, char *out, size_t len)
{
	cJSON *d = store_hazard_detail(st, id), *e;

	out[0] = '\0';
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "events")) {
		if (out[0])
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, jstr(e, "event") ? jstr(e, "event") : "?", len - strlen(out) - 1);
	}
	cJSON_Delete(d);
}

static void test_hazard_lifecycle(void)
{
	const char *p = db_path("life.db");
	char err[512] = "", id1[ID_MAX] = "", want[ID_MAX], names[512];
	struct store *st = store_open(p, err, sizeof err);
	struct device_cfg dev = test_device("kitchen-gas-1", "rest-001");
	struct hazard_change c;
	struct hazard_rec rec, got;
	struct reading r;
	const char *ev = "x";
	cJSON *d, *evd, *peak, *events, *e;
	int rc;

	CHECK("life: open", st != NULL);
	if (!st)
		return;

	/* raise */
	r = gas(30, T0);
	c = change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 30.0 >= lel_low 25");
	rc = store_hazard_apply(st, &dev, &c, &r, 168, T0, &rec, &ev);
	CHECK_INT("life: raise ok", rc, 0);
	CHECK_STR("life: raise event", ev, "raised");
	snprintf(want, sizeof want, "%s-H1", store_epoch(st));
	CHECK_STR("life: id is <epoch>-H1", rec.id, want);
	snprintf(id1, sizeof id1, "%s", rec.id);
	CHECK_STR("life: state open", rec.state, "open");
	CHECK_STR("life: device", rec.device, "kitchen-gas-1");
	CHECK_STR("life: site", rec.site, "rest-001");
	CHECK_INT("life: severity general", rec.severity, SEV_GENERAL);
	CHECK_INT("life: priority from hazard_priority", rec.priority,
		  hazard_priority(HZ_GAS_LEAK, SEV_GENERAL));
	CHECK_INT("life: raised_at", rec.raised_at_ms, T0);
	CHECK_INT("life: deadline = raised + 168 h", rec.deadline_ms, T0 + 168 * HOUR_MS);
	CHECK_INT("life: occurrences 1", rec.occurrences, 1);

	/* repeat onset while open */
	r = gas(35, T0 + 1000);
	rc = store_hazard_apply(st, &dev, &c, &r, 168, T0 + 1000, &rec, &ev);
	CHECK_STR("life: second ACTIVE is updated", ev, "updated");
	CHECK_STR("life: same id", rec.id, id1);
	CHECK_INT("life: occurrences 2", rec.occurrences, 2);

	/* escalate to major: deadline from raised_at with the major hours */
	r = gas(62, T0 + 2000);
	c = change(HZ_GAS_LEAK, CHG_ESCALATE, SEV_MAJOR, "gas_lel 62.0 >= lel_high 50");
	rc = store_hazard_apply(st, &dev, &c, &r, 24, T0 + 2000, &rec, &ev);
	/* a grade that rises is an update; "escalated" is kept for overdue */
	CHECK_STR("life: escalate event", ev, "updated");
	CHECK_INT("life: severity major", rec.severity, SEV_MAJOR);
	CHECK_INT("life: priority recomputed", rec.priority,
		  hazard_priority(HZ_GAS_LEAK, SEV_MAJOR));
	CHECK_INT("life: deadline = raised + 24 h", rec.deadline_ms, T0 + 24 * HOUR_MS);
	CHECK_INT("life: escalate keeps occurrences", rec.occurrences, 2);

	/* the same severity again changes nothing */
	ev = "x";
	rc = store_hazard_apply(st, &dev, &c, &r, 24, T0 + 2500, &rec, &ev);
	CHECK_INT("life: escalate not higher ok", rc, 0);
	CHECK("life: escalate not higher: no event", ev == NULL);
	CHECK_STR("life: escalate not higher: record still given", rec.id, id1);

	/* clear */
	r = gas(4, T0 + 3000);
	c = change(HZ_GAS_LEAK, CHG_CLEAR, SEV_MAJOR, "gas_lel 4.0 < 22.5");
	rc = store_hazard_apply(st, &dev, &c, &r, 24, T0 + 3000, &rec, &ev);
	CHECK_STR("life: clear event", ev, "cleared");
	CHECK_STR("life: the state stays open", rec.state, "open");
	CHECK_INT("life: normal_since (cleared_at)", rec.cleared_at_ms, T0 + 3000);
	ev = "x";
	rc = store_hazard_apply(st, &dev, &c, &r, 24, T0 + 3100, &rec, &ev);
	CHECK("life: second clear: no event", ev == NULL);

	/* evidence so far: raised reading, peak, cleared reading */
	d = store_hazard_detail(st, id1);
	evd = cJSON_GetObjectItemCaseSensitive(d, "evidence");
	peak = cJSON_GetObjectItemCaseSensitive(evd, "peak");
	CHECK_DBL("life: evidence.raised is the first reading",
		  jnum(cJSON_GetObjectItemCaseSensitive(evd, "raised"), "gas_lel"), 30);
	CHECK_DBL("life: evidence.peak.gas_lel is the max", jnum(peak, "gas_lel"), 62);
	CHECK("life: peak leaves out booleans",
	      !cJSON_GetObjectItemCaseSensitive(peak, "alarm"));
	CHECK_DBL("life: evidence.cleared", jnum(cJSON_GetObjectItemCaseSensitive(evd,
		  "cleared"), "gas_lel"), 4);
	CHECK_DBL("life: evidence.latest", jnum(cJSON_GetObjectItemCaseSensitive(evd,
		  "latest"), "gas_lel"), 4);
	cJSON_Delete(d);

	/* onset again: the cleared hazard reopens under the same id */
	r = gas(40, T0 + 4000);
	c = change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 40.0 >= lel_low 25");
	rc = store_hazard_apply(st, &dev, &c, &r, 168, T0 + 4000, &rec, &ev);
	CHECK_STR("life: reopen is reopened", ev, "reopened");
	CHECK_STR("life: reopen keeps id", rec.id, id1);
	CHECK_STR("life: reopen state open", rec.state, "open");
	CHECK_INT("life: reopen normal_since reset", rec.cleared_at_ms, 0);
	CHECK_INT("life: reopen occurrences 3", rec.occurrences, 3);
	CHECK_INT("life: reopen keeps the higher severity", rec.severity, SEV_MAJOR);
	d = store_hazard_detail(st, id1);
	CHECK("life: reopen drops evidence.cleared",
	      !cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d,
		"evidence"), "cleared"));
	cJSON_Delete(d);

	/* write-off refused while the condition is active */
	err[0] = '\0';
	rc = store_hazard_close(st, id1, "alice", "valve replaced", T0 + 5000, &got,
				err, sizeof err);
	CHECK_INT("life: close while open refused", rc, -1);
	CHECK_CONTAINS("life: close refusal says open", err, "is open: not submitted");
	err[0] = '\0';
	rc = store_record_act(st, id1, RA_SUBMIT, VERDICT_NONE, "bob", "fixed", NULL,
			      T0 + 5000, &got, NULL, err, sizeof err);
	CHECK_INT("life: submit while the condition is on refused", rc, -1);
	CHECK_CONTAINS("life: submit refusal says why", err, "its condition is on");
	CHECK_CONTAINS("life: close refusal names hazard", err, id1);
	CHECK_INT("life: refused close leaves state",
		  store_hazard_get(st, id1, &got) == 0 && strcmp(got.state, "open") == 0, 1);

	r = gas(2, T0 + 6000);
	c = change(HZ_GAS_LEAK, CHG_CLEAR, SEV_GENERAL, "gas_lel 2.0 < 22.5");
	store_hazard_apply(st, &dev, &c, &r, 168, T0 + 6000, &rec, &ev);
	CHECK_STR("life: cleared again", ev, "cleared");

	/* a stored reading of the device becomes the evidence at close */
	r = gas(1, T0 + 6500);
	store_put_reading(st, dev.id, &r);
	rc = store_record_act(st, id1, RA_SUBMIT, VERDICT_NONE, "bob", "valve replaced",
			      NULL, T0 + 6800, &got, NULL, err, sizeof err);
	CHECK_INT("life: submit once normal", rc, 0);
	CHECK_STR("life: submitted", got.state, "submitted");
	rc = store_hazard_close(st, id1, "bob", "valve replaced", T0 + 7000, &got,
				err, sizeof err);
	CHECK_INT("life: the submitter cannot write it off", rc, -1);
	CHECK_CONTAINS("life: the same actor says why", err, "submitted by bob");
	rc = store_hazard_close(st, id1, "alice", "valve replaced", T0 + 7000, &got,
				err, sizeof err);
	CHECK_INT("life: close after a submit, by someone else", rc, 0);
	CHECK_STR("life: closed state", got.state, "closed");
	CHECK_INT("life: closed_at", got.closed_at_ms, T0 + 7000);
	d = store_hazard_detail(st, id1);
	CHECK_DBL("life: evidence.closed is the latest stored reading",
		  jnum(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d,
			"evidence"), "closed"), "gas_lel"), 1);
	cJSON_Delete(d);

	rc = store_hazard_close(st, id1, "alice", NULL, T0 + 7100, &got, err, sizeof err);
	CHECK_INT("life: second close refused", rc, -1);
	CHECK_CONTAINS("life: second close says closed", err, "closed");
	rc = store_hazard_close(st, "nope-H9", "alice", NULL, T0, &got, err, sizeof err);
	CHECK_INT("life: unknown close refused", rc, -1);
	CHECK_CONTAINS("life: unknown says no such record", err, "no such alarm, fault or hazard");
	CHECK_INT("life: get unknown", store_hazard_get(st, "nope-H9", &got), -1);
	CHECK("life: detail unknown is NULL", store_hazard_detail(st, "nope-H9") == NULL);

	/* clear with nothing open is a no-op */
	ev = "x";
	rc = store_hazard_apply(st, &dev, &c, &r, 168, T0 + 7500, &rec, &ev);
	CHECK("life: clear after close: no event", rc == 0 && ev == NULL);

	/* after write-off a new onset is a new hazard */
	r = gas(33, T0 + 8000);
	c = change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "gas_lel 33.0 >= lel_low 25");
	store_hazard_apply(st, &dev, &c, &r, 168, T0 + 8000, &rec, &ev);
	CHECK_STR("life: ACTIVE after close raises", ev, "raised");
	CHECK("life: new hazard id", strcmp(rec.id, id1) != 0);
	snprintf(want, sizeof want, "%s-H2", store_epoch(st));
	CHECK_STR("life: new id is H2", rec.id, want);
	CHECK_INT("life: new hazard occurrences 1", rec.occurrences, 1);

	/* ESCALATE with nothing open creates, on another type */
	r = gas(70, T0 + 9000);
	c = change(HZ_TAMPER, CHG_ESCALATE, SEV_MAJOR, "tamper");
	store_hazard_apply(st, &dev, &c, &r, 24, T0 + 9000, &rec, &ev);
	CHECK_STR("life: ESCALATE with none open raises", ev, "raised");
	CHECK_INT("life: created major", rec.severity, SEV_MAJOR);

	/* events of the first hazard, in order, with actor and note */
	event_names(st, id1, names, sizeof names);
	CHECK_STR("life: events in order", names,
		  "raised updated updated cleared reopened cleared submitted closed");
	d = store_hazard_detail(st, id1);
	events = cJSON_GetObjectItemCaseSensitive(d, "events");
	e = cJSON_GetArrayItem(events, 0);
	CHECK_STR("life: raised actor", jstr(e, "actor"), "hazardd");
	CHECK("life: raised note null", cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e,
	      "note")));
	CHECK_STR("life: raised detail", jstr(e, "detail"), "gas_lel 30.0 >= lel_low 25");
	CHECK_STR("life: escalated severity",
		  jstr(cJSON_GetArrayItem(events, 2), "severity"), "major");
	CHECK_STR("life: submitted actor", jstr(cJSON_GetArrayItem(events, 6), "actor"), "bob");
	e = cJSON_GetArrayItem(events, 7);
	CHECK_STR("life: closed actor", jstr(e, "actor"), "alice");
	CHECK_STR("life: closed note", jstr(e, "note"), "valve replaced");
	CHECK("life: event seqs increase",
	      jnum(cJSON_GetArrayItem(events, 0), "seq") < jnum(e, "seq"));
	CHECK_INT("life: events rows on disk",
		  db_int(p, "SELECT count(*) FROM hazard_events"), 10);
	cJSON_Delete(d);
	store_close(st);
}

static void test_unique_index(void)
{
	const char *p = db_path("uniq.db");
	char err[512] = "";
	struct store *st = store_open(p, err, sizeof err);
	struct device_cfg dev = test_device("smoke-1", "flat-9");
	struct hazard_change c = change(HZ_SMOKE_ALARM, CHG_ACTIVE, SEV_MAJOR, "smoke");
	struct hazard_rec rec;
	const char *ev;
	char sql[512];

	CHECK("uniq: open", st != NULL);
	if (!st)
		return;
	store_hazard_apply(st, &dev, &c, NULL, 24, T0, &rec, &ev);
	CHECK_STR("uniq: raised without evidence", ev, "raised");

	/* a second open hazard of the same device and type, bypassing the code */
	snprintf(sql, sizeof sql, "INSERT INTO hazards (id, device, site, type, severity, "
		 "priority, state, raised_at_ms, deadline_ms, updated_at_ms) VALUES "
		 "('x-H99', 'smoke-1', 'flat-9', 'smoke_alarm', 'major', 0, '%s', 1, 2, 3)",
		 "open");
	CHECK_INT("uniq: second open hazard refused", raw_exec(p, sql), SQLITE_CONSTRAINT);
	snprintf(sql, sizeof sql, "INSERT INTO hazards (id, device, site, type, severity, "
		 "priority, state, raised_at_ms, deadline_ms, updated_at_ms) VALUES "
		 "('x-H98', 'smoke-1', 'flat-9', 'smoke_alarm', 'major', 0, '%s', 1, 2, 3)",
		 "cleared");
	CHECK_INT("uniq: a cleared one is refused too", raw_exec(p, sql), SQLITE_CONSTRAINT);
	snprintf(sql, sizeof sql, "INSERT INTO hazards (id, device, site, type, severity, "
		 "priority, state, raised_at_ms, deadline_ms, updated_at_ms) VALUES "
		 "('x-H97', 'smoke-1', 'flat-9', 'smoke_alarm', 'major', 0, '%s', 1, 2, 3),"
		 "('x-H96', 'smoke-1', 'flat-9', 'smoke_alarm', 'major', 0, '%s', 1, 2, 3)",
		 "closed", "closed");
	CHECK_INT("uniq: closed ones are not limited", raw_exec(p, sql), SQLITE_OK);
	CHECK_INT("uniq: bad state refused by CHECK",
		  raw_exec(p, "UPDATE hazards SET state = 'gone' WHERE id = 'x-H97'"),
		  SQLITE_CONSTRAINT);
	CHECK_INT("uniq: event for a missing hazard refused (foreign key)",
		  raw_exec(p, "PRAGMA foreign_keys = ON; INSERT INTO hazard_events "
			   "(hazard_id, event, at_ms) VALUES ('ghost', 'raised', 1)"),
		  SQLITE_CONSTRAINT);
	store_close(st);
}

static void test_event_json(void)
{
	const char *p = db_path("json.db");
	char err[512] = "";
	struct store *st = store_open(p, err, sizeof err);
	struct device_cfg dev = test_device("charger-3", "station-1");
	struct hazard_change c;
	struct hazard_rec rec;
	struct reading r;
	const char *ev;
	static const char *const fields[] = {
		"hazard_id", "event", "type", "severity", "priority", "device", "site",
		"state", "raised_at", "deadline", "occurrences", "evidence", "at",
	};
	static const char *const not_ours[] = { "gateway", "msg_id", "sent_at" };
	cJSON *j, *list;
	int64_t ms = 0;
	size_t i;
	char name[128];

	CHECK("json: open", st != NULL);
	if (!st)
		return;
	memset(&r, 0, sizeof r);
	r.ts_ms = T0;
	reading_set(&r, RF_TEMP_C, 71.5);
	c = change(HZ_CHARGER_OVERTEMP, CHG_ACTIVE, SEV_MAJOR, "temp_c 71.5 > 60");
	store_hazard_apply(st, &dev, &c, &r, 24, T0, &rec, &ev);
	j = store_hazard_event_json(st, &rec, ev, T0 + 5);
	CHECK("json: built", j != NULL);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		snprintf(name, sizeof name, "json: has \"%s\"", fields[i]);
		CHECK(name, cJSON_GetObjectItemCaseSensitive(j, fields[i]) != NULL);
	}
	for (i = 0; i < sizeof not_ours / sizeof not_ours[0]; i++) {
		snprintf(name, sizeof name, "json: leaves \"%s\" to the uplink", not_ours[i]);
		CHECK(name, cJSON_GetObjectItemCaseSensitive(j, not_ours[i]) == NULL);
	}
	/* the protocol version leads the body: the uplink keeps it */
	CHECK_INT("json: v 2", (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "v")), 2);
	CHECK_STR("json: hazard_id", jstr(j, "hazard_id"), rec.id);
	CHECK_STR("json: event", jstr(j, "event"), "raised");
	CHECK_STR("json: type", jstr(j, "type"), "charger_overtemp");
	CHECK_STR("json: severity", jstr(j, "severity"), "major");
	CHECK_STR("json: priority name", jstr(j, "priority"),
		  priority_name[hazard_priority(HZ_CHARGER_OVERTEMP, SEV_MAJOR)]);
	CHECK_STR("json: device", jstr(j, "device"), "charger-3");
	CHECK_STR("json: site", jstr(j, "site"), "station-1");
	CHECK_STR("json: state", jstr(j, "state"), "open");
	CHECK_DBL("json: occurrences", jnum(j, "occurrences"), 1);
	CHECK("json: raised_at is ISO", jstr(j, "raised_at") &&
	      parse_iso_ms(jstr(j, "raised_at"), &ms) == 0 && ms == T0);
	CHECK("json: deadline is ISO", jstr(j, "deadline") &&
	      parse_iso_ms(jstr(j, "deadline"), &ms) == 0 && ms == T0 + 24 * HOUR_MS);
	CHECK("json: at is ISO", jstr(j, "at") &&
	      parse_iso_ms(jstr(j, "at"), &ms) == 0 && ms == T0 + 5);
	CHECK_DBL("json: evidence.raised.temp_c",
		  jnum(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j,
			"evidence"), "raised"), "temp_c"), 71.5);
	CHECK("json: no cleared_at while open",
	      !cJSON_GetObjectItemCaseSensitive(j, "cleared_at"));
	CHECK("json: normal_since null while the condition is on",
	      cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "normal_since")));
	CHECK_DBL("json: reinspect_failed 0", jnum(j, "reinspect_failed"), 0);
	CHECK_STR("json: actor of the raise", jstr(j, "actor"), "hazardd");
	CHECK("json: no note on a raise", !cJSON_GetObjectItemCaseSensitive(j, "note"));
	cJSON_Delete(j);

	c = change(HZ_CHARGER_OVERTEMP, CHG_CLEAR, SEV_MAJOR, "temp_c 40 < 54");
	store_hazard_apply(st, &dev, &c, NULL, 24, T0 + 60000, &rec, &ev);
	store_record_act(st, rec.id, RA_SUBMIT, VERDICT_NONE, "alice", "charger replaced",
			 NULL, T0 + 100000, &rec, NULL, err, sizeof err);
	store_hazard_close(st, rec.id, "bob", "charger replaced", T0 + 120000, &rec,
			   err, sizeof err);
	j = store_hazard_event_json(st, &rec, "closed", T0 + 120000);
	CHECK_STR("json: closed event", jstr(j, "event"), "closed");
	CHECK("json: normal_since when set", jstr(j, "normal_since") &&
	      parse_iso_ms(jstr(j, "normal_since"), &ms) == 0 && ms == T0 + 60000);
	CHECK("json: submitted_at", jstr(j, "submitted_at") &&
	      parse_iso_ms(jstr(j, "submitted_at"), &ms) == 0 && ms == T0 + 100000);
	CHECK_STR("json: submitted_by", jstr(j, "submitted_by"), "alice");
	CHECK("json: closed_at when set", jstr(j, "closed_at") &&
	      parse_iso_ms(jstr(j, "closed_at"), &ms) == 0 && ms == T0 + 120000);
	CHECK_STR("json: close actor", jstr(j, "actor"), "bob");
	CHECK_STR("json: close note", jstr(j, "note"), "charger replaced");
	cJSON_Delete(j);

	/* listing: open only, in handling order (priority, then raised_at) */
	c = change(HZ_LOW_BATTERY, CHG_ACTIVE, SEV_GENERAL, "battery 5 <= 15");
	store_hazard_apply(st, &dev, &c, NULL, 168, T0 + 1000, &rec, &ev);
	c = change(HZ_CHARGER_OVERCURRENT, CHG_ACTIVE, SEV_MAJOR, "current_a 9 > 5");
	store_hazard_apply(st, &dev, &c, NULL, 24, T0 + 2000, &rec, &ev);
	list = store_list_hazards(st, true);
	CHECK_INT("json: open list size", cJSON_GetArraySize(list), 2);
	CHECK("json: list in priority order",
	      hazard_priority(HZ_CHARGER_OVERCURRENT, SEV_MAJOR) >
	      hazard_priority(HZ_LOW_BATTERY, SEV_GENERAL) ||
	      strcmp(jstr(cJSON_GetArrayItem(list, 0), "type"), "charger_overcurrent") == 0);
	CHECK("json: list objects have no event/at",
	      !cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "event") &&
	      !cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "at"));
	CHECK("json: list objects have evidence",
	      cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "evidence"));
	cJSON_Delete(list);
	list = store_list_hazards(st, false);
	CHECK_INT("json: full list includes closed", cJSON_GetArraySize(list), 3);
	cJSON_Delete(list);
	store_close(st);
}

static void count_open(void *ctx, const struct hazard_rec *rec)
{
	int *n = ctx;

	if (strcmp(rec->state, "closed") != 0)
		(*n)++;
}

static void test_foreach_open(void)
{
	const char *p = db_path("json.db");     /* left by test_event_json */
	char err[512] = "";
	struct store *st = store_open(p, err, sizeof err);
	int n = 0;

	CHECK("foreach: open", st != NULL);
	if (!st)
		return;
	CHECK_INT("foreach: ok", store_foreach_open(st, count_open, &n), 0);
	CHECK_INT("foreach: both open hazards, not the closed one", n, 2);
	store_close(st);
}

static void test_outbox(void)
{
	const char *p = db_path("outbox.db");
	char err[512] = "";
	struct store *st = store_open(p, err, sizeof err);
	struct outbox_msg m[4];
	int64_t s1 = 0, s2 = 0, s3 = 0;
	int n, i;

	CHECK("outbox: open", st != NULL);
	if (!st)
		return;
	CHECK_INT("outbox: empty count", store_outbox_count(st), 0);
	CHECK_INT("outbox: next on empty", store_outbox_next(st, NULL, 0, NULL, m, 4), 0);
	store_outbox_put(st, "telemetry", OB_TELEMETRY, "{\"n\":1}", &s1);
	store_outbox_put(st, "status", OB_STATUS, "{\"n\":2}", &s2);
	store_outbox_put_hazard(st, "H1", OB_HAZARD_GENERAL, "{\"n\":3}", &s3);
	CHECK("outbox: seqs increase", s1 > 0 && s2 > s1 && s3 > s2);
	CHECK_INT("outbox: count 3", store_outbox_count(st), 3);

	n = store_outbox_next(st, NULL, 0, NULL, m, 2);
	CHECK_INT("outbox: next honours max", n, 2);
	CHECK_INT("outbox: best class first (hazard)", n > 0 ? m[0].seq : -1, s3);
	CHECK_STR("outbox: hazard topic", n > 0 ? m[0].topic_suffix : "", "hazard");
	CHECK_STR("outbox: first body", n > 0 ? m[0].body : "", "{\"n\":3}");
	CHECK_INT("outbox: first class", n > 0 ? m[0].cls : -1, OB_HAZARD_GENERAL);
	CHECK_INT("outbox: then status", n > 1 ? m[1].seq : -1, s2);
	for (i = 0; i < n; i++)
		outbox_msg_free(&m[i]);
	CHECK("outbox: free clears body", m[0].body == NULL);

	/* in-flight rows are skipped; the next best comes out */
	{
		int64_t skip[2] = { s3, s2 };

		n = store_outbox_next(st, skip, 2, NULL, m, 4);
		CHECK_INT("outbox: skip in flight", n, 1);
		CHECK_INT("outbox: skip leaves telemetry", n > 0 ? m[0].seq : -1, s1);
		for (i = 0; i < n; i++)
			outbox_msg_free(&m[i]);
	}

	/* acknowledged rows not yet deleted (a full disk) are skipped too,
	 * alone or with the ones in flight */
	{
		struct seqset *done = seqset_new(4);
		int64_t skip[1] = { s2 };

		seqset_add(done, s3);
		n = store_outbox_next(st, NULL, 0, done, m, 4);
		CHECK_INT("outbox: done rows skipped", n, 2);
		CHECK("outbox: done rows skipped, order kept",
		      n == 2 && m[0].seq == s2 && m[1].seq == s1);
		for (i = 0; i < n; i++)
			outbox_msg_free(&m[i]);
		n = store_outbox_next(st, skip, 1, done, m, 4);
		CHECK("outbox: done and in flight both skipped", n == 1 && m[0].seq == s1);
		for (i = 0; i < n; i++)
			outbox_msg_free(&m[i]);
		seqset_add(done, s1);
		CHECK_INT("outbox: nothing left to send", store_outbox_next(st, skip, 1, done, m, 4), 0);
		seqset_free(done);
	}

	/* a major event of the same hazard lifts its pending general event,
	 * so the hazard's events keep their order ahead of other majors */
	{
		int64_t g2 = 0, mj = 0, other = 0;

		store_outbox_put_hazard(st, "H2", OB_HAZARD_MAJOR, "{\"other\":1}", &other);
		store_outbox_put_hazard(st, "H1", OB_HAZARD_GENERAL, "{\"n\":4}", &g2);
		store_outbox_put_hazard(st, "H1", OB_HAZARD_MAJOR, "{\"n\":5}", &mj);
		n = store_outbox_next(st, NULL, 0, NULL, m, 4);
		CHECK_INT("outbox: lifted events first (H1 raised)", n > 0 ? m[0].seq : -1, s3);
		CHECK_INT("outbox: then the other major by age", n > 1 ? m[1].seq : -1, other);
		CHECK_INT("outbox: then H1's general, lifted", n > 2 ? m[2].seq : -1, g2);
		CHECK_INT("outbox: then H1's major", n > 3 ? m[3].seq : -1, mj);
		CHECK_INT("outbox: lifted class", n > 0 ? m[0].cls : -1, OB_HAZARD_MAJOR);
		for (i = 0; i < n; i++)
			outbox_msg_free(&m[i]);
		store_outbox_delete(st, other);
		store_outbox_delete(st, g2);
		store_outbox_delete(st, mj);
	}

	/* acks arrive out of order: the middle one first */
	CHECK_INT("outbox: delete", store_outbox_delete(st, s2), 0);
	CHECK_INT("outbox: delete twice is fine", store_outbox_delete(st, s2), 0);
	CHECK_INT("outbox: count 2", store_outbox_count(st), 2);
	n = store_outbox_next(st, NULL, 0, NULL, m, 4);
	CHECK_INT("outbox: two left", n, 2);
	CHECK("outbox: order kept without the deleted",
	      n == 2 && m[0].seq == s3 && m[1].seq == s1);
	for (i = 0; i < n; i++)
		outbox_msg_free(&m[i]);
	s3 = s1 > s3 ? s1 : s3;

	/* a seq is never reused, even when the newest row is gone */
	store_outbox_delete(st, s3);
	store_outbox_put(st, "hazard", OB_HAZARD, "{}", &s2);
	CHECK("outbox: seq not reused after delete", s2 > s3);
	store_close(st);
}

static void test_readings(void)
{
	const char *p = db_path("readings.db");
	char err[512] = "";
	struct store *st = store_open(p, err, sizeof err);
	struct reading r;
	cJSON *arr = NULL, *o;
	int64_t last = -1;
	int i;

	CHECK("readings: open", st != NULL);
	if (!st)
		return;
	for (i = 1; i <= 10; i++) {
		r = gas(i, T0 + i);
		store_put_reading(st, i % 2 ? "dev-odd" : "dev-even", &r);
	}
	CHECK_INT("readings: 10 rows", db_int(p, "SELECT count(*) FROM readings"), 10);
	CHECK_INT("readings: trim 0 keeps all", store_trim_readings(st, 0), 0);
	CHECK_INT("readings: still 10", db_int(p, "SELECT count(*) FROM readings"), 10);
	CHECK_INT("readings: trim to 4", store_trim_readings(st, 4), 0);
	CHECK_INT("readings: 4 rows", db_int(p, "SELECT count(*) FROM readings"), 4);

	CHECK_INT("readings: since 0", store_readings_since(st, 0, 100, &arr, &last), 0);
	CHECK_INT("readings: since returns the 4 newest", cJSON_GetArraySize(arr), 4);
	o = cJSON_GetArrayItem(arr, 0);
	CHECK_DBL("readings: oldest kept is seq 7", jnum(o, "seq"), 7);
	CHECK_STR("readings: device", jstr(o, "device"), "dev-odd");
	CHECK_DBL("readings: field", jnum(o, "gas_lel"), 7);
	CHECK_DBL("readings: ts", jnum(o, "ts"), (double)(T0 + 7));
	CHECK_INT("readings: last_seq", last, 10);
	cJSON_Delete(arr);

	CHECK_INT("readings: limited", store_readings_since(st, 6, 2, &arr, &last), 0);
	CHECK_INT("readings: limit 2", cJSON_GetArraySize(arr), 2);
	CHECK_INT("readings: limited last_seq", last, 8);
	cJSON_Delete(arr);
	CHECK_INT("readings: none after the end", store_readings_since(st, 10, 5, &arr,
									&last), 0);
	CHECK_INT("readings: empty array", cJSON_GetArraySize(arr), 0);
	CHECK_INT("readings: last_seq unchanged when empty", last, 10);
	cJSON_Delete(arr);
	store_close(st);
}

static void test_transactions(void)
{
	const char *p = db_path("tx.db");
	char err[512] = "", id[ID_MAX] = "";
	struct store *st = store_open(p, err, sizeof err);
	struct device_cfg dev = test_device("gas-7", "rest-7");
	struct hazard_change c = change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_MAJOR, "alarm");
	struct hazard_rec rec, got;
	const char *ev;
	int64_t seq;

	CHECK("tx: open", st != NULL);
	if (!st)
		return;

	/* rollback discards */
	CHECK_INT("tx: begin", store_begin(st), 0);
	store_hazard_apply(st, &dev, &c, NULL, 24, T0, &rec, &ev);
	store_outbox_put(st, "hazard", OB_HAZARD, "{}", &seq);
	CHECK_INT("tx: visible inside", store_hazard_get(st, rec.id, &got), 0);
	CHECK_INT("tx: rollback", store_rollback(st), 0);
	CHECK_INT("tx: gone after rollback", store_hazard_get(st, rec.id, &got), -1);
	CHECK_INT("tx: outbox empty after rollback", store_outbox_count(st), 0);
	CHECK_INT("tx: rollback without a transaction is harmless", store_rollback(st), 0);

	/* commit persists across a reopen */
	CHECK_INT("tx: begin 2", store_begin(st), 0);
	store_hazard_apply(st, &dev, &c, NULL, 24, T0, &rec, &ev);
	CHECK_STR("tx: raised", ev, "raised");
	snprintf(id, sizeof id, "%s", rec.id);
	CHECK_INT("tx: commit", store_commit(st), 0);
	CHECK_INT("tx: commit without a transaction fails", store_commit(st), -1);
	store_close(st);
	st = store_open(p, err, sizeof err);
	CHECK("tx: reopen", st != NULL);
	if (!st)
		return;
	CHECK_INT("tx: committed hazard survives", store_hazard_get(st, id, &got), 0);
	CHECK_STR("tx: committed state", got.state, "open");

	/* closing with a transaction still open discards it */
	CHECK_INT("tx: begin 3", store_begin(st), 0);
	c = change(HZ_GAS_LEAK, CHG_CLEAR, SEV_MAJOR, "ok");
	store_hazard_apply(st, &dev, &c, NULL, 24, T0 + 10, &rec, &ev);
	CHECK_STR("tx: cleared inside", ev, "cleared");
	store_close(st);
	st = store_open(p, err, sizeof err);
	CHECK("tx: reopen 2", st != NULL);
	if (!st)
		return;
	store_hazard_get(st, id, &got);
	CHECK_STR("tx: uncommitted clear lost", got.state, "open");
	CHECK_INT("tx: uncommitted event lost",
		  db_int(p, "SELECT count(*) FROM hazard_events"), 1);

	/* a refused close inside the caller's transaction keeps its other work */
	CHECK_INT("tx: begin 4", store_begin(st), 0);
	store_outbox_put(st, "status", OB_STATUS, "{}", &seq);
	CHECK_INT("tx: refused close", store_hazard_close(st, id, "op", NULL, T0, &got,
							  err, sizeof err), -1);
	CHECK_INT("tx: commit after refusal", store_commit(st), 0);
	CHECK_INT("tx: other work kept", store_outbox_count(st), 1);
	store_close(st);
}

/* The disk fills up mid-pass: calls fail with -1 and nothing crashes;
 * either the whole pass reaches the disk or none of it does; the store
 * works again once there is room. */
static void test_disk_full(void)
{
	const char *p = db_path("full.db");
	char err[512] = "", big[2048];
	struct store *st = store_open(p, err, sizeof err);
	struct device_cfg dev;
	struct hazard_change c = change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_MAJOR,
					"gas alarm flag set by the detector itself");
	struct hazard_rec rec;
	struct reading r = gas(1, T0);
	const char *ev = "x";
	int64_t seq, pages = 0, n_hz;
	int i, rc = 0, raised = 0, committed, bad_event;
	sqlite3_stmt *s = NULL;

	CHECK("full: open", st != NULL);
	if (!st)
		return;
	store_outbox_put(st, "status", OB_STATUS, "{\"before\":true}", &seq);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	/* this connection may not grow the file past its current size */
	sqlite3_exec(store_sqlite(st), "PRAGMA max_page_count = 1", NULL, NULL, NULL);
	CHECK_INT("full: begin", store_begin(st), 0);
	for (i = 0; i < 16; i++) {
		char id[32];

		snprintf(id, sizeof id, "gas-pre-%d", i);
		dev = test_device(id, "rest-9");
		if (store_hazard_apply(st, &dev, &c, &r, 24, T0, &rec, &ev) == 0 && ev)
			raised++;
	}
	for (i = 0; i < 200 && rc == 0; i++)
		rc = store_outbox_put(st, "telemetry", OB_TELEMETRY, big, &seq);
	CHECK_INT("full: outbox put fails", rc, -1);
	/* keep going as the loop would: later calls fail or join the pass */
	for (i = 0, bad_event = 0; i < 50; i++) {
		char id[32];

		snprintf(id, sizeof id, "gas-%d", i);
		dev = test_device(id, "rest-9");
		ev = "x";
		rc = store_hazard_apply(st, &dev, &c, &r, 24, T0, &rec, &ev);
		if (rc < 0 && ev != NULL)
			bad_event++;
		if (rc == 0 && ev)
			raised++;
	}
	CHECK_INT("full: a failed apply reports no event", bad_event, 0);
	committed = store_commit(st) == 0;
	if (!committed)
		store_rollback(st);
	n_hz = db_int(p, "SELECT count(*) FROM hazards");
	CHECK_INT("full: the pass is on disk whole or not at all", n_hz,
		  committed ? raised : 0);
	CHECK_INT("full: every stored hazard has its event", n_hz,
		  db_int(p, "SELECT count(DISTINCT hazard_id) FROM hazard_events"));
	CHECK_INT("full: committed outbox row kept",
		  db_int(p, "SELECT count(*) FROM outbox WHERE cls = 2"), 1);

	if (sqlite3_prepare_v2(store_sqlite(st), "PRAGMA max_page_count = 100000",
			       -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		pages = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	CHECK("full: room again", pages >= 100000);
	CHECK_INT("full: begin after", store_begin(st), 0);
	dev = test_device("gas-after", "rest-9");
	rc = store_hazard_apply(st, &dev, &c, &r, 24, T0, &rec, &ev);
	CHECK_INT("full: apply works again", rc, 0);
	CHECK_STR("full: raised", ev, "raised");
	CHECK_INT("full: commit after", store_commit(st), 0);
	CHECK_INT("full: one more hazard", db_int(p, "SELECT count(*) FROM hazards"),
		  n_hz + 1);
	store_close(st);
}

/* A hazard write that fails half-way (here the event row, refused by a
 * trigger) leaves nothing behind, and the rest of the pass still commits. */
static void test_apply_atomic(void)
{
	const char *p = db_path("atomic.db");
	char err[512] = "";
	struct store *st = store_open(p, err, sizeof err);
	struct device_cfg a = test_device("gas-a", "rest-1"), b = test_device("gas-b", "rest-1");
	struct hazard_change ok = change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "fine");
	struct hazard_change boom = change(HZ_GAS_LEAK, CHG_ACTIVE, SEV_GENERAL, "boom");
	struct hazard_rec rec;
	const char *ev = "x";
	int64_t seq;

	CHECK("atomic: open", st != NULL);
	if (!st)
		return;
	CHECK_INT("atomic: trigger installed", raw_exec(p,
		"CREATE TRIGGER refuse_boom BEFORE INSERT ON hazard_events "
		"WHEN NEW.detail = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END"),
		SQLITE_OK);
	CHECK_INT("atomic: begin", store_begin(st), 0);
	CHECK_INT("atomic: first apply", store_hazard_apply(st, &a, &ok, NULL, 168, T0,
							      &rec, &ev), 0);
	CHECK_INT("atomic: failing apply", store_hazard_apply(st, &b, &boom, NULL, 168,
								T0, &rec, &ev), -1);
	CHECK("atomic: failing apply reports no event", ev == NULL);
	CHECK_INT("atomic: pass goes on", store_outbox_put(st, "status", OB_STATUS,
							   "{}", &seq), 0);
	CHECK_INT("atomic: commit", store_commit(st), 0);
	CHECK_INT("atomic: only the good hazard stored",
		  db_int(p, "SELECT count(*) FROM hazards"), 1);
	CHECK_INT("atomic: id counter not advanced by the failure",
		  db_int(p, "SELECT value FROM meta WHERE key = 'hazard_seq'"), 1);
	CHECK_INT("atomic: outbox row of the same pass stored", store_outbox_count(st), 1);
	/* the same without a caller transaction: the function's own */
	CHECK_INT("atomic: failing apply alone", store_hazard_apply(st, &b, &boom, NULL,
								      168, T0, &rec, &ev), -1);
	CHECK_INT("atomic: still one hazard", db_int(p, "SELECT count(*) FROM hazards"), 1);
	CHECK("atomic: no transaction left open", sqlite3_get_autocommit(store_sqlite(st)));
	store_close(st);
}

static void test_sync_config(void)
{
	const char *p = db_path("cfg.db");
	char err[512] = "";
	struct store *st = store_open(p, err, sizeof err);
	struct site_cfg sites[1];
	struct device_cfg devs[2];
	struct config cfg;

	CHECK("cfg: open", st != NULL);
	if (!st)
		return;
	memset(&cfg, 0, sizeof cfg);
	memset(sites, 0, sizeof sites);
	strlcpy_hz(sites[0].id, "rest-001", sizeof sites[0].id);
	sites[0].kind = SITE_RESTAURANT;
	strlcpy_hz(sites[0].name, "Noodle House", sizeof sites[0].name);
	strlcpy_hz(sites[0].grid, "G-0593", sizeof sites[0].grid);
	devs[0] = test_device("gas-1", "rest-001");
	devs[1] = test_device("smoke-1", "rest-001");
	devs[1].kind = DEV_SMOKE_ALARM;
	cfg.sites = sites;
	cfg.n_sites = 1;
	cfg.devices = devs;
	cfg.n_devices = 2;
	CHECK_INT("cfg: sync", store_sync_config(st, &cfg), 0);
	CHECK_INT("cfg: devices", db_int(p, "SELECT count(*) FROM devices"), 2);
	CHECK_INT("cfg: site kind",
		  db_int(p, "SELECT count(*) FROM sites WHERE kind = 'restaurant' "
			  "AND name = 'Noodle House' AND grid = 'G-0593'"), 1);
	CHECK_INT("cfg: device kind",
		  db_int(p, "SELECT count(*) FROM devices WHERE id = 'smoke-1' "
			  "AND kind = 'smoke_alarm'"), 1);

	/* rename the site, drop a device: upsert, and the dropped row stays */
	strlcpy_hz(sites[0].name, "Noodle House II", sizeof sites[0].name);
	cfg.n_devices = 1;
	CHECK_INT("cfg: resync inside a transaction", store_begin(st) == 0 &&
		  store_sync_config(st, &cfg) == 0 && store_commit(st) == 0, 1);
	CHECK_INT("cfg: removed device kept", db_int(p, "SELECT count(*) FROM devices"), 2);
	CHECK_INT("cfg: site updated",
		  db_int(p, "SELECT count(*) FROM sites WHERE name = 'Noodle House II'"), 1);
	store_close(st);
}

static void test_bad_files(void)
{
	const char *p = db_path("garbage.db");
	char err[512] = "", buf[8192];
	struct store *st;
	size_t i;
	int fd;

	/* random bytes where the database should be */
	fd = open("/dev/urandom", O_RDONLY);
	CHECK("bad: urandom", fd >= 0 && read(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
	if (fd >= 0)
		close(fd);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK("bad: write garbage", fd >= 0 && write(fd, buf, sizeof buf) ==
	      (ssize_t)sizeof buf);
	if (fd >= 0)
		close(fd);
	st = store_open(p, err, sizeof err);
	CHECK("bad: garbage refused", st == NULL);
	store_close(st);
	CHECK_CONTAINS("bad: message says corrupt", err, "is corrupt");
	CHECK_CONTAINS("bad: message names the file", err, p);

	/* a valid database with damaged pages past its header */
	p = db_path("damaged.db");
	st = store_open(p, err, sizeof err);
	if (st) {
		store_begin(st);
		for (i = 0; i < 300; i++) {
			struct reading r = gas((double)i, T0 + (int64_t)i);

			store_put_reading(st, "dev", &r);
		}
		store_commit(st);
		store_close(st);
	}
	fd = open(p, O_WRONLY);
	if (fd >= 0) {
		/* page 2 onwards: the schema page stays readable */
		CHECK("bad: damage pages", pwrite(fd, buf, sizeof buf, 4096) ==
		      (ssize_t)sizeof buf);
		close(fd);
	}
	err[0] = '\0';
	st = store_open(p, err, sizeof err);
	CHECK("bad: damaged file refused", st == NULL);
	store_close(st);
	CHECK_CONTAINS("bad: damaged message says corrupt", err, "corrupt");

	/* a file from a newer hazardd */
	p = db_path("newer.db");
	st = store_open(p, err, sizeof err);
	store_close(st);
	CHECK_INT("bad: set future version", raw_exec(p, "PRAGMA user_version = 999"),
		  SQLITE_OK);
	err[0] = '\0';
	st = store_open(p, err, sizeof err);
	CHECK("bad: newer schema refused", st == NULL);
	store_close(st);
	CHECK_CONTAINS("bad: newer message names the version", err, "999");

	/* a directory that does not exist */
	err[0] = '\0';
	st = store_open("/nonexistent-dir/x/hazardd.db", err, sizeof err);
	CHECK("bad: missing directory refused", st == NULL);
	CHECK_CONTAINS("bad: missing directory message", err, "/nonexistent-dir/x");
}

/* storage.max_mb: the oldest readings, then telemetry, make room; hazards stay */
static void test_quota(void)
{
	const char *p = db_path("quota.db");
	char err[512] = "", pad[600];
	struct store *st = store_open(p, err, sizeof err);
	struct device_cfg dev = test_device("smoke-q", "rest-001");
	struct hazard_change c;
	struct hazard_rec rec;
	struct reading r;
	const char *ev = NULL;
	int64_t dr = 0, dt = 0, de = 0, used, before;
	int i, rc = 0;

	CHECK("quota: open", st != NULL);
	if (!st)
		return;
	CHECK_INT("quota: ceiling set", store_set_quota(st, 1), 0);
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	store_begin(st);
	c = change(HZ_SMOKE_ALARM, CHG_ACTIVE, SEV_MAJOR, "smoke flag");
	r = gas(0, T0);
	store_hazard_apply(st, &dev, &c, &r, 24, T0, &rec, &ev);
	store_outbox_put_hazard(st, rec.id, OB_HAZARD_MAJOR, "{\"hazard\":1}", NULL);
	for (i = 0; i < 400 && rc == 0; i++) {
		r = gas(i % 100, T0 + i);
		rc = store_put_reading(st, "smoke-q", &r);
		if (rc == 0 && i % 4 == 0)
			rc = store_outbox_put(st, "telemetry", OB_TELEMETRY, pad, NULL);
	}
	CHECK_INT("quota: filled below the ceiling", rc, 0);
	store_commit(st);
	before = store_used_bytes(st);
	CHECK("quota: usage measured", before > 100000);
	store_begin(st);
	/* 168 KiB up to schema version 7; version 8's hazard_assignments
	 * and version 10's hazard_supervision tables hold one page each
	 * (their roots) even when empty, version 11's evidence tables three
	 * (evidence_files and its key's index, hazard_evidence), version
	 * 12's alerts one */
	rc = store_make_room(st, 192 * 1024, &dr, &dt, &de);
	store_commit(st);
	used = store_used_bytes(st);
	CHECK_INT("quota: made room", rc, 0);
	CHECK("quota: at or below the target", used >= 0 && used <= 192 * 1024);
	printf("INFO: quota: %lld bytes before, %lld after\n", (long long)before, (long long)used);
	CHECK("quota: readings dropped", dr > 0);
	CHECK("quota: readings go first, telemetry kept while they suffice", dt == 0);
	store_begin(st);
	dr = dt = 0;
	/* 96 KiB up to schema version 6; version 7's intake_pending table
	 * version 8's hazard_assignments and version 10's
	 * hazard_supervision hold one page each (their roots) even when
	 * empty, version 11's evidence tables three, version 12's alerts
	 * one */
	rc = store_make_room(st, 124 * 1024, &dr, &dt, &de);
	store_commit(st);
	CHECK_INT("quota: made more room", rc, 0);
	CHECK("quota: then telemetry dropped", dt > 0);
	CHECK("quota: at or below the lower target", store_used_bytes(st) <= 124 * 1024);
	CHECK("quota: the hazard is kept", store_hazard_get(st, rec.id, &rec) == 0);
	{
		struct outbox_msg m[2];
		int n = store_outbox_next(st, NULL, 0, NULL, m, 2);

		CHECK("quota: the hazard event is still queued",
		      n >= 1 && strcmp(m[0].body, "{\"hazard\":1}") == 0);
		while (n > 0)
			outbox_msg_free(&m[--n]);
	}
	/* only the hazard left above a tiny target: refuse to drop it */
	store_begin(st);
	dr = dt = 0;
	rc = store_make_room(st, 1, &dr, &dt, &de);
	store_commit(st);
	CHECK_INT("quota: hazards alone over the target are kept", rc, 1);
	CHECK("quota: hazard survives a tiny target", store_hazard_get(st, rec.id, &rec) == 0);

	/* past the hard ceiling writes fail instead of growing the file */
	store_begin(st);
	for (i = 0, rc = 0; i < 5000 && rc == 0; i++)
		rc = store_outbox_put(st, "telemetry", OB_TELEMETRY, pad, NULL);
	CHECK_INT("quota: the ceiling stops writes", rc, -1);
	store_rollback(st);
	store_close(st);
}

int main(void)
{
	static const char *const files[] = {
		"new.db", "reopen.db", "other.db", "life.db", "uniq.db", "json.db",
		"outbox.db", "readings.db", "tx.db", "full.db", "atomic.db", "cfg.db", "garbage.db",
		"damaged.db", "newer.db",
	};
	size_t i;

	log_init("test_store", LOG_LVL_ERR);
	snprintf(dir, sizeof dir, "/tmp/test_store.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_migrate_empty();
	test_reopen_keeps();
	test_hazard_lifecycle();
	test_unique_index();
	test_event_json();
	test_foreach_open();
	test_outbox();
	test_readings();
	test_transactions();
	test_disk_full();
	test_apply_atomic();
	test_sync_config();
	test_bad_files();
	test_quota();
	for (i = 0; i < sizeof files / sizeof files[0]; i++)
		remove_db(files[i]);
	rmdir(dir);
	TEST_DONE();
}
