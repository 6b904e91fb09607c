#!/usr/bin/env bash
# t_rule_floors.sh: the platform cannot turn an alarm off (issue 18,
# finding 4).  Signed set-rules that would disable or blunt a rule
# (max_temp_c 0, max_current_a 0, lel_low 99.99 with lel_high 100, lel_low
# 1e-300, a limit wider than the file's) are refused with an error reply
# and change nothing: 95 °C and 95 %LEL still raise.  A safe narrowing is
# accepted, listed by `hazardctl rules` and in status (also upstream),
# logged at warning, and judges the next reading; removing it ends the
# alarm it caused at once, from the last reading, and a reload that turns a
# rule off (0 in the file) ends the alarm open under it.
source "$(dirname "$0")/lib.sh"

DIST=e2edist
GW=gw-e2e-01

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
new_command_key "$T/cmd.key"

DEVS='{"id": "chg-1", "kind": "ebike_charger"}
{"id": "gas-1", "kind": "gas_detector"}'
echo "$DEVS" | write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" \
	"rules.gas_detector.hold_s=0" "rules.ebike_charger.hold_s=0"
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

stored() { db "SELECT coalesce((SELECT value FROM meta WHERE key='rule_overrides'), 'none')"; }
# last_state DEVICE TYPE: the state of the newest alarm of that type
# (active, ended ...)
last_state() {
	db "SELECT state FROM hazards WHERE kind='alarm' AND device='$1' AND type='$2' ORDER BY raised_at_ms DESC, id DESC LIMIT 1"
}
n_of() { db "SELECT count(*) FROM hazards WHERE kind='alarm' AND device='$1' AND type='$2'"; }

# ---- unsafe set-rules: refused, nothing stored
for bad in '{"kinds": {"ebike_charger": {"max_temp_c": 0}}}' \
	   '{"kinds": {"ebike_charger": {"max_current_a": 0}}}' \
	   '{"kinds": {"gas_detector": {"lel_low": 99.99, "lel_high": 100}}}' \
	   '{"kinds": {"gas_detector": {"lel_low": 1e-300}}}' \
	   '{"devices": {"chg-1": {"max_temp_c": 30}}}'; do
	r=$(hz set-rules "rules=$bad") || true
	check "unsafe set-rules refused: $bad" "reply: $r" \
		reply_is "$r" 'r["ok"] is False and "safe range" in r["error"]'
done
r=$(hz set-rules 'rules={"kinds": {"ebike_charger": {"max_temp_c": 70}}}') || true
check "a wider limit than the file's refused" "reply: $r" \
	reply_is "$r" 'r["ok"] is False and "less sensitive" in r["error"]'
check "refusals stored nothing" "stored: $(stored)" [ "$(stored)" = none ]

pub t/chg-1 '{"temp_c": 95, "current_a": 9, "power_w": 900}'
pub t/gas-1 '{"gas_lel": 95}'
check "after the refusals 95 °C still raises charger_overtemp" "none" \
	wait_for '[ "$(n_of chg-1 charger_overtemp)" -ge 1 ]' 10
check "after the refusals 9 A still raises charger_overcurrent" "none" \
	wait_for '[ "$(n_of chg-1 charger_overcurrent)" -ge 1 ]' 10
check "after the refusals 95 %LEL still raises gas_leak" "none" \
	wait_for '[ "$(n_of gas-1 gas_leak)" -ge 1 ]' 10
pub t/chg-1 '{"temp_c": 20, "current_a": 0, "power_w": 0}'
pub t/gas-1 '{"gas_lel": 0}'
wait_for '[ "$(last_state chg-1 charger_overtemp)" != active ]' 10

# ---- a safe narrowing: accepted, listed, judges the next reading
n0=$(n_of chg-1 charger_overtemp)
r=$(hz set-rules 'rules={"devices": {"chg-1": {"max_temp_c": 45}}}') || true
check "narrowing max_temp_c to 45: ok" "reply: $r" \
	reply_is "$r" 'r["ok"] and r["result"]["overrides"] == {"devices": {"chg-1": {"max_temp_c": 45}}}'
check "narrowing logged at warning" "not in the log" \
	grep -q '\[warn\].*platform rule overrides changed.*max_temp_c' "$HZ_LOG"
ctl rules >"$T/rules.out" 2>&1
check "hazardctl rules: chg-1 max_temp_c 45 from the platform" "$(head -c 600 "$T/rules.out")" \
	grep -Eq '^device chg-1 +max_temp_c +45 +platform' "$T/rules.out"
check "hazardctl rules: the kind's max_temp_c 60 from the file" "$(head -c 300 "$T/rules.out")" \
	grep -Eq '^ebike_charger +max_temp_c +60 +file' "$T/rules.out"
check "hazardctl rules: an unset key is a default" "$(head -c 300 "$T/rules.out")" \
	grep -Eq '^ebike_charger +max_power_w +1000 +default' "$T/rules.out"
v=$(status_get 's["rule_overrides"]')
check "status: rule_overrides" "got $v" [ "$v" = '{"devices": {"chg-1": {"max_temp_c": 45}}}' ]
pub t/chg-1 '{"temp_c": 47}'
check "the next reading (47 °C) is judged by 45: charger_overtemp" "none" \
	wait_for '[ "$(n_of chg-1 charger_overtemp)" -gt '"$n0"' ] && [ "$(last_state chg-1 charger_overtemp)" = active ]' 10

# ---- removal: the alarm 45 raised ends at once (47 is below the file's
# 60 less its 20 % band), with no new reading
r=$(hz set-rules 'rules={"devices": {"chg-1": null}}') || true
check "removal: ok" "reply: $r" reply_is "$r" 'r["ok"] and r["result"]["overrides"] == {}'
check "removal: the alarm open under 45 ends from the last reading" \
	"state $(last_state chg-1 charger_overtemp)" \
	wait_for '[ "$(last_state chg-1 charger_overtemp)" = ended ]' 3

# ---- restart: a narrowing in force is warned about and sent upstream
r=$(hz set-rules 'rules={"kinds": {"gas_detector": {"lel_low": 10}}}') || true
check "a kind narrowing: ok" "reply: $r" reply_is "$r" 'r["ok"] is True'
kill_hazardd
start_hazardd "$T/hazardd.json" || { fail "hazardd restarts" "see the log"; exit 1; }
check "start-up warns of the overrides in force" "not in the log" \
	grep -q '\[warn\].*start-up: platform rule overrides in force' "$HZ_LOG"
check "the upstream status message carries rule_overrides" "not received" \
	wait_for "rec_py 'sys.exit(0 if any(m[\"topic\"] == base + \"/status\" and isinstance(m[\"payload\"], dict) and m[\"payload\"].get(\"rule_overrides\") == {\"kinds\": {\"gas_detector\": {\"lel_low\": 10}}} for m in msgs) else 1)'" 10

# ---- a reload that turns a rule off ends what it raised
pub t/chg-1 '{"temp_c": 95}'
wait_for '[ "$(last_state chg-1 charger_overtemp)" = active ]' 10
echo "$DEVS" | write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" \
	"rules.gas_detector.hold_s=0" "rules.ebike_charger.hold_s=0" \
	"rules.ebike_charger.max_temp_c=0"
ctl reload >"$T/reload.out" 2>&1 || fail "reload" "$(head -c 300 "$T/reload.out")"
check "reload to max_temp_c 0: the open overtemp ends" \
	"state $(last_state chg-1 charger_overtemp)" \
	wait_for '[ "$(last_state chg-1 charger_overtemp)" = ended ]' 3
check "daemon still running" "exited" hz_alive
