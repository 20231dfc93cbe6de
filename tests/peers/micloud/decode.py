#!/usr/bin/env python3
"""Independent decoder of the micloud-* captures: reads the HTTP messages as
tshark's own TLS, HTTP/1.1, HTTP/2 and urlencoded-form dissectors give them
(`tshark -r CAPTURE -o tls.keylog_file:KEYS -T json -x`), then decrypts the Mi
Home RC4 API with its own code (python3-cryptography's ARC4, hashlib; nothing
from micloud or server.py):

  key        = SHA-256(base64dec(ssecurity) ‖ base64dec(_nonce))
  value      = base64(RC4(key) with 1024 keystream bytes dropped, fresh per value)
  rc4_hash__ = base64(SHA-1("POST&<path>&k=v&…&" + base64(key))), plaintext params before it
  signature  = the same over the encrypted params before it
  response   = base64 of RC4(key) of the JSON text

<path> is the URL path without "/app". The ssecurity comes from the capture's
serviceLoginAuth2 reply if it has one, else from the `ssecurity` form field
micloud sends in clear, else from --ssecurity (what a user configures); the
first that verifies rc4_hash__ and signature is used ("ssecurity_source").
The local miIO frames (UDP 54321) are decrypted with the token of the device
whose `localip` the decrypted device list gives for the frame's device
address (AES-128-CBC, key MD5(token), IV MD5(key ‖ token)).

  decode.py CAPTURE.pcapng [--keys K] [--ssecurity S]... [--quiet]
      prints each exchange and its frame numbers; writes CAPTURE.expected.jsonl
  decode.py --check CAPTURE.pcapng [--keys K] [--ssecurity S]...
      also compares with CAPTURE.truth.jsonl (and an existing
      CAPTURE.expected.jsonl); writes nothing; exit 1 on any mismatch

Every decrypted value is also checked: rc4_hash__ and signature must verify,
tshark's urlencoded-form pairs must equal the raw body parsed here, and
micloud's own results (truth lines "kind":"micloud") must equal the decrypted
replies.
"""
import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import urllib.parse

try:  # cryptography >= 43 keeps ARC4 among the "decrepit" algorithms
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
except ImportError:
    from cryptography.hazmat.primitives.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives import padding


# ------------------------------------------------------------ tshark's view
class Obj(list):
    """A JSON object as its (key, value) pairs: tshark repeats keys."""


def flatten(obj, out):
    """(field, value) pairs in tree order; ("<h2 frame>", None) marks the
    start of each HTTP/2 frame's subtree; *_raw values are their hex."""
    for k, v in obj:
        if isinstance(v, Obj):
            if k == "http2.stream":
                out.append(("<h2 frame>", None))
            flatten(v, out)
        elif k.endswith("_raw"):
            out.append((k, v[0] if isinstance(v, list) else v))
        elif isinstance(v, list):
            for item in v:
                if isinstance(item, Obj):
                    if k == "http2.stream":
                        out.append(("<h2 frame>", None))
                    flatten(item, out)
                else:
                    out.append((k, item))
        else:
            out.append((k, v))
    return out


