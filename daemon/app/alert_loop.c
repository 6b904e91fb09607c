/*
 * alert_loop.c: the loop's side of alerts (alerts.h, docs/alerts.md).
 *
 * A record's "raised" event (lifecycle_emit, inside the record's
 * transaction) plans its chain (core/alert_plan.c): every send, each
 * round's due time, in memory and as pending rows of the alerts table in
 * the same transaction, so nothing is sent that is not on disk, and a
 * chain pending when hazardd stops goes on after it starts.  A person's
 * answer (any front-end: they all end in the record's "acknowledged",
 * "verified", ... event, which passes here) cancels what is still pending
 * in the same way.  A test press is verified "test" in the raise's own
 * transaction, so its chain is cancelled before anything is sent.
 *
 * After each pass (no transaction open) alerts_run hands the due sends to
 * the sender thread and records what came back: the row marked, and an
 * "alert_sent" or "alert_failed" event on the record's timeline, queued
 * upstream like every record event (channel, contact id and round; never
 * a phone number).  A failed send is tried again with a growing wait.
 *
 * The database may be full or failing (storage_fault): a send whose row
 * did not commit is sent from memory all the same (the interlock-first
 * rule: telling someone does not wait for the disk); the sender needs no
 * upstream link at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "live.h"

#define ATTEMPTS_MAX    20              /* then the send is given up (failed) */
#define RETRY_BASE_MS   5000
#define RETRY_CAP_MS    120000
#define CHANNELS_MAX    (ALERT_WEBHOOKS_MAX + 2)
#define TESTS_MAX       16
#define MEM_PREFIX      "mem-"          /* a chain with no record (no row either) */
#define DONE_MAX        128             /* sends finished, remembered for replays */

struct entry {
	struct alert_row row;
	char    device[ID_MAX];
	char    site[ID_MAX];
	enum hazard_type type;
	enum record_kind kind;
	char    phone[PHONE_MAX];       /* resolved when planned (or loaded) */
	bool    stored;                 /* its row is known to be committed */
	bool    inflight;
	bool    cancelled;              /* the chain stopped while it was in flight */
	uint64_t tag;
};

struct chan {
	char    name[ALERT_CHANNEL_LEN];
	int64_t last_ok_ms, last_err_ms;
	char    last_err[160];
	int     failures;               /* in a row */
};

struct test_slot {
	uint64_t tag;
	int      state;                 /* 0 pending, 1 sent, -1 failed */
	char     channel[ALERT_CHANNEL_LEN];
	char     err[160];
};

struct alerts {
	struct alert_thread *th;
	struct entry *v;
	int      n, cap;
	uint64_t next_tag;
	struct chan ch[CHANNELS_MAX];
	int      n_ch;
	bool     fault_on;
	struct test_slot tests[TESTS_MAX];
	int      next_test;
	/* the keys of sends that finished: a record written again after a
	 * failed commit (pass_retry.c replays its raise) plans the same
	 * sends, and those already made must not go twice */
	char     done[DONE_MAX][ID_MAX + ALERT_CHANNEL_LEN + ID_MAX + 16];
	int      next_done;
};

static void key_of(const struct alert_row *r, char *out, size_t len)
{
	snprintf(out, len, "%s|%s|%s|%d", r->record_id, r->channel, r->contact, r->round);
}

static bool was_done(const struct alerts *a, const struct alert_row *r)
{
	char k[sizeof a->done[0]];
	int i;

	key_of(r, k, sizeof k);
	for (i = 0; i < DONE_MAX; i++)
		if (strcmp(a->done[i], k) == 0)
			return true;
	return false;
}

static void note_done(struct alerts *a, const struct alert_row *r)
{
	key_of(r, a->done[a->next_done], sizeof a->done[0]);
	a->next_done = (a->next_done + 1) % DONE_MAX;
}

/* ------------------------------------------------------------ memory */

static struct entry *find_key(struct alerts *a, const struct alert_row *r)
{
	int i;

