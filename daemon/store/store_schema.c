/*
 * store_schema.c: the database schema as an ordered list of migrations, and
 * the checks made before the daemon trusts a file.
 *
 * PRAGMA user_version counts the migrations applied.  To change the schema,
 * append a migration; never edit one that has shipped, because gateways in
 * the field have already run it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_internal.h"

/*
 * Version 1: everything, from an empty file.
 *
 * type and severity are stored by name (the names are the upstream
 * contract, enum values are not); priority is stored as its rank, 0 urgent
 * to 3 low, so that ORDER BY priority is the handling order.
 *
 * Only hazard_events references another table.  The sites/devices mirror is
 * for reporting: config.c is the authority, and a reading or hazard must
 * never be refused because the mirror is behind.
 *
 * readings, hazard_events and outbox use AUTOINCREMENT so a seq is never
 * reused after deletes: the uplink and telemetry cursors rely on that.
 * (Version 13 takes it off readings and keeps the promise another way.)
 */
static const char schema_v1[] =
	"CREATE TABLE meta ("
	"  key   TEXT PRIMARY KEY,"
	"  value"
	");"
	"CREATE TABLE sites ("
	"  id      TEXT PRIMARY KEY,"
	"  kind    TEXT NOT NULL,"
	"  name    TEXT NOT NULL DEFAULT '',"
	"  address TEXT NOT NULL DEFAULT '',"
	"  grid    TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE TABLE devices ("
	"  id     TEXT PRIMARY KEY,"
	"  kind   TEXT NOT NULL,"
	"  site   TEXT NOT NULL,"
	"  topic  TEXT NOT NULL,"
	"  format TEXT NOT NULL"
	");"
	"CREATE TABLE readings ("
	"  seq    INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  device TEXT NOT NULL,"
	"  ts_ms  INTEGER NOT NULL,"
	"  data   TEXT NOT NULL"
	");"
	"CREATE TABLE hazards ("
	"  id            TEXT PRIMARY KEY,"
	"  device        TEXT NOT NULL,"
	"  site          TEXT NOT NULL,"
	"  type          TEXT NOT NULL,"
	"  severity      TEXT NOT NULL CHECK (severity IN ('general', 'major')),"
	"  priority      INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),"
	"  state         TEXT NOT NULL CHECK (state IN ('open', 'cleared', 'closed')),"
	"  raised_at_ms  INTEGER NOT NULL,"
	"  deadline_ms   INTEGER NOT NULL,"
	"  cleared_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  closed_at_ms  INTEGER NOT NULL DEFAULT 0,"
	"  occurrences   INTEGER NOT NULL DEFAULT 1,"
	"  detail        TEXT NOT NULL DEFAULT '',"
	"  evidence      TEXT NOT NULL DEFAULT '{}',"
	"  updated_at_ms INTEGER NOT NULL"
	");"
	/* the design's rule "at most one open hazard per device and type",
	 * enforced by the database rather than trusted to the code */
	"CREATE UNIQUE INDEX hazards_one_open ON hazards (device, type)"
	"  WHERE state != 'closed';"
	"CREATE TABLE hazard_events ("
	"  seq       INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  hazard_id TEXT NOT NULL REFERENCES hazards (id),"
	"  event     TEXT NOT NULL,"
	"  at_ms     INTEGER NOT NULL,"
	"  actor     TEXT,"
	"  note      TEXT,"
	"  severity  TEXT,"
	"  detail    TEXT"
	");"
	"CREATE INDEX hazard_events_by_hazard ON hazard_events (hazard_id, seq);"
	"CREATE TABLE outbox ("
	"  seq          INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  topic_suffix TEXT NOT NULL,"
	"  cls          INTEGER NOT NULL,"
	"  body         TEXT NOT NULL,"
	"  created_ms   INTEGER NOT NULL"
	");";

