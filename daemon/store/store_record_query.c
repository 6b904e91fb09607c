/*
 * store_record_query.c: reading records back: one by id, the live ones
 * for a restart, counts for recurrence, recurrences by site.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

int64_t store_record_count(struct store *st, enum record_kind k, const char *device,
			   enum hazard_type t, int64_t since_ms)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT count(*) FROM hazards WHERE kind = ?1 "
				"AND device = ?2 AND type = ?3 AND raised_at_ms >= ?4");
	int64_t n = -1;

	if (!s)
		return -1;
	store_bind_text(s, 1, record_kind_name[k]);
	store_bind_text(s, 2, device);
	store_bind_text(s, 3, hazard_type_name[t]);
	sqlite3_bind_int64(s, 4, since_ms);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	else
		store_fail(st, "count records");
	sqlite3_finalize(s);
	return n;
}

int store_hazard_get(struct store *st, const char *hazard_id, struct hazard_rec *rec)
{
	struct hazard_rec r;

	/* fetch into a local: hazard_id may be rec->id, read at step time */
	store_bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	if (store_hz_fetch(st, S_HZ_GET, &r, NULL) != 1) {
		memset(rec, 0, sizeof *rec);
		return -1;
	}
	*rec = r;
	return 0;
}

int store_foreach_open(struct store *st,
		       void (*fn)(void *ctx, const struct hazard_rec *rec),
		       void *ctx)
{
	sqlite3_stmt *s = st->stmt[S_HZ_LIST_OPEN];
	struct hazard_rec *recs = NULL, *grown;
	size_t n = 0, cap = 0, i;
	int rc;

	/* collect first, call after: fn may use the store itself */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(recs, cap * sizeof *recs);
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			recs = grown;
		}
		if (store_hz_from_row(s, &recs[n]) == 0)
			n++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list open hazards");
		store_stmt_done(s);
		free(recs);
		return -1;
	}
	store_stmt_done(s);
	for (i = 0; i < n; i++)
		fn(ctx, &recs[i]);
	free(recs);
	return 0;
}

cJSON *store_recurrences_by_site(struct store *st)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT site, count(*) FROM hazards "
				"WHERE recurrence_of IS NOT NULL GROUP BY site ORDER BY site");
	cJSON *o = cJSON_CreateObject();
	int rc;

	if (!s || !o) {
		sqlite3_finalize(s);
		cJSON_Delete(o);
		return NULL;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cJSON_AddNumberToObject(o, store_col_text(s, 0),
					(double)sqlite3_column_int64(s, 1));
	if (rc != SQLITE_DONE) {
		store_fail(st, "count recurrences");
		cJSON_Delete(o);
		o = NULL;
	}
	sqlite3_finalize(s);
	return o;
}
