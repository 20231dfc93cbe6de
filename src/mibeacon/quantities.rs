//! What MiBeacon objects measure or report: one entry per quantity, in a
//! table the Wireshark shim turns into display-filter fields
//! (`mibeacon.<key>`). Keys follow xiaomi-ble's sensor names where it has
//! one, so a Home Assistant user finds the same word. The table is a public
//! contract: extend it, never rename a key.

/// How a quantity's value is shown and filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A measurement with decimals (FT_DOUBLE).
    Float,
    /// A count, percentage or id (FT_UINT32).
    Uint,
    /// A state that is on or off (FT_BOOLEAN).
    Bool,
    /// An event or a state named by a word (FT_STRING).
    Text,
}

#[derive(Debug)]
pub struct Quantity {
    /// Field name after `mibeacon.`: lowercase letters, digits, `_`.
    pub key: &'static str,
    /// The name shown in the tree.
    pub name: &'static str,
    /// Unit shown after the value ("" for none).
    pub unit: &'static str,
    pub kind: Kind,
}

const fn q(key: &'static str, name: &'static str, unit: &'static str, kind: Kind) -> Quantity {
    Quantity {
        key,
        name,
        unit,
        kind,
    }
}

// One line a quantity, however long.
#[rustfmt::skip]
pub static QUANTITIES: &[Quantity] = &[
    // Measurements and counts (xiaomi-ble's sensors).
    q("temperature", "Temperature", "°C", Kind::Float),
    q("humidity", "Humidity", "%", Kind::Float),
    q("battery", "Battery", "%", Kind::Uint),
    // Float: some objects carry a float32 (0x4805, 0x4A08).
    q("illuminance", "Illuminance", "lx", Kind::Float),
    q("moisture", "Moisture", "%", Kind::Uint),
    q("conductivity", "Conductivity", "µS/cm", Kind::Uint),
    q("formaldehyde", "Formaldehyde", "mg/m³", Kind::Float),
    q("consumable", "Consumable left", "%", Kind::Uint),
    q("brushing_counter", "Brushing counter", "", Kind::Uint),
    q("score", "Brushing score", "", Kind::Uint),
    q("mass", "Mass", "kg", Kind::Float),
    q("profile_id", "Profile id", "", Kind::Uint),
    q("heart_rate", "Heart rate", "bpm", Kind::Uint),
    q("impedance_low", "Impedance at 50 kHz", "Ω", Kind::Float),
    q("impedance_high", "Impedance at 250 kHz", "Ω", Kind::Float),
    q("duration_detected", "Occupied for", "min", Kind::Uint),
    q("duration_cleared", "Clear for", "min", Kind::Uint),
    q("pressure_present_duration", "Pressure present for", "s", Kind::Uint),
    q("pressure_not_present_duration", "Pressure absent for", "s", Kind::Uint),
    // Named states (xiaomi-ble's text sensors, in its words).
    q("key_id", "Key id", "", Kind::Text),
    q("lock_method", "Lock method", "", Kind::Text),
    q("charging_state", "Charging state", "", Kind::Text),
    // States that are on or off (xiaomi-ble's binary sensors). `lock` is
    // Home Assistant's lock class: on means unlocked, hence the name.
    q("motion", "Motion", "", Kind::Bool),
    q("light", "Light", "", Kind::Bool),
    q("occupancy", "Occupancy", "", Kind::Bool),
    q("occupancy_close_range", "Occupancy close range", "", Kind::Bool),
    q("opening", "Open", "", Kind::Bool),
    q("door", "Door open", "", Kind::Bool),
    q("door_left_open", "Door left open", "", Kind::Bool),
    q("door_stuck", "Door stuck", "", Kind::Bool),
    q("knock_on_the_door", "Knock on the door", "", Kind::Bool),
    q("pry_the_door", "Door pried", "", Kind::Bool),
    q("device_forcibly_removed", "Device forcibly removed", "", Kind::Bool),
    q("lock", "Unlocked", "", Kind::Bool),
    q("armed", "Armed", "", Kind::Bool),
    q("fingerprint", "Fingerprint matched", "", Kind::Bool),
    q("smoke", "Smoke", "", Kind::Bool),
    // xiaomi-ble's binary `moisture` (wet or dry): the key `moisture` is
    // the soil moisture percentage above.
    q("moisture_detected", "Moisture detected", "", Kind::Bool),
    q("bottom_submersion", "Bottom submersion", "", Kind::Bool),
    q("top_splash", "Top splash", "", Kind::Bool),
    q("power", "Power", "", Kind::Bool),
    q("toothbrush", "Brushing", "", Kind::Bool),
    q("stabilized", "Stabilized", "", Kind::Bool),
    q("asleep", "Asleep", "", Kind::Bool),
    q("wearing", "Worn", "", Kind::Bool),
    // Events, keyed like xiaomi-ble's (`button_M` lowercased); the three
    // whose key is also a binary sensor's get `_event`, xiaomi-ble's lock
    // `error` is `lock_error`.
    q("button", "Button", "", Kind::Text),
    q("button_left", "Left button", "", Kind::Text),
    q("button_middle", "Middle button", "", Kind::Text),
    q("button_right", "Right button", "", Kind::Text),
    q("button_mid_left", "Middle left button", "", Kind::Text),
    q("button_mid_right", "Middle right button", "", Kind::Text),
    q("button_on", "On button", "", Kind::Text),
    q("button_off", "Off button", "", Kind::Text),
    q("button_brightness", "Brightness button", "", Kind::Text),
    q("button_plus", "Plus button", "", Kind::Text),
    q("button_m", "Button M", "", Kind::Text),
    q("button_min", "Min button", "", Kind::Text),
    q("cube", "Cube", "", Kind::Text),
    q("dimmer", "Dimmer", "", Kind::Text),
    q("motion_event", "Motion event", "", Kind::Text),
    q("lock_event", "Lock action", "", Kind::Text),
    q("lock_error", "Lock error", "", Kind::Text),
    q("fingerprint_event", "Fingerprint result", "", Kind::Text),
    // The dimmer event's properties (xiaomi-ble's `event_properties`).
    q("number_of_presses", "Number of presses", "", Kind::Uint),
    q("steps", "Steps", "", Kind::Uint),
    q("duration", "Press duration", "s", Kind::Uint),
];

