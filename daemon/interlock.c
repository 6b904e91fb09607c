/*
 * interlock.c: hazards drive outputs (gas valve, exhaust fan, charger
 * power, buzzer).
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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hazardd.h"

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

struct interlock {
	const struct config *cfg;
	struct il_out *out;
	int     n_out;
	interlock_write_fn write;
	void   *wctx;
	uint64_t self_tests;
	uint64_t write_errors;
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
	if (!il->out) {
		free(il);
		return NULL;
	}
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
	free(il);
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
	return 0;
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

cJSON *interlock_on_change(struct interlock *il, const struct device_cfg *dev,
			   const struct hazard_change *chg, int64_t now_wall_ms,
			   int64_t now_mono_ms)
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
			struct il_out *o = &il->out[r->action[k].output];
			bool on = r->action[k].on;
			const char *res;

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

int interlock_persist(struct interlock *il, struct store *st)
{
	char key[ID_MAX + 8];
	int i, rc = 0;

	for (i = 0; il && i < il->n_out; i++) {
		struct il_out *o = &il->out[i];

		if (!o->dirty)
			continue;
		IL_LATCH_KEY(key, o);
		if (store_meta_set_int(st, key, o->latched ? 1 + o->on : 0) < 0) {
			rc = -1;
			continue;
		}
		o->dirty = false;
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
