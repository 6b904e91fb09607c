/*
 * interlock.c: hazards drive outputs (gas valve, exhaust fan, charger
 * power, buzzer), or commands to smart plugs and relays.
 *
 * The table is config.interlocks: a hazard type, optionally narrowed to a
 * device or a site, and actions on named outputs.  interlock_on_change()
 * is called by the loop for every hazard change BEFORE the change is
 * written anywhere, so a valve closes in the pass that saw the alarm even
 * when the disk is slow; it returns a record of what it did, which goes
 * into the hazard event.
 *
 * Modes: latched outputs hold until an operator resets them (GB 50028: the
 * gas valve closes automatically and is reopened by hand), and the latch
 * survives a restart through the store ("latch:<name>"); follow outputs
 * return to their safe state when the hazard clears; pulse outputs return
 * after pulse_ms.  This file decides; the write itself goes through a
 * callback (gpio_output_write in the daemon, a recorder in unit tests).
 *
 * Device actions ({"device": "bay3-plug", "set": "off"}) send a command
 * through the device's own ecosystem (devcmd.c) in the same call, so in
 * the same loop pass and before the pass's commit.  Their record says
 * what was sent; the confirmation (or its absence) comes later as an
 * "updated" event of the same hazard.  A latched device action is
 * persisted ("dlatch:<device>"), sent again after a restart and after
 * every reconnect to the local broker (a plug that missed the command
 * while the broker was away still gets it), until an operator resets it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

struct il_out {
	const struct gpio_out_cfg *cfg;
	bool    on;                     /* logical level we last wrote */
	bool    latched;                /* held by a latched action until reset */
	bool    dirty;                  /* latch changed: persist */
	int64_t until_mono_ms;          /* pulse or test ends; 0 none */
	bool    testing;
	bool    test_prev;              /* level to return to after a test */
	char    why[160];
	int64_t since_wall_ms;
	char    cause_device[ID_MAX];   /* the hazard that drove it */
	int     cause_type;             /* -1 none */
	uint64_t writes_failed;
};

/* A device switched by a device action. */
struct il_dev {
	bool    latched;                /* held until interlock_reset_device */
	bool    on;                     /* the state commanded */
	bool    dirty;                  /* latch changed: persist */
	bool    active;                 /* a follow action moved it */
	char    cause_device[ID_MAX];
	int     cause_type;             /* -1 none */
};

struct interlock {
	const struct config *cfg;
	struct il_out *out;
	int     n_out;
	struct il_dev *dev;             /* parallel to cfg->devices */
	struct devcmd *dc;
	interlock_write_fn write;
	void   *wctx;
	uint64_t self_tests;
	uint64_t write_errors;
	struct daemon *lockd;           /* whose GPIO lock guards the outputs */
	int64_t last_write_ns;          /* CLOCK_MONOTONIC of the last good write */
};

/* "latch:<name>" values: 0 none, 1 latched off, 2 latched on */
#define IL_LATCH_KEY(buf, o) snprintf((buf), sizeof(buf), "latch:%s", (o)->cfg->name)

struct interlock *interlock_new(const struct config *cfg)
{
	struct interlock *il = calloc(1, sizeof *il);
	int i;

	if (!il)
		return NULL;
	il->out = calloc((size_t)cfg->n_outputs + 1, sizeof *il->out);
	il->dev = calloc((size_t)cfg->n_devices + 1, sizeof *il->dev);
	if (!il->out || !il->dev) {
		free(il->out);
		free(il->dev);
		free(il);
		return NULL;
	}
	for (i = 0; i < cfg->n_devices; i++)
		il->dev[i].cause_type = -1;
	il->cfg = cfg;
	il->n_out = cfg->n_outputs;
	for (i = 0; i < il->n_out; i++) {
		il->out[i].cfg = &cfg->outputs[i];
		il->out[i].on = cfg->outputs[i].safe_on;
		il->out[i].cause_type = -1;
		snprintf(il->out[i].why, sizeof il->out[i].why, "safe state at start");
	}
	return il;
}

void interlock_free(struct interlock *il)
{
	if (!il)
		return;
	free(il->out);
	free(il->dev);
	free(il);
}

