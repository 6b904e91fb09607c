#!/usr/bin/env bash
# t_bench_smoke.sh: the benchmark's tools work end to end (issue 8).
# loadgen sends 200 messages (5 of them alarms from 5 alarm devices) through
# hazardd; upstream_rx on the upstream broker must see all 200 readings in
# telemetry and the 5 raised hazards, matched to their sends.  A few seconds;
# the real benchmark is `make bench`.
. "$(dirname "$0")/lib.sh"

BIN=${BUILD_DIR:-$(dirname "$HAZARDD")}
LOADGEN=$BIN/loadgen
RX=$BIN/upstream_rx
if [ ! -x "$LOADGEN" ] || [ ! -x "$RX" ]; then
	echo "SKIP: $LOADGEN or $RX not built (make all builds them)"
	trap - EXIT
	rm -rf "$T"
	exit 77
fi

start_broker local
start_broker up
{
	for i in $(seq 0 9); do echo "{\"id\":\"d$i\",\"kind\":\"gas_detector\"}"; done
	for i in $(seq 0 4); do echo "{\"id\":\"a$i\",\"kind\":\"smoke_alarm\"}"; done
} | write_config "$T/hz.json" upstream.telemetry_interval_s=1
start_hazardd "$T/hz.json" || { fail "start hazardd" "did not start"; exit 1; }

"${GUARD[@]}" "$RX" -p "$PORT_up" --mode hazardd --sends "$T/sends" \
	--out "$T/rx.json" --ready "$T/rx.ready" --timeout 30 >"$T/rx.log" 2>&1 &
RX_PID=$!
BG_PIDS+=($RX_PID)
wait_for "[ -f '$T/rx.ready' ]" 10 || fail "receiver subscribes" "no SUBACK in 10 s"

"$LOADGEN" -p "$PORT_local" -n 10 -N 200 -a 5 -r 2000 --sends "$T/sends" \
	>"$T/loadgen.json" 2>"$T/loadgen.err"
check "loadgen: all 200 acknowledged by the local broker" "$(cat "$T/loadgen.json")" \
	grep -q '"acked":200,' "$T/loadgen.json"
check "loadgen: 5 alarms in its send log" "$(wc -l <"$T/sends" 2>/dev/null)" \
	test "$(wc -l <"$T/sends")" -eq 5

# all readings upstream (telemetry flushes every second) and 5 hazards
got_all() {
	[ "$(ctl --json status | jpy 's["counters"]["accepted"]')" -ge 200 ] &&
	[ "$(ctl --json status | jpy 's["outbox_depth"]')" -eq 0 ]
}
wait_for got_all 20 || fail "hazardd accepted 200 and drained its outbox" \
	"$(ctl --json status)"
sleep 1.5
stop_bg "$RX_PID"
info "receiver: $(cat "$T/rx.json" 2>/dev/null)"
check "receiver: 200 distinct readings upstream" "$(cat "$T/rx.json")" \
	grep -q '"records":200,' "$T/rx.json"
check "receiver: 5 alarms matched to raised hazards" "$(cat "$T/rx.json")" \
	grep -q '"alarms_sent":5,"alarms_matched":5' "$T/rx.json"
check "receiver: latency percentiles written" "$(cat "$T/rx.json")" \
	grep -q '"lat_ms":{"p50":' "$T/rx.json"