	for (i = 0; i < a->n; i++) {
		struct alert_row *o = &a->v[i].row;

		if (o->round == r->round && strcmp(o->record_id, r->record_id) == 0 &&
		    strcmp(o->channel, r->channel) == 0 && strcmp(o->contact, r->contact) == 0)
			return &a->v[i];
	}
	return NULL;
}

static struct entry *add(struct alerts *a)
{
	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 16;
		struct entry *v = realloc(a->v, (size_t)cap * sizeof *v);

		if (!v)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	memset(&a->v[a->n], 0, sizeof a->v[a->n]);
	return &a->v[a->n++];
}

static void drop(struct alerts *a, int i)
{
	a->v[i] = a->v[--a->n];
}

static struct chan *chan_of(struct alerts *a, const char *name)
{
	int i;

	for (i = 0; i < a->n_ch; i++)
		if (strcmp(a->ch[i].name, name) == 0)
			return &a->ch[i];
	if (a->n_ch == CHANNELS_MAX)
		return NULL;
	memset(&a->ch[a->n_ch], 0, sizeof a->ch[0]);
	strlcpy_hz(a->ch[a->n_ch].name, name, sizeof a->ch[0].name);
	return &a->ch[a->n_ch++];
}

/* A channel this gateway can use: SMS and voice need the modem, a webhook
 * its entry (a reload may have removed it). */
static const struct alert_webhook *webhook_of(const struct config *cfg, const char *channel)
{
	int i;

	if (strncmp(channel, "webhook:", 8) != 0)
		return NULL;
	for (i = 0; i < cfg->alerts.n_webhooks; i++)
		if (strcmp(cfg->alerts.webhooks[i].id, channel + 8) == 0)
			return &cfg->alerts.webhooks[i];
	return NULL;
}

static bool channel_usable(const struct config *cfg, const char *channel)
{
	if (strcmp(channel, "sms") == 0 || strcmp(channel, "voice") == 0)
		return cfg->alerts.modem.device[0] != '\0';
	return webhook_of(cfg, channel) != NULL;
}

/* ------------------------------------------------------------ text */

/* "gas_lel 62.0" of "gas_lel 62.0 >= lel_high 50": the value, short. */
static void value_of(const cJSON *body, char *out, size_t len)
{
	const cJSON *d = body ? cJSON_GetObjectItemCaseSensitive(body, "detail") : NULL;
	size_t n;

	out[0] = '\0';
	if (!cJSON_IsString(d))
		return;
	n = strcspn(d->valuestring, "><=;,(");
	if (n >= len)
		n = len - 1;
	memcpy(out, d->valuestring, n);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	if (n > 24)
		out[24] = '\0';
}

static void hhmm(const struct config *cfg, int64_t wall_ms, char *out, size_t len)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	localtime_use_zone(cfg->summary.timezone[0] ? cfg->summary.timezone : "UTC");
	if (localtime_r(&t, &tm))
		strftime(out, len, "%m-%d %H:%M", &tm);
	else
		strlcpy_hz(out, "?", len);
}

static void make_text(const struct config *cfg, const struct hazard_rec *rec,
		      const char *value, int round, enum alert_lang lang, char *out,
		      size_t len)
{
	const struct site_cfg *site = config_find_site(cfg, rec->site);
	char when[32];
	struct alert_facts f = {
		.kind = rec->kind, .type = rec->type, .severity = rec->severity,
		.site_name = site ? site->name : rec->site, .address = site ? site->address : "",
		.device = rec->device, .value = value, .time_hhmm = when, .round = round,
	};

	hhmm(cfg, rec->raised_at_ms, when, sizeof when);
	alert_text(lang, &f, out, len);
}

/* ------------------------------------------------------------ events */

static bool episode_open(struct alerts *a, const struct hazard_rec *rec)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (!a->v[i].cancelled && a->v[i].type == rec->type &&
		    strcmp(a->v[i].device, rec->device) == 0 &&
		    strcmp(a->v[i].row.record_id, rec->id) != 0)
			return true;
	return false;
}

