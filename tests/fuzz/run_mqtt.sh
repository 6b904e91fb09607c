#!/usr/bin/env bash
# tests/fuzz/run_mqtt.sh FUZZ_BUILD SECONDS: replay the MQTT decoder's
# regression inputs (tests/fuzz/regress/mqtt_packet/) and its seed corpus
# of captured mosquitto traffic through FUZZ_BUILD/fuzz_mqtt_packet, then
# (SECONDS > 0) fuzz it that long with tests/fuzz/run.sh.  PASS/FAIL lines.
set -u
build=${1:?usage: run_mqtt.sh FUZZ_BUILD SECONDS}
secs=${2:?usage: run_mqtt.sh FUZZ_BUILD SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/fuzz_mqtt_packet
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$(mktemp "${TMPDIR:-/tmp}/hazardd-fuzz-mqtt.XXXXXX")
trap 'rm -f "$log"' EXIT

if [ ! -x "$bin" ]; then
	echo "FAIL: fuzz_mqtt_packet: not built ($bin)"
	exit 1
fi
failed=0
for set in regress/mqtt_packet corpus/fuzz_mqtt_packet; do
	inputs=("$here/$set"/*)
	if [ ! -e "${inputs[0]}" ]; then
		echo "FAIL: fuzz_mqtt_packet: no inputs in tests/fuzz/$set"
		failed=1
	elif "$bin" "${inputs[@]}" >"$log" 2>&1; then
		echo "PASS: fuzz_mqtt_packet: ${#inputs[@]} inputs of tests/fuzz/$set replay clean"
	else
		echo "FAIL: fuzz_mqtt_packet: an input of tests/fuzz/$set fails"
		grep -E 'ERROR|SUMMARY|runtime error|Running:' "$log" | tail -n 20
		failed=1
	fi
done
if [ "$secs" -gt 0 ]; then
	bash "$here/run.sh" "$build" "$secs" fuzz_mqtt_packet || failed=1
fi
exit $failed
