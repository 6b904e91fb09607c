#!/usr/bin/python3
"""modemsim.py: a 4G module's AT port on a pseudo-terminal, for the tests.

    modemsim.py --link PATH --log FILE [--ctl FILE] [--pin PIN]

Opens a pty, points the symlink PATH at its slave (replaced atomically, so
the device path stays the same across an "unplug" and "replug") and prints
"READY PATH".  It speaks the AT dialogue of a typical module: echo until
ATE0, AT+CMEE, AT+CPIN? / AT+CPIN="..." (with --pin the SIM wants one, and is busy,
+CME ERROR: 14, for 0.8 s after it),
AT+CMGF=0, AT+CMGS=<n> with the "> " prompt and a PDU ended by Ctrl-Z
(ESC cancels), ATD<number>; / ATH / AT+CHUP, AT.

Every received SMS-SUBMIT PDU is decoded (GSM 7-bit with its escape table,
UCS-2; the concatenation header's parts joined) independently of the
driver's encoder, and each finished SMS, call and notable event is written
as one JSON line to the log:

    {"event": "sms", "to": "+86...", "text": "...", "parts": 3, "dcs": "ucs2"}
    {"event": "call", "to": "...", "mode": "busy", "hung_up": true}
    {"event": "at", "cmd": "ATE0"}       every command line received
    {"event": "ctl", "cmd": "unplug"}    a control command applied
    {"event": "bad_pdu", "why": "..."}   a PDU that a module would refuse

Control: lines written to the --ctl file (write a temporary file and
rename it over the path; it is read and removed), applied in order:

    normal              forget every mode below
    cms N               answer each PDU with +CMS ERROR: N
    cms_part K N        only part K of each message (1-based)
    silent              answer nothing at all (a hung module)
    silent_cmgs         the prompt comes, the network never answers
    call MODE           ok (OK, rings until ATH), busy, busy_final (BUSY
                        instead of OK), nocarrier, noanswer, answer (^CONN
                        after 0.3 s), answer_hangup (then NO CARRIER),
                        silent (no answer to ATD until it is hung up),
                        ok_late (as ok, and a NO CARRIER 50 ms after ATH's OK)
    reboot              the module resets behind the open port: echo on,
                        text mode (AT+CMGS in text mode is logged as bad
                        and refused), RDY and friends sent
    noise on|off        unsolicited lines (+CREG, ^RSSI, RING, NULs and
                        junk) before answers
    sim_absent on|off   AT+CPIN? answers +CME ERROR: 10
    unplug              close the pty and remove the link
    replug              a new pty behind the same link
"""
import argparse
import json
import os
import select
import signal
import sys
import time
import tty

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXT = {0x0A: "\x0c", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
            0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}
assert len(GSM7_BASIC) == 128


class BadPdu(Exception):
    pass


def semi_octets(b, ndigits):
    out = ""
    for x in b:
        out += "%d" % (x & 0x0F)
        if (x >> 4) != 0x0F:
            out += "%d" % (x >> 4)
    if len(out) != ndigits or not out.isdigit():
        raise BadPdu("address digits %r, length %d" % (out, ndigits))
    return out


