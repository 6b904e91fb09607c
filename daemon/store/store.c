/*
 * store.c: the one SQLite file that holds everything durable: hazards and
 * their events, recent readings, the outbox and a mirror of the config.
 * This file prepares the statements, opens and closes the file, runs the
 * transactions, keeps meta and mirrors the config; the tables' own work is
 * in store_record*.c, store_readings.c, store_outbox.c and store_quota.c.
 *
 * Only the loop thread calls in.  Every statement is prepared once at open
 * and reset after each use.  The caller wraps a whole loop pass in
 * store_begin/store_commit (one fsync per pass, not per row); the functions
 * here never commit on their own while that transaction is open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

/* one intake_pending row's values, four of them (S_IN_NOTE4, S_IN_NOTE16) */
#define IN_ROW   "(?, ?, ?, ?, ?)"
#define IN_ROWS4 IN_ROW "," IN_ROW "," IN_ROW "," IN_ROW

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN]       = "BEGIN IMMEDIATE",
	[S_COMMIT]      = "COMMIT",
	[S_ROLLBACK]    = "ROLLBACK",
	[S_SAVEPOINT]   = "SAVEPOINT store_op",
	[S_RELEASE]     = "RELEASE store_op",
	[S_ROLLBACK_TO] = "ROLLBACK TO store_op",
	[S_META_GET]    = "SELECT value FROM meta WHERE key = ?1",
	/* store_intake.c */
	[S_IN_NOTE]     = "INSERT OR REPLACE INTO intake_pending "
			  "(packet_id, hash, run, seq, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	/* several messages' rows in one statement (store_intake_flush) */
	[S_IN_NOTE4]    = "INSERT OR REPLACE INTO intake_pending "
			  "(packet_id, hash, run, seq, at_ms) VALUES " IN_ROWS4,
	[S_IN_NOTE16]   = "INSERT OR REPLACE INTO intake_pending "
			  "(packet_id, hash, run, seq, at_ms) VALUES "
			  IN_ROWS4 "," IN_ROWS4 "," IN_ROWS4 "," IN_ROWS4,
	[S_IN_SEEN]     = "SELECT 1 FROM intake_pending WHERE packet_id = ?1 AND hash = ?2",
	[S_IN_DONE]     = "DELETE FROM intake_pending WHERE run = ?1 AND seq <= ?2",
	[S_IN_STALE]    = "DELETE FROM intake_pending WHERE run <> ?1",
	[S_META_SET]    = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
			  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[S_SITE_UPSERT] = "INSERT INTO sites (id, kind, name, address, grid) "
			  "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET "
			  "kind = excluded.kind, name = excluded.name, "
			  "address = excluded.address, grid = excluded.grid",
	[S_DEVICE_UPSERT] = "INSERT INTO devices (id, kind, site, topic, format) "
			  "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET "
			  "kind = excluded.kind, site = excluded.site, "
			  "topic = excluded.topic, format = excluded.format",
	/* ?4: NULL (SQLite's one past the largest) or the floor's next
	 * (store_readings.c) */
	[S_READING_PUT] = "INSERT INTO readings (seq, device, ts_ms, data) "
			  "VALUES (?4, ?1, ?2, ?3)",
	[S_READING_FLOOR] = "SELECT coalesce((SELECT max(seq) FROM readings), 0), "
			  "coalesce((SELECT value FROM meta WHERE key = 'reading_seq'), 0)",
	[S_READING_FLOOR_SET] = "INSERT INTO meta (key, value) SELECT 'reading_seq', m "
			  "FROM (SELECT max(seq) AS m FROM readings) WHERE m IS NOT NULL "
			  "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
	/* seqs are dense (each one past the largest, deletes only from the
	 * front), so this keeps the newest max_rows without counting the
	 * table */
	[S_READING_TRIM] = "DELETE FROM readings "
			  "WHERE seq <= (SELECT max(seq) FROM readings) - ?1",
	[S_READINGS_SINCE] = "SELECT seq, device, data FROM readings "
			  "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
	[S_READING_LATEST] = "SELECT data FROM readings WHERE device = ?1 "
			  "ORDER BY seq DESC LIMIT 1",
	/* matches the partial index hazards_one_open */
	[S_HZ_FIND_OPEN] = "SELECT " HZ_COLS " FROM hazards "
			  "WHERE device = ?1 AND type = ?2 AND kind = ?3 AND "
			  RECORD_LIVE_SQL " AND device <> ''",
	[S_HZ_GET]      = "SELECT " HZ_COLS " FROM hazards WHERE id = ?1",
	[S_HZ_INSERT]   = "INSERT INTO hazards (id, device, site, type, severity, "
			  "priority, state, raised_at_ms, deadline_ms, cleared_at_ms, "
			  "closed_at_ms, occurrences, detail, evidence, updated_at_ms, "
			  "acked_at_ms, rectifying_at_ms, overdue, escalated_at_ms, "
			  "recurrence_of, clock_trusted, verdict, verified_at_ms, kind, "
			  "reason, source, flapping, submitted_at_ms, submitted_by, "
			  "reinspect_failed) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
			  "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "
			  "?25, ?26, ?27, ?28, ?29, ?30)",
	[S_HZ_UPDATE]   = "UPDATE hazards SET severity = ?2, priority = ?3, "
			  "state = ?4, deadline_ms = ?5, cleared_at_ms = ?6, "
			  "closed_at_ms = ?7, occurrences = ?8, "
			  "detail = coalesce(?9, detail), evidence = ?10, "
			  "updated_at_ms = ?11, acked_at_ms = ?16, rectifying_at_ms = ?17, "
			  "overdue = ?18, escalated_at_ms = ?19, verdict = ?22, "
			  "verified_at_ms = ?23, flapping = ?27, submitted_at_ms = ?28, "
			  "submitted_by = ?29, reinspect_failed = ?30 WHERE id = ?1",
	[S_HZ_LIST_OPEN] = "SELECT " HZ_COLS " FROM hazards WHERE " RECORD_LIVE_SQL " "
			  "ORDER BY priority, raised_at_ms, id",
	[S_HZ_LIST_ALL] = "SELECT " HZ_COLS " FROM hazards "
			  "ORDER BY priority, raised_at_ms, id",
	[S_EV_PUT]      = "INSERT INTO hazard_events (hazard_id, event, at_ms, "
			  "actor, note, severity, detail) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_EV_LAST]     = "SELECT actor, note FROM hazard_events "
			  "WHERE hazard_id = ?1 AND event = ?2 ORDER BY seq DESC LIMIT 1",
	[S_EV_LIST]     = "SELECT seq, event, at_ms, actor, note, severity, detail "
			  "FROM hazard_events WHERE hazard_id = ?1 ORDER BY seq",
	[S_OB_PUT]      = "INSERT INTO outbox (topic_suffix, cls, body, created_ms, hazard_id) "
			  "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_OB_LIFT]     = "UPDATE outbox SET cls = ?1 WHERE hazard_id = ?2 AND cls > ?1",
	[S_OB_NEXT]     = "SELECT seq, topic_suffix, cls, body FROM outbox "
			  "ORDER BY cls, seq LIMIT ?1",
	/* the quota: oldest first; hazard rows are never in these */
	[S_QUOTA_READINGS] = "DELETE FROM readings WHERE seq IN "
			  "(SELECT seq FROM readings ORDER BY seq LIMIT ?1)",
	[S_QUOTA_TELEMETRY] = "DELETE FROM outbox WHERE seq IN "
			  "(SELECT seq FROM outbox WHERE cls = 4 ORDER BY seq LIMIT ?1)",
	[S_OB_DELETE]   = "DELETE FROM outbox WHERE seq = ?1",
	[S_OB_COUNT]    = "SELECT count(*) FROM outbox",
	/* an acknowledged alarm, fault or hazard event is kept for a
	 * downlink resend (each kind has its own topic since schema v5: a
	 * filter on 'hazard' alone left alarms and faults out of it) */
	[S_OB_ARCHIVE]  = "INSERT OR REPLACE INTO outbox_sent (seq, topic_suffix, cls, body, "
			  "created_ms, hazard_id) SELECT seq, topic_suffix, cls, body, "
			  "created_ms, hazard_id FROM outbox WHERE seq = ?1 "
			  "AND topic_suffix IN ('alarm', 'fault', 'hazard')",
	/* store_evidence.c: every reading of a device while a condition is
	 * on widens its records' evidence */
	[S_HZ_OBSERVE]  = "SELECT id, type, evidence FROM hazards "
			  "WHERE device = ?1 AND (state = 'active' OR (kind = 'hazard' "
			  "AND state IN ('open', 'rectifying') AND cleared_at_ms = 0))",
	[S_HZ_EVIDENCE_SET] = "UPDATE hazards SET evidence = ?2 WHERE id = ?1",
	/* store_site_record.c, store_record_rows.c: asked for every device
	 * by the daily sensor-date check and for every raise, so cached
	 * (a fresh prepare cost more than the query) */
	[S_HZ_FIND_LIVE] = "SELECT " HZ_COLS " FROM hazards WHERE "
			   "device = ?1 AND site = ?2 AND type = ?3 AND "
			   "kind = ?4 AND " RECORD_LIVE_SQL
			   " ORDER BY raised_at_ms DESC LIMIT 1",
	[S_HZ_LAST_CLOSE] = "SELECT id, closed_at_ms FROM hazards "
			    "WHERE device = ?1 AND type = ?2 AND state = 'closed' "
			    "AND closed_at_ms <= ?3 "
			    "ORDER BY closed_at_ms DESC, raised_at_ms DESC LIMIT 1",
	/* store_alerts.c: written in the transaction of an alarm's raise
	 * and of every answer, so prepared once */
	[S_AL_PUT]      = "INSERT OR IGNORE INTO alerts (record_id, channel, "
			  "contact, round, due_at_ms, state, attempts, text) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6)",
	[S_AL_CANCEL]   = "UPDATE alerts SET state = 'cancelled' "
			  "WHERE record_id = ?1 AND state = 'pending'",
	[S_AL_MARK]     = "UPDATE alerts SET state = ?5, attempts = ?6, "
			  "last_error = ?7, due_at_ms = ?8 WHERE record_id = ?1 "
			  "AND channel = ?2 AND contact = ?3 AND round = ?4",
	[S_AL_PENDING]  = "SELECT record_id, channel, contact, round, "
			  "due_at_ms, attempts, last_error, text FROM alerts "
			  "WHERE state = 'pending' ORDER BY due_at_ms",
};

