/*
 * ops_reports.c: listings with filters and the reports (ops.h): the
 * control socket's "hazards", "alarms", "faults", "records" (open, site,
 * state, severity, since), "report" (the daily summary on demand) and
 * "ledger" (a site's rows).  What a summary holds is built in summary.c.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

/* An optional filter: 1 present, 0 absent or null, -1 with e. */
static int opt_str(const cJSON *req, const char *key, const char **out,
		   struct ops_error *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring || !*v->valuestring ||
	    strlen(v->valuestring) >= TOPIC_MAX) {
		ops_fail(e, OPS_INVALID, "\"%s\" must be a non-empty string", key);
		return -1;
	}
	*out = v->valuestring;
	return 1;
}

cJSON *ops_records_where(struct daemon *d, const cJSON *req, const char *kind,
			 struct ops_error *e)
{
	const cJSON *open = cJSON_GetObjectItemCaseSensitive(req, "open");
	struct hazard_filter f;
	const char *since;
	int k = kind ? record_kind_from_name(kind) : -1;
	cJSON *r;

	memset(&f, 0, sizeof f);
	f.kind = kind;
	if (open && !cJSON_IsBool(open))
		return ops_fail(e, OPS_INVALID, "\"open\" must be true or false");
	f.open_only = cJSON_IsTrue(open);
	if (opt_str(req, "site", &f.site, e) < 0 ||
	    opt_str(req, "state", &f.state, e) < 0 ||
	    opt_str(req, "severity", &f.severity, e) < 0 ||
	    opt_str(req, "since", &since, e) < 0)
		return NULL;
	if (f.state && (k >= 0 ? !record_state_valid((enum record_kind)k, f.state)
			       : (!record_state_valid(REC_ALARM, f.state) &&
				  !record_state_valid(REC_FAULT, f.state) &&
				  !record_state_valid(REC_HAZARD, f.state))))
		return ops_fail(e, OPS_INVALID, "unknown state \"%.40s\" for %ss (%s)",
				f.state, k >= 0 ? record_kind_name[k] : "record",
				k == REC_ALARM ? "active, acknowledged or ended" :
				k == REC_FAULT ? "active, cleared or dismissed" :
				"open, rectifying, submitted or closed");
	if (f.severity && strcmp(f.severity, "general") != 0 &&
	    strcmp(f.severity, "major") != 0)
		return ops_fail(e, OPS_INVALID,
				"unknown severity \"%.40s\" (expected general or major)",
				f.severity);
	if (since && localtime_parse_since(d->cfg->summary.timezone, since, now_wall_ms(),
					 &f.since_ms, e->msg, sizeof e->msg) < 0) {
		e->cls = OPS_INVALID;
		return NULL;
	}
	if (!d->store)
		return ops_fail(e, OPS_FAILED, "store not available");
	r = store_list_hazards_where(d->store, &f);
	if (!r)
		return ops_fail(e, OPS_FAILED, "cannot list hazards (store error)");
	return r;
}

/* {"cmd":"report","date":"YYYY-MM-DD"|null,"publish":bool (default true)} */
cJSON *ops_report(struct daemon *d, const cJSON *req, struct ops_error *e)
{
	const cJSON *pub = cJSON_GetObjectItemCaseSensitive(req, "publish");
	bool publish = !pub || cJSON_IsTrue(pub);
	const char *date;
	cJSON *out;

	if (opt_str(req, "date", &date, e) < 0)
		return NULL;
	if (pub && !cJSON_IsBool(pub))
		return ops_fail(e, OPS_INVALID, "\"publish\" must be true or false");
	if (!(out = ops_summary(d, date, publish, e)))
		return NULL;
	cJSON_AddBoolToObject(out, "queued", publish);
	return out;
}

/* {"cmd":"ledger","site":"..."}: the rows; hazardctl renders CSV or JSON.
 * A site no longer configured still has its history; a site neither
 * configured nor in the history is an error (a mistyped id is not an
 * empty ledger). */
cJSON *ops_ledger(struct daemon *d, const cJSON *req, struct ops_error *e)
{
	const char *site;
	cJSON *r;

	if (opt_str(req, "site", &site, e) < 0)
		return NULL;
	if (!site)
		return ops_fail(e, OPS_INVALID, "missing \"site\"");
	if (!d->store)
		return ops_fail(e, OPS_FAILED, "store not available");
	r = store_ledger(d->store, site, now_wall_ms());
	if (!r)
		return ops_fail(e, OPS_FAILED, "cannot read the ledger (store error)");
	if (cJSON_GetArraySize(r) == 0 && !config_find_site(d->cfg, site)) {
		cJSON_Delete(r);
		return ops_fail(e, OPS_NOT_FOUND, "no such site: %.*s", OPS_ECHO_MAX, site);
	}
	store_assign_rows(d->store, r, "id");   /* who each hazard is assigned to */
	return r;
}
