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
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "hazardd.h"
#include "config_lines.h"

#define CONFIG_MAX_BYTES (4u << 20)
#define CFG_PATH_LEN     256    /* "$.devices[12].rules.lel_low" */
#define ERR_LINE_LEN     1024
#define ERR_RESERVE      96     /* kept free for the final "N more errors" line */
#define ARRAY_LEN(a)     (sizeof(a) / sizeof((a)[0]))

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

static const char *const on_off_name[] = { "off", "on" };

static const char *const log_level_name[] = { "error", "warn", "info", "debug" };
/* Kept here rather than asking decode.c, so that a config naming a format
 * whose adapter is not written yet still validates. */
static const char *const device_format_name[] = {
	"native", "zigbee2mqtt", "tasmota", "shelly"
};
static const char *const uri_scheme[] = {
	"tcp://", "ssl://", "mqtt://", "mqtts://", "ws://", "wss://"
};

/* Enum fields are written through an int (T_ENUM below). */
_Static_assert(sizeof(enum site_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(enum device_kind) == sizeof(int), "enum size");

/* ------------------------------------------------------------ errors */

/* One problem, kept until the end so that the list comes out in file order. */
struct cfg_error {
	int   line;             /* 0: not tied to a line, sorts first */
	int   seq;              /* order found: ties keep it */
	char *text;
};

struct ctx {
	const char *file;
	struct cfg_lines *lines;
	struct cfg_error *errv;
	int     n_errors;       /* found, including any not kept (no memory) */
	int     n_kept, cap;
};

static void err_add(struct ctx *c, int line, const char *text)
{
	c->n_errors++;
	if (c->n_kept == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		struct cfg_error *v = realloc(c->errv, (size_t)cap * sizeof *v);

		if (!v)
			return;         /* still counted in n_errors: load fails */
		c->errv = v;
		c->cap = cap;
	}
	c->errv[c->n_kept].text = strdup(text);
	if (!c->errv[c->n_kept].text)
		return;
	c->errv[c->n_kept].line = line;
	c->errv[c->n_kept].seq = c->n_kept;
	c->n_kept++;
}

static int err_cmp(const void *a, const void *b)
{
	const struct cfg_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Write the errors, in file order, into errs (errlen bytes).  Lines that do
 * not fit are dropped whole and counted in a last line; the shown ones are
 * always the first ones.
 */
static void err_finish(struct ctx *c, char *errs, size_t errlen)
{
	size_t used = 0, n;
	int i, dropped;

	if (c->n_kept)
		qsort(c->errv, (size_t)c->n_kept, sizeof *c->errv, err_cmp);
	for (i = 0; errs && i < c->n_kept; i++) {
		n = strlen(c->errv[i].text) + (used ? 1 : 0);
		if (used + n + 1 + ERR_RESERVE > errlen)
			break;
		used += (size_t)snprintf(errs + used, errlen - used, "%s%s", used ? "\n" : "",
					 c->errv[i].text);
	}
	dropped = c->n_errors - i;
	/* snprintf truncates cleanly if even the reserve is too small */
	if (dropped && errs && errlen > used)
		snprintf(errs + used, errlen - used, "%s%s: %d more error%s not shown",
			 used ? "\n" : "", c->file, dropped, dropped == 1 ? "" : "s");
	for (i = 0; i < c->n_kept; i++)
		free(c->errv[i].text);
	free(c->errv);
	c->errv = NULL;
	c->n_kept = c->cap = 0;
}

/* "FILE:LINE: PATH: message"; line 0 or path NULL leave that part out. */
static void __attribute__((format(printf, 4, 5)))
cfg_err(struct ctx *c, int line, const char *path, const char *fmt, ...)
{
	char buf[ERR_LINE_LEN], where[24] = "";
	va_list ap;
	int n;

	if (line > 0)
		snprintf(where, sizeof where, ":%d", line);
	n = snprintf(buf, sizeof buf, "%s%s: %s%s", c->file, where,
		     path ? path : "", path ? ": " : "");
	if (n < 0 || (size_t)n >= sizeof buf)
		n = (int)sizeof buf - 1;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	va_end(ap);
	err_add(c, line, buf);
}

/* Line of item's key (or of the element, in an array). */
static int at_key(const struct ctx *c, const cJSON *item)
{
	return cfg_lines_key(c->lines, item);
}

/* Line where an object opens: where a missing key should have been. */
static int at_open(const struct ctx *c, const cJSON *obj)
{
	return cfg_lines_value(c->lines, obj);
}

static int member_line(const struct ctx *c, const cJSON *obj, const char *key)
{
	return at_key(c, cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* A value from the file inside a message: quoted, escaped, short, one line. */
static const char *quote(char *buf, size_t size, const char *s)
{
	size_t o = 0;

	buf[o++] = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[8];
		size_t n;

		if (ch == '"' || ch == '\\')
			snprintf(esc, sizeof esc, "\\%c", ch);
		else if (ch < 32 || ch == 127)
			snprintf(esc, sizeof esc, "\\u%04x", ch);
		else
			snprintf(esc, sizeof esc, "%c", ch);
		n = strlen(esc);
		if (o + n + 5 > size) {         /* room for ..." and NUL */
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static const char *json_type(const cJSON *it)
{
	if (cJSON_IsString(it))
		return "string";
	if (cJSON_IsNumber(it))
		return "number";
	if (cJSON_IsBool(it))
		return "boolean";
	if (cJSON_IsNull(it))
		return "null";
	if (cJSON_IsArray(it))
		return "array";
	if (cJSON_IsObject(it))
		return "object";
	return "invalid value";
}

/* "a, b, c" into buf, for "expected one of" hints. */
static const char *join(char *buf, size_t size, const char *const *names, size_t n)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < size; i++) {
		int w = snprintf(buf + o, size - o, "%s%s", i ? ", " : "", names[i]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
	return buf;
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------ paths */

static void path_key(char *dst, size_t size, const char *parent, const char *key)
{
	const char *s = key;
	char q[64];

	/* $.plain_key, but $["odd key"] when the key is not an identifier */
	if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')
		for (s++; (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || *s == '_'; s++)
			;
	if (s != key && *s == '\0')
		snprintf(dst, size, "%s.%s", parent, key);
	else
		snprintf(dst, size, "%s[%s]", parent, quote(q, sizeof q, key));
}

static void path_index(char *dst, size_t size, const char *parent, int i)
{
	snprintf(dst, size, "%s[%d]", parent, i);
}

/* ------------------------------------------------------------ getters
 * val_* check one value that is present; get_* look a member up, apply
 * the default when it is absent and report it when it is required.  All
 * return 1 when the value was taken from the file, 0 when absent, -1 on an
 * error (already recorded; the output keeps its default).
 */
#define CF_REQUIRED 0x1u        /* must be present (strings: and not "") */
#define CF_NONEMPTY 0x2u        /* may be absent, but not "" */
#define CF_MIN_EXCL 0x4u        /* numbers: min itself is not allowed */

static int val_string(struct ctx *c, const cJSON *it, const char *path,
		      unsigned flags, char *dst, size_t size)
{
	size_t n;

	if (!cJSON_IsString(it)) {
		cfg_err(c, at_key(c, it), path, "expected string, got %s", json_type(it));
		return -1;
	}
	n = strlen(it->valuestring);
	if (n >= size) {
		cfg_err(c, at_key(c, it), path, "too long (%zu bytes), max %zu", n, size - 1);
		return -1;
	}
	if (n == 0 && (flags & (CF_REQUIRED | CF_NONEMPTY))) {
		cfg_err(c, at_key(c, it), path, "must not be empty");
		return -1;
	}
	memcpy(dst, it->valuestring, n + 1);
	return 1;
}

static int val_number(struct ctx *c, const cJSON *it, const char *path,
		      const char *want, double *out)
{
	if (!cJSON_IsNumber(it)) {
		cfg_err(c, at_key(c, it), path, "expected %s, got %s", want, json_type(it));
		return -1;
	}
	/* JSON has no NaN, but cJSON turns 1e400 into inf */
	if (!isfinite(it->valuedouble)) {
		cfg_err(c, at_key(c, it), path, "number out of range");
		return -1;
	}
	*out = it->valuedouble;
	return 1;
}

static int val_int(struct ctx *c, const cJSON *it, const char *path,
		   int min, int max, int *out)
{
	double v;

	if (val_number(c, it, path, "integer", &v) < 0)
		return -1;
	if (v != floor(v)) {
		cfg_err(c, at_key(c, it), path, "expected integer, got %.15g", v);
		return -1;
	}
	if (v < min || v > max) {
		cfg_err(c, at_key(c, it), path, "%.15g is out of range (%d..%d)", v, min, max);
		return -1;
	}
	*out = (int)v;
	return 1;
}

static int val_double(struct ctx *c, const cJSON *it, const char *path,
		      unsigned flags, double min, double max, double *out)
{
	double v;

	if (val_number(c, it, path, "number", &v) < 0)
		return -1;
	if ((flags & CF_MIN_EXCL) ? !(v > min && v <= max) : !(v >= min && v <= max)) {
		if (flags & CF_MIN_EXCL)
			cfg_err(c, at_key(c, it), path, "%.15g is out of range (%.15g < x <= %.15g)",
				v, min, max);
		else
			cfg_err(c, at_key(c, it), path, "%.15g is out of range (%.15g..%.15g)",
				v, min, max);
		return -1;
	}
	*out = v;
	return 1;
}

static int val_bool(struct ctx *c, const cJSON *it, const char *path, bool *out)
{
	if (!cJSON_IsBool(it)) {
		cfg_err(c, at_key(c, it), path, "expected true or false, got %s", json_type(it));
		return -1;
	}
	*out = cJSON_IsTrue(it);
	return 1;
}

/* Member key of obj (NULL obj: a section that is absent, already reported). */
static const cJSON *get_item(struct ctx *c, const cJSON *obj, const char *opath,
			     const char *key, unsigned flags, char *path, size_t size)
{
	const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	path_key(path, size, opath, key);
	if (!it && obj && (flags & CF_REQUIRED))
		cfg_err(c, at_open(c, obj), path, "missing required key \"%s\"", key);
	return it;
}

#define ABSENT(obj, flags) (((obj) && ((flags) & CF_REQUIRED)) ? -1 : 0)

static int get_string(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *def, char *dst, size_t size)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	strlcpy_hz(dst, def ? def : "", size);
	return it ? val_string(c, it, p, flags, dst, size) : ABSENT(obj, flags);
}

static int get_int(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		   unsigned flags, int def, int min, int max, int *out)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	*out = def;
	return it ? val_int(c, it, p, min, max, out) : ABSENT(obj, flags);
}

static int get_double(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, double def, double min, double max, double *out)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	*out = def;
	return it ? val_double(c, it, p, flags, min, max, out) : ABSENT(obj, flags);
}

static int get_bool(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		    unsigned flags, bool def, bool *out)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	*out = def;
	return it ? val_bool(c, it, p, out) : ABSENT(obj, flags);
}

/* An item that must be of one JSON type ("object", "array"), or NULL. */
static const cJSON *get_typed(struct ctx *c, const cJSON *obj, const char *opath,
			      const char *key, unsigned flags,
			      cJSON_bool (*is_type)(const cJSON *), const char *type)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	if (it && !is_type(it)) {
		cfg_err(c, at_key(c, it), p, "expected %s, got %s", type, json_type(it));
		return NULL;
	}
	return it;
}

static const cJSON *get_object(struct ctx *c, const cJSON *obj, const char *opath,
			       const char *key, unsigned flags)
{
	return get_typed(c, obj, opath, key, flags, cJSON_IsObject, "object");
}

static const cJSON *get_array(struct ctx *c, const cJSON *obj, const char *opath,
			      const char *key, unsigned flags)
{
	return get_typed(c, obj, opath, key, flags, cJSON_IsArray, "array");
}

/* ------------------------------------------------------------ value checks */

/* Ids end up in topics' payloads, SQLite and hazardctl arguments. */
static void check_id(struct ctx *c, int line, const char *path, const char *v)
{
	const char *s;
	char q[80];

	for (s = v; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-')
			continue;
		cfg_err(c, line, path, "invalid character in %s (allowed: A-Z a-z 0-9 . _ -)",
			quote(q, sizeof q, v));
		return;
	}
}

static void check_uri(struct ctx *c, int line, const char *path, const char *uri)
{
	char q[80], list[96];
	size_t i, n;

	for (i = 0; i < ARRAY_LEN(uri_scheme); i++) {
		n = strlen(uri_scheme[i]);
		if (strncmp(uri, uri_scheme[i], n) != 0)
			continue;
		if (uri[n] == '\0')
			cfg_err(c, line, path, "URI %s has no host", quote(q, sizeof q, uri));
		return;
	}
	cfg_err(c, line, path, "bad URI %s (scheme must be one of %s)", quote(q, sizeof q, uri),
		join(list, sizeof list, uri_scheme, ARRAY_LEN(uri_scheme)));
}

static bool is_comment(const char *key)
{
	return strncmp(key, "_comment", 8) == 0;
}

/* cJSON keeps both copies of a repeated key and lookups see the first:
 * the second would be ignored silently. */
static bool check_dup_key(struct ctx *c, const cJSON *obj, const cJSON *it, const char *path)
{
	const cJSON *prev;

	for (prev = obj->child; prev && prev != it; prev = prev->next) {
		if (strcmp(prev->string, it->string) == 0) {
			cfg_err(c, at_key(c, it), path, "duplicate key (first at line %d)",
				at_key(c, prev));
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------ field tables */

enum field_type {
	T_STR,          /* char[size] */
	T_ID,           /* char[size], charset [A-Za-z0-9._-] */
	T_URI,          /* char[size], MQTT URI scheme */
	T_INT,          /* int, integral, [min, max] */
	T_DBL,          /* double, [min, max] or (min, max] */
	T_BOOL,         /* bool */
	T_CHOICE,       /* char[size], one of choices */
	T_ENUM,         /* enum (int), index into choices */
	T_OTHER         /* a known key that code handles (arrays, objects) */
};

struct field {
	const char *key;
	enum field_type type;
	unsigned flags;                 /* CF_* */
	size_t off, size;               /* where in the target struct */
	double min, max, def;           /* numbers */
	const char *def_str;            /* strings; NULL is "" */
	const char *const *choices;
	size_t n_choices;
	const char *what;               /* "device kind": names choices in errors */
};

#define FIELD(st, k, t, m, fl) \
	.key = (k), .type = (t), .flags = (fl), \
	.off = offsetof(st, m), .size = sizeof(((st *)0)->m)
#define CFG(k, t, m, fl)  FIELD(struct config, k, t, m, fl)
#define CHOICES(list, w)  .choices = (list), .n_choices = ARRAY_LEN(list), .what = (w)

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
};

/* The platform's set-rules (rule_overrides.c): strict unless allowed. */
static const struct field rule_overrides_fields[] = {
	{ CFG("allow_widen", T_BOOL, overrides_allow_widen, 0), .def = 0 },
};

/* Device flood control (flood.c); a device's own "flood" overrides it. */
static const struct field flood_fields[] = {
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

static const struct field deadline_fields[] = {
	{ CFG("major_h", T_DBL, deadlines.major_h, CF_MIN_EXCL), .min = 0, .max = 8760, .def = 24 },
	{ CFG("general_h", T_DBL, deadlines.general_h, CF_MIN_EXCL),
	  .min = 0, .max = 8760, .def = 168 },
	{ CFG("recurrence_window_h", T_DBL, deadlines.recurrence_window_h, 0),
	  .min = 0, .max = 87600, .def = 720 },
	{ .key = "types", .type = T_OTHER },    /* parse_lifecycle */
};

/* $.deadlines.types.<type> as an object */
static const struct field type_deadline_fields[] = {
	{ .key = "major_h", .type = T_OTHER },  { .key = "general_h", .type = T_OTHER },
};

/* The daily summary: checked by check_summary. */
static const struct field summary_fields[] = {
	{ CFG("time", T_STR, summary.time, CF_NONEMPTY), .def_str = "18:00" },
	{ CFG("timezone", T_STR, summary.timezone, CF_NONEMPTY), .def_str = "UTC" },
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

/* Unknown keys are errors at every level, except annotations. */
static void check_keys(struct ctx *c, const cJSON *obj, const char *opath,
		       const struct field *f, size_t n)
{
	const cJSON *it;
	char p[CFG_PATH_LEN], q[80], list[320];
	size_t i, o;

	cJSON_ArrayForEach(it, obj) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, opath, it->string);
		if (check_dup_key(c, obj, it, p))
			continue;
		for (i = 0; i < n && strcmp(f[i].key, it->string) != 0; i++)
			;
		if (i < n)
			continue;
		for (i = 0, o = 0; i < n && o < sizeof list; i++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s",
					      i ? ", " : "", f[i].key);
		cfg_err(c, at_key(c, it), p, "unknown key %s (expected one of: %s)",
			quote(q, sizeof q, it->string), list);
	}
}

/* One choice out of a list: stored as the string or as the index. */
static void parse_choice(struct ctx *c, const cJSON *obj, const char *opath,
			 const struct field *f, void *dst)
{
	char buf[TOPIC_MAX], q[80], list[256];
	int idx;

	if (get_string(c, obj, opath, f->key, f->flags, f->def_str, buf, sizeof buf) == 1) {
		idx = name_index(f->choices, f->n_choices, buf);
		if (idx < 0) {
			char p[CFG_PATH_LEN];

			path_key(p, sizeof p, opath, f->key);
			cfg_err(c, member_line(c, obj, f->key), p, "unknown %s %s (expected %s)",
				f->what, quote(q, sizeof q, buf),
				join(list, sizeof list, f->choices, f->n_choices));
			strlcpy_hz(buf, f->def_str ? f->def_str : "", sizeof buf);
		}
	}
	if (f->type == T_CHOICE) {
		strlcpy_hz(dst, buf, f->size);
	} else {
		idx = buf[0] ? name_index(f->choices, f->n_choices, buf) : 0;
		idx = idx < 0 ? 0 : idx;
		memcpy(dst, &idx, sizeof idx);
	}
}

/* Fill base from obj by the table; obj NULL applies the defaults only. */
static void parse_fields(struct ctx *c, const cJSON *obj, const char *opath,
			 const struct field *f, size_t n, void *base)
{
	char p[CFG_PATH_LEN];
	size_t i;

	if (obj)
		check_keys(c, obj, opath, f, n);
	for (i = 0; i < n; i++, f++) {
		char *dst = (char *)base + f->off;

		switch (f->type) {
		case T_STR:
		case T_ID:
		case T_URI:
			if (get_string(c, obj, opath, f->key, f->flags, f->def_str,
				       dst, f->size) != 1)
				break;
			path_key(p, sizeof p, opath, f->key);
			if (f->type == T_ID)
				check_id(c, member_line(c, obj, f->key), p, dst);
			else if (f->type == T_URI)
				check_uri(c, member_line(c, obj, f->key), p, dst);
			break;
		case T_INT:
			get_int(c, obj, opath, f->key, f->flags, (int)f->def,
				(int)f->min, (int)f->max, (int *)dst);
			break;
		case T_DBL:
			get_double(c, obj, opath, f->key, f->flags, f->def, f->min, f->max,
				   (double *)dst);
			break;
		case T_BOOL:
			get_bool(c, obj, opath, f->key, f->flags, f->def != 0, (bool *)dst);
			break;
		case T_CHOICE:
		case T_ENUM:
			parse_choice(c, obj, opath, f, dst);
			break;
		case T_OTHER:
			break;
		}
	}
}

/* A top-level object parsed by its table; absent, its defaults apply. */
static const cJSON *parse_section(struct ctx *c, const cJSON *root, const char *key,
				  unsigned flags, const struct field *f, size_t n,
				  struct config *cfg)
{
	const cJSON *obj = get_object(c, root, "$", key, flags);
	char p[CFG_PATH_LEN];

	path_key(p, sizeof p, "$", key);
	parse_fields(c, obj, p, f, n, cfg);
	return obj;
}

/* ------------------------------------------------------------ rule parameters */

#define K_GAS   (1u << DEV_GAS_DETECTOR)
#define K_SMOKE (1u << DEV_SMOKE_ALARM)
#define K_EBIKE (1u << DEV_EBIKE_CHARGER)

/* Which way a value makes its rule less sensitive (a "widening"): a
 * higher threshold alarms later, a lower battery level warns later. */
enum rule_widen { W_UP, W_DOWN };

/* A file may set 0 to turn the rule off (a mains-powered detector with no
 * battery, a plug with no temperature sensor): an installer's decision,
 * made on site.  The platform's set-rules never can (config_rule_set). */
#define RULE_ZERO_OFF 0x100u
/* Only the file sets it: how a device's record behaves, not how sensitive
 * its alarm is, so the platform's set-rules has no business with it. */
#define RULE_FILE_ONLY 0x200u

struct rule_def {
	const char *key;
	size_t off;                     /* in struct rule_params */
	unsigned flags;                 /* CF_MIN_EXCL, RULE_ZERO_OFF, RULE_FILE_ONLY */
	double min, max;                /* the safe range, see rule_defs */
	enum rule_widen widen;
	unsigned kinds;                 /* K_*: which kinds accept the key */
	double def[DEV_KIND_COUNT];     /* kinds that ignore it: the gas value */
};

#define RULE(k, fl, lo, hi, w, kinds, dgas, dsmoke, debike) \
	{ #k, offsetof(struct rule_params, k), fl, lo, hi, w, kinds, \
	  { [DEV_GAS_DETECTOR] = dgas, [DEV_SMOKE_ALARM] = dsmoke, \
	    [DEV_EBIKE_CHARGER] = debike } }

/*
 * Every threshold has a safe range, the same for the file and set-rules,
 * so that no value can quietly turn an alarm off (docs/config.md, Rules):
 *  - lel_low 1..25 %LEL, lel_high up to 50: GB 15322.1/.2 put the low
 *    alarm at or below 25 %LEL and the high one at 50 %LEL; below 1 %LEL a
 *    detector's zero drift alone would alarm.
 *  - co_low_ppm 10..100, co_high_ppm up to 300: EN 50291-1 (and GB
 *    15322.2's CO part) require an alarm at 100 ppm within 40 min and at
 *    300 ppm within 3 min; below 10 ppm is sensor noise.
 *  - hold_s up to 300: a longer hold delays every analog alarm that long.
 *  - battery_low_pct 5..50: below 5 % the warning comes with the failure.
 *  - max_temp_c 40..100: below 40 a warm room alarms; a Li-ion pack
 *    charging above 60 is already out of its makers' limits, 100 is the
 *    last value that still means "before thermal runaway".
 *  - max_current_a 0.5..16, max_power_w 50..3680: a 10/16 A socket at
 *    230 V; a smaller limit is noise from a charger's own draw.
 *  - max_charge_h 0.01..24, charging_w 0..100: a charge that is not done in
 *    a day is a fault; above 100 W a charger would not count as charging.
 *  - unreadable_n 1..100 in a row.
 *  - flap_window_s 1..3600, flap_count 2..100 (0: off), settle_s
 *    1..3600: flapping (rules.c).  No value delays an alarm: a flapping
 *    condition is raised like any other, only its end waits for settle_s,
 *    so a longer settle_s keeps an interlock off longer, never less.
 *    File only (RULE_FILE_ONLY).
 */
static const struct rule_def rule_defs[] = {
	RULE(lel_low,     0, 1, 25,        W_UP,   K_GAS,                   25,  25,  25),
	RULE(lel_high,    0, 1, 50,        W_UP,   K_GAS,                   50,  50,  50),
	RULE(co_low_ppm,  0, 10, 100,      W_UP,   K_GAS,                   50,  50,  50),
	RULE(co_high_ppm, 0, 10, 300,      W_UP,   K_GAS,                  150, 150, 150),
	RULE(hold_s,      0, 0, 300,       W_UP,   K_GAS | K_SMOKE | K_EBIKE, 5,   0,   5),
	/* a smaller band clears an alarm sooner */
	RULE(hysteresis_pct, 0, 0, 90,     W_DOWN, K_GAS | K_SMOKE | K_EBIKE, 20,  20,  20),
	RULE(battery_low_pct, RULE_ZERO_OFF, 5, 50, W_DOWN, K_GAS | K_SMOKE, 20,  20,  20),
	RULE(max_temp_c,  RULE_ZERO_OFF, 40, 100,   W_UP, K_EBIKE,             60,  60,  60),
	RULE(max_current_a, RULE_ZERO_OFF, 0.5, 16, W_UP, K_EBIKE,              5,   5,   5),
	RULE(max_charge_h, 0, 0.01, 24,    W_UP,   K_EBIKE,                     8,   8,   8),
	RULE(charging_w,  0, 0, 100,       W_UP,   K_EBIKE,                     5,   5,   5),
	RULE(max_power_w, RULE_ZERO_OFF, 50, 3680, W_UP, K_EBIKE,           1000,1000,1000),
	/* payload_unreadable after this many unparseable payloads in a row */
	RULE(unreadable_n, RULE_ZERO_OFF, 1, 100, W_UP, K_GAS | K_SMOKE | K_EBIKE, 5,  5,   5),
	/* flapping: back within flap_window_s of its end, flap_count times
	 * in a row, and it stays one record until off for settle_s */
	RULE(flap_window_s, RULE_FILE_ONLY, 1, 3600, W_UP, K_GAS | K_SMOKE | K_EBIKE, 60, 60, 60),
	RULE(flap_count, RULE_FILE_ONLY | RULE_ZERO_OFF, 2, 100, W_UP,
	     K_GAS | K_SMOKE | K_EBIKE, 3, 3, 3),
	RULE(settle_s,    RULE_FILE_ONLY, 1, 3600, W_UP, K_GAS | K_SMOKE | K_EBIKE, 60, 60, 60),
};

/* A high level must stay above its low level, whatever set them. */
static const struct { const char *low, *high; } rule_pairs[] = {
	{ "lel_low", "lel_high" },
	{ "co_low_ppm", "co_high_ppm" },
};

static const struct rule_def *rule_find(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(rule_defs); i++)
		if (strcmp(rule_defs[i].key, key) == 0)
			return &rule_defs[i];
	return NULL;
}

static double *rule_val(struct rule_params *rp, const struct rule_def *d)
{
	return (double *)((char *)rp + d->off);
}

static void rule_defaults(enum device_kind kind, struct rule_params *rp)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(rule_defs); i++)
		*rule_val(rp, &rule_defs[i]) = rule_defs[i].def[kind];
}

static const char *rule_keys(char *buf, size_t size, enum device_kind kind)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(rule_defs) && o < size; i++)
		if (rule_defs[i].kinds & (1u << kind))
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "",
					      rule_defs[i].key);
	return buf;
}

