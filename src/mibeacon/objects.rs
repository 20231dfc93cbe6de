//! MiBeacon objects (`id u16 LE | len u8 | value`) and the readings the
//! common ones carry. Ids, names and layouts: Xiaomi's object definitions
//! (iot.mi.com "object-definition"), as xiaomi-ble's parser decodes them.
//! Unknown ids are shown by number, never an error.

use std::ops::Range;

use super::quantities::{Reading, Value};

/// One object: its id and where its value is in the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub id: u16,
    pub value: Range<usize>,
}

/// The objects of a (decrypted) payload, and the offset of trailing bytes
/// that form no whole object (a wrong legacy key shows as such).
pub fn objects(payload: &[u8]) -> (Vec<Object>, Option<usize>) {
    let (mut out, mut at) = (Vec::new(), 0);
    while payload.len() >= at + 3 {
        let id = u16::from_le_bytes([payload[at], payload[at + 1]]);
        let end = at + 3 + usize::from(payload[at + 2]);
        if end > payload.len() {
            return (out, Some(at));
        }
        out.push(Object {
            id,
            value: at + 3..end,
        });
        at = end;
    }
    (out, (at < payload.len()).then_some(at))
}

/// The name of an object id, when known.
pub fn name(id: u16) -> Option<&'static str> {
    Some(match id {
        0x0003 => "motion",
        0x0006 => "fingerprint",
        0x0007 => "door",
        0x0008 => "armed away",
        0x000A => "body temperature",
        0x000B => "lock",
        0x000F => "moving with light",
        0x0010 => "toothbrush",
        0x1001 => "button",
        0x1004 => "temperature",
        0x1005 => "power and temperature",
        0x1006 => "humidity",
        0x1007 => "illuminance",
        0x1008 => "moisture",
        0x1009 => "conductivity",
        0x100A => "battery",
        0x100D => "temperature and humidity",
        0x100E => "lock",
        0x1010 => "formaldehyde",
        0x1012 => "switch",
        0x1013 => "consumable",
        0x1014 => "water leak",
        0x1015 => "smoke",
        0x1017 => "time without motion",
        0x1018 => "light intensity",
        0x1019 => "opening",
        0x2000 => "body temperature",
        0x4803 => "battery",
        0x4C01 => "temperature",
        0x4C08 => "humidity",
        0x4E1C => "device reset",
        _ => return None,
    })
}

/// The readings of an object whose layout is known and whose length fits.
/// Some objects mean different things on different products.
pub fn readings(_product_id: u16, id: u16, v: &[u8]) -> Vec<Reading> {
    let i16le = |b: &[u8]| f64::from(i16::from_le_bytes([b[0], b[1]]));
    let u16le = |b: &[u8]| u16::from_le_bytes([b[0], b[1]]);
    let f32le = |b: &[u8]| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let float = |key, x| Reading::new(key, Value::Float(x));
    let uint = |key, x| Reading::new(key, Value::Uint(x));
    match (id, v.len()) {
        (0x1004, 2) => vec![float("temperature", i16le(v) / 10.0)],
        (0x1006, 2) => vec![float("humidity", f64::from(u16le(v)) / 10.0)],
        (0x1007, 3) => vec![uint(
            "illuminance",
            u32::from_le_bytes([v[0], v[1], v[2], 0]),
        )],
        (0x1008, 1) => vec![uint("moisture", u32::from(v[0]))],
        (0x1009, 2) => vec![uint("conductivity", u32::from(u16le(v)))],
        (0x100A | 0x4803, 1) => vec![uint("battery", u32::from(v[0]))],
        (0x100D, 4) => vec![
            float("temperature", i16le(v) / 10.0),
            float("humidity", f64::from(u16le(&v[2..])) / 10.0),
        ],
        (0x000A, 2) => vec![float("temperature", i16le(v) / 100.0)],
        (0x4C01, 4) => vec![float("temperature", f32le(v))],
        (0x4C08, 4) => vec![float("humidity", f32le(v))],
        _ => Vec::new(),
    }
}
