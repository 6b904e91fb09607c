/*
 * store_live_count.c: how many records of each kind are live, and how
 * many hazards are past their deadline: the first line of `hazardctl
 * status` ("2 alarms · 1 hazard overdue").
 */
#include <string.h>
#include <sqlite3.h>
#include "store.h"
#include "store_internal.h"

int store_live_counts(struct store *st, struct live_counts *out)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT kind, count(*), "
				      "sum(kind = 'hazard' AND overdue != 0) "
				      "FROM hazards WHERE " RECORD_LIVE_SQL " GROUP BY kind");
	int rc;

	memset(out, 0, sizeof *out);
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		int n = sqlite3_column_int(s, 1);

		if (!k)
			continue;
		if (strcmp(k, "alarm") == 0)
			out->alarms = n;
		else if (strcmp(k, "fault") == 0)
			out->faults = n;
		else if (strcmp(k, "hazard") == 0) {
			out->hazards = n;
			out->hazards_overdue = sqlite3_column_int(s, 2);
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "count live records");
	return 0;
}
