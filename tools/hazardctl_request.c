/*
 * hazardctl_request.c: the control protocol's request for a parsed
 * command line: one JSON object, {"cmd": ...} and the members that
 * command takes, as the daemon's command table (app/control.c) reads
 * them.  The evidence files of a submit or close are added by
 * hazardctl_evidence.c.
 */
#include <stdio.h>
#include <string.h>

#include "hazardctl.h"

/* A listing's filters, report --date, ledger --site. */
static void hzc_report_request(const struct hzc_opts *o, cJSON *req)
{
	if (o->site)
		cJSON_AddStringToObject(req, "site", o->site);
	if (o->state)
		cJSON_AddStringToObject(req, "state", o->state);
	if (o->severity)
		cJSON_AddStringToObject(req, "severity", o->severity);
	if (o->since)
		cJSON_AddStringToObject(req, "since", o->since);
	if (o->date)
		cJSON_AddStringToObject(req, "date", o->date);
}

/* selfcheck SITE ITEM=ok ...: {"cmd":"selfcheck","site","items":{ITEM:
 * "ok"|"fail"}}; SITE alone: {"cmd":"checklist","site"}.  An item given
 * twice reaches the daemon as given, which refuses it. */
static cJSON *hzc_selfcheck_request(const struct hzc_opts *o, cJSON *req)
{
	cJSON *items;
	int i;

	cJSON_AddStringToObject(req, "cmd", o->n_items ? "selfcheck" : "checklist");
	cJSON_AddStringToObject(req, "site", o->site);
	if (!o->n_items)
		return req;
	items = cJSON_AddObjectToObject(req, "items");
	for (i = 0; items && i < o->n_items; i++) {
		const char *eq = strchr(o->items[i], '=');
		char name[ID_MAX];

		snprintf(name, sizeof name, "%.*s", (int)(eq - o->items[i]), o->items[i]);
		cJSON_AddItemToObject(items, name, cJSON_CreateString(eq + 1));
	}
	if (o->note)
		cJSON_AddStringToObject(req, "note", o->note);
	if (o->actor)
		cJSON_AddStringToObject(req, "actor", o->actor);
	return req;
}

cJSON *hzc_build_request(const struct hzc_opts *o)
{
	cJSON *req = cJSON_CreateObject();

	if (!req)
		return NULL;
	if (strcmp(o->cmd, "selfcheck") == 0 || strcmp(o->cmd, "checklist") == 0)
		return hzc_selfcheck_request(o, req);
	if (strcmp(o->cmd, "alert") == 0) {     /* alert test CONTACT [--channel] */
		cJSON_AddStringToObject(req, "cmd", "alert");
		cJSON_AddStringToObject(req, "op", "test");
		cJSON_AddStringToObject(req, "contact", o->person);
		if (o->channel)
			cJSON_AddStringToObject(req, "channel", o->channel);
		return req;
	}
	if (o->weekly) {        /* report --weekly [--week]: 每周一报 */
		cJSON_AddStringToObject(req, "cmd", "weekly");
		if (o->week)
			cJSON_AddStringToObject(req, "week", o->week);
		return req;
	}
	cJSON_AddStringToObject(req, "cmd", o->cmd);
	if (hzc_is_listing(o->cmd))
		cJSON_AddBoolToObject(req, "open", o->open);
	if (o->verdict)
		cJSON_AddStringToObject(req, "verdict", o->verdict);
	if (o->person)
		cJSON_AddStringToObject(req, "person", o->person);
	if (o->unknown)
		cJSON_AddBoolToObject(req, "unknown", true);
	if (o->result)
		cJSON_AddStringToObject(req, "result", o->result);
	if (o->type) {          /* raise SITE TYPE [--device] [--severity] */
		cJSON_AddStringToObject(req, "site", o->site);
		cJSON_AddStringToObject(req, "type", o->type);
		if (o->device)
			cJSON_AddStringToObject(req, "device", o->device);
		if (o->severity)
			cJSON_AddStringToObject(req, "severity", o->severity);
	} else {
		hzc_report_request(o, req);
	}
	if (o->set) {
		cJSON_AddStringToObject(req, "device", o->id);
		cJSON_AddStringToObject(req, "set", o->set);
	}
	/* reset and test name an output, the others a hazard */
	if (o->id && !o->set)
		cJSON_AddStringToObject(req, strcmp(o->cmd, "reset") == 0 ||
					strcmp(o->cmd, "test") == 0 ? "output" : "id", o->id);
	if (o->note)
		cJSON_AddStringToObject(req, "note", o->note);
	if (o->evidence)
		cJSON_AddStringToObject(req, "evidence", o->evidence);
	/* hazardd records the user it sees on the socket (SO_PEERCRED);
	 * --actor names someone else, which it allows root alone */
	if (o->actor)
		cJSON_AddStringToObject(req, "actor", o->actor);
	return req;
}
