#!/usr/bin/env bash
# t_lifecycle.sh: alarms, faults and the hazard life cycle end to end
# against real brokers.  A gas leak at a restaurant is an alarm and, by the
# built-in hazard_at_once rule, a hazard at once (reason alarm, source the
# alarm).  The alarm is acknowledged and verified; the hazard is
# acknowledged (签收), reported in rectification, its condition normal
# again with its alarm (normal_since), submitted and written off by
# someone else through hazardctl; the upstream broker receives every
# event of both, in order, with actor and note; illegal moves are refused.
# A smoke alarm at a charging station waits for a person: verified false
# it stays an alarm, verified real it opens a hazard; a device's test press
# is verified "test" by hazardd.  Three alarms of one type at one device
# within the window raise a hazard by recurrence; a gas hazard back after
# its write-off is linked to it but not graded up by that; a gas level
# rising to the high threshold updates the alarm and makes its hazard
# major.  A fault left active past its limit becomes a hazard, which
# escalates once past its deadline with its priority raised.  Then, under
# libfaketime, the wall clock jumps +1 day and -1 hour mid-run and no
# debounce (hold) or offline decision moves.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
ME=$(id -un)

# smoke-r's three alarms within seconds are the recurrence under test,
# not a flapping detector: flap detection is off for it.
# site-1 is a restaurant, site-2 a charging station (lib.sh).  A
# low_battery fault becomes a hazard after 0.0005 h (1.8 s) and that
# hazard is due 1.8 s later: the escalation is quick to see.
write_config "$T/hazardd.json" \
	'deadlines={"major_h": 24, "general_h": 168, "recurrence_window_h": 720, "types": {"low_battery": 0.0005}}' \
	'records={"fault_limit_h": {"low_battery": 0.0005}, "normal_before_submit_h": 0}' \
	'priorities={"tamper": "low"}' <<'EOF'
{"id": "gas-1",   "kind": "gas_detector"}
{"id": "batt-1",  "kind": "smoke_alarm"}
{"id": "smoke-2", "kind": "smoke_alarm", "site": "site-2"}
{"id": "smoke-r", "kind": "smoke_alarm", "site": "site-2", "rules": {"flap_count": 0}}
{"id": "gas-t",   "kind": "gas_detector", "rules": {"hold_s": 0}}
EOF
if ! start_hazardd "$T/hazardd.json"; then
	fail "hazardd starts" "see the log"
	exit 1
fi
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10

# rid KIND DEVICE [TYPE]: the id of the newest record of that kind
rid() {
	db "SELECT id FROM hazards WHERE kind='$1' AND device='$2' ${3:+AND type='$3'}
	    ORDER BY raised_at_ms DESC, rowid DESC LIMIT 1"
}
# events KIND ID: the upstream events of one record as [(event, actor, note)]
events() {
	rec_py 'print([(r.get("event"), r.get("actor"), r.get("note")) for r in recs
       if r["_kind"] == sys.argv[3] and r["_id"] == sys.argv[4]])' "$1" "$2"
}

# ------------------------------------------------------------ a restaurant gas leak

pub_repeat gas-1 '{"gas_lel": 30}' 3 0.3; P=$LAST_BG
if wait_for 'upstream_has gas_leak raised gas-1' 15; then
	pass "gas alarm raised upstream"
else
	fail "gas alarm raised upstream" "nothing after 15 s"
fi
stop_bg "$P"
AID=$(rid alarm gas-1)
HID=$(rid hazard gas-1)
check "alarm id is <epoch>-A1" "'$AID'" grep -qE '^[0-9a-f]+-A1$' <<<"$AID"
check "a hazard at once for a gas leak at a restaurant, id <epoch>-H1" \
	"$(db "SELECT id, kind, state FROM hazards" | tr '\n' ' ')" grep -qE '^[0-9a-f]+-H1$' <<<"$HID"
check "the hazard: open, general, reason alarm, source the alarm" \
	"$(db "SELECT state, severity, reason, source FROM hazards WHERE id='$HID'")" \
	test "$(db "SELECT state || ' ' || severity || ' ' || reason || ' ' || source FROM hazards WHERE id='$HID'")" = \
	     "open general alarm $AID"
