/*
 * selfcheck.c: the self-inspection (自查) checklists (core/selfcheck.h).
 *
 * The built-in items are what the district campaigns ask a place of each
 * kind to look at itself: the gas hose and valve of a kitchen and the
 * test button of its detectors (the gas safety campaign's leak alarms in
 * every restaurant), no e-bike parked or charged in a corridor or
 * stairwell (the e-bike fire campaign), the extinguisher and the exits
 * (fire equipment and clear escape routes, 生命通道).  docs/config.md
 * names the documents behind each.  A failed item is a hazard at the site
 * (app/ops_selfcheck.c), so a checklist names only what a person can see
 * and put right.  $.selfcheck replaces a kind's list.
 */
#include <stdio.h>
#include <string.h>

#include "selfcheck.h"

#define ITEM_GAS_HOSE   { "gas_hose", "燃气软管与阀门完好、无老化无泄漏", \
			  "gas hose and valve intact, not aged, not leaking" }
#define ITEM_DETECTOR   { "detector_test", "报警器按键自检正常", \
			  "detector test button: the alarm sounds" }
#define ITEM_EBIKE      { "ebike_corridor", "楼道、楼梯间无电动自行车停放充电", \
			  "no e-bike parked or charging in corridors or stairwells" }
#define ITEM_EXTINGUISH { "extinguisher", "灭火器在位、压力正常、未过期", \
			  "extinguisher in place, pressure normal, in date" }
#define ITEM_EXITS      { "exits", "安全出口、疏散通道畅通", \
			  "exits and escape routes clear" }
#define ITEM_CHARGER    { "charger_area", "充电区无私拉电线、无杂物堆放", \
			  "charging area: no makeshift wiring, nothing piled up" }

#define LIST(...) { .n = (int)(sizeof (struct selfcheck_item[]){ __VA_ARGS__ } / \
			       sizeof (struct selfcheck_item)), \
		    .items = { __VA_ARGS__ } }

static const struct selfcheck_list builtin[SITE_KIND_COUNT] = {
	[SITE_RESTAURANT] = LIST(ITEM_GAS_HOSE, ITEM_DETECTOR, ITEM_EXTINGUISH, ITEM_EXITS),
	[SITE_RENTAL_HOUSING] = LIST(ITEM_EBIKE, ITEM_DETECTOR, ITEM_EXTINGUISH, ITEM_EXITS),
	[SITE_CHARGING_STATION] = LIST(ITEM_CHARGER, ITEM_DETECTOR, ITEM_EXTINGUISH,
				       ITEM_EXITS),
	[SITE_COMMUNITY] = LIST(ITEM_EBIKE, ITEM_EXTINGUISH, ITEM_EXITS),
	[SITE_OTHER] = LIST(ITEM_DETECTOR, ITEM_EXTINGUISH, ITEM_EXITS),
};

const struct selfcheck_list *selfcheck_default(enum site_kind k)
{
	return (unsigned)k < SITE_KIND_COUNT ? &builtin[k] : NULL;
}

const struct selfcheck_list *selfcheck_effective(const struct selfcheck_list *lists,
						 enum site_kind k)
{
	if ((unsigned)k >= SITE_KIND_COUNT)
		return NULL;
	return lists && lists[k].n > 0 ? &lists[k] : &builtin[k];
}

const struct selfcheck_item *selfcheck_find(const struct selfcheck_list *l, const char *id)
{
	int i;

	for (i = 0; l && id && i < l->n; i++)
		if (strcmp(l->items[i].id, id) == 0)
			return &l->items[i];
	return NULL;
}

bool selfcheck_id_ok(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	return n >= 1 && n < SELFCHECK_ID_MAX;
}

int selfcheck_validate(const struct selfcheck_list *l, const char *kind,
		       const char *const *ids, int n, char *err, size_t errlen)
{
	bool seen[SELFCHECK_ITEMS_MAX] = { false };
	const struct selfcheck_item *it;
	int i, at;

	if (!l || l->n <= 0 || l->n > SELFCHECK_ITEMS_MAX) {
		snprintf(err, errlen, "no self-inspection checklist for this site kind");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!(it = selfcheck_find(l, ids[i]))) {
			snprintf(err, errlen, "item %.40s is not on the %s checklist",
				 ids[i] ? ids[i] : "(none)", kind);
			return -1;
		}
		at = (int)(it - l->items);
		if (seen[at]) {
			snprintf(err, errlen, "item %s given twice", it->id);
			return -1;
		}
		seen[at] = true;
	}
	for (i = 0; i < l->n; i++)
		if (!seen[i]) {
			snprintf(err, errlen, "item %s of the %s checklist not given "
				 "(a self-inspection covers every item)", l->items[i].id, kind);
			return -1;
		}
	return 0;
}
