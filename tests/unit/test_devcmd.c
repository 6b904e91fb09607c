/*
 * test_devcmd.c: device commands (the builders of every format, exact
 * topic and payload), their confirmation and timeout (devcmd.c), device
 * actions of interlocks (latched, held, re-sent, reset), the flood token
 * bucket (flood.c) and the unknown-sender table's inference and bounds
 * (unknown.c); a reload's carry-over of commands by device id, a pending
 * command's relay report let through a full flood bucket, and what is kept
 * in the database (action events, each device's last command).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

/* ------------------------------------------------------------ builders */

/* A switchable device as config.c leaves it (gen: Shelly's generation). */
static const struct device_cfg *mkdev(const char *format, const char *topic, int gen)
{
	static struct device_cfg d;

	d = (struct device_cfg)DEVICE_CFG_BLANK;
	d.id = "dev-1";
	d.kind = DEV_EBIKE_CHARGER;
	d.relay = true;
	d.gen = gen;
	d.format = format;
	d.topic = topic;
	return &d;
}

static void check_cmd(const char *name, const char *format, const char *topic, bool on,
		      const char *want_topic, const char *want_payload)
{
	struct device_cmd c;
	char err[160] = "", n[160];
	int gen = strcmp(format, "shelly") ? 0 : strstr(topic, "/status/") ? 2 : 1;
	int rc = device_cmd_build(mkdev(format, topic, gen), on, "hazardd-gw-1", 7, &c, err,
				  sizeof err);

	snprintf(n, sizeof n, "%s: builds", name);
	CHECK_INT(n, rc, 0);
	snprintf(n, sizeof n, "%s: topic", name);
	CHECK_STR(n, c.topic, want_topic);
	snprintf(n, sizeof n, "%s: payload", name);
	CHECK_STR(n, c.payload, want_payload);
}

static void test_builders(void)
{
	struct device_cmd c;
	char err[160];

	check_cmd("z2m off", "zigbee2mqtt", "zigbee2mqtt/bay3_plug", false,
		  "zigbee2mqtt/bay3_plug/set", "{\"state\":\"OFF\"}");
	check_cmd("z2m on", "zigbee2mqtt", "zigbee2mqtt/bay3_plug", true,
		  "zigbee2mqtt/bay3_plug/set", "{\"state\":\"ON\"}");
	check_cmd("tasmota off", "tasmota", "tele/shed_pow_1/SENSOR", false,
		  "cmnd/shed_pow_1/POWER", "OFF");
	check_cmd("tasmota on", "tasmota", "tele/shed_pow_1/SENSOR", true,
		  "cmnd/shed_pow_1/POWER", "ON");
	check_cmd("shelly gen1 off", "shelly", "shellies/shellyplug-s-7C87CE", false,
		  "shellies/shellyplug-s-7C87CE/relay/0/command", "off");
	check_cmd("shelly gen1 on", "shelly", "shellies/shellyplug-s-7C87CE", true,
		  "shellies/shellyplug-s-7C87CE/relay/0/command", "on");
	check_cmd("shelly gen2 off", "shelly", "shellyplusplugs-a8032ab12345/status/switch:0",
		  false, "shellyplusplugs-a8032ab12345/rpc",
		  "{\"id\":7,\"src\":\"hazardd-gw-1\",\"method\":\"Switch.Set\","
		  "\"params\":{\"id\":0,\"on\":false}}");
	check_cmd("shelly gen2 on", "shelly", "shellyplusplugs-a8032ab12345/status/switch:0",
		  true, "shellyplusplugs-a8032ab12345/rpc",
		  "{\"id\":7,\"src\":\"hazardd-gw-1\",\"method\":\"Switch.Set\","
		  "\"params\":{\"id\":0,\"on\":true}}");
	check_cmd("native off", "native", "t/bay3", false, "t/bay3/set", "{\"relay\":false}");
	check_cmd("native on", "native", "t/bay3", true, "t/bay3/set", "{\"relay\":true}");

	CHECK("tasmota custom FullTopic refused",
	      device_cmd_build(mkdev("tasmota", "pow/tele", 0), false, NULL, 0, &c, err,
			       sizeof err) < 0);
	CHECK_CONTAINS("tasmota refusal names the topic", err, "pow/tele");
	CHECK("unknown format refused",
	      device_cmd_build(mkdev("zwave", "x", 0), false, NULL, 0, &c, err, sizeof err) < 0);
	CHECK("empty topic refused",
	      device_cmd_build(mkdev("native", "", 0), false, NULL, 0, &c, err, sizeof err) < 0);
	/* a client id that would break the JSON is replaced */
	CHECK_INT("gen2 odd client id builds",
		  device_cmd_build(mkdev("shelly", "x/status/switch:0", 2), false, "a\"b", 1, &c,
				   err, sizeof err), 0);
	CHECK_CONTAINS("gen2 odd client id replaced", c.payload, "\"src\":\"hazardd\"");
}

/* Shelly's generation is the device's gen, not a guess from the topic;
 * a device without a relay is never commanded. */