/*
 * Apply a rules object (kind level or device level) on top of rp.  The
 * pair check runs on the merged values, but only at a level that set one of
 * the pair: an error is reported where it was made.
 */
static void parse_rule_params(struct ctx *c, const cJSON *obj, const char *opath,
			      enum device_kind kind, struct rule_params *rp)
{
	const cJSON *it;
	const struct rule_def *d, *lo, *hi;
	char p[CFG_PATH_LEN], q[80], list[256];
	size_t i;

	cJSON_ArrayForEach(it, obj) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, opath, it->string);
		if (check_dup_key(c, obj, it, p))
			continue;
		d = rule_find(it->string);
		if (!d)
			cfg_err(c, at_key(c, it), p, "unknown rule key %s (valid for %s: %s)",
				quote(q, sizeof q, it->string), device_kind_name[kind],
				rule_keys(list, sizeof list, kind));
		else if (!(d->kinds & (1u << kind)))
			cfg_err(c, at_key(c, it), p, "key %s does not apply to %s (valid: %s)",
				d->key, device_kind_name[kind], rule_keys(list, sizeof list, kind));
		else if ((d->flags & RULE_ZERO_OFF) && cJSON_IsNumber(it) &&
			 it->valuedouble == 0) {
			*rule_val(rp, d) = 0;   /* the installer turned it off */
			rp->file_set |= 1u << (d - rule_defs);
		} else if (val_double(c, it, p, d->flags & CF_MIN_EXCL, d->min, d->max,
				      rule_val(rp, d)) == 1)
			rp->file_set |= 1u << (d - rule_defs);
	}
	for (i = 0; i < ARRAY_LEN(rule_pairs); i++) {
		const cJSON *at;

		lo = rule_find(rule_pairs[i].low);
		hi = rule_find(rule_pairs[i].high);
		if (!(hi->kinds & (1u << kind)) || *rule_val(rp, hi) > *rule_val(rp, lo))
			continue;
		at = cJSON_GetObjectItemCaseSensitive(obj, hi->key);
		if (!at && !(at = cJSON_GetObjectItemCaseSensitive(obj, lo->key)))
			continue;
		path_key(p, sizeof p, opath, at->string);
		cfg_err(c, at_key(c, at), p, "%s (%.15g) must be greater than %s (%.15g)",
			hi->key, *rule_val(rp, hi), lo->key, *rule_val(rp, lo));
	}
}

