/*
 * test_adapters.c: the zigbee2mqtt, Tasmota and Shelly adapters, their
 * routes and the topic index.
 *
 * Part one is table-driven over tests/data/payloads.tsv (verbatim device
 * payloads): every row must have an expectation here and decode to exactly
 * the fields listed, no more (a missing field is never a zero).  Part two
 * covers the quirks the samples do not show.
 */
#include <stdint.h>

/* table rows leave bad and over out when they are 0 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "app.h"
#include "testing.h"

#define RECV_MS 1700000000123LL
#define END     { RF_COUNT, 0 }

struct fv {
	int    f;
	double v;
};

struct expect {
	const char *label;      /* the TSV label up to "__" */
	const char *format;
	const char *topic;
	int         rc;
	int64_t     ts_ms;      /* 0: the receive time */
	struct fv   want[12];   /* every field present, END-terminated */
	const char *payload;    /* quirk cases: the payload (TSV rows: NULL) */
	uint32_t    bad, over;  /* fields left out, fields saturated */
};
#define B(f) (1u << (f))

/* Every row of tests/data/payloads.tsv. */
static const struct expect samples[] = {
	{ "z2m_smoke_HS1SA_zb3_alarm", "zigbee2mqtt", "zigbee2mqtt/hall_smoke", 0, 0,
	  { { RF_BATTERY, 96.5 }, { RF_SMOKE, 1 }, { RF_BATTERY_LOW, 0 }, END }, NULL },
	{ "z2m_gas_HS3CG_testbutton_z2m-2.5.1", "zigbee2mqtt", "zigbee2mqtt/kitchen_gas", 0, 0,
	  { { RF_BATTERY_LOW, 0 }, { RF_GAS, 0 }, { RF_TAMPER, 0 }, END }, NULL },
	{ "z2m_plug_TS0121_2020", "zigbee2mqtt", "zigbee2mqtt/shed_plug", 0, 0,
	  { { RF_CURRENT_A, 0.07 }, { RF_ENERGY_KWH, 1.54 }, { RF_POWER_W, 0 },
	    { RF_RELAY, 1 }, { RF_VOLTAGE_V, 239 }, END }, NULL },
	{ "z2m_plug_ZNCZ04LM_get_112W", "zigbee2mqtt", "zigbee2mqtt/shed_plug", 0, 0,
	  { { RF_POWER_W, 112.7 }, { RF_RELAY, 1 }, END }, NULL },
	{ "z2m_availability_legacy_rawtext", "zigbee2mqtt",
	  "zigbee2mqtt/shed_plug/availability", 0, 0, { { RF_ONLINE, 1 }, END }, NULL },
	{ "z2m_availability_json_offline", "zigbee2mqtt",
	  "zigbee2mqtt/shed_plug/availability", 0, 0, { { RF_ONLINE, 0 }, END }, NULL },
	/* "Time" has no UTC offset: the receive time is used */
	{ "tasmota_tele_SENSOR_ENERGY_PowR2_2635W", "tasmota", "tele/pow_r2/SENSOR", 0, 0,
	  { { RF_POWER_W, 2635 }, { RF_VOLTAGE_V, 227 }, { RF_CURRENT_A, 11.661 },
	    { RF_ENERGY_KWH, 6.294 }, END }, NULL },
	{ "tasmota_tele_LWT_rawtext_lastwill", "tasmota", "tele/pow_r2/LWT", 0, 0,
	  { { RF_ONLINE, 0 }, END }, NULL },
	/* aenergy.total is Wh */
	{ "shelly_gen2_Switch.GetStatus_go-test", "shelly",
	  "shellyplus1pm-a8032ab1/status/switch:0", 0, 0,
	  { { RF_RELAY, 0 }, { RF_POWER_W, 47.11 }, { RF_VOLTAGE_V, 232 },
	    { RF_CURRENT_A, 0 }, { RF_ENERGY_KWH, 0.005125 }, { RF_TEMP_C, 25.3 }, END },
	  NULL },
	/* "state":"work" is the detector's status, not a relay */
	{ "z2m_gas_JT-BZ-01AQ_A_state_work_alarm", "zigbee2mqtt", "zigbee2mqtt/kitchen_gas", 0, 0,
	  { { RF_GAS, 1 }, { RF_GAS_LEL, 12 }, { RF_TEST, 0 }, END }, NULL },
	{ "z2m_gas_JT-BZ-01AQ_A_state_preparation", "zigbee2mqtt", "zigbee2mqtt/kitchen_gas", 0, 0,
	  { { RF_GAS, 0 }, { RF_GAS_LEL, 0 }, { RF_TEST, 0 }, END }, NULL },
	/* preheat and silence say nothing; a successful self-test: no fault */
	{ "z2m_gas_TS0601_gas_sensor_2_alarm", "zigbee2mqtt", "zigbee2mqtt/kitchen_gas", 0, 0,
	  { { RF_GAS, 1 }, { RF_GAS_LEL, 32.5 }, { RF_TEST, 0 }, { RF_FAULT, 0 }, END }, NULL },
	{ "z2m_gas_TS0601_gas_sensor_1_fault", "zigbee2mqtt", "zigbee2mqtt/kitchen_gas", 0, 0,
	  { { RF_GAS, 0 }, { RF_TEST, 0 }, { RF_FAULT, 1 }, END }, NULL },
	{ "z2m_gas_ZB-DG03_lpg_fault_enum", "zigbee2mqtt", "zigbee2mqtt/lpg", 0, 0,
	  { { RF_GAS, 0 }, { RF_FAULT, 1 }, END }, NULL },
	{ "z2m_co_DCR-CO_on", "zigbee2mqtt", "zigbee2mqtt/co", 0, 0,
	  { { RF_CO, 1 }, { RF_CO_PPM, 120 }, END }, NULL },
	{ "z2m_gas_co_DCR-RQJ", "zigbee2mqtt", "zigbee2mqtt/co", 0, 0,
	  { { RF_GAS, 0 }, { RF_GAS_LEL, 0.5 }, { RF_CO, 1 }, { RF_CO_PPM, 85.5 }, END }, NULL },
	{ "z2m_smoke_co_TS0601_smoke_co_alarm", "zigbee2mqtt", "zigbee2mqtt/hall", 0, 0,
	  { { RF_SMOKE, 1 }, { RF_BATTERY, 80 }, { RF_CO, 0 }, END }, NULL },
	{ "z2m_co_Nous_E12_idle", "zigbee2mqtt", "zigbee2mqtt/co", 0, 0,
	  { { RF_CO, 0 }, { RF_CO_PPM, 3 }, { RF_TEST, 0 }, { RF_FAULT, 0 },
	    { RF_BATTERY_LOW, 0 }, END }, NULL },
	/* the odd variants: the alarm stands whatever else is wrong */
	{ "z2m_gas_JT-BZ-01AQ_A_over_range_variant", "zigbee2mqtt", "zigbee2mqtt/kitchen_gas", 0, 0,
	  { { RF_GAS, 1 }, { RF_GAS_LEL, 100 }, { RF_TEST, 0 }, END }, NULL, 0, B(RF_GAS_LEL) },
	{ "z2m_gas_TS0601_gas_sensor_2_odd_fields_variant", "zigbee2mqtt", "zigbee2mqtt/kitchen_gas",
	  0, 0, { { RF_GAS, 1 }, END }, NULL, B(RF_GAS_LEL) | B(RF_BATTERY) | B(RF_FAULT), 0 },
	{ "z2m_smoke_HS1SA_wrong_typed_variant", "zigbee2mqtt", "zigbee2mqtt/hall_smoke", 0, 0,
	  { { RF_SMOKE, 1 }, END }, NULL, B(RF_BATTERY) | B(RF_BATTERY_LOW) | B(RF_TAMPER), 0 },
	{ "z2m_gas_state_unknown_word_variant", "zigbee2mqtt", "zigbee2mqtt/kitchen_gas", 0, 0,
	  { { RF_GAS, 1 }, { RF_GAS_LEL, 3 }, END }, NULL, B(RF_RELAY), 0 },
	{ "native_alarm_over_range_variant", "native", "site/gas", 0, 0,
	  { { RF_ALARM, 1 }, { RF_GAS_LEL, 100 }, END }, NULL, 0, B(RF_GAS_LEL) },
	{ "native_smoke_battery_na_variant", "native", "site/smoke", 0, 0,
	  { { RF_SMOKE, 1 }, END }, NULL, B(RF_BATTERY), 0 },
};

