#!/usr/bin/env bash
# t_coverage.sh: coverage by site kind (全覆盖) and sensor dates over real
# brokers.  With no "coverage" section (the check is on by default), a
# restaurant with no gas detector has a coverage_gap hazard upstream (no
# device, the detail naming what is missing), one only, not raised again
# by a reload; the summary's coverage rate counts it (the expected rate
# computed here from the sites).  A reload that adds the detector but no
# shut-off rewrites the gap's detail (event "updated", still one record,
# no occurrence); one that adds the interlock too (with an empty
# "coverage" section) makes the gap's condition normal (normal_since) and
# the rate whole.  A site added without its smoke alarm gets a gap; when
# a reload removes the site, its gap is withdrawn: closed by hazardd with
# a note saying why.  "enabled": false is the switch.  A device whose
# calibration_due is past has a calibration_due fault upstream, and one
# past its sensor life a sensor_expired fault; moving the date on clears
# the latter.
source "$(dirname "$0")/lib.sh"

# jtrue EXPR: EXPR (over d, the JSON on stdin) is true (jpy alone only
# fails when EXPR cannot be evaluated)
jtrue() { [ "$(jpy "$1")" = true ]; }

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

SITES='[{"id": "site-1", "kind": "restaurant", "name": "E2E kitchen", "address": "1 Test Road"}, {"id": "site-2", "kind": "charging_station", "name": "E2E e-bike shed", "address": "2 Test Road"}, {"id": "site-3", "kind": "rental_housing", "name": "E2E flats", "address": "3 Test Road"}, {"id": "site-4", "kind": "other", "name": "E2E office", "address": "4 Test Road"}]'
DEVS1='{"id": "chg-1", "kind": "ebike_charger", "installed": "2019-06-01", "calibration_due": "2020-01-01"}
{"id": "smk-1", "kind": "smoke_alarm", "site": "site-3", "installed": "2015-01-10", "sensor_life_y": 10}'
DEVS2="$DEVS1"'
{"id": "gas-1", "kind": "gas_detector", "site": "site-1", "relay": true}'
IL='[{"hazard": "gas_leak", "site": "site-1", "actions": [{"device": "gas-1", "set": "off"}]}]'

# no coverage section: the built-in requirements apply
write_config "$T/hazardd.json" "sites=$SITES" 'coverage-' <<<"$DEVS1"
check "the config has no coverage section" "$(head -c 300 "$T/hazardd.json")" \
	jtrue '"coverage" not in d' <"$T/hazardd.json"
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

gaps() { rec_py 'print(json.dumps([h for h in hz if h.get("type") == "coverage_gap"]))'; }
check "restaurant without a gas detector: a coverage_gap hazard upstream" "$(gaps)" \
	wait_for "gaps | jpy 'sys.exit(0 if any(h[\"event\"] == \"raised\" and h[\"site\"] == \"site-1\" and h[\"device\"] in (\"\", None) for h in d) else 1)'" 10
G=$(gaps)
info "gap: ${G:0:400}"
check "only the restaurant has a gap (shed has a charger with a relay, flats a smoke alarm)" "$G" \
	jtrue 'sorted(set(h["site"] for h in d)) == ["site-1"]' <<<"$G"
check "the gap's detail names what is missing" "$G" \
	jtrue '"gas_detector, gas_shutoff" in d[0]["detail"]' <<<"$G"
N_GAP=$(db "SELECT count(*) FROM hazards WHERE type='coverage_gap'")
check "one coverage_gap record" "$N_GAP" [ "$N_GAP" = 1 ]

# the expected rate: sites whose kind requires something (restaurant,
# charging station, rental housing: not "other"), of which those met
EXP=$($PY -c 'print(round(2 / 3, 4))')
ctl --json report >"$T/rep1.json" 2>"$T/rep1.err"
check "summary: coverage rate $EXP over 3 sites, site-1 short of gas_detector and gas_shutoff" "$(cat "$T/rep1.json" "$T/rep1.err" | head -c 600)" \
	jtrue 'd["coverage"]["checked"] is True and d["coverage"]["sites"] == 3 and d["coverage"]["sites_met"] == 2 and abs(d["coverage"]["rate"] - '"$EXP"') < 1e-9 and d["coverage"]["short"] == [{"site": "site-1", "kind": "restaurant", "missing": ["gas_detector", "gas_shutoff"]}]' <"$T/rep1.json"

# sensor dates
faults() { rec_py 'print(json.dumps([f for f in ft if f.get("type") == sys.argv[3]]))' "$1"; }
check "calibration_due past: a calibration_due fault upstream" "$(faults calibration_due)" \
	wait_for "faults calibration_due | jpy 'sys.exit(0 if any(f[\"device\"] == \"chg-1\" and f[\"event\"] == \"raised\" for f in d) else 1)'" 10
