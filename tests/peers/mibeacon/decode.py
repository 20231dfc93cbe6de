#!/usr/bin/env python3
"""Independent MiBeacon decoder for tests/captures/mibeacon-vectors.jsonl.

Written for this project from the public MiBeacon format facts (frame
control bits, header fields, TLV objects, AES-128-CCM with the bindkey), with
the nonce/key layout and the object value layouts checked against
Bluetooth-Devices/xiaomi-ble src/xiaomi_ble/parser.py at commit
509f516e46dfd21172a70c7e66955ecf3f0923e6 (none of its code is used).  Needs
python3 and Debian's python3-cryptography.

For each vector it prints one JSON line with the decoded frame (frame
control bits, version, product id, frame counter, MAC, capability, objects
as id/len/raw hex, decrypted plaintext) and the values it decodes, then a
CHECK line comparing those values with the vector's `expected` (what the
xiaomi-ble test asserts).  Exit status 1 if any CHECK fails.

  python3 tests/peers/mibeacon/decode.py [--quiet] [VECTORS.jsonl]
"""

import json
import math
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.exceptions import InvalidTag

# ---------------------------------------------------------------------------
# product id -> (xiaomi-ble device name, model, manufacturer): only the ids
# the vectors use, copied from xiaomi-ble src/xiaomi_ble/devices.py
# (DEVICE_TYPES) at the commit above.
PRODUCTS = {
    0x0098: ('Plant Sensor', 'HHCCJCY01', 'Xiaomi'),
    0x00DB: ('Baby Thermometer', 'MMC-T201-1', 'Xiaomi'),
    0x0153: ('Remote Control', 'YLYK01YL', 'Xiaomi'),
    0x015D: ('Smart Flower Pot', 'HHCCPOT002', 'Xiaomi'),
    0x01AA: ('Temperature/Humidity Sensor', 'LYWSDCGQ', 'Xiaomi'),
    0x02DF: ('Formaldehyde Sensor', 'JQJCY01YM', 'Xiaomi'),
    0x0380: ('Door Lock', 'DSL-C08', 'Xiaomi'),
    0x0387: ('Temperature/Humidity Sensor', 'MHO-C401', 'Xiaomi'),
    0x0391: ('Body Thermometer', 'MMC-W505', 'Xiaomi'),
    0x03B6: ('Dimmer Switch', 'YLKG07YL/YLKG08YL', 'Xiaomi'),
    0x03BC: ('Grow Care Garden', 'GCLS002', 'Xiaomi'),
    0x03D6: ('Door/Window Sensor', 'CGH1', 'Xiaomi'),
    0x03DD: ('Nightlight', 'MUE4094RT', 'Xiaomi'),
    0x040A: ('Mosquito Repellent', 'WX08ZM', 'Xiaomi'),
    0x045B: ('Temperature/Humidity Sensor', 'LYWSD02', 'Xiaomi'),
    0x0489: ('Smart Toothbrush', 'M1S-T500', 'Xiaomi'),
    0x04E1: ('Magic Cube', 'XMMF01JQD', 'Xiaomi'),
    0x055B: ('Temperature/Humidity Sensor', 'LYWSD03MMC', 'Xiaomi'),
    0x0576: ('3-in-1 Alarm Clock', 'CGD1', 'Xiaomi'),
    0x066F: ('Temperature/Humidity Sensor', 'CGDK2', 'Xiaomi'),
    0x069E: ('Door Lock', 'ZNMS16LM', 'Xiaomi'),
    0x06D3: ('Alarm Clock', 'MHO-C303', 'Xiaomi'),
    0x07BF: ('Wireless Switch', 'YLAI003', 'Xiaomi'),
    0x07F6: ('Nightlight', 'MJYD02YL', 'Xiaomi'),
    0x0806: ('Smart Toothbrush', 'T700', 'Xiaomi'),
    0x0863: ('Flood Detector', 'SJWS01LM', 'Xiaomi'),
    0x098B: ('Door/Window Sensor', 'MCCGQ02HL', 'Xiaomi'),
    0x0997: ('Smoke Detector', 'JTYJGD03MI', 'Xiaomi'),
    0x0A83: ('Motion/Light Sensor', 'CGPR1', 'Xiaomi'),
    0x0A8D: ('Motion Sensor', 'RTCGQ02LM', 'Xiaomi'),
    0x0B48: ('Temperature/Humidity Sensor', 'CGG1-ENCRYPTED', 'Xiaomi'),
    0x0C3C: ('Alarm Clock', 'CGC1', 'Xiaomi'),
    0x0DFD: ('Switch (triple button)', 'K9B-3BTN', 'Xiaomi'),
    0x0E39: ('Door Lock', 'XMZNMS08LM', 'Xiaomi'),
    0x11C2: ('Door Lock', 'Lockin-SV40', 'Xiaomi'),
    0x1203: ('Thermometer', 'XMWSDJ04MMC', 'Xiaomi'),
    0x1568: ('Switch (single button)', 'K9B-1BTN', 'Xiaomi'),
    0x1569: ('Switch (double button)', 'K9B-2BTN', 'Xiaomi'),
    0x16E4: ('Temperature/Humidity Sensor', 'LYWSD02MMC', 'Xiaomi'),
    0x1889: ('Door/Window Sensor', 'MS1BB(MI)', 'Xiaomi'),
    0x1949: ('Switch (double button)', 'XMWXKG01YL', 'Xiaomi'),
    0x2387: ('Button', 'XMWXKG01LM', 'Xiaomi'),
    0x2542: ('Temperature/Humidity Sensor', 'LYWSD02MMC', 'Xiaomi'),
    0x2AEB: ('Motion Sensor', 'HS1BB(MI)', 'Xiaomi'),
    0x3531: ('Motion Sensor', 'XMPIRO2SXS', 'Xiaomi'),
    0x38BB: ('Wireless Switch', 'PTX_YK1_QMIMB', 'Xiaomi'),
    0x3A61: ('Switch (quadruple button)', 'KS1', 'Xiaomi'),
    0x3BD5: ('Body Composition Scale', 'MJTZC01YM', 'Xiaomi'),
    0x3F0F: ('Flood and Rain Sensor', 'RS1BB(MI)', 'Xiaomi'),
    0x3F4C: ('Seat Pressure Sensor', 'PS1BB', 'Linptech'),
    0x4683: ('Occupancy Sensor', 'XMOSB01XS', 'Xiaomi'),
    0x4C04: ('Smart Scale S200', 'MJTZC02YM', 'Xiaomi'),
    0x4F59: ('Temperature/Humidity Sensor', 'CGDK3', 'Xiaomi'),
    0x50FB: ('Human Presence Sensor', 'ES3', 'Linptech'),
    0x520B: ('Temperature/Humidity Sensor with Button', 'KS2BB', 'Linptech'),
    0x55B5: ('Temperature/Humidity Sensor', 'MJWSD06MMC', 'Xiaomi'),
    0x5968: ('Switch (double button)', 'XMWS01XS', 'Xiaomi'),
    0x59FC: ('Smart Band 10 Ceramic Edition', 'M2456B1', 'Xiaomi'),
    0x5BEA: ('Temperature/Humidity Sensor', 'MJWSD06MMC', 'Xiaomi'),
    0x6375: ('Water Leak Sensor 2', 'SJWS02LM', 'Xiaomi'),
    0x6A0F: ('Human Presence Sensor', 'ES5BB', 'Linptech'),
    0x78DB: ('Temperature/Humidity Sensor', 'ESM787', 'Yanmi'),
}
# ---------------------------------------------------------------------------


