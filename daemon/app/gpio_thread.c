/*
 * gpio_thread.c: the interlock thread.  It owns the GPIO input fds while
 * it runs: it waits in ppoll() for an edge or for the exact nanosecond a
 * debounce or a pulse ends, and on a debounced change drives the matching
 * output actions at once (interlock_on_change_part, IL_PART_OUTPUTS),
 * records the edge-to-output latency, and hands the change with what was
 * done to the loop (a bounded queue and the loop's eventfd).  The loop then
 * sends the device commands of the change, records the hazard, commits and
 * forwards it exactly as it did when it drove the outputs itself.
 *
 * Why: the loop may be inside an SQLite commit (an fsync of tens of ms)
 * or a large intake batch when a gas contact closes; its poll timeout also
 * has only millisecond resolution.  The valve must not wait for either.
 *
 * Locking: one mutex (gt->lock) guards everything the two threads share:
 * the input lines' debounce state (struct gpio), the output half of the
 * interlock state (levels, latches, pulses, why, counters), the output
 * handles, the latency ring in struct daemon and the queue.  It is held
 * only for in-memory work and the output line writes (an ioctl), never
 * across SQLite, MQTT or the control socket: interlock_persist copies the
 * latches under it and writes them after.  The loop takes it around every
 * output-side interlock call (MQTT-triggered changes, hazardctl outputs,
 * reset and test, the start-up and after-commit re-reads) and stops the
 * thread around a reload (which replaces struct interlock and the line
 * requests) and at shutdown.  The device half of struct interlock (device
 * latches, device commands) is used by the loop alone, so device actions
 * need no lock.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

#define GT_QUEUE        256     /* changes the loop has not taken yet */
#define GT_MAX_WAIT_NS  1000000000LL    /* re-plan at least every second */
#define GT_FULL_WAIT_NS 1000000LL       /* queue full: retry after 1 ms */
#define GT_RT_PRIORITY  10

struct gt_item {
	struct gpio_change gc;
	cJSON  *acts;                   /* output actions done (owned) */
};

struct gpio_thread {
	pthread_mutex_t lock;
	pthread_t       tid;
	bool            running;
	bool            stop;           /* under lock */
	int             kick_fd;        /* eventfd: stop, or re-plan the wait */
	int             wake_fd;        /* the loop's eventfd */
	struct daemon  *d;
	struct gt_item  q[GT_QUEUE];
	int             q_head, q_n;
};

struct gpio_thread *gpio_thread_new(struct daemon *d, int wake_fd)
{
	struct gpio_thread *gt = calloc(1, sizeof *gt);

	if (!gt)
		return NULL;
	gt->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (gt->kick_fd < 0 || pthread_mutex_init(&gt->lock, NULL) != 0) {
		if (gt->kick_fd >= 0)
			close(gt->kick_fd);
		free(gt);
		return NULL;
	}
	gt->d = d;
	gt->wake_fd = wake_fd;
	return gt;
}

void gpio_thread_free(struct gpio_thread *gt)
{
	if (!gt)
		return;
	gpio_thread_stop(gt);
	gpio_thread_discard(gt);
	close(gt->kick_fd);
	pthread_mutex_destroy(&gt->lock);
	free(gt);
}

bool gpio_thread_running(const struct gpio_thread *gt)
{
	return gt && gt->running;
}

static void gt_kick(int fd)
{
	uint64_t one = 1;
	ssize_t w = write(fd, &one, sizeof one);

	(void)w;        /* EAGAIN: the counter is already non-zero */
}

void gpio_lock(struct daemon *d)
{
	if (d && d->gt)
		pthread_mutex_lock(&d->gt->lock);
}

void gpio_unlock(struct daemon *d)
{
	if (!d || !d->gt)
		return;
	pthread_mutex_unlock(&d->gt->lock);
	/* the loop may have started a pulse or a test that ends before the
	 * thread's current wait: let it plan again */
	if (d->gt->running)
		gt_kick(d->gt->kick_fd);
}

