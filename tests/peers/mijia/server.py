#!/usr/bin/env python3
"""Stand-in for the Xiaomi account server, the Mi Home cloud API at
api.mijia.tech and miot-spec.org, for making test captures of mijiaAPI 5.0.

HTTPS (TLS 1.3 only, this folder's self-signed certificate of ../gen-cert.py),
HTTP/1.1 (mijiaAPI's `requests` speaks nothing else), one listening socket per
host name, each on its own loopback address (HOSTS); the Host header must
match both the TLS SNI and the address the client connected to:

  account.xiaomi.com         GET /pass/serviceLogin        &&&START&&& JSON, code 70016,
                                                           `location` whose query
                                                           mijiaAPI copies to:
                             GET /longPolling/loginUrl     &&&START&&& JSON: loginUrl, qr,
                                                           lp (the long-poll URL), timeout
  c3.lp.account.xiaomi.com   GET /lp/s?k=<ticket>          held --scan-delay seconds (the
                                                           QR code being "scanned"), then
                                                           &&&START&&& JSON: psecurity,
                                                           nonce, ssecurity, passToken,
                                                           userId, cUserId, location, ...
  sts.api.mijia.tech         GET /mijia/sts?...            "ok", Set-Cookie serviceToken
  api.mijia.tech             POST /app/<path>              the RC4 API
  miot-spec.org              GET /miot-spec-v2/instance    a spec document (tests/captures/
                                                           miot-specs/, byte for byte)

The RC4 API is checked with this file's own implementation (nothing from
mijiaAPI): RC4 key = SHA-256(base64dec(ssecurity) ‖ base64dec(_nonce)), the
first 1024 keystream bytes dropped, a fresh cipher for every value;
rc4_hash__ (over the plaintext params) and signature (over the encrypted
ones) are base64(SHA-1("POST&<path>&k=v&…&<signed nonce>")), <path> the URL
path less "/app". A request whose hashes do not verify is refused (403).
The reply is the JSON text, gzip-compressed first when the request carries
`miot-accept-encoding: GZIP` (then the reply header `MIOT-CONTENT-ENCODING:
GZIP`), RC4-encrypted under the request's key, base64.

Every exchange is written as one JSON line to --truth. Stops on SIGTERM.

  server.py --truth FILE [--scan-delay 1.5]
"""
import argparse
import base64
import gzip
import hashlib
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.path.join(HERE, "..", "..", "captures", "miot-specs")

# Host name -> loopback address (client.py resolves the same way).
HOSTS = {
    "account.xiaomi.com": "127.0.0.32",
    "c3.lp.account.xiaomi.com": "127.0.0.33",
    "sts.api.mijia.tech": "127.0.0.34",
    "api.mijia.tech": "127.0.0.35",
    "miot-spec.org": "127.0.0.37",
}

# ---------------------------------------------------------------- fixtures
USER_ID = 1839204756
CUSER_ID = "HsyVu6FhkjIoiQ4Zgvl__A6M"
PASS_TOKEN = ("V1:Qi6YzcpvlgfTsSv1cReOqkw9Tw+AfnH92mPO4BQedLppIfPH/XCgl7/WGA/3QsVD4GOZl/ajdXyZbHh5oSaXlHyU"
              "HpkNLYRlW0oZGEUBoZ9+J4imNdSO/CG8XbbM1Cg529c2wb7Kn3sI6IpnX/zGQfzhTrvb+NI2")
PSECURITY = "l8e2ijkfOCx7iFq85jZArA=="
LOGIN_NONCE = 7140635492118837402          # the lp reply's "nonce" (a number)
LOGIN_SIGN = "2&V1_mijia&q9Xb3L0nZk7RtW1cYp5eHaUs4fM="
QR_TICKET = "lp_7Ck2Rz9Q3f-1b8e-4c2d-9a7f-5e3d1c0b2a94"
STS_NONCE = "WSpm3kouekH0JrPX"
STS_SSIGN = "L30x8RnWKAxDuijvsEL4EYkziek="
CALLBACK = "https://sts.api.mijia.tech/mijia/sts"

