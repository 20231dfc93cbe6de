"""Fixed values of the halan captures (tests/captures/halan-control.pcapng,
tests/captures/mdns-miio.pcapng): addresses, device ids, tokens, models,
MACs, and the property values the stand-in devices hold.

Shared by device.py and mdns.py (the devices) and by client.py (which is
given only what Home Assistant has from the cloud: did, token, model).
decode.py does not import this: it is given the tokens on its command line
and learns everything else from the capture.

Only 127.0.0.50-59 are used, inside a network namespace of its own
(make-captures.sh), so nothing reaches a real network.
"""

# ------------------------------------------------------------ halan-control
HA_ADDR = "127.0.0.50"   # Home Assistant (the integration's MIoTLan); also the mDNS browser
# The integration's "virtual did": MIoTLan(virtual_did=...) packs it into the
# probe (bytes 20..27, u64 BE) and sends it as miIO.sub's "did". The
# integration itself draws it with secrets.randbits(64); this is the value of
# the example probe.
VIRTUAL_DID = 0x1122334455667788

# Three zhimi.airp.rmb1 purifiers on the LAN, each answering the probe with
# the 32-byte MSUB frame:
#  - "purifier": 32-bit did, device clock = seconds since boot (5000 at
#    start), JSON with a trailing NUL (as many firmwares), wildcard 0xFE;
#  - "purifier64": a did above 2**32, so header bytes 4..7 are not zero;
#    device clock = Unix time, JSON without a NUL, wildcard 0xFE;
#  - "purifier-nowild": byte 28 = 0x00 (no wildcard subscription), so the
#    integration does not subscribe; it also misses broadcasts after the
#    first (Wi-Fi power save), so the integration's keep-alive falls back to
#    unicast probes.
LAN_DEVICES = {
    "purifier": {
        "ip": "127.0.0.51", "did": 0x0a0b0c0d, "token": "d7a1afcd714aea144b4996415a1c4a14",
        "model": "zhimi.airp.rmb1", "clock": "uptime", "nul": True,
        "msub_type": 1, "wildcard": True, "broadcasts": "all",
    },
    "purifier64": {
        "ip": "127.0.0.52", "did": 0x000000012a3b4c5d, "token": "efae78cec5b43e2b64649f8d6ce256b7",
        "model": "zhimi.airp.rmb1", "clock": "unix", "nul": False,
        "msub_type": 1, "wildcard": True, "broadcasts": "all",
    },
    "purifier-nowild": {
        "ip": "127.0.0.53", "did": 0x0a0b0c0e, "token": "c67257499646d4991e77f8a9de0f7378",
        "model": "zhimi.airp.rmb1", "clock": "uptime", "nul": True,
        "msub_type": 1, "wildcard": False, "broadcasts": "first",
    },
}

# ------------------------------------------------------------ mdns-miio
# Three devices announcing _miio._udp.local (instance and host name
# "<model with '-' for '.'>_miio<did decimal>"); only the purifier answers
# miIO (python-miio 0.5.12's get_properties, no miIO.info).
MDNS_DEVICES = {
    "purifier": {
        "ip": "127.0.0.55", "did": 0x11223344, "token": "754e2b43a8854ebaf219b9dd1375eebf",
        "model": "zhimi.airp.rmb1", "mac": "5c:e5:0c:11:22:33",
        # TXT as working firmware sends it: two strings.
        "txt": {"epoch": "1", "mac": "5ce50c112233"},
        "clock": "uptime", "nul": True, "msub_type": 1, "wildcard": True, "broadcasts": "all",
    },
    "gateway": {
        "ip": "127.0.0.56", "did": 0x1a2b3c4d, "model": "lumi.gateway.mgl03", "mac": "28:6c:07:a1:b2:c3",
        # The broken TXT some Lumi firmwares send: the string "epoch=0:mac=<mac>"
        # plus a NUL with no length byte in front, so a reader takes 'e'
        # (0x65 = 101) as the length and reads key "poch", value
        # "0:mac=286c07a1b2c3\0" (what python-zeroconf, and Home Assistant's
        # old netdisco comment, show).
        "txt_raw": b"epoch=0:mac=286c07a1b2c3\x00",
    },
    "light": {
        "ip": "127.0.0.57", "did": 0x0c1d2e3f, "model": "yeelink.light.color1", "mac": "7c:49:eb:1d:2e:3f",
        "txt": {"epoch": "1", "mac": "7c49eb1d2e3f"},
    },
}


def mdns_name(model, did):
    """'zhimi.airp.rmb1', 287454020 -> 'zhimi-airp-rmb1_miio287454020'."""
    return "%s_miio%d" % (model.replace(".", "-"), did)


# ------------------------------------------------------------ property values
# zhimi.airp.rmb1 (tests/captures/miot-specs/zhimi.airp.rmb1.json): what a
# purifier answers to get_properties, keyed (siid, piid).
PURIFIER_VALUES = {
    (1, 1): "Zhimi", (1, 2): "zhimi.airp.rmb1", (1, 3): "30517/00012345", (1, 4): "2.1.8_0016",
    (2, 1): True, (2, 2): 0, (2, 4): 0,
    (3, 1): 44, (3, 4): 12, (3, 7): 22.6,
    (4, 1): 87, (4, 3): 41, (4, 4): 273,
    (6, 1): True, (8, 1): False, (13, 2): 1, (14, 1): 1,
    (9, 1): 780, (9, 10): 2, (9, 11): 5, (11, 4): 0,
}
PURIFIER_ACTIONS = {(2, 1), (4, 1), (9, 1)}   # toggle, reset-filter-life, toggle-mode
