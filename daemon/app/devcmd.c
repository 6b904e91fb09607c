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
 * later reports the commanded state clears that hazard, and so does a newer
 * command it confirms.  Only devices with a relay are commanded, and only
 * their relay reports confirm anything.
 *
 * One slot per device: a newer command replaces a pending one (the newer
 * intent is the one to confirm).  No broker right now: the command is
 * held and retried every tick until its confirm_s runs out.
 *
 * What is kept: each device's last command, as hazardctl devices shows
 * it, in the meta table ("devcmd:<device>", rewritten at each state
 * change), so it is still listed after a restart; an operator's command
 * (no hazard behind it) is also noted as an "action" event on the
 * device's open command_failed hazard, if there is one.  The verdict on
 * an interlock's command is noted on the hazard that sent it by the loop
 * (devcmd_note_actions).  A reload carries the table over by device id
 * (devcmd_carry).  While a command is pending, the device's relay reports
 * pass its flood bucket (flood.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

enum dc_state { DC_IDLE = 0, DC_PENDING, DC_CONFIRMED, DC_FAILED };

struct dc_slot {
	enum dc_state state;
	bool    published;
	int64_t deadline_mono_ms;
	struct devcmd_outcome o;        /* what was asked, filled as it goes */
	char   *stored;                 /* the record kept before a restart */
};

struct devcmd {
	const struct config *cfg;
	struct dc_slot *slot;           /* parallel to cfg->devices */
	int     n;
	/* slots in DC_PENDING.  With none, the tick and the next deadline
	 * read no slot: most devices never take a command, and slots never
	 * touched cost no memory (over a megabyte with thousands of devices;
	 * docs/benchmarks.md, "Where the memory goes") */
	int     n_pending;
	devcmd_publish_fn publish;
	void   *pctx;
	unsigned rpc_id;                /* Shelly Gen2 request ids */
	uint64_t count[DEVCMD_COUNTERS];
	struct store *st;               /* NULL: nothing kept */
	struct flood *fl;               /* NULL: no flood control */
};

static const char *const dc_state_name[] = { "none", "pending", "confirmed", "failed" };

static cJSON *dc_json(const struct devcmd_outcome *o, enum dc_state st,
		      const struct config *cfg);
static void dc_changed(struct devcmd *dc, int device);

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
	int i;

	if (!dc)
		return;
	for (i = 0; i < dc->n; i++)
		free(dc->slot[i].stored);
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
	char *stored;
	int rc;

	if (!dc || !rq || rq->device < 0 || rq->device >= dc->n) {
		errf(err, errlen, "no such device");
		return -1;
	}
	dev = &dc->cfg->devices[rq->device];
	if (device_cmd_build(dev, rq->on, dc->cfg->local.client_id,
			     ++dc->rpc_id, &cmd, err, errlen) < 0)
		return -1;
	s = &dc->slot[rq->device];
	if (s->state != DC_PENDING)
		dc->n_pending++;
	stored = s->stored;
	memset(s, 0, sizeof *s);
	s->stored = stored;
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
	/* before the publish: the plug may answer before we return */
	flood_await(dc->fl, rq->device, true);
	rc = dc_try_publish(dc, s) ? 0 : 1;
	dc_changed(dc, rq->device);
	return rc;
}

bool devcmd_on_reading(struct devcmd *dc, int device, const struct reading *r,
		       int64_t now_wall_ms, struct devcmd_outcome *out)
{
	struct dc_slot *s;

	if (!dc || device < 0 || device >= dc->n || !reading_has(r, RF_RELAY))
		return false;
	/* a device with no relay confirms nothing, whatever it reports */
	if (!dc->cfg->devices[device].relay)
		return false;
	s = &dc->slot[device];
	if (s->state != DC_PENDING && s->state != DC_FAILED)
		return false;
	/* a report of the other state may predate the command: keep waiting */
	if ((r->val[RF_RELAY] != 0.0) != s->o.on)
		return false;
	if (s->state == DC_PENDING)
		dc->n_pending--;
	s->o.late = s->state == DC_FAILED;
	s->o.confirmed = true;
	s->o.at_wall_ms = now_wall_ms;
	s->state = DC_CONFIRMED;
	dc->count[DEVCMD_CONFIRMED]++;
	flood_await(dc->fl, device, false);
	dc_changed(dc, device);
	*out = s->o;
	return true;
}

