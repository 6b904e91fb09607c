#!/usr/bin/env bash
# t_pipeline.sh: every hazard type, raised from native payloads on the local
# broker, reaches the upstream broker as hz/v1/<district>/<gw>/hazard with
# every contract field; gas escalates, clears and is closed with hazardctl;
# an open hazard cannot be closed; status (retained) and telemetry arrive.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
BASE="hz/v1/e2edist/gw-e2e-01"

write_config "$T/hazardd.json" \
	'rules.ebike_charger.hold_s=1' \
	'upstream.telemetry_interval_s=1' <<'EOF'
{"id": "gas-1",    "kind": "gas_detector"}
{"id": "smoke-1",  "kind": "smoke_alarm"}
{"id": "chg-hot",  "kind": "ebike_charger"}
{"id": "chg-amp",  "kind": "ebike_charger"}
{"id": "chg-long", "kind": "ebike_charger", "rules": {"max_charge_h": 0.01}}
{"id": "off-1",    "kind": "smoke_alarm", "heartbeat_s": 2}
{"id": "batt-1",   "kind": "smoke_alarm"}
{"id": "tamp-1",   "kind": "gas_detector"}
{"id": "fault-1",  "kind": "gas_detector"}
EOF
if ! start_hazardd "$T/hazardd.json"; then
	fail "hazardd starts" "see the log"
	exit 1
fi
pass "hazardd starts and answers hazardctl status"
if wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10; then
	pass "status: upstream connected"
else
	fail "status: upstream connected" "$(ctl --json status 2>&1 | head -c 300)"
fi
check "status: local connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 5

