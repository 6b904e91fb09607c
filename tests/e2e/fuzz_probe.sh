# fuzz_probe.sh DIR: sourced by the fuzzer tests (t_fuzz.sh, t_fuzz_mqtt.sh).
# Skips the test (exit 77 with a SKIP line naming the Debian package) when
# clang is missing or cannot link libFuzzer with ASan and UBSan; DIR holds
# the probe's files.
fuzz_probe() {
	local dir=$1
	if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
		echo "SKIP: no clang (Debian: apt-get install clang libclang-rt-14-dev)"
		exit 77
	fi
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' \
		>"$dir/probe.c"
	if ! "${FUZZ_CC:-clang}" -fsanitize=fuzzer,address,undefined -o "$dir/probe" "$dir/probe.c" \
		>"$dir/probe.log" 2>&1; then
		echo "SKIP: clang cannot link libFuzzer (Debian: apt-get install libclang-rt-14-dev): $(head -n 1 "$dir/probe.log")"
		exit 77
	fi
}
