/*
 * test_summary.c: the daily summary.  Local days and their boundaries in
 * real zones (UTC+8, and New York's 23- and 25-hour days), the schedule,
 * the rates from a crafted database (state and severity replayed to the
 * end of the day, hazards of the next day left out), the idempotent
 * msg_id of a queued summary, and a day of alarms, faults and hazards
 * written through the store's own functions, whose figures are computed
 * here from the scenario table and must keep the three kinds apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "store_internal.h"
#include "testing.h"

#define H  3600000LL
#define D  (24 * H)
/* 2026-11-23 00:00 in Asia/Shanghai = 2026-11-22T16:00:00Z */
#define S  1795363200000LL

static char dir[64];
static int64_t fake_wall;

static int64_t fake_wall_ms(void *ctx) { (void)ctx; return fake_wall; }
static int64_t fake_mono_ms(void *ctx) { (void)ctx; return fake_wall; }
static bool fake_trusted(void *ctx) { (void)ctx; return true; }
static const struct hz_clock fake_clock = {
	.wall_ms = fake_wall_ms, .mono_ms = fake_mono_ms, .trusted = fake_trusted,
};

static int64_t iso(const char *s)
{
	int64_t ms = -1;

	parse_iso_ms(s, &ms);
	return ms;
}

static void test_calendar(void)
{
	char err[256], buf[16];
	int64_t a, b;
	int m = -1;

	CHECK("hhmm: 18:00", localtime_parse_hhmm("18:00", &m) == 0 && m == 1080);
	CHECK("hhmm: 00:00", localtime_parse_hhmm("00:00", &m) == 0 && m == 0);
	CHECK("hhmm: 24:00 refused", localtime_parse_hhmm("24:00", &m) < 0);
	CHECK("hhmm: 18:60 refused", localtime_parse_hhmm("18:60", &m) < 0);
	CHECK("hhmm: 7:00 refused", localtime_parse_hhmm("7:00", &m) < 0);
	CHECK("zone: Asia/Shanghai", localtime_zone_valid("Asia/Shanghai", err, sizeof err));
	CHECK("zone: UTC", localtime_zone_valid("UTC", err, sizeof err));
	CHECK("zone: unknown refused", !localtime_zone_valid("Mars/Olympus", err, sizeof err));
	CHECK_CONTAINS("zone: error says why", err, "Mars/Olympus");
	CHECK("zone: no path escape", !localtime_zone_valid("../../etc/passwd", err, sizeof err));
	CHECK("zone: no absolute path", !localtime_zone_valid("/etc/localtime", err, sizeof err));

	CHECK("day: Shanghai bounds", localtime_day_bounds("Asia/Shanghai", "2026-11-23",
							 &a, &b, err, sizeof err) == 0);
	CHECK_INT("day: Shanghai starts 16:00Z the day before", a, S);
	CHECK_INT("day: Shanghai day is 24 h", b - a, D);
	localtime_day_bounds("America/New_York", "2026-03-08", &a, &b, err, sizeof err);
	CHECK_INT("day: New York 2026-03-08 starts 05:00Z", a, iso("2026-03-08T05:00:00Z"));
	CHECK_INT("day: New York spring-forward day is 23 h", b - a, 23 * H);
	localtime_day_bounds("America/New_York", "2026-11-01", &a, &b, err, sizeof err);
	CHECK_INT("day: New York fall-back day is 25 h", b - a, 25 * H);
	CHECK("day: 2026-02-30 refused", localtime_day_bounds("UTC", "2026-02-30", &a, &b,
							    err, sizeof err) < 0);
	CHECK("day: trailing text refused", localtime_day_bounds("UTC", "2026-02-03x", &a, &b,
							       err, sizeof err) < 0);

	localtime_date_of("Asia/Shanghai", S, buf, sizeof buf);
	CHECK_STR("date of: local midnight", buf, "2026-11-23");
	localtime_date_of("Asia/Shanghai", S - 1, buf, sizeof buf);
	CHECK_STR("date of: a millisecond before", buf, "2026-11-22");
	localtime_date_of("UTC", S, buf, sizeof buf);
	CHECK_STR("date of: the same instant in UTC", buf, "2026-11-22");

	/* 18:00 in Shanghai is 10:00Z */
	a = localtime_due_day("Asia/Shanghai", 1080, S + 18 * H - 1);
	b = localtime_due_day("Asia/Shanghai", 1080, S + 18 * H);
	CHECK_INT("due: before 18:00 the previous day's", b - a, 1);
	CHECK_INT("due: at 18:00 today's", b, S / D + 1);     /* 2026-11-23 */

	CHECK("since: 24h", localtime_parse_since("UTC", "24h", S, &a, err, sizeof err) == 0 &&
	      a == S - D);
	CHECK("since: 30m", localtime_parse_since("UTC", "30m", S, &a, err, sizeof err) == 0 &&
	      a == S - 30 * 60000);
	CHECK("since: local date", localtime_parse_since("Asia/Shanghai", "2026-11-23", 0, &a,
						       err, sizeof err) == 0 && a == S);
	CHECK("since: local time", localtime_parse_since("Asia/Shanghai", "2026-11-23T08:30",
						       0, &a, err, sizeof err) == 0 &&
	      a == S + 8 * H + 30 * 60000);
	CHECK("since: UTC time", localtime_parse_since("Asia/Shanghai", "2026-11-23T08:30:00Z",
						     0, &a, err, sizeof err) == 0 &&
	      a == iso("2026-11-23T08:30:00Z"));
	CHECK("since: UTC time without seconds",
	      localtime_parse_since("Asia/Shanghai", "2026-11-23T08:30Z", 0, &a, err,
				  sizeof err) == 0 && a == iso("2026-11-23T08:30:00Z"));
	CHECK("since: bad hour refused", localtime_parse_since("UTC", "2026-11-23T24:00", 0, &a,
							     err, sizeof err) < 0);
	CHECK("since: trailing text refused", localtime_parse_since("UTC", "2026-11-23T08:30x",
								  0, &a, err, sizeof err) < 0);
	CHECK("since: garbage refused", localtime_parse_since("UTC", "yesterday", 0, &a,
							    err, sizeof err) < 0);
}

