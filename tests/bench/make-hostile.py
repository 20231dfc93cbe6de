#!/usr/bin/python3
"""Writes the hostile captures of tests/bench/adversarial.sh and their baselines.

    make-hostile.py OUTDIR [FRAMES [HELLOS]]

FRAMES (default 20,000) is the number of data frames of each capture, HELLOS
(default 200) the number of hello/hello-reply pairs of the token floods.
Everything is deterministic (a fixed seed), classic pcap written by dpkt,
Ethernet/IPv4; UDP and TCP checksums are computed by dpkt. Written to OUTDIR:

  normal.pcap                  baseline: FRAMES miIO frames of device 0a1b2c3d
                               that verify and decrypt with NORMAL_TOKEN
                               (real MD5 checksums, real AES-128-CBC),
                               get_prop request and reply in turn, 10 ms apart
  flood-tokens.pcap            FRAMES frames of device 0b0b0b0b, the same sizes
                               and directions, random ciphertext and checksum
                               (no key verifies them), then HELLOS hello /
                               hello-reply pairs, each reply a fresh token
  flood-tokens-interleaved.pcap  the same frames, the hello pairs spread
                               evenly through the flood
  many-devices.pcap            FRAMES unverifiable frames, each of its own
                               device id and address, HELLOS hello pairs
                               interleaved, each reply a token for a device
                               seen earlier
  keys-no-match.pcap           FRAMES unverifiable frames of 4 devices (run
                               with keys-1000.txt: 1,000 tokens for any device)
  unanswered.pcap              FRAMES requests of device 0a1b2c3d that decrypt
                               (NORMAL_TOKEN), each with its own id and params,
                               never answered, 1 ms apart (all inside the
                               30 s retry window)
  same-id.pcap                 normal.pcap's traffic, every request and reply
                               with JSON id 1
  roborock-normal.pcap         baseline for Roborock: one TCP connection to
                               58867, hello, then FRAMES 1.0 frames (RPC
                               request, protocol 4 / reply, protocol 102), real
                               AES-128-ECB with ROBOROCK_KEY, valid CRC32
  roborock-garbage.pcap        one TCP connection to 58867 (handshake, proper
                               seq/ack), FRAMES segments of 40..200 random bytes,
                               both directions in turn
  miio-tcp-garbage.pcap        the same on TCP 8053 (miIO over TCP, the cloud
                               port)
  keys-1000.txt                key file: 1,000 tokens for any device, none of
                               them a token of these captures
  roborock-keys-1000.txt       key file: 1,000 Roborock local keys for any
                               device (`roborock KEY`), none of them
                               ROBOROCK_KEY

Prints one line a capture: its name and frame count.
"""
import hashlib
import json
import os
import random
import struct
import sys
import zlib

import dpkt
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NORMAL_TOKEN = bytes.fromhex("3f4a1c2b9d8e7f60112233445566aa01")
NORMAL_DID = 0x0A1B2C3D
FLOOD_DID = 0x0B0B0B0B
ROBOROCK_KEY = b"k7Pq2Xz9Lm4Rt8Vw"
ROBOROCK_SALT = b"TXdfu$jyZ#TZHsg4"

