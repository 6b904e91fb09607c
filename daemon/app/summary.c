/*
 * summary.c: the daily summary (每日匯總) that the district platforms roll
 * up: per site and for the whole gateway, hazards (隐患) by state and
 * severity, the day's new, closed and overdue hazards, the rectification
 * rates (整改率, 限期整改率) over hazards alone; the day's alarms (警情:
 * response times, verdicts, the false-alarm rate) and faults (故障) each
 * counted apart; devices online (设备在线率) and the button self-test rate
 * (按键自检率).  docs/lifecycle.md says which source term each figure
 * answers.
 *
 * A period is one local calendar day in summary.timezone.  The figures of
 * a day are replayed from the records' events up to the day's end (or now,
 * for today), so a past day's summary says the same whenever it is asked
 * for, and its msg_id "summary-<date>" is the same too: the platform drops
 * a repeat.  It travels through the outbox (class "summary"), so outages
 * and kill -9 delay it but do not lose it.
 *
 * Local time: lib/localtime.c.  The requests that ask for a summary, a
 * ledger or a filtered listing are operations (ops_reports.c, ops.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "coverage_check.h"

#define CATCH_UP_DAYS   7       /* missed days produced at most, newest last */
/* A wall clock before this (2025-01-01) is a gateway that booted without
 * the time: no daily summary is scheduled from it. */
#define SANE_WALL_MS    1735689600000LL
#define META_LAST_DAY   "summary_last_day"

/* ------------------------------------------------------------ figures */

/* Response times of one bucket's alarms (ms), for the median and p90. */
struct samples {
	int64_t *v;
	size_t   n, cap;
};

/*
 * One site's figures, or the gateway's.  Alarms (警情), faults (故障) and
 * hazards (隐患) are counted apart: GB/T 26875.3 keeps alarm, fault and
 * supervisory information apart, and the campaigns' 整改率 counts hazards
 * alone; a smoke trip or a flat battery is not a hazard rectified.
 */
struct bucket {
	const char *site;               /* NULL: the whole gateway */
	/* hazards */
	int64_t total;                  /* raised before the cut */
	int64_t state[HZS_COUNT];       /* at the cut */
	int64_t sev_total[2], sev_outstanding[2];
	int64_t new_, closed, closed_total;
	int64_t came_due, on_time;              /* deadline within the period */
	int64_t came_due_total, on_time_total;  /* deadline before the cut */
	int64_t overdue_outstanding;
	int64_t recurrences, recurrences_total;
	int64_t clock_untrusted;
	/* alarms raised within the period, and those live at the cut */
	int64_t al_raised, al_type[HZ_TYPE_COUNT], al_other;
	int64_t al_acked, al_verdict[VERDICT_COUNT], al_active;
	struct samples resp;
	/* faults raised, cleared and dismissed within the period; live at the cut */
	int64_t ft_raised, ft_type[HZ_TYPE_COUNT], ft_other;
	int64_t ft_active, ft_cleared, ft_dismissed;
	/* devices */
	int64_t devices, online;
	int64_t never_seen;             /* not in the online rate: listed apart */
	cJSON  *never_seen_ids;         /* owned; NULL: none (or unknown) */
	int64_t st_devices, st_tested, st_presses;
	int64_t output_tests;
};

struct agg {
	const struct config *cfg;
	int64_t start, cut;             /* the period: [start, cut) */
	struct bucket *b;               /* [0] gateway, then sites */
	int n, cap;
	bool *tested;                   /* per configured device */
	bool oom;
};

static struct bucket *bucket_for(struct agg *a, const char *site)
{
	struct bucket *grown;
	int i;

	for (i = 1; i < a->n; i++)
		if (strcmp(a->b[i].site, site) == 0)
			return &a->b[i];
	if (a->n == a->cap) {
		/* sites only the database knows (removed from the config) */
		grown = realloc(a->b, (size_t)(a->cap * 2) * sizeof *grown);
		if (!grown) {
			a->oom = true;
			return NULL;
		}
		a->b = grown;
		a->cap *= 2;
	}
	memset(&a->b[a->n], 0, sizeof a->b[a->n]);
	a->b[a->n].site = strdup(site);
	if (!a->b[a->n].site) {
		a->oom = true;
		return NULL;
	}
	return &a->b[a->n++];
}

