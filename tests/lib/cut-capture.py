#!/usr/bin/python3
"""Cuts a capture mid-connection, as if the capture had been started there.

    cut-capture.py IN OUT PACKET OFFSET

OUT holds the packets of IN from number PACKET on (1-based, numbered as
tshark numbers them: every packet block of the file, in file order); the
packets before it are dropped. PACKET itself loses the first OFFSET bytes of
its TCP payload: its TCP sequence number is advanced by OFFSET, the IPv4 total
length (or IPv6 payload length) shrinks by OFFSET, and the IPv4 header and TCP
checksums are computed again (by dpkt). With OFFSET 0 the packet is kept as it
is, TCP or not. Every other packet is copied byte for byte.

OUT has IN's file format: pcapng (the section header, interface and other
non-packet blocks copied as they are, packet timestamps and options kept) or
classic pcap (microsecond or nanosecond, either byte order). Link types:
Ethernet (with 802.1Q/802.1ad tags), Linux cooked v1 and v2 (SLL, SLL2),
BSD loopback (NULL, LOOP), raw IP (RAW, IPV4, IPV6); IPv4 or IPv6, then TCP.

The tests that use it: tests/midstream.rs (tests/captures/README.md,
"Captures cut mid-connection"). Debian's python3 (python3-dpkt).
"""

import struct
import sys

import dpkt

# Link types (https://www.tcpdump.org/linktypes.html).
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_RAW_OPENBSD = 12  # DLT_RAW on some systems
LINKTYPE_RAW_BSDOS = 14
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
VLAN_TAGS = (0x8100, 0x88A8, 0x9100)
AF_INET = 2
AF_INET6 = (10, 24, 28, 30)  # Linux, NetBSD/OpenBSD, FreeBSD, macOS


class CutError(Exception):
    pass


def ip_offset(linktype, buf):
    """Offset of the IP header in a link-layer frame, and the IP version."""
    if linktype == LINKTYPE_ETHERNET:
        at, ethertype = 14, struct.unpack_from(">H", buf, 12)[0]
        while ethertype in VLAN_TAGS:
            ethertype = struct.unpack_from(">H", buf, at + 2)[0]
            at += 4
        version = {ETHERTYPE_IPV4: 4, ETHERTYPE_IPV6: 6}.get(ethertype)
    elif linktype == LINKTYPE_LINUX_SLL:
        at, ethertype = 16, struct.unpack_from(">H", buf, 14)[0]
        version = {ETHERTYPE_IPV4: 4, ETHERTYPE_IPV6: 6}.get(ethertype)
    elif linktype == LINKTYPE_LINUX_SLL2:
        at, ethertype = 20, struct.unpack_from(">H", buf, 0)[0]
        version = {ETHERTYPE_IPV4: 4, ETHERTYPE_IPV6: 6}.get(ethertype)
    elif linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        # NULL: the family in the writer's byte order; LOOP: network order.
        family = struct.unpack_from("<I", buf, 0)[0]
        if family > 0xFFFF:
            family = struct.unpack_from(">I", buf, 0)[0]
        at = 4
        version = 4 if family == AF_INET else 6 if family in AF_INET6 else None
    elif linktype in (LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_RAW_BSDOS,
                      LINKTYPE_IPV4, LINKTYPE_IPV6):
        at = 0
        version = buf[0] >> 4 if buf else None
    else:
        raise CutError(f"link type {linktype} not supported")
    if version not in (4, 6):
        raise CutError("the packet is not IPv4 or IPv6")
    return at, version


def cut_payload(linktype, buf, offset):
    """The frame with the first OFFSET bytes of its TCP payload removed."""
    at, version = ip_offset(linktype, buf)
    if version == 4:
        ip = dpkt.ip.IP(buf[at:])
        ip_len = ip.len or len(buf) - at
        if ip.offset or ip.mf:
            raise CutError("the packet is an IP fragment")
    else:
        ip = dpkt.ip6.IP6(buf[at:])
        ip_len = 40 + ip.plen if ip.plen else len(buf) - at
    tcp = ip.data
    if not isinstance(tcp, dpkt.tcp.TCP):
        raise CutError("the packet is not TCP")
    payload = bytes(tcp.data)
    if offset > len(payload):
        raise CutError(f"OFFSET {offset} is beyond the TCP payload ({len(payload)} bytes)")
    tcp.data = payload[offset:]
    tcp.seq = (tcp.seq + offset) & 0xFFFFFFFF
    tcp.sum = 0  # dpkt computes it again (with the pseudo-header)
    if version == 4:
        ip.sum = 0  # dpkt then sets ip.len and both checksums
        ip.data = tcp
    else:
        ip.data = tcp
        ip.plen = len(ip) - 40
    # What followed the IP packet in the frame (Ethernet padding) stays.
    return buf[:at] + bytes(ip) + buf[at + ip_len:]


