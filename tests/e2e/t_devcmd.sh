#!/usr/bin/env bash
# t_devcmd.sh: device commands through real mosquitto.  An interlock on
# charger_overtemp cuts each charger's own plug: the command appears on the
# local broker with the exact topic and payload of its ecosystem
# (zigbee2mqtt, Tasmota, Shelly Gen1 and Gen2, native); simulated plugs
# that answer confirm it (the alarm gets an "updated" event saying so),
# one that stays silent yields a command_failed fault, urgent since an
# interlock sent the command.  A latched
# cut is sent again after a restart and after a broker reconnect, refuses
# `hazardctl switch ... on` until `hazardctl reset`, and `hazardctl switch`
# then switches the plug back on, confirmed.
# The database keeps the actions and their confirmation as "action" events
# (hazardctl show ID), an operator's switch on the active command_failed
# fault, and each device's last command across a restart.  A newer command
# the plug confirms clears that fault; the next failure is a new fault,
# which an operator can dismiss with a note.  A reload keeps
# the commands waiting (a silent plug still fails, an answering one still
# confirms; a removed device's command is dropped and logged), and a
# flooding plug's confirming report passes its empty bucket.
source "$(dirname "$0")/lib.sh"

CMDS=$T/commands.jsonl
start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

# simulated plugs: all but the native one (t/bay5) answer
"${GUARD[@]}" $PY "$E2E/plugsim.py" --port "$PORT_local" --out "$CMDS" --ready "$T/plugsim.ready" \
	--answer zigbee2mqtt/ --answer cmnd/ --answer shellies/ --answer bay4pm/ \
	>>"$T/plugsim.log" 2>&1 &
BG_PIDS+=($!)
wait_for "[ -f '$T/plugsim.ready' ]" 10 || { fail setup "device simulator did not subscribe"; exit 1; }

IL='[
 {"hazard": "charger_overtemp", "device": "z-plug",  "actions": [{"device": "z-plug",  "set": "off"}]},
 {"hazard": "charger_overtemp", "device": "t-plug",  "actions": [{"device": "t-plug",  "set": "off"}]},
 {"hazard": "charger_overtemp", "device": "s1-plug", "actions": [{"device": "s1-plug", "set": "off"}]},
 {"hazard": "charger_overtemp", "device": "s2-plug", "actions": [{"device": "s2-plug", "set": "off"}]},
 {"hazard": "charger_overtemp", "device": "n-plug",  "actions": [{"device": "n-plug",  "set": "off"}]}
]'
write_config "$T/hazardd.json" 'rules.ebike_charger.hold_s=0' "interlocks=$IL" <<'EOF'
{"id": "z-plug",  "kind": "ebike_charger", "format": "zigbee2mqtt", "topic": "zigbee2mqtt/bay1_plug", "confirm_s": 3}
{"id": "t-plug",  "kind": "ebike_charger", "format": "tasmota", "topic": "tele/bay2/SENSOR", "confirm_s": 3}
{"id": "s1-plug", "kind": "ebike_charger", "format": "shelly", "topic": "shellies/bay3", "confirm_s": 3}
{"id": "s2-plug", "kind": "ebike_charger", "format": "shelly", "topic": "bay4pm/status/switch:0", "confirm_s": 3}
{"id": "n-plug",  "kind": "ebike_charger", "topic": "t/bay5", "confirm_s": 3}
EOF

# a device action naming a device without commands is a config error
write_config "$T/bad.json" 'interlocks=[{"hazard": "smoke_alarm", "actions": [{"device": "odd", "set": "off"}]}]' <<'EOF'
{"id": "odd", "kind": "ebike_charger", "format": "tasmota", "topic": "pow/odd/tele"}
EOF
out=$("$HAZARDD" --check-config -c "$T/bad.json" 2>&1)
check "config: a device whose command topic cannot be derived is refused" "$out" \
	grep -q 'interlocks\[0\].actions\[0\].device: device "odd" cannot be switched' <<<"$out"
write_config "$T/bad2.json" 'interlocks=[{"hazard": "smoke_alarm", "actions": [{"device": "nope", "set": "off"}]}]' </dev/null
out=$("$HAZARDD" --check-config -c "$T/bad2.json" 2>&1)
check "config: an unknown device in an action is refused" "$out" \
	grep -q 'unknown device "nope"' <<<"$out"

