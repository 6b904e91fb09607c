#!/usr/bin/env bash
# tests/run.sh BUILD_DIR: run every unit test program and end-to-end script
# against the binaries in BUILD_DIR; count "PASS:"/"FAIL:" lines; print
# "N passed, N failed" last and exit non-zero on any failure.
#
# A cross build (tests/cross.sh, docs/arm.md) sets RUN_EMU to a folder of
# wrappers that run the build's programs through the emulator: "emu PROG
# ARGS..." for the unit tests and fuzz replays, and "hazardd"/"hazardctl"
# as the e2e tests' HAZARDD/HAZARDCTL; E2E_TESTS then names the end-to-end
# scripts to run (default: all of them).  A build with fuzz-replay/
# (mk/cross.mk) also replays each fuzz target's regression inputs and seed
# corpus.
set -u
build=${1:?usage: tests/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
emu=()
if [ -n "${RUN_EMU:-}" ]; then
	emu=("$RUN_EMU/emu")
	export HAZARDD="$RUN_EMU/hazardd" HAZARDCTL="$RUN_EMU/hazardctl"
else
	export HAZARDD="$build/hazardd" HAZARDCTL="$build/hazardctl"
fi
export BUILD_DIR="$build" TOP="$top"
log_dir=$(mktemp -d /tmp/hazardd-tests.XXXXXX)
passed=0 failed=0 skipped=0

run_one() {
	local name=$1; shift
	local out="$log_dir/$(basename "$name").log"
	local rc p f
	echo "== $name"
	timeout "${TEST_TIMEOUT:-600}" "$@" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	grep -E '^(FAIL|SKIP): ' "$out"
	if [ "$rc" -eq 77 ] && [ "$f" -eq 0 ]; then
		# exit 77: the test could not run here (and said why in a SKIP line)
		echo "   skipped"
		skipped=$((skipped + 1))
		return
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# a crash, a sanitizer report or a timeout counts as a failure too
		echo "FAIL: $name exited with status $rc"
		tail -n 30 "$out"
		f=1
	elif [ "$f" -gt 0 ]; then
		tail -n 30 "$out" | grep -v '^PASS: '
	fi
	echo "   $p passed, $f failed"
	passed=$((passed + p)); failed=$((failed + f))
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "${emu[@]}" "$t"
done
# the replay programs: regress/<target>/ (or regress/<target without
# "fuzz_">/) and corpus/<target>/, one PASS line per input
for t in "$build"/fuzz-replay/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	inputs=()
	for d in "$here/fuzz/regress/$name" "$here/fuzz/regress/${name#fuzz_}" "$here/fuzz/corpus/$name"; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do [ -f "$f" ] && inputs+=("$f"); done
	done
	[ ${#inputs[@]} -gt 0 ] && run_one "fuzz-replay/$name" "${emu[@]}" "$t" "${inputs[@]}"
done
if [ -n "${E2E_TESTS:-}" ]; then
	e2e=()
	for n in $E2E_TESTS; do e2e+=("$top/tests/e2e/$n.sh"); done
else
	e2e=("$top"/tests/e2e/t_*.sh)
fi
for t in "${e2e[@]}"; do
	[ -f "$t" ] && run_one "e2e/$(basename "$t")" bash "$t"
done
echo "logs: $log_dir"
[ "$skipped" -gt 0 ] && echo "$skipped test programs skipped (see SKIP lines above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
