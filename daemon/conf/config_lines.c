/*
 * config_lines.c: line numbers for config errors.
 *
 * cJSON keeps no positions, so after a successful parse we walk the raw text
 * once more, in step with the cJSON tree: the tree says what comes next
 * (object, array, scalar; which keys, in which order), the scanner only
 * skips over it and counts newlines.  This is not a second parser: it never
 * decides what a value means and it trusts cJSON that the text is valid.
 * Walking in step with the tree (instead of recording "$.a.b" paths) gives
 * duplicate keys and escaped keys their own, correct lines for free.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_lines.h"

struct cfg_pos {
	const cJSON *item;
	int key_line;           /* 0 when the item has no key */
	int value_line;
};

struct cfg_lines {
	struct cfg_pos *pos;    /* sorted by item address after indexing */
	size_t n, cap;
};

struct scan {
	const char *p, *end;
	int line;
};

/* cJSON treats every byte <= 32 as white space; so must we. */
static void scan_ws(struct scan *s)
{
	while (s->p < s->end && (unsigned char)*s->p <= 32) {
		if (*s->p == '\n')
			s->line++;
		s->p++;
	}
}

/* At the opening quote; stops after the closing one.  cJSON accepts raw
 * newlines inside strings, so count them. */
static int scan_string(struct scan *s)
{
	if (s->p >= s->end || *s->p != '"')
		return -1;
	for (s->p++; s->p < s->end && *s->p != '"'; s->p++) {
		if (*s->p == '\\' && s->p + 1 < s->end)
			s->p++;
		if (*s->p == '\n')
			s->line++;
	}
	if (s->p >= s->end)
		return -1;
	s->p++;
	return 0;
}

/* Numbers, true, false, null: in valid JSON they end at a delimiter. */
static void scan_scalar(struct scan *s)
{
	while (s->p < s->end && (unsigned char)*s->p > 32 &&
	       !strchr(",]}:", *s->p))
		s->p++;
}

static int scan_expect(struct scan *s, char ch)
{
	scan_ws(s);
	if (s->p >= s->end || *s->p != ch)
		return -1;
	s->p++;
	return 0;
}

static int lines_add(struct cfg_lines *l, const cJSON *item, int key_line,
		     int value_line)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct cfg_pos *p = realloc(l->pos, cap * sizeof *p);

		if (!p)
			return -1;
		l->pos = p;
		l->cap = cap;
	}
	l->pos[l->n++] = (struct cfg_pos){ item, key_line, value_line };
	return 0;
}

/* Depth is bounded by cJSON's own nesting limit (1000), so recursion is safe. */
static int scan_value(struct cfg_lines *l, struct scan *s, const cJSON *item,
		      int key_line)
{
	const cJSON *child;
	bool first = true;

	scan_ws(s);
	if (s->p >= s->end || lines_add(l, item, key_line, s->line) < 0)
		return -1;
	if (cJSON_IsObject(item)) {
		s->p++;
		cJSON_ArrayForEach(child, item) {
			int kl;

			if (!first && scan_expect(s, ',') < 0)
				return -1;
			first = false;
			scan_ws(s);
			kl = s->line;
			if (scan_string(s) < 0 || scan_expect(s, ':') < 0 ||
			    scan_value(l, s, child, kl) < 0)
				return -1;
		}
		return scan_expect(s, '}');
	}
	if (cJSON_IsArray(item)) {
		s->p++;
		cJSON_ArrayForEach(child, item) {
			if (!first && scan_expect(s, ',') < 0)
				return -1;
			first = false;
			if (scan_value(l, s, child, 0) < 0)
				return -1;
		}
		return scan_expect(s, ']');
	}
	if (cJSON_IsString(item))
		return scan_string(s);
	scan_scalar(s);
	return 0;
}

static int pos_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct cfg_pos *)a)->item;
	uintptr_t y = (uintptr_t)((const struct cfg_pos *)b)->item;

	return x < y ? -1 : x > y;
}

struct cfg_lines *cfg_lines_index(const char *text, size_t len, const cJSON *root)
{
	struct cfg_lines *l = calloc(1, sizeof *l);
	struct scan s = { text, text + len, 1 };

	if (!l)
		return NULL;
	/* cJSON skips a UTF-8 byte order mark; an editor on Windows adds one */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		s.p += 3;
	/*
	 * A mismatch cannot happen for text cJSON accepted; if it ever does,
	 * keep what was indexed so far: later items just report line 0.
	 */
	(void)scan_value(l, &s, root, 0);
	if (l->n)
		qsort(l->pos, l->n, sizeof *l->pos, pos_cmp);
	return l;
}

void cfg_lines_free(struct cfg_lines *l)
{
	if (!l)
		return;
	free(l->pos);
	free(l);
}

const struct cfg_pos *lines_find(const struct cfg_lines *l, const cJSON *item)
{
	struct cfg_pos key = { .item = item };

	if (!l || !item || l->n == 0)
		return NULL;
	return bsearch(&key, l->pos, l->n, sizeof *l->pos, pos_cmp);
}

int cfg_lines_key(const struct cfg_lines *l, const cJSON *item)
{
	const struct cfg_pos *p = lines_find(l, item);

	if (!p)
		return 0;
	return p->key_line ? p->key_line : p->value_line;
}

int cfg_lines_value(const struct cfg_lines *l, const cJSON *item)
{
	const struct cfg_pos *p = lines_find(l, item);

	return p ? p->value_line : 0;
}

void cfg_lines_at(const char *text, const char *pos, int *line, int *col)
{
	const char *p, *bol = text;
	int n = 1;

	for (p = text; p < pos && *p; p++) {
		if (*p == '\n') {
			n++;
			bol = p + 1;
		}
	}
	*line = n;
	*col = (int)(p - bol) + 1;
}
