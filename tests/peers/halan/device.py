#!/usr/bin/env python3
"""Stand-in miIO devices for the halan captures, following the protocol of
the Xiaomi Home integration's LAN control (XiaoMi/ha_xiaomi_home,
custom_components/xiaomi_home/miot/miot_lan.py) as a device must for that
code to accept it, and answering python-miio's hello as well.

  device.py --set lan|mdns --device NAME [--device NAME...] --log OUT.jsonl
            [--control SOCKET_PATH]

Devices and their fixed values are in fixtures.py. Each listens on
IP:54321; one more socket on 0.0.0.0:54321 takes broadcasts and hands them
to every device, which answers from its own address.

Framing and crypto are written here from the integration's code (not
python-miio's, not this project's): header '>HHQI16s' = 0x2131, length,
device id as u64 BE (bytes 4..11), device clock (u32), then 16 bytes
MD5(header with the token in bytes 16..31 || ciphertext); AES-128-CBC with
key MD5(token), IV MD5(key || token), PKCS#7.

Frames handled:
- the integration's probe, 32 bytes: 2131 0020, 12 x ff, "MDID", u64 BE
  instance id, 4 zero bytes -> the 32-byte reply: 2131 0020, did (u64),
  clock (u32), "MSUB", subscription stamp (u32 BE), "PUB", type (u8),
  0xFE if wildcard subscriptions are supported else 0x00, 3 zero bytes.
  The subscription stamp is the update_ts of the current miIO.sub, or, with
  no subscription, the device clock (so the integration, whose own stamp
  starts at 0, subscribes);
- python-miio's hello (2131 0020 and 28 x ff) -> hello reply (token not given);
- encrypted requests: miIO.sub, miIO.unsub (both answered
  {"id":..,"result":{"code":0}}), get_properties, set_properties, action;
  replies of the client to the device's own requests (acks of pushes) are
  only logged.
Pushes (properties_changed, event_occured) are sent when a JSON command
arrives on the --control socket (AF_UNIX datagram):
  {"device": NAME, "id": N, "method": "...", "params": ...}
to the address of the last miIO.sub. Every frame in or out is written to
--log as one JSON line (hex of the whole datagram, decrypted JSON text).
Stops on SIGTERM.
"""
import argparse
import hashlib
import json
import os
import select
import signal
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures as F  # noqa: E402

PORT = 54321
BOOT_STAMP = 5000


def md5(b):
    return hashlib.md5(b).digest()


