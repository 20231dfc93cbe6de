#!/usr/bin/env python3
"""A device talking to a stand-in Mi cloud, for test captures.

Framing and crypto are python-miio's own (`miio.protocol.Message`), keyed
with the device's 16-character cloud key instead of a token, as on the real
cloud connection. Both ends run here, on loopback.

  cloud_peer.py udp SERVER_IP TRUTH_OUT     (UDP 8053)
  cloud_peer.py tcp SERVER_IP TRUTH_OUT     (TCP 80: frames split across
                                             segments, two frames in one
                                             segment, a ROCKROBO_MAP__ upload)
  cloud_peer.py miot SERVER_IP TRUTH_OUT    (UDP 8053: a MIoT air purifier,
                                             zhimi.airp.rmb1, pushing
                                             properties_changed and
                                             event_occured; the cloud relays
                                             get_properties, set_properties
                                             and action)
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


# The MIoT device of `miot` mode: its own id and cloud key.
MIOT_DEVICE_ID = bytes.fromhex("2a3b4c5d")
MIOT_CLOUD_KEY = b"Qw8Er4Ty2Ui6Op0A"
MIOT_DID = str(int.from_bytes(MIOT_DEVICE_ID, "big"))
MIOT_OTC_INFO = {"id": 2001, "method": "_otc.info", "params": {
    "otu_stat": [12, 9, 310, 0, 305, 2], "mmfree": 41232, "ot": "otu",
    "ap": {"ssid": "HomeNet", "bssid": "AA:BB:CC:DD:EE:FF", "rssi": -48, "freq": 2437},
    "netif": {"localIp": "127.0.0.19", "mask": "255.0.0.0", "gw": "127.0.0.1"},
    "miio_ver": "0.0.9", "hw_ver": "esp32", "mac": "5C:E5:0C:11:22:33",
    "model": "zhimi.airp.rmb1", "token": "5f3c8a1e9b7d2c4f6a0e1d3b5c7a9e2f",
    "life": 120, "fw_ver": "2.1.8"}}
MIOT_EXCHANGES = [
    # (who sends, request, who answers, reply)
    ("device", {"id": 2002, "method": "properties_changed", "params": [
        {"did": MIOT_DID, "siid": 2, "piid": 1, "value": True},
        {"did": MIOT_DID, "siid": 3, "piid": 4, "value": 12},
        {"did": MIOT_DID, "siid": 4, "piid": 1, "value": 87}]},
     "cloud", {"id": 2002, "result": "ok"}),
    ("cloud", {"id": 880001, "method": "get_properties", "params": [
        {"did": MIOT_DID, "siid": 2, "piid": 4}, {"did": MIOT_DID, "siid": 3, "piid": 7}],
        "from": "4"},
     "device", {"id": 880001, "result": [
         {"did": MIOT_DID, "siid": 2, "piid": 4, "code": 0, "value": 1},
         {"did": MIOT_DID, "siid": 3, "piid": 7, "code": 0, "value": 21.5}]}),
    ("cloud", {"id": 880002, "method": "set_properties", "params": [
        {"did": MIOT_DID, "siid": 2, "piid": 4, "value": 2}], "from": "4"},
     "device", {"id": 880002, "result": [{"did": MIOT_DID, "siid": 2, "piid": 4, "code": 0}]}),
    ("device", {"id": 2003, "method": "properties_changed", "params": [
        {"did": MIOT_DID, "siid": 2, "piid": 4, "value": 2}]},
     "cloud", {"id": 2003, "result": "ok"}),
    ("cloud", {"id": 880003, "method": "action", "params": {
        "did": MIOT_DID, "siid": 4, "aiid": 1, "in": []}, "from": "4"},
     "device", {"id": 880003, "result": {"code": 0, "out": []}}),
    ("device", {"id": 2004, "method": "event_occured", "params": {
        "did": MIOT_DID, "siid": 9, "eiid": 1, "tid": 17, "arguments": []}},
     "cloud", {"id": 2004, "result": "ok"}),
]


def stamp():
    return BOOT + int(time.monotonic() - STARTED)


STARTED = time.monotonic()


def frame(payload, ts=None, device_id=DEVICE_ID, key=CLOUD_KEY):
    header = {"length": 0, "unknown": 0, "device_id": device_id,
              "ts": datetime.datetime.utcfromtimestamp(ts if ts is not None else stamp())}
    return Message.build({"data": {"value": payload}, "header": {"value": header}, "checksum": 0},
                         token=key)


def time_sync():
    return struct.pack(">HHIII", 0x2131, 32, 0xFFFFFFFF, 0xFFFFFFFF, int(time.time())) + b"\xff" * 16


def keepalive():
    head = struct.pack(">HHI4sI", 0x2131, 32, 0, DEVICE_ID, stamp())
    return head + hashlib.md5(head + CLOUD_KEY).digest()


def parse(data, key=CLOUD_KEY):
    return Message.parse(data, token=key).data.value


class Truth:
    def __init__(self, path):
        self.f = open(path, "w")

    def sent(self, who, payload):
        self.f.write(json.dumps({"from": who, "json": payload}) + "\n")


def udp_pair(server_ip):
    """The cloud's socket on SERVER_IP:8053, the device's, the cloud's address."""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind((server_ip, 8053))
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.settimeout(2)
    server.settimeout(2)
    return server, device, (server_ip, 8053)


def run_udp(server_ip, truth):
    server, device, cloud = udp_pair(server_ip)

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


def run_miot(server_ip, truth):
    """A MIoT device and the cloud over UDP 8053."""
    server, device, cloud = udp_pair(server_ip)
    addr = None

    def send(who, payload):
        nonlocal addr
        data = frame(payload, device_id=MIOT_DEVICE_ID, key=MIOT_CLOUD_KEY) if payload else payload
        if who == "device":
            device.sendto(data, cloud)
            got, addr = server.recvfrom(4096)
        else:
            server.sendto(data, addr)
            got = device.recvfrom(4096)[0]
        return got

    device.sendto(CLOUD_HELLO, cloud)
    _, addr = server.recvfrom(4096)
    server.sendto(time_sync(), addr)
    device.recvfrom(4096)
    otc_reply = dict(OTC_REPLY, id=MIOT_OTC_INFO["id"])
    for who, request, answerer, reply in [("device", MIOT_OTC_INFO, "cloud", otc_reply)] + MIOT_EXCHANGES:
        truth.sent(who, parse(send(who, request), key=MIOT_CLOUD_KEY))
        truth.sent(answerer, parse(send(answerer, reply), key=MIOT_CLOUD_KEY))


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
    {"udp": run_udp, "tcp": run_tcp, "miot": run_miot}[mode](server_ip, truth)
    truth.f.close()


if __name__ == "__main__":
    main()