class Frame:
    pass


def parse_frame(data, address):
    """Split a MiBeacon service-data payload into its header fields."""
    f = Frame()
    f.raw = data
    f.error = None
    if len(data) < 5:
        f.error = "shorter than the 5-byte header"
        return f
    fc = data[0] | data[1] << 8
    f.frame_control = fc
    f.bits = {
        "request_timing": fc & 1,            # bit 0 (old versions)
        "encrypted": fc >> 3 & 1,            # bit 3
        "mac_include": fc >> 4 & 1,          # bit 4
        "capability_include": fc >> 5 & 1,   # bit 5
        "object_include": fc >> 6 & 1,       # bit 6
        "mesh": fc >> 7 & 1,                 # bit 7
        "registered": fc >> 8 & 1,           # bit 8
        "solicited": fc >> 9 & 1,            # bit 9
        "auth_mode": fc >> 10 & 3,           # bits 10-11
    }
    f.version = fc >> 12                     # bits 12-15
    f.product_id = data[2] | data[3] << 8
    f.frame_counter = data[4]
    pos = 5
    f.mac_in_frame = None
    if f.bits["mac_include"]:
        if len(data) < pos + 6:
            f.error = "MAC flag set, frame too short"
            return f
        f.mac_in_frame = data[pos:pos + 6]   # as transmitted: reversed
        pos += 6
    f.mac = (f.mac_in_frame[::-1] if f.mac_in_frame is not None
             else bytes.fromhex(address.replace(":", "")))
    f.mac_source = "frame" if f.mac_in_frame is not None else "advertiser address"
    f.capability = None
    f.io_capability = None
    if f.bits["capability_include"]:
        if len(data) < pos + 1:
            f.error = "capability flag set, frame too short"
            return f
        f.capability = data[pos]
        pos += 1
        # capability bit 5 announces an I/O capability field; xiaomi-ble
        # reads one byte there, and so does this decoder
        if f.capability & 0x20:
            if len(data) < pos + 1:
                f.error = "I/O capability announced, frame too short"
                return f
            f.io_capability = data[pos]
            pos += 1
    f.body_offset = pos
    f.body = data[pos:]
    return f


