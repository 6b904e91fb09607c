#!/usr/bin/env bash
# t_failover.sh: several upstream URIs are one broker cluster.  hazardd uses
# the first node that answers, moves to another when its node dies, and the
# events raised while it had no node arrive on the new one.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
PORT_up=$(free_port)            # node A: not started yet
start_broker nodeb || { fail setup "node B"; exit 1; }

SUB_B=$T/node-b.txt
"${GUARD[@]}" mosquitto_sub -h 127.0.0.1 -p "$PORT_nodeb" -q 1 -t 'hz/v1/+/+/alarm' >"$SUB_B" 2>&1 &
BG_PIDS+=($!)
sleep 0.3

write_config "$T/hazardd.json" \
	"upstream.uris=[\"tcp://127.0.0.1:$PORT_up\", \"tcp://127.0.0.1:$PORT_nodeb\"]" <<'EOF'
{"id": "smoke-f1", "kind": "smoke_alarm"}
{"id": "smoke-f2", "kind": "smoke_alarm"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }

uri_now() { status_get 's["upstream"]["uri"]'; }
check "first node down: uses the second" "upstream.uri is $(uri_now)" \
	wait_for '[[ "$(uri_now)" == *":$PORT_nodeb" ]]' 10
pub t/smoke-f1 '{"smoke": true}'
check "alarm delivered to node B (on the alarm topic)" "nothing on node B" \
	wait_for "grep -q '\"device\":\"smoke-f1\"' '$SUB_B'" 10

# node B dies; node A comes up; an alarm raised in between must reach A
stop_broker nodeb -9
t0=$(now_ms)
pub t/smoke-f2 '{"smoke": true}'
check "alarm committed while no node is up" "alarm not in the database" \
	wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE kind = '"'"'alarm'"'"' AND device = '"'"'smoke-f2'"'"'")" = 1 ]' 5
start_broker up "$PORT_up" || { fail setup "node A"; exit 1; }
start_recorder || { fail setup "recorder on node A"; exit 1; }
check "fails over to node A" "upstream.uri is $(uri_now)" \
	wait_for '[[ "$(uri_now)" == *":$PORT_up" ]]' 20
info "failover took $(( $(now_ms) - t0 )) ms from node B's death (node A started at once)"
check "alarm raised during the gap arrives on node A" "not received on node A" \
	wait_for 'upstream_has smoke_alarm raised smoke-f2' 10
check "outbox empty after failover" "outbox_depth $(status_get 's["outbox_depth"]')" \
	wait_for '[ "$(status_get "s[\"outbox_depth\"]")" = 0 ]' 10
n=$(rec_py 'print(sum(1 for r in recs if r.get("device") == "smoke-f2" and r.get("event") == "raised"))')
check "the gap's alarm arrives on node A exactly once" "$n raised events" [ "$n" = 1 ]
