# mk/modem.mk: the modem driver's test helper and fuzzer (docs/modem.md).
#
# tests/unit/modem_cli.c, which tests/e2e/t_modem.sh runs against the
# emulator (modemsim.py), is built with the unit tests by the pattern rule
# for build/tests/%, but is not one of them (tests/run.sh runs test_* only).
unit: $(BUILD)/tests/modem_cli

# The libFuzzer target for the driver's pure parts: the module's lines cut
# and named, and the SMS PDUs (tests/fuzz/fuzz_modem.c).  Self-contained
# like fuzz_mqtt_packet: lib/ and the two files alone, built in seconds.
# Part of `make fuzz-build` (so tests/e2e/t_fuzz.sh runs it in the ASan
# suite) and of `make fuzz`; seeds in tests/fuzz/corpus/fuzz_modem/.
FUZZ_MODEM_BIN    = $(FUZZ_BUILD)/fuzz_modem
FUZZ_MODEM_SRC    = $(wildcard daemon/lib/*.c) drivers/io/modem_at.c drivers/io/modem_pdu.c
FUZZ_MODEM_OBJ    = $(patsubst %.c,$(FUZZ_BUILD)/obj-modem/%.o,$(FUZZ_MODEM_SRC))
FUZZ_MODEM_CFLAGS = -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
	-Idaemon/lib -Idrivers/io \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS     += fuzz_modem

fuzz-build: $(FUZZ_MODEM_BIN)

$(FUZZ_BUILD)/obj-modem/%.o: %.c $(wildcard daemon/lib/*.h) drivers/io/modem.h drivers/io/modem_int.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_MODEM_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_MODEM_BIN): tests/fuzz/fuzz_modem.c $(FUZZ_MODEM_OBJ)
	$(FUZZ_CC) $(FUZZ_MODEM_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_MODEM_OBJ) -lpthread -lm
