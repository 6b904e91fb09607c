#!/usr/bin/env bash
# t_flapping.sh: a device alternating alarm and normal as fast as a QoS 1
# publisher can (2,000 messages) makes a bounded number of records, record
# events, log lines and upstream messages, not one of each per cycle: its
# alarm becomes one record, flagged "flapping" (hazardctl, upstream), that
# stays active while it flaps and ends exactly once after the device has
# stayed normal for settle_s, with the folded onsets in its occurrences.
# Then the flood limit: 500 repeats of a "normal" message that carries a
# set flag ("alarm": false, "tamper": true) are dropped over the rate like
# any other message (counted), while an alarm's onset sent right behind
# them, into the empty bucket, still passes.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

# flap detection at its defaults (60 s window, 3 onsets); a short settle
SETTLE=6
write_config "$T/hazardd.json" "rules.smoke_alarm.settle_s=$SETTLE" <<'EOF'
{"id": "flapper", "kind": "smoke_alarm"}
{"id": "chatty",  "kind": "smoke_alarm", "flood": {"rate_per_s": 2, "burst": 2}}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
sleep 0.5

# ------------------------------------------------------------ the flapping device

N=2000
for i in $(seq 1 $((N / 2))); do
	echo '{"topic": "t/flapper", "payload": {"smoke": true}}'
	echo '{"topic": "t/flapper", "payload": {"smoke": false}}'
done >"$T/flap.jsonl"
t0=$(now_ms)
"${GUARD[@]}" $PY "$E2E/pub.py" --port "$PORT_local" --file "$T/flap.jsonl" \
	>"$T/flap.out" 2>&1 &
FP=$!
BG_PIDS+=($FP)
# while it flaps: one live alarm, flagged
check "while it flaps: its live alarm is flagged flapping" "$(db "SELECT id, state, flapping FROM hazards WHERE device='flapper'" | tr '\n' ' ')" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE kind='alarm' AND device='flapper' AND state='active' AND flapping=1\")\" = 1 ]" 15
wait_gone "$FP" 60
t1=$(now_ms)
check "the publisher sent all $N messages" "$(cat "$T/flap.out")" grep -q "published $N" "$T/flap.out"
info "$N alternating messages in $((t1 - t0)) ms"
# everything received has been handled
wait_for '[ "$(status_get "s[\"intake_queue_depth\"]")" = 0 ]' 20
check "hazardd is alive" "exited" hz_alive
AID=$(db "SELECT id FROM hazards WHERE kind='alarm' AND device='flapper' AND flapping=1")
NREC=$(db "SELECT count(*) FROM hazards WHERE kind='alarm' AND device='flapper'")
check "alarm records of the flapping device bounded (<= 3)" "$NREC records" [ "$NREC" -le 3 ]
check "after the last message (normal) it is still active: the end waits for settle_s" \
	"$(db "SELECT state FROM hazards WHERE id='$AID'")" \
	test "$(db "SELECT state FROM hazards WHERE id='$AID'")" = active
listed_flapping() { ctl alarms --open | grep flapper | grep -q 'active,flapping'; }
check "hazardctl alarms shows it flapping" "$(ctl alarms --open 2>&1 | grep flapper)" \
	listed_flapping
check "hazardctl show: \"flapping\": true" "$(ctl --json show "$AID" 2>&1 | head -c 300)" \
	[ "$(ctl --json show "$AID" | jpy 'd.get("flapping")')" = true ]
check "upstream: its raise says \"flapping\": true" "$(rec_py 'print([r.get("flapping") for r in al if r["alarm_id"] == sys.argv[3]])' "$AID")" \
	wait_for "rec_py 'sys.exit(0 if any(r.get(\"flapping\") is True and r[\"event\"] == \"raised\" for r in al if r[\"alarm_id\"] == sys.argv[3]) else 1)' '$AID'" 10

# the device goes quiet and normal: one end after settle_s
tq=$(now_ms)
check "ended once the device stayed normal for settle_s" "$(db "SELECT state FROM hazards WHERE id='$AID'")" \
	wait_for "[ \"\$(db \"SELECT state FROM hazards WHERE id='$AID'\")\" = ended ]" $((SETTLE + 10))
info "ended $(($(now_ms) - tq)) ms after the queue was drained (settle_s $SETTLE)"
wait_for '[ "$(status_get "s[\"outbox_depth\"]")" = 0 ]' 20
OCC=$(db "SELECT occurrences FROM hazards WHERE id='$AID'")
check "its occurrences count the folded onsets (> 100)" "occurrences $OCC" [ "$OCC" -gt 100 ]
check "no longer flagged once ended" "$(db "SELECT flapping FROM hazards WHERE id='$AID'")" \
	test "$(db "SELECT flapping FROM hazards WHERE id='$AID'")" = 0
