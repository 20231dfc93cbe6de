#!/usr/bin/env python3
"""Independent decoder of the mijia-* captures: reads the HTTP messages as
plain tshark's TLS, HTTP and urlencoded-form dissectors give them (`tshark -r
CAPTURE -o tls.keylog_file:KEYS -T json -x`, run with no plugin at all: an
empty personal and global plugin folder, as user nobody when run as root,
since Wireshark ignores WIRESHARK_PLUGIN_DIR for root), then decrypts the Mi
Home RC4 API with its own code (python3-cryptography's ARC4, hashlib, gzip;
nothing from mijiaAPI or server.py):

  key        = SHA-256(base64dec(ssecurity) ‖ base64dec(_nonce))
  value      = base64(RC4(key) with 1024 keystream bytes dropped, fresh per value)
  rc4_hash__ = base64(SHA-1("POST&<path>&k=v&…&" + base64(key))), plaintext params before it
  signature  = the same over the encrypted params before it
  response   = base64 of RC4(key) of the JSON text, or, when the reply
               header MIOT-CONTENT-ENCODING is GZIP, of a gzip stream of it

<path> is the URL path without "/app". The ssecurity comes from the
capture's QR login (the long-poll reply, `&&&START&&&` JSON) if it has one,
else from the `ssecurity` form field mijiaAPI sends in clear, else from
--ssecurity (what a user configures); the first that verifies rc4_hash__ and
signature is used ("ssecurity_source"). The miot-spec.org reply is compared
with the spec file of tests/captures/miot-specs/ it names.

  decode.py CAPTURE.pcapng [--keys K] [--ssecurity S]... [--quiet]
      prints each exchange and its frame numbers; writes CAPTURE.expected.jsonl
  decode.py --check CAPTURE.pcapng [--keys K] [--ssecurity S]...
      also compares with CAPTURE.truth.jsonl (the server's and the client's
      lines) and an existing CAPTURE.expected.jsonl; writes nothing; exit 1
      on any mismatch
"""
import argparse
import base64
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

try:  # cryptography >= 43 keeps ARC4 among the "decrepit" algorithms
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
except ImportError:
    from cryptography.hazmat.primitives.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.path.join(HERE, "..", "..", "captures", "miot-specs")
LOGIN_HOSTS = ("account.xiaomi.com", "c3.lp.account.xiaomi.com", "sts.api.mijia.tech")
API_HOST = "api.mijia.tech"
SPEC_HOST = "miot-spec.org"
REQUEST_HEADERS = ("miot-encrypt-algorithm", "miot-accept-encoding", "x-xiaomi-protocal-flag-cli", "accept-encoding",
                   "content-type")
REPLY_HEADERS = ("content-type", "miot-encrypt-algorithm", "miot-content-encoding")
INFLATE_CAP = 16 << 20


# ------------------------------------------------------------ tshark's view
class Obj(list):
    """A JSON object as its (key, value) pairs: tshark repeats keys."""


def flatten(obj, out):
    """(field, value) pairs in tree order; *_raw values are their hex."""
    for k, v in obj:
        if isinstance(v, Obj):
            flatten(v, out)
        elif k.endswith("_raw"):
            out.append((k, v[0] if isinstance(v, list) else v))
        elif isinstance(v, list):
            for item in v:
                if isinstance(item, Obj):
                    flatten(item, out)
                else:
                    out.append((k, item))
        else:
            out.append((k, v))
    return out


def tshark_packets(pcap, keys):
    """tshark's JSON of every packet, with no plugin loaded."""
    tmp = tempfile.mkdtemp(prefix="mijia-decode.")
    try:
        for sub in ("home", "plugins"):
            os.mkdir(os.path.join(tmp, sub))
        shutil.copyfile(pcap, os.path.join(tmp, "capture.pcapng"))
        shutil.copyfile(keys, os.path.join(tmp, "capture.keys"))
        for root, dirs, files in os.walk(tmp):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o777 if name in dirs else 0o644)
        os.chmod(tmp, 0o755)
        env = ["env", "HOME=" + os.path.join(tmp, "home"), "WIRESHARK_PLUGIN_DIR=" + os.path.join(tmp, "plugins")]
        if os.geteuid() == 0:  # Wireshark ignores WIRESHARK_PLUGIN_DIR for root
            env = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + env
        cmd = env + ["tshark", "-r", os.path.join(tmp, "capture.pcapng"),
                     "-o", "tls.keylog_file:" + os.path.join(tmp, "capture.keys"), "-T", "json", "-x"]
        raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    finally:
        shutil.rmtree(tmp)
    packets = json.loads(raw, object_pairs_hook=Obj)
    layers = [dict_get(p, "_source", "layers") for p in packets]
    for fields in layers:
        names = [k for k, _ in fields]
        if "micloud" in names or "miio" in names:
            sys.exit("decode.py: tshark loaded the project's plugin; the expected files must not come from it")
    return [flatten(f, []) for f in layers]


