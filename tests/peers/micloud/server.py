#!/usr/bin/env python3
"""Stand-in for the Xiaomi account server and the Mi Home cloud API, for
making test captures.

One HTTPS server (TLS 1.3 only, the self-signed certificate of ../gen-cert.py)
answers for every host name a Mi Home client uses, told apart by the Host
header (checked against the TLS SNI):

  account.xiaomi.com   GET  /pass/serviceLogin        &&&START&&& + JSON with _sign
                       POST /pass/serviceLoginAuth2   &&&START&&& + JSON with ssecurity,
                                                      userId, passToken, location
  sts.api.io.mi.com    GET  /sts?...                  Set-Cookie: serviceToken
  [cc.]api.io.mi.com   POST /app/<path>               the RC4 API

The RC4 API is decrypted and checked with this file's own implementation of
the algorithm (nothing from micloud): RC4 key = SHA-256(ssecurity ‖ nonce)
(both base64-decoded), the first 1024 keystream bytes dropped, a fresh cipher
for every value; rc4_hash__ (over the plaintext params) and signature (over the
encrypted ones) are base64(SHA-1("POST&<path>&k=v&…&<signed nonce>")), with
<path> the URL path less its "/app" prefix. A request whose hashes do not
verify is refused (403). Replies are base64(RC4(JSON)).

Every exchange is written as one JSON line to --truth (what the dissector's
output is compared with). Stops on SIGTERM.

  server.py --truth FILE [--address 127.0.0.1] [--port 443] [--h2]

With --h2 the server offers only HTTP/2 (ALPN "h2", the `h2` package's
framing) and answers the same requests.
"""
import argparse
import base64
import hashlib
import json
import os
import signal
import socket
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- fixtures
USERNAME = "miio-tester@example.com"
PASSWORD = "not-a-real-password-42"
USER_ID = 6183746251
CUSER_ID = "kZ3qT8wXv1bN6yRm_pL0sAe4"
LOGIN_SIGN = "F7cN2xQe9pLk0VbR3sYtWm8uHaI="
PASS_TOKEN = "V1:J7rrshrufaw8uWrlTMO7x/RuVmtv2yUq3dTuh7x3Iq1ShV/ZmCM2x2Vo7sZ4uJqnv1lnzMRfQ0lAoEqOP1qB0dw=="
STS_NONCE = "h2Kq7RzXb0sBHEJx"
STS_SSIGN = "dHJ1ZXRlc3Rfc3NpZ25fMDEyMzQ1Njc4OQ%3D%3D"

# serviceToken -> ssecurity: the login run's user and the user of the
# capture without login (whose client is given both values directly).
SSECURITY_LOGIN = "Wh8MPnudJGis4BNXm98kaA=="      # 5a1f0c3e7b9d2468ace013579bdf2468
SSECURITY_NO_LOGIN = "xOKgbxjTW5fh8KK0xtjg8g=="   # c4e2a06f18d35b97e1f0a2b4c6d8e0f2
SERVICE_TOKEN_LOGIN = ("wG7bJ0ZkF2fM5qJ9uYp3Nn1Kx6Hb8Tr4Vd0Ls2Ae5Qc7Wy9Xg1Zu3Io6Pj8Mh0Ok2Ri4Sl6Tn8Vb1"
                       "Cd3Ef5Gh7Jk9Lm0Np2Qr4St6Uv8Wx1Yz3Ab5Cd7Ef9Gh0Ij2Kl4Mn6Op8Qr1St3Uv5Wx7Yz9A=")
SERVICE_TOKEN_NO_LOGIN = ("nQ4xT1pL8cV6bZ3mK0wR7yH2jD5gF9sA4eU1iO6qW3tY8uX0vC2nB7mN5zL9kJ1hG4fD6sA8pO3iU5yT7r"
                          "E2wQ9aS1dF3gH5jK7lZ0xC2vB4nM6qW8eR1tY3uI5oP7aS9dF0gH2jK4lZ6xC8vB1nM3qW5eR7tY9=")