start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
sleep 0.5

# cmd_seen TOPIC PAYLOAD [MIN]: the simulator recorded that command (MIN times)
cmd_seen() {
	$PY - "$CMDS" "$1" "$2" "${3:-1}" <<'EOF'
import json, sys
path, topic, payload, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = 0
for line in open(path, encoding="utf-8"):
    m = json.loads(line)
    if m["topic"] == topic and m["payload"] == payload:
        c += 1
sys.exit(0 if c >= n else 1)
EOF
}
cmd_count() {
	$PY - "$CMDS" "$1" <<'EOF'
import json, sys
print(sum(1 for l in open(sys.argv[1], encoding="utf-8") if json.loads(l)["topic"] == sys.argv[2]))
EOF
}

# ---- overtemp on every plug
pub zigbee2mqtt/bay1_plug '{"temperature": 75, "state": "ON"}'
pub tele/bay2/SENSOR '{"DS18B20": {"Temperature": 75}}'
pub shellies/bay3/temperature '75'
pub bay4pm/status/switch:0 '{"id": 0, "output": true, "temperature": {"tC": 75}}'
pub t/bay5 '{"temp_c": 75, "relay": true}'

GEN2='{"id":[0-9]+,"src":"hazardd-gw-e2e-01","method":"Switch.Set","params":{"id":0,"on":false}}'
check "zigbee2mqtt: {\"state\":\"OFF\"} on zigbee2mqtt/bay1_plug/set" "not seen" \
	wait_for 'cmd_seen zigbee2mqtt/bay1_plug/set "{\"state\":\"OFF\"}"' 10
check "tasmota: OFF on cmnd/bay2/POWER" "not seen" \
	wait_for 'cmd_seen cmnd/bay2/POWER OFF' 10
check "shelly gen1: off on shellies/bay3/relay/0/command" "not seen" \
	wait_for 'cmd_seen shellies/bay3/relay/0/command off' 10
check "native: {\"relay\":false} on t/bay5/set" "not seen" \
	wait_for 'cmd_seen t/bay5/set "{\"relay\":false}"' 10
gen2_ok() {
	$PY - "$CMDS" "$GEN2" <<'EOF'
import json, re, sys
sys.exit(0 if any(json.loads(l)["topic"] == "bay4pm/rpc" and re.fullmatch(sys.argv[2], json.loads(l)["payload"])
                  for l in open(sys.argv[1], encoding="utf-8")) else 1)
EOF
}
check "shelly gen2: Switch.Set on=false on bay4pm/rpc" "$(cat "$CMDS" 2>/dev/null | grep rpc)" \
	wait_for gen2_ok 10

# ---- the alarm event records what was sent
acts_ok() {
	rec_py '
dev = sys.argv[3]
for h in al:
    if h.get("type") == "charger_overtemp" and h.get("event") == "raised" and h.get("device") == dev:
        for a in h.get("actions") or []:
            if a.get("device") == dev and a.get("set") == "off" and a.get("result") == "sent" and a.get("topic"):
                sys.exit(0)
sys.exit(1)' "$1"
}
for d in z-plug t-plug s1-plug s2-plug n-plug; do
	check "$d: raised event records the command sent" "no actions record" \
		wait_for "acts_ok $d" 10
