#!/usr/bin/env bash
# t_privdrop.sh: started as root outside systemd with daemon.user set,
# hazardd opens the database and the control socket, then runs as that
# user (nobody): every uid and gid in /proc/<pid>/status is the user's,
# root's groups are gone, it still records alarms (the database is the
# user's) and removes its socket at exit.  A daemon.user that does not
# exist is refused before anything is opened; under systemd
# (INVOCATION_ID set) the unit's User= decides and nothing is switched;
# no daemon.user: stays root.  Needs root: skipped otherwise.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: privdrop: needs root (to start hazardd as root)"
	trap - EXIT
	rm -rf "$T"
	exit 77
fi
if ! getent passwd nobody >/dev/null; then
	echo "SKIP: privdrop: no user nobody"
	trap - EXIT
	rm -rf "$T"
	exit 77
fi
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

# the user must reach its files: $T itself is root's 0700
chmod 755 "$T"
# it reads its local broker password (lib.sh's ACL broker) after the switch,
# through its group, as docs/operations.md recommends (root:hazardd 0640)
chgrp "$NOBODY_GID" "$LOCAL_HZ_PASS_FILE" && chmod 0640 "$LOCAL_HZ_PASS_FILE"
DB=$T/state/hazardd.db
SOCK=$T/run/control.sock

