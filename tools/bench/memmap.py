#!/usr/bin/python3
"""memmap.py PID [PID...]: where a process's resident memory goes, from
/proc/PID/smaps: RSS and PSS (KiB) by category, and /proc/PID/status's
VmRSS, RssAnon, RssFile, RssShmem and thread count.  With several PIDs
(runs of the same program), the median of each figure.  Used for
docs/benchmarks.md, "Where the memory goes".

Categories: the main heap ([heap]); thread stacks (anonymous mappings of
exactly the default 8 MiB stack); thread malloc arenas (anonymous
mappings on a 64 MiB boundary, glibc's per-thread heaps); other anonymous
memory (malloc blocks over the mmap threshold, libraries' .bss); the main
stack; the program's own file; each library by name; SQLite's -shm; the
rest."""
import re
import statistics
import sys

LIBS = ("libcrypto", "libssl", "libc.so", "libsqlite3", "libpaho", "libcjson",
        "libsystemd", "libm.so", "ld-linux", "libgpiod")


def category(start, end, path, exe):
    size = end - start
    if path == "[heap]":
        return "anon: main heap ([heap])"
    if path == "[stack]":
        return "anon: main thread stack"
    if path in ("[vdso]", "[vvar]", "[vsyscall]"):
        return "kernel: vdso"
    if not path:
        if size == 8 << 20 or size == (8 << 20) + 4096:
            return "anon: thread stacks"
        if start % (64 << 20) == 0 and size <= 64 << 20:
            return "anon: thread malloc arenas"
        return "anon: other (large malloc blocks, .bss)"
    if path.endswith("-shm"):
        return "file: SQLite -shm"
    if path == exe:
        return "file: hazardd binary"
    for lib in LIBS:
        if lib in path:
            return "file: " + lib.replace(".so", "")
    if "/lib" in path:
        return "file: other libraries"
    return "file: other"


def one(pid):
    exe = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")[0].decode()
    try:
        import os
        exe = os.readlink("/proc/%s/exe" % pid)
    except OSError:
        pass
    cats, cur = {}, None
    head = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$")
    for line in open("/proc/%s/smaps" % pid):
        m = head.match(line)
        if m:
            cur = category(int(m.group(1), 16), int(m.group(2), 16),
                           m.group(3).strip(), exe)
            cats.setdefault(cur, [0, 0])
        elif line.startswith("Rss:"):
            cats[cur][0] += int(line.split()[1])
        elif line.startswith("Pss:"):
            cats[cur][1] += int(line.split()[1])
    st = {}
    for line in open("/proc/%s/status" % pid):
        k = line.split(":")[0]
        if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "Threads"):
            st[k] = int(line.split()[1])
    for line in open("/proc/%s/smaps_rollup" % pid):
        if line.startswith("Pss:"):
            st["Pss"] = int(line.split()[1])
    return cats, st


def main():
    runs = [one(p) for p in sys.argv[1:]]
    keys = sorted({k for c, _ in runs for k in c},
                  key=lambda k: -statistics.median(c.get(k, [0, 0])[0] for c, _ in runs))
    print("| category | RSS KiB | PSS KiB |")
    print("|---|---:|---:|")
    for k in keys:
        r = statistics.median(c.get(k, [0, 0])[0] for c, _ in runs)
        p = statistics.median(c.get(k, [0, 0])[1] for c, _ in runs)
        if r:
            print("| %s | %d | %d |" % (k, r, p))
    for k in ("VmRSS", "Pss", "RssAnon", "RssFile", "RssShmem", "Threads"):
        print("%s: %s" % (k, statistics.median(s.get(k, 0) for _, s in runs)))


if __name__ == "__main__":
    main()