done
raised_topic=$(rec_py '
for h in al:
    if h.get("device") == "t-plug" and h.get("event") == "raised":
        print(h["actions"][0]["topic"], h["actions"][0]["payload"]); break')
check "t-plug: action record has the exact topic and payload" "$raised_topic" \
	[ "$raised_topic" = "cmnd/bay2/POWER OFF" ]

# ---- confirmation recorded later on the same alarm
confirmed() {
	rec_py '
dev, want = sys.argv[3], sys.argv[4]
for h in al:
    if h.get("type") == "charger_overtemp" and h.get("event") == "updated" and h.get("device") == dev:
        for a in h.get("actions") or []:
            if a.get("device") == dev and a.get("result") == want:
                sys.exit(0)
sys.exit(1)' "$1" "$2"
}
for d in z-plug t-plug s1-plug s2-plug; do
	check "$d: the plug's report confirms the command (updated event)" "no confirmation" \
		wait_for "confirmed $d confirmed" 10
done
check "n-plug: silent plug: \"not confirmed\" recorded on its alarm" "no record" \
	wait_for "confirmed n-plug 'not confirmed'" 15
check "n-plug: command_failed raised upstream" "none" \
	wait_for 'upstream_has command_failed raised n-plug' 10
kp=$(rec_py '
m = [h for h in recs if h.get("type") == "command_failed" and h.get("device") == "n-plug"]
print("%s %s %s" % (m[0]["_kind"], m[0].get("priority"), "severity" in m[0]) if m else "none")')
check "n-plug: the failed command is a fault, urgent as an interlock sent it (no grade)" "got $kp" \
	[ "$kp" = "fault urgent False" ]
check "n-plug: no hazard for the failed command" "$(rec_py 'print([h["hazard_id"] for h in hz if h.get("type") == "command_failed"])')" \
	rec_py 'sys.exit(1 if any(h.get("type") == "command_failed" for h in hz) else 0)'
check "no command_failed for the plugs that answered" "$(rec_py 'print([h["device"] for h in recs if h.get("type") == "command_failed"])')" \
	rec_py 'sys.exit(1 if any(h.get("type") == "command_failed" and h.get("device") != "n-plug" for h in recs) else 0)'
st=$(ctl --json devices | jpy '[x for x in d if x["id"] == "z-plug"][0]["command"]["state"]')
check "hazardctl devices: z-plug command confirmed" "state $st" [ "$st" = confirmed ]
lt=$(ctl --json devices | jpy '[x for x in d if x["id"] == "t-plug"][0]["latched"]')
check "hazardctl devices: t-plug latched off" "latched $lt" [ "$lt" = off ]
n=$(status_get 's["device_commands"]["failed"]')
check "status: one failed device command" "failed $n" [ "$n" = 1 ]

# ---- latched: operator cannot switch it back on; re-sent after restart
out=$(ctl switch t-plug on 2>&1); rc=$?
check "hazardctl switch on a latched plug is refused" "exit $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "latched off by an interlock"' "$rc" "$out"
before=$(cmd_count cmnd/bay2/POWER)
kill_hazardd
start_hazardd "$T/hazardd.json" || { fail "hazardd restarts" "see the log"; exit 1; }
check "restart: latched command sent again" "count stayed $before" \
	wait_for '[ "$(cmd_count cmnd/bay2/POWER)" -gt '"$before"' ]' 10
check "restart: still latched" "not latched" \
	wait_for '[ "$(ctl --json devices | jpy "[x for x in d if x[\"id\"] == \"t-plug\"][0][\"latched\"]")" = off ]' 5

# ---- and after a broker reconnect
before=$(cmd_count cmnd/bay2/POWER)
stop_broker local
restart_broker local || { fail setup "local broker restart"; exit 1; }
check "reconnect: latched command sent again" "count stayed $before" \
	wait_for '[ "$(cmd_count cmnd/bay2/POWER)" -gt '"$before"' ]' 20

# ---- reset (cause cleared first), then switch on by hand
out=$(ctl reset t-plug 2>&1); rc=$?
check "reset refused while charger_overtemp is active" "exit $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "still active"' "$rc" "$out"
pub tele/bay2/SENSOR '{"DS18B20": {"Temperature": 20}}'
check "overtemp over: its alarm ended" "not ended" wait_for 'upstream_has charger_overtemp ended t-plug' 10
out=$(ctl reset t-plug 2>&1); rc=$?
check "hazardctl reset t-plug clears the latch" "exit $rc: $out" [ "$rc" = 0 ]
before=$(cmd_count cmnd/bay2/POWER)
sleep 0.5
check "reset sends nothing" "count $(cmd_count cmnd/bay2/POWER) vs $before" \
	[ "$(cmd_count cmnd/bay2/POWER)" = "$before" ]
out=$(ctl switch t-plug on --actor installer 2>&1); rc=$?
check "hazardctl switch t-plug on" "exit $rc: $out" [ "$rc" = 0 ]
check "switch: ON on cmnd/bay2/POWER" "not seen" wait_for 'cmd_seen cmnd/bay2/POWER ON' 10
sw() { ctl --json devices | jpy "[x for x in d if x[\"id\"] == \"t-plug\"][0][\"command\"]$1"; }
check "switch: confirmed by the plug" "state $(sw '["state"]' 2>&1)" \
	wait_for '[ "$(sw "[\"state\"]")" = confirmed ]' 10
check "switch: recorded with its actor" "actor $(sw '["actor"]' 2>&1)" [ "$(sw '["actor"]')" = installer ]
grep -q 'device t-plug: switch on by installer' "$HZ_LOG"
check "switch: logged with its actor" "not in the log" [ $? = 0 ]
out=$(ctl switch no-such on 2>&1); rc=$?
check "switch: unknown device refused" "exit $rc: $out" [ "$rc" = 1 ]
out=$(ctl switch t-plug half 2>&1); rc=$?
check "switch: neither on nor off is a usage error" "exit $rc: $out" [ "$rc" = 2 ]

# ---- what is kept in the database: interlock actions and their
# confirmation as "action" events of the alarm that drove them
# hz_of DEVICE TYPE: the newest record the rules keep for it (the alarm or
# fault, not a hazard standing for it)
hz_of() { db "SELECT id FROM hazards WHERE device='$1' AND type='$2' AND kind != 'hazard' ORDER BY raised_at_ms DESC, rowid DESC LIMIT 1"; }
actions_of() {   # actions_of RECORD_ID: "actor|detail" lines via hazardctl show
	ctl --json show "$1" | jpy '"\n".join("%s|%s" % (e["actor"], e["detail"]) for e in d["events"] if e["event"] == "action")'
}
TH=$(hz_of t-plug charger_overtemp)
out=$(actions_of "$TH")
check "t-plug: hazardctl show lists the command sent as an action event" "$out" \
	grep -q '^interlock|device t-plug off: sent (cmnd/bay2/POWER OFF)$' <<<"$out"
check "t-plug: ... and its confirmation" "$out" \
	grep -q '^interlock|device t-plug off: confirmed (cmnd/bay2/POWER OFF)$' <<<"$out"
out=$(actions_of "$(hz_of n-plug charger_overtemp)")
check "n-plug: the missing confirmation is an action event" "$out" \
	grep -q '^interlock|device n-plug off: not confirmed (t/bay5/set {"relay":false})$' <<<"$out"
st=$(ctl hazard "$TH" | grep -c ' action ')
check "hazardctl hazard ID (text; an alarm's id) lists the action events" "$st lines" [ "$st" -ge 2 ]

# ---- a reload keeps the commands waiting for their confirmation; new
# devices: f-plug floods (one message per 100 s), g-plug is removed later
write_config "$T/hazardd.json" 'rules.ebike_charger.hold_s=0' "interlocks=$IL" <<'EOF'
{"id": "z-plug",  "kind": "ebike_charger", "format": "zigbee2mqtt", "topic": "zigbee2mqtt/bay1_plug", "confirm_s": 3}
{"id": "t-plug",  "kind": "ebike_charger", "format": "tasmota", "topic": "tele/bay2/SENSOR", "confirm_s": 3}
{"id": "s1-plug", "kind": "ebike_charger", "format": "shelly", "topic": "shellies/bay3", "confirm_s": 3}
{"id": "s2-plug", "kind": "ebike_charger", "format": "shelly", "topic": "bay4pm/status/switch:0", "confirm_s": 3}
{"id": "n-plug",  "kind": "ebike_charger", "topic": "t/bay5", "confirm_s": 3}
{"id": "f-plug",  "kind": "ebike_charger", "topic": "t/bay6", "confirm_s": 5, "flood": {"rate_per_s": 0.01, "burst": 1}}
{"id": "g-plug",  "kind": "ebike_charger", "topic": "t/bay7", "confirm_s": 60}
EOF
out=$(ctl reload 2>&1); rc=$?
check "reload: two devices added" "exit $rc: $out" [ "$rc" = 0 ]
failed0=$(status_get 's["device_commands"]["failed"]')
ev0=$(db "SELECT count(*) FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id WHERE h.device='n-plug' AND h.type='command_failed'")
out=$(ctl switch n-plug off --actor op1 2>&1); rc=$?
check "reload: hazardctl switch n-plug off (a silent plug)" "exit $rc: $out" [ "$rc" = 0 ]
out=$(ctl reload 2>&1); rc=$?
check "reload while the command waits" "exit $rc: $out" [ "$rc" = 0 ]
st=$(ctl --json devices | jpy '[x for x in d if x["id"] == "n-plug"][0]["command"]["state"]')
check "reload: the command is still pending" "state $st" [ "$st" = pending ]
check "reload: the silent plug still yields a failure" "failed $(status_get 's["device_commands"]["failed"]') (was $failed0)" \
	wait_for '[ "$(status_get "s[\"device_commands\"][\"failed\"]")" -gt '"$failed0"' ]' 10
check "reload: ... recorded on its command_failed fault" "events stayed $ev0" \
	wait_for '[ "$(db "SELECT count(*) FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id WHERE h.device='"'n-plug'"' AND h.type='"'command_failed'"'")" -gt '"$ev0"' ]' 5
NF1=$(hz_of n-plug command_failed)
out=$(actions_of "$NF1")
check "operator switch: noted on the active command_failed fault" "$out" \
	grep -q '^op1|device n-plug off: sent, awaiting confirmation (t/bay5/set' <<<"$out"
check "operator switch: its verdict too" "$out" \
	grep -q '^op1|device n-plug off: not confirmed (t/bay5/set' <<<"$out"

out=$(ctl switch n-plug off --actor op2 2>&1); rc=$?
check "reload: hazardctl switch n-plug off again" "exit $rc: $out" [ "$rc" = 0 ]
out=$(ctl reload 2>&1); rc=$?
check "reload while the second command waits" "exit $rc: $out" [ "$rc" = 0 ]
pub t/bay5 '{"relay": false}'
nst() { ctl --json devices | jpy "[x for x in d if x[\"id\"] == \"n-plug\"][0][\"command\"]$1"; }
check "reload: an answering plug still confirms" "state $(nst '["state"]' 2>&1)" \
	wait_for '[ "$(nst "[\"state\"]")" = confirmed ] && [ "$(nst "[\"actor\"]")" = op2 ]' 10

# ---- the newer confirmed command clears the fault; a new failure is a
# new fault, which a person may dismiss (with a note)
check "a newer confirmed command clears the command_failed fault" "state $(db "SELECT state FROM hazards WHERE id='$NF1'")" \
	wait_for '[ "$(db "SELECT state FROM hazards WHERE id='"'$NF1'"'")" = cleared ]' 5
check "... and its cleared event reached upstream" "not recorded" \
	wait_for "rec_py 'sys.exit(0 if any(f.get(\"fault_id\") == \"$NF1\" and f.get(\"event\") == \"cleared\" and f.get(\"state\") == \"cleared\" and f.get(\"cleared_at\") for f in ft) else 1)'" 10
out=$(ctl switch n-plug off --actor op5 2>&1); rc=$?
check "hazardctl switch n-plug off once more (the plug silent again)" "exit $rc: $out" [ "$rc" = 0 ]
check "the next failure raises a new fault, not the cleared one again" "newest $(hz_of n-plug command_failed), cleared $NF1" \
	wait_for '[ -n "$(hz_of n-plug command_failed)" ] && [ "$(hz_of n-plug command_failed)" != "$NF1" ]' 10
NF2=$(hz_of n-plug command_failed)
kp=$(ctl --json faults --open | jpy '[(f["kind"], f["state"], f["priority"]) for f in d if f.get("id") == "'"$NF2"'"]')
check "hazardctl faults --open lists it; an operator's failed command is not urgent" "got $kp" \
	[ "$kp" = '[["fault", "active", "serious"]]' ]
out=$(ctl dismiss "$NF2" 2>&1); rc=$?
check "hazardctl dismiss without --note is refused" "exit $rc: $out" [ "$rc" != 0 ]
check "... and the fault stays active" "state $(db "SELECT state FROM hazards WHERE id='$NF2'")" \
	[ "$(db "SELECT state FROM hazards WHERE id='$NF2'")" = active ]
out=$(ctl dismiss "$NF2" --note "plug replaced, old one returned" --actor op5 2>&1); rc=$?
check "hazardctl dismiss NF2 --note: ok" "exit $rc: $out" [ "$rc" = 0 ]
check "the dismissed event reached upstream with its actor and note" "not recorded" \
	wait_for "rec_py 'sys.exit(0 if any(f.get(\"fault_id\") == \"$NF2\" and f.get(\"event\") == \"dismissed\" and f.get(\"actor\") == \"op5\" and f.get(\"note\") == \"plug replaced, old one returned\" for f in ft) else 1)'" 10
out=$(ctl ack "$NF2" 2>&1); rc=$?
check "a fault cannot be acknowledged" "exit $rc: $out" [ "$rc" = 1 ]

# ---- a flooding plug's confirming report passes its empty bucket
pub t/bay6 '{"power_w": 5}'
pub t/bay6 '{"power_w": 6}'
fdrop() { ctl --json devices | jpy '[x for x in d if x["id"] == "f-plug"][0]["flood_dropped"]'; }
check "flood: f-plug's bucket is empty (a message dropped)" "dropped $(fdrop 2>&1)" \
	wait_for '[ "$(fdrop)" -ge 1 ]' 10
drop0=$(fdrop)
out=$(ctl switch f-plug off --actor op3 2>&1); rc=$?
check "flood: hazardctl switch f-plug off" "exit $rc: $out" [ "$rc" = 0 ]
pub t/bay6 '{"relay": false, "power_w": 0}'
fst() { ctl --json devices | jpy "[x for x in d if x[\"id\"] == \"f-plug\"][0][\"command\"]$1"; }
check "flood: the confirming report passes, the command is confirmed" "state $(fst '["state"]' 2>&1)" \
	wait_for '[ "$(fst "[\"state\"]")" = confirmed ]' 10
check "flood: ... and was not counted as dropped" "dropped $(fdrop) (was $drop0)" [ "$(fdrop)" = "$drop0" ]
pub t/bay6 '{"relay": false, "power_w": 0}'
check "flood: once confirmed, its reports are throttled again" "dropped $(fdrop) (was $drop0)" \
	wait_for '[ "$(fdrop)" -gt '"$drop0"' ]' 10
check "flood: no command_failed for f-plug" "$(hz_of f-plug command_failed)" [ -z "$(hz_of f-plug command_failed)" ]

# ---- a removed device's pending command is dropped, and logged
out=$(ctl switch g-plug off --actor op4 2>&1); rc=$?
check "removal: hazardctl switch g-plug off" "exit $rc: $out" [ "$rc" = 0 ]
cfg=$($PY -c 'import json, sys
c = json.load(open(sys.argv[1])); c["devices"] = [x for x in c["devices"] if x["id"] != "g-plug"]
json.dump(c, open(sys.argv[1], "w"), indent=2)' "$T/hazardd.json")
out=$(ctl reload 2>&1); rc=$?
check "removal: reload without g-plug" "exit $rc: $out" [ "$rc" = 0 ]
check "removal: its pending command dropped and logged" "not in the log" \
	wait_for "grep -q 'device g-plug was removed: its command (switch off by op4) no longer awaits confirmation' '$HZ_LOG'" 5

# ---- after a restart hazardctl devices still shows each last command
kill_hazardd
start_hazardd "$T/hazardd.json" || { fail "hazardd restarts" "see the log"; exit 1; }
fj=$(ctl --json devices | jpy '[x for x in d if x["id"] == "f-plug"][0]["command"]')
check "restart: f-plug's last command listed from the database" "$fj" \
	jpy 'd["state"] == "confirmed" and d["actor"] == "op3" and d["before_restart"] is True or sys.exit(1)' <<<"$fj" >/dev/null
out=$(actions_of "$NF1")
check "restart: the operator's action events are still on the fault" "$out" \
	grep -q '^op1|device n-plug off: not confirmed' <<<"$out"
n=$(status_get 's["device_commands"]["store_errors"]')
check "status: no device command records failed" "store_errors $n" [ "$n" = 0 ]
