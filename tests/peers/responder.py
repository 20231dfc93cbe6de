#!/usr/bin/env python3
"""A miIO device simulator for making test captures.

Framing and crypto are python-miio's own (`miio.protocol.Message`), so the
frames on the wire are what a real python-miio peer produces, independent of
this project's Rust code. Each --device listens on IP:54321.

  responder.py --device 127.0.0.5:0a1b2c3d:<32 hex token>[:flag...] [--device ...]

Flags: `leak` answers hellos with the token in bytes 16..31, as an
unprovisioned device in pairing mode does; `dup` sends every reply twice, as
first-generation vacuums do; `lossy` ignores the first try of every request
whose id is below 100 and divisible by 3, so the client retries (python-miio
retries with id + 100); `quirky` answers the methods named in QUIRKS with
the invalid JSON (or non-JSON) real firmware sends, encrypted with
python-miio's own crypto; `drop=N` (repeatable) ignores every request whose
JSON id is N, each time it arrives, so a client that does not retry gets no
reply at all; `lose-first=METHOD` (repeatable) ignores only the first request
with that method and answers later ones (the client's retry); `utf8` sends
replies as raw UTF-8 JSON, not with the \\u escapes of python-miio's own
encoder. Stops on SIGTERM.
"""
import argparse
import datetime
import json
import select
import signal
import socket
import struct
import sys
import time

from miio.protocol import Message, Utils

# Replies real firmware sends that are not valid JSON (python-miio's quirk
# list and issue tracker); "{id}" is the request id.
QUIRKS = {
    "quirk_double_comma": b'{"id":{id},"result":["on",,"otu_stat"]}',   # power strip without cloud
    "quirk_value_00": b'{"id":{id},"result":[{"did":"c","siid":2,"piid":1,"code":0,"value":00}]}',  # curtain
    "quirk_empty_list": b'{"id":{id},"result":[,]}',                    # sub-devices
    "quirk_empty_list2": b'{"id":{id},"result":[,,]}',
    "quirk_result_comma": b'{"id":{id},"result":,"exe_time":0}',
    "quirk_after_nul": b'{"id":{id},"result":["ok"]}\x00\x8f\x12garbage{',  # cloud batch reply
    "quirk_binary": b"\x8f\x00\xfe\x01binary {id}",
    "quirk_text": b"OK {id}",
}

BOOT_STAMP = 5000  # device "seconds since boot" at start


class Device:
    def __init__(self, spec):
        parts = spec.split(":")
        self.ip, did, token, flags = parts[0], parts[1], parts[2], set(parts[3:])
        self.leak = "leak" in flags
        self.dup = "dup" in flags
        self.lossy = "lossy" in flags
        self.quirky = "quirky" in flags
        self.raw_utf8 = "utf8" in flags
        self.drop = {int(f[5:]) for f in flags if f.startswith("drop=")}
        self.lose_first = {f[11:] for f in flags if f.startswith("lose-first=")}
        self.did = bytes.fromhex(did)
        self.token = bytes.fromhex(token)
        self.started = time.monotonic()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.ip, 54321))

    def stamp(self):
        return BOOT_STAMP + int(time.monotonic() - self.started)

    def hello_reply(self):
        fill = self.token if self.leak else b"\xff" * 16
        return struct.pack(">HHI4sI", 0x2131, 32, 0, self.did, self.stamp()) + fill

    def result_for(self, method, params):
        if method == "miIO.info":
            return {"result": {
                "life": 1234, "model": "chuangmi.plug.m1", "token": self.token.hex(),
                "fw_ver": "1.2.4_59", "hw_ver": "MW300", "mac": "78:11:DC:00:11:22",
                "ap": {"ssid": "home", "bssid": "AA:BB:CC:DD:EE:FF", "rssi": -48},
                "netif": {"localIp": self.ip, "mask": "255.0.0.0", "gw": "127.0.0.1"}}}
        if method == "miIO.config_router":
            return {"result": ["ok"]}
        if method == "get_prop":
            values = {"power": "on", "temperature": 41, "wifi_led": "off", "usb_on": True}
            return {"result": [values.get(p, None) for p in params]}
        if method in ("set_power", "set_wifi_led", "set_usb_on"):
            return {"result": ["ok"]}
        if method == "get_multi_maps_list":
            # Names are the user's own, often not ASCII (a soft hyphen, which
            # Wireshark escapes, and an emoji, four bytes, among them).
            names = ["二楼 卧室\u00ad书房", "地下室 🧺 洗衣房", "一楼 客厅与厨房"]
            return {"result": [{"max_multi_map": 4, "max_bak_map": 1, "multi_map_count": 3,
                                "map_info": [{"mapFlag": i, "add_time": 1700000000 + i, "length": len(n),
                                              "name": n, "bak_maps": [{"mapFlag": 4, "add_time": 1700000100}]}
                                             for i, n in enumerate(names)]}]}
        if method == "get_room_mapping":
            rooms = ["客厅", "厨房", "主卧", "儿童房", "书房", "卫生间", "阳台", "走廊"]
            return {"result": [[16 + i, "%d" % (2400000 + i), 14, name] for i, name in enumerate(rooms)]}
        if method == "get_properties":
            return {"result": [dict(p, code=0, value=True) for p in params]}
        if method == "set_properties":
            return {"result": [dict(did=p.get("did"), siid=p.get("siid"), piid=p.get("piid"), code=0)
                               for p in params]}
        return {"error": {"code": -32601, "message": "Method not found."}}

    def raw_frame(self, plaintext):
        """A frame around bytes that Message.build would not produce (it
        serialises JSON itself), with python-miio's encryption and checksum."""
        ciphertext = Utils.encrypt(plaintext + b"\x00", self.token)
        head = struct.pack(">HHI4sI", 0x2131, 32 + len(ciphertext), 0, self.did, self.stamp())
        return head + Utils.md5(head + self.token + ciphertext) + ciphertext

    def handle(self, data, addr):
        if len(data) == 32:
            self.sock.sendto(self.hello_reply(), addr)
            return
        msg = Message.parse(data, token=self.token)
        request = msg.data.value
        if self.lossy and request["id"] < 100 and request["id"] % 3 == 0:
            return
        if request["id"] in self.drop:
            return
        if request.get("method") in self.lose_first:
            self.lose_first.discard(request["method"])
            return
        if self.quirky and request.get("method") in QUIRKS:
            self.sock.sendto(self.raw_frame(QUIRKS[request["method"]].replace(b"{id}", b"%d" % request["id"])), addr)
            return
        reply = {"id": request["id"]}
        reply.update(self.result_for(request.get("method"), request.get("params", [])))
        if self.raw_utf8:
            # Text as raw UTF-8 rather than \u escapes (json.dumps in
            # Message.build escapes everything to ASCII).
            self.sock.sendto(self.raw_frame(json.dumps(reply, ensure_ascii=False).encode()), addr)
            return
        header = {"length": 0, "unknown": 0, "device_id": self.did,
                  "ts": datetime.datetime.utcfromtimestamp(self.stamp())}
        out = Message.build({"data": {"value": reply}, "header": {"value": header}, "checksum": 0},
                            token=self.token)
        self.sock.sendto(out, addr)
        if self.dup:
            self.sock.sendto(out, addr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", action="append", required=True)
    args = ap.parse_args()
    devices = {d.sock: d for d in map(Device, args.device)}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select(list(devices), [], [], 1.0)
        for sock in readable:
            data, addr = sock.recvfrom(65535)
            devices[sock].handle(data, addr)


if __name__ == "__main__":
    main()
