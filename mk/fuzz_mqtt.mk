# mk/fuzz_mqtt.mk: the libFuzzer target for the local broker subscriber's
# packet decoder (drivers/io/mqtt_packet.c, tests/fuzz/fuzz_mqtt_packet.c).
# clang with libFuzzer, ASan and UBSan, like mk/fuzz.mk's targets, but
# self-contained: it compiles the codec and lib/ alone into its own object
# directory, so it builds in seconds.
#
#   make fuzz-mqtt [FUZZ_SECONDS=60]   build, replay the regression inputs
#                                      (tests/fuzz/regress/mqtt_packet/),
#                                      then fuzz FUZZ_SECONDS seconds from
#                                      the seed corpus of captured mosquitto
#                                      traffic (tests/fuzz/corpus/fuzz_mqtt_packet/)
#   make fuzz-mqtt-build               only build it (FUZZ_BUILD)
#
# `make fuzz` runs it too; `make test` through tests/e2e/t_fuzz_mqtt.sh.
# A crash input belongs in tests/fuzz/regress/mqtt_packet/.

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_MQTT_BIN    = $(FUZZ_BUILD)/fuzz_mqtt_packet
FUZZ_MQTT_SRC    = $(wildcard daemon/lib/*.c) drivers/io/mqtt_packet.c
FUZZ_MQTT_OBJ    = $(patsubst %.c,$(FUZZ_BUILD)/obj-mqtt/%.o,$(FUZZ_MQTT_SRC))
# the codec sees lib/ and its own folder, as in the io layer
FUZZ_MQTT_CFLAGS = -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
	-Idaemon/lib -Idrivers/io \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

.PHONY: fuzz-mqtt fuzz-mqtt-build
fuzz-mqtt-build: $(FUZZ_MQTT_BIN)

$(FUZZ_BUILD)/obj-mqtt/%.o: %.c $(wildcard daemon/lib/*.h) drivers/io/mqtt_packet.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_MQTT_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_MQTT_BIN): tests/fuzz/fuzz_mqtt_packet.c $(FUZZ_MQTT_OBJ)
	$(FUZZ_CC) $(FUZZ_MQTT_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_MQTT_OBJ) -lpthread -lm

fuzz-mqtt: deps test-deps fuzz-mqtt-build
	bash tests/fuzz/run_mqtt.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz: fuzz-mqtt
