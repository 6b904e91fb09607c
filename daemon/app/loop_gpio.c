/*
 * loop_gpio.c: the GPIO side of the loop (loop.h).  Debounced input
 * changes become hazard changes, their outputs driven at once (by the
 * interlock thread, gpio_thread.c, when it runs; else here), their
 * records queued for the pass's transaction.  The lines are read again
 * at start-up, after a reload and after a failed commit, so that an alarm
 * that began meanwhile is raised.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

/* Interlock actions of a change made by the loop: the outputs under the
 * GPIO thread's lock, the device commands (loop-only state) after it. */
cJSON *loop_interlock(struct loop *L, const struct device_cfg *dev,
			     const struct hazard_change *chg)
{
	cJSON *a;

	gpio_lock(&L->d);
	a = interlock_on_change_part(L->d.il, dev, chg, now_wall_ms(), now_mono_ms(),
				     IL_PART_OUTPUTS);
	gpio_unlock(&L->d);
	return gpio_acts_merge(a, interlock_on_change_part(L->d.il, dev, chg, now_wall_ms(),
							  now_mono_ms(), IL_PART_DEVICES));
}

static void lat_record(struct daemon *d, int64_t ns)
{
	d->il_lat_us[d->il_lat_count++ % IL_LAT_N] =
		ns < 0 ? 0 : ns / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns / 1000);
}

/*
 * One debounced input change as a hazard change, its outputs driven at
 * once; the record is queued for the pass's transaction.  The rules slot
 * is the dedup: an input that asserts again while its hazard is open
 * changes nothing.  restart: the start-up read, where an already open
 * hazard only re-drives its outputs (a follow fan after a restart).
 * acted: the GPIO thread already drove the output actions (pre, owned).
 */
static void gpio_change_apply(struct loop *L, const struct gpio_change *gc, bool restart,
			      bool acted, cJSON *pre)
{
	const struct gpio_in_cfg *in = &L->d.cfg->inputs[gc->input];
	const struct device_cfg *dev = config_find_device(L->d.cfg, in->device);
	struct device_state *ds;
	struct gpio_pending *p;
	struct hazard_change chg;
	bool on = gpio_hazard_on(in, gc->asserted);
	int64_t wall = now_wall_ms() - (now_mono_ns() - gc->edge_ns) / 1000000;
	static const enum reading_field field[HZ_TYPE_COUNT] = {
		[HZ_GAS_LEAK] = RF_GAS, [HZ_SMOKE_ALARM] = RF_SMOKE,
		[HZ_DETECTOR_FAULT] = RF_FAULT, [HZ_TAMPER] = RF_TAMPER,
	};
	cJSON *acts;

	if (!dev) {
		cJSON_Delete(pre);
		return;
	}
	ds = &L->d.dev_state[dev - L->d.cfg->devices];
	ds->last_seen_ms = now_mono_ms();
	if (!restart)   /* the start-up read is the line's, not the device's word */
		presence_note(L->d.store, dev, ds, NULL, wall);
	memset(&chg, 0, sizeof chg);
	chg.type = (enum hazard_type)in->hazard;
	chg.severity = (enum severity)in->severity;
	chg.kind = on ? CHG_ACTIVE : CHG_CLEAR;
	/* detail is 96 bytes: clip the names rather than lose the state */
	snprintf(chg.detail, sizeof chg.detail, "gpio %.24s %s (%.24s line %d)", in->name,
		 in->nc_supervision ? (on ? "loop open" : "loop closed")
				    : (on ? "contact closed" : "contact open"),
		 in->chip, in->line);
	if (rules_active(ds, (enum hazard_type)in->hazard) == on) {
		if (restart && on)
			cJSON_Delete(loop_interlock(L, dev, &chg));
		/* the thread acts on the contact itself: its outputs already
		 * moved (a latched valve is "held", a follow fan unchanged) */
		cJSON_Delete(pre);
		return;
	}
	/* the actions' "at" is when the output moved, the event's is the edge */
	if (acted)      /* the thread recorded the latency */
		acts = gpio_acts_merge(pre, interlock_on_change_part(L->d.il, dev, &chg,
					now_wall_ms(), now_mono_ms(), IL_PART_DEVICES));
	else
		acts = loop_interlock(L, dev, &chg);
	/* debounce_ms is deliberate waiting, not reaction time */
	if (acts && on && !restart && !acted)
		lat_record(&L->d, now_mono_ns() - gc->edge_ns - (int64_t)in->debounce_ms * 1000000);
	rules_set_active(ds, chg.type, on, chg.severity);
	L->d.gpio_changes++;
	/* callers collect at most GP_MAX - n_gp changes: there is room */
	p = &L->gp[L->n_gp++];
	p->dev = dev;
	p->chg = chg;
	p->at_ms = wall;
	p->actions = acts;
	memset(&p->ev, 0, sizeof p->ev);
	p->ev.ts_ms = wall;
	reading_set(&p->ev, field[in->hazard] ? field[in->hazard] : RF_ALARM, on);
}

