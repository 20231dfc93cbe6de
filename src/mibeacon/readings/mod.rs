//! Decoders of the objects whose layout is known, by theme. Each `decode`
//! answers `None` for an id it does not know, and no reading for a value
//! whose length or content does not fit the layout: a reading must never
//! say something the frame does not. Layouts and meanings: Xiaomi's object
//! definitions as xiaomi-ble's `parser.py` decodes them; keys and words are
//! xiaomi-ble's. Some objects mean different things on different products:
//! those decoders get the model (xiaomi-ble's device type).

use super::quantities::{Reading, Value};

pub mod body;
pub mod buttons;
pub mod climate;
pub mod presence;
pub mod security;

/// The readings of object `id` with value `v` from a product of `model`
/// ("" when the product is unknown), `None` if no decoder knows `id`.
pub fn decode(model: &str, id: u16, v: &[u8]) -> Option<Vec<Reading>> {
    climate::decode(model, id, v)
        .or_else(|| presence::decode(model, id, v))
        .or_else(|| security::decode(model, id, v))
        .or_else(|| buttons::decode(model, id, v))
        .or_else(|| body::decode(model, id, v))
}

/// `f` of the value if it is exactly `N` bytes long, else no reading.
fn exact<const N: usize>(v: &[u8], f: impl FnOnce([u8; N]) -> Vec<Reading>) -> Vec<Reading> {
    v.try_into().map(f).unwrap_or_default()
}

fn float(key: &str, x: f64) -> Reading {
    Reading::new(key, Value::Float(x))
}

fn uint(key: &str, x: impl Into<u32>) -> Reading {
    Reading::new(key, Value::Uint(x.into()))
}

fn flag(key: &str, on: bool) -> Reading {
    Reading::new(key, Value::Bool(on))
}

fn text(key: &str, word: &'static str) -> Reading {
    Reading::new(key, Value::Text(word))
}

fn u16le(b: [u8; 2]) -> u16 {
    u16::from_le_bytes(b)
}

fn u32le(b: [u8; 4]) -> u32 {
    u32::from_le_bytes(b)
}

/// A float32 as the decimal it stands for (23.8, not 23.799999237…);
/// `None` for NaN and infinities, which measure nothing.
fn f32le(b: [u8; 4]) -> Option<f64> {
    let x = f32::from_le_bytes(b);
    x.is_finite()
        .then(|| x.to_string().parse().unwrap_or(f64::from(x)))
}

/// A 0/1 state byte where 0 means on (sleep and wearing states), `None`
/// for any other value.
fn zero_is_on(b: u8) -> Option<bool> {
    match b {
        0 => Some(true),
        1 => Some(false),
        _ => None,
    }
}

/// A decoder's readings as (key, value), for the tests of each theme.
#[cfg(test)]
fn keyed(
    readings: Option<Vec<Reading>>,
) -> Vec<(&'static str, crate::mibeacon::quantities::Value)> {
    readings
        .unwrap()
        .into_iter()
        .map(|r| (r.quantity.key, r.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mibeacon::products::product;

    /// The models the decoders name, and "" for an unknown product.
    const MODELS: [&str; 25] = [
        "",
        "CGPR1",
        "DSL-C08",
        "ES5BB",
        "JTYJGD03MI",
        "K9B-1BTN",
        "K9B-2BTN",
        "K9B-3BTN",
        "K9BB-1BTN",
        "KS1",
        "KS1BP",
        "KS2BB",
        "MCCGQ02HL",
        "MJYD02YL",
        "RTCGQ02LM",
        "SJWS01LM",
        "SJWS02LM",
        "XMMF01JQD",
        "XMOSB01XS",
        "XMWS01XS",
        "XMWXKG01LM",
        "XMWXKG01YL",
        "YLAI003",
        "YLKG07YL/YLKG08YL",
        "YLYK01YL",
    ];

    #[test]
    fn models_are_products() {
        let known: Vec<&str> = (0..=u16::MAX)
            .filter_map(|id| product(id).map(|p| p.0))
            .collect();
        for m in &MODELS[1..] {
            assert!(known.contains(m), "{m}");
        }
    }

    /// Every branch's keys exist with the value's kind (`Reading::new`
    /// panics otherwise), whatever the bytes: each id with every length up
    /// to 9, every first byte, and a few second ones repeated.
    #[test]
    fn any_value_any_model() {
        let ids: Vec<u16> = (0..=u16::MAX)
            .filter(|&id| (0..=9).any(|n| decode("", id, &vec![0; n]).is_some()))
            .collect();
        assert!(ids.len() > 60, "{}", ids.len());
        for id in ids {
            for model in MODELS {
                for n in 0..=9 {
                    for first in 0..=255 {
                        for rest in [0, 1, 0x80, 0xFF] {
                            let mut v = vec![rest; n];
                            if let Some(b) = v.first_mut() {
                                *b = first;
                            }
                            decode(model, id, &v);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn float32_as_its_decimal() {
        assert_eq!(f32le(23.8f32.to_le_bytes()), Some(23.8));
        assert_eq!(f32le([0x00, 0x00, 0x64, 0x43]), Some(228.0));
        assert_eq!(f32le(f32::NAN.to_le_bytes()), None);
        assert_eq!(f32le(f32::NEG_INFINITY.to_le_bytes()), None);
    }

    #[test]
    fn unknown_ids_are_nobodys() {
        for id in [0x0000, 0x1005, 0x4C14, 0x4E1C, 0xFFFF] {
            assert_eq!(decode("", id, &[1]), None, "0x{id:04x}");
        }
    }
}
