#!/usr/bin/env bash
# make test: the suite against a normal build and an ASan/UBSan build; the
# combined "N passed, N failed" is the last line.
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
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
