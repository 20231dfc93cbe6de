#!/usr/bin/env python3
"""Reads every MiBeacon capture form back with a plain tshark (no plugin).

For each file make-pcaps.py writes, runs tshark WITHOUT the project's plugin
(as user nobody, HOME and WIRESHARK_PLUGIN_DIR pointing at empty
directories, because a copy of the plugin may be installed globally) and
checks, packet N against line N of tests/captures/mibeacon-vectors.jsonl:

  - the packet has an AD structure Service Data - 16 bit UUID with UUID
    0xFE95 whose service data equals the vector's data_hex (for
    mibeacon-038f.pcap: Manufacturer Specific data of company 0x038F equal
    to data_hex);
  - the advertiser address Wireshark shows (btle.advertising_address in
    sniffer forms, bthci_evt.bd_addr in HCI forms) equals the vector's;
  - no malformed packet and no expert item of severity warning or error.

It prints, per file, the file format and encapsulation tshark reports, the
packet count, how many adverts tshark shows with FE95 service data (and how
many equal the vectors), the protocol chain of the packets (frame.protocols:
the last layer names who got the service data; `btcommon` = no dissector was
handed it) and the packet-list Protocol / Info columns of packet 1.  Exit 1
if a check fails.

  python3 tests/peers/mibeacon/check-forms.py                 # host tshark
  python3 tests/peers/mibeacon/check-forms.py --chroot DIR    # DIR's tshark
                                                              # (files copied to DIR/tmp)
Needs root (to drop to nobody; chroot).  python3 standard library only.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys

FILES = (
    # name, what the address field is
    ("mibeacon-le-ll.pcap", "btle.advertising_address"),
    ("mibeacon-hci.pcap", "bthci_evt.bd_addr"),
    ("mibeacon-monitor.pcap", "bthci_evt.bd_addr"),
    ("mibeacon-038f.pcap", "btle.advertising_address"),
    ("mibeacon-h4.pcap", "bthci_evt.bd_addr"),
    ("mibeacon-le-ll-nophdr.pcap", "btle.advertising_address"),
    ("mibeacon-nordic.pcap", "btle.advertising_address"),
    ("mibeacon-btsnoop.log", "bthci_evt.bd_addr"),
    ("mibeacon-btmon.snoop", "bthci_evt.bd_addr"),
)

FIELDS = ("frame.number", "frame.protocols", "btcommon.eir_ad.entry.uuid_16",
          "btcommon.eir_ad.entry.service_data", "btcommon.eir_ad.entry.company_id",
          "btcommon.eir_ad.entry.data", "btle.advertising_address", "bthci_evt.bd_addr",
          "_ws.malformed", "_ws.expert.severity", "_ws.col.Protocol", "_ws.col.Info")

NOBODY = "65534"


def runner(chroot):
    """The command prefix that runs tshark as nobody without plugins, and
    where files must be put for it (host dir, path tshark sees)."""
    env = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
           "HOME=/tmp/mibeacon-forms-home", "WIRESHARK_PLUGIN_DIR=/tmp/mibeacon-forms-noplugins"]
    root = chroot or "/"
    for d in ("tmp/mibeacon-forms-home", "tmp/mibeacon-forms-noplugins", "tmp/mibeacon-forms"):
        p = os.path.join(root, d)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, 0o777)
    if chroot:
        prefix = ["chroot", "--userspec=%s:%s" % (NOBODY, NOBODY), chroot] + env
    else:
        prefix = ["setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"] + env
    return prefix, os.path.join(root, "tmp/mibeacon-forms"), "/tmp/mibeacon-forms"


def tshark(prefix, *args):
    r = subprocess.run(prefix + ["tshark"] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("tshark %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def capinfo(prefix, path):
    out = subprocess.run(prefix + ["capinfos", "-t", "-E", path], capture_output=True, text=True).stdout
    info = {}
    for line in out.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            info[k.strip()] = v.strip()
    return info.get("File type", "?"), info.get("File encapsulation", "?")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chroot", help="run the tshark of this chroot (e.g. target/compat/sid)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("check-forms: needs root (runs tshark as nobody)", file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    caps = os.path.normpath(os.path.join(here, "..", "..", "captures"))
    vectors = [json.loads(l) for l in open(os.path.join(caps, "mibeacon-vectors.jsonl"), encoding="utf-8")]
    prefix, host_dir, seen_dir = runner(args.chroot)
    version = tshark(prefix, "--version").splitlines()[0]
    plugins = [l for l in tshark(prefix, "-G", "protocols").splitlines()
               if "mibeacon" in l.lower() or "miio" in l.lower()]
    print("%s%s; plugin protocols registered: %d" % (
        version, " (chroot %s)" % args.chroot if args.chroot else "", len(plugins)))
    if plugins:
        print("check-forms: the plugin is loaded; cannot check plain Wireshark", file=sys.stderr)
        return 1
    failed = 0
    for name, addr_field in FILES:
        shutil.copy(os.path.join(caps, name), os.path.join(host_dir, name))
        path = os.path.join(seen_dir, name)
        ftype, encap = capinfo(prefix, path)
        cols = ["-e" + f for f in FIELDS]
        out = tshark(prefix, "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
                     "-E", "aggregator=|", *cols)
        rows = [dict(zip(FIELDS, l.split("\t"))) for l in out.splitlines()]
        manufacturer = name == "mibeacon-038f.pcap"
        fe95 = equal = addr_ok = bad = 0
        chains = collections.Counter()
        problems = []
        for n, row in enumerate(rows):
            v = vectors[n] if n < len(vectors) else None
            chains[row["frame.protocols"]] += 1
            uuids = row["btcommon.eir_ad.entry.uuid_16"].split("|")
            sdata = row["btcommon.eir_ad.entry.service_data"].split("|")
            if manufacturer:
                shown = [d for c, d in zip(row["btcommon.eir_ad.entry.company_id"].split("|"),
                                           row["btcommon.eir_ad.entry.data"].split("|"))
                         if c.lower() == "0x038f"]
            else:
                # Service data entries pair with the 16-bit UUIDs of
                # service data structures; the adverts carry no other UUID.
                shown = [d for u, d in zip(uuids, sdata) if u.lower() == "0xfe95"]
            if shown:
                fe95 += 1
            if v and shown == [v["data_hex"]]:
                equal += 1
            elif v:
                problems.append("packet %d: data %r, vector %s" % (n + 1, shown, v["data_hex"]))
            if v and row[addr_field].lower() == v["address"].lower():
                addr_ok += 1
            elif v:
                problems.append("packet %d: %s %r, vector %s" % (n + 1, addr_field, row[addr_field], v["address"]))
            severities = [s for s in row["_ws.expert.severity"].split("|") if s]
            # PI_WARN = 0x00600000, PI_ERROR = 0x00800000 (PI_NOTE 0x00400000: the
            # 0x038F data is an "Undecoded" note, as any unknown manufacturer data)
            if row["_ws.malformed"] or any(int(s) >= 0x00600000 for s in severities):
                bad += 1
                problems.append("packet %d: malformed or expert warning/error" % (n + 1))
        ok = len(rows) == len(vectors) and equal == len(vectors) and addr_ok == len(vectors) and bad == 0
        failed += not ok
        first = rows[0] if rows else {}
        print("%-28s %s | %s | %d packets | %s %d (equal to the vectors %d) | address equal %d | "
              "malformed/warn %d | %s" % (
                  name, ftype, encap, len(rows),
                  "0x038F manufacturer data" if manufacturer else "FE95 service data", fe95, equal,
                  addr_ok, bad, "OK" if ok else "FAIL"))
        print("    protocols: %s" % "; ".join("%s ×%d" % c for c in chains.most_common()))
        print("    packet list of packet 1: %s | %s" % (first.get("_ws.col.Protocol"), first.get("_ws.col.Info")))
        for p in problems[:5]:
            print("    " + p)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