def tshark_packets(pcap, keys):
    cmd = ["tshark", "-r", pcap, "-o", "tls.keylog_file:" + keys, "-T", "json", "-x"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    packets = json.loads(raw, object_pairs_hook=Obj)
    return [flatten(dict_get(p, "_source", "layers"), []) for p in packets]


def dict_get(obj, *path):
    for key in path:
        obj = next(v for k, v in obj if k == key)
    return obj


def first(fields, name, default=None):
    return next((v for k, v in fields if k == name), default)


def http_messages(packets):
    """HTTP/1.1 and HTTP/2 messages in capture order, each a dict: frame,
    stream, request or response fields, body bytes, form pairs (tshark's),
    frames that carried it."""
    msgs = []
    h2_streams = {}  # (tcp stream, h2 stream id) -> message being built
    for fields in packets:
        frame = int(first(fields, "frame.number"))
        tcp_stream = first(fields, "tcp.stream")
        sport, dport = first(fields, "tcp.srcport"), first(fields, "tcp.dstport")
        segments, cur, h2 = [], None, None
        for k, v in fields:
            if k in ("tls.segment", "tcp.segment"):
                segments.append(int(v))
            # -- HTTP/1.1
            elif k == "http.request.method":
                cur = {"http": "1.1", "frame": frame, "tcp_stream": tcp_stream, "src_port": int(sport),
                       "dst_port": int(dport), "method": v, "form": [], "frames": segments or [frame]}
                msgs.append(cur)
                segments = []
            elif k == "http.response.code":
                cur = {"http": "1.1", "frame": frame, "tcp_stream": tcp_stream, "src_port": int(sport),
                       "dst_port": int(dport), "status": int(v), "form": [], "frames": segments or [frame]}
                msgs.append(cur)
                segments = []
            elif cur is not None and k in ("http.request.uri", "http.host", "http.content_type", "http.cookie"):
                cur[k[5:]] = v
            elif cur is not None and k == "http.set_cookie":
                cur.setdefault("set_cookie", []).append(v)
            elif cur is not None and k == "http.request_in":
                cur["request_in"] = int(v)
            elif cur is not None and k == "http.file_data_raw":
                cur["body"] = bytes.fromhex(v)
            elif k == "urlencoded-form.key" and (cur or h2):
                (cur or h2)["form"].append([v, None])
            elif k == "urlencoded-form.value" and (cur or h2):
                (cur or h2)["form"][-1][1] = v
            # -- HTTP/2: a frame's fields are gathered, then applied to its stream
            elif k == "<h2 frame>":
                h2 = finish_h2_frame(h2, frame, tcp_stream, sport, dport, h2_streams, msgs)
                h2 = {"frame_fields": [], "form": []}
            elif h2 is not None and k.startswith("http2."):
                h2["frame_fields"].append((k, v))
        finish_h2_frame(h2, frame, tcp_stream, sport, dport, h2_streams, msgs)
    msgs.sort(key=lambda m: m["frame"])
    return msgs


def unique(frames):
    return list(dict.fromkeys(frames))


def finish_h2_frame(h2, frame, tcp_stream, sport, dport, h2_streams, msgs):
    """Adds one HTTP/2 frame (its fields and any form pairs tshark found in
    it) to its stream's message; a frame with END_STREAM completes it."""
    if not h2:
        return None
    f = h2["frame_fields"]
    sid = int(first(f, "http2.streamid", "0"))
    ftype = first(f, "http2.type")
    if sid == 0 or ftype not in ("0", "1", "9"):
        return None
    key = (tcp_stream, sid, int(sport))
    msg = h2_streams.setdefault(key, {"http": "2", "h2_stream": sid, "frame": None, "tcp_stream": tcp_stream,
                                      "src_port": int(sport), "dst_port": int(dport), "form": [],
                                      "frames": [], "headers": [], "body": b""})
    if frame not in msg["frames"]:
        msg["frames"].append(frame)
    for k, v in f:
        if k == "http2.header.name":
            msg["headers"].append([v, None])
        elif k == "http2.header.value":
            msg["headers"][-1][1] = v
    if ftype == "0":
        whole = first(f, "http2.body.reassembled.data_raw")
        if whole is not None:
            msg["body"] = bytes.fromhex(whole)
        elif int(first(f, "http2.length", "0")) > 0:
            msg["body"] += bytes.fromhex(first(f, "http2.data.data_raw"))
    msg["form"] += h2["form"]
    if first(f, "http2.flags.end_stream") == "1":
        msg["frame"] = frame
        hdrs = dict(msg["headers"])
        msg["content_type"] = hdrs.get("content-type")
        if ":method" in hdrs:
            msg.update(method=hdrs[":method"], host=hdrs[":authority"])
            msg["request.uri"] = hdrs[":path"]
            msg["cookie"] = "; ".join(v for n, v in msg["headers"] if n == "cookie")
        else:
            msg["status"] = int(hdrs[":status"])
            msg["set_cookie"] = [v for n, v in msg["headers"] if n == "set-cookie"]
        msgs.append(msg)
        del h2_streams[key]
    return None


def sni_by_stream(packets):
    out = {}
    for fields in packets:
        name = first(fields, "tls.handshake.extensions_server_name")
        if name:
            out[first(fields, "tcp.stream")] = name
    return out


def pair_exchanges(msgs):
    reqs = [m for m in msgs if "method" in m]
    resps = [m for m in msgs if "status" in m]
    out = []
    for req in reqs:
        if req["http"] == "1.1":
            resp = next((r for r in resps if r.get("request_in") == req["frame"]), None)
        else:
            resp = next((r for r in resps if r["tcp_stream"] == req["tcp_stream"]
                         and r["h2_stream"] == req["h2_stream"]), None)
        out.append((req, resp))
    return out


# ------------------------------------------------------------ the RC4 API
def rc4_drop1024(key, data):
    enc = Cipher(ARC4(key), mode=None).encryptor()
    enc.update(bytes(1024))
    return enc.update(data)


def rc4_key(ssecurity, nonce):
    return hashlib.sha256(base64.b64decode(ssecurity) + base64.b64decode(nonce)).digest()


def sha1_hash(method, path, pairs, key):
    parts = [method.upper(), path] + ["%s=%s" % (k, v) for k, v in pairs] + [base64.b64encode(key).decode()]
    return base64.b64encode(hashlib.sha1("&".join(parts).encode()).digest()).decode()


def decode_api(req, resp, ssecurity):
    form = [tuple(kv) for kv in req["form"]]
    fields = dict(form)
    nonce = fields["_nonce"]
    key = rc4_key(ssecurity, nonce)
    path = urllib.parse.urlsplit(req["request.uri"]).path
    signed_path = path[len("/app"):] if path.startswith("/app/") else path
    encrypted = []
    for k, v in form:
        if k == "signature":
            break
        encrypted.append((k, v))
    params = [(k, rc4_drop1024(key, base64.b64decode(v)).decode()) for k, v in encrypted]
    before_hash = [kv for kv in params if kv[0] != "rc4_hash__"]
    out = {"nonce": nonce, "signed_nonce": base64.b64encode(key).decode(), "signed_path": signed_path,
           "params": [list(kv) for kv in params],
           "rc4_hash_ok": dict(params).get("rc4_hash__") == sha1_hash(req["method"], signed_path, before_hash, key),
           "signature_ok": fields.get("signature") == sha1_hash(req["method"], signed_path, encrypted, key)}
    if resp is not None and resp.get("body"):
        out["response"] = rc4_drop1024(key, base64.b64decode(resp["body"])).decode()
    return out


# ------------------------------------------------------------ local miIO
def miio_frames(packets):
    for fields in packets:
        if first(fields, "udp.srcport") is None:
            continue
        payload = first(fields, "udp.payload_raw") or first(fields, "data.data_raw")
        if not payload:
            continue
        yield {"frame": int(first(fields, "frame.number")), "src": first(fields, "ip.src"),
               "dst": first(fields, "ip.dst"), "sport": int(first(fields, "udp.srcport")),
               "dport": int(first(fields, "udp.dstport")), "data": bytes.fromhex(payload)}


def miio_decrypt(data, token):
    key = hashlib.md5(token).digest()
    iv = hashlib.md5(key + token).digest()
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = dec.update(data) + dec.finalize()
    unpad = padding.PKCS7(128).unpadder()
    return unpad.update(padded) + unpad.finalize()


def decode_miio(frame, tokens):
    d = frame["data"]
    device_ip = frame["dst"] if frame["dport"] == 54321 else frame["src"]
    out = {"kind": "miio", "frame": frame["frame"], "src": "%s:%d" % (frame["src"], frame["sport"]),
           "dst": "%s:%d" % (frame["dst"], frame["dport"]),
           "direction": "to-device" if frame["dport"] == 54321 else "from-device",
           "did_hex": d[8:12].hex(), "stamp": int.from_bytes(d[12:16], "big")}
    if len(d) == 32:
        out["type"] = "hello" if frame["dport"] == 54321 else "hello-reply"
        return out
    token = tokens.get(device_ip)
    if token is None:
        out["type"] = "undecrypted"
        return out
    token = bytes.fromhex(token)
    out["checksum_ok"] = hashlib.md5(d[:16] + token + d[32:]).digest() == d[16:32]
    text = miio_decrypt(d[32:], token).rstrip(b"\x00").decode()
    out["json"] = json.loads(text)
    out["type"] = "request" if frame["dport"] == 54321 else "reply"
    return out


# ------------------------------------------------------------ main
def decode(pcap, keys, configured):
    packets = tshark_packets(pcap, keys)
    sni = sni_by_stream(packets)
    problems = []
    records = []
    ssecurity_login = None
    tokens = {}
    for req, resp in pair_exchanges(http_messages(packets)):
        uri = urllib.parse.urlsplit(req["request.uri"])
        host = req["host"].split(":")[0]
        rec = {"kind": None, "http": req["http"], "request_frame": req["frame"],
               "response_frame": resp["frame"] if resp else None, "tcp_stream": int(req["tcp_stream"]),
               "client_port": req["src_port"], "request_frames": unique(req["frames"]),
               "response_frames": unique(resp["frames"]) if resp else None, "method": req["method"], "host": host,
               "sni": sni.get(req["tcp_stream"]), "path": uri.path}
        if req["http"] == "2":
            rec["h2_stream"] = req["h2_stream"]
        if uri.query:
            rec["query"] = [list(kv) for kv in urllib.parse.parse_qsl(uri.query, keep_blank_values=True)]
        body = req.get("body")
        if req["form"]:
            rec["form"] = [list(kv) for kv in req["form"]]
            if body is not None:
                mine = [list(kv) for kv in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)]
                if mine != rec["form"]:
                    problems.append("frame %d: tshark's form pairs %s != body parsed here %s"
                                    % (req["frame"], rec["form"], mine))
        rec["status"] = resp["status"] if resp else None
        if resp and resp.get("set_cookie"):
            rec["set_cookies"] = resp["set_cookie"]
        if host in ("account.xiaomi.com", "sts.api.io.mi.com"):
            rec["kind"] = "login"
            rec["response"] = resp["body"].decode() if resp and resp.get("body") else None
            if uri.path == "/pass/serviceLoginAuth2" and rec["response"]:
                reply = json.loads(rec["response"].replace("&&&START&&&", "", 1))
                if reply.get("ssecurity"):
                    ssecurity_login = reply["ssecurity"]
                    rec["ssecurity"] = ssecurity_login
        elif host == "api.io.mi.com" or host.endswith(".api.io.mi.com"):
            rec["kind"] = "api"
            form = dict(map(tuple, req["form"]))
            candidates = []
            if ssecurity_login:
                candidates.append(("login reply", ssecurity_login))
            if form.get("ssecurity"):
                candidates.append(("form", form["ssecurity"]))
            candidates += [("configured", s) for s in configured]
            rec["ssecurity_in_form"] = "ssecurity" in form
            for source, ss in candidates:
                try:
                    dec = decode_api(req, resp, ss)
                except (ValueError, UnicodeDecodeError):
                    continue
                if dec["rc4_hash_ok"] and dec["signature_ok"]:
                    rec.update(ssecurity=ss, ssecurity_source=source, **dec)
                    break
            else:
                problems.append("frame %d: no ssecurity (tried %s) verifies rc4_hash__ and signature"
                                % (req["frame"], [s for _, s in candidates]))
            if rec.get("response"):
                reply = json.loads(rec["response"])
                if uri.path == "/app/home/device_list":
                    for d in reply["result"]["list"]:
                        if d.get("localip") and d.get("token"):
                            tokens[d["localip"]] = d["token"]
        records.append(rec)
    for frame in miio_frames(packets):
        if 54321 in (frame["sport"], frame["dport"]):
            rec = decode_miio(frame, tokens)
            if rec.get("checksum_ok") is False:
                problems.append("frame %d: miIO checksum does not verify" % frame["frame"])
            records.append(rec)
    return records, problems


