//! MiBeacon objects (`id u16 LE | len u8 | value`) and the readings the
//! known ones carry (decoded in `readings`). Ids, names and layouts:
//! Xiaomi's object definitions (iot.mi.com "object-definition"), as
//! xiaomi-ble's parser decodes them, and the ids custom-components/
//! ble_monitor adds (tests/peers/mibeacon/objects-union.md). Unknown ids
//! are shown by number, never an error.

use std::ops::Range;

use super::products::product;
use super::quantities::Reading;
use super::readings::decode;

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
        0x101B => "no motion timeout",
        0x2000 => "body temperature",
        0x3003 => "brushing",
        0x4801 => "temperature",
        0x4802 => "humidity",
        0x4803 => "battery",
        0x4804 => "opening",
        0x4805 => "illuminance",
        0x4806 => "water leak",
        0x4808 => "humidity",
        0x480C => "door (open or closed)",
        0x4810 => "sleeping",
        0x4811 => "snoring",
        0x4818 => "time without motion",
        0x483C => "pressure present",
        0x483D => "pressure present duration",
        0x483E => "pressure not present duration",
        0x483F => "pressure present time set",
        0x4840 => "pressure not present time set",
        0x484E => "occupancy",
        0x484F => "time without motion (set)",
        0x4850 => "time with motion (set)",
        0x4851 => "occupied duration",
        0x4852 => "clear duration",
        0x487B => "top splash",
        0x4A01 => "low battery",
        0x4A08 => "motion with illuminance",
        0x4A0C => "single press",
        0x4A0D => "double press",
        0x4A0E => "long press",
        0x4A0F => "device forcibly removed",
        0x4A12 => "opening event",
        0x4A13 => "button",
        0x4A1A => "door left open",
        0x4A1C => "device reset",
        0x4A68 => "water event",
        0x4C01 => "temperature",
        0x4C02 => "humidity",
        0x4C03 => "battery",
        0x4C08 => "humidity",
        0x4C14 => "mode",
        0x4E01 => "low battery",
        0x4E0C => "single press",
        0x4E0D => "double press",
        0x4E0E => "long press",
        0x4E16 => "weight",
        0x4E17 => "left bed",
        0x4E1C => "device reset",
        0x5003 => "battery",
        0x5010 => "sleeping",
        0x5011 => "snoring",
        0x5403 => "battery",
        0x5413 => "close-range occupancy",
        0x5414 => "mode",
        0x5422 => "charging state",
        0x5601 => "low battery",
        0x560C => "single press",
        0x560D => "double press",
        0x560E => "long press",
        0x5810 => "sleep state",
        0x5A16 => "bed occupancy",
        0x6012 => "humidity",
        0x605D => "temperature",
        0x6461 => "wearing state",
        0x6E16 => "body composition",
        _ => return None,
    })
}

/// The readings of an object whose layout is known and whose length fits.
/// Some objects mean different things on different products.
pub fn readings(product_id: u16, id: u16, v: &[u8]) -> Vec<Reading> {
    let model = product(product_id).map_or("", |(model, _)| model);
    decode(model, id, v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decoded_id_is_named() {
        for id in 0..=u16::MAX {
            // 9 bytes of 1 fit the most layouts; lengths 0 and 1 the rest.
            let some = [&[1u8; 9][..], &[1; 5], &[1; 4], &[1; 3], &[1; 2], &[1], &[]]
                .iter()
                .any(|v| decode("", id, v).is_some());
            assert!(!some || name(id).is_some(), "0x{id:04x} decoded, not named");
        }
    }

    #[test]
    fn readings_know_the_product() {
        // 0x1007 is a light flag on MJYD02YL (0x07F6), lux elsewhere.
        let light = readings(0x07F6, 0x1007, &[100, 0, 0]);
        assert_eq!(light[0].quantity.key, "light");
        let lux = readings(0x0098, 0x1007, &[100, 0, 0]);
        assert_eq!(lux[0].quantity.key, "illuminance");
        assert!(readings(0x0098, 0x1007, &[100, 0]).is_empty());
    }
}
