# tools/bench/s_drain.sh: scenario 3d of tools/bench.sh (sourced by it; uses
# its helpers): the backlog drain after a long outage.
#
# hazardd runs with its upstream broker stopped; S3D_N telemetry readings
# plus S3D_ALARMS alarms (one smoke alarm each, spread evenly through the
# readings) are published to the gateway broker at S3D_RATE msg/s and
# stored; once all are accepted and the outbox has stopped growing, the
# upstream broker comes back.  tools/bench/drain_rx.py (persistent session
# created before the outage, so nothing published while it connects is
# lost) records every arrival.  Figures (scenario "s3d"):
#   backlog_drain_rate     (readings + record events)/s, first to last arrival
#                          of a telemetry batch or a record event (alarm,
#                          fault or hazard)
#   backlog_alarm_events   distinct alarm events upstream (one "raised" per
#                          smoke alarm: S3D_ALARMS expected)
#   backlog_last_alarm_s   restore -> arrival of the last alarm event
#   backlog_first_arrival_s restore -> first record's arrival (hazardd's reconnect
#                          backoff: the link is retried on its own schedule)
#   backlog_alarm_span_s   first arrival -> last alarm event
#   backlog_alarms_first   1 when every alarm event arrived before the
#                          first telemetry message, else 0 (alarms drain
#                          first: docs/protocol.md, Delivery)
#   backlog_delivered_pct  distinct readings upstream / readings queued (an
#                          alarm message is a reading too)
: "${S3D_ALARMS:=50}"
: "${S3D_DEVICES:=1000}"
: "${S3D_RATE:=4000}"   # below the ingest ceiling: the load stays bounded

s3d_run() {
	local rep=$1 d=$W/s3d-$1 total restore out depth prev
	mkdir -p "$d"
	total=$((S3D_N + S3D_ALARMS))
	broker_start s3dlocal < <(local_conf_hazardd) || return 1
	# a deep queue on the district broker too: if hazardd reconnects
	# before the receiver does, its session holds the whole backlog
	broker_start s3dup < <(up_conf; echo "max_queued_messages 10000000") || return 1
	gen_config "$d/hz.json" "$d/hz.db" "$d/ctl.sock" "$BPORT_s3dlocal" \
		"$BPORT_s3dup" "$S3D_DEVICES" "$S3D_ALARMS" 3600
	"$PY" "$TOP/tools/bench/drain_rx.py" --port "$BPORT_s3dup" --client-id rx-s3d \
		--prime || { log "s3d: receiver could not subscribe"; return 1; }
	hz_start "$d/hz.json" "$d/ctl.sock" || return 1
	broker_stop s3dup
	log "s3d rep $rep: upstream down, queueing $S3D_N readings + $S3D_ALARMS alarms"
	"$LOADGEN" --format "$FORMAT" -p "$BPORT_s3dlocal" -n "$S3D_DEVICES" -N "$total" \
		-a "$S3D_ALARMS" -r "$S3D_RATE" >"$d/lg.json" 2>>"$d/lg.err" || return 1
	hz_wait_accepted "$total" 300 >/dev/null || log "s3d: not all accepted"
	# the last partial telemetry batch goes into the outbox after
	# telemetry_interval_s: wait until the depth stops changing
	prev=-1
	for _ in $(seq 60); do
		depth=$(hz_counter outbox_depth)
		[ "$depth" = "$prev" ] && break
		prev=$depth
		sleep 1.5
	done
	put s3d backlog_queued hazardd "$rep" "$depth"
	"${GUARD[@]}" "$PY" "$TOP/tools/bench/drain_rx.py" --port "$BPORT_s3dup" \
		--client-id rx-s3d --readings "$total" --alarms "$S3D_ALARMS" \
		--timeout 600 --out "$d/rx.json" 2>>"$d/rx.err" &
	local rx_pid=$!
	PIDS+=("$rx_pid")
	broker_restart s3dup || return 1
	restore=$(now_us)
	gone "$rx_pid" 620 || stop_pid "$rx_pid"
	out=$d/rx.json
	[ -s "$out" ] || { log "s3d: no receiver output"; return 1; }
	local first last_al al recs
	first=$(jget "$out" first_record_us)
	last_al=$(jget "$out" last_alarm_us)
	al=$(jget "$out" alarm_events)
	recs=$(jget "$out" readings)
	put s3d backlog_drain_rate hazardd "$rep" "$(jget "$out" drain_rate)"
	put s3d backlog_delivered_pct hazardd "$rep" "$(calc "100 * $recs / $total")"
	put s3d backlog_alarm_events hazardd "$rep" "$al"
	if [ "${first:-0}" -gt 0 ] && [ "${last_al:-0}" -gt 0 ]; then
		put s3d backlog_first_arrival_s hazardd "$rep" "$(calc "($first - $restore) / 1e6")"
		put s3d backlog_last_alarm_s hazardd "$rep" "$(calc "($last_al - $restore) / 1e6")"
		put s3d backlog_alarm_span_s hazardd "$rep" "$(calc "($last_al - $first) / 1e6")"
	fi
	if grep -q '"alarms_before_telemetry":true' "$out"; then
		put s3d backlog_alarms_first hazardd "$rep" 1
	else
		put s3d backlog_alarms_first hazardd "$rep" 0
	fi
	hz_stop
	broker_stop s3dlocal
	broker_stop s3dup
	log "s3d rep $rep: $recs of $total readings, $al alarm events (of $S3D_ALARMS), $(jget "$out" fault_events) fault, $(jget "$out" hazard_events) hazard events, drain $(jget "$out" drain_rate)/s, restore -> last alarm event $(calc "(${last_al:-0} - $restore) / 1e6") s, alarms first: $(grep -o '"alarms_before_telemetry":[a-z]*' "$out")"
}
