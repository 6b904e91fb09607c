/*
 * config.c: load and validate the JSON config; look up sites and devices.
 *
 * Strict on purpose: an unknown key, a wrong type or a value out of range
 * is an error, never silently ignored, because a typo in "lel_high" on a
 * gas detector would otherwise leave the default threshold in force.  Every
 * problem is collected (not only the first) as one line
 * "FILE:LINE: $.json.path: message"; cJSON parses, config_lines.c finds the
 * lines.  Tables drive it: struct field rows for the fixed sections and the
 * rule_defs rows for rule parameters are parser, defaults and validation at
 * once (Redis createIntConfig, Fluent Bit config_map).
 *
 * This file holds the root, the links and loading; config_engine.c the
 * parser's engine; config_<section>.c the larger sections.
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

static const char *const log_level_name[] = { "error", "warn", "info", "debug" };

static const struct field root_fields[] = {
	{ .key = "gateway", .type = T_OTHER },   { .key = "storage", .type = T_OTHER },
	{ .key = "local", .type = T_OTHER },     { .key = "upstream", .type = T_OTHER },
	{ .key = "control", .type = T_OTHER },   { .key = "log", .type = T_OTHER },
	{ .key = "daemon", .type = T_OTHER },
	{ .key = "sites", .type = T_OTHER },     { .key = "devices", .type = T_OTHER },
	{ .key = "rules", .type = T_OTHER },     { .key = "deadlines", .type = T_OTHER },
	{ .key = "gpio", .type = T_OTHER },      { .key = "interlocks", .type = T_OTHER },
	{ .key = "flood", .type = T_OTHER },     { .key = "discovery", .type = T_OTHER },
	{ .key = "priorities", .type = T_OTHER },
	{ .key = "summary", .type = T_OTHER },     { .key = "records", .type = T_OTHER },
	{ .key = "rule_overrides", .type = T_OTHER },
	{ .key = "coverage", .type = T_OTHER },    { .key = "selfcheck", .type = T_OTHER },
	{ .key = "http", .type = T_OTHER },
	{ .key = "_template", .type = T_OTHER },
	{ .key = "alerts", .type = T_OTHER },
};

/* The platform's set-rules (rule_overrides.c): strict unless allowed. */
static const struct field rule_overrides_fields[] = {
	{ CFG("allow_widen", T_BOOL, overrides_allow_widen, 0), .def = 0 },
};

/* Device flood control (flood.c); a device's own "flood" overrides it. */
const struct field flood_fields[] = {
	{ CFG("rate_per_s", T_DBL, flood.rate_per_s, 0), .min = 0, .max = 100000, .def = 0 },
	{ CFG("burst", T_INT, flood.burst, 0), .min = 1, .max = 100000, .def = 20 },
};

/* Unknown senders (unknown.c, discovery.c). */
static const struct field discovery_fields[] = {
	{ CFG("enabled", T_BOOL, discovery.enabled, 0), .def = 1 },
	{ CFG("max_entries", T_INT, discovery.max_entries, 0), .min = 1, .max = 4096, .def = 128 },
};

static const struct field gateway_fields[] = {
	{ CFG("id", T_ID, gateway.id, CF_REQUIRED) },
	{ CFG("district", T_ID, gateway.district, CF_REQUIRED) },
	{ CFG("grid", T_STR, gateway.grid, 0) },
};

static const struct field storage_fields[] = {
	{ CFG("path", T_STR, storage.path, CF_REQUIRED) },
	{ CFG("max_mb", T_INT, storage.max_mb, 0), .min = 1, .max = 1048576, .def = 256 },
	{ CFG("max_readings", T_INT, storage.max_readings, 0),
	  .min = 1000, .max = 100000000, .def = 1000000 },
};

