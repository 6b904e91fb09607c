/*
 * test_selfcheck.c: the self-inspection checklist's validation
 * (core/selfcheck.c), a checklist set in the config ($.selfcheck,
 * conf/config_selfcheck.c: replacing a kind's built-in list, the others
 * kept, and every refusal with its FILE:LINE: $.path) and the
 * self-inspection rate, 自查率
 * (app/summary_selfcheck.c), against a real store: checklist rows count,
 * a test-button press does not, a site is counted once however often it
 * inspected itself, a row outside the period or of a site no longer
 * configured is left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

static const char *validate(enum site_kind k, const char *const *ids, int n)
{
	static char err[256];

	err[0] = '\0';
	return selfcheck_validate(selfcheck_default(k), site_kind_name[k], ids, n, err,
				  sizeof err) == 0 ? "" : err;
}

static void test_validate(void)
{
	static const char *const full[] = { "gas_hose", "detector_test", "extinguisher",
		"exits" };
	static const char *const shuffled[] = { "exits", "gas_hose", "extinguisher",
		"detector_test" };
	static const char *const missing[] = { "gas_hose", "detector_test", "exits" };
	static const char *const twice[] = { "gas_hose", "detector_test", "extinguisher",
		"exits", "gas_hose" };
	static const char *const foreign[] = { "gas_hose", "detector_test", "extinguisher",
		"exits", "ebike_corridor" };
	static const char *const housing[] = { "ebike_corridor", "detector_test",
		"extinguisher", "exits" };
	const struct selfcheck_list *l;
	int k, n;

	CHECK_STR("restaurant: the full checklist passes", validate(SITE_RESTAURANT, full, 4), "");
	CHECK_STR("in any order", validate(SITE_RESTAURANT, shuffled, 4), "");
	CHECK("a missing item is refused, named",
	      strstr(validate(SITE_RESTAURANT, missing, 3), "extinguisher") != NULL);
	CHECK("an item twice is refused",
	      strstr(validate(SITE_RESTAURANT, twice, 5), "twice") != NULL);
	CHECK("an item of another kind's list is refused",
	      strstr(validate(SITE_RESTAURANT, foreign, 5), "not on the restaurant") != NULL);
	CHECK("nothing given is refused", *validate(SITE_RESTAURANT, NULL, 0) != '\0');
	CHECK_STR("rental housing: e-bikes in corridors", validate(SITE_RENTAL_HOUSING, housing,
								    4), "");
	CHECK("rental housing has no gas hose item",
	      *validate(SITE_RENTAL_HOUSING, full, 4) != '\0');
	for (k = 0; k < SITE_KIND_COUNT; k++) {
		char name[80];
		int i, j, dup = 0;

		l = selfcheck_default((enum site_kind)k);
		n = l ? l->n : 0;
		snprintf(name, sizeof name, "%s: a checklist of 1..%d items, unique ids",
			 site_kind_name[k], SELFCHECK_ITEMS_MAX);
		for (i = 0; l && i < n; i++)
			for (j = i + 1; j < n; j++)
				dup += strcmp(l->items[i].id, l->items[j].id) == 0;
		for (i = 0; l && i < n; i++)
			dup += !selfcheck_id_ok(l->items[i].id) || !l->items[i].text[0] ||
			       !l->items[i].text_en[0];
		CHECK(name, l && n >= 1 && n <= SELFCHECK_ITEMS_MAX && !dup);
	}
}

/* ------------------------------------------------- $.selfcheck in the file */

static const char *cfg_dir;

/* Load a config whose "selfcheck" member is sc (a JSON value, or NULL for
 * none); 0 or -1, errors in errs. */
static int load_sc(const char *sc, struct config *cfg, char *errs, size_t len)
{
	char path[200];
	FILE *f;
	int rc;

	snprintf(path, sizeof path, "%s/sc.json", cfg_dir);
	if (!(f = fopen(path, "w")))
		return -2;
	fprintf(f, "{\n"
		"  \"gateway\": {\"id\": \"gw-1\", \"district\": \"d1\"},\n"
		"  \"storage\": {\"path\": \"%s/x.db\"},\n"
		"  \"local\": {\"uri\": \"tcp://127.0.0.1:1883\"},\n"
		"  \"upstream\": {\"uris\": [\"tcp://127.0.0.1:1884\"]},\n"
		"  \"sites\": [{\"id\": \"r1\", \"kind\": \"restaurant\"}],\n"
		"  \"devices\": []%s\n%s%s\n}\n", cfg_dir, sc ? "," : "",
		sc ? "  \"selfcheck\": " : "", sc ? sc : "");
	fclose(f);
	errs[0] = '\0';
	memset(cfg, 0, sizeof *cfg);
	rc = config_load(path, cfg, errs, len);
	unlink(path);
	return rc;
}

