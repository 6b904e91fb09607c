#!/usr/bin/env bash
# t_begin_fail.sh: a pass whose BEGIN fails still handles its messages.
# Another process holds the database's write lock (BEGIN IMMEDIATE, held)
# longer than hazardd's busy timeout, so hazardd's own BEGIN fails.  A
# smoke alarm that arrives then must still drive its interlock (a plug
# command on the local broker), be acknowledged to the broker as
# acked_uncommitted (never silently dropped), and its record change be
# held: once the lock is gone the alarm is in the database and upstream,
# raised exactly once.  (A failed commit is t_diskfull.sh's case.)
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

IL='[{"hazard": "smoke_alarm", "actions": [{"device": "plug-1", "set": "off"}]}]'
{
	echo '{"id": "smk-1", "kind": "smoke_alarm"}'
	echo '{"id": "plug-1", "kind": "ebike_charger", "topic": "t/plug-1"}'
} | write_config "$T/hazardd.json" "interlocks=$IL"

"${GUARD[@]}" mosquitto_sub -h 127.0.0.1 -p "$PORT_local" "${LOCAL_PLUG_AUTH[@]}" -q 1 \
	-t 't/plug-1/set' -v >"$T/plug.log" 2>/dev/null &
BG_PIDS+=($!)

start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ] &&
	  [ "$(status_get "s[\"local\"][\"session\"][\"subscribed\"]")" = true ]' 10 ||
	fail "links up" "$(status_get 's["local"]')"
pub t/smk-1 '{"smoke": false}'
wait_for "[ \"\$(db \"SELECT count(*) FROM readings WHERE device = 'smk-1'\")\" = 1 ]" 10 ||
	fail "a first reading stored" "none"

# ---- another writer holds the lock until told to let go
"${GUARD[@]}" $PY - "$T/hazardd.db" "$T/locked" "$T/release" >"$T/locker.log" 2>&1 <<'EOF' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").write("locked\n")
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
db.execute("ROLLBACK")
print("released", flush=True)
EOF
BG_PIDS+=($!)
wait_for "[ -f '$T/locked' ]" 20 || fail "take the write lock" "$(cat "$T/locker.log")"
pub t/smk-1 '{"smoke": true}'
# hazardd's BEGIN waits its busy timeout (5 s) before it fails
if wait_for "grep -q 'cannot begin a transaction' '$HZ_LOG'" 20; then
	pass "BEGIN fails while another writer holds the lock"
else
	fail "BEGIN fails" "no 'cannot begin' in the log"
fi
if wait_for "[ \$(grep -c . '$T/plug.log') -ge 1 ]" 20; then
	pass "with BEGIN failing, the smoke alarm still drives its interlock (plug command sent)"
else
	fail "interlock while BEGIN fails" "no command on t/plug-1/set"
fi
n=$(db "SELECT count(*) FROM hazards WHERE type = 'smoke_alarm'")
check "nothing written while the lock is held" "$n smoke records" [ "$n" = 0 ]
check "hazardd still running" "exited" hz_alive

# ---- the lock goes
touch "$T/release"
wait_for "grep -q released '$T/locker.log'" 10 || fail "release the lock" "$(cat "$T/locker.log")"
if wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE kind = 'alarm' AND type = 'smoke_alarm'\")\" = 1 ]" 30; then
	pass "lock gone: the alarm is in the database"
else
	fail "alarm written once the lock went" "$(db "SELECT kind, state FROM hazards")"
fi
check "the alarm reached the platform" "not recorded" \
	wait_for "upstream_has smoke_alarm raised smk-1" 20
auc=$(status_get 's["local"]["session"]["acked_uncommitted"]')
check "the message was acknowledged without its commit, counted" \
	"acked_uncommitted ${auc:-?}" [ "${auc:-0}" -ge 1 ]
check "status: write_fault false again" "$(status_get 's["storage"]')" \
	wait_for '[ "$(status_get "s[\"storage\"][\"write_fault\"]")" = false ]' 20
sleep 2
n=$(rec_py 'print(sum(1 for h in al if h["type"] == "smoke_alarm" and h["event"] == "raised"))')
check "raised exactly once upstream" "$n raised events" [ "$n" = 1 ]
n=$(db "SELECT count(*) FROM hazards WHERE type = 'smoke_alarm'")
check "one smoke alarm record" "$n" [ "$n" = 1 ]
check "hazardd still running" "exited" hz_alive
kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
