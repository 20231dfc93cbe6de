#!/usr/bin/env python3
"""Independent decoder of the hacloud-* captures (the Xiaomi Home
integration's cloud): reads the capture with tshark's own TLS (the key log),
HTTP and MQTT dissectors, with this project's plugin and any personal
Wireshark configuration kept out (`tshark -T json -x`, run with the global
plugin folders hidden in a private mount namespace, or with the plugin's
protocols disabled where that cannot be done), then parses on its own:

  HTTP/1.1   the request and status lines and headers from the bytes tshark
             delimited (http_raw), the bodies (http.file_data), JSON by
             Python's json; checked against tshark's own http.* fields.
  MQTT 5     every control packet from the bytes tshark delimited
             (mqtt_raw): CONNECT (client id, user, password), SUBSCRIBE,
             SUBACK, PUBLISH (topic, packet id, payload, JSON), PUBACK,
             DISCONNECT...; checked against tshark's mqtt.* fields.
  miIO       UDP 54321 frames decrypted with the token that the decoded
             device_list_page reply gives for the device's `localip`
             (AES-128-CBC, key MD5(token), IV MD5(key ‖ token), checksum
             MD5(header ‖ token ‖ data)); python3-cryptography, hashlib.

  decode.py CAPTURE.pcapng [--keys K] [--quiet]
      prints what it decoded; writes CAPTURE.expected.jsonl
  decode.py --check CAPTURE.pcapng [--keys K] [--quiet]
      also compares with CAPTURE.truth.jsonl (the server's or the cloud
      publisher's lines and the client's) and with an existing
      CAPTURE.expected.jsonl; writes nothing; exit 1 on any mismatch.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PLUGIN_PROTOCOLS = ("miio", "micloud", "roborock")   # disabled if the plugin folders cannot be hidden


# ------------------------------------------------------------ tshark
class Obj(list):
    """A JSON object as its (key, value) pairs: tshark repeats keys."""


def flatten(obj, out):
    """(field, value) pairs in tree order; *_raw values are their hex."""
    for k, v in obj:
        items = v if isinstance(v, list) and not isinstance(v, Obj) and not k.endswith("_raw") else [v]
        for item in items:
            if isinstance(item, Obj):
                flatten(item, out)
            elif k.endswith("_raw"):
                out.append((k, item[0] if isinstance(item, list) else item))
            else:
                out.append((k, item))
    return out


def plugin_dirs():
    dirs = []
    res = subprocess.run(["tshark", "-G", "folders"], capture_output=True, text=True)
    for line in res.stdout.splitlines():
        name, _, path = line.partition(":")
        if name.strip() in ("Global Plugins", "Personal Plugins") and os.path.isdir(path.strip()):
            dirs.append(path.strip())
    return dirs


def run_tshark(args):
    """tshark ARGS without this project's plugin or personal preferences."""
    home = tempfile.mkdtemp(prefix="hacloud-decode-")
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home)
    try:
        cmd = ["tshark"] + args
        dirs = plugin_dirs() if os.geteuid() == 0 and shutil.which("unshare") else []
        if dirs:
            hide = " && ".join("mount -t tmpfs none %s" % d for d in dirs)
            res = subprocess.run(["unshare", "-m", "sh", "-c", hide + ' && exec "$@"', "sh"] + cmd,
                                 capture_output=True, env=env)
            if res.returncode == 0:
                return res.stdout
        known = subprocess.run(["tshark", "-G", "protocols"], capture_output=True, text=True, env=env).stdout
        names = {line.split("\t")[2] for line in known.splitlines() if line.count("\t") >= 2}
        for p in PLUGIN_PROTOCOLS:
            if p in names:
                cmd += ["--disable-protocol", p]
        return subprocess.run(cmd, capture_output=True, check=True, env=env).stdout
    finally:
        shutil.rmtree(home, ignore_errors=True)


def packets(pcap, keys):
    raw = run_tshark(["-r", pcap, "-o", "tls.keylog_file:" + keys, "-T", "json", "-x"])
    return [flatten(dict_get(p, "_source", "layers"), []) for p in json.loads(raw, object_pairs_hook=Obj)]


def dict_get(obj, *path):
    for key in path:
        obj = next(v for k, v in obj if k == key)
    return obj


def first(fields, name, default=None):
    return next((v for k, v in fields if k == name), default)


