/*
 * store.c: the one SQLite file that holds everything durable: hazards and
 * their events, recent readings, the outbox and a mirror of the config.
 *
 * Only the loop thread calls in.  Every statement is prepared once at open
 * and reset after each use.  The caller wraps a whole loop pass in
 * store_begin/store_commit (one fsync per pass, not per row); the functions
 * here never commit on their own while that transaction is open.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hazardd.h"
#include "store_internal.h"

enum stmt_id {
	/* transaction control first: is_tx_control() relies on it */
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	S_META_GET, S_META_SET,
	S_SITE_UPSERT, S_DEVICE_UPSERT,
	S_READING_PUT, S_READING_TRIM, S_READINGS_SINCE, S_READING_LATEST,
	S_HZ_FIND_OPEN, S_HZ_GET, S_HZ_INSERT, S_HZ_UPDATE,
	S_HZ_LIST_OPEN, S_HZ_LIST_ALL,
	S_EV_PUT, S_EV_LAST, S_EV_LIST,
	S_OB_PUT, S_OB_NEXT, S_OB_DELETE, S_OB_COUNT,
	S_COUNT
};

/* Column order that hz_from_row() reads; detail and evidence come last. */
#define HZ_COLS "id, device, site, type, severity, priority, state, " \
	"raised_at_ms, deadline_ms, cleared_at_ms, closed_at_ms, occurrences, " \
	"detail, evidence"
#define HZ_COL_DETAIL   12
#define HZ_COL_EVIDENCE 13

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN]       = "BEGIN IMMEDIATE",
	[S_COMMIT]      = "COMMIT",
	[S_ROLLBACK]    = "ROLLBACK",
	[S_SAVEPOINT]   = "SAVEPOINT store_op",
	[S_RELEASE]     = "RELEASE store_op",
	[S_ROLLBACK_TO] = "ROLLBACK TO store_op",
	[S_META_GET]    = "SELECT value FROM meta WHERE key = ?1",
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
	[S_READING_PUT] = "INSERT INTO readings (device, ts_ms, data) VALUES (?1, ?2, ?3)",
	/* seqs are dense (AUTOINCREMENT, deletes only from the front), so
	 * this keeps the newest max_rows without counting the table */
	[S_READING_TRIM] = "DELETE FROM readings "
			  "WHERE seq <= (SELECT max(seq) FROM readings) - ?1",
	[S_READINGS_SINCE] = "SELECT seq, device, data FROM readings "
			  "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
	[S_READING_LATEST] = "SELECT data FROM readings WHERE device = ?1 "
			  "ORDER BY seq DESC LIMIT 1",
	/* matches the partial index hazards_one_open */
	[S_HZ_FIND_OPEN] = "SELECT " HZ_COLS " FROM hazards "
			  "WHERE device = ?1 AND type = ?2 AND state != 'closed'",
	[S_HZ_GET]      = "SELECT " HZ_COLS " FROM hazards WHERE id = ?1",
	[S_HZ_INSERT]   = "INSERT INTO hazards (id, device, site, type, severity, "
			  "priority, state, raised_at_ms, deadline_ms, cleared_at_ms, "
			  "closed_at_ms, occurrences, detail, evidence, updated_at_ms) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
			  "?13, ?14, ?15)",
	[S_HZ_UPDATE]   = "UPDATE hazards SET severity = ?2, priority = ?3, "
			  "state = ?4, deadline_ms = ?5, cleared_at_ms = ?6, "
			  "closed_at_ms = ?7, occurrences = ?8, "
			  "detail = coalesce(?9, detail), evidence = ?10, "
			  "updated_at_ms = ?11 WHERE id = ?1",
	[S_HZ_LIST_OPEN] = "SELECT " HZ_COLS " FROM hazards WHERE state != 'closed' "
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
	[S_OB_PUT]      = "INSERT INTO outbox (topic_suffix, cls, body, created_ms) "
			  "VALUES (?1, ?2, ?3, ?4)",
	[S_OB_NEXT]     = "SELECT seq, topic_suffix, cls, body FROM outbox "
			  "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
	[S_OB_DELETE]   = "DELETE FROM outbox WHERE seq = ?1",
	[S_OB_COUNT]    = "SELECT count(*) FROM outbox",
};

struct store {
	sqlite3          *db;
	sqlite3_stmt     *stmt[S_COUNT];
	char              epoch[STORE_EPOCH_LEN + 1];
	/* a full disk fails every write of every pass: say it once, with
	 * backoff, and "recovered" once a commit goes through again */
	struct complaint  complaint;
	/* between store_begin and store_commit/store_rollback */
	bool              in_tx;
};

/* ------------------------------------------------------------ helpers */

