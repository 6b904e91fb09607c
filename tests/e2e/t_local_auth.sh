#!/usr/bin/env bash
# t_local_auth.sh: the gateway's broker with passwords.  hazardd without
# credentials warns at start (and a broker that refuses anonymous clients
# keeps it out); with local.username and local.password_file it connects to
# that broker and does not warn; an anonymous publisher is refused by the
# broker, so it cannot forge a reading.
source "$(dirname "$0")/lib.sh"

start_broker up || { fail setup "upstream broker"; exit 1; }
# the local broker: passwords only (lib.sh's brokers are anonymous)
PORT_local=$(free_port)
mosquitto_passwd -b -c "$T/passwd" hazardd s3cret-h >/dev/null 2>&1
mosquitto_passwd -b "$T/passwd" gas-1 s3cret-d >/dev/null 2>&1
chmod 0600 "$T/passwd"
{
	echo "listener $PORT_local 127.0.0.1"
	echo "allow_anonymous false"
	echo "password_file $T/passwd"
	echo "log_dest stderr"
	[ "$(id -u)" -eq 0 ] && echo "user root"
} >"$T/auth.conf"
"${GUARD[@]}" mosquitto -c "$T/auth.conf" >>"$T/broker-auth.log" 2>&1 &
BG_PIDS+=($!)
wait_for "port_open $PORT_local" 10 || { fail setup "password broker"; exit 1; }

write_config "$T/anon.json" <<EOF2
{"id": "gas-1", "kind": "gas_detector"}
EOF2
start_hazardd "$T/anon.json" || { fail "hazardd starts" "see the log"; exit 1; }
sleep 1.5
check "without credentials: the start-up warns" "no warning in the log" \
	grep -q "local broker tcp://127.0.0.1:$PORT_local: connecting without credentials" "$HZ_LOG"
st=$(status_get 's["local"]["connected"]')
check "without credentials: the password broker keeps it out" "connected: $st" [ "$st" = false ]
kill_hazardd

printf 's3cret-h\n' >"$T/local.pass"
chmod 0600 "$T/local.pass"
write_config "$T/auth.json" local.username='"hazardd"' \
	local.password_file="\"$T/local.pass\"" <<EOF2
{"id": "gas-1", "kind": "gas_detector"}
EOF2
MARK=$(wc -l <"$HZ_LOG")
start_hazardd "$T/auth.json" || { fail "hazardd starts with credentials" "see the log"; exit 1; }
check "with credentials: connected to the password broker" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
check "with credentials: no warning" "warned" \
	bash -c "! tail -n +$MARK '$HZ_LOG' | grep -q 'connecting without credentials'"
check "the password is not in the log" "found" bash -c "! grep -q s3cret '$HZ_LOG'"

# an anonymous client cannot publish a forged reading; the device's user can
if mosquitto_pub -h 127.0.0.1 -p "$PORT_local" -q 1 -t t/gas-1 -m '{"gas":true}' 2>/dev/null; then
	fail "an anonymous publisher is refused by the broker" "it published"
else
	pass "an anonymous publisher is refused by the broker"
fi
sleep 1
n=$(ctl --json alarms 2>/dev/null | jpy 'len(d)')
check "nothing was raised by the refused publisher" "alarms: ${n:-?}" [ "${n:-x}" = 0 ]
mosquitto_pub -h 127.0.0.1 -p "$PORT_local" -q 1 -u gas-1 -P s3cret-d -t t/gas-1 -m '{"gas":true}'
check "the device's own user raises its alarm" "no alarm" \
	wait_for '[ "$(ctl --json alarms 2>/dev/null | jpy "len(d)")" = 1 ]' 10
