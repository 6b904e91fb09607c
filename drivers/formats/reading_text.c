/*
 * reading_text.c: a reading as JSON text, written from struct reading into
 * the caller's buffer: the text reading_to_json() prints, without the tree.
 * It is what the readings table stores and what telemetry carries, once
 * per accepted message, so it allocates nothing.
 *
 * The second half reads such a text back only as far as telemetry needs:
 * whether a stored row can be spliced into a telemetry object as it is
 * (reading_text_spliceable).  Rows of earlier versions were printed by
 * cJSON from the same object, so they pass too; anything else (a row
 * edited by hand, a field this version does not know) is left to the
 * caller's slower path, which parses it.
 */
#include <math.h>
#include <string.h>

#include "formats.h"

struct tw {
	char  *p;
	size_t len, cap;
	bool   full;
};

static void tw_put(struct tw *w, const char *s, size_t n)
{
	if (w->full || w->len + n >= w->cap) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void tw_key(struct tw *w, const char *name)
{
	tw_put(w, ",\"", 2);
	tw_put(w, name, strlen(name));
	tw_put(w, "\":", 2);
}

/* A value with no JSON form (NaN, infinity) is no measurement: left out,
 * and so is its over_range mark. */
static bool writable(const struct reading *r, int f)
{
	return reading_has(r, f) && (reading_field_is_bool[f] || isfinite(r->val[f]));
}

int reading_text(const struct reading *r, char *out, size_t cap)
{
	struct tw w = { out, 0, cap, false };
	char num[JSON_NUM_MAX];
	bool over = false;
	int f;

	if (!out || cap == 0)
		return -1;
	tw_put(&w, "{\"ts\":", 6);
	tw_put(&w, num, json_number((double)r->ts_ms, num));
	for (f = 0; f < RF_COUNT; f++) {
		if (!writable(r, f))
			continue;
		tw_key(&w, reading_field_name[f]);
		if (reading_field_is_bool[f])
			tw_put(&w, r->val[f] != 0.0 ? "true" : "false",
			       r->val[f] != 0.0 ? 4 : 5);
		else
			tw_put(&w, num, json_number(r->val[f], num));
	}
	/* a saturated value is a lower bound, not a measurement */
	for (f = 0; f < RF_COUNT; f++) {
		if (!writable(r, f) || !((r->over >> f) & 1u))
			continue;
		tw_put(&w, over ? ",\"" : ",\"over_range\":[\"", over ? 2 : 16);
		tw_put(&w, reading_field_name[f], strlen(reading_field_name[f]));
		tw_put(&w, "\"", 1);
		over = true;
	}
	if (over)
		tw_put(&w, "]", 1);
	tw_put(&w, "}", 1);
	if (w.full)
		return -1;
	out[w.len] = '\0';
	return (int)w.len;
}

/* ------------------------------------------------------------ splicing */

/* Keys a stored reading may hold, as bits: the fields, then ts, over_range. */
#define K_TS    RF_COUNT
#define K_OVER  (RF_COUNT + 1)

/* The key at s (quoted) among the known ones, its length in *n; -1 if not. */
static int known_key(const struct dj_index *x, const char *s, size_t left, size_t *n)
{
	const char *q;
	size_t len;
	unsigned f;

	if (left < 2 || s[0] != '"' || !(q = memchr(s + 1, '"', left - 1)))
		return -1;
	len = (size_t)(q - s - 1);
	*n = len + 2;
	if (len == 2 && memcmp(s + 1, "ts", 2) == 0)
		return K_TS;
	if (len == 10 && memcmp(s + 1, "over_range", 10) == 0)
		return K_OVER;
	if (len == 0)
		return -1;
	/* strncmp stops at the name's end, so a shorter name is not read
	 * past; the length then tells "gas" from "gas_lel" (and from a key
	 * holding a NUL byte) */
	for (f = dj_index_first(x, s[1]); f != DJ_INDEX_END; f = x->next[f])
		if (strncmp(reading_field_name[f], s + 1, len) == 0 &&
		    strlen(reading_field_name[f]) == len)
			return (int)f;
	return -1;
}

static bool digit(char c) { return c >= '0' && c <= '9'; }

/* A JSON number at s: its length, or 0. */
static size_t number_len(const char *s, size_t left)
{
	size_t i = 0, d;

	if (i < left && s[i] == '-')
		i++;
	if (i < left && s[i] == '0') {
		i++;
	} else {
		for (d = i; i < left && digit(s[i]); i++)
			;
		if (i == d)
			return 0;
	}
	if (i < left && s[i] == '.') {
		for (d = ++i; i < left && digit(s[i]); i++)
			;
		if (i == d)
			return 0;
	}
	if (i < left && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < left && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < left && digit(s[i]); i++)
			;
		if (i == d)
			return 0;
	}
	return i;
}

/* ["gas_lel","co_ppm"]: known field names, none twice; its length or 0. */
static size_t over_list_len(const struct dj_index *x, const char *s, size_t left)
{
	uint32_t seen = 0;
	size_t i = 1, n;
	int f;

	if (left < 2 || s[0] != '[')
		return 0;
	if (s[1] == ']')
		return 2;
	for (;;) {
		f = known_key(x, s + i, left - i, &n);
		if (f < 0 || f >= RF_COUNT || ((seen >> f) & 1u))
			return 0;
		seen |= 1u << f;
		i += n;
		if (i < left && s[i] == ']')
			return i + 1;
		if (i >= left || s[i] != ',')
			return 0;
		i++;
	}
}

/*
 * True when s (len bytes) is an object of the form reading_text() writes:
 * no whitespace, known keys each once, numbers, true/false, the
 * over_range list.  Then its members can follow a telemetry object's
 * "device" and "seq" as they are, and the object is the one cJSON would
 * print from it (a number is kept as written: cJSON printed it so).
 */
bool reading_text_spliceable(const char *s, size_t len)
{
	struct dj_index x;
	uint32_t seen = 0;
	size_t i = 1, n;
	int k;

	if (!s || len < 2 || s[0] != '{' || s[len - 1] != '}')
		return false;
	if (len == 2)
		return true;
	dj_index_reading_fields(&x);
	for (;;) {
		k = known_key(&x, s + i, len - i, &n);
		if (k < 0 || ((seen >> k) & 1u))
			return false;
		seen |= 1u << k;
		i += n;
		if (i >= len || s[i++] != ':')
			return false;
		if (k == K_OVER)
			n = over_list_len(&x, s + i, len - i);
		else if (len - i >= 4 && memcmp(s + i, "true", 4) == 0)
			n = 4;
		else if (len - i >= 5 && memcmp(s + i, "false", 5) == 0)
			n = 5;
		else
			n = number_len(s + i, len - i);
		if (n == 0)
			return false;
		i += n;
		if (i == len - 1)
			return true;
		if (s[i++] != ',')
			return false;
	}
}
