/*
 * reload.c: apply a new configuration to the running daemon (SIGHUP,
 * `hazardctl reload`).
 *
 * Two phases.  Everything that can fail happens first, against the new
 * config only: parse and validate it, build its topic index, the device
 * state table, the interlocks and the GPIO lines.  If any of it fails the
 * daemon goes on with the old config as if nothing happened, and every
 * error is logged and returned.  Then a commit phase that cannot fail
 * swaps the pieces in, in an order that keeps every pointer valid: the
 * old config is freed last.
 *
 * What is never touched: the broker connections (the intake changes its
 * subscriptions on the same session), the intake queue, the outbox and
 * the upstream in-flight window.  Keys that name those connections, the
 * database or the control socket cannot change live: they keep their old
 * values and the reply says "needs a restart".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define RELOAD_ERRS_MAX 16384

/* What the new config brings, built before anything changes. */
struct reload_plan {
	struct config       *cfg;
	struct devindex     *ix;            /* the loop's */
	struct devindex     *intake_ix;     /* the intake's own copy */
	struct devindex     *disc_ix;       /* discovery's (configured = skipped) */
	struct device_state *dev_state;
	struct complaint    *dev_complaint;
	bool                *fresh;         /* device new in this config */
	struct interlock    *il;
	struct devcmd       *devcmd;
	struct gpio         *gpio;          /* new object (none before), or NULL */
	bool                 gpio_reconfigured;
	int n_new, n_removed, n_new_outputs;
};

/* ------------------------------------------------------------ reporting */

static void add_lines(cJSON *arr, const char *text)
{
	const char *p = text, *nl;
	char line[1024];

	while (p && *p) {
		nl = strchr(p, '\n');
		snprintf(line, sizeof line, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (line[0])
			cJSON_AddItemToArray(arr, cJSON_CreateString(line));
		p = nl ? nl + 1 : NULL;
	}
}

/* ------------------------------------------------------------ restart-only keys */

/*
 * Keys that name a connection, a file held open or who we are upstream.
 * A change is reported and the old value kept (copied into the new
 * config), so the running state and d->cfg agree.  Reconnecting a link
 * under a reload would drop in-flight publishes and the persistent
 * session's place; a restart does that cleanly.
 */
#define KEEP_STR(field, name) do { \
	if (strcmp(old->field, nw->field) != 0) { \
		cJSON_AddItemToArray(restart, cJSON_CreateString(name)); \
		memcpy(nw->field, old->field, sizeof nw->field); \
	} } while (0)
#define KEEP_NUM(field, name) do { \
	if (old->field != nw->field) { \
		cJSON_AddItemToArray(restart, cJSON_CreateString(name)); \
		nw->field = old->field; \
	} } while (0)

static void keep_restart_keys(const struct config *old, struct config *nw, cJSON *restart)
{
	bool uris_differ = old->upstream.n_uris != nw->upstream.n_uris;
	int i;

	KEEP_STR(gateway.id, "gateway.id");
	KEEP_STR(gateway.district, "gateway.district");
	KEEP_STR(storage.path, "storage.path");
	KEEP_STR(local.uri, "local.uri");
	KEEP_STR(local.client_id, "local.client_id");
	KEEP_STR(local.username, "local.username");
	KEEP_STR(local.password_file, "local.password_file");
	KEEP_NUM(local.queue_len, "local.queue_len");
	for (i = 0; !uris_differ && i < old->upstream.n_uris; i++)
		uris_differ = strcmp(old->upstream.uris[i], nw->upstream.uris[i]) != 0;
	if (uris_differ) {
		cJSON_AddItemToArray(restart, cJSON_CreateString("upstream.uris"));
		memcpy(nw->upstream.uris, old->upstream.uris, sizeof nw->upstream.uris);
		nw->upstream.n_uris = old->upstream.n_uris;
	}
	KEEP_STR(upstream.client_id, "upstream.client_id");
	KEEP_STR(upstream.username, "upstream.username");
	KEEP_STR(upstream.password_file, "upstream.password_file");
	KEEP_STR(upstream.ca_file, "upstream.ca_file");
	KEEP_STR(upstream.cert_file, "upstream.cert_file");
	KEEP_STR(upstream.key_file, "upstream.key_file");
	KEEP_NUM(upstream.allow_insecure, "upstream.allow_insecure");
	KEEP_NUM(upstream.inflight, "upstream.inflight");
	KEEP_STR(upstream.command_key_file, "upstream.command_key_file");
	KEEP_NUM(upstream.command_window_s, "upstream.command_window_s");
	KEEP_NUM(discovery.enabled, "discovery.enabled");
	KEEP_NUM(discovery.max_entries, "discovery.max_entries");
	KEEP_STR(control.socket, "control.socket");
	KEEP_STR(daemon.user, "daemon.user");
	/* TZ is set for the process before library threads start (summary.c):
	 * changing it under them is unsafe */
	KEEP_STR(summary.timezone, "summary.timezone");
}

