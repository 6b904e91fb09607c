#!/usr/bin/env bash
# t_outage.sh: store and forward.  With the upstream broker down, 500
# messages from 50 smoke alarms (each toggled 5 times) are committed: 250
# alarms raised and ended, and at the third alarm of a device within the
# recurrence window (3 in 168 h) a hazard that follows the next ones
# (cleared, reopened); the outbox survives a daemon restart; once the
# upstream broker is back on the same port every alarm, fault and hazard
# event in the database reaches it on its kind's topic, none missing, and
# each record's events arrive in the order they were recorded.
source "$(dirname "$0")/lib.sh"

N_DEV=${OUTAGE_DEVICES:-50}
N_TOGGLE=${OUTAGE_TOGGLES:-5}
N_MSG=$((N_DEV * N_TOGGLE * 2))

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

# five toggles within seconds would be a flapping detector (one record
# until it settles); here every toggle is an alarm of its own to deliver,
# so flap detection is off
for i in $(seq -f '%02g' 0 $((N_DEV - 1))); do
	echo "{\"id\": \"smk-$i\", \"kind\": \"smoke_alarm\"}"
done | write_config "$T/hazardd.json" "rules.smoke_alarm.flap_count=0"
start_hazardd "$T/hazardd.json" || { fail "hazardd starts" "see the log"; exit 1; }
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected before the outage" "never connected"

# ---- outage
stop_broker up
if wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = false ]' 15; then
	pass "status shows upstream disconnected during the outage"
else
	fail "status shows upstream disconnected" "$(ctl --json status 2>&1 | head -c 300)"
fi
acked0=$(status_get 's["counters"]["acked"]')

# 5 rounds of (all alarms on, all alarms off): each round is a new alarm per
# device (an ended alarm is history), raised then ended; the third is a
# recurrence and raises a hazard, which clears with its alarm and reopens
# with the fourth and fifth.
$PY - "$N_DEV" "$N_TOGGLE" >"$T/burst.jsonl" <<'EOF'
import json, sys
n_dev, n_tog = int(sys.argv[1]), int(sys.argv[2])
for r in range(n_tog):
    for state in (True, False):
        for i in range(n_dev):
            print(json.dumps({"topic": "t/smk-%02d" % i, "payload": {"smoke": state}}))
EOF
t0=$(now_ms)
if pubpy --file "$T/burst.jsonl" >/dev/null; then
	info "published $N_MSG messages to the local broker in $(( $(now_ms) - t0 )) ms"
else
	fail "publish the burst" "pub.py failed"
fi

if wait_for "[ \"\$(status_get 's[\"counters\"][\"accepted\"] >= $N_MSG and s[\"intake_queue_depth\"] == 0')\" = true ]" 60; then
	pass "all $N_MSG messages accepted during the outage ($(( $(now_ms) - t0 )) ms)"
else
	fail "messages accepted during the outage" "$(status_get 's["counters"]')"
fi
# the event count settles once the last message is evaluated
wait_for '[ "$(db "SELECT count(*) FROM hazard_events")" = "$(status_get "s[\"counters\"][\"hazard_events\"]")" ]' 10
ev_db=$(db "SELECT count(*) FROM hazard_events")
ev_cnt=$(status_get 's["counters"]["record_events"]')
depth=$(status_get 's["outbox_depth"]')
info "during the outage: record events in the database $ev_db, counter $ev_cnt, outbox_depth $depth"
REC_N=3                 # records.recurrence default: 3 within 168 h
if [ "$N_TOGGLE" -ge "$REC_N" ]; then
	hz_per_dev=$((2 + 2 * (N_TOGGLE - REC_N)))     # raised, cleared, (reopened, cleared)...
else
	hz_per_dev=0
fi
want=$((N_DEV * (N_TOGGLE * 2 + hz_per_dev)))
check "events in the database = $want (alarm raised/ended per toggle, recurrence hazard raised/cleared/reopened)" \
	"got $ev_db: $(db "SELECT kind, event, count(*) FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id GROUP BY 1, 2" | tr '\n' ' ')" \
	[ "$ev_db" = "$want" ]
check "counters.record_events matches the database" "counter $ev_cnt, database $ev_db" [ "$ev_cnt" = "$ev_db" ]
check "outbox holds every hazard event while upstream is away" "outbox_depth $depth < $ev_db" [ "${depth:-0}" -ge "${ev_db:-1}" ]
n=$(db "SELECT count(*) FROM hazards WHERE kind = 'alarm' AND type = 'smoke_alarm' AND state = 'ended' AND occurrences = 1")
check "$((N_DEV * N_TOGGLE)) alarms, each ended, one per toggle" "$n match; $(db "SELECT kind, state, count(*) FROM hazards GROUP BY 1, 2" | tr '\n' ' ')" \
	[ "$n" = "$((N_DEV * N_TOGGLE))" ]
if [ "$hz_per_dev" -gt 0 ]; then
	n=$(db "SELECT count(*) FROM hazards WHERE kind = 'hazard' AND reason = 'recurrence' AND state = 'open' AND cleared_at_ms > 0 AND occurrences = $((N_TOGGLE - REC_N + 1))")
	check "$N_DEV recurrence hazards, each open and normal again (cleared) with occurrences $((N_TOGGLE - REC_N + 1))" \
		"$n match; $(db "SELECT device, state, reason, occurrences FROM hazards WHERE kind = 'hazard' LIMIT 3" | tr '\n' ' ')" [ "$n" = "$N_DEV" ]
	n=$(db "SELECT count(*) FROM hazards h WHERE kind = 'hazard' AND source = (SELECT id FROM hazards a WHERE a.kind = 'alarm' AND a.device = h.device ORDER BY raised_at_ms, rowid LIMIT 1 OFFSET $((REC_N - 1)))")
	check "each recurrence hazard's source is its device's third alarm" "$n of $N_DEV" [ "$n" = "$N_DEV" ]
