#!/usr/bin/python3
"""drain_rx.py: the receiver of the backlog-drain scenario (tools/bench.sh,
scenario 3d, tools/bench/s_drain.sh).

Subscribes (QoS 1, persistent session) to everything hazardd publishes on
the district broker and keeps, per message, its arrival time and order.
hazardd batches telemetry (one message, many readings), so arrivals are
far fewer than readings and Python keeps up.

  --prime            connect, subscribe, disconnect: create the session
                     before the outage so nothing is lost while we are away
  (otherwise)        connect (retrying every 50 ms while the broker is
                     still down), run until --readings readings and
                     --alarms alarm events arrived, --idle s without a
                     message after the first, or --timeout; then write one
                     JSON object to --out

Record events come in three kinds, each on its topic (docs/protocol.md):
alarm events on .../alarm, fault events on .../fault, hazard events on
.../hazard; a "v":1 event on .../hazard (queued before an upgrade) counts
as the kind its type says.  The backlog's alarms (smoke alarms) are alarm
events.

Figures (times in µs, CLOCK_REALTIME like the shell's date +%s%N):
  readings                     distinct telemetry rows (by device and "seq")
  alarm_events, fault_events, hazard_events
                               distinct record events of each kind (by
                               "msg_id"); record_events is their sum
  v1_events                    of those, "v":1 events on .../hazard
  first_us, last_us            first and last arrival of any message
  first_record_us, last_record_us  the same for telemetry and record
                               events (status and replies are not the backlog)
  first_alarm_us, last_alarm_us  arrival of the first and last alarm event
  first_telemetry_us           arrival of the first telemetry message
  alarms_before_telemetry      true when, in arrival order, every alarm
                               event came before the first telemetry message
  drain_rate                   (readings + record events) per second from
                               the first to the last record's arrival
"""
import argparse
import json
import os
import sys
import threading
import time

import paho.mqtt.client as mqtt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from record_kinds import v1_kind  # noqa: E402


def now_us():
    return time.time_ns() // 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--topic", default="#")
    ap.add_argument("--prime", action="store_true")
    ap.add_argument("--readings", type=int, default=0)
    ap.add_argument("--alarms", type=int, default=0,
                    help="stop once this many alarm events arrived (and --readings)")
    ap.add_argument("--idle", type=float, default=20)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--out")
    a = ap.parse_args()

    lock = threading.Lock()
    done = threading.Event()
    st = {"messages": 0, "readings": 0, "alarm_events": 0, "fault_events": 0,
          "hazard_events": 0, "record_events": 0, "v1_events": 0,
          "dup_readings": 0, "dup_record_events": 0, "first_us": 0, "last_us": 0,
          "first_alarm_us": 0, "last_alarm_us": 0,
          "first_telemetry_us": 0, "last_telemetry_us": 0,
          "first_record_us": 0, "last_record_us": 0, "first_other_us": 0,
          "alarm_after_telemetry": 0, "bad": 0}
    seen_rows, seen_events = set(), set()
    subscribed = threading.Event()

    def on_connect(c, userdata, flags, rc):
        if rc == 0:
            c.subscribe(a.topic, qos=1)

    def on_subscribe(c, userdata, mid, granted):
        subscribed.set()

    def on_message(c, userdata, m):
        t = now_us()
        try:
            body = json.loads(m.payload)
        except ValueError:
            body = None
        with lock:
            st["messages"] += 1
            st["first_us"] = st["first_us"] or t
            st["last_us"] = t
            kind = m.topic.rsplit("/", 1)[-1]
            is_event = kind in ("alarm", "fault", "hazard")
            is_record = kind == "telemetry" or is_event
            if is_record:
                st["first_record_us"] = st["first_record_us"] or t
                st["last_record_us"] = t
            else:
                st["first_other_us"] = st["first_other_us"] or t
            if not isinstance(body, dict):
                st["bad"] += 1
            elif m.topic.endswith("/telemetry"):
                st["first_telemetry_us"] = st["first_telemetry_us"] or t
                st["last_telemetry_us"] = t
                for r in body.get("readings") or []:
                    key = (r.get("device"), r.get("seq"))
                    if key in seen_rows:
                        st["dup_readings"] += 1
                    else:
                        seen_rows.add(key)
                        st["readings"] += 1
            elif is_event:
                mid = body.get("msg_id")
                if mid in seen_events:
                    st["dup_record_events"] += 1
                else:
                    seen_events.add(mid)
                    if kind == "hazard" and body.get("v") == 1:
                        kind = v1_kind(body.get("type"))
                        st["v1_events"] += 1
                    st[kind + "_events"] += 1
                    st["record_events"] += 1
                    if kind == "alarm":
                        st["first_alarm_us"] = st["first_alarm_us"] or t
                        st["last_alarm_us"] = t
                        if st["first_telemetry_us"]:
                            st["alarm_after_telemetry"] += 1
            if (a.readings or a.alarms) and st["readings"] >= a.readings and \
                    st["alarm_events"] >= a.alarms:
                done.set()

    c = mqtt.Client(client_id=a.client_id, clean_session=False)
    c.on_connect = on_connect
    c.on_subscribe = on_subscribe
    c.on_message = on_message
    end = time.time() + a.timeout
    while True:
        try:
            c.connect("127.0.0.1", a.port, keepalive=30)
            break
        except OSError:
            if time.time() > end:
                print("drain_rx: broker never answered", file=sys.stderr)
                return 1
            time.sleep(0.05)
    c.loop_start()
    if a.prime:
        ok = subscribed.wait(10)
        c.disconnect()
        c.loop_stop()
        return 0 if ok else 1
    while not done.is_set() and time.time() < end:
        with lock:
            last = st["last_us"]
        if last and now_us() - last > a.idle * 1e6:
            break
        done.wait(0.1)
    c.disconnect()
    c.loop_stop()
    with lock:
        span = (st["last_record_us"] - st["first_record_us"]) / 1e6
        st["drain_rate"] = round((st["readings"] + st["record_events"]) / span, 1) \
            if span > 0 else None
        st["alarms_before_telemetry"] = st["alarm_events"] > 0 and \
            st["alarm_after_telemetry"] == 0
        st["complete"] = done.is_set()
        out = json.dumps(st, separators=(",", ":"))
    if a.out:
        with open(a.out, "w") as f:
            f.write(out + "\n")
    else:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
