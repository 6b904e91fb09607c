#!/usr/bin/env bash
# t_evidence.sh: evidence files that travel (三个有) against real brokers.
# A gas hazard at a restaurant is rectified (records.normal_before_submit_h
# 0: no wait once the gas is normal).  With the upstream broker down, a
# submit with a file over records.evidence_max_bytes is refused with a
# clear error and changes nothing; `hazardctl submit --evidence
# photo.jpg --evidence TEXT` (a 200 KiB file that starts as a JPEG does,
# random after that: five chunks of 48 KiB) is accepted; the file is kept
# once under its SHA-256 with its sniffed media type, its chunks wait in
# the outbox and survive a restart of hazardd.  Once the upstream broker is
# back, the recorder receives the submitted event with the file's metadata
# (sha256, media_type, size, name) and every chunk on <prefix>/evidence,
# after the event; the chunks reassemble to the file and its SHA-256
# matches.  Every message is schema-valid (docs/schema).  hazardctl hazard
# and the ledger list the file; a platform verify with a signed command
# writes the hazard off; a platform submit with "files" is refused (the
# upload is the local side's).
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
new_command_key "$T/cmd.key"

write_config "$T/hazardd.json" "upstream.command_key_file=\"$T/cmd.key\"" \
	'records={"normal_before_submit_h": 0, "evidence_max_bytes": 300000}' <<'EOF'
{"id": "gas-1", "kind": "gas_detector", "rules": {"hold_s": 0}}
{"id": "gas-2", "kind": "gas_detector", "rules": {"hold_s": 0}}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

hid() { db "SELECT id FROM hazards WHERE kind='hazard' AND device='$1' ORDER BY raised_at_ms DESC LIMIT 1"; }
state_of() { db "SELECT state FROM hazards WHERE id='$1'"; }
reply_check() { check "$1" "reply: ${2:0:400}" reply_is "$2" "$3"; }

# the files: a photo of 200 KiB (JPEG magic, then random bytes) and one
# over the limit
$PY -c '
import os, sys
t = sys.argv[1]
with open(t + "/photo.jpg", "wb") as f:
    f.write(b"\xff\xd8\xff\xe0" + os.urandom(200 * 1024 - 4))
with open(t + "/big.jpg", "wb") as f:
    f.write(b"\xff\xd8\xff\xe0" + os.urandom(400 * 1024 - 4))' "$T"
SHA=$(sha256sum "$T/photo.jpg" | cut -d' ' -f1)

# ------------------------------------------------------------ a hazard to fix

pub t/gas-1 '{"gas_lel": 30}'
wait_for '[ -n "$(hid gas-1)" ]' 10 || { fail "gas hazard raised" "none"; exit 1; }
H=$(hid gas-1)
pub t/gas-1 '{"gas_lel": 0}'
wait_for "[ \"\$(db \"SELECT cleared_at_ms > 0 FROM hazards WHERE id='$H'\")\" = 1 ]" 10 ||
	fail "the gas clears" "no normal_since"
ctl rectifying "$H" --note "hose ordered" --actor fitter-7 >/dev/null 2>&1
check "rectifying" "$(state_of "$H")" test "$(state_of "$H")" = rectifying

# ------------------------------------------------------------ the outage

stop_broker up
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = false ]' 15 ||
	fail "upstream down" "still connected"

out=$(ctl submit "$H" --note "hose replaced" --evidence "$T/big.jpg" --actor fitter-7 2>&1); rc=$?
check "a file over records.evidence_max_bytes: refused (exit 1), says so" "rc $rc: $out" \
	sh -c '[ "$0" = 1 ] && echo "$1" | grep -q "big.jpg is 409600 bytes: more than 300000 (records.evidence_max_bytes)"' "$rc" "$out"
