#!/usr/bin/python3
"""district_view: a stand-in for the district platform, one line per message.

Subscribes (QoS 1) to hz/v1/# on the upstream broker and summarises what the
gateways send: the three kinds of record event (alarm 警情 on .../alarm,
fault 故障 on .../fault, hazard 隐患 on .../hazard), telemetry batches,
status, summaries and replies.  A record event is one line:

  ALARM  raised gas_leak level=low state=active kitchen-gas-1 @rest-001 id=…-A1: why
  FAULT  raised device_offline state=active hall-gas-2 @rest-001 id=…-F1: why
  HAZARD raised gas_leak severity=general state=open kitchen-gas-1 @rest-001
         id=…-H1 reason=alarm source=…-A1: why

A version 1 event (on .../hazard with "v":1, queued by a gateway before its
upgrade) is read as docs/protocol.md says: its type tells whether it was an
alarm, a fault or a hazard; its line is marked "(v1)" and it is counted
apart.  Duplicates (same gateway and msg_id, as after a resend) are counted
and dropped, as the real platform must.  The broker may go away at any
time (the demo kills it): the view reconnects every second, forever, and
subscribes again on every connection.

  district_view.py --port N [--count-file PATH] [--ready-file PATH]
                   [--log PATH]

On SIGTERM or SIGINT it prints a summary and writes the counts of unique
record events to --count-file, one JSON object:
  {"record_events": N, "alarm_events": A, "fault_events": F,
   "hazard_events": H, "v1_events": V, "duplicates_dropped": D}
record_events = A + F + H (v1 events included in the kind their type says;
V says how many of them were v1).
"""
import argparse
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone

import paho.mqtt.client as mqtt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from record_kinds import v1_kind  # noqa: E402


def say(msg):
    print(msg, flush=True)


def make_client(client_id):
    # A persistent session: while the view is away (not the broker), the
    # broker keeps its QoS 1 messages.  paho-mqtt 2.x needs the API version.
    kw = {"client_id": client_id, "clean_session": False}
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, **kw)
    return mqtt.Client(**kw)


