# mk/soak.mk: the long kill -9 campaign (issue 16).  `make soak` runs
# tests/e2e/t_kill9_stream.sh, the same script `make test` runs with 50
# rounds, with ROUNDS rounds (1000) against $(BUILD)/hazardd, and appends
# its figures as a Markdown table row to $(SOAK_OUT); the rows are copied
# into docs/benchmarks.md by hand.  SOAK_SEED replays one run's kill
# moments.  1000 rounds take about 20 minutes on a 2-core machine.

SOAK_OUT ?= $(BUILD)/soak.md

.PHONY: soak
soak: deps all
	@ROUNDS=$(or $(ROUNDS),1000) SOAK_FIGURES=$(abspath $(SOAK_OUT)) \
	HAZARDD=$(abspath $(BUILD))/hazardd HAZARDCTL=$(abspath $(BUILD))/hazardctl \
	BUILD_DIR=$(abspath $(BUILD)) TOP=$(CURDIR) \
	bash tests/e2e/t_kill9_stream.sh; rc=$$?; \
	echo "== figures appended to $(SOAK_OUT); the lines for docs/benchmarks.md:"; \
	head -n 2 $(SOAK_OUT); tail -n 1 $(SOAK_OUT); \
	exit $$rc
