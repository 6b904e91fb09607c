#!/usr/bin/env bash
# t_upgrade.sh: a database written by an older hazardd (schema version 2,
# tests/data/store_v2.sql) is copied to <db>.pre-v2 with SQLite's backup
# API before the schema is migrated at start-up; the copy is the old
# database, whole and still at version 2; the migrated one keeps every
# hazard; a start that migrates nothing makes no copy; an existing copy is
# never overwritten.
#
# Then the record kinds (schema version 5) from a real database of the
# release before them (tests/data/store_v4.sql, written by that release's
# hazardd against real brokers): every row and every event is kept, each
# row gets the kind and state the v5 comment in daemon/store/store_schema.c
# gives it under its old id, the copy is <db>.pre-v4 (named, like every
# copy, by the version it holds), the listings show the migrated alarms,
# faults and hazards, the migrated open alarm can be acknowledged and
# verified, and new records get -A/-F/-H ids.
#
# Then re-inspection (schema version 8) from a database of the release
# before it (tests/data/store_v7.sql): acknowledged hazards are open with
# their acknowledgement (签收) kept, cleared ones go back to the state
# before (rectifying if it was reported, else open) with their clear time
# as normal_since, no row or event is lost, the copy is <db>.pre-v7, and a
# migrated hazard is submitted and written off by two people.
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

# an existing copy is never overwritten (a fixture stands for another
# gateway's file: without its high-water mark, as an older hazardd left it)
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.hwm"
sqlite3 "$DB" <"$TOP/tests/data/store_v2.sql"
sqlite3 "$DB.pre-v2" "INSERT INTO meta VALUES('marker', 1)"
start_hazardd "$T/hazardd.json" || fail "start on a second v2 database" "see the log"
kill_hazardd
check "an existing .pre-v2 is kept, not overwritten" "marker gone" \
	test "$(sqlite3 "$DB.pre-v2" "SELECT value FROM meta WHERE key='marker'")" = 1
kill_hazardd

# ------------------------------------------------------------ v4 -> v5: record kinds

rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.hwm" "$DB".pre-v*
sqlite3 "$DB" <"$TOP/tests/data/store_v4.sql" || { fail setup "load store_v4.sql"; exit 1; }
check "the v4 fixture is schema version 4" "$(sqlite3 "$DB" "PRAGMA user_version")" \
	test "$(sqlite3 "$DB" "PRAGMA user_version")" = 4
EPOCH=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key='epoch'")
# the fixture's rows, by what must survive the migration unchanged
ROWS_SQL="SELECT id, device, site, type, priority, raised_at_ms, deadline_ms,
	occurrences, detail, evidence, recurrence_of, clock_trusted FROM hazards ORDER BY id"
EVENTS_SQL="SELECT * FROM hazard_events ORDER BY seq"
OLD_ROWS=$(sqlite3 "$DB" "$ROWS_SQL")
OLD_EVENTS=$(sqlite3 "$DB" "$EVENTS_SQL")
# the fixture's ids by type (each type once)
fid() { sqlite3 "$DB" "SELECT id FROM hazards WHERE type='$1'"; }
GAS=$(fid gas_leak) OFFL=$(fid device_offline) SMOKE=$(fid smoke_alarm)
OVT=$(fid charger_overtemp) BATT=$(fid low_battery) OVC=$(fid overcharge)
N_OUTBOX=$(sqlite3 "$DB" "SELECT count(*) FROM outbox")
QUEUED=$(sqlite3 "$DB" "SELECT group_concat(hazard_id || ':' || json_extract(body, '$.event'), ' ')
	FROM (SELECT * FROM outbox WHERE topic_suffix = 'hazard' ORDER BY seq)")
N_ROWS=$(sqlite3 "$DB" "SELECT count(*) FROM hazards")
N_EVENTS=$(sqlite3 "$DB" "SELECT count(*) FROM hazard_events")
N_READINGS=$(sqlite3 "$DB" "SELECT count(*) FROM readings")
info "store_v4.sql: $N_ROWS hazards, $N_EVENTS events, $N_READINGS readings, $N_OUTBOX queued, epoch $EPOCH"
check "the v4 fixture has hazard events queued as version 1" "queued: $QUEUED" \
	test -n "$QUEUED" -a "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE topic_suffix = 'hazard' AND json_extract(body, '$.v') IS NULL")" -ge 2