SESSIONS = {SERVICE_TOKEN_LOGIN: SSECURITY_LOGIN, SERVICE_TOKEN_NO_LOGIN: SSECURITY_NO_LOGIN}

PLUG_DID = "439041101"                       # 0x1a2b3c4d, the device answering locally
PLUG_TOKEN = "6a3c9e1f7b2d4805c1e3a5b7d9f0e2c4"
PLUG_IP = "127.0.0.5"
PURIFIER_DID = "744389145"                   # 0x2c5e7a19
BLE_DID = "blt.3.1f0a6r2kco800"
BEACONKEY = "8d3e1a5c7b9f20416e2d4c6a8b0f1e3d"

DEVICES = [
    {"did": PLUG_DID, "token": PLUG_TOKEN, "longitude": "0.0", "latitude": "0.0",
     "name": "Desk plug", "pid": "0", "localip": PLUG_IP, "mac": "78:11:DC:00:11:22",
     "ssid": "HomeNet", "bssid": "AA:BB:CC:DD:EE:FF", "parent_id": "", "parent_model": "",
     "show_mode": 1, "model": "chuangmi.plug.m1", "adminFlag": 1, "shareFlag": 0,
     "permitLevel": 16, "isOnline": True, "desc": "Power on", "extra": {
         "isSetPincode": 0, "pincodeType": 0, "fw_version": "1.2.4_59", "needVerifyCode": 0,
         "isPasswordEncrypt": 0},
     "uid": USER_ID, "pd_id": 172, "password": "", "p2p_id": "", "rssi": -48,
     "family_id": 0, "reset_flag": 0},
    {"did": PURIFIER_DID, "token": "4f8e2d6c0b1a39574d6e8f0a2c4b6d8e", "longitude": "0.0",
     "latitude": "0.0", "name": "客厅空气净化器", "pid": "0", "localip": "192.168.1.23",
     "mac": "64:90:C1:3A:7B:55", "ssid": "HomeNet", "bssid": "AA:BB:CC:DD:EE:FF",
     "parent_id": "", "parent_model": "", "show_mode": 1, "model": "zhimi.airp.rmb1",
     "adminFlag": 1, "shareFlag": 0, "permitLevel": 16, "isOnline": True, "desc": "PM2.5 12",
     "extra": {"isSetPincode": 0, "pincodeType": 0, "fw_version": "2.1.8", "needVerifyCode": 0,
               "isPasswordEncrypt": 0},
     "uid": USER_ID, "pd_id": 10452, "password": "", "p2p_id": "", "rssi": -55,
     "family_id": 0, "reset_flag": 0, "spec_type": "urn:miot-spec-v2:device:air-purifier:0000A007:zhimi-rmb1:2"},
    {"did": BLE_DID, "token": "2b7f4e9a1c3d5f7081a2c4e6", "longitude": "0.0", "latitude": "0.0",
     "name": "Bedroom thermometer", "pid": "6", "localip": "", "mac": "A4:C1:38:5E:2B:91",
     "ssid": "", "bssid": "", "parent_id": "", "parent_model": "", "show_mode": 1,
     "model": "miaomiaoce.sensor_ht.t2", "adminFlag": 1, "shareFlag": 0, "permitLevel": 16,
     "isOnline": True, "desc": "22.4℃ 48%", "extra": {
         "isSetPincode": 0, "pincodeType": 0, "fw_version": "2.1.1_0159", "needVerifyCode": 0,
         "isPasswordEncrypt": 0},
     "uid": USER_ID, "pd_id": 1371, "password": "", "p2p_id": "", "rssi": 0,
     "family_id": 0, "reset_flag": 0},
]
BEACONKEYS = {BLE_DID: BEACONKEY}
PROPERTY_VALUES = {  # miotspec/prop/get: (did, siid, piid) -> value
    (PURIFIER_DID, 2, 1): True, (PURIFIER_DID, 2, 4): 1, (PURIFIER_DID, 3, 4): 12,
    (PURIFIER_DID, 3, 7): 21.5, (PURIFIER_DID, 4, 1): 87,
}
PLUG_PROPS = {"power": "on", "temperature": 41, "wifi_led": "off", "usb_on": True}
UPDATE_TIME = 1767225600


