/*
 * hazardd.c: start-up, the event loop, and shutdown.
 *
 * One thread runs poll() over an eventfd (woken by Paho's threads when a
 * message or an acknowledgement arrives), a signalfd and the control
 * socket.  It alone touches the rules and SQLite: each pass drains the
 * intake queue, evaluates the rules, writes readings, hazard events and
 * outbox rows in ONE transaction (group commit), and only after the commit
 * hands outbox rows to the uplink.  Nothing is forwarded before it is on
 * disk.  GPIO inputs are the exception to "one thread": the interlock
 * thread (gpio_thread.c) drives their outputs and queues the changes here.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

#define PASS_MAX_MSGS   2048    /* messages per transaction */
#define TICK_MS         1000
#define TRIM_EVERY_MS   60000
#define QUOTA_EVERY_MS  5000
#define MAX_POLLFDS     96      /* wake, signal, GPIO inputs, control clients */
#define SHUTDOWN_WAIT_MS 2000

/* A GPIO input change whose outputs already moved, waiting for the pass's
 * transaction to record it. */
struct gpio_pending {
	const struct device_cfg *dev;
	struct hazard_change chg;
	struct reading ev;
	int64_t  at_ms;                 /* wall time of the edge */
	cJSON   *actions;
};
#define GP_MAX MAX_GPIO_INPUTS  /* the start-up read has one per input */

struct loop {
	struct daemon   d;
	struct msgq    *q;
	struct intake  *in;
	struct uplink  *up;
	struct control *ctl;
	struct devindex *ix;            /* topic -> device, every derived topic */
	int      wake_fd;
	int      sig_fd;
	bool     quit;
	int64_t  next_tick_ms;          /* monotonic */
	int64_t  next_trim_ms;
	int64_t  next_quota_ms;
	int64_t  next_status_ms;
	int64_t  last_telemetry_ms;
	int      telemetry_pending;     /* readings since the last batch */
	struct complaint *dev_complaint; /* per device: bad payloads */
	struct complaint unknown_complaint, store_complaint, quota_complaint;
	struct msg batch[PASS_MAX_MSGS];
	struct gpio_pending gp[GP_MAX];
	int      n_gp;
	struct discovery *disc;         /* unknown senders; NULL: off */
	struct config   *boot_cfg;      /* main()'s; a reload replaces d.cfg */
	bool     storage_fault_check;   /* clear storage_fault once commits work */
	bool     history_fault;         /* raise storage_fault for a lost history */
};

static struct loop *the_loop;   /* for daemon_close_hazard via control.c */

/* ------------------------------------------------------------ hazards */

/* actions: what the interlocks did for this change (owned; may be NULL). */
static void emit_event(struct loop *L, const struct hazard_rec *rec,
		       const char *event, int64_t now_ms, cJSON *actions)
{
	lifecycle_emit(&L->d, rec, event, now_ms, actions);
}

/* Changes whose interlock actions already ran (acts[i], owned, may be NULL). */
static void apply_acted(struct loop *L, const struct device_cfg *dev,
			const struct hazard_change *chg, int n,
			const struct reading *evidence, int64_t now_ms, cJSON **acts)
{
	int i;

	for (i = 0; i < n; i++) {
		/* kept until the commit: a full disk must not lose it */
		pass_retry_note(L->d.retry, dev->id, &chg[i], evidence, now_ms, acts[i]);
		records_apply_change(&L->d, dev, &chg[i], evidence, now_ms, acts[i]);
	}
	if (L->d.il && interlock_persist(L->d.il, L->d.store) < 0)
		L->d.cnt.store_errors++;
}

/* The gateway itself, as the device of its own hazards (storage_fault). */
static const struct device_cfg *gateway_device(struct loop *L)
{
	static struct device_cfg gw;

	strlcpy_hz(gw.id, L->d.cfg->gateway.id, sizeof gw.id);
	strlcpy_hz(gw.site, L->d.cfg->gateway.id, sizeof gw.site);
	return &gw;
}

/* First thing in a pass: the changes a failed commit did not write. */
static void retry_replay(struct loop *L)
{
	struct retry_change *c;
	int i, n = pass_retry_take(L->d.retry, &c);

	for (i = 0; i < n; i++) {
		const struct device_cfg *dev = config_find_device(L->d.cfg, c[i].device);

		if (!dev && strcmp(c[i].device, L->d.cfg->gateway.id) == 0)
			dev = gateway_device(L);
		if (dev)        /* else removed by a reload meanwhile */
			apply_acted(L, dev, &c[i].chg, 1,
				    c[i].has_evidence ? &c[i].evidence : NULL,
				    c[i].at_ms, &c[i].actions);
		c[i].actions = NULL;    /* taken by apply_acted */
	}
	pass_retry_changes_free(c, n);
}

/* storage_fault on the gateway: raised (held for the next pass) when a
 * commit fails, cleared by the first pass after commits work again. */
static void storage_fault_change(struct loop *L, bool on)
{
	struct hazard_change chg = { .type = HZ_STORAGE_FAULT, .severity = SEV_GENERAL,
				     .kind = on ? CHG_ACTIVE : CHG_CLEAR };

	snprintf(chg.detail, sizeof chg.detail, "%s", on ?
		 "database writes fail (disk full or I/O error)" : "database writes work again");
	if (on)
		pass_retry_note(L->d.retry, L->d.cfg->gateway.id, &chg, NULL,
				now_wall_ms(), NULL);
	else
		apply_acted(L, gateway_device(L), &chg, 1, NULL, now_wall_ms(),
			    &(cJSON *){ NULL });
}

/* The database's history went back or was lost (store_history.c): a
 * storage_fault that stays active until an operator dismisses it, because
 * nothing in this run can make the lost records come back. */
static void history_fault_raise(struct loop *L)
{
	struct hazard_change chg = { .type = HZ_STORAGE_FAULT, .severity = SEV_GENERAL,
				     .kind = CHG_ACTIVE };

	snprintf(chg.detail, sizeof chg.detail, "database history lost or restored: "
		 "new id epoch %s", store_epoch(L->d.store));
	apply_acted(L, gateway_device(L), &chg, 1, NULL, now_wall_ms(), &(cJSON *){ NULL });
}

static cJSON *gpio_interlock(struct loop *L, const struct device_cfg *dev,
			     const struct hazard_change *chg);

