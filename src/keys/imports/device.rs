//! One device of a Xiaomi cloud device list, as the extractor prints it or
//! python-miio dumps it: its `did`, token, model, MAC and BLE key become a
//! miIO token for the device id, its model, and a MiBeacon bindkey.

use super::Imported;
use crate::keys::bindkey::{parse_bindkey, parse_mac, BindkeyEntry};
use crate::keys::{parse_key, printable, KeyEntry, KeyType};
use crate::miio::crypto::DeviceKey;
use crate::miot::models::{valid_model, MAX_MODEL_CHARS};

/// A value and the line of the file it is on (0: not known).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    pub line: u32,
}

/// What a device list says of one device; every part may be missing.
#[derive(Debug, Clone, Default)]
pub struct CloudDevice {
    pub name: Option<String>,
    pub did: Option<Field>,
    pub token: Option<Field>,
    pub model: Option<Field>,
    pub mac: Option<Field>,
    pub ble_key: Option<Field>,
}

/// How the source names each part, for messages.
pub struct Names {
    pub did: &'static str,
    pub token: &'static str,
    pub model: &'static str,
    pub mac: &'static str,
    pub ble_key: &'static str,
}

/// What a `did` is to the dissector.
#[derive(Debug, PartialEq, Eq)]
enum Did {
    /// Decimal and 32 bits: the device id of miIO frames.
    Miio(u32),
    /// Decimal but wider than a miIO header's device id.
    TooWide,
    /// `blt.3.…` (Bluetooth), `lumi.…` (Zigbee), groups, IR remotes: they
    /// talk through a gateway or the phone, never miIO themselves.
    NotMiio,
    Missing,
}

fn did_kind(did: Option<&Field>) -> Did {
    let Some(text) = did.map(|d| d.text.trim()) else {
        return Did::Missing;
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Did::NotMiio;
    }
    text.parse().map_or(Did::TooWide, Did::Miio)
}

/// Adds what `device` gives to `out`; each refused part is one message
/// starting with `label`. Messages name the part, never its key.
pub fn add(out: &mut Imported, device: &CloudDevice, names: &Names, label: &str) {
    out.devices += 1;
    let mut problems = Vec::new();
    match did_kind(device.did.as_ref()) {
        Did::Miio(id) => add_miio(out, device, Some(id), names, &mut problems),
        // No device id at all: the token is tried on every device, as a
        // `token` line is; a model cannot be tied to a device.
        Did::Missing => add_miio(out, device, None, names, &mut problems),
        Did::TooWide => problems.push(format!(
            "{}: {} is not a 32-bit miIO device id; its token is not used",
            names.did,
            printable(device.did.as_ref().map_or("", |d| &d.text), 24)
        )),
        Did::NotMiio => {}
    }
    if let Some(key) = device
        .ble_key
        .as_ref()
        .filter(|k| !k.text.trim().is_empty())
    {
        match bindkey(device.mac.as_ref(), key, names) {
            Ok(entry) => out.bindkeys.push(entry),
            Err(why) => problems.push(why),
        }
    }
    out.problems
        .extend(problems.into_iter().map(|p| format!("{label}: {p}")));
}

fn add_miio(
    out: &mut Imported,
    device: &CloudDevice,
    id: Option<u32>,
    names: &Names,
    problems: &mut Vec<String>,
) {
    // Sub-devices list an empty token: nothing to use, nothing wrong.
    if let Some(token) = device.token.as_ref().filter(|t| !t.text.trim().is_empty()) {
        match parse_key(KeyType::Token, &token.text) {
            Ok(key) => out.tokens.push(KeyEntry {
                device_id: id,
                key_type: KeyType::Token,
                key: DeviceKey::new(key),
                row: token.line,
            }),
            Err(why) => problems.push(renamed(&why, names.token)),
        }
    }
    let (Some(id), Some(model)) = (id, device.model.as_ref()) else {
        return;
    };
    match valid_model(model.text.trim()) {
        Some(name) => out.models.push((id, name.to_string(), model.line)),
        None if model.text.trim().is_empty() => {}
        None => problems.push(format!(
            "{}: \"{}\" is not a model name (letters, digits, '.', '_', '-'; up to {MAX_MODEL_CHARS})",
            names.model,
            printable(&model.text, 40)
        )),
    }
}

fn bindkey(mac: Option<&Field>, key: &Field, names: &Names) -> Result<BindkeyEntry, String> {
    // No MAC: the key is tried on every advertiser, as a `bindkey KEY` line.
    let mac = match mac {
        Some(m) => parse_mac(&m.text).map_err(|why| renamed(&why, names.mac))?,
        None => None,
    };
    let key_bytes = parse_bindkey(&key.text).map_err(|why| renamed(&why, names.ble_key))?;
    Ok(BindkeyEntry {
        mac,
        key: key_bytes,
        row: key.line,
    })
}

