/*
 * store_readings.c: the readings table: one row per accepted reading, kept
 * to the newest readings.max_rows, read back for telemetry and for the
 * evidence a record is closed with.  Runs inside the caller's transaction.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

int store_put_reading(struct store *st, const char *device, const struct reading *r)
{
	sqlite3_stmt *s = st->stmt[S_READING_PUT];
	cJSON *j = reading_to_json(r);
	char *data = j ? cJSON_PrintUnformatted(j) : NULL;
	int rc;

	cJSON_Delete(j);
	if (!data) {
		complain(&st->complaint, "store: save reading: out of memory");
		return -1;
	}
	store_bind_text(s, 1, device);
	sqlite3_bind_int64(s, 2, r->ts_ms);
	store_bind_text(s, 3, data);
	rc = store_stmt_run(st, S_READING_PUT, "save reading");
	free(data);
	return rc;
}

int store_trim_readings(struct store *st, int max_rows)
{
	/* 0 or less means "keep everything": a config that forgot the key
	 * must not wipe the history */
	if (max_rows <= 0)
		return 0;
	sqlite3_bind_int64(st->stmt[S_READING_TRIM], 1, max_rows);
	return store_stmt_run(st, S_READING_TRIM, "trim readings");
}

int store_readings_since(struct store *st, int64_t after_seq, int limit,
			 cJSON **out, int64_t *last_seq)
{
	sqlite3_stmt *s = st->stmt[S_READINGS_SINCE];
	cJSON *arr = cJSON_CreateArray();
	int rc;

	*out = NULL;
	*last_seq = after_seq;
	if (!arr)
		return -1;
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : 0);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		cJSON *o = cJSON_CreateObject(), *data, *f;

		if (!o)
			break;
		cJSON_AddStringToObject(o, "device", store_col_text(s, 1));
		cJSON_AddNumberToObject(o, "seq", (double)seq);
		/* the reading's own fields sit beside device and seq */
		data = store_parse_object(store_col_text(s, 2));
		while (data && (f = data->child) != NULL) {
			cJSON_DetachItemViaPointer(data, f);
			if (cJSON_GetObjectItemCaseSensitive(o, f->string))
				cJSON_Delete(f);
			else
				cJSON_AddItemToObject(o, f->string, f);
		}
		cJSON_Delete(data);
		cJSON_AddItemToArray(arr, o);
		*last_seq = seq;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "read readings");
		store_stmt_done(s);
		cJSON_Delete(arr);
		*last_seq = after_seq;
		return -1;
	}
	store_stmt_done(s);
	*out = arr;
	return 0;
}

/* Latest stored reading of a device as JSON text (malloc'd), or NULL. */
char *store_latest_reading(struct store *st, const char *device)
{
	sqlite3_stmt *s = st->stmt[S_READING_LATEST];
	char *data = NULL;

	store_bind_text(s, 1, device);
	if (sqlite3_step(s) == SQLITE_ROW)
		data = store_col_strdup(s, 0);
	store_stmt_done(s);
	return data;
}

/* Any reading of device kept: 1 yes, 0 no.  A full scan for a device
 * that has none (no index on device): presence.c asks once per database. */
int store_device_has_readings(struct store *st, const char *device)
{
	char *data = store_latest_reading(st, device);

	free(data);
	return data != NULL;
}
