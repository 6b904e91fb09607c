# tests/e2e/lib.sh: helpers sourced by every end-to-end script.
#
# Each script gets its own temporary directory ($T), its own brokers on free
# loopback ports and its own hazardd; the EXIT trap stops everything it
# started and removes $T (kept when KEEP=1).  Results are "PASS: name" and
# "FAIL: name: why" lines, counted by tests/run.sh; figures are "INFO:" lines.
#
# Environment (set by tests/run.sh): HAZARDD, HAZARDCTL, TOP.  HZ_TIME_SCALE
# (a whole number, default 1; tests/cross.sh sets it for a daemon run under
# an emulator) multiplies how long the helpers wait for something to
# happen (wait_for, wait_gone, start_hazardd); never what a test asserts.

set -u

E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TOP:=$(cd "$E2E/../.." && pwd)}"
: "${HAZARDD:=$TOP/build/hazardd}"
: "${HAZARDCTL:=$TOP/build/hazardctl}"
PY=/usr/bin/python3     # Debian's, which has python3-paho-mqtt
T=$(mktemp -d "${TMPDIR:-/tmp}/hazardd-e2e.XXXXXX")
N_PASS=0
N_FAIL=0
HZ_PID=
HZ_CFG=
HZ_LOG=$T/hazardd.log
BG_PIDS=()

