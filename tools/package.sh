#!/usr/bin/env bash
# tools/package.sh BUILD_DIR: `make package`.  Builds the Debian package
# from a scratch copy of the tree (the files git knows, nothing built) in
# BUILD_DIR/pkg, runs lintian (errors fail, warnings are listed), checks the
# contents, and installs it into a throwaway root with dpkg --root to prove
# that it installs (maintainer scripts included: they honour DPKG_ROOT).
# Prints "PASS: ..." / "FAIL: ..." lines; exit 0 only if all passed.
set -u
cd "$(dirname "$0")/.."
top=$PWD
build=${1:-build}
pkg=$top/$build/pkg
version=$(dpkg-parsechangelog -S Version 2>/dev/null || echo 0.1.0)
src=$pkg/hazardd-$version
n_fail=0
pass() { echo "PASS: package: $1"; }
fail() { echo "FAIL: package: $1: $2"; n_fail=$((n_fail + 1)); }

for tool in dpkg-buildpackage dh lintian; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL: package: $tool missing (make test-deps installs debhelper, dpkg-dev, lintian)"
		exit 1
	fi
done

# ---------------------------------------------------------------- the copy
rm -rf "$pkg"
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
echo "package: dpkg-buildpackage -us -uc -b in $src (log: $pkg/build.log)"
t0=$(date +%s)
if (cd "$src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$pkg/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
else
	fail "dpkg-buildpackage" "see $pkg/build.log"
	tail -n 25 "$pkg/build.log"
	exit 1
fi
deb=$(ls "$pkg"/hazardd_"$version"_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] && pass "built $(basename "$deb")" || { fail "deb" "no hazardd_${version}_*.deb in $pkg"; exit 1; }

# ---------------------------------------------------------------- lintian
lintian -I --tag-display-limit 0 "$deb" >"$pkg/lintian.txt" 2>&1
echo "package: lintian $(basename "$deb"):"
sed 's/^/  | /' "$pkg/lintian.txt"
if grep -q '^E: ' "$pkg/lintian.txt"; then
	fail "lintian" "$(grep -c '^E: ' "$pkg/lintian.txt") errors"
else
	pass "lintian: no errors ($(grep -c '^W: ' "$pkg/lintian.txt") warnings)"
fi

# ---------------------------------------------------------------- contents
dpkg-deb -c "$deb" >"$pkg/contents.txt"
echo "package: contents:"
awk '{ print "  | " $1, $2, $6 }' "$pkg/contents.txt"
for f in ./usr/sbin/hazardd ./usr/bin/hazardctl ./lib/systemd/system/hazardd.service \
	./etc/hazardd/hazardd.json ./usr/share/man/man8/hazardd.8.gz \
	./usr/share/man/man1/hazardctl.1.gz ./usr/share/man/man5/hazardd.json.5.gz \
	./usr/lib/sysusers.d/hazardd.conf ./usr/lib/tmpfiles.d/hazardd.conf \
	./usr/share/doc/hazardd/copyright ./usr/share/doc/hazardd/examples/gpio.conf \
	./usr/share/bash-completion/completions/hazardctl; do
	if awk '{ print $6 }' "$pkg/contents.txt" | grep -qxF "$f"; then
		pass "contains $f"
	else
		fail "contents" "no $f"
	fi
done
# the full example beside the template (dh_compress may gzip it)
if awk '{ print $6 }' "$pkg/contents.txt" |
	grep -qxE '\./usr/share/doc/hazardd/examples/hazardd\.json(\.gz)?'; then
	pass "contains the example config in /usr/share/doc/hazardd/examples/"
else
	fail "contents" "no examples/hazardd.json"
fi
ctrl=$pkg/control
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

# ---------------------------------------------------------------- install
# A throwaway root: dpkg's database inside it, maintainer scripts run
# outside a chroot with DPKG_ROOT set (systemd-sysusers/-tmpfiles --root).
root=$pkg/root
rm -rf "$root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
if dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless \
	--log=/dev/null -i "$deb" >"$pkg/install.log" 2>&1; then
	pass "dpkg --root installs it"
else
	fail "dpkg --root -i" "$(tail -n 5 "$pkg/install.log")"
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
grep -v '"_template": true' "$root/etc/hazardd/hazardd.json" >"$pkg/template-edited.json"
"$root/usr/sbin/hazardd" --check-config -c "$pkg/template-edited.json" >/dev/null 2>&1 &&
	pass "installed hazardd accepts the template once \"_template\" is removed" ||
	fail "installed config" "$("$root/usr/sbin/hazardd" -n -c "$pkg/template-edited.json" 2>&1 | head -n 3)"
[ -f "$root/usr/share/bash-completion/completions/hazardctl" ] &&
	bash -n "$root/usr/share/bash-completion/completions/hazardctl" &&
	pass "bash completion for hazardctl installed" ||
	fail "bash completion" "missing or not valid bash"
"$root/usr/bin/hazardctl" --version >/dev/null 2>&1 &&
	pass "installed hazardctl runs" || fail "hazardctl" "does not run"

echo "package: $deb"
[ "$n_fail" -eq 0 ]
