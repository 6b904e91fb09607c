#!/usr/bin/env bash
# t_register.sh: the site register (一企一档) and assignment (交办) over real
# brokers.  The register arrives on <prefix>/register retained (a
# subscriber that connects later gets it), validates against
# docs/schema/register.schema.json, names every site with its people (no
# phone numbers) and every device with its model, installation, sensor life
# and calibration date; a reload that changes nothing does not send it
# again, one that renames a site (SIGHUP) and one that adds a person
# (hazardctl reload) do.  A hazard is assigned with `hazardctl assign` and
# with a signed platform `assign`, re-assigned, and each assignment is an
# "assigned" event upstream with the assignee, the time and who assigned
# it; later events carry the assignee; `hazardctl hazard` and the ledger
# show it.  An unknown person, a person of another site, an alarm's id and
# a closed hazard are refused.  Every record event carries the site's grid.
source "$(dirname "$0")/lib.sh"

SCHEMA=$TOP/docs/schema
GW=gw-e2e-01
BASE=hz/v1/e2edist/$GW

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
new_command_key "$T/cmd.key"

SITES1='[{"id": "site-1", "kind": "restaurant", "name": "E2E kitchen", "address": "1 Test Road", "grid": "G-KITCHEN", "people": [{"id": "wang", "name": "Wang Wei", "role": "owner", "phone": "13800000001"}, {"id": "zhao", "name": "Zhao Lei", "role": "grid_worker", "phone": "+8613800000002"}]}, {"id": "site-2", "kind": "charging_station", "name": "E2E e-bike shed", "address": "2 Test Road", "people": [{"id": "zhao", "name": "Zhao Lei", "role": "grid_worker", "phone": "+8613800000002"}, {"id": "chen", "name": "Chen Jie", "role": "installer"}]}]'
DEVS='{"id": "gas-1", "kind": "gas_detector", "model": "JT-AEC2361", "installed": "2025-03-01", "sensor_life_y": 5, "calibration_due": "2026-03-01"}
{"id": "smk-1", "kind": "smoke_alarm"}
{"id": "chg-1", "kind": "ebike_charger", "model": "plug-x"}'
# cfg SITES_JSON: the config with those sites
cfg() {
	write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" \
		"rules.gas_detector.hold_s=0" "records.normal_before_submit_h=0" \
		"sites=$1" <<<"$DEVS"
}
cfg "$SITES1"
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

# regs: the register messages recorded, as a JSON list of payloads
n_regs() { rec_py 'print(len([m for m in msgs if m["topic"] == base + "/register"]))'; }
last_reg() { rec_py 'r = [m["payload"] for m in msgs if m["topic"] == base + "/register"]; print(json.dumps(r[-1] if r else None))'; }

# ---- the register at the first connect
check "register published at the first connect" "none recorded" wait_for '[ "$(n_regs)" -ge 1 ]' 10
R=$(last_reg)
info "register: ${R:0:400}"
check "register: header, district, digest" "$R" \
	jtrue 'd["v"] == 1 and d["gateway"] == "'$GW'" and d["district"] == "e2edist" and len(d["digest"]) == 16 and d["msg_id"] and d["sent_at"]' <<<"$R"
check "register: both sites with name, address, kind and grid" "$R" \
	jtrue '[(s["id"], s["name"], s["address"], s["kind"], s["grid"]) for s in d["sites"]] == [("site-1", "E2E kitchen", "1 Test Road", "restaurant", "G-KITCHEN"), ("site-2", "E2E e-bike shed", "2 Test Road", "charging_station", "G-E2E")]' <<<"$R"
check "register: people with id, name and role" "$R" \
	jtrue '[(p["id"], p["name"], p["role"]) for p in d["sites"][0]["people"]] == [("wang", "Wang Wei", "owner"), ("zhao", "Zhao Lei", "grid_worker")] and [p["id"] for p in d["sites"][1]["people"]] == ["zhao", "chen"]' <<<"$R"
