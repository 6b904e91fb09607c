#!/usr/bin/env bash
# t_firsthour.sh: what a new gateway's first hour leans on.  The database
# directory: made at start (0750) when its parent exists, named with the
# fix by --check-config when not.  The package's template refused until
# edited.  Short ids (A1, h1, a device's first letters) accepted, an
# ambiguous one refused with its candidates.  HAZARDD_CONFIG found by
# hazardctl.  Times in the configured zone (--utc: UTC); the zone logged
# at start.  Alarms and faults at the journal's alert and warning
# priorities.  `status` on one screen (--verbose, --json: the rest).  Bash
# completion of commands, record ids and devices.
source "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- config checks
"$HAZARDD" --check-config -c "$TOP/config/template.json" >"$T/tpl.out" 2>&1
RC=$?
check "--check-config refuses the template, saying what to do" "exit $RC: $(cat "$T/tpl.out")" \
	bash -c '[ "$1" = 1 ] && grep -q "remove \"_template\"" "$2"' _ "$RC" "$T/tpl.out"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

write_config "$T/deep.json" "storage.path=\"$T/no/such/hazardd.db\"" </dev/null
OUT=$("$HAZARDD" --check-config -c "$T/deep.json" 2>&1); RC=$?
check "--check-config names a database directory whose parent is missing, and the fix" \
	"exit $RC: $OUT" bash -c '[ "$1" = 1 ] && grep -qF "$2/no/such does not exist, nor its parent $2/no" <<<"$3" &&
		grep -qF "install -d -o hazardd -g hazardd -m 0750 $2/no/such" <<<"$3"' _ "$RC" "$T" "$OUT"

# the daemon's own config: summary.timezone left out (the system's zone)
write_config "$T/hazardd.json" "storage.path=\"$T/newdir/hazardd.db\"" <<'EOF'
{"id": "gas-1",   "kind": "gas_detector"}
{"id": "gas-2",   "kind": "gas_detector"}
{"id": "smoke-1", "kind": "smoke_alarm"}
EOF
check "--check-config accepts a database directory start-up can make" \
	"$("$HAZARDD" --check-config -c "$T/hazardd.json" 2>&1)" \
	"$HAZARDD" --check-config -c "$T/hazardd.json"
check "... which is not made by the check" "made" test ! -e "$T/newdir"

# stderr as the journal's stream: lines carry their priority prefixes
touch "$HZ_LOG"
JOURNAL_STREAM=$(stat -c '%d:%i' "$HZ_LOG")
export JOURNAL_STREAM
if ! start_hazardd "$T/hazardd.json"; then
	fail "hazardd starts" "$(tail -n 5 "$HZ_LOG")"
	exit 1
fi
unset JOURNAL_STREAM
pass "hazardd starts and makes its database directory"
check "the database directory is 0750 and ours" "$(stat -c '%a %u' "$T/newdir")" \
	test "$(stat -c '%a %u' "$T/newdir")" = "750 $(id -u)"
check "start-up logs the zone it counts local days in" "$(grep 'local time' "$HZ_LOG")" \
	grep -qE 'local time: (.+ \(from /etc/(localtime|timezone); summary.timezone is not set\)|UTC: summary.timezone is not set)' "$HZ_LOG"

# ---------------------------------------------------------------- records
pub t/smoke-1 '{"smoke": true}'
pub t/gas-1 '{"tamper": true}'
wait_for '[ "$(ctl --json records --open | jpy "d[\"count\"]")" -ge 2 ]' 10
OUT=$(ctl raise site-1 gas_leak --device gas --note "smell at the wok" 2>&1); RC=$?
check "raise --device gas: ambiguous, the candidates listed" "exit $RC: $OUT" \
	bash -c '[ "$1" = 1 ] && grep -q "ambiguous" <<<"$2" && grep -q "gas-1" <<<"$2" && grep -q "gas-2" <<<"$2"' _ "$RC" "$OUT"
OUT=$(ctl --json raise site-1 gas_leak --device smo --note "smell by the stairs" 2>&1)
check "raise --device smo: the one device it starts" "$OUT" \
	bash -c 'grep -q "\"id\"" <<<"$1" && [ "$2" = smoke-1 ]' _ "$OUT" \
	"$(ctl --json show "$(jpy 'd["id"]' <<<"$OUT")" | jpy 'd["device"]')"

EPOCH=$(status_get 's["ids"]["epoch"]')
A1=$EPOCH-A1
OUT=$(ctl --json show A1 2>&1)
check "show A1: the record $A1" "$OUT" jtrue "d['id'] == '$A1'" <<<"$OUT"
OUT=$(ctl ack a1 --note "on my way" 2>&1)
STATE=$(ctl --json show "$A1" | jpy 'd["state"]')
check "ack a1 (lower case): $A1 acknowledged" "$OUT; state $STATE" test "$STATE" = acknowledged
OUT=$(ctl --json show F1 2>&1)
check "show F1: the tamper fault" "$OUT" jtrue "d['id'] == '$EPOCH-F1' and d['type'] == 'tamper'" <<<"$OUT"
OUT=$(ctl show "$EPOCH" 2>&1); RC=$?
check "show <epoch>: ambiguous, refused with the candidates" "exit $RC: $OUT" \
	bash -c '[ "$1" = 1 ] && grep -q ambiguous <<<"$2" && grep -qF "$3-A1" <<<"$2" && grep -qF "$3-F1" <<<"$2"' \
	_ "$RC" "$OUT" "$EPOCH"
