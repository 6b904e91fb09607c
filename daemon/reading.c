/* reading.c: the normalized reading and its JSON form. */
#include <math.h>
#include <stdio.h>

#include "hazardd.h"

const char *const reading_field_name[RF_COUNT] = {
	[RF_ALARM] = "alarm",       [RF_GAS] = "gas",
	[RF_SMOKE] = "smoke",       [RF_TEST] = "test",
	[RF_FAULT] = "fault",       [RF_TAMPER] = "tamper",
	[RF_GAS_LEL] = "gas_lel",   [RF_CO_PPM] = "co_ppm",
	[RF_BATTERY] = "battery",   [RF_POWER_W] = "power_w",
	[RF_CURRENT_A] = "current_a", [RF_VOLTAGE_V] = "voltage_v",
	[RF_TEMP_C] = "temp_c",     [RF_ENERGY_KWH] = "energy_kwh",
	[RF_RELAY] = "relay",
	[RF_BATTERY_LOW] = "battery_low", [RF_ONLINE] = "online",
};

const bool reading_field_is_bool[RF_COUNT] = {
	[RF_ALARM] = true, [RF_GAS] = true, [RF_SMOKE] = true, [RF_TEST] = true,
	[RF_FAULT] = true, [RF_TAMPER] = true, [RF_RELAY] = true,
	[RF_BATTERY_LOW] = true, [RF_ONLINE] = true,
};

cJSON *reading_to_json(const struct reading *r)
{
	cJSON *o = cJSON_CreateObject();
	int f;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "ts", (double)r->ts_ms);
	for (f = 0; f < RF_COUNT; f++) {
		if (!reading_has(r, f))
			continue;
		if (reading_field_is_bool[f])
			cJSON_AddBoolToObject(o, reading_field_name[f], r->val[f] != 0.0);
		else
			cJSON_AddNumberToObject(o, reading_field_name[f], r->val[f]);
	}
	return o;
}

/* Values beyond this are a broken sensor or a unit mix-up, never physics. */
#define ABSURD 1e9

/*
 * Percentages are bounded, physical magnitudes that cannot go below zero
 * are, and temperature cannot go below absolute zero.
 */
const char *reading_check(enum reading_field f, double v, char *why, size_t len)
{
	if (!isfinite(v) || fabs(v) > ABSURD) {
		snprintf(why, len, "absurd value %g", v);
		return why;
	}
	switch (f) {
	case RF_BATTERY:
	case RF_GAS_LEL:
		if (v < 0 || v > 100) {
			snprintf(why, len, "%g outside 0..100", v);
			return why;
		}
		break;
	case RF_CO_PPM:
	case RF_POWER_W:
	case RF_CURRENT_A:
	case RF_VOLTAGE_V:
	case RF_ENERGY_KWH:
		if (v < 0) {
			snprintf(why, len, "negative value %g", v);
			return why;
		}
		break;
	case RF_TEMP_C:
		if (v < -273.15) {
			snprintf(why, len, "%g below absolute zero", v);
			return why;
		}
		break;
	default:
		break;
	}
	return NULL;
}
