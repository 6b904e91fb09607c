#!/bin/sh
# tools/deps.sh [run|test]: install the Debian packages hazardd needs, if
# any are missing: apt-get when root, otherwise print the exact line and
# fail.  `run` (the default; `make deps`, `make run`): building hazardd and
# running the demo.  `test` (`make test-deps`, `make test`): the run set
# plus the test suite's own tools.  One package per line, so each set can
# grow without touching the others' lines.
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
[ -n "${HAZARDD_NO_DEPS:-}" ] && exit 0
case "${1:-run}" in
run) pkgs=$run_pkgs ;;
test) pkgs="$run_pkgs $test_pkgs" ;;
*) echo "usage: tools/deps.sh [run|test]" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing || exit 1
	# Debian starts a system broker on install; hazardd's tests and demo
	# run their own brokers on free ports and never use it.
else
	echo "deps: missing packages; run as root:"
	echo "  apt-get install -y$missing"
	exit 1
fi
