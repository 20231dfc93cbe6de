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

pub static QUANTITIES: &[Quantity] = &[
    q("temperature", "Temperature", "°C", Kind::Float),
    q("humidity", "Humidity", "%", Kind::Float),
    q("battery", "Battery", "%", Kind::Uint),
    q("illuminance", "Illuminance", "lx", Kind::Uint),
    q("moisture", "Moisture", "%", Kind::Uint),
    q("conductivity", "Conductivity", "µS/cm", Kind::Uint),
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
                    | (Kind::Text, Value::Text(_))
            ),
            "{key}: value of another kind"
        );
        Reading { quantity, value }
    }

    /// `temperature 21.3 °C`, `motion yes`: for the Info column.
    pub fn summary(&self) -> String {
        let name = self.quantity.key.replace('_', " ");
        let value = match &self.value {
            Value::Float(v) => format!("{}", (v * 100.0).round() / 100.0),
            Value::Uint(v) => v.to_string(),
            Value::Bool(true) => "yes".to_string(),
            Value::Bool(false) => "no".to_string(),
            Value::Text(t) => t.to_string(),
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
    }
}
