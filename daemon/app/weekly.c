/*
 * weekly.c: the weekly report (每周一报, ops.h): the major hazards open
 * at the end of an ISO week (Monday to Monday in summary.timezone), each
 * with its assignee, deadline, state and re-inspection progress
 * (submitted, reinspect_failed) and whether the platform put it under
 * supervision (挂牌督办).  `hazardctl report --weekly [--week YYYY-Www]`
 * asks for one; the daemon queues the report of each week that ended on
 * <prefix>/weekly by itself (weekly_tick, from the summary's tick).
 *
 * A week's list is of the hazards raised before its end and not closed
 * by then; their state, assignee and supervision are as they are now
 * (the database keeps no snapshot), which for the week just ended is the
 * same thing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops.h"

#define META_WEEKLY_LAST "weekly_last_week"

static int64_t local_ms(struct tm *tm)
{
	tm->tm_isdst = -1;
	return (int64_t)mktime(tm) * 1000;
}

static void label_of(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%G-W%V", &tm);
}

/* [start, end) of week ("YYYY-Www"; NULL: the one now_ms is in) with its
 * label; 0, or -1 with err. */
static int week_bounds(const char *week, int64_t now_ms, int64_t *start, int64_t *end,
		       char *label, size_t len, char *err, size_t errlen)
{
	struct tm tm;
	time_t t = (time_t)(now_ms / 1000);
	int y, w, back;
	char tail;

	if (!week) {
		localtime_r(&t, &tm);
		back = (tm.tm_wday + 6) % 7;    /* days since Monday */
		tm.tm_mday -= back;
	} else {
		if (sscanf(week, "%4d-W%2d%c", &y, &w, &tail) != 2 || strlen(week) != 8 ||
		    w < 1 || w > 53 || y < 2000 || y > 9999) {
			snprintf(err, errlen, "\"week\" must be YYYY-Www (an ISO week, "
				 "e.g. 2026-W49)");
			return -1;
		}
		/* ISO week 1 holds 4 January */
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mday = 4;
		tm.tm_hour = 12;
		local_ms(&tm);
		tm.tm_mday = 4 - (tm.tm_wday + 6) % 7 + (w - 1) * 7;
	}
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	*start = local_ms(&tm);
	tm.tm_mday += 7;
	*end = local_ms(&tm);
	label_of(*start, label, len);
	if (week && strcmp(label, week) != 0) {
		snprintf(err, errlen, "%s has no week %d", week, w);
		return -1;
	}
	if (*start > now_ms) {
		snprintf(err, errlen, "week %s has not begun", label);
		return -1;
	}
	return 0;
}

static cJSON *weekly_build(struct daemon *d, const char *week, int64_t now_ms, char *err,
			   size_t errlen)
{
	int64_t start, end, cut;
	char label[16], id[32], buf[32];
	cJSON *o, *rows;

	if (week_bounds(week, now_ms, &start, &end, label, sizeof label, err, errlen) < 0)
		return NULL;
	cut = now_ms < end ? now_ms : end;
	if (!(rows = store_weekly_majors(d->store, cut, now_ms))) {
		snprintf(err, errlen, "database error reading the major hazards");
		return NULL;
	}
	store_assign_rows(d->store, rows, "id");
	store_supervision_rows(d->store, rows, "id");
	if (!(o = cJSON_CreateObject())) {
		cJSON_Delete(rows);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* first member: the uplink takes it as the message's msg_id */
	snprintf(id, sizeof id, "weekly-%s", label);
	cJSON_AddStringToObject(o, "msg_id", id);
	cJSON_AddStringToObject(o, "kind", "weekly");
	cJSON_AddStringToObject(o, "week", label);
	cJSON_AddStringToObject(o, "timezone", d->cfg->summary.timezone);
	cJSON_AddStringToObject(o, "district", d->cfg->gateway.district);
	cJSON_AddStringToObject(o, "period_start", fmt_iso_ms(start, buf, sizeof buf));
	cJSON_AddStringToObject(o, "period_end", fmt_iso_ms(end, buf, sizeof buf));
	cJSON_AddStringToObject(o, "as_of", fmt_iso_ms(cut, buf, sizeof buf));
	cJSON_AddBoolToObject(o, "complete", now_ms >= end);
	cJSON_AddNumberToObject(o, "count", cJSON_GetArraySize(rows));
	cJSON_AddItemToObject(o, "majors", rows);
	return o;
}

static int weekly_queue(struct daemon *d, const cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	int rc = text ? store_outbox_put(d->store, "weekly", OB_STATUS, text, NULL) : -1;

	free(text);
	if (rc < 0)
		d->cnt.store_errors++;
	else if (d->up)
		uplink_pump(d->up, d->store);
	return rc;
}

cJSON *ops_weekly(struct daemon *d, const cJSON *req, struct ops_error *e)
{
	const cJSON *pub = cJSON_GetObjectItemCaseSensitive(req, "publish");
	const char *week = NULL;
	char err[200] = "";
	cJSON *o;

	if (pub && !cJSON_IsBool(pub))
		return ops_fail(e, OPS_INVALID, "\"publish\" must be true or false");
	if (ops_text(req, "week", 8, false, &week, e) < 0)
		return NULL;
	if (!d->store)
		return ops_fail(e, OPS_FAILED, "store not available");
	if (!(o = weekly_build(d, week, now_wall_ms(), err, sizeof err)))
		return ops_fail(e, OPS_INVALID, "%s", err);
	if ((!pub || cJSON_IsTrue(pub)) && weekly_queue(d, o) < 0) {
		cJSON_Delete(o);
		return ops_fail(e, OPS_FAILED, "database error queueing the weekly report");
	}
	cJSON_AddBoolToObject(o, "queued", !pub || cJSON_IsTrue(pub));
	return o;
}

void weekly_tick(struct daemon *d)
{
	int64_t now = now_wall_ms(), start, end;
	char now_label[16], err[200], *last = NULL;
	cJSON *o;

	if (!d->store || !clock_trusted())
		return;
	if (week_bounds(NULL, now, &start, &end, now_label, sizeof now_label, err,
			sizeof err) < 0 ||
	    store_meta_get_text(d->store, META_WEEKLY_LAST, &last) < 0)
		return;
	if (last && strcmp(last, now_label) == 0) {
		free(last);
		return;
	}
	/* a new database starts with the week it is in; else the week that
	 * just ended (start - 1 ms is in it) goes upstream once */
	if (last) {
		char prev[16];

		label_of(start - 1, prev, sizeof prev);
		o = weekly_build(d, prev, now, err, sizeof err);
		if (!o || weekly_queue(d, o) < 0) {
			log_warnx("weekly report of %s: %s", prev, o ? "database error" : err);
			cJSON_Delete(o);
			free(last);
			return;
		}
		log_info("weekly report of %s queued upstream: %d major hazard(s) open",
			 prev, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "majors")));
		cJSON_Delete(o);
	}
	free(last);
	if (store_meta_set_text(d->store, META_WEEKLY_LAST, now_label) < 0)
		d->cnt.store_errors++;
}
