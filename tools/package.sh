#!/usr/bin/env bash
# tools/package.sh BUILD_DIR [ARCH]: `make package [ARCH=arm64|armhf]`.
# Builds the Debian package from a scratch copy of the tree (the files git
# knows, nothing built) in BUILD_DIR/pkg/ARCH, runs lintian (errors fail,
# warnings are listed), checks the contents, and leaves the .deb in
# BUILD_DIR/pkg beside the other architectures'.
#
# The build machine's own architecture (the default) is installed into a
# throwaway root with dpkg --root to prove that it installs (maintainer
# scripts included: they honour DPKG_ROOT) and its programs are run there.
# Another architecture is cross-built (dpkg-buildpackage -a ARCH, with
# Debian's cross toolchain and ARCH's multiarch -dev packages, installed
# here when missing and run as root); its install check is what can be
# done without that machine: the package's metadata (Architecture, Depends
# as dpkg-shlibdeps computed them from ARCH's libraries), the ELF machine
# of its programs, and both programs' --version run under qemu-user.
# Prints "PASS: ..." / "FAIL: ..." lines; exit 0 only if all passed.
set -u
cd "$(dirname "$0")/.."
top=$PWD
build=${1:-build}
native=$(dpkg --print-architecture)
arch=${2:-$native}
[ -n "$arch" ] || arch=$native
pkg=$top/$build/pkg
version=$(dpkg-parsechangelog -S Version 2>/dev/null || echo 0.1.0)
work=$pkg/$arch
src=$work/hazardd-$version
n_fail=0
pass() { echo "PASS: package $arch: $1"; }
fail() { echo "FAIL: package $arch: $1: $2"; n_fail=$((n_fail + 1)); }

for tool in dpkg-buildpackage dh lintian; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL: package: $tool missing (make test-deps installs debhelper, dpkg-dev, lintian)"
		exit 1
	fi
done
# an architecture dpkg knows; a foreign one needs its cross toolchain
dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH >/dev/null 2>&1 ||
	{ echo "FAIL: package: unknown architecture '$arch' (arm64, armhf or $native)"; exit 1; }
cross=0
if [ "$arch" != "$native" ]; then
	cross=1
	case $arch in
	arm64) qemu=qemu-aarch64-static ;;
	armhf) qemu=qemu-arm-static ;;
	*) echo "FAIL: package: no cross build for '$arch' (arm64, armhf or $native)"; exit 1 ;;
	esac
	bash tools/cross-builddeps.sh "$arch" || { fail "build dependencies" "not installed for $arch"; exit 1; }
fi

# ---------------------------------------------------------------- the copy
# only this architecture's work and .deb go: the others' stay beside it
rm -rf "$work"
rm -f "$pkg"/hazardd*_"$arch".deb "$pkg"/hazardd*_"$arch".buildinfo "$pkg"/hazardd*_"$arch".changes
[ "$cross" -eq 1 ] || rm -rf "$pkg/root"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# tracked files plus new ones not ignored: what a commit would hold
	git -C "$top" ls-files -z -c -o --exclude-standard |
		(cd "$top" && xargs -0 cp --parents -t "$src" 2>/dev/null)
else
	tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
[ -x "$src/debian/rules" ] || { fail "copy" "no debian/rules in $src"; exit 1; }

# ---------------------------------------------------------------- build
bp_args=(-us -uc -b -j"$(nproc)")
[ "$cross" -eq 1 ] && bp_args+=(-a"$arch")
echo "package: dpkg-buildpackage ${bp_args[*]} in $src (log: $work/build.log)"
t0=$(date +%s)
if (cd "$src" && dpkg-buildpackage "${bp_args[@]}") >"$work/build.log" 2>&1; then
	pass "dpkg-buildpackage ${bp_args[*]} ($(($(date +%s) - t0)) s)"
else
	fail "dpkg-buildpackage" "see $work/build.log"
	tail -n 25 "$work/build.log"
	exit 1
fi
# beside the other architectures' (dpkg-buildpackage leaves them in $work)
mv "$work"/hazardd*_"$version"_"$arch".* "$pkg"/ 2>/dev/null
deb=$pkg/hazardd_${version}_$arch.deb
[ -f "$deb" ] && pass "built $(basename "$deb")" || { fail "deb" "no $(basename "$deb") in $pkg"; exit 1; }