check "the v4 fixture has a hazard of every later kind" "$(sqlite3 "$DB" "SELECT type FROM hazards" | tr '\n' ' ')" \
	test "$(sqlite3 "$DB" "SELECT count(DISTINCT type) FROM hazards WHERE type IN
		('gas_leak', 'smoke_alarm', 'charger_overtemp', 'device_offline', 'low_battery', 'overcharge')")" = 6

write_config "$T/v4.json" <<'EOF2'
{"id": "gas-1",   "kind": "gas_detector"}
{"id": "smoke-1", "kind": "smoke_alarm"}
{"id": "hb-1",    "kind": "smoke_alarm"}
{"id": "batt-1",  "kind": "smoke_alarm"}
{"id": "chg-1",   "kind": "ebike_charger"}
{"id": "chg-2",   "kind": "ebike_charger"}
EOF2
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
start_hazardd "$T/v4.json" || { fail "hazardd starts on a v4 database" "see the log"; exit 1; }
check "migrated to schema version 13" "user_version $(db "PRAGMA user_version")" \
	test "$(db "PRAGMA user_version")" = 13
# version 13: readings without AUTOINCREMENT, the old sequence kept as
# the floor a new reading's seq never goes below
check "v13: readings without AUTOINCREMENT" \
	"$(db "SELECT sql FROM sqlite_master WHERE name = 'readings'")" \
	test "$(db "SELECT count(*) FROM sqlite_master WHERE name = 'readings' AND sql LIKE '%AUTOINCREMENT%'")" = 0
check "v13: the readings' sequence is the floor" \
	"floor $(db "SELECT value FROM meta WHERE key = 'reading_seq'"), old sequence $(sqlite3 "$DB.pre-v4" "SELECT seq FROM sqlite_sequence WHERE name = 'readings'")" \
	test "$(db "SELECT value FROM meta WHERE key = 'reading_seq'")" = \
	     "$(sqlite3 "$DB.pre-v4" "SELECT seq FROM sqlite_sequence WHERE name = 'readings'")"
check "v11: the evidence tables exist, empty" \
	"$(db "SELECT count(*) FROM evidence_files") $(db "SELECT count(*) FROM hazard_evidence")" \
	test "$(db "SELECT count(*) FROM evidence_files") $(db "SELECT count(*) FROM hazard_evidence")" = "0 0"
check "v10: the supervision table exists, empty" \
	"$(db "SELECT sql FROM sqlite_master WHERE name = 'hazard_supervision'")" \
	test "$(db "SELECT count(*) FROM hazard_supervision")" = 0
check "v9: the assignments table exists, empty" \
	"$(db "SELECT sql FROM sqlite_master WHERE name = 'hazard_assignments'")" \
	test "$(db "SELECT count(*) FROM hazard_assignments")" = 0
check "v6: no migrated record is flapping" "$(db "SELECT count(*), sum(flapping) FROM hazards")" \
	test "$(db "SELECT sum(flapping) FROM hazards")" = 0
check "v7: the intake's committed-not-acknowledged table exists" \
	"$(db "SELECT sql FROM sqlite_master WHERE name = 'intake_pending'")" \
	test "$(db "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'intake_pending'")" = 1
check "the copy before migrating is hazardd.db.pre-v4" "$(ls "$T" | grep pre-v | tr '\n' ' ')" \
	test -f "$DB.pre-v4"
