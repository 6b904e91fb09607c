/*
 * log.c: leveled logging to stderr (foreground) and rate-limited complaints.
 * Modelled on OpenBSD's log.c and collectd's c_complain: a 3 a.m. reader
 * wants one line per problem, not ten thousand.
 *
 * Under systemd stderr is a stream into the journal: then each line starts
 * with the sd-daemon priority prefix ("<3>" error ... "<7>" debug) so that
 * `journalctl -p warning` works, and the journal adds its own timestamp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hazardd.h"

static const char *log_progname = "hazardd";
static enum log_level log_level_cur = LOG_LVL_INFO;
static bool log_journal;        /* stderr is the journal's stream */

/*
 * systemd sets JOURNAL_STREAM="DEV:INO" of the stream it connected; only if
 * that is still our stderr (not redirected by a wrapper script) do we use
 * the journal's priority prefixes.
 */
static bool log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!e || sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *progname, enum log_level level)
{
	log_progname = progname;
	log_level_cur = level;
	log_journal = log_stderr_is_journal();
}

void log_set_level(enum log_level level)
{
	log_level_cur = level;
}

static void log_vemit(enum log_level lvl, const char *tag, const char *fmt,
		      va_list ap, int errnum)
{
	static const char *const lvl_name[] = { "error", "warn", "info", "debug" };
	static const int lvl_prio[] = { 3, 4, 6, 7 };  /* LOG_ERR ... LOG_DEBUG */
	char line[2048], ts[32];
	int saved = errno;
	size_t n;

	if (lvl > log_level_cur)
		return;
	/* one buffer, one write: Paho's threads log too, lines must not interleave */
	if (log_journal) {
		n = (size_t)snprintf(line, sizeof line, "<%d>[%s] ", lvl_prio[lvl],
				     tag ? tag : lvl_name[lvl]);
	} else {
		fmt_iso_ms(now_wall_ms(), ts, sizeof ts);
		n = (size_t)snprintf(line, sizeof line, "%s %s[%s] ", ts, log_progname,
				     tag ? tag : lvl_name[lvl]);
	}
	if (n < sizeof line)
		n += (size_t)vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (errnum && n < sizeof line)
		n += (size_t)snprintf(line + n, sizeof line - n, ": %s", strerror(errnum));
	if (n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, NULL, fmt, ap, e);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, NULL, fmt, ap, 0);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_INFO, NULL, fmt, ap, 0);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_DEBUG, NULL, fmt, ap, 0);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERR, "fatal", fmt, ap, 0);
	va_end(ap);
	exit(1);
}

#define COMPLAIN_FIRST_MS 1000
#define COMPLAIN_MAX_MS   (3600 * 1000)

void complain(struct complaint *c, const char *fmt, ...)
{
	int64_t now = now_mono_ms();
	va_list ap;

	if (c->active && now < c->next_ms) {
		c->suppressed++;
		return;
	}
	c->interval_ms = c->active ? c->interval_ms * 2 : COMPLAIN_FIRST_MS;
	if (c->interval_ms > COMPLAIN_MAX_MS)
		c->interval_ms = COMPLAIN_MAX_MS;
	c->next_ms = now + c->interval_ms;
	c->active = true;
	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, NULL, fmt, ap, 0);
	va_end(ap);
	if (c->suppressed)
		log_warnx("  (repeated %llu times since the last report)",
			  (unsigned long long)c->suppressed);
	c->suppressed = 0;
}

void complain_release(struct complaint *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->active)
		return;
	c->active = false;
	c->interval_ms = 0;
	c->suppressed = 0;
	va_start(ap, fmt);
	log_vemit(LOG_LVL_INFO, NULL, fmt, ap, 0);
	va_end(ap);
}
