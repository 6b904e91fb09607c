#!/usr/bin/env bash
# t_selfcheck.sh: a site's self-inspection (自查) over real brokers.
# `hazardctl selfcheck SITE` lists the checklist of the site's kind; a
# self-inspection with one failed item opens a self_check_failed hazard at
# the site, which goes upstream, and sends one "selfcheck" message listing
# every item with the hazard the failed one opened.  An item not on the
# checklist, one given twice, a missing item and an unknown site are
# refused.  The ledger shows the re-inspection (submitted_by,
# reinspect_failed, closed_by) and the text evidence; the ledger of a site
# that does not exist exits non-zero.  The summary's self-inspection rate
# (自查率) matches one computed here from the database.  A signed platform
# `supervise` puts a major hazard under supervision (挂牌督办: a
# "supervised" event upstream); a general hazard and a second supervise
# are refused.  The weekly report (每周一报) lists the open majors with
# assignee, deadline and supervision, as the database has them, and goes
# upstream on <prefix>/weekly.  A checklist set in the config
# ($.selfcheck.rental_housing) replaces the kind's built-in one on a
# reload: `hazardctl checklist SITE` (and `selfcheck SITE`) shows it
# (source config, with its English text), a self-inspection with its items is recorded (the failed
# item's hazard and the upstream message carry the config's text), one
# with a built-in item no longer on it is refused, the restaurant keeps its
# built-in list; a bad checklist is refused at the reload with FILE:LINE:
# $.path and the running one stays.
source "$(dirname "$0")/lib.sh"

GW=gw-e2e-01
BASE=hz/v1/e2edist/$GW

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

SITES='[{"id": "site-1", "kind": "restaurant", "name": "E2E kitchen", "address": "1 Test Road", "people": [{"id": "wang", "name": "Wang Wei", "role": "owner"}]}, {"id": "site-2", "kind": "rental_housing", "name": "E2E flats", "address": "2 Test Road"}]'
new_command_key "$T/cmd.key"
write_config "$T/hazardd.json" "records.normal_before_submit_h=0" "sites=$SITES" \
	"upstream.command_key_file=\"$T/cmd.key\"" <<'EOF2'
{"id": "gas-1", "kind": "gas_detector"}
{"id": "smk-2", "kind": "smoke_alarm", "site": "site-2"}
EOF2
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

# ---- the checklist
out=$(ctl --json selfcheck site-1 2>&1); rc=$?
check "selfcheck SITE lists the restaurant checklist" "rc $rc: $out" \
	jpy '[i["id"] for i in d["items"]] == ["gas_hose", "detector_test", "extinguisher", "exits"] and d["site_kind"] == "restaurant"' <<<"$out"
out=$(ctl --json selfcheck site-2 2>&1)
check "rental housing: no e-bike charging in corridors is on its list" "$out" \
	jpy '"ebike_corridor" in [i["id"] for i in d["items"]] and "gas_hose" not in [i["id"] for i in d["items"]]' <<<"$out"

# ---- refusals
refused() {     # refused WHAT ARGS...: exit 1 and nothing recorded
	local what=$1; shift
	out=$(ctl selfcheck "$@" 2>&1); rc=$?
	check "$what: refused (exit 1)" "rc $rc: $out" [ "$rc" = 1 ]
}
refused "an item not on the checklist" site-1 gas_hose=ok detector_test=ok extinguisher=ok exits=ok ebike_corridor=ok
refused "an item given twice" site-1 gas_hose=ok gas_hose=fail detector_test=ok extinguisher=ok exits=ok
refused "a missing item" site-1 gas_hose=ok detector_test=ok extinguisher=ok
refused "an unknown site" site-9 gas_hose=ok
out=$(ctl selfcheck site-1 gas_hose=maybe 2>&1); rc=$?
check "a result neither ok nor fail: usage error (exit 2)" "rc $rc: $out" [ "$rc" = 2 ]
check "nothing recorded by the refusals" "$(db "SELECT count(*) FROM self_checks WHERE source='checklist'")" \
	[ "$(db "SELECT count(*) FROM self_checks WHERE source='checklist'")" = 0 ]

# ---- one failed item: a hazard upstream
out=$(ctl --json selfcheck site-1 gas_hose=fail detector_test=ok extinguisher=ok exits=ok \
	--note "hose cracked near the valve" --actor wang 2>&1); rc=$?
