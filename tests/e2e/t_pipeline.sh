#!/usr/bin/env bash
# t_pipeline.sh: every record type, raised from native payloads on the local
# broker, reaches the upstream broker on its kind's topic
# (hz/v1/<district>/<gw>/alarm, /fault, /hazard, v 2) with every contract
# field: alarms with their level, faults, and hazards with severity,
# deadline, reason and source.  A gas leak at a restaurant is a hazard at
# once (reason alarm, source the alarm); its level rises, it ends and the
# hazard follows; people acknowledge, verify (real -> a hazard, false, a
# device's test press -> test at once), dismiss a fault and close a hazard;
# an alarm and an open hazard cannot be closed; listings per kind; status
# (retained) and telemetry arrive.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
BASE="hz/v1/e2edist/gw-e2e-01"

write_config "$T/hazardd.json" \
	'rules.ebike_charger.hold_s=1' \
	'records.normal_before_submit_h=0' \
	'upstream.telemetry_interval_s=1' <<EOF
{"id": "gas-1",    "kind": "gas_detector"}
{"id": "co-1",     "kind": "gas_detector"}
{"id": "smoke-1",  "kind": "smoke_alarm"}
{"id": "gas-t",    "kind": "gas_detector"}
{"id": "chg-hot",  "kind": "ebike_charger"}
{"id": "chg-amp",  "kind": "ebike_charger"}
{"id": "chg-pow",  "kind": "ebike_charger", "rules": {"max_power_w": 100}}
{"id": "chg-long", "kind": "ebike_charger", "rules": {"max_charge_h": 0.01}}
{"id": "off-1",    "kind": "smoke_alarm", "heartbeat_s": $((2 * ${HZ_TIME_SCALE:-1}))}
{"id": "batt-1",   "kind": "smoke_alarm"}
{"id": "tamp-1",   "kind": "gas_detector"}
{"id": "fault-1",  "kind": "gas_detector"}
EOF
ALL_DEVS="gas-1 co-1 smoke-1 gas-t chg-hot chg-amp chg-pow chg-long off-1 batt-1 tamp-1 fault-1"
if ! start_hazardd "$T/hazardd.json"; then
	fail "hazardd starts" "see the log"
	exit 1
fi
pass "hazardd starts and answers hazardctl status"
check "status: local connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 5
# off-1 is seen once, then silent: published as soon as hazardd listens,
# since its heartbeat counts from start-up (presence.c) and a first message
# later than that would clear an offline fault raised before it, and the
# next one would be a second record (a slow, emulated daemon: docs/arm.md)
pub "t/off-1" '{"battery": 90}'
if wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10; then
	pass "status: upstream connected"
else
	fail "status: upstream connected" "$(ctl --json status 2>&1 | head -c 300)"
fi

# The field checks of every alarm, fault and hazard event, in Python over
# the record (recs: each payload with _kind and _id, see lib.sh).
FIELDS='
import datetime, re
GW = "gw-e2e-01"
EVENTS = {"alarm": ("raised", "updated", "ended", "acknowledged", "verified"),
          "fault": ("raised", "updated", "cleared", "dismissed"),
          "hazard": ("raised", "updated", "reopened", "cleared", "acknowledged",
                     "rectifying", "escalated", "submitted", "reinspect_failed",
                     "closed")}
STATES = {"alarm": ("active", "acknowledged", "ended"),
          "fault": ("active", "cleared", "dismissed"),
          "hazard": ("open", "rectifying", "submitted", "closed")}
TYPES = {"alarm": ("gas_leak", "co_alarm", "smoke_alarm", "charger_overtemp",
                   "charger_overcurrent", "charger_overpower"),
         "fault": ("device_offline", "low_battery", "tamper", "detector_fault",
                   "command_failed", "storage_fault", "payload_unreadable"),
         "hazard": None}
LETTER = {"alarm": "A", "fault": "F", "hazard": "H"}
def ts(v):
    if isinstance(v, str):
        try:
            return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None