class Device:
    def __init__(self, name, conf, log):
        self.name = name
        self.ip = conf["ip"]
        self.did = conf["did"]
        self.token = bytes.fromhex(conf["token"])
        self.clock = conf.get("clock", "uptime")
        self.nul = conf.get("nul", True)
        self.msub_type = conf.get("msub_type", 1)
        self.wildcard = conf.get("wildcard", True)
        self.broadcasts = conf.get("broadcasts", "all")
        self.seen_broadcast = False
        self.values = dict(F.PURIFIER_VALUES)
        self.sub = None          # {"addr", "did", "update_ts"} of the current miIO.sub
        self.last_client = None
        self.started = time.monotonic()
        self.unix_start = int(time.time())
        key = md5(self.token)
        self.key, self.iv = key, md5(key + self.token)
        self.log = log
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.ip, PORT))

    # ---------------------------------------------------------------- wire
    def stamp(self):
        elapsed = int(time.monotonic() - self.started)
        return (BOOT_STAMP if self.clock == "uptime" else self.unix_start) + elapsed

    def encrypt(self, plain):
        padder = padding.PKCS7(128).padder()
        data = padder.update(plain) + padder.finalize()
        enc = Cipher(algorithms.AES128(self.key), modes.CBC(self.iv)).encryptor()
        return enc.update(data) + enc.finalize()

    def decrypt(self, ct):
        dec = Cipher(algorithms.AES128(self.key), modes.CBC(self.iv)).decryptor()
        data = dec.update(ct) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(data) + unpadder.finalize()

    def frame(self, obj):
        text = json.dumps(obj, separators=(",", ":")).encode()
        if self.nul:
            text += b"\x00"
        ct = self.encrypt(text)
        head = struct.pack(">HHQI", 0x2131, 32 + len(ct), self.did, self.stamp())
        return head + md5(head + self.token + ct) + ct, text

    def msub(self):
        sub_ts = self.sub["update_ts"] if self.sub else self.stamp()
        return struct.pack(">HHQI4sI3sBB3s", 0x2131, 32, self.did, self.stamp(), b"MSUB", sub_ts, b"PUB",
                           self.msub_type, 0xFE if self.wildcard else 0x00, b"\0\0\0"), sub_ts

    def hello_reply(self):
        return struct.pack(">HHQI", 0x2131, 32, self.did, self.stamp()) + b"\xff" * 16

    # ---------------------------------------------------------------- log
    def write(self, direction, addr, data, **extra):
        line = {"side": "device", "device": self.name, "did": self.did, "t": round(time.time(), 6),
                "dir": direction, "local": "%s:%d" % (self.ip, PORT), "peer": "%s:%d" % addr,
                "len": len(data), "hex": data.hex()}
        line.update(extra)
        self.log.write(json.dumps(line) + "\n")
        self.log.flush()

    def send(self, data, addr, **extra):
        self.sock.sendto(data, addr)
        self.write("out", addr, data, **extra)

    def send_json(self, obj, addr, kind):
        data, text = self.frame(obj)
        self.send(data, addr, kind=kind, stamp=struct.unpack(">I", data[12:16])[0],
                  plaintext=text.decode(), json=obj)

    # ---------------------------------------------------------------- logic
    def handle(self, data, addr, broadcast=False):
        if len(data) == 32:
            if data[4:16] == b"\xff" * 12 and data[16:20] == b"MDID":
                mdid = struct.unpack(">Q", data[20:28])[0]
                ignored = broadcast and self.broadcasts == "first" and self.seen_broadcast
                self.write("in", addr, data, kind="probe", broadcast=broadcast, mdid=mdid,
                           mdid_hex="%016x" % mdid, **({"ignored": "misses broadcasts after the first"}
                                                        if ignored else {}))
                if broadcast:
                    if ignored:
                        return
                    self.seen_broadcast = True
                reply, sub_ts = self.msub()
                self.send(reply, addr, kind="msub", stamp=struct.unpack(">I", reply[12:16])[0],
                          msub_ts=sub_ts, msub_type=self.msub_type, wildcard=self.wildcard,
                          subscribed=self.sub is not None)
                return
            if data[4:32] == b"\xff" * 28:
                self.write("in", addr, data, kind="hello", broadcast=broadcast)
                reply = self.hello_reply()
                self.send(reply, addr, kind="hello_reply", stamp=struct.unpack(">I", reply[12:16])[0])
                return
            self.write("in", addr, data, kind="unknown32", broadcast=broadcast)
            return
        if broadcast:
            return
        length, did, stamp = struct.unpack(">HQI", data[2:16])
        checksum_ok = md5(data[:16] + self.token + data[32:length]) == data[16:32]
        try:
            text = self.decrypt(data[32:length])
            obj = json.loads(text.rstrip(b"\x00"))
        except Exception as e:  # noqa: BLE001 - logged, not answered
            self.write("in", addr, data, kind="undecryptable", error=str(e), checksum_ok=checksum_ok)
            return
        method = obj.get("method")
        kind = "request" if method else "reply"
        self.write("in", addr, data, kind=kind, did_in_header=did, did_in_header_hex="%016x" % did,
                   stamp=stamp, checksum_ok=checksum_ok, plaintext=text.decode(), json=obj)
        if not method:
            return   # the client's answer to a push
        self.last_client = addr
        reply = {"id": obj["id"]}
        params = obj.get("params")
        if method == "miIO.sub":
            self.sub = {"addr": addr, "did": params.get("did"), "update_ts": params.get("update_ts")}
            reply["result"] = {"code": 0}
        elif method == "miIO.unsub":
            self.sub = None
            reply["result"] = {"code": 0}
        elif method == "get_properties":
            out = []
            for p in params:
                key = (p.get("siid"), p.get("piid"))
                if key in self.values:
                    out.append({"did": p.get("did"), "siid": key[0], "piid": key[1], "code": 0,
                                "value": self.values[key]})
                else:
                    out.append({"did": p.get("did"), "siid": key[0], "piid": key[1], "code": -4003})
            reply["result"] = out
        elif method == "set_properties":
            out = []
            for p in params:
                key = (p.get("siid"), p.get("piid"))
                if key in self.values:
                    self.values[key] = p.get("value")
                out.append({"did": p.get("did"), "siid": key[0], "piid": key[1],
                            "code": 0 if key in self.values else -4003})
            reply["result"] = out
        elif method == "action":
            key = (params.get("siid"), params.get("aiid"))
            reply["result"] = {"did": params.get("did"), "siid": key[0], "aiid": key[1],
                               "code": 0 if key in F.PURIFIER_ACTIONS else -4004, "out": []}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found."}
        self.send_json(reply, addr, "reply")

    def push(self, command):
        addr = self.sub["addr"] if self.sub else self.last_client
        msg = {"id": command["id"], "method": command["method"], "params": command["params"]}
        self.send_json(msg, addr, "push")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", choices=["lan", "mdns"], required=True)
    ap.add_argument("--device", action="append", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--control")
    args = ap.parse_args()
    table = F.LAN_DEVICES if args.set == "lan" else F.MDNS_DEVICES
    log = open(args.log, "a")
    devices = {name: Device(name, table[name], log) for name in args.device}
    by_sock = {d.sock: d for d in devices.values()}
    bsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    bsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    bsock.bind(("", PORT))
    ctl = None
    if args.control:
        if os.path.exists(args.control):
            os.unlink(args.control)
        ctl = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ctl.bind(args.control)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    socks = list(by_sock) + [bsock] + ([ctl] if ctl else [])
    while True:
        readable, _, _ = select.select(socks, [], [], 1.0)
        for s in readable:
            if s is ctl:
                command = json.loads(s.recv(65535))
                devices[command["device"]].push(command)
                continue
            data, addr = s.recvfrom(65535)
            if s is bsock:
                for d in devices.values():
                    d.handle(data, addr, broadcast=True)
            else:
                by_sock[s].handle(data, addr)


if __name__ == "__main__":
    main()
