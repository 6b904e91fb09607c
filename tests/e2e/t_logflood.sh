#!/usr/bin/env bash
# t_logflood.sh: the log stays readable at 3 a.m.
#  - a sensor sending garbage 1,000 times costs a bounded number of lines
#    (< 30), the lines carry the suppressed counts, and those counts add
#    up to exactly 1,000; the first good payload logs one "recovered" line;
#  - a flapping upstream link (its broker stopped and started over and
#    over) also costs a bounded number of lines, with suppressed counts,
#    and once it is back the last word about it is that it is connected;
#  - log.level "warn" silences info lines, -v shows debug lines even with
#    log.level "warn";
#  - no secret (the local password, the downlink command key) appears in
#    the log, at debug level, or in any hazardctl output.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

# secrets with a recognisable shape, so that a leak cannot hide: the local
# broker's password is lib.sh's (32 random hex digits; write_config names
# the file in local.password_file)
PASSWORD=$(cat "$LOCAL_HZ_PASS_FILE")
CMDKEY="key-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$CMDKEY" >"$T/cmd.key"
chmod 600 "$T/cmd.key"

write_config "$T/hazardd.json" \
	"upstream.command_key_file=\"$T/cmd.key\"" <<'EOF'
{"id": "bad-1", "kind": "gas_detector"}
{"id": "good-1", "kind": "smoke_alarm"}
EOF
if ! start_hazardd "$T/hazardd.json"; then
	fail "hazardd starts" "see the log"
	exit 1
fi
wait_for '[ "$(status_get "s[\"local\"][\"connected\"] and s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "links up" "$(ctl --json status 2>&1 | head -c 300)"

# --- 1,000 garbage payloads from one device
MARK=$(wc -l <"$HZ_LOG")
pubpy -t t/bad-1 -m 'this is {not json' -n 1000 --interval 0 >/dev/null ||
	fail "garbage published" "pub.py failed"
wait_for '[ "$(status_get "s[\"counters\"][\"rejected\"]")" -ge 1000 ]' 20
check "all 1000 garbage payloads rejected" "rejected $(status_get 's["counters"]["rejected"]')" \
	test "$(status_get 's["counters"]["rejected"]')" = 1000
pub t/bad-1 '{"gas_lel": 1}'
wait_for 'tail -n +'"$MARK"' "$HZ_LOG" | grep -q "device bad-1: payloads accepted again"' 10
FLOOD=$(tail -n +"$MARK" "$HZ_LOG" | grep "device bad-1")
NLINES=$(grep -c . <<<"$FLOOD")
info "1000 garbage payloads: $NLINES log lines about bad-1"
echo "$FLOOD" | sed 's/^/  | /'
check "garbage x1000: fewer than 30 log lines" "$NLINES lines" test "$NLINES" -lt 30
check "garbage x1000: one \"recovered\" line" "$(grep -c 'accepted again' <<<"$FLOOD") lines" \
	test "$(grep -c 'accepted again' <<<"$FLOOD")" = 1
# every payload is accounted for: reported lines plus the suppressed counts
SUM=$(( $(grep -c "payload rejected" <<<"$FLOOD") + \
	$(grep -oE "\(([0-9]+) repeats" <<<"$FLOOD" | tr -dc '0-9\n' | awk '{ n += $1 } END { print n + 0 }') ))
check "garbage x1000: reported + suppressed counts = 1000" "they add up to $SUM" \
	test "$SUM" = 1000

# --- a flapping upstream link
MARK=$(wc -l <"$HZ_LOG")
# ten real flaps: each time the link comes back before the broker goes again
FLAPS=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	stop_broker up
	sleep 0.2
	restart_broker up || { fail "flap $i" "upstream broker did not come back"; break; }
	wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 &&
		FLAPS=$((FLAPS + 1))
done
info "the upstream link came back $FLAPS times out of 10"
check "upstream link back after the flapping" "not connected" \
	wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 20
sleep 1
FLAP=$(tail -n +"$MARK" "$HZ_LOG" | grep "upstream link")
NLINES=$(grep -c . <<<"$FLAP")
info "10 upstream flaps: $NLINES log lines about the link"
echo "$FLAP" | sed 's/^/  | /'
check "flapping link: fewer than 30 log lines" "$NLINES lines" test "$NLINES" -lt 30
check "flapping link: the suppressed counts are reported" "no count in $NLINES lines" \
	grep -qE "(repeats|recoveries) not logged" <<<"$FLAP"
check "flapping link: the last word is that it is connected" "$(tail -n 1 <<<"$FLAP")" \
	grep -qE "recovered|connected" <<<"$(tail -n 1 <<<"$FLAP")"

# --- no secret anywhere
OUT=$T/ctl-output.txt
: >"$OUT"
for args in status devices hazards outputs "--json status" "--json devices" \
	    "--json hazards" reload "--json reload"; do
	# shellcheck disable=SC2086
	ctl $args >>"$OUT" 2>&1
done
kill_hazardd
# a second run at debug level (-v), to see the debug lines too
echo "==== start -v $(date +%T.%N)" >>"$HZ_LOG"
"${GUARD[@]}" "$HAZARDD" -v -c "$T/hazardd.json" >>"$HZ_LOG" 2>&1 &
HZ_PID=$!
wait_for 'ctl status' 10
ctl --json status >>"$OUT" 2>&1
kill -HUP "$HZ_PID"
wait_for 'grep -q "reload (SIGHUP): applied" "$HZ_LOG"' 10
kill_hazardd
check "-v: debug lines are logged" "no [debug] line" grep -q "\[debug\]" "$HZ_LOG"
for name in password key; do
	s=$PASSWORD
	[ $name = key ] && s=$CMDKEY
	check "secret $name: not in the log (any level)" "found in $HZ_LOG" \
		bash -c '! grep -qF -- "$1" "$2"' _ "$s" "$HZ_LOG"
	check "secret $name: not in hazardctl output" "found in $OUT" \
		bash -c '! grep -qF -- "$1" "$2"' _ "$s" "$OUT"
done

# --- log.level warn: no info lines; -v wins over it
write_config "$T/warn.json" 'log.level="warn"' <<'EOF'
{"id": "good-1", "kind": "smoke_alarm"}
EOF
MARK=$(wc -l <"$HZ_LOG")
start_hazardd "$T/warn.json" || fail "start with log.level warn" "see the log"
pub t/good-1 '{"smoke": true}'
wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE device='"'good-1'"'")" -ge 1 ]' 10
kill_hazardd
# the first line comes before the config is read
WARNLOG=$(tail -n +"$((MARK + 1))" "$HZ_LOG" | grep -v "^====")
check "log.level warn: no info lines after start-up" "$(grep -m2 '\[info\]' <<<"$WARNLOG")" \
	bash -c '! grep -q "\[info\]" <<<"$1"' _ "$WARNLOG"
MARK=$(wc -l <"$HZ_LOG")
"${GUARD[@]}" "$HAZARDD" -v -c "$T/warn.json" >>"$HZ_LOG" 2>&1 &
HZ_PID=$!
wait_for 'ctl status' 10
ctl status >/dev/null
kill -HUP "$HZ_PID"         # a reload must not take -v away
wait_for 'tail -n +'"$MARK"' "$HZ_LOG" | grep -q "reload (SIGHUP): applied"' 10
ctl status >/dev/null
sleep 0.3
kill_hazardd
AFTER=$(tail -n +"$MARK" "$HZ_LOG" | sed -n '/reload (SIGHUP): applied/,$p')
check "-v wins over log.level warn, also after a reload" "no debug line after the reload" \
	grep -q "\[debug\]" <<<"$AFTER"
