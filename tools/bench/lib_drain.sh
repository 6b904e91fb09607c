# tools/bench/lib_drain.sh: what callgrind.sh and profile.sh share, sourced
# after they set BUILD, PY and W: their processes stopped on exit, a free
# loopback port, a broker whose queue holds the whole backlog, and
# hazardd's status over its control socket in $W.
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
broker() {      # broker PORT: defaults but a queue that holds the backlog
	printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 10000000\n%s\n' \
		"$1" "$([ "$(id -u)" -eq 0 ] && echo 'user root')" >"$W/b$1.conf"
	mosquitto -c "$W/b$1.conf" >"$W/b$1.log" 2>&1 &
	PIDS+=($!)
	sleep 0.5
}
status() { "$BUILD/hazardctl" --socket "$W/ctl.sock" --json status 2>/dev/null; }
