/*
 * ops_supervise.c: supervision (挂牌督办) of a major hazard (ops.h): the
 * platform's `supervise` (app/downlink.c) and `hazardctl supervise ID`
 * come here.  Only a major hazard that is not closed, and once
 * (store_supervise.c); a "supervised" event goes upstream, and the weekly
 * report (weekly.c) flags it.  The overdue escalation (lifecycle.c,
 * "escalated") is not supervision and keeps its own name.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

cJSON *ops_supervise(struct daemon *d, const char *hazard_id, const char *who,
		     const char *note, struct ops_error *e)
{
	struct hazard_rec rec;
	char err[256] = "", at[32], idbuf[ID_MAX];
	int64_t now = now_wall_ms();
	cJSON *r;

	if (!d->store)
		return ops_fail(e, OPS_FAILED, "store not available");
	if (!(hazard_id = ops_resolve_record(d, hazard_id, idbuf, sizeof idbuf, e)))
		return NULL;
	if (store_begin(d->store) < 0)
		return ops_fail(e, OPS_BUSY, "database busy, try again");
	if (store_hazard_supervise(d->store, hazard_id, who, note, now, &rec, err,
				   sizeof err) < 0) {
		store_rollback(d->store);
		return ops_fail(e, strncmp(err, "database busy", 13) == 0 ? OPS_BUSY :
				strncmp(err, "no such", 7) == 0 ? OPS_NOT_FOUND : OPS_REFUSED,
				"%s", err[0] ? err : "refused");
	}
	lifecycle_emit(d, &rec, "supervised", now, NULL);
	if (store_commit(d->store) < 0) {
		store_rollback(d->store);
		return ops_fail(e, OPS_FAILED, "database commit failed; hazard %s not "
				"supervised", rec.id);
	}
	log_info("hazard %s put under supervision (挂牌督办) by %s%s%s", rec.id, who,
		 note ? ": " : "", note ? note : "");
	if (d->up)
		uplink_pump(d->up, d->store);
	r = cJSON_CreateObject();
	if (!r)
		return ops_fail(e, OPS_FAILED, "out of memory");
	cJSON_AddStringToObject(r, "id", rec.id);
	cJSON_AddStringToObject(r, "state", rec.state);
	cJSON_AddBoolToObject(r, "supervised", true);
	cJSON_AddStringToObject(r, "supervised_at", fmt_iso_ms(now, at, sizeof at));
	cJSON_AddStringToObject(r, "actor", who);
	return r;
}
