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
. "$TOP/tools/bench/lib_insns.sh"

launch() {
	if [ "$1" = prime ]; then
		"$BUILD/hazardd" -c "$W/hz.json" 2>>"$W/hz.log" &
	else
		valgrind --tool=callgrind --callgrind-out-file="$W/cg.$1" \
			"$BUILD/hazardd" -c "$W/hz.json" 2>>"$W/hz-$1.log" &
	fi
}
total() { grep -m1 '^summary:' "$W/cg.$1" | awk '{ print $2 }'; }
# incl RUN FUNCTION: inclusive instructions of a function of hazardd
incl() {
	callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$W/cg.$1" 2>/dev/null |
		grep -m1 -E "[:/]$2 \[.*hazardd\]" | awk '{ gsub(",", "", $1); print $1 }'
}

insns_scenario
a=$(total drain); b=$(total idle)
echo "readings stored: $got of $N"
echo "instructions: drain $a, start-up and shutdown alone $b"
echo "instructions per reading: $(( (a - b) / N ))"
# the per-second timers (rules_tick over every device) run as many times
# as the drain takes seconds under valgrind: left out, the figure no
# longer depends on how busy the machine was
t=$(incl drain rules_tick); t=${t:-0}
echo "instructions per reading without the timers (rules_tick $t): $(( (a - b - t) / N ))"
h=$(incl drain loop_handle_msg); h=${h:-0}
echo "loop_handle_msg per reading (decode, rules, store, records): $(( h / N ))"
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