/* ------------------------------------------------------------ database */

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("FAIL: sql: %s: %s\n", msg ? msg : "?", sql);
		test_failures++;
	}
	sqlite3_free(msg);
}

static void hz(sqlite3 *db, const char *id, const char *dev, const char *site,
	       const char *sev, const char *state, int64_t raised, int64_t deadline,
	       int64_t closed, const char *recurrence_of)
{
	char sql[1024];

	snprintf(sql, sizeof sql, "INSERT INTO hazards (id, device, site, type, severity, "
		 "priority, state, raised_at_ms, deadline_ms, closed_at_ms, updated_at_ms, "
		 "recurrence_of) VALUES ('%s', '%s', '%s', 'gas_leak', '%s', 1, '%s', "
		 "%lld, %lld, %lld, %lld, %s%s%s)", id, dev, site, sev, state,
		 (long long)raised, (long long)deadline, (long long)closed, (long long)raised,
		 recurrence_of ? "'" : "", recurrence_of ? recurrence_of : "NULL",
		 recurrence_of ? "'" : "");
	exec(db, sql);
}

static void ev(sqlite3 *db, const char *id, const char *event, int64_t at, const char *sev)
{
	char sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO hazard_events (hazard_id, event, at_ms, "
		 "actor, severity) VALUES ('%s', '%s', %lld, 'x', '%s')", id, event,
		 (long long)at, sev);
	exec(db, sql);
}

static void sc(sqlite3 *db, const char *dev, const char *site, const char *source, int64_t at)
{
	char sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO self_checks (device, site, source, at_ms) "
		 "VALUES ('%s', '%s', '%s', %lld)", dev, site, source, (long long)at);
	exec(db, sql);
}

/*
 * The day 2026-11-23 (Shanghai), S its start:
 *   A1 site-a general: raised two days before, due S+1h, closed S+30m: on time
 *   A2 site-a general->major at S+2.5h: raised S+2h, cleared S+3h, due S+5h
 *   A3 site-a major, recurrence of A1: raised S+4h, acknowledged S+4.5h,
 *      closed the next day (S+26h): acknowledged at the end of the day
 *   B1 site-b major: raised S+1h, due S+20h, closed S+21h: late
 *   B2 site-b: raised the next day: not in this day at all
 *   B3 site-b general (escalated to major only the next day): raised ten
 *      days before, due three days before, still open
 */
static void craft(sqlite3 *db)
{
	hz(db, "A1", "d1", "site-a", "general", "closed", S - 2 * D, S + H, S + H / 2, NULL);
	ev(db, "A1", "raised", S - 2 * D, "general");
	ev(db, "A1", "cleared", S - D, "general");
	ev(db, "A1", "closed", S + H / 2, "general");
	hz(db, "A2", "d2", "site-a", "major", "open", S + 2 * H, S + 5 * H, 0, NULL);
	ev(db, "A2", "raised", S + 2 * H, "general");
	ev(db, "A2", "escalated", S + 5 * H / 2, "major");
	ev(db, "A2", "cleared", S + 3 * H, "major");
	hz(db, "A3", "d1", "site-a", "major", "closed", S + 4 * H, S + 28 * H, S + 26 * H, "A1");
	ev(db, "A3", "raised", S + 4 * H, "major");
	ev(db, "A3", "acknowledged", S + 9 * H / 2, "major");
	ev(db, "A3", "cleared", S + 25 * H, "major");
	ev(db, "A3", "closed", S + 26 * H, "major");
	hz(db, "B1", "d3", "site-b", "major", "closed", S + H, S + 20 * H, S + 21 * H, NULL);
	ev(db, "B1", "raised", S + H, "major");
	ev(db, "B1", "acknowledged", S + 2 * H, "major");
	ev(db, "B1", "rectifying", S + 3 * H, "major");
	ev(db, "B1", "cleared", S + 19 * H, "major");
	ev(db, "B1", "closed", S + 21 * H, "major");
	hz(db, "B2", "d4", "site-b", "general", "open", S + 25 * H, S + 49 * H, 0, NULL);
	ev(db, "B2", "raised", S + 25 * H, "general");
	hz(db, "B3", "d3", "site-b", "major", "open", S - 10 * D, S - 3 * D, 0, NULL);
	ev(db, "B3", "raised", S - 10 * D, "general");
	ev(db, "B3", "escalated", S + 30 * H, "major");
	sc(db, "d1", "site-a", "device", S + H);
	sc(db, "d1", "site-a", "device", S + 2 * H);
	sc(db, "d4", "site-b", "device", S - H);         /* the day before */
	sc(db, "d2", "site-a", "device", S + 25 * H);    /* the day after */
	sc(db, "valve", "", "output", S + 2 * H);
}

static struct site_cfg sites[2];
static struct device_cfg devices[4];

static void make_config(struct config *cfg)
{
	static const struct { const char *id, *site; enum device_kind kind; } dv[4] = {
		{ "d1", "site-a", DEV_GAS_DETECTOR }, { "d2", "site-a", DEV_SMOKE_ALARM },
		{ "d3", "site-b", DEV_EBIKE_CHARGER }, { "d4", "site-b", DEV_SMOKE_ALARM },
	};
	int i;

	memset(cfg, 0, sizeof *cfg);
	memset(sites, 0, sizeof sites);
	device_cfg_blank(devices, 4);
	strcpy(cfg->gateway.id, "gw-test");
	strcpy(cfg->gateway.district, "licheng");
	strcpy(sites[0].id, "site-a");
	strcpy(sites[1].id, "site-b");
	for (i = 0; i < 4; i++) {
		devices[i].id = dv[i].id;
		devices[i].site = dv[i].site;
		devices[i].kind = dv[i].kind;
	}
	cfg->sites = sites;
	cfg->n_sites = 2;
	cfg->devices = devices;
	cfg->n_devices = 4;
	strcpy(cfg->summary.time, "18:00");
	cfg->summary.minutes = 1080;
	strcpy(cfg->summary.timezone, "Asia/Shanghai");
}

