#!/usr/bin/env bash
# t_config.sh: command line and configuration checking.  hazardd --check-config
# accepts a good file, reports every problem of a bad one as FILE:LINE: $.path,
# and hazardd -c BAD refuses to start; --version and --help work.
source "$(dirname "$0")/lib.sh"

# No brokers: nothing here may need one.
PORT_local=1 PORT_up=2
cd "$T" || exit 1

# run_cmd NAME TIMEOUT CMD...: run, capture stdout+stderr in $T/NAME.out, rc in RC.
run_cmd() {
	local name=$1 to=$2; shift 2
	timeout "$to" "$@" >"$T/$name.out" 2>&1
	RC=$?
	OUT=$(cat "$T/$name.out")
}
# has TEXT: the last output contains TEXT (fixed string).
has() { grep -qF -- "$1" <<<"$OUT"; }

# ---- good config
write_config "$T/good.json" <<'EOF'
{"id": "gas-1", "kind": "gas_detector", "rules": {"lel_low": 20}}
{"id": "smoke-1", "kind": "smoke_alarm", "heartbeat_s": 3600}
{"id": "chg-1", "kind": "ebike_charger", "rules": {"max_charge_h": 6}}
EOF
run_cmd check_good 10 "$HAZARDD" --check-config -c "$T/good.json"
if [ "$RC" -eq 0 ] && has "configuration OK"; then
	pass "check-config good file: exit 0, 'configuration OK'"
else
	fail "check-config good file" "exit $RC, output: $(head -c 300 <<<"$OUT")"
fi
if [ ! -e "$T/hazardd.db" ] && [ ! -e "$T/control.sock" ]; then
	pass "check-config creates neither database nor socket"
else
	fail "check-config side effects" "$(ls "$T" | tr '\n' ' ')"
fi
run_cmd check_good2 10 "$HAZARDD" -c "$T/good.json" --check-config
check "check-config after -c" "exit $RC: $OUT" [ "$RC" -eq 0 ]

# The documented example must stay valid.
if [ -f "$TOP/config/hazardd.json" ]; then
	run_cmd check_example 10 "$HAZARDD" --check-config -c "$TOP/config/hazardd.json"
	if [ "$RC" -eq 0 ] && has "configuration OK"; then
		pass "config/hazardd.json passes --check-config"
	else
		fail "config/hazardd.json passes --check-config" "exit $RC: $(head -c 400 <<<"$OUT")"
	fi
else
	echo "SKIP: config/hazardd.json does not exist yet"
fi

# ---- bad config: four problems on known lines, all of them reported
cat >"$T/bad.json" <<EOF
{
  "gateway": {"id": "gw-bad", "district": "d1", "grid": "G-1"},
  "storage": {"path": "$T/bad.db", "max_mb": 64},
  "local": {"uri": "tcp://127.0.0.1:1"},
  "upstream": {"uris": ["tcp://127.0.0.1:2"]},
  "control": {"socket": "$T/bad.sock"},
  "sites": [{"id": "s1", "kind": "restaurant", "name": "n", "address": "a", "grid": "G-1"}],
  "devices": [
    {"id": "d1", "kind": "gas", "site": "s1", "topic": "t/d1", "format": "native"},
    {"id": "d2", "kind": "smoke_alarm", "site": "s1", "topic": "t/d2", "format": "native",
     "heartbeat_s": "often"}
  ],
  "rules": {"gas_detector": {"lel_low": 25, "bogus_key": 1}},
  "deadlines": {"major_h": 24, "general_h": 168},
  "colour": "blue"
}
EOF
run_cmd check_bad 10 "$HAZARDD" --check-config -c "$T/bad.json"
info "check-config bad.json said: $(tr '\n' '|' <<<"$OUT" | head -c 600)"
check "check-config bad file exits non-zero" "exit $RC" [ "$RC" -ne 0 ]
check "bad file: no 'configuration OK'" "said OK" bash -c "! grep -qF 'configuration OK' '$T/check_bad.out'"
for want in "bad.json:9: \$.devices[0].kind" \
	    "bad.json:11: \$.devices[1].heartbeat_s" \
	    "bad.json:13: \$.rules.gas_detector.bogus_key" \
	    "bad.json:15: \$.colour"; do
	if has "$want"; then
		pass "bad file reports '$want'"
	else
		fail "bad file reports '$want'" "not in the output"
	fi
