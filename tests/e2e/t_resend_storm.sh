#!/usr/bin/env bash
# t_resend_storm.sh: acknowledged messages are not sent again when their
# outbox rows cannot be deleted.  hazardd's database is on a small tmpfs.
# A backlog is queued while the district broker is away, the filesystem is
# filled, then the broker comes back: every backlog row is published and
# acknowledged, but no delete can be written.  Devices keep sending
# readings and a smoke alarm for a while.  The upstream broker is recorded
# and every msg_id counted: none may arrive more than twice (QoS 1's own
# redelivery), the message rate stays bounded, and status shows the
# remembered rows.  Once space returns, the remembered set drains to 0,
# the outbox empties and the alarm reaches the platform once.
source "$(dirname "$0")/lib.sh"

N_BACKLOG=40            # telemetry rows queued while upstream is away
FULL_S=10               # how long devices keep publishing on the full disk
MAX_PER_ID=2
DISK=$T/disk
mkdir -p "$DISK"
if [ "$(id -u)" -ne 0 ]; then
	info "SKIP: not root, cannot mount a small tmpfs"
	exit 0
elif ! mount -t tmpfs -o size=4m,mode=0750 tmpfs "$DISK" 2>"$T/mount.err"; then
	info "SKIP: mount -t tmpfs failed here: $(cat "$T/mount.err")"
	exit 0
fi
trap 'rc=$?; [ -n "$HZ_PID" ] && kill_hazardd; umount -l "$DISK" 2>/dev/null; (exit $rc); e2e_cleanup' EXIT

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

{
	echo '{"id": "gas-1", "kind": "gas_detector"}'
	echo '{"id": "smk-1", "kind": "smoke_alarm"}'
} | write_config "$T/hazardd.json" "storage.path=\"$DISK/hazardd.db\"" \
	"upstream.telemetry_batch=1" "upstream.telemetry_interval_s=1" \
	"upstream.inflight=16"
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "never connected"

# worst_repeat: how often the most repeated msg_id arrived.  What hazardd
# sends counts; the broker's own copies do not: a retained status replayed
# on the recorder's (re)subscribe, and the last will the broker publishes
# for hazardd when the link drops (its msg_id is fixed for the run).
worst_repeat() {
	rec_py '
from collections import Counter
c = Counter(m["payload"].get("msg_id") for m in msgs
            if isinstance(m["payload"], dict) and not m["retain"]
            and "-will-" not in str(m["payload"].get("msg_id")))
print(max(c.values()) if c else 0)'
}

# ---- a backlog while the district broker is away
stop_broker up
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = false ]' 15 ||
	fail "upstream disconnected" "still connected"
for i in $(seq 1 $N_BACKLOG); do
	pub t/gas-1 "{\"gas_lel\": $((1 + i % 5)), \"battery\": 90}"
done
wait_for "[ \"\$(status_get 's[\"outbox_depth\"]')\" -ge $N_BACKLOG ]" 20 ||
	fail "backlog queued" "outbox_depth $(status_get 's["outbox_depth"]')"
backlog=$(status_get 's["outbox_depth"]')
info "outbox backlog: $backlog rows"

# ---- fill the filesystem and make the database's writes fail
dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null
info "filesystem: $(df -k "$DISK" | awk 'NR == 2 { print $3 " KiB used, " $4 " KiB free" }')"
$PY - >"$T/burst.jsonl" <<'PYEOF'
import json
for i in range(3000):
    print(json.dumps({"topic": "t/gas-1", "payload": {"gas_lel": 1 + i % 5, "battery": 90}}))
PYEOF
pubpy --file "$T/burst.jsonl" >/dev/null || fail "publish the burst" "pub.py failed"
wait_for '[ "$(status_get "s[\"storage\"][\"write_fault\"]")" = true ]' 30 ||
	fail "write fault reported" "$(status_get 's["storage"]')"

# ---- the broker comes back; devices keep publishing on the full disk
n_before=$(rec_py 'print(len(msgs))')
t0=$(now_ms)
restart_broker up || { fail setup "upstream broker restart"; exit 1; }
pub_repeat gas-1 '{"gas_lel": 3, "battery": 90}' "$FULL_S" 0.2
pub t/smk-1 '{"smoke": true}'
sleep "$FULL_S"
t1=$(now_ms)
check "hazardd still running with the disk full" "exited" hz_alive
kept=$(status_get 's["upstream"]["acked_not_deleted"]')
check "status: acknowledged rows that could not be deleted are remembered" \
	"acked_not_deleted ${kept:-missing}" [ "${kept:-0}" -ge 1 ]
n_full=$(rec_py 'print(len(msgs) - int(sys.argv[3]))' "$n_before")
rate=$(( n_full * 1000 / (t1 - t0) ))
info "upstream while full: $n_full messages in $(( (t1 - t0) / 1000 )) s ($rate/s), $kept remembered"
# the backlog once, status messages, a little slack for QoS 1 redelivery
check "upstream messages bounded while the disk is full" "$n_full messages" \
	[ "$n_full" -le $(( 2 * backlog + 40 )) ]
check "upstream rate bounded while the disk is full" "$rate/s" [ "$rate" -le 50 ]
worst=$(worst_repeat)
check "no msg_id more than $MAX_PER_ID times while the disk is full" "one arrived $worst times" \
	[ "${worst:-99}" -le $MAX_PER_ID ]

# ---- space returns
rm -f "$DISK/filler"
check "space back: the remembered set drains to 0" \
	"acked_not_deleted $(status_get 's["upstream"]["acked_not_deleted"]')" \
	wait_for '[ "$(status_get "s[\"upstream\"][\"acked_not_deleted\"]")" = 0 ]' 30
check "space back: the outbox empties (everything delivered)" \
	"outbox_depth $(status_get 's["outbox_depth"]')" \
	wait_for '[ "$(status_get "s[\"outbox_depth\"]")" = 0 ]' 30
check "space back: the smoke alarm reached the platform" "not recorded" \
	wait_for "upstream_has smoke_alarm raised smk-1" 20
n=$(rec_py 'print(sum(1 for h in al if h["type"] == "smoke_alarm" and h["event"] == "raised"))')
check "the smoke alarm raised exactly once upstream" "$n raised events" [ "$n" = 1 ]
n=$(rec_py 'print(len({m["payload"]["msg_id"] for m in msgs if m["topic"].endswith("/telemetry")}))')
check "every backlog row reached the platform" "$n distinct telemetry messages, backlog $backlog" \
	[ "$n" -ge "$N_BACKLOG" ]
worst=$(worst_repeat)
check "no msg_id more than $MAX_PER_ID times in the whole run" "one arrived $worst times" \
	[ "${worst:-99}" -le $MAX_PER_ID ]
check "hazardd still running" "exited" hz_alive
