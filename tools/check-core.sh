#!/usr/bin/env bash
# make check-core: daemon/core/ is the pure domain.  It may include only
# its own headers, lib/ and the C library: no SQLite, Paho, libgpiod or cJSON,
# no header of a later layer and no struct daemon.  Prints each offending line and
# exits 1; the Makefile's include path already makes a daemon header a
# compile error, this also covers system headers.
set -u
cd "$(dirname "$0")/.."
dir=${1:-daemon/core}
bad=$(grep -nE '#[[:space:]]*include[[:space:]]*[<"](sqlite3|MQTTAsync|MQTTClient|gpiod|cJSON|openssl/[a-z]*|store|store_internal|hwm|conf|config_lines|formats|io|device_io|mqtt_link|app|daemon|outputs|front|records)\.h[">]|#[[:space:]]*include[[:space:]]*"\.\./|struct[[:space:]]+daemon\b' \
	"$dir"/*.c "$dir"/*.h 2>/dev/null)
if [ -n "$bad" ]; then
	echo "check-core: $dir must stay pure (no SQLite, Paho, libgpiod, cJSON or daemon headers):"
	echo "$bad"
	exit 1
fi
echo "check-core: $dir is pure ($(ls "$dir"/*.[ch] | wc -l) files)"
