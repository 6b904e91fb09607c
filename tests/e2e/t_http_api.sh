#!/usr/bin/env bash
# t_http_api.sh: the web console's JSON API (docs/http.md) over real
# brokers, with hazardd listening on a free loopback port.  Without a
# session every /api/ path is 401, an unknown one too; ten wrong passwords
# are throttled (429 with Retry-After); the owner of site-1 sees its alarm
# and not site-2's, and is refused (403) an action on site-2's record; a
# POST without the CSRF token is 403; ack and verify-alarm through the API
# are recorded with "web:NAME" as actor (hazardctl hazard ID); an
# oversized body is 413 and a malformed one 400, and the daemon still
# answers; a gas alarm published on the local broker reaches an open
# event stream within 2 s; hazardctl user add/del/list work and a deleted
# user's session stops working.
source "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || { fail setup "curl is not installed (tools/deps.sh)"; exit 1; }
start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
HPORT=$(free_port)
URL=http://127.0.0.1:$HPORT
write_config "$T/hazardd.json" "http={\"listen\": \"127.0.0.1:$HPORT\", \"users_file\": \"$T/users.json\"}" <<'EOF2'
{"id": "gas-1", "kind": "gas_detector"}
{"id": "gas-2", "kind": "gas_detector", "site": "site-2"}
EOF2
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }

# ---- accounts
adduser() { printf '%s\n' "$2" | ctl user add "$1" --password-stdin "${@:3}"; }
out=$(adduser alice pw-alice-1 --role owner --site site-1 2>&1)
check "user add: an owner of site-1" "$out" [ $? = 0 ]
adduser bob pw-bob-123 --role owner --site site-2 >/dev/null 2>&1
adduser gina pw-gina-123 --role grid_worker >/dev/null 2>&1
adduser carl pw-carl-123 --role caretaker --site site-1 >/dev/null 2>&1
out=$(ctl user list 2>&1)
check "user list names them with roles" "$out" \
	bash -c 'grep -q "^alice .*owner .*site-1" <<<"$1" && grep -q "^gina .*grid_worker" <<<"$1"' _ "$out"
check "users file is 0600" "$(stat -c %a "$T/users.json")" [ "$(stat -c %a "$T/users.json")" = 600 ]
out=$(adduser alice again-123 --role owner --site site-1 2>&1)
check "user add of an existing name is refused" "$out" [ $? != 0 ]
out=$(adduser zed pw-zed-1234 --role owner 2>&1)
check "an owner without a site is refused" "$out" [ $? != 0 ]

# code METHOD PATH [curl args...]: the status code
code() { curl -s -o "$T/body" -w '%{http_code}' -X "$1" "$URL$2" "${@:3}"; }

# ---- no session
for p in /api/alarms /api/devices /api/events /api/no/such/path /api/records/x/ack; do
	c=$(code GET "$p")
	check "no session: GET $p is 401" "$c" [ "$c" = 401 ]
done
c=$(code POST /api/records/x/ack -d '{}')
check "no session: POST an action is 401" "$c" [ "$c" = 401 ]
c=$(code GET /)
check "GET / serves the page" "$c" [ "$c" = 200 ]
h=$(curl -s -D - -o /dev/null "$URL/")
check "the page's headers: CSP and nosniff" "$h" \
	bash -c 'grep -qi "^content-security-policy: default-src .self." <<<"$1" && grep -qi "^x-content-type-options: nosniff" <<<"$1"' _ "$h"

# ---- login
login() {       # login USER PASS: cookie jar $T/jar-USER, csrf in CSRF_USER
	local c
	c=$(code POST /api/login -c "$T/jar-$1" -H 'Content-Type: application/json' \
		-d "{\"user\":\"$1\",\"password\":\"$2\"}")
	[ "$c" = 200 ] || return 1
	eval "CSRF_$1=$(jpy 'd["csrf"]' <"$T/body")"
}
login alice pw-alice-1
check "owner logs in" "$(cat "$T/body")" jtrue 'd["user"] == "alice" and d["role"] == "owner" and d["sites"] == ["site-1"] and len(d["csrf"]) == 64' <"$T/body"
check "the session cookie is HttpOnly and SameSite=Strict" "$(cat "$T/jar-alice")" grep -q "#HttpOnly_127.0.0.1.*hz_session" "$T/jar-alice"
h=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{"user":"gina","password":"pw-gina-123"}' "$URL/api/login")
check "Set-Cookie has SameSite=Strict, HttpOnly, Path=/" "$h" \
	bash -c 'grep -qi "^set-cookie: hz_session=[0-9a-f]\{64\}; HttpOnly; SameSite=Strict; Path=/" <<<"$1"' _ "$h"