/*
 * Version 2: the outbox drains by class (major hazard events, general ones,
 * status, summaries, telemetry) and oldest first within a class.  hazard_id
 * lets a hazard's newer event lift its older pending ones into the same
 * class, so one hazard's events are never delivered out of order.
 */
static const char schema_v2[] =
	"ALTER TABLE outbox ADD COLUMN hazard_id TEXT;"
	"CREATE INDEX outbox_drain ON outbox (cls, seq);"
	"CREATE INDEX outbox_by_hazard ON outbox (hazard_id) WHERE hazard_id IS NOT NULL;";

/*
 * Version 3: the hazard life cycle (docs/lifecycle.md).  SQLite cannot
 * change a CHECK constraint in place, so hazards is rebuilt as its
 * documentation says ("other kinds of table schema changes"): new table,
 * copy, drop, rename, indexes again.  Every earlier column keeps its name,
 * type and meaning; the new ones are appended.  store_schema_migrate()
 * turns foreign keys off around it and checks them before the commit.
 *
 *   acked_at_ms, rectifying_at_ms: when a person acknowledged it / reported
 *     the fix under way (0: not yet).
 *   overdue, escalated_at_ms: 1 once the rectification deadline passed
 *     without a close (the "escalated" event with overdue=true went out).
 *   recurrence_of: the earlier, closed hazard of the same device and type
 *     this one came back after (NULL: not a recurrence).
 *   clock_trusted: 0 when raised before the wall clock was trusted.
 *
 * self_checks records each self-test (a device's test button, or an
 * output test from hazardctl), for the self-test rate of the summary.
 */
static const char schema_v3[] =
	"CREATE TABLE hazards_v3 ("
	"  id            TEXT PRIMARY KEY,"
	"  device        TEXT NOT NULL,"
	"  site          TEXT NOT NULL,"
	"  type          TEXT NOT NULL,"
	"  severity      TEXT NOT NULL CHECK (severity IN ('general', 'major')),"
	"  priority      INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),"
	"  state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged',"
	"                  'rectifying', 'cleared', 'closed')),"
	"  raised_at_ms  INTEGER NOT NULL,"
	"  deadline_ms   INTEGER NOT NULL,"
	"  cleared_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  closed_at_ms  INTEGER NOT NULL DEFAULT 0,"
	"  occurrences   INTEGER NOT NULL DEFAULT 1,"
	"  detail        TEXT NOT NULL DEFAULT '',"
	"  evidence      TEXT NOT NULL DEFAULT '{}',"
	"  updated_at_ms INTEGER NOT NULL,"
	"  acked_at_ms      INTEGER NOT NULL DEFAULT 0,"
	"  rectifying_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  overdue          INTEGER NOT NULL DEFAULT 0,"
	"  escalated_at_ms  INTEGER NOT NULL DEFAULT 0,"
	"  recurrence_of    TEXT,"
	"  clock_trusted    INTEGER NOT NULL DEFAULT 1"
	");"
	"INSERT INTO hazards_v3 (id, device, site, type, severity, priority, state,"
	"  raised_at_ms, deadline_ms, cleared_at_ms, closed_at_ms, occurrences,"
	"  detail, evidence, updated_at_ms)"
	"  SELECT id, device, site, type, severity, priority, state,"
	"  raised_at_ms, deadline_ms, cleared_at_ms, closed_at_ms, occurrences,"
	"  detail, evidence, updated_at_ms FROM hazards;"
	"DROP TABLE hazards;"
	"ALTER TABLE hazards_v3 RENAME TO hazards;"
	"CREATE UNIQUE INDEX hazards_one_open ON hazards (device, type)"
	"  WHERE state != 'closed';"
	"CREATE INDEX hazards_by_site ON hazards (site, raised_at_ms);"
	"CREATE TABLE self_checks ("
	"  seq           INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  device        TEXT NOT NULL,"
	"  site          TEXT NOT NULL,"
	"  source        TEXT NOT NULL,"
	"  at_ms         INTEGER NOT NULL,"
	"  clock_trusted INTEGER NOT NULL DEFAULT 1"
	");"
	"CREATE INDEX self_checks_by_time ON self_checks (at_ms);";

