#!/usr/bin/env bash
# t_alerts_webhook.sh: alerts to people through group-chat robots
# (docs/alerts.md), against a local HTTPS receiver (webhook_recv.py) with a
# test CA made here by openssl, trusted through the webhooks' ca_file.
#   - a gas alarm reaches the WeCom and the DingTalk robot within 10 s,
#     with their bodies' shapes, the owner named, and DingTalk's signature
#     recomputed and checked by the receiver;
#   - not acknowledged: round 2 (escalate_after_min 0.05: 3 s) names the
#     safety manager; every attempt is an alert_sent event on the alarm's
#     timeline and upstream (no phone number in it);
#   - hazardctl ack: nothing more;
#   - the receiver down: attempts fail (alert_failed, alert_channel_fault);
#     hazardd restarted with the alert pending, the receiver back: each
#     send delivered once, not twice; the fault clears;
#   - hazardctl alert test answers what happened; status shows the health.
source "$(dirname "$0")/lib.sh"

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

# ------------------------------------------------------------ a test CA
(
	cd "$T" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=hazardd e2e test CA" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
		-subj "/CN=127.0.0.1" 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' >srv.ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out srv.pem -days 2 -extfile srv.ext 2>/dev/null
) || { fail setup "openssl could not make the test CA"; exit 1; }
SECRET="SEC0123456789abcdef-e2e"
printf '%s\n' "$SECRET" >"$T/dingtalk.secret"
chmod 600 "$T/dingtalk.secret"

RECV_LOG=$T/webhooks.jsonl
RECV_PID=
# start_recv [PORT]: the receiver on PORT (0: a free one, into $RPORT)
start_recv() {
	rm -f "$T/recv.port"
	"${GUARD[@]}" $PY "$E2E/webhook_recv.py" --port "${1:-0}" --port-file "$T/recv.port" \
		--cert "$T/srv.pem" --key "$T/srv.key" --log "$RECV_LOG" --secret "$SECRET" \
		>>"$T/recv.log" 2>&1 &
	RECV_PID=$!
	BG_PIDS+=($RECV_PID)
	wait_for "[ -s '$T/recv.port' ]" 10 && RPORT=$(cat "$T/recv.port")
}
start_recv 0 || { fail setup "webhook receiver"; exit 1; }

# posts PYEXPR: how many received posts p satisfy it (p: the log line)
posts() {
	$PY -c 'import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        p = json.loads(line)
    except ValueError:
        continue
    b = p.get("body") or {}
    text = (b.get("text") or {}).get("content", "") if isinstance(b.get("text"), dict) else b.get("text", "")
    men = ((b.get("text") or {}).get("mentioned_mobile_list") if p["path"] == "/wecom"
           else (b.get("at") or {}).get("atMobiles")) or []
    if eval(sys.argv[2]):
        n += 1
print(n)' "$RECV_LOG" "$1" 2>/dev/null || echo 0
}

