/*
 * loop_pass.c: one pass of the loop (loop.h).  The queued alarms first,
 * in a small transaction of their own, committed and pumped upstream at
 * once; then acknowledgements in, the rest of the intake queue drained,
 * the rules evaluated and ticked, telemetry batched, the quota kept, all
 * in ONE transaction; held changes of a failed commit (or a failed BEGIN)
 * replayed (pass_retry.c); then the links pumped.  Nothing is forwarded
 * before it is on disk.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "coverage_check.h"
#include "live.h"

/* ------------------------------------------------------------ hazards */

/* actions: what the interlocks did for this change (owned; may be NULL). */
static void emit_event(struct loop *L, const struct hazard_rec *rec,
		       const char *event, int64_t now_ms, cJSON *actions)
{
	lifecycle_emit(&L->d, rec, event, now_ms, actions);
}

/* Changes whose interlock actions already ran (acts[i], owned, may be NULL). */
void loop_apply_acted(struct loop *L, const struct device_cfg *dev,
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
	static struct device_cfg gw = DEVICE_CFG_BLANK;

	/* the running config's id, as a device's strings are: used at once */
	gw.id = gw.site = L->d.cfg->gateway.id;
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
			loop_apply_acted(L, dev, &c[i].chg, 1,
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
		loop_apply_acted(L, gateway_device(L), &chg, 1, NULL, now_wall_ms(),
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
	loop_apply_acted(L, gateway_device(L), &chg, 1, NULL, now_wall_ms(), &(cJSON *){ NULL });
}

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
		acts[i] = loop_interlock(L, dev, &chg[i]);
	loop_apply_acted(L, dev, chg, n, evidence, now_ms, acts);
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
	/* the counters are made with the first field left out; out of
	 * memory, this device's fields go uncounted (the totals still count) */
	struct device_cold *cold = r->bad ? rules_cold(ds) : ds->cold;
	uint64_t total = 0;
	int f;

	for (f = 0; f < RF_COUNT; f++) {
		if ((r->bad >> f) & 1u) {
			if (cold)
				cold->field_bad[f]++;
			L->d.cnt.bad_fields++;
		}
		if ((r->over >> f) & 1u) {
			ds->over_range++;
			L->d.cnt.over_range++;
		}
		total += cold ? cold->field_bad[f] : 0;
	}
	if (!cold)
		return;         /* never a field left out: nothing to release */
	if (r->bad)
		complain(&cold->field_complaint, "device %s: %s, left out (%llu fields left "
			 "out so far)", dev->id, why, (unsigned long long)total);
	else
		complain_release(&cold->field_complaint, "device %s: fields readable again",
				 dev->id);
}

/* The message's classification, made once at receipt (intake_class.c),
 * or made here when it has none or a reload renumbered the devices since. */
static const struct intake_class *msg_class(struct loop *L, const struct msg *m,
					    struct intake_class *own)
{
	const struct intake_class *c = m->info;

	if (c && m->info_len > offsetof(struct intake_class, err) &&
	    c->gen == intake_generation(L->in))
		return c;
	intake_classify(L->ix, L->d.cfg, m->topic, m->payload, m->len, m->oversized, m->recv_ms, own);
	return own;
}

void loop_handle_msg(struct loop *L, const struct msg *m)
{
	const struct config *cfg = L->d.cfg;
	const struct device_cfg *dev;
	const struct intake_class *c;
	const struct reading *r;
	struct intake_class own;
	struct device_state *ds;
	struct hazard_change chg[MAX_CHANGES];
	char err[128];
	uint64_t presses;
	int n;

	L->d.cnt.received++;
	c = msg_class(L, m, &own);
	dev = c->dev >= 0 && c->dev < cfg->n_devices ? &cfg->devices[c->dev] : NULL;
	if (!dev || c->kind == IK_UNKNOWN) {
		L->d.cnt.unknown_topic++;
		complain(&L->unknown_complaint, "message on unconfigured topic %s ignored",
			 m->topic);
		return;
	}
	ds = &L->d.dev_state[c->dev];
	switch (c->kind) {
	case IK_OVERSIZED:
		snprintf(err, sizeof err, "%zu bytes, over local.max_payload %d",
			 m->len, cfg->local.max_payload);
		reject(L, dev, ds, err);
		return;
	case IK_NO_FORMAT:
		snprintf(err, sizeof err, "format \"%s\" is not supported by this build",
			 dev->format);
		reject(L, dev, ds, err);
		return;
	case IK_IGNORED:
		return;         /* a command or announcement: not the device's state */
	case IK_READING:
		break;
	default:                /* IK_BAD: the decoder's reason */
		reject(L, dev, ds, c->err);
		return;
	}
	r = &c->r;
	L->d.cnt.accepted++;
	ds->accepted++;
	complain_release(&L->dev_complaint[c->dev],
			 "device %s: payloads accepted again", dev->id);
	count_fields(L, dev, ds, r, c->err);
	presses = ds->self_tests;
	n = rules_eval(dev, ds, r, now_mono_ms(), chg, MAX_CHANGES);
	presence_note(L->d.store, dev, ds, r, m->recv_ms);
	if (ds->self_tests != presses)  /* a test press: 自查, for the summary */
		summary_self_check(&L->d, dev->id, dev->site, "device", m->recv_ms);
	if (store_put_reading(L->d.store, dev->id, r) < 0)
		L->d.cnt.store_errors++;
	L->telemetry_pending++;
	live_reading(L->d.live, dev, r, m->recv_ms);
	/* min/max of the readings while a hazard's condition is on */
	if (n > 0 || lifecycle_condition_on(ds))
		store_hazard_observe(L->d.store, dev->id, r);
	apply_changes(L, dev, chg, n, r, m->recv_ms);
	{
		struct devcmd_outcome oc;

		if (devcmd_on_reading(L->d.devcmd, c->dev, r, m->recv_ms, &oc))
			devcmd_record(L, &oc, 1);
	}
}

/* One message of the intake queue: a redelivery already stored is only
 * acknowledged; anything else is handled and leaves its dedupe row. */
void loop_take_msg(struct loop *L, const struct msg *m)
{
	if (loop_dedupe_skip(L, m))
		return;
	loop_handle_msg(L, m);
	loop_dedupe_note(L, m);
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
void loop_flush_telemetry(struct loop *L, int64_t mono, bool force)
{
	const struct config *cfg = L->d.cfg;
	struct jbuf text = { 0 };
	int64_t after = 0, last = 0;
	int rounds, count;

	if (!force && L->telemetry_pending < cfg->upstream.telemetry_batch &&
	    mono - L->last_telemetry_ms < cfg->upstream.telemetry_interval_s * 1000LL)
		return;
	L->last_telemetry_ms = mono;
	L->telemetry_pending = 0;
	store_meta_get_int(L->d.store, "telemetry_seq", &after);
	/* the stored rows' text goes into the message as it is: no parse,
	 * no print; one buffer for every round */
	for (rounds = 0; rounds < 16; rounds++) {
		text.len = 0;
		if (store_telemetry_since(L->d.store, after, cfg->upstream.telemetry_batch,
					  &text, &count, &last) < 0)
			break;
		if (count == 0)
			break;
		if (store_outbox_put(L->d.store, "telemetry", OB_TELEMETRY,
				     text.p, NULL) < 0) {
			L->d.cnt.store_errors++;
			break;
		}
		after = last;
		store_meta_set_int(L->d.store, "telemetry_seq", after);
		if (count < cfg->upstream.telemetry_batch)
			break;
	}
	jbuf_free(&text);
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

/*
 * Make the rules' memory agree with the database after a failed commit
 * (disk full, I/O error), or a reload's GPIO records that could not be
 * written, so that a condition whose hazard did not reach the disk is
 * raised again by the next reading.  Start-up does the same through the
 * graph (graph.c: every device is new there).
 */
void loop_rules_resync(struct loop *L)
{
	int i;

	for (i = 0; i < L->d.cfg->n_devices; i++)
		rules_forget(&L->d.dev_state[i]);
	graph_restore_rules(L->d.store, L->d.cfg, L->d.dev_state, NULL);
}

/* ------------------------------------------------------------ the pass */

/*
 * Delete the acknowledged rows in the pass's transaction, and the ones
 * acknowledged earlier whose delete never reached the disk.  The rows
 * whose delete fails here are put in *undeleted; *kept_ok is false when a
 * remembered one failed again.
 */
int loop_delete_acked(struct loop *L, const int64_t *acks, int n_acks,
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
void loop_settle_acked(struct loop *L, const int64_t *acks, int n_acks,
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

/*
 * The local broker's PUBACKs, after the pass: every message before the
 * oldest one still queued is finished.  With the commit done that is the
 * promise (docs/intake.md).  Without it (storage failing: the alarms were
 * processed, their interlocks acted and their changes are held by
 * pass_retry.c) the messages are acknowledged all the same, so that the
 * session does not stall and hide new alarms behind a full window; that
 * is counted, logged and shown in status until commits work again.
 */
static void loop_ack_intake(struct loop *L, bool committed, int n_msgs)
{
	struct intake_stats st;
	uint64_t before;

	intake_get_stats(L->in, &st);
	before = st.acked_uncommitted;
	intake_settle(L->in, committed);
	if (committed || n_msgs == 0) {
		if (committed && n_msgs > 0)
			complain_release(&L->ack_complaint, "local: acknowledging "
					 "after the commit again");
		return;
	}
	intake_get_stats(L->in, &st);
	if (st.acked_uncommitted != before)
		complain(&L->ack_complaint, "local: storage failing: %llu messages "
			 "acknowledged to the broker without their commit so far "
			 "(alarms processed, their changes held)",
			 (unsigned long long)st.acked_uncommitted);
}

/*
 * Writes failed in this pass (its commit, or its BEGIN): the pass's
 * changes are held for the probe (pass_retry.c), storage_fault raised.
 */
static void pass_failed(struct loop *L, const char *what, int n_msgs, int64_t mono)
{
	L->d.cnt.store_errors++;
	complain(&L->store_complaint,
		 "database: %s; %d messages not stored, their "
		 "hazard changes are retried (%d held)", what, n_msgs,
		 pass_retry_held(L->d.retry));
	if (!pass_retry_fault(L->d.retry))
		storage_fault_change(L, true);
	L->storage_fault_check = true;
	if (!pass_retry_failed(L->d.retry, now_wall_ms(), mono)) {
		/* too many to hold: the next readings raise them again */
		loop_rules_resync(L);
		if (L->d.gpio)
			loop_gpio_reconcile(L);
	}
}

/* Writes are failing and this pass is no probe: outputs moved, changes
 * held for the probe. */
static void pass_defer(struct loop *L)
{
	if (!pass_retry_defer(L->d.retry)) {
		loop_rules_resync(L);
		if (L->d.gpio)
			loop_gpio_reconcile(L);
	}
}

/*
 * The end of a pass's transaction: a pass that is no probe rolls back
 * (writes are failing: its changes are held); a probe commits.  True when
 * the commit took.
 */
static bool pass_end(struct loop *L, bool probe, int n_msgs, int64_t mono)
{
	if (!probe) {
		store_rollback(L->d.store);
		pass_defer(L);
		return false;
	}
	if (store_commit(L->d.store) < 0) {
		store_rollback(L->d.store);
		pass_failed(L, "commit failed", n_msgs, mono);
		return false;
	}
	pass_retry_committed(L->d.retry);
	complain_release(&L->store_complaint, "database: commits recovered");
	return true;
}

static void take_msgs(struct loop *L, struct msg *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		loop_take_msg(L, &m[i]);
		if ((i & 255) == 255)
			loop_gpio_poll_now(L);
	}
}

/*
 * BEGIN failed (the database locked by another writer past the busy
 * timeout, an I/O error): the messages are processed all the same, as
 * in a pass whose commit fails (rules evaluated, interlocks act, the
 * changes held by pass_retry.c), with every write refused so that none
 * commits on its own or waits for a lock; then acknowledged as
 * acked_uncommitted by the caller.  first: the first failure of this
 * pass counts (storage_fault, the probe's backoff); a later one in the
 * same pass only adds its changes to the held ones.
 */
static void pass_refused(struct loop *L, struct msg *m, int n, bool first, int64_t mono)
{
	if (store_refuse_writes(L->d.store, true) < 0)
		n = 0;          /* writes might commit one by one: not even that */
	pass_retry_begin(L->d.retry);
	take_msgs(L, m, n);
	loop_gpio_poll_now(L);
	store_refuse_writes(L->d.store, false);
	/* a transaction an earlier failure left open ends here */
	store_rollback(L->d.store);
	if (first)
		pass_failed(L, "cannot begin a transaction", n, mono);
	else
		pass_defer(L);
}

/*
 * Alarms first: the queued alarm messages (and the earlier messages of
 * their devices, msgq_pop_alarms) in a small transaction of their own,
 * with the GPIO records already pending, committed and handed to the
 * uplink before the pass touches the background batch.  Their PUBACKs
 * still leave in arrival order (intake_settle).  The upstream
 * acknowledgements taken for this pass are settled here too: pumping
 * before their rows are deleted would send those rows again.
 * *begin_failed: the BEGIN failed here (the batch then does not wait for
 * another).
 */
static void alarm_pass(struct loop *L, int n, const int64_t *acks, int n_acks,
		       int64_t mono, bool *begin_failed)
{
	int64_t undeleted[1024];
	bool committed = false, probe, kept_ok = false;
	int i, n_und = 0, n_kept;

	if (store_begin(L->d.store) < 0) {
		L->d.cnt.store_errors++;
		*begin_failed = true;
		uplink_keep_acked(L->up, acks, n_acks);
		pass_refused(L, L->batch, n, true, mono);
	} else {
		probe = pass_retry_probe(L->d.retry, mono);
		pass_retry_begin(L->d.retry);
		if (probe)
			retry_replay(L);        /* older changes first */
		loop_gpio_record(L);
		uplink_kept(L->up, &n_kept);
		if (probe || n_kept == 0)
			n_und = loop_delete_acked(L, acks, n_acks, undeleted, &kept_ok);
		loop_dedupe_done(L);
		take_msgs(L, L->batch, n);
		loop_gpio_poll_now(L);
		committed = pass_end(L, probe, n, mono);
		loop_settle_acked(L, acks, n_acks, undeleted, n_und, kept_ok, committed);
	}
	for (i = 0; i < n; i++)
		msg_free(&L->batch[i]);
	loop_ack_intake(L, committed, n);
	/* the hazard and alarm events go out now, before the batch */
	if (committed)
		uplink_pump(L->up, L->d.store);
}

void loop_pass(struct loop *L)
{
	int64_t acks[1024], undeleted[1024];
	int64_t mono = now_mono_ms();
	int n_acks, n_msgs, i, n_und = 0, n_kept;
	bool tick = mono >= L->next_tick_ms || L->d.rules_changed, birth, probe,
	     kept_ok = false;
	bool committed = false, settled = true, begin_failed = false, alarms;

	n_acks = uplink_take_acks(L->up, acks, 1024);
	n_msgs = msgq_pop_alarms(L->q, L->batch, PASS_MAX_MSGS);
	alarms = n_msgs > 0;
	if (alarms) {
		alarm_pass(L, n_msgs, acks, n_acks, mono, &begin_failed);
		n_acks = 0;     /* settled there */
	}
	n_msgs = msgq_pop(L->q, L->batch, PASS_MAX_MSGS);
	/* readings the alarm transaction stored still go into telemetry in
	 * this pass's batch, as they would have without it */
	if (n_acks == 0 && n_msgs == 0 && !tick && L->n_gp == 0 && !alarms)
		goto pump;

	if (begin_failed || store_begin(L->d.store) < 0) {
		if (!begin_failed)
			L->d.cnt.store_errors++;
		uplink_keep_acked(L->up, acks, n_acks);
		pass_refused(L, L->batch, n_msgs, !begin_failed, mono);
		settled = n_msgs == 0;
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
		loop_gpio_record(L);
		/* a pass that will roll back anyway does not retry old deletes */
		uplink_kept(L->up, &n_kept);
		if (probe || n_kept == 0)
			n_und = loop_delete_acked(L, acks, n_acks, undeleted, &kept_ok);
		loop_dedupe_done(L);
		take_msgs(L, L->batch, n_msgs);
		if (tick) {
			L->d.rules_changed = false;
			tick_rules(L, mono);
			lifecycle_tick(&L->d);
			summary_tick(&L->d);
			coverage_tick(&L->d);
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
				if (clock_trusted())    /* its retention is by date */
					store_alert_trim(L->d.store, now_wall_ms());
				loop_dedupe_trim(L);
				mem_trim(L->d.store);
				L->next_trim_ms = mono + TRIM_EVERY_MS;
			}
		}
		loop_flush_telemetry(L, mono, false);
		loop_gpio_poll_now(L);
		committed = pass_end(L, probe, n_msgs, mono);
		loop_settle_acked(L, acks, n_acks, undeleted, n_und, kept_ok, committed);
		settled = committed;
	}
	for (i = 0; i < n_msgs; i++)
		msg_free(&L->batch[i]);
	if (tick) {
		L->next_tick_ms = mono + TICK_MS;
		L->d.outbox_depth = store_outbox_count(L->d.store);
	}
pump:
	loop_ack_intake(L, settled, n_msgs);
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

