/*
 * store_resend.c: the platform's "resend" (downlink.c).  Acknowledged
 * hazard events are kept in outbox_sent (store_outbox_delete archives
 * them, store_trim_sent bounds the table, and storage.max_mb drops the
 * oldest of them after old telemetry, store_drop_sent); a resend puts them back into
 * the outbox under their original seq, so each goes out with the msg_id it
 * had the first time and the platform can drop what it already holds.
 */
#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

#define SENT_KEEP 5000          /* acknowledged hazard events kept */

int store_outbox_resend(struct store *st, int64_t from_seq, int max, int64_t *queued)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc;

	*queued = 0;
	rc = sqlite3_prepare_v2(db,
		"INSERT INTO outbox (seq, topic_suffix, cls, body, created_ms, hazard_id) "
		"SELECT seq, topic_suffix, cls, body, created_ms, hazard_id FROM outbox_sent "
		"WHERE seq >= ?1 AND seq NOT IN (SELECT seq FROM outbox) "
		"ORDER BY seq LIMIT ?2", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, from_seq);
		sqlite3_bind_int(s, 2, max);
		rc = sqlite3_step(s);
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "queue a resend");
		sqlite3_finalize(s);
		return -1;
	}
	*queued = sqlite3_changes(db);
	sqlite3_finalize(s);
	return 0;
}

int store_drop_sent(struct store *st, int n)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "DELETE FROM outbox_sent WHERE seq IN "
				"(SELECT seq FROM outbox_sent ORDER BY seq LIMIT ?1)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(s, 1, n);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "drop sent hazard events for the quota");
	return sqlite3_changes(db);
}

int store_trim_sent(struct store *st)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db,
		"DELETE FROM outbox_sent WHERE seq < (SELECT seq FROM outbox_sent "
		"ORDER BY seq DESC LIMIT 1 OFFSET ?1)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(s, 1, SENT_KEEP - 1);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "trim sent hazard events");
	return 0;
}
