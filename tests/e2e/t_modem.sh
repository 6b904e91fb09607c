#!/usr/bin/env bash
# t_modem.sh: the modem driver (drivers/io/modem*.c) against the emulated
# 4G module (modemsim.py on a pseudo-terminal), through its test helper
# (build/tests/modem_cli, one handle for the whole run).  The emulator
# decodes every PDU on its own, so a text is checked as the phone would
# show it: Chinese intact, long messages in parts and joined, an emoji
# across a part boundary; +CMS ERROR, BUSY, NO CARRIER, NO ANSWER as the
# module says them; unplug -> "open", replug -> the same handle works; a
# module that says nothing -> "timeout" within its bound; a SIM PIN given
# once and never retried when refused.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E/modemsim.sh"

: "${BUILD_DIR:=$TOP/build}"
CLI=$BUILD_DIR/tests/modem_cli
[ -x "$CLI" ] || { fail "modem_cli built" "no $CLI (make unit)"; exit 1; }
TMO=1500                        # the driver's per-command timeout here
TO="+8613800138000"
CLI_PID=

# cli_start DEVICE [TIMEOUT_MS [PIN]]: a fresh helper (one modem handle).
cli_start() {
	cli_stop
	rm -f "$T/cli.in" "$T/cli.out"
	mkfifo "$T/cli.in" "$T/cli.out"
	"${GUARD[@]}" "$CLI" "$@" <"$T/cli.in" >"$T/cli.out" 2>>"$T/cli.err" &
	CLI_PID=$!
	BG_PIDS+=("$CLI_PID")
	exec 7>"$T/cli.in" 8<"$T/cli.out"
}
cli_stop() {
	[ -n "$CLI_PID" ] || return 0
	echo quit >&7
	exec 7>&- 8<&-
	wait_gone "$CLI_PID" 5 || kill -KILL "$CLI_PID" 2>/dev/null
	CLI_PID=
}
# mc CMD...: one command; its answer in RN (result), RMS (ms), RMSG.
mc() {
	local line
	RN=noreply RMS=0 RMSG=
	echo "$*" >&7
	read -r -t 90 line <&8 || return 1
	read -r _ RN RMS RMSG <<<"$line"
}
# expect NAME RESULT CMD...: the command's result is RESULT.
expect() {
	local name=$1 want=$2; shift 2
	mc "$@"
	if [ "$RN" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "got $RN ($RMSG) after $RMS ms, want $want"
	fi
}
sms_text_is() {     # the emulator decoded an SMS to $TO with exactly FILE's text and N parts
	modemsim_has m 'e["event"] == "sms" and e["text"] == open(a[0], encoding="utf-8").read().rstrip("\n") and e["parts"] == int(a[1])' "$1" "$2"
}

modemsim_start m || exit 1
DEV=$T/m.tty
cli_start "$DEV" "$TMO"

# ---------------------------------------------------------------- set-up
expect "probe: the module answers" ok probe
check "set-up: ATE0, AT+CMEE=1, AT+CPIN?, AT+CMGF=0 in that order" "$(grep -o '"cmd": "[^"]*"' "$T/m.log" | head -5 | tr '\n' ' ')" \
	modemsim_has m '[x["cmd"] for x in map(__import__("json").loads, open(a[0])) if x["event"] == "at"][:5] == ["ATE0", "AT+CMEE=1", "AT+CPIN?", "AT+CMGF=0", "AT"]' "$T/m.log"

# ---------------------------------------------------------------- SMS
printf '%s\n' '【燃气报警】川味小馆 厨房燃气浓度 25%LEL，阀门已关闭。请立即处理！' >"$T/zh.txt"
t0=$(now_ms)
expect "Chinese SMS: sent" ok smsfile "$TO" "$T/zh.txt"
if wait_for "sms_text_is '$T/zh.txt' 1" 10; then
	pass "Chinese SMS: decoded by the emulator to the same text, one UCS-2 part ($(( $(now_ms) - t0 )) ms)"
else
	fail "Chinese SMS: decoded to the same text" "$(tail -n 3 "$T/m.log")"
fi
check "Chinese SMS: UCS-2, one unit a character" "$(grep -m1 sms_part "$T/m.log")" \
	modemsim_has m 'e["event"] == "sms_part" and e["dcs"] == "ucs2" and e["units"] == len(open(a[0], encoding="utf-8").read().rstrip("\n"))' "$T/zh.txt"

# 150 Chinese characters: 67 + 67 + 16 units
$PY -c 'print("厨房燃气泄漏报警" * 18 + "请立即开窗通风。", end="")' >"$T/long.txt"
expect "long Chinese SMS: sent" ok smsfile "$TO" "$T/long.txt"
check "long Chinese SMS: three parts, joined to the same text" "$(tail -n 2 "$T/m.log")" sms_text_is "$T/long.txt" 3

# 7-bit: 300 characters with escape-table ones -> 2 parts of <= 153 septets
$PY -c 'print(("Gas alarm {kitchen} [25%LEL] valve closed ~ call 110 | " * 6)[:300], end="")' >"$T/long7.txt"
expect "long 7-bit SMS: sent" ok smsfile "$TO" "$T/long7.txt"
check "long 7-bit SMS: parts joined to the same text, GSM 7-bit" "$(tail -n 2 "$T/m.log")" \
	modemsim_has m 'e["event"] == "sms" and e["dcs"] == "gsm7" and e["text"] == open(a[0]).read()' "$T/long7.txt"

# an emoji (a surrogate pair) where part 1 would end: kept whole
$PY -c 'print("火" * 66 + "🔥" + "请撤离", end="")' >"$T/emoji.txt"
expect "emoji at a part boundary: sent" ok smsfile "$TO" "$T/emoji.txt"
check "emoji at a part boundary: 2 parts, no part cut inside the pair, same text" "$(tail -n 3 "$T/m.log")" \
	sms_text_is "$T/emoji.txt" 2
check "emoji at a part boundary: no PDU the emulator refused" "$(grep bad_pdu "$T/m.log" | head -2)" \
	test "$(modemsim_count m 'e["event"] == "bad_pdu"')" = 0

expect "national number: sent" ok sms 10086 test message
check "national number: type 0x81, digits as given" "" modemsim_has m 'e["event"] == "sms" and e["to"] == "10086"'

n_at=$(modemsim_count m 'e["event"] == "at"')
expect "bad number: refused before the port" invalid sms "+86-abc" hello
expect "invalid UTF-8: refused" invalid sms "$TO" $'\xff\xfe'
check "refused texts: nothing sent to the module" "" test "$(modemsim_count m 'e["event"] == "at"')" = "$n_at"

# ---------------------------------------------------------------- errors
modemsim_ctl m "cms 500"
expect "+CMS ERROR: reported as cms" cms smsfile "$TO" "$T/zh.txt"
check "+CMS ERROR: the message names the part and the code" "$RMSG" \
	eval '[[ "$RMSG" == *"part 1/1"*"+CMS ERROR: 500"* ]]'
modemsim_ctl m normal "cms_part 2 331"
n3=$(modemsim_count m 'e["event"] == "sms_part" and e["seq"] == 3')
expect "+CMS ERROR on part 2 of 3: cms" cms smsfile "$TO" "$T/long.txt"
check "+CMS ERROR on part 2 of 3: says part 2/3" "$RMSG" eval '[[ "$RMSG" == *"part 2/3"*"331"* ]]'
check "+CMS ERROR on part 2 of 3: part 3 not sent" "$(grep sms_part "$T/m.log" | tail -n 3)" \
	test "$(modemsim_count m 'e["event"] == "sms_part" and e["seq"] == 3')" = "$n3"
modemsim_ctl m normal
expect "after +CMS ERROR: the next SMS goes through" ok smsfile "$TO" "$T/zh.txt"

modemsim_ctl m "sim_absent on"
mc probe
check "SIM absent: the handle stays usable; AT still OK" "$RN $RMSG" test "$RN" = ok
modemsim_ctl m "unplug" "replug" "sim_absent on"
expect "SIM absent at set-up: cme" cme probe
check "SIM absent: +CME ERROR: 10 said" "$RMSG" eval '[[ "$RMSG" == *"+CME ERROR: 10"* ]]'
modemsim_ctl m "sim_absent off"
expect "SIM back: ok" ok probe

# garbage, NULs, unsolicited lines and RING around every answer
modemsim_ctl m "noise on"
expect "noise: probe" ok probe
expect "noise: Chinese SMS sent" ok smsfile "$TO" "$T/zh.txt"
check "noise: decoded intact" "" test "$(modemsim_count m 'e["event"] == "sms" and e["text"] == open(a[0], encoding="utf-8").read().rstrip("\n")' "$T/zh.txt")" = 3
modemsim_ctl m "call busy"
expect "noise: busy still seen" busy call "$TO" 5
modemsim_ctl m "noise off" "call ok"

# ---------------------------------------------------------------- voice
modemsim_ctl m "call busy"
expect "call: BUSY after OK -> busy" busy call "$TO" 5
modemsim_ctl m "call busy_final"
expect "call: BUSY instead of OK -> busy" busy call "$TO" 5
modemsim_ctl m "call nocarrier"
expect "call: NO CARRIER -> no_carrier" no_carrier call "$TO" 5
modemsim_ctl m "call noanswer"
expect "call: NO ANSWER -> no_answer" no_answer call "$TO" 5
modemsim_ctl m "call ok"
expect "call: rings, hung up after ring_s -> ok" ok call "$TO" 2
check "call: rang about 2 s ($RMS ms)" "$RMS ms" test "$RMS" -ge 1900 -a "$RMS" -le 3500
check "call: hung up (ATH) and dialled as voice (';')" "" \
	modemsim_has m 'e["event"] == "call" and e["mode"] == "ok" and e["hung_up"] and e["to"] == a[0]' "$TO"
modemsim_ctl m "call answer"
expect "call: answered -> ok" ok call "$TO" 1
check "call: says answered" "$RMSG" eval '[[ "$RMSG" == answered* ]]'
modemsim_ctl m "call answer_hangup"
expect "call: answered then hung up by the callee -> ok" ok call "$TO" 5
check "call: callee's hang-up ends the wait early ($RMS ms)" "$RMS" test "$RMS" -lt 3000
modemsim_ctl m "call silent"
expect "call: no progress from the module at all, ATH answered -> ok" ok call "$TO" 1
modemsim_ctl m "call ok_late"
expect "call: NO CARRIER after the hang-up -> ok" ok call "$TO" 1
expect "a late NO CARRIER is not the next command's answer" ok smsfile "$TO" "$T/zh.txt"
modemsim_ctl m "call ok"
expect "call: bad number refused" invalid call "12ab" 5

# the module resets behind the open port (echo on, text mode, RDY)
expect "before a module reset: probe" ok probe
modemsim_ctl m reboot
expect "after a module reset: SMS in PDU mode again -> ok" ok smsfile "$TO" "$T/zh.txt"

# ---------------------------------------------------------------- one user
mc probe
second=$(printf 'probe\nquit\n' | timeout 20 "$CLI" "$DEV" "$TMO" 2>&1)
check "a second handle on the port in use: open, in use" "$second" \
	eval '[[ "$second" == "RESULT open "*"in use"* ]]'
expect "the first handle goes on" ok probe

# ---------------------------------------------------------------- unplug
modemsim_ctl m unplug
expect "unplugged: probe -> open" open probe
check "unplugged: fails fast ($RMS ms)" "$RMS" test "$RMS" -lt 500
expect "unplugged: SMS -> open" open smsfile "$TO" "$T/zh.txt"
modemsim_ctl m replug
expect "replugged: probe on the same handle -> ok" ok probe
expect "replugged: SMS on the same handle -> ok" ok smsfile "$TO" "$T/zh.txt"
# unplugged and back between two calls: the stale port is noticed
modemsim_ctl m unplug replug
expect "unplugged and back between calls: SMS -> ok" ok smsfile "$TO" "$T/zh.txt"
check "every Chinese SMS that was accepted arrived" "" \
	test "$(modemsim_count m 'e["event"] == "sms" and e["text"] == open(a[0], encoding="utf-8").read().rstrip("\n")' "$T/zh.txt")" = 7

# ---------------------------------------------------------------- silence
modemsim_ctl m silent
expect "silent module: probe -> timeout" timeout probe
check "silent module: within the bound ($RMS ms, timeout $TMO)" "$RMS" test "$RMS" -ge $((TMO - 100)) -a "$RMS" -le $((TMO + 1000))
expect "silent module: again, on a re-opened port -> timeout" timeout probe
check "silent module: again within the bound ($RMS ms)" "$RMS" test "$RMS" -le $((TMO + 1000))
modemsim_ctl m normal silent_cmgs
mc nettimeout 2000
expect "network never answers +CMGS: timeout" timeout smsfile "$TO" "$T/zh.txt"
check "network never answers: within its bound ($RMS ms)" "$RMS" test "$RMS" -le 3500
modemsim_ctl m normal
mc nettimeout 0
expect "answering again: SMS -> ok" ok smsfile "$TO" "$T/zh.txt"
cli_stop

# ---------------------------------------------------------------- no device
cli_start "$T/absent.tty" "$TMO"
expect "no such device: open" open probe
check "no such device: names the path" "$RMSG" eval '[[ "$RMSG" == *absent.tty* ]]'
cli_stop

# ---------------------------------------------------------------- SIM PIN
modemsim_start p --pin 1234 || exit 1
cli_start "$T/p.tty" "$TMO" 1234
expect "SIM PIN: the configured PIN unlocks it" ok probe
check "SIM PIN: sent once" "" test "$(modemsim_count p 'e["event"] == "pin_ok"')" = 1
expect "SIM PIN: SMS after unlocking" ok sms "$TO" "PIN ok"
cli_stop
modemsim_ctl p unplug replug
cli_start "$T/p.tty" "$TMO" 9999
expect "wrong PIN: cme" cme probe
check "wrong PIN: said so" "$RMSG" eval '[[ "$RMSG" == *refused* ]]'
expect "wrong PIN: again cme" cme probe
expect "wrong PIN: and again cme" cme probe
check "wrong PIN: offered once, never again (the SIM keeps 2 tries)" "" \
	test "$(modemsim_count p 'e["event"] == "pin_wrong"')" = 1
cli_start "$T/p.tty" "$TMO" '12"3'
expect "PIN not 4-8 digits: cme" cme probe
check "PIN not 4-8 digits: not sent" "$RMSG" \
	eval '[[ "$RMSG" == *"not sent"* ]] && [ "$(modemsim_count p '"'"'e["event"] == "at" and e["cmd"].startswith("AT+CPIN=")'"'"')" = 2 ]'
cli_start "$T/p.tty" "$TMO"
expect "PIN wanted, none configured: cme" cme probe
check "PIN wanted, none configured: said so" "$RMSG" eval '[[ "$RMSG" == *"none is configured"* ]]'
cli_stop

# ---------------------------------------------------------------- clean run
# (the ASan suite builds modem_cli with the sanitizers: a report, leaks at
# exit included, lands in cli.err; an emulator traceback in NAME.err)
check "no sanitizer report from the driver" "$(grep -m1 -E 'Sanitizer|runtime error' "$T/cli.err")" \
	test -z "$(grep -E 'Sanitizer|runtime error' "$T/cli.err")"
check "the emulators ran without an error" "$(cat "$T/m.err" "$T/p.err" | head -n 3)" \
	test ! -s "$T/m.err" -a ! -s "$T/p.err"
