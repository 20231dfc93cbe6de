//! Roborock rows of the `miio_keys` table: type `roborock`, `device_id` the
//! device's duid (or empty for any device), `key` its 16-character local key
//! (python-roborock's and Home Assistant's home data call it `localKey`).

use super::bindkey::{parse_bindkey_row, BindkeyEntry, BINDKEY_TYPE};
use super::row::{parse_row, printable, row_label, KeyEntry, RawRow};
use super::ssecurity::{parse_ssecurity_row, SsecurityEntry, SSECURITY_TYPE};
use crate::roborock::crypto::{LocalKey, LOCAL_KEY_LEN};

/// A validated Roborock row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoborockKeyEntry {
    /// `None` = any device.
    pub duid: Option<String>,
    pub key: LocalKey,
    /// 1-based position in the user's table (or line of the key file).
    pub row: u32,
}

/// A validated row of either family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyKeyEntry {
    Miio(KeyEntry),
    Roborock(RoborockKeyEntry),
    Bindkey(BindkeyEntry),
    Ssecurity(SsecurityEntry),
}

pub const ROBOROCK_TYPE: &str = "roborock";

/// A duid: letters and digits as the cloud gives them (21 or 22 of them
/// today); empty for any device.
pub fn parse_duid(text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if !(8..=40).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "device_id: a Roborock duid is letters and digits (21 or 22 of them, e.g. 6HL2zfniaoYYV01CwWYoyx), or empty for any device; got \"{}\"",
            printable(t, 24)
        ));
    }
    Ok(Some(t.to_string()))
}

/// A local key: 16 printable ASCII characters. Messages never repeat it.
pub fn parse_local_key(text: &str) -> Result<LocalKey, String> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() == LOCAL_KEY_LEN && b.iter().all(|c| c.is_ascii_graphic()) {
        let mut key = [0u8; LOCAL_KEY_LEN];
        key.copy_from_slice(b);
        return Ok(key);
    }
    let problem = if t.is_empty() {
        "is empty".to_string()
    } else if t.chars().count() != LOCAL_KEY_LEN {
        format!("has {} characters", t.chars().count())
    } else {
        "contains a character that is not printable ASCII".to_string()
    };
    Err(format!(
        "key: a Roborock local key is 16 printable ASCII characters; this one {problem}"
    ))
}

/// Validates a row of any type: `token`, `cloud`, `roborock`, `bindkey` or
/// `ssecurity`.
pub fn parse_any_row(raw: &RawRow<'_>, row: Option<u32>) -> Result<AnyKeyEntry, String> {
    match raw.key_type.trim() {
        BINDKEY_TYPE => return parse_bindkey_row(raw, row).map(AnyKeyEntry::Bindkey),
        SSECURITY_TYPE => return parse_ssecurity_row(raw, row).map(AnyKeyEntry::Ssecurity),
        _ => {}
    }
    if raw.key_type.trim() != ROBOROCK_TYPE {
        return parse_row(raw, row).map(AnyKeyEntry::Miio);
    }
    let label = row_label(raw, row);
    let in_row = |msg: String| format!("{label}: {msg}");
    Ok(AnyKeyEntry::Roborock(RoborockKeyEntry {
        duid: parse_duid(raw.device_id).map_err(in_row)?,
        key: parse_local_key(raw.key).map_err(in_row)?,
        row: row.unwrap_or(0),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(device_id: &'a str, key: &'a str) -> RawRow<'a> {
        RawRow {
            device_id,
            key_type: "roborock",
            key,
            comment: "S7",
        }
    }

    #[test]
    fn accepts_duid_and_local_key() {
        let e = parse_any_row(&raw("rrV1LocalS7xK8pQ2mZ7sT", "k7Pq2Xz9Lm4Rt8Vw"), Some(2)).unwrap();
        assert_eq!(
            e,
            AnyKeyEntry::Roborock(RoborockKeyEntry {
                duid: Some("rrV1LocalS7xK8pQ2mZ7sT".into()),
                key: *b"k7Pq2Xz9Lm4Rt8Vw",
                row: 2
            })
        );
        assert!(matches!(
            parse_any_row(&raw("", "k7Pq2Xz9Lm4Rt8Vw"), Some(1)),
            Ok(AnyKeyEntry::Roborock(RoborockKeyEntry { duid: None, .. }))
        ));
    }

    #[test]
    fn refusals_name_the_row_and_never_the_key() {
        let err =
            parse_any_row(&raw("rrV1LocalS7xK8pQ2mZ7sT", "k7Pq2Xz9Lm4Rt8V"), Some(4)).unwrap_err();
        assert_eq!(
            err,
            "miio_keys row 4 (device rrV1LocalS7xK8pQ2mZ7sT, \"S7\"): key: a Roborock local key is 16 printable ASCII characters; this one has 15 characters"
        );
        let err = parse_any_row(&raw("0x1234", "k7Pq2Xz9Lm4Rt8Vw"), Some(5)).unwrap_err();
        assert!(
            err.starts_with("miio_keys row 5 (device 0x1234, \"S7\"): device_id: a Roborock duid"),
            "{err}"
        );
        // Token rows are still read as before.
        let token = RawRow {
            device_id: "0a1b2c3d",
            key_type: "token",
            key: "3f4a1c2b9d8e7f60112233445566aa01",
            comment: "",
        };
        assert!(matches!(
            parse_any_row(&token, Some(1)),
            Ok(AnyKeyEntry::Miio(_))
        ));
    }
}
