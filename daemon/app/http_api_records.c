/*
 * http_api_records.c: the console's endpoints (docs/http.md has the
 * table).  Each one builds the request object the control socket's
 * command takes and calls the same operation (ops.h), then keeps to the
 * user's sites: an owner or caretaker sees and acts on their sites'
 * records, devices and sites only.  Actions are recorded as "web:NAME".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "coverage_check.h"
#include "register.h"

#define R_OWN   ((1u << HTTP_OWNER) | (1u << HTTP_CARETAKER))
#define R_GRID  (1u << HTTP_GRID_WORKER)
#define R_INST  (1u << HTTP_INSTALLER)
#define R_ADMIN (1u << HTTP_ADMIN)
#define R_READ  (R_OWN | R_GRID | R_ADMIN)
#define R_ALL   (R_READ | R_INST)

/* The members of arr whose member key (a site id) the user may see (arr
 * is consumed). */
static cJSON *visible_by(const struct http_user *u, cJSON *arr, const char *key)
{
	cJSON *out, *it, *next;

	if (!arr || u->role == HTTP_GRID_WORKER || u->role == HTTP_ADMIN ||
	    u->role == HTTP_INSTALLER)
		return arr;
	out = cJSON_CreateArray();
	for (it = arr->child; it; it = next) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, key);

		next = it->next;
		if (cJSON_IsString(s) && http_user_sees(u, s->valuestring))
			cJSON_AddItemToArray(out, cJSON_DetachItemViaPointer(arr, it));
	}
	cJSON_Delete(arr);
	return out;
}

static cJSON *visible(const struct http_user *u, cJSON *arr)
{
	return visible_by(u, arr, "site");
}

static cJSON *wrap(const char *key, cJSON *v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, key, v);
	return o;
}

/* ?state=open|all&site=ID into the listing's request */
static void list(struct api *a, const char *kind)
{
	const char *state = http_req_arg(a->r, "state"), *site = http_req_arg(a->r, "site");
	struct ops_error e = { .cls = OPS_OK };
	cJSON *req = cJSON_CreateObject(), *r;

	if (state && strcmp(state, "open") != 0 && strcmp(state, "all") != 0) {
		cJSON_Delete(req);
		api_error(a, 400, "state must be open or all");
		return;
	}
	cJSON_AddBoolToObject(req, "open", !state || strcmp(state, "open") == 0);
	if (site) {
		if (!http_user_sees(a->u, site)) {
			cJSON_Delete(req);
			api_error(a, 403, "not one of your sites");
			return;
		}
		cJSON_AddStringToObject(req, "site", site);
	}
	if (!ops_clean(req, &e)) {
		cJSON_Delete(req);
		api_error(a, 400, e.msg);
		return;
	}
	r = ops_records_where(a->c->d, req, kind, &e);
	cJSON_Delete(req);
	if (!r)
		api_result(a, NULL, &e, false);
	else
		api_json(a, 200, wrap("records", visible(a->u, r)));
}

static void get_alarms(struct api *a) { list(a, "alarm"); }
static void get_faults(struct api *a) { list(a, "fault"); }
static void get_hazards(struct api *a) { list(a, "hazard"); }

/* The record, NULL with the reply sent when it is not the user's. */
static cJSON *record_of(struct api *a, const char *id)
{
	struct ops_error e = { .cls = OPS_OK };
	cJSON *req = cJSON_CreateObject(), *r = NULL;
	const cJSON *site;
	const char *rid;

	cJSON_AddStringToObject(req, "id", id);
	if ((rid = ops_record_id(req, "id", &e)) && ops_clean(req, &e))
		r = ops_record_detail(a->c->d, rid, &e);
	cJSON_Delete(req);
	if (!r) {
		api_result(a, NULL, &e, false);
		return NULL;
	}
	site = cJSON_GetObjectItemCaseSensitive(r, "site");
	if (!cJSON_IsString(site) || !http_user_sees(a->u, site->valuestring)) {
		cJSON_Delete(r);
		api_error(a, 403, "not a record of your sites");
		return NULL;
	}
	return r;
}

#define CHART_MARGIN_MS (10 * 60 * 1000)
#define CHART_MAX       2000

/* The record's trigger value from 10 min before its raise to 10 min after
 * its clear (or now): the first field of its type's list
 * (record_trigger_field) that has readings in the window. */