def problems(h):
    k = h["_kind"]
    p = []
    if h.get("v") != 2 or isinstance(h.get("v"), bool):
        p.append("v=%r" % h.get("v"))
    if h.get("gateway") != GW:
        p.append("gateway=%r" % h.get("gateway"))
    for f in ("msg_id", "type", "device", "site"):
        if not isinstance(h.get(f), str) or not h[f]:
            p.append("%s=%r" % (f, h.get(f)))
    if not isinstance(h["_id"], str) or not re.fullmatch(r"[0-9a-f]+-%s[0-9]+" % LETTER[k], h["_id"]):
        p.append("%s_id=%r" % (k, h["_id"]))
    for other in ("alarm_id", "fault_id", "hazard_id"):
        if other != k + "_id" and other in h:
            p.append("%s on a %s" % (other, k))
    for f in ("sent_at", "raised_at", "at"):
        if ts(h.get(f)) is None:
            p.append("%s=%r" % (f, h.get(f)))
    if h.get("event") not in EVENTS[k]:
        p.append("event=%r" % h.get("event"))
    if h.get("state") not in STATES[k]:
        p.append("state=%r" % h.get("state"))
    if TYPES[k] and h.get("type") not in TYPES[k]:
        p.append("type %r on %s" % (h.get("type"), k))
    if h.get("priority") not in ("urgent", "serious", "minor", "low"):
        p.append("priority=%r" % h.get("priority"))
    o = h.get("occurrences")
    if not isinstance(o, int) or isinstance(o, bool) or o < 1:
        p.append("occurrences=%r" % o)
    # evidence is the reading behind the event; a timer-driven fault
    # (device_offline) may have none, but the key is there
    ev = h.get("evidence")
    if not isinstance(ev, dict) or (not ev and h.get("type") != "device_offline"
                                    and h.get("event") == "raised"):
        p.append("evidence=%r" % ev)
    if k == "alarm":
        if h.get("level") not in ("low", "high"):
            p.append("level=%r" % h.get("level"))
        for f in ("severity", "deadline"):
            if f in h:
                p.append("%s on an alarm" % f)
        if h.get("state") == "ended" and ts(h.get("ended_at")) is None:
            p.append("ended_at=%r" % h.get("ended_at"))
        acked = "acknowledged_at" in h
        if acked != ("response_s" in h):
            p.append("acknowledged_at and response_s not together")
        if acked and (ts(h["acknowledged_at"]) is None or not isinstance(h["response_s"], (int, float))
                      or h["response_s"] < 0
                      or abs(ts(h["acknowledged_at"]) - ts(h["raised_at"]) - h["response_s"]) > 0.01):
            p.append("acknowledged_at=%r response_s=%r" % (h.get("acknowledged_at"), h.get("response_s")))
        if ("verdict" in h) != ("verified_at" in h):
            p.append("verdict and verified_at not together")
        if "verdict" in h and h["verdict"] not in ("real", "false", "test"):
            p.append("verdict=%r" % h["verdict"])
        if h.get("event") == "acknowledged" and not acked:
            p.append("acknowledged event without acknowledged_at")
        if h.get("event") == "verified" and "verdict" not in h:
            p.append("verified event without a verdict")
    elif k == "fault":
        for f in ("level", "severity", "deadline"):
            if f in h:
                p.append("%s on a fault" % f)
        if h.get("state") == "cleared" and ts(h.get("cleared_at")) is None:
            p.append("cleared_at=%r" % h.get("cleared_at"))
        if h.get("state") == "dismissed" and ts(h.get("dismissed_at")) is None:
            p.append("dismissed_at=%r" % h.get("dismissed_at"))
    else:
        if h.get("severity") not in ("general", "major"):
            p.append("severity=%r" % h.get("severity"))
        if "level" in h:
            p.append("level on a hazard")
        if ts(h.get("deadline")) is None:
            p.append("deadline=%r" % h.get("deadline"))
        if h.get("reason") not in ("alarm", "verified", "recurrence", "fault_limit",
                                   "person", "condition"):
            p.append("reason=%r" % h.get("reason"))
        # normal_since: null while the condition is on, a time once normal
        if "normal_since" not in h or (h["normal_since"] is not None and
                                        ts(h["normal_since"]) is None):
            p.append("normal_since=%r" % h.get("normal_since"))
        if h.get("event") == "cleared" and ts(h.get("normal_since")) is None:
            p.append("cleared event without normal_since")
        if not isinstance(h.get("reinspect_failed"), int):
            p.append("reinspect_failed=%r" % h.get("reinspect_failed"))
        if h.get("event") == "raised" and not p:
            want_h = 24 if h["severity"] == "major" else 168
            got_h = (ts(h["deadline"]) - ts(h["raised_at"])) / 3600.0
            if abs(got_h - want_h) > 0.01:
                p.append("deadline-raised_at=%.3f h, want %d h" % (got_h, want_h))
    return p
def first(kind, t, e, dev):
    for h in recs:
        if h["_kind"] == kind and h.get("type") == t and h.get("event") == e and h.get("device") == dev:
            return h
    return None
