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

$(BUILD)/loadgen: $(BUILD)/obj/tools/loadgen.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/upstream_rx: $(BUILD)/obj/tools/upstream_rx.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

bench: deps all
	BENCH_QUICK=$(or $(QUICK),$(BENCH_QUICK),0) bash tools/bench.sh $(BUILD)