int devcmd_tick(struct devcmd *dc, int64_t now_wall_ms, int64_t now_mono_ms,
		struct devcmd_outcome *out, int max)
{
	int i, n = 0;

	for (i = 0; dc && dc->n_pending && i < dc->n && n < max; i++) {
		struct dc_slot *s = &dc->slot[i];

		if (s->state != DC_PENDING)
			continue;
		if (!s->published)
			dc_try_publish(dc, s);
		if (now_mono_ms < s->deadline_mono_ms)
			continue;
		s->state = DC_FAILED;
		dc->n_pending--;
		s->o.confirmed = false;
		s->o.at_wall_ms = now_wall_ms;
		dc->count[DEVCMD_FAILED]++;
		flood_await(dc->fl, i, false);
		dc_changed(dc, i);
		out[n++] = s->o;
	}
	return n;
}

int64_t devcmd_next_due_ms(const struct devcmd *dc)
{
	int64_t due = INT64_MAX;
	int i;

	for (i = 0; dc && dc->n_pending && i < dc->n; i++)
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

/* A record kept before a restart: what was pending then is not now. */
static cJSON *dc_stored_json(const char *text)
{
	cJSON *j = cJSON_Parse(text);
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "state"));

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	if (st && strcmp(st, "pending") == 0) {
		cJSON_ReplaceItemInObjectCaseSensitive(j, "state",
						       cJSON_CreateString("interrupted"));
		cJSON_DeleteItemFromObjectCaseSensitive(j, "result");
		cJSON_AddStringToObject(j, "result", "unknown: hazardd restarted before "
					"its confirmation");
	}
	cJSON_AddBoolToObject(j, "before_restart", true);
	return j;
}

cJSON *devcmd_device_json(const struct devcmd *dc, int device)
{
	const struct dc_slot *s;

	if (!dc || device < 0 || device >= dc->n)
		return NULL;
	s = &dc->slot[device];
	if (s->state == DC_IDLE)
		return s->stored ? dc_stored_json(s->stored) : NULL;
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
		/* a late confirmation, or a newer command confirmed: the device
		 * obeys, so an open command_failed of an older one is over (a
		 * clear with nothing open changes nothing) */
		chg->kind = CHG_CLEAR;
		snprintf(chg->detail, sizeof chg->detail, "switch %s confirmed%s",
			 o->on ? "on" : "off", o->late ? " late" : "");
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
	const char *device;
	int type;
	struct hazard_rec *rec;
	bool found;
};

static void dc_find_one(void *ctx, const struct hazard_rec *rec)
{
	struct dc_find *f = ctx;

	/* the record the rules raised for it (the alarm of a gas leak, not
	 * the hazard that may stand for the same condition) */
	if (!f->found && (int)rec->type == f->type && strcmp(rec->device, f->device) == 0 &&
	    rec->kind == record_kind_of(rec->type)) {
		*f->rec = *rec;
		f->found = true;
	}
}

/* The live record of this device and type. */
static int dc_find_open(struct store *st, const char *device, int type,
			struct hazard_rec *rec)
{
	struct dc_find f = { device, type, rec, false };

	if (store_foreach_open(st, dc_find_one, &f) < 0 || !f.found)
		return -1;
	return 0;
}

int devcmd_cause_hazard(struct store *st, const struct devcmd_outcome *o,
			struct hazard_rec *rec)
{
	if (!st || o->cause_type < 0 || !o->cause_device[0])
		return -1;
	return dc_find_open(st, o->cause_device, o->cause_type, rec);
}