static double num(const cJSON *o, const char *path)
{
	char buf[128], *p, *save = NULL;
	const cJSON *v = o;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = strtok_r(buf, ".", &save); p && v; p = strtok_r(NULL, ".", &save))
		v = cJSON_GetObjectItemCaseSensitive(v, p);
	return cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsNull(v) ? -1 : -999;
}

static const cJSON *site_of(const cJSON *sum, const char *id)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(sum, "sites")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(s, "site");

		if (cJSON_IsString(n) && strcmp(n->valuestring, id) == 0)
			return s;
	}
	return NULL;
}

static void test_rates(struct store *st, const struct config *cfg)
{
	static const unsigned char online[4] = { PRES_ONLINE, PRES_ONLINE, PRES_OFFLINE,
						 PRES_ONLINE };
	char err[256];
	cJSON *o;
	const cJSON *t, *a, *b;

	o = summary_build(st, cfg, "2026-11-23", online, S + 2 * D, err, sizeof err);
	CHECK("rates: summary built", o != NULL);
	if (!o) {
		printf("INFO: %s\n", err);
		return;
	}
	t = cJSON_GetObjectItemCaseSensitive(o, "totals");
	a = site_of(o, "site-a");
	b = site_of(o, "site-b");
	CHECK("rates: both sites present", a && b);
	if (!a || !b) {
		cJSON_Delete(o);
		return;
	}
	CHECK_STR("rates: msg_id", cJSON_GetObjectItemCaseSensitive(o, "msg_id")->valuestring,
		  "summary-2026-11-23");
	CHECK("rates: complete day", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "complete")));
	CHECK_DBL("gw: hazards of the day (next day's left out)", num(t, "hazards"), 5);
	/* acknowledged (A3) and normal again (A2) are open: a property and a
	 * 签收, not states (schema version 8) */
	CHECK_DBL("gw: open at day end (B3, A3 acknowledged, A2 normal again)",
		  num(t, "by_state.open"), 3);
	CHECK("gw: no acknowledged state any more",
	      !cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(t,
		"by_state"), "acknowledged"));
	CHECK("gw: no cleared state any more",
	      !cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(t,
		"by_state"), "cleared"));
	CHECK_DBL("gw: closed at day end", num(t, "by_state.closed"), 2);
	CHECK_DBL("gw: rectifying at day end", num(t, "by_state.rectifying"), 0);
	CHECK_DBL("gw: submitted at day end", num(t, "by_state.submitted"), 0);
	CHECK_DBL("gw: general total (escalation of the next day ignored)",
		  num(t, "by_severity.general.total"), 2);
	CHECK_DBL("gw: general outstanding", num(t, "by_severity.general.outstanding"), 1);
	CHECK_DBL("gw: major total", num(t, "by_severity.major.total"), 3);
	CHECK_DBL("gw: major outstanding", num(t, "by_severity.major.outstanding"), 2);
	CHECK_DBL("gw: new", num(t, "new"), 3);
	CHECK_DBL("gw: closed today", num(t, "closed"), 2);
	CHECK_DBL("gw: came due", num(t, "rectification_on_time.day.came_due"), 3);
	CHECK_DBL("gw: closed on time", num(t, "rectification_on_time.day.closed_on_time"), 1);
	CHECK_DBL("gw: on-time rate", num(t, "rectification_on_time.day.rate"), 0.3333);
	CHECK_DBL("gw: on-time rate day", num(t, "rectification_on_time.day.rate"), 0.3333);
	CHECK_DBL("gw: came due by the cut, all time (B3 three days ago)",
		  num(t, "rectification_on_time.came_due"), 4);
	CHECK_DBL("gw: closed on time, all time", num(t, "rectification_on_time.closed_on_time"), 1);
	CHECK_DBL("gw: 限期整改率", num(t, "rectification_on_time.rate"), 0.25);
	CHECK_DBL("gw: overdue today", num(t, "overdue"), 2);
	CHECK_DBL("gw: overdue outstanding", num(t, "overdue_outstanding"), 2);
	CHECK_DBL("gw: rectification closed", num(t, "rectification.closed"), 2);
	CHECK_DBL("gw: rectification rate", num(t, "rectification.rate"), 0.4);
	CHECK_DBL("gw: recurrences", num(t, "recurrences"), 1);
	CHECK_DBL("gw: devices", num(t, "devices.total"), 4);
	CHECK_DBL("gw: online", num(t, "devices.online"), 3);
	CHECK_DBL("gw: online rate", num(t, "devices.online_rate"), 0.75);
	CHECK_DBL("gw: self-test devices (chargers have none)", num(t, "button_self_test.devices"), 3);
	CHECK_DBL("gw: self-tested devices (only this day's)", num(t, "button_self_test.tested"), 1);
	CHECK_DBL("gw: presses", num(t, "button_self_test.presses"), 2);
	CHECK_DBL("gw: self-test rate", num(t, "button_self_test.rate"), 0.3333);
	CHECK_DBL("gw: output self-tests", num(t, "output_self_tests"), 1);
	CHECK_DBL("site-a: hazards", num(a, "hazards"), 3);
	CHECK_DBL("site-a: rectification rate", num(a, "rectification.rate"), 0.3333);
	CHECK_DBL("site-a: on-time rate", num(a, "rectification_on_time.day.rate"), 0.5);
	CHECK_DBL("site-a: self-test rate", num(a, "button_self_test.rate"), 0.5);
	CHECK_DBL("site-a: online rate", num(a, "devices.online_rate"), 1);
	CHECK_DBL("site-b: hazards", num(b, "hazards"), 2);
	CHECK_DBL("site-b: on-time rate 0 of 1", num(b, "rectification_on_time.day.rate"), 0);
	CHECK_DBL("site-b: overdue outstanding", num(b, "overdue_outstanding"), 1);
	CHECK_DBL("site-b: online rate", num(b, "devices.online_rate"), 0.5);
	CHECK_DBL("site-b: self-test rate", num(b, "button_self_test.rate"), 0);
	cJSON_Delete(o);

	/* never_seen: out of the online rate's denominator, counted and
	 * listed apart, per site and for the gateway */
	{
		static const unsigned char pres[4] = { PRES_NEVER_SEEN, PRES_NEVER_SEEN,
						       PRES_NEVER_SEEN, PRES_ONLINE };
		const cJSON *ids;

		o = summary_build(st, cfg, "2026-11-23", pres, S + 2 * D, err, sizeof err);
		t = o ? cJSON_GetObjectItemCaseSensitive(o, "totals") : NULL;
		a = o ? site_of(o, "site-a") : NULL;
		b = o ? site_of(o, "site-b") : NULL;
		CHECK_DBL("never_seen: gw count", num(t, "devices.never_seen"), 3);
		CHECK_DBL("never_seen: gw total still counts them", num(t, "devices.total"), 4);
		CHECK_DBL("never_seen: gw online", num(t, "devices.online"), 1);
		CHECK_DBL("never_seen: gw rate over the devices heard", num(t,
			  "devices.online_rate"), 1);
		CHECK_DBL("never_seen: site-a none heard: rate null",
			  num(a, "devices.online_rate"), -1);
		CHECK_DBL("never_seen: site-b count", num(b, "devices.never_seen"), 1);
		ids = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b,
			"devices"), "never_seen_ids");
		CHECK("never_seen: site-b lists d3", cJSON_GetArraySize(ids) == 1 &&
		      strcmp(cJSON_GetArrayItem(ids, 0)->valuestring, "d3") == 0);
		ids = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(t,
			"devices"), "never_seen_ids");
		CHECK_INT("never_seen: gw lists all three", cJSON_GetArraySize(ids), 3);
		CHECK_DBL("never_seen: site-b rate 1 of 1 heard", num(b, "devices.online_rate"), 1);
		cJSON_Delete(o);
	}

	/* the same day asked at 06:00: only what had happened by then */
	o = summary_build(st, cfg, "2026-11-23", NULL, S + 6 * H, err, sizeof err);
	t = o ? cJSON_GetObjectItemCaseSensitive(o, "totals") : NULL;
	CHECK("cut: not complete", o && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "complete")));
	CHECK_DBL("cut: came due by 06:00", num(t, "rectification_on_time.day.came_due"), 2);
	CHECK_DBL("cut: B1 not closed yet", num(t, "by_state.closed"), 1);
	CHECK_DBL("cut: online unknown", num(t, "devices.online"), -1);
	CHECK_DBL("cut: never_seen unknown", num(t, "devices.never_seen"), -1);
	CHECK_DBL("cut: site-b self-tested 0 of 1", num(site_of(o, "site-b"), "button_self_test.rate"), 0);
	cJSON_Delete(o);

	/* an empty day: rates are null, not 0 */
	o = summary_build(st, cfg, "2026-10-01", NULL, S + 2 * D, err, sizeof err);
	t = o ? cJSON_GetObjectItemCaseSensitive(o, "totals") : NULL;
	CHECK_DBL("empty: on-time rate null", num(t, "rectification_on_time.day.rate"), -1);
	CHECK_DBL("empty: rectification rate null", num(t, "rectification.rate"), -1);
	cJSON_Delete(o);
	CHECK("future day refused", summary_build(st, cfg, "2026-11-30", NULL, S + 2 * D,
						  err, sizeof err) == NULL);
}