fi
n=$(rec_py 'print(len(recs))')
check "nothing reached the recorder during the outage" "$n alarm, fault or hazard messages" [ "$n" = 0 ]

# ---- the outbox survives a daemon restart (record rows: a telemetry batch
# may be added by the periodic flush or at shutdown, so the total may grow)
hz_rows() { db "SELECT count(*) FROM outbox WHERE topic_suffix IN ('alarm', 'fault', 'hazard')"; }
hz_before=$(hz_rows)
kill_hazardd
check "SIGTERM during the outage: exit 0" "exit ${HZ_EXIT:-?}" [ "${HZ_EXIT:-1}" = 0 ]
if start_hazardd "$T/hazardd.json"; then
	d2=$(hz_rows)
	check "outbox still holds its $hz_before alarm, fault and hazard events after a restart" \
		"$d2 hazard rows" [ "$d2" = "$hz_before" ]
else
	fail "restart during the outage" "hazardd did not start"
	exit 1
fi

# ---- upstream back on the same port
restart_broker up || { fail "upstream broker restarts" "port $PORT_up"; exit 1; }
t1=$(now_ms)
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 60
t2=$(now_ms)
if wait_for '[ "$(status_get "s[\"outbox_depth\"]")" = 0 ]' 120; then
	t3=$(now_ms)
	acked=$(( $(status_get 's["counters"]["acked"]') ))
	pass "outbox drained after the upstream broker came back"
	info "reconnect: upstream link up $((t2 - t1)) ms after the broker; drain: $depth queued messages in $((t3 - t2)) ms after reconnecting ($(awk -v n="$depth" -v ms="$((t3 - t2))" 'BEGIN { printf "%.0f", n * 1000 / (ms ? ms : 1) }') msg/s, status polled every ~0.1 s); acked counter $acked since restart"
else
	fail "outbox drains" "outbox_depth $(status_get 's["outbox_depth"]') after 120 s"
fi

# ---- compare what arrived with the database
db "SELECT hazard_id, event FROM hazard_events ORDER BY rowid" >"$T/db_events.txt"
cmp_upstream() {
	rec_py '
db = [l.rstrip("\n").split("|", 1) for l in open(sys.argv[3]) if l.strip()]
seen, order, dups = set(), {}, 0
for h in recs:
    mid = h.get("msg_id")
    if mid in seen:
        dups += 1
        continue
    seen.add(mid)
    order.setdefault(h["_id"], []).append(h.get("event"))
want = {}
for hid, ev in db:
    want.setdefault(hid, []).append(ev)
n_up = sum(len(v) for v in order.values())
missing = [(k, len(want[k]) - len(order.get(k, []))) for k in want
           if len(order.get(k, [])) < len(want[k])]
wrong = [k for k in want if k in order and order[k] != want[k][:len(order[k])]]
extra = [k for k in order if k not in want]
print("db %d, upstream unique %d, duplicates %d, records short %d, out of order %d, unknown %d"
      % (len(db), n_up, dups, len(missing), len(wrong), len(extra)))
if wrong:
    k = wrong[0]
    print("first out of order: %s db %s upstream %s" % (k, want[k], order[k]))
sys.exit(0 if not missing and not wrong and not extra and n_up == len(db) else 1)' "$T/db_events.txt"
}
wait_for 'cmp_upstream' 15
out=$(cmp_upstream)
rc=$?
info "$out"
check "every event in the database reached upstream, in order per record" "$out" [ "$rc" = 0 ]
# each on its kind's topic, with its kind's id (the store's kind column)
out=$(rec_py '
kinds = dict(l.rstrip("\n").split("|") for l in open(sys.argv[3]) if l.strip())
bad = [(r["_kind"], r["_id"]) for r in recs if kinds.get(r["_id"]) != r["_kind"]]
print(bad[:5] if bad else "")' <(db "SELECT id, kind FROM hazards"))
check "every event arrived on its kind's topic (alarm, hazard)" "$out" [ -z "$out" ]

n_mid=$(rec_py 'print(len({h.get("msg_id") for h in recs}))')
n_hz=$(rec_py 'print(len(recs))')
info "upstream alarm/fault/hazard messages $n_hz, distinct msg_ids $n_mid, telemetry $(rec_py 'print(sum(1 for m in msgs if m["topic"].endswith("/telemetry")))')"
bad=$(rec_py '
ids = {}
bad = 0
for h in recs:
    body = {k: v for k, v in h.items() if k != "sent_at"}
    if h.get("msg_id") in ids and ids[h["msg_id"]] != body:
        bad += 1
    ids[h.get("msg_id")] = body
print(bad)')
check "a resent msg_id always carries the same event" "$bad msg_ids with two different bodies" [ "$bad" = 0 ]
if [ -n "$(db "SELECT name FROM pragma_table_info('hazard_events') WHERE name = 'msg_id'")" ]; then
	db "SELECT msg_id FROM hazard_events" | sort >"$T/db_mids.txt"
	rec_py 'print("\n".join(sorted({h.get("msg_id") for h in recs})))' | sort >"$T/up_mids.txt"
	miss=$(comm -23 "$T/db_mids.txt" "$T/up_mids.txt" | wc -l)
	check "every msg_id in hazard_events reached upstream" "$miss missing" [ "$miss" = 0 ]
fi

check "hazardd still running" "it exited" hz_alive
info "counters: $(status_get 's.get("counters")')"
