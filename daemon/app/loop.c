/*
 * loop.c: the event loop (loop.h): poll() over the wake eventfd, the
 * signalfd, the intake session's socket, the GPIO lines (when the interlock thread does not own them)
 * and the control socket; one pass per wake-up (loop_pass.c); signals and
 * live reload; the clean shutdown that stores what was received and lets
 * in-flight publishes finish.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "http_console.h"
#include "loop.h"

/* reload.c: GPIO changes recorded before their config goes away. */
static void reload_flush(void *ctx)
{
	struct loop *L = ctx;

	if (L->n_gp == 0)
		return;
	if (store_begin(L->d.store) < 0) {
		int i;

		/* they cannot wait: they point into the old config; the
		 * re-read after the reload raises them again */
		for (i = 0; i < L->n_gp; i++)
			cJSON_Delete(L->gp[i].actions);
		L->n_gp = 0;
		L->d.cnt.store_errors++;
		loop_rules_resync(L);
		return;
	}
	loop_gpio_record(L);
	if (store_commit(L->d.store) < 0) {
		store_rollback(L->d.store);
		L->d.cnt.store_errors++;
		loop_rules_resync(L);        /* the re-read after the reload raises them */
	}
}

/* d->reload: SIGHUP, hazardctl reload and the platform's reload command */
cJSON *loop_reload(struct daemon *d, const char *trigger)
{
	struct loop *L = loop_of(d);
	char line[NOTIFY_LINE_MAX];
	struct reload_target t = {
		.d = d, .boot_cfg = L->boot_cfg, .ix = &L->ix,
		.dev_complaint = &L->dev_complaint, .in = L->in, .disc = L->disc,
		.flush_pending = reload_flush, .ctx = L,
	};
	cJSON *r;

	/* the reload replaces the interlock state and the line requests: the
	 * thread stops, and what it queued is taken (recorded by
	 * reload_flush) or dropped (the re-read below raises it again) */
	notify_reloading();
	gpio_thread_stop(L->d.gt);
	loop_gpio_take(L);
	gpio_thread_discard(L->d.gt);
	r = reload_run(&t, trigger);
	loop_notify_line(d, line, sizeof line);
	notify_reloaded(line, loop_notify_links(d));
	/* new thresholds judge the carried device state at the next pass */
	L->d.rules_changed = true;
	/* every input re-read, whether the reload applied or not: an alarm
	 * that began while it ran is raised (issue 4) */
	if (L->d.gpio)
		loop_gpio_reconcile(L);
	gpio_thread_start(L->d.gt);
	return r;
}

static void handle_signal(struct loop *L)
{
	struct signalfd_siginfo si;

	while (read(L->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("signal %d: shutting down", (int)si.ssi_signo);
			L->quit = true;
		} else if (si.ssi_signo == SIGHUP) {
			cJSON_Delete(loop_reload(&L->d, "SIGHUP"));
		}
	}
}

void loop_run(struct loop *L)
{
	char line[NOTIFY_LINE_MAX];
	struct pollfd pfd[MAX_POLLFDS];
	uint64_t junk;
	int n, nctl, ngpio, timeout, in_timeout, in_at, http_at;
	int64_t due;

	while (!L->quit) {
		pfd[0] = (struct pollfd){ .fd = L->wake_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = L->sig_fd, .events = POLLIN };
		/* with the thread running it owns the line fds */
		ngpio = gpio_thread_running(L->d.gt) ? 0 :
			gpio_pollfds(L->d.gpio, pfd + 2, MAX_POLLFDS / 2);
		nctl = control_pollfds(L->ctl, pfd + 2 + ngpio, MAX_POLLFDS - 3 - ngpio);
		n = 2 + ngpio + nctl;
		/* the intake session: its socket and its timers (keepalive,
		 * reconnect backoff) */
		in_at = intake_pollfd(L->in, &pfd[n], &in_timeout) ? n++ : -1;
		timeout = (int)(L->next_tick_ms - now_mono_ms());
		if (timeout < 0 || msgq_depth(L->q) > 0 || L->n_gp > 0 ||
		    downlink_pending(L->d.dl) || L->d.rules_changed)
			timeout = 0;
		if (timeout > TICK_MS)
			timeout = TICK_MS;
		timeout = notify_timeout_ms(now_mono_ms(), timeout);
		if (in_timeout >= 0 && in_timeout < timeout)
			timeout = in_timeout;
		/* a debounce or a pulse that ends before the tick */
		due = loop_gpio_due_ms(L);
		if (due != INT64_MAX && due - now_mono_ms() < timeout)
			timeout = due <= now_mono_ms() ? 0 : (int)(due - now_mono_ms());
		/* the web console: MHD's epoll descriptor and its timers */
		http_at = http_console_pollfd(L->d.http, &pfd[n], &timeout) ? n++ : -1;
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			log_warn("poll");
			continue;
		}
		if (pfd[0].revents & POLLIN)
			while (read(L->wake_fd, &junk, sizeof junk) > 0)
				;
		if (pfd[1].revents & POLLIN)
			handle_signal(L);
		loop_gpio_react(L, pfd + 2, ngpio);  /* outputs move before any write */
		intake_handle(L->in, in_at >= 0 ? pfd[in_at].revents : 0);
		loop_pass(L);
		/* WATCHDOG=1: this pass ran */
		loop_notify_line(&L->d, line, sizeof line);
		notify_tick(now_mono_ms(), line, loop_notify_links(&L->d));
		if (nctl > 0)
			control_handle(L->ctl, pfd + 2 + ngpio, nctl, &L->d);
		/* every turn, not only when readable: MHD's timeouts and the
		 * streams' heartbeats and resumed writes (never blocks) */
		if (http_at >= 0)
			http_console_run(L->d.http);
	}
}