static void apply_changes(struct loop *L, const struct device_cfg *dev,
			  const struct hazard_change *chg, int n,
			  const struct reading *evidence, int64_t now_ms)
{
	cJSON *acts[MAX_CHANGES] = { NULL };
	int i;

	if (n > MAX_CHANGES)
		n = MAX_CHANGES;
	/* outputs first: the valve closes before this change touches the disk */
	for (i = 0; i < n; i++)
		acts[i] = gpio_interlock(L, dev, &chg[i]);
	apply_acted(L, dev, chg, n, evidence, now_ms, acts);
}

/* Device command outcomes (devcmd.c): command_failed raised or cleared on
 * the commanded device; the verdict recorded on the hazard that sent it. */
static void devcmd_record(struct loop *L, const struct devcmd_outcome *oc, int n)
{
	const struct config *cfg = L->d.cfg;
	struct hazard_change chg;
	struct hazard_rec rec;
	int64_t now = now_wall_ms();
	cJSON *acts, *a;
	int i;

	for (i = 0; i < n; i++) {
		const struct device_cfg *dev = &cfg->devices[oc[i].device];

		log_info("device %s: switch %s %s", dev->id, oc[i].on ? "on" : "off",
			 oc[i].confirmed ? "confirmed" : "NOT confirmed");
		if (devcmd_cause_hazard(L->d.store, &oc[i], &rec) == 0 &&
		    (acts = cJSON_CreateArray())) {
			if ((a = devcmd_outcome_json(&oc[i]))) {
				cJSON_AddStringToObject(a, "device", dev->id);
				cJSON_AddItemToArray(acts, a);
			}
			if (devcmd_note_actions(L->d.store, rec.id, acts, now) < 0)
				L->d.cnt.store_errors++;
			emit_event(L, &rec, "updated", now, acts);
		}
		if (devcmd_outcome_change(&oc[i], dev->confirm_s, &chg))
			apply_changes(L, dev, &chg, 1, NULL, now);
	}
}

static int publish_cmd(void *ctx, const char *topic, const char *payload)
{
	return intake_publish(ctx, topic, payload);
}

/* ------------------------------------------------------------ intake */

static void reject(struct loop *L, const struct device_cfg *dev,
		   struct device_state *ds, const char *why)
{
	struct hazard_change chg[MAX_CHANGES];
	int n;

	L->d.cnt.rejected++;
	ds->rejected++;
	complain(&L->dev_complaint[dev - L->d.cfg->devices],
		 "device %s: payload rejected: %s (%llu rejected so far)", dev->id,
		 why, (unsigned long long)ds->rejected);
	/* N unreadable in a row: the device may be in alarm and we cannot tell */
	n = rules_unreadable(dev, ds, now_mono_ms(), chg, MAX_CHANGES);
	if (n > 0)
		apply_changes(L, dev, chg, n, NULL, now_wall_ms());
}

/* Fields left out of, or saturated in, an accepted payload: counted per
 * device and field, logged with backoff. */
static void count_fields(struct loop *L, const struct device_cfg *dev,
			 struct device_state *ds, const struct reading *r,
			 const char *why)
{
	uint64_t total = 0;
	int f;

	for (f = 0; f < RF_COUNT; f++) {
		if ((r->bad >> f) & 1u) {
			ds->field_bad[f]++;
			L->d.cnt.bad_fields++;
		}
		if ((r->over >> f) & 1u) {
			ds->over_range++;
			L->d.cnt.over_range++;
		}
		total += ds->field_bad[f];
	}
	if (r->bad)
		complain(&ds->field_complaint, "device %s: %s, left out (%llu fields left "
			 "out so far)", dev->id, why, (unsigned long long)total);
	else
		complain_release(&ds->field_complaint, "device %s: fields readable again",
				 dev->id);
}

static void handle_msg(struct loop *L, const struct msg *m)
{
	const struct config *cfg = L->d.cfg;
	const struct device_cfg *dev;
	const struct device_format *dec;
	struct device_state *ds;
	struct hazard_change chg[MAX_CHANGES];
	struct reading r;
	char err[128];
	uint64_t presses;
	int n, rc;

	L->d.cnt.received++;
	dev = devindex_device(L->ix, cfg, m->topic);
	if (!dev) {
		L->d.cnt.unknown_topic++;
		complain(&L->unknown_complaint, "message on unconfigured topic %s ignored",
			 m->topic);
		return;
	}
	ds = &L->d.dev_state[dev - cfg->devices];
	if (m->oversized) {
		snprintf(err, sizeof err, "%zu bytes, over local.max_payload %d",
			 m->len, cfg->local.max_payload);
		reject(L, dev, ds, err);
		return;
	}
	dec = format_find(dev->format);
	if (!dec) {
		snprintf(err, sizeof err, "format \"%s\" is not supported by this build",
			 dev->format);
		reject(L, dev, ds, err);
		return;
	}
	memset(&r, 0, sizeof r);
	rc = dec->decode(m->topic, m->payload, m->len, m->recv_ms, &r, err, sizeof err);
	if (rc == DECODE_IGNORED)
		return;         /* a command or announcement: not the device's state */
	if (rc < 0) {
		reject(L, dev, ds, err);
		return;
	}
	L->d.cnt.accepted++;
	ds->accepted++;
	complain_release(&L->dev_complaint[dev - cfg->devices],
			 "device %s: payloads accepted again", dev->id);
	count_fields(L, dev, ds, &r, err);
	presses = ds->self_tests;
	n = rules_eval(dev, ds, &r, now_mono_ms(), chg, MAX_CHANGES);
	presence_note(L->d.store, dev, ds, &r, m->recv_ms);
	if (ds->self_tests != presses)  /* a test press: 自查, for the summary */
		summary_self_check(&L->d, dev->id, dev->site, "device", m->recv_ms);
	if (store_put_reading(L->d.store, dev->id, &r) < 0)
		L->d.cnt.store_errors++;
	L->telemetry_pending++;
	/* min/max of the readings while a hazard's condition is on */
	if (n > 0 || lifecycle_condition_on(ds))
		store_hazard_observe(L->d.store, dev->id, &r);
	apply_changes(L, dev, chg, n, &r, m->recv_ms);
	{
		struct devcmd_outcome oc;

		if (devcmd_on_reading(L->d.devcmd, (int)(dev - cfg->devices), &r,
				      m->recv_ms, &oc))
			devcmd_record(L, &oc, 1);
	}
}

/* ------------------------------------------------------------ timers */

