#!/usr/bin/env bash
# t_schema.sh: every upstream message a running gateway sends validates
# against its JSON Schema in docs/schema/ (python3-jsonschema).  The run
# produces each kind of record, version 2, with every event it can reach:
# alarms (raised, updated when the level rises, acknowledged, verified
# real, false and test, ended), faults (raised, cleared, dismissed) and
# hazards (raised at once for a restaurant's gas leak and on a verified
# alarm; updated, cleared, reopened, acknowledged, rectifying, escalated
# past a short deadline, submitted, reinspect_failed, closed, assigned), with
# interlock actions; telemetry,
# status (birth, periodic, with the commands and storage objects), a
# summary, the site register, and replies (ok, refused, not authenticated, the listings of
# alarms, faults and hazards).  The command envelopes and bodies that
# tools/hzcmd.py signs validate against theirs, and messages with a wrong
# field are rejected by the schemas (the check can fail).
source "$(dirname "$0")/lib.sh"

SCHEMA=$TOP/docs/schema
if ! $PY -c 'import jsonschema' 2>/dev/null; then
	echo "SKIP: schema: python3-jsonschema is not installed (apt-get install python3-jsonschema)"
	exit 77
fi

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
new_command_key "$T/cmd.key"

write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" \
	"upstream.status_interval_s=10" "upstream.telemetry_interval_s=1" \
	"rules.gas_detector.hold_s=0" 'deadlines.types={"smoke_alarm": {"general_h": 0.001}}' \
	"records.normal_before_submit_h=0" \
	'sites=[{"id": "site-1", "kind": "restaurant", "name": "E2E kitchen", "address": "1 Test Road", "grid": "G-E2E", "people": [{"id": "wang", "name": "Wang Wei", "role": "owner", "phone": "13800000000"}, {"id": "zhao", "name": "Zhao Lei", "role": "grid_worker"}]}, {"id": "site-2", "kind": "charging_station", "name": "E2E e-bike shed", "address": "2 Test Road"}]' \
	'interlocks=[{"hazard": "smoke_alarm", "device": "smk-1", "actions": [{"device": "plug-1", "set": "off"}]}]' <<'EOF'
{"id": "smk-1", "kind": "smoke_alarm"}
{"id": "smk-2", "kind": "smoke_alarm"}
{"id": "smk-3", "kind": "smoke_alarm"}
{"id": "gas-1", "kind": "gas_detector", "model": "JT-AEC2361", "installed": "2025-03-01", "sensor_life_y": 5}
{"id": "gas-2", "kind": "gas_detector", "gas": "lpg", "calibration_due": "2026-09-01"}
{"id": "plug-1", "kind": "ebike_charger", "topic": "t/plug-1", "confirm_s": 3}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

# ---- traffic of every kind
# rec_id KIND DEVICE TYPE: the newest record of that kind, device and type
rec_id() {
	db "SELECT id FROM hazards WHERE kind='$1' AND device='$2' AND type='$3' ORDER BY raised_at_ms DESC, id DESC LIMIT 1"
}
state_of() { db "SELECT state FROM hazards WHERE id='$1'"; }
# hz_ok CMD FIELDS...: a signed command whose reply must say ok
hz_ok() {
	local r
	r=$(hz "$@") && echo "$r" | jpy 'd["ok"]' | grep -qx true && return 0
	fail "platform command $1 ${2:-}" "reply: ${r:-none}"
	return 1
}
# gas at a restaurant: an alarm and, at once, the hazard standing for it
pub t/gas-1 '{"gas_lel": 30, "battery": 80}'
wait_for '[ -n "$(rec_id hazard gas-1 gas_leak)" ]' 10
pub t/gas-1 '{"gas_lel": 60}'                   # alarm level high: updated
pub t/gas-1 '{"gas_lel": 0}'                    # alarm ended, hazard normal (cleared)
A1=$(rec_id alarm gas-1 gas_leak)
wait_for '[ "$(state_of "$A1")" = ended ]' 10
pub t/gas-1 '{"gas_lel": 35}'                   # a new alarm, the hazard reopened
wait_for '[ "$(rec_id alarm gas-1 gas_leak)" != "$A1" ]' 10
A2=$(rec_id alarm gas-1 gas_leak)
H1=$(rec_id hazard gas-1 gas_leak)
hz_ok ack alarm_id="$A2" who=schema.test note=seen
hz_ok verify-alarm alarm_id="$A2" verdict='"false"' who=schema.test note="cooking fumes"
wait_for '[ "$(state_of "$H1")" = open ]' 10
hz_ok ack hazard_id="$H1" who=schema.test
hz_ok assign hazard_id="$H1" person=wang who=schema.test note="please fix the hose"
ctl assign "$H1" zhao --actor schema.test >/dev/null || fail "hazardctl assign $H1" "refused"
ctl rectifying "$H1" --note "hose ordered" --actor schema.test >/dev/null ||
	fail "hazardctl rectifying $H1" "refused"
