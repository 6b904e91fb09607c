/*
 * syszone.c: the system's time zone by name, for summary.timezone when the
 * config leaves it out.  A gateway set up for its site (timedatectl
 * set-timezone, dpkg-reconfigure tzdata) says its zone in /etc/timezone
 * or in the target of the /etc/localtime link; a site's "day" must come
 * from there rather than silently from UTC.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib.h"

static bool zone_ok(const char *zone)
{
	char why[160];

	return zone[0] && localtime_zone_valid(zone, why, sizeof why);
}

const char *localtime_system_zone(char *buf, size_t len)
{
	char link[PATH_MAX_HZ];
	const char *at;
	ssize_t n;
	FILE *f;

	if (len == 0)
		return NULL;
	buf[0] = '\0';
	/* the link first: timedatectl changes it, and may leave a stale
	 * /etc/timezone behind */
	n = readlink("/etc/localtime", link, sizeof link - 1);
	if (n > 0) {
		link[n] = '\0';
		at = strstr(link, "zoneinfo/");
		if (at && strlcpy_hz(buf, at + strlen("zoneinfo/"), len) == 0 && zone_ok(buf))
			return "/etc/localtime";
	}
	f = fopen("/etc/timezone", "re");
	if (f) {
		bool got = fgets(buf, (int)len, f) != NULL;

		fclose(f);
		buf[got ? strcspn(buf, " \t\r\n") : 0] = '\0';
		if (got && zone_ok(buf))
			return "/etc/timezone";
	}
	buf[0] = '\0';
	return NULL;
}
