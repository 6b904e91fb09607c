#!/bin/busybox sh
# /init of the GPIO test guest (PID 1, busybox).  Creates a gpio-sim chip
# through configfs, runs the real hazardd on it, drives its input lines via
# gpio-sim's sysfs "pull" files, reads its outputs from the "value" files
# and checks the alarms, faults and hazards each input raises through
# hazardctl --json records.  Prints PASS:/FAIL:
# lines (counted by tests/run.sh) and "GPIOSIM-RESULT: PASS|FAIL" last.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# the initramfs has no /dev/console node at exec time: output goes nowhere
exec >/dev/console 2>&1 </dev/console
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
ip link set lo up 2>/dev/null

RESULT=PASS
pass() { echo "PASS: gpio: $1"; }
fail() { echo "FAIL: gpio: $1: $2"; RESULT=FAIL; }
check() { n=$1; w=$2; shift 2; if "$@"; then pass "$n"; else fail "$n" "$w"; fi; }
finish() {
	echo "uptime at end: $(cut -d' ' -f1 /proc/uptime)s"
	echo "GPIOSIM-RESULT: $RESULT"
	# qemu's isa-debug-exit (iobase 0xf4): exit status (v<<1)|1
	if [ -e /dev/port ]; then
		if [ $RESULT = PASS ]; then v='\000'; else v='\001'; fi
		printf "$v" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	fi
	poweroff -f
}
echo "kernel $(uname -r), init at $(cut -d' ' -f1 /proc/uptime)s"
for m in /lib/modules/*.ko; do insmod "$m" || { fail setup "insmod $m"; finish; }; done
mount -t configfs configfs /sys/kernel/config || { fail setup "mount configfs"; finish; }

# ---- one simulated chip, 16 lines; the label is what the config names
C=/sys/kernel/config/gpio-sim/hz
mkdir $C $C/bank0 || { fail setup "configfs mkdir"; finish; }
echo 16 > $C/bank0/num_lines
echo hazardd-sim > $C/bank0/label
echo 1 > $C/live || { fail setup "chip live"; finish; }
CHIP=$(cat $C/bank0/chip_name)
S=/sys/devices/platform/$(cat $C/dev_name)/$CHIP
pull() { echo "pull-$2" > $S/sim_gpio$1/pull; }
value() { cat $S/sim_gpio$1/value; }
# lines: 0 gas contact, 1 smoke contact, 2 NC loop, 3 bouncy gas contact,
# 4 short blip, 5 latency bench, 6 active-low contact; outputs 8 valve, 9 charger, 10 fan, 11 buzzer, 12 bench
pull 0 down; pull 1 down; pull 3 down; pull 4 down; pull 5 down
# active_low contact, open (high) while all is well.  No "bias" in its
# config: gpio-sim applies a requested bias as its pull, overriding the
# test's own, where a real contact would win over a weak pull-up
pull 6 up
pull 2 up       # the NC loop is healthy (closed) before hazardd starts

H=/tmp/hz; mkdir -p $H
sed "s/@CHIP@/hazardd-sim/g" /etc/hazardd.json > $H/hazardd.json
CTL="hazardctl -c $H/hazardd.json"
HZ_PID=
start_hz() {
	hazardd -c $H/hazardd.json >> $H/hazardd.log 2>&1 &
	HZ_PID=$!
	i=0
	while ! $CTL status >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.1
	done
}
stop_hz() {
	kill -TERM $HZ_PID; i=0
	while kill -0 $HZ_PID 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && { kill -KILL $HZ_PID; break; }; sleep 0.1
	done
	wait $HZ_PID 2>/dev/null
}
# one record (alarm, fault or hazard) per line, compact, for grep
records() { $CTL --json records | tr -d '\n ' | sed 's/},{/}\n{/g'; }
# rec_line KIND DEVICE TYPE: that kind's records of the device and type
rec_line() {
	records | grep "\"kind\":\"$1\"" | grep "\"device\":\"$2\"" | grep "\"type\":\"$3\""
}
alarm_line() { rec_line alarm "$@"; }
fault_line() { rec_line fault "$@"; }
hazard_line() { rec_line hazard "$@"; }
# of DEVICE: every record of a device, for failure messages
of() { records | grep "\"device\":\"$1\""; }
# has TEXT PATTERN: grep -E in a string
has() { echo "$1" | grep -Eq "$2"; }
# all TEXT PATTERN...: every pattern matches (keys in any order)
all() { t=$1; shift; [ -n "$t" ] || return 1; for p in "$@"; do has "$t" "$p" || return 1; done; }
# lines TEXT: how many lines (0 for an empty string)
lines() { if [ -z "$1" ]; then echo 0; else echo "$1" | wc -l; fi; }
# wait_value LINE WANT: outputs move within a pass; allow TCG some slack
wait_value() {
	i=0
	while [ "$(value $1)" != "$2" ]; do
		i=$((i + 1)); [ $i -gt 30 ] && return 1; sleep 0.05
	done
}

start_hz || { fail start "hazardd did not answer"; cat $H/hazardd.log; finish; }
pass "hazardd starts on gpio-sim with unreachable brokers"
check "outputs at safe state on start" "valve=$(value 8) charger=$(value 9) fan=$(value 10)" \
	[ "$(value 8)$(value 9)$(value 10)$(value 11)" = 0100 ]
check "healthy NC loop raises nothing" "$(records)" [ -z "$(records | grep detector_fault)" ]

# ---- 1. a gas contact closes: the valve closes, a gas_leak alarm at the
# high level (the input's severity major) is raised, and at a restaurant
# it is a major hazard at once
pull 0 up
check "gas contact closes the valve" "valve=$(value 8)" wait_value 8 1
check "gas contact starts the fan" "fan=$(value 10)" wait_value 10 1
sleep 0.3
h=$(alarm_line kitchen-gas gas_leak)
check "gas contact: an active gas_leak alarm, level high" "$(of kitchen-gas)" \
	all "$h" '"alarm_id":"[0-9a-f]+-A[0-9]+"' '"state":"active"' '"level":"high"'
GAS_A=$(echo "$h" | sed -n 's/.*"alarm_id":"\([^"]*\)".*/\1/p')
h=$(hazard_line kitchen-gas gas_leak)
check "gas at a restaurant: a major hazard at once, from the alarm" "$(of kitchen-gas)" \
	all "$h" '"state":"open"' '"severity":"major"' '"reason":"alarm"' "\"source\":\"$GAS_A\""
