/*
 * coverage_check.c: what each site kind must have installed (全覆盖) and
 * whether each device's sensor is still in life and in calibration, on
 * the loop thread.  core/coverage.c decides; this raises the records:
 *
 *   a site short of its kind's requirements has one coverage_gap hazard
 *   (device '', the detail naming what is missing), raised at start-up
 *   and on a reload; when the config later provides what was missing,
 *   the hazard's condition becomes normal (normal_since), so it can be
 *   submitted and re-inspected like any other;
 *
 *   a device past installed + sensor_life_y has a sensor_expired fault, a
 *   device past calibration_due a calibration_due fault, looked at once a
 *   local day and after each reload; a fault left past
 *   records.fault_limit_h (720 h unless set) becomes a hazard through the
 *   ordinary fault limit (lifecycle.c).  Changing the date in the config
 *   clears it.
 */
#include <math.h>
#include <stdio.h>
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

static void site_gap(struct daemon *d, const struct site_cfg *s, unsigned missing,
		     int64_t now)
{
	struct hazard_change chg = { .type = HZ_COVERAGE_GAP };
	struct hazard_rec rec;
	struct hz_policy pol;
	const char *event = NULL;
	char names[80];
	int live;

	live = store_record_live(d->store, REC_HAZARD, "", s->id, HZ_COVERAGE_GAP, &rec);
	if (live < 0) {
		d->cnt.store_errors++;
		return;
	}
	/* nothing to do: no gap and none recorded, or one recorded and on */
	if ((!missing && !live) || (missing && live && rec.cleared_at_ms == 0))
		return;
	if (!missing && rec.cleared_at_ms != 0)
		return;         /* normal already */
	coverage_names(missing, names, sizeof names);
	chg.kind = missing ? CHG_ACTIVE : CHG_CLEAR;
	chg.severity = records_grade(d->cfg, HZ_COVERAGE_GAP, s->id, false, false);
	if (missing)
		snprintf(chg.detail, sizeof chg.detail, "%s lacks %s", site_kind_name[s->kind],
			 names);
	else
		snprintf(chg.detail, sizeof chg.detail, "%s requirements met",
			 site_kind_name[s->kind]);
	lifecycle_policy(d->cfg, HZ_COVERAGE_GAP, &pol);
	if (store_site_hazard_apply(d->store, s->id, &chg, &pol, now, &rec, &event) < 0) {
		d->cnt.store_errors++;
		return;
	}
	if (event) {
		log_info("site %s: %s (%s)", s->id, chg.detail, event);
		lifecycle_emit(d, &rec, event, now, NULL);
	}
}

void coverage_on_config(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	int64_t now = now_wall_ms();
	int i;

	sensor_recheck = true;
	if (!d->store)
		return;
	for (i = 0; i < cfg->n_sites; i++)
		site_gap(d, &cfg->sites[i],
			 cfg->coverage.check ? site_missing(cfg, &cfg->sites[i]) : 0, now);
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

		day = dev->installed[0] ? sensor_life_end_day(dev->installed,
							      dev->sensor_life_y) : -1;
		localtime_day_to_date(day, end, sizeof end);
		snprintf(detail, sizeof detail, "sensor life ended %s (installed %s, %g y)",
			 end, dev->installed, dev->sensor_life_y);
		sensor_change(d, dev, HZ_SENSOR_EXPIRED, sensor_day_past(today, day), detail,
			      now);
		if (!dev->calibration_due[0] ||
		    localtime_parse_date(dev->calibration_due, &day) < 0)
			day = -1;
		snprintf(detail, sizeof detail, "calibration was due %s", dev->calibration_due);
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
