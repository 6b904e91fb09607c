#!/usr/bin/python3
"""Record everything hazardd sends upstream, for the end-to-end tests.

upstream_recorder.py --port PORT --out FILE [--ready FILE] [--topic FILTER]
                     [--client-id ID]

Subscribes FILTER (default hz/v1/#) at QoS 1 with a persistent session
(clean session off, fixed client id), so that messages published while the
recorder is away are queued for it by the broker.  Appends one JSON line per
message: {"topic": ..., "payload": <parsed JSON or raw text>, "retain": bool,
"qos": n, "rx_ms": receive time}, flushed at once so the test can read the
file while the recorder runs.  Reconnects every 0.5 s while the broker is
away.  Touches FILE --ready after each SUBACK.
"""
import argparse
import json
import os
import signal
import sys
import time

import paho.mqtt.client as mqtt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready")
    ap.add_argument("--topic", default="hz/v1/#")
    ap.add_argument("--client-id", default="hazardd-e2e-recorder")
    args = ap.parse_args()

    out = open(args.out, "a", encoding="utf-8")

    def on_connect(client, userdata, flags, rc, *extra):
        if rc == 0:
            client.subscribe(args.topic, qos=1)

    def on_subscribe(client, userdata, mid, granted, *extra):
        if args.ready:
            with open(args.ready, "w") as f:
                f.write("%d\n" % int(time.time() * 1000))

    def on_message(client, userdata, msg):
        raw = msg.payload.decode("utf-8", errors="replace")
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw
        line = {"topic": msg.topic, "payload": payload,
                "retain": bool(msg.retain), "qos": msg.qos,
                "rx_ms": int(time.time() * 1000)}
        # Written before the callback returns, so before Paho sends the
        # PUBACK: a message the broker saw acknowledged is in the file.
        out.write(json.dumps(line, separators=(",", ":")) + "\n")
        out.flush()

    kwargs = {"client_id": args.client_id, "clean_session": False}
    if hasattr(mqtt, "CallbackAPIVersion"):
        kwargs["callback_api_version"] = mqtt.CallbackAPIVersion.VERSION1
    client = mqtt.Client(**kwargs)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(0.5, 0.5)

    def stop(signum, frame):
        client.disconnect()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    client.connect_async(args.host, args.port, keepalive=5)
    client.loop_forever(retry_first_connection=True)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