/*
 * Version 4: hazard events the platform acknowledged are kept (the newest
 * SENT_KEEP, store.c) under their outbox seq, so that a downlink "resend"
 * can queue them again with the same msg_id.
 */
static const char schema_v4[] =
	"CREATE TABLE outbox_sent ("
	"  seq          INTEGER PRIMARY KEY,"
	"  topic_suffix TEXT NOT NULL,"
	"  cls          INTEGER NOT NULL,"
	"  body         TEXT NOT NULL,"
	"  created_ms   INTEGER NOT NULL,"
	"  hazard_id    TEXT"
	");";

/*
 * Version 5: three kinds of record (core/record.h).  The hazards table
 * holds alarms, faults and hazards, told apart by kind, each with its own
 * states; it is rebuilt as for version 3 to widen the state CHECK.
 *
 *   kind: 'alarm', 'fault' or 'hazard'.  Rows from version 4 get theirs
 *     from their type (gas, CO, smoke and charger limits are alarms;
 *     offline, battery, tamper, detector faults, unconfirmed commands and
 *     storage are faults; overcharge stays a hazard) and their state is
 *     carried over: an alarm that was open, acknowledged or rectifying is
 *     active or acknowledged, one cleared or closed has ended; a fault not
 *     yet cleared is active, else cleared.  Every event row stays as it is.
 *   severity: for an alarm, its level (general: the low threshold, major:
 *     the high one; a gas detector's own flag is low, a smoke flag and a
 *     charger over-temperature high); for a fault, unused.
 *   cleared_at_ms: when an alarm ended or a fault cleared.
 *   closed_at_ms: when a fault was dismissed.
 *   verdict, verified_at_ms: an alarm's verification (real, false, test).
 *   reason, source: where a hazard came from (core/record.h's
 *     hazard_reason_name) and the alarm or fault behind it.
 *
 * Alarm and fault ids keep the "-H<n>" they were given; new ones are
 * "-A<n>" and "-F<n>" (meta alarm_seq, fault_seq).
 */