check "refused: the hazard is still rectifying, no file kept" \
	"$(state_of "$H") $(db 'SELECT count(*) FROM evidence_files')" \
	test "$(state_of "$H") $(db 'SELECT count(*) FROM evidence_files')" = "rectifying 0"
out=$(ctl submit "$H" --note "hose replaced" --evidence "$T/nope.jpg" 2>&1); rc=$?
check "a missing file: usage error (exit 2)" "rc $rc: $out" \
	sh -c '[ "$0" = 2 ] && echo "$1" | grep -q "no such file"' "$rc" "$out"

out=$(ctl submit "$H" --note "hose replaced" --evidence "$T/photo.jpg" \
	--evidence "photo 12: new hose" --actor fitter-7 2>&1); rc=$?
check "submit with a photo and a text during the outage" "rc $rc: $out" \
	sh -c '[ "$0" = 0 ] && [ "$1" = submitted ]' "$rc" "$(state_of "$H")"
check "the photo kept once under its sha256, sniffed as a JPEG" \
	"$(db "SELECT sha256, media_type, size FROM evidence_files")" \
	test "$(db "SELECT sha256 || ' ' || media_type || ' ' || size FROM evidence_files")" = \
	     "$SHA image/jpeg 204800"
check "linked to the hazard's submit, named photo.jpg, by fitter-7" \
	"$(db "SELECT hazard_id, event, name, actor FROM hazard_evidence")" \
	test "$(db "SELECT hazard_id || ' ' || event || ' ' || name || ' ' || actor FROM hazard_evidence")" = \
	     "$H submitted photo.jpg fitter-7"
check "five chunks wait in the outbox, last in the drain order" \
	"$(db "SELECT count(*), min(cls) FROM outbox WHERE topic_suffix = 'evidence'")" \
	test "$(db "SELECT count(*) || ' ' || min(cls) FROM outbox WHERE topic_suffix = 'evidence'")" = "5 5"

out=$(ctl hazard "$H" 2>&1)
check "hazardctl hazard lists the file" "$out" \
	sh -c 'echo "$0" | grep -A3 "^FILES" | grep "photo.jpg" | grep "image/jpeg" | grep -q "$1"' "$out" "$SHA"
out=$(ctl ledger --site site-1 2>&1)
check "the ledger's evidence lists the text and the file" "$out" \
	sh -c 'echo "$0" | grep -q "photo 12: new hose; photo.jpg $1"' "$out" "$SHA"
out=$(ctl ledger --site site-1 --format json 2>&1)
check "the ledger (JSON) has the files" "${out:0:300}" \
	sh -c 'echo "$0" | "$1" -c "import json,sys; l=json.load(sys.stdin); f=[x for r in l for x in r.get(\"files\",[])]; sys.exit(0 if [x[\"sha256\"] for x in f]==[sys.argv[1]] else 1)" "$2"' \
	"$out" "$PY" "$SHA"

# a restart during the outage: the chunks are rows in the database
kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
start_hazardd "$T/hazardd.json" || { fail "hazardd restarts" "see the log"; exit 1; }
check "after the restart the five chunks still wait" \
	"$(db "SELECT count(*) FROM outbox WHERE topic_suffix = 'evidence'")" \
	test "$(db "SELECT count(*) FROM outbox WHERE topic_suffix = 'evidence'")" = 5

# ------------------------------------------------------------ back online

restart_broker up || { fail "upstream broker restarts" "port $PORT_up"; exit 1; }
check "every chunk acknowledged: the outbox has no evidence left" \
	"$(db "SELECT count(*) FROM outbox WHERE topic_suffix = 'evidence'")" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM outbox WHERE topic_suffix = 'evidence'\")\" = 0 ]" 30

# the receiver: join the chunks of the file in seq order, check the hash
reassemble='
import base64, hashlib
sha = sys.argv[3]
ch = {}
for m in msgs:
    p = m["payload"]
    if m["topic"] == base + "/evidence" and isinstance(p, dict) and p.get("sha256") == sha:
        ch[p["seq"]] = p