static cJSON *readings_of(struct api *a, const char *id)
{
	struct hazard_rec rec;
	struct reading all = { .present = ~0u };
	cJSON *series = NULL;
	int i;

	if (!a->c->d->store || store_hazard_get(a->c->d->store, id, &rec) < 0 ||
	    !rec.device[0])
		return cJSON_CreateArray();
	for (i = 0; i < RF_COUNT && !series; i++) {
		enum reading_field f = record_trigger_field(rec.type, &all);

		if (f == RF_COUNT)
			break;
		all.present &= ~(1u << f);
		series = store_field_series(a->c->d->store, rec.device, reading_field_name[f],
					    rec.raised_at_ms - CHART_MARGIN_MS,
					    (rec.cleared_at_ms ? rec.cleared_at_ms : now_wall_ms()) +
					    CHART_MARGIN_MS, CHART_MAX);
		if (series && !series->child) {
			cJSON_Delete(series);
			series = NULL;
		}
	}
	return series ? series : cJSON_CreateArray();
}

static void get_record(struct api *a)
{
	cJSON *r = record_of(a, a->seg[0]);

	if (!r)
		return;
	cJSON_AddItemToObject(r, "readings", readings_of(a, a->seg[0]));
	api_json(a, 200, r);
}

/* POST /api/records/ID/ACTION: the control command's members, the id
 * from the path, the actor from the session. */
static const struct {
	const char *name;
	int a;                  /* enum record_action, -1: its own parse */
	unsigned roles;
} actions[] = {
	{ "ack", RA_ACK, R_OWN | R_ADMIN },
	{ "verify-alarm", RA_VERIFY, R_OWN | R_GRID | R_ADMIN },
	{ "dismiss", RA_DISMISS, R_OWN | R_ADMIN },
	{ "rectifying", RA_RECTIFY, R_OWN | R_ADMIN },
	{ "submit", RA_SUBMIT, R_OWN | R_ADMIN },
	{ "verify", RA_PASS, R_GRID | R_ADMIN },
	{ "close", RA_CLOSE, R_GRID | R_ADMIN },
	{ "assign", -1, R_OWN | R_ADMIN },
	{ "supervise", -2, R_GRID | R_ADMIN },
};

