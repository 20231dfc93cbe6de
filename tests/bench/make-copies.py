#!/usr/bin/python3
"""Writes COUNT copies of a capture of TCP connections, one after another,
each copy's client ports moved so that every copy's connections are new ones
to Wireshark (concatenating the same connections again makes their TCP
segments retransmissions of the first copy's, which nothing decrypts).

    make-copies.py CAPTURE.pcap COUNT OUT.pcap

CAPTURE.pcap is a classic pcap of Ethernet/IPv4 frames; a port is the
client's when it is not 443, 8883 or below 1024. Timestamps move on by the
capture's length each copy; dpkt (a real pcap writer) recomputes lengths and
checksums.
"""
import sys

import dpkt

SERVER_PORTS = {443, 8883}


def moved(port, copy):
    if port in SERVER_PORTS or port < 1024:
        return port
    return 1024 + (port - 1024 + copy * 101) % (65536 - 1024)


def main():
    src, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(src, "rb") as f:
        frames = list(dpkt.pcap.Reader(f))
    span = frames[-1][0] - frames[0][0] + 1.0
    with open(out, "wb") as f:
        w = dpkt.pcap.Writer(f)
        for copy in range(count):
            for ts, raw in frames:
                eth = dpkt.ethernet.Ethernet(raw)
                ip = eth.data
                if isinstance(ip, dpkt.ip.IP) and isinstance(ip.data, dpkt.tcp.TCP):
                    tcp = ip.data
                    tcp.sport, tcp.dport = moved(tcp.sport, copy), moved(tcp.dport, copy)
                    tcp.sum = 0
                    ip.sum = 0
                w.writepkt(bytes(eth), ts + copy * span)


if __name__ == "__main__":
    main()
