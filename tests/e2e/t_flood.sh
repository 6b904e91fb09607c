#!/usr/bin/env bash
# t_flood.sh: flood control.  One device publishes at 10x its rate
# (flood.rate_per_s 5, burst 10) for a few seconds: the excess is dropped
# before the queue and counted (per device and in total, `hazardctl status`
# and `hazardctl devices`), the drop count is exactly what was sent minus
# what was accepted, the flooder's own alarm still passes, and another
# device's alarm sent in the middle of the flood is raised promptly.  The
# drops are logged with backoff, not once per message.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

write_config "$T/hazardd.json" 'flood={"rate_per_s": 5, "burst": 10}' <<'EOF'
{"id": "flooder", "kind": "gas_detector"}
{"id": "victim",  "kind": "smoke_alarm", "flood": {"rate_per_s": 100, "burst": 100}}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
sleep 0.5

# 200 telemetry messages at 50/s (10x the rate), an alarm flag at message 120
N=200
for i in $(seq 1 $N); do
	if [ "$i" = 120 ]; then
		echo '{"topic": "t/flooder", "payload": {"alarm": true, "battery": 90}}'
	else
		echo "{\"topic\": \"t/flooder\", \"payload\": {\"battery\": 90, \"n\": $i}}"
	fi
done >"$T/flood.jsonl"
t0=$(now_ms)
"${GUARD[@]}" $PY "$E2E/pub.py" --port "$PORT_local" --file "$T/flood.jsonl" --interval 0.02 \
	>"$T/flood.out" 2>&1 &
FL=$!
BG_PIDS+=($FL)

# the other device, in the middle of the flood: a few reports, then its alarm
sleep 1.5
for i in 1 2 3 4; do pub t/victim '{"battery": 80}'; done
ta=$(now_ms)
pub t/victim '{"smoke": true}'
if wait_for 'upstream_has smoke_alarm raised victim' 10; then
	pass "another device's alarm is raised during the flood"
	info "victim alarm -> upstream in $(($(now_ms) - ta)) ms while the flooder runs"
else
	fail "victim alarm during the flood" "no smoke_alarm for victim within 10 s"
fi
wait_gone "$FL" 30
check "the flooder published all 200 messages" "$(cat "$T/flood.out")" grep -q "published 200" "$T/flood.out"

check "the flooder's alarm flag passed (gas_leak raised)" "no gas_leak for flooder" \
	wait_for 'upstream_has gas_leak raised flooder' 10

# a burst far beyond the bucket, a tamper flag last: it must still pass
for i in $(seq 1 40); do
	echo "{\"topic\": \"t/flooder\", \"payload\": {\"battery\": 90, \"b\": $i}}"
done >"$T/burst.jsonl"
echo '{"topic": "t/flooder", "payload": {"tamper": true}}' >>"$T/burst.jsonl"
N=$((N + 41))
pubpy --file "$T/burst.jsonl" >/dev/null
t1=$(now_ms)
check "a flag behind a burst of 40 (bucket empty) still passes (tamper raised)" \
	"no tamper for flooder" wait_for 'upstream_has tamper raised flooder' 10

dev() { ctl --json devices | jpy "[x for x in d if x[\"id\"] == \"$1\"][0][\"$2\"]"; }
# counters settle once the queue is drained
wait_for '[ "$(( $(dev flooder accepted) + $(dev flooder flood_dropped) ))" = '"$N"' ]' 10
acc=$(dev flooder accepted)
drop=$(dev flooder flood_dropped)
info "flooder: sent $N, accepted $acc, dropped $drop over $(( (t1 - t0) / 1000 )) s"
check "drops = sent - accepted" "sent $N, accepted $acc, dropped $drop" \
	[ "$((acc + drop))" = "$N" ]
check "the flooder was throttled" "dropped $drop" [ "$drop" -gt 0 ]
# the bucket's bound: burst + rate x elapsed, plus the two flags that jump it
max=$(( 10 + 5 * (t1 - t0 + 999) / 1000 + 2 ))
check "accepted within burst + rate x time (+ the alarm)" "accepted $acc > $max" [ "$acc" -le "$max" ]
tot=$(status_get 's["counters"]["flood_dropped"]')
check "hazardctl status: counters.flood_dropped is the total" "status $tot, device $drop" \
	wait_for '[ "$(status_get "s[\"counters\"][\"flood_dropped\"]")" = '"$drop"' ]' 5
vacc=$(dev victim accepted)
vdrop=$(dev victim flood_dropped)
check "the other device lost nothing" "victim accepted $vacc, dropped $vdrop" \
	[ "$vacc" = 5 ] && [ "$vdrop" = 0 ]
rows=$(db "select count(*) from readings where device = 'flooder'")
check "only accepted messages reached the database" "rows $rows, accepted $acc" [ "$rows" = "$acc" ]
n=$(grep -c 'device flooder: sending faster than' "$HZ_LOG")
check "drops logged with backoff, not per message" "$n log lines for $drop drops" \
	sh -c '[ "$0" -ge 1 ] && [ "$0" -le 6 ]' "$n"
text=$(ctl devices)
check "hazardctl devices shows the flooder's drops" "$text" \
	grep -qE "^flooder .* $drop\$" <<<"$text"
text=$(ctl status --verbose)
check "hazardctl status --verbose text shows flood_dropped" "$text" grep -q 'flood_dropped' <<<"$text"

write_config "$T/bad.json" 'flood={"rate_per_s": -1}' </dev/null
out=$("$HAZARDD" --check-config -c "$T/bad.json" 2>&1)
check "config: a negative rate is refused" "$out" grep -q 'flood.rate_per_s: -1 is out of range' <<<"$out"
