#!/usr/bin/python3
"""Publish test messages at QoS 1 and wait for every PUBACK.

pub.py --port PORT -t TOPIC -m PAYLOAD [-n COUNT] [--interval S]
pub.py --port PORT --file FILE|- [--interval S] [--loop-until FILE]

With --file, each line is a JSON object {"topic": ..., "payload": ...}; a
payload that is not a string is sent as its JSON text, and an optional
"sleep" (seconds) pauses before that message.  --interval pauses between
messages; 0 publishes as fast as the in-flight window allows.
--loop-until repeats the file until that path exists (a streaming
publisher for fault tests) and tolerates broker outages.
--payload-file FILE (repeatable) sends each file's bytes verbatim, in
order (binary, oversized payloads).
Prints "published N" and exits 0 once every message was acknowledged;
exits 1 if acknowledgements did not arrive within --timeout seconds.
--username and --password-file log in (default: $E2E_PUB_USERNAME and
$E2E_PUB_PASSWORD_FILE, which tests/e2e/lib.sh sets for its local broker's
device publisher; anonymous without them).
"""
import argparse
import json
import os
import sys
import time
import uuid

import paho.mqtt.client as mqtt


def load_messages(args):
    msgs = []
    if args.file:
        src = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
        for line in src:
            line = line.strip()
            if not line:
                continue
            m = json.loads(line)
            p = m["payload"]
            if not isinstance(p, str):
                p = json.dumps(p, separators=(",", ":"))
            msgs.append((m["topic"], p.encode("utf-8"), float(m.get("sleep", 0))))
    elif args.payload_file:
        for path in args.payload_file:
            with open(path, "rb") as f:
                msgs += [(args.topic, f.read(), 0.0)] * args.count
    else:
        msgs = [(args.topic, args.message.encode("utf-8"), 0.0)] * args.count
    return msgs


def read_password(path):
    """The first line of path (None without a path)."""
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("-t", "--topic")
    ap.add_argument("-m", "--message")
    ap.add_argument("--payload-file", action="append",
                    help="repeatable: send each file's bytes in turn")
    ap.add_argument("-n", "--count", type=int, default=1)
    ap.add_argument("--file")
    ap.add_argument("--interval", type=float, default=0.0)
    ap.add_argument("--loop-until")
    ap.add_argument("--retain", action="store_true")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--username", default=os.environ.get("E2E_PUB_USERNAME", ""))
    ap.add_argument("--password-file",
                    default=os.environ.get("E2E_PUB_PASSWORD_FILE", ""))
    args = ap.parse_args()
    if not args.file and not args.topic:
        ap.error("need --file or -t")
    if args.topic and args.message is None and not args.payload_file:
        ap.error("-t needs -m or --payload-file")

    msgs = load_messages(args)
    kwargs = {"client_id": "e2e-pub-" + uuid.uuid4().hex[:12],
              "clean_session": True}
    if hasattr(mqtt, "CallbackAPIVersion"):
        kwargs["callback_api_version"] = mqtt.CallbackAPIVersion.VERSION1
    client = mqtt.Client(**kwargs)
    if args.username:
        client.username_pw_set(args.username, read_password(args.password_file))
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(0.2, 0.5)
    connected = []
    client.on_connect = lambda c, u, f, rc, *x: rc == 0 and connected.append(1)
    client.connect(args.host, args.port, keepalive=10)
    client.loop_start()
    t0 = time.time()
    while not connected and time.time() - t0 < 10:
        time.sleep(0.01)
    if not connected:
        print("pub.py: no CONNACK", file=sys.stderr)
        return 1

    pending = []
    sent = 0
    try:
        while True:
            for topic, payload, pause in msgs:
                if pause > 0:
                    time.sleep(pause)
                pending.append(client.publish(topic, payload, qos=1,
                                              retain=args.retain))
                sent += 1
                if args.interval > 0:
                    time.sleep(args.interval)
                # keep the list short for long streaming runs
                if len(pending) > 1000:
                    pending = [p for p in pending if not p.is_published()]
            if not args.loop_until or os.path.exists(args.loop_until):
                break
        deadline = time.time() + args.timeout
        for info in pending:
            while not info.is_published() and time.time() < deadline:
                time.sleep(0.005)
            if not info.is_published():
                print("pub.py: no PUBACK for every message", file=sys.stderr)
                return 1
    finally:
        client.disconnect()
        client.loop_stop()
    print("published %d" % sent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
