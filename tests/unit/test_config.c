/*
 * test_config.c: config_load against real files in a temporary directory.
 *
 * Test configs are written with single quotes for readability; write_cfg()
 * turns every ' into " (no test value needs an apostrophe).  Line numbers
 * in the expectations count the lines of those strings, so keep one JSON
 * line per C string line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

/* The daemon routes by daemon/conf/devindex.c; here a scan is enough to find
 * what the parser stored for a topic. */
static const struct device_cfg *find_by_topic(const struct config *cfg, const char *topic)
{
	int i;

	for (i = 0; i < cfg->n_devices; i++)
		if (strcmp(cfg->devices[i].topic, topic) == 0)
			return &cfg->devices[i];
	return NULL;
}

static char tmpdir[64];

static const char *write_cfg(const char *name, const char *text)
{
	static char path[256];
	FILE *f;
	const char *s;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	for (s = text; *s; s++)
		fputc(*s == '\'' ? '"' : *s, f);
	fclose(f);
	return path;
}

static int count_lines(const char *s)
{
	int n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The common head: lines 1-6.  Cases add lines from 7 on. */
#define G   "  'gateway': {'id': 'gw-1', 'district': 'licheng', 'grid': 'G-1'},\n"
#define S   "  'storage': {'path': '/tmp/hz.db'},\n"
#define L   "  'local': {'uri': 'tcp://127.0.0.1:1883'},\n"
#define U   "  'upstream': {'uris': ['ssl://district.example:8883']},\n"
#define SI  "  'sites': [{'id': 'rest-1', 'kind': 'restaurant'}],\n"
#define NODEV "  'devices': []\n}\n"
/* devices start at line 8 when a case uses "{\n" G S L U SI DEVS(...) */
#define DEVS(x) "  'devices': [\n" x "  ]\n}\n"
#define GAS1 "    {'id': 'gas-1', 'kind': 'gas_detector', 'site': 'rest-1', 'topic': 't/1'"

static void test_names(void)
{
	CHECK_STR("site kind name", site_kind_name[SITE_CHARGING_STATION], "charging_station");
	CHECK_STR("site kind other", site_kind_name[SITE_OTHER], "other");
	CHECK_STR("device kind name", device_kind_name[DEV_SMOKE_ALARM], "smoke_alarm");
	CHECK_STR("device kind charger", device_kind_name[DEV_EBIKE_CHARGER], "ebike_charger");
}

static void test_shipped(void)
{
	struct config cfg;
	char errs[4096];
	const char *path = "config/hazardd.json";
	char alt[512];
	const struct device_cfg *d;
	const struct site_cfg *s;
	int rc;

	/* tests run from the repo top; $TOP covers a run from elsewhere */
	if (access(path, R_OK) != 0 && getenv("TOP")) {
		snprintf(alt, sizeof alt, "%s/config/hazardd.json", getenv("TOP"));
		path = alt;
	}
	rc = config_load(path, &cfg, errs, sizeof errs);
	CHECK_INT("shipped config loads", rc, 0);
	CHECK_STR("shipped config: no errors", errs, "");
	CHECK_STR("shipped path", cfg.path, path);
	CHECK_STR("shipped gateway", cfg.gateway.id, "gw-lc-0001");
	CHECK_STR("shipped db", cfg.storage.path, "/var/lib/hazardd/hazardd.db");
	CHECK_STR("shipped socket", cfg.control.socket, "/run/hazardd/control.sock");
	CHECK_INT("shipped sites", cfg.n_sites, 3);
	CHECK_INT("shipped devices", cfg.n_devices, 4);
	d = config_find_device(&cfg, "bay4-plug");
	CHECK("shipped tasmota plug with its flood override and confirm_s",
	      d && d->flood.rate_per_s == 2 && d->flood.burst == 10 && d->confirm_s == 10);
	CHECK_INT("shipped uris", cfg.upstream.n_uris, 2);
	s = config_find_site(&cfg, "chg-004");
	CHECK("shipped charging station", s && s->kind == SITE_CHARGING_STATION);
	s = config_find_site(&cfg, "rent-017");
	CHECK("shipped site grid defaults to gateway's", s && strcmp(s->grid, "G-0593") == 0);
	d = config_find_device(&cfg, "kitchen-gas-1");
	CHECK("shipped gas detector", d && d->kind == DEV_GAS_DETECTOR);
	CHECK_DBL("shipped kitchen lel_low override", d ? d->rules.lel_low : -1, 20);
	CHECK_DBL("shipped kitchen lel_high from kind", d ? d->rules.lel_high : -1, 50);
	d = find_by_topic(&cfg, "hazard/chg-004/shed-charger-01");
	CHECK("shipped charger by topic", d && d->kind == DEV_EBIKE_CHARGER &&
	      strcmp(d->site, "chg-004") == 0);
	CHECK_DBL("shipped charger max_charge_h", d ? d->rules.max_charge_h : -1, 6);
	d = config_find_device(&cfg, "stair-smoke-3f");
	CHECK("shipped smoke alarm", d && d->kind == DEV_SMOKE_ALARM && d->heartbeat_s == 21600);
	config_free(&cfg);
}

static void test_defaults(void)
{
	static const char text[] =
		"{\n"
		"  'gateway': {'id': 'gw-1', 'district': 'licheng'},\n"
		"  'storage': {'path': '/tmp/hz.db'},\n"
		"  'local': {'uri': 'tcp://127.0.0.1:1883'},\n"
		"  'upstream': {'uris': ['ssl://district.example:8883']}\n"
		"}\n";
	/* the documented defaults, per kind, in rule_params order */
	static const struct { const char *name; size_t off; double want[DEV_KIND_COUNT]; } rd[] = {
		{ "lel_low", offsetof(struct rule_params, lel_low), { 25, 25, 25 } },
		{ "lel_high", offsetof(struct rule_params, lel_high), { 50, 50, 50 } },
		{ "co_low_ppm", offsetof(struct rule_params, co_low_ppm), { 50, 50, 50 } },
		{ "co_high_ppm", offsetof(struct rule_params, co_high_ppm), { 150, 150, 150 } },
		{ "hold_s", offsetof(struct rule_params, hold_s), { 5, 0, 5 } },
		{ "hysteresis_pct", offsetof(struct rule_params, hysteresis_pct), { 20, 20, 20 } },
		{ "battery_low_pct", offsetof(struct rule_params, battery_low_pct), { 20, 20, 20 } },
		{ "max_temp_c", offsetof(struct rule_params, max_temp_c), { 60, 60, 60 } },
		{ "max_current_a", offsetof(struct rule_params, max_current_a), { 5, 5, 5 } },
		{ "max_charge_h", offsetof(struct rule_params, max_charge_h), { 8, 8, 8 } },
		{ "charging_w", offsetof(struct rule_params, charging_w), { 5, 5, 5 } },
		{ "max_power_w", offsetof(struct rule_params, max_power_w), { 1000, 1000, 1000 } },
		{ "unreadable_n", offsetof(struct rule_params, unreadable_n), { 5, 5, 5 } },
	};
	struct config cfg;
	char errs[4096], name[96];
	const char *path = write_cfg("minimal.json", text);
	size_t i;
	int k, rc;

	rc = config_load(path, &cfg, errs, sizeof errs);
	CHECK_INT("minimal config loads", rc, 0);
	CHECK_STR("minimal: no errors", errs, "");
	CHECK_STR("default path filled", cfg.path, path);
	CHECK_STR("default grid empty", cfg.gateway.grid, "");
	CHECK_INT("default max_mb", cfg.storage.max_mb, 256);
	CHECK_INT("default max_readings", cfg.storage.max_readings, 1000000);
	CHECK_STR("default local client_id", cfg.local.client_id, "hazardd-gw-1");
	CHECK_STR("default local username", cfg.local.username, "");
	CHECK_STR("default local password_file", cfg.local.password_file, "");
	CHECK_INT("default max_payload", cfg.local.max_payload, 4096);
	CHECK_INT("default queue_len", cfg.local.queue_len, 8192);
	CHECK_INT("n_uris", cfg.upstream.n_uris, 1);
	CHECK_STR("uri 0", cfg.upstream.uris[0], "ssl://district.example:8883");
	CHECK_STR("default upstream client_id", cfg.upstream.client_id, "hazardd-gw-1");
	CHECK_STR("default ca_file", cfg.upstream.ca_file, "");
	CHECK_INT("default inflight", cfg.upstream.inflight, 64);
	CHECK_INT("default telemetry_batch", cfg.upstream.telemetry_batch, 100);
	CHECK_INT("default telemetry_interval_s", cfg.upstream.telemetry_interval_s, 10);
	CHECK_INT("default status_interval_s", cfg.upstream.status_interval_s, 300);
	CHECK_STR("default control socket", cfg.control.socket, "/run/hazardd/control.sock");
	CHECK_STR("default log level", cfg.log.level, "info");
	CHECK_DBL("default major_h", cfg.deadlines.major_h, 24);
	CHECK_DBL("default general_h", cfg.deadlines.general_h, 168);
	CHECK_INT("no sites", cfg.n_sites, 0);
	CHECK_INT("no devices", cfg.n_devices, 0);
	CHECK("sites NULL", cfg.sites == NULL);
	CHECK("devices NULL", cfg.devices == NULL);
	CHECK("no device for a topic", find_by_topic(&cfg, "t/1") == NULL);
	for (k = 0; k < DEV_KIND_COUNT; k++) {
		for (i = 0; i < sizeof rd / sizeof rd[0]; i++) {
			snprintf(name, sizeof name, "default %s.%s", device_kind_name[k], rd[i].name);
			CHECK_DBL(name, *(const double *)((const char *)&cfg.kind_rules[k] + rd[i].off),
				  rd[i].want[k]);
		}
	}
	config_free(&cfg);
	CHECK("config_free zeroes", cfg.path[0] == '\0' && cfg.n_devices == 0 &&
	      cfg.storage.max_mb == 0);
}

static void test_merge(void)
{
	static const char text[] =
		"{\n"
		"  '_comment': 'annotations are allowed anywhere',\n"
		"  'gateway': {'id': 'gw-1', 'district': 'licheng', 'grid': 'G-7', '_comment_2': 1},\n"
		"  'storage': {'path': '/tmp/hz.db', 'max_mb': 64},\n"
		"  'local': {'uri': 'mqtt://localhost', 'client_id': 'my-intake'},\n"
		"  'upstream': {'uris': ['ssl://a:8883', 'wss://b/mqtt'], 'inflight': 10},\n"
		"  'log': {'level': 'debug'},\n"
		"  'deadlines': {'major_h': 0.5, 'general_h': 8760},\n"
		"  'rules': {\n"
		"    'gas_detector': {'lel_low': 20, 'hold_s': 10, '_comment': 'x'},\n"
		"    'ebike_charger': {'max_temp_c': 55}\n"
		"  },\n"
		"  'sites': [\n"
		"    {'id': 'rest-1', 'kind': 'restaurant', 'name': 'Noodles', 'grid': 'G-9'},\n"
		"    {'id': 'shed', 'kind': 'charging_station'}\n"
		"  ],\n"
		"  'devices': [\n"
		"    {'id': 'gas-1', 'kind': 'gas_detector', 'site': 'rest-1', 'topic': 't/gas-1',\n"
		"     'rules': {'lel_high': 40, 'co_high_ppm': 120}},\n"
		"    {'id': 'gas-2', 'kind': 'gas_detector', 'site': 'rest-1', 'topic': 't/gas-2',\n"
		"     'format': 'zigbee2mqtt', 'heartbeat_s': 0},\n"
		"    {'id': 'smoke-1', 'kind': 'smoke_alarm', 'site': 'rest-1', 'topic': 't/smoke-1',\n"
		"     'rules': {'battery_low_pct': 15}},\n"
		"    {'id': 'chg-1', 'kind': 'ebike_charger', 'site': 'shed', 'topic': 't/chg-1',\n"
		"     'rules': {'max_charge_h': 0.01, 'hold_s': 0}}\n"
		"  ]\n"
		"}\n";
	struct config cfg;
	char errs[4096];
	const struct device_cfg *d;
	int rc;

	rc = config_load(write_cfg("merge.json", text), &cfg, errs, sizeof errs);
	CHECK_INT("merge config loads", rc, 0);
	CHECK_STR("merge: no errors", errs, "");
	if (rc != 0)
		return;         /* nothing below exists to check */
	CHECK_STR("explicit client_id kept", cfg.local.client_id, "my-intake");
	CHECK_STR("upstream client_id still defaults", cfg.upstream.client_id, "hazardd-gw-1");
	CHECK_INT("two uris", cfg.upstream.n_uris, 2);
	CHECK_STR("second uri", cfg.upstream.uris[1], "wss://b/mqtt");
	CHECK_INT("inflight set", cfg.upstream.inflight, 10);
	CHECK_INT("max_mb set", cfg.storage.max_mb, 64);
	CHECK_STR("log level set", cfg.log.level, "debug");
	CHECK_DBL("fractional major_h", cfg.deadlines.major_h, 0.5);
	CHECK_DBL("general_h at max", cfg.deadlines.general_h, 8760);
	CHECK_DBL("kind rule set", cfg.kind_rules[DEV_GAS_DETECTOR].lel_low, 20);
	CHECK_DBL("kind rule default kept", cfg.kind_rules[DEV_GAS_DETECTOR].lel_high, 50);
	CHECK_DBL("charger kind rule", cfg.kind_rules[DEV_EBIKE_CHARGER].max_temp_c, 55);
	CHECK_STR("site grid explicit", cfg.sites[0].grid, "G-9");
	CHECK_STR("site grid from gateway", cfg.sites[1].grid, "G-7");
	CHECK_STR("site name", cfg.sites[0].name, "Noodles");

	d = config_find_device(&cfg, "gas-1");
	CHECK("gas-1 found", d != NULL);
	if (d) {
		CHECK_DBL("gas-1 lel_low from kind", d->rules.lel_low, 20);
		CHECK_DBL("gas-1 lel_high from device", d->rules.lel_high, 40);
		CHECK_DBL("gas-1 hold_s from kind", d->rules.hold_s, 10);
		CHECK_DBL("gas-1 co_low default", d->rules.co_low_ppm, 50);
		CHECK_DBL("gas-1 co_high from device", d->rules.co_high_ppm, 120);
		CHECK_STR("gas-1 format default", d->format, "native");
		CHECK_INT("gas-1 heartbeat default", d->heartbeat_s, 3600);
	}
	d = find_by_topic(&cfg, "t/gas-2");
	CHECK("gas-2 by topic", d && strcmp(d->id, "gas-2") == 0);
	if (d) {
		CHECK_DBL("gas-2 has kind rules", d->rules.lel_low, 20);
		CHECK_DBL("gas-2 not gas-1's override", d->rules.lel_high, 50);
		CHECK_STR("gas-2 format", d->format, "zigbee2mqtt");
		CHECK_INT("gas-2 heartbeat 0", d->heartbeat_s, 0);
	}
	d = config_find_device(&cfg, "smoke-1");
	CHECK("smoke-1 found", d && d->kind == DEV_SMOKE_ALARM);
	if (d) {
		CHECK_DBL("smoke hold_s default 0", d->rules.hold_s, 0);
		CHECK_DBL("smoke battery override", d->rules.battery_low_pct, 15);
		CHECK_DBL("smoke unaffected by gas kind rules", d->rules.lel_low, 25);
	}
	d = config_find_device(&cfg, "chg-1");
	CHECK("chg-1 found", d && d->kind == DEV_EBIKE_CHARGER);
	if (d) {
		CHECK_DBL("charger temp from kind", d->rules.max_temp_c, 55);
		CHECK_DBL("charger max_charge_h at min", d->rules.max_charge_h, 0.01);
		CHECK_DBL("charger hold_s 0", d->rules.hold_s, 0);
		CHECK_DBL("charger current default", d->rules.max_current_a, 5);
	}
	CHECK("find unknown device", config_find_device(&cfg, "nope") == NULL);
	CHECK("find unknown site", config_find_site(&cfg, "nope") == NULL);
	CHECK("topic match is exact", find_by_topic(&cfg, "t/gas") == NULL);
	config_free(&cfg);
}

/* Windows editors: BOM and CRLF must not shift line numbers. */
static void test_bom_crlf(void)
{
	static const char text[] =
		"\xEF\xBB\xBF{\r\n"
		"  'gateway': {'id': 'gw-1', 'district': 'licheng'},\r\n"
		"  'storage': {'path': '/tmp/hz.db',\r\n"
		"              'max_mb': -1},\r\n"
		"  'local': {'uri': 'tcp://127.0.0.1:1883'},\r\n"
		"  'upstream': {'uris': ['ssl://district.example:8883']}\r\n"
		"}\r\n";
	struct config cfg;
	char errs[4096];

	CHECK_INT("bom/crlf: error found", config_load(write_cfg("crlf.json", text), &cfg,
						       errs, sizeof errs), -1);
	CHECK_CONTAINS("bom/crlf: line 4", errs, ":4: $.storage.max_mb: -1 is out of range");
}

struct bad_case {
	const char *name;
	const char *json;
	int n_errors;                   /* lines expected in errs */
	const char *want[3];            /* each follows the file name */
};

static const struct bad_case bad[] = {
	{ "malformed JSON: missing comma",
	  "{\n"
	  "  'gateway': {'id': 'gw-1', 'district': 'licheng'}\n"
	  "  'storage': {'path': '/tmp/hz.db'}\n"
	  "}\n",
	  1, { ":3: malformed JSON at column 3, near \"\\\"storage\\\": {" } },
	{ "malformed JSON: trailing comma",
	  "{\n" G S L U SI
	  "  'devices': [],\n"
	  "}\n",
	  1, { ":8: malformed JSON at column 2, near \"}\"" } },
	{ "malformed JSON: cut short",
	  "{\n" G S
	  "  'local': {'uri': 'tcp:",
	  1, { ":4: malformed JSON" } },
	{ "empty file", "\n\n", 1, { ":1: empty file" } },
	{ "root is an array", "[\n]\n", 1, { ":1: $: expected object, got array" } },
	{ "unknown top-level key",
	  "{\n" G S L U SI
	  "  'storge': {},\n"
	  NODEV,
	  1, { ":7: $.storge: unknown key \"storge\" (expected one of: gateway, storage, local," } },
	{ "unknown key that is not an identifier",
	  "{\n" G S L U SI
	  "  'my key': 1,\n"
	  NODEV,
	  1, { ":7: $[\"my key\"]: unknown key \"my key\"" } },
	{ "unknown nested key",
	  "{\n" G
	  "  'storage': {'path': '/tmp/hz.db', 'maxmb': 5},\n"
	  L U SI NODEV,
	  1, { ":3: $.storage.maxmb: unknown key \"maxmb\" (expected one of: path, max_mb, "
	       "max_readings)" } },
	{ "unknown key in a site",
	  "{\n" G S L U
	  "  'sites': [{'id': 'rest-1', 'kind': 'restaurant', 'phone': '123'}],\n"
	  NODEV,
	  1, { ":6: $.sites[0].phone: unknown key \"phone\"" } },
	{ "duplicate key",
	  "{\n" G
	  "  'storage': {'path': '/tmp/a.db',\n"
	  "              'path': '/tmp/b.db'},\n"
	  L U SI NODEV,
	  1, { ":4: $.storage.path: duplicate key (first at line 3)" } },
	{ "wrong type: string for max_mb",
	  "{\n" G
	  "  'storage': {'path': '/tmp/hz.db', 'max_mb': '256'},\n"
	  L U SI NODEV,
	  1, { ":3: $.storage.max_mb: expected integer, got string" } },
	{ "wrong type: section is an array",
	  "{\n" G S L U SI
	  "  'control': ['/run/x.sock'],\n"
	  NODEV,
	  1, { ":7: $.control: expected object, got array" } },
	{ "out of range: max_mb 0",
	  "{\n" G
	  "  'storage': {'path': '/tmp/hz.db', 'max_mb': 0},\n"
	  L U SI NODEV,
	  1, { ":3: $.storage.max_mb: 0 is out of range (1..1048576)" } },
	{ "out of range: huge number",
	  "{\n" G
	  "  'storage': {'path': '/tmp/hz.db', 'max_readings': 1e400},\n"
	  L U SI NODEV,
	  1, { ":3: $.storage.max_readings: number out of range" } },
	{ "out of range: deadline 0 (exclusive minimum)",
	  "{\n" G S L U SI
	  "  'deadlines': {'major_h': 0},\n"
	  NODEV,
	  1, { ":7: $.deadlines.major_h: 0 is out of range (0 < x <= 8760)" } },
	{ "out of range: status interval",
	  "{\n" G S L
	  "  'upstream': {'uris': ['ssl://d:8883'], 'status_interval_s': 5},\n"
	  SI NODEV,
	  1, { ":5: $.upstream.status_interval_s: 5 is out of range (10..86400)" } },
	{ "non-integer int: heartbeat_s 3.5",
	  "{\n" G S L U SI
	  DEVS(GAS1 ", 'heartbeat_s': 3.5}\n"),
	  1, { ":8: $.devices[0].heartbeat_s: expected integer, got 3.5" } },
	{ "unknown device kind",
	  "{\n" G S L U SI
	  DEVS("    {'id': 'gas-1', 'kind': 'gaz', 'site': 'rest-1', 'topic': 't/1',\n"
	       "     'rules': {'max_temp_c': 50}}\n"),
	  1, { ":8: $.devices[0].kind: unknown device kind \"gaz\" (expected gas_detector, "
	       "smoke_alarm, ebike_charger)" } },
	{ "unknown site kind",
	  "{\n" G S L U
	  "  'sites': [{'id': 'rest-1', 'kind': 'shop'}],\n"
	  NODEV,
	  1, { ":6: $.sites[0].kind: unknown site kind \"shop\" (expected restaurant, "
	       "rental_housing, charging_station, community, other)" } },
	{ "device naming an unknown site",
	  "{\n" G S L U SI
	  DEVS("    {'id': 'gas-1', 'kind': 'gas_detector', 'site': 'rest-9', 'topic': 't/1'}\n"),
	  1, { ":8: $.devices[0].site: unknown site \"rest-9\" (not in $.sites)" } },
	{ "duplicate device id",
	  "{\n" G S L U SI
	  DEVS(GAS1 "},\n"
	       "    {'id': 'gas-1', 'kind': 'gas_detector', 'site': 'rest-1', 'topic': 't/2'}\n"),
	  1, { ":9: $.devices[1].id: duplicate device id \"gas-1\" (first at $.devices[0])" } },
	{ "duplicate site id",
	  "{\n" G S L U
	  "  'sites': [{'id': 'rest-1', 'kind': 'restaurant'},\n"
	  "            {'id': 'rest-1', 'kind': 'other'}],\n"
	  NODEV,
	  1, { ":7: $.sites[1].id: duplicate site id \"rest-1\" (first at $.sites[0])" } },
	{ "duplicate topic",
	  "{\n" G S L U SI
	  DEVS(GAS1 "},\n"
	       "    {'id': 'gas-2', 'kind': 'gas_detector', 'site': 'rest-1',\n"
	       "     'topic': 't/1'}\n"),
	  1, { ":10: $.devices[1].topic: topic \"t/1\" is already used by $.devices[0]" } },
	{ "wildcard topic +",
	  "{\n" G S L U SI
	  DEVS("    {'id': 'gas-1', 'kind': 'gas_detector', 'site': 'rest-1', 'topic': 't/+/g'}\n"),
	  1, { ":8: $.devices[0].topic: topic \"t/+/g\" must not contain MQTT wildcards" } },
	{ "wildcard topic #",
	  "{\n" G S L U SI
	  DEVS("    {'id': 'gas-1', 'kind': 'gas_detector', 'site': 'rest-1', 'topic': 't/#'}\n"),
	  1, { ":8: $.devices[0].topic: topic \"t/#\" must not contain MQTT wildcards" } },
	{ "rule key not valid for the device's kind",
	  "{\n" G S L U SI
	  DEVS("    {'id': 'c-1', 'kind': 'ebike_charger', 'site': 'rest-1', 'topic': 't/1',\n"
	       "     'rules': {'lel_low': 20}}\n"),
	  1, { ":9: $.devices[0].rules.lel_low: key lel_low does not apply to ebike_charger "
	       "(valid: hold_s, hysteresis_pct, max_temp_c, max_current_a, max_charge_h, "
	       "charging_w, max_power_w, unreadable_n, flap_window_s, flap_count, "
	       "settle_s)" } },
	{ "rule key not valid for the kind section",
	  "{\n" G S L U SI
	  "  'rules': {'smoke_alarm': {'max_temp_c': 50}},\n"
	  NODEV,
	  1, { ":7: $.rules.smoke_alarm.max_temp_c: key max_temp_c does not apply to "
	       "smoke_alarm" } },
	{ "unknown rule key",
	  "{\n" G S L U SI
	  "  'rules': {'gas_detector': {'lel_lo': 20}},\n"
	  NODEV,
	  1, { ":7: $.rules.gas_detector.lel_lo: unknown rule key \"lel_lo\" (valid for "
	       "gas_detector: lel_low, lel_high," } },
	{ "unknown kind in rules",
	  "{\n" G S L U SI
	  "  'rules': {'gas': {}},\n"
	  NODEV,
	  1, { ":7: $.rules.gas: unknown device kind \"gas\"" } },
	{ "rule out of range",
	  "{\n" G S L U SI
	  DEVS(GAS1 ", 'rules': {'hold_s': 4000}}\n"),
	  1, { ":8: $.devices[0].rules.hold_s: 4000 is out of range (0..300)" } },
	{ "lel_high <= lel_low after a device override",
	  "{\n" G S L U SI
	  "  'rules': {'gas_detector': {'lel_low': 20}},\n"
	  DEVS(GAS1 ",\n"
	       "     'rules': {'lel_high': 20}}\n"),
	  1, { ":10: $.devices[0].rules.lel_high: lel_high (20) must be greater than "
	       "lel_low (20)" } },
	{ "device lel_low above the kind's lel_high",
	  "{\n" G S L U SI
	  "  'rules': {'gas_detector': {'lel_low': 10, 'lel_high': 20}},\n"
	  DEVS(GAS1 ", 'rules': {'lel_low': 22}}\n"),
	  1, { ":9: $.devices[0].rules.lel_low: lel_high (20) must be greater than "
	       "lel_low (22)" } },
	/* safe ranges (config.c rule_defs): no value that turns an alarm off
	 * by accident */
	{ "lel_low above GB 15322's 25 %LEL low alarm",
	  "{\n" G S L U SI
	  "  'rules': {'gas_detector': {'lel_low': 99.99, 'lel_high': 100}},\n"
	  NODEV,
	  2, { ":7: $.rules.gas_detector.lel_low: 99.99 is out of range (1..25)",
	       ":7: $.rules.gas_detector.lel_high: 100 is out of range (1..50)" } },
	{ "lel_low that alarms on noise",
	  "{\n" G S L U SI
	  "  'rules': {'gas_detector': {'lel_low': 1e-300}},\n"
	  NODEV,
	  1, { ":7: $.rules.gas_detector.lel_low: 1e-300 is out of range (1..25)" } },
	{ "lel_low 0 is not an off switch",
	  "{\n" G S L U SI
	  "  'rules': {'gas_detector': {'lel_low': 0}},\n"
	  NODEV,
	  1, { ":7: $.rules.gas_detector.lel_low: 0 is out of range (1..25)" } },
	{ "CO above EN 50291's alarm points",
	  "{\n" G S L U SI
	  "  'rules': {'gas_detector': {'co_low_ppm': 150, 'co_high_ppm': 400}},\n"
	  NODEV,
	  2, { ":7: $.rules.gas_detector.co_low_ppm: 150 is out of range (10..100)",
	       ":7: $.rules.gas_detector.co_high_ppm: 400 is out of range (10..300)" } },
	{ "charger limits below ambient or tiny",
	  "{\n" G S L U SI
	  "  'rules': {'ebike_charger': {'max_temp_c': 30, 'max_current_a': 0.1,\n"
	  "                              'max_power_w': 10}},\n"
	  NODEV,
	  3, { ":7: $.rules.ebike_charger.max_temp_c: 30 is out of range (40..100)",
	       ":7: $.rules.ebike_charger.max_current_a: 0.1 is out of range (0.5..16)",
	       ":8: $.rules.ebike_charger.max_power_w: 10 is out of range (50..3680)" } },
	{ "rule_overrides: unknown key",
	  "{\n" G S L U SI
	  "  'rule_overrides': {'allow_narrow': true},\n"
	  NODEV,
	  1, { ":7: $.rule_overrides.allow_narrow: unknown key" } },
	{ "co_high <= co_low in the kind rules",
	  "{\n" G S L U SI
	  "  'rules': {'gas_detector': {'co_low_ppm': 100,\n"
	  "                             'co_high_ppm': 80}},\n"
	  NODEV,
	  1, { ":8: $.rules.gas_detector.co_high_ppm: co_high_ppm (80) must be greater than "
	       "co_low_ppm (100)" } },
	{ "missing required key: line of the enclosing object",
	  "{\n"
	  "  'gateway': {'id': 'gw-1'},\n"
	  S L U SI NODEV,
	  1, { ":2: $.gateway.district: missing required key \"district\"" } },
	{ "value on the line after its key: the key's line",
	  "{\n" G
	  "  'storage': {'path': '/tmp/hz.db', 'max_mb':\n"
	  "                                    0},\n"
	  L U SI NODEV,
	  1, { ":3: $.storage.max_mb: 0 is out of range" } },
	{ "object on the line after its key: missing key at the object's line",
	  "{\n"
	  "  'gateway':\n"
	  "    {'id': 'gw-1'},\n"
	  S L U SI NODEV,
	  1, { ":3: $.gateway.district: missing required key" } },
	{ "missing required device key",
	  "{\n" G S L U SI
	  DEVS("    {'id': 'gas-1', 'kind': 'gas_detector',\n"
	       "     'site': 'rest-1'}\n"),
	  1, { ":8: $.devices[0].topic: missing required key \"topic\"" } },
	{ "missing required section",
	  "{\n" G S U SI NODEV,
	  1, { ":1: $.local: missing required key \"local\"" } },
	{ "empty required string",
	  "{\n" G
	  "  'storage': {'path': ''},\n"
	  L U SI NODEV,
	  1, { ":3: $.storage.path: must not be empty" } },
	{ "empty client_id",
	  "{\n" G S
	  "  'local': {'uri': 'tcp://127.0.0.1:1883', 'client_id': ''},\n"
	  U SI NODEV,
	  1, { ":4: $.local.client_id: must not be empty" } },
	{ "bad uri scheme",
	  "{\n" G S
	  "  'local': {'uri': 'http://127.0.0.1:1883'},\n"
	  U SI NODEV,
	  1, { ":4: $.local.uri: bad URI \"http://127.0.0.1:1883\" (scheme must be one of "
	       "tcp://, ssl://, mqtt://, mqtts://, ws://, wss://)" } },
	{ "bad uri in the upstream list",
	  "{\n" G S L
	  "  'upstream': {'uris': ['ssl://a:8883',\n"
	  "                        'mqtt:/b']},\n"
	  SI NODEV,
	  1, { ":6: $.upstream.uris[1]: bad URI \"mqtt:/b\"" } },
	{ "uri without host",
	  "{\n" G S
	  "  'local': {'uri': 'tcp://'},\n"
	  U SI NODEV,
	  1, { ":4: $.local.uri: URI \"tcp://\" has no host" } },
	{ "empty upstream uris",
	  "{\n" G S L
	  "  'upstream': {'uris': []},\n"
	  SI NODEV,
	  1, { ":5: $.upstream.uris: must list at least one URI" } },
	{ "too many upstream uris",
	  "{\n" G S L
	  "  'upstream': {'uris': ['ssl://1', 'ssl://2', 'ssl://3', 'ssl://4', 'ssl://5',\n"
	  "                        'ssl://6', 'ssl://7', 'ssl://8', 'ssl://9']},\n"
	  SI NODEV,
	  1, { ":5: $.upstream.uris: too many URIs (9), max 8" } },
	{ "plaintext upstream to a remote host",
	  "{\n" G S L
	  "  'upstream': {'uris': ['ssl://a:8883', 'tcp://district.example:1883']},\n"
	  SI NODEV,
	  1, { ":5: $.upstream.uris[1]: plaintext URI \"tcp://district.example:1883\" to a "
	       "host that is not local: use ssl:// (or set \"allow_insecure\": true)" } },
	{ "allow_insecure must be a boolean",
	  "{\n" G S L
	  "  'upstream': {'uris': ['ssl://a:8883'], 'allow_insecure': 'yes'},\n"
	  SI NODEV,
	  1, { ":5: $.upstream.allow_insecure:" } },
	{ "uri not a string",
	  "{\n" G S L
	  "  'upstream': {'uris': [8883]},\n"
	  SI NODEV,
	  1, { ":5: $.upstream.uris[0]: expected string, got number" } },
	{ "string too long",
	  "{\n"
	  "  'gateway': {'id': 'gw-1', 'district': 'licheng',\n"
	  "              'grid': 'G-0123456789012345678901234567890123456789'},\n"
	  S L U SI NODEV,
	  1, { ":3: $.gateway.grid: too long (42 bytes), max 31" } },
	{ "id with a bad character",
	  "{\n"
	  "  'gateway': {'id': 'gw/1', 'district': 'licheng'},\n"
	  S L U SI NODEV,
	  1, { ":2: $.gateway.id: invalid character in \"gw/1\" (allowed: A-Z a-z 0-9 . _ -)" } },
	{ "gateway id too long for the default client ids",
	  "{\n"
	  "  'gateway': {'id': 'gw-0123456789012345678901234567890123456789012345678901234',\n"
	  "              'district': 'licheng'},\n"
	  S L U SI NODEV,
	  2, { ":5: $.local.client_id: default \"hazardd-<gateway.id>\" is longer than 63 bytes",
	       ":6: $.upstream.client_id: default" } },
	{ "control socket path too long for sun_path",
	  "{\n" G S L U SI
	  "  'control': {'socket': '/run/hazardd/0123456789012345678901234567890123456789"
	  "01234567890123456789012345678901234567890123456789.sock'},\n"
	  NODEV,
	  1, { ":7: $.control.socket: too long for a Unix socket (108 bytes, max 107)" } },
	{ "unknown log level",
	  "{\n" G S L U SI
	  "  'log': {'level': 'verbose'},\n"
	  NODEV,
	  1, { ":7: $.log.level: unknown log level \"verbose\" (expected error, warn, info, "
	       "debug)" } },
	{ "unknown format",
	  "{\n" G S L U SI
	  DEVS(GAS1 ", 'format': 'homie'}\n"),
	  1, { ":8: $.devices[0].format: unknown format \"homie\" (expected native, "
	       "zigbee2mqtt, tasmota, shelly)" } },
	{ "device entry is not an object",
	  "{\n" G S L U SI
	  DEVS("    'gas-1'\n"),
	  1, { ":8: $.devices[0]: expected object, got string" } },
	{ "control chars in a value stay on one line",
	  "{\n" G S L U SI
	  DEVS("    {'id': 'gas\\n1', 'kind': 'gas_detector', 'site': 'rest-1', 'topic': 't/1'}\n"),
	  1, { ":8: $.devices[0].id: invalid character in \"gas\\u000a1\"" } },
	/* found in another order (sections, then rules, sites, devices) */
	{ "three different errors, all reported, in file order",
	  "{\n"
	  "  'devices': [{'id': 'gas-1', 'kind': 'gaz', 'site': 'rest-1', 'topic': 't/1'}],\n"
	  G
	  "  'storage': {'path': '/tmp/hz.db', 'max_mb': 'big'},\n"
	  L U SI
	  "  'colour': 'blue'\n"
	  "}\n",
	  3, { ":2: $.devices[0].kind: unknown device kind \"gaz\"",
	       ":4: $.storage.max_mb: expected integer, got string",
	       ":8: $.colour: unknown key \"colour\"" } },
	{ "records: a fault type cannot be a hazard at once",
	  "{\n" G S L U SI
	  "  'records': {'hazard_at_once': [{'type': 'low_battery'}]}\n"
	  "}\n",
	  1, { ":7: $.records.hazard_at_once[0]: low_battery is not an alarm type" } },
	{ "records: grading needs a severity and known names",
	  "{\n" G S L U SI
	  "  'records': {'grading': [{'type': 'smoke_alarm', 'site_kind': 'cafe',\n"
	  "                           'level': 'medium'}]}\n"
	  "}\n",
	  3, { ":7: $.records.grading[0].site_kind: unknown site kind \"cafe\"",
	       ":7: $.records.grading[0].severity: missing required key \"severity\"",
	       ":8: $.records.grading[0].level: unknown level \"medium\"" } },
	{ "records: fault limits only for fault types, within range",
	  "{\n" G S L U SI
	  "  'records': {'fault_limit_h': {'gas_leak': 2, 'tamper': -1},\n"
	  "              'recurrence': {'count': 3, 'window': 4}}\n"
	  "}\n",
	  3, { ":7: $.records.fault_limit_h.gas_leak: gas_leak is not a fault type",
	       ":7: $.records.fault_limit_h.tamper: -1 is out of range",
	       ":8: $.records.recurrence.window: unknown key \"window\"" } },
	{ "records: evidence files' limits within range",
	  "{\n" G S L U SI
	  "  'records': {'evidence_max_bytes': 9000000, 'evidence_quota_pct': 60}\n"
	  "}\n",
	  2, { ":7: $.records.evidence_max_bytes: 9000000 is out of range",
	       ":7: $.records.evidence_quota_pct: 60 is out of range" } },
};

/* 0 turns a rule off only where the file may (battery, charger limits);
 * rule_overrides.allow_widen is false unless set; the widening test */
static void test_rule_floors(void)
{
	const char *text =
		"{\n" G S L U SI
		"  'rules': {'ebike_charger': {'max_temp_c': 0, 'max_power_w': 0},\n"
		"            'smoke_alarm': {'battery_low_pct': 0}},\n"
		"  'rule_overrides': {'allow_widen': true}\n"
		"}\n";
	struct config cfg;
	struct rule_params f, now;
	char errs[4096] = "", why[160];
	int rc = config_load(write_cfg("floors.json", text), &cfg, errs, sizeof errs);

	CHECK_INT("floors: 0 turns a rule off in the file", rc, 0);
	if (rc != 0) {
		printf("%s", errs);
		return;
	}
	CHECK_DBL("floors: max_temp_c off", cfg.kind_rules[DEV_EBIKE_CHARGER].max_temp_c, 0);
	CHECK_DBL("floors: battery_low_pct off", cfg.kind_rules[DEV_SMOKE_ALARM].battery_low_pct, 0);
	CHECK("floors: allow_widen read", cfg.overrides_allow_widen);
	CHECK("floors: the file set max_temp_c",
	      config_rule_from_file(&cfg.kind_rules[DEV_EBIKE_CHARGER], "max_temp_c"));
	CHECK("floors: max_current_a is a default",
	      !config_rule_from_file(&cfg.kind_rules[DEV_EBIKE_CHARGER], "max_current_a"));
	/* from outside the file: the safe range only, never 0 */
	now = cfg.kind_rules[DEV_EBIKE_CHARGER];
	CHECK_INT("floors: set-rules max_temp_c 0 refused",
		  config_rule_set(&now, DEV_EBIKE_CHARGER, "max_temp_c", 0, why, sizeof why), -1);
	CHECK_CONTAINS("floors: refusal names the safe range", why, "safe range 40..100");
	CHECK_INT("floors: set-rules max_current_a 0 refused",
		  config_rule_set(&now, DEV_EBIKE_CHARGER, "max_current_a", 0, why, sizeof why), -1);
	CHECK_INT("floors: set-rules max_temp_c 45 taken",
		  config_rule_set(&now, DEV_EBIKE_CHARGER, "max_temp_c", 45, why, sizeof why), 0);
	/* widening: up keys up, down keys down; an off rule turned on is not */
	f = cfg.kind_rules[DEV_EBIKE_CHARGER];
	CHECK_INT("floors: an off rule turned on narrows",
		  config_rule_widens(&f, &now, DEV_EBIKE_CHARGER, why, sizeof why), 0);
	now = f;
	now.max_current_a = 6;
	CHECK_INT("floors: a higher current limit widens",
		  config_rule_widens(&f, &now, DEV_EBIKE_CHARGER, why, sizeof why), 1);
	CHECK_CONTAINS("floors: widening names the key", why, "max_current_a 6");
	now = cfg.kind_rules[DEV_GAS_DETECTOR];
	f = now;
	now.battery_low_pct = 10;
	CHECK_INT("floors: a lower battery level widens",
		  config_rule_widens(&f, &now, DEV_GAS_DETECTOR, why, sizeof why), 1);
	now.battery_low_pct = 30;
	now.lel_low = 10;
	CHECK_INT("floors: lower thresholds, a higher battery level narrow",
		  config_rule_widens(&f, &now, DEV_GAS_DETECTOR, why, sizeof why), 0);
	config_free(&cfg);
}

/* $.records: the origins of hazards and their grading, as parsed */
static void test_records(void)
{
	const char *text =
		"{\n" G S L U SI
		"  'records': {\n"
		"    'hazard_at_once': [{'type': 'gas_leak'}, {'type': 'co_alarm', 'site_kind': 'rental_housing'}],\n"
		"    'grading': [{'type': 'smoke_alarm', 'site_kind': 'rental_housing', 'severity': 'major'},\n"
		"                {'recurrence': true, 'level': 'high', 'severity': 'major'}],\n"
		"    'recurrence': {'count': 5, 'window_h': 72},\n"
		"    'fault_limit_h': {'device_offline': 6, 'low_battery': 0}\n"
		"  }\n"
		"}\n";
	struct config cfg;
	char errs[4096] = "";
	int rc = config_load(write_cfg("records.json", text), &cfg, errs, sizeof errs);

	CHECK_INT("records: loads", rc, 0);
	if (rc != 0) {
		printf("%s", errs);
		return;
	}
	CHECK("records: hazard_at_once set", cfg.records.raise_set && cfg.records.n_raise == 2);
	CHECK_INT("records: first rule any site kind", cfg.records.raise[0].site_kind, -1);
	CHECK_INT("records: second rule's type", cfg.records.raise[1].type, HZ_CO_ALARM);
	CHECK_INT("records: second rule's site kind", cfg.records.raise[1].site_kind,
		  SITE_RENTAL_HOUSING);
	CHECK_INT("records: two grading rules", cfg.records.n_grading, 2);
	CHECK_INT("records: grading rule fields", cfg.records.grading[0].type == HZ_SMOKE_ALARM &&
		  cfg.records.grading[0].level == -1 && cfg.records.grading[0].recurrence == -1 &&
		  cfg.records.grading[0].severity == SEV_MAJOR, 1);
	CHECK_INT("records: recurrence and level match", cfg.records.grading[1].type == -1 &&
		  cfg.records.grading[1].recurrence == 1 && cfg.records.grading[1].level == 1, 1);
	CHECK_INT("records: recurrence count", records_recurrence_count(&cfg), 5);
	CHECK_DBL("records: recurrence window", records_recurrence_window_h(&cfg), 72);
	CHECK_DBL("records: offline limit", records_fault_limit_h(&cfg, HZ_DEVICE_OFFLINE), 6);
	CHECK_DBL("records: low battery limit off", records_fault_limit_h(&cfg, HZ_LOW_BATTERY), 0);
	CHECK_DBL("records: tamper keeps the default",
		  records_fault_limit_h(&cfg, HZ_TAMPER), record_fault_limit_default_h(HZ_TAMPER));
	CHECK_INT("records: the housing rule leaves a restaurant's smoke general",
		  records_grade(&cfg, HZ_SMOKE_ALARM, "rest-1", true, false), SEV_GENERAL);
	CHECK_INT("records: a high recurrence is major by the second rule",
		  records_grade(&cfg, HZ_LOW_BATTERY, "rest-1", true, true), SEV_MAJOR);
	config_free(&cfg);

	/* absent: the built-in policy */
	text = "{\n" G S L U SI "  'devices': []\n}\n";
	rc = config_load(write_cfg("records0.json", text), &cfg, errs, sizeof errs);
	CHECK_INT("records: absent loads", rc, 0);
	if (rc != 0)
		return;
	CHECK("records: absent is not set", !cfg.records.raise_set && !cfg.records.recurrence_set);
	CHECK_INT("records: default recurrence count", records_recurrence_count(&cfg), 3);
	CHECK_DBL("records: default offline limit", records_fault_limit_h(&cfg, HZ_DEVICE_OFFLINE), 24);
	CHECK_INT("records: default grading, gas high is major",
		  records_grade(&cfg, HZ_GAS_LEAK, "rest-1", true, false), SEV_MAJOR);
	config_free(&cfg);
}

static void test_bad(void)
{
	struct config cfg;
	char errs[4096], name[160], want[512];
	const char *prev;
	size_t i, j;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const struct bad_case *b = &bad[i];
		const char *path = write_cfg("bad.json", b->json);
		int rc = config_load(path, &cfg, errs, sizeof errs);

		snprintf(name, sizeof name, "%s: fails", b->name);
		CHECK_INT(name, rc, -1);
		snprintf(name, sizeof name, "%s: %d error line(s)", b->name, b->n_errors);
		CHECK_INT(name, count_lines(errs), b->n_errors);
		for (j = 0, prev = errs; j < 3 && b->want[j]; j++) {
			snprintf(name, sizeof name, "%s: message %zu", b->name, j + 1);
			snprintf(want, sizeof want, "%s%s", path, b->want[j]);
			CHECK_CONTAINS(name, errs, want);
			/* several errors come out in file order */
			if (j > 0) {
				snprintf(name, sizeof name, "%s: message %zu after %zu",
					 b->name, j + 1, j);
				CHECK(name, prev && strstr(prev, want) != NULL);
			}
			prev = strstr(errs, want);
		}
		snprintf(name, sizeof name, "%s: config left empty", b->name);
		CHECK(name, cfg.sites == NULL && cfg.devices == NULL && cfg.n_devices == 0 &&
		      cfg.path[0] == '\0' && cfg.gateway.id[0] == '\0');
	}
}

