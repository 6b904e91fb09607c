/*
 * test_log_prio.c: daemon/lib/log.c's priorities.  With stderr as the
 * journal's stream (JOURNAL_STREAM names it) each line starts with its
 * syslog priority: "<1>" for log_prio(LOG_PRIO_ALERT), "<2>" crit, "<4>"
 * warning, "<6>" info, so that `journalctl -p warning` shows alarms and
 * faults; outside the journal the tag says the same.  log.level "error"
 * keeps alert and crit, "warn" adds warnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

static char path[] = "/tmp/hazardd-test-log-prio.XXXXXX";
static long seen;

static const char *logged(void)
{
	static char buf[8192];
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

int main(void)
{
	char stream[64];
	struct stat st;
	const char *out;
	int fd = mkstemp(path);

	if (fd < 0 || !freopen(path, "w", stderr) || fstat(fileno(stderr), &st) < 0)
		return 1;
	close(fd);

	/* in a terminal or a file: the tag */
	unsetenv("JOURNAL_STREAM");
	log_init("test", LOG_LVL_INFO);
	log_prio(LOG_PRIO_ALERT, "alarm raised: gas_leak");
	CHECK_CONTAINS("file: alert tag", logged(), "test[alert] alarm raised: gas_leak");
	log_prio(LOG_PRIO_CRIT, "alarm raised: charger_overtemp");
	CHECK_CONTAINS("file: crit tag", logged(), "test[crit] alarm raised: charger_overtemp");

	/* the journal's stream: the priority prefix */
	snprintf(stream, sizeof stream, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", stream, 1);
	log_init("test", LOG_LVL_INFO);
	log_prio(LOG_PRIO_ALERT, "alarm raised: smoke_alarm");
	CHECK_CONTAINS("journal: alert is <1>", logged(), "<1>[alert] alarm raised: smoke_alarm");
	log_prio(LOG_PRIO_CRIT, "alarm raised: charger_overcurrent");
	CHECK_CONTAINS("journal: crit is <2>", logged(), "<2>[crit] alarm raised");
	log_prio(LOG_PRIO_ERR, "hazard raised: major");
	CHECK_CONTAINS("journal: err is <3>", logged(), "<3>[error] hazard raised: major");
	log_prio(LOG_PRIO_WARNING, "fault raised: tamper");
	CHECK_CONTAINS("journal: warning is <4>", logged(), "<4>[warn] fault raised: tamper");
	log_prio(LOG_PRIO_INFO, "alarm acknowledged");
	CHECK_CONTAINS("journal: info is <6>", logged(), "<6>[info] alarm acknowledged");
	log_warnx("plain warning");
	CHECK_CONTAINS("journal: log_warnx is still <4>", logged(), "<4>[warn] plain warning");

	/* log.level filters by level: error keeps alert and crit */
	log_set_level(LOG_LVL_ERR);
	log_prio(LOG_PRIO_ALERT, "gas");
	log_prio(LOG_PRIO_WARNING, "fault");
	out = logged();
	CHECK_CONTAINS("level error: alert kept", out, "<1>[alert] gas");
	CHECK("level error: warning dropped", strstr(out, "fault") == NULL);
	log_set_level(LOG_LVL_WARN);
	log_prio(LOG_PRIO_WARNING, "fault 2");
	log_prio(LOG_PRIO_INFO, "ack");
	out = logged();
	CHECK_CONTAINS("level warn: warning kept", out, "<4>[warn] fault 2");
	CHECK("level warn: info dropped", strstr(out, "ack") == NULL);

	unlink(path);
	TEST_DONE();
}
