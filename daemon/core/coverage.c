/*
 * core/coverage.c: the requirements of each site kind and whether a site
 * meets them; the end of a sensor's life (coverage.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"

const char *const coverage_req_name[COV_REQ_COUNT] = {
	[COV_GAS_DETECTOR] = "gas_detector", [COV_GAS_SHUTOFF] = "gas_shutoff",
	[COV_SMOKE_ALARM] = "smoke_alarm", [COV_CHARGER_MONITOR] = "charger_monitor",
	[COV_CHARGER_CUTOFF] = "charger_cutoff",
};

#define BIT(r) (1u << (r))

/*
 * The campaigns ask restaurants for a gas leak alarm device (泄漏报警装置
 * 全覆盖) tied to a shut-off valve, rented housing for smoke alarms, and
 * e-bike charging places for chargers that cut off on a fault; the other
 * kinds have no requirement of their own.
 */
const unsigned coverage_default[SITE_KIND_COUNT] = {
	[SITE_RESTAURANT] = BIT(COV_GAS_DETECTOR) | BIT(COV_GAS_SHUTOFF),
	[SITE_RENTAL_HOUSING] = BIT(COV_SMOKE_ALARM),
	[SITE_CHARGING_STATION] = BIT(COV_CHARGER_MONITOR) | BIT(COV_CHARGER_CUTOFF),
	[SITE_COMMUNITY] = 0,
	[SITE_OTHER] = 0,
};

int coverage_req_from_name(const char *name)
{
	int i;

	for (i = 0; name && i < COV_REQ_COUNT; i++)
		if (strcmp(name, coverage_req_name[i]) == 0)
			return i;
	return -1;
}

static bool is_gas_detector(const struct device_cfg *d)
{
	return d->kind == DEV_GAS_DETECTOR && d->gas != GAS_CO;
}

static bool is_charger(const struct device_cfg *d)
{
	return d->kind == DEV_EBIKE_CHARGER;
}

static bool is_charger_type(int t)
{
	return t == HZ_CHARGER_OVERTEMP || t == HZ_CHARGER_OVERCURRENT ||
	       t == HZ_CHARGER_OVERPOWER || t == HZ_OVERCHARGE;
}

/* Does interlock il fire for device d (at site) on a condition that
 * accept() takes, with something to do? */
static bool interlock_covers(const struct interlock_cfg *il, const struct device_cfg *d,
			     bool (*accept)(int))
{
	return il->n_actions > 0 && accept(il->hazard) &&
	       (!il->device[0] || strcmp(il->device, d->id) == 0) &&
	       (!il->site[0] || strcmp(il->site, d->site) == 0);
}

static bool is_gas_type(int t)
{
	return t == HZ_GAS_LEAK;
}

unsigned coverage_missing(const struct site_cfg *site, unsigned required,
			  const struct device_cfg *devices, int n_devices,
			  const struct interlock_cfg *interlocks, int n_interlocks)
{
	unsigned have = 0;
	int i, j;

	for (i = 0; i < n_devices; i++) {
		const struct device_cfg *d = &devices[i];

		if (strcmp(d->site, site->id) != 0)
			continue;
		if (d->kind == DEV_SMOKE_ALARM)
			have |= BIT(COV_SMOKE_ALARM);
		if (is_gas_detector(d)) {
			have |= BIT(COV_GAS_DETECTOR);
			for (j = 0; j < n_interlocks; j++)
				if (interlock_covers(&interlocks[j], d, is_gas_type))
					have |= BIT(COV_GAS_SHUTOFF);
		}
		if (is_charger(d)) {
			have |= BIT(COV_CHARGER_MONITOR);
			if (d->relay)
				have |= BIT(COV_CHARGER_CUTOFF);
			for (j = 0; j < n_interlocks; j++)
				if (interlock_covers(&interlocks[j], d, is_charger_type))
					have |= BIT(COV_CHARGER_CUTOFF);
		}
	}
	return required & ~have & (BIT(COV_REQ_COUNT) - 1);
}

void coverage_names(unsigned mask, char *buf, size_t size)
{
	size_t n = 0;
	int r;

	if (size)
		buf[0] = '\0';
	for (r = 0; r < COV_REQ_COUNT && size; r++) {
		int w;

		if (!(mask & BIT(r)))
			continue;
		w = snprintf(buf + n, size - n, "%s%s", n ? ", " : "", coverage_req_name[r]);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
}

/* ------------------------------------------------------- a gap's record */

enum gap_move coverage_gap_move(bool site_exists, unsigned required, unsigned missing,
				bool live, bool on, bool same_detail)
{
	if (!site_exists || !required)
		return live ? GAP_WITHDRAW : GAP_NONE;
	if (missing)
		return !live || !on ? GAP_RAISE : same_detail ? GAP_NONE : GAP_REDETAIL;
	return live && on ? GAP_NORMAL : GAP_NONE;
}

void coverage_gap_withdrawn(struct hazard_rec *r, int64_t now_ms)
{
	strlcpy_hz(r->state, "closed", sizeof r->state);
	r->closed_at_ms = now_ms;
}

/* ------------------------------------------------------------ dates */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

int64_t sensor_life_end_day(const char *installed, double life_y)
{
	int64_t day;
	long months;
	int y, m, d;
	char end[40];

	if (!(life_y > 0) || life_y > 1000 || localtime_parse_date(installed, &day) < 0)
		return -1;
	y = atoi(installed);
	m = (installed[5] - '0') * 10 + (installed[6] - '0');
	d = (installed[8] - '0') * 10 + (installed[9] - '0');
	months = lround(life_y * 12.0) + (long)(m - 1);
	y += (int)(months / 12);
	m = (int)(months % 12) + 1;
	if (d > month_days(y, m))
		d = month_days(y, m);
	snprintf(end, sizeof end, "%04d-%02d-%02d", y, m, d);
	return localtime_parse_date(end, &day) == 0 ? day : -1;
}

bool sensor_day_past(int64_t today, int64_t day)
{
	return day >= 0 && today > day;
}