# ------------------------------------------------------------ HTTP
def parse_http_head(data):
    """(start line, [[name, value], ...]) of an HTTP/1.1 head."""
    text = data.decode("latin-1")
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append([name, value.strip()])
    return lines[0], headers


def http_messages(pkts):
    msgs = []
    for fields in pkts:
        frame = int(first(fields, "frame.number"))
        base = {"tcp_stream": int(first(fields, "tcp.stream", "-1")), "src": first(fields, "ip.src"),
                "dst": first(fields, "ip.dst"), "sport": first(fields, "tcp.srcport"),
                "dport": first(fields, "tcp.dstport")}
        segments, raw, cur = [], None, None
        for k, v in fields:
            if k == "tls.segment":
                segments.append(int(v))
            elif k == "http_raw":
                raw = bytes.fromhex(v)
            elif k in ("http.request.method", "http.response.code"):
                cur = dict(base, frame=frame, frames=list(dict.fromkeys(segments or [frame])), head=raw,
                           tshark_lines=[], body=None)
                cur["tshark_method" if k == "http.request.method" else "tshark_status"] = v
                msgs.append(cur)
                segments, raw = [], None
            elif cur is None:
                continue
            elif k in ("http.request.line", "http.response.line"):
                cur["tshark_lines"].append(v)
            elif k == "http.request.uri":
                cur["tshark_uri"] = v
            elif k == "http.request_in":
                cur["request_in"] = int(v)
            elif k == "http.file_data_raw":
                cur["body"] = bytes.fromhex(v)
    return msgs


def decode_http(pkts, problems):
    sni = {}
    for fields in pkts:
        name = first(fields, "tls.handshake.extensions_server_name")
        if name:
            sni[int(first(fields, "tcp.stream"))] = name
    msgs = http_messages(pkts)
    reqs = [m for m in msgs if "tshark_method" in m]
    resps = {m["request_in"]: m for m in msgs if "tshark_status" in m}
    out = []
    for req in reqs:
        resp = resps.get(req["frame"])
        line, headers = parse_http_head(req["head"])
        method, target, version = line.split(" ")
        url = urllib.parse.urlsplit(target)
        host = dict((k.lower(), v) for k, v in headers).get("host", "")
        rec = {"kind": "http", "request_frame": req["frame"], "response_frame": resp and resp["frame"],
               "request_frames": req["frames"], "response_frames": resp and resp["frames"],
               "tcp_stream": req["tcp_stream"], "client": "%s:%s" % (req["src"], req["sport"]),
               "server": "%s:%s" % (req["dst"], req["dport"]), "sni": sni.get(req["tcp_stream"]),
               "method": method, "host": host, "path": url.path}
        if url.query:
            rec["query"] = [list(kv) for kv in urllib.parse.parse_qsl(url.query, keep_blank_values=True)]
        rec["request_headers"] = headers
        # tshark's own view must be the same message
        if req["tshark_method"] != method or req.get("tshark_uri") != target:
            problems.append("frame %d: tshark says %s %s" % (req["frame"], req["tshark_method"], req.get("tshark_uri")))
        if ["%s: %s\r\n" % (k, v) for k, v in headers] != req["tshark_lines"]:
            problems.append("frame %d: tshark's header lines differ" % req["frame"])
        if req["body"] is not None:
            rec["request_body"] = req["body"].decode()
            if headers and any(k.lower() == "content-type" and v.startswith("application/json") for k, v in headers):
                rec["request_json"] = json.loads(rec["request_body"])
        auth = dict((k.lower(), v) for k, v in headers).get("authorization")
        if auth is not None:
            rec["bearer_token"] = auth[len("Bearer"):] if auth.startswith("Bearer") else None
        if url.path == "/app/v2/ha/oauth/get_token":
            rec["api"] = "oauth"
            rec["query_json"] = json.loads(dict(urllib.parse.parse_qsl(url.query))["data"])
        elif url.path.startswith("/app/v2/"):
            rec["api"] = "app"
        else:
            rec["api"] = "account"
        if resp is None:
            problems.append("frame %d: no reply" % req["frame"])
            out.append(rec)
            continue
        sline, rheaders = parse_http_head(resp["head"])
        rec["status"] = int(sline.split(" ")[1])
        if str(rec["status"]) != resp["tshark_status"]:
            problems.append("frame %d: tshark status %s" % (resp["frame"], resp["tshark_status"]))
        if ["%s: %s\r\n" % (k, v) for k, v in rheaders] != resp["tshark_lines"]:
            problems.append("frame %d: tshark's reply header lines differ" % resp["frame"])
        rec["response_headers"] = rheaders
        rec["response"] = resp["body"].decode() if resp["body"] is not None else ""
        length = dict((k.lower(), v) for k, v in rheaders).get("content-length")
        if length is not None and int(length) != len(rec["response"].encode()):
            problems.append("frame %d: Content-Length %s, body %d" % (resp["frame"], length,
                                                                     len(rec["response"].encode())))
        try:
            rec["response_json"] = json.loads(rec["response"])
        except ValueError:
            pass
        out.append(rec)
    return out