# ---------------------------------------------------------------- crypto
def rc4_drop1024(key, data):
    """RC4 keyed with `key`, its first 1024 keystream bytes discarded."""
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out = bytearray(len(data))
    i = j = 0
    for n in range(1024 + len(data)):
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        if n >= 1024:
            out[n - 1024] = data[n - 1024] ^ s[(s[i] + s[j]) & 0xFF]
    return bytes(out)


def rc4_key(ssecurity, nonce):
    """The 32-byte RC4 key; base64 of it is the 'signed nonce'."""
    return hashlib.sha256(base64.b64decode(ssecurity) + base64.b64decode(nonce)).digest()


def request_hash(method, path, pairs, key):
    text = "&".join([method, path] + ["%s=%s" % kv for kv in pairs] + [base64.b64encode(key).decode()])
    return base64.b64encode(hashlib.sha1(text.encode()).digest()).decode()


def encrypt_value(key, text):
    return base64.b64encode(rc4_drop1024(key, text.encode())).decode()


def decrypt_value(key, b64):
    return rc4_drop1024(key, base64.b64decode(b64)).decode()


# ---------------------------------------------------------------- answers
def api_result(path, data):
    """The JSON reply (a dict) for one API call, or None if unknown."""
    if path == "/home/device_list":
        return {"code": 0, "message": "ok",
                "result": {"list": DEVICES, "virtualModels": [], "has_more": False, "next_start_did": ""}}
    if path == "/v2/device/blt_get_beaconkey":
        if data.get("pdid") != 1 or data.get("did") not in BEACONKEYS:
            return {"code": -6, "message": "device not found"}
        return {"code": 0, "message": "ok", "result": {"beaconkey": BEACONKEYS[data["did"]]}}
    if path == "/miotspec/prop/get":
        result = []
        for p in data.get("params", []):
            key = (p.get("did"), p.get("siid"), p.get("piid"))
            if key in PROPERTY_VALUES:
                result.append({"did": key[0], "siid": key[1], "piid": key[2], "value": PROPERTY_VALUES[key],
                               "code": 0, "updateTime": UPDATE_TIME, "exe_time": 0})
            else:
                result.append({"did": key[0], "siid": key[1], "piid": key[2], "code": -704030013})
        return {"code": 0, "message": "ok", "result": result}
    if path.startswith("/home/rpc/"):
        did = path[len("/home/rpc/"):]
        if did != PLUG_DID:
            return {"code": -6, "message": "device not found"}
        if data.get("method") == "get_prop":
            return {"code": 0, "message": "ok", "id": data.get("id", 1),
                    "result": [PLUG_PROPS.get(p) for p in data.get("params", [])], "exe_time": 110}
        return {"code": -2, "message": "unsupported method"}
    return None


