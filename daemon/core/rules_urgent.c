/*
 * rules_urgent.c: whether a reading could raise an alarm or fault now,
 * judged from the reading and the device's thresholds alone (no state).
 * The intake asks it at receipt to put such a message ahead of plain
 * telemetry (docs/intake.md "Alarms first"); rules.c still decides.
 * Erring towards "urgent" only costs a small extra transaction; erring
 * the other way delays an alarm behind a batch, so values inside the
 * hysteresis band (which cannot raise anything) are the only analog
 * values left out.  Pure.
 */
#include "rules.h"

static bool at_or_over(const struct reading *r, enum reading_field f, double thr)
{
	return thr > 0 && reading_has(r, f) && r->val[f] >= thr;
}

bool rules_urgent(const struct device_cfg *dev, const struct reading *r)
{
	const struct rule_params *p = &dev->rules;
	double per = rules_ppm_per_lel(dev->gas);
	bool co_det = dev->kind == DEV_GAS_DETECTOR && dev->gas == GAS_CO;

	if (at_or_over(r, RF_GAS_LEL, p->lel_low) || at_or_over(r, RF_CO_PPM, p->co_low_ppm))
		return true;
	if (reading_has(r, RF_GAS_PPM)) {
		if (co_det ? r->val[RF_GAS_PPM] >= p->co_low_ppm :
		    per > 0 && r->val[RF_GAS_PPM] / per >= p->lel_low)
			return true;
	}
	return at_or_over(r, RF_TEMP_C, p->max_temp_c) ||
	       at_or_over(r, RF_CURRENT_A, p->max_current_a) ||
	       at_or_over(r, RF_POWER_W, p->max_power_w);
}