# The field checks shared by every hazard event, in Python over the record.
FIELDS='
import datetime
GW = "gw-e2e-01"
def ts(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v / 1000.0
    if isinstance(v, str):
        try:
            return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None
def problems(h):
    p = []
    if h.get("v") != 1 or isinstance(h.get("v"), bool):
        p.append("v=%r" % h.get("v"))
    if h.get("gateway") != GW:
        p.append("gateway=%r" % h.get("gateway"))
    for k in ("msg_id", "hazard_id", "type", "device", "site"):
        if not isinstance(h.get(k), str) or not h[k]:
            p.append("%s=%r" % (k, h.get(k)))
    for k in ("sent_at", "raised_at", "deadline"):
        if ts(h.get(k)) is None:
            p.append("%s=%r" % (k, h.get(k)))
    if h.get("event") not in ("raised", "updated", "escalated", "cleared", "closed"):
        p.append("event=%r" % h.get("event"))
    if h.get("severity") not in ("general", "major"):
        p.append("severity=%r" % h.get("severity"))
    if h.get("priority") not in ("urgent", "serious", "minor", "low"):
        p.append("priority=%r" % h.get("priority"))
    o = h.get("occurrences")
    if not isinstance(o, int) or isinstance(o, bool) or o < 1:
        p.append("occurrences=%r" % o)
    # evidence is the reading behind the event; a timer-driven event
    # (device_offline, a close) may have none, but the key is there
    ev = h.get("evidence")
    if not isinstance(ev, (dict, list)) or (not ev and h.get("type") != "device_offline"
                                            and h.get("event") == "raised"):
        p.append("evidence=%r" % ev)
    if h.get("event") == "raised" and not p:
        want_h = 24 if h["severity"] == "major" else 168
        got_h = (ts(h["deadline"]) - ts(h["raised_at"])) / 3600.0
        if abs(got_h - want_h) > 0.01:
            p.append("deadline-raised_at=%.3f h, want %d h" % (got_h, want_h))
    return p
def first(t, e, dev):
    for h in hz:
        if h.get("type") == t and h.get("event") == e and h.get("device") == dev:
            return h
    return None
'

# check_event TYPE EVENT DEVICE [SEVERITY] [SITE]: the first such event has
# every field right; prints its hazard_id.
check_event() {
	local out
	out=$(rec_py "$FIELDS"'
t, e, dev = sys.argv[3:6]
sev = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else None
site = sys.argv[7] if len(sys.argv) > 7 else None
h = first(t, e, dev)
if h is None:
    print("no %s %s event for %s" % (t, e, dev)); sys.exit(1)
p = problems(h)
if sev and h.get("severity") != sev:
    p.append("severity %r, want %r" % (h.get("severity"), sev))
if site and h.get("site") != site:
    p.append("site %r, want %r" % (h.get("site"), site))
if p:
    print("; ".join(p) + " in " + json.dumps(h)[:400]); sys.exit(1)
print(h["hazard_id"])' "$@")
	local rc=$?
	echo "$out"
	return $rc
}

# ---- start every device at once; gas runs its own sequence below
t0=$(now_ms)
pub "t/off-1" '{"battery": 90}'         # seen once, then silent
pub "t/smoke-1" '{"smoke": true}'
pub "t/batt-1" '{"battery": 5}'
pub "t/tamp-1" '{"tamper": true}'
pub "t/fault-1" '{"fault": true}'
pub_repeat chg-hot '{"temp_c": 75}' 20 0.3;     P_HOT=$LAST_BG
pub_repeat chg-amp '{"current_a": 9}' 20 0.3;   P_AMP=$LAST_BG
pub_repeat chg-long '{"power_w": 150}' 80 0.5;  P_LONG=$LAST_BG
pub_repeat gas-1 '{"gas_lel": 30}' 20 0.3;      P_GAS=$LAST_BG

# ---- gas: low alarm held -> raised general
if wait_for 'upstream_has gas_leak raised gas-1' 15; then
	info "gas_leak raised $(( $(now_ms) - t0 )) ms after publishing began (hold_s 1)"
	GAS_ID=$(check_event gas_leak raised gas-1 general site-1) &&
		pass "gas_leak raised (general) with every contract field" ||
		fail "gas_leak raised fields" "$GAS_ID"
else
	fail "gas_leak raised" "no event within 15 s"
fi
stop_bg "$P_GAS"

# ---- gas: high alarm held -> escalated major, same hazard
pub_repeat gas-1 '{"gas_lel": 60}' 20 0.3; P_GAS=$LAST_BG
if wait_for 'upstream_has gas_leak escalated gas-1' 15; then
	out=$(check_event gas_leak escalated gas-1 major site-1)
	if [ $? -eq 0 ] && [ "$out" = "${GAS_ID:-}" ]; then
		pass "gas_lel 60 -> escalated major, same hazard_id"
	else
		fail "gas escalated" "$out (raised hazard_id ${GAS_ID:-none})"
	fi
else
	fail "gas_leak escalated" "no event within 15 s"
fi
stop_bg "$P_GAS"

# ---- gas: gone -> cleared
pub_repeat gas-1 '{"gas_lel": 0}' 10 0.3; P_GAS=$LAST_BG
if wait_for 'upstream_has gas_leak cleared gas-1' 15; then
	out=$(check_event gas_leak cleared gas-1)
	if [ $? -eq 0 ] && [ "$out" = "${GAS_ID:-}" ]; then
		pass "gas_lel 0 -> cleared event, same hazard_id"
	else
		fail "gas cleared" "$out"
	fi
else
	fail "gas_leak cleared" "no event within 15 s"
fi
stop_bg "$P_GAS"

# ---- every other hazard type (overcharge: the smallest max_charge_h the
# config accepts, 0.01 h, is 36 s of charging)
for spec in "smoke_alarm smoke-1 major site-1" \
	    "charger_overtemp chg-hot major site-2" \
	    "charger_overcurrent chg-amp - site-2" \
	    "overcharge chg-long - site-2 60" \
	    "device_offline off-1 - site-1" \
	    "low_battery batt-1 - site-1" \
	    "tamper tamp-1 - site-1" \
	    "detector_fault fault-1 - site-1"; do
	set -- $spec
	sev=$3; [ "$sev" = - ] && sev=
	if wait_for "upstream_has $1 raised $2" "${5:-20}"; then
		out=$(check_event "$1" raised "$2" "$sev" "$4")
		if [ $? -eq 0 ]; then
			pass "$1 raised from $2 with every contract field${sev:+ ($sev)}"
			eval "ID_$1=\$out"
		else
			fail "$1 raised fields" "$out"
		fi
	else
		fail "$1 raised" "no event for $2 within ${5:-20} s"
	fi
done
info "all types done $(( $(now_ms) - t0 )) ms after the first message"
stop_bg "$P_HOT"; stop_bg "$P_AMP"; stop_bg "$P_LONG"

# ---- no hazard for a device that did not ask for one
n=$(rec_py 'print(sum(1 for h in hz if h.get("event") == "raised" and
          (h.get("device"), h.get("type")) not in {
            ("gas-1","gas_leak"),("smoke-1","smoke_alarm"),("chg-hot","charger_overtemp"),
            ("chg-amp","charger_overcurrent"),("chg-long","overcharge"),
            ("off-1","device_offline"),("batt-1","low_battery"),("tamp-1","tamper"),
            ("fault-1","detector_fault")}))')
check "no unexpected hazard raised" "$n unexpected raised events: $(rec_py 'print([(h.get("device"),h.get("type")) for h in hz if h.get("event")=="raised"])')" [ "$n" = 0 ]

# ---- one open hazard per device and type: raised once each
dups=$(rec_py 'import collections
c = collections.Counter((h.get("device"), h.get("type")) for h in hz if h.get("event") == "raised")
print(" ".join("%s/%s:%d" % (k[0], k[1], v) for k, v in c.items() if v > 1))')
check "each (device, type) raised exactly once" "raised more than once: $dups" [ -z "$dups" ]

# ---- msg_id unique per event, topic and topic shape
bad=$(rec_py '
seen = {}
bad = []
for m in msgs:
    if not m["topic"].startswith("hz/v1/"):
        continue
    if m["topic"].split("/")[2:4] != ["e2edist", "gw-e2e-01"]:
        bad.append("topic " + m["topic"])
    p = m["payload"]
    if not isinstance(p, dict):
        bad.append("non-JSON payload on " + m["topic"]); continue
    body = {k: v for k, v in p.items() if k != "sent_at"}
    mid = p.get("msg_id")
    if mid in seen and seen[mid] != body:
        bad.append("msg_id %r used by two different messages" % mid)
    seen[mid] = body
print("; ".join(bad[:5]))')
check "every upstream message under hz/v1/e2edist/gw-e2e-01, msg_id unique per message" "$bad" [ -z "$bad" ]

# ---- close: refused while open, accepted once cleared -> "closed" upstream
if [ -n "${ID_smoke_alarm:-}" ]; then
	ctl close "$ID_smoke_alarm" --note "not yet" >"$T/close_open.out" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ]; then
		pass "close of an open hazard refused (exit 1: $(head -c 120 "$T/close_open.out"))"
	else
		fail "close of an open hazard refused" "exit $rc: $(head -c 200 "$T/close_open.out")"
	fi
fi
ctl close "no-such-hazard" --note x >/dev/null 2>&1
rc=$?
check "close of an unknown hazard id fails" "exit $rc" [ "$rc" -ne 0 ]
if [ -n "${GAS_ID:-}" ]; then
	if ctl close "$GAS_ID" --note fixed >"$T/close.out" 2>&1; then
		pass "hazardctl close of the cleared gas hazard: exit 0"
	else
		fail "hazardctl close cleared hazard" "exit $?: $(head -c 200 "$T/close.out")"
	fi
	if wait_for "rec_py 'sys.exit(0 if any(h.get(\"event\") == \"closed\" and h.get(\"hazard_id\") == \"$GAS_ID\" for h in hz) else 1)'" 10; then
		out=$(check_event gas_leak closed gas-1)
		check "closed event upstream with every contract field" "$out" [ "$out" = "$GAS_ID" ]
		note=$(rec_py "print(json.dumps([h for h in hz if h.get('event') == 'closed'][0]))")
		check "closed event carries the note 'fixed'" "$note" grep -q fixed <<<"$note"
	else
		fail "closed event upstream" "none within 10 s"
	fi
	st=$(ctl --json hazard "$GAS_ID" 2>/dev/null | jpy 'd.get("state")' 2>&1)
	check "hazardctl --json hazard ID shows state closed" "state '$st'" [ "$st" = closed ]
	ctl close "$GAS_ID" --note again >/dev/null 2>&1
	rc=$?
	check "closing a closed hazard again fails" "exit $rc" [ "$rc" -ne 0 ]
	open=$(ctl --json hazards --open 2>/dev/null)
	check "hazards --open omits the closed hazard" "listed" bash -c "! grep -qF '\"$GAS_ID\"' <<<'$open'"
	[ -n "${ID_smoke_alarm:-}" ] &&
		check "hazards --open lists the open smoke hazard" "$(head -c 300 <<<"$open")" \
			grep -qF "\"$ID_smoke_alarm\"" <<<"$open"
	all=$(ctl --json hazards 2>/dev/null)
	check "hazards lists the closed hazard" "$(head -c 300 <<<"$all")" grep -qF "\"$GAS_ID\"" <<<"$all"
fi
check "hazardctl hazards (text) exits 0 with output" "no output" bash -c "[ -n \"\$('$HAZARDCTL' -c '$HZ_CFG' hazards)\" ]"
devs=$(ctl --json devices 2>/dev/null)
miss=$(for d in gas-1 smoke-1 chg-hot chg-amp chg-long off-1 batt-1 tamp-1 fault-1; do
	grep -qF "\"$d\"" <<<"$devs" || echo -n "$d "; done)
check "hazardctl --json devices lists all 9 devices" "missing: $miss" [ -z "$miss" ]

# ---- status: retained, on .../status
st=$(timeout 10 mosquitto_sub -h 127.0.0.1 -p "$PORT_up" -t "$BASE/status" -C 1 -W 5 -F '%r %p' 2>/dev/null)
if [ "${st%% *}" = 1 ] && $PY -c 'import json, sys
p = json.loads(sys.argv[1])
sys.exit(0 if p.get("v") == 1 and p.get("gateway") == "gw-e2e-01" and p.get("msg_id") and p.get("sent_at") else 1)' "${st#* }" 2>/dev/null; then
	pass "retained status on $BASE/status with v, gateway, msg_id, sent_at"
else
	fail "retained status message" "got '$(head -c 300 <<<"$st")'"
fi

# ---- telemetry batches
if wait_for "rec_py 'sys.exit(0 if any(m[\"topic\"] == base + \"/telemetry\" for m in msgs) else 1)'" 10; then
	out=$(rec_py '
tel = [m["payload"] for m in msgs if m["topic"] == base + "/telemetry"]
bad = [t for t in tel if not (isinstance(t, dict) and t.get("v") == 1 and
       t.get("gateway") == "gw-e2e-01" and t.get("msg_id") and t.get("sent_at"))]
text = json.dumps(tel)
devs = [d for d in ("gas-1", "chg-hot", "chg-long") if d not in text]
lists = [t for t in tel if isinstance(t, dict) and any(isinstance(v, list) and v for v in t.values())]
print("%d messages; %d bad envelopes; devices missing %s; %d with a batch list" %
      (len(tel), len(bad), devs, len(lists)))
sys.exit(1 if bad or devs or not lists else 0)')
	check "telemetry batches on $BASE/telemetry carry readings ($out)" "$out" [ $? -eq 0 ]
else
	fail "telemetry on $BASE/telemetry" "none within 10 s"
fi

# ---- the daemon is still healthy; stop it cleanly
check "hazardd still running" "it exited" hz_alive
info "counters: $(status_get 's.get("counters")')"
kill_hazardd
check "SIGTERM: hazardd exits with status 0" "exit ${HZ_EXIT:-?}" [ "${HZ_EXIT:-1}" = 0 ]
