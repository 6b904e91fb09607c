# mk/modem.mk: the modem driver's test helper (tests/unit/modem_cli.c),
# which tests/e2e/t_modem.sh runs against the emulator (modemsim.py).  It is
# built with the unit tests by the pattern rule for build/tests/%, but is
# not one of them (tests/run.sh runs test_* only).
unit: $(BUILD)/tests/modem_cli
