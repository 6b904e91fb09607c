#!/usr/bin/env bash
# t_summary.sh: the daily summary over a simulated day.
#
# How the day is simulated: the summary's period is the local calendar day
# (summary.timezone Asia/Shanghai) in which this test runs, so the scenario
# is played for real, in seconds, inside today.  Deadlines are made short
# (major_h 0.004 = 14.4 s) so that hazards "come due" within the run; the
# general ones (24 h) do not.  Near local midnight the test waits for the
# new day, so the whole scenario falls in one period.
#
# The scenario, on four devices in two sites:
#   H1 smoke-1 smoke alarm (major): raised, cleared, closed by hazardctl
#      before its deadline                                  -> closed on time
#   H5 smoke-1 smoke alarm again after the close: a recurrence of H1
#      (major), left open past its deadline                 -> overdue
#   H2 chg-1 charger over-temperature (major): acknowledged, then reported
#      in rectification, past its deadline                  -> overdue
#   H3 gas-1 low battery (general, due tomorrow)            -> open
#   H4 smoke-2 goes silent past its heartbeat: device_offline (general)
#   gas-1 test button pressed once (a self-check); smoke-2 is offline.
# The expected figures are computed below from this table, not from the
# database, and compared with `hazardctl --json report`.  Asked for twice,
# the summary reaches the upstream broker twice with one msg_id.  The ledger
# CSV must parse (Python csv) with the site's rows; the listing filters
# select in SQL.  A summary queued while the district broker is away
# survives kill -9; a missed daily time is produced at the next start.
source "$(dirname "$0")/lib.sh"

ZONE=Asia/Shanghai
if [ ! -f "/usr/share/zoneinfo/$ZONE" ]; then
	echo "SKIP: no /usr/share/zoneinfo/$ZONE (tzdata not installed)"
	exit 77
