#!/usr/bin/env python3
"""Stand-in for the Xiaomi Home integration's cloud HTTP APIs, for making
test captures (written for this project; nothing from the integration).

HTTPS (TLS 1.3, the self-signed certificate of ../gen-cert.py, ALPN http/1.1),
HTTP/1.1 with keep-alive, plain JSON (no RC4, no signatures), one listener per
host name, each on its own loopback address as the real names resolve to
different hosts:

  de.ha.api.io.mi.com      (fixtures.API_ADDR:443)
    GET  /app/v2/ha/oauth/get_token?data=<JSON>   OAuth code or refresh_token -> tokens
    POST /app/v2/homeroom/gethome                 homes and rooms
    POST /app/v2/home/device_list_page            devices: did, token, model, localip, mac, ...
    POST /app/v2/miotspec/prop/get                {"datasource":1,"params":[{did,siid,piid},...]}
    POST /app/v2/miotspec/prop/set                {"params":[{did,siid,piid,value},...]}
    POST /app/v2/miotspec/action                  {"params":{did,siid,aiid,"in":[values]}}
  open.account.xiaomi.com  (fixtures.ACCOUNT_ADDR:443)
    GET  /user/profile?clientId=&token=           the nick name

The /app/v2 API wants `Authorization: Bearer<access token>` (no space, as
the integration sends it), `X-Client-BizId: haapi` and `X-Client-AppId`
(the OAuth client id); it answers 401 to an unknown token. Replies are
`{"code":0,"message":"ok","result":...}` as the real cloud's, with a
per-entry `code` in the miotspec results (0 done, 1 accepted and in
progress, -704042011 device offline, -704030013 property not readable).

Every exchange is one JSON line in --truth (what decode.py compares the
capture with). Stops on SIGTERM.

  server.py --truth FILE
"""
import argparse
import base64
import hashlib
import json
import os
import signal
import ssl
import sys
import threading
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixtures as F  # noqa: E402

ACCESS_TOKENS = {F.ACCESS_TOKEN, F.ACCESS_TOKEN_2}
OFFLINE = -704042011
NOT_READABLE = -704030013


def json_text(obj):
    # The real cloud's JSON is compact, non-ASCII as UTF-8.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def ok(result):
    return {"code": 0, "message": "ok", "result": result}


# ---------------------------------------------------------------- the API
def get_token(query):
    try:
        data = json.loads(query.get("data", ""))
    except ValueError:
        return 400, {"code": -1, "message": "invalid data", "result": None}
    if data.get("client_id") != F.CLIENT_ID or data.get("redirect_uri") != F.REDIRECT_URL:
        return 400, {"code": 400, "message": "invalid client", "result": None}
    if data.get("code") == F.OAUTH_CODE and data.get("device_id") == "ha." + F.UUID:
        return 200, ok({"access_token": F.ACCESS_TOKEN, "refresh_token": F.REFRESH_TOKEN,
                        "expires_in": F.EXPIRES_IN})
    if data.get("refresh_token") == F.REFRESH_TOKEN:
        return 200, ok({"access_token": F.ACCESS_TOKEN_2, "refresh_token": F.REFRESH_TOKEN_2,
                        "expires_in": F.EXPIRES_IN})
    return 200, {"code": 96013, "message": "invalid grant", "result": None}


def device_list_page(data):
    dids = data.get("dids") or []
    listed = [d for d in F.DEVICES if not dids or d["did"] in dids]
    start = data.get("start_did")
    if start:
        listed = listed[[d["did"] for d in listed].index(start):] if start in F.DEVICES_BY_DID else []
    limit = int(data.get("limit", 200))
    page, rest = listed[:limit], listed[limit:]
    return ok({"list": page, "has_more": bool(rest), "next_start_did": rest[0]["did"] if rest else ""})


def prop_get(data):
    out = []
    for p in data.get("params", []):
        did, siid, piid = p.get("did"), p.get("siid"), p.get("piid")
        if did in F.OFFLINE_DIDS:
            out.append({"did": did, "siid": siid, "piid": piid, "code": OFFLINE})
        elif (did, siid, piid) in F.PROPERTY_VALUES:
            out.append({"did": did, "siid": siid, "piid": piid, "value": F.PROPERTY_VALUES[(did, siid, piid)],
                        "code": 0, "updateTime": F.UPDATE_TIME, "exe_time": 0})
        else:
            out.append({"did": did, "siid": siid, "piid": piid, "code": NOT_READABLE})
    return ok(out)


def prop_set(data):
    out = []
    for p in data.get("params", []):
        did = p.get("did")
        entry = {"did": did, "siid": p.get("siid"), "piid": p.get("piid")}
        if did in F.OFFLINE_DIDS:
            entry["code"] = OFFLINE
        elif did.startswith("blt.") or F.DEVICES_BY_DID.get(did, {}).get("owner"):
            entry["code"] = 1           # accepted, the device answers later
        else:
            entry.update(code=0, exe_time=60)
        out.append(entry)
    return ok(out)


def action(data):
    p = data.get("params") or {}
    did = p.get("did")
    if did in F.OFFLINE_DIDS:
        return ok({"did": did, "miid": 0, "siid": p.get("siid"), "aiid": p.get("aiid"), "code": OFFLINE})
    return ok({"did": did, "miid": 0, "siid": p.get("siid"), "aiid": p.get("aiid"), "code": 0, "out": [],
               "exe_time": 120, "withLatency": 0})


