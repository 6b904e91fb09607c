#!/usr/bin/env bash
# t_kill9_stream.sh: lossless intake under kill -9 (issue 16).  ROUNDS
# rounds (50; `make soak ROUNDS=1000` runs the long campaign): gas
# detectors stream a counted number of QoS 1 readings, each with a number
# used nowhere else, and a burst of one-shot smoke alarms comes from devices
# that never alarmed before; hazardd is killed with SIGKILL at a random
# moment of the stream and restarted on the same database.  At the end,
# once hazardd has drained the local broker: every reading the broker
# accepted is stored exactly once, every alarm raised exactly once, the
# database intact.  The kill moments come from $RANDOM seeded with
# SOAK_SEED (printed; set it to replay a failing run).  docs/soak.md.
#
# A broker that took a message has handed it on to hazardd once hazardd's
# PUBACK arrived; a client that acknowledges before its commit loses what
# it acknowledged and had not committed when it was killed.  This test is
# meant to show exactly that (a "lost" figure above 0), and must not be
# relaxed until it passes.
#
# Environment: ROUNDS (50), SOAK_SEED (random), SOAK_DEVICES (8 streaming
# devices), SOAK_READINGS (6 readings per device and round), SOAK_ALARMS (4
# fresh alarms per round), SOAK_GAP (0.004 s before each message),
# SOAK_CONNECT_MS (80) and SOAK_ACK_MS (10): the spans of the kills after
# a connection and after a PUBACK (see "the rounds" below),
# SOAK_FIGURES (a file a Markdown table row of the figures is appended to).
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-50}
DEVICES=${SOAK_DEVICES:-8}
READINGS=${SOAK_READINGS:-6}
ALARMS=${SOAK_ALARMS:-4}
GAP=${SOAK_GAP:-0.004}
SEED=${SOAK_SEED:-$((($$ + $(date +%N | sed 's/^0*//;s/^$/0/')) % 32768))}
RANDOM=$SEED
info "seed $SEED (SOAK_SEED=$SEED ROUNDS=$ROUNDS replays these kill moments)"
t0=$(now_ms)

# ---- the local broker, with the soak's window
start_broker local || { fail setup "local broker"; exit 1; }
stop_broker local
# max_inflight_messages: how many QoS 1 messages mosquitto sends hazardd
# before the first is acknowledged (lib.sh's brokers: 100).  The default,
# 20, would throttle an
# intake that acknowledges only after its commit to 20 messages per
# commit, and make the backlog after each restart drain in small steps;
# 1000 lets a whole round's backlog arrive at once, so each kill can catch
# many messages between their receipt and their commit, the window this
# test is about.  Persistence off: the broker is never stopped here, and
# hazardd's persistent session lives in its memory meanwhile.
sed -i -e 's/^max_inflight_messages .*/max_inflight_messages 1000/' \
	-e 's/^persistence true/persistence false/' \
	-e '/^persistence_location /d' -e '/^autosave_interval /d' "$T/broker-local.conf"
# debug: the PUBACKs it receives, which tests/e2e/soak_kill.py waits for
echo "log_type debug" >>"$T/broker-local.conf"
"${GUARD[@]}" mosquitto -c "$T/broker-local.conf" >>"$T/broker-local.log" 2>&1 &
echo $! >"$T/broker-local.pid"
wait_for "port_open $PORT_local" 10 || { fail setup "local broker restart"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }

# ---- the devices and every round's stream
$PY "$E2E/soak_stream.py" plan "$T" "$ROUNDS" "$DEVICES" "$READINGS" "$ALARMS" "$GAP" ||
	{ fail setup "soak_stream.py plan"; exit 1; }
# room for 1000 rounds' readings (and the telemetry they queue) far
# below the 90 % where the oldest readings would be dropped
write_config "$T/hazardd.json" storage.max_mb=512 <"$T/devices.jsonl" &&
	$PY "$E2E/soak_stream.py" alarm-devices "$T/hazardd.json" "$ROUNDS" "$ALARMS" ||
	{ fail setup "hazardd's config"; exit 1; }
per_round=$(wc -l <"$T/round-1.jsonl")
# how long a round's stream lasts, roughly (pub.py's start included)
stream_ms=$(awk -v n="$per_round" -v g="$GAP" 'BEGIN { printf "%d", n * (g + 0.0015) * 1000 + 300 }')
info "$ROUNDS rounds of $per_round messages ($DEVICES devices x $READINGS readings, $ALARMS fresh alarms), about $stream_ms ms each"

# connected: hazardd's local session is up (it subscribes on connect)
connected() { [ "$(status_get 's["local"]["connected"]')" = true ]; }
# pub_wait: the previous round's publisher has had every message
# acknowledged by the broker (what hazardd did not take yet waits there)
pub_ok=0 pub_bad=0 P=
pub_wait() {
	[ -n "$P" ] || return 0
	if wait_gone "$P" 60 && wait "$P"; then pub_ok=$((pub_ok + 1)); else pub_bad=$((pub_bad + 1)); fi
	P=
}