pub t/gas-1 '{"gas_lel": 0}'
normal_again() { [ "$(db "SELECT cleared_at_ms > 0 FROM hazards WHERE id='$1'")" = 1 ]; }
wait_for "normal_again $H1" 10
hz_ok submit hazard_id="$H1" who=schema.fitter note="hose replaced" evidence="photo 3"
hz_ok verify hazard_id="$H1" result=fail who=schema.test note="still smells"
hz_ok submit hazard_id="$H1" who=schema.fitter note="valve tightened"
hz_ok close hazard_id="$H1" who=schema.test note="hose replaced"

# smoke verified real: a hazard past its (short) deadline is escalated
pub t/plug-1 '{"power_w": 120, "current_a": 0.5, "temp_c": 30, "relay": true}'
pub t/smk-1 '{"smoke": true}'
wait_for '[ -n "$(rec_id alarm smk-1 smoke_alarm)" ]' 10
AS=$(rec_id alarm smk-1 smoke_alarm)
hz_ok verify-alarm alarm_id="$AS" verdict=real who=schema.test
HS=$(rec_id hazard smk-1 smoke_alarm)
wait_for '[ "$(db "SELECT overdue FROM hazards WHERE id='"'$HS'"'")" = 1 ]' 15 ||
	fail "the verified smoke hazard passes its deadline" "not overdue: $(db "SELECT state, deadline_ms FROM hazards WHERE id='$HS'")"
pub t/smk-1 '{"smoke": false}'
wait_for "normal_again $HS" 10
hz_ok submit hazard_id="$HS" who=schema.fitter note="detector cleaned"
hz_ok verify hazard_id="$HS" result=pass who=schema.test note="detector cleaned"

# a test press: the button alone raises nothing (a self-test); test gas
# past the threshold raises an alarm, verified test by hazardd at once,
# and no hazard even at a restaurant
pub t/smk-3 '{"smoke": true, "test": true}'
pub t/smk-3 '{"smoke": false}'
pub t/gas-2 '{"gas_lel": 60, "test": true}'
wait_for '[ -n "$(rec_id alarm gas-2 gas_leak)" ]' 10
pub t/gas-2 '{"gas_lel": 0}'

# faults: one clears by itself, one is dismissed with a note
pub t/smk-3 '{"battery": 5}'
wait_for '[ -n "$(rec_id fault smk-3 low_battery)" ]' 10
pub t/smk-3 '{"battery": 95}'
pub t/smk-2 '{"tamper": true}'
wait_for '[ -n "$(rec_id fault smk-2 tamper)" ]' 10
hz_ok dismiss fault_id="$(rec_id fault smk-2 tamper)" who=schema.test note="bracket refitted"

