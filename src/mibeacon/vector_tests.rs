//! Adverts and bindkeys published in xiaomi-ble `tests/test_parser.py`
//! (Apache-2.0), with the values that file asserts.

use super::crypto::{decrypt, CryptoError};
use super::frame::{parse, FrameError};
use super::objects::{name, objects, readings};
use super::products::product;
use super::quantities::{Reading, Value};

pub(super) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(super) fn mac(s: &str) -> [u8; 6] {
    hex(&s.replace(':', "")).try_into().unwrap()
}

/// The readings of an advert from `address`, decrypted with `key` if given.
fn decode(data_hex: &str, address: &str, key: Option<&str>) -> Result<Vec<Reading>, CryptoError> {
    let data = hex(data_hex);
    let frame = parse(&data).unwrap();
    let payload = match key {
        Some(k) => decrypt(&data, &frame, &frame.mac.unwrap_or(mac(address)), &hex(k))?,
        None => data[frame.body.clone()].to_vec(),
    };
    let (objs, rest) = objects(&payload);
    assert_eq!(rest, None, "whole objects");
    Ok(objs
        .iter()
        .flat_map(|o| readings(frame.product_id, o.id, &payload[o.value.clone()]))
        .collect())
}

#[test]
fn lywsd03mmc_v5_encrypted_mac_in_frame() {
    // test_Xiaomi_LYWSD03MMC_encrypted asserts humidity 46: xiaomi-ble
    // truncates this model's humidity ("jagged stair stepping"); the wire
    // carries 467 tenths.
    let data = "58585b0550f4830238c1a495ef58763c26000097e2abb5";
    let frame = parse(&hex(data)).unwrap();
    assert_eq!(
        (frame.version, frame.product_id, frame.counter),
        (5, 0x055B, 0x50)
    );
    assert_eq!(frame.mac, Some(mac("A4:C1:38:02:83:F4")));
    assert_eq!(product(frame.product_id).map(|p| p.0), Some("LYWSD03MMC"));
    let key = "e9ea895fac7cca6d30532432a516f3a8";
    let got = decode(data, "A4:C1:38:02:83:F4", Some(key)).unwrap();
    assert_eq!(got, vec![Reading::new("humidity", Value::Float(46.7))]);
    let Value::Float(h) = got[0].value else {
        unreachable!()
    };
    assert_eq!(h.trunc(), 46.0, "what the source asserts");
    let wrong = "e9ea895fac7cca6d30532432a516f3a9";
    assert_eq!(
        decode(data, "A4:C1:38:02:83:F4", Some(wrong)),
        Err(CryptoError::BadMic)
    );
    let short = "e9ea895fac7cca6d30532432";
    assert_eq!(
        decode(data, "A4:C1:38:02:83:F4", Some(short)),
        Err(CryptoError::WrongKeyKind)
    );
}

#[test]
fn xmwsdj04mmc_v5_encrypted_mac_from_address() {
    // test_Xiaomi_XMWSDJ04MMC: humidity 45.0 %, no MAC in the frame.
    let data = "4859031 2a41b776e7c96add7000000f2bf545b".replace(' ', "");
    let frame = parse(&hex(&data)).unwrap();
    assert_eq!(frame.mac, None);
    assert_eq!(product(frame.product_id).map(|p| p.0), Some("XMWSDJ04MMC"));
    let key = "b2cf9a553d53571b5657defd582d676e";
    assert_eq!(
        decode(&data, "2C:11:65:25:70:04", Some(key)),
        Ok(vec![Reading::new("humidity", Value::Float(45.0))])
    );
}

#[test]
fn hhccjcy01_v2_in_clear() {
    // test_Xiaomi_HHCCJCY01: temperature 19.6 °C.
    let data = "712098 0012f34f6b8d7cc40d041002c400".replace(' ', "");
    let frame = parse(&hex(&data)).unwrap();
    assert_eq!((frame.version, frame.encrypted()), (2, false));
    assert_eq!(frame.mac, Some(mac("C4:7C:8D:6B:4F:F3")));
    assert_eq!(name(0x1004), Some("temperature"));
    assert_eq!(
        decode(&data, "C4:7C:8D:6B:4F:F3", None),
        Ok(vec![Reading::new("temperature", Value::Float(19.6))])
    );
}

#[test]
fn short_and_hostile_frames() {
    assert_eq!(parse(&[]), Err(FrameError::Short));
    assert_eq!(parse(&hex("5858")), Err(FrameError::Short));
    // MAC announced, not there.
    assert_eq!(parse(&hex("50305b0503f483")), Err(FrameError::Short));
    // Encrypted v5 with fewer bytes than counter and MIC.
    assert_eq!(
        parse(&hex("58585b0550f4830238c1a40102")),
        Err(FrameError::Short)
    );
    for n in 0..64 {
        let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
        if let Ok(f) = parse(&data) {
            assert!(f.body.end <= data.len());
            let _ = objects(&data[f.body.clone()]);
        }
    }
    let (objs, rest) = objects(&hex("04100201"));
    assert!(objs.is_empty());
    assert_eq!(rest, Some(0), "an object longer than the payload");
}
