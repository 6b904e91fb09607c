# hazardd: GNU make.  `make` builds, `make run` shows the demo, `make test`
# runs every test (normal and ASan/UBSan builds).  Every target that needs
# Debian packages runs `make deps` first, which installs what is missing
# for building and running; `make test` runs `make test-deps`, which adds
# the test suite's own tools (tools/deps.sh).

BUILD   ?= build
SAN     ?=
CC      ?= cc
# a cross build (mk/cross.mk) names the target's compiler in CC and its
# pkg-config in PKG_CONFIG; HOSTCC builds what runs during the build
HOSTCC  ?= cc
PKG_CONFIG ?= pkg-config
PREFIX  ?= /usr/local
PKGS     = libcjson sqlite3 libsystemd libgpiod libcrypto libmicrohttpd libargon2 libcurl

# Recursive (=) on purpose: pkg-config runs only after `deps` installed it.
CFLAGS_BASE = -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-D_GNU_SOURCE $(CFLAGS)
ifeq ($(SAN),1)
CFLAGS_BASE += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS     += -fsanitize=address,undefined
endif
# not linked: the console's libmicrohttpd and the webhooks' libcurl are
# loaded when configured (daemon/io/dynlib.h), OpenSSL's libcrypto and
# libssl at their first need (daemon/io/ossl.h), and Paho in the build the
# links need, with TLS or without (daemon/io/paho.h: no -lpaho-mqtt3as);
# systemd's notify protocol is spoken by daemon/io/notify.c itself.  Their
# headers are still compiled in (LIB_CFLAGS).
PKGS_NOLINK = libmicrohttpd libcurl libsystemd libcrypto libssl
LDLIBS_ALL = $(shell $(PKG_CONFIG) --libs $(filter-out $(PKGS_NOLINK),$(PKGS))) -lpthread -lm $(LDLIBS)
# programs that call Paho themselves, not through daemon/io/paho.h: the
# benchmark's load generator and upstream receiver (mk/bench.mk)
LDLIBS_PAHO = -lpaho-mqtt3as

# The layers (docs/architecture.md), each allowed to use only those before
# it.  A layer's files are compiled with the include paths of that layer
# and the ones before it, nothing else: an include pointing the wrong way
# is a compile error, and `make check-layers` names the file.
LAYERS        = lib core formats conf store io app
LAYER_lib     = daemon/lib
LAYER_core    = daemon/core
LAYER_formats = drivers/formats
LAYER_conf    = daemon/conf
LAYER_store   = daemon/store
LAYER_io      = daemon/io drivers/io
LAYER_app     = daemon/app
# -I for a layer and every layer before it
layer_inc  = $(foreach l,$(call layers_to,$(1)),$(addprefix -I,$(LAYER_$(l))))
layers_to  = $(call _layers_to,$(1),$(LAYERS))
_layers_to = $(if $(2),$(firstword $(2)) $(if $(filter $(1),$(firstword $(2))),,$(call _layers_to,$(1),$(wordlist 2,99,$(2)))))
# external libraries: only the layers that fence them need their headers,
# but pkg-config's flags are plain system paths, so every layer gets them;
# tools/check-layers.sh refuses a library header outside its layer
LIB_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
ALL_INC    = $(call layer_inc,app)
# tests and fuzzers see every layer
CFLAGS_ALL = $(CFLAGS_BASE) $(ALL_INC) -Itests/unit $(LIB_CFLAGS)