static void post_action(struct api *a)
{
	struct ops_error e = { .cls = OPS_OK };
	const char *id, *person, *note;
	cJSON *rec, *r = NULL;
	size_t i;
	int k = -1;

	for (i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(actions[i].name, a->seg[1]) == 0)
			k = (int)i;
	if (k < 0) {
		api_error(a, 404, "no such action");
		return;
	}
	if (!(actions[k].roles & (1u << a->u->role))) {
		api_error(a, 403, "your role may not do this");
		return;
	}
	if (!(rec = record_of(a, a->seg[0])))
		return;
	cJSON_Delete(rec);
	/* the path names the record, the session the actor */
	cJSON_DeleteItemFromObjectCaseSensitive(a->body, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(a->body, "actor");
	cJSON_AddStringToObject(a->body, "id", a->seg[0]);
	if (actions[k].a >= 0) {
		struct ops_action act = { .a = (enum record_action)actions[k].a };

		if (ops_action_parse(a->body, "id", &act, &e) == 0) {
			act.actor = a->actor;
			r = ops_act(a->c->d, &act, &e);
		}
	} else if (actions[k].a == -1) {
		if (ops_assign_parse(a->body, "id", &id, &person, &note, &e) == 0)
			r = ops_assign(a->c->d, id, person, a->actor, note, &e);
	} else if ((id = ops_record_id(a->body, "id", &e)) &&
		   ops_text(a->body, "note", OPS_NOTE_MAX, false, &note, &e) == 0) {
		r = ops_supervise(a->c->d, id, a->actor, note, &e);
	}
	if (r)
		log_info("http: %s: %s %s", a->actor, actions[k].name, a->seg[0]);
	api_result(a, r, &e, true);
}

static void get_status(struct api *a)
{
	struct ops_error e = { .cls = OPS_OK };
	cJSON *st = ops_status(a->c->d, a->c->status, &e), *o, *l;

	if (!st) {
		api_result(a, NULL, &e, false);
		return;
	}
	o = cJSON_CreateObject();
	l = cJSON_AddObjectToObject(o, "links");
	cJSON_AddBoolToObject(l, "local", a->c->d->local_connected);
	cJSON_AddBoolToObject(l, "upstream", a->c->d->upstream_connected);
	cJSON_AddItemToObject(o, "counts", st);
	api_json(a, 200, o);
}

/* ops_devices' entries as the console shows them */
static cJSON *devices_json(struct api *a, struct ops_error *e)
{
	cJSON *all = ops_devices(a->c->d, false, e), *out, *it;

	if (!all)
		return NULL;
	all = visible(a->u, all);
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(it, all) {
		cJSON *o = cJSON_CreateObject(), *last = cJSON_GetObjectItem(it, "last");
		const char *keys[] = { "id", "site", "kind", "format", "state" };
		const cJSON *age = cJSON_GetObjectItem(it, "last_seen_age_s");
		size_t i;

		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			cJSON_AddItemToObject(o, keys[i],
				cJSON_Duplicate(cJSON_GetObjectItem(it, keys[i]), true));
		if (cJSON_IsNumber(age))
			cJSON_AddNumberToObject(o, "last_seen",
				(double)(now_wall_ms() - (int64_t)(age->valuedouble * 1000)));
		else
			cJSON_AddNullToObject(o, "last_seen");
		cJSON_AddItemToObject(o, "values", cJSON_IsObject(last) ?
				      cJSON_Duplicate(last, true) : cJSON_CreateObject());
		cJSON_AddItemToObject(o, "detail", cJSON_Duplicate(it, true));
		cJSON_AddItemToArray(out, o);
	}
	cJSON_Delete(all);
	return out;
}

static void get_devices(struct api *a)
{
	struct ops_error e = { .cls = OPS_OK };
	cJSON *d = devices_json(a, &e);

	if (!d)
		api_result(a, NULL, &e, false);
	else
		api_json(a, 200, wrap("devices", d));
}

static void get_unknown(struct api *a)
{
	struct ops_error e = { .cls = OPS_OK };
	cJSON *r = ops_devices(a->c->d, true, &e);

	if (!r)
		api_result(a, NULL, &e, false);
	else
		api_json(a, 200, wrap("unknown", r));
}

/* The config's sites, with their people (no phone numbers), as the
 * register goes upstream (register_json). */
static cJSON *sites_json(struct api *a)
{
	cJSON *reg = register_json(a->c->d->cfg), *sites;

	sites = cJSON_DetachItemFromObjectCaseSensitive(reg, "sites");
	cJSON_Delete(reg);
	return visible_by(a->u, sites ? sites : cJSON_CreateArray(), "id");
}

static void get_sites(struct api *a)
{
	api_json(a, 200, wrap("sites", sites_json(a)));
}

/* "coverage": {"checked", "missing": [what the site's kind must have and
 * it lacks]} (coverage_summary_json); "last_selfcheck": ms or null */
static void site_coverage(struct api *a, cJSON *site)
{
	cJSON *all = coverage_summary_json(a->c->d->cfg), *cov = cJSON_CreateObject(), *it;
	cJSON *missing = NULL;
	int64_t at;

	cJSON_AddBoolToObject(cov, "checked", a->c->d->cfg->coverage.check);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(all, "short")) {
		const cJSON *id = cJSON_GetObjectItem(it, "site");

		if (cJSON_IsString(id) && strcmp(id->valuestring, a->seg[0]) == 0)
			missing = cJSON_DetachItemFromObject(it, "missing");
	}
	cJSON_AddItemToObject(cov, "missing", missing ? missing : cJSON_CreateArray());
	cJSON_Delete(all);
	cJSON_AddItemToObject(site, "coverage", cov);
	at = a->c->d->store ? store_last_selfcheck(a->c->d->store, a->seg[0]) : -1;
	if (at > 0)
		cJSON_AddNumberToObject(site, "last_selfcheck", (double)at);
	else
		cJSON_AddNullToObject(site, "last_selfcheck");
}

static void get_site(struct api *a)
{
	struct ops_error e = { .cls = OPS_OK };
	cJSON *sites, *it, *site = NULL, *req, *v;

	if (!http_user_sees(a->u, a->seg[0])) {
		api_error(a, 403, "not one of your sites");
		return;
	}
	sites = sites_json(a);
	cJSON_ArrayForEach(it, sites) {
		const cJSON *id = cJSON_GetObjectItem(it, "id");

		if (cJSON_IsString(id) && strcmp(id->valuestring, a->seg[0]) == 0)
			site = cJSON_DetachItemViaPointer(sites, it);
		if (site)
			break;
	}
	cJSON_Delete(sites);
	if (!site) {
		api_error(a, 404, "no such site");
		return;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "site", a->seg[0]);
	cJSON_AddBoolToObject(req, "open", true);
	if ((v = ops_records_where(a->c->d, req, NULL, &e)))
		cJSON_AddItemToObject(site, "records", v);
	if ((v = ops_ledger(a->c->d, req, &e)))
		cJSON_AddItemToObject(site, "ledger", v);
	if ((v = ops_selfcheck_list(a->c->d, a->seg[0], &e)))
		cJSON_AddItemToObject(site, "checklist", v);
	cJSON_Delete(req);
	site_coverage(a, site);
	if ((v = devices_json(a, &e))) {
		cJSON *mine = cJSON_CreateArray(), *n;

		for (it = v->child; it; it = n) {
			const cJSON *s = cJSON_GetObjectItem(it, "site");

			n = it->next;
			if (cJSON_IsString(s) && strcmp(s->valuestring, a->seg[0]) == 0)
				cJSON_AddItemToArray(mine, cJSON_DetachItemViaPointer(v, it));
		}
		cJSON_Delete(v);
		cJSON_AddItemToObject(site, "devices", mine);
	}
	api_json(a, 200, site);
}

