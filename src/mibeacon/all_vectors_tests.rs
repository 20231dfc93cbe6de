//! Every advert of `tests/captures/mibeacon-vectors.jsonl` (xiaomi-ble's
//! published test adverts, transcribed with what its tests assert; see
//! tests/captures/README.md) through the core: a wrong bindkey is refused
//! by the MIC, and each reading decoded equals what the source asserts.

use serde_json::Value;

use super::crypto::{decrypt, CryptoError};
use super::frame::parse;
use super::objects::{objects, readings};
use super::products::product;
use super::quantities::{Reading, Value as Measured};

const VECTORS: &str = include_str!("../../tests/captures/mibeacon-vectors.jsonl");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// xiaomi-ble's sensor key and value for one of our readings.
fn as_expected(r: &Reading) -> (&'static str, f64) {
    let value = match r.value {
        Measured::Float(v) => v,
        Measured::Uint(v) => f64::from(v),
        Measured::Bool(b) => f64::from(u8::from(b)),
        Measured::Text(_) | Measured::String(_) => f64::NAN,
    };
    (r.quantity.key, value)
}

#[test]
fn every_published_advert() {
    let (mut decoded, mut refused, mut compared) = (0, 0, 0);
    for line in VECTORS.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap();
        let data = hex(v["data_hex"].as_str().unwrap());
        let Ok(frame) = parse(&data) else {
            continue;
        };
        let address = hex(&v["address"].as_str().unwrap().replace(':', ""));
        let mac: [u8; 6] = frame.mac.unwrap_or_else(|| address.try_into().unwrap());
        let expected = &v["expected"];
        let outcome = expected["outcome"].as_str().unwrap_or("");
        let payload = match (frame.encrypted(), v["bindkey"].as_str()) {
            (false, _) => data[frame.body.clone()].to_vec(),
            (true, Some(key)) => match decrypt(&data, &frame, &mac, &hex(key)) {
                Ok(p) => p,
                Err(CryptoError::BadMic) => {
                    assert_eq!(
                        outcome, "decryption_failed",
                        "{id}: the MIC refused a key the source accepts"
                    );
                    refused += 1;
                    continue;
                }
                Err(e) => panic!("{id}: {e:?}"),
            },
            (true, None) => continue,
        };
        if outcome == "decryption_failed" {
            // v2/v3 has no MIC: a wrong key shows as objects that do not fit.
            assert!(
                frame.legacy(),
                "{id}: decrypted with the key the source calls wrong"
            );
            assert!(
                objects(&payload).1.is_some(),
                "{id}: a wrong legacy key gave whole objects"
            );
            refused += 1;
            continue;
        }
        if outcome != "decoded" {
            continue;
        }
        decoded += 1;
        let model = expected["device"]["model"].as_str();
        if let (Some(m), Some((ours, _))) = (model, product(frame.product_id)) {
            assert_eq!(ours, m, "{id}: product 0x{:04x}", frame.product_id);
        }
        let (objs, _) = objects(&payload);
        for o in objs {
            for r in readings(frame.product_id, o.id, &payload[o.value.clone()]) {
                let (key, got) = as_expected(&r);
                let Some(want) = expected["sensors"][key]["value"].as_f64() else {
                    continue;
                };
                // xiaomi-ble truncates some models' humidity and rounds
                // floats to two places; the wire value is what we show.
                let fits = (got - want).abs() < 0.006 || got.trunc() == want;
                assert!(fits, "{id}: {key} {got} where the source asserts {want}");
                compared += 1;
            }
        }
    }
    // 119 decoded, 6 wrong keys (3 by the MIC, 3 legacy by the objects' shape),
    // 30 readings compared (the others are values we do not decode yet).
    assert!(
        decoded >= 119 && refused == 6 && compared >= 30,
        "{decoded} decoded, {refused} refused, {compared} compared"
    );
}