int interlock_carry(struct interlock *nw, const struct interlock *old)
{
	int i, j, fresh = 0;

	for (i = 0; nw && i < nw->n_out; i++) {
		struct il_out *o = &nw->out[i];
		const struct gpio_out_cfg *cfg = o->cfg;

		for (j = 0; old && j < old->n_out; j++)
			if (strcmp(old->out[j].cfg->name, cfg->name) == 0)
				break;
		if (!old || j == old->n_out) {
			fresh++;
			continue;
		}
		/* the whole run-time state; only the config it points at is new */
		*o = old->out[j];
		o->cfg = cfg;
	}
	if (nw && old) {
		nw->self_tests = old->self_tests;
		nw->write_errors = old->write_errors;
		/* device actions: by device id; only those holding something */
		for (j = 0; j < old->cfg->n_devices; j++) {
			const struct il_dev *od = &old->dev[j];

			if (!od->latched && !od->active && od->cause_type < 0)
				continue;
			for (i = 0; i < nw->cfg->n_devices; i++)
				if (strcmp(nw->cfg->devices[i].id,
					   old->cfg->devices[j].id) == 0) {
					nw->dev[i] = *od;
					break;
				}
		}
	}
	return fresh;
}

void interlock_load(struct interlock *il, struct store *st)
{
	char key[ID_MAX + 8];
	int64_t v;
	int i;

	for (i = 0; i < il->n_out; i++) {
		struct il_out *o = &il->out[i];

		v = 0;
		IL_LATCH_KEY(key, o);
		if (store_meta_get_int(st, key, &v) < 0 || v <= 0)
			continue;
		/* never reopened silently: a restart is not a reset */
		o->latched = true;
		o->on = v == 2;
		snprintf(o->why, sizeof o->why,
			 "latched before restart; waiting for hazardctl reset %s", o->cfg->name);
		log_warnx("output %s: latched %s before restart, held until "
			  "\"hazardctl reset %s\"", o->cfg->name, o->on ? "on" : "off",
			  o->cfg->name);
	}
	for (i = 0; i < il->cfg->n_devices; i++) {
		const char *id = il->cfg->devices[i].id;

		v = 0;
		snprintf(key, sizeof key, "dlatch:%s", id);
		if (store_meta_get_int(st, key, &v) < 0 || v <= 0)
			continue;
		il->dev[i].latched = true;
		il->dev[i].on = v == 2;
		log_warnx("device %s: latched %s before restart; the command is sent "
			  "again once the local broker is connected, and held until "
			  "\"hazardctl reset %s\"", id, il->dev[i].on ? "on" : "off", id);
	}
}

bool interlock_initial_on(const struct interlock *il, int output)
{
	return output >= 0 && output < il->n_out && il->out[output].on;
}

static int il_write(struct interlock *il, struct il_out *o, bool on)
{
	int rc = il->write ? il->write(il->wctx, (int)(o - il->out), on) : 0;

	if (rc < 0) {
		o->writes_failed++;
		il->write_errors++;
		log_warnx("output %s: write %s failed", o->cfg->name, on ? "on" : "off");
		return -1;
	}
	o->on = on;
	il->last_write_ns = now_mono_ns();
	return 0;
}

int64_t interlock_last_write_ns(const struct interlock *il)
{
	return il ? il->last_write_ns : 0;
}

void interlock_attach(struct interlock *il, interlock_write_fn fn, void *ctx)
{
	int i;

	il->write = fn;
	il->wctx = ctx;
	/* the request already set these levels; write again so a backend
	 * that ignored the initial value still ends up right */
	for (i = 0; i < il->n_out; i++)
		il_write(il, &il->out[i], il->out[i].on);
}

static bool il_matches(const struct interlock_cfg *r, const struct device_cfg *dev,
		       int type)
{
	return r->hazard == type && (!r->device[0] || strcmp(r->device, dev->id) == 0) &&
	       (!r->site[0] || strcmp(r->site, dev->site) == 0);
}

static void il_record(cJSON *arr, const struct il_out *o, bool on, const char *result,
		      int64_t now_wall_ms)
{
	cJSON *a = cJSON_CreateObject();
	char ts[32];

	if (!a)
		return;
	cJSON_AddStringToObject(a, "output", o->cfg->name);
	cJSON_AddStringToObject(a, "set", on ? "on" : "off");
	cJSON_AddStringToObject(a, "mode", out_mode_name[o->cfg->mode]);
	cJSON_AddStringToObject(a, "at", fmt_iso_ms(now_wall_ms, ts, sizeof ts));
	cJSON_AddStringToObject(a, "result", result);
	cJSON_AddItemToArray(arr, a);
}