static void get_checklist(struct api *a)
{
	const char *site = http_req_arg(a->r, "site");
	struct ops_error e = { .cls = OPS_OK };

	if (!site) {
		api_error(a, 400, "missing site");
		return;
	}
	if (!http_user_sees(a->u, site)) {
		api_error(a, 403, "not one of your sites");
		return;
	}
	api_result(a, ops_selfcheck_list(a->c->d, site, &e), &e, false);
}

static void post_selfcheck(struct api *a)
{
	const cJSON *site = cJSON_GetObjectItemCaseSensitive(a->body, "site");
	struct ops_error e = { .cls = OPS_OK };

	if (cJSON_IsString(site) && !http_user_sees(a->u, site->valuestring)) {
		api_error(a, 403, "not one of your sites");
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(a->body, "actor");
	api_result(a, ops_selfcheck(a->c->d, a->body, a->actor, &e), &e, true);
}

static void get_report(struct api *a)
{
	const char *day = http_req_arg(a->r, "day");
	struct ops_error e = { .cls = OPS_OK };
	cJSON *req = cJSON_CreateObject();
	cJSON *r = NULL;

	if (day)
		cJSON_AddStringToObject(req, "date", day);
	/* looking at it does not send it upstream */
	cJSON_AddFalseToObject(req, "publish");
	if (ops_clean(req, &e))
		r = ops_report(a->c->d, req, &e);
	cJSON_Delete(req);
	api_result(a, r, &e, false);
}

static void post_test(struct api *a)
{
	struct ops_error e = { .cls = OPS_OK };
	cJSON *req = cJSON_CreateObject();
	cJSON *r = NULL;
	const char *name;

	cJSON_AddStringToObject(req, "output", a->seg[0]);
	if ((name = ops_record_id(req, "output", &e)) && ops_clean(req, &e))
		r = ops_test(a->c->d, name, a->actor, &e);
	cJSON_Delete(req);
	api_result(a, r, &e, true);
}

static void post_switch(struct api *a)
{
	struct ops_error e = { .cls = OPS_OK };
	const char *set;
	cJSON *r = NULL;

	cJSON_DeleteItemFromObjectCaseSensitive(a->body, "device");
	cJSON_AddStringToObject(a->body, "device", a->seg[0]);
	if (ops_record_id(a->body, "device", &e) && ops_clean(a->body, &e) &&
	    (set = ops_record_id(a->body, "set", &e)))
		r = ops_switch(a->c->d, a->seg[0], set, a->actor, &e);
	api_result(a, r, &e, true);
}

static void get_users(struct api *a)
{
	cJSON *arr = cJSON_CreateArray();
	int i;

	for (i = 0; i < a->c->users.n; i++)
		cJSON_AddItemToArray(arr, http_user_json(&a->c->users.u[i]));
	api_json(a, 200, wrap("users", arr));
}

const struct api_route http_routes[] = {
	{ "GET", "/api/status", R_ALL, get_status },
	{ "GET", "/api/alarms", R_READ, get_alarms },
	{ "GET", "/api/faults", R_READ, get_faults },
	{ "GET", "/api/hazards", R_READ, get_hazards },
	{ "GET", "/api/records/*", R_READ, get_record },
	{ "POST", "/api/records/*/*", R_READ, post_action },
	{ "GET", "/api/devices", R_ALL, get_devices },
	{ "GET", "/api/sites", R_ALL, get_sites },
	{ "GET", "/api/sites/*", R_ALL, get_site },
	{ "GET", "/api/unknown", R_INST | R_ADMIN, get_unknown },
	{ "GET", "/api/checklist", R_READ, get_checklist },
	{ "POST", "/api/selfcheck", R_OWN | R_ADMIN, post_selfcheck },
	{ "GET", "/api/report/daily", R_GRID | R_ADMIN, get_report },
	{ "POST", "/api/outputs/*/test", R_INST | R_ADMIN, post_test },
	{ "POST", "/api/devices/*/switch", R_INST | R_ADMIN, post_switch },
	{ "GET", "/api/events", R_ALL, http_events_open },
	{ "GET", "/api/users", R_ADMIN, get_users },
};
const size_t http_n_routes = sizeof http_routes / sizeof http_routes[0];
