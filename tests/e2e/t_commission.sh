#!/usr/bin/env bash
# t_commission.sh: what an installer sees while commissioning a site,
# through real mosquitto: a configured device never heard is never_seen
# (hazardctl devices, status, the daily summary's online rate) until it
# publishes; hazardctl switch to a detector without a relay is refused with
# a clear message; a Shelly Gen2 device configured by its bare prefix and
# "gen": 2 gets its command on <prefix>/rpc and is confirmed, and the same
# config without "gen" is refused by --check-config with file, line and path.
source "$(dirname "$0")/lib.sh"

PREFIX=shellyplus1pm-a8032ab12345
CMDS=$T/commands.jsonl

# ---- a bare Shelly prefix without "gen": refused, naming file, line, path
write_config "$T/nogen.json" <<EOF
{"id": "s2-plug", "kind": "ebike_charger", "format": "shelly", "topic": "$PREFIX"}
EOF
out=$("$HAZARDD" --check-config -c "$T/nogen.json" 2>&1)
rc=$?
check "no gen: --check-config exits non-zero" "exit $rc: $out" [ "$rc" != 0 ]
line=$(grep -n "\"topic\": \"$PREFIX\"" "$T/nogen.json" | cut -d: -f1)
check "no gen: the error names file, line and path" "line ${line:-?}: $out" \
	grep -qF "$T/nogen.json:$line: \$.devices[0].topic: topic \"$PREFIX\" is a bare prefix" <<<"$out"
check "no gen: the error says to set \"gen\": 2 or use the full topic" "$out" \
	grep -qF "needs \"gen\": 2 (its status is read from $PREFIX/status/switch:0), or use that full topic" <<<"$out"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

# the plug answers like Gen2 firmware: its status on <prefix>/status/switch:0
"${GUARD[@]}" $PY "$E2E/plugsim.py" --port "$PORT_local" --out "$CMDS" --ready "$T/plugsim.ready" \
	--answer "$PREFIX/" >>"$T/plugsim.log" 2>&1 &
BG_PIDS+=($!)
wait_for "[ -f '$T/plugsim.ready' ]" 10 || { fail setup "device simulator did not subscribe"; exit 1; }

write_config "$T/hazardd.json" <<EOF
{"id": "kitchen-gas-1", "kind": "gas_detector"}
{"id": "hall-smoke", "kind": "smoke_alarm"}
{"id": "s2-plug", "kind": "ebike_charger", "format": "shelly", "topic": "$PREFIX", "gen": 2, "confirm_s": 5}
EOF
out=$("$HAZARDD" --check-config -c "$T/hazardd.json" 2>&1)
check "gen 2: the bare prefix is accepted" "$out" [ "$out" = "configuration OK" ]
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
sleep 0.5

# dev_get ID EXPR: a Python expression over one device of `hazardctl --json devices`
dev_get() {
	ctl --json devices 2>/dev/null | jpy "[x for x in d if x[\"id\"] == \"$1\"][0]$2"
}

# ---- configured, never heard: never_seen, not online
for d in kitchen-gas-1 hall-smoke s2-plug; do
	st=$(dev_get $d '["state"]')
	check "$d: never heard: state never_seen" "state ${st:-?}" [ "$st" = never_seen ]
	on=$(dev_get $d '["online"]')
	check "$d: never heard: not online" "online ${on:-?}" [ "$on" = false ]
done
n=$(status_get 's["device_presence"]["never_seen"]')
check "status: three devices never seen" "never_seen ${n:-?}" [ "$n" = 3 ]
out=$(ctl devices 2>&1)
check "hazardctl devices shows never_seen" "$out" \
	grep -qE '^kitchen-gas-1 +gas_detector +site-1 +never_seen' <<<"$out"

# ---- it publishes: online
pub t/kitchen-gas-1 '{"gas_lel": 1, "battery": 90}'
check "kitchen-gas-1: after its first report: online" "state $(dev_get kitchen-gas-1 '["state"]')" \
	wait_for '[ "$(dev_get kitchen-gas-1 "[\"state\"]")" = online ]' 10
n=$(status_get 's["device_presence"]["never_seen"]')
check "status: two devices never seen" "never_seen ${n:-?}" [ "$n" = 2 ]
n=$(status_get 's["device_presence"]["online"]')
check "status: one device online" "online ${n:-?}" [ "$n" = 1 ]
# a bridge saying "offline" is not the device heard
pub "$PREFIX/online" false
sleep 0.5
st=$(dev_get s2-plug '["state"]')
check "s2-plug: an explicit offline alone leaves it never_seen" "state ${st:-?}" [ "$st" = never_seen ]