# serviceToken -> ssecurity: the QR login's session and the saved session the
# capture without login starts from (make-captures.sh writes its auth.json).
SSECURITY_LOGIN = "D6JZ0ca5Ym2AzUncjr1NQA=="      # 0fa259d1c6b9626d80cd49dc8ebd4d40
SSECURITY_NO_LOGIN = "N3tTg7QA3b18JATNt/aiew=="   # 377b5383b400ddbd7c2404cdb7f6a27b
SERVICE_TOKEN_LOGIN = ("m49//YKF12cvi3lnjzqtJDzpEi5OjLMdCV576kUQqO0Fdiwi5DNDpkpGxXo9mZDvuGxUS0aiUuJwZkoCKSf1"
                       "E8npmkkCUjVL5iYxxWR6JoJ1gg0Dj6E0MxRZKklSRbWFGOY8FeOHdg6BT1hFxWgT1WYLli5QFdip")
SERVICE_TOKEN_NO_LOGIN = ("vbaYJu/tsAx64UJGMHShgWSpm3kouekH0JrPXL30x8RnWKAxDuijvsEL4EYkziekrXQ2rMpl7Hn0cF"
                          "Gd1K8sWz4yT6uBq3eVj9oN5aLx2iRh7mPc0dYfE1gU8kS3tZbA6wJ4nQvC9rH2xL5pM7yK0eD1sF3g")
SESSIONS = {SERVICE_TOKEN_LOGIN: SSECURITY_LOGIN, SERVICE_TOKEN_NO_LOGIN: SSECURITY_NO_LOGIN}

HOME_ID = "260041783015"
OFFICE_ID = "260041783022"
PURIFIER_DID = "871203459"                    # zhimi.airp.rmb1, 0x33ed6883
PURIFIER_TOKEN = "43a64f60b4e7548679bac9bebb773680"
PURIFIER_IP = "127.0.0.36"
LAMP_DID = "563019287"
PLUG_DID = "612334098"
ACPARTNER_DID = "451278390"
OFFLINE_DID = "290035718"
SCENE_ID = "1811370031427289088"


def fixture_token(did):
    """The fixed 32-hex token of a device other than the purifier."""
    return hashlib.md5(("mijia-fixture:" + did).encode()).hexdigest()


def fixture_mac(did):
    return ":".join("%02X" % b for b in hashlib.sha1(did.encode()).digest()[:6])


