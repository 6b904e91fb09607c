/*
 * fmt_shelly.c: the format "shelly", Shelly plugs, relays and detectors,
 * both generations: their payloads, topics, commands and discovery.
 *
 * Gen2/Plus: configured with "<id>/status/switch:0", where the device
 * publishes the switch's status object.  Derived: "<id>/events/rpc"
 * (NotifyStatus deltas and NotifyFullStatus, JSON-RPC notifications whose
 * params carry "switch:0") and "<id>/online" (true/false, its last will).
 *
 * Gen1: configured with "shellies/<id>"; the device publishes one value
 * per topic below it ("relay/0" on/off, "relay/0/power" W, "relay/0/energy"
 * in watt-minutes, "sensor/smoke", "sensor/gas", ...), so the whole subtree
 * is routed here.  Commands below it ("relay/0/command", "command") and
 * announcements are not state: DECODE_IGNORED.
 *
 * The two generations take commands in different ways, so the config must
 * know which a device is, never guess: from the topic's shape, or "gen": 2
 * for a bare "<id>" (check_shelly).  Gen1 is switched with on/off on
 * "shellies/<id>/relay/0/command", Gen2 with a JSON-RPC Switch.Set on
 * "<id>/rpc".
 *
 * Channel 0 only: a device per channel needs per-channel config, which
 * comes with device commands.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"

#define GEN2_STATUS "/status/"

/* Gen2 switch status; aenergy.total is Wh, temperature.tC read apart. */
static const struct dj_key gen2_switch_keys[] = {
	{ "output", RF_RELAY, 1 },
	{ "apower", RF_POWER_W, 1 },
	{ "current", RF_CURRENT_A, 1 },
	{ "voltage", RF_VOLTAGE_V, 1 },
};

/* Gen1 per-value topics below shellies/<id>/ and what each holds. */
static const struct {
	const char *sub;
	enum reading_field f;
	double scale;
} gen1_values[] = {
	{ "relay/0", RF_RELAY, 1 },                     /* "on" / "off" */
	{ "relay/0/power", RF_POWER_W, 1 },
	{ "relay/0/energy", RF_ENERGY_KWH, 1.0 / 60000 },  /* watt-minutes */
	{ "emeter/0/power", RF_POWER_W, 1 },
	{ "emeter/0/current", RF_CURRENT_A, 1 },
	{ "emeter/0/voltage", RF_VOLTAGE_V, 1 },
	{ "emeter/0/total", RF_ENERGY_KWH, 1.0 / 1000 },   /* Wh */
	{ "temperature", RF_TEMP_C, 1 },
	{ "voltage", RF_VOLTAGE_V, 1 },
	{ "sensor/smoke", RF_SMOKE, 1 },
	{ "sensor/battery", RF_BATTERY, 1 },
	{ "sensor/temperature", RF_TEMP_C, 1 },
	{ "sensor/tamper", RF_TAMPER, 1 },
	/* Shelly Gas reports ppm of the gas its model is built for (natural
	 * gas or LPG): rules convert it by the device's configured gas */
	{ "sensor/concentration", RF_GAS_PPM, 1 },
};

static int routes_shelly(const char *dev_topic, struct route *out, int max)
{
	const char *st = strstr(dev_topic, GEN2_STATUS);
	int n = 0, len;

	if (max < 3)
		return 0;
	strlcpy_hz(out[n].topic, dev_topic, sizeof out[n].topic);
	/* Gen1: every per-value topic lives below the configured one */
	out[n++].subtree = st == NULL;
	if (!st)
		return n;
	len = (int)(st - dev_topic);
	if (snprintf(out[n].topic, sizeof out[n].topic, "%.*s/events/rpc", len,
		     dev_topic) < (int)sizeof out[n].topic)
		out[n++].subtree = false;
	if (snprintf(out[n].topic, sizeof out[n].topic, "%.*s/online", len,
		     dev_topic) < (int)sizeof out[n].topic)
		out[n++].subtree = false;
	return n;
}

