#!/usr/bin/env python3
"""Independent decoding of the halan captures (halan-control, mdns-miio):
one JSON line per UDP frame, written to NAME.expected.jsonl, and a check of
the capture against NAME.truth.jsonl (what each side sent and saw).

  decode.py CAPTURE --token DID:TOKEN [--token ...] (--write | --check)

Nothing here comes from this project's plugin, the integration, python-miio,
zeroconf or the stand-ins: tshark (run without the plugin: as user nobody
with an empty HOME and WIRESHARK_PLUGIN_DIR pointing at an empty folder, the
capture fed on stdin; stops if a miio protocol is registered) gives the
frames and its own DNS fields; this file parses the UDP payloads itself
(miIO header, MD5 checksum, AES-128-CBC with hashlib/cryptography, DNS with
name compression) and checks its DNS reading against tshark's fields.

Expected lines: frame, src, dst, proto ("miio"/"mdns"), then
- miio: type ha_probe (mdid, broadcast), msub (did64, did_hi, did_lo,
  stamp, msub_ts, msub_type, wildcard_byte, wildcard), hello, hello_reply,
  data (length, did64, did_hi, did_lo, stamp, checksum_ok, direction,
  plaintext, trailing_nul, json, id, method, message request/reply,
  initiator client/device, reply_to/replied_by frame numbers);
- mdns: id, flags, qr, questions (name, type, qu), answers, authorities,
  additionals (name, type, cache_flush, class, ttl, rdata decoded; TXT as
  rdata hex, strings, malformed, pairs read as python-zeroconf reads them),
  and miio_identities: for each _miio._udp.local instance in the frame, the
  model and did its name gives, its port, address and mac (TXT "mac", or the
  "mac=" inside a broken "poch" value) where the frame has them.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MIIO_PORT = 54321
MDNS_PORT = 5353
DNS_TYPES = {1: "A", 12: "PTR", 16: "TXT", 28: "AAAA", 33: "SRV", 47: "NSEC", 255: "ANY"}
FIELDS = ["frame.number", "ip.src", "ip.dst", "udp.srcport", "udp.dstport", "udp.payload",
          "dns.qry.name", "dns.resp.name", "dns.a", "dns.srv.port", "dns.ptr.domain_name", "_ws.malformed"]


# ------------------------------------------------------------------ tshark
def run_tshark(capture, args):
    empty = tempfile.mkdtemp(prefix="halan-decode-")
    os.chmod(empty, 0o755)
    home = os.path.join(empty, "home")
    plugins = os.path.join(empty, "plugins")
    os.mkdir(home)
    os.mkdir(plugins)
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, WIRESHARK_PLUGIN_DIR=plugins)
    pre = []
    if os.geteuid() == 0:   # Wireshark ignores WIRESHARK_PLUGIN_DIR for root
        os.chown(home, 65534, 65534)
        pre = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    try:
        protocols = subprocess.run(pre + ["tshark", "-G", "protocols"], capture_output=True, text=True,
                                   env=env, cwd=empty, check=True).stdout
        names = {line.split("\t")[2] for line in protocols.splitlines() if line.count("\t") >= 2}
        if names & {"miio", "micloud", "roborock"}:
            raise SystemExit("decode.py: tshark still loads this project's plugin")
        with open(capture, "rb") as f:
            return subprocess.run(pre + ["tshark", "-r", "-"] + args, stdin=f, capture_output=True, text=True,
                                  env=env, cwd=empty, check=True).stdout
    finally:
        shutil.rmtree(empty, ignore_errors=True)


def frames(capture):
    args = ["-Y", "udp", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in FIELDS:
        args += ["-e", f]
    out = []
    for line in run_tshark(capture, args).splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        row = dict(zip(FIELDS, cols))
        out.append(row)
    return out


# ------------------------------------------------------------------ miIO
def md5(b):
    return hashlib.md5(b).digest()


def decrypt(token, ct):
    key = md5(token)
    iv = md5(key + token)
    dec = Cipher(algorithms.AES128(key), modes.CBC(iv)).decryptor()
    data = dec.update(ct) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(data) + unpadder.finalize()


def miio32(p):
    """The fields of a 32-byte miIO frame (no crypto needed)."""
    did64, stamp = struct.unpack(">QI", p[4:16])
    ids = {"did64": did64, "did64_hex": "%016x" % did64, "did_hi": did64 >> 32, "did_lo": did64 & 0xFFFFFFFF}
    if p[4:16] == b"\xff" * 12 and p[16:20] == b"MDID":
        mdid = struct.unpack(">Q", p[20:28])[0]
        return {"type": "ha_probe", "length": struct.unpack(">H", p[2:4])[0], "mdid": mdid,
                "mdid_hex": "%016x" % mdid, "tail_hex": p[28:32].hex()}
    if p[4:32] == b"\xff" * 28:
        return {"type": "hello", "length": 32}
    if p[16:20] == b"MSUB" and p[24:27] == b"PUB":
        return {"type": "msub", "length": 32, **ids, "stamp": stamp, "msub_ts": struct.unpack(">I", p[20:24])[0],
                "msub_type": p[27], "wildcard_byte": p[28], "wildcard": p[28] == 0xFE, "tail_hex": p[29:32].hex()}
    if p[16:32] == b"\xff" * 16:
        return {"type": "hello_reply", "length": 32, **ids, "stamp": stamp}
    return {"type": "other32", "length": 32, **ids, "stamp": stamp, "checksum_hex": p[16:32].hex()}


def miio_frame(p, tokens, to_device):
    if len(p) == 32:
        return miio32(p)
    length = struct.unpack(">H", p[2:4])[0]
    did64, stamp = struct.unpack(">QI", p[4:16])
    out = {"type": "data", "length": length, "length_ok": length == len(p), "did64": did64,
           "did64_hex": "%016x" % did64, "did_hi": did64 >> 32, "did_lo": did64 & 0xFFFFFFFF, "stamp": stamp,
           "direction": "to_device" if to_device else "from_device"}
    token = tokens.get(did64)
    if token is None:
        out["checksum_ok"] = None
        return out
    out["checksum_ok"] = md5(p[:16] + token + p[32:length]) == p[16:32]
    plain = decrypt(token, p[32:length])
    text = plain.rstrip(b"\x00")
    out["trailing_nul"] = len(text) != len(plain)
    out["plaintext"] = text.decode("utf-8")
    obj = json.loads(text)
    out["json"] = obj
    out["id"] = obj.get("id")
    if "method" in obj:
        out["method"] = obj["method"]
        out["message"] = "request"
        out["initiator"] = "client" if to_device else "device"
    else:
        out["message"] = "reply"
        out["initiator"] = "device" if to_device else "client"
    return out


def link_replies(lines):
    """A reply answers the latest unanswered request with the same id, device
    and the swapped end points."""
    pending = {}
    for line in lines:
        if line.get("type") != "data" or "message" not in line:
            continue
        if line["message"] == "request":
            pending[(line["did64"], line["id"], line["src"], line["dst"])] = line
        else:
            req = pending.pop((line["did64"], line["id"], line["dst"], line["src"]), None)
            if req is not None:
                req["replied_by"] = line["frame"]
                line["reply_to"] = req["frame"]


# ------------------------------------------------------------------ DNS
class DNSError(Exception):
    pass


def read_name(msg, off, depth=0):
    labels = []
    end = None
    while True:
        if off >= len(msg) or depth > 20:
            raise DNSError("name out of bounds")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            ptr = struct.unpack(">H", msg[off:off + 2])[0] & 0x3FFF
            if end is None:
                end = off + 2
            off = ptr
            depth += 1
            continue
        off += 1
        if n == 0:
            break
        labels.append(msg[off:off + n].decode("utf-8", "backslashreplace"))
        off += n
    return ".".join(labels), (end if end is not None else off)


def parse_txt(rdata):
    strings, i, malformed = [], 0, False
    while i < len(rdata):
        n = rdata[i]
        s = rdata[i + 1:i + 1 + n]
        if i + 1 + n > len(rdata):
            malformed = True
        strings.append(s)
        i += 1 + n
    pairs = {}
    for s in strings:   # as python-zeroconf reads them: first '=' splits, first key wins
        key, eq, value = s.partition(b"=")
        k = key.decode("utf-8", "backslashreplace")
        if k not in pairs:
            pairs[k] = value.decode("utf-8", "backslashreplace") if eq else None
    return {"rdata_hex": rdata.hex(), "strings": [s.decode("utf-8", "backslashreplace") for s in strings],
            "malformed": malformed, "pairs": pairs}


def read_rr(msg, off):
    name, off = read_name(msg, off)
    if off + 10 > len(msg):
        raise DNSError("record header out of bounds")
    rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
    off += 10
    rdata = msg[off:off + rdlen]
    if len(rdata) != rdlen:
        raise DNSError("rdata out of bounds")
    rr = {"name": name, "type": DNS_TYPES.get(rtype, rtype), "cache_flush": bool(rclass & 0x8000),
          "class": rclass & 0x7FFF, "ttl": ttl}
    if rtype == 12:
        rr["rdata"] = {"target": read_name(msg, off)[0]}
    elif rtype == 33:
        prio, weight, port = struct.unpack(">HHH", rdata[:6])
        rr["rdata"] = {"priority": prio, "weight": weight, "port": port, "target": read_name(msg, off + 6)[0]}
    elif rtype == 16:
        rr["rdata"] = parse_txt(rdata)
    elif rtype == 1:
        rr["rdata"] = {"address": ".".join(str(b) for b in rdata)}
    elif rtype == 47:
        nxt, o = read_name(msg, off)
        types = []
        while o < off + rdlen:
            block, blen = msg[o], msg[o + 1]
            bitmap = msg[o + 2:o + 2 + blen]
            for i, byte in enumerate(bitmap):
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        t = block * 256 + i * 8 + bit
                        types.append(DNS_TYPES.get(t, t))
            o += 2 + blen
        rr["rdata"] = {"next": nxt, "types": types}
    else:
        rr["rdata"] = {"hex": rdata.hex()}
    return rr, off + rdlen


def parse_dns(msg):
    ident, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", msg[:12])
    off = 12
    out = {"id": ident, "flags": "%04x" % flags, "qr": bool(flags & 0x8000), "questions": []}
    for _ in range(qd):
        name, off = read_name(msg, off)
        qtype, qclass = struct.unpack(">HH", msg[off:off + 4])
        off += 4
        out["questions"].append({"name": name, "type": DNS_TYPES.get(qtype, qtype), "qu": bool(qclass & 0x8000)})
    for key, count in (("answers", an), ("authorities", ns), ("additionals", ar)):
        out[key] = []
        for _ in range(count):
            rr, off = read_rr(msg, off)
            out[key].append(rr)
    if off != len(msg):
        out["trailing_bytes"] = len(msg) - off
    return out


def miio_identities(dns):
    """What the frame says about _miio._udp.local instances."""
    rrs = dns["answers"] + dns["authorities"] + dns["additionals"]
    instances = {}
    for rr in rrs:
        for name in ([rr["rdata"]["target"]] if rr["type"] == "PTR" else []) + [rr["name"]]:
            m = re.fullmatch(r"(.+)_miio(\d+)\._miio\._udp\.local", name)
            if m:
                instances.setdefault(name, {"instance": name, "model": m.group(1).replace("-", "."),
                                            "did": int(m.group(2))})
    for name, ident in instances.items():
        for rr in rrs:
            if rr["name"] != name:
                continue
            if rr["type"] == "SRV":
                ident["port"] = rr["rdata"]["port"]
                ident["host"] = rr["rdata"]["target"]
                ident["ttl_srv"] = rr["ttl"]
            elif rr["type"] == "TXT":
                pairs = rr["rdata"]["pairs"]
                mac = pairs.get("mac")
                if mac is None and pairs.get("poch"):
                    m = re.search(r"mac=(\w+)", pairs["poch"])
                    mac = m.group(1) if m else None
                    ident["txt_broken"] = True
                ident["mac"] = mac
        host = ident.get("host")
        addrs = [rr["rdata"]["address"] for rr in rrs if rr["type"] == "A" and rr["name"] == host]
        if addrs:
            ident["address"] = addrs[0]
    return list(instances.values())


# ------------------------------------------------------------------ decode
def decode(capture, tokens):
    lines, tshark_checks, payloads = [], [], {}
    for row in frames(capture):
        payloads[int(row["frame.number"])] = row["udp.payload"]
        p = bytes.fromhex(row["udp.payload"])
        sport, dport = int(row["udp.srcport"]), int(row["udp.dstport"])
        line = {"frame": int(row["frame.number"]), "src": "%s:%d" % (row["ip.src"], sport),
                "dst": "%s:%d" % (row["ip.dst"], dport), "len": len(p)}
        if MDNS_PORT in (sport, dport):
            line["proto"] = "mdns"
            dns = parse_dns(p)
            line.update(dns)
            line["miio_identities"] = miio_identities(dns)
            tshark_checks.append((line, row))
        elif MIIO_PORT in (sport, dport) and p[:2] == b"\x21\x31":
            line["proto"] = "miio"
            line["broadcast"] = row["ip.dst"] == "255.255.255.255"
            line.update(miio_frame(p, tokens, dport == MIIO_PORT))
        else:
            line["proto"] = "other"
            line["hex"] = p.hex()
        lines.append(line)
    link_replies(lines)
    errors = []
    for line, row in tshark_checks:
        errors += check_against_tshark(line, row)
    return lines, payloads, errors


def check_against_tshark(line, row):
    """This file's DNS reading against tshark's own fields (a prefix of them
    where tshark stopped at a malformed record)."""
    def split(v):
        return v.split("|") if v else []
    errs = []
    mine_q = [q["name"] for q in line["questions"]]
    rrs = line["answers"] + line["authorities"] + line["additionals"]
    # (tshark shows an SRV record's owner name split into dns.srv.* fields,
    # not as dns.resp.name)
    mine = {"dns.qry.name": mine_q, "dns.resp.name": [r["name"] for r in rrs if r["type"] != "SRV"],
            "dns.a": [r["rdata"]["address"] for r in rrs if r["type"] == "A"],
            "dns.srv.port": [str(r["rdata"]["port"]) for r in rrs if r["type"] == "SRV"],
            "dns.ptr.domain_name": [r["rdata"]["target"] for r in rrs if r["type"] == "PTR"]}
    malformed = bool(row["_ws.malformed"])
    for field, values in mine.items():
        theirs = split(row[field])
        ok = values[:len(theirs)] == theirs if malformed else values == theirs
        if not ok:
            errs.append("frame %d: %s: tshark %s, decode.py %s" % (line["frame"], field, theirs, values))
    line["tshark_malformed"] = malformed
    return errs


# ------------------------------------------------------------------ checks
def compare_truth(lines, payloads, truth):
    errs = []
    miio = [l for l in lines if l["proto"] == "miio"]
    used = set()
    # 1. Every device line is a frame of the capture (same bytes, same end points, in order).
    cursor = {}
    for t in truth:
        if t.get("side") != "device" or "hex" not in t:
            continue
        want_src, want_dst = (t["peer"], t["local"]) if t["dir"] == "in" else (t["local"], t["peer"])
        key = (t["device"], t["dir"])
        start = cursor.get(key, 0)
        hit = None
        for line in miio:
            if line["frame"] <= start or payloads[line["frame"]] != t["hex"]:
                continue
            if line["src"] != want_src:
                continue
            if line["dst"] != want_dst and not (t.get("broadcast") and line["broadcast"]):
                continue
            hit = line
            break
        if hit is None:
            errs.append("device line not in the capture: %s %s %s %s" % (t["device"], t["dir"], t.get("kind"),
                                                                         t["hex"][:64]))
            continue
        cursor[key] = hit["frame"]
        used.add(hit["frame"])
        if "json" in t and hit.get("json") != t["json"]:
            errs.append("frame %d: JSON %s, device %s" % (hit["frame"], hit.get("json"), t["json"]))
        if "plaintext" in t and hit.get("plaintext") != t["plaintext"].rstrip("\x00"):
            errs.append("frame %d: plaintext differs from the device's" % hit["frame"])
        kind = {"probe": "ha_probe", "msub": "msub", "hello": "hello", "hello_reply": "hello_reply"}.get(t.get("kind"))
        if kind and hit["type"] != kind:
            errs.append("frame %d: type %s, device says %s" % (hit["frame"], hit["type"], t["kind"]))
        if t.get("kind") == "msub":
            for k in ("msub_ts", "msub_type", "wildcard", "stamp"):
                if hit[k] != t[k]:
                    errs.append("frame %d: %s %s, device %s" % (hit["frame"], k, hit[k], t[k]))
        if t.get("kind") == "probe" and hit["mdid"] != t["mdid"]:
            errs.append("frame %d: mdid %s, device %s" % (hit["frame"], hit["mdid"], t["mdid"]))
    for line in miio:
        if line["frame"] not in used:
            errs.append("frame %d: a miIO frame no device logged" % line["frame"])
    # 2. The client's view.
    requests = [l for l in miio if l.get("message") == "request" and l["initiator"] == "client"]
    pushes = [l for l in miio if l.get("message") == "request" and l["initiator"] == "device"]
    frame_by_no = {l["frame"]: l for l in lines}
    probes = [l for l in miio if l["type"] == "ha_probe"]
    for t in truth:
        if t.get("side") == "handmade":
            got = miio32(bytes.fromhex(t["hex"]))
            if got["type"] != {"probe": "ha_probe", "msub": "msub"}[t["kind"]]:
                errs.append("handmade %s: decoded as %s" % (t["kind"], got["type"]))
            for k, v in t["fields"].items():
                if got.get(k) != v:
                    errs.append("handmade %s: %s %s, line says %s" % (t["kind"], k, got.get(k), v))
            continue
        if t.get("side") != "client":
            continue
        kind = t.get("kind")
        if kind == "probe_built":
            if not probes or any(payloads[p["frame"]] != t["hex"] for p in probes):
                errs.append("the probes in the capture are not the one the integration built")
        elif kind == "call" and t["call"] in ("get_prop_async", "set_prop_async", "action_async"):
            method = {"get_prop_async": "get_properties", "set_prop_async": "set_properties",
                      "action_async": "action"}[t["call"]]
            a = t["args"]
            req = None
            for r in requests:
                if r["method"] != method or r.get("_taken"):
                    continue
                prm = r["json"]["params"]
                prm = prm[0] if isinstance(prm, list) else prm
                if prm.get("did") == a["did"] and prm.get("siid") == a["siid"] and \
                        prm.get("piid", prm.get("aiid")) == a.get("piid", a.get("aiid")):
                    req = r
                    break
            if req is None or "replied_by" not in req:
                errs.append("call %s %s: no request/reply in the capture" % (t["call"], a))
                continue
            req["_taken"] = True
            reply = frame_by_no[req["replied_by"]]["json"]
            if req["json"].get("from") != "ha.xiaomi_home":
                errs.append("frame %d: no \"from\":\"ha.xiaomi_home\"" % req["frame"])
            want = {"get_prop_async": lambda r: r["result"][0].get("value"),
                    "set_prop_async": lambda r: r["result"][0],
                    "action_async": lambda r: r["result"]}[t["call"]](reply)
            if want != t.get("result"):
                errs.append("call %s %s: result %s, reply frame %d says %s" % (t["call"], a, t.get("result"),
                                                                               req["replied_by"], want))
        elif kind in ("prop_handler", "event_handler"):
            want = t["param"] if kind == "prop_handler" else t["params"]
            hit = False
            for push in pushes:
                prm = push["json"]["params"]
                if (want in prm) if isinstance(prm, list) else (want == prm):
                    hit = "replied_by" in push and frame_by_no[push["replied_by"]]["json"] == \
                        {"id": push["id"], "result": {"code": 0}}
                    break
            if not hit:
                errs.append("%s %s: no push with an acknowledgement in the capture" % (kind, want))
        elif kind == "python-miio":
            req = None
            for r in requests:
                if r["method"] == t["method"] and r["json"].get("params") == t["params"] and not r.get("_taken"):
                    req = r
                    break
            if req is None or "replied_by" not in req:
                errs.append("python-miio %s: no request/reply" % t["method"])
                continue
            req["_taken"] = True
            if frame_by_no[req["replied_by"]]["json"].get("result") != t.get("result"):
                errs.append("python-miio %s: result differs from frame %d" % (t["method"], req["replied_by"]))
        elif kind == "mdns_seen":
            found = [i for l in lines if l["proto"] == "mdns" for i in l["miio_identities"]
                     if i["instance"] == t["name"].rstrip(".") and "mac" in i]
            txts = [rr["rdata"] for l in lines if l["proto"] == "mdns"
                    for rr in l["answers"] + l["additionals"]
                    if rr["type"] == "TXT" and rr["name"] == t["name"].rstrip(".")]
            if not found:
                errs.append("mdns_seen %s: not in any frame" % t["name"])
                continue
            i = found[0]
            if [i.get("address")] != t["addresses"] or i.get("port") != t["port"] or i.get("mac") != t["ha_mac"] \
                    or i["model"] != t["name_model"] or i["did"] != t["name_did"]:
                errs.append("mdns_seen %s: frame says %s" % (t["name"], i))
            if not txts or any(x["rdata_hex"] != t["txt_rdata_hex"] or x["pairs"] != t["properties"]
                               for x in txts):
                errs.append("mdns_seen %s: TXT differs" % t["name"])
    for t in truth:
        if t.get("kind") == "mdns_registered":
            txts = [rr["rdata"]["rdata_hex"] for l in lines if l["proto"] == "mdns"
                    and l["src"].startswith(t["address"] + ":") for rr in l["answers"] + l["additionals"]
                    if rr["type"] == "TXT" and rr["name"] == t["instance"].rstrip(".")]
            if not txts or set(txts) != {t["txt_rdata_hex"]}:
                errs.append("mdns_registered %s: TXT in frames %s" % (t["device"], set(txts)))
    for line in lines:
        line.pop("_taken", None)
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("--token", action="append", default=[], metavar="DID:TOKEN")
    ap.add_argument("--write", action="store_true", help="write NAME.expected.jsonl")
    ap.add_argument("--check", action="store_true", help="compare with NAME.expected.jsonl and NAME.truth.jsonl")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    tokens = {int(d): bytes.fromhex(t) for d, t in (x.split(":") for x in args.token)}
    base = args.capture[:-len(".pcapng")]
    lines, payloads, errs = decode(args.capture, tokens)
    truth = [json.loads(l) for l in open(base + ".truth.jsonl")]
    errs += compare_truth(lines, payloads, truth)
    text = "".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines)
    if args.write:
        with open(base + ".expected.jsonl", "w") as f:
            f.write(text)
    if args.check:
        old = open(base + ".expected.jsonl").read()
        if old != text:
            errs.append("%s.expected.jsonl differs from this decoding" % base)
    for e in errs:
        print("decode.py: " + e, file=sys.stderr)
    if not args.quiet:
        print("%s: %d frames (%d miIO, %d mDNS), %d problems" % (
            args.capture, len(lines), sum(l["proto"] == "miio" for l in lines),
            sum(l["proto"] == "mdns" for l in lines), len(errs)))
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