check "register: no phone number anywhere" "$R" \
	bash -c '! grep -qE "phone|13800000001|8613800000002" <<<"$1"' _ "$R"
check "register: devices with gas, model, installed, sensor life, calibration" "$R" \
	jtrue 'd["devices"] == [{"id": "gas-1", "site": "site-1", "kind": "gas_detector", "gas": "natural_gas", "model": "JT-AEC2361", "installed": "2025-03-01", "sensor_life_y": 5, "calibration_due": "2026-03-01"}, {"id": "smk-1", "site": "site-1", "kind": "smoke_alarm"}, {"id": "chg-1", "site": "site-2", "kind": "ebike_charger", "model": "plug-x"}]' <<<"$R"
# late_sub: a subscriber that connects now: the retained register, or nothing
late_sub() {
	$PY - "$PORT_up" "$BASE/register" <<'EOF'
import json, sys, threading
import paho.mqtt.client as mqtt
port, topic = int(sys.argv[1]), sys.argv[2]
got = threading.Event()
out = {}
def on_connect(c, u, f, rc, *a):
    c.subscribe(topic, qos=1)
def on_message(c, u, m):
    out["retain"] = bool(m.retain)
    out["payload"] = json.loads(m.payload)
    got.set()
try:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="late-sub")
except AttributeError:
    c = mqtt.Client(client_id="late-sub")
c.on_connect, c.on_message = on_connect, on_message
c.connect("127.0.0.1", port, 30)
c.loop_start()
got.wait(5)
c.loop_stop()
print(json.dumps(out))
EOF
}
L=$(late_sub)
check "a subscriber that connects later gets the register, retained" "${L:0:300}" \
	jtrue 'd["retain"] is True and d["payload"]["digest"] == '"$(jpy 'repr(d["digest"])' <<<"$R")" <<<"$L"

# ---- a reload that changes nothing: not sent again
out=$(ctl reload 2>&1)
check "hazardctl reload (unchanged file) applied" "$out" wait_for 'grep -q "reload (hazardctl, .*): applied" "$HZ_LOG"' 10
sleep 1.5
check "an unchanged register is not sent again" "$(n_regs) register messages" [ "$(n_regs)" = 1 ]

# ---- a reload that renames a site (SIGHUP): sent again, retained
cfg "${SITES1/E2E kitchen/E2E kitchen, renamed}"
kill -HUP "$HZ_PID"
check "SIGHUP reload applied" "no 'applied' line" wait_for '[ "$(grep -c "reload (SIGHUP): applied" "$HZ_LOG")" -ge 1 ]' 10
check "the renamed site: a new register upstream" "$(n_regs) register messages" wait_for '[ "$(n_regs)" = 2 ]' 10
R2=$(last_reg)
check "the new register names the site as renamed, with a new digest" "${R2:0:300}" \
	jtrue 'd["sites"][0]["name"] == "E2E kitchen, renamed" and d["digest"] != '"$(jpy 'repr(d["digest"])' <<<"$R")" <<<"$R2"
L=$(late_sub)
check "a later subscriber gets the renamed register" "${L:0:300}" \
	jtrue 'd["retain"] is True and d["payload"]["sites"][0]["name"] == "E2E kitchen, renamed"' <<<"$L"

# ---- a person added (hazardctl reload): sent again
SITES2=${SITES1/E2E kitchen/E2E kitchen, renamed}
SITES2=${SITES2/'"role": "owner", "phone": "13800000001"}'/'"role": "owner", "phone": "13800000001"}, {"id": "liu", "name": "Liu Fang", "role": "safety_manager"}'}
cfg "$SITES2"
out=$(ctl reload 2>&1)
check "hazardctl reload with a new person applied" "$out" wait_for '[ "$(n_regs)" = 3 ]' 10
R3=$(last_reg)
check "the new register lists the new person" "${R3:0:400}" \
	jtrue '[p["id"] for p in d["sites"][0]["people"]] == ["wang", "liu", "zhao"]' <<<"$R3"

