/*
 * localtime.c: local calendar days in a configured zone (summary.timezone):
 * dates, "HH:MM", day bounds and the time filters people type.
 *
 * Local time comes from the C library with TZ set to the configured zone;
 * nothing else in the daemon formats local time, so the process-wide
 * setting is ours.  It is changed only when the zone changes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

#define ZONEINFO        "/usr/share/zoneinfo"

/* ------------------------------------------------------------ calendar */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void localtime_day_to_date(int64_t day, char *buf, size_t len)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* "YYYY-MM-DD", a real date; its day number into *day. */
int localtime_parse_date(const char *s, int64_t *day)
{
	int y, m, d, yy, mm, dd;

	if (!s || strlen(s) < 10 || !all_digits(s, 4) || s[4] != '-' ||
	    !all_digits(s + 5, 2) || s[7] != '-' || !all_digits(s + 8, 2))
		return -1;
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*day = days_from_civil(y, m, d);
	civil_from_days(*day, &yy, &mm, &dd);
	return yy == y && mm == m && dd == d ? 0 : -1;  /* no 2026-02-30 */
}

int localtime_parse_hhmm(const char *s, int *minutes)
{
	int h, m;

	if (!s || strlen(s) != 5 || !all_digits(s, 2) || s[2] != ':' ||
	    !all_digits(s + 3, 2))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

/* ------------------------------------------------------------ time zone */

bool localtime_zone_valid(const char *zone, char *err, size_t errlen)
{
	char path[sizeof ZONEINFO + SUMMARY_ZONE_MAX + 1], magic[4];
	size_t i, n = zone ? strlen(zone) : 0;
	int fd;
	ssize_t got;

	if (n == 0 || n >= SUMMARY_ZONE_MAX) {
		errf(err, errlen, "time zone name must be 1 to %d characters",
		     SUMMARY_ZONE_MAX - 1);
		return false;
	}
	/* a name, never a path that leaves the zone directory */
	for (i = 0; i < n; i++) {
		char ch = zone[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' ||
		      ch == '-' || ch == '+')) {
			errf(err, errlen, "time zone \"%s\": not a zone name "
			     "(like Asia/Shanghai or UTC)", zone);
			return false;
		}
	}
	if (zone[0] == '/' || strstr(zone, "..") || zone[n - 1] == '/') {
		errf(err, errlen, "time zone \"%s\": not a zone name "
		     "(like Asia/Shanghai or UTC)", zone);
		return false;
	}
	/* the C library falls back to UTC itself when the file is missing */
	if (strcmp(zone, "UTC") == 0)
		return true;
	snprintf(path, sizeof path, ZONEINFO "/%s", zone);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	got = fd >= 0 ? read(fd, magic, sizeof magic) : -1;
	if (fd >= 0)
		close(fd);
	if (got != (ssize_t)sizeof magic || memcmp(magic, "TZif", 4) != 0) {
		errf(err, errlen, "unknown time zone \"%s\" (no zone file %s; "
		     "is tzdata installed?)", zone, path);
		return false;
	}
	return true;
}

void localtime_use_zone(const char *zone)
{
	static char applied[SUMMARY_ZONE_MAX + 2];
	char want[SUMMARY_ZONE_MAX + 2];

	snprintf(want, sizeof want, ":%s", zone && *zone ? zone : "UTC");
	if (strcmp(want, applied) == 0)
		return;
	setenv("TZ", want, 1);
	tzset();
	memcpy(applied, want, sizeof applied);
}

/* Wall ms of a local date and time in zone (the first such instant). */
static int64_t local_ms(const char *zone, int64_t day, int minutes)
{
	struct tm tm;
	int y, m, d;
	time_t t;

	localtime_use_zone(zone);
	civil_from_days(day, &y, &m, &d);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_isdst = -1;               /* the zone's rules decide */
	t = mktime(&tm);
	return (int64_t)t * 1000;
}

/* The local date of a wall time in zone, as a day number. */
static int64_t local_day(const char *zone, int64_t wall_ms)
{
	time_t t = (time_t)(wall_ms >= 0 ? wall_ms / 1000 : (wall_ms - 999) / 1000);
	struct tm tm;

	localtime_use_zone(zone);
	if (!localtime_r(&t, &tm))
		return 0;
	return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int localtime_day_bounds(const char *zone, const char *date, int64_t *start_ms,
		       int64_t *end_ms, char *err, size_t errlen)
{
	int64_t day;

	if (localtime_parse_date(date, &day) < 0 || date[10] != '\0') {
		errf(err, errlen, "date \"%.40s\" is not YYYY-MM-DD", date ? date : "");
		return -1;
	}
	*start_ms = local_ms(zone, day, 0);
	*end_ms = local_ms(zone, day + 1, 0);
	return 0;
}

int localtime_date_of(const char *zone, int64_t wall_ms, char *buf, size_t len)
{
	localtime_day_to_date(local_day(zone, wall_ms), buf, len);
	return 0;
}

/* The day whose scheduled summary is the latest one at or before now. */
int64_t localtime_due_day(const char *zone, int minutes, int64_t now_ms)
{
	int64_t today = local_day(zone, now_ms);

	return now_ms >= local_ms(zone, today, minutes) ? today : today - 1;
}

int localtime_parse_since(const char *zone, const char *s, int64_t now_ms,
			int64_t *out_ms, char *err, size_t errlen)
{
	size_t n = s ? strlen(s) : 0;
	int64_t day, unit = 0;
	int hh, mm, ss = 0;

	if (n >= 2 && all_digits(s, n - 1) && n < 12) {
		switch (s[n - 1]) {
		case 's': unit = 1000; break;
		case 'm': unit = 60000; break;
		case 'h': unit = 3600000; break;
		case 'd': unit = 86400000; break;
		}
		if (unit) {
			*out_ms = now_ms - strtoll(s, NULL, 10) * unit;
			return 0;
		}
	}
	if (n >= 10 && localtime_parse_date(s, &day) == 0) {
		const char *t = s + 10;

		if (*t == '\0') {
			*out_ms = local_ms(zone, day, 0);
			return 0;
		}
		if (parse_iso_ms(s, out_ms) == 0)
			return 0;       /* with Z or +00:00: UTC */
		if ((*t == 'T' || *t == ' ') && strlen(t) >= 6 && all_digits(t + 1, 2) &&
		    t[3] == ':' && all_digits(t + 4, 2)) {
			const char *end = t + 6;
			bool utc;

			hh = (t[1] - '0') * 10 + (t[2] - '0');
			mm = (t[4] - '0') * 10 + (t[5] - '0');
			if (*end == ':' && all_digits(end + 1, 2)) {
				ss = (end[1] - '0') * 10 + (end[2] - '0');
				end += 3;
			}
			utc = *end == 'Z';
			if ((utc ? end[1] : *end) == '\0' && hh < 24 && mm < 60 && ss < 60) {
				*out_ms = (utc ? day * 86400000LL + (hh * 60 + mm) * 60000LL
					       : local_ms(zone, day, hh * 60 + mm)) + ss * 1000LL;
				return 0;
			}
		}
	}
	errf(err, errlen, "time \"%.40s\" is not a duration (24h, 30m, 7d) or a "
	     "date/time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z])", s ? s : "");
	return -1;
}
