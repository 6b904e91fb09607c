#!/bin/sh
# tools/deps.sh [run|test|cross ARCH]: install the Debian packages hazardd
# needs, if any are missing: apt-get when root, otherwise print the exact
# lines and fail.  `run` (the default; `make deps`, `make run`): building
# hazardd and running the demo.  `test` (`make test-deps`, `make test`): the
# run set plus the test suite's own tools.  `cross arm64|armhf` (`make cross`,
# mk/cross.mk, docs/arm.md): the cross compiler, the emulator and every
# library's -dev package for that architecture.  One package per line, so
# each set can grow without touching the others' lines.
run_pkgs="
build-essential
pkg-config
libpaho-mqtt-dev
libsqlite3-dev
libcjson-dev
libssl-dev
libcurl4-openssl-dev
libsystemd-dev
libgpiod-dev
mosquitto
mosquitto-clients
openssl
sqlite3
python3
python3-paho-mqtt
tzdata
libmicrohttpd-dev
libargon2-dev
"
# libcurl4-openssl-dev: the alerts' webhooks (docs/alerts.md).
# libmicrohttpd-dev, libargon2-dev: the web console's server and its
# password hashes (docs/http.md).
# tzdata: summary.timezone names a zone file (daily summary, t_summary.sh).
test_pkgs="
python3-jsonschema
debhelper
dpkg-dev
fakeroot
lintian
mandoc
systemd
clang
libclang-rt-14-dev
faketime
curl
"
# debhelper, dpkg-dev, fakeroot, lintian: `make package` (t_package.sh).
# curl: the console's API test (t_http_api.sh).
# mandoc: the man pages' check (t_man.sh); systemd: systemd-analyze (t_systemd.sh).
# clang and libclang-rt-14-dev: the libFuzzer targets (mk/fuzz.mk, t_fuzz.sh).
# faketime: libfaketime, the wall-clock jump test (t_lifecycle.sh).
# A Debian package build (debian/rules) has Build-Depends for this.
# The web console's browser test (tests/e2e/t_console.sh, docs/console.md):
# Debian's chromium driven by playwright-core from npm, fonts-noto-cjk for
# the Chinese pages' glyphs (and screenshots).  node and npm: Debian's
# packages unless the machine has them already (NodeSource's nodejs brings
# its own npm and conflicts with Debian's npm package).
test_pkgs="$test_pkgs chromium fonts-noto-cjk"
command -v node >/dev/null 2>&1 || test_pkgs="$test_pkgs nodejs"
command -v npm >/dev/null 2>&1 || test_pkgs="$test_pkgs npm"
# The cross set: the libraries of the run set (the Makefile's PKGS and
# Paho) as ARCH's multiarch -dev packages, beside the host's own.
cross_libs="
libc6-dev
libpaho-mqtt-dev
libsqlite3-dev
libcjson-dev
libssl-dev
libcurl4-openssl-dev
libsystemd-dev
libgpiod-dev
libmicrohttpd-dev
libargon2-dev
"
[ -n "${HAZARDD_NO_DEPS:-}" ] && exit 0
add_arch=""
case "${1:-run}" in
run) pkgs=$run_pkgs ;;
test) pkgs="$run_pkgs $test_pkgs" ;;
cross)
	case "${2:-}" in
	arm64) triplet=aarch64-linux-gnu ;;
	armhf) triplet=arm-linux-gnueabihf ;;
	*) echo "usage: tools/deps.sh cross arm64|armhf" >&2; exit 2 ;;
	esac
	# qemu-user-static: the tests run through qemu-<arch>-static, no
	# binfmt registration needed; mosquitto and the e2e tests' tools are
	# the host's (the test set)
	pkgs="$run_pkgs gcc-$triplet qemu-user-static"
	for l in $cross_libs; do pkgs="$pkgs $l:$2"; done
	dpkg --print-foreign-architectures | grep -qx "$2" || add_arch=$2
	;;
*) echo "usage: tools/deps.sh [run|test|cross arm64|armhf]" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && [ -z "$add_arch" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	if [ -n "$add_arch" ]; then
		echo "deps: adding the $add_arch architecture"
		dpkg --add-architecture "$add_arch" || exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing || exit 1
	# Debian starts a system broker on install; hazardd's tests and demo
	# run their own brokers on free ports and never use it.
else
	echo "deps: missing packages; run as root:"
	[ -n "$add_arch" ] && echo "  dpkg --add-architecture $add_arch" &&
		echo "  apt-get update"
	echo "  apt-get install -y$missing"
	exit 1
fi