/* A switch status object (Gen2), from the status topic or an event. */
static void sh_switch(struct reading *r, const cJSON *sw, char *err, size_t errlen)
{
	const cJSON *sub;

	if (!cJSON_IsObject(sw))
		return;
	dj_fields(r, sw, gen2_switch_keys,
		  sizeof gen2_switch_keys / sizeof gen2_switch_keys[0], err, errlen);
	sub = cJSON_GetObjectItemCaseSensitive(sw, "aenergy");
	if (cJSON_IsObject(sub))
		dj_set(r, RF_ENERGY_KWH, cJSON_GetObjectItemCaseSensitive(sub, "total"),
		       1.0 / 1000, "aenergy.total", err, errlen);
	sub = cJSON_GetObjectItemCaseSensitive(sw, "temperature");
	if (cJSON_IsObject(sub))
		dj_set(r, RF_TEMP_C, cJSON_GetObjectItemCaseSensitive(sub, "tC"), 1,
		       "temperature.tC", err, errlen);
}

/* JSON-RPC notification: only status notifications carry state. */
static int sh_event(struct reading *r, const cJSON *root, char *err, size_t errlen)
{
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(root, "method");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "params");
	const cJSON *ts;

	if (!cJSON_IsString(method) ||
	    (strcmp(method->valuestring, "NotifyStatus") != 0 &&
	     strcmp(method->valuestring, "NotifyFullStatus") != 0))
		return DECODE_IGNORED;
	if (!cJSON_IsObject(params)) {
		errf(err, errlen, "field params: expected object");
		return -1;
	}
	/* the device's clock, seconds since the epoch (UTC), when it has one */
	ts = cJSON_GetObjectItemCaseSensitive(params, "ts");
	if (cJSON_IsNumber(ts) && ts->valuedouble > 946684800.0 &&
	    ts->valuedouble < 4102444800.0)
		r->ts_ms = (int64_t)(ts->valuedouble * 1000.0);
	sh_switch(r, cJSON_GetObjectItemCaseSensitive(params, "switch:0"), err, errlen);
	return 0;
}

static int sh_gen2(const char *payload, size_t len, bool event,
		   struct reading *r, char *err, size_t errlen)
{
	cJSON *root = dj_parse_object(payload, len, err, errlen);
	int rc;

	if (!root)
		return -1;
	rc = 0;
	if (event)
		rc = sh_event(r, root, err, errlen);
	else
		sh_switch(r, root, err, errlen);
	dj_release(root);
	return rc;
}

/* Shelly Gas: alarm state as words; "test" is the test button. */
static int sh_gas_word(struct reading *r, const char *w)
{
	if (strcmp(w, "none") == 0)
		reading_set(r, RF_GAS, 0);
	else if (strcmp(w, "mild") == 0 || strcmp(w, "heavy") == 0)
		reading_set(r, RF_GAS, 1);
	else if (strcmp(w, "test") == 0)
		reading_set(r, RF_TEST, 1);
	else if (strcmp(w, "unknown") != 0)
		return -1;
	return 0;
}

/* One Gen1 per-value topic; sub is the part after "shellies/<id>/". */
static int sh_gen1(const char *sub, const char *payload, size_t len,
		   struct reading *r, char *err, size_t errlen)
{
	char text[64];
	cJSON *item;
	size_t i;

	if (len == 0)
		return errf(err, errlen, "empty payload"), -1;
	if (dj_text(payload, len, text, sizeof text) < 0) {
		errf(err, errlen, "%s: expected a short value", sub);
		return -1;
	}
	if (strcmp(sub, "sensor/gas") == 0) {
		if (sh_gas_word(r, text) < 0) {
			reading_mark_bad(r, RF_GAS);
			dj_note(err, errlen, "field sensor/gas: unknown value (%.24s)", text);
		}
		return 0;
	}
	if (strcmp(sub, "sensor/operation") == 0) {
		/* warmup and unknown say nothing about a fault */
		if (strcmp(text, "fault") == 0 || strcmp(text, "normal") == 0)
			reading_set(r, RF_FAULT, strcmp(text, "fault") == 0);
		return 0;
	}
	if (strcmp(sub, "sensor/self_test") == 0) {
		if (strcmp(text, "running") == 0)
			reading_set(r, RF_TEST, 1);
		return 0;
	}
	for (i = 0; i < sizeof gen1_values / sizeof gen1_values[0]; i++)
		if (strcmp(sub, gen1_values[i].sub) == 0)
			break;
	if (i == sizeof gen1_values / sizeof gen1_values[0])
		return DECODE_IGNORED;
	/* "overpower": the relay switched itself off */
	if (gen1_values[i].f == RF_RELAY && strcmp(text, "overpower") == 0) {
		reading_set(r, RF_RELAY, 0);
		return 0;
	}
	item = cJSON_CreateString(text);
	if (!item) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	dj_set(r, gen1_values[i].f, item, gen1_values[i].scale, sub, err, errlen);
	cJSON_Delete(item);
	return 0;
}

