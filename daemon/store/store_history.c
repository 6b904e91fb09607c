/*
 * store_history.c: keeps ids unique across a restored or damaged database
 * with the high-water mark beside it (hwm.c says how).
 *
 * At open: read the mark and the database's epoch, generation and id
 * counters, judge, act (a new epoch, or counters moved up to the lease),
 * count this open in the database and write a new lease.  While running:
 * raise the lease before an id past it is handed out.  At a clean close:
 * write the exact counters.
 *
 * A mark that cannot be written never stops an alarm from being stored:
 * it is logged (with backoff) and tried again at the next id.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "hwm.h"
#include "store_internal.h"

static const char *const meta_key[HWM_N] = {
	[HWM_ALARM] = "alarm_seq", [HWM_FAULT] = "fault_seq",
	[HWM_HAZARD] = "hazard_seq",
};

bool store_history_file_absent(const char *path)
{
	struct stat sb;

	if (strcmp(path, ":memory:") == 0 || path[0] == '\0')
		return false;
	if (stat(path, &sb) < 0)
		return errno == ENOENT;
	return S_ISREG(sb.st_mode) && sb.st_size == 0;
}

static int exec_int(sqlite3 *db, const char *sql, int64_t *v)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The database's side of the comparison (no transaction needed: reads). */
static int db_state(struct store *st, struct hwm *db)
{
	int i;

	memset(db, 0, sizeof *db);
	snprintf(db->epoch, sizeof db->epoch, "%s", st->epoch);
	if (store_meta_get_int(st, "generation", &db->generation) < 0 ||
	    exec_int(st->db, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'",
		     &db->ctr[HWM_OUTBOX]) < 0)
		return -1;
	for (i = HWM_ALARM; i < HWM_N; i++)
		if (store_meta_get_int(st, meta_key[i], &db->ctr[i]) < 0)
			return -1;
	return 0;
}

static int new_epoch(struct store *st, char *err, size_t errlen)
{
	char e[STORE_EPOCH_LEN + 1];

	/* a random one that differs from the old for sure */
	do {
		if (store_random_epoch(e, err, errlen) < 0)
			return -1;
	} while (strcmp(e, st->epoch) == 0);
	if (store_meta_set_text(st, "epoch", e) < 0)
		return -1;
	memcpy(st->epoch, e, sizeof e);
	return 0;
}

/* Unclean stop: move every counter up to the lease, so no id handed out
 * before the stop (and perhaps lost with the WAL) is handed out again. */
static int skip_to_lease(struct store *st, const struct hwm *mark, const struct hwm *db)
{
	int i;

	if (db->ctr[HWM_OUTBOX] < mark->ctr[HWM_OUTBOX]) {
		sqlite3_stmt *s = NULL;
		int rc;

		/* sqlite_sequence has the row once the outbox had one */
		if (sqlite3_exec(st->db, "INSERT INTO sqlite_sequence (name, seq) "
				 "SELECT 'outbox', 0 WHERE NOT EXISTS (SELECT 1 FROM "
				 "sqlite_sequence WHERE name = 'outbox')",
				 NULL, NULL, NULL) != SQLITE_OK)
			return store_fail(st, "move the outbox seq up");
		rc = sqlite3_prepare_v2(st->db, "UPDATE sqlite_sequence SET seq = ?1 "
					"WHERE name = 'outbox'", -1, &s, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, mark->ctr[HWM_OUTBOX]);
			rc = sqlite3_step(s);
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return store_fail(st, "move the outbox seq up");
	}
	for (i = HWM_ALARM; i < HWM_N; i++)
		if (db->ctr[i] < mark->ctr[i] &&
		    store_meta_set_int(st, meta_key[i], mark->ctr[i]) < 0)
			return -1;
	return 0;
}