static void test_gen_and_relay(void)
{
	struct device_cmd c;
	struct device_cfg *d;
	char err[200] = "";

	/* the state topic config.c derives for "gen": 2 and a bare prefix */
	CHECK_INT("gen 2 builds", device_cmd_build(mkdev("shelly",
		  "shellyplus1pm-a8032ab12345/status/switch:0", 2), false, "gw", 3, &c, err,
		  sizeof err), 0);
	CHECK_STR("gen 2: the rpc topic", c.topic, "shellyplus1pm-a8032ab12345/rpc");
	CHECK_CONTAINS("gen 2: Switch.Set", c.payload, "\"method\":\"Switch.Set\"");
	/* gen decides, whatever the topic looks like */
	CHECK_INT("gen 1 builds", device_cmd_build(mkdev("shelly", "shellies/plug-x", 1), true,
		  "gw", 3, &c, err, sizeof err), 0);
	CHECK_STR("gen 1: relay/0/command", c.topic, "shellies/plug-x/relay/0/command");
	CHECK_INT("gen 2 from gen, not the topic", device_cmd_build(mkdev("shelly", "plus-x",
		  2), true, "gw", 3, &c, err, sizeof err), 0);
	CHECK_STR("gen 2 on a bare topic: <prefix>/rpc", c.topic, "plus-x/rpc");
	CHECK("a Shelly of unknown generation is refused",
	      device_cmd_build(mkdev("shelly", "plus-x", 0), true, "gw", 3, &c, err,
			       sizeof err) < 0);
	CHECK_CONTAINS("the refusal says to set gen", err, "\"gen\"");

	d = (struct device_cfg *)mkdev("zigbee2mqtt", "zigbee2mqtt/kitchen_gas", 0);
	d->id = "kitchen-gas-1";
	d->kind = DEV_GAS_DETECTOR;
	d->relay = false;
	err[0] = '\0';
	CHECK("no relay: refused", device_cmd_build(d, false, "gw", 3, &c, err, sizeof err) < 0);
	CHECK_STR("no relay: the operator's message", err,
		  "device kitchen-gas-1 is a gas_detector with no relay; set \"relay\": true "
		  "in its config if it has one");
	CHECK("no relay: nothing built", c.topic[0] == '\0');
	CHECK("device_cmd_no_relay says so", device_cmd_no_relay(d, err, sizeof err));
	d->relay = true;
	CHECK("with \"relay\": true a detector is switched",
	      device_cmd_build(d, false, "gw", 3, &c, err, sizeof err) == 0 &&
	      strcmp(c.topic, "zigbee2mqtt/kitchen_gas/set") == 0);
	d->kind = DEV_EBIKE_CHARGER;
	d->relay = false;
	device_cmd_no_relay(d, err, sizeof err);
	CHECK_CONTAINS("an ebike_charger: \"an\"", err, "is an ebike_charger with no relay");
}

/* ------------------------------------------------------------ devcmd */

static struct device_cfg devs[3];
static struct config cfg;
static int n_pub;
static char last_topic[TOPIC_MAX], last_payload[DEVCMD_PAYLOAD_MAX];
static bool broker_down;

static int rec_publish(void *ctx, const char *topic, const char *payload)
{
	(void)ctx;
	if (broker_down)
		return -1;
	n_pub++;
	strlcpy_hz(last_topic, topic, sizeof last_topic);
	strlcpy_hz(last_payload, payload, sizeof last_payload);
	return 0;
}

static void setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	device_cfg_blank(devs, 3);
	devs[0].id = "bay3-plug";
	devs[0].format = "tasmota";
	devs[0].topic = "tele/bay3/SENSOR";
	devs[0].site = "cs-001";
	devs[0].confirm_s = 10;
	devs[1].id = "bay3-temp";
	devs[1].format = "native";
	devs[1].topic = "t/bay3-temp";
	devs[1].site = "cs-001";
	devs[1].confirm_s = 5;
	devs[2].id = "hall-plug";
	devs[2].format = "zigbee2mqtt";
	devs[2].topic = "zigbee2mqtt/hall_plug";
	devs[2].site = "cs-001";
	devs[2].confirm_s = 10;
	devs[0].relay = devs[1].relay = devs[2].relay = true;
	cfg.devices = devs;
	cfg.n_devices = 3;
	strcpy(cfg.local.client_id, "hazardd-gw");
	n_pub = 0;
	broker_down = false;
	last_topic[0] = last_payload[0] = '\0';
}

static struct reading relay(bool on)
{
	struct reading r;

	memset(&r, 0, sizeof r);
	reading_set(&r, RF_RELAY, on);
	return r;
}

