#!/usr/bin/env python3
"""Checks a roborock-*.pcapng against its truth file, without the dissector.

Reads the pcapng itself (Ethernet/IPv4/TCP/UDP), reassembles each TCP
direction, cuts local TCP streams at their u32 length prefixes and MQTT
streams into PUBLISH packets, and for every frame of the truth file checks:
the bytes are on the wire where the truth says (stream offset / MQTT topic /
UDP datagram); header fields (version, seq, random, timestamp, protocol); the
CRC32 (or, for payload-less frames, what the 4-byte trailer is); and the
payload, decrypted here with the 'cryptography' package only (1.0 AES-128-ECB,
A01/B01 AES-128-CBC, L01 AES-256-GCM with the hello nonces read from the
wire, discovery 1.0 ECB with the fixed key and L01 GCM), equals the truth's
payload_hex and plaintext. Map responses (301) are decrypted with the
security.nonce of the request with the same id (read from the decrypted
request) and inflated, and compared with the truth's map.

  check-capture.py CAPTURE.pcapng [TRUTH.jsonl] [--annotate]

--annotate writes the frame numbers carrying each frame into the truth file
("frames": [...], 1-based as in Wireshark). Exit status 0 when all is well.
"""

import gzip
import hashlib
import json
import struct
import sys
import zlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SALT = b"TXdfu$jyZ#TZHsg4"
BROADCAST_KEY = b"qWKYcdQWrbm9hPqe"


# ---------------------------------------------------------------- pcapng
def read_pcapng(path):
    data = open(path, "rb").read()
    pos, links, out, n = 0, [], [], 0
    while pos + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        body = data[pos + 8 : pos + blen - 4]
        if btype == 1:
            links.append(struct.unpack_from("<H", body, 0)[0])
        elif btype == 6:
            iface, _, _, caplen, _ = struct.unpack_from("<IIIII", body, 0)
            n += 1
            out.append((n, links[iface], body[20 : 20 + caplen]))
        elif btype == 3:
            n += 1
            out.append((n, links[0], body[4:]))
        pos += blen
    return out


def ip_packets(path):
    for n, link, pkt in read_pcapng(path):
        if link == 1:
            if struct.unpack_from(">H", pkt, 12)[0] != 0x0800:
                continue
            ip = pkt[14:]
        elif link in (101, 228):
            ip = pkt
        elif link == 0:
            ip = pkt[4:]
        else:
            raise SystemExit(f"link type {link} not handled")
        ihl = (ip[0] & 15) * 4
        total = struct.unpack_from(">H", ip, 2)[0]
        proto, src, dst = ip[9], ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        seg = ip[ihl:total]
        if proto == 6:
            sport, dport, seq = struct.unpack_from(">HHI", seg, 0)
            off = (seg[12] >> 4) * 4
            flags = seg[13]
            yield n, "tcp", (src, sport), (dst, dport), seq, flags, seg[off:]
        elif proto == 17:
            sport, dport = struct.unpack_from(">HH", seg, 0)
            yield n, "udp", (src, sport), (dst, dport), 0, 0, seg[8:]


class Stream:
    def __init__(self):
        self.isn = None
        self.data = bytearray()
        self.pieces = []  # (frame, start, end)

    def add(self, n, seq, flags, payload):
        if flags & 0x02:
            self.isn = seq
            return
        if not payload or self.isn is None:
            return
        start = (seq - self.isn - 1) & 0xFFFFFFFF
        end = start + len(payload)
        if end > len(self.data):
            self.data.extend(b"\0" * (end - len(self.data)))
        self.data[start:end] = payload
        self.pieces.append((n, start, end))

    def frames(self, start, end):
        return sorted({n for n, s, e in self.pieces if s < end and e > start})


def load(path):
    tcp, udp = {}, []
    for n, kind, src, dst, seq, flags, payload in ip_packets(path):
        if kind == "tcp":
            tcp.setdefault((src, dst), Stream()).add(n, seq, flags, payload)
        else:
            udp.append((n, src, dst, payload))
    return tcp, udp


# ---------------------------------------------------------------- crypto
def encode_timestamp(ts):
    h = f"{ts:x}".zfill(8)
    return "".join(h[i] for i in [5, 6, 3, 7, 1, 2, 0, 4]).encode()


def aes(key, mode, data, decrypt=True):
    c = Cipher(algorithms.AES(key), mode)
    op = c.decryptor() if decrypt else c.encryptor()
    return op.update(data) + op.finalize()


def unpad(data):
    u = padding.PKCS7(128).unpadder()
    return u.update(data) + u.finalize()


