/*
 * reset_rule.h: when a person may undo what an interlock did.  An output
 * or a device latch that an interlock drives may not be reset while the
 * hazard behind it is still active: reopening a gas valve while the gas
 * is there would undo the interlock.  Pure: the caller passes the config's
 * tables and the devices' rule state, so every front-end asks this one
 * rule (app/ops_devices.c) and a unit test can ask it for any state.
 */
#ifndef CORE_RESET_RULE_H
#define CORE_RESET_RULE_H

#include "model.h"
#include "rules.h"

/* What an interlock acted on. */
enum reset_target { RESET_OUTPUT = 0, RESET_DEVICE };

/* A device (index into devs) on which rule r's hazard is active now, or
 * -1.  ds: each device's rule state, parallel to devs (NULL: none). */
int reset_rule_active_device(const struct interlock_cfg *r, const struct device_cfg *devs,
			     const struct device_state *ds, int n_devs);

/*
 * Whether target (an output index, or a device index for a device latch)
 * may be reset: -1 when it may, else the index of the interlock whose
 * hazard still holds it, with *device (index into devs) where that hazard
 * is active and *hazard its type.
 */
int reset_blocked_by(const struct interlock_cfg *rules, int n_rules,
		     const struct device_cfg *devs, const struct device_state *ds,
		     int n_devs, enum reset_target kind, int target,
		     int *device, int *hazard);

#endif /* CORE_RESET_RULE_H */