static void test_confirm(void)
{
	struct devcmd *dc;
	struct devcmd_outcome oc[4];
	struct devcmd_req rq = { .device = 0, .on = false, .safety = true,
				 .cause_device = "bay3-temp", .cause_type = HZ_CHARGER_OVERTEMP,
				 .actor = "interlock" };
	struct hazard_change chg;
	struct reading r;
	char err[160];
	cJSON *j;

	setup();
	dc = devcmd_new(&cfg);
	devcmd_attach(dc, rec_publish, NULL);
	CHECK_INT("send: published", devcmd_send(dc, &rq, 1000, 0, NULL, err, sizeof err), 0);
	CHECK_STR("send: tasmota topic", last_topic, "cmnd/bay3/POWER");
	CHECK_STR("send: tasmota payload", last_payload, "OFF");
	CHECK_INT("due at confirm_s", devcmd_next_due_ms(dc), 10000);
	r = relay(true);
	CHECK("a report of the old state does not confirm",
	      !devcmd_on_reading(dc, 0, &r, 1500, &oc[0]));
	memset(&r, 0, sizeof r);
	reading_set(&r, RF_POWER_W, 12);
	CHECK("a report without relay state does not confirm",
	      !devcmd_on_reading(dc, 0, &r, 1500, &oc[0]));
	r = relay(false);
	CHECK("another device's report does not confirm",
	      !devcmd_on_reading(dc, 1, &r, 1500, &oc[0]));
	CHECK_INT("no timeout before confirm_s", devcmd_tick(dc, 5000, 9999, oc, 4), 0);
	CHECK("the commanded state confirms", devcmd_on_reading(dc, 0, &r, 2000, &oc[0]));
	CHECK("confirmed outcome", oc[0].confirmed && !oc[0].late && oc[0].safety);
	CHECK_STR("outcome keeps the cause", oc[0].cause_device, "bay3-temp");
	CHECK("a confirmation raises nothing, it only clears",
	      devcmd_outcome_change(&oc[0], 10, &chg) && chg.kind == CHG_CLEAR &&
	      chg.type == HZ_COMMAND_FAILED);
	CHECK_INT("nothing due once confirmed", devcmd_tick(dc, 20000, 20000, oc, 4), 0);
	CHECK("confirmed twice? no", !devcmd_on_reading(dc, 0, &r, 2500, &oc[0]));
	j = devcmd_device_json(dc, 0);
	CHECK_STR("listing: state", cJSON_GetStringValue(cJSON_GetObjectItem(j, "state")),
		  "confirmed");
	CHECK_STR("listing: device", cJSON_GetStringValue(cJSON_GetObjectItem(j, "device")),
		  "bay3-plug");
	cJSON_Delete(j);
	CHECK("listing: none for a device never commanded", !devcmd_device_json(dc, 2));

	/* timeout: command_failed, major for an interlock */
	CHECK_INT("send again", devcmd_send(dc, &rq, 30000, 30000, NULL, err, sizeof err), 0);
	CHECK_INT("times out after confirm_s", devcmd_tick(dc, 40000, 40000, oc, 4), 1);
	CHECK("timed-out outcome", !oc[0].confirmed && oc[0].published);
	CHECK("timeout raises command_failed", devcmd_outcome_change(&oc[0], 10, &chg));
	CHECK_INT("command_failed type", chg.type, HZ_COMMAND_FAILED);
	CHECK_INT("command_failed active", chg.kind, CHG_ACTIVE);
	CHECK_INT("interlock failure is major", chg.severity, SEV_MAJOR);
	CHECK_CONTAINS("detail names the topic", chg.detail, "cmnd/bay3/POWER");
	CHECK_INT("reported once", devcmd_tick(dc, 50000, 50000, oc, 4), 0);
	CHECK("a late report confirms late", devcmd_on_reading(dc, 0, &r, 60000, &oc[0]));
	CHECK("late flag", oc[0].confirmed && oc[0].late);
	CHECK("late confirmation clears command_failed",
	      devcmd_outcome_change(&oc[0], 10, &chg) && chg.kind == CHG_CLEAR);
	CHECK_INT("counters: sent", devcmd_count(dc, DEVCMD_SENT), 2);
	CHECK_INT("counters: confirmed", devcmd_count(dc, DEVCMD_CONFIRMED), 2);
	CHECK_INT("counters: failed", devcmd_count(dc, DEVCMD_FAILED), 1);

	/* operator command: general severity; a newer command replaces */
	rq.safety = false;
	rq.cause_device = NULL;
	rq.device = 2;
	rq.on = true;
	devcmd_send(dc, &rq, 0, 100000, NULL, err, sizeof err);
	CHECK_STR("z2m topic", last_topic, "zigbee2mqtt/hall_plug/set");
	rq.on = false;
	devcmd_send(dc, &rq, 0, 101000, NULL, err, sizeof err);
	r = relay(true);
	CHECK("the replaced command's state does not confirm",
	      !devcmd_on_reading(dc, 2, &r, 0, &oc[0]));
	CHECK_INT("one timeout for the newer", devcmd_tick(dc, 0, 111000, oc, 4), 1);
	CHECK("operator failure is general",
	      devcmd_outcome_change(&oc[0], 10, &chg) && chg.severity == SEV_GENERAL);
	CHECK_INT("operator command has no cause", oc[0].cause_type, -1);

	/* broker down: held, retried each tick, not published twice */
	broker_down = true;
	n_pub = 0;
	rq.device = 1;
	CHECK_INT("held while the broker is down",
		  devcmd_send(dc, &rq, 0, 200000, NULL, err, sizeof err), 1);
	CHECK_INT("still held", devcmd_tick(dc, 0, 201000, oc, 4), 0);
	broker_down = false;
	CHECK_INT("retried on the next tick", devcmd_tick(dc, 0, 202000, oc, 4), 0);
	CHECK_INT("published once", n_pub, 1);
	CHECK_STR("native topic", last_topic, "t/bay3-temp/set");
	devcmd_tick(dc, 0, 203000, oc, 4);
	CHECK_INT("not published again", n_pub, 1);
	rq.device = 9;
	CHECK("no such device", devcmd_send(dc, &rq, 0, 0, NULL, err, sizeof err) < 0);
	devcmd_free(dc);

	/* nothing attached: held */
	dc = devcmd_new(&cfg);
	rq.device = 0;
	CHECK_INT("no publisher: held", devcmd_send(dc, &rq, 0, 0, NULL, err, sizeof err), 1);
	CHECK_INT("never sent: times out", devcmd_tick(dc, 0, 20000, oc, 4), 1);
	CHECK("not sent outcome", !oc[0].published);
	devcmd_outcome_change(&oc[0], 10, &chg);
	CHECK_CONTAINS("detail says not sent", chg.detail, "not sent");
	devcmd_free(dc);
}

/* ------------------------------------------------------------ interlock */

