/*
 * notify.h: systemd's sd_notify protocol (io layer); every call is a
 * no-op without NOTIFY_SOCKET.  The caller builds the status line (what
 * STATUS= says after "STATUS=") and passes links, a summary of its link
 * states: a change of it is told at once, the rest every 10 s.
 */
#ifndef IO_NOTIFY_H
#define IO_NOTIFY_H

#include "lib.h"

#define NOTIFY_LINE_MAX 512     /* longer status lines are cut */

void notify_init(void);                         /* reads WATCHDOG_USEC */
/* READY=1 and a first STATUS= */
void notify_ready(const char *status, unsigned links);
/* Each loop pass: WATCHDOG=1 at half the interval, STATUS= on a change of
 * links and every 10 s. */
void notify_tick(int64_t mono_ms, const char *status, unsigned links);
/* timeout_ms shortened so poll() wakes for the next watchdog ping */
int  notify_timeout_ms(int64_t mono_ms, int timeout_ms);
void notify_stopping(void);                     /* STOPPING=1 */
/* Around a configuration reload: RELOADING=1 (with MONOTONIC_USEC), then
 * READY=1 and a fresh STATUS= once it was applied or refused. */
void notify_reloading(void);
void notify_reloaded(const char *status, unsigned links);

#endif /* IO_NOTIFY_H */