def json_text(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def parse_cookies(header):
    cookies = {}
    for part in (header or "").split(";"):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            cookies[k] = v
    return cookies


class Exchange:
    """One request and the reply worked out for it, transport aside."""

    def __init__(self, method, host, target, headers, body, sni, client_port, http):
        self.method, self.host, self.target, self.headers = method, host, target, headers
        self.body, self.sni, self.client_port, self.http = body, sni, client_port, http
        self.status, self.reply_headers, self.reply = 200, [], b""
        self.truth = {}

    def answer(self):
        url = urllib.parse.urlsplit(self.target)
        path, query = url.path, url.query
        form = urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True) if self.body else []
        self.truth = {"http": self.http, "method": self.method, "host": self.host, "sni": self.sni,
                      "client_port": self.client_port, "path": path}
        if query:
            self.truth["query"] = urllib.parse.parse_qsl(query, keep_blank_values=True)
        if self.sni != self.host:
            return self.plain(421, "text/plain", "SNI %r does not match Host %r\n" % (self.sni, self.host))
        if self.host == "account.xiaomi.com":
            return self.account(path, dict(urllib.parse.parse_qsl(query)), form)
        if self.host == "sts.api.io.mi.com":
            return self.sts(path, dict(urllib.parse.parse_qsl(query)))
        if self.host == "api.io.mi.com" or self.host.endswith(".api.io.mi.com"):
            return self.api(path, form)
        return self.plain(404, "text/plain", "unknown host\n")

    def plain(self, status, ctype, text, cookies=()):
        self.status = status
        self.reply = text.encode()
        self.reply_headers = [("Content-Type", ctype)] + [("Set-Cookie", c) for c in cookies]
        self.truth.update(status=status, response=text)
        if cookies:
            self.truth["set_cookies"] = list(cookies)

    # -- login
    def account(self, path, query, form):
        self.truth["kind"] = "login"
        ctype = "application/json;charset=UTF-8"
        if self.method == "GET" and path == "/pass/serviceLogin":
            reply = {"serviceParam": "{\"checkSafePhone\":false,\"checkSafeAddress\":false,\"lsrp_score\":0.0}",
                     "qs": "%3Fsid%3Dxiaomiio%26_json%3Dtrue", "code": 70016,
                     "description": "登录验证失败", "securityStatus": 0, "_sign": LOGIN_SIGN,
                     "sid": query.get("sid", ""), "result": "error", "captchaUrl": None,
                     "callback": "https://sts.api.io.mi.com/sts",
                     "location": "https://account.xiaomi.com/fe/service/login?_json=true&sid=xiaomiio&qs=%253Fsid%253Dxiaomiio%2526_json%253Dtrue&callback=https%3A%2F%2Fsts.api.io.mi.com%2Fsts&_sign=F7cN2xQe9pLk0VbR3sYtWm8uHaI%3D&serviceParam=%7B%22checkSafePhone%22%3Afalse%7D&showActiveX=false&theme=&needTheme=false&bizDeviceType=",
                     "pwd": 0, "child": 0, "desc": "登录验证失败"}
            return self.plain(200, ctype, "&&&START&&&" + json_text(reply))
        if self.method == "POST" and path == "/pass/serviceLoginAuth2":
            self.truth["form"] = form
            f = dict(form)
            if (f.get("user") != USERNAME or f.get("_sign") != LOGIN_SIGN
                    or f.get("hash") != hashlib.md5(PASSWORD.encode()).hexdigest().upper()):
                reply = {"qs": f.get("qs", ""), "code": 70016, "description": "登录验证失败",
                         "securityStatus": 0, "_sign": LOGIN_SIGN, "sid": "xiaomiio", "result": "error",
                         "captchaUrl": None, "callback": "https://sts.api.io.mi.com/sts", "location": "",
                         "pwd": 0, "child": 0, "desc": "登录验证失败"}
                return self.plain(200, ctype, "&&&START&&&" + json_text(reply))
            location = ("https://sts.api.io.mi.com/sts?d=wb_5f1c8e2a-93d4-4b7e-a6f0-1c2d3e4f5a6b&ticket=0"
                        "&pwd=1&p_ts=1767225600000&fid=0&p_lm=1&auth=ZXhhbXBsZS1hdXRoLWJsb2I%3D&m=1&tsl=0"
                        "&nonce=" + STS_NONCE + "&_ssign=" + STS_SSIGN)
            reply = {"qs": f.get("qs", ""), "ssecurity": SSECURITY_LOGIN, "code": 0, "passToken": PASS_TOKEN,
                     "description": "成功", "securityStatus": 0, "nonce": 8261739450123456789,
                     "userId": USER_ID, "cUserId": CUSER_ID, "result": "ok",
                     "psecurity": "q1Zb9wX3yN6tR0vM8cL2kJ==", "captchaUrl": None, "location": location,
                     "pwd": 1, "child": 0, "desc": "成功"}
            cookies = ["passToken=%s; Domain=.account.xiaomi.com; Path=/; Secure; HttpOnly" % PASS_TOKEN,
                       "userId=%d; Domain=.xiaomi.com; Path=/" % USER_ID,
                       "cUserId=%s; Domain=.xiaomi.com; Path=/" % CUSER_ID]
            return self.plain(200, ctype, "&&&START&&&" + json_text(reply), cookies)
        return self.plain(404, "text/plain", "not found\n")

    def sts(self, path, query):
        self.truth["kind"] = "login"
        if self.method != "GET" or path != "/sts":
            return self.plain(404, "text/plain", "not found\n")
        if query.get("nonce") != STS_NONCE or query.get("_ssign") != urllib.parse.unquote(STS_SSIGN):
            return self.plain(403, "text/plain", "bad ticket\n")
        cookies = ["serviceToken=%s; Domain=api.io.mi.com; Path=/; HttpOnly" % SERVICE_TOKEN_LOGIN,
                   "userId=%d; Domain=api.io.mi.com; Path=/" % USER_ID]
        return self.plain(200, "text/plain;charset=UTF-8", "ok", cookies)

    # -- the RC4 API
    def api(self, path, form):
        self.truth["kind"] = "api"
        self.truth["form"] = form
        if self.method != "POST" or not path.startswith("/app/"):
            return self.plain(404, "text/plain", "not found\n")
        signed_path = path[len("/app"):]
        self.truth["signed_path"] = signed_path
        token = parse_cookies(self.headers.get("cookie")).get("serviceToken")
        if token not in SESSIONS:
            return self.plain(401, "text/plain", "unknown serviceToken\n")
        ssecurity = SESSIONS[token]
        fields = dict(form)
        nonce = fields.get("_nonce")
        if not nonce or "signature" not in fields or "rc4_hash__" not in fields:
            return self.plain(400, "text/plain", "missing _nonce, signature or rc4_hash__\n")
        if "ssecurity" in fields and fields["ssecurity"] != ssecurity:
            return self.plain(403, "text/plain", "ssecurity in the form is not this user's\n")
        key = rc4_key(ssecurity, nonce)
        self.truth.update(nonce=nonce, ssecurity=ssecurity, signed_nonce=base64.b64encode(key).decode(),
                          ssecurity_in_form="ssecurity" in fields)
        # The encrypted params are those before "signature", in the order sent.
        encrypted = []
        for k, v in form:
            if k == "signature":
                break
            encrypted.append((k, v))
        if request_hash(self.method, signed_path, encrypted, key) != fields["signature"]:
            return self.plain(403, "text/plain", "signature does not verify\n")
        plain = [(k, decrypt_value(key, v)) for k, v in encrypted]
        self.truth["params"] = plain
        sent_hash = dict(plain).get("rc4_hash__")
        before_hash = [kv for kv in plain if kv[0] != "rc4_hash__"]
        if request_hash(self.method, signed_path, before_hash, key) != sent_hash:
            return self.plain(403, "text/plain", "rc4_hash__ does not verify\n")
        try:
            data = json.loads(dict(plain).get("data", "{}"))
        except ValueError:
            data = {}
        result = api_result(signed_path, data)
        if result is None:
            result = {"code": -8, "message": "unknown api"}
        text = json_text(result)
        body = encrypt_value(key, text)
        self.status = 200
        self.reply = body.encode()
        self.reply_headers = [("Content-Type", "text/plain;charset=UTF-8"),
                              ("MIOT-ENCRYPT-ALGORITHM", "ENCRYPT-RC4")]
        self.truth.update(status=200, response=text, response_body=body)