# "${GUARD[@]}" CMD...: exec CMD so that it is killed when this script dies,
# even by SIGKILL (PR_SET_PDEATHSIG), which no EXIT trap sees.  Every
# background process the tests start goes through it; the pid stays the same.
GUARD=("$PY" -c 'import ctypes, os, signal, sys
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if os.getppid() == 1:
    sys.exit(1)  # the script is already gone
os.execvp(sys.argv[1], sys.argv[1:])')

# ------------------------------------------------------------ results

pass() { echo "PASS: $1"; N_PASS=$((N_PASS + 1)); }
fail() { echo "FAIL: $1: $2"; N_FAIL=$((N_FAIL + 1)); }
info() { echo "INFO: $*"; }
# check NAME WHY CMD...: PASS if CMD succeeds, else FAIL with WHY.
check() {
	local name=$1 why=$2; shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# wait_for CMD TIMEOUT_S: run CMD (a string for eval) every 0.1 s until it
# succeeds; 1 on timeout.
wait_for() {
	local cmd=$1 timeout=$2 end
	end=$(($(date +%s%N) / 1000000 + ${timeout%.*} * 1000 * ${HZ_TIME_SCALE:-1}))
	while :; do
		eval "$cmd" >/dev/null 2>&1 && return 0
		[ $(($(date +%s%N) / 1000000)) -ge "$end" ] && return 1
		sleep 0.1
	done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ------------------------------------------------------------ clean-up

e2e_cleanup() {
	local rc=$? p
	set +e
	if [ -n "$HZ_PID" ]; then
		kill -TERM "$HZ_PID" 2>/dev/null
		wait_gone "$HZ_PID" 10 || kill -KILL "$HZ_PID" 2>/dev/null
	fi
	# a sanitizer report from any hazardd this script ran is a failure
	if [ -f "$HZ_LOG" ] && grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$HZ_LOG"; then
		fail "sanitizer report in the hazardd log" \
			"$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$HZ_LOG")"
	fi
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait_gone "$p" 3 || kill -KILL "$p" 2>/dev/null
	done
	for f in "$T"/broker-*.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		kill -TERM "$p" 2>/dev/null
		wait_gone "$p" 5 || kill -KILL "$p" 2>/dev/null
	done
	# whatever this script's gateway sent upstream must match the published
	# schemas (docs/schema/), not only the messages t_schema.sh provokes
	if [ -s "$REC_OUT" ] && $PY -c 'import jsonschema' 2>/dev/null; then
		if $PY "$E2E/schema_check.py" "$REC_OUT" "$TOP/docs/schema" >"$T/schema-check.out" 2>&1; then
			pass "upstream messages validate against docs/schema ($(sed -n 's/^SEEN //p' "$T/schema-check.out"))"
		else
			fail "upstream messages validate against docs/schema" \
				"$(grep -m3 -E '^INVALID|Error' "$T/schema-check.out" | tr '\n' ' ')"
		fi
	fi
	if [ "$N_FAIL" -gt 0 ] && [ -f "$HZ_LOG" ]; then
		echo "---- last lines of the hazardd log ($HZ_LOG)"
		tail -n 25 "$HZ_LOG" | sed 's/^/  | /'
	fi
	echo "INFO: $N_PASS passed, $N_FAIL failed"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "INFO: kept $T"
	else
		rm -rf "$T"
	fi
	[ "$N_FAIL" -eq 0 ] && [ "$rc" -eq 0 ] && exit 0
	exit 1
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM
# Anything a program writes to its working directory stays in $T.
cd "$T" || exit 1

# wait_gone PID TIMEOUT_S: wait until PID exited (reaped if our child).
wait_gone() {
	local pid=$1 n=$(($2 * 20 * ${HZ_TIME_SCALE:-1}))
	while kill -0 "$pid" 2>/dev/null; do
		# a zombie child of ours: reap it
		if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then
			wait "$pid" 2>/dev/null
			return 0
		fi
		n=$((n - 1))
		[ "$n" -le 0 ] && return 1
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
	return 0
}

# ------------------------------------------------------------ brokers

source "$E2E/../../tools/netutil.sh"   # free_port, port_open

# The broker named "local" (hazardd's device side) refuses anonymous
# clients and enforces an ACL shaped like the one docs/operations.md ("The
# gateway's broker") recommends, so every test runs the way a gateway
# should.  Its users, with random passwords per run in
# $T/broker-local-<user>.pass (0600):
#   hazardd      reads every topic, writes only the device command topics;
#                write_config gives it local.username/local.password_file
#   e2e-devices  the test publisher (pub, pubpy, pub_repeat, tests/e2e/pub.py):
#                writes any topic except the command topics
#   e2e-plugs    the plug simulator (tests/e2e/plugsim.py): reads the command
#                topics, writes the firmware's state reports
#   BROKER_DEVICES="user=topic ..." (set before start_broker local) adds one
#                user per device that may write its own topic and nothing else;
#                pub_as USER TOPIC PAYLOAD publishes as any of these users.
# A test that needs an anonymous local broker sets BROKER_ANON=1 before
# start_broker local; every other broker (up, nodeb, ...) is anonymous.

# The topics only hazardd may publish: every command topic of
# docs/devices.md ("Device commands").  "<topic>/set" (zigbee2mqtt and
# native devices) cannot be matched at any depth by one filter; the tests'
# topics are at most four levels deep.
LOCAL_CMD_FILTERS=("cmnd/#" "shellies/+/relay/0/command" "+/rpc"
	"+/set" "+/+/set" "+/+/+/set" "+/+/+/+/set" "+/+/+/+/+/set")
# What the plug simulator's firmware reports, per format (plugsim.py answer())
LOCAL_PLUG_REPORTS=("zigbee2mqtt/+" "stat/#" "tele/#" "shellies/+/relay/0"
	"+/status/switch:0" "t/+")
LOCAL_HZ_USER= LOCAL_HZ_PASS_FILE=
LOCAL_PUB_AUTH=() LOCAL_PLUG_AUTH=()

# local_pass_file USER: the file holding USER's password on the local broker.
local_pass_file() { echo "$T/broker-local-$1.pass"; }

# local_users_init: the password and ACL files of the local broker (once per
# script: a restart keeps them, hazardd has read its password already) and
# the credentials the helpers use.
local_users_init() {
	local u entry users=(hazardd e2e-devices e2e-plugs) f
	if [ ! -f "$T/broker-local.passwd" ]; then
		for entry in ${BROKER_DEVICES:-}; do users+=("${entry%%=*}"); done
		(
			umask 077
			for u in "${users[@]}"; do
				head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$(local_pass_file "$u")"
				printf '%s:%s\n' "$u" "$(cat "$(local_pass_file "$u")")"
			done >"$T/broker-local.passwd"
		)
		# hashes the plain "user:password" lines in place
		mosquitto_passwd -U "$T/broker-local.passwd" || return 1
		{
			echo "# hazardd: reads every device, publishes the commands"
			echo "user hazardd"
			echo "topic read #"
			for f in "${LOCAL_CMD_FILTERS[@]}"; do echo "topic write $f"; done
			echo
			echo "# the tests' publisher: any device topic, never a command"
			echo "user e2e-devices"
			for f in "${LOCAL_CMD_FILTERS[@]}"; do echo "topic deny $f"; done
			echo "topic write #"
			echo
			echo "# the plug simulator: reads its commands, writes its reports"
			echo "user e2e-plugs"
			for f in "${LOCAL_CMD_FILTERS[@]}"; do echo "topic read $f"; done
			for f in "${LOCAL_PLUG_REPORTS[@]}"; do echo "topic write $f"; done
			for entry in ${BROKER_DEVICES:-}; do
				echo
				echo "user ${entry%%=*}"
				echo "topic write ${entry#*=}"
			done
		} >"$T/broker-local.acl"
	fi
	LOCAL_HZ_USER=hazardd
	LOCAL_HZ_PASS_FILE=$(local_pass_file hazardd)
	LOCAL_PUB_AUTH=(-u e2e-devices -P "$(cat "$(local_pass_file e2e-devices)")")
	LOCAL_PLUG_AUTH=(-u e2e-plugs -P "$(cat "$(local_pass_file e2e-plugs)")")
	# read by tests/e2e/pub.py and tests/e2e/plugsim.py, however started
	export E2E_PUB_USERNAME=e2e-devices E2E_PUB_PASSWORD_FILE=$(local_pass_file e2e-devices)
	export E2E_PLUG_USERNAME=e2e-plugs E2E_PLUG_PASSWORD_FILE=$(local_pass_file e2e-plugs)
}

# start_broker NAME [PORT]: a mosquitto on 127.0.0.1 with persistence in $T
# (queued QoS 1 messages and persistent sessions survive a restart).  Sets
# the variable PORT_<NAME> and returns once the port accepts connections.
# NAME "local" gets the passwords and the ACL above (BROKER_ANON=1: not).
start_broker() {
	local name=$1 port=${2:-} conf=$T/broker-$1.conf pid acl=0
	[ -n "$port" ] || port=$(free_port)
	mkdir -p "$T/broker-$name.d"
	if [ "$name" = local ] && [ "${BROKER_ANON:-0}" != 1 ]; then
		local_users_init || { echo "start_broker local: no password file" >&2; return 1; }
		acl=1
	fi
	{
		echo "listener $port 127.0.0.1"
		if [ $acl = 1 ]; then
			echo "allow_anonymous false"
			echo "password_file $T/broker-local.passwd"
			echo "acl_file $T/broker-local.acl"
		else
			echo "allow_anonymous true"
		fi
		echo "max_queued_messages 100000"
		# hazardd acknowledges only after the commit (docs/intake.md):
		# mosquitto's default window of 20 would cap it at 20 messages
		# per commit round trip
		echo "max_inflight_messages 100"
		echo "persistence true"
		echo "persistence_location $T/broker-$name.d/"
		echo "autosave_interval 1"
		echo "log_dest stderr"
		echo "log_type error"
		echo "log_type warning"
		echo "log_type notice"
		[ "$(id -u)" -eq 0 ] && echo "user root"
	} >"$conf"
	"${GUARD[@]}" mosquitto -c "$conf" >>"$T/broker-$name.log" 2>&1 &
	pid=$!
	echo "$pid" >"$T/broker-$name.pid"
	echo "$port" >"$T/broker-$name.port"
	printf -v "PORT_$name" '%s' "$port"
	if ! wait_for "port_open $port" 10; then
		echo "start_broker $name: port $port not open" >&2
		tail -n 5 "$T/broker-$name.log" >&2
		return 1
	fi
}

# stop_broker NAME [-9]: stop it (SIGTERM saves its persistence file).
stop_broker() {
	local name=$1 sig=${2:--TERM} pid
	[ "$sig" = -9 ] && sig=-KILL
	pid=$(cat "$T/broker-$name.pid" 2>/dev/null) || return 0
	kill "$sig" "$pid" 2>/dev/null
	wait_gone "$pid" 10 || { kill -KILL "$pid" 2>/dev/null; wait_gone "$pid" 5; }
	rm -f "$T/broker-$name.pid"
}

# restart_broker NAME: start it again on the port it had.
restart_broker() {
	start_broker "$1" "$(cat "$T/broker-$1.port")"
}

# ------------------------------------------------------------ config

# write_config FILE [PATH=JSON ...] < DEVICES
# DEVICES: one JSON object per line, at least {"id":..., "kind":...}; each
# gets site "site-1" (or its own), topic "t/<id>", format "native" and
# heartbeat_s 0 unless given; coverage by site kind is off
# ("coverage-" turns it back to the default).  PATH=JSON sets any key of the generated
# config ("rules.gas_detector.hold_s=1", "deadlines={...}"; a path ending in
# "-" deletes the key).  Uses the brokers "local" and "up" started before;
# with the local broker's ACL, hazardd's local.username and
# local.password_file too.
write_config() {
	local file=$1; shift
	local devs
	devs=$(cat)
	GW_ID=${GW_ID:-gw-e2e-01} DISTRICT=${DISTRICT:-e2edist} \
	LOCAL_PORT=${PORT_local:-1} UP_PORT=${PORT_up:-1} T=$T \
	LOCAL_USER=$LOCAL_HZ_USER LOCAL_PASS_FILE=$LOCAL_HZ_PASS_FILE \
	$PY - "$file" "$devs" "$@" <<'EOF'
import json, os, sys
file, devs, sets = sys.argv[1], sys.argv[2], sys.argv[3:]
T = os.environ["T"]
cfg = {
    "gateway": {"id": os.environ["GW_ID"], "district": os.environ["DISTRICT"],
                "grid": "G-E2E"},
    "storage": {"path": T + "/hazardd.db", "max_mb": 64},
    "local": {"uri": "tcp://127.0.0.1:" + os.environ["LOCAL_PORT"]},
    "upstream": {"uris": ["tcp://127.0.0.1:" + os.environ["UP_PORT"]]},
    "control": {"socket": T + "/control.sock"},
    "log": {"level": "info"},
    "sites": [{"id": "site-1", "kind": "restaurant", "name": "E2E kitchen",
               "address": "1 Test Road", "grid": "G-E2E"},
              {"id": "site-2", "kind": "charging_station",
               "name": "E2E e-bike shed", "address": "2 Test Road",
               "grid": "G-E2E"}],
    "devices": [],
    "rules": {"gas_detector": {"lel_low": 25, "lel_high": 50, "hold_s": 1},
              "smoke_alarm": {},
              "ebike_charger": {"max_temp_c": 60, "max_current_a": 5,
                                "max_charge_h": 8}},
    "deadlines": {"major_h": 24, "general_h": 168},
    # coverage by site kind is on by default; the tests' sites lack what
    # their kinds require (a restaurant's shut-off interlock), so it is off
    # here unless a test turns it on ("coverage-": the default)
    "coverage": {"enabled": False},
}
if os.environ["LOCAL_USER"]:
    cfg["local"]["username"] = os.environ["LOCAL_USER"]
    cfg["local"]["password_file"] = os.environ["LOCAL_PASS_FILE"]
for line in devs.splitlines():
    line = line.strip()
    if not line:
        continue
    d = json.loads(line)
    dev = {"id": d["id"], "kind": d["kind"],
           "site": "site-2" if d["kind"] == "ebike_charger" else "site-1",
           "topic": "t/" + d["id"], "format": "native", "heartbeat_s": 0}
    dev.update(d)
    cfg["devices"].append(dev)
for s in sets:
    path, _, val = s.partition("=")
    keys = path.split(".")
    node = cfg
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    if keys[-1].endswith("-"):
        node.pop(keys[-1][:-1], None)
    else:
        node[keys[-1]] = json.loads(val)
with open(file, "w") as f:
    json.dump(cfg, f, indent=2)
    f.write("\n")
EOF
}

# ------------------------------------------------------------ hazardd

ctl() { "$HAZARDCTL" -c "$HZ_CFG" "$@"; }

# start_hazardd CFG: run it in the background (stderr appended to $HZ_LOG),
# return once `hazardctl status` answers (10 s, HZ_START_TIMEOUT overrides).
start_hazardd() {
	HZ_CFG=$1
	echo "==== start $(date +%T.%N)" >>"$HZ_LOG"
	"${GUARD[@]}" "$HAZARDD" -c "$HZ_CFG" >>"$HZ_LOG" 2>&1 &
	HZ_PID=$!
	local end=$(($(now_ms) + ${HZ_START_TIMEOUT:-10} * 1000 * ${HZ_TIME_SCALE:-1}))
	while :; do
		if ! kill -0 "$HZ_PID" 2>/dev/null; then
			wait "$HZ_PID"
			echo "start_hazardd: hazardd exited with status $?" >&2
			tail -n 10 "$HZ_LOG" >&2
			HZ_PID=
			return 1
		fi
		ctl status >/dev/null 2>&1 && return 0
		if [ "$(now_ms)" -ge "$end" ]; then
			echo "start_hazardd: no answer to status" >&2
			return 1
		fi
		sleep 0.05
	done
}

# kill_hazardd [-9]: SIGTERM and wait for the exit (10 s), or SIGKILL.
# Sets HZ_EXIT to its exit status.
kill_hazardd() {
	HZ_EXIT=
	[ -n "$HZ_PID" ] || return 0
	if [ "${1:-}" = -9 ]; then
		kill -KILL "$HZ_PID" 2>/dev/null
	else
		kill -TERM "$HZ_PID" 2>/dev/null
		if ! wait_gone "$HZ_PID" 10; then
			echo "kill_hazardd: no exit 10 s after SIGTERM" >&2
			kill -KILL "$HZ_PID" 2>/dev/null
		fi
	fi
	wait "$HZ_PID" 2>/dev/null
	HZ_EXIT=$?
	HZ_PID=
}

hz_alive() { [ -n "$HZ_PID" ] && kill -0 "$HZ_PID" 2>/dev/null; }

# status_get EXPR: evaluate a Python expression over `hazardctl --json
# status` (bound to s); prints the value (JSON for lists/dicts/bools).
status_get() {
	ctl --json status 2>/dev/null | jpy "$1"
}

# jpy EXPR: evaluate a Python expression over the JSON on stdin (bound to
# d, and s for compatibility); non-zero exit if it cannot be evaluated.
jpy() {
	$PY -c 'import json, sys
d = s = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (bool, list, dict)) or v is None else v)' "$1"
}

# jtrue EXPR < JSON: succeeds only when the Python expression EXPR (d: the
# JSON) is true; for checks (jpy prints a value and always succeeds).
jtrue() {
	$PY -c 'import json, sys
d = s = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"
}

# db SQL: run SQL on hazardd's database (read-only; the daemon may run).
db() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "file:$T/hazardd.db?mode=ro" "$@"
}

