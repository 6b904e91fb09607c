#!/usr/bin/env bash
# t_reload.sh: live reload (SIGHUP and `hazardctl reload`) while traffic
# flows.  A threshold change applies to the next reading, an added device
# is live at once, every reading streamed across the reload is stored
# (sent = stored), neither broker saw hazardd reconnect, a device's
# counters carry over, and a latched interlock (a device action cutting a
# plug) stays latched although every device changed its index.  An invalid config leaves the old one running: on
# SIGHUP (errors in the log) and on `hazardctl reload` (errors printed,
# exit 1).  A key that cannot change live is reported as needing a
# restart and keeps its value.  A removed device's topics are
# unsubscribed: a message on one while hazardd is down is not delivered
# after it restarts, while a kept device's is.  The GPIO side (latched outputs, inputs
# re-requested and re-read) is tests/unit/test_reload.c with the fake
# backend and case 4b of tests/gpio/guest-init.sh on the real kernel.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

DEVS_A='{"id": "gas-1",    "kind": "gas_detector"}
{"id": "stream-1", "kind": "gas_detector"}
{"id": "smoke-1",  "kind": "smoke_alarm"}
{"id": "plug-1",   "kind": "ebike_charger", "confirm_s": 600}'
# the added device comes first: every other device changes its index
DEVS_B="{\"id\": \"smoke-new\", \"kind\": \"smoke_alarm\"}
$DEVS_A"
# smoke on smoke-1 cuts plug-1, latched (a device action: no GPIO here)
IL='[{"hazard": "smoke_alarm", "device": "smoke-1",
      "actions": [{"device": "plug-1", "set": "off"}]}]'

# A: lel_low 25; B: lel_low 10 and one more device.  hold_s 0: a level
# over the threshold raises at once, so "the next reading" is testable.
write_config "$T/hazardd.json" 'rules.gas_detector.hold_s=0' "interlocks=$IL" <<<"$DEVS_A"
cp "$T/hazardd.json" "$T/config-a.json"
write_config "$T/config-b.json" 'rules.gas_detector.hold_s=0' \
	'rules.gas_detector.lel_low=10' "interlocks=$IL" <<<"$DEVS_B"

if ! start_hazardd "$T/hazardd.json"; then
	fail "hazardd starts" "see the log"
	exit 1
fi
wait_for '[ "$(status_get "s[\"local\"][\"connected\"] and s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	{ fail "links up" "$(ctl --json status 2>&1 | head -c 300)"; exit 1; }

# connections each broker saw from hazardd (mosquitto logs every connect)
conns() { grep -c "New client connected .* as hazardd-gw-e2e-01" "$T/broker-$1.log"; }
LOCAL_CONN0=$(conns local)
UP_CONN0=$(conns up)
info "connections before: local $LOCAL_CONN0, upstream $UP_CONN0"

# under the old threshold (25) a reading of 15 %LEL is no hazard
pub t/gas-1 '{"gas_lel": 15}'
wait_for '[ "$(db "SELECT count(*) FROM readings WHERE device='"'gas-1'"'")" -ge 1 ]' 10
check "before reload: 15 %LEL under lel_low 25 raises nothing" "a hazard was raised" \
	test "$(db "SELECT count(*) FROM hazards WHERE device='gas-1'")" = 0
pub t/smoke-new '{"smoke": true}'
sleep 0.5
check "before reload: smoke-new is not configured (nothing raised)" "a hazard was raised" \
	test "$(db "SELECT count(*) FROM hazards WHERE device='smoke-new'")" = 0

# a latched device action before the reloads
plug_latch() { ctl --socket "$T/control.sock" --json devices | jpy '[x for x in d if x["id"] == "plug-1"][0]["latched"]'; }
pub t/smoke-1 '{"smoke": true}'
check "before reload: smoke on smoke-1 latches plug-1 off" "latched $(plug_latch)" \
	wait_for '[ "$(plug_latch)" = off ]' 10

# --- the stream: 300 readings over ~6 s, the reload in the middle
N=300
"${GUARD[@]}" $PY "$E2E/pub.py" --port "$PORT_local" -t t/stream-1 \
	-m '{"gas_lel": 1}' -n $N --interval 0.02 >"$T/stream.out" 2>&1 &
STREAM=$!
BG_PIDS+=($STREAM)
wait_for '[ "$(db "SELECT count(*) FROM readings WHERE device='"'stream-1'"'")" -ge 50 ]' 10
ACC0=$(ctl --json devices | jpy '[x for x in d if x["id"] == "stream-1"][0]["accepted"]' 2>/dev/null)
cp "$T/config-b.json" "$T/hazardd.json"
kill -HUP "$HZ_PID"
wait_for 'grep -q "reload (SIGHUP): applied" "$HZ_LOG"' 10
check "SIGHUP: reload applied" "no 'applied' line in the log" \
	grep -q "reload (SIGHUP): applied" "$HZ_LOG"
