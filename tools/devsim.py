#!/usr/bin/python3
"""devsim: simulated detectors publishing native hazardd payloads over MQTT.

  devsim.py --port N --scenario demo          the scripted demo (about 60 s)
  devsim.py --port N --publish TOPIC PAYLOAD  one QoS 1 message, then exit

The payload of --publish is sent verbatim (malformed JSON included), so tests
can use it to feed the daemon anything.  Scenario messages follow the native
format of DESIGN.md: {"ts": ms, "gas_lel": ..., "battery": ...}.

--auth-file FILE ("user password" lines, tools/demo_users.py writes one) is
for a broker with passwords and an ACL: the scenario then connects once per
device, each as the user named by its device id, as real devices would (the
ACL lets each publish only its own topic, so one shared login cannot work);
--publish logs in as --user.  Without it every connection is anonymous.

Uses python3-paho-mqtt (Debian ships 1.6.x); 2.x works through the
VERSION1 callback API.
"""
import argparse
import json
import signal
import sys
import threading
import time

import paho.mqtt.client as mqtt

PERIOD_S = 2.0          # normal telemetry interval of every live device
SCENARIO_END_S = 60.0

# Keyframes: (t_s, value).  A value holds until the next keyframe.
KITCHEN_LEL = [(0, 0), (4, 12), (8, 22), (12, 30), (18, 45), (28, 58),
               (36, 40), (40, 22), (44, 10), (48, 3)]
CHARGER_TEMP = [(0, 35), (4, 40), (8, 46), (12, 52), (16, 58), (18, 63),
                (20, 68), (22, 72), (50, 64), (52, 58), (54, 52), (56, 47),
                (58, 44)]
CHARGER_POWER = [(0, 180), (50, 0)]
SMOKE = [(0, False), (30, True), (46, False)]
HALL_REPORTS_AT = (2, 8)    # hall-gas-2 reports twice, then its battery dies
DEVICES = ("kitchen-gas-1", "hall-gas-2", "stair-smoke-2", "bay-3-charger")

# Story lines printed when the scenario reaches them.
NOTES = [
    (4, "kitchen-gas-1: the cooker hose starts leaking"),
    (12, "kitchen-gas-1: above the 25 %LEL low alarm"),
    (10, "hall-gas-2: goes silent now (battery pulled); heartbeat is 20 s"),
    (18, "bay-3-charger: battery pack over 60 C"),
    (28, "kitchen-gas-1: above the 50 %LEL high alarm"),
    (30, "stair-smoke-2: smoke in the stairwell"),
    (36, "kitchen-gas-1: valve shut, window open, gas falling"),
    (46, "stair-smoke-2: smoke gone"),
    (50, "bay-3-charger: charging stopped, pack cooling"),
]


def keyframe(frames, t):
    value = frames[0][1]
    for at, v in frames:
        if t + 1e-6 >= at:
            value = v
    return value


def stamp(msg):
    print(msg, flush=True)


def make_client(client_id):
    # paho-mqtt 2.x requires the callback API version; 1.6.x has no such enum.
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=client_id)
    return mqtt.Client(client_id=client_id)


def connect(client, host, port, timeout_s):
    """Connect with retries (the broker may be starting); raise on timeout."""
    connected = threading.Event()

    def on_connect(c, userdata, flags, rc):
        if rc == 0:
            connected.set()
        else:
            stamp("broker refused the connection: " + mqtt.connack_string(rc))

    client.on_connect = on_connect
    client.reconnect_delay_set(min_delay=1, max_delay=2)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            client.connect(host, port, keepalive=30)
            break
        except OSError as e:
            if time.monotonic() > deadline:
                raise SystemExit(f"devsim: cannot connect to {host}:{port}: {e}")
            time.sleep(0.2)
    client.loop_start()
    if not connected.wait(max(0.1, deadline - time.monotonic())):
        client.loop_stop()
        raise SystemExit(f"devsim: no CONNACK from {host}:{port}")


def read_auth_file(path):
    """{user: password} from "user password" lines."""
    creds = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            user, _, password = line.strip().partition(" ")
            if user:
                creds[user] = password
    return creds


def login(client, creds, user):
    if creds is None:
        return
    if user not in creds:
        raise SystemExit(f"devsim: no password for {user!r} in the --auth-file")
    client.username_pw_set(user, creds[user])


def publish_once(args, creds):
    client = make_client(args.client_id or "devsim-once")
    if creds is not None and not args.user:
        raise SystemExit("devsim: --publish with --auth-file needs --user")
    login(client, creds, args.user)
    connect(client, args.host, args.port, args.connect_timeout)
    topic, payload = args.publish
    info = client.publish(topic, payload.encode(), qos=args.qos, retain=args.retain)
    ok = False
    if info.rc == mqtt.MQTT_ERR_SUCCESS:
        info.wait_for_publish(timeout=10)
        ok = info.is_published()
    client.disconnect()
    client.loop_stop()
    if not ok:
        print("devsim: publish not acknowledged", file=sys.stderr)
        return 1
    return 0


