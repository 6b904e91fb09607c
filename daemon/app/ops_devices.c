/*
 * ops_devices.c: the operations on devices and outputs (ops.h): the
 * device listing with presence and counters, the unknown senders, the
 * outputs, a reset of a latched output or device, an output's test pulse
 * and an operator's switch of a plug or relay.  Whether a reset may undo
 * what an interlock did is core/reset_rule.c's answer, asked here once.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

static int device_index(const struct daemon *d, const char *id)
{
	const struct device_cfg *dev = d->cfg ? config_find_device(d->cfg, id) : NULL;

	return dev ? (int)(dev - d->cfg->devices) : -1;
}

/* ------------------------------------------------------------ listing */

/* flood_dropped, latched, command: into one device's listing object */
static void device_extra(const struct daemon *d, int device, cJSON *o)
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

static cJSON *device_json(const struct device_cfg *dev, const struct device_state *st,
			  int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	bool seen = st && st->heard;
	enum presence pres = device_presence(dev, st, now_ms);

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", dev->id);
	cJSON_AddStringToObject(o, "kind",
		(unsigned)dev->kind < DEV_KIND_COUNT ? device_kind_name[dev->kind] : "?");
	cJSON_AddStringToObject(o, "site", dev->site);
	cJSON_AddStringToObject(o, "topic", dev->topic);
	cJSON_AddStringToObject(o, "format", dev->format);
	cJSON_AddNumberToObject(o, "heartbeat_s", dev->heartbeat_s);
	/* never_seen is not online: full coverage means proven reporting */
	cJSON_AddStringToObject(o, "state", presence_name[pres]);
	cJSON_AddBoolToObject(o, "online", pres == PRES_ONLINE);
	cJSON_AddBoolToObject(o, "relay", dev->relay);
	if (seen && st->last_seen_ms)
		cJSON_AddNumberToObject(o, "last_seen_age_s",
			(double)((now_ms - st->last_seen_ms) / 1000));
	else
		cJSON_AddNullToObject(o, "last_seen_age_s");
	cJSON_AddNumberToObject(o, "accepted", st ? (double)st->accepted : 0);
	cJSON_AddNumberToObject(o, "rejected", st ? (double)st->rejected : 0);
	/* fields left out of accepted payloads, by field; saturated values */
	{
		cJSON *bf = cJSON_AddObjectToObject(o, "bad_fields");
		int f;

		for (f = 0; bf && st && st->cold && f < RF_COUNT; f++)
			if (st->cold->field_bad[f])
				cJSON_AddNumberToObject(bf, reading_field_name[f],
							(double)st->cold->field_bad[f]);
	}
	cJSON_AddNumberToObject(o, "over_range", st ? (double)st->over_range : 0);
	/* 自查: test-button presses, reported as the self-check rate */
	cJSON_AddNumberToObject(o, "self_tests", st ? (double)st->self_tests : 0);
	if (st && st->last.present != 0)
		cJSON_AddItemToObject(o, "last", reading_to_json(&st->last));
	else
		cJSON_AddNullToObject(o, "last");
	return o;
}

/* An id for a suggested entry: from the sender's name, unique among the
 * configured devices and the suggestions before it ("-2", "-3", ...). */
static void suggest_id(const struct daemon *d, const cJSON *done, const char *name,
		       char *id, size_t size)
{
	const cJSON *it, *c;
	bool taken;
	int k;

	for (k = 1; k < 1000; k++) {
		infer_device_id_nth(name, k, id, size);
		taken = d->cfg && config_find_device(d->cfg, id) != NULL;
		cJSON_ArrayForEach(it, done) {
			c = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(it, "suggestion"), "config");
			c = cJSON_GetObjectItemCaseSensitive(c, "id");
			if (cJSON_IsString(c) && strcmp(c->valuestring, id) == 0)
				taken = true;
		}
		if (!taken)
			return;
	}
}

/*
 * Each unknown sender with its "suggestion" (infer_kind.c): the kind its
 * fields say and a devices[] entry ready to paste, at the config's only
 * site, or at the placeholder "SITE" (which no config has: --check-config
 * names it) when there are several.
 */
