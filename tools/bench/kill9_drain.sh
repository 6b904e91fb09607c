#!/usr/bin/env bash
# tools/bench/kill9_drain.sh BUILD_DIR [N] [KILL_AFTER_S]: does a kill -9
# lose readings the local broker already handed to hazardd?
#
# A backlog of N readings (40000) waits in the local broker for hazardd's
# persistent session; hazardd starts draining it and gets kill -9 after
# KILL_AFTER_S (1.0) s, then starts again and drains the rest.  Every
# reading the broker delivered before the kill should be on disk or come
# again (QoS 1, persistent session): N distinct readings on disk at the end.
set -u
BUILD=$(cd "${1:?usage: kill9_drain.sh BUILD_DIR [N] [KILL_AFTER_S]}" && pwd)
N=${2:-40000}
KILL_AFTER=${3:-1.0}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-k9.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	[ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT

port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
LP=$(port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 10000000\n%s\n' \
	"$LP" "$([ "$(id -u)" -eq 0 ] && echo 'user root')" >"$W/b.conf"
mosquitto -c "$W/b.conf" >"$W/b.log" 2>&1 &
PIDS+=($!)
sleep 0.5
$PY - "$W" "$LP" <<'EOF'
import json, sys
w, lp = sys.argv[1:]
json.dump({"gateway": {"id": "gw-k9", "district": "k9"},
           "storage": {"path": w + "/hz.db"},
           "local": {"uri": "tcp://127.0.0.1:" + lp},
           "upstream": {"uris": ["tcp://127.0.0.1:9"]},
           "control": {"socket": w + "/ctl.sock"}, "log": {"level": "warn"},
           "sites": [{"id": "s1", "kind": "restaurant"}],
           "devices": [{"id": "d%d" % i, "kind": "gas_detector", "site": "s1",
                        "topic": "t/d%d" % i, "heartbeat_s": 0} for i in range(1000)]},
          open(w + "/hz.json", "w"))
EOF
status() { "$BUILD/hazardctl" --socket "$W/ctl.sock" --json status 2>/dev/null; }
start() {
	"$BUILD/hazardd" -c "$W/hz.json" 2>>"$W/hz.log" &
	HZ=$!
	PIDS+=($HZ)
}
start
until status | grep -q '"connected": *true'; do sleep 0.05; done
sleep 0.5
kill -TERM "$HZ"; wait "$HZ"
"$BUILD/loadgen" -p "$LP" -n 1000 -N "$N" --tag >/dev/null
start
sleep "$KILL_AFTER"
kill -KILL "$HZ"; wait "$HZ" 2>/dev/null
before=$(sqlite3 "$W/hz.db" 'SELECT count(*) FROM readings')
start
last=-1
# drained when the count stops moving for 3 s
while :; do
	sleep 3
	n=$(sqlite3 "$W/hz.db" 'SELECT count(*) FROM readings')
	[ "$n" = "$last" ] && break
	last=$n
done
kill -TERM "$HZ"; wait "$HZ"
n=$(sqlite3 "$W/hz.db" 'SELECT count(*) FROM readings')
# loadgen --tag numbers every message in energy_kwh: redelivered copies
# (at least once) count once
u=$(sqlite3 "$W/hz.db" "SELECT count(DISTINCT json_extract(data, '$.energy_kwh')) FROM readings")
echo "$N sent, $before rows at the kill, $n rows at the end ($((n - u)) redelivered copies), $u distinct, $((N - u)) lost"