/* The quirks, each with its payload. */
static const struct expect quirks[] = {
	{ "z2m numbers and booleans as strings", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_BATTERY, 100 }, { RF_SMOKE, 1 }, { RF_TAMPER, 0 }, { RF_RELAY, 0 },
	    { RF_POWER_W, 5.5 }, END },
	  "{\"battery\":\"100.00\",\"smoke\":\"True\",\"tamper\":\"false\","
	  "\"state\":\"OFF\",\"power\":\" 5.5 \"}" },
	{ "z2m legacy nested device object ignored", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_GAS, 1 }, { RF_BATTERY, 80 }, END },
	  "{\"gas\":true,\"battery\":80,\"device\":{\"friendlyName\":\"g\","
	  "\"ieeeAddr\":\"0x00158d0001\",\"battery\":3,\"smoke\":true}}" },
	{ "z2m nulls are absent", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_SMOKE, 0 }, END },
	  "{\"battery\":null,\"smoke\":false,\"tamper\":null,\"voltage\":null}" },
	{ "z2m battery sensor voltage in millivolts", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_VOLTAGE_V, 3.025 }, { RF_BATTERY, 97 }, END },
	  "{\"voltage\":3025,\"battery\":97}" },
	{ "z2m plug voltage in volts", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_VOLTAGE_V, 239 }, END }, "{\"voltage\":239}" },
	{ "z2m test press with gas:false", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_TEST, 1 }, { RF_GAS, 0 }, END }, "{\"test\":true,\"gas\":false}" },
	{ "z2m self_test and trouble", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_TEST, 1 }, { RF_FAULT, 1 }, END },
	  "{\"self_test\":true,\"fault\":false,\"trouble\":true}" },
	{ "z2m gas_value %LEL", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_GAS_LEL, 12 }, END }, "{\"gas_value\":12}" },
	{ "z2m gas_density %LEL", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_GAS_LEL, 3.5 }, END }, "{\"gas_density\":\"3.5\"}" },
	{ "z2m temperature before device_temperature", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_TEMP_C, 41 }, END }, "{\"device_temperature\":30,\"temperature\":41}" },
	{ "z2m device_temperature alone", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_TEMP_C, 30 }, END }, "{\"device_temperature\":30}" },
	{ "z2m extra fields of every kind", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_POWER_W, 1 }, END },
	  "{\"power\":1,\"update\":{\"state\":\"idle\"},\"last_seen\":\"2024-01-01T00:00:00\","
	  "\"linkquality\":[1,2],\"x\":null,\"y\":\"z\"}" },
	{ "z2m availability JSON online", "zigbee2mqtt", "zigbee2mqtt/p/availability", 0, 0,
	  { { RF_ONLINE, 1 }, END }, "{\"state\":\"online\"}" },
	{ "z2m availability plain offline", "zigbee2mqtt", "zigbee2mqtt/p/availability", 0, 0,
	  { { RF_ONLINE, 0 }, END }, "offline" },
	{ "z2m battery as a word is left out", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { END }, "{\"battery\":\"low\"}", B(RF_BATTERY), 0 },
	{ "z2m battery 150 saturates", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_BATTERY, 100 }, END }, "{\"battery\":150}", 0, B(RF_BATTERY) },
	{ "z2m battery -3 is impossible", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_SMOKE, 1 }, END }, "{\"battery\":-3,\"smoke\":true}", B(RF_BATTERY), 0 },
	{ "z2m smoke as an object is left out", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { END }, "{\"smoke\":{\"v\":1}}", B(RF_SMOKE), 0 },
	{ "z2m state ON is the relay", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_RELAY, 1 }, END }, "{\"state\":\"on\"}" },
	{ "z2m state false is the relay", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_RELAY, 0 }, END }, "{\"state\":false}" },
	{ "z2m state alarm is an alarm", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_ALARM, 1 }, END }, "{\"state\":\"alarm\"}" },
	{ "z2m state preheat is neutral", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_GAS, 0 }, END }, "{\"state\":\"preheat\",\"gas\":false}" },
	{ "z2m battery_state low", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_BATTERY_LOW, 1 }, END }, "{\"battery_state\":\"low\"}" },
	{ "z2m battery_state charging is neutral", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { END }, "{\"battery_state\":\"charging\"}" },
	{ "z2m smoke_state alarm beside smoke false", "zigbee2mqtt", "zigbee2mqtt/s", 0, 0,
	  { { RF_SMOKE, 1 }, END }, "{\"smoke\":false,\"smoke_state\":\"alarm\"}" },
	{ "z2m smoke_state unknown word", "zigbee2mqtt", "zigbee2mqtt/s", 0, 0,
	  { END }, "{\"smoke_state\":\"fuming\"}", B(RF_SMOKE), 0 },
	{ "z2m self_test_result checking is no test press", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_GAS, 1 }, END }, "{\"self_test_result\":\"checking\",\"gas\":true}" },
	{ "z2m silence and preheat do not clear", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_GAS, 1 }, END }, "{\"silence\":true,\"preheat\":true,\"gas\":true}" },
	{ "z2m co2 is not carbon monoxide", "zigbee2mqtt", "zigbee2mqtt/a", 0, 0,
	  { END }, "{\"co2\":900}" },
	{ "z2m fault none", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_FAULT, 0 }, END }, "{\"fault\":\"none\"}" },
	{ "z2m duplicate state: the alarm word stands", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_ALARM, 1 }, END }, "{\"state\":\"work\",\"state\":\"alarm\"}",
	  B(RF_RELAY), 0 },
	{ "z2m gas_value past full scale beside gas", "zigbee2mqtt", "zigbee2mqtt/g", 0, 0,
	  { { RF_GAS, 1 }, { RF_GAS_LEL, 100 }, END }, "{\"gas\":true,\"gas_value\":250}",
	  0, B(RF_GAS_LEL) },
	{ "z2m availability gibberish is rejected", "zigbee2mqtt", "zigbee2mqtt/p/availability",
	  -1, 0, { END }, "maybe" },
	{ "z2m duplicate key: true wins, marked", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_SMOKE, 1 }, END }, "{\"smoke\":false,\"smoke\":true}", B(RF_SMOKE), 0 },
	/* keys are found by first letter (dj_index): a letter's other case
	 * shares its chain, and names sharing a letter are each still read */
	{ "z2m keys in another case are not ours", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { END }, "{\"Smoke\":true,\"GAS\":true,\"Tamper\":true}" },
	{ "z2m names sharing a first letter each read", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_TEST, 1 }, { RF_TAMPER, 1 }, { RF_TEMP_C, 21.5 }, END },
	  "{\"testing\":true,\"tamper\":true,\"temperature\":21.5,\"test\":false}" },
	{ "z2m an empty key is ignored", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_SMOKE, 1 }, END }, "{\"\":false,\"smoke\":true}" },
	{ "z2m a word key in another case is not ours", "zigbee2mqtt", "zigbee2mqtt/p", 0, 0,
	  { { RF_SMOKE, 0 }, END }, "{\"Smoke_state\":\"alarm\",\"smoke\":false}" },
	{ "native keys in another case are not ours", "native", "t/x", 0, 0,
	  { { RF_GAS_LEL, 3 }, END }, "{\"Gas_lel\":9,\"GAS\":true,\"gas_lel\":3}" },
	{ "native names sharing a first letter each read", "native", "t/x", 0, 0,
	  { { RF_CO_PPM, 4 }, { RF_CO, 1 }, { RF_CURRENT_A, 0.5 }, END },
	  "{\"current_a\":0.5,\"carbon_monoxide\":true,\"co_ppm\":4}" },
	{ "z2m array payload is rejected", "zigbee2mqtt", "zigbee2mqtt/p", -1, 0,
	  { END }, "[1,2]" },
	{ "z2m trailing data is rejected", "zigbee2mqtt", "zigbee2mqtt/p", -1, 0,
	  { END }, "{\"smoke\":true} x" },
	{ "tasmota Time with Z is used", "tasmota", "tele/p/SENSOR", 0, 1700000000000LL,
	  { { RF_POWER_W, 10 }, END },
	  "{\"Time\":\"2023-11-14T22:13:20Z\",\"ENERGY\":{\"Power\":10}}" },
	{ "tasmota numbers as strings", "tasmota", "tele/p/SENSOR", 0, 0,
	  { { RF_POWER_W, 7 }, { RF_ENERGY_KWH, 1.25 }, END },
	  "{\"Time\":\"2023-11-14T22:13:20\",\"ENERGY\":{\"Power\":\"7\",\"Total\":\"1.250\"}}" },
	{ "tasmota multi-channel power reads channel 1", "tasmota", "tele/p/SENSOR", 0, 0,
	  { { RF_POWER_W, 20 }, END }, "{\"ENERGY\":{\"Power\":[20,30]}}" },
	{ "tasmota DS18B20 temperature, ESP32 chip skipped", "tasmota", "tele/p/SENSOR", 0, 0,
	  { { RF_TEMP_C, 48.5 }, END },
	  "{\"ESP32\":{\"Temperature\":70},\"DS18B20\":{\"Id\":\"01\",\"Temperature\":48.5},"
	  "\"TempUnit\":\"C\"}" },
	{ "tasmota Fahrenheit converted", "tasmota", "tele/p/SENSOR", 0, 0,
	  { { RF_TEMP_C, 100 }, END },
	  "{\"SHT3X\":{\"Temperature\":212},\"TempUnit\":\"F\"}" },
	{ "tasmota STATE POWER", "tasmota", "tele/p/STATE", 0, 0,
	  { { RF_RELAY, 1 }, END }, "{\"Time\":\"2023-11-14T22:13:20\",\"POWER\":\"ON\"}" },
	{ "tasmota STATE POWER1", "tasmota", "tele/p/STATE", 0, 0,
	  { { RF_RELAY, 0 }, END }, "{\"POWER1\":\"OFF\",\"Wifi\":{\"RSSI\":60}}" },
	{ "tasmota LWT Online", "tasmota", "tele/p/LWT", 0, 0,
	  { { RF_ONLINE, 1 }, END }, "Online" },
	{ "tasmota negative power is left out", "tasmota", "tele/p/SENSOR", 0, 0,
	  { { RF_VOLTAGE_V, 230 }, END }, "{\"ENERGY\":{\"Power\":-5,\"Voltage\":230}}",
	  B(RF_POWER_W), 0 },
	{ "tasmota a bad probe, the next one read", "tasmota", "tele/p/SENSOR", 0, 0,
	  { { RF_TEMP_C, 40 }, END },
	  "{\"DS18B20-1\":{\"Temperature\":\"err\"},\"DS18B20-2\":{\"Temperature\":40}}",
	  B(RF_TEMP_C), 0 },
	{ "tasmota POWER as a word", "tasmota", "tele/p/STATE", 0, 0,
	  { END }, "{\"POWER\":\"BLINK\"}", B(RF_RELAY), 0 },
	{ "shelly gen2 NotifyStatus delta", "shelly", "shellyplus1pm-a1/events/rpc", 0,
	  1700000000500LL, { { RF_POWER_W, 1200 }, { RF_CURRENT_A, 5.4 }, END },
	  "{\"src\":\"shellyplus1pm-a1\",\"dst\":\"shellyplus1pm-a1/events\","
	  "\"method\":\"NotifyStatus\",\"params\":{\"ts\":1700000000.5,"
	  "\"switch:0\":{\"id\":0,\"apower\":1200,\"current\":5.4}}}" },
	{ "shelly gen2 NotifyStatus without switch: alive, nothing else", "shelly",
	  "shellyplus1pm-a1/events/rpc", 0, 0, { END },
	  "{\"method\":\"NotifyStatus\",\"params\":{\"wifi:0\":{\"rssi\":-60}}}" },
	{ "shelly gen2 NotifyEvent ignored", "shelly", "shellyplus1pm-a1/events/rpc",
	  DECODE_IGNORED, 0, { END },
	  "{\"method\":\"NotifyEvent\",\"params\":{\"events\":[]}}" },
	{ "shelly gen2 online false", "shelly", "shellyplus1pm-a1/online", 0, 0,
	  { { RF_ONLINE, 0 }, END }, "false" },
	{ "shelly gen1 relay on", "shelly", "shellies/plug-s-1/relay/0", 0, 0,
	  { { RF_RELAY, 1 }, END }, "on" },
	{ "shelly gen1 relay overpower is off", "shelly", "shellies/plug-s-1/relay/0", 0, 0,
	  { { RF_RELAY, 0 }, END }, "overpower" },
	{ "shelly gen1 power", "shelly", "shellies/plug-s-1/relay/0/power", 0, 0,
	  { { RF_POWER_W, 112.5 }, END }, "112.50" },
	{ "shelly gen1 energy watt-minutes", "shelly", "shellies/plug-s-1/relay/0/energy", 0, 0,
	  { { RF_ENERGY_KWH, 2.5 }, END }, "150000" },
	{ "shelly gen1 temperature", "shelly", "shellies/plug-s-1/temperature", 0, 0,
	  { { RF_TEMP_C, 61.2 }, END }, "61.2" },
	{ "shelly gen1 online", "shelly", "shellies/plug-s-1/online", 0, 0,
	  { { RF_ONLINE, 1 }, END }, "true" },
	{ "shelly gen1 smoke", "shelly", "shellies/smoke-1/sensor/smoke", 0, 0,
	  { { RF_SMOKE, 1 }, END }, "true" },
	{ "shelly gas mild", "shelly", "shellies/gas-1/sensor/gas", 0, 0,
	  { { RF_GAS, 1 }, END }, "mild" },
	{ "shelly gas test", "shelly", "shellies/gas-1/sensor/gas", 0, 0,
	  { { RF_TEST, 1 }, END }, "test" },
	{ "shelly gas concentration in ppm", "shelly",
	  "shellies/gas-1/sensor/concentration", 0, 0, { { RF_GAS_PPM, 1000 }, END }, "1000" },
	{ "shelly gas operation fault", "shelly", "shellies/gas-1/sensor/operation", 0, 0,
	  { { RF_FAULT, 1 }, END }, "fault" },
	{ "shelly gen1 command ignored", "shelly", "shellies/plug-s-1/relay/0/command",
	  DECODE_IGNORED, 0, { END }, "off" },
	{ "shelly gen1 announce ignored", "shelly", "shellies/plug-s-1/announce",
	  DECODE_IGNORED, 0, { END }, "{\"id\":\"plug-s-1\"}" },
	{ "shelly gen1 power as a word is left out", "shelly",
	  "shellies/plug-s-1/relay/0/power", 0, 0, { END }, "lots", B(RF_POWER_W), 0 },
	{ "shelly gas unknown word is left out", "shelly", "shellies/gas-1/sensor/gas", 0, 0,
	  { END }, "boom", B(RF_GAS), 0 },
	{ "shelly gen2 bad apower beside output", "shelly", "s1/status/switch:0", 0, 0,
	  { { RF_RELAY, 1 }, END }, "{\"output\":true,\"apower\":\"n/a\"}", B(RF_POWER_W), 0 },
	{ "shelly gen2 params not an object is unreadable", "shelly", "s1/events/rpc", -1, 0,
	  { END }, "{\"method\":\"NotifyStatus\",\"params\":3}" },
};

