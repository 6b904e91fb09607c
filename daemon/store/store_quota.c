/*
 * store_quota.c: the disk quota (storage.max_mb): SQLite's own page
 * ceiling, the bytes in use, and making room oldest-first (readings, then
 * telemetry, then kept copies of delivered record events, then finished
 * records' events), never a live record or an undelivered record event.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

static int64_t pragma_int(struct store *st, const char *sql)
{
	char v[32];

	if (store_pragma(st->db, sql, v, sizeof v) < 0)
		return -1;
	return strtoll(v, NULL, 10);
}

int store_set_quota(struct store *st, int max_mb)
{
	int64_t page = pragma_int(st, "PRAGMA page_size");
	char sql[64];

	if (page <= 0)
		return -1;
	/* a hard ceiling: past it every write fails with SQLITE_FULL, which
	 * the loop survives; store_make_room keeps us below it */
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
		 (long long)((int64_t)max_mb * 1048576 / page));
	return store_pragma(st->db, sql, NULL, 0);
}

int64_t store_used_bytes(struct store *st)
{
	int64_t pages = pragma_int(st, "PRAGMA page_count");
	int64_t free_pages = pragma_int(st, "PRAGMA freelist_count");
	int64_t page = pragma_int(st, "PRAGMA page_size");

	if (pages < 0 || free_pages < 0 || page < 0)
		return -1;
	return (pages - free_pages) * page;
}

/* Finished records visited for event trimming per call (store_trim.c):
 * bounds the time one quota check can take on a large table. */
#define TRIM_BATCH      50
#define TRIM_PER_CALL   2000

int store_make_room(struct store *st, int64_t target_bytes, int64_t *dropped_readings,
		    int64_t *dropped_telemetry, int64_t *dropped_events)
{
	int64_t used;
	int trim_left = TRIM_PER_CALL;
	bool floored = false;

	while ((used = store_used_bytes(st)) > target_bytes) {
		enum stmt_id id = S_QUOTA_READINGS;
		bool wrapped;
		int n;

		/* the drop may empty the table: the next reading's seq must
		 * still come after every one handed out (store_readings.c) */
		if (!floored && store_readings_floor_raise(st) < 0)
			return -1;
		floored = true;
		sqlite3_bind_int(st->stmt[id], 1, 1000);
		if (store_stmt_run(st, id, "drop old readings for the quota") < 0)
			return -1;
		n = sqlite3_changes(st->db);
		if (n > 0) {
			*dropped_readings += n;
			continue;
		}
		id = S_QUOTA_TELEMETRY;
		sqlite3_bind_int(st->stmt[id], 1, 100);
		if (store_stmt_run(st, id, "drop old telemetry for the quota") < 0)
			return -1;
		n = sqlite3_changes(st->db);
		if (n > 0) {
			*dropped_telemetry += n;
			continue;
		}
		/* then copies of delivered hazard events kept for resends */
		if ((n = store_drop_sent(st, 100)) != 0) {
			if (n < 0)
				return -1;
			continue;
		}
		/* then the events of finished records no report needs */
		if (trim_left <= 0)
			return 1;
		trim_left -= TRIM_BATCH;
		if ((n = store_trim_events(st, TRIM_BATCH, &wrapped)) < 0)
			return -1;
		*dropped_events += n;
		if (n == 0 && wrapped)
			return 1;       /* only records and status left: keep them */
	}
	return used < 0 ? -1 : 0;
}
