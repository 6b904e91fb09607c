/*
 * store_outbox.c: the outbox: messages for upstream written in the same
 * transaction as the rows they describe, read back most important class
 * first, deleted once delivered (a record event's copy kept for resends).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

static int outbox_insert(struct store *st, const char *topic_suffix, int cls,
			 const char *body, const char *hazard_id, int64_t *seq_out)
{
	sqlite3_stmt *s = st->stmt[S_OB_PUT];

	store_bind_text(s, 1, topic_suffix);
	sqlite3_bind_int(s, 2, cls);
	store_bind_text(s, 3, body);
	sqlite3_bind_int64(s, 4, now_wall_ms());
	store_bind_text(s, 5, hazard_id);
	if (store_stmt_run(st, S_OB_PUT, "queue outbox message") < 0)
		return -1;
	/* before the commit, so before the uplink can send it */
	store_history_note(st, HWM_OUTBOX, sqlite3_last_insert_rowid(st->db));
	if (seq_out)
		*seq_out = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_outbox_put(struct store *st, const char *topic_suffix, int cls,
		     const char *body, int64_t *seq_out)
{
	return outbox_insert(st, topic_suffix, cls, body, NULL, seq_out);
}

int store_outbox_put_hazard(struct store *st, const char *hazard_id, int cls,
			    const char *body, int64_t *seq_out)
{
	return store_outbox_put_record(st, "hazard", hazard_id, cls, body, seq_out);
}

int store_outbox_put_record(struct store *st, const char *suffix, const char *hazard_id,
			    int cls, const char *body, int64_t *seq_out)
{
	sqlite3_stmt *s = st->stmt[S_OB_LIFT];

	/* an escalated hazard's earlier events must not trail behind it */
	sqlite3_bind_int(s, 1, cls);
	store_bind_text(s, 2, hazard_id);
	if (store_stmt_run(st, S_OB_LIFT, "lift pending hazard events") < 0)
		return -1;
	return outbox_insert(st, suffix, cls, body, hazard_id, seq_out);
}

static bool seq_in(int64_t seq, const int64_t *set, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i] == seq)
			return true;
	return false;
}

int store_outbox_next(struct store *st, const int64_t *skip, int n_skip,
		      const struct seqset *done, struct outbox_msg *out, int max)
{
	sqlite3_stmt *s = st->stmt[S_OB_NEXT];
	int n = 0, rc = SQLITE_DONE, i;

	if (max <= 0)
		return 0;
	/* the skipped rows (in flight or done) are at most that many of the
	 * best ones; the loop stops as soon as it has max */
	sqlite3_bind_int(s, 1, max + n_skip + seqset_count(done));
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct outbox_msg *m = &out[n];

		m->seq = sqlite3_column_int64(s, 0);
		if (seq_in(m->seq, skip, n_skip) || seqset_has(done, m->seq))
			continue;
		if (strlcpy_hz(m->topic_suffix, store_col_text(s, 1), sizeof m->topic_suffix) < 0)
			log_warnx("store: outbox %lld: topic suffix \"%s\" truncated",
				  (long long)m->seq, store_col_text(s, 1));
		m->cls = sqlite3_column_int(s, 2);
		/* an evidence row names its chunk: the bytes are read now */
		m->body = m->cls == OB_EVIDENCE ?
			  store_evidence_chunk_body(st, store_col_text(s, 3)) : NULL;
		if (!m->body)
			m->body = strdup(store_col_text(s, 3));
		if (!m->body) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (rc == SQLITE_NOMEM)
			complain(&st->complaint, "store: read outbox: out of memory");
		else
			store_fail(st, "read outbox");
		store_stmt_done(s);
		for (i = 0; i < n; i++)
			outbox_msg_free(&out[i]);
		return -1;
	}
	store_stmt_done(s);
	return n;
}

void outbox_msg_free(struct outbox_msg *m)
{
	if (!m)
		return;
	free(m->body);
	m->body = NULL;
}

int store_outbox_delete(struct store *st, int64_t seq)
{
	/* deleting a row already gone is fine: a duplicate PUBACK after a
	 * resend must not count as an error */
	sqlite3_bind_int64(st->stmt[S_OB_ARCHIVE], 1, seq);
	if (store_stmt_run(st, S_OB_ARCHIVE, "keep a sent hazard event") < 0)
		return -1;
	sqlite3_bind_int64(st->stmt[S_OB_DELETE], 1, seq);
	return store_stmt_run(st, S_OB_DELETE, "delete outbox message");
}

int64_t store_outbox_count(struct store *st)
{
	sqlite3_stmt *s = st->stmt[S_OB_COUNT];
	int64_t n = -1;

	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	else
		store_fail(st, "count outbox");
	store_stmt_done(s);
	return n;
}
