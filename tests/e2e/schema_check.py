#!/usr/bin/python3
"""Validate recorded upstream messages against docs/schema/.

schema_check.py RECORDING SCHEMA_DIR

RECORDING is upstream_recorder.py's output (one JSON line per message).
Every message on hz/v1/<district>/<gateway>/{alarm,fault,hazard,telemetry,
status,summary,reply,register,selfcheck,weekly,evidence} is checked against <kind>.schema.json; other topics (the
commands the tests publish) are left out.  Prints "INVALID ..." per error
(at most 3 per message), then "SEEN {kind: count}", "EVENTS ..." (the
alarm, fault and hazard event names seen), and lines saying whether deliberately wrong
messages are rejected (so a vacuous schema is noticed).  Exits 1 if any
message is invalid.
"""
import json
import os
import sys

import jsonschema

KINDS = ("alarm", "fault", "hazard", "telemetry", "status", "summary", "reply",
         "register", "selfcheck", "weekly", "evidence")


def validators(sdir):
    store = {}
    for f in os.listdir(sdir):
        with open(os.path.join(sdir, f)) as fh:
            s = json.load(fh)
        store[s["$id"]] = s
        store[f] = s

    def one(name):
        s = store[name + ".schema.json"]
        resolver = jsonschema.RefResolver(base_uri=s["$id"], referrer=s, store=store)
        cls = jsonschema.validators.validator_for(s)
        cls.check_schema(s)
        return cls(s, resolver=resolver)
    return {k: one(k) for k in KINDS}


def main():
    rec, sdir = sys.argv[1], sys.argv[2]
    v = validators(sdir)
    seen = {k: 0 for k in v}
    events = set()
    bad = 0
    for line in open(rec, encoding="utf-8"):
        m = json.loads(line)
        parts = m["topic"].split("/")
        # hz/v1/<district>/<gateway>/<kind>
        if len(parts) != 5 or parts[:2] != ["hz", "v1"] or parts[4] not in v:
            continue
        kind = parts[4]
        seen[kind] += 1
        if kind in ("alarm", "fault", "hazard") and isinstance(m["payload"], dict):
            events.add(m["payload"].get("event"))
        errs = sorted(v[kind].iter_errors(m["payload"]), key=lambda e: list(e.path))
        for e in errs[:3]:
            bad += 1
            print("INVALID %s: %s at %s: %s" % (kind, e.message[:200], list(e.path),
                  json.dumps(m["payload"])[:300]))
    print("SEEN " + json.dumps(seen))
    print("EVENTS " + " ".join(sorted(e for e in events if isinstance(e, str))))
    wrong = {"v": 1, "gateway": "g", "msg_id": "x-1", "sent_at": "2026-11-23T13:24:25.123Z",
             "id": "a", "cmd": "status", "ok": True, "error": "both"}
    print("WRONG_REPLY_REJECTED %s" % (not v["reply"].is_valid(wrong)))
    wrong = {"v": 1, "gateway": "g", "msg_id": "x-1", "sent_at": "yesterday",
             "hazard_id": "h", "event": "exploded"}
    print("WRONG_HAZARD_REJECTED %s" % (not v["hazard"].is_valid(wrong)))
    wrong = {"v": 2, "gateway": "g", "msg_id": "x-1", "sent_at": "2026-11-23T13:24:25.123Z",
             "alarm_id": "a", "event": "closed", "type": "gas_leak", "priority": "urgent",
             "state": "closed", "device": "d", "site": "s", "level": "high",
             "raised_at": "2026-11-23T13:24:25.123Z", "occurrences": 1, "evidence": {}}
    print("WRONG_ALARM_REJECTED %s" % (not v["alarm"].is_valid(wrong)))
    # a fault acknowledged like an alarm, and a hazard from nowhere
    wrong = {"v": 2, "gateway": "g", "msg_id": "x-1", "sent_at": "2026-11-23T13:24:25.123Z",
             "fault_id": "f", "event": "acknowledged", "type": "tamper", "priority": "serious",
             "state": "acknowledged", "device": "d", "site": "s",
             "raised_at": "2026-11-23T13:24:25.123Z", "occurrences": 1, "evidence": {}}
    print("WRONG_FAULT_REJECTED %s" % (not v["fault"].is_valid(wrong)))
    wrong = {"v": 2, "gateway": "g", "msg_id": "x-1", "sent_at": "2026-11-23T13:24:25.123Z",
             "hazard_id": "h", "event": "raised", "type": "gas_leak", "priority": "urgent",
             "state": "open", "device": "d", "site": "s", "severity": "major",
             "deadline": "2026-11-24T13:24:25.123Z", "reason": "whim",
             "raised_at": "2026-11-23T13:24:25.123Z", "occurrences": 1, "evidence": {}}
    print("WRONG_HAZARD_V2_REJECTED %s" % (not v["hazard"].is_valid(wrong)))
    # a register that gives a person's phone number away
    wrong = {"v": 1, "gateway": "g", "msg_id": "x-1", "sent_at": "2026-11-23T13:24:25.123Z",
             "district": "d", "digest": "0123456789abcdef", "devices": [],
             "sites": [{"id": "s", "name": "", "address": "", "kind": "other", "grid": "",
                        "people": [{"id": "p", "name": "P", "role": "owner",
                                    "phone": "13800000000"}]}]}
    print("WRONG_REGISTER_REJECTED %s" % (not v["register"].is_valid(wrong)))
    # a chunk whose file is named by something other than its hash
    wrong = {"v": 1, "gateway": "g", "msg_id": "x-1", "sent_at": "2026-11-23T13:24:25.123Z",
             "sha256": "photo.jpg", "seq": 0, "total": 1, "size": 3, "offset": 0,
             "media_type": "image/jpeg", "data": "AAAA"}
    print("WRONG_EVIDENCE_REJECTED %s" % (not v["evidence"].is_valid(wrong)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