static void test_interlock_devices(void)
{
	struct interlock_cfg rules[1];
	struct interlock *il;
	struct devcmd *dc;
	struct hazard_change chg;
	cJSON *acts;
	char err[160];
	bool on;

	setup();
	memset(rules, 0, sizeof rules);
	rules[0].hazard = HZ_CHARGER_OVERTEMP;
	strcpy(rules[0].device, "bay3-temp");
	rules[0].action[0].to_device = true;
	rules[0].action[0].device = 0;
	rules[0].action[0].on = false;
	rules[0].action[0].latch = true;
	rules[0].n_actions = 1;
	cfg.interlocks = rules;
	cfg.n_interlocks = 1;
	il = interlock_new(&cfg);
	dc = devcmd_new(&cfg);
	devcmd_attach(dc, rec_publish, NULL);
	interlock_attach_devcmd(il, dc);

	memset(&chg, 0, sizeof chg);
	chg.type = HZ_CHARGER_OVERTEMP;
	chg.kind = CHG_ACTIVE;
	chg.severity = SEV_MAJOR;
	acts = interlock_on_change(il, &devs[1], &chg, 1000, 0);
	CHECK_INT("overtemp: one command published", n_pub, 1);
	CHECK_STR("overtemp: the plug's command topic", last_topic, "cmnd/bay3/POWER");
	CHECK_STR("overtemp: OFF", last_payload, "OFF");
	CHECK("action record", acts && cJSON_GetArraySize(acts) == 1);
	CHECK_STR("record names the device",
		  cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(acts, 0), "device")),
		  "bay3-plug");
	CHECK_STR("record has the payload",
		  cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(acts, 0), "payload")),
		  "OFF");
	CHECK_STR("record says sent",
		  cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(acts, 0), "result")),
		  "sent");
	cJSON_Delete(acts);
	CHECK("latched off", interlock_device_latched(il, 0, &on) && !on);
	acts = interlock_on_change(il, &devs[1], &chg, 2000, 0);
	CHECK_INT("a repeat is held, not re-sent", n_pub, 1);
	cJSON_Delete(acts);
	chg.kind = CHG_CLEAR;
	cJSON_Delete(interlock_on_change(il, &devs[1], &chg, 3000, 0));
	CHECK_INT("clear does not undo a latch", n_pub, 1);
	CHECK_INT("reconnect re-sends the latch", interlock_resend(il, 4000, 0), 1);
	CHECK_INT("re-sent", n_pub, 2);
	CHECK_STR("re-sent OFF", last_payload, "OFF");
	CHECK_INT("reset", interlock_reset_device(il, 0, "test", 5000, err, sizeof err), 0);
	CHECK("no longer latched", !interlock_device_latched(il, 0, NULL));
	CHECK_INT("reset sends nothing", n_pub, 2);
	CHECK_INT("nothing to re-send", interlock_resend(il, 6000, 0), 0);
	CHECK("reset twice refused",
	      interlock_reset_device(il, 0, "test", 5000, err, sizeof err) < 0);

	/* follow: cleared hazard switches back */
	rules[0].action[0].latch = false;
	chg.kind = CHG_ACTIVE;
	cJSON_Delete(interlock_on_change(il, &devs[1], &chg, 7000, 0));
	CHECK_STR("follow: off", last_payload, "OFF");
	chg.kind = CHG_CLEAR;
	cJSON_Delete(interlock_on_change(il, &devs[1], &chg, 8000, 0));
	CHECK_STR("follow: back on when cleared", last_payload, "ON");
	CHECK_INT("follow: two more commands", n_pub, 4);
	interlock_free(il);
	devcmd_free(dc);
}

/* ------------------------------------------------------------ flood */

static void test_flood(void)
{
	struct flood *fl;
	int i, ok;

	setup();
	devs[0].flood.rate_per_s = 5;
	devs[0].flood.burst = 20;
	devs[1].flood.rate_per_s = 0;   /* unlimited */
	devs[2].flood.rate_per_s = 1;
	devs[2].flood.burst = 1;
	fl = flood_new(&cfg);
	for (i = 0, ok = 0; i < 100; i++)
		ok += flood_admit(fl, 0, 1000);
	CHECK_INT("a burst of 100 at one instant: burst admitted", ok, 20);
	for (i = 0, ok = 0; i < 100; i++)
		ok += flood_admit(fl, 0, 2000);
	CHECK_INT("one second later: rate_per_s more", ok, 5);
	/* 10 s at 50 msg/s: 5/s admitted */
	for (i = 0, ok = 0; i < 500; i++)
		ok += flood_admit(fl, 0, 2000 + (i + 1) * 20);
	CHECK_INT("10 s at 10x the rate: 50 admitted", ok, 50);
	for (i = 0, ok = 0; i < 1000; i++)
		ok += flood_admit(fl, 1, 0);
	CHECK_INT("rate 0: no limit", ok, 1000);
	CHECK("another device's bucket is its own", flood_admit(fl, 2, 0));
	CHECK("burst 1", !flood_admit(fl, 2, 0));
	CHECK("refilled after 1 s at 1/s", flood_admit(fl, 2, 1000));
	CHECK("a clock going back adds nothing", !flood_admit(fl, 2, 500));
	CHECK("refill capped at burst", flood_admit(fl, 2, 100000) && !flood_admit(fl, 2, 100000));
	flood_drop(fl, 0);
	flood_drop(fl, 0);
	flood_drop(fl, 2);
	CHECK_INT("drops per device", flood_dropped(fl, 0), 2);
	CHECK_INT("drops in total", flood_total(fl), 3);
	CHECK("unknown device index admitted", flood_admit(fl, 7, 0));
	flood_free(fl);
}

/* ------------------------------------------------------------ reload carry */