static bool in_period(const struct agg *a, int64_t ms)
{
	return ms > 0 && ms >= a->start && ms < a->cut;
}

/* The type's index, or -1 for a name this build does not know. */
static int type_index(const char *name)
{
	int t;

	for (t = 0; name && t < HZ_TYPE_COUNT; t++)
		if (strcmp(hazard_type_name[t], name) == 0)
			return t;
	return -1;
}

static void count_hazard(struct bucket *b, const struct agg *a,
			 const struct report_hazard *h)
{
	bool closed = h->state == HZS_CLOSED;
	int sev = h->severity == SEV_MAJOR ? SEV_MAJOR : SEV_GENERAL;
	bool on_time = closed && h->closed_at_ms > 0 && h->closed_at_ms <= h->deadline_ms;

	b->total++;
	b->state[h->state >= 0 && h->state < HZS_COUNT ? h->state : HZS_OPEN]++;
	b->sev_total[sev]++;
	if (!closed)
		b->sev_outstanding[sev]++;
	if (h->raised_at_ms >= a->start)
		b->new_++;
	if (closed) {
		b->closed_total++;
		if (h->closed_at_ms >= a->start)
			b->closed++;
	}
	/* 限期整改: its deadline has passed by the cut; on time: closed by it */
	if (h->deadline_ms > 0 && h->deadline_ms < a->cut) {
		b->came_due_total++;
		b->on_time_total += on_time;
		if (!closed)
			b->overdue_outstanding++;
		/* 到期: its deadline fell in the period */
		if (h->deadline_ms >= a->start) {
			b->came_due++;
			b->on_time += on_time;
		}
	}
	if (h->recurrence) {
		b->recurrences_total++;
		if (h->raised_at_ms >= a->start)
			b->recurrences++;
	}
	if (!h->clock_trusted)
		b->clock_untrusted++;
}

static void count_alarm(struct bucket *b, struct agg *a, const struct report_hazard *h)
{
	int t;

	if (strcmp(h->state_name, "ended") != 0)
		b->al_active++;
	if (h->raised_at_ms < a->start)
		return;         /* an earlier day's alarm */
	b->al_raised++;
	if ((t = type_index(h->type)) >= 0)
		b->al_type[t]++;
	else
		b->al_other++;
	b->al_verdict[(unsigned)h->verdict < VERDICT_COUNT ? h->verdict : VERDICT_NONE]++;
	if (h->acked_at_ms <= 0)
		return;
	b->al_acked++;
	/* 响应时间: from the raise to the first acknowledgement (verifying
	 * it counts as one).  A test is no sample: a test press is verified
	 * "test" by the device's own report at its raise (no one responded),
	 * and a drill is not an emergency answered */
	if (h->verdict == VERDICT_TEST)
		return;
	if (b->resp.n == b->resp.cap) {
		size_t cap = b->resp.cap ? b->resp.cap * 2 : 16;
		int64_t *v = realloc(b->resp.v, cap * sizeof *v);

		if (!v) {
			a->oom = true;
			return;
		}
		b->resp.v = v;
		b->resp.cap = cap;
	}
	b->resp.v[b->resp.n++] = h->acked_at_ms > h->raised_at_ms ?
				 h->acked_at_ms - h->raised_at_ms : 0;
}

static void count_fault(struct bucket *b, const struct agg *a, const struct report_hazard *h)
{
	int t;

	if (strcmp(h->state_name, "active") == 0)
		b->ft_active++;
	else if (strcmp(h->state_name, "cleared") == 0 && in_period(a, h->cleared_at_ms))
		b->ft_cleared++;
	else if (strcmp(h->state_name, "dismissed") == 0 && in_period(a, h->closed_at_ms))
		b->ft_dismissed++;
	if (h->raised_at_ms < a->start)
		return;
	b->ft_raised++;
	if ((t = type_index(h->type)) >= 0)
		b->ft_type[t]++;
	else
		b->ft_other++;
}

