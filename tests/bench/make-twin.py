#!/usr/bin/python3
"""Writes the cleartext twin of a miIO capture.

    make-twin.py CAPTURE.pcap DECRYPTED.json TWIN.pcap

CAPTURE.pcap is a classic pcap of Ethernet/IPv4/UDP frames. DECRYPTED.json is
what tshark printed for it with the plugin and its key:
`tshark -r CAPTURE.pcap -o KEY -T json -x -j miio`, whose `miio.decrypted_raw`
holds each frame's plaintext as hex. The twin has the same frames (addresses,
ports, timestamps) with every UDP payload on port 54321 replaced by its
plaintext, the decrypted JSON; a frame with no plaintext (a hello, a ping)
keeps an empty payload. Lengths and checksums are recomputed by dpkt, a real
pcap writer. Read it with `-d udp.port==54321,json` to see what Wireshark
spends when the same JSON travels in clear.
"""
import sys

import dpkt

MIIO_PORT = 54321


def plaintexts(path):
    """One entry a frame: its plaintext bytes, or b"" when it has none.

    Reads tshark's pretty-printed JSON a line at a time (it is large): each
    frame opens with `"_index"`, and a `"miio.decrypted_raw": [` line is
    followed by the hex of the plaintext."""
    out = []
    with open(path, encoding="utf-8") as f:
        lines = iter(f)
        for line in lines:
            if '"_index"' in line:
                out.append(b"")
            elif '"miio.decrypted_raw": [' in line and not out[-1]:
                out[-1] = bytes.fromhex(next(lines).strip().rstrip(",").strip('"'))
    return out


def main(capture, decrypted, twin):
    texts = plaintexts(decrypted)
    replaced = 0
    with open(capture, "rb") as src, open(twin, "wb") as dst:
        reader = dpkt.pcap.Reader(src)
        writer = dpkt.pcap.Writer(dst, snaplen=65535, linktype=reader.datalink())
        for index, (ts, buf) in enumerate(reader):
            eth = dpkt.ethernet.Ethernet(buf)
            ip = eth.data
            udp = ip.data if isinstance(ip, dpkt.ip.IP) else None
            if isinstance(udp, dpkt.udp.UDP) and MIIO_PORT in (udp.sport, udp.dport):
                udp.data = texts[index]
                udp.ulen = 8 + len(udp.data)
                udp.sum = ip.sum = 0  # dpkt computes both checksums (and ip.len) again
                replaced += 1
            writer.writepkt(bytes(eth), ts=ts)
    if len(texts) != index + 1:
        sys.exit(f"make-twin: {len(texts)} frames decrypted, {index + 1} in the capture")
    print(f"make-twin: {index + 1} frames, {replaced} payloads replaced, "
          f"{sum(1 for t in texts if t)} with plaintext")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
