#!/usr/bin/env bash
# t_tls.sh: the district link over mutual TLS against a real mosquitto.
# A valid CA, client certificate and hostname connect and deliver; a missing
# client certificate, an untrusted CA, a hostname mismatch and a TLS 1.1-only
# broker are all refused.  Plaintext to a host that is not local is refused
# by the config unless "allow_insecure" says so.
source "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }

# ---- a private CA, a server certificate for "localhost", a client certificate
P=$T/pki
mkdir -p "$P"
mkkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
mkca() {        # mkca NAME
	mkkey "$P/$1.key"
	openssl req -x509 -new -key "$P/$1.key" -subj "/CN=$1" -days 2 -out "$P/$1.crt" 2>/dev/null
}
mkcert() {      # mkcert NAME CA SAN
	mkkey "$P/$1.key"
	openssl req -new -key "$P/$1.key" -subj "/CN=$1" -out "$P/$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\n' "$3" >"$P/$1.ext"
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.crt" -CAkey "$P/$2.key" -CAcreateserial \
		-days 2 -extfile "$P/$1.ext" -out "$P/$1.crt" 2>/dev/null
}
mkca ca
mkca other-ca
mkcert server ca "DNS:localhost"
mkcert gw-e2e-01 ca "DNS:gw-e2e-01"
chmod 0644 "$P"/*
# the gateway's key is hazardd's secret: not readable by others, or refused
chmod 0600 "$P/gw-e2e-01.key"
[ -s "$P/server.crt" ] && [ -s "$P/gw-e2e-01.crt" ] || { fail pki "openssl could not make certificates"; exit 1; }

# start_tls_broker NAME [EXTRA_CONF_LINE...]: mosquitto requiring a client
# certificate signed by our CA.
start_tls_broker() {
	local name=$1 port conf=$T/broker-$1.conf pid
	shift
	port=$(free_port)
	{
		echo "listener $port 127.0.0.1"
		echo "cafile $P/ca.crt"
		echo "certfile $P/server.crt"
		echo "keyfile $P/server.key"
		echo "require_certificate true"
		echo "use_identity_as_username true"
		echo "allow_anonymous true"
		echo "log_dest stderr"
		for l in "$@"; do echo "$l"; done
		[ "$(id -u)" -eq 0 ] && echo "user root"
	} >"$conf"
	"${GUARD[@]}" mosquitto -c "$conf" >>"$T/broker-$name.log" 2>&1 &
	pid=$!
	echo "$pid" >"$T/broker-$name.pid"
	printf -v "PORT_$name" '%s' "$port"
	wait_for "port_open $port" 10
}

start_broker local || { fail setup "local broker"; exit 1; }
start_tls_broker up || { fail setup "TLS broker"; tail -5 "$T/broker-up.log"; exit 1; }

DEVS='{"id": "smoke-t", "kind": "smoke_alarm"}'

# run_case NAME URI CA CERT KEY: start hazardd with that upstream, wait until
# it connects or 6 s pass; sets r to "up" or "down" (not a subshell: the
# daemon's pid must stay with this script).
run_case() {
	local name=$1 uri=$2 ca=$3 cert=$4 key=$5
	write_config "$T/$name.json" "upstream.uris=[\"$uri\"]" \
		"upstream.ca_file=\"$ca\"" "upstream.cert_file=\"$cert\"" \
		"upstream.key_file=\"$key\"" "storage.path=\"$T/$name.db\"" <<<"$DEVS"
	r=nostart
	start_hazardd "$T/$name.json" || return 0
	if wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 6; then
		r=up
	else
		r=down
	fi
}

# ---- 1. mutual TLS with everything right: connects, and an alarm arrives
SUB_OUT=$T/tls-sub.txt
"${GUARD[@]}" mosquitto_sub -h localhost -p "$PORT_up" --cafile "$P/ca.crt" \
	--cert "$P/gw-e2e-01.crt" --key "$P/gw-e2e-01.key" -q 1 -t 'hz/v1/#' -v >"$SUB_OUT" 2>&1 &
BG_PIDS+=($!)
run_case good "ssl://localhost:$PORT_up" "$P/ca.crt" "$P/gw-e2e-01.crt" "$P/gw-e2e-01.key"
check "mutual TLS connects" "upstream.connected is $r" [ "$r" = up ]
pub t/smoke-t '{"smoke": true}'
if wait_for "grep -q '^hz/v1/e2edist/gw-e2e-01/alarm .*\"type\":\"smoke_alarm\"' '$SUB_OUT'" 10; then
	pass "alarm event delivered over TLS on .../alarm"
	check "the alarm over TLS is a v2 alarm event" "$(grep -m1 '/alarm ' "$SUB_OUT" | head -c 300)" \
		grep -q '/alarm {"v":2,.*"alarm_id":"[0-9a-f]*-A1","event":"raised"' "$SUB_OUT"
else
	fail "alarm event delivered over TLS" "nothing on the TLS subscriber: $(head -c 300 "$SUB_OUT")"
fi
check "outbox drained over TLS" "outbox not empty" \
	wait_for '[ "$(status_get "s[\"outbox_depth\"]")" = 0 ]' 10
kill_hazardd

# ---- 2. refusals: each must leave the link down (and the daemon running)
run_case nocert "ssl://localhost:$PORT_up" "$P/ca.crt" "" ""
check "no client certificate: refused" "upstream.connected is $r" [ "$r" = down ]
check "no client certificate: daemon still running" "hazardd exited" hz_alive
kill_hazardd

run_case wrongca "ssl://localhost:$PORT_up" "$P/other-ca.crt" "$P/gw-e2e-01.crt" "$P/gw-e2e-01.key"
check "untrusted server CA: refused" "upstream.connected is $r" [ "$r" = down ]
kill_hazardd

# the certificate names localhost only; 127.0.0.1 must not pass the check
run_case wronghost "ssl://127.0.0.1:$PORT_up" "$P/ca.crt" "$P/gw-e2e-01.crt" "$P/gw-e2e-01.key"
check "hostname mismatch: refused" "upstream.connected is $r" [ "$r" = down ]
kill_hazardd

# ---- 3. TLS 1.2 minimum: a server that speaks only TLS 1.1 (it accepts
# OpenSSL's weakest settings, so only the client can refuse) is refused.
cat >"$T/tls11srv.py" <<'PYEOF'
import socket, ssl, sys, warnings
warnings.simplefilter("ignore")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
ctx.minimum_version = ssl.TLSVersion.TLSv1_1
ctx.maximum_version = ssl.TLSVersion.TLSv1_1
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True)
        print("HANDSHAKE", t.version(), flush=True)
        t.close()
    except Exception as e:
        print("REFUSED", e, flush=True)
        c.close()
PYEOF
PORT_old=$(free_port)
"${GUARD[@]}" $PY "$T/tls11srv.py" "$PORT_old" "$P/server.crt" "$P/server.key" >"$T/tls11.log" 2>&1 &
BG_PIDS+=($!)
wait_for "port_open $PORT_old" 5
run_case tls11 "ssl://localhost:$PORT_old" "$P/ca.crt" "$P/gw-e2e-01.crt" "$P/gw-e2e-01.key"
check "TLS 1.1-only server: attempted" "no connection attempt reached it" \
	grep -q REFUSED "$T/tls11.log"
check "TLS 1.1-only server: no handshake" "$(grep -m1 HANDSHAKE "$T/tls11.log")" \
	eval '! grep -q HANDSHAKE "$T/tls11.log"'
kill_hazardd

# ---- 4. plaintext to a remote host: refused by the config, unless allowed
# (only --check-config: nothing connects to 192.0.2.1, a documentation address)
write_config "$T/plain.json" 'upstream.uris=["tcp://192.0.2.1:1883"]' <<<"$DEVS"
out=$("$HAZARDD" --check-config -c "$T/plain.json" 2>&1)
check "plaintext remote URI refused" "check-config accepted it: $out" \
	eval '! "$HAZARDD" --check-config -c "$T/plain.json" >/dev/null 2>&1'
check "refusal names the key and the way out" "message was: $out" \
	eval 'grep -q "upstream.uris\[0\].*allow_insecure" <<<"$out"'
write_config "$T/plain-ok.json" 'upstream.uris=["tcp://192.0.2.1:1883"]' \
	'upstream.allow_insecure=true' <<<"$DEVS"
check "allow_insecure accepts it" "still refused" \
	"$HAZARDD" --check-config -c "$T/plain-ok.json"
write_config "$T/plain-local.json" 'upstream.uris=["tcp://localhost:1883", "tcp://127.0.0.2:1883"]' <<<"$DEVS"
check "plaintext to loopback needs no flag" "refused" \
	"$HAZARDD" --check-config -c "$T/plain-local.json"
