/*
 * hazardctl_status.c: `hazardctl status` for a person: the headline and a
 * few lines that fit one screen; --verbose every member (hzc_flatten).
 */
#include <stdlib.h>
#include <string.h>

#include "hazardctl.h"

static double hzc_num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static bool hzc_true(const cJSON *o, const char *a, const char *b)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(o, a), b));
}

/* " · 2 alarms" into line (nothing for 0) */
static void hzc_count(char *line, size_t len, double n, const char *one,
		      const char *many, const char *tail)
{
	size_t at = strlen(line);

	if (n > 0 && at < len)
		snprintf(line + at, len - at, " · %.0f %s%s", n, n == 1 ? one : many, tail);
}

/* One line of a link: its URI (sanitised) and whether it is up. */
static void hzc_status_link(const cJSON *res, const char *key, const char *label)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(res, key);
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(l, "configured");
	char *uri = hzc_scalar(cJSON_GetObjectItemCaseSensitive(l, "uri"));

	printf("  %-9s %s  %s\n", label, cJSON_IsFalse(conf) ? "not configured" :
	       hzc_true(res, key, "connected") ? "connected" : "DOWN", uri);
	free(uri);
}

/*
 * One screen: the headline an operator reads first ("links ok · 2 alarms ·
 * 1 hazard overdue · 1 device offline"), then a few lines; --verbose
 * prints every member, --json the reply.
 */
void hzc_print_status(const cJSON *res, bool verbose)
{
	bool local_up = hzc_true(res, "local", "connected"),
	     up_up = hzc_true(res, "upstream", "connected"),
	     /* no upstream section: not a failure, nothing to report to */
	     up_none = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
		     cJSON_GetObjectItemCaseSensitive(res, "upstream"), "configured"));
	double offline = hzc_num(res, "device_presence", "offline"),
	       never = hzc_num(res, "device_presence", "never_seen"),
	       alarms = hzc_num(res, "live_records", "alarms"),
	       faults = hzc_num(res, "live_records", "faults"),
	       hazards = hzc_num(res, "live_records", "hazards"),
	       overdue = hzc_num(res, "live_records", "hazards_overdue"),
	       uptime = hzc_num(res, "uptime_s", NULL);
	char line[512], *gw, *ver, *tz;

	if (verbose) {
		hzc_flatten("", res);
		return;
	}
	snprintf(line, sizeof line, "%s", up_none ? (local_up ? "local ok, no upstream" :
		 "local broker DOWN, no upstream") : local_up && up_up ? "links ok" :
		 !local_up && !up_up ? "links DOWN" : !local_up ? "local broker DOWN" :
		 "upstream DOWN");
	hzc_count(line, sizeof line, alarms, "alarm", "alarms", "");
	hzc_count(line, sizeof line, faults, "fault", "faults", "");
	hzc_count(line, sizeof line, overdue, "hazard", "hazards", " overdue");
	hzc_count(line, sizeof line, hazards - overdue, "hazard", "hazards", " open");
	hzc_count(line, sizeof line, offline, "device", "devices", " offline");
	if (alarms + faults + hazards + offline == 0)
		strncat(line, " · nothing open", sizeof line - strlen(line) - 1);
	printf("%s\n", line);
	gw = hzc_scalar(cJSON_GetObjectItemCaseSensitive(res, "gateway"));
	ver = hzc_scalar(cJSON_GetObjectItemCaseSensitive(res, "version"));
	tz = hzc_scalar(cJSON_GetObjectItemCaseSensitive(res, "timezone"));
	printf("  gateway   %s, hazardd %s, up %ldh%02ldm, local time %s\n", gw, ver,
	       (long)uptime / 3600, (long)uptime % 3600 / 60, tz);
	free(gw);
	free(ver);
	free(tz);
	hzc_status_link(res, "local", "local");
	hzc_status_link(res, "upstream", "upstream");
	printf("  outbox    %.0f queued for upstream\n", hzc_num(res, "outbox_depth", NULL));
	printf("  devices   %.0f: %.0f online, %.0f offline, %.0f never seen\n",
	       hzc_num(res, "devices", NULL), hzc_num(res, "device_presence", "online"),
	       offline, never);
	printf("  records   %.0f alarms, %.0f faults, %.0f hazards live (%.0f overdue)\n",
	       alarms, faults, hazards, overdue);
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "clock_trusted")))
		printf("  clock     NOT trusted (not synchronised): times may be wrong\n");
	if (hzc_true(res, "ids", "history_lost"))
		printf("  database  history lost at this start (status --verbose: ids)\n");
	if (hzc_num(res, "counters", "store_errors") > 0)
		printf("  database  %.0f store errors (status --verbose)\n",
		       hzc_num(res, "counters", "store_errors"));
	printf("(status --verbose: every counter; --json: the reply)\n");
}