static void test_config(void)
{
	static const char *const mine[] = { "gas_hose", "hood_clean" };
	static const char *const builtin[] = { "gas_hose", "detector_test", "extinguisher",
		"exits" };
	const struct selfcheck_list *l;
	struct config cfg;
	char errs[4096], err[256];

	CHECK_INT("no selfcheck section: loads", load_sc(NULL, &cfg, errs, sizeof errs), 0);
	l = selfcheck_effective(cfg.selfcheck, SITE_RESTAURANT);
	CHECK("no section: the restaurant's built-in list", l == selfcheck_default(SITE_RESTAURANT)
	      && !l->configured);
	config_free(&cfg);

	CHECK_INT("a restaurant checklist in the file: loads", load_sc(
		"{\"restaurant\": [\n"
		"   {\"id\": \"gas_hose\", \"text\": \"燃气软管无老化、无破损\", "
		"\"text_en\": \"gas hose not aged or damaged\"},\n"
		"   {\"id\": \"hood_clean\", \"text\": \"油烟管道已清洗\"}],\n"
		" \"_comment\": \"the rest keep theirs\"}", &cfg, errs, sizeof errs), 0);
	CHECK_STR("  no errors", errs, "");
	l = selfcheck_effective(cfg.selfcheck, SITE_RESTAURANT);
	CHECK("  the file's list applies: 2 items, marked configured",
	      l && l->configured && l->n == 2 && strcmp(l->items[1].id, "hood_clean") == 0);
	CHECK_STR("  its text", l->items[0].text, "燃气软管无老化、无破损");
	CHECK_STR("  its English text", l->items[0].text_en, "gas hose not aged or damaged");
	CHECK_STR("  no English text: empty", l->items[1].text_en, "");
	CHECK_INT("  a self-inspection of the file's items passes",
		  selfcheck_validate(l, "restaurant", mine, 2, err, sizeof err), 0);
	CHECK_INT("  the built-in items no longer do",
		  selfcheck_validate(l, "restaurant", builtin, 4, err, sizeof err), -1);
	CHECK_CONTAINS("  named", err, "detector_test is not on the restaurant");
	CHECK("  another kind keeps its built-in list",
	      selfcheck_effective(cfg.selfcheck, SITE_RENTAL_HOUSING) ==
	      selfcheck_default(SITE_RENTAL_HOUSING));
	config_free(&cfg);

	CHECK_INT("unknown kind: refused", load_sc("{\"kitchen\": []}", &cfg, errs,
						    sizeof errs), -1);
	CHECK_CONTAINS("  FILE:LINE: $.path", errs, "sc.json:8: $.selfcheck.kitchen: unknown "
		       "site kind \"kitchen\"");
	CHECK_INT("not an array: refused", load_sc("{\"restaurant\": {}}", &cfg, errs,
						    sizeof errs), -1);
	CHECK_CONTAINS("  says so", errs, "$.selfcheck.restaurant: expected array, got object");
	CHECK_INT("an empty list: refused", load_sc("{\"restaurant\": []}", &cfg, errs,
						     sizeof errs), -1);
	CHECK_CONTAINS("  says so", errs, "$.selfcheck.restaurant: a checklist needs at least "
		       "one item");
	CHECK_INT("bad items: refused", load_sc(
		"{\"restaurant\": [\n"
		"   {\"id\": \"Gas-Hose\", \"text\": \"a\"},\n"
		"   {\"id\": \"exits\", \"text\": \"b\"},\n"
		"   {\"id\": \"exits\", \"text\": \"c\"},\n"
		"   {\"id\": \"hose\"},\n"
		"   {\"id\": \"x\", \"text\": \"\"},\n"
		"   {\"id\": \"y\", \"text\": \"t\", \"colour\": \"red\"},\n"
		"   {\"id\": \"z\", \"text\": \"bell\\u0007\"},\n"
		"   \"exits\"]}", &cfg, errs, sizeof errs), -1);
	CHECK_CONTAINS("  an id outside [a-z_]", errs,
		       "sc.json:9: $.selfcheck.restaurant[0].id: item id \"Gas-Hose\"");
	CHECK_CONTAINS("  an id twice", errs,
		       "sc.json:11: $.selfcheck.restaurant[2].id: duplicate item id \"exits\"");
	CHECK_CONTAINS("  no text", errs, "sc.json:12: $.selfcheck.restaurant[3].text");
	CHECK_CONTAINS("  an empty text", errs,
		       "sc.json:13: $.selfcheck.restaurant[4].text: must not be empty");
	CHECK_CONTAINS("  an unknown key", errs, "sc.json:14: $.selfcheck.restaurant[5]");
	CHECK_CONTAINS("  the unknown key named", errs, "colour");
	CHECK_CONTAINS("  a control character", errs,
		       "sc.json:15: $.selfcheck.restaurant[6].text:");
	CHECK_CONTAINS("  not an object", errs,
		       "sc.json:16: $.selfcheck.restaurant[7]: expected object, got string");
	{
		char many[4096];
		size_t n = 0;
		int i;

		n += (size_t)snprintf(many + n, sizeof many - n, "{\"other\": [");
		for (i = 0; i <= SELFCHECK_ITEMS_MAX; i++)
			n += (size_t)snprintf(many + n, sizeof many - n,
					      "%s{\"id\": \"i%c\", \"text\": \"t\"}", i ? ", " : "",
					      'a' + i);
		snprintf(many + n, sizeof many - n, "]}");
		CHECK_INT("too many items: refused", load_sc(many, &cfg, errs, sizeof errs), -1);
		CHECK_CONTAINS("  says so", errs, "$.selfcheck.other: 13 items, at most 12");
	}
}