/* A chain planned from memory when the record could not be written
 * (alerts_on_unrecorded) stands for the record of its device and type. */

static bool same_chain(const struct entry *e, const struct hazard_rec *rec)
{
	if (strcmp(e->row.record_id, rec->id) == 0)
		return true;
	return strncmp(e->row.record_id, MEM_PREFIX, strlen(MEM_PREFIX)) == 0 &&
	       e->type == rec->type && strcmp(e->device, rec->device) == 0;
}

static void stop_chain(struct daemon *d, struct alerts *a, const struct hazard_rec *rec)
{
	const char *record_id = rec->id;
	int i, n = 0;

	for (i = a->n - 1; i >= 0; i--) {
		if (!same_chain(&a->v[i], rec))
			continue;
		n++;
		if (a->v[i].inflight)
			a->v[i].cancelled = true;       /* its result is still recorded */
		else
			drop(a, i);
	}
	/* in the answer's own transaction; a failure leaves rows pending
	 * that the next run would send: the memory above is what counts now */
	if (store_alert_cancel(d->store, record_id) < 0)
		d->cnt.store_errors++;
	if (n)
		log_info("alerts: %s answered: %d pending sends stopped", record_id, n);
}

static void plan_chain(struct daemon *d, struct alerts *a, const struct hazard_rec *rec,
		       int64_t at_ms, const cJSON *body)
{
	static struct alert_send sends[ALERT_PLAN_MAX];
	const struct site_cfg *site = config_find_site(d->cfg, rec->site);
	struct alert_event ev = {
		.kind = rec->kind, .type = rec->type, .severity = rec->severity,
		.event = "raised", .verdict = rec->verdict, .flapping = rec->flapping,
		.episode_open = episode_open(a, rec),
	};
	char value[32];
	int i, n, planned = 0;

	n = alert_plan(&d->cfg->alerts, &ev, site ? site->people : NULL,
		       site ? site->n_people : 0, sends, ALERT_PLAN_MAX);
	value_of(body, value, sizeof value);
	for (i = 0; i < n; i++) {
		struct alert_row r = { .round = sends[i].round };
		enum alert_lang lang = ALERT_LANG_ZH;
		char phone[PHONE_MAX] = "";
		struct entry *e;

		if (!channel_usable(d->cfg, sends[i].channel))
			continue;
		alert_contact_find(&d->cfg->alerts, site ? site->people : NULL,
				   site ? site->n_people : 0, sends[i].contact, phone,
				   sizeof phone, &lang);
		strlcpy_hz(r.record_id, rec->id, sizeof r.record_id);
		strlcpy_hz(r.channel, sends[i].channel, sizeof r.channel);
		strlcpy_hz(r.contact, sends[i].contact, sizeof r.contact);
		strlcpy_hz(r.state, "pending", sizeof r.state);
		r.due_at_ms = at_ms + sends[i].due_after_ms;
		make_text(d->cfg, rec, value, r.round, lang, r.text, sizeof r.text);
		/* a pass replayed after a failed commit plans the same sends */
		if (was_done(a, &r))
			continue;
		if (!(e = find_key(a, &r))) {
			if (!(e = add(a)))
				continue;
			e->row = r;
			strlcpy_hz(e->device, rec->device, sizeof e->device);
			strlcpy_hz(e->site, rec->site, sizeof e->site);
			e->type = rec->type;
			e->kind = rec->kind;
			strlcpy_hz(e->phone, phone, sizeof e->phone);
			/* no record, no row: it lives in memory only */
			e->stored = strncmp(rec->id, MEM_PREFIX, strlen(MEM_PREFIX)) == 0;
			planned++;
		}
		if (!e->stored && store_alert_put(d->store, &r) < 0)
			d->cnt.store_errors++;
	}
	if (planned)
		log_info("alerts: %s %s: %d sends planned", record_kind_name[rec->kind],
			 rec->id, planned);
}