/* ------------------------------------------------ the three kinds apart */

/*
 * A day of alarms, faults and hazards written with the store's own
 * functions at injected times: 2026-12-01 in Shanghai, S2 its start.
 * Offsets are from S2 (negative: an earlier day; past D: the next day);
 * 0 means never (nothing in the table happens at S2 itself).
 */
#define S2      (S + 8 * D)
#define MIN     60000LL
#define SEC     1000LL

struct sc {
	enum record_kind kind;
	const char *site, *device;
	enum hazard_type type;
	enum severity sev;
	int64_t raised;
	int64_t ack;                    /* a person acknowledged */
	enum verdict verdict;           /* alarms */
	int64_t verified;
	int64_t cleared;                /* alarm ended, fault or hazard cleared */
	int64_t dismissed;              /* faults */
	int64_t closed;                 /* hazards: written off (after cleared) */
	double deadline_h;              /* hazards */
	bool raised_cleared;            /* hazards: condition already off */
};

static const struct sc day2[] = {
	/* alarms */
	{ REC_ALARM, "site-a", "gas-a1", HZ_GAS_LEAK, SEV_MAJOR, 8 * H, 8 * H + 30 * SEC,
	  VERDICT_REAL, 8 * H + 10 * MIN, 8 * H + 20 * MIN, 0, 0, 0, false },
	/* verified false after it ended: the verdict's time is the response */
	{ REC_ALARM, "site-a", "smoke-a2", HZ_SMOKE_ALARM, SEV_GENERAL, 9 * H, 0,
	  VERDICT_FALSE, 9 * H + 2 * MIN, 9 * H + MIN, 0, 0, 0, false },
	/* a test press: verified test by hazardd at its raise */
	{ REC_ALARM, "site-a", "smoke-a3", HZ_SMOKE_ALARM, SEV_GENERAL, 10 * H, 0,
	  VERDICT_TEST, 10 * H, 10 * H + 5 * SEC, 0, 0, 0, false },
	/* never acknowledged, still sounding */
	{ REC_ALARM, "site-b", "chg-b1", HZ_CHARGER_OVERTEMP, SEV_GENERAL, 11 * H, 0,
	  VERDICT_NONE, 0, 0, 0, 0, 0, false },
	{ REC_ALARM, "site-b", "smoke-b2", HZ_SMOKE_ALARM, SEV_MAJOR, 13 * H, 13 * H + 10 * MIN,
	  VERDICT_NONE, 0, 13 * H + 30 * MIN, 0, 0, 0, false },
	{ REC_ALARM, "site-b", "gas-b3", HZ_GAS_LEAK, SEV_GENERAL, 14 * H,
	  14 * H + 90 * SEC, VERDICT_FALSE, 14 * H + 5 * MIN, 0, 0, 0, 0, false },
	/* the day before, still active: active, not raised today */
	{ REC_ALARM, "site-a", "co-a4", HZ_CO_ALARM, SEV_GENERAL, -2 * H, -H,
	  VERDICT_NONE, 0, 0, 0, 0, 0, false },
	/* the next day: nowhere */
	{ REC_ALARM, "site-b", "smoke-b4", HZ_SMOKE_ALARM, SEV_GENERAL, D + H, 0,
	  VERDICT_NONE, 0, 0, 0, 0, 0, false },
	/* faults */
	{ REC_FAULT, "site-a", "gas-a1", HZ_LOW_BATTERY, SEV_GENERAL, 7 * H, 0,
	  VERDICT_NONE, 0, 12 * H, 0, 0, 0, false },
	{ REC_FAULT, "site-a", "smoke-a2", HZ_DEVICE_OFFLINE, SEV_GENERAL, 15 * H, 0,
	  VERDICT_NONE, 0, 0, 0, 0, 0, false },
	{ REC_FAULT, "site-b", "chg-b1", HZ_TAMPER, SEV_GENERAL, 9 * H + 30 * MIN, 0,
	  VERDICT_NONE, 0, 0, 10 * H + 30 * MIN, 0, 0, false },
	{ REC_FAULT, "site-b", "smoke-b2", HZ_DETECTOR_FAULT, SEV_GENERAL, -4 * H, 0,
	  VERDICT_NONE, 0, 6 * H, 0, 0, 0, false },
	{ REC_FAULT, "site-b", "gas-b3", HZ_DEVICE_OFFLINE, SEV_GENERAL, -D, 0,
	  VERDICT_NONE, 0, 0, 0, 0, 0, false },
	/* hazards: closed on time */
	{ REC_HAZARD, "site-a", "gas-a1", HZ_GAS_LEAK, SEV_MAJOR, 8 * H + 10 * MIN, 0,
	  VERDICT_NONE, 0, 8 * H + 20 * MIN, 0, 9 * H, 2, false },
	/* closed late (due 15:00, closed 17:00) */
	{ REC_HAZARD, "site-b", "gas-b3", HZ_GAS_LEAK, SEV_GENERAL, 14 * H, 0,
	  VERDICT_NONE, 0, 16 * H, 0, 17 * H, 1, false },
	/* three days old, due two days ago, open: overdue */
	{ REC_HAZARD, "site-a", "chg-a5", HZ_OVERCHARGE, SEV_MAJOR, -3 * D, 0,
	  VERDICT_NONE, 0, 0, 0, 0, 24, false },
	/* acknowledged, due next week */
	{ REC_HAZARD, "site-b", "chg-b1", HZ_CHARGER_OVERTEMP, SEV_GENERAL, 11 * H + 5 * MIN,
	  11 * H + 30 * MIN, VERDICT_NONE, 0, 0, 0, 0, 168, false },
	/* raised with its condition off at 12:00, due 16:00, not closed; an
	 * acknowledgement keeps it cleared */
	{ REC_HAZARD, "site-a", "smoke-a3", HZ_SMOKE_ALARM, SEV_GENERAL, 12 * H, 13 * H,
	  VERDICT_NONE, 0, 0, 0, 0, 4, true },
	/* raised yesterday, closed today, due tomorrow */
	{ REC_HAZARD, "site-b", "smoke-b2", HZ_SMOKE_ALARM, SEV_MAJOR, -14 * H, 0,
	  VERDICT_NONE, 0, -10 * H, 0, 10 * H, 48, false },
	/* raised and closed the day before */
	{ REC_HAZARD, "site-a", "gas-a6", HZ_GAS_LEAK, SEV_GENERAL, -20 * H, 0,
	  VERDICT_NONE, 0, -19 * H, 0, -18 * H, 24, false },
};
#define N_DAY2 ((int)(sizeof day2 / sizeof day2[0]))