static void count_record(struct bucket *b, struct agg *a, const struct report_hazard *h)
{
	switch (h->kind) {
	case REC_ALARM: count_alarm(b, a, h); break;
	case REC_FAULT: count_fault(b, a, h); break;
	default: count_hazard(b, a, h); break;
	}
}

static void on_record(void *ctx, const struct report_hazard *h)
{
	struct agg *a = ctx;
	struct bucket *b;

	/* raised before the period's cut (the store's query says so) */
	if (h->raised_at_ms >= a->cut)
		return;
	count_record(&a->b[0], a, h);
	if ((b = bucket_for(a, h->site)) != NULL)
		count_record(b, a, h);
}

static bool supports_self_test(const struct device_cfg *dev)
{
	return dev->kind == DEV_GAS_DETECTOR || dev->kind == DEV_SMOKE_ALARM;
}

static void on_self_check(void *ctx, const char *device, const char *site,
			  const char *source, int64_t count)
{
	struct agg *a = ctx;
	const struct device_cfg *dev;
	struct bucket *b;

	if (strcmp(source, "output") == 0) {
		a->b[0].output_tests += count;
		return;
	}
	if (strcmp(source, "device") != 0)
		return;
	/* the device's site now, as the rate's denominator counts it */
	dev = config_find_device(a->cfg, device);
	if (!dev || !supports_self_test(dev))
		return;         /* no longer configured: not in the rate */
	b = bucket_for(a, dev->site);
	a->b[0].st_presses += count;
	if (b)
		b->st_presses += count;
	if (!a->tested[dev - a->cfg->devices]) {
		a->tested[dev - a->cfg->devices] = true;
		a->b[0].st_tested++;
		if (b)
			b->st_tested++;
	}
}

/* numerator / denominator to four places; null when nothing to rate */
static cJSON *rate(int64_t num, int64_t den)
{
	if (den <= 0)
		return cJSON_CreateNull();
	return cJSON_CreateNumber(round((double)num / (double)den * 10000.0) / 10000.0);
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t p = *(const int64_t *)x, q = *(const int64_t *)y;

	return p < q ? -1 : p > q;
}

/* ms as seconds to the millisecond */
static cJSON *seconds(double ms)
{
	return cJSON_CreateNumber(round(ms) / 1000.0);
}

/*
 * {"count": n, "median": s, "p90": s} of the response times, null when
 * none: the median is the middle value (the mean of the two middle ones
 * for an even count), p90 the nearest rank (the ceil(0.9 n)-th smallest).
 */
static void add_response(cJSON *o, struct samples *r)
{
	cJSON *x = cJSON_AddObjectToObject(o, "response_s");
	size_t n = r->n;

	if (!x)
		return;
	cJSON_AddNumberToObject(x, "count", (double)n);
	if (n == 0) {
		cJSON_AddNullToObject(x, "median");
		cJSON_AddNullToObject(x, "p90");
		return;
	}
	qsort(r->v, n, sizeof *r->v, cmp_i64);
	cJSON_AddItemToObject(x, "median", seconds(n % 2 ? (double)r->v[n / 2] :
		((double)r->v[n / 2 - 1] + (double)r->v[n / 2]) / 2.0));
	cJSON_AddItemToObject(x, "p90", seconds((double)r->v[(n * 9 + 9) / 10 - 1]));
}

/* {"<type>": n, ...}: every type of kind, then any the build does not know */
static void add_by_type(cJSON *o, enum record_kind k, const int64_t *by, int64_t other)
{
	cJSON *x = cJSON_AddObjectToObject(o, "by_type");
	int t;

	for (t = 0; x && t < HZ_TYPE_COUNT; t++)
		if (record_kind_of((enum hazard_type)t) == k || by[t])
			cJSON_AddNumberToObject(x, hazard_type_name[t], (double)by[t]);
	if (x && other)
		cJSON_AddNumberToObject(x, "other", (double)other);
}

