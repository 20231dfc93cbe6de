//! Key choice and what a frame says, on xiaomi-ble's published adverts.

use super::dissect::{dissect, Context, Mic};
use super::keyring::{KeySource, Keyring};
use super::vector_tests::{hex, mac};
use crate::keys::bindkey::{parse_bindkey, BindkeyEntry};

// test_Xiaomi_LYWSD03MMC_encrypted: v5, MAC in the frame, humidity 46.7 %.
const LYWSD03MMC: &str = "58585b0550f4830238c1a495ef58763c26000097e2abb5";
const LYWSD03MMC_MAC: &str = "A4:C1:38:02:83:F4";
const LYWSD03MMC_KEY: &str = "e9ea895fac7cca6d30532432a516f3a8";
// test_Xiaomi_XMWSDJ04MMC: v5, no MAC in the frame.
const XMWSDJ04MMC: &str = "48590312a41b776e7c96add7000000f2bf545b";
const XMWSDJ04MMC_MAC: &str = "2C:11:65:25:70:04";

fn ring(rows: &[(Option<&str>, &str)]) -> Keyring {
    let mut ring = Keyring::default();
    ring.set_table_keys(
        rows.iter()
            .enumerate()
            .map(|(i, (m, k))| BindkeyEntry {
                mac: m.map(mac),
                key: parse_bindkey(k).unwrap(),
                row: i as u32 + 1,
            })
            .collect(),
    );
    ring
}

#[test]
fn the_advertisers_row_decrypts() {
    let mut keys = ring(&[(Some(LYWSD03MMC_MAC), LYWSD03MMC_KEY)]);
    let d = dissect(&hex(LYWSD03MMC), &Context::default(), &mut keys);
    assert_eq!((d.mic, d.key), (Mic::Good, Some(KeySource::TableRow(1))));
    assert_eq!(d.summary, "MiBeacon v5 LYWSD03MMC: humidity 46.7 %");
    assert_eq!(d.objects.len(), 1);
    assert_eq!(d.objects[0].id, 0x1006);
    assert_eq!(&d.plaintext[d.objects[0].value.clone()], &[0xd3, 0x01]);
    assert!(d.key_note.is_empty());
}

#[test]
fn a_wrong_row_is_named_and_nothing_decoded() {
    let wrong = "e9ea895fac7cca6d30532432a516f3a9";
    let mut keys = ring(&[(Some("a4c1380283f4"), wrong)]);
    let d = dissect(&hex(LYWSD03MMC), &Context::default(), &mut keys);
    assert_eq!((d.mic, d.key), (Mic::Bad, Some(KeySource::TableRow(1))));
    assert!(d.objects.is_empty() && d.readings.is_empty());
    assert_eq!(
        d.key_note,
        "the bindkey of miio_keys row 1 for A4:C1:38:02:83:F4 does not decrypt this frame: MIC check failed"
    );
    assert_eq!(
        d.summary,
        "MiBeacon v5 LYWSD03MMC: encrypted, wrong bindkey"
    );
}

#[test]
fn no_key_names_the_mac_to_configure() {
    let mut keys = Keyring::default();
    let ctx = Context {
        address: Some(mac(XMWSDJ04MMC_MAC)),
    };
    let d = dissect(&hex(XMWSDJ04MMC), &ctx, &mut keys);
    assert_eq!(d.mic, Mic::NoKey);
    assert_eq!(
        d.key_note,
        "encrypted (v5); no bindkey for 2C:11:65:25:70:04: add a miio_keys row of type bindkey with device_id 2C:11:65:25:70:04"
    );
    let no_address = dissect(&hex(XMWSDJ04MMC), &Context::default(), &mut keys);
    assert_eq!(no_address.mic, Mic::NoAddress);
}

#[test]
fn keys_for_any_device_are_tried_and_the_one_that_fits_remembered() {
    let other = "00112233445566778899aabbccddeeff";
    let mut keys = ring(&[(None, other), (None, LYWSD03MMC_KEY)]);
    let d = dissect(&hex(LYWSD03MMC), &Context::default(), &mut keys);
    assert_eq!(
        (d.mic, d.key, d.keys_tried),
        (Mic::Good, Some(KeySource::TableRow(2)), 2)
    );
    let again = dissect(&hex(LYWSD03MMC), &Context::default(), &mut keys);
    assert_eq!(again.keys_tried, 1, "the key that verified goes first");
    let mut none_fits = ring(&[(None, other)]);
    let d = dissect(&hex(LYWSD03MMC), &Context::default(), &mut none_fits);
    assert_eq!(d.mic, Mic::NoMatch);
    assert!(
        d.key_note.contains("none of the 1 bindkeys for any device"),
        "{}",
        d.key_note
    );
}

#[test]
fn a_legacy_key_for_a_v5_frame_is_the_wrong_kind() {
    let mut keys = ring(&[(Some(LYWSD03MMC_MAC), &LYWSD03MMC_KEY[..24])]);
    let d = dissect(&hex(LYWSD03MMC), &Context::default(), &mut keys);
    assert_eq!(d.mic, Mic::WrongKind);
    assert!(
        d.key_note
            .contains("is 24 hex digits; MiBeacon v5 frames need 32"),
        "{}",
        d.key_note
    );
}

#[test]
fn clear_frames_short_frames() {
    // test_Xiaomi_HHCCJCY01: v2 in clear, temperature 19.6 °C.
    let data = hex("7120980012f34f6b8d7cc40d041002c400");
    let d = dissect(&data, &Context::default(), &mut Keyring::default());
    assert_eq!(d.mic, Mic::Clear);
    assert_eq!(d.summary, "MiBeacon v2 HHCCJCY01: temperature 19.6 °C");
    assert_eq!(&data[d.objects[0].value.clone()], &[0xc4, 0x00]);
    let short = dissect(&data[..3], &Context::default(), &mut Keyring::default());
    assert!(short.frame.is_err());
    assert_eq!(short.summary, "MiBeacon, truncated: 3 bytes");
    let empty = dissect(&[], &Context::default(), &mut Keyring::default());
    assert!(empty.frame.is_err());
}
