#!/usr/bin/env bash
# make check-core: daemon/core/ is the pure domain.  It may include only
# its own headers, lib/ and the C library: no SQLite, Paho, libgpiod,
# OpenSSL or cJSON, no header of a later layer (any header under the later
# layers' folders, so the list cannot fall behind the tree) and no struct
# daemon.  Prints each offending line and exits 1; the Makefile's include
# path already makes a later layer's header a compile error, this also
# covers system headers.  tools/check-layers.sh checks every layer.
set -u
cd "$(dirname "$0")/.."
dir=${1:-daemon/core}
later=$(for h in daemon/conf/*.h daemon/store/*.h daemon/io/*.h daemon/app/*.h \
		drivers/formats/*.h drivers/io/*.h; do
		[ -e "$h" ] && basename "$h" .h
	done | paste -sd'|')
bad=$(grep -nE "#[[:space:]]*include[[:space:]]*[<\"](sqlite3|MQTTAsync|MQTTClient|gpiod|cJSON|openssl/[a-z]*|$later)\\.h[\">]|#[[:space:]]*include[[:space:]]*\"\\.\\./|struct[[:space:]]+daemon\\b" \
	"$dir"/*.c "$dir"/*.h 2>/dev/null)
if [ -n "$bad" ]; then
	echo "check-core: $dir must stay pure (no SQLite, Paho, libgpiod, cJSON or daemon headers):"
	echo "$bad"
	exit 1
fi
echo "check-core: $dir is pure ($(ls "$dir"/*.[ch] | wc -l) files)"