class Scenario:
    """The demo: four devices at three sites, every 2 s, with a script."""

    def __init__(self, clients, qos, speed, prefix):
        self.clients = clients  # device -> its MQTT client
        self.qos = qos
        self.speed = speed
        self.prefix = prefix
        self.energy_kwh = 1.20
        self.last = {}          # device -> last value shown, to print changes only
        self.sent = 0
        self.unacked = []

    def topic(self, device):
        return f"{self.prefix}/{device}"

    def send(self, device, fields):
        body = {"ts": int(time.time() * 1000)}
        body.update(fields)
        info = self.clients[device].publish(self.topic(device), json.dumps(body),
                                            qos=self.qos)
        if info.rc != mqtt.MQTT_ERR_SUCCESS and info.rc != mqtt.MQTT_ERR_NO_CONN:
            stamp(f"{device}: publish failed ({mqtt.error_string(info.rc)})")
        self.unacked.append(info)
        self.sent += 1

    def show(self, device, key, text):
        if self.last.get((device, key)) != text:
            self.last[(device, key)] = text
            stamp(text)

    def step(self, t):
        lel = keyframe(KITCHEN_LEL, t)
        self.send("kitchen-gas-1", {"gas_lel": lel, "battery": 92})
        self.show("kitchen-gas-1", "lel", f"kitchen-gas-1 gas_lel {lel} %LEL")

        if t in HALL_REPORTS_AT:
            self.send("hall-gas-2", {"gas_lel": 0, "battery": 64})
            n = HALL_REPORTS_AT.index(t) + 1
            stamp(f"hall-gas-2 gas_lel 0 %LEL (report {n} of {len(HALL_REPORTS_AT)})")

        smoke = keyframe(SMOKE, t)
        self.send("stair-smoke-2", {"smoke": smoke, "battery": 88})
        self.show("stair-smoke-2", "smoke",
                  "stair-smoke-2 SMOKE detected" if smoke else "stair-smoke-2 smoke: none")

        temp = keyframe(CHARGER_TEMP, t)
        power = keyframe(CHARGER_POWER, t)
        # A pack taking 180 W through a 230 V charger draws about 0.8 A.
        current = round(power / 230.0, 2)
        if power > 0:
            self.energy_kwh += power * PERIOD_S / 3.6e6
        self.send("bay-3-charger", {"power_w": power, "current_a": current,
                                    "voltage_v": 230 if power > 0 else 0,
                                    "temp_c": temp,
                                    "energy_kwh": round(self.energy_kwh, 4)})
        self.show("bay-3-charger", "temp",
                  f"bay-3-charger temp {temp} C, {power} W")

    def run(self, stop):
        devices = " ".join(DEVICES)
        logins = len(set(map(id, self.clients.values())))
        how = ("each logged in as its own user" if logins == len(DEVICES)
               else "on one anonymous connection")
        stamp(f"scenario demo: 4 devices ({devices}), {how}, telemetry every "
              f"{PERIOD_S:g} s, {SCENARIO_END_S:g} s")
        start = time.monotonic()
        notes = sorted(NOTES)
        tick = 0
        while not stop.is_set():
            t = tick * PERIOD_S
            if t > SCENARIO_END_S:
                break
            wake = start + t / self.speed
            if stop.wait(max(0.0, wake - time.monotonic())):
                break
            while notes and notes[0][0] <= t:
                stamp("--- " + notes.pop(0)[1])
            self.step(t)
            self.unacked = [i for i in self.unacked if not i.is_published()]
            tick += 1
        # Give the broker a moment to acknowledge the last QoS 1 messages.
        deadline = time.monotonic() + 5
        while self.unacked and time.monotonic() < deadline:
            self.unacked = [i for i in self.unacked if not i.is_published()]
            time.sleep(0.05)
        stamp(f"scenario done: {self.sent} messages sent, "
              f"{len(self.unacked)} not acknowledged")
        return 0 if not self.unacked else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--scenario", choices=["demo"])
    ap.add_argument("--publish", nargs=2, metavar=("TOPIC", "PAYLOAD"),
                    help="publish one message and exit")
    ap.add_argument("--qos", type=int, default=1, choices=[0, 1, 2])
    ap.add_argument("--retain", action="store_true", help="with --publish")
    ap.add_argument("--topic-prefix", default="demo",
                    help="scenario topics are PREFIX/DEVICE_ID (default demo)")
    ap.add_argument("--speed", type=float, default=1.0,
                    help="run the scenario this many times faster (tests)")
    ap.add_argument("--client-id", default="")
    ap.add_argument("--auth-file", help='"user password" lines: log in '
                    "(the scenario: each device as its id)")
    ap.add_argument("--user", help="with --publish and --auth-file: log in as this user")
    ap.add_argument("--connect-timeout", type=float, default=10.0,
                    help="keep trying to connect this long (s)")
    args = ap.parse_args()

    creds = read_auth_file(args.auth_file) if args.auth_file else None
    if args.publish:
        return publish_once(args, creds)
    if not args.scenario:
        ap.error("give --scenario demo or --publish TOPIC PAYLOAD")
    if args.speed <= 0:
        ap.error("--speed must be positive")

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    base_id = args.client_id or "devsim-demo"
    if creds is None:
        shared = make_client(base_id)
        connect(shared, args.host, args.port, args.connect_timeout)
        clients = {d: shared for d in DEVICES}
    else:
        clients = {}
        for d in DEVICES:
            clients[d] = make_client(f"{base_id}-{d}")
            login(clients[d], creds, d)
    unique = list({id(c): c for c in clients.values()}.values())
    try:
        if creds is not None:
            for c in unique:
                connect(c, args.host, args.port, args.connect_timeout)
        # Paho 1.6 caps in-flight QoS 1 messages at 20 by default; a burst
        # never reaches that here, but raise it so a slow broker cannot
        # stall the script.
        for c in unique:
            c.max_inflight_messages_set(100)
        rc = Scenario(clients, args.qos, args.speed, args.topic_prefix).run(stop)
    finally:
        for c in unique:
            c.disconnect()
            c.loop_stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
