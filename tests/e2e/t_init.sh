#!/usr/bin/env bash
# t_init.sh: `hazardctl init` against a broker where simulated zigbee2mqtt,
# Tasmota and Shelly devices publish their real payloads (tests/data/
# payloads.tsv and Shelly Gen1's per-value topics): the config it writes
# passes --check-config, has each device with the kind its payloads say
# (a temperature sensor left out), and, started, raises a record from each
# kind (gas detector, smoke alarm, a plug as charger monitor); `hazardctl
# devices --unknown --config` prints entries that, pasted into the config,
# pass --check-config; missing flags without a terminal and an existing
# output file are refused.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

sample() { grep "^$1" "$TOP/tests/data/payloads.tsv" | head -n 1 | cut -f 2-; }
# the devices, publishing every 0.3 s until $T/stop-devices exists
$PY - "$T/devices.jsonl" \
	"$(sample z2m_gas_HS3CG)" "$(sample z2m_smoke_HS1SA)" "$(sample z2m_plug_TS0121)" \
	"$(sample tasmota_tele_SENSOR_ENERGY)" "$(sample shelly_gen2_Switch.GetStatus)" <<'EOF'
import json, sys
out, gas, smoke, plug, pow_, sh2 = sys.argv[1:]
smoke = json.loads(smoke); smoke["smoke"] = False      # quiet while listened to
msgs = [
    ("zigbee2mqtt/Kitchen Gas", gas),
    ("zigbee2mqtt/hall_smoke", json.dumps(smoke)),
    ("zigbee2mqtt/plug1", plug),
    ("tele/pow1/SENSOR", pow_),
    ("tele/pow1/STATE", '{"Time":"2024-01-01T00:00:00","POWER":"ON"}'),
    ("shellies/shellysmoke-1/sensor/smoke", "false"),
    ("shellies/shellygas-1/sensor/gas", "none"),
    ("shellies/shellygas-1/sensor/concentration", "0"),
    ("plug2/status/switch:0", sh2),
    ("zigbee2mqtt/thermo", '{"temperature":21.5,"humidity":40}'),
    ("zigbee2mqtt/bridge/state", '{"state":"online"}'),
]
with open(out, "w") as f:
    for i, (t, p) in enumerate(msgs):
        f.write(json.dumps({"topic": t, "payload": p, "sleep": 0.3 if i == 0 else 0}) + "\n")
EOF
"${GUARD[@]}" $PY "$E2E/pub.py" --port "$PORT_local" --file "$T/devices.jsonl" \
	--loop-until "$T/stop-devices" >"$T/devices.log" 2>&1 &
dev_pid=$!
sleep 0.5

init() {
	"$HAZARDCTL" init --site shop-1 --site-name "Lao Wang noodles" --kind restaurant \
		--gateway gw-init-01 --district e2edist --timezone Asia/Shanghai \
		--upstream "tcp://127.0.0.1:$PORT_up" \
		--person "wang.wei:Wang Wei:owner:13800000001" --person "zhao:Zhao Lei:grid_worker" \
		--broker "127.0.0.1:$PORT_local" --broker-user "$LOCAL_HZ_USER" \
		--broker-password-file "$LOCAL_HZ_PASS_FILE" \
		--db "$T/hazardd.db" --control-socket "$T/control.sock" "$@" </dev/null
}
init --listen-s 3 --yes -o "$T/cfg.json" 2>"$T/init.err"; rc=$?
check "init exits 0" "rc $rc: $(cat "$T/init.err")" [ "$rc" = 0 ]
check "init lists the GPIO chips (or says there are none)" "$(cat "$T/init.err")" \
	grep -Eq 'GPIO gpiochip|no GPIO chips found' "$T/init.err"
out=$("$HAZARDD" --check-config -c "$T/cfg.json" 2>&1)
check "the written config passes --check-config" "$out" [ "$out" = "configuration OK" ]
check "the file is not readable by others (0640)" "$(stat -c %a "$T/cfg.json")" \
	[ "$(stat -c %a "$T/cfg.json")" = 640 ]

