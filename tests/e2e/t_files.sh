#!/usr/bin/env bash
# t_files.sh: the files hazardd opens and creates.  As root with daemon.user
# (nobody): a symlink at the database path to an empty root-owned file is
# refused and the target left alone; a database file hazardd did not create
# (root's) is refused, not chown()ed; a fresh start creates the database as
# the user, 0640 or tighter.  Without daemon.user, files are 0640 too (umask
# 0027 whoever started it).  Key files: a FIFO as command_key_file fails
# --check-config at once and start-up too (no hang); a symlink and a 0644
# key are refused; a root:group 0640 key is accepted without a warning.
# Needs root: skipped otherwise.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! getent passwd nobody >/dev/null; then
	echo "SKIP: files: needs root and the user nobody"
	trap - EXIT
	rm -rf "$T"
	exit 77
fi
NOBODY_UID=$(id -u nobody)
NOBODY_GROUP=$(id -gn nobody)
: >>"$HZ_LOG"
chmod 755 "$T"          # nobody must reach its directories under $T
umask 022               # the shell's usual umask: hazardd must not inherit it

# run_plain CFG: hazardd as root, without systemd's variables (no wait)
run_plain() {
	HZ_CFG=$1
	echo "==== start $(date +%T.%N)" >>"$HZ_LOG"
	env -u NOTIFY_SOCKET -u INVOCATION_ID -u WATCHDOG_USEC \
		"${GUARD[@]}" "$HAZARDD" -c "$1" >>"$HZ_LOG" 2>&1 &
	HZ_PID=$!
}
# refused_start CFG: hazardd must exit 1 within 10 s; log lines since in $NEW
refused_start() {
	local from rc
	from=$(($(wc -l <"$HZ_LOG") + 1))
	run_plain "$1"
	if ! wait_gone "$HZ_PID" 10; then
		kill -KILL "$HZ_PID" 2>/dev/null
		wait "$HZ_PID" 2>/dev/null
		HZ_PID=
		NEW="still running after 10 s"
		return 1
	fi
	wait "$HZ_PID" 2>/dev/null
	rc=$?
	HZ_PID=
	NEW=$(tail -n +"$from" "$HZ_LOG")
	[ "$rc" = 1 ]
}
DEVS='{"id": "smoke-1", "kind": "smoke_alarm"}'
cfg_user() {   # cfg_user FILE DBDIR [SET...]
	local f=$1 d=$2; shift 2
	write_config "$f" "storage.path=\"$d/hazardd.db\"" "control.socket=\"$d.sock\"" \
		'daemon.user="nobody"' "$@" <<<"$DEVS"
}

# --- 1. a symlink at the database path, planted by the daemon user
mkdir -m 750 "$T/db1" && chown nobody "$T/db1"
: >"$T/target" && chmod 600 "$T/target"
BEFORE=$(stat -c '%u:%g %s %a' "$T/target")
ln -s "$T/target" "$T/db1/hazardd.db"
cfg_user "$T/c1.json" "$T/db1"
refused_start "$T/c1.json"; R=$?
check "symlink at the database: start refused (exit 1)" "$NEW" test "$R" = 0
check "symlink at the database: the log says why" "$NEW" \
	grep -q "db1/hazardd.db is a symbolic link; refusing to follow it" <<<"$NEW"
check "symlink at the database: target untouched (owner, size, mode)" \
	"before $BEFORE, after $(stat -c '%u:%g %s %a' "$T/target")" \
	test "$(stat -c '%u:%g %s %a' "$T/target")" = "$BEFORE"
check "symlink at the database: no -wal or -shm beside the target" "$(ls "$T")" \
	test ! -e "$T/target-wal" -a ! -e "$T/target-shm"

# --- 2. a database file hazardd did not create (root's): not taken over
mkdir -m 750 "$T/db2" && chown nobody "$T/db2"
: >"$T/db2/hazardd.db" && chmod 600 "$T/db2/hazardd.db"
cfg_user "$T/c2.json" "$T/db2"
refused_start "$T/c2.json"; R=$?
check "root's database file with daemon.user: start refused" "$NEW" test "$R" = 0
check "root's database file: the log says it is not taken over" "$NEW" \
	grep -q "hazardd.db is not owned by daemon.user; hazardd does not take over" <<<"$NEW"
check "root's database file: still root's, still empty" "$(stat -c '%U %s' "$T/db2/hazardd.db")" \
	test "$(stat -c '%u %s' "$T/db2/hazardd.db")" = "0 0"

# --- 3. a directory others may write to: refused
mkdir -m 1777 "$T/db3"
write_config "$T/c3.json" "storage.path=\"$T/db3/hazardd.db\"" \
	"control.socket=\"$T/db3.sock\"" <<<"$DEVS"
refused_start "$T/c3.json"; R=$?
check "group/world-writable database directory (sticky): refused" "$NEW" test "$R" = 0
check "writable directory: the log says why" "$NEW" \
	grep -q "db3 is writable by group or others" <<<"$NEW"