/* Call right after the failing sqlite3 call: reset would not change the
 * message, but another statement would. */
static int store_fail(struct store *st, const char *what)
{
	complain(&st->complaint, "store: %s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

/* Every use of a cached statement ends here, so it holds no read lock and
 * no pointer into the caller's memory until its next use. */
static void stmt_done(sqlite3_stmt *s)
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
static int stmt_run(struct store *st, enum stmt_id id, const char *what)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc;

	if (!is_tx_control(id) && tx_lost(st)) {
		stmt_done(s);
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(st, what);
		stmt_done(s);
		return -1;
	}
	stmt_done(s);
	return 0;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}

static char *col_strdup(sqlite3_stmt *s, int i)
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
static int atomic_begin(struct store *st, bool *own)
{
	if (tx_lost(st))
		return -1;
	*own = sqlite3_get_autocommit(st->db) != 0;
	return stmt_run(st, *own ? S_BEGIN : S_SAVEPOINT, "begin");
}

static int atomic_end(struct store *st, bool own, int rc)
{
	if (rc == 0 && stmt_run(st, own ? S_COMMIT : S_RELEASE, "commit") == 0)
		return 0;
	/* SQLITE_FULL and I/O errors may already have rolled back everything,
	 * the caller's transaction included: nothing is left to undo then */
	if (sqlite3_get_autocommit(st->db))
		return -1;
	if (own) {
		stmt_run(st, S_ROLLBACK, "rollback");
	} else {
		stmt_run(st, S_ROLLBACK_TO, "rollback to savepoint");
		stmt_run(st, S_RELEASE, "release savepoint");
	}
	return -1;
}

static int name_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int64_t hours_to_ms(double h)
{
	if (!(h > 0.0))
		return 0;
	return (int64_t)llround(h * 3600000.0);
}

/* Set obj[key] = item, replacing any earlier value; takes item. */
static void json_set(cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return;
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	else
		cJSON_AddItemToObject(obj, key, item);
}

static void json_add_iso(cJSON *obj, const char *key, int64_t ms)
{
	char buf[32];

	cJSON_AddStringToObject(obj, key, fmt_iso_ms(ms, buf, sizeof buf));
}

/* Parse stored JSON text; a damaged value becomes {} rather than an error,
 * because evidence is an aid, never a reason to lose a hazard. */
static cJSON *parse_object(const char *text)
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
		stmt_done(s);
		return 0;
	}
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		errf(err, errlen, "database %s: meta \"epoch\" is missing or not "
			"%d lowercase hex digits", path, STORE_EPOCH_LEN);
	stmt_done(s);
	return -1;
}

/* A PRAGMA that answers with a row; value of the first column into out. */
static int pragma(sqlite3 *db, const char *sql, char *out, size_t outlen)
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

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *st;
	char mode[16];
	int rc, i;

	st = calloc(1, sizeof *st);
	if (!st) {
		errf(err, errlen, "database %s: out of memory", path);
		return NULL;
	}
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			     NULL);
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
	if (pragma(st->db, "PRAGMA journal_mode = WAL", mode, sizeof mode) < 0) {
		errf(err, errlen, "database %s: cannot enable WAL: %s", path,
			sqlite3_errmsg(st->db));
		goto fail;
	}
	if (strcmp(mode, "wal") != 0)
		log_warnx("database %s: journal mode is \"%s\", not WAL", path, mode);
	/* per connection, so on every open: a pass is durable once committed */
	if (pragma(st->db, "PRAGMA synchronous = FULL", NULL, 0) < 0 ||
	    pragma(st->db, "PRAGMA foreign_keys = ON", NULL, 0) < 0) {
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
	if (load_epoch(st, path, err, errlen) < 0)
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
	if (stmt_run(st, S_BEGIN, "begin transaction") < 0)
		return -1;
	st->in_tx = true;
	return 0;
}

int store_commit(struct store *st)
{
	/* on failure the caller rolls back, which ends in_tx */
	if (stmt_run(st, S_COMMIT, "commit") < 0)
		return -1;
	st->in_tx = false;
	complain_release(&st->complaint, "store: writes succeed again");
	return 0;
}

int store_rollback(struct store *st)
{
	st->in_tx = false;
	/* after SQLITE_FULL or an I/O error SQLite may have rolled back by
	 * itself; the caller's rollback is then a no-op, not a second error */
	if (sqlite3_get_autocommit(st->db))
		return 0;
	return stmt_run(st, S_ROLLBACK, "rollback");
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
		stmt_done(s);
		return -1;
	}
	/* a missing key leaves *val alone: the caller's default stands */
	stmt_done(s);
	return 0;
}