static int decode_shelly(const char *topic, const char *payload, size_t len,
			 int64_t recv_ms, struct reading *out, char *err, size_t errlen)
{
	struct reading r;
	const char *sub;
	char text[16];
	int rc, b;

	memset(&r, 0, sizeof r);
	r.ts_ms = recv_ms;
	if (err && errlen > 0)
		err[0] = '\0';
	if (!topic)
		topic = "";
	if (dj_has_suffix(topic, "/online")) {
		b = dj_text(payload, len, text, sizeof text) == 0 ? dj_bool_text(text) : -1;
		if (b < 0)
			return dj_reject(out, err, errlen, "online: expected true or false");
		reading_set(&r, RF_ONLINE, b);
		rc = 0;
	} else if (dj_has_suffix(topic, "/events/rpc")) {
		rc = sh_gen2(payload, len, true, &r, err, errlen);
	} else if (strstr(topic, GEN2_STATUS)) {
		rc = sh_gen2(payload, len, false, &r, err, errlen);
	} else if (strncmp(topic, "shellies/", 9) == 0 &&
		   (sub = strchr(topic + 9, '/')) != NULL) {
		rc = sh_gen1(sub + 1, payload, len, &r, err, errlen);
	} else {
		rc = DECODE_IGNORED;
	}
	if (rc < 0)
		return dj_fail(out);
	if (rc == DECODE_IGNORED) {
		memset(out, 0, sizeof(*out));
		return DECODE_IGNORED;
	}
	*out = r;
	return 0;
}

/* Gen1: "shellies/<id>"; Gen2: "<id>/status/switch:0" (the config derives
 * that from a bare "<id>" with "gen": 2).  The generation is dev->gen. */
static int cmd_shelly(const struct device_cfg *dev, bool on, const char *client_id,
		      unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen)
{
	const char *dev_topic = dev->topic;
	const char *st = strstr(dev_topic, GEN2_STATUS);
	size_t len = st ? (size_t)(st - dev_topic) : strlen(dev_topic);

	if (dev->gen == 1) {
		if (cmd_fits(snprintf(out->topic, sizeof out->topic, "%s/relay/0/command",
				      dev_topic), sizeof out->topic, "topic", err, errlen) < 0)
			return -1;
		snprintf(out->payload, sizeof out->payload, "%s", on ? "on" : "off");
		return 0;
	}
	if (dev->gen != 2) {
		errf(err, errlen, "Shelly device %s: generation unknown (set \"gen\": 1 or 2)",
		     dev->id);
		return -1;
	}
	if (len == 0) {
		errf(err, errlen, "cannot derive a Shelly command topic from %s", dev_topic);
		return -1;
	}
	if (cmd_fits(snprintf(out->topic, sizeof out->topic, "%.*s/rpc", (int)len, dev_topic),
		     sizeof out->topic, "topic", err, errlen) < 0)
		return -1;
	/* the device answers on "<src>/rpc"; the confirmation we rely on is
	 * its status report, so nobody needs to listen there */
	return cmd_fits(snprintf(out->payload, sizeof out->payload,
				 "{\"id\":%u,\"src\":\"%s\",\"method\":\"Switch.Set\","
				 "\"params\":{\"id\":0,\"on\":%s}}", rpc_id,
				 client_id && *client_id ? client_id : "hazardd",
				 on ? "true" : "false"),
			sizeof out->payload, "payload", err, errlen);
}

/*
 * shellies/<id>/... (Gen1) is the device shellies/<id>, but for its
 * commands and announcements; <id>/status/switch:0 and <id>/events/rpc
 * (Gen2, any one-level prefix) are the device <id>/status/switch:0.
 */