class Truth:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()
        self.seq = 0

    def write(self, record):
        with self.lock:
            self.seq += 1
            line = {"seq": self.seq}
            line.update(record)
            self.file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.file.flush()


# ---------------------------------------------------------------- HTTP/1.1
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "micloud-standin"
    sys_version = ""

    def setup(self):
        self.request.do_handshake()
        super().setup()

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or "").split(":")[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        ex = Exchange(self.command, host, self.path, headers, body,
                      getattr(self.request, "sni_name", None), self.client_address[1], "1.1")
        ex.answer()
        self.send_response(ex.status)
        for k, v in ex.reply_headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(ex.reply)))
        self.end_headers()
        self.wfile.write(ex.reply)
        self.server.truth.write(ex.truth)

    def log_message(self, fmt, *args):
        sys.stderr.write("server: %s %s\n" % (self.client_address[1], fmt % args))


def tls_context(alpn):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(os.path.join(HERE, "cert.pem"), os.path.join(HERE, "key.pem"))
    ctx.set_alpn_protocols(alpn)
    # micloud's sessions close their sockets without a TLS close_notify, as
    # most HTTP clients do; take that as the end of the connection rather than
    # answering it with an alert (which the closed client socket would RST).
    ctx.options |= getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)

    def remember_sni(sslsock, name, _ctx):
        sslsock.sni_name = name
    ctx.sni_callback = remember_sni
    return ctx