/* 警情: the period's alarms, their response and their verdicts */
static void alarms_json(cJSON *o, struct bucket *b)
{
	cJSON *x = cJSON_AddObjectToObject(o, "alarms"), *y;
	int64_t real = b->al_verdict[VERDICT_REAL], fals = b->al_verdict[VERDICT_FALSE];

	if (!x)
		return;
	cJSON_AddNumberToObject(x, "raised", (double)b->al_raised);
	add_by_type(x, REC_ALARM, b->al_type, b->al_other);
	cJSON_AddNumberToObject(x, "acknowledged", (double)b->al_acked);
	add_response(x, &b->resp);
	y = cJSON_AddObjectToObject(x, "verified");
	cJSON_AddNumberToObject(y, "real", (double)real);
	cJSON_AddNumberToObject(y, "false", (double)fals);
	cJSON_AddNumberToObject(y, "test", (double)b->al_verdict[VERDICT_TEST]);
	cJSON_AddNumberToObject(y, "unverified", (double)b->al_verdict[VERDICT_NONE]);
	/* 误报率: a test press is neither a real nor a false alarm */
	cJSON_AddItemToObject(x, "false_alarm_rate", rate(fals, real + fals));
	cJSON_AddNumberToObject(x, "active", (double)b->al_active);
}

/* 故障: the period's faults, and those still active at the cut */
static void faults_json(cJSON *o, const struct bucket *b)
{
	cJSON *x = cJSON_AddObjectToObject(o, "faults");

	if (!x)
		return;
	cJSON_AddNumberToObject(x, "raised", (double)b->ft_raised);
	add_by_type(x, REC_FAULT, b->ft_type, b->ft_other);
	cJSON_AddNumberToObject(x, "active", (double)b->ft_active);
	cJSON_AddNumberToObject(x, "cleared", (double)b->ft_cleared);
	cJSON_AddNumberToObject(x, "dismissed", (double)b->ft_dismissed);
}

