/*
 * ops_records.c: the operations on records and on the daemon as a whole
 * (ops.h): a person's action, one record's detail, the platform's open
 * listings, rule overrides, resend, the summary, status and reload.
 * Front-ends call these after reading their transport's request; every
 * rule a person's action is held to is decided here or below (the record
 * state machines in core/record.c), never in a front-end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* ------------------------------------------------------ person's action */

int ops_action_parse(const cJSON *req, const char *id_key, struct ops_action *act,
		     struct ops_error *e)
{
	const char *vname;

	if (!(act->id = ops_record_id(req, id_key, e)))
		return -1;
	if (ops_text(req, "note", OPS_NOTE_MAX, false, &act->note, e) < 0)
		return -1;
	if (act->a == RA_PASS) {        /* a hazard's re-inspection: the result */
		if (ops_text(req, "result", 8, true, &vname, e) < 0)
			return -1;
		if (strcmp(vname, "pass") != 0 && strcmp(vname, "fail") != 0) {
			ops_fail(e, OPS_INVALID, "\"result\" must be pass or fail");
			return -1;
		}
		act->a = strcmp(vname, "pass") == 0 ? RA_PASS : RA_FAIL;
	}
	if (act->a == RA_VERIFY) {
		if (ops_text(req, "verdict", 8, true, &vname, e) < 0)
			return -1;
		if (verdict_from_name(vname) <= VERDICT_NONE) {
			ops_fail(e, OPS_INVALID, "\"verdict\" must be real, false or test");
			return -1;
		}
		act->verdict = (enum verdict)verdict_from_name(vname);
	}
	/* a write-off, a re-inspection, a submit or a dismissal without a
	 * reason is not one */
	if (act->a == RA_DISMISS && !act->note) {
		ops_fail(e, OPS_INVALID, "missing \"note\": say why the fault is dismissed");
		e->member = true;
		return -1;
	}
	if ((act->a == RA_CLOSE || act->a == RA_SUBMIT || act->a == RA_PASS ||
	     act->a == RA_FAIL) && !act->note) {
		ops_fail(e, OPS_INVALID, "missing \"note\"");
		e->member = true;
		return -1;
	}
	act->evidence = NULL;
	act->files = NULL;
	if ((act->a == RA_CLOSE || act->a == RA_SUBMIT) &&
	    ops_text(req, "evidence", OPS_EVIDENCE_MAX, false, &act->evidence, e) < 0)
		return -1;
	/* evidence files: read (decoded, hashed) by ops_act, which knows
	 * the config's limits */
	if (act->a == RA_CLOSE || act->a == RA_SUBMIT)
		act->files = cJSON_GetObjectItemCaseSensitive(req, "files");
	return 0;
}

static enum ops_class class_of(const char *err)
{
	if (strncmp(err, "database busy", 13) == 0)
		return OPS_BUSY;
	if (strncmp(err, "no such", 7) == 0)
		return OPS_NOT_FOUND;
	return OPS_REFUSED;
}

const char *ops_act_target(struct daemon *d, const struct ops_action *act, char *idbuf,
			   size_t size, struct ops_error *e)
{
	struct hazard_rec rec;
	const char *id = ops_resolve_record(d, act->id, idbuf, size, e);

	if (!id)
		return NULL;
	/* the id must name a record of the kind the request's field says */
	if (act->kind && d->store && store_hazard_get(d->store, id, &rec) == 0 &&
	    strcmp(act->kind, record_kind_name[rec.kind]) != 0) {
		ops_fail(e, OPS_INVALID, "%s is a%s %s, not what \"%s_id\" names",
			 id, rec.kind == REC_ALARM ? "n" : "",
			 record_kind_name[rec.kind], act->kind);
		return NULL;
	}
	return id;
}

cJSON *ops_act(struct daemon *d, const struct ops_action *given, struct ops_error *e)
{
	struct ops_files files = { NULL, 0 };
	struct ops_action one = *given;
	char idbuf[ID_MAX];

	if (!(one.id = ops_act_target(d, given, idbuf, sizeof idbuf, e)))
		return NULL;
	if (one.files && (one.a == RA_CLOSE || one.a == RA_SUBMIT) &&
	    ops_files_parse(d, one.files, &files, e) < 0)
		return NULL;
	return ops_act_files(d, &one, &files, e);
}

cJSON *ops_act_files(struct daemon *d, const struct ops_action *act,
		     struct ops_files *files_in, struct ops_error *e)
{
	struct ops_files files = *files_in;
	struct hazard_rec rec;
	char err[320] = "";
	int rc;
	cJSON *r;

