#!/bin/sh
# extract-vmlinux.sh VMLINUZ OUT: the uncompressed ELF inside an XZ bzImage
# (Debian amd64 kernels use CONFIG_KERNEL_XZ).
set -e
in=$1; out=$2
for pos in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$in" | cut -d: -f1); do
	tail -c +$((pos + 1)) "$in" | xz -dc 2>/dev/null > "$out.tmp" || true
	if [ "$(head -c4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		mv "$out.tmp" "$out"; exit 0
	fi
done
rm -f "$out.tmp"; echo "no xz-compressed ELF found in $in" >&2; exit 1