/* ------------------------------------------------------------ devices */

struct id_slot {
	const char *id;
	int idx;
};

static int id_slot_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_slot *)a)->id, ((const struct id_slot *)b)->id);
}

/*
 * Per-device state by id: sorted ids of the old config, one binary search
 * per new device, so ten thousand devices cost milliseconds, not a
 * quadratic scan inside the loop.
 */
static int plan_devices(const struct reload_target *t, struct reload_plan *p)
{
	const struct config *old = t->d->cfg;
	const struct config *nw = p->cfg;
	struct id_slot *ids = calloc((size_t)old->n_devices + 1, sizeof *ids);
	bool *kept = calloc((size_t)old->n_devices + 1, sizeof *kept);
	int64_t now = now_mono_ms();
	int i;

	p->dev_state = calloc((size_t)nw->n_devices + 1, sizeof *p->dev_state);
	p->dev_complaint = calloc((size_t)nw->n_devices + 1, sizeof *p->dev_complaint);
	p->fresh = calloc((size_t)nw->n_devices + 1, sizeof *p->fresh);
	if (!ids || !kept || !p->dev_state || !p->dev_complaint || !p->fresh) {
		free(ids);
		free(kept);
		return -1;
	}
	for (i = 0; i < old->n_devices; i++)
		ids[i] = (struct id_slot){ .id = old->devices[i].id, .idx = i };
	qsort(ids, (size_t)old->n_devices, sizeof *ids, id_slot_cmp);
	for (i = 0; i < nw->n_devices; i++) {
		struct id_slot key = { .id = nw->devices[i].id }, *hit;

		hit = old->n_devices ? bsearch(&key, ids, (size_t)old->n_devices,
					       sizeof *ids, id_slot_cmp) : NULL;
		if (hit) {
			/* open hazard slots, last reading, counters, offline clock */
			p->dev_state[i] = t->d->dev_state[hit->idx];
			p->dev_complaint[i] = (*t->dev_complaint)[hit->idx];
			kept[hit->idx] = true;
		} else {
			/* like start-up: offline detection counts from now */
			p->dev_state[i].last_seen_ms = now;
			p->fresh[i] = true;
			p->n_new++;
		}
	}
	for (i = 0; i < old->n_devices; i++)
		p->n_removed += !kept[i];
	free(ids);
	free(kept);
	return 0;
}

struct restore_ctx {
	const struct config *cfg;
	struct device_state *ds;
	const bool *fresh;
};

/* A device that comes (back) in: its open hazards in the database are its
 * rules' memory, as at start-up. */
static void restore_fresh(void *ctx, const struct hazard_rec *rec)
{
	struct restore_ctx *rc = ctx;
	const struct device_cfg *dev = config_find_device(rc->cfg, rec->device);
	int i;

	/* as at start-up: through the record of the type's own kind; a
	 * cleared hazard's condition is off, every other live record's is on */
	if (!dev || rec->kind != record_kind_of(rec->type) ||
	    strcmp(rec->state, "cleared") == 0)
		return;
	i = (int)(dev - rc->cfg->devices);
	if (rc->fresh[i])
		rules_restore(&rc->ds[i], rec->type, rec->severity, rec->flapping);
}

