#!/usr/bin/env bash
# t_local_acl.sh: the gateway's broker with passwords and an ACL (lib.sh's
# local broker, shaped like docs/operations.md "The gateway's broker"): each
# device may publish only its own topic, only hazardd may publish commands.
#
# - hazardd logs in with local.username/local.password_file (write_config)
#   and does not warn about missing credentials;
# - a forged normal reading, published by another device's user on the hot
#   charger's topic, is dropped by the broker: hazardd never receives it and
#   the charger's over-temperature alarm stays active; the charger's own
#   normal reading then ends it (the forgery would have);
# - cmnd/<plug>/POWER ON published by a device's user or by the tests'
#   device publisher, and a device's own command topic, never reach the
#   plug; hazardd's own command does;
# - over MQTT v5 the broker answers the forged publish with PUBACK reason
#   0x87 (not authorised), the device's own with 0.
#
# mosquitto drops an unauthorised MQTT 3.1.1 publish silently (the PUBACK
# looks like success), so the checks are on the effect: each forgery is
# followed by an allowed message on the same path, and once that one has
# arrived the forgery would have arrived before it.
source "$(dirname "$0")/lib.sh"

BROKER_DEVICES="charger-1=t/charger-1 gas-1=t/gas-1 plug-1=tele/plug1/SENSOR"
start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

CMDS=$T/commands.jsonl
"${GUARD[@]}" $PY "$E2E/plugsim.py" --port "$PORT_local" --out "$CMDS" \
	--ready "$T/plugsim.ready" --answer cmnd/ >>"$T/plugsim.log" 2>&1 &
BG_PIDS+=($!)
wait_for "[ -f '$T/plugsim.ready' ]" 10 || { fail setup "plug simulator did not subscribe"; exit 1; }

write_config "$T/hazardd.json" 'rules.ebike_charger.hold_s=0' <<'EOF'
{"id": "charger-1", "kind": "ebike_charger"}
{"id": "gas-1", "kind": "gas_detector"}
{"id": "plug-1", "kind": "ebike_charger", "format": "tasmota", "topic": "tele/plug1/SENSOR"}
EOF
hz_user=$(jpy 'd["local"].get("username")' <"$T/hazardd.json")
hz_pass=$(jpy 'd["local"].get("password_file")' <"$T/hazardd.json")
check "write_config gives hazardd its local broker user" "username $hz_user, password_file $hz_pass" \
	[ "$hz_user" = hazardd -a "$hz_pass" = "$LOCAL_HZ_PASS_FILE" ]
check "hazardd's password file is 0600" "$(stat -c %a "$hz_pass" 2>&1)" \
	[ "$(stat -c %a "$hz_pass")" = 600 ]
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "hazardd connects to the ACL broker with its credentials" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
check "no warning about missing credentials" "$(grep -m1 'without credentials' "$HZ_LOG")" \
	bash -c "! grep -q 'connecting without credentials' '$HZ_LOG'"

dev_get() {
	ctl --json devices 2>/dev/null | jpy "[x for x in d if x[\"id\"] == \"$1\"][0]$2"
}
alarm_state() {
	db "SELECT state FROM hazards WHERE kind = 'alarm' AND device = '$1' AND type = '$2'
	    ORDER BY raised_at_ms DESC LIMIT 1"
}

# ---- a hot charger, then a forged normal reading from another device
pub_as charger-1 t/charger-1 '{"temp_c": 85, "current_a": 1, "power_w": 200}'
check "the charger's own reading raises charger_overtemp" "state '$(alarm_state charger-1 charger_overtemp)'" \
	wait_for '[ "$(alarm_state charger-1 charger_overtemp)" = active ]' 10
acc0=$(dev_get charger-1 '["accepted"]')
gas0=$(dev_get gas-1 '["accepted"]')

pub_as gas-1 t/charger-1 '{"temp_c": 25, "current_a": 0, "power_w": 0}'
# the marker: gas-1's own topic, after the forgery, on the same broker
pub_as gas-1 t/gas-1 '{"gas_lel": 0}'
check "gas-1's own reading arrives (the marker)" "accepted $(dev_get gas-1 '["accepted"]') (was $gas0)" \
	wait_for '[ "$(dev_get gas-1 "[\"accepted\"]")" = $((gas0 + 1)) ]' 10