if [ -x /bin/sqlite3 ]; then
	a=$(sqlite3 $H/hazardd.db "select body from outbox where topic_suffix='alarm' and body like '%kitchen-gas\"%'" | head -n 1)
	check "the alarm event records the actions" "$a" \
		has "$a" '"actions":\[\{"output":"valve_kitchen","set":"on"'
fi

# ---- 2. bounce within the debounce window (300 ms): one alarm
for k in 1 2 3 4 5; do pull 3 up; pull 3 down; done
pull 3 up
sleep 0.8
h=$(alarm_line kitchen-gas-2 gas_leak)
check "bounce raises one alarm, once" "$(of kitchen-gas-2)" \
	sh -c '[ "$(echo "$1" | grep -c .)" = 1 ] && echo "$1" | grep -q "\"state\":\"active\"" &&
	       echo "$1" | grep -Eq "\"occurrences\":1[,}]"' _ "$h"
# a blip shorter than the window raises nothing
pull 4 up; pull 4 down; sleep 0.3
check "a blip shorter than debounce_ms is ignored" "$(of bench)" [ -z "$(of bench)" ]

# ---- 3. the NC loop opens: a detector_fault fault, no hazard (yet)
pull 2 down
sleep 0.5
h=$(fault_line call-point detector_fault)
check "open NC loop raises a detector_fault fault" "$(of call-point)" \
	all "$h" '"fault_id":"[0-9a-f]+-F[0-9]+"' '"state":"active"'
check "a fresh fault is no hazard" "$(of call-point)" [ -z "$(hazard_line call-point detector_fault)" ]

# ---- 4. a smoke contact cuts the charger: an alarm at the high level,
# which at a charging station waits for a person's verification
pull 1 up
check "smoke contact cuts charger_bay_3" "charger=$(value 9)" wait_value 9 0
sleep 0.3
h=$(alarm_line bay-smoke smoke_alarm)
check "smoke_alarm alarm raised at the high level" "$(of bay-smoke)" \
	all "$h" '"state":"active"' '"level":"high"'
check "no smoke hazard before verification" "$(of bay-smoke)" [ -z "$(hazard_line bay-smoke smoke_alarm)" ]
SMOKE_A=$(echo "$h" | sed -n 's/.*"alarm_id":"\([^"]*\)".*/\1/p')
out=$($CTL verify-alarm "$SMOKE_A" real --note "charger smouldering" 2>&1)
check "verify-alarm real" "$out" has "$out" "alarm $SMOKE_A verified real"
h=$(hazard_line bay-smoke smoke_alarm)
check "verified real: a hazard from the alarm" "$(of bay-smoke)" \
	all "$h" '"state":"open"' '"reason":"verified"' "\"source\":\"$SMOKE_A\""
check "the charger stays cut" "charger=$(value 9)" [ "$(value 9)" = 0 ]

# ---- 4b. live reload: latches held, a re-requested input re-read
# The blip contact is renamed and loses its debounce: its line is released
# and requested again, and the contact closes while the reload is applied.
# The valve (latched on) and the charger (latched off) must not move, not
# even for a moment (sampled while the reload runs).
sed -e 's/"blip_contact",  "chip": "hazardd-sim", "line": 4, "debounce_ms": 300/"blip_contact_b", "chip": "hazardd-sim", "line": 4, "debounce_ms": 0/' \
	$H/hazardd.json > $H/hazardd.json.new && mv $H/hazardd.json.new $H/hazardd.json
