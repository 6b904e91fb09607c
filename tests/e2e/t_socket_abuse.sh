#!/usr/bin/env bash
# t_socket_abuse.sh: what a local user in the socket's group can and cannot
# do to the control socket (docs/operations.md, "Control socket").
#  (a) 16 clients of one user each trickling a byte every 2 s, and a
#      client that sends nothing, lock nobody out: `hazardctl status`
#      answers within 1 s for root and for another user all along; the
#      user gets 8 connections, the rest are refused at once; each
#      trickler is closed about 5 s after its first byte (CTL_REQUEST_MS),
#      the silent one after 20 s (CTL_IDLE_MS).
#  (b) a non-root caller's ack is recorded under its real user name
#      (SO_PEERCRED); naming another actor is refused; root may.
#  (c) CR/LF, escape sequences, C1 controls, DEL and invalid UTF-8 in a
#      note (or an actor) are refused by the control socket and by signed
#      platform commands, nothing of them is stored, and the log holds no
#      raw control character and no invalid UTF-8.
# Needs root (to run clients as other users): skipped otherwise.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! getent passwd nobody >/dev/null ||
   ! getent passwd daemon >/dev/null || ! getent group nogroup >/dev/null; then
	echo "SKIP: socket_abuse: needs root and the users nobody and daemon"
	trap - EXIT
	rm -rf "$T"
	exit 77
fi