void alerts_on_event(struct daemon *d, const struct hazard_rec *rec, const char *event,
		     int64_t at_ms, const cJSON *body)
{
	struct alerts *a = d ? d->alerts : NULL;

	if (!a || !d->cfg || !event || strncmp(event, "alert_", 6) == 0)
		return;
	if (alert_event_stops(rec->kind, event))
		stop_chain(d, a, rec);
	else if (strcmp(event, "raised") == 0)
		plan_chain(d, a, rec, at_ms, body);
}

/*
 * The database refused the alarm's record (full, failing): the change is
 * held for a later commit (pass_retry.c), and people are told now, from
 * memory, as the interlocks act now.  The chain has no record yet: its id
 * is "mem-<ms>-<type>", it is on no timeline, and the record written
 * later finds it running (one episode) and starts no second one; an
 * answer to that record stops it.
 */
void alerts_on_unrecorded(struct daemon *d, const struct device_cfg *dev,
			  const struct hazard_change *chg, int64_t at_ms)
{
	struct alerts *a = d ? d->alerts : NULL;
	struct hazard_rec rec;
	cJSON *body;

	if (!a || !d->cfg || !dev || chg->kind != CHG_ACTIVE ||
	    record_kind_of(chg->type) != REC_ALARM)
		return;
	memset(&rec, 0, sizeof rec);
	snprintf(rec.id, sizeof rec.id, MEM_PREFIX "%lld-%d", (long long)at_ms, (int)chg->type);
	strlcpy_hz(rec.device, dev->id, sizeof rec.device);
	strlcpy_hz(rec.site, dev->site, sizeof rec.site);
	rec.kind = REC_ALARM;
	rec.type = chg->type;
	rec.severity = chg->severity;
	rec.flapping = chg->flapping;
	rec.raised_at_ms = at_ms;
	strlcpy_hz(rec.state, "active", sizeof rec.state);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "detail", chg->detail);
	log_warnx("alerts: %s on %s not recorded (database): alerting from memory",
		  hazard_type_name[chg->type], dev->id);
	plan_chain(d, a, &rec, at_ms, body);
	cJSON_Delete(body);
}

/* ------------------------------------------------------------ results */

/* The gateway as the device of its own faults (as loop_pass.c does for
 * storage_fault). */
static const struct device_cfg *gateway_dev(const struct daemon *d)
{
	static struct device_cfg gw = DEVICE_CFG_BLANK;

	/* the running config's id, as a device's strings are: used at once */
	gw.id = gw.site = d->cfg->gateway.id;
	return &gw;
}

/* alert_channel_fault: raised once some channel has failed
 * fail_fault_after times in a row, cleared when a send has worked and no
 * channel is failing like that any more. */
static void channel_fault(struct daemon *d, struct alerts *a, bool any_ok)
{
	int i, limit = d->cfg->alerts.fail_fault_after > 0 ? d->cfg->alerts.fail_fault_after : 3;
	const struct chan *bad = NULL;
	struct hazard_change chg = { .type = HZ_ALERT_CHANNEL_FAULT, .severity = SEV_GENERAL };

	for (i = 0; i < a->n_ch; i++)
		if (a->ch[i].failures >= limit)
			bad = &a->ch[i];
	if (!!bad == a->fault_on || (!bad && !any_ok))
		return;
	chg.kind = bad ? CHG_ACTIVE : CHG_CLEAR;
	if (bad)
		snprintf(chg.detail, sizeof chg.detail, "%.24s: %d failures in a row: %.40s",
			 bad->name, bad->failures, bad->last_err);
	else
		snprintf(chg.detail, sizeof chg.detail, "alert channels work again");
	records_apply_change(d, gateway_dev(d), &chg, NULL, now_wall_ms(), NULL);
	a->fault_on = !!bad;
}

