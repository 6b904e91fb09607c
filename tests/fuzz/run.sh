#!/usr/bin/env bash
# tests/fuzz/run.sh FUZZ_BUILD SECONDS [TARGET...]: for each libFuzzer
# target (default: every fuzz_* in FUZZ_BUILD) replay its regression inputs
# (tests/fuzz/regress/<target>/), then fuzz it for SECONDS from the seed
# corpus (tests/fuzz/corpus/<target>/).  New corpus entries go to a scratch
# directory; crash inputs to FUZZ_BUILD/artifacts/.  Prints PASS/FAIL lines
# and one INFO line per target with its executions.
set -u
build=${1:?usage: run.sh FUZZ_BUILD SECONDS [TARGET...]}
secs=${2:?usage: run.sh FUZZ_BUILD SECONDS [TARGET...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for b in "$build"/fuzz_*; do
		[ -x "$b" ] && targets+=("$(basename "$b")")
	done
fi
art=$build/artifacts
mkdir -p "$art"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
failed=0
# leaks count as findings; a slow input (10 s) or 2 GB of memory too
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in "${targets[@]}"; do
	bin=$build/$t
	if [ ! -x "$bin" ]; then
		echo "FAIL: $t: not built ($bin)"
		failed=1
		continue
	fi
	reg=("$here/regress/$t"/*)
	if [ -e "${reg[0]}" ]; then
		if "$bin" "${reg[@]}" >"$scratch/$t.regress.log" 2>&1; then
			echo "PASS: $t: ${#reg[@]} regression inputs replay clean"
		else
			echo "FAIL: $t: a regression input fails again"
			tail -n 30 "$scratch/$t.regress.log"
			failed=1
		fi
	fi
	mkdir -p "$scratch/$t"
	# a new format's target may have no seeds yet: it starts from nothing
	seeds=()
	[ -d "$here/corpus/$t" ] && seeds=("$here/corpus/$t")
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$art/$t-" \
		"$scratch/$t" "${seeds[@]}" >"$scratch/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' "$scratch/$t.log" | tail -n 1)
	echo "INFO: $t: ${secs} s, ${execs:-?} executions, ${cov:-cov: ?}," \
		"$(ls "$scratch/$t" | wc -l) new corpus entries"
	if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
		echo "PASS: $t: no finding in ${secs} s (${execs} executions)"
	else
		echo "FAIL: $t: exit $rc; crash input (if any): $(ls "$art/$t-"* 2>/dev/null | head -n 1)"
		grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$scratch/$t.log" | head -n 20
		tail -n 15 "$scratch/$t.log"
		failed=1
	fi
done
exit $failed
