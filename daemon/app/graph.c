/*
 * graph.c: one builder for the objects a configuration brings, used by
 * start-up (on an empty daemon) and by a live reload (next to the running
 * objects, then swapped in), and the adapters connecting them.
 *
 * Two steps.  graph_build does everything that can fail against the new
 * config only; start-up treats a failure as fatal, a reload drops what
 * was built and goes on as before.  graph_commit cannot fail: it swaps the
 * pieces in, in an order that keeps every pointer valid, connects them
 * and frees the old config last.
 *
 * What a reload carries over is decided here, so that start-up is the
 * same code with nothing to carry: each device's rule state, counters and
 * offline clock by device id; each output's level and latch by name; the
 * pending device commands by device id.  A device with nothing to carry
 * (every device at start-up) reads its open records and presence from
 * the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "coverage_check.h"
#include "register.h"

/* ------------------------------------------------------------ adapters */

/* devcmd.c publishes on the local broker's session */
static int publish_cmd(void *ctx, const char *topic, const char *payload)
{
	return intake_publish(ctx, topic, payload);
}

/* interlock.c drives the GPIO lines */
static int write_output(void *ctx, int output, bool on)
{
	return gpio_output_write(ctx, output, on);
}

void graph_attach_intake(struct daemon *d, struct intake *in)
{
	devcmd_attach(d->devcmd, publish_cmd, in);
	devcmd_attach_flood(d->devcmd, in ? intake_flood(in) : NULL);
}

