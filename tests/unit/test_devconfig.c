/*
 * test_devconfig.c: the config keys of device commands, flood control and
 * discovery: defaults, overrides, device actions of interlocks, and every
 * error naming file, line and JSON path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hazardd.h"
#include "testing.h"

static char tmpdir[64];

/* single quotes in text become double quotes */
static const char *write_cfg(const char *text)
{
	static char path[256];
	const char *s;
	FILE *f;

	snprintf(path, sizeof path, "%s/devconfig.json", tmpdir);
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

#define HEAD \
	"{\n" \
	"  'gateway': {'id': 'gw-1', 'district': 'licheng'},\n" \
	"  'storage': {'path': '/tmp/hz.db'},\n" \
	"  'local': {'uri': 'tcp://127.0.0.1:1883'},\n" \
	"  'upstream': {'uris': ['ssl://district.example:8883']},\n" \
	"  'sites': [{'id': 's1', 'kind': 'charging_station'}],\n"
#define PLUG \
	"    {'id': 'plug', 'kind': 'ebike_charger', 'site': 's1', 'format': 'tasmota',\n" \
	"     'topic': 'tele/plug/SENSOR'}"

static void test_defaults(void)
{
	struct config cfg;
	char errs[4096];

	CHECK_INT("defaults: loads", config_load(write_cfg(HEAD
		"  'devices': [\n" PLUG "]\n}\n"), &cfg, errs, sizeof errs), 0);
	CHECK_INT("confirm_s default 10", cfg.devices[0].confirm_s, 10);
	CHECK_DBL("flood off by default", cfg.devices[0].flood.rate_per_s, 0);
	CHECK_INT("flood burst default 20", cfg.devices[0].flood.burst, 20);
	CHECK("discovery on by default", cfg.discovery.enabled);
	CHECK_INT("discovery max_entries 128", cfg.discovery.max_entries, 128);
	config_free(&cfg);
}

static void test_values(void)
{
	struct config cfg;
	char errs[4096];
	int rc;

	rc = config_load(write_cfg(HEAD
		"  'flood': {'rate_per_s': 5, 'burst': 30},\n"
		"  'discovery': {'enabled': false, 'max_entries': 16},\n"
		"  'devices': [\n" PLUG ",\n"
		"    {'id': 'b', 'kind': 'ebike_charger', 'site': 's1', 'topic': 't/b',\n"
		"     'confirm_s': 3, 'flood': {'burst': 5}},\n"
		"    {'id': 'z', 'kind': 'ebike_charger', 'site': 's1', 'format': 'zigbee2mqtt',\n"
		"     'topic': 'zigbee2mqtt/z'}],\n"
		"  'interlocks': [{'hazard': 'charger_overtemp', 'device': 'b',\n"
		"     'actions': [{'device': 'plug', 'set': 'off'},\n"
		"                 {'device': 'z', 'set': 'off', 'latch': false}]}]\n"
		"}\n"), &cfg, errs, sizeof errs);
	CHECK_INT("values: loads", rc, 0);
	if (rc < 0) {
		printf("%s", errs);
		return;
	}
	CHECK_DBL("global rate", cfg.devices[0].flood.rate_per_s, 5);
	CHECK_INT("global burst", cfg.devices[0].flood.burst, 30);
	CHECK_DBL("device keeps the global rate", cfg.devices[1].flood.rate_per_s, 5);
	CHECK_INT("device burst override", cfg.devices[1].flood.burst, 5);
	CHECK_INT("confirm_s", cfg.devices[1].confirm_s, 3);
	CHECK("discovery off", !cfg.discovery.enabled);
	CHECK_INT("max_entries", cfg.discovery.max_entries, 16);
	CHECK_INT("two actions", cfg.interlocks[0].n_actions, 2);
	CHECK("action 0 is a device command", cfg.interlocks[0].action[0].to_device);
	CHECK_INT("action 0 device", cfg.interlocks[0].action[0].device, 0);
	CHECK("action 0 off", !cfg.interlocks[0].action[0].on);
	CHECK("action 0 latched by default", cfg.interlocks[0].action[0].latch);
	CHECK_INT("action 1 device", cfg.interlocks[0].action[1].device, 2);
	CHECK("action 1 not latched", !cfg.interlocks[0].action[1].latch);
	config_free(&cfg);
}

static void check_bad(const char *name, const char *body, const char *want)
{
	struct config cfg;
	char errs[4096], n[200], w[300];
	const char *path = write_cfg(body);

	snprintf(n, sizeof n, "%s: refused", name);
	CHECK_INT(n, config_load(path, &cfg, errs, sizeof errs), -1);
	snprintf(n, sizeof n, "%s: message", name);
	snprintf(w, sizeof w, "%s%s", path, want);
	CHECK_CONTAINS(n, errs, w);
}

static void test_bad(void)
{
	check_bad("output and device in one action", HEAD
		  "  'devices': [\n" PLUG "],\n"
		  "  'interlocks': [{'hazard': 'smoke_alarm', 'actions': [\n"
		  "    {'device': 'plug', 'output': 'valve', 'set': 'off'}]}]\n}\n",
		  ":11: $.interlocks[0].actions[0].device: an action names either");
	check_bad("unknown device", HEAD
		  "  'devices': [\n" PLUG "],\n"
		  "  'interlocks': [{'hazard': 'smoke_alarm', 'actions': [\n"
		  "    {'device': 'nope', 'set': 'off'}]}]\n}\n",
		  ":11: $.interlocks[0].actions[0].device: unknown device \"nope\"");
	check_bad("device without commands", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'tasmota', 'topic': 'custom/p'}],\n"
		  "  'interlocks': [{'hazard': 'smoke_alarm', 'actions': [\n"
		  "    {'device': 'p', 'set': 'off'}]}]\n}\n",
		  ":10: $.interlocks[0].actions[0].device: device \"p\" cannot be switched");
	check_bad("latch without device", HEAD
		  "  'devices': [\n" PLUG "],\n"
		  "  'interlocks': [{'hazard': 'smoke_alarm', 'actions': [\n"
		  "    {'latch': true, 'set': 'off'}]}]\n}\n",
		  ":11: $.interlocks[0].actions[0].device: missing required key \"device\"");
	check_bad("latch not a boolean", HEAD
		  "  'devices': [\n" PLUG "],\n"
		  "  'interlocks': [{'hazard': 'smoke_alarm', 'actions': [\n"
		  "    {'device': 'plug', 'set': 'off', 'latch': 'yes'}]}]\n}\n",
		  ":11: $.interlocks[0].actions[0].latch: expected true or false");
	check_bad("confirm_s 0", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'topic': 't/p', 'confirm_s': 0}]\n}\n",
		  ":8: $.devices[0].confirm_s: 0 is out of range (1..3600)");
	check_bad("unknown key in a device's flood", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'topic': 't/p', 'flood': {'rate': 3}}]\n}\n",
		  ":8: $.devices[0].flood.rate: unknown key \"rate\"");
	check_bad("flood burst 0", HEAD
		  "  'flood': {'burst': 0}\n}\n",
		  ":7: $.flood.burst: 0 is out of range (1..100000)");
	check_bad("discovery max_entries too big", HEAD
		  "  'discovery': {'max_entries': 100000}\n}\n",
		  ":7: $.discovery.max_entries: 100000 is out of range (1..4096)");
	check_bad("discovery not an object", HEAD
		  "  'discovery': true\n}\n",
		  ":7: $.discovery: expected object, got boolean");
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_devconfig.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_defaults();
	test_values();
	test_bad();
	unlink(write_cfg("{}"));
	rmdir(tmpdir);
	TEST_DONE();
}