# (did, name, model, localip, spec_type, parent_id, home, room, online)
DEVICE_ROWS = [
    (PURIFIER_DID, "客厅空气净化器", "zhimi.airp.rmb1", PURIFIER_IP,
     "urn:miot-spec-v2:device:air-purifier:0000A007:zhimi-rmb1:2", "", HOME_ID, "r1", True),
    (LAMP_DID, "书房台灯", "yeelink.light.lamp4", "192.168.31.41",
     "urn:miot-spec-v2:device:light:0000A001:yeelink-lamp4:1", "", HOME_ID, "r3", True),
    (PLUG_DID, "Kettle plug", "cuco.plug.v3", "192.168.31.42",
     "urn:miot-spec-v2:device:outlet:0000A002:cuco-v3:1", "", HOME_ID, "r2", True),
    ("blt.3.1k9m2n4p6r800", "Bedroom thermometer", "miaomiaoce.sensor_ht.t2", "",
     "urn:miot-spec-v2:device:temperature-humidity-sensor:0000A00A:miaomiaoce-t2:1", "", HOME_ID, "r4", True),
    ("1046382213", "Gateway", "lumi.gateway.mgl03", "192.168.31.43",
     "urn:miot-spec-v2:device:gateway:0000A019:lumi-mgl03:1", "", HOME_ID, "r1", True),
    ("lumi.158d0004a1b2c3", "Front door", "lumi.sensor_magnet.v2", "",
     "urn:miot-spec-v2:device:magnet-sensor:0000A016:lumi-v2:1", "1046382213", HOME_ID, "r1", True),
    ("lumi.158d0004d5e6f7", "Hall motion", "lumi.sensor_motion.aq2", "",
     "urn:miot-spec-v2:device:motion-sensor:0000A014:lumi-aq2:1", "1046382213", HOME_ID, "r1", True),
    ("302785119", "扫地机器人", "roborock.vacuum.s6", "192.168.31.44",
     "urn:miot-spec-v2:device:vacuum:0000A006:roborock-s6:1", "", HOME_ID, "r1", True),
    ("277493008", "Standing fan", "zhimi.fan.za5", "192.168.31.45",
     "urn:miot-spec-v2:device:fan:0000A005:zhimi-za5:1", "", HOME_ID, "r3", True),
    ("365210477", "Tower fan", "dmaker.fan.p5", "192.168.31.46",
     "urn:miot-spec-v2:device:fan:0000A005:dmaker-p5:1", "", HOME_ID, "r4", True),
    ("427100563", "Door camera", "chuangmi.camera.ipc019", "192.168.31.47",
     "urn:miot-spec-v2:device:camera:0000A01C:chuangmi-ipc019:1", "", HOME_ID, "r1", True),
    ("598374621", "小爱音箱", "xiaomi.wifispeaker.lx06", "192.168.31.48",
     "urn:miot-spec-v2:device:speaker:0000A015:xiaomi-lx06:2", "", HOME_ID, "r1", True),
    ("511098276", "Ceiling light", "yeelink.light.ceiling22", "192.168.31.49",
     "urn:miot-spec-v2:device:light:0000A001:yeelink-ceiling22:1", "", HOME_ID, "r1", True),
    ("384920115", "加湿器", "deerma.humidifier.jsq4", "192.168.31.50",
     "urn:miot-spec-v2:device:humidifier:0000A00E:deerma-jsq4:1", "", HOME_ID, "r4", True),
    (OFFLINE_DID, "Bathroom heater", "zhimi.heater.za2", "192.168.31.51",
     "urn:miot-spec-v2:device:heater:0000A01A:zhimi-za2:1", "", HOME_ID, "r5", False),
    (ACPARTNER_DID, "空调伴侣", "lumi.acpartner.mcn04", "192.168.31.52",
     "urn:miot-spec-v2:device:air-conditioner:0000A004:lumi-mcn04:1", "", HOME_ID, "r1", True),
    ("233870156", "Hall bulb", "philips.light.bulb", "192.168.31.53",
     "urn:miot-spec-v2:device:light:0000A001:philips-bulb:1", "", HOME_ID, "r1", True),
    ("307615428", "Rice cooker", "chunmi.cooker.eh1", "192.168.31.54",
     "urn:miot-spec-v2:device:cooker:0000A00B:chunmi-eh1:1", "", HOME_ID, "r2", True),
    ("629011734", "Bedroom AC", "xiaomi.aircondition.mc5", "192.168.31.55",
     "urn:miot-spec-v2:device:air-conditioner:0000A004:xiaomi-mc5:1", "", HOME_ID, "r4", True),
    ("178203455", "Garden camera", "isa.camera.hlc7", "192.168.31.56",
     "urn:miot-spec-v2:device:camera:0000A01C:isa-hlc7:1", "", HOME_ID, "r1", True),
    ("701223948", "Desk plug", "cuco.plug.cp1", "10.8.0.21",
     "urn:miot-spec-v2:device:outlet:0000A002:cuco-cp1:1", "", OFFICE_ID, "o1", True),
    ("745510092", "Office purifier", "zhimi.airpurifier.ma4", "10.8.0.22",
     "urn:miot-spec-v2:device:air-purifier:0000A007:zhimi-ma4:2", "", OFFICE_ID, "o1", True),
    ("733412590", "Meeting room lamp", "yeelink.light.lamp22", "10.8.0.23",
     "urn:miot-spec-v2:device:light:0000A001:yeelink-lamp22:1", "", OFFICE_ID, "o1", True),
]
SHARED_ROWS = [  # shared with this user by others (only in /v2/home/device_list_page)
    ("811204376", "Parents' purifier", "zhimi.airp.rmb1", "192.168.1.77",
     "urn:miot-spec-v2:device:air-purifier:0000A007:zhimi-rmb1:2", 2209174652, "Mum"),
    ("502981337", "Parents' plug", "chuangmi.plug.m1", "192.168.1.78",
     "urn:miot-spec-v2:device:outlet:0000A002:chuangmi-m1:1", 2209174652, "Mum"),
]
ROOMS = {"r1": "客厅", "r2": "Kitchen", "r3": "书房", "r4": "Bedroom", "r5": "Bathroom", "o1": "Open space"}


