/*
 * queue.c: the bounded hand-over queue between the intake session and
 * the loop's pass (a lock still guards it: it costs nothing uncontended
 * and keeps the queue safe for any thread).  A ring of cap ordinary slots
 * plus up to cap more for alarms, so a burst of telemetry can never crowd
 * out an alarm.
 *
 * Each message is one allocation: the pusher's info (the intake's
 * classification: device, decoded reading), the topic and the payload in
 * one block, freed by msg_free.
 *
 * Alarms are taken first (msgq_pop_alarms) out of the middle of the
 * ring: their slots become holes that msgq_pop and the head skip.  The
 * ring's span (head to tail, holes included) is what the limits count,
 * so a hole holds its slot until the head passes it; the intake's window
 * (everything from the oldest message not yet acknowledged) is never
 * larger than that span, so this costs nothing in practice.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib.h"

struct msgq_key {
	int key;
	int last;               /* offset from the head of its last alarm */
};

struct msgq {
	pthread_mutex_t lock;
	struct msg *ring;
	int size;               /* ring slots: 2 * cap */
	int cap;                /* limit for ordinary messages */
	int head, span;         /* span: slots from head to tail, holes included */
	int live;               /* messages queued (span less the holes) */
	int alarms;             /* of which pushed as MSGQ_ALARM */
	int wake_fd;
	struct msgq_key *keys;  /* msgq_pop_alarms' scratch, size entries */
};

struct msgq *msgq_new(int cap, int wake_fd)
{
	struct msgq *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	q->cap = cap;
	q->size = cap * 2;
	/* the ring and the alarm pop's scratch in one block: large enough
	 * for glibc to map it, so pages stay untouched (not resident) until
	 * the queue gets that deep or an alarm is popped; two callocs from
	 * the heap would clear, and so make resident, the scratch at once */
	q->ring = calloc((size_t)q->size, sizeof *q->ring + sizeof *q->keys);
	if (!q->ring) {
		free(q);
		return NULL;
	}
	q->keys = (struct msgq_key *)(void *)(q->ring + q->size);
	q->wake_fd = wake_fd;
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

void msg_free(struct msg *m)
{
	free(m->mem);
	memset(m, 0, sizeof *m);
}

void msgq_free(struct msgq *q)
{
	struct msg m;

	if (!q)
		return;
	while (msgq_pop(q, &m, 1) == 1)
		msg_free(&m);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);          /* and keys, in the same block */
	free(q);
}

int msgq_push(struct msgq *q, const char *topic, const void *payload, size_t len,
	      size_t max_payload, int64_t recv_ms, enum msgq_admit admit)
{
	return msgq_push_seq(q, topic, payload, len, max_payload, recv_ms, admit, NULL);
}

/* The message's one block: info first (malloc's alignment serves it),
 * then the topic, then the payload, each string NUL-terminated. */
static int msg_build(struct msg *m, const char *topic, const void *payload,
		     size_t len, size_t max_payload, const struct msg_id *id)
{
	size_t info_len = id && id->info ? id->info_len : 0;
	size_t off_topic = (info_len + alignof(max_align_t) - 1) /
			   alignof(max_align_t) * alignof(max_align_t);
	size_t tlen = strlen(topic), total;
	char *b;

	m->oversized = len > max_payload;       /* counted as a rejection, never parsed */
	total = off_topic + tlen + 1 + (m->oversized ? 0 : len + 1);
	if (!(b = malloc(total)))
		return -1;
	m->mem = b;
	if (info_len) {
		memcpy(b, id->info, info_len);
		m->info = b;
		m->info_len = info_len;
	}
	m->topic = b + off_topic;
	memcpy(m->topic, topic, tlen + 1);
	if (!m->oversized) {
		m->payload = m->topic + tlen + 1;
		memcpy(m->payload, payload, len);
		m->payload[len] = '\0';
	}
	return 0;
}

