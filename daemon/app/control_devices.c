/*
 * control_devices.c: the control socket's device commands and listings.
 *
 *   {"cmd":"switch","device":ID,"set":"on"|"off"}  (and "actor": root only)
 *       an operator's command to a plug or relay (recorded: logged, and
 *       shown with its confirmation in `hazardctl devices`); refused while
 *       an interlock holds the device latched the other way
 *   {"cmd":"devices","unknown":true}
 *       senders heard on ecosystem topics that are not in the config
 *   {"cmd":"reset","output":ID} where ID is a latched device, not an output
 *       clears the device's latch (sends nothing)
 * and the per-device extras of {"cmd":"devices"}: flood drops, latch and
 * the last command.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"

static int cd_device(const struct daemon *d, const char *id)
{
	const struct device_cfg *dev = d->cfg ? config_find_device(d->cfg, id) : NULL;

	return dev ? (int)(dev - d->cfg->devices) : -1;
}

static const char *cd_str(const cJSON *req, const char *key, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	if (!cJSON_IsString(v) || !v->valuestring || !*v->valuestring) {
		errf(err, errlen, "\"%s\" must be a non-empty string", key);
		return NULL;
	}
	return v->valuestring;
}

/* A device on which rule r's hazard is active now; NULL none. */
const struct device_cfg *ctl_rule_active_device(const struct daemon *d,
						const struct interlock_cfg *r)
{
	const struct config *cfg = d->cfg;
	int j;

	for (j = 0; d->dev_state && j < cfg->n_devices; j++) {
		const struct device_cfg *dev = &cfg->devices[j];

		if ((r->device[0] && strcmp(r->device, dev->id) != 0) ||
		    (r->site[0] && strcmp(r->site, dev->site) != 0) ||
		    !d->dev_state[j].slot[r->hazard].active)
			continue;
		return dev;
	}
	return NULL;
}

/* An active hazard behind a device action on this device; NULL none. */
static const struct device_cfg *cd_cause(const struct daemon *d, int device, int *type)
{
	const struct config *cfg = d->cfg;
	const struct device_cfg *dev;
	int i, k;

	for (i = 0; i < cfg->n_interlocks; i++) {
		const struct interlock_cfg *r = &cfg->interlocks[i];

		for (k = 0; k < r->n_actions; k++)
			if (r->action[k].to_device && r->action[k].device == device)
				break;
		if (k == r->n_actions || !(dev = ctl_rule_active_device(d, r)))
			continue;
		*type = r->hazard;
		return dev;
	}
	return NULL;
}

cJSON *ctl_cmd_switch(const cJSON *req, const struct ctl_caller *who, struct daemon *d,
		      char *err, size_t errlen)
{
	const char *id, *set, *actor;
	struct devcmd_req rq;
	struct device_cmd cmd;
	bool latched_on;
	int dev, rc;
	cJSON *r;

	if (!(id = cd_str(req, "device", err, errlen)) ||
	    !(set = cd_str(req, "set", err, errlen)))
		return NULL;
	if (ctl_actor(req, who, &actor, err, errlen) < 0)
		return NULL;
	if (strcmp(set, "on") != 0 && strcmp(set, "off") != 0) {
		errf(err, errlen, "\"set\" must be \"on\" or \"off\"");
		return NULL;
	}
	if ((dev = cd_device(d, id)) < 0) {
		errf(err, errlen, "no such device: %.64s", id);
		return NULL;
	}
	memset(&rq, 0, sizeof rq);
	rq.device = dev;
	rq.on = strcmp(set, "on") == 0;
	rq.cause_type = -1;
	rq.actor = actor;
	/* before the latch check: a detector has nothing to latch or switch */
	if (device_cmd_no_relay(&d->cfg->devices[dev], err, errlen))
		return NULL;
	/* undoing an interlock's cut by hand would defeat it */
	if (interlock_device_latched(d->il, dev, &latched_on) && latched_on != rq.on) {
		errf(err, errlen, "device %s is latched %s by an interlock: "
		     "hazardctl reset %s first", d->cfg->devices[dev].id,
		     latched_on ? "on" : "off", d->cfg->devices[dev].id);
		return NULL;
	}
	rc = devcmd_send(d->devcmd, &rq, now_wall_ms(), now_mono_ms(), &cmd, err, errlen);
	if (rc < 0)
		return NULL;
	log_info("device %s: switch %s by %s: %s %s (%s)", d->cfg->devices[dev].id, set,
		 actor, cmd.topic, cmd.payload, rc == 0 ? "sent" : "held: local broker down");
	r = cJSON_CreateObject();
	if (!r) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	cJSON_AddStringToObject(r, "device", d->cfg->devices[dev].id);
	cJSON_AddStringToObject(r, "set", set);
	cJSON_AddStringToObject(r, "topic", cmd.topic);
	cJSON_AddStringToObject(r, "payload", cmd.payload);
	cJSON_AddStringToObject(r, "actor", actor);
	cJSON_AddStringToObject(r, "result", rc == 0 ? "sent" : "held: local broker down");
	cJSON_AddNumberToObject(r, "confirm_s", d->cfg->devices[dev].confirm_s);
	return r;
}

