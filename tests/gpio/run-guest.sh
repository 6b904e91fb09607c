#!/bin/sh
# tests/gpio/run-guest.sh KERNEL_DIR HAZARDD HAZARDCTL WORK: build the
# guest's initramfs (busybox, configfs.ko + gpio-sim.ko, the given hazardd
# and hazardctl with their shared libraries, sqlite3 if present, the test
# config and guest-init.sh as /init), boot it under qemu (TCG, no KVM
# needed) and copy the guest's console to stdout.
# Exit: 0 PASS, 1 FAIL, 2 no result (boot problem or timeout).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
K=${1:?usage: $0 KERNEL_DIR HAZARDD HAZARDCTL WORK}; HZ=$2; CTL=$3; W=$4
mkdir -p "$W"
R=$(mktemp -d "$W/root.XXXXXX")
mkdir -p $R/bin $R/etc $R/proc $R/sys $R/dev $R/tmp $R/lib/modules
cp /bin/busybox $R/bin/busybox                  # busybox-static
cp "$K/configfs.ko" $R/lib/modules/01-configfs.ko
cp "$K/gpio-sim.ko" $R/lib/modules/02-gpio-sim.ko
with_libs() {
	cp "$1" "$R/bin/$2"
	ldd "$1" | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' | while read -r l; do
		mkdir -p "$R$(dirname "$l")"; cp -L "$l" "$R$l"
	done
}
with_libs "$HZ" hazardd
# what hazardd opens at run time (dlopen: Paho's build without OpenSSL,
# daemon/io/paho.c), which ldd does not list; the guest's config has no
# TLS, no console and no webhook, so nothing else is opened
for so in libpaho-mqtt3a.so.1; do
	l=$(/sbin/ldconfig -p | awk -v s="$so" '$1 == s && /x86-64/ { print $NF; exit }')
	[ -n "$l" ] || { echo "run-guest: $so not found" >&2; exit 1; }
	mkdir -p "$R$(dirname "$l")"; cp -L "$l" "$R$l"
	ldd "$l" | awk '/=> \//{print $3}' | while read -r d; do
		mkdir -p "$R$(dirname "$d")"; cp -L "$d" "$R$d"
	done
done
with_libs "$CTL" hazardctl
[ -x /usr/bin/sqlite3 ] && with_libs /usr/bin/sqlite3 sqlite3
cp "$HERE/hazardd.json" $R/etc/hazardd.json
cp "$HERE/guest-init.sh" $R/init; chmod 755 $R/init
(cd $R && find . | cpio -o -H newc --quiet | gzip -1) > "$W/initrd.cpio.gz"
rm -rf "$R"
BIOS=
[ -f /usr/share/qemu/qboot.rom ] && BIOS="-bios /usr/share/qemu/qboot.rom"
start=$(date +%s%N)
# qemu exits 0 after poweroff whatever happened: the verdict is the marker
# (and isa-debug-exit), and a hung guest is cut off by timeout
# shellcheck disable=SC2086
timeout "${QEMU_TIMEOUT:-240}" qemu-system-x86_64 -nographic -no-reboot -m 512 -smp 1 \
	-accel tcg -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 $BIOS \
	-kernel "$K/vmlinux" -initrd "$W/initrd.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1 loglevel=3" </dev/null 2>&1 |
	tr -d '\r' > "$W/console.log"
end=$(date +%s%N)
cat "$W/console.log"
echo "INFO: guest boot and run took $(( (end - start) / 1000000 )) ms"
grep -q 'GPIOSIM-RESULT: PASS' "$W/console.log" && exit 0
grep -q 'GPIOSIM-RESULT: FAIL' "$W/console.log" && exit 1
exit 2
