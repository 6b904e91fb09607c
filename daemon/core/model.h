/*
 * model.h: what the configuration describes, as the rules and records see
 * it (core): sites and their kinds, devices and their rule parameters,
 * GPIO lines and interlocks.  conf/ fills these from the file; nothing
 * here parses or reads anything.
 */
#ifndef CORE_MODEL_H
#define CORE_MODEL_H

#include "lib.h"
#include "types.h"

enum site_kind { SITE_RESTAURANT, SITE_RENTAL_HOUSING, SITE_CHARGING_STATION,
		 SITE_COMMUNITY, SITE_OTHER, SITE_KIND_COUNT };
enum device_kind { DEV_GAS_DETECTOR, DEV_SMOKE_ALARM, DEV_EBIKE_CHARGER,
		   DEV_KIND_COUNT };
/* A gas detector's gas: sets the ppm -> %LEL factor and, for CO, the
 * alarm type (co_alarm with its own ppm thresholds). */
enum gas_kind { GAS_NATURAL = 0, GAS_LPG, GAS_CO, GAS_KIND_COUNT };
extern const char *const gas_kind_name[GAS_KIND_COUNT]; /* "natural_gas", "lpg", "co" */

extern const char *const site_kind_name[SITE_KIND_COUNT];
extern const char *const device_kind_name[DEV_KIND_COUNT];

/*
 * Rule parameters.  One struct for every kind; each kind uses its own subset
 * (the table in config.c says which keys a kind accepts, their range and
 * default).  A device's "rules" object overrides its kind's values.
 */
struct rule_params {
	double lel_low;         /* %LEL, low alarm (general) */
	double lel_high;        /* %LEL, high alarm (major) */
	double co_low_ppm;      /* CO ppm, low alarm */
	double co_high_ppm;     /* CO ppm, high alarm */
	double hold_s;          /* an analog condition must hold this long */
	double hysteresis_pct;  /* clears below threshold * (1 - pct/100) */
	double battery_low_pct; /* low_battery at or below */
	double max_temp_c;      /* charger_overtemp above */
	double max_current_a;   /* charger_overcurrent above */
	double max_charge_h;    /* overcharge: charging longer than this */
	double charging_w;      /* power above this counts as charging */
	double max_power_w;     /* charger_overpower above; 0: off */
	double unreadable_n;    /* payload_unreadable after this many
				 * unparseable payloads in a row; 0: off */
	/* flapping (rules.c): a condition back within flap_window_s of its
	 * last end for the flap_count-th time in a row stays one record
	 * until it has been off for settle_s; flap_count 0: off */
	double flap_window_s;
	double flap_count;
	double settle_s;
	unsigned file_set;      /* bit per config.c rule_defs row: the file
				 * set it (hazardctl rules: its source) */
};

/* A site's responsible people (一企一档): who a hazard can be assigned to
 * (交办).  An id names one person on the whole gateway (config.c checks
 * that the same id under two sites is the same person). */
enum person_role { ROLE_OWNER, ROLE_SAFETY_MANAGER, ROLE_GRID_WORKER, ROLE_INSTALLER,
		   ROLE_COUNT };
extern const char *const person_role_name[ROLE_COUNT];
#define SITE_PEOPLE_MAX 32
#define PERSON_NAME_MAX 64      /* bytes, with the NUL */
#define PHONE_MAX       24      /* "+" and up to 20 digits, with the NUL */

struct person_cfg {
	char id[ID_MAX];
	char name[PERSON_NAME_MAX];
	enum person_role role;
	char phone[PHONE_MAX];          /* "" none; stays on the gateway */
};

struct site_cfg {
	char id[ID_MAX];
	enum site_kind kind;
	char name[128];
	char address[256];
	char grid[32];
	struct person_cfg *people;      /* malloc'd, n_people; config_free */
	int  n_people;
};

/* "YYYY-MM-DD" and its NUL */
#define DATE_LEN 11

/* The site register's keys of a device (app/register.c; the sensor dates
 * of app/coverage_check.c): what the device is and how long its sensor
 * lasts.  Most devices have none, so they live apart from device_cfg. */
struct device_register {
	const char *model;              /* "" when the file does not say */
	double sensor_life_y;           /* years from installed; 0: not said */
	char   installed[DATE_LEN];     /* YYYY-MM-DD, "" */
	char   calibration_due[DATE_LEN]; /* YYYY-MM-DD, "" */
};
/* every key absent: what device_register_of() gives a device without any */
extern const struct device_register device_register_none;

