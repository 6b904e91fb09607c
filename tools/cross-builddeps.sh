#!/usr/bin/env bash
# tools/cross-builddeps.sh ARCH: what a cross build of the Debian package
# (and of the emulated benchmark) for ARCH needs, installed if any of it is
# missing: ARCH as a dpkg foreign architecture, Debian's cross toolchain
# (crossbuild-essential-ARCH), debian/control's Build-Depends for ARCH
# (apt-get build-dep -a: the -dev packages as ARCH's multiarch ones,
# pkg-config's ARCH wrapper among them) and qemu-user-static.  As root it
# installs them with apt-get; otherwise it prints the commands and fails.
set -u
cd "$(dirname "$0")/.."
arch=${1:?usage: cross-builddeps.sh ARCH}
triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_GNU_TYPE 2>/dev/null) ||
	{ echo "cross-builddeps: unknown architecture '$arch'" >&2; exit 2; }
case $arch in
arm64) qemu=qemu-aarch64-static ;;
armhf) qemu=qemu-arm-static ;;
*) qemu=qemu-$(dpkg-architecture -a"$arch" -qDEB_HOST_GNU_CPU)-static ;;
esac

ready() {
	dpkg --print-foreign-architectures | grep -qx "$arch" &&
		command -v "$triplet-gcc" >/dev/null && command -v "$triplet-pkg-config" >/dev/null &&
		command -v "$qemu" >/dev/null && dpkg-checkbuilddeps -a"$arch" >/dev/null 2>&1
}
ready && exit 0
cmds="dpkg --add-architecture $arch && apt-get update &&
  apt-get install -y --no-install-recommends crossbuild-essential-$arch qemu-user-static &&
  apt-get build-dep -y -a $arch $PWD"
if [ "$(id -u)" -ne 0 ]; then
	echo "cross-builddeps: missing what a build for $arch needs; run as root:"
	echo "  $cmds"
	exit 1
fi
echo "cross-builddeps: installing what a build for $arch needs"
export DEBIAN_FRONTEND=noninteractive
apt="apt-get -qq -o DPkg::Lock::Timeout=600"
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	dpkg --add-architecture "$arch" && $apt update || exit 1
fi
$apt install -y --no-install-recommends "crossbuild-essential-$arch" qemu-user-static &&
	$apt build-dep -y -a "$arch" "$PWD" >/dev/null || {
	# the lists may predate the foreign architecture's packages
	$apt update && $apt build-dep -y -a "$arch" "$PWD" >/dev/null
} || exit 1
ready || { echo "cross-builddeps: still missing after apt-get: $(dpkg-checkbuilddeps -a"$arch" 2>&1)" >&2; exit 1; }