static cJSON *unknown_devices(struct daemon *d, struct ops_error *e)
{
	const char *site = "SITE";
	cJSON *r, *it;
	char id[ID_MAX];

	if (!d->unknown)
		return ops_fail(e, OPS_FAILED, "discovery is off (discovery.enabled false)");
	r = unknown_json(d->unknown);
	if (!r)
		return ops_fail(e, OPS_FAILED, "out of memory");
	if (d->cfg && d->cfg->n_sites == 1)
		site = d->cfg->sites[0].id;
	cJSON_ArrayForEach(it, r) {
		const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(it, "format");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *topic = cJSON_GetObjectItemCaseSensitive(it, "topic");
		cJSON *s;

		if (!cJSON_IsString(fmt) || !cJSON_IsString(name) || !cJSON_IsString(topic))
			continue;
		suggest_id(d, r, name->valuestring, id, sizeof id);
		s = infer_suggestion(fmt->valuestring, topic->valuestring,
				     infer_fields_parse(cJSON_GetObjectItemCaseSensitive(it, "fields")),
				     id, site);
		if (s)
			cJSON_AddItemToObject(it, "suggestion", s);
	}
	return r;
}

cJSON *ops_devices(struct daemon *d, bool unknown, struct ops_error *e)
{
	cJSON *arr;
	int64_t now_ms = now_mono_ms();
	int i;

	if (unknown && d->cfg)
		return unknown_devices(d, e);
	if (!(arr = cJSON_CreateArray()))
		return ops_fail(e, OPS_FAILED, "out of memory");
	for (i = 0; d->cfg && i < d->cfg->n_devices; i++) {
		cJSON *o = device_json(&d->cfg->devices[i],
				       d->dev_state ? &d->dev_state[i] : NULL, now_ms);

		if (!o) {
			cJSON_Delete(arr);
			return ops_fail(e, OPS_FAILED, "out of memory");
		}
		device_extra(d, i, o);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
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

cJSON *ops_outputs(struct daemon *d, struct ops_error *e)
{
	cJSON *r;

	gpio_lock(d);   /* the GPIO thread moves outputs (gpio_thread.c) */
	r = interlock_outputs_json(d->il);
	gpio_unlock(d);
	return r ? r : ops_fail(e, OPS_FAILED, "out of memory");
}

/* ------------------------------------------------------------ acting */

/* NULL when target may be reset; else e says which hazard holds it. */
static bool reset_blocked(const struct daemon *d, enum reset_target kind, int target,
			  struct ops_error *e)
{
	const struct config *cfg = d->cfg;
	int dev, type;

	if (reset_blocked_by(cfg->interlocks, cfg->n_interlocks, cfg->devices, d->dev_state,
			     cfg->n_devices, kind, target, &dev, &type) < 0)
		return false;
	ops_fail(e, OPS_REFUSED, "%s on %s is still active: clear its cause first",
		 hazard_type_name[type], cfg->devices[dev].id);
	return true;
}

/* A latched device (an interlock's device action) back to normal. */
static cJSON *reset_device(struct daemon *d, int dev, const char *actor,
			   struct ops_error *e)
{
	char rerr[160] = "";
	cJSON *r;

	if (reset_blocked(d, RESET_DEVICE, dev, e))
		return NULL;
	if (!d->store || store_begin(d->store) < 0)
		return ops_fail(e, OPS_BUSY, "database busy, try again");
	if (interlock_reset_device(d->il, dev, actor, now_wall_ms(), rerr, sizeof rerr) < 0 ||
	    interlock_persist(d->il, d->store) < 0 || store_commit(d->store) < 0) {
		store_rollback(d->store);
		return ops_fail(e, OPS_REFUSED, "%s", rerr[0] ? rerr : "database error; latch kept");
	}
	if (!(r = cJSON_CreateObject()))
		return ops_fail(e, OPS_FAILED, "out of memory");
	cJSON_AddStringToObject(r, "device", d->cfg->devices[dev].id);
	cJSON_AddStringToObject(r, "state", "reset");
	cJSON_AddStringToObject(r, "actor", actor);
	return r;
}

static int output_index(struct daemon *d, const char *name, struct ops_error *e)
{
	char clip[OPS_ECHO_MAX];
	int o = interlock_find(d->il, name);

	if (o < 0)
		ops_fail(e, OPS_NOT_FOUND, "no such output: %s", ops_clip(name, clip, sizeof clip));
	return o;
}

cJSON *ops_reset(struct daemon *d, const char *name, const char *actor,
		 struct ops_error *e)
{
	char rerr[256] = "";
	int o, rc, dev;
	cJSON *r;

	/* a name that is no output but a device: the device's latch */
	if (interlock_find(d->il, name) < 0 && (dev = device_index(d, name)) >= 0)
		return reset_device(d, dev, actor, e);
	if ((o = output_index(d, name, e)) < 0)
		return NULL;
	if (reset_blocked(d, RESET_OUTPUT, o, e))
		return NULL;
	if (!d->store || store_begin(d->store) < 0)
		return ops_fail(e, OPS_BUSY, "database busy, try again");
	/* one lock hold: an input change the GPIO thread acted on but the
	 * loop has not recorded yet is a cause the check above cannot see */
	gpio_lock(d);
	if (gpio_thread_pending(d->gt) > 0) {
		gpio_unlock(d);
		store_rollback(d->store);
		return ops_fail(e, OPS_BUSY, "input changes are being recorded, try again");
	}
	rc = interlock_reset(d->il, o, actor, now_wall_ms(), rerr, sizeof rerr);
	gpio_unlock(d);
	if (rc < 0 ||
	    interlock_persist(d->il, d->store) < 0 || store_commit(d->store) < 0) {
		store_rollback(d->store);
		return ops_fail(e, OPS_REFUSED, "%s", rerr[0] ? rerr : "database error; latch kept");
	}
	if (!(r = cJSON_CreateObject()))
		return ops_fail(e, OPS_FAILED, "out of memory");
	cJSON_AddStringToObject(r, "output", name);
	cJSON_AddStringToObject(r, "state", "reset");
	cJSON_AddStringToObject(r, "actor", actor);
	return r;
}

cJSON *ops_test(struct daemon *d, const char *name, const char *who, struct ops_error *e)
{
	uint64_t self_tests;
	int o, rc;
	cJSON *r;

	if ((o = output_index(d, name, e)) < 0)
		return NULL;
	gpio_lock(d);   /* the GPIO thread ends the pulse */
	rc = interlock_test(d->il, o, now_wall_ms(), now_mono_ms(), e->msg, sizeof e->msg);
	self_tests = interlock_self_tests(d->il);
	gpio_unlock(d);
	if (rc < 0) {
		e->cls = OPS_REFUSED;
		return NULL;
	}
	log_info("output %s: test pulse by %s", d->cfg->outputs[o].name, who);
	summary_self_check(d, d->cfg->outputs[o].name, "", "output", now_wall_ms());
	if (!(r = cJSON_CreateObject()))
		return ops_fail(e, OPS_FAILED, "out of memory");
	cJSON_AddStringToObject(r, "output", name);
	cJSON_AddStringToObject(r, "state", "testing");
	cJSON_AddNumberToObject(r, "self_tests", (double)self_tests);
	return r;
}

cJSON *ops_switch(struct daemon *d, const char *id, const char *set, const char *actor,
		  struct ops_error *e)
{
	struct devcmd_req rq;
	struct device_cmd cmd;
	bool latched_on;
	int dev, rc;
	cJSON *r;

	if (strcmp(set, "on") != 0 && strcmp(set, "off") != 0)
		return ops_fail(e, OPS_INVALID, "\"set\" must be \"on\" or \"off\"");
	if (!(id = ops_resolve_device(d, id, e)))
		return NULL;
	if ((dev = device_index(d, id)) < 0)
		return ops_fail(e, OPS_NOT_FOUND, "no such device: %.64s", id);
	memset(&rq, 0, sizeof rq);
	rq.device = dev;
	rq.on = strcmp(set, "on") == 0;
	rq.cause_type = -1;
	rq.actor = actor;
	/* before the latch check: a detector has nothing to latch or switch */
	if (device_cmd_no_relay(&d->cfg->devices[dev], e->msg, sizeof e->msg)) {
		e->cls = OPS_INVALID;
		return NULL;
	}
	/* undoing an interlock's cut by hand would defeat it */
	if (interlock_device_latched(d->il, dev, &latched_on) && latched_on != rq.on)
		return ops_fail(e, OPS_REFUSED, "device %s is latched %s by an interlock: "
				"hazardctl reset %s first", d->cfg->devices[dev].id,
				latched_on ? "on" : "off", d->cfg->devices[dev].id);
	rc = devcmd_send(d->devcmd, &rq, now_wall_ms(), now_mono_ms(), &cmd, e->msg,
			 sizeof e->msg);
	if (rc < 0) {
		e->cls = OPS_FAILED;
		return NULL;
	}
	log_info("device %s: switch %s by %s: %s %s (%s)", d->cfg->devices[dev].id, set,
		 actor, cmd.topic, cmd.payload, rc == 0 ? "sent" : "held: local broker down");
	if (!(r = cJSON_CreateObject()))
		return ops_fail(e, OPS_FAILED, "out of memory");
	cJSON_AddStringToObject(r, "device", d->cfg->devices[dev].id);
	cJSON_AddStringToObject(r, "set", set);
	cJSON_AddStringToObject(r, "topic", cmd.topic);
	cJSON_AddStringToObject(r, "payload", cmd.payload);
	cJSON_AddStringToObject(r, "actor", actor);
	cJSON_AddStringToObject(r, "result", rc == 0 ? "sent" : "held: local broker down");
	cJSON_AddNumberToObject(r, "confirm_s", d->cfg->devices[dev].confirm_s);
	return r;
}
