/*
 * config_devices.c: $.sites and $.devices: ids, kinds, topics checked
 * against their format's topic forms, per-device rules, flood limits and
 * hardware (gas, relay, Shelly generation).
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

static const char *const device_format_name[] = {
	"native", "zigbee2mqtt", "tasmota", "shelly"
};

/* grid defaults to gateway.grid: filled in by parse_sites. */
static const struct field site_fields[] = {
	{ FIELD(struct site_cfg, "id", T_ID, id, CF_REQUIRED) },
	{ FIELD(struct site_cfg, "kind", T_ENUM, kind, CF_REQUIRED),
	  .choices = site_kind_name, .n_choices = SITE_KIND_COUNT, .what = "site kind" },
	{ FIELD(struct site_cfg, "name", T_STR, name, 0) },
	{ FIELD(struct site_cfg, "address", T_STR, address, 0) },
	{ FIELD(struct site_cfg, "grid", T_STR, grid, 0) },
};

static const struct field device_fields[] = {
	{ FIELD(struct device_cfg, "id", T_ID, id, CF_REQUIRED) },
	{ FIELD(struct device_cfg, "kind", T_ENUM, kind, CF_REQUIRED),
	  .choices = device_kind_name, .n_choices = DEV_KIND_COUNT, .what = "device kind" },
	{ FIELD(struct device_cfg, "site", T_STR, site, CF_REQUIRED) },
	{ FIELD(struct device_cfg, "topic", T_STR, topic, CF_REQUIRED) },
	{ FIELD(struct device_cfg, "format", T_CHOICE, format, 0),
	  CHOICES(device_format_name, "format"), .def_str = "native" },
	{ FIELD(struct device_cfg, "heartbeat_s", T_INT, heartbeat_s, 0),
	  .min = 0, .max = 604800, .def = 3600 },
	{ .key = "rules", .type = T_OTHER },    /* parse_device_rules */
	{ FIELD(struct device_cfg, "confirm_s", T_INT, confirm_s, 0),
	  .min = 1, .max = 3600, .def = 10 },
	{ .key = "flood", .type = T_OTHER },    /* parse_device_flood */
	{ .key = "gas", .type = T_OTHER },      /* parse_device_hw: gas detectors only */
	{ .key = "relay", .type = T_OTHER },    /* parse_device_hw: default by kind */
	{ .key = "gen", .type = T_OTHER },      /* check_shelly_topic: Shelly only */
};

void parse_sites(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *arr, *it;
	char p[CFG_PATH_LEN], idp[CFG_PATH_LEN], q[80];
	int i = 0, j, n;

	cfg->sites = alloc_array(c, root, "$", "sites", sizeof *cfg->sites, &arr, &n);
	if (!cfg->sites)
		return;
	cJSON_ArrayForEach(it, arr) {
		struct site_cfg *s = &cfg->sites[i];

		path_index(p, sizeof p, "$.sites", i);
		if (cJSON_IsObject(it))
			parse_fields(c, it, p, site_fields, ARRAY_LEN(site_fields), s);
		else
			cfg_err(c, at_key(c, it), p, "expected object, got %s", json_type(it));
		if (!s->grid[0])
			strlcpy_hz(s->grid, cfg->gateway.grid, sizeof s->grid);
		for (j = 0; s->id[0] && j < i; j++) {
			if (strcmp(cfg->sites[j].id, s->id) == 0) {
				path_key(idp, sizeof idp, p, "id");
				cfg_err(c, member_line(c, it, "id"), idp,
					"duplicate site id %s (first at $.sites[%d])",
					quote(q, sizeof q, s->id), j);
				break;
			}
		}
		i++;
	}
	cfg->n_sites = i;
}

/* A device's rules: its kind's, then its own "rules" object on top. */
void parse_device_rules(struct ctx *c, const cJSON *dev, const char *dpath,
			       struct config *cfg, struct device_cfg *d)
{
	const cJSON *obj = get_object(c, dev, dpath, "rules", 0);
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(dev, "kind");
	char p[CFG_PATH_LEN];

