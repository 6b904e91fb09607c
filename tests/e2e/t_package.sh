#!/usr/bin/env bash
# t_package.sh: `make package` builds the Debian package, lintian finds no
# errors, the contents are checked and it installs into a throwaway root
# (tools/package.sh prints the PASS/FAIL lines).  Slow-ish (a full build
# under dpkg-buildpackage), so it runs once per suite: in the normal build,
# not in the ASan/UBSan one.
set -u
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD_DIR:=$TOP/build}"
: "${HAZARDD:=$BUILD_DIR/hazardd}"

if grep -qa '__asan_init' "$HAZARDD" 2>/dev/null; then
	echo "SKIP: the package is built and checked once, in the suite of the normal build"
	exit 77
fi
for tool in dpkg-buildpackage dh lintian; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool missing (make test-deps installs it)"
		exit 77
	fi
done
t0=$(date +%s)
make -C "$TOP" --no-print-directory package BUILD="$(basename "$BUILD_DIR")"
rc=$?
echo "INFO: make package took $(($(date +%s) - t0)) s"
[ "$rc" -eq 0 ] || echo "FAIL: make package exited with status $rc"
exit "$rc"
