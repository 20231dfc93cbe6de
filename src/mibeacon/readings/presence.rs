//! Motion, light, occupancy, doors and windows, water and smoke.

use super::{exact, f32le, flag, float, text, u16le, u32le, uint};
use crate::mibeacon::quantities::Reading;

/// The Mi Home app counts up to 30 s without motion as motion.
const MOTION_HOLD_S: u32 = 30;

pub fn decode(model: &str, id: u16, v: &[u8]) -> Option<Vec<Reading>> {
    Some(match id {
        // Sent by MUE4094RT only, which never says the motion ended.
        0x0003 => exact(v, |[b]| match b {
            1 => vec![text("motion_event", "motion_detected")],
            _ => Vec::new(),
        }),
        0x000F => exact(v, |[a, b, c]| {
            moving(model, u32::from_le_bytes([a, b, c, 0]))
        }),
        0x1017 => exact(v, |b| still_for(u32le(b))),
        0x4818 => exact(v, |b| still_for(u16le(b).into())),
        // The no-motion timeout elapsed (its value is not needed).
        0x101B => exact(v, |_: [u8; 4]| vec![flag("motion", false)]),
        0x4A08 => exact(v, |b| {
            let mut out = vec![flag("motion", true)];
            out.extend(f32le(b).map(|lux| float("illuminance", lux)));
            out
        }),
        0x1018 => exact(v, |[b]| {
            yes_no(b)
                .map(|on| vec![flag("light", on)])
                .unwrap_or_default()
        }),
        0x484E => exact(v, |[b]| vec![flag("occupancy", occupied(model, b))]),
        0x483C => exact(v, |[b]| vec![flag("occupancy", b > 0)]),
        0x5413 if model == "ES5BB" => exact(v, |[b]| vec![flag("occupancy_close_range", b > 0)]),
        0x5413 => Vec::new(),
        0x4851 => exact(v, |[m]| vec![uint("duration_detected", m)]),
        0x4852 => exact(v, |[m]| vec![uint("duration_cleared", m)]),
        0x483D => exact(v, |b| vec![uint("pressure_present_duration", u32le(b))]),
        0x483E => exact(v, |b| vec![uint("pressure_not_present_duration", u32le(b))]),
        0x1019 => exact(v, |[b]| door_window(b)),
        0x4804 | 0x4A12 => exact(v, |[b]| opening(b)),
        0x4A1A => exact(v, |[b]| match b {
            1 => vec![flag("opening", true), flag("door_left_open", true)],
            _ => Vec::new(),
        }),
        0x4A0F => exact(v, |[b]| match b {
            1 => vec![flag("opening", true), flag("device_forcibly_removed", true)],
            _ => Vec::new(),
        }),
        0x1014 => exact(v, |[b]| vec![flag("moisture_detected", b > 0)]),
        0x1015 => exact(v, |[b]| vec![flag("smoke", b > 0)]),
        0x4806 => exact(v, |[b]| match model {
            "SJWS02LM" => vec![flag("bottom_submersion", b > 0)],
            _ => vec![flag("moisture_detected", b > 0)],
        }),
        0x487B => exact(v, |[b]| match model {
            "SJWS02LM" => vec![flag("top_splash", b > 0)],
            _ => Vec::new(),
        }),
        0x4A68 => exact(v, |[b]| match model {
            "SJWS02LM" => water_event(b),
            _ => Vec::new(),
        }),
        _ => return None,
    })
}

