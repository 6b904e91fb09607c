/*
 * summary_selfcheck.c: the self-inspection rate (自查率) of the daily
 * summary (records.h): of the sites the config lists, the share with at
 * least one self-inspection (hazardctl selfcheck: self_checks rows of
 * source "checklist") within the period.
 *
 * A detector's test-button press is not a self-inspection: it is the
 * button self-test (按键自检, "button_self_test", summary.c), counted
 * apart.  A site removed from the config is not in the rate.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

struct si_count {
	const struct config *cfg;
	int64_t *per_site;              /* inspections per configured site */
};

static void on_row(void *ctx, const char *device, const char *site, const char *source,
		   int64_t count)
{
	struct si_count *c = ctx;
	int i;

	(void)device;
	if (strcmp(source, "checklist") != 0)
		return;
	for (i = 0; i < c->cfg->n_sites; i++)
		if (strcmp(c->cfg->sites[i].id, site) == 0)
			c->per_site[i] += count;
}

double summary_self_inspection_rate(int64_t inspected, int64_t sites)
{
	if (sites <= 0)
		return -1;
	return round((double)inspected / (double)sites * 10000.0) / 10000.0;
}

static cJSON *block(int64_t sites, int64_t inspected, int64_t inspections)
{
	cJSON *x = cJSON_CreateObject();
	double r = summary_self_inspection_rate(inspected, sites);

	if (!x)
		return NULL;
	cJSON_AddNumberToObject(x, "sites", (double)sites);
	cJSON_AddNumberToObject(x, "inspected", (double)inspected);
	cJSON_AddNumberToObject(x, "inspections", (double)inspections);
	cJSON_AddItemToObject(x, "rate", r < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(r));
	return x;
}

int summary_self_inspection(struct store *st, const struct config *cfg, int64_t start_ms,
			    int64_t cut_ms, cJSON *summary)
{
	struct si_count c = { .cfg = cfg };
	cJSON *sites = cJSON_GetObjectItemCaseSensitive(summary, "sites"), *s;
	const cJSON *id;
	int64_t inspected = 0, total = 0;
	int i;

	c.per_site = calloc((size_t)cfg->n_sites + 1, sizeof *c.per_site);
	if (!c.per_site)
		return -1;
	if (store_report_self_checks(st, start_ms, cut_ms, on_row, &c) < 0) {
		free(c.per_site);
		return -1;
	}
	for (i = 0; i < cfg->n_sites; i++) {
		inspected += c.per_site[i] > 0;
		total += c.per_site[i];
	}
	cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(summary, "totals"),
			      "self_inspection", block(cfg->n_sites, inspected, total));
	cJSON_ArrayForEach(s, sites) {
		id = cJSON_GetObjectItemCaseSensitive(s, "site");
		for (i = 0; cJSON_IsString(id) && i < cfg->n_sites; i++)
			if (strcmp(cfg->sites[i].id, id->valuestring) == 0)
				break;
		/* a site only the database knows: out of the rate */
		if (!cJSON_IsString(id) || i == cfg->n_sites)
			continue;
		cJSON_AddItemToObject(s, "self_inspection",
				      block(1, c.per_site[i] > 0, c.per_site[i]));
	}
	free(c.per_site);
	return 0;
}
