/*
 * reading.h: the normalized reading every payload adapter produces (core).
 */
#ifndef CORE_READING_H
#define CORE_READING_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* ------------------------------------------------------------- reading.c
 * The normalized reading every payload adapter produces.  A field that the
 * device did not send is absent (its bit is clear in `present`), never 0.
 * Booleans are stored as 0.0 / 1.0 in val[].
 */
enum reading_field {
	RF_ALARM = 0,   /* bool: generic alarm flag */
	RF_GAS,         /* bool: gas alarm flag (zigbee2mqtt "gas") */
	RF_SMOKE,       /* bool */
	RF_TEST,        /* bool: self-test / test button */
	RF_FAULT,       /* bool */
	RF_TAMPER,      /* bool */
	RF_GAS_LEL,     /* %LEL */
	RF_CO_PPM,      /* ppm */
	RF_BATTERY,     /* percent 0-100 */
	RF_POWER_W,
	RF_CURRENT_A,
	RF_VOLTAGE_V,
	RF_TEMP_C,
	RF_ENERGY_KWH,
	RF_RELAY,       /* bool: relay / plug output on */
	RF_BATTERY_LOW, /* bool: the device's own low-battery flag (no percent) */
	RF_ONLINE,      /* bool: availability message (LWT); per message, not state */
	RF_GAS_PPM,     /* combustible gas in ppm; rules convert it to %LEL by the
			 * detector's gas (on a CO detector it is CO ppm) */
	RF_CO,          /* bool: carbon monoxide alarm flag ("carbon_monoxide") */
	RF_COUNT
};

struct reading {
	int64_t  ts_ms;                 /* device time if sent, else receive time */
	uint32_t present;               /* bit (1u << RF_x) set when val[x] valid */
	uint32_t bad;                   /* bit set: a value sent for the field was
					 * unusable (wrong type, unknown enum value,
					 * impossible value, duplicate key); that
					 * value is left out.  The field may still be
					 * present from another key or, for a
					 * duplicate, as its more alarming value. */
	uint32_t over;                  /* bit set: val[x] saturated at its range
					 * limit (over-range: kept as evidence) */
	double   val[RF_COUNT];
};

extern const char *const reading_field_name[RF_COUNT]; /* "alarm", "gas_lel", ... */
extern const bool reading_field_is_bool[RF_COUNT];
/* The flags that, set, say alarm or fault (alarm, gas, smoke,
 * carbon_monoxide, fault, tamper): what the intake lets past a full queue
 * and what flood control keeps as a device's alarm state. */
#define READING_ALARM_FLAGS 6
extern const enum reading_field reading_alarm_flag[READING_ALARM_FLAGS];

static inline bool reading_has(const struct reading *r, enum reading_field f)
{ return (r->present >> f) & 1u; }
static inline void reading_set(struct reading *r, enum reading_field f, double v)
{ r->val[f] = v; r->present |= 1u << f; }

static inline void reading_mark_bad(struct reading *r, enum reading_field f)
{ r->bad |= 1u << f; }

/*
 * Check v for f, per field (never per message):
 *   RCHECK_OK    plausible, keep it;
 *   RCHECK_OVER  above the sensor's full scale (%LEL, battery %, ppm):
 *                *v is saturated at the limit, keep it and mark it over:
 *                a saturated gas sensor is the strongest evidence there is;
 *   RCHECK_BAD   impossible (not finite, below the physical minimum such as
 *                a negative %LEL or battery, below absolute zero, or beyond
 *                1e9 on a scale without a full scale): leave it out, the
 *                reason in why.
 */
enum rcheck { RCHECK_BAD = -1, RCHECK_OK = 0, RCHECK_OVER = 1 };
int reading_check(enum reading_field f, double *v, char *why, size_t len);
/* The full scale of f, or 0 when it has none (power, temperature...). */
double reading_max(enum reading_field f);

#endif /* CORE_READING_H */
