/*
 * notify.c: the systemd service protocol (sd_notify): READY=1 once the
 * database is open and the loop is about to run, STATUS= with the link
 * states and queue depths, WATCHDOG=1 from the loop, STOPPING=1 at exit.
 *
 * Without NOTIFY_SOCKET in the environment (started by hand, by a test, by
 * another supervisor) sd_notify() does nothing, so callers need not care.
 * Only the loop thread calls these.  The status line is the caller's
 * (the app layer knows the daemon); this file is the transport, the only
 * one that includes libsystemd.
 */
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

#define STATUS_EVERY_MS 10000

static struct {
	uint64_t watchdog_ms;       /* ping interval (half of WATCHDOG_USEC); 0 = off */
	int64_t  next_ping_ms;      /* monotonic */
	int64_t  next_status_ms;
	bool     ready;
	unsigned links;             /* the caller's link states last reported */
} nt;

void notify_init(void)
{
	uint64_t usec = 0;

	memset(&nt, 0, sizeof nt);
	/* > 0 only when systemd set WATCHDOG_USEC (and WATCHDOG_PID is ours) */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		nt.watchdog_ms = usec / 2000;   /* half the interval, in ms */
		if (nt.watchdog_ms == 0)
			nt.watchdog_ms = 1;
		log_info("systemd watchdog: %llu ms, ping every %llu ms",
			 (unsigned long long)(usec / 1000),
			 (unsigned long long)nt.watchdog_ms);
	}
}

/* "READY=1" (with what came before) and the status line */
static void notify_ready_line(const char *status, unsigned links)
{
	char msg[NOTIFY_LINE_MAX + 32];

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status);
	sd_notify(0, msg);
	nt.links = links;
	nt.next_status_ms = now_mono_ms() + STATUS_EVERY_MS;
}

void notify_ready(const char *status, unsigned links)
{
	notify_ready_line(status, links);
	nt.ready = true;
	if (nt.watchdog_ms) {
		sd_notify(0, "WATCHDOG=1");
		nt.next_ping_ms = now_mono_ms() + (int64_t)nt.watchdog_ms;
	}
}

/* Once per loop pass: the pass ran, so the loop is not stuck. */
void notify_tick(int64_t mono_ms, const char *status, unsigned links)
{
	char msg[NOTIFY_LINE_MAX + 16];

	if (!nt.ready)
		return;
	if (nt.watchdog_ms && mono_ms >= nt.next_ping_ms) {
		sd_notify(0, "WATCHDOG=1");
		nt.next_ping_ms = mono_ms + (int64_t)nt.watchdog_ms;
	}
	if (mono_ms >= nt.next_status_ms || links != nt.links) {
		snprintf(msg, sizeof msg, "STATUS=%s", status);
		sd_notify(0, msg);
		nt.links = links;
		nt.next_status_ms = mono_ms + STATUS_EVERY_MS;
	}
}

/* The loop's poll() must wake in time for the next ping. */
int notify_timeout_ms(int64_t mono_ms, int timeout_ms)
{
	int64_t left;

	if (!nt.ready || !nt.watchdog_ms)
		return timeout_ms;
	left = nt.next_ping_ms - mono_ms;
	if (left < 0)
		left = 0;
	return left < timeout_ms ? (int)left : timeout_ms;
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: storing what was received, "
		  "waiting for in-flight upstream publishes");
}

/* systemd (Type=notify-reload, or any unit reading the state) sees the
 * reload begin and end; MONOTONIC_USEC ties RELOADING=1 to this request. */
void notify_reloading(void)
{
	char msg[96];

	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%lld\n"
		 "STATUS=reloading the configuration", (long long)now_mono_ms() * 1000);
	sd_notify(0, msg);
}

void notify_reloaded(const char *status, unsigned links)
{
	notify_ready_line(status, links);
}
