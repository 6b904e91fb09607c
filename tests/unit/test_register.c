/*
 * test_register.c: the people and register keys of the config as parsed
 * (config_people.c), and the site register built from them (register.c):
 * every site with its people and no phone number, every device with only
 * the keys the file sets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "register.h"
#include "testing.h"

static char tmpdir[64];

/* ' becomes " (no value here needs an apostrophe) */
static const char *write_cfg(const char *name, const char *text)
{
	static char path[256];
	FILE *f;
	const char *s;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	for (s = text; *s; s++)
		fputc(*s == '\'' ? '"' : *s, f);
	fclose(f);
	return path;
}

#define HEAD "{\n" \
	"  'gateway': {'id': 'gw-1', 'district': 'licheng', 'grid': 'G-1'},\n" \
	"  'storage': {'path': '/tmp/hz.db'},\n" \
	"  'local': {'uri': 'tcp://127.0.0.1:1883'},\n" \
	"  'upstream': {'uris': ['ssl://district.example:8883']},\n"

static const char good[] = HEAD
	"  'sites': [{'id': 'rest-1', 'kind': 'restaurant', 'name': 'Noodles', 'address': '1 Road',\n"
	"             'people': [{'id': 'wang', 'name': 'Wang Wei', 'role': 'owner', 'phone': '+8613800000001'},\n"
	"                        {'id': 'zhao', 'name': 'Zhao Lei', 'role': 'grid_worker'}]},\n"
	"            {'id': 'rent-1', 'kind': 'rental_housing', 'grid': 'G-2',\n"
	"             'people': [{'id': 'zhao', 'name': 'Zhao Lei', 'role': 'grid_worker'}]}],\n"
	"  'devices': [{'id': 'gas-1', 'kind': 'gas_detector', 'site': 'rest-1', 'topic': 't/1',\n"
	"               'model': 'JT-1', 'installed': '2024-02-29', 'sensor_life_y': 5.5,\n"
	"               'calibration_due': '2025-02-28'},\n"
	"              {'id': 'smk-1', 'kind': 'smoke_alarm', 'site': 'rent-1', 'topic': 't/2'}]\n"
	"}\n";

static void test_parsed(struct config *cfg)
{
	const struct site_cfg *s = config_find_site(cfg, "rest-1");
	const struct device_cfg *d = config_find_device(cfg, "gas-1");

	CHECK("parsed: rest-1 has two people", s && s->n_people == 2);
	if (!s || s->n_people != 2 || !d)
		return;
	CHECK_STR("parsed: first person", s->people[0].id, "wang");
	CHECK_STR("parsed: her phone", s->people[0].phone, "+8613800000001");
	CHECK_INT("parsed: role", s->people[1].role, ROLE_GRID_WORKER);
	CHECK_STR("parsed: no phone is empty", s->people[1].phone, "");
	CHECK_INT("parsed: the same person at a second site", config_find_site(cfg, "rent-1")->n_people, 1);
	CHECK("parsed: gas-1 has a register entry", d->reg != NULL);
	CHECK_STR("parsed: model", device_register_of(d)->model, "JT-1");
	CHECK_STR("parsed: a leap day is a date", device_register_of(d)->installed, "2024-02-29");
	CHECK_DBL("parsed: sensor life", device_register_of(d)->sensor_life_y, 5.5);
	CHECK_STR("parsed: calibration due", device_register_of(d)->calibration_due, "2025-02-28");
	d = config_find_device(cfg, "smk-1");
	CHECK_STR("parsed: unset model", device_register_of(d)->model, "");
	CHECK("parsed: none of the keys, no entry kept", d->reg == NULL);
}

static void test_json(const struct config *cfg)
{
	cJSON *o = register_json(cfg);
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(o, "sites");
	const cJSON *devs = cJSON_GetObjectItemCaseSensitive(o, "devices");
	const cJSON *s0 = cJSON_GetArrayItem(sites, 0), *d0 = cJSON_GetArrayItem(devs, 0);
	const cJSON *d1 = cJSON_GetArrayItem(devs, 1);
	const cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s0, "people"), 0);

	CHECK("json: built", o && text);
	if (!o || !text) {
		cJSON_Delete(o);
		free(text);
		return;
	}
	CHECK("json: v first", strncmp(text, "{\"v\":1,", 7) == 0);
	CHECK_INT("json: two sites, two devices", cJSON_GetArraySize(sites) * 10 +
		  cJSON_GetArraySize(devs), 22);
	CHECK_STR("json: site name", cJSON_GetObjectItemCaseSensitive(s0, "name")->valuestring,
		  "Noodles");
	CHECK_STR("json: grid from the gateway", cJSON_GetObjectItemCaseSensitive(s0, "grid")->valuestring,
		  "G-1");
	CHECK_STR("json: person's role", cJSON_GetObjectItemCaseSensitive(p0, "role")->valuestring,
		  "owner");
	CHECK("json: no phone key", !strstr(text, "phone"));
	CHECK("json: no phone number", !strstr(text, "13800000001"));
	CHECK_STR("json: gas of a gas detector", cJSON_GetObjectItemCaseSensitive(d0, "gas")->valuestring,
		  "natural_gas");
	CHECK_DBL("json: sensor life", cJSON_GetObjectItemCaseSensitive(d0, "sensor_life_y")->valuedouble,
		  5.5);
	CHECK("json: a smoke alarm has no gas, model or dates",
	      cJSON_GetArraySize(d1) == 3 && !cJSON_GetObjectItemCaseSensitive(d1, "gas"));
	cJSON_Delete(o);
	free(text);
}

/* Dates are calendar dates: the 29th of February only in a leap year. */
static void test_dates(void)
{
	static const struct { const char *date; bool ok; } cases[] = {
		{ "2024-02-29", true }, { "2025-02-29", false }, { "2000-02-29", true },
		{ "2025-04-31", false }, { "2025-13-01", false }, { "2025-1-01", false },
		{ "1999-12-31", false }, { "2025-06-30", true }, { "2025-06-30x", false },
	};
	char text[2048], errs[4096], name[32];
	struct config cfg;
	size_t i;
	int rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, HEAD
			 "  'sites': [{'id': 's', 'kind': 'other'}],\n"
			 "  'devices': [{'id': 'd', 'kind': 'smoke_alarm', 'site': 's', 'topic': 't/d',\n"
			 "               'installed': '%s'}]\n}\n", cases[i].date);
		snprintf(name, sizeof name, "date%zu.json", i);
		errs[0] = '\0';
		rc = config_load(write_cfg(name, text), &cfg, errs, sizeof errs);
		if (rc == 0)
			config_free(&cfg);
		printf("INFO: %s: %s\n", cases[i].date, rc == 0 ? "accepted" : strtok(errs, "\n"));
		CHECK_INT(cases[i].date, rc == 0, cases[i].ok);
	}
}

int main(void)
{
	struct config cfg;
	char errs[4096] = "";
	int rc;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_register.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	rc = config_load(write_cfg("good.json", good), &cfg, errs, sizeof errs);
	CHECK_INT("good config loads", rc, 0);
	if (rc == 0) {
		test_parsed(&cfg);
		test_json(&cfg);
		config_free(&cfg);
	} else {
		printf("%s", errs);
	}
	test_dates();
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	TEST_DONE();
}
