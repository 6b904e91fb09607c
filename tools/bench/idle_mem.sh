#!/usr/bin/env bash
# tools/bench/idle_mem.sh BUILD_DIR [REPS]: hazardd's idle footprint with
# scenario 4's config (2,000 gas detectors, half native, half zigbee2mqtt,
# heartbeat_s 3600), its local and upstream mosquitto on free loopback
# ports; once with the web console and alerts off, once with both on (a
# console on a free port, one webhook to a loopback address that is never
# called).  Each run is read IDLE_S seconds after the control socket
# answers: VmRSS, RssAnon, RssFile from /proc/PID/status, Pss from
# smaps_rollup (KiB).  Prints one line per run and the medians per case;
# MEMMAP=1 also prints tools/bench/memmap.py of every run's process;
# STATE=1 how much of its per-device rule state is resident
# (tools/bench/state_pages.sh).  READINGS=N has loadgen send N normal
# readings (scenario 1's payloads, the devices in turn) once hazardd is
# up, before the idle wait: READINGS=2000 is every device heard once.
# For docs/benchmarks.md, "Where the memory goes".
set -u
[ $# -ge 1 ] || { echo "usage: tools/bench/idle_mem.sh BUILD_DIR [REPS]" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd) || exit 2
REPS=${2:-3}
: "${DEVICES:=2000}" "${IDLE_S:=6}" "${CASES:=off on}"
HAZARDD=${HAZARDD:-$BUILD/hazardd}
HAZARDCTL=${HAZARDCTL:-$BUILD/hazardctl}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-mem.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
broker() {      # broker NAME: a mosquitto on a free port; sets PORT_<NAME>
	local port i
	port=$(free_port)
	{
		echo "listener $port 127.0.0.1"
		echo "allow_anonymous true"
		echo "max_queued_messages 10000000"
		echo "log_dest file $W/broker-$1.log"
		[ "$(id -u)" -eq 0 ] && echo "user root"
	} >"$W/broker-$1.conf"
	mosquitto -c "$W/broker-$1.conf" >>"$W/broker-$1.out" 2>&1 &
	PIDS+=($!)
	printf -v "PORT_$1" '%s' "$port"
	for i in $(seq 100); do
		(: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "broker $1 did not start" >&2
	exit 1
}
# gen CFG DIR CASE: scenario 4's config; CASE "on" adds a console and a webhook
gen() {
	$PY - "$@" "$PORT_local" "$PORT_up" "$DEVICES" "$(free_port)" <<'EOF'
import json, sys
f, d, case, lp, up, n, hp = sys.argv[1:8]
fmt = lambda i: "zigbee2mqtt" if i % 2 else "native"
cfg = {"gateway": {"id": "gw-bench", "district": "bench"},
       "storage": {"path": d + "/hz.db"},
       "local": {"uri": "tcp://127.0.0.1:" + lp},
       "upstream": {"uris": ["tcp://127.0.0.1:" + up], "telemetry_interval_s": 1},
       "control": {"socket": d + "/ctl.sock"},
       "log": {"level": "warn"},
       "sites": [{"id": "s1", "kind": "restaurant"}],
       "devices": [{"id": "d%d" % i, "kind": "gas_detector", "site": "s1",
                    "topic": "t/d%d" % i, "format": fmt(i), "heartbeat_s": 3600}
                   for i in range(int(n))]}
if case == "on":
    cfg["http"] = {"listen": "127.0.0.1:" + hp}
    cfg["alerts"] = {"webhooks": [{"id": "ops", "type": "json",
                                   "url": "http://127.0.0.1:9/hook"}]}
json.dump(cfg, open(f, "w"), indent=1)
EOF
}
kib() { awk -v k="$2:" '$1 == k { print $2 }' "$1"; }

broker local
broker up
for c in $CASES; do
	for r in $(seq "$REPS"); do
		d=$W/$c-$r
		mkdir -p "$d"
		gen "$d/hz.json" "$d" "$c"
		"$HAZARDD" -c "$d/hz.json" >>"$d/hazardd.log" 2>&1 &
		pid=$!
		PIDS+=($pid)
		for _ in $(seq 1000); do
			"$HAZARDCTL" --socket "$d/ctl.sock" --json status 2>/dev/null |
				grep -q '"connected": *true' && break
			kill -0 $pid 2>/dev/null || { echo "hazardd exited:" >&2; tail -5 "$d/hazardd.log" >&2; exit 1; }
			sleep 0.02
		done
		[ "${READINGS:-0}" -gt 0 ] && "$BUILD/loadgen" --format mixed -p "$PORT_local" \
			-n "$DEVICES" -N "$READINGS" --no-ts >"$d/loadgen.json"
		sleep "$IDLE_S"
		[ "${READINGS:-0}" -gt 0 ] && echo "accepted: $("$HAZARDCTL" --socket "$d/ctl.sock" \
			--json status | grep -o '"accepted": *[0-9]*' | head -1 | grep -o '[0-9]*$')"
		st=/proc/$pid/status
		printf '%s %s VmRSS %s RssAnon %s RssFile %s Pss %s\n' "$c" "$r" \
			"$(kib $st VmRSS)" "$(kib $st RssAnon)" "$(kib $st RssFile)" \
			"$(kib /proc/$pid/smaps_rollup Pss)" | tee -a "$W/runs"
		[ "${MEMMAP:-0}" = 1 ] && $PY "$TOP/tools/bench/memmap.py" $pid
		[ "${STATE:-0}" = 1 ] && bash "$TOP/tools/bench/state_pages.sh" $pid
		kill $pid
		wait $pid 2>/dev/null
	done
done
# the median of each figure per case
$PY - "$W/runs" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    w = line.split()
    rows.setdefault(w[0], []).append({w[i]: int(w[i + 1]) for i in range(2, len(w), 2)})
for case, runs in rows.items():
    print("median, console and alerts %s (%d runs): %s" % (case, len(runs), " ".join(
        "%s %d" % (k, statistics.median(r[k] for r in runs)) for k in runs[0])))
EOF
