/*
 * test_rule_overrides.c: the platform's set-rules overrides on a real
 * config file and a real database: validated with the file's table and
 * ranges, all or nothing, merged, persisted, applied again after a load;
 * removed with null (back to the file's values).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

static char dir[64];

static const char cfg_text[] =
	"{\"gateway\": {\"id\": \"gw-1\", \"district\": \"d\"},\n"
	" \"storage\": {\"path\": \"unused.db\"},\n"
	" \"local\": {\"uri\": \"tcp://127.0.0.1:1883\"},\n"
	" \"upstream\": {\"uris\": [\"tcp://127.0.0.1:1884\"]},\n"
	" \"sites\": [{\"id\": \"s1\", \"kind\": \"restaurant\"}],\n"
	" \"devices\": [\n"
	"  {\"id\": \"gas-1\", \"kind\": \"gas_detector\", \"site\": \"s1\", \"topic\": \"t/gas-1\"},\n"
	"  {\"id\": \"gas-2\", \"kind\": \"gas_detector\", \"site\": \"s1\", \"topic\": \"t/gas-2\",\n"
	"   \"rules\": {\"lel_low\": 15}},\n"
	"  {\"id\": \"bike-1\", \"kind\": \"ebike_charger\", \"site\": \"s1\", \"topic\": \"t/bike-1\"}]}\n";

static int load(struct config *cfg)
{
	char path[128], errs[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/hazardd.json", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(cfg_text, f);
	fclose(f);
	return config_load(path, cfg, errs, sizeof errs);
}

static int set(struct config *cfg, struct store *st, const char *json, char *err, size_t n)
{
	cJSON *req = cJSON_Parse(json), *now = NULL;
	int rc = rule_overrides_set(cfg, st, req, &now, err, n);

	cJSON_Delete(now);
	cJSON_Delete(req);
	return rc;
}

int main(void)
{
	static struct config cfg, cfg2;
	struct store *st;
	char path[128], err[512];
	char *text = NULL;
	const struct device_cfg *g1, *g2, *b1;
	static const char *const bad[] = {
		"{\"kinds\": {\"gas_detector\": {\"lel_low\": 0}}}",      /* min exclusive */
		"{\"kinds\": {\"gas_detector\": {\"lel_low\": 101}}}",
		"{\"kinds\": {\"gas_detector\": {\"lel_low\": 55}}}",     /* above lel_high */
		"{\"kinds\": {\"gas_detector\": {\"max_temp_c\": 50}}}",  /* not a gas key */
		"{\"kinds\": {\"gas_detector\": {\"lel_lowest\": 5}}}",
		"{\"kinds\": {\"toaster\": {\"lel_low\": 5}}}",
		"{\"devices\": {\"nope\": {\"lel_low\": 5}}}",
		"{\"devices\": {\"gas-1\": {\"lel_low\": true}}}",
		"{\"kinds\": []}",
		"{\"other\": {}}",
		"{\"kinds\": {\"gas_detector\": {\"lel_low\": 20, \"lel_high\": 200}}}",
	};
	size_t i;

	snprintf(dir, sizeof dir, "/tmp/test_rule_overrides.XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	CHECK_INT("config loads", load(&cfg), 0);
	snprintf(path, sizeof path, "%s/hazardd.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("store opens", st != NULL);
	if (!st)
		TEST_DONE();
	g1 = config_find_device(&cfg, "gas-1");
	g2 = config_find_device(&cfg, "gas-2");
	b1 = config_find_device(&cfg, "bike-1");

	CHECK_INT("nothing stored: apply is a no-op", rule_overrides_apply(&cfg, st, err,
									sizeof err), 0);
	CHECK_DBL("file value kept", g2->rules.lel_low, 15);
	/* the file's rules kept apart only for gas-2, which has its own: the
	 * others' are their kind's */
	CHECK("file rules kept for gas-2 alone", cfg.file_dev_rules &&
	      cfg.file_dev_rules[g2 - cfg.devices] && !cfg.file_dev_rules[g1 - cfg.devices] &&
	      !cfg.file_dev_rules[b1 - cfg.devices]);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char name[160];

		err[0] = '\0';
		snprintf(name, sizeof name, "refused: %s", bad[i]);
		CHECK_INT(name, set(&cfg, st, bad[i], err, sizeof err), -1);
		snprintf(name, sizeof name, "refusal says why: %s", bad[i]);
		CHECK(name, err[0] != '\0');
	}
	CHECK_DBL("refusals changed nothing (kind)", cfg.kind_rules[DEV_GAS_DETECTOR].lel_low, 25);
	CHECK_DBL("refusals changed nothing (device)", g1->rules.lel_low, 25);
	CHECK_DBL("refusals changed nothing (pair half)", g1->rules.lel_high, 50);
	store_meta_get_text(st, "rule_overrides", &text);
	CHECK("refusals stored nothing", text == NULL);
	free(text);

	/* kind level: every device of the kind, its own file value included */
	CHECK_INT("kind override", set(&cfg, st, "{\"kinds\": {\"gas_detector\": "
				       "{\"lel_low\": 10}}}", err, sizeof err), 0);
	CHECK_DBL("kind override on the kind", cfg.kind_rules[DEV_GAS_DETECTOR].lel_low, 10);
	CHECK_DBL("kind override on gas-1", g1->rules.lel_low, 10);
	CHECK_DBL("kind override over gas-2's file value", g2->rules.lel_low, 10);
	CHECK_DBL("other kinds untouched", b1->rules.max_temp_c, 60);
	/* device level on top, merged key by key */
	CHECK_INT("device override", set(&cfg, st, "{\"devices\": {\"gas-2\": "
					 "{\"lel_high\": 40}}, \"kinds\": {\"ebike_charger\": "
					 "{\"max_temp_c\": 55}}}", err, sizeof err), 0);
	CHECK_DBL("device override applied", g2->rules.lel_high, 40);
	CHECK_DBL("device override leaves others", g1->rules.lel_high, 50);
	CHECK_DBL("earlier kind override kept", g2->rules.lel_low, 10);
	CHECK_DBL("charger kind override", b1->rules.max_temp_c, 55);

	/* a fresh load of the file, then apply: the same result */
	CHECK_INT("config loads again", load(&cfg2), 0);
	CHECK_DBL("fresh load has the file value", config_find_device(&cfg2, "gas-2")->rules.lel_low, 15);
	CHECK_INT("apply after load", rule_overrides_apply(&cfg2, st, err, sizeof err), 0);
	CHECK_DBL("reapplied kind override", config_find_device(&cfg2, "gas-2")->rules.lel_low, 10);
	CHECK_DBL("reapplied device override", config_find_device(&cfg2, "gas-2")->rules.lel_high, 40);
	CHECK_DBL("reapplied charger override", config_find_device(&cfg2, "bike-1")->rules.max_temp_c, 55);
	CHECK_DBL("reapplied on the kind", cfg2.kind_rules[DEV_GAS_DETECTOR].lel_low, 10);
	config_free(&cfg2);

	/* removal: a null drops one key or a whole kind/device entry; what is
	 * left is laid over the file's values again, pairs checked */
	{
		static const char *const bad_rm[] = {
			"{\"kinds\": {\"gas_detector\": {\"max_temp_c\": null}}}",
			"{\"kinds\": {\"gas_detector\": {\"lel_lowest\": null}}}",
			"{\"kinds\": {\"toaster\": null}}",
			"{\"devices\": {\"nope\": null}}",
			"{\"devices\": {\"gas-1\": \"clear\"}}",
			"{\"devices\": null}",
		};

		for (i = 0; i < sizeof bad_rm / sizeof bad_rm[0]; i++) {
			char name[160];

			err[0] = '\0';
			snprintf(name, sizeof name, "removal refused: %s", bad_rm[i]);
			CHECK_INT(name, set(&cfg, st, bad_rm[i], err, sizeof err), -1);
			CHECK(name, err[0] != '\0');
		}
	}
	CHECK_INT("device pair override", set(&cfg, st, "{\"devices\": {\"gas-1\": "
					      "{\"lel_low\": 5, \"lel_high\": 8}}}", err,
					      sizeof err), 0);
	CHECK_DBL("device pair applied", g1->rules.lel_high, 8);
	err[0] = '\0';
	CHECK_INT("removal that breaks a pair refused", set(&cfg, st, "{\"devices\": "
		  "{\"gas-1\": {\"lel_low\": null}}}", err, sizeof err), -1);
	CHECK("pair refusal says why", strstr(err, "lel_high") != NULL);
	CHECK_DBL("pair refusal changed nothing", g1->rules.lel_low, 5);
	CHECK_INT("remove a device entry", set(&cfg, st, "{\"devices\": {\"gas-1\": null}}",
					       err, sizeof err), 0);
	CHECK_DBL("device removal: kind override back", g1->rules.lel_low, 10);
	CHECK_DBL("device removal: file value back", g1->rules.lel_high, 50);
	CHECK_INT("remove one kind key", set(&cfg, st, "{\"kinds\": {\"gas_detector\": "
					     "{\"lel_low\": null}}}", err, sizeof err), 0);
	CHECK_DBL("kind key removal: the kind's file value", cfg.kind_rules[DEV_GAS_DETECTOR].lel_low, 25);
	CHECK_DBL("kind key removal: gas-1 default", g1->rules.lel_low, 25);
	CHECK_DBL("kind key removal: gas-2's own file value", g2->rules.lel_low, 15);
	CHECK_DBL("kind key removal: device override kept", g2->rules.lel_high, 40);
	CHECK_INT("remove a whole kind", set(&cfg, st, "{\"kinds\": {\"ebike_charger\": null}}",
					     err, sizeof err), 0);
	CHECK_DBL("kind removal: file value back", b1->rules.max_temp_c, 60);
	CHECK_INT("removing what is not overridden is a no-op",
		  set(&cfg, st, "{\"kinds\": {\"smoke_alarm\": null}}", err, sizeof err), 0);
	store_meta_get_text(st, "rule_overrides", &text);
	CHECK("removals stored", text && strcmp(text, "{\"devices\":{\"gas-2\":"
						"{\"lel_high\":40}}}") == 0);
	free(text);
	text = NULL;
	CHECK_INT("remove the last one", set(&cfg, st, "{\"devices\": {\"gas-2\": "
					     "{\"lel_high\": null}}}", err, sizeof err), 0);
	CHECK_DBL("last removal applied", g2->rules.lel_high, 50);
	store_meta_get_text(st, "rule_overrides", &text);
	CHECK("empty document stored", text && strcmp(text, "{}") == 0);
	free(text);
	text = NULL;
	CHECK_INT("config loads after removals", load(&cfg2), 0);
	CHECK_INT("apply after removals", rule_overrides_apply(&cfg2, st, err, sizeof err), 0);
	CHECK_DBL("removals persisted (gas-2 low)", config_find_device(&cfg2, "gas-2")->rules.lel_low, 15);
	CHECK_DBL("removals persisted (gas-2 high)", config_find_device(&cfg2, "gas-2")->rules.lel_high, 50);
	CHECK_DBL("removals persisted (charger)", config_find_device(&cfg2, "bike-1")->rules.max_temp_c, 60);
	config_free(&cfg2);

	/* a damaged stored document: refused on apply, replaced by the next set */
	store_meta_set_text(st, "rule_overrides", "{not json");
	CHECK_INT("config loads a third time", load(&cfg2), 0);
	CHECK_INT("damaged document refused", rule_overrides_apply(&cfg2, st, err, sizeof err), -1);
	CHECK_DBL("damaged document changed nothing",
		  config_find_device(&cfg2, "gas-2")->rules.lel_low, 15);
	config_free(&cfg2);

	/* safe ranges: nothing that turns an alarm off, from the platform */
	{
		static const char *const unsafe[] = {
			"{\"kinds\": {\"ebike_charger\": {\"max_temp_c\": 0}}}",
			"{\"kinds\": {\"ebike_charger\": {\"max_current_a\": 0}}}",
			"{\"kinds\": {\"ebike_charger\": {\"max_power_w\": 0}}}",
			"{\"kinds\": {\"ebike_charger\": {\"max_temp_c\": 30}}}",
			"{\"kinds\": {\"gas_detector\": {\"lel_low\": 99.99, \"lel_high\": 100}}}",
			"{\"kinds\": {\"gas_detector\": {\"lel_low\": 1e-300}}}",
			"{\"kinds\": {\"gas_detector\": {\"co_high_ppm\": 400}}}",
			"{\"kinds\": {\"smoke_alarm\": {\"battery_low_pct\": 0}}}",
			"{\"devices\": {\"gas-1\": {\"unreadable_n\": 0}}}",
		};

		for (i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++) {
			char name[160];

			err[0] = '\0';
			snprintf(name, sizeof name, "unsafe refused: %s", unsafe[i]);
			CHECK_INT(name, set(&cfg, st, unsafe[i], err, sizeof err), -1);
			snprintf(name, sizeof name, "unsafe refusal names the safe range: %s",
				 unsafe[i]);
			CHECK(name, strstr(err, "safe range") != NULL);
		}
		CHECK_DBL("unsafe: charger unchanged", b1->rules.max_temp_c, 60);
		CHECK_DBL("unsafe: gas unchanged", g1->rules.lel_low, 25);
	}
	/* widening past the file's value: refused unless allow_widen */
	err[0] = '\0';
	CHECK_INT("widen the charger's max_temp_c refused", set(&cfg, st, "{\"kinds\": "
		  "{\"ebike_charger\": {\"max_temp_c\": 70}}}", err, sizeof err), -1);
	CHECK("widening refusal says why", strstr(err, "less sensitive") != NULL &&
	      strstr(err, "allow_widen") != NULL);
	CHECK_INT("a kind value that widens one device's file value refused",
		  set(&cfg, st, "{\"kinds\": {\"gas_detector\": {\"lel_low\": 20}}}", err,
		      sizeof err), -1);
	CHECK("the device is named", strstr(err, "gas-2") != NULL);
	CHECK_INT("a lower battery level refused", set(&cfg, st, "{\"devices\": {\"gas-1\": "
		  "{\"battery_low_pct\": 10}}}", err, sizeof err), -1);
	CHECK_DBL("widening refusals changed nothing", g1->rules.battery_low_pct, 20);
	CHECK_INT("narrowing accepted", set(&cfg, st, "{\"kinds\": {\"ebike_charger\": "
		  "{\"max_temp_c\": 45}}}", err, sizeof err), 0);
	CHECK_DBL("narrowing applied", b1->rules.max_temp_c, 45);
	cfg.overrides_allow_widen = true;
	CHECK_INT("allow_widen: widening accepted", set(&cfg, st, "{\"kinds\": "
		  "{\"ebike_charger\": {\"max_temp_c\": 70}}}", err, sizeof err), 0);
	CHECK_DBL("allow_widen: applied", b1->rules.max_temp_c, 70);
	cfg.overrides_allow_widen = false;
	CHECK_INT("a stored widening not applied once allow_widen is off",
		  rule_overrides_apply(&cfg, st, err, sizeof err), -1);
	CHECK_INT("back to a narrowing", set(&cfg, st, "{\"kinds\": {\"ebike_charger\": "
		  "{\"max_temp_c\": 45}}}", err, sizeof err), 0);
	/* the listing: value and source of every key */
	{
		cJSON *l = rule_overrides_list(&cfg, st);
		const cJSON *e;

		e = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(l, "devices"), "bike-1"), "max_temp_c"), "source");
		CHECK("list: platform source", cJSON_IsString(e) &&
		      strcmp(e->valuestring, "platform") == 0);
		e = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(l, "devices"), "gas-2"), "lel_low"), "source");
		CHECK("list: file source", cJSON_IsString(e) && strcmp(e->valuestring, "file") == 0);
		e = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(l, "kinds"), "gas_detector"), "lel_low"), "source");
		CHECK("list: default source", cJSON_IsString(e) &&
		      strcmp(e->valuestring, "default") == 0);
		e = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(l, "kinds"), "ebike_charger"), "max_temp_c"), "value");
		CHECK("list: the value in force", cJSON_IsNumber(e) && e->valuedouble == 45);
		CHECK("list: the stored document", cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(l, "overrides"), "kinds"), "ebike_charger") != NULL);
		cJSON_Delete(l);
	}

	store_close(st);
	config_free(&cfg);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		perror("rm");
	TEST_DONE();
}