/* The GPIO thread's changes, outputs already moved: changes beyond the
 * room left stay in its queue for the next pass. */
void loop_gpio_take(struct loop *L)
{
	struct gpio_change gc[GP_MAX];
	cJSON *acts[GP_MAX];
	int i, k;

	int room = GP_MAX - L->n_gp;
	uint64_t one = 1;

	k = gpio_thread_take(L->d.gt, gc, acts, room);
	for (i = 0; i < k; i++)
		gpio_change_apply(L, &gc[i], false, true, acts[i]);
	/* more may wait: come back after this pass records these (EAGAIN:
	 * already woken) */
	if (k == room) {
		ssize_t w = write(L->wake_fd, &one, sizeof one);

		(void)w;
	}
}

/* Before the pass's transaction: edges in, outputs out. */
void loop_gpio_react(struct loop *L, const struct pollfd *pfd, int n)
{
	struct gpio_change gc[GP_MAX];
	int i, k;

	if (gpio_thread_running(L->d.gt)) {
		loop_gpio_take(L);
		return;         /* the thread ends pulses too */
	}
	if (L->d.gpio) {
		/* changes beyond the room left stay in gpio.c for the next pass */
		k = gpio_collect(L->d.gpio, pfd, n, now_mono_ns(), gc, GP_MAX - L->n_gp);
		for (i = 0; i < k; i++)
			gpio_change_apply(L, &gc[i], false, false, NULL);
	}
	interlock_tick(L->d.il, now_mono_ms());
}

/* The lines' levels as they are now, against what the database holds:
 * at start-up (an alarm that began while we were down) and after a failed
 * commit (so that what did not reach the disk is recorded again). */
void loop_gpio_reconcile(struct loop *L)
{
	struct gpio_change gc[GP_MAX];
	int i, k;

	/* what the thread queued is older than this read: record it first */
	loop_gpio_take(L);
	gpio_lock(&L->d);
	k = gpio_read_all(L->d.gpio, now_mono_ns(), gc, GP_MAX - L->n_gp);
	gpio_unlock(&L->d);
	for (i = 0; i < k; i++)
		gpio_change_apply(L, &gc[i], true, false, NULL);
}

void loop_gpio_record(struct loop *L)
{
	int i;

	for (i = 0; i < L->n_gp; i++) {
		struct gpio_pending *p = &L->gp[i];

		loop_apply_acted(L, p->dev, &p->chg, 1, &p->ev, p->at_ms, &p->actions);
	}
	L->n_gp = 0;
}

/*
 * Inside a long pass (a big intake batch, then the commit's fsync), an edge
 * that arrived meanwhile moves its outputs now rather than after the
 * commit; its record joins the next pass.
 */
void loop_gpio_poll_now(struct loop *L)
{
	struct pollfd pfd[MAX_POLLFDS / 2];
	int n;

	if (!L->d.gpio || L->n_gp == GP_MAX || gpio_thread_running(L->d.gt))
		return;
	n = gpio_pollfds(L->d.gpio, pfd, MAX_POLLFDS / 2);
	if (n > 0 && poll(pfd, (nfds_t)n, 0) > 0)
		loop_gpio_react(L, pfd, n);
}

int64_t loop_gpio_due_ms(struct loop *L)
{
	int64_t a = gpio_next_due_ms(L->d.gpio), b = interlock_next_due_ms(L->d.il);

	if (gpio_thread_running(L->d.gt))
		return INT64_MAX;       /* the thread waits for them */
	return a < b ? a : b;
}

void loop_gpio_start(struct loop *L)
{
	const struct config *cfg = L->d.cfg;

	/* a reload may add lines later: the thread is ready for them */
	L->d.gt = gpio_thread_new(&L->d, L->wake_fd);
	if (!L->d.gt)
		fatalx("cannot create the GPIO thread's eventfd or lock");
	/* the interlocks and the lines are the graph's (graph.c) */
	if (!L->d.il)
		return;
	loop_gpio_reconcile(L);
	log_info("gpio: %d inputs, %d outputs, %d interlocks", cfg->n_inputs,
		 cfg->n_outputs, cfg->n_interlocks);
	gpio_thread_start(L->d.gt);
}

/* Shutdown: the thread stops; the changes it acted on are recorded. */
void loop_gpio_finish(struct loop *L)
{
	gpio_thread_stop(L->d.gt);
	loop_gpio_take(L);
	gpio_thread_discard(L->d.gt);   /* more than GP_MAX: not recorded */
	if (L->n_gp == 0)
		return;
	if (store_begin(L->d.store) < 0) {
		int i;

		L->d.cnt.store_errors++;
		/* the re-read at the next start raises them */
		for (i = 0; i < L->n_gp; i++)
			cJSON_Delete(L->gp[i].actions);
		L->n_gp = 0;
		return;
	}
	loop_gpio_record(L);
	if (store_commit(L->d.store) < 0)
		store_rollback(L->d.store);
}