# ---------------------------------------------------------------- lintian
# lintian of the build machine reads a foreign .deb as well (its checks of
# ELF files go through binutils' multi-architecture readelf/objdump)
lintian -I --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>&1
echo "package: lintian $(basename "$deb"):"
sed 's/^/  | /' "$work/lintian.txt"
if grep -q '^E: ' "$work/lintian.txt"; then
	fail "lintian" "$(grep -c '^E: ' "$work/lintian.txt") errors"
else
	pass "lintian: no errors ($(grep -c '^W: ' "$work/lintian.txt") warnings)"
fi

# ---------------------------------------------------------------- contents
dpkg-deb -c "$deb" >"$work/contents.txt"
echo "package: contents:"
awk '{ print "  | " $1, $2, $6 }' "$work/contents.txt"
for f in ./usr/sbin/hazardd ./usr/bin/hazardctl ./lib/systemd/system/hazardd.service \
	./etc/hazardd/hazardd.json ./usr/share/man/man8/hazardd.8.gz \
	./usr/share/man/man1/hazardctl.1.gz ./usr/share/man/man5/hazardd.json.5.gz \
	./usr/lib/sysusers.d/hazardd.conf ./usr/lib/tmpfiles.d/hazardd.conf \
	./usr/share/doc/hazardd/copyright ./usr/share/doc/hazardd/examples/gpio.conf \
	./usr/share/bash-completion/completions/hazardctl; do
	if awk '{ print $6 }' "$work/contents.txt" | grep -qxF "$f"; then
		pass "contains $f"
	else
		fail "contents" "no $f"
	fi
done
# the full example beside the template (dh_compress may gzip it)
if awk '{ print $6 }' "$work/contents.txt" |
	grep -qxE '\./usr/share/doc/hazardd/examples/hazardd\.json(\.gz)?'; then
	pass "contains the example config in /usr/share/doc/hazardd/examples/"
else
	fail "contents" "no examples/hazardd.json"
fi
ctrl=$work/control
rm -rf "$ctrl"
dpkg-deb -e "$deb" "$ctrl"
grep -qxF /etc/hazardd/hazardd.json "$ctrl/conffiles" &&
	pass "/etc/hazardd/hazardd.json is a conffile" ||
	fail "conffiles" "$(cat "$ctrl/conffiles" 2>/dev/null)"
grep -q 'systemd-sysusers' "$ctrl/postinst" 2>/dev/null &&
	pass "postinst creates the hazardd user (systemd-sysusers)" ||
	fail "postinst" "no systemd-sysusers call"
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./lib/systemd/system/hazardd.service |
	grep -qxF 'ExecStart=/usr/sbin/hazardd -c /etc/hazardd/hazardd.json' &&
	pass "unit runs /usr/sbin/hazardd" || fail "unit" "ExecStart is not /usr/sbin/hazardd"

