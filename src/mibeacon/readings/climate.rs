//! Temperature, humidity, light, soil, air and battery objects.

use super::{exact, f32le, flag, float, u16le, uint};
use crate::mibeacon::quantities::Reading;

pub fn decode(model: &str, id: u16, v: &[u8]) -> Option<Vec<Reading>> {
    Some(match id {
        0x1004 => exact(v, |b| {
            vec![float("temperature", tenths(i16::from_le_bytes(b)))]
        }),
        0x1006 => exact(v, |b| vec![float("humidity", tenths(u16le(b)))]),
        0x100D => exact(v, |[a, b, c, d]| {
            vec![
                float("temperature", tenths(i16::from_le_bytes([a, b]))),
                float("humidity", tenths(u16le([c, d]))),
            ]
        }),
        0x000A => exact(v, |b| body_thermometer(i16::from_le_bytes(b))),
        0x2000 => exact(v, |[a, b, c, d, battery]| {
            vec![
                float("temperature", body_temperature([a, b], [c, d])),
                uint("battery", battery),
            ]
        }),
        // float32 temperatures and humidities (newer firmware)
        0x4801 | 0x4C01 => exact(v, |b| from_f32("temperature", b)),
        0x4808 | 0x4C08 => exact(v, |b| from_f32("humidity", b)),
        0x4802 | 0x4C02 => exact(v, |[h]| vec![float("humidity", h.into())]),
        0x1007 => exact(v, |[a, b, c]| {
            illuminance(model, u32::from_le_bytes([a, b, c, 0]))
        }),
        0x4805 => exact(v, |b| from_f32("illuminance", b)),
        0x1008 => exact(v, |[m]| vec![uint("moisture", m)]),
        0x1009 => exact(v, |b| vec![uint("conductivity", u16le(b))]),
        0x1010 => exact(v, |b| {
            vec![float("formaldehyde", f64::from(u16le(b)) / 100.0)]
        }),
        0x1013 => exact(v, |[c]| vec![uint("consumable", c)]),
        0x100A | 0x4803 | 0x4C03 | 0x5003 | 0x5403 => exact(v, |[b]| vec![uint("battery", b)]),
        // Newer sensors and displays (ble_monitor): whole percent, whole degrees.
        0x6012 => exact(v, |[h]| vec![float("humidity", h.into())]),
        0x605D => exact(v, |[t]| vec![float("temperature", f64::from(i8::from_le_bytes([t])))]),
        _ => return None,
    })
}

fn tenths(x: impl Into<f64>) -> f64 {
    x.into() / 10.0
}

fn from_f32(key: &str, b: [u8; 4]) -> Vec<Reading> {
    f32le(b).map(|x| float(key, x)).into_iter().collect()
}

/// Hundredths of a degree; 0 is the thermometer saying it has no reading
/// (xiaomi-ble skips it too).
fn body_thermometer(t: i16) -> Vec<Reading> {
    match t {
        0 => Vec::new(),
        t => vec![float("temperature", f64::from(t) / 100.0)],
    }
}

/// MMC-T201-1 sends two sensor temperatures (hundredths of a degree); the
/// body temperature is xiaomi-ble's fit of what the Mi Home app shows.
// 0.69314 is the fit's coefficient as published, not ln 2.
#[allow(clippy::approx_constant)]
fn body_temperature(t1: [u8; 2], t2: [u8; 2]) -> f64 {
    let t1 = f64::from(i16::from_le_bytes(t1)) / 100.0;
    let t2 = f64::from(i16::from_le_bytes(t2)) / 100.0;
    3.71934e-11 * (0.69314 * t1).exp() - 1.02801e-8 * (0.53871 * t2).exp() + 36.413
}

/// Lux, except on two products where 100 means light and 0 or 1 dark.
fn illuminance(model: &str, lux: u32) -> Vec<Reading> {
    match model {
        "MJYD02YL" | "MCCGQ02HL" => vec![flag("light", lux == 100)],
        _ => vec![float("illuminance", f64::from(lux))],
    }
}

#[cfg(test)]
mod tests {

    /// ble_monitor's test adverts (tests/peers/mibeacon/objects-union.md):
    /// battery 76 %, humidity 39 %, temperature 25 °C.
    #[test]
    fn newer_objects_of_ble_monitor() {
        let one = |id, v: &[u8]| decode("", id, v).unwrap();
        assert_eq!(one(0x5403, &[0x4c])[0].quantity.key, "battery");
        let h = one(0x6012, &[0x27]);
        assert_eq!((h[0].quantity.key, format!("{:?}", h[0].value)), ("humidity", format!("{:?}", float("humidity", 39.0).value)));
        let t = one(0x605D, &[0x19]);
        assert_eq!(format!("{:?}", t[0].value), format!("{:?}", float("temperature", 25.0).value));
        assert!(decode("", 0x605D, &[0x19, 0]).unwrap_or_default().is_empty(), "one byte only");
    }

    use super::*;
    use crate::mibeacon::quantities::Value;

    fn values(model: &str, id: u16, v: &[u8]) -> Vec<(&'static str, Value)> {
        super::super::keyed(decode(model, id, v))
    }

    #[test]
    fn layouts() {
        let t = values("", 0x1004, &[0x9c, 0xff]);
        assert_eq!(t, [("temperature", Value::Float(-10.0))]);
        assert_eq!(
            values("", 0x4C02, &[0x3a]),
            [("humidity", Value::Float(58.0))]
        );
        let f = values("", 0x1010, &[0x7d, 0]);
        assert_eq!(f, [("formaldehyde", Value::Float(1.25))]);
        assert_eq!(values("", 0x5003, &[9]), [("battery", Value::Uint(9))]);
        let h = values("", 0x4808, &[0, 0, 0x34, 0x42]);
        assert_eq!(h, [("humidity", Value::Float(45.0))]);
        assert_eq!(values("", 0x000A, &[0, 0]), []);
    }

    #[test]
    fn illuminance_or_light_by_product() {
        let lux = [100, 0, 0];
        let got = values("HHCCJCY01", 0x1007, &lux);
        assert_eq!(got, [("illuminance", Value::Float(100.0))]);
        assert_eq!(
            values("MJYD02YL", 0x1007, &lux),
            [("light", Value::Bool(true))]
        );
        let dark = values("MCCGQ02HL", 0x1007, &[1, 0, 0]);
        assert_eq!(dark, [("light", Value::Bool(false))]);
    }

    #[test]
    fn body_temperature_fit() {
        // xiaomi-ble's test_Xiaomi_MMC_T201_1: 36.87199806168224 °C, 81 %.
        let got = values("MMC-T201-1", 0x2000, &[0xc6, 0x0d, 0x63, 0x0d, 0x51]);
        let Value::Float(t) = got[0].1 else {
            panic!("{got:?}")
        };
        assert!((t - 36.87199806168224).abs() < 1e-9, "{t}");
        assert_eq!(got[1], ("battery", Value::Uint(81)));
    }

    #[test]
    fn lengths_that_do_not_fit_say_nothing() {
        let fits = [
            (0x1004, 2),
            (0x100D, 4),
            (0x2000, 5),
            (0x4801, 4),
            (0x4802, 1),
            (0x1007, 3),
            (0x100A, 1),
            (0x1013, 1),
        ];
        for (id, len) in fits {
            for n in 0..=6 {
                let got = decode("", id, &vec![0x41; n]).unwrap();
                assert_eq!(!got.is_empty(), n == len, "0x{id:04x} with {n} bytes");
            }
        }
        assert_eq!(values("", 0x4C01, &f32::NAN.to_le_bytes()), []);
    }
}
