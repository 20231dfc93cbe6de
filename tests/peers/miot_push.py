#!/usr/bin/env python3
"""MIoT pushes for test captures, framed and encrypted on both ends with
python-miio's own `miio.protocol.Message` (build and parse).

python-miio 0.6.0.dev0's MIoT simulator never sends anything unasked (and
answers miIO.sub with "unsupported method"), so this plays the device after
the simulator has stopped: from DEVICE_IP:54321, with the simulator's device
id and token, it sends a `properties_changed` and an `event_occured` to a
client socket on CLIENT_IP:CLIENT_PORT, which parses each and acknowledges it
with {"id": ID, "result": {"code": 0}} (as XiaoMi/ha_xiaomi_home's miot_lan.py
does). Message shapes: python-miio miot_device.py / ha_xiaomi_home
miot_lan.py (properties_changed: [{did, siid, piid, value}]; event_occured:
{did, siid, eiid, arguments}).

  miot_push.py DEVICE_IP DEVICE_ID_HEX TOKEN CLIENT_IP CLIENT_PORT PUSHES_JSON TRUTH_OUT [--append]
PUSHES_JSON: [[id, "method", params], ...]

A truth line per push, written by the client end: "ip" (the device),
"push": true, "id", "method", "params" as the client parsed them, and
"ack" (what it answered).
"""
import argparse
import datetime
import json
import socket
import time

from miio.protocol import Message


def frame(payload, token, device_id):
    header = {"length": 0, "unknown": 0, "device_id": device_id,
              "ts": datetime.datetime.now()}
    return Message.build({"data": {"value": payload}, "header": {"value": header}, "checksum": 0},
                         token=token)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("device_ip")
    ap.add_argument("device_id")
    ap.add_argument("token")
    ap.add_argument("client_ip")
    ap.add_argument("client_port", type=int)
    ap.add_argument("pushes", type=json.loads)
    ap.add_argument("out")
    ap.add_argument("--append", action="store_true")
    args = ap.parse_args()
    token = bytes.fromhex(args.token)
    device_id = bytes.fromhex(args.device_id)

    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind((args.device_ip, 54321))
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind((args.client_ip, args.client_port))
    client.settimeout(5)
    device.settimeout(5)

    with open(args.out, "a" if args.append else "w") as f:
        for msg_id, method, params in args.pushes:
            device.sendto(frame({"id": msg_id, "method": method, "params": params}, token, device_id),
                          (args.client_ip, args.client_port))
            data, addr = client.recvfrom(65535)
            msg = Message.parse(data, token=token)
            value = msg.data.value
            ack = {"id": value["id"], "result": {"code": 0}}
            client.sendto(frame(ack, token, msg.header.value.device_id), addr)
            device.recvfrom(65535)  # the device takes the acknowledgement
            f.write(json.dumps({"ip": addr[0], "push": True, "id": value["id"],
                                "method": value["method"], "params": value["params"],
                                "ack": ack}) + "\n")
            time.sleep(0.2)


if __name__ == "__main__":
    main()
