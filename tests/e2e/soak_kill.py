#!/usr/bin/python3
"""Kill hazardd right after an event in the local broker's log.

soak_kill.py LOG OFFSET EVENT DELAY_MS PID

Reads the mosquitto log LOG from byte OFFSET (its size just before hazardd
was started) and waits for EVENT:
  connect  hazardd's intake session connected: the first client that
           connects with a persistent session ("c0"; the publishers and
           hazardd's discovery link use clean sessions);
  puback   the broker received that session's first PUBACK (needs
           "log_type debug"): from here on the broker has forgotten a
           message and only hazardd's database can hold it.
Then sleeps DELAY_MS ms and sends SIGKILL to PID.  Gives up waiting after
10 s, or when PID is gone, and kills anyway.  Exits 0 if the event was
seen, 1 if not.  Part of tests/e2e/t_kill9_stream.sh, which draws
DELAY_MS from its seeded $RANDOM.
"""
import os
import re
import signal
import sys
import time

CONNECT = re.compile(r"New client connected from \S+ as (\S+) \(p\d+, c0,")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (killed, not yet reaped) counts as gone
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main():
    log, offset, event, delay_ms, pid = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                         int(sys.argv[4]), int(sys.argv[5]))
    client = None
    seen = False
    buf = ""
    end = time.monotonic() + 10
    with open(log, encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        while not seen and time.monotonic() < end and alive(pid):
            chunk = f.read()
            if not chunk:
                time.sleep(0.0005)
                continue
            buf += chunk
            lines = buf.split("\n")
            buf = lines.pop()       # a line still being written
            for line in lines:
                if client is None:
                    m = CONNECT.search(line)
                    if m:
                        client = m.group(1)
                        if event == "connect":
                            seen = True
                            break
                elif "Received PUBACK from %s " % client in line:
                    seen = True
                    break
    time.sleep(delay_ms / 1000)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return 0 if seen else 1


if __name__ == "__main__":
    sys.exit(main())
