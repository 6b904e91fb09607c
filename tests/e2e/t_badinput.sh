#!/usr/bin/env bash
# t_badinput.sh: validation is per field (docs/devices.md, Decoding rules).
#  - A payload that cannot be parsed at all (malformed JSON, not an object,
#    a NUL, empty, oversized, trailing data) is rejected and counted, and
#    unreadable_n (5) of them in a row raise one payload_unreadable fault,
#    which the next readable payload clears; fewer in a row raise nothing.
#  - A readable payload with odd fields keeps the rest: every field left out
#    is counted per device and field (hazardctl --json devices bad_fields,
#    status counters.bad_fields), an over-range value saturates, is kept
#    and counted (over_range), and any alarm indication beside odd fields
#    raises its alarm; a wrongly typed false never ends one.
#  - Nothing readable is lost (one stored reading per accepted payload),
#    an unconfigured topic is only counted, and the daemon survives it all.
source "$(dirname "$0")/lib.sh"

MAX_PAYLOAD=262144

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
write_config "$T/hazardd.json" "local.max_payload=$MAX_PAYLOAD" \
	'rules.ebike_charger.hold_s=1' <<'EOF'
{"id": "junk-g",   "kind": "gas_detector"}
{"id": "junk-s",   "kind": "smoke_alarm"}
{"id": "few-g",    "kind": "gas_detector"}
{"id": "odd-g",    "kind": "gas_detector"}
{"id": "al-gas",   "kind": "gas_detector"}
{"id": "al-sat",   "kind": "gas_detector"}
{"id": "al-smoke", "kind": "smoke_alarm"}
{"id": "al-dup",   "kind": "smoke_alarm"}
{"id": "al-co",    "kind": "smoke_alarm"}
{"id": "al-mixed", "kind": "smoke_alarm"}
{"id": "al-amp",   "kind": "ebike_charger"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
C0=$(ctl --json status | jpy 'd["counters"]')

# dev_get DEVICE EXPR: EXPR over the device's object in hazardctl --json
# devices (bound to x)
dev_get() {
	ctl --json devices 2>/dev/null | $PY -c 'import json, sys
d = json.load(sys.stdin)
d = d if isinstance(d, list) else d.get("devices", [])
x = [x for x in d if x.get("id") == sys.argv[1]][0]
v = eval(sys.argv[2])
print(json.dumps(v, sort_keys=True) if isinstance(v, (bool, list, dict)) or v is None else v)' "$1" "$2"
}
# settled N: every one of N more messages received and the intake queue empty
RECV0=$(jpy 'd["received"]' <<<"$C0")
settled() {
	wait_for "[ \"\$(status_get 's[\"counters\"][\"received\"] >= $((RECV0 + $1)) and s[\"intake_queue_depth\"] == 0')\" = true ]" 30
}
SENT=0

# ============================================================ unparseable
C=$T/corpus
mkdir -p "$C"
n=0
add() { n=$((n + 1)); printf '%s' "$2" >"$C/$(printf %02d $n)-$1"; }
add malformed        '{"gas_lel": 30,,}'
add truncated        '{"smoke": tr'
add truncated2       '{"gas_lel": 60'
add unterminated_str '{"smoke": "yes'
add nan_literal      '{"gas_lel": NaN}'
add array            '[{"smoke": true}, {"gas_lel": 90}]'
add bare_number      '42'
add bare_string      '"smoke"'
add bare_true        'true'
add single_quotes    "{'smoke': true}"
add trailing_garbage '{"smoke": true} trailing'
add two_objects      '{"smoke": true}{"gas": true}'
add empty            ''
# 100,000 nested arrays: a recursive parser without a depth limit overflows
$PY -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' >"$C/$((n += 1))-deep_nesting"
# over local.max_payload, and valid JSON except for its size
$PY -c 'import sys; sys.stdout.write("{\"smoke\": true, \"pad\": \"" + "x" * 2097152 + "\"}")' >"$C/$((n += 1))-oversized_2MB"
head -c 512 /dev/urandom >"$C/$((n += 1))-random_binary"
printf '\0' >>"$C/$n-random_binary"        # never valid JSON, whatever the draw
# a NUL would end the text for a C string parser: the junk after it counts
printf '{"smoke": true}\0junk' >"$C/$((n += 1))-nul_then_junk"
# starts like the real thing, then binary that can never close the object
$PY -c 'import os, sys
junk = bytes(b for b in os.urandom(256) if b not in b"\"}\\")[:64]
sys.stdout.buffer.write(b"{\"smoke\": true, \"x\": \"" + junk)' >"$C/$((n += 1))-json_then_binary"
files=("$C"/*)
N_JUNK=${#files[@]}
args=()
for f in "${files[@]}"; do args+=(--payload-file "$f"); done
for dev in junk-g junk-s; do
	if pubpy -t "t/$dev" "${args[@]}" >/dev/null; then
		SENT=$((SENT + N_JUNK))
	else
		fail "publish the unparseable corpus to $dev" "pub.py failed"
	fi
done
# fewer than unreadable_n in a row, twice, split by a readable payload
pubpy -t t/few-g "${args[@]:0:8}" >/dev/null &&
	pub t/few-g '{"gas_lel": 0}' &&
	pubpy -t t/few-g "${args[@]:8:8}" >/dev/null && SENT=$((SENT + 9))
info "sent $N_JUNK unparseable payloads to junk-g and junk-s; 4 + 1 readable + 4 to few-g"
check "all unparseable payloads received" "$(status_get 's["counters"]' 2>&1)" settled "$SENT"
check "hazardd still running after the unparseable corpus" "it exited; see the log" hz_alive
hz_alive || exit 1

for dev in junk-g junk-s; do
	got=$(dev_get $dev '[x["rejected"], x["accepted"], x["bad_fields"], x["over_range"]]')
	check "$dev: every unparseable payload rejected and counted ($N_JUNK), none accepted or field-counted" \
		"[rejected, accepted, bad_fields, over_range] = $got" [ "$got" = "[$N_JUNK, 0, {}, 0]" ]
	if wait_for "upstream_has payload_unreadable raised $dev" 10; then
		out=$(rec_py 'd = sys.argv[3]
ev = [(f.get("event"), f.get("state")) for f in ft if f.get("device") == d]
print("" if ev == [("raised", "active")] else ev)' $dev)
		check "$dev: $N_JUNK unparseable in a row raise one payload_unreadable fault" "$out" [ -z "$out" ]
	else
		fail "$dev: payload_unreadable fault raised" "none upstream within 10 s"
	fi
done
got=$(dev_get few-g '[x["rejected"], x["accepted"]]')
check "few-g: 8 rejected, 1 accepted" "$got" [ "$got" = "[8, 1]" ]
sleep 1
n=$(rec_py 'print(sum(1 for r in recs if r.get("device") == "few-g"))')
check "few-g: 4 unparseable in a row (twice) raise nothing" "$n events" [ "$n" = 0 ]
n=$(rec_py 'print([(r["_kind"], r.get("device"), r.get("type")) for r in recs if r.get("type") != "payload_unreadable"])')
check "the unparseable corpus raised no alarm and no other record (its smoke and gas words never read)" "$n" [ "$n" = "[]" ]
n=$(db "SELECT count(*) FROM readings WHERE device IN ('junk-g', 'junk-s')")
check "no reading stored from a rejected payload" "$n readings" [ "$n" = 0 ]

# the next readable payload clears the fault
pub t/junk-g '{"gas_lel": 0}'
pub t/junk-s '{"battery": 90}'
SENT=$((SENT + 2))
for dev in junk-g junk-s; do
	check "$dev: a readable payload clears payload_unreadable" "not cleared within 10 s" \
		wait_for "upstream_has payload_unreadable cleared $dev" 10
done

# ============================================================ odd fields
# device<TAB>count<TAB>payload (verbatim)<TAB>fields left out<TAB>over_range
# <TAB>alarm it must raise (- none).  Counts are per message: a payload sent
# count times counts count times.  Alarm flags are held to no hold_s;
# values (current_a) are held hold_s 1, hence the repeats.
ODD=$T/odd.tsv
cat >"$ODD" <<'EOF'
odd-g	1	{"gas_lel": "50"}	gas_lel	0	-
odd-g	1	{"gas_lel": {"value": 80}}	gas_lel	0	-
odd-g	1	{"gas_lel": 1e999}	gas_lel	0	-
odd-g	1	{"gas_lel": -3}	gas_lel	0	-
odd-g	1	{"battery": -1e999}	battery	0	-
odd-g	1	{"battery": "n/a", "gas_lel": 10}	battery	0	-
odd-g	1	{"ts": "yesterday", "gas_lel": 5}	-	0	-
odd-g	1	{"gas": "false", "fault": "maybe"}	gas,fault	0	-
odd-g	1	{"alarm": null, "tamper": [], "gas": 0}	tamper,gas	0	-
odd-g	1	{"gas_lel": 5, "gas_lel": 7}	gas_lel	0	-
odd-g	1	{"co_ppm": "lots", "temp_c": -300}	co_ppm,temp_c	0	-
odd-g	1	{"battery": 150, "unknown_key": {"deep": [1, 2]}}	-	1	-
al-gas	1	{"gas": "true", "battery": "n/a"}	gas,battery	0	gas_leak
al-sat	1	{"alarm": true, "gas_lel": 150}	-	1	gas_leak
al-smoke	1	{"smoke": 1, "tamper": "yes"}	smoke,tamper	0	smoke_alarm
al-dup	1	{"smoke": false, "smoke": true}	smoke	0	smoke_alarm
al-co	1	{"carbon_monoxide": "on", "co_ppm": "x"}	carbon_monoxide,co_ppm	0	co_alarm
al-mixed	1	{"smoke": true, "gas_lel": "high", "ts": "yesterday"}	gas_lel	0	smoke_alarm
al-amp	10	{"power_w": -5, "current_a": 9}	power_w	0	charger_overcurrent
EOF
$PY - "$ODD" >"$T/odd.jsonl" 2>"$T/odd.err" <<'PYEOF' || fail "odd-field table" "$(cat "$T/odd.err")"
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    dev, count, payload = line.rstrip("\n").split("\t")[:3]
    for i in range(int(count)):
        print(json.dumps({"topic": "t/" + dev, "payload": payload,
                          "sleep": 0.3 if int(count) > 1 else 0}))
PYEOF
n_odd=$(wc -l <"$T/odd.jsonl")
pubpy --file "$T/odd.jsonl" >/dev/null || fail "publish the odd-field payloads" "pub.py failed"
SENT=$((SENT + n_odd))
check "all $n_odd odd-field payloads received" "$(status_get 's["counters"]' 2>&1)" settled "$SENT"
check "hazardd still running after the odd fields" "it exited; see the log" hz_alive

# the expectations per device, from the table
EXPECT=$($PY - "$ODD" <<'PYEOF'
import collections, json, sys
exp = collections.OrderedDict()
for line in open(sys.argv[1], encoding="utf-8"):
    dev, count, payload, bad, over, alarm = line.rstrip("\n").split("\t")
    n = int(count)
    e = exp.setdefault(dev, {"accepted": 0, "bad_fields": {}, "over_range": 0, "alarms": []})
    e["accepted"] += n
    for f in ([] if bad == "-" else bad.split(",")):
        e["bad_fields"][f] = e["bad_fields"].get(f, 0) + n
    e["over_range"] += int(over) * n
    if alarm != "-" and alarm not in e["alarms"]:
        e["alarms"].append(alarm)
print(json.dumps(exp))
PYEOF
)
for dev in $(jpy '" ".join(d)' <<<"$EXPECT"); do
	want=$(jpy "[d['$dev'][k] for k in ('accepted', 'bad_fields', 'over_range')] + [0]" <<<"$EXPECT" |
		$PY -c 'import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')
	got=$(dev_get "$dev" '[x["accepted"], x["bad_fields"], x["over_range"], x["rejected"]]')
	check "$dev: accepted, bad_fields by field, over_range as the table says" "got $got, want $want" \
		[ "$got" = "$want" ]
	for a in $(jpy "' '.join(d['$dev']['alarms'])" <<<"$EXPECT"); do
		check "$dev: $a raised beside its odd fields" "no $a alarm raised within 10 s" \
			wait_for "upstream_has $a raised $dev" 10
	done
done
sleep 1
out=$(rec_py 'exp = json.loads(sys.argv[3])
bad = [(r["_kind"], r.get("device"), r.get("type")) for r in recs
       if r.get("event") == "raised" and r.get("device") in exp and
       not (r["_kind"] in ("alarm", "hazard") and r.get("type") in exp[r["device"]]["alarms"])]
print(bad if bad else "")' "$EXPECT")
check "no alarm or fault raised by an odd field (a left-out tamper, fault or battery is no condition)" \
	"$out" [ -z "$out" ]
lvl=$(rec_py 'print([a.get("level") for a in al if a.get("device") == "al-sat" and a.get("event") == "raised"])')
check "al-sat: gas_lel 150 saturates at full scale: a high-level alarm" "levels $lvl" [ "$lvl" = "['high']" ]
ev=$(rec_py 'print([a.get("evidence", {}).get("raised", {}).get("over_range") for a in al if a.get("device") == "al-sat"][:1])')
check "al-sat: the reading in the alarm's evidence marks gas_lel over_range" "evidence.raised.over_range $ev" \
	[ "$ev" = "[['gas_lel']]" ]
last=$(dev_get odd-g '[x["last"].get("battery"), x["last"].get("over_range"), x["last"].get("gas_lel")]')
check "odd-g: last reading keeps the saturated battery (100, marked) and the valid gas_lel" \
	"$last" [ "$last" = '[100, ["battery"], 7]' ]

# a wrongly typed false does not end an alarm
pub t/al-gas '{"gas": "false"}'
pub t/al-smoke '{"smoke": "no"}'
SENT=$((SENT + 2))
settled "$SENT"
sleep 1.5
n=$(rec_py 'print([(a.get("device"), a.get("event")) for a in al if a.get("event") == "ended"])')
check "a wrongly typed false (\"false\", \"no\") ends no alarm" "$n" [ "$n" = "[]" ]
got=$(dev_get al-gas 'x["bad_fields"].get("gas")')
check "al-gas: the wrongly typed false counted too" "bad_fields.gas $got" [ "$got" = 2 ]

# ============================================================ totals
C1=$(ctl --json status | jpy 'd["counters"]')
want=$($PY -c 'import json, sys
e = json.loads(sys.argv[1])
n_junk = int(sys.argv[2])
bad = sum(sum(v["bad_fields"].values()) for v in e.values()) + 2   # the two falses
print(json.dumps({"rejected": 2 * n_junk + 8, "bad_fields": bad,
                  "over_range": sum(v["over_range"] for v in e.values())}, sort_keys=True))' "$EXPECT" "$N_JUNK")
got=$($PY -c 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({k: b[k] - a[k] for k in ("rejected", "bad_fields", "over_range")}, sort_keys=True))' "$C0" "$C1")
check "status counters: rejected, bad_fields and over_range grew by exactly what was sent" \
	"got $got, want $want" [ "$got" = "$want" ]
acc=$($PY -c 'import json, sys; print(json.loads(sys.argv[2])["accepted"] - json.loads(sys.argv[1])["accepted"])' "$C0" "$C1")
check "status counters: accepted = every readable payload ($((n_odd + 5)))" "accepted grew by $acc" \
	[ "$acc" = $((n_odd + 5)) ]
# nothing readable is lost: one stored reading per accepted payload
n=$(db "SELECT count(*) FROM readings")
check "one stored reading per accepted payload ($((n_odd + 5)))" "$n readings" [ "$n" = $((n_odd + 5)) ]
n=$(db "SELECT count(*) FROM readings WHERE data LIKE '%over_range%'")
check "stored readings mark over_range (odd-g battery, al-sat gas_lel)" "$n marked" [ "$n" = 2 ]

# ============================================================ unknown device
# a sender on zigbee2mqtt/ that is not configured is heard by discovery
# only: listed and counted, never decoded, never a record
u0=$(status_get 's["unknown_senders"]["messages"]')
args2=()
for f in "${files[@]:0:5}"; do args2+=(--payload-file "$f"); done
pubpy -t zigbee2mqtt/stranger "${args2[@]}" >/dev/null
mosquitto_pub -h 127.0.0.1 -p "$PORT_local" "${LOCAL_PUB_AUTH[@]}" -q 1 -t zigbee2mqtt/stranger -m '{"smoke": true, "gas": true}'
mosquitto_pub -h 127.0.0.1 -p "$PORT_local" "${LOCAL_PUB_AUTH[@]}" -q 1 -t zigbee2mqtt/stranger -f "$C/$(cd "$C" && ls | grep oversized)"
if wait_for "[ \"\$(status_get 's[\"unknown_senders\"][\"messages\"]')\" -ge $((u0 + 7)) ]" 10; then
	pass "an unknown sender's 7 messages (junk, oversized, an alarm) are counted by discovery"
else
	fail "unknown sender counted" "unknown_senders $(status_get 's["unknown_senders"]')"
fi
cnt=$(ctl --json devices --unknown 2>/dev/null | $PY -c 'import json, sys
d = json.load(sys.stdin)
d = d if isinstance(d, list) else next((v for v in d.values() if isinstance(v, list)), [])
print([x.get("count") for x in d if x.get("topic") == "zigbee2mqtt/stranger"])')
check "devices --unknown lists zigbee2mqtt/stranger with its 7 messages" "got $cnt" [ "$cnt" = "[7]" ]
sleep 0.5
n=$(rec_py 'print(sum(1 for r in recs if r.get("device") not in json.loads(sys.argv[3])))' "$($PY -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["devices"] and [d["id"] for d in json.load(open(sys.argv[1]))["devices"]]))' "$T/hazardd.json")")
check "an unknown sender raises nothing" "$n records of unconfigured devices" [ "$n" = 0 ]
check "hazardd still running after the unknown sender" "it exited" hz_alive

# ============================================================ still healthy
pub t/junk-s '{"smoke": true}'
check "junk-s: a valid smoke alarm after the corpus goes through" "no smoke_alarm raised within 10 s" \
	wait_for 'upstream_has smoke_alarm raised junk-s' 10
pub t/junk-g '{"gas": true}'
check "junk-g: a valid gas alarm flag after the corpus goes through" "no gas_leak raised within 10 s" \
	wait_for 'upstream_has gas_leak raised junk-g' 10
grep -c 'rejected\|left out' "$HZ_LOG" >"$T/logcount"
info "hazardd log: $(wc -l <"$HZ_LOG") lines, $(cat "$T/logcount") about rejected payloads or left-out fields (rate-limited)"
check "hazardd still running" "it exited" hz_alive
kill_hazardd
check "SIGTERM: hazardd exits with status 0" "exit ${HZ_EXIT:-?}" [ "${HZ_EXIT:-1}" = 0 ]
