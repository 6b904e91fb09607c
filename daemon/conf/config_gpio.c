/*
 * config_gpio.c: $.gpio (inputs, outputs) and $.interlocks (which
 * hazard drives which output or device command).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "conf.h"
#include "config_lines.h"
#include "config_parse.h"

static const char *const on_off_name[] = { "off", "on" };

static const struct field gpio_fields[] = {
	{ .key = "inputs", .type = T_OTHER },   { .key = "outputs", .type = T_OTHER },
};

/* hazard and severity: parse_gpio_input (the default depends on the line) */
static const struct field gpio_in_fields[] = {
	{ FIELD(struct gpio_in_cfg, "name", T_ID, name, CF_REQUIRED) },
	{ FIELD(struct gpio_in_cfg, "chip", T_STR, chip, CF_REQUIRED) },
	{ FIELD(struct gpio_in_cfg, "line", T_INT, line, CF_REQUIRED), .min = 0, .max = 1023 },
	{ FIELD(struct gpio_in_cfg, "active_low", T_BOOL, active_low, 0) },
	{ FIELD(struct gpio_in_cfg, "bias", T_ENUM, bias, 0),
	  .choices = gpio_bias_name, .n_choices = GPIO_BIAS_COUNT, .what = "bias",
	  .def_str = "as-is" },
	{ FIELD(struct gpio_in_cfg, "debounce_ms", T_INT, debounce_ms, 0),
	  .min = 0, .max = 60000, .def = 50 },
	{ FIELD(struct gpio_in_cfg, "nc_supervision", T_BOOL, nc_supervision, 0) },
	{ FIELD(struct gpio_in_cfg, "device", T_ID, device, CF_REQUIRED) },
	{ .key = "hazard", .type = T_OTHER },
	{ .key = "severity", .type = T_OTHER },
};

/* safe_state: parse_gpio_output ("on"/"off" into a bool) */
static const struct field gpio_out_fields[] = {
	{ FIELD(struct gpio_out_cfg, "name", T_ID, name, CF_REQUIRED) },
	{ FIELD(struct gpio_out_cfg, "chip", T_STR, chip, CF_REQUIRED) },
	{ FIELD(struct gpio_out_cfg, "line", T_INT, line, CF_REQUIRED), .min = 0, .max = 1023 },
	{ FIELD(struct gpio_out_cfg, "active_low", T_BOOL, active_low, 0) },
	{ .key = "safe_state", .type = T_OTHER },
	{ FIELD(struct gpio_out_cfg, "mode", T_ENUM, mode, 0),
	  .choices = out_mode_name, .n_choices = OUT_MODE_COUNT, .what = "output mode",
	  .def_str = "latched" },
	{ FIELD(struct gpio_out_cfg, "pulse_ms", T_INT, pulse_ms, 0),
	  .min = 10, .max = 600000, .def = 1000 },
};

/* hazard and actions: parse_interlock */
static const struct field interlock_fields[] = {
	{ .key = "hazard", .type = T_OTHER },
	{ FIELD(struct interlock_cfg, "device", T_ID, device, CF_NONEMPTY) },
	{ FIELD(struct interlock_cfg, "site", T_ID, site, CF_NONEMPTY) },
	{ .key = "actions", .type = T_OTHER },
};

static const struct field action_fields[] = {
	{ .key = "output", .type = T_OTHER },   { .key = "set", .type = T_OTHER },
	{ .key = "device", .type = T_OTHER },   { .key = "latch", .type = T_OTHER },
};

/* ------------------------------------------------------------ gpio, interlocks */

/* A required-or-optional name out of a list; -1 when absent or wrong. */
int get_choice(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *what, const char *const *names, size_t n)
{
	char buf[ID_MAX], p[CFG_PATH_LEN], q[80], list[256];
	int idx;

	if (get_string(c, obj, opath, key, flags, NULL, buf, sizeof buf) != 1)
		return -1;
	idx = name_index(names, n, buf);
	if (idx < 0) {
		path_key(p, sizeof p, opath, key);
		cfg_err(c, member_line(c, obj, key), p, "unknown %s %s (expected %s)", what,
			quote(q, sizeof q, buf), join(list, sizeof list, names, n));
	}
	return idx;
}

