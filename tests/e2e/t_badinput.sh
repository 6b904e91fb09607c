#!/usr/bin/env bash
# t_badinput.sh: garbage on a configured device's topic is rejected and
# counted, raises nothing and does not hurt the daemon; a valid alarm
# afterwards still goes through.
source "$(dirname "$0")/lib.sh"

MAX_PAYLOAD=262144

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
write_config "$T/hazardd.json" "local.max_payload=$MAX_PAYLOAD" <<'EOF'
{"id": "gas-b", "kind": "gas_detector"}
{"id": "smoke-b", "kind": "smoke_alarm"}
{"id": "chg-b", "kind": "ebike_charger"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }

# ---- the corpus: one file per payload, sent verbatim
C=$T/corpus
mkdir -p "$C"
n=0
add() { n=$((n + 1)); printf '%s' "$2" >"$C/$n-$1"; }
add malformed        '{"gas_lel": 30,,}'
add truncated        '{"smoke": tr'
add truncated2       '{"gas_lel": 60'
add unterminated_str '{"smoke": "yes'
add str_for_number   '{"gas_lel": "50"}'
add int_for_bool     '{"smoke": 1}'
add str_for_bool     '{"smoke": "true"}'
add null_for_bool    '{"alarm": null, "smoke": []}'
add obj_for_number   '{"gas_lel": {"value": 80}}'
add inf_number       '{"gas_lel": 1e999}'
add neg_inf_battery  '{"battery": -1e999}'
add nan_literal      '{"gas_lel": NaN}'
add array            '[{"smoke": true}, {"gas_lel": 90}]'
add bare_number      '42'
add bare_string      '"smoke"'
add bare_true        'true'
add single_quotes    "{'smoke': true}"
add mixed_bad_good   '{"smoke": true, "gas_lel": "high"}'
add bad_ts           '{"ts": "yesterday", "smoke": true}'
add duplicate_key    '{"smoke": false, "smoke": true}'
add lel_out_of_range '{"gas_lel": 150}'
add negative_power   '{"power_w": -5, "current_a": 9}'
# 100,000 nested arrays: a recursive parser without a depth limit overflows
$PY -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' >"$C/$((n += 1))-deep_nesting"
# over local.max_payload (2 MB), and valid JSON except for its size
$PY -c 'import sys; sys.stdout.write("{\"smoke\": true, \"pad\": \"" + "x" * 2097152 + "\"}")' >"$C/$((n += 1))-oversized_2MB"
head -c 512 /dev/urandom >"$C/$((n += 1))-random_binary"
# a NUL would end the text for a C string parser: the junk after it counts
printf '{"smoke": true}\0junk' >"$C/$((n += 1))-nul_then_junk"
# starts like the real thing, then binary that can never close the object
$PY -c 'import os, sys
junk = bytes(b for b in os.urandom(256) if b not in b"\"}\\")[:64]
sys.stdout.buffer.write(b"{\"smoke\": true, \"x\": \"" + junk)' >"$C/$((n += 1))-json_then_binary"
files=("$C"/*)
N_FILES=${#files[@]}

rej0=$(status_get 's["counters"]["rejected"]')
sent=0
for dev in gas-b smoke-b; do
	args=()
	for f in "${files[@]}"; do
		args+=(--payload-file "$f")
	done
	if pubpy -t "t/$dev" "${args[@]}" >/dev/null; then
		sent=$((sent + N_FILES))
	else
		fail "publish the corpus to $dev" "pub.py failed"
	fi
done
# the empty payload
for dev in gas-b smoke-b; do
	mosquitto_pub -h 127.0.0.1 -p "$PORT_local" -q 1 -t "t/$dev" -n && sent=$((sent + 1))
done
info "sent $sent bad payloads ($((N_FILES + 1)) kinds x 2 devices)"

if wait_for "[ \"\$(status_get 's[\"counters\"][\"received\"] >= $sent and s[\"intake_queue_depth\"] == 0')\" = true ]" 30; then
	pass "all $sent bad payloads received"
else
	fail "bad payloads received" "$(status_get 's["counters"]' 2>&1)"
fi
# analog rules hold for hold_s (1 s in the test config): give them the time
sleep 2
check "hazardd still running after the corpus" "it exited; see the log" hz_alive
hz_alive || exit 1

rej=$(status_get 's["counters"]["rejected"]')
acc=$(status_get 's["counters"]["accepted"]')
info "counters after the corpus: $(status_get 's["counters"]')"
check "counters.rejected grew by every bad payload (>= $sent)" "rejected $rej (was $rej0), accepted $acc" \
	[ $((rej - rej0)) -ge "$sent" ]
check "counters.accepted stayed 0" "accepted $acc" [ "$acc" = 0 ]
devs=$(ctl --json devices 2>/dev/null)
for dev in gas-b smoke-b; do
	r=$(jpy "[x for x in (d if isinstance(d, list) else d.get(\"devices\", [])) if x.get(\"id\") == \"$dev\"][0][\"rejected\"]" <<<"$devs" 2>/dev/null)
	check "hazardctl --json devices: $dev rejected = $((sent / 2))" "got '${r}' in $(head -c 300 <<<"$devs")" \
		[ "${r:-x}" = "$((sent / 2))" ]
done
hz_list=$(ctl --json hazards 2>/dev/null)
check "no hazard in hazardctl hazards" "$(head -c 300 <<<"$hz_list")" \
	bash -c "! grep -q 'gas-b\\|smoke-b' <<<'$hz_list'"
n=$(db "SELECT count(*) FROM hazards")
check "no hazard row in the database" "$n rows" [ "$n" = 0 ]
n=$(rec_py 'print(len(hz))')
check "no hazard event upstream" "$n events" [ "$n" = 0 ]
n=$(db "SELECT count(*) FROM readings" 2>/dev/null)
check "no reading stored from a rejected payload" "$n readings" [ "${n:-0}" = 0 ]
grep -c 'reject\|malformed\|expected' "$HZ_LOG" >"$T/logcount"
info "hazardd log: $(wc -l <"$HZ_LOG") lines, $(cat "$T/logcount") mention a rejection (a repeated complaint should be rate-limited)"

# ---- trailing garbage after a valid object is malformed JSON, not an alarm
pub "t/smoke-b" '{"smoke": true} trailing'
wait_for "[ \"\$(status_get 's[\"counters\"][\"received\"] > $sent and s[\"intake_queue_depth\"] == 0')\" = true ]" 10
sleep 0.5
n=$(db "SELECT count(*) FROM hazards")
check "trailing garbage after a JSON object is rejected, raises nothing" \
	"$n hazards; counters $(status_get 's["counters"]')" [ "$n" = 0 ]

# ---- healthy: a valid alarm still goes through, on both devices
pub "t/smoke-b" '{"smoke": true}'
if wait_for 'upstream_has smoke_alarm raised smoke-b' 10; then
	pass "a valid smoke alarm after the corpus raises a hazard upstream"
else
	fail "valid alarm after the corpus" "no smoke_alarm raised upstream within 10 s"
fi
pub "t/gas-b" '{"gas": true}'
if wait_for 'upstream_has gas_leak raised gas-b' 10; then
	pass "a valid gas alarm flag after the corpus raises a hazard upstream"
else
	fail "valid gas alarm after the corpus" "no gas_leak raised upstream within 10 s"
fi
acc=$(status_get 's["counters"]["accepted"]')
check "counters.accepted counts the valid messages" "accepted $acc" [ "${acc:-0}" -ge 2 ]
check "hazardd still running" "it exited" hz_alive
kill_hazardd
check "SIGTERM: hazardd exits with status 0" "exit ${HZ_EXIT:-?}" [ "${HZ_EXIT:-1}" = 0 ]
