#!/usr/bin/env bash
# t_offload.sh: slow work off the loop (docs/http.md "Login",
# docs/architecture.md "Threads").  Password checks run on the console's
# login worker: four logins sent at once all succeed; a burst of twelve
# wrong passwords while the worker is busy gets 401 for those it took and
# 503 with Retry-After for the rest, never 500, and a good login right
# after still works; the throttle still answers 429 once a name failed too
# often.  Evidence files are decoded and hashed on the control socket's
# worker: an alarm published while a 4 MiB evidence submit is being
# handled reaches `hazardctl watch` before the submit's reply (the loop
# handled it meanwhile), the file is kept whole, and a client's next
# request on the same connection is answered after the deferred one.
source "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || { fail setup "curl is not installed (tools/deps.sh)"; exit 1; }
start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
HPORT=$(free_port)
URL=http://127.0.0.1:$HPORT
write_config "$T/hazardd.json" \
	"http={\"listen\": \"127.0.0.1:$HPORT\", \"users_file\": \"$T/users.json\"}" \
	'records={"normal_before_submit_h": 0}' <<'EOF2'
{"id": "gas-1", "kind": "gas_detector", "rules": {"hold_s": 0}}
{"id": "gas-2", "kind": "gas_detector", "rules": {"hold_s": 0}}
EOF2
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }

# ------------------------------------------------------------ logins

for u in ann ben cat dan; do
	printf '%s\n' "pw-$u-1234" | ctl user add "$u" --password-stdin --role admin >/dev/null 2>&1
done
out=$($PY "$E2E/login_burst.py" "$HPORT" ann:pw-ann-1234 ben:pw-ben-1234 \
	cat:pw-cat-1234 dan:pw-dan-1234)
check "four logins at once: all 200" "$out" \
	jtrue 'all(r["status"] == 200 for r in d)' <<<"$out"

args=()
for i in $(seq 1 12); do args+=("nobody$i:wrong-password"); done
out=$($PY "$E2E/login_burst.py" "$HPORT" "${args[@]}")
check "twelve at once: each 401 or 503, never anything else" "$out" \
	jtrue 'all(r["status"] in (401, 503) for r in d)' <<<"$out"
check "the worker's queue took some (401)" "$out" \
	jtrue 'any(r["status"] == 401 for r in d)' <<<"$out"
check "a full queue: 503 with Retry-After" "$out" \
	jtrue 'any(r["status"] == 503 for r in d) and all(r["retry_after"] for r in d if r["status"] == 503)' <<<"$out"
c=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$URL/api/login" \
	-d '{"user": "ann", "password": "pw-ann-1234"}')
check "a good login after the burst: 200" "$c $(cat "$T/body")" [ "$c" = 200 ]

for i in 1 2 3 4 5; do
	curl -s -o /dev/null -X POST "$URL/api/login" -d '{"user": "ben", "password": "nope"}'
done
c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/login" \
	-d '{"user": "ben", "password": "pw-ben-1234"}')
check "the throttle still answers 429 after five failures" "$c" [ "$c" = 429 ]

# ------------------------------------------------------------ evidence racing an alarm

hid() { db "SELECT id FROM hazards WHERE kind='hazard' AND device='$1' ORDER BY raised_at_ms DESC LIMIT 1"; }
pub t/gas-1 '{"gas_lel": 30}'
wait_for '[ -n "$(hid gas-1)" ]' 10 || { fail "gas hazard raised" "none"; exit 1; }
H=$(hid gas-1)
pub t/gas-1 '{"gas_lel": 0}'
wait_for "[ \"\$(db \"SELECT cleared_at_ms > 0 FROM hazards WHERE id='$H'\")\" = 1 ]" 10 ||
	fail "the gas clears" "no normal_since"
ctl rectifying "$H" --note "hose ordered" >/dev/null 2>&1

$PY -c '
import os, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"\xff\xd8\xff\xe0" + os.urandom(4 * 1024 * 1024 - 4))' "$T/photo.jpg"
SHA=$(sha256sum "$T/photo.jpg" | cut -d' ' -f1)
out=$($PY "$E2E/evidence_race.py" --socket "$T/control.sock" --port "$PORT_local" \
	--topic t/gas-2 --payload '{"gas_lel": 40}' --device gas-2 --hazard "$H" \
	--file "$T/photo.jpg")
info "4 MiB submit racing an alarm: $out"
check "the submit with a 4 MiB file is answered ok" "$out" \
	jtrue 'd["reply"] and d["reply"]["ok"] and d["reply"]["result"]["files"][0]["size"] == 4194304' <<<"$out"
check "the alarm's event reached watch before the submit's reply" "$out" \
	jtrue 'd["event_first"]' <<<"$out"
check "the file kept whole under its sha256" \
	"$(db "SELECT size, media_type FROM evidence_files WHERE sha256='$SHA'")" \
	test "$(db "SELECT size, media_type FROM evidence_files WHERE sha256='$SHA'")" = "4194304|image/jpeg"
check "the hazard is submitted" "$(db "SELECT state FROM hazards WHERE id='$H'")" \
	test "$(db "SELECT state FROM hazards WHERE id='$H'")" = submitted

# a request pipelined behind a deferred one is answered after it, in order
out=$($PY - "$T/control.sock" "$H" <<'EOF2'
import base64, json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
req = {"cmd": "close", "id": sys.argv[2], "note": "written off",
       "files": [{"name": "a.txt", "data": base64.b64encode(b"x" * 1000).decode()}]}
s.sendall(json.dumps(req).encode() + b"\n" + b'{"cmd":"status"}\n')
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    data += c
lines = [json.loads(l) for l in data.split(b"\n") if l]
# status's reply has the intake's counters; the close's does not (it is
# refused: a submitted hazard is verified, not written off, but only once
# its file came back from the worker)
print(json.dumps([["acks_sent" in json.dumps(l), l.get("error") or ""] for l in lines]))
EOF2
)
check "pipelined: the deferred close answered first, then status" "$out" \
	jtrue 'len(d) == 2 and not d[0][0] and d[0][1] and d[1][0]' <<<"$out"
check "hazardd still running" "" hz_alive

kill_hazardd
check "clean exit" "exit $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