/* ------------------------------------------------------------ GPIO */

static int count_new_outputs(const struct config *old, const struct config *nw)
{
	int i, j, n = 0;

	for (i = 0; i < nw->n_outputs; i++) {
		for (j = 0; j < old->n_outputs; j++)
			if (strcmp(old->outputs[j].name, nw->outputs[i].name) == 0)
				break;
		n += j == old->n_outputs;
	}
	return n;
}

static int publish_cmd(void *ctx, const char *topic, const char *payload)
{
	return intake_publish(ctx, topic, payload);
}

static int write_output(void *ctx, int output, bool on)
{
	return gpio_output_write(ctx, output, on);
}

/*
 * Interlocks are rebuilt from the new config and take the old ones' state
 * output by output (by name): a latched valve stays latched.  An output
 * new to the config starts at its persisted latch, if the database has one
 * from an earlier life, else at its safe state.  Lines are reconfigured
 * last, because after that step the plan can no longer be abandoned.
 */
static int plan_gpio(const struct reload_target *t, struct reload_plan *p,
		     char *err, size_t errlen)
{
	struct daemon *d = t->d;
	const struct config *nw = p->cfg;
	bool *initial;
	int i, rc;

	/* device commands are per device index: a new table, the old one's
	 * commands carried over by device id at the commit (devcmd_carry) */
	p->devcmd = devcmd_new(nw);
	if (!p->devcmd) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	if (nw->n_outputs == 0 && nw->n_inputs == 0 && nw->n_interlocks == 0)
		return 0;       /* the commit frees what there was */
	p->il = interlock_new(nw);
	initial = calloc((size_t)nw->n_outputs + 1, sizeof *initial);
	if (!p->il || !initial) {
		free(initial);
		errf(err, errlen, "out of memory");
		return -1;
	}
	/* the persisted latches only for outputs new to the config: the
	 * others carry their state over (and loading would log each latch
	 * as if we had restarted) */
	if (d->store && count_new_outputs(d->cfg, nw) > 0)
		interlock_load(p->il, d->store);
	p->n_new_outputs = interlock_carry(p->il, d->il);
	for (i = 0; i < nw->n_outputs; i++)
		initial[i] = interlock_initial_on(p->il, i);
	if (!d->gpio) {
		p->gpio = gpio_new(nw, &gpio_backend_libgpiod, initial, err, errlen);
		rc = p->gpio ? 0 : -1;
	} else {
		rc = gpio_reconfigure(d->gpio, nw, initial, err, errlen);
		if (rc > 0) {
			log_warnx("reload: %s", err);
			rc = 0;
		}
		p->gpio_reconfigured = rc == 0;
	}
	free(initial);
	return rc;
}

/* ------------------------------------------------------------ plan */

static void plan_free(struct reload_plan *p)
{
	devindex_free(p->ix);
	devindex_free(p->intake_ix);
	devindex_free(p->disc_ix);
	free(p->dev_state);
	free(p->dev_complaint);
	free(p->fresh);
	interlock_free(p->il);
	devcmd_free(p->devcmd);
	gpio_free(p->gpio);
	if (p->cfg) {
		config_free(p->cfg);
		free(p->cfg);
	}
	memset(p, 0, sizeof *p);
}

