/*
 * store_intake.c: the intake's messages committed but not yet
 * acknowledged to the local broker (schema version 7, docs/intake.md).
 * The loop writes a row in the transaction that stores a QoS 1 message,
 * deletes it once the message's PUBACK has been written, and asks for it
 * when the broker delivers a message again (DUP set): found, the message
 * was committed before a crash took its PUBACK, and is only acknowledged.
 */
#include "store_internal.h"

int store_intake_note(struct store *st, unsigned packet_id, int64_t hash, int64_t run,
		      uint64_t seq, int64_t at_ms)
{
	sqlite3_stmt *s = st->stmt[S_IN_NOTE];

	sqlite3_bind_int(s, 1, (int)packet_id);
	sqlite3_bind_int64(s, 2, hash);
	sqlite3_bind_int64(s, 3, run);
	sqlite3_bind_int64(s, 4, (int64_t)seq);
	sqlite3_bind_int64(s, 5, at_ms);
	return store_stmt_run(st, S_IN_NOTE, "note an intake message");
}

int store_intake_seen(struct store *st, unsigned packet_id, int64_t hash)
{
	sqlite3_stmt *s = st->stmt[S_IN_SEEN];
	int rc;

	sqlite3_bind_int(s, 1, (int)packet_id);
	sqlite3_bind_int64(s, 2, hash);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(st, "look up an intake message");
	store_stmt_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_intake_done(struct store *st, int64_t run, uint64_t through_seq)
{
	sqlite3_stmt *s = st->stmt[S_IN_DONE];

	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_int64(s, 2, (int64_t)through_seq);
	return store_stmt_run(st, S_IN_DONE, "forget acknowledged intake messages");
}

int store_intake_forget_runs(struct store *st, int64_t run)
{
	sqlite3_bind_int64(st->stmt[S_IN_STALE], 1, run);
	return store_stmt_run(st, S_IN_STALE, "forget earlier runs' intake messages");
}