def device_entry(row, owner=None):
    did, name, model, ip, spec_type, parent, *_ = row
    ble = did.startswith("blt.")
    sub = bool(parent)
    token = PURIFIER_TOKEN if did == PURIFIER_DID else fixture_token(did)[:24 if ble else 32]
    entry = {"did": did, "token": token, "longitude": "116.3979", "latitude": "39.9087", "name": name,
             "pid": "6" if ble else ("3" if sub else "0"), "localip": ip,
             "mac": "" if sub else fixture_mac(did), "ssid": "" if (ble or sub) else "HomeNet-5G",
             "bssid": "" if (ble or sub) else "8C:53:C3:10:22:3F",
             "parent_id": parent, "parent_model": "lumi.gateway.mgl03" if sub else "", "show_mode": 1,
             "model": model, "adminFlag": 1, "shareFlag": 1 if owner else 0, "permitLevel": 16,
             "isOnline": row[8] if len(row) > 8 else True, "desc": "", "extra": {
                 "isSetPincode": 0, "pincodeType": 0, "fw_version": "2.1.8_0012", "needVerifyCode": 0,
                 "isPasswordEncrypt": 0},
             "uid": owner[0] if owner else USER_ID, "pd_id": int(hashlib.md5(model.encode()).hexdigest()[:4], 16),
             "password": "", "p2p_id": "", "rssi": 0 if sub else -50, "family_id": 0, "reset_flag": 0,
             "spec_type": spec_type}
    if owner:
        entry["owner"] = {"userid": owner[0], "nickname": owner[1]}
    return entry


HOME_DEVICES = {h: [device_entry(r) for r in DEVICE_ROWS if r[6] == h] for h in (HOME_ID, OFFICE_ID)}
SHARED_DEVICES = [device_entry(r, owner=(r[5], r[6])) for r in SHARED_ROWS]


def homes():
    out = []
    for hid, name, created in ((HOME_ID, "我的家", 1704067200), (OFFICE_ID, "Office", 1717200000)):
        rows = [r for r in DEVICE_ROWS if r[6] == hid]
        rooms = sorted({r[7] for r in rows})
        out.append({"id": hid, "name": name, "bssid": "", "dids": [], "temp_dids": None, "icon": "",
                    "shareflag": 0, "permit_level": 0, "status": 0, "background": "",
                    "smart_room_background": "", "longitude": 116.3979, "latitude": 39.9087, "city_id": 101010100,
                    "address": "", "create_time": created,
                    "roomlist": [{"id": hid[:-2] + "%02d" % (50 + i), "name": ROOMS[r], "bssid": "",
                                  "parentid": hid, "dids": [d[0] for d in rows if d[7] == r], "icon": "",
                                  "background": "", "shareflag": 0, "create_time": created + 60 * (i + 1)}
                                 for i, r in enumerate(rooms)],
                    "uid": USER_ID, "appear_home_list": None})
    return out


PROPERTY_VALUES = {  # miotspec/prop/get: (did, siid, piid) -> value
    (PURIFIER_DID, 2, 1): True, (PURIFIER_DID, 2, 2): 0, (PURIFIER_DID, 2, 4): 1,
    (PURIFIER_DID, 3, 1): 48, (PURIFIER_DID, 3, 4): 12, (PURIFIER_DID, 3, 7): 21.5,
    (PURIFIER_DID, 4, 1): 87, (PURIFIER_DID, 4, 3): 47, (PURIFIER_DID, 4, 4): 313,
    (PURIFIER_DID, 9, 11): 5, (PURIFIER_DID, 13, 2): 1,
    (LAMP_DID, 2, 1): True, (LAMP_DID, 2, 2): 60, (LAMP_DID, 2, 3): 4000,
    (PLUG_DID, 2, 1): False, (PLUG_DID, 11, 2): 0,
}
WRITABLE = {(PURIFIER_DID, 2, 1), (PURIFIER_DID, 2, 4), (PURIFIER_DID, 9, 11), (PURIFIER_DID, 13, 2),
            (LAMP_DID, 2, 1), (LAMP_DID, 2, 2), (LAMP_DID, 2, 3), (PLUG_DID, 2, 1), (OFFLINE_DID, 2, 1)}