/*
 * A configured device.  2,000 of them stay resident for the daemon's
 * life, so it is kept small (208 bytes; docs/benchmarks.md, "A smaller
 * device config"): members widest first, small ranges in small types.
 *
 * Its strings point into the config's string pool (conf/strpool.c),
 * interned (a few sites and formats serve every device) and freed with
 * the config by config_free.  A parsed device's strings are never NULL;
 * one built by hand starts from DEVICE_CFG_BLANK.  A copy of the struct
 * shares the strings, so it must not outlive the config it came from.
 */
struct device_cfg {
	const char *id;
	const char *site;
	const char *topic;
	const char *format;
	/* the site register's keys; NULL when the file sets none of them
	 * (device_register_of) */
	const struct device_register *reg;
	struct rule_params rules;       /* kind defaults merged with overrides */
	struct {
		double rate_per_s;      /* 0: no limit */
		int    burst;
	} flood;                        /* $.flood, or the device's own "flood" */
	int  heartbeat_s;               /* 0 disables offline detection */
	int  confirm_s;                 /* a device command must be confirmed within */
	enum device_kind kind;
	uint8_t gas;                    /* enum gas_kind; gas detectors: natural_gas
					 * unless set */
	uint8_t gen;                    /* Shelly generation 1 or 2 (0: not Shelly) */
	bool relay;                     /* it has a relay that commands may switch
					 * (chargers and plugs: yes; detectors: only
					 * if the config says "relay": true) */
	/* the file gave the device a "rules" object.  Without one its rules
	 * as the file set them are its kind's (cfg->file_kind_rules), so
	 * rule_overrides.c keeps a copy of a device's own file rules only
	 * when this is set (cfg->file_dev_rules) */
	bool own_rules;
};

/* A device with every string "" and all else zero, for code that builds
 * one by hand: struct device_cfg d = DEVICE_CFG_BLANK;
 * or *d = (struct device_cfg)DEVICE_CFG_BLANK; device_cfg_blank for n. */
#define DEVICE_CFG_BLANK { .id = "", .site = "", .topic = "", .format = "" }

static inline void device_cfg_blank(struct device_cfg *d, size_t n)
{
	while (n--)
		d[n] = (struct device_cfg)DEVICE_CFG_BLANK;
}

static inline const struct device_register *
device_register_of(const struct device_cfg *d)
{
	return d->reg ? d->reg : &device_register_none;
}

/* GPIO lines (drivers/io/gpio.c) and interlocks (daemon/app/interlock.c). */
#define GPIO_CHIP_MAX     64
#define MAX_IL_ACTIONS    8
#define MAX_GPIO_INPUTS   64     /* per gateway; $.gpio.inputs is checked */
enum gpio_bias { GPIO_BIAS_AS_IS = 0, GPIO_BIAS_DISABLED, GPIO_BIAS_PULL_UP,
		 GPIO_BIAS_PULL_DOWN, GPIO_BIAS_COUNT };
enum out_mode { OUT_LATCHED = 0, OUT_FOLLOW, OUT_PULSE, OUT_MODE_COUNT };
extern const char *const gpio_bias_name[GPIO_BIAS_COUNT];
extern const char *const out_mode_name[OUT_MODE_COUNT];

/*
 * A dry-contact input.  Asserted = the contact's logical "on" (the raw
 * level XOR active_low).  An ordinary (normally open) input raises `hazard`
 * on its device while asserted; an nc_supervision input is a normally
 * closed loop: asserted is healthy and an open loop raises detector_fault.
 */
struct gpio_in_cfg {
	char name[ID_MAX];
	char chip[GPIO_CHIP_MAX];       /* "gpiochip0", a path, or a chip label */
	int  line;                      /* offset on the chip */
	bool active_low;
	enum gpio_bias bias;
	int  debounce_ms;               /* level must hold this long to count */
	bool nc_supervision;
	char device[ID_MAX];            /* a configured device */
	int  hazard;                    /* enum hazard_type (declared below) */
	int  severity;                  /* enum severity */
};

struct gpio_out_cfg {
	char name[ID_MAX];              /* "valve_kitchen", "buzzer" */
	char chip[GPIO_CHIP_MAX];
	int  line;
	bool active_low;
	bool safe_on;                   /* level at start and after a reset */
	enum out_mode mode;
	int  pulse_ms;                  /* OUT_PULSE: on time; test duration */
};

struct interlock_cfg {
	int  hazard;                    /* enum hazard_type */
	char device[ID_MAX];            /* "" matches any device */
	char site[ID_MAX];              /* "" matches any site */
	struct {
		int  output;            /* index into config.outputs */
		bool on;
		bool to_device;         /* a device command instead of an output */
		int  device;            /* index into config.devices */
		bool latch;             /* device: held (and re-sent) until reset */
	} action[MAX_IL_ACTIONS];
	int  n_actions;
};

#endif /* CORE_MODEL_H */