static void test_carry(void)
{
	struct device_cfg devs2[3];
	struct config cfg2;
	struct devcmd *dc, *dc2;
	struct devcmd_outcome oc[4];
	struct devcmd_req rq = { .device = 0, .on = false, .safety = true,
				 .cause_device = "bay3-temp", .cause_type = HZ_CHARGER_OVERTEMP,
				 .actor = "interlock" };
	struct reading r;
	char err[160];
	cJSON *j;

	setup();
	dc = devcmd_new(&cfg);
	devcmd_attach(dc, rec_publish, NULL);
	CHECK_INT("carry: bay3-plug command sent",
		  devcmd_send(dc, &rq, 1000, 1000, NULL, err, sizeof err), 0);
	rq.device = 1;
	rq.cause_device = NULL;
	rq.actor = "alice";
	CHECK_INT("carry: bay3-temp command sent",
		  devcmd_send(dc, &rq, 1000, 1000, NULL, err, sizeof err), 0);

	/* the new config: bay3-temp removed, the others in another order */
	memset(&cfg2, 0, sizeof cfg2);
	devs2[0] = devs[2];
	devs2[1] = devs[0];
	cfg2.devices = devs2;
	cfg2.n_devices = 2;
	strcpy(cfg2.local.client_id, "hazardd-gw");
	dc2 = devcmd_new(&cfg2);
	CHECK_INT("carry: the removed device's pending command is dropped",
		  devcmd_carry(dc2, dc), 1);
	devcmd_free(dc);        /* the old table goes, as in a reload */
	devcmd_attach(dc2, rec_publish, NULL);
	CHECK_INT("carry: still due at the old deadline", devcmd_next_due_ms(dc2), 11000);
	j = devcmd_device_json(dc2, 1);
	CHECK_STR("carry: listed pending under its new index",
		  cJSON_GetStringValue(cJSON_GetObjectItem(j, "state")), "pending");
	CHECK_STR("carry: listed with its device",
		  cJSON_GetStringValue(cJSON_GetObjectItem(j, "device")), "bay3-plug");
	cJSON_Delete(j);
	CHECK("carry: nothing for a device that had no command", !devcmd_device_json(dc2, 0));
	CHECK_INT("carry: no timeout before the deadline", devcmd_tick(dc2, 0, 10999, oc, 4), 0);
	CHECK_INT("carry: a silent device still times out", devcmd_tick(dc2, 0, 11000, oc, 4), 1);
	CHECK_INT("carry: outcome names the new index", oc[0].device, 1);
	CHECK("carry: outcome keeps safety and cause",
	      oc[0].safety && strcmp(oc[0].cause_device, "bay3-temp") == 0);
	CHECK_INT("carry: counters carried (sent)", devcmd_count(dc2, DEVCMD_SENT), 2);
	CHECK_INT("carry: counters carried (failed)", devcmd_count(dc2, DEVCMD_FAILED), 1);
	devcmd_free(dc2);

	/* an answering device still confirms after a reload */
	setup();
	dc = devcmd_new(&cfg);
	devcmd_attach(dc, rec_publish, NULL);
	rq.device = 0;
	devcmd_send(dc, &rq, 1000, 1000, NULL, err, sizeof err);
	dc2 = devcmd_new(&cfg);
	CHECK_INT("carry: same config drops nothing", devcmd_carry(dc2, dc), 0);
	devcmd_free(dc);
	r = relay(false);
	CHECK("carry: the device's report confirms after the reload",
	      devcmd_on_reading(dc2, 0, &r, 2000, &oc[0]) && oc[0].confirmed && !oc[0].late);
	devcmd_free(dc2);

	/* a held command follows its device's new topic */
	setup();
	broker_down = true;
	dc = devcmd_new(&cfg);
	devcmd_attach(dc, rec_publish, NULL);
	CHECK_INT("carry: held while the broker is down",
		  devcmd_send(dc, &rq, 1000, 1000, NULL, err, sizeof err), 1);
	memcpy(devs2, devs, sizeof devs2);
	devs2[0].topic = "tele/bay9/SENSOR";
	memset(&cfg2, 0, sizeof cfg2);
	cfg2.devices = devs2;
	cfg2.n_devices = 3;
	dc2 = devcmd_new(&cfg2);
	devcmd_carry(dc2, dc);
	devcmd_free(dc);
	devcmd_attach(dc2, rec_publish, NULL);
	broker_down = false;
	devcmd_tick(dc2, 0, 2000, oc, 4);
	CHECK_STR("carry: a held command goes to the device's new topic", last_topic,
		  "cmnd/bay9/POWER");
	devcmd_free(dc2);
}

/* ------------------------------------------------------------ flood x command */

static void test_flood_await(void)
{
	struct flood *fl, *fl2;
	struct devcmd *dc, *dc2;
	struct devcmd_outcome oc[4];
	struct devcmd_req rq = { .device = 0, .on = false, .actor = "alice", .cause_type = -1 };
	struct reading rel, energy;
	char err[160];

	setup();
	devs[0].flood.rate_per_s = 1;
	devs[0].flood.burst = 1;
	fl = flood_new(&cfg);
	dc = devcmd_new(&cfg);
	devcmd_attach(dc, rec_publish, NULL);
	devcmd_attach_flood(dc, fl);
	rel = relay(false);
	memset(&energy, 0, sizeof energy);
	reading_set(&energy, RF_POWER_W, 80);
	CHECK("flood: burst used", flood_admit(fl, 0, 1000));
	CHECK("flood: bucket empty", !flood_admit(fl, 0, 1000));
	CHECK("flood: no command, a relay report is not exempt",
	      !flood_awaits_report(fl, 0, &rel));
	devcmd_send(dc, &rq, 1000, 1000, NULL, err, sizeof err);
	CHECK("flood: command pending, the relay report passes",
	      flood_awaits_report(fl, 0, &rel));
	CHECK("flood: command pending, a report without relay does not",
	      !flood_awaits_report(fl, 0, &energy));
	CHECK("flood: another device's relay report does not",
	      !flood_awaits_report(fl, 2, &rel));
	CHECK("flood: the confirmation arrives", devcmd_on_reading(dc, 0, &rel, 1100, &oc[0]));
	CHECK("flood: confirmed, no longer exempt", !flood_awaits_report(fl, 0, &rel));
	devcmd_send(dc, &rq, 2000, 2000, NULL, err, sizeof err);
	CHECK_INT("flood: a silent device times out", devcmd_tick(dc, 0, 12000, oc, 4), 1);
	CHECK("flood: timed out, no longer exempt", !flood_awaits_report(fl, 0, &rel));

	/* a reload: new buckets, the carried command still awaited */
	devcmd_send(dc, &rq, 13000, 13000, NULL, err, sizeof err);
	fl2 = flood_new(&cfg);
	dc2 = devcmd_new(&cfg);
	devcmd_carry(dc2, dc);
	devcmd_free(dc);
	flood_free(fl);
	devcmd_attach_flood(dc2, fl2);
	CHECK("flood: after a reload the pending command is still awaited",
	      flood_awaits_report(fl2, 0, &rel));
	CHECK("flood: only for the device that has one", !flood_awaits_report(fl2, 2, &rel));
	devcmd_free(dc2);
	flood_free(fl2);
	CHECK("flood: no buckets, nothing exempt", !flood_awaits_report(NULL, 0, &rel));
}

/* ------------------------------------------------------------ records */