check "a reading gas-1 forged on charger-1's topic never reaches hazardd" \
	"charger-1 accepted $(dev_get charger-1 '["accepted"]') (was $acc0)" \
	[ "$(dev_get charger-1 '["accepted"]')" = "$acc0" ]
check "the forged normal reading did not end the over-temperature alarm" \
	"state '$(alarm_state charger-1 charger_overtemp)'" \
	[ "$(alarm_state charger-1 charger_overtemp)" = active ]

# MQTT v5 says why: PUBACK reason 135 (0x87, not authorised)
out=$(pub_as gas-1 t/charger-1 '{"temp_c": 25}' -V 5 -d 2>&1)
check "MQTT v5: the broker answers the forgery with PUBACK reason 0x87" "$out" \
	grep -q 'received PUBACK (Mid: 1, RC:135)' <<<"$out"
out=$(pub_as gas-1 t/gas-1 '{"gas_lel": 0}' -V 5 -d 2>&1)
check "MQTT v5: gas-1's own topic is accepted (reason 0)" "$out" \
	grep -q 'received PUBACK (Mid: 1, RC:0)' <<<"$out"

# the positive control: the charger's own normal reading ends the alarm
pub_as charger-1 t/charger-1 '{"temp_c": 25, "current_a": 0, "power_w": 0}'
check "the charger's own normal reading ends the alarm" "state '$(alarm_state charger-1 charger_overtemp)'" \
	wait_for '[ "$(alarm_state charger-1 charger_overtemp)" = ended ]' 10

# ---- commands: only hazardd's reach the plug
cmd_count() {
	[ -f "$CMDS" ] || { echo 0; return; }
	$PY -c 'import json, sys
print(sum(1 for l in open(sys.argv[1], encoding="utf-8") if json.loads(l)["topic"] == sys.argv[2]))' "$CMDS" "$1"
}
pub_as gas-1 cmnd/plug1/POWER ON
pub cmnd/plug1/POWER ON             # the tests' device publisher
pub_as plug-1 cmnd/plug1/POWER ON   # the plug's own user: it reads commands, never sends them
pub_as charger-1 t/charger-1/set '{"relay": true}'
out=$(pub_as gas-1 cmnd/plug1/POWER ON -V 5 -d 2>&1)
check "MQTT v5: a device's command publish is refused with reason 0x87" "$out" \
	grep -q 'received PUBACK (Mid: 1, RC:135)' <<<"$out"
# the marker: hazardd's own command, after the forgeries
out=$(ctl switch plug-1 on 2>&1); rc=$?
check "hazardctl switch plug-1 on is sent" "exit $rc: $out" test $rc = 0
check "hazardd's own command reaches the plug" "$(cat "$CMDS" 2>/dev/null)" \
	wait_for '[ "$(cmd_count cmnd/plug1/POWER)" -ge 1 ]' 10
sleep 0.5
check "no forged cmnd/plug1/POWER reached the plug (only hazardd's)" "$(cat "$CMDS")" \
	[ "$(cmd_count cmnd/plug1/POWER)" = 1 ]
check "a device cannot publish its own command topic" "$(cat "$CMDS")" \
	[ "$(cmd_count t/charger-1/set)" = 0 ]
check "the plug confirms hazardd's command" "$(ctl --json devices 2>/dev/null)" \
	wait_for '[ "$(dev_get plug-1 "[\"relay\"]")" = true ]' 10

# ---- no password, no entry
if mosquitto_pub -h 127.0.0.1 -p "$PORT_local" -q 1 -t t/charger-1 -m '{"temp_c": 25}' 2>/dev/null; then
	fail "an anonymous client is refused" "it published"
else
	pass "an anonymous client is refused"
fi
if mosquitto_pub -h 127.0.0.1 -p "$PORT_local" -u gas-1 -P wrong -q 1 -t t/gas-1 -m '{}' 2>/dev/null; then
	fail "a wrong password is refused" "it published"
else
	pass "a wrong password is refused"
fi
