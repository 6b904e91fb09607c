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
#include "record.h"

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
 * What a site's coverage_gap hazard does when the config is (re)read
 * (app/coverage_check.c does it):
 *   GAP_RAISE     a gap and no live hazard: raise one; a gap and a live
 *                 one whose condition was normal: it reopens (both through
 *                 the rules' change CHG_ACTIVE, which also sets its detail)
 *   GAP_REDETAIL  a different gap than the live hazard's detail names:
 *                 the detail follows (event "updated"; no occurrence, the
 *                 condition never went away)
 *   GAP_NORMAL    the config now provides what was missing: its condition
 *                 is normal (CHG_CLEAR); a person still submits it and a
 *                 second one re-inspects it before the write-off, as for
 *                 any hazard: the config says a detector was fitted, the
 *                 re-inspection sees it
 *   GAP_WITHDRAW  nothing is required of the site any more (it left the
 *                 config, its kind requires nothing, the check is off):
 *                 the daemon closes the hazard with a note saying why;
 *                 nothing is left to rectify or to re-inspect
 *   GAP_NONE      nothing changes
 * site_exists: the site is in the config; required: its kind's set (0
 * with the check off); live: a hazard not closed; on: its condition is
 * on (normal_since unset); same_detail: its detail is the one a gap of
 * missing would have.
 */
enum gap_move { GAP_NONE = 0, GAP_RAISE, GAP_REDETAIL, GAP_NORMAL, GAP_WITHDRAW };
enum gap_move coverage_gap_move(bool site_exists, unsigned required, unsigned missing,
				bool live, bool on, bool same_detail);
/* A withdrawn gap's record: closed now, by the daemon (r is the live
 * hazard; its other fields stay as they were). */
void coverage_gap_withdrawn(struct hazard_rec *r, int64_t now_ms);

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