API = {
    "/app/v2/homeroom/gethome": lambda data: ok(F.HOMES),
    "/app/v2/home/device_list_page": device_list_page,
    "/app/v2/miotspec/prop/get": prop_get,
    "/app/v2/miotspec/prop/set": prop_set,
    "/app/v2/miotspec/action": action,
}


def profile(query):
    if query.get("clientId") != str(F.CLIENT_ID) or query.get("token") not in ACCESS_TOKENS:
        return 200, {"result": "error", "code": 96008, "description": "invalid token"}
    return 200, {"result": "ok", "code": 0, "description": "成功", "data": {
        "unionId": F.UNION_ID, "miliaoNick": F.NICK_NAME,
        "miliaoIcon": "https://cdn.cnbj1.fds.api.mi-img.com/user-avatar/p01f8b2a94e3c/default.jpg",
        "miliaoIcon_orig": "https://cdn.cnbj1.fds.api.mi-img.com/user-avatar/p01f8b2a94e3c/default_orig.jpg"}}


# ---------------------------------------------------------------- HTTP
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
            return self.seq


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Tengine"
    sys_version = ""

    def setup(self):
        self.request.do_handshake()
        super().setup()

    def version_string(self):
        return "Tengine"

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or "").split(":")[0]
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        truth = {"kind": "http", "host": host, "sni": getattr(self.request, "sni_name", None),
                 "server": self.server.server_address[0], "client_port": self.client_address[1],
                 "method": self.command, "path": url.path}
        if query:
            truth["query"] = [list(kv) for kv in query]
        truth["request_headers"] = [[k, v] for k, v in self.headers.items()]
        if body:
            truth["request_body"] = body.decode()
        status, ctype, reply = self.answer(host, url.path, dict(query), body, truth)
        text = json_text(reply) if not isinstance(reply, str) else reply
        data = text.encode()
        # A request id per exchange, as the real API sends one.
        request_id = base64.urlsafe_b64encode(hashlib.sha256(("%d%s" % (self.server.truth.seq + 1, url.path))
                                                            .encode()).digest()[:16]).decode().rstrip("=")
        headers = [("Date", formatdate(usegmt=True)), ("Content-Type", ctype), ("Content-Length", str(len(data))),
                   ("Connection", "keep-alive"), ("Request-Id", request_id)]
        self.send_response_only(status)
        self.send_header("Server", "Tengine")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        truth.update(status=status, response_headers=[["Server", "Tengine"]] + [list(h) for h in headers],
                     response=text)
        self.server.truth.write(truth)

    def answer(self, host, path, query, body, truth):
        sni = getattr(self.request, "sni_name", None)
        if sni != host:
            return 421, "text/plain; charset=utf-8", "SNI %r does not match Host %r\n" % (sni, host)
        if host == F.ACCOUNT_HOST and self.server.server_address[0] == F.ACCOUNT_ADDR:
            truth["api"] = "account"
            if self.command == "GET" and path == "/user/profile":
                status, reply = profile(query)
                return status, "application/json;charset=UTF-8", reply
            return 404, "text/plain; charset=utf-8", "not found\n"
        if host != F.API_HOST or self.server.server_address[0] != F.API_ADDR:
            return 404, "text/plain; charset=utf-8", "unknown host\n"
        if self.command == "GET" and path == "/app/v2/ha/oauth/get_token":
            truth["api"] = "oauth"
            status, reply = get_token(query)
            return status, "text/plain; charset=utf-8", reply
        truth["api"] = "app"
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer") or auth[len("Bearer"):] not in ACCESS_TOKENS:
            return 401, "application/json; charset=utf-8", {"code": 401, "message": "unauthorized", "result": None}
        truth["access_token"] = auth[len("Bearer"):]
        if (self.headers.get("X-Client-BizId") != "haapi" or self.headers.get("X-Client-AppId") != str(F.CLIENT_ID)
                or self.command != "POST" or path not in API):
            return 404, "application/json; charset=utf-8", {"code": -8, "message": "unknown api", "result": None}
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, "application/json; charset=utf-8", {"code": -1, "message": "invalid json", "result": None}
        truth["request_json"] = data
        return 200, "application/json; charset=utf-8", API[path](data)

    def log_message(self, fmt, *args):
        sys.stderr.write("server: %s %s\n" % (self.client_address[1], fmt % args))


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(os.path.join(HERE, "cert.pem"), os.path.join(HERE, "key.pem"))
    ctx.set_alpn_protocols(["http/1.1"])
    # aiohttp closes its sessions without a TLS close_notify, as most HTTP
    # clients do: take that as the end of the connection.
    ctx.options |= getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)

    def remember_sni(sslsock, name, _ctx):
        sslsock.sni_name = name
    ctx.sni_callback = remember_sni
    return ctx


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True)
    args = ap.parse_args()
    truth = Truth(args.truth)
    ctx = tls_context()

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    servers = []
    for addr in (F.API_ADDR, F.ACCOUNT_ADDR):
        httpd = Server((addr, 443), Handler)
        httpd.truth = truth
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        servers.append(httpd)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    for s in servers:
        s.shutdown()


if __name__ == "__main__":
    main()
