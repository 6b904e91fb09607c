#!/usr/bin/env bash
# t_schema.sh: every upstream message a running gateway sends validates
# against its JSON Schema in docs/schema/ (python3-jsonschema).  The run
# produces each kind: hazard events (raised, escalated, updated, cleared,
# acknowledged, closed, with interlock actions), telemetry, status (birth,
# periodic, with the commands and storage objects), a summary, and replies
# (ok, refused, not authenticated).  The command envelopes and bodies that
# tools/hzcmd.py signs validate against theirs, and a message with a wrong
# field is rejected by the schema (the check can fail).
source "$(dirname "$0")/lib.sh"

SCHEMA=$TOP/docs/schema
HZCMD=$TOP/tools/hzcmd.py
if ! $PY -c 'import jsonschema' 2>/dev/null; then
	echo "SKIP: schema: python3-jsonschema is not installed (apt-get install python3-jsonschema)"
	exit 77
fi

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/cmd.key"

write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" \
	"upstream.status_interval_s=10" "upstream.telemetry_interval_s=1" \
	"rules.gas_detector.hold_s=0" \
	'interlocks=[{"hazard": "smoke_alarm", "actions": [{"device": "plug-1", "set": "off"}]}]' <<'EOF'
{"id": "smk-1", "kind": "smoke_alarm"}
{"id": "gas-1", "kind": "gas_detector"}
{"id": "plug-1", "kind": "ebike_charger", "topic": "t/plug-1"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"
hz() {
	$PY "$HZCMD" --port "$PORT_up" --district e2edist --gateway gw-e2e-01 \
		--key-file "$T/cmd.key" --wait 10 "$@"
}

# ---- traffic of every kind
pub t/gas-1 '{"gas_lel": 30, "battery": 80}'
pub t/gas-1 '{"gas_lel": 60}'
pub t/gas-1 '{"gas_lel": 0}'
pub t/gas-1 '{"gas_lel": 35}'
pub t/plug-1 '{"power_w": 120, "current_a": 0.5, "temp_c": 30, "relay": true}'
pub t/smk-1 '{"smoke": true}'
wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE device='smk-1'\")\" = 1 ]" 10
HID=$(db "SELECT id FROM hazards WHERE device='smk-1'")
hz ack hazard_id="$HID" who=schema.test note=seen >/dev/null || true
pub t/smk-1 '{"smoke": false}'
wait_for "[ \"\$(db \"SELECT state FROM hazards WHERE id='$HID'\")\" = cleared ]" 10
hz close hazard_id="$HID" who=schema.test note=fixed >/dev/null || true
hz status >/dev/null || true
hz hazards >/dev/null || true
hz summary publish=true >/dev/null || true
hz set-rules 'rules={"devices": {"gas-1": {"lel_low": 20}}}' >/dev/null || true
hz resend from_seq=1 max=5 >/dev/null || true
hz ack hazard_id=nope who=x >/dev/null || true
hz status --unsigned >/dev/null || true
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
info "validated: $seen; hazard events: $(sed -n 's/^EVENTS //p' "$T/validate.out")"
for k in hazard telemetry status summary reply; do
	n=$(echo "${seen:-{\}}" | jpy "d.get('$k', 0)" 2>/dev/null)
	check "at least one $k message was captured and checked" "none" [ "${n:-0}" -ge 1 ]
done
for e in raised escalated cleared acknowledged closed; do
	check "hazard event '$e' captured" "events: $(sed -n 's/^EVENTS //p' "$T/validate.out")" \
		grep -q "^EVENTS .*\b$e\b" "$T/validate.out"
done
check "a reply with both result and error is rejected" "accepted" grep -q '^WRONG_REPLY_REJECTED True' "$T/validate.out"
check "a hazard event with a bad time and event is rejected" "accepted" grep -q '^WRONG_HAZARD_REJECTED True' "$T/validate.out"

# ---- command envelopes and bodies, as hzcmd.py signs them
hzp() { hz "$@" --print; }
{
	echo "ack $(hzp ack hazard_id=gw-1-H1 who=li.wei note=x)"
	echo "close $(hzp close hazard_id=gw-1-H1 who=li.wei)"
	echo "status $(hzp status)"
	echo "hazards $(hzp hazards)"
	echo "summary $(hzp summary date=2026-11-23)"
	echo "set-rules $(hzp set-rules 'rules={"kinds": {"gas_detector": {"lel_low": 20}}}')"
	echo "resend $(hzp resend from_seq=10 max=100)"
	echo "!status $(hzp status extra=1)"
	echo "!ack $(hzp ack who=li.wei)"
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