/* One action of a raise or escalation. */
static const char *il_act(struct interlock *il, struct il_out *o, bool on,
			  const struct device_cfg *dev, int type,
			  int64_t now_wall_ms, int64_t now_mono_ms)
{
	/* an operator must see the first cause; a second hazard holding the
	 * same latch does not overwrite it */
	if (o->latched && o->on == on)
		return "held";
	if (il_write(il, o, on) < 0)
		return "failed";
	o->testing = false;
	o->until_mono_ms = 0;
	switch (o->cfg->mode) {
	case OUT_LATCHED:
		o->latched = true;
		o->dirty = true;
		break;
	case OUT_PULSE:
		o->until_mono_ms = now_mono_ms + o->cfg->pulse_ms;
		break;
	case OUT_FOLLOW:
	case OUT_MODE_COUNT:
		break;
	}
	strlcpy_hz(o->cause_device, dev->id, sizeof o->cause_device);
	o->cause_type = type;
	o->since_wall_ms = now_wall_ms;
	snprintf(o->why, sizeof o->why, "%s on %s%s", hazard_type_name[type], dev->id,
		 o->cfg->mode == OUT_LATCHED ? " (latched until reset)" : "");
	return "ok";
}

void interlock_attach_devcmd(struct interlock *il, struct devcmd *dc)
{
	if (il)
		il->dc = dc;
}

/* Send one device command; its record ({"device","set","topic","payload",
 * "at","result"}) into arr. */
static const char *il_dev_send(struct interlock *il, int device, bool on,
			       const char *cause_device, int cause_type, cJSON **arr,
			       int64_t now_wall_ms, int64_t now_mono_ms)
{
	struct devcmd_req rq = { .device = device, .on = on, .safety = true,
				 .cause_device = cause_device, .cause_type = cause_type,
				 .actor = "interlock" };
	struct device_cmd cmd;
	char err[160] = "", ts[32];
	const char *res;
	cJSON *a;
	int rc;

	rc = devcmd_send(il->dc, &rq, now_wall_ms, now_mono_ms, &cmd, err, sizeof err);
	res = rc == 0 ? "sent" : rc == 1 ? "held: local broker down" : "failed";
	if (rc < 0)
		log_warnx("interlock: device %s: cannot send: %s",
			  il->cfg->devices[device].id, err[0] ? err : "no device commands");
	if (!arr)
		return res;
	if (!*arr)
		*arr = cJSON_CreateArray();
	a = *arr ? cJSON_CreateObject() : NULL;
	if (!a)
		return res;
	cJSON_AddStringToObject(a, "device", il->cfg->devices[device].id);
	cJSON_AddStringToObject(a, "set", on ? "on" : "off");
	if (rc >= 0) {
		cJSON_AddStringToObject(a, "topic", cmd.topic);
		cJSON_AddStringToObject(a, "payload", cmd.payload);
	}
	cJSON_AddStringToObject(a, "at", fmt_iso_ms(now_wall_ms, ts, sizeof ts));
	cJSON_AddStringToObject(a, "result", res);
	cJSON_AddStringToObject(a, "confirmation", rc >= 0 ? "pending" : "none");
	cJSON_AddItemToArray(*arr, a);
	return res;
}

