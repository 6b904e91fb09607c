#!/usr/bin/env bash
# tools/bench/profile.sh BUILD_DIR [N]: profile hazardd's ingest hot path.
#
# The same set-up as scenario 1 of tools/bench.sh: a backlog of N readings
# (60000) waits in the local broker for hazardd's persistent session; then
# hazardd starts under `perf record -g` (this pid only, so other work on a
# shared machine stays out of the profile) and drains it.  Prints the top
# symbols by self time and by thread; the perf data stays in $W (printed).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: profile.sh BUILD_DIR [N]}" && pwd)
N=${2:-60000}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-prof.XXXXXX")
. "$TOP/tools/bench/lib_drain.sh"
accepted() { status | grep -o '"accepted": *[0-9]*' | head -1 | grep -o '[0-9]*$'; }

LP=$(port); UP=$(port)
broker "$LP"; broker "$UP"
$PY - "$W" "$LP" "$UP" <<'EOF'
import json, sys
w, lp, up = sys.argv[1:]
json.dump({"gateway": {"id": "gw-prof", "district": "prof"},
           "storage": {"path": w + "/hz.db"},
           "local": {"uri": "tcp://127.0.0.1:" + lp},
           "upstream": {"uris": ["tcp://127.0.0.1:" + up]},
           "control": {"socket": w + "/ctl.sock"}, "log": {"level": "warn"},
           "sites": [{"id": "s1", "kind": "restaurant"}],
           "devices": [{"id": "d%d" % i, "kind": "gas_detector", "site": "s1",
                        "topic": "t/d%d" % i, "heartbeat_s": 0} for i in range(1000)]},
          open(w + "/hz.json", "w"))
EOF
# first run: create the session and its subscriptions, then stop
"$BUILD/hazardd" -c "$W/hz.json" 2>>"$W/hz.log" &
pid=$!; PIDS+=($pid)
until status | grep -q '"connected": *true'; do sleep 0.05; done
sleep 0.5; kill -TERM $pid; wait $pid
"$BUILD/loadgen" -p "$LP" -n 1000 -N "$N" >/dev/null
perf record -g -F 1999 -o "$W/perf.data" -- "$BUILD/hazardd" -c "$W/hz.json" \
	2>>"$W/hz.log" &
PIDS+=($!)
t0=$(date +%s%N)
until [ "$(accepted)" -ge "$N" ] 2>/dev/null; do sleep 0.05; done
t1=$(date +%s%N)
echo "drained $N readings in $(( (t1 - t0) / 1000000 )) ms (start-up included)"
# stop hazardd (perf's child); perf then writes its data and exits
kill -TERM "$(ps -o pid= --ppid "${PIDS[-1]}" | head -1)" 2>/dev/null
wait "${PIDS[-1]}" 2>/dev/null
echo "== by thread"
perf report -i "$W/perf.data" --no-children --sort comm --stdio -g none 2>/dev/null |
	grep '%' | head -8
echo "== by symbol (self)"
perf report -i "$W/perf.data" --no-children --sort dso,symbol --stdio -g none \
	2>/dev/null | grep '%' | head -30
echo "perf data: $W/perf.data"
trap - EXIT
cleanup
