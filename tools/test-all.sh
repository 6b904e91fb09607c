#!/usr/bin/env bash
# make test: the suite against a normal build and an ASan/UBSan build, then
# the arm64 cross build's tests under emulation (make test-cross ARCH=arm64,
# mk/cross.mk, docs/arm.md); the combined "N passed, N failed" is the last
# line.  armhf has its own target (make test-cross ARCH=armhf).
set -u
cd "$(dirname "$0")/.."
total_p=0 total_f=0
for variant in "build" "build-asan SAN=1"; do
	set -- $variant
	dir=$1; shift
	echo "=== suite: $dir"
	if ! make --no-print-directory -j2 BUILD="$dir" "$@" all unit; then
		echo "FAIL: build $dir"
		total_f=$((total_f + 1))
		continue
	fi
	out=$(mktemp)
	bash tests/run.sh "$dir" | tee "$out"
	line=$(tail -n 1 "$out")
	p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	total_p=$((total_p + p)); total_f=$((total_f + f))
	rm -f "$out"
done
echo "=== suite: build-arm64 (cross build, under qemu-user)"
out=$(mktemp)
make --no-print-directory -j2 test-cross ARCH=arm64 2>&1 | tee "$out"
# the summary line (make's own error line follows it when a test failed)
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
rm -f "$out"
if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	total_p=$((total_p + BASH_REMATCH[1])); total_f=$((total_f + BASH_REMATCH[2]))
else
	# the build (or its dependencies) failed before any test ran
	echo "FAIL: cross build arm64"
	total_f=$((total_f + 1))
fi
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