# replies of every shape
hz status >/dev/null || true
hz hazards >/dev/null || true
hz alarms >/dev/null || true
hz faults >/dev/null || true
hz summary publish=true >/dev/null || true
hz set-rules 'rules={"devices": {"gas-1": {"lel_low": 20}}}' >/dev/null || true
hz resend from_seq=1 max=5 >/dev/null || true
hz ack hazard_id=nope who=x >/dev/null || true
hz close hazard_id="$AS" who=x note=x >/dev/null || true  # an alarm's id: refused
hz dismiss fault_id=nope who=x >/dev/null || true       # no note: refused
hz status --unsigned >/dev/null || true
# the interlock's command to plug-1 is not confirmed: a command_failed
# fault (confirm_s 3); then the operator's confirmed command clears it
wait_for '[ -n "$(rec_id fault plug-1 command_failed)" ]' 15
pub t/plug-1 '{"relay": false}'
sleep 11          # a periodic status and a telemetry flush
kill_hazardd      # the offline status
sleep 1

# ---- validate what was recorded
$PY "$E2E/schema_check.py" "$REC_OUT" "$SCHEMA" >"$T/validate.out" 2>&1
rc=$?
grep -E '^INVALID' "$T/validate.out" | head -10
if [ $rc -eq 0 ]; then
	pass "every recorded upstream message validates against its schema"
else
	fail "upstream messages validate" "$(grep -c '^INVALID' "$T/validate.out") invalid; $(grep -v '^INVALID' "$T/validate.out" | tail -3 | tr '\n' ' ')"
fi
seen=$(sed -n 's/^SEEN //p' "$T/validate.out")
info "validated: $seen"
for k in alarm fault hazard telemetry status summary reply register; do
	n=$(echo "${seen:-{\}}" | jpy "d.get('$k', 0)" 2>/dev/null)
	check "at least one $k message was captured and checked" "none" [ "${n:-0}" -ge 1 ]