OWNER=+8613800000001
SAFETY=+8613800000002
GRID=13800000003
write_config "$T/hazardd.json" \
	"sites=[{\"id\": \"site-1\", \"kind\": \"restaurant\", \"name\": \"老王家常菜\", \"address\": \"东大路1号\", \"people\": [
	  {\"id\": \"li\", \"name\": \"Li\", \"role\": \"owner\", \"phone\": \"$OWNER\"},
	  {\"id\": \"wang\", \"name\": \"Wang\", \"role\": \"safety_manager\", \"phone\": \"$SAFETY\"},
	  {\"id\": \"zhao\", \"name\": \"Zhao\", \"role\": \"grid_worker\", \"phone\": \"$GRID\"}]}]" \
	"summary.timezone=\"Asia/Shanghai\"" \
	"alerts={\"webhooks\": [
	  {\"id\": \"wecom\", \"type\": \"wecom\", \"url\": \"https://127.0.0.1:$RPORT/wecom?key=k\", \"ca_file\": \"$T/ca.pem\", \"timeout_s\": 3},
	  {\"id\": \"ding\", \"type\": \"dingtalk\", \"url\": \"https://127.0.0.1:$RPORT/dingtalk?access_token=t\", \"secret_file\": \"$T/dingtalk.secret\", \"ca_file\": \"$T/ca.pem\", \"timeout_s\": 3}],
	 \"rules\": [{\"kind\": \"alarm\", \"channels\": [\"webhook:wecom\", \"webhook:ding\"],
	   \"to\": [\"owner\", \"safety_manager\", \"grid_worker\"], \"escalate_after_min\": 0.05, \"max_rounds\": 3}]}" <<'EOF'
{"id": "gas-1", "kind": "gas_detector"}
{"id": "gas-2", "kind": "gas_detector"}
EOF
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "local broker connected" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10

# ------------------------------------------------------------ alarm -> both robots
t0=$(now_ms)
pub t/gas-1 '{"gas": true, "gas_lel": 62}'
check "a gas alarm is recorded" "$(db "SELECT id, state FROM hazards WHERE device='gas-1'")" \
	wait_for "[ -n \"\$(db \"SELECT id FROM hazards WHERE kind='alarm' AND device='gas-1'\")\" ]" 10
A1=$(db "SELECT id FROM hazards WHERE kind='alarm' AND device='gas-1'")
check "WeCom: round 1 within 10 s, naming the owner, the danger and the site" "$(tail -c 600 "$RECV_LOG" 2>/dev/null)" \
	wait_for "[ \"\$(posts 'p[\"path\"] == \"/wecom\" and \"$OWNER\" in men and \"燃气泄漏\" in text and \"老王家常菜\" in text and \"gas-1\" in text')\" -ge 1 ]" 10
info "first WeCom post $(($(now_ms) - t0)) ms after the alarm was published"
check "DingTalk: round 1 within 10 s, signature recomputed and valid" "$(grep dingtalk "$RECV_LOG" | head -c 600)" \
	wait_for "[ \"\$(posts 'p[\"path\"] == \"/dingtalk\" and p[\"sign_ok\"] is True and \"$OWNER\" in men and \"燃气泄漏\" in text')\" -ge 1 ]" 10
check "every body had its robot's shape" "$(posts 'bool(p["problems"])') with problems" \
	[ "$(posts 'bool(p["problems"])')" = 0 ]
check "the text fits one SMS (70 characters)" "$(posts 'len(text) > 70') longer" \
	[ "$(posts 'len(text) > 70')" = 0 ]

# ------------------------------------------------------------ escalation
check "not acknowledged: round 2 names the safety manager (WeCom)" "$(posts 'True') posts" \
	wait_for "[ \"\$(posts 'p[\"path\"] == \"/wecom\" and \"$SAFETY\" in men and \"再次提醒\" in text')\" -ge 1 ]" 10
check "the timeline holds alert_sent events (webhook, contact, round)" \
	"$(db "SELECT event, detail FROM hazard_events WHERE hazard_id='$A1'" | tail -5)" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazard_events WHERE hazard_id='$A1' AND event='alert_sent' AND detail LIKE 'webhook:wecom to wang, round 2%'\")\" = 1 ]" 5
check "upstream: alert_sent events of the alarm with channel, contact and round" \
	"$(rec_py 'print([r.get("alert") for r in al if r["event"].startswith("alert")][:3])')" \
	wait_for "rec_py 'sys.exit(0 if any(r[\"event\"] == \"alert_sent\" and r[\"alarm_id\"] == sys.argv[3] and r[\"alert\"][\"channel\"] == \"webhook:ding\" and r[\"alert\"][\"contact\"] == \"li\" and r[\"alert\"][\"round\"] == 1 for r in al) else 1)' '$A1'" 10
check "no phone number upstream" "found" \
	sh -c "! grep -q -e '$OWNER' -e '$SAFETY' -e '$GRID' '$REC_OUT'"

# ------------------------------------------------------------ ack stops it
ctl ack "$A1" >/dev/null 2>&1
check "hazardctl ack" "$(db "SELECT state FROM hazards WHERE id='$A1'")" \
	[ "$(db "SELECT acked_at_ms > 0 FROM hazards WHERE id='$A1'")" = 1 ]
sleep 1
N_ACK=$(posts 'True')
sleep 7         # round 3 was due 6 s after the raise
N_AFTER=$(posts 'True')
check "acknowledged: nothing more is posted" "$N_ACK posts at the ack, $N_AFTER 7 s later" \
	[ "$N_ACK" = "$N_AFTER" ]
check "acknowledged: no row left pending" "$(db "SELECT round, channel, state FROM alerts WHERE record_id='$A1'" | tr '\n' ' ')" \
	[ "$(db "SELECT count(*) FROM alerts WHERE record_id='$A1' AND state='pending'")" = 0 ]
check "acknowledged: round 3 cancelled" "$(db "SELECT round, channel, state FROM alerts WHERE record_id='$A1'" | tr '\n' ' ')" \
	[ "$(db "SELECT count(*) FROM alerts WHERE record_id='$A1' AND round=3 AND state='cancelled'")" = 2 ]

# ------------------------------------------------------------ a test press pages nobody
N0=$(posts 'True')
pub t/gas-1 '{"gas": false, "gas_lel": 0}'
sleep 1
pub t/gas-1 '{"gas": true, "gas_lel": 30, "test": true}'
sleep 4
check "a test press pages nobody" "$(($(posts 'True') - N0)) posts" [ "$(posts 'True')" = "$N0" ]
pub t/gas-1 '{"gas": false, "gas_lel": 0, "test": false}'

# ------------------------------------------------------------ restart with an alert pending
kill "$RECV_PID" 2>/dev/null
wait_gone "$RECV_PID" 5
N0=$(posts 'True')
pub t/gas-2 '{"gas": true, "gas_lel": 70}'
check "receiver down: an alarm on gas-2" "none" \
	wait_for "[ -n \"\$(db \"SELECT id FROM hazards WHERE kind='alarm' AND device='gas-2'\")\" ]" 10
A2=$(db "SELECT id FROM hazards WHERE kind='alarm' AND device='gas-2'")
check "receiver down: the attempts fail, on the timeline as alert_failed" \
	"$(db "SELECT event, detail FROM hazard_events WHERE hazard_id='$A2'" | tail -3)" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazard_events WHERE hazard_id='$A2' AND event='alert_failed'\")\" -ge 2 ]" 15
check "a channel that keeps failing is a fault (alert_channel_fault)" \
	"$(db "SELECT type, state FROM hazards WHERE kind='fault'")" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE type='alert_channel_fault' AND state='active'\")\" = 1 ]" 20
# status_true EXPR: EXPR over `hazardctl --json status` holds (d)
status_true() { ctl --json status | jtrue "$1"; }
check "status: the channel's failures and last error" "$(ctl --json status | jpy 'd.get("alerts")')" \
	status_true 'd["alerts"]["channels"]["webhook:wecom"]["failures"] >= 1 and d["alerts"]["channels"]["webhook:wecom"]["last_error"]'
check "still pending in the table" "$(db "SELECT round, channel, state, attempts FROM alerts WHERE record_id='$A2'" | tr '\n' ' ')" \
	[ "$(db "SELECT count(*) FROM alerts WHERE record_id='$A2' AND round=1 AND state='pending'")" = 2 ]
kill_hazardd
check "hazardd stopped cleanly" "exit $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
start_recv "$RPORT" || fail "receiver back" "did not start"
start_hazardd "$T/hazardd.json" || { fail "hazardd restarts" "see the log"; exit 1; }
check "after the restart: round 1 for gas-2 delivered" "$(posts '"gas-2" in text')" \
	wait_for "[ \"\$(posts 'p[\"path\"] == \"/wecom\" and \"gas-2\" in text and \"$OWNER\" in men and \"再次提醒\" not in text')\" -ge 1 ]" 15
# every round (1..3) is due by now; let the retries settle
wait_for "[ \"\$(db \"SELECT count(*) FROM alerts WHERE record_id='$A2' AND state='pending'\")\" = 0 ]" 30
sleep 2
dup=$($PY -c 'import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    p = json.loads(line)
    b = p["body"]
    t = b["text"]["content"]
    if "gas-2" not in t:
        continue
    m = b["text"].get("mentioned_mobile_list") if p["path"] == "/wecom" else b["at"]["atMobiles"]
    c[(p["path"], tuple(m or []), "再次提醒" in t)] += 1
print(" ".join("%s:%d" % (k, v) for k, v in c.items() if v > 1))' "$RECV_LOG")
check "each send of gas-2 delivered once, not twice" "duplicates: $dup" [ -z "$dup" ]
check "all of gas-2's sends marked sent" "$(db "SELECT round, channel, state FROM alerts WHERE record_id='$A2'" | tr '\n' ' ')" \
	[ "$(db "SELECT count(*) FROM alerts WHERE record_id='$A2' AND state='sent'")" = 6 ]
check "the channel works again: alert_channel_fault cleared" \
	"$(db "SELECT type, state FROM hazards WHERE type='alert_channel_fault'")" \
	wait_for "[ \"\$(db \"SELECT count(*) FROM hazards WHERE type='alert_channel_fault' AND state='active'\")\" = 0 ]" 10
ctl ack "$A2" >/dev/null 2>&1

# ------------------------------------------------------------ hazardctl alert test
out=$(ctl alert test wang --channel webhook:wecom 2>&1)
check "hazardctl alert test: sent" "$out" sh -c "echo '$out' | grep -q sent"
check "the test reached the robot, marked as a test" "$(tail -1 "$RECV_LOG" | head -c 400)" \
	[ "$(posts 'p["path"] == "/wecom" and "测试" in text and "'"$SAFETY"'" in men')" -ge 1 ]
out=$(ctl alert test nobody 2>&1)
check "hazardctl alert test: an unknown contact is refused" "$out" \
	sh -c "echo '$out' | grep -q 'no contact or site person nobody'"
check "status: the channel's last success" "$(ctl --json status | jpy 'd.get("alerts")')" \
	status_true 'd["alerts"]["channels"]["webhook:wecom"]["failures"] == 0 and d["alerts"]["channels"]["webhook:wecom"]["last_ok"]'
check "hazardd is alive" "exited" hz_alive
kill_hazardd
check "clean exit" "status $HZ_EXIT" [ "$HZ_EXIT" = 0 ]
echo "$N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