/* ------------------------------------------------------------ helpers */

/* Call right after the failing sqlite3 call: reset would not change the
 * message, but another statement would. */
int store_fail(struct store *st, const char *what)
{
	complain(&st->complaint, "store: %s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

/* Every use of a cached statement ends here, so it holds no read lock and
 * no pointer into the caller's memory until its next use. */
void store_stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/*
 * SQLITE_FULL and I/O errors may roll back the caller's whole transaction.
 * Every later write of that pass would then commit on its own, half a pass
 * on disk while the caller believes its commit failed and retries.  Refuse
 * writes until the caller has rolled back and begun again.
 */
static bool tx_lost(struct store *st)
{
	if (!st->in_tx || !sqlite3_get_autocommit(st->db))
		return false;
	complain(&st->complaint, "store: write refused: the transaction was "
		 "rolled back by an earlier error");
	return true;
}

static bool is_tx_control(enum stmt_id id)
{
	return id <= S_ROLLBACK_TO;
}

/* Run a cached statement that returns no rows. */
int store_stmt_run(struct store *st, enum stmt_id id, const char *what)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc;

	if (!is_tx_control(id) && tx_lost(st)) {
		store_stmt_done(s);
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(st, what);
		store_stmt_done(s);
		return -1;
	}
	store_stmt_done(s);
	return 0;
}

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

const char *store_col_text(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}

char *store_col_strdup(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? strdup(v) : NULL;
}

/*
 * Multi-statement writes are all-or-nothing by themselves.  Inside the
 * caller's transaction a savepoint undoes a half-done write without losing
 * the rest of the loop pass; with no transaction open (start-up, tools and
 * tests) the function runs in one of its own.
 */
int store_atomic_begin(struct store *st, bool *own)
{
	if (tx_lost(st))
		return -1;
	*own = sqlite3_get_autocommit(st->db) != 0;
	return store_stmt_run(st, *own ? S_BEGIN : S_SAVEPOINT, "begin");
}

int store_atomic_end(struct store *st, bool own, int rc)
{
	if (rc == 0 && store_stmt_run(st, own ? S_COMMIT : S_RELEASE, "commit") == 0)
		return 0;
	/* SQLITE_FULL and I/O errors may already have rolled back everything,
	 * the caller's transaction included: nothing is left to undo then */
	if (sqlite3_get_autocommit(st->db))
		return -1;
	if (own) {
		store_stmt_run(st, S_ROLLBACK, "rollback");
	} else {
		store_stmt_run(st, S_ROLLBACK_TO, "rollback to savepoint");
		store_stmt_run(st, S_RELEASE, "release savepoint");
	}
	return -1;
}

int store_name_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* Set obj[key] = item, replacing any earlier value; takes item. */
void store_json_set(cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return;
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	else
		cJSON_AddItemToObject(obj, key, item);
}

void store_json_add_iso(cJSON *obj, const char *key, int64_t ms)
{
	char buf[32];

	cJSON_AddStringToObject(obj, key, fmt_iso_ms(ms, buf, sizeof buf));
}

/* Parse stored JSON text; a damaged value becomes {} rather than an error,
 * because evidence is an aid, never a reason to lose a hazard. */
cJSON *store_parse_object(const char *text)
{
	cJSON *o = text ? cJSON_Parse(text) : NULL;

	if (o && cJSON_IsObject(o))
		return o;
	cJSON_Delete(o);
	return cJSON_CreateObject();
}

/* ---------------------------------------------------------- open/close */

static int load_epoch(struct store *st, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *s = st->stmt[S_META_GET];
	const char *v = NULL;
	int rc;

	sqlite3_bind_text(s, 1, "epoch", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		v = (const char *)sqlite3_column_text(s, 0);
	else if (rc != SQLITE_DONE)
		errf(err, errlen, "database %s: cannot read the epoch: %s", path,
			sqlite3_errmsg(st->db));
	if (v && strlen(v) == STORE_EPOCH_LEN &&
	    strspn(v, "0123456789abcdef") == STORE_EPOCH_LEN) {
		memcpy(st->epoch, v, STORE_EPOCH_LEN + 1);
		store_stmt_done(s);
		return 0;
	}
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		errf(err, errlen, "database %s: meta \"epoch\" is missing or not "
			"%d lowercase hex digits", path, STORE_EPOCH_LEN);
	store_stmt_done(s);
	return -1;
}

/* A PRAGMA that answers with a row; value of the first column into out. */
int store_pragma(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (out && outlen)
		snprintf(out, outlen, "%s", rc == SQLITE_ROW && sqlite3_column_text(s, 0)
			 ? (const char *)sqlite3_column_text(s, 0) : "");
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Process-wide, before SQLite's first use (sqlite3_config refuses once
 * the library is initialised; a later call changes nothing).  hazardd
 * never asks SQLite how much memory it uses, so its allocator's
 * statistics, kept under a global mutex on every malloc and free, go. */
static void store_sqlite_setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *st;
	char mode[16];
	bool created = store_history_file_absent(path);
	int rc, i;

	st = calloc(1, sizeof *st);
	if (!st) {
		errf(err, errlen, "database %s: out of memory", path);
		return NULL;
	}
	store_sqlite_setup();
	/* NOMUTEX: the connection is the loop thread's alone (workers do
	 * pure work and hand results back, offload.h), so SQLite's own
	 * per-call locking of it buys nothing: about 2,400 instructions a
	 * reading (docs/benchmarks.md, "Ingest: the loop and the decoders") */
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		errf(err, errlen, "cannot open database %s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* a backup or an operator's sqlite3 shell may hold the lock briefly */
	sqlite3_busy_timeout(st->db, 5000);

	if (store_schema_check(st->db, path, err, errlen) < 0)
		goto fail;
	if (store_pragma(st->db, "PRAGMA journal_mode = WAL", mode, sizeof mode) < 0) {
		errf(err, errlen, "database %s: cannot enable WAL: %s", path,
			sqlite3_errmsg(st->db));
		goto fail;
	}
	if (strcmp(mode, "wal") != 0)
		log_warnx("database %s: journal mode is \"%s\", not WAL", path, mode);
	/* per connection, so on every open: a pass is durable once committed */
	if (store_pragma(st->db, "PRAGMA synchronous = FULL", NULL, 0) < 0 ||
	    store_pragma(st->db, "PRAGMA foreign_keys = ON", NULL, 0) < 0) {
		errf(err, errlen, "database %s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if (store_schema_migrate(st->db, path, err, errlen) < 0)
		goto fail;

	for (i = 0; i < S_COUNT; i++) {
		rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&st->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			errf(err, errlen, "database %s: cannot prepare \"%s\": %s",
				path, stmt_sql[i], sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	st->reading_check = true;
	if (load_epoch(st, path, err, errlen) < 0 ||
	    store_history_open(st, path, created, err, errlen) < 0)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	int i;

	if (!st)
		return;
	store_history_close(st);
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	/* an open transaction is rolled back by the close: only a commit
	 * makes a loop pass durable */
	sqlite3_close(st->db);
	free(st);
}

const char *store_epoch(const struct store *st)
{
	return st->epoch;
}

sqlite3 *store_sqlite(struct store *st)
{
	return st->db;
}

/* ------------------------------------------------------ transactions */

int store_begin(struct store *st)
{
	if (store_stmt_run(st, S_BEGIN, "begin transaction") < 0)
		return -1;
	st->in_tx = true;
	return 0;
}

int store_commit(struct store *st)
{
	/* the intake rows held for this transaction go in with it; one that
	 * fails is logged and the commit goes on, as a failed row always did
	 * (its message is then stored again if delivered again) */
	store_intake_flush(st);
	/* on failure the caller rolls back, which ends in_tx */
	if (store_stmt_run(st, S_COMMIT, "commit") < 0)
		return -1;
	st->in_tx = false;
	complain_release(&st->complaint, "store: writes succeed again");
	return 0;
}

int store_rollback(struct store *st)
{
	st->in_tx = false;
	st->n_in_rows = 0;      /* held intake rows go with the transaction */
	st->reading_check = true;       /* a reading's seq may go with it */
	/* after SQLITE_FULL or an I/O error SQLite may have rolled back by
	 * itself; the caller's rollback is then a no-op, not a second error */
	if (sqlite3_get_autocommit(st->db))
		return 0;
	return store_stmt_run(st, S_ROLLBACK, "rollback");
}

int store_refuse_writes(struct store *st, bool on)
{
	if (sqlite3_exec(st->db, on ? "PRAGMA query_only = 1" : "PRAGMA query_only = 0",
			 NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "query_only");
	return 0;
}

/* -------------------------------------------------------------- meta */

int store_meta_get_int(struct store *st, const char *key, int64_t *val)
{
	sqlite3_stmt *s = st->stmt[S_META_GET];
	int rc;

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*val = sqlite3_column_int64(s, 0);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read meta");
		store_stmt_done(s);
		return -1;
	}
	/* a missing key leaves *val alone: the caller's default stands */
	store_stmt_done(s);
	return 0;
}

int store_meta_set_int(struct store *st, const char *key, int64_t val)
{
	sqlite3_stmt *s = st->stmt[S_META_SET];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, val);
	return store_stmt_run(st, S_META_SET, "write meta");
}

/* Text values (JSON documents): *val malloc'd, NULL when the key is absent. */
int store_meta_get_text(struct store *st, const char *key, char **val)
{
	sqlite3_stmt *s = st->stmt[S_META_GET];
	int rc;

	*val = NULL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*val = store_col_strdup(s, 0);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read meta");
		store_stmt_done(s);
		return -1;
	}
	store_stmt_done(s);
	return 0;
}

int store_meta_set_text(struct store *st, const char *key, const char *val)
{
	sqlite3_stmt *s = st->stmt[S_META_SET];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, val, -1, SQLITE_STATIC);
	return store_stmt_run(st, S_META_SET, "write meta");
}

/* ------------------------------------------------------------ config */

int store_sync_config(struct store *st, const struct config *cfg)
{
	sqlite3_stmt *s;
	bool own;
	int i, rc = 0;

	if (store_atomic_begin(st, &own) < 0)
		return -1;
	s = st->stmt[S_SITE_UPSERT];
	for (i = 0; i < cfg->n_sites && rc == 0; i++) {
		const struct site_cfg *site = &cfg->sites[i];

		store_bind_text(s, 1, site->id);
		store_bind_text(s, 2, site->kind < SITE_KIND_COUNT ?
			  site_kind_name[site->kind] : "other");
		store_bind_text(s, 3, site->name);
		store_bind_text(s, 4, site->address);
		store_bind_text(s, 5, site->grid);
		rc = store_stmt_run(st, S_SITE_UPSERT, "save site");
	}
	s = st->stmt[S_DEVICE_UPSERT];
	for (i = 0; i < cfg->n_devices && rc == 0; i++) {
		const struct device_cfg *dev = &cfg->devices[i];

		store_bind_text(s, 1, dev->id);
		store_bind_text(s, 2, dev->kind < DEV_KIND_COUNT ?
			  device_kind_name[dev->kind] : "unknown");
		store_bind_text(s, 3, dev->site);
		store_bind_text(s, 4, dev->topic);
		store_bind_text(s, 5, dev->format);
		rc = store_stmt_run(st, S_DEVICE_UPSERT, "save device");
	}
	return store_atomic_end(st, own, rc);
}
