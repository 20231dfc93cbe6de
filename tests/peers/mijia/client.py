#!/usr/bin/env python3
"""A mijiaAPI 5.0 user for test captures: the library's own public API
(mijiaAPI.login(), get_homes_list(), get_devices_list(), get_devices_prop(),
set_devices_prop(), run_action(), get_scenes_list(), run_scene(), mijiaDevice,
...) makes every request, with its own nonce, signing, RC4, gzip and HTTP
(`requests`) code; nothing here builds a request.

The real host names resolve to the stand-in's loopback addresses (server.py's
HOSTS) by wrapping socket.getaddrinfo in this process only, so URLs, Host
headers and TLS SNI stay the real ones; any other Xiaomi name is refused, so
nothing can reach the real cloud. The stand-in's self-signed certificate is
trusted through REQUESTS_CA_BUNDLE (certificates are still verified); TLS
secrets go to $SSLKEYLOGFILE (urllib3 2 reads it for its SSL contexts).

  client.py qr-chain --auth-dir DIR --out FILE
      QR login (auth-dir must hold no auth.json), then the calls of the chain
  client.py no-login --auth-dir DIR --saved-auth FILE --out FILE
      starts from FILE copied to DIR/auth.json (as saved by an earlier login)

What the client saw goes to --out, one JSON line each, as it happened (no
line is written by a decoder):
  kind "mijia"       one per RC4 API request: path, the clear `data` and the
                     clear params (mijiaAPI's own encrypt_rc4 inputs, in the
                     order sent), nonce, ssecurity, request headers, reply
                     headers, whether mijiaAPI had to decrypt (`encrypted`)
                     and to gunzip (`gzipped`) the reply, and the reply text
                     it parsed (`reply`)
  kind "mijia-http"  one per other HTTP request (login steps, miot-spec.org):
                     method, url, status, reply text, Set-Cookie headers
  kind "call"        one per public API call: its name, arguments and what it
                     returned
  kind "auth"        mijiaAPI's auth_data after the login (or as loaded)
"""
import argparse
import json
import os
import shutil
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from server import HOSTS, LAMP_DID, OFFLINE_DID, PLUG_DID, ACPARTNER_DID  # noqa: E402  (addresses, ids)

API_HEADERS = ("miot-encrypt-algorithm", "miot-accept-encoding", "x-xiaomi-protocal-flag-cli", "accept-encoding",
               "content-type", "user-agent", "cookie")
REPLY_HEADERS = ("Content-Type", "MIOT-ENCRYPT-ALGORITHM", "MIOT-CONTENT-ENCODING", "Content-Length")


def resolve_to_loopback():
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in HOSTS:
            return real(HOSTS[name], *args, **kwargs)
        if name and any(name == d or name.endswith("." + d) for d in
                        ("xiaomi.com", "mi.com", "mijia.tech", "miot-spec.org", "mi-img.com")):
            raise OSError("client.py: %s has no stand-in" % name)
        return real(host, *args, **kwargs)
    socket.getaddrinfo = getaddrinfo


