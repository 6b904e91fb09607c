# mk/fuzz.mk: libFuzzer targets for every device format's decoder and the
# config parser (issue 3), and for the downlink command surface (issue 5).  clang with libFuzzer, ASan and UBSan (Debian: clang,
# libclang-rt-14-dev).
#
#   make fuzz [FUZZ_SECONDS=60]   build, replay the regression inputs, then
#                                 fuzz each target FUZZ_SECONDS seconds
#   make fuzz-build               only build them (FUZZ_BUILD, default
#                                 build-fuzz)
#
# `make test` runs each briefly through tests/e2e/t_fuzz.sh.  New corpus
# entries go to a scratch directory, never into the seed corpus in
# tests/fuzz/corpus/<target>/ (tests/fuzz/mkcorpus.py writes it; a format
# without one starts from nothing); a crash input is kept in
# $(FUZZ_BUILD)/artifacts/ and belongs in tests/fuzz/regress/<target>/.

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
# one target per device format, from the files that define them
# (drivers/formats/fmt_<name>.c): a new format is fuzzed without a line here
FUZZ_FORMATS  = $(patsubst drivers/formats/fmt_%.c,%,$(sort $(wildcard drivers/formats/fmt_*.c)))
FUZZ_TARGETS  = $(FUZZ_FORMATS:%=fuzz_%) fuzz_config fuzz_downlink
# Not -Werror: clang warns on other things than gcc, and the gcc build
# (`make`) is the one that enforces a clean tree.
FUZZ_CFLAGS   = -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
	$(ALL_INC) $(shell $(PKG_CONFIG) --cflags $(PKGS)) \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
# control.c calls back into the loop, as in the unit tests
FUZZ_OBJ      = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(filter-out daemon/app/control.c,$(CORE_SRC)))
FUZZ_BINS     = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
# the web console's page table (mk/console.mk, generated from
# daemon/app/www/), which the app's objects name
ifneq ($(ASSET_GEN),)
FUZZ_OBJ     += $(FUZZ_BUILD)/obj/gen/http_assets.o
$(FUZZ_BUILD)/obj/gen/http_assets.o: $(ASSET_GEN) daemon/app/http_assets.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
endif

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_FORMATS:%=$(FUZZ_BUILD)/fuzz_%): $(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_decode.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_FORMAT='"$*"' -o $@ $< \
		$(FUZZ_OBJ) $(LDLIBS_ALL)

$(FUZZ_BUILD)/fuzz_config: tests/fuzz/fuzz_config.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LDLIBS_ALL)

# envelope, HMAC, window, replay cache and every command's body, against a
# real store (tests/fuzz/fuzz_downlink.c)
$(FUZZ_BUILD)/fuzz_downlink: tests/fuzz/fuzz_downlink.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LDLIBS_ALL)

fuzz: deps test-deps fuzz-build
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz-clean
clean: fuzz-clean
fuzz-clean:
	rm -rf $(FUZZ_BUILD)