/* Rule parameters from outside the file (the platform's set-rules): the
 * same table, kinds and ranges as the file, so no value the file would
 * refuse can arrive another way. */
int config_rule_set(struct rule_params *rp, enum device_kind kind, const char *key,
		    double v, char *err, size_t errlen)
{
	const struct rule_def *d = key ? rule_find(key) : NULL;
	char list[256];

	if (!d || kind >= DEV_KIND_COUNT || !(d->kinds & (1u << kind))) {
		errf(err, errlen, "rule key \"%.40s\" does not apply to %s (valid: %s)",
		     key ? key : "", kind < DEV_KIND_COUNT ? device_kind_name[kind] : "?",
		     kind < DEV_KIND_COUNT ? rule_keys(list, sizeof list, kind) : "");
		return -1;
	}
	if (d->flags & RULE_FILE_ONLY) {
		errf(err, errlen, "%s is set in the config file only", d->key);
		return -1;
	}
	/* the safe range only: 0 (off) is the file's to choose, never the
	 * platform's */
	if (!(v >= d->min && v <= d->max)) {
		errf(err, errlen, "%s: %.15g is outside the safe range %.15g..%.15g",
		     d->key, v, d->min, d->max);
		return -1;
	}
	*rule_val(rp, d) = v;
	return 0;
}