	memset(files_in, 0, sizeof *files_in);
	if (files.n > 0 && d->store && store_hazard_get(d->store, act->id, &rec) == 0 &&
	    rec.kind != REC_HAZARD) {
		ops_files_free(&files);
		return ops_fail(e, OPS_INVALID, "%s is a%s %s: evidence files go with a "
				"hazard", act->id, rec.kind == REC_ALARM ? "n" : "",
				record_kind_name[rec.kind]);
	}
	if (files.n > 0)
		rc = daemon_record_action_files(d, act->id, act->a, VERDICT_NONE, act->actor,
						act->note, act->evidence, files.f, files.n,
						err, sizeof err);
	else if (act->a == RA_VERIFY || act->a == RA_DISMISS)
		rc = daemon_record_action(d, act->id, act->a, act->verdict, act->actor,
					  act->note, NULL, err, sizeof err);
	else
		rc = daemon_hazard_transition(d, act->id, act->a, act->actor, act->note,
					      act->evidence, err, sizeof err);
	if (rc < 0) {
		ops_files_free(&files);
		return ops_fail(e, class_of(err), "%s", err[0] ? err : "refused");
	}
	r = cJSON_CreateObject();
	if (!r) {
		ops_files_free(&files);
		return ops_fail(e, OPS_FAILED, "out of memory");
	}
	if (files.n > 0) {
		cJSON *arr = cJSON_AddArrayToObject(r, "files");

		for (int i = 0; arr && i < files.n; i++) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "sha256", files.f[i].sha256);
			cJSON_AddStringToObject(o, "media_type", files.f[i].media_type);
			cJSON_AddNumberToObject(o, "size", (double)files.f[i].len);
			if (files.f[i].name)
				cJSON_AddStringToObject(o, "name", files.f[i].name);
			cJSON_AddItemToArray(arr, o);
		}
		ops_files_free(&files);
	}
	cJSON_AddStringToObject(r, "id", act->id);
	/* the state it is in now: acknowledging keeps a hazard's state */
	cJSON_AddStringToObject(r, "state",
		d->store && store_hazard_get(d->store, act->id, &rec) == 0 ? rec.state :
		record_action_event[act->a]);
	cJSON_AddStringToObject(r, "actor", act->actor);
	if (act->a == RA_VERIFY)
		cJSON_AddStringToObject(r, "verdict", verdict_name[act->verdict]);
	if ((act->a == RA_PASS || act->a == RA_FAIL) && d->store &&
	    store_hazard_get(d->store, act->id, &rec) == 0)
		cJSON_AddNumberToObject(r, "reinspect_failed", rec.reinspect_failed);
	return r;
}

/* ---------------------------------------------------- recorded by hand */

static int name_at(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

cJSON *ops_raise(struct daemon *d, const cJSON *req, const char *actor,
		 struct ops_error *e)
{
	const char *site, *tname, *device = NULL, *sname = NULL, *note;
	struct hazard_rec rec;
	char err[320] = "", clip[OPS_ECHO_MAX];
	int t, sev = -1;
	cJSON *r;

	if (!(site = ops_record_id(req, "site", e)) || !(tname = ops_record_id(req, "type", e)))
		return NULL;
	if (cJSON_GetObjectItemCaseSensitive(req, "device") &&
	    (!(device = ops_record_id(req, "device", e)) ||
	     !(device = ops_resolve_device(d, device, e))))
		return NULL;
	if (ops_text(req, "severity", 8, false, &sname, e) < 0 ||
	    ops_text(req, "note", OPS_NOTE_MAX, true, &note, e) < 0)
		return NULL;
	t = name_at(hazard_type_name, HZ_TYPE_COUNT, tname);
	if (t < 0)
		return ops_fail(e, OPS_INVALID, "unknown hazard type %s",
				ops_clip(tname, clip, sizeof clip));
	if (sname && (sev = name_at(severity_name, 2, sname)) < 0)
		return ops_fail(e, OPS_INVALID, "\"severity\" must be general or major");
	if (daemon_hazard_raise(d, site, (enum hazard_type)t, device, sev, actor, note, &rec,
				err, sizeof err) < 0)
		return ops_fail(e, strncmp(err, "no such", 7) == 0 ? OPS_NOT_FOUND :
				class_of(err), "%s", err);
	r = cJSON_CreateObject();
	if (!r)
		return ops_fail(e, OPS_FAILED, "out of memory");
	cJSON_AddStringToObject(r, "id", rec.id);
	cJSON_AddStringToObject(r, "state", rec.state);
	cJSON_AddStringToObject(r, "actor", actor);
	cJSON_AddStringToObject(r, "site", rec.site);
	cJSON_AddStringToObject(r, "type", hazard_type_name[rec.type]);
	cJSON_AddStringToObject(r, "device", rec.device);
	cJSON_AddStringToObject(r, "severity", severity_name[rec.severity]);
	return r;
}

/* ------------------------------------------------------------ reading */

cJSON *ops_record_detail(struct daemon *d, const char *id, struct ops_error *e)
{
	const char *kind;
	char clip[OPS_ECHO_MAX], idbuf[ID_MAX];
	cJSON *r;

	if (!d->store)
		return ops_fail(e, OPS_FAILED, "store not available");
	if (!(id = ops_resolve_record(d, id, idbuf, sizeof idbuf, e)))
		return NULL;
	r = store_hazard_detail(d->store, id);
	if (!r)
		return ops_fail(e, OPS_NOT_FOUND, "no such alarm, fault or hazard: %s",
				ops_clip(id, clip, sizeof clip));
	/* a hazard's evidence files (三个有), with the event each came with */
	kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "kind"));
	if (kind && strcmp(kind, "hazard") == 0) {
		cJSON *files = store_evidence_list(d->store, id);

		if (files)
			cJSON_AddItemToObject(r, "files", files);
	}
	return r;
}

