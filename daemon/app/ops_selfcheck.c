/*
 * ops_selfcheck.c: a site's self-inspection (自查) by a person (ops.h):
 * `hazardctl selfcheck SITE ITEM=ok|fail ...` comes here.
 *
 * The site's kind gives its checklist: the config's ($.selfcheck) or the
 * built-in one (core/selfcheck.c, selfcheck_effective); every item of
 * it is answered once, ok or fail, or the self-inspection is refused: a
 * half-done list would count toward the self-inspection rate (自查率) of
 * the summary without the site having looked at everything.  Each failed
 * item is a hazard at the site (type self_check_failed, no device, raised
 * as one recorded by a person), and the self-inspection itself is a row
 * of self_checks (source "checklist") and one "selfcheck" message
 * upstream listing every item with the hazard a failed one opened
 * (docs/protocol.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

struct answer {
	const char *id;
	bool ok;
	const struct selfcheck_item *item;
	char hazard[ID_MAX];
};

/* "items": {"gas_hose": "ok", "exits": "fail", ...} into a[]; the
 * checklist's rules checked by selfcheck_validate.  Count, or -1 with e. */
static int read_answers(const cJSON *items, const struct config *cfg,
			const struct site_cfg *site, struct answer *a, struct ops_error *e)
{
	const char *ids[SELFCHECK_ITEMS_MAX + 1];
	const struct selfcheck_list *l = selfcheck_effective(cfg->selfcheck, site->kind);
	const cJSON *it;
	char err[200], clip[OPS_ECHO_MAX];
	int n = 0, i;

	if (!cJSON_IsObject(items) || !items->child) {
		ops_fail(e, OPS_INVALID, "\"items\" must be an object of item: \"ok\"|\"fail\"");
		return -1;
	}
	cJSON_ArrayForEach(it, items) {
		if (n > SELFCHECK_ITEMS_MAX) {
			ops_fail(e, OPS_INVALID, "more items than any checklist has");
			return -1;
		}
		if (!cJSON_IsString(it) || (strcmp(it->valuestring, "ok") != 0 &&
					    strcmp(it->valuestring, "fail") != 0)) {
			ops_fail(e, OPS_INVALID, "item %s: the result must be ok or fail",
				 ops_clip(it->string, clip, sizeof clip));
			return -1;
		}
		ids[n] = it->string;
		a[n].id = it->string;
		a[n].ok = strcmp(it->valuestring, "ok") == 0;
		a[n].hazard[0] = '\0';
		n++;
	}
	if (selfcheck_validate(l, site_kind_name[site->kind], ids, n, err, sizeof err) < 0) {
		ops_fail(e, OPS_INVALID, "%s", err);
		return -1;
	}
	/* every id is on the list now: point each answer at its item */
	for (i = 0; i < n; i++)
		a[i].item = selfcheck_find(l, a[i].id);
	return n;
}

/* The upstream message and the reply share one body. */
static cJSON *body_of(const struct site_cfg *site, const struct answer *a, int n,
		      const char *actor, const char *note, int64_t at)
{
	cJSON *o = cJSON_CreateObject(), *items = cJSON_CreateArray(), *x;
	char ts[32];
	int i, failed = 0;

	if (!o || !items) {
		cJSON_Delete(o);
		cJSON_Delete(items);
		return NULL;
	}
	cJSON_AddStringToObject(o, "site", site->id);
	cJSON_AddStringToObject(o, "site_kind", site_kind_name[site->kind]);
	cJSON_AddStringToObject(o, "at", fmt_iso_ms(at, ts, sizeof ts));
	cJSON_AddStringToObject(o, "actor", actor);
	if (note)
		cJSON_AddStringToObject(o, "note", note);
	for (i = 0; i < n; i++) {
		if (!(x = cJSON_CreateObject()))
			break;
		cJSON_AddStringToObject(x, "id", a[i].item->id);
		cJSON_AddStringToObject(x, "name", a[i].item->text);
		cJSON_AddStringToObject(x, "result", a[i].ok ? "ok" : "fail");
		if (!a[i].ok) {
			failed++;
			if (a[i].hazard[0])
				cJSON_AddStringToObject(x, "hazard_id", a[i].hazard);
		}
		cJSON_AddItemToArray(items, x);
	}
	cJSON_AddNumberToObject(o, "failed", failed);
	cJSON_AddItemToObject(o, "items", items);
	return o;
}

