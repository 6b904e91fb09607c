/*
 * test_log.c: daemon/lib/log.c's rate-limited complaints and levels, with
 * stderr captured in a file.  A steady problem is one line per backoff
 * interval and its recovery one line with the count of what was not
 * logged; a flapping one (recover, relapse, recover...) inside its window
 * is counted, not logged, and told with the next report; levels filter;
 * -v (log_pin_level) wins over the config's level.  Real time: about 1 s.
 * What the log did not write itself (a note, a device's id) is escaped:
 * no control character or invalid UTF-8 byte reaches the log raw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

static char path[] = "/tmp/hazardd-test-log.XXXXXX";
static long seen;       /* bytes of the capture already returned */

/* What was logged since the last call (static buffer). */
static const char *logged(void)
{
	static char buf[65536];
	FILE *f;
	size_t n;

	fflush(stderr);
	f = fopen(path, "r");
	if (!f)
		return "";
	fseek(f, seen, SEEK_SET);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	seen += (long)n;
	fclose(f);
	return buf;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int main(void)
{
	struct complaint c;
	const char *out;
	int i, fd = mkstemp(path);

	if (fd < 0 || !freopen(path, "w", stderr))
		return 1;
	close(fd);
	log_init("test", LOG_LVL_INFO);

	/* a steady problem: 1000 repeats, one line; recovery tells the rest */
	memset(&c, 0, sizeof c);
	for (i = 0; i < 1000; i++)
		complain(&c, "sensor x: garbage %d", i);
	out = logged();
	CHECK_INT("1000 repeats inside the first second: one line", lines(out), 1);
	CHECK_CONTAINS("the first one is the one logged", out, "sensor x: garbage 0");
	complain_release(&c, "sensor x: recovered");
	out = logged();
	CHECK_INT("recovery: one line", lines(out), 1);
	CHECK_CONTAINS("recovery: with the count not logged", out,
		       "sensor x: recovered (999 repeats not logged since the last report)");
	complain_release(&c, "sensor x: recovered again");
	CHECK_INT("a second release logs nothing", lines(logged()), 0);

	/* a flap inside the window: relapse and recovery are silent ... */
	complain(&c, "link down");
	complain_release(&c, "link up");
	out = logged();
	CHECK_INT("a relapse and recovery inside the window are silent", lines(out), 0);
	for (i = 0; i < 5; i++) {
		complain(&c, "link down");
		complain_release(&c, "link up");
	}
	CHECK_INT("five more flaps inside the window: silent", lines(logged()), 0);
	/* ... and told with the next report once the window is over */
	usleep(1100 * 1000);
	complain(&c, "link down");
	out = logged();
	CHECK_INT("after the window: one line", lines(out), 1);
	CHECK_CONTAINS("it carries the repeats and recoveries", out,
		       "link down (6 repeats and 6 recoveries not logged since the last report)");
	complain_release(&c, "link up");
	CHECK_CONTAINS("its recovery is logged (the episode was reported)", logged(), "link up");
	CHECK_INT("away for a whole interval before: the backoff started over at 1 s",
		  c.interval_ms, 1000);
	/* a relapse at once, still on when the window ends: the next report
	 * doubles the interval instead of starting over */
	complain(&c, "link down");
	usleep(1050 * 1000);
	complain(&c, "link down");
	out = logged();
	CHECK_INT("still on after the window: one line", lines(out), 1);
	CHECK_CONTAINS("with the relapse counted", out, "(1 repeats and 1 recoveries not logged");
	CHECK_INT("backoff doubled: 2 s", c.interval_ms, 2000);
	complain_release(&c, "link up");
	logged();

	/* levels: warn hides info; -v pins debug against the config */
	log_set_config_level("warn");
	log_info("hidden info");
	log_warnx("shown warning");
	out = logged();
	CHECK("log.level warn: info hidden", strstr(out, "hidden info") == NULL);
	CHECK_CONTAINS("log.level warn: warnings shown", out, "shown warning");
	log_set_level(LOG_LVL_DEBUG);
	log_pin_level();
	log_set_config_level("error");
	log_debug("debug after a reload");
	CHECK_CONTAINS("-v pinned: a reload's log.level does not take debug away", logged(),
		       "debug after a reload");
	CHECK_INT("level names", log_level_from_name("warn"), LOG_LVL_WARN);
	CHECK_INT("unknown level name", log_level_from_name("loud"), -1);

	/* a forged line: the note of a person, the id of a device */
	log_info("hazard hz-1 closed by %s: %s", "alice",
		 "fixed\n2026-01-01T00:00:00.000Z hazardd[info] hazard hz-2 closed\r");
	out = logged();
	CHECK_INT("LF and CR in an argument: still one line", lines(out), 1);
	CHECK_CONTAINS("LF written as \\n", out, "fixed\\n2026-01-01T00:00:00.000Z hazardd");
	CHECK_CONTAINS("CR written as \\r", out, "closed\\r\n");
	CHECK("no raw CR", strchr(out, '\r') == NULL);
	log_warnx("note: %s", "\x1b[2J\x1b]0;pwned\x07 tab\there DEL\x7f");
	out = logged();
	CHECK_CONTAINS("ESC, BEL and DEL written as \\xNN, tab as \\t", out,
		       "note: \\x1b[2J\\x1b]0;pwned\\x07 tab\\there DEL\\x7f\n");
	log_info("note: %s", "C1 \xc2\x9b" "2J and NEL \xc2\x85.");
	CHECK_CONTAINS("a C1 control written as its two bytes", logged(),
		       "note: C1 \\xc2\\x9b2J and NEL \\xc2\\x85.\n");
	log_info("note: %s", "r\xe9par\xe9 \xed\xa0\x80 \xe9\x98");
	CHECK_CONTAINS("invalid UTF-8 written as \\xNN, byte by byte", logged(),
		       "note: r\\xe9par\\xe9 \\xed\\xa0\\x80 \\xe9\\x98\n");
	log_info("note: %s", "\xe9\x98\x80\xe9\x97\xa8 ok \xf0\x9f\x94\xa5 r\xc3\xa9par\xc3\xa9");
	CHECK_CONTAINS("valid UTF-8 is written as it is", logged(),
		       "note: \xe9\x98\x80\xe9\x97\xa8 ok \xf0\x9f\x94\xa5 r\xc3\xa9par\xc3\xa9\n");
	{
		char big[1800];

		memset(big, '\n', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		log_info("%s", big);
		out = logged();
		CHECK_INT("1799 LFs: one line, cut, never a raw LF inside", lines(out), 1);
		CHECK("the cut never splits an escape",
		      strlen(out) >= 2 && out[strlen(out) - 2] == 'n' &&
		      out[strlen(out) - 3] == '\\');
	}

	unlink(path);
	TEST_DONE();
}