static void tick_rules(struct loop *L, int64_t mono)
{
	const struct config *cfg = L->d.cfg;
	struct hazard_change chg[MAX_CHANGES];
	int i, n;

	for (i = 0; i < cfg->n_devices; i++) {
		struct device_state *ds = &L->d.dev_state[i];

		n = rules_tick(&cfg->devices[i], ds, mono, chg, MAX_CHANGES);
		/* a hold that expired was caused by the last reading: it is the
		 * evidence; an offline device has none */
		if (n > 0)
			apply_changes(L, &cfg->devices[i], chg, n,
				      ds->last.present ? &ds->last : NULL, now_wall_ms());
	}
}

/* Batch readings into telemetry messages; the cursor lives in the database
 * so a restart neither repeats nor skips a batch. */
static void flush_telemetry(struct loop *L, int64_t mono, bool force)
{
	const struct config *cfg = L->d.cfg;
	int64_t after = 0, last = 0;
	int rounds;

	if (!force && L->telemetry_pending < cfg->upstream.telemetry_batch &&
	    mono - L->last_telemetry_ms < cfg->upstream.telemetry_interval_s * 1000LL)
		return;
	L->last_telemetry_ms = mono;
	L->telemetry_pending = 0;
	store_meta_get_int(L->d.store, "telemetry_seq", &after);
	for (rounds = 0; rounds < 16; rounds++) {
		cJSON *arr = NULL, *body;
		char *text;
		int count;

		if (store_readings_since(L->d.store, after, cfg->upstream.telemetry_batch,
					 &arr, &last) < 0 || !arr)
			break;
		count = cJSON_GetArraySize(arr);
		if (count == 0) {
			cJSON_Delete(arr);
			break;
		}
		body = cJSON_CreateObject();
		cJSON_AddNumberToObject(body, "count", count);
		cJSON_AddItemToObject(body, "readings", arr);
		text = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
		if (!text || store_outbox_put(L->d.store, "telemetry", OB_TELEMETRY,
					      text, NULL) < 0) {
			free(text);
			L->d.cnt.store_errors++;
			break;
		}
		free(text);
		after = last;
		store_meta_set_int(L->d.store, "telemetry_seq", after);
		if (count < cfg->upstream.telemetry_batch)
			break;
	}
}

/*
 * storage.max_mb: above 90 % of it, drop the oldest readings, then the
 * oldest telemetry, then the copies kept for resends, then the events of
 * finished records that no report needs, down to 80 %.  Records
 * themselves are never dropped; if they alone fill the quota, say so
 * (loudly, with backoff).
 */
static void enforce_quota(struct loop *L)
{
	int64_t max = (int64_t)L->d.cfg->storage.max_mb * 1048576;
	int64_t used = store_used_bytes(L->d.store), r = 0, t = 0, e = 0;
	int rc;

	if (used < 0 || used <= max / 10 * 9)
		return;
	rc = store_make_room(L->d.store, max / 10 * 8, &r, &t, &e);
	L->d.cnt.quota_dropped_readings += (uint64_t)r;
	L->d.cnt.quota_dropped_telemetry += (uint64_t)t;
	L->d.cnt.quota_dropped_events += (uint64_t)e;
	if (r || t || e)
		log_warnx("storage.max_mb %d reached: dropped the oldest %lld readings, "
			  "%lld telemetry messages and %lld events of finished records",
			  L->d.cfg->storage.max_mb, (long long)r, (long long)t, (long long)e);
	if (rc != 0)
		complain(&L->quota_complaint, "storage.max_mb %d: alarm, fault and hazard "
			 "records and the events their reports need alone fill the quota; "
			 "they are never dropped, raise max_mb",
			 L->d.cfg->storage.max_mb);
}

/* ------------------------------------------------------------ rules state */

static void restore_one(void *ctx, const struct hazard_rec *rec)
{
	struct loop *L = ctx;
	const struct device_cfg *dev = config_find_device(L->d.cfg, rec->device);

	/* the rules remember a condition through the record of its own kind
	 * (a gas leak's alarm, not the hazard that may stand for it); a
	 * cleared hazard's condition is off */
	if (dev && rec->kind == record_kind_of(rec->type) &&
	    strcmp(rec->state, "cleared") != 0)
		rules_restore(&L->d.dev_state[dev - L->d.cfg->devices], rec->type,
			      rec->severity, rec->flapping);
}

/*
 * Make the rules' memory agree with the database: at start-up, and after a
 * failed commit (disk full, I/O error) so that a condition whose hazard did
 * not reach the disk is raised again by the next reading.
 */
static void rules_resync(struct loop *L)
{
	int i;

	for (i = 0; i < L->d.cfg->n_devices; i++)
		memset(L->d.dev_state[i].slot, 0, sizeof L->d.dev_state[i].slot);
	store_foreach_open(L->d.store, restore_one, L);
}

/* ------------------------------------------------------------ gpio */

static int write_output(void *ctx, int output, bool on)
{
	return gpio_output_write(ctx, output, on);
}

/* Interlock actions of a change made by the loop: the outputs under the
 * GPIO thread's lock, the device commands (loop-only state) after it. */
