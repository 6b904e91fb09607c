/*
 * decode_json.c: what the zigbee2mqtt, Tasmota and Shelly adapters share.
 *
 * The framing is as strict as the native adapter's (one JSON value, no NUL,
 * nothing after it), but scalars are lenient: firmware sends "100.00" for
 * a number and "True", "ON" or 1 for a boolean, and refusing those would
 * refuse whole product lines.  A value that is neither (battery "n/a",
 * smoke {"v":1}) is left out of the reading and marked in r->bad, and the
 * rest of the payload stands: a detector that says "smoke": true beside a
 * broken battery field is in alarm, and refusing the whole message would
 * drop the alarm with the battery.  The marks are counted per device, so a
 * broken field is seen without hiding what the device does say.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats.h"

int dj_reject(struct reading *out, char *err, size_t errlen, const char *fmt, ...)
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

cJSON *dj_parse(const char *payload, size_t len, char *err, size_t errlen)
{
	const char *end = NULL, *stop;
	cJSON *root;

	if (!payload || len == 0) {
		errf(err, errlen, "empty payload");
		return NULL;
	}
	/* cJSON would stop at a NUL as if the text ended there */
	if (memchr(payload, '\0', len)) {
		errf(err, errlen, "payload contains a NUL byte");
		return NULL;
	}
	/* the tree is cut from json_arena.c's buffer when it is set up */
	json_arena_begin();
	root = cJSON_ParseWithLengthOpts(payload, len, &end, 0);
	json_arena_end(root);
	if (!root) {
		errf(err, errlen, "malformed JSON");
		return NULL;
	}
	stop = payload + len;
	while (end && end < stop && isspace((unsigned char)*end))
		end++;
	if (!end || end != stop) {
		dj_release(root);
		errf(err, errlen, "malformed JSON: trailing data");
		return NULL;
	}
	return root;
}

int dj_text(const char *payload, size_t len, char *buf, size_t size)
{
	size_t a = 0, b = len;

	if (!payload || memchr(payload, '\0', len))
		return -1;
	while (a < b && isspace((unsigned char)payload[a]))
		a++;
	while (b > a && isspace((unsigned char)payload[b - 1]))
		b--;
	/* some bridges publish the JSON string "online" instead of the word */
	if (b - a >= 2 && payload[a] == '"' && payload[b - 1] == '"') {
		a++;
		b--;
	}
	if (b - a >= size)
		return -1;
	memcpy(buf, payload + a, b - a);
	buf[b - a] = '\0';
	return 0;
}