class Recorder:
    """Observes mijiaAPI's own functions; writes what they sent and got."""

    def __init__(self, path):
        self.out = open(path, "a", encoding="utf-8")
        self.api_call = None      # the RC4 request being made
        self.plaintexts = []      # encrypt_rc4 inputs of the current request

    def write(self, line):
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()

    def install(self):
        import requests
        from mijiaAPI import apis, miutils

        rec = self
        orig_encrypt = miutils.encrypt_rc4

        def encrypt_rc4(password, payload):
            rec.plaintexts.append(payload)
            return orig_encrypt(password, payload)
        miutils.encrypt_rc4 = encrypt_rc4  # generate_enc_params looks it up in miutils

        orig_gen = apis.generate_enc_params

        def generate_enc_params(uri, method, signed_nonce, nonce, params, ssecurity):
            rec.plaintexts = []
            sent = orig_gen(uri, method, signed_nonce, nonce, params, ssecurity)
            keys = list(sent)[:len(rec.plaintexts)]
            rec.api_call = {"kind": "mijia", "path": uri, "method": method, "nonce": nonce, "ssecurity": ssecurity,
                            "signed_nonce": signed_nonce, "data": dict(zip(keys, rec.plaintexts)).get("data"),
                            "params": [list(kv) for kv in zip(keys, rec.plaintexts)],
                            "form_keys": list(sent), "encrypted": False, "gzipped": False}
            return sent
        apis.generate_enc_params = generate_enc_params

        orig_decrypt = apis.decrypt

        def decrypt(ssecurity, nonce, payload):
            text = orig_decrypt(ssecurity, nonce, payload)
            raw = miutils.decrypt_rc4(miutils.get_signed_nonce(ssecurity, nonce), payload)
            try:
                raw.decode("utf-8")
                gzipped = False
            except UnicodeDecodeError:  # what makes mijiaAPI's decrypt gunzip
                gzipped = True
            if rec.api_call is not None:
                rec.api_call.update(encrypted=True, gzipped=gzipped, rc4_plaintext_len=len(raw), reply=text)
                if gzipped:
                    rec.api_call["rc4_plaintext_head_hex"] = raw[:10].hex()
            return text
        apis.decrypt = decrypt

        orig_send = requests.Session.send

        def send(session, request, **kwargs):
            response = orig_send(session, request, **kwargs)
            call = rec.api_call
            if call is not None and request.method == "POST" and "/app/" in request.url and "status" not in call:
                call.update(url=request.url,
                            request_headers={k: request.headers[k] for k in API_HEADERS if k in request.headers},
                            status=response.status_code,
                            reply_headers={k: response.headers[k] for k in REPLY_HEADERS if k in response.headers},
                            reply_body=response.text)
            else:
                line = {"kind": "mijia-http", "method": request.method, "url": request.url,
                        "status": response.status_code, "response": response.text}
                cookies = response.raw.headers.getlist("Set-Cookie") if response.raw is not None else []
                if cookies:
                    line["set_cookies"] = cookies
                rec.write(line)
            return response
        requests.Session.send = send

        orig_request = apis.mijiaAPI._request

        def _request(api, uri, data, refresh_token=True):
            outer = rec.api_call
            rec.api_call = None
            try:
                result = orig_request(api, uri, data, refresh_token)
            finally:
                call = rec.api_call
                if call is not None:
                    body = call.pop("reply_body", None)
                    if not call["encrypted"]:  # mijiaAPI parsed the body itself
                        call["reply"] = body
                    rec.write(call)
                rec.api_call = outer
            return result
        apis.mijiaAPI._request = _request

    def call(self, name, fn, *args, **kwargs):
        """A public API call, recorded with what it returned."""
        returned = fn(*args, **kwargs)
        line = {"kind": "call", "call": name, "args": list(args)}
        if kwargs:
            line["kwargs"] = kwargs
        line["returned"] = returned
        self.write(line)
        return returned


def qr_chain(api, rec):
    auth = api.login()
    rec.write({"kind": "call", "call": "login", "args": [], "returned": "auth_data (the next line)"})
    rec.write({"kind": "auth", "auth_data": auth})
    homes = rec.call("get_homes_list", api.get_homes_list)
    home_id = homes[0]["id"]
    devices = rec.call("get_devices_list", api.get_devices_list)
    purifier = next(d for d in devices if d["model"] == "zhimi.airp.rmb1")["did"]
    rec.call("get_devices_prop", api.get_devices_prop, [
        {"did": purifier, "siid": 2, "piid": 1},    # on
        {"did": purifier, "siid": 2, "piid": 4},    # mode
        {"did": purifier, "siid": 3, "piid": 4},    # pm2.5-density
        {"did": purifier, "siid": 3, "piid": 7},    # temperature
        {"did": purifier, "siid": 4, "piid": 1},    # filter-life-level
        {"did": LAMP_DID, "siid": 2, "piid": 2},
        {"did": PLUG_DID, "siid": 2, "piid": 1},
        {"did": OFFLINE_DID, "siid": 2, "piid": 1},
        {"did": purifier, "siid": 2, "piid": 99},   # no such property
    ])
    rec.call("set_devices_prop", api.set_devices_prop, [
        {"did": purifier, "siid": 2, "piid": 4, "value": 2},     # mode = favorite
        {"did": purifier, "siid": 9, "piid": 11, "value": 10},   # favorite-level
        {"did": purifier, "siid": 3, "piid": 7, "value": 25.0},  # temperature: read-only
        {"did": LAMP_DID, "siid": 2, "piid": 2, "value": 50},
        {"did": OFFLINE_DID, "siid": 2, "piid": 1, "value": True},
    ])
    rec.call("run_action", api.run_action, [
        {"did": purifier, "siid": 2, "aiid": 1},                 # toggle
        {"did": purifier, "siid": 4, "aiid": 1, "value": [0]},   # reset-filter-life
    ])
    scenes = rec.call("get_scenes_list", api.get_scenes_list, home_id)
    rec.call("run_scene", api.run_scene, scenes[0]["scene_id"], home_id)
    # A request without `miot-accept-encoding: GZIP` (taken out of mijiaAPI's
    # session headers): the reply comes back RC4 only, not compressed.
    api.session.headers.pop("miot-accept-encoding")
    rec.write({"kind": "note", "note": "miot-accept-encoding removed from api.session.headers"})
    rec.call("get_devices_prop", api.get_devices_prop, {"did": purifier, "siid": 4, "piid": 1})


