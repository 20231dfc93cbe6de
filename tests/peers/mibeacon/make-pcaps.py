#!/usr/bin/env python3
"""Writes the MiBeacon vectors as BLE advertisements in every capture form.

Reads tests/captures/mibeacon-vectors.jsonl (made by vectors.py) and writes,
one ADV_IND advertisement per vector, in vector order (packet N = line N):

  tests/captures/mibeacon-le-ll.pcap    LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR (256)
  tests/captures/mibeacon-hci.pcap      LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR (201)
  tests/captures/mibeacon-monitor.pcap  LINKTYPE_BLUETOOTH_LINUX_MONITOR (254)
  tests/captures/mibeacon-038f.pcap     link type 256, every advert sent as
                                        manufacturer data of company 0x038F
  tests/captures/mibeacon-h4.pcap       LINKTYPE_BLUETOOTH_HCI_H4 (187): H4
                                        packet type, then the HCI event; no
                                        pseudo-header, so no direction
  tests/captures/mibeacon-le-ll-nophdr.pcap
                                        LINKTYPE_BLUETOOTH_LE_LL (251): access
                                        address, PDU, CRC; no pseudo-header
  tests/captures/mibeacon-nordic.pcap   LINKTYPE_NORDIC_BLE (272): nRF Sniffer
                                        for Bluetooth LE, protocol version 3
                                        (see nordic_packet)
  tests/captures/mibeacon-btsnoop.log   btsnoop, datalink 1002 (HCI UART, H4),
                                        as Android's "Bluetooth HCI snoop
                                        log" writes it (btsnoop_hci.log)
  tests/captures/mibeacon-btmon.snoop   btsnoop, datalink 2001 (Linux
                                        monitor), as `btmon -w` writes it

python3 standard library only; classic pcap (btsnoop for the last two),
microsecond timestamps starting at 2024-01-01 00:00:00 UTC, 100 ms apart
(deterministic output).  check-forms.py reads every file back with tshark.

Advertising data of every packet: Flags (02 01 06), then either Service Data
- 16-bit UUID (AD type 0x16, UUID 0xFE95 little-endian, then data_hex) or
Manufacturer Specific Data (AD type 0xFF, company 0x038F little-endian, then
data_hex) as the vector's `kind` says.  Legacy advertising data holds at most
31 bytes: when Flags + the MiBeacon AD structure would exceed that (service
data of more than 24 bytes) the Flags structure is left out.  The advertiser
address is sent as a public address (TxAdd 0 / address type 0): the tests
give only the address, not its type.
"""

import json
import os
import struct
import sys

BASE_TS = 1704067200  # 2024-01-01T00:00:00Z
RSSI = -60            # the RSSI the xiaomi-ble tests use
ADV_ACCESS_ADDRESS = 0x8E89BED6

LINKTYPE_BLUETOOTH_HCI_H4 = 187
LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR = 201
LINKTYPE_BLUETOOTH_LE_LL = 251
LINKTYPE_BLUETOOTH_LINUX_MONITOR = 254
LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR = 256
LINKTYPE_NORDIC_BLE = 272

BTSNOOP_DATALINK_H4 = 1002        # "HCI UART (H4)", Android's snoop log
BTSNOOP_DATALINK_MONITOR = 2001   # "Linux monitor", btmon -w
# btsnoop timestamps count microseconds from 0000-01-01 00:00:00 (proleptic
# Gregorian); this is 1970-01-01 00:00:00 UTC on that scale.
BTSNOOP_EPOCH_DELTA = 0x00DCDDB30F2F8000


def ad_structures(v):
    data = bytes.fromhex(v["data_hex"])
    if v["kind"] == "service_data":
        mib = bytes([1 + 2 + len(data), 0x16]) + struct.pack("<H", 0xFE95) + data
    elif v["kind"] == "manufacturer_data":
        mib = bytes([1 + 2 + len(data), 0xFF]) + struct.pack("<H", 0x038F) + data
    else:
        raise ValueError(v["kind"])
    flags = bytes([2, 0x01, 0x06])  # LE General Discoverable, BR/EDR not supported
    ad = flags + mib
    if len(ad) > 31:
        ad = mib
    if len(ad) > 31:
        raise ValueError("%s: MiBeacon AD structure longer than 31 bytes" % v["id"])
    return ad