# ---- a hazard, its grid, and its assignment
rid() {
	db "SELECT id FROM hazards WHERE kind='$1' AND device='$2' ORDER BY raised_at_ms DESC, rowid DESC LIMIT 1"
}
pub t/gas-1 '{"gas_lel": 30}'
check "gas at a restaurant: a hazard at once" "none" wait_for '[ -n "$(rid hazard gas-1)" ]' 10
HID=$(rid hazard gas-1)
AID=$(rid alarm gas-1)
check "the hazard's raised event upstream carries the site's grid" "$(rec_py 'print(hz[:1])')" \
	wait_for "rec_py 'sys.exit(0 if any(h.get(\"hazard_id\") == sys.argv[3] and h.get(\"event\") == \"raised\" and h.get(\"grid\") == \"G-KITCHEN\" for h in hz) else 1)' '$HID'" 10
check "the alarm event carries the grid too" "$(rec_py 'print(al[:1])')" \
	rec_py 'sys.exit(0 if any(a.get("alarm_id") == sys.argv[3] and a.get("grid") == "G-KITCHEN" for a in al) else 1)' "$AID"

out=$(ctl assign "$HID" wang --note "fix the hose by Friday" 2>&1); rc=$?
check "hazardctl assign: exit 0, says whom" "rc $rc: $out" \
	bash -c '[ "$1" = 0 ] && grep -q "assigned to wang (Wang Wei, owner)" <<<"$2"' _ "$rc" "$out"
ME=$(id -un)
assigned() {    # assigned HID PERSON ACTOR: an "assigned" event upstream
	rec_py 'sys.exit(0 if any(h.get("hazard_id") == sys.argv[3] and h.get("event") == "assigned" and h.get("assignee") == sys.argv[4] and h.get("actor") == sys.argv[5] and h.get("assigned_at") and h.get("grid") == "G-KITCHEN" for h in hz) else 1)' "$@"
}
check "upstream: an assigned event with assignee wang, the time and the actor" \
	"$(rec_py 'print([h for h in hz if h.get("event") == "assigned"])')" \
	wait_for "assigned '$HID' wang '$ME'" 10
check "the assigned event carries the note" "$(rec_py 'print([h.get("note") for h in hz if h.get("event") == "assigned"])')" \
	rec_py 'sys.exit(0 if any(h.get("event") == "assigned" and h.get("note") == "fix the hose by Friday" for h in hz) else 1)'

# refusals
out=$(ctl assign "$HID" nobody 2>&1); rc=$?
check "an unknown person is refused (exit 1)" "rc $rc: $out" \
	bash -c '[ "$1" = 1 ] && grep -q "unknown person" <<<"$2"' _ "$rc" "$out"
out=$(ctl assign "$HID" chen 2>&1); rc=$?
check "a person of another site is refused" "rc $rc: $out" \
	bash -c '[ "$1" = 1 ] && grep -q "unknown person" <<<"$2" && grep -q "site-1" <<<"$2"' _ "$rc" "$out"
out=$(ctl assign "$AID" wang 2>&1); rc=$?
check "an alarm is not assigned" "rc $rc: $out" \
	bash -c '[ "$1" = 1 ] && grep -q "only a hazard is assigned" <<<"$2"' _ "$rc" "$out"
out=$(ctl assign nosuch-H1 wang 2>&1); rc=$?
check "an unknown hazard id is refused" "rc $rc: $out" \
	bash -c '[ "$1" = 1 ] && grep -q "no such hazard" <<<"$2"' _ "$rc" "$out"
out=$(ctl assign "$HID" 2>&1); rc=$?
check "assign without a person is a usage error (exit 2)" "rc $rc: $out" [ "$rc" = 2 ]

# the platform re-assigns it (signed command)
r=$(hz assign hazard_id="$HID" person=zhao who=li.wei note="grid follows up") || true
check "platform assign: ok, assignee zhao with the time" "reply: $r" \
	reply_is "$r" 'r["ok"] and r["cmd"] == "assign" and r["result"]["hazard_id"] == "'"$HID"'" and r["result"]["assignee"] == "zhao" and r["result"]["assigned_at"].endswith("Z")'
