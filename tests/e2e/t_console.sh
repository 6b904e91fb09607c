#!/usr/bin/env bash
# t_console.sh: the web console in a real browser (docs/console.md).  Real
# brokers and hazardd with http.listen on a free loopback port, users made
# with `hazardctl user add --password-stdin`, then tests/browser/console.js
# drives Debian's chromium through playwright-core: an owner signs in, a
# gas alarm published on the local broker is on the open page within 2 s,
# is acknowledged and verified there, its hazard and timeline are shown;
# the owner of the other site sees none of it; the installer's
# commissioning page lists an unknown sender and live readings.
#
# Runs in the normal half of `make test` only: under ASan the daemon is
# several times slower and the browser's 2 s bounds would measure the
# sanitizer, not the console (the API itself is tested in both halves by
# t_http_api.sh).  CONSOLE_SHOTS=DIR also writes the screenshots
# (`make screenshots`).
source "$(dirname "$0")/lib.sh"

BROWSER_DIR=$TOP/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if grep -q __asan_init "$HAZARDD" 2>/dev/null; then
	echo "SKIP: the browser test runs in the normal build's half of make test only"
	trap - EXIT; rm -rf "$T"; exit 77
fi
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then
	echo "SKIP: no $CHROMIUM or node (make deps installs them as root)"
	trap - EXIT; rm -rf "$T"; exit 77
fi
# playwright-core, pinned by package-lock.json (never a browser download)
if [ ! -f "$BROWSER_DIR/node_modules/.installed" ]; then
	make -s -C "$TOP" browser-deps >"$T/npm.log" 2>&1 ||
		{ fail "npm ci in tests/browser" "$(tail -n 3 "$T/npm.log" | tr '\n' ' ')"; exit 1; }
fi

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
HTTP_PORT=$(free_port)
# gas-1 (site-1) reports often enough for a chart; chg-1 is site-2's
write_config "$T/hazardd.json" "http={\"listen\": \"127.0.0.1:$HTTP_PORT\"}" <<'EOF2'
{"id": "gas-1", "kind": "gas_detector"}
{"id": "smoke-1", "kind": "smoke_alarm"}
{"id": "chg-1", "kind": "ebike_charger"}
EOF2
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
check "the console listens on 127.0.0.1:$HTTP_PORT" "port closed" wait_for "port_open $HTTP_PORT" 5

PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
add_user() {
	printf '%s\n' "$PASSWORD" | ctl user add "$@" --password-stdin >>"$T/users.log" 2>&1
}
check "hazardctl user add: owner of site-1" "$(tail -n 2 "$T/users.log" 2>/dev/null)" \
	add_user owner-a --role owner --site site-1 --lang en
check "hazardctl user add: owner of site-2" "$(tail -n 2 "$T/users.log" 2>/dev/null)" \
	add_user owner-b --role owner --site site-2 --lang en
check "hazardctl user add: installer" "$(tail -n 2 "$T/users.log" 2>/dev/null)" \
	add_user inst --role installer --lang zh
check "hazardctl user add: grid worker" "$(tail -n 2 "$T/users.log" 2>/dev/null)" \
	add_user grid --role grid_worker --lang en

PUB=$($PY -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \
	-h 127.0.0.1 -p "$PORT_local" "${LOCAL_PUB_AUTH[@]}")
CONSOLE_URL=http://127.0.0.1:$HTTP_PORT CONSOLE_PASSWORD=$PASSWORD \
OWNER_A=owner-a OWNER_B=owner-b INSTALLER=inst GRID=grid PUB=$PUB CHROMIUM=$CHROMIUM \
NODE_PATH=$BROWSER_DIR/node_modules CONSOLE_SHOTS=${CONSOLE_SHOTS:-} \
	timeout "$([ -n "${CONSOLE_SHOTS:-}" ] && echo 900 || echo 300)" \
	node "$BROWSER_DIR/console.js" >"$T/browser.out" 2>&1
rc=$?
# the script's PASS/FAIL lines are this test's
cat "$T/browser.out"
N_PASS=$((N_PASS + $(grep -c '^PASS: ' "$T/browser.out")))
N_FAIL=$((N_FAIL + $(grep -c '^FAIL: ' "$T/browser.out")))
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$T/browser.out"; then
	fail "the browser test ran to its end" "exit $rc"
fi
check "hazardd still running after the browser test" "it exited" hz_alive
