#!/usr/bin/python3
"""An alarm published while a large evidence submit is being handled.

evidence_race.py --socket PATH --port PORT --topic T --payload P
                 --device ID --hazard ID --file FILE [--note TEXT]

Opens `watch` for DEVICE on the control socket, writes a submit of FILE
(base64, as hazardctl sends it) on a second connection, and as soon as the
whole request line is written publishes the alarm (QoS 1) on the local
broker.  Then waits for both: the alarm's record event on the watch stream
and the submit's reply.  Prints one JSON line: {"event_ms": from the
publish to the event, "reply_ms": from the end of the request to its
reply, "event_first": the event came before the reply, "reply": the
reply}.  Login as for pub.py ($E2E_PUB_USERNAME, $E2E_PUB_PASSWORD_FILE).
"""
import argparse
import base64
import json
import os
import select
import socket
import sys
import time

import paho.mqtt.client as mqtt


class Lines:
    """Complete lines of a socket, read as they come (after select)."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def read(self):
        """The lines completed by one recv; None at the end."""
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            return None
        self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        return lines

    def first(self):
        while True:
            lines = self.read()
            if lines is None:
                return None
            if lines:
                return lines[0]


def main():
    ap = argparse.ArgumentParser()
    for a in ("--socket", "--topic", "--payload", "--device", "--hazard", "--file"):
        ap.add_argument(a, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--note", default="fixed, photo attached")
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2) \
        if hasattr(mqtt, "CallbackAPIVersion") else mqtt.Client()
    user = os.environ.get("E2E_PUB_USERNAME")
    if user:
        with open(os.environ["E2E_PUB_PASSWORD_FILE"]) as f:
            client.username_pw_set(user, f.read().strip())
    client.connect("127.0.0.1", args.port)
    client.loop_start()

    watch = socket.socket(socket.AF_UNIX)
    watch.connect(args.socket)
    watch.sendall(json.dumps({"cmd": "watch", "device": args.device}).encode() + b"\n")
    wlines = Lines(watch)
    first = json.loads(wlines.first())
    if not first.get("ok"):
        print(json.dumps({"error": "watch refused", "reply": first}))
        return 1

    with open(args.file, "rb") as f:
        data = base64.b64encode(f.read()).decode()
    req = json.dumps({"cmd": "submit", "id": args.hazard, "note": args.note,
                      "files": [{"name": os.path.basename(args.file), "data": data}]})
    ctl = socket.socket(socket.AF_UNIX)
    ctl.connect(args.socket)
    ctl.sendall(req.encode() + b"\n")
    t_sent = time.monotonic()
    client.publish(args.topic, args.payload, qos=1)
    t_pub = time.monotonic()

    t_event = t_reply = None
    reply = event = None
    clines = Lines(ctl)
    end = time.monotonic() + args.timeout
    while (t_event is None or t_reply is None) and time.monotonic() < end:
        ready, _, _ = select.select([watch, ctl], [], [], 0.5)
        now = time.monotonic()
        if watch in ready and t_event is None:
            for line in wlines.read() or []:
                # the alarm's record event (readings and presence are not)
                if t_event is None and b'"alarm"' in line and b'gas_leak' in line:
                    t_event = now
                    event = line[:120].decode("utf-8", "replace")
        if ctl in ready and t_reply is None:
            lines = clines.read() or []
            if lines:
                t_reply = now
                reply = json.loads(lines[0])
    client.loop_stop()
    out = {
        "event_ms": None if t_event is None else round((t_event - t_pub) * 1000, 1),
        "reply_ms": None if t_reply is None else round((t_reply - t_sent) * 1000, 1),
        "event_first": t_event is not None and (t_reply is None or t_event < t_reply),
        "event": event,
        "reply": reply,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
