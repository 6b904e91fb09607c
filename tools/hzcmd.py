#!/usr/bin/python3
"""Sign and publish a hazardd downlink command, as the district platform does.

hzcmd.py --port PORT --district D --gateway GW --key-file KEY CMD [FIELD=JSON ...]
         [--host H] [--id ID] [--ts MS] [--wait S] [--no-wait]
         [--cafile F --certfile F --keyfile F] [--save FILE] [--raw-file FILE]
         [--unsigned] [--print]

The wire form (docs/protocol.md): on hz/v1/<district>/<gateway>/cmd/<CMD>
the envelope {"body": "<command JSON text>", "sig": "<hex>"} where
sig = HMAC-SHA256(key, topic + "\\n" + body) and the body carries "id"
(default: a random one) and "ts" (ms since the epoch, default now) plus the
command's fields, given as FIELD=JSON (a value that is not JSON is taken as
a string): hzcmd.py ... close hazard_id=gw-1-H3 who=li.wei note="fixed".
The commands (docs/protocol.md, docs/schema/commands.schema.json):
  ack alarm_id=ID|hazard_id=ID who=W [note=T]
  verify-alarm alarm_id=ID verdict=real|false|test who=W [note=T]
  dismiss fault_id=ID who=W note=T        close hazard_id=ID who=W note=T
  submit hazard_id=ID who=W note=T [evidence=T]
  verify hazard_id=ID result=pass|fail who=W note=T
  status, alarms, faults, hazards, summary [date=D publish=true],
  set-rules rules={...}, resend from_seq=N [max=M]

The key file holds the key bytes (a trailing newline is ignored), the same
file as the gateway's upstream.command_key_file.  Prints the gateway's
reply (the JSON object on <prefix>/reply with the same id) and exits 0 if
it says "ok": true, 1 if false, 2 if no reply came within --wait seconds
(default 10), 3 on a usage or connection error.
--save FILE writes the exact payload sent; --raw-file FILE publishes a
saved payload again verbatim (replay tests); --unsigned sends the bare body
with no envelope; --print prints the payload instead of sending it.
"""
import argparse
import hashlib
import hmac
import json
import os
import ssl
import sys
import threading
import time
import uuid

import paho.mqtt.client as mqtt


def parse_fields(items):
    out = {}
    for it in items:
        key, sep, val = it.partition("=")
        if not sep or not key:
            raise SystemExit("hzcmd: field %r is not FIELD=JSON" % it)
        try:
            out[key] = json.loads(val)
        except ValueError:
            out[key] = val
    return out


def read_key(path):
    with open(path, "rb") as f:
        key = f.read()
    return key.rstrip(b"\r\n")


def sign(key, topic, body):
    return hmac.new(key, (topic + "\n" + body).encode("utf-8"),
                    hashlib.sha256).hexdigest()


def main():
    ap = argparse.ArgumentParser(description="sign and publish a hazardd command")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--district", required=True)
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--key-file")
    ap.add_argument("--id")
    ap.add_argument("--ts", type=int)
    ap.add_argument("--wait", type=float, default=10.0)
    ap.add_argument("--no-wait", action="store_true")
    ap.add_argument("--cafile")
    ap.add_argument("--certfile")
    ap.add_argument("--keyfile")
    ap.add_argument("--save")
    ap.add_argument("--raw-file")
    ap.add_argument("--unsigned", action="store_true")
    ap.add_argument("--print", action="store_true")
    ap.add_argument("cmd")
    ap.add_argument("fields", nargs="*")
    args = ap.parse_args()

    prefix = "hz/v1/%s/%s" % (args.district, args.gateway)
    topic = prefix + "/cmd/" + args.cmd
    cmd_id = args.id or uuid.uuid4().hex[:16]
    if args.raw_file:
        with open(args.raw_file, "rb") as f:
            payload = f.read()
        try:
            env = json.loads(payload)
            cmd_id = json.loads(env["body"])["id"]
        except (ValueError, KeyError, TypeError):
            pass
    else:
        body = {"id": cmd_id, "ts": args.ts if args.ts is not None
                else int(time.time() * 1000)}
        body.update(parse_fields(args.fields))
        body_text = json.dumps(body, separators=(",", ":"))
        if args.unsigned:
            payload = body_text.encode("utf-8")
        else:
            if not args.key_file:
                print("hzcmd: --key-file is required to sign", file=sys.stderr)
                return 3
            payload = json.dumps({"body": body_text,
                                  "sig": sign(read_key(args.key_file), topic,
                                              body_text)},
                                 separators=(",", ":")).encode("utf-8")
    if args.save:
        with open(args.save, "wb") as f:
            f.write(payload)
    if args.print:
        sys.stdout.write(payload.decode("utf-8", "replace") + "\n")
        return 0

    done = threading.Event()
    subscribed = threading.Event()
    published = threading.Event()
    reply = {}

    def on_connect(client, userdata, flags, rc):
        if rc != 0:
            print("hzcmd: connect refused: %s" % mqtt.connack_string(rc),
                  file=sys.stderr)
            done.set()
            return
        if args.no_wait:
            subscribed.set()
        else:
            client.subscribe(prefix + "/reply", qos=1)

    def on_subscribe(client, userdata, mid, granted):
        subscribed.set()

    def on_message(client, userdata, msg):
        try:
            o = json.loads(msg.payload)
        except ValueError:
            return
        if isinstance(o, dict) and o.get("id") == cmd_id:
            reply["msg"] = o
            done.set()

    def on_publish(client, userdata, mid):
        published.set()

    kwargs = {"client_id": "hzcmd-" + uuid.uuid4().hex[:12], "clean_session": True}
    if hasattr(mqtt, "CallbackAPIVersion"):
        kwargs["callback_api_version"] = mqtt.CallbackAPIVersion.VERSION1
    client = mqtt.Client(**kwargs)
    if args.cafile:
        client.tls_set(ca_certs=args.cafile, certfile=args.certfile,
                       keyfile=args.keyfile, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.on_publish = on_publish
    try:
        client.connect(args.host, args.port, keepalive=10)
    except OSError as e:
        print("hzcmd: cannot connect to %s:%d: %s" % (args.host, args.port, e),
              file=sys.stderr)
        return 3
    client.loop_start()
    try:
        if not subscribed.wait(10):
            print("hzcmd: no SUBACK from the broker", file=sys.stderr)
            return 3
        client.publish(topic, payload, qos=1)
        if not published.wait(10):
            print("hzcmd: no PUBACK from the broker", file=sys.stderr)
            return 3
        if args.no_wait:
            return 0
        if not done.wait(args.wait) or "msg" not in reply:
            print("hzcmd: no reply to %s within %g s" % (cmd_id, args.wait),
                  file=sys.stderr)
            return 2
        print(json.dumps(reply["msg"], separators=(",", ":")))
        return 0 if reply["msg"].get("ok") is True else 1
    finally:
        client.loop_stop()
        client.disconnect()


if __name__ == "__main__":
    sys.exit(main())
