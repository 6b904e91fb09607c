/*
 * decode_zigbee2mqtt.c: devices bridged by zigbee2mqtt.
 *
 * A device configured with topic "zigbee2mqtt/<name>" reports its whole
 * state there as one JSON object (zigbee2mqtt caches and repeats every
 * field it knows), and the bridge publishes its availability on
 * "zigbee2mqtt/<name>/availability": the plain word online/offline (legacy)
 * or {"state":"online"}.  Commands go to ".../set" and ".../get", which we
 * do not subscribe to.
 *
 * Time: zigbee2mqtt's "last_seen" is when the bridge heard the device and
 * comes in one of three configurable formats, one without a UTC offset;
 * the receive time is as good and never ambiguous, so it is always used.
 */
#include <stdio.h>
#include <string.h>

#include "hazardd.h"

#define AVAIL_SUFFIX "/availability"

/*
 * Key names as zigbee2mqtt exposes them.  Legacy payloads nest a "device"
 * object (friendly name, IEEE address): metadata, ignored like every other
 * key not listed here (linkquality, update, enrolled, ...).
 */
static const struct dj_key z2m_keys[] = {
	{ "smoke", RF_SMOKE, 1 },
	{ "gas", RF_GAS, 1 },
	{ "alarm", RF_ALARM, 1 },
	{ "test", RF_TEST, 1 },
	{ "self_test", RF_TEST, 1 },
	{ "fault", RF_FAULT, 1 },
	{ "trouble", RF_FAULT, 1 },
	{ "tamper", RF_TAMPER, 1 },
	{ "battery", RF_BATTERY, 1 },            /* percent */
	{ "battery_low", RF_BATTERY_LOW, 1 },
	{ "gas_value", RF_GAS_LEL, 1 },          /* Tuya gas detectors, %LEL */
	{ "gas_density", RF_GAS_LEL, 1 },        /* Aqara/Xiaomi, %LEL */
	{ "power", RF_POWER_W, 1 },
	{ "current", RF_CURRENT_A, 1 },
	{ "voltage", RF_VOLTAGE_V, 1 },
	{ "energy", RF_ENERGY_KWH, 1 },          /* kWh */
	{ "temperature", RF_TEMP_C, 1 },
	/* a plug's own temperature, when it has no probe: still the best
	 * sign of an overheating charger connection it has */
	{ "device_temperature", RF_TEMP_C, 1 },
	{ "state", RF_RELAY, 1 },                /* "ON" / "OFF" */
};

int routes_zigbee2mqtt(const char *dev_topic, struct route *out, int max)
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
		cJSON_Delete(root);
	}
	if (b < 0)
		return dj_reject(out, err, errlen,
				 "availability: expected online or offline");
	reading_set(out, RF_ONLINE, b);
	return 0;
}

int decode_zigbee2mqtt(const char *topic, const char *payload, size_t len,
		       int64_t recv_ms, struct reading *out, char *err, size_t errlen)
{
	struct reading r;
	cJSON *root;

	if (dj_has_suffix(topic, AVAIL_SUFFIX))
		return z2m_availability(payload, len, recv_ms, out, err, errlen);
	root = dj_parse_object(payload, len, err, errlen);
	if (!root)
		return dj_fail(out);
	memset(&r, 0, sizeof r);
	r.ts_ms = recv_ms;
	if (dj_fields(&r, root, z2m_keys, sizeof z2m_keys / sizeof z2m_keys[0],
		      err, errlen) < 0) {
		cJSON_Delete(root);
		return dj_fail(out);
	}
	cJSON_Delete(root);
	/* zigbee2mqtt's "voltage" is volts on a plug (230) but millivolts on a
	 * battery sensor (3000); no mains or battery voltage reaches 1000 V */
	if (reading_has(&r, RF_VOLTAGE_V) && r.val[RF_VOLTAGE_V] >= 1000.0)
		r.val[RF_VOLTAGE_V] /= 1000.0;
	*out = r;
	return 0;
}