ACTIONS = {(PURIFIER_DID, 2, 1), (PURIFIER_DID, 4, 1), (PURIFIER_DID, 9, 1), (LAMP_DID, 2, 1)}
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


def gzip_bytes(data):
    """gzip with a zero mtime, so a remake gives the same compressed bytes."""
    return gzip.compress(data, compresslevel=6, mtime=0)


# ---------------------------------------------------------------- answers
def ok(result):
    return {"code": 0, "message": "ok", "result": result}


def api_result(path, data, session_user):
    """The JSON reply (a dict) for one API call, or None if unknown."""
    if path == "/v2/message/v2/check_new_msg":
        return ok({"has_new_msg": False, "new_msg_count": 0, "begin_at": data.get("begin_at")})
    if path == "/v2/homeroom/gethome_merged":
        return ok({"homelist": homes(), "share_home_list": [], "has_more": False, "max_id": ""})
    if path == "/home/home_device_list":
        if data.get("home_owner") != session_user or data.get("home_id") is None:
            return {"code": -2, "message": "home not found"}
        devices = HOME_DEVICES.get(str(data["home_id"]))
        if devices is None:
            return {"code": -2, "message": "home not found"}
        return ok({"device_info": devices, "has_more": False, "max_did": ""})
    if path == "/v2/home/device_list_page":
        devices = HOME_DEVICES[HOME_ID] + HOME_DEVICES[OFFICE_ID] + SHARED_DEVICES
        return ok({"list": devices, "virtualModels": [], "has_more": False, "next_start_did": ""})
    if path == "/miotspec/prop/get":
        result = []
        for p in data.get("params", []):
            key = (p.get("did"), p.get("siid"), p.get("piid"))
            entry = {"did": key[0], "siid": key[1], "piid": key[2]}
            if key in PROPERTY_VALUES:
                entry.update(value=PROPERTY_VALUES[key], code=0, updateTime=UPDATE_TIME, exe_time=0)
            elif key[0] == OFFLINE_DID:
                entry.update(code=-704042011)
            else:
                entry.update(code=-704040003)
            result.append(entry)
        return ok(result)
    if path == "/miotspec/prop/set":
        result = []
        for p in data.get("params", []):
            key = (p.get("did"), p.get("siid"), p.get("piid"))
            entry = {"did": key[0], "siid": key[1], "piid": key[2]}
            if key[0] == OFFLINE_DID:
                entry["code"] = -704042011
            elif key not in WRITABLE:
                entry["code"] = -704030023
            else:
                PROPERTY_VALUES[key] = p.get("value")
                entry.update(code=0, exe_time=110)
            result.append(entry)
        return ok(result)
    if path == "/miotspec/action":
        p = data.get("params", {})
        key = (p.get("did"), p.get("siid"), p.get("aiid"))
        entry = {"did": key[0], "miid": 0, "siid": key[1], "aiid": key[2]}
        if key in ACTIONS:
            entry.update(code=0, out=[], exe_time=150)
            if key == (PURIFIER_DID, 2, 1):
                PROPERTY_VALUES[(PURIFIER_DID, 2, 1)] = not PROPERTY_VALUES[(PURIFIER_DID, 2, 1)]
        else:
            entry.update(code=-704040005)
        return ok(entry)
    if path == "/appgateway/miot/appsceneservice/AppSceneService/GetSimpleSceneList":
        if data.get("home_id") != HOME_ID:
            return ok({"manual_scene_info_list": []})
        return ok({"manual_scene_info_list": [
            {"scene_id": SCENE_ID, "name": "回家", "icon": "https://cdn.cnbj1.fds.api.mi-img.com/scene/home.png",
             "home_id": HOME_ID, "uid": USER_ID, "scene_type": 2, "create_time": 1735700000, "enable": True},
            {"scene_id": "1811370031427289089", "name": "Good night", "icon": "", "home_id": HOME_ID,
             "uid": USER_ID, "scene_type": 2, "create_time": 1735700060, "enable": True}]})
    if path == "/appgateway/miot/appsceneservice/AppSceneService/NewRunScene":
        return ok(data.get("scene_id") == SCENE_ID)
    if path == "/v2/home/standard_consumable_items":
        return ok({"items": [{"home_id": int(HOME_ID), "consumes_data": [
            {"did": PURIFIER_DID, "name": "客厅空气净化器", "model": "zhimi.airp.rmb1", "details": [
                {"id": "4.1", "description": "Filter life", "value": "87%", "consumable_type": "filter",
                 "exhausted": False, "left_time": 313}]},
            {"did": "302785119", "name": "扫地机器人", "model": "roborock.vacuum.s6", "details": [
                {"id": "main_brush", "description": "Main brush", "value": "64%", "consumable_type": "brush"},
                {"id": "filter", "description": "Filter", "value": "21%", "consumable_type": "filter"}]}]}]})
    if path == "/v2/user/statistics":
        start = int(data.get("time_start", 0))
        return ok([{"value": "[%.2f]" % (0.4 + 0.13 * i), "time": start + 86400 * i}
                   for i in range(int(data.get("limit", 3)))])
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
    """One request and the reply worked out for it."""

    def __init__(self, server, method, host, target, headers, body, sni, server_ip, client_port, delay):
        self.server_name = server
        self.method, self.host, self.target, self.headers = method, host, target, headers
        self.body, self.sni, self.server_ip, self.client_port = body, sni, server_ip, client_port
        self.scan_delay = delay
        self.status, self.reply_headers, self.reply = 200, [], b""
        self.truth = {}

    def answer(self):
        url = urllib.parse.urlsplit(self.target)
        path, query = url.path, url.query
        self.truth = {"http": "1.1", "method": self.method, "host": self.host, "sni": self.sni,
                      "server_ip": self.server_ip, "client_port": self.client_port, "path": path}
        if query:
            self.truth["query"] = urllib.parse.parse_qsl(query, keep_blank_values=True)
        if self.sni != self.host or HOSTS.get(self.host) != self.server_ip:
            return self.plain(421, "text/plain", "Host %r, SNI %r, address %s do not agree\n"
                              % (self.host, self.sni, self.server_ip))
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if self.host == "account.xiaomi.com":
            return self.account(path, q)
        if self.host == "c3.lp.account.xiaomi.com":
            return self.long_poll(path, q)
        if self.host == "sts.api.mijia.tech":
            return self.sts(path, q)
        if self.host == "api.mijia.tech":
            return self.api(path)
        if self.host == "miot-spec.org":
            return self.spec(path, q)
        return self.plain(404, "text/plain", "unknown host\n")

    def plain(self, status, ctype, text, cookies=()):
        self.status = status
        self.reply = text.encode()
        self.reply_headers = [("Content-Type", ctype)] + [("Set-Cookie", c) for c in cookies]
        self.truth.update(status=status, response=text)
        if cookies:
            self.truth["set_cookies"] = list(cookies)

    # -- QR login
    def account(self, path, q):
        self.truth["kind"] = "login"
        ctype = "application/json;charset=UTF-8"
        if self.method == "GET" and path == "/pass/serviceLogin":
            cookies = parse_cookies(self.headers.get("cookie"))
            if q.get("sid") != "mijia" or q.get("_json") != "true":
                return self.plain(400, "text/plain", "bad sid\n")
            if cookies.get("passToken"):  # no refresh by passToken in these captures
                return self.plain(403, "text/plain", "unexpected passToken\n")
            locale = q.get("_locale", "zh_CN")
            qs = urllib.parse.quote("?_json=true&sid=mijia&_locale=" + locale, safe="")
            location = ("https://account.xiaomi.com/fe/service/login?" + urllib.parse.urlencode([
                ("_json", "true"), ("sid", "mijia"), ("qs", qs), ("callback", CALLBACK), ("_sign", LOGIN_SIGN),
                ("serviceParam", "{\"checkSafePhone\":false,\"checkSafeAddress\":false,\"lsrp_score\":0.0}"),
                ("showActiveX", "false"), ("theme", ""), ("needTheme", "false"), ("bizDeviceType", ""),
                ("_locale", locale)]))
            reply = {"serviceParam": "{\"checkSafePhone\":false,\"checkSafeAddress\":false,\"lsrp_score\":0.0}",
                     "qs": qs, "code": 70016, "description": "登录验证失败", "securityStatus": 0,
                     "_sign": LOGIN_SIGN, "sid": "mijia", "result": "error", "captchaUrl": None,
                     "callback": CALLBACK, "location": location, "pwd": 0, "child": 0, "desc": "登录验证失败"}
            return self.plain(200, ctype, "&&&START&&&" + json_text(reply))
        if self.method == "GET" and path == "/longPolling/loginUrl":
            if (q.get("sid") != "mijia" or q.get("_sign") != LOGIN_SIGN or q.get("callback") != CALLBACK
                    or "qs" not in q):
                reply = {"code": 70002, "result": "error", "desc": "参数错误", "description": "参数错误"}
                return self.plain(200, ctype, "&&&START&&&" + json_text(reply))
            ts = q.get("_dc", "0")
            reply = {"loginUrl": "https://c3.account.xiaomi.com/longPolling/login?ticket=%s&dc=c3&sid=mijia&ts=%s"
                                 % (QR_TICKET, ts),
                     "qr": "https://account.xiaomi.com/pass/qr/login?ticket=%s&dc=c3&sid=mijia&_qrsize=%s"
                           "&_hasLogo=%s&ts=%s" % (QR_TICKET, q.get("_qrsize", "240"), q.get("_hasLogo", "false"), ts),
                     "lp": "https://c3.lp.account.xiaomi.com/lp/s?k=" + QR_TICKET,
                     "timeout": 300, "qrTips": "请使用米家APP扫码登录", "code": 0, "result": "ok",
                     "desc": "成功", "description": "成功"}
            return self.plain(200, ctype, "&&&START&&&" + json_text(reply))
        return self.plain(404, "text/plain", "not found\n")

    def long_poll(self, path, q):
        self.truth["kind"] = "login"
        if self.method != "GET" or path != "/lp/s" or q.get("k") != QR_TICKET:
            return self.plain(404, "text/plain", "not found\n")
        time.sleep(self.scan_delay)  # the user scans the QR code and confirms in the app
        location = (CALLBACK + "?" + urllib.parse.urlencode([
            ("d", "wb_2f6c1d0e-7a43-4b8e-9c15-3e8d4a6b0f27"), ("ticket", "0"), ("pwd", "1"),
            ("p_ts", "1767225600000"), ("fid", "0"), ("p_lm", "1"), ("auth", "bWlqaWEtcXItbG9naW4tYXV0aA=="),
            ("m", "1"), ("_group", "DEFAULT"), ("tsl", "0"), ("p_ca", "0"), ("p_ur", "CN"), ("p_idc", "China"),
            ("nonce", STS_NONCE), ("_ssign", STS_SSIGN)]))
        reply = {"psecurity": PSECURITY, "nonce": LOGIN_NONCE, "ssecurity": SSECURITY_LOGIN,
                 "passToken": PASS_TOKEN, "userId": USER_ID, "cUserId": CUSER_ID, "securityStatus": 0,
                 "notificationUrl": "", "pwd": 1, "child": 0, "code": 0, "result": "ok", "desc": "成功",
                 "description": "成功", "location": location, "captchaUrl": None}
        self.truth["ssecurity"] = SSECURITY_LOGIN
        return self.plain(200, "application/json;charset=UTF-8", "&&&START&&&" + json_text(reply))

    def sts(self, path, q):
        self.truth["kind"] = "login"
        if self.method != "GET" or path != "/mijia/sts":
            return self.plain(404, "text/plain", "not found\n")
        if q.get("nonce") != STS_NONCE or q.get("_ssign") != STS_SSIGN:
            return self.plain(403, "text/plain", "bad ticket\n")
        cookies = ["serviceToken=%s; Domain=mijia.tech; Path=/; HttpOnly" % SERVICE_TOKEN_LOGIN,
                   "userId=%d; Domain=mijia.tech; Path=/" % USER_ID,
                   "cUserId=%s; Domain=mijia.tech; Path=/" % CUSER_ID]
        return self.plain(200, "text/plain;charset=UTF-8", "ok", cookies)

    # -- the MIoT spec
    def spec(self, path, q):
        self.truth["kind"] = "spec"
        urn = q.get("type", "")
        body, name = None, None
        for name in sorted(os.listdir(SPECS)):
            with open(os.path.join(SPECS, name), "rb") as f:
                body = f.read()
            if json.loads(body).get("type") == urn:
                break
            body = None
        if self.method != "GET" or path != "/miot-spec-v2/instance" or body is None:
            return self.plain(404, "application/json", json_text({"error": "not found"}))
        self.status, self.reply = 200, body
        self.reply_headers = [("Content-Type", "application/json;charset=UTF-8")]
        self.truth.update(status=200, response=body.decode(), spec_file="miot-specs/" + name)

    # -- the RC4 API
    def api(self, path):
        self.truth["kind"] = "api"
        form = urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True) if self.body else []
        self.truth["form"] = form
        self.truth["request_headers"] = {k: self.headers.get(k) for k in (
            "miot-encrypt-algorithm", "miot-accept-encoding", "x-xiaomi-protocal-flag-cli", "accept-encoding",
            "content-type") if k in self.headers}
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
        encrypted = []  # the encrypted params: those before "signature", in the order sent
        for k, v in form:
            if k == "signature":
                break
            encrypted.append((k, v))
        if request_hash(self.method, signed_path, encrypted, key) != fields["signature"]:
            return self.plain(403, "text/plain", "signature does not verify\n")
        plain = [(k, rc4_drop1024(key, base64.b64decode(v)).decode()) for k, v in encrypted]
        self.truth["params"] = plain
        before_hash = [kv for kv in plain if kv[0] != "rc4_hash__"]
        if request_hash(self.method, signed_path, before_hash, key) != dict(plain).get("rc4_hash__"):
            return self.plain(403, "text/plain", "rc4_hash__ does not verify\n")
        try:
            data = json.loads(dict(plain).get("data", "{}"))
        except ValueError:
            data = {}
        result = api_result(signed_path, data, USER_ID)
        if result is None:
            result = {"code": -8, "message": "unknown api"}
        text = json_text(result)
        gz = (self.headers.get("miot-accept-encoding") or "").upper() == "GZIP"
        clear = gzip_bytes(text.encode()) if gz else text.encode()
        body = base64.b64encode(rc4_drop1024(key, clear)).decode()
        self.status = 200
        self.reply = body.encode()
        self.reply_headers = [("Content-Type", "text/plain;charset=UTF-8"),
                              ("MIOT-ENCRYPT-ALGORITHM", "ENCRYPT-RC4")]
        if gz:
            self.reply_headers.append(("MIOT-CONTENT-ENCODING", "GZIP"))
        self.truth.update(status=200, response=text, gzip=gz, response_plain_len=len(text.encode()),
                          response_clear_len=len(clear), response_body_len=len(body))
        if gz:
            self.truth["response_gzip_hex"] = clear.hex()


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


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mijia-standin"
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
        ex = Exchange(self.server, self.command, host, self.path, headers, body,
                      getattr(self.request, "sni_name", None), self.server.server_address[0],
                      self.client_address[1], self.server.scan_delay)
        ex.answer()
        self.send_response(ex.status)
        for k, v in ex.reply_headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(ex.reply)))
        self.end_headers()
        self.wfile.write(ex.reply)
        self.wfile.flush()
        self.server.truth.write(ex.truth)

    def log_message(self, fmt, *args):
        sys.stderr.write("server: %s %s\n" % (self.client_address[1], fmt % args))


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(os.path.join(HERE, "cert.pem"), os.path.join(HERE, "key.pem"))
    ctx.set_alpn_protocols(["http/1.1"])
    # requests closes its sockets without a TLS close_notify; take that as the
    # end of the connection rather than answering it with an alert.
    ctx.options |= getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)

    def remember_sni(sslsock, name, _ctx):
        sslsock.sni_name = name
    ctx.sni_callback = remember_sni
    return ctx


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--scan-delay", type=float, default=1.5,
                    help="seconds the long poll is held before the login reply")
    args = ap.parse_args()
    truth = Truth(args.truth)
    ctx = tls_context()

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    servers = []
    for address in sorted(set(HOSTS.values())):
        httpd = Server((address, args.port), Handler)
        httpd.truth = truth
        httpd.scan_delay = args.scan_delay
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        servers.append(httpd)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    while not stop.wait(0.2):
        pass
    for s in servers:
        s.shutdown()


if __name__ == "__main__":
    main()