static void test_unreadable(void)
{
	struct config cfg;
	char errs[4096], path[128], want[256];

	snprintf(path, sizeof path, "%s/no-such.json", tmpdir);
	CHECK_INT("missing file fails", config_load(path, &cfg, errs, sizeof errs), -1);
	snprintf(want, sizeof want, "%s: cannot read: %s", path, strerror(ENOENT));
	CHECK_STR("missing file: one line, strerror", errs, want);
	CHECK_INT("directory fails", config_load(tmpdir, &cfg, errs, sizeof errs), -1);
	CHECK_CONTAINS("directory: cannot read", errs, ": cannot read: Is a directory");
}

/* Many errors: errs fills up to a clean end and says how many were cut. */
static void test_truncation(void)
{
	char *text = malloc(64 * 1024), errs[512], name[64], want[160];
	const char *last;
	struct config cfg;
	size_t o = 0;
	int i, rc, shown;

	o += (size_t)sprintf(text + o, "{\n" G S L U SI "  'devices': [\n");
	for (i = 0; i < 300; i++)
		o += (size_t)sprintf(text + o, "    {'id': 'd%d', 'kind': 'gaz', 'site': 'rest-1', "
				     "'topic': 't/%d'}%s\n", i, i, i < 299 ? "," : "");
	sprintf(text + o, "  ]\n}\n");

	rc = config_load(write_cfg("many.json", text), &cfg, NULL, 0);
	CHECK_INT("no errs buffer: still fails", rc, -1);

	memset(errs, 'Z', sizeof errs);
	rc = config_load(write_cfg("many.json", text), &cfg, errs, 300);
	CHECK_INT("many errors: fails", rc, -1);
	CHECK("many errors: NUL-terminated inside errlen", memchr(errs, '\0', 300) != NULL);
	CHECK("many errors: nothing written past errlen", errs[300] == 'Z' && errs[511] == 'Z');
	CHECK_CONTAINS("many errors: first error kept", errs, ":8: $.devices[0].kind");
	CHECK_CONTAINS("many errors: count of the rest", errs, "more errors not shown");

	/* every error is either shown in full or counted in the last line */
	rc = config_load(write_cfg("many.json", text), &cfg, errs, sizeof errs);
	last = strrchr(errs, '\n');
	CHECK("many errors: several lines shown", last != NULL);
	shown = count_lines(errs) - 1;
	snprintf(want, sizeof want, "many.json: %d more errors not shown", 300 - shown);
	CHECK_CONTAINS("many errors: shown + counted = 300", last ? last : "", want);
	for (i = 0; i < shown; i++) {
		snprintf(want, sizeof want, ":%d: $.devices[%d].kind: unknown device kind \"gaz\" "
			 "(expected gas_detector, smoke_alarm, ebike_charger)\n", 8 + i, i);
		snprintf(name, sizeof name, "many errors: line %d complete", i + 1);
		CHECK_CONTAINS(name, errs, want);
	}
	free(text);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_config.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_names();
	test_shipped();
	test_defaults();
	test_merge();
	test_bom_crlf();
	test_bad();
	test_records();
	test_rule_floors();
	test_unreadable();
	test_truncation();
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	TEST_DONE();
}