static cJSON *bucket_json(struct bucket *b, bool online_known)
{
	cJSON *o = cJSON_CreateObject(), *x, *y;
	int i;

	if (!o)
		return NULL;
	if (b->site)
		cJSON_AddStringToObject(o, "site", b->site);
	/* hazards (隐患) alone from here to the rates */
	cJSON_AddNumberToObject(o, "hazards", (double)b->total);
	x = cJSON_AddObjectToObject(o, "by_state");
	for (i = 0; x && i < HZS_COUNT; i++)
		cJSON_AddNumberToObject(x, hz_state_name[i], (double)b->state[i]);
	x = cJSON_AddObjectToObject(o, "by_severity");
	for (i = 0; x && i < 2; i++) {
		y = cJSON_AddObjectToObject(x, severity_name[i]);
		cJSON_AddNumberToObject(y, "total", (double)b->sev_total[i]);
		cJSON_AddNumberToObject(y, "outstanding", (double)b->sev_outstanding[i]);
	}
	cJSON_AddNumberToObject(o, "new", (double)b->new_);
	cJSON_AddNumberToObject(o, "closed", (double)b->closed);
	cJSON_AddNumberToObject(o, "overdue", (double)(b->came_due - b->on_time));
	cJSON_AddNumberToObject(o, "overdue_outstanding", (double)b->overdue_outstanding);
	cJSON_AddNumberToObject(o, "recurrences", (double)b->recurrences);
	cJSON_AddNumberToObject(o, "recurrences_total", (double)b->recurrences_total);
	/* 整改率: written off over raised, all time up to the cut */
	x = cJSON_AddObjectToObject(o, "rectification");
	cJSON_AddNumberToObject(x, "raised", (double)b->total);
	cJSON_AddNumberToObject(x, "closed", (double)b->closed_total);
	cJSON_AddItemToObject(x, "rate", rate(b->closed_total, b->total));
	y = cJSON_AddObjectToObject(x, "day");
	cJSON_AddNumberToObject(y, "raised", (double)b->new_);
	cJSON_AddNumberToObject(y, "closed", (double)b->closed);
	/* 限期整改率: of those whose deadline has passed, closed by it */
	x = cJSON_AddObjectToObject(o, "rectification_on_time");
	cJSON_AddNumberToObject(x, "came_due", (double)b->came_due_total);
	cJSON_AddNumberToObject(x, "closed_on_time", (double)b->on_time_total);
	cJSON_AddItemToObject(x, "rate", rate(b->on_time_total, b->came_due_total));
	y = cJSON_AddObjectToObject(x, "day");
	cJSON_AddNumberToObject(y, "came_due", (double)b->came_due);
	cJSON_AddNumberToObject(y, "closed_on_time", (double)b->on_time);
	cJSON_AddItemToObject(y, "rate", rate(b->on_time, b->came_due));
	alarms_json(o, b);
	faults_json(o, b);
	x = cJSON_AddObjectToObject(o, "devices");
	cJSON_AddNumberToObject(x, "total", (double)b->devices);
	/* a device never heard since it was configured is a commissioning
	 * problem, not an outage: out of the rate's denominator, listed */
	if (online_known) {
		cJSON_AddNumberToObject(x, "online", (double)b->online);
		cJSON_AddItemToObject(x, "online_rate",
				      rate(b->online, b->devices - b->never_seen));
		cJSON_AddNumberToObject(x, "never_seen", (double)b->never_seen);
		cJSON_AddItemToObject(x, "never_seen_ids", b->never_seen_ids ?
				      b->never_seen_ids : cJSON_CreateArray());
		b->never_seen_ids = NULL;
	} else {
		cJSON_AddNullToObject(x, "online");
		cJSON_AddNullToObject(x, "online_rate");
		cJSON_AddNullToObject(x, "never_seen");
		cJSON_AddNullToObject(x, "never_seen_ids");
	}
	/* 按键自检: test-button presses, not 自查 (a site's self-inspection) */
	x = cJSON_AddObjectToObject(o, "button_self_test");
	cJSON_AddNumberToObject(x, "devices", (double)b->st_devices);
	cJSON_AddNumberToObject(x, "tested", (double)b->st_tested);
	cJSON_AddNumberToObject(x, "presses", (double)b->st_presses);
	cJSON_AddItemToObject(x, "rate", rate(b->st_tested, b->st_devices));
	if (!b->site)
		cJSON_AddNumberToObject(o, "output_self_tests", (double)b->output_tests);
	cJSON_AddNumberToObject(o, "clock_untrusted", (double)b->clock_untrusted);
	return o;
}

static void agg_free(struct agg *a)
{
	int i;

	for (i = 0; a->b && i < a->n; i++) {
		cJSON_Delete(a->b[i].never_seen_ids);
		free(a->b[i].resp.v);
	}
	for (i = 1; i < a->n; i++)
		free((char *)a->b[i].site);
	free(a->b);
	free(a->tested);
}

/* A never-seen device's id into the bucket's list. */
static void note_never_seen(struct agg *a, struct bucket *b, const char *id)
{
	if (!b->never_seen_ids && !(b->never_seen_ids = cJSON_CreateArray())) {
		a->oom = true;
		return;
	}
	b->never_seen++;
	cJSON_AddItemToArray(b->never_seen_ids, cJSON_CreateString(id));
}

