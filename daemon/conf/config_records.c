/*
 * config_records.c: $.deadlines, $.priorities, $.records and the kinds'
 * rules ($.rules): how records are graded, when hazards are due and
 * rectified.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "conf.h"
#include "config_lines.h"
#include "config_parse.h"

/* $.deadlines.types.<type> as an object */
static const struct field type_deadline_fields[] = {
	{ .key = "major_h", .type = T_OTHER },  { .key = "general_h", .type = T_OTHER },
};

/* ------------------------------------------------------------ life cycle */

/* A hazard type named by key; -1 (reported) when there is none. */
int cfg_hazard_type(struct ctx *c, const cJSON *it, const char *p)
{
	char q[80], list[256];
	int t = name_index(hazard_type_name, HZ_TYPE_COUNT, it->string);

	if (t < 0)
		cfg_err(c, at_key(c, it), p, "unknown hazard type %s (expected %s)",
			quote(q, sizeof q, it->string),
			join(list, sizeof list, hazard_type_name, HZ_TYPE_COUNT));
	return t;
}

/* One priority class by name into *out (class + 1, see CFG_PRIORITY). */
void cfg_priority_class(struct ctx *c, const cJSON *it, const char *p,
			       unsigned char *out)
{
	char q[80], list[64];
	int k;

	if (!cJSON_IsString(it)) {
		cfg_err(c, at_key(c, it), p, "expected a priority class (string), got %s",
			json_type(it));
		return;
	}
	k = name_index(priority_name, 4, it->valuestring);
	if (k < 0)
		cfg_err(c, at_key(c, it), p, "unknown priority class %s (expected %s)",
			quote(q, sizeof q, it->valuestring), join(list, sizeof list,
								  priority_name, 4));
	else
		*out = (unsigned char)(k + 1);
}

/*
 * $.deadlines.types: {"gas_leak": 2, "low_battery": {"general_h": 336}}:
 * hours for both severities, or per severity.  $.priorities:
 * {"low_battery": "minor", "tamper": {"general": "serious", "major":
 * "urgent"}}: a class for both severities, or per severity.
 */
void parse_lifecycle(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *dl = get_object(c, root, "$", "deadlines", 0);
	const cJSON *types = get_object(c, dl, "$.deadlines", "types", 0);
	const cJSON *prios = get_object(c, root, "$", "priorities", 0), *it;
	static const char *const sev_key[2] = { "general", "major" };
	char p[CFG_PATH_LEN];
	int t, sev;

	cJSON_ArrayForEach(it, types) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, "$.deadlines.types", it->string);
		if (check_dup_key(c, types, it, p) || (t = cfg_hazard_type(c, it, p)) < 0)
			continue;
		if (cJSON_IsObject(it)) {
			check_keys(c, it, p, type_deadline_fields, ARRAY_LEN(type_deadline_fields));
			get_double(c, it, p, "major_h", CF_MIN_EXCL, 0, 0, 8760,
				   &cfg->deadlines.type_major_h[t]);
			get_double(c, it, p, "general_h", CF_MIN_EXCL, 0, 0, 8760,
				   &cfg->deadlines.type_general_h[t]);
		} else if (val_double(c, it, p, CF_MIN_EXCL, 0, 8760,
				      &cfg->deadlines.type_major_h[t]) == 1) {
			cfg->deadlines.type_general_h[t] = cfg->deadlines.type_major_h[t];
		}
	}
	cJSON_ArrayForEach(it, prios) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, "$.priorities", it->string);
		if (check_dup_key(c, prios, it, p) || (t = cfg_hazard_type(c, it, p)) < 0)
			continue;
		if (cJSON_IsObject(it)) {
			static const struct field sev_fields[] = {
				{ .key = "general", .type = T_OTHER },
				{ .key = "major", .type = T_OTHER },
			};
			char q[CFG_PATH_LEN];

			check_keys(c, it, p, sev_fields, ARRAY_LEN(sev_fields));
			for (sev = 0; sev < 2; sev++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, sev_key[sev]);

				path_key(q, sizeof q, p, sev_key[sev]);
				if (v)
					cfg_priority_class(c, v, q, &cfg->priority[t][sev]);
			}
		} else {
			cfg_priority_class(c, it, p, &cfg->priority[t][0]);
			cfg->priority[t][1] = cfg->priority[t][0];
		}
	}
}

