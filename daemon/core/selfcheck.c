/*
 * selfcheck.c: the self-inspection (自查) checklists (core/selfcheck.h).
 *
 * The items are the ones the district's rules ask a place of each kind to
 * look at itself: the gas hose and valve of a kitchen, the test button of
 * its detectors, no e-bike parked or charged in a corridor or stairwell,
 * the extinguisher, the exits.  A failed item is a hazard at the site
 * (app/ops_selfcheck.c), so a checklist names only what a person can see
 * and put right.
 */
#include <stdio.h>
#include <string.h>

#include "selfcheck.h"

#define ITEM_GAS_HOSE   { "gas_hose", "燃气软管与阀门完好、无老化无泄漏" }
#define ITEM_DETECTOR   { "detector_test", "报警器按键自检正常" }
#define ITEM_EBIKE      { "ebike_corridor", "楼道、楼梯间无电动自行车停放充电" }
#define ITEM_EXTINGUISH { "extinguisher", "灭火器在位、压力正常、未过期" }
#define ITEM_EXITS      { "exits", "安全出口、疏散通道畅通" }
#define ITEM_CHARGER    { "charger_area", "充电区无私拉电线、无杂物堆放" }

static const struct selfcheck_item restaurant[] = {
	ITEM_GAS_HOSE, ITEM_DETECTOR, ITEM_EXTINGUISH, ITEM_EXITS,
};
static const struct selfcheck_item rental_housing[] = {
	ITEM_EBIKE, ITEM_DETECTOR, ITEM_EXTINGUISH, ITEM_EXITS,
};
static const struct selfcheck_item charging_station[] = {
	ITEM_CHARGER, ITEM_DETECTOR, ITEM_EXTINGUISH, ITEM_EXITS,
};
static const struct selfcheck_item community[] = {
	ITEM_EBIKE, ITEM_EXTINGUISH, ITEM_EXITS,
};
static const struct selfcheck_item other[] = {
	ITEM_DETECTOR, ITEM_EXTINGUISH, ITEM_EXITS,
};

#define LIST(a) { a, (int)(sizeof a / sizeof a[0]) }
static const struct {
	const struct selfcheck_item *items;
	int n;
} lists[SITE_KIND_COUNT] = {
	[SITE_RESTAURANT] = LIST(restaurant),
	[SITE_RENTAL_HOUSING] = LIST(rental_housing),
	[SITE_CHARGING_STATION] = LIST(charging_station),
	[SITE_COMMUNITY] = LIST(community),
	[SITE_OTHER] = LIST(other),
};

const struct selfcheck_item *selfcheck_list(enum site_kind k, int *n)
{
	if ((unsigned)k >= SITE_KIND_COUNT) {
		*n = 0;
		return NULL;
	}
	*n = lists[k].n;
	return lists[k].items;
}

static int item_at(const struct selfcheck_item *l, int n, const char *id)
{
	int i;

	for (i = 0; id && i < n; i++)
		if (strcmp(l[i].id, id) == 0)
			return i;
	return -1;
}

int selfcheck_validate(enum site_kind k, const char *const *ids, int n, char *err,
		       size_t errlen)
{
	bool seen[SELFCHECK_ITEMS_MAX] = { false };
	const struct selfcheck_item *l;
	int nl, i, at;

	l = selfcheck_list(k, &nl);
	if (!l || nl == 0) {
		snprintf(err, errlen, "no self-inspection checklist for this site kind");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((at = item_at(l, nl, ids[i])) < 0) {
			snprintf(err, errlen, "item %.40s is not on the %s checklist",
				 ids[i] ? ids[i] : "(none)", site_kind_name[k]);
			return -1;
		}
		if (seen[at]) {
			snprintf(err, errlen, "item %s given twice", l[at].id);
			return -1;
		}
		seen[at] = true;
	}
	for (i = 0; i < nl; i++)
		if (!seen[i]) {
			snprintf(err, errlen, "item %s of the %s checklist not given "
				 "(a self-inspection covers every item)", l[i].id,
				 site_kind_name[k]);
			return -1;
		}
	return 0;
}