/* One device action of a hazard change. */
static void il_dev_act(struct interlock *il, int device, bool on, bool latch,
		       const struct device_cfg *dev, const struct hazard_change *chg,
		       cJSON **arr, int64_t now_wall_ms, int64_t now_mono_ms)
{
	struct il_dev *d = &il->dev[device];
	const char *res;

	if (chg->kind == CHG_CLEAR) {
		/* only a follow action undoes itself, and only its own */
		if (latch || !d->active || d->cause_type != (int)chg->type ||
		    strcmp(d->cause_device, dev->id) != 0)
			return;
		d->active = false;
		d->cause_type = -1;
		res = il_dev_send(il, device, !d->on, NULL, -1, arr, now_wall_ms, now_mono_ms);
		d->on = !d->on;
	} else if (d->latched && d->on == on) {
		/* held: the first cause stays on record */
		res = "held";
		if (arr) {
			cJSON *a;
			char ts[32];

			if (!*arr)
				*arr = cJSON_CreateArray();
			if (*arr && (a = cJSON_CreateObject())) {
				cJSON_AddStringToObject(a, "device", il->cfg->devices[device].id);
				cJSON_AddStringToObject(a, "set", on ? "on" : "off");
				cJSON_AddStringToObject(a, "at", fmt_iso_ms(now_wall_ms, ts,
									sizeof ts));
				cJSON_AddStringToObject(a, "result", "held");
				cJSON_AddItemToArray(*arr, a);
			}
		}
	} else {
		res = il_dev_send(il, device, on, dev->id, (int)chg->type, arr, now_wall_ms,
				  now_mono_ms);
		d->on = on;
		strlcpy_hz(d->cause_device, dev->id, sizeof d->cause_device);
		d->cause_type = (int)chg->type;
		if (latch) {
			d->latched = true;
			d->dirty = true;
		} else {
			d->active = true;
		}
	}
	log_info("interlock: %s %s %s -> device %s %s (%s)", hazard_type_name[chg->type],
		 chg->kind == CHG_CLEAR ? "cleared on" : "on", dev->id,
		 il->cfg->devices[device].id, d->on ? "on" : "off", res);
}

cJSON *interlock_on_change(struct interlock *il, const struct device_cfg *dev,
			   const struct hazard_change *chg, int64_t now_wall_ms,
			   int64_t now_mono_ms)
{
	return interlock_on_change_part(il, dev, chg, now_wall_ms, now_mono_ms,
					IL_PART_OUTPUTS | IL_PART_DEVICES);
}

cJSON *interlock_on_change_part(struct interlock *il, const struct device_cfg *dev,
				const struct hazard_change *chg, int64_t now_wall_ms,
				int64_t now_mono_ms, unsigned parts)
{
	cJSON *arr = NULL;
	int i, k;

	if (!il)
		return NULL;
	for (i = 0; i < il->cfg->n_interlocks; i++) {
		const struct interlock_cfg *r = &il->cfg->interlocks[i];

		if (!il_matches(r, dev, (int)chg->type))
			continue;
		for (k = 0; k < r->n_actions; k++) {
			struct il_out *o;
			bool on = r->action[k].on;
			const char *res;

			if (!(parts & (r->action[k].to_device ? IL_PART_DEVICES
							      : IL_PART_OUTPUTS)))
				continue;
			if (r->action[k].to_device) {
				il_dev_act(il, r->action[k].device, on, r->action[k].latch, dev,
					   chg, &arr, now_wall_ms, now_mono_ms);
				continue;
			}
			o = &il->out[r->action[k].output];

			if (chg->kind == CHG_CLEAR) {
				/* only follow outputs undo themselves, and only
				 * the ones this hazard moved */
				if (o->cfg->mode != OUT_FOLLOW || o->cause_type != (int)chg->type ||
				    strcmp(o->cause_device, dev->id) != 0 ||
				    o->on == o->cfg->safe_on)
					continue;
				on = o->cfg->safe_on;
				res = il_write(il, o, on) < 0 ? "failed" : "ok";
				o->cause_type = -1;
				o->since_wall_ms = now_wall_ms;
				snprintf(o->why, sizeof o->why, "%s on %s cleared",
					 hazard_type_name[chg->type], dev->id);
			} else {
				res = il_act(il, o, on, dev, (int)chg->type, now_wall_ms,
					     now_mono_ms);
			}
			if (!arr)
				arr = cJSON_CreateArray();
			if (arr)
				il_record(arr, o, on, res, now_wall_ms);
			log_info("interlock: %s %s -> output %s %s (%s)",
				 hazard_type_name[chg->type], dev->id, o->cfg->name,
				 on ? "on" : "off", res);
		}
	}
	return arr;
}

