/*
 * fmt_tasmota.c: the format "tasmota", Tasmota plugs and relays
 * (ESP8266/ESP32): their payloads, topics, commands and discovery.
 *
 * A device is configured with its telemetry topic "tele/<topic>/SENSOR"
 * (energy and sensor readings, every TelePeriod).  Derived from it:
 * "tele/<topic>/STATE" (relay state as "POWER"/"POWER1"),
 * "tele/<topic>/LWT", the last will: the text Online or Offline, and
 * "stat/<topic>/RESULT", the answer to a command ({"POWER":"OFF"} right
 * after "cmnd/<topic>/POWER OFF"): how a device command is confirmed
 * without waiting for the next TelePeriod.  Only the default FullTopic
 * "%prefix%/%topic%/" is switchable; a custom one is read on the configured
 * topic alone.
 *
 * Time: Tasmota's "Time" is local time without a UTC offset unless the
 * device is set to add one (SetOption52); a time we cannot place on the
 * UTC axis is ignored and the receive time used.  A time with an explicit
 * UTC offset of zero is used as sent.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "formats.h"

/* ENERGY: the metering chip's object; Total is kWh already. */
static const struct dj_key tas_energy_keys[] = {
	{ "Power", RF_POWER_W, 1 },
	{ "Current", RF_CURRENT_A, 1 },
	{ "Voltage", RF_VOLTAGE_V, 1 },
	{ "Total", RF_ENERGY_KWH, 1 },
};

static int routes_tasmota(const char *dev_topic, struct route *out, int max)
{
	static const char *const derived[] = { "STATE", "LWT" };
	size_t stem;
	int n = 0, i;

	if (max < 3)
		return 0;
	strlcpy_hz(out[n].topic, dev_topic, sizeof out[n].topic);
	out[n++].subtree = false;
	/* a FullTopic other than the default: only the configured topic */
	if (!dj_has_suffix(dev_topic, "/SENSOR"))
		return n;
	stem = strlen(dev_topic) - strlen("SENSOR");
	for (i = 0; i < 2; i++) {
		if (snprintf(out[n].topic, sizeof out[n].topic, "%.*s%s", (int)stem,
			     dev_topic, derived[i]) >= (int)sizeof out[n].topic)
			continue;
		out[n++].subtree = false;
	}
	if (max >= 4 && strncmp(dev_topic, "tele/", 5) == 0 && stem > 6 &&
	    snprintf(out[n].topic, sizeof out[n].topic, "stat/%.*s/RESULT", (int)(stem - 6),
		     dev_topic + 5) < (int)sizeof out[n].topic)
		out[n++].subtree = false;
	return n;
}

/* Multi-channel devices send arrays ([p1, p2]): read channel 1. */
static const cJSON *tas_first(const cJSON *it)
{
	return cJSON_IsArray(it) ? cJSON_GetArrayItem(it, 0) : it;
}

static void tas_energy(struct reading *r, const cJSON *en, char *err, size_t errlen)
{
	size_t i;

	if (!cJSON_IsObject(en))
		return;
	for (i = 0; i < sizeof tas_energy_keys / sizeof tas_energy_keys[0]; i++)
		dj_set(r, tas_energy_keys[i].f,
		       tas_first(cJSON_GetObjectItemCaseSensitive(en, tas_energy_keys[i].key)),
		       1, tas_energy_keys[i].key, err, errlen);
}

/*
 * Temperature: the first sensor object with a usable "Temperature"
 * (DS18B20, SHT3X, AM2301, ...); one that is not usable is marked bad and
 * the next probe tried.  The chip's own ("ESP32") is skipped: it measures
 * the controller, not the charger.  TempUnit F is converted.
 */
static void tas_temperature(struct reading *r, const cJSON *root, char *err,
			    size_t errlen)
{
	const cJSON *it, *t, *unit = cJSON_GetObjectItemCaseSensitive(root, "TempUnit");
	bool fahrenheit = cJSON_IsString(unit) && strcmp(unit->valuestring, "F") == 0;
	char whybuf[64], what[40];
	double v;
	int rc;

	cJSON_ArrayForEach(it, root) {
		if (!cJSON_IsObject(it) || !it->string ||
		    strncmp(it->string, "ESP", 3) == 0)
			continue;
		t = cJSON_GetObjectItemCaseSensitive(it, "Temperature");
		rc = dj_number(t, &v);
		if (rc == 0)
			continue;
		if (rc < 0) {
			reading_mark_bad(r, RF_TEMP_C);
			dj_note(err, errlen, "field %s.Temperature: expected number (%s)",
				it->string, dj_describe(t, what, sizeof what));
			continue;
		}
		/* range-checked after the conversion, not before */
		if (fahrenheit)
			v = (v - 32) * 5 / 9;
		if (reading_check(RF_TEMP_C, &v, whybuf, sizeof whybuf) == RCHECK_BAD) {
			reading_mark_bad(r, RF_TEMP_C);
			dj_note(err, errlen, "field %s.Temperature: %s", it->string, whybuf);
			continue;
		}
		reading_set(r, RF_TEMP_C, v);
		return;
	}
}