int config_rule_get(const struct rule_params *rp, enum device_kind kind, const char *key,
		    double *v, char *err, size_t errlen)
{
	const struct rule_def *d = key ? rule_find(key) : NULL;
	char list[256];

	if (!d || kind >= DEV_KIND_COUNT || !(d->kinds & (1u << kind))) {
		errf(err, errlen, "rule key \"%.40s\" does not apply to %s (valid: %s)",
		     key ? key : "", kind < DEV_KIND_COUNT ? device_kind_name[kind] : "?",
		     kind < DEV_KIND_COUNT ? rule_keys(list, sizeof list, kind) : "");
		return -1;
	}
	*v = *rule_val((struct rule_params *)rp, d);
	return 0;
}

int config_rule_widens(const struct rule_params *file, const struct rule_params *now,
		       enum device_kind kind, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(rule_defs); i++) {
		const struct rule_def *d = &rule_defs[i];
		double f = *rule_val((struct rule_params *)file, d);
		double v = *rule_val((struct rule_params *)now, d);
		bool off = (d->flags & RULE_ZERO_OFF) && f == 0;

		if (kind >= DEV_KIND_COUNT || !(d->kinds & (1u << kind)) || off ||
		    (d->flags & RULE_FILE_ONLY))
			continue;       /* an off rule turned on is a narrowing */
		if (d->widen == W_UP ? v > f : v < f) {
			errf(err, errlen, "%s %.15g would be less sensitive than the "
			     "configured %.15g", d->key, v, f);
			return 1;
		}
	}
	return 0;
}

