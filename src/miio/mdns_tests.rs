use super::*;

/// A DNS response with the given answers (owner, type, rdata), names
/// written whole (no compression) unless an rdata is given raw.
fn message(answers: &[(&str, u16, Vec<u8>)]) -> Vec<u8> {
    let mut m = vec![0, 0, 0x84, 0, 0, 0, 0, answers.len() as u8, 0, 0, 0, 0];
    for (owner, rtype, rdata) in answers {
        m.extend(encode(owner));
        m.extend(rtype.to_be_bytes());
        m.extend([0x80, 1, 0, 0, 0x11, 0x94]);
        m.extend((rdata.len() as u16).to_be_bytes());
        m.extend(rdata);
    }
    m
}

fn encode(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend(label.as_bytes());
    }
    out.push(0);
    out
}

fn txt(strings: &[&str]) -> Vec<u8> {
    strings.iter().flat_map(|s| std::iter::once(s.len() as u8).chain(s.bytes())).collect()
}

#[test]
fn a_miio_announcement_names_model_device_and_mac() {
    let instance = "zhimi-airpurifier-m2_miio72610872._miio._udp.local";
    let m = message(&[
        ("_miio._udp.local", TYPE_PTR, encode(instance)),
        (instance, TYPE_TXT, txt(&["epoch=1", "mac=7811dc001122"])),
    ]);
    let ids = identities(&m);
    assert_eq!(
        ids,
        [Identity {
            instance: "zhimi-airpurifier-m2_miio72610872".into(),
            model: "zhimi.airpurifier.m2".into(),
            device_id: 72610872,
            mac: Some([0x78, 0x11, 0xdc, 0x00, 0x11, 0x22]),
        }]
    );
}

#[test]
fn a_broken_txt_still_gives_the_mac() {
    let instance = "lumi-gateway-v3_miio123456._miio._udp.local";
    // The length byte eats the 'e' of epoch: reads as key "poch".
    let broken = b"\x0eepoch=0:mac=34ce00aabbcc".to_vec();
    let m = message(&[(instance, TYPE_TXT, broken)]);
    let ids = identities(&m);
    assert_eq!(ids[0].model, "lumi.gateway.v3");
    assert_eq!(ids[0].mac, Some([0x34, 0xce, 0x00, 0xaa, 0xbb, 0xcc]));
}

#[test]
fn other_services_and_hostile_messages_give_nothing() {
    let m = message(&[("_googlecast._tcp.local", TYPE_PTR, encode("tv._googlecast._tcp.local"))]);
    assert!(identities(&m).is_empty());
    assert!(identities(&[]).is_empty());
    assert!(identities(&[0; 11]).is_empty());
    // A pointer loop, a name pointing past the end.
    let mut lp = vec![0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xC0, 12];
    lp.extend([0; 10]);
    assert!(identities(&lp).is_empty());
    let mut far = vec![0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xFF, 0xFF];
    far.extend([0; 10]);
    assert!(identities(&far).is_empty());
    // Not a did, not a model.
    for bad in ["x_miio._miio._udp.local", "_miio12._miio._udp.local", "a b_miio1._miio._udp.local"] {
        assert!(identities(&message(&[(bad, TYPE_TXT, txt(&["mac=7811dc001122"]))])).is_empty(), "{bad}");
    }
}