int store_meta_set_int(struct store *st, const char *key, int64_t val)
{
	sqlite3_stmt *s = st->stmt[S_META_SET];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, val);
	return stmt_run(st, S_META_SET, "write meta");
}

/* ------------------------------------------------------------ config */

int store_sync_config(struct store *st, const struct config *cfg)
{
	sqlite3_stmt *s;
	bool own;
	int i, rc = 0;

	if (atomic_begin(st, &own) < 0)
		return -1;
	s = st->stmt[S_SITE_UPSERT];
	for (i = 0; i < cfg->n_sites && rc == 0; i++) {
		const struct site_cfg *site = &cfg->sites[i];

		bind_text(s, 1, site->id);
		bind_text(s, 2, site->kind < SITE_KIND_COUNT ?
			  site_kind_name[site->kind] : "other");
		bind_text(s, 3, site->name);
		bind_text(s, 4, site->address);
		bind_text(s, 5, site->grid);
		rc = stmt_run(st, S_SITE_UPSERT, "save site");
	}
	s = st->stmt[S_DEVICE_UPSERT];
	for (i = 0; i < cfg->n_devices && rc == 0; i++) {
		const struct device_cfg *dev = &cfg->devices[i];

		bind_text(s, 1, dev->id);
		bind_text(s, 2, dev->kind < DEV_KIND_COUNT ?
			  device_kind_name[dev->kind] : "unknown");
		bind_text(s, 3, dev->site);
		bind_text(s, 4, dev->topic);
		bind_text(s, 5, dev->format);
		rc = stmt_run(st, S_DEVICE_UPSERT, "save device");
	}
	return atomic_end(st, own, rc);
}

/* ---------------------------------------------------------- readings */

int store_put_reading(struct store *st, const char *device, const struct reading *r)
{
	sqlite3_stmt *s = st->stmt[S_READING_PUT];
	cJSON *j = reading_to_json(r);
	char *data = j ? cJSON_PrintUnformatted(j) : NULL;
	int rc;

	cJSON_Delete(j);
	if (!data) {
		complain(&st->complaint, "store: save reading: out of memory");
		return -1;
	}
	bind_text(s, 1, device);
	sqlite3_bind_int64(s, 2, r->ts_ms);
	bind_text(s, 3, data);
	rc = stmt_run(st, S_READING_PUT, "save reading");
	free(data);
	return rc;
}

int store_trim_readings(struct store *st, int max_rows)
{
	/* 0 or less means "keep everything": a config that forgot the key
	 * must not wipe the history */
	if (max_rows <= 0)
		return 0;
	sqlite3_bind_int64(st->stmt[S_READING_TRIM], 1, max_rows);
	return stmt_run(st, S_READING_TRIM, "trim readings");
}

int store_readings_since(struct store *st, int64_t after_seq, int limit,
			 cJSON **out, int64_t *last_seq)
{
	sqlite3_stmt *s = st->stmt[S_READINGS_SINCE];
	cJSON *arr = cJSON_CreateArray();
	int rc;

	*out = NULL;
	*last_seq = after_seq;
	if (!arr)
		return -1;
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : 0);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		cJSON *o = cJSON_CreateObject(), *data, *f;

		if (!o)
			break;
		cJSON_AddStringToObject(o, "device", col_text(s, 1));
		cJSON_AddNumberToObject(o, "seq", (double)seq);
		/* the reading's own fields sit beside device and seq */
		data = parse_object(col_text(s, 2));
		while (data && (f = data->child) != NULL) {
			cJSON_DetachItemViaPointer(data, f);
			if (cJSON_GetObjectItemCaseSensitive(o, f->string))
				cJSON_Delete(f);
			else
				cJSON_AddItemToObject(o, f->string, f);
		}
		cJSON_Delete(data);
		cJSON_AddItemToArray(arr, o);
		*last_seq = seq;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "read readings");
		stmt_done(s);
		cJSON_Delete(arr);
		*last_seq = after_seq;
		return -1;
	}
	stmt_done(s);
	*out = arr;
	return 0;
}

/* Latest stored reading of a device as JSON text (malloc'd), or NULL. */
static char *latest_reading(struct store *st, const char *device)
{
	sqlite3_stmt *s = st->stmt[S_READING_LATEST];
	char *data = NULL;

	bind_text(s, 1, device);
	if (sqlite3_step(s) == SQLITE_ROW)
		data = col_strdup(s, 0);
	stmt_done(s);
	return data;
}

/* ----------------------------------------------------------- hazards */