def addr_le(address):
    return bytes.fromhex(address.replace(":", ""))[::-1]


def crc24(data, init=0x555555):
    """BLE link-layer CRC: polynomial x^24+x^10+x^9+x^6+x^4+x^3+x+1, bits
    fed LSB first; returns the 24-bit shift register."""
    state = init
    for byte in data:
        for i in range(8):
            bit = (byte >> i) & 1
            top = (state >> 23) & 1
            state = (state << 1) & 0xFFFFFF
            if bit ^ top:
                state ^= 0x00065B
    return state


def crc_bytes(state):
    """The register is transmitted most significant bit first; as bytes in
    on-air order (each byte LSB first) that is the bit-reversed value, little-endian."""
    rev = int("{:024b}".format(state)[::-1], 2)
    return rev.to_bytes(3, "little")


def le_ll_nophdr_packet(v):
    """Access address, PDU, CRC: the on-air packet without the preamble, as
    LINKTYPE_BLUETOOTH_LE_LL (251) holds it and as the other sniffer forms
    carry it after their headers."""
    adv = addr_le(v["address"]) + ad_structures(v)
    # PDU header: type 0 ADV_IND, ChSel 0, TxAdd 0 (public), RxAdd 0; length
    pdu = bytes([0x00, len(adv)]) + adv
    return struct.pack("<I", ADV_ACCESS_ADDRESS) + pdu + crc_bytes(crc24(pdu))


def le_ll_packet(v):
    ll = le_ll_nophdr_packet(v)
    # LE packet header (10 bytes, little-endian fields): RF channel 0
    # (= 2402 MHz = advertising channel 37), signal power, noise power,
    # access address offenses, reference access address, flags
    flags = (0x0001    # dewhitened
             | 0x0002  # signal power valid
             | 0x0400  # CRC checked
             | 0x0800)  # CRC valid
    # PDU type bits 7-9 = 0 (advertising / data, unspecified), PHY bits 14-15 = 0 (LE 1M)
    phdr = struct.pack("<BbbBIH", 0, RSSI, 0, 0, 0, flags)
    return phdr + ll


def hci_le_adv_report(v):
    data = ad_structures(v)
    params = (bytes([0x02, 1, 0x00, 0x00])      # LE Advertising Report, 1 report, ADV_IND, public
              + addr_le(v["address"])
              + bytes([len(data)]) + data
              + struct.pack("b", RSSI))
    return bytes([0x3E, len(params)]) + params  # HCI LE Meta event


def h4_packet(v):
    return struct.pack(">I", 1) + b"\x04" + hci_le_adv_report(v)  # direction 1 = received


def monitor_packet(v):
    return struct.pack(">HH", 0, 3) + hci_le_adv_report(v)  # adapter 0, opcode 3 = event


def h4_nophdr_packet(v):
    return b"\x04" + hci_le_adv_report(v)  # H4 packet type 4 = HCI event


def nordic_packet(v, i):
    """nRF Sniffer for Bluetooth LE, as its extcap writes link type 272 and
    as Wireshark's packet-nordic_ble.c reads header versions above 1:

      board id (1)
      UART header (6): payload length (2, LE) = event header + LL packet,
                       protocol version (1) = 3, packet counter (2, LE),
                       packet id (1) = 0x02 EVENT_PACKET_ADVERTISING
      event header (10): its length (1) = 10, flags (1), channel index (1),
                       RSSI sample (1, the dBm value negated), event
                       counter (2, LE), firmware timestamp (4, LE, us)
      the LL packet: access address, PDU, CRC (as link type 251)

    Flags 0x01: CRC OK, PHY bits 4-6 = 0 (LE 1M), address not resolved; on
    channel 37 bits 1-2 are reserved (they are the AUX type below 37)."""
    ll = le_ll_nophdr_packet(v)
    event = struct.pack("<BBBBHI", 10, 0x01, 37, -RSSI, 0, i * 100000)
    payload = event + ll
    header = struct.pack("<HBHB", len(payload), 3, (i + 1) & 0xFFFF, 0x02)
    return bytes([0]) + header + payload  # board id 0