/// A row parser's message (`key: …`, `device_id: …`) with the field named
/// as the source names it (`TOKEN: …`).
pub fn renamed(message: &str, field: &str) -> String {
    let rest = message
        .split_once(": ")
        .filter(|(head, _)| *head == "key" || *head == "device_id")
        .map_or(message, |(_, rest)| rest);
    format!("{field}: {rest}")
}

#[cfg(test)]
mod tests {
    use super::super::extractor::NAMES;
    use super::*;

    const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";
    const BLE_KEY: &str = "e9ea895fac7cca6d30532432a516f3a8";

    fn field(text: &str, line: u32) -> Option<Field> {
        Some(Field {
            text: text.into(),
            line,
        })
    }

    fn device(did: &str, token: &str, model: &str) -> CloudDevice {
        CloudDevice {
            did: field(did, 1),
            token: field(token, 2),
            model: field(model, 3),
            ..CloudDevice::default()
        }
    }

    #[test]
    fn wifi_device_gives_token_and_model() {
        let mut out = Imported::default();
        add(
            &mut out,
            &device("169552957", TOKEN, "rockrobo.vacuum.v1"),
            &NAMES,
            "d1",
        );
        assert_eq!(out.tokens.len(), 1);
        assert_eq!(
            (out.tokens[0].device_id, out.tokens[0].row),
            (Some(0x0a1b2c3d), 2)
        );
        assert_eq!(
            out.models,
            [(0x0a1b2c3d, "rockrobo.vacuum.v1".to_string(), 3)]
        );
        assert!(out.problems.is_empty());
        assert_eq!(out.devices, 1);
    }

    #[test]
    fn ble_device_gives_only_its_bindkey() {
        let mut out = Imported::default();
        let ble = CloudDevice {
            mac: field("A4:C1:38:02:83:F4", 5),
            ble_key: field(BLE_KEY, 4),
            ..device(
                "blt.3.1ab2cd3ef4g00",
                "a1b2c3d4e5f6a7b8c9d0e1f2",
                "lywsd03mmc",
            )
        };
        add(&mut out, &ble, &NAMES, "d2");
        assert!(out.tokens.is_empty() && out.models.is_empty(), "{out:?}");
        assert_eq!(out.bindkeys.len(), 1);
        assert_eq!(
            out.bindkeys[0].mac,
            Some([0xA4, 0xC1, 0x38, 0x02, 0x83, 0xF4])
        );
        assert_eq!(out.bindkeys[0].row, 4);
        assert!(out.problems.is_empty());
    }

    #[test]
    fn refusals_name_the_device_and_field_never_the_key() {
        let mut out = Imported::default();
        let bad = CloudDevice {
            ble_key: field(&BLE_KEY[..30], 9),
            mac: field("A4:C1:38", 8),
            ..device("169552957", &TOKEN[..31], "bad model")
        };
        add(&mut out, &bad, &NAMES, "device 2 of x");
        assert_eq!(
            out.problems,
            [
                "device 2 of x: TOKEN: a token is 32 hex digits; this one has 31 characters",
                "device 2 of x: MODEL: \"bad model\" is not a model name (letters, digits, '.', '_', '-'; up to 63)",
                "device 2 of x: MAC: a bindkey's device is the advertiser's MAC (e.g. A4:C1:38:02:83:F4, with or without colons), or empty for any device; got \"A4:C1:38\"",
            ]
        );
        assert!(out.problems.iter().all(|p| !p.contains(&TOKEN[..31])));
        assert!(out.tokens.is_empty() && out.bindkeys.is_empty());
    }

    #[test]
    fn missing_wide_and_foreign_ids() {
        let mut out = Imported::default();
        let no_id = CloudDevice {
            did: None,
            ..device("", TOKEN, "a.b.c")
        };
        add(&mut out, &no_id, &NAMES, "d");
        assert_eq!(out.tokens[0].device_id, None);
        assert!(out.models.is_empty(), "no device to tie the model to");
        add(&mut out, &device("5123456789", TOKEN, "a.b.c"), &NAMES, "d");
        assert!(out.problems[0].starts_with("d: ID: 5123456789 is not a 32-bit"));
        add(
            &mut out,
            &device("lumi.158d0001", "", "lumi.sensor"),
            &NAMES,
            "d",
        );
        add(&mut out, &device("654321", "", ""), &NAMES, "d");
        assert_eq!(
            (out.tokens.len(), out.problems.len(), out.devices),
            (1, 1, 4)
        );
    }

    #[test]
    fn messages_renamed() {
        assert_eq!(renamed("key: a b", "TOKEN"), "TOKEN: a b");
        assert_eq!(renamed("device_id: x", "MAC"), "MAC: x");
        assert_eq!(renamed("other: x", "MAC"), "MAC: other: x");
    }
}
