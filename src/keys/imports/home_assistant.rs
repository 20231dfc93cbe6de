//! Home Assistant's `.storage/core.config_entries`: `{"key":
//! "core.config_entries", "data": {"entries": [{"domain", "title",
//! "unique_id", "data": {…}}, …]}}`. Read from the entries' `data`:
//!
//! - `xiaomi_miio` (config_flow.py: `host`, `token`, `model`, `mac`,
//!   `flow_type`, `cloud_*`): the token. The entry has no device id (its
//!   unique id is the MAC, which miIO frames do not carry), so the token is
//!   tried on every device and the model is not used.
//! - `xiaomi_ble`: `bindkey`, for the advertiser whose address is the
//!   entry's unique id.
//! - `roborock` (and custom `roborock_*` integrations): local keys, where the
//!   entry keeps home data (`duid` and `localKey` objects). Home Assistant's
//!   own integration keeps only account data there.
//!
//! Other domains are passed over.

use serde_json::{Map, Value};

use super::device::renamed;
use super::text::Lines;
use super::Imported;
use crate::keys::bindkey::{parse_bindkey, parse_mac, BindkeyEntry};
use crate::keys::roborock::{parse_duid, parse_local_key, RoborockKeyEntry};
use crate::keys::{parse_key, printable, KeyEntry, KeyType};
use crate::miio::crypto::DeviceKey;

/// The entries, when `value` has the shape of `core.config_entries`.
pub fn entries(value: &Value) -> Option<&Vec<Value>> {
    let key = value.get("key").and_then(Value::as_str);
    if key.is_some_and(|k| k != "core.config_entries") {
        return None;
    }
    value.get("data")?.get("entries")?.as_array()
}

/// An entry's domain, `data` and label for messages.
struct Entry<'a> {
    domain: &'a str,
    data: &'a Map<String, Value>,
    unique_id: Option<&'a str>,
    label: String,
}

fn entry(n: usize, value: &Value) -> Option<Entry<'_>> {
    let domain = value.get("domain")?.as_str()?;
    let data = value.get("data")?.as_object()?;
    let title = value.get("title").and_then(Value::as_str).unwrap_or("");
    Some(Entry {
        domain,
        data,
        unique_id: value.get("unique_id").and_then(Value::as_str),
        label: format!(
            "entry {n} of core.config_entries ({domain}, \"{}\")",
            printable(title, 40)
        ),
    })
}

fn is_roborock(domain: &str) -> bool {
    domain == "roborock" || domain.starts_with("roborock_")
}

/// Everything the entries give.
pub fn read(entries: &[Value], lines: &Lines<'_>) -> Imported {
    let mut out = Imported::default();
    for (i, value) in entries.iter().enumerate() {
        let Some(e) = entry(i + 1, value) else {
            continue;
        };
        match e.domain {
            "xiaomi_miio" => miio(&mut out, &e, lines),
            "xiaomi_ble" => ble(&mut out, &e, lines),
            d if is_roborock(d) => roborock(&mut out, &e, lines),
            _ => continue,
        }
        out.devices += 1;
    }
    out
}

fn text<'a>(data: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    data.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn miio(out: &mut Imported, e: &Entry<'_>, lines: &Lines<'_>) {
    let Some(token) = text(e.data, "token") else {
        out.problems.push(format!("{}: no token", e.label));
        return;
    };
    match parse_key(KeyType::Token, token) {
        Ok(key) => out.tokens.push(KeyEntry {
            device_id: None,
            key_type: KeyType::Token,
            key: DeviceKey::new(key),
            row: lines.of(token),
        }),
        Err(why) => out
            .problems
            .push(format!("{}: {}", e.label, renamed(&why, "token"))),
    }
}

fn ble(out: &mut Imported, e: &Entry<'_>, lines: &Lines<'_>) {
    // Sensors that do not encrypt have an entry without a bindkey.
    let Some(key) = text(e.data, "bindkey") else {
        return;
    };
    // The unique id is the address on Linux, a UUID on macOS (CoreBluetooth
    // hides addresses): then the key is tried on every advertiser.
    let mac = e.unique_id.and_then(|id| parse_mac(id).ok().flatten());
    match parse_bindkey(key) {
        Ok(key_bytes) => out.bindkeys.push(BindkeyEntry {
            mac,
            key: key_bytes,
            row: lines.of(key),
        }),
        Err(why) => out
            .problems
            .push(format!("{}: {}", e.label, renamed(&why, "bindkey"))),
    }
}