static void lease_write(struct store *st)
{
	char err[256];

	st->hwm.clean = false;
	if (hwm_write(st->hwm_path, &st->hwm, err, sizeof err) < 0) {
		st->hwm_dirty = true;
		complain(&st->hwm_complaint, "high-water mark not written (ids may "
			 "repeat if this database is restored later): %s", err);
		return;
	}
	st->hwm_dirty = false;
	complain_release(&st->hwm_complaint, "high-water mark written again");
}

int store_history_open(struct store *st, const char *path, bool db_created,
		       char *err, size_t errlen)
{
	struct hwm mark, db;
	char why[300], merr[256];
	int got, i;
	enum hwm_verdict v;

	if (strcmp(path, ":memory:") == 0)
		return 0;
	if (hwm_path(path, st->hwm_path, sizeof st->hwm_path) < 0) {
		errf(err, errlen, "database %s: path too long for its high-water mark", path);
		return -1;
	}
	got = hwm_read(st->hwm_path, &mark, merr, sizeof merr);
	if (db_state(st, &db) < 0) {
		errf(err, errlen, "database %s: cannot read its id counters: %s", path,
		     sqlite3_errmsg(st->db));
		return -1;
	}
	v = hwm_judge(got == 1 ? &mark : NULL, got < 0, &db, db_created, why, sizeof why);
	st->history = v;
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto sql_fail;
	if (v == HWM_BACK) {
		char old[STORE_EPOCH_LEN + 1];

		memcpy(old, st->epoch, sizeof old);
		if (new_epoch(st, err, errlen) < 0)
			goto fail;
		if (got < 0)
			log_warnx("%s", merr);
		snprintf(st->history_why, sizeof st->history_why, "database history "
			 "went back (%s); new ids use epoch %s instead of %s", why,
			 st->epoch, old);
	} else if (v == HWM_LOST) {
		snprintf(st->history_why, sizeof st->history_why, "%s; new ids use "
			 "epoch %s", why, st->epoch);
	} else if (v == HWM_AHEAD && skip_to_lease(st, &mark, &db) < 0) {
		goto sql_fail;
	}
	/* this open counts: a copy of the file taken before it is older */
	db.generation = (got == 1 && mark.generation > db.generation
			 ? mark.generation : db.generation) + 1;
	if (store_meta_set_int(st, "generation", db.generation) < 0 ||
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto sql_fail;
	if (v == HWM_BACK || v == HWM_LOST)
		log_warnx("DATABASE HISTORY LOST: database %s: %s", path, st->history_why);
	else if (v == HWM_AHEAD)
		log_warnx("database %s: %s", path, why);
	else if (v == HWM_FIRST)
		log_info("database %s: high-water mark %s created", path, st->hwm_path);
	/* the lease: the counters now (after any skip), plus a step */
	if (db_state(st, &st->hwm) < 0)
		goto sql_fail;
	st->hwm.generation = db.generation;
	for (i = 0; i < HWM_N; i++)
		st->hwm.ctr[i] += HWM_STEP;
	st->hwm_on = true;
	lease_write(st);
	return 0;
sql_fail:
	errf(err, errlen, "database %s: cannot check its history: %s", path,
	     sqlite3_errmsg(st->db));
fail:
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

void store_history_note(struct store *st, int ctr, int64_t n)
{
	if (!st->hwm_on || (n <= st->hwm.ctr[ctr] && !st->hwm_dirty))
		return;
	if (n > st->hwm.ctr[ctr])
		st->hwm.ctr[ctr] = n + HWM_STEP;
	lease_write(st);
}

void store_history_close(struct store *st)
{
	struct hwm exact;
	char err[256];

	if (!st->hwm_on || !sqlite3_get_autocommit(st->db) || db_state(st, &exact) < 0)
		return;         /* the lease stands: the next open skips past it */
	exact.generation = st->hwm.generation;
	exact.clean = true;
	if (hwm_write(st->hwm_path, &exact, err, sizeof err) < 0)
		log_warnx("high-water mark not written at close: %s", err);
}

const char *store_history_fault(const struct store *st)
{
	return st->history == HWM_BACK || st->history == HWM_LOST ? st->history_why : NULL;
}