static const cJSON *site_entry(const cJSON *o, const char *site)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "sites")) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "site");

		if (cJSON_IsString(id) && strcmp(id->valuestring, site) == 0)
			return s;
	}
	return NULL;
}

static double num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(o, a), b);

	return cJSON_IsNumber(x) ? x->valuedouble : cJSON_IsNull(x) ? -2 : -1;
}

static void test_rate(const char *dir)
{
	static struct site_cfg sites[3];
	struct config cfg;
	struct store *st;
	char path[160], err[256];
	int64_t start, end;
	const cJSON *s;
	cJSON *o;

	CHECK_DBL("rate: 1 of 3", summary_self_inspection_rate(1, 3), 0.3333);
	CHECK_DBL("rate: 2 of 2", summary_self_inspection_rate(2, 2), 1.0);
	CHECK_DBL("rate: no site, none", summary_self_inspection_rate(0, 0), -1);

	memset(&cfg, 0, sizeof cfg);
	memset(sites, 0, sizeof sites);
	strcpy(sites[0].id, "site-a");
	strcpy(sites[1].id, "site-b");
	strcpy(sites[2].id, "site-c");
	cfg.sites = sites;
	cfg.n_sites = 3;
	snprintf(path, sizeof path, "%s/sc.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("store opens", st != NULL);
	if (!st)
		return;
	localtime_use_zone("UTC");
	CHECK("day bounds", localtime_day_bounds("UTC", "2026-11-23", &start, &end, err,
						 sizeof err) == 0);
	/* site-a: twice by checklist; site-b: a detector's test press only;
	 * site-c: a checklist the day before; a removed site: a checklist */
	store_self_check_put(st, "", "site-a", "checklist", start + 1000, true);
	store_self_check_put(st, "", "site-a", "checklist", start + 7200000, true);
	store_self_check_put(st, "d1", "site-b", "device", start + 5000, true);
	store_self_check_put(st, "", "site-c", "checklist", start - 1000, true);
	store_self_check_put(st, "", "site-gone", "checklist", start + 5000, true);
	o = cJSON_CreateObject();
	cJSON_AddObjectToObject(o, "totals");
	s = cJSON_AddArrayToObject(o, "sites");
	cJSON_AddItemToArray((cJSON *)s, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(s, 0), "site", "site-a");
	cJSON_AddItemToArray((cJSON *)s, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(s, 1), "site", "site-b");
	cJSON_AddItemToArray((cJSON *)s, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(s, 2), "site", "site-gone");
	CHECK("self_inspection built", summary_self_inspection(st, &cfg, start, end, o) == 0);
	s = cJSON_GetObjectItemCaseSensitive(o, "totals");
	CHECK_DBL("totals: 3 configured sites", num(s, "self_inspection", "sites"), 3);
	CHECK_DBL("totals: 1 site inspected (a test press is not one)",
		  num(s, "self_inspection", "inspected"), 1);
	CHECK_DBL("totals: 2 inspections in the period", num(s, "self_inspection",
							     "inspections"), 2);
	CHECK_DBL("totals: 自查率 1/3", num(s, "self_inspection", "rate"), 0.3333);
	CHECK_DBL("site-a: inspected", num(site_entry(o, "site-a"), "self_inspection",
					   "inspected"), 1);
	CHECK_DBL("site-a: rate 1", num(site_entry(o, "site-a"), "self_inspection", "rate"), 1);
	CHECK_DBL("site-b: not inspected", num(site_entry(o, "site-b"), "self_inspection",
					       "inspected"), 0);
	CHECK("a site no longer configured: no self_inspection",
	      !cJSON_GetObjectItemCaseSensitive(site_entry(o, "site-gone"), "self_inspection"));
	cJSON_Delete(o);
	store_close(st);
	unlink(path);
	snprintf(path, sizeof path, "%s/sc.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sc.db-shm", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sc.db.hwm", dir);
	unlink(path);
}

int main(void)
{
	char dir[64];

	snprintf(dir, sizeof dir, "/tmp/test_selfcheck.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	log_init("test_selfcheck", LOG_LVL_WARN);
	test_validate();
	cfg_dir = dir;
	test_config();
	test_rate(dir);
	rmdir(dir);
	TEST_DONE();
}
