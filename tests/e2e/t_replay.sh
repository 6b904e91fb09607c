#!/usr/bin/env bash
# t_replay.sh: replay every real published payload shape of
# tests/data/payloads.tsv (zigbee2mqtt, Tasmota, Shelly, native; the labels
# name their sources) through a real broker, each to its own configured
# device of the right format and kind, and check what docs/devices.md
# ("Decoding rules", "What the sample shapes yield") says each yields:
#  - every alarm-bearing sample raised its alarm, of its type (CO samples
#    co_alarm, never gas_leak) and level, alarm flags beside odd, unknown
#    and over-range fields included; availability and fault samples their
#    fault;
#  - every odd field was counted (bad_fields by field, over_range), per
#    device and in the status counters, and nothing was rejected;
#  - no sample raised anything it does not carry.
# Table-driven: one line of EXPECT per sample label; a sample without a line
# (or a line without a sample) fails.
source "$(dirname "$0")/lib.sh"

TSV=$TOP/tests/data/payloads.tsv

# label (up to "__")<TAB>device kind<TAB>format<TAB>topic tail (- the
# device's topic; availability, LWT: that derived topic)<TAB>records it
# raises (alarm or fault types, comma-separated; - none)<TAB>highest alarm
# level (- no alarm)<TAB>fields left out (-)<TAB>fields saturated (-)
EXPECT=$(cat <<'EOF'
z2m_smoke_HS1SA_zb3_alarm	smoke_alarm	zigbee2mqtt	-	smoke_alarm	high	-	-
z2m_gas_HS3CG_testbutton_z2m-2.5.1	gas_detector	zigbee2mqtt	-	-	-	-	-
z2m_plug_TS0121_2020	ebike_charger	zigbee2mqtt	-	-	-	-	-
z2m_plug_ZNCZ04LM_get_112W	ebike_charger	zigbee2mqtt	-	-	-	-	-
z2m_availability_legacy_rawtext	ebike_charger	zigbee2mqtt	availability	-	-	-	-
z2m_availability_json_offline	ebike_charger	zigbee2mqtt	availability	device_offline	-	-	-
tasmota_tele_SENSOR_ENERGY_PowR2_2635W	ebike_charger	tasmota	-	charger_overcurrent,charger_overpower	low	-	-
tasmota_tele_LWT_rawtext_lastwill	ebike_charger	tasmota	LWT	device_offline	-	-	-
shelly_gen2_Switch.GetStatus_go-test	ebike_charger	shelly	-	-	-	-	-
z2m_gas_JT-BZ-01AQ_A_state_work_alarm	gas_detector	zigbee2mqtt	-	gas_leak	low	-	-
z2m_gas_JT-BZ-01AQ_A_state_preparation	gas_detector	zigbee2mqtt	-	-	-	-	-
z2m_gas_TS0601_gas_sensor_2_alarm	gas_detector	zigbee2mqtt	-	gas_leak	low	-	-
z2m_gas_TS0601_gas_sensor_1_fault	gas_detector	zigbee2mqtt	-	detector_fault	-	-	-
z2m_gas_ZB-DG03_lpg_fault_enum	gas_detector	zigbee2mqtt	-	detector_fault	-	-	-
z2m_co_DCR-CO_on	gas_detector	zigbee2mqtt	-	co_alarm	low	-	-
z2m_gas_co_DCR-RQJ	gas_detector	zigbee2mqtt	-	co_alarm	low	-	-
z2m_smoke_co_TS0601_smoke_co_alarm	smoke_alarm	zigbee2mqtt	-	smoke_alarm	high	-	-
z2m_co_Nous_E12_idle	gas_detector	zigbee2mqtt	-	-	-	-	-
z2m_gas_JT-BZ-01AQ_A_over_range_variant	gas_detector	zigbee2mqtt	-	gas_leak	high	-	gas_lel
z2m_gas_TS0601_gas_sensor_2_odd_fields_variant	gas_detector	zigbee2mqtt	-	gas_leak	low	gas_lel,battery,fault	-
z2m_smoke_HS1SA_wrong_typed_variant	smoke_alarm	zigbee2mqtt	-	smoke_alarm	high	battery,battery_low,tamper	-
z2m_gas_state_unknown_word_variant	gas_detector	zigbee2mqtt	-	gas_leak	low	relay	-
native_alarm_over_range_variant	gas_detector	native	-	gas_leak	high	-	gas_lel
native_smoke_battery_na_variant	smoke_alarm	native	-	smoke_alarm	high	battery	-
EOF
)