/* Two claims on one line would fight over it (the kernel refuses the second). */
void check_line_free(struct ctx *c, const cJSON *it, const char *p,
			    const struct config *cfg, const char *chip, int line,
			    int n_in, int n_out)
{
	char lp[CFG_PATH_LEN];
	int j;

	path_key(lp, sizeof lp, p, "line");
	for (j = 0; j < n_in; j++)
		if (strcmp(cfg->inputs[j].chip, chip) == 0 && cfg->inputs[j].line == line)
			cfg_err(c, member_line(c, it, "line"), lp,
				"chip %s line %d is already used by $.gpio.inputs[%d]", chip, line, j);
	for (j = 0; j < n_out; j++)
		if (strcmp(cfg->outputs[j].chip, chip) == 0 && cfg->outputs[j].line == line)
			cfg_err(c, member_line(c, it, "line"), lp,
				"chip %s line %d is already used by $.gpio.outputs[%d]", chip, line, j);
}

void parse_gpio_input(struct ctx *c, const cJSON *it, const char *p,
			     struct config *cfg, int i)
{
	struct gpio_in_cfg *g = &cfg->inputs[i];
	char hp[CFG_PATH_LEN], q[80];
	int j, t;

	parse_fields(c, it, p, gpio_in_fields, ARRAY_LEN(gpio_in_fields), g);
	/* an NC loop that opens is a fault of the loop, whatever is wired to it */
	t = get_choice(c, it, p, "hazard", g->nc_supervision ? 0 : CF_REQUIRED,
		       "hazard type", hazard_type_name, HZ_TYPE_COUNT);
	path_key(hp, sizeof hp, p, "hazard");
	if (g->nc_supervision && t >= 0 && t != HZ_DETECTOR_FAULT)
		cfg_err(c, member_line(c, it, "hazard"), hp,
			"an nc_supervision input raises detector_fault; leave \"hazard\" out");
	g->hazard = g->nc_supervision ? HZ_DETECTOR_FAULT : (t < 0 ? HZ_GAS_LEAK : t);
	t = get_choice(c, it, p, "severity", 0, "severity", severity_name, 2);
	if (t >= 0)
		g->severity = t;
	else    /* a contact carries no level: the life-threatening kinds are major */
		g->severity = (g->hazard == HZ_GAS_LEAK || g->hazard == HZ_SMOKE_ALARM ||
			       g->hazard == HZ_CHARGER_OVERTEMP) ? SEV_MAJOR : SEV_GENERAL;
	if (g->device[0] && !config_find_device(cfg, g->device)) {
		path_key(hp, sizeof hp, p, "device");
		cfg_err(c, member_line(c, it, "device"), hp, "unknown device %s (not in $.devices)",
			quote(q, sizeof q, g->device));
	}
	for (j = 0; j < i; j++)
		if (g->name[0] && strcmp(cfg->inputs[j].name, g->name) == 0) {
			path_key(hp, sizeof hp, p, "name");
			cfg_err(c, member_line(c, it, "name"), hp,
				"duplicate input name %s (first at $.gpio.inputs[%d])",
				quote(q, sizeof q, g->name), j);
		}
	if (g->chip[0])
		check_line_free(c, it, p, cfg, g->chip, g->line, i, 0);
}

void parse_gpio_output(struct ctx *c, const cJSON *it, const char *p,
			      struct config *cfg, int i)
{
	struct gpio_out_cfg *g = &cfg->outputs[i];
	char hp[CFG_PATH_LEN], q[80];
	int j, t;