check "the hazard counts its alarm once (occurrences 1)" "$(db "SELECT occurrences FROM hazards WHERE id='$HID'")" \
	test "$(db "SELECT occurrences FROM hazards WHERE id='$HID'")" = 1
check "upstream: the alarm raised on .../alarm, v2, level low" "$(rec_py 'print(al[:1])')" \
	wait_for "rec_py 'a = [x for x in al if x.get(\"alarm_id\") == sys.argv[3] and x.get(\"event\") == \"raised\"]
sys.exit(0 if a and a[0].get(\"v\") == 2 and a[0].get(\"level\") == \"low\" and \"hazard_id\" not in a[0] else 1)' '$AID'" 10
check "upstream: the hazard raised on .../hazard with reason and source" "$(rec_py 'print(hz[:1])')" \
	wait_for "rec_py 'h = [x for x in hz if x.get(\"hazard_id\") == sys.argv[3] and x.get(\"event\") == \"raised\"]
sys.exit(0 if h and h[0].get(\"v\") == 2 and h[0].get(\"reason\") == \"alarm\" and h[0].get(\"source\") == sys.argv[4]
         and h[0].get(\"severity\") == \"general\" and h[0].get(\"deadline\") else 1)' '$HID' '$AID'" 10

# the alarm: acknowledged, verified; never closed
out=$(ctl ack "$AID" --note "on my way" 2>&1)
check "alarm ack accepted" "$out" [ $? = 0 ]
check "alarm ack prints the state" "$out" grep -q "acknowledged (state acknowledged)" <<<"$out"
out=$(ctl ack "$AID" 2>&1); rc=$?
check "second alarm ack refused (exit 1)" "rc $rc: $out" [ "$rc" = 1 ]
check "second alarm ack says why" "$out" grep -q "alarm $AID is acknowledged: already acknowledged" <<<"$out"
out=$(ctl close "$AID" --note "done" 2>&1); rc=$?
check "an alarm cannot be closed" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "an alarm is acknowledged and verified, not closed"' "$rc" "$out"
out=$(ctl verify-alarm "$AID" real --note "hose cracked" 2>&1)
check "verify-alarm real accepted" "$out" grep -q "alarm $AID verified real" <<<"$out"
out=$(ctl verify-alarm "$AID" false 2>&1); rc=$?
check "a second verification refused" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "already verified real"' "$rc" "$out"
out=$(ctl verify-alarm "$AID" maybe 2>&1); rc=$?
check "verify-alarm with an unknown verdict is a usage error (exit 2)" "rc $rc: $out" [ "$rc" = 2 ]
check "verified real: still one gas hazard (the same condition)" \
	"$(db "SELECT id, reason FROM hazards WHERE kind='hazard' AND device='gas-1'" | tr '\n' ' ')" \
	test "$(db "SELECT count(*) FROM hazards WHERE kind='hazard' AND device='gas-1'")" = 1
out=$(ctl show "no-such-id" 2>&1); rc=$?
check "an unknown id: no such alarm, fault or hazard" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "no such alarm, fault or hazard"' "$rc" "$out"

# the hazard: acknowledged (签收), rectifying, normal with its alarm, submitted, closed
out=$(ctl ack "$HID" --note "taken on" 2>&1)
check "hazard ack accepted" "$out" [ $? = 0 ]
check "hazard ack (签收) prints the state, still open" "$out" grep -q "acknowledged (state open)" <<<"$out"
out=$(ctl ack "$HID" 2>&1); rc=$?
check "second hazard ack refused (exit 1)" "rc $rc: $out" [ "$rc" = 1 ]
check "second hazard ack says why" "$out" grep -q "is open: already acknowledged" <<<"$out"
out=$(ctl close "$HID" --note "done" 2>&1); rc=$?
check "close before a submit refused" "rc $rc: $out" [ "$rc" = 1 ]
check "close refusal says why" "$out" grep -q "is open: not submitted" <<<"$out"
out=$(ctl submit "$HID" --note "done" 2>&1); rc=$?
check "submit while the gas is on refused" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "its condition is on"' "$rc" "$out"
out=$(ctl verify-alarm "$HID" real 2>&1); rc=$?
check "verify-alarm on a hazard refused" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "verify-alarm is for alarms"' "$rc" "$out"
out=$(ctl rectifying "$HID" --note "hose being replaced" --actor fitter-7 2>&1)
check "rectifying accepted" "$out" [ $? = 0 ]
check "state rectifying in the database" "$(db "SELECT state FROM hazards WHERE id='$HID'")" \
	[ "$(db "SELECT state FROM hazards WHERE id='$HID'")" = rectifying ]
out=$(ctl rectifying "$HID" --evidence x 2>&1); rc=$?
check "--evidence only with submit and close (usage, exit 2)" "rc $rc: $out" [ "$rc" = 2 ]

# a restart keeps the condition known as on: the alarm ends, the
# rectifying hazard's condition is normal again (normal_since)
kill_hazardd
start_hazardd "$T/hazardd.json" || { fail "restart" "see the log"; exit 1; }
pub_repeat gas-1 '{"gas_lel": 1}' 3 0.3; P=$LAST_BG
check "alarm ended (after a restart)" "no ended event" \
	wait_for 'upstream_has gas_leak ended gas-1' 15
check "hazard's condition normal with its alarm (cleared event)" "no cleared event" \
	wait_for 'upstream_has gas_leak cleared gas-1' 15
stop_bg "$P"
check "states: alarm ended, hazard still rectifying, normal since the end" \
	"$(db "SELECT id, state, cleared_at_ms FROM hazards" | tr '\n' ' ')" \
	test "$(db "SELECT state FROM hazards WHERE id='$AID'")/$(db "SELECT state || ' ' || (cleared_at_ms > 0) FROM hazards WHERE id='$HID'")" = "ended/rectifying 1"
out=$(ctl submit "$HID" --note "valve and hose replaced" --evidence "photo 42: new hose, 0 %LEL" 2>&1)
check "submit with evidence accepted" "$out" [ $? = 0 ]
check "submit prints submitted" "$out" grep -q "hazard $HID submitted for re-inspection (state submitted)" <<<"$out"
out=$(ctl close "$HID" --note "holds at 0 %LEL" 2>&1); rc=$?
check "the submitter cannot write it off (close is verify pass)" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "submitted by $2, who cannot re-inspect it"' "$rc" "$out" "$ME"
out=$(ctl close "$HID" --note "holds at 0 %LEL" --actor inspector-9 2>&1)
check "close by someone else accepted" "$out" [ $? = 0 ]
check "close prints closed" "$out" grep -q "hazard $HID closed" <<<"$out"
check "closed upstream" "no closed event" wait_for 'upstream_has gas_leak closed gas-1' 10
out=$(ctl ack "$HID" 2>&1); rc=$?
check "ack after close refused" "rc $rc: $out" [ "$rc" = 1 ]
check "refusal names the closed state" "$out" \
	grep -q "hazard $HID is closed; cannot acknowledge" <<<"$out"
out=$(ctl show "$HID" 2>&1)
check "hazardctl show: the operator's evidence" "$out" grep -q "photo 42" <<<"$out"
check "hazardctl show: the trigger values" "$out" grep -q "gas_lel" <<<"$out"
out2=$(ctl hazard "$HID" 2>&1)
check "hazardctl hazard ID still shows the hazard" "$out2" grep -q "photo 42" <<<"$out2"
out=$(ctl show "$AID" 2>&1)
check "hazardctl show on the alarm: verdict and response" "$out" \
	sh -c 'echo "$1" | grep -q "verdict: *real" && echo "$1" | grep -q "response_s"' _ "$out"

# upstream: the events of both records in order, with actors and notes
check "upstream hazard events in order with actors and notes" "$(events hazard "$HID")" \
	test "$(events hazard "$HID")" = "[('raised', 'hazardd', None), ('acknowledged', '$ME', 'taken on'), ('rectifying', 'fitter-7', 'hose being replaced'), ('cleared', 'hazardd', None), ('submitted', '$ME', 'valve and hose replaced'), ('closed', 'inspector-9', 'holds at 0 %LEL')]"
check "upstream alarm events in order with actors and notes" "$(events alarm "$AID")" \
	test "$(events alarm "$AID")" = "[('raised', 'hazardd', None), ('acknowledged', '$ME', 'on my way'), ('verified', '$ME', 'hose cracked'), ('ended', 'hazardd', None)]"
check "alarm acknowledged event: acknowledged_at and response_s" "fields missing" rec_py '
a = [x for x in al if x.get("alarm_id") == sys.argv[3] and x.get("event") == "acknowledged"]
sys.exit(0 if a and a[0].get("state") == "acknowledged" and a[0].get("acknowledged_at")
         and a[0].get("response_s", -1) >= 0 else 1)' "$AID"
check "alarm verified event: verdict real and verified_at" "fields missing" rec_py '
a = [x for x in al if x.get("alarm_id") == sys.argv[3] and x.get("event") == "verified"]
sys.exit(0 if a and a[0].get("verdict") == "real" and a[0].get("verified_at") else 1)' "$AID"
check "closed event carries the evidence" "no evidence.operator" rec_py '
c = [h for h in hz if h.get("hazard_id") == sys.argv[3] and h.get("event") == "closed"]
ev = c[0].get("evidence", {}) if c else {}
sys.exit(0 if ev.get("operator") == "photo 42: new hose, 0 %LEL" and
         ev.get("trigger", {}).get("field") == "gas_lel" and
         ev.get("trigger", {}).get("raised") == 30 else 1)' "$HID"
check "hazard acknowledged event has acked_at and state" "fields missing" rec_py '
a = [h for h in hz if h.get("hazard_id") == sys.argv[3] and h.get("event") == "acknowledged"]
sys.exit(0 if a and a[0].get("state") == "open" and a[0].get("acked_at") else 1)' "$HID"

# ------------------------------------------------------------ alarms waiting for a person

# at a charging station a smoke alarm is no hazard until verified real
pub t/smoke-2 '{"smoke": true}'
check "smoke alarm raised at the charging station" "no raise" \
	wait_for 'upstream_has smoke_alarm raised smoke-2' 10
S1=$(rid alarm smoke-2)
sleep 0.5
check "no hazard before verification" "$(db "SELECT id FROM hazards WHERE kind='hazard' AND device='smoke-2'")" \
	test "$(db "SELECT count(*) FROM hazards WHERE kind='hazard' AND device='smoke-2'")" = 0
out=$(ctl verify-alarm "$S1" false --note "steam from the kettle" 2>&1)
check "verify-alarm false accepted" "$out" grep -q "alarm $S1 verified false" <<<"$out"
check "verified false: acknowledged too, no hazard" \
	"$(db "SELECT state, verdict, acked_at_ms > 0 FROM hazards WHERE device='smoke-2'" | tr '\n' ' ')" \
	test "$(db "SELECT state || ' ' || verdict || ' ' || (acked_at_ms > 0) FROM hazards WHERE device='smoke-2'")" = "acknowledged false 1"
pub t/smoke-2 '{"smoke": false}'
check "the false alarm ends with the smoke" "$(db "SELECT state FROM hazards WHERE id='$S1'")" \
	wait_for "[ \"\$(db \"SELECT state FROM hazards WHERE id='$S1'\")\" = ended ]" 10
pub t/smoke-2 '{"smoke": true}'
check "smoke again: a new alarm" "$(db "SELECT id, state FROM hazards WHERE device='smoke-2'" | tr '\n' ' ')" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE kind='alarm' AND device='smoke-2'\")\" = 2 ]" 10
S2=$(rid alarm smoke-2)
out=$(ctl verify-alarm "$S2" real --note "charger smouldering" --actor guard-2 2>&1)
check "verify-alarm real accepted" "$out" grep -q "alarm $S2 verified real" <<<"$out"
SH=$(rid hazard smoke-2)
check "verified real: a hazard, reason verified, source the alarm, open" \
	"$(db "SELECT id, state, reason, source FROM hazards WHERE kind='hazard' AND device='smoke-2'")" \
	test "$(db "SELECT state || ' ' || reason || ' ' || source || ' ' || severity FROM hazards WHERE id='$SH'")" = \
	     "open verified $S2 general"
check "upstream: the hazard raised by guard-2 with the note" "$(events hazard "$SH")" \
	wait_for "[ \"\$(events hazard '$SH')\" = \"[('raised', 'guard-2', 'charger smouldering')]\" ]" 10
pub t/smoke-2 '{"smoke": false}'
check "the smoke gone: alarm ended, its hazard open and normal again" "$(db "SELECT id, state, cleared_at_ms FROM hazards WHERE device='smoke-2'" | tr '\n' ' ')" \
	wait_for "[ \"\$(db \"SELECT state FROM hazards WHERE id='$S2'\")/\$(db \"SELECT state || (cleared_at_ms > 0) FROM hazards WHERE id='$SH'\")\" = ended/open1 ]" 10
# a test press: its smoke flag is no evidence and raises nothing ...
pub t/smoke-2 '{"smoke": true, "test": true}'
sleep 0.5
check "a smoke test press raises no alarm" "$(db "SELECT id, state FROM hazards WHERE kind='alarm' AND device='smoke-2'" | tr '\n' ' ')" \
	test "$(db "SELECT count(*) FROM hazards WHERE kind='alarm' AND device='smoke-2'")" = 2
# ... but an alarm a test press does raise (test gas on a detector with no
# hold) is verified "test" by hazardd at once: no hazard, not even at a
# restaurant
pub t/gas-t '{"gas_lel": 35, "test": true}'
check "a test press raising an alarm: verified test by hazardd" \
	"$(rec_py 'print([(a.get("event"), a.get("verdict"), a.get("actor")) for a in al if a.get("device") == "gas-t"])')" \
	wait_for "rec_py 'sys.exit(0 if [(a.get(\"event\"), a.get(\"verdict\"), a.get(\"actor\")) for a in al if a.get(\"device\") == \"gas-t\"]
	== [(\"raised\", None, \"hazardd\"), (\"verified\", \"test\", \"hazardd\")] else 1)'" 10
check "the test alarm opens no hazard" "$(db "SELECT id, kind, verdict FROM hazards WHERE device='gas-t'" | tr '\n' ' ')" \
	test "$(db "SELECT group_concat(kind || ':' || verdict) FROM hazards WHERE device='gas-t'")" = alarm:test
pub t/gas-t '{"gas_lel": 0}'

# ------------------------------------------------------------ recurrence

# three smoke alarms at one device within the window: a hazard
for i in 1 2 3; do
	pub t/smoke-r '{"smoke": true}'
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE kind='alarm' AND device='smoke-r'\")\" = $i ]" 10
	[ "$i" = 2 ] && check "two alarms: no hazard yet" "$(db "SELECT id FROM hazards WHERE kind='hazard' AND device='smoke-r'")" \
		test "$(db "SELECT count(*) FROM hazards WHERE kind='hazard' AND device='smoke-r'")" = 0
	pub t/smoke-r '{"smoke": false}'
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE kind='alarm' AND device='smoke-r' AND state='ended'\")\" = $i ]" 10
done
R3=$(rid alarm smoke-r)
check "the third alarm raised a hazard by recurrence, source the third alarm, general" \
	"$(db "SELECT id, state, reason, source, severity FROM hazards WHERE kind='hazard' AND device='smoke-r'")" \
	test "$(db "SELECT reason || ' ' || source || ' ' || severity FROM hazards WHERE kind='hazard' AND device='smoke-r'")" = \
	     "recurrence $R3 general"
check "the recurrence hazard normal again with its alarm, still open" "$(db "SELECT state, cleared_at_ms FROM hazards WHERE kind='hazard' AND device='smoke-r'")" \
	test "$(db "SELECT state || (cleared_at_ms > 0) FROM hazards WHERE kind='hazard' AND device='smoke-r'")" = open1

# the gas hazard back after its write-off: linked, not graded up by that
pub_repeat gas-1 '{"gas_lel": 30}' 3 0.3; P=$LAST_BG
check "gas back: a second hazard raised" "no second raise" wait_for "rec_py 'sys.exit(0 if len([h for h in hz if h.get(\"event\") == \"raised\" and h.get(\"device\") == \"gas-1\"]) >= 2 else 1)'" 15
stop_bg "$P"
A2=$(rid alarm gas-1)
H2=$(rid hazard gas-1)
check "a new alarm and a new hazard" "$AID/$A2 $HID/$H2" \
	sh -c '[ "$0" != "$1" ] && [ "$2" != "$3" ] && [ -n "$1" ] && [ -n "$3" ]' "$AID" "$A2" "$HID" "$H2"
check "recurrence after the write-off: recurrence true, earlier id, still general" "$(rec_py '
print([h for h in hz if h.get("event") == "raised" and h.get("device") == "gas-1"][-1:])')" rec_py '
r = [h for h in hz if h.get("event") == "raised" and h.get("device") == "gas-1"][-1]
sys.exit(0 if r.get("recurrence") is True and r.get("recurrence_of") == sys.argv[3]
         and r.get("severity") == "general" and r.get("hazard_id") == sys.argv[4]
         and r.get("reason") == "alarm" and r.get("source") == sys.argv[5] else 1)' "$HID" "$H2" "$A2"
check "the first raise was general and no recurrence" "$(rec_py 'print(hz[:1])')" rec_py '
r = [h for h in hz if h.get("hazard_id") == sys.argv[3] and h.get("event") == "raised"][0]
sys.exit(0 if r.get("severity") == "general" and "recurrence" not in r else 1)' "$HID"
check "status counts recurrences per site" "$(ctl --json status 2>&1 | jpy 'd.get("recurrences")')" \
	[ "$(status_get 's["recurrences"].get("site-1")')" = 1 ]
# the level rising to lel_high: the alarm is updated to high, its hazard major
pub_repeat gas-1 '{"gas_lel": 60}' 3 0.3; P=$LAST_BG
check "gas at the high level: the alarm updated to level high" \
	"$(rec_py 'print([(a.get("event"), a.get("level")) for a in al if a.get("alarm_id") == sys.argv[3]])' "$A2")" \
	wait_for "rec_py 'sys.exit(0 if any(a.get(\"alarm_id\") == sys.argv[3] and a.get(\"event\") == \"updated\"
	and a.get(\"level\") == \"high\" for a in al) else 1)' '$A2'" 10
stop_bg "$P"
check "its hazard graded major" "$(db "SELECT severity FROM hazards WHERE id='$H2'")" \
	wait_for "[ \"\$(db \"SELECT severity FROM hazards WHERE id='$H2'\")\" = major ]" 10
pub_repeat gas-1 '{"gas_lel": 1}' 2 0.3; P=$LAST_BG
wait_for "[ \"\$(db \"SELECT state FROM hazards WHERE id='$A2'\")\" = ended ]" 10
stop_bg "$P"

# ------------------------------------------------------------ fault limit and deadline

pub t/batt-1 '{"battery": 5}'
check "low_battery fault raised" "no raise" wait_for 'upstream_has low_battery raised batt-1' 10
FID=$(rid fault batt-1)
check "fault id is <epoch>-F1" "'$FID'" grep -qE '^[0-9a-f]+-F1$' <<<"$FID"
out=$(ctl ack "$FID" 2>&1); rc=$?
check "a fault cannot be acknowledged" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "a fault clears when its cause does, or is dismissed"' "$rc" "$out"
check "past its limit the fault raised a hazard (reason fault_limit)" "$(events hazard "$(rid hazard batt-1)")" \
	wait_for "[ \"\$(db \"SELECT reason || ' ' || source FROM hazards WHERE kind='hazard' AND device='batt-1'\")\" = 'fault_limit $FID' ]" 10
check "overdue hazard escalated" "no escalated event" \
	wait_for 'upstream_has low_battery escalated batt-1' 10
sleep 2.5
check "escalated once, overdue, priority minor -> serious" "$(rec_py '
print([(h.get("event"), h.get("overdue"), h.get("priority")) for h in hz if h.get("device") == "batt-1"])')" rec_py '
e = [(h.get("event"), h.get("overdue"), h.get("priority")) for h in hz if h.get("device") == "batt-1"]
sys.exit(0 if e == [("raised", None, "minor"), ("escalated", True, "serious")] else 1)'
check "the fault itself neither escalates nor is overdue" \
	"$(rec_py 'print([f.get("event") for f in ft if f.get("device") == "batt-1"])')" \
	test "$(rec_py 'print([f.get("event") for f in ft if f.get("device") == "batt-1"])')/$(db "SELECT overdue FROM hazards WHERE id='$FID'")" = "['raised']/0"
check "overdue in the database" "not marked" \
	[ "$(db "SELECT overdue FROM hazards WHERE kind='hazard' AND device='batt-1'")" = 1 ]
out=$(ctl dismiss "$FID" 2>&1); rc=$?
check "dismiss without a note refused" "rc $rc: $out" [ "$rc" != 0 ]
out=$(ctl dismiss "$FID" --note "battery replaced, reading stuck" 2>&1)
check "dismiss with a note accepted" "$out" test "$(db "SELECT state FROM hazards WHERE id='$FID'")" = dismissed
check "dismissed upstream with the note" "$(events fault "$FID")" \
	wait_for "[ \"\$(events fault '$FID')\" = \"[('raised', 'hazardd', None), ('dismissed', '$ME', 'battery replaced, reading stuck')]\" ]" 10

kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]

# ------------------------------------------------------------ wall-clock jumps

FT_LIB=
for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
	 /usr/lib/*/faketime/libfaketime.so.1; do
	[ -f "$f" ] && { FT_LIB=$f; break; }
done
if [ -z "$FT_LIB" ]; then
	# the rest has run; only this part cannot (tools/deps.sh installs it)
	echo "SKIP: libfaketime not installed (package faketime): wall-clock jump part"
	exit 0
fi

# gas hold 3 s, heartbeat 4 s; a jump that the code measured on the wall
# clock would raise gas after one more reading, or the device offline
# a fresh database on purpose: its high-water mark goes with the old one
mv "$T/hazardd.db" "$T/before-jumps.db"
rm -f "$T/hazardd.db-wal" "$T/hazardd.db-shm" "$T/hazardd.db.hwm"
write_config "$T/hazardd.json" 'rules.gas_detector.hold_s=3' <<'EOF'
{"id": "gas-j", "kind": "gas_detector"}
{"id": "hb-j",  "kind": "smoke_alarm", "heartbeat_s": 4}
EOF
echo "+0" >"$T/faketime"
export FAKETIME_TIMESTAMP_FILE=$T/faketime FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
LD_PRELOAD=$FT_LIB start_hazardd "$T/hazardd.json" || { fail "hazardd starts under libfaketime" "see the log"; exit 1; }
unset FAKETIME_TIMESTAMP_FILE FAKETIME_DONT_FAKE_MONOTONIC FAKETIME_NO_CACHE
pub_repeat hb-j '{"battery": 90}' 14 1; P_HB=$LAST_BG
sleep 1
pub t/gas-j '{"gas_lel": 30}'           # the hold starts
sleep 1
echo "+1d" >"$T/faketime"              # wall clock one day ahead
pub t/gas-j '{"gas_lel": 31}'           # 1 s of hold on the monotonic clock
sleep 1
pub t/gas-j '{"gas_lel": 5}'            # gone before the 3 s hold
sleep 2
echo "-1h" >"$T/faketime"              # and then an hour behind real time
sleep 5
pub t/gas-j '{"gas_lel": 5}'
sleep 1
ahead=$(db "SELECT count(*) FROM readings WHERE ts_ms > $(now_ms) + 20 * 3600000")
check "the jump reached hazardd (records stamped a day ahead)" "none ahead" [ "$ahead" -ge 1 ]
check "no gas alarm or hazard: the hold ran on the monotonic clock" \
	"$(db "SELECT kind, type FROM hazards")" [ "$(db "SELECT count(*) FROM hazards WHERE type='gas_leak'")" = 0 ]
check "no offline: heartbeats kept it online across both jumps" \
	"$(db "SELECT type, raised_at_ms FROM hazards")" \
	[ "$(db "SELECT count(*) FROM hazards WHERE type='device_offline' AND device='hb-j'")" = 0 ]
stop_bg "$P_HB"
# positive controls: the same rules still decide when they should
pub_repeat gas-j '{"gas_lel": 30}' 5 0.5; P=$LAST_BG
check "control: gas held 3 s raises the alarm and, at the restaurant, the hazard" \
	"$(db "SELECT kind, type FROM hazards" | tr '\n' ' ')" \
	wait_for "[ \"\$(db \"SELECT group_concat(kind) FROM (SELECT kind FROM hazards WHERE type='gas_leak' ORDER BY kind)\")\" = alarm,hazard ]" 10
stop_bg "$P"
check "control: silence past heartbeat_s raises the offline fault" "not raised" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE kind='fault' AND type='device_offline' AND device='hb-j'\")\" = 1 ]" 10
trusted=$(db "SELECT clock_trusted FROM hazards WHERE type='gas_leak' AND kind='alarm'")
info "clock_trusted of the alarm raised under a shifted clock: $trusted"
kill_hazardd