def dict_get(obj, *path):
    for key in path:
        obj = next(v for k, v in obj if k == key)
    return obj


def first(fields, name, default=None):
    return next((v for k, v in fields if k == name), default)


def header_lines(lines):
    out = {}
    for line in lines:
        if ":" in line:
            k, v = line.split(":", 1)
            out.setdefault(k.strip().lower(), v.strip())
    return out


def http_messages(packets):
    """HTTP/1.1 messages in capture order, each a dict: frame, request or
    response fields, header lines, body bytes, form pairs (tshark's), frames
    that carried it, addresses."""
    msgs = []
    for fields in packets:
        frame = int(first(fields, "frame.number"))
        common = {"tcp_stream": int(first(fields, "tcp.stream")), "src": first(fields, "ip.src"),
                  "dst": first(fields, "ip.dst"), "src_port": int(first(fields, "tcp.srcport")),
                  "dst_port": int(first(fields, "tcp.dstport"))}
        segments, cur = [], None
        for k, v in fields:
            if k in ("tls.segment", "tcp.segment"):
                segments.append(int(v))
            elif k in ("http.request.method", "http.response.code"):
                cur = dict(common, frame=frame, form=[], lines=[], frames=segments or [frame])
                if k == "http.request.method":
                    cur["method"] = v
                else:
                    cur["status"] = int(v)
                msgs.append(cur)
                segments = []
            elif cur is None:
                continue
            elif k in ("http.request.uri", "http.host"):
                cur[k[5:]] = v
            elif k in ("http.request.line", "http.response.line"):
                cur["lines"].append(v)
            elif k == "http.set_cookie":
                cur.setdefault("set_cookie", []).append(v)
            elif k == "http.request_in":
                cur["request_in"] = int(v)
            elif k == "http.file_data_raw":
                cur["body"] = bytes.fromhex(v)
            elif k == "urlencoded-form.key":
                cur["form"].append([v, None])
            elif k == "urlencoded-form.value":
                cur["form"][-1][1] = v
    for m in msgs:
        m["headers"] = header_lines(m["lines"])
    return msgs


def unique(frames):
    return list(dict.fromkeys(frames))


def sni_by_stream(packets):
    out = {}
    for fields in packets:
        name = first(fields, "tls.handshake.extensions_server_name")
        if name:
            out[int(first(fields, "tcp.stream"))] = name
    return out


def pair_exchanges(msgs):
    reqs = [m for m in msgs if "method" in m]
    resps = [m for m in msgs if "status" in m]
    return [(req, next((r for r in resps if r.get("request_in") == req["frame"]), None)) for req in reqs]


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


def inflate(data):
    """gunzip, refusing more than INFLATE_CAP bytes of output."""
    import zlib
    d = zlib.decompressobj(wbits=31)
    out = d.decompress(data, INFLATE_CAP)
    if d.unconsumed_tail or not d.eof:
        raise ValueError("gzip stream larger than %d bytes or truncated" % INFLATE_CAP)
    return out


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
        clear = rc4_drop1024(key, base64.b64decode(resp["body"]))
        gz = resp["headers"].get("miot-content-encoding", "").upper() == "GZIP"
        out["response_gzip"] = gz
        out["response_body_len"] = len(resp["body"])
        out["response_clear_len"] = len(clear)
        if gz:
            out["response_gzip_hex"] = clear.hex()
            text = inflate(clear)
        else:
            text = clear
        out["response"] = text.decode()
        out["response_plain_len"] = len(text)
    return out


def spec_file_for(urn):
    for name in sorted(os.listdir(SPECS)):
        with open(os.path.join(SPECS, name), "rb") as f:
            body = f.read()
        if json.loads(body).get("type") == urn:
            return name, body
    return None, None