/* client_id defaults to "hazardd-<gateway.id>": filled in after parsing. */
static const struct field local_fields[] = {
	{ CFG("uri", T_URI, local.uri, CF_REQUIRED) },
	{ CFG("client_id", T_STR, local.client_id, CF_NONEMPTY) },
	{ CFG("username", T_STR, local.username, 0) },
	{ CFG("password_file", T_STR, local.password_file, 0) },
	{ CFG("max_payload", T_INT, local.max_payload, 0), .min = 64, .max = 1048576, .def = 4096 },
	{ CFG("queue_len", T_INT, local.queue_len, 0), .min = 16, .max = 1048576, .def = 8192 },
	/* the intake session (docs/intake.md): messages waiting for their
	 * commit, the largest packet taken, the keepalive */
	{ CFG("max_unacked", T_INT, local.max_unacked, 0), .min = 16, .max = 65535, .def = 1024 },
	/* default: MQTT's largest, as the broker may pass anything on; a
	 * smaller value must be paired with the broker's max_packet_size */
	{ CFG("max_packet", T_INT, local.max_packet, 0), .min = 1024, .max = 268435455,
	  .def = 268435455 },
	{ CFG("keepalive_s", T_INT, local.keepalive_s, 0), .min = 5, .max = 3600, .def = 30 },
};

static const struct field upstream_fields[] = {
	{ .key = "uris", .type = T_OTHER },     /* parse_uris */
	{ CFG("client_id", T_STR, upstream.client_id, CF_NONEMPTY) },
	{ CFG("username", T_STR, upstream.username, 0) },
	{ CFG("password_file", T_STR, upstream.password_file, 0) },
	{ CFG("ca_file", T_STR, upstream.ca_file, 0) },
	{ CFG("cert_file", T_STR, upstream.cert_file, 0) },
	{ CFG("key_file", T_STR, upstream.key_file, 0) },
	{ CFG("allow_insecure", T_BOOL, upstream.allow_insecure, 0) },
	{ CFG("inflight", T_INT, upstream.inflight, 0), .min = 1, .max = 1000, .def = 64 },
	{ CFG("telemetry_batch", T_INT, upstream.telemetry_batch, 0),
	  .min = 1, .max = 10000, .def = 100 },
	{ CFG("telemetry_interval_s", T_INT, upstream.telemetry_interval_s, 0),
	  .min = 1, .max = 86400, .def = 10 },
	{ CFG("status_interval_s", T_INT, upstream.status_interval_s, 0),
	  .min = 10, .max = 86400, .def = 300 },
	{ CFG("command_key_file", T_STR, upstream.command_key_file, 0) },
	{ CFG("command_window_s", T_INT, upstream.command_window_s, 0),
	  .min = 10, .max = 86400, .def = 300 },
};

static const struct field control_fields[] = {
	{ CFG("socket", T_STR, control.socket, CF_NONEMPTY),
	  .def_str = "/run/hazardd/control.sock" },
};

static const struct field log_fields[] = {
	{ CFG("level", T_CHOICE, log.level, 0), CHOICES(log_level_name, "log level"),
	  .def_str = "info" },
};

/* privdrop.c: the user to become when started as root outside systemd */
static const struct field daemon_fields[] = {
	{ CFG("user", T_ID, daemon.user, 0) },
};

/* The daily summary: checked by check_summary. */
static const struct field summary_fields[] = {
	{ CFG("time", T_STR, summary.time, CF_NONEMPTY), .def_str = "18:00" },
	/* absent: the system's zone (check_summary), never silently UTC */
	{ CFG("timezone", T_STR, summary.timezone, CF_NONEMPTY), .def_str = "" },
};

static const struct field deadline_fields[] = {
	{ CFG("major_h", T_DBL, deadlines.major_h, CF_MIN_EXCL), .min = 0, .max = 8760, .def = 24 },
	{ CFG("general_h", T_DBL, deadlines.general_h, CF_MIN_EXCL),
	  .min = 0, .max = 8760, .def = 168 },
	{ CFG("recurrence_window_h", T_DBL, deadlines.recurrence_window_h, 0),
	  .min = 0, .max = 87600, .def = 720 },
	{ .key = "types", .type = T_OTHER },    /* parse_lifecycle */
};

const size_t flood_fields_n = ARRAY_LEN(flood_fields);

/* ------------------------------------------------------------ sections */