def no_login(api, rec):
    from mijiaAPI import mijiaDevice
    rec.write({"kind": "auth", "auth_data": api.auth_data})
    available = api.available
    rec.write({"kind": "call", "call": "available", "args": [], "returned": available})
    if not available:
        sys.exit("client.py: the saved auth data is not accepted")
    dev = mijiaDevice(api, did="871203459", sleep_time=0.1)
    rec.write({"kind": "call", "call": "mijiaDevice", "args": [], "kwargs": {"did": "871203459"},
               "returned": {"did": dev.did, "model": dev.model, "name": dev.name,
                            "properties": sorted(k for k in dev.prop_list if "_" not in k),
                            "actions": sorted(dev.action_list)}})
    rec.call("mijiaDevice.get", dev.get, "mode")
    rec.call("mijiaDevice.get", dev.get, "pm2.5-density")
    rec.call("mijiaDevice.set", dev.set, "favorite-level", 5)
    rec.call("mijiaDevice.run_action", dev.run_action, "toggle")
    rec.call("get_statistics", api.get_statistics, {
        "did": ACPARTNER_DID, "key": "7.1", "data_type": "stat_day_v3", "limit": 3,
        "time_start": 1767052800, "time_end": 1767225600})
    rec.call("get_consumable_items", api.get_consumable_items, "260041783015")
    api.session.headers.pop("miot-accept-encoding")
    rec.write({"kind": "note", "note": "miot-accept-encoding removed from api.session.headers"})
    rec.call("get_shared_devices_list", api.get_shared_devices_list)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=("qr-chain", "no-login"))
    ap.add_argument("--auth-dir", required=True)
    ap.add_argument("--saved-auth")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if not os.environ.get("SSLKEYLOGFILE"):
        sys.exit("client.py: set SSLKEYLOGFILE, or the capture cannot be decrypted")
    os.environ["REQUESTS_CA_BUNDLE"] = os.path.join(HERE, "cert.pem")  # this process only
    os.environ["TZ"] = "Asia/Shanghai"  # the cookie's timezone / timezone_id, as for a user in China
    time.tzset()
    resolve_to_loopback()

    auth_path = os.path.join(args.auth_dir, "auth.json")
    if args.scenario == "qr-chain" and os.path.exists(auth_path):
        sys.exit("client.py: %s exists; the QR login needs none" % auth_path)
    if args.scenario == "no-login":
        if not args.saved_auth:
            sys.exit("client.py: no-login needs --saved-auth")
        os.makedirs(args.auth_dir, exist_ok=True)
        shutil.copyfile(args.saved_auth, auth_path)

    rec = Recorder(args.out)
    rec.install()
    from mijiaAPI import mijiaAPI
    api = mijiaAPI(auth_path)
    (qr_chain if args.scenario == "qr-chain" else no_login)(api, rec)


if __name__ == "__main__":
    main()