check "exactly one ended event for it in the store" \
	"$(db "SELECT group_concat(event, ' ') FROM hazard_events WHERE hazard_id='$AID'")" \
	test "$(db "SELECT count(*) FROM hazard_events WHERE hazard_id='$AID' AND event='ended'")" = 1
check "exactly one ended event for it upstream, with the occurrences, no flag" \
	"$(rec_py 'print([(r["event"], r.get("occurrences"), r.get("flapping")) for r in al if r["alarm_id"] == sys.argv[3]])' "$AID")" \
	wait_for "rec_py 'e = [r for r in al if r[\"alarm_id\"] == sys.argv[3] and r[\"event\"] == \"ended\"]
sys.exit(0 if len(e) == 1 and e[0].get(\"occurrences\") == int(sys.argv[4]) and \"flapping\" not in e[0] else 1)' '$AID' '$OCC'" 10
NEV=$(db "SELECT count(*) FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id WHERE h.device='flapper'")
check "record events of the device bounded (< 30)" "$NEV events" [ "$NEV" -lt 30 ]
NUP=$(rec_py 'print(len([r for r in recs if r.get("device") == "flapper"]))')
check "upstream messages about the device bounded (< 30)" "$NUP messages" [ "$NUP" -lt 30 ]
NLOG=$(grep -c ' on flapper at ' "$HZ_LOG")
check "log lines about its records bounded (< 30)" "$NLOG lines" [ "$NLOG" -lt 30 ]
info "flapper: $NREC alarm records, $NEV record events, $NUP upstream messages, $NLOG log lines, occurrences $OCC"
END_DETAIL=$(db "SELECT detail FROM hazard_events WHERE hazard_id='$AID' AND event='ended'")
check "the settled end says why" "$END_DETAIL" \
	test "$END_DETAIL" = "settled after $OCC occurrences while flapping"

# ------------------------------------------------------------ flood: repeats take tokens

dev() { ctl --json devices | jpy "[x for x in d if x[\"id\"] == \"$1\"][0][\"$2\"]"; }
R=500
for i in $(seq 1 $R); do
	echo "{\"topic\": \"t/chatty\", \"payload\": {\"alarm\": false, \"tamper\": true, \"battery\": 90, \"n\": $i}}"
done >"$T/chatty.jsonl"
# the onset right behind them, into the empty bucket
echo '{"topic": "t/chatty", "payload": {"alarm": true, "battery": 90}}' >>"$T/chatty.jsonl"
f0=$(status_get 's["counters"]["flood_dropped"]')
tc=$(now_ms)
pubpy --file "$T/chatty.jsonl" >"$T/chatty.out" 2>&1
tc1=$(now_ms)
check "the chatty device published all $((R + 1))" "$(cat "$T/chatty.out")" grep -q "published $((R + 1))" "$T/chatty.out"
wait_for '[ "$(( $(dev chatty accepted) + $(dev chatty flood_dropped) ))" = '"$((R + 1))"' ]' 15
acc=$(dev chatty accepted)
drop=$(dev chatty flood_dropped)
f1=$(status_get 's["counters"]["flood_dropped"]')
info "chatty: sent $((R + 1)) in $((tc1 - tc)) ms, accepted $acc, dropped $drop"
check "repeats of a set flag are dropped over the rate (flood_dropped rises)" \
	"status flood_dropped $f0 -> $f1" [ "$((f1 - f0))" -ge $((R - 2 - 2 * (tc1 - tc + 999) / 1000 - 1)) ]
# burst 2 + 2/s, the tamper onset is in the burst, the alarm onset jumps
max=$(( 2 + 2 * (tc1 - tc + 999) / 1000 + 1 ))
check "accepted within burst + rate x time (+ the onset)" "accepted $acc > $max" [ "$acc" -le "$max" ]
check "the tamper flag's onset passed (tamper raised once)" "no tamper for chatty" \
	wait_for 'upstream_has tamper raised chatty' 10
check "the alarm's onset behind them passed the empty bucket (smoke_alarm raised)" \
	"no smoke_alarm for chatty" wait_for 'upstream_has smoke_alarm raised chatty' 10
check "hazardd is alive at the end" "exited" hz_alive

kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
echo "$N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