static cJSON *gpio_interlock(struct loop *L, const struct device_cfg *dev,
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
	struct rule_slot *slot;
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
	slot = &ds->slot[in->hazard];
	memset(&chg, 0, sizeof chg);
	chg.type = (enum hazard_type)in->hazard;
	chg.severity = (enum severity)in->severity;
	chg.kind = on ? CHG_ACTIVE : CHG_CLEAR;
	/* detail is 96 bytes: clip the names rather than lose the state */
	snprintf(chg.detail, sizeof chg.detail, "gpio %.24s %s (%.24s line %d)", in->name,
		 in->nc_supervision ? (on ? "loop open" : "loop closed")
				    : (on ? "contact closed" : "contact open"),
		 in->chip, in->line);
	if (slot->active == on) {
		if (restart && on)
			cJSON_Delete(gpio_interlock(L, dev, &chg));
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
		acts = gpio_interlock(L, dev, &chg);
	/* debounce_ms is deliberate waiting, not reaction time */
	if (acts && on && !restart && !acted)
		lat_record(&L->d, now_mono_ns() - gc->edge_ns - (int64_t)in->debounce_ms * 1000000);
	slot->active = on;
	slot->severity = chg.severity;
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
static void gpio_take_acted(struct loop *L)
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
static void gpio_react(struct loop *L, const struct pollfd *pfd, int n)
{
	struct gpio_change gc[GP_MAX];
	int i, k;

	if (gpio_thread_running(L->d.gt)) {
		gpio_take_acted(L);
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
static void gpio_reconcile(struct loop *L)
{
	struct gpio_change gc[GP_MAX];
	int i, k;

	/* what the thread queued is older than this read: record it first */
	gpio_take_acted(L);
	gpio_lock(&L->d);
	k = gpio_read_all(L->d.gpio, now_mono_ns(), gc, GP_MAX - L->n_gp);
	gpio_unlock(&L->d);
	for (i = 0; i < k; i++)
		gpio_change_apply(L, &gc[i], true, false, NULL);
}

static void gpio_record(struct loop *L)
{
	int i;

	for (i = 0; i < L->n_gp; i++) {
		struct gpio_pending *p = &L->gp[i];

		apply_acted(L, p->dev, &p->chg, 1, &p->ev, p->at_ms, &p->actions);
	}
	L->n_gp = 0;
}

/*
 * Inside a long pass (a big intake batch, then the commit's fsync), an edge
 * that arrived meanwhile moves its outputs now rather than after the
 * commit; its record joins the next pass.
 */
static void gpio_poll_now(struct loop *L)
{
	struct pollfd pfd[MAX_POLLFDS / 2];
	int n;

	if (!L->d.gpio || L->n_gp == GP_MAX || gpio_thread_running(L->d.gt))
		return;
	n = gpio_pollfds(L->d.gpio, pfd, MAX_POLLFDS / 2);
	if (n > 0 && poll(pfd, (nfds_t)n, 0) > 0)
		gpio_react(L, pfd, n);
}

static int64_t gpio_due_ms(struct loop *L)
{
	int64_t a = gpio_next_due_ms(L->d.gpio), b = interlock_next_due_ms(L->d.il);

	if (gpio_thread_running(L->d.gt))
		return INT64_MAX;       /* the thread waits for them */
	return a < b ? a : b;
}

static void gpio_start(struct loop *L)
{
	const struct config *cfg = L->d.cfg;
	bool *initial;
	char err[256];
	int i;

	/* a reload may add lines later: the thread is ready for them */
	L->d.gt = gpio_thread_new(&L->d, L->wake_fd);
	if (!L->d.gt)
		fatalx("cannot create the GPIO thread's eventfd or lock");
	if (cfg->n_outputs == 0 && cfg->n_inputs == 0 && cfg->n_interlocks == 0)
		return;
	L->d.il = interlock_new(cfg);
	initial = calloc((size_t)cfg->n_outputs + 1, sizeof *initial);
	if (!L->d.il || !initial)
		fatalx("out of memory");
	interlock_load(L->d.il, L->d.store);
	interlock_attach_devcmd(L->d.il, L->d.devcmd);
	for (i = 0; i < cfg->n_outputs; i++)
		initial[i] = interlock_initial_on(L->d.il, i);
	L->d.gpio = gpio_new(cfg, &gpio_backend_libgpiod, initial, err, sizeof err);
	free(initial);
	if (!L->d.gpio)
		fatalx("%s", err);
	interlock_attach(L->d.il, write_output, L->d.gpio);
	interlock_attach_lock(L->d.il, &L->d);
	gpio_reconcile(L);
	log_info("gpio: %d inputs, %d outputs, %d interlocks", cfg->n_inputs,
		 cfg->n_outputs, cfg->n_interlocks);
	gpio_thread_start(L->d.gt);
}

/* ------------------------------------------------------------ the pass */

/*
 * Delete the acknowledged rows in the pass's transaction, and the ones
 * acknowledged earlier whose delete never reached the disk.  The rows
 * whose delete fails here are put in *undeleted; *kept_ok is false when a
 * remembered one failed again.
 */
static int delete_acked(struct loop *L, const int64_t *acks, int n_acks,
			int64_t *undeleted, bool *kept_ok)
{
	const int64_t *kept;
	int n_kept, i, n_und = 0;

	*kept_ok = true;
	kept = uplink_kept(L->up, &n_kept);
	for (i = 0; i < n_kept; i++) {
		if (store_outbox_delete(L->d.store, kept[i]) < 0) {
			*kept_ok = false;       /* still full: no point going on */
			break;
		}
	}
	for (i = 0; i < n_acks; i++) {
		if (store_outbox_delete(L->d.store, acks[i]) == 0)
			L->d.cnt.acked++;
		else
			undeleted[n_und++] = acks[i];
	}
	return n_und;
}

/*
 * After the pass: an acknowledged row stays in the outbox unless its
 * delete committed.  The uplink remembers every such row so that it is
 * not sent again (a full disk would otherwise send each row once per
 * broker round trip, for as long as the disk stays full).
 */
static void settle_acked(struct loop *L, const int64_t *acks, int n_acks,
			 const int64_t *undeleted, int n_und, bool kept_ok,
			 bool committed)
{
	if (!committed) {
		uplink_keep_acked(L->up, acks, n_acks);
		return;
	}
	if (kept_ok)
		uplink_kept_deleted(L->up);
	uplink_keep_acked(L->up, undeleted, n_und);
}

static void run_pass(struct loop *L)
{
	int64_t acks[1024], undeleted[1024];
	int64_t mono = now_mono_ms();
	int n_acks, n_msgs, i, n_und = 0, n_kept;
	bool tick = mono >= L->next_tick_ms || L->d.rules_changed, birth, probe,
	     kept_ok = false;
	bool committed = false;

	n_acks = uplink_take_acks(L->up, acks, 1024);
	n_msgs = msgq_pop(L->q, L->batch, PASS_MAX_MSGS);
	if (n_acks == 0 && n_msgs == 0 && !tick && L->n_gp == 0)
		goto pump;

	if (store_begin(L->d.store) < 0) {
		L->d.cnt.store_errors++;
		complain(&L->store_complaint, "database: cannot begin a transaction");
		uplink_keep_acked(L->up, acks, n_acks);
	} else {
		probe = pass_retry_probe(L->d.retry, mono);
		pass_retry_begin(L->d.retry);
		if (probe)
			retry_replay(L);
		if (L->storage_fault_check && !pass_retry_fault(L->d.retry)) {
			storage_fault_change(L, false);
			L->storage_fault_check = false;
		}
		if (L->history_fault) {
			history_fault_raise(L);
			L->history_fault = false;
		}
		gpio_record(L);
		/* a pass that will roll back anyway does not retry old deletes */
		uplink_kept(L->up, &n_kept);
		if (probe || n_kept == 0)
			n_und = delete_acked(L, acks, n_acks, undeleted, &kept_ok);
		for (i = 0; i < n_msgs; i++) {
			handle_msg(L, &L->batch[i]);
			if ((i & 255) == 255)
				gpio_poll_now(L);
		}
		if (tick) {
			L->d.rules_changed = false;
			tick_rules(L, mono);
			lifecycle_tick(&L->d);
			summary_tick(&L->d);
			{
				struct devcmd_outcome oc[16];

				devcmd_record(L, oc, devcmd_tick(L->d.devcmd, now_wall_ms(),
								mono, oc, 16));
			}
			flood_report(intake_flood(L->in), L->d.cfg, L->d.dev_state);
			if (mono >= L->next_quota_ms) {
				enforce_quota(L);
				L->next_quota_ms = mono + QUOTA_EVERY_MS;
			}
			if (mono >= L->next_trim_ms) {
				store_trim_readings(L->d.store, L->d.cfg->storage.max_readings);
				store_trim_sent(L->d.store);
				L->next_trim_ms = mono + TRIM_EVERY_MS;
			}
		}
		flush_telemetry(L, mono, false);
		gpio_poll_now(L);
		if (!probe) {
			/* writes are failing: outputs moved, changes held for the probe */
			store_rollback(L->d.store);
			if (!pass_retry_defer(L->d.retry)) {
				rules_resync(L);
				if (L->d.gpio)
					gpio_reconcile(L);
			}
		} else if (store_commit(L->d.store) < 0) {
			store_rollback(L->d.store);
			L->d.cnt.store_errors++;
			complain(&L->store_complaint,
				 "database: commit failed; %d messages not stored, their "
				 "hazard changes are retried (%d held)", n_msgs,
				 pass_retry_held(L->d.retry));
			if (!pass_retry_fault(L->d.retry))
				storage_fault_change(L, true);
			L->storage_fault_check = true;
			if (!pass_retry_failed(L->d.retry, now_wall_ms(), mono)) {
				/* too many to hold: the next readings raise them again */
				rules_resync(L);
				if (L->d.gpio)
					gpio_reconcile(L);
			}
		} else {
			committed = true;
			pass_retry_committed(L->d.retry);
			complain_release(&L->store_complaint, "database: commits recovered");
		}
		settle_acked(L, acks, n_acks, undeleted, n_und, kept_ok, committed);
	}
	for (i = 0; i < n_msgs; i++)
		msg_free(&L->batch[i]);
	if (tick) {
		L->next_tick_ms = mono + TICK_MS;
		L->d.outbox_depth = store_outbox_count(L->d.store);
	}
pump:
	L->d.intake_queue_depth = msgq_depth(L->q);
	L->d.cnt.dropped_queue_full = intake_dropped(L->in);
	birth = uplink_tick(L->up, mono);
	intake_tick(L->in, mono);
	L->d.local_connected = intake_connected(L->in);
	/* a latched device command reaches a plug that missed it */
	if (intake_reconnected(L->in))
		interlock_resend(L->d.il, now_wall_ms(), mono);
	discovery_tick(L->disc, mono);
	L->d.cnt.flood_dropped = flood_total(intake_flood(L->in));
	L->d.upstream_connected = uplink_connected(L->up, L->d.upstream_uri,
						   sizeof L->d.upstream_uri);
	if (birth || (tick && mono >= L->next_status_ms && L->d.upstream_connected)) {
		cJSON *st = daemon_status_json(&L->d);

		uplink_publish_status(L->up, "online", st);
		cJSON_Delete(st);
		L->next_status_ms = mono + L->d.cfg->upstream.status_interval_s * 1000LL;
	}
	downlink_run(L->d.dl, &L->d, L->up);   /* platform commands, own transactions */
	uplink_pump(L->up, L->d.store);
	L->d.cnt.published = uplink_published(L->up);
	uplink_kept(L->up, &n_kept);
	L->d.acked_not_deleted = n_kept;
	L->d.acked_not_deleted_overflow = uplink_kept_overflow(L->up);
}

/* reload.c: GPIO changes recorded before their config goes away. */
static void reload_flush(void *ctx)
{
	struct loop *L = ctx;

	if (L->n_gp == 0)
		return;
	if (store_begin(L->d.store) < 0) {
		int i;

		/* they cannot wait: they point into the old config; the
		 * re-read after the reload raises them again */
		for (i = 0; i < L->n_gp; i++)
			cJSON_Delete(L->gp[i].actions);
		L->n_gp = 0;
		L->d.cnt.store_errors++;
		rules_resync(L);
		return;
	}
	gpio_record(L);
	if (store_commit(L->d.store) < 0) {
		store_rollback(L->d.store);
		L->d.cnt.store_errors++;
		rules_resync(L);        /* the re-read after the reload raises them */
	}
}

static cJSON *loop_reload(struct daemon *d, const char *trigger)
{
	struct loop *L = the_loop;
	struct reload_target t = {
		.d = d, .boot_cfg = L->boot_cfg, .ix = &L->ix,
		.dev_complaint = &L->dev_complaint, .in = L->in, .disc = L->disc,
		.flush_pending = reload_flush, .ctx = L,
	};
	cJSON *r;

	/* the reload replaces the interlock state and the line requests: the
	 * thread stops, and what it queued is taken (recorded by
	 * reload_flush) or dropped (the re-read below raises it again) */
	gpio_thread_stop(L->d.gt);
	gpio_take_acted(L);
	gpio_thread_discard(L->d.gt);
	r = reload_run(&t, trigger);
	/* new thresholds judge the carried device state at the next pass */
	L->d.rules_changed = true;
	interlock_attach_lock(L->d.il, &L->d);
	/* every input re-read, whether the reload applied or not: an alarm
	 * that began while it ran is raised (issue 4) */
	if (L->d.gpio)
		gpio_reconcile(L);
	gpio_thread_start(L->d.gt);
	return r;
}

static void handle_signal(struct loop *L)
{
	struct signalfd_siginfo si;

	while (read(L->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("signal %d: shutting down", (int)si.ssi_signo);
			L->quit = true;
		} else if (si.ssi_signo == SIGHUP) {
			cJSON_Delete(loop_reload(&L->d, "SIGHUP"));
		}
	}
}

static void run_loop(struct loop *L)
{
	struct pollfd pfd[MAX_POLLFDS];
	uint64_t junk;
	int n, nctl, ngpio, timeout;
	int64_t due;

	while (!L->quit) {
		pfd[0] = (struct pollfd){ .fd = L->wake_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = L->sig_fd, .events = POLLIN };
		/* with the thread running it owns the line fds */
		ngpio = gpio_thread_running(L->d.gt) ? 0 :
			gpio_pollfds(L->d.gpio, pfd + 2, MAX_POLLFDS / 2);
		nctl = control_pollfds(L->ctl, pfd + 2 + ngpio, MAX_POLLFDS - 2 - ngpio);
		n = 2 + ngpio + nctl;
		timeout = (int)(L->next_tick_ms - now_mono_ms());
		if (timeout < 0 || msgq_depth(L->q) > 0 || L->n_gp > 0 ||
		    downlink_pending(L->d.dl) || L->d.rules_changed)
			timeout = 0;
		if (timeout > TICK_MS)
			timeout = TICK_MS;
		timeout = notify_timeout_ms(now_mono_ms(), timeout);
		/* a debounce or a pulse that ends before the tick */
		due = gpio_due_ms(L);
		if (due != INT64_MAX && due - now_mono_ms() < timeout)
			timeout = due <= now_mono_ms() ? 0 : (int)(due - now_mono_ms());
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			log_warn("poll");
			continue;
		}
		if (pfd[0].revents & POLLIN)
			while (read(L->wake_fd, &junk, sizeof junk) > 0)
				;
		if (pfd[1].revents & POLLIN)
			handle_signal(L);
		gpio_react(L, pfd + 2, ngpio);  /* outputs move before any write */
		run_pass(L);
		notify_tick(&L->d, now_mono_ms());     /* WATCHDOG=1: this pass ran */
		if (nctl > 0)
			control_handle(L->ctl, pfd + 2 + ngpio, nctl, &L->d);
	}
}

/* Shutdown: the thread stops; the changes it acted on are recorded. */
static void gpio_thread_finish(struct loop *L)
{
	gpio_thread_stop(L->d.gt);
	gpio_take_acted(L);
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
	gpio_record(L);
	if (store_commit(L->d.store) < 0)
		store_rollback(L->d.store);
}

/* Clean exit: stop taking messages (the broker keeps the rest for our
 * persistent session), store what we hold, let in-flight publishes finish. */
static void shutdown_loop(struct loop *L)
{
	int64_t until = now_mono_ms() + SHUTDOWN_WAIT_MS;

	intake_free(L->in);
	L->in = NULL;
	/* commands not taken yet stay with the broker for our next session;
	 * the ones taken are answered (their replies wait in the outbox) */
	uplink_close_commands(L->up);
	downlink_run(L->d.dl, &L->d, L->up);
	while (msgq_depth(L->q) > 0 || uplink_inflight(L->up) > 0) {
		int64_t acks[1024], undeleted[1024];
		int i, n_msgs, n_acks, n_und;
		bool kept_ok, committed = true;

		if (now_mono_ms() > until && msgq_depth(L->q) == 0)
			break;
		n_acks = uplink_take_acks(L->up, acks, 1024);
		n_msgs = msgq_pop(L->q, L->batch, PASS_MAX_MSGS);
		if (store_begin(L->d.store) == 0) {
			gpio_record(L);
			/* the remembered rows too: deleted now, not sent again
			 * after the restart */
			n_und = delete_acked(L, acks, n_acks, undeleted, &kept_ok);
			for (i = 0; i < n_msgs; i++)
				handle_msg(L, &L->batch[i]);
			flush_telemetry(L, now_mono_ms(), true);
			if (store_commit(L->d.store) < 0) {
				store_rollback(L->d.store);
				committed = false;
			}
			settle_acked(L, acks, n_acks, undeleted, n_und, kept_ok, committed);
		}
		for (i = 0; i < n_msgs; i++)
			msg_free(&L->batch[i]);
		if (n_msgs == 0 && n_acks == 0)
			usleep(10000);
	}
	if (uplink_connected(L->up, NULL, 0)) {
		cJSON *extra = cJSON_CreateObject();

		cJSON_AddStringToObject(extra, "reason", "shutdown");
		uplink_publish_status(L->up, "offline", extra);
		cJSON_Delete(extra);
	}
	uplink_shutdown(L->up, 1000);
}

/* ------------------------------------------------------------ for control.c */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Interlock counters and the edge-to-output latency (issue 4's measure). */
static cJSON *gpio_status_json(struct daemon *d)
{
	cJSON *g = cJSON_CreateObject();
	uint32_t *v;
	uint64_t self_tests, write_errors;
	size_t n;

	/* the GPIO thread writes the ring and the counters */
	gpio_lock(d);
	n = d->il_lat_count < IL_LAT_N ? (size_t)d->il_lat_count : IL_LAT_N;
	self_tests = interlock_self_tests(d->il);
	write_errors = interlock_write_errors(d->il);
	v = n ? malloc(n * sizeof *v) : NULL;
	if (v)
		memcpy(v, d->il_lat_us, n * sizeof *v);
	gpio_unlock(d);
	cJSON_AddNumberToObject(g, "inputs", d->cfg->n_inputs);
	cJSON_AddNumberToObject(g, "outputs", d->cfg->n_outputs);
	cJSON_AddNumberToObject(g, "input_changes", (double)d->gpio_changes);
	cJSON_AddNumberToObject(g, "self_tests", (double)self_tests);
	cJSON_AddNumberToObject(g, "output_write_errors", (double)write_errors);
	cJSON_AddNumberToObject(g, "latency_samples", (double)n);
	if (v) {
		qsort(v, n, sizeof *v, cmp_u32);
		cJSON_AddNumberToObject(g, "edge_to_output_p50_us", v[n / 2]);
		cJSON_AddNumberToObject(g, "edge_to_output_p99_us", v[(n * 99) / 100]);
		cJSON_AddNumberToObject(g, "edge_to_output_max_us", v[n - 1]);
		free(v);
	}
	return g;
}

cJSON *daemon_status_json(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject(), *c, *l;
	char ts[32];

	cJSON_AddStringToObject(o, "gateway", d->cfg->gateway.id);
	cJSON_AddStringToObject(o, "district", d->cfg->gateway.district);
	cJSON_AddStringToObject(o, "version", HAZARDD_VERSION);
	cJSON_AddStringToObject(o, "started_at", fmt_iso_ms(d->started_wall_ms, ts, sizeof ts));
	cJSON_AddNumberToObject(o, "uptime_s",
				(double)((now_mono_ms() - d->started_mono_ms) / 1000));
	l = cJSON_AddObjectToObject(o, "local");
	cJSON_AddBoolToObject(l, "connected", d->local_connected);
	cJSON_AddStringToObject(l, "uri", d->cfg->local.uri);
	l = cJSON_AddObjectToObject(o, "upstream");
	cJSON_AddBoolToObject(l, "connected", d->upstream_connected);
	cJSON_AddStringToObject(l, "uri", d->upstream_uri);
	/* acknowledged upstream, not yet deleted (the disk is full): never
	 * sent again in this run; drains to 0 once writes work */
	cJSON_AddNumberToObject(l, "acked_not_deleted", d->acked_not_deleted);
	cJSON_AddNumberToObject(l, "acked_not_deleted_overflow",
				(double)d->acked_not_deleted_overflow);
	cJSON_AddNumberToObject(o, "devices", d->cfg->n_devices);
	cJSON_AddNumberToObject(o, "outbox_depth", (double)store_outbox_count(d->store));
	cJSON_AddNumberToObject(o, "intake_queue_depth", d->intake_queue_depth);
	c = cJSON_AddObjectToObject(o, "counters");
	cJSON_AddNumberToObject(c, "received", (double)d->cnt.received);
	cJSON_AddNumberToObject(c, "accepted", (double)d->cnt.accepted);
	cJSON_AddNumberToObject(c, "rejected", (double)d->cnt.rejected);
	cJSON_AddNumberToObject(c, "bad_fields", (double)d->cnt.bad_fields);
	cJSON_AddNumberToObject(c, "over_range", (double)d->cnt.over_range);
	cJSON_AddNumberToObject(c, "unknown_topic", (double)d->cnt.unknown_topic);
	cJSON_AddNumberToObject(c, "dropped_queue_full", (double)d->cnt.dropped_queue_full);
	cJSON_AddNumberToObject(c, "record_events", (double)d->cnt.record_events);
	cJSON_AddNumberToObject(c, "published", (double)d->cnt.published);
	cJSON_AddNumberToObject(c, "acked", (double)d->cnt.acked);
	cJSON_AddNumberToObject(c, "store_errors", (double)d->cnt.store_errors);
	cJSON_AddNumberToObject(c, "quota_dropped_readings",
				(double)d->cnt.quota_dropped_readings);
	cJSON_AddNumberToObject(c, "quota_dropped_telemetry",
				(double)d->cnt.quota_dropped_telemetry);
	cJSON_AddNumberToObject(c, "quota_dropped_events",
				(double)d->cnt.quota_dropped_events);
	cJSON_AddNumberToObject(c, "flood_dropped", (double)d->cnt.flood_dropped);
	cJSON_AddNumberToObject(c, "reloads", (double)d->cnt.reloads);
	cJSON_AddNumberToObject(c, "reloads_refused", (double)d->cnt.reloads_refused);
	devices_status_json(d, o);
	/* life cycle: hazards that came back after a write-off, per site */
	cJSON_AddItemToObject(o, "recurrences", store_recurrences_by_site(d->store));
	cJSON_AddBoolToObject(o, "clock_trusted", clock_trusted());
	/* the platform's thresholds over the file's, also sent upstream with
	 * the status message; hazardctl rules shows every value in force */
	cJSON_AddItemToObject(o, "rule_overrides", rule_overrides_doc(d->store));
	if (d->gpio || d->il)
		cJSON_AddItemToObject(o, "gpio", gpio_status_json(d));
	if (d->dl)
		cJSON_AddItemToObject(o, "commands", downlink_status_json(d->dl));
	if (d->retry)
		cJSON_AddItemToObject(o, "storage", pass_retry_status_json(d->retry));
	/* the epoch new ids carry, and whether this start had to change it */
	l = cJSON_AddObjectToObject(o, "ids");
	cJSON_AddStringToObject(l, "epoch", store_epoch(d->store));
	cJSON_AddBoolToObject(l, "history_lost", store_history_fault(d->store) != NULL);
	if (store_history_fault(d->store))
		cJSON_AddStringToObject(l, "detail", store_history_fault(d->store));
	return o;
}

int daemon_close_hazard(struct daemon *d, const char *hazard_id, const char *actor,
			const char *note, char *err, size_t errlen)
{
	return daemon_hazard_transition(d, hazard_id, HZS_CLOSED, actor, note, NULL,
					err, errlen);
}

/* ------------------------------------------------------------ start-up */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hazardd [-v] -c FILE      run in the foreground\n"
		"       hazardd --check-config -c FILE\n"
		"       hazardd --version | --help\n"
		"  -c, --config FILE   configuration (default /etc/hazardd/hazardd.json)\n"
		"  -n, --check-config  validate the configuration and exit\n"
		"  -v, --verbose       debug logging\n");
}

static enum log_level level_from_name(const char *s)
{
	if (strcmp(s, "error") == 0)
		return LOG_LVL_ERR;
	if (strcmp(s, "warn") == 0)
		return LOG_LVL_WARN;
	if (strcmp(s, "debug") == 0)
		return LOG_LVL_DEBUG;
	return LOG_LVL_INFO;
}

static int setup_fds(struct loop *L)
{
	sigset_t set;

	L->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (L->wake_fd < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* block before Paho starts its threads so they inherit the mask */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	L->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	return L->sig_fd < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct loop L;
	static struct config cfg;
	struct privdrop pd;
	const char *cfg_path = "/etc/hazardd/hazardd.json";
	bool check_only = false, verbose = false;
	char err[8192];
	int ch, i;

	while ((ch = getopt_long(argc, argv, "c:nvVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfg_path = optarg; break;
		case 'n': check_only = true; break;
		case 'v': verbose = true; break;
		case 'V': printf("hazardd %s\n", HAZARDD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* whoever started us: what hazardd creates is at most 0640 (0750 for
	 * directories), never readable by others */
	umask(0027);
	log_init("hazardd", verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	err[0] = '\0';
	if (config_load(cfg_path, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s", err);
		if (err[0] && err[strlen(err) - 1] != '\n')
			fputc('\n', stderr);
		fprintf(stderr, "hazardd: configuration %s is not valid\n", cfg_path);
		return 1;
	}
	/* derived topics (availability, events) may collide: a config error
	 * that --check-config must catch too */
	L.ix = devindex_new(&cfg, err, sizeof err);
	if (!L.ix) {
		fprintf(stderr, "%s: %s\n", cfg_path, err);
		fprintf(stderr, "hazardd: configuration %s is not valid\n", cfg_path);
		config_free(&cfg);
		return 1;
	}
	/* a key that is a FIFO, a symlink or readable by others is a config
	 * error here too; one not there yet is left to start-up */
	if (secret_check_config(&cfg, check_only, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", cfg_path, err);
		fprintf(stderr, "hazardd: configuration %s is not valid\n", cfg_path);
		devindex_free(L.ix);
		config_free(&cfg);
		return 1;
	}
	if (check_only) {
		printf("configuration OK\n");
		devindex_free(L.ix);
		config_free(&cfg);
		return 0;
	}
	if (!verbose)
		log_set_level(level_from_name(cfg.log.level));
	else
		log_pin_level();
	log_info("hazardd %s starting: gateway %s, %d sites, %d devices",
		 HAZARDD_VERSION, cfg.gateway.id, cfg.n_sites, cfg.n_devices);

	the_loop = &L;
	L.d.cfg = &cfg;
	L.boot_cfg = &cfg;
	L.d.reload = loop_reload;
	if (privdrop_prepare(&cfg, &pd, err, sizeof err) < 0)
		fatalx("%s", err);
	L.d.started_wall_ms = now_wall_ms();
	L.d.started_mono_ms = now_mono_ms();    /* uptime: immune to clock jumps */
	if (setup_fds(&L) < 0)
		fatalx("cannot create eventfd/signalfd: %s", strerror(errno));
	/* no symlink, no foreign file at the database's names; then open it
	 * with the daemon user's ids (privdrop.c, dbfile.c) */
	if (dbfile_guard(cfg.storage.path, pd.uid, pd.active, err, sizeof err) < 0)
		fatalx("%s", err);
	if (privdrop_as_user(&pd, true) < 0)
		fatalx("cannot take user %s's ids to open the database: %s", pd.user,
		       strerror(errno));
	L.d.store = store_open(cfg.storage.path, err, sizeof err);
	if (privdrop_as_user(&pd, false) < 0)
		fatalx("cannot return to root after opening the database: %s",
		       strerror(errno));
	if (!L.d.store)
		fatalx("%s", err);
	if (store_set_quota(L.d.store, cfg.storage.max_mb) < 0)
		log_warnx("database %s: cannot set the storage.max_mb ceiling",
			  cfg.storage.path);
	if (store_sync_config(L.d.store, &cfg) < 0)
		fatalx("database %s: cannot record sites and devices", cfg.storage.path);
	L.d.retry = pass_retry_new();
	L.storage_fault_check = true;   /* one left open by an earlier run */
	if (store_history_fault(L.d.store)) {
		/* raised in the first pass, and not cleared by it */
		L.history_fault = true;
		L.storage_fault_check = false;
	}
	if (!L.d.retry)
		fatalx("out of memory");
	if (rule_overrides_apply(&cfg, L.d.store, err, sizeof err) < 0)
		log_warnx("platform rule overrides not applied: %s", err);
	else
		rule_overrides_log(L.d.store, "start-up");
	L.d.dev_state = calloc((size_t)cfg.n_devices + 1, sizeof *L.d.dev_state);
	L.dev_complaint = calloc((size_t)cfg.n_devices + 1, sizeof *L.dev_complaint);
	if (!L.d.dev_state || !L.dev_complaint)
		fatalx("out of memory");
	/* offline detection counts from start-up: we cannot know what the
	 * devices did while hazardd was down */
	for (i = 0; i < cfg.n_devices; i++)
		L.d.dev_state[i].last_seen_ms = now_mono_ms();
	presence_load(L.d.store, &cfg, L.d.dev_state);
	rules_resync(&L);
	summary_start(&L.d);
	L.d.devcmd = devcmd_new(&cfg);
	if (!L.d.devcmd)
		fatalx("out of memory");
	devcmd_attach_store(L.d.devcmd, L.d.store);
	gpio_start(&L);

	L.ctl = control_open(cfg.control.socket, err, sizeof err);
	if (!L.ctl)
		fatalx("control socket: %s", err);
	/* root's work is done: database, socket, GPIO lines are open */
	privdrop_chown(&pd, cfg.control.socket, true);
	if (privdrop_apply(&pd, err, sizeof err) < 0)
		fatalx("%s", err);
	L.q = msgq_new(cfg.local.queue_len, L.wake_fd);
	if (!L.q)
		fatalx("out of memory");
	L.up = uplink_new(&cfg, store_epoch(L.d.store), L.wake_fd, err, sizeof err);
	if (!L.up)
		fatalx("%s", err);
	L.d.up = L.up;
	L.d.dl = downlink_new(&cfg, L.wake_fd, &(struct downlink_hooks){
		.status = daemon_status_json }, err, sizeof err);
	if (!L.d.dl)
		fatalx("%s", err);
	downlink_load(L.d.dl, L.d.store);
	uplink_set_commands(L.up, downlink_queue(L.d.dl), downlink_max_bytes(),
			    downlink_count_drop, L.d.dl);
	L.in = intake_new(&cfg, L.q, L.wake_fd, err, sizeof err);
	if (!L.in)
		fatalx("%s", err);
	devcmd_attach(L.d.devcmd, publish_cmd, L.in);
	devcmd_attach_flood(L.d.devcmd, intake_flood(L.in));
	if (cfg.discovery.enabled &&
	    (!(L.d.unknown = unknown_new(cfg.discovery.max_entries)) ||
	     !(L.disc = discovery_new(&cfg, L.d.unknown, L.wake_fd, err, sizeof err))))
		fatalx("discovery: %s", L.d.unknown ? err : "out of memory");
	L.d.outbox_depth = store_outbox_count(L.d.store);
	log_info("ready: database %s (outbox %lld), control socket %s",
		 cfg.storage.path, (long long)L.d.outbox_depth, cfg.control.socket);

	/* systemd: READY=1 only now that the database is open and the loop runs */
	notify_init();
	notify_ready(&L.d);
	run_loop(&L);

	notify_stopping();
	gpio_thread_finish(&L);
	discovery_free(L.disc);
	shutdown_loop(&L);
	unknown_free(L.d.unknown);
	devcmd_free(L.d.devcmd);
	uplink_free(L.up);
	downlink_free(L.d.dl);
	pass_retry_free(L.d.retry);
	control_close(L.ctl);
	msgq_free(L.q);
	store_close(L.d.store);
	free(L.d.dev_state);
	free(L.dev_complaint);
	devindex_free(L.ix);
	gpio_thread_free(L.d.gt);
	gpio_free(L.d.gpio);
	interlock_free(L.d.il);
	config_free(L.d.cfg);
	if (L.d.cfg != &cfg)
		free(L.d.cfg);          /* a reload's */
	log_info("stopped");
	return 0;
}