/* Told once per process: the thread runs either way.  Set by the
 * starting thread, so at start-up it happens before privileges are
 * dropped (privdrop.c). */
static void gt_sched(pthread_t tid)
{
	static bool told;
	struct sched_param sp = { .sched_priority = GT_RT_PRIORITY };
	int rc = pthread_setschedparam(tid, SCHED_FIFO, &sp);

	if (rc != 0 && !told) {
		told = true;
		log_info("gpio: interlock thread runs at normal priority "
			 "(SCHED_FIFO not permitted: %s)", strerror(rc));
	} else if (rc == 0 && !told) {
		told = true;
		log_info("gpio: interlock thread runs SCHED_FIFO priority %d", GT_RT_PRIORITY);
	}
}

static void gt_lat_record(struct daemon *d, int64_t ns)
{
	d->il_lat_us[d->il_lat_count++ % IL_LAT_N] =
		ns < 0 ? 0 : ns / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns / 1000);
}

/* Under the lock: debounced changes in, outputs out, changes queued. */
static int gt_react(struct gpio_thread *gt, const struct pollfd *pfd, int n)
{
	struct daemon *d = gt->d;
	const struct config *cfg = d->cfg;
	struct gpio_change gc[MAX_GPIO_INPUTS];
	int room = GT_QUEUE - gt->q_n, i, k;

	if (room > MAX_GPIO_INPUTS)
		room = MAX_GPIO_INPUTS;
	/* with no room the edges are still read; the changes wait in gpio.c */
	k = gpio_collect(d->gpio, pfd, n, now_mono_ns(), gc, room);
	for (i = 0; i < k; i++) {
		const struct gpio_in_cfg *in = &cfg->inputs[gc[i].input];
		const struct device_cfg *dev = config_find_device(cfg, in->device);
		struct hazard_change chg = { .type = (enum hazard_type)in->hazard,
					     .severity = (enum severity)in->severity };
		bool on = gpio_hazard_on(in, gc[i].asserted);
		struct gt_item *it;
		cJSON *acts = NULL;

		chg.kind = on ? CHG_ACTIVE : CHG_CLEAR;
		if (dev) {
			int64_t before = now_mono_ns(), wrote;

			acts = interlock_on_change_part(d->il, dev, &chg, now_wall_ms(),
							now_mono_ms(), IL_PART_OUTPUTS);
			/* to the last output write of this change, not to the
			 * end of its bookkeeping (the record, the log line) */
			wrote = interlock_last_write_ns(d->il);
			if (wrote < before)
				wrote = now_mono_ns();  /* held or failed: nothing written */
			/* debounce_ms is deliberate waiting, not reaction time */
			if (acts && on)
				gt_lat_record(d, wrote - gc[i].edge_ns -
					      (int64_t)in->debounce_ms * 1000000);
		}
		it = &gt->q[(gt->q_head + gt->q_n++) % GT_QUEUE];
		it->gc = gc[i];
		it->acts = acts;
	}
	interlock_tick(d->il, now_mono_ms());
	return k;
}

