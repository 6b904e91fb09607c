#!/usr/bin/python3
"""Simulated plugs: record device commands, and answer some like the firmware.

plugsim.py --port PORT --out FILE --ready FILE [--answer PREFIX]...

Subscribes (QoS 1) to every device command topic hazardd publishes:
zigbee2mqtt/+/set, cmnd/+/POWER, shellies/+/relay/0/command, +/rpc and
t/+/set (native).  Every command is appended to FILE as one JSON line
{"topic", "payload", "t"}.  A command whose topic starts with one of the
--answer prefixes is answered the way that firmware reports the new relay
state:
  zigbee2mqtt/<n>/set {"state":"OFF"}   -> zigbee2mqtt/<n> {"state":"OFF"}
  cmnd/<t>/POWER OFF                    -> stat/<t>/RESULT {"POWER":"OFF"}
  shellies/<id>/relay/0/command off     -> shellies/<id>/relay/0 off
  <id>/rpc Switch.Set on=false          -> <id>/status/switch:0 {"id":0,"output":false}
  t/<id>/set {"relay":false}            -> t/<id> {"relay":false}
A device not answered stays silent: its command must time out.
It logs in as $E2E_PLUG_USERNAME with the password in $E2E_PLUG_PASSWORD_FILE
when they are set (tests/e2e/lib.sh's local broker: a user that may read the
command topics and write the state reports), anonymously otherwise.
"""
import argparse
import json
import os
import sys
import time
import uuid

import paho.mqtt.client as mqtt

FILTERS = ["zigbee2mqtt/+/set", "cmnd/+/POWER", "shellies/+/relay/0/command", "+/rpc",
           "t/+/set"]


def answer(topic, payload):
    """The topic and payload of the firmware's state report, or None."""
    text = payload.decode("utf-8", "replace")
    parts = topic.split("/")
    if parts[0] == "zigbee2mqtt" and parts[-1] == "set":
        st = json.loads(text)["state"]
        return "/".join(parts[:-1]), json.dumps({"state": st})
    if parts[0] == "cmnd" and parts[-1] == "POWER":
        return "stat/%s/RESULT" % "/".join(parts[1:-1]), json.dumps({"POWER": text})
    if parts[0] == "shellies" and parts[-1] == "command":
        return "/".join(parts[:-1]), text
    if len(parts) == 2 and parts[1] == "rpc":
        req = json.loads(text)
        if req.get("method") != "Switch.Set":
            return None
        on = bool(req["params"]["on"])
        return parts[0] + "/status/switch:0", json.dumps({"id": 0, "output": on})
    if parts[0] == "t" and parts[-1] == "set":
        return "/".join(parts[:-1]), text
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--answer", action="append", default=[])
    args = ap.parse_args()

    out = open(args.out, "a", encoding="utf-8")
    # A persistent session, as a plug that keeps its subscriptions: a
    # command published while the broker restarts and the plug has not yet
    # reconnected is queued for it, whichever of hazardd and the plug
    # reconnects first.
    cid = "plugsim-" + uuid.uuid4().hex[:8]
    try:
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, cid, clean_session=False)
    except AttributeError:      # paho-mqtt 1.x
        c = mqtt.Client(cid, clean_session=False)

    def on_connect(client, userdata, *rest):
        client.subscribe([(f, 1) for f in FILTERS])

    def on_subscribe(client, userdata, *rest):
        open(args.ready, "w").close()

    def on_message(client, userdata, msg):
        out.write(json.dumps({"topic": msg.topic,
                              "payload": msg.payload.decode("utf-8", "replace"),
                              "t": time.time()}) + "\n")
        out.flush()
        if not any(msg.topic.startswith(p) for p in args.answer):
            return
        try:
            a = answer(msg.topic, msg.payload)
        except (ValueError, KeyError, TypeError):
            a = None
        if a:
            client.publish(a[0], a[1], qos=1)

    user = os.environ.get("E2E_PLUG_USERNAME")
    if user:
        with open(os.environ["E2E_PLUG_PASSWORD_FILE"], encoding="utf-8") as f:
            c.username_pw_set(user, f.readline().rstrip("\r\n"))
    c.on_connect = on_connect
    c.on_subscribe = on_subscribe
    c.on_message = on_message
    c.connect("127.0.0.1", args.port, 30)
    c.loop_forever()


if __name__ == "__main__":
    sys.exit(main())