int msgq_push_seq(struct msgq *q, const char *topic, const void *payload, size_t len,
		  size_t max_payload, int64_t recv_ms, enum msgq_admit admit,
		  const struct msg_id *id)
{
	struct msg m = { .len = len, .recv_ms = recv_ms, .key = -1,
			 .alarm = admit == MSGQ_ALARM };
	uint64_t one = 1;
	int limit, rc = 0;
	bool was_empty = false;

	if (id) {
		m.seq = id->seq;
		m.packet_id = id->packet_id;
		m.dup = id->dup;
		m.key = id->key;
	}
	/* copy outside the lock: the loop thread pops while we allocate */
	if (msg_build(&m, topic, payload, len, max_payload, id) < 0)
		return admit == MSGQ_ALARM ? -2 : -1;
	pthread_mutex_lock(&q->lock);
	limit = admit == MSGQ_ALARM ? q->size : q->cap;
	if (q->span >= limit) {
		rc = admit == MSGQ_ALARM ? -2 : -1;
	} else {
		q->ring[(q->head + q->span) % q->size] = m;
		q->span++;
		was_empty = q->live++ == 0;
		q->alarms += m.alarm;
	}
	pthread_mutex_unlock(&q->lock);
	if (rc != 0) {
		msg_free(&m);
		return rc;
	}
	/* Wake the loop only on empty -> non-empty: it drains the queue
	 * after reading the eventfd and does not sleep while it holds
	 * messages, so one wake-up per burst is enough (a syscall and a
	 * context switch per message were a third of the receive path). */
	if (was_empty && write(q->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		return 0;       /* queued; the loop's tick picks it up anyway */
	return 0;
}

/* Under the lock: slot i (offset from the head) moved to *out, a hole left. */
static void take(struct msgq *q, int i, struct msg *out)
{
	struct msg *s = &q->ring[(q->head + i) % q->size];

	*out = *s;
	memset(s, 0, sizeof *s);
	q->live--;
	q->alarms -= out->alarm;
}

/* Under the lock: the head moved past holes, so that it is a message. */
static void skip_holes(struct msgq *q)
{
	while (q->span > 0 && !q->ring[q->head].mem) {
		q->head = (q->head + 1) % q->size;
		q->span--;
	}
}

int msgq_pop(struct msgq *q, struct msg *out, int max)
{
	int n = 0;

	pthread_mutex_lock(&q->lock);
	while (n < max && q->span > 0) {
		if (q->ring[q->head].mem)
			take(q, 0, &out[n++]);
		q->head = (q->head + 1) % q->size;
		q->span--;
	}
	skip_holes(q);
	pthread_mutex_unlock(&q->lock);
	return n;
}

static int key_cmp(const void *a, const void *b)
{
	const struct msgq_key *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* The offset of the last alarm of key (k sorted, one entry per key), -1. */
static int key_last(const struct msgq_key *k, int n, int key)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (k[mid].key == key)
			return k[mid].last;
		if (k[mid].key < key)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int msgq_pop_alarms(struct msgq *q, struct msg *out, int max)
{
	int i, n = 0, nk = 0, w;

	pthread_mutex_lock(&q->lock);
	if (q->alarms == 0) {
		pthread_mutex_unlock(&q->lock);
		return 0;
	}
	/* the last alarm of each key: its earlier messages go with it */
	for (i = 0; i < q->span; i++) {
		const struct msg *s = &q->ring[(q->head + i) % q->size];

		if (s->mem && s->alarm && s->key >= 0)
			q->keys[nk++] = (struct msgq_key){ s->key, i };
	}
	qsort(q->keys, (size_t)nk, sizeof *q->keys, key_cmp);
	for (i = 0, w = 0; i < nk; i++) {       /* one entry per key, its last */
		if (w > 0 && q->keys[w - 1].key == q->keys[i].key)
			q->keys[w - 1].last = q->keys[i].last;
		else
			q->keys[w++] = q->keys[i];
	}
	nk = w;
	for (i = 0; i < q->span && n < max; i++) {
		const struct msg *s = &q->ring[(q->head + i) % q->size];

		if (s->mem && (s->alarm || (s->key >= 0 && key_last(q->keys, nk, s->key) > i)))
			take(q, i, &out[n++]);
	}
	skip_holes(q);
	pthread_mutex_unlock(&q->lock);
	return n;
}

int msgq_alarms(struct msgq *q)
{
	int n;

	pthread_mutex_lock(&q->lock);
	n = q->alarms;
	pthread_mutex_unlock(&q->lock);
	return n;
}

uint64_t msgq_head_seq(struct msgq *q)
{
	uint64_t seq;

	pthread_mutex_lock(&q->lock);
	seq = q->live > 0 ? q->ring[q->head].seq : 0;
	pthread_mutex_unlock(&q->lock);
	return seq;
}

int msgq_depth(struct msgq *q)
{
	int n;

	pthread_mutex_lock(&q->lock);
	n = q->live;
	pthread_mutex_unlock(&q->lock);
	return n;
}

bool msgq_full(struct msgq *q)
{
	int n;

	pthread_mutex_lock(&q->lock);
	n = q->span;
	pthread_mutex_unlock(&q->lock);
	return n >= q->cap;
}
