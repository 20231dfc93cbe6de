//! Locks: fingerprint, door, armed and lock objects.

use super::{flag, text, u32le};
use crate::mibeacon::quantities::{Reading, Value};

pub fn decode(model: &str, id: u16, v: &[u8]) -> Option<Vec<Reading>> {
    Some(match (id, v) {
        (0x0006, &[a, b, c, d, result]) => fingerprint([a, b, c, d], result),
        // door and armed: a state, then an optional timestamp
        (0x0007, &[b, ..]) if matches!(v.len(), 1 | 5) => door(b),
        (0x0008, &[b, ..]) if matches!(v.len(), 1 | 5) => armed(model, b),
        (0x000B, &[action_method, a, b, c, d, _, _, _, _]) => lock(action_method, [a, b, c, d]),
        (0x0006 | 0x0007 | 0x0008 | 0x000B, _) => Vec::new(),
        _ => return None,
    })
}

fn fingerprint(key: [u8; 4], result: u8) -> Vec<Reading> {
    const RESULTS: [&str; 7] = [
        "match_successful",
        "match_failed",
        "timeout",
        "low_quality_too_light_fuzzy",
        "insufficient_area",
        "skin_is_too_dry",
        "skin_is_too_wet",
    ];
    // xiaomi-ble compares these bytes as sent (0x000B compares the number).
    let operator = match key {
        [0, 0, 0, 0] => Value::Text("administrator"),
        [0xff, 0xff, 0xff, 0xff] => Value::Text("unknown operator"),
        [0xde, 0xad, 0xbe, 0xef] => Value::Text("invalid operator"),
        _ => Value::String(u32le(key).to_string()),
    };
    let mut out = vec![Reading::new("key_id", operator)];
    if let Some(word) = RESULTS.get(usize::from(result)) {
        out.push(flag("fingerprint", result == 0));
        out.push(text("fingerprint_event", word));
    }
    out
}

/// The door of a lock, and the states an event resets (xiaomi-ble's table).
fn door(b: u8) -> Vec<Reading> {
    let states: &[(&str, bool)] = match b {
        0 => &[
            ("door", true),
            ("door_stuck", false),
            ("knock_on_the_door", false),
        ],
        1 => &[
            ("door", false),
            ("door_left_open", false),
            ("pry_the_door", false),
        ],
        2 => &[("door", true), ("door_left_open", true)],
        3 => &[("door", false), ("knock_on_the_door", true)],
        4 => &[("door", true), ("pry_the_door", true)],
        5 => &[("door", false), ("door_stuck", true)],
        _ => &[],
    };
    states.iter().map(|&(key, on)| flag(key, on)).collect()
}

/// 0 armed, 1 disarmed. DSL-C08 sends it when its handle is lifted from
/// outside, which locks it (xiaomi-ble): the action and method are known.
/// Not its lock state: xiaomi-ble reports that as the armed bit, which
/// says unlocked next to this lock action.
fn armed(model: &str, b: u8) -> Vec<Reading> {
    let armed = match b {
        0 => true,
        1 => false,
        _ => return Vec::new(),
    };
    let mut out = vec![flag("armed", armed)];
    if model == "DSL-C08" {
        out.push(text("lock_event", "lock_outside_the_door"));
        out.push(text("lock_method", "manual"));
    }
    out
}

/// What a lock did (low nibble): its word, and for lock actions whether
/// the lock is now unlocked. Anti-lock and child-lock actions change no
/// lock state, nor does "abnormal" tell one (xiaomi-ble says unlocked on
/// most models).
fn action(n: u8) -> Option<(&'static str, Option<bool>)> {
    Some(match n {
        0b0000 => ("unlock_outside_the_door", Some(true)),
        0b0001 => ("locked", Some(false)),
        0b0010 => ("turn_on_antilock", None),
        0b0011 => ("release_the_antilock", None),
        0b0100 => ("unlock_inside_the_door", Some(true)),
        0b0101 => ("lock_inside_the_door", Some(false)),
        0b0110 => ("turn_on_child_lock", None),
        0b0111 => ("turn_off_child_lock", None),
        0b1000 => ("lock_outside_the_door", Some(false)),
        0b1111 => ("abnormal", None),
        _ => return None,
    })
}

/// How (high nibble), in xiaomi-ble's words.
fn method(n: u8) -> Option<&'static str> {
    Some(match n {
        0b0000 => "bluetooth",
        0b0001 => "password",
        0b0010 => "biometrics",
        0b0011 => "key_method",
        0b0100 => "turntable_method",
        0b0101 => "nfc_method",
        0b0110 => "one_time_password",
        0b0111 => "two_step_verification",
        0b1000 => "coercion_method",
        0b1001 => "homekit",
        0b1010 => "manual",
        0b1011 => "automatic",
        0b1111 => "abnormal",
        _ => return None,
    })
}