# ---- the session: created once, subscribed before the first kill (the
# broker queues for a session only what matches its subscriptions)
up_t0=$(now_ms)
start_hazardd "$T/hazardd.json" || { fail setup "hazardd did not start"; exit 1; }
wait_for connected 10
up_ms=$(( $(now_ms) - up_t0 ))
$PY "$E2E/pub.py" --port "$PORT_local" --file "$T/round-0.jsonl" >/dev/null ||
	{ fail setup "publish round 0"; exit 1; }
if ! wait_for "[ \"\$(db 'SELECT count(*) FROM readings')\" -ge $DEVICES ]" 10; then
	fail setup "round 0's readings not stored: hazardd did not subscribe"
	exit 1
fi

# hazardd is down at the start of every round
kill_hazardd -9

# ---- the rounds.  Each round's stream starts while hazardd is down (it
# was killed at the end of the previous round) and goes on for a random
# part of the stream's length before hazardd is started again, so the
# broker holds a backlog for it.  Then hazardd is killed, in one of three
# ways drawn at random:
#  - "stream": at a random moment after that start, up to the time the
#    first start took until the session was up plus a stream's length:
#    before it is up, while it takes the backlog, the alarm burst, or live
#    readings;
#  - "connect": a random 0..CONNECT_MS ms after the broker logs the
#    session's connection, when the broker pushes the whole backlog at
#    once (its window is 1000) and hazardd is committing it;
#  - "ack": a random 0..ACK_MS ms after the broker logs the session's
#    first PUBACK: from then on the broker has forgotten that message and
#    only hazardd's database can hold it.
# Uniform kills alone hit the moment a message is acknowledged and not yet
# committed (a few ms a round) in about one round of fifty; the two others
# are what make 50 rounds enough.  tests/e2e/soak_kill.py watches the
# broker's log and kills.
up_ms=$(( up_ms < 200 ? 200 : up_ms > 3000 ? 3000 : up_ms ))
CONNECT_MS=${SOAK_CONNECT_MS:-80}
ACK_MS=${SOAK_ACK_MS:-10}
info "first start: session up after $up_ms ms; kills within $((up_ms + stream_ms)) ms of a start, $CONNECT_MS ms of a connection or $ACK_MS ms of a PUBACK"
# launch_hazardd: start it without waiting for it to answer (the kill may
# come first); the same log and pid as start_hazardd
launch_hazardd() {
	echo "==== start $(date +%T.%N)" >>"$HZ_LOG"
	"${GUARD[@]}" "$HAZARDD" -c "$HZ_CFG" >>"$HZ_LOG" 2>&1 &
	HZ_PID=$!
}
started=0 killed=0 rounds_pub=0 unseen=0 by_self=0
declare -A modes=([stream]=0 [connect]=0 [ack]=0)
for round in $(seq 1 "$ROUNDS"); do
	pub_wait
	"${GUARD[@]}" $PY "$E2E/pub.py" --port "$PORT_local" --file "$T/round-$round.jsonl" \
		--timeout 60 >>"$T/pub.out" 2>&1 &
	P=$!
	BG_PIDS+=($P)
	rounds_pub=$round
	lead=$((RANDOM % (stream_ms / 2)))
	case $((RANDOM % 3)) in
	0) mode=stream delay=$((RANDOM % (up_ms + stream_ms))) ;;
	1) mode=connect delay=$((RANDOM % CONNECT_MS)) ;;
	*) mode=ack delay=$((RANDOM % ACK_MS)) ;;
	esac
	modes[$mode]=$((modes[$mode] + 1))
	sleep "$(awk -v d=$lead 'BEGIN { printf "%.3f", d / 1000 }')"
	off=$(stat -c %s "$T/broker-local.log")
	launch_hazardd
	started=$((started + 1))
	if [ $mode = stream ]; then
		sleep "$(awk -v d=$delay 'BEGIN { printf "%.3f", d / 1000 }')"
	elif ! $PY "$E2E/soak_kill.py" "$T/broker-local.log" "$off" $mode $delay "$HZ_PID"; then
		unseen=$((unseen + 1))
	fi
	kill_hazardd -9
	killed=$((killed + 1))
	if [ "$HZ_EXIT" != 137 ]; then
		# it was gone before the SIGKILL
		by_self=$((by_self + 1))
		echo "round $round: hazardd exited by itself with status $HZ_EXIT" >>"$T/kills.txt"
	fi
	echo "round $round: down for $lead ms of the stream, $mode kill $delay ms after $(
		case $mode in stream) echo "its start" ;; connect) echo "the session connected" ;;
		*) echo "the first PUBACK" ;; esac)" >>"$T/kills.txt"
