#!/usr/bin/env bash
# t_gpio.sh: GPIO inputs and interlocks on a real kernel.  Boots Debian's
# 6.1 kernel under qemu with the gpio-sim driver (tests/gpio/), runs the
# real hazardd and hazardctl inside the guest and drives lines through
# gpio-sim (cases in tests/gpio/guest-init.sh): each input raises an alarm
# or a fault as its configured type is one, and the hazards those raise
# (a gas leak at a restaurant at once, a smoke alarm once verified real,
# repeated tamper faults by recurrence) are checked with the outputs.  One boot, ~30 s under TCG;
# the first run also builds gpio-sim.ko (~45 s, cached per kernel ABI).
#
# Exit 77 with a SKIP line when qemu or the kernel packages cannot be had:
# skipped, never passed.  Under the ASan build the guest runs the ASan
# binaries themselves (~50 s instead of ~35 s): the guest init fails the
# run on any sanitizer report in hazardd's log, leaks at exit included.
set -u
E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TOP:=$(cd "$E2E/../.." && pwd)}"
: "${HAZARDD:=$TOP/build/hazardd}"
: "${HAZARDCTL:=$TOP/build/hazardctl}"
CACHE=${GPIOSIM_CACHE:-$TOP/build/gpiosim-cache}

skip() { echo "SKIP: gpio: $*"; exit 77; }

hz=$HAZARDD ctl=$HAZARDCTL
[ -x "$hz" ] && [ -x "$ctl" ] || { echo "FAIL: gpio: no $hz or $ctl (build first)"; exit 1; }
echo "INFO: guest runs $hz$(ldd "$hz" | grep -q libasan && echo ' (ASan/UBSan build)')"
[ -e /dev/kvm ] && echo "INFO: /dev/kvm present, but TCG is used so results do not depend on it"

out=$(mktemp)
sh "$TOP/tests/gpio/setup.sh" "$CACHE" >"$out" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
	skip "$(tail -n 1 "$out")"
elif [ $rc -ne 0 ]; then
	cat "$out"
	echo "FAIL: gpio: kernel/gpio-sim setup failed (exit $rc)"
	exit 1
fi
kdir=$(tail -n 1 "$out")
rm -f "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-gpio.XXXXXX")
sh "$TOP/tests/gpio/run-guest.sh" "$kdir" "$hz" "$ctl" "$work"
rc=$?
if [ $rc -eq 2 ]; then
	echo "FAIL: gpio: the guest gave no result (boot problem or timeout); console in $work"
	exit 1
fi
[ "${KEEP:-0}" = 1 ] || rm -rf "$work"
exit $rc