void interlock_tick(struct interlock *il, int64_t now_mono_ms)
{
	int i;

	for (i = 0; il && i < il->n_out; i++) {
		struct il_out *o = &il->out[i];
		bool back;

		if (!o->until_mono_ms || now_mono_ms < o->until_mono_ms)
			continue;
		o->until_mono_ms = 0;
		back = o->testing ? o->test_prev : o->cfg->safe_on;
		o->testing = false;
		/* a test of a latched output must not undo the latch */
		if (o->latched)
			back = o->on;
		if (il_write(il, o, back) == 0 && !o->latched)
			snprintf(o->why, sizeof o->why, "returned to %s after %d ms",
				 back == o->cfg->safe_on ? "safe state" : "previous state",
				 o->cfg->pulse_ms);
	}
}

int64_t interlock_next_due_ms(const struct interlock *il)
{
	int64_t due = INT64_MAX;
	int i;

	for (i = 0; il && i < il->n_out; i++)
		if (il->out[i].until_mono_ms && il->out[i].until_mono_ms < due)
			due = il->out[i].until_mono_ms;
	return due;
}

void interlock_attach_lock(struct interlock *il, struct daemon *d)
{
	if (il)
		il->lockd = d;
}

int interlock_persist(struct interlock *il, struct store *st)
{
	char key[ID_MAX + 8];
	int64_t *val;
	int i, rc = 0;

	if (!il)
		return 0;
	/* the GPIO thread may latch an output meanwhile: copy under its lock,
	 * write without it (the store is no in-memory work) */
	val = malloc(((size_t)il->n_out + 1) * sizeof *val);
	if (!val)
		return -1;
	gpio_lock(il->lockd);
	for (i = 0; i < il->n_out; i++) {
		struct il_out *o = &il->out[i];

		val[i] = o->dirty ? (o->latched ? 1 + o->on : 0) : -1;
		o->dirty = false;
	}
	gpio_unlock(il->lockd);
	for (i = 0; i < il->n_out; i++) {
		if (val[i] < 0)
			continue;
		IL_LATCH_KEY(key, &il->out[i]);
		if (store_meta_set_int(st, key, val[i]) < 0) {
			rc = -1;
			gpio_lock(il->lockd);
			il->out[i].dirty = true;        /* again in the next pass */
			gpio_unlock(il->lockd);
		}
	}
	free(val);
	for (i = 0; il && i < il->cfg->n_devices; i++) {
		struct il_dev *d = &il->dev[i];

		if (!d->dirty)
			continue;
		snprintf(key, sizeof key, "dlatch:%s", il->cfg->devices[i].id);
		if (store_meta_set_int(st, key, d->latched ? 1 + d->on : 0) < 0) {
			rc = -1;
			continue;
		}
		d->dirty = false;
	}
	return rc;
}

int interlock_find(const struct interlock *il, const char *name)
{
	int i;

	for (i = 0; il && name && i < il->n_out; i++)
		if (strcmp(il->out[i].cfg->name, name) == 0)
			return i;
	return -1;
}

bool interlock_cause(const struct interlock *il, int output, const char **device, int *type)
{
	const struct il_out *o;

	if (!il || output < 0 || output >= il->n_out)
		return false;
	o = &il->out[output];
	if (o->cause_type < 0)
		return false;
	*device = o->cause_device;
	*type = o->cause_type;
	return true;
}

int interlock_reset(struct interlock *il, int output, const char *actor,
		    int64_t now_wall_ms, char *err, size_t errlen)
{
	struct il_out *o;

	if (!il || output < 0 || output >= il->n_out) {
		errf(err, errlen, "no such output");
		return -1;
	}
	o = &il->out[output];
	if (il_write(il, o, o->cfg->safe_on) < 0) {
		errf(err, errlen, "output %s: write failed; still %s", o->cfg->name,
		     o->on ? "on" : "off");
		return -1;
	}
	if (o->latched)
		o->dirty = true;
	o->latched = false;
	o->testing = false;
	o->until_mono_ms = 0;
	o->cause_type = -1;
	o->since_wall_ms = now_wall_ms;
	snprintf(o->why, sizeof o->why, "reset by %s", actor);
	log_info("output %s: reset to safe state (%s) by %s", o->cfg->name,
		 o->on ? "on" : "off", actor);
	return 0;
}