/*
 * Decode from an exact-size heap copy with no terminator, so ASan sees any
 * read past the payload; out starts as junk.
 */
static int run_decode(const struct device_format *dec, const char *topic,
		      const char *payload, size_t len, struct reading *out,
		      char *err, size_t errlen)
{
	char *buf = malloc(len ? len : 1);
	int rc;

	if (!buf)
		abort();
	memcpy(buf, payload, len);
	memset(out, 0xa5, sizeof(*out));
	err[0] = '\0';
	rc = dec->decode(topic, buf, len, RECV_MS, out, err, errlen);
	free(buf);
	return rc;
}

static void check_expect(const struct expect *e, const char *payload, size_t len)
{
	const struct device_format *dec = format_find(e->format);
	struct reading r;
	char err[128], name[256];
	uint32_t want = 0;
	int i, rc;

	snprintf(name, sizeof name, "%s: format %s known", e->label, e->format);
	CHECK(name, dec != NULL);
	if (!dec)
		return;
	rc = run_decode(dec, e->topic, payload, len, &r, err, sizeof err);
	snprintf(name, sizeof name, "%s: rc (err \"%s\")", e->label, err);
	CHECK_INT(name, rc, e->rc);
	if (rc < 0) {
		snprintf(name, sizeof name, "%s: rejection says why", e->label);
		CHECK(name, err[0] != '\0');
		snprintf(name, sizeof name, "%s: rejection leaves nothing present", e->label);
		CHECK_INT(name, r.present, 0);
		return;
	}
	if (rc == DECODE_IGNORED) {
		snprintf(name, sizeof name, "%s: ignored leaves nothing present", e->label);
		CHECK_INT(name, r.present, 0);
		return;
	}
	for (i = 0; e->want[i].f != RF_COUNT; i++) {
		want |= 1u << e->want[i].f;
		snprintf(name, sizeof name, "%s: %s", e->label,
			 reading_field_name[e->want[i].f]);
		if (reading_has(&r, e->want[i].f))
			CHECK_DBL(name, r.val[e->want[i].f], e->want[i].v);
		else
			CHECK(name, !"field absent");
	}
	snprintf(name, sizeof name, "%s: no other field present", e->label);
	CHECK_INT(name, r.present, want);
	snprintf(name, sizeof name, "%s: fields left out (err \"%s\")", e->label, err);
	CHECK_INT(name, r.bad, e->bad);
	snprintf(name, sizeof name, "%s: a reason for each left out", e->label);
	CHECK(name, (e->bad != 0) == (err[0] != '\0'));
	snprintf(name, sizeof name, "%s: fields saturated", e->label);
	CHECK_INT(name, r.over, e->over);
	snprintf(name, sizeof name, "%s: ts", e->label);
	CHECK_INT(name, r.ts_ms, e->ts_ms ? e->ts_ms : RECV_MS);
}