# ------------------------------------------------------------ MQTT 5
def varint(b, i):
    mult, val = 1, 0
    while True:
        c = b[i]
        i += 1
        val += (c & 0x7F) * mult
        if not c & 0x80:
            return val, i
        mult *= 128


def utf8(b, i):
    n = int.from_bytes(b[i:i + 2], "big")
    return b[i + 2:i + 2 + n].decode("utf-8"), i + 2 + n


PROPS = {  # MQTT 5 property id -> (name, kind)
    0x01: ("payload_format_indicator", "byte"), 0x02: ("message_expiry_interval", "u32"),
    0x03: ("content_type", "str"), 0x08: ("response_topic", "str"), 0x09: ("correlation_data", "bin"),
    0x0B: ("subscription_identifier", "var"), 0x11: ("session_expiry_interval", "u32"),
    0x12: ("assigned_client_identifier", "str"), 0x13: ("server_keep_alive", "u16"),
    0x1F: ("reason_string", "str"), 0x21: ("receive_maximum", "u16"), 0x22: ("topic_alias_maximum", "u16"),
    0x23: ("topic_alias", "u16"), 0x24: ("maximum_qos", "byte"), 0x25: ("retain_available", "byte"),
    0x26: ("user_property", "pair"), 0x27: ("maximum_packet_size", "u32"),
    0x28: ("wildcard_subscription_available", "byte"), 0x29: ("subscription_identifier_available", "byte"),
    0x2A: ("shared_subscription_available", "byte"),
}


def properties(b, i):
    n, i = varint(b, i)
    end, props = i + n, {}
    while i < end:
        pid = b[i]
        i += 1
        name, kind = PROPS[pid]
        if kind == "byte":
            val, i = b[i], i + 1
        elif kind == "u16":
            val, i = int.from_bytes(b[i:i + 2], "big"), i + 2
        elif kind == "u32":
            val, i = int.from_bytes(b[i:i + 4], "big"), i + 4
        elif kind == "var":
            val, i = varint(b, i)
        elif kind == "str":
            val, i = utf8(b, i)
        elif kind == "bin":
            n2 = int.from_bytes(b[i:i + 2], "big")
            val, i = b[i + 2:i + 2 + n2].hex(), i + 2 + n2
        else:
            k, i = utf8(b, i)
            v, i = utf8(b, i)
            val = [k, v]
        props.setdefault(name, []).append(val) if kind == "pair" else props.__setitem__(name, val)
    return props, end


TYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP",
         8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
         14: "DISCONNECT", 15: "AUTH"}