kind() { jpy "[x for x in d['devices'] if x['topic'] == '$1'][0]['kind']" <"$T/cfg.json" 2>/dev/null; }
field() { jpy "[x for x in d['devices'] if x['topic'] == '$1'][0].get('$2')" <"$T/cfg.json" 2>/dev/null; }
for pair in "zigbee2mqtt/Kitchen Gas=gas_detector" "zigbee2mqtt/hall_smoke=smoke_alarm" \
	    "zigbee2mqtt/plug1=ebike_charger" "tele/pow1/SENSOR=ebike_charger" \
	    "shellies/shellysmoke-1=smoke_alarm" "shellies/shellygas-1=gas_detector" \
	    "plug2/status/switch:0=ebike_charger"; do
	t=${pair%=*} k=${pair#*=}
	check "heard $t as $k" "got $(kind "$t")" [ "$(kind "$t")" = "$k" ]
done
check "the Kitchen Gas id comes from its friendly name" "$(field 'zigbee2mqtt/Kitchen Gas' id)" \
	[ "$(field 'zigbee2mqtt/Kitchen Gas' id)" = kitchen-gas ]
check "the Tasmota plug keeps its relay (its STATE said POWER)" "$(field tele/pow1/SENSOR relay)" \
	[ "$(field tele/pow1/SENSOR relay)" = null ]
check "a temperature sensor is not added" "$(jpy '[x["topic"] for x in d["devices"]]' <"$T/cfg.json")" \
	[ "$(jpy 'len([x for x in d["devices"] if "thermo" in x["topic"]])' <"$T/cfg.json")" = 0 ]
check "the temperature sensor is listed with why" "$(cat "$T/init.err")" \
	grep -q 'zigbee2mqtt/thermo.*temperature only' "$T/init.err"
check "site, people and zone as given" "$(jpy 'd["sites"], d["summary"]' <"$T/cfg.json")" \
	[ "$(jpy 'd["sites"][0]["kind"] + " " + d["sites"][0]["people"][0]["phone"] + " " + d["summary"]["timezone"]' <"$T/cfg.json")" = "restaurant 13800000001 Asia/Shanghai" ]
check "no outputs, no interlocks" "$(jpy 'list(d)' <"$T/cfg.json")" \
	[ "$(jpy '"gpio" in d or "interlocks" in d' <"$T/cfg.json")" = false ]
touch "$T/stop-devices"
wait "$dev_pid" 2>/dev/null

# ---- started, an alarm from each kind
start_hazardd "$T/cfg.json" || { fail "hazardd starts on the written config" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
sleep 0.5
pub "zigbee2mqtt/Kitchen Gas" '{"gas":true,"battery_low":false}'
pub zigbee2mqtt/hall_smoke '{"smoke":true,"battery":96}'
pub shellies/shellysmoke-1/sensor/smoke true
pow=$(sample tasmota_tele_SENSOR_ENERGY)
for i in $(seq 1 16); do pub tele/pow1/SENSOR "$pow"; sleep 0.5; done
recs() { ctl --json records | jpy "sorted(set(r['device'] + ':' + r['type'] for r in d))"; }
has() { ctl --json records | jpy "any(r['device'] == '$1' and r['type'] == '$2' for r in d)"; }
check "gas detector (zigbee2mqtt): gas_leak" "$(recs)" \
	wait_for '[ "$(has kitchen-gas gas_leak)" = true ]' 5
check "smoke alarm (zigbee2mqtt): smoke_alarm" "$(recs)" \
	wait_for '[ "$(has hall_smoke smoke_alarm)" = true ]' 5
check "smoke alarm (Shelly Gen1): smoke_alarm" "$(recs)" \
	wait_for '[ "$(has shellysmoke-1 smoke_alarm)" = true ]' 5
check "charger monitor (Tasmota POW, 2635 W): charger_overpower" "$(recs)" \
	wait_for '[ "$(has pow1 charger_overpower)" = true ]' 5

# ---- devices --unknown --config: entries ready to paste
pub zigbee2mqtt/new_gas '{"gas":false,"gas_value":0}'
pub tele/newpow/SENSOR '{"ENERGY":{"Power":12,"Voltage":230,"Current":0.05}}'
pub zigbee2mqtt/door '{"contact":true}'
wait_for '[ "$(ctl --json devices --unknown | jpy "len(d)")" -ge 3 ]' 10
ctl devices --unknown --config >"$T/entries.txt" 2>"$T/entries.err"; rc=$?
check "devices --unknown --config exits 0" "rc $rc: $(cat "$T/entries.err")" [ "$rc" = 0 ]
check "an entry per sender with a kind" "$(cat "$T/entries.txt")" \
	[ "$(grep -c '"kind"' "$T/entries.txt")" = 2 ]
check "a sender without a kind is named on stderr with why" "$(cat "$T/entries.err")" \
	grep -q 'zigbee2mqtt/door' "$T/entries.err"
check "the entries use the config's only site" "$(cat "$T/entries.txt")" \
	grep -q '"site":"shop-1"' "$T/entries.txt"
$PY - "$T/cfg.json" "$T/entries.txt" "$T/pasted.json" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["devices"] += json.loads("[" + open(sys.argv[2]).read() + "]")
json.dump(cfg, open(sys.argv[3], "w"), indent=2)
EOF
out=$("$HAZARDD" --check-config -c "$T/pasted.json" 2>&1)
check "the entries pasted into the config pass --check-config" "$out" [ "$out" = "configuration OK" ]
sug=$(ctl --json devices --unknown | jpy '[x["suggestion"]["kind"] for x in d if x["topic"] == "zigbee2mqtt/new_gas"][0]')
check "devices --unknown --json carries the suggestion" "$sug" [ "$sug" = gas_detector ]

# ---- refusals
out=$("$HAZARDCTL" init --site s1 --listen-s 0 </dev/null 2>&1); rc=$?
check "a missing flag without a terminal is a usage error" "rc $rc: $out" \
	sh -c '[ "$0" = 2 ] && echo "$1" | grep -q "needs --kind"' "$rc" "$out"
out=$(init --listen-s 0 -o "$T/cfg.json" 2>&1); rc=$?
check "an existing file is not replaced without --force" "rc $rc: $out" \
	sh -c '[ "$0" = 2 ] && echo "$1" | grep -q "exists"' "$rc" "$out"
out=$(init --listen-s 0 --timezone Mars/Olympus 2>&1); rc=$?
check "an unknown time zone is refused" "rc $rc: $out" [ "$rc" = 2 ]
init --listen-s 0 >"$T/stdout.json" 2>/dev/null
out=$("$HAZARDD" --check-config -c "$T/stdout.json" 2>&1)
check "without -o the config goes to stdout, valid" "$out" [ "$out" = "configuration OK" ]
"$HAZARDCTL" init --site s2 --kind charging --district d1 --timezone Asia/Shanghai \
	--upstream "tcp://127.0.0.1:$PORT_up" --listen-s 0 </dev/null >"$T/hostname.json" 2>/dev/null
out=$("$HAZARDD" --check-config -c "$T/hostname.json" 2>&1)
if [[ $(hostname) =~ ^[A-Za-z0-9._-]{1,63}$ ]]; then
	check "without --gateway the host name is the gateway id" "$out" \
		[ "$out/$(jpy 'd["gateway"]["id"]' <"$T/hostname.json")" = "configuration OK/$(hostname)" ]
fi

# ---- questions on a terminal for the flags that are missing
$PY - "$HAZARDCTL" "$T/asked.json" >"$T/asked.log" 2>&1 <<'EOF2'
import os, pty, select, sys
answers = ["shop-9", "rental", "gw-asked", "dist1", "tcp://127.0.0.1:1",
           "Asia/Shanghai", "Room 3", "li:Li Na:owner", "not a person", ""]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "init", "--listen-s", "0", "-o", sys.argv[2]])
out, asked = b"", 0
while True:
    r, _, _ = select.select([fd], [], [], 10)
    if not r:
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    # one answer per question (each ends in ": ")
    while out.count(b": ") > asked and asked < len(answers):
        os.write(fd, (answers[asked] + "\n").encode())
        asked += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF2
rc=$?
check "init on a terminal asks for what is missing" "rc $rc: $(tail -n 5 "$T/asked.log")" [ "$rc" = 0 ]
out=$("$HAZARDD" --check-config -c "$T/asked.json" 2>&1)
check "the answers make a valid config" "$out" [ "$out" = "configuration OK" ]
check "the answers are in it (a bad person asked again)" "$(cat "$T/asked.json" 2>/dev/null)" \
	[ "$(jpy 'd["sites"][0]["kind"] + " " + d["sites"][0]["name"] + " " + str(len(d["sites"][0]["people"])) + " " + d["gateway"]["id"]' <"$T/asked.json")" = "rental_housing Room 3 1 gw-asked" ]