cJSON *summary_build(struct store *st, const struct config *cfg, const char *date,
		     const unsigned char *presence, int64_t now_ms, char *err,
		     size_t errlen)
{
	const char *zone = cfg->summary.timezone;
	struct agg a;
	int64_t start, end;
	cJSON *o = NULL, *sites;
	char msg_id[ID_MAX], buf[32];
	int i;

	if (localtime_day_bounds(zone, date, &start, &end, err, errlen) < 0)
		return NULL;
	if (start > now_ms) {
		errf(err, errlen, "date %s has not begun in %s", date, zone);
		return NULL;
	}
	memset(&a, 0, sizeof a);
	a.cfg = cfg;
	a.start = start;
	a.cut = now_ms < end ? now_ms : end;
	a.cap = cfg->n_sites + 8;
	a.b = calloc((size_t)a.cap, sizeof *a.b);
	a.tested = calloc((size_t)cfg->n_devices + 1, sizeof *a.tested);
	if (!a.b || !a.tested) {
		agg_free(&a);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	a.n = 1;
	for (i = 0; i < cfg->n_sites; i++)
		bucket_for(&a, cfg->sites[i].id);
	for (i = 0; i < cfg->n_devices && !a.oom; i++) {
		const struct device_cfg *dev = &cfg->devices[i];
		struct bucket *b = bucket_for(&a, dev->site);
		bool on = presence && presence[i] == PRES_ONLINE;

		a.b[0].devices++;
		a.b[0].online += on;
		a.b[0].st_devices += supports_self_test(dev);
		if (presence && presence[i] == PRES_NEVER_SEEN)
			note_never_seen(&a, &a.b[0], dev->id);
		if (b) {
			b->devices++;
			b->online += on;
			b->st_devices += supports_self_test(dev);
			if (presence && presence[i] == PRES_NEVER_SEEN)
				note_never_seen(&a, b, dev->id);
		}
	}
	if (store_report_foreach(st, a.cut, on_record, &a) < 0 ||
	    store_report_self_checks(st, a.start, a.cut, on_self_check, &a) < 0) {
		agg_free(&a);
		errf(err, errlen, "database error reading the summary figures");
		return NULL;
	}
	if (a.oom || !(o = cJSON_CreateObject())) {
		agg_free(&a);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	/* first member: the uplink takes it as the message's msg_id */
	snprintf(msg_id, sizeof msg_id, "summary-%s", date);
	cJSON_AddStringToObject(o, "msg_id", msg_id);
	cJSON_AddStringToObject(o, "date", date);
	cJSON_AddStringToObject(o, "timezone", zone);
	cJSON_AddStringToObject(o, "district", cfg->gateway.district);
	cJSON_AddStringToObject(o, "grid", cfg->gateway.grid);
	cJSON_AddStringToObject(o, "period_start", fmt_iso_ms(start, buf, sizeof buf));
	cJSON_AddStringToObject(o, "period_end", fmt_iso_ms(end, buf, sizeof buf));
	cJSON_AddStringToObject(o, "as_of", fmt_iso_ms(a.cut, buf, sizeof buf));
	cJSON_AddBoolToObject(o, "complete", now_ms >= end);
	cJSON_AddItemToObject(o, "totals", bucket_json(&a.b[0], presence != NULL));
	sites = cJSON_AddArrayToObject(o, "sites");
	for (i = 1; sites && i < a.n; i++)
		cJSON_AddItemToArray(sites, bucket_json(&a.b[i], presence != NULL));
	/* 安装覆盖率: as configured now (coverage_check.c) */
	cJSON_AddItemToObject(o, "coverage", coverage_summary_json(cfg));
	agg_free(&a);
	/* 自查率 (summary_selfcheck.c) */
	if (summary_self_inspection(st, cfg, start, a.cut, o) < 0) {
		cJSON_Delete(o);
		errf(err, errlen, "database error reading the self-inspections");
		return NULL;
	}
	return o;
}

/* ------------------------------------------------------------ the daemon */

static int produce(struct daemon *d, const char *date, bool publish,
		   const char *meta_key, int64_t meta_val, cJSON **out,
		   char *err, size_t errlen)
{
	const struct config *cfg = d->cfg;
	int64_t now = now_wall_ms(), mono = now_mono_ms();
	char today[16];
	unsigned char *presence = NULL;
	cJSON *o;
	char *text;
	int i, rc = 0;

	localtime_date_of(cfg->summary.timezone, now, today, sizeof today);
	/* the loop knows which devices are online now, not on a past day */
	if (strcmp(date, today) == 0 && d->dev_state) {
		presence = calloc((size_t)cfg->n_devices + 1, sizeof *presence);
		if (!presence) {
			errf(err, errlen, "out of memory");
			return -1;
		}
		for (i = 0; i < cfg->n_devices; i++)
			/* coverage (全覆蓋): heard, not reported offline, and
			 * heard within its heartbeat (presence.c) */
			presence[i] = (unsigned char)device_presence(&cfg->devices[i],
								     &d->dev_state[i], mono);
	}
	o = summary_build(d->store, cfg, date, presence, now, err, errlen);
	free(presence);
	if (!o)
		return -1;
	if (publish) {
		text = cJSON_PrintUnformatted(o);
		if (!text || store_summary_put(d->store, text, meta_key, meta_val) < 0) {
			errf(err, errlen, "database error queueing the summary of %s", date);
			rc = -1;
		}
		free(text);
	}
	if (rc == 0 && out)
		*out = o;
	else
		cJSON_Delete(o);
	return rc;
}

int daemon_summary(struct daemon *d, const char *date, bool publish,
		   cJSON **out, char *err, size_t errlen)
{
	char today[16];
	int64_t day;

	if (out)
		*out = NULL;
	if (!d || !d->store || !d->cfg) {
		errf(err, errlen, "store not available");
		return -1;
	}
	if (!date) {
		localtime_date_of(d->cfg->summary.timezone, now_wall_ms(), today,
				sizeof today);
		date = today;
	} else if (localtime_parse_date(date, &day) < 0 || date[10] != '\0') {
		errf(err, errlen, "date \"%.40s\" is not YYYY-MM-DD", date);
		return -1;
	}
	if (produce(d, date, publish, NULL, 0, out, err, errlen) < 0)
		return -1;
	if (publish)
		log_info("summary of %s queued upstream (msg_id summary-%s)", date, date);
	return 0;
}

void summary_tick(struct daemon *d)
{
	static struct complaint fail;
	const struct config *cfg = d->cfg;
	int64_t now = now_wall_ms(), due, last = -1, day;
	char date[16], err[256];

	weekly_tick(d);         /* 每周一报 (weekly.c) */
	if (now < SANE_WALL_MS)
		return;         /* the clock is not set yet: nothing to date */
	due = localtime_due_day(cfg->summary.timezone, cfg->summary.minutes, now);
	/* the database, not memory, says what went out: a pass rolled back
	 * takes its summary and this mark with it, and the next tick retries */
	if (store_meta_get_int(d->store, META_LAST_DAY, &last) < 0)
		return;
	if (last < 0) {
		/* a new database: summaries start from the next daily time */
		if (store_meta_set_int(d->store, META_LAST_DAY, due) == 0)
			d->summary_last_day = due;
		return;
	}
	d->summary_last_day = last;
	if (due <= last)
		return;         /* done, or the clock went back */
	for (day = last + 1 < due - CATCH_UP_DAYS + 1 ? due - CATCH_UP_DAYS + 1 : last + 1;
	     day <= due; day++) {
		localtime_day_to_date(day, date, sizeof date);
		if (produce(d, date, true, META_LAST_DAY, day, NULL, err, sizeof err) < 0) {
			complain(&fail, "summary of %s: %s", date, err);
			return;
		}
		d->summary_last_day = day;
		log_info("daily summary of %s queued upstream (msg_id summary-%s)",
			 date, date);
	}
	complain_release(&fail, "daily summaries are produced again");
}

void summary_self_check(struct daemon *d, const char *device, const char *site,
			const char *source, int64_t at_ms)
{
	if (!d->store || store_self_check_put(d->store, device, site, source, at_ms,
					      clock_trusted()) < 0)
		d->cnt.store_errors++;
}

void summary_start(struct daemon *d)
{
	d->summary_last_day = -1;
	/* TZ is set before any library thread starts */
	localtime_use_zone(d->cfg->summary.timezone);
	summary_tick(d);
}