def parse_mqtt(b):
    """One MQTT 5 control packet."""
    ptype, flags = b[0] >> 4, b[0] & 0x0F
    length, i = varint(b, 1)
    if i + length != len(b):
        raise ValueError("length %d, %d bytes" % (length, len(b) - i))
    p = {"type": TYPES[ptype]}
    if ptype == 1:
        name, i = utf8(b, i)
        p.update(protocol=name, version=b[i])
        cflags = b[i + 1]
        p["keep_alive"] = int.from_bytes(b[i + 2:i + 4], "big")
        p["clean_start"] = bool(cflags & 2)
        p["properties"], i = properties(b, i + 4)
        p["client_id"], i = utf8(b, i)
        if cflags & 4:
            p["will_properties"], i = properties(b, i)
            p["will_topic"], i = utf8(b, i)
            n = int.from_bytes(b[i:i + 2], "big")
            p["will_payload"], i = b[i + 2:i + 2 + n].decode("utf-8", "replace"), i + 2 + n
        if cflags & 0x80:
            p["username"], i = utf8(b, i)
        if cflags & 0x40:
            n = int.from_bytes(b[i:i + 2], "big")
            p["password"], i = b[i + 2:i + 2 + n].decode("utf-8"), i + 2 + n
    elif ptype == 2:
        p.update(session_present=bool(b[i] & 1), reason_code=b[i + 1])
        p["properties"], i = properties(b, i + 2)
    elif ptype == 3:
        p.update(qos=(flags >> 1) & 3, retain=bool(flags & 1), dup=bool(flags & 8))
        p["topic"], i = utf8(b, i)
        if p["qos"]:
            p["packet_id"], i = int.from_bytes(b[i:i + 2], "big"), i + 2
        p["properties"], i = properties(b, i)
        payload = b[i:]
        p["payload"] = payload.decode("utf-8")
        try:
            p["payload_json"] = json.loads(p["payload"])
        except ValueError:
            pass
    elif ptype in (4, 5, 6, 7):
        p["packet_id"] = int.from_bytes(b[i:i + 2], "big")
        if length > 2:
            p["reason_code"] = b[i + 2]
    elif ptype == 8:
        p["packet_id"] = int.from_bytes(b[i:i + 2], "big")
        p["properties"], i = properties(b, i + 2)
        p["topics"] = []
        while i < len(b):
            t, i = utf8(b, i)
            p["topics"].append({"topic": t, "qos": b[i] & 3, "options": b[i]})
            i += 1
    elif ptype == 9:
        p["packet_id"] = int.from_bytes(b[i:i + 2], "big")
        p["properties"], i = properties(b, i + 2)
        p["reason_codes"] = list(b[i:])
    elif ptype == 14 and length:
        p["reason_code"] = b[i]
        if length > 1:
            p["properties"], i = properties(b, i + 1)
    return p


def decode_mqtt(pkts, problems):
    out = []
    for fields in pkts:
        frame = int(first(fields, "frame.number"))
        src = "%s:%s" % (first(fields, "ip.src"), first(fields, "tcp.srcport"))
        dst = "%s:%s" % (first(fields, "ip.dst"), first(fields, "tcp.dstport"))
        raws, tshark_view, cur = [], [], None
        for k, v in fields:
            if k == "mqtt_raw":
                raws.append(bytes.fromhex(v))
            elif k == "mqtt.msgtype":
                cur = {"type": int(v)}
                tshark_view.append(cur)
            elif cur is not None and k in ("mqtt.topic", "mqtt.clientid", "mqtt.username", "mqtt.passwd",
                                           "mqtt.msgid", "mqtt.qos"):
                cur[k] = v
            elif cur is not None and k == "mqtt.msg_raw":
                cur["mqtt.msg"] = bytes.fromhex(v)
        if len(raws) != len(tshark_view):
            problems.append("frame %d: %d MQTT raws, %d MQTT trees" % (frame, len(raws), len(tshark_view)))
        for raw, view in zip(raws, tshark_view):
            p = parse_mqtt(raw)
            rec = {"kind": "mqtt", "frame": frame, "src": src, "dst": dst,
                   "direction": "to-broker" if dst.endswith(":8883") else "from-broker"}
            rec.update(p)
            out.append(rec)
            mine = [k for k, n in TYPES.items() if n == p["type"]][0]
            if view["type"] != mine:
                problems.append("frame %d: tshark's MQTT type %s, parsed %s" % (frame, view["type"], p["type"]))
            if "topic" in p and view.get("mqtt.topic") != p["topic"]:
                problems.append("frame %d: tshark's topic %r" % (frame, view.get("mqtt.topic")))
            if "payload" in p and view.get("mqtt.msg") != p["payload"].encode():
                problems.append("frame %d: tshark's message differs" % frame)
            if p["type"] == "CONNECT" and (view.get("mqtt.clientid"), view.get("mqtt.username"),
                                           view.get("mqtt.passwd")) != (p["client_id"], p.get("username"),
                                                                        p.get("password")):
                problems.append("frame %d: tshark's CONNECT fields differ" % frame)
    return out


# ------------------------------------------------------------ miIO
def miio_decrypt(data, token):
    key = hashlib.md5(token).digest()
    iv = hashlib.md5(key + token).digest()
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = dec.update(data) + dec.finalize()
    unpad = padding.PKCS7(128).unpadder()
    return unpad.update(padded) + unpad.finalize()


