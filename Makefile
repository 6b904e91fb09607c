# hazardd: GNU make.  `make` builds, `make run` shows the demo, `make test`
# runs every test (normal and ASan/UBSan builds).  Every target that needs
# Debian packages runs `make deps` first, which installs what is missing.

BUILD   ?= build
SAN     ?=
CC      ?= cc
PREFIX  ?= /usr/local
PKGS     = libcjson sqlite3 libsystemd libgpiod libcrypto

# Recursive (=) on purpose: pkg-config runs only after `deps` installed it.
CFLAGS_ALL = -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-D_GNU_SOURCE -Idaemon -Itests/unit $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LDLIBS_ALL = -lpaho-mqtt3as $(shell pkg-config --libs $(PKGS)) -lpthread -lm $(LDLIBS)
ifeq ($(SAN),1)
CFLAGS_ALL += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS    += -fsanitize=address,undefined
endif

CORE_SRC  = $(filter-out daemon/hazardd.c,$(wildcard daemon/*.c)) $(wildcard drivers/*.c) \
	$(wildcard daemon/core/*.c)
CORE_OBJ  = $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
CTL_SRC   = tools/hazardctl.c daemon/util.c
# control.c calls back into hazardd.c (not linked into unit tests); only
# test_control links it, with its own test doubles of those calls.
TEST_OBJ  = $(filter-out $(BUILD)/obj/daemon/control.o,$(CORE_OBJ))
TEST_SRC  = $(wildcard tests/unit/test_*.c)
TEST_BIN  = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test check check-asan unit clean install check-core
all: $(BUILD)/hazardd $(BUILD)/hazardctl

deps:
	@sh tools/deps.sh

HEADERS = $(wildcard daemon/*.h drivers/*.h daemon/core/*.h)
$(BUILD)/obj/%.o: %.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# daemon/core/ is the pure domain (records, grading): it sees only its own
# folder and the C library, so an include of the daemon's header, the
# store or a transport fails to compile; `make check-core` also refuses
# any SQLite, Paho or libgpiod header there.
CFLAGS_CORE = -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-D_GNU_SOURCE -Idaemon/core $(CFLAGS)
ifeq ($(SAN),1)
CFLAGS_CORE += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
$(BUILD)/obj/daemon/core/%.o: daemon/core/%.c $(wildcard daemon/core/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_CORE) -c $< -o $@

check-core:
	@bash tools/check-core.sh

# The core's own tests: tables, linked with the core alone (no SQLite,
# no MQTT, no daemon), so they prove the core needs nothing else.
PURE_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard daemon/core/*.c))
$(BUILD)/tests/test_record: tests/unit/test_record.c $(PURE_OBJ) tests/unit/testing.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_CORE) -Itests/unit $(LDFLAGS) -o $@ $< $(PURE_OBJ) -lm

# clock.c: a wall clock before the build is wrong (reproducible builds set
# SOURCE_DATE_EPOCH; __DATE__ would trip Debian's -Wdate-time)
$(BUILD)/obj/daemon/clock.o: CFLAGS_ALL += -DHZ_BUILD_EPOCH_S=$(or $(SOURCE_DATE_EPOCH),$(shell date +%s))

$(BUILD)/hazardd: $(BUILD)/obj/daemon/hazardd.o $(CORE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/hazardctl: $(CTL_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/daemon/log.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_OBJ) tests/unit/testing.h | deps
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
test: deps
	@bash tools/test-all.sh

run: deps all
	@bash tools/demo.sh $(BUILD)

# `make install` (PREFIX, DESTDIR) and `make package` (the .deb): mk/package.mk

clean:
	rm -rf build build-asan

# Feature targets (fuzz, bench, package, gpio tests) live in their own files.
-include $(sort $(wildcard mk/*.mk))