static void *gt_main(void *arg)
{
	struct gpio_thread *gt = arg;
	struct daemon *d = gt->d;
	struct pollfd pfd[MAX_GPIO_INPUTS + 1];
	struct timespec ts;
	int64_t due, pulse, now, wait;
	uint64_t junk;
	int n, k;

	/* without SCHED_FIFO a debounce deadline could be 50 us late (the
	 * default timer slack); 1 ns asks for the exact wake-up */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	for (;;) {
		pthread_mutex_lock(&gt->lock);
		if (gt->stop) {
			pthread_mutex_unlock(&gt->lock);
			break;
		}
		n = gpio_pollfds(d->gpio, pfd + 1, MAX_GPIO_INPUTS);
		due = gpio_next_due_ns(d->gpio);
		pulse = interlock_next_due_ms(d->il);
		if (pulse != INT64_MAX && pulse * 1000000 < due)
			due = pulse * 1000000;
		now = now_mono_ns();
		if (gt->q_n == GT_QUEUE && due > now + GT_FULL_WAIT_NS)
			due = now + GT_FULL_WAIT_NS;
		pthread_mutex_unlock(&gt->lock);

		wait = due == INT64_MAX ? GT_MAX_WAIT_NS : due - now;
		if (wait > GT_MAX_WAIT_NS)
			wait = GT_MAX_WAIT_NS;
		if (wait < 0)
			wait = 0;
		ts.tv_sec = (time_t)(wait / 1000000000LL);
		ts.tv_nsec = (long)(wait % 1000000000LL);
		pfd[0] = (struct pollfd){ .fd = gt->kick_fd, .events = POLLIN };
		if (ppoll(pfd, (nfds_t)n + 1, &ts, NULL) < 0 && errno != EINTR) {
			log_warn("gpio thread: ppoll");
			ts = (struct timespec){ .tv_nsec = 10000000 };
			nanosleep(&ts, NULL);
			continue;
		}
		if (pfd[0].revents & POLLIN)
			while (read(gt->kick_fd, &junk, sizeof junk) > 0)
				;
		pthread_mutex_lock(&gt->lock);
		if (gt->stop) {
			pthread_mutex_unlock(&gt->lock);
			break;
		}
		k = gt_react(gt, pfd + 1, n);
		pthread_mutex_unlock(&gt->lock);
		if (k > 0)
			gt_kick(gt->wake_fd);
	}
	return NULL;
}

int gpio_thread_start(struct gpio_thread *gt)
{
	int rc;

	if (!gt || gt->running || !gt->d->gpio || !gt->d->il)
		return 0;
	gt->stop = false;
	rc = pthread_create(&gt->tid, NULL, gt_main, gt);
	if (rc != 0) {
		/* the loop keeps handling the lines itself, as without a thread */
		log_warnx("gpio: cannot start the interlock thread (%s); the main "
			  "loop handles the inputs", strerror(rc));
		return -1;
	}
	gt->running = true;
	gt_sched(gt->tid);
	return 0;
}

void gpio_thread_stop(struct gpio_thread *gt)
{
	if (!gt || !gt->running)
		return;
	pthread_mutex_lock(&gt->lock);
	gt->stop = true;
	pthread_mutex_unlock(&gt->lock);
	gt_kick(gt->kick_fd);
	pthread_join(gt->tid, NULL);
	gt->running = false;
}

int gpio_thread_take(struct gpio_thread *gt, struct gpio_change *gc, cJSON **acts, int max)
{
	int n = 0;

	if (!gt)
		return 0;
	pthread_mutex_lock(&gt->lock);
	while (gt->q_n > 0 && n < max) {
		struct gt_item *it = &gt->q[gt->q_head];

		gc[n] = it->gc;
		acts[n++] = it->acts;
		it->acts = NULL;
		gt->q_head = (gt->q_head + 1) % GT_QUEUE;
		gt->q_n--;
	}
	pthread_mutex_unlock(&gt->lock);
	return n;
}

int gpio_thread_pending(struct gpio_thread *gt)
{
	return gt ? gt->q_n : 0;
}

void gpio_thread_discard(struct gpio_thread *gt)
{
	struct gpio_change gc;
	cJSON *acts;

	while (gpio_thread_take(gt, &gc, &acts, 1) == 1)
		cJSON_Delete(acts);
}

cJSON *gpio_acts_merge(cJSON *a, cJSON *b)
{
	cJSON *it;

	if (!a)
		return b;
	while (b && (it = cJSON_DetachItemFromArray(b, 0)))
		cJSON_AddItemToArray(a, it);
	cJSON_Delete(b);
	return a;
}