# ---------------------------------------------------------------- HTTP/2
def serve_h2(conn, client_port, truth):
    """One HTTP/2 connection (the `h2` package's framing), requests answered
    one stream at a time as they complete."""
    h2c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
    h2c.initiate_connection()
    conn.sendall(h2c.data_to_send())
    streams = {}
    sni = getattr(conn, "sni_name", None)
    while True:
        try:
            data = conn.recv(65535)
        except (ConnectionError, ssl.SSLError):
            break
        if not data:
            break
        for event in h2c.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                streams[event.stream_id] = {"headers": event.headers, "body": b""}
            elif isinstance(event, h2.events.DataReceived):
                streams[event.stream_id]["body"] += event.data
                h2c.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                req = streams.pop(event.stream_id)
                hdrs = {}
                for k, v in req["headers"]:
                    hdrs[k.lower()] = (hdrs[k.lower()] + "; " + v) if k.lower() == "cookie" and k.lower() in hdrs else v
                ex = Exchange(hdrs[":method"], hdrs.get(":authority", "").split(":")[0], hdrs[":path"], hdrs,
                              req["body"], sni, client_port, "2")
                ex.answer()
                out = [(":status", str(ex.status))] + [(k.lower(), v) for k, v in ex.reply_headers]
                out.append(("content-length", str(len(ex.reply))))
                h2c.send_headers(event.stream_id, out)
                h2c.send_data(event.stream_id, ex.reply, end_stream=True)
                truth.write(ex.truth)
            elif isinstance(event, h2.events.ConnectionTerminated):
                conn.sendall(h2c.data_to_send())
                return
        pending = h2c.data_to_send()
        if pending:
            conn.sendall(pending)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--h2", action="store_true")
    args = ap.parse_args()
    truth = Truth(args.truth)
    ctx = tls_context(["h2"] if args.h2 else ["http/1.1"])

    if args.h2:
        # Imported before "ready", not on the first connection (an import
        # there delays the server's first answer by tens of milliseconds).
        global h2
        import h2.config
        import h2.connection
        import h2.events
        listener = socket.create_server((args.address, args.port), reuse_port=False)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        stop = threading.Event()

        def accept_loop():
            while not stop.is_set():
                try:
                    raw, addr = listener.accept()
                except OSError:
                    return

                def one(raw=raw, addr=addr):
                    try:
                        with ctx.wrap_socket(raw, server_side=True) as conn:
                            if conn.selected_alpn_protocol() != "h2":
                                return
                            serve_h2(conn, addr[1], truth)
                    except (ssl.SSLError, ConnectionError) as e:
                        sys.stderr.write("server: %s %s\n" % (addr[1], e))
                threading.Thread(target=one, daemon=True).start()
        signal.signal(signal.SIGTERM, lambda *_: (stop.set(), listener.close()))
        print("ready", flush=True)
        accept_loop()
        return

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
    httpd = Server((args.address, args.port), Handler)
    httpd.truth = truth
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=httpd.shutdown).start())
    print("ready", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