/* Clean exit: wait (briefly) until the broker has read the PUBACKs of
 * what was committed, then delete their dedupe rows (loop_dedupe.c), so
 * that a clean stop leaves none behind.  Messages that arrive meanwhile
 * stay unacknowledged: the broker delivers them to the next run. */
static void loop_shutdown_dedupe(struct loop *L)
{
	int64_t until = now_mono_ms() + 1000;

	while (intake_acks_confirmed(L->in) < intake_acked_through(L->in) &&
	       now_mono_ms() < until) {
		struct pollfd p;
		int t;

		if (!intake_pollfd(L->in, &p, &t))
			break;
		if (poll(&p, 1, 50) < 0 && errno != EINTR)
			break;
		intake_handle(L->in, p.revents);
	}
	if (store_begin(L->d.store) < 0)
		return;
	loop_dedupe_done(L);
	if (store_commit(L->d.store) < 0)
		store_rollback(L->d.store);
}

/* Clean exit: stop taking messages (the broker keeps the rest for our
 * persistent session: the loop no longer reads the intake's socket), store
 * what we hold and acknowledge it, let in-flight publishes finish. */
void loop_shutdown(struct loop *L)
{
	int64_t until = now_mono_ms() + SHUTDOWN_WAIT_MS;

	/* commands not taken yet stay with the broker for our next session;
	 * the ones taken are answered (their replies wait in the outbox) */
	uplink_close_commands(L->up);
	downlink_run(L->d.dl, &L->d, L->up);
	while (msgq_depth(L->q) > 0 || uplink_inflight(L->up) > 0) {
		int64_t acks[1024], undeleted[1024];
		int i, n_msgs, n_acks, n_und;
		bool kept_ok, committed = true;

		if (now_mono_ms() > until && msgq_depth(L->q) == 0)
			break;
		n_acks = uplink_take_acks(L->up, acks, 1024);
		n_msgs = msgq_pop(L->q, L->batch, PASS_MAX_MSGS);
		if (store_begin(L->d.store) == 0) {
			loop_gpio_record(L);
			/* the remembered rows too: deleted now, not sent again
			 * after the restart */
			n_und = loop_delete_acked(L, acks, n_acks, undeleted, &kept_ok);
			loop_dedupe_done(L);
			for (i = 0; i < n_msgs; i++)
				loop_take_msg(L, &L->batch[i]);
			loop_flush_telemetry(L, now_mono_ms(), true);
			if (store_commit(L->d.store) < 0) {
				store_rollback(L->d.store);
				committed = false;
			}
			loop_settle_acked(L, acks, n_acks, undeleted, n_und, kept_ok, committed);
			/* what did not commit is not acknowledged: the broker
			 * delivers it again after the restart */
			if (committed)
				intake_settle(L->in, true);
		}
		for (i = 0; i < n_msgs; i++)
			msg_free(&L->batch[i]);
		if (n_msgs == 0 && n_acks == 0)
			usleep(10000);
	}
	loop_shutdown_dedupe(L);
	/* the PUBACKs of what was committed go out before the DISCONNECT */
	intake_free(L->in);
	L->in = NULL;
	if (uplink_connected(L->up, NULL, 0)) {
		cJSON *extra = cJSON_CreateObject();

		cJSON_AddStringToObject(extra, "reason", "shutdown");
		uplink_publish_status(L->up, "offline", extra);
		cJSON_Delete(extra);
	}
	uplink_shutdown(L->up, 1000);
}