static const char schema_v5[] =
	"CREATE TABLE hazards_v5 ("
	"  id            TEXT PRIMARY KEY,"
	"  device        TEXT NOT NULL,"
	"  site          TEXT NOT NULL,"
	"  type          TEXT NOT NULL,"
	"  severity      TEXT NOT NULL CHECK (severity IN ('general', 'major')),"
	"  priority      INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),"
	"  state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged',"
	"                  'rectifying', 'cleared', 'closed', 'active', 'ended',"
	"                  'dismissed')),"
	"  raised_at_ms  INTEGER NOT NULL,"
	"  deadline_ms   INTEGER NOT NULL,"
	"  cleared_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  closed_at_ms  INTEGER NOT NULL DEFAULT 0,"
	"  occurrences   INTEGER NOT NULL DEFAULT 1,"
	"  detail        TEXT NOT NULL DEFAULT '',"
	"  evidence      TEXT NOT NULL DEFAULT '{}',"
	"  updated_at_ms INTEGER NOT NULL,"
	"  acked_at_ms      INTEGER NOT NULL DEFAULT 0,"
	"  rectifying_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  overdue          INTEGER NOT NULL DEFAULT 0,"
	"  escalated_at_ms  INTEGER NOT NULL DEFAULT 0,"
	"  recurrence_of    TEXT,"
	"  clock_trusted    INTEGER NOT NULL DEFAULT 1,"
	"  kind          TEXT NOT NULL DEFAULT 'hazard'"
	"                  CHECK (kind IN ('alarm', 'fault', 'hazard')),"
	"  verdict       TEXT CHECK (verdict IN ('real', 'false', 'test')),"
	"  verified_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  reason        TEXT,"
	"  source        TEXT"
	");"
	"INSERT INTO hazards_v5 (id, device, site, type, severity, priority, state,"
	"  raised_at_ms, deadline_ms, cleared_at_ms, closed_at_ms, occurrences,"
	"  detail, evidence, updated_at_ms, acked_at_ms, rectifying_at_ms, overdue,"
	"  escalated_at_ms, recurrence_of, clock_trusted, kind)"
	"  SELECT id, device, site, type, severity, priority,"
	"  CASE"
	"    WHEN type IN ('gas_leak', 'co_alarm', 'smoke_alarm', 'charger_overtemp',"
	"                  'charger_overcurrent', 'charger_overpower') THEN"
	"      CASE WHEN state IN ('cleared', 'closed') THEN 'ended'"
	"           WHEN state = 'open' THEN 'active' ELSE 'acknowledged' END"
	"    WHEN type = 'overcharge' THEN state"
	"    ELSE CASE WHEN state IN ('cleared', 'closed') THEN 'cleared'"
	"              ELSE 'active' END"
	"  END,"
	"  raised_at_ms, deadline_ms,"
	"  CASE WHEN state = 'closed' AND cleared_at_ms = 0 THEN closed_at_ms"
	"       ELSE cleared_at_ms END,"
	"  CASE WHEN type = 'overcharge' THEN closed_at_ms ELSE 0 END,"
	"  occurrences, detail, evidence, updated_at_ms,"
	"  CASE WHEN acked_at_ms = 0 AND rectifying_at_ms > 0 THEN rectifying_at_ms"
	"       ELSE acked_at_ms END,"
	"  rectifying_at_ms, overdue, escalated_at_ms, recurrence_of, clock_trusted,"
	"  CASE"
	"    WHEN type IN ('gas_leak', 'co_alarm', 'smoke_alarm', 'charger_overtemp',"
	"                  'charger_overcurrent', 'charger_overpower') THEN 'alarm'"
	"    WHEN type = 'overcharge' THEN 'hazard' ELSE 'fault' END"
	"  FROM hazards;"
	"DROP TABLE hazards;"
	"ALTER TABLE hazards_v5 RENAME TO hazards;"
	"CREATE UNIQUE INDEX hazards_one_open ON hazards (kind, device, type)"
	"  WHERE " RECORD_LIVE_SQL ";"
	"CREATE INDEX hazards_by_site ON hazards (site, raised_at_ms);"
	"CREATE INDEX hazards_by_kind ON hazards (kind, device, type, raised_at_ms);"
	"INSERT OR IGNORE INTO meta (key, value) VALUES ('alarm_seq', 0), ('fault_seq', 0);";

/*
 * Version 6: flapping (rules.c).  A record whose condition flaps takes its
 * later onsets as a count (occurrences) instead of new records, and says
 * so while it lasts: 1 from the onset that made it flapping until it
 * ends.  Every earlier row is 0.  A new column with a default needs no
 * rebuild.
 */
static const char schema_v6[] =
	"ALTER TABLE hazards ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;";

/*
 * Version 7: the intake's messages committed but not yet acknowledged to
 * the local broker (docs/intake.md, "Exactly once").  A row is written in
 * the transaction that stores the message and deleted once its PUBACK
 * has been written; a redelivery (DUP) that finds its row was stored
 * already and is only acknowledged.  run: the hazardd run that wrote it
 * (its start time), seq: that run's session sequence number.
 */
static const char schema_v7[] =
	"CREATE TABLE intake_pending ("
	"  packet_id INTEGER NOT NULL,"
	"  hash      INTEGER NOT NULL,"
	"  run       INTEGER NOT NULL,"
	"  seq       INTEGER NOT NULL,"
	"  at_ms     INTEGER NOT NULL,"
	"  PRIMARY KEY (packet_id, hash)"
	") WITHOUT ROWID;";

