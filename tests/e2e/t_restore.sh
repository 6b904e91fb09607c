#!/usr/bin/env bash
# t_restore.sh: ids never repeat after a restore.  hazardd raises alarms,
# stops, the database is backed up as docs/operations.md says, more alarms
# are raised, hazardd stops, the backup is restored and more alarms come:
# across the whole run every msg_id upstream names one message and every
# record id one record, the restored database carries a new epoch (status
# "ids"), and a storage_fault says the history went back.  Then a zero-byte
# database beside an existing high-water mark is reported the same way
# (log, status, fault upstream), not taken as a silent fresh start.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

write_config "$T/hazardd.json" <<'EOF2'
{"id": "a1", "kind": "smoke_alarm"}
{"id": "a2", "kind": "smoke_alarm"}
{"id": "b1", "kind": "smoke_alarm"}
{"id": "b2", "kind": "smoke_alarm"}
{"id": "c1", "kind": "smoke_alarm"}
{"id": "c2", "kind": "smoke_alarm"}
{"id": "z1", "kind": "smoke_alarm"}
EOF2
DB=$T/hazardd.db

# alarms DEV...: each device alarms and clears; waits until upstream has
# every alarm ended and the outbox is empty.
alarms() {
	local d
	for d in "$@"; do
		pub "t/$d" '{"smoke": true}'
		wait_for "upstream_has smoke_alarm raised $d" 10 ||
			fail "alarm of $d upstream" "not received"
		pub "t/$d" '{"smoke": false}'
		wait_for "upstream_has smoke_alarm ended $d" 10 ||
			fail "end of alarm of $d upstream" "not received"
	done
	wait_for '[ "$(status_get "s[\"outbox_depth\"]")" = 0 ]' 20 ||
		fail "outbox drained" "$(status_get 's["outbox_depth"]')"
}

start_hazardd "$T/hazardd.json" || { fail start "hazardd did not come up"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 15
epoch1=$(status_get 's["ids"]["epoch"]')
info "first epoch: $epoch1"
alarms a1 a2
kill_hazardd

# the documented backup, then life goes on
sqlite3 "$DB" ".backup $T/backup.db"
start_hazardd "$T/hazardd.json" || { fail restart "hazardd did not come up"; exit 1; }
e=$(status_get 's["ids"]["epoch"]')
check "a plain restart keeps the epoch ($e)" "was $epoch1" [ "$e" = "$epoch1" ]
lost=$(status_get 's["ids"]["history_lost"]')
check "a plain restart reports no lost history" "history_lost $lost" [ "$lost" = false ]
alarms b1 b2
kill_hazardd

# the documented restore: stopped, file replaced, -wal and -shm removed
cp "$T/backup.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
start_hazardd "$T/hazardd.json" || { fail "start after restore" "hazardd did not come up"; exit 1; }
epoch2=$(status_get 's["ids"]["epoch"]')
info "epoch after the restore: $epoch2"
check "after the restore new ids get a new epoch" "still $epoch2" \
	[ -n "$epoch2" -a "$epoch2" != "$epoch1" ]
lost=$(status_get 's["ids"]["history_lost"]')
check "status says the history was lost" "history_lost $lost" [ "$lost" = true ]
check "the log says the history went back" "$(tail -n 5 "$HZ_LOG")" \
	grep -q "DATABASE HISTORY LOST.*went back" "$HZ_LOG"
wait_for "rec_py \"sys.exit(0 if any(r.get('type') == 'storage_fault' and '$epoch2' in r.get('detail', '') for r in ft) else 1)\"" 10
check "a storage_fault naming the new epoch went upstream" "none received" \
	rec_py "sys.exit(0 if any(r.get('type') == 'storage_fault' and '$epoch2' in r.get('detail', '') for r in ft) else 1)"
alarms c1 c2
n=$(rec_py "print(sum(1 for r in recs if r['_id'].startswith('$epoch2-') and r.get('device') in ('c1', 'c2')))")
check "records after the restore carry the new epoch ($n events)" "none" [ "${n:-0}" -ge 4 ]

# ---- every id upstream, across the whole run, names one thing
dup=$(rec_py '
by_id = {}
for m in msgs:
    p = m["payload"]
    if not isinstance(p, dict) or "msg_id" not in p:
        continue
    body = json.dumps({k: v for k, v in p.items() if k != "sent_at"}, sort_keys=True)
    by_id.setdefault(p["msg_id"], set()).add(body)
print(" ".join(sorted(k for k, v in by_id.items() if len(v) > 1)))
print(len(by_id), file=sys.stderr)' 2>"$T/n_ids")
info "distinct msg_ids upstream: $(cat "$T/n_ids")"
check "no msg_id was sent for two different messages" "reused: $dup" [ -z "$dup" ]
dup=$(rec_py '
by_id = {}
for r in recs:
    by_id.setdefault(r["_id"], set()).add((r["_kind"], r.get("device"), r.get("type"), r.get("raised_at")))
print(" ".join(sorted(k for k, v in by_id.items() if len(v) > 1)))')
check "no record id named two records" "reused: $dup" [ -z "$dup" ]
kill_hazardd

# ---- a zero-byte database where one existed
: >"$DB"
rm -f "$DB-wal" "$DB-shm"
start_hazardd "$T/hazardd.json" || { fail "start on a zero-byte database" "hazardd did not come up"; exit 1; }
epoch3=$(status_get 's["ids"]["epoch"]')
lost=$(status_get 's["ids"]["history_lost"]')
check "zero-byte database: status says the history was lost" "history_lost $lost" [ "$lost" = true ]
check "zero-byte database: the log says so" "$(tail -n 5 "$HZ_LOG")" \
	grep -q "DATABASE HISTORY LOST.*missing or empty" "$HZ_LOG"
check "zero-byte database: a new epoch" "$epoch3" [ -n "$epoch3" -a "$epoch3" != "$epoch2" -a "$epoch3" != "$epoch1" ]
wait_for "rec_py \"sys.exit(0 if any(r.get('type') == 'storage_fault' and '$epoch3' in r.get('detail', '') for r in ft) else 1)\"" 10
check "zero-byte database: a storage_fault went upstream" "none received" \
	rec_py "sys.exit(0 if any(r.get('type') == 'storage_fault' and '$epoch3' in r.get('detail', '') for r in ft) else 1)"
alarms z1
kill_hazardd
check "hazardd stopped cleanly" "exit $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
