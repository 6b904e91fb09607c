# mk/bench.mk: the benchmark (issue 8).  `make bench` runs every scenario
# with hazardd and with a plain mosquitto bridge and writes
# docs/benchmarks.md and docs/benchmarks.json; `make bench QUICK=1` (or
# BENCH_QUICK=1) is a pass of under a minute that only keeps the harness
# honest.  Not part of `make test`: the full run takes ~25 minutes (3 of
# them scenario 3d, the drain of a 100,000-record backlog).

BENCH_TOOLS = $(BUILD)/loadgen $(BUILD)/upstream_rx

.PHONY: bench bench-tools
# The smoke test (tests/e2e/t_bench_smoke.sh) needs the tools in the build
# that `make check` tests, so they are part of `all`.
all: $(BENCH_TOOLS)
bench-tools: $(BENCH_TOOLS)

# both call Paho directly: linked with it (LDLIBS_PAHO)
$(BUILD)/loadgen: $(BUILD)/obj/tools/loadgen.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) $(LDLIBS_PAHO)

$(BUILD)/upstream_rx: $(BUILD)/obj/tools/upstream_rx.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) $(LDLIBS_PAHO)

bench: deps all
	BENCH_QUICK=$(or $(QUICK),$(BENCH_QUICK),0) bash tools/bench.sh $(BUILD)

# ------------------------------------------------ per architecture
# `make bench-arch [ARCH=amd64|arm64|armhf] [N=20000]`: instructions per
# reading for each architecture, the same workload for all
# (tools/bench/lib_insns.sh): the build machine's build under callgrind
# (tools/bench/callgrind.sh), the same build under qemu-x86_64 with the
# counting plugin (the method's check against callgrind), and the arm64
# and armhf builds under qemu-aarch64 / qemu-arm with it
# (tools/bench/emu_insns.sh).  Figures in docs/benchmarks.md,
# "Instructions per reading, per architecture"; each run's output in
# $(BUILD)/bench-arch/ARCH.txt.  A few minutes; not part of `make test` or
# `make bench`.
#
# The ARM builds are hazardd alone, as `make cross` builds it (into
# build-ARCH/, the target's compiler and its architecture's .pc files;
# gen_assets with HOSTCC), with tools/cross-builddeps.sh installing the
# cross toolchain and ARCH's -dev packages; the plugin is built with HOSTCC
# as a shared object for qemu-user (Debian's qemu-user, whose emulators,
# unlike qemu-user-static's, load plugins).
BENCH_ARCHES      = $(or $(ARCH),amd64 arm64 armhf)
BENCH_N           = $(or $(N),20000)
BENCH_TRIPLET_arm64 = aarch64-linux-gnu
BENCH_TRIPLET_armhf = arm-linux-gnueabihf

.PHONY: bench-arch bench-arch-deps $(addprefix bench-arch-,amd64 arm64 armhf)

$(BUILD)/qemu_insns.so: tools/bench/qemu_insns.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
		-shared -fPIC -o $@ $<

bench-arch-deps: deps
	@for p in qemu-user valgrind binutils; do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || m="$$m $$p"; \
	done; \
	if [ -n "$$m" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "bench-arch: run as root: apt-get install$$m"; exit 1; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $$m; \
	fi

bench-arch: $(addprefix bench-arch-,$(BENCH_ARCHES))
	@echo "== instructions per reading, per architecture (N=$(BENCH_N))"
	@cat $(addprefix $(BUILD)/bench-arch/,$(addsuffix .txt,$(BENCH_ARCHES))) | \
		grep -E 'per reading|hazardd: ELF'

bench-arch-amd64: bench-arch-deps all $(BUILD)/qemu_insns.so
	@mkdir -p $(BUILD)/bench-arch
	bash tools/bench/callgrind.sh $(BUILD) $(BENCH_N) | \
		sed -n '/^readings stored/,/^loop_handle_msg per reading/p' | \
		sed 's/^/amd64 (callgrind): /' >$(BUILD)/bench-arch/amd64.txt
	bash tools/bench/emu_insns.sh $(BUILD) $(BUILD) amd64 $(BENCH_N) | \
		sed 's/^amd64: /amd64 (qemu-x86_64): /' >>$(BUILD)/bench-arch/amd64.txt
	@cat $(BUILD)/bench-arch/amd64.txt

bench-arch-arm64 bench-arch-armhf: bench-arch-%: bench-arch-deps all $(BUILD)/qemu_insns.so
	@bash tools/cross-builddeps.sh $*
	+$(MAKE) --no-print-directory BUILD=build-$* SAN= CC=$(BENCH_TRIPLET_$*)-gcc \
		PKG_CONFIG="env PKG_CONFIG_LIBDIR=/usr/lib/$(BENCH_TRIPLET_$*)/pkgconfig:/usr/share/pkgconfig pkg-config" \
		HOSTCC=$(HOSTCC) build-$*/hazardd
	@mkdir -p $(BUILD)/bench-arch
	bash tools/bench/emu_insns.sh $(BUILD) build-$* $* $(BENCH_N) >$(BUILD)/bench-arch/$*.txt
	@cat $(BUILD)/bench-arch/$*.txt
