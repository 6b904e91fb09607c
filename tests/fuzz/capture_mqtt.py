#!/usr/bin/python3
"""capture_mqtt.py PORT OUTDIR: record what a real broker sends a persistent
QoS 1 subscriber, as seed inputs for fuzz_mqtt_packet (the local broker
subscriber's decoder).

Against an anonymous broker on 127.0.0.1:PORT (the caller starts it): a
retained message, then a subscriber (clean session off) that gets CONNACK,
SUBACK, the retained one, QoS 0 and QoS 1 messages of 0, 30, 300 and 20,000
bytes (1-, 2- and 3-byte remaining lengths), a UTF-8 topic and a PINGRESP;
it drops the link without acknowledging and reconnects, so the broker
redelivers with DUP set, and then unsubscribes from one filter (UNSUBACK).  Each connection's byte stream is one file, and
each packet of it one more; every file starts with the fuzzer's selector
byte (5: a maximum packet of 64 KiB).  The bytes are the broker's own."""
import os
import socket
import struct
import sys
import time


def s16(b):
    return struct.pack("!H", len(b)) + b


def varint(n):
    out = b""
    while True:
        d, n = n % 128, n // 128
        out += bytes([d | (0x80 if n else 0)])
        if not n:
            return out


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def connect(port, client_id, clean):
    s = socket.create_connection(("127.0.0.1", port))
    body = s16(b"MQTT") + bytes([4, 0x02 if clean else 0]) + struct.pack("!H", 60) + s16(client_id)
    s.sendall(packet(0x10, body))
    return s


def drain(s, quiet=0.5):
    s.settimeout(quiet)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data
        if not chunk:
            return data
        data += chunk


def split(stream):
    i, out = 0, []
    while i < len(stream):
        j, n, shift = i + 1, 0, 0
        while True:
            b = stream[j]
            n |= (b & 0x7F) << shift
            shift += 7
            j += 1
            if not b & 0x80:
                break
        out.append(stream[i:j + n])
        i = j + n
    return out


def publish(s, topic, payload, qos, pid=1, retain=False):
    body = s16(topic.encode()) + (struct.pack("!H", pid) if qos else b"") + payload
    s.sendall(packet(0x30 | (qos << 1) | (1 if retain else 0), body))


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    streams = []

    pub = connect(port, b"capture-pub", True)
    drain(pub, 0.3)
    publish(pub, "t/retained", b'{"online":true}', 1, 1, retain=True)
    drain(pub, 0.3)

    sub = connect(port, b"capture-sub", False)
    sub.sendall(packet(0x82, struct.pack("!H", 7) + s16(b"t/#") + b"\x01" + s16(b"+/status") + b"\x01"))
    time.sleep(0.3)
    publish(pub, "t/dev-1", b'{"gas": true, "gas_lel": 31}', 1, 2)
    publish(pub, "t/dev-2", b'{"temp_c": 21.5}', 0)
    publish(pub, "t/dev-3", b"", 1, 3)
    publish(pub, "t/k\u00fcche", b"x" * 300, 1, 4)
    publish(pub, "plug-1/status", b"y" * 20000, 1, 5)
    time.sleep(0.3)
    sub.sendall(b"\xc0\x00")
    streams.append(drain(sub))
    sub.close()              # no PUBACK: the broker keeps them all

    sub = connect(port, b"capture-sub", False)
    time.sleep(0.3)              # CONNACK (session present) and the DUPs
    sub.sendall(packet(0xA2, struct.pack("!H", 8) + s16(b"+/status")))
    streams.append(drain(sub))   # ... then the UNSUBACK
    sub.close()
    pub.close()

    n = 0
    for k, st in enumerate(streams):
        with open(os.path.join(outdir, "stream-%d" % k), "wb") as f:
            f.write(b"\x05" + st)
        for p in split(st):
            n += 1
            with open(os.path.join(outdir, "packet-%d-%02d-%s" % (k, n, hex(p[0]))), "wb") as f:
                f.write(b"\x05" + p)
    print("captured %d streams, %d packets" % (len(streams), n))


if __name__ == "__main__":
    main()