	parse_fields(c, it, p, gpio_out_fields, ARRAY_LEN(gpio_out_fields), g);
	t = get_choice(c, it, p, "safe_state", 0, "safe_state", on_off_name, 2);
	g->safe_on = t == 1;
	for (j = 0; j < i; j++)
		if (g->name[0] && strcmp(cfg->outputs[j].name, g->name) == 0) {
			path_key(hp, sizeof hp, p, "name");
			cfg_err(c, member_line(c, it, "name"), hp,
				"duplicate output name %s (first at $.gpio.outputs[%d])",
				quote(q, sizeof q, g->name), j);
		}
	if (g->chip[0])
		check_line_free(c, it, p, cfg, g->chip, g->line, cfg->n_inputs, i);
}

/* Devices are parsed first: an input names one. */
void parse_gpio(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *obj = get_object(c, root, "$", "gpio", 0), *arr, *it;
	char p[CFG_PATH_LEN];
	int i, n;

	if (!obj)
		return;
	check_keys(c, obj, "$.gpio", gpio_fields, ARRAY_LEN(gpio_fields));
	cfg->inputs = alloc_array(c, obj, "$.gpio", "inputs", sizeof *cfg->inputs, &arr, &n);
	if (!cfg->inputs)
		arr = NULL;
	if (n > MAX_GPIO_INPUTS)
		cfg_err(c, at_key(c, arr), "$.gpio.inputs", "too many inputs (%d), max %d", n,
			MAX_GPIO_INPUTS);
	i = 0;
	cJSON_ArrayForEach(it, arr) {
		path_index(p, sizeof p, "$.gpio.inputs", i);
		if (cJSON_IsObject(it))
			parse_gpio_input(c, it, p, cfg, i);
		else
			cfg_err(c, at_key(c, it), p, "expected object, got %s", json_type(it));
		i++;
	}
	cfg->n_inputs = i;
	cfg->outputs = alloc_array(c, obj, "$.gpio", "outputs", sizeof *cfg->outputs, &arr, &n);
	if (!cfg->outputs)
		arr = NULL;
	i = 0;
	cJSON_ArrayForEach(it, arr) {
		path_index(p, sizeof p, "$.gpio.outputs", i);
		if (cJSON_IsObject(it))
			parse_gpio_output(c, it, p, cfg, i);
		else
			cfg_err(c, at_key(c, it), p, "expected object, got %s", json_type(it));
		i++;
	}
	cfg->n_outputs = i;
}

int output_index(const struct config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->n_outputs; i++)
		if (strcmp(cfg->outputs[i].name, name) == 0)
			return i;
	return -1;
}

/* {"device": ID, "set": "on"|"off", "latch": bool}: a device command
 * (devcmd.c) instead of an output; latched unless "latch": false. */
void parse_device_action(struct ctx *c, const cJSON *it, const char *ap,
				const struct config *cfg, struct interlock_cfg *r, int on)
{
	char dp[CFG_PATH_LEN + 32], q[80], name[ID_MAX], why[160];
	const struct device_cfg *dev;
	struct device_cmd cmd;
	bool latch = true;

	path_key(dp, sizeof dp, ap, "device");
	if (cJSON_GetObjectItemCaseSensitive(it, "output")) {
		cfg_err(c, member_line(c, it, "output"), dp,
			"an action names either \"output\" or \"device\", not both");
		return;
	}
	get_bool(c, it, ap, "latch", 0, true, &latch);
	if (get_string(c, it, ap, "device", CF_REQUIRED, NULL, name, sizeof name) != 1)
		return;
	dev = config_find_device(cfg, name);
	if (!dev) {
		cfg_err(c, member_line(c, it, "device"), dp,
			"unknown device %s (not in $.devices)", quote(q, sizeof q, name));
		return;
	}
	if (device_cmd_no_relay(dev, why, sizeof why)) {
		cfg_err(c, member_line(c, it, "device"), dp, "%s", why);
		return;
	}
	if (device_cmd_build(dev, true, "hazardd", 0, &cmd, why, sizeof why) < 0) {
		cfg_err(c, member_line(c, it, "device"), dp, "device %s cannot be switched: %s",
			quote(q, sizeof q, name), why);
		return;
	}
	if (on < 0)
		return;
	r->action[r->n_actions].to_device = true;
	r->action[r->n_actions].device = (int)(dev - cfg->devices);
	r->action[r->n_actions].on = on == 1;
	r->action[r->n_actions].latch = latch;
	r->n_actions++;
}