static int tas_text(const char *payload, size_t len, int64_t recv_ms,
		    struct reading *out, char *err, size_t errlen)
{
	char word[16];
	int b = -1;

	memset(out, 0, sizeof(*out));
	out->ts_ms = recv_ms;
	if (dj_text(payload, len, word, sizeof word) == 0)
		b = dj_bool_text(word);
	if (b < 0)
		return dj_reject(out, err, errlen, "LWT: expected Online or Offline");
	reading_set(out, RF_ONLINE, b);
	return 0;
}

static int decode_tasmota(const char *topic, const char *payload, size_t len,
			  int64_t recv_ms, struct reading *out, char *err, size_t errlen)
{
	const cJSON *time, *power;
	struct reading r;
	cJSON *root;
	int64_t ts;
	bool state;

	if (err && errlen > 0)
		err[0] = '\0';
	if (!topic)
		topic = "";
	if (dj_has_suffix(topic, "/LWT"))
		return tas_text(payload, len, recv_ms, out, err, errlen);
	state = dj_has_suffix(topic, "/STATE") || dj_has_suffix(topic, "/RESULT");
	root = dj_parse_object(payload, len, err, errlen);
	if (!root)
		return dj_fail(out);
	memset(&r, 0, sizeof r);
	r.ts_ms = recv_ms;
	time = cJSON_GetObjectItemCaseSensitive(root, "Time");
	if (cJSON_IsString(time) && parse_iso_ms(time->valuestring, &ts) == 0)
		r.ts_ms = ts;
	if (state) {
		power = cJSON_GetObjectItemCaseSensitive(root, "POWER");
		if (!power)
			power = cJSON_GetObjectItemCaseSensitive(root, "POWER1");
		dj_set(&r, RF_RELAY, power, 1, "POWER", err, errlen);
	} else {
		tas_energy(&r, cJSON_GetObjectItemCaseSensitive(root, "ENERGY"), err, errlen);
		tas_temperature(&r, root, err, errlen);
	}
	dj_release(root);
	*out = r;
	return 0;
}

/* tele/<topic>/SENSOR -> cmnd/<topic>/POWER OFF: the default FullTopic only */
static int cmd_tasmota(const struct device_cfg *dev, bool on, const char *client_id,
		       unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen)
{
	const char *dev_topic = dev->topic;
	size_t n = strlen(dev_topic);

	if (strncmp(dev_topic, "tele/", 5) != 0 || !dj_has_suffix(dev_topic, "/SENSOR") ||
	    n <= strlen("tele//SENSOR")) {
		errf(err, errlen, "cannot derive a Tasmota command topic from %s "
		     "(expected tele/<topic>/SENSOR)", dev_topic);
		return -1;
	}
	if (cmd_fits(snprintf(out->topic, sizeof out->topic, "cmnd/%.*s/POWER",
			      (int)(n - strlen("tele/") - strlen("/SENSOR")),
			      dev_topic + strlen("tele/")),
		     sizeof out->topic, "topic", err, errlen) < 0)
		return -1;
	snprintf(out->payload, sizeof out->payload, "%s", on ? "ON" : "OFF");
	return 0;
}

/* tele/<topic>/<anything>: the device's config topic is tele/<topic>/SENSOR */
static enum infer_result infer_tasmota(const char *topic, char *name, size_t nlen,
				       char *dev_topic, size_t tlen)
{
	char a[TOPIC_MAX], b[TOPIC_MAX];
	int levels = 0;

	if (!topic_level(topic, 0, a, sizeof a, &levels) || strcmp(a, "tele") != 0)
		return INFER_NOT_MINE;
	if (levels != 3 || !topic_level(topic, 1, b, sizeof b, NULL))
		return INFER_NOT_DEVICE;
	return infer_device(name, nlen, b, dev_topic, tlen, "tele/%s/SENSOR", b);
}

/* tele/<topic>/SENSOR; a custom FullTopic elsewhere is taken as it is
 * (subscribed alone, not switchable), but not one of the default
 * FullTopic's other topics, which would never carry the sensor data. */
static int check_tasmota(struct device_cfg *d, int gen, const char *shown,
			 char *derived, const char **key, char *err, size_t errlen)
{
	const char *t = d->topic;
	bool tele = strncmp(t, "tele/", 5) == 0;

	*key = "topic";
	if ((tele && (!dj_has_suffix(t, "/SENSOR") || strlen(t) <= strlen("tele//SENSOR"))) ||
	    strncmp(t, "cmnd/", 5) == 0 || strncmp(t, "stat/", 5) == 0) {
		errf(err, errlen, "topic %s is not a Tasmota sensor topic "
		     "(expected tele/<topic>/SENSOR)", shown);
		return -1;
	}
	return 0;
}

static const char *const discovery_tasmota[] = { "tele/#", NULL };

const struct device_format fmt_tasmota = {
	.name = "tasmota",
	.decode = decode_tasmota,
	.routes = routes_tasmota,
	.command = cmd_tasmota,
	.infer = infer_tasmota,
	.discovery = discovery_tasmota,
	.check_topic = check_tasmota,
	.example_topic = "tele/dev/SENSOR",
};
