#!/usr/bin/python3
"""Plan and check the kill -9 soak (tests/e2e/t_kill9_stream.sh).

soak_stream.py plan DIR ROUNDS DEVICES READINGS ALARMS GAP
    Writes DIR/devices.jsonl (the streaming devices, write_config's input) and
    DIR/round-<r>.jsonl (one pub.py --file stream per round).  Each round
    streams READINGS readings from each of DEVICES gas detectors (rd-<d>)
    and one smoke alarm from each of ALARMS smoke alarms that appear in
    that round only (al-<r>-<k>): a device that has never alarmed, so
    "raised exactly once" means exactly one alarm record for it.  The
    alarms come in one burst at a point of the stream that moves from
    round to round, so the kills land before, during and after bursts.
    Every message carries a number used nowhere else, as energy_kwh (a
    field hazardd stores with the reading), so each stored reading can be
    traced to one publish and a second copy shows up as a duplicate.
    GAP is the pause before each message (s), which paces the stream.
    DIR/round-0.jsonl holds one reading per streaming device, published
    before the first kill (it shows that hazardd's session subscribed).

soak_stream.py alarm-devices CONFIG ROUNDS ALARMS
    Adds the smoke alarms al-<r>-<k> to hazardd's config CONFIG (thousands
    of devices in a long soak: too many for write_config's command line).

soak_stream.py check DIR DB ROUNDS_PUBLISHED
    Compares what rounds 0..ROUNDS_PUBLISHED published with the database
    (opened read-only).  Prints one "key value" line per figure:
    published, stored, lost, duplicated, stray, alarms_published,
    alarms_raised, alarms_lost, alarms_twice, and examples of each fault.
"""
import json
import sqlite3
import sys
from collections import Counter


def reading_no(rnd, i):
    """The unique number of the i-th message of round rnd (i < 100000)."""
    return rnd * 100000 + i


def plan(out, rounds, devices, readings, alarms, gap):
    with open(out + "/devices.jsonl", "w", encoding="utf-8") as f:
        for d in range(1, devices + 1):
            f.write(json.dumps({"id": "rd-%d" % d, "kind": "gas_detector"}) + "\n")
    # round 0: one reading per streaming device, published once hazardd's
    # first session has subscribed, before any kill
    with open(out + "/round-0.jsonl", "w", encoding="utf-8") as f:
        for d in range(1, devices + 1):
            f.write(json.dumps({"topic": "t/rd-%d" % d,
                                "payload": {"gas_lel": 1.0,
                                            "energy_kwh": reading_no(0, d)}}) + "\n")
    for r in range(1, rounds + 1):
        msgs = []
        n = 0
        for step in range(readings):
            for d in range(1, devices + 1):
                n += 1
                # a low, harmless level: the readings raise nothing
                msgs.append(("rd-%d" % d, {"gas_lel": 1.0 + (n % 5) / 10,
                                           "energy_kwh": reading_no(r, n)}))
        # the alarm burst: anywhere from the start to the end of the round
        at = (r * 7919) % (len(msgs) + 1)
        burst = []
        for k in range(1, alarms + 1):
            n += 1
            burst.append(("al-%d-%d" % (r, k), {"smoke": True,
                                                "energy_kwh": reading_no(r, n)}))
        msgs[at:at] = burst
        with open("%s/round-%d.jsonl" % (out, r), "w", encoding="utf-8") as f:
            for dev, payload in msgs:
                f.write(json.dumps({"topic": "t/" + dev, "payload": payload,
                                    "sleep": gap}) + "\n")


def add_alarm_devices(cfg_path, rounds, alarms):
    """Adds the one-shot smoke alarms to a config that write_config wrote
    (too many of them for its command line), in the shape it gives."""
    with open(cfg_path, encoding="utf-8") as f:
        cfg = json.load(f)
    for r in range(1, rounds + 1):
        for k in range(1, alarms + 1):
            dev = "al-%d-%d" % (r, k)
            cfg["devices"].append({"id": dev, "kind": "smoke_alarm", "site": "site-1",
                                   "topic": "t/" + dev, "format": "native",
                                   "heartbeat_s": 0})
    with open(cfg_path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")


def check(out, db, rounds):
    published = {}
    alarm_devs = set()
    for r in range(0, rounds + 1):
        with open("%s/round-%d.jsonl" % (out, r), encoding="utf-8") as f:
            for line in f:
                m = json.loads(line)
                dev = m["topic"][2:]
                published[int(m["payload"]["energy_kwh"])] = dev
                if dev.startswith("al-"):
                    alarm_devs.add(dev)
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    seen = Counter()
    stray = 0
    for dev, data in con.execute("SELECT device, data FROM readings"):
        v = json.loads(data).get("energy_kwh")
        if v is None or int(v) not in published or published[int(v)] != dev:
            stray += 1
            continue
        seen[int(v)] += 1
    raised = Counter()
    for dev, n in con.execute("SELECT device, count(*) FROM hazards WHERE kind = 'alarm'"
                              " AND device LIKE 'al-%' GROUP BY device"):
        raised[dev] = n
    con.close()
    lost = sorted(v for v in published if v not in seen)
    dup = sorted(v for v, c in seen.items() if c > 1)
    a_lost = sorted(d for d in alarm_devs if raised[d] == 0)
    a_twice = sorted(d for d in alarm_devs if raised[d] > 1)
    a_other = sorted(d for d in raised if d not in alarm_devs)
    fig = [
        ("published", len(published)),
        ("stored", sum(seen.values())),
        ("lost", len(lost)),
        ("duplicated", sum(c - 1 for c in seen.values())),
        ("stray", stray),
        ("alarms_published", len(alarm_devs)),
        ("alarms_raised", sum(raised[d] for d in alarm_devs)),
        ("alarms_lost", len(a_lost)),
        ("alarms_twice", len(a_twice)),
        ("alarms_unpublished", len(a_other)),
    ]
    for k, v in fig:
        print(k, v)
    # examples, with the device: which round and which message
    print("lost_examples", " ".join("%s:%d" % (published[v], v) for v in lost[:8]))
    print("dup_examples", " ".join("%s:%d" % (published[v], v) for v in dup[:8]))
    print("alarms_lost_examples", " ".join(a_lost[:8]))
    print("alarms_twice_examples", " ".join(a_twice[:8]))


def main():
    if len(sys.argv) == 8 and sys.argv[1] == "plan":
        plan(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
             int(sys.argv[6]), float(sys.argv[7]))
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "alarm-devices":
        add_alarm_devices(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