static const char *data_path(void)
{
	static char path[PATH_MAX_HZ];
	const char *top = getenv("TOP");

	snprintf(path, sizeof path, "%s/tests/data/payloads.tsv", top ? top : ".");
	return path;
}

static void test_samples(void)
{
	bool used[sizeof samples / sizeof samples[0]] = { false };
	char line[4096], name[256];
	FILE *f = fopen(data_path(), "r");
	size_t i, rows = 0;

	CHECK("payloads.tsv opens", f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *tab, *cut, *payload;
		size_t len;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		payload = tab + 1;
		cut = strstr(line, "__");
		if (cut)
			*cut = '\0';
		len = strlen(payload);
		/* _rawtext: the MQTT payload is the text inside the quotes */
		if (strstr(line, "_rawtext") && len >= 2 && payload[0] == '"' &&
		    payload[len - 1] == '"') {
			payload++;
			len -= 2;
		}
		rows++;
		for (i = 0; i < sizeof samples / sizeof samples[0]; i++)
			if (strcmp(samples[i].label, line) == 0)
				break;
		snprintf(name, sizeof name, "payloads.tsv row %.120s has an expectation", line);
		CHECK(name, i < sizeof samples / sizeof samples[0]);
		if (i == sizeof samples / sizeof samples[0])
			continue;
		used[i] = true;
		check_expect(&samples[i], payload, len);
	}
	fclose(f);
	CHECK("payloads.tsv has rows", rows >= sizeof samples / sizeof samples[0]);
	for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		snprintf(name, sizeof name, "expectation %s found its row", samples[i].label);
		CHECK(name, used[i]);
	}
}

