/*
 * core/types.c: the names of condition types, grades and priority
 * classes as they appear in config, the database and upstream, and the
 * default handling order of each type.
 */
#include "types.h"

const char *const hazard_type_name[HZ_TYPE_COUNT] = {
	[HZ_GAS_LEAK] = "gas_leak",
	[HZ_SMOKE_ALARM] = "smoke_alarm",
	[HZ_CHARGER_OVERTEMP] = "charger_overtemp",
	[HZ_CHARGER_OVERCURRENT] = "charger_overcurrent",
	[HZ_OVERCHARGE] = "overcharge",
	[HZ_DEVICE_OFFLINE] = "device_offline",
	[HZ_LOW_BATTERY] = "low_battery",
	[HZ_TAMPER] = "tamper",
	[HZ_DETECTOR_FAULT] = "detector_fault",
	[HZ_COMMAND_FAILED] = "command_failed",
	[HZ_STORAGE_FAULT] = "storage_fault",
	[HZ_CO_ALARM] = "co_alarm",
	[HZ_CHARGER_OVERPOWER] = "charger_overpower",
	[HZ_PAYLOAD_UNREADABLE] = "payload_unreadable",
	[HZ_COVERAGE_GAP] = "coverage_gap",
	[HZ_SENSOR_EXPIRED] = "sensor_expired",
	[HZ_CALIBRATION_DUE] = "calibration_due",
	/* self-inspection (core/selfcheck.c) */
	[HZ_SELF_CHECK_FAILED] = "self_check_failed",
	[HZ_ALERT_CHANNEL_FAULT] = "alert_channel_fault",
};

const char *const severity_name[2] = {
	[SEV_GENERAL] = "general",
	[SEV_MAJOR] = "major",
};

const char *const priority_name[4] = {
	[PRIO_URGENT] = "urgent",
	[PRIO_SERIOUS] = "serious",
	[PRIO_MINOR] = "minor",
	[PRIO_LOW] = "low",
};

/*
 * Handling order (急重轻缓).  These are the defaults; the
 * "priorities" section of the config overrides them (lifecycle.c).
 * For an alarm the severity is its level (general: the low threshold,
 * major: the high one; rules.c says which level each alarm raises).
 */
enum priority hazard_priority(enum hazard_type t, enum severity s)
{
	/* gas and smoke are urgent whatever their level: gas accumulates
	 * and a fire spreads while the record waits in a queue */
	if (s == SEV_MAJOR || t == HZ_GAS_LEAK || t == HZ_CO_ALARM || t == HZ_SMOKE_ALARM)
		return PRIO_URGENT;
	switch (t) {
	case HZ_LOW_BATTERY:
		return PRIO_MINOR;
	case HZ_GAS_LEAK:
	case HZ_CO_ALARM:
	case HZ_SMOKE_ALARM:
	case HZ_CHARGER_OVERCURRENT:
	case HZ_CHARGER_OVERPOWER:
	case HZ_OVERCHARGE:
	case HZ_DETECTOR_FAULT:
	case HZ_TAMPER:
	case HZ_DEVICE_OFFLINE:
	case HZ_COMMAND_FAILED:
	case HZ_STORAGE_FAULT:
	case HZ_ALERT_CHANNEL_FAULT:
	case HZ_PAYLOAD_UNREADABLE:
	case HZ_COVERAGE_GAP:   /* a site that cannot detect or cut off */
	case HZ_SENSOR_EXPIRED:
	case HZ_CALIBRATION_DUE:
		return PRIO_SERIOUS;
	case HZ_SELF_CHECK_FAILED:      /* a person found it: a gas hose, an
					 * exit, a charger in the stairwell */
		return PRIO_SERIOUS;
	case HZ_CHARGER_OVERTEMP:
		/* a fire risk at any level: never below serious */
		return PRIO_SERIOUS;
	case HZ_TYPE_COUNT:
		break;
	}
	return PRIO_SERIOUS;
}