void parse_uris(struct ctx *c, const cJSON *up, struct config *cfg)
{
	const cJSON *arr = get_array(c, up, "$.upstream", "uris", CF_REQUIRED), *it;
	char p[CFG_PATH_LEN];
	int i = 0, n;

	if (!arr)
		return;
	n = cJSON_GetArraySize(arr);
	if (n == 0)
		cfg_err(c, at_key(c, arr), "$.upstream.uris", "must list at least one URI");
	else if (n > MAX_URIS)
		cfg_err(c, at_key(c, arr), "$.upstream.uris", "too many URIs (%d), max %d",
			n, MAX_URIS);
	cJSON_ArrayForEach(it, arr) {
		if (i == MAX_URIS)
			break;
		path_index(p, sizeof p, "$.upstream.uris", i);
		if (val_string(c, it, p, CF_REQUIRED, cfg->upstream.uris[i], TOPIC_MAX) == 1)
			check_uri(c, at_key(c, it), p, cfg->upstream.uris[i]);
		i++;
	}
	cfg->upstream.n_uris = i;
}

/*
 * Hazard records cross the district's network: plaintext is refused unless
 * the broker is on this machine or the config says so explicitly.  Runs
 * after the section's fields so allow_insecure is known.
 */
void check_insecure(struct ctx *c, const cJSON *up, struct config *cfg)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(up, "uris"), *it;
	char p[CFG_PATH_LEN], q[80];
	int i = 0;

	if (!arr || cfg->upstream.allow_insecure)
		return;
	cJSON_ArrayForEach(it, arr) {
		const char *u;

		if (i == cfg->upstream.n_uris)
			break;
		u = cfg->upstream.uris[i];
		path_index(p, sizeof p, "$.upstream.uris", i);
		/* a malformed URI was reported already */
		if (strstr(u, "://") && !uri_is_tls(u) && !uri_is_loopback(u))
			cfg_err(c, at_key(c, it), p, "plaintext URI %s to a host that is not "
				"local: use ssl:// (or set \"allow_insecure\": true)",
				quote(q, sizeof q, u));
		i++;
	}
}

/* Stable per gateway: the local broker keeps our persistent session by it. */
void default_client_id(struct ctx *c, const cJSON *obj, const char *opath,
			      char *dst, const char *gateway_id)
{
	char p[CFG_PATH_LEN];

	if (!obj || dst[0] || !gateway_id[0])
		return;         /* set, or the section / gateway.id already failed */
	if (snprintf(dst, ID_MAX, "hazardd-%s", gateway_id) >= ID_MAX) {
		path_key(p, sizeof p, opath, "client_id");
		cfg_err(c, at_open(c, obj), p,
			"default \"hazardd-<gateway.id>\" is longer than %d bytes; set client_id",
			ID_MAX - 1);
		dst[0] = '\0';
	}
}

/* bind() would fail much later, with a less helpful message. */
void check_socket_path(struct ctx *c, const cJSON *ctl, const struct config *cfg)
{
	size_t n = strlen(cfg->control.socket);
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (n > max)
		cfg_err(c, member_line(c, ctl, "socket"), "$.control.socket",
			"too long for a Unix socket (%zu bytes, max %zu)", n, max);
}

/* $.summary: a local time of day, and a zone that exists (summary.c). */
void check_summary(struct ctx *c, const cJSON *obj, struct config *cfg)
{
	char why[200], q[40];

	/* empty: a wrong type, already reported */
	if (cfg->summary.time[0] &&
	    localtime_parse_hhmm(cfg->summary.time, &cfg->summary.minutes) < 0)
		cfg_err(c, member_line(c, obj, "time"), "$.summary.time",
			"%s is not a local time HH:MM (00:00 to 23:59)",
			quote(q, sizeof q, cfg->summary.time));
	if (cfg->summary.timezone[0] &&
	    !localtime_zone_valid(cfg->summary.timezone, why, sizeof why))
		cfg_err(c, member_line(c, obj, "timezone"), "$.summary.timezone", "%s", why);
	/* absent (not a wrong type): the gateway's own zone, else UTC, and
	 * main.c logs which */
	if (!cJSON_GetObjectItemCaseSensitive(obj, "timezone")) {
		const char *from = localtime_system_zone(cfg->summary.timezone,
							 sizeof cfg->summary.timezone);

		if (!from) {
			strlcpy_hz(cfg->summary.timezone, "UTC", sizeof cfg->summary.timezone);
			from = "no system zone";
		}
		strlcpy_hz(cfg->summary.timezone_from, from,
			   sizeof cfg->summary.timezone_from);
	}
}