/*
 * Version 8: re-inspection before write-off (docs/lifecycle.md).  A
 * hazard's states become open, rectifying, submitted and closed; whether
 * its condition is normal is cleared_at_ms (normal_since, 0 while on),
 * no longer a state.  The state CHECK is per kind, so hazards is rebuilt
 * as for version 5.
 *
 *   A hazard acknowledged is open (acked_at_ms kept: 签收); one cleared
 *   goes back to the state before it: rectifying if someone reported
 *   rectification (rectifying_at_ms), else open, its cleared_at_ms kept
 *   as normal_since.  Open, rectifying and closed stay.  A live hazard
 *   whose condition is on has cleared_at_ms 0 already (a reopen reset
 *   it).  Alarms and faults are copied as they are.
 *   submitted_at_ms, submitted_by: the last submit (整改完成待复查) and
 *     who made it, so that the re-inspector is someone else across
 *     restarts.
 *   reinspect_failed: re-inspections that failed (复查不通过).
 *   hazards_one_open leaves out rows with no device (a hazard recorded
 *   by hand at a site): several may be live.
 */
static const char schema_v8[] =
	"CREATE TABLE hazards_v8 ("
	"  id            TEXT PRIMARY KEY,"
	"  device        TEXT NOT NULL,"
	"  site          TEXT NOT NULL,"
	"  type          TEXT NOT NULL,"
	"  severity      TEXT NOT NULL CHECK (severity IN ('general', 'major')),"
	"  priority      INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),"
	"  state         TEXT NOT NULL,"
	"  raised_at_ms  INTEGER NOT NULL,"
	"  deadline_ms   INTEGER NOT NULL,"
	"  cleared_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  closed_at_ms  INTEGER NOT NULL DEFAULT 0,"
	"  occurrences   INTEGER NOT NULL DEFAULT 1,"
	"  detail        TEXT NOT NULL DEFAULT '',"
	"  evidence      TEXT NOT NULL DEFAULT '{}',"
	"  updated_at_ms INTEGER NOT NULL,"
	"  acked_at_ms      INTEGER NOT NULL DEFAULT 0,"
	"  rectifying_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  overdue          INTEGER NOT NULL DEFAULT 0,"
	"  escalated_at_ms  INTEGER NOT NULL DEFAULT 0,"
	"  recurrence_of    TEXT,"
	"  clock_trusted    INTEGER NOT NULL DEFAULT 1,"
	"  kind          TEXT NOT NULL DEFAULT 'hazard'"
	"                  CHECK (kind IN ('alarm', 'fault', 'hazard')),"
	"  verdict       TEXT CHECK (verdict IN ('real', 'false', 'test')),"
	"  verified_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  reason        TEXT,"
	"  source        TEXT,"
	"  flapping      INTEGER NOT NULL DEFAULT 0,"
	"  submitted_at_ms  INTEGER NOT NULL DEFAULT 0,"
	"  submitted_by     TEXT,"
	"  reinspect_failed INTEGER NOT NULL DEFAULT 0,"
	"  CHECK ((kind = 'hazard' AND state IN ('open', 'rectifying', 'submitted',"
	"          'closed')) OR"
	"         (kind = 'alarm' AND state IN ('active', 'acknowledged', 'ended')) OR"
	"         (kind = 'fault' AND state IN ('active', 'cleared', 'dismissed')))"
	");"
	"INSERT INTO hazards_v8 (id, device, site, type, severity, priority, state,"
	"  raised_at_ms, deadline_ms, cleared_at_ms, closed_at_ms, occurrences,"
	"  detail, evidence, updated_at_ms, acked_at_ms, rectifying_at_ms, overdue,"
	"  escalated_at_ms, recurrence_of, clock_trusted, kind, verdict,"
	"  verified_at_ms, reason, source, flapping)"
	"  SELECT id, device, site, type, severity, priority,"
	"  CASE WHEN kind <> 'hazard' THEN state"
	"       WHEN state = 'acknowledged' THEN 'open'"
	"       WHEN state = 'cleared' AND rectifying_at_ms > 0 THEN 'rectifying'"
	"       WHEN state = 'cleared' THEN 'open'"
	"       ELSE state END,"
	"  raised_at_ms, deadline_ms,"
	"  CASE WHEN kind = 'hazard' AND state IN ('open', 'acknowledged', 'rectifying')"
	"       THEN 0 ELSE cleared_at_ms END,"
	"  closed_at_ms, occurrences, detail, evidence, updated_at_ms, acked_at_ms,"
	"  rectifying_at_ms, overdue, escalated_at_ms, recurrence_of, clock_trusted,"
	"  kind, verdict, verified_at_ms, reason, source, flapping"
	"  FROM hazards;"
	"DROP TABLE hazards;"
	"ALTER TABLE hazards_v8 RENAME TO hazards;"
	"CREATE UNIQUE INDEX hazards_one_open ON hazards (kind, device, type)"
	"  WHERE " RECORD_LIVE_SQL " AND device <> '';"
	"CREATE INDEX hazards_by_site ON hazards (site, raised_at_ms);"
	"CREATE INDEX hazards_by_kind ON hazards (kind, device, type, raised_at_ms);";