/* Everything that can fail; errors appended to errs, one per line. */
static int plan_build(const struct reload_target *t, struct reload_plan *p,
		      cJSON *restart, char *errs, size_t errlen)
{
	char err[512];

	p->cfg = calloc(1, sizeof *p->cfg);
	if (!p->cfg) {
		errf(errs, errlen, "out of memory");
		return -1;
	}
	if (config_load(t->d->cfg->path, p->cfg, errs, errlen) < 0) {
		free(p->cfg);
		p->cfg = NULL;
		return -1;
	}
	keep_restart_keys(t->d->cfg, p->cfg, restart);
	p->ix = devindex_new(p->cfg, err, sizeof err);
	if (!p->ix) {
		errf(errs, errlen, "%s: %s", p->cfg->path, err);
		return -1;
	}
	p->intake_ix = devindex_new(p->cfg, err, sizeof err);
	if (t->disc)
		p->disc_ix = devindex_new(p->cfg, err, sizeof err);
	if (!p->intake_ix || (t->disc && !p->disc_ix) || plan_devices(t, p) < 0) {
		errf(errs, errlen, "%s: out of memory", p->cfg->path);
		return -1;
	}
	/* the platform's thresholds (downlink set-rules) lie over the file's;
	 * as at start-up, a stored document that no longer fits is reported,
	 * not a reason to refuse the operator's file */
	if (t->d->store && rule_overrides_apply(p->cfg, t->d->store, err, sizeof err) < 0)
		log_warnx("reload: platform rule overrides not applied: %s", err);
	else if (t->d->store)
		rule_overrides_log(t->d->store, "reload");
	/* last: a reconfigured gpio cannot be undone */
	if (plan_gpio(t, p, err, sizeof err) < 0) {
		errf(errs, errlen, "%s: %s", p->cfg->path, err);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ commit */

static void commit(const struct reload_target *t, struct reload_plan *p)
{
	struct daemon *d = t->d;
	struct config *old = d->cfg;
	struct restore_ctx rc;

	d->cfg = p->cfg;
	p->cfg = NULL;
	free(d->dev_state);
	d->dev_state = p->dev_state;
	p->dev_state = NULL;
	free(*t->dev_complaint);
	*t->dev_complaint = p->dev_complaint;
	p->dev_complaint = NULL;
	devindex_free(*t->ix);
	*t->ix = p->ix;
	p->ix = NULL;
	if (t->in)
		intake_reconfigure(t->in, d->cfg, p->intake_ix);
	else
		devindex_free(p->intake_ix);
	p->intake_ix = NULL;
	discovery_reconfigure(t->disc, p->disc_ix);     /* frees it if NULL disc */
	p->disc_ix = NULL;

	/* interlocks and lines: the old interlock goes after its state moved */
	interlock_free(d->il);
	d->il = p->il;
	p->il = NULL;
	devcmd_carry(p->devcmd, d->devcmd);
	devcmd_free(d->devcmd);
	d->devcmd = p->devcmd;
	p->devcmd = NULL;
	devcmd_attach(d->devcmd, publish_cmd, t->in);
	devcmd_attach_flood(d->devcmd, t->in ? intake_flood(t->in) : NULL);
	interlock_attach_devcmd(d->il, d->devcmd);
	if (p->gpio) {
		d->gpio = p->gpio;
		p->gpio = NULL;
	} else if (!p->gpio_reconfigured && d->gpio) {
		gpio_free(d->gpio);     /* no lines configured any more */
		d->gpio = NULL;
	}
	if (d->il && d->gpio)
		interlock_attach(d->il, write_output, d->gpio);

	/* the database: sites and devices mirrored, removed ones kept;
	 * devices that came (back) pick their open hazards up */
	if (d->store) {
		if (store_sync_config(d->store, d->cfg) < 0)
			log_warnx("reload: cannot record sites and devices in the "
				  "database; they are recorded at the next start");
		rc = (struct restore_ctx){ .cfg = d->cfg, .ds = d->dev_state,
					   .fresh = p->fresh };
		if (p->n_new) {
			store_foreach_open(d->store, restore_fresh, &rc);
			/* one heard before it left the config is not never_seen */
			presence_load(d->store, d->cfg, d->dev_state);
		}
		if (old->storage.max_mb != d->cfg->storage.max_mb &&
		    store_set_quota(d->store, d->cfg->storage.max_mb) < 0)
			log_warnx("reload: cannot set the storage.max_mb ceiling");
	}
	log_set_config_level(d->cfg->log.level);

	config_free(old);
	if (old != t->boot_cfg)
		free(old);
}

/* ------------------------------------------------------------ entry */

cJSON *reload_run(const struct reload_target *t, const char *trigger)
{
	struct reload_plan p;
	cJSON *res = cJSON_CreateObject(), *errors, *restart, *changes;
	char *errs = calloc(1, RELOAD_ERRS_MAX);
	int64_t t0 = now_mono_ms();
	int i, n, added, removed;

	memset(&p, 0, sizeof p);
	errors = cJSON_CreateArray();
	restart = cJSON_CreateArray();
	changes = cJSON_CreateObject();
	if (!res || !errs || !errors || !restart || !changes) {
		cJSON_Delete(res);
		cJSON_Delete(errors);
		cJSON_Delete(restart);
		cJSON_Delete(changes);
		free(errs);
		log_warnx("reload (%s): out of memory; configuration unchanged", trigger);
		return NULL;
	}
	notify_reloading();
	log_info("reload (%s): reading %s", trigger, t->d->cfg->path);
	/* pending GPIO records point into the config about to go */
	if (t->flush_pending)
		t->flush_pending(t->ctx);

	if (plan_build(t, &p, restart, errs, RELOAD_ERRS_MAX) < 0) {
		add_lines(errors, errs);
		n = cJSON_GetArraySize(errors);
		for (i = 0; i < n; i++)
			log_warnx("reload: %s", cJSON_GetArrayItem(errors, i)->valuestring);
		log_warnx("reload (%s): configuration %s is not valid (%d error%s); "
			  "still running on the previous one", trigger, t->d->cfg->path,
			  n, n == 1 ? "" : "s");
		plan_free(&p);
		t->d->cnt.reloads_refused++;
		cJSON_AddBoolToObject(res, "reloaded", false);
		cJSON_Delete(restart);
		restart = cJSON_CreateArray();
	} else {
		cJSON_AddNumberToObject(changes, "devices", p.cfg->n_devices);
		cJSON_AddNumberToObject(changes, "devices_added", p.n_new);
		cJSON_AddNumberToObject(changes, "devices_removed", p.n_removed);
		cJSON_AddNumberToObject(changes, "sites", p.cfg->n_sites);
		cJSON_AddNumberToObject(changes, "inputs", p.cfg->n_inputs);
		cJSON_AddNumberToObject(changes, "outputs", p.cfg->n_outputs);
		cJSON_AddNumberToObject(changes, "outputs_added", p.n_new_outputs);
		cJSON_AddNumberToObject(changes, "interlocks", p.cfg->n_interlocks);
		added = p.n_new;
		removed = p.n_removed;
		commit(t, &p);
		plan_free(&p);
		t->d->cnt.reloads++;
		cJSON_AddBoolToObject(res, "reloaded", true);
		log_info("reload (%s): applied in %lld ms: %d devices (%d added, %d removed), "
			 "%d sites, %d inputs, %d outputs, %d interlocks; broker sessions "
			 "and queues kept", trigger, (long long)(now_mono_ms() - t0),
			 t->d->cfg->n_devices, added, removed, t->d->cfg->n_sites,
			 t->d->cfg->n_inputs, t->d->cfg->n_outputs, t->d->cfg->n_interlocks);
		n = cJSON_GetArraySize(restart);
		for (i = 0; i < n; i++)
			log_warnx("reload: %s changed: needs a restart; the running "
				  "value is kept until then",
				  cJSON_GetArrayItem(restart, i)->valuestring);
	}
	cJSON_AddItemToObject(res, "errors", errors);
	cJSON_AddItemToObject(res, "restart_needed", restart);
	cJSON_AddItemToObject(res, "changes", changes);
	free(errs);
	notify_reloaded(t->d);
	return res;
}
