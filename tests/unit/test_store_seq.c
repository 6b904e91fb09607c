/*
 * test_store_seq.c: schema version 13 (readings without AUTOINCREMENT).
 * A database of an earlier version (tests/data/store_v7.sql, rows in
 * every table) is upgraded and loses nothing: every reading keeps its
 * seq and text, the records, events and outbox are all there.  A
 * reading's seq is never handed out twice: not after the upgrade of a
 * database whose readings were all dropped, not after the quota empties
 * the table, not after a rollback, not across a reopen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "store_internal.h"
#include "test_db.h"
#include "testing.h"

#define T0      1795000000000LL         /* a fixed wall clock for the tests */

static char dir[64];

static const char *db_path(const char *name)
{
	static char buf[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

/* The fixture of schema version 7 into a new file. */
static bool load_v7(const char *path)
{
	const char *top = getenv("TOP");
	char fx[512], *sql;
	sqlite3 *db = NULL;
	FILE *f;
	long n;
	int rc;

	snprintf(fx, sizeof fx, "%s/tests/data/store_v7.sql", top ? top : ".");
	f = fopen(fx, "r");
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	sql = calloc(1, (size_t)n + 1);
	if (!sql || fread(sql, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(sql);
		return false;
	}
	fclose(f);
	unlink(path);
	rc = sqlite3_open(path, &db);   /* creates the file */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	free(sql);
	return rc == SQLITE_OK;
}

static struct reading gas(double lel, int64_t ts)
{
	struct reading r;

	memset(&r, 0, sizeof r);
	r.ts_ms = ts;
	reading_set(&r, RF_GAS_LEL, lel);
	return r;
}

/* The seq of the newest reading. */
static long long top_seq(const char *path)
{
	return db_int(path, "SELECT coalesce(max(seq), 0) FROM readings");
}

/* Everything a reading row holds, every row, in seq order. */
#define ALL_READINGS "SELECT group_concat(seq || ' ' || device || ' ' || ts_ms || ' ' " \
		     "|| data, char(10)) FROM (SELECT * FROM readings ORDER BY seq)"

static void test_upgrade_keeps_rows(void)
{
	const char *p = db_path("v7.db");
	char err[512] = "";
	char *before, *after;
	long long hz, ev, ob, pend;
	struct store *st;
	struct reading r = gas(4, T0);

	CHECK("upgrade: the v7 fixture loads", load_v7(p));
	CHECK_INT("upgrade: the fixture is version 7", db_int(p, "PRAGMA user_version"), 7);
	CHECK_INT("upgrade: the fixture has 9 readings",
		  db_int(p, "SELECT count(*) FROM readings"), 9);
	before = db_text(p, ALL_READINGS);
	hz = db_int(p, "SELECT count(*) FROM hazards");
	ev = db_int(p, "SELECT count(*) FROM hazard_events");
	ob = db_int(p, "SELECT count(*) FROM outbox");
	pend = db_int(p, "SELECT count(*) FROM intake_pending");

	st = store_open(p, err, sizeof err);
	CHECK("upgrade: opens", st != NULL);
	if (!st) {
		printf("  err: %s\n", err);
		free(before);
		return;
	}
	CHECK_INT("upgrade: at the latest version", db_int(p, "PRAGMA user_version"),
		  store_schema_version());
	CHECK("upgrade: 13 or later", store_schema_version() >= 13);
	after = db_text(p, ALL_READINGS);
	CHECK_STR("upgrade: every reading with its seq, device, time and text", after, before);
	CHECK_INT("upgrade: records kept", db_int(p, "SELECT count(*) FROM hazards"), hz);
	CHECK_INT("upgrade: events kept", db_int(p, "SELECT count(*) FROM hazard_events"), ev);
	CHECK_INT("upgrade: outbox kept", db_int(p, "SELECT count(*) FROM outbox"), ob);
	CHECK_INT("upgrade: intake rows kept", db_int(p, "SELECT count(*) FROM intake_pending"),
		  pend);
	CHECK_INT("upgrade: readings without AUTOINCREMENT",
		  db_int(p, "SELECT count(*) FROM sqlite_master WHERE name = 'readings' "
			 "AND sql LIKE '%AUTOINCREMENT%'"), 0);
	CHECK_INT("upgrade: its sqlite_sequence row gone",
		  db_int(p, "SELECT count(*) FROM sqlite_sequence WHERE name = 'readings'"), 0);
	CHECK_INT("upgrade: the outbox keeps its sequence",
		  db_int(p, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'"), 25);
	CHECK_INT("upgrade: the floor is the old sequence",
		  db_int(p, "SELECT value FROM meta WHERE key = 'reading_seq'"), 9);
	CHECK_INT("upgrade: no table left over",
		  db_int(p, "SELECT count(*) FROM sqlite_master WHERE name = 'readings_v13'"), 0);
	CHECK_INT("upgrade: a new reading", store_put_reading(st, "g1", &r), 0);
	CHECK_INT("upgrade: it follows the newest", top_seq(p), 10);
	store_close(st);
	free(before);
	free(after);
}

/* A database whose readings the quota had all dropped before the upgrade:
 * sqlite_sequence alone knew how far the seqs had gone. */
static void test_upgrade_empty(void)
{
	const char *p = db_path("v7-empty.db");
	char err[512] = "";
	struct store *st;
	struct reading r = gas(4, T0);

	CHECK("empty upgrade: the v7 fixture loads", load_v7(p));
	CHECK_INT("empty upgrade: readings dropped", db_exec(p, "DELETE FROM readings"),
		  SQLITE_OK);
	st = store_open(p, err, sizeof err);
	CHECK("empty upgrade: opens", st != NULL);
	if (!st)
		return;
	CHECK_INT("empty upgrade: a new reading", store_put_reading(st, "g1", &r), 0);
	CHECK_INT("empty upgrade: it comes after every dropped one", top_seq(p), 10);
	CHECK_INT("empty upgrade: the next", store_put_reading(st, "g1", &r), 0);
	CHECK_INT("empty upgrade: one further", top_seq(p), 11);
	store_close(st);
}

static void test_quota_empties(void)
{
	const char *p = db_path("quota.db");
	char err[512] = "";
	int64_t dr = 0, dt = 0, de = 0;
	struct store *st = store_open(p, err, sizeof err);
	struct reading r = gas(4, T0);
	int i;

	CHECK("quota: opens", st != NULL);
	if (!st)
		return;
	store_begin(st);
	for (i = 0; i < 50; i++)
		store_put_reading(st, "g1", &r);
	CHECK_INT("quota: 50 readings", store_commit(st), 0);
	CHECK_INT("quota: seqs 1 to 50", top_seq(p), 50);
	store_begin(st);
	store_make_room(st, 1, &dr, &dt, &de);
	CHECK_INT("quota: commit", store_commit(st), 0);
	CHECK_INT("quota: every reading dropped", dr, 50);
	CHECK_INT("quota: the table is empty", db_int(p, "SELECT count(*) FROM readings"), 0);
	CHECK_INT("quota: the floor kept", db_int(p, "SELECT value FROM meta "
						  "WHERE key = 'reading_seq'"), 50);

	/* a reading rolled back: its seq is free again, and only its */
	store_begin(st);
	CHECK_INT("rollback: a reading", store_put_reading(st, "g1", &r), 0);
	store_rollback(st);
	CHECK_INT("rollback: the table is empty again",
		  db_int(p, "SELECT count(*) FROM readings"), 0);
	store_begin(st);
	store_put_reading(st, "g1", &r);
	store_put_reading(st, "g1", &r);
	CHECK_INT("rollback: then two", store_commit(st), 0);
	{
		char *seqs = db_text(p, "SELECT group_concat(seq, ' ') FROM "
				     "(SELECT seq FROM readings ORDER BY seq)");

		CHECK_STR("rollback: after the floor, no gap", seqs, "51 52");
		free(seqs);
	}
	store_close(st);

	st = store_open(p, err, sizeof err);
	CHECK("reopen: opens", st != NULL);
	if (!st)
		return;
	store_begin(st);
	store_make_room(st, 1, &dr, &dt, &de);
	store_commit(st);
	store_close(st);
	st = store_open(p, err, sizeof err);
	CHECK("reopen: again", st != NULL);
	if (!st)
		return;
	CHECK_INT("reopen: a reading", store_put_reading(st, "g1", &r), 0);
	CHECK_INT("reopen: after every earlier one", top_seq(p), 53);
	store_close(st);
}

int main(void)
{
	char cmd[128];

	log_init("test_store_seq", LOG_LVL_ERR);
	snprintf(dir, sizeof dir, "/tmp/test_store_seq.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_upgrade_keeps_rows();
	test_upgrade_empty();
	test_quota_empties();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_DONE();
}