def decode_miio(pkts, tokens, problems):
    out = []
    for fields in pkts:
        if first(fields, "icmp.type") is not None:      # an ICMP error quoting a UDP header
            continue
        if first(fields, "udp.srcport") is None or 54321 not in (int(first(fields, "udp.srcport")),
                                                                 int(first(fields, "udp.dstport"))):
            continue
        payload = first(fields, "udp.payload_raw") or first(fields, "data.data_raw")
        d = bytes.fromhex(payload)
        frame = int(first(fields, "frame.number"))
        to_device = int(first(fields, "udp.dstport")) == 54321
        device_ip = first(fields, "ip.dst") if to_device else first(fields, "ip.src")
        rec = {"kind": "miio", "frame": frame, "src": "%s:%s" % (first(fields, "ip.src"), first(fields, "udp.srcport")),
               "dst": "%s:%s" % (first(fields, "ip.dst"), first(fields, "udp.dstport")),
               "direction": "to-device" if to_device else "from-device", "did_hex": d[8:12].hex(),
               "stamp": int.from_bytes(d[12:16], "big")}
        if len(d) == 32:
            rec["type"] = "hello" if to_device else "hello-reply"
            out.append(rec)
            continue
        entry = tokens.get(device_ip)
        if entry is None:
            rec["type"] = "undecrypted"
            out.append(rec)
            continue
        token = bytes.fromhex(entry["token"])
        rec.update(token_from_did=entry["did"], token_from_frame=entry["frame"])
        rec["checksum_ok"] = hashlib.md5(d[:16] + token + d[32:]).digest() == d[16:32]
        if not rec["checksum_ok"]:
            problems.append("frame %d: miIO checksum does not verify with the listed token" % frame)
        rec["json"] = json.loads(miio_decrypt(d[32:], token).rstrip(b"\x00").decode())
        rec["type"] = "request" if to_device else "reply"
        out.append(rec)
    return out


# ------------------------------------------------------------ all
def decode(pcap, keys):
    problems = []
    pkts = packets(pcap, keys)
    http = decode_http(pkts, problems)
    tokens = {}   # localip -> the listed device (the last device_list_page that lists it)
    for rec in http:
        reply = rec.get("response_json") or {}
        if rec["path"] == "/app/v2/home/device_list_page" and reply.get("code") == 0:
            rec["devices"] = []
            for d in reply["result"]["list"]:
                rec["devices"].append({k: d.get(k) for k in ("did", "model", "token", "localip", "mac")})
                if d.get("localip") and d.get("token"):
                    tokens[d["localip"]] = {"token": d["token"], "did": d["did"], "frame": rec["response_frame"]}
    records = http + decode_mqtt(pkts, problems) + decode_miio(pkts, tokens, problems)
    records.sort(key=lambda r: r.get("request_frame") or r.get("frame"))
    return records, problems