# ---------------------------------------------------------------- foreign
# A package for another architecture cannot be installed here: what it
# would install is checked instead, and its programs run under qemu-user
# (no binfmt registration needed: the emulator runs the ELF, which finds
# its loader and libraries in the multiarch directories).
if [ "$cross" -eq 1 ]; then
	grep -qx "Architecture: $arch" "$ctrl/control" &&
		pass "Architecture: $arch" || fail "control" "$(grep '^Architecture' "$ctrl/control")"
	depends=$(sed -n 's/^Depends: //p' "$ctrl/control")
	echo "package: Depends: $depends"
	x=$work/unpacked
	rm -rf "$x"
	dpkg-deb -x "$deb" "$x"
	case $arch in arm64) machine=AArch64 ;; armhf) machine=ARM ;; esac
	for b in usr/sbin/hazardd usr/bin/hazardctl; do
		m=$(readelf -h "$x/$b" 2>/dev/null | sed -n 's/^ *Machine: *//p')
		[ "$m" = "$machine" ] && pass "/$b is an ELF for $machine" || fail "ELF" "/$b: machine '$m'"
	done
	# every library the programs need belongs to a package Depends names
	# (dpkg-shlibdeps looked them up among $arch's libraries)
	for lib in $(readelf -d "$x/usr/sbin/hazardd" "$x/usr/bin/hazardctl" |
		sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
		owners=$(dpkg -S "*/$lib" 2>/dev/null | sed 's/: .*//; s/, /\n/g' |
			sed -n "s/:$arch\$//p" | sort -u)
		hit=""
		for o in $owners; do
			grep -qE "(^|, )$o( |,|$)" <<<"$depends" && hit=$o
		done
		[ -n "$hit" ] && pass "$lib: Depends names $hit" ||
			fail "Depends" "$lib (of ${owners:-no installed package}) not in Depends"
	done
	if command -v "$qemu" >/dev/null; then
		for b in usr/sbin/hazardd usr/bin/hazardctl; do
			v=$("$qemu" "$x/$b" --version 2>&1 | head -n 1)
			[ -n "$v" ] && grep -q "$version" <<<"$v" &&
				pass "$qemu /$b --version: $v" || fail "$b under $qemu" "'$v'"
		done
		# the template as shipped is refused; without "_template" it is valid
		out=$("$qemu" "$x/usr/sbin/hazardd" --check-config -c "$x/etc/hazardd/hazardd.json" 2>&1)
		[ $? -ne 0 ] && grep -q 'remove "_template"' <<<"$out" &&
			pass "hazardd under $qemu refuses the packaged template, saying what to do" ||
			fail "template under $qemu" "$(head -n 3 <<<"$out")"
		grep -v '"_template": true' "$x/etc/hazardd/hazardd.json" >"$work/template-edited.json"
		"$qemu" "$x/usr/sbin/hazardd" --check-config -c "$work/template-edited.json" >/dev/null 2>&1 &&
			pass "hazardd under $qemu accepts the template once \"_template\" is removed" ||
			fail "edited template under $qemu" "not accepted"
	else
		fail "$qemu" "missing (apt-get install qemu-user-static)"
	fi
	echo "package: $deb"
	[ "$n_fail" -eq 0 ]
	exit
fi

# ---------------------------------------------------------------- install
# A throwaway root: dpkg's database inside it, maintainer scripts run
# outside a chroot with DPKG_ROOT set (systemd-sysusers/-tmpfiles --root).
root=$pkg/root
rm -rf "$root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
if dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless \
	--log=/dev/null -i "$deb" >"$work/install.log" 2>&1; then
	pass "dpkg --root installs it"
else
	fail "dpkg --root -i" "$(tail -n 5 "$work/install.log")"
fi
st=$(dpkg --root="$root" -s hazardd 2>/dev/null | sed -n 's/^Status: //p')
[ "$st" = "install ok installed" ] && pass "dpkg status: $st" || fail "dpkg status" "'$st'"
grep -q '^hazardd:' "$root/etc/passwd" 2>/dev/null &&
	pass "user hazardd created in the root ($(grep '^hazardd:' "$root/etc/passwd"))" ||
	fail "user" "no hazardd in $root/etc/passwd"
[ -d "$root/var/lib/hazardd" ] && pass "state directory /var/lib/hazardd created" ||
	fail "state directory" "no $root/var/lib/hazardd"
# the installed config is the template: refused, with what to do, until
# someone edits it; without "_template" it is a valid config
out=$("$root/usr/sbin/hazardd" --check-config -c "$root/etc/hazardd/hazardd.json" 2>&1)
if [ $? -ne 0 ] && grep -q '"_template": true' <<<"$out" && grep -q 'remove "_template"' <<<"$out"; then
	pass "installed hazardd refuses the installed template, saying what to do"
else
	fail "installed template" "not refused as a template: $(head -n 3 <<<"$out")"
fi
grep -v '"_template": true' "$root/etc/hazardd/hazardd.json" >"$work/template-edited.json"
"$root/usr/sbin/hazardd" --check-config -c "$work/template-edited.json" >/dev/null 2>&1 &&
	pass "installed hazardd accepts the template once \"_template\" is removed" ||
	fail "installed config" "$("$root/usr/sbin/hazardd" -n -c "$work/template-edited.json" 2>&1 | head -n 3)"
[ -f "$root/usr/share/bash-completion/completions/hazardctl" ] &&
	bash -n "$root/usr/share/bash-completion/completions/hazardctl" &&
	pass "bash completion for hazardctl installed" ||
	fail "bash completion" "missing or not valid bash"
"$root/usr/bin/hazardctl" --version >/dev/null 2>&1 &&
	pass "installed hazardctl runs" || fail "hazardctl" "does not run"

echo "package: $deb"
[ "$n_fail" -eq 0 ]
