#!/usr/bin/env python3
"""Finds, for every MiBeacon object id, the adverts of the community's tests
that carry it, with the test file and line.

Sources (read, not run; none of their code is used):
  xiaomi-ble       tests/captures/mibeacon-vectors.jsonl (the 139 adverts of
                   Bluetooth-Devices/xiaomi-ble tests/test_parser.py at
                   509f516e46dfd21172a70c7e66955ecf3f0923e6, see vectors.py);
                   the line given is the one holding the advert's hex in that
                   test file when --xiaomi-ble-tests names it, else the
                   test function's line.
  ble_monitor      custom-components/ble_monitor
                   custom_components/ble_monitor/test/test_xiaomi_parser.py
                   (MIT licence) at the commit given with --ble-monitor-commit:
                   every `data_string` (a raw HCI LE Advertising Report, H4
                   type byte first) with the `aeskey` of the same test.

Each advert's 0xFE95 service data is split and decrypted with decode.py (the
project's independent decoder); every object of the (plain or decrypted)
payload is listed.  Output: JSON on stdout, {object id: [example, ...]} with
source, file, line, test, advertiser address, service data hex, bindkey,
object value hex and the whole plaintext object list.

  python3 tests/peers/mibeacon/union-examples.py \\
      --ble-monitor-tests PATH --ble-monitor-commit SHA [--xiaomi-ble-tests PATH]
Needs python3-cryptography (as decode.py).
"""

import argparse
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
XB_COMMIT = "509f516e46dfd21172a70c7e66955ecf3f0923e6"


def load_decode():
    spec = importlib.util.spec_from_file_location("mibeacon_decode", os.path.join(HERE, "decode.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ad_fe95(ad):
    """The 0xFE95 service data of advertising data, if any."""
    at = 0
    while at < len(ad):
        ln = ad[at]
        if ln == 0 or at + 1 + ln > len(ad):
            break
        if ad[at + 1] == 0x16 and ad[at + 2:at + 4] == b"\x95\xfe":
            return ad[at + 4:at + 1 + ln]
        at += 1 + ln
    return None


def hci_adverts(pkt):
    """(address, AD bytes) of an H4 HCI LE Meta advertising report."""
    if len(pkt) < 5 or pkt[0] != 0x04 or pkt[1] != 0x3E:
        return []
    sub, params = pkt[3], pkt[3:]
    out = []
    if sub == 0x02:
        at = 2
        for _ in range(params[1]):
            head = params[at:at + 9]
            if len(head) < 9:
                break
            data = params[at + 9:at + 9 + head[8]]
            out.append((head[2:8][::-1], data))
            at += 9 + head[8] + 1
    elif sub == 0x0D:
        at = 2
        for _ in range(params[1]):
            head = params[at:at + 24]
            if len(head) < 24:
                break
            data = params[at + 24:at + 24 + head[23]]
            out.append((head[3:9][::-1], data))
            at += 24 + head[23]
    return out


def objects_of(dec, data, address, key):
    f = dec.parse_frame(data, address)
    if f.error or not f.bits["object_include"]:
        return None, f
    if f.bits["encrypted"]:
        pt, _ = dec.decrypt(f, key)
        if pt is None:
            return None, f
    else:
        pt = f.body
    return dec.split_objects(pt), f


def ble_monitor_tests(path):
    """(line, test name, data_string, aeskey or None) per data_string."""
    text = open(path, encoding="utf-8").read().splitlines()
    tests = []
    name = None
    for n, line in enumerate(text, 1):
        m = re.match(r"\s*def (test\w*)", line)
        if m:
            name = m.group(1)
        m = re.match(r'\s*data_string = "([0-9A-Fa-f ]+)"', line)
        if m:
            tests.append({"line": n, "test": name, "hex": m.group(1).replace(" ", "").lower(),
                          "key": None})
        elif re.match(r"\s*data_string = \($", line):
            # data_string = (\n "hex"\n "hex" ...\n ): the line of the first part
            parts, k = [], n
            while k < len(text) and not text[k].strip().startswith(")"):
                parts.extend(re.findall(r'"([0-9A-Fa-f ]*)"', text[k]))
                k += 1
            tests.append({"line": n + 1, "test": name, "hex": "".join(parts).replace(" ", "").lower(),
                          "key": None})
        m = re.match(r'\s*aeskey = "([0-9A-Fa-f]+)"', line)
        if m and tests and tests[-1]["test"] == name and tests[-1]["key"] is None:
            tests[-1]["key"] = m.group(1).lower()
    return tests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ble-monitor-tests", required=True)
    ap.add_argument("--ble-monitor-commit", required=True)
    ap.add_argument("--xiaomi-ble-tests")
    args = ap.parse_args()
    dec = load_decode()
    found = {}

    def add(oid, ex):
        found.setdefault(oid, []).append(ex)

    caps = os.path.normpath(os.path.join(HERE, "..", "..", "captures"))
    xb_lines = (open(args.xiaomi_ble_tests, encoding="utf-8").read().splitlines()
                if args.xiaomi_ble_tests else None)
    for line in open(os.path.join(caps, "mibeacon-vectors.jsonl"), encoding="utf-8"):
        v = json.loads(line)
        key = bytes.fromhex(v["bindkey"]) if v["bindkey"] else None
        objs, _ = objects_of(dec, bytes.fromhex(v["data_hex"]), v["address"], key)
        where = v["line"]
        if xb_lines:
            hits = [n for n, l in enumerate(xb_lines, 1) if v["data_hex"] in l.lower()
                    and n >= v["line"]]
            if hits:
                where = hits[0]
        for o in objs or []:
            if "id" in o and not o.get("truncated"):
                add(o["id"], {"source": "xiaomi-ble", "commit": XB_COMMIT,
                              "file": "tests/test_parser.py", "line": where,
                              "test": v["name"], "vector": v["id"],
                              "address": v["address"], "service_data": v["data_hex"],
                              "bindkey": v["bindkey"], "value": o["value"],
                              "objects": [x for x in objs if "id" in x]})
    for t in ble_monitor_tests(args.ble_monitor_tests):
        for addr, ad in hci_adverts(bytes.fromhex(t["hex"])):
            data = ad_fe95(ad)
            if data is None:
                continue
            address = ":".join("%02X" % b for b in addr)
            key = bytes.fromhex(t["key"]) if t["key"] else None
            objs, _ = objects_of(dec, data, address, key)
            for o in objs or []:
                if "id" in o and not o.get("truncated"):
                    add(o["id"], {"source": "ble_monitor", "commit": args.ble_monitor_commit,
                                  "file": "custom_components/ble_monitor/test/test_xiaomi_parser.py",
                                  "line": t["line"], "test": t["test"], "address": address,
                                  "service_data": data.hex(), "bindkey": t["key"],
                                  "value": o["value"],
                                  "objects": [x for x in objs if "id" in x]})
    json.dump(dict(sorted(found.items())), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