cJSON *ctl_unknown_devices(struct daemon *d, char *err, size_t errlen)
{
	cJSON *r;

	if (!d->unknown) {
		errf(err, errlen, "discovery is off (discovery.enabled false)");
		return NULL;
	}
	r = unknown_json(d->unknown);
	if (!r)
		errf(err, errlen, "out of memory");
	return r;
}

bool ctl_reset_is_device(const cJSON *req, const struct daemon *d)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(req, "output");

	return cJSON_IsString(name) && name->valuestring &&
	       interlock_find(d->il, name->valuestring) < 0 &&
	       cd_device(d, name->valuestring) >= 0;
}

cJSON *ctl_reset_device(const cJSON *req, const struct ctl_caller *who, struct daemon *d,
			char *err, size_t errlen)
{
	const char *id, *actor;
	const struct device_cfg *cause;
	char rerr[160] = "";
	int dev, type;
	cJSON *r;

	if (!(id = cd_str(req, "output", err, errlen)))
		return NULL;
	if (ctl_actor(req, who, &actor, err, errlen) < 0)
		return NULL;
	dev = cd_device(d, id);
	if ((cause = cd_cause(d, dev, &type))) {
		errf(err, errlen, "%s on %s is still active: clear its cause first",
		     hazard_type_name[type], cause->id);
		return NULL;
	}
	if (!d->store || store_begin(d->store) < 0) {
		errf(err, errlen, "database busy, try again");
		return NULL;
	}
	if (interlock_reset_device(d->il, dev, actor, now_wall_ms(), rerr, sizeof rerr) < 0 ||
	    interlock_persist(d->il, d->store) < 0 || store_commit(d->store) < 0) {
		store_rollback(d->store);
		errf(err, errlen, "%s", rerr[0] ? rerr : "database error; latch kept");
		return NULL;
	}
	r = cJSON_CreateObject();
	if (!r) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	cJSON_AddStringToObject(r, "device", d->cfg->devices[dev].id);
	cJSON_AddStringToObject(r, "state", "reset");
	cJSON_AddStringToObject(r, "actor", actor);
	return r;
}

void ctl_device_extra(const struct daemon *d, int device, cJSON *o)
{
	bool on;
	cJSON *c;

	if (!o || !d->cfg || device < 0 || device >= d->cfg->n_devices)
		return;
	cJSON_AddNumberToObject(o, "flood_dropped",
				d->dev_state ? (double)d->dev_state[device].flood_dropped : 0);
	if (interlock_device_latched(d->il, device, &on))
		cJSON_AddStringToObject(o, "latched", on ? "on" : "off");
	else
		cJSON_AddNullToObject(o, "latched");
	c = devcmd_device_json(d->devcmd, device);
	if (c)
		cJSON_AddItemToObject(o, "command", c);
	else
		cJSON_AddNullToObject(o, "command");
}

void devices_status_json(struct daemon *d, cJSON *status)
{
	cJSON *j = cJSON_AddObjectToObject(status, "device_presence");
	int n[PRES_COUNT] = { 0 }, i;
	int64_t mono = now_mono_ms();

	for (i = 0; d->cfg && d->dev_state && i < d->cfg->n_devices; i++)
		n[device_presence(&d->cfg->devices[i], &d->dev_state[i], mono)]++;
	for (i = 0; j && i < PRES_COUNT; i++)
		cJSON_AddNumberToObject(j, presence_name[i], n[i]);
	j = cJSON_AddObjectToObject(status, "device_commands");

	if (j) {
		cJSON_AddNumberToObject(j, "sent", (double)devcmd_count(d->devcmd, DEVCMD_SENT));
		cJSON_AddNumberToObject(j, "confirmed",
					(double)devcmd_count(d->devcmd, DEVCMD_CONFIRMED));
		cJSON_AddNumberToObject(j, "failed", (double)devcmd_count(d->devcmd, DEVCMD_FAILED));
		cJSON_AddNumberToObject(j, "store_errors",
					(double)devcmd_count(d->devcmd, DEVCMD_STORE_ERRORS));
	}
	j = cJSON_AddObjectToObject(status, "unknown_senders");
	if (j) {
		cJSON_AddBoolToObject(j, "enabled", d->unknown != NULL);
		cJSON_AddNumberToObject(j, "listed", unknown_count(d->unknown));
		cJSON_AddNumberToObject(j, "evicted", (double)unknown_evicted(d->unknown));
		cJSON_AddNumberToObject(j, "messages", (double)unknown_messages(d->unknown));
	}
}