def legacy_key(bindkey):
    """v2/v3: the 12-byte bindkey becomes a 16-byte AES key."""
    return bindkey[0:6] + bytes.fromhex("8d3d3c97") + bindkey[6:12]


def decrypt(f, bindkey):
    """Returns (plaintext or None, crypto-details dict)."""
    d = f.raw
    i = f.body_offset
    info = {}
    mac_tx = f.mac[::-1]  # MAC in transmitted (reversed) byte order
    if f.version >= 4:
        if len(d) < i + 9:
            info["error"] = "too short for v4/v5 ciphertext + ext counter + MIC"
            return None, info
        ciphertext = d[i:-7]
        ext_cnt = d[-7:-4]
        mic = d[-4:]
        # nonce: MAC as transmitted (6) | product id as transmitted (2) |
        # frame counter (1) | extended counter (3) = 12 bytes
        nonce = mac_tx + d[2:4] + d[4:5] + ext_cnt
        info.update(scheme="v4/v5 AES-128-CCM, tag 4, AAD 11", nonce=nonce.hex(),
                    ext_counter=ext_cnt.hex(), mic=mic.hex(), ciphertext=ciphertext.hex())
        if bindkey is None:
            info["error"] = "no bindkey"
            return None, info
        if len(bindkey) != 16:
            info["error"] = "v4/v5 needs a 16-byte bindkey"
            return None, info
        try:
            pt = AESCCM(bindkey, tag_length=4).decrypt(nonce, ciphertext + mic, b"\x11")
        except InvalidTag:
            info["error"] = "MIC check failed (wrong bindkey or damaged frame)"
            return None, info
        info["mic_ok"] = True
        return pt, info
    # v2/v3 ("legacy")
    if len(d) < i + 7:
        info["error"] = "too short for legacy ciphertext + trailer"
        return None, info
    ciphertext = d[i:-4]
    # nonce: frame control, product id, frame counter as transmitted (5) |
    # 3 bytes before the last byte (3) | first 5 bytes of the transmitted MAC
    nonce = d[0:5] + d[-4:-1] + mac_tx[:5]
    info.update(scheme="v2/v3 AES-128-CCM keystream, no tag check", nonce=nonce.hex(),
                trailer=d[-4:].hex(), ciphertext=ciphertext.hex())
    if bindkey is None:
        info["error"] = "no bindkey"
        return None, info
    if len(bindkey) != 12:
        info["error"] = "v2/v3 needs a 12-byte bindkey"
        return None, info
    key = legacy_key(bindkey)
    info["aes_key"] = key.hex()
    # CCM encrypts the payload with CTR blocks A_i = flags | nonce | i, i >= 1;
    # flags = L-1 with L = 15 - len(nonce) = 2.
    a1 = bytes([15 - len(nonce) - 1]) + nonce + (1).to_bytes(15 - len(nonce), "big")
    dec = Cipher(algorithms.AES(key), modes.CTR(a1)).decryptor()
    pt = dec.update(ciphertext) + dec.finalize()
    return pt, info


def split_objects(payload):
    """TLV objects: id (2, LE), length (1), value."""
    objs = []
    pos = 0
    while len(payload) >= pos + 3:
        oid = payload[pos] | payload[pos + 1] << 8
        ln = payload[pos + 2]
        val = payload[pos + 3:pos + 3 + ln]
        o = {"id": "0x%04X" % oid, "len": ln, "value": val.hex()}
        if len(val) < ln:
            o["truncated"] = True
            objs.append(o)
            break
        objs.append(o)
        pos += 3 + ln
    if pos < len(payload) and not (objs and objs[-1].get("truncated")):
        objs.append({"trailing": payload[pos:].hex()})
    return objs


# ---------------------------------------------------------------------------
# Object values.  Each decoder returns a list of (table, key, value) with
# table "sensor", "binary" or "event"; keys are xiaomi-ble's entity keys.
# Layouts: little-endian; which keys a model gets follows xiaomi-ble's parser.

def u8(v):
    return v[0]


def le(v, n=None):
    return int.from_bytes(v if n is None else v[:n], "little")


def s16(v):
    return struct.unpack("<h", v[:2])[0]


def f32(v):
    return struct.unpack("<f", v[:4])[0]


BUTTON_PRESS = {0: "press", 1: "double_press", 2: "long_press", 5: "press", 6: "long_press"}
SWITCH_PRESS = {0: "press", 1: "long_press", 2: "double_press"}  # K9B order differs
# button_type -> which of the switch's buttons it means
K9B2 = {0: ["left"], 1: ["right"], 2: ["left", "right"]}
K9B3 = {0: ["left"], 1: ["middle"], 2: ["right"], 3: ["left", "middle"],
        4: ["middle", "right"], 5: ["left", "right"], 6: ["left", "middle", "right"]}
