#!/usr/bin/env bash
# t_lifecycle.sh: the hazard life cycle end to end against real brokers.
# A gas hazard raised by a device is acknowledged, reported in
# rectification and written off through hazardctl; the upstream broker
# receives every event in order with its actor and note; illegal moves are
# refused; the same hazard coming back after the write-off is raised as a
# recurrence one grade higher; an overdue hazard escalates once with its
# priority raised.  Then, under libfaketime, the wall clock jumps +1 day
# and -1 hour mid-run and no debounce (hold) or offline decision moves.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
ME=$(id -un)

# low_battery is due after 0.0005 h (1.8 s): the escalation is quick to see
write_config "$T/hazardd.json" \
	'deadlines={"major_h": 24, "general_h": 168, "recurrence_window_h": 720, "types": {"low_battery": 0.0005}}' \
	'priorities={"tamper": "low"}' <<'EOF'
{"id": "gas-1",  "kind": "gas_detector"}
{"id": "batt-1", "kind": "smoke_alarm"}
EOF
if ! start_hazardd "$T/hazardd.json"; then
	fail "hazardd starts" "see the log"
	exit 1
fi
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10

# ------------------------------------------------------------ person moves

pub_repeat gas-1 '{"gas_lel": 30}' 3 0.3; P=$LAST_BG
if wait_for 'upstream_has gas_leak raised gas-1' 15; then
	pass "gas raised upstream"
else
	fail "gas raised upstream" "nothing after 15 s"
fi
stop_bg "$P"
HID=$(db "SELECT id FROM hazards WHERE device='gas-1' AND state != 'closed'")
check "hazard id known" "no open hazard in the database" [ -n "$HID" ]

out=$(ctl ack "$HID" --note "on my way" 2>&1)
check "ack accepted" "$out" [ $? = 0 ]
check "ack prints the state" "$out" grep -q "acknowledged (state acknowledged)" <<<"$out"
out=$(ctl ack "$HID" 2>&1); rc=$?
check "second ack refused (exit 1)" "rc $rc: $out" [ "$rc" = 1 ]
check "second ack says why" "$out" grep -q "is acknowledged: already acknowledged" <<<"$out"
out=$(ctl close "$HID" --note "done" 2>&1); rc=$?
check "close while active refused" "rc $rc: $out" [ "$rc" = 1 ]
check "close refusal says why" "$out" grep -q "has not cleared; cannot close" <<<"$out"
out=$(ctl rectifying "$HID" --note "hose being replaced" --actor fitter-7 2>&1)
check "rectifying accepted" "$out" [ $? = 0 ]
check "state rectifying in the database" "$(db "SELECT state FROM hazards WHERE id='$HID'")" \
	[ "$(db "SELECT state FROM hazards WHERE id='$HID'")" = rectifying ]
out=$(ctl rectifying "$HID" --evidence x 2>&1); rc=$?
check "--evidence only with close (usage, exit 2)" "rc $rc: $out" [ "$rc" = 2 ]

# a restart keeps the condition known as on: a rectifying hazard still clears
kill_hazardd
start_hazardd "$T/hazardd.json" || { fail "restart" "see the log"; exit 1; }
pub_repeat gas-1 '{"gas_lel": 1}' 3 0.3; P=$LAST_BG
check "cleared from rectifying (after a restart)" "no cleared event" \
	wait_for 'upstream_has gas_leak cleared gas-1' 15
stop_bg "$P"
out=$(ctl close "$HID" --note "valve and hose replaced" --evidence "photo 42: new hose, 0 %LEL" 2>&1)
check "close with evidence accepted" "$out" [ $? = 0 ]
check "close prints closed" "$out" grep -q "hazard $HID closed" <<<"$out"
check "closed upstream" "no closed event" wait_for 'upstream_has gas_leak closed gas-1' 10
out=$(ctl ack "$HID" 2>&1); rc=$?
check "ack after close refused" "rc $rc: $out" [ "$rc" = 1 ]
check "refusal names the closed state" "$out" \
	grep -q "hazard $HID is closed; cannot acknowledge" <<<"$out"
out=$(ctl hazard "$HID" 2>&1)
check "hazardctl hazard shows the operator's evidence" "$out" grep -q "photo 42" <<<"$out"
check "hazardctl hazard shows the trigger values" "$out" grep -q "gas_lel" <<<"$out"

# upstream: the events of this hazard in order, with actors and notes
check "upstream events in order with actors and notes" "$(rec_py '
print([(h.get("event"), h.get("actor"), h.get("note")) for h in hz if h.get("hazard_id") == sys.argv[3]])' "$HID")" \
	rec_py '