GW=gw-e2e-01
DIST=e2edist
SOCK=$T/control.sock
# other users reach the socket through its group, as operators do
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
AS_DAEMON=(setpriv --reuid=daemon --regid=nogroup --clear-groups)

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
new_command_key "$T/cmd.key"
write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" <<'EOF'
{"id": "smk-1", "kind": "smoke_alarm"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
chmod 755 "$T"
chgrp nogroup "$SOCK"
check "the socket is 0660" "$(stat -c %a "$SOCK")" test "$(stat -c %a "$SOCK")" = 660
check "nobody can ask through the socket's group" \
	"$("${AS_NOBODY[@]}" "$HAZARDCTL" --socket "$SOCK" status 2>&1 | tail -n 2)" \
	"${AS_NOBODY[@]}" "$HAZARDCTL" --socket "$SOCK" status

# ------------------------------------------------- (a) trickle and idle

cat >"$T/trickle.py" <<'EOF'
# 16 connections that trickle one byte every 2 s; report how each ended.
import json, select, socket, sys, time
path, n = sys.argv[1], 16
req = b'{"cmd":"status"}\n'
t0 = time.monotonic()
conns, refused = [], 0
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    conns.append(s)
time.sleep(0.5)
live = []
for s in conns:
    r, _, _ = select.select([s], [], [], 0)
    if r:
        data = s.recv(4096)
        if b"too many" in data:
            refused += 1
        s.close()
        continue
    live.append({"s": s, "sent": 0, "first": None, "closed": None})
start = time.monotonic()
while time.monotonic() - start < 14 and any(c["closed"] is None for c in live):
    for c in live:
        if c["closed"] is None and c["sent"] < len(req) - 1:
            try:
                c["s"].send(req[c["sent"]:c["sent"] + 1])
                c["sent"] += 1
                if c["first"] is None:
                    c["first"] = time.monotonic()
            except OSError:
                c["closed"] = time.monotonic()
    end = time.monotonic() + 2
    while time.monotonic() < end:
        open_ = [c["s"] for c in live if c["closed"] is None]
        if not open_:
            break
        r, _, _ = select.select(open_, [], [], max(0, end - time.monotonic()))
        for c in live:
            if c["s"] in r and c["closed"] is None:
                try:
                    data = c["s"].recv(4096)
                except OSError:
                    data = b""
                if not data:
                    c["closed"] = time.monotonic()
print(json.dumps({
    "accepted": len(live), "refused": refused,
    "closed_after_s": [round(c["closed"] - c["first"], 2) if c["closed"] else None
                       for c in live],
    "max_bytes_sent": max([c["sent"] for c in live] or [0]),
}))
EOF
cat >"$T/idle.py" <<'EOF'
# One connection that never sends: seconds until the daemon closes it.
import select, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
t0 = time.monotonic()
r, _, _ = select.select([s], [], [], 30)
print(round(time.monotonic() - t0, 1) if r and not s.recv(1) else "open")
EOF

# probe: `hazardctl status` as root, then as another non-root user; ms each
probe() {
	local t0 t1 t2 rc1 rc2
	t0=$(now_ms)
	ctl status >/dev/null 2>&1; rc1=$?
	t1=$(now_ms)
	"${AS_DAEMON[@]}" "$HAZARDCTL" --socket "$SOCK" status >/dev/null 2>&1; rc2=$?
	t2=$(now_ms)
	echo "$rc1:$((t1 - t0)) $rc2:$((t2 - t1))"
}

# (as another user: nobody's 8 connections are the tricklers')
"${AS_DAEMON[@]}" "$PY" "$T/idle.py" "$SOCK" >"$T/idle.out" 2>&1 &
IDLE_PID=$!
BG_PIDS+=("$IDLE_PID")
"${AS_NOBODY[@]}" "$PY" "$T/trickle.py" "$SOCK" >"$T/trickle.out" 2>&1 &
TRICKLE_PID=$!
BG_PIDS+=("$TRICKLE_PID")
sleep 1
PROBES=()
for i in 1 2 3 4 5 6; do
	PROBES+=("$(probe)")
	sleep 1.5
done
info "status probes while trickling (rc:ms root, rc:ms user daemon): ${PROBES[*]}"
SLOW=0
for p in "${PROBES[@]}"; do
	for x in $p; do
		[ "${x%%:*}" = 0 ] && [ "${x##*:}" -lt 1000 ] || SLOW=$((SLOW + 1))
	done
done
check "(a) hazardctl status answers within 1 s for root while 16 clients trickle" \
	"probes: ${PROBES[*]}" test "$SLOW" = 0
wait_gone "$TRICKLE_PID" 20
TR=$(cat "$T/trickle.out")
info "trickle: $TR"
check "(a) one user gets 8 connections, the other 8 are refused at once" "$TR" \
	jpy 'd["accepted"] == 8 and d["refused"] == 8 or sys.exit(1)' <<<"$TR"
check "(a) every trickler is closed 5 s (+1 s) after its first byte" "$TR" \
	jpy 'all(x is not None and 4.5 <= x <= 7.5 for x in d["closed_after_s"]) or sys.exit(1)' <<<"$TR"
check "(a) no trickler finished its request line" "$TR" \
	jpy 'd["max_bytes_sent"] < 17 or sys.exit(1)' <<<"$TR"
check "(a) the log says why the tricklers were closed" "no line" \
	grep -q "control: closed a connection from nobody (uid $(id -u nobody), pid [0-9]*): no complete request line in time" "$HZ_LOG"
check "(a) the log names the refused user" "no line" \
	grep -q "control: refused a connection from nobody .*too many control connections from this user" "$HZ_LOG"
wait_gone "$IDLE_PID" 30
IDLE=$(cat "$T/idle.out")
check "(a) a silent client is closed after 20 s (+1 s)" "got: $IDLE" \
	bash -c '[ "$1" != open ] && awk -v s="$1" "BEGIN { exit !(s >= 19.5 && s <= 22) }"' _ "$IDLE"
check "(a) hazardd still answers afterwards" "no answer" ctl status

# ------------------------------------------------- (b) who acts

pub t/smk-1 '{"smoke": true}'
wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE device='smk-1'\")\" = 1 ]" 10
AID=$(db "SELECT id FROM hazards WHERE device='smk-1' AND kind='alarm'")
nobody_ctl() { "${AS_NOBODY[@]}" "$HAZARDCTL" --socket "$SOCK" "$@"; }

OUT=$(nobody_ctl ack "$AID" --actor root --note "as root" 2>&1); RC=$?
check "(b) nobody naming root as actor is refused" "rc $RC: $OUT" \
	bash -c '[ "$1" != 0 ] && grep -q "only root may act as another user" <<<"$2"' _ "$RC" "$OUT"
OUT=$(nobody_ctl ack "$AID" --actor platform:li.wei 2>&1); RC=$?
check "(b) nobody naming platform:li.wei is refused" "rc $RC: $OUT" \
	bash -c '[ "$1" != 0 ] && grep -q "only root may act as another user" <<<"$2"' _ "$RC" "$OUT"
check "(b) nothing was recorded for the refused actors" \
	"$(db "SELECT event, actor FROM hazard_events WHERE hazard_id='$AID'")" \
	test "$(db "SELECT count(*) FROM hazard_events WHERE hazard_id='$AID' AND event <> 'raised'")" = 0
OUT=$(nobody_ctl ack "$AID" --note "on my way" 2>&1); RC=$?
check "(b) nobody acks without --actor" "rc $RC: $OUT" test "$RC" = 0
A=$(db "SELECT actor FROM hazard_events WHERE hazard_id='$AID' AND event='acknowledged'")
check "(b) the ack is recorded under the real user: nobody" "actor: $A" test "$A" = nobody
OUT=$(nobody_ctl verify-alarm "$AID" real --actor nobody --note "smoke seen" 2>&1); RC=$?
A=$(db "SELECT actor FROM hazard_events WHERE hazard_id='$AID' AND note='smoke seen'")
check "(b) naming oneself is allowed (verify-alarm as nobody)" "rc $RC: $OUT; actor: $A" \
	test "$RC" = 0 -a "$A" = nobody
wait_for "[ -n \"\$(db \"SELECT id FROM hazards WHERE device='smk-1' AND kind='hazard'\")\" ]" 5
HID=$(db "SELECT id FROM hazards WHERE device='smk-1' AND kind='hazard'")
OUT=$(ctl ack "$HID" --actor "site manager" --note "plumber called" 2>&1); RC=$?
A=$(db "SELECT actor FROM hazard_events WHERE hazard_id='$HID' AND note='plumber called'")
check "(b) root may record an action for someone else" "rc $RC: $OUT; actor: $A" \
	test "$RC" = 0 -a "$A" = "site manager"
OUT=$(nobody_ctl switch smk-1 on --actor root 2>&1); RC=$?
check "(b) switch: nobody naming root is refused too" "rc $RC: $OUT" \
	bash -c '[ "$1" != 0 ] && grep -q "only root may act as another user" <<<"$2"' _ "$RC" "$OUT"

# ------------------------------------------------- (c) text hygiene

FORGED="$(date -u +%Y-%m-%dT%H:%M:%S.000Z) hazardd[info] hazard $HID closed by root"
bad_notes=(
	$'fixed\n'"$FORGED"
	$'fixed\r'"$FORGED"
	$'\e[2J\e]0;owned\a'
	$'C1 \u009b2J'
	$'DEL \x7f'
	$'r\xe9par\xe9'
	$'cut \xe9\x98'
)
names=("LF" "CR" "an escape sequence" "a C1 control" "DEL" "Latin-1 bytes" "a cut UTF-8 sequence")
for i in "${!bad_notes[@]}"; do
	OUT=$(ctl rectifying "$HID" --note "${bad_notes[$i]}" 2>&1); RC=$?
	check "(c) socket: ${names[$i]} in a note is refused" "rc $RC: $OUT" \
		bash -c '[ "$1" != 0 ] && grep -qE "\"note\" (holds control characters|is not valid UTF-8)" <<<"$2"' _ "$RC" "$OUT"
done
OUT=$(ctl rectifying "$HID" --actor $'x\nhazardd[info] y' 2>&1); RC=$?
check "(c) socket: LF in an actor is refused (root too)" "rc $RC: $OUT" \
	bash -c '[ "$1" != 0 ] && grep -q "\"actor\" holds control characters" <<<"$2"' _ "$RC" "$OUT"
OUT=$(nobody_ctl rectifying "$HID" --note $'ok\r\n'"$FORGED" 2>&1); RC=$?
check "(c) socket: CR/LF in nobody's note is refused" "rc $RC: $OUT" \
	bash -c '[ "$1" != 0 ] && grep -q "holds control characters" <<<"$2"' _ "$RC" "$OUT"

# the platform: signed commands (tools/hzcmd.py) with the same notes
reply_err() {   # reply_err JSON: the reply's error, or "ok"
	$PY -c 'import json, sys
r = json.loads(sys.argv[1])
print("ok" if r.get("ok") else r.get("error", "?"))' "$1" 2>/dev/null
}
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10
for note in $'fixed\\n'"$FORGED" '\u001b[2J' '\u009b2J' 'DEL \u007f' '\u0085 NEL'; do
	r=$(hz ack hazard_id="$HID" who=li.wei "note=\"$note\"") || true
	check "(c) platform: note \"${note:0:12}\" is refused" "reply: $r" \
		bash -c 'grep -q "field \\\\\"note\\\\\" holds control characters" <<<"$1"' _ "$r"
done
r=$(hz ack hazard_id="$HID" 'who="li\u001b[2Jwei"') || true
check "(c) platform: an escape sequence in \"who\" is refused" "reply: $r" \
	bash -c 'grep -q "field \\\\\"who\\\\\" holds control characters" <<<"$1"' _ "$r"
# raw invalid UTF-8 in a signed body: hzcmd.py cannot write it, so sign here
"$PY" - "$T/cmd.key" "$DIST" "$GW" "$HID" "$T/raw.cmd" <<'EOF'
import hashlib, hmac, sys, time
keyf, dist, gw, hid, out = sys.argv[1:]
key = open(keyf, "rb").read().rstrip(b"\r\n")
topic = "hz/v1/%s/%s/cmd/ack" % (dist, gw)
body = b'{"id":"raw-utf8-1","ts":%d,"hazard_id":"%s","who":"li.wei","note":"r\xe9par\xe9"}' % (
    int(time.time() * 1000), hid.encode())
sig = hmac.new(key, topic.encode() + b"\n" + body, hashlib.sha256).hexdigest()
esc = body.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
open(out, "wb").write(b'{"body":"' + esc + b'","sig":"' + sig.encode() + b'"}')
EOF
r=$(hz --raw-file "$T/raw.cmd" --id raw-utf8-1 ack) || true
check "(c) platform: invalid UTF-8 in a signed note is refused" "reply: $r" \
	bash -c 'grep -q "field \\\\\"note\\\\\" is not valid UTF-8" <<<"$1"' _ "$r"

N=$(db "SELECT count(*) FROM hazard_events WHERE hazard_id IN ('$HID', '$AID') AND (note LIKE '%fixed%' OR note LIKE '%2J%' OR note LIKE '%DEL%' OR note LIKE 'r%par%' OR note LIKE '%NEL%' OR note LIKE 'cut%' OR actor LIKE 'x%')")
check "(c) none of the refused notes was stored" "$N stored" test "$N" = 0
OUT=$(ctl rectifying "$HID" --note '已更换 réparé' 2>&1); RC=$?
N=$(db "SELECT count(*) FROM hazard_events WHERE hazard_id='$HID' AND note='已更换 réparé'")
check "(c) a clean note (Chinese, accents) is taken and stored as it is" "rc $RC: $OUT; $N stored" \
	test "$RC" = 0 -a "$N" = 1

# the log: one line per record, valid UTF-8, no control character but LF
LOGCHK=$("$PY" - "$HZ_LOG" "$FORGED" <<'EOF'
import sys
raw = open(sys.argv[1], "rb").read()
bad = []
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    bad.append("invalid UTF-8 at byte %d" % e.start)
    text = raw.decode("utf-8", "replace")
for ch in set(text):
    o = ord(ch)
    if ch != "\n" and (o < 0x20 or o == 0x7f or 0x80 <= o <= 0x9f):
        bad.append("raw U+%04X" % o)
for line in text.split("\n"):
    if line.startswith(sys.argv[2][:24]) and "hazardd[info] hazard" in line and "closed by root" in line:
        bad.append("forged line: " + line[:80])
print("; ".join(bad) or "clean")
EOF
)
check "(c) the log holds no raw control character, no invalid UTF-8, no forged line" \
	"$LOGCHK" test "$LOGCHK" = clean
check "hazardd survived it all" "not running" hz_alive