cJSON *ops_open_records(struct daemon *d, const char *kind, const char *plural,
			struct ops_error *e)
{
	struct hazard_filter f = { .kind = kind, .open_only = true };
	cJSON *list, *out;
	int n;

	if (!d->store)
		return ops_fail(e, OPS_FAILED, "store not available");
	list = store_list_hazards_where(d->store, &f);
	if (!list)
		return ops_fail(e, OPS_FAILED, "cannot read the %s list", kind);
	n = cJSON_GetArraySize(list);
	while (cJSON_GetArraySize(list) > OPS_LIST_MAX)
		cJSON_DeleteItemFromArray(list, OPS_LIST_MAX);
	out = cJSON_CreateObject();
	if (!out) {
		cJSON_Delete(list);
		return ops_fail(e, OPS_FAILED, "out of memory");
	}
	cJSON_AddNumberToObject(out, "count", n);
	cJSON_AddBoolToObject(out, "truncated", n > OPS_LIST_MAX);
	cJSON_AddItemToObject(out, plural, list);
	return out;
}

cJSON *ops_rules(struct daemon *d, struct ops_error *e)
{
	cJSON *r = rule_overrides_list(d->cfg, d->store);

	return r ? r : ops_fail(e, OPS_FAILED, "out of memory");
}

cJSON *ops_status(struct daemon *d, cJSON *(*status)(struct daemon *d),
		  struct ops_error *e)
{
	cJSON *r = status ? status(d) : NULL;

	return r ? r : ops_fail(e, OPS_FAILED, "status unavailable");
}

/* ------------------------------------------------------------ changing */

cJSON *ops_set_rules(struct daemon *d, const cJSON *rules, struct ops_error *e)
{
	cJSON *now = NULL, *r;
	char err[320];
	char *txt;

	if (!cJSON_IsObject(rules))
		return ops_fail(e, OPS_INVALID, "missing object \"rules\"");
	if (rule_overrides_set(d->cfg, d->store, rules, &now, err, sizeof err) < 0)
		return ops_fail(e, OPS_INVALID, "%s", err);
	/* a warning: thresholds that decide alarms changed from outside */
	txt = cJSON_PrintUnformatted(rules);
	log_warnx("platform rule overrides changed: %.300s (in force now: hazardctl "
		  "rules)", txt ? txt : "?");
	free(txt);
	/* every device's last state judged by the new rules at once */
	d->rules_changed = true;
	r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "overrides", now ? now : cJSON_CreateObject());
	return r;
}

cJSON *ops_resend(struct daemon *d, const cJSON *from, const cJSON *max,
		  struct ops_error *e)
{
	int64_t queued = 0;
	int lim = OPS_RESEND_MAX;
	cJSON *r;

	if (!cJSON_IsNumber(from) || from->valuedouble < 1 || from->valuedouble > 9e15 ||
	    from->valuedouble != (double)(int64_t)from->valuedouble)
		return ops_fail(e, OPS_INVALID, "\"from_seq\" must be a positive integer");
	if (max) {
		if (!cJSON_IsNumber(max) || max->valuedouble < 1 ||
		    max->valuedouble > OPS_RESEND_MAX)
			return ops_fail(e, OPS_INVALID, "\"max\" must be 1..%d", OPS_RESEND_MAX);
		lim = (int)max->valuedouble;
	}
	if (store_outbox_resend(d->store, (int64_t)from->valuedouble, lim, &queued) < 0)
		return ops_fail(e, OPS_FAILED, "cannot queue the resend");
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "queued", (double)queued);
	cJSON_AddBoolToObject(r, "more", queued == lim);
	return r;
}

cJSON *ops_summary(struct daemon *d, const char *date, bool publish, struct ops_error *e)
{
	cJSON *out = NULL;
	char err[256] = "";

	if (daemon_summary(d, date, publish, &out, err, sizeof err) < 0)
		return ops_fail(e, OPS_INVALID, "%s", err[0] ? err : "cannot build the summary");
	return out;
}

/* Live reload (reload.c): the outcome, with every error, is the result;
 * "reloaded": false says the old configuration is still running. */
cJSON *ops_reload(struct daemon *d, const char *trigger, struct ops_error *e)
{
	cJSON *r;

	if (!d->reload)
		return ops_fail(e, OPS_FAILED, "reload is not available");
	r = d->reload(d, trigger);
	return r ? r : ops_fail(e, OPS_FAILED, "out of memory; configuration unchanged");
}
