/*
 * test_infer_kind.c: a device's kind and config entry from what it
 * publishes (drivers/formats/infer_kind.c), on the real payloads of
 * tests/data/payloads.tsv (zigbee2mqtt detectors and plugs, a Tasmota
 * POW, a Shelly Gen2 plug) and Shelly Gen1's per-value topics as its
 * documentation gives them; then the unknown-sender table gathering the
 * fields over several messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "testing.h"

/* The payload of the row whose label starts with label, or NULL. */
static const char *sample(const char *label)
{
	static char line[4096];
	const char *top = getenv("TOP");
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/data/payloads.tsv", top ? top : ".");
	if (!(f = fopen(path, "r")))
		return NULL;
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t');

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '#' && tab && strncmp(line, label, strlen(label)) == 0) {
			fclose(f);
			return tab + 1;
		}
	}
	fclose(f);
	return NULL;
}

static const struct {
	const char *label;      /* payloads.tsv row, or NULL: payload below */
	const char *format, *topic, *payload;
	const char *kind;       /* NULL: none */
	const char *gas;        /* the entry's "gas", NULL: absent */
	int relay;              /* the entry's "relay": -1 absent, 0 false */
} cases[] = {
	{ "z2m_smoke_HS1SA_zb3_alarm", "zigbee2mqtt", "zigbee2mqtt/hall smoke", NULL,
	  "smoke_alarm", NULL, -1 },
	{ "z2m_gas_HS3CG_testbutton", "zigbee2mqtt", "zigbee2mqtt/Kitchen Gas", NULL,
	  "gas_detector", NULL, -1 },
	{ "z2m_gas_JT-BZ-01AQ_A_state_work_alarm", "zigbee2mqtt", "zigbee2mqtt/aqara", NULL,
	  "gas_detector", NULL, -1 },
	{ "z2m_gas_TS0601_gas_sensor_2_alarm", "zigbee2mqtt", "zigbee2mqtt/tuya", NULL,
	  "gas_detector", NULL, -1 },
	{ "z2m_co_DCR-CO_on", "zigbee2mqtt", "zigbee2mqtt/co", NULL,
	  "gas_detector", "co", -1 },
	{ "z2m_co_Nous_E12_idle", "zigbee2mqtt", "zigbee2mqtt/nous", NULL,
	  "gas_detector", "co", -1 },
	{ "z2m_gas_co_DCR-RQJ", "zigbee2mqtt", "zigbee2mqtt/both", NULL,
	  "gas_detector", NULL, -1 },
	{ "z2m_smoke_co_TS0601_smoke_co_alarm", "zigbee2mqtt", "zigbee2mqtt/smokeco", NULL,
	  "smoke_alarm", NULL, -1 },
	{ "z2m_plug_TS0121_2020", "zigbee2mqtt", "zigbee2mqtt/plug", NULL,
	  "ebike_charger", NULL, -1 },
	{ "z2m_plug_ZNCZ04LM_get_112W", "zigbee2mqtt", "zigbee2mqtt/plug2", NULL,
	  "ebike_charger", NULL, -1 },
	/* a POW's SENSOR alone says nothing of its relay */
	{ "tasmota_tele_SENSOR_ENERGY_PowR2", "tasmota", "tele/pow/SENSOR", NULL,
	  "ebike_charger", NULL, 0 },
	{ "shelly_gen2_Switch.GetStatus", "shelly", "plug1/status/switch:0", NULL,
	  "ebike_charger", NULL, -1 },
	/* availability alone, a contact sensor, a temperature sensor, a
	 * switch that does not meter: no kind */
	{ "z2m_availability_json_offline", "zigbee2mqtt", "zigbee2mqtt/x/availability", NULL,
	  NULL, NULL, -1 },
	{ NULL, "zigbee2mqtt", "zigbee2mqtt/door",
	  "{\"battery\":100,\"contact\":true,\"linkquality\":70}", NULL, NULL, -1 },
	{ NULL, "zigbee2mqtt", "zigbee2mqtt/leak",
	  "{\"battery\":90,\"water_leak\":false,\"linkquality\":70}", NULL, NULL, -1 },
	{ NULL, "zigbee2mqtt", "zigbee2mqtt/thermo",
	  "{\"temperature\":21.5,\"humidity\":40,\"linkquality\":70}", NULL, NULL, -1 },
	{ NULL, "zigbee2mqtt", "zigbee2mqtt/lamp", "{\"state\":\"ON\"}", NULL, NULL, -1 },
	/* Shelly Gen1 detectors: one value per topic (Shelly's API docs) */
	{ NULL, "shelly", "shellies/shellysmoke-1/sensor/smoke", "true",
	  "smoke_alarm", NULL, -1 },
	{ NULL, "shelly", "shellies/shellygas-1/sensor/gas", "mild",
	  "gas_detector", NULL, -1 },
	{ NULL, "shelly", "shellies/shellygas-1/sensor/concentration", "120",
	  "gas_detector", NULL, -1 },
	{ NULL, "shelly", "shellies/shellyplug-s-1/relay/0/power", "42.5",
	  "ebike_charger", NULL, 0 },
	{ NULL, "tasmota", "tele/pow/STATE", "{\"Time\":\"2024-01-01T00:00:00\",\"POWER\":\"ON\"}",
	  NULL, NULL, -1 },
};

