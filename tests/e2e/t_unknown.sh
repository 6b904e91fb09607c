#!/usr/bin/env bash
# t_unknown.sh: senders on zigbee2mqtt/Tasmota/Shelly topics that are not in
# the config are listed by `hazardctl devices --unknown` (inferred format,
# name and config topic, count, last payload), raise no alarm, fault or
# hazard and never touch the database; a flood of distinct names stays bounded with the
# evictions counted; a configured device's message is still delivered
# exactly once; nothing is queued for discovery while hazardd is down; and
# discovery can be turned off.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

write_config "$T/hazardd.json" 'discovery={"enabled": true, "max_entries": 16}' <<'EOF'
{"id": "z-known", "kind": "smoke_alarm", "format": "zigbee2mqtt", "topic": "zigbee2mqtt/known_smoke"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
sleep 0.5

unk() { ctl --json devices --unknown | jpy "$1"; }
# an alarm from an unknown detector must not raise anything
pub zigbee2mqtt/new_smoke '{"smoke": true, "battery": 90}'
pub zigbee2mqtt/new_smoke/availability 'online'
pub tele/new_pow/SENSOR '{"ENERGY": {"Power": 80}}'
pub shellies/new-gen1/relay/0 'on'
pub newgen2pm/status/switch:0 '{"id": 0, "output": true}'
pub zigbee2mqtt/bridge/state 'online'
pub zigbee2mqtt/known_smoke '{"smoke": false, "battery": 95}'

check "four unknown senders listed" "$(unk 'len(d)' 2>&1)" \
	wait_for '[ "$(unk "len(d)")" = 4 ]' 10
row() { unk "[x for x in d if x[\"topic\"] == \"$1\"][0]$2"; }
check "zigbee2mqtt sender: format and name" "$(row zigbee2mqtt/new_smoke '["format"]' 2>&1)" \
	[ "$(row zigbee2mqtt/new_smoke '["format"]')/$(row zigbee2mqtt/new_smoke '["name"]')" = zigbee2mqtt/new_smoke ]
check "zigbee2mqtt sender: both its topics counted" "count $(row zigbee2mqtt/new_smoke '["count"]' 2>&1)" \
	[ "$(row zigbee2mqtt/new_smoke '["count"]')" = 2 ]
check "zigbee2mqtt sender: last payload" "$(row zigbee2mqtt/new_smoke '["last_payload"]' 2>&1)" \
	[ "$(row zigbee2mqtt/new_smoke '["last_payload"]')" = online ]
check "tasmota sender: config topic tele/new_pow/SENSOR" "$(unk '[x["topic"] for x in d]' 2>&1)" \
	[ "$(row tele/new_pow/SENSOR '["format"]')" = tasmota ]
check "shelly gen1 sender: config topic shellies/new-gen1" "$(unk '[x["topic"] for x in d]' 2>&1)" \
	[ "$(row shellies/new-gen1 '["format"]')" = shelly ]
check "shelly gen2 sender: config topic newgen2pm/status/switch:0" "$(unk '[x["topic"] for x in d]' 2>&1)" \
	[ "$(row newgen2pm/status/switch:0 '["name"]')" = newgen2pm ]
check "first_seen and last_seen given" "$(row tele/new_pow/SENSOR '' 2>&1)" \
	sh -c '[ -n "$0" ] && [ "$0" != None ]' "$(row tele/new_pow/SENSOR '["first_seen"]')"
check "a configured device is not listed" "$(unk '[x["topic"] for x in d]' 2>&1)" \
	[ "$(unk '[x for x in d if "known" in x["topic"]]')" = "[]" ]
check "configured device: its message delivered once (no duplicate from discovery)" \
	"accepted $(ctl --json devices | jpy '[x for x in d if x["id"] == "z-known"][0]["accepted"]')" \
	wait_for '[ "$(ctl --json devices | jpy "[x for x in d if x[\"id\"] == \"z-known\"][0][\"accepted\"]")" = 1 ]' 5
sleep 1
acc=$(ctl --json devices | jpy '[x for x in d if x["id"] == "z-known"][0]["accepted"]')
check "configured device: still exactly once a second later" "accepted $acc" [ "$acc" = 1 ]
text=$(ctl devices --unknown)
check "text listing has the columns" "$text" grep -q '^TOPIC.*FORMAT.*NAME.*LAST-PAYLOAD' <<<"$text"

# ---- no alarms, faults or hazards, no database rows
sleep 1
check "no alarm, fault or hazard raised by an unknown sender" "$(db 'select kind, device, type from hazards')" \
	[ "$(db 'select count(*) from hazards')" = 0 ]
check "hazardctl records lists nothing" "$(ctl --json records 2>&1 | head -c 300)" \
	[ "$(ctl --json records | jpy 'len(d)')" = 0 ]
check "nothing upstream from an unknown sender (alarm, fault or hazard)" \
	"$(rec_py 'print([(r["_kind"], r.get("device")) for r in recs])')" \
	[ "$(rec_py 'print(len(recs))')" = 0 ]
rows0=$(db 'select count(*) from readings')
size0=$(stat -c %s "$T/hazardd.db")

# ---- a flood of distinct names: bounded, evictions counted
for i in $(seq 1 300); do
	echo "{\"topic\": \"zigbee2mqtt/flood_$i\", \"payload\": {\"n\": $i}}"
done | pubpy --file - >/dev/null
check "flood of 300 names: table bounded at max_entries 16" "$(unk 'len(d)' 2>&1)" \
	[ "$(unk 'len(d)')" = 16 ]
check "flood: the newest name is kept" "$(unk 'd[0]["topic"]' 2>&1)" \
	wait_for '[ "$(unk "d[0][\"topic\"]")" = zigbee2mqtt/flood_300 ]' 5
ev=$(status_get 's["unknown_senders"]["evicted"]')
check "flood: evictions counted (4 + 300 - 16)" "evicted $ev" [ "$ev" = 288 ]
check "flood: readings table did not grow" "$(db 'select count(*) from readings') vs $rows0" \
	[ "$(db 'select count(*) from readings')" = "$rows0" ]
check "flood: no alarm, fault or hazard" "$(db 'select count(*) from hazards')" [ "$(db 'select count(*) from hazards')" = 0 ]
size1=$(stat -c %s "$T/hazardd.db")
check "flood: database file did not grow" "$size0 -> $size1" [ "$size1" -le "$size0" ]
n=$(status_get 's["counters"]["received"]')
check "flood: nothing reached the intake queue" "received $n" [ "$n" = 1 ]

# ---- nothing is queued for discovery while hazardd is down
kill_hazardd
pub zigbee2mqtt/while_down '{"smoke": true}'
start_hazardd "$T/hazardd.json" || { fail "hazardd restarts" "see the log"; exit 1; }
sleep 1.5
check "a sender heard only while hazardd was down is not listed (clean session)" \
	"$(unk '[x["topic"] for x in d]' 2>&1)" [ "$(unk 'len(d)')" = 0 ]

# ---- discovery off
kill_hazardd
write_config "$T/off.json" 'discovery={"enabled": false}' <<'EOF'
{"id": "z-known", "kind": "smoke_alarm", "format": "zigbee2mqtt", "topic": "zigbee2mqtt/known_smoke"}
EOF
start_hazardd "$T/off.json" || { fail "hazardd starts without discovery" "see the log"; exit 1; }
out=$(ctl devices --unknown 2>&1); rc=$?
check "discovery off: devices --unknown says so" "exit $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "discovery is off"' "$rc" "$out"
write_config "$T/badkey.json" 'discovery={"enabled": true, "max": 3}' </dev/null
out=$("$HAZARDD" --check-config -c "$T/badkey.json" 2>&1)
check "config: unknown discovery key refused" "$out" grep -q 'discovery.max: unknown key' <<<"$out"
