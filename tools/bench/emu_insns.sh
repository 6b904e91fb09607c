#!/usr/bin/env bash
# tools/bench/emu_insns.sh HOST_BUILD ARCH_BUILD ARCH [N]: instructions per
# reading of a build for ARCH (arm64, armhf; amd64 to check the method
# against callgrind), run under qemu-user.
#
# The scenario is callgrind.sh's (tools/bench/lib_insns.sh: 1,000 devices,
# a backlog of N readings (20000), an idle run and a drain run), with
# ARCH_BUILD/hazardd run by qemu-ARCH with the counting plugin
# HOST_BUILD/qemu_insns.so (tools/bench/qemu_insns.c); the brokers,
# loadgen and hazardctl are HOST_BUILD's.  The plugin counts every guest
# instruction (libraries and loader included, as callgrind does) and those
# inside rules_tick and inside loop_handle_msg (entered, until a caller
# runs again): the per-second timers run as often as the drain takes
# seconds, so the figure is also given without them; loop_handle_msg's
# depends on the readings alone.  ARCH_BUILD/hazardd must keep its symbols.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: emu_insns.sh HOST_BUILD ARCH_BUILD ARCH [N]}" && pwd)
ABUILD=$(cd "${2:?usage: emu_insns.sh HOST_BUILD ARCH_BUILD ARCH [N]}" && pwd)
ARCH=${3:?usage: emu_insns.sh HOST_BUILD ARCH_BUILD ARCH [N]}
N=${4:-20000}
PY=/usr/bin/python3
case $ARCH in
arm64) QEMU=qemu-aarch64 triplet=aarch64-linux-gnu ;;
armhf) QEMU=qemu-arm triplet=arm-linux-gnueabihf ;;
amd64) QEMU=qemu-x86_64 triplet=x86_64-linux-gnu ;;
*) echo "emu_insns: ARCH is arm64, armhf or amd64" >&2; exit 2 ;;
esac
# qemu-user-static cannot load plugins: qemu-user's dynamic emulators can
command -v $QEMU >/dev/null || { echo "emu_insns: no $QEMU (apt-get install qemu-user)" >&2; exit 1; }
PLUGIN=$BUILD/qemu_insns.so
[ -f "$PLUGIN" ] || { echo "emu_insns: no $PLUGIN (make bench-arch builds it)" >&2; exit 1; }
HZ=$ABUILD/hazardd
OBJDUMP=$(command -v $triplet-objdump || command -v objdump)
# callers FN: the functions that call FN (or what the compiler inlined
# the calling function into): a block of one of them ends the count inside FN
callers() {
	"$OBJDUMP" -d --no-show-raw-insn "$HZ" |
		awk -v f="<$1>" '/^[0-9a-f]+ <.*>:$/ { fn = substr($2, 2, length($2) - 3) }
			$NF == f && !/^[0-9a-f]+ </ { print fn }' | sort -u
}
# rules_tick: the per-second timers, left out of the figure that repeats;
# loop_handle_msg: a message's decode, rules, store and records, the part
# of a reading's cost that depends on nothing but the reading
popts=""
for fn in rules_tick loop_handle_msg; do
	c=$(callers $fn)
	[ -n "$c" ] || { echo "emu_insns: no call to $fn found in $HZ (stripped?)" >&2; exit 1; }
	popts="$popts,fn=$fn:$(echo $c | tr ' ' :)"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-emu.XXXXXX")
. "$TOP/tools/bench/lib_insns.sh"

launch() {
	if [ "$1" = prime ]; then
		$QEMU "$HZ" -c "$W/hz.json" 2>>"$W/hz.log" &
	else
		$QEMU -plugin "$PLUGIN,out=$W/insns.$1$popts" \
			"$HZ" -c "$W/hz.json" 2>>"$W/hz-$1.log" &
	fi
}
get() { sed -n "s/^$2 //p" "$W/insns.$1"; }   # get RUN total | get RUN "inside FN"

t0=$(date +%s)
insns_scenario
a=$(get drain total); b=$(get idle total)
t=$(get drain "inside rules_tick"); h=$(get drain "inside loop_handle_msg")
file -b "$HZ" | sed "s/^/$ARCH: hazardd: /; s/, BuildID.*//"
echo "$ARCH: readings stored: $got of $N ($(($(date +%s) - t0)) s under $QEMU)"
echo "$ARCH: instructions: drain $a, start-up and shutdown alone $b"
echo "$ARCH: instructions per reading: $(( (a - b) / N ))"
echo "$ARCH: instructions per reading without the timers (rules_tick $t): $(( (a - b - t) / N ))"
echo "$ARCH: loop_handle_msg per reading (decode, rules, store, records): $(( h / N ))"
echo "counter files: $W/insns.drain $W/insns.idle"
trap - EXIT
cleanup
[ "$got" = "$N" ]
