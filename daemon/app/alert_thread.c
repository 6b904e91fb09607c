/*
 * alert_thread.c: the alert sender thread (alerts.h).  It makes the calls
 * that block for seconds: an SMS or a call through the modem (a few AT
 * commands, each up to its timeout; a call rings for ring_s) and a webhook
 * POST (up to its timeout).  The loop must never wait on those: it hands
 * jobs over a small queue and takes the results back, woken through its
 * eventfd, as the GPIO thread hands it changes (gpio_thread.c).
 *
 * The thread owns the modem handle (one user at a time, modem.h); jobs
 * carry copies of what they need, so a reload changes nothing under it.
 * Jobs run one at a time in the order queued.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts.h"
#include "modem.h"
#include "webhook.h"

#define AT_JOBS    64
#define AT_RESULTS 128

struct alert_thread {
	pthread_mutex_t lock;
	pthread_cond_t  cond;
	pthread_t       tid;
	bool            running, stop;
	int             wake_fd;
	struct modem   *modem;          /* NULL: no modem configured */
	struct alert_job *jobs[AT_JOBS];
	int             j_head, j_n;
	struct alert_result res[AT_RESULTS];
	int             r_head, r_n;
};

static void wake(int fd)
{
	uint64_t one = 1;
	ssize_t w = write(fd, &one, sizeof one);

	(void)w;        /* EAGAIN: already woken */
}

static void run_job(struct alert_thread *t, const struct alert_job *j,
		    struct alert_result *r)
{
	enum modem_result mr;

	r->tag = j->tag;
	r->ok = false;
	r->err[0] = '\0';
	if (strncmp(j->channel, "webhook:", 8) == 0) {
		struct webhook_msg m = {
			.text = j->text, .mention_phone = j->phone, .record_id = j->record_id,
			.kind = j->kind, .type = j->type, .site = j->site, .device = j->device,
			.at_ms = j->at_ms,
		};

		r->ok = webhook_post(&j->wh, &m, r->err, sizeof r->err) == 0;
		return;
	}
	if (!t->modem) {
		errf(r->err, sizeof r->err, "no modem configured");
		return;
	}
	if (strcmp(j->channel, "sms") == 0)
		mr = modem_send_sms(t->modem, j->phone, j->text, r->err, sizeof r->err);
	else if (strcmp(j->channel, "voice") == 0)
		mr = modem_call(t->modem, j->phone, j->ring_s, r->err, sizeof r->err);
	else {
		errf(r->err, sizeof r->err, "unknown channel %s", j->channel);
		return;
	}
	r->ok = mr == MODEM_OK;
	if (!r->ok && !r->err[0])
		errf(r->err, sizeof r->err, "%s", modem_result_name(mr));
}

static void *thread_main(void *arg)
{
	struct alert_thread *t = arg;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		struct alert_job *j;
		struct alert_result r;

		while (!t->stop && t->j_n == 0)
			pthread_cond_wait(&t->cond, &t->lock);
		if (t->stop)
			break;
		j = t->jobs[t->j_head];
		t->j_head = (t->j_head + 1) % AT_JOBS;
		t->j_n--;
		pthread_mutex_unlock(&t->lock);
		run_job(t, j, &r);
		free(j);
		pthread_mutex_lock(&t->lock);
		/* results are few and the loop takes them every pass; a full
		 * ring drops the oldest (its send is tried again: at least once) */
		if (t->r_n == AT_RESULTS) {
			t->r_head = (t->r_head + 1) % AT_RESULTS;
			t->r_n--;
		}
		t->res[(t->r_head + t->r_n) % AT_RESULTS] = r;
		t->r_n++;
		wake(t->wake_fd);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct alert_thread *alert_thread_new(const struct alerts_cfg *boot, int wake_fd)
{
	struct alert_thread *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->wake_fd = wake_fd;
	if (boot && boot->modem.device[0]) {
		struct modem_cfg mc = {
			.device = boot->modem.device, .baud = boot->modem.baud,
			.pin = boot->modem.pin, .timeout_ms = boot->modem.timeout_ms,
		};

		t->modem = modem_new(&mc);
	}
	if (pthread_create(&t->tid, NULL, thread_main, t) != 0) {
		log_warnx("alerts: cannot start the sender thread");
		modem_free(t->modem);
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	t->running = true;
	return t;
}

void alert_thread_free(struct alert_thread *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	/* a send under way finishes first (bounded by its timeout); what is
	 * still queued stays pending in the alerts table for the next run */
	if (t->running)
		pthread_join(t->tid, NULL);
	while (t->j_n > 0) {
		free(t->jobs[t->j_head]);
		t->j_head = (t->j_head + 1) % AT_JOBS;
		t->j_n--;
	}
	modem_free(t->modem);
	webhook_global_cleanup();
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int alert_thread_submit(struct alert_thread *t, const struct alert_job *j)
{
	struct alert_job *c;
	int rc = -1;

	if (!t || !(c = malloc(sizeof *c)))
		return -1;
	*c = *j;
	pthread_mutex_lock(&t->lock);
	if (t->j_n < AT_JOBS) {
		t->jobs[(t->j_head + t->j_n) % AT_JOBS] = c;
		t->j_n++;
		pthread_cond_signal(&t->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&t->lock);
	if (rc < 0)
		free(c);
	return rc;
}

int alert_thread_take(struct alert_thread *t, struct alert_result *out, int max)
{
	int n = 0;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	while (t->r_n > 0 && n < max) {
		out[n++] = t->res[t->r_head];
		t->r_head = (t->r_head + 1) % AT_RESULTS;
		t->r_n--;
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

bool alert_thread_has_modem(const struct alert_thread *t)
{
	return t && t->modem;
}
