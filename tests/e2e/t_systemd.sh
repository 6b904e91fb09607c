#!/usr/bin/env bash
# t_systemd.sh: hazardd as a systemd service, without a running systemd.
#  1. the unit's sandbox: `systemd-analyze security --offline=true` exposure
#     <= 1.5, alone and with the GPIO drop-in; `systemd-analyze verify`.
#  2. sd_notify: a notify socket of our own and WATCHDOG_USEC set: READY=1
#     after the database exists, STATUS= with the links, WATCHDOG=1 at half
#     the interval, STOPPING=1 on SIGTERM.
#  3. the journal's stream: with JOURNAL_STREAM naming stderr, lines carry
#     "<6>"/"<4>"/"<3>" priority prefixes; otherwise the plain format.
#  4. no secret in the log or in hazardctl's output.
source "$(dirname "$0")/lib.sh"

UNIT=$TOP/systemd/hazardd.service
DROPIN=$TOP/systemd/gpio.conf

# ------------------------------------------------------------ 1. the unit

# exposure FILE: the overall exposure level (a number) of that unit file
exposure() {
	systemd-analyze security --offline=true "$1" 2>&1 |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p'
}
le_15() { awk -v s="$1" 'BEGIN { exit !(s != "" && s + 0 <= 1.5) }'; }

if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze missing (apt-get install systemd)"
	trap - EXIT
	rm -rf "$T"
	exit 77
fi
score=$(exposure "$UNIT")
info "hazardd.service exposure: ${score:-none}"
check "unit: security exposure <= 1.5" "got '${score}'" le_15 "$score"

