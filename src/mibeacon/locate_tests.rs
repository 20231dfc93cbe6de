//! The locator on the test captures: every packet's MiBeacon frame and
//! advertiser found, in every layout, as the vectors file says.

use super::*;
use serde_json::Value;

const VECTORS: &str = include_str!("../../tests/captures/mibeacon-vectors.jsonl");

/// The packets of a classic little-endian pcap.
fn packets(pcap: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let n = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push(&pcap[at + 16..at + 16 + n]);
        at += 16 + n;
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn check(layout: Layout, pcap: &[u8], manufacturer: bool) {
    let vectors: Vec<Value> = VECTORS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // As wiretap hands them over: the 4-byte pseudo-headers of link types
    // 201 and 254 are kept apart from the bytes.
    let skip = if layout == Layout::LeLinkLayerWithPhdr {
        0
    } else {
        4
    };
    let packets: Vec<&[u8]> = packets(pcap).into_iter().map(|p| &p[skip..]).collect();
    assert_eq!(packets.len(), vectors.len());
    for (p, v) in packets.iter().zip(&vectors) {
        let found = locate(layout, p);
        assert_eq!(found.len(), 1, "{layout:?} {}", v["id"]);
        let f = &found[0];
        assert_eq!(
            hex(&p[f.frame.clone()]),
            v["data_hex"].as_str().unwrap(),
            "{}",
            v["id"]
        );
        assert_eq!(mac(&f.address.unwrap()), v["address"].as_str().unwrap());
        assert_eq!(f.manufacturer, manufacturer);
    }
}

#[test]
fn every_packet_of_every_layout() {
    check(
        Layout::LeLinkLayerWithPhdr,
        include_bytes!("../../tests/captures/mibeacon-le-ll.pcap"),
        false,
    );
    check(
        Layout::HciH4,
        include_bytes!("../../tests/captures/mibeacon-hci.pcap"),
        false,
    );
    check(
        Layout::HciEvent,
        include_bytes!("../../tests/captures/mibeacon-monitor.pcap"),
        false,
    );
    check(
        Layout::LeLinkLayerWithPhdr,
        include_bytes!("../../tests/captures/mibeacon-038f.pcap"),
        true,
    );
}

#[test]
fn two_reports_and_an_extended_one() {
    // H4: event 0x3E, LE Advertising Report with two reports, the second
    // from 11:22:33:44:55:66 with service data 0xFE95 "3020aa0101".
    let ad = [0x08, 0x16, 0x95, 0xFE, 0x30, 0x20, 0xAA, 0x01, 0x01];
    let mut params = vec![0x02, 2];
    params.extend([0, 0, 1, 2, 3, 4, 5, 6, 3, 0x02, 0x01, 0x06, 0xC4]);
    params.extend([0, 0, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, ad.len() as u8]);
    params.extend(ad);
    params.push(0xC4);
    let mut packet = vec![0x04, 0x3E, params.len() as u8];
    packet.extend(&params);
    let found = locate(Layout::HciH4, &packet);
    assert_eq!(found.len(), 1);
    assert_eq!(
        &packet[found[0].frame.clone()],
        &[0x30, 0x20, 0xAA, 0x01, 0x01]
    );
    assert_eq!(found[0].address, Some([0x11, 0x22, 0x33, 0x44, 0x55, 0x66]));

    // An event (Linux monitor): LE Extended Advertising Report, one report.
    let mut params = vec![0x0D, 1];
    let mut head = [0u8; 24];
    head[3..9].copy_from_slice(&[0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
    head[23] = ad.len() as u8;
    params.extend(head);
    params.extend(ad);
    let mut packet = vec![0x3E, params.len() as u8];
    packet.extend(&params);
    let found = locate(Layout::HciEvent, &packet);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].address, Some([0x11, 0x22, 0x33, 0x44, 0x55, 0x66]));
}

#[test]
fn anything_cut_or_foreign_finds_nothing_and_never_panics() {
    let le = include_bytes!("../../tests/captures/mibeacon-le-ll.pcap");
    let first = packets(le)[1].to_vec();
    for n in 0..first.len() {
        for layout in [Layout::LeLinkLayerWithPhdr, Layout::HciH4, Layout::HciEvent] {
            for f in locate(layout, &first[..n]) {
                assert!(f.frame.end <= n);
            }
        }
    }
    assert!(
        locate(Layout::HciH4, &[0x02, 0x3E, 0]).is_empty(),
        "ACL, not an event"
    );
    assert!(
        locate(Layout::HciEvent, &[0x0E, 4, 1, 2, 3, 4]).is_empty(),
        "not an LE meta event"
    );
}
