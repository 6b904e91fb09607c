/*
 * fmt_zigbee2mqtt.c: the format "zigbee2mqtt", devices bridged by
 * zigbee2mqtt: their payloads, topics, commands and discovery.
 *
 * A device configured with topic "zigbee2mqtt/<name>" reports its whole
 * state there as one JSON object (zigbee2mqtt caches and repeats every
 * field it knows), and the bridge publishes its availability on
 * "zigbee2mqtt/<name>/availability": the plain word online/offline (legacy)
 * or {"state":"online"}.  Commands go to ".../set" and ".../get", which we
 * do not subscribe to; a plug is switched with {"state":"ON"|"OFF"} on
 * ".../set".
 *
 * Time: zigbee2mqtt's "last_seen" is when the bridge heard the device and
 * comes in one of three configurable formats, one without a UTC offset;
 * the receive time is as good and never ambiguous, so it is always used.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "formats.h"

#define AVAIL_SUFFIX "/availability"

/*
 * Key names as zigbee2mqtt's converters expose them (zigbee-herdsman-
 * converters: e.gas(), e.smoke(), e.carbon_monoxide(), e.co(), Tuya's
 * gasValue, faultAlarm, selfTestResult, batteryState).  Legacy payloads
 * nest a "device" object (friendly name, IEEE address): metadata, ignored
 * like every other key not listed here (linkquality, update, enrolled,
 * preheat and warming_up: a warming sensor is not in alarm, silence: a
 * muted buzzer is not a clear, co2: air quality, not carbon monoxide).
 */
static const struct dj_key z2m_keys[] = {
	{ "smoke", RF_SMOKE, 1 },
	{ "gas", RF_GAS, 1 },
	{ "alarm", RF_ALARM, 1 },
	{ "carbon_monoxide", RF_CO, 1 },         /* CO alarm flag */
	{ "test", RF_TEST, 1 },
	{ "self_test", RF_TEST, 1 },
	{ "testing", RF_TEST, 1 },
	{ "fault_alarm", RF_FAULT, 1 },          /* Tuya gas sensors */
	{ "trouble", RF_FAULT, 1 },
	{ "end_of_life", RF_FAULT, 1 },          /* sensor past its service life */
	{ "tamper", RF_TAMPER, 1 },
	{ "battery", RF_BATTERY, 1 },            /* percent */
	{ "battery_low", RF_BATTERY_LOW, 1 },
	/* Tuya gas_value is %LEL on the models whose converter says "LEL"
	 * (TS0601_gas_sensor_2 and _4, DCR-RQJ); ZG-225Z says ppm, which a
	 * payload cannot tell apart (docs/devices.md) */
	{ "gas_value", RF_GAS_LEL, 1 },
	{ "gas_density", RF_GAS_LEL, 1 },        /* Aqara JT-BZ-01AQ/A, %LEL */
	{ "co", RF_CO_PPM, 1 },                  /* e.co(): ppm */
	{ "carbon_monoxide_value", RF_CO_PPM, 1 },
	{ "co_ppm", RF_CO_PPM, 1 },
	{ "power", RF_POWER_W, 1 },
	{ "current", RF_CURRENT_A, 1 },
	{ "voltage", RF_VOLTAGE_V, 1 },
	{ "energy", RF_ENERGY_KWH, 1 },          /* kWh */
	{ "temperature", RF_TEMP_C, 1 },
	/* a plug's own temperature, when it has no probe: still the best
	 * sign of an overheating charger connection it has */
	{ "device_temperature", RF_TEMP_C, 1 },
};

/*
 * Keys whose value is a word.  Each word sets a field to 0 or 1, or is a
 * neutral status (NEUTRAL: read, nothing set, no error).  A word not in
 * the table is unknown: the key's field is marked bad.
 */
#define NEUTRAL (-1)
struct z2m_word {
	const char *word;
	enum reading_field f;
	int v;
};
struct z2m_enum {
	const char *key;
	enum reading_field f;   /* booleans (and on/off for state) and bad marks */
	const struct z2m_word *words;
};