/// The quantity with this key.
pub fn quantity(key: &str) -> Option<&'static Quantity> {
    QUANTITIES.iter().find(|q| q.key == key)
}

/// A value of a quantity's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Float(f64),
    Uint(u32),
    Bool(bool),
    Text(&'static str),
    /// A Text-kind value made from the frame (`Fingerprint key id 2`).
    String(String),
}

/// One thing an object says.
#[derive(Debug, Clone)]
pub struct Reading {
    pub quantity: &'static Quantity,
    pub value: Value,
}

impl PartialEq for Reading {
    fn eq(&self, other: &Reading) -> bool {
        self.quantity.key == other.quantity.key && self.value == other.value
    }
}

impl Reading {
    /// A reading of the quantity `key`. Panics on a key not in the table,
    /// which the unit tests exercise for every decoder.
    pub fn new(key: &str, value: Value) -> Reading {
        let quantity = quantity(key).unwrap_or_else(|| panic!("no quantity {key}"));
        debug_assert!(
            matches!(
                (quantity.kind, &value),
                (Kind::Float, Value::Float(_))
                    | (Kind::Uint, Value::Uint(_))
                    | (Kind::Bool, Value::Bool(_))
                    | (Kind::Text, Value::Text(_) | Value::String(_))
            ),
            "{key}: value of another kind"
        );
        Reading { quantity, value }
    }

    /// `temperature 21.3 °C`, `unlocked yes`: for the Info column. The
    /// name, not the key: `lock yes` would read as locked.
    pub fn summary(&self) -> String {
        let mut name = self.quantity.name.to_string();
        // First letter only: "impedance at 50 kHz".
        if let Some(first) = name.get_mut(..1) {
            first.make_ascii_lowercase();
        }
        let value = match &self.value {
            Value::Float(v) => format!("{}", (v * 100.0).round() / 100.0),
            Value::Uint(v) => v.to_string(),
            Value::Bool(true) => "yes".to_string(),
            Value::Bool(false) => "no".to_string(),
            Value::Text(t) => t.to_string(),
            Value::String(t) => t.clone(),
        };
        match self.quantity.unit {
            "" => format!("{name} {value}"),
            unit => format!("{name} {value} {unit}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_field_names_and_unique() {
        for (i, q) in QUANTITIES.iter().enumerate() {
            assert!(
                !q.key.is_empty()
                    && q.key
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                q.key
            );
            assert!(
                QUANTITIES[..i].iter().all(|p| p.key != q.key),
                "{} twice",
                q.key
            );
        }
    }

    #[test]
    fn summaries() {
        let t = Reading::new("temperature", Value::Float(21.299999));
        assert_eq!(t.summary(), "temperature 21.3 °C");
        assert_eq!(
            Reading::new("battery", Value::Uint(99)).summary(),
            "battery 99 %"
        );
        let unlocked = Reading::new("lock", Value::Bool(true));
        assert_eq!(unlocked.summary(), "unlocked yes");
        let key = Reading::new("key_id", Value::String("Bluetooth key 7".into()));
        assert_eq!(key.summary(), "key id Bluetooth key 7");
    }
}
