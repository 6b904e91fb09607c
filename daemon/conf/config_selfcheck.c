/*
 * config_selfcheck.c: $.selfcheck, the self-inspection (自查) checklist of
 * a site kind as the district wants it (core/selfcheck.h):
 *
 *   "selfcheck": {"restaurant": [{"id": "gas_hose",
 *                                 "text": "燃气软管无老化、无破损",
 *                                 "text_en": "gas hose not aged or damaged"}, ...]}
 *
 * A kind listed replaces its built-in list as a whole (a self-inspection
 * answers every item of one list, so two lists are never merged); a kind
 * left out keeps it.  An id is what hazardctl and the upstream message
 * name: [a-z_], once per list.  The text is what a person reads and what
 * a failed item's hazard says, so it must be clean text.
 */
#include <string.h>

#include "conf.h"
#include "config_parse.h"

static const struct field item_fields[] = {
	{ FIELD(struct selfcheck_item, "id", T_STR, id, CF_REQUIRED) },
	{ FIELD(struct selfcheck_item, "text", T_STR, text, CF_REQUIRED) },
	{ FIELD(struct selfcheck_item, "text_en", T_STR, text_en, CF_NONEMPTY) },
};

/* The strings of one item beyond their type and length. */
static void check_item(struct ctx *c, const cJSON *it, const char *ip,
		       const struct selfcheck_list *l, int i)
{
	const struct selfcheck_item *m = &l->items[i];
	static const char *const texts[] = { "text", "text_en" };
	char p[CFG_PATH_LEN], q[80];
	const char *why;
	int j;

	path_key(p, sizeof p, ip, "id");
	if (m->id[0] && !selfcheck_id_ok(m->id))
		cfg_err(c, member_line(c, it, "id"), p, "item id %s: 1 to %d of a-z and _",
			quote(q, sizeof q, m->id), SELFCHECK_ID_MAX - 1);
	for (j = 0; m->id[0] && j < i; j++)
		if (strcmp(l->items[j].id, m->id) == 0) {
			cfg_err(c, member_line(c, it, "id"), p, "duplicate item id %s (first "
				"at index %d)", quote(q, sizeof q, m->id), j);
			break;
		}
	for (j = 0; j < 2; j++) {
		const char *v = j ? m->text_en : m->text;

		path_key(p, sizeof p, ip, texts[j]);
		if (*v && (why = text_check(v)))
			cfg_err(c, member_line(c, it, texts[j]), p, "%s", why);
	}
}

static void parse_list(struct ctx *c, const cJSON *arr, const char *p,
		       struct selfcheck_list *l)
{
	const cJSON *it;
	char ip[CFG_PATH_LEN];
	int i = 0, n = cJSON_GetArraySize(arr);

	memset(l, 0, sizeof *l);
	if (n == 0) {
		cfg_err(c, at_key(c, arr), p, "a checklist needs at least one item (leave "
			"the kind out to keep its built-in list)");
		return;
	}
	if (n > SELFCHECK_ITEMS_MAX) {
		cfg_err(c, at_key(c, arr), p, "%d items, at most %d per checklist", n,
			SELFCHECK_ITEMS_MAX);
		return;
	}
	cJSON_ArrayForEach(it, arr) {
		path_index(ip, sizeof ip, p, i);
		if (!cJSON_IsObject(it))
			cfg_err(c, at_open(c, it), ip, "expected object, got %s", json_type(it));
		else {
			parse_fields(c, it, ip, item_fields, ARRAY_LEN(item_fields),
				     &l->items[i]);
			check_item(c, it, ip, l, i);
		}
		i++;
	}
	l->n = i;
	l->configured = true;
}

void parse_selfcheck(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *sc, *it;
	char p[CFG_PATH_LEN];
	int k;

	memset(cfg->selfcheck, 0, sizeof cfg->selfcheck);
	if (!(sc = get_object(c, root, "$", "selfcheck", 0)))
		return;
	cJSON_ArrayForEach(it, sc)
		if ((k = site_kind_array(c, sc, it, "$.selfcheck", p, sizeof p)) >= 0)
			parse_list(c, it, p, &cfg->selfcheck[k]);
}