cJSON *ops_selfcheck(struct daemon *d, const cJSON *req, const char *actor,
		     struct ops_error *e)
{
	struct answer a[SELFCHECK_ITEMS_MAX + 1];
	const struct site_cfg *site;
	const char *site_id, *note;
	struct hazard_rec rec;
	char clip[OPS_ECHO_MAX], err[320], what[OPS_NOTE_MAX * 4 + 200];
	int64_t now = now_wall_ms();
	int n, i, opened = 0;
	char *text;
	cJSON *o;

	if (!(site_id = ops_record_id(req, "site", e)) ||
	    ops_text(req, "note", OPS_NOTE_MAX, false, &note, e) < 0)
		return NULL;
	if (!d->store)
		return ops_fail(e, OPS_FAILED, "store not available");
	if (!(site = config_find_site(d->cfg, site_id)))
		return ops_fail(e, OPS_NOT_FOUND, "no such site: %s",
				ops_clip(site_id, clip, sizeof clip));
	if ((n = read_answers(cJSON_GetObjectItemCaseSensitive(req, "items"), d->cfg, site, a,
			      e)) < 0)
		return NULL;
	/* the hazards first: the record of the self-inspection names them */
	for (i = 0; i < n; i++) {
		if (a[i].ok)
			continue;
		snprintf(what, sizeof what, "自查不合格: %s (%s)%s%s", a[i].item->text,
			 a[i].item->id, note ? ": " : "", note ? note : "");
		if (daemon_hazard_raise(d, site->id, HZ_SELF_CHECK_FAILED, NULL, -1, actor, what,
					&rec, err, sizeof err) < 0) {
			log_warnx("self-inspection of %s: item %s failed but no hazard "
				  "recorded: %s", site->id, a[i].item->id, err);
			return ops_fail(e, strncmp(err, "database busy", 13) == 0 ? OPS_BUSY :
					OPS_FAILED, "%s (%d hazard(s) recorded before it)",
					err, opened);
		}
		snprintf(a[i].hazard, sizeof a[i].hazard, "%s", rec.id);
		opened++;
	}
	if (!(o = body_of(site, a, n, actor, note, now)))
		return ops_fail(e, OPS_FAILED, "out of memory");
	text = cJSON_PrintUnformatted(o);
	if (!text || store_begin(d->store) < 0) {
		free(text);
		cJSON_Delete(o);
		return ops_fail(e, OPS_BUSY, "database busy, try again");
	}
	if (store_self_check_put(d->store, "", site->id, "checklist", now,
				 clock_trusted()) < 0 ||
	    store_outbox_put(d->store, "selfcheck", OB_STATUS, text, NULL) < 0 ||
	    store_commit(d->store) < 0) {
		store_rollback(d->store);
		free(text);
		cJSON_Delete(o);
		d->cnt.store_errors++;
		return ops_fail(e, OPS_FAILED, "database error: self-inspection not recorded "
				"(%d hazard(s) recorded)", opened);
	}
	free(text);
	log_info("self-inspection of %s by %s: %d item(s), %d failed", site->id, actor, n,
		 opened);
	if (d->up)
		uplink_pump(d->up, d->store);
	return o;
}

/* The checklist that applies to a site, for `hazardctl selfcheck SITE`
 * with no item: "source" says whether the config set it. */
cJSON *ops_selfcheck_list(struct daemon *d, const char *site_id, struct ops_error *e)
{
	const struct selfcheck_list *l;
	const struct site_cfg *site;
	char clip[OPS_ECHO_MAX];
	cJSON *o, *arr, *x;
	int i;

	if (!(site = config_find_site(d->cfg, site_id)))
		return ops_fail(e, OPS_NOT_FOUND, "no such site: %s",
				ops_clip(site_id, clip, sizeof clip));
	l = selfcheck_effective(d->cfg->selfcheck, site->kind);
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "items");
	if (!o || !arr) {
		cJSON_Delete(o);
		return ops_fail(e, OPS_FAILED, "out of memory");
	}
	cJSON_AddStringToObject(o, "site", site->id);
	cJSON_AddStringToObject(o, "site_kind", site_kind_name[site->kind]);
	cJSON_AddStringToObject(o, "source", l && l->configured ? "config" : "built-in");
	for (i = 0; l && i < l->n; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "id", l->items[i].id);
		cJSON_AddStringToObject(x, "name", l->items[i].text);
		if (l->items[i].text_en[0])
			cJSON_AddStringToObject(x, "name_en", l->items[i].text_en);
		cJSON_AddItemToArray(arr, x);
	}
	return o;
}
