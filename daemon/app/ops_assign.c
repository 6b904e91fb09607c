/*
 * ops_assign.c: assignment (交办/签收) of a hazard to one of its site's
 * people (ops.h).  `hazardctl assign ID PERSON` and the platform's
 * `assign` both come here.
 *
 * The person must be one of the people the config lists for the hazard's
 * site ($.sites[].people): an assignment names someone the district can
 * find in the site register (app/register.c).  Only a hazard is assigned,
 * and not once it is closed.  Re-assigning is allowed: each assignment is
 * an "assigned" event upstream, and every later event of the hazard
 * carries the current assignee.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

static const struct person_cfg *site_person(const struct site_cfg *s, const char *id)
{
	int i;

	for (i = 0; i < s->n_people; i++)
		if (strcmp(s->people[i].id, id) == 0)
			return &s->people[i];
	return NULL;
}

/* "a (owner), b (grid_worker)": who can be named instead */
static void people_list(const struct site_cfg *s, char *buf, size_t size)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < s->n_people && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s (%s)", i ? ", " : "",
				      s->people[i].id, person_role_name[s->people[i].role]);
}

cJSON *ops_assign(struct daemon *d, const char *hazard_id, const char *person,
		  const char *actor, const char *note, struct ops_error *e)
{
	const struct site_cfg *site;
	const struct person_cfg *who;
	struct hazard_rec rec;
	char clip[OPS_ECHO_MAX], list[256], err[256] = "", at[32], idbuf[ID_MAX];
	int64_t now = now_wall_ms();
	cJSON *r;

	if (!d->store)
		return ops_fail(e, OPS_FAILED, "store not available");
	if (!(hazard_id = ops_resolve_record(d, hazard_id, idbuf, sizeof idbuf, e)))
		return NULL;
	if (store_hazard_get(d->store, hazard_id, &rec) != 0)
		return ops_fail(e, OPS_NOT_FOUND, "no such hazard: %s",
				ops_clip(hazard_id, clip, sizeof clip));
	if (rec.kind != REC_HAZARD)
		return ops_fail(e, OPS_INVALID, "%s is a%s %s: only a hazard is assigned",
				rec.id, rec.kind == REC_ALARM ? "n" : "",
				record_kind_name[rec.kind]);
	site = config_find_site(d->cfg, rec.site);
	if (!site || site->n_people == 0)
		return ops_fail(e, OPS_REFUSED, "site %s of hazard %s lists no people "
				"($.sites[].people): nobody to assign it to", rec.site, rec.id);
	if (!(who = site_person(site, person))) {
		people_list(site, list, sizeof list);
		return ops_fail(e, OPS_INVALID, "unknown person %s at site %s (its people: %s)",
				ops_clip(person, clip, sizeof clip), rec.site, list);
	}
	if (store_begin(d->store) < 0)
		return ops_fail(e, OPS_BUSY, "database busy, try again");
	if (store_hazard_assign(d->store, hazard_id, who->id, actor, note, now, &rec, err,
				sizeof err) < 0) {
		store_rollback(d->store);
		return ops_fail(e, strncmp(err, "database busy", 13) == 0 ? OPS_BUSY :
				OPS_REFUSED, "%s", err[0] ? err : "refused");
	}
	lifecycle_emit(d, &rec, "assigned", now, NULL);
	if (store_commit(d->store) < 0) {
		store_rollback(d->store);
		return ops_fail(e, OPS_FAILED, "database commit failed; hazard %s not "
				"assigned", rec.id);
	}
	log_info("hazard %s assigned to %s (%s, %s) by %s%s%s", rec.id, who->id, who->name,
		 person_role_name[who->role], actor, note ? ": " : "", note ? note : "");
	if (d->up)
		uplink_pump(d->up, d->store);
	r = cJSON_CreateObject();
	if (!r)
		return ops_fail(e, OPS_FAILED, "out of memory");
	cJSON_AddStringToObject(r, "id", rec.id);
	cJSON_AddStringToObject(r, "state", rec.state);
	cJSON_AddStringToObject(r, "assignee", who->id);
	cJSON_AddStringToObject(r, "assignee_name", who->name);
	cJSON_AddStringToObject(r, "role", person_role_name[who->role]);
	cJSON_AddStringToObject(r, "assigned_at", fmt_iso_ms(now, at, sizeof at));
	cJSON_AddStringToObject(r, "actor", actor);
	return r;
}

int ops_assign_parse(const cJSON *req, const char *id_key, const char **hazard_id,
		     const char **person, const char **note, struct ops_error *e)
{
	if (!(*hazard_id = ops_record_id(req, id_key, e)) ||
	    !(*person = ops_record_id(req, "person", e)))
		return -1;
	return ops_text(req, "note", OPS_NOTE_MAX, false, note, e);
}
