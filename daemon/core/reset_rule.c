/*
 * reset_rule.c: no reset while its hazard is active (reset_rule.h).  The
 * one place the rule is written; the control socket's output and device
 * resets both ask it through app/ops_devices.c.
 */
#include <string.h>

#include "core.h"

int reset_rule_active_device(const struct interlock_cfg *r, const struct device_cfg *devs,
			     const struct device_state *ds, int n_devs)
{
	int j;

	if (!ds || (unsigned)r->hazard >= HZ_TYPE_COUNT)
		return -1;
	for (j = 0; j < n_devs; j++) {
		if ((r->device[0] && strcmp(r->device, devs[j].id) != 0) ||
		    (r->site[0] && strcmp(r->site, devs[j].site) != 0) ||
		    !rules_active(&ds[j], (enum hazard_type)r->hazard))
			continue;
		return j;
	}
	return -1;
}

/* Whether one of rule r's actions drives the target. */
static bool acts_on(const struct interlock_cfg *r, enum reset_target kind, int target)
{
	int k;

	for (k = 0; k < r->n_actions; k++) {
		if (kind == RESET_OUTPUT && !r->action[k].to_device &&
		    r->action[k].output == target)
			return true;
		if (kind == RESET_DEVICE && r->action[k].to_device &&
		    r->action[k].device == target)
			return true;
	}
	return false;
}

int reset_blocked_by(const struct interlock_cfg *rules, int n_rules,
		     const struct device_cfg *devs, const struct device_state *ds,
		     int n_devs, enum reset_target kind, int target,
		     int *device, int *hazard)
{
	int i, dev;

	for (i = 0; i < n_rules; i++) {
		if (!acts_on(&rules[i], kind, target))
			continue;
		dev = reset_rule_active_device(&rules[i], devs, ds, n_devs);
		if (dev < 0)
			continue;
		*device = dev;
		*hazard = rules[i].hazard;
		return i;
	}
	return -1;
}
