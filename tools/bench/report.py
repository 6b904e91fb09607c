#!/usr/bin/env python3
"""report.py: turn tools/bench.sh's raw measurements into the benchmark docs.

Input: one JSON object per line, {"scenario", "metric", "side", "rep",
"value"}.  Output: docs/benchmarks.md (table, command, machine) and
docs/benchmarks.json (one object per scenario: the headline figure with
hazardd, baseline and ratio, then every figure).  Median and range over the
repetitions; ratio = hazardd median / baseline median.

Only the generated part of the .md is rewritten: the text between the
GEN_BEGIN and GEN_END comments, or, in a file written before those
markers, everything up to the first section that is not one this script
writes ("## Machine", "## Parameters").  Every section after it (the
findings, the kill -9 campaign, the memory attribution, how each figure
is measured: written by hand or by other tools) is kept as it is.  A new
file gets the generated part followed by findings.md and notes.md.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import time

# (scenario, metric, label, unit, baseline label, goal text, goal check on
# (hazardd median, baseline median, ratio) -> bool or None)
METRICS = [
    ("s1", "ceiling", "ingest ceiling, committed durably", "readings/s",
     "bare QoS 1 subscriber, same broker, same backlog", "ratio >= 0.9",
     lambda h, b, r: r is not None and r >= 0.9),
    ("s1", "committed", "readings on disk after the drain (of the backlog)", "rows",
     None, None, None),
    ("s2", "p50_ms", "alarm -> its alarm event upstream, p50", "ms",
     "mosquitto bridge, raw alarm message", None, None),
    ("s2", "p99_ms", "alarm -> its alarm event upstream, p99", "ms",
     "mosquitto bridge, raw alarm message", "ratio <= 1.5",
     lambda h, b, r: r is not None and r <= 1.5),
    ("s2", "p999_ms", "alarm -> its alarm event upstream, p99.9", "ms",
     "mosquitto bridge, raw alarm message", None, None),
    ("s2", "alarms_delivered_pct", "alarms delivered upstream", "%",
     "mosquitto bridge", "hazardd 100 %", lambda h, b, r: h == 100),
    ("s2", "background_rate", "background telemetry achieved", "msg/s",
     "mosquitto bridge", None, None),
    ("s3", "outage_delivered_pct", "outage: readings delivered", "%",
     "mosquitto bridge, default queue", "hazardd 100 %", lambda h, b, r: h == 100),
    ("s3", "outage_alarms_delivered_pct", "outage: alarms delivered", "%",
     "mosquitto bridge, default queue", "hazardd 100 %", lambda h, b, r: h == 100),
    ("s3", "outage_last_alarm_s", "outage: restore -> last alarm event", "s",
     "mosquitto bridge: restore -> last alarm message", None, None),
    ("s3", "outage_drain_rate", "outage: drain rate after restore", "readings/s",
     "mosquitto bridge", "hazardd >= 20,000/s",
     lambda h, b, r: h is not None and h >= 20000),
    ("s3", "outage_kill9_delivered_pct", "outage + kill -9: readings delivered", "%",
     "bridge, its broker killed", "hazardd 100 %", lambda h, b, r: h == 100),
    ("s3", "outage_kill9_alarms_delivered_pct", "outage + kill -9: alarms delivered",
     "%", "bridge, its broker killed", "hazardd 100 %", lambda h, b, r: h == 100),
    ("s3", "outage_kill9_last_alarm_s", "outage + kill -9: restore -> last alarm",
     "s", "bridge, its broker killed", None, None),
    ("s3", "outage_kill9_drain_rate", "outage + kill -9: drain rate", "readings/s",
     "bridge, its broker killed", "hazardd >= 20,000/s",
     lambda h, b, r: h is not None and h >= 20000),
    ("s3d", "backlog_drain_rate", "backlog after the outage: drain rate (first to last arrival)",
     "readings + record events/s", None, None, None),
    ("s3d", "backlog_first_arrival_s", "backlog: restore -> first arrival (reconnect)", "s",
     None, None, None),
    ("s3d", "backlog_alarm_events", "backlog: alarm events delivered", "events",
     None, None, None),
    ("s3d", "backlog_last_alarm_s", "backlog: restore -> last alarm event", "s",
     None, None, None),
    ("s3d", "backlog_alarm_span_s", "backlog: first arrival -> last alarm event", "s",
     None, None, None),
    ("s3d", "backlog_alarms_first", "backlog: every alarm event before the first telemetry",
     "1 = yes", None, "1 in every run", lambda h, b, r: h == 1),
    ("s3d", "backlog_delivered_pct", "backlog: readings delivered", "%", None,
     "hazardd 100 %", lambda h, b, r: h == 100),
    ("s4", "idle_rss_mb", "RSS idle, 2,000 devices", "MB",
     "bridging mosquitto, idle", "hazardd < 8 MB", lambda h, b, r: h < 8),
    ("s4", "idle_cpu_pct", "CPU idle, 2,000 devices", "% of a core",
     "bridging mosquitto, idle", "hazardd < 2 %", lambda h, b, r: h < 2),
    ("s4", "load_cpu_pct", "CPU under scenario 2", "% of a core",
     "bridging mosquitto (also the device broker)", None, None),
    ("s4", "idle_pss_mb", "PSS idle, 2,000 devices (web console and alerts: not "
     "built yet, so no figure with them on)", "MB",
     "bridging mosquitto, idle", None, None),
    ("s4", "load_rss_mb", "peak RSS under scenario 2", "MB",
     "bridging mosquitto (also the device broker)", None, None),
    ("s4", "load_pss_mb", "PSS at the end of scenario 2's load", "MB",
     "bridging mosquitto (also the device broker)", None, None),
    ("s4", "binary_kb", "binary size (with debug info)", "KiB",
     "mosquitto binary", None, None),
    ("s4", "binary_text_kb", "binary text segment", "KiB", None, None, None),
]
SCALING_DEVS = [10, 100, 1000, 10000]
for n in SCALING_DEVS:
    METRICS.append(("s5", "cpu_us_per_reading_%d" % n,
                    "CPU per reading, %d devices" % n, "µs",
                    "hazardd at 10 devices", "flat: ratio <= 1.5",
                    lambda h, b, r: r is not None and r <= 1.5))
METRICS += [
    ("s5", "startup_ms", "start-up to control socket answering, 1M-reading DB",
     "ms", "hazardd, empty database", None, None),
    ("s5", "db_mb", "size of that database", "MB", None, None, None),
]
TITLES = {
    "s1": "1. Ingest ceiling",
    "s2": "2. Alarm latency under load",
    "s3": "3. Outage and drain",
    "s3d": "3d. Backlog drain",
    "s4": "4. Footprint",
    "s5": "5. Scaling",
}
HEADLINE = {"s1": "ceiling", "s2": "p99_ms", "s3": "outage_delivered_pct", "s3d": "backlog_drain_rate",
            "s4": "idle_rss_mb", "s5": "cpu_us_per_reading_10000"}


GEN_BEGIN = "<!-- generated by tools/bench/report.py: begin -->"
GEN_END = "<!-- generated by tools/bench/report.py: end (hand-written sections follow) -->"
# the sections this script writes; any other "## " heading ends the
# generated part of a file written before the markers
GEN_SECTIONS = ("## Machine", "## Parameters")


def merge_md(old, generated):
    """The file's text with its generated part replaced by `generated`
    (which carries the markers); everything else kept byte for byte."""
    b, e = old.find(GEN_BEGIN), old.find(GEN_END)
    if b >= 0 and e > b:
        return old[:b] + generated + old[e + len(GEN_END):]
    # written before the markers: the generated part ends with the
    # Parameters section's code block (a note written under it stays), or
    # else at the first section this script does not write
    lines = old.splitlines(keepends=True)
    cut = len(lines)
    for i, line in enumerate(lines):
        if line.startswith("## ") and not line.rstrip("\n").startswith(GEN_SECTIONS):
            cut = i
            break
    try:
        p = lines.index("## Parameters\n", 0, cut)
        fence = [i for i in range(p + 1, cut) if lines[i].startswith("```")]
        if len(fence) >= 2:
            cut = fence[1] + 1
    except ValueError:
        pass
    rest = "".join(lines[cut:]).lstrip("\n")
    return generated + ("\n\n" + rest if rest else "\n")


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals)}


def fmt(x):
    if x is None:
        return "-"
    a = abs(x)
    if 99 < a < 100:
        return "%.2f" % x       # 99.96 % is not 100 %
    if a >= 1000:
        return "{:,.0f}".format(x)
    if a >= 100:
        return "%.0f" % x
    if a >= 10:
        return "%.1f" % x
    if a >= 1:
        return "%.2f" % x
    return "%.3g" % x


def cell(s):
    if s is None:
        return "-"
    if s["n"] == 1 or s["min"] == s["max"]:
        return fmt(s["median"])
    return "%s (%s-%s)" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(hazardd):
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "hazardd": sh("%s --version" % hazardd),
        "commit": sh("git -C %s rev-parse --short HEAD 2>/dev/null"
                     % os.path.dirname(os.path.abspath(__file__))),
        "tree": sh("git -C %s status --porcelain 2>/dev/null | wc -l"
                   % os.path.dirname(os.path.abspath(__file__))) +
                " files differ from the commit (built from the working tree)",
        "mosquitto": sh("mosquitto -h | head -1"),
        "paho_c": sh("dpkg-query -W -f='${Version}' libpaho-mqtt1.3"),
        "sqlite": sh("sqlite3 --version | cut -d' ' -f1"),
        "cjson": sh("dpkg-query -W -f='${Version}' libcjson1"),
        "cc": sh("cc --version | head -1"),
        "filesystem": sh("stat -f -c %T ${TMPDIR:-/tmp}"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--hazardd", default="hazardd")
    ap.add_argument("--quick", default="0")
    ap.add_argument("--params", default="")
    ap.add_argument("--load", default="")
    ap.add_argument("--load-after", default="")
    a = ap.parse_args()

    raw = {}
    with open(a.results) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            raw.setdefault((r["scenario"], r["metric"], r["side"]), []).append(r["value"])
    base10 = stats(raw.get(("s5", "cpu_us_per_reading_10", "hazardd"), []))

    rows, scen = [], {}
    for sc, m, label, unit, blabel, goal, check in METRICS:
        h = stats(raw.get((sc, m, "hazardd"), []))
        b = stats(raw.get((sc, m, "baseline"), []))
        if m.startswith("cpu_us_per_reading_"):
            b = base10
        if h is None and b is None:
            continue
        ratio = None
        if h and b and b["median"]:
            ratio = h["median"] / b["median"]
        met = None
        if goal == "hazardd 100 %" and h is not None:
            # every repetition must deliver everything, not the median one
            met = h["min"] >= 100
        elif goal == "1 in every run" and h is not None:
            met = h["min"] >= 1
        elif check and h is not None:
            try:
                met = bool(check(h["median"], b["median"] if b else None, ratio))
            except TypeError:
                met = None
        fig = {"metric": m, "what": label, "unit": unit, "hazardd": h,
               "baseline": b, "baseline_is": blabel, "ratio": ratio,
               "goal": goal, "met": met}
        rows.append((sc, fig))
        scen.setdefault(sc, []).append(fig)

    mach = machine(a.hazardd)
    mach["load_at_start"] = a.load
    mach["loadavg_at_end"] = a.load_after
    out = {"command": a.command, "quick": a.quick == "1",
           "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "elapsed_s": a.elapsed, "parameters": a.params, "machine": mach,
           "scenarios": []}
    for sc in sorted(scen):
        figs = scen[sc]
        head = next((f for f in figs if f["metric"] == HEADLINE.get(sc)), figs[0])
        out["scenarios"].append({
            "scenario": sc, "title": TITLES[sc], "metric": head["metric"],
            "unit": head["unit"],
            "hazardd": head["hazardd"]["median"] if head["hazardd"] else None,
            "baseline": head["baseline"]["median"] if head["baseline"] else None,
            "ratio": head["ratio"], "goal": head["goal"], "met": head["met"],
            "figures": figs})
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")

    L = []
    L.append(GEN_BEGIN)
    L.append("# hazardd benchmarks")
    L.append("")
    L.append("Generated by `%s` (tools/bench.sh, %d s) on %s UTC. "
             "Every figure is the median over the repetitions with the range in "
             "brackets; ratio = hazardd / baseline (medians). hazardd and its "
             "baseline ran in the same run on the same machine; absolute figures "
             "on these shared machines are noisy, the ratios much less so."
             % (a.command, a.elapsed, out["generated_at"].replace("T", " ")[:-1]))
    if a.quick == "1":
        L.append("")
        L.append("**Quick mode: one repetition of short runs; for keeping the "
                 "harness working, not for quoting.**")
    L.append("")
    L.append("| scenario | figure | unit | hazardd | baseline | ratio | goal | met |")
    L.append("|---|---|---|---|---|---|---|---|")
    for sc, fig in rows:
        met = {True: "yes", False: "**no**", None: ""}[fig["met"]]
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            TITLES[sc], fig["what"], fig["unit"], cell(fig["hazardd"]),
            cell(fig["baseline"]) + (" <br>*%s*" % fig["baseline_is"]
                                     if fig["baseline_is"] and fig["baseline"] else ""),
            fmt(fig["ratio"]) if fig["ratio"] is not None else "-",
            fig["goal"] or "", met))
    L.append("")
    L.append("## Machine")
    L.append("")
    for k in ("nproc", "cpu", "memory", "os", "kernel", "filesystem", "hazardd",
              "commit", "tree", "load_at_start", "loadavg_at_end", "mosquitto", "paho_c", "sqlite", "cjson", "cc"):
        L.append("- %s: %s" % (k, mach.get(k) or "?"))
    L.append("")
    L.append("## Parameters")
    L.append("")
    L.append("```")
    L.append(a.command + "   # " + a.params)
    L.append("```")
    L.append("")
    L.append(GEN_END)
    generated = "\n".join(L)
    try:
        with open(a.md) as f:
            old = f.read()
    except FileNotFoundError:
        old = None
    if old is not None:
        text = merge_md(old, generated)
    else:
        # a new file: findings.md is written by a person after reading a
        # full run (it names the run it is about); notes.md is how the
        # figures are measured
        L = [generated, ""]
        here = os.path.dirname(os.path.abspath(__file__))
        for name in ("findings.md", "notes.md"):
            path = os.path.join(here, name)
            if os.path.exists(path) and a.quick != "1":
                with open(path) as f:
                    L.append(f.read().rstrip())
                L.append("")
        text = "\n".join(L)
    tmp = a.md + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, a.md)


if __name__ == "__main__":
    main()
