/*
 * core/coverage.h: what a site of each kind must have installed (全覆盖),
 * and whether a device's sensor life or calibration has run out.  Pure:
 * the configuration's sites, devices and interlocks in, answers out; the
 * daemon raises the hazards and faults (app/coverage_check.c).
 */
#ifndef HAZARDD_CORE_COVERAGE_H
#define HAZARDD_CORE_COVERAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/*
 * One thing a site may be required to have:
 *   gas_detector     a gas detector (natural gas or LPG, not CO) at the site
 *   gas_shutoff      that, and an interlock on gas_leak that covers one of
 *                    the site's gas detectors and acts (a valve, a plug)
 *   smoke_alarm      a smoke alarm at the site
 *   charger_monitor  an e-bike charger monitor (ebike_charger) at the site
 *   charger_cutoff   that, and a cut-off: a charger with a relay, or an
 *                    interlock on a charger condition covering it that acts
 */
enum coverage_req { COV_GAS_DETECTOR = 0, COV_GAS_SHUTOFF, COV_SMOKE_ALARM,
		    COV_CHARGER_MONITOR, COV_CHARGER_CUTOFF, COV_REQ_COUNT };
extern const char *const coverage_req_name[COV_REQ_COUNT];
/* The built-in requirement set of each site kind, a bit per coverage_req
 * (docs/config.md "coverage" gives the campaigns behind them). */
extern const unsigned coverage_default[SITE_KIND_COUNT];
/* The requirement by name, or -1. */
int coverage_req_from_name(const char *name);

/* What site lacks of required (a bit per coverage_req; 0: met). */
unsigned coverage_missing(const struct site_cfg *site, unsigned required,
			  const struct device_cfg *devices, int n_devices,
			  const struct interlock_cfg *interlocks, int n_interlocks);
/* "gas_detector, gas_shutoff" into buf: the names of the bits in mask. */
void coverage_names(unsigned mask, char *buf, size_t size);

/*
 * Dates: day numbers as lib's localtime_parse_date gives them.  The end of
 * a sensor's life is installed plus life_y years, counted in whole months
 * (round(life_y * 12)); a day that the target month lacks (29 Feb in a
 * common year, 31 in a short month) becomes that month's last day.  -1
 * when installed is no date or life_y is not positive.
 */
int64_t sensor_life_end_day(const char *installed, double life_y);
/* Past: today is after the day (the last day itself still counts as in
 * life or in calibration). */
bool sensor_day_past(int64_t today, int64_t day);

#endif /* HAZARDD_CORE_COVERAGE_H */