# ---- hazardctl switch to a detector without a relay: refused, nothing sent
out=$(ctl switch kitchen-gas-1 off 2>&1)
rc=$?
check "switch gas detector: non-zero exit" "exit $rc: $out" [ "$rc" != 0 ]
check "switch gas detector: the message says why and what to do" "$out" \
	grep -qF 'device kitchen-gas-1 is a gas_detector with no relay; set "relay": true in its config if it has one' <<<"$out"
sleep 0.5
n=$(grep -c '"t/kitchen-gas-1/set"' "$CMDS" 2>/dev/null)
check "switch gas detector: no command published" "${n:-0} commands" [ "${n:-0}" = 0 ]
n=$(status_get 's["device_commands"]["sent"]')
check "switch gas detector: nothing counted as sent" "sent ${n:-?}" [ "$n" = 0 ]

# ---- Shelly Gen2 by its bare prefix and "gen": 2: <prefix>/rpc, confirmed
out=$(ctl switch s2-plug off --actor installer 2>&1)
rc=$?
check "switch s2-plug off: accepted" "exit $rc: $out" [ "$rc" = 0 ]
rpc_ok() {
	$PY - "$CMDS" "$PREFIX/rpc" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    m = json.loads(line)
    if m["topic"] == sys.argv[2]:
        p = json.loads(m["payload"])
        if p.get("method") == "Switch.Set" and p["params"] == {"id": 0, "on": False}:
            sys.exit(0)
sys.exit(1)
EOF
}
check "s2-plug: Switch.Set on=false received on $PREFIX/rpc" "$(cat "$CMDS" 2>/dev/null)" \
	wait_for rpc_ok 10
n=$(grep -c "\"$PREFIX/relay/0/command\"" "$CMDS" 2>/dev/null)
check "s2-plug: nothing sent the Gen1 way" "${n:-0} Gen1 commands" [ "${n:-0}" = 0 ]
check "s2-plug: the command is confirmed by its status report" \
	"command $(dev_get s2-plug '["command"]' 2>&1)" \
	wait_for '[ "$(dev_get s2-plug "[\"command\"][\"state\"]")" = confirmed ]' 10
st=$(dev_get s2-plug '["state"]')
check "s2-plug: its answer makes it online" "state ${st:-?}" [ "$st" = online ]

# ---- the daily summary: never-seen devices out of the online rate, listed
ctl --json report >"$T/report.json" 2>"$T/report.err" || fail "report" "$(cat "$T/report.err")"
rep() { jpy "$1" <"$T/report.json"; }
check "summary: one device never seen" "$(rep 'd["totals"]["devices"]' 2>&1)" \
	[ "$(rep 'd["totals"]["devices"]["never_seen"]')" = 1 ]
check "summary: hall-smoke listed as never seen on its site" "$(rep 'd["sites"]' 2>&1)" \
	[ "$(rep '[s for s in d["sites"] if s["site"] == "site-1"][0]["devices"]["never_seen_ids"]')" = '["hall-smoke"]' ]
check "summary: online rate over the devices heard (2 of 2)" \
	"$(rep 'd["totals"]["devices"]' 2>&1)" [ "$(rep 'd["totals"]["devices"]["online_rate"]')" = 1 ]
check "summary: every configured device still in total" "$(rep 'd["totals"]["devices"]' 2>&1)" \
	[ "$(rep 'd["totals"]["devices"]["total"]')" = 3 ]

# ---- a restart: heard before is not never_seen; the silent one still is
kill_hazardd
start_hazardd "$T/hazardd.json" || { fail "hazardd restarts" "see the log"; exit 1; }
st=$(dev_get kitchen-gas-1 '["state"]')
check "restart: kitchen-gas-1 heard in the last run is not never_seen" "state ${st:-?}" \
	[ "$st" = online ]
st=$(dev_get hall-smoke '["state"]')
check "restart: hall-smoke is still never_seen" "state ${st:-?}" [ "$st" = never_seen ]
check "hazardd still running" "it exited" hz_alive
kill_hazardd
check "SIGTERM: hazardd exits with status 0" "exit ${HZ_EXIT:-?}" [ "${HZ_EXIT:-1}" = 0 ]
