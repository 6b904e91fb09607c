#!/usr/bin/env bash
# The layered tree (docs/architecture.md): lib <- core <- formats <- conf
# <- store <- io <- app, each using only those before it.  Two fences keep
# it so: the Makefile compiles a layer with the include paths of that layer
# and the ones before it (a wrong-way include does not compile), and
# tools/check-layers.sh names the file and line, and keeps each
# third-party library's headers in the layer that wraps it.  This test
# shows both hold on the tree and both catch a deliberate violation in a
# copy of it.
set -u
. "$(dirname "$0")/lib.sh"

cd "$TOP"
check "check-layers passes on the tree" "refused" bash tools/check-layers.sh

mkdir -p "$T/tree"
cp -r daemon drivers tools Makefile mk "$T/tree/"
inc_core=$(make -s -C "$T/tree" layer-flags LAYER=core)
check "the core's include path holds lib and core only" "$inc_core" \
	[ "$inc_core" = "-Idaemon/lib -Idaemon/core" ]
inc_store=$(make -s -C "$T/tree" layer-flags LAYER=store)
check "the store's include path ends at the store" "$inc_store" \
	[ "$inc_store" = "-Idaemon/lib -Idaemon/core -Idrivers/formats -Idaemon/conf -Idaemon/store" ]
flags="-std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -D_GNU_SOURCE $(pkg-config --cflags libcjson)"

cd "$T/tree"

# One deliberate violation in the copy: check-layers must refuse it (what)
# and its output must match pattern (named); file is then restored.
refused() {
	local what=$1 named=$2 pattern=$3 file=$4 out
	if out=$(bash tools/check-layers.sh "$T/tree" 2>&1); then
		fail "$what" "it passed: $out"
	else
		check "$named" "$out" grep -q "$pattern" <<<"$out"
	fi
	cp "$TOP/$file" "$file"
}
if cc $flags $inc_core -c daemon/core/rules.c -o "$T/rules.o" 2>"$T/cc.log"; then
	pass "the rules compile with the core's include path"
else
	fail "the rules compile with the core's include path" "$(head -5 "$T/cc.log")"
fi

# a wrong-way include: the store from the core's rules
sed -i '0,/#include "core.h"/s//#include "core.h"\n#include "store.h"/' daemon/core/rules.c
line=$(grep -n '#include "store.h"' daemon/core/rules.c | cut -d: -f1)
if cc $flags $inc_core -c daemon/core/rules.c -o "$T/rules.o" 2>"$T/cc.log"; then
	fail "the core including the store does not compile" "it compiled"
else
	check "the compiler names the store's header" "$(head -3 "$T/cc.log")" \
		grep -q 'store.h' "$T/cc.log"
fi
refused "check-layers refuses the wrong-way include" \
	"check-layers names the file, line and layers" \
	"daemon/core/rules.c:$line: layer core includes \"store.h\" from layer store" \
	daemon/core/rules.c

# io reaching up into the app
sed -i '0,/#include "io.h"/s//#include "io.h"\n#include "app.h"/' daemon/io/uplink.c
refused "check-layers refuses io including app" "check-layers names io including app" \
	'daemon/io/uplink.c:[0-9]*: layer io includes "app.h" from layer app' \
	daemon/io/uplink.c

# a library outside its layer: SQLite in a device format
sed -i '0,/#include "formats.h"/s//#include "formats.h"\n#include <sqlite3.h>/' drivers/formats/fmt_tasmota.c
refused "check-layers refuses sqlite3.h in a format" \
	"check-layers names the library and the layer allowed it" \
	'drivers/formats/fmt_tasmota.c:[0-9]*: layer formats includes <sqlite3.h>, which only layer(s) store may use' \
	drivers/formats/fmt_tasmota.c

# libsystemd is io's (notify.c, the transport): not in the app layer
sed -i '0,/#include "app.h"/s//#include "app.h"\n#include <systemd\/sd-daemon.h>/' daemon/app/reload.c
refused "check-layers refuses systemd in the app layer" \
	"check-layers names systemd and the layer allowed it" \
	'daemon/app/reload.c:[0-9]*: layer app includes <systemd/sd-daemon.h>, which only layer(s) io may use' \
	daemon/app/reload.c

# the central struct below the app layer
printf '\nstruct daemon;\n' >>daemon/store/store.h
if bash tools/check-layers.sh "$T/tree" >/dev/null 2>&1; then
	fail "check-layers refuses struct daemon in the store" "it passed"
else
	pass "check-layers refuses struct daemon outside the app layer"
fi
cp "$TOP/daemon/store/store.h" daemon/store/store.h
check "the copy is clean again" "refused" bash tools/check-layers.sh "$T/tree"