/* Every connection between the objects of the committed graph. */
static void graph_wire(const struct graph_home *h)
{
	struct daemon *d = h->d;

	graph_attach_intake(d, h->in);
	interlock_attach_devcmd(d->il, d->devcmd);
	if (d->il && d->gpio)
		interlock_attach(d->il, write_output, d->gpio);
	interlock_attach_lock(d->il, d);
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
 * quadratic scan inside the loop.  Without an old config every device is
 * new.
 */
static int build_devices(const struct graph_home *h, struct graph *g)
{
	const struct config *old = h->d->cfg;
	const struct config *nw = g->cfg;
	int n_old = old ? old->n_devices : 0;
	struct id_slot *ids = calloc((size_t)n_old + 1, sizeof *ids);
	bool *kept = calloc((size_t)n_old + 1, sizeof *kept);
	int64_t now = now_mono_ms();
	int i;

	g->dev_state = rules_states_new(nw->devices, nw->n_devices);
	g->n_dev_state = nw->n_devices;
	g->dev_complaint = calloc((size_t)nw->n_devices + 1, sizeof *g->dev_complaint);
	g->fresh = calloc((size_t)nw->n_devices + 1, sizeof *g->fresh);
	if (!ids || !kept || !g->dev_state || !g->dev_complaint || !g->fresh) {
		free(ids);
		free(kept);
		return -1;
	}
	for (i = 0; i < n_old; i++)
		ids[i] = (struct id_slot){ .id = old->devices[i].id, .idx = i };
	qsort(ids, (size_t)n_old, sizeof *ids, id_slot_cmp);
	for (i = 0; i < nw->n_devices; i++) {
		struct id_slot key = { .id = nw->devices[i].id }, *hit;

		hit = n_old ? bsearch(&key, ids, (size_t)n_old, sizeof *ids, id_slot_cmp)
			    : NULL;
		if (hit) {
			/* open hazard slots, last reading, counters, offline
			 * clock, into the slots of the device's kind now */
			if (rules_state_carry(&g->dev_state[i],
					      &h->d->dev_state[hit->idx]) < 0) {
				free(ids);
				free(kept);
				return -1;
			}
			g->dev_complaint[i] = (*h->dev_complaint)[hit->idx];
			kept[hit->idx] = true;
		} else {
			/* offline detection counts from now: we cannot know what
			 * the device did while we did not watch it */
			g->dev_state[i].last_seen_ms = now;
			g->fresh[i] = true;
			g->n_new++;
		}
	}
	for (i = 0; i < n_old; i++)
		g->n_removed += !kept[i];
	free(ids);
	free(kept);
	return 0;
}

struct restore_ctx {
	const struct config *cfg;
	struct device_state *ds;
	const bool *fresh;
};

static void restore_one(void *ctx, const struct hazard_rec *rec)
{
	struct restore_ctx *rc = ctx;
	const struct device_cfg *dev = config_find_device(rc->cfg, rec->device);
	int i;

	/* the rules remember a condition through the record of its own kind
	 * (a gas leak's alarm, not the hazard that may stand for it); a
	 * hazard with a normal_since (cleared_at_ms) has its condition off,
	 * every other live record's is on */
	if (!dev || rec->kind != record_kind_of(rec->type) ||
	    (rec->kind == REC_HAZARD && rec->cleared_at_ms != 0))
		return;
	i = (int)(dev - rc->cfg->devices);
	if (!rc->fresh || rc->fresh[i])
		rules_restore(&rc->ds[i], rec->type, rec->severity, rec->flapping);
}

void graph_restore_rules(struct store *st, const struct config *cfg,
			 struct device_state *ds, const bool *fresh)
{
	struct restore_ctx rc = { .cfg = cfg, .ds = ds, .fresh = fresh };

	store_foreach_open(st, restore_one, &rc);
}

/* ------------------------------------------------------------ outputs */

static int count_new_outputs(const struct config *old, const struct config *nw)
{
	int i, j, n = 0;

	for (i = 0; i < nw->n_outputs; i++) {
		for (j = 0; old && j < old->n_outputs; j++)
			if (strcmp(old->outputs[j].name, nw->outputs[i].name) == 0)
				break;
		n += !old || j == old->n_outputs;
	}
	return n;
}

/*
 * Device commands are per device index: a new table, the running one's
 * commands carried over by device id at the commit (devcmd_carry).
 * Interlocks are built from the new config and take the running ones'
 * state output by output (by name): a latched valve stays latched.  An
 * output new to the config starts at its persisted latch, if the database
 * has one from an earlier life, else at its safe state.  Lines are
 * requested (or reconfigured) last, because after that step the graph can
 * no longer be abandoned.
 */
static int build_outputs(const struct graph_home *h, struct graph *g,
			 char *err, size_t errlen)
{
	struct daemon *d = h->d;
	const struct config *nw = g->cfg;
	bool *initial;
	int i, rc;

	g->devcmd = devcmd_new(nw);
	if (!g->devcmd) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	if (nw->n_outputs == 0 && nw->n_inputs == 0 && nw->n_interlocks == 0)
		return 0;       /* the commit frees what there was */
	g->il = interlock_new(nw);
	initial = calloc((size_t)nw->n_outputs + 1, sizeof *initial);
	if (!g->il || !initial) {
		free(initial);
		errf(err, errlen, "out of memory");
		return -1;
	}
	/* the persisted latches only for outputs new to the config: the
	 * others carry their state over (and loading would log each latch
	 * as if we had restarted) */
	if (d->store && (!d->cfg || count_new_outputs(d->cfg, nw) > 0))
		interlock_load(g->il, d->store);
	g->n_new_outputs = interlock_carry(g->il, d->il);
	for (i = 0; i < nw->n_outputs; i++)
		initial[i] = interlock_initial_on(g->il, i);
	if (!d->gpio) {
		g->gpio = gpio_new(nw, &gpio_backend_libgpiod, initial, err, errlen);
		rc = g->gpio ? 0 : -1;
	} else {
		rc = gpio_reconfigure(d->gpio, nw, initial, err, errlen);
		if (rc > 0) {
			log_warnx("reload: %s", err);
			rc = 0;
		}
		g->gpio_reconfigured = rc == 0;
	}
	free(initial);
	return rc;
}

/* ------------------------------------------------------------ build */

void graph_free(struct graph *g)
{
	devindex_free(g->ix);
	devindex_free(g->intake_ix);
	devindex_free(g->disc_ix);
	rules_states_free(g->dev_state, g->n_dev_state);
	free(g->dev_complaint);
	free(g->fresh);
	interlock_free(g->il);
	devcmd_free(g->devcmd);
	gpio_free(g->gpio);
	if (g->cfg) {
		config_free(g->cfg);
		free(g->cfg);
	}
	memset(g, 0, sizeof *g);
}

int graph_build(const struct graph_home *h, struct graph *g, char *err, size_t errlen)
{
	struct store *st = h->d->store;
	bool running = h->d->cfg != NULL;
	char why[512];

	if (!g->ix && !(g->ix = devindex_new(g->cfg, err, errlen)))
		return -1;
	/* one index, three holders: the loop, the intake, discovery */
	if (h->in)
		g->intake_ix = devindex_share(g->ix);
	if (h->disc)
		g->disc_ix = devindex_share(g->ix);
	if ((h->in && !g->intake_ix) || (h->disc && !g->disc_ix) ||
	    build_devices(h, g) < 0) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	/* the platform's thresholds (downlink set-rules) lie over the file's;
	 * a stored document that no longer fits is reported, not a reason to
	 * refuse the operator's file */
	if (st && rule_overrides_apply(g->cfg, st, why, sizeof why) < 0)
		log_warnx("%splatform rule overrides not applied: %s",
			  running ? "reload: " : "", why);
	else if (st)
		rule_overrides_log(st, running ? "reload" : "start-up");
	/* last: a reconfigured gpio cannot be undone */
	return build_outputs(h, g, err, errlen);
}

/* ------------------------------------------------------------ commit */

int graph_commit(const struct graph_home *h, struct graph *g)
{
	struct daemon *d = h->d;
	struct config *old = d->cfg;
	int rc = 0;

	rules_states_free(d->dev_state, old ? old->n_devices : 0);
	d->cfg = g->cfg;
	g->cfg = NULL;
	d->dev_state = g->dev_state;
	g->dev_state = NULL;
	free(*h->dev_complaint);
	*h->dev_complaint = g->dev_complaint;
	g->dev_complaint = NULL;
	devindex_free(*h->ix);
	*h->ix = g->ix;
	g->ix = NULL;
	if (h->in)
		intake_reconfigure(h->in, d->cfg, g->intake_ix);
	else
		devindex_free(g->intake_ix);
	g->intake_ix = NULL;
	discovery_reconfigure(h->disc, g->disc_ix);     /* frees it if NULL disc */
	g->disc_ix = NULL;

	/* interlocks and lines: the old interlock goes after its state moved */
	interlock_free(d->il);
	d->il = g->il;
	g->il = NULL;
	if (d->devcmd)
		devcmd_carry(g->devcmd, d->devcmd);     /* its store too */
	else
		devcmd_attach_store(g->devcmd, d->store);
	devcmd_free(d->devcmd);
	d->devcmd = g->devcmd;
	g->devcmd = NULL;
	if (g->gpio) {
		d->gpio = g->gpio;
		g->gpio = NULL;
	} else if (!g->gpio_reconfigured && d->gpio) {
		gpio_free(d->gpio);     /* no lines configured any more */
		d->gpio = NULL;
	}
	graph_wire(h);

	/* the database: sites and devices mirrored, removed ones kept;
	 * devices that came (back) pick their open records up */
	if (d->store) {
		if (store_sync_config(d->store, d->cfg) < 0)
			rc = -1;
		/* the site register: at start-up, and after a reload that
		 * changed it */
		register_queue(d, old == NULL);
		coverage_on_config(d);  /* coverage gaps; sensor dates again */
		if (g->n_new) {
			graph_restore_rules(d->store, d->cfg, d->dev_state, g->fresh);
			/* one heard before it left the config is not never_seen */
			presence_load(d->store, d->cfg, d->dev_state);
		}
	}
	free(g->fresh);         /* g is empty now: graph_free(g) does nothing */
	g->fresh = NULL;
	if (old) {
		config_free(old);
		if (old != h->boot_cfg)
			free(old);
	}
	return rc;
}
