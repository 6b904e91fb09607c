/*
 * notify.c: the systemd service protocol (sd_notify): READY=1 once the
 * database is open and the loop is about to run, STATUS= with the link
 * states and queue depths, WATCHDOG=1 from the loop, STOPPING=1 at exit.
 *
 * Without NOTIFY_SOCKET in the environment (started by hand, by a test, by
 * another supervisor) nothing is sent, so callers need not care.
 * Only the loop thread calls these.  The status line is the caller's
 * (the app layer knows the daemon); this file is the transport.
 *
 * The protocol is one datagram of "KEY=value" lines to the AF_UNIX socket
 * NOTIFY_SOCKET names (a leading '@': the abstract namespace), and the
 * watchdog's interval in WATCHDOG_USEC when WATCHDOG_PID is unset or
 * ours: spoken here, not through libsystemd, which with the compression
 * and crypto libraries it loads would be about 1 MB of every gateway's
 * resident memory for these few lines (docs/benchmarks.md, "Where the
 * memory goes").
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

/* One datagram to NOTIFY_SOCKET; quietly nothing without it or on error
 * (a supervisor that stopped listening must not stop the daemon). */
static void sd_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n, len;
	socklen_t salen;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	n = strlen(path);
	if (n < 2 || n >= sizeof sa.sun_path)
		return;
	memcpy(sa.sun_path, path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			    (path[0] == '/' ? 1 : 0));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	len = strlen(msg);
	while (sendto(fd, msg, len, MSG_NOSIGNAL, (const struct sockaddr *)&sa, salen) < 0 &&
	       errno == EINTR)
		;
	close(fd);
}

/* WATCHDOG_USEC when the watchdog is meant for this process; 0 if off */
static uint64_t sd_watchdog_usec(void)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!us || !*us)
		return 0;
	if (pid && *pid) {
		errno = 0;
		v = strtoull(pid, &end, 10);
		if (errno || *end || v != (unsigned long long)getpid())
			return 0;
	}
	errno = 0;
	v = strtoull(us, &end, 10);
	if (errno || *end || v == 0)
		return 0;
	return (uint64_t)v;
}

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
	uint64_t usec;

	memset(&nt, 0, sizeof nt);
	/* > 0 only when systemd set WATCHDOG_USEC (and WATCHDOG_PID is ours) */
	if ((usec = sd_watchdog_usec()) > 0) {
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
	sd_send(msg);
	nt.links = links;
	nt.next_status_ms = now_mono_ms() + STATUS_EVERY_MS;
}

void notify_ready(const char *status, unsigned links)
{
	notify_ready_line(status, links);
	nt.ready = true;
	if (nt.watchdog_ms) {
		sd_send("WATCHDOG=1");
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
		sd_send("WATCHDOG=1");
		nt.next_ping_ms = mono_ms + (int64_t)nt.watchdog_ms;
	}
	if (mono_ms >= nt.next_status_ms || links != nt.links) {
		snprintf(msg, sizeof msg, "STATUS=%s", status);
		sd_send(msg);
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
	sd_send("STOPPING=1\nSTATUS=stopping: storing what was received, "
		  "waiting for in-flight upstream publishes");
}

/* systemd (Type=notify-reload, or any unit reading the state) sees the
 * reload begin and end; MONOTONIC_USEC ties RELOADING=1 to this request. */
void notify_reloading(void)
{
	char msg[96];

	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%lld\n"
		 "STATUS=reloading the configuration", (long long)now_mono_ms() * 1000);
	sd_send(msg);
}

void notify_reloaded(const char *status, unsigned links)
{
	notify_ready_line(status, links);
}
