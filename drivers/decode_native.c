/*
 * decode_native.c: hazardd's own payload, documented in DESIGN.md:
 *   {"ts": ms since epoch, "alarm": bool, "gas_lel": num, "co_ppm": num, ...}
 *
 * Every field is optional and null counts as absent; unknown keys are
 * ignored so devices may send more than we use.  A known key with the wrong
 * type or an implausible value rejects the whole message: half-trusting a
 * payload that claims "gas_lel": "5" would hide a broken device behind
 * partial data.  The key names are reading_field_name[] (so the object
 * reading_to_json() writes decodes back to the same reading), which adds
 * "gas" and "relay" to the fields DESIGN.md lists.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hazardd.h"

/* ts bounds, ms since epoch: 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z */
#define TS_MIN_MS       946684800000.0
#define TS_MAX_MS       4102444800000.0

static int native_reject(struct reading *out, char *err, size_t errlen,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int native_reject(struct reading *out, char *err, size_t errlen,
			 const char *fmt, ...)
{
	va_list ap;

	/* the caller must not be able to use anything from a bad payload */
	memset(out, 0, sizeof(*out));
	if (err && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Field index for a key, or -1 if the key is not one of ours. */
static int native_field(const char *key)
{
	int f;

	for (f = 0; f < RF_COUNT; f++)
		if (reading_field_name[f] && strcmp(reading_field_name[f], key) == 0)
			return f;
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

int decode_native(const char *topic, const char *payload, size_t len,
		  int64_t recv_ms, struct reading *out, char *err, size_t errlen)
{
	struct reading r;
	cJSON *root, *it;
	const char *end = NULL, *stop;
	const char *why;
	char whybuf[64];
	uint32_t seen = 0;
	bool ts_seen = false;
	int f;

	if (!payload || len == 0)
		return native_reject(out, err, errlen, "empty payload");
	/*
	 * cJSON stops at a NUL as if the text ended there, so "{...}\0junk"
	 * would pass as the object alone; a NUL never belongs in JSON text.
	 */
	if (memchr(payload, '\0', len))
		return native_reject(out, err, errlen, "payload contains a NUL byte");

	/* Not NUL-terminated: the length-bounded parser, and no terminator
	 * required (cJSON would look for it inside len). */
	root = cJSON_ParseWithLengthOpts(payload, len, &end, 0);
	if (!root)
		return native_reject(out, err, errlen, "malformed JSON");
	/* cJSON stops after the first value; anything but blanks after it means
	 * two messages glued together or a corrupted one. */
	stop = payload + len;
	while (end && end < stop && (*end == ' ' || *end == '\t' ||
				     *end == '\n' || *end == '\r'))
		end++;
	if (!end || end != stop) {
		cJSON_Delete(root);
		return native_reject(out, err, errlen, "malformed JSON: trailing data");
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return native_reject(out, err, errlen, "payload is not a JSON object");
	}

	memset(&r, 0, sizeof(r));
	r.ts_ms = recv_ms;
	for (it = root->child; it; it = it->next) {
		if (!it->string)
			continue;
		if (strcmp(it->string, "ts") == 0) {
			/* duplicates are ambiguous ({"alarm":false,"alarm":true}):
			 * parsers disagree on which one wins, so refuse */
			if (ts_seen)
				goto dup;
			ts_seen = true;
			if (cJSON_IsNull(it))
				continue;
			why = native_check_ts(it, whybuf, sizeof(whybuf));
			if (why)
				goto bad;
			r.ts_ms = (int64_t)it->valuedouble;
			continue;
		}
		f = native_field(it->string);
		if (f < 0)
			continue;
		if (seen & (1u << f))
			goto dup;
		seen |= 1u << f;
		if (cJSON_IsNull(it))
			continue;
		if (reading_field_is_bool[f]) {
			if (!cJSON_IsBool(it)) {
				why = "expected boolean";
				goto bad;
			}
			reading_set(&r, f, cJSON_IsTrue(it) ? 1.0 : 0.0);
			continue;
		}
		if (!cJSON_IsNumber(it)) {
			why = "expected number";
			goto bad;
		}
		why = reading_check(f, it->valuedouble, whybuf, sizeof(whybuf));
		if (why)
			goto bad;
		reading_set(&r, f, it->valuedouble);
	}
	cJSON_Delete(root);
	*out = r;
	return 0;

dup:
	native_reject(out, err, errlen, "field %s: duplicate key", it->string);
	cJSON_Delete(root);
	return -1;
bad:
	native_reject(out, err, errlen, "field %s: %s", it->string, why);
	cJSON_Delete(root);
	return -1;
}