YLYK01YL = {0: "on", 1: "off", 2: "brightness", 3: "plus", 4: "M", 5: "min"}
QUAD = {1: "left", 2: "mid_left", 3: "mid_right", 4: "right"}
FINGER = ["match_successful", "match_failed", "timeout", "low_quality_too_light_fuzzy",
          "insufficient_area", "skin_is_too_dry", "skin_is_too_wet"]


def o_button(v, model):
    if len(v) != 3:
        return []
    btype, value, ptype = v[0], v[1], v[2]
    out = []
    if model in ("RTCGQ02LM", "YLAI003", "JTYJGD03MI", "SJWS01LM"):
        out.append(("event", "button", BUTTON_PRESS.get(ptype, "no_press")))
    elif model == "XMMF01JQD":
        out.append(("event", "cube", {0: "rotate_right", 1: "rotate_left"}.get(btype)))
    elif model == "YLYK01YL":
        cmd = YLYK01YL.get(btype)
        if cmd == "on":
            out.append(("binary", "power", True))
        elif cmd == "off":
            out.append(("binary", "power", False))
        out.append(("event", "button_%s" % cmd, BUTTON_PRESS.get(ptype, "no_press")))
    elif model == "YLKG07YL/YLKG08YL":
        kind, prop, n = "no_press", None, 0
        if ptype == 0:
            kind = "press"
        elif ptype == 1:
            kind = "double_press"
        elif ptype == 2:
            kind = "long_press"
        elif ptype == 3 and btype in (0, 1):
            kind, n = ("press", value) if btype == 0 else ("long_press", value)
        elif ptype == 4:
            if btype == 0:
                kind, n = ("rotate_right", value) if value < 128 else ("rotate_left", 256 - value)
            else:
                kind, n = (("rotate_right_pressed", btype) if btype < 128
                           else ("rotate_left_pressed", 256 - btype))
        prop = {"press": "number_of_presses", "long_press": "duration"}.get(kind)
        if kind.startswith("rotate"):
            prop = "steps"
        out.append(("event", "dimmer", {"event_type": kind,
                                         "event_properties": {prop: n} if prop else None}))
    elif model == "K9B-1BTN":
        if btype == 0:
            out.append(("event", "button", SWITCH_PRESS.get(ptype)))
    elif model == "K9B-2BTN":
        for b in K9B2.get(btype, []):
            out.append(("event", "button_" + b, SWITCH_PRESS.get(ptype)))
    elif model == "K9B-3BTN":
        for b in K9B3.get(btype, []):
            out.append(("event", "button_" + b, SWITCH_PRESS.get(ptype)))
    return out


def o_fingerprint(v, model):
    if len(v) != 5:
        return []
    kid, match = v[0:4], v[4]
    key = {b"\0\0\0\0": "administrator", b"\xff\xff\xff\xff": "unknown operator",
           b"\xde\xad\xbe\xef": "invalid operator"}.get(kid, str(le(kid)))
    out = [("binary", "fingerprint", match == 0), ("sensor", "key_id", key)]
    if match < len(FINGER):
        out.append(("event", "fingerprint", FINGER[match]))
    return out


def o_door(v, model):
    b = v[0]
    return {
        0: [("binary", "door", True), ("binary", "door_stuck", False), ("binary", "knock_on_the_door", False)],
        1: [("binary", "door", False), ("binary", "door_left_open", False), ("binary", "pry_the_door", False)],
        2: [("binary", "door", True), ("binary", "door_left_open", True)],
        3: [("binary", "door", False), ("binary", "knock_on_the_door", True)],
        4: [("binary", "door", True), ("binary", "pry_the_door", True)],
        5: [("binary", "door", False), ("binary", "door_stuck", True)],
    }.get(b, [])


def o_armed(v, model):
    armed = bool(v[0] ^ 1)
    out = [("binary", "armed", armed)]
    if model == "DSL-C08":
        out += [("binary", "lock", armed), ("event", "lock", "lock_outside_the_door"),
                ("sensor", "lock_method", "manual")]
    return out


def o_lock(v, model):
    # action (low nibble), method (high nibble), key id (uint32), timestamp
    # (uint32): only the raw fields here; xiaomi-ble's lock tables
    # (BLE_LOCK_ACTION/METHOD/ERROR) are not re-implemented.
    if len(v) != 9:
        return []
    return [("raw", "lock_action", v[0] & 15), ("raw", "lock_method", v[0] >> 4),
            ("raw", "key_id", "0x%08x" % le(v[1:5])), ("raw", "timestamp", le(v[5:9]))]


def o_toothbrush(v, model):
    out = [("binary", "toothbrush", v[0] == 0)]
    if len(v) > 1:
        out.append(("sensor", "counter" if v[0] == 0 else "score", v[1]))
    return out