	/* An unknown kind is reported already; its rules cannot be judged. */
	if (!cJSON_IsString(kind) ||
	    name_index(device_kind_name, DEV_KIND_COUNT, kind->valuestring) < 0)
		return;
	d->rules = cfg->kind_rules[d->kind];
	if (!obj)
		return;
	path_key(p, sizeof p, dpath, "rules");
	parse_rule_params(c, obj, p, d->kind, &d->rules);
}

/* $.flood, then the device's own "flood" object on top. */
void parse_device_flood(struct ctx *c, const cJSON *dev, const char *dpath,
			       const struct config *cfg, struct device_cfg *d)
{
	const cJSON *obj = get_object(c, dev, dpath, "flood", 0);
	char p[CFG_PATH_LEN];

	d->flood.rate_per_s = cfg->flood.rate_per_s;
	d->flood.burst = cfg->flood.burst;
	if (!obj)
		return;
	path_key(p, sizeof p, dpath, "flood");
	check_keys(c, obj, p, flood_fields, flood_fields_n);
	get_double(c, obj, p, "rate_per_s", 0, cfg->flood.rate_per_s, 0, 100000,
		   &d->flood.rate_per_s);
	get_int(c, obj, p, "burst", 0, cfg->flood.burst, 1, 100000, &d->flood.burst);
}

int get_choice(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *what, const char *const *names, size_t n);

/*
 * What the device is beyond its kind: a gas detector's gas, and whether it
 * has a relay that commands may switch.  Chargers are fed through a plug
 * or contactor (relay by default); a detector has one only when the config
 * says so, because a command to a device without one can never be
 * confirmed and its command_failed could never be cleared.
 */
void parse_device_hw(struct ctx *c, const cJSON *it, const char *p,
			    struct device_cfg *d)
{
	char kp[CFG_PATH_LEN];
	int t;

	d->gas = GAS_NATURAL;
	if (cJSON_GetObjectItemCaseSensitive(it, "gas")) {
		t = get_choice(c, it, p, "gas", 0, "gas", gas_kind_name, GAS_KIND_COUNT);
		path_key(kp, sizeof kp, p, "gas");
		if (d->kind != DEV_GAS_DETECTOR)
			cfg_err(c, member_line(c, it, "gas"), kp,
				"\"gas\" applies to a gas_detector only, not to a %s",
				device_kind_name[d->kind]);
		else if (t >= 0)
			d->gas = t;
	}
	get_bool(c, it, p, "relay", 0, d->kind == DEV_EBIKE_CHARGER, &d->relay);
}

bool topic_ends(const char *t, const char *suffix)
{
	size_t n = strlen(t), k = strlen(suffix);

	return n >= k && strcmp(t + n - k, suffix) == 0;
}

/* zigbee2mqtt/<friendly name> (or the bridge's own base_topic/<name>): the
 * device's state topic, not the bridge's, nor a command or availability. */
void check_z2m_topic(struct ctx *c, int line, const char *tp, const char *t)
{
	static const char *const not_state[] = { "/set", "/get", "/availability" };
	const char *slash = strchr(t, '/');
	char q[96];
	size_t i;

	if (!slash || slash == t || !slash[1] || t[strlen(t) - 1] == '/') {
		cfg_err(c, line, tp, "topic %s is not a zigbee2mqtt device topic "
			"(expected zigbee2mqtt/<friendly name>)", quote(q, sizeof q, t));
		return;
	}
	if (strcmp(slash + 1, "bridge") == 0 || strncmp(slash + 1, "bridge/", 7) == 0) {
		cfg_err(c, line, tp, "topic %s is the zigbee2mqtt bridge's, not a device's "
			"(expected zigbee2mqtt/<friendly name>)", quote(q, sizeof q, t));
		return;
	}
	for (i = 0; i < ARRAY_LEN(not_state); i++)
		if (topic_ends(t, not_state[i]))
			cfg_err(c, line, tp, "topic %s ends in %s: configure the device's state "
				"topic (expected zigbee2mqtt/<friendly name>; %s is derived)",
				quote(q, sizeof q, t), not_state[i], not_state[i]);
}