OUT=$(ctl show Z99 2>&1); RC=$?
check "show Z99: no such record, as before" "exit $RC: $OUT" \
	bash -c '[ "$1" = 1 ] && grep -q "no such" <<<"$2"' _ "$RC" "$OUT"

# ---------------------------------------------------------------- log priorities
check "a smoke alarm is logged at LOG_ALERT (<1>)" "$(grep 'alarm raised' "$HZ_LOG")" \
	grep -qE '^<1>\[alert\] alarm raised: smoke_alarm' "$HZ_LOG"
check "a fault is logged at LOG_WARNING (<4>)" "$(grep 'fault raised' "$HZ_LOG")" \
	grep -qE '^<4>\[warn\] fault raised: tamper' "$HZ_LOG"
check "a person's move is information (<6>)" "$(grep 'acknowledged' "$HZ_LOG")" \
	grep -qE '^<6>\[info\] alarm acknowledged' "$HZ_LOG"

# ---------------------------------------------------------------- HAZARDD_CONFIG
OUT=$(HAZARDD_CONFIG=$T/hazardd.json "$HAZARDCTL" --json status 2>&1)
check "HAZARDD_CONFIG: hazardctl finds hazardd without -c" "$OUT" jtrue 'd["gateway"]' <<<"$OUT"
OUT=$(HAZARDD_CONFIG=$T/missing.json "$HAZARDCTL" status 2>&1); RC=$?
check "HAZARDD_CONFIG naming a missing file: exit 2, named" "exit $RC: $OUT" \
	bash -c '[ "$1" = 2 ] && grep -qF "$2/missing.json" <<<"$3"' _ "$RC" "$T" "$OUT"
OUT=$(HAZARDD_CONFIG=$T/missing.json "$HAZARDCTL" -c "$T/hazardd.json" --json status 2>&1)
check "-c wins over HAZARDD_CONFIG" "$OUT" jtrue 'd["gateway"]' <<<"$OUT"
OUT=$(HAZARDD_CONFIG=$T/deep.json "$HAZARDD" --check-config 2>&1); RC=$?
check "hazardd takes HAZARDD_CONFIG without -c" "exit $RC: $OUT" \
	bash -c '[ "$1" = 1 ] && grep -qF "$2/no/such" <<<"$3"' _ "$RC" "$T" "$OUT"

# ---------------------------------------------------------------- local time
$PY - "$T/hazardd.json" "$T/shanghai.json" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["summary"] = {"timezone": "Asia/Shanghai"}
json.dump(cfg, open(sys.argv[2], "w"))
EOF
OUT=$(TZ=UTC "$HAZARDCTL" -c "$T/shanghai.json" alarms 2>&1)
check "listings in summary.timezone (+08:00)" "$OUT" \
	grep -qE '20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+08:00' <<<"$OUT"
OUT=$("$HAZARDCTL" -c "$T/shanghai.json" --utc alarms 2>&1)
check "--utc: listings in UTC (Z)" "$OUT" \
	bash -c 'grep -qE "T[0-9:]{8}Z" <<<"$1" && ! grep -q "+08:00" <<<"$1"' _ "$OUT"
OUT=$("$HAZARDCTL" -c "$T/shanghai.json" show A1 2>&1)
check "show: the timeline in local time" "$OUT" grep -q '+08:00' <<<"$OUT"

# ---------------------------------------------------------------- status
OUT=$(ctl status 2>&1)
info "status: $(head -n 1 <<<"$OUT")"
check "status: the headline (links, alarms, faults, hazards)" "$OUT" \
	bash -c 'head -n 1 <<<"$1" | grep -qE "^links ok · 1 alarm · 1 fault · 1 hazard open$"' _ "$OUT"
check "status fits one screen (at most 15 lines)" "$(wc -l <<<"$OUT") lines" \
	test "$(wc -l <<<"$OUT")" -le 15
OUT=$(ctl status --verbose 2>&1)
check "status --verbose: every counter" "$(head -c 300 <<<"$OUT")" \
	bash -c 'grep -q "counters.received" <<<"$1" && grep -q "local.session" <<<"$1"' _ "$OUT"
OUT=$(ctl --json status 2>&1)
check "status --json: the live counts" "$(head -c 300 <<<"$OUT")" \
	jtrue 'd["live_records"] == {"alarms": 1, "faults": 1, "hazards": 1, "hazards_overdue": 0}' <<<"$OUT"
OUT=$(ctl devices --verbose 2>&1); RC=$?
check "--verbose belongs to status" "exit $RC" test "$RC" = 2

# ---------------------------------------------------------------- completion
complete_words() {
	PATH=$(dirname "$HAZARDCTL"):$PATH bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_hazardctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/tools/hazardctl.bash-completion" "$@"
}
OUT=$(complete_words hazardctl st)
check "completion: commands" "$OUT" grep -qx status <<<"$OUT"
OUT=$(complete_words hazardctl -c "$T/hazardd.json" show "")
check "completion: short record ids from hazardd" "$OUT" \
	bash -c 'grep -qx A1 <<<"$1" && grep -qx F1 <<<"$1" && grep -qx H1 <<<"$1"' _ "$OUT"
OUT=$(complete_words hazardctl -c "$T/hazardd.json" switch sm)
check "completion: device ids" "$OUT" grep -qx smoke-1 <<<"$OUT"
OUT=$(complete_words hazardctl -c "$T/hazardd.json" hazards --site "")
check "completion: sites" "$OUT" grep -qx site-1 <<<"$OUT"