static void test_quirks(void)
{
	size_t i;

	for (i = 0; i < sizeof quirks / sizeof quirks[0]; i++)
		check_expect(&quirks[i], quirks[i].payload, strlen(quirks[i].payload));
}

/* NUL bytes, empty and truncated payloads, on every topic kind. */
static void test_framing(void)
{
	static const char *const topics[][2] = {
		{ "zigbee2mqtt", "zigbee2mqtt/p" }, { "zigbee2mqtt", "zigbee2mqtt/p/availability" },
		{ "tasmota", "tele/p/SENSOR" }, { "tasmota", "tele/p/LWT" },
		{ "shelly", "s1/status/switch:0" }, { "shelly", "s1/events/rpc" },
		{ "shelly", "shellies/p/relay/0/power" }, { "shelly", "s1/online" },
	};
	static const struct { const char *p; size_t len; } bad[] = {
		{ "", 0 }, { "{\"smoke\":true}\0junk", 19 }, { "{\"smoke\": tr", 12 },
		{ "on\0", 3 },
	};
	struct reading r;
	char err[128], name[160];
	size_t i, j;

	for (i = 0; i < sizeof topics / sizeof topics[0]; i++)
		for (j = 0; j < sizeof bad / sizeof bad[0]; j++) {
			snprintf(name, sizeof name, "framing: %s bad payload %zu rejected",
				 topics[i][1], j);
			/* a Gen1 value topic carries one word, not JSON: a
			 * truncated object there is a value that is no number */
			if (j == 2 && strncmp(topics[i][1], "shellies/", 9) == 0) {
				CHECK_INT(name, run_decode(format_find(topics[i][0]),
							   topics[i][1], bad[j].p, bad[j].len,
							   &r, err, sizeof err), 0);
				CHECK_INT(name, r.bad, B(RF_POWER_W));
				continue;
			}
			CHECK_INT(name, run_decode(format_find(topics[i][0]), topics[i][1],
						   bad[j].p, bad[j].len, &r, err, sizeof err), -1);
		}
}

