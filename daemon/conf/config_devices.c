/*
 * config_devices.c: $.sites and $.devices: ids, kinds, formats (the
 * format table's names), topics checked against their format's topic forms
 * (the format's check_topic), per-device rules, flood limits and hardware
 * (gas, relay, generation for the formats that have one).
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

/* grid defaults to gateway.grid: filled in by parse_sites. */
static const struct field site_fields[] = {
	{ FIELD(struct site_cfg, "id", T_ID, id, CF_REQUIRED) },
	{ FIELD(struct site_cfg, "kind", T_ENUM, kind, CF_REQUIRED),
	  .choices = site_kind_name, .n_choices = SITE_KIND_COUNT, .what = "site kind" },
	{ FIELD(struct site_cfg, "name", T_STR, name, 0) },
	{ FIELD(struct site_cfg, "address", T_STR, address, 0) },
	{ FIELD(struct site_cfg, "grid", T_STR, grid, 0) },
	{ .key = "people", .type = T_OTHER },   /* parse_site_people */
};

static const struct field device_fields[] = {
	{ FIELD_POOLED(struct device_cfg, "id", T_ID, id, CF_REQUIRED | CF_UNIQUE,
		       ID_MAX) },
	{ FIELD(struct device_cfg, "kind", T_ENUM, kind, CF_REQUIRED),
	  .choices = device_kind_name, .n_choices = DEV_KIND_COUNT, .what = "device kind" },
	{ FIELD_POOLED(struct device_cfg, "site", T_STR, site, CF_REQUIRED, ID_MAX) },
	{ FIELD_POOLED(struct device_cfg, "topic", T_STR, topic, CF_REQUIRED | CF_UNIQUE,
		       TOPIC_MAX) },
	/* choices: the format table's names (device_fields_now) */
	{ FIELD_POOLED(struct device_cfg, "format", T_CHOICE, format, 0, 16),
	  .what = "format", .def_str = "native" },
	{ FIELD(struct device_cfg, "heartbeat_s", T_INT, heartbeat_s, 0),
	  .min = 0, .max = 604800, .def = 3600 },
	{ .key = "rules", .type = T_OTHER },    /* parse_device_rules */
	{ FIELD(struct device_cfg, "confirm_s", T_INT, confirm_s, 0),
	  .min = 1, .max = 3600, .def = 10 },
	{ .key = "flood", .type = T_OTHER },    /* parse_device_flood */
	{ .key = "gas", .type = T_OTHER },      /* parse_device_hw: gas detectors only */
	{ .key = "relay", .type = T_OTHER },    /* parse_device_hw: default by kind */
	{ .key = "gen", .type = T_OTHER },      /* check_device_topic: formats with gens */
	/* parse_device_register: the site register's device keys */
	{ .key = "model", .type = T_OTHER },
	{ .key = "installed", .type = T_OTHER },
	{ .key = "sensor_life_y", .type = T_OTHER },
	{ .key = "calibration_due", .type = T_OTHER },
};

/* device_fields with the format table's names (formats.c) as the choices
 * of "format": the table is the one list of formats. */
static void device_fields_now(struct field *f, const char **names)
{
	size_t i;

	memcpy(f, device_fields, sizeof device_fields);
	for (i = 0; i < ARRAY_LEN(device_fields); i++) {
		if (strcmp(f[i].key, "format") == 0) {
			f[i].choices = names;
			f[i].n_choices = (size_t)format_names(names, FORMATS_MAX);
		}
	}
}

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
		if (cJSON_IsObject(it)) {
			parse_fields(c, it, p, site_fields, ARRAY_LEN(site_fields), s);
			parse_site_people(c, it, p, cfg, i);
		} else
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
	d->own_rules = true;
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

/* "applies to format shelly only": the formats that take "gen". */
static const char *formats_with_gens(char *buf, size_t size)
{
	const struct device_format *fmt;
	size_t o = 0;
	int i, n = 0;

	buf[0] = '\0';
	for (i = 0; (fmt = format_at(i)) != NULL && o < size; i++)
		if (fmt->gens > 0)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", n++ ? " or " : "",
					      fmt->name);
	return buf;
}

/* The shape each format's adapter reads (docs/devices.md): what every
 * format shares here, the rest is the format's check_topic, whose refusal
 * names the expected shape.  Runs before the duplicate-topic check so a
 * derived topic (Shelly Gen2's) is compared too. */
void check_device_topic(struct ctx *c, const cJSON *it, const char *p,
			       struct device_cfg *d)
{
	const struct device_format *fmt = format_find(d->format);
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(it, "gen");
	char tp[CFG_PATH_LEN], gp[CFG_PATH_LEN], kp[CFG_PATH_LEN], q[96], why[512];
	char derived[TOPIC_MAX];
	const char *key = "topic";
	int line = member_line(c, it, "topic"), gen = 0;

	path_key(tp, sizeof tp, p, "topic");
	path_key(gp, sizeof gp, p, "gen");
	d->gen = 0;
	if (g && (!fmt || fmt->gens == 0))
		cfg_err(c, member_line(c, it, "gen"), gp,
			"\"gen\" applies to format %s only, not to %s",
			formats_with_gens(why, sizeof why), d->format);
	if (!d->topic[0])
		return;         /* missing or wrong type: reported */
	if (strpbrk(d->topic, "+#")) {
		cfg_err(c, line, tp, "topic %s must not contain MQTT wildcards (+ or #): "
			"name the device's own topic", quote(q, sizeof q, d->topic));
		return;
	}
	if (!fmt)
		return;
	if (g && fmt->gens > 0 && val_int(c, g, gp, 1, fmt->gens, &gen) < 0)
		return;
	if (!fmt->check_topic) {
		d->gen = gen;
		return;
	}
	derived[0] = '\0';
	if (fmt->check_topic(d, gen, quote(q, sizeof q, d->topic), derived, &key, why,
			     sizeof why) < 0) {
		path_key(kp, sizeof kp, p, key);
		cfg_err(c, member_line(c, it, key), kp, "%s", why);
	} else if (derived[0]) {
		d->topic = cfg_copy(c, derived);
	}
}

/* Sites are parsed first: a device must name one. */
void parse_device(struct ctx *c, const cJSON *it, const char *p,
			 struct config *cfg, int i)
{
	struct device_cfg *d = &cfg->devices[i];
	struct field fields[ARRAY_LEN(device_fields)];
	const char *formats[FORMATS_MAX];
	char idp[CFG_PATH_LEN], sitep[CFG_PATH_LEN], topicp[CFG_PATH_LEN], q[80];
	int j;

	device_fields_now(fields, formats);
	parse_fields(c, it, p, fields, ARRAY_LEN(fields), d);
	parse_device_rules(c, it, p, cfg, d);
	parse_device_flood(c, it, p, cfg, d);
	parse_device_hw(c, it, p, d);
	parse_device_register(c, it, p, d);
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
	/* every string "" before any is read: a device that is no object
	 * keeps them, and the checks of later devices compare with it */
	for (i = 0; i < n; i++)
		cfg->devices[i] = (struct device_cfg)DEVICE_CFG_BLANK;
	i = 0;
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