wait "$STREAM"
STREAM_RC=$?
check "stream: every reading acknowledged by the broker" "pub.py exit $STREAM_RC: $(tail -n 2 "$T/stream.out")" \
	test "$STREAM_RC" = 0
wait_for '[ "$(db "SELECT count(*) FROM readings WHERE device='"'stream-1'"'")" -ge '$N' ]' 15
STORED=$(db "SELECT count(*) FROM readings WHERE device='stream-1'")
info "stream: sent $N, stored $STORED"
check "nothing queued is lost: readings sent = stored" "sent $N, stored $STORED" \
	test "$STORED" = "$N"
ACC1=$(ctl --json devices | jpy '[x for x in d if x["id"] == "stream-1"][0]["accepted"]' 2>/dev/null)
info "stream-1 accepted: $ACC0 before the reload, $ACC1 after the stream"
check "device counters carry over the reload" "accepted $ACC0 -> $ACC1 (want $N)" \
	test "${ACC1:-0}" = "$N"

# --- the new config is live
pub t/gas-1 '{"gas_lel": 15}'
check "after reload: the next reading uses the new threshold (15 >= lel_low 10)" \
	"no gas_leak alarm on gas-1" \
	wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE kind='"'alarm'"' AND device='"'gas-1'"' AND type='"'gas_leak'"'")" = 1 ]' 10
pub t/smoke-new '{"smoke": true}'
check "after reload: the added device is live" "no smoke_alarm alarm on smoke-new" \
	wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE kind='"'alarm'"' AND device='"'smoke-new'"' AND type='"'smoke_alarm'"'")" = 1 ]' 10
check "status: 5 devices" "$(status_get 's["devices"]')" \
	test "$(status_get 's["devices"]')" = 5
check "after reload: plug-1 (now at another index) is still latched off" "latched $(plug_latch)" \
	test "$(plug_latch)" = off

# --- no reconnect
sleep 1
check "no reconnect to the local broker" "connections $LOCAL_CONN0 -> $(conns local)" \
	test "$(conns local)" = "$LOCAL_CONN0"
check "no reconnect to the upstream broker" "connections $UP_CONN0 -> $(conns up)" \
	test "$(conns up)" = "$UP_CONN0"
check "new device subscribed on the same session" "no subscribe line in the log" \
	grep -q "local: subscribed to [1-9][0-9]* new topics, unsubscribed from 0, on the same session" "$HZ_LOG"

# --- an invalid config: SIGHUP logs every error, the old config runs on
$PY - "$T/config-b.json" "$T/bad.json" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["devices"][0]["kind"] = "gas"                 # unknown kind
cfg["rules"]["gas_detector"]["lel_lowest"] = 3     # unknown key
cfg["devices"].append({"id": "late-1", "kind": "smoke_alarm", "site": "site-1",
                       "topic": "t/late-1", "format": "native"})
json.dump(cfg, open(sys.argv[2], "w"), indent=2)
EOF
cp "$T/bad.json" "$T/hazardd.json"
LINES0=$(wc -l <"$HZ_LOG")
kill -HUP "$HZ_PID"
wait_for 'tail -n +'"$LINES0"' "$HZ_LOG" | grep -q "is not valid"' 10
NEWLOG=$(tail -n +"$LINES0" "$HZ_LOG")
check "SIGHUP, invalid config: refused, still running on the previous one" "$(echo "$NEWLOG" | tail -n 3)" \
	grep -q "still running on the previous one" <<<"$NEWLOG"
check "SIGHUP, invalid config: the log names FILE:LINE: \$.path of the bad kind" "$(echo "$NEWLOG" | head -n 5)" \
	grep -qE "hazardd.json:[0-9]+: \\\$\.devices\[0\]\.kind" <<<"$NEWLOG"
check "SIGHUP, invalid config: the log names the unknown key too" "$(echo "$NEWLOG" | head -n 5)" \
	grep -qE "hazardd.json:[0-9]+: \\\$\.rules\.gas_detector\.lel_lowest" <<<"$NEWLOG"
check "hazardd still alive" "it exited" hz_alive

# --- hazardctl reload: errors printed, exit 1, nothing applied
OUT=$(ctl reload 2>&1)
RC=$?
check "hazardctl reload, invalid config: exit status 1" "exit $RC" test "$RC" = 1
check "hazardctl reload prints every error with FILE:LINE: \$.path" "$OUT" \
	bash -c 'grep -qE "hazardd.json:[0-9]+: \\\$\.devices\[0\]\.kind" <<<"$1" &&
		 grep -qE "hazardd.json:[0-9]+: \\\$\.rules\.gas_detector\.lel_lowest" <<<"$1"' _ "$OUT"
check "invalid config: still 5 devices (late-1 not added)" "$(status_get 's["devices"]')" \
	test "$(status_get 's["devices"]')" = 5
