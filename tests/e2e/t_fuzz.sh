#!/usr/bin/env bash
# t_fuzz.sh: build the libFuzzer targets (every payload adapter, the
# config parser and the downlink command path, ASan/UBSan) and run each
# briefly (FUZZ_TEST_SECONDS, 15 by default), after replaying their
# regression inputs.  They are sanitizer builds of their own, so they run
# once per `make test`: in the ASan suite (or with FUZZ_ALWAYS=1).
# Without clang and libFuzzer: SKIP, exit 77.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$TOP/build}
HAZARDD=${HAZARDD:-$BUILD_DIR/hazardd}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-tfuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ "${FUZZ_ALWAYS:-0}" != 1 ] && ! ldd "$HAZARDD" 2>/dev/null | grep -q libasan; then
	echo "SKIP: fuzzers run once per make test, in the ASan/UBSan suite (FUZZ_ALWAYS=1 forces)"
	exit 77
fi
. "$TOP/tests/e2e/fuzz_probe.sh"
fuzz_probe "$tmp"

fuzz_build=$BUILD_DIR/fuzz
if make -C "$TOP" --no-print-directory -j2 FUZZ_BUILD="$fuzz_build" fuzz-build \
	>"$tmp/build.log" 2>&1; then
	echo "PASS: fuzz targets build"
else
	echo "FAIL: fuzz targets build"
	tail -n 30 "$tmp/build.log"
	exit 1
fi
bash "$TOP/tests/fuzz/run.sh" "$fuzz_build" "${FUZZ_TEST_SECONDS:-15}"