static int hz_from_row(sqlite3_stmt *s, struct hazard_rec *rec)
{
	int t = name_index(hazard_type_name, HZ_TYPE_COUNT, col_text(s, 3));
	int sev = name_index(severity_name, 2, col_text(s, 4));
	int prio = sqlite3_column_int(s, 5);

	memset(rec, 0, sizeof *rec);
	strlcpy_hz(rec->id, col_text(s, 0), sizeof rec->id);
	if (t < 0 || sev < 0 || prio < PRIO_URGENT || prio > PRIO_SLOW) {
		/* written by another version: skip it rather than misreport */
		log_warnx("store: hazard %s has unknown type \"%s\" or severity \"%s\"",
			  rec->id, col_text(s, 3), col_text(s, 4));
		return -1;
	}
	strlcpy_hz(rec->device, col_text(s, 1), sizeof rec->device);
	strlcpy_hz(rec->site, col_text(s, 2), sizeof rec->site);
	rec->type = (enum hazard_type)t;
	rec->severity = (enum severity)sev;
	rec->priority = (enum priority)prio;
	strlcpy_hz(rec->state, col_text(s, 6), sizeof rec->state);
	rec->raised_at_ms = sqlite3_column_int64(s, 7);
	rec->deadline_ms = sqlite3_column_int64(s, 8);
	rec->cleared_at_ms = sqlite3_column_int64(s, 9);
	rec->closed_at_ms = sqlite3_column_int64(s, 10);
	rec->occurrences = sqlite3_column_int(s, 11);
	return 0;
}

/*
 * One hazard row by a query already bound (S_HZ_GET or S_HZ_FIND_OPEN).
 * Returns 1 found, 0 none, -1 error.  *evidence (optional) is malloc'd.
 */
static int hz_fetch(struct store *st, enum stmt_id id, struct hazard_rec *rec,
		    char **evidence)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc = sqlite3_step(s), found = 0;

	if (rc == SQLITE_ROW) {
		found = hz_from_row(s, rec) == 0 ? 1 : -1;
		if (found == 1 && evidence)
			*evidence = col_strdup(s, HZ_COL_EVIDENCE);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read hazard");
		found = -1;
	}
	stmt_done(s);
	return found;
}

static int hz_insert(struct store *st, const struct hazard_rec *r,
		     const char *detail, const char *evidence, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[S_HZ_INSERT];

	bind_text(s, 1, r->id);
	bind_text(s, 2, r->device);
	bind_text(s, 3, r->site);
	bind_text(s, 4, hazard_type_name[r->type]);
	bind_text(s, 5, severity_name[r->severity]);
	sqlite3_bind_int(s, 6, (int)r->priority);
	bind_text(s, 7, r->state);
	sqlite3_bind_int64(s, 8, r->raised_at_ms);
	sqlite3_bind_int64(s, 9, r->deadline_ms);
	sqlite3_bind_int64(s, 10, r->cleared_at_ms);
	sqlite3_bind_int64(s, 11, r->closed_at_ms);
	sqlite3_bind_int(s, 12, r->occurrences);
	bind_text(s, 13, detail ? detail : "");
	bind_text(s, 14, evidence ? evidence : "{}");
	sqlite3_bind_int64(s, 15, now_ms);
	return stmt_run(st, S_HZ_INSERT, "insert hazard");
}

/* detail NULL keeps the stored one */
static int hz_update(struct store *st, const struct hazard_rec *r,
		     const char *detail, const char *evidence, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[S_HZ_UPDATE];

	bind_text(s, 1, r->id);
	bind_text(s, 2, severity_name[r->severity]);
	sqlite3_bind_int(s, 3, (int)r->priority);
	bind_text(s, 4, r->state);
	sqlite3_bind_int64(s, 5, r->deadline_ms);
	sqlite3_bind_int64(s, 6, r->cleared_at_ms);
	sqlite3_bind_int64(s, 7, r->closed_at_ms);
	sqlite3_bind_int(s, 8, r->occurrences);
	bind_text(s, 9, detail);
	bind_text(s, 10, evidence ? evidence : "{}");
	sqlite3_bind_int64(s, 11, now_ms);
	return stmt_run(st, S_HZ_UPDATE, "update hazard");
}

static int ev_put(struct store *st, const struct hazard_rec *r, const char *event,
		  int64_t at_ms, const char *actor, const char *note,
		  const char *detail)
{
	sqlite3_stmt *s = st->stmt[S_EV_PUT];

	bind_text(s, 1, r->id);
	bind_text(s, 2, event);
	sqlite3_bind_int64(s, 3, at_ms);
	bind_text(s, 4, actor);
	bind_text(s, 5, note);
	bind_text(s, 6, severity_name[r->severity]);
	bind_text(s, 7, detail && *detail ? detail : NULL);
	return stmt_run(st, S_EV_PUT, "save hazard event");
}

