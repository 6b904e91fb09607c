#!/bin/sh
# tests/gpio/setup.sh CACHE_DIR: make a Debian 6.1 kernel with gpio-sim
# runnable under qemu, once per kernel ABI.
#
# Debian's stable kernels do not enable CONFIG_GPIO_SIM (sid's does, but sid
# drops the v1 GPIO character-device ABI that libgpiod 1.6 speaks), so the
# module is built out of tree from the bookworm source package, with one
# change: irq_to_desc() is not exported to modules.  The ABI number moves
# with security updates and old packages leave the archive, so it is
# resolved from linux-image-amd64 here and never hard-coded.
#
# Leaves CACHE_DIR/<ABI>/{vmlinux,configfs.ko,gpio-sim.ko} and prints that
# directory on the last line.  Exit 0 done, 77 cannot be done here (no
# network, no qemu, not root for the install); the reason is on stderr.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
C=${1:?usage: $0 CACHE_DIR}
mkdir -p "$C"; C=$(cd "$C" && pwd)
skip() { echo "setup: $*" >&2; exit 77; }

need="qemu-system-x86 busybox-static cpio xz-utils bc perl make gcc libc6-dev libgpiod-dev"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || skip "missing packages (as root: apt-get install$missing)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$missing >/dev/null 2>&1 ||
	{ apt-get update -qq >/dev/null 2>&1 &&
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$missing >/dev/null 2>&1; } || skip "apt-get install$missing failed"
fi

# two suites (normal and ASan, or two engineers) may set up at once
if command -v flock >/dev/null 2>&1; then
	exec 9>"$C/.lock"
	flock 9
fi
IMG=$(apt-cache depends linux-image-amd64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$IMG" ] || skip "cannot resolve linux-image-amd64 (apt lists missing?)"
ABI=${IMG#linux-image-}; ABI=${ABI%-amd64}          # 6.1.0-NN
SER=$(echo "$ABI" | cut -d. -f1,2)                  # 6.1
W=$C/$ABI
if [ -s "$W/vmlinux" ] && [ -s "$W/gpio-sim.ko" ] && [ -s "$W/configfs.ko" ]; then
	echo "$W"; exit 0
fi
rm -rf "$W.tmp"; mkdir -p "$W.tmp"; cd "$W.tmp"
echo "setup: kernel $IMG (ABI $ABI): downloading" >&2
apt-get download "$IMG" "linux-headers-$ABI-amd64" "linux-headers-$ABI-common" \
	"linux-kbuild-$SER" "linux-source-$SER" >/dev/null 2>&1 ||
	skip "apt-get download of the $ABI kernel packages failed"
mkdir x
for f in linux-image-$ABI-amd64_*.deb linux-headers-$ABI-*.deb linux-kbuild-${SER}_*.deb; do
	dpkg -x "$f" x
done
dpkg --fsys-tarfile linux-source-${SER}_*.deb | tar -xO ./usr/src/linux-source-$SER.tar.xz |
	tar -xJ linux-source-$SER/drivers/gpio/gpio-sim.c linux-source-$SER/drivers/gpio/gpiolib.h \
		linux-source-$SER/kernel/irq/irq_sim.c
HDR=$PWD/x/usr/src/linux-headers-$ABI-amd64
sed -i "s#/usr/src/linux-headers-$ABI-common#$PWD/x/usr/src/linux-headers-$ABI-common#" "$HDR/Makefile"
mkdir mod
cp linux-source-$SER/drivers/gpio/gpio-sim.c mod/gpio-sim-core.c
cp linux-source-$SER/drivers/gpio/gpiolib.h linux-source-$SER/kernel/irq/irq_sim.c mod/
# irq_to_desc() is not exported: dispatch through generic_handle_domain_irq()
sed -i 's/^\t\tirqnum = irq_find_mapping(work_ctx->domain, offset);$/\t\t(void)irqnum;/;
        s/^\t\thandle_simple_irq(irq_to_desc(irqnum));$/\t\tgeneric_handle_domain_irq(work_ctx->domain, offset);/' mod/irq_sim.c
grep -q generic_handle_domain_irq mod/irq_sim.c || { echo "setup: irq_sim.c patch did not apply" >&2; exit 1; }
printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-core.o irq_sim.o\n' > mod/Kbuild
make -s -C "$HDR" M="$PWD/mod" modules >&2
cp mod/gpio-sim.ko gpio-sim.ko
cfs=$(find x/lib/modules -name 'configfs.ko*' | head -n 1)
case "$cfs" in
*.xz) xz -dc "$cfs" > configfs.ko ;;
*)    cp "$cfs" configfs.ko ;;
esac
# the uncompressed ELF boots through PVH, ~3 s faster under TCG than the
# XZ bzImage decompressing itself
"$HERE"/extract-vmlinux.sh x/boot/vmlinuz-$ABI-amd64 vmlinux >&2
mkdir -p "$W"
mv vmlinux gpio-sim.ko configfs.ko "$W"/
cd "$C"; rm -rf "$W.tmp"
echo "$W"