def write_pcap(path, linktype, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, p in enumerate(packets):
            us = i * 100000
            f.write(struct.pack("<IIII", BASE_TS + us // 1000000, us % 1000000, len(p), len(p)))
            f.write(p)


def write_btsnoop(path, datalink, records):
    """btsnoop version 1: the 16-byte file header ("btsnoop\0", version,
    datalink; big-endian), then per record original length, included length,
    packet flags, cumulative drops (4 bytes each) and a 64-bit timestamp,
    all big-endian, then the packet.  records: (flags, packet)."""
    with open(path, "wb") as f:
        f.write(b"btsnoop\0" + struct.pack(">II", 1, datalink))
        for i, (flags, p) in enumerate(records):
            ts = (BASE_TS * 1000000 + i * 100000) + BTSNOOP_EPOCH_DELTA
            f.write(struct.pack(">IIIIq", len(p), len(p), flags, 0, ts))
            f.write(p)


def android_record(v):
    """Android's snoop log (datalink 1002): the packet is H4 (packet type
    byte, then the HCI packet); flags bit 0 = received (controller to host),
    bit 1 = command or event (not ACL/SCO/ISO data): an event is 3."""
    return 3, h4_nophdr_packet(v)


def btmon_record(v):
    """btmon -w (datalink 2001): the packet is the HCI packet without H4
    type; flags = controller index << 16 | monitor opcode (3 = event)."""
    return (0 << 16) | 3, hci_le_adv_report(v)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    caps = os.path.normpath(os.path.join(here, "..", "..", "captures"))
    vectors = [json.loads(l) for l in open(os.path.join(caps, "mibeacon-vectors.jsonl"), encoding="utf-8")]
    for name, lt, fn in (("mibeacon-le-ll.pcap", LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, le_ll_packet),
                         ("mibeacon-hci.pcap", LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, h4_packet),
                         ("mibeacon-monitor.pcap", LINKTYPE_BLUETOOTH_LINUX_MONITOR, monitor_packet)):
        path = os.path.join(caps, name)
        write_pcap(path, lt, [fn(v) for v in vectors])
        print("wrote %s: %d packets, link type %d" % (path, len(vectors), lt))
    # The 0x038F form: the same frames as manufacturer data (an AD structure
    # of the same size, so every advert still fits).
    as_manufacturer = [dict(v, kind="manufacturer_data") for v in vectors]
    path = os.path.join(caps, "mibeacon-038f.pcap")
    write_pcap(path, LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, [le_ll_packet(v) for v in as_manufacturer])
    print("wrote %s: %d packets, link type %d" % (path, len(vectors), LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR))
    # The forms without pseudo-header and the nRF Sniffer's (issue 28).
    for name, lt, packets in (
            ("mibeacon-h4.pcap", LINKTYPE_BLUETOOTH_HCI_H4, [h4_nophdr_packet(v) for v in vectors]),
            ("mibeacon-le-ll-nophdr.pcap", LINKTYPE_BLUETOOTH_LE_LL, [le_ll_nophdr_packet(v) for v in vectors]),
            ("mibeacon-nordic.pcap", LINKTYPE_NORDIC_BLE, [nordic_packet(v, i) for i, v in enumerate(vectors)])):
        path = os.path.join(caps, name)
        write_pcap(path, lt, packets)
        print("wrote %s: %d packets, link type %d" % (path, len(vectors), lt))
    # The btsnoop files: Android's snoop log and btmon's.
    for name, datalink, fn in (("mibeacon-btsnoop.log", BTSNOOP_DATALINK_H4, android_record),
                               ("mibeacon-btmon.snoop", BTSNOOP_DATALINK_MONITOR, btmon_record)):
        path = os.path.join(caps, name)
        write_btsnoop(path, datalink, [fn(v) for v in vectors])
        print("wrote %s: %d records, btsnoop datalink %d" % (path, len(vectors), datalink))
    return 0


if __name__ == "__main__":
    sys.exit(main())
