/*
 * coverage_check.c: what each site kind must have installed (全覆盖) and
 * whether each device's sensor is still in life and in calibration, on
 * the loop thread.  core/coverage.c decides; this raises the records:
 *
 *   a site short of its kind's requirements has one coverage_gap hazard
 *   (device '', the detail naming what is missing), kept in step with the
 *   config at start-up and on every reload (coverage_gap_move): raised;
 *   its detail rewritten when a different thing is missing; its
 *   condition normal when the config provides it (then submitted and
 *   re-inspected like any other); withdrawn, closed by the daemon with a
 *   note, when the site leaves the config or nothing is required of it;
 *
 *   a device past installed + sensor_life_y has a sensor_expired fault, a
 *   device past calibration_due a calibration_due fault, looked at once a
 *   local day and after each reload; a fault left past
 *   records.fault_limit_h (720 h unless set) becomes a hazard through the
 *   ordinary fault limit (lifecycle.c).  Changing the date in the config
 *   clears it.  A person's dismissal holds until the config's date (or
 *   sensor life) changes: the next day's look finds the dismissed fault
 *   with the same detail and raises nothing, also after a restart.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "coverage_check.h"

/* before this the wall clock is not set: nothing is dated by it */
#define COVERAGE_SANE_WALL_MS 1735689600000LL

static int64_t sensor_checked_day = -1;
static bool sensor_recheck = true;

static unsigned site_missing(const struct config *cfg, const struct site_cfg *s)
{
	return coverage_missing(s, cfg->coverage.requires[s->kind], cfg->devices,
				cfg->n_devices, cfg->interlocks, cfg->n_interlocks);
}

/* What a site's kind requires while the check is on (0: nothing, or off). */
static unsigned site_required(const struct config *cfg, const struct site_cfg *s)
{
	return cfg->coverage.check ? cfg->coverage.requires[s->kind] : 0;
}

static void gap_emit(struct daemon *d, const char *site, const char *what,
		     const struct hazard_rec *rec, const char *event, int64_t now)
{
	log_info("site %s: %s (%s)", site, what, event);
	lifecycle_emit(d, rec, event, now, NULL);
}

/* A rules change to the site's gap: raised, reopened or normal again. */
static void gap_change(struct daemon *d, const struct site_cfg *s, enum change_kind kind,
		       const char *detail, int64_t now)
{
	struct hazard_change chg = { .type = HZ_COVERAGE_GAP, .kind = kind };
	struct hazard_rec rec;
	struct hz_policy pol;
	const char *event = NULL;

	chg.severity = records_grade(d->cfg, HZ_COVERAGE_GAP, s->id, false, false);
	snprintf(chg.detail, sizeof chg.detail, "%s", detail);
	lifecycle_policy(d->cfg, HZ_COVERAGE_GAP, &pol);
	if (store_site_hazard_apply(d->store, s->id, &chg, &pol, now, &rec, &event) < 0)
		d->cnt.store_errors++;
	else if (event)
		gap_emit(d, s->id, chg.detail, &rec, event, now);
}