grep -q blip_contact_b $H/hazardd.json || fail "reload setup" "config not changed"
( i=0; while [ $i -lt 40 ]; do echo "$(value 8)$(value 9)"; i=$((i + 1)); done ) > $H/levels &
SAMPLER=$!
pull 4 up
kill -HUP $HZ_PID
wait $SAMPLER
sleep 0.5
check "reload applied" "$(grep 'reload' $H/hazardd.log | tail -n 2)" \
	grep -q 'reload (SIGHUP): applied' $H/hazardd.log
check "reload: the latched valve and the cut charger never moved" "$(sort -u $H/levels | tr '\n' ' ')" \
	[ "$(sort -u $H/levels)" = 10 ]
o=$($CTL --json outputs | tr -d '\n ')
check "reload: the valve is still latched" "$o" has "$o" '"name":"valve_kitchen"[^}]*"latched":true'
h=$(fault_line bench tamper)
check "reload: a contact that closed during the reload raises its fault" "$(of bench)" has "$h" '"state":"active"'
pull 4 down

# ---- 5. the valve stays closed across a restart, until hazardctl reset
stop_hz
echo "after stop: valve line falls back to its pull: $(value 8)"
pull 6 down     # an active-low contact closes while hazardd is down
start_hz || { fail restart "hazardd did not come back"; cat $H/hazardd.log; finish; }
h=$(alarm_line late-gas gas_leak)
check "an alarm that began while hazardd was down is raised at start" "$(of late-gas)" \
	has "$h" '"state":"active"'
check "valve closed again at start (latch restored)" "valve=$(value 8)" [ "$(value 8)" = 1 ]
h=$(alarm_line kitchen-gas gas_leak)
check "restart does not re-raise an active alarm" "$(of kitchen-gas)" \
	sh -c '[ "$(echo "$1" | grep -c .)" = 1 ] && echo "$1" | grep -Eq "\"state\":\"active\".*\"occurrences\":1[,}]"' _ "$h"
$CTL reset valve_kitchen >/dev/null 2>&1; rc=$?
check "reset refused while the gas contact is closed" "rc=$rc valve=$(value 8)" \
	[ $rc = 1 ] && [ "$(value 8)" = 1 ]
pull 0 down
sleep 0.5
check "valve stays closed after the gas clears" "valve=$(value 8)" [ "$(value 8)" = 1 ]
check "the gas alarm ended, its hazard's condition normal (normal_since set, still open)" "$(of kitchen-gas)" \
	sh -c 'echo "$1" | grep -q "\"state\":\"ended\"" && echo "$2" | grep -q "\"state\":\"open\"" && echo "$2" | grep -q "\"normal_since\":\"20"' _ \
	"$(alarm_line kitchen-gas gas_leak)" "$(hazard_line kitchen-gas gas_leak)"
check "follow fan stops when the gas clears" "fan=$(value 10)" wait_value 10 0
$CTL outputs
$CTL reset valve_kitchen; rc=$?
check "hazardctl reset reopens the valve" "rc=$rc valve=$(value 8)" [ $rc = 0 ] && wait_value 8 0
stop_hz; start_hz
check "a reset latch stays reset after restart" "valve=$(value 8)" [ "$(value 8)" = 0 ]

# ---- 6. hazardctl test: a self-check pulse
$CTL test buzzer >/dev/null; rc=$?
check "hazardctl test drives the buzzer" "rc=$rc buzzer=$(value 11)" [ $rc = 0 ] && wait_value 11 1
check "the test pulse ends" "buzzer=$(value 11)" wait_value 11 0
st=$($CTL --json status | tr -d ' \n')
check "self-check counted" "$st" has "$st" '"self_tests":1[,}]'

# ---- 7. latency: edge (kernel timestamp) to output write, >= 100 edges
# (debounce_ms 0: two edges read in one batch cancel out, hence 110)
n=0
while [ $n -lt 110 ]; do
	pull 5 up; sleep 0.03; pull 5 down; sleep 0.03; n=$((n + 1))
done
sleep 0.3
st=$($CTL --json status | tr -d ' \n')
echo "INFO: $(echo "$st" | grep -o '"gpio":{[^}]*}')"
grep -m1 'interlock thread' $H/hazardd.log | sed 's/^/INFO: /'
check "100 bench edges measured" "$st" has "$st" '"latency_samples":(1[0-9][0-9]|[2-9][0-9][0-9])[,}]'
# each closing was a new tamper fault (a cleared fault is history); the
# third within the window raised one hazard by recurrence, which followed
# the rest
n=$(lines "$(fault_line bench-fast tamper)")
h=$(hazard_line bench-fast tamper)
check "bench edges: a tamper fault per closing, one hazard by recurrence" "faults $n; $h" \
	sh -c '[ "$0" -ge 100 ] && [ "$(echo "$1" | grep -c .)" = 1 ] && echo "$1" | grep -q "\"reason\":\"recurrence\""' "$n" "$h"
stop_hz
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $H/hazardd.log; then
	fail sanitizer "$(grep -m1 -E 'ERROR: |runtime error:' $H/hazardd.log)"
fi
grep -cE '(alarm|fault|hazard) ' $H/hazardd.log | sed 's/^/INFO: record log lines: /'
if [ $RESULT = FAIL ]; then echo "---- hazardd.log"; cat $H/hazardd.log; fi
finish
