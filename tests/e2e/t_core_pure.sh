#!/usr/bin/env bash
# daemon/core/ is the pure domain: no SQLite, Paho, libgpiod, cJSON or the
# daemon's central struct.  Two fences keep it so: the Makefile compiles it
# with only daemon/lib and its own folder on the include path (so a header
# of a later layer is a compile error; t_layers covers every layer), and tools/check-core.sh refuses system headers of the
# transports.  This test shows both pass on the tree and both fail on a
# deliberate violation in a copy of the folder.
set -u
. "$(dirname "$0")/lib.sh"

cd "$TOP"
check "check-core passes on daemon/core" "refused" bash tools/check-core.sh

mkdir -p "$T/core"
cp daemon/core/*.c daemon/core/*.h "$T/core/"
# the same flags as the Makefile gives the core
flags="-std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -D_GNU_SOURCE -Idaemon/lib -I$T/core"
if cc $flags -c "$T/core/record.c" -o "$T/record.o" 2>"$T/cc.log"; then
	pass "the core compiles alone"
else
	fail "the core compiles alone" "$(head -5 "$T/cc.log")"
fi

# a wrong-way include: the store's header from the core
sed -i '0,/#include "record.h"/s//#include "record.h"\n#include "store.h"/' "$T/core/record.c"
if cc $flags -c "$T/core/record.c" -o "$T/record.o" 2>"$T/cc.log"; then
	fail "an include of store.h from the core does not compile" "it compiled"
else
	check "the compiler names the missing store header" "$(head -3 "$T/cc.log")" \
		grep -q 'store.h' "$T/cc.log"
fi
if out=$(bash tools/check-core.sh "$T/core" 2>&1); then
	fail "check-core refuses a later layer's header" "it passed: $out"
else
	check "check-core names the file and line" "$out" \
		grep -q "record.c:[0-9]*:#include \"store.h\"" <<<"$out"
fi

# a transport's system header (on the include path, so only check-core sees it)
cp daemon/core/record.c "$T/core/record.c"
sed -i '0,/#include <string.h>/s//#include <string.h>\n#include <sqlite3.h>/' "$T/core/record.c"
if out=$(bash tools/check-core.sh "$T/core" 2>&1); then
	fail "check-core refuses sqlite3.h" "it passed: $out"
else
	pass "check-core refuses sqlite3.h in the core"
fi
cp daemon/core/record.c "$T/core/record.c"
printf '\nstruct daemon;\n' >>"$T/core/types.h"
if bash tools/check-core.sh "$T/core" >/dev/null 2>&1; then
	fail "check-core refuses struct daemon" "it passed"
else
	pass "check-core refuses struct daemon in the core"
fi