hid, me = sys.argv[3], sys.argv[4]
got = [(h.get("event"), h.get("actor"), h.get("note")) for h in hz if h.get("hazard_id") == hid]
want = [("raised", "hazardd", None), ("acknowledged", me, "on my way"),
        ("rectifying", "fitter-7", "hose being replaced"), ("cleared", "hazardd", None),
        ("closed", me, "valve and hose replaced")]
sys.exit(0 if got == want else 1)' "$HID" "$ME"
check "closed event carries the evidence" "no evidence.operator" rec_py '
c = [h for h in hz if h.get("hazard_id") == sys.argv[3] and h.get("event") == "closed"]
ev = c[0].get("evidence", {}) if c else {}
sys.exit(0 if ev.get("operator") == "photo 42: new hose, 0 %LEL" and
         ev.get("trigger", {}).get("field") == "gas_lel" and
         ev.get("trigger", {}).get("raised") == 30 else 1)' "$HID"
check "acknowledged event has acked_at and state" "fields missing" rec_py '
a = [h for h in hz if h.get("hazard_id") == sys.argv[3] and h.get("event") == "acknowledged"]
sys.exit(0 if a and a[0].get("state") == "acknowledged" and a[0].get("acked_at") else 1)' "$HID"

# ------------------------------------------------------------ recurrence

pub_repeat gas-1 '{"gas_lel": 30}' 3 0.3; P=$LAST_BG
check "recurrence raised" "no second raise" wait_for "rec_py 'sys.exit(0 if len([h for h in hz if h.get(\"event\") == \"raised\" and h.get(\"device\") == \"gas-1\"]) >= 2 else 1)'" 15
stop_bg "$P"
check "recurrence: recurrence true, earlier id, major" "$(rec_py '
print([h for h in hz if h.get("event") == "raised" and h.get("device") == "gas-1"][-1:])')" rec_py '
r = [h for h in hz if h.get("event") == "raised" and h.get("device") == "gas-1"][-1]
sys.exit(0 if r.get("recurrence") is True and r.get("recurrence_of") == sys.argv[3]
         and r.get("severity") == "major" and r.get("hazard_id") != sys.argv[3] else 1)' "$HID"
check "the first raise was general and no recurrence" "$(rec_py 'print(hz[:1])')" rec_py '
r = [h for h in hz if h.get("hazard_id") == sys.argv[3] and h.get("event") == "raised"][0]
sys.exit(0 if r.get("severity") == "general" and "recurrence" not in r else 1)' "$HID"
check "status counts recurrences per site" "$(ctl status 2>&1 | grep -i recurr)" \
	[ "$(status_get 's["recurrences"].get("site-1")')" = 1 ]

# ------------------------------------------------------------ deadline

pub t/batt-1 '{"battery": 5}'
check "low_battery raised" "no raise" wait_for 'upstream_has low_battery raised batt-1' 10
check "overdue low_battery escalated" "no escalated event" \
	wait_for 'upstream_has low_battery escalated batt-1' 10
sleep 2.5
check "escalated once, overdue, priority minor -> serious" "$(rec_py '
print([(h.get("event"), h.get("overdue"), h.get("priority")) for h in hz if h.get("device") == "batt-1"])')" rec_py '
e = [(h.get("event"), h.get("overdue"), h.get("priority")) for h in hz if h.get("device") == "batt-1"]
sys.exit(0 if e == [("raised", None, "minor"), ("escalated", True, "serious")] else 1)'
check "overdue in the database" "not marked" \
	[ "$(db "SELECT overdue FROM hazards WHERE device='batt-1'")" = 1 ]

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
mv "$T/hazardd.db" "$T/before-jumps.db"
rm -f "$T/hazardd.db-wal" "$T/hazardd.db-shm"
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
check "no gas hazard: the hold ran on the monotonic clock" \
	"$(db "SELECT type FROM hazards")" [ "$(db "SELECT count(*) FROM hazards WHERE type='gas_leak'")" = 0 ]
check "no offline: heartbeats kept it online across both jumps" \
	"$(db "SELECT type, raised_at_ms FROM hazards")" \
	[ "$(db "SELECT count(*) FROM hazards WHERE type='device_offline' AND device='hb-j'")" = 0 ]
stop_bg "$P_HB"
# positive controls: the same rules still decide when they should
pub_repeat gas-j '{"gas_lel": 30}' 5 0.5; P=$LAST_BG
check "control: gas held 3 s is raised" "not raised" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE type='gas_leak'\")\" = 1 ]" 10
stop_bg "$P"
check "control: silence past heartbeat_s raises offline" "not raised" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE type='device_offline' AND device='hb-j'\")\" = 1 ]" 10
trusted=$(db "SELECT clock_trusted FROM hazards WHERE type='gas_leak'")
info "clock_trusted of the hazard raised under a shifted clock: $trusted"
kill_hazardd