fi
# seconds to the next local midnight in ZONE; wait it out if it is close
left=$($PY -c 'import datetime, zoneinfo, sys
z = zoneinfo.ZoneInfo(sys.argv[1]); n = datetime.datetime.now(z)
m = (n + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
print(int((m - n).total_seconds()))' "$ZONE")
if [ "$left" -lt 150 ]; then
	info "waiting ${left}s for the local day to turn over"
	sleep $((left + 2))
fi
TODAY=$($PY -c 'import datetime, zoneinfo, sys
print(datetime.datetime.now(zoneinfo.ZoneInfo(sys.argv[1])).date())' "$ZONE")
YESTERDAY=$($PY -c 'import datetime, sys
print(datetime.date.fromisoformat(sys.argv[1]) - datetime.timedelta(days=1))' "$TODAY")

# jpy_ok FILE EXPR: EXPR (over the JSON in FILE, bound to d) is true.
jpy_ok() { [ "$(jpy "$2" <"$1" 2>/dev/null)" = true ]; }

start_broker local || { fail setup "local broker"; exit 1; }
start_broker up || { fail setup "upstream broker"; exit 1; }
start_recorder || { fail setup "upstream recorder did not subscribe"; exit 1; }

# summary.time 00:00: the daily one of today is already due, but a new
# database starts counting from it, so nothing is sent on its own
write_config "$T/hazardd.json" \
	'rules.ebike_charger.hold_s=0' \
	'deadlines={"major_h": 0.004, "general_h": 24, "recurrence_window_h": 24}' \
	"summary={\"time\": \"00:00\", \"timezone\": \"$ZONE\"}" <<'EOF'
{"id": "gas-1",   "kind": "gas_detector"}
{"id": "smoke-1", "kind": "smoke_alarm"}
{"id": "chg-1",   "kind": "ebike_charger"}
{"id": "smoke-2", "kind": "smoke_alarm", "site": "site-2", "heartbeat_s": 3}
EOF

# a bad summary section is refused with its path
cp "$T/hazardd.json" "$T/bad.json"
$PY - "$T/bad.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["summary"] = {"time": "25:00", "timezone": "Mars/Olympus_Mons"}
json.dump(c, open(sys.argv[1], "w"))
EOF
out=$("$HAZARDD" --check-config -c "$T/bad.json" 2>&1)
check "config: summary.time and summary.timezone are validated" "$out" \
	eval 'grep -q "\$.summary.time" <<<"$out" && grep -q "\$.summary.timezone" <<<"$out"'

if ! start_hazardd "$T/hazardd.json"; then
	fail "hazardd starts" "see the log"
	exit 1
fi
wait_for '[ "$(status_get "s[\"upstream\"][\"connected\"]")" = true ]' 10 ||
	fail "upstream connected" "$(ctl --json status 2>&1 | head -c 300)"
check "no summary is sent at the first start" "one was" \
	rec_py 'sys.exit(1 if any(m["topic"].endswith("/summary") for m in msgs) else 0)'

# hazard_id of the hazard of TYPE on DEVICE in STATE
hid() {
	ctl --json hazards 2>/dev/null | jpy "[h['hazard_id'] for h in d
	  if h['device'] == '$1' and h['type'] == '$2' and h['state'] == '$3'][0]"
}

pub t/smoke-2 '{"battery": 90}'          # heard once, then silent
pub t/smoke-1 '{"smoke": true}'
wait_for 'hid smoke-1 smoke_alarm open' 10 || fail "H1 raised" "no open smoke_alarm"
H1=$(hid smoke-1 smoke_alarm open)
pub t/smoke-1 '{"smoke": false}'
wait_for 'hid smoke-1 smoke_alarm cleared' 10 || fail "H1 cleared" "not cleared"
check "H1 closed by hazardctl" "close refused" \
	ctl close "$H1" --note "detector cleaned, retested" --actor inspector-li
pub t/smoke-1 '{"smoke": true}'
wait_for 'hid smoke-1 smoke_alarm open' 10 || fail "H5 raised" "no recurrence"
H5=$(hid smoke-1 smoke_alarm open)
pub t/chg-1 '{"temp_c": 80, "power_w": 300}'
wait_for 'hid chg-1 charger_overtemp open' 10 || fail "H2 raised" "no overtemp"
H2=$(hid chg-1 charger_overtemp open)
check "H2 acknowledged" "ack refused" ctl ack "$H2" --note "seen" --actor guard-wang
check "H2 in rectification" "rectifying refused" \
	ctl rectifying "$H2" --note "charger unplugged" --actor guard-wang
pub t/gas-1 '{"battery": 5}'
wait_for 'hid gas-1 low_battery open' 10 || fail "H3 raised" "no low_battery"
H3=$(hid gas-1 low_battery open)
pub t/gas-1 '{"test": true}'
pub t/gas-1 '{"test": false}'
wait_for 'hid smoke-2 device_offline open' 15 || fail "H4 raised" "no device_offline"
H4=$(hid smoke-2 device_offline open)
check "self-check row for the test press" "none" \
	eval '[ "$(db "SELECT count(*) FROM self_checks WHERE device = '\''gas-1'\'' AND source = '\''device'\''")" = 1 ]'
info "H1=$H1 H2=$H2 H3=$H3 H4=$H4 H5=$H5"

# let the major deadlines (14.4 s after H5 and H2 were raised) pass
sleep 16

ctl --json report >"$T/report1.json" 2>"$T/report1.err" ||
	fail "report answers" "$(cat "$T/report1.err")"

# The expected figures, from the scenario table alone.
EXPECT='
import json
S = [  # id, site, severity, state at report, due today, closed on time, recurrence
    ("H1", "site-1", "major",   "closed",     True,  True,  False),
    ("H5", "site-1", "major",   "open",       True,  False, True),
    ("H2", "site-2", "major",   "rectifying", True,  False, False),
    ("H3", "site-1", "general", "open",       False, False, False),
    ("H4", "site-2", "general", "open",       False, False, False),
]
DEV = [  # id, site, supports a self-test, online, test presses
    ("gas-1", "site-1", True, True, 1), ("smoke-1", "site-1", True, True, 0),
    ("chg-1", "site-2", False, True, 0), ("smoke-2", "site-2", True, False, 0),
]
def rate(n, d):
    return None if d == 0 else round(n / d, 4)
def expect(site):
    hs = [h for h in S if site is None or h[1] == site]
    ds = [x for x in DEV if site is None or x[1] == site]
    closed = sum(h[3] == "closed" for h in hs)
    due = sum(h[4] for h in hs)
    ontime = sum(h[5] for h in hs)
    st = [x for x in ds if x[2]]
    tested = sum(1 for x in st if x[4] > 0)
    return {
        "hazards": len(hs),
        "by_state": {s: sum(h[3] == s for h in hs) for s in
                     ("open", "acknowledged", "rectifying", "cleared", "closed")},
        "by_severity": {v: {"total": sum(h[2] == v for h in hs),
                            "outstanding": sum(h[2] == v and h[3] != "closed" for h in hs)}
                        for v in ("general", "major")},
        "new": len(hs), "closed": closed, "overdue": due - ontime,
        "overdue_outstanding": sum(h[4] and h[3] != "closed" for h in hs),
        "recurrences": sum(h[6] for h in hs),
        "rectification": {"closed": closed, "raised": len(hs), "rate": rate(closed, len(hs))},
        "on_time": {"came_due": due, "closed_on_time": ontime, "rate": rate(ontime, due)},
        "devices": {"total": len(ds), "online": sum(x[3] for x in ds),
                    "online_rate": rate(sum(x[3] for x in ds), len(ds))},
        "self_test": {"devices": len(st), "tested": tested,
                      "presses": sum(x[4] for x in st), "rate": rate(tested, len(st))},
    }
def diff(want, got, path=""):
    out = []
    for k, v in want.items():
        g = got.get(k) if isinstance(got, dict) else None
        if isinstance(v, dict):
            out += diff(v, g or {}, path + k + ".")
        elif g != v:
            out.append("%s%s: got %r, want %r" % (path, k, g, v))
    return out
'
summary_ok() {
	$PY -c "$EXPECT"'
import sys
r = json.load(open(sys.argv[1]))
where = sys.argv[2]
if where == "gateway":
    got, want = r["totals"], expect(None)
else:
    got = ([s for s in r["sites"] if s.get("site") == where] or [{}])[0]
    want = expect(where)
d = diff(want, got)
if d:
    print("; ".join(d))
    sys.exit(1)' "$@"
}
for w in gateway site-1 site-2; do
	out=$(summary_ok "$T/report1.json" "$w" 2>&1)
	check "summary figures match the scenario: $w" "$out" test -z "$out"
done
check "summary header: date, zone, msg_id, partial day" "$(head -c 400 "$T/report1.json")" \
	jpy_ok "$T/report1.json" "(d['date'] == '$TODAY' and d['timezone'] == '$ZONE' and
	  d['msg_id'] == 'summary-$TODAY' and d['complete'] is False and d['queued'] is True)"

# the same day again: the same msg_id upstream, twice
ctl --json report --date "$TODAY" >"$T/report2.json" 2>&1 || fail "report --date" "$(cat "$T/report2.json")"
check "two summaries upstream with one msg_id" "$(rec_py 'print([m["payload"].get("msg_id") for m in msgs if m["topic"].endswith("/summary")])')" \
	wait_for "rec_py '
s = [m[\"payload\"] for m in msgs if m[\"topic\"] == base + \"/summary\"]
sys.exit(0 if len(s) == 2 and all(p.get(\"msg_id\") == \"summary-$TODAY\" and
    p.get(\"v\") == 1 and p.get(\"gateway\") == \"gw-e2e-01\" and p.get(\"sent_at\")
    for p in s) else 1)'" 10
check "the upstream summary carries the figures" "totals differ" \
	rec_py "
s = [m['payload'] for m in msgs if m['topic'] == base + '/summary']
sys.exit(0 if s and s[0]['totals']['rectification']['rate'] == 0.2 and
         s[0]['totals']['on_time']['came_due'] == 3 else 1)"

# a past day has no online figure (the loop only knows the present)
ctl --json report --date "$YESTERDAY" >"$T/report3.json" 2>&1
check "a past day: nothing raised, online unknown" "$(head -c 300 "$T/report3.json")" \
	jpy_ok "$T/report3.json" "(d['totals']['hazards'] == 0 and
	  d['totals']['devices']['online'] is None and d['complete'] is True)"
check "a future day is refused" "accepted" \
	eval '! ctl report --date 2999-01-01 >/dev/null 2>&1'
check "report --date must be a date" "accepted" \
	eval '! ctl report --date 2026-02-30 >/dev/null 2>&1'
check "text report shows the gateway row" "no (gateway) row" \
	eval 'ctl report | grep -q "^(gateway)"'

# listing filters
ids() { ctl --json hazards "$@" 2>/dev/null | jpy "sorted(h['hazard_id'] for h in d)"; }
want() { $PY -c 'import json, sys; print(json.dumps(sorted(sys.argv[1:])))' "$@"; }
check "hazards --site site-2 --state rectifying" "$(ids --site site-2 --state rectifying)" \
	eval '[ "$(ids --site site-2 --state rectifying)" = "$(want "$H2")" ]'
check "hazards --severity general" "$(ids --severity general)" \
	eval '[ "$(ids --severity general)" = "$(want "$H3" "$H4")" ]'
check "hazards --site site-1 --open" "$(ids --site site-1 --open)" \
	eval '[ "$(ids --site site-1 --open)" = "$(want "$H3" "$H5")" ]'
check "hazards --since 1h" "$(ids --since 1h)" \
	eval '[ "$(ids --since 1h)" = "$(want "$H1" "$H2" "$H3" "$H4" "$H5")" ]'
check "hazards --since tomorrow is empty" "$(ids --since 2999-01-01)" \
	eval '[ "$(ids --since 2999-01-01)" = "[]" ]'
check "hazards --state bogus is refused" "accepted" \
	eval '! ctl hazards --state bogus >/dev/null 2>&1'

# the ledger an inspector takes away
ctl ledger --site site-1 >"$T/ledger.csv" 2>"$T/ledger.err" || fail "ledger" "$(cat "$T/ledger.err")"
out=$($PY - "$T/ledger.csv" "$H1" "$H3" "$H5" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
h1, h3, h5 = sys.argv[2:5]
cols = ["id", "type", "severity", "priority", "device", "raised", "deadline", "state",
        "acknowledged", "rectifying", "cleared", "closed", "closed_by", "note",
        "overdue", "recurrence_of", "occurrences"]
p = []
if not rows or list(rows[0].keys()) != cols:
    p.append("columns %r" % (list(rows[0].keys()) if rows else None))
by = {r["id"]: r for r in rows}
if sorted(by) != sorted([h1, h3, h5]):
    p.append("ids %r" % sorted(by))
else:
    if by[h1]["state"] != "closed" or by[h1]["closed_by"] != "inspector-li" or \
       by[h1]["note"] != "detector cleaned, retested" or not by[h1]["closed"]:
        p.append("H1 %r" % by[h1])
    if by[h5]["recurrence_of"] != h1 or by[h5]["overdue"] != "yes":
        p.append("H5 %r" % by[h5])
    if by[h3]["state"] != "open" or by[h3]["overdue"] != "no" or by[h3]["closed"]:
        p.append("H3 %r" % by[h3])
print("; ".join(p))
EOF
)
check "ledger CSV parses with the site's rows" "$out" test -z "$out"
check "ledger CSV lines end in CRLF (RFC 4180)" "no CRLF" \
	eval '[ "$(head -n1 "$T/ledger.csv" | od -An -c | tr -d " \n" | tail -c 4)" = "\r\n" ]'
check "ledger --format json" "not JSON rows" \
	eval 'ctl ledger --site site-2 --format json | jpy "len(d) == 2" | grep -qx true'
check "ledger needs --site" "accepted" eval '! ctl ledger >/dev/null 2>&1'

# queued while the district broker is away, then kill -9: the outbox keeps it
n_before=$(rec_py 'print(sum(m["payload"].get("msg_id") == "summary-'"$YESTERDAY"'" for m in msgs
                             if m["topic"] == base + "/summary"))')
stop_broker up
ctl report --date "$YESTERDAY" >/dev/null 2>&1 || fail "report while upstream is away" "refused"
kill_hazardd -9
restart_broker up || fail "upstream broker restarts" "see its log"
start_hazardd "$T/hazardd.json" || fail "hazardd restarts after kill -9" "see the log"
check "a summary queued before kill -9 arrives after the restart" "not received" \
	wait_for "rec_py 'sys.exit(0 if sum(m[\"payload\"].get(\"msg_id\") == \"summary-$YESTERDAY\"
	    for m in msgs if m[\"topic\"] == base + \"/summary\") == $n_before + 1 else 1)'" 20

# a daily time missed while hazardd was down is produced at the next start.
# Counted among the messages received after that start only: a summary
# still in flight from the steps above may land late, and must not be taken
# for (or hide) the catch-up.
kill_hazardd
sqlite3 "$T/hazardd.db" "UPDATE meta SET value = (SELECT value - 2 FROM meta
	WHERE key = 'summary_last_day') WHERE key = 'summary_last_day'"
t_restart=$(now_ms)
start_hazardd "$T/hazardd.json" || fail "hazardd restarts" "see the log"
check "missed daily summaries are sent at the next start" \
	"$(rec_py 'print([(m["payload"].get("msg_id"), m["rx_ms"]) for m in msgs if m["topic"].endswith("/summary")])') (restart at $t_restart)" \
	wait_for "rec_py '
ids = [m[\"payload\"].get(\"msg_id\") for m in msgs
       if m[\"topic\"] == base + \"/summary\" and m[\"rx_ms\"] >= $t_restart]
sys.exit(0 if ids.count(\"summary-$YESTERDAY\") == 1 and
            ids.count(\"summary-$TODAY\") == 1 else 1)'" 20
kill_hazardd
check "hazardd exits 0" "exit $HZ_EXIT" test "$HZ_EXIT" = 0