# proc_ids PID FIELD: "Uid:" or "Gid:" values (real, effective, saved, fs)
proc_ids() { awk -v f="$2:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$1/status"; }
proc_groups() { awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$1/status"; }

# run_plain CFG [ENV...]: hazardd as root, without systemd's variables
run_plain() {
	local cfg=$1; shift
	HZ_CFG=$cfg
	echo "==== start $(date +%T.%N)" >>"$HZ_LOG"
	env -u NOTIFY_SOCKET -u INVOCATION_ID -u WATCHDOG_USEC "$@" \
		"${GUARD[@]}" "$HAZARDD" -c "$cfg" >>"$HZ_LOG" 2>&1 &
	HZ_PID=$!
}

write_config "$T/hazardd.json" "storage.path=\"$DB\"" "control.socket=\"$SOCK\"" \
	'daemon.user="nobody"' <<'EOF'
{"id": "smoke-1", "kind": "smoke_alarm"}
EOF
check "--check-config accepts daemon.user" "$("$HAZARDD" --check-config -c "$T/hazardd.json" 2>&1)" \
	"$HAZARDD" --check-config -c "$T/hazardd.json"

run_plain "$T/hazardd.json"
if ! wait_for 'ctl status' 10; then
	fail "hazardd starts as root and drops to nobody" "$(tail -n 5 "$HZ_LOG")"
	exit 1
fi
UIDS=$(proc_ids "$HZ_PID" Uid)
GIDS=$(proc_ids "$HZ_PID" Gid)
GROUPS_NOW=$(proc_groups "$HZ_PID")
info "Uid: $UIDS; Gid: $GIDS; Groups:$GROUPS_NOW"
check "Uid: real, effective, saved and fs are nobody's" "Uid: $UIDS" \
	test "$UIDS" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
check "Gid: real, effective, saved and fs are nobody's" "Gid: $GIDS" \
	test "$GIDS" = "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID"
check "root's supplementary groups are gone" "Groups:$GROUPS_NOW" \
	bash -c '! grep -qw 0 <<<"$1"' _ "$GROUPS_NOW"
check "the log says whom it runs as" "no line" \
	grep -q "running as user nobody (uid $NOBODY_UID" "$HZ_LOG"
check "the database is nobody's" "$(stat -c '%U %n' "$DB" "$(dirname "$DB")")" \
	test "$(stat -c %u "$DB")" = "$NOBODY_UID" -a "$(stat -c %u "$(dirname "$DB")")" = "$NOBODY_UID"
wait_for '[ "$(status_get "s[\"local\"][\"connected\"]")" = true ]' 10
pub t/smoke-1 '{"smoke": true}'
check "as nobody it still records alarms" "no smoke_alarm alarm in the database" \
	wait_for '[ "$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM hazards WHERE kind='"'alarm'"' AND type='"'smoke_alarm'"' AND state='"'active'"'")" = 1 ]' 10
kill_hazardd
check "clean exit as nobody" "exit $HZ_EXIT" test "$HZ_EXIT" = 0
check "the control socket was removed at exit" "still there" test ! -e "$SOCK"

# --- a user that does not exist: refused, nothing opened
NOUSER="hz-nouser-$$"
write_config "$T/nouser.json" "storage.path=\"$T/nouser/hazardd.db\"" \
	"control.socket=\"$T/nouser.sock\"" "daemon.user=\"$NOUSER\"" <<'EOF'
{"id": "smoke-1", "kind": "smoke_alarm"}
EOF
LINES0=$(wc -l <"$HZ_LOG")
run_plain "$T/nouser.json"
wait_gone "$HZ_PID" 10
wait "$HZ_PID" 2>/dev/null
RC=$?
HZ_PID=
check "unknown daemon.user: hazardd refuses to run (exit 1)" "exit $RC" test "$RC" = 1
check "unknown daemon.user: the log says why" "$(tail -n +"$LINES0" "$HZ_LOG" | tail -n 2)" \
	bash -c 'tail -n +"$1" "$2" | grep -q "daemon.user \"$3\": no such user; refusing to run as root"' \
	_ "$LINES0" "$HZ_LOG" "$NOUSER"
check "unknown daemon.user: no database, no socket" "something was opened" \
	test ! -e "$T/nouser/hazardd.db" -a ! -e "$T/nouser.sock"

# --- under systemd (INVOCATION_ID): User= decides, nothing switched here
write_config "$T/sd.json" "storage.path=\"$T/sd/hazardd.db\"" \
	"control.socket=\"$T/sd.sock\"" 'daemon.user="nobody"' <<'EOF'
{"id": "smoke-1", "kind": "smoke_alarm"}
EOF
mkdir -p "$T/sd" "$T/root"
run_plain "$T/sd.json" INVOCATION_ID=0123456789abcdef0123456789abcdef
if wait_for 'ctl status' 10; then
	check "under systemd: still root (the unit's User= switches)" "Uid: $(proc_ids "$HZ_PID" Uid)" \
		test "$(proc_ids "$HZ_PID" Uid)" = "0 0 0 0"
	check "under systemd: the log says so" "no line" grep -q "the unit's User= decides" "$HZ_LOG"
else
	fail "under systemd: starts" "$(tail -n 3 "$HZ_LOG")"
fi
kill_hazardd

# --- no daemon.user: stays root
write_config "$T/root.json" "storage.path=\"$T/root/hazardd.db\"" \
	"control.socket=\"$T/root.sock\"" <<'EOF'
{"id": "smoke-1", "kind": "smoke_alarm"}
EOF
run_plain "$T/root.json"
if wait_for 'ctl status' 10; then
	check "no daemon.user: stays root" "Uid: $(proc_ids "$HZ_PID" Uid)" \
		test "$(proc_ids "$HZ_PID" Uid)" = "0 0 0 0"
else
	fail "no daemon.user: starts" "$(tail -n 3 "$HZ_LOG")"
fi
kill_hazardd

# --- strict validation of the key
write_config "$T/bad.json" 'daemon.user="no body"' 'daemon.group="x"' <<'EOF'
{"id": "smoke-1", "kind": "smoke_alarm"}
EOF
OUT=$("$HAZARDD" --check-config -c "$T/bad.json" 2>&1)
check "daemon.user: invalid characters are a config error with \$.daemon.user" "$OUT" \
	grep -qE "bad.json:[0-9]+: \\\$\.daemon\.user" <<<"$OUT"
check "daemon: unknown keys are config errors" "$OUT" \
	grep -qE "bad.json:[0-9]+: \\\$\.daemon\.group" <<<"$OUT"
