/*
 * test_selfcheck.c: the self-inspection checklist's validation
 * (core/selfcheck.c) and the self-inspection rate, 自查率
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
	return selfcheck_validate(k, ids, n, err, sizeof err) == 0 ? "" : err;
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
	const struct selfcheck_item *l;
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

		l = selfcheck_list((enum site_kind)k, &n);
		snprintf(name, sizeof name, "%s: a checklist of 1..%d items, unique ids",
			 site_kind_name[k], SELFCHECK_ITEMS_MAX);
		for (i = 0; l && i < n; i++)
			for (j = i + 1; j < n; j++)
				dup += strcmp(l[i].id, l[j].id) == 0;
		CHECK(name, l && n >= 1 && n <= SELFCHECK_ITEMS_MAX && !dup);
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
	test_rate(dir);
	rmdir(dir);
	TEST_DONE();
}