def parse_time_ms(value):
    """ms since epoch from an ISO 8601 string or a number (s or ms)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value if value > 1e11 else value * 1000.0
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
            return dt.timestamp() * 1000.0
        except ValueError:
            return None
    return None


# The record kinds of protocol v2: topic suffix -> (label, id field).
KINDS = {"alarm": ("ALARM", "alarm_id"), "fault": ("FAULT", "fault_id"),
         "hazard": ("HAZARD", "hazard_id")}


# Evidence readings worth showing on a record line, in order of interest.
EVIDENCE_KEYS = (("gas_lel", "%LEL"), ("co_ppm", "ppm"), ("temp_c", "C"),
                 ("current_a", "A"), ("smoke", ""), ("battery", "%"))


def evidence_text(ev, event):
    """A short "gas_lel 58 %LEL" from the evidence reading for this event."""
    if isinstance(ev, list) and ev:
        ev = ev[-1]
    if not isinstance(ev, dict):
        return ""
    for nested in (event, "latest", "raised"):
        if isinstance(ev.get(nested), dict):
            ev = ev[nested]
            break
    for key, unit in EVIDENCE_KEYS:
        if key in ev and not isinstance(ev[key], (dict, list)):
            v = json.dumps(ev[key])
            return f"{key} {v}{(' ' + unit) if unit else ''}"
    return ""


class View:
    def __init__(self, args):
        self.args = args
        self.seen = set()           # (gateway, msg_id)
        self.events = {"alarm": 0, "fault": 0, "hazard": 0}   # unique, by kind
        self.v1_events = 0
        self.duplicates = 0
        self.telemetry_msgs = 0
        self.telemetry_readings = 0
        self.last_status = {}       # gateway -> status text
        self.connected_once = False
        self.connected = False
        self.stopping = False
        self.ready_written = False
        self.log = open(args.log, "a") if args.log else None

    # ---- connection
    def on_connect(self, client, userdata, flags, rc):
        if rc != 0:
            say(f"upstream broker refused us: {mqtt.connack_string(rc)}")
            return
        again = "re" if self.connected_once else ""
        present = flags.get("session present", 0)
        say(f"{again}connected to upstream broker {self.args.host}:{self.args.port}"
            f"{' (session kept)' if present else ''}")
        self.connected_once = True
        self.connected = True
        # Subscribe on every connection: a restarted broker without
        # persistence has forgotten our session.
        client.subscribe(self.args.topic, qos=1)

    def on_subscribe(self, client, userdata, mid, granted_qos):
        if self.args.ready_file and not self.ready_written:
            with open(self.args.ready_file, "w") as f:
                f.write("subscribed\n")
            self.ready_written = True
        say(f"subscribed to {self.args.topic}")

    def on_disconnect(self, client, userdata, rc):
        if self.connected and not self.stopping:
            say("upstream broker lost; reconnecting every 1 s")
        self.connected = False

    # ---- messages
    def on_message(self, client, userdata, msg):
        if self.log:
            self.log.write(json.dumps({"topic": msg.topic, "retain": bool(msg.retain),
                                       "payload": msg.payload.decode("utf-8", "replace")})
                           + "\n")
            self.log.flush()
        parts = msg.topic.split("/")
        kind = parts[4] if len(parts) >= 5 else ""
        try:
            body = json.loads(msg.payload)
        except ValueError:
            say(f"unparseable message on {msg.topic} ({len(msg.payload)} bytes)")
            return
        if not isinstance(body, dict):
            say(f"non-object JSON on {msg.topic}")
            return
        gateway = body.get("gateway", parts[3] if len(parts) >= 4 else "?")
        msg_id = body.get("msg_id")
        if msg_id is not None:
            key = (gateway, msg_id)
            if key in self.seen:
                # A retained status comes again on every resubscribe: that
                # is the broker's copy, not a resend by the gateway.
                if not msg.retain:
                    self.duplicates += 1
                    say(f"(duplicate msg_id {msg_id} on {kind or msg.topic}, dropped)")
                return
            self.seen.add(key)
        else:
            say(f"message without msg_id on {msg.topic}")

        if kind in KINDS:
            self.on_record(kind, gateway, body)
            return
        handler = getattr(self, "on_" + kind, None) if kind in (
            "telemetry", "status", "summary", "reply") else None
        if handler:
            handler(gateway, body, msg)
        else:
            say(f"{'/'.join(parts[4:]) or msg.topic}: {len(msg.payload)} bytes")

    def on_record(self, topic_kind, gateway, b):
        """One alarm, fault or hazard event: count it by kind, print a line."""
        kind, v1 = topic_kind, ""
        if b.get("v") == 1 and topic_kind == "hazard":
            # the old form: every record was a "hazard"; its type tells
            kind, v1 = v1_kind(b.get("type")), " (v1)"
            self.v1_events += 1
        self.events[kind] += 1
        label, id_field = KINDS[kind]
        rid = b.get(id_field) or b.get(KINDS[topic_kind][1]) or "?"
        event = b.get("event", "?")
        parts = [f"{label}{v1}", event, str(b.get("type", "?"))]
        if kind == "alarm" and not v1:
            parts.append(f"level={b.get('level', '?')}")
        elif kind == "hazard" or v1:
            parts.append(f"severity={b.get('severity', '?')}")
        parts += [f"state={b.get('state', '?')}", str(b.get("device", "?")),
                  f"@{b.get('site', '?')}", f"id={rid}"]
        if kind == "hazard" and not v1:
            parts.append(f"reason={b.get('reason', '?')}")
            if b.get("source"):
                parts.append(f"source={b['source']}")
        notes = []
        # A person's move: who, and what they said or decided.
        actor = b.get("actor")
        if actor and actor != "hazardd":
            notes.append(f"by {actor}")
        if event == "verified" and b.get("verdict"):
            notes.append(f"verdict {b['verdict']}" +
                         (" (the device's own test press)" if actor == "hazardd" else ""))
        if event in ("acknowledged", "verified") and b.get("response_s") is not None:
            notes.append(f"response {b['response_s']} s")
        if actor and actor != "hazardd" and b.get("note"):
            notes.append(f'"{b["note"]}"')
        elif event == "raised" and kind == "hazard" and b.get("deadline"):
            notes.append(f"deadline {b['deadline']}")
        # The daemon's own reason ("gas_lel 58 >= lel_high 50") says most.
        if not (actor and actor != "hazardd"):
            why = b.get("detail") or evidence_text(b.get("evidence"), event)
            if why:
                notes.insert(0, str(why))
        # Show store-and-forward at work: how late did the event arrive?
        at = None
        for k in ("at", "event_at", "changed_at", "updated_at"):
            if k in b:
                at = parse_time_ms(b[k])
                break
        if at is None and event == "raised":
            at = parse_time_ms(b.get("raised_at"))
        if at is not None:
            late_s = time.time() - at / 1000.0
            if late_s >= 3:
                notes.append(f"{late_s:.0f} s late")
        say(" ".join(parts) + (": " + ", ".join(notes) if notes else ""))

    def on_telemetry(self, gateway, b, msg):
        readings = b.get("readings")
        if not isinstance(readings, list):
            readings = next((v for v in b.values() if isinstance(v, list)), [])
        devices = {r.get("device") for r in readings if isinstance(r, dict)}
        self.telemetry_msgs += 1
        self.telemetry_readings += len(readings)
        say(f"telemetry: {len(readings)} readings from {len(devices)} devices")

    def on_status(self, gateway, b, msg):
        state = b.get("status", b.get("state"))
        if state is None and "online" in b:
            state = "online" if b["online"] else "offline"
        state = str(state) if state is not None else "?"
        # Periodic republishes of an unchanged status are not news.
        if self.last_status.get(gateway) == state:
            return
        self.last_status[gateway] = state
        say(f"gateway {gateway} status: {state}{' (retained)' if msg.retain else ''}")

    def on_summary(self, gateway, b, msg):
        skip = {"v", "gateway", "msg_id", "sent_at"}
        items = [f"{k}={v}" for k, v in b.items()
                 if k not in skip and not isinstance(v, (dict, list))]
        say(f"summary from {gateway}: " + " ".join(items[:8]))

    def on_reply(self, gateway, b, msg):
        say(f"reply from {gateway}: ok={b.get('ok')} {b.get('error', '')}".rstrip())

    # ---- end
    def counts(self):
        e = self.events
        return {"record_events": e["alarm"] + e["fault"] + e["hazard"],
                "alarm_events": e["alarm"], "fault_events": e["fault"],
                "hazard_events": e["hazard"], "v1_events": self.v1_events,
                "duplicates_dropped": self.duplicates}

    def finish(self):
        c = self.counts()
        v1 = f" ({c['v1_events']} of them v1)" if c["v1_events"] else ""
        say(f"district view: {c['record_events']} record events{v1}: "
            f"{c['alarm_events']} alarm, {c['fault_events']} fault, "
            f"{c['hazard_events']} hazard; {self.duplicates} duplicates dropped, "
            f"{self.telemetry_readings} readings in {self.telemetry_msgs} "
            f"telemetry messages")
        if self.args.count_file:
            tmp = self.args.count_file + ".tmp"
            with open(tmp, "w") as f:
                f.write(json.dumps(c) + "\n")
            os.replace(tmp, self.args.count_file)
        if self.log:
            self.log.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--topic", default="hz/v1/#")
    ap.add_argument("--client-id", default="district-view")
    ap.add_argument("--count-file", help="write the counts of unique record events "
                    "(JSON: record_events, alarm_events, ...) here on exit")
    ap.add_argument("--ready-file", help="create this file once subscribed")
    ap.add_argument("--log", help="append every message received here (JSON lines)")
    args = ap.parse_args()

    view = View(args)
    client = make_client(args.client_id)
    client.on_connect = view.on_connect
    client.on_subscribe = view.on_subscribe
    client.on_disconnect = view.on_disconnect
    client.on_message = view.on_message
    client.reconnect_delay_set(min_delay=1, max_delay=1)

    def stop(signum, frame):
        view.stopping = True
        client.disconnect()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)

    say(f"district view: waiting for alarm, fault and hazard events on "
        f"{args.host}:{args.port}")
    client.connect_async(args.host, args.port, keepalive=5)
    try:
        # Retries the first connection too: the broker may not be up yet.
        client.loop_forever(retry_first_connection=True)
    finally:
        view.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
