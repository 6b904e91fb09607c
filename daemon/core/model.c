/*
 * model.c: the names the config file uses for site kinds, device kinds,
 * gases, people's roles, GPIO bias and output modes (core/model.h); a
 * device's register entry when the file gives it none.
 */
#include "model.h"

const char *const site_kind_name[SITE_KIND_COUNT] = {
	[SITE_RESTAURANT] = "restaurant",
	[SITE_RENTAL_HOUSING] = "rental_housing",
	[SITE_CHARGING_STATION] = "charging_station",
	[SITE_COMMUNITY] = "community",
	[SITE_OTHER] = "other",
};

const char *const device_kind_name[DEV_KIND_COUNT] = {
	[DEV_GAS_DETECTOR] = "gas_detector",
	[DEV_SMOKE_ALARM] = "smoke_alarm",
	[DEV_EBIKE_CHARGER] = "ebike_charger",
};

const char *const gas_kind_name[GAS_KIND_COUNT] = {
	[GAS_NATURAL] = "natural_gas",
	[GAS_LPG] = "lpg",
	[GAS_CO] = "co",
};

const char *const person_role_name[ROLE_COUNT] = {
	[ROLE_OWNER] = "owner",
	[ROLE_SAFETY_MANAGER] = "safety_manager",
	[ROLE_GRID_WORKER] = "grid_worker",
	[ROLE_INSTALLER] = "installer",
};

const char *const gpio_bias_name[GPIO_BIAS_COUNT] = {
	[GPIO_BIAS_AS_IS] = "as-is",
	[GPIO_BIAS_DISABLED] = "disabled",
	[GPIO_BIAS_PULL_UP] = "pull-up",
	[GPIO_BIAS_PULL_DOWN] = "pull-down",
};

const char *const out_mode_name[OUT_MODE_COUNT] = {
	[OUT_LATCHED] = "latched",
	[OUT_FOLLOW] = "follow",
	[OUT_PULSE] = "pulse",
};

const struct device_register device_register_none = { .model = "" };
