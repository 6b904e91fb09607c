/*
 * offload.c: one worker thread and its bounded queue (offload.h).
 *
 * Who owns what: the mutex guards the two lists (todo, finished) and the
 * counters; a job is on exactly one list, or held by the worker while
 * run() is under way (between taking it from todo and putting it on
 * finished), or back with the loop once collected.  run() sees only its
 * job; done() runs on the loop.  Nothing else is shared.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "app.h"
#include "offload.h"

struct offload {
	pthread_mutex_t lock;
	pthread_cond_t  cond;
	pthread_t       tid;
	bool            stop;
	int             wake_fd;
	int             max;
	int             pending;        /* todo + running + finished */
	struct offload_job *todo, **todo_tail;
	struct offload_job *fin, **fin_tail;
	const char     *name;
};

static void wake(int fd)
{
	uint64_t one = 1;
	ssize_t w = write(fd, &one, sizeof one);

	(void)w;        /* EAGAIN: already woken */
}

static void *worker_main(void *arg)
{
	struct offload *w = arg;
	struct offload_job *j;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stop && !w->todo)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop)
			break;
		j = w->todo;
		w->todo = j->next;
		if (!w->todo)
			w->todo_tail = &w->todo;
		pthread_mutex_unlock(&w->lock);
		j->run(j);              /* the job's own data only */
		pthread_mutex_lock(&w->lock);
		j->next = NULL;
		*w->fin_tail = j;
		w->fin_tail = &j->next;
		wake(w->wake_fd);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct offload *offload_new(const char *name, int max_queued, int wake_fd)
{
	struct offload *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->wake_fd = wake_fd;
	w->max = max_queued;
	w->name = name;
	w->todo_tail = &w->todo;
	w->fin_tail = &w->fin;
	if (pthread_create(&w->tid, NULL, worker_main, w) != 0) {
		log_warnx("%s: cannot start its worker thread; the work stays on the loop",
			  name);
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

int offload_submit(struct offload *w, struct offload_job *j)
{
	int rc = -1;

	pthread_mutex_lock(&w->lock);
	if (!w->stop && w->pending < w->max) {
		j->next = NULL;
		*w->todo_tail = j;
		w->todo_tail = &j->next;
		w->pending++;
		pthread_cond_signal(&w->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* The finished list, taken whole under the lock. */
static struct offload_job *take_finished(struct offload *w)
{
	struct offload_job *l;
	int n = 0;

	pthread_mutex_lock(&w->lock);
	l = w->fin;
	w->fin = NULL;
	w->fin_tail = &w->fin;
	for (struct offload_job *j = l; j; j = j->next)
		n++;
	w->pending -= n;
	pthread_mutex_unlock(&w->lock);
	return l;
}

static void done_all(struct offload_job *l, bool ran)
{
	while (l) {
		struct offload_job *next = l->next;

		l->done(l, ran);        /* frees l */
		l = next;
	}
}

void offload_collect(struct offload *w)
{
	if (w)
		done_all(take_finished(w), true);
}

int offload_pending(struct offload *w)
{
	int n;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	n = w->pending;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void offload_free(struct offload *w)
{
	struct offload_job *todo;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->tid, NULL);     /* the job under way finishes */
	todo = w->todo;
	w->todo = NULL;
	/* nothing is acted on any more, finished or not: at exit the objects
	 * a done() would use (the uplink) may be gone already */
	done_all(take_finished(w), false);
	done_all(todo, false);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