static int n_events(struct store *st, const char *id, const char *event, char *detail,
		    size_t len, char *actor, size_t alen)
{
	cJSON *h = store_hazard_detail(st, id), *e;
	int n = 0;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(h, "events")) {
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "event")), event) != 0)
			continue;
		n++;
		if (detail && cJSON_GetStringValue(cJSON_GetObjectItem(e, "detail")))
			strlcpy_hz(detail, cJSON_GetStringValue(cJSON_GetObjectItem(e, "detail")),
				   len);
		if (actor && cJSON_GetStringValue(cJSON_GetObjectItem(e, "actor")))
			strlcpy_hz(actor, cJSON_GetStringValue(cJSON_GetObjectItem(e, "actor")),
				   alen);
	}
	cJSON_Delete(h);
	return n;
}

static void test_records(void)
{
	char dir[] = "/tmp/test_devcmd.XXXXXX", path[160], err[256], detail[512] = "",
	     actor[64] = "", failed_id[ID_MAX];
	struct store *st;
	struct hazard_change chg;
	struct hazard_rec rec, after;
	struct devcmd *dc;
	struct devcmd_outcome oc[4];
	struct devcmd_req rq = { .device = 2, .on = true, .actor = "alice", .cause_type = -1 };
	const char *event;
	cJSON *acts, *a, *j;

	setup();
	if (!mkdtemp(dir)) {
		CHECK("records: temporary directory", false);
		return;
	}
	snprintf(path, sizeof path, "%s/hz.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("records: store opens", st != NULL);
	if (!st)
		return;

	/* an interlock's actions on the hazard that drove them */
	memset(&chg, 0, sizeof chg);
	chg.type = HZ_CHARGER_OVERTEMP;
	chg.kind = CHG_ACTIVE;
	chg.severity = SEV_MAJOR;
	strcpy(chg.detail, "temp_c 75 > 60");
	store_hazard_apply(st, &devs[1], &chg, NULL, 24, 1000, &rec, &event);
	acts = cJSON_CreateArray();
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "output", "buzzer");
	cJSON_AddStringToObject(a, "set", "on");
	cJSON_AddStringToObject(a, "result", "ok");
	cJSON_AddItemToArray(acts, a);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "device", "bay3-plug");
	cJSON_AddStringToObject(a, "set", "off");
	cJSON_AddStringToObject(a, "topic", "cmnd/bay3/POWER");
	cJSON_AddStringToObject(a, "payload", "OFF");
	cJSON_AddStringToObject(a, "result", "confirmed");
	cJSON_AddItemToArray(acts, a);
	CHECK_INT("records: actions noted", devcmd_note_actions(st, rec.id, acts, 2000), 0);
	CHECK_INT("records: one action event", n_events(st, rec.id, "action", detail,
							  sizeof detail, actor, sizeof actor), 1);
	CHECK_STR("records: action detail says what each did", detail,
		  "output buzzer on: ok; device bay3-plug off: confirmed (cmnd/bay3/POWER OFF)");
	CHECK_STR("records: actor interlock", actor, "interlock");
	store_hazard_get(st, rec.id, &after);
	CHECK("records: the hazard's state is unchanged",
	      strcmp(after.state, rec.state) == 0 && after.occurrences == rec.occurrences);
	CHECK_INT("records: no actions, no row", devcmd_note_actions(st, rec.id, NULL, 3000), 0);
	cJSON_Delete(acts);
	acts = cJSON_CreateArray();
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "output", "valve");
	cJSON_AddStringToObject(a, "set", "off");
	cJSON_AddStringToObject(a, "result", "held");
	cJSON_AddItemToArray(acts, a);
	CHECK_INT("records: only held actions, no row",
		  devcmd_note_actions(st, rec.id, acts, 3000), 0);
	CHECK_INT("records: still one action event",
		  n_events(st, rec.id, "action", NULL, 0, NULL, 0), 1);
	CHECK("records: no such hazard refused",
	      store_hazard_note(st, "nope-H1", "action", 1, "x", "y") < 0);
	cJSON_Delete(acts);

	/* an operator's switch: on the device's open command_failed, and kept
	 * as the device's last command */
	chg.type = HZ_COMMAND_FAILED;
	chg.severity = SEV_GENERAL;
	{
		/* a command_failed is a fault (core/record.c) */
		struct hz_policy pol = { .deadline_h = { 24, 24 }, .clock_trusted = true };

		store_record_apply(st, REC_FAULT, true, &devs[2], &chg, NULL, &pol, 4000,
				   &rec, &event);
	}
	strlcpy_hz(failed_id, rec.id, sizeof failed_id);
	dc = devcmd_new(&cfg);
	devcmd_attach(dc, rec_publish, NULL);
	devcmd_attach_store(dc, st);
	devcmd_send(dc, &rq, 5000, 5000, NULL, err, sizeof err);
	CHECK_INT("records: the operator's switch is noted on command_failed",
		  n_events(st, failed_id, "action", detail, sizeof detail, actor, sizeof actor), 1);
	CHECK_CONTAINS("records: noted as sent", detail, "device hall-plug on: sent, awaiting");
	CHECK_STR("records: by the operator", actor, "alice");
	rq.device = 0;          /* no hazard open on this one: kept, not noted */
	devcmd_send(dc, &rq, 5000, 5000, NULL, err, sizeof err);
	devcmd_tick(dc, 16000, 16000, oc, 4);
	CHECK_INT("records: the verdict is noted too",
		  n_events(st, failed_id, "action", detail, sizeof detail, NULL, 0), 2);
	CHECK_CONTAINS("records: not confirmed", detail, "not confirmed");
	CHECK_INT("records: nothing stored failed", devcmd_count(dc, DEVCMD_STORE_ERRORS), 0);
	devcmd_free(dc);

	/* a restart: the last commands are listed from the database */
	rq.device = 1;
	dc = devcmd_new(&cfg);
	devcmd_attach_store(dc, st);
	devcmd_send(dc, &rq, 20000, 20000, NULL, err, sizeof err);
	devcmd_free(dc);
	dc = devcmd_new(&cfg);
	devcmd_attach_store(dc, st);
	j = devcmd_device_json(dc, 2);
	CHECK_STR("records: after a restart the last command is listed",
		  cJSON_GetStringValue(cJSON_GetObjectItem(j, "state")), "failed");
	CHECK_STR("records: with its actor",
		  cJSON_GetStringValue(cJSON_GetObjectItem(j, "actor")), "alice");
	CHECK("records: marked as from before the restart",
	      cJSON_IsTrue(cJSON_GetObjectItem(j, "before_restart")));
	cJSON_Delete(j);
	j = devcmd_device_json(dc, 1);
	CHECK_STR("records: a command pending at the restart is interrupted",
		  cJSON_GetStringValue(cJSON_GetObjectItem(j, "state")), "interrupted");
	cJSON_Delete(j);
	rq.device = 2;
	devcmd_send(dc, &rq, 30000, 30000, NULL, err, sizeof err);
	j = devcmd_device_json(dc, 2);
	CHECK_STR("records: a new command replaces the stored one",
		  cJSON_GetStringValue(cJSON_GetObjectItem(j, "state")), "pending");
	CHECK("records: ... and is live", !cJSON_GetObjectItem(j, "before_restart"));
	cJSON_Delete(j);
	devcmd_free(dc);
	store_close(st);
	unlink(path);
	snprintf(path, sizeof path, "%s/hz.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/hz.db-shm", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/hz.db.hwm", dir);
	unlink(path);
	rmdir(dir);
}

