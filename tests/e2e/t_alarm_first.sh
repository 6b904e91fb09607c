#!/usr/bin/env bash
# t_alarm_first.sh: an alarm does not wait behind a backlog of readings
# (docs/intake.md, "Alarms first").  While hazardd is stopped (SIGSTOP),
# devices publish 2,400 ordinary readings and then one smoke alarm; the
# broker (no in-flight limit here) writes them all into hazardd's socket.
# When hazardd runs again it holds the alarm and the backlog in its queue
# at once.  The alarm must be committed before the backlog's last reading
# (readings.seq: the database's own order) and its "raised" event must
# reach the platform before the telemetry carrying the backlog's last
# reading (the recorder's arrival order), whatever the clock says.  Every
# reading is still stored exactly once, the alarm raised exactly once.
#
# The database's order is what tells alarm-first from arrival order: the
# session hands the loop one read buffer per pass, so the readings that
# share the alarm's pass are the ones committed after it here and before
# it otherwise.  The recorder's order also holds for an arrival-order
# pass (the outbox sends alarms before telemetry); it is checked so that
# the early commit is also published first.
source "$(dirname "$0")/lib.sh"

N=2400          # ordinary readings, over 4 devices
D=4
# less A B: both integers, A < B
less() { [[ "$1" =~ ^[0-9]+$ && "$2" =~ ^[0-9]+$ ]] && [ "$1" -lt "$2" ]; }

start_broker local || { fail setup "local broker"; exit 1; }
# no in-flight limit for this broker: everything queued for hazardd's
# session is written to its socket at once (the tests' default of 100
# would hand the alarm over only with the backlog's last hundred)
stop_broker local
sed -i 's/^max_inflight_messages .*/max_inflight_messages 0/' "$T/broker-local.conf"
"${GUARD[@]}" mosquitto -c "$T/broker-local.conf" >>"$T/broker-local.log" 2>&1 &
echo $! >"$T/broker-local.pid"
wait_for "port_open $PORT_local" 10 || { fail setup "local broker restart"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

{
	for i in $(seq 1 $D); do echo "{\"id\": \"gas-$i\", \"kind\": \"gas_detector\"}"; done
	echo '{"id": "smk-1", "kind": "smoke_alarm"}'
} | write_config "$T/hazardd.json" "local.queue_len=8192" "local.max_unacked=8192" \
	"upstream.telemetry_batch=200" "upstream.telemetry_interval_s=1"
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"local\"][\"session\"][\"subscribed\"]")" = true ] &&
	  [ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "links up" "$(status_get 's["local"]')"

# readings with nothing a rule could raise an alarm from (battery, energy):
# ordinary traffic; energy_kwh numbers them
$PY - "$N" "$D" >"$T/burst.jsonl" <<'EOF'
import json, sys
n, d = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    print(json.dumps({"topic": "t/gas-%d" % (1 + i % d),
                      "payload": {"battery": 90, "energy_kwh": i}}))
print(json.dumps({"topic": "t/smk-1", "payload": {"smoke": True}}))
EOF
kill -STOP "$HZ_PID"
pubpy --file "$T/burst.jsonl" >/dev/null || fail "publish the burst" "pub.py failed"
# the broker writes what it holds for the session as fast as TCP takes it
sleep 2
kill -CONT "$HZ_PID"

if wait_for "[ \"\$(db 'SELECT count(*) FROM readings')\" -ge $((N + 1)) ] &&
	     [ \"\$(db \"SELECT count(*) FROM hazards WHERE type = 'smoke_alarm'\")\" = 1 ]" 30; then
	pass "the backlog and the alarm are stored"
else
	fail "backlog stored" "$(db 'SELECT count(*) FROM readings') readings"
fi

# ---- exactly once
n=$(db "SELECT count(*), count(DISTINCT json_extract(data, '$.energy_kwh')) FROM readings
	WHERE device LIKE 'gas-%'")
check "every reading stored exactly once ($N)" "count, distinct: $n" [ "$n" = "$N|$N" ]
n=$(db "SELECT count(*) FROM readings WHERE device = 'smk-1'")
check "the alarm's reading stored once" "$n" [ "$n" = 1 ]
n=$(db "SELECT count(*) FROM hazards WHERE type = 'smoke_alarm'")
check "one smoke alarm record" "$n" [ "$n" = 1 ]

# ---- committed first: the database's own order
alarm_seq=$(db "SELECT seq FROM readings WHERE device = 'smk-1'")
last_seq=$(db "SELECT max(seq) FROM readings WHERE device LIKE 'gas-%'")
later=$(db "SELECT count(*) FROM readings WHERE device LIKE 'gas-%' AND seq > ${alarm_seq:-0}")
info "alarm reading seq $alarm_seq; backlog's last $last_seq; backlog readings committed after the alarm: $later"
check "the alarm is committed before the backlog's last reading" \
	"alarm seq ${alarm_seq:-?}, backlog's last ${last_seq:-?}" less "$alarm_seq" "$last_seq"

# ---- published first: the recorder's order
if wait_for "rec_py '
last = int(sys.argv[3])
sys.exit(0 if any(r.get(\"seq\") == last for m in msgs if m[\"topic\"].endswith(\"/telemetry\")
                  and isinstance(m[\"payload\"], dict)
                  for r in m[\"payload\"].get(\"readings\", [])) else 1)' ${last_seq:-0}" 20; then
	pass "the backlog's last reading reached the platform"
else
	fail "telemetry upstream" "the reading seq ${last_seq:-?} never arrived"
fi
order=$(rec_py '
last = int(sys.argv[3])
alarm = tele = None
for i, m in enumerate(msgs):
    p = m["payload"]
    if not isinstance(p, dict):
        continue
    if alarm is None and m["topic"] == base + "/alarm" and p.get("type") == "smoke_alarm" \
            and p.get("event") == "raised":
        alarm = i
    if tele is None and m["topic"].endswith("/telemetry") and \
            any(r.get("seq") == last for r in p.get("readings", [])):
        tele = i
print(alarm, tele)' "${last_seq:-0}")
info "recorder positions (alarm raised, telemetry with the backlog's last reading): $order"
set -- $order
check "the alarm reaches the platform before the backlog's last reading" "$order" \
	less "${1:-}" "${2:-}"
n=$(rec_py 'print(sum(1 for h in al if h["type"] == "smoke_alarm" and h["event"] == "raised"))')
check "the alarm raised once upstream" "$n raised events" [ "$n" = 1 ]
n=$(rec_py '
seen = [r.get("seq") for m in msgs if m["topic"].endswith("/telemetry") and isinstance(m["payload"], dict)
        for r in m["payload"].get("readings", [])]
print(len(seen), len(set(seen)))')
check "telemetry: every reading once" "sent, distinct: $n" [ "$n" = "$((N + 1)) $((N + 1))" ]
check "hazardd still running" "exited" hz_alive
kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
