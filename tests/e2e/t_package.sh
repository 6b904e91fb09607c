#!/usr/bin/env bash
# t_package.sh: `make package` builds the Debian package, lintian finds no
# errors, the contents are checked and it installs into a throwaway root
# (tools/package.sh prints the PASS/FAIL lines); then the template it
# installs as /etc/hazardd/hazardd.json is started by the installed hazardd.
# Slow-ish (a full build under dpkg-buildpackage), so it runs once per
# suite: in the normal build, not in the ASan/UBSan one.
set -u
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD_DIR:=$TOP/build}"
: "${HAZARDD:=$BUILD_DIR/hazardd}"

if grep -qa '__asan_init' "$HAZARDD" 2>/dev/null; then
	echo "SKIP: the package is built and checked once, in the suite of the normal build"
	exit 77
fi
for tool in dpkg-buildpackage dh lintian; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool missing (make test-deps installs it)"
		exit 77
	fi
done
t0=$(date +%s)
make -C "$TOP" --no-print-directory package BUILD="$(basename "$BUILD_DIR")"
rc=$?
echo "INFO: make package took $(($(date +%s) - t0)) s"
if [ "$rc" -ne 0 ]; then
	echo "FAIL: make package exited with status $rc"
	exit "$rc"
fi

# ---------------------------------------------------------------- the template
# The config the .deb installs, started by the installed hazardd (once
# "_template" is removed, with its files and its local broker moved to this
# test's own): no output is driven, every connection it opens is loopback.
ROOT=$BUILD_DIR/pkg/root
HAZARDD=$ROOT/usr/sbin/hazardd
source "$(dirname "$0")/lib.sh"
TPL=$ROOT/etc/hazardd/hazardd.json
out=$($PY - "$TPL" 2>&1 <<'EOF'
import ipaddress, json, re, sys
cfg = json.load(open(sys.argv[1]))
assert cfg.get("_template") is True, "no _template"
assert not cfg.get("gpio", {}).get("outputs"), "gpio outputs"
assert not cfg.get("interlocks"), "interlocks"
assert "upstream" not in cfg, "an upstream section"
for u in [cfg["local"]["uri"]]:
    host = re.match(r"^[a-z]+://([^:/]+)", u).group(1)
    assert host == "localhost" or ipaddress.ip_address(host).is_loopback, u
EOF
)
check "the template names no GPIO output, no interlock, no upstream, only a loopback broker" "$out" \
	test -z "$out"
BROKER_ANON=1 start_broker local || { fail setup "local broker"; exit 1; }
$PY - "$TPL" "$T/hazardd.json" "$T" "$PORT_local" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
del cfg["_template"]
cfg["storage"]["path"] = sys.argv[3] + "/hazardd.db"
cfg["control"] = {"socket": sys.argv[3] + "/control.sock"}
cfg["local"]["uri"] = "tcp://127.0.0.1:" + sys.argv[4]
json.dump(cfg, open(sys.argv[2], "w"), indent=2)
EOF
if ! start_hazardd "$T/hazardd.json"; then
	fail "the installed hazardd runs the template" "$(tail -n 5 "$HZ_LOG")"
	exit 1
fi
pass "the installed hazardd runs the template"
check "... and connects to its local broker" "not connected" \
	wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
sleep 2         # time for any connection it would make
check "... and says it has no upstream" "$(ctl status 2>&1)" \
	eval 'ctl status 2>&1 | grep -q "no upstream"'
outputs=$(ctl --json outputs 2>&1)
check "the template drives no output" "$outputs" \
	jtrue 'not d' <<<"$outputs"
# every TCP socket the process holds (its fds' inodes in /proc/PID/net/tcp*)
peers=$($PY - "$HZ_PID" <<'EOF'
import os, socket, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        t = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes.add(t[8:-1])
def addr(h, v6):
    ip, port = h.split(":")
    raw = bytes.fromhex(ip)
    if v6:
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
        return socket.inet_ntop(socket.AF_INET6, raw), int(port, 16)
    return socket.inet_ntoa(raw[::-1]), int(port, 16)
for name, v6 in (("tcp", False), ("tcp6", True)):
    try:
        lines = open(f"/proc/{pid}/net/{name}").read().splitlines()[1:]
    except OSError:
        continue
    for l in lines:
        f = l.split()
        if f[9] in inodes and int(f[2].split(":")[1], 16) != 0:
            print("%s:%d" % addr(f[2], v6))
EOF
)
info "the template's TCP peers: $(echo $peers)"
check "the template connects to nothing but loopback" "$peers" \
	bash -c '[ -n "$1" ] && ! grep -vqE "^(127\.|::1:|::ffff:127\.)" <<<"$1"' _ "$peers"
