#!/usr/bin/env bash
# t_bench_smoke.sh: the benchmark's tools work end to end (issue 8).
# loadgen sends 200 messages (5 of them alarms from 5 alarm devices) through
# hazardd; upstream_rx on the upstream broker must see all 200 readings in
# telemetry and the 5 raised alarms (alarm events on .../alarm), matched to
# their sends, and count alarm, fault and hazard events apart, as an
# independent recorder of the same broker sees them.  A few seconds; the
# real benchmark is `make bench`.
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
# the independent view (its record is checked against docs/schema on exit)
start_recorder || fail "recorder subscribes" "no SUBACK in 10 s"

"${GUARD[@]}" "$RX" -p "$PORT_up" --mode hazardd --sends "$T/sends" \
	--out "$T/rx.json" --ready "$T/rx.ready" --timeout 30 >"$T/rx.log" 2>&1 &
RX_PID=$!
BG_PIDS+=($RX_PID)
wait_for "[ -f '$T/rx.ready' ]" 10 || fail "receiver subscribes" "no SUBACK in 10 s"

# the local broker takes passwords (lib.sh): loadgen logs in as the tests'
# device publisher
LG_AUTH=()
[ -n "${E2E_PUB_USERNAME:-}" ] &&
	LG_AUTH=(--username "$E2E_PUB_USERNAME" --password-file "$E2E_PUB_PASSWORD_FILE")
"$LOADGEN" -p "$PORT_local" "${LG_AUTH[@]}" -n 10 -N 200 -a 5 -r 2000 --sends "$T/sends" \
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
# the benchmark measures the normal path: loadgen's payloads decode whole
check "hazardd: loadgen's payloads rejected none and left no field out" \
	"$(ctl --json status | jpy 's["counters"]')" \
	test "$(ctl --json status | jpy 's["counters"]["rejected"] + s["counters"]["bad_fields"]')" -eq 0
info "receiver: $(cat "$T/rx.json" 2>/dev/null)"
check "receiver: 200 distinct readings upstream" "$(cat "$T/rx.json")" \
	grep -q '"records":200,' "$T/rx.json"
check "receiver: 5 alarms matched to raised alarm events" "$(cat "$T/rx.json")" \
	grep -q '"alarms_sent":5,"alarms_matched":5' "$T/rx.json"
# smoke alarms at a restaurant are alarms, not hazards at once (that is a
# gas leak there), and nothing here is a fault
check "receiver: 5 alarm events, no fault or hazard events" "$(cat "$T/rx.json")" \
	grep -q '"alarm_events":5,"fault_events":0,"hazard_events":0,' "$T/rx.json"
check "recorder: the same 5 alarms raised on .../alarm, one per alarm device" \
	"$(rec_py 'print([(r["_kind"], r.get("event"), r.get("device"), r["_id"]) for r in recs])')" \
	rec_py '
sys.exit(0 if len(recs) == 5 and all(r["_kind"] == "alarm" and
         r.get("event") == "raised" and r.get("type") == "smoke_alarm" and
         r.get("v") == 2 and "-A" in (r["_id"] or "") for r in recs) and
         sorted(r["device"] for r in recs) == ["a%d" % i for i in range(5)] else 1)'
check "receiver: latency percentiles written" "$(cat "$T/rx.json")" \
	grep -q '"lat_ms":{"p50":' "$T/rx.json"
