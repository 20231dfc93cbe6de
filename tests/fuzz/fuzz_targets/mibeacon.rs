//! MiBeacon: any service data dissected whole (parsed, decrypted with the
//! advertiser's keys and keys for any device, both lengths, its objects and
//! readings read); nothing panics and every range stays inside its buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miio_dissector::keys::bindkey::{Bindkey, BindkeyEntry};
use miio_dissector::mibeacon::dissect::{dissect, Context, Mic};
use miio_dissector::mibeacon::keyring::Keyring;

const MAC: [u8; 6] = [0xa4, 0xc1, 0x38, 0x02, 0x83, 0xf4];

fn keyring() -> Keyring {
    let entry = |mac, key, row| BindkeyEntry { mac, key, row };
    let mut ring = Keyring::default();
    ring.set_table_keys(vec![
        entry(Some(MAC), Bindkey::Ccm([0x5a; 16]), 1),
        entry(Some(MAC), Bindkey::Legacy([0xa5; 12]), 2),
        entry(None, Bindkey::Ccm([0x11; 16]), 3),
        entry(None, Bindkey::Legacy([0x22; 12]), 4),
    ]);
    ring
}

fuzz_target!(|data: &[u8]| {
    let mut ring = keyring();
    for address in [None, Some(MAC)] {
        let d = dissect(data, &Context { address }, &mut ring);
        let Ok(frame) = &d.frame else {
            continue;
        };
        assert!(frame.body.end <= data.len());
        let payload_len = match d.mic {
            Mic::Clear => data.len(),
            _ => d.plaintext.len(),
        };
        for o in &d.objects {
            assert!(o.value.start >= 3 && o.value.end <= payload_len);
        }
        if let Some(rest) = &d.rest {
            assert!(rest.end <= payload_len);
        }
        assert!(d.readings.iter().all(|(i, _)| *i < d.objects.len()));
        assert!(!d.summary.is_empty());
    }
});
