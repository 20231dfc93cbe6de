//! MiBeacon: any service data parsed, decrypted with a v4/v5 and a legacy
//! key, and its objects read; nothing panics and every range stays inside.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miio_dissector::mibeacon::crypto::decrypt;
use miio_dissector::mibeacon::frame::parse;
use miio_dissector::mibeacon::objects::{name, objects, readings};

const MAC: [u8; 6] = [0xa4, 0xc1, 0x38, 0x02, 0x83, 0xf4];
const KEYS: [&[u8]; 2] = [&[0x5a; 16], &[0xa5; 12]];

fuzz_target!(|data: &[u8]| {
    let Ok(frame) = parse(data) else {
        return;
    };
    assert!(frame.body.end <= data.len());
    let mut payloads = vec![data[frame.body.clone()].to_vec()];
    for key in KEYS {
        if let Ok(p) = decrypt(data, &frame, &frame.mac.unwrap_or(MAC), key) {
            payloads.push(p);
        }
    }
    for p in payloads {
        let (objs, rest) = objects(&p);
        assert!(rest.is_none_or(|r| r < p.len()));
        for o in objs {
            assert!(o.value.end <= p.len());
            let _ = (name(o.id), readings(o.id, &p[o.value.clone()]));
        }
    }
});