check "upstream: the re-assignment is another assigned event, actor platform:li.wei" \
	"$(rec_py 'print([(h.get("assignee"), h.get("actor")) for h in hz if h.get("event") == "assigned"])')" \
	wait_for "assigned '$HID' zhao platform:li.wei" 10
r=$(hz assign hazard_id="$HID" person=nobody who=li.wei) || true
check "platform assign of an unknown person: refused" "reply: $r" \
	reply_is "$r" 'r["ok"] is False and "unknown person" in r["error"]'
r=$(hz assign hazard_id="$HID" who=li.wei) || true
check "platform assign without a person: refused" "reply: $r" \
	reply_is "$r" 'r["ok"] is False and "person" in r["error"]'
r=$(hz assign hazard_id="$HID" person=zhao) || true
check "platform assign without who: refused" "reply: $r" \
	reply_is "$r" 'r["ok"] is False and "who" in r["error"]'

# later events carry the assignee
ctl ack "$HID" --note seen >/dev/null 2>&1
check "a later event (acknowledged) carries the current assignee" \
	"$(rec_py 'print([(h.get("event"), h.get("assignee")) for h in hz])')" \
	wait_for "rec_py 'sys.exit(0 if any(h.get(\"hazard_id\") == sys.argv[3] and h.get(\"event\") == \"acknowledged\" and h.get(\"assignee\") == \"zhao\" for h in hz) else 1)' '$HID'" 10

# hazardctl hazard and the ledger show it
out=$(ctl hazard "$HID" 2>&1)
check "hazardctl hazard shows the assignee" "$out" grep -qE "^assignee: +zhao" <<<"$out"
check "hazardctl hazard shows both assigned events" "$out" \
	bash -c '[ "$(grep -c " assigned " <<<"$1")" -ge 2 ]' _ "$out"
out=$(ctl ledger --site site-1 2>&1)
check "the ledger has the assignee column with zhao" "$out" \
	$PY -c 'import csv, sys
rows = list(csv.DictReader(sys.stdin.read().splitlines()))
sys.exit(0 if any(r["id"] == sys.argv[1] and r["assignee"] == "zhao" and r["assigned_at"] for r in rows) else 1)' "$HID" <<<"$out"

# a closed hazard is not assigned
pub t/gas-1 '{"gas_lel": 0}'
wait_for '[ "$(db "SELECT cleared_at_ms > 0 FROM hazards WHERE id='"'$HID'"'")" = 1 ]' 10
ctl submit "$HID" --note "hose replaced" --actor fitter >/dev/null 2>&1
ctl verify "$HID" pass --note "holds" --actor inspector >/dev/null 2>&1
out=$(ctl assign "$HID" wang 2>&1); rc=$?
check "a closed hazard is not assigned" "rc $rc, state $(db "SELECT state FROM hazards WHERE id='$HID'"): $out" \
	bash -c '[ "$1" = 1 ] && grep -q "closed" <<<"$2"' _ "$rc" "$out"

# ---- everything recorded validates (register, assigned events, grid)
sleep 1
$PY "$E2E/schema_check.py" "$REC_OUT" "$SCHEMA" >"$T/validate.out" 2>&1
rc=$?
grep -E '^INVALID' "$T/validate.out" | head -5
check "every upstream message validates (register and assigned events included)" \
	"$(grep -v '^WRONG' "$T/validate.out" | tail -3 | tr '\n' ' ')" [ $rc = 0 ]
check "the schema check saw the registers" "$(grep '^SEEN' "$T/validate.out")" \
	bash -c 'grep "^SEEN" "$1" | grep -q "\"register\": 3"' _ "$T/validate.out"

# ---- a restart sends it again (the broker may have lost it), still retained
kill_hazardd
start_hazardd "$T/hazardd.json" || fail "hazardd restarts" "see the log"
check "after a restart the register is sent again" "$(n_regs)" wait_for '[ "$(n_regs)" = 4 ]' 10
kill_hazardd

info "$N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