/* "<epoch>-H<n>": the counter never goes back within a file, the epoch
 * differs between files, so an id is never handed out twice. */
static int hz_next_id(struct store *st, char *id, size_t len)
{
	int64_t n = 0;

	if (store_meta_get_int(st, "hazard_seq", &n) < 0 ||
	    store_meta_set_int(st, "hazard_seq", n + 1) < 0)
		return -1;
	snprintf(id, len, "%s-H%lld", st->epoch, (long long)(n + 1));
	return 0;
}

/*
 * Fold a reading into the evidence: "latest" always, slot ("raised",
 * "cleared") when given, and the per-field maximum of numeric fields in
 * "peak".  Returns the new JSON text (malloc'd) or NULL on no memory.
 */
static char *evidence_fold(const char *old, const struct reading *r,
			   const char *slot, bool drop_cleared)
{
	cJSON *ev = parse_object(old), *peak;
	char *text;
	int f;

	if (!ev)
		return NULL;
	/* a reopened hazard is no longer cleared: its old clear reading
	 * would mislead whoever verifies the fix */
	if (drop_cleared)
		cJSON_DeleteItemFromObjectCaseSensitive(ev, "cleared");
	if (r) {
		if (slot)
			json_set(ev, slot, reading_to_json(r));
		json_set(ev, "latest", reading_to_json(r));
		peak = cJSON_GetObjectItemCaseSensitive(ev, "peak");
		if (!cJSON_IsObject(peak)) {
			peak = cJSON_CreateObject();
			json_set(ev, "peak", peak);
		}
		for (f = 0; peak && f < RF_COUNT; f++) {
			cJSON *p;

			if (!reading_has(r, f) || reading_field_is_bool[f])
				continue;
			p = cJSON_GetObjectItemCaseSensitive(peak, reading_field_name[f]);
			if (!cJSON_IsNumber(p) || r->val[f] > p->valuedouble)
				json_set(peak, reading_field_name[f],
					 cJSON_CreateNumber(r->val[f]));
		}
	}
	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return text;
}

/* Raise severity (and with it priority and deadline) if chg is higher. */
static bool hz_raise_severity(struct hazard_rec *r, enum severity sev,
			      double deadline_h)
{
	if (sev <= r->severity)
		return false;
	r->severity = sev;
	r->priority = hazard_priority(r->type, sev);
	/* the deadline runs from the first report, not from the escalation */
	r->deadline_ms = r->raised_at_ms + hours_to_ms(deadline_h);
	return true;
}

int store_hazard_apply(struct store *st, const struct device_cfg *dev,
		       const struct hazard_change *chg,
		       const struct reading *evidence,
		       double deadline_h, int64_t now_ms,
		       struct hazard_rec *rec, const char **event)
{
	struct hazard_rec cur, next;
	const char *ev_name = NULL, *slot = NULL;
	char *ev_old = NULL, *ev_new = NULL;
	bool own, drop_cleared = false;
	int found, rc = 0;

	*event = NULL;
	memset(rec, 0, sizeof *rec);
	if ((unsigned)chg->type >= HZ_TYPE_COUNT || (unsigned)chg->severity > SEV_MAJOR) {
		complain(&st->complaint, "store: hazard change for %s: bad type %d "
			 "or severity %d", dev->id, (int)chg->type, (int)chg->severity);
		return -1;
	}
	if (atomic_begin(st, &own) < 0)
		return -1;
	bind_text(st->stmt[S_HZ_FIND_OPEN], 1, dev->id);
	bind_text(st->stmt[S_HZ_FIND_OPEN], 2, hazard_type_name[chg->type]);
	found = hz_fetch(st, S_HZ_FIND_OPEN, &cur, &ev_old);
	if (found < 0) {
		rc = -1;
		goto out;
	}

	if (!found) {
		if (chg->kind == CHG_CLEAR)
			goto out;       /* nothing open: nothing to clear */
		/* ACTIVE, or ESCALATE with nothing to escalate: a new hazard */
		memset(&next, 0, sizeof next);
		if (hz_next_id(st, next.id, sizeof next.id) < 0) {
			rc = -1;
			goto out;
		}
		strlcpy_hz(next.device, dev->id, sizeof next.device);
		strlcpy_hz(next.site, dev->site, sizeof next.site);
		next.type = chg->type;
		next.severity = chg->severity;
		next.priority = hazard_priority(chg->type, chg->severity);
		strlcpy_hz(next.state, "open", sizeof next.state);
		next.raised_at_ms = now_ms;
		next.deadline_ms = now_ms + hours_to_ms(deadline_h);
		next.occurrences = 1;
		ev_new = evidence_fold(NULL, evidence, "raised", false);
		rc = ev_new ? hz_insert(st, &next, chg->detail, ev_new, now_ms) : -1;
		ev_name = "raised";
		goto write_event;
	}

