/*
 * store_alerts.c: the alerts table (schema version 12, docs/alerts.md):
 * every planned send of a record's alert chain and how it went.
 *
 * A row is written pending in the transaction of the record's event (or,
 * for the sends a failed commit left in memory, as soon as the disk takes
 * it), marked sent or failed where the sender's result comes back, and
 * cancelled when a person answers.  Delivery is at least once: a stop
 * between a send and the commit of its mark sends it again after the
 * restart.  Put and cancel run in the transaction of an alarm's raise and
 * of its answer, so the statements are the store's cached ones.
 *
 * Finished rows (sent, failed, cancelled) are kept ALERT_KEEP_MS after
 * their record was last changed once it is no longer live, then trimmed
 * with the store's other upkeep (store_alert_trim).  Only the rows of a
 * record's raise are ever written, so a record that is history plans no
 * send again and its rows are read by nothing: what each send did stays on
 * the record's timeline as its alert_sent/alert_failed events.  A pending
 * row is never trimmed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

int store_alert_put(struct store *st, const struct alert_row *r)
{
	sqlite3_stmt *s = st->stmt[S_AL_PUT];
	int rc;

	store_bind_text(s, 1, r->record_id);
	store_bind_text(s, 2, r->channel);
	store_bind_text(s, 3, r->contact);
	sqlite3_bind_int(s, 4, r->round);
	sqlite3_bind_int64(s, 5, r->due_at_ms);
	store_bind_text(s, 6, r->text);
	rc = sqlite3_step(s);
	store_stmt_done(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "alert put");
	return 0;
}

int store_alert_cancel(struct store *st, const char *record_id)
{
	sqlite3_stmt *s = st->stmt[S_AL_CANCEL];
	int rc;

	store_bind_text(s, 1, record_id);
	rc = sqlite3_step(s);
	store_stmt_done(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "alert cancel");
	return sqlite3_changes(store_sqlite(st));
}

int store_alert_mark(struct store *st, const struct alert_row *r)
{
	/* a row the chain's stop cancelled meanwhile stays cancelled unless
	 * this is the send's own result (sent or failed is what happened) */
	sqlite3_stmt *s = st->stmt[S_AL_MARK];
	int rc;

	store_bind_text(s, 1, r->record_id);
	store_bind_text(s, 2, r->channel);
	store_bind_text(s, 3, r->contact);
	sqlite3_bind_int(s, 4, r->round);
	store_bind_text(s, 5, r->state);
	sqlite3_bind_int(s, 6, r->attempts);
	if (r->last_error[0])
		store_bind_text(s, 7, r->last_error);
	else
		sqlite3_bind_null(s, 7);
	sqlite3_bind_int64(s, 8, r->due_at_ms);
	rc = sqlite3_step(s);
	store_stmt_done(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "alert mark");
	return 0;
}

int store_alert_pending(struct store *st, struct alert_row **out)
{
	sqlite3_stmt *s = st->stmt[S_AL_PENDING];
	struct alert_row *v = NULL, *nv;
	int n = 0, cap = 0, rc;

	*out = NULL;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct alert_row *r;
		const char *e;

		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, (size_t)cap * sizeof *v);
			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		r = &v[n++];
		memset(r, 0, sizeof *r);
		strlcpy_hz(r->record_id, (const char *)sqlite3_column_text(s, 0),
			   sizeof r->record_id);
		strlcpy_hz(r->channel, (const char *)sqlite3_column_text(s, 1),
			   sizeof r->channel);
		strlcpy_hz(r->contact, (const char *)sqlite3_column_text(s, 2),
			   sizeof r->contact);
		r->round = sqlite3_column_int(s, 3);
		r->due_at_ms = sqlite3_column_int64(s, 4);
		r->attempts = sqlite3_column_int(s, 5);
		e = (const char *)sqlite3_column_text(s, 6);
		strlcpy_hz(r->last_error, e ? e : "", sizeof r->last_error);
		strlcpy_hz(r->text, (const char *)sqlite3_column_text(s, 7), sizeof r->text);
		strlcpy_hz(r->state, "pending", sizeof r->state);
	}
	store_stmt_done(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(st, "alert pending");
	}
	*out = v;
	return n;
}

/* How long the finished rows of a record that is history are kept after
 * its last change: long enough to look into a chain that went wrong after
 * the record closed (the attempts and the last error are only here). */
#define ALERT_KEEP_MS   (30LL * 86400000)
/* Records whose rows go per call: bounds one call's time and journal. */
#define ALERT_TRIM_RECORDS      200

int store_alert_trim(struct store *st, int64_t now_ms)
{
	/* driven by the alerts table, which this keeps small, not by the
	 * records: a look-up per record with rows, never a scan of them all */
	sqlite3_stmt *s = store_adhoc(st,
		"DELETE FROM alerts WHERE state != 'pending' AND record_id IN "
		"(SELECT id FROM hazards WHERE id IN "
		"(SELECT DISTINCT record_id FROM alerts WHERE state != 'pending') "
		"AND NOT " RECORD_LIVE_SQL " AND updated_at_ms < ?1 LIMIT ?2)");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now_ms - ALERT_KEEP_MS);
	sqlite3_bind_int(s, 2, ALERT_TRIM_RECORDS);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "trim finished alerts");
	return sqlite3_changes(store_sqlite(st));
}