/// Key ids 0xC0DE0000… are errors, not keys.
fn lock_error(key: u32) -> Option<&'static str> {
    Some(match key {
        0xC0DE_0000 => "frequent_unlocking_with_incorrect_password",
        0xC0DE_0001 => "frequent_unlocking_with_wrong_fingerprints",
        0xC0DE_0002 => "operation_timeout_password_input_timeout",
        0xC0DE_0003 => "lock_picking",
        0xC0DE_0004 => "reset_button_is_pressed",
        0xC0DE_0005 => "the_wrong_key_is_frequently_unlocked",
        0xC0DE_0006 => "foreign_body_in_the_keyhole",
        0xC0DE_0007 => "the_key_has_not_been_taken_out",
        0xC0DE_0008 => "error_nfc_frequently_unlocks",
        0xC0DE_0009 => "timeout_is_not_locked_as_required",
        0xC0DE_000A => "failure_to_unlock_frequently_in_multiple_ways",
        0xC0DE_000B => "unlocking_the_face_frequently_fails",
        0xC0DE_000C => "failure_to_unlock_the_vein_frequently",
        0xC0DE_000D => "hijacking_alarm",
        0xC0DE_000E => "unlock_inside_the_door_after_arming",
        0xC0DE_000F => "palmprints_frequently_fail_to_unlock",
        0xC0DE_0010 => "the_safe_was_moved",
        0xC0DE_1000 => "the_battery_level_is_less_than_10_percent",
        0xC0DE_1001 => "the_battery_level_is_less_than_5_percent",
        0xC0DE_1002 => "the_fingerprint_sensor_is_abnormal",
        0xC0DE_1003 => "the_accessory_battery_is_low",
        0xC0DE_1004 => "mechanical_failure",
        0xC0DE_1005 => "the_lock_sensor_is_faulty",
        _ => return None,
    })
}

/// Whose key, in xiaomi-ble's words: Bluetooth keys are numbered up to
/// 0x7FFFFFFF, the others by kind in the high 16 bits (Xiaomi's lock
/// object definition; xiaomi-ble's ranges are looser).
fn key_id(key: u32) -> Value {
    const KINDS: [&str; 8] = [
        "Fingerprint",
        "Password",
        "Keys",
        "NFC",
        "Two-step verification",
        "Human face",
        "Finger veins",
        "Palm print",
    ];
    match key {
        0 => Value::Text("administrator"),
        0xFFFF_FFFF => Value::Text("unknown operator"),
        0xDEAD_BEEF => Value::Text("invalid operator"),
        1..=0x7FFF_FFFF => Value::String(format!("Bluetooth key {key}")),
        _ => match KINDS.get(usize::from((key >> 16) as u16).wrapping_sub(0x8001)) {
            Some(kind) => Value::String(format!("{kind} key id {}", key & 0xFFFF)),
            None => Value::String(format!("key id {key}")),
        },
    }
}

fn lock(action_method: u8, key: [u8; 4]) -> Vec<Reading> {
    let (Some((word, unlocked)), Some(how)) =
        (action(action_method & 0x0F), method(action_method >> 4))
    else {
        return Vec::new();
    };
    let key = u32le(key);
    let mut out: Vec<Reading> = unlocked.map(|u| flag("lock", u)).into_iter().collect();
    out.push(text("lock_event", word));
    out.push(text("lock_method", how));
    out.push(match lock_error(key) {
        Some(error) => text("lock_error", error),
        None => Reading::new("key_id", key_id(key)),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(model: &str, id: u16, v: &[u8]) -> Vec<(&'static str, Value)> {
        super::super::keyed(decode(model, id, v))
    }

    #[test]
    fn lock_object() {
        // xiaomi-ble's test_Xiaomi_ZNMS16LM_lock.
        let v = [0x20, 0x02, 0x00, 0x01, 0x80, 0x7c, 0x44, 0x2f, 0x61];
        assert_eq!(
            values("ZNMS16LM", 0x000B, &v),
            [
                ("lock", Value::Bool(true)),
                ("lock_event", Value::Text("unlock_outside_the_door")),
                ("lock_method", Value::Text("biometrics")),
                ("key_id", Value::String("Fingerprint key id 2".into())),
            ]
        );
        // Child lock on by password, an error in place of the key.
        let v = [0x16, 0x00, 0x10, 0xde, 0xc0, 0, 0, 0, 0];
        assert_eq!(
            values("", 0x000B, &v),
            [
                ("lock_event", Value::Text("turn_on_child_lock")),
                ("lock_method", Value::Text("password")),
                (
                    "lock_error",
                    Value::Text("the_battery_level_is_less_than_10_percent")
                ),
            ]
        );
        // Unknown action (0b1001), unknown method (0b1100), short.
        assert_eq!(values("", 0x000B, &[0x09, 0, 0, 0, 0, 0, 0, 0, 0]), []);
        assert_eq!(values("", 0x000B, &[0xC0, 0, 0, 0, 0, 0, 0, 0, 0]), []);
        assert_eq!(values("", 0x000B, &[0x00, 0, 0, 0, 0]), []);
    }

    #[test]
    fn key_ids() {
        assert_eq!(key_id(7), Value::String("Bluetooth key 7".into()));
        assert_eq!(
            key_id(0x8008_0003),
            Value::String("Palm print key id 3".into())
        );
        assert_eq!(
            key_id(0x8000_0003),
            Value::String("key id 2147483651".into())
        );
        assert_eq!(
            key_id(0x8009_0003),
            Value::String("key id 2148073475".into())
        );
        assert_eq!(key_id(0xFFFF_FFFF), Value::Text("unknown operator"));
    }

    #[test]
    fn fingerprint_door_armed() {
        let fp = values("", 0x0006, &[5, 0, 0, 0, 9]);
        assert_eq!(fp, [("key_id", Value::String("5".into()))]);
        assert_eq!(values("", 0x0006, &[5, 0, 0, 0]), []);
        assert_eq!(values("", 0x0007, &[6]), []);
        assert_eq!(values("", 0x0007, &[4, 0, 0]), []);
        let pried = values("", 0x0007, &[4]);
        assert_eq!(
            pried,
            [
                ("door", Value::Bool(true)),
                ("pry_the_door", Value::Bool(true))
            ]
        );
        assert_eq!(values("DSL-C08", 0x0008, &[2]), []);
        assert_eq!(
            values("", 0x0008, &[1, 0, 0, 0, 0]),
            [("armed", Value::Bool(false))]
        );
    }
}
