/*
 * config_rules.c: rule parameters (thresholds, holds) per device kind and
 * per device: the rule_defs table, defaults, ranges, the safe floors that
 * set-rules may not cross, and the API rule_overrides.c uses.
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

const struct rule_def *rule_find(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(rule_defs); i++)
		if (strcmp(rule_defs[i].key, key) == 0)
			return &rule_defs[i];
	return NULL;
}

double *rule_val(struct rule_params *rp, const struct rule_def *d)
{
	return (double *)((char *)rp + d->off);
}

void rule_defaults(enum device_kind kind, struct rule_params *rp)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(rule_defs); i++)
		*rule_val(rp, &rule_defs[i]) = rule_defs[i].def[kind];
}

const char *rule_keys(char *buf, size_t size, enum device_kind kind)
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
void parse_rule_params(struct ctx *c, const cJSON *obj, const char *opath,
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

