/*
 * store_intake.c: the intake's messages committed but not yet
 * acknowledged to the local broker (schema version 7, docs/intake.md).
 * The loop writes a row in the transaction that stores a QoS 1 message,
 * deletes it once the message's PUBACK has been written, and asks for it
 * when the broker delivers a message again (DUP set): found, the message
 * was committed before a crash took its PUBACK, and is only acknowledged.
 */
#include "store_internal.h"

/*
 * Inside a transaction the rows are held and written 16 to a statement
 * (then 4, then 1): one INSERT per message cost about an eighth of a
 * reading's instructions, most of it the statement's own set-up
 * (docs/benchmarks.md).  They still reach the database in the
 * transaction that stores their messages: store_commit writes what is
 * held before its COMMIT, store_rollback drops it, and store_intake_seen
 * looks at them too.
 */
static int write_rows(struct store *st, const struct store_intake_row *r, int n)
{
	enum stmt_id id = n == 16 ? S_IN_NOTE16 : n == 4 ? S_IN_NOTE4 : S_IN_NOTE;
	sqlite3_stmt *s = st->stmt[id];
	int i;

	for (i = 0; i < n; i++) {
		sqlite3_bind_int(s, 5 * i + 1, (int)r[i].packet_id);
		sqlite3_bind_int64(s, 5 * i + 2, r[i].hash);
		sqlite3_bind_int64(s, 5 * i + 3, r[i].run);
		sqlite3_bind_int64(s, 5 * i + 4, r[i].seq);
		sqlite3_bind_int64(s, 5 * i + 5, r[i].at_ms);
	}
	return store_stmt_run(st, id, "note an intake message");
}

int store_intake_flush(struct store *st)
{
	int i = 0, k, rc = 0;

	while (i < st->n_in_rows) {
		k = st->n_in_rows - i >= 16 ? 16 : st->n_in_rows - i >= 4 ? 4 : 1;
		if (write_rows(st, &st->in_rows[i], k) < 0)
			rc = -1;
		i += k;
	}
	st->n_in_rows = 0;
	return rc;
}

int store_intake_note(struct store *st, unsigned packet_id, int64_t hash, int64_t run,
		      uint64_t seq, int64_t at_ms)
{
	struct store_intake_row r = { .packet_id = packet_id, .hash = hash, .run = run,
				      .seq = (int64_t)seq, .at_ms = at_ms };

	if (!st->in_tx)
		return write_rows(st, &r, 1);
	st->in_rows[st->n_in_rows++] = r;
	if (st->n_in_rows == (int)(sizeof st->in_rows / sizeof st->in_rows[0]))
		return store_intake_flush(st);
	return 0;
}

int store_intake_seen(struct store *st, unsigned packet_id, int64_t hash)
{
	sqlite3_stmt *s = st->stmt[S_IN_SEEN];
	int rc, i;

	for (i = 0; i < st->n_in_rows; i++)
		if (st->in_rows[i].packet_id == packet_id && st->in_rows[i].hash == hash)
			return 1;
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

	store_intake_flush(st);         /* a held row is in the table first */
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_int64(s, 2, (int64_t)through_seq);
	return store_stmt_run(st, S_IN_DONE, "forget acknowledged intake messages");
}

int store_intake_forget_runs(struct store *st, int64_t run)
{
	store_intake_flush(st);
	sqlite3_bind_int64(st->stmt[S_IN_STALE], 1, run);
	return store_stmt_run(st, S_IN_STALE, "forget earlier runs' intake messages");
}