int interlock_test(struct interlock *il, int output, int64_t now_wall_ms,
		   int64_t now_mono_ms, char *err, size_t errlen)
{
	struct il_out *o;

	if (!il || output < 0 || output >= il->n_out) {
		errf(err, errlen, "no such output");
		return -1;
	}
	o = &il->out[output];
	/* exercising a held valve would reopen it: refuse rather than surprise */
	if (o->latched || o->until_mono_ms) {
		errf(err, errlen, "output %s is %s; reset it first", o->cfg->name,
		     o->latched ? "latched" : "pulsing");
		return -1;
	}
	o->test_prev = o->on;
	if (il_write(il, o, !o->cfg->safe_on) < 0) {
		errf(err, errlen, "output %s: write failed", o->cfg->name);
		return -1;
	}
	o->testing = true;
	o->until_mono_ms = now_mono_ms + o->cfg->pulse_ms;
	o->since_wall_ms = now_wall_ms;
	snprintf(o->why, sizeof o->why, "self-check for %d ms", o->cfg->pulse_ms);
	il->self_tests++;
	log_info("self-check: output %s driven %s for %d ms", o->cfg->name,
		 o->on ? "on" : "off", o->cfg->pulse_ms);
	return 0;
}

cJSON *interlock_outputs_json(const struct interlock *il)
{
	cJSON *arr = cJSON_CreateArray();
	char ts[32];
	int i;

	for (i = 0; arr && il && i < il->n_out; i++) {
		const struct il_out *o = &il->out[i];
		cJSON *j = cJSON_CreateObject();

		if (!j)
			break;
		cJSON_AddStringToObject(j, "name", o->cfg->name);
		cJSON_AddStringToObject(j, "chip", o->cfg->chip);
		cJSON_AddNumberToObject(j, "line", o->cfg->line);
		cJSON_AddStringToObject(j, "mode", out_mode_name[o->cfg->mode]);
		cJSON_AddStringToObject(j, "state", o->on ? "on" : "off");
		cJSON_AddStringToObject(j, "safe_state", o->cfg->safe_on ? "on" : "off");
		cJSON_AddBoolToObject(j, "latched", o->latched);
		cJSON_AddStringToObject(j, "why", o->why);
		if (o->since_wall_ms)
			cJSON_AddStringToObject(j, "since",
						fmt_iso_ms(o->since_wall_ms, ts, sizeof ts));
		else
			cJSON_AddNullToObject(j, "since");
		cJSON_AddNumberToObject(j, "write_errors", (double)o->writes_failed);
		cJSON_AddItemToArray(arr, j);
	}
	return arr;
}

uint64_t interlock_self_tests(const struct interlock *il)
{
	return il ? il->self_tests : 0;
}

uint64_t interlock_write_errors(const struct interlock *il)
{
	return il ? il->write_errors : 0;
}

int interlock_resend(struct interlock *il, int64_t now_wall_ms, int64_t now_mono_ms)
{
	int i, n = 0;

	for (i = 0; il && i < il->cfg->n_devices; i++) {
		struct il_dev *d = &il->dev[i];

		if (!d->latched)
			continue;
		log_info("interlock: device %s latched %s: command sent again",
			 il->cfg->devices[i].id, d->on ? "on" : "off");
		il_dev_send(il, i, d->on, d->cause_type >= 0 ? d->cause_device : NULL,
			    d->cause_type, NULL, now_wall_ms, now_mono_ms);
		n++;
	}
	return n;
}

bool interlock_device_latched(const struct interlock *il, int device, bool *on)
{
	if (!il || device < 0 || device >= il->cfg->n_devices || !il->dev[device].latched)
		return false;
	if (on)
		*on = il->dev[device].on;
	return true;
}

int interlock_reset_device(struct interlock *il, int device, const char *actor,
			   int64_t now_wall_ms, char *err, size_t errlen)
{
	struct il_dev *d;

	if (!il || device < 0 || device >= il->cfg->n_devices || !il->dev[device].latched) {
		errf(err, errlen, "device is not latched by an interlock");
		return -1;
	}
	d = &il->dev[device];
	if (!d->latched) {
		errf(err, errlen, "device %s is not latched", il->cfg->devices[device].id);
		return -1;
	}
	/* nothing is sent: re-energising a charger is the operator's own
	 * decision (hazardctl switch DEVICE on) */
	d->latched = false;
	d->dirty = true;
	d->cause_type = -1;
	log_info("device %s: latch (%s) reset by %s; no command sent",
		 il->cfg->devices[device].id, d->on ? "on" : "off", actor);
	(void)now_wall_ms;
	return 0;
}
