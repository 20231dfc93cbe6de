"""Discovery broadcasts on UDP 58866, built and received by python-roborock.

Sender: each simulated device sends a 1.0 broadcast built with
python-roborock's _BroadcastMessage struct (the one its BroadcastParser parses with: EncryptionAdapter,
AES-128-ECB with the fixed key) or an L01 broadcast built with its
_L01BroadcastMessage struct, encrypted the way its RoborockProtocol decrypts
(AES-256-GCM, key SHA256(fixed key), nonce SHA256(first 9 bytes)[:12]);
python-roborock has no L01 broadcast encoder. Then the two real broadcasts
from python-roborock's tests/test_broadcast_protocol.py (real devices,
192.168.x addresses inside) are sent again as they are.
Receiver: python-roborock's own RoborockProtocol.discover() on 0.0.0.0:58866.
All datagrams go to 127.255.255.255 (the loopback broadcast address).

Usage: discovery.py TRUTH_FILE
"""

import asyncio
import hashlib
import json
import socket
import sys

from Crypto.Cipher import AES

from roborock.broadcast_protocol import BROADCAST_TOKEN, RoborockProtocol, _BroadcastMessage, _L01BroadcastMessage

from common import DEVICES, Truth

REAL_V1 = bytes.fromhex(
    "312e30000003e003e80040b87035058b439f36af42f249605f8661897173f111bb849a6231831f5874a0cf220a25872ea412d796b4902ee"
    "57fdc120074b901b482acb1fe6d06317e3a72ddac654fe0"
)
REAL_L01 = bytes.fromhex(
    "4c30310000000000000043841496d5a31e34b5b02c1867c445509ba5a21aec1fa4b307bddeb27a75d9b366193e8a97d0534dc39851c"
    "980609f2670cdcaee04594ec5c93e3c5ae609b0c9a203139ac8e40c8c"
)


def build_v1(duid, ip, seq):
    payload = json.dumps({"duid": duid, "ip": ip}).encode()  # same shape as the real one
    # BroadcastParser.build() wraps its input for the multi-frame struct, so its
    # struct (_BroadcastMessage: version, seq, protocol, EncryptionAdapter, CRC32) is built directly
    data = _BroadcastMessage.build(
        {"message": {"value": {"version": b"1.0", "seq": seq, "protocol": 1000, "payload": payload}}})
    return data, payload


def build_l01(duid, ip):
    payload = json.dumps({"duid": duid, "ip": ip}, separators=(",", ":")).encode()
    head = {"version": b"L01", "field1": b"\0\0\0\0", "field2": b"\0\0"}
    # the nonce covers the first 9 bytes (version + field1 + field2), known before encrypting
    iv = hashlib.sha256(b"L01" + head["field1"] + head["field2"]).digest()[:12]
    c = AES.new(hashlib.sha256(BROADCAST_TOKEN).digest(), AES.MODE_GCM, nonce=iv)
    ct, tag = c.encrypt_and_digest(payload)
    data = _L01BroadcastMessage.build({"message": {"value": {**head, "payload": ct + tag}}})
    return data, payload


async def main(truth_path):
    truth = Truth(truth_path)
    v1, l01 = DEVICES["v1"], DEVICES["l01"]
    sends = []
    d, p = build_v1(v1["duid"], v1["ip"], 992)
    sends.append((v1["ip"], d, p, "built with python-roborock _BroadcastMessage.build (1.0, AES-128-ECB, fixed key)"))
    d, p = build_l01(l01["duid"], l01["ip"])
    sends.append((l01["ip"], d, p, "built with python-roborock's _L01BroadcastMessage struct; GCM as its RoborockProtocol decrypts"))
    sends.append(("127.0.0.23", REAL_V1, b'{"duid": "h96rOV3e8DTPMAOLiypREl", "ip": "192.168.20.250"}',
                  "real 1.0 broadcast from python-roborock tests/test_broadcast_protocol.py::test_v1_data, resent as is"))
    sends.append(("127.0.0.24", REAL_L01, b'{"duid":"ZrQn1jfZtJQLoPOL7620e","ip":"192.168.1.4"}',
                  "real L01 broadcast from python-roborock tests/test_broadcast_protocol.py::test_l01_data, resent as is"))

    proto = RoborockProtocol(timeout=2)
    task = asyncio.create_task(proto.discover())
    found_log = []
    orig = proto.datagram_received

    def spy(data, addr):
        before = len(proto.devices_found)
        orig(data, addr)
        found_log.append((addr, data, proto.devices_found[before:]))

    proto.datagram_received = spy
    await asyncio.sleep(0.5)
    for n, (src, data, plain, note) in enumerate(sends, 1):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.bind((src, 0))  # 58866 is taken by the receiver on 0.0.0.0
        sport = s.getsockname()[1]
        s.sendto(data, ("127.255.255.255", 58866))
        s.close()
        truth.write(kind="broadcast", n=n, source=f"{src}:{sport}", destination="127.255.255.255:58866",
                    version=data[:3].decode(), length=len(data), frame_hex=data.hex(), plaintext=plain.decode(),
                    note=note)
        await asyncio.sleep(0.2)
    await task
    for addr, data, found in found_log:
        for f in found:
            truth.write(kind="discovered", by="python-roborock RoborockProtocol.discover", from_address=f"{addr[0]}:{addr[1]}",
                        duid=f.duid, ip=f.ip, version=f.version.decode())
        if not found:
            truth.write(kind="discovered", from_address=f"{addr[0]}:{addr[1]}", error="not decoded")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