/*
 * Version 9: assignment (交办/签收, app/ops_assign.c).  One row per hazard
 * that has been assigned: the person it is assigned to now (a people id of
 * its site in the config), when, and by whom.  Every assignment, the
 * first and each re-assignment, is also an "assigned" row in
 * hazard_events (detail: the person's id), which is the history.  A table
 * of its own rather than columns of hazards, so a rebuild of hazards (as
 * in versions 3 and 5) never has to carry it; no foreign key for the
 * same reason, and because hazards rows are never deleted.
 */
static const char schema_v9_assign[] =
	"CREATE TABLE hazard_assignments ("
	"  hazard_id      TEXT PRIMARY KEY,"
	"  person         TEXT NOT NULL,"
	"  assigned_at_ms INTEGER NOT NULL,"
	"  actor          TEXT"
	") WITHOUT ROWID;";

/*
 * Version 10: supervision (挂牌督办, app/ops_supervise.c).  One row per
 * major hazard the platform has put under supervision: when, by whom
 * (the platform's "who") and its note.  The "supervised" row in
 * hazard_events is the history.  A table of its own for the reasons of
 * version 9.
 */
static const char schema_v10_supervise[] =
	"CREATE TABLE hazard_supervision ("
	"  hazard_id        TEXT PRIMARY KEY,"
	"  supervised_at_ms INTEGER NOT NULL,"
	"  who              TEXT NOT NULL,"
	"  note             TEXT"
	") WITHOUT ROWID;";

/*
 * Version 11: evidence files (三个有: photos and documents of a fix,
 * store/store_evidence_files.c).  evidence_files holds each file once,
 * named by the SHA-256 of its bytes (content addressing: the same photo
 * attached twice is one row), with the media type sniffed from its first
 * bytes, its size and the bytes themselves as a BLOB in this same file,
 * so a backup or a restore carries the evidence with the records it
 * proves.  hazard_evidence links a file to a hazard's event (the submit
 * or the close it came with): the name the person gave it, who, when.
 * No foreign keys, for the reasons of version 9.  The bytes go upstream
 * as outbox rows of their own class (one per chunk), which name the file
 * and the chunk and are filled in when read (store_outbox_next).
 */
static const char schema_v11_evidence[] =
	"CREATE TABLE evidence_files ("
	"  sha256     TEXT PRIMARY KEY,"
	"  media_type TEXT NOT NULL,"
	"  size       INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  data       BLOB NOT NULL"
	");"
	"CREATE TABLE hazard_evidence ("
	"  hazard_id    TEXT NOT NULL,"
	"  event        TEXT NOT NULL,"
	"  linked_at_ms INTEGER NOT NULL,"
	"  sha256       TEXT NOT NULL,"
	"  name         TEXT NOT NULL,"
	"  actor        TEXT,"
	"  PRIMARY KEY (hazard_id, linked_at_ms, sha256)"
	") WITHOUT ROWID;";