/* "state" is a relay only as ON/OFF; on a detector it is a status:
 * Aqara's natural-gas detector sends "work" or "preparation" (warm-up). */
static const struct z2m_word state_words[] = {
	{ "on", RF_RELAY, 1 }, { "off", RF_RELAY, 0 },
	{ "true", RF_RELAY, 1 }, { "false", RF_RELAY, 0 },
	{ "alarm", RF_ALARM, 1 },
	{ "work", RF_RELAY, NEUTRAL }, { "preparation", RF_RELAY, NEUTRAL },
	{ "preheat", RF_RELAY, NEUTRAL }, { "normal", RF_RELAY, NEUTRAL },
	{ NULL, RF_COUNT, 0 },
};
/* Spacetronik ZB-DG03 (LPG): "fault" is an enum, elsewhere a boolean */
static const struct z2m_word fault_words[] = {
	{ "none", RF_FAULT, 0 }, { "fault", RF_FAULT, 1 },
	{ "serious_fault", RF_FAULT, 1 }, { "sensor_fault", RF_FAULT, 1 },
	{ "probe_fault", RF_FAULT, 1 }, { "power_fault", RF_FAULT, 1 },
	{ NULL, RF_COUNT, 0 },
};
/* Tuya: checking while the test runs; a cached "checking" must not
 * suppress a later alarm, so it is not read as a test press */
static const struct z2m_word self_test_result_words[] = {
	{ "success", RF_FAULT, 0 }, { "failure", RF_FAULT, 1 },
	{ "checking", RF_FAULT, NEUTRAL }, { "others", RF_FAULT, NEUTRAL },
	{ NULL, RF_COUNT, 0 },
};
/* Tuya batteryState; a few devices use the key for charging status */
static const struct z2m_word battery_state_words[] = {
	{ "low", RF_BATTERY_LOW, 1 }, { "medium", RF_BATTERY_LOW, 0 },
	{ "middle", RF_BATTERY_LOW, 0 }, { "high", RF_BATTERY_LOW, 0 },
	{ "no_charge", RF_BATTERY_LOW, NEUTRAL }, { "charging", RF_BATTERY_LOW, NEUTRAL },
	{ "charged", RF_BATTERY_LOW, NEUTRAL },
	{ NULL, RF_COUNT, 0 },
};
/* Tuya dual smoke/CO alarm */
static const struct z2m_word smoke_state_words[] = {
	{ "alarm", RF_SMOKE, 1 }, { "none", RF_SMOKE, 0 },
	{ "detecting", RF_SMOKE, NEUTRAL }, { "unknown", RF_SMOKE, NEUTRAL },
	{ NULL, RF_COUNT, 0 },
};

static const struct z2m_enum z2m_enums[] = {
	{ "state", RF_RELAY, state_words },
	{ "fault", RF_FAULT, fault_words },
	{ "self_test_result", RF_FAULT, self_test_result_words },
	{ "battery_state", RF_BATTERY_LOW, battery_state_words },
	{ "smoke_state", RF_SMOKE, smoke_state_words },
};

/* One word-valued key into one (a fresh reading). */
static void z2m_enum_value(struct reading *one, const struct z2m_enum *e,
			   const cJSON *it, char *err, size_t errlen)
{
	const struct z2m_word *w;
	char what[40];

	if (cJSON_IsNull(it))
		return;
	if (cJSON_IsBool(it)) {         /* {"state": true}, {"fault": false} */
		reading_set(one, e->f, cJSON_IsTrue(it));
		return;
	}
	if (cJSON_IsString(it))
		for (w = e->words; w->word; w++)
			if (strcasecmp(w->word, it->valuestring) == 0) {
				if (w->v != NEUTRAL)
					reading_set(one, w->f, w->v);
				return;
			}
	reading_mark_bad(one, e->f);
	dj_note(err, errlen, "field %s: unknown value (%s)", e->key,
		dj_describe(it, what, sizeof what));
}

