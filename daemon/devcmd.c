/*
 * devcmd.c: device commands awaiting their confirmation.
 *
 * A command (an interlock cutting a charger's plug, an operator's
 * `hazardctl switch`) is built by device_cmd.c and published QoS 1 on the
 * local session.  Publishing is not enough: a plug that is offline, out
 * of radio range or wedged acknowledges nothing, and the broker's PUBACK
 * only says that the broker has it.  So the command stays pending until
 * the device itself reports the relay state it was told to take (its next
 * state report: zigbee2mqtt "state", Tasmota "POWER", Shelly "output" or
 * "relay/0", native "relay").  Not confirmed within the device's
 * confirm_s, it becomes an outcome the loop records as a command_failed
 * hazard on that device, major when an interlock sent it.  A device that
 * later reports the commanded state clears that hazard.
 *
 * One slot per device: a newer command replaces a pending one (the newer
 * intent is the one to confirm).  No broker right now: the command is
 * held and retried every tick until its confirm_s runs out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hazardd.h"

enum dc_state { DC_IDLE = 0, DC_PENDING, DC_CONFIRMED, DC_FAILED };

struct dc_slot {
	enum dc_state state;
	bool    published;
	int64_t deadline_mono_ms;
	struct devcmd_outcome o;        /* what was asked, filled as it goes */
};

struct devcmd {
	const struct config *cfg;
	struct dc_slot *slot;           /* parallel to cfg->devices */
	int     n;
	devcmd_publish_fn publish;
	void   *pctx;
	unsigned rpc_id;                /* Shelly Gen2 request ids */
	uint64_t count[DEVCMD_COUNTERS];
};

static const char *const dc_state_name[] = { "none", "pending", "confirmed", "failed" };

struct devcmd *devcmd_new(const struct config *cfg)
{
	struct devcmd *dc = calloc(1, sizeof *dc);

	if (!dc)
		return NULL;
	dc->slot = calloc((size_t)cfg->n_devices + 1, sizeof *dc->slot);
	if (!dc->slot) {
		free(dc);
		return NULL;
	}
	dc->cfg = cfg;
	dc->n = cfg->n_devices;
	return dc;
}

void devcmd_free(struct devcmd *dc)
{
	if (!dc)
		return;
	free(dc->slot);
	free(dc);
}

void devcmd_attach(struct devcmd *dc, devcmd_publish_fn fn, void *ctx)
{
	if (!dc)
		return;
	dc->publish = fn;
	dc->pctx = ctx;
}

static bool dc_try_publish(struct devcmd *dc, struct dc_slot *s)
{
	if (!dc->publish || dc->publish(dc->pctx, s->o.cmd.topic, s->o.cmd.payload) < 0)
		return false;
	s->published = true;
	s->o.published = true;
	return true;
}

int devcmd_send(struct devcmd *dc, const struct devcmd_req *rq, int64_t now_wall_ms,
		int64_t now_mono_ms, struct device_cmd *sent, char *err, size_t errlen)
{
	const struct device_cfg *dev;
	struct dc_slot *s;
	struct device_cmd cmd;

	if (!dc || !rq || rq->device < 0 || rq->device >= dc->n) {
		errf(err, errlen, "no such device");
		return -1;
	}
	dev = &dc->cfg->devices[rq->device];
	if (device_cmd_build(dev->format, dev->topic, rq->on, dc->cfg->local.client_id,
			     ++dc->rpc_id, &cmd, err, errlen) < 0)
		return -1;
	s = &dc->slot[rq->device];
	memset(s, 0, sizeof *s);
	s->state = DC_PENDING;
	s->deadline_mono_ms = now_mono_ms + (int64_t)dev->confirm_s * 1000;
	s->o.device = rq->device;
	s->o.on = rq->on;
	s->o.safety = rq->safety;
	s->o.cause_type = rq->cause_device ? rq->cause_type : -1;
	if (rq->cause_device)
		strlcpy_hz(s->o.cause_device, rq->cause_device, sizeof s->o.cause_device);
	strlcpy_hz(s->o.actor, rq->actor ? rq->actor : "hazardd", sizeof s->o.actor);
	s->o.sent_wall_ms = now_wall_ms;
	s->o.cmd = cmd;
	if (sent)
		*sent = cmd;
	dc->count[DEVCMD_SENT]++;
	return dc_try_publish(dc, s) ? 0 : 1;
}

bool devcmd_on_reading(struct devcmd *dc, int device, const struct reading *r,
		       int64_t now_wall_ms, struct devcmd_outcome *out)
{
	struct dc_slot *s;

	if (!dc || device < 0 || device >= dc->n || !reading_has(r, RF_RELAY))
		return false;
	s = &dc->slot[device];
	if (s->state != DC_PENDING && s->state != DC_FAILED)
		return false;
	/* a report of the other state may predate the command: keep waiting */
	if ((r->val[RF_RELAY] != 0.0) != s->o.on)
		return false;
	s->o.late = s->state == DC_FAILED;
	s->o.confirmed = true;
	s->o.at_wall_ms = now_wall_ms;
	s->state = DC_CONFIRMED;
	dc->count[DEVCMD_CONFIRMED]++;
	*out = s->o;
	return true;
}

