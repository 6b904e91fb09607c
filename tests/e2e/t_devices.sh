#!/usr/bin/env bash
# t_devices.sh: zigbee2mqtt, Tasmota and Shelly devices through real
# mosquitto, with the verbatim sample payloads of tests/data/payloads.tsv:
# each lands on its device (including derived availability and event
# topics) and raises what it should upstream; an explicit offline raises
# device_offline at once and online clears it; a test press raises nothing
# and is counted as a self-test.
source "$(dirname "$0")/lib.sh"

TSV=$TOP/tests/data/payloads.tsv
# sample LABEL_PREFIX: the payload of that row (_rawtext rows unquoted)
sample() {
	$PY - "$TSV" "$1" <<'EOF'
import sys
path, want = sys.argv[1], sys.argv[2]
for line in open(path, encoding="utf-8"):
    if line.startswith("#") or "\t" not in line:
        continue
    label, payload = line.rstrip("\r\n").split("\t", 1)
    if label.split("__")[0] == want:
        if "_rawtext" in label and len(payload) >= 2 and payload[0] == payload[-1] == '"':
            payload = payload[1:-1]
        sys.stdout.write(payload)
        sys.exit(0)
sys.exit(1)
EOF
}

# al_level TYPE EVENT DEVICE: print the level of that alarm event upstream
al_level() {
	rec_py '
t, e, dev = sys.argv[3], sys.argv[4], sys.argv[5]
m = [a for a in al if a.get("type") == t and a.get("event") == e and a.get("device") == dev]
print(m[0]["level"] if m else "none")' "$@"
}
# rec_kind TYPE DEVICE: the kinds of the records of that type and device
rec_kind() {
	rec_py 'print(" ".join(sorted({r["_kind"] for r in recs if r.get("type") == sys.argv[3] and r.get("device") == sys.argv[4]})))' "$@"
}

# dev_get ID EXPR: a Python expression over one device of `hazardctl --json devices`
dev_get() {
	ctl --json devices 2>/dev/null | jpy "[x for x in d if x[\"id\"] == \"$1\"][0]$2"
}

# ---- a derived topic that collides with another device's is a config error
write_config "$T/clash.json" <<'EOF2'
{"id": "z-a", "kind": "smoke_alarm", "format": "zigbee2mqtt", "topic": "zigbee2mqtt/a"}
{"id": "n-b", "kind": "smoke_alarm", "topic": "zigbee2mqtt/a/availability"}
EOF2
out=$("$HAZARDD" --check-config -c "$T/clash.json" 2>&1)
rc=$?
check "--check-config refuses a derived-topic collision" "exit $rc: $out" [ "$rc" = 1 ]
check "the collision error names both devices and the topic" "$out" \
	grep -q 'z-a and n-b both receive on topic zigbee2mqtt/a/availability' <<<"$out"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

write_config "$T/hazardd.json" 'rules.ebike_charger.hold_s=1' <<'EOF'
{"id": "z-smoke", "kind": "smoke_alarm", "format": "zigbee2mqtt", "topic": "zigbee2mqtt/hall_smoke", "heartbeat_s": 3600}
{"id": "z-gas", "kind": "gas_detector", "format": "zigbee2mqtt", "topic": "zigbee2mqtt/kitchen_gas", "heartbeat_s": 3600}
{"id": "z-plug", "kind": "ebike_charger", "format": "zigbee2mqtt", "topic": "zigbee2mqtt/shed_plug", "heartbeat_s": 3600}
{"id": "t-pow", "kind": "ebike_charger", "format": "tasmota", "topic": "tele/pow_r2/SENSOR", "heartbeat_s": 3600}
{"id": "s2-plug", "kind": "ebike_charger", "format": "shelly", "topic": "shellyplus1pm-a1/status/switch:0", "heartbeat_s": 3600}
{"id": "s1-plug", "kind": "ebike_charger", "format": "shelly", "topic": "shellies/plug-s-1", "heartbeat_s": 3600}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
# the subscriptions are made on connect; give the SUBACK a moment
sleep 0.5

# ---- zigbee2mqtt smoke alarm (HS1SA sample) -> smoke_alarm, level high
pub zigbee2mqtt/hall_smoke "$(sample z2m_smoke_HS1SA_zb3_alarm)"
if wait_for 'upstream_has smoke_alarm raised z-smoke' 10; then
	pass "z2m smoke sample raises smoke_alarm upstream"
else
	fail "z2m smoke sample" "no smoke_alarm raised for z-smoke within 10 s"
fi
lvl=$(al_level smoke_alarm raised z-smoke)
check "z2m smoke_alarm is an alarm at level high" "level $lvl" [ "$lvl" = high ]
k=$(rec_kind smoke_alarm z-smoke)
check "z2m smoke_alarm is an alarm only (no hazard before it is verified real)" "kinds '$k'" [ "$k" = alarm ]

# ---- zigbee2mqtt gas detector: test press -> no hazard, one self-test
pub zigbee2mqtt/kitchen_gas "$(sample z2m_gas_HS3CG_testbutton_z2m-2.5.1)"
pub zigbee2mqtt/kitchen_gas '{"battery_low":false,"gas":true,"test":true,"tamper":false}'
pub zigbee2mqtt/kitchen_gas '{"battery_low":false,"gas":false,"test":false,"tamper":false}'
check "z2m gas messages accepted" "accepted $(dev_get z-gas '["accepted"]' 2>&1)" \
	wait_for '[ "$(dev_get z-gas "[\"accepted\"]")" = 3 ]' 10
st=$(dev_get z-gas '["self_tests"]')
check "z2m gas test press counted as one self-test" "self_tests ${st:-?}" [ "${st:-x}" = 1 ]

