/*
 * store_readings.c: the readings table: one row per accepted reading, kept
 * to the newest readings.max_rows, read back for telemetry and for the
 * evidence a record is closed with.  Runs inside the caller's transaction.
 *
 * A row's data is the reading's JSON object as reading_text() writes it
 * (the text cJSON printed from reading_to_json() before, so rows of every
 * version look alike).  Telemetry is built from the rows' text: each
 * object is {"device":..,"seq":.., then the row's members as stored}, a
 * copy, with no parse and no print; a row that is not in that form (edited
 * by hand, fields this version does not know) goes the long way through
 * cJSON and comes out as it always did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

/*
 * A reading's seq is never reused: the telemetry cursor (meta
 * telemetry_seq) and the platform's copies of the readings rely on it.
 * Since schema version 13 seq is a plain INTEGER PRIMARY KEY (no
 * AUTOINCREMENT: its sqlite_sequence row was read and written again by
 * every insert), so SQLite gives each new row one past the largest in
 * the table.  That reuses a seq only when the newest rows are gone: the
 * table emptied by the quota (trim always keeps the newest), or by hand.
 * meta reading_seq is the floor for that case: version 13 sets it from
 * the old sqlite_sequence and the quota raises it before it drops
 * readings.  After an open, a rollback or a quota drop the next reading
 * looks (one query); below the floor it takes the floor's next seq.
 */
static int floor_seq(struct store *st, int64_t *seq)
{
	sqlite3_stmt *s = st->stmt[S_READING_FLOOR];
	int64_t top, floor;

	*seq = 0;
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_fail(st, "read the readings' seq floor");
		store_stmt_done(s);
		return -1;
	}
	top = sqlite3_column_int64(s, 0);
	floor = sqlite3_column_int64(s, 1);
	store_stmt_done(s);
	if (top < floor)
		*seq = floor + 1;
	return 0;
}

int store_readings_floor_raise(struct store *st)
{
	st->reading_check = true;
	return store_stmt_run(st, S_READING_FLOOR_SET, "keep the readings' seq floor");
}

int store_put_reading(struct store *st, const char *device, const struct reading *r)
{
	sqlite3_stmt *s = st->stmt[S_READING_PUT];
	char data[READING_TEXT_MAX];
	int len = reading_text(r, data, sizeof data);
	int64_t seq = 0;

	if (len < 0) {
		complain(&st->complaint, "store: save reading: text over %d bytes",
			 READING_TEXT_MAX);
		return -1;
	}
	if (st->reading_check && floor_seq(st, &seq) < 0)
		return -1;
	store_bind_text(s, 1, device);
	sqlite3_bind_int64(s, 2, r->ts_ms);
	/* static: store_stmt_run clears the bindings before data goes */
	sqlite3_bind_text(s, 3, data, len, SQLITE_STATIC);
	if (seq > 0)
		sqlite3_bind_int64(s, 4, seq);  /* else NULL: SQLite's choice */
	if (store_stmt_run(st, S_READING_PUT, "save reading") < 0)
		return -1;
	st->reading_check = false;
	return 0;
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

/* One row as its telemetry object: the long way, parsed and printed, as
 * store_readings_since merges it (the row's members after device and seq,
 * a member of the same name as an earlier one left out). */
static void telemetry_row_slow(struct jbuf *b, const char *device, int64_t seq,
			       const char *data)
{
	cJSON *o = cJSON_CreateObject(), *d, *f;
	char *text;

	if (!o) {
		b->failed = true;
		return;
	}
	cJSON_AddStringToObject(o, "device", device);
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	d = store_parse_object(data);
	while (d && (f = d->child) != NULL) {
		cJSON_DetachItemViaPointer(d, f);
		if (cJSON_GetObjectItemCaseSensitive(o, f->string))
			cJSON_Delete(f);
		else
			cJSON_AddItemToObject(o, f->string, f);
	}
	cJSON_Delete(d);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text) {
		b->failed = true;
		return;
	}
	jbuf_put(b, text, strlen(text));
	free(text);
}

int store_telemetry_since(struct store *st, int64_t after_seq, int limit,
			  struct jbuf *out, int *count, int64_t *last_seq)
{
	sqlite3_stmt *s = st->stmt[S_READINGS_SINCE];
	/* room for the head, written last: its count is known at the end */
	enum { HEAD = 48 };
	char head[HEAD], num[JSON_NUM_MAX];
	size_t start = out->len, hlen;
	int rc, n = 0;

	*count = 0;
	*last_seq = after_seq;
	if (!jbuf_reserve(out, HEAD + (size_t)(limit > 0 ? limit : 0) * 128))
		return -1;
	out->len += HEAD;
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : 0);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		const char *device = store_col_text(s, 1);
		const char *data = (const char *)sqlite3_column_text(s, 2);
		size_t dlen = (size_t)sqlite3_column_bytes(s, 2);

		jbuf_put(out, n ? "," : "[", 1);
		if (data && reading_text_spliceable(data, dlen)) {
			jbuf_put(out, "{\"device\":", 10);
			jbuf_str(out, device);
			jbuf_put(out, ",\"seq\":", 7);
			jbuf_put(out, num, json_number((double)seq, num));
			if (dlen > 2)
				jbuf_put(out, ",", 1);
			jbuf_put(out, data + 1, dlen - 1);      /* from after '{' */
		} else {
			telemetry_row_slow(out, device, seq, data);
		}
		*last_seq = seq;
		n++;
	}
	if (n > 0)
		jbuf_put(out, "]}", 2);
	if (rc != SQLITE_DONE || out->failed) {
		if (rc != SQLITE_DONE)
			store_fail(st, "read readings");
		else
			complain(&st->complaint, "store: telemetry: out of memory");
		store_stmt_done(s);
		*last_seq = after_seq;
		out->len = start;
		out->p[start] = '\0';
		return -1;
	}
	store_stmt_done(s);
	if (n == 0) {
		out->len = start;
		out->p[start] = '\0';
		return 0;
	}
	/* the head right before the array, the gap closed */
	hlen = (size_t)snprintf(head, sizeof head, "{\"count\":%d,\"readings\":", n);
	memcpy(out->p + start + HEAD - hlen, head, hlen);
	memmove(out->p + start, out->p + start + HEAD - hlen,
		out->len - (start + HEAD - hlen) + 1);
	out->len -= HEAD - hlen;
	*count = n;
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