def decrypt(frame, local_key, nonces=(None, None)):
    """Return the payload as python-roborock's parser returns it (see common.payload_view)."""
    version = frame[:3]
    seq, rnd, ts, proto = struct.unpack(">IIIH", frame[3:17])
    (plen,) = struct.unpack(">H", frame[17:19])
    ct = frame[19 : 19 + plen]
    key = local_key.encode()
    if not ct and version in (b"1.0", b"A01"):
        return b""  # payload length 0: python-roborock encrypts b"" to nothing (no padding block)
    if version == b"1.0":
        k = hashlib.md5(encode_timestamp(ts) + key + SALT).digest()
        return unpad(aes(k, modes.ECB(), ct))
    if version == b"A01":
        iv = hashlib.md5((f"{rnd:08x}" + "726f626f726f636b2d67a6d6da").encode()).hexdigest()[8:24].encode()
        return aes(key, modes.CBC(iv), ct)
    if version == b"B01":
        iv = hashlib.md5((f"{rnd:08x}" + "5wwh9ikChRjASpMU8cxg7o1d2E").encode()).hexdigest()[9:25].encode()
        return unpad(aes(key, modes.CBC(iv), ct))
    if version == b"L01":
        connect_nonce, ack_nonce = nonces
        k = hashlib.sha256(encode_timestamp(ts) + key + SALT).digest()
        nonce = hashlib.sha256(struct.pack(">III", seq, rnd, ts)).digest()[:12]
        aad = struct.pack(">II", seq, connect_nonce)
        if proto != 1:  # the hello response's AAD has no ack nonce
            aad += struct.pack(">I", ack_nonce)
        aad += struct.pack(">II", rnd, ts)
        return AESGCM(k).decrypt(nonce, ct, aad)
    raise ValueError(version)


def text_of(version, payload):
    data = payload
    while version in ("A01", "B01") and data and len(data) % 16 == 0:
        try:
            data = unpad(data)
        except ValueError:
            break
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


# ---------------------------------------------------------------- MQTT
def varint(buf, pos):
    mult, value = 1, 0
    while True:
        b = buf[pos]
        pos += 1
        value += (b & 127) * mult
        mult *= 128
        if not b & 128:
            return value, pos


def mqtt_publishes(tcp):
    """(topic, payload, frames) of every PUBLISH in either direction of every broker connection."""
    out = []
    for (src, dst), st in tcp.items():
        if 1883 not in (src[1], dst[1]):
            continue
        to_broker = dst[1] == 1883
        up = st if to_broker else tcp.get((dst, src))
        level = up.data[8] if up and len(up.data) > 9 else 4  # CONNECT: ... "MQTT" level
        buf, pos = bytes(st.data), 0
        while pos < len(buf):
            start = pos
            b = buf[pos]
            length, pos = varint(buf, pos + 1)
            body, end = buf[pos : pos + length], pos + length
            if b >> 4 == 3:
                qos = (b >> 1) & 3
                (tl,) = struct.unpack_from(">H", body, 0)
                topic, p = body[2 : 2 + tl].decode(), 2 + tl
                if qos:
                    p += 2
                if level == 5:
                    plen, p = varint(body, p)
                    p += plen
                out.append((topic, body[p:], st.frames(start, end), f"{src[0]}:{src[1]}->{dst[0]}:{dst[1]}"))
            pos = end
    return out


