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
                     --hazards hazard events arrived, --idle s without a
                     message after the first, or --timeout; then write one
                     JSON object to --out

Figures (times in µs, CLOCK_REALTIME like the shell's date +%s%N):
  readings, hazard_events      distinct (by the row's "seq" / "msg_id")
  first_us, last_us            first and last arrival of any message
  first_record_us, last_record_us  the same for telemetry and hazard events
                               (status and replies are not the backlog)
  last_hazard_us               arrival of the last hazard event
  first_telemetry_us           arrival of the first telemetry message
  hazards_before_telemetry     true when, in arrival order, every hazard
                               event came before the first telemetry message
  drain_rate                   (readings + hazard events) per second from
                               the first to the last record's arrival
"""
import argparse
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt


def now_us():
    return time.time_ns() // 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--topic", default="#")
    ap.add_argument("--prime", action="store_true")
    ap.add_argument("--readings", type=int, default=0)
    ap.add_argument("--hazards", type=int, default=0)
    ap.add_argument("--idle", type=float, default=20)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--out")
    a = ap.parse_args()

    lock = threading.Lock()
    done = threading.Event()
    st = {"messages": 0, "readings": 0, "hazard_events": 0, "dup_readings": 0,
          "dup_hazards": 0, "first_us": 0, "last_us": 0, "last_hazard_us": 0,
          "first_telemetry_us": 0, "last_telemetry_us": 0, "first_hazard_us": 0,
          "first_record_us": 0, "last_record_us": 0, "first_other_us": 0,
          "hazard_after_telemetry": 0, "bad": 0}
    seen_rows, seen_hz = set(), set()
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
            is_record = m.topic.endswith("/telemetry") or m.topic.endswith("/hazard")
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
            elif m.topic.endswith("/hazard"):
                mid = body.get("msg_id")
                if mid in seen_hz:
                    st["dup_hazards"] += 1
                else:
                    seen_hz.add(mid)
                    st["hazard_events"] += 1
                    st["first_hazard_us"] = st["first_hazard_us"] or t
                    st["last_hazard_us"] = t
                    if st["first_telemetry_us"]:
                        st["hazard_after_telemetry"] += 1
            if (a.readings or a.hazards) and st["readings"] >= a.readings and \
                    st["hazard_events"] >= a.hazards:
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
        st["drain_rate"] = round((st["readings"] + st["hazard_events"]) / span, 1) \
            if span > 0 else None
        st["hazards_before_telemetry"] = st["hazard_events"] > 0 and \
            st["hazard_after_telemetry"] == 0
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
