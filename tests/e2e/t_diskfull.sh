#!/usr/bin/env bash
# t_diskfull.sh: a full filesystem under the database.  hazardd's database
# lives on a small tmpfs; the filesystem is filled up while it runs.  Then:
# the daemon keeps running, smoke alarms still drive their interlock (a plug
# command on the local broker), a storage_fault hazard is raised on the
# gateway, and the alarms' hazard changes are held; once space returns,
# every hazard reaches the database and the platform, and storage_fault is
# cleared.  Needs root to mount the tmpfs: otherwise SKIP (exit 77).
source "$(dirname "$0")/lib.sh"

N_ALARM=5
DISK=$T/disk
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: diskfull: not root, cannot mount a small tmpfs (run as root to test a real full filesystem)"
	exit 77
fi
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=4m tmpfs "$DISK" 2>"$T/mount.err"; then
	echo "SKIP: diskfull: mount -t tmpfs failed here: $(cat "$T/mount.err")"
	exit 77
fi
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
	"storage.max_mb=64" "interlocks=$IL"

# every plug command on the local broker, one line each
"${GUARD[@]}" mosquitto_sub -h 127.0.0.1 -p "$PORT_local" -q 1 -t 't/plug-1/set' -v \
	>"$T/plug.log" 2>/dev/null &
BG_PIDS+=($!)

start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

# ---- fill the filesystem, then make the database grow into it
dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null
info "filesystem: $(df -k "$DISK" | awk 'NR == 2 { print $3 " KiB used, " $4 " KiB free" }')"
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
check "the alarms' hazard changes are held in memory" "held ${held:-?}" [ "${held:-0}" -ge "$N_ALARM" ]
n=$(db "SELECT count(*) FROM hazards WHERE type = 'smoke_alarm'" 2>/dev/null || echo '?')
info "smoke hazards in the database while full: $n; held changes: $held"
status_answers() { ctl status >/dev/null 2>&1; }
check "status still answers with the disk full" "no answer" status_answers

# ---- space returns
rm -f "$DISK/filler"
if wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE type = 'smoke_alarm'\")\" = $N_ALARM ]" 20; then
	pass "space back: all $N_ALARM smoke hazards are in the database"
else
	fail "hazards written once space returned" "$(db "SELECT count(*) FROM hazards WHERE type = 'smoke_alarm'")"
fi
if wait_for "[ \"\$(rec_py 'print(len(set(h[\"device\"] for h in hz if h[\"type\"] == \"smoke_alarm\" and h[\"event\"] == \"raised\")))')\" = $N_ALARM ]" 20; then
	pass "space back: every smoke hazard reached the platform"
else
	fail "hazards upstream" "$(rec_py 'print(sorted(set(h["device"] for h in hz if h["type"] == "smoke_alarm")))')"
fi
check "storage_fault raised upstream on the gateway" "not recorded" \
	wait_for "upstream_has storage_fault raised gw-e2e-01" 15
check "storage_fault cleared upstream once writes work" "not recorded" \
	wait_for "upstream_has storage_fault cleared gw-e2e-01" 15
check "status: write_fault false again" "$(status_get 's["storage"]')" \
	[ "$(status_get 's["storage"]["write_fault"]')" = false ]
n=$(rec_py 'print(sum(1 for h in hz if h["type"] == "smoke_alarm" and h["event"] == "raised"))')
check "each alarm raised exactly once upstream" "$n raised events" [ "$n" = "$N_ALARM" ]
check "hazardd still running" "exited" hz_alive