fn yes_no(b: u8) -> Option<bool> {
    match b {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// Motion with a light value: a light flag on two products, lux on CGPR1.
fn moving(model: &str, lux: u32) -> Vec<Reading> {
    let mut out = vec![flag("motion", true)];
    match model {
        // MJYD02YL says 1 or 100, RTCGQ02LM 0 or 256.
        "MJYD02YL" | "RTCGQ02LM" => out.push(flag("light", lux >= 100)),
        "CGPR1" => out.push(float("illuminance", f64::from(lux))),
        _ => {}
    }
    out
}

fn still_for(seconds: u32) -> Vec<Reading> {
    vec![flag("motion", seconds <= MOTION_HOLD_S)]
}

/// XMOSB01XS says 0 or 2 for nobody; the others 0.
fn occupied(model: &str, b: u8) -> bool {
    match model {
        "XMOSB01XS" => b == 1,
        _ => b > 0,
    }
}

/// 0x1019: 0 open, 1 closed, 2 not closed in time (3, a reset, says
/// nothing about the door).
fn door_window(b: u8) -> Vec<Reading> {
    match b {
        0 => vec![flag("opening", true)],
        1 => vec![flag("opening", false), flag("door_left_open", false)],
        2 => vec![flag("opening", true), flag("door_left_open", true)],
        _ => Vec::new(),
    }
}

/// 0x4804 (state) and 0x4A12 (event): 1 open, 2 closed.
fn opening(b: u8) -> Vec<Reading> {
    match b {
        1 => vec![flag("opening", true)],
        2 => vec![
            flag("opening", false),
            flag("door_left_open", false),
            flag("device_forcibly_removed", false),
        ],
        _ => Vec::new(),
    }
}

/// SJWS02LM's water events: 0/1 bottom wet/dry, 2/3 top wet/dry.
fn water_event(b: u8) -> Vec<Reading> {
    match b {
        0 | 1 => vec![flag("bottom_submersion", b == 0)],
        2 | 3 => vec![flag("top_splash", b == 2)],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mibeacon::quantities::Value;

    fn values(model: &str, id: u16, v: &[u8]) -> Vec<(&'static str, Value)> {
        super::super::keyed(decode(model, id, v))
    }

    fn on(key: &'static str, b: bool) -> (&'static str, Value) {
        (key, Value::Bool(b))
    }

    #[test]
    fn motion() {
        assert_eq!(values("", 0x1017, &[30, 0, 0, 0]), [on("motion", true)]);
        assert_eq!(values("", 0x1017, &[31, 0, 0, 0]), [on("motion", false)]);
        assert_eq!(values("", 0x4818, &[0, 0]), [on("motion", true)]);
        assert_eq!(values("", 0x000F, &[1, 0, 0]), [on("motion", true)]);
        let lit = values("RTCGQ02LM", 0x000F, &[0, 1, 0]);
        assert_eq!(lit, [on("motion", true), on("light", true)]);
        assert_eq!(values("MUE4094RT", 0x0003, &[0]), []);
        assert_eq!(values("", 0x1018, &[2]), []);
    }

    #[test]
    fn doors_windows_and_water() {
        assert_eq!(values("", 0x1019, &[3]), []);
        let closed = values("", 0x4804, &[2]);
        assert_eq!(closed.len(), 3);
        assert!(closed.iter().all(|(_, v)| *v == Value::Bool(false)));
        let forced = values("", 0x4A0F, &[1]);
        assert_eq!(
            forced,
            [on("opening", true), on("device_forcibly_removed", true)]
        );
        assert_eq!(
            values("RS1BB(MI)", 0x4806, &[1]),
            [on("moisture_detected", true)]
        );
        assert_eq!(values("RS1BB(MI)", 0x487B, &[1]), []);
        assert_eq!(values("SJWS02LM", 0x4A68, &[4]), []);
        assert_eq!(values("", 0x4A68, &[0]), []);
    }

    #[test]
    fn occupancy() {
        assert_eq!(values("XMOSB01XS", 0x484E, &[2]), [on("occupancy", false)]);
        assert_eq!(values("ES3", 0x484E, &[2]), [on("occupancy", true)]);
        assert_eq!(values("ES3", 0x5413, &[1]), []);
        assert_eq!(values("", 0x483D, &[0x78, 0x1e, 0]), []);
    }
}