def compare_truth(records, truth, problems):
    http = [r for r in records if r["kind"] in ("login", "api")]
    server = [t for t in truth if t.get("kind") in ("login", "api")]
    if len(http) != len(server):
        problems.append("%d HTTP exchanges in the capture, %d in the truth" % (len(http), len(server)))
    for rec, t in zip(http, server):
        where = "frame %s (%s)" % (rec["request_frame"], t["path"])
        for key in ("kind", "method", "host", "sni", "path", "client_port", "status", "query", "form",
                    "response", "set_cookies", "nonce", "ssecurity", "params", "ssecurity_in_form"):
            if key in t and (key not in ("set_cookies",) or key in rec) and rec.get(key) != t[key]:
                problems.append("%s: %s %r != truth %r" % (where, key, rec.get(key), t[key]))
        if t.get("http") and t["http"] != rec["http"]:
            problems.append("%s: HTTP/%s != truth HTTP/%s" % (where, rec["http"], t["http"]))
    # micloud's own view: what its calls returned must be what was decrypted
    apis = [r for r in http if r["kind"] == "api"]
    logins = [r for r in http if r["kind"] == "login"]
    client = [t for t in truth if t.get("kind") == "micloud"]
    calls = [t for t in client if t["call"] in ("get_devices", "request_country", "h2_request")]
    if len(calls) != len(apis):
        problems.append("%d API exchanges, %d micloud calls in the truth" % (len(apis), len(calls)))
    for rec, t in zip(apis, calls):
        reply = json.loads(rec.get("response") or "null")
        got = reply["result"]["list"] if t["call"] == "get_devices" else reply
        if rec["path"] != "/app" + t["path"] or got != t["result"]:
            problems.append("frame %s: micloud returned %.80r, decrypted %.80r"
                            % (rec["request_frame"], t["result"], got))
        if "data" in t and dict(map(tuple, rec.get("params", []))).get("data") != t["data"]:
            problems.append("frame %s: data param differs from micloud's" % rec["request_frame"])
        if "ssecurity_in_form" in t and rec.get("ssecurity_in_form") != t["ssecurity_in_form"]:
            problems.append("frame %s: ssecurity in the form: %s, client: %s"
                            % (rec["request_frame"], rec.get("ssecurity_in_form"), t["ssecurity_in_form"]))
    for t in client:
        if t["call"] == "login" and not any(r.get("ssecurity") == t["ssecurity"] for r in logins):
            problems.append("micloud's ssecurity %s is in no login reply" % t["ssecurity"])
        if t["call"] in ("login", "given"):
            for rec in apis:
                if rec.get("ssecurity") != t["ssecurity"]:
                    problems.append("frame %s: ssecurity %s, micloud's %s"
                                    % (rec["request_frame"], rec.get("ssecurity"), t["ssecurity"]))
    # python-miio's view of the local calls
    local = [t for t in truth if t.get("kind") == "miio"]
    reqs = [r for r in records if r["kind"] == "miio" and r["type"] == "request"]
    replies = [r for r in records if r["kind"] == "miio" and r["type"] == "reply"]
    if len(local) != len(reqs) or len(local) != len(replies):
        problems.append("%d local calls in the truth, %d requests and %d replies decrypted"
                        % (len(local), len(reqs), len(replies)))
    for t, q, a in zip(local, reqs, replies):
        if q["json"].get("method") != t["method"] or q["json"].get("params") != t["params"]:
            problems.append("frame %d: miIO request %r != truth %s %r" % (q["frame"], q["json"], t["method"],
                                                                         t["params"]))
        if a["json"].get("result") != t["result"] or a["json"].get("id") != q["json"].get("id"):
            problems.append("frame %d: miIO reply %.80r != truth %.80r" % (a["frame"], a["json"], t["result"]))
        if q["did_hex"] != t["did_hex"] and q["did_hex"] != "ffffffff":
            problems.append("frame %d: did %s != %s" % (q["frame"], q["did_hex"], t["did_hex"]))