info "selfcheck: ${out:0:400}"
check "selfcheck with one failed item: exit 0, one failed" "rc $rc: $out" \
	jpy 'd["failed"] == 1 and [i["result"] for i in d["items"]] == ["fail", "ok", "ok", "ok"] and d["items"][0]["hazard_id"]' <<<"$out"
HID=$($PY -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["hazard_id"])' <<<"$out")
check "the hazard in the database: self_check_failed at site-1, no device" \
	"$(db "SELECT type, site, device, state FROM hazards WHERE id='$HID'")" \
	[ "$(db "SELECT type || '|' || site || '|' || device || '|' || state FROM hazards WHERE id='$HID'")" = "self_check_failed|site-1||open" ]
check "the hazard's raised event upstream" "$(rec_py 'print(hz[-2:])')" \
	wait_for "rec_py 'sys.exit(0 if any(h.get(\"hazard_id\") == sys.argv[3] and h.get(\"event\") == \"raised\" and h.get(\"type\") == \"self_check_failed\" and h.get(\"site\") == \"site-1\" for h in hz) else 1)' '$HID'" 10
check "one selfcheck message upstream naming the hazard" "$(rec_py 'print([m for m in msgs if m["topic"].endswith("/selfcheck")])')" \
	wait_for "rec_py 'sc = [m[\"payload\"] for m in msgs if m[\"topic\"] == base + \"/selfcheck\"]; sys.exit(0 if len(sc) == 1 and sc[0][\"site\"] == \"site-1\" and sc[0][\"actor\"] == \"wang\" and sc[0][\"failed\"] == 1 and [(i[\"id\"], i[\"result\"], i.get(\"hazard_id\")) for i in sc[0][\"items\"]] == [(\"gas_hose\", \"fail\", sys.argv[3]), (\"detector_test\", \"ok\", None), (\"extinguisher\", \"ok\", None), (\"exits\", \"ok\", None)] and sc[0][\"gateway\"] == \"$GW\" else 1)' '$HID'" 10
check "the self-inspection stored: one checklist row for site-1" \
	"$(db "SELECT site, source FROM self_checks")" \
	[ "$(db "SELECT count(*) FROM self_checks WHERE source='checklist' AND site='site-1'")" = 1 ]

# ---- 自查率: computed here from the database, compared with the summary
out=$(ctl --json report 2>&1)
info "summary totals.self_inspection: $(jpy 'd["totals"]["self_inspection"]' <<<"$out")"
INSPECTED=$(db "SELECT count(DISTINCT site) FROM self_checks WHERE source='checklist' AND site IN ('site-1', 'site-2')")
WANT=$($PY -c 'import sys; print(round(int(sys.argv[1]) / 2, 4))' "$INSPECTED")
check "summary: 自查率 = sites inspected / configured sites ($INSPECTED/2)" "$out" \
	jpy 'd["totals"]["self_inspection"]["sites"] == 2 and d["totals"]["self_inspection"]["inspected"] == '"$INSPECTED"' and abs(d["totals"]["self_inspection"]["rate"] - '"$WANT"') < 1e-9 and [s["self_inspection"]["inspected"] for s in d["sites"]] == [1, 0]' <<<"$out"

# ---- the ledger: re-inspection and evidence
ctl submit "$HID" --note "hose replaced" --evidence "photo 17: new hose, clamp tight" --actor wang >/dev/null 2>&1 ||
	fail "submit" "refused"
ctl verify "$HID" fail --note "clamp still loose" --actor inspector-li >/dev/null 2>&1 ||
	fail "verify fail" "refused"
ctl submit "$HID" --note "clamp replaced" --evidence "photo 18: clamp replaced" --actor wang >/dev/null 2>&1 ||
	fail "submit again" "refused"
ctl verify "$HID" pass --note "fixed" --actor inspector-li >/dev/null 2>&1 ||
	fail "verify pass" "refused"
out=$(ctl ledger --site site-1 --format json 2>&1)
check "ledger: submitted_by, reinspect_failed 1, closed_by, evidence" "${out:0:600}" \
	jpy '[(r["state"], r["submitted_by"], r["reinspect_failed"], r["closed_by"], r["evidence"]) for r in d if r["id"] == "'"$HID"'"] == [("closed", "wang", 1, "inspector-li", ["photo 18: clamp replaced"])] and all(r["submitted"] for r in d if r["id"] == "'"$HID"'")' <<<"$out"
