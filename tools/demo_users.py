#!/usr/bin/python3
"""demo_users: the demo gateway broker's users and ACL, from hazardd's config.

  demo_users.py --config hazardd.json --dir RUN_DIR

Writes, each new and mode 0600, in RUN_DIR:
  gateway-broker.passwd  "user:password" lines (hash them in place with
                         mosquitto_passwd -U before the broker reads them)
  gateway-broker.acl     the ACL (the shape of docs/operations.md, "The
                         gateway's broker")
  hazardd.pass           hazardd's password (local.password_file)
  devices.pass           "device password" lines for tools/devsim.py
The users: hazardd (local.username), which reads every topic and writes
only the devices' command topics; one user per device, named by its id,
which writes only its own topic and, if it has a relay, reads its command
topic.  Passwords are random for every run.

Only native devices (the simulator's format): their command topic is
<topic>/set (docs/devices.md, "Device commands").
"""
import argparse
import json
import os
import secrets
import sys

# docs/devices.md, "Devices without a relay"
RELAY_BY_DEFAULT = {"ebike_charger"}


def write_new(path, text):
    """Create path (it must not exist) with mode 0600 and write text."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="hazardd's config (JSON)")
    ap.add_argument("--dir", required=True, help="where the files go")
    args = ap.parse_args()

    with open(args.config, encoding="utf-8") as f:
        cfg = json.load(f)
    hz_user = cfg.get("local", {}).get("username") or "hazardd"
    devices = cfg.get("devices", [])
    for d in devices:
        if d.get("format", "native") != "native":
            sys.exit(f"demo_users: device {d['id']}: only native devices "
                     f"(format {d.get('format')!r})")
        if d["id"] == hz_user:
            sys.exit(f"demo_users: device id {d['id']} is hazardd's user name")

    def switchable(d):
        return d.get("relay", d["kind"] in RELAY_BY_DEFAULT)

    pw = {u: secrets.token_hex(16) for u in [hz_user] + [d["id"] for d in devices]}

    acl = ["# the demo gateway broker's ACL (tools/demo_users.py): every client",
           "# its own user; devices publish only their own topics, only hazardd",
           "# publishes commands",
           "",
           f"user {hz_user}",
           "topic read #"]
    acl += [f"topic write {d['topic']}/set" for d in devices if switchable(d)]
    for d in devices:
        acl += ["", f"user {d['id']}", f"topic write {d['topic']}"]
        if switchable(d):
            acl.append(f"topic read {d['topic']}/set")

    write_new(os.path.join(args.dir, "gateway-broker.passwd"),
              "".join(f"{u}:{p}\n" for u, p in pw.items()))
    write_new(os.path.join(args.dir, "gateway-broker.acl"), "\n".join(acl) + "\n")
    write_new(os.path.join(args.dir, "hazardd.pass"), pw[hz_user] + "\n")
    write_new(os.path.join(args.dir, "devices.pass"),
              "".join(f"{d['id']} {pw[d['id']]}\n" for d in devices))
    print(f"{len(pw)} users: {hz_user} and {', '.join(d['id'] for d in devices)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