static void sc_dev(struct device_cfg *dev, const struct sc *r)
{
	*dev = (struct device_cfg)DEVICE_CFG_BLANK;
	dev->id = r->device;
	dev->site = r->site;
}

static int sc_change(struct store *st, const struct sc *r, enum record_kind k, bool create,
		     enum change_kind c, int64_t at, struct hazard_rec *rec)
{
	struct hz_policy pol = { .deadline_h = { r->deadline_h, r->deadline_h },
				 .clock_trusted = true };
	struct hazard_change chg = { .type = r->type, .kind = c, .severity = r->sev };
	struct device_cfg dev;
	const char *event = NULL;

	sc_dev(&dev, r);
	snprintf(chg.detail, sizeof chg.detail, "test");
	return store_record_apply(st, k, create, &dev, &chg, NULL, &pol, S2 + at, rec,
				  &event) == 0 && event ? 0 : -1;
}

static int sc_act(struct store *st, const char *id, enum record_action a, enum verdict v,
		  int64_t at)
{
	char err[256];

	/* a write-off follows a submit by someone else (at the same ms) */
	if (a == RA_CLOSE && store_record_act(st, id, RA_SUBMIT, VERDICT_NONE, "fitter",
					      "note", NULL, S2 + at, NULL, NULL, err,
					      sizeof err) < 0) {
		printf("INFO: %s\n", err);
		return -1;
	}
	if (store_record_act(st, id, a, v, a == RA_VERIFY && v == VERDICT_TEST ? "hazardd"
			     : "inspector", "note", NULL, S2 + at, NULL, NULL, err,
			     sizeof err) == 0)
		return 0;
	printf("INFO: %s\n", err);
	return -1;
}

