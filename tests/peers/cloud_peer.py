#!/usr/bin/env python3
"""A device talking to a stand-in Mi cloud, for test captures.

Framing and crypto are python-miio's own (`miio.protocol.Message`), keyed
with the device's 16-character cloud key instead of a token, as on the real
cloud connection. Both ends run here, on loopback.

  cloud_peer.py udp SERVER_IP TRUTH_OUT     (UDP 8053)
  cloud_peer.py tcp SERVER_IP TRUTH_OUT     (TCP 80: frames split across
                                             segments, two frames in one
                                             segment, a ROCKROBO_MAP__ upload)
"""
import datetime
import hashlib
import json
import socket
import struct
import sys
import threading
import time

from miio.protocol import Message

DEVICE_ID = bytes.fromhex("1d2e3f40")
CLOUD_KEY = b"Xk3mP9qLw2Zr7TbN"
LOCAL_TOKEN = "8b1e4c7a2f9d0e3b5a6c7d8e9f0a1b2c"
BOOT = 7000

CLOUD_HELLO = struct.pack(">HHII", 0x2131, 32, 0xFFFFFFFF, 0xFFFFFFFF) + b"\0" * 20

OTC_INFO = {"id": 1001, "method": "_otc.info", "params": {
    "otu_stat": [101, 74, 5343, 0, 5336, 4], "mmfree": 30888, "ot": "otu",
    "ap": {"ssid": "HomeNet", "bssid": "AA:BB:CC:DD:EE:FF", "rssi": -52, "freq": 2412},
    "netif": {"localIp": "127.0.0.12", "mask": "255.0.0.0", "gw": "127.0.0.1"},
    "miio_ver": "0.0.5", "hw_ver": "Linux", "mac": "78:11:DC:AA:BB:CC",
    "model": "roborock.vacuum.s5", "token": LOCAL_TOKEN, "life": 300, "fw_ver": "3.5.8_002034"}}
OTC_REPLY = {"id": 1001, "result": {
    "otc_list": [{"ip": "127.0.0.10", "port": 8053}],
    "otc_test": {"list": [{"ip": "127.0.0.10", "port": 8053}], "interval": 1800, "firsttest": 1200}}}
PROPS = {"id": 1002, "method": "props", "params": {"state": 8, "battery": 100}}
PROPS_REPLY = {"id": 1002, "result": "ok"}
COMMAND = {"id": 777001, "method": "get_status", "params": [], "from": "4"}
COMMAND_REPLY = {"id": 777001, "result": [{"msg_ver": 2, "state": 8, "battery": 100, "fan_power": 60}]}


def stamp():
    return BOOT + int(time.monotonic() - STARTED)


STARTED = time.monotonic()


def frame(payload, ts=None):
    header = {"length": 0, "unknown": 0, "device_id": DEVICE_ID,
              "ts": datetime.datetime.utcfromtimestamp(ts if ts is not None else stamp())}
    return Message.build({"data": {"value": payload}, "header": {"value": header}, "checksum": 0},
                         token=CLOUD_KEY)


def time_sync():
    return struct.pack(">HHIII", 0x2131, 32, 0xFFFFFFFF, 0xFFFFFFFF, int(time.time())) + b"\xff" * 16


def keepalive():
    head = struct.pack(">HHI4sI", 0x2131, 32, 0, DEVICE_ID, stamp())
    return head + hashlib.md5(head + CLOUD_KEY).digest()


def parse(data):
    return Message.parse(data, token=CLOUD_KEY).data.value


class Truth:
    def __init__(self, path):
        self.f = open(path, "w")

    def sent(self, who, payload):
        self.f.write(json.dumps({"from": who, "json": payload}) + "\n")