check "the copy is the v4 database: version 4, every hazard and event" \
	"$(sqlite3 "$DB.pre-v4" "PRAGMA user_version; SELECT count(*) FROM hazards; SELECT count(*) FROM hazard_events" | tr '\n' ' ')" \
	test "$(sqlite3 "$DB.pre-v4" "PRAGMA user_version; SELECT count(*) FROM hazards; SELECT count(*) FROM hazard_events" | tr '\n' ' ')" = "4 $N_ROWS $N_EVENTS "
check "the log says v4 was copied to .pre-v4" "no line" grep -q "schema version 4 copied to $DB.pre-v4 before migrating" "$HZ_LOG"
check "every row kept with its id, device, times, detail and evidence" \
	"$(diff <(echo "$OLD_ROWS") <(db "$ROWS_SQL") | head -n 4)" \
	test "$(db "$ROWS_SQL")" = "$OLD_ROWS"
check "every event kept as it was" "$(diff <(echo "$OLD_EVENTS") <(db "$EVENTS_SQL" | head -n "$N_EVENTS") | head -n 4)" \
	test "$(db "$EVENTS_SQL" | head -n "$N_EVENTS")" = "$OLD_EVENTS"
check "every reading kept" "$(db "SELECT count(*) FROM readings") readings now, $N_READINGS before" \
	test "$(sqlite3 "$DB.pre-v4" "SELECT group_concat(seq) FROM readings")" = \
	     "$(db "SELECT group_concat(seq) FROM readings WHERE seq <= $(sqlite3 "$DB.pre-v4" "SELECT max(seq) FROM readings")")"
# kinds and states as the schema v5 comment says, under the old -H ids
KS="SELECT type || ' ' || kind || ' ' || state FROM hazards WHERE id LIKE '$EPOCH-H_' ORDER BY type"
WANT="charger_overtemp alarm ended
device_offline fault active
gas_leak alarm ended
low_battery fault active
overcharge hazard open
smoke_alarm alarm active"
check "kinds and states per the v5 migration, under the old ids" "$(db "$KS" | tr '\n' ';')" \
	test "$(db "$KS")" = "$WANT"
check "closed gas leak: ended at its clear time, acknowledged time kept, no close time" \
	"$(db "SELECT cleared_at_ms, closed_at_ms, acked_at_ms FROM hazards WHERE id='$GAS'")" \
	test "$(db "SELECT cleared_at_ms > 0 AND closed_at_ms = 0 AND acked_at_ms > 0 FROM hazards WHERE id='$GAS'")" = 1
check "the old times are the v4 ones (cleared, acknowledged)" \
	"$(db "SELECT cleared_at_ms, acked_at_ms FROM hazards WHERE kind != 'hazard' ORDER BY id" | tr '\n' ' ')" \
	test "$(db "SELECT cleared_at_ms, acked_at_ms FROM hazards WHERE id LIKE '$EPOCH-H_' AND kind != 'hazard' ORDER BY id")" = \
	     "$(sqlite3 "$DB.pre-v4" "SELECT cleared_at_ms, acked_at_ms FROM hazards WHERE type != 'overcharge' ORDER BY id")"
check "the acknowledged low_battery keeps its acknowledgement as an active fault" \
	"$(db "SELECT state, acked_at_ms FROM hazards WHERE id='$BATT'")" \
	test "$(db "SELECT state = 'active' AND acked_at_ms > 0 FROM hazards WHERE id='$BATT'")" = 1
check "migrated rows have no verdict, reason or source" \
	"$(db "SELECT id, verdict, reason, source FROM hazards WHERE verdict IS NOT NULL OR reason IS NOT NULL OR source IS NOT NULL")" \
	test "$(db "SELECT count(*) FROM hazards WHERE id LIKE '$EPOCH-H_' AND (verdict IS NOT NULL OR reason IS NOT NULL OR source IS NOT NULL)")" = 0