check "sensor life past: a sensor_expired fault upstream" "$(faults sensor_expired)" \
	wait_for "faults sensor_expired | jpy 'sys.exit(0 if any(f[\"device\"] == \"smk-1\" and f[\"event\"] == \"raised\" for f in d) else 1)'" 10

# a reload that changes nothing raises no second gap
out=$(ctl reload 2>&1)
check "reload (unchanged) applied" "$out" wait_for 'grep -q "reload (hazardctl, .*): applied" "$HZ_LOG"' 10
sleep 1.5
N_GAP=$(db "SELECT count(*) FROM hazards WHERE type='coverage_gap'")
N_EV=$(db "SELECT count(*) FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id WHERE h.type='coverage_gap'")
check "still one gap, one event, after an unchanged reload" "$N_GAP records, $N_EV events" \
	[ "$N_GAP" = 1 -a "$N_EV" = 1 ]

# the detector alone: the gap is now the shut-off only; its detail follows
write_config "$T/hazardd.json" "sites=$SITES" 'coverage-' <<<"$DEVS2"
out=$(ctl reload 2>&1)
check "reload with the detector, no interlock, applied" "$out" \
	wait_for '[ "$(grep -c "reload (hazardctl, .*): applied" "$HZ_LOG")" -ge 2 ]' 10
check "upstream: the gap updated, its detail naming the shut-off alone" "$(gaps | head -c 800)" \
	wait_for "gaps | jpy 'sys.exit(0 if any(h[\"event\"] == \"updated\" and h[\"detail\"] == \"restaurant lacks gas_shutoff\" and h[\"occurrences\"] == 1 for h in d) else 1)'" 10
ROW=$(db "SELECT count(*) || '|' || max(detail) || '|' || max(occurrences) || '|' || max(cleared_at_ms) FROM hazards WHERE type='coverage_gap'")
check "still one gap record, its detail rewritten, one occurrence, condition on" "$ROW" \
	[ "$ROW" = "1|restaurant lacks gas_shutoff|1|0" ]
EV=$(db "SELECT e.event || ':' || coalesce(e.detail, '') FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id WHERE h.type='coverage_gap' ORDER BY e.rowid" | tr '\n' ' ')
check "the gap's events: raised, then updated naming the new gap" "$EV" \
	[ "$EV" = "raised:restaurant lacks gas_detector, gas_shutoff updated:restaurant lacks gas_shutoff " ]

# the detector and its shut-off added; the smoke alarm's sensor renewed
write_config "$T/hazardd.json" "sites=$SITES" 'coverage={}' "interlocks=$IL" \
	<<<"${DEVS2/\"2015-01-10\"/\"$(date -u +%Y)-01-01\"}"
out=$(ctl reload 2>&1)
check "reload with the detector and the interlock applied" "$out" \
	wait_for '[ "$(grep -c "reload (hazardctl, .*): applied" "$HZ_LOG")" -ge 3 ]' 10
check "the gap's condition is normal (normal_since) in the database" "$(db "SELECT id, state, cleared_at_ms FROM hazards WHERE type='coverage_gap'")" \
	wait_for '[ "$(db "SELECT cleared_at_ms > 0 FROM hazards WHERE type='"'coverage_gap'"'")" = 1 ]' 10
check "upstream: the gap's condition normal" "$(gaps | head -c 600)" \
	wait_for "gaps | jpy 'sys.exit(0 if any(h[\"event\"] == \"cleared\" and h.get(\"normal_since\") for h in d) else 1)'" 10
check "upstream: the cleared gap says what the configuration now covers" "$(gaps | head -c 900)" \
	jtrue 'any(h["event"] == "cleared" and h["detail"] == "configuration now covers gas_detector, gas_shutoff" and h["state"] == "open" for h in d)' <<<"$(gaps)"
GID=$(db "SELECT id FROM hazards WHERE type='coverage_gap'")
out=$(ctl submit "$GID" --note "detector and valve interlock fitted" 2>&1); rc=$?
ST=$(db "SELECT state FROM hazards WHERE id='$GID'")
check "the gap, now normal, is submitted at once (no wait)" "rc $rc, state $ST: $out" \
	[ "$rc" = 0 -a "$ST" = submitted ]
ctl --json report >"$T/rep2.json" 2>"$T/rep2.err"
check "summary after the reload: every site with requirements meets them" "$(head -c 400 "$T/rep2.json")" \
	jtrue 'd["coverage"]["sites"] == 3 and d["coverage"]["sites_met"] == 3 and d["coverage"]["rate"] == 1 and d["coverage"]["short"] == []' <"$T/rep2.json"