	next = cur;
	switch (chg->kind) {
	case CHG_ESCALATE:
		if (strcmp(cur.state, "open") == 0) {
			if (!hz_raise_severity(&next, chg->severity, deadline_h))
				goto out;       /* not higher: nothing changed */
			ev_name = "escalated";
			break;
		}
		/* a cleared hazard whose condition is back: reopen it as
		 * ACTIVE would, so it can never be closed while active */
		__attribute__((fallthrough));
	case CHG_ACTIVE:
		next.occurrences++;
		if (strcmp(cur.state, "cleared") == 0) {
			strlcpy_hz(next.state, "open", sizeof next.state);
			next.cleared_at_ms = 0;
			drop_cleared = true;
		}
		ev_name = hz_raise_severity(&next, chg->severity, deadline_h) &&
			  chg->kind == CHG_ESCALATE ? "escalated" : "updated";
		break;
	case CHG_CLEAR:
		if (strcmp(cur.state, "open") != 0)
			goto out;
		strlcpy_hz(next.state, "cleared", sizeof next.state);
		next.cleared_at_ms = now_ms;
		slot = "cleared";
		ev_name = "cleared";
		break;
	default:
		goto out;
	}
	ev_new = evidence_fold(ev_old, evidence, slot, drop_cleared);
	rc = ev_new ? hz_update(st, &next, chg->detail, ev_new, now_ms) : -1;

write_event:
	if (rc == 0)
		rc = ev_put(st, &next, ev_name, now_ms, "hazardd", NULL, chg->detail);
	if (rc == 0) {
		*rec = next;
		*event = ev_name;
	}
out:
	if (found == 1 && !*event)
		*rec = cur;     /* nothing changed: report the record as it is */
	free(ev_old);
	free(ev_new);
	if (atomic_end(st, own, rc) < 0) {
		*event = NULL;
		return -1;
	}
	return 0;
}

int store_hazard_get(struct store *st, const char *hazard_id, struct hazard_rec *rec)
{
	struct hazard_rec r;

	/* fetch into a local: hazard_id may be rec->id, read at step time */
	bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	if (hz_fetch(st, S_HZ_GET, &r, NULL) != 1) {
		memset(rec, 0, sizeof *rec);
		return -1;
	}
	*rec = r;
	return 0;
}

int store_hazard_close(struct store *st, const char *hazard_id,
		       const char *actor, const char *note, int64_t now_ms,
		       struct hazard_rec *rec, char *err, size_t errlen)
{
	struct hazard_rec cur;
	char *ev_old = NULL, *ev_new = NULL, *last = NULL, id[ID_MAX];
	bool own;
	int found, rc = 0, refused = 0;