# ------------------------------------------------------------ MQTT clients

# pub TOPIC PAYLOAD: one QoS 1 message to the local broker (as e2e-devices).
pub() {
	mosquitto_pub -h 127.0.0.1 -p "$PORT_local" "${LOCAL_PUB_AUTH[@]}" -q 1 -t "$1" -m "$2"
}

# pub_as USER TOPIC PAYLOAD [mosquitto_pub options]: the same as one of the
# local broker's users (hazardd, e2e-plugs, a BROKER_DEVICES user);
# anonymous when the broker is (BROKER_ANON=1).
pub_as() {
	local auth=()
	[ -n "$LOCAL_HZ_USER" ] && auth=(-u "$1" -P "$(cat "$(local_pass_file "$1")")")
	mosquitto_pub -h 127.0.0.1 -p "$PORT_local" "${auth[@]}" -q 1 -t "$2" -m "$3" "${@:4}"
}

# pubpy ARGS...: tests/e2e/pub.py against the local broker.
pubpy() {
	$PY "$E2E/pub.py" --port "$PORT_local" "$@"
}

# pub_repeat DEVICE PAYLOAD SECONDS [INTERVAL]: in the background, send
# PAYLOAD to t/DEVICE every INTERVAL s (0.3) for SECONDS; its pid goes to
# LAST_BG and BG_PIDS (stop it early with stop_bg).
pub_repeat() {
	local n
	n=$(awk -v s="$3" -v i="${4:-0.3}" 'BEGIN { printf "%d", s / i + 1 }')
	# python itself in the background, not a subshell, so that $! is the
	# process to stop
	"${GUARD[@]}" $PY "$E2E/pub.py" --port "$PORT_local" -t "t/$1" -m "$2" -n "$n" \
		--interval "${4:-0.3}" >/dev/null &
	LAST_BG=$!
	BG_PIDS+=($LAST_BG)
}