int dj_bool_text(const char *s)
{
	static const char *const yes[] = { "true", "on", "yes", "1", "online" };
	static const char *const no[] = { "false", "off", "no", "0", "offline" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* A whole numeric string ("100.00", " 5 "); hex, inf and nan refused. */
static int dj_number_text(const char *s, double *out)
{
	char *end;
	const char *p;
	double v;

	for (p = s; *p; p++)
		if (!strchr("0123456789+-.eE \t", *p))
			return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int dj_number(const cJSON *item, double *out)
{
	if (!item || cJSON_IsNull(item))
		return 0;
	if (cJSON_IsNumber(item)) {
		*out = item->valuedouble;
		return 1;
	}
	if (cJSON_IsString(item) && dj_number_text(item->valuestring, out) == 0)
		return 1;
	return -1;
}

const char *dj_describe(const cJSON *item, char *buf, size_t size)
{
	if (cJSON_IsString(item))
		snprintf(buf, size, "%.24s%s", item->valuestring,
			 strlen(item->valuestring) > 24 ? "..." : "");
	else if (cJSON_IsNumber(item))
		snprintf(buf, size, "%g", item->valuedouble);
	else if (cJSON_IsBool(item))
		snprintf(buf, size, "%s", cJSON_IsTrue(item) ? "true" : "false");
	else if (cJSON_IsObject(item))
		snprintf(buf, size, "an object");
	else if (cJSON_IsArray(item))
		snprintf(buf, size, "an array");
	else
		snprintf(buf, size, "?");
	return buf;
}

void dj_note(char *err, size_t errlen, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!err || errlen == 0)
		return;
	used = strnlen(err, errlen);
	if (used + 3 >= errlen)
		return;         /* full: the first reasons are the ones kept */
	if (used > 0) {
		memcpy(err + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

int dj_set(struct reading *r, enum reading_field f, const cJSON *item,
	   double scale, const char *key, char *err, size_t errlen)
{
	char whybuf[64], what[40];
	double v;
	int b, rc;

	if (!item || cJSON_IsNull(item))
		return 0;
	if (reading_field_is_bool[f]) {
		if (cJSON_IsBool(item))
			b = cJSON_IsTrue(item);
		else if (cJSON_IsNumber(item) &&
			 (item->valuedouble == 0 || item->valuedouble == 1))
			b = item->valuedouble != 0;
		else if (cJSON_IsString(item))
			b = dj_bool_text(item->valuestring);
		else
			b = -1;
		if (b < 0) {
			reading_mark_bad(r, f);
			dj_note(err, errlen, "field %s: expected boolean (%s)", key,
				dj_describe(item, what, sizeof what));
			return -1;
		}
		reading_set(r, f, b);
		return 0;
	}
	if (dj_number(item, &v) < 0) {
		reading_mark_bad(r, f);
		dj_note(err, errlen, "field %s: expected number (%s)", key,
			dj_describe(item, what, sizeof what));
		return -1;
	}
	v *= scale;
	rc = reading_check(f, &v, whybuf, sizeof whybuf);
	if (rc == RCHECK_BAD) {
		reading_mark_bad(r, f);
		dj_note(err, errlen, "field %s: %s", key, whybuf);
		return -1;
	}
	reading_set(r, f, v);
	if (rc == RCHECK_OVER) {
		r->over |= 1u << f;
		return RCHECK_OVER;
	}
	r->over &= ~(1u << f);
	return 0;
}

/*
 * The member named key, or NULL; *dup set when there are two.  Parsers
 * disagree on which duplicate wins ({"smoke":false,"smoke":true}), so the
 * caller must not pick one blindly (dj_fields takes the more alarming).
 */
const cJSON *dj_member(const cJSON *obj, const char *key, bool *dup)
{
	const cJSON *it, *found = NULL;

	*dup = false;
	cJSON_ArrayForEach(it, obj) {
		/* the first byte first: each decoder asks for every name of its
		 * table, and most members differ there (a third of a
		 * zigbee2mqtt message's decoding was strcmp) */
		if (!it->string || it->string[0] != key[0] || strcmp(it->string, key) != 0)
			continue;
		if (found)
			*dup = true;
		found = it;
	}
	return found;
}

/* Is a the more alarming value of field f than b (both present)? */
static bool dj_worse(enum reading_field f, double a, double b)
{
	(void)f;
	/* flags: true (1) over false (0); numbers: the higher reading (more
	 * gas, more heat, more current; a battery duplicate is rare enough
	 * that the higher value costs nothing) */
	return a > b;
}

void dj_merge_field(struct reading *dst, const struct reading *src,
		    enum reading_field f)
{
	dst->bad |= src->bad & (1u << f);
	if (!reading_has(src, f))
		return;
	/* two names for one thing: a flag set by either is set; for a
	 * number the first name in the table is the better source */
	if (!reading_has(dst, f) ||
	    (reading_field_is_bool[f] && src->val[f] != 0)) {
		reading_set(dst, f, src->val[f]);
		dst->over = (dst->over & ~(1u << f)) | (src->over & (1u << f));
	}
}

/* Every value of key in obj into one, the more alarming winning. */
static void dj_set_dups(struct reading *one, enum reading_field f, const cJSON *obj,
			const struct dj_key *k, char *err, size_t errlen)
{
	const cJSON *it;
	struct reading v;

	reading_mark_bad(one, f);
	dj_note(err, errlen, "field %s: duplicate key", k->key);
	cJSON_ArrayForEach(it, obj) {
		if (!it->string || strcmp(it->string, k->key) != 0)
			continue;
		memset(&v, 0, sizeof v);
		/* a bad duplicate is already counted by the duplicate mark */
		if (dj_set(&v, f, it, k->scale, k->key, NULL, 0) < 0 ||
		    !reading_has(&v, f))
			continue;
		if (!reading_has(one, f) || dj_worse(f, v.val[f], one->val[f])) {
			reading_set(one, f, v.val[f]);
			one->over = (one->over & ~(1u << f)) | (v.over & (1u << f));
		}
	}
}

/* Per key, the last member of that name and whether there were more. */
struct dj_found {
	const cJSON  *item;
	bool          dup;
};

/*
 * One walk over obj's members for the whole table: each member is matched
 * against the keys that begin with its first byte (dj_index), so a
 * message costs about one comparison per member, where asking dj_member
 * for every key of the table walked the members once per key.  Tables
 * longer than the chain's index can hold take that slower way.
 */
static bool dj_find_all(const cJSON *obj, const struct dj_key *keys, size_t n,
			struct dj_found *found)
{
	struct dj_index x;
	const cJSON *it;
	unsigned k;

	if (n > DJ_KEYS_MAX)
		return false;
	dj_index_clear(&x);
	for (k = (unsigned)n; k-- > 0; ) {
		dj_index_add(&x, k, keys[k].key);
		found[k].item = NULL;
		found[k].dup = false;
	}
	cJSON_ArrayForEach(it, obj) {
		if (!it->string)
			continue;
		for (k = dj_index_first(&x, it->string[0]); k != DJ_INDEX_END; k = x.next[k]) {
			if (strcmp(it->string, keys[k].key) != 0)
				continue;
			if (found[k].item)
				found[k].dup = true;
			found[k].item = it;
		}
	}
	return true;
}

int dj_fields(struct reading *r, const cJSON *obj, const struct dj_key *keys,
	      size_t n, char *err, size_t errlen)
{
	struct dj_found found[DJ_KEYS_MAX];
	const cJSON *item;
	struct reading one;
	uint32_t before = r->bad, fresh;
	bool dup, all;
	size_t i;
	int f, nbad = 0;

	all = dj_find_all(obj, keys, n, found);
	for (i = 0; i < n; i++) {
		f = keys[i].f;
		if (all) {
			item = found[i].item;
			dup = found[i].dup;
		} else {
			item = dj_member(obj, keys[i].key, &dup);
		}
		/* an absent key changes nothing (dj_set leaves one empty) */
		if (!item)
			continue;
		memset(&one, 0, sizeof one);
		if (dup)
			dj_set_dups(&one, f, obj, &keys[i], err, errlen);
		else
			dj_set(&one, f, item, keys[i].scale, keys[i].key, err, errlen);
		dj_merge_field(r, &one, f);
	}
	/* the fields newly marked bad */
	fresh = r->bad & ~before;
	for (f = 0; f < RF_COUNT; f++)
		nbad += (fresh >> f) & 1u;
	return nbad;
}

int dj_fail(struct reading *out)
{
	memset(out, 0, sizeof(*out));
	return -1;
}

bool dj_has_suffix(const char *s, const char *suffix)
{
	size_t n, m = strlen(suffix);

	if (!s)
		return false;
	n = strlen(s);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

cJSON *dj_parse_object(const char *payload, size_t len, char *err, size_t errlen)
{
	cJSON *root = dj_parse(payload, len, err, errlen);

	if (root && !cJSON_IsObject(root)) {
		dj_release(root);
		errf(err, errlen, "payload is not a JSON object");
		return NULL;
	}
	return root;
}
