#!/usr/bin/env bash
# t_reinspect.sh: re-inspection before write-off (复查, docs/lifecycle.md)
# against real brokers.  A gas alarm at a restaurant is a hazard at once;
# a submit while the gas is on is refused, and one right after the gas
# clears is refused too (records.normal_before_submit_h 0.001: 3.6 s);
# after the wait the hazard is submitted with a note and evidence; the
# submitter's own verify is refused; another person's verify fail sends
# it back to rectifying, counted (reinspect_failed); it is resubmitted and
# a verify pass writes it off.  The upstream recorder sees every event in
# order, each with its actor, and the hazard's normal_since.  A platform
# verify or close without a note gets an error reply; a platform verify
# by someone else passes a second hazard.  hazardctl raise records a
# hazard by hand (reason person), visible upstream, which goes from open
# to rectifying directly and needs no wait; an unknown site or device is
# an error.  hazardctl --help lists the new commands.  A hazard whose
# device a reload removed while its gas was on is submitted (the event
# saying the device is gone) and written off.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
new_command_key "$T/cmd.key"
ME=$(id -un)

write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" \
	'records={"normal_before_submit_h": {"gas_leak": 0.001}}' <<'EOF'
{"id": "gas-1", "kind": "gas_detector", "rules": {"hold_s": 0}}
{"id": "gas-2", "kind": "gas_detector", "rules": {"hold_s": 0}}
{"id": "chg-1", "kind": "ebike_charger"}
{"id": "gas-3", "kind": "gas_detector", "rules": {"hold_s": 0}}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

reply_check() { check "$1" "reply: ${2:0:400}" reply_is "$2" "$3"; }
hid() { db "SELECT id FROM hazards WHERE kind='hazard' AND device='$1' ORDER BY raised_at_ms DESC LIMIT 1"; }
state_of() { db "SELECT state FROM hazards WHERE id='$1'"; }
# hz_events ID: the upstream events of one hazard as "event:actor" words
hz_events() {
	rec_py 'print(" ".join("%s:%s" % (h.get("event"), h.get("actor")) for h in hz
	      if h.get("hazard_id") == sys.argv[3]))' "$1"
}

# ------------------------------------------------------------ a gas leak, re-inspected

pub t/gas-1 '{"gas_lel": 30}'
wait_for '[ -n "$(hid gas-1)" ]' 10 || { fail "gas hazard raised" "none"; exit 1; }
H=$(hid gas-1)
check "the gas hazard is open, reason alarm" "$(db "SELECT state, reason FROM hazards WHERE id='$H'")" \
	test "$(db "SELECT state || ' ' || reason FROM hazards WHERE id='$H'")" = "open alarm"
out=$(ctl submit "$H" --note "fixed" 2>&1); rc=$?
check "submit while the gas is on: refused (exit 1)" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "its condition is on"' "$rc" "$out"
out=$(ctl rectifying "$H" --note "hose ordered" --actor fitter-7 2>&1)
check "open -> rectifying" "$out" test "$(state_of "$H")" = rectifying

