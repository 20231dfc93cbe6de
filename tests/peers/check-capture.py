#!/usr/bin/env python3
"""Checks a capture independently of this project's code: every miIO frame on
UDP 54321 is listed, and every data frame must decrypt with one of the given
tokens using python-miio's own `miio.protocol.Message` (checksum and AES).

  check-capture.py CAPTURE TOKEN [TOKEN...]

Prints frame number, src:port -> dst:port, kind, and plaintext (or the hello
fields). Frames are read with tshark (`-T fields -e udp.payload
--disable-protocol miio`), so no dissector of this project is involved.
Exits 1 if a data frame decrypts with none of the tokens. Run it with the
python-miio venv: /opt/miio-peers/venv/bin/python tests/peers/check-capture.py
"""
import json
import subprocess
import sys

from miio.protocol import Message, Utils

FIELDS = ["frame.number", "ip.src", "udp.srcport", "ip.dst", "udp.dstport", "udp.payload"]


def frames(capture):
    cmd = ["tshark", "-r", capture, "--disable-protocol", "miio", "-Y", "udp",
           "-T", "fields", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        num, src, sport, dst, dport, payload = line.split("\t")
        yield int(num), f"{src}:{sport}", f"{dst}:{dport}", int(dport), bytes.fromhex(payload)


def decrypt(data, tokens):
    """(token, plaintext as text, note) for the first token that python-miio's
    Message accepts (checksum, AES, JSON); a payload that is not JSON even
    after python-miio's quirk fixes is accepted if the checksum matches
    (python-miio's Utils.md5). The plaintext is shown as sent, without the
    trailing NUL (python-miio's quirk fixes are not applied)."""
    head, cipher = data[:16], data[32:]
    for token in tokens:
        note = ""
        try:
            Message.parse(data, token=token)
        except Exception as e:
            if Utils.md5(head + token + cipher) != data[16:32]:
                continue
            note = f" ({type(e).__name__} in python-miio)"
        plain = Utils.decrypt(cipher, token).rstrip(b"\x00")
        try:
            text = plain.decode("utf-8")
        except UnicodeDecodeError:
            text = repr(plain)
        return token, text, note
    return None, None, None


def main():
    capture, tokens = sys.argv[1], [bytes.fromhex(t) for t in sys.argv[2:]]
    failed = 0
    for num, src, dst, dport, data in frames(capture):
        to_device = dport == 54321
        if len(data) < 32 or data[:2] != b"\x21\x31":
            print(f"{num:4} {src} -> {dst} not miIO ({len(data)} bytes)")
            continue
        if len(data) == 32:
            m = Message.parse(data)
            h = m.header.value
            kind = "hello" if data[2:] == b"\x00\x20" + b"\xff" * 28 else "hello reply"
            print(f"{num:4} {src} -> {dst} {kind}: did={h.device_id.hex()} "
                  f"stamp={int.from_bytes(data[12:16], 'big')} field={m.checksum.hex()}")
            continue
        token, text, note = decrypt(data, tokens)
        if token is None:
            failed += 1
            print(f"{num:4} {src} -> {dst} data ({len(data)} bytes): NOT DECRYPTED")
            continue
        kind = "request" if to_device else "reply"
        tok = f" [token {token.hex()}]" if len(tokens) > 1 else ""
        print(f"{num:4} {src} -> {dst} {kind} did={data[8:12].hex()}{tok}{note}: {text}")
    if failed:
        print(f"{failed} data frame(s) did not decrypt", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