static void z2m_enum_field(struct reading *r, const cJSON *obj,
			   const struct z2m_enum *e, char *err, size_t errlen)
{
	const cJSON *it, *found;
	struct reading one;
	bool dup;
	int f;

	found = dj_member(obj, e->key, &dup);
	if (!found)
		return;
	memset(&one, 0, sizeof one);
	if (dup) {
		reading_mark_bad(&one, e->f);
		dj_note(err, errlen, "field %s: duplicate key", e->key);
	}
	/* every duplicate is read: flags merge true-wins, so an alarm word
	 * among them stands */
	cJSON_ArrayForEach(it, obj) {
		struct reading v;

		if (!it->string || strcmp(it->string, e->key) != 0)
			continue;
		memset(&v, 0, sizeof v);
		z2m_enum_value(&v, e, it, err, errlen);
		for (f = 0; f < RF_COUNT; f++)
			dj_merge_field(&one, &v, f);
	}
	for (f = 0; f < RF_COUNT; f++)
		dj_merge_field(r, &one, f);
}

/* Which of z2m_enums are among obj's members, as bits: one walk, where
 * asking for each key walked the members once per key, and most payloads
 * have none of them. */
static unsigned z2m_enums_present(const cJSON *obj)
{
	struct dj_index x;
	const cJSON *it;
	unsigned k, present = 0;

	dj_index_clear(&x);
	for (k = sizeof z2m_enums / sizeof z2m_enums[0]; k-- > 0; )
		dj_index_add(&x, k, z2m_enums[k].key);
	cJSON_ArrayForEach(it, obj) {
		if (!it->string)
			continue;
		for (k = dj_index_first(&x, it->string[0]); k != DJ_INDEX_END; k = x.next[k])
			if (strcmp(it->string, z2m_enums[k].key) == 0)
				present |= 1u << k;
	}
	return present;
}

static int routes_zigbee2mqtt(const char *dev_topic, struct route *out, int max)
{
	if (max < 2)
		return 0;
	strlcpy_hz(out[0].topic, dev_topic, sizeof out[0].topic);
	out[0].subtree = false;
	if (snprintf(out[1].topic, sizeof out[1].topic, "%s" AVAIL_SUFFIX,
		     dev_topic) >= (int)sizeof out[1].topic)
		return 1;       /* too long to subscribe: silence still counts */
	out[1].subtree = false;
	return 2;
}

static int z2m_availability(const char *payload, size_t len, int64_t recv_ms,
			    struct reading *out, char *err, size_t errlen)
{
	char word[16];
	const cJSON *st;
	cJSON *root;
	int b = -1;

	memset(out, 0, sizeof(*out));
	out->ts_ms = recv_ms;
	if (dj_text(payload, len, word, sizeof word) == 0 && word[0] != '{') {
		b = dj_bool_text(word);
	} else {
		root = dj_parse(payload, len, err, errlen);
		if (!root)
			return dj_fail(out);
		st = cJSON_GetObjectItemCaseSensitive(root, "state");
		if (cJSON_IsString(st))
			b = dj_bool_text(st->valuestring);
		dj_release(root);
	}
	if (b < 0)
		return dj_reject(out, err, errlen,
				 "availability: expected online or offline");
	reading_set(out, RF_ONLINE, b);
	return 0;
}

static int decode_zigbee2mqtt(const char *topic, const char *payload, size_t len,
			      int64_t recv_ms, struct reading *out, char *err,
			      size_t errlen)
{
	struct reading r;
	cJSON *root;
	unsigned present;
	size_t i;

	if (err && errlen > 0)
		err[0] = '\0';
	if (dj_has_suffix(topic, AVAIL_SUFFIX))
		return z2m_availability(payload, len, recv_ms, out, err, errlen);
	root = dj_parse_object(payload, len, err, errlen);
	if (!root)
		return dj_fail(out);
	memset(&r, 0, sizeof r);
	r.ts_ms = recv_ms;
	dj_fields(&r, root, z2m_keys, sizeof z2m_keys / sizeof z2m_keys[0], err, errlen);
	present = z2m_enums_present(root);
	for (i = 0; i < sizeof z2m_enums / sizeof z2m_enums[0]; i++)
		if ((present >> i) & 1u)
			z2m_enum_field(&r, root, &z2m_enums[i], err, errlen);
	dj_release(root);
	/* zigbee2mqtt's "voltage" is volts on a plug (230) but millivolts on a
	 * battery sensor (3000); no mains or battery voltage reaches 1000 V */
	if (reading_has(&r, RF_VOLTAGE_V) && r.val[RF_VOLTAGE_V] >= 1000.0)
		r.val[RF_VOLTAGE_V] /= 1000.0;
	*out = r;
	return 0;
}

