# mk/console.mk: the web console's pages built into hazardd
# (docs/console.md).  daemon/app/www/ becomes $(BUILD)/gen/http_assets.c,
# the table daemon/app/http_assets.h declares, by tools/gen_assets.c; the
# browser test's npm dependency (tests/browser/) and the screenshots.

WWW_FILES  = $(sort $(notdir $(wildcard daemon/app/www/*)))
ASSET_GEN  = $(BUILD)/gen/http_assets.c
ASSET_OBJ  = $(BUILD)/obj/gen/http_assets.o

# runs during the build, so built for the build machine (HOSTCC), never
# sanitized or cross-compiled
$(BUILD)/gen_assets: tools/gen_assets.c | deps
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<

# the list of files is part of the input: a file removed must leave the table
$(ASSET_GEN): $(BUILD)/gen_assets $(addprefix daemon/app/www/,$(WWW_FILES)) mk/console.mk
	@mkdir -p $(dir $@)
	$(BUILD)/gen_assets $@ daemon/app/www $(WWW_FILES)

# the table's header is the server's (daemon/app/http_assets.h); app layer
$(ASSET_OBJ): $(ASSET_GEN) daemon/app/http_assets.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(call layer_inc,app) -c $< -o $@

# Linked wherever the app layer is: the daemon, and the unit tests that
# link the app's objects (CORE_OBJ and TEST_OBJ are expanded when their
# recipes run, so appending here reaches them; the prerequisites are
# added by name).
ifneq ($(wildcard daemon/app/http_assets.h),)
CORE_OBJ += $(ASSET_OBJ)
# (modem_cli too: built by the same pattern rule as the unit tests, and
# a parallel build linked it before the table was compiled)
$(BUILD)/hazardd $(TEST_BIN) $(BUILD)/tests/test_control $(BUILD)/tests/modem_cli: $(ASSET_OBJ)
endif

# ------------------------------------------------------------ browser test

# playwright-core from the npm registry, pinned by tests/browser/package.json
# and package-lock.json; the browser is Debian's chromium (tools/deps.sh),
# never a download.  Run by tests/e2e/t_console.sh (through make, so a
# fresh clone installs it) and by `make screenshots`.
.PHONY: browser-deps screenshots
browser-deps: tests/browser/node_modules/.installed

tests/browser/node_modules/.installed: tests/browser/package.json tests/browser/package-lock.json | deps
	cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# docs/console/*.png: every page in Chinese and English, from the same
# harness as the browser test (tests/e2e/t_console.sh SHOTS=dir)
screenshots: deps all browser-deps
	HAZARDD=$(CURDIR)/$(BUILD)/hazardd HAZARDCTL=$(CURDIR)/$(BUILD)/hazardctl \
		BUILD_DIR=$(CURDIR)/$(BUILD) TOP=$(CURDIR) \
		CONSOLE_SHOTS=$(CURDIR)/docs/console bash tests/e2e/t_console.sh

# a fresh clone's `make test` installs the browser test's dependency first
test: browser-deps