int config_rule_keys(enum device_kind kind, const char **keys, int max)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ARRAY_LEN(rule_defs) && n < max; i++)
		if (kind < DEV_KIND_COUNT && (rule_defs[i].kinds & (1u << kind)))
			keys[n++] = rule_defs[i].key;
	return n;
}

bool config_rule_from_file(const struct rule_params *rp, const char *key)
{
	const struct rule_def *d = key ? rule_find(key) : NULL;

	return d && (rp->file_set & (1u << (d - rule_defs)));
}

int config_rule_check_pairs(const struct rule_params *rp, enum device_kind kind,
			    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(rule_pairs); i++) {
		const struct rule_def *lo = rule_find(rule_pairs[i].low);
		const struct rule_def *hi = rule_find(rule_pairs[i].high);
		double l = *rule_val((struct rule_params *)rp, lo);
		double h = *rule_val((struct rule_params *)rp, hi);

		if ((hi->kinds & (1u << kind)) && !(h > l)) {
			errf(err, errlen, "%s (%.15g) must be greater than %s (%.15g)",
			     hi->key, h, lo->key, l);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ life cycle */

/* A hazard type named by key; -1 (reported) when there is none. */
static int cfg_hazard_type(struct ctx *c, const cJSON *it, const char *p)
{
	char q[80], list[256];
	int t = name_index(hazard_type_name, HZ_TYPE_COUNT, it->string);

	if (t < 0)
		cfg_err(c, at_key(c, it), p, "unknown hazard type %s (expected %s)",
			quote(q, sizeof q, it->string),
			join(list, sizeof list, hazard_type_name, HZ_TYPE_COUNT));
	return t;
}

/* One priority class by name into *out (class + 1, see CFG_PRIORITY). */
static void cfg_priority_class(struct ctx *c, const cJSON *it, const char *p,
			       unsigned char *out)
{
	char q[80], list[64];
	int k;

	if (!cJSON_IsString(it)) {
		cfg_err(c, at_key(c, it), p, "expected a priority class (string), got %s",
			json_type(it));
		return;
	}
	k = name_index(priority_name, 4, it->valuestring);
	if (k < 0)
		cfg_err(c, at_key(c, it), p, "unknown priority class %s (expected %s)",
			quote(q, sizeof q, it->valuestring), join(list, sizeof list,
								  priority_name, 4));
	else
		*out = (unsigned char)(k + 1);
}

/*
 * $.deadlines.types: {"gas_leak": 2, "low_battery": {"general_h": 336}}:
 * hours for both severities, or per severity.  $.priorities:
 * {"low_battery": "minor", "tamper": {"general": "serious", "major":
 * "urgent"}}: a class for both severities, or per severity.
 */
static void parse_lifecycle(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *dl = get_object(c, root, "$", "deadlines", 0);
	const cJSON *types = get_object(c, dl, "$.deadlines", "types", 0);
	const cJSON *prios = get_object(c, root, "$", "priorities", 0), *it;
	static const char *const sev_key[2] = { "general", "major" };
	char p[CFG_PATH_LEN];
	int t, sev;

	cJSON_ArrayForEach(it, types) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, "$.deadlines.types", it->string);
		if (check_dup_key(c, types, it, p) || (t = cfg_hazard_type(c, it, p)) < 0)
			continue;
		if (cJSON_IsObject(it)) {
			check_keys(c, it, p, type_deadline_fields, ARRAY_LEN(type_deadline_fields));
			get_double(c, it, p, "major_h", CF_MIN_EXCL, 0, 0, 8760,
				   &cfg->deadlines.type_major_h[t]);
			get_double(c, it, p, "general_h", CF_MIN_EXCL, 0, 0, 8760,
				   &cfg->deadlines.type_general_h[t]);
		} else if (val_double(c, it, p, CF_MIN_EXCL, 0, 8760,
				      &cfg->deadlines.type_major_h[t]) == 1) {
			cfg->deadlines.type_general_h[t] = cfg->deadlines.type_major_h[t];
		}
	}
	cJSON_ArrayForEach(it, prios) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, "$.priorities", it->string);
		if (check_dup_key(c, prios, it, p) || (t = cfg_hazard_type(c, it, p)) < 0)
			continue;
		if (cJSON_IsObject(it)) {
			static const struct field sev_fields[] = {
				{ .key = "general", .type = T_OTHER },
				{ .key = "major", .type = T_OTHER },
			};
			char q[CFG_PATH_LEN];

			check_keys(c, it, p, sev_fields, ARRAY_LEN(sev_fields));
			for (sev = 0; sev < 2; sev++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, sev_key[sev]);

				path_key(q, sizeof q, p, sev_key[sev]);
				if (v)
					cfg_priority_class(c, v, q, &cfg->priority[t][sev]);
			}
		} else {
			cfg_priority_class(c, it, p, &cfg->priority[t][0]);
			cfg->priority[t][1] = cfg->priority[t][0];
		}
	}
}