pub t/gas-1 '{"gas_lel": 0}'
pub t/gas-1 '{"gas_lel": 12}'
# 0 ends the alarm; 12 (>= 10, < 25) raises a second one
check "invalid config: the running threshold is still lel_low 10" "gas-1 did not end and raise a new alarm: $(db "SELECT id, state FROM hazards WHERE device='gas-1'" | tr '\n' ' ')" \
	wait_for '[ "$(db "SELECT group_concat(state) FROM (SELECT state FROM hazards WHERE kind='"'alarm'"' AND device='"'gas-1'"' AND type='"'gas_leak'"' ORDER BY raised_at_ms, rowid)")" = ended,active ]' 10

# --- hazardctl reload, valid, with a restart-only key changed
$PY - "$T/config-b.json" "$T/hazardd.json" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["control"]["socket"] = cfg["control"]["socket"] + ".new"
cfg["rules"]["gas_detector"]["lel_low"] = 20
json.dump(cfg, open(sys.argv[2], "w"), indent=2)
EOF
OUT=$(ctl --socket "$T/control.sock" reload 2>&1)
RC=$?
check "hazardctl reload: exit 0 and \"configuration reloaded\"" "exit $RC: $OUT" \
	bash -c '[ "$1" = 0 ] && grep -q "configuration reloaded" <<<"$2"' _ "$RC" "$OUT"
check "hazardctl reload: control.socket needs a restart" "$OUT" \
	grep -q "needs a restart: control.socket" <<<"$OUT"
check "the control socket stays where it was" "no socket at $T/control.sock" \
	test -S "$T/control.sock"
check "the rest applied: status over the old socket still answers" "no answer" \
	"$HAZARDCTL" --socket "$T/control.sock" status
check "still no reconnect after three reloads" "local $LOCAL_CONN0 -> $(conns local), up $UP_CONN0 -> $(conns up)" \
	test "$(conns local)" = "$LOCAL_CONN0" -a "$(conns up)" = "$UP_CONN0"

# --- removing a device: its live alarm stays in the database
cp "$T/config-a.json" "$T/hazardd.json"
OUT=$(ctl --socket "$T/control.sock" reload 2>&1)
check "reload removing smoke-new applies" "$OUT" grep -q "configuration reloaded" <<<"$OUT"
check "removed device: its live alarm stays in the database" "$(db "SELECT id, kind, state FROM hazards WHERE device='smoke-new'")" \
	test "$(db "SELECT kind || ' ' || state FROM hazards WHERE device='smoke-new'")" = "alarm active"
pub t/smoke-new '{"smoke": false}'
sleep 0.5
check "removed device: its messages are unknown again" "$(db "SELECT id, kind, state FROM hazards WHERE device='smoke-new'")" \
	test "$(db "SELECT kind || ' ' || state FROM hazards WHERE device='smoke-new'")" = "alarm active"
check "after four reloads: plug-1 still latched off" "latched $(plug_latch)" \
	test "$(plug_latch)" = off

check "status counts 3 reloads applied and 2 refused" \
	"$(ctl --socket "$T/control.sock" --json status | jpy 'd["counters"]')" \
	test "$(ctl --socket "$T/control.sock" --json status | jpy '[d["counters"]["reloads"], d["counters"]["reloads_refused"]]')" = "[3, 2]"

# the removed device's topics leave the persistent session (UNSUBSCRIBE
# after the reload's SUBSCRIBEs), and the broker confirmed it
check "reload removing smoke-new unsubscribes its topics" "$(grep 'local: subscribed to' "$HZ_LOG" | tail -n 1)" \
	grep -qE "local: subscribed to 0 new topics, unsubscribed from [1-9][0-9]*, on the same session" "$HZ_LOG"
check "the broker answered the UNSUBSCRIBE" "no UNSUBACK line in the log" \
	wait_for 'grep -qE "mqtt_sub [^ ]+: unsubscribed from [1-9][0-9]* filters" "$HZ_LOG"' 10

kill_hazardd
check "clean exit after the reloads" "exit $HZ_EXIT" test "$HZ_EXIT" = 0

# --- while hazardd is down, the broker keeps messages for the kept
# devices only: the removed device's is not delivered after the restart
GAS0=$(db "SELECT count(*) FROM readings WHERE device='gas-1'")
pub t/smoke-new '{"smoke": true}'
pub t/gas-1 '{"gas_lel": 1}'
if start_hazardd "$T/hazardd.json"; then
	check "kept device: its message published while hazardd was down arrives after the restart" \
		"gas-1 readings $GAS0 -> $(db "SELECT count(*) FROM readings WHERE device='gas-1'")" \
		wait_for '[ "$(db "SELECT count(*) FROM readings WHERE device='"'gas-1'"'")" -gt "$GAS0" ]' 10
	# the broker delivers a session's messages in order: smoke-new's,
	# published first, would have come before gas-1's
	check "removed device: its message published while hazardd was down is not delivered" \
		"unknown_topic $(status_get 's["counters"]["unknown_topic"]')" \
		test "$(status_get 's["counters"]["unknown_topic"]')" = 0
	kill_hazardd
else
	fail "hazardd restarts after the reloads" "see the log"
fi