done
check "bad file: no database created" "bad.db exists" [ ! -e "$T/bad.db" ]

# ---- references and ranges
cat >"$T/bad2.json" <<EOF
{
  "gateway": {"id": "gw-bad", "district": "d1", "grid": "G-1"},
  "storage": {"path": "$T/bad2.db", "max_mb": 64},
  "local": {"uri": "tcp://127.0.0.1:1"},
  "upstream": {"uris": ["tcp://127.0.0.1:2"]},
  "control": {"socket": "$T/bad2.sock"},
  "sites": [{"id": "s1", "kind": "restaurant", "name": "n", "address": "a", "grid": "G-1"}],
  "devices": [
    {"id": "d1", "kind": "gas_detector", "site": "nosuch", "topic": "t/d1", "format": "native"},
    {"id": "d2", "kind": "smoke_alarm", "site": "s1", "topic": "t/d2", "format": "morse"}
  ],
  "rules": {"gas_detector": {"lel_low": -5}},
  "deadlines": {"major_h": 24, "general_h": 168}
}
EOF
run_cmd check_bad2 10 "$HAZARDD" --check-config -c "$T/bad2.json"
info "check-config bad2.json said: $(tr '\n' '|' <<<"$OUT" | head -c 600)"
check "bad2: exits non-zero" "exit $RC" [ "$RC" -ne 0 ]
for want in "bad2.json:9: \$.devices[0].site" \
	    "bad2.json:10: \$.devices[1].format" \
	    "bad2.json:12: \$.rules.gas_detector.lel_low"; do
	if has "$want"; then
		pass "bad2 reports '$want'"
	else
		fail "bad2 reports '$want'" "not in the output"
	fi
done

# ---- people ($.sites[].people) and the register's device keys
cat >"$T/bad3.json" <<EOF
{
  "gateway": {"id": "gw-bad", "district": "d1", "grid": "G-1"},
  "storage": {"path": "$T/bad3.db", "max_mb": 64},
  "local": {"uri": "tcp://127.0.0.1:1"},
  "upstream": {"uris": ["tcp://127.0.0.1:2"]},
  "control": {"socket": "$T/bad3.sock"},
  "sites": [
    {"id": "s1", "kind": "restaurant", "people": [
      {"id": "wang", "name": "Wang Wei", "role": "owner", "phone": "13800000000"},
      {"id": "li", "name": "Li Na", "role": "cook", "phone": "13900000000"},
      {"id": "zhao", "name": "Zhao Lei", "role": "grid_worker", "phone": "139-0000"},
      {"id": "wang", "name": "Wang Two", "role": "installer"},
      {"id": "sun", "role": "owner"},
      {"id": "bad id", "name": "X", "role": "owner", "mobile": "1"}
    ]},
    {"id": "s2", "kind": "other", "people": [
      {"id": "zhao", "name": "Zhao Lei", "role": "grid_worker", "phone": "1390000"},
      {"id": "wang", "name": "Wang Wei", "role": "owner", "phone": "13800000000"}
    ]}
  ],
  "devices": [
    {"id": "d1", "kind": "gas_detector", "site": "s1", "topic": "t/d1",
     "installed": "2025-02-30", "calibration_due": "2026-07-01"},
    {"id": "d2", "kind": "smoke_alarm", "site": "s1", "topic": "t/d2",
     "sensor_life_y": 10, "model": ""},
    {"id": "d3", "kind": "smoke_alarm", "site": "s1", "topic": "t/d3",
     "installed": "2025-03-01", "calibration_due": "2024-03-01", "sensor_life_y": 0}
  ]
}
EOF
run_cmd check_bad3 10 "$HAZARDD" --check-config -c "$T/bad3.json"
info "check-config bad3.json said: $(tr '\n' '|' <<<"$OUT" | head -c 1500)"
check "bad3 (people): exits non-zero" "exit $RC" [ "$RC" -ne 0 ]
for want in "bad3.json:10: \$.sites[0].people[1].role: unknown role \"cook\"" \
	    "bad3.json:11: \$.sites[0].people[2].phone: phone must be" \
	    "bad3.json:12: \$.sites[0].people[3].id: duplicate person id \"wang\" (first at \$.sites[0].people[0])" \
	    "bad3.json:13: \$.sites[0].people[4].name: missing required key \"name\"" \
	    "bad3.json:14: \$.sites[0].people[5].id: " \
	    "bad3.json:14: \$.sites[0].people[5].mobile: unknown key" \
	    "bad3.json:17: \$.sites[1].people[0].id: person id \"zhao\" is already a different person at \$.sites[0].people[2]" \
	    "bad3.json:23: \$.devices[0].installed: \"2025-02-30\" is not a date" \
	    "bad3.json:25: \$.devices[1].sensor_life_y: sensor_life_y needs \"installed\"" \
	    "bad3.json:25: \$.devices[1].model: must not be empty" \
	    "bad3.json:27: \$.devices[2].calibration_due: calibration_due 2024-03-01 is before installed 2025-03-01" \
	    "bad3.json:27: \$.devices[2].sensor_life_y: "; do
	if has "$want"; then
		pass "bad3 reports '$want'"
	else
		fail "bad3 reports '$want'" "not in the output"
	fi
