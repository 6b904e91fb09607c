#!/usr/bin/env bash
# t_man.sh: the man pages hazardd(8), hazardctl(1), hazardd.json(5) are
# clean for `mandoc -T lint` and `man --warnings`, and document what the
# programs and the config parser actually have: every option in --help,
# every hazardctl command, every key of the example config.
source "$(dirname "$0")/lib.sh"

MAN=$TOP/man
PAGES="hazardd.8 hazardctl.1 hazardd.json.5"

for p in $PAGES; do
	check "$p exists" "missing" test -s "$MAN/$p"
done

if command -v mandoc >/dev/null; then
	for p in $PAGES; do
		# -W warning: warnings and errors; STYLE notes (a referenced page
		# not installed on this machine) are not counted
		out=$(mandoc -T lint -W warning "$MAN/$p" 2>&1)
		check "mandoc -T lint $p" "$out" test -z "$out"
	done
else
	echo "SKIP: mandoc missing (apt-get install mandoc); lint by man only"
fi
if command -v man >/dev/null; then
	for p in $PAGES; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$MAN/$p" 2>&1 >"$T/$p.txt")
		check "man --warnings $p" "$out" test -z "$out"
		check "man renders $p" "empty output" test -s "$T/$p.txt"
	done
else
	echo "SKIP: man missing"
fi

# every long option of `hazardd --help` and `hazardctl --help` is documented
for prog in hazardd hazardctl; do
	case $prog in
	hazardd) bin=$HAZARDD page=hazardd.8 ;;
	hazardctl) bin=$HAZARDCTL page=hazardctl.1 ;;
	esac
	opts=$("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	check "$prog --help lists options" "none found" test -n "$opts"
	for o in $opts; do
		# mdoc writes --config as "Fl -config"
		check "$page documents $o" "no 'Fl ${o#-}'" grep -qE -- "Fl ${o#-}( |$)" "$MAN/$page"
	done
done
# every command in `hazardctl --help` (its "commands:" block); a line
# naming several ("alarms|faults|hazards|records") counts each of them
cmds=$("$HAZARDCTL" --help | awk '/^commands:/ { on = 1; next } /^[^ ]/ { on = 0 }
	on && /^  [a-z]/ { print $1 }' | tr '|' '\n')
check "hazardctl --help lists commands" "none found" test -n "$cmds"
for c in $cmds; do
	check "hazardctl.1 documents the command $c" "missing" \
		grep -qE "^\.It Cm $c( |$)" "$MAN/hazardctl.1"
done

# every key of the example config (at any depth; _comment keys aside) and
# of the tables in docs/config.md
keys=$("$PY" -c '
import json, sys
seen = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if not k.startswith("_comment"):
                seen.add(k)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(json.load(open(sys.argv[1])))
# and every key in the first column of a table in docs/config.md
import re
for line in open(sys.argv[2], encoding="utf-8"):
    m = re.match(r"\|([^|]*)\|", line)
    if m and line.count("|") > 3:
        seen.update(re.findall(r"`([a-z_][a-z0-9_]*)`", m.group(1)))
print("\n".join(sorted(seen)))' "$TOP/config/hazardd.json" "$TOP/docs/config.md")
check "example config and docs/config.md have keys" "none" test -n "$keys"
missing=""
for k in $keys; do
	# ".Ss key", ".Ss parent.key[]", ".It Cm key", ".Cm key ," or ".It Cm a , key , b"
	grep -qE "^\.(Ss|It Cm|Cm) (.*[ ,.])?$k(\[\])?( |,|$)" "$MAN/hazardd.json.5" || missing="$missing $k"
done
check "hazardd.json.5 documents every key of config/hazardd.json and docs/config.md" "missing:$missing" \
	test -z "$missing"