# --- 4. fresh start as nobody: the user's files, 0640 or tighter
cfg_user "$T/c4.json" "$T/db4"
run_plain "$T/c4.json"
if wait_for 'ctl status' 10; then
	pass "fresh start with daemon.user"
	MODES=$(stat -c '%a %U %n' "$T"/db4/hazardd.db*)
	info "$MODES"
	check "database and -wal/-shm are nobody's" "$MODES" \
		bash -c '! stat -c %u "$@" | grep -vqx '"$NOBODY_UID" _ "$T"/db4/hazardd.db*
	check "database and -wal/-shm are 0640 or tighter" "$MODES" \
		bash -c 'for f; do m=$(stat -c %a "$f"); (( (8#$m & 8#027) == 0 )) || exit 1; done' \
		_ "$T"/db4/hazardd.db*
	check "the new directory is nobody's, 0750" "$(stat -c '%U %a' "$T/db4")" \
		test "$(stat -c '%u %a' "$T/db4")" = "$NOBODY_UID 750"
else
	fail "fresh start with daemon.user" "$(tail -n 5 "$HZ_LOG")"
fi
kill_hazardd

# --- 5. started by hand as root (umask 022 here): still 0640
mkdir -m 750 "$T/db5"
write_config "$T/c5.json" "storage.path=\"$T/db5/hazardd.db\"" \
	"control.socket=\"$T/db5.sock\"" <<<"$DEVS"
run_plain "$T/c5.json"
if wait_for 'ctl status' 10; then
	MODES=$(stat -c '%a %n' "$T"/db5/hazardd.db*)
	check "hand-run as root: database and -wal/-shm 0640 or tighter (umask 0027)" "$MODES" \
		bash -c 'for f; do m=$(stat -c %a "$f"); (( (8#$m & 8#027) == 0 )) || exit 1; done' \
		_ "$T"/db5/hazardd.db*
else
	fail "hand-run as root: starts" "$(tail -n 5 "$HZ_LOG")"
fi
kill_hazardd

# --- 6. key files
key() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1"; }
checkcfg() {   # checkcfg KEYFILE: --check-config with it, 5 s at most
	write_config "$T/k.json" "upstream.command_key_file=\"$1\"" \
		"storage.path=\"$T/k/hazardd.db\"" "control.socket=\"$T/k.sock\"" \
		'daemon.user="nobody"' <<<"$DEVS"
	OUT=$(timeout 5 "$HAZARDD" --check-config -c "$T/k.json" 2>&1)
	RC=$?
}
# readable by the daemon user, as a key would be: an open without O_NONBLOCK
# would wait for a writer for ever
mkfifo -m 640 "$T/fifo.key" && chown "root:$NOBODY_GROUP" "$T/fifo.key"
checkcfg "$T/fifo.key"
check "FIFO as command_key_file: --check-config exits 1 at once (not 124)" "exit $RC: $OUT" \
	test "$RC" = 1
check "FIFO: the message names the key and the file" "$OUT" \
	grep -q "upstream.command_key_file $T/fifo.key is a FIFO" <<<"$OUT"
refused_start "$T/k.json"; R=$?
check "FIFO as command_key_file: start-up refused, no hang" "$NEW" test "$R" = 0

key "$T/open.key" && chmod 644 "$T/open.key"
checkcfg "$T/open.key"
check "0644 key: --check-config refuses it" "exit $RC: $OUT" test "$RC" = 1
check "0644 key: says readable by others" "$OUT" grep -q "open.key is readable by others" <<<"$OUT"

ln -s "$T/open.key" "$T/link.key"
checkcfg "$T/link.key"
check "symlinked key: refused" "exit $RC: $OUT" \
	bash -c '[ "$1" = 1 ] && grep -q "link.key: is a symbolic link" <<<"$2"' _ "$RC" "$OUT"

key "$T/group.key" && chown "root:$NOBODY_GROUP" "$T/group.key" && chmod 640 "$T/group.key"
checkcfg "$T/group.key"
check "root:$NOBODY_GROUP 0640 key: --check-config accepts it" "exit $RC: $OUT" test "$RC" = 0
run_plain "$T/k.json"
if wait_for 'ctl status' 10; then
	check "root:$NOBODY_GROUP 0640 key: hazardd starts and runs as nobody" \
		"$(grep Uid: /proc/$HZ_PID/status)" \
		bash -c 'awk '"'"'$1 == "Uid:" { exit !($3 == '"$NOBODY_UID"') }'"'"' /proc/$1/status' _ "$HZ_PID"
	check "0640 key: no warning about its mode" "$(grep -i 'command_key_file' "$HZ_LOG")" \
		bash -c '! grep -q "command_key_file.*readable" "$1"' _ "$HZ_LOG"
else
	fail "root:$NOBODY_GROUP 0640 key: hazardd starts" "$(tail -n 5 "$HZ_LOG")"
fi
kill_hazardd

