/*
 * lifecycle.c: the hazard life cycle as the district campaigns run it
 * (docs/lifecycle.md).
 *
 *   open -> rectifying -> submitted -> closed  (submitted -> rectifying
 *   when the re-inspection fails)
 *
 * A person moves a hazard; the rules set and reset its normal_since (the
 * sensor normal again, the condition back) and send a submitted hazard
 * back to rectifying when its condition returns.  The person's moves are one table
 * in core/hazard_states.c; the store (store_record.c) writes them.  This file owns
 * what a hazard of a type gets when it is raised (deadline, priority class, recurrence
 * window), the once-a-second deadline check, and how an event is queued
 * upstream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "alerts.h"
#include "live.h"

_Static_assert(HZ_TYPE_COUNT <= HZ_TYPES_MAX, "raise HZ_TYPES_MAX");

/* ------------------------------------------------------------ policy */

static double type_deadline_h(const struct config *cfg, enum hazard_type t,
			      enum severity sev)
{
	double h = sev == SEV_MAJOR ? cfg->deadlines.type_major_h[t]
				    : cfg->deadlines.type_general_h[t];

	if (h > 0)
		return h;
	return sev == SEV_MAJOR ? cfg->deadlines.major_h : cfg->deadlines.general_h;
}

void lifecycle_policy(const struct config *cfg, enum hazard_type t,
		      struct hz_policy *out)
{
	int sev;

	memset(out, 0, sizeof *out);
	for (sev = SEV_GENERAL; sev <= SEV_MAJOR; sev++) {
		unsigned char p = (unsigned)t < HZ_TYPE_COUNT ?
				  CFG_PRIORITY(cfg, t, sev) : 0;

		out->deadline_h[sev] = type_deadline_h(cfg, t, (enum severity)sev);
		out->prio[sev] = p >= 1 && p <= 4 ? (enum priority)(p - 1)
						  : hazard_priority(t, (enum severity)sev);
	}
	out->recurrence_window_ms = (int64_t)(cfg->deadlines.recurrence_window_h * 3600000.0);
	out->normal_before_submit_ms =
		record_hours_to_ms(records_normal_before_submit_h(cfg, t));
	out->clock_trusted = clock_trusted();
}

/* ------------------------------------------------------------ events */

/* The device's run-time state, or NULL (a hazard of a removed device). */
static struct device_state *dev_state_of(struct daemon *d, const char *device)
{
	const struct device_cfg *dev = d->dev_state ? config_find_device(d->cfg, device)
						    : NULL;

	return dev ? &d->dev_state[dev - d->cfg->devices] : NULL;
}

/*
 * The journal's priority of a record's event (docs/operations.md, "Logs"):
 * the onset of a gas, CO or smoke alarm is LOG_ALERT, of any other alarm
 * LOG_CRIT; a major hazard raised or escalated LOG_ERR, a general one and
 * a fault LOG_WARNING; a person's move and a clearing are information.
 */
static int lifecycle_log_prio(const struct hazard_rec *rec, const char *event)
{
	bool onset = strcmp(event, "raised") == 0 || strcmp(event, "reopened") == 0 ||
		     strcmp(event, "escalated") == 0;

	if (!onset)
		return LOG_PRIO_INFO;
	switch (rec->kind) {
	case REC_ALARM:
		return rec->type == HZ_GAS_LEAK || rec->type == HZ_SMOKE_ALARM ||
		       rec->type == HZ_CO_ALARM ? LOG_PRIO_ALERT : LOG_PRIO_CRIT;
	case REC_HAZARD:
		return rec->severity == SEV_MAJOR ? LOG_PRIO_ERR : LOG_PRIO_WARNING;
	default:
		return LOG_PRIO_WARNING;
	}
}

