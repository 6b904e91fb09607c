/*
 * decode_shelly.c: Shelly plugs, relays and detectors, both generations.
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

int routes_shelly(const char *dev_topic, struct route *out, int max)
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
	cJSON_Delete(root);
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

int decode_shelly(const char *topic, const char *payload, size_t len,
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
