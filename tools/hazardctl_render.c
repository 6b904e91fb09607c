/*
 * hazardctl_render.c: turning reply values into text for a terminal:
 * control bytes replaced, widths in columns, times and ages, tables.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hazardctl.h"

/* ---------------------------------------------------------- rendering */

/*
 * Text from the daemon can carry what a device or the district platform
 * sent (notes, ids); control bytes are replaced so that nothing in a reply
 * can drive the operator's terminal.
 */
char *hzc_sanitize(const char *s)
{
	char *out = strdup(s ? s : ""), *p;

	if (!out) {
		fprintf(stderr, "hazardctl: out of memory\n");
		exit(HZC_EXIT_DAEMON);
	}
	for (p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

/* Terminal columns of UTF-8 text: East Asian wide characters take two. */
int hzc_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (*p) {
		unsigned cp;
		int extra;

		if (*p < 0x80) {
			cp = *p; extra = 0;
		} else if ((*p & 0xE0) == 0xC0) {
			cp = *p & 0x1F; extra = 1;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = *p & 0x0F; extra = 2;
		} else {
			cp = *p & 0x07; extra = 3;
		}
		for (p++; extra > 0 && (*p & 0xC0) == 0x80; p++, extra--)
			cp = (cp << 6) | (*p & 0x3F);
		w += ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
		      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
		      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
		      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD))
			? 2 : 1;
	}
	return w;
}

/* A cell the table owns and frees (sanitized like everything shown). */
char *hzc_dup(const char *s)
{
	return hzc_sanitize(s);
}

char *hzc_fmt_num(double v)
{
	char buf[64];

	/* counters and ids are integers: no "7.000000" */
	if (v == (double)(int64_t)v && v > -9e15 && v < 9e15)
		snprintf(buf, sizeof buf, "%lld", (long long)v);
	else
		snprintf(buf, sizeof buf, "%.6g", v);
	return hzc_dup(buf);
}

/* Any scalar as display text; objects and arrays as compact JSON. */
char *hzc_scalar(const cJSON *v)
{
	char *json, *out;

	if (!v || cJSON_IsNull(v))
		return hzc_dup("-");
	if (cJSON_IsString(v))
		return hzc_sanitize(v->valuestring);
	if (cJSON_IsNumber(v))
		return hzc_fmt_num(v->valuedouble);
	if (cJSON_IsBool(v))
		return hzc_dup(cJSON_IsTrue(v) ? "true" : "false");
	json = cJSON_PrintUnformatted(v);
	out = hzc_sanitize(json);
	free(json);
	return out;
}

/* The first of several candidate keys (the store's names may vary). */
const cJSON *hzc_get(const cJSON *o, const char *const *keys)
{
	const cJSON *v;

	for (; *keys; keys++)
		if ((v = cJSON_GetObjectItemCaseSensitive(o, *keys)) != NULL)
			return v;
	return NULL;
}

/* A time: ms since the epoch or an ISO string, shown to the second. */
char *hzc_time(const cJSON *v)
{
	char buf[40];
	int64_t ms;

	if (cJSON_IsNumber(v) && v->valuedouble > 0)
		ms = (int64_t)v->valuedouble;
	else if (cJSON_IsString(v) && parse_iso_ms(v->valuestring, &ms) == 0)
		;
	else
		return hzc_scalar(v);
	{
		/* local time with its offset, ISO 8601 ("Z" when it is UTC);
		 * no ".mmm": tables, not forensics */
		time_t t = (time_t)(ms / 1000 - (ms < 0 && ms % 1000 ? 1 : 0));
		struct tm tm;
		long off;

		if (!localtime_r(&t, &tm))
			return hzc_scalar(v);
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
		off = tm.tm_gmtoff;
		if (off == 0)
			strcat(buf, "Z");
		else
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%c%02ld:%02ld",
				 off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
	}
	return hzc_dup(buf);
}

void hzc_use_zone(const char *zone)
{
	/* TZ=":Zone": the C library reads that zone file; unset, /etc/localtime */
	if (zone && *zone) {
		char tz[128];

		snprintf(tz, sizeof tz, ":%s", zone);
		setenv("TZ", tz, 1);
	}
	tzset();
}

char *hzc_age(const cJSON *v)
{
	char buf[32];
	double s;

	if (!cJSON_IsNumber(v))
		return hzc_dup("never");
	s = v->valuedouble;
	if (s < 120)
		snprintf(buf, sizeof buf, "%.0fs ago", s);
	else if (s < 120 * 60)
		snprintf(buf, sizeof buf, "%.0fm ago", s / 60);
	else if (s < 48 * 3600)
		snprintf(buf, sizeof buf, "%.0fh ago", s / 3600);
	else
		snprintf(buf, sizeof buf, "%.0fd ago", s / 86400);
	return hzc_dup(buf);
}


/* Columns padded to their widest cell; the last column runs free. */
void hzc_table(const char *const *head, int ncols, struct hzc_row *rows,
		      int nrows, const char *indent)
{
	int width[HZC_MAX_COLS], r, c;

	for (c = 0; c < ncols; c++) {
		width[c] = hzc_width(head[c]);
		for (r = 0; r < nrows; r++)
			if (hzc_width(rows[r].cell[c]) > width[c])
				width[c] = hzc_width(rows[r].cell[c]);
	}
	for (r = -1; r < nrows; r++) {
		fputs(indent, stdout);
		for (c = 0; c < ncols; c++) {
			const char *s = r < 0 ? head[c] : rows[r].cell[c];

			if (c == ncols - 1)
				printf("%s\n", s);
			else
				printf("%s%*s  ", s, width[c] - hzc_width(s), "");
		}
	}
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			free(rows[r].cell[c]);
}

struct hzc_row *hzc_rows(int n)
{
	struct hzc_row *rows = calloc((size_t)(n > 0 ? n : 1), sizeof *rows);

	if (!rows) {
		fprintf(stderr, "hazardctl: out of memory\n");
		exit(HZC_EXIT_DAEMON);
	}
	return rows;
}

/* "key: value" lines, nested objects as a.b and arrays as a[0]. */
void hzc_flatten(const char *prefix, const cJSON *v)
{
	const cJSON *child;
	char key[512];
	char *s;
	int i = 0;

	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		if (!v->child) {
			printf("%s: %s\n", prefix, cJSON_IsObject(v) ? "{}" : "[]");
			return;
		}
		cJSON_ArrayForEach(child, v) {
			char *name = hzc_sanitize(child->string ? child->string : "");

			if (cJSON_IsArray(v))
				snprintf(key, sizeof key, "%s[%d]", prefix, i++);
			else if (*prefix)
				snprintf(key, sizeof key, "%s.%s", prefix, name);
			else
				snprintf(key, sizeof key, "%s", name);
			free(name);
			hzc_flatten(key, child);
		}
		return;
	}
	s = hzc_scalar(v);
	printf("%s: %s\n", prefix, s);
	free(s);
}

