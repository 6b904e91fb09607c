#!/usr/bin/python3
"""webhook_recv.py: a local HTTPS receiver for t_alerts_webhook.sh.

Plays a WeCom group robot (/wecom), a DingTalk robot (/dingtalk, which
checks the signed timestamp against --secret as DingTalk does) and a plain
JSON endpoint (/json).  Every request becomes one JSON line in --log:
{"path", "query", "body", "sign_ok", "problems"}; the robots answer
{"errcode": 0} when the body has the shape the robot needs, else an
errcode, as the real ones do.

  webhook_recv.py --port N --cert C --key K --log FILE [--secret S] [--port-file F]
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import ssl
import sys
import time
import urllib.parse


def check_wecom(b):
    p = []
    if b.get("msgtype") != "text":
        p.append("msgtype is not text")
    t = b.get("text") or {}
    if not isinstance(t.get("content"), str) or not t["content"]:
        p.append("no text.content")
    if not isinstance(t.get("mentioned_mobile_list", []), list):
        p.append("mentioned_mobile_list is not a list")
    return p


def check_dingtalk(b):
    p = []
    if b.get("msgtype") != "text":
        p.append("msgtype is not text")
    if not isinstance((b.get("text") or {}).get("content"), str):
        p.append("no text.content")
    at = b.get("at") or {}
    if not isinstance(at.get("atMobiles", []), list):
        p.append("at.atMobiles is not a list")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--secret", default="")
    a = ap.parse_args()
    log = open(a.log, "a", buffering=1)

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            u = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(u.query)
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            rec = {"path": u.path, "query": u.query, "sign_ok": None, "problems": []}
            try:
                body = json.loads(raw.decode("utf-8"))
            except Exception as e:
                body = None
                rec["problems"].append("body is not JSON: %s" % e)
            rec["body"] = body
            answer = {"errcode": 0, "errmsg": "ok"}
            if body is not None and u.path == "/wecom":
                rec["problems"] += check_wecom(body)
            elif body is not None and u.path == "/dingtalk":
                rec["problems"] += check_dingtalk(body)
                ts = q.get("timestamp", [""])[0]
                sign = q.get("sign", [""])[0]
                want = base64.b64encode(hmac.new(
                    a.secret.encode(), ("%s\n%s" % (ts, a.secret)).encode(),
                    hashlib.sha256).digest()).decode()
                fresh = ts.isdigit() and abs(int(ts) - time.time() * 1000) < 3600 * 1000
                rec["sign_ok"] = bool(sign) and hmac.compare_digest(sign, want) and fresh
                if not rec["sign_ok"]:
                    answer = {"errcode": 310000, "errmsg": "sign not match"}
            if rec["problems"] and u.path in ("/wecom", "/dingtalk"):
                answer = {"errcode": 40035, "errmsg": "; ".join(rec["problems"])}
            log.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    class S(http.server.ThreadingHTTPServer):
        allow_reuse_address = True

    srv = S(("127.0.0.1", a.port), H)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
