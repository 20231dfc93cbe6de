//! MiBeacon frames no device sends: empty, cut, overlong objects, unknown
//! ids and products, mesh. Hand-made (HCI H4 adverts, link type 201),
//! through the real tshark: shown as what they are, never a crash.

mod common;

use common::*;

/// An HCI LE Advertising Report from `addr` whose advertising data is the
/// service data 0xFE95 `payload`, as link type 201 (H4 with direction).
fn advert(addr: [u8; 6], payload: &[u8]) -> Vec<u8> {
    let mut ad = vec![(payload.len() + 3) as u8, 0x16, 0x95, 0xFE];
    ad.extend_from_slice(payload);
    let mut params = vec![0x02, 1, 0x00, 0x00];
    params.extend(addr.iter().rev());
    params.push(ad.len() as u8);
    params.extend_from_slice(&ad);
    params.push(0xC4); // RSSI -60
    let mut packet = vec![0, 0, 0, 1, 0x04, 0x3E, params.len() as u8];
    packet.extend_from_slice(&params);
    packet
}

fn pcap(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [
        0xA1B2C3D4u32.to_le_bytes().to_vec(),
        vec![2, 0, 4, 0],
        vec![0; 8],
    ] {
        out.extend(v);
    }
    out.extend(65535u32.to_le_bytes());
    out.extend(201u32.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        for n in [1_704_067_200 + i as u32, 0, p.len() as u32, p.len() as u32] {
            out.extend(n.to_le_bytes());
        }
        out.extend_from_slice(p);
    }
    out
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const ADDR: [u8; 6] = [0xA4, 0xC1, 0x38, 0x02, 0x83, 0xF4];

#[test]
fn cut_odd_and_unknown_frames() {
    let frames = [
        "",                                 // 1 nothing after the UUID
        "5830b6",                           // 2 cut inside the header
        "5020aa0101",                       // 3 MAC announced, not there
        "58585b0550f4830238c1a40102",       // 4 encrypted v5, no room for counter and MIC
        "5020aa01019bb8dda8654c0d1004b200", // 5 an object longer than the frame
        "4020ffff0134120 2aabb",            // 6 unknown product and object
        "c020aa0101 0d1004b2007502",        // 7 a mesh frame
        "4020aa0101",                       // 8 objects announced, none there
    ];
    let packets: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| advert(ADDR, &hex(&f.replace(' ', ""))))
        .collect();
    let sandbox = Sandbox::new();
    let path = sandbox.write("odd.pcap", &pcap(&packets));
    let rows = sandbox.fields_with(
        &path,
        &["-E", "occurrence=a", "-E", "aggregator=|"],
        &[
            "_ws.col.Info",
            "_ws.expert.message",
            "mibeacon.object.id",
            "mibeacon.temperature",
        ],
    );
    assert_eq!(rows.len(), frames.len());
    let truncated = "Fewer bytes than the frame control announces";
    // Wireshark 4.0 adds no service data field for zero bytes; 4.2+ hands
    // the table an empty buffer.
    assert!(
        rows[0][0].starts_with("MiBeacon, truncated: 0 bytes") || !rows[0][0].contains("MiBeacon"),
        "{:?}",
        rows[0]
    );
    for (i, n) in [(1, 3), (2, 5), (3, 13)] {
        assert_eq!(
            rows[i][0],
            format!("MiBeacon, truncated: {n} bytes"),
            "frame {}",
            i + 1
        );
        assert!(
            rows[i][1].contains(truncated),
            "frame {}: {:?}",
            i + 1,
            rows[i]
        );
    }
    assert!(
        rows[4][1].contains("Bytes after the last whole object"),
        "{:?}",
        rows[4]
    );
    assert_eq!(rows[4][3], "", "no reading from a cut object");
    assert_eq!(rows[5][0], "MiBeacon v2 product 0xFFFF: object 0x1234");
    assert_eq!(rows[5][2], "0x1234");
    assert_eq!(rows[5][1], "", "unknown ids are not an error");
    assert_eq!(
        rows[6][0],
        "MiBeacon v2 mesh LYWSDCGQ: temperature 17.8 °C, humidity 62.9 %"
    );
    assert_eq!(rows[7][0], "MiBeacon v2 LYWSDCGQ: no objects");
}
