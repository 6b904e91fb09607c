# tools/bench/lib_insns.sh: the instructions-per-reading scenario that
# callgrind.sh (the build machine, under valgrind) and emu_insns.sh (a
# build for another architecture, under qemu-user) share; sourced after
# they set BUILD (the build machine's build: hazardctl, loadgen), PY, W and
# N, and define `launch NAME`, which starts hazardd -c $W/hz.json under
# their counter in the background, its pid in $! (run NAME in the
# counter's output file names).
#
# The set-up is scenario 1 of tools/bench.sh (1,000 devices, mixed
# native/zigbee2mqtt payloads without "ts", a backlog of N readings
# waiting in the local broker for hazardd's persistent session).
# insns_scenario runs hazardd twice under the counter: once with nothing
# queued (start-up and shutdown alone: "idle"), once draining the backlog
# and flushing its telemetry ("drain").
. "$TOP/tools/bench/lib_drain.sh"

# rows EXPR [WHERE]: EXPR over the readings table (no database yet: nothing)
rows() { [ -f "$W/hz.db" ] && sqlite3 "$W/hz.db" "SELECT $1 FROM readings ${2:+WHERE $2}" 2>/dev/null; }
# run NAME COUNT: hazardd under the counter until COUNT readings are
# stored and every stored reading has gone into telemetry, then a clean
# stop (the counters write their totals as the process exits).  Once it is
# connected, the waits read the database, not hazardd's status: a status
# request is work hazardd does, and polling it would add work in
# proportion to how long the drain takes (longer under emulation, longer
# on a loaded machine).
run() {
	local name=$1 count=$2 pid seq max base
	base=$(rows 'coalesce(max(seq), 0)'); base=${base:-0}
	launch "$name"
	pid=$!; PIDS+=($pid)
	until status | grep -q '"connected": *true'; do sleep 0.2; done
	until [ "$(rows 'count(*)' "seq > $base" || echo 0)" = "$count" ]; do sleep 0.5; done
	while :; do
		seq=$(sqlite3 "$W/hz.db" "SELECT value FROM meta WHERE key = 'telemetry_seq'" 2>/dev/null)
		max=$(sqlite3 "$W/hz.db" "SELECT coalesce(max(seq), 0) FROM readings" 2>/dev/null)
		[ "${seq:-0}" = "${max:-x}" ] && break
		sleep 0.5
	done
	kill -TERM $pid; wait $pid
}

insns_scenario() {
	local base
	LP=$(port); UP=$(port)
	broker "$LP"; broker "$UP"
	$PY - "$W" "$LP" "$UP" <<'PYEOF'
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
PYEOF
	# the session and its subscriptions exist before the backlog is queued
	# (a first run, not counted: `launch prime` may run hazardd plainly)
	run prime 0
	run idle 0
	base=$(sqlite3 "$W/hz.db" "SELECT coalesce(max(seq), 0) FROM readings")
	"$BUILD/loadgen" --format mixed -p "$LP" -n 1000 -N "$N" --no-ts >/dev/null
	run drain "$N"
	got=$(sqlite3 "$W/hz.db" "SELECT count(*) FROM readings WHERE seq > $base")
}