total = ch[0]["total"] if 0 in ch else -1
ok = total > 0 and sorted(ch) == list(range(total))
data = b"".join(base64.b64decode(ch[i]["data"]) for i in range(total)) if ok else b""
ok = ok and len(data) == ch[0]["size"] and all(ch[i]["offset"] == i * 49152 for i in ch)
print("chunks %d of %d, %d bytes, sha256 %s" % (len(ch), total, len(data), hashlib.sha256(data).hexdigest()))
sys.exit(0 if ok and hashlib.sha256(data).hexdigest() == sha else 1)'
check "the recorder reassembles the file from its chunks and the hash matches" \
	"$(rec_py "$reassemble" "$SHA" 2>&1)" \
	wait_for 'rec_py "$reassemble" "$SHA" >/dev/null 2>&1' 30
check "five chunks of image/jpeg, each at most 48 KiB" "$(rec_py "$reassemble" "$SHA" 2>&1)" \
	rec_py 'c = [m["payload"] for m in msgs if m["topic"] == base + "/evidence"]
sys.exit(0 if len(c) == 5 and all(p["media_type"] == "image/jpeg" and p["total"] == 5
         and p["size"] == 204800 and len(p["data"]) <= 65536 for p in c) else 1)'
check "the submitted event carries the file's metadata" \
	"$(rec_py 'print([h.get("files") for h in hz if h.get("event") == "submitted"])')" \
	rec_py 'e = [h for h in hz if h.get("hazard_id") == sys.argv[3] and h.get("event") == "submitted"]
sys.exit(0 if e and e[0].get("files") == [{"sha256": sys.argv[4], "media_type": "image/jpeg",
         "size": 204800, "name": "photo.jpg"}] and e[0].get("evidence", {}).get("operator") ==
         "photo 12: new hose" else 1)' "$H" "$SHA"
check "the event arrives before the file's first chunk" "order" \
	rec_py 'i = [k for k, m in enumerate(msgs) if m["topic"] == base + "/hazard" and
             m["payload"].get("event") == "submitted"]
j = [k for k, m in enumerate(msgs) if m["topic"] == base + "/evidence"]
sys.exit(0 if i and j and i[0] < j[0] else 1)'

# ------------------------------------------------------------ the platform

r=$(hz verify hazard_id="$H" result=pass who=li.wei note="photo checked, 0 %LEL") || true
reply_check "platform verify pass (signed): closed" "$r" 'r["ok"] and r["result"]["state"] == "closed"'
out=$(ctl hazard "$H" 2>&1)
check "the written-off hazard keeps its file" "$out" \
	sh -c 'echo "$0" | grep -A3 "^FILES" | grep -q "photo.jpg"' "$out"

pub t/gas-2 '{"gas_lel": 30}'
wait_for '[ -n "$(hid gas-2)" ]' 10 || fail "second gas hazard raised" "none"
H2=$(hid gas-2)
pub t/gas-2 '{"gas_lel": 0}'
wait_for "[ \"\$(db \"SELECT cleared_at_ms > 0 FROM hazards WHERE id='$H2'\")\" = 1 ]" 10
r=$(hz submit hazard_id="$H2" who=wang.fitter note="hose replaced" 'files=[{"name":"a.jpg","data":"/9j/"}]') || true
reply_check "platform submit with files: refused (local side only)" "$r" \
	'r["ok"] is False and "files" in r["error"]'

out=$($PY "$E2E/schema_check.py" "$REC_OUT" "$TOP/docs/schema" 2>&1); rc=$?
check "every upstream message is schema-valid, the chunks included" "${out:0:600}" \
	sh -c '[ "$0" = 0 ] && echo "$1" | grep -q "\"evidence\": 5" && echo "$1" | grep -q "WRONG_EVIDENCE_REJECTED True"' "$rc" "$out"

kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