/*
 * Version 12: alerts to people without the platform (docs/alerts.md,
 * store_alerts.c).  One row per planned send of a record's alert chain:
 * who, by which channel, which round, when it is due, and how it went.
 * Written in the transaction of the record's event, so a send is on disk
 * before it is tried and an alert pending when hazardd stops is sent
 * after it starts.  Keyed by what it is (no rowid, no second index: one
 * page while empty); the pending ones are few and found by a scan.
 */
static const char schema_v12_alerts[] =
	"CREATE TABLE alerts ("
	"  record_id  TEXT NOT NULL,"
	"  channel    TEXT NOT NULL,"
	"  contact    TEXT NOT NULL,"
	"  round      INTEGER NOT NULL,"
	"  due_at_ms  INTEGER NOT NULL,"
	"  state      TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed',"
	"                                           'cancelled')),"
	"  attempts   INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  text       TEXT NOT NULL,"
	"  PRIMARY KEY (record_id, channel, contact, round)"
	") WITHOUT ROWID;";

/*
 * Version 13: readings without AUTOINCREMENT.  Each insert read and wrote
 * its sqlite_sequence row again (about a fifth of a reading's store
 * cost, docs/benchmarks.md).  The "never reused" promise is kept by the
 * store instead (store_readings.c): new rows go one past the largest, and
 * meta reading_seq is the floor when the table is empty; it starts from
 * the old sqlite_sequence value, so readings the quota had dropped
 * before this upgrade keep their seqs to themselves too.  Rows keep
 * their seq; SQLite's DROP TABLE removes the table's sqlite_sequence row.
 */
static const char schema_v13_readings[] =
	"CREATE TABLE readings_v13 ("
	"  seq    INTEGER PRIMARY KEY,"
	"  device TEXT NOT NULL,"
	"  ts_ms  INTEGER NOT NULL,"
	"  data   TEXT NOT NULL"
	");"
	"INSERT INTO readings_v13 (seq, device, ts_ms, data)"
	"  SELECT seq, device, ts_ms, data FROM readings ORDER BY seq;"
	"INSERT INTO meta (key, value)"
	"  SELECT 'reading_seq', seq FROM sqlite_sequence WHERE name = 'readings'"
	"  ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value);"
	"DROP TABLE readings;"
	"ALTER TABLE readings_v13 RENAME TO readings;";

/* A table rebuild drops the parent of hazard_events.hazard_id for a
 * moment: with foreign keys off, check them before the commit instead. */
static int check_foreign_keys(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(err, errlen, "foreign key check failed in table %s",
			 (const char *)sqlite3_column_text(s, 0));
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The epoch tells this database apart from any earlier one on the same
 * gateway, so hazard and message ids stay unique if the file is lost. */
int store_random_epoch(char *out, char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[STORE_EPOCH_LEN / 2];
	size_t got = 0;
	ssize_t n;
	int fd, i;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "/dev/urandom: %s", strerror(errno));
		return -1;
	}
	while (got < sizeof b) {
		n = read(fd, b + got, sizeof b - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "/dev/urandom: %s",
				 n < 0 ? strerror(errno) : "short read");
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	for (i = 0; i < (int)sizeof b; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0xf];
	}
	out[STORE_EPOCH_LEN] = '\0';
	return 0;
}