def o_brushing(v, model):
    out = []
    if v[0] in (0, 1):
        out.append(("binary", "toothbrush", v[0] == 0))
        out.append(("raw", "start_time" if v[0] == 0 else "end_time", le(v[1:5])))
    if len(v) == 6:
        out.append(("sensor", "score", v[5]))
    return out


def o_moving_light(v, model):
    if len(v) != 3:
        return []
    lux = le(v)
    out = [("binary", "motion", True)]
    if model in ("MJYD02YL", "RTCGQ02LM"):
        out.append(("binary", "light", lux >= 100))
    elif model == "CGPR1":
        out.append(("sensor", "illuminance", lux))
    return out


def o_humidity10(v, model):
    if len(v) != 2:
        return []
    h = le(v)
    # xiaomi-ble drops the tenths for these two models
    return [("sensor", "humidity", int(h / 10) if model in ("LYWSD03MMC", "MHO-C401") else h / 10)]


def o_illum24(v, model):
    if len(v) != 3:
        return []
    lux = le(v)
    if model in ("MJYD02YL", "MCCGQ02HL"):
        return [("binary", "light", lux == 100)]
    if model in ("HHCCJCY01", "GCLS002"):
        return [("sensor", "illuminance", lux)]
    return []


def o_battery_volt(v, model):
    b = v[0]
    if model in ("LYWSDCGQ", "CGDK3"):  # one 1.5 V AAA cell
        volt = 0.8 + (1.6 - 0.8) * (b / 100)
    else:                               # CR2032
        volt = 2.2 + (3.1 - 2.2) * (b / 100)
    return [("sensor", "battery", b), ("sensor", "voltage", volt)]


def o_opening(v, model):
    b = v[0]
    if b == 0:
        return [("binary", "opening", True)]
    if b == 1:
        return [("binary", "opening", False), ("binary", "door_left_open", False)]
    if b == 2:
        return [("binary", "opening", True), ("binary", "door_left_open", True)]
    return []


def o_opening2(v, model):  # 0x4804 state and 0x4A12 event
    b = v[0]
    if b == 1:
        return [("binary", "opening", True)]
    if b == 2:
        return [("binary", "opening", False), ("binary", "door_left_open", False),
                ("binary", "device_forcibly_removed", False)]
    return []


def o_body_temp(v, model):
    if len(v) != 5:
        return []
    t1, t2, bat = struct.unpack("<hhB", v)
    # xiaomi-ble's approximation of the app's body temperature
    body = (3.71934e-11 * math.exp(0.69314 * t1 / 100)
            - 1.02801e-8 * math.exp(0.53871 * t2 / 100) + 36.413)
    return [("sensor", "temperature", body), ("sensor", "battery", bat),
            ("raw", "t1", t1), ("raw", "t2", t2)]


def o_press_lr(kind):
    def f(v, model):
        if model == "XMWS01XS":
            side = {0: "left", 1: "right"}.get(v[0] if v else None)
            return [("event", "button_" + side, kind)] if side else []
        return [("event", "button", kind)]
    return f


def o_4e0c(v, model):
    if model == "XMWXKG01YL":
        sides = {1: ["left"], 2: ["right"], 3: ["left", "right"]}.get(v[0] if v else None, [])
        return [("event", "button_" + s, "press") for s in sides]
    if model == "K9BB-1BTN":
        k = {1: "press", 8: "long_press", 15: "double_press"}.get(v[0] if v else None)
        return [("event", "button", k)] if k else []
    if model == "XMWXKG01LM":
        return [("event", "button", "press")]
    return []


def o_ks(kind):
    def f(v, model):
        if model not in ("KS1", "KS1BP", "KS2BB"):
            return []
        if model == "KS2BB":
            return [("event", "button", kind)]
        name = QUAD.get(v[0] if v else None)
        return [("event", "button_" + name if name else "button", kind)]
    return f


def o_s200(v, model):
    if len(v) != 9:
        return []
    prof, w, ts = struct.unpack("<BII", v)
    if w == 0:
        return []
    return [("sensor", "mass", w / 100), ("sensor", "profile_id", prof), ("raw", "timestamp", ts)]


def o_s400(v, model):
    if len(v) != 9:
        return []
    prof, d, ts = struct.unpack("<BII", v)
    mass, hr, imp = d & 0x7FF, d >> 11 & 0x7F, d >> 18
    out = [("sensor", "profile_id", prof), ("raw", "mass_raw", mass), ("raw", "heart_rate_raw", hr),
           ("raw", "impedance_raw", imp)]
    if mass == hr == imp == 0:
        return out + [("binary", "stabilized", False)]
    if mass:
        out.append(("sensor", "mass", mass / 10))
    if 0 < hr < 127:
        out.append(("sensor", "heart_rate", hr + 50))
    if mass == 0 and hr == 0:
        out += [("sensor", "impedance_high", imp / 10), ("binary", "stabilized", True)]
    elif imp:
        out += [("sensor", "impedance_low", imp / 10), ("binary", "stabilized", False)]
    else:
        out.append(("binary", "stabilized", True))
    return out


