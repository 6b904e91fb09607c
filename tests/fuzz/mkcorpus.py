#!/usr/bin/python3
"""Write the fuzzers' seed corpus, tests/fuzz/corpus/<target>/, from the
verbatim sample payloads (tests/data/payloads.tsv) plus one seed per topic
kind the samples do not cover.  Seeds are "<topic>\\n<payload>" (see
fuzz_decode.c); the config target gets the example configs.  Run it again
after adding a sample; the files are committed so `make fuzz` needs no
generation step."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
# Per device format (its name in drivers/formats/formats.c's table, its
# fuzzer fuzz_<name>): the label prefix of its samples in payloads.tsv, the
# topic a sample is published on, and the topics of samples whose label
# names another (availability, LWT).  A format without samples needs no
# entry here.
FORMATS = {
    "zigbee2mqtt": {"label": "z2m", "topic": "zigbee2mqtt/dev",
                    "by_label": {"availability": "zigbee2mqtt/dev/availability"}},
    "tasmota": {"label": "tasmota", "topic": "tele/dev/SENSOR",
                "by_label": {"LWT": "tele/dev/LWT"}},
    "shelly": {"label": "shelly", "topic": "shellyplus1pm-a1/status/switch:0",
               "by_label": {}},
}
FORMAT_OF_LABEL = {f["label"]: name for name, f in FORMATS.items()}


def topic_for(fmt, label):
    for word, topic in FORMATS[fmt]["by_label"].items():
        if word in label:
            return topic
    return FORMATS[fmt]["topic"]


# More seeds per format (the same keys), one per topic kind the samples do
# not cover: (file name, topic, payload).
EXTRA = {
    "zigbee2mqtt": [
        ("quirks", "zigbee2mqtt/dev", '{"battery":"100.00","smoke":"True","state":"ON",'
         '"device":{"friendlyName":"dev"},"tamper":null,"test":true,"gas":false,'
         '"gas_value":12,"gas_density":"3.5","trouble":1,"device_temperature":30}'),
        ("avail_plain_offline", "zigbee2mqtt/dev/availability", "offline"),
    ],
    "tasmota": [
        ("state", "tele/dev/STATE", '{"Time":"2023-11-14T22:13:20","POWER1":"ON"}'),
        ("temp_f", "tele/dev/SENSOR", '{"Time":"2023-11-14T22:13:20Z","DS18B20":'
         '{"Temperature":"140.5"},"TempUnit":"F","ENERGY":{"Power":[20,30],"Total":"1.250"}}'),
        ("lwt_online", "tele/dev/LWT", "Online"),
    ],
    "shelly": [
        ("gen2_notify", "shellyplus1pm-a1/events/rpc",
         '{"src":"shellyplus1pm-a1","method":"NotifyStatus","params":{"ts":1700000000.5,'
         '"switch:0":{"id":0,"apower":1200,"current":5.4,"aenergy":{"total":5.1}}}}'),
        ("gen2_online", "shellyplus1pm-a1/online", "false"),
        ("gen1_relay", "shellies/plug-s-1/relay/0", "overpower"),
        ("gen1_energy", "shellies/plug-s-1/relay/0/energy", "150000"),
        ("gen1_gas", "shellies/gas-1/sensor/gas", "mild"),
        ("gen1_concentration", "shellies/gas-1/sensor/concentration", "1000"),
        ("gen1_command", "shellies/plug-s-1/relay/0/command", "off"),
    ],
    "native": [
        ("all", "t/dev", '{"ts":1700000000000,"alarm":true,"gas_lel":12.5,"co_ppm":40,'
         '"smoke":false,"test":true,"fault":false,"battery":87,"tamper":true,'
         '"power_w":230.5,"current_a":1.25,"voltage_v":229.9,"temp_c":-12.5,'
         '"energy_kwh":3.75,"relay":true,"gas":false,"battery_low":false,"online":true}'),
        ("nulls", "t/dev", '{"gas_lel":null,"alarm":null,"ts":null,"smoke":true}'),
    ],
}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode("utf-8"))


def main():
    with open(os.path.join(TOP, "tests", "data", "payloads.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            label, payload = line.rstrip("\r\n").split("\t", 1)
            label = label.split("__")[0]
            if "_rawtext" in label and len(payload) >= 2 and payload[0] == payload[-1] == '"':
                payload = payload[1:-1]
            fmt = FORMAT_OF_LABEL.get(label.split("_")[0])
            if not fmt:
                continue
            write("fuzz_" + fmt, label, topic_for(fmt, label) + "\n" + payload)
            # the same payload as native input: mostly rejections, all paths
            write("fuzz_native", label, "t/dev\n" + payload)
    for fmt, seeds in EXTRA.items():
        for name, topic, payload in seeds:
            write("fuzz_" + fmt, name, topic + "\n" + payload)
    for name in ("hazardd.json", "demo.json"):
        with open(os.path.join(TOP, "config", name), encoding="utf-8") as f:
            write("fuzz_config", name, f.read())
    with open(os.path.join(TOP, "config", "hazardd.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    site = cfg["sites"][0]["id"] if cfg.get("sites") else "site-1"
    cfg["devices"] = [
        {"id": "z-smoke", "kind": "smoke_alarm", "site": site, "format": "zigbee2mqtt",
         "topic": "zigbee2mqtt/hall_smoke", "heartbeat_s": 3600},
        {"id": "t-pow", "kind": "ebike_charger", "site": site, "format": "tasmota",
         "topic": "tele/pow/SENSOR", "rules": {"max_current_a": 6}},
        {"id": "s-plug", "kind": "ebike_charger", "site": site, "format": "shelly",
         "topic": "shellies/plug-s-1"},
    ]
    write("fuzz_config", "devices_formats.json", json.dumps(cfg, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