# ---- the plan: one device per sample, its config line and its message
printf '%s\n' "$EXPECT" >"$T/expect.tsv"
$PY - "$TSV" "$T/expect.tsv" "$T/plan.json" "$T/devices.jsonl" "$T/msgs.jsonl" <<'PYEOF' 2>"$T/plan.err"
import json, sys
tsv, exp_in, plan_out, dev_out, msg_out = sys.argv[1:6]
samples = {}
for line in open(tsv, encoding="utf-8"):
    if line.startswith("#") or "\t" not in line:
        continue
    label, payload = line.rstrip("\r\n").split("\t", 1)
    key = label.split("__")[0]
    if "_rawtext" in label and len(payload) >= 2 and payload[0] == payload[-1] == '"':
        payload = payload[1:-1]
    samples[key] = payload
plan = {"missing_expectation": [], "missing_sample": [], "rows": []}
exp = {}
for line in open(exp_in, encoding="utf-8"):
    if not line.strip():
        continue
    label, kind, fmt, tail, raises, level, bad, over = line.rstrip("\n").split("\t")
    exp[label] = (kind, fmt, tail, raises, level, bad, over)
plan["missing_expectation"] = sorted(set(samples) - set(exp))
plan["missing_sample"] = sorted(set(exp) - set(samples))
devs, msgs = [], []
for i, label in enumerate(sorted(set(exp) & set(samples))):
    kind, fmt, tail, raises, level, bad, over = exp[label]
    dev = "r%02d" % i
    if fmt == "zigbee2mqtt":
        topic = "zigbee2mqtt/replay_%s" % dev
        pub = topic + ("/" + tail if tail != "-" else "")
    elif fmt == "tasmota":
        topic = "tele/replay_%s/SENSOR" % dev
        pub = "tele/replay_%s/%s" % (dev, tail) if tail != "-" else topic
    elif fmt == "shelly":
        topic = "shellyplus1pm-replay%s/status/switch:0" % dev[1:]
        pub = topic
    else:
        topic = "replay/" + dev
        pub = topic
    # a charging station: no alarm there is a hazard at once, so every
    # record raised here is the sample's own alarm or fault
    devs.append({"id": dev, "kind": kind, "format": fmt, "topic": topic,
                 "site": "site-2", "heartbeat_s": 0})
    msgs.append({"topic": pub, "payload": samples[label]})
    plan["rows"].append({"label": label, "device": dev,
                         "raises": [] if raises == "-" else raises.split(","),
                         "level": None if level == "-" else level,
                         "bad": [] if bad == "-" else bad.split(","),
                         "over": [] if over == "-" else over.split(",")})
json.dump(plan, open(plan_out, "w"))
with open(dev_out, "w") as f:
    for d in devs:
        f.write(json.dumps(d) + "\n")
with open(msg_out, "w") as f:
    for m in msgs:
        f.write(json.dumps(m) + "\n")
PYEOF
[ -s "$T/plan.json" ] || { fail "replay plan" "$(cat "$T/plan.err")"; exit 1; }
PLAN=$T/plan.json
N=$(jpy 'len(d["rows"])' <"$PLAN")
miss=$(jpy 'd["missing_expectation"]' <"$PLAN")
check "every sample in payloads.tsv has an expectation here" "no line for: $miss" [ "$miss" = "[]" ]
miss=$(jpy 'd["missing_sample"]' <"$PLAN")
check "every expectation has its sample in payloads.tsv" "no sample for: $miss" [ "$miss" = "[]" ]
info "$N samples to replay"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
write_config "$T/hazardd.json" 'rules.ebike_charger.hold_s=1' 'rules.gas_detector.hold_s=1' \
	<"$T/devices.jsonl"
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
sleep 0.5       # the SUBACKs follow the connect
C0=$(ctl --json status | jpy 'd["counters"]')

# ---- replay, in the order of the file's labels
pubpy --file "$T/msgs.jsonl" >/dev/null || fail "publish the samples" "pub.py failed"
check "all $N samples received and decoded" "$(status_get 's["counters"]')" \
	wait_for "[ \"\$(status_get 's[\"counters\"][\"received\"] >= $(jpy 'd["received"]' <<<"$C0") + $N and s[\"intake_queue_depth\"] == 0')\" = true ]" 20

# held values (current, power) raise after hold_s: wait for every expected
# record, then a little longer for anything unexpected
want_all=$(jpy '" ".join("%s:%s" % (r["device"], t) for r in d["rows"] for t in r["raises"])' <"$PLAN")
for dt in $want_all; do
	wait_for "upstream_has ${dt#*:} raised ${dt%%:*}" 10 || break