# ------------------------------------------------------------ checks
def check_http(records, truth, problems):
    http = [r for r in records if r["kind"] == "http"]
    server = [t for t in truth if t.get("kind") == "http"]
    if len(http) != len(server):
        problems.append("%d HTTP exchanges in the capture, %d in the server's truth" % (len(http), len(server)))
    for rec, t in zip(http, server):
        where = "frame %s (%s)" % (rec["request_frame"], t["path"])
        for key in ("method", "host", "sni", "path", "query", "request_headers", "request_body", "request_json",
                    "status", "response", "api"):
            if rec.get(key) != t.get(key):
                problems.append("%s: %s %.100r != truth %.100r" % (where, key, rec.get(key), t.get(key)))
        if rec["server"] != "%s:443" % t["server"] or int(rec["client"].split(":")[1]) != t["client_port"]:
            problems.append("%s: addresses %s -> %s, truth %s -> %s" % (where, rec["client"], rec["server"],
                                                                       t["client_port"], t["server"]))
        if "access_token" in t and rec.get("bearer_token") != t["access_token"]:
            problems.append("%s: bearer token differs" % where)
        if rec.get("response_headers") != t["response_headers"]:
            problems.append("%s: reply headers %s != truth %s" % (where, rec.get("response_headers"),
                                                                  t["response_headers"]))
    # The client's view: every reply the integration read, in order.
    seen = [h for t in truth if t.get("kind") == "client" for h in t.get("http", [])]
    if len(seen) != len(http):
        problems.append("the client read %d replies, the capture has %d" % (len(seen), len(http)))
    for rec, h in zip(http, seen):
        url = "https://%s%s" % (rec["host"], rec["path"])
        if rec.get("query"):
            url += "?" + urllib.parse.urlsplit(h["url"]).query
        if (h["method"], h["url"].split("?")[0], h["status"], h["text"]) != (rec["method"], url.split("?")[0],
                                                                            rec.get("status"), rec.get("response")):
            problems.append("frame %s: the client read %s %s -> %s %.60r" % (rec["request_frame"], h["method"],
                                                                           h["url"][:60], h["status"], h["text"]))
        if rec.get("query") and [list(kv) for kv in urllib.parse.parse_qsl(urllib.parse.urlsplit(h["url"]).query,
                                                                         keep_blank_values=True)] != rec["query"]:
            problems.append("frame %s: query differs from the client's URL" % rec["request_frame"])
    # What the integration made of the replies.
    calls = {t["call"]: t for t in truth if t.get("kind") == "client"}
    token_reply = next((r["response_json"]["result"] for r in http if r.get("api") == "oauth"), None)
    if token_reply and calls.get("get_access_token_async", {}).get("result", {}).get("access_token") != \
            token_reply["access_token"]:
        problems.append("the integration's access_token is not the get_token reply's")
    firsts = [r for r in http if r.get("api") == "app"]
    if token_reply and firsts and firsts[0].get("bearer_token") != token_reply["access_token"]:
        problems.append("the first API call's Bearer token is not the one the OAuth reply gave")
    listed = {d["did"]: d for r in http for d in r.get("devices", [])}
    got = (calls.get("get_devices_async") or {}).get("result", {}).get("devices", {})
    for did, d in got.items():
        if did not in listed or (d["token"], d["model"]) != (listed[did]["token"], listed[did]["model"]):
            problems.append("device %s: the integration's token/model are not the listed ones" % did)
    for t in truth:
        if t.get("kind") == "client" and t["call"] == "get_props_async":
            reply = json.loads(t["http"][0]["text"])
            if reply["result"] != t["result"]:
                problems.append("get_props_async returned something else than the reply's result")
    # python-miio: decrypted with the listed token, the same calls.
    local = [t for t in truth if t.get("kind") == "miio"]
    reqs = [r for r in records if r["kind"] == "miio" and r["type"] == "request"]
    replies = [r for r in records if r["kind"] == "miio" and r["type"] == "reply"]
    if len(local) != len(reqs) or len(local) != len(replies):
        problems.append("%d local calls in the truth, %d requests and %d replies decrypted"
                        % (len(local), len(reqs), len(replies)))
    for t, q, a in zip(local, reqs, replies):
        if q["json"].get("method") != t["method"] or a["json"].get("result") != t["result"]:
            problems.append("frame %d: miIO %r / %.80r != truth %s %.80r" % (q["frame"], q["json"].get("method"),
                                                                           a["json"].get("result"), t["method"],
                                                                           t["result"]))
        if a["json"].get("id") != q["json"].get("id"):
            problems.append("frame %d: reply id %s for request id %s" % (a["frame"], a["json"].get("id"),
                                                                      q["json"].get("id")))
        if q["did_hex"] != t["did_hex"] and q["did_hex"] != "ffffffff":
            problems.append("frame %d: did %s != %s" % (q["frame"], q["did_hex"], t["did_hex"]))
        if t["token"] != listed.get(t["did"], {}).get("token") or q["token_from_did"] != t["did"]:
            problems.append("frame %d: not decrypted with the listed device's token" % q["frame"])