/* The attempt on the record's timeline, and upstream as its event. */
static void timeline(struct daemon *d, const struct entry *e, bool ok, const char *err,
		     int64_t now)
{
	const char *event = ok ? "alert_sent" : "alert_failed";
	struct hazard_rec rec;
	char detail[256];
	cJSON *body, *al;
	char *text;

	if (store_hazard_get(d->store, e->row.record_id, &rec) != 0)
		return;
	snprintf(detail, sizeof detail, "%s to %s, round %d, attempt %d%s%.160s",
		 e->row.channel, e->row.contact, e->row.round, e->row.attempts,
		 ok ? "" : ": ", ok ? "" : err);
	if (store_hazard_note(d->store, rec.id, event, now, "hazardd", detail) < 0)
		d->cnt.store_errors++;
	body = store_hazard_event_json(d->store, &rec, event, now);
	if (!body)
		return;
	al = cJSON_AddObjectToObject(body, "alert");
	cJSON_AddStringToObject(al, "channel", e->row.channel);
	cJSON_AddStringToObject(al, "contact", e->row.contact);
	cJSON_AddNumberToObject(al, "round", e->row.round);
	cJSON_AddNumberToObject(al, "attempt", e->row.attempts);
	if (!ok)
		cJSON_AddStringToObject(al, "error", err);
	live_record(d->live, body);
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (!text || store_outbox_put_record(d->store, record_kind_name[rec.kind], rec.id,
					     rec.kind == REC_ALARM ? OB_HAZARD_MAJOR
					     : OB_HAZARD_GENERAL, text, NULL) < 0)
		d->cnt.store_errors++;
	free(text);
	d->cnt.record_events++;
}

static void health(struct alerts *a, const char *channel, bool ok, const char *err,
		   int64_t now)
{
	struct chan *c = chan_of(a, channel);

	if (!c)
		return;
	if (ok) {
		c->last_ok_ms = now;
		c->failures = 0;
	} else {
		c->last_err_ms = now;
		strlcpy_hz(c->last_err, err, sizeof c->last_err);
		c->failures++;
	}
}

static bool test_result(struct alerts *a, const struct alert_result *r)
{
	int i;

	for (i = 0; i < TESTS_MAX; i++)
		if (a->tests[i].tag == r->tag && a->tests[i].state == 0) {
			a->tests[i].state = r->ok ? 1 : -1;
			strlcpy_hz(a->tests[i].err, r->err, sizeof a->tests[i].err);
			return true;
		}
	return false;
}

static void take_results(struct daemon *d, struct alerts *a)
{
	struct alert_result res[32];
	int n = alert_thread_take(a->th, res, 32), i, j;
	int64_t now = now_wall_ms();
	bool txn, any_ok = false;

	if (n == 0)
		return;
	txn = store_begin(d->store) == 0;
	for (i = 0; i < n; i++) {
		struct entry *e = NULL;

		for (j = 0; j < a->n; j++)
			if (a->v[j].inflight && a->v[j].tag == res[i].tag)
				e = &a->v[j];
		if (!e) {
			for (j = 0; j < TESTS_MAX; j++)
				if (a->tests[j].tag == res[i].tag) {
					health(a, a->tests[j].channel, res[i].ok, res[i].err, now);
					break;
				}
			test_result(a, &res[i]);
			continue;
		}
		health(a, e->row.channel, res[i].ok, res[i].err, now);
		any_ok |= res[i].ok;
		e->inflight = false;
		e->row.attempts++;
		if (res[i].ok) {
			strlcpy_hz(e->row.state, "sent", sizeof e->row.state);
			e->row.last_error[0] = '\0';
			log_info("alerts: %s: %s to %s (round %d) sent", e->row.record_id,
				 e->row.channel, e->row.contact, e->row.round);
		} else {
			strlcpy_hz(e->row.last_error, res[i].err, sizeof e->row.last_error);
			if (e->cancelled || e->row.attempts >= ATTEMPTS_MAX)
				strlcpy_hz(e->row.state, "failed", sizeof e->row.state);
			else
				e->row.due_at_ms = now + backoff_ms((unsigned)e->row.attempts,
								    RETRY_BASE_MS, RETRY_CAP_MS);
			log_warnx("alerts: %s: %s to %s (round %d) failed (attempt %d): %s",
				  e->row.record_id, e->row.channel, e->row.contact,
				  e->row.round, e->row.attempts, res[i].err);
		}
		if (txn) {
			if (store_alert_mark(d->store, &e->row) < 0)
				d->cnt.store_errors++;
			timeline(d, e, res[i].ok, res[i].err, now);
		}
	}
	for (j = a->n - 1; j >= 0; j--)
		if (!a->v[j].inflight &&
		    (a->v[j].cancelled || strcmp(a->v[j].row.state, "pending") != 0)) {
			note_done(a, &a->v[j].row);
			drop(a, j);
		}
	if (!txn)
		return;
	channel_fault(d, a, any_ok);
	if (store_commit(d->store) < 0) {
		store_rollback(d->store);
		d->cnt.store_errors++;
		return;
	}
	if (d->up)
		uplink_pump(d->up, d->store);
}