	/* hazard_id may point into *rec (close what was just read) */
	strlcpy_hz(id, hazard_id, sizeof id);
	hazard_id = id;
	if (rec)
		memset(rec, 0, sizeof *rec);
	if (atomic_begin(st, &own) < 0) {
		errf(err, errlen, "database error: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	bind_text(st->stmt[S_HZ_GET], 1, hazard_id);
	found = hz_fetch(st, S_HZ_GET, &cur, &ev_old);
	if (found < 0) {
		errf(err, errlen, "database error reading hazard %s", hazard_id);
		rc = -1;
	} else if (found == 0) {
		errf(err, errlen, "no such hazard %s", hazard_id);
		refused = 1;
	} else if (strcmp(cur.state, "open") == 0) {
		/* write-off needs a verified fix: never close what is active */
		errf(err, errlen, "hazard %s is open: its condition has not "
			"cleared", hazard_id);
		refused = 1;
	} else if (strcmp(cur.state, "cleared") != 0) {
		errf(err, errlen, "hazard %s is already %s", hazard_id, cur.state);
		refused = 1;
	}
	if (rc < 0 || refused)
		goto out;

	/* evidence at close: the device's latest reading, if it has any */
	last = latest_reading(st, cur.device);
	{
		cJSON *ev = parse_object(ev_old), *closed = last ? cJSON_Parse(last) : NULL;

		if (ev && closed)
			json_set(ev, "closed", closed);
		else
			cJSON_Delete(closed);
		ev_new = ev ? cJSON_PrintUnformatted(ev) : NULL;
		cJSON_Delete(ev);
	}
	strlcpy_hz(cur.state, "closed", sizeof cur.state);
	cur.closed_at_ms = now_ms;
	rc = ev_new ? hz_update(st, &cur, NULL, ev_new, now_ms) : -1;
	if (rc == 0)
		rc = ev_put(st, &cur, "closed", now_ms, actor ? actor : "operator",
			    note, NULL);
	if (rc < 0)
		errf(err, errlen, "database error closing hazard %s: %s",
			hazard_id, sqlite3_errmsg(st->db));
out:
	free(ev_old);
	free(ev_new);
	free(last);
	if (atomic_end(st, own, rc) < 0) {
		if (rc == 0)
			errf(err, errlen, "database error closing hazard %s: %s",
				hazard_id, sqlite3_errmsg(st->db));
		return -1;
	}
	if (refused)
		return -1;
	if (rec)
		*rec = cur;
	return 0;
}

/*
 * The hazard as JSON: the upstream event body when event is set, the
 * listing object otherwise.  detail/evidence come from the row.
 */
static cJSON *hz_json(struct store *st, const struct hazard_rec *r,
		      const char *event, int64_t at_ms,
		      const char *detail, const char *evidence)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "hazard_id", r->id);
	if (event)
		cJSON_AddStringToObject(o, "event", event);
	cJSON_AddStringToObject(o, "type", hazard_type_name[r->type]);
	cJSON_AddStringToObject(o, "severity", severity_name[r->severity]);
	cJSON_AddStringToObject(o, "priority", priority_name[r->priority]);
	cJSON_AddStringToObject(o, "device", r->device);
	cJSON_AddStringToObject(o, "site", r->site);
	cJSON_AddStringToObject(o, "state", r->state);
	json_add_iso(o, "raised_at", r->raised_at_ms);
	json_add_iso(o, "deadline", r->deadline_ms);
	if (r->cleared_at_ms)
		json_add_iso(o, "cleared_at", r->cleared_at_ms);
	if (r->closed_at_ms)
		json_add_iso(o, "closed_at", r->closed_at_ms);
	cJSON_AddNumberToObject(o, "occurrences", r->occurrences);
	if (detail && *detail)
		cJSON_AddStringToObject(o, "detail", detail);
	cJSON_AddItemToObject(o, "evidence", parse_object(evidence));
	if (event) {
		sqlite3_stmt *s = st->stmt[S_EV_LAST];

		json_add_iso(o, "at", at_ms);
		bind_text(s, 1, r->id);
		bind_text(s, 2, event);
		if (sqlite3_step(s) == SQLITE_ROW) {
			if (sqlite3_column_type(s, 0) != SQLITE_NULL)
				cJSON_AddStringToObject(o, "actor", col_text(s, 0));
			if (sqlite3_column_type(s, 1) != SQLITE_NULL)
				cJSON_AddStringToObject(o, "note", col_text(s, 1));
		}
		stmt_done(s);
	}
	return o;
}

cJSON *store_hazard_event_json(struct store *st, const struct hazard_rec *rec,
			       const char *event, int64_t at_ms)
{
	sqlite3_stmt *s = st->stmt[S_HZ_GET];
	char *detail = NULL, *evidence = NULL;
	cJSON *o;
	int rc;

	if ((unsigned)rec->type >= HZ_TYPE_COUNT || (unsigned)rec->severity > SEV_MAJOR ||
	    (unsigned)rec->priority > PRIO_SLOW)
		return NULL;
	/* detail and evidence are not in hazard_rec: take them from the row */
	bind_text(s, 1, rec->id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		detail = col_strdup(s, HZ_COL_DETAIL);
		evidence = col_strdup(s, HZ_COL_EVIDENCE);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read hazard");
	}
	stmt_done(s);
	o = hz_json(st, rec, event, at_ms, detail, evidence);
	free(detail);
	free(evidence);
	return o;
}

int store_foreach_open(struct store *st,
		       void (*fn)(void *ctx, const struct hazard_rec *rec),
		       void *ctx)
{
	sqlite3_stmt *s = st->stmt[S_HZ_LIST_OPEN];
	struct hazard_rec *recs = NULL, *grown;
	size_t n = 0, cap = 0, i;
	int rc;

	/* collect first, call after: fn may use the store itself */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(recs, cap * sizeof *recs);
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			recs = grown;
		}
		if (hz_from_row(s, &recs[n]) == 0)
			n++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list open hazards");
		stmt_done(s);
		free(recs);
		return -1;
	}
	stmt_done(s);
	for (i = 0; i < n; i++)
		fn(ctx, &recs[i]);
	free(recs);
	return 0;
}