int devcmd_tick(struct devcmd *dc, int64_t now_wall_ms, int64_t now_mono_ms,
		struct devcmd_outcome *out, int max)
{
	int i, n = 0;

	for (i = 0; dc && i < dc->n && n < max; i++) {
		struct dc_slot *s = &dc->slot[i];

		if (s->state != DC_PENDING)
			continue;
		if (!s->published)
			dc_try_publish(dc, s);
		if (now_mono_ms < s->deadline_mono_ms)
			continue;
		s->state = DC_FAILED;
		s->o.confirmed = false;
		s->o.at_wall_ms = now_wall_ms;
		dc->count[DEVCMD_FAILED]++;
		out[n++] = s->o;
	}
	return n;
}

int64_t devcmd_next_due_ms(const struct devcmd *dc)
{
	int64_t due = INT64_MAX;
	int i;

	for (i = 0; dc && i < dc->n; i++)
		if (dc->slot[i].state == DC_PENDING && dc->slot[i].deadline_mono_ms < due)
			due = dc->slot[i].deadline_mono_ms;
	return due;
}

static const char *dc_result(const struct devcmd_outcome *o, enum dc_state st)
{
	if (st == DC_PENDING)
		return o->published ? "sent, awaiting confirmation" : "held: local broker down";
	if (o->confirmed)
		return o->late ? "confirmed late" : "confirmed";
	return o->published ? "not confirmed" : "not sent: local broker down";
}

static cJSON *dc_json(const struct devcmd_outcome *o, enum dc_state st,
		      const struct config *cfg)
{
	cJSON *j = cJSON_CreateObject();
	char ts[32];

	if (!j)
		return NULL;
	if (cfg && o->device >= 0 && o->device < cfg->n_devices)
		cJSON_AddStringToObject(j, "device", cfg->devices[o->device].id);
	cJSON_AddStringToObject(j, "set", o->on ? "on" : "off");
	cJSON_AddStringToObject(j, "topic", o->cmd.topic);
	cJSON_AddStringToObject(j, "payload", o->cmd.payload);
	cJSON_AddStringToObject(j, "actor", o->actor);
	cJSON_AddStringToObject(j, "sent_at", fmt_iso_ms(o->sent_wall_ms, ts, sizeof ts));
	if (o->at_wall_ms)
		cJSON_AddStringToObject(j, "at", fmt_iso_ms(o->at_wall_ms, ts, sizeof ts));
	cJSON_AddStringToObject(j, "state", dc_state_name[st]);
	cJSON_AddStringToObject(j, "result", dc_result(o, st));
	return j;
}

cJSON *devcmd_device_json(const struct devcmd *dc, int device)
{
	const struct dc_slot *s;

	if (!dc || device < 0 || device >= dc->n || dc->slot[device].state == DC_IDLE)
		return NULL;
	s = &dc->slot[device];
	return dc_json(&s->o, s->state, dc->cfg);
}

cJSON *devcmd_outcome_json(const struct devcmd_outcome *o)
{
	cJSON *j = dc_json(o, o->confirmed ? DC_CONFIRMED : DC_FAILED, NULL);

	/* the device's id is the caller's to add (it has the config) */
	return j;
}

bool devcmd_outcome_change(const struct devcmd_outcome *o, int confirm_s,
			   struct hazard_change *chg)
{
	memset(chg, 0, sizeof *chg);
	chg->type = HZ_COMMAND_FAILED;
	chg->severity = o->safety ? SEV_MAJOR : SEV_GENERAL;
	if (o->confirmed) {
		if (!o->late)
			return false;
		chg->kind = CHG_CLEAR;
		snprintf(chg->detail, sizeof chg->detail, "switch %s confirmed late",
			 o->on ? "on" : "off");
		return true;
	}
	chg->kind = CHG_ACTIVE;
	/* detail is 96 bytes: the topic is clipped, the verdict kept */
	snprintf(chg->detail, sizeof chg->detail, "switch %s %s within %d s (%.48s)",
		 o->on ? "on" : "off", o->published ? "not confirmed" : "not sent",
		 confirm_s, o->cmd.topic);
	return true;
}

struct dc_find {
	const struct devcmd_outcome *o;
	struct hazard_rec *rec;
	bool found;
};

static void dc_find_one(void *ctx, const struct hazard_rec *rec)
{
	struct dc_find *f = ctx;

	if (!f->found && (int)rec->type == f->o->cause_type &&
	    strcmp(rec->device, f->o->cause_device) == 0) {
		*f->rec = *rec;
		f->found = true;
	}
}

int devcmd_cause_hazard(struct store *st, const struct devcmd_outcome *o,
			struct hazard_rec *rec)
{
	struct dc_find f = { o, rec, false };

	if (!st || o->cause_type < 0 || !o->cause_device[0])
		return -1;
	if (store_foreach_open(st, dc_find_one, &f) < 0 || !f.found)
		return -1;
	return 0;
}

uint64_t devcmd_count(const struct devcmd *dc, int what)
{
	return dc && what >= 0 && what < DEVCMD_COUNTERS ? dc->count[what] : 0;
}