/* tele/<topic>/SENSOR; a custom FullTopic elsewhere is taken as it is
 * (subscribed alone, not switchable), but not one of the default
 * FullTopic's other topics, which would never carry the sensor data. */
void check_tasmota_topic(struct ctx *c, int line, const char *tp, const char *t)
{
	char q[96];
	bool tele = strncmp(t, "tele/", 5) == 0;

	if ((tele && (!topic_ends(t, "/SENSOR") || strlen(t) <= strlen("tele//SENSOR"))) ||
	    strncmp(t, "cmnd/", 5) == 0 || strncmp(t, "stat/", 5) == 0)
		cfg_err(c, line, tp, "topic %s is not a Tasmota sensor topic "
			"(expected tele/<topic>/SENSOR)", quote(q, sizeof q, t));
}

/*
 * Shelly: Gen1 reports below "shellies/<id>", Gen2 (Plus, Pro) on
 * "<id>/status/switch:0", and they take commands in different ways, so
 * the generation must be known, never guessed: from the topic's shape,
 * or "gen" for a bare "<id>" (Gen2: its status topic is derived).
 */
void check_shelly_topic(struct ctx *c, const cJSON *it, const char *p,
			       struct device_cfg *d)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(it, "gen");
	char tp[CFG_PATH_LEN], gp[CFG_PATH_LEN], q[96];
	char *t = d->topic;
	const char *st = strstr(t, "/status/");
	int line = member_line(c, it, "topic"), gen = 0;

	path_key(tp, sizeof tp, p, "topic");
	path_key(gp, sizeof gp, p, "gen");
	if (g && val_int(c, g, gp, 1, 2, &gen) < 0)
		return;
	if (strncmp(t, "shellies/", 9) == 0) {
		if (!t[9] || strchr(t + 9, '/'))
			cfg_err(c, line, tp, "topic %s is not a Shelly Gen1 device topic "
				"(expected shellies/<id>)", quote(q, sizeof q, t));
		else if (gen == 2)
			cfg_err(c, member_line(c, it, "gen"), gp, "topic %s is a Gen1 topic "
				"(shellies/<id>); a Gen2 device's is <id>/status/switch:0",
				quote(q, sizeof q, t));
		d->gen = 1;
		return;
	}
	if (st) {
		if (st == t || strcmp(st, "/status/switch:0") != 0)
			cfg_err(c, line, tp, "topic %s is not a Shelly Gen2 status topic "
				"(expected <id>/status/switch:0)", quote(q, sizeof q, t));
		else if (gen == 1)
			cfg_err(c, member_line(c, it, "gen"), gp, "topic %s is a Gen2 topic "
				"(<id>/status/switch:0); a Gen1 device's is shellies/<id>",
				quote(q, sizeof q, t));
		d->gen = 2;
		return;
	}
	if (topic_ends(t, "/rpc") || topic_ends(t, "/online") || topic_ends(t, "/events") ||
	    t[strlen(t) - 1] == '/') {
		cfg_err(c, line, tp, "topic %s is not a Shelly device topic (expected "
			"<id>/status/switch:0 for Gen2, shellies/<id> for Gen1)",
			quote(q, sizeof q, t));
		return;
	}
	if (gen == 1) {
		cfg_err(c, line, tp, "topic %s is not a Shelly Gen1 device topic "
			"(expected shellies/<id>)", quote(q, sizeof q, t));
		return;
	}
	if (gen != 2) {
		cfg_err(c, line, tp, "topic %s is a bare prefix: a Gen2 (Plus, Pro) device "
			"needs \"gen\": 2 (its status is read from %.*s/status/switch:0), or "
			"use that full topic; Gen1 devices are shellies/<id>",
			quote(q, sizeof q, t), 64, t);
		return;
	}
	if (strlen(t) + strlen("/status/switch:0") >= sizeof d->topic) {
		cfg_err(c, line, tp, "topic %s is too long to derive "
			"<prefix>/status/switch:0 (max %zu bytes)", quote(q, sizeof q, t),
			sizeof d->topic - 1);
		return;
	}
	strcat(t, "/status/switch:0");
	d->gen = 2;
}