cJSON *store_list_hazards(struct store *st, bool open_only)
{
	sqlite3_stmt *s = st->stmt[open_only ? S_HZ_LIST_OPEN : S_HZ_LIST_ALL];
	cJSON *arr = cJSON_CreateArray();
	struct hazard_rec r;
	int rc;

	if (!arr)
		return NULL;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (hz_from_row(s, &r) == 0)
			cJSON_AddItemToArray(arr, hz_json(st, &r, NULL, 0,
				col_text(s, HZ_COL_DETAIL), col_text(s, HZ_COL_EVIDENCE)));
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list hazards");
		cJSON_Delete(arr);
		arr = NULL;
	}
	stmt_done(s);
	return arr;
}

static cJSON *json_text_or_null(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return cJSON_CreateNull();
	return cJSON_CreateString(col_text(s, i));
}

cJSON *store_hazard_detail(struct store *st, const char *hazard_id)
{
	sqlite3_stmt *s = st->stmt[S_HZ_GET];
	struct hazard_rec r;
	cJSON *o = NULL, *events;
	char buf[32];
	int rc;

	bind_text(s, 1, hazard_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && hz_from_row(s, &r) == 0)
		o = hz_json(st, &r, NULL, 0, col_text(s, HZ_COL_DETAIL),
			    col_text(s, HZ_COL_EVIDENCE));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(st, "read hazard");
	stmt_done(s);
	if (!o)
		return NULL;

	events = cJSON_AddArrayToObject(o, "events");
	s = st->stmt[S_EV_LIST];
	bind_text(s, 1, hazard_id);
	while (events && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *e = cJSON_CreateObject();

		if (!e)
			break;
		cJSON_AddNumberToObject(e, "seq", (double)sqlite3_column_int64(s, 0));
		cJSON_AddStringToObject(e, "event", col_text(s, 1));
		cJSON_AddStringToObject(e, "at", fmt_iso_ms(sqlite3_column_int64(s, 2),
							    buf, sizeof buf));
		cJSON_AddItemToObject(e, "actor", json_text_or_null(s, 3));
		cJSON_AddItemToObject(e, "note", json_text_or_null(s, 4));
		cJSON_AddItemToObject(e, "severity", json_text_or_null(s, 5));
		cJSON_AddItemToObject(e, "detail", json_text_or_null(s, 6));
		cJSON_AddItemToArray(events, e);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		store_fail(st, "read hazard events");
	stmt_done(s);
	return o;
}

/* ------------------------------------------------------------ outbox */

int store_outbox_put(struct store *st, const char *topic_suffix, int cls,
		     const char *body, int64_t *seq_out)
{
	sqlite3_stmt *s = st->stmt[S_OB_PUT];

	bind_text(s, 1, topic_suffix);
	sqlite3_bind_int(s, 2, cls);
	bind_text(s, 3, body);
	sqlite3_bind_int64(s, 4, now_wall_ms());
	if (stmt_run(st, S_OB_PUT, "queue outbox message") < 0)
		return -1;
	if (seq_out)
		*seq_out = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_outbox_next(struct store *st, int64_t after_seq, struct outbox_msg *out,
		      int max)
{
	sqlite3_stmt *s = st->stmt[S_OB_NEXT];
	int n = 0, rc = SQLITE_DONE, i;

	if (max <= 0)
		return 0;
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int(s, 2, max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct outbox_msg *m = &out[n];

		m->seq = sqlite3_column_int64(s, 0);
		if (strlcpy_hz(m->topic_suffix, col_text(s, 1), sizeof m->topic_suffix) < 0)
			log_warnx("store: outbox %lld: topic suffix \"%s\" truncated",
				  (long long)m->seq, col_text(s, 1));
		m->cls = sqlite3_column_int(s, 2);
		m->body = strdup(col_text(s, 3));
		if (!m->body) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (rc == SQLITE_NOMEM)
			complain(&st->complaint, "store: read outbox: out of memory");
		else
			store_fail(st, "read outbox");
		stmt_done(s);
		for (i = 0; i < n; i++)
			outbox_msg_free(&out[i]);
		return -1;
	}
	stmt_done(s);
	return n;
}

void outbox_msg_free(struct outbox_msg *m)
{
	if (!m)
		return;
	free(m->body);
	m->body = NULL;
}

int store_outbox_delete(struct store *st, int64_t seq)
{
	/* deleting a row already gone is fine: a duplicate PUBACK after a
	 * resend must not count as an error */
	sqlite3_bind_int64(st->stmt[S_OB_DELETE], 1, seq);
	return stmt_run(st, S_OB_DELETE, "delete outbox message");
}

int64_t store_outbox_count(struct store *st)
{
	sqlite3_stmt *s = st->stmt[S_OB_COUNT];
	int64_t n = -1;

	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	else
		store_fail(st, "count outbox");
	stmt_done(s);
	return n;
}