login bob pw-bob-123
login gina pw-gina-123
c=$(code GET /api/me -b "$T/jar-alice")
check "GET /api/me with the session" "$c $(cat "$T/body")" jtrue 'd["user"] == "alice"' <"$T/body"

# ---- throttling
codes=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	codes="$codes $(code POST /api/login -D "$T/h$i" -H 'Content-Type: application/json' \
		-d '{"user":"carl","password":"wrong-password"}')"
done
check "ten wrong passwords: 401 then 429" "$codes" \
	bash -c '[[ "$1" == " 401 401 401 401 401 429"* ]]' _ "$codes"
check "429 says Retry-After" "$(cat "$T/h6")" grep -qi "^retry-after: [0-9]" "$T/h6"

# ---- an alarm at each site
pub t/gas-1 '{"gas": true, "gas_lel": 60}'
pub t/gas-2 '{"gas": true, "gas_lel": 60}'
wait_for '[ "$(db "SELECT count(*) FROM hazards WHERE kind='"'"'alarm'"'"'")" = 2 ]' 10 ||
	fail "two alarms raised" "$(db 'SELECT id, site FROM hazards')"
A1=$(db "SELECT id FROM hazards WHERE kind='alarm' AND site='site-1'")
A2=$(db "SELECT id FROM hazards WHERE kind='alarm' AND site='site-2'")
code GET /api/alarms -b "$T/jar-alice" >/dev/null
check "the owner of site-1 sees its alarm, not site-2's" "$(cat "$T/body")" \
	jtrue "[r['id'] for r in d['records']] == ['$A1']" <"$T/body"
code GET /api/alarms -b "$T/jar-gina" >/dev/null
check "the grid worker sees both" "$(cat "$T/body")" jtrue 'len(d["records"]) == 2' <"$T/body"
c=$(code GET "/api/records/$A1" -b "$T/jar-alice")
check "GET /api/records/ID: the record, its timeline and its trigger value" "$c $(cat "$T/body")" \
	jtrue 'd["id"] == "'"$A1"'" and len(d["events"]) >= 1 and any(r["value"] == 60 for r in d["readings"])' <"$T/body"