/* The shape each format's adapter reads (docs/devices.md); each refusal
 * names the expected shape.  Runs before the duplicate-topic check so a
 * derived Shelly topic is compared too. */
void check_device_topic(struct ctx *c, const cJSON *it, const char *p,
			       struct device_cfg *d)
{
	char tp[CFG_PATH_LEN], q[96];
	int line = member_line(c, it, "topic");

	path_key(tp, sizeof tp, p, "topic");
	d->gen = 0;
	if (strcmp(d->format, "shelly") != 0 && cJSON_GetObjectItemCaseSensitive(it, "gen")) {
		char gp[CFG_PATH_LEN];

		path_key(gp, sizeof gp, p, "gen");
		cfg_err(c, member_line(c, it, "gen"), gp,
			"\"gen\" applies to format shelly only, not to %s", d->format);
	}
	if (!d->topic[0])
		return;         /* missing or wrong type: reported */
	if (strpbrk(d->topic, "+#")) {
		cfg_err(c, line, tp, "topic %s must not contain MQTT wildcards (+ or #): "
			"name the device's own topic", quote(q, sizeof q, d->topic));
		return;
	}
	if (strcmp(d->format, "zigbee2mqtt") == 0)
		check_z2m_topic(c, line, tp, d->topic);
	else if (strcmp(d->format, "tasmota") == 0)
		check_tasmota_topic(c, line, tp, d->topic);
	else if (strcmp(d->format, "shelly") == 0)
		check_shelly_topic(c, it, p, d);
}

/* Sites are parsed first: a device must name one. */
void parse_device(struct ctx *c, const cJSON *it, const char *p,
			 struct config *cfg, int i)
{
	struct device_cfg *d = &cfg->devices[i];
	char idp[CFG_PATH_LEN], sitep[CFG_PATH_LEN], topicp[CFG_PATH_LEN], q[80];
	int j;

	parse_fields(c, it, p, device_fields, ARRAY_LEN(device_fields), d);
	parse_device_rules(c, it, p, cfg, d);
	parse_device_flood(c, it, p, cfg, d);
	parse_device_hw(c, it, p, d);
	check_device_topic(c, it, p, d);
	path_key(idp, sizeof idp, p, "id");
	path_key(sitep, sizeof sitep, p, "site");
	path_key(topicp, sizeof topicp, p, "topic");
	if (d->site[0] && !config_find_site(cfg, d->site))
		cfg_err(c, member_line(c, it, "site"), sitep, "unknown site %s (not in $.sites)",
			quote(q, sizeof q, d->site));
	/* Tens to hundreds of devices per gateway: quadratic is fine. */
	for (j = 0; j < i; j++) {
		if (d->id[0] && strcmp(cfg->devices[j].id, d->id) == 0)
			cfg_err(c, member_line(c, it, "id"), idp,
				"duplicate device id %s (first at $.devices[%d])",
				quote(q, sizeof q, d->id), j);
		if (d->topic[0] && strcmp(cfg->devices[j].topic, d->topic) == 0)
			cfg_err(c, member_line(c, it, "topic"), topicp,
				"topic %s is already used by $.devices[%d]",
				quote(q, sizeof q, d->topic), j);
	}
}

void parse_devices(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *arr, *it;
	char p[CFG_PATH_LEN];
	int i = 0, n;

	cfg->devices = alloc_array(c, root, "$", "devices", sizeof *cfg->devices, &arr, &n);
	if (!cfg->devices)
		return;
	cJSON_ArrayForEach(it, arr) {
		path_index(p, sizeof p, "$.devices", i);
		if (cJSON_IsObject(it))
			parse_device(c, it, p, cfg, i);
		else
			cfg_err(c, at_key(c, it), p, "expected object, got %s", json_type(it));
		i++;
	}
	cfg->n_devices = i;
}