/* zigbee2mqtt/<name>/set {"state":"OFF"} */
static int cmd_zigbee2mqtt(const struct device_cfg *dev, bool on, const char *client_id,
			   unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen)
{
	if (cmd_fits(snprintf(out->topic, sizeof out->topic, "%s/set", dev->topic),
		     sizeof out->topic, "topic", err, errlen) < 0)
		return -1;
	snprintf(out->payload, sizeof out->payload, "{\"state\":\"%s\"}", on ? "ON" : "OFF");
	return 0;
}

/* zigbee2mqtt/<name> or its availability; the bridge's own topics and the
 * commands (/set, /get) are no device's */
static enum infer_result infer_zigbee2mqtt(const char *topic, char *name, size_t nlen,
					   char *dev_topic, size_t tlen)
{
	char a[TOPIC_MAX], b[TOPIC_MAX];
	int levels = 0;

	if (!topic_level(topic, 0, a, sizeof a, &levels) || strcmp(a, "zigbee2mqtt") != 0)
		return INFER_NOT_MINE;
	if (!topic_level(topic, 1, b, sizeof b, NULL) || strcmp(b, "bridge") == 0)
		return INFER_NOT_DEVICE;
	if (levels > 3 || (levels == 3 && !dj_has_suffix(topic, AVAIL_SUFFIX)))
		return INFER_NOT_DEVICE;
	return infer_device(name, nlen, b, dev_topic, tlen, "zigbee2mqtt/%s", b);
}

/* zigbee2mqtt/<friendly name> (or the bridge's own base_topic/<name>): the
 * device's state topic, not the bridge's, nor a command or availability. */
static int check_zigbee2mqtt(struct device_cfg *d, int gen, const char *shown,
			     char *derived, const char **key, char *err,
			     size_t errlen)
{
	static const char *const not_state[] = { "/set", "/get", AVAIL_SUFFIX };
	const char *t = d->topic, *slash = strchr(t, '/');
	size_t i;

	*key = "topic";
	if (!slash || slash == t || !slash[1] || t[strlen(t) - 1] == '/') {
		errf(err, errlen, "topic %s is not a zigbee2mqtt device topic "
		     "(expected zigbee2mqtt/<friendly name>)", shown);
		return -1;
	}
	if (strcmp(slash + 1, "bridge") == 0 || strncmp(slash + 1, "bridge/", 7) == 0) {
		errf(err, errlen, "topic %s is the zigbee2mqtt bridge's, not a device's "
		     "(expected zigbee2mqtt/<friendly name>)", shown);
		return -1;
	}
	for (i = 0; i < sizeof not_state / sizeof not_state[0]; i++) {
		if (dj_has_suffix(t, not_state[i])) {
			errf(err, errlen, "topic %s ends in %s: configure the device's state "
			     "topic (expected zigbee2mqtt/<friendly name>; %s is derived)",
			     shown, not_state[i], not_state[i]);
			return -1;
		}
	}
	return 0;
}

static const char *const discovery_zigbee2mqtt[] = { "zigbee2mqtt/#", NULL };

const struct device_format fmt_zigbee2mqtt = {
	.name = "zigbee2mqtt",
	.decode = decode_zigbee2mqtt,
	.routes = routes_zigbee2mqtt,
	.command = cmd_zigbee2mqtt,
	.infer = infer_zigbee2mqtt,
	.discovery = discovery_zigbee2mqtt,
	.check_topic = check_zigbee2mqtt,
	.example_topic = "zigbee2mqtt/dev",
};