/* One record of the table through the store, its moves in time order. */
static int sc_write(struct store *st, const struct sc *r)
{
	int64_t at[5] = { r->ack, r->verified, r->cleared, r->dismissed, r->closed };
	bool used[5] = { false };
	struct hazard_rec rec;
	char id[ID_MAX];
	int rc = 0, i, k, best;

	if (r->kind == REC_HAZARD) {
		struct hz_policy pol = { .deadline_h = { r->deadline_h, r->deadline_h },
					 .clock_trusted = true };
		struct hazard_origin o = { .device = r->device, .site = r->site,
			.type = r->type, .severity = r->sev, .reason = HR_PERSON,
			.condition_on = !r->raised_cleared, .detail = "test",
			.actor = "inspector" };
		const char *event = NULL;

		if (store_hazard_derive(st, &o, &pol, S2 + r->raised, &rec, &event) < 0 ||
		    !event)
			return -1;
	} else if (sc_change(st, r, r->kind, true, CHG_ACTIVE, r->raised, &rec) < 0) {
		return -1;
	}
	snprintf(id, sizeof id, "%s", rec.id);
	/* its moves oldest first (at one ms: acknowledge, verify, clear,
	 * dismiss, close, the table's order) */
	for (k = 0; k < 5 && rc == 0; k++) {
		best = -1;
		for (i = 0; i < 5; i++)
			if (!used[i] && at[i] != 0 && (best < 0 || at[i] < at[best]))
				best = i;
		if (best < 0)
			break;
		used[best] = true;
		switch (best) {
		case 0:
			rc = sc_act(st, id, RA_ACK, VERDICT_NONE, at[best]);
			break;
		case 1:
			rc = sc_act(st, id, RA_VERIFY, r->verdict, at[best]);
			break;
		case 2:
			rc = sc_change(st, r, r->kind, false, CHG_CLEAR, at[best], &rec);
			break;
		case 3:
			rc = sc_act(st, id, RA_DISMISS, VERDICT_NONE, at[best]);
			break;
		default:
			rc = sc_act(st, id, RA_CLOSE, VERDICT_NONE, at[best]);
			break;
		}
	}
	return rc;
}

/* What the table says by the cut (offset from S2), for one site or all. */
struct want {
	int hazards, state[HZS_COUNT], sev_total[2], sev_out[2];
	int new_, closed, closed_total, due, on_time, due_day, on_time_day, overdue_out;
	int al_raised, al_type[HZ_TYPE_COUNT], al_acked, verdict[VERDICT_COUNT], al_active;
	int64_t resp[N_DAY2];
	int n_resp;
	int ft_raised, ft_type[HZ_TYPE_COUNT], ft_active, ft_cleared, ft_dismissed;
};

static bool by(int64_t t, int64_t cut) { return t != 0 && t < cut; }
static bool today(int64_t t, int64_t cut) { return t != 0 && t >= 0 && t < cut; }

/* Acknowledging keeps a hazard open, and so does its condition clearing
 * (normal_since); the submit and the write-off are at one ms. */
static int hz_state_at(const struct sc *r, int64_t cut)
{
	return by(r->closed, cut) ? HZS_CLOSED : HZS_OPEN;
}

static void expect(struct want *w, const char *site, int64_t cut)
{
	int i;

	memset(w, 0, sizeof *w);
	for (i = 0; i < N_DAY2; i++) {
		const struct sc *r = &day2[i];
		int64_t due = r->raised + (int64_t)(r->deadline_h * H), ack;

		if ((site && strcmp(site, r->site) != 0) || r->raised >= cut)
			continue;
		if (r->kind == REC_HAZARD) {
			int stt = hz_state_at(r, cut);
			bool on_time = by(r->closed, cut) && r->closed <= due;

			w->hazards++;
			w->state[stt]++;
			w->sev_total[r->sev]++;
			w->sev_out[r->sev] += stt != HZS_CLOSED;
			w->new_ += r->raised >= 0;
			w->closed += today(r->closed, cut);
			w->closed_total += by(r->closed, cut);
			if (due < cut) {
				w->due++;
				w->on_time += on_time;
				w->overdue_out += stt != HZS_CLOSED;
				if (due >= 0) {
					w->due_day++;
					w->on_time_day += on_time;
				}
			}
		} else if (r->kind == REC_ALARM) {
			w->al_active += !by(r->cleared, cut);
			if (r->raised < 0)
				continue;
			w->al_raised++;
			w->al_type[r->type]++;
			w->verdict[by(r->verified, cut) ? r->verdict : VERDICT_NONE]++;
			/* verifying is a response too: the first of the two */
			ack = r->ack && (!r->verified || r->ack < r->verified) ? r->ack
									   : r->verified;
			if (!by(ack, cut))
				continue;
			w->al_acked++;
			if (!(r->verdict == VERDICT_TEST && by(r->verified, cut)))
				w->resp[w->n_resp++] = ack - r->raised;
		} else {
			w->ft_active += !by(r->cleared, cut) && !by(r->dismissed, cut);
			w->ft_cleared += today(r->cleared, cut);
			w->ft_dismissed += today(r->dismissed, cut);
			if (r->raised < 0)
				continue;
			w->ft_raised++;
			w->ft_type[r->type]++;
		}
	}
}

static double ratio(int n, int d)
{
	return d ? round((double)n / d * 10000.0) / 10000.0 : -1;
}

