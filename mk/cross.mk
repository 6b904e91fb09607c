# mk/cross.mk: cross builds for the ARM gateways and their tests under
# emulation (docs/arm.md).
#
#   make cross ARCH=arm64|armhf        hazardd, hazardctl, the unit tests and
#                                      the fuzz targets' replay programs,
#                                      built for ARCH into build-ARCH/
#   make test-cross ARCH=arm64|armhf   that build's unit tests, fuzz inputs
#                                      and a set of end-to-end tests, run
#                                      through qemu-user; ends in
#                                      "N passed, N failed"
#
# Debian's cross toolchain and ARCH's multiarch -dev packages, installed by
# tools/deps.sh cross ARCH (as `make deps` does for the host).  armhf is
# built as Debian 12 builds it: 32-bit time_t, the ABI of its libraries.
# The build is the ordinary one (the Makefile's rules) with the target's
# compiler in CC and pkg-config looking only at ARCH's .pc files; what runs
# during the build (gen_assets) is built with HOSTCC.

CROSS_ARCHES        = arm64 armhf
CROSS_TRIPLET_arm64 = aarch64-linux-gnu
CROSS_TRIPLET_armhf = arm-linux-gnueabihf
CROSS_QEMU_arm64    = qemu-aarch64-static
CROSS_QEMU_armhf    = qemu-arm-static
CROSS_TRIPLET       = $(CROSS_TRIPLET_$(ARCH))
CROSS_BUILD         = build-$(ARCH)
# the multiarch .pc files and the architecture-independent ones; never the
# host's (/usr/lib/x86_64-linux-gnu/pkgconfig), which would hand out its
# library paths
CROSS_PKG_CONFIG    = env PKG_CONFIG_LIBDIR=/usr/lib/$(CROSS_TRIPLET)/pkgconfig:/usr/share/pkgconfig pkg-config

.PHONY: cross test-cross cross-check-arch fuzz-replay cross-clean

cross-check-arch:
	@case " $(CROSS_ARCHES) " in *" $(ARCH) "*) ;; \
	*) echo "cross: ARCH must be one of: $(CROSS_ARCHES) (got '$(ARCH)')" >&2; exit 2 ;; esac

cross: cross-check-arch
	@sh tools/deps.sh cross $(ARCH)
	+$(MAKE) --no-print-directory BUILD=$(CROSS_BUILD) SAN= CC=$(CROSS_TRIPLET)-gcc \
		PKG_CONFIG="$(CROSS_PKG_CONFIG)" HOSTCC=$(HOSTCC) all unit fuzz-replay

# tests/cross.sh writes the emulator's wrappers into build-ARCH/run-emu/ and
# runs tests/run.sh through them
test-cross: cross test-deps
	@bash tests/cross.sh $(CROSS_BUILD) $(CROSS_QEMU_$(ARCH)) $(CROSS_TRIPLET)

# ------------------------------------------------------------ fuzz replay

# Every fuzz target (mk/fuzz.mk, mk/fuzz_mqtt.mk, mk/modem.mk) as a plain
# program (tests/fuzz/replay.c) that feeds each file named on its command
# line to the target once: no libFuzzer, no sanitizers, any compiler, so
# the regression inputs and seed corpus run on the cross builds too.
# Linked with the unit tests' objects (every layer but control.c, as the
# fuzzers are).
REPLAY_FORMATS = $(patsubst drivers/formats/fmt_%.c,%,$(sort $(wildcard drivers/formats/fmt_*.c)))
REPLAY_DIR     = $(BUILD)/fuzz-replay
REPLAY_PLAIN   = fuzz_config fuzz_downlink fuzz_mqtt_packet fuzz_modem
REPLAY_BINS    = $(REPLAY_FORMATS:%=$(REPLAY_DIR)/fuzz_%) $(REPLAY_PLAIN:%=$(REPLAY_DIR)/%)

fuzz-replay: $(REPLAY_BINS)

$(REPLAY_FORMATS:%=$(REPLAY_DIR)/fuzz_%): $(REPLAY_DIR)/fuzz_%: tests/fuzz/fuzz_decode.c tests/fuzz/replay.c $(TEST_OBJ) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -DFUZZ_FORMAT='"$*"' -DREPLAY_TARGET='"fuzz_$*"' -o $@ \
		tests/fuzz/replay.c $< $(TEST_OBJ) $(LDLIBS_ALL)

$(REPLAY_PLAIN:%=$(REPLAY_DIR)/%): $(REPLAY_DIR)/%: tests/fuzz/%.c tests/fuzz/replay.c $(TEST_OBJ) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -DREPLAY_TARGET='"$*"' -o $@ \
		tests/fuzz/replay.c $< $(TEST_OBJ) $(LDLIBS_ALL)

clean: cross-clean
cross-clean:
	rm -rf $(CROSS_ARCHES:%=build-%)