/* ------------------------------------------------------------ records */

static void dc_key(const struct device_cfg *dev, char *key, size_t len)
{
	snprintf(key, len, "devcmd:%s", dev->id);
}

/*
 * A slot changed (sent, confirmed, failed): keep the device's last
 * command, and note an operator's command on the device's open
 * command_failed hazard.  Runs in whatever transaction is open (the
 * pass's for interlocks and outcomes; its own for hazardctl switch).
 */
static void dc_changed(struct devcmd *dc, int device)
{
	const struct dc_slot *s = &dc->slot[device];
	const struct device_cfg *dev = &dc->cfg->devices[device];
	struct hazard_rec rec;
	char key[ID_MAX + 8], detail[ID_MAX + TOPIC_MAX + DEVCMD_PAYLOAD_MAX + 96], *text;
	cJSON *j;
	int rc = 0;

	if (!dc->st)
		return;
	j = dc_json(&s->o, s->state, dc->cfg);
	text = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	dc_key(dev, key, sizeof key);
	if (!text || store_meta_set_text(dc->st, key, text) < 0)
		rc = -1;
	free(text);
	if (s->o.cause_type < 0 && dc_find_open(dc->st, dev->id, HZ_COMMAND_FAILED, &rec) == 0) {
		snprintf(detail, sizeof detail, "device %s %s: %s (%s %s)", dev->id,
			 s->o.on ? "on" : "off", dc_result(&s->o, s->state), s->o.cmd.topic,
			 s->o.cmd.payload);
		if (store_hazard_note(dc->st, rec.id, "action",
				      s->o.at_wall_ms ? s->o.at_wall_ms : s->o.sent_wall_ms,
				      s->o.actor, detail) < 0)
			rc = -1;
	}
	if (rc < 0)
		dc->count[DEVCMD_STORE_ERRORS]++;
}

void devcmd_attach_store(struct devcmd *dc, struct store *st)
{
	char key[ID_MAX + 8];
	int i;

	if (!dc)
		return;
	dc->st = st;
	for (i = 0; st && i < dc->n; i++) {
		char *stored = NULL;

		/* a slot is written only when its device has a record */
		dc_key(&dc->cfg->devices[i], key, sizeof key);
		if (store_meta_get_text(st, key, &stored) < 0)
			dc->count[DEVCMD_STORE_ERRORS]++;
		if (stored) {
			free(dc->slot[i].stored);
			dc->slot[i].stored = stored;
		}
	}
}

void devcmd_attach_flood(struct devcmd *dc, struct flood *fl)
{
	int i;

	if (!dc)
		return;
	dc->fl = fl;
	/* new buckets await nothing: only a pending command changes that */
	for (i = 0; fl && dc->n_pending && i < dc->n; i++)
		flood_await(fl, i, dc->slot[i].state == DC_PENDING);
}

/* "device bay4-plug off: confirmed (cmnd/bay4_plug/POWER OFF)" */
static void dc_action_text(const cJSON *a, char *buf, size_t len)
{
	const char *out = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "output"));
	const char *dev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "device"));
	const char *set = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "set"));
	const char *res = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "result"));
	const char *topic = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "topic"));
	const char *pl = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "payload"));

	snprintf(buf, len, "%s %s %s: %s%s%s%s%s%s", out ? "output" : "device",
		 out ? out : dev ? dev : "?", set ? set : "?", res ? res : "?",
		 topic ? " (" : "", topic ? topic : "", topic && pl ? " " : "",
		 topic && pl ? pl : "", topic ? ")" : "");
}