def summary(rec):
    if rec["kind"] == "miio":
        body = json.dumps(rec.get("json"), ensure_ascii=False) if "json" in rec else ""
        return "frame %4d       miIO %-11s %s -> %s did %s %s" % (
            rec["frame"], rec["type"], rec["src"], rec["dst"], rec["did_hex"], body[:90])
    head = "frames %4s/%-4s %s %s %s%s" % (rec["request_frame"], rec["response_frame"], rec["method"],
                                          rec["host"], rec["path"],
                                          " [h2 stream %d]" % rec["h2_stream"] if "h2_stream" in rec else "")
    if rec["kind"] == "api":
        data = dict(map(tuple, rec.get("params", []))).get("data", "")
        return "%s\n      ssecurity %s (%s), data %s\n      -> %s" % (
            head, rec.get("ssecurity"), rec.get("ssecurity_source"), data[:100], (rec.get("response") or "")[:100])
    return "%s -> %s %s" % (head, rec["status"], (rec.get("response") or "")[:80])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("capture")
    ap.add_argument("--keys")
    ap.add_argument("--ssecurity", action="append", default=[])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    stem = args.capture[:-len(".pcapng")] if args.capture.endswith(".pcapng") else args.capture
    keys = args.keys or stem + ".keys"
    records, problems = decode(args.capture, keys, args.ssecurity)
    if not args.quiet:
        for rec in records:
            print(summary(rec))
    expected_path = stem + ".expected.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
    if args.check:
        with open(stem + ".truth.jsonl", encoding="utf-8") as f:
            truth = [json.loads(line) for line in f if line.strip()]
        compare_truth(records, truth, problems)
        if os.path.exists(expected_path):
            with open(expected_path, encoding="utf-8") as f:
                old = f.readlines()
            if old != lines:
                problems.append("%s differs from this decoding" % expected_path)
    else:
        with open(expected_path, "w", encoding="utf-8") as f:
            f.writelines(lines)
    for p in problems:
        print("MISMATCH " + p)
    n_api = sum(r["kind"] == "api" for r in records)
    n_login = sum(r["kind"] == "login" for r in records)
    n_miio = sum(r["kind"] == "miio" for r in records)
    print("%s: %d login and %d API exchanges, %d miIO frames; %s" % (
        os.path.basename(args.capture), n_login, n_api, n_miio,
        ("%d mismatches" % len(problems)) if problems else ("agrees with the truth" if args.check else "decoded")))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
