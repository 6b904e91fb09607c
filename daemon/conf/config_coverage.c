/*
 * config_coverage.c: $.coverage, what each site kind must have installed
 * (全覆盖; core/coverage.h names the requirements):
 *
 *   "coverage": {"requirements": {"restaurant": ["gas_detector", "gas_shutoff"],
 *                                 "community": ["smoke_alarm"]}}
 *
 * The check is on by default with the built-in sets (coverage_default);
 * a kind the section lists replaces its set, an empty list requires
 * nothing, and "enabled": false turns the check off (an object, like
 * every other section, rather than "coverage": false: the requirements
 * may stay written down while it is off).
 */
#include <string.h>

#include "conf.h"
#include "config_parse.h"

static const struct field coverage_fields[] = {
	{ .key = "enabled", .type = T_OTHER },
	{ .key = "requirements", .type = T_OTHER },
};

static unsigned parse_list(struct ctx *c, const cJSON *arr, const char *p)
{
	const cJSON *it;
	char q[CFG_PATH_LEN], w[80], list[160];
	unsigned mask = 0;
	int i = 0, r;

	cJSON_ArrayForEach(it, arr) {
		path_index(q, sizeof q, p, i++);
		if (!cJSON_IsString(it)) {
			cfg_err(c, at_open(c, it), q, "expected string, got %s", json_type(it));
			continue;
		}
		r = coverage_req_from_name(it->valuestring);
		if (r < 0)
			cfg_err(c, at_open(c, it), q, "unknown requirement %s (expected %s)",
				quote(w, sizeof w, it->valuestring),
				join(list, sizeof list, coverage_req_name, COV_REQ_COUNT));
		else
			mask |= 1u << r;
	}
	return mask;
}

int site_kind_array(struct ctx *c, const cJSON *obj, const cJSON *it, const char *opath,
		    char *p, size_t plen)
{
	char q[80], list[128];
	int k;

	if (is_comment(it->string))
		return -1;
	path_key(p, plen, opath, it->string);
	if (check_dup_key(c, obj, it, p))
		return -1;
	k = name_index(site_kind_name, SITE_KIND_COUNT, it->string);
	if (k < 0) {
		cfg_err(c, at_key(c, it), p, "unknown site kind %s (expected %s)",
			quote(q, sizeof q, it->string),
			join(list, sizeof list, site_kind_name, SITE_KIND_COUNT));
		return -1;
	}
	if (!cJSON_IsArray(it)) {
		cfg_err(c, at_key(c, it), p, "expected array, got %s", json_type(it));
		return -1;
	}
	return k;
}

void parse_coverage(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *cov, *req, *it;
	char p[CFG_PATH_LEN];
	int k;

	memcpy(cfg->coverage.requires, coverage_default, sizeof cfg->coverage.requires);
	cfg->coverage.check = true;
	if (!(cov = get_object(c, root, "$", "coverage", 0)))
		return;
	check_keys(c, cov, "$.coverage", coverage_fields, ARRAY_LEN(coverage_fields));
	get_bool(c, cov, "$.coverage", "enabled", 0, true, &cfg->coverage.check);
	req = get_object(c, cov, "$.coverage", "requirements", 0);
	cJSON_ArrayForEach(it, req)
		if ((k = site_kind_array(c, req, it, "$.coverage.requirements", p, sizeof p)) >= 0)
			cfg->coverage.requires[k] = parse_list(c, it, p);
}
