#!/usr/bin/env bash
# t_fuzz_mqtt.sh: the local broker subscriber's packet decoder under
# libFuzzer (ASan/UBSan; mk/fuzz_mqtt.mk).  Every suite builds it (the
# codec and lib/ only: seconds) and replays its regression inputs and the
# captured mosquitto traffic; the ASan suite (or FUZZ_ALWAYS=1) also fuzzes
# it FUZZ_TEST_SECONDS (15 by default).  Without clang and libFuzzer:
# SKIP, exit 77.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$TOP/build}
HAZARDD=${HAZARDD:-$BUILD_DIR/hazardd}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-tfuzzmqtt.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

. "$TOP/tests/e2e/fuzz_probe.sh"
fuzz_probe "$tmp"

fuzz_build=$BUILD_DIR/fuzz
if make -C "$TOP" --no-print-directory FUZZ_BUILD="$fuzz_build" fuzz-mqtt-build \
	>"$tmp/build.log" 2>&1; then
	echo "PASS: fuzz_mqtt_packet builds"
else
	echo "FAIL: fuzz_mqtt_packet builds"
	tail -n 30 "$tmp/build.log"
	exit 1
fi
secs=0
if [ "${FUZZ_ALWAYS:-0}" = 1 ] || ldd "$HAZARDD" 2>/dev/null | grep -q libasan; then
	secs=${FUZZ_TEST_SECONDS:-15}
else
	echo "INFO: replay only; the fuzzing itself runs in the ASan/UBSan suite (FUZZ_ALWAYS=1 forces)"
fi
bash "$TOP/tests/fuzz/run_mqtt.sh" "$fuzz_build" "$secs"
