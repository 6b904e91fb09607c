/* reading.c: the normalized reading: field names and plausibility checks. */
#include <math.h>
#include <stdio.h>

#include "core.h"

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
	[RF_GAS_PPM] = "gas_ppm",   [RF_CO] = "carbon_monoxide",
};

const bool reading_field_is_bool[RF_COUNT] = {
	[RF_ALARM] = true, [RF_GAS] = true, [RF_SMOKE] = true, [RF_TEST] = true,
	[RF_FAULT] = true, [RF_TAMPER] = true, [RF_RELAY] = true,
	[RF_BATTERY_LOW] = true, [RF_ONLINE] = true, [RF_CO] = true,
};

const enum reading_field reading_alarm_flag[READING_ALARM_FLAGS] = {
	RF_ALARM, RF_GAS, RF_SMOKE, RF_CO, RF_FAULT, RF_TAMPER,
};

/* Values beyond this are a broken sensor or a unit mix-up, never physics. */
#define ABSURD 1e9

/*
 * Full scales.  A combustible-gas sensor reads 0-100 %LEL and a battery
 * 0-100 %; CO detectors' cells end well below 10,000 ppm (the highest
 * co_high_ppm the config accepts); no gas exceeds 1,000,000 ppm (100 %
 * by volume).  A reading above full scale means "at least this much".
 */
double reading_max(enum reading_field f)
{
	switch (f) {
	case RF_GAS_LEL:
	case RF_BATTERY:
		return 100;
	case RF_CO_PPM:
		return 10000;
	case RF_GAS_PPM:
		return 1000000;
	default:
		return 0;
	}
}

/*
 * Below the physical minimum is impossible: a concentration, a percentage,
 * power, current, voltage or energy below zero, a temperature below
 * absolute zero.  Above full scale saturates (see reading_max); a field
 * without a full scale is impossible only past ABSURD.
 */
int reading_check(enum reading_field f, double *v, char *why, size_t len)
{
	double max = reading_max(f);

	if (!isfinite(*v)) {
		snprintf(why, len, "absurd value %g", *v);
		return RCHECK_BAD;
	}
	switch (f) {
	case RF_BATTERY:
	case RF_GAS_LEL:
	case RF_CO_PPM:
	case RF_GAS_PPM:
	case RF_POWER_W:
	case RF_CURRENT_A:
	case RF_VOLTAGE_V:
	case RF_ENERGY_KWH:
		if (*v < 0) {
			snprintf(why, len, "negative value %g", *v);
			return RCHECK_BAD;
		}
		break;
	case RF_TEMP_C:
		if (*v < -273.15) {
			snprintf(why, len, "%g below absolute zero", *v);
			return RCHECK_BAD;
		}
		break;
	default:
		break;
	}
	if (max > 0) {
		if (*v > max) {
			snprintf(why, len, "%g above full scale %g", *v, max);
			*v = max;
			return RCHECK_OVER;
		}
		return RCHECK_OK;
	}
	if (fabs(*v) > ABSURD) {
		snprintf(why, len, "absurd value %g", *v);
		return RCHECK_BAD;
	}
	return RCHECK_OK;
}