def unpack7(ud, nsept):
    s = []
    for i in range(nsept):
        bit = i * 7
        v = ud[bit // 8] >> (bit % 8)
        if bit % 8 > 1:
            v |= ud[bit // 8 + 1] << (8 - bit % 8)
        s.append(v & 0x7F)
    return s


def gsm7_text(septets):
    out, esc = "", False
    for v in septets:
        if esc:
            if v not in GSM7_EXT:
                raise BadPdu("escape 1B %02X has no character" % v)
            out += GSM7_EXT[v]
            esc = False
        elif v == 0x1B:
            esc = True
        else:
            out += GSM7_BASIC[v]
    if esc:
        raise BadPdu("escape at the end of a part")
    return out


def decode_submit(hexpdu):
    """An SMS-SUBMIT PDU (with its SMSC field) -> dict; BadPdu when a module
    or the network would refuse it."""
    try:
        b = bytes.fromhex(hexpdu)
    except ValueError:
        raise BadPdu("not hex: %r" % hexpdu[:40])
    if not b:
        raise BadPdu("empty")
    smsc = b[0]
    t = b[1 + smsc:]
    if len(t) < 7:
        raise BadPdu("TPDU too short")
    fo = t[0]
    if fo & 3 != 1:
        raise BadPdu("not SMS-SUBMIT (first octet %02X)" % fo)
    udhi, vpf = bool(fo & 0x40), (fo >> 3) & 3
    ndig, atype = t[2], t[3]
    nb = (ndig + 1) // 2
    digits = semi_octets(t[4:4 + nb], ndig)
    if atype == 0x91:
        to = "+" + digits
    elif atype == 0x81:
        to = digits
    else:
        raise BadPdu("address type %02X" % atype)
    j = 4 + nb
    pid, dcs = t[j], t[j + 1]
    j += 2
    j += {0: 0, 2: 1, 1: 7, 3: 7}[vpf]
    udl = t[j]
    ud = t[j + 1:]
    if pid != 0:
        raise BadPdu("TP-PID %02X" % pid)
    coding = (dcs >> 2) & 3 if dcs & 0xC0 == 0 else -1
    info = {"to": to, "tpdu_len": len(t), "vpf": vpf, "ref": None, "total": 1, "seq": 1}
    hdr_len = 0
    if udhi:
        udhl = ud[0]
        hdr = ud[1:1 + udhl]
        hdr_len = udhl + 1
        k = 0
        while k + 2 <= len(hdr):
            iei, iel = hdr[k], hdr[k + 1]
            val = hdr[k + 2:k + 2 + iel]
            if iei == 0x00 and iel == 3:
                info["ref"], info["total"], info["seq"] = val[0], val[1], val[2]
            elif iei == 0x08 and iel == 4:
                info["ref"], info["total"], info["seq"] = val[0] << 8 | val[1], val[2], val[3]
            k += 2 + iel
        if info["seq"] < 1 or info["seq"] > info["total"]:
            raise BadPdu("part %d of %d" % (info["seq"], info["total"]))
    if coding == 0:
        if udl > 160:
            raise BadPdu("UDL %d septets" % udl)
        if len(ud) != (udl * 7 + 7) // 8:
            raise BadPdu("7-bit UD of %d octets for %d septets" % (len(ud), udl))
        skip = (hdr_len * 8 + 6) // 7
        info["dcs"] = "gsm7"
        info["text"] = gsm7_text(unpack7(ud, udl)[skip:])
        info["units"] = udl - skip
    elif coding == 2:
        if udl > 140 or len(ud) != udl:
            raise BadPdu("UCS-2 UD of %d octets, UDL %d" % (len(ud), udl))
        body = ud[hdr_len:]
        if len(body) % 2:
            raise BadPdu("odd UCS-2 length")
        info["dcs"] = "ucs2"
        info["raw"] = body
        info["units"] = len(body) // 2
    else:
        raise BadPdu("DCS %02X" % dcs)
    return info


class Modem:
    def __init__(self, args):
        self.link = args.link
        self.log = open(args.log, "a", buffering=1, encoding="utf-8")
        self.ctl = args.ctl
        self.pin = args.pin
        self.master = self.slave = -1
        self.timers = []                # (when, bytes)
        self.partial = {}               # (to, ref, total) -> {seq: info}
        self.mr = 0
        self.reset_modes()
        self.plug()

    def reset_modes(self):
        self.cms = None
        self.cms_part = None
        self.silent = False
        self.silent_cmgs = False
        self.call_mode = "ok"
        self.noise = False
        self.sim_absent = False

    def event(self, **kv):
        self.log.write(json.dumps(kv, ensure_ascii=False) + "\n")

    # ------------------------------------------------------------ the port

    def plug(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)          # the driver sets raw itself too
        os.set_blocking(self.master, False)
        self.buf = b""
        self.echo = True
        self.sim_pin_ok = not self.pin
        self.pin_tries = 0
        self.cmgf = 1                   # text mode until AT+CMGF=0
        self.sim_busy_until = 0.0
        self.pdu_len = None             # set while at the "> " prompt
        self.call = None
        tmp = self.link + ".tmp"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.ttyname(self.slave), tmp)
        os.replace(tmp, self.link)

    def unplug(self):
        if os.path.lexists(self.link):
            os.unlink(self.link)
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1
        self.timers = []

    def send(self, s, delay=0.0):
        data = s.encode() if isinstance(s, str) else s
        if delay > 0:
            self.timers.append((time.monotonic() + delay, data))
            return
        if self.master >= 0:
            try:
                os.write(self.master, data)
            except OSError:
                pass

    def answer(self, s):
        if self.noise:
            self.send(b"\r\n+CREG: 1\r\n\x00\r\n^RSSI:18\r\n\r\nRING\r\n\xff\xfe#\r\n")
        self.send("\r\n" + s + "\r\n")

    # ------------------------------------------------------------ control

    def control(self):
        if not self.ctl or not os.path.exists(self.ctl):
            return
        with open(self.ctl, encoding="utf-8") as f:
            lines = f.read().splitlines()
        os.unlink(self.ctl)
        for line in lines:
            w = line.split()
            if not w:
                continue
            cmd = w[0]
            if cmd == "normal":
                self.reset_modes()
            elif cmd == "cms":
                self.cms = int(w[1])
            elif cmd == "cms_part":
                self.cms_part, self.cms = int(w[1]), int(w[2])
            elif cmd == "silent":
                self.silent = True
            elif cmd == "silent_cmgs":
                self.silent_cmgs = True
            elif cmd == "call":
                self.call_mode = w[1]
            elif cmd == "noise":
                self.noise = w[1] == "on"
            elif cmd == "sim_absent":
                self.sim_absent = w[1] == "on"
            elif cmd == "unplug":
                self.unplug()
            elif cmd == "reboot":
                self.echo, self.cmgf, self.pdu_len, self.call = True, 1, None, None
                self.send("\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n")
            elif cmd == "replug":
                if self.master < 0:
                    self.plug()
            else:
                self.event(event="ctl_unknown", cmd=line)
                continue
            self.event(event="ctl", cmd=line)

    # ------------------------------------------------------------ AT

    def feed(self, data):
        self.buf += data
        while self.buf:
            if self.pdu_len is not None:
                cut = min([i for i in (self.buf.find(b"\x1a"), self.buf.find(b"\x1b")) if i >= 0],
                          default=-1)
                if cut < 0:
                    return
                body, end = self.buf[:cut], self.buf[cut]
                self.buf = self.buf[cut + 1:]
                n, self.pdu_len = self.pdu_len, None
                if end == 0x1B:
                    self.event(event="pdu_cancelled")
                    if not self.silent:
                        self.answer("OK")
                else:
                    self.pdu(n, body.decode("ascii", "replace").strip())
                continue
            idx = [i for i in (self.buf.find(b"\r"), self.buf.find(b"\n"), self.buf.find(b"\x1b"))
                   if i >= 0]
            if not idx:
                return
            cut = min(idx)
            line, end = self.buf[:cut], self.buf[cut]
            self.buf = self.buf[cut + 1:]
            if end == 0x1B:
                continue                # ESC: the half-typed line is dropped
            line = line.decode("ascii", "replace").strip()
            if line:
                self.command(line)

    def command(self, line):
        self.event(event="at", cmd=line)
        if self.silent:
            return
        if self.echo:
            self.send(line + "\r")
        u = line.upper()
        if u == "AT":
            self.answer("OK")
        elif u in ("ATE0", "ATE1"):
            self.echo = u == "ATE1"
            self.answer("OK")
        elif u.startswith("AT+CMEE="):
            self.answer("OK")
        elif u == "AT+CPIN?":
            if self.sim_absent:
                self.answer("+CME ERROR: 10")
            elif time.monotonic() < self.sim_busy_until:
                self.answer("+CME ERROR: 14")
            elif self.pin_tries >= 3:
                self.answer("+CPIN: SIM PUK\r\n\r\nOK")
            elif not self.sim_pin_ok:
                self.answer("+CPIN: SIM PIN\r\n\r\nOK")
            else:
                self.answer("+CPIN: READY\r\n\r\nOK")
        elif u.startswith("AT+CPIN="):
            given = line[8:].strip().strip('"')
            if self.sim_pin_ok:
                self.answer("+CME ERROR: 3")
            elif self.pin_tries >= 3:
                self.answer("+CME ERROR: 12")
            elif given == self.pin:
                self.sim_pin_ok = True
                self.sim_busy_until = time.monotonic() + 0.8   # SIM busy a moment after its PIN
                self.event(event="pin_ok")
                self.answer("OK")
            else:
                self.pin_tries += 1
                self.event(event="pin_wrong", tries=self.pin_tries)
                self.answer("+CME ERROR: 16")
        elif u in ("AT+CMGF=0", "AT+CMGF=1"):
            self.cmgf = int(u[-1])
            self.answer("OK")
        elif u.startswith("AT+CMGS="):
            if not self.sim_pin_ok:
                self.answer("+CMS ERROR: 311")
                return
            if self.cmgf != 0:
                self.event(event="bad_pdu", why="AT+CMGS in text mode: %s" % line)
                self.answer("+CMS ERROR: 304")
                return
            try:
                n = int(line[8:])
            except ValueError:
                self.answer("+CMS ERROR: 304")
                return
            self.pdu_len = n
            self.send("\r\n> ")
        elif u.startswith("ATD"):
            self.dial(line[3:])
        elif u in ("ATH", "AT+CHUP", "ATH0"):
            if self.call:
                self.timers = []
                self.event(event="call", to=self.call["to"], mode=self.call["mode"],
                           answered=self.call["answered"], hung_up=True,
                           seconds=round(time.monotonic() - self.call["t0"], 1))
                late = self.call["mode"] == "ok_late"
                self.call = None
                self.answer("OK")
                if late:
                    self.send("\r\nNO CARRIER\r\n", 0.05)
                return
            self.answer("OK")
        else:
            self.answer("ERROR")

    def pdu(self, n, hexpdu):
        try:
            info = decode_submit(hexpdu)
            if info["tpdu_len"] != n:
                raise BadPdu("AT+CMGS=%d but the TPDU has %d octets" % (n, info["tpdu_len"]))
        except (BadPdu, IndexError, KeyError) as e:
            self.event(event="bad_pdu", why=str(e), pdu=hexpdu)
            self.answer("+CMS ERROR: 304")
            return
        self.event(event="sms_part", to=info["to"], seq=info["seq"], total=info["total"],
                   ref=info["ref"], dcs=info["dcs"], units=info["units"], tpdu_len=n)
        if self.silent_cmgs:
            return
        if self.cms is not None and (self.cms_part is None or self.cms_part == info["seq"]):
            self.answer("+CMS ERROR: %d" % self.cms)
            return
        self.mr = (self.mr + 1) % 256
        self.answer("+CMGS: %d\r\n\r\nOK" % self.mr)
        self.collect(info)

    def collect(self, info):
        key = (info["to"], info["ref"], info["total"])
        parts = self.partial.setdefault(key, {})
        parts[info["seq"]] = info
        if len(parts) < info["total"]:
            return
        del self.partial[key]
        seqs = [parts[k] for k in sorted(parts)]
        if info["dcs"] == "ucs2":
            try:
                text = b"".join(p["raw"] for p in seqs).decode("utf-16-be")
                # a part must not end inside a surrogate pair
                for p in seqs:
                    p["raw"].decode("utf-16-be")
            except UnicodeDecodeError as e:
                self.event(event="bad_pdu", why="UCS-2: %s" % e)
                return
        else:
            text = "".join(p["text"] for p in seqs)
        self.event(event="sms", to=info["to"], text=text, parts=info["total"],
                   ref=info["ref"], dcs=info["dcs"])

    def dial(self, rest):
        if not rest.endswith(";"):
            self.event(event="bad_dial", cmd=rest)
            self.answer("NO CARRIER")
            return
        to, mode = rest[:-1], self.call_mode
        self.call = {"to": to, "mode": mode, "answered": False, "t0": time.monotonic()}
        if mode == "busy_final":
            self.answer("BUSY")
        elif mode == "silent":
            pass
        else:
            self.answer("OK")
        if mode == "busy":
            self.send("\r\nBUSY\r\n", 0.3)
        elif mode == "nocarrier":
            self.send("\r\nNO CARRIER\r\n", 0.3)
        elif mode == "noanswer":
            self.send("\r\nNO ANSWER\r\n", 0.5)
        elif mode in ("answer", "answer_hangup"):
            self.send("\r\n^CONN:1,0\r\n", 0.3)
            self.call["answered"] = True
            if mode == "answer_hangup":
                self.send("\r\n^CEND:1,0,104,16\r\n\r\nNO CARRIER\r\n", 0.8)

    # ------------------------------------------------------------ loop

    def run(self):
        while True:
            self.control()
            now = time.monotonic()
            due = [t for t in self.timers if t[0] <= now]
            self.timers = [t for t in self.timers if t[0] > now]
            for _, data in due:
                self.send(data)
            if self.master < 0:
                time.sleep(0.05)
                continue
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                try:
                    data = os.read(self.master, 4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""      # no slave open at the moment: EIO
                    time.sleep(0.02)
                if data:
                    self.feed(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--link", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ctl")
    ap.add_argument("--pin")
    args = ap.parse_args()
    m = Modem(args)

    def stop(*_):
        m.unplug()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("READY " + args.link, flush=True)
    m.run()


if __name__ == "__main__":
    main()