/* ------------------------------------------------------------ dispatch */

static void fill_job(const struct daemon *d, const struct entry *e, struct alert_job *j)
{
	const struct alert_webhook *w = webhook_of(d->cfg, e->row.channel);

	memset(j, 0, sizeof *j);
	j->tag = e->tag;
	strlcpy_hz(j->channel, e->row.channel, sizeof j->channel);
	strlcpy_hz(j->phone, e->phone, sizeof j->phone);
	strlcpy_hz(j->text, e->row.text, sizeof j->text);
	if (w)
		j->wh = *w;
	strlcpy_hz(j->record_id, e->row.record_id, sizeof j->record_id);
	strlcpy_hz(j->kind, record_kind_name[e->kind], sizeof j->kind);
	strlcpy_hz(j->type, (unsigned)e->type < HZ_TYPE_COUNT ? hazard_type_name[e->type] : "",
		   sizeof j->type);
	strlcpy_hz(j->site, e->site, sizeof j->site);
	strlcpy_hz(j->device, e->device, sizeof j->device);
	j->at_ms = now_wall_ms();
	j->ring_s = d->cfg->alerts.modem.ring_s > 0 ? d->cfg->alerts.modem.ring_s : 30;
}

/* Rows planned in a transaction that did not commit (a full disk, a
 * failed BEGIN) are written now; when that fails too they go from memory. */
static void confirm_stored(struct daemon *d, struct alerts *a, int64_t now)
{
	bool any = false;
	int i;

	for (i = 0; i < a->n && !any; i++)
		any = !a->v[i].stored && !a->v[i].inflight && a->v[i].row.due_at_ms <= now;
	if (!any || store_begin(d->store) < 0)
		return;
	for (i = 0; i < a->n; i++)
		if (!a->v[i].stored && store_alert_put(d->store, &a->v[i].row) < 0)
			break;
	if (i < a->n || store_commit(d->store) < 0) {
		store_rollback(d->store);
		return;
	}
	for (i = 0; i < a->n; i++)
		a->v[i].stored = true;
}

static void dispatch(struct daemon *d, struct alerts *a)
{
	int64_t now = now_wall_ms();
	int i;

	confirm_stored(d, a, now);
	for (i = 0; i < a->n; i++) {
		struct entry *e = &a->v[i];
		struct alert_job j;

		if (e->inflight || e->cancelled || e->row.due_at_ms > now)
			continue;
		if (!channel_usable(d->cfg, e->row.channel)) {
			/* a reload took the channel away: nothing to try */
			e->cancelled = true;
			continue;
		}
		e->tag = ++a->next_tag;
		fill_job(d, e, &j);
		if (alert_thread_submit(a->th, &j) < 0)
			break;          /* the thread is busy: the next pass */
		e->inflight = true;
	}
	for (i = a->n - 1; i >= 0; i--)
		if (a->v[i].cancelled && !a->v[i].inflight)
			drop(a, i);
}

void alerts_run(struct daemon *d)
{
	struct alerts *a = d ? d->alerts : NULL;

	if (!a)
		return;
	take_results(d, a);
	dispatch(d, a);
}

/* ------------------------------------------------------------ life */

/* An alert_channel_fault an earlier run left open: cleared by this run's
 * first send that works. */