/* ------------------------------------------------------------ unknown */

static void check_infer(const char *topic, const char *fmt, const char *name,
			const char *dev_topic)
{
	char f[16], n[TOPIC_MAX], t[TOPIC_MAX], label[200];
	bool ok = unknown_infer(topic, f, sizeof f, n, sizeof n, t, sizeof t);

	snprintf(label, sizeof label, "infer %s", topic);
	if (!fmt) {
		CHECK(label, !ok);
		return;
	}
	CHECK(label, ok && strcmp(f, fmt) == 0 && strcmp(n, name) == 0 &&
	      strcmp(t, dev_topic) == 0);
}

static void test_unknown(void)
{
	struct unknown *u;
	cJSON *j, *e;
	char topic[64], big[1000];
	int i;

	check_infer("zigbee2mqtt/new_smoke", "zigbee2mqtt", "new_smoke", "zigbee2mqtt/new_smoke");
	check_infer("zigbee2mqtt/new_smoke/availability", "zigbee2mqtt", "new_smoke",
		    "zigbee2mqtt/new_smoke");
	check_infer("zigbee2mqtt/new_smoke/set", NULL, NULL, NULL);
	check_infer("zigbee2mqtt/bridge/state", NULL, NULL, NULL);
	check_infer("tele/pow_7/SENSOR", "tasmota", "pow_7", "tele/pow_7/SENSOR");
	check_infer("tele/pow_7/LWT", "tasmota", "pow_7", "tele/pow_7/SENSOR");
	check_infer("cmnd/pow_7/POWER", NULL, NULL, NULL);
	check_infer("shellies/shellyplug-s-1/relay/0", "shelly", "shellyplug-s-1",
		    "shellies/shellyplug-s-1");
	check_infer("shellies/shellyplug-s-1/relay/0/command", NULL, NULL, NULL);
	check_infer("shellies/announce", NULL, NULL, NULL);
	check_infer("shellyplus1pm-9/status/switch:0", "shelly", "shellyplus1pm-9",
		    "shellyplus1pm-9/status/switch:0");
	check_infer("shellyplus1pm-9/events/rpc", "shelly", "shellyplus1pm-9",
		    "shellyplus1pm-9/status/switch:0");
	check_infer("some/other/topic", NULL, NULL, NULL);
	/* an ecosystem's prefix decides: its shapes or nothing, never another's */
	check_infer("zigbee2mqtt/status/switch:0", NULL, NULL, NULL);
	check_infer("zigbee2mqtt/events/rpc", NULL, NULL, NULL);
	check_infer("tele/status/switch:0", "tasmota", "status", "tele/status/SENSOR");
	check_infer("tele/x/status/switch:0", NULL, NULL, NULL);
	check_infer("shellies/status/switch:0", "shelly", "status", "shellies/status");
	check_infer("/status/switch:0", NULL, NULL, NULL);
	check_infer("zigbee2mqtt", NULL, NULL, NULL);
	check_infer("zigbee2mqtt/a/b/c", NULL, NULL, NULL);
	check_infer("zigbee2mqtt//availability", NULL, NULL, NULL);
	check_infer("tele/pow_7", NULL, NULL, NULL);
	check_infer("shellies", NULL, NULL, NULL);
	check_infer("shellies/plug-1/info", NULL, NULL, NULL);
	check_infer("shellies/plug-1/announce", NULL, NULL, NULL);
	check_infer("shellies/command", NULL, NULL, NULL);
	check_infer("shellies/plug-1", "shelly", "plug-1", "shellies/plug-1");
	check_infer("p/status/switch:1", NULL, NULL, NULL);
	check_infer("p/events/rpc/x", NULL, NULL, NULL);
	check_infer("a/b/status/switch:0", NULL, NULL, NULL);
	check_infer("", NULL, NULL, NULL);

	u = unknown_new(4);
	CHECK("a device topic is noted", unknown_note(u, "zigbee2mqtt/a", "{\"x\":1}", 7, 1000));
	CHECK("a bridge topic is not", !unknown_note(u, "zigbee2mqtt/bridge/log", "x", 1, 1000));
	unknown_note(u, "zigbee2mqtt/a/availability", "online", 6, 2000);
	CHECK_INT("two topics of one device: one entry", unknown_count(u), 1);
	memset(big, 'x', sizeof big);
	unknown_note(u, "tele/p/SENSOR", big, sizeof big, 3000);
	j = unknown_json(u);
	CHECK_INT("listed", cJSON_GetArraySize(j), 2);
	e = cJSON_GetArrayItem(j, 0);
	CHECK_STR("most recent first", cJSON_GetStringValue(cJSON_GetObjectItem(e, "topic")),
		  "tele/p/SENSOR");
	CHECK_INT("payload truncated",
		  (long long)strlen(cJSON_GetStringValue(cJSON_GetObjectItem(e, "last_payload"))),
		  UNKNOWN_PAYLOAD_MAX);
	CHECK("truncated flag", cJSON_IsTrue(cJSON_GetObjectItem(e, "truncated")));
	e = cJSON_GetArrayItem(j, 1);
	CHECK_INT("count of the z2m device",
		  (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(e, "count")), 2);
	CHECK_STR("last payload of the z2m device",
		  cJSON_GetStringValue(cJSON_GetObjectItem(e, "last_payload")), "online");
	cJSON_Delete(j);
	/* a flood of distinct names: bounded, the oldest evicted */
	for (i = 0; i < 1000; i++) {
		snprintf(topic, sizeof topic, "zigbee2mqtt/flood_%d", i);
		unknown_note(u, topic, "{}", 2, 4000 + i);
	}
	CHECK_INT("bounded at max_entries", unknown_count(u), 4);
	CHECK_INT("evictions counted", unknown_evicted(u), 1000 - 4 + 2);
	CHECK_INT("messages counted", unknown_messages(u), 1003);
	j = unknown_json(u);
	CHECK_STR("the newest is kept",
		  cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "topic")),
		  "zigbee2mqtt/flood_999");
	cJSON_Delete(j);
	/* control bytes in a payload are not passed on */
	unknown_note(u, "zigbee2mqtt/esc", "\x1b[2J", 4, 9000);
	j = unknown_json(u);
	CHECK_STR("control bytes replaced",
		  cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0),
							   "last_payload")), "?[2J");
	cJSON_Delete(j);
	unknown_free(u);
}

