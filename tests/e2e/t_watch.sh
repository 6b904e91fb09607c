#!/usr/bin/env bash
# t_watch.sh: `hazardctl watch` prints a line for a published reading
# within 1 s, with its values in units, and a line for a record event (an
# alarm raised); --device shows one device's lines only, --json the
# daemon's own lines; output into a file or a pipe comes line by line; a
# watch ended by Ctrl-C exits 0, one killed outright or whose reader goes
# away leaves the daemon answering, and its stream is given back; one
# that stops reading is told so and closed while the daemon carries on.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
write_config "$T/hazardd.json" <<'EOF'
{"id": "gas-a", "kind": "gas_detector"}
{"id": "gas-b", "kind": "gas_detector"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10

# watch W ARGS...: a watch in the background, its output in $T/W.out and
# $T/W.err; returns once it is subscribed (its "watching" line)
watch_bg() {
	local w=$1; shift
	"${GUARD[@]}" "$HAZARDCTL" -c "$HZ_CFG" watch "$@" >"$T/$w.out" 2>"$T/$w.err" &
	printf -v "PID_$w" '%s' "$!"
	wait_for "grep -q watching '$T/$w.err'" 5
}

check "watch subscribes" "$(cat "$T/all.err" 2>/dev/null)" watch_bg all
check "watch --device subscribes" "$(cat "$T/a.err" 2>/dev/null)" watch_bg a --device gas-a
check "watch --json subscribes" "$(cat "$T/js.err" 2>/dev/null)" watch_bg js --json

t0=$(now_ms)
pub t/gas-a '{"gas_lel": 7, "battery": 88}'
wait_for "grep -q 'gas-a.*gas_lel 7 %LEL.*battery 88 %.*(site-1)' '$T/all.out'" 3
t1=$(now_ms)
check "a reading is one line with units and site, into a file" "$(cat "$T/all.out")" \
	grep -q 'gas-a.*gas_lel 7 %LEL.*battery 88 %.*(site-1)' "$T/all.out"
check "the line came within 1 s of the publish ($((t1 - t0)) ms)" "$((t1 - t0)) ms" \
	[ $((t1 - t0)) -le 1000 ]
check "the line starts with the time of day" "$(head -n 1 "$T/all.out")" \
	grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2} gas-a' "$T/all.out"

pub t/gas-b '{"gas_lel": 3}'
pub t/gas-a '{"gas": true, "gas_lel": 60}'
check "an alarm is a record event line" "$(cat "$T/all.out")" \
	wait_for "grep -q 'ALARM raised gas_leak gas-a' '$T/all.out'" 5
check "gas-b's reading reaches the unfiltered watch" "$(cat "$T/all.out")" \
	wait_for "grep -q 'gas-b.*gas_lel 3 %LEL' '$T/all.out'" 3
check "watch --device gas-a shows gas-a's alarm" "$(cat "$T/a.out")" \
	wait_for "grep -q 'ALARM raised gas_leak gas-a' '$T/a.out'" 3
check "watch --device gas-a shows none of gas-b's lines" "$(cat "$T/a.out")" \
	sh -c "! grep -q gas-b '$T/a.out'"
check "watch --json: each line is the daemon's JSON" "$(head -c 300 "$T/js.out")" \
	$PY -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert any("reading" in l and l["reading"]["device"] == "gas-a" for l in lines)
assert any("record" in l and l["record"].get("alarm_id") for l in lines)' "$T/js.out"

# into a pipe: lines come as they happen, and a reader that goes away
# ends the watch cleanly
( "$HAZARDCTL" -c "$HZ_CFG" watch 2>/dev/null | head -n 1 >"$T/pipe.out"; \
  echo "${PIPESTATUS[0]}" >"$T/pipe.rc" ) &
pipe_pid=$!
sleep 0.5
pub t/gas-b '{"gas_lel": 4}'
sleep 0.3
pub t/gas-b '{"gas_lel": 5}'
wait_for "[ -s '$T/pipe.rc' ]" 5
check "into a pipe: the first line arrived" "$(cat "$T/pipe.out")" grep -q 'gas-b.*gas_lel 4' "$T/pipe.out"
check "into a pipe: watch ends with 0 when the reader goes away" "rc $(cat "$T/pipe.rc" 2>/dev/null)" \
	[ "$(cat "$T/pipe.rc" 2>/dev/null)" = 0 ]
wait "$pipe_pid" 2>/dev/null

# Ctrl-C ends it with 0; SIGKILL leaves the daemon fine
kill -INT "$PID_all"
wait "$PID_all"; rc=$?
check "Ctrl-C ends watch with status 0" "rc $rc" [ "$rc" = 0 ]
kill -9 "$PID_a" "$PID_js"
wait "$PID_a" "$PID_js" 2>/dev/null
pub t/gas-b '{"gas_lel": 6}'
check "the daemon answers after its watchers were killed" "no status" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 5
# every stream slot is free again: 4 watches at once are accepted
for i in 1 2 3 4; do watch_bg "w$i" || true; done
check "four streams at once after the killed ones left" "$(cat "$T"/w*.err)" \
	[ "$(grep -l watching "$T"/w[1-4].err | wc -l)" = 4 ]
"$HAZARDCTL" -c "$HZ_CFG" watch >/dev/null 2>"$T/w5.err"
check "a fifth stream is refused with a reason" "$(cat "$T/w5.err")" grep -q 'too many streams' "$T/w5.err"
for i in 1 2 3 4; do v=PID_w$i; kill "${!v}" 2>/dev/null; done
out=$("$HAZARDCTL" -c "$HZ_CFG" watch --device nope 2>&1); rc=$?
check "watch --device of an unknown device is refused" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "no such device"' "$rc" "$out"

# a watcher that stops reading: given a last line and closed, the daemon
# carries on (its socket buffer and the 256 KiB bound fill first)
$PY - "$T/control.sock" "$T/slow-go" >"$T/slow.out" 2>&1 <<'EOF2' &
import json, os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"watch","device":"gas-b"}\n')
f = s.makefile("rb")
print("reply", f.readline().decode().strip(), flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
last = b""
for line in f:
    last = line
print("last", last.decode().strip(), flush=True)
EOF2
slow_pid=$!
wait_for "grep -q '^reply.*\"ok\":true' '$T/slow.out'" 5
$PY -c 'import json
for i in range(6000):
    print(json.dumps({"topic": "t/gas-b", "payload": {"gas_lel": i % 20, "battery": 90,
                      "temperature": 21.5, "voltage": 3.1}}))' | pubpy --file - >/dev/null
check "a watcher that does not read is closed, with a log line" "$(grep -c 'not read' "$HZ_LOG")" \
	wait_for "grep -q 'stream to .* is not read; closed' '$HZ_LOG'" 20
check "the daemon answers while and after" "no status" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 5
touch "$T/slow-go"
wait "$slow_pid"
check "the slow watcher's last line says why" "$(tail -n 1 "$T/slow.out" | head -c 300)" \
	grep -q '^last {"dropped":"this client read too slowly' "$T/slow.out"
check "hazardd still running" "exited" kill -0 "$HZ_PID"