check "the renewed sensor: sensor_expired cleared upstream" "$(faults sensor_expired)" \
	wait_for "faults sensor_expired | jpy 'sys.exit(0 if any(f[\"device\"] == \"smk-1\" and f[\"event\"] == \"cleared\" for f in d) else 1)'" 10
N=$(db "SELECT count(*) FROM hazards WHERE type='calibration_due' AND state='active'")
check "the calibration still past: its fault stays active, one record" "$N" [ "$N" = 1 ]

# a site added without what its kind requires, then removed: its gap is
# withdrawn, closed by hazardd with the reason
SITES5="${SITES%]}"', {"id": "site-5", "kind": "rental_housing", "name": "E2E annex", "address": "5 Test Road"}]'
DEVS3=${DEVS2/\"2015-01-10\"/\"$(date -u +%Y)-01-01\"}
write_config "$T/hazardd.json" "sites=$SITES5" "interlocks=$IL" 'coverage-' <<<"$DEVS3"
out=$(ctl reload 2>&1)
check "reload adding site-5 (rental housing, no smoke alarm) applied" "$out" \
	wait_for '[ "$(grep -c "reload (hazardctl, .*): applied" "$HZ_LOG")" -ge 4 ]' 10
check "site-5: a coverage_gap upstream naming the smoke alarm" "$(gaps | head -c 600)" \
	wait_for "gaps | jpy 'sys.exit(0 if any(h[\"event\"] == \"raised\" and h[\"site\"] == \"site-5\" and h[\"detail\"] == \"rental_housing lacks smoke_alarm\" for h in d) else 1)'" 10
G5=$(db "SELECT id FROM hazards WHERE type='coverage_gap' AND site='site-5'")
write_config "$T/hazardd.json" "sites=$SITES" "interlocks=$IL" 'coverage-' <<<"$DEVS3"
out=$(ctl reload 2>&1)
check "reload removing site-5 applied" "$out" \
	wait_for '[ "$(grep -c "reload (hazardctl, .*): applied" "$HZ_LOG")" -ge 5 ]' 10
check "site-5's gap closed in the database" "$(db "SELECT id, state, closed_at_ms FROM hazards WHERE id='$G5'")" \
	wait_for '[ "$(db "SELECT state FROM hazards WHERE id='"'$G5'"' AND closed_at_ms > 0")" = closed ]' 10
EV=$(db "SELECT event || '|' || actor || '|' || note FROM hazard_events WHERE hazard_id='$G5' AND event='closed'")
check "closed by hazardd, the note saying the site left the configuration" "$EV" \
	[ "$EV" = "closed|hazardd|withdrawn: site site-5 is no longer in the configuration" ]
check "upstream: site-5's gap closed by hazardd with that note" "$(gaps | head -c 900)" \
	wait_for "gaps | jpy 'sys.exit(0 if any(h[\"hazard_id\"] == \"$G5\" and h[\"event\"] == \"closed\" and h[\"state\"] == \"closed\" and h.get(\"actor\") == \"hazardd\" and \"no longer in the configuration\" in h.get(\"note\", \"\") for h in d) else 1)'" 10
ST=$(db "SELECT state FROM hazards WHERE id='$GID'")
check "site-1's gap (submitted) is left as it was" "$ST" [ "$ST" = submitted ]

# the switch: "enabled": false; site-1's gap, submitted, is withdrawn too
write_config "$T/hazardd.json" "sites=$SITES" 'coverage={"enabled": false}' <<<"$DEVS1"
out=$(ctl reload 2>&1)
check "reload with the check off (and no detector) applied" "$out" \
	wait_for '[ "$(grep -c "reload (hazardctl, .*): applied" "$HZ_LOG")" -ge 6 ]' 10
check "the check off: site-1's gap closed, no new gap" "$(db "SELECT id, site, state FROM hazards WHERE type='coverage_gap'")" \
	wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE type='"'coverage_gap'"' AND state != '"'closed'"'")" = 0 ]' 10
N=$(db "SELECT note FROM hazard_events WHERE hazard_id='$GID' AND event='closed'")
check "its note: the check is off" "$N" [ "$N" = "withdrawn: the coverage check is off in the configuration" ]
ctl --json report >"$T/rep3.json" 2>"$T/rep3.err"
check "summary: checked false with the check off" "$(head -c 300 "$T/rep3.json")" \
	jtrue 'd["coverage"]["checked"] is False' <"$T/rep3.json"

kill_hazardd
$PY "$E2E/schema_check.py" "$REC_OUT" "$TOP/docs/schema" >"$T/validate.out" 2>&1
check "upstream messages (gap, faults) validate against docs/schema" "$(head -c 600 "$T/validate.out")" \
	grep -q '"fault"' "$T/validate.out"
check "no invalid message" "$(grep INVALID "$T/validate.out" | head -3)" \
	bash -c '! grep -q INVALID "$1"' _ "$T/validate.out"
info "$N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