done
pub_wait
info "rounds: $killed killed with SIGKILL (${modes[stream]} stream, ${modes[connect]} connect, ${modes[ack]} ack; $unseen of the last two timed out waiting for their event), $started started; publishers: $pub_ok acknowledged in full, $pub_bad not"
check "every round killed once ($ROUNDS rounds)" "$killed of $ROUNDS" [ "$killed" = "$ROUNDS" ]
check "hazardd never exited by itself during the rounds" "$by_self times: $(grep -m1 'by itself' "$T/kills.txt")" [ "$by_self" = 0 ]
check "every round's messages accepted by the broker" "$pub_bad publishers failed: $(grep -v '^published' "$T/pub.out" | tail -n 2)" \
	[ "$pub_ok" = "$rounds_pub" ]

# ---- the last run takes what waits in the broker; drained when the
# stored readings and alarms stop growing (bounded)
start_hazardd "$T/hazardd.json" || { fail "final start" "hazardd did not come up"; exit 1; }
wait_for connected 10
LAST_SEEN= SAME=0
settled() {
	local now
	now=$(db "SELECT (SELECT count(*) FROM readings) || ' ' || (SELECT count(*) FROM hazards WHERE kind = 'alarm')") || return 1
	now="$now $(status_get 's["intake_queue_depth"]')"
	if [ "$now" = "$LAST_SEEN" ]; then SAME=$((SAME + 1)); else SAME=0; LAST_SEEN=$now; fi
	[ "$SAME" -ge 4 ] && [ "${now##* }" = 0 ]
}
if wait_for settled 60; then
	pass "final run drained the broker (readings, alarms: ${LAST_SEEN% *})"
else
	fail "final run drained the broker" "still changing after 60 s: $LAST_SEEN"
fi

# ---- the figures
ic=$(db "PRAGMA integrity_check")
check "PRAGMA integrity_check = ok" "$ic" [ "$ic" = ok ]
if ! $PY "$E2E/soak_stream.py" check "$T" "$T/hazardd.db" "$rounds_pub" >"$T/figures.txt"; then
	fail "soak_stream.py check" "$(tail -n 3 "$T/figures.txt")"
	exit 1
fi
fig() { sed -n "s/^$1 //p" "$T/figures.txt"; }
secs=$(awk -v a="$t0" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
line="kill9_stream: rounds $killed, published $(fig published), stored $(fig stored), lost $(fig lost), duplicated $(fig duplicated), alarms $(fig alarms_published) published, $(fig alarms_raised) raised, $(fig alarms_lost) lost, $(fig alarms_twice) raised twice, seed $SEED, $secs s"
info "$line"
[ -n "$(fig lost_examples)" ] && info "lost (device:number, the round is number / 100000): $(fig lost_examples)"
[ -n "$(fig dup_examples)" ] && info "stored twice: $(fig dup_examples)"
[ -n "$(fig alarms_lost_examples)" ] && info "alarms never raised: $(fig alarms_lost_examples)"
[ -n "$(fig alarms_twice_examples)" ] && info "alarms raised twice: $(fig alarms_twice_examples)"
# SOAK_FIGURES (make soak): one Markdown table row per run, under a header
# written when the file is new
if [ -n "${SOAK_FIGURES:-}" ]; then
	if [ ! -s "$SOAK_FIGURES" ]; then
		echo "| date (UTC) | commit | rounds | readings published | stored | lost | duplicated | alarms published | lost | raised twice | integrity | seed | s |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	fi >>"$SOAK_FIGURES"
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
		"$(date -u +%Y-%m-%d\ %H:%M)" "$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')" \
		"$killed" "$(fig published)" "$(fig stored)" "$(fig lost)" "$(fig duplicated)" \
		"$(fig alarms_published)" "$(fig alarms_lost)" "$(fig alarms_twice)" "$ic" "$SEED" "$secs" >>"$SOAK_FIGURES"
fi

check "every published reading stored ($(fig published) published, $(fig stored) stored)" \
	"$(fig lost) lost: $(fig lost_examples)" [ "$(fig lost)" = 0 ]
check "no reading stored twice" "$(fig duplicated) duplicates: $(fig dup_examples)" [ "$(fig duplicated)" = 0 ]
check "stored count = published count" "$(fig stored) of $(fig published)" [ "$(fig stored)" = "$(fig published)" ]
check "no stored reading that was never published" "$(fig stray) strays" [ "$(fig stray)" = 0 ]
check "every one-shot alarm raised ($(fig alarms_published) alarms)" \
	"$(fig alarms_lost) never raised: $(fig alarms_lost_examples)" [ "$(fig alarms_lost)" = 0 ]
check "no alarm raised twice" "$(fig alarms_twice) twice: $(fig alarms_twice_examples)" [ "$(fig alarms_twice)" = 0 ]
check "no alarm from a device that did not send one" "$(fig alarms_unpublished)" [ "$(fig alarms_unpublished)" = 0 ]

check "hazardd still running" "it exited" hz_alive
kill_hazardd
check "SIGTERM after the rounds: exit 0" "exit ${HZ_EXIT:-?}" [ "${HZ_EXIT:-1}" = 0 ]
ic=$(db "PRAGMA integrity_check")
check "integrity_check after a clean stop = ok" "$ic" [ "$ic" = ok ]
