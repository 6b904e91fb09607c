/*
 * log.c: leveled logging to stderr (foreground) and rate-limited complaints.
 * Modelled on OpenBSD's log.c and collectd's c_complain: a 3 a.m. reader
 * wants one line per problem, not ten thousand.
 *
 * Under systemd stderr is a stream into the journal: then each line starts
 * with the sd-daemon priority prefix ("<1>" alert, "<2>" crit, "<3>" error
 * ... "<7>" debug) so that `journalctl -p warning` works, and the journal
 * adds its own timestamp.  Outside the journal the bracketed tag says the
 * same ("[alert]", "[crit]", "[warn]").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

static const char *log_progname = "hazardd";
static enum log_level log_level_cur = LOG_LVL_INFO;
static bool log_journal;        /* stderr is the journal's stream */
static bool log_pinned;         /* -v given: log.level does not apply */

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

int log_level_from_name(const char *name)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	int i;

	for (i = 0; name && i < (int)(sizeof names / sizeof names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

void log_pin_level(void)
{
	log_pinned = true;
}

void log_set_config_level(const char *name)
{
	int lvl = log_level_from_name(name);

	if (!log_pinned && lvl >= 0)
		log_level_cur = (enum log_level)lvl;
}

/*
 * Append msg to line (at *n, at most size - 2 bytes used, room kept for the
 * '\n'): what hazardd did not write itself (a device id, a person's note,
 * a platform's field) may hold anything, so control characters and bytes
 * that are not valid UTF-8 go out escaped ("\n", "\r", "\t", "\xNN"),
 * never raw: nobody can forge a log line or drive a terminal.  An escape
 * is never cut in half.
 */
static void log_escape(char *line, size_t *n, size_t size, const char *msg, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, k, pos = *n;
	uint32_t cp;

	while (i < len) {
		char esc[16];
		size_t elen = 0, j;

		k = utf8_char(msg + i, len - i, &cp);
		if (k > 0 && !char_is_control(cp)) {
			if (pos + k > size - 2)
				break;
			memcpy(line + pos, msg + i, k);
			pos += k;
			i += k;
			continue;
		}
		if (k == 0)
			k = 1;                  /* one bad byte at a time */
		if (k == 1 && msg[i] == '\n') {
			memcpy(esc, "\\n", 2), elen = 2;
		} else if (k == 1 && msg[i] == '\r') {
			memcpy(esc, "\\r", 2), elen = 2;
		} else if (k == 1 && msg[i] == '\t') {
			memcpy(esc, "\\t", 2), elen = 2;
		} else {
			for (j = 0; j < k; j++) {       /* a C1 control is two bytes */
				unsigned char b = (unsigned char)msg[i + j];

				esc[elen++] = '\\';
				esc[elen++] = 'x';
				esc[elen++] = hex[b >> 4];
				esc[elen++] = hex[b & 15];
			}
		}
		if (pos + elen > size - 2)
			break;
		memcpy(line + pos, esc, elen);
		pos += elen;
		i += k;
	}
	*n = pos;
}

/*
 * prio: the syslog priority the journal files the line under, 0 for the
 * level's own (an alarm is LOG_ALERT or LOG_CRIT while its level is error:
 * `journalctl -p alert` shows the alarms alone).
 */
static void log_vemit_prio(enum log_level lvl, int prio, const char *tag,
			   const char *fmt, va_list ap, int errnum)
{
	static const char *const lvl_name[] = { "error", "warn", "info", "debug" };
	static const int lvl_prio[] = { 3, 4, 6, 7 };  /* LOG_ERR ... LOG_DEBUG */
	char line[4096], msg[2048], ts[32];
	int saved = errno;
	size_t n;
	int m;

	if (lvl > log_level_cur)
		return;
	/* one buffer, one write: Paho's threads log too, lines must not interleave */
	if (log_journal) {
		n = (size_t)snprintf(line, sizeof line, "<%d>[%s] ",
				     prio > 0 ? prio : lvl_prio[lvl],
				     tag ? tag : lvl_name[lvl]);
	} else {
		fmt_iso_ms(now_wall_ms(), ts, sizeof ts);
		n = (size_t)snprintf(line, sizeof line, "%s %s[%s] ", ts, log_progname,
				     tag ? tag : lvl_name[lvl]);
	}
	if (n > sizeof line - 2)
		n = sizeof line - 2;
	/* the message, with what its arguments brought, is escaped as a whole */
	m = vsnprintf(msg, sizeof msg, fmt, ap);
	if (m > 0 && errnum) {
		size_t l = (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1;

		m = (int)l + snprintf(msg + l, sizeof msg - l, ": %s", strerror(errnum));
	}
	if (m > 0)
		log_escape(line, &n, sizeof line, msg,
			   (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1);
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
	errno = saved;
}

static void log_vemit(enum log_level lvl, const char *tag, const char *fmt,
		      va_list ap, int errnum)
{
	log_vemit_prio(lvl, 0, tag, fmt, ap, errnum);
}

void log_prio(int prio, const char *fmt, ...)
{
	static const char *const tag[] = { "emerg", "alert", "crit", "error",
					   "warn", "notice", "info", "debug" };
	enum log_level lvl;
	va_list ap;

	if (prio < 0 || prio > 7)
		prio = 6;
	/* the level log.level filters by: alert and crit are errors */
	lvl = prio <= 3 ? LOG_LVL_ERR : prio <= 5 ? LOG_LVL_WARN
	      : prio == 6 ? LOG_LVL_INFO : LOG_LVL_DEBUG;
	va_start(ap, fmt);
	log_vemit_prio(lvl, prio, tag[prio], fmt, ap, 0);
	va_end(ap);
}

void log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERR, NULL, fmt, ap, 0);
	va_end(ap);
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
#define COMPLAIN_FLAP_MAX_MS (60 * 1000)

/* " (N repeats and M recoveries not logged since the last report)" */
static void complain_suffix(const struct complaint *c, char *buf, size_t len)
{
	buf[0] = '\0';
	if (c->suppressed && c->flaps)
		snprintf(buf, len, " (%llu repeats and %llu recoveries not logged "
			 "since the last report)", (unsigned long long)c->suppressed,
			 (unsigned long long)c->flaps);
	else if (c->suppressed)
		snprintf(buf, len, " (%llu repeats not logged since the last report)",
			 (unsigned long long)c->suppressed);
}

/*
 * Inside the backoff window nothing is logged, whether the problem went on
 * or came back after a recovery (a flapping link: a relapse counts as a
 * repeat, so a link that goes up and down every second costs two lines per
 * backoff interval, not two per flap).  A problem that stayed away for a
 * whole interval after its recovery starts over at COMPLAIN_FIRST_MS.
 */
void complain(struct complaint *c, const char *fmt, ...)
{
	int64_t now = now_mono_ms();
	char msg[1536], suffix[128];
	va_list ap;

	if (now < c->next_ms) {
		if (!c->active) {
			c->active = true;
			c->logged = false;
			c->flaps++;
		}
		c->suppressed++;
		return;
	}
	if (!c->active && c->interval_ms && now - c->released_ms >= c->interval_ms)
		c->interval_ms = 0;
	c->interval_ms = c->interval_ms ? c->interval_ms * 2 : COMPLAIN_FIRST_MS;
	if (c->interval_ms > COMPLAIN_MAX_MS)
		c->interval_ms = COMPLAIN_MAX_MS;
	/* a flapping problem may be down while the last line said
	 * "recovered": tell the truth at least once a minute */
	if (c->flaps && c->interval_ms > COMPLAIN_FLAP_MAX_MS)
		c->interval_ms = COMPLAIN_FLAP_MAX_MS;
	c->next_ms = now + c->interval_ms;
	c->active = true;
	c->logged = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	complain_suffix(c, suffix, sizeof suffix);
	log_warnx("%s%s", msg, suffix);
	c->suppressed = 0;
	c->flaps = 0;
}

/*
 * "recovered" once per reported episode.  A recovery from a relapse that
 * was itself not reported stays silent (it is counted and told with the
 * next report), so the last line logged about a problem is always true of
 * the last state that was reported.
 */
void complain_release(struct complaint *c, const char *fmt, ...)
{
	char msg[1536], suffix[128];
	va_list ap;

	if (!c->active)
		return;
	c->active = false;
	c->released_ms = now_mono_ms();
	if (!c->logged)
		return;
	c->logged = false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	complain_suffix(c, suffix, sizeof suffix);
	log_info("%s%s", msg, suffix);
	c->suppressed = 0;
	c->flaps = 0;
}