static void test_routes(void)
{
	struct route rt[ROUTES_MAX];
	int n;

	n = format_routes(format_find("zigbee2mqtt"), "zigbee2mqtt/kitchen gas", rt,
			   ROUTES_MAX);
	CHECK_INT("z2m routes: two", n, 2);
	CHECK_STR("z2m routes: state", rt[0].topic, "zigbee2mqtt/kitchen gas");
	CHECK_STR("z2m routes: availability", rt[1].topic,
		  "zigbee2mqtt/kitchen gas/availability");
	CHECK("z2m routes: exact", !rt[0].subtree && !rt[1].subtree);

	n = format_routes(format_find("tasmota"), "tele/pow_r2/SENSOR", rt, ROUTES_MAX);
	CHECK_INT("tasmota routes: four", n, 4);
	CHECK_STR("tasmota routes: SENSOR", rt[0].topic, "tele/pow_r2/SENSOR");
	CHECK_STR("tasmota routes: STATE", rt[1].topic, "tele/pow_r2/STATE");
	CHECK_STR("tasmota routes: LWT", rt[2].topic, "tele/pow_r2/LWT");
	CHECK_STR("tasmota routes: command RESULT", rt[3].topic, "stat/pow_r2/RESULT");
	n = format_routes(format_find("tasmota"), "pow/tele", rt, ROUTES_MAX);
	CHECK_INT("tasmota routes: custom FullTopic is the topic alone", n, 1);

	n = format_routes(format_find("shelly"), "shellyplus1pm-a1/status/switch:0", rt,
			   ROUTES_MAX);
	CHECK_INT("shelly gen2 routes: three", n, 3);
	CHECK_STR("shelly gen2 routes: events", rt[1].topic, "shellyplus1pm-a1/events/rpc");
	CHECK_STR("shelly gen2 routes: online", rt[2].topic, "shellyplus1pm-a1/online");
	n = format_routes(format_find("shelly"), "shellies/plug-s-1", rt, ROUTES_MAX);
	CHECK_INT("shelly gen1 routes: one subtree", n, 1);
	CHECK("shelly gen1 routes: subtree", rt[0].subtree);

	n = format_routes(format_find("native"), "t/x", rt, ROUTES_MAX);
	CHECK_INT("native routes: the topic alone", n, 1);
	CHECK_STR("native routes: topic", rt[0].topic, "t/x");
}

