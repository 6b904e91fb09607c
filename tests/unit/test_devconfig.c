/*
 * test_devconfig.c: the config keys of device commands, flood control and
 * discovery: defaults, overrides, device actions of interlocks, and every
 * error naming file, line and JSON path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
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

/* gas, relay and gen: defaults by kind and format, values, inference */
static void test_hw(void)
{
	struct config cfg;
	char errs[4096];
	int rc;

	rc = config_load(write_cfg(HEAD
		"  'devices': [\n"
		"    {'id': 'g', 'kind': 'gas_detector', 'site': 's1', 'topic': 't/g'},\n"
		"    {'id': 'co', 'kind': 'gas_detector', 'site': 's1', 'topic': 't/co',\n"
		"     'gas': 'co', 'relay': true},\n"
		"    {'id': 'sm', 'kind': 'smoke_alarm', 'site': 's1', 'topic': 't/sm'},\n"
		"    {'id': 'ch', 'kind': 'ebike_charger', 'site': 's1', 'topic': 't/ch'},\n"
		"    {'id': 'nr', 'kind': 'ebike_charger', 'site': 's1', 'topic': 't/nr',\n"
		"     'relay': false},\n"
		"    {'id': 's1g', 'kind': 'ebike_charger', 'site': 's1', 'format': 'shelly',\n"
		"     'topic': 'shellies/plug-s-1'},\n"
		"    {'id': 's2t', 'kind': 'ebike_charger', 'site': 's1', 'format': 'shelly',\n"
		"     'topic': 'shellyplus1pm-a1/status/switch:0'},\n"
		"    {'id': 's2p', 'kind': 'ebike_charger', 'site': 's1', 'format': 'shelly',\n"
		"     'topic': 'shellyplus1pm-a8032ab12345', 'gen': 2},\n"
		"    {'id': 'lpg', 'kind': 'gas_detector', 'site': 's1', 'topic': 't/lpg',\n"
		"     'gas': 'lpg'},\n"
		"    {'id': 'z', 'kind': 'smoke_alarm', 'site': 's1', 'format': 'zigbee2mqtt',\n"
		"     'topic': 'zigbee2mqtt/hall_smoke'},\n"
		"    {'id': 'tc', 'kind': 'ebike_charger', 'site': 's1', 'format': 'tasmota',\n"
		"     'topic': 'pow/odd/tele'}],\n"
		"  'interlocks': [{'hazard': 'gas_leak', 'device': 'co',\n"
		"     'actions': [{'device': 'co', 'set': 'off'}]}]\n"
		"}\n"), &cfg, errs, sizeof errs);
	CHECK_INT("hw: loads", rc, 0);
	if (rc < 0) {
		printf("%s\n", errs);
		return;
	}
	CHECK_INT("gas: natural_gas by default", cfg.devices[0].gas, GAS_NATURAL);
	CHECK_INT("gas: co", cfg.devices[1].gas, GAS_CO);
	CHECK_INT("gas: lpg", cfg.devices[8].gas, GAS_LPG);
	CHECK("relay: a gas detector has none by default", !cfg.devices[0].relay);
	CHECK("relay: true when the config says so", cfg.devices[1].relay);
	CHECK("relay: a smoke alarm has none by default", !cfg.devices[2].relay);
	CHECK("relay: a charger has one by default", cfg.devices[3].relay);
	CHECK("relay: false when the config says so", !cfg.devices[4].relay);
	CHECK_INT("gen: 0 for a device that is not Shelly", cfg.devices[0].gen, 0);
	CHECK_INT("gen: shellies/<id> is Gen1", cfg.devices[5].gen, 1);
	CHECK_INT("gen: <id>/status/switch:0 is Gen2", cfg.devices[6].gen, 2);
	CHECK_STR("gen 2 and a bare prefix: topic", cfg.devices[7].topic,
		  "shellyplus1pm-a8032ab12345/status/switch:0");
	CHECK_INT("gen 2 and a bare prefix: gen", cfg.devices[7].gen, 2);
	CHECK_STR("zigbee2mqtt state topic kept", cfg.devices[9].topic, "zigbee2mqtt/hall_smoke");
	CHECK_STR("tasmota custom FullTopic still accepted", cfg.devices[10].topic,
		  "pow/odd/tele");
	CHECK("a detector with \"relay\": true may be an interlock's device",
	      cfg.n_interlocks == 1 && cfg.interlocks[0].action[0].to_device);
	config_free(&cfg);
}