done
# the events of each kind, as recorded (and validated above)
evs() { rec_py 'print(" ".join(sorted({r["event"] for r in recs if r["_kind"] == sys.argv[3]})))' "$1"; }
info "alarm events: $(evs alarm); fault events: $(evs fault); hazard events: $(evs hazard)"
for ke in alarm:raised alarm:updated alarm:acknowledged alarm:verified alarm:ended \
	  fault:raised fault:cleared fault:dismissed \
	  hazard:raised hazard:updated hazard:cleared hazard:reopened hazard:acknowledged \
	  hazard:rectifying hazard:escalated hazard:submitted hazard:reinspect_failed \
	  hazard:closed hazard:assigned; do
	k=${ke%%:*} e=${ke#*:}
	check "$k event '$e' captured" "$k events: $(evs "$k")" \
		rec_py 'sys.exit(0 if any(r["_kind"] == sys.argv[3] and r["event"] == sys.argv[4] for r in recs) else 1)' "$k" "$e"
done
check "every alarm, fault and hazard event is version 2" \
	"$(rec_py 'print(sorted({(r["_kind"], r.get("v")) for r in recs}))')" \
	rec_py 'sys.exit(0 if recs and all(r.get("v") == 2 for r in recs) else 1)'
check "each record id carries its kind's letter (-A, -F, -H)" \
	"$(rec_py 'print([r["_id"] for r in recs][:8])')" \
	rec_py 'sys.exit(0 if all(("-" + r["_kind"][0].upper()) in (r["_id"] or "") for r in recs) else 1)'
check "verdicts real, false and test reached upstream" \
	"$(rec_py 'print(sorted({r.get("verdict") for r in al if r.get("event") == "verified"}, key=str))')" \
	rec_py 'sys.exit(0 if {r.get("verdict") for r in al if r.get("event") == "verified"} == {"real", "false", "test"} else 1)'
check "the test gas alarm is verified test by hazardd" \
	"$(rec_py 'print([(r.get("verdict"), r.get("actor")) for r in al if r.get("device") == "gas-2" and r.get("event") == "verified"])')" \
	rec_py 'sys.exit(0 if any(r.get("device") == "gas-2" and r.get("verdict") == "test" and r.get("actor") == "hazardd" for r in al if r.get("event") == "verified") else 1)'
check "an acknowledged alarm carries acknowledged_at and response_s" \
	"$(rec_py 'print([r for r in al if r.get("event") == "acknowledged"][:1])')" \
	rec_py 'sys.exit(0 if any("acknowledged_at" in r and r.get("response_s", -1) >= 0 for r in al if r.get("event") == "acknowledged") else 1)'
check "hazard reasons: alarm (restaurant gas) and verified (smoke, source its alarm)" \
	"$(rec_py 'print(sorted({(r.get("type"), r.get("reason"), r.get("source")) for r in hz if r.get("event") == "raised"}))')" \
	rec_py 'r = {(h.get("type"), h.get("reason"), h.get("source")) for h in hz if h.get("event") == "raised"}
sys.exit(0 if ("gas_leak", "alarm", sys.argv[3]) in r and ("smoke_alarm", "verified", sys.argv[4]) in r else 1)' "$A1" "$AS"
check "no hazard from the test gas at a restaurant (gas-2)" \
	"$(rec_py 'print([h["hazard_id"] for h in hz if h.get("device") == "gas-2"])')" \
	rec_py 'sys.exit(1 if any(h.get("device") == "gas-2" for h in hz) else 0)'
check "the smoke alarm's test button alone raises no alarm (smk-3)" \
	"$(rec_py 'print([a["alarm_id"] for a in al if a.get("device") == "smk-3"])')" \
	rec_py 'sys.exit(1 if any(a.get("device") == "smk-3" for a in al) else 0)'
for w in REPLY HAZARD HAZARD_V2 ALARM FAULT REGISTER; do
	check "a deliberately wrong ${w,,} message is rejected by its schema" \
		"$(grep "^WRONG_${w}_REJECTED" "$T/validate.out")" grep -q "^WRONG_${w}_REJECTED True" "$T/validate.out"
done
# the replies: listings and refusals, as the platform sees them
rep() { rec_py 'print(json.dumps([m["payload"] for m in msgs if m["topic"] == base + "/reply" and isinstance(m["payload"], dict) and m["payload"].get("cmd") == sys.argv[3]]))' "$1"; }
for c in alarms faults hazards; do
	check "reply to '$c': ok with $c, count and truncated" "$(rep $c | head -c 300)" \
		jpy 'any(r["ok"] and isinstance(r["result"].get("'$c'"), list) and "count" in r["result"] and "truncated" in r["result"] for r in d) or sys.exit(1)' <<<"$(rep $c)"
done
check "reply to 'close' naming an alarm: refused" "$(rep close | head -c 400)" \
	jpy 'any(not r["ok"] and "alarm" in r["error"] for r in d) or sys.exit(1)' <<<"$(rep close)"
check "reply to 'dismiss' without a note: refused" "$(rep dismiss | head -c 400)" \
	jpy 'any(not r["ok"] and "note" in r["error"] for r in d) or sys.exit(1)' <<<"$(rep dismiss)"

# ---- command envelopes and bodies, as hzcmd.py signs them
hzp() { hz "$@" --print; }
{
	echo "ack $(hzp ack hazard_id=gw-1-H1 who=li.wei note=x)"
	echo "ack $(hzp ack alarm_id=gw-1-A1 who=li.wei)"
	echo "close $(hzp close hazard_id=gw-1-H1 who=li.wei note="hose replaced")"
	echo "!close $(hzp close hazard_id=gw-1-H1 who=li.wei)"
	echo "submit $(hzp submit hazard_id=gw-1-H1 who=li.wei note="hose replaced" evidence="photo 3")"
	echo "!submit $(hzp submit hazard_id=gw-1-H1 who=li.wei)"
	echo "verify $(hzp verify hazard_id=gw-1-H1 result=pass who=li.wei note="holds")"
	echo "verify $(hzp verify hazard_id=gw-1-H1 result=fail who=li.wei note="leaks")"
	echo "!verify $(hzp verify hazard_id=gw-1-H1 result=pass who=li.wei)"
	echo "!verify $(hzp verify hazard_id=gw-1-H1 result=maybe who=li.wei note=x)"
	echo "verify-alarm $(hzp verify-alarm alarm_id=gw-1-A1 verdict=real who=li.wei note=x)"
	echo "verify-alarm $(hzp verify-alarm alarm_id=gw-1-A1 verdict=test who=li.wei)"
	echo "dismiss $(hzp dismiss fault_id=gw-1-F1 who=li.wei note="battery replaced")"
	echo "status $(hzp status)"
	echo "hazards $(hzp hazards)"
	echo "alarms $(hzp alarms)"
	echo "faults $(hzp faults)"
	echo "summary $(hzp summary date=2026-11-23)"
	echo "set-rules $(hzp set-rules 'rules={"kinds": {"gas_detector": {"lel_low": 20}}}')"
	echo "resend $(hzp resend from_seq=10 max=100)"
	echo "!status $(hzp status extra=1)"
	echo "!ack $(hzp ack who=li.wei)"
	echo "!ack $(hzp ack alarm_id=gw-1-A1 hazard_id=gw-1-H1 who=li.wei)"
	echo "!ack $(hzp ack fault_id=gw-1-F1 who=li.wei)"
	echo "!close $(hzp close alarm_id=gw-1-A1 who=li.wei)"
	echo "verify-alarm $(hzp verify-alarm alarm_id=gw-1-A1 verdict='"false"' who=li.wei)"
	echo "!verify-alarm $(hzp verify-alarm alarm_id=gw-1-A1 verdict=maybe who=li.wei)"
	echo "!verify-alarm $(hzp verify-alarm alarm_id=gw-1-A1 verdict=false who=li.wei)"
	echo "!verify-alarm $(hzp verify-alarm alarm_id=gw-1-A1 who=li.wei)"
	echo "!dismiss $(hzp dismiss fault_id=gw-1-F1 who=li.wei)"
	echo "!alarms $(hzp alarms open=true)"
	echo "assign $(hzp assign hazard_id=gw-1-H1 person=wang who=li.wei)"
	echo "assign $(hzp assign hazard_id=gw-1-H1 person=wang who=li.wei note="by Friday")"
	echo "!assign $(hzp assign hazard_id=gw-1-H1 who=li.wei)"
	echo "!assign $(hzp assign alarm_id=gw-1-A1 person=wang who=li.wei)"
} >"$T/commands.txt"
$PY - "$T/commands.txt" "$SCHEMA" <<'EOF' >"$T/cmdval.out" 2>&1
import json, os, sys
import jsonschema
cmds, sdir = sys.argv[1], sys.argv[2]
load = lambda n: json.load(open(os.path.join(sdir, n)))
env_s, body_s = load("command-envelope.schema.json"), load("commands.schema.json")
cls = jsonschema.validators.validator_for(env_s)
env_v = cls(env_s)
bad = 0
for line in open(cmds):
    name, _, payload = line.strip().partition(" ")
    expect_ok = not name.startswith("!")
    name = name.lstrip("!")
    env = json.loads(payload)
    ok = env_v.is_valid(env)
    sub = dict(body_s["definitions"][name])
    sub["$schema"] = body_s["$schema"]
    ok = ok and cls(sub).is_valid(json.loads(env["body"]))
    if ok != expect_ok:
        bad += 1
        print("MISMATCH %s expected %s" % (name, expect_ok))
print("COMMANDS_OK" if not bad else "COMMANDS_BAD")
EOF
check "command envelopes and bodies validate (and bad bodies do not)" "$(cat "$T/cmdval.out" | tail -3 | tr '\n' ' ')" \
	grep -q '^COMMANDS_OK' "$T/cmdval.out"