# the unit with the GPIO drop-in's [Service] lines appended (what systemd
# does with a drop-in; later settings win)
mkdir -p "$T/unit"
awk -v dropin="$DROPIN" '
	/^\[Install\]/ { while ((getline l < dropin) > 0) if (l !~ /^(#|\[|$)/) print l; print "" }
	{ print }' "$UNIT" >"$T/unit/hazardd.service"
score=$(exposure "$T/unit/hazardd.service")
info "hazardd.service + gpio.conf exposure: ${score:-none}"
check "unit + gpio drop-in: security exposure <= 1.5" "got '${score}'" le_15 "$score"
check "gpio drop-in allows the GPIO chips" "no DeviceAllow=char-gpiochip" \
	grep -q '^DeviceAllow=char-gpiochip rw' "$T/unit/hazardd.service"

for key in Type=notify NotifyAccess=main WatchdogSec=30 User=hazardd \
	Restart=on-failure ProtectSystem=strict StateDirectory=hazardd \
	ConfigurationDirectory=hazardd RuntimeDirectory=hazardd \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
	'ExecStart=/usr/sbin/hazardd -c /etc/hazardd/hazardd.json' \
	'ExecReload=/bin/kill -HUP $MAINPID'; do
	check "unit has $key" "missing" grep -qxF "$key" "$UNIT"
done

# verify: with ExecStart pointing at the binary under test (the unit names
# /usr/sbin/hazardd, which need not exist here)
sed "s#/usr/sbin/hazardd#$HAZARDD#g" "$UNIT" >"$T/unit/verify.service"
if systemd-analyze verify --man=no "$T/unit/verify.service" >"$T/verify.out" 2>&1; then
	if [ -s "$T/verify.out" ]; then
		fail "systemd-analyze verify" "$(head -n 3 "$T/verify.out")"
	else
		pass "systemd-analyze verify: no complaints"
	fi
elif grep -qiE 'Failed to (connect|initialize)|no such file.*bus|not been booted' "$T/verify.out"; then
	echo "SKIP: systemd-analyze verify needs a running systemd here: $(head -n 1 "$T/verify.out")"
else
	fail "systemd-analyze verify" "$(head -n 3 "$T/verify.out")"
fi

# ------------------------------------------------------------ 2. sd_notify

start_broker local
start_broker up
# hazardd logs in to the local broker (lib.sh's broker with passwords and an
# ACL; write_config names the file): the password must never be logged
SECRET=$(cat "$LOCAL_HZ_PASS_FILE")
write_config "$T/hz.json" "log.level=\"debug\"" <<'EOF'
{"id": "gas-1", "kind": "gas_detector"}
EOF

# the notify socket: every datagram as "MONO_MS<TAB>TEXT" (newlines as |)
"${GUARD[@]}" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        data = s.recv(4096).decode("utf-8", "replace")
        out.write("%d\t%s\n" % (time.monotonic() * 1000, data.replace("\n", "|")))
' "$T/notify.sock" "$T/notify.log" &
BG_PIDS+=($!)
wait_for "[ -f '$T/notify.sock.ready' ]" 10

: >>"$HZ_LOG"
JS=$(stat -c '%d:%i' "$HZ_LOG")
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 JOURNAL_STREAM=$JS \
	start_hazardd "$T/hz.json" || { fail "start hazardd" "see log"; exit 1; }

check "READY=1 sent" "no READY=1 in $(cat "$T/notify.log")" \
	wait_for "grep -q 'READY=1' '$T/notify.log'" 10
check "database exists when READY=1 arrives" "no $T/hazardd.db" test -f "$T/hazardd.db"
check "STATUS= with links and outbox" "$(grep -m1 STATUS= "$T/notify.log")" \
	grep -qE 'STATUS=local (connected|down), upstream (connected|down).*, outbox [0-9]+, queue [0-9]+' "$T/notify.log"
check "STATUS= updated when the links came up" "$(grep STATUS= "$T/notify.log" | tail -n 2)" \
	wait_for "grep -q 'STATUS=local connected, upstream connected to tcp://' '$T/notify.log'" 10

# WATCHDOG_USEC=2 s: a ping every 1 s (the loop wakes at least once a second)
sleep 3.6
pings=$(grep -c 'WATCHDOG=1' "$T/notify.log")
maxgap=$(grep 'WATCHDOG=1' "$T/notify.log" | awk -F'\t' 'NR > 1 { g = $1 - p; if (g > m) m = g } { p = $1 } END { printf "%d", m }')
info "watchdog: $pings pings, longest gap ${maxgap} ms"
check "WATCHDOG=1 pings (>= 3 in 3.6 s)" "only $pings" test "$pings" -ge 3
check "WATCHDOG=1 at half the interval (gap <= 1300 ms)" "gap $maxgap ms" test "$maxgap" -le 1300

kill -HUP "$HZ_PID"
wait_for "grep -q 'reload (SIGHUP): applied' '$HZ_LOG'" 5
check "reload: RELOADING=1, then READY=1 again" "$(grep -E 'RELOADING|READY' "$T/notify.log")" \
	wait_for "awk '/RELOADING=1/ { r = 1; next } r && /READY=1/ { f = 1 } END { exit !f }' '$T/notify.log'" 5
kill_hazardd
check "exit 0 on SIGTERM" "status $HZ_EXIT" test "$HZ_EXIT" = 0
check "STOPPING=1 sent" "none" grep -q 'STOPPING=1' "$T/notify.log"

# ------------------------------------------------------------ 3. journal

check "journal: info lines carry <6>" "$(head -n 3 "$HZ_LOG")" \
	grep -q '^<6>\[info\] hazardd .* starting' "$HZ_LOG"
check "journal: warnings carry <4>" "$(grep -m2 warn "$HZ_LOG")" \
	grep -q '^<4>\[warn\] ' "$HZ_LOG"
check "journal: debug lines carry <7>" "no <7> line" grep -q '^<7>' "$HZ_LOG"
check "journal: no line without a prefix" "$(grep -v '^<[0-7]>' "$HZ_LOG" | grep -v '^====' | head -n 2)" \
	bash -c "! grep -v '^<[0-7]>' '$HZ_LOG' | grep -qv '^===='"

# a fatal start-up error: <3> under the journal, the plain format otherwise
write_config "$T/bad.json" "storage.path=\"$T/no/such/dir/hz.db\"" </dev/null
: >"$T/fatal.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/fatal.log") "$HAZARDD" -c "$T/bad.json" 2>>"$T/fatal.log"
rc=$?
check "fatal start-up error exits 1" "status $rc" test "$rc" = 1
check "journal: fatal error carries <3>" "$(cat "$T/fatal.log")" grep -q '^<3>\[fatal\]' "$T/fatal.log"
JOURNAL_STREAM=1:1 "$HAZARDD" -c "$T/bad.json" 2>"$T/plain.log"
check "JOURNAL_STREAM of another file: plain format" "$(head -n 1 "$T/plain.log")" \
	grep -qE '^20[0-9-]+T[0-9:.]+Z hazardd\[fatal\]' "$T/plain.log"

# ------------------------------------------------------------ 4. secrets

start_hazardd "$T/hz.json" || { fail "restart hazardd" "see log"; exit 1; }
ctl --json status >"$T/status.json" 2>&1
ctl --json devices >>"$T/status.json" 2>&1
kill_hazardd
check "password never in the log (debug level)" "found in $HZ_LOG" \
	bash -c "! grep -qF '$SECRET' '$HZ_LOG'"
check "password never in hazardctl output" "found" bash -c "! grep -qF '$SECRET' '$T/status.json'"