def check_mqtt(records, truth, problems):
    mqtt = [r for r in records if r["kind"] == "mqtt"]
    conn = next((r for r in mqtt if r["type"] == "CONNECT"), None)
    c = next((t for t in truth if t.get("call") == "connect_async"), None)
    if conn is None or c is None:
        problems.append("no CONNECT in the capture or the truth")
        return
    if (conn["client_id"], conn.get("username"), conn.get("password"), conn["version"]) != \
            (c["client_id"], c["username"], c["password"], 5):
        problems.append("frame %d: CONNECT %s/%s is not the client's" % (conn["frame"], conn["client_id"],
                                                                       conn.get("username")))
    subs = [s["topic"] for r in mqtt if r["type"] == "SUBSCRIBE" for s in r["topics"]]
    want = next((t["topics"] for t in truth if t.get("call") == "subscribed"), [])
    if subs != want:
        problems.append("SUBSCRIBE topics %s != the client's %s" % (subs, want))
    acks = [r for r in mqtt if r["type"] == "SUBACK"]
    if len(acks) != len(subs) or any(r["reason_codes"] != [2] for r in acks):
        problems.append("SUBACKs: %s" % [r["reason_codes"] for r in acks])
    pubs = [r for r in mqtt if r["type"] == "PUBLISH" and r["direction"] == "from-broker"]
    published = [t for t in truth if t.get("kind") == "publish"]
    received = [t for t in truth if t.get("kind") == "mqtt_message"]
    if not (len(pubs) == len(published) == len(received)):
        problems.append("%d PUBLISH to the client, %d published, %d received"
                        % (len(pubs), len(published), len(received)))
    for rec, p, r in zip(pubs, published, received):
        if (rec["topic"], rec["payload"], rec["qos"]) != (p["topic"], p["payload"], p["qos"]) or \
                (rec["topic"], rec["payload"]) != (r["topic"], r["payload"]):
            problems.append("frame %d: PUBLISH %s %.60r differs from the truth" % (rec["frame"], rec["topic"],
                                                                                  rec["payload"]))
    acked = {r["packet_id"] for r in mqtt if r["type"] == "PUBACK" and r["direction"] == "to-broker"}
    if {r.get("packet_id") for r in pubs} - acked:
        problems.append("PUBLISH without the client's PUBACK: %s" % ({r.get("packet_id") for r in pubs} - acked))
    # the integration's handlers saw the payload's params
    handled = [t for t in truth if t.get("kind") == "handler" and "params" in t]
    wanted = [r["payload_json"]["params"] for r in pubs if isinstance(r.get("payload_json", {}).get("params"), dict)]
    for h, w in zip(handled, wanted):
        params = dict(h["params"])
        params.pop("from", None)      # the integration adds "from": "cloud" to events
        if params != w:
            problems.append("handler params %s != payload params %s" % (h["params"], w))
    if len(handled) != len(wanted):
        problems.append("%d messages handed to the integration's handlers, %d with params" % (len(handled),
                                                                                              len(wanted)))


def summary(rec):
    if rec["kind"] == "http":
        return "frames %4s/%-4s %s %s%s -> %s %s" % (rec["request_frame"], rec["response_frame"], rec["method"],
                                                   rec["host"], rec["path"], rec.get("status"),
                                                   (rec.get("response") or "")[:70])
    if rec["kind"] == "mqtt":
        extra = rec.get("topic") or rec.get("client_id") or ",".join(t["topic"] for t in rec.get("topics", []))
        return "frame %5d       MQTT %-10s %s %s" % (rec["frame"], rec["type"], extra or "",
                                                    (rec.get("payload") or "")[:80])
    body = json.dumps(rec.get("json"), ensure_ascii=False) if "json" in rec else ""
    return "frame %5d       miIO %-11s %s -> %s did %s %s" % (rec["frame"], rec["type"], rec["src"], rec["dst"],
                                                             rec["did_hex"], body[:80])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("capture")
    ap.add_argument("--keys")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    stem = args.capture[:-len(".pcapng")] if args.capture.endswith(".pcapng") else args.capture
    records, problems = decode(args.capture, args.keys or stem + ".keys")
    if not args.quiet:
        for rec in records:
            print(summary(rec))
    expected_path = stem + ".expected.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
    if args.check:
        with open(stem + ".truth.jsonl", encoding="utf-8") as f:
            truth = [json.loads(line) for line in f if line.strip()]
        if any(t.get("kind") == "http" for t in truth):
            check_http(records, truth, problems)
        if any(t.get("kind") == "publish" for t in truth):
            check_mqtt(records, truth, problems)
        if os.path.exists(expected_path):
            with open(expected_path, encoding="utf-8") as f:
                if f.readlines() != lines:
                    problems.append("%s differs from this decoding" % expected_path)
        else:
            problems.append("no %s" % expected_path)
    else:
        with open(expected_path, "w", encoding="utf-8") as f:
            f.writelines(lines)
    for p in problems:
        print("MISMATCH " + p)
    counts = {k: sum(r["kind"] == k for r in records) for k in ("http", "mqtt", "miio")}
    print("%s: %d HTTP exchanges, %d MQTT packets, %d miIO frames; %s" % (
        os.path.basename(args.capture), counts["http"], counts["mqtt"], counts["miio"],
        ("%d mismatches" % len(problems)) if problems else ("agrees with the truth" if args.check else "decoded")))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