done
sleep 2
ctl --json devices >"$T/devices.json" 2>/dev/null
cp "$REC_OUT" "$T/upstream.snapshot" 2>/dev/null

# ---- per sample: raised exactly what it carries, counted every odd field
rec_py '
plan = json.load(open(sys.argv[3]))
devs = json.load(open(sys.argv[4]))
devs = {x["id"]: x for x in (devs if isinstance(devs, list) else devs.get("devices", []))}
order = {"low": 0, "high": 1}
for r in plan["rows"]:
    label, dev = r["label"], r["device"]
    raised = sorted({x.get("type") for x in recs if x.get("device") == dev and x.get("event") == "raised"})
    kinds = sorted({x["_kind"] for x in recs if x.get("device") == dev})
    want = sorted(r["raises"])
    if raised == want:
        print("PASS: %s: raised %s" % (label, ", ".join(want) if want else "nothing"))
    else:
        print("FAIL: %s: raised %s: want %s" % (label, raised, want))
    if any(k == "hazard" for k in kinds):
        print("FAIL: %s: a hazard at a charging station: %s" % (label, kinds))
    if r["level"]:
        lv = [x.get("level") for x in al if x.get("device") == dev]
        top = max(lv, key=lambda l: order.get(l, -1)) if lv else None
        if top == r["level"]:
            print("PASS: %s: alarm level %s" % (label, top))
        else:
            print("FAIL: %s: alarm level %s: want %s (events: %s)" % (label, top, r["level"], lv))
    x = devs.get(dev)
    if x is None:
        print("FAIL: %s: device %s not in hazardctl devices" % (label, dev)); continue
    got = [x.get("accepted"), x.get("rejected"), x.get("bad_fields"), x.get("over_range")]
    exp = [1, 0, {f: 1 for f in r["bad"]}, len(r["over"])]
    if got == exp:
        print("PASS: %s: accepted, nothing rejected, bad_fields %s, over_range %d"
              % (label, sorted(r["bad"]) or "none", len(r["over"])))
    else:
        print("FAIL: %s: [accepted, rejected, bad_fields, over_range] %s: want %s" % (label, got, exp))
    last_over = sorted((x.get("last") or {}).get("over_range") or [])
    if last_over != sorted(r["over"]):
        print("FAIL: %s: last reading over_range %s: want %s" % (label, last_over, sorted(r["over"])))
' "$PLAN" "$T/devices.json" >"$T/rows.out"
while IFS= read -r line; do
	case "$line" in
	PASS:*) pass "${line#PASS: }" ;;
	FAIL:*) r=${line#FAIL: }; fail "${r%%: *}" "${r#*: }" ;;
	esac
done <"$T/rows.out"

# ---- CO is its own alarm: no CO sample raised gas_leak
out=$(rec_py 'plan = json.load(open(sys.argv[3]))
co = [r["device"] for r in plan["rows"] if "co_alarm" in r["raises"]]
print([x.get("device") for x in recs if x.get("device") in co and x.get("type") == "gas_leak"] if co else "none")' "$PLAN")
check "the CO samples raised co_alarm and never gas_leak" "$out" [ "$out" = "[]" ]

# ---- totals: the status counters agree with the table
C1=$(ctl --json status | jpy 'd["counters"]')
got=$($PY -c 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({k: b[k] - a[k] for k in ("accepted", "rejected", "bad_fields", "over_range")}, sort_keys=True))' "$C0" "$C1")
want=$(jpy '{"accepted": len(d["rows"]), "rejected": 0,
	"bad_fields": sum(len(r["bad"]) for r in d["rows"]),
	"over_range": sum(len(r["over"]) for r in d["rows"])}' <"$PLAN" | $PY -c 'import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')
check "status counters: accepted, rejected, bad_fields, over_range as the table sums" \
	"got $got, want $want" [ "$got" = "$want" ]
n=$(db "SELECT count(*) FROM readings WHERE data LIKE '%over_range%'")
want=$(jpy 'sum(1 for r in d["rows"] if r["over"])' <"$PLAN")
check "stored readings mark over_range for the saturated samples" "$n marked, want $want" [ "$n" = "$want" ]

check "hazardd still running" "it exited" hz_alive
kill_hazardd
check "SIGTERM: hazardd exits with status 0" "exit ${HZ_EXIT:-?}" [ "${HZ_EXIT:-1}" = 0 ]
