#!/usr/bin/env bash
# t_upgrade.sh: a database written by an older hazardd (schema version 2,
# tests/data/store_v2.sql) is copied to <db>.pre-v2 with SQLite's backup
# API before the schema is migrated at start-up; the copy is the old
# database, whole and still at version 2; the migrated one keeps every
# hazard; a start that migrates nothing makes no copy; an existing copy is
# never overwritten.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: upgrade: no sqlite3"; exit 77; }

DB=$T/hazardd.db
sqlite3 "$DB" <"$TOP/tests/data/store_v2.sql" || { fail setup "load store_v2.sql"; exit 1; }
OLD_HAZARDS=$(sqlite3 "$DB" "SELECT count(*) FROM hazards")
write_config "$T/hazardd.json" <<'EOF2'
{"id": "gas-1", "kind": "gas_detector"}
EOF2
check "the fixture is schema version 2" "$(sqlite3 "$DB" "PRAGMA user_version")" \
	test "$(sqlite3 "$DB" "PRAGMA user_version")" = 2
start_hazardd "$T/hazardd.json" || { fail "hazardd starts on a v2 database" "see the log"; exit 1; }
NOW_V=$(db "PRAGMA user_version")
info "migrated from 2 to $NOW_V"
check "migrated past version 2" "user_version $NOW_V" test "$NOW_V" -gt 2
check "a copy was made before migrating: hazardd.db.pre-v2" "no such file" \
	test -f "$DB.pre-v2"
check "the copy is at schema version 2" "$(sqlite3 "$DB.pre-v2" "PRAGMA user_version" 2>&1)" \
	test "$(sqlite3 "$DB.pre-v2" "PRAGMA user_version")" = 2
check "the copy holds every hazard ($OLD_HAZARDS)" "$(sqlite3 "$DB.pre-v2" "SELECT count(*) FROM hazards" 2>&1)" \
	test "$(sqlite3 "$DB.pre-v2" "SELECT count(*) FROM hazards")" = "$OLD_HAZARDS"
check "the copy passes an integrity check" "$(sqlite3 "$DB.pre-v2" "PRAGMA integrity_check" 2>&1)" \
	test "$(sqlite3 "$DB.pre-v2" "PRAGMA integrity_check")" = ok
check "the migrated database keeps every hazard" "$(db "SELECT count(*) FROM hazards")" \
	test "$(db "SELECT count(*) FROM hazards")" = "$OLD_HAZARDS"
check "the log says where the copy is" "no line" grep -q "copied to $DB.pre-v2 before migrating" "$HZ_LOG"
kill_hazardd

# a start with nothing to migrate makes no copy
start_hazardd "$T/hazardd.json" || fail "restart" "see the log"
kill_hazardd
check "no migration, no new copy" "$(ls "$T" | grep pre-v | tr '\n' ' ')" \
	test "$(ls "$T" | grep -c 'pre-v')" = 1

# an existing copy is never overwritten
rm -f "$DB" "$DB-wal" "$DB-shm"
sqlite3 "$DB" <"$TOP/tests/data/store_v2.sql"
sqlite3 "$DB.pre-v2" "INSERT INTO meta VALUES('marker', 1)"
start_hazardd "$T/hazardd.json" || fail "start on a second v2 database" "see the log"
kill_hazardd
check "an existing .pre-v2 is kept, not overwritten" "marker gone" \
	test "$(sqlite3 "$DB.pre-v2" "SELECT value FROM meta WHERE key='marker'")" = 1