# ---------------------------------------------------------------- checks
def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    annotate = "--annotate" in sys.argv
    cap = args[0]
    truth_path = args[1] if len(args) > 1 else cap.replace(".pcapng", ".truth.jsonl")
    rows = [json.loads(line) for line in open(truth_path)]
    tcp, udp = load(cap)
    errors, checked = [], 0
    keys = {r["duid"]: r["local_key"] for r in rows if r.get("kind") == "device"}
    dev_addr = {r["address"]: r["local_key"] for r in rows if r.get("kind") == "device" and "address" in r}
    publishes = mqtt_publishes(tcp) if any(r.get("topic") for r in rows) else []
    nonces = {}  # per local connection: [connect_nonce, ack_nonce]
    requests = {}  # request id -> security nonce
    map_rows = {}
    for r in rows:
        if r.get("kind") == "map":
            map_rows[r["request_id"]] = bytes.fromhex(r["map_hex"])

    def err(r, msg):
        errors.append(f"{r.get('direction', r.get('kind'))} seq={r.get('seq')} proto={r.get('protocol')}: {msg}")

    for r in rows:
        if r.get("kind") == "broadcast":
            checked += 1
            frame = bytes.fromhex(r["frame_hex"])
            hits = [n for n, src, dst, p in udp if p == frame and dst[1] == 58866]
            if not hits:
                err(r, "broadcast not in capture")
            if annotate:
                r["frames"] = hits
            body, crc = frame[:-4], struct.unpack(">I", frame[-4:])[0]
            if zlib.crc32(body) != crc:
                err(r, "broadcast CRC32 wrong")
            if frame[:3] == b"1.0":
                (plen,) = struct.unpack_from(">H", frame, 9)
                plain = unpad(aes(BROADCAST_KEY, modes.ECB(), frame[11 : 11 + plen]))
            else:
                (plen,) = struct.unpack_from(">H", frame, 9)
                nonce = hashlib.sha256(frame[:9]).digest()[:12]
                plain = AESGCM(hashlib.sha256(BROADCAST_KEY).digest()).decrypt(nonce, frame[11 : 11 + plen], None)
            if plain.decode() != r["plaintext"]:
                err(r, f"broadcast plaintext {plain!r} != truth")
            continue
        if r.get("kind") != "frame":
            continue
        checked += 1
        frame = bytes.fromhex(r["frame_hex"])
        if "topic" in r:
            hits = [(f, where) for t, p, f, where in publishes if p == frame and t == r["topic"]]
            if not hits:
                err(r, "frame not found in any MQTT PUBLISH on its topic")
            if annotate:
                r["frames"] = sorted({n for f, _ in hits for n in f})
                r["mqtt_publishes"] = [{"frames": f, "tcp": w} for f, w in hits]
            key = keys[next(d for d in keys if r["topic"].endswith("/" + d))]
            conn = None
        else:
            client = tuple(r["client"].rsplit(":", 1))
            client = (client[0], int(client[1]))
            # the row's device (captures with several local devices), else the only one
            device = r.get("device") or next(a for a in dev_addr)
            dhost, dport = device.rsplit(":", 1)
            dev = (dhost, int(dport))
            flow = (client, dev) if r["direction"] == "to_device" else (dev, client)
            st = tcp.get(flow)
            off = r["stream_offset"]
            wire = bytes(st.data[off : off + r["length"]]) if st else b""
            if wire != struct.pack(">I", len(frame)) + frame:
                err(r, "bytes at stream offset differ from the truth's frame")
            if annotate and st:
                r["frames"] = st.frames(off, off + r["length"])
            key = dev_addr[device]
            conn = client
        # header fields
        version = frame[:3].decode()
        seq, rnd, ts, proto = struct.unpack(">IIIH", frame[3:17])
        for name, val in (("version", version), ("seq", seq), ("random", rnd), ("timestamp", ts), ("protocol", proto)):
            if r[name] != val:
                err(r, f"{name} {val} != truth {r[name]}")
        if len(frame) in (17, 21) and proto in (0, 1, 2, 3) and r.get("payload", "") is None:
            trailer_crc = len(frame) == 21 and struct.unpack(">I", frame[17:])[0] == zlib.crc32(frame[:17])
            if len(frame) == 21 and trailer_crc != r.get("trailer_is_crc32"):
                err(r, "trailer CRC status differs")
            if proto == 0 and conn is not None:
                nonces[conn] = [rnd, None]
            continue
        (plen,) = struct.unpack(">H", frame[17:19])
        if len(frame) != 19 + plen + 4:
            err(r, "length field does not match the frame")
        if zlib.crc32(frame[: 19 + plen]) != struct.unpack(">I", frame[19 + plen :])[0]:
            err(r, "CRC32 wrong")
        try:
            payload = decrypt(frame, key, tuple(nonces.get(conn, (None, None))))
        except Exception as e:  # noqa: BLE001
            err(r, f"decryption failed: {e!r}")
            continue
        if proto == 1 and conn is not None:
            nonces.setdefault(conn, [None, None])[1] = rnd
        if payload.hex() != r.get("payload_hex"):
            err(r, "decrypted payload differs from truth payload_hex")
        if "plaintext" in r and text_of(version, payload) != r["plaintext"]:
            err(r, "decrypted text differs from truth plaintext")
        txt = text_of(version, payload)
        if txt and txt.startswith("{") and version in ("1.0", "L01"):
            inner = json.loads(txt).get("dps", {}).get("101")
            if inner:
                inner = json.loads(inner)
                if "security" in inner:
                    requests[inner["id"]] = bytes.fromhex(inner["security"]["nonce"])
        if proto == 301:
            _, _, rid, _ = struct.unpack("<8s8sH6s", payload[:24])
            nonce = requests.get(rid)
            if nonce is None:
                err(r, f"map response for unknown request {rid}")
                continue
            inflated = gzip.decompress(unpad(aes(nonce, modes.CBC(b"\0" * 16), payload[24:])))
            if inflated != map_rows.get(rid):
                err(r, "inflated map differs from truth map")
    if annotate:
        with open(truth_path, "w") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for e in errors:
        print("ERROR", e)
    print(f"{cap}: {checked} frames checked, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