static void add_dev(struct config *cfg, const char *id, const char *fmt,
		    const char *topic)
{
	struct device_cfg *d = &cfg->devices[cfg->n_devices++];

	/* the strings are the caller's: they outlive the index built */
	*d = (struct device_cfg)DEVICE_CFG_BLANK;
	d->id = id;
	d->format = fmt;
	d->topic = topic;
}

static void test_devindex(void)
{
	static const struct { const char *topic; int dev; } cases[] = {
		{ "zigbee2mqtt/smoke", 0 }, { "zigbee2mqtt/smoke/availability", 0 },
		{ "zigbee2mqtt/smoke/set", -1 }, { "zigbee2mqtt", -1 },
		{ "tele/pow/SENSOR", 1 }, { "tele/pow/LWT", 1 }, { "tele/pow/STATE", 1 },
		{ "tele/pow/RESULT", -1 }, { "stat/pow/RESULT", 1 },
		{ "sp1/status/switch:0", 2 }, { "sp1/events/rpc", 2 }, { "sp1/online", 2 },
		{ "shellies/plug", 3 }, { "shellies/plug/relay/0/power", 3 },
		{ "shellies/plug/online", 3 }, { "shellies/plugx/relay/0", -1 },
		{ "shellies/plug/extra", 4 }, { "shellies/plug/extra/deeper", 3 },
		{ "t/native", 5 }, { "t/native/availability", -1 }, { "", -1 }, { "/", -1 },
	};
	struct device_cfg devs[8];
	struct config cfg;
	struct devindex *ix;
	const struct device_format *dec = NULL;
	char err[256], name[160];
	size_t i;
	int n;

	memset(&cfg, 0, sizeof cfg);
	cfg.devices = devs;
	add_dev(&cfg, "z-smoke", "zigbee2mqtt", "zigbee2mqtt/smoke");
	add_dev(&cfg, "t-pow", "tasmota", "tele/pow/SENSOR");
	add_dev(&cfg, "s-gen2", "shelly", "sp1/status/switch:0");
	add_dev(&cfg, "s-gen1", "shelly", "shellies/plug");
	add_dev(&cfg, "n-under", "native", "shellies/plug/extra");
	add_dev(&cfg, "n-plain", "native", "t/native");
	ix = devindex_new(&cfg, err, sizeof err);
	CHECK("devindex builds", ix != NULL);
	if (!ix)
		return;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(name, sizeof name, "devindex: \"%s\" -> %d", cases[i].topic,
			 cases[i].dev);
		CHECK_INT(name, devindex_find(ix, cases[i].topic, NULL), cases[i].dev);
	}
	devindex_find(ix, "tele/pow/LWT", &dec);
	CHECK("devindex: decoder of a derived topic", dec == format_find("tasmota"));
	CHECK("devindex_device: config entry",
	      devindex_device(ix, &cfg, "sp1/online") == &devs[2]);
	/* one lookup: the device's index and its format, as devindex_device
	 * and format_find(dev->format) give them (intake_class.c) */
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct device_cfg *d = devindex_device(ix, &cfg, cases[i].topic);

		dec = NULL;
		snprintf(name, sizeof name, "devindex_find: \"%s\" -> %d, its format",
			 cases[i].topic, cases[i].dev);
		CHECK(name, devindex_find(ix, cases[i].topic, &dec) == cases[i].dev &&
		      dec == (d ? format_find(d->format) : NULL));
	}
	{
		/* a format this build lacks: the device is found, no format */
		struct device_cfg odd[1];
		struct config c2;
		struct devindex *ix2;

		memset(&c2, 0, sizeof c2);
		c2.devices = odd;
		add_dev(&c2, "x-1", "nosuch", "x/1");
		ix2 = devindex_new(&c2, err, sizeof err);
		dec = format_find("native");
		CHECK("devindex_find: unsupported format: device 0, no format",
		      ix2 && devindex_find(ix2, "x/1", &dec) == 0 && dec == NULL);
		devindex_free(ix2);
	}
	n = devindex_n_filters(ix);
	CHECK_INT("devindex: one filter per route", n, 2 + 4 + 3 + 1 + 1 + 1);
	for (i = 0; i < (size_t)n; i++)
		if (strcmp(devindex_filter(ix, (int)i), "shellies/plug/#") == 0)
			break;
	CHECK("devindex: gen1 subscribes to its subtree", i < (size_t)n);
	devindex_free(ix);

	/* a derived topic colliding with another device's is refused */
	memset(&cfg, 0, sizeof cfg);
	cfg.devices = devs;
	add_dev(&cfg, "z-a", "zigbee2mqtt", "zigbee2mqtt/a");
	add_dev(&cfg, "n-b", "native", "zigbee2mqtt/a/availability");
	err[0] = '\0';
	ix = devindex_new(&cfg, err, sizeof err);
	CHECK("devindex: collision refused", ix == NULL);
	CHECK_CONTAINS("devindex: collision names both devices", err, "z-a and n-b");
	devindex_free(ix);
}