def water(key):
    def f(v, model):
        if len(v) != 1:
            return []
        if model == "SJWS02LM":
            return [("binary", key, v[0] > 0)]
        return [("binary", "moisture", v[0] > 0)] if key == "bottom_submersion" else []
    return f


def o_4a68(v, model):
    if len(v) != 1 or model != "SJWS02LM":
        return []
    if v[0] in (0, 1):
        return [("binary", "bottom_submersion", v[0] == 0)]
    if v[0] in (2, 3):
        return [("binary", "top_splash", v[0] == 2)]
    return []


OBJECTS = {
    0x0003: ("motion (event)", lambda v, m: [("event", "motion", "motion_detected")]),
    0x0006: ("fingerprint", o_fingerprint),
    0x0007: ("door", o_door),
    0x0008: ("armed away", o_armed),
    0x000A: ("body temperature int16/100", lambda v, m: [("sensor", "temperature", s16(v) / 100)] if len(v) == 2 and s16(v) else []),
    0x000B: ("lock", o_lock),
    0x000F: ("moving with light", o_moving_light),
    0x0010: ("toothbrush", o_toothbrush),
    0x1001: ("button", o_button),
    0x1004: ("temperature int16/10", lambda v, m: [("sensor", "temperature", s16(v) / 10)] if len(v) == 2 else []),
    0x1006: ("humidity uint16/10", o_humidity10),
    0x1007: ("illuminance uint24", o_illum24),
    0x1008: ("moisture uint8", lambda v, m: [("sensor", "moisture", u8(v))]),
    0x1009: ("conductivity uint16", lambda v, m: [("sensor", "conductivity", le(v))] if len(v) == 2 else []),
    0x100A: ("battery uint8", o_battery_volt),
    0x100D: ("temperature int16/10 + humidity uint16/10",
             lambda v, m: [("sensor", "temperature", s16(v) / 10), ("sensor", "humidity", le(v[2:4]) / 10)] if len(v) == 4 else []),
    0x1010: ("formaldehyde uint16/100", lambda v, m: [("sensor", "formaldehyde", le(v) / 100)] if len(v) == 2 else []),
    0x1013: ("consumable uint8 %", lambda v, m: [("sensor", "consumable", u8(v))]),
    0x1015: ("smoke", lambda v, m: [("binary", "smoke", u8(v) > 0)]),
    0x1019: ("door/window", o_opening),
    0x101B: ("no motion timeout", lambda v, m: [("binary", "motion", False)]),
    0x2000: ("body temperature", o_body_temp),
    0x3003: ("brushing", o_brushing),
    0x4801: ("temperature float32, 1 decimal", lambda v, m: [("sensor", "temperature", round(f32(v), 1))]),
    0x4802: ("humidity uint8", lambda v, m: [("sensor", "humidity", u8(v))]),
    0x4803: ("battery uint8", lambda v, m: [("sensor", "battery", u8(v))]),
    0x4804: ("opening state", o_opening2),
    0x4805: ("illuminance float32", lambda v, m: [("sensor", "illuminance", f32(v))]),
    0x4806: ("moisture / bottom submersion", water("bottom_submersion")),
    0x4818: ("seconds without motion uint16", lambda v, m: [("binary", "motion", le(v) <= 30)] if len(v) == 2 else []),
    0x483C: ("pressure present", lambda v, m: [("binary", "occupancy", u8(v) > 0)] if len(v) == 1 else []),
    0x483D: ("pressure present duration uint32 s", lambda v, m: [("sensor", "pressure_present_duration", le(v))] if len(v) == 4 else []),
    0x483E: ("pressure not present duration uint32 s", lambda v, m: [("sensor", "pressure_not_present_duration", le(v))] if len(v) == 4 else []),
    0x484E: ("occupancy status", lambda v, m: [("binary", "occupancy", (u8(v) == 1) if m == "XMOSB01XS" else (u8(v) > 0))]),
    0x4851: ("has-someone duration min", lambda v, m: [("sensor", "duration_detected", u8(v))]),
    0x4852: ("no-one duration min", lambda v, m: [("sensor", "duration_cleared", u8(v))]),
    0x487B: ("top splash", water("top_splash")),
    0x4A08: ("motion + illuminance float32", lambda v, m: [("binary", "motion", True), ("sensor", "illuminance", f32(v))]),
    0x4A0C: ("single press", o_press_lr("press")),
    0x4A0D: ("double press", o_press_lr("double_press")),
    0x4A0E: ("long press", o_press_lr("long_press")),
    0x4A12: ("opening event", o_opening2),
    0x4A13: ("button", lambda v, m: [("event", "button", "press")] if v and v[0] == 1 else []),
    0x4A1A: ("door left open", lambda v, m: [("binary", "opening", True), ("binary", "door_left_open", True)] if v[0] == 1 else []),
    0x4A68: ("water event", o_4a68),
    0x4C01: ("temperature float32, 2 decimals", lambda v, m: [("sensor", "temperature", round(f32(v), 2))] if len(v) == 4 else []),
    0x4C02: ("humidity uint8", lambda v, m: [("sensor", "humidity", u8(v))] if len(v) == 1 else []),
    0x4C03: ("battery uint8", lambda v, m: [("sensor", "battery", u8(v))]),
    0x4C08: ("humidity float32", lambda v, m: [("sensor", "humidity", f32(v))] if len(v) == 4 else []),
    0x4E0C: ("button", o_4e0c),
    0x4E16: ("scale S200", o_s200),
    0x5413: ("occupancy close range", lambda v, m: [("binary", "occupancy_close_range", u8(v) > 0)] if m == "ES5BB" else []),
    0x5422: ("charging state", lambda v, m: [("sensor", "charging_state", {0: "Charging", 1: "Not Charging", 2: "Full"}.get(u8(v), "Unknown"))] if len(v) == 1 else []),
    0x560C: ("press", o_ks("press")),
    0x560D: ("double press", o_ks("double_press")),
    0x560E: ("long press", o_ks("long_press")),
    0x5810: ("sleep state", lambda v, m: [("binary", "asleep", u8(v) ^ 1)] if len(v) == 1 else []),
    0x6461: ("wearing state", lambda v, m: [("binary", "wearing", u8(v) ^ 1)] if len(v) == 1 else []),
    0x6E16: ("scale S400", o_s400),
}
# zero-length objects xiaomi-ble still hands to their decoder (events)
ZERO_LENGTH_OK = {0x4A0C, 0x4A0D, 0x4A0E, 0x4E0C, 0x560C, 0x560D, 0x560E}


