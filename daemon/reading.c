/* reading.c: the normalized reading and its JSON form. */
#include <math.h>

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
};

const bool reading_field_is_bool[RF_COUNT] = {
	[RF_ALARM] = true, [RF_GAS] = true, [RF_SMOKE] = true, [RF_TEST] = true,
	[RF_FAULT] = true, [RF_TAMPER] = true, [RF_RELAY] = true,
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