c=$(code GET "/api/records/$A2" -b "$T/jar-alice")
check "site-2's record to site-1's owner: 403" "$c" [ "$c" = 403 ]
c=$(code POST "/api/records/$A2/ack" -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice" -d '{}')
check "an action on site-2's record by site-1's owner: 403" "$c" [ "$c" = 403 ]
c=$(code POST "/api/records/$A1/ack" -b "$T/jar-alice" -d '{}')
check "POST without X-CSRF-Token: 403" "$c" [ "$c" = 403 ]
c=$(code POST "/api/records/$A1/ack" -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_bob" -d '{}')
check "POST with another session's token: 403" "$c" [ "$c" = 403 ]
c=$(code POST "/api/records/$A1/verify" -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice" -d '{"result":"pass","note":"x"}')
check "an owner may not re-inspect (verify): 403" "$c" [ "$c" = 403 ]
c=$(code GET /api/no/such -b "$T/jar-alice")
check "unknown path with a session: 404" "$c" [ "$c" = 404 ]

# ---- actions recorded as the user
c=$(code POST "/api/records/$A1/ack" -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice" -d '{"note":"on my way"}')
check "ack through the API" "$c $(cat "$T/body")" [ "$c" = 200 ]
c=$(code POST "/api/records/$A1/verify-alarm" -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice" \
	-d '{"verdict":"real","note":"smelled gas at the stove"}')
check "verify-alarm through the API" "$c $(cat "$T/body")" [ "$c" = 200 ]
out=$(ctl --json hazard "$A1" 2>&1)
check "the timeline shows web:alice as actor of both" "$out" \
	jtrue '[e.get("actor") for e in d["events"] if e.get("actor")].count("web:alice") >= 2' <<<"$out"
c=$(code POST "/api/records/$A1/ack" -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice" -d '{"note":"again"}')
check "a move the record does not allow now: 4xx with an error" "$c $(cat "$T/body")" \
	bash -c '[[ "$1" == 4* ]] && grep -q error "$2"' _ "$c" "$T/body"

# ---- bad requests
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
c=$(code POST "/api/records/$A1/ack" -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice" --data-binary @"$T/big")
check "a body over 64 KiB: 413" "$c" [ "$c" = 413 ]
c=$(code POST "/api/records/$A1/ack" -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice" -d '{"note": ')
check "malformed JSON: 400" "$c $(cat "$T/body")" [ "$c" = 400 ]
c=$(code POST /api/login -d 'not json')
check "malformed login: 400" "$c" [ "$c" = 400 ]
check "the daemon still answers" "" hz_alive
c=$(code GET /api/status -b "$T/jar-gina")
check "GET /api/status: links and counts" "$c $(cat "$T/body")" \
	jtrue 'd["links"]["local"] is True and "counts" in d' <"$T/body"
c=$(code GET /api/devices -b "$T/jar-alice")
check "GET /api/devices: the owner's devices only, with state" "$c $(cat "$T/body")" \
	jtrue '[x["id"] for x in d["devices"]] == ["gas-1"] and d["devices"][0]["state"] in ("online","offline","never_seen")' <"$T/body"
c=$(code GET /api/unknown -b "$T/jar-alice")
check "unknown senders: not for an owner (403)" "$c" [ "$c" = 403 ]

c=$(code GET /api/sites -b "$T/jar-alice")
check "GET /api/sites: the owner's site only, with its people" "$c $(cat "$T/body")" \
	jtrue '[s["id"] for s in d["sites"]] == ["site-1"] and "people" in d["sites"][0]' <"$T/body"
c=$(code GET /api/sites/site-2 -b "$T/jar-alice")
check "another site's page: 403" "$c" [ "$c" = 403 ]
c=$(code POST /api/selfcheck -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice" \
	-d '{"site":"site-1","items":{"gas_hose":"ok","detector_test":"ok","extinguisher":"ok","exits":"ok"}}')
check "POST /api/selfcheck" "$c $(cat "$T/body")" [ "$c" = 200 ]
c=$(code GET /api/sites/site-1 -b "$T/jar-alice")
check "GET /api/sites/ID: devices, people, open records, ledger, coverage, last self-inspection" \
	"$c $(cat "$T/body")" jtrue '[x["id"] for x in d["devices"]] == ["gas-1"] and "records" in d and "ledger" in d and "coverage" in d and d["last_selfcheck"] > 0' <"$T/body"
c=$(code GET /api/checklist?site=site-2 -b "$T/jar-alice")
check "another site's checklist: 403" "$c" [ "$c" = 403 ]
adduser ivan pw-ivan-123 --role installer >/dev/null 2>&1
login ivan pw-ivan-123
c=$(code GET /api/unknown -b "$T/jar-ivan")
check "unknown senders for the installer" "$c $(cat "$T/body")" jtrue '"unknown" in d' <"$T/body"
c=$(code GET /api/alarms -b "$T/jar-ivan")
check "records: not for the installer (403)" "$c" [ "$c" = 403 ]
c=$(code POST /api/outputs/none/test -b "$T/jar-ivan" -H "X-CSRF-Token: $CSRF_ivan" -d '{}')
check "test of an output that does not exist: 4xx from the operation" "$c $(cat "$T/body")" \
	bash -c '[[ "$1" == 4* ]] && [ "$1" != 403 ]' _ "$c"

# ---- Server-Sent Events
curl -s -N -b "$T/jar-alice" "$URL/api/events" >"$T/sse" 2>/dev/null &
SSE=$!; BG_PIDS+=($SSE)
wait_for 'grep -q "hazardd events" "$T/sse"' 5 || fail "event stream opens" "$(cat "$T/sse")"
pub t/gas-1 '{"gas": false, "gas_lel": 0}'
sleep 0.3
t0=$(now_ms)
pub t/gas-1 '{"gas": true, "gas_lel": 70}'
if wait_for 'grep -q "^event: record" "$T/sse"' 2; then
	pass "a gas alarm reaches the event stream within 2 s ($(( $(now_ms) - t0 )) ms)"
else
	fail "a gas alarm reaches the event stream within 2 s" "$(tail -c 400 "$T/sse")"
fi
check "the stream carries readings of the owner's device" "" grep -q '"device":"gas-1"' "$T/sse"
pub t/gas-2 '{"gas_lel": 3}'
sleep 0.5
check "nothing of site-2 on site-1's owner's stream" "" bash -c '! grep -q "gas-2" "$1"' _ "$T/sse"

# ---- a deleted user's session ends
c=$(code GET /api/me -b "$T/jar-bob")
check "bob's session works" "$c" [ "$c" = 200 ]
out=$(ctl user del bob 2>&1)
check "user del" "$out" [ $? = 0 ]
c=$(code GET /api/me -b "$T/jar-bob")
check "a deleted user's session: 401" "$c" [ "$c" = 401 ]
out=$(ctl user list 2>&1)
check "user list no longer names him" "$out" bash -c '! grep -q "^bob " <<<"$1"' _ "$out"
c=$(code POST /api/logout -b "$T/jar-alice" -H "X-CSRF-Token: $CSRF_alice")
check "logout: 204" "$c" [ "$c" = 204 ]
c=$(code GET /api/me -b "$T/jar-alice")
check "after logout: 401" "$c" [ "$c" = 401 ]
check "hazardd still running" "" hz_alive

# ---- TLS: the same console over HTTPS, the cookie Secure; a reload keeps it
kill_hazardd
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-keyout "$T/console.key" -out "$T/console.crt" >/dev/null 2>&1
chmod 600 "$T/console.key"
HPORT=$(free_port)
write_config "$T/hazardd-tls.json" "http={\"listen\": \"127.0.0.1:$HPORT\", \"users_file\": \"$T/users.json\", \"tls_cert_file\": \"$T/console.crt\", \"tls_key_file\": \"$T/console.key\"}" <<'EOF2'
{"id": "gas-1", "kind": "gas_detector"}
{"id": "gas-2", "kind": "gas_detector", "site": "site-2"}
EOF2
start_hazardd "$T/hazardd-tls.json" || { fail "hazardd starts with TLS" "see the log"; exit 1; }
h=$(curl -s -k -D - -o /dev/null -H 'Content-Type: application/json' \
	-d '{"user":"gina","password":"pw-gina-123"}' "https://127.0.0.1:$HPORT/api/login")
check "HTTPS login: the cookie is Secure" "$h" \
	bash -c 'grep -qi "^set-cookie: hz_session=.*; Secure" <<<"$1"' _ "$h"
c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/api/me")
check "plain HTTP on the TLS port gets no API answer" "$c" [ "$c" != 401 ]
ctl reload >/dev/null 2>&1
c=$(curl -s -k -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HPORT/api/me")
check "after a reload the console still answers" "$c" [ "$c" = 401 ]
write_config "$T/bad.json" "http={\"listen\": \"localhost:80\"}" </dev/null
out=$("$HAZARDD" --check-config -c "$T/bad.json" 2>&1)
check "a host name in http.listen is a config error" "$out" grep -q 'http.listen' <<<"$out"
write_config "$T/bad.json" "http={\"listen\": \"127.0.0.1:8080\", \"tls_cert_file\": \"/x\"}" </dev/null
out=$("$HAZARDD" --check-config -c "$T/bad.json" 2>&1)
check "a certificate without a key is a config error" "$out" grep -q 'tls_key_file' <<<"$out"
info "$N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