/* Refusals of the device keys and topic shapes, each naming file, line,
 * path and (for topics) the expected shape. */
static void test_hw_bad(void)
{
	check_bad("gas on a smoke alarm", HEAD
		  "  'devices': [{'id': 'sm', 'kind': 'smoke_alarm', 'site': 's1',\n"
		  "     'topic': 't/sm', 'gas': 'co'}]\n}\n",
		  ":8: $.devices[0].gas: \"gas\" applies to a gas_detector only, not to a "
		  "smoke_alarm");
	check_bad("unknown gas", HEAD
		  "  'devices': [{'id': 'g', 'kind': 'gas_detector', 'site': 's1',\n"
		  "     'topic': 't/g', 'gas': 'methane'}]\n}\n",
		  ":8: $.devices[0].gas: unknown gas \"methane\" (expected natural_gas, lpg, co)");
	check_bad("relay not a boolean", HEAD
		  "  'devices': [{'id': 'g', 'kind': 'gas_detector', 'site': 's1',\n"
		  "     'topic': 't/g', 'relay': 'yes'}]\n}\n",
		  ":8: $.devices[0].relay: expected true or false");
	check_bad("gen on a device that is not Shelly", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'topic': 't/p', 'gen': 2}]\n}\n",
		  ":8: $.devices[0].gen: \"gen\" applies to format shelly only, not to native");
	check_bad("gen 3", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'plus-p', 'gen': 3}]\n}\n",
		  ":8: $.devices[0].gen: 3 is out of range (1..2)");
	check_bad("Shelly Gen2 bare prefix without gen", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly',\n"
		  "     'topic': 'shellyplus1pm-a8032ab12345'}]\n}\n",
		  ":9: $.devices[0].topic: topic \"shellyplus1pm-a8032ab12345\" is a bare prefix: "
		  "a Gen2 (Plus, Pro) device needs \"gen\": 2");
	check_bad("Shelly bare prefix: the message offers the full topic", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'plus-p'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"plus-p\" is a bare prefix: a Gen2 (Plus, Pro) "
		  "device needs \"gen\": 2 (its status is read from plus-p/status/switch:0), or "
		  "use that full topic; Gen1 devices are shellies/<id>");
	check_bad("Shelly gen 2 on a Gen1 topic", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'shellies/p',\n"
		  "     'gen': 2}]\n}\n",
		  ":9: $.devices[0].gen: topic \"shellies/p\" is a Gen1 topic");
	check_bad("Shelly gen 1 on a Gen2 topic", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'p/status/switch:0', 'gen': 1}]\n}\n",
		  ":8: $.devices[0].gen: topic \"p/status/switch:0\" is a Gen2 topic");
	check_bad("Shelly Gen1 topic too deep", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'shellies/p/relay/0'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"shellies/p/relay/0\" is not a Shelly Gen1 device "
		  "topic (expected shellies/<id>)");
	check_bad("Shelly Gen2 other status", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'p/status/switch:1'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"p/status/switch:1\" is not a Shelly Gen2 status "
		  "topic (expected <id>/status/switch:0)");
	check_bad("Shelly rpc topic", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'p/rpc', 'gen': 2}]\n}\n",
		  ":8: $.devices[0].topic: topic \"p/rpc\" is not a Shelly device topic (expected "
		  "<id>/status/switch:0 for Gen2, shellies/<id> for Gen1)");
	check_bad("wildcard +", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'smoke_alarm', 'site': 's1',\n"
		  "     'topic': 'zigbee2mqtt/+'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"zigbee2mqtt/+\" must not contain MQTT wildcards");
	check_bad("wildcard # in a zigbee2mqtt topic", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'smoke_alarm', 'site': 's1',\n"
		  "     'format': 'zigbee2mqtt', 'topic': 'zigbee2mqtt/#'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"zigbee2mqtt/#\" must not contain MQTT wildcards");
	check_bad("zigbee2mqtt without a name", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'smoke_alarm', 'site': 's1',\n"
		  "     'format': 'zigbee2mqtt', 'topic': 'hall_smoke'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"hall_smoke\" is not a zigbee2mqtt device topic "
		  "(expected zigbee2mqtt/<friendly name>)");
	check_bad("zigbee2mqtt /set", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'smoke_alarm', 'site': 's1',\n"
		  "     'format': 'zigbee2mqtt', 'topic': 'zigbee2mqtt/hall/set'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"zigbee2mqtt/hall/set\" ends in /set: configure "
		  "the device's state topic (expected zigbee2mqtt/<friendly name>");
	check_bad("zigbee2mqtt /availability", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'smoke_alarm', 'site': 's1',\n"
		  "     'format': 'zigbee2mqtt', 'topic': 'zigbee2mqtt/hall/availability'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"zigbee2mqtt/hall/availability\" ends in "
		  "/availability");
	check_bad("zigbee2mqtt bridge", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'smoke_alarm', 'site': 's1',\n"
		  "     'format': 'zigbee2mqtt', 'topic': 'zigbee2mqtt/bridge/state'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"zigbee2mqtt/bridge/state\" is the zigbee2mqtt "
		  "bridge's");
	check_bad("tasmota STATE instead of SENSOR", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'tasmota', 'topic': 'tele/pow/STATE'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"tele/pow/STATE\" is not a Tasmota sensor topic "
		  "(expected tele/<topic>/SENSOR)");
	check_bad("tasmota command topic", HEAD
		  "  'devices': [{'id': 'p', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'tasmota', 'topic': 'cmnd/pow/POWER'}]\n}\n",
		  ":8: $.devices[0].topic: topic \"cmnd/pow/POWER\" is not a Tasmota sensor topic");
	check_bad("interlock on a detector without a relay", HEAD
		  "  'devices': [{'id': 'kitchen-gas-1', 'kind': 'gas_detector', 'site': 's1',\n"
		  "     'topic': 't/g'}],\n"
		  "  'interlocks': [{'hazard': 'gas_leak', 'actions': [\n"
		  "    {'device': 'kitchen-gas-1', 'set': 'off'}]}]\n}\n",
		  ":10: $.interlocks[0].actions[0].device: device kitchen-gas-1 is a gas_detector "
		  "with no relay; set \"relay\": true in its config if it has one");
	check_bad("interlock on a charger with \"relay\": false", HEAD
		  "  'devices': [{'id': 'c', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'topic': 't/c', 'relay': false}],\n"
		  "  'interlocks': [{'hazard': 'gas_leak', 'actions': [\n"
		  "    {'device': 'c', 'set': 'off'}]}]\n}\n",
		  ":10: $.interlocks[0].actions[0].device: device c is an ebike_charger with no relay");
	check_bad("a derived Shelly topic clashes like a written one", HEAD
		  "  'devices': [{'id': 'a', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'p/status/switch:0'},\n"
		  "    {'id': 'b', 'kind': 'ebike_charger', 'site': 's1',\n"
		  "     'format': 'shelly', 'topic': 'p', 'gen': 2}]\n}\n",
		  ":10: $.devices[1].topic: topic \"p/status/switch:0\" is already used by "
		  "$.devices[0]");
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
	test_hw();
	test_hw_bad();
	unlink(write_cfg("{}"));
	rmdir(tmpdir);
	TEST_DONE();
}
