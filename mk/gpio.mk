# GPIO on a real kernel: Debian's 6.1 kernel under qemu with gpio-sim.
# `make gpio-test` runs only that scenario against $(BUILD); `make test`
# runs it too, as tests/e2e/t_gpio.sh.  The kernel and gpio-sim.ko are
# cached per kernel ABI in $(GPIOSIM_CACHE).
GPIOSIM_CACHE ?= build/gpiosim-cache

.PHONY: gpio-setup gpio-test
gpio-setup:
	sh tests/gpio/setup.sh $(GPIOSIM_CACHE)

gpio-test: all
	HAZARDD=$(abspath $(BUILD))/hazardd HAZARDCTL=$(abspath $(BUILD))/hazardctl \
	GPIOSIM_CACHE=$(abspath $(GPIOSIM_CACHE)) bash tests/e2e/t_gpio.sh
