#!/usr/bin/env bash
# t_priority.sh: after an outage the backlog drains most important first.
# While upstream is down, telemetry is queued first, then general hazards
# (low battery), then major ones (smoke).  When the link returns, every major
# hazard event arrives before any general one, and every hazard event before
# the first backlogged telemetry message.
source "$(dirname "$0")/lib.sh"

N=20
start_broker local || { fail setup "local broker"; exit 1; }
# the recorder's persistent session must exist before hazardd can publish:
# create it, then stop the broker (the session is saved with it)
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "recorder"; exit 1; }
stop_broker up

{
	for i in $(seq 1 $N); do echo "{\"id\": \"gas-$i\", \"kind\": \"gas_detector\"}"; done
	for i in $(seq 1 $N); do echo "{\"id\": \"smoke-$i\", \"kind\": \"smoke_alarm\"}"; done
} | write_config "$T/hazardd.json" "upstream.telemetry_batch=5" "upstream.telemetry_interval_s=1"
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }

M=$T/msgs.jsonl
: >"$M"
for r in 1 2 3; do
	for i in $(seq 1 $N); do
		echo "{\"topic\": \"t/gas-$i\", \"payload\": {\"gas_lel\": 1, \"battery\": 90}}" >>"$M"
	done
done
pubpy --file "$M" >/dev/null || fail "publish telemetry" "pub.py failed"
check "telemetry queued first" "no telemetry in the outbox" \
	wait_for '[ "$(db "SELECT count(*) FROM outbox WHERE topic_suffix = '"'"'telemetry'"'"'")" -ge 5 ]' 10
: >"$M"
for i in $(seq 1 $N); do
	echo "{\"topic\": \"t/gas-$i\", \"payload\": {\"battery\": 5}}" >>"$M"
done
pubpy --file "$M" >/dev/null || fail "publish low battery" "pub.py failed"
wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE type = '"'"'low_battery'"'"'")" = '$N' ]' 10
: >"$M"
for i in $(seq 1 $N); do
	echo "{\"topic\": \"t/smoke-$i\", \"payload\": {\"smoke\": true}}" >>"$M"
done
pubpy --file "$M" >/dev/null || fail "publish smoke" "pub.py failed"
check "every hazard committed while upstream is down" "hazards missing" \
	wait_for '[ "$(db "SELECT count(*) FROM hazards")" = $((2 * N)) ]' 10
sleep 1.5       # one more telemetry flush behind the hazards
info "outbox before restore: $(db "SELECT group_concat(c, ' ') FROM (SELECT topic_suffix || ':' || count(*) AS c FROM outbox GROUP BY cls)")"

restart_broker up || { fail setup "restart upstream"; exit 1; }
check "backlog drained" "outbox_depth $(status_get 's["outbox_depth"]')" \
	wait_for '[ "$(status_get "s[\"outbox_depth\"]")" = 0 ]' 30
wait_for "rec_py 'sys.exit(0 if len(hz) >= $((2 * N)) else 1)'" 10

rec_py '
import sys
pos = {"major": [], "general": [], "telemetry": []}
for i, m in enumerate(msgs):
    t = m["topic"]
    if t == base + "/telemetry":
        pos["telemetry"].append(i)
    elif t == base + "/hazard" and isinstance(m["payload"], dict):
        pos[m["payload"].get("severity", "?")].append(i)
print("INFO: arrivals: %d major, %d general, %d telemetry" %
      (len(pos["major"]), len(pos["general"]), len(pos["telemetry"])))
ok = True
def need(name, cond, why):
    global ok
    print(("PASS: %s" % name) if cond else ("FAIL: %s: %s" % (name, why)))
n = int(sys.argv[3])
need("every major event arrived", len(pos["major"]) >= n, "%d of %d" % (len(pos["major"]), n))
need("every general event arrived", len(pos["general"]) >= n, "%d of %d" % (len(pos["general"]), n))
need("majors before generals",
     pos["major"] and pos["general"] and max(pos["major"]) < min(pos["general"]),
     "last major at %s, first general at %s" % (max(pos["major"] or [-1]), min(pos["general"] or [-1])))
need("hazards before backlogged telemetry",
     pos["telemetry"] and max(pos["major"] + pos["general"]) < min(pos["telemetry"]),
     "first telemetry at %s, last hazard at %s" % (min(pos["telemetry"] or [-1]),
                                                   max(pos["major"] + pos["general"] or [-1])))
' "$N"
