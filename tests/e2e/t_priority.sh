#!/usr/bin/env bash
# t_priority.sh: after an outage the backlog drains most important first.
# While upstream is down, telemetry is queued first, then faults (low
# battery) and general hazards (a restaurant's gas at the low level: its
# alarm and, at once, a general hazard), then alarms (smoke; gas at the
# high level) and major hazards (the high-level gas).  When the link
# returns, every alarm and major hazard event arrives before any fault or
# general hazard event, and every one of those before the first
# backlogged telemetry message.
source "$(dirname "$0")/lib.sh"

N=20
G=5          # gas detectors per hazard grade
start_broker local || { fail setup "local broker"; exit 1; }
# the recorder's persistent session must exist before hazardd can publish:
# create it, then stop the broker (the session is saved with it)
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "recorder"; exit 1; }
stop_broker up

{
	for i in $(seq 1 $N); do echo "{\"id\": \"gas-$i\", \"kind\": \"gas_detector\"}"; done
	for i in $(seq 1 $N); do echo "{\"id\": \"smoke-$i\", \"kind\": \"smoke_alarm\"}"; done
} | write_config "$T/hazardd.json" "upstream.telemetry_batch=5" "upstream.telemetry_interval_s=1" \
	"rules.gas_detector.hold_s=0"
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
# general hazards: gas at the low level at a restaurant (site-1)
for i in $(seq 1 $G); do
	echo "{\"topic\": \"t/gas-$i\", \"payload\": {\"gas_lel\": 30}}" >>"$M"
done
pubpy --file "$M" >/dev/null || fail "publish low battery and low gas" "pub.py failed"
wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE kind = '"'"'fault'"'"' AND type = '"'"'low_battery'"'"'")" = '$N' ]' 10
wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE kind = '"'"'hazard'"'"' AND severity = '"'"'general'"'"'")" = '$G' ]' 10
: >"$M"
for i in $(seq 1 $N); do
	echo "{\"topic\": \"t/smoke-$i\", \"payload\": {\"smoke\": true}}" >>"$M"
done
# major hazards: gas at the high level at a restaurant
for i in $(seq $((G + 1)) $((2 * G))); do
	echo "{\"topic\": \"t/gas-$i\", \"payload\": {\"gas_lel\": 60}}" >>"$M"
done
pubpy --file "$M" >/dev/null || fail "publish smoke and high gas" "pub.py failed"
# kind|severity counts in the database
counts() { db "SELECT group_concat(k || ':' || n, ' ') FROM (SELECT kind || CASE kind WHEN 'hazard' THEN '/' || severity ELSE '' END AS k, count(*) AS n FROM hazards GROUP BY 1 ORDER BY 1)"; }
WANT="alarm:$((N + 2 * G)) fault:$N hazard/general:$G hazard/major:$G"
check "every record committed while upstream is down ($WANT)" "got $(counts)" \
	wait_for '[ "$(counts)" = "$WANT" ]' 10
sleep 1.5       # one more telemetry flush behind the records
info "outbox before restore: $(db "SELECT group_concat(c, ' ') FROM (SELECT cls || '/' || topic_suffix || ':' || count(*) AS c FROM outbox GROUP BY cls, topic_suffix)")"

restart_broker up || { fail setup "restart upstream"; exit 1; }
check "backlog drained" "outbox_depth $(status_get 's["outbox_depth"]')" \
	wait_for '[ "$(status_get "s[\"outbox_depth\"]")" = 0 ]' 30
wait_for "rec_py 'sys.exit(0 if len(recs) >= $((2 * N + 4 * G)) else 1)'" 10

rec_py '
import sys
pos = {"alarm": [], "major": [], "fault": [], "general": [], "telemetry": []}
for i, m in enumerate(msgs):
    t = m["topic"]
    p = m["payload"] if isinstance(m["payload"], dict) else {}
    if t == base + "/telemetry":
        pos["telemetry"].append(i)
    elif t == base + "/alarm":
        pos["alarm"].append(i)
    elif t == base + "/fault":
        pos["fault"].append(i)
    elif t == base + "/hazard":
        pos[p.get("severity", "?")].append(i)
print("INFO: arrivals: %s" % ", ".join("%d %s" % (len(v), k) for k, v in pos.items()))
def need(name, cond, why):
    print(("PASS: %s" % name) if cond else ("FAIL: %s: %s" % (name, why)))
n, g = int(sys.argv[3]), int(sys.argv[4])
for k, want in (("alarm", n + 2 * g), ("major", g), ("fault", n), ("general", g)):
    need("every %s event arrived" % k, len(pos[k]) >= want, "%d of %d" % (len(pos[k]), want))
first = pos["alarm"] + pos["major"]
second = pos["fault"] + pos["general"]
need("alarms and major hazards before faults and general hazards",
     first and second and max(first) < min(second),
     "last alarm/major at %s, first fault/general at %s" % (max(first or [-1]), min(second or [-1])))
need("records before backlogged telemetry",
     pos["telemetry"] and max(first + second) < min(pos["telemetry"]),
     "first telemetry at %s, last record at %s" % (min(pos["telemetry"] or [-1]),
                                                   max(first + second or [-1])))
' "$N" "$G" >"$T/order.out" 2>&1
while IFS= read -r line; do
	case $line in
	PASS:\ *) pass "${line#PASS: }" ;;
	FAIL:\ *) r=${line#FAIL: }; fail "${r%%: *}" "${r#*: }" ;;
	INFO:\ *) info "${line#INFO: }" ;;
	*) fail "arrival order check" "$line" ;;
	esac
done <"$T/order.out"
