/*
 * queue.c: the bounded hand-over queue between the intake session and
 * the loop's pass (a lock still guards it: it costs nothing uncontended
 * and keeps the queue safe for any thread).  A ring of cap ordinary slots plus up to cap more for
 * alarms, so a burst of telemetry can never crowd out an alarm.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib.h"

struct msgq {
	pthread_mutex_t lock;
	struct msg *ring;
	int size;               /* ring slots: 2 * cap */
	int cap;                /* limit for ordinary messages */
	int head, count;
	int wake_fd;
};

struct msgq *msgq_new(int cap, int wake_fd)
{
	struct msgq *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	q->cap = cap;
	q->size = cap * 2;
	q->ring = calloc((size_t)q->size, sizeof *q->ring);
	if (!q->ring) {
		free(q);
		return NULL;
	}
	q->wake_fd = wake_fd;
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

void msg_free(struct msg *m)
{
	free(m->topic);
	free(m->payload);
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
	free(q->ring);
	free(q);
}

int msgq_push(struct msgq *q, const char *topic, const void *payload, size_t len,
	      size_t max_payload, int64_t recv_ms, enum msgq_admit admit)
{
	return msgq_push_seq(q, topic, payload, len, max_payload, recv_ms, admit, NULL);
}

int msgq_push_seq(struct msgq *q, const char *topic, const void *payload, size_t len,
		  size_t max_payload, int64_t recv_ms, enum msgq_admit admit,
		  const struct msg_id *id)
{
	struct msg m = { .len = len, .recv_ms = recv_ms };
	uint64_t one = 1;
	int limit, rc = 0;
	bool was_empty = false;

	if (id) {
		m.seq = id->seq;
		m.packet_id = id->packet_id;
		m.dup = id->dup;
	}
	/* copy outside the lock: the loop thread pops while we allocate */
	m.topic = strdup(topic);
	if (len > max_payload) {
		m.oversized = true;     /* counted as a rejection, never parsed */
	} else {
		m.payload = malloc(len + 1);
		if (m.payload) {
			memcpy(m.payload, payload, len);
			m.payload[len] = '\0';
		}
	}
	if (!m.topic || (!m.oversized && !m.payload)) {
		msg_free(&m);
		return admit == MSGQ_ALARM ? -2 : -1;
	}
	pthread_mutex_lock(&q->lock);
	limit = admit == MSGQ_ALARM ? q->size : q->cap;
	if (q->count >= limit) {
		rc = admit == MSGQ_ALARM ? -2 : -1;
	} else {
		q->ring[(q->head + q->count) % q->size] = m;
		was_empty = q->count++ == 0;
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

int msgq_pop(struct msgq *q, struct msg *out, int max)
{
	int n = 0;

	pthread_mutex_lock(&q->lock);
	while (n < max && q->count > 0) {
		out[n++] = q->ring[q->head];
		memset(&q->ring[q->head], 0, sizeof q->ring[q->head]);
		q->head = (q->head + 1) % q->size;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

uint64_t msgq_head_seq(struct msgq *q)
{
	uint64_t seq;

	pthread_mutex_lock(&q->lock);
	seq = q->count > 0 ? q->ring[q->head].seq : 0;
	pthread_mutex_unlock(&q->lock);
	return seq;
}

int msgq_depth(struct msgq *q)
{
	int n;

	pthread_mutex_lock(&q->lock);
	n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

bool msgq_full(struct msgq *q)
{
	return msgq_depth(q) >= q->cap;
}
