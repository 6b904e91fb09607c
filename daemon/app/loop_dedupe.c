/*
 * loop_dedupe.c: exactly once across a crash (docs/intake.md).  A message
 * is committed, then its PUBACK written; a crash between the two leaves it
 * with the broker, which delivers it again with DUP set.  So each QoS 1
 * message stored leaves a row (packet id, hash of topic and payload) in
 * the same transaction, deleted by a later pass once the broker has read
 * its PUBACK (a PINGREQ written after it was answered: a PUBACK written
 * to the socket is lost if the broker dies before reading it); a DUP
 * delivery that finds its row was stored already and is
 * only acknowledged.  DUP alone proves nothing (a message sent just
 * before a link broke and never read has it too): the row does.
 */
#include <string.h>

#include "loop.h"

/* FNV-1a over the topic, a NUL and the payload (its length when it was
 * too large to keep): the same message gives the same hash in any run. */
static int64_t msg_hash(const struct msg *m)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p;
	size_t i, n;

	for (p = (const unsigned char *)m->topic; ; p++) {
		h = (h ^ *p) * 1099511628211ULL;
		if (!*p)
			break;
	}
	if (m->payload) {
		p = (const unsigned char *)m->payload;
		n = m->len;
	} else {
		p = (const unsigned char *)&m->len;
		n = sizeof m->len;
	}
	/* four bytes a turn: the same hash, a quarter of the loop's own
	 * steps (it runs over every payload) */
	for (i = 0; i + 4 <= n; i += 4) {
		h = (h ^ p[i]) * 1099511628211ULL;
		h = (h ^ p[i + 1]) * 1099511628211ULL;
		h = (h ^ p[i + 2]) * 1099511628211ULL;
		h = (h ^ p[i + 3]) * 1099511628211ULL;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (int64_t)h;
}

bool loop_dedupe_skip(struct loop *L, const struct msg *m)
{
	int64_t h;

	if (!m->packet_id || !m->dup)
		return false;
	h = msg_hash(m);
	if (store_intake_seen(L->d.store, m->packet_id, h) != 1)
		return false;
	/* stored before the crash: this delivery's PUBACK ends the row */
	if (store_intake_note(L->d.store, m->packet_id, h, L->d.started_wall_ms, m->seq,
			      m->recv_ms) < 0)
		L->d.cnt.store_errors++;
	L->dup_skipped++;
	return true;
}

void loop_dedupe_note(struct loop *L, const struct msg *m)
{
	if (m->packet_id && store_intake_note(L->d.store, m->packet_id, msg_hash(m),
					      L->d.started_wall_ms, m->seq, m->recv_ms) < 0)
		L->d.cnt.store_errors++;
}

void loop_dedupe_done(struct loop *L)
{
	uint64_t through = intake_acks_confirmed(L->in);
	struct intake_stats st;

	if (through > L->dedupe_through) {
		if (store_intake_done(L->d.store, L->d.started_wall_ms, through) < 0)
			L->d.cnt.store_errors++;
		else
			L->dedupe_through = through;
	}
	/*
	 * An earlier run's rows whose PUBACK did go out before it ended are
	 * never matched.  The broker redelivers what it holds for us first
	 * thing after the connect; once this run's session has had messages
	 * for a trim period (the caller's tick), what is left is stale.
	 */
	if (L->dedupe_old_runs == 1) {
		if (store_intake_forget_runs(L->d.store, L->d.started_wall_ms) < 0)
			L->d.cnt.store_errors++;
		else
			L->dedupe_old_runs = 2;
	}
	if (L->dedupe_old_runs == 0) {
		intake_get_stats(L->in, &st);
		if (st.messages > 0)
			L->dedupe_old_runs = -1;        /* armed: the next trim */
	}
}

void loop_dedupe_trim(struct loop *L)
{
	if (L->dedupe_old_runs == -1)
		L->dedupe_old_runs = 1;
}
