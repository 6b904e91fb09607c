/*
 * store_chart.c: one field of a device's readings over a time window, for
 * the console's chart of a record's trigger value (GET /api/records/ID).
 * The readings table has no index on (device, ts_ms): this scans the
 * table, which the trim keeps at storage.max_readings rows; it runs only
 * when someone opens a record's page.
 */
#include <sqlite3.h>
#include <stdio.h>

#include "store.h"
#include "store_internal.h"

cJSON *store_field_series(struct store *st, const char *device, const char *field,
			  int64_t from_ms, int64_t to_ms, int max)
{
	char path[64];
	sqlite3_stmt *s = store_adhoc(st,
		"SELECT ts_ms, json_extract(data, ?1) FROM readings "
		"WHERE device = ?2 AND ts_ms BETWEEN ?3 AND ?4 "
		"AND json_extract(data, ?1) IS NOT NULL ORDER BY seq LIMIT ?5");
	cJSON *arr;
	int rc = SQLITE_DONE;

	if (!s)
		return NULL;
	snprintf(path, sizeof path, "$.\"%s\"", field);
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, from_ms);
	sqlite3_bind_int64(s, 4, to_ms);
	sqlite3_bind_int(s, 5, max);
	arr = cJSON_CreateArray();
	while (arr && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "at", (double)sqlite3_column_int64(s, 0));
		/* true and false come out of json_extract as 1 and 0 */
		cJSON_AddNumberToObject(o, "value", sqlite3_column_double(s, 1));
		cJSON_AddItemToArray(arr, o);
	}
	if (arr && rc != SQLITE_DONE) {
		store_fail(st, "read a field's readings");
		cJSON_Delete(arr);
		arr = NULL;
	}
	sqlite3_finalize(s);
	return arr;
}
