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
# inside rules_tick (entered, until its caller runs again): the per-second
# timers run as often as the drain takes seconds, so the figure without
# them is the one that repeats.  ARCH_BUILD/hazardd must keep its symbols.
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
# the functions that call rules_tick (tick_rules, or what the compiler
# inlined it into): a block of one of them ends the count inside it
leave=$("$OBJDUMP" -d --no-show-raw-insn "$HZ" |
	awk '/^[0-9a-f]+ <.*>:$/ { fn = substr($2, 2, length($2) - 3) }
	     /<rules_tick>$/ && !/^[0-9a-f]+ </ { print fn }' | sort -u)
[ -n "$leave" ] || { echo "emu_insns: no call to rules_tick found in $HZ (stripped?)" >&2; exit 1; }
popts=""
for f in $leave; do popts="$popts,leave=$f"; done
W=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-emu.XXXXXX")
. "$TOP/tools/bench/lib_insns.sh"

launch() {
	if [ "$1" = prime ]; then
		$QEMU "$HZ" -c "$W/hz.json" 2>>"$W/hz.log" &
	else
		$QEMU -plugin "$PLUGIN,out=$W/insns.$1,in=rules_tick$popts" \
			"$HZ" -c "$W/hz.json" 2>>"$W/hz-$1.log" &
	fi
}
get() { sed -n "s/^$2 //p" "$W/insns.$1"; }

t0=$(date +%s)
insns_scenario
a=$(get drain total); b=$(get idle total); t=$(get drain inside)
file -b "$HZ" | sed "s/^/$ARCH: hazardd: /; s/, BuildID.*//"
echo "$ARCH: readings stored: $got of $N ($(($(date +%s) - t0)) s under $QEMU)"
echo "$ARCH: instructions: drain $a, start-up and shutdown alone $b"
echo "$ARCH: instructions per reading: $(( (a - b) / N ))"
echo "$ARCH: instructions per reading without the timers (rules_tick $t, left on return to $(echo $leave)): $(( (a - b - t) / N ))"
echo "counter files: $W/insns.drain $W/insns.idle"
trap - EXIT
cleanup
[ "$got" = "$N" ]