# ------------------------------------------------------------ main
def decode(pcap, keys, configured):
    packets = tshark_packets(pcap, keys)
    sni = sni_by_stream(packets)
    problems = []
    records = []
    ssecurity_login = None
    for req, resp in pair_exchanges(http_messages(packets)):
        uri = urllib.parse.urlsplit(req["request.uri"])
        host = req["host"].split(":")[0]
        rec = {"kind": None, "http": "1.1", "request_frame": req["frame"],
               "response_frame": resp["frame"] if resp else None, "tcp_stream": req["tcp_stream"],
               "client_port": req["src_port"], "server_ip": req["dst"], "request_frames": unique(req["frames"]),
               "response_frames": unique(resp["frames"]) if resp else None, "method": req["method"], "host": host,
               "sni": sni.get(req["tcp_stream"]), "path": uri.path}
        if uri.query:
            rec["query"] = [list(kv) for kv in urllib.parse.parse_qsl(uri.query, keep_blank_values=True)]
        body = req.get("body")
        if req["form"]:
            rec["form"] = [list(kv) for kv in req["form"]]
            mine = [list(kv) for kv in urllib.parse.parse_qsl((body or b"").decode(), keep_blank_values=True)]
            if mine != rec["form"]:
                problems.append("frame %d: tshark's form pairs %s != body parsed here %s"
                                % (req["frame"], rec["form"], mine))
        rec["status"] = resp["status"] if resp else None
        if resp and resp.get("set_cookie"):
            rec["set_cookies"] = resp["set_cookie"]
        if host in LOGIN_HOSTS:
            rec["kind"] = "login"
            rec["response"] = resp["body"].decode() if resp and resp.get("body") else None
            text = rec["response"] or ""
            if text.startswith("&&&START&&&"):
                reply = json.loads(text[len("&&&START&&&"):])
                if reply.get("ssecurity"):
                    ssecurity_login = reply["ssecurity"]
                    rec["ssecurity"] = ssecurity_login
                    rec["login_reply"] = {k: reply.get(k) for k in (
                        "code", "ssecurity", "psecurity", "nonce", "userId", "cUserId", "passToken", "location")}
                for k in ("loginUrl", "qr", "lp"):
                    if k in reply:
                        rec.setdefault("qr_reply", {})[k] = reply[k]
        elif host == SPEC_HOST:
            rec["kind"] = "spec"
            rec["response"] = resp["body"].decode() if resp and resp.get("body") else None
            urn = dict(urllib.parse.parse_qsl(uri.query)).get("type")
            name, spec = spec_file_for(urn)
            rec["spec_file"] = "miot-specs/%s" % name if name else None
            if spec is None or resp is None or resp.get("body") != spec:
                problems.append("frame %d: the spec reply is not the spec file for %s" % (req["frame"], urn))
        elif host == API_HOST:
            rec["kind"] = "api"
            rec["request_headers"] = {k: req["headers"][k] for k in REQUEST_HEADERS if k in req["headers"]}
            rec["reply_headers"] = {k: resp["headers"][k] for k in REPLY_HEADERS if resp and k in resp["headers"]}
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
                except (ValueError, UnicodeDecodeError, OSError, EOFError):
                    continue
                if dec["rc4_hash_ok"] and dec["signature_ok"]:
                    rec.update(ssecurity=ss, ssecurity_source=source, **dec)
                    break
            else:
                problems.append("frame %d: no ssecurity (tried %s) verifies rc4_hash__ and signature, or the "
                                "reply does not decrypt" % (req["frame"], [s for _, s in candidates]))
            if "response" in rec:
                json.loads(rec["response"])  # must be JSON
                if rec["response_gzip"] != (rec["request_headers"].get("miot-accept-encoding") == "GZIP"):
                    problems.append("frame %d: reply gzip %s, request miot-accept-encoding %r"
                                    % (req["frame"], rec["response_gzip"],
                                       rec["request_headers"].get("miot-accept-encoding")))
        records.append(rec)
    return records, problems