fn roborock(out: &mut Imported, e: &Entry<'_>, lines: &Lines<'_>) {
    let before = out.roborock.len();
    let mut stack: Vec<&Value> = e.data.values().collect();
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let (Some(Value::String(duid)), Some(Value::String(key))) =
                    (map.get("duid"), map.get("localKey"))
                {
                    match (parse_duid(duid), parse_local_key(key)) {
                        (Ok(duid), Ok(local)) => out.roborock.push(RoborockKeyEntry {
                            duid,
                            key: local,
                            row: lines.of(key),
                        }),
                        (Err(why), _) | (_, Err(why)) => out.problems.push(format!(
                            "{}: device {}: {}",
                            e.label,
                            printable(duid, 24),
                            renamed(&why, "localKey")
                        )),
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    if out.roborock.len() == before {
        out.roborock_entries_without_keys += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";

    fn read_text(text: &str) -> Imported {
        let value: Value = serde_json::from_str(text).unwrap();
        let lines = Lines::new(text.as_bytes());
        read(entries(&value).expect("config entries"), &lines)
    }

    fn config(entries: &str) -> String {
        format!("{{\n  \"version\": 1,\n  \"minor_version\": 5,\n  \"key\": \"core.config_entries\",\n  \"data\": {{\n    \"entries\": [\n{entries}\n    ]\n  }}\n}}")
    }

    #[test]
    fn miio_ble_and_roborock_entries() {
        let text = config(&format!(
            r#"{{"domain": "xiaomi_miio", "title": "Vacuum", "unique_id": "78:11:dc:00:00:01",
              "data": {{"flow_type": "device", "host": "192.168.1.20",
                "token": "{TOKEN}", "model": "rockrobo.vacuum.v1", "mac": "78:11:dc:00:00:01"}}}},
             {{"domain": "xiaomi_ble", "title": "Thermometer", "unique_id": "A4:C1:38:02:83:F4",
              "data": {{"bindkey": "e9ea895fac7cca6d30532432a516f3a8"}}}},
             {{"domain": "xiaomi_ble", "title": "Button", "unique_id": "A4:C1:38:02:83:F5", "data": {{}}}},
             {{"domain": "roborock_vacuum", "title": "me@example.com",
              "data": {{"home_data": {{"devices": [{{"duid": "rrV1LocalS7xK8pQ2mZ7sT", "localKey": "k7Pq2Xz9Lm4Rt8Vw"}}]}}}}}},
             {{"domain": "roborock", "title": "me@example.com", "data": {{"username": "me@example.com", "user_data": {{}}}}}},
             {{"domain": "met", "title": "Home", "data": {{"token": "not ours"}}}}"#
        ));
        let out = read_text(&text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.devices, 5);
        assert_eq!((out.tokens.len(), out.tokens[0].device_id), (1, None));
        assert_eq!(out.tokens[0].row, 9, "the token's line");
        assert!(out.models.is_empty(), "no device id to tie a model to");
        assert_eq!(
            out.bindkeys[0].mac,
            Some([0xA4, 0xC1, 0x38, 0x02, 0x83, 0xF4])
        );
        assert_eq!(
            out.roborock[0].duid.as_deref(),
            Some("rrV1LocalS7xK8pQ2mZ7sT")
        );
        assert_eq!(out.roborock_entries_without_keys, 1);
    }

    #[test]
    fn bad_entries_are_named() {
        let text = config(&format!(
            r#"{{"domain": "xiaomi_miio", "title": "Plug", "data": {{"host": "h"}}}},
             {{"domain": "xiaomi_miio", "title": "Fan", "data": {{"token": "{}"}}}},
             {{"domain": "xiaomi_ble", "title": "S", "unique_id": "0F2C…UUID", "data": {{"bindkey": "e9ea895fac7cca6d30532432a516f3a8"}}}},
             {{"domain": "xiaomi_miio", "title": "Lamp", "data": {{"token": "{TOKEN}"}}}}"#,
            &TOKEN[..31]
        ));
        let out = read_text(&text);
        assert_eq!(
            out.problems,
            [
                "entry 1 of core.config_entries (xiaomi_miio, \"Plug\"): no token",
                "entry 2 of core.config_entries (xiaomi_miio, \"Fan\"): token: a token is 32 hex digits; this one has 31 characters",
            ]
        );
        assert_eq!(out.tokens.len(), 1);
        assert_eq!(out.bindkeys[0].mac, None, "a macOS UUID is no MAC");
    }

    #[test]
    fn shape() {
        let other: Value =
            serde_json::from_str(r#"{"key": "core.device_registry", "data": {"entries": []}}"#)
                .unwrap();
        assert!(entries(&other).is_none());
        let list: Value = serde_json::from_str(r#"[{"did": "1"}]"#).unwrap();
        assert!(entries(&list).is_none());
    }
}
