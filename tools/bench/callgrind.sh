#!/usr/bin/env bash
# tools/bench/callgrind.sh BUILD_DIR [N]: instructions per reading.
#
# Wall-clock figures move with whatever else the machine is doing;
# instruction counts do not.  The set-up is scenario 1 of tools/bench.sh
# (1,000 devices, mixed native/zigbee2mqtt payloads without "ts", a backlog
# of N readings (20000) waiting in the local broker for hazardd's
# persistent session).  hazardd runs under valgrind --tool=callgrind twice:
# once draining the backlog and flushing its telemetry, once with nothing
# queued (start-up and shutdown alone).  Prints both totals, the difference
# divided by N (instructions per reading) and the top functions by
# inclusive cost; the callgrind files stay in $W (printed).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: callgrind.sh BUILD_DIR [N]}" && pwd)
N=${2:-20000}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-cg.XXXXXX")
. "$TOP/tools/bench/lib_drain.sh"
counter() { status | grep -o "\"$1\": *[0-9]*" | head -1 | grep -o '[0-9]*$'; }

LP=$(port); UP=$(port)
broker "$LP"; broker "$UP"
$PY - "$W" "$LP" "$UP" <<'EOF'
import json, sys
w, lp, up = sys.argv[1:]
fmt = lambda i: "zigbee2mqtt" if i % 2 else "native"
json.dump({"gateway": {"id": "gw-cg", "district": "cg"},
           "storage": {"path": w + "/hz.db"},
           "local": {"uri": "tcp://127.0.0.1:" + lp},
           "upstream": {"uris": ["tcp://127.0.0.1:" + up], "telemetry_interval_s": 1},
           "control": {"socket": w + "/ctl.sock"}, "log": {"level": "warn"},
           "sites": [{"id": "s1", "kind": "restaurant"}],
           "devices": [{"id": "d%d" % i, "kind": "gas_detector", "site": "s1",
                        "topic": "t/d%d" % i, "format": fmt(i), "heartbeat_s": 0}
                       for i in range(1000)]},
          open(w + "/hz.json", "w"))
EOF

# run NAME COUNT: hazardd under callgrind until COUNT readings are accepted
# and every stored reading has gone into telemetry, then a clean stop
run() {
	local name=$1 count=$2 pid seq max
	valgrind --tool=callgrind --callgrind-out-file="$W/cg.$name" \
		"$BUILD/hazardd" -c "$W/hz.json" 2>>"$W/hz-$name.log" &
	pid=$!; PIDS+=($pid)
	until status | grep -q '"connected": *true'; do sleep 0.2; done
	until [ "$(counter accepted)" = "$count" ]; do sleep 0.2; done
	while :; do
		seq=$(sqlite3 "$W/hz.db" "SELECT value FROM meta WHERE key = 'telemetry_seq'" 2>/dev/null)
		max=$(sqlite3 "$W/hz.db" "SELECT coalesce(max(seq), 0) FROM readings" 2>/dev/null)
		[ "${seq:-0}" = "${max:-x}" ] && break
		sleep 0.5
	done
	kill -TERM $pid; wait $pid
}
total() { grep -m1 '^summary:' "$W/cg.$1" | awk '{ print $2 }'; }
# incl RUN FUNCTION: inclusive instructions of a function of hazardd
incl() {
	callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$W/cg.$1" 2>/dev/null |
		grep -m1 -E "[:/]$2 \[.*hazardd\]" | awk '{ gsub(",", "", $1); print $1 }'
}

# the session and its subscriptions exist before the backlog is queued
"$BUILD/hazardd" -c "$W/hz.json" 2>>"$W/hz.log" &
pid=$!; PIDS+=($pid)
until status | grep -q '"connected": *true'; do sleep 0.05; done
sleep 0.5; kill -TERM $pid; wait $pid
run idle 0
base=$(sqlite3 "$W/hz.db" "SELECT coalesce(max(seq), 0) FROM readings")
"$BUILD/loadgen" --format mixed -p "$LP" -n 1000 -N "$N" --no-ts >/dev/null
run drain "$N"
got=$(sqlite3 "$W/hz.db" "SELECT count(*) FROM readings WHERE seq > $base")
a=$(total drain); b=$(total idle)
echo "readings stored: $got of $N"
echo "instructions: drain $a, start-up and shutdown alone $b"
echo "instructions per reading: $(( (a - b) / N ))"
# the per-second timers (rules_tick over every device) run as many times
# as the drain takes seconds under valgrind: left out, the figure no
# longer depends on how busy the machine was
t=$(incl drain rules_tick); t=${t:-0}
echo "instructions per reading without the timers (rules_tick $t): $(( (a - b - t) / N ))"
echo "== per reading, inclusive"
for f in intake_classify loop_handle_msg store_put_reading reading_text rules_eval \
	loop_flush_telemetry store_telemetry_since store_readings_since store_commit \
	loop_dedupe_note loop_dedupe_skip; do
	v=$(incl drain "$f")
	[ -n "$v" ] && printf '%-24s %8d\n' "$f" $((v / N))
done
# a link lost during the drain (valgrind is slow; a loaded machine makes
# it slower) has the broker deliver again what was in flight, with DUP set:
# those deliveries are classified and looked up again, so say how many
echo "deliveries: $(grep -c 'link lost' "$W/hz-drain.log") links lost during the drain," \
	"$(callgrind_annotate --tree=calling --inclusive=yes "$W/cg.drain" 2>/dev/null |
	grep -m1 -E '>   .*:intake_classify \(' | grep -o '([0-9,]*x)' | tr -d '(),x') messages classified"
echo "== top functions by inclusive cost (drain)"
callgrind_annotate --inclusive=yes --auto=no "$W/cg.drain" 2>/dev/null | sed -n '/^Ir/,$p' |
	grep -v '^--' | head -40
echo "callgrind files: $W/cg.drain $W/cg.idle"
trap - EXIT
cleanup
