/*
 * fmt_native.c: the format "native", hazardd's own payload, documented in
 * DESIGN.md:
 *   {"ts": ms since epoch, "alarm": bool, "gas_lel": num, "co_ppm": num, ...}
 * on the device's one topic; commands {"relay": bool} on "<topic>/set".
 * No ecosystem's topic shape, so no discovery and no inference: a native
 * device is configured by whoever built it.
 *
 * Every field is optional and null counts as absent; unknown keys are
 * ignored so devices may send more than we use.  The key names are
 * reading_field_name[] (so the object reading_to_json() writes decodes
 * back to the same reading, "over_range" marks included).
 *
 * Validation is per field: a known key with the wrong type or an
 * impossible value is left out and marked in r->bad, the rest stands.
 * The types stay strict (this is our own format, and "gas_lel": "5" means
 * a broken sender), with one exception for safety: an alarm flag (alarm,
 * gas, smoke, carbon_monoxide) sent as a true-meaning non-boolean (1,
 * "true", "on") is kept as true, and still marked bad.  A wrongly typed
 * false is left out: a malformed value may raise an alarm, never clear one.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"

/* ts bounds, ms since epoch: 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z */
#define TS_MIN_MS       946684800000.0
#define TS_MAX_MS       4102444800000.0

/* Field index for a key, or -1 if the key is not one of ours. */
static int native_field(const struct dj_index *x, const char *key)
{
	unsigned f;

	for (f = dj_index_first(x, key[0]); f != DJ_INDEX_END; f = x->next[f])
		if (strcmp(reading_field_name[f], key) == 0)
			return (int)f;
	return -1;
}

static const char *native_check_ts(const cJSON *it, char *why, size_t len)
{
	double v;

	if (!cJSON_IsNumber(it))
		return "expected number";
	v = it->valuedouble;
	if (!isfinite(v)) {
		snprintf(why, len, "absurd value %g", v);
		return why;
	}
	if (v != floor(v))
		return "expected integer ms since epoch";
	if (v < TS_MIN_MS || v > TS_MAX_MS)
		return "outside 2000..2100";
	return NULL;
}

static bool native_alarm_flag(int f)
{
	return f == RF_ALARM || f == RF_GAS || f == RF_SMOKE || f == RF_CO;
}

/* One value for field f into one; marks and notes bad values. */
static void native_value(struct reading *one, int f, const cJSON *it,
			 char *err, size_t errlen)
{
	char whybuf[64], what[40];
	double v;
	int rc, b = -1;

	if (cJSON_IsNull(it))
		return;
	if (reading_field_is_bool[f]) {
		if (cJSON_IsBool(it)) {
			reading_set(one, f, cJSON_IsTrue(it) ? 1.0 : 0.0);
			return;
		}
		reading_mark_bad(one, f);
		dj_note(err, errlen, "field %s: expected boolean (%s)", it->string,
			dj_describe(it, what, sizeof what));
		if (cJSON_IsNumber(it) && it->valuedouble == 1)
			b = 1;
		else if (cJSON_IsString(it))
			b = dj_bool_text(it->valuestring);
		if (native_alarm_flag(f) && b == 1)
			reading_set(one, f, 1.0);
		return;
	}
	if (!cJSON_IsNumber(it)) {
		reading_mark_bad(one, f);
		dj_note(err, errlen, "field %s: expected number (%s)", it->string,
			dj_describe(it, what, sizeof what));
		return;
	}
	v = it->valuedouble;
	rc = reading_check(f, &v, whybuf, sizeof whybuf);
	if (rc == RCHECK_BAD) {
		reading_mark_bad(one, f);
		dj_note(err, errlen, "field %s: %s", it->string, whybuf);
		return;
	}
	reading_set(one, f, v);
	if (rc == RCHECK_OVER)
		one->over |= 1u << f;
}

/* "over_range": ["gas_lel"], as reading_to_json writes it. */
static void native_over(struct reading *r, const cJSON *arr,
			const struct dj_index *x)
{
	const cJSON *it;
	int f;

	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || (f = native_field(x, it->valuestring)) < 0)
			continue;
		if (reading_has(r, f) && reading_max(f) > 0)
			r->over |= 1u << f;
	}
}

static int decode_native(const char *topic, const char *payload, size_t len,
			 int64_t recv_ms, struct reading *out, char *err, size_t errlen)
{
	struct reading r, one;
	struct dj_index x;
	cJSON *root, *it;
	const cJSON *over = NULL;
	const char *why;
	char whybuf[64];
	uint32_t seen = 0;
	bool ts_seen = false, ts_bad = false;
	int f;

	(void)topic;
	if (err && errlen > 0)
		err[0] = '\0';
	if (!payload || len == 0)
		return dj_reject(out, err, errlen, "empty payload");
	/* the framing is dj_parse's: a NUL, trailing data or anything but
	 * one JSON object is a payload that cannot be read at all */
	root = dj_parse_object(payload, len, err, errlen);
	if (!root)
		return dj_fail(out);

	memset(&r, 0, sizeof(r));
	r.ts_ms = recv_ms;
	dj_index_reading_fields(&x);
	for (it = root->child; it; it = it->next) {
		if (!it->string)
			continue;
		if (it->string[0] == 'o' && strcmp(it->string, "over_range") == 0) {
			over = it;
			continue;
		}
		if (it->string[0] == 't' && strcmp(it->string, "ts") == 0) {
			/* two times, or one we cannot place: the receive time */
			if (ts_seen) {
				if (!ts_bad)
					dj_note(err, errlen, "field ts: duplicate key");
				ts_bad = true;
				r.ts_ms = recv_ms;
				continue;
			}
			ts_seen = true;
			if (cJSON_IsNull(it))
				continue;
			why = native_check_ts(it, whybuf, sizeof(whybuf));
			if (why) {
				dj_note(err, errlen, "field ts: %s", why);
				ts_bad = true;
				continue;
			}
			r.ts_ms = (int64_t)it->valuedouble;
			continue;
		}
		f = native_field(&x, it->string);
		if (f < 0)
			continue;
		memset(&one, 0, sizeof one);
		native_value(&one, f, it, err, errlen);
		if (seen & (1u << f)) {
			/* parsers disagree on which duplicate wins: mark it, and
			 * keep the more alarming value so ambiguity hides no alarm */
			if (!(r.bad & (1u << f)))
				dj_note(err, errlen, "field %s: duplicate key", it->string);
			reading_mark_bad(&r, f);
			if (reading_has(&one, f) &&
			    (!reading_has(&r, f) || one.val[f] > r.val[f])) {
				reading_set(&r, f, one.val[f]);
				r.over = (r.over & ~(1u << f)) | (one.over & (1u << f));
			}
			continue;
		}
		seen |= 1u << f;
		r.bad |= one.bad;
		r.over |= one.over;
		if (reading_has(&one, f))
			reading_set(&r, f, one.val[f]);
	}
	if (over)
		native_over(&r, over, &x);
	dj_release(root);
	*out = r;
	return 0;
}

/* <topic>/set {"relay":false} */
static int cmd_native(const struct device_cfg *dev, bool on, const char *client_id,
		      unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen)
{
	if (cmd_fits(snprintf(out->topic, sizeof out->topic, "%s/set", dev->topic),
		     sizeof out->topic, "topic", err, errlen) < 0)
		return -1;
	snprintf(out->payload, sizeof out->payload, "{\"relay\":%s}", on ? "true" : "false");
	return 0;
}

const struct device_format fmt_native = {
	.name = "native",
	.decode = decode_native,
	.command = cmd_native,
	.example_topic = "t/dev",
};
