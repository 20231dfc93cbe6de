#!/usr/bin/env python3
"""Writes a "gzip bomb" Mi cloud reply body for the decompression cap's unit
tests (issue 27): what api.mijia.tech would send for a request with
`miot-accept-encoding: GZIP` (reply header `MIOT-CONTENT-ENCODING: GZIP`),
i.e. base64(RC4-drop1024(SHA-256(ssecurity ‖ nonce), gzip stream)), where the
gzip stream inflates to far more than any sane reply.

Deflate cannot expand more than about 1032:1 (a 258-byte match per 2 bits),
so no gzip stream of ~1 KB inflates past 64 MiB: the smallest that does is
about 65 KB. Two samples, the same key:

  mijia-gzip-bomb.body        gzip of 64 MiB + 1 KiB of zero bytes (~65 KB of
                              gzip, ~87 KB of base64): inflates past 64 MiB
  mijia-gzip-bomb-small.body  gzip of 1 MiB of zero bytes (~1 KB of gzip):
                              the ~1000:1 ratio in a 1.4 KB body, for a test
                              with a smaller cap
  mijia-gzip-bomb.json        the key, nonce, request path, sizes and SHA-256
                              of each (compressed and inflated)

Both are single-member gzip (mtime 0, level 9), valid to the end (CRC and
length trailer right), so only a cap stops them. Deterministic: the same
bytes on every run.

  gzip-bomb.py [--out tests/captures]
"""
import argparse
import base64
import gzip
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SSECURITY = "D6JZ0ca5Ym2AzUncjr1NQA=="  # the QR login's (server.py SSECURITY_LOGIN)
NONCE = "ZG9ib21iZ3oBwW3A"      # 12 bytes: 8 "random", then the minutes since the epoch (2026-01-01)
PATH = "/app/home/home_device_list"


def rc4_drop1024(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out = bytearray(len(data))
    i = j = 0
    for n in range(1024 + len(data)):
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        if n >= 1024:
            out[n - 1024] = data[n - 1024] ^ s[(s[i] + s[j]) & 0xFF]
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "captures"))
    args = ap.parse_args()
    key = hashlib.sha256(base64.b64decode(SSECURITY) + base64.b64decode(NONCE)).digest()
    meta = {"what": "RC4 (drop 1024) + base64 reply bodies whose plaintext is a gzip stream of zero bytes; "
                    "reply header MIOT-CONTENT-ENCODING: GZIP; made by tests/peers/mijia/gzip-bomb.py",
            "ssecurity": SSECURITY, "nonce": NONCE, "signed_nonce": base64.b64encode(key).decode(),
            "path": PATH, "files": {}}
    for name, size in (("mijia-gzip-bomb.body", (64 << 20) + 1024), ("mijia-gzip-bomb-small.body", 1 << 20)):
        inflated = bytes(size)
        gz = gzip.compress(inflated, compresslevel=9, mtime=0)
        assert gzip.decompress(gz) == inflated
        body = base64.b64encode(rc4_drop1024(key, gz))
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(body)
        meta["files"][name] = {"body_len": len(body), "gzip_len": len(gz), "inflated_len": size,
                               "inflated": "zero bytes", "gzip_sha256": hashlib.sha256(gz).hexdigest(),
                               "inflated_sha256": hashlib.sha256(inflated).hexdigest(),
                               "gzip_head_hex": gz[:10].hex()}
        print("%s: %d bytes of body, %d of gzip, inflates to %d" % (name, len(body), len(gz), size))
    with open(os.path.join(args.out, "mijia-gzip-bomb.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
