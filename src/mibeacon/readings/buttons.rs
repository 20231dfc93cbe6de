//! Buttons, remotes, switches, the dimmer and the cube: events named like
//! xiaomi-ble's, which depend on the product.

use super::{exact, flag, text, uint};
use crate::mibeacon::quantities::Reading;

pub fn decode(model: &str, id: u16, v: &[u8]) -> Option<Vec<Reading>> {
    Some(match id {
        0x1001 => exact(v, |[button, value, press]| {
            button_object(model, button, value, press)
        }),
        0x1012 => exact(v, |[b]| match b {
            0 | 1 => vec![flag("power", b == 1)],
            _ => Vec::new(),
        }),
        0x4A0C => left_right_press(model, v, "press"),
        0x4A0D => left_right_press(model, v, "double_press"),
        0x4A0E => left_right_press(model, v, "long_press"),
        0x4A13 => exact(v, |[b]| match b {
            1 => vec![text("button", "press")],
            _ => Vec::new(),
        }),
        0x4E0C => switch_press(model, v, 0),
        0x4E0D => switch_press(model, v, 1),
        0x4E0E => switch_press(model, v, 2),
        0x560C => quad_press(model, v, "press"),
        0x560D => quad_press(model, v, "double_press"),
        0x560E => quad_press(model, v, "long_press"),
        _ => return None,
    })
}

/// Press kinds of object 0x1001's third byte.
fn press_kind(press: u8) -> Option<&'static str> {
    match press {
        0 | 5 => Some("press"),
        1 => Some("double_press"),
        2 | 6 => Some("long_press"),
        _ => None,
    }
}

/// 0x1001: button (or direction), a value, and how it was pressed.
fn button_object(model: &str, button: u8, value: u8, press: u8) -> Vec<Reading> {
    match model {
        "RTCGQ02LM" | "YLAI003" | "JTYJGD03MI" | "SJWS01LM" => press_kind(press)
            .map(|k| vec![text("button", k)])
            .unwrap_or_default(),
        "XMMF01JQD" => match button {
            0 => vec![text("cube", "rotate_right")],
            1 => vec![text("cube", "rotate_left")],
            _ => Vec::new(),
        },
        "YLYK01YL" => remote(button, press),
        "YLKG07YL/YLKG08YL" => dimmer(button, value, press),
        "K9B-1BTN" | "K9B-2BTN" | "K9B-3BTN" => k9b(model, button, press),
        _ => Vec::new(),
    }
}

/// YLYK01YL: six buttons; on and off also say the light's power.
fn remote(button: u8, press: u8) -> Vec<Reading> {
    const KEYS: [&str; 6] = [
        "button_on",
        "button_off",
        "button_brightness",
        "button_plus",
        "button_m",
        "button_min",
    ];
    let (Some(key), Some(kind)) = (KEYS.get(usize::from(button)), press_kind(press)) else {
        return Vec::new();
    };
    let mut out = vec![text(key, kind)];
    if button <= 1 {
        out.push(flag("power", button == 0));
    }
    out
}

/// YLKG07YL/YLKG08YL: presses, and with press 3 or 4 a count of presses,
/// seconds held, or steps turned (negative bytes turn left).
fn dimmer(button: u8, value: u8, press: u8) -> Vec<Reading> {
    let turn = |by: u8, right: &'static str, left: &'static str| match by {
        0..=127 => vec![text("dimmer", right), uint("steps", by)],
        _ => vec![text("dimmer", left), uint("steps", 0u8.wrapping_sub(by))],
    };
    match (press, button) {
        (3, 0) => vec![text("dimmer", "press"), uint("number_of_presses", value)],
        (3, 1) => vec![text("dimmer", "long_press"), uint("duration", value)],
        (3, _) => Vec::new(),
        (4, 0) => turn(value, "rotate_right", "rotate_left"),
        (4, by) => turn(by, "rotate_right_pressed", "rotate_left_pressed"),
        _ => press_kind(press)
            .map(|k| vec![text("dimmer", k)])
            .unwrap_or_default(),
    }
}

/// K9B switches: which buttons (bit 0 left, 1 middle or right, 2 right),
/// and their own press order.
fn k9b(model: &str, button: u8, press: u8) -> Vec<Reading> {
    let kind = match press {
        0 => "press",
        1 => "long_press",
        2 => "double_press",
        _ => return Vec::new(),
    };
    let (keys, sets): (&[&str], &[u8]) = match model {
        "K9B-1BTN" => (&["button"], &[0b1]),
        "K9B-2BTN" => (&["button_left", "button_right"], &[0b01, 0b10, 0b11]),
        _ => (
            &["button_left", "button_middle", "button_right"],
            &[0b001, 0b010, 0b100, 0b011, 0b110, 0b101, 0b111],
        ),
    };
    let Some(&set) = sets.get(usize::from(button)) else {
        return Vec::new();
    };
    (0..keys.len())
        .filter(|i| set >> i & 1 == 1)
        .map(|i| text(keys[i], kind))
        .collect()
}