pub t/gas-1 '{"gas_lel": 0}'
check "the gas clears: normal_since upstream, still rectifying" "$(hz_events "$H")" \
	wait_for "rec_py 'sys.exit(0 if any(h.get(\"hazard_id\") == sys.argv[3] and h.get(\"event\") == \"cleared\"
	and h.get(\"normal_since\") and h.get(\"state\") == \"rectifying\" for h in hz) else 1)' '$H'" 10
out=$(ctl submit "$H" --note "hose replaced" --actor fitter-7 2>&1); rc=$?
check "submit too early: refused, says how long it must be normal" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "required before a submit (records.normal_before_submit_h)"' "$rc" "$out"
out=$(ctl submit "$H" 2>&1); rc=$?
check "submit without a note: usage error (exit 2)" "rc $rc: $out" [ "$rc" = 2 ]
sleep 4
out=$(ctl submit "$H" --note "hose replaced" --evidence "photo 12: new hose" --actor fitter-7 2>&1)
check "submit after the wait" "$out" grep -q "hazard $H submitted for re-inspection (state submitted)" <<<"$out"
out=$(ctl verify "$H" pass --note "looks fine" --actor fitter-7 2>&1); rc=$?
check "verify by the submitter: refused" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "submitted by fitter-7, who cannot re-inspect it"' "$rc" "$out"
out=$(ctl verify "$H" maybe --note x 2>&1); rc=$?
check "verify with neither pass nor fail: usage error" "rc $rc: $out" [ "$rc" = 2 ]
out=$(ctl verify "$H" fail --note "valve still loose" --actor inspector-li 2>&1)
check "verify fail by another: back to rectifying" "$out" \
	grep -q "hazard $H re-inspection failed (state rectifying)" <<<"$out"
check "the failure is counted" "$(db "SELECT reinspect_failed FROM hazards WHERE id='$H'")" \
	test "$(db "SELECT reinspect_failed FROM hazards WHERE id='$H'")" = 1
out=$(ctl submit "$H" --note "valve tightened" --actor fitter-7 2>&1)
check "resubmitted" "$out" test "$(state_of "$H")" = submitted
out=$(ctl verify "$H" pass --note "holds at 0 %LEL" --actor inspector-li 2>&1)
check "verify pass: written off" "$out" test "$(state_of "$H")" = closed
check "upstream: every move in order with its actor" "$(hz_events "$H")" \
	wait_for "[ \"\$(hz_events '$H')\" = 'raised:hazardd rectifying:fitter-7 cleared:hazardd submitted:fitter-7 reinspect_failed:inspector-li submitted:fitter-7 closed:inspector-li' ]" 10
check "upstream: reinspect_failed on the failure, the count kept on the close" "$(rec_py 'print([(h.get("event"), h.get("reinspect_failed")) for h in hz if h.get("hazard_id") == sys.argv[3]])' "$H")" \
	rec_py 'e = [(h.get("event"), h.get("reinspect_failed"), h.get("state")) for h in hz if h.get("hazard_id") == sys.argv[3]]
sys.exit(0 if ("reinspect_failed", 1, "rectifying") in e and ("closed", 1, "closed") in e else 1)' "$H"
check "upstream: the submit carries its evidence and submitter" "missing" \
	rec_py 'c = [h for h in hz if h.get("hazard_id") == sys.argv[3] and h.get("event") == "closed"]
sys.exit(0 if c and c[0].get("evidence", {}).get("operator") == "photo 12: new hose"
         and c[0].get("submitted_by") == "fitter-7" and c[0].get("submitted_at") else 1)' "$H"

# ------------------------------------------------------------ from the platform

pub t/gas-2 '{"gas_lel": 30}'
wait_for '[ -n "$(hid gas-2)" ]' 10 || fail "second gas hazard raised" "none"
H2=$(hid gas-2)
pub t/gas-2 '{"gas_lel": 0}'
wait_for "[ \"\$(db \"SELECT cleared_at_ms > 0 FROM hazards WHERE id='$H2'\")\" = 1 ]" 10
sleep 4
r=$(hz submit hazard_id="$H2" who=wang.fitter note="hose replaced") || true
reply_check "platform submit" "$r" 'r["ok"] and r["result"]["state"] == "submitted"'
r=$(hz verify hazard_id="$H2" result=pass who=li.wei) || true
reply_check "platform verify without a note: error reply" "$r" 'r["ok"] is False and "note" in r["error"]'
r=$(hz close hazard_id="$H2" who=li.wei) || true
reply_check "platform close without a note: error reply" "$r" 'r["ok"] is False and "note" in r["error"]'
r=$(hz verify hazard_id="$H2" result=pass who=wang.fitter note="fine") || true
reply_check "platform verify by the submitter: refused" "$r" 'r["ok"] is False and "cannot re-inspect" in r["error"]'
r=$(hz verify hazard_id="$H2" result=pass who=li.wei note="checked on site") || true
reply_check "platform verify pass by another: closed" "$r" \
	'r["ok"] and r["result"]["state"] == "closed" and r["result"]["result"] == "pass" and r["result"]["reinspect_failed"] == 0'
check "upstream: platform actors on the submit and the close" "$(hz_events "$H2")" \
	wait_for "[ \"\$(hz_events '$H2')\" = 'raised:hazardd cleared:hazardd submitted:platform:wang.fitter closed:platform:li.wei' ]" 10

# ------------------------------------------------------------ by hand

out=$(ctl raise site-2 overcharge --note "charging in the stairwell" --severity major 2>&1)
check "hazardctl raise: recorded" "$out" grep -qE "hazard [0-9a-f]+-H3 recorded \(state open\)" <<<"$out"
HR=$(db "SELECT id FROM hazards WHERE kind='hazard' AND reason='person'")
check "by hand: site, type, no device, major, reason person" \
	"$(db "SELECT site, type, device, severity, reason FROM hazards WHERE id='$HR'")" \
	test "$(db "SELECT site || ' ' || type || ' [' || device || '] ' || severity || ' ' || reason FROM hazards WHERE id='$HR'")" = \
	     "site-2 overcharge [] major person"
check "by hand: visible upstream, raised by the person with the note" "$(hz_events "$HR")" \
	wait_for "rec_py 'sys.exit(0 if any(h.get(\"hazard_id\") == sys.argv[3] and h.get(\"event\") == \"raised\"
	and h.get(\"reason\") == \"person\" and h.get(\"actor\") == sys.argv[4] and h.get(\"note\") == \"charging in the stairwell\"
	and h.get(\"site\") == \"site-2\" for h in hz) else 1)' '$HR' '$ME'" 10
out=$(ctl rectifying "$HR" --note "bikes moved out" --actor owner-zhao 2>&1)
check "by hand: open -> rectifying" "$out" test "$(state_of "$HR")" = rectifying
out=$(ctl submit "$HR" --note "stairwell clear" --actor owner-zhao 2>&1)
check "by hand: submitted at once (no sensor, no wait)" "$out" test "$(state_of "$HR")" = submitted
out=$(ctl raise site-1 gas_leak --note "hose cracked" --device gas-1 2>&1)
check "by hand with a device of the site" "$out" \
	test "$(db "SELECT device FROM hazards WHERE kind='hazard' AND reason='person' ORDER BY raised_at_ms DESC LIMIT 1")" = gas-1
out=$(ctl raise site-9 gas_leak --note x 2>&1); rc=$?
check "raise at an unknown site: an error (exit 1)" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "no such site site-9"' "$rc" "$out"
out=$(ctl raise site-1 gas_leak --note x --device nope 2>&1); rc=$?
check "raise with an unknown device: an error (exit 1)" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "no such device nope"' "$rc" "$out"
out=$(ctl raise site-1 flood --note x 2>&1); rc=$?
check "raise with an unknown type: an error" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "unknown hazard type flood"' "$rc" "$out"
out=$(ctl raise site-1 gas_leak 2>&1); rc=$?
check "raise without a note: usage error (exit 2)" "rc $rc: $out" [ "$rc" = 2 ]

out=$($HAZARDCTL --help 2>&1)
check "hazardctl --help lists submit, verify and raise" "$out" \
	sh -c 'for c in "submit ID --note" "verify ID pass|fail" "raise SITE TYPE --note"; do
		echo "$0" | grep -qF "$c" || exit 1; done' "$out"

# ------------------------------------------------------------ a removed device

# gas-3's hazard is raised with the gas on; a reload then removes gas-3:
# no reading will ever say its condition is normal, so the operator's
# submit (docs/operations.md) takes it, the event saying why, and someone
# else's re-inspection writes it off
pub t/gas-3 '{"gas_lel": 30}'
wait_for '[ -n "$(hid gas-3)" ]' 10 || fail "gas-3 hazard raised" "none"
H3=$(hid gas-3)
out=$(ctl submit "$H3" --note "pipe replaced" --actor fitter-7 2>&1); rc=$?
check "gas-3 configured, gas on: submit refused" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "its condition is on"' "$rc" "$out"
write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" \
	'records={"normal_before_submit_h": {"gas_leak": 0.001}}' <<'EOF'
{"id": "gas-1", "kind": "gas_detector", "rules": {"hold_s": 0}}
{"id": "gas-2", "kind": "gas_detector", "rules": {"hold_s": 0}}
{"id": "chg-1", "kind": "ebike_charger"}
EOF
out=$(ctl reload 2>&1); rc=$?
check "reload without gas-3: applied" "rc $rc: $out" [ "$rc" = 0 ]
check "gas-3's hazard stays as it was, its condition on" \
	"$(db "SELECT state, cleared_at_ms FROM hazards WHERE id='$H3'")" \
	test "$(db "SELECT state || ' ' || cleared_at_ms FROM hazards WHERE id='$H3'")" = "open 0"
out=$(ctl submit "$H3" --note "detector taken down, pipe replaced" --actor fitter-7 2>&1)
check "removed device: submitted though no reading says normal" "$out" \
	grep -q "hazard $H3 submitted for re-inspection (state submitted)" <<<"$out"
check "the submitted event says the device is no longer configured" \
	"$(db "SELECT detail FROM hazard_events WHERE hazard_id='$H3' AND event='submitted'")" \
	test "$(db "SELECT detail FROM hazard_events WHERE hazard_id='$H3' AND event='submitted'")" = \
	     "device gas-3 is no longer configured: its condition is not observed"
out=$(ctl --json show "$H3" 2>&1)
check "hazardctl show: the submitted event's note and detail" "${out:0:600}" \
	$PY -c 'import json, sys
e = [x for x in json.loads(sys.argv[1])["events"] if x["event"] == "submitted"]
sys.exit(0 if e and e[0]["note"] == "detector taken down, pipe replaced"
         and "gas-3 is no longer configured" in e[0]["detail"] else 1)' "$out"
out=$(ctl verify "$H3" pass --note "checked on site" --actor inspector-li 2>&1)
check "removed device: re-inspected and written off" "$out" test "$(state_of "$H3")" = closed
check "upstream: raised, submitted, closed" "$(hz_events "$H3")" \
	wait_for "[ \"\$(hz_events '$H3')\" = 'raised:hazardd submitted:fitter-7 closed:inspector-li' ]" 10

kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