static enum infer_result infer_shelly(const char *topic, char *name, size_t nlen,
				      char *dev_topic, size_t tlen)
{
	char a[TOPIC_MAX], b[TOPIC_MAX], c[TOPIC_MAX];
	int levels = 0;

	if (!topic_level(topic, 0, a, sizeof a, &levels))
		return INFER_NOT_MINE;
	if (strcmp(a, "shellies") == 0) {
		if (levels < 2 || !topic_level(topic, 1, b, sizeof b, NULL) ||
		    strcmp(b, "announce") == 0 || strcmp(b, "command") == 0 ||
		    dj_has_suffix(topic, "/command") || dj_has_suffix(topic, "/announce") ||
		    dj_has_suffix(topic, "/info"))
			return INFER_NOT_DEVICE;
		return infer_device(name, nlen, b, dev_topic, tlen, "shellies/%s", b);
	}
	if (levels == 3 && topic_level(topic, 1, b, sizeof b, NULL) &&
	    topic_level(topic, 2, c, sizeof c, NULL) &&
	    ((strcmp(b, "status") == 0 && strcmp(c, "switch:0") == 0) ||
	     (strcmp(b, "events") == 0 && strcmp(c, "rpc") == 0)))
		return infer_device(name, nlen, a, dev_topic, tlen, "%s/status/switch:0", a);
	return INFER_NOT_MINE;
}

/*
 * Gen1 reports below "shellies/<id>", Gen2 (Plus, Pro) on
 * "<id>/status/switch:0": the generation from the topic's shape, or "gen"
 * for a bare "<id>" (Gen2: its status topic is derived here).
 */
static int check_shelly(struct device_cfg *d, int gen, const char *shown,
			char *derived, const char **key, char *err, size_t errlen)
{
	const char *t = d->topic;
	const char *st = strstr(t, GEN2_STATUS);

	*key = "topic";
	if (strncmp(t, "shellies/", 9) == 0) {
		d->gen = 1;
		if (!t[9] || strchr(t + 9, '/')) {
			errf(err, errlen, "topic %s is not a Shelly Gen1 device topic "
			     "(expected shellies/<id>)", shown);
			return -1;
		}
		if (gen == 2) {
			*key = "gen";
			errf(err, errlen, "topic %s is a Gen1 topic (shellies/<id>); a Gen2 "
			     "device's is <id>/status/switch:0", shown);
			return -1;
		}
		return 0;
	}
	if (st) {
		d->gen = 2;
		if (st == t || strcmp(st, "/status/switch:0") != 0) {
			errf(err, errlen, "topic %s is not a Shelly Gen2 status topic "
			     "(expected <id>/status/switch:0)", shown);
			return -1;
		}
		if (gen == 1) {
			*key = "gen";
			errf(err, errlen, "topic %s is a Gen2 topic (<id>/status/switch:0); a "
			     "Gen1 device's is shellies/<id>", shown);
			return -1;
		}
		return 0;
	}
	if (dj_has_suffix(t, "/rpc") || dj_has_suffix(t, "/online") ||
	    dj_has_suffix(t, "/events") || t[strlen(t) - 1] == '/') {
		errf(err, errlen, "topic %s is not a Shelly device topic (expected "
		     "<id>/status/switch:0 for Gen2, shellies/<id> for Gen1)", shown);
		return -1;
	}
	if (gen == 1) {
		errf(err, errlen, "topic %s is not a Shelly Gen1 device topic "
		     "(expected shellies/<id>)", shown);
		return -1;
	}
	if (gen != 2) {
		errf(err, errlen, "topic %s is a bare prefix: a Gen2 (Plus, Pro) device "
		     "needs \"gen\": 2 (its status is read from %.*s/status/switch:0), or "
		     "use that full topic; Gen1 devices are shellies/<id>", shown, 64, t);
		return -1;
	}
	if (strlen(t) + strlen("/status/switch:0") >= TOPIC_MAX) {
		errf(err, errlen, "topic %s is too long to derive <prefix>/status/switch:0 "
		     "(max %zu bytes)", shown, (size_t)TOPIC_MAX - 1);
		return -1;
	}
	snprintf(derived, TOPIC_MAX, "%s/status/switch:0", t);
	d->gen = 2;
	return 0;
}

/* Gen1 below shellies/, Gen2 by the status and event topics of any id */
static const char *const discovery_shelly[] = {
	"shellies/#", "+/status/switch:0", "+/events/rpc", NULL
};

const struct device_format fmt_shelly = {
	.name = "shelly",
	.decode = decode_shelly,
	.routes = routes_shelly,
	.command = cmd_shelly,
	.infer = infer_shelly,
	.discovery = discovery_shelly,
	.gens = 2,
	.check_topic = check_shelly,
	.example_topic = "dev/status/switch:0",
};
