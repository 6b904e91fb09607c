/*
 * core/types.h: the words every layer shares: the type of a condition a
 * device or the gateway reports (gas_leak, device_offline, ...), grading
 * and handling order, and the change the rules make of a reading.  Pure
 * definitions; nothing here knows SQLite, MQTT, GPIO or the daemon.
 *
 * A condition type is not a record kind: core/record.h says whether a
 * type is an alarm (警情), a fault (故障) or a hazard (隐患) to rectify.
 */
#ifndef HAZARDD_CORE_TYPES_H
#define HAZARDD_CORE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

enum hazard_type {
	HZ_GAS_LEAK = 0, HZ_SMOKE_ALARM, HZ_CHARGER_OVERTEMP, HZ_CHARGER_OVERCURRENT,
	HZ_OVERCHARGE, HZ_DEVICE_OFFLINE, HZ_LOW_BATTERY, HZ_TAMPER,
	HZ_DETECTOR_FAULT,
	HZ_COMMAND_FAILED,      /* a device command was not confirmed (devcmd.c) */
	HZ_STORAGE_FAULT,       /* the gateway's own database writes fail (disk full) */
	HZ_CO_ALARM,            /* carbon monoxide: its own ppm thresholds, not a gas leak */
	HZ_CHARGER_OVERPOWER,   /* a charger drawing more than max_power_w */
	HZ_PAYLOAD_UNREADABLE,  /* a device sent only unparseable payloads, N in a row */
	HZ_COVERAGE_GAP,        /* a site lacks what its kind requires (core/coverage.c) */
	HZ_SENSOR_EXPIRED,      /* a device past installed + sensor_life_y */
	HZ_CALIBRATION_DUE,     /* a device past its calibration_due date */
	/* self-inspection (自查): an item of a site's checklist found failed */
	HZ_SELF_CHECK_FAILED,
	/* an alert channel (SMS, voice, a webhook) keeps failing (app/alerts.c) */
	HZ_ALERT_CHANNEL_FAULT,
	HZ_TYPE_COUNT
};
enum severity { SEV_GENERAL = 0, SEV_MAJOR };
enum priority { PRIO_URGENT = 0, PRIO_SERIOUS, PRIO_MINOR, PRIO_LOW };

extern const char *const hazard_type_name[HZ_TYPE_COUNT];   /* "gas_leak", ... */
extern const char *const severity_name[2];                  /* "general", "major" */
extern const char *const priority_name[4];                  /* "urgent", ... "low" */
/* The default handling order of a type at a severity (core/types.c). */
enum priority hazard_priority(enum hazard_type t, enum severity s);

enum change_kind {
	CHG_ACTIVE,     /* condition began (after debounce): raise, or repeat */
	CHG_ESCALATE,   /* still active, severity rose (gas low -> high) */
	CHG_CLEAR       /* condition went away (with hysteresis) */
};

/*
 * flapping: set on the onset that made the condition a flapping one
 * (rules.c): its record is flagged and takes the later onsets as a count
 * instead of new records.  folded: on the clear that ends a flapping
 * condition, the onsets that were folded into the record meanwhile (its
 * occurrences grow by that many).
 */
struct hazard_change {
	enum hazard_type type;
	enum change_kind kind;
	enum severity    severity;
	char             detail[96];    /* "gas_lel 62.0 >= lel_high 50" */
	bool             flapping;
	int              folded;
};

#endif /* HAZARDD_CORE_TYPES_H */