int devcmd_note_actions(struct store *st, const char *hazard_id, const cJSON *actions,
			int64_t at_ms)
{
	const cJSON *a, *actor = NULL;
	char one[TOPIC_MAX + DEVCMD_PAYLOAD_MAX + 160], *detail;
	size_t len = 0, cap = 0;
	int rc;

	if (!st || !hazard_id || !cJSON_IsArray(actions) || !actions->child)
		return 0;
	cJSON_ArrayForEach(a, actions)
		cap += sizeof one + 2;
	detail = malloc(cap + 1);
	if (!detail)
		return -1;
	detail[0] = '\0';
	cJSON_ArrayForEach(a, actions) {
		const char *res = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a,
											 "result"));

		/* held by a latch: nothing was done (a repeat), nothing to keep */
		if (res && strcmp(res, "held") == 0)
			continue;
		dc_action_text(a, one, sizeof one);
		len += (size_t)snprintf(detail + len, cap + 1 - len, "%s%s",
					len ? "; " : "", one);
		if (!actor)
			actor = cJSON_GetObjectItemCaseSensitive(a, "actor");
	}
	if (!len) {
		free(detail);
		return 0;
	}
	rc = store_hazard_note(st, hazard_id, "action", at_ms,
			       cJSON_IsString(actor) ? actor->valuestring : "interlock",
			       detail);
	free(detail);
	return rc;
}

/* ------------------------------------------------------------ reload */

int devcmd_carry(struct devcmd *nw, const struct devcmd *old)
{
	char err[160];
	int i, j, dropped = 0;

	if (!nw || !old)
		return 0;
	memcpy(nw->count, old->count, sizeof nw->count);
	nw->rpc_id = old->rpc_id;
	if (!nw->st)
		nw->st = old->st;
	for (i = 0; i < old->n; i++) {
		const struct dc_slot *s = &old->slot[i];
		const struct device_cfg *od = &old->cfg->devices[i], *nd;
		struct dc_slot *t;

		if (s->state == DC_IDLE && !s->stored)
			continue;
		/* the same place in most reloads: no search */
		nd = i < nw->n && strcmp(nw->cfg->devices[i].id, od->id) == 0 ?
		     &nw->cfg->devices[i] : config_find_device(nw->cfg, od->id);
		if (!nd) {
			if (s->state == DC_PENDING) {
				log_warnx("reload: device %s was removed: its command (switch "
					  "%s by %s) no longer awaits confirmation", od->id,
					  s->o.on ? "on" : "off", s->o.actor);
				dropped++;
			}
			continue;
		}
		j = (int)(nd - nw->cfg->devices);
		t = &nw->slot[j];
		free(t->stored);
		*t = *s;
		t->stored = s->stored ? strdup(s->stored) : NULL;
		t->o.device = j;
		if (t->state == DC_PENDING)
			nw->n_pending++;
		if (t->state == DC_PENDING && !nd->relay) {
			/* its relay is gone from the config: nothing can confirm it */
			log_warnx("reload: device %s has no relay now: its command (switch "
				  "%s by %s) no longer awaits confirmation", nd->id,
				  t->o.on ? "on" : "off", t->o.actor);
			t->state = DC_IDLE;
			nw->n_pending--;
			dropped++;
			continue;
		}
		if (t->state != DC_PENDING || t->published ||
		    (strcmp(od->topic, nd->topic) == 0 && strcmp(od->format, nd->format) == 0 &&
		     od->gen == nd->gen))
			continue;
		/* held, never sent, and the device moved: send it where it is now */
		if (device_cmd_build(nd, t->o.on, nw->cfg->local.client_id,
				     ++nw->rpc_id, &t->o.cmd, err, sizeof err) < 0) {
			log_warnx("reload: device %s: its held command (switch %s) is dropped: "
				  "%s", nd->id, t->o.on ? "on" : "off", err);
			t->state = DC_IDLE;
			nw->n_pending--;
			dropped++;
		}
	}
	return dropped;
}

uint64_t devcmd_count(const struct devcmd *dc, int what)
{
	return dc && what >= 0 && what < DEVCMD_COUNTERS ? dc->count[what] : 0;
}