/*
 * $.records: where hazards come from and how they are graded (records.c,
 * core/record.h; docs/config.md).
 *   "hazard_at_once": [{"type": "gas_leak", "site_kind": "restaurant"}]
 *     alarms that are a hazard the moment they are raised (absent: the
 *     built-in list; [] none: every alarm waits for verification)
 *   "grading": [{"type", "site_kind", "level": "low"|"high",
 *     "recurrence": bool, "severity": "general"|"major"}], tried in order
 *     before the built-in table; a key left out matches anything
 *   "recurrence": {"count": 3, "window_h": 168}: that many alarms or
 *     faults of one type at one device within the window raise a hazard
 *     (count 0: never)
 *   "fault_limit_h": {"device_offline": 24, ...}: a fault active this long
 *     raises a hazard (0: never)
 */
static const char *const level_names[] = { "low", "high" };

static int get_choice(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *what, const char *const *names, size_t n);

static int rec_type(struct ctx *c, const cJSON *obj, const char *p)
{
	return get_choice(c, obj, p, "type", 0, "hazard type", hazard_type_name, HZ_TYPE_COUNT);
}

static int rec_site_kind(struct ctx *c, const cJSON *obj, const char *p)
{
	return get_choice(c, obj, p, "site_kind", 0, "site kind", site_kind_name,
			  SITE_KIND_COUNT);
}