def pad4(n):
    return (n + 3) & ~3


def cut_pcapng(data, out, first, offset):
    """Copies non-packet blocks; packets from number FIRST on."""
    at, number, endian, linktypes = 0, 0, "<", []
    while at + 12 <= len(data):
        if data[at:at + 4] == b"\x0a\x0d\x0d\x0a":  # section header
            magic = data[at + 8:at + 12]
            endian = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
            linktypes = []
        kind, length = struct.unpack_from(endian + "II", data, at)
        if length < 12 or at + length > len(data):
            raise CutError(f"damaged pcapng block at byte {at}")
        block = data[at:at + length]
        at += length
        if kind == 1:  # interface description
            linktypes.append(struct.unpack_from(endian + "H", block, 8)[0])
        if kind not in (2, 3, 6):  # not a packet block: kept as it is
            out.write(block)
            continue
        number += 1
        if number < first:
            continue
        if number > first or offset == 0:
            out.write(block)
            continue
        if kind == 6:  # enhanced packet block
            interface, ts_high, ts_low, caplen, origlen = struct.unpack_from(
                endian + "IIIII", block, 8)
            frame = block[28:28 + caplen]
            options = block[28 + pad4(caplen):length - 4]
            head = struct.pack(endian + "III", interface, ts_high, ts_low)
        elif kind == 3:  # simple packet block: interface 0, no timestamp
            origlen = struct.unpack_from(endian + "I", block, 8)[0]
            interface, caplen = 0, min(origlen, length - 16)
            frame, options, head = block[12:12 + caplen], b"", b""
        else:
            raise CutError("obsolete pcapng packet block (type 2) not supported")
        new = cut_payload(linktypes[interface], frame, offset)
        removed = len(frame) - len(new)
        if kind == 6:
            body = head + struct.pack(endian + "II", len(new), origlen - removed)
        else:
            body = struct.pack(endian + "I", origlen - removed)
        body += new + b"\0" * (pad4(len(new)) - len(new)) + options
        total = 12 + len(body)
        out.write(struct.pack(endian + "II", kind, total) + body + struct.pack(endian + "I", total))
    return number


def cut_pcap(data, out, first, offset):
    """Classic pcap: the file header, then packets from number FIRST on."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise CutError("neither pcapng nor pcap")
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    out.write(data[:24])
    at, number = 24, 0
    while at + 16 <= len(data):
        sec, frac, caplen, origlen = struct.unpack_from(endian + "IIII", data, at)
        frame = data[at + 16:at + 16 + caplen]
        at += 16 + caplen
        number += 1
        if number < first:
            continue
        if number == first and offset:
            new = cut_payload(linktype, frame, offset)
            removed = len(frame) - len(new)
            out.write(struct.pack(endian + "IIII", sec, frac, len(new), origlen - removed) + new)
        else:
            out.write(data[at - 16 - caplen:at])
    return number


def main(argv):
    if len(argv) != 5:
        sys.exit("usage: cut-capture.py IN OUT PACKET OFFSET")
    src, dst = argv[1], argv[2]
    first, offset = int(argv[3]), int(argv[4])
    if first < 1 or offset < 0:
        sys.exit("cut-capture.py: PACKET counts from 1, OFFSET from 0")
    with open(src, "rb") as f:
        data = f.read()
    try:
        with open(dst, "wb") as out:
            if data[:4] == b"\x0a\x0d\x0d\x0a":
                count = cut_pcapng(data, out, first, offset)
            else:
                count = cut_pcap(data, out, first, offset)
        if first > count:
            raise CutError(f"{src} has {count} packets, not {first}")
    except (CutError, dpkt.UnpackError, struct.error, IndexError) as e:
        sys.exit(f"cut-capture.py: packet {first}: {e}")


if __name__ == "__main__":
    main(sys.argv)