# ---- Tasmota POW R2 at 11.7 A (max_current_a 5) -> charger_overcurrent
pub tele/pow_r2/SENSOR "$(sample tasmota_tele_SENSOR_ENERGY_PowR2_2635W)"
if wait_for 'upstream_has charger_overcurrent raised t-pow' 10; then
	pass "Tasmota POW sample raises charger_overcurrent upstream"
else
	fail "Tasmota overcurrent" "no charger_overcurrent for t-pow within 10 s"
fi
# 2635 W is over the default max_power_w (1000): charger_overpower too
check "Tasmota POW sample (2635 W) raises charger_overpower upstream" "none for t-pow within 10 s" \
	wait_for 'upstream_has charger_overpower raised t-pow' 10
lvl=$(al_level charger_overcurrent raised t-pow)
check "Tasmota charger_overcurrent is an alarm (level low)" "level $lvl" [ "$lvl" = low ]
cur=$(dev_get t-pow '["last"]["current_a"]')
check "Tasmota current_a read from ENERGY.Current" "got ${cur:-?}" [ "${cur:-x}" = 11.661 ]

# ---- availability: an explicit offline raises device_offline at once
t0=$(now_ms)
pub zigbee2mqtt/shed_plug/availability "$(sample z2m_availability_json_offline)"
if wait_for 'upstream_has device_offline raised z-plug' 10; then
	pass "z2m availability offline raises device_offline at once (heartbeat_s 3600)"
	k=$(rec_kind device_offline z-plug)
	check "device_offline is a fault" "kinds '$k'" [ "$k" = fault ]
	info "z2m offline -> upstream in $(($(now_ms) - t0)) ms"
else
	fail "z2m availability offline" "no device_offline for z-plug within 10 s"
fi
pub zigbee2mqtt/shed_plug/availability "$(sample z2m_availability_legacy_rawtext)"
if wait_for 'upstream_has device_offline cleared z-plug' 10; then
	pass "z2m availability online clears device_offline"
else
	fail "z2m availability online" "device_offline for z-plug not cleared within 10 s"
fi

pub tele/pow_r2/LWT "$(sample tasmota_tele_LWT_rawtext_lastwill)"
if wait_for 'upstream_has device_offline raised t-pow' 10; then
	pass "Tasmota LWT Offline raises device_offline"
else
	fail "Tasmota LWT Offline" "no device_offline for t-pow within 10 s"
fi
pub tele/pow_r2/STATE '{"Time":"2018-02-15T17:37:10","POWER":"ON"}'
if wait_for 'upstream_has device_offline cleared t-pow' 10; then
	pass "a Tasmota STATE report (derived topic) clears device_offline"
else
	fail "Tasmota STATE" "device_offline for t-pow not cleared within 10 s"
fi

# ---- Shelly Gen2: status sample, then a NotifyStatus event at 9 A
pub shellyplus1pm-a1/status/switch:0 "$(sample shelly_gen2_Switch.GetStatus_go-test)"
check "Shelly Gen2 status sample: power_w 47.11" "last $(dev_get s2-plug '["last"]' 2>&1)" \
	wait_for '[ "$(dev_get s2-plug "[\"last\"][\"power_w\"]")" = 47.11 ]' 10
pub shellyplus1pm-a1/events/rpc '{"src":"shellyplus1pm-a1","method":"NotifyStatus","params":{"ts":1700000000.5,"switch:0":{"id":0,"current":9.2}}}'
if wait_for 'upstream_has charger_overcurrent raised s2-plug' 10; then
	pass "Shelly Gen2 NotifyStatus on events/rpc raises charger_overcurrent"
else
	fail "Shelly Gen2 NotifyStatus" "no charger_overcurrent for s2-plug within 10 s"
fi

# ---- Shelly Gen1: per-value topics below shellies/<id>, and its online
pub shellies/plug-s-1/relay/0 on
pub shellies/plug-s-1/relay/0/power 112.50
# hazardd's own command, heard back on shellies/<id>/# (only hazardd may
# publish it on the local broker)
pub_as hazardd shellies/plug-s-1/relay/0/command off
check "Shelly Gen1 power from its per-value topic" "last $(dev_get s1-plug '["last"]' 2>&1)" \
	wait_for '[ "$(dev_get s1-plug "[\"last\"][\"power_w\"]")" = 112.5 ]' 10
pub shellies/plug-s-1/online false
if wait_for 'upstream_has device_offline raised s1-plug' 10; then
	pass "Shelly Gen1 online=false raises device_offline"
else
	fail "Shelly Gen1 online" "no device_offline for s1-plug within 10 s"
fi
# in order on one subscription: the command went through before "online"
acc=$(dev_get s1-plug '["accepted"]')
check "Shelly Gen1 command topic is not counted as a report" "accepted ${acc:-?}" \
	[ "${acc:-x}" = 3 ]

# ---- nothing rejected, nothing unexpected
sleep 1.5
rej=$(status_get 's["counters"]["rejected"]')
check "no sample payload rejected" "rejected ${rej:-?}; log: $(grep -m1 rejected "$HZ_LOG")" \
	[ "${rej:-x}" = 0 ]
n=$(rec_py 'print(len([r for r in recs if r.get("device") == "z-gas"]))')
check "the gas test press raised nothing" "$n alarm, fault or hazard events for z-gas" [ "$n" = 0 ]
n=$(rec_py 'print(len([r for r in recs if r.get("device") == "z-smoke" and r.get("type") != "smoke_alarm"]))')
check "the smoke sample raised nothing else (battery 96.5, battery_low false)" \
	"$n other events" [ "$n" = 0 ]
check "hazardd still running" "it exited" hz_alive
kill_hazardd
check "SIGTERM: hazardd exits with status 0" "exit ${HZ_EXIT:-?}" [ "${HZ_EXIT:-1}" = 0 ]