void lifecycle_emit(struct daemon *d, const struct hazard_rec *rec,
		    const char *event, int64_t at_ms, cJSON *actions)
{
	cJSON *body = store_hazard_event_json(d->store, rec, event, at_ms);
	const struct site_cfg *site = d->cfg ? config_find_site(d->cfg, rec->site) : NULL;
	struct device_state *ds;
	char *text;

	/* the site's grid (网格) as the config says now, so the platform can
	 * route every event to its grid worker; none for a site that is gone */
	if (body && site && site->grid[0])
		cJSON_AddStringToObject(body, "grid", site->grid);
	if (body && actions)
		cJSON_AddItemToObject(body, "actions", actions);
	else
		cJSON_Delete(actions);
	text = body ? cJSON_PrintUnformatted(body) : NULL;
	live_record(d->live, body);
	/* a raise plans its alert chain, an answer stops it: in this
	 * transaction, with the event (alert_loop.c) */
	alerts_on_event(d, rec, event, at_ms, body);
	cJSON_Delete(body);
	/* alarms and major hazards drain first, faults and general
	 * hazards after them, all before status and telemetry */
	if (!text || store_outbox_put_record(d->store, record_kind_name[rec->kind], rec->id,
					     rec->kind == REC_ALARM || (rec->kind == REC_HAZARD &&
					     rec->severity == SEV_MAJOR) ? OB_HAZARD_MAJOR :
					     OB_HAZARD_GENERAL, text, NULL) < 0)
		d->cnt.store_errors++;
	free(text);
	d->cnt.record_events++;
	/* its deadline from now on runs on the monotonic clock */
	if (rec->kind == REC_HAZARD && strcmp(event, "raised") == 0 &&
	    (unsigned)rec->type < HZ_TYPE_COUNT &&
	    (ds = dev_state_of(d, rec->device)) && rules_cold(ds)) {
		/* out of memory: the deadline falls back to the wall clock */
		ds->cold->hz_raised_wall_ms[rec->type] = rec->raised_at_ms;
		ds->cold->hz_raised_mono_ms[rec->type] = now_mono_ms();
	}
	log_prio(lifecycle_log_prio(rec, event),
		 "%s %s: %s%s%s on %s at %s (id %s, occurrences %d)",
		 record_kind_name[rec->kind], event, hazard_type_name[rec->type],
		 rec->kind == REC_FAULT ? "" : " ",
		 rec->kind == REC_ALARM ? (rec->severity == SEV_MAJOR ? "high" : "low")
		 : rec->kind == REC_HAZARD ? severity_name[rec->severity] : "",
		 rec->device, rec->site, rec->id, rec->occurrences);
}

bool lifecycle_condition_on(const struct device_state *ds)
{
	return ds->active != 0;
}

/* ------------------------------------------------------------ deadlines */

struct due_scan {
	struct daemon *d;
	int64_t wall, mono;
	char  (*ids)[ID_MAX];
	int     n, cap;
};

/*
 * Is rec past its deadline?  A hazard raised during this run counts on
 * the monotonic clock from when it was raised; one from before a restart
 * has only its wall-clock record to go by.
 */
static bool is_due(struct daemon *d, const struct hazard_rec *rec, int64_t wall,
		   int64_t mono)
{
	struct device_state *ds = (unsigned)rec->type < HZ_TYPE_COUNT ?
				  dev_state_of(d, rec->device) : NULL;

	const struct device_cold *cold = ds ? ds->cold : NULL;

	if (cold && cold->hz_raised_mono_ms[rec->type] &&
	    cold->hz_raised_wall_ms[rec->type] == rec->raised_at_ms)
		return mono - cold->hz_raised_mono_ms[rec->type] >=
		       rec->deadline_ms - rec->raised_at_ms;
	return wall >= rec->deadline_ms;
}

static void due_one(void *ctx, const struct hazard_rec *rec)
{
	struct due_scan *s = ctx;

	records_fault_limits(s->d, rec, s->wall);
	/* deadlines are a hazard's: an alarm or fault has none */
	if (rec->kind != REC_HAZARD || rec->overdue || !is_due(s->d, rec, s->wall, s->mono))
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		char (*ids)[ID_MAX] = realloc(s->ids, (size_t)cap * sizeof *ids);

		if (!ids)
			return;
		s->ids = ids;
		s->cap = cap;
	}
	strlcpy_hz(s->ids[s->n++], rec->id, ID_MAX);
}

int lifecycle_tick(struct daemon *d)
{
	struct due_scan s = { .d = d, .wall = now_wall_ms(), .mono = now_mono_ms() };
	struct hazard_rec rec;
	int i, n = 0;

	if (!d->store || store_foreach_open(d->store, due_one, &s) < 0) {
		free(s.ids);
		return -1;
	}
	for (i = 0; i < s.n; i++) {
		int rc = store_hazard_mark_overdue(d->store, s.ids[i], s.wall, &rec);

		if (rc < 0) {
			d->cnt.store_errors++;
			continue;
		}
		if (rc == 1) {
			lifecycle_emit(d, &rec, "escalated", s.wall, NULL);
			n++;
		}
	}
	free(s.ids);
	return n;
}

/* ------------------------------------------------------------ people */

/* Weak only so that test_control.c, which drives control.c alone, can put
 * a recording double in its place; nothing else defines it. */
__attribute__((weak))
int daemon_hazard_transition(struct daemon *d, const char *hazard_id,
			     enum record_action a, const char *actor,
			     const char *note, const char *evidence,
			     char *err, size_t errlen)
{
	return daemon_record_action(d, hazard_id, a, VERDICT_NONE, actor, note, evidence,
				    err, errlen);
}
