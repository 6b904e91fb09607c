#!/usr/bin/env bash
# tools/bench/state_pages.sh PID: how much of a running hazardd's
# per-device rule state is resident.  gdb (attached briefly) gives the
# address range of L.d.dev_state, and of the slots that follow it in the
# same allocation where the build has them (core/rules_state.c); the
# pages of that range present in /proc/PID/pagemap are counted.  Needs a
# build with symbols (the default CFLAGS have -g) and ptrace rights over
# PID.  For docs/benchmarks.md, "Per-device rule state by kind".
set -u
PID=${1:?usage: tools/bench/state_pages.sh PID}
q() {   # q EXPR: an unsigned value in main's frame, or nothing
	gdb -p "$PID" -batch -ex 'frame function main' -ex "printf \"=%lu\\n\", (unsigned long)($1)" \
		2>/dev/null | sed -n 's/^=//p'
}
n=$(q 'L.d.cfg->n_devices')
start=$(q 'L.d.dev_state')
end=$(q "L.d.dev_state + $n")
# the slots' pool after the states: its last device's slots end it
slot_end=$(q "L.d.dev_state[$n - 1].slot + rules_slot_count(L.d.dev_state[$n - 1].layout)")
size=$(q 'sizeof(*L.d.dev_state)')
[ -n "$start" ] && [ -n "$end" ] || { echo "state_pages: no symbols or no access" >&2; exit 1; }
[ -n "$slot_end" ] && [ "$slot_end" -gt "$end" ] && end=$slot_end
/usr/bin/python3 - "$PID" "$start" "$end" "$n" "$size" <<'PYEOF'
import struct, sys
pid, start, end, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
page = 4096
first, last = start // page, (end - 1) // page
with open("/proc/%s/pagemap" % pid, "rb") as f:
    f.seek(first * 8)
    data = f.read((last - first + 1) * 8)
present = sum(1 for i in range(0, len(data), 8)
              if struct.unpack("<Q", data[i:i + 8])[0] >> 63 & 1)
print("devices %d, struct device_state %d B, state and slots %d KiB, resident %d KiB"
      % (n, size, (end - start + 1023) // 1024, present * page // 1024))
PYEOF