# ---------------------------------------------------------------------------

def decode_vector(v):
    data = bytes.fromhex(v["data_hex"])
    key = bytes.fromhex(v["bindkey"]) if v.get("bindkey") else None
    f = parse_frame(data, v["address"])
    r = {"id": v["id"]}
    if f.error:
        r["error"] = f.error
        r["outcome"] = "malformed"
        return r, f
    prod = PRODUCTS.get(f.product_id)
    r.update({
        "frame_control": "0x%04x" % f.frame_control,
        "bits": f.bits,
        "version": f.version,
        "product_id": "0x%04X" % f.product_id,
        "model": prod[1] if prod else None,
        "frame_counter": f.frame_counter,
        "mac": ":".join("%02X" % b for b in f.mac),
        "mac_source": f.mac_source,
        "capability": None if f.capability is None else "0x%02x" % f.capability,
    })
    if f.io_capability is not None:
        r["io_capability"] = "0x%02x" % f.io_capability
    if f.mac_in_frame is not None:
        r["mac_matches_address"] = f.mac == bytes.fromhex(v["address"].replace(":", ""))
    r["values"] = {"sensor": {}, "binary": {}, "event": {}, "raw": {}}
    if f.bits["mesh"] or f.version < 2:
        r["outcome"] = "unsupported"
        return r, f
    if not f.bits["object_include"]:
        r["outcome"] = "no_objects"
        return r, f
    if f.bits["encrypted"]:
        pt, info = decrypt(f, key)
        r["crypto"] = info
        if pt is None:
            r["outcome"] = "bindkey_needed" if key is None else "decryption_failed"
            return r, f
        r["plaintext"] = pt.hex()
    else:
        pt = f.body
    objs = split_objects(pt)
    r["objects"] = objs
    if f.bits["encrypted"] and f.version <= 3 and objs and objs[-1].get("truncated"):
        # v2/v3 has no tag: a wrong key shows as object lengths running past
        # the plaintext (xiaomi-ble's rule too)
        r["outcome"] = "decryption_failed"
        return r, f
    model = prod[1] if prod else None
    for o in objs:
        if "id" not in o or o.get("truncated"):
            continue
        oid = int(o["id"], 16)
        val = bytes.fromhex(o["value"])
        if oid not in OBJECTS:
            o["decoded"] = "unknown object"
            continue
        if not val and oid not in ZERO_LENGTH_OK:
            continue
        o["name"] = OBJECTS[oid][0]
        for table, k, value in OBJECTS[oid][1](val, model):
            if table == "event" and isinstance(value, dict):
                r["values"]["event"][k] = value
            elif table == "event":
                r["values"]["event"][k] = {"event_type": value, "event_properties": None}
            else:
                r["values"][table][k] = value
    r["outcome"] = "decoded" if prod else "unsupported"
    return r, f


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def check(v, r, merged):
    """Compare decoded values (merged over accumulated steps) with expected."""
    exp = v["expected"]
    bad, ok, unchecked = [], 0, []
    eo = exp.get("outcome")
    if eo in ("decryption_failed", "bindkey_needed", "no_objects", "unsupported", "decoded"):
        only_rssi = not any(k != "signal_strength" and "value" in e
                            for t in ("sensors", "binary_sensors")
                            for k, e in (exp.get(t) or {}).items()) and not exp.get("events")
        if r["outcome"] == eo:
            ok += 1
        elif (eo == "decoded" and r["outcome"] == "no_objects" and only_rssi
              and (exp.get("device") or {}).get("sw_version", "") is None):
            # the test's SensorUpdate names the device but no firmware and
            # holds no values: xiaomi-ble's update for a header-only frame
            ok += 1
        else:
            bad.append("outcome: expected %s, decoder %s" % (eo, r["outcome"]))
    dev = exp.get("device") or {}
    if "model" in dev:
        if r.get("model") == dev["model"]:
            ok += 1
        else:
            bad.append("model: expected %r, product id %s gives %r" % (dev["model"], r.get("product_id"), r.get("model")))
    sw = dev.get("sw_version")
    if sw:
        want = "Xiaomi (MiBeacon V%d%s)" % (r["version"], " encrypted" if r["bits"]["encrypted"] else "")
        if sw == want:
            ok += 1
        else:
            bad.append("sw_version: expected %r, frame says %r" % (sw, want))
    elif "sw_version" in dev and sw is None and r.get("bits", {}).get("object_include"):
        bad.append("sw_version None expected but frame has objects")
    for table, etable in (("sensor", "sensors"), ("binary", "binary_sensors")):
        for k, e in (exp.get(etable) or {}).items():
            if "value" not in e:
                continue
            if table == "sensor" and k == "signal_strength":
                continue  # RSSI of the test's BluetoothServiceInfo, not advert data
            if k in merged[table]:
                if same(merged[table][k], e["value"]):
                    ok += 1
                else:
                    bad.append("%s %s: expected %r, decoded %r" % (table, k, e["value"], merged[table][k]))
            else:
                unchecked.append("%s %s=%r" % (table, k, e["value"]))
        if etable in exp and not exp.get("partial"):
            for k in merged[table]:
                if k not in (exp.get(etable) or {}) or "value" not in exp[etable][k]:
                    bad.append("%s %s=%r decoded but not expected" % (table, k, merged[table][k]))
    if "events" in exp:
        for k, e in exp["events"].items():
            got = merged["event"].get(k)
            if got is None:
                unchecked.append("event %s=%s" % (k, e["event_type"]))
            elif got["event_type"] == e["event_type"] and got["event_properties"] == e["event_properties"]:
                ok += 1
            else:
                bad.append("event %s: expected %r/%r, decoded %r" % (k, e["event_type"], e["event_properties"], got))
        for k in merged["event"]:
            if k not in exp["events"]:
                bad.append("event %s decoded but not expected" % k)
    return ok, bad, unchecked