static void site_gap(struct daemon *d, const struct site_cfg *s, int64_t now)
{
	const struct config *cfg = d->cfg;
	unsigned required = site_required(cfg, s), missing = 0;
	struct hazard_rec rec, done;
	char names[80], want[160], have[256];
	bool on = false, same = false;
	int live, r;

	live = store_record_live(d->store, REC_HAZARD, "", s->id, HZ_COVERAGE_GAP, &rec);
	if (live < 0) {
		d->cnt.store_errors++;
		return;
	}
	if (required)
		missing = site_missing(cfg, s);
	coverage_names(missing, names, sizeof names);
	snprintf(want, sizeof want, "%s lacks %s", site_kind_name[s->kind], names);
	if (live) {
		on = rec.cleared_at_ms == 0;
		same = store_site_hazard_detail(d->store, rec.id, have, sizeof have) == 1 &&
		       strcmp(have, want) == 0;
	}
	switch (coverage_gap_move(true, required, missing, live == 1, on, same)) {
	case GAP_RAISE:
		gap_change(d, s, CHG_ACTIVE, want, now);
		break;
	case GAP_REDETAIL:
		r = store_site_hazard_redetail(d->store, rec.id, want, now, &done);
		if (r < 0)
			d->cnt.store_errors++;
		else if (r)
			gap_emit(d, s->id, want, &done, "updated", now);
		break;
	case GAP_NORMAL:
		/* what the config now has that the kind requires */
		coverage_names(required, names, sizeof names);
		snprintf(want, sizeof want, "configuration now covers %s", names);
		gap_change(d, s, CHG_CLEAR, want, now);
		break;
	case GAP_WITHDRAW:
		snprintf(want, sizeof want, "withdrawn: %s", !cfg->coverage.check ?
			 "the coverage check is off in the configuration" :
			 "the configuration requires nothing of this site's kind");
		r = store_site_hazard_withdraw(d->store, rec.id, want, now, &done);
		if (r < 0)
			d->cnt.store_errors++;
		else if (r)
			gap_emit(d, s->id, want, &done, "closed", now);
		break;
	case GAP_NONE:
		break;
	}
}

/* The live gaps of sites the config no longer has: withdrawn. */
static void gone_sites(struct daemon *d, int64_t now)
{
	struct hazard_rec *v, done;
	char note[160];
	int n, i, r;

	if ((n = store_site_hazards_live(d->store, HZ_COVERAGE_GAP, &v)) < 0) {
		d->cnt.store_errors++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (config_find_site(d->cfg, v[i].site) ||
		    coverage_gap_move(false, 0, 0, true, false, false) != GAP_WITHDRAW)
			continue;
		snprintf(note, sizeof note, "withdrawn: site %s is no longer in the "
			 "configuration", v[i].site);
		r = store_site_hazard_withdraw(d->store, v[i].id, note, now, &done);
		if (r < 0)
			d->cnt.store_errors++;
		else if (r)
			gap_emit(d, v[i].site, note, &done, "closed", now);
	}
	free(v);
}

void coverage_on_config(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	int64_t now = now_wall_ms();
	bool own;
	int i;

	sensor_recheck = true;
	if (!d->store)
		return;
	/* each gap's rows and its outbox message together, where it can */
	own = store_begin(d->store) == 0;
	for (i = 0; i < cfg->n_sites; i++)
		site_gap(d, &cfg->sites[i], now);
	gone_sites(d, now);
	if (own && store_commit(d->store) < 0) {
		store_rollback(d->store);
		d->cnt.store_errors++;
		log_warnx("coverage: the gaps' changes could not be committed");
	}
	if (d->up)
		uplink_pump(d->up, d->store);
}

/* One dated condition of a device: on (past) or off. */
static void sensor_change(struct daemon *d, const struct device_cfg *dev,
			  enum hazard_type t, bool past, const char *detail, int64_t now)
{
	struct hazard_change chg = { .type = t, .severity = SEV_GENERAL };
	struct hazard_rec rec;
	int live = store_record_live(d->store, REC_FAULT, dev->id, dev->site, t, &rec);

	if (live < 0) {
		d->cnt.store_errors++;
		return;
	}
	/* an active fault stays one record: no occurrence a day */
	if (past == (live == 1 && strcmp(rec.state, "active") == 0))
		return;
	if (!past && !live)
		return;
	if (past && !live) {
		/* a dismissal holds while the date it was about stays: the
		 * detail names that date, so only a different date in the
		 * config, once past, is a new fault; kept in the database,
		 * so a restart keeps it too */
		struct hazard_rec last;
		char last_detail[sizeof chg.detail];
		int n = store_record_newest(d->store, REC_FAULT, dev->id, dev->site, t,
					    &last, last_detail, sizeof last_detail);

		if (n < 0) {
			d->cnt.store_errors++;
			return;
		}
		if (n == 1 && strcmp(last.state, "dismissed") == 0 &&
		    strcmp(last_detail, detail) == 0)
			return;
	}
	chg.kind = past ? CHG_ACTIVE : CHG_CLEAR;
	snprintf(chg.detail, sizeof chg.detail, "%s", detail);
	records_apply_change(d, dev, &chg, NULL, now, NULL);
}

