#!/usr/bin/env bash
# make check-layers: the tree's one direction of dependency
# (docs/architecture.md).  Layers, each allowed to use only those before it:
#
#   lib <- core <- formats <- conf <- store <- io <- app
#
# The Makefile compiles each layer with the include paths of that layer and
# the ones before it, so a wrong-way include does not compile; this names
# the file and line, and also fences the third-party libraries: each
# library's headers may appear only in the layer that wraps it.
# Usage: tools/check-layers.sh [TOP]   (a copy of the tree, for its test)
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

layers=(lib core formats conf store io app)
declare -A dirs=(
	[lib]="daemon/lib" [core]="daemon/core" [formats]="drivers/formats"
	[conf]="daemon/conf" [store]="daemon/store" [io]="daemon/io drivers/io"
	[app]="daemon/app"
)
# library header (regex on the include) -> the layers allowed to include it
declare -A fence=(
	['sqlite3\.h']="store"
	['MQTT(Async|Client)\.h']="io"
	['gpiod\.h']="io"
	['openssl/']="io"
	['curl/']="io"
	['systemd/']="io"
	['microhttpd\.h']="io"
	['argon2\.h']="io"
	# libraries loaded at run time (Paho, OpenSSL, libmicrohttpd, libcurl)
	# are io's, through dynlib.c
	['dlfcn\.h']="io"
	['cJSON\.h']="formats conf store io app"
)

declare -A rank header_layer
for i in "${!layers[@]}"; do
	rank[${layers[$i]}]=$i
	for d in ${dirs[${layers[$i]}]}; do
		for h in "$d"/*.h; do
			[ -e "$h" ] && header_layer[$(basename "$h")]=${layers[$i]}
		done
	done
done

# bash's own regex matching, no process per line: the test runs this
# several times on a busy machine
re_local='^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)"'
re_sys='^[[:space:]]*#[[:space:]]*include[[:space:]]*<([^>]+)>'
bad=0
for l in "${layers[@]}"; do
	for d in ${dirs[$l]}; do
		for f in "$d"/*.[ch]; do
			[ -e "$f" ] || continue
			while IFS=: read -r line text; do
				if [[ $text =~ $re_local ]]; then
					inc=${BASH_REMATCH[1]}
					case $inc in */*)
						echo "$f:$line: includes \"$inc\" by a path; name the header alone (the include path decides what a layer sees)"
						bad=1; continue;;
					esac
					hl=${header_layer[$inc]:-}
					if [ -z "$hl" ]; then
						echo "$f:$line: includes \"$inc\", which is in no layer"
						bad=1
					elif [ "${rank[$hl]}" -gt "${rank[$l]}" ]; then
						echo "$f:$line: layer $l includes \"$inc\" from layer $hl, which comes after it"
						bad=1
					fi
					continue
				fi
				[[ $text =~ $re_sys ]] || continue
				sys=${BASH_REMATCH[1]}
				for re in "${!fence[@]}"; do
					if [[ $sys =~ ^($re) ]] && [[ " ${fence[$re]} " != *" $l "* ]]; then
						echo "$f:$line: layer $l includes <$sys>, which only layer(s) ${fence[$re]} may use"
						bad=1
					fi
				done
			done < <(grep -n '#[[:space:]]*include' "$f")
		done
	done
done
# the central struct belongs to the app layer
while IFS= read -r hit; do
	echo "$hit: struct daemon outside the app layer"
	bad=1
done < <(grep -nE 'struct[[:space:]]+daemon\b' daemon/lib daemon/core drivers/formats \
	daemon/conf daemon/store daemon/io drivers/io -r --include='*.[ch]' 2>/dev/null)

if [ "$bad" -ne 0 ]; then
	echo "check-layers: a dependency points the wrong way (docs/architecture.md)"
	exit 1
fi
n=0
for l in "${layers[@]}"; do
	for d in ${dirs[$l]}; do
		for f in "$d"/*.[ch]; do [ -e "$f" ] && n=$((n + 1)); done
	done
done
echo "check-layers: ${#layers[@]} layers, $n files, every include points down"
