"""Shared bits of the Roborock peers: the simulated devices and truth lines.

Every Roborock frame these peers put on the wire is built by python-roborock's
own MessageParser / encoders (payload-less frames excepted, see device.py), and
every frame they receive is parsed by it. The truth lines record what
python-roborock built or parsed, not what this project's dissector shows.
"""

import json
import struct
import zlib

from Crypto.Cipher import AES
from Crypto.Util.Padding import unpad

# duid (21-22 characters) and local key (16 characters) of each simulated device.
DEVICES = {
    # local TCP, version 1.0
    "v1": {"duid": "rrV1LocalS7xK8pQ2mZ7sT", "local_key": "k7Pq2Xz9Lm4Rt8Vw", "ip": "127.0.0.21"},
    # local TCP, version L01 (ignores 1.0 hellos)
    "l01": {"duid": "rrL01Qrevo9Hc3Nf6Jq1Y", "local_key": "Zq8Ws3Ed5Rf7Tg9Y", "ip": "127.0.0.22"},
    # MQTT: a 1.0 vacuum, an A01 (Dyad wet/dry vacuum) and a B01 (Q7) device
    "mqtt-v1": {"duid": "rrMqttV1S8pro4Gb7Kd2Hx", "local_key": "Mn3Bv6Cx9Za2Sd5F", "ip": "127.0.0.31"},
    "mqtt-a01": {"duid": "rrMqttA01Dyad5Tp8Ue3W", "local_key": "Hj4Kl7Qw2Er5Ty8U", "ip": "127.0.0.32"},
    "mqtt-b01": {"duid": "rrMqttB01Q7max2Lx6Vc9", "local_key": "Pa9Os8Id7Uf6Yg5H", "ip": "127.0.0.33"},
}

# MQTT account (rriot) used by the app side.
RRIOT = {
    "u": "2f7kXq9LrTz8Vb3N",
    "s": "Qw3Er5Ty7Ui9Op1A",
    "h": "Zx2Cv4Bn6Mm8Kk0J",
    "k": "Lp0Ok9Ij8Uh7Yg6T",
    "r": {"r": "LOCAL", "a": "http://127.0.0.1", "m": "tcp://127.0.0.1:1883", "l": "http://127.0.0.1"},
}


def header_fields(frame: bytes) -> dict:
    """version, seq, random, timestamp, protocol of a frame (no length prefix)."""
    seq, random, ts, proto = struct.unpack(">IIIH", frame[3:17])
    return {"version": frame[:3].decode(), "seq": seq, "random": random, "timestamp": ts, "protocol": proto}


def split_frames(data: bytes) -> list[bytes]:
    """Split a local TCP byte string into its length-prefixed frames (no prefix)."""
    out = []
    while len(data) >= 4:
        (n,) = struct.unpack(">I", data[:4])
        out.append(data[4 : 4 + n])
        data = data[4 + n :]
    return out


def payload_less_info(frame: bytes) -> dict:
    """Describe a frame without payload: 17 bytes, or 17 + a 4-byte trailer."""
    info = {"wire_length": len(frame), "payload": None}
    if len(frame) == 21:
        trailer = frame[17:21]
        info["trailer_hex"] = trailer.hex()
        info["trailer_is_crc32"] = struct.unpack(">I", trailer)[0] == zlib.crc32(frame[:17])
    return info


def payload_view(version: str, payload: bytes | None) -> dict:
    """What python-roborock's parser returned as payload, and its text.

    `payload_hex` is the payload exactly as python-roborock's MessageParser
    returns it (1.0 and B01: one PKCS#7 layer removed by the parser; A01: the
    parser removes none; L01: GCM, no padding). `plaintext` is the UTF-8 text
    with every remaining PKCS#7 layer removed (`extra_pkcs7` counts those).
    """
    if payload is None:
        return {"payload": None}
    out = {"payload_hex": payload.hex()}
    data, extra = payload, 0
    while version in ("A01", "B01") and data and len(data) % 16 == 0:
        try:
            data = unpad(data, AES.block_size)
        except ValueError:
            break
        extra += 1
    if extra:
        out["extra_pkcs7"] = extra
    try:
        out["plaintext"] = data.decode()
    except UnicodeDecodeError:
        out["binary_length"] = len(data)
    return out


class Truth:
    def __init__(self, path: str):
        self.f = open(path, "a", buffering=1)

    def write(self, **row):
        self.f.write(json.dumps(row, ensure_ascii=False) + "\n")
