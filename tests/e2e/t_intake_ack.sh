#!/usr/bin/env bash
# t_intake_ack.sh: the local broker's PUBACK leaves only after the commit,
# against a real mosquitto (docs/intake.md).
#
# 1. hazardd is stopped (SIGSTOP) with a QoS 1 message sent to it but not
#    yet committed, then killed (SIGKILL): nothing was stored, and the
#    broker, never acknowledged, delivers it again to the next run, which
#    stores it once.  A clean restart after that brings it no third time.
# 2. committed, its PUBACK lost: the broker is stopped (SIGSTOP) with the
#    message in flight and saved to its persistence file, hazardd commits
#    and writes the PUBACK the broker never reads, and the broker is killed
#    (SIGKILL).  Restarted, it delivers the message again with DUP set:
#    hazardd finds it stored already (intake_pending), acknowledges it and
#    stores it no second time.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

write_config "$T/hazardd.json" <<'EOF2'
{"id": "ack-1", "kind": "smoke_alarm"}
{"id": "ack-2", "kind": "smoke_alarm"}
EOF2

n_readings() { db "SELECT count(*) FROM readings WHERE device = '$1'"; }
subscribed() { [ "$(status_get 's["local"]["session"]["subscribed"]')" = true ]; }

start_hazardd "$T/hazardd.json" || { fail setup "hazardd did not come up"; exit 1; }
wait_for subscribed 10 || { fail setup "the intake session did not subscribe"; exit 1; }

# ---- 1. received, not committed, killed: delivered again, stored once
kill -STOP "$HZ_PID"
pub t/ack-1 '{"smoke": false}'
sleep 1         # the broker has sent it: it waits in hazardd's socket
kill -KILL "$HZ_PID"
kill -CONT "$HZ_PID" 2>/dev/null
wait "$HZ_PID" 2>/dev/null
HZ_PID=
check "stopped before the commit: nothing stored" "$(n_readings ack-1) readings" \
	test "$(n_readings ack-1)" = 0
start_hazardd "$T/hazardd.json" || { fail "restart" "hazardd did not come up"; exit 1; }
wait_for '[ "$(n_readings ack-1)" -ge 1 ]' 10
check "the broker delivered it again: stored once" "$(n_readings ack-1) readings" \
	test "$(n_readings ack-1)" = 1
wait_for '[ "$(status_get "s[\"local\"][\"session\"][\"unacked\"]")" = 0 ]' 5
check "its PUBACK went out after the commit" \
	"$(ctl --json status | jpy 's["local"]["session"]')" \
	test "$(status_get 's["local"]["session"]["acks_sent"]')" -ge 1
kill_hazardd
check "clean stop" "exit $HZ_EXIT" test "$HZ_EXIT" = 0
start_hazardd "$T/hazardd.json" || { fail "restart" "hazardd did not come up"; exit 1; }
wait_for subscribed 10
sleep 1
check "acknowledged: not delivered a third time" "$(n_readings ack-1) readings" \
	test "$(n_readings ack-1)" = 1

# ---- 2. committed, the PUBACK never read by the broker: DUP found stored
BPID=$(cat "$T/broker-local.pid")
kill -STOP "$HZ_PID"
pub t/ack-2 '{"smoke": false}'
sleep 2.5       # sent to hazardd, and saved in flight (autosave_interval 1)
kill -STOP "$BPID"
kill -CONT "$HZ_PID"
wait_for '[ "$(n_readings ack-2)" = 1 ]' 10
check "committed while the broker is stopped" "$(n_readings ack-2) readings" \
	test "$(n_readings ack-2)" = 1
sleep 0.5       # its PUBACK is written, unread
kill -KILL "$BPID"
kill -CONT "$BPID" 2>/dev/null
wait_gone "$BPID" 5
rm -f "$T/broker-local.pid"
restart_broker local || { fail "broker restart" "see its log"; exit 1; }
wait_for '[ "$(status_get "s[\"local\"][\"session\"][\"redelivered_skipped\"]")" -ge 1 ]' 20
check "the DUP redelivery was found stored and acknowledged" \
	"$(ctl --json status | jpy 's["local"]["session"]')" \
	test "$(status_get 's["local"]["session"]["redelivered_skipped"]')" -ge 1
check "stored once" "$(n_readings ack-2) readings" test "$(n_readings ack-2)" = 1
# a row goes once the broker has read its PUBACK (a clean stop waits for
# that too)
wait_for '[ "$(db "SELECT count(*) FROM intake_pending")" = 0 ]' 5
check "no row left once the broker has read the PUBACKs" \
	"rows (packet_id|run|seq): $(db "SELECT packet_id, run, seq FROM intake_pending" | tr '\n' ' ')" \
	test "$(db "SELECT count(*) FROM intake_pending")" = 0
check "hazardd still running" "" hz_alive
kill_hazardd
check "clean stop" "exit $HZ_EXIT" test "$HZ_EXIT" = 0