CLIENT_MAC = b"\x02\x00\x00\x00\x00\x01"
DEVICE_MAC = b"\x02\x00\x00\x00\x00\x02"
CLIENT_IP = bytes([192, 168, 1, 10])
DEVICE_IP = bytes([192, 168, 1, 50])
CLIENT_PORT = 50123
MIIO_PORT = 54321
T0 = 1795600000.0  # capture start (Unix time)
STAMP0 = 5000  # the device's clock at T0 (seconds since boot)


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.w = dpkt.pcap.Writer(self.f, snaplen=65535, linktype=dpkt.pcap.DLT_EN10MB)
        self.count = 0

    def udp(self, ts, src, sport, dst, dport, payload, src_mac=CLIENT_MAC, dst_mac=DEVICE_MAC):
        udp = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
        udp.ulen = 8 + len(payload)
        ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_UDP, ttl=64, data=udp)
        self._write(ts, ip, src_mac, dst_mac)

    def tcp(self, ts, src, sport, dst, dport, seq, ack, flags, payload, src_mac, dst_mac):
        tcp = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
                           win=65535, data=payload)
        ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_TCP, ttl=64, data=tcp)
        self._write(ts, ip, src_mac, dst_mac)

    def _write(self, ts, ip, src_mac, dst_mac):
        ip.len = 20 + len(bytes(ip.data))
        eth = dpkt.ethernet.Ethernet(src=src_mac, dst=dst_mac, type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
        self.w.writepkt(bytes(eth), ts=ts)
        self.count += 1

    def close(self):
        self.f.close()
        return self.count


# --- miIO ---------------------------------------------------------------

def pkcs7(data):
    n = 16 - len(data) % 16
    return data + bytes([n]) * n


def miio_encrypt(token, plaintext):
    key = hashlib.md5(token).digest()
    iv = hashlib.md5(key + token).digest()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(pkcs7(plaintext)) + enc.finalize()


def miio_frame(did, stamp, token, ciphertext):
    head = struct.pack(">HHIII", 0x2131, 32 + len(ciphertext), 0, did, stamp)
    checksum = hashlib.md5(head + token + ciphertext).digest()
    return head + checksum + ciphertext


def miio_garbage(rng, did, stamp, ciphertext_len):
    """A data frame no key verifies: random ciphertext, random checksum."""
    head = struct.pack(">HHIII", 0x2131, 32 + ciphertext_len, 0, did, stamp)
    return head + rng.randbytes(16) + rng.randbytes(ciphertext_len)


def hello_request():
    return bytes.fromhex("21310020") + b"\xff" * 28


def hello_reply(did, stamp, token):
    return struct.pack(">HHIII", 0x2131, 32, 0, did, stamp) + token


def request_text(i, params=None):
    return json.dumps({"id": i, "method": "get_prop", "params": params or ["power"]},
                      separators=(",", ":")).encode() + b"\0"


def reply_text(i):
    return json.dumps({"result": ["on"], "id": i}, separators=(",", ":")).encode() + b"\0"


def padded_len(text):
    return len(text) + 16 - len(text) % 16


def stamp_at(t):
    return STAMP0 + int(t - T0)


def write_normal(path, frames, same_id=False):
    """Request and reply in turn, 10 ms apart; every frame verifies."""
    cap = Pcap(path)
    for n in range(frames):
        t = T0 + n * 0.010
        i = 1 if same_id else n // 2 + 1
        if n % 2 == 0:
            frame = miio_frame(NORMAL_DID, stamp_at(t), NORMAL_TOKEN,
                               miio_encrypt(NORMAL_TOKEN, request_text(i)))
            cap.udp(t, CLIENT_IP, CLIENT_PORT, DEVICE_IP, MIIO_PORT, frame)
        else:
            frame = miio_frame(NORMAL_DID, stamp_at(t), NORMAL_TOKEN,
                               miio_encrypt(NORMAL_TOKEN, reply_text(i)))
            cap.udp(t, DEVICE_IP, MIIO_PORT, CLIENT_IP, CLIENT_PORT, frame, DEVICE_MAC, CLIENT_MAC)
    return cap.close()


def flood_frame(rng, cap, n, t, did, device_ip=DEVICE_IP):
    """Frame n of an unverifiable flood: the size and direction of normal.pcap's frame n."""
    i = n // 2 + 1
    if n % 2 == 0:
        frame = miio_garbage(rng, did, stamp_at(t), padded_len(request_text(i)))
        cap.udp(t, CLIENT_IP, CLIENT_PORT, device_ip, MIIO_PORT, frame)
    else:
        frame = miio_garbage(rng, did, stamp_at(t), padded_len(reply_text(i)))
        cap.udp(t, device_ip, MIIO_PORT, CLIENT_IP, CLIENT_PORT, frame, DEVICE_MAC, CLIENT_MAC)


def hello_pair(rng, cap, t, did, device_ip=DEVICE_IP):
    """A hello from the client and, 1 ms later, a reply carrying a fresh random token."""
    cap.udp(t, CLIENT_IP, CLIENT_PORT, device_ip, MIIO_PORT, hello_request())
    t += 0.001
    cap.udp(t, device_ip, MIIO_PORT, CLIENT_IP, CLIENT_PORT,
            hello_reply(did, stamp_at(t), rng.randbytes(16)), DEVICE_MAC, CLIENT_MAC)


def write_flood_tokens(path, frames, hellos, interleaved):
    rng = random.Random(18)
    cap = Pcap(path)
    every = max(1, frames // max(1, hellos))
    t = T0
    done = 0
    for n in range(frames):
        t = T0 + n * 0.010
        flood_frame(rng, cap, n, t, FLOOD_DID)
        if interleaved and n % every == every - 1 and done < hellos:
            hello_pair(rng, cap, t + 0.003, FLOOD_DID)
            done += 1
    while done < hellos:
        t += 0.010
        hello_pair(rng, cap, t, FLOOD_DID)
        done += 1
    return cap.close()


def device_ip_of(k):
    k += 1
    return bytes([10, (k >> 16) & 0xFF, (k >> 8) & 0xFF, k & 0xFF])


def write_many_devices(path, frames, hellos):
    """Frame n comes from (or goes to) device n: its own id and address. Now and
    then a hello pair for a device seen earlier, whose reply carries a token."""
    rng = random.Random(19)
    cap = Pcap(path)
    every = max(1, frames // max(1, hellos))
    done = 0
    for n in range(frames):
        t = T0 + n * 0.010
        flood_frame(rng, cap, n, t, 0x10000000 + n, device_ip_of(n))
        if n % every == every - 1 and done < hellos:
            k = rng.randrange(n + 1)
            hello_pair(rng, cap, t + 0.003, 0x10000000 + k, device_ip_of(k))
            done += 1
    return cap.close()


def write_keys_no_match(path, frames):
    rng = random.Random(20)
    cap = Pcap(path)
    for n in range(frames):
        t = T0 + n * 0.010
        k = n // 2 % 4  # a request and its "reply" go to the same device
        flood_frame(rng, cap, n, t, 0x0C0C0C00 + k, device_ip_of(k))
    return cap.close()


def write_unanswered(path, frames):
    cap = Pcap(path)
    for n in range(frames):
        t = T0 + n * 0.001
        frame = miio_frame(NORMAL_DID, stamp_at(t), NORMAL_TOKEN,
                           miio_encrypt(NORMAL_TOKEN, request_text(n + 1, ["power", n])))
        cap.udp(t, CLIENT_IP, CLIENT_PORT, DEVICE_IP, MIIO_PORT, frame)
    return cap.close()


def write_key_file(path, rng, line):
    with open(path, "w", encoding="ascii") as f:
        f.write("# 1,000 keys for any device, none of them right (tests/bench/make-hostile.py)\n")
        for k in range(1000):
            f.write(line(rng, k) + "\n")


# --- TCP ----------------------------------------------------------------

class TcpConnection:
    """One TCP connection from the client to DEVICE_IP:port: handshake, then
    segments in either direction, each acknowledging all the other side sent."""

    def __init__(self, cap, port, t):
        self.cap, self.port = cap, port
        self.cseq, self.dseq = 1000, 500000
        S, A = dpkt.tcp.TH_SYN, dpkt.tcp.TH_ACK
        cap.tcp(t, CLIENT_IP, CLIENT_PORT, DEVICE_IP, port, self.cseq, 0, S, b"", CLIENT_MAC, DEVICE_MAC)
        cap.tcp(t + 0.0001, DEVICE_IP, port, CLIENT_IP, CLIENT_PORT, self.dseq, self.cseq + 1, S | A, b"",
                DEVICE_MAC, CLIENT_MAC)
        self.cseq += 1
        self.dseq += 1
        cap.tcp(t + 0.0002, CLIENT_IP, CLIENT_PORT, DEVICE_IP, port, self.cseq, self.dseq, A, b"",
                CLIENT_MAC, DEVICE_MAC)

    def send(self, t, from_client, payload):
        flags = dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH
        if from_client:
            self.cap.tcp(t, CLIENT_IP, CLIENT_PORT, DEVICE_IP, self.port, self.cseq, self.dseq, flags,
                         payload, CLIENT_MAC, DEVICE_MAC)
            self.cseq = (self.cseq + len(payload)) & 0xFFFFFFFF
        else:
            self.cap.tcp(t, DEVICE_IP, self.port, CLIENT_IP, CLIENT_PORT, self.dseq, self.cseq, flags,
                         payload, DEVICE_MAC, CLIENT_MAC)
            self.dseq = (self.dseq + len(payload)) & 0xFFFFFFFF


def write_tcp_garbage(path, frames, port):
    rng = random.Random(21)
    cap = Pcap(path)
    conn = TcpConnection(cap, port, T0)
    for n in range(frames):
        conn.send(T0 + 0.001 + n * 0.010, n % 2 == 0, rng.randbytes(rng.randint(40, 200)))
    return cap.close()


# --- Roborock 1.0 -------------------------------------------------------

def encode_timestamp(ts):
    h = f"{ts:x}".zfill(8)
    return "".join(h[i] for i in (5, 6, 3, 7, 1, 2, 0, 4)).encode()


def roborock_frame(seq, rnd, ts, protocol, plaintext=None, key=ROBOROCK_KEY):
    """A 1.0 frame with its u32 length prefix (local TCP)."""
    head = b"1.0" + struct.pack(">IIIH", seq, rnd, ts, protocol)
    if plaintext is None:
        body = head
    else:
        aes_key = hashlib.md5(encode_timestamp(ts) + key + ROBOROCK_SALT).digest()
        enc = Cipher(algorithms.AES(aes_key), modes.ECB()).encryptor()
        ciphertext = enc.update(pkcs7(plaintext)) + enc.finalize()
        body = head + struct.pack(">H", len(ciphertext)) + ciphertext
    body += struct.pack(">I", zlib.crc32(body))
    return struct.pack(">I", len(body)) + body


def write_roborock_normal(path, frames):
    rng = random.Random(22)
    cap = Pcap(path)
    conn = TcpConnection(cap, 58867, T0)
    t = T0 + 0.001
    conn.send(t, True, roborock_frame(1, rng.getrandbits(32), int(t), 0))
    conn.send(t + 0.001, False, roborock_frame(1, rng.getrandbits(32), int(t), 1, b"ok"))
    for n in range(frames):
        t = T0 + 0.010 + n * 0.010
        i = 10000 + n // 2 % 20000
        ts = int(t)
        if n % 2 == 0:
            rpc = {"id": i, "method": "get_prop", "params": ["power"]}
            payload = {"dps": {"101": json.dumps(rpc, separators=(",", ":"))}, "t": ts}
            protocol = 4
        else:
            rpc = {"id": i, "result": ["on"]}
            payload = {"t": ts, "dps": {"102": json.dumps(rpc, separators=(",", ":"))}}
            protocol = 102
        text = json.dumps(payload, separators=(",", ":")).encode()
        conn.send(t, n % 2 == 0, roborock_frame(n + 2, rng.getrandbits(32), ts, protocol, text))
    return cap.close()


def main(outdir, frames=20000, hellos=200):
    frames, hellos = int(frames), int(hellos)
    os.makedirs(outdir, exist_ok=True)
    p = lambda name: os.path.join(outdir, name)
    made = [
        ("normal", write_normal(p("normal.pcap"), frames)),
        ("flood-tokens", write_flood_tokens(p("flood-tokens.pcap"), frames, hellos, False)),
        ("flood-tokens-interleaved",
         write_flood_tokens(p("flood-tokens-interleaved.pcap"), frames, hellos, True)),
        ("many-devices", write_many_devices(p("many-devices.pcap"), frames, hellos)),
        ("keys-no-match", write_keys_no_match(p("keys-no-match.pcap"), frames)),
        ("unanswered", write_unanswered(p("unanswered.pcap"), frames)),
        ("same-id", write_normal(p("same-id.pcap"), frames, same_id=True)),
        ("roborock-normal", write_roborock_normal(p("roborock-normal.pcap"), frames)),
        ("roborock-garbage", write_tcp_garbage(p("roborock-garbage.pcap"), frames, 58867)),
        ("miio-tcp-garbage", write_tcp_garbage(p("miio-tcp-garbage.pcap"), frames, 8053)),
    ]
    rng = random.Random(23)
    write_key_file(p("keys-1000.txt"), rng, lambda r, k: f"{r.randbytes(16).hex()}  # decoy {k}")
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    write_key_file(p("roborock-keys-1000.txt"), rng,
                   lambda r, k: f"roborock {''.join(r.choice(letters) for _ in range(16))}  # decoy {k}")
    for name, count in made:
        print(f"{name} {count}")


if __name__ == "__main__":
    if not 2 <= len(sys.argv) <= 4 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    main(*sys.argv[1:])