/* Order matters: defaults depend on gateway, devices on sites and rules. */
void parse_root(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *obj;

	check_keys(c, root, "$", root_fields, ARRAY_LEN(root_fields));
	get_bool(c, root, "$", "_template", 0, false, &cfg->is_template);
	parse_section(c, root, "gateway", CF_REQUIRED, gateway_fields,
		      ARRAY_LEN(gateway_fields), cfg);
	parse_section(c, root, "storage", CF_REQUIRED, storage_fields,
		      ARRAY_LEN(storage_fields), cfg);
	obj = parse_section(c, root, "local", CF_REQUIRED, local_fields,
			    ARRAY_LEN(local_fields), cfg);
	default_client_id(c, obj, "$.local", cfg->local.client_id, cfg->gateway.id);
	/* upstream is optional: a gateway that reports to no platform (a
	 * new install, a site that only wants its alarms and interlocks)
	 * keeps every record in its outbox, forwarded once an upstream is
	 * configured; a section given must name its brokers */
	obj = parse_section(c, root, "upstream", 0, upstream_fields,
			    ARRAY_LEN(upstream_fields), cfg);
	if (obj) {
		parse_uris(c, obj, cfg);
		check_insecure(c, obj, cfg);
	}
	default_client_id(c, obj, "$.upstream", cfg->upstream.client_id, cfg->gateway.id);
	obj = parse_section(c, root, "control", 0, control_fields,
			    ARRAY_LEN(control_fields), cfg);
	check_socket_path(c, obj, cfg);
	parse_section(c, root, "log", 0, log_fields, ARRAY_LEN(log_fields), cfg);
	parse_section(c, root, "daemon", 0, daemon_fields, ARRAY_LEN(daemon_fields), cfg);
	parse_section(c, root, "deadlines", 0, deadline_fields, ARRAY_LEN(deadline_fields), cfg);
	check_summary(c, parse_section(c, root, "summary", 0, summary_fields,
				       ARRAY_LEN(summary_fields), cfg), cfg);
	parse_lifecycle(c, root, cfg);
	parse_kind_rules(c, root, cfg);
	parse_section(c, root, "rule_overrides", 0, rule_overrides_fields,
		      ARRAY_LEN(rule_overrides_fields), cfg);
	parse_section(c, root, "flood", 0, flood_fields, ARRAY_LEN(flood_fields), cfg);
	parse_section(c, root, "discovery", 0, discovery_fields,
		      ARRAY_LEN(discovery_fields), cfg);
	parse_records(c, root, cfg);
	parse_coverage(c, root, cfg);
	parse_selfcheck(c, root, cfg);
	parse_sites(c, root, cfg);
	parse_alerts(c, root, cfg);
	parse_devices(c, root, cfg);
	parse_gpio(c, root, cfg);
	parse_interlocks(c, root, cfg);
	parse_http(c, root, cfg);
}

/* ------------------------------------------------------------ loading */

static char *config_read(struct ctx *c, const char *path, size_t *len)
{
	struct stat sb;
	char *text;
	int line, col;

	/* read_file_hz would hand back a directory as an empty file */
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		text = NULL;
	} else {
		text = read_file_hz(path, CONFIG_MAX_BYTES, len);
	}
	if (!text) {
		cfg_err(c, 0, NULL, "cannot read: %s%s", strerror(errno),
			errno == EFBIG ? " (max 4 MiB)" : "");
		return NULL;
	}
	if (strlen(text) != *len) {
		cfg_lines_at(text, text + strlen(text), &line, &col);
		cfg_err(c, line, NULL, "NUL byte at column %d; not a text file", col);
		free(text);
		return NULL;
	}
	return text;
}