static void test_cases(void)
{
	char name[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *p = cases[i].label ? sample(cases[i].label) : cases[i].payload;
		const char *label = cases[i].label ? cases[i].label : cases[i].topic;
		struct kind_guess g;
		uint32_t fields;
		cJSON *e, *it;

		snprintf(name, sizeof name, "%s: sample found", label);
		CHECK(name, p != NULL);
		if (!p)
			continue;
		fields = infer_fields(cases[i].format, cases[i].topic, p, strlen(p));
		infer_kind(fields, &g);
		snprintf(name, sizeof name, "%s: kind", label);
		CHECK_STR(name, g.kind >= 0 ? device_kind_name[g.kind] : "(none)",
			  cases[i].kind ? cases[i].kind : "(none)");
		snprintf(name, sizeof name, "%s: says why", label);
		CHECK(name, g.why[0] != '\0');
		e = infer_entry(cases[i].format, "T", fields, "id", "site-1");
		snprintf(name, sizeof name, "%s: entry only with a kind", label);
		CHECK(name, (e != NULL) == (cases[i].kind != NULL));
		if (!e)
			continue;
		snprintf(name, sizeof name, "%s: entry format", label);
		CHECK_STR(name, cJSON_GetStringValue(cJSON_GetObjectItem(e, "format")),
			  cases[i].format);
		snprintf(name, sizeof name, "%s: entry kind", label);
		CHECK_STR(name, cJSON_GetStringValue(cJSON_GetObjectItem(e, "kind")),
			  cases[i].kind);
		snprintf(name, sizeof name, "%s: entry site", label);
		CHECK_STR(name, cJSON_GetStringValue(cJSON_GetObjectItem(e, "site")), "site-1");
		it = cJSON_GetObjectItem(e, "gas");
		snprintf(name, sizeof name, "%s: entry gas", label);
		CHECK_STR(name, it ? cJSON_GetStringValue(it) : "(absent)",
			  cases[i].gas ? cases[i].gas : "(absent)");
		it = cJSON_GetObjectItem(e, "relay");
		snprintf(name, sizeof name, "%s: entry relay", label);
		CHECK_INT(name, it ? (cJSON_IsTrue(it) ? 1 : 0) : -1, cases[i].relay);
		cJSON_Delete(e);
	}
}

static void test_ids(void)
{
	char id[64];

	infer_device_id("Kitchen Gas", id, sizeof id);
	CHECK_STR("id: spaces and case", id, "kitchen-gas");
	infer_device_id("0x00158d0001a2b3c4", id, sizeof id);
	CHECK_STR("id: an IEEE address stays", id, "0x00158d0001a2b3c4");
	infer_device_id("  //Küche: Gas  ", id, sizeof id);
	CHECK_STR("id: runs of others are one dash, none at the ends", id, "k-che-gas");
	infer_device_id("***", id, sizeof id);
	CHECK_STR("id: nothing usable", id, "device");
	infer_device_id("a-very-long-friendly-name-that-goes-on-and-on-and-on-beyond-the-limit",
			id, sizeof id);
	CHECK("id: at most 63 characters", strlen(id) <= 63 && strlen(id) > 0);
	infer_device_id_nth("Kitchen Gas", 1, id, sizeof id);
	CHECK_STR("id: the first candidate is the id", id, "kitchen-gas");
	infer_device_id_nth("Kitchen Gas", 2, id, sizeof id);
	CHECK_STR("id: the second has -2", id, "kitchen-gas-2");
	infer_device_id_nth("a-very-long-friendly-name-that-goes-on-and-on-and-on-beyond-the-limit",
			    12, id, sizeof id);
	CHECK("id: a long one cut to fit its suffix", strlen(id) == 63 &&
	      strcmp(id + 60, "-12") == 0);
}

/* A Shelly Gen1 plug says its power and its relay on two topics: the table
 * gathers both, so the plug is suggested with its relay. */
static void test_unknown_gathers(void)
{
	struct unknown *u = unknown_new(8);
	cJSON *arr, *s, *cfg;
	uint32_t fields;

	unknown_note(u, "shellies/plug-7/relay/0/power", "61.2", 4, 1000);
	unknown_note(u, "shellies/plug-7/relay/0", "on", 2, 2000);
	arr = unknown_json(u);
	CHECK_INT("gathered: one sender", cJSON_GetArraySize(arr), 1);
	fields = infer_fields_parse(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "fields"));
	CHECK("gathered: power and relay", (fields & (1u << RF_POWER_W)) &&
	      (fields & (1u << RF_RELAY)));
	s = infer_suggestion("shelly", "shellies/plug-7", fields, "plug-7", "s1");
	CHECK_STR("gathered: kind", cJSON_GetStringValue(cJSON_GetObjectItem(s, "kind")),
		  "ebike_charger");
	cfg = cJSON_GetObjectItem(s, "config");
	CHECK("gathered: relay left at its default", cfg && !cJSON_GetObjectItem(cfg, "relay"));
	CHECK_STR("gathered: topic", cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "topic")),
		  "shellies/plug-7");
	cJSON_Delete(s);
	s = infer_suggestion("zigbee2mqtt", "zigbee2mqtt/thermo", 1u << RF_TEMP_C, "t", "s1");
	CHECK("no kind: null and no config", cJSON_IsNull(cJSON_GetObjectItem(s, "kind")) &&
	      !cJSON_GetObjectItem(s, "config"));
	cJSON_Delete(s);
	cJSON_Delete(arr);
	unknown_free(u);
}

int main(void)
{
	test_cases();
	test_ids();
	test_unknown_gathers();
	TEST_DONE();
}