static void sensor_check(struct daemon *d, int64_t today, int64_t now)
{
	const struct config *cfg = d->cfg;
	char detail[96], end[16];
	int64_t day;
	int i;

	for (i = 0; i < cfg->n_devices; i++) {
		const struct device_cfg *dev = &cfg->devices[i];
		const struct device_register *reg = device_register_of(dev);

		day = reg->installed[0] ? sensor_life_end_day(reg->installed,
							      reg->sensor_life_y) : -1;
		localtime_day_to_date(day, end, sizeof end);
		snprintf(detail, sizeof detail, "sensor life ended %s (installed %s, %g y)",
			 end, reg->installed, reg->sensor_life_y);
		sensor_change(d, dev, HZ_SENSOR_EXPIRED, sensor_day_past(today, day), detail,
			      now);
		if (!reg->calibration_due[0] ||
		    localtime_parse_date(reg->calibration_due, &day) < 0)
			day = -1;
		snprintf(detail, sizeof detail, "calibration was due %s", reg->calibration_due);
		sensor_change(d, dev, HZ_CALIBRATION_DUE, sensor_day_past(today, day), detail,
			      now);
	}
}

void coverage_tick(struct daemon *d)
{
	int64_t now = now_wall_ms(), today;
	char date[16];

	if (!d->store || now < COVERAGE_SANE_WALL_MS)
		return;
	if (localtime_date_of(d->cfg->summary.timezone, now, date, sizeof date) < 0 ||
	    localtime_parse_date(date, &today) < 0)
		return;
	if (today == sensor_checked_day && !sensor_recheck)
		return;
	sensor_checked_day = today;
	sensor_recheck = false;
	sensor_check(d, today, now);
}

cJSON *coverage_summary_json(const struct config *cfg)
{
	cJSON *o = cJSON_CreateObject(), *shortfall, *miss, *site;
	int i, r, with = 0, met = 0;

	if (!o)
		return NULL;
	shortfall = cJSON_CreateArray();
	for (i = 0; shortfall && i < cfg->n_sites; i++) {
		const struct site_cfg *s = &cfg->sites[i];
		unsigned missing = site_missing(cfg, s);

		if (!cfg->coverage.requires[s->kind])
			continue;
		with++;
		if (!missing) {
			met++;
			continue;
		}
		site = cJSON_CreateObject();
		cJSON_AddStringToObject(site, "site", s->id);
		cJSON_AddStringToObject(site, "kind", site_kind_name[s->kind]);
		miss = cJSON_AddArrayToObject(site, "missing");
		for (r = 0; miss && r < COV_REQ_COUNT; r++)
			if (missing & (1u << r))
				cJSON_AddItemToArray(miss,
						     cJSON_CreateString(coverage_req_name[r]));
		cJSON_AddItemToArray(shortfall, site);
	}
	cJSON_AddBoolToObject(o, "checked", cfg->coverage.check);
	cJSON_AddNumberToObject(o, "sites", with);
	cJSON_AddNumberToObject(o, "sites_met", met);
	if (with)       /* to four places, as the summary's other rates */
		cJSON_AddNumberToObject(o, "rate", round((double)met / with * 10000.0) / 10000.0);
	else
		cJSON_AddNullToObject(o, "rate");
	cJSON_AddItemToObject(o, "short", shortfall ? shortfall : cJSON_CreateArray());
	return o;
}
