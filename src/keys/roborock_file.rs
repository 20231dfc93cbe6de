//! Roborock keys in the key file: lines `roborock DUID LOCAL_KEY [comment]`
//! (or `roborock LOCAL_KEY` for any device) among the miIO lines, or the
//! whole file being the home data python-roborock and Home Assistant keep:
//! JSON whose device objects carry `duid` and `localKey` (under `devices`
//! and `receivedDevices`, at any depth).

use serde_json::Value;

use super::lines::device_key_lines;
use super::roborock::{parse_duid, parse_local_key, RoborockKeyEntry, ROBOROCK_TYPE};

/// True for text that is JSON rather than key lines.
pub fn is_json(text: &[u8]) -> bool {
    matches!(
        text.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// The Roborock keys of a key file, and one message per refused line.
pub fn parse(text: &[u8]) -> (Vec<RoborockKeyEntry>, Vec<String>) {
    if is_json(text) {
        return from_home_data(text);
    }
    device_key_lines(
        text,
        ROBOROCK_TYPE,
        parse_duid,
        parse_local_key,
        |duid, key, row| RoborockKeyEntry { duid, key, row },
    )
}

/// Every object with string members `duid` and `localKey`, in document order.
fn from_home_data(text: &[u8]) -> (Vec<RoborockKeyEntry>, Vec<String>) {
    let value: Value = match serde_json::from_slice(text) {
        Ok(v) => v,
        Err(e) => {
            return (
                Vec::new(),
                vec![format!("is JSON but not readable as home data: {e}")],
            )
        }
    };
    let mut keys = Vec::new();
    let mut problems = Vec::new();
    let mut stack = vec![&value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let (Some(Value::String(duid)), Some(Value::String(key))) =
                    (map.get("duid"), map.get("localKey"))
                {
                    let n = u32::try_from(keys.len() + problems.len() + 1).unwrap_or(u32::MAX);
                    match (parse_duid(duid), parse_local_key(key)) {
                        (Ok(duid), Ok(key)) => keys.push(RoborockKeyEntry { duid, key, row: n }),
                        (Err(why), _) | (_, Err(why)) => {
                            problems.push(format!("device {n} of the home data: {why}"))
                        }
                    }
                }
                stack.extend(map.values().rev());
            }
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    (keys, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roborock_lines_among_miio_lines() {
        let text = b"0a1b2c3d 3f4a1c2b9d8e7f60112233445566aa01 vacuum\nroborock rrV1LocalS7xK8pQ2mZ7sT k7Pq2Xz9Lm4Rt8Vw S7\nroborock Zq8Ws3Ed5Rf7Tg9Y\nroborock rrV1LocalS7xK8pQ2mZ7sT short\n";
        let (keys, problems) = parse(text);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].duid.as_deref(), Some("rrV1LocalS7xK8pQ2mZ7sT"));
        assert_eq!((keys[1].duid.as_deref(), keys[1].row), (None, 3));
        assert_eq!(
            problems,
            ["line 4: key: a Roborock local key is 16 printable ASCII characters; this one has 5 characters"]
        );
    }

    #[test]
    fn home_data_as_python_roborock_returns_it() {
        let text = br#"{"id": 1, "name": "Home", "devices": [{"duid": "rrV1LocalS7xK8pQ2mZ7sT", "name": "S7", "localKey": "k7Pq2Xz9Lm4Rt8Vw", "pv": "1.0"}], "receivedDevices": [{"duid": "rrL01Qrevo9Hc3Nf6Jq1Y", "localKey": "Zq8Ws3Ed5Rf7Tg9Y", "pv": "1.0"}]}"#;
        let (keys, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let duids: Vec<_> = keys.iter().map(|k| k.duid.clone().unwrap()).collect();
        assert_eq!(duids, ["rrV1LocalS7xK8pQ2mZ7sT", "rrL01Qrevo9Hc3Nf6Jq1Y"]);
        assert_eq!(&keys[1].key, b"Zq8Ws3Ed5Rf7Tg9Y");
        let (none, problems) = parse(b"{not json");
        assert!(none.is_empty());
        assert!(
            problems[0].starts_with("is JSON but not readable as home data"),
            "{problems:?}"
        );
    }
}