static cJSON *config_parse_json(struct ctx *c, const char *text, size_t len)
{
	const char *end = NULL, *at, *from;
	char near[40], q[96];
	size_t n;
	int line, col;
	cJSON *root = cJSON_ParseWithOpts(text, &end, true);

	if (root)
		return root;
	for (from = text; *from && (unsigned char)*from <= 32; from++)
		;
	if (!*from) {
		cfg_err(c, 1, NULL, "empty file (expected a JSON object)");
		return NULL;
	}
	/*
	 * cJSON reports the failing position both ways; the global behind
	 * cJSON_GetErrorPtr() is shared with decoders parsing on Paho's
	 * threads, so prefer the per-call one (matters for a live reload).
	 */
	at = end ? end : cJSON_GetErrorPtr();
	if (!at || at < text || at > text + len)
		at = text + len;
	cfg_lines_at(text, at, &line, &col);
	if (!*at) {
		cfg_err(c, line, NULL, "malformed JSON: unexpected end of file");
		return NULL;
	}
	/* cJSON sometimes points just past the culprit: show a little of both
	 * sides, within the line */
	from = at - (col - 1 < 16 ? col - 1 : 16);
	while (from < at && (unsigned char)*from <= 32)
		from++;
	n = (size_t)(at - from) + strcspn(at, "\r\n");
	n = n < sizeof near - 1 ? n : sizeof near - 1;
	memcpy(near, from, n);
	near[n] = '\0';
	cfg_err(c, line, NULL, "malformed JSON at column %d, near %s", col,
		quote(q, sizeof q, near));
	return NULL;
}

int config_load(const char *path, struct config *out, char *errs, size_t errlen)
{
	struct ctx c = { .file = path };
	cJSON *root = NULL;
	char *text;
	size_t len = 0;

	memset(out, 0, sizeof *out);
	if (errs && errlen)
		errs[0] = '\0';
	if (strlcpy_hz(out->path, path, sizeof out->path) < 0)
		cfg_err(&c, 0, NULL, "file name too long (max %d bytes)", PATH_MAX_HZ - 1);
	out->strings = c.pool = strpool_new();
	if (!out->strings)
		cfg_err(&c, 0, NULL, "out of memory");
	text = config_read(&c, path, &len);
	if (text)
		root = config_parse_json(&c, text, len);
	if (root) {
		c.lines = cfg_lines_index(text, len, root);
		if (cJSON_IsObject(root))
			parse_root(&c, root, out);
		else
			cfg_err(&c, at_open(&c, root), "$", "expected object, got %s",
				json_type(root));
	}
	err_finish(&c, errs, errlen);
	/* no more strings to share: the index would only take room */
	strpool_seal(out->strings);
	cfg_lines_free(c.lines);
	cJSON_Delete(root);
	free(text);
	if (c.n_errors) {
		config_free(out);
		return -1;
	}
	return 0;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (int i = 0; cfg->sites && i < cfg->n_sites; i++)
		free(cfg->sites[i].people);
	free(cfg->sites);
	free(cfg->devices);
	free(cfg->inputs);
	free(cfg->outputs);
	free(cfg->interlocks);
	free(cfg->file_dev_rules);
	strpool_free(cfg->strings);
	memset(cfg, 0, sizeof *cfg);
}

/* ------------------------------------------------------------ lookups */

const struct device_cfg *config_find_device(const struct config *cfg, const char *id)
{
	int i;

	if (!id)
		return NULL;
	for (i = 0; i < cfg->n_devices; i++)
		if (strcmp(cfg->devices[i].id, id) == 0)
			return &cfg->devices[i];
	return NULL;
}

const struct site_cfg *config_find_site(const struct config *cfg, const char *id)
{
	int i;

	if (!id)
		return NULL;
	for (i = 0; i < cfg->n_sites; i++)
		if (strcmp(cfg->sites[i].id, id) == 0)
			return &cfg->sites[i];
	return NULL;
}