static void fault_open(void *ctx, const struct hazard_rec *rec)
{
	struct alerts *a = ctx;

	if (rec->type == HZ_ALERT_CHANNEL_FAULT && rec->kind == REC_FAULT &&
	    strcmp(rec->state, "active") == 0)
		a->fault_on = true;
}

struct alerts *alerts_new(struct daemon *d, int wake_fd)
{
	struct alerts *a = calloc(1, sizeof *a);
	struct alert_row *rows = NULL;
	int i, n;

	if (!a)
		return NULL;
	if (!(a->th = alert_thread_new(&d->cfg->alerts, wake_fd))) {
		free(a);
		return NULL;
	}
	if (store_foreach_open(d->store, fault_open, a) < 0)
		d->cnt.store_errors++;
	n = store_alert_pending(d->store, &rows);
	for (i = 0; i < n; i++) {
		const struct site_cfg *site;
		struct hazard_rec rec;
		enum alert_lang lang;
		struct entry *e;

		if (store_hazard_get(d->store, rows[i].record_id, &rec) != 0 || !(e = add(a)))
			continue;
		e->row = rows[i];
		e->stored = true;
		strlcpy_hz(e->device, rec.device, sizeof e->device);
		strlcpy_hz(e->site, rec.site, sizeof e->site);
		e->type = rec.type;
		e->kind = rec.kind;
		site = config_find_site(d->cfg, rec.site);
		alert_contact_find(&d->cfg->alerts, site ? site->people : NULL,
				   site ? site->n_people : 0, e->row.contact, e->phone,
				   sizeof e->phone, &lang);
	}
	if (n > 0)
		log_info("alerts: %d sends pending from the last run", a->n);
	free(rows);
	return a;
}

void alerts_free(struct alerts *a)
{
	if (!a)
		return;
	alert_thread_free(a->th);
	free(a->v);
	free(a);
}

/* ------------------------------------------------------------ tests */

uint64_t alerts_queue_test(struct daemon *d, const struct alert_job *j)
{
	struct alerts *a = d->alerts;
	struct alert_job c = *j;
	struct test_slot *s;

	if (!a)
		return 0;
	c.tag = ++a->next_tag;
	if (alert_thread_submit(a->th, &c) < 0)
		return 0;
	s = &a->tests[a->next_test];
	a->next_test = (a->next_test + 1) % TESTS_MAX;
	memset(s, 0, sizeof *s);
	s->tag = c.tag;
	strlcpy_hz(s->channel, c.channel, sizeof s->channel);
	return c.tag;
}

int alerts_test_result(struct daemon *d, uint64_t tag, char *err, size_t errlen)
{
	struct alerts *a = d->alerts;
	int i;

	if (!a)
		return -2;
	for (i = 0; i < TESTS_MAX; i++)
		if (a->tests[i].tag == tag && tag) {
			strlcpy_hz(err, a->tests[i].err, errlen);
			return a->tests[i].state;
		}
	return -2;
}

cJSON *alerts_status_json(struct daemon *d)
{
	struct alerts *a = d->alerts;
	cJSON *o, *chs;
	char iso[40];
	int i;

	if (!a)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "pending", a->n);
	chs = cJSON_AddObjectToObject(o, "channels");
	for (i = 0; i < a->n_ch; i++) {
		cJSON *c = cJSON_AddObjectToObject(chs, a->ch[i].name);

		if (a->ch[i].last_ok_ms)
			cJSON_AddStringToObject(c, "last_ok", fmt_iso_ms(a->ch[i].last_ok_ms, iso,
									  sizeof iso));
		if (a->ch[i].last_err_ms) {
			cJSON_AddStringToObject(c, "last_error_at",
						fmt_iso_ms(a->ch[i].last_err_ms, iso, sizeof iso));
			cJSON_AddStringToObject(c, "last_error", a->ch[i].last_err);
		}
		cJSON_AddNumberToObject(c, "failures", a->ch[i].failures);
	}
	return o;
}