static void parse_records(struct ctx *c, const cJSON *root, struct config *cfg)
{
	static const struct field rec_fields[] = {
		{ .key = "hazard_at_once", .type = T_OTHER }, { .key = "grading", .type = T_OTHER },
		{ .key = "recurrence", .type = T_OTHER }, { .key = "fault_limit_h", .type = T_OTHER },
	}, raise_fields[] = {
		{ .key = "type", .type = T_OTHER }, { .key = "site_kind", .type = T_OTHER },
	}, grade_fields[] = {
		{ .key = "type", .type = T_OTHER }, { .key = "site_kind", .type = T_OTHER },
		{ .key = "level", .type = T_OTHER }, { .key = "recurrence", .type = T_OTHER },
		{ .key = "severity", .type = T_OTHER },
	}, recur_fields[] = {
		{ .key = "count", .type = T_OTHER }, { .key = "window_h", .type = T_OTHER },
	};
	const cJSON *rec = get_object(c, root, "$", "records", 0), *raise, *grading, *recur,
		*limits, *it;
	char p[CFG_PATH_LEN];
	int i = 0, t;

	if (!rec)
		return;
	check_keys(c, rec, "$.records", rec_fields, ARRAY_LEN(rec_fields));
	if ((raise = get_array(c, rec, "$.records", "hazard_at_once", 0))) {
		cfg->records.raise_set = true;
		cJSON_ArrayForEach(it, raise) {
			struct raise_rule *r = &cfg->records.raise[cfg->records.n_raise];

			path_index(p, sizeof p, "$.records.hazard_at_once", i++);
			if (!cJSON_IsObject(it)) {
				cfg_err(c, at_open(c, it), p, "expected an object, got %s",
					json_type(it));
				continue;
			}
			if (cfg->records.n_raise == (int)ARRAY_LEN(cfg->records.raise)) {
				cfg_err(c, at_open(c, it), p, "at most %zu entries",
					ARRAY_LEN(cfg->records.raise));
				break;
			}
			check_keys(c, it, p, raise_fields, ARRAY_LEN(raise_fields));
			r->type = rec_type(c, it, p);
			r->site_kind = rec_site_kind(c, it, p);
			if (r->type >= 0 && record_kind_of((enum hazard_type)r->type) != REC_ALARM)
				cfg_err(c, member_line(c, it, "type"), p, "%s is not an alarm type",
					hazard_type_name[r->type]);
			cfg->records.n_raise++;
		}
	}
	i = 0;
	if ((grading = get_array(c, rec, "$.records", "grading", 0))) {
		cJSON_ArrayForEach(it, grading) {
			struct grade_rule *g = &cfg->records.grading[cfg->records.n_grading];
			bool recurrence;

			path_index(p, sizeof p, "$.records.grading", i++);
			if (!cJSON_IsObject(it)) {
				cfg_err(c, at_open(c, it), p, "expected an object, got %s",
					json_type(it));
				continue;
			}
			if (cfg->records.n_grading == (int)ARRAY_LEN(cfg->records.grading)) {
				cfg_err(c, at_open(c, it), p, "at most %zu rules",
					ARRAY_LEN(cfg->records.grading));
				break;
			}
			check_keys(c, it, p, grade_fields, ARRAY_LEN(grade_fields));
			g->type = rec_type(c, it, p);
			g->site_kind = rec_site_kind(c, it, p);
			g->level = get_choice(c, it, p, "level", 0, "level", level_names, 2);
			g->recurrence = get_bool(c, it, p, "recurrence", 0, false, &recurrence) == 1
					? (recurrence ? 1 : 0) : -1;
			t = get_choice(c, it, p, "severity", CF_REQUIRED, "severity", severity_name, 2);
			g->severity = t == SEV_MAJOR ? SEV_MAJOR : SEV_GENERAL;
			cfg->records.n_grading++;
		}
	}
	if ((recur = get_object(c, rec, "$.records", "recurrence", 0))) {
		check_keys(c, recur, "$.records.recurrence", recur_fields, ARRAY_LEN(recur_fields));
		cfg->records.recurrence_set = true;
		get_int(c, recur, "$.records.recurrence", "count", 0, 3, 0, 1000,
			&cfg->records.recurrence_count);
		get_double(c, recur, "$.records.recurrence", "window_h", CF_MIN_EXCL, 168, 0, 8760,
			   &cfg->records.recurrence_window_h);
	}
	limits = get_object(c, rec, "$.records", "fault_limit_h", 0);
	cJSON_ArrayForEach(it, limits) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, "$.records.fault_limit_h", it->string);
		if (check_dup_key(c, limits, it, p) || (t = cfg_hazard_type(c, it, p)) < 0)
			continue;
		if (record_kind_of((enum hazard_type)t) != REC_FAULT) {
			cfg_err(c, at_key(c, it), p, "%s is not a fault type", it->string);
			continue;
		}
		if (val_double(c, it, p, 0, 0, 8760, &cfg->records.fault_limit_h[t]) == 1)
			cfg->records.fault_limit_set[t] = true;
	}
}

/* $.rules: {"gas_detector": {...}, ...} over the built-in defaults. */
static void parse_kind_rules(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *obj, *it;
	char p[CFG_PATH_LEN], q[80], list[128];
	int k;

	for (k = 0; k < DEV_KIND_COUNT; k++)
		rule_defaults(k, &cfg->kind_rules[k]);
	obj = get_object(c, root, "$", "rules", 0);
	cJSON_ArrayForEach(it, obj) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, "$.rules", it->string);
		if (check_dup_key(c, obj, it, p))
			continue;
		k = name_index(device_kind_name, DEV_KIND_COUNT, it->string);
		if (k < 0)
			cfg_err(c, at_key(c, it), p, "unknown device kind %s (expected %s)",
				quote(q, sizeof q, it->string),
				join(list, sizeof list, device_kind_name, DEV_KIND_COUNT));
		else if (!cJSON_IsObject(it))
			cfg_err(c, at_key(c, it), p, "expected object, got %s", json_type(it));
		else
			parse_rule_params(c, it, p, k, &cfg->kind_rules[k]);
	}
}

/* ------------------------------------------------------------ sections */