void parse_actions(struct ctx *c, const cJSON *il, const char *p,
			  const struct config *cfg, struct interlock_cfg *r)
{
	const cJSON *arr = get_array(c, il, p, "actions", CF_REQUIRED), *it;
	char ap[CFG_PATH_LEN + 16], op[CFG_PATH_LEN + 32], q[80], name[ID_MAX];
	char arrp[CFG_PATH_LEN];
	int i = 0, o, on;

	if (!arr)
		return;
	path_key(arrp, sizeof arrp, p, "actions");
	if (cJSON_GetArraySize(arr) == 0)
		cfg_err(c, at_key(c, arr), p, "actions: must list at least one action");
	cJSON_ArrayForEach(it, arr) {
		path_index(ap, sizeof ap, arrp, i);
		i++;
		if (i > MAX_IL_ACTIONS) {
			cfg_err(c, at_key(c, it), ap, "too many actions, max %d", MAX_IL_ACTIONS);
			break;
		}
		if (!cJSON_IsObject(it)) {
			cfg_err(c, at_key(c, it), ap, "expected object, got %s", json_type(it));
			continue;
		}
		check_keys(c, it, ap, action_fields, ARRAY_LEN(action_fields));
		on = get_choice(c, it, ap, "set", CF_REQUIRED, "output state", on_off_name, 2);
		if (cJSON_GetObjectItemCaseSensitive(it, "device") ||
		    cJSON_GetObjectItemCaseSensitive(it, "latch")) {
			parse_device_action(c, it, ap, cfg, r, on);
			continue;
		}
		if (get_string(c, it, ap, "output", CF_REQUIRED, NULL, name, sizeof name) != 1)
			continue;
		o = output_index(cfg, name);
		if (o < 0) {
			path_key(op, sizeof op, ap, "output");
			cfg_err(c, member_line(c, it, "output"), op,
				"unknown output %s (not in $.gpio.outputs)", quote(q, sizeof q, name));
			continue;
		}
		if (on < 0)
			continue;
		r->action[r->n_actions].output = o;
		r->action[r->n_actions].on = on == 1;
		r->n_actions++;
	}
}

/* Outputs are parsed first: an action names one. */
void parse_interlocks(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *arr, *it;
	char p[CFG_PATH_LEN], kp[CFG_PATH_LEN], q[80];
	int i = 0, n, t;

	cfg->interlocks = alloc_array(c, root, "$", "interlocks", sizeof *cfg->interlocks, &arr, &n);
	if (!cfg->interlocks)
		return;
	cJSON_ArrayForEach(it, arr) {
		struct interlock_cfg *r = &cfg->interlocks[i];

		path_index(p, sizeof p, "$.interlocks", i);
		i++;
		if (!cJSON_IsObject(it)) {
			cfg_err(c, at_key(c, it), p, "expected object, got %s", json_type(it));
			continue;
		}
		parse_fields(c, it, p, interlock_fields, ARRAY_LEN(interlock_fields), r);
		t = get_choice(c, it, p, "hazard", CF_REQUIRED, "hazard type",
			       hazard_type_name, HZ_TYPE_COUNT);
		r->hazard = t < 0 ? 0 : t;
		if (r->device[0] && !config_find_device(cfg, r->device)) {
			path_key(kp, sizeof kp, p, "device");
			cfg_err(c, member_line(c, it, "device"), kp,
				"unknown device %s (not in $.devices)", quote(q, sizeof q, r->device));
		}
		if (r->site[0] && !config_find_site(cfg, r->site)) {
			path_key(kp, sizeof kp, p, "site");
			cfg_err(c, member_line(c, it, "site"), kp,
				"unknown site %s (not in $.sites)", quote(q, sizeof q, r->site));
		}
		parse_actions(c, it, p, cfg, r);
	}
	cfg->n_interlocks = i;
}

