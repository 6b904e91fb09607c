#!/usr/bin/env bash
# t_diskfull.sh: a full filesystem under the database.  hazardd's database
# lives on a small tmpfs; the filesystem is filled up while it runs.  Then:
# the daemon keeps running, smoke alarms still drive their interlock (a plug
# command on the local broker), a storage_fault fault is raised on the
# gateway, and the alarms' record changes are held; once space returns,
# every alarm reaches the database and the platform (raised once), and the
# storage_fault fault is cleared.
#
# Two ways to fill it:
#   tmpfs  (root, and mount works): a 4 MiB tmpfs filled with dd; every
#          write fails with ENOSPC, the WAL's included.
#   pages  (everywhere else): the database's own ceiling, SQLite's
#          max_page_count, which storage.max_mb sets (store_set_quota):
#          storage.max_mb is 1 and a second connection, with the same
#          ceiling, fills every free page with a table of its own and keeps
#          taking back what the quota enforcement frees; SQLite then refuses
#          to grow the database (SQLITE_FULL, as on a full disk).  Space
#          returns when that table is dropped.
# DISKFULL_MODE=pages forces the second way.
source "$(dirname "$0")/lib.sh"

N_ALARM=5
DISK=$T/disk
MODE=${DISKFULL_MODE:-tmpfs}
mkdir -p "$DISK"
if [ "$MODE" = tmpfs ] && [ "$(id -u)" -ne 0 ]; then
	info "not root, cannot mount a small tmpfs: filling the database's page ceiling instead"
	MODE=pages
elif [ "$MODE" = tmpfs ] && ! mount -t tmpfs -o size=4m,mode=0750 tmpfs "$DISK" 2>"$T/mount.err"; then
	info "mount -t tmpfs failed here ($(cat "$T/mount.err")): filling the database's page ceiling instead"
	MODE=pages
fi
info "full-disk mode: $MODE"
MAX_MB=64
[ "$MODE" = pages ] && MAX_MB=1
# the database is on the tmpfs, not in $T
db() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "file:$DISK/hazardd.db?mode=ro" "$@"
}
# unmount before lib.sh removes $T (lazy: hazardd may still hold the file)
trap 'rc=$?; [ -n "$HZ_PID" ] && kill_hazardd; umount -l "$DISK" 2>/dev/null; (exit $rc); e2e_cleanup' EXIT

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

IL='[{"hazard": "smoke_alarm", "actions": [{"device": "plug-1", "set": "off"}]}]'
{
	for i in $(seq 1 $N_ALARM); do echo "{\"id\": \"smk-$i\", \"kind\": \"smoke_alarm\"}"; done
	echo '{"id": "gas-1", "kind": "gas_detector"}'
	echo '{"id": "plug-1", "kind": "ebike_charger", "topic": "t/plug-1"}'
} | write_config "$T/hazardd.json" "storage.path=\"$DISK/hazardd.db\"" \
	"storage.max_mb=$MAX_MB" "interlocks=$IL"

# every plug command on the local broker, one line each (as the plug)
"${GUARD[@]}" mosquitto_sub -h 127.0.0.1 -p "$PORT_local" "${LOCAL_PLUG_AUTH[@]}" -q 1 \
	-t 't/plug-1/set' -v \
	>"$T/plug.log" 2>/dev/null &
BG_PIDS+=($!)

start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

# ---- fill the filesystem, then make the database grow into it
if [ "$MODE" = tmpfs ]; then
	dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null
	info "filesystem: $(df -k "$DISK" | awk 'NR == 2 { print $3 " KiB used, " $4 " KiB free" }')"
else
	"${GUARD[@]}" $PY - "$DISK/hazardd.db" "$MAX_MB" "$T/space-back" "$T/filled" \
		>"$T/filler.log" 2>&1 <<'EOF' &
