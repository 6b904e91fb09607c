# tests/e2e/modemsim.sh: helpers for the modem emulator (modemsim.py),
# sourced after lib.sh by the tests that need a 4G module.
#
#   modemsim_start NAME [--pin PIN]  emulator with its device at $T/NAME.tty
#                                    (a symlink that survives unplug/replug),
#                                    its JSON-lines log at $T/NAME.log
#   modemsim_ctl NAME CMD...         apply control commands (one per
#                                    argument, e.g. "cms 500", "unplug"),
#                                    returning once the emulator applied them
#   modemsim_has NAME EXPR [ARGS]    some logged event e (a dict) makes the
#                                    Python expression EXPR true; ARGS are
#                                    the list a (a[0] the first)
#   modemsim_count NAME EXPR [ARGS]  how many do

modemsim_start() {
	local name=$1; shift
	local link=$T/$name.tty
	rm -f "$link" "$T/$name.ctl"
	: >"$T/$name.log"
	"${GUARD[@]}" "$PY" "$E2E/modemsim.py" --link "$link" --log "$T/$name.log" \
		--ctl "$T/$name.ctl" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	BG_PIDS+=($!)
	eval "MODEMSIM_PID_$name=$!"
	wait_for "grep -q '^READY' '$T/$name.out'" 10 || {
		fail "modem emulator $name starts" "$(tail -n 5 "$T/$name.err")"
		return 1
	}
}

modemsim_count() {
	local name=$1 expr=$2; shift 2
	"$PY" -c 'import json, sys
expr, path, a = sys.argv[1], sys.argv[2], sys.argv[3:]
n = 0
for line in open(path, encoding="utf-8"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if eval(expr):
        n += 1
print(n)' "$expr" "$T/$name.log" "$@"
}

modemsim_has() {
	local n
	n=$(modemsim_count "$@") || return 1
	[ "$n" -gt 0 ]
}

modemsim_ctl() {
	local name=$1; shift
	local before want c
	before=$(modemsim_count "$name" 'e["event"] == "ctl"')
	want=$((before + $#))
	: >"$T/$name.ctl.tmp"
	for c in "$@"; do
		printf '%s\n' "$c" >>"$T/$name.ctl.tmp"
	done
	mv "$T/$name.ctl.tmp" "$T/$name.ctl"
	wait_for "[ \$(modemsim_count '$name' 'e[\"event\"] == \"ctl\"') -ge $want ]" 10
}