def compare_truth(records, truth, problems):
    server = [t for t in truth if t.get("kind") in ("login", "api", "spec")]
    if len(records) != len(server):
        problems.append("%d HTTP exchanges in the capture, %d in the truth" % (len(records), len(server)))
    for rec, t in zip(records, server):
        where = "frame %s (%s)" % (rec["request_frame"], t["path"])
        for key in ("kind", "http", "method", "host", "sni", "server_ip", "path", "client_port", "status", "query",
                    "form", "response", "set_cookies", "nonce", "ssecurity", "params", "ssecurity_in_form",
                    "response_body_len", "response_clear_len", "response_plain_len", "response_gzip_hex",
                    "spec_file"):
            if key in t and rec.get(key) != t[key]:
                problems.append("%s: %s %.100r != truth %.100r" % (where, key, rec.get(key), t[key]))
        if "gzip" in t and rec.get("response_gzip") != t["gzip"]:
            problems.append("%s: gzip %s != truth %s" % (where, rec.get("response_gzip"), t["gzip"]))
        for k, v in t.get("request_headers", {}).items():
            if rec.get("request_headers", {}).get(k, v) != v:
                problems.append("%s: header %s %r != truth %r" % (where, k, rec["request_headers"].get(k), v))
    # mijiaAPI's own view: every RC4 request and the reply text it parsed
    apis = [r for r in records if r["kind"] == "api"]
    client = [t for t in truth if t.get("kind") == "mijia"]
    if len(client) != len(apis):
        problems.append("%d API exchanges, %d mijiaAPI requests in the truth" % (len(apis), len(client)))
    for rec, t in zip(apis, client):
        where = "frame %s (%s)" % (rec["request_frame"], t["path"])
        if rec["path"] != "/app" + t["path"] or rec.get("nonce") != t["nonce"]:
            problems.append("%s: path/nonce %s %s != mijiaAPI's %s %s"
                            % (where, rec["path"], rec.get("nonce"), t["path"], t["nonce"]))
        if rec.get("params") != t["params"]:
            problems.append("%s: params %.100r != mijiaAPI's %.100r" % (where, rec.get("params"), t["params"]))
        if rec.get("response") != t["reply"]:
            problems.append("%s: reply %.80r != what mijiaAPI parsed %.80r" % (where, rec.get("response"), t["reply"]))
        if rec.get("response_gzip") != t["gzipped"] or not t["encrypted"]:
            problems.append("%s: gzip %s, mijiaAPI gunzipped %s (decrypted %s)"
                            % (where, rec.get("response_gzip"), t["gzipped"], t["encrypted"]))
        if rec.get("ssecurity") != t["ssecurity"]:
            problems.append("%s: ssecurity %s, mijiaAPI's %s" % (where, rec.get("ssecurity"), t["ssecurity"]))
        for k, v in t.get("request_headers", {}).items():
            if k in REQUEST_HEADERS and rec["request_headers"].get(k) != v:
                problems.append("%s: header %s %r, mijiaAPI's %r" % (where, k, rec["request_headers"].get(k), v))
    others = [r for r in records if r["kind"] in ("login", "spec")]
    client = [t for t in truth if t.get("kind") == "mijia-http"]
    if len(client) != len(others):
        problems.append("%d login/spec exchanges, %d in the client's truth" % (len(others), len(client)))
    for rec, t in zip(others, client):
        url = urllib.parse.urlsplit(t["url"])
        if (url.hostname, url.path, rec["status"], rec["response"]) != (rec["host"], rec["path"], t["status"],
                                                                        t["response"]):
            problems.append("frame %s: %s %s differs from the client's %s" % (rec["request_frame"], rec["host"],
                                                                             rec["path"], t["url"]))
    for t in truth:
        if t.get("kind") == "auth":
            ss = t["auth_data"]["ssecurity"]
            if any(r.get("ssecurity") != ss for r in apis):
                problems.append("an API exchange decrypts under another ssecurity than mijiaAPI's %s" % ss)
            if any(r["kind"] == "login" for r in records) and not any(
                    r.get("ssecurity") == ss and r["kind"] == "login" for r in records):
                problems.append("mijiaAPI's ssecurity %s is in no login reply" % ss)


def summary(rec):
    head = "frames %4s/%-4s %s %s %s" % (rec["request_frame"], rec["response_frame"], rec["method"], rec["host"],
                                        rec["path"])
    if rec["kind"] == "api":
        data = dict(map(tuple, rec.get("params", []))).get("data", "")
        return "%s\n      ssecurity %s (%s), %s, data %s\n      -> %s" % (
            head, rec.get("ssecurity"), rec.get("ssecurity_source"),
            "gzip %d -> %d bytes" % (rec["response_clear_len"], rec["response_plain_len"])
            if rec.get("response_gzip") else "not compressed, %d bytes" % rec.get("response_plain_len", 0),
            data[:90], (rec.get("response") or "")[:100])
    return "%s -> %s %s" % (head, rec["status"], (rec.get("response") or "")[:80].replace("\n", " "))


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
    n = {k: sum(r["kind"] == k for r in records) for k in ("login", "api", "spec")}
    n_gz = sum(bool(r.get("response_gzip")) for r in records)
    print("%s: %d login, %d API (%d replies gzip), %d spec exchanges; %s" % (
        os.path.basename(args.capture), n["login"], n["api"], n_gz, n["spec"],
        ("%d mismatches" % len(problems)) if problems else ("agrees with the truth" if args.check else "decoded")))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