import os, sqlite3, sys, time
path, max_mb, stop, filled = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
db = sqlite3.connect(path, timeout=10, isolation_level=None)
page = db.execute("PRAGMA page_size").fetchone()[0]
# the ceiling hazardd set for storage.max_mb (store_set_quota)
db.execute("PRAGMA max_page_count = %d" % (max_mb * 1048576 // page))
db.execute("CREATE TABLE IF NOT EXISTS test_filler (b BLOB)")
def fill():
    for size in (65536, 4096, 512, 64):
        while True:
            try:
                db.execute("INSERT INTO test_filler VALUES (zeroblob(?))", (size,))
            except sqlite3.OperationalError as e:
                if "full" in str(e):
                    break
                time.sleep(0.02)        # busy: hazardd is writing
fill()
open(filled, "w").write("%d pages of %d\n" % (db.execute("PRAGMA page_count").fetchone()[0],
                                              max_mb * 1048576 // page))
while not os.path.exists(stop):
    fill()                              # take back what the quota frees
    time.sleep(0.1)
while True:
    try:
        db.execute("DROP TABLE test_filler")
        break
    except sqlite3.OperationalError:
        time.sleep(0.05)
print("dropped", flush=True)
EOF
	BG_PIDS+=($!)
	wait_for "[ -s '$T/filled' ]" 20 || fail "fill the database's page ceiling" "$(cat "$T/filler.log")"
	info "database: $(cat "$T/filled" 2>/dev/null)"
fi
$PY - >"$T/burst.jsonl" <<'EOF'
import json
for i in range(3000):
    print(json.dumps({"topic": "t/gas-1", "payload": {"gas_lel": 1 + i % 5, "battery": 90}}))
EOF
pubpy --file "$T/burst.jsonl" >/dev/null || fail "publish the burst" "pub.py failed"
if wait_for '[ "$(status_get "s[\"storage\"][\"write_fault\"]")" = true ]' 30; then
	pass "a commit fails on the full filesystem and status says write_fault"
else
	fail "write fault reported" "$(status_get 's["storage"]'); store_errors $(status_get 's["counters"]["store_errors"]')"
fi

# ---- alarms while the disk is full: one message each, never repeated
for i in $(seq 1 $N_ALARM); do pub "t/smk-$i" '{"smoke": true}'; done
if wait_for "[ \$(grep -c . '$T/plug.log') -ge 1 ]" 10; then
	pass "with the disk full, a smoke alarm still drives its interlock (plug command sent)"
else
	fail "interlock with the disk full" "no command on t/plug-1/set"
fi
sleep 2
check "hazardd still running with the disk full" "exited" hz_alive
held=$(status_get 's["storage"]["changes_held"]')
if [ "$MODE" = tmpfs ]; then
	check "the alarms' record changes are held in memory" "held ${held:-?}" [ "${held:-0}" -ge "$N_ALARM" ]
else
	# a commit small enough for the pages the database already has goes
	# through under a page ceiling (never on a full filesystem), so how
	# many changes are held when we look depends on timing
	info "page ceiling: $held record changes held now (not checked in this mode)"
fi
n=$(db "SELECT count(*) FROM hazards WHERE kind = 'alarm' AND type = 'smoke_alarm'" 2>/dev/null || echo '?')
info "smoke alarms in the database while full: $n; held changes: $held"
# the intake session acknowledges what it processed without the commit,
# counted, instead of stalling with its window full (docs/intake.md)
auc=$(status_get 's["local"]["session"]["acked_uncommitted"]')
check "with the disk full the intake session acknowledges processed messages (counted)" \
	"acked_uncommitted ${auc:-?}; $(status_get 's["local"]["session"]')" [ "${auc:-0}" -ge 1 ]
status_answers() { ctl status >/dev/null 2>&1; }
check "status still answers with the disk full" "no answer" status_answers

# ---- space returns
if [ "$MODE" = tmpfs ]; then
	rm -f "$DISK/filler"
else
	touch "$T/space-back"
	wait_for "grep -q dropped '$T/filler.log'" 20 || fail "drop the filler table" "$(cat "$T/filler.log")"
fi
if wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE kind = 'alarm' AND type = 'smoke_alarm'\")\" = $N_ALARM ]" 20; then
	pass "space back: all $N_ALARM smoke alarms are in the database"
else
	fail "alarms written once space returned" "$(db "SELECT kind, count(*) FROM hazards WHERE type = 'smoke_alarm' GROUP BY kind")"
fi
if wait_for "[ \"\$(rec_py 'print(len(set(h[\"device\"] for h in al if h[\"type\"] == \"smoke_alarm\" and h[\"event\"] == \"raised\")))')\" = $N_ALARM ]" 20; then
	pass "space back: every smoke alarm reached the platform"
else
	fail "alarms upstream" "$(rec_py 'print(sorted(set(h["device"] for h in al if h["type"] == "smoke_alarm")))')"
fi
check "storage_fault raised upstream on the gateway" "not recorded" \
	wait_for "upstream_has storage_fault raised gw-e2e-01" 15
check "storage_fault cleared upstream once writes work" "not recorded" \
	wait_for "upstream_has storage_fault cleared gw-e2e-01" 15
sf=$(rec_py 'print(" ".join(sorted({"%s:%s" % (r["_kind"], r.get("state")) for r in recs if r.get("type") == "storage_fault"})))')
check "storage_fault is a fault (on the fault topic, active then cleared), never a hazard" "got $sf" \
	[ "$sf" = "fault:active fault:cleared" ]
n=$(db "SELECT count(*) FROM hazards WHERE type = 'storage_fault' AND kind = 'fault' AND state = 'cleared' AND cleared_at_ms > 0")
check "storage_fault: the fault is cleared in the database" "$n" [ "$n" -ge 1 ]
check "status: write_fault false again" "$(status_get 's["storage"]')" \
	[ "$(status_get 's["storage"]["write_fault"]')" = false ]
n=$(rec_py 'print(sum(1 for h in al if h["type"] == "smoke_alarm" and h["event"] == "raised"))')
check "each alarm raised exactly once upstream" "$n raised events" [ "$n" = "$N_ALARM" ]
n=$(rec_py 'print(len(hz))')
check "no hazard: smoke waits for verification, a storage fault is no hazard" "$n hazard events" [ "$n" = 0 ]
check "hazardd still running" "exited" hz_alive
