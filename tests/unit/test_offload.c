/*
 * test_offload.c: the worker thread and its bounded queue (app/offload.c).
 * Jobs run on the worker in order, done() comes on the caller's thread
 * from offload_collect once the eventfd says so; a full queue refuses;
 * offload_free answers every job not collected with ran = false.
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "offload.h"
#include "testing.h"

struct job {
	struct offload_job j;
	int     n;
	pthread_t ran_on;
	int     started;            /* set by a job that holds the worker */
	int     hold_ms;
};

static int done_order[16], n_done, n_not_run;
static pthread_t main_thread;
static int done_on_other_thread;

static void run(struct offload_job *oj)
{
	struct job *j = (struct job *)oj;

	j->ran_on = pthread_self();
	__atomic_store_n(&j->started, 1, __ATOMIC_SEQ_CST);
	if (j->hold_ms)
		usleep((useconds_t)j->hold_ms * 1000);
}

static void done(struct offload_job *oj, bool ran)
{
	struct job *j = (struct job *)oj;

	if (!pthread_equal(pthread_self(), main_thread))
		done_on_other_thread++;
	if (ran && n_done < 16)
		done_order[n_done++] = j->n;
	if (!ran)
		n_not_run++;
	free(j);
}

static struct job *job(int n, int hold_ms)
{
	struct job *j = calloc(1, sizeof *j);

	j->j.run = run;
	j->j.done = done;
	j->n = n;
	j->hold_ms = hold_ms;
	return j;
}

/* poll the eventfd, then collect, until want jobs came back (5 s) */
static void collect_until(struct offload *w, int fd, int want)
{
	int i;

	for (i = 0; i < 500 && n_done < want; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t junk;

		if (poll(&p, 1, 10) > 0)
			(void)!read(fd, &junk, sizeof junk);
		offload_collect(w);
	}
}

int main(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct offload *w = offload_new("test", 3, fd);
	struct job *hold, *a, *b, *c;
	int i;

	main_thread = pthread_self();
	CHECK("offload_new starts a worker", w != NULL);

	/* three in order, done on this thread */
	for (i = 1; i <= 3; i++)
		CHECK("submit within the bound", offload_submit(w, &job(i, 0)->j) == 0);
	collect_until(w, fd, 3);
	CHECK_INT("three done", n_done, 3);
	CHECK("in the order submitted",
	      done_order[0] == 1 && done_order[1] == 2 && done_order[2] == 3);
	CHECK_INT("done() ran on the collecting thread", done_on_other_thread, 0);
	CHECK_INT("nothing pending", offload_pending(w), 0);

	/* the bound: one held on the worker, two waiting, a fourth refused */
	hold = job(10, 300);
	a = job(11, 0);
	b = job(12, 0);
	c = job(13, 0);
	CHECK("held job queued", offload_submit(w, &hold->j) == 0);
	for (i = 0; i < 100 && !__atomic_load_n(&hold->started, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	CHECK("two more queued", offload_submit(w, &a->j) == 0 && offload_submit(w, &b->j) == 0);
	CHECK("a full queue refuses", offload_submit(w, &c->j) < 0);
	free(c);
	CHECK_INT("three pending", offload_pending(w), 3);

	/* stop while they wait: the held one finishes, none is acted on */
	n_done = 0;
	offload_free(w);
	CHECK_INT("free: every job answered, ran = false", n_not_run, 3);
	CHECK_INT("free: none acted on", n_done, 0);
	close(fd);
	TEST_DONE();
}