/* Lookups stay correct at 10,000 devices (the benchmark measures speed). */
static void test_devindex_many(void)
{
	enum { N = 10000 };
	struct device_cfg *devs = calloc(N, sizeof *devs);
	char (*topics)[64] = calloc(N, sizeof *topics);
	struct config cfg;
	struct devindex *ix;
	char topic[64], err[128];
	int i, wrong = 0;

	if (!devs || !topics)
		abort();
	memset(&cfg, 0, sizeof cfg);
	cfg.devices = devs;
	for (i = 0; i < N; i++) {
		snprintf(topics[i], sizeof topics[i], "zigbee2mqtt/dev-%d", i);
		add_dev(&cfg, "d", "zigbee2mqtt", topics[i]);
	}
	ix = devindex_new(&cfg, err, sizeof err);
	CHECK("devindex 10k: builds", ix != NULL);
	for (i = 0; ix && i < N; i++) {
		snprintf(topic, sizeof topic, "zigbee2mqtt/dev-%d/availability", i);
		wrong += devindex_find(ix, topic, NULL) != i;
	}
	CHECK_INT("devindex 10k: every availability topic finds its device", wrong, 0);
	devindex_free(ix);
	free(devs);
	free(topics);
}

int main(void)
{
	test_samples();
	test_quirks();
	test_framing();
	test_routes();
	test_devindex();
	test_devindex_many();
	TEST_DONE();
}