/*
 * $.records: where hazards come from and how they are graded (records.c,
 * core/record.h; docs/config.md).
 *   "hazard_at_once": [{"type": "gas_leak", "site_kind": "restaurant"}]
 *     alarms that are a hazard the moment they are raised (absent: the
 *     built-in list; [] none: every alarm waits for verification)
 *   "grading": [{"type", "site_kind", "level": "low"|"high",
 *     "recurrence": bool, "severity": "general"|"major"}], tried in order
 *     before the built-in table; a key left out matches anything
 *   "recurrence": {"count": 3, "window_h": 168}: that many alarms or
 *     faults of one type at one device within the window raise a hazard
 *     (count 0: never)
 *   "fault_limit_h": {"device_offline": 24, ...}: a fault active this long
 *     raises a hazard (0: never)
 *   "normal_before_submit_h": 24, or {"gas_leak": 24, ...}: how long a
 *     hazard's condition must have been normal before it may be submitted
 *     for re-inspection, for every type or per type (0: at once)
 */
static const char *const level_names[] = { "low", "high" };

int get_choice(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *what, const char *const *names, size_t n);

int rec_type(struct ctx *c, const cJSON *obj, const char *p)
{
	return get_choice(c, obj, p, "type", 0, "hazard type", hazard_type_name, HZ_TYPE_COUNT);
}

int rec_site_kind(struct ctx *c, const cJSON *obj, const char *p)
{
	return get_choice(c, obj, p, "site_kind", 0, "site kind", site_kind_name,
			  SITE_KIND_COUNT);
}

/* $.records.normal_before_submit_h: hours for every type, or per type
 * (the others keep core/record.c's defaults). */
static void parse_normal_submit(struct ctx *c, const cJSON *rec, struct config *cfg)
{
	static const char *const P = "$.records.normal_before_submit_h";
	const cJSON *v = rec ? cJSON_GetObjectItemCaseSensitive(rec, "normal_before_submit_h")
			     : NULL, *it;
	char p[CFG_PATH_LEN];
	double h;
	int t;

	if (!v)
		return;
	if (cJSON_IsNumber(v)) {
		if (val_double(c, v, P, 0, 0, 8760, &h) != 1)
			return;
		for (t = 0; t < HZ_TYPE_COUNT; t++) {
			cfg->records.normal_submit_h[t] = h;
			cfg->records.normal_submit_set[t] = true;
		}
		return;
	}
	if (!cJSON_IsObject(v)) {
		cfg_err(c, at_key(c, v), P, "expected hours (number) or an object of hours "
			"per hazard type, got %s", json_type(v));
		return;
	}
	cJSON_ArrayForEach(it, v) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, P, it->string);
		if (check_dup_key(c, v, it, p) || (t = cfg_hazard_type(c, it, p)) < 0)
			continue;
		if (val_double(c, it, p, 0, 0, 8760, &cfg->records.normal_submit_h[t]) == 1)
			cfg->records.normal_submit_set[t] = true;
	}
}

