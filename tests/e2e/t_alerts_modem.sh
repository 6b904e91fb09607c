#!/usr/bin/env bash
# t_alerts_modem.sh: alerts by SMS and voice over the gateway's 4G module
# (docs/alerts.md), against the modem emulator (modemsim.py on a
# pseudo-terminal), which decodes every PDU independently of the driver:
#   - a gas alarm -> an SMS to the owner within 10 s, decoded to the
#     expected Chinese text (the one the alerts table holds);
#   - no acknowledgement -> the second contact (the safety manager) called;
#   - acknowledgement -> nothing more;
#   - the upstream link cut -> an SMS is still sent;
#   - the emulator removed (unplugged) -> the sends fail and are retried;
#     restored -> the alert is delivered after it returns;
#   - the database full (its page ceiling filled by a second connection, as
#     t_diskfull.sh does without root) -> the SMS is sent from memory.
source "$(dirname "$0")/lib.sh"
source "$E2E/modemsim.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }
modemsim_start m || exit 1

OWNER=+8613800000001
SAFETY=+8613800000002
write_config "$T/hazardd.json" \
	"sites=[{\"id\": \"site-1\", \"kind\": \"restaurant\", \"name\": \"老王家常菜\", \"address\": \"东大路1号\", \"people\": [
	  {\"id\": \"li\", \"name\": \"Li\", \"role\": \"owner\", \"phone\": \"$OWNER\"},
	  {\"id\": \"wang\", \"name\": \"Wang\", \"role\": \"safety_manager\", \"phone\": \"$SAFETY\"}]}]" \
	"summary.timezone=\"Asia/Shanghai\"" "storage.max_mb=1" \
	"alerts={\"modem\": {\"device\": \"$T/m.tty\", \"timeout_ms\": 2000, \"ring_s\": 1},
	 \"rules\": [{\"kind\": \"alarm\", \"channels\": [\"sms\", \"voice\"],
	   \"to\": [\"owner\", \"safety_manager\"], \"escalate_after_min\": 0.1, \"max_rounds\": 2}]}" <<'EOF'
{"id": "gas-1", "kind": "gas_detector"}
{"id": "gas-2", "kind": "gas_detector"}
{"id": "gas-3", "kind": "gas_detector"}
{"id": "gas-4", "kind": "gas_detector"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10

# alarm_id DEVICE: its alarm's id, once recorded (10 s)
alarm_id() {
	wait_for "[ -n \"\$(db \"SELECT id FROM hazards WHERE kind='alarm' AND device='$1'\")\" ]" 10
	db "SELECT id FROM hazards WHERE kind='alarm' AND device='$1'"
}
sms_to() { modemsim_count m 'e["event"] == "sms" and e["to"] == a[0] and a[1] in e["text"]' "$1" "$2"; }
calls_to() { modemsim_count m 'e["event"] == "call" and e["to"] == a[0]' "$1"; }

# ------------------------------------------------------------ SMS in Chinese
t0=$(now_ms)
pub t/gas-1 '{"gas": true, "gas_lel": 62}'
A1=$(alarm_id gas-1)
check "a gas alarm is recorded" "none" [ -n "$A1" ]
check "an SMS to the owner within 10 s" "$(tail -n 3 "$T/m.log")" \
	wait_for "[ \"\$(sms_to '$OWNER' gas-1)\" -ge 1 ]" 10
info "SMS decoded by the emulator $(($(now_ms) - t0)) ms after the alarm was published"
db "SELECT text FROM alerts WHERE record_id='$A1' AND channel='sms' AND contact='li' AND round=1" >"$T/want.txt"
check "the alerts table holds the text" "$(cat "$T/want.txt")" \
	grep -q '^【燃气泄漏报警】老王家常菜（东大路1号） gas-1 .*请立即处置并确认$' "$T/want.txt"
check "the SMS decodes to exactly that Chinese text (UCS-2)" "$(modemsim_count m 'e["event"] == "sms"') sms; want $(cat "$T/want.txt")" \
	modemsim_has m 'e["event"] == "sms" and e["dcs"] == "ucs2" and e["text"] == open(a[0], encoding="utf-8").read().rstrip("\n")' "$T/want.txt"
check "the owner is called too" "$(calls_to "$OWNER") calls" \
	wait_for "[ \"\$(calls_to '$OWNER')\" -ge 1 ]" 10

# ------------------------------------------------------------ escalation
check "not acknowledged: the second contact is called" "$(calls_to "$SAFETY") calls" \
	wait_for "[ \"\$(calls_to '$SAFETY')\" -ge 1 ]" 20
check "and texted" "$(sms_to "$SAFETY" gas-1) sms" \
	wait_for "[ \"\$(sms_to '$SAFETY' gas-1)\" -ge 1 ]" 10
check "the timeline: alert_sent by sms and voice" \
	"$(db "SELECT detail FROM hazard_events WHERE hazard_id='$A1' AND event LIKE 'alert%'" | tr '\n' ' ')" \
	[ "$(db "SELECT count(*) FROM hazard_events WHERE hazard_id='$A1' AND event='alert_sent' AND (detail LIKE 'voice to wang%' OR detail LIKE 'sms to li%')")" -ge 2 ]

# ------------------------------------------------------------ ack
ctl ack "$A1" >/dev/null 2>&1
wait_for "[ \"\$(db \"SELECT count(*) FROM alerts WHERE record_id='$A1' AND state='pending'\")\" = 0 ]" 10
n1=$(modemsim_count m 'e["event"] in ("sms", "call")')
sleep 8
check "acknowledged: nothing more" "$n1 before, $(modemsim_count m 'e["event"] in ("sms", "call")') after 8 s" \
	[ "$(modemsim_count m 'e["event"] in ("sms", "call")')" = "$n1" ]

# ------------------------------------------------------------ upstream cut
stop_broker up
pub t/gas-2 '{"gas": true, "gas_lel": 70}'
A2=$(alarm_id gas-2)
check "upstream cut: the SMS is still sent" "$(tail -n 3 "$T/m.log")" \
	wait_for "[ \"\$(sms_to '$OWNER' gas-2)\" -ge 1 ]" 10
check "upstream cut: the link is down" "$(status_get 's["upstream"]')" \
	[ "$(status_get 's["upstream"]["connected"]')" = false ]
ctl ack "$A2" >/dev/null 2>&1
wait_for "[ \"\$(db \"SELECT count(*) FROM alerts WHERE record_id='$A2' AND state='pending'\")\" = 0 ]" 15

# ------------------------------------------------------------ unplugged, restored
modemsim_ctl m unplug
pub t/gas-3 '{"gas": true, "gas_lel": 70}'
A3=$(alarm_id gas-3)
check "unplugged: the attempts fail (alert_failed on the timeline)" \
	"$(db "SELECT detail FROM hazard_events WHERE hazard_id='$A3'" | tail -n 2 | tr '\n' ' ')" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazard_events WHERE hazard_id='$A3' AND event='alert_failed'\")\" -ge 1 ]" 15
check "unplugged: nothing reached the module" "" [ "$(sms_to "$OWNER" gas-3)" = 0 ]
modemsim_ctl m replug
check "restored: the SMS is delivered after it returns" "$(tail -n 3 "$T/m.log")" \
	wait_for "[ \"\$(sms_to '$OWNER' gas-3)\" -ge 1 ]" 40
check "restored: alert_sent after the failures" "$(db "SELECT event FROM hazard_events WHERE hazard_id='$A3'" | tr '\n' ' ')" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazard_events WHERE hazard_id='$A3' AND event='alert_sent' AND detail LIKE 'sms to li, round 1%'\")\" = 1 ]" 10
ctl ack "$A3" >/dev/null 2>&1
wait_for "[ \"\$(db \"SELECT count(*) FROM alerts WHERE record_id='$A3' AND state='pending'\")\" = 0 ]" 15

# ------------------------------------------------------------ database full
"${GUARD[@]}" $PY - "$T/hazardd.db" 1 "$T/space-back" "$T/filled" >"$T/filler.log" 2>&1 <<'PYEOF' &
import os, sqlite3, sys, time
path, max_mb, stop, filled = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
db = sqlite3.connect(path, timeout=10, isolation_level=None)
page = db.execute("PRAGMA page_size").fetchone()[0]
db.execute("PRAGMA max_page_count = %d" % (max_mb * 1048576 // page))
db.execute("CREATE TABLE IF NOT EXISTS test_filler (b BLOB)")
def fill():
    for size in (65536, 4096, 512, 64):
        while True:
            try:
                db.execute("INSERT INTO test_filler VALUES (zeroblob(?))", (size,))
            except sqlite3.OperationalError as e:
                if "full" in str(e):
                    break
                time.sleep(0.02)
fill()
open(filled, "w").write("full\n")
while not os.path.exists(stop):
    fill()
    time.sleep(0.1)
while True:
    try:
        db.execute("DROP TABLE test_filler")
        break
    except sqlite3.OperationalError:
        time.sleep(0.05)
print("dropped", flush=True)
PYEOF
BG_PIDS+=($!)
wait_for "[ -s '$T/filled' ]" 20 || fail "fill the database's page ceiling" "$(cat "$T/filler.log")"
# readings that need new pages: the database is full for the alarm too
$PY -c 'import json
for i in range(3000):
    print(json.dumps({"topic": "t/gas-4", "payload": {"gas_lel": 1 + i % 5, "battery": 90}}))' >"$T/burst.jsonl"
pubpy --file "$T/burst.jsonl" >/dev/null 2>&1
wait_for "grep -q 'messages not stored' '$HZ_LOG'" 20
pub t/gas-4 '{"gas": true, "gas_lel": 70}'
check "database full: the SMS is sent from memory" "$(tail -n 3 "$T/m.log"; grep -c 'alerting from memory\|not recorded' "$HZ_LOG")" \
	wait_for "[ \"\$(sms_to '$OWNER' gas-4)\" -ge 1 ]" 15
check "database full: commits failed meanwhile" "$(grep -c 'not stored' "$HZ_LOG") log lines" \
	grep -q 'messages not stored' "$HZ_LOG"
touch "$T/space-back"
wait_for "grep -q dropped '$T/filler.log'" 20 || fail "drop the filler table" "$(cat "$T/filler.log")"
A4=$(alarm_id gas-4)
check "space back: the alarm is recorded" "none" [ -n "$A4" ]
n4=$(sms_to "$OWNER" gas-4)
ctl ack "$A4" >/dev/null 2>&1
sleep 8
check "space back: ack stops it" \
	"$n4 then $(sms_to "$OWNER" gas-4) SMS to the owner about gas-4" [ "$(sms_to "$OWNER" gas-4)" = "$n4" ]
check "the alarm written after the failed commit sends nothing twice" \
	"$(modemsim_count m 'e["event"] == "sms" and "gas-4" in e["text"] and "再次提醒" not in e["text"]') first-round SMS about gas-4" \
	[ "$(modemsim_count m 'e["event"] == "sms" and "gas-4" in e["text"] and "再次提醒" not in e["text"]')" = 1 ]
check "no PDU the module would refuse" "" [ "$(modemsim_count m 'e["event"] == "bad_pdu"')" = 0 ]
check "hazardd is alive" "exited" hz_alive
kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
echo "$N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