LAYER_SRC = $(foreach l,$(LAYERS),$(foreach d,$(LAYER_$(l)),$(wildcard $(d)/*.c)))
# the console's pages (app/http_assets.h): generated from daemon/app/www/
# into $(BUILD)/gen/http_assets.c where that folder exists, else the
# built-in page of http_assets_fallback.c
ifneq ($(wildcard daemon/app/www),)
LAYER_SRC := $(filter-out daemon/app/http_assets_fallback.c,$(LAYER_SRC))
endif
# the daemon process itself (main, the loop, its pass, status: loop.h) is
# linked into hazardd only; unit tests bring their own doubles of it
DAEMON_SRC = $(filter daemon/app/main.c daemon/app/loop%.c,$(LAYER_SRC))
CORE_SRC  = $(filter-out $(DAEMON_SRC),$(LAYER_SRC))
CORE_OBJ  = $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
CTL_SRC   = tools/hazardctl.c tools/hazardctl_render.c tools/hazardctl_print.c \
	    tools/hazardctl_watch.c tools/hazardctl_entries.c tools/hazardctl_evidence.c \
	    tools/hazardctl_user.c tools/hazardctl_status.c \
	    tools/hazardctl_usage.c tools/hazardctl_opts.c tools/hazardctl_commands.c \
	    tools/hazardctl_request.c tools/hazardctl_conn.c \
	    daemon/lib/util.c daemon/lib/clock.c daemon/lib/base64.c
# hazardctl init and devices --unknown --config: the device formats (the
# decoders and the kind inference, so that init reads a payload as the
# daemon will) and the intake's own MQTT 3.1.1 subscriber (init's
# listening window; its TLS loads libssl as the daemon does: ossl.c,
# dynlib.c), with what they stand on: lib and core
CTL_INIT_SRC = tools/hazardctl_init.c
CTL_INIT_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out daemon/lib/util.c daemon/lib/clock.c \
	daemon/lib/log.c daemon/lib/base64.c,$(wildcard daemon/lib/*.c)) $(wildcard daemon/core/*.c) \
	$(wildcard drivers/formats/*.c) drivers/io/mqtt_sub.c drivers/io/mqtt_packet.c \
	drivers/io/mqtt_sub_stream.c daemon/io/ossl.c daemon/io/dynlib.c)
# control.c calls back into the loop (not linked into unit tests); only
# test_control links it, with its own test doubles of those calls.
TEST_OBJ  = $(filter-out $(BUILD)/obj/daemon/app/control.o,$(CORE_OBJ))
TEST_SRC  = $(wildcard tests/unit/test_*.c)
TEST_BIN  = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test-deps run test check check-asan unit clean install check-core check-layers layer-flags
all: $(BUILD)/hazardd $(BUILD)/hazardctl

deps:
	@sh tools/deps.sh run

test-deps:
	@sh tools/deps.sh test

HEADERS = $(foreach l,$(LAYERS),$(foreach d,$(LAYER_$(l)),$(wildcard $(d)/*.h)))

# One pattern rule per layer directory, with that layer's include path.
define layer_rule
$$(BUILD)/obj/$(2)/%.o: $(2)/%.c $$(HEADERS) | deps
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $$(call layer_inc,$(1)) $$(LIB_CFLAGS) -c $$< -o $$@
endef
$(foreach l,$(LAYERS),$(foreach d,$(LAYER_$(l)),$(eval $(call layer_rule,$(l),$(d)))))
# everything else (tools, tests) sees every layer
$(BUILD)/obj/%.o: %.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

check-core:
	@bash tools/check-core.sh

check-layers:
	@bash tools/check-layers.sh

# The include flags a layer is compiled with (its test compiles a copy).
layer-flags:
	@echo $(call layer_inc,$(LAYER))

# The core's own tests: tables, linked with the core and lib alone (no
# SQLite, no MQTT, no daemon), so they prove the core needs nothing else.
PURE_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard daemon/lib/*.c daemon/core/*.c))
$(BUILD)/tests/test_record: tests/unit/test_record.c $(PURE_OBJ) tests/unit/testing.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(call layer_inc,core) -Itests/unit $(LDFLAGS) -o $@ $< $(PURE_OBJ) -lm

# clock.c: a wall clock before the build is wrong (reproducible builds set
# SOURCE_DATE_EPOCH; __DATE__ would trip Debian's -Wdate-time)
$(BUILD)/obj/daemon/lib/clock.o: CFLAGS_BASE += -DHZ_BUILD_EPOCH_S=$(or $(SOURCE_DATE_EPOCH),$(shell date +%s))

$(BUILD)/hazardd: $(DAEMON_SRC:%.c=$(BUILD)/obj/%.o) $(CORE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# hazardctl speaks the control protocol and sees lib/ only; init alone
# sees formats (and the subscriber's header in drivers/io)
$(patsubst %.c,$(BUILD)/obj/%.o,$(filter tools/%,$(CTL_SRC))): $(BUILD)/obj/tools/%.o: tools/%.c tools/hazardctl.h $(wildcard daemon/lib/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(call layer_inc,lib) $(LIB_CFLAGS) -c $< -o $@

$(BUILD)/obj/tools/hazardctl_init.o: tools/hazardctl_init.c tools/hazardctl.h $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(call layer_inc,formats) -Idrivers/io $(LIB_CFLAGS) -c $< -o $@

$(BUILD)/hazardctl: $(CTL_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/daemon/lib/log.o \
		    $(CTL_INIT_SRC:%.c=$(BUILD)/obj/%.o) $(CTL_INIT_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_OBJ) tests/unit/testing.h tests/unit/test_db.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $< $(TEST_OBJ) $(LDLIBS_ALL)

$(BUILD)/tests/test_control: tests/unit/test_control.c $(CORE_OBJ) tests/unit/testing.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $< $(CORE_OBJ) $(LDLIBS_ALL)

unit: $(TEST_BIN)

# One suite run against one build directory.
check: all unit
	bash tests/run.sh $(BUILD)

check-asan:
	$(MAKE) BUILD=build-asan SAN=1 check

# Both builds; the last line is the combined "N passed, N failed".
test: deps test-deps
	@bash tools/test-all.sh

run: deps all
	@bash tools/demo.sh $(BUILD)

# `make install` (PREFIX, DESTDIR) and `make package` (the .deb): mk/package.mk

clean:
	rm -rf build build-asan

# Feature targets (fuzz, bench, package, gpio tests) live in their own files.
-include $(sort $(wildcard mk/*.mk))