check "meta has alarm_seq and fault_seq; hazard_seq carries on" \
	"$(db "SELECT key, value FROM meta WHERE key LIKE '%_seq'" | tr '\n' ' ')" \
	test "$(db "SELECT value FROM meta WHERE key IN ('alarm_seq', 'fault_seq', 'hazard_seq') ORDER BY key" | tr '\n' ' ')" = "0 0 6 "

# readings the old release stored but had not yet sent (after its
# telemetry_seq) go upstream as telemetry built from their stored text:
# each object is device, seq, then the row's members as the old release
# printed them
TELE_AFTER=$(sqlite3 "$DB.pre-v4" "SELECT value FROM meta WHERE key = 'telemetry_seq'")
TELE_WANT=$(sqlite3 "$DB.pre-v4" "SELECT '{\"device\":\"' || device || '\",\"seq\":' || seq || ',' ||
	substr(data, 2) FROM readings WHERE seq > $TELE_AFTER ORDER BY seq")
TELE_N=$(echo "$TELE_WANT" | wc -l)
# tele_got: the first TELE_N readings upstream after TELE_AFTER, re-encoded
# compactly (the recorder parses payloads; these rows hold integers only,
# so the text is the text sent)
tele_got() {
	rec_py "import json
t = [r for m in msgs if m['topic'] == base + '/telemetry' and isinstance(m['payload'], dict)
     for r in m['payload'].get('readings', []) if r.get('seq', 0) > $TELE_AFTER]
print('\\n'.join(json.dumps(r, separators=(',', ':')) for r in t[:$TELE_N]))"
}
wait_for '[ "$(tele_got)" = "$TELE_WANT" ]' 15
check "the old release's unsent readings ($TELE_N rows) go upstream as stored" \
	"$(diff <(echo "$TELE_WANT") <(tele_got) | head -n 6)" \
	test "$(tele_got)" = "$TELE_WANT"

# what the old release had queued goes out as it was: version 1 hazard
# events on .../hazard, in their order
check "the queued version 1 events are delivered after the upgrade" \
	"$(rec_py 'print([(h.get("hazard_id"), h.get("event"), h.get("v")) for h in hz])')" \
	wait_for "[ \"\$(rec_py 'print(\" \".join(h[\"hazard_id\"] + \":\" + h[\"event\"] for h in hz if h.get(\"v\", 1) == 1))')\" = '$QUEUED' ]" 15
check "the outbox is drained" "outbox $(db "SELECT count(*) FROM outbox")" \
	wait_for '[ "$(db "SELECT count(*) FROM outbox")" = 0 ]' 10

# the listings
ids() { ctl --json "$@" | jpy '" ".join(sorted(x["id"] for x in d))'; }
check "hazardctl alarms lists the three migrated alarms" "$(ids alarms 2>&1)" \
	test "$(ids alarms)" = "$(printf '%s\n' "$GAS" "$SMOKE" "$OVT" | sort | tr '\n' ' ' | sed 's/ $//')"
check "hazardctl faults lists the two migrated faults" "$(ids faults 2>&1)" \
	test "$(ids faults)" = "$(printf '%s\n' "$OFFL" "$BATT" | sort | tr '\n' ' ' | sed 's/ $//')"
check "hazardctl hazards lists only the overcharge" "$(ids hazards 2>&1)" \
	test "$(ids hazards)" = "$OVC"
check "hazardctl alarms --open: the smoke alarm alone" "$(ids alarms --open 2>&1)" \
	test "$(ids alarms --open)" = "$SMOKE"
check "hazardctl records: all six, each with kind and <kind>_id" "$(ctl --json records 2>&1 | head -c 300)" \
	test "$(ctl --json records | jpy 'sorted((x["kind"], x[x["kind"] + "_id"]) == (x["kind"], x["id"]) and x["kind"] for x in d)')" = \
	     '["alarm", "alarm", "alarm", "fault", "fault", "hazard"]'
out=$(ctl alarms 2>&1)
check "text listing of alarms shows the levels" "$out" \
	grep -qE "^$SMOKE +smoke_alarm +high .* active " <<<"$out"
out=$(ctl show "$GAS" 2>&1)
check "show on the migrated gas alarm: its old timeline with the person's note" "$out" \
	sh -c 'echo "$1" | grep -q "acknowledged *inspector-3 *on my way" && echo "$1" | grep -q "closed *inspector-3 *valve and hose replaced"' _ "$out"

# the migrated open alarm is acknowledged and verified like a new one
A=$SMOKE
out=$(ctl ack "$A" --note "seen on camera" --actor guard-2 2>&1)
check "ack on the migrated alarm" "$out" grep -q "acknowledged (state acknowledged)" <<<"$out"
out=$(ctl verify-alarm "$A" real --note "pan on fire, put out" --actor guard-2 2>&1)
check "verify-alarm real on the migrated alarm" "$out" grep -q "alarm $A verified real" <<<"$out"
check "the alarm's row: acknowledged, verdict real" "$(db "SELECT state, verdict, verified_at_ms > 0 FROM hazards WHERE id='$A'")" \
	test "$(db "SELECT state || ' ' || verdict || ' ' || (verified_at_ms > 0) FROM hazards WHERE id='$A'")" = "acknowledged real 1"
check "a real alarm opens a hazard: -H7, reason verified, source the old id" \
	"$(db "SELECT id, kind, type, state, reason, source FROM hazards WHERE kind='hazard'")" \
	test "$(db "SELECT kind || ' ' || type || ' ' || state || ' ' || reason || ' ' || source FROM hazards WHERE id='$EPOCH-H7'")" = \
	     "hazard smoke_alarm open verified $A"
check "upstream: acknowledged and verified on the alarm topic with response_s and verdict" \
	"$(rec_py 'print([(a.get("event"), a.get("response_s"), a.get("verdict")) for a in al])')" \
	wait_for "rec_py 'a = [x for x in al if x.get(\"alarm_id\") == sys.argv[3]]
ev = [x.get(\"event\") for x in a]
v = [x for x in a if x.get(\"event\") == \"verified\"]
sys.exit(0 if ev == [\"acknowledged\", \"verified\"] and a[0].get(\"response_s\", 0) > 0
         and v[0].get(\"verdict\") == \"real\" and v[0].get(\"actor\") == \"guard-2\" else 1)' '$A'" 10
check "upstream: the hazard raised with reason verified and source" "$(rec_py 'print(hz)')" \
	wait_for "rec_py 'sys.exit(0 if any(h.get(\"hazard_id\") == sys.argv[3] + \"-H7\" and h.get(\"event\") == \"raised\"
	and h.get(\"reason\") == \"verified\" and h.get(\"source\") == sys.argv[4] and h.get(\"v\") == 2 for h in hz) else 1)' '$EPOCH' '$A'" 10
out=$(ctl ack "$GAS" 2>&1)
check "ack on the migrated ended alarm records a response, keeps it ended" "$out" \
	test "$(db "SELECT state FROM hazards WHERE id='$GAS'")" = ended
out=$(ctl verify-alarm "$GAS" false --note "x" 2>&1); rc=$?
check "verify-alarm on an ended alarm is a person's call too" "rc $rc: $out" \
	test "$(db "SELECT verdict FROM hazards WHERE id='$GAS'")" = false
out=$(ctl dismiss "$BATT" 2>&1); rc=$?
check "dismiss without a note refused" "rc $rc: $out" test "$rc" -ne 0
out=$(ctl dismiss "$BATT" --note "detector replaced, old one scrapped" 2>&1)
check "the migrated fault can be dismissed with a note" "$out" \
	test "$(db "SELECT state FROM hazards WHERE id='$BATT'")" = dismissed

# new records get the new ids: -A1 for an alarm, -F1 for a fault
pub t/smoke-1 '{"smoke": false}'
check "the migrated alarm ends when the smoke is gone" "$(db "SELECT state FROM hazards WHERE id='$A'")" \
	wait_for "[ \"\$(db \"SELECT state FROM hazards WHERE id='$A'\")\" = ended ]" 10
pub t/smoke-1 '{"smoke": true}'
check "a new smoke alarm is $EPOCH-A1" "$(db "SELECT id, kind, state FROM hazards WHERE device='smoke-1'" | tr '\n' ' ')" \
	wait_for "[ \"\$(db \"SELECT kind || state FROM hazards WHERE id='$EPOCH-A1'\")\" = alarmactive ]" 10
# the dismissed fault's condition is still on: it has to go and come back
pub t/batt-1 '{"battery": 4}'
sleep 0.5
check "no new fault while the dismissed condition stays on" "$(db "SELECT id, state FROM hazards WHERE device='batt-1'" | tr '\n' ' ')" \
	test "$(db "SELECT count(*) FROM hazards WHERE device='batt-1'")" = 1
pub t/batt-1 '{"battery": 90}'
pub t/batt-1 '{"battery": 4}'
check "a new low_battery fault after the dismissal is $EPOCH-F1" "$(db "SELECT id, kind, state FROM hazards WHERE device='batt-1'" | tr '\n' ' ')" \
	wait_for "[ \"\$(db \"SELECT kind || type || state FROM hazards WHERE id='$EPOCH-F1'\")\" = faultlow_batteryactive ]" 10
check "upstream: the new alarm and fault on their topics, v2" "$(rec_py 'print([(r["_kind"], r["_id"], r.get("event")) for r in recs])')" \
	wait_for "rec_py 'e = sys.argv[3]
sys.exit(0 if any(a.get(\"alarm_id\") == e + \"-A1\" and a.get(\"event\") == \"raised\" and a.get(\"v\") == 2 for a in al)
         and any(f.get(\"fault_id\") == e + \"-F1\" and f.get(\"event\") == \"raised\" and f.get(\"v\") == 2 for f in ft) else 1)' '$EPOCH'" 10
kill_hazardd
check "clean exit after the v4 migration" "status $HZ_EXIT" test "$HZ_EXIT" = 0

# ------------------------------------------------------------ v7 -> v8: re-inspection

rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.hwm" "$DB".pre-v*
sqlite3 "$DB" <"$TOP/tests/data/store_v7.sql" || { fail setup "load store_v7.sql"; exit 1; }
check "the v7 fixture is schema version 7" "$(sqlite3 "$DB" "PRAGMA user_version")" \
	test "$(sqlite3 "$DB" "PRAGMA user_version")" = 7
E7=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key='epoch'")
HSTATES="SELECT group_concat(id || '=' || state, ' ') FROM (SELECT * FROM hazards WHERE kind = 'hazard' ORDER BY id)"
check "the fixture: hazards acknowledged, cleared (twice), rectifying, closed, open" \
	"$(sqlite3 "$DB" "$HSTATES")" \
	test "$(sqlite3 "$DB" "$HSTATES")" = "$E7-H1=acknowledged $E7-H2=cleared $E7-H3=cleared $E7-H4=rectifying $E7-H5=closed $E7-H6=open"
KEEP_SQL="SELECT id, device, site, type, severity, raised_at_ms, deadline_ms, cleared_at_ms,
	closed_at_ms, occurrences, detail, evidence, acked_at_ms, rectifying_at_ms, kind,
	verdict, reason, source FROM hazards ORDER BY id"
OLD7_KEEP=$(sqlite3 "$DB" "$KEEP_SQL")
OLD7_EVENTS=$(sqlite3 "$DB" "$EVENTS_SQL")
N7_EVENTS=$(sqlite3 "$DB" "SELECT count(*) FROM hazard_events")
write_config "$T/v7.json" 'records={"normal_before_submit_h": 0}' <<'EOF2'
{"id": "g1", "kind": "gas_detector"}
{"id": "g2", "kind": "gas_detector"}
{"id": "g3", "kind": "gas_detector"}
{"id": "g4", "kind": "gas_detector"}
{"id": "g5", "kind": "gas_detector"}
{"id": "g6", "kind": "gas_detector"}
EOF2
start_hazardd "$T/v7.json" || { fail "hazardd starts on a v7 database" "see the log"; exit 1; }
check "v7 migrated to schema version 13 (re-inspection is 8, evidence files 11, alerts 12, readings 13)" "user_version $(db "PRAGMA user_version")" \
	test "$(db "PRAGMA user_version")" = 13
check "the copy before migrating is hazardd.db.pre-v7, at version 7" \
	"$(sqlite3 "$DB.pre-v7" "PRAGMA user_version" 2>&1)" \
	test "$(sqlite3 "$DB.pre-v7" "PRAGMA user_version")" = 7
check "v8: acknowledged -> open, cleared -> rectifying (reported) or open, the rest kept" \
	"$(db "$HSTATES")" \
	test "$(db "$HSTATES")" = "$E7-H1=open $E7-H2=rectifying $E7-H3=open $E7-H4=rectifying $E7-H5=closed $E7-H6=open"
NS="SELECT group_concat(id || ':' || (acked_at_ms > 0) || (cleared_at_ms > 0), ' ') FROM (SELECT * FROM hazards WHERE kind = 'hazard' ORDER BY id)"
check "v8: 签收 kept; normal_since kept for the cleared ones, none while on" "$(db "$NS")" \
	test "$(db "$NS")" = "$E7-H1:10 $E7-H2:11 $E7-H3:11 $E7-H4:10 $E7-H5:11 $E7-H6:00"
check "v8: every row as it was but its state" "$(diff <(echo "$OLD7_KEEP") <(db "$KEEP_SQL") | head -n 4)" \
	test "$(db "$KEEP_SQL")" = "$OLD7_KEEP"
check "v8: every event kept as it was" "$(diff <(echo "$OLD7_EVENTS") <(db "$EVENTS_SQL" | head -n "$N7_EVENTS") | head -n 4)" \
	test "$(db "$EVENTS_SQL" | head -n "$N7_EVENTS")" = "$OLD7_EVENTS"
check "v8: the alarms keep their states" \
	"$(db "SELECT group_concat(state, ' ') FROM (SELECT state FROM hazards WHERE kind = 'alarm' ORDER BY id)")" \
	test "$(db "SELECT group_concat(state, ' ') FROM (SELECT state FROM hazards WHERE kind = 'alarm' ORDER BY id)")" = \
	     "acknowledged ended ended active ended active"
out=$(ctl --json hazard "$E7-H2" 2>&1)
check "v8: the migrated hazard shows normal_since and reinspect_failed 0" "$(head -c 300 <<<"$out")" \
	jpy 'd["state"] == "rectifying" and d["normal_since"] and d["reinspect_failed"] == 0 or sys.exit(1)' <<<"$out"
out=$(ctl submit "$E7-H1" --note "x" 2>&1); rc=$?
check "v8: the migrated acknowledged hazard with gas on cannot be submitted" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "its condition is on"' "$rc" "$out"
out=$(ctl submit "$E7-H2" --note "hose replaced" --actor fitter-7 2>&1)
check "v8: the migrated cleared hazard is submitted" "$out" grep -q "state submitted" <<<"$out"
out=$(ctl verify "$E7-H2" pass --note "holds" --actor fitter-7 2>&1); rc=$?
check "v8: not by its submitter" "rc $rc: $out" [ "$rc" = 1 ]
out=$(ctl verify "$E7-H2" pass --note "holds" --actor inspector-3 2>&1)
check "v8: written off by the inspector" "$out" \
	test "$(db "SELECT state FROM hazards WHERE id='$E7-H2'")" = closed
kill_hazardd
check "clean exit after the v7 migration" "status $HZ_EXIT" test "$HZ_EXIT" = 0