/* median: the middle, or the mean of the two middle; p90: nearest rank */
static double pct(int64_t *v, int n, bool median)
{
	int i, j;

	if (n == 0)
		return -1;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (median)
		return (n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0) / 1000.0;
	return (double)v[(9 * n + 9) / 10 - 1] / 1000.0;
}

static void check_bucket(const char *label, const cJSON *b, const struct want *w)
{
	char name[256], path[96];
	int i;

#define FIG(p, want) do { \
		snprintf(name, sizeof name, "%s: %s", label, p); \
		CHECK_DBL(name, num(b, p), (double)(want)); \
	} while (0)
	FIG("hazards", w->hazards);
	for (i = 0; i < HZS_COUNT; i++) {
		snprintf(path, sizeof path, "by_state.%s", hz_state_name[i]);
		FIG(path, w->state[i]);
	}
	FIG("by_severity.general.total", w->sev_total[SEV_GENERAL]);
	FIG("by_severity.general.outstanding", w->sev_out[SEV_GENERAL]);
	FIG("by_severity.major.total", w->sev_total[SEV_MAJOR]);
	FIG("by_severity.major.outstanding", w->sev_out[SEV_MAJOR]);
	FIG("new", w->new_);
	FIG("closed", w->closed);
	FIG("overdue", w->due_day - w->on_time_day);
	FIG("overdue_outstanding", w->overdue_out);
	FIG("rectification.raised", w->hazards);
	FIG("rectification.closed", w->closed_total);
	FIG("rectification.rate", ratio(w->closed_total, w->hazards));
	FIG("rectification.day.raised", w->new_);
	FIG("rectification.day.closed", w->closed);
	FIG("rectification_on_time.came_due", w->due);
	FIG("rectification_on_time.closed_on_time", w->on_time);
	FIG("rectification_on_time.rate", ratio(w->on_time, w->due));
	FIG("rectification_on_time.day.came_due", w->due_day);
	FIG("rectification_on_time.day.closed_on_time", w->on_time_day);
	FIG("rectification_on_time.day.rate", ratio(w->on_time_day, w->due_day));
	FIG("alarms.raised", w->al_raised);
	for (i = 0; i < HZ_TYPE_COUNT; i++) {
		if (record_kind_of((enum hazard_type)i) != REC_ALARM)
			continue;
		snprintf(path, sizeof path, "alarms.by_type.%s", hazard_type_name[i]);
		FIG(path, w->al_type[i]);
	}
	FIG("alarms.acknowledged", w->al_acked);
	FIG("alarms.response_s.count", w->n_resp);
	{
		int64_t v[N_DAY2];

		memcpy(v, w->resp, sizeof v);
		FIG("alarms.response_s.median", pct(v, w->n_resp, true));
		FIG("alarms.response_s.p90", pct(v, w->n_resp, false));
	}
	FIG("alarms.verified.real", w->verdict[VERDICT_REAL]);
	FIG("alarms.verified.false", w->verdict[VERDICT_FALSE]);
	FIG("alarms.verified.test", w->verdict[VERDICT_TEST]);
	FIG("alarms.verified.unverified", w->verdict[VERDICT_NONE]);
	FIG("alarms.false_alarm_rate", ratio(w->verdict[VERDICT_FALSE],
		w->verdict[VERDICT_REAL] + w->verdict[VERDICT_FALSE]));
	FIG("alarms.active", w->al_active);
	FIG("faults.raised", w->ft_raised);
	for (i = 0; i < HZ_TYPE_COUNT; i++) {
		if (record_kind_of((enum hazard_type)i) != REC_FAULT)
			continue;
		snprintf(path, sizeof path, "faults.by_type.%s", hazard_type_name[i]);
		FIG(path, w->ft_type[i]);
	}
	FIG("faults.active", w->ft_active);
	FIG("faults.cleared", w->ft_cleared);
	FIG("faults.dismissed", w->ft_dismissed);
#undef FIG
}

static void test_kinds(const struct config *cfg)
{
	static const struct { const char *label; int64_t cut, now; } cuts[] = {
		{ "day", D, 2 * D }, { "noon", 12 * H, 12 * H },
	};
	static const char *const where[] = { NULL, "site-a", "site-b" };
	char path[128], err[512], label[64];
	struct store *st;
	struct want w;
	cJSON *o;
	int i, c, k, written = 0, n_hz = 0;

	snprintf(path, sizeof path, "%s/kinds.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("kinds: store opens", st != NULL);
	if (!st)
		return;
	for (i = 0; i < N_DAY2; i++) {
		if (sc_write(st, &day2[i]) == 0)
			written++;
		else
			printf("INFO: scenario row %d (%s %s) not written\n", i,
			       day2[i].device, hazard_type_name[day2[i].type]);
		n_hz += day2[i].kind == REC_HAZARD;
	}
	CHECK_INT("kinds: every scenario row written through the store", written, N_DAY2);

	for (c = 0; c < 2; c++) {
		o = summary_build(st, cfg, "2026-12-01", NULL, S2 + cuts[c].now, err, sizeof err);
		CHECK("kinds: summary built", o != NULL);
		if (!o) {
			printf("INFO: %s\n", err);
			continue;
		}
		for (k = 0; k < 3; k++) {
			const cJSON *b = where[k] ? site_of(o, where[k]) :
					 cJSON_GetObjectItemCaseSensitive(o, "totals");

			snprintf(label, sizeof label, "%s %s", cuts[c].label,
				 where[k] ? where[k] : "gw");
			expect(&w, where[k], cuts[c].cut);
			check_bucket(label, b, &w);
		}
		if (c == 0 && getenv("SUMMARY_DUMP")) {
			char *txt = cJSON_Print(cJSON_GetObjectItemCaseSensitive(o, "totals"));

			printf("%s\n", txt);
			free(txt);
		}
		if (c == 0) {
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "totals");

			/* the figures of the kinds stay apart: 20 records, 7 hazards */
			CHECK_DBL("kinds: alarms and faults are not hazards",
				  num(t, "hazards"), n_hz);
			CHECK("kinds: alarms and faults exist beside them",
			      num(t, "alarms.raised") > 0 && num(t, "faults.raised") > 0);
			CHECK_DBL("kinds: 整改率 over hazards alone (4 of 7 closed)",
				  num(t, "rectification.rate"), 0.5714);
			CHECK_DBL("kinds: 误报率 2 false of 3 verified real or false",
				  num(t, "alarms.false_alarm_rate"), 0.6667);
			CHECK_DBL("kinds: a test press is no response sample",
				  num(t, "alarms.response_s.count"), 4);
			CHECK("kinds: self_test renamed button_self_test",
			      cJSON_GetObjectItemCaseSensitive(t, "button_self_test") &&
			      !cJSON_GetObjectItemCaseSensitive(t, "self_test"));
		}
		cJSON_Delete(o);
	}
	store_close(st);
	unlink(path);
	snprintf(path, sizeof path, "%s/kinds.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/kinds.db-shm", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/kinds.db.hwm", dir);
	unlink(path);
}

/* The bodies queued in the outbox with topic "summary", oldest first. */
static int queued(struct store *st, char bodies[][96], int max)
{
	struct outbox_msg m[32];
	int n = store_outbox_next(st, NULL, 0, NULL, m, 32), i, k = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(m[i].topic_suffix, "summary") == 0 && k < max)
			snprintf(bodies[k++], 96, "%s", m[i].body);
		outbox_msg_free(&m[i]);
	}
	return k;
}