void parse_records(struct ctx *c, const cJSON *root, struct config *cfg)
{
	static const struct field rec_fields[] = {
		{ .key = "hazard_at_once", .type = T_OTHER }, { .key = "grading", .type = T_OTHER },
		{ .key = "recurrence", .type = T_OTHER }, { .key = "fault_limit_h", .type = T_OTHER },
		{ .key = "normal_before_submit_h", .type = T_OTHER },
		{ .key = "evidence_max_bytes", .type = T_OTHER },
		{ .key = "evidence_quota_pct", .type = T_OTHER },
	}, raise_fields[] = {
		{ .key = "type", .type = T_OTHER }, { .key = "site_kind", .type = T_OTHER },
	}, grade_fields[] = {
		{ .key = "type", .type = T_OTHER }, { .key = "site_kind", .type = T_OTHER },
		{ .key = "level", .type = T_OTHER }, { .key = "recurrence", .type = T_OTHER },
		{ .key = "severity", .type = T_OTHER },
	}, recur_fields[] = {
		{ .key = "count", .type = T_OTHER }, { .key = "window_h", .type = T_OTHER },
	};
	const cJSON *rec = get_object(c, root, "$", "records", 0), *raise, *grading, *recur,
		*limits, *it;
	char p[CFG_PATH_LEN];
	int i = 0, t;

	/* evidence files: 4 MiB a file (a phone's photo), a fifth of the
	 * storage quota in all; the control socket's line limit
	 * (io/control_socket.c) holds a file of EVIDENCE_FILE_MAX in base64 */
	cfg->records.evidence_max_bytes = 4 * 1024 * 1024;
	cfg->records.evidence_quota_pct = 20;
	if (!rec)
		return;
	check_keys(c, rec, "$.records", rec_fields, ARRAY_LEN(rec_fields));
	get_int(c, rec, "$.records", "evidence_max_bytes", 0, 4 * 1024 * 1024, 1,
		EVIDENCE_FILE_MAX, &cfg->records.evidence_max_bytes);
	get_int(c, rec, "$.records", "evidence_quota_pct", 0, 20, 0, 50,
		&cfg->records.evidence_quota_pct);
	if ((raise = get_array(c, rec, "$.records", "hazard_at_once", 0))) {
		cfg->records.raise_set = true;
		cJSON_ArrayForEach(it, raise) {
			struct raise_rule *r = &cfg->records.raise[cfg->records.n_raise];

			path_index(p, sizeof p, "$.records.hazard_at_once", i++);
			if (!cJSON_IsObject(it)) {
				cfg_err(c, at_open(c, it), p, "expected an object, got %s",
					json_type(it));
				continue;
			}
			if (cfg->records.n_raise == (int)ARRAY_LEN(cfg->records.raise)) {
				cfg_err(c, at_open(c, it), p, "at most %zu entries",
					ARRAY_LEN(cfg->records.raise));
				break;
			}
			check_keys(c, it, p, raise_fields, ARRAY_LEN(raise_fields));
			r->type = rec_type(c, it, p);
			r->site_kind = rec_site_kind(c, it, p);
			if (r->type >= 0 && record_kind_of((enum hazard_type)r->type) != REC_ALARM)
				cfg_err(c, member_line(c, it, "type"), p, "%s is not an alarm type",
					hazard_type_name[r->type]);
			cfg->records.n_raise++;
		}
	}
	i = 0;
	if ((grading = get_array(c, rec, "$.records", "grading", 0))) {
		cJSON_ArrayForEach(it, grading) {
			struct grade_rule *g = &cfg->records.grading[cfg->records.n_grading];
			bool recurrence;

			path_index(p, sizeof p, "$.records.grading", i++);
			if (!cJSON_IsObject(it)) {
				cfg_err(c, at_open(c, it), p, "expected an object, got %s",
					json_type(it));
				continue;
			}
			if (cfg->records.n_grading == (int)ARRAY_LEN(cfg->records.grading)) {
				cfg_err(c, at_open(c, it), p, "at most %zu rules",
					ARRAY_LEN(cfg->records.grading));
				break;
			}
			check_keys(c, it, p, grade_fields, ARRAY_LEN(grade_fields));
			g->type = rec_type(c, it, p);
			g->site_kind = rec_site_kind(c, it, p);
			g->level = get_choice(c, it, p, "level", 0, "level", level_names, 2);
			g->recurrence = get_bool(c, it, p, "recurrence", 0, false, &recurrence) == 1
					? (recurrence ? 1 : 0) : -1;
			t = get_choice(c, it, p, "severity", CF_REQUIRED, "severity", severity_name, 2);
			g->severity = t == SEV_MAJOR ? SEV_MAJOR : SEV_GENERAL;
			cfg->records.n_grading++;
		}
	}
	if ((recur = get_object(c, rec, "$.records", "recurrence", 0))) {
		check_keys(c, recur, "$.records.recurrence", recur_fields, ARRAY_LEN(recur_fields));
		cfg->records.recurrence_set = true;
		get_int(c, recur, "$.records.recurrence", "count", 0, 3, 0, 1000,
			&cfg->records.recurrence_count);
		get_double(c, recur, "$.records.recurrence", "window_h", CF_MIN_EXCL, 168, 0, 8760,
			   &cfg->records.recurrence_window_h);
	}
	limits = get_object(c, rec, "$.records", "fault_limit_h", 0);
	cJSON_ArrayForEach(it, limits) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, "$.records.fault_limit_h", it->string);
		if (check_dup_key(c, limits, it, p) || (t = cfg_hazard_type(c, it, p)) < 0)
			continue;
		if (record_kind_of((enum hazard_type)t) != REC_FAULT) {
			cfg_err(c, at_key(c, it), p, "%s is not a fault type", it->string);
			continue;
		}
		if (val_double(c, it, p, 0, 0, 8760, &cfg->records.fault_limit_h[t]) == 1)
			cfg->records.fault_limit_set[t] = true;
	}
	parse_normal_submit(c, rec, cfg);
}

/* $.rules: {"gas_detector": {...}, ...} over the built-in defaults. */
void parse_kind_rules(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *obj, *it;
	char p[CFG_PATH_LEN], q[80], list[128];
	int k;

	for (k = 0; k < DEV_KIND_COUNT; k++)
		rule_defaults(k, &cfg->kind_rules[k]);
	obj = get_object(c, root, "$", "rules", 0);
	cJSON_ArrayForEach(it, obj) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, "$.rules", it->string);
		if (check_dup_key(c, obj, it, p))
			continue;
		k = name_index(device_kind_name, DEV_KIND_COUNT, it->string);
		if (k < 0)
			cfg_err(c, at_key(c, it), p, "unknown device kind %s (expected %s)",
				quote(q, sizeof q, it->string),
				join(list, sizeof list, device_kind_name, DEV_KIND_COUNT));
		else if (!cJSON_IsObject(it))
			cfg_err(c, at_key(c, it), p, "expected object, got %s", json_type(it));
		else
			parse_rule_params(c, it, p, k, &cfg->kind_rules[k]);
	}
}