/// 0x4A0C-E: XMWS01XS says which button (0 left, 1 right); others have
/// one, and may send no value at all.
fn left_right_press(model: &str, v: &[u8], kind: &'static str) -> Vec<Reading> {
    match (model, v) {
        ("XMWS01XS", [0]) => vec![text("button_left", kind)],
        ("XMWS01XS", [1]) => vec![text("button_right", kind)],
        ("XMWS01XS", _) => Vec::new(),
        (_, [] | [_]) => vec![text("button", kind)],
        _ => Vec::new(),
    }
}

/// 0x4E0C-E (`nth` 0 single, 1 double, 2 long press): XMWXKG01YL says
/// which buttons (bit 0 left, bit 1 right), K9BB-1BTN sends 0x4E0C with
/// the press kind, XMWXKG01LM may send no value.
fn switch_press(model: &str, v: &[u8], nth: usize) -> Vec<Reading> {
    let kind = ["press", "double_press", "long_press"][nth];
    match (model, v) {
        ("XMWXKG01YL", &[b @ 1..=3]) => [(1, "button_left"), (2, "button_right")]
            .iter()
            .filter(|(bit, _)| b & bit != 0)
            .map(|&(_, key)| text(key, kind))
            .collect(),
        ("K9BB-1BTN", &[b]) if nth == 0 => match b {
            1 => vec![text("button", "press")],
            8 => vec![text("button", "long_press")],
            15 => vec![text("button", "double_press")],
            _ => Vec::new(),
        },
        ("XMWXKG01LM", [] | [_]) => vec![text("button", kind)],
        _ => Vec::new(),
    }
}

/// 0x560C-E: KS1 and KS1BP say which of four buttons; KS2BB has one and
/// sends no value.
fn quad_press(model: &str, v: &[u8], kind: &'static str) -> Vec<Reading> {
    const KEYS: [&str; 4] = [
        "button_left",
        "button_mid_left",
        "button_mid_right",
        "button_right",
    ];
    match (model, v) {
        ("KS2BB", []) => vec![text("button", kind)],
        ("KS1" | "KS1BP", &[b @ 1..=4]) => vec![text(KEYS[usize::from(b - 1)], kind)],
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

    fn t(key: &'static str, word: &'static str) -> (&'static str, Value) {
        (key, Value::Text(word))
    }

    #[test]
    fn dimmer_turns_and_holds() {
        let d = "YLKG07YL/YLKG08YL";
        let left = values(d, 0x1001, &[0, 0xfd, 4]);
        assert_eq!(
            left,
            [t("dimmer", "rotate_left"), ("steps", Value::Uint(3))]
        );
        let pressed = values(d, 0x1001, &[2, 0, 4]);
        assert_eq!(
            pressed,
            [
                t("dimmer", "rotate_right_pressed"),
                ("steps", Value::Uint(2))
            ]
        );
        let held = values(d, 0x1001, &[1, 4, 3]);
        assert_eq!(
            held,
            [t("dimmer", "long_press"), ("duration", Value::Uint(4))]
        );
        assert_eq!(values(d, 0x1001, &[0, 0, 1]), [t("dimmer", "double_press")]);
        assert_eq!(values(d, 0x1001, &[2, 1, 3]), []);
    }

    #[test]
    fn switches_and_remotes() {
        let m = values("YLYK01YL", 0x1001, &[4, 0, 2]);
        assert_eq!(m, [t("button_m", "long_press")]);
        let off = values("YLYK01YL", 0x1001, &[1, 0, 0]);
        assert_eq!(
            off,
            [t("button_off", "press"), ("power", Value::Bool(false))]
        );
        let k9b = values("K9B-3BTN", 0x1001, &[4, 0, 2]);
        assert_eq!(
            k9b,
            [
                t("button_middle", "double_press"),
                t("button_right", "double_press")
            ]
        );
        assert_eq!(values("K9B-1BTN", 0x1001, &[1, 0, 0]), []);
        assert_eq!(values("K9B-2BTN", 0x1001, &[3, 0, 0]), []);
        assert_eq!(values("XMMF01JQD", 0x1001, &[2, 0, 0]), []);
        assert_eq!(values("LYWSDCGQ", 0x1001, &[0, 0, 0]), []);
        assert_eq!(values("YLAI003", 0x1001, &[0, 0, 0, 0]), []);
    }

    #[test]
    fn press_objects() {
        let both = values("XMWXKG01YL", 0x4E0E, &[3]);
        assert_eq!(
            both,
            [
                t("button_left", "long_press"),
                t("button_right", "long_press")
            ]
        );
        assert_eq!(values("XMWXKG01YL", 0x4E0C, &[4]), []);
        assert_eq!(
            values("K9BB-1BTN", 0x4E0C, &[15]),
            [t("button", "double_press")]
        );
        assert_eq!(values("K9BB-1BTN", 0x4E0D, &[15]), []);
        assert_eq!(values("XMWS01XS", 0x4A0C, &[]), []);
        assert_eq!(values("PTX_YK1_QMIMB", 0x4A0E, &[1, 2]), []);
        assert_eq!(values("KS1", 0x560C, &[4]), [t("button_right", "press")]);
        assert_eq!(values("KS1", 0x560C, &[5]), []);
        assert_eq!(values("KS2BB", 0x560C, &[1]), []);
        assert_eq!(values("LYWSDCGQ", 0x560D, &[1]), []);
    }
}