done
check "bad3: the same person under two sites is accepted" "$(grep -F 'sites[1].people[1]' <<<"$OUT")" \
	bash -c "! grep -qF 'sites[1].people[1]' '$T/check_bad3.out'"

# ---- JSON syntax error: the file and the line are named
printf '{\n  "gateway": {"id": "gw"}\n  "storage": {}\n}\n' >"$T/syntax.json"
run_cmd check_syntax 10 "$HAZARDD" --check-config -c "$T/syntax.json"
info "check-config syntax.json said: $(tr '\n' '|' <<<"$OUT" | head -c 300)"
if [ "$RC" -ne 0 ] && grep -qE 'syntax\.json:(2|3):' <<<"$OUT"; then
	pass "syntax error: non-zero exit, names syntax.json:LINE"
else
	fail "syntax error reported with file and line" "exit $RC"
fi

# ---- missing file
run_cmd check_missing 10 "$HAZARDD" --check-config -c "$T/nonexistent.json"
if [ "$RC" -ne 0 ] && has "nonexistent.json"; then
	pass "missing config: non-zero exit, names the file"
else
	fail "missing config" "exit $RC: $(head -c 200 <<<"$OUT")"
fi

# ---- hazardd -c BAD refuses to start
run_cmd start_bad 15 "$HAZARDD" -c "$T/bad.json"
if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] && has "bad.json"; then
	pass "hazardd -c bad.json refuses to start and names the file"
else
	fail "hazardd -c bad.json refuses to start" "exit $RC (124 = still running after 15 s): $(head -c 200 <<<"$OUT")"
fi
check "refused start leaves no control socket" "bad.sock exists" [ ! -e "$T/bad.sock" ]

# ---- --version, --help, unknown option, no arguments
want_version=$(sed -n 's/^#define HAZARDD_VERSION "\(.*\)"/\1/p' "$TOP"/daemon/lib/*.h)
run_cmd version 5 "$HAZARDD" --version
if [ "$RC" -eq 0 ] && [ -n "$want_version" ] && has "$want_version"; then
	pass "--version: exit 0, prints $want_version"
else
	fail "--version" "exit $RC, output '$OUT', expected '$want_version'"
fi
run_cmd help 5 "$HAZARDD" --help
if [ "$RC" -eq 0 ] && has "-c" && has "--check-config"; then
	pass "--help: exit 0, mentions -c and --check-config"
else
	fail "--help" "exit $RC, output: $(head -c 200 <<<"$OUT")"
fi
run_cmd badopt 5 "$HAZARDD" --no-such-option
check "unknown option: non-zero exit" "exit $RC" bash -c "[ $RC -ne 0 ] && [ $RC -ne 124 ]"

# ---- hazardctl without a daemon fails cleanly
run_cmd ctl_nodaemon 5 "$HAZARDCTL" -c "$T/good.json" status
if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] && [ "$RC" -lt 128 ] && [ -n "$OUT" ]; then
	pass "hazardctl status with no daemon: non-zero exit with a message"
else
	fail "hazardctl status with no daemon" "exit $RC, output '$OUT'"
fi