/*
 * A failed command's command_failed ends when a newer command to the same
 * device is confirmed (the device obeys again); and a device with no relay
 * is neither commanded nor confirmed by whatever relay state it reports.
 */
static void test_newer_clears(void)
{
	char dir[] = "/tmp/test_devcmd.XXXXXX", path[160], err[256];
	struct devcmd_req rq = { .device = 0, .on = false, .actor = "alice", .cause_type = -1 };
	struct devcmd_outcome oc[4];
	struct hazard_change chg;
	struct hazard_rec rec, after;
	struct devcmd *dc;
	struct reading r;
	struct store *st;
	const char *event;

	setup();
	if (!mkdtemp(dir)) {
		CHECK("newer: temporary directory", false);
		return;
	}
	snprintf(path, sizeof path, "%s/hz.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("newer: store opens", st != NULL);
	if (!st)
		return;
	dc = devcmd_new(&cfg);
	devcmd_attach(dc, rec_publish, NULL);

	/* off, never confirmed: command_failed raised on the plug */
	devcmd_send(dc, &rq, 1000, 0, NULL, err, sizeof err);
	CHECK_INT("newer: the first times out", devcmd_tick(dc, 12000, 11000, oc, 4), 1);
	CHECK("newer: failure raises", devcmd_outcome_change(&oc[0], 10, &chg) &&
	      chg.kind == CHG_ACTIVE);
	store_hazard_apply(st, &devs[0], &chg, NULL, 24, 12000, &rec, &event);
	CHECK_STR("newer: command_failed open", rec.state, "open");

	/* a newer command (on), confirmed in time: not late, still clears */
	rq.on = true;
	CHECK_INT("newer: sent", devcmd_send(dc, &rq, 20000, 20000, NULL, err, sizeof err), 0);
	r = relay(true);
	CHECK("newer: confirmed", devcmd_on_reading(dc, 0, &r, 21000, &oc[0]));
	CHECK("newer: not late", oc[0].confirmed && !oc[0].late);
	CHECK("newer: the confirmation clears command_failed",
	      devcmd_outcome_change(&oc[0], 10, &chg) && chg.kind == CHG_CLEAR &&
	      chg.type == HZ_COMMAND_FAILED);
	event = NULL;
	store_hazard_apply(st, &devs[0], &chg, NULL, 24, 21000, &after, &event);
	/* (a hazard through the older entry point: its condition normal
	 * again is normal_since, its state stays the person's) */
	CHECK_STR("newer: the older failure's record stays open", after.state, "open");
	CHECK_INT("newer: ... normal since the confirmation", after.cleared_at_ms, 21000);
	CHECK_STR("newer: the same record", after.id, rec.id);
	CHECK("newer: a cleared event", event && strcmp(event, "cleared") == 0);
	/* a clear with nothing open changes nothing */
	event = NULL;
	store_hazard_apply(st, &devs[1], &chg, NULL, 24, 22000, &after, &event);
	CHECK("newer: nothing open, no event", event == NULL);

	/* relay reports of a device with no relay confirm nothing (a reload
	 * may take the relay away while a command waits) */
	rq.device = 2;
	devcmd_send(dc, &rq, 30000, 30000, NULL, err, sizeof err);
	devs[2].relay = false;
	CHECK("no relay: its relay report does not confirm",
	      !devcmd_on_reading(dc, 2, &r, 31000, &oc[0]));
	CHECK_INT("no relay: refused", devcmd_send(dc, &rq, 32000, 32000, NULL, err,
						   sizeof err), -1);
	CHECK_CONTAINS("no relay: says why", err, "with no relay");
	devs[2].relay = true;
	devcmd_free(dc);
	store_close(st);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	if (system(path) != 0)
		CHECK("newer: cleanup", false);
}

int main(void)
{
	test_builders();
	test_gen_and_relay();
	test_newer_clears();
	test_confirm();
	test_interlock_devices();
	test_flood();
	test_carry();
	test_flood_await();
	test_records();
	test_unknown();
	TEST_DONE();
}