ctl ledger --site site-1 >"$T/ledger.csv" 2>&1
check "ledger CSV has the new columns" "$(head -1 "$T/ledger.csv")" \
	bash -c 'head -1 "$1" | tr -d "\r" | grep -q ",submitted,submitted_by,reinspect_failed,evidence$"' _ "$T/ledger.csv"
out=$(ctl ledger --site no-such-site 2>&1); rc=$?
check "ledger of an unknown site: non-zero exit, says so" "rc $rc: $out" \
	bash -c '[ "$1" = 1 ] && grep -q "no such site" <<<"$2"' _ "$rc" "$out"
out=$(ctl ledger --site site-2 2>&1); rc=$?
check "ledger of a configured site without hazards: exit 0" "rc $rc: $out" [ "$rc" = 0 ]

# ---- supervision (挂牌督办) and the weekly report (每周一报)
out=$(ctl --json raise site-1 gas_leak --severity major --note "gas smell at the stove" 2>&1)
HM=$($PY -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out")
out=$(ctl --json raise site-2 self_check_failed --severity general --note "bikes in the stairwell" 2>&1)
HG=$($PY -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out")
out=$(ctl --json raise site-2 self_check_failed --severity major --note "charging in the stairwell" 2>&1)
HM2=$($PY -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out")
ctl assign "$HM" wang --note "replace the hose" >/dev/null 2>&1 || fail "assign" "refused"
r=$(hz supervise hazard_id="$HM" who=li.wei note="district supervises") || true
info "supervise: $r"
check "platform supervise of a major hazard: ok, supervised_at" "$r" \
	reply_is "$r" 'r["ok"] and r["cmd"] == "supervise" and r["result"]["hazard_id"] == "'"$HM"'" and r["result"]["supervised_at"].endswith("Z")'
check "a supervised event upstream" "$(rec_py 'print(hz[-2:])')" \
	wait_for "rec_py 'sys.exit(0 if any(h.get(\"hazard_id\") == sys.argv[3] and h.get(\"event\") == \"supervised\" for h in hz) else 1)' '$HM'" 10
check "stored: hazard_supervision row by platform:li.wei" "$(db "SELECT * FROM hazard_supervision")" \
	[ "$(db "SELECT who FROM hazard_supervision WHERE hazard_id='$HM'")" = "platform:li.wei" ]
r=$(hz supervise hazard_id="$HG" who=li.wei) || true
check "supervise of a general hazard: refused" "$r" \
	reply_is "$r" 'not r["ok"] and "general" in r["error"]'
r=$(hz supervise hazard_id="$HM" who=li.wei) || true
check "supervise twice: refused" "$r" reply_is "$r" 'not r["ok"] and "already" in r["error"]'
check "no supervision row for the general hazard" "$(db "SELECT count(*) FROM hazard_supervision")" \
	[ "$(db "SELECT count(*) FROM hazard_supervision")" = 1 ]

out=$(ctl --json report --weekly 2>&1); rc=$?
info "weekly: ${out:0:500}"
WANT=$(db "SELECT group_concat(id || '|' || deadline_ms, ',') FROM (SELECT id, deadline_ms FROM hazards WHERE kind='hazard' AND severity='major' AND state != 'closed' ORDER BY id)")
check "weekly: the open majors (from the database: $WANT) with deadlines" "rc $rc: ${out:0:300}" \
	$PY -c 'import json, sys, datetime
d = json.loads(sys.argv[1]); want = sys.argv[2]
def ms(s): return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)
got = ",".join("%s|%d" % (m["id"], ms(m["deadline"])) for m in sorted(d["majors"], key=lambda m: m["id"]))
sys.exit(0 if got == want and d["count"] == len(d["majors"]) and d["week"].count("-W") == 1 else 1)' "$out" "$WANT"
check "weekly: assignee and supervised flag of $HM, none of $HM2" "${out:0:300}" \
	jpy '[(m["assignee"], m["supervised"], m["state"]) for m in d["majors"] if m["id"] == "'"$HM"'"] == [("wang", True, "open")] and [(m.get("assignee"), m["supervised"]) for m in d["majors"] if m["id"] == "'"$HM2"'"] == [(None, False)]' <<<"$out"
check "weekly: the general hazard is not listed" "${out:0:300}" \
	jpy '"'"$HG"'" not in [m["id"] for m in d["majors"]]' <<<"$out"
check "weekly report upstream on <prefix>/weekly" "none" \
	wait_for "rec_py 'w = [m[\"payload\"] for m in msgs if m[\"topic\"] == base + \"/weekly\"]; sys.exit(0 if w and w[-1][\"kind\"] == \"weekly\" and \"$HM\" in [m[\"id\"] for m in w[-1][\"majors\"]] else 1)'" 10
out=$(ctl report --weekly 2>&1); rc=$?
check "report --weekly as text: a line per major with its assignee" "rc $rc: $out" \
	bash -c '[ "$1" = 0 ] && grep -q "^weekly report .*-W.*: 2 major hazard(s) open" <<<"$2" && grep -E -q "^ *$3 +site-1 +open +wang " <<<"$2"' _ "$rc" "$out" "$HM"
out=$(ctl selfcheck site-2 2>&1); rc=$?
check "selfcheck SITE as text: the checklist" "rc $rc: $out" \
	bash -c '[ "$1" = 0 ] && grep -q "ebike_corridor" <<<"$2"' _ "$rc" "$out"
out=$(ctl report --weekly --week 2026-W99 2>&1); rc=$?
check "report --weekly --week 2026-W99: refused" "rc $rc: $out" [ "$rc" = 1 ]
out=$(ctl supervise "$HG" --note "try" 2>&1); rc=$?
check "hazardctl supervise of a general hazard: exit 1" "rc $rc: $out" [ "$rc" = 1 ]
out=$(ctl supervise "$HM2" --note "stairwell charging" 2>&1); rc=$?
check "hazardctl supervise of a major hazard: exit 0" "rc $rc: $out" \
	bash -c '[ "$1" = 0 ] && grep -q "under supervision" <<<"$2"' _ "$rc" "$out"

# ---- a checklist from the config replaces rental housing's built-in one
SC='[{"id": "stair_clear", "text": "楼梯间无杂物堆放", "text_en": "stairwell free of clutter"}, {"id": "ebike_corridor", "text": "楼道无电动自行车停放充电"}]'
write_config "$T/hazardd.json" "records.normal_before_submit_h=0" "sites=$SITES" \
	"upstream.command_key_file=\"$T/cmd.key\"" "selfcheck.rental_housing=$SC" <<'EOF2'
{"id": "gas-1", "kind": "gas_detector"}
{"id": "smk-2", "kind": "smoke_alarm", "site": "site-2"}
EOF2
out=$(ctl reload 2>&1); rc=$?
check "reload with a rental_housing checklist: applied" "rc $rc: $out" [ "$rc" = 0 ]
out=$(ctl --json selfcheck site-2 2>&1); rc=$?
check "selfcheck site-2 lists the config's checklist (source config, English text)" "rc $rc: $out" \
	jpy '[(i["id"], i["name"], i.get("name_en")) for i in d["items"]] == [("stair_clear", "楼梯间无杂物堆放", "stairwell free of clutter"), ("ebike_corridor", "楼道无电动自行车停放充电", None)] and d["source"] == "config" and d["site_kind"] == "rental_housing"' <<<"$out"
out=$(ctl checklist site-2 2>&1); rc=$?
check "hazardctl checklist site-2 as text: the config's list, its source, its English text" "rc $rc: $out" \
	bash -c '[ "$1" = 0 ] && grep -q "^self-inspection checklist of site-2 (config):" <<<"$2" && grep -E -q "^ +stair_clear +楼梯间无杂物堆放 \(stairwell free of clutter\)$" <<<"$2" && grep -E -q "^ +ebike_corridor +楼道无电动自行车停放充电$" <<<"$2"' _ "$rc" "$out"
out=$(ctl --json checklist site-2 2>&1)
check "hazardctl --json checklist site-2: the same as selfcheck site-2" "$out" \
	jpy '[i["id"] for i in d["items"]] == ["stair_clear", "ebike_corridor"] and d["source"] == "config"' <<<"$out"
out=$(ctl checklist 2>&1); rc=$?
check "checklist without a SITE: usage error (exit 2)" "rc $rc: $out" [ "$rc" = 2 ]
out=$(ctl checklist site-9 2>&1); rc=$?
check "checklist of an unknown site: exit 1" "rc $rc: $out" [ "$rc" = 1 ]
out=$(ctl --json selfcheck site-1 2>&1)
check "the restaurant keeps its built-in list" "$out" \
	jpy '[i["id"] for i in d["items"]] == ["gas_hose", "detector_test", "extinguisher", "exits"] and d["source"] == "built-in"' <<<"$out"
N0=$(db "SELECT count(*) FROM self_checks WHERE source='checklist' AND site='site-2'")
refused "a built-in item no longer on the list" site-2 stair_clear=ok ebike_corridor=ok extinguisher=ok
refused "the built-in list itself" site-2 ebike_corridor=ok detector_test=ok extinguisher=ok exits=ok
refused "an item of the config's list missing" site-2 ebike_corridor=ok
N1=$(db "SELECT count(*) FROM self_checks WHERE source='checklist' AND site='site-2'")
check "nothing recorded for site-2 by the refusals" "$N0 then $N1" [ "$N1" = "$N0" ]
out=$(ctl --json selfcheck site-2 ebike_corridor=fail stair_clear=ok --note "two bikes charging" --actor wang 2>&1); rc=$?
check "a self-inspection with the config's items: exit 0, one failed" "rc $rc: $out" \
	jpy 'd["failed"] == 1 and [(i["id"], i["name"], i["result"]) for i in d["items"]] == [("ebike_corridor", "楼道无电动自行车停放充电", "fail"), ("stair_clear", "楼梯间无杂物堆放", "ok")] and d["items"][0]["hazard_id"]' <<<"$out"
H2=$($PY -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["hazard_id"])' <<<"$out")
ROW=$(db "SELECT h.type || '|' || h.site || '|' || e.note FROM hazards h JOIN hazard_events e ON e.hazard_id = h.id AND e.event = 'raised' WHERE h.id='$H2'")
check "its hazard: self_check_failed at site-2, raised with the config's text" "$ROW" \
	bash -c '[[ "$1" == "self_check_failed|site-2|"*"楼道无电动自行车停放充电 (ebike_corridor)"* ]]' _ "$ROW"
check "the selfcheck message upstream carries the config's items" "$(rec_py 'print([m["payload"] for m in msgs if m["topic"].endswith("/selfcheck")][-1:])')" \
	wait_for "rec_py 'sc = [m[\"payload\"] for m in msgs if m[\"topic\"] == base + \"/selfcheck\" and m[\"payload\"][\"site\"] == \"site-2\"]; sys.exit(0 if len(sc) == 1 and [(i[\"id\"], i[\"name\"], i[\"result\"]) for i in sc[0][\"items\"]] == [(\"ebike_corridor\", \"楼道无电动自行车停放充电\", \"fail\"), (\"stair_clear\", \"楼梯间无杂物堆放\", \"ok\")] else 1)'" 10
# a bad checklist: the reload is refused, the running list stays
write_config "$T/hazardd.json" "records.normal_before_submit_h=0" "sites=$SITES" \
	"upstream.command_key_file=\"$T/cmd.key\"" \
	'selfcheck.rental_housing=[{"id": "Stair-Clear", "text": "x"}]' <<'EOF2'
{"id": "gas-1", "kind": "gas_detector"}
{"id": "smk-2", "kind": "smoke_alarm", "site": "site-2"}
EOF2
out=$(ctl reload 2>&1); rc=$?
check "reload with a bad item id: refused, FILE:LINE: \$.path named" "rc $rc: $out" \
	bash -c '[ "$1" != 0 ] && grep -E -q "hazardd.json:[0-9]+: \\\$\.selfcheck\.rental_housing\[0\]\.id: item id \"Stair-Clear\"" <<<"$2"' _ "$rc" "$out"
out=$(ctl --json selfcheck site-2 2>&1)
check "the running checklist stays" "$out" \
	jpy '[i["id"] for i in d["items"]] == ["stair_clear", "ebike_corridor"]' <<<"$out"

kill_hazardd

info "$N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