# stop_bg PID: stop a background helper started by this script.
stop_bg() {
	kill -TERM "$1" 2>/dev/null
	wait_gone "$1" 3 || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# start_recorder [NAME]: record the upstream broker's hz/v1/# into
# $T/upstream.jsonl (persistent session); waits for its SUBACK.
REC_OUT=$T/upstream.jsonl
start_recorder() {
	rm -f "$T/recorder.ready"
	"${GUARD[@]}" $PY "$E2E/upstream_recorder.py" --port "$PORT_up" --out "$REC_OUT" \
		--ready "$T/recorder.ready" >>"$T/recorder.log" 2>&1 &
	REC_PID=$!
	BG_PIDS+=($REC_PID)
	wait_for "[ -f '$T/recorder.ready' ]" 10
}

# rec_py CODE: run Python over the recorded messages: `msgs` is the list of
# records in arrival order, `hz` the hazard events (payloads of .../hazard),
# `al` the alarm events (.../alarm), `ft` the fault events (.../fault),
# `recs` all three in arrival order (each payload with "_kind" added and
# "_id" its alarm_id, fault_id or hazard_id) and `base` the topic prefix
# hz/v1/<district>/<gateway>.
rec_py() {
	BASE="hz/v1/${DISTRICT:-e2edist}/${GW_ID:-gw-e2e-01}" $PY -c '
import json, os, sys
msgs = []
try:
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            try:
                msgs.append(json.loads(line))
            except ValueError:
                pass      # a line being written
except FileNotFoundError:
    pass
base = os.environ["BASE"]
def family(kind):
    out = []
    for m in msgs:
        if m["topic"] == base + "/" + kind and isinstance(m["payload"], dict):
            out.append(m["payload"])
    return out
hz, al, ft = family("hazard"), family("alarm"), family("fault")
recs = []
for m in msgs:
    k = m["topic"][len(base) + 1:]
    if k in ("alarm", "fault", "hazard") and isinstance(m["payload"], dict):
        p = dict(m["payload"], _kind=k)
        p["_id"] = p.get(k + "_id")
        recs.append(p)
exec(sys.argv[1])' "$1" "$REC_OUT" "${@:2}"
}

# ------------------------------------------------------ platform commands

# new_command_key FILE: a random HMAC key for upstream.command_key_file (0600).
new_command_key() {
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1"
	chmod 600 "$1"
}
# hz CMD [FIELD=JSON...] [options]: sign with $T/cmd.key (tools/hzcmd.py),
# publish on the upstream broker, print the reply.
hz() {
	$PY "$TOP/tools/hzcmd.py" --port "$PORT_up" --district "${DISTRICT:-e2edist}" \
		--gateway "${GW_ID:-gw-e2e-01}" --key-file "$T/cmd.key" --wait 10 "$@"
}
# reply_is JSON EXPR: a Python expression over the reply (bound to r)
reply_is() {
	echo "$1" | $PY -c 'import json, sys
r = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" 2>/dev/null
}

# upstream_has TYPE EVENT [DEVICE]: an alarm, fault or hazard event of that
# type (and device) was received upstream.
upstream_has() {
	rec_py '
t, e = sys.argv[3], sys.argv[4]
dev = sys.argv[5] if len(sys.argv) > 5 else None
sys.exit(0 if any(h.get("type") == t and h.get("event") == e and
                  (dev is None or h.get("device") == dev) for h in recs) else 1)' "$@"
}
