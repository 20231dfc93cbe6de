//! Personal care: toothbrushes, scales and bands.

use super::{exact, flag, float, text, u32le, uint, zero_is_on};
use crate::mibeacon::quantities::Reading;

pub fn decode(_model: &str, id: u16, v: &[u8]) -> Option<Vec<Reading>> {
    Some(match (id, v) {
        // state (0 brushing, 1 done), then the day's counter or the score
        (0x0010, &[0]) => vec![flag("toothbrush", true)],
        (0x0010, &[1]) => vec![flag("toothbrush", false)],
        (0x0010, &[0, n]) => vec![flag("toothbrush", true), uint("brushing_counter", n)],
        (0x0010, &[1, score]) => vec![flag("toothbrush", false), uint("score", score)],
        // state, a timestamp, and after brushing maybe the score
        (0x3003, &[state @ (0 | 1), _, _, _, _, ref score @ ..]) if score.len() <= 1 => {
            let mut out = vec![flag("toothbrush", state == 0)];
            out.extend(score.iter().map(|&s| uint("score", s)));
            out
        }
        (0x4E16, _) => exact(v, |[profile, a, b, c, d, ..]: [u8; 9]| {
            scale_s200(profile, u32le([a, b, c, d]))
        }),
        (0x6E16, _) => exact(v, |[profile, a, b, c, d, ..]: [u8; 9]| {
            scale_s400(profile, u32le([a, b, c, d]))
        }),
        (0x5422, &[b]) => charging(b),
        (0x5810, &[b]) => zero_is_on(b)
            .map(|on| vec![flag("asleep", on)])
            .unwrap_or_default(),
        (0x6461, &[b]) => zero_is_on(b)
            .map(|on| vec![flag("wearing", on)])
            .unwrap_or_default(),
        (0x0010 | 0x3003 | 0x5422 | 0x5810 | 0x6461, _) => Vec::new(),
        _ => return None,
    })
}

/// S200: profile, mass in hundredths of a kg (0: nothing weighed), time.
fn scale_s200(profile: u8, mass: u32) -> Vec<Reading> {
    match mass {
        0 => Vec::new(),
        m => vec![
            float("mass", f64::from(m) / 100.0),
            uint("profile_id", profile),
        ],
    }
}

/// S400: profile, then bits 0-10 mass (tenths of a kg), 11-17 heart rate
/// (bpm - 50), 18-31 impedance (tenths of an ohm): at 50 kHz while
/// weighing, at 250 kHz alone in the last, stable, packet; all zero when
/// the person stepped off; mass alone when stable without impedance.
fn scale_s400(profile: u8, data: u32) -> Vec<Reading> {
    let (mass, heart, impedance) = (data & 0x7FF, data >> 11 & 0x7F, data >> 18);
    let mut out = vec![uint("profile_id", profile)];
    if data == 0 {
        out.push(flag("stabilized", false));
        return out;
    }
    if mass != 0 {
        out.push(float("mass", f64::from(mass) / 10.0));
    }
    if (1..127).contains(&heart) {
        out.push(uint("heart_rate", heart + 50));
    }
    let ohm = f64::from(impedance) / 10.0;
    out.extend(match (mass, heart, impedance) {
        (0, 0, _) => vec![float("impedance_high", ohm), flag("stabilized", true)],
        (_, _, 0) => vec![flag("stabilized", true)],
        _ => vec![float("impedance_low", ohm), flag("stabilized", false)],
    });
    out
}

fn charging(b: u8) -> Vec<Reading> {
    match b {
        0 => vec![text("charging_state", "Charging")],
        1 => vec![text("charging_state", "Not Charging")],
        2 => vec![text("charging_state", "Full")],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mibeacon::quantities::Value;

    fn values(id: u16, v: &[u8]) -> Vec<(&'static str, Value)> {
        decode("", id, v)
            .unwrap()
            .into_iter()
            .map(|r| (r.quantity.key, r.value))
            .collect()
    }

    #[test]
    fn toothbrush() {
        let done = values(0x3003, &[1, 3, 0x62, 0x9d, 0x64]);
        assert_eq!(done, [("toothbrush", Value::Bool(false))]);
        assert_eq!(values(0x3003, &[2, 3, 0x62, 0x9d, 0x64]), []);
        assert_eq!(values(0x3003, &[1, 3, 0x62, 0x9d, 0x64, 1, 2]), []);
        assert_eq!(values(0x0010, &[2, 5]), []);
        assert_eq!(values(0x0010, &[0, 5, 5]), []);
    }

    #[test]
    fn scales() {
        assert_eq!(values(0x4E16, &[1, 0, 0, 0, 0, 0x8a, 0x1b, 0x11, 0x69]), []);
        assert_eq!(values(0x4E16, &[1, 0x51, 0x18, 0, 0]), []);
        assert_eq!(values(0x6E16, &[1, 0xbb, 0x52, 0xe1, 0x54]), []);
        // Heart rate byte 127 means none.
        let data = 700 | 127 << 11;
        let mut v = vec![2];
        v.extend(u32::to_le_bytes(data));
        v.extend([0; 4]);
        assert_eq!(
            values(0x6E16, &v),
            [
                ("profile_id", Value::Uint(2)),
                ("mass", Value::Float(70.0)),
                ("stabilized", Value::Bool(true)),
            ]
        );
    }

    #[test]
    fn band_states() {
        assert_eq!(values(0x5810, &[0]), [("asleep", Value::Bool(true))]);
        assert_eq!(values(0x6461, &[2]), []);
        assert_eq!(values(0x5422, &[3]), []);
    }
}
