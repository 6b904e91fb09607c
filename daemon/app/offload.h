/*
 * offload.h: a worker thread for slow, pure work the loop must not wait
 * on (offload.c): an argon2id password check (~45 ms), an evidence file's
 * base64 decode, SHA-256 and media type (a few MiB).
 *
 * One thread per worker and a bounded queue.  A job is a struct the caller
 * embeds in its own: run() is called on the worker thread and may touch
 * only what the job owns (its copies of the request); done() is called on
 * the loop thread by offload_collect, once, and frees the job.  Between
 * submit and done() the loop does not touch the job, and the worker
 * touches nothing else: the only state both threads see is the queue
 * below, under its mutex.  The loop is woken through its eventfd when a
 * job is done.
 */
#ifndef APP_OFFLOAD_H
#define APP_OFFLOAD_H

#include <stdbool.h>

struct offload;

struct offload_job {
	void (*run)(struct offload_job *j);
	/* ran: false at shutdown (offload_free): do not act on it; the job
	 * is the callee's to free either way */
	void (*done)(struct offload_job *j, bool ran);
	struct offload_job *next;       /* the worker's list; not the caller's */
};

/* name: for the log; max_queued: jobs waiting or running before submit
 * refuses; wake_fd: the loop's eventfd.  NULL: no thread (the caller does
 * the work on the loop, as before). */
struct offload *offload_new(const char *name, int max_queued, int wake_fd);
/* 0, or -1 when the queue is full (the caller answers busy). */
int  offload_submit(struct offload *w, struct offload_job *j);
/* Loop thread: done(j, true) for each finished job, in the order run. */
void offload_collect(struct offload *w);
/* Jobs waiting or running (not yet collected). */
int  offload_pending(struct offload *w);
/* Stop: the job under way finishes, the thread is joined, and every job
 * not collected yet gets done(j, false), finished or not: nothing is
 * acted on at exit (the caller answers "stopping"). */
void offload_free(struct offload *w);

#endif /* APP_OFFLOAD_H */
