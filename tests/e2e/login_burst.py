#!/usr/bin/python3
"""Logins sent at once: login_burst.py PORT USER:PASSWORD...

Opens one connection per USER:PASSWORD, writes every POST /api/login
before reading any reply, then reads them all.  Prints one JSON line: a
list of {"user", "status", "retry_after"} in the order given.
"""
import json
import socket
import sys


def main():
    port = int(sys.argv[1])
    conns = []
    for up in sys.argv[2:]:
        user, pw = up.split(":", 1)
        body = json.dumps({"user": user, "password": pw}).encode()
        s = socket.create_connection(("127.0.0.1", port))
        s.settimeout(20)
        conns.append((user, s, b"POST /api/login HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nConnection: close\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body))
    for _, s, req in conns:
        s.sendall(req)
    out = []
    for user, s, _ in conns:
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        status = int(head[0].split()[1]) if head and head[0] else 0
        retry = None
        for h in head[1:]:
            k, _, v = h.partition(":")
            if k.strip().lower() == "retry-after":
                retry = v.strip()
        out.append({"user": user, "status": status, "retry_after": retry})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
