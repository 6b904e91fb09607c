#!/usr/bin/env bash
# t_ondemand.sh: OpenSSL only when a feature needs it (daemon/io/ossl.c,
# daemon/io/paho.c), read from the running daemon's /proc/PID/maps.
# Plain links, no command key, no evidence: Paho's build without OpenSSL,
# and neither libssl nor libcrypto mapped.  The first evidence file maps
# libcrypto (and hashes right); a command key maps it at start-up; a TLS
# local broker maps Paho's TLS build and libssl, and the intake session
# and the device commands' link both connect over TLS.
source "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }

maps_has() { grep -q "$1" "/proc/$HZ_PID/maps"; }
maps_lacks() { ! grep -q "$1" "/proc/$HZ_PID/maps"; }

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

DEVS='{"id": "gas-1", "kind": "gas_detector", "rules": {"hold_s": 0}}'

# ---- 1. nothing that needs OpenSSL
write_config "$T/plain.json" \
	'records={"normal_before_submit_h": 0, "evidence_max_bytes": 300000}' <<<"$DEVS"
start_hazardd "$T/plain.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "plain: upstream connected" "never connected"
check "plain: Paho's build without OpenSSL is loaded" "not in maps" maps_has libpaho-mqtt3a.so
check "plain: not Paho's TLS build" "libpaho-mqtt3as mapped" maps_lacks libpaho-mqtt3as
check "plain: no libssl" "libssl mapped" maps_lacks /libssl.so
check "plain: no libcrypto" "libcrypto mapped" maps_lacks /libcrypto.so

# ---- 2. the first evidence file loads libcrypto for its SHA-256
$PY -c '
import os, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"\xff\xd8\xff\xe0" + os.urandom(20 * 1024 - 4))' "$T/photo.jpg"
SHA=$(sha256sum "$T/photo.jpg" | cut -d' ' -f1)
hid() { db "SELECT id FROM hazards WHERE kind='hazard' AND device='gas-1' ORDER BY raised_at_ms DESC LIMIT 1"; }
pub t/gas-1 '{"gas_lel": 30}'
wait_for '[ -n "$(hid)" ]' 10 || { fail "gas hazard raised" "none"; exit 1; }
H=$(hid)
pub t/gas-1 '{"gas_lel": 0}'
wait_for "[ \"\$(db \"SELECT cleared_at_ms > 0 FROM hazards WHERE id='$H'\")\" = 1 ]" 10 ||
	fail "the gas clears" "no normal_since"
ctl rectifying "$H" --note "hose ordered" --actor fitter-7 >/dev/null 2>&1
check "still no libcrypto before any evidence" "libcrypto mapped" maps_lacks /libcrypto.so
out=$(ctl submit "$H" --note "hose replaced" --evidence "$T/photo.jpg" --actor fitter-7 2>&1)
check "evidence submitted" "$out" \
	test "$(db "SELECT state FROM hazards WHERE id='$H'")" = submitted
check "evidence: its SHA-256 is the file's" "$(db 'SELECT sha256 FROM evidence_files')" \
	test "$(db 'SELECT sha256 FROM evidence_files')" = "$SHA"
check "evidence: libcrypto now mapped" "not in maps" maps_has /libcrypto.so
check "evidence: libssl still not" "libssl mapped" maps_lacks /libssl.so
kill_hazardd

# ---- 3. a command key: libcrypto at start-up
new_command_key "$T/cmd.key"
write_config "$T/key.json" "upstream.command_key_file=\"$T/cmd.key\"" \
	"storage.path=\"$T/key.db\"" <<<"$DEVS"
start_hazardd "$T/key.json" || { fail "hazardd starts with a command key" "see the log"; exit 1; }
check "command key: libcrypto mapped at start-up" "not in maps" maps_has /libcrypto.so
check "command key: no libssl" "libssl mapped" maps_lacks /libssl.so
check "command key: Paho without OpenSSL" "libpaho-mqtt3as mapped" maps_lacks libpaho-mqtt3as
kill_hazardd

# ---- 4. a TLS local broker: Paho's TLS build and libssl
P=$T/pki
mkdir -p "$P"
mkkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
mkkey "$P/ca.key"
openssl req -x509 -new -key "$P/ca.key" -subj "/CN=ca" -days 2 -out "$P/ca.crt" 2>/dev/null
mkkey "$P/server.key"
openssl req -new -key "$P/server.key" -subj "/CN=localhost" -out "$P/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' >"$P/server.ext"
openssl x509 -req -in "$P/server.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial \
	-days 2 -extfile "$P/server.ext" -out "$P/server.crt" 2>/dev/null
chmod 0644 "$P"/*
[ -s "$P/server.crt" ] || { fail pki "openssl could not make certificates"; exit 1; }
PORT_tls=$(free_port)
{
	echo "listener $PORT_tls 127.0.0.1"
	echo "cafile $P/ca.crt"
	echo "certfile $P/server.crt"
	echo "keyfile $P/server.key"
	echo "allow_anonymous true"
	echo "log_dest stderr"
	[ "$(id -u)" -eq 0 ] && echo "user root"
} >"$T/broker-tls.conf"
"${GUARD[@]}" mosquitto -c "$T/broker-tls.conf" >>"$T/broker-tls.log" 2>&1 &
BG_PIDS+=($!)
wait_for "port_open $PORT_tls" 10 || { fail setup "TLS broker"; exit 1; }

# local.uri has no CA of its own: the system's trust store, which OpenSSL
# (the intake's and Paho's alike) takes from SSL_CERT_FILE when it is set
write_config "$T/tls.json" "local.uri=\"ssl://localhost:$PORT_tls\"" \
	"local.username-" "local.password_file-" "storage.path=\"$T/tls.db\"" <<<"$DEVS"
export SSL_CERT_FILE=$P/ca.crt
start_hazardd "$T/tls.json" || { fail "hazardd starts with a TLS local broker" "see the log"; exit 1; }
unset SSL_CERT_FILE
check "TLS local: the intake session subscribes over TLS" "not subscribed" \
	wait_for '[ "$(status_get "s[\"local\"][\"session\"][\"subscribed\"]")" = true ]' 10
check "TLS local: the device commands' link connects over TLS" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"session\"][\"commands_connected\"]")" = true ]' 10
check "TLS local: Paho's TLS build" "not in maps" maps_has libpaho-mqtt3as.so
check "TLS local: libssl mapped" "not in maps" maps_has /libssl.so
mosquitto_pub -h localhost -p "$PORT_tls" --cafile "$P/ca.crt" -q 1 -t t/gas-1 \
	-m '{"gas_lel": 30}' 2>>"$T/broker-tls.log"
check "TLS local: a reading over TLS raises the alarm" "no alarm" \
	wait_for "[ \"\$(sqlite3 -batch -noheader 'file:$T/tls.db?mode=ro' \
		\"SELECT count(*) FROM hazards WHERE device='gas-1'\")\" -ge 1 ]" 10
kill_hazardd