'

# check_event KIND TYPE EVENT DEVICE [KEY=VALUE ...]: the first such event
# has every field right and each KEY (severity, level, site, reason,
# source, verdict, state, actor, ...) has VALUE; prints its id.
check_event() {
	local out
	out=$(rec_py "$FIELDS"'
k, t, e, dev = sys.argv[3:7]
h = first(k, t, e, dev)
if h is None:
    print("no %s %s %s event for %s" % (k, t, e, dev)); sys.exit(1)
p = problems(h)
for kv in sys.argv[7:]:
    f, _, v = kv.partition("=")
    if str(h.get(f)) != v:
        p.append("%s %r, want %r" % (f, h.get(f), v))
if p:
    print("; ".join(p) + " in " + json.dumps(h)[:500]); sys.exit(1)
print(h["_id"])' "$@")
	local rc=$?
	echo "$out"
	return $rc
}

# has_event KIND ID EVENT: an event EVENT of the record ID arrived.
has_event() {
	rec_py 'k, i, e = sys.argv[3:6]
sys.exit(0 if any(h["_kind"] == k and h["_id"] == i and h.get("event") == e for h in recs) else 1)' "$@"
}

# ---- start every device at once; gas runs its own sequence below
t0=$(now_ms)
pub "t/smoke-1" '{"smoke": true}'
pub "t/batt-1" '{"battery": 5}'
pub "t/tamp-1" '{"tamper": true}'
pub "t/fault-1" '{"fault": true}'
pub_repeat co-1 '{"co_ppm": 200}' 20 0.3;       P_CO=$LAST_BG
pub_repeat chg-hot '{"temp_c": 75}' 20 0.3;     P_HOT=$LAST_BG
pub_repeat chg-amp '{"current_a": 9}' 20 0.3;   P_AMP=$LAST_BG
pub_repeat chg-pow '{"power_w": 500}' 20 0.3;   P_POW=$LAST_BG
pub_repeat chg-long '{"power_w": 50}' 80 0.5;   P_LONG=$LAST_BG
pub_repeat gas-1 '{"gas_lel": 30}' 20 0.3;      P_GAS=$LAST_BG
# a detector's test press: its flags are no evidence (rules.c), but the
# gas it is tested with is, and the alarm it raises is verified "test"
pub_repeat gas-t '{"gas_lel": 40, "test": true}' 6 0.3; P_TEST=$LAST_BG

# ---- gas: low alarm held -> alarm raised (level low); at a restaurant
# (site-1) that is a hazard at once: reason alarm, source the alarm
if wait_for 'upstream_has gas_leak raised gas-1' 15; then
	info "gas_leak raised $(( $(now_ms) - t0 )) ms after publishing began (hold_s 1)"
	GAS_AL=$(check_event alarm gas_leak raised gas-1 level=low site=site-1 state=active) &&
		pass "gas_leak alarm raised (level low) with every contract field" ||
		fail "gas_leak alarm raised fields" "$GAS_AL"
else
	fail "gas_leak alarm raised" "no event within 15 s"
fi
if wait_for 'check_event hazard gas_leak raised gas-1 >/dev/null' 5; then
	GAS_HZ=$(check_event hazard gas_leak raised gas-1 severity=general site=site-1 \
		reason=alarm "source=${GAS_AL:-?}" state=open occurrences=1) &&
		pass "restaurant gas leak: hazard raised at once (general, reason alarm, source $GAS_AL)" ||
		fail "restaurant gas leak: hazard raised at once" "$GAS_HZ"
else
	fail "restaurant gas leak: hazard raised at once" "no hazard event within 5 s"
fi
stop_bg "$P_GAS"

# ---- gas: high alarm held -> the same alarm updated to level high; its
# hazard follows, graded major (gas_leak at the high level); never
# "escalated", which is for a hazard past its deadline
pub_repeat gas-1 '{"gas_lel": 60}' 20 0.3; P_GAS=$LAST_BG
if wait_for "rec_py 'sys.exit(0 if any(h[\"_kind\"] == \"alarm\" and h.get(\"device\") == \"gas-1\" and h.get(\"level\") == \"high\" for h in recs) else 1)'" 15; then
	out=$(rec_py "$FIELDS"'
a = [h for h in recs if h["_kind"] == "alarm" and h.get("device") == "gas-1" and h.get("level") == "high"][0]
p = problems(a)
if a.get("event") != "updated": p.append("event %r, want updated" % a.get("event"))
if a["_id"] != sys.argv[3]: p.append("alarm_id %r, want %r" % (a["_id"], sys.argv[3]))
print("; ".join(p))' "${GAS_AL:-}")
	check "gas_lel 60 -> the same alarm updated to level high" "$out" [ -z "$out" ]
	if wait_for "rec_py 'sys.exit(0 if any(h[\"_kind\"] == \"hazard\" and h.get(\"device\") == \"gas-1\" and h.get(\"severity\") == \"major\" for h in recs) else 1)'" 5; then
		out=$(rec_py "$FIELDS"'
a = [h for h in recs if h["_kind"] == "hazard" and h.get("device") == "gas-1" and h.get("severity") == "major"][0]
p = problems(a)
if a.get("event") != "updated": p.append("event %r, want updated" % a.get("event"))
if a["_id"] != sys.argv[3]: p.append("hazard_id %r, want %r" % (a["_id"], sys.argv[3]))
print("; ".join(p))' "${GAS_HZ:-}")
		check "its hazard follows: updated to major, same hazard_id" "$out" [ -z "$out" ]
	else
		fail "its hazard follows: updated to major" "no major hazard event within 5 s"
	fi
else
	fail "gas_leak alarm updated to level high" "no event within 15 s"
fi
n=$(rec_py 'print(sum(1 for h in recs if h.get("event") == "escalated"))')
check "no escalated event (no hazard is past its deadline)" "$n escalated events" [ "$n" = 0 ]
# one alarm raise is one occurrence of its hazard: no second event for it
out=$(rec_py 'e = [(h.get("event"), h.get("occurrences"), h.get("severity")) for h in recs
     if h["_kind"] == "hazard" and h["_id"] == sys.argv[3]]
print("" if e[:1] == [("raised", 1, "general")] and
      all(x[0] != "updated" or x[2] == "major" for x in e) else e)' "${GAS_HZ:-}")
check "the alarm that raised the hazard does not also update it" "gas hazard events: $out" [ -z "$out" ]
stop_bg "$P_GAS"

# ---- gas: gone -> the alarm ended, its hazard's condition normal (cleared)
pub_repeat gas-1 '{"gas_lel": 0}' 10 0.3; P_GAS=$LAST_BG
if wait_for 'upstream_has gas_leak ended gas-1' 15; then
	out=$(check_event alarm gas_leak ended gas-1 state=ended level=high)
	check "gas_lel 0 -> alarm ended (ended_at), same alarm_id" "$out" [ "$out" = "${GAS_AL:-}" ]
	if wait_for 'upstream_has gas_leak cleared gas-1' 5; then
		out=$(check_event hazard gas_leak cleared gas-1 state=open severity=major)
		check "the hazard follows: cleared (normal_since), still open, same hazard_id" "$out" [ "$out" = "${GAS_HZ:-}" ]
	else
		fail "the gas hazard cleared" "no event within 5 s"
	fi
else
	fail "gas_leak alarm ended" "no event within 15 s"
fi
stop_bg "$P_GAS"

# ---- every other type: alarms, faults, and overcharge, a hazard by itself
# (the smallest max_charge_h the config accepts, 0.01 h, is 36 s)
for spec in "alarm co_alarm co-1 site-1 level=high" \
	    "alarm smoke_alarm smoke-1 site-1 level=high" \
	    "alarm gas_leak gas-t site-1 level=low" \
	    "alarm charger_overtemp chg-hot site-2 level=high" \
	    "alarm charger_overcurrent chg-amp site-2 level=low" \
	    "alarm charger_overpower chg-pow site-2 level=low" \
	    "fault device_offline off-1 site-1 state=active" \
	    "fault low_battery batt-1 site-1 state=active" \
	    "fault tamper tamp-1 site-1 state=active" \
	    "fault detector_fault fault-1 site-1 state=active" \
	    "hazard overcharge chg-long site-2 reason=condition severity=general state=open"; do
	set -- $spec
	k=$1 ty=$2 dev=$3 site=$4; shift 4
	to=20; [ "$ty" = overcharge ] && to=60
	if wait_for "upstream_has $ty raised $dev" "$to"; then
		out=$(check_event "$k" "$ty" raised "$dev" "site=$site" "$@")
		if [ $? -eq 0 ]; then
			pass "$k $ty raised from $dev with every contract field${1:+ ($*)}"
			eval "ID_${dev//-/_}=\$out"
		else
			fail "$k $ty raised fields" "$out"
		fi
	else
		fail "$k $ty raised" "no event for $dev within $to s"
	fi
done
info "all types done $(( $(now_ms) - t0 )) ms after the first message"
stop_bg "$P_HOT"; stop_bg "$P_AMP"; stop_bg "$P_LONG"; stop_bg "$P_POW"; stop_bg "$P_CO"
src=$(rec_py 'print([h.get("source") for h in hz if h.get("type") == "overcharge"][:1])')
check "overcharge (reason condition) names no source" "source $src" [ "$src" = "[None]" ]

# ---- a device's test press: verified "test" at once by hazardd, and no
# hazard even at a restaurant
stop_bg "$P_TEST"
if wait_for "has_event alarm '${ID_gas_t:-?}' verified" 5; then
	out=$(check_event alarm gas_leak verified gas-t verdict=test actor=hazardd)
	check "test press: alarm verified test at once by hazardd" "$out" [ "$out" = "${ID_gas_t:-}" ]
else
	fail "test press: alarm verified test at once" "no verified event for ${ID_gas_t:-?}"
fi
n=$(rec_py 'print(sum(1 for h in hz if h.get("device") == "gas-t"))')
check "a test press raises no hazard" "$n hazard events for gas-t" [ "$n" = 0 ]

# ---- no record for a device that did not ask for one; no hazard but the
# gas leak's and overcharge (others wait for a verdict)
n=$(rec_py 'print([(h["_kind"], h.get("device"), h.get("type")) for h in recs if h.get("event") == "raised" and
          (h["_kind"], h.get("device"), h.get("type")) not in {
            ("alarm","gas-1","gas_leak"),("hazard","gas-1","gas_leak"),("alarm","co-1","co_alarm"),
            ("alarm","smoke-1","smoke_alarm"),("alarm","gas-t","gas_leak"),
            ("alarm","chg-hot","charger_overtemp"),("alarm","chg-amp","charger_overcurrent"),
            ("alarm","chg-pow","charger_overpower"),("hazard","chg-long","overcharge"),
            ("fault","off-1","device_offline"),("fault","batt-1","low_battery"),
            ("fault","tamp-1","tamper"),("fault","fault-1","detector_fault")}])')
check "no unexpected record raised" "unexpected raised events: $n" [ "$n" = "[]" ]

# ---- one live record per kind, device and type: raised once each
dups=$(rec_py 'import collections
c = collections.Counter((h["_kind"], h.get("device"), h.get("type")) for h in recs if h.get("event") == "raised")
print(" ".join("%s/%s/%s:%d" % (k[0], k[1], k[2], v) for k, v in c.items() if v > 1))')
check "each (kind, device, type) raised exactly once" "raised more than once: $dups" [ -z "$dups" ]

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


# ---- people: acknowledge an alarm (response time)
if [ -n "${ID_co_1:-}" ]; then
	if ctl ack "$ID_co_1" --note "on my way" >"$T/ack.out" 2>&1; then
		pass "hazardctl ack of the active CO alarm: exit 0"
	else
		fail "hazardctl ack CO alarm" "exit $?: $(head -c 200 "$T/ack.out")"
	fi
	if wait_for "has_event alarm '$ID_co_1' acknowledged" 10; then
		out=$(check_event alarm co_alarm acknowledged co-1 state=acknowledged "note=on my way")
		check "acknowledged event: state acknowledged, acknowledged_at and response_s" "$out" [ "$out" = "$ID_co_1" ]
	else
		fail "acknowledged event upstream" "none within 10 s"
	fi
fi
# acknowledging an ended alarm records the response and keeps it ended
if [ -n "${GAS_AL:-}" ]; then
	ctl ack "$GAS_AL" >"$T/ack2.out" 2>&1
	rc=$?
	check "ack of the ended gas alarm: exit 0" "exit $rc: $(head -c 200 "$T/ack2.out")" [ "$rc" -eq 0 ]
	if wait_for "has_event alarm '$GAS_AL' acknowledged" 10; then
		out=$(check_event alarm gas_leak acknowledged gas-1 state=ended)
		check "the ended alarm acknowledged stays ended, with its response time" "$out" [ "$out" = "$GAS_AL" ]
	else
		fail "acknowledged event for the ended gas alarm" "none within 10 s"
	fi
fi

# ---- verify-alarm: real -> a hazard (reason verified, source the alarm);
# false -> no hazard; a second verdict is refused
if [ -n "${ID_smoke_1:-}" ]; then
	ctl verify-alarm "$ID_smoke_1" real --note "flames seen" >"$T/verify.out" 2>&1
	rc=$?
	check "verify-alarm smoke real: exit 0" "exit $rc: $(head -c 200 "$T/verify.out")" [ "$rc" -eq 0 ]
	if wait_for "has_event alarm '$ID_smoke_1' verified" 10; then
		out=$(check_event alarm smoke_alarm verified smoke-1 verdict=real "note=flames seen")
		check "verified event: verdict real, verified_at, acknowledged too" "$out" \
			[ "$out" = "$ID_smoke_1" ]
		ok=$(rec_py '[h] = [h for h in al if h.get("alarm_id") == sys.argv[3] and h.get("event") == "verified"]
print(1 if h.get("state") == "acknowledged" and "response_s" in h else h)' "$ID_smoke_1")
		check "verifying acknowledges the alarm" "$ok" [ "$ok" = 1 ]
	else
		fail "verified event upstream" "none within 10 s"
	fi
	if wait_for 'upstream_has smoke_alarm raised smoke-1 && check_event hazard smoke_alarm raised smoke-1 >/dev/null' 10; then
		SMOKE_HZ=$(check_event hazard smoke_alarm raised smoke-1 reason=verified "source=$ID_smoke_1" \
			severity=general state=open)
		check "an alarm verified real raises its hazard (reason verified, source the alarm)" "$SMOKE_HZ" \
			[ $? -eq 0 ]
	else
		fail "an alarm verified real raises its hazard" "no smoke hazard within 10 s"
	fi
	ctl verify-alarm "$ID_smoke_1" false >"$T/verify2.out" 2>&1
	rc=$?
	check "a second verdict on the same alarm is refused" "exit $rc: $(head -c 200 "$T/verify2.out")" [ "$rc" -eq 1 ]
fi
if [ -n "${ID_chg_hot:-}" ]; then
	ctl verify-alarm "$ID_chg_hot" false --note "sensor in the sun" >"$T/verify3.out" 2>&1
	rc=$?
	check "verify-alarm overtemp false: exit 0" "exit $rc: $(head -c 200 "$T/verify3.out")" [ "$rc" -eq 0 ]
	if wait_for "has_event alarm '$ID_chg_hot' verified" 10; then
		out=$(check_event alarm charger_overtemp verified chg-hot verdict=false)
		check "verified event with verdict false" "$out" [ "$out" = "$ID_chg_hot" ]
	else
		fail "verified false event upstream" "none within 10 s"
	fi
	sleep 0.5
	n=$(rec_py 'print(sum(1 for h in hz if h.get("device") == "chg-hot"))')
	check "a false alarm raises no hazard" "$n hazard events for chg-hot" [ "$n" = 0 ]
fi
if [ -n "${ID_tamp_1:-}" ]; then
	ctl verify-alarm "$ID_tamp_1" real >"$T/verify4.out" 2>&1
	rc=$?
	check "verify-alarm of a fault is refused" "exit $rc: $(head -c 200 "$T/verify4.out")" [ "$rc" -ne 0 ]
	ctl ack "$ID_tamp_1" >"$T/ack3.out" 2>&1
	rc=$?
	check "ack of a fault is refused" "exit $rc: $(head -c 200 "$T/ack3.out")" [ "$rc" -ne 0 ]
fi

# ---- dismiss a fault: the note is required
if [ -n "${ID_tamp_1:-}" ]; then
	ctl dismiss "$ID_tamp_1" >"$T/dismiss0.out" 2>&1
	rc=$?
	check "dismiss without a note is refused" "exit $rc" [ "$rc" -ne 0 ]
	ctl dismiss "$ID_tamp_1" --note "cover refitted, sensor loose" >"$T/dismiss.out" 2>&1
	rc=$?
	check "dismiss the tamper fault with a note: exit 0" "exit $rc: $(head -c 200 "$T/dismiss.out")" [ "$rc" -eq 0 ]
	if wait_for "has_event fault '$ID_tamp_1' dismissed" 10; then
		out=$(check_event fault tamper dismissed tamp-1 state=dismissed "note=cover refitted, sensor loose")
		check "dismissed event: state dismissed, dismissed_at, the note" "$out" [ "$out" = "$ID_tamp_1" ]
	else
		fail "dismissed event upstream" "none within 10 s"
	fi
fi

# ---- a fault clears by itself; the same condition again is a new fault
if [ -n "${ID_batt_1:-}" ]; then
	pub t/batt-1 '{"battery": 90}'
	if wait_for "has_event fault '$ID_batt_1' cleared" 10; then
		out=$(check_event fault low_battery cleared batt-1 state=cleared)
		check "battery back: the low_battery fault cleared (cleared_at)" "$out" [ "$out" = "$ID_batt_1" ]
	else
		fail "low_battery fault cleared" "no cleared event within 10 s"
	fi
	pub t/batt-1 '{"battery": 4}'
	if wait_for "rec_py 'sys.exit(0 if sum(1 for h in ft if h.get(\"device\") == \"batt-1\" and h.get(\"event\") == \"raised\") == 2 else 1)'" 10; then
		out=$(rec_py '[a, b] = [h["fault_id"] for h in ft if h.get("device") == "batt-1" and h.get("event") == "raised"]
print("" if a != b and a == sys.argv[3] else [a, b])' "$ID_batt_1")
		check "battery low again: a new fault, not the cleared one" "$out" [ -z "$out" ]
	else
		fail "battery low again: a new fault" "no second raised event within 10 s"
	fi
fi


# ---- close: hazards only; refused while open, accepted once cleared
if [ -n "${GAS_AL:-}" ]; then
	ctl close "$GAS_AL" --note "not a hazard" >"$T/close_alarm.out" 2>&1
	rc=$?
	check "an alarm cannot be closed" "exit $rc: $(head -c 200 "$T/close_alarm.out")" [ "$rc" -ne 0 ]
fi
if [ -n "${SMOKE_HZ:-}" ]; then
	ctl close "$SMOKE_HZ" --note "not yet" >"$T/close_open.out" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ]; then
		pass "close of an open hazard refused (exit 1: $(head -c 120 "$T/close_open.out"))"
	else
		fail "close of an open hazard refused" "exit $rc: $(head -c 200 "$T/close_open.out")"
	fi
	ctl ack "$SMOKE_HZ" >/dev/null 2>&1
	check "ack of a hazard: acknowledged event upstream" "none" \
		wait_for "has_event hazard '$SMOKE_HZ' acknowledged" 10
fi
ctl show no-such-id >"$T/unknown.out" 2>&1
rc=$?
check "show of an unknown id: exit 1, 'no such alarm, fault or hazard'" "exit $rc: $(head -c 200 "$T/unknown.out")" \
	bash -c "[ $rc -eq 1 ] && grep -q 'no such alarm, fault or hazard: no-such-id' '$T/unknown.out'"
for c in "close no-such-id --note x" "ack no-such-id" "verify-alarm no-such-id real" "dismiss no-such-id --note x"; do
	ctl $c >"$T/unknown.out" 2>&1
	rc=$?
	check "$c: exit 1, 'no such alarm, fault or hazard'" "exit $rc: $(head -c 200 "$T/unknown.out")" \
		bash -c "[ $rc -eq 1 ] && grep -q 'no such alarm, fault or hazard no-such-id' '$T/unknown.out'"
done
if [ -n "${GAS_HZ:-}" ]; then
	ctl close "$GAS_HZ" --note fixed >"$T/close.out" 2>&1
	rc=$?
	check "close before a submit refused (exit 1)" "exit $rc: $(head -c 200 "$T/close.out")" \
		bash -c "[ $rc -eq 1 ] && grep -q 'not submitted' '$T/close.out'"
	if ctl submit "$GAS_HZ" --note "hose replaced" --actor fitter-7 >"$T/submit.out" 2>&1 &&
	   ctl close "$GAS_HZ" --note fixed >"$T/close.out" 2>&1; then
		pass "hazardctl submit, then close by someone else, of the normal gas hazard: exit 0"
	else
		fail "hazardctl submit and close" "exit $?: $(head -c 200 "$T/submit.out" "$T/close.out")"
	fi
	if wait_for "has_event hazard '$GAS_HZ' closed" 10; then
		out=$(check_event hazard gas_leak closed gas-1 state=closed note=fixed reason=alarm "source=${GAS_AL:-}")
		check "closed event upstream with every contract field and the note" "$out" [ "$out" = "$GAS_HZ" ]
	else
		fail "closed event upstream" "none within 10 s"
	fi
	st=$(ctl --json hazard "$GAS_HZ" 2>/dev/null | jpy 'd.get("state")' 2>&1)
	check "hazardctl --json hazard ID shows state closed" "state '$st'" [ "$st" = closed ]
	ctl close "$GAS_HZ" --note again >/dev/null 2>&1
	rc=$?
	check "closing a closed hazard again fails" "exit $rc" [ "$rc" -ne 0 ]
fi

# ---- listings per kind, and show of any kind
# lst CMD...: the items of a --json listing, one JSON object per line
lst() {
	ctl --json "$@" 2>/dev/null | $PY -c 'import json, sys
d = json.load(sys.stdin)
if isinstance(d, dict):
    d = next((v for v in d.values() if isinstance(v, list)), [])
for x in d:
    print(json.dumps(x))'
}
# listing_ok KIND CMD...: every item is of KIND (or any kind for records)
# and has id, kind and <kind>_id agreeing
listing_ok() {
	local kind=$1; shift
	lst "$@" | $PY -c 'import json, sys
kind = sys.argv[1]
bad = []
n = 0
for line in sys.stdin:
    x = json.loads(line); n += 1
    k = x.get("kind")
    if k not in ("alarm", "fault", "hazard") or (kind != "any" and k != kind) \
       or not x.get("id") or x.get(k + "_id") != x.get("id"):
        bad.append(x)
if bad or n == 0:
    print("%d items, bad: %s" % (n, json.dumps(bad)[:300])); sys.exit(1)' "$kind"
}
ids_of() { lst "$@" | $PY -c 'import json, sys
print(" ".join(sorted(json.loads(l)["id"] for l in sys.stdin)))'; }
for spec in "alarm alarms" "fault faults" "hazard hazards" "any records"; do
	set -- $spec
	out=$(listing_ok "$1" "$2")
	check "hazardctl --json $2: items with id, kind and ${1/any/<kind>}_id" "$out" [ $? -eq 0 ]
done
want_al=$(rec_py 'print(" ".join(sorted({h["_id"] for h in recs if h["_kind"] == "alarm"})))')
want_ft=$(rec_py 'print(" ".join(sorted({h["_id"] for h in recs if h["_kind"] == "fault"})))')
want_hz=$(rec_py 'print(" ".join(sorted({h["_id"] for h in recs if h["_kind"] == "hazard"})))')
want_all=$(rec_py 'print(" ".join(sorted({h["_id"] for h in recs})))')
got=$(ids_of alarms);  check "alarms lists exactly the alarms sent upstream" "got '$got', want '$want_al'" [ "$got" = "$want_al" ]
got=$(ids_of faults);  check "faults lists exactly the faults sent upstream" "got '$got', want '$want_ft'" [ "$got" = "$want_ft" ]
got=$(ids_of hazards); check "hazards lists only the hazards" "got '$got', want '$want_hz'" [ "$got" = "$want_hz" ]
got=$(ids_of records); check "records lists all three kinds" "got '$got', want '$want_all'" [ "$got" = "$want_all" ]
open=$(ids_of records --open)
for id in "${GAS_AL:-x}" "${GAS_HZ:-x}" "${ID_tamp_1:-x}" "${ID_batt_1:-x}"; do
	check "records --open omits the ended, closed, dismissed or cleared $id" "listed: $open" \
		bash -c "! grep -qw -- '$id' <<<'$open'"
done
for id in "${SMOKE_HZ:-x}" "${ID_co_1:-x}" "${ID_fault_1:-x}"; do
	check "records --open lists the live $id" "open: $open" grep -qw -- "$id" <<<"$open"
done
for spec in "alarm ${ID_co_1:-x}" "fault ${ID_fault_1:-x}" "hazard ${SMOKE_HZ:-x}"; do
	set -- $spec
	k=$(ctl --json show "$2" 2>/dev/null | jpy 'd.get("kind") + " " + d.get(d.get("kind") + "_id")' 2>&1)
	check "show $2: a $1 of that id" "got '$k'" [ "$k" = "$1 $2" ]
done
n=$(lst alarms --site site-2 | $PY -c 'import json, sys
print(sorted({json.loads(l)["device"] for l in sys.stdin}))')
check "alarms --site site-2: the chargers' alarms only" "$n" [ "$n" = "['chg-amp', 'chg-hot', 'chg-pow']" ]
for c in alarms faults hazards records; do
	check "hazardctl $c (text) exits 0 with output" "no output" bash -c "[ -n \"\$('$HAZARDCTL' -c '$HZ_CFG' $c)\" ]"
done
devs=$(ctl --json devices 2>/dev/null)
miss=$(for d in $ALL_DEVS; do
	grep -qF "\"$d\"" <<<"$devs" || echo -n "$d "; done)
check "hazardctl --json devices lists all 12 devices" "missing: $miss" [ -z "$miss" ]

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