def main(argv):
    quiet = "--quiet" in argv
    args = [a for a in argv if not a.startswith("--")]
    here = os.path.dirname(os.path.abspath(__file__))
    path = args[0] if args else os.path.join(here, "..", "..", "captures", "mibeacon-vectors.jsonl")
    vectors = [json.loads(l) for l in open(path, encoding="utf-8")]
    results = {}
    n_bad = n_ok = n_unchecked = 0
    by_test = {}
    for v in vectors:
        r, f = decode_vector(v)
        # steps of one test share their device object where the test says so
        group = by_test.setdefault((v["name"], json.dumps(v.get("params"))), {})
        group[v["step"]] = r
        merged = {"sensor": {}, "binary": {}, "event": {}}
        for s in v["expected"].get("accumulated_from_steps", []) + [v["step"]]:
            prev = group.get(s, {}).get("values")
            if prev:
                for t in merged:
                    merged[t].update(prev[t])
                if s != v["step"]:
                    merged["event"] = {}  # events belong to one update only
        ok, bad, unchecked = check(v, r, merged)
        n_ok += ok
        n_unchecked += len(unchecked)
        status = "MISMATCH" if bad else "ok"
        if bad:
            n_bad += 1
        if not quiet:
            print(json.dumps(r, ensure_ascii=False))
        print("CHECK %s %s: %d equal%s%s" % (
            status, v["id"], ok,
            ("; " + "; ".join(bad)) if bad else "",
            ("; not decoded here: " + ", ".join(unchecked)) if unchecked else ""))
    print("SUMMARY %d vectors, %d with mismatches, %d values equal, %d expected values not decoded here"
          % (len(vectors), n_bad, n_ok, n_unchecked))
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
