//! The Xiaomi cloud's device list as JSON: python-miio's `miiocli cloud
//! list --raw` (a list of the cloud's device objects: `did`, `token`,
//! `model`, `mac`, `localip`, `name`, `parent_id`, …), the same objects kept
//! in any other container (`CloudInterface.get_devices()` dumped as a dict),
//! and Xiaomi-cloud-tokens-extractor's `--output` file (`[{"server", "homes":
//! [{"devices": [...]}]}]`, BLE keys under `BLE_DATA.beaconkey`).

use serde_json::{Map, Value};

use super::device::{self, CloudDevice, Field, Names};
use super::text::Lines;
use super::{Format, Imported};
use crate::keys::printable;

const NAMES: Names = Names {
    did: "did",
    token: "token",
    model: "model",
    mac: "mac",
    ble_key: "BLE_DATA.beaconkey",
};

/// A device object: a `did` with a `token` or a `model` next to it (MIoT
/// property objects have a `did` too, but neither of those).
fn is_device(map: &Map<String, Value>) -> bool {
    matches!(map.get("did"), Some(Value::String(_) | Value::Number(_)))
        && (map.contains_key("token") || map.contains_key("model"))
}

/// Every device object, in document order; not looked into (a device's
/// `extra` is no device).
fn device_objects(value: &Value) -> Vec<&Map<String, Value>> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) if is_device(map) => found.push(map),
            Value::Object(map) => stack.extend(map.values().rev()),
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    found
}

/// The extractor's `--output` file: a list of `{"server", "homes"}`.
fn is_extractor_json(value: &Value) -> bool {
    value
        .as_array()
        .and_then(|servers| servers.first())
        .is_some_and(|s| s.get("homes").is_some())
}

/// A string member, or a number written as text (a `did` may be either).
fn field(map: &Map<String, Value>, name: &str, lines: &Lines<'_>) -> Option<Field> {
    let text = match map.get(name)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(Field {
        line: lines.of(&text),
        text,
    })
}

fn to_device(map: &Map<String, Value>, lines: &Lines<'_>) -> CloudDevice {
    let mut token = field(map, "token", lines);
    let mut model = field(map, "model", lines);
    // A model is shared by devices: its own line would point at the first
    // one; the token's line (or the did's) is this device's.
    let line = token
        .as_ref()
        .map(|t| t.line)
        .filter(|l| *l != 0)
        .or_else(|| field(map, "did", lines).map(|d| d.line));
    if let (Some(m), Some(l)) = (model.as_mut(), line) {
        m.line = l;
    }
    if let Some(t) = token.as_mut().filter(|t| t.line == 0) {
        t.line = line.unwrap_or(0);
    }
    let ble = map.get("BLE_DATA").and_then(Value::as_object);
    CloudDevice {
        name: map.get("name").and_then(Value::as_str).map(str::to_string),
        did: field(map, "did", lines),
        token,
        model,
        mac: field(map, "mac", lines).filter(|m| !m.text.is_empty()),
        ble_key: ble.and_then(|b| field(b, "beaconkey", lines)),
    }
}

/// What the device objects of `value` give, and which list it is; `None`
/// when there are none.
pub fn read(value: &Value, lines: &Lines<'_>) -> Option<(Format, Imported)> {
    let objects = device_objects(value);
    if objects.is_empty() {
        return None;
    }
    let format = if is_extractor_json(value) {
        Format::ExtractorJson
    } else {
        Format::CloudList
    };
    let mut out = Imported::default();
    for (i, map) in objects.iter().enumerate() {
        let dev = to_device(map, lines);
        let name = dev
            .name
            .as_deref()
            .map(|n| format!(" (\"{}\")", printable(n, 40)))
            .unwrap_or_default();
        let label = format!("device {} of the {}{name}", i + 1, format.short_name());
        device::add(&mut out, &dev, &NAMES, &label);
    }
    Some((format, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";

    fn read_text(text: &str) -> Option<(Format, Imported)> {
        let value: Value = serde_json::from_str(text).unwrap();
        read(&value, &Lines::new(text.as_bytes()))
    }

    #[test]
    fn raw_list_as_miiocli_prints_it() {
        let text = format!(
            r#"[
    {{
        "did": "169552957",
        "token": "{TOKEN}",
        "name": "Vacuum",
        "localip": "192.168.1.20",
        "mac": "78:11:DC:00:00:01",
        "parent_id": "",
        "model": "rockrobo.vacuum.v1",
        "extra": {{"fw_version": "3.5.8_002034"}},
        "prop": {{"did": "x", "model": "not a device"}}
    }},
    {{
        "did": "lumi.158d0001a2b3c4",
        "token": "",
        "name": "Door",
        "parent_id": "169552957",
        "model": "lumi.sensor_magnet.v2"
    }},
    {{
        "did": 305419896,
        "token": "{}",
        "model": "chuangmi.plug.m1"
    }}
]"#,
            &TOKEN[..30]
        );
        let (format, out) = read_text(&text).unwrap();
        assert_eq!(format, Format::CloudList);
        assert_eq!(out.devices, 3);
        assert_eq!(out.tokens.len(), 1);
        assert_eq!(
            (out.tokens[0].device_id, out.tokens[0].row),
            (Some(169552957), 4)
        );
        assert_eq!(out.models[0], (169552957, "rockrobo.vacuum.v1".into(), 4));
        assert_eq!(out.models[1].0, 305419896);
        assert_eq!(
            out.problems,
            ["device 3 of the cloud device list: token: a token is 32 hex digits; this one has 30 characters"]
        );
    }

    #[test]
    fn extractor_json_output_with_a_ble_key() {
        let text = format!(
            r#"[{{"server": "de", "homes": [{{"home_id": 1, "home_owner": 2, "devices": [
                {{"did": "169552957", "token": "{TOKEN}", "model": "rockrobo.vacuum.v1"}},
                {{"did": "blt.3.1ab2cd3ef4g00", "token": "a1b2c3d4e5f6a7b8c9d0e1f2", "mac": "A4:C1:38:02:83:F4",
                  "model": "miaomiaoce.sensor_ht.t2", "BLE_DATA": {{"beaconkey": "e9ea895fac7cca6d30532432a516f3a8"}}}}
            ]}}]}}, {{"server": "us", "homes": []}}]"#
        );
        let (format, out) = read_text(&text).unwrap();
        assert_eq!(format, Format::ExtractorJson);
        assert_eq!(
            (out.tokens.len(), out.models.len(), out.bindkeys.len()),
            (1, 1, 1)
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
    }

    #[test]
    fn other_json_is_not_a_device_list() {
        assert!(read_text(r#"{"devices": [{"duid": "a", "localKey": "b"}]}"#).is_none());
        assert!(read_text(r#"[{"did": "p", "siid": 2, "piid": 1}]"#).is_none());
    }
}