def run_udp(server_ip, truth):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind((server_ip, 8053))
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.settimeout(2)
    server.settimeout(2)
    cloud = (server_ip, 8053)

    def device_sends(data):
        device.sendto(data, cloud)
        got, addr = server.recvfrom(4096)
        return got, addr

    def cloud_sends(data, addr):
        server.sendto(data, addr)
        return device.recvfrom(4096)[0]

    _, addr = device_sends(CLOUD_HELLO)
    cloud_sends(time_sync(), addr)
    got, _ = device_sends(frame(OTC_INFO)); truth.sent("device", parse(got))
    got = cloud_sends(frame(OTC_REPLY), addr); truth.sent("cloud", parse(got))
    got, _ = device_sends(frame(PROPS)); truth.sent("device", parse(got))
    got = cloud_sends(frame(PROPS_REPLY), addr); truth.sent("cloud", parse(got))
    got = cloud_sends(frame(COMMAND), addr); truth.sent("cloud", parse(got))
    got, _ = device_sends(frame(COMMAND_REPLY)); truth.sent("device", parse(got))
    ka, _ = device_sends(keepalive())
    cloud_sends(ka, addr)  # the cloud echoes keep-alives unchanged


def run_tcp(server_ip, truth):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((server_ip, 80))
    listener.listen(1)
    accepted = {}
    t = threading.Thread(target=lambda: accepted.setdefault("conn", listener.accept()[0]))
    t.start()
    device = socket.create_connection((server_ip, 80))
    t.join()
    server = accepted["conn"]
    for s in (device, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def push(sock, *chunks):
        for chunk in chunks:
            sock.sendall(chunk)
            time.sleep(0.05)  # one send, one segment

    def drain(sock, n):
        buf = b""
        while len(buf) < n:
            buf += sock.recv(n - len(buf))
        return buf

    push(device, CLOUD_HELLO); drain(server, 32)
    push(server, time_sync()); drain(device, 32)
    otc = frame(OTC_INFO)
    push(device, otc[:20], otc[20:90], otc[90:])  # one frame across three segments
    truth.sent("device", parse(drain(server, len(otc))))
    reply = frame(OTC_REPLY)
    push(server, reply); truth.sent("cloud", parse(drain(device, len(reply))))
    props, ka = frame(PROPS), keepalive()
    push(device, props + ka)  # two frames in one segment
    truth.sent("device", parse(drain(server, len(props))))
    drain(server, 32)
    props_reply, command = frame(PROPS_REPLY), frame(COMMAND)
    push(server, ka + props_reply + command)  # the echo and two frames in one segment
    drain(device, 32)
    truth.sent("cloud", parse(drain(device, len(props_reply))))
    truth.sent("cloud", parse(drain(device, len(command))))
    cmd_reply = frame(COMMAND_REPLY)
    push(device, cmd_reply[:40], cmd_reply[40:] + frame(PROPS)[:10])  # split, and a frame's start
    truth.sent("device", parse(drain(server, len(cmd_reply))))
    rest = frame(PROPS)
    push(device, rest[10:]); drain(server, len(rest) - 10)
    truth.sent("device", parse(rest))
    blob = b"ROCKROBO_MAP__" + bytes(range(256)) * 2
    push(device, blob); drain(server, len(blob))
    time.sleep(0.1)
    device.close(); server.close()

    # Ordinary HTTP on the same port (devices ask the cloud's load balancer
    # over HTTP): it must stay HTTP.
    t = threading.Thread(target=lambda: accepted.update(conn=listener.accept()[0]))
    t.start()
    client = socket.create_connection((server_ip, 80))
    t.join()
    server = accepted["conn"]
    request = b"GET /gslb?tver=2&id=488456000&dm=ot.io.mi.com HTTP/1.1\r\nHost: dns.io.mi.com\r\n\r\n"
    body = b'{"info":{"host_list":[{"ip":"127.0.0.11","port":80}]}}'
    response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    push(client, request); drain(server, len(request))
    push(server, response); drain(client, len(response))
    client.close(); server.close(); listener.close()


def main():
    mode, server_ip, out = sys.argv[1], sys.argv[2], sys.argv[3]
    truth = Truth(out)
    {"udp": run_udp, "tcp": run_tcp}[mode](server_ip, truth)
    truth.f.close()


if __name__ == "__main__":
    main()
