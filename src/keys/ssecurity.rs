//! Mi cloud API keys: `miio_keys` rows of type `ssecurity`, `key` the base64
//! `ssecurity` of a Mi account's login (the login reply, micloud and the
//! token extractors' logs show it), `device_id` empty (a key is the
//! account's, for every request).

use super::row::{printable, row_label, RawRow};
use crate::micloud::crypto::b64;

pub const SSECURITY_TYPE: &str = "ssecurity";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsecurityEntry {
    pub key: Vec<u8>,
    pub row: u32,
}

pub fn parse_ssecurity(text: &str) -> Result<Vec<u8>, String> {
    let t = text.trim();
    match b64(t) {
        Some(k) if (8..=64).contains(&k.len()) => Ok(k),
        _ => {
            Err(format!(
            "key: an ssecurity is base64 (24 characters, e.g. from the login reply); this one {}",
            if t.is_empty() {
                "is empty".to_string()
            } else {
                format!("has {} characters and is not base64 of 8 to 64 bytes", t.chars().count())
            }
        ))
        }
    }
}

pub fn parse_ssecurity_row(raw: &RawRow<'_>, row: Option<u32>) -> Result<SsecurityEntry, String> {
    let label = row_label(raw, row);
    if !raw.device_id.trim().is_empty() {
        return Err(format!(
            "{label}: device_id: an ssecurity is the account's, for every device: leave it empty (got \"{}\")",
            printable(raw.device_id.trim(), 24)
        ));
    }
    Ok(SsecurityEntry {
        key: parse_ssecurity(raw.key).map_err(|m| format!("{label}: {m}"))?,
        row: row.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(device_id: &'a str, key: &'a str) -> RawRow<'a> {
        RawRow {
            device_id,
            key_type: "ssecurity",
            key,
            comment: "account",
        }
    }

    #[test]
    fn rows() {
        let e = parse_ssecurity_row(&raw("", "gH4pK8sE1rT6wQ2zX9cV3b=="), Some(2)).unwrap();
        assert_eq!((e.key.len(), e.row), (16, 2));
        let err = parse_ssecurity_row(&raw("", "not base64!"), Some(3)).unwrap_err();
        assert_eq!(
            err,
            "miio_keys row 3 (\"account\"): key: an ssecurity is base64 (24 characters, e.g. from the login reply); this one has 11 characters and is not base64 of 8 to 64 bytes"
        );
        let err =
            parse_ssecurity_row(&raw("0a1b2c3d", "gH4pK8sE1rT6wQ2zX9cV3b=="), None).unwrap_err();
        assert!(
            err.contains("device_id: an ssecurity is the account's"),
            "{err}"
        );
        assert!(parse_ssecurity_row(&raw("", ""), None)
            .unwrap_err()
            .ends_with("is empty"));
    }
}