static int seed_v1(sqlite3 *db, char *err, size_t errlen)
{
	char epoch[STORE_EPOCH_LEN + 1];
	sqlite3_stmt *s = NULL;
	int rc;

	if (store_random_epoch(epoch, err, errlen) < 0)
		return -1;
	rc = sqlite3_prepare_v2(db, "INSERT INTO meta (key, value) "
				"VALUES ('epoch', ?1), ('hazard_seq', 0)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, epoch, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct migration {
	const char *sql;
	/* data a migration must write that SQL alone cannot make */
	int (*post)(sqlite3 *db, char *err, size_t errlen);
};

static const struct migration migrations[] = {
	{ schema_v1, seed_v1 },
	{ schema_v2, NULL },
	{ schema_v3, check_foreign_keys },
	{ schema_v4, NULL },
	{ schema_v5, check_foreign_keys },
	{ schema_v6, NULL },
	{ schema_v7, NULL },
	{ schema_v8, check_foreign_keys },
	{ schema_v9_assign, NULL },     /* assignment: keep as its own entry */
	{ schema_v10_supervise, NULL }, /* supervision: its own entry too */
	{ schema_v11_evidence, NULL },  /* evidence files: its own entry too */
	{ schema_v12_alerts, NULL },    /* alerts: its own entry too */
	{ schema_v13_readings, NULL },  /* readings without AUTOINCREMENT */
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_version(void)
{
	return N_MIGRATIONS;
}

static bool rc_is_corrupt(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

int store_schema_check(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc;

	/* a file that is not SQLite at all fails already here */
	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *res = (const char *)sqlite3_column_text(s, 0);

		if (res && strcmp(res, "ok") == 0) {
			sqlite3_finalize(s);
			return 0;
		}
		snprintf(err, errlen, "database %s is corrupt: %s", path,
			 res ? res : "quick_check failed");
		sqlite3_finalize(s);
		return -1;
	}
	if (rc_is_corrupt(rc))
		snprintf(err, errlen, "database %s is corrupt: %s", path,
			 sqlite3_errmsg(db));
	else
		snprintf(err, errlen, "cannot read database %s: %s", path,
			 sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return -1;
}

/* An integer PRAGMA's value. */
static int user_int(sqlite3 *db, const char *sql, int *v)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int migrate_one(sqlite3 *db, int to, char *err, size_t errlen)
{
	const struct migration *m = &migrations[to - 1];
	char sql[64];

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_exec(db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		goto fail;
	}
	if (m->post && m->post(db, err, errlen) < 0)
		goto fail;
	/* user_version lives in the file header, so it commits with the rest */
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", to);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		goto fail;
	}
	return 0;
fail:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_schema_migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char why[256];
	int have = 0, v, fk = 0, rc = 0;

	if (user_int(db, "PRAGMA user_version", &have) < 0) {
		snprintf(err, errlen, "database %s: cannot read schema version: %s",
			 path, sqlite3_errmsg(db));
		return -1;
	}
	if (have > N_MIGRATIONS || have < 0) {
		snprintf(err, errlen, "database %s has schema version %d, but this "
			 "hazardd knows only up to %d: was it written by a newer "
			 "version?", path, have, N_MIGRATIONS);
		return -1;
	}
	if (have == N_MIGRATIONS)
		return 0;
	/* a copy first, so that an upgrade can be undone by hand */
	if (have > 0 && store_backup_before_migration(db, path, have, err, errlen) < 0)
		return -1;
	/* a migration may rebuild a table others reference: foreign keys
	 * are off while it runs (PRAGMA foreign_keys is a no-op inside a
	 * transaction) and its post step checks them before the commit */
	if (user_int(db, "PRAGMA foreign_keys", &fk) < 0 ||
	    sqlite3_exec(db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	for (v = have + 1; v <= N_MIGRATIONS && rc == 0; v++) {
		why[0] = '\0';
		if (migrate_one(db, v, why, sizeof why) < 0) {
			snprintf(err, errlen, "database %s: migration to schema "
				 "version %d failed: %s", path, v, why);
			rc = -1;
		} else if (have > 0) {
			log_info("database %s: migrated to schema version %d", path, v);
		}
	}
	if (fk && sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK &&
	    rc == 0) {
		snprintf(err, errlen, "database %s: %s", path, sqlite3_errmsg(db));
		rc = -1;
	}
	return rc;
}