static void test_queue(struct store *st, struct config *cfg)
{
	struct daemon d;
	char err[256], b[16][96];
	int64_t last = -5;
	cJSON *out = NULL;
	int n;

	memset(&d, 0, sizeof d);
	d.cfg = cfg;
	d.store = st;
	fake_wall = S + 2 * D;
	clock_use(&fake_clock);
	CHECK("queue: first", daemon_summary(&d, "2026-11-23", true, &out, err, sizeof err) == 0);
	cJSON_Delete(out);
	CHECK("queue: again", daemon_summary(&d, "2026-11-23", true, NULL, err, sizeof err) == 0);
	n = queued(st, b, 16);
	CHECK_INT("queue: two summaries queued", n, 2);
	CHECK("queue: msg_id leads the body (the uplink takes it)",
	      n == 2 && strncmp(b[0], "{\"msg_id\":\"summary-2026-11-23\",", 31) == 0);
	CHECK("queue: the same msg_id both times", n == 2 && strncmp(b[0], b[1], 31) == 0);
	/* an output test (hazardctl test) is recorded for the day's summary */
	summary_self_check(&d, "valve", "", "output", S + 3 * H);
	out = summary_build(st, cfg, "2026-11-23", NULL, S + 2 * D, err, sizeof err);
	CHECK_DBL("self-check: output test counted",
		  num(cJSON_GetObjectItemCaseSensitive(out, "totals"), "output_self_tests"), 2);
	cJSON_Delete(out);
	out = NULL;
	CHECK_INT("self-check: no store error", (long long)d.cnt.store_errors, 0);
	CHECK("queue: bad date refused", daemon_summary(&d, "23/11/2026", true, NULL,
							err, sizeof err) < 0);

	/* the schedule: a new database starts from the current daily time */
	fake_wall = S + 2 * D + 12 * H;         /* 2026-11-25 12:00 local */
	summary_tick(&d);
	store_meta_get_int(st, "summary_last_day", &last);
	CHECK_INT("tick: new database marks 2026-11-24 done", last, S / D + 2);
	CHECK_INT("tick: nothing sent", queued(st, b, 16), 2);
	fake_wall = S + 2 * D + 18 * H;         /* 2026-11-25 18:00 */
	summary_tick(&d);
	n = queued(st, b, 16);
	CHECK_INT("tick: at 18:00 one more", n, 3);
	CHECK("tick: it is 2026-11-25's", n == 3 &&
	      strncmp(b[2], "{\"msg_id\":\"summary-2026-11-25\"", 30) == 0);
	summary_tick(&d);
	CHECK_INT("tick: once a day", queued(st, b, 16), 3);
	fake_wall = S + 5 * D + 19 * H;         /* down for three days */
	summary_tick(&d);
	n = queued(st, b, 16);
	CHECK_INT("tick: missed days caught up", n, 6);
	CHECK("tick: oldest missed first", n == 6 &&
	      strncmp(b[3], "{\"msg_id\":\"summary-2026-11-26\"", 30) == 0 &&
	      strncmp(b[5], "{\"msg_id\":\"summary-2026-11-28\"", 30) == 0);
	fake_wall = S + 4 * D;                  /* the clock went back */
	summary_tick(&d);
	CHECK_INT("tick: a clock going back sends nothing", queued(st, b, 16), 6);
	fake_wall = 1000;                       /* booted without the time */
	summary_tick(&d);
	CHECK_INT("tick: an unset clock sends nothing", queued(st, b, 16), 6);
	clock_use(NULL);
}

int main(void)
{
	struct config cfg;
	struct store *st;
	char path[128], err[512];

	snprintf(dir, sizeof dir, "/tmp/test_summary.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	log_init("test_summary", LOG_LVL_WARN);
	test_calendar();

	snprintf(path, sizeof path, "%s/s.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("store opens", st != NULL);
	if (st) {
		make_config(&cfg);
		craft(store_sqlite(st));
		test_rates(st, &cfg);
		test_queue(st, &cfg);
		test_kinds(&cfg);
		store_close(st);
	}
	unlink(path);
	snprintf(path, sizeof path, "%s/s.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/s.db-shm", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/s.db.hwm", dir);
	unlink(path);
	rmdir(dir);
	TEST_DONE();
}
