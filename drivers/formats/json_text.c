/*
 * json_text.c: JSON text written straight from C values, byte for byte
 * what cJSON's unformatted printer writes for the same values.
 *
 * A reading is stored and forwarded as text on every message; building a
 * cJSON tree only to print it cost an allocation per field and the tree's
 * walk.  The text must stay what cJSON printed before (the database of an
 * earlier version, docs/protocol.md and the district's parsers see no
 * difference), hence the printer's rules copied here as rules, not code:
 *
 *   numbers   "%1.15g", or "%1.17g" when 15 digits do not read back as
 *             the same double (cJSON's print_number, 1.7.15); an integral
 *             value below 1e15 is therefore its plain digits, written here
 *             without printf;
 *   strings   '"' and '\\' and the control characters escaped, \b \f \n \r
 *             \t by name and the others as \u00xx; every other byte as is.
 *
 * Non-finite numbers have no JSON form (cJSON writes null): the writers of
 * readings leave such a field out instead (reading_text.c).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"

/* Digits of an integer, |v| < 1e15, into out; returns the length. */
static size_t put_int(char *out, long long v)
{
	char tmp[24];
	size_t n = 0, len = 0;
	unsigned long long u;

	if (v < 0) {
		out[len++] = '-';
		u = (unsigned long long)-v;
	} else {
		u = (unsigned long long)v;
	}
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

/* cJSON's test of "reads back as the same double" */
static bool same_double(double a, double b)
{
	double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= m * DBL_EPSILON;
}

/*
 * A value with few decimals (what sensors send: 21.5, 0.35) without
 * printf.  If n / 10^k, |n| < 1e15, is the decimal whose nearest double is
 * d, then "%1.15g" prints exactly that decimal (15 digits survive the trip
 * to a double and back, DBL_DIG) and it reads back as d, so cJSON keeps
 * it.  (double)n / 10^k is that nearest double: n and 10^k (k <= 22) are
 * exact and IEEE division rounds correctly; the test is exact even when
 * the multiplication that proposed n was not.  Only from 1e-4 up ("%g"
 * turns to an exponent below) and for the first k that works (the
 * shortest decimal: no trailing zeros).  0 when no k works.
 */
static size_t put_decimal(char *out, double d)
{
	static const double p10[] = {
		1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	};
	double a = fabs(d), m;
	long long n, ip, fp;
	size_t len;
	int k, i;

	if (a < 1e-4 || a >= 1e15)
		return 0;
	for (k = 1; k < 20; k++) {
		m = a * p10[k];
		if (m >= 1e15)
			return 0;
		n = llround(m);
		if ((double)n / p10[k] != a)
			continue;
		ip = n / (long long)p10[k];
		fp = n % (long long)p10[k];
		len = 0;
		if (d < 0)
			out[len++] = '-';
		len += put_int(out + len, ip);
		out[len++] = '.';
		for (i = k - 1; i >= 0; i--) {
			out[len + (size_t)i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		len += (size_t)k;
		out[len] = '\0';
		return len;
	}
	return 0;
}

size_t json_number(double d, char out[JSON_NUM_MAX])
{
	double back = 0.0;
	int n;
	char *p;

	if (!isfinite(d)) {
		memcpy(out, "null", 5);
		return 4;
	}
	/* Integral and below 1e15: "%1.15g" comes down to the plain digits
	 * (and so does the "%d" newer cJSONs use within int range).  -0 is
	 * "-0" in the cJSON of Debian 12 (1.7.15, "%1.15g" alone), which
	 * wrote the rows of earlier versions. */
	if (d == floor(d) && fabs(d) < 1e15 && !(d == 0 && signbit(d)))
		return put_int(out, (long long)d);
	if ((n = (int)put_decimal(out, d)) > 0)
		return (size_t)n;
	n = snprintf(out, JSON_NUM_MAX, "%1.15g", d);
	if (sscanf(out, "%lg", &back) != 1 || !same_double(back, d))
		n = snprintf(out, JSON_NUM_MAX, "%1.17g", d);
	/* a locale's decimal comma, as cJSON replaces it */
	for (p = out; *p; p++)
		if (*p == ',')
			*p = '.';
	return n > 0 ? (size_t)n : 0;
}

/* ------------------------------------------------------------ jbuf */

bool jbuf_reserve(struct jbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void jbuf_put(struct jbuf *b, const char *s, size_t n)
{
	if (!jbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void jbuf_num(struct jbuf *b, double d)
{
	char num[JSON_NUM_MAX];

	jbuf_put(b, num, json_number(d, num));
}

/* Escaped as cJSON's print_string_ptr escapes; worst case 6 bytes a byte. */
size_t json_escape(const char *s, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0;
	unsigned char c;

	out[len++] = '"';
	for (; s && (c = (unsigned char)*s) != '\0'; s++) {
		if (c >= 32 && c != '"' && c != '\\') {
			out[len++] = (char)c;
			continue;
		}
		out[len++] = '\\';
		switch (c) {
		case '"':  out[len++] = '"'; break;
		case '\\': out[len++] = '\\'; break;
		case '\b': out[len++] = 'b'; break;
		case '\f': out[len++] = 'f'; break;
		case '\n': out[len++] = 'n'; break;
		case '\r': out[len++] = 'r'; break;
		case '\t': out[len++] = 't'; break;
		default:
			out[len++] = 'u';
			out[len++] = '0';
			out[len++] = '0';
			out[len++] = hex[c >> 4];
			out[len++] = hex[c & 15];
		}
	}
	out[len++] = '"';
	out[len] = '\0';
	return len;
}

void jbuf_str(struct jbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!jbuf_reserve(b, 6 * n + 2))
		return;
	b->len += json_escape(s, b->p + b->len);
}

void jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}