static void parse_uris(struct ctx *c, const cJSON *up, struct config *cfg)
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
static void check_insecure(struct ctx *c, const cJSON *up, struct config *cfg)
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
static void default_client_id(struct ctx *c, const cJSON *obj, const char *opath,
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

/*
 * The array under obj.KEY and a zeroed C array of n elements of size elem
 * for it; NULL when the key is absent or the array empty, or (reported)
 * out of memory.
 */
static void *alloc_array(struct ctx *c, const cJSON *obj, const char *opath,
			 const char *key, size_t elem, const cJSON **arr, int *n)
{
	char p[CFG_PATH_LEN];
	void *v;

	*arr = get_array(c, obj, opath, key, 0);
	*n = cJSON_GetArraySize(*arr);
	if (*n <= 0)
		return NULL;
	v = calloc((size_t)*n, elem);
	if (!v) {
		snprintf(p, sizeof p, "%s.%s", opath, key);
		cfg_err(c, at_key(c, *arr), p, "out of memory");
	}
	return v;
}

static void parse_sites(struct ctx *c, const cJSON *root, struct config *cfg)
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
static void parse_device_rules(struct ctx *c, const cJSON *dev, const char *dpath,
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
static void parse_device_flood(struct ctx *c, const cJSON *dev, const char *dpath,
			       const struct config *cfg, struct device_cfg *d)
{
	const cJSON *obj = get_object(c, dev, dpath, "flood", 0);
	char p[CFG_PATH_LEN];

	d->flood.rate_per_s = cfg->flood.rate_per_s;
	d->flood.burst = cfg->flood.burst;
	if (!obj)
		return;
	path_key(p, sizeof p, dpath, "flood");
	check_keys(c, obj, p, flood_fields, ARRAY_LEN(flood_fields));
	get_double(c, obj, p, "rate_per_s", 0, cfg->flood.rate_per_s, 0, 100000,
		   &d->flood.rate_per_s);
	get_int(c, obj, p, "burst", 0, cfg->flood.burst, 1, 100000, &d->flood.burst);
}

static int get_choice(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *what, const char *const *names, size_t n);

/*
 * What the device is beyond its kind: a gas detector's gas, and whether it
 * has a relay that commands may switch.  Chargers are fed through a plug
 * or contactor (relay by default); a detector has one only when the config
 * says so, because a command to a device without one can never be
 * confirmed and its command_failed could never be cleared.
 */
static void parse_device_hw(struct ctx *c, const cJSON *it, const char *p,
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

static bool topic_ends(const char *t, const char *suffix)
{
	size_t n = strlen(t), k = strlen(suffix);

	return n >= k && strcmp(t + n - k, suffix) == 0;
}

/* zigbee2mqtt/<friendly name> (or the bridge's own base_topic/<name>): the
 * device's state topic, not the bridge's, nor a command or availability. */
static void check_z2m_topic(struct ctx *c, int line, const char *tp, const char *t)
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
static void check_tasmota_topic(struct ctx *c, int line, const char *tp, const char *t)
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
static void check_shelly_topic(struct ctx *c, const cJSON *it, const char *p,
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
static void check_device_topic(struct ctx *c, const cJSON *it, const char *p,
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
static void parse_device(struct ctx *c, const cJSON *it, const char *p,
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

static void parse_devices(struct ctx *c, const cJSON *root, struct config *cfg)
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

/* ------------------------------------------------------------ gpio, interlocks */

/* A required-or-optional name out of a list; -1 when absent or wrong. */
static int get_choice(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
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
static void check_line_free(struct ctx *c, const cJSON *it, const char *p,
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

static void parse_gpio_input(struct ctx *c, const cJSON *it, const char *p,
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

static void parse_gpio_output(struct ctx *c, const cJSON *it, const char *p,
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
static void parse_gpio(struct ctx *c, const cJSON *root, struct config *cfg)
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

static int output_index(const struct config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->n_outputs; i++)
		if (strcmp(cfg->outputs[i].name, name) == 0)
			return i;
	return -1;
}

/* {"device": ID, "set": "on"|"off", "latch": bool}: a device command
 * (devcmd.c) instead of an output; latched unless "latch": false. */
static void parse_device_action(struct ctx *c, const cJSON *it, const char *ap,
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

static void parse_actions(struct ctx *c, const cJSON *il, const char *p,
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
static void parse_interlocks(struct ctx *c, const cJSON *root, struct config *cfg)
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

/* bind() would fail much later, with a less helpful message. */
static void check_socket_path(struct ctx *c, const cJSON *ctl, const struct config *cfg)
{
	size_t n = strlen(cfg->control.socket);
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (n > max)
		cfg_err(c, member_line(c, ctl, "socket"), "$.control.socket",
			"too long for a Unix socket (%zu bytes, max %zu)", n, max);
}

/* $.summary: a local time of day, and a zone that exists (summary.c). */
static void check_summary(struct ctx *c, const cJSON *obj, struct config *cfg)
{
	char why[200], q[40];

	/* empty: a wrong type, already reported */
	if (cfg->summary.time[0] &&
	    summary_parse_hhmm(cfg->summary.time, &cfg->summary.minutes) < 0)
		cfg_err(c, member_line(c, obj, "time"), "$.summary.time",
			"%s is not a local time HH:MM (00:00 to 23:59)",
			quote(q, sizeof q, cfg->summary.time));
	if (cfg->summary.timezone[0] &&
	    !summary_zone_valid(cfg->summary.timezone, why, sizeof why))
		cfg_err(c, member_line(c, obj, "timezone"), "$.summary.timezone", "%s", why);
}

/* Order matters: defaults depend on gateway, devices on sites and rules. */
static void parse_root(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *obj;

	check_keys(c, root, "$", root_fields, ARRAY_LEN(root_fields));
	parse_section(c, root, "gateway", CF_REQUIRED, gateway_fields,
		      ARRAY_LEN(gateway_fields), cfg);
	parse_section(c, root, "storage", CF_REQUIRED, storage_fields,
		      ARRAY_LEN(storage_fields), cfg);
	obj = parse_section(c, root, "local", CF_REQUIRED, local_fields,
			    ARRAY_LEN(local_fields), cfg);
	default_client_id(c, obj, "$.local", cfg->local.client_id, cfg->gateway.id);
	obj = parse_section(c, root, "upstream", CF_REQUIRED, upstream_fields,
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
	parse_sites(c, root, cfg);
	parse_devices(c, root, cfg);
	parse_gpio(c, root, cfg);
	parse_interlocks(c, root, cfg);
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
	free(cfg->sites);
	free(cfg->devices);
	free(cfg->inputs);
	free(cfg->outputs);
	free(cfg->interlocks);
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
