/*
 * test_store_alerts.c: the alerts table's upkeep (store_alert_trim):
 * finished rows of records that are history go once their record has
 * been unchanged for the retention; a live record's rows, a pending row
 * and a recently finished record's rows stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "test_db.h"
#include "testing.h"

#define DAY_MS  86400000LL
#define T0      1795000000000LL         /* a fixed wall clock for the tests */

static char dir[64];
static char path[128];

/* A record row of kind in state, last changed at updated_ms. */
static void record(const char *id, const char *kind, const char *state, int64_t updated_ms)
{
	char sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO hazards (id, device, site, type, "
		 "severity, priority, state, raised_at_ms, deadline_ms, updated_at_ms, kind) "
		 "VALUES ('%s', 'gas-1', 'site-1', 'gas_leak', 'major', 0, '%s', %lld, 0, "
		 "%lld, '%s')", id, state, (long long)(updated_ms - DAY_MS),
		 (long long)updated_ms, kind);
	CHECK_INT(id, db_exec(path, sql), SQLITE_OK);
}

/* Two sends of the record's chain, one in each of two states. */
static void sends(struct store *st, const char *id, const char *s1, const char *s2)
{
	struct alert_row r;
	const char *states[2] = { s1, s2 };
	int i;

	for (i = 0; i < 2; i++) {
		memset(&r, 0, sizeof r);
		strlcpy_hz(r.record_id, id, sizeof r.record_id);
		strlcpy_hz(r.channel, "sms", sizeof r.channel);
		strlcpy_hz(r.contact, "li.na", sizeof r.contact);
		r.round = i;
		r.due_at_ms = T0;
		strlcpy_hz(r.text, "gas", sizeof r.text);
		store_alert_put(st, &r);
		strlcpy_hz(r.state, states[i], sizeof r.state);
		r.attempts = 1;
		store_alert_mark(st, &r);
	}
}

static long long rows_of(const char *id)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM alerts WHERE record_id = '%s'", id);
	return db_int(path, sql);
}

static void test_trim(void)
{
	char err[256];
	struct store *st;
	int n;

	snprintf(path, sizeof path, "%s/alerts.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("trim: store opens", st != NULL);
	if (!st)
		return;
	/* history for 40 days: its finished rows go */
	record("A1", "alarm", "ended", T0 - 40 * DAY_MS);
	sends(st, "A1", "sent", "cancelled");
	/* history for 40 days, but a send still pending: that one stays */
	record("A2", "alarm", "ended", T0 - 40 * DAY_MS);
	sends(st, "A2", "failed", "pending");
	/* history for 2 days: kept */
	record("A3", "alarm", "ended", T0 - 2 * DAY_MS);
	sends(st, "A3", "sent", "sent");
	/* live (acknowledged 40 days ago, never ended): kept */
	record("A4", "alarm", "acknowledged", T0 - 40 * DAY_MS);
	sends(st, "A4", "sent", "cancelled");
	/* a fault cleared long ago is history; one active is live */
	record("F1", "fault", "cleared", T0 - 31 * DAY_MS);
	sends(st, "F1", "sent", "failed");
	record("F2", "fault", "active", T0 - 31 * DAY_MS);
	sends(st, "F2", "sent", "failed");
	/* a hazard closed long ago */
	record("H1", "hazard", "closed", T0 - 90 * DAY_MS);
	sends(st, "H1", "sent", "sent");
	CHECK_INT("trim: 14 rows before", db_int(path, "SELECT count(*) FROM alerts"), 14);

	n = store_alert_trim(st, T0);
	CHECK_INT("trim: 7 finished rows of old history deleted", n, 7);
	CHECK_INT("trim: ended 40 days ago: none left", rows_of("A1"), 0);
	CHECK_INT("trim: a pending row stays", rows_of("A2"), 1);
	CHECK_INT("trim: the pending one it is",
		  db_int(path, "SELECT count(*) FROM alerts WHERE record_id = 'A2' "
			  "AND state = 'pending'"), 1);
	CHECK_INT("trim: ended 2 days ago: kept", rows_of("A3"), 2);
	CHECK_INT("trim: a live alarm's rows kept", rows_of("A4"), 2);
	CHECK_INT("trim: a cleared fault's rows go", rows_of("F1"), 0);
	CHECK_INT("trim: an active fault's rows kept", rows_of("F2"), 2);
	CHECK_INT("trim: a closed hazard's rows go", rows_of("H1"), 0);
	CHECK_INT("trim: a second call finds nothing", store_alert_trim(st, T0), 0);
	/* time goes on: the recent one's retention runs out */
	CHECK_INT("trim: 29 days on, A3's rows go", store_alert_trim(st, T0 + 29 * DAY_MS), 2);
	CHECK_INT("trim: the records themselves stay",
		  db_int(path, "SELECT count(*) FROM hazards"), 7);
	store_close(st);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/hazardd-alerts-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_trim();
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	TEST_DONE();
}
