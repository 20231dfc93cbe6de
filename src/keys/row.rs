//! Parsing and validating rows of the `miio_keys` preference table.
//! Every refusal is a message that names the field and the problem, and
//! never echoes a key back (keys stay out of logs and dialogs).

use crate::miio::crypto::{DeviceKey, TOKEN_LEN};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// A device token: 32 hex digits.
    Token,
    /// A Mi cloud key (device.conf `key=`): 16 ASCII characters, or 32 hex digits.
    Cloud,
}

/// A validated row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// `None` = any device.
    pub device_id: Option<u32>,
    pub key_type: KeyType,
    pub key: DeviceKey,
    /// 1-based position in the user's table; 0 when unknown.
    pub row: u32,
}

/// A row as typed, before validation.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawRow<'a> {
    pub device_id: &'a str,
    pub key_type: &'a str,
    pub key: &'a str,
    pub comment: &'a str,
}

/// Parses the device id column: 8 hex digits, an optional `0x`, or empty.
pub fn parse_device_id(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "device_id: expected up to 8 hex digits (e.g. 0a1b2c3d) or empty for any device, got \"{}\"",
            printable(t, 24)
        ));
    }
    u32::from_str_radix(digits, 16)
        .map(Some)
        .map_err(|_| "device_id: not a 32-bit hex number".to_string())
}

pub fn parse_key_type(text: &str) -> Result<KeyType, String> {
    match text.trim() {
        "token" | "" => Ok(KeyType::Token),
        "cloud" => Ok(KeyType::Cloud),
        other => Err(format!(
            "type: expected \"token\", \"cloud\", \"roborock\", \"bindkey\" or \"ssecurity\", got \"{}\"",
            printable(other, 16)
        )),
    }
}

/// Parses the key column for the given type. Messages give the length and
/// the kind of problem, not the key itself.
pub fn parse_key(key_type: KeyType, text: &str) -> Result<[u8; TOKEN_LEN], String> {
    let t = text.trim();
    if let Some(bytes) = decode_hex16(t) {
        return Ok(bytes);
    }
    let hex_problem = if t.is_empty() {
        "is empty".to_string()
    } else if t.len() != 2 * TOKEN_LEN {
        format!("has {} characters", t.chars().count())
    } else {
        "contains a character that is not a hex digit".to_string()
    };
    match key_type {
        KeyType::Token => Err(format!(
            "key: a token is 32 hex digits; this one {hex_problem}"
        )),
        KeyType::Cloud => {
            let b = t.as_bytes();
            if b.len() == TOKEN_LEN && b.iter().all(|c| c.is_ascii_graphic()) {
                let mut key = [0u8; TOKEN_LEN];
                key.copy_from_slice(b);
                Ok(key)
            } else {
                Err(format!(
                    "key: a cloud key is 16 printable ASCII characters or 32 hex digits; this one {hex_problem}"
                ))
            }
        }
    }
}

/// Validates a whole row. `row` is its 1-based position when known; it and
/// the row's comment name the row in messages.
pub fn parse_row(raw: &RawRow<'_>, row: Option<u32>) -> Result<KeyEntry, String> {
    let label = row_label(raw, row);
    let in_row = |msg: String| format!("{label}: {msg}");
    let device_id = parse_device_id(raw.device_id).map_err(in_row)?;
    let key_type = parse_key_type(raw.key_type).map_err(in_row)?;
    let token = parse_key(key_type, raw.key).map_err(in_row)?;
    Ok(KeyEntry {
        device_id,
        key_type,
        key: DeviceKey::new(token),
        row: row.unwrap_or(0),
    })
}

/// ` (device 0a1b2c3d, "comment")`: what the user sees of the row in the
/// table, so the message leads to it. Never the key.
fn describe(raw: &RawRow<'_>) -> String {
    let mut parts = Vec::new();
    let device = raw.device_id.trim();
    if !device.is_empty() {
        parts.push(format!("device {}", printable(device, 24)));
    }
    let comment = raw.comment.trim();
    if !comment.is_empty() {
        parts.push(format!("\"{}\"", printable(comment, 40)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// 32 hex digits as 16 bytes; `None` for anything else.
pub(crate) fn decode_hex16(t: &str) -> Option<[u8; TOKEN_LEN]> {
    hex_bytes::<TOKEN_LEN>(t)
}

/// `N` bytes from exactly `2N` hex digits; `None` for anything else.
pub(crate) fn hex_bytes<const N: usize>(t: &str) -> Option<[u8; N]> {
    let b = t.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// The prefix of a refused row's message: `miio_keys row 3 (device X,
/// "comment")`, naming the row as the user sees it in the table. Never the key.
pub(crate) fn row_label(raw: &RawRow<'_>, row: Option<u32>) -> String {
    let position = row.map(|n| format!(" {n}")).unwrap_or_default();
    format!("miio_keys row{}{}", position, describe(raw))
}

/// User text quoted in a message: control and non-ASCII characters
/// escaped, capped, so a message stays short whatever was typed.
pub(crate) fn printable(s: &str, max_chars: usize) -> String {
    crate::text::capped(s, max_chars, |c| c.is_ascii_graphic() || c == ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";

    fn row<'a>(device_id: &'a str, key_type: &'a str, key: &'a str) -> RawRow<'a> {
        RawRow {
            device_id,
            key_type,
            key,
            comment: "vacuum",
        }
    }

    #[test]
    fn accepts_a_token_row() {
        let e = parse_row(&row("0a1b2c3d", "token", TOKEN), Some(1)).unwrap();
        assert_eq!(e.device_id, Some(0x0a1b2c3d));
        assert_eq!(e.key_type, KeyType::Token);
        assert_eq!(e.key.token()[0], 0x3f);
    }

    #[test]
    fn device_id_forms() {
        assert_eq!(parse_device_id(""), Ok(None));
        assert_eq!(parse_device_id("  "), Ok(None));
        assert_eq!(parse_device_id("0x0A1B2C3D"), Ok(Some(0x0a1b2c3d)));
        assert_eq!(parse_device_id("1b2c3d"), Ok(Some(0x1b2c3d)));
        assert!(parse_device_id("0x").is_err());
        assert!(parse_device_id("123456789").is_err());
        assert!(parse_device_id("0a1b2c3g").is_err());
        assert!(parse_device_id("-1").is_err());
    }

    #[test]
    fn bad_device_id_message_names_row_field_and_problem() {
        let err = parse_row(&row("0a1b2c3g", "token", TOKEN), Some(3)).unwrap_err();
        assert_eq!(
            err,
            "miio_keys row 3 (device 0a1b2c3g, \"vacuum\"): device_id: expected up to 8 hex digits (e.g. 0a1b2c3d) or empty for any device, got \"0a1b2c3g\""
        );
    }

    #[test]
    fn row_without_position_is_named_by_comment() {
        let err = parse_row(&row("xyz", "token", TOKEN), None).unwrap_err();
        assert!(
            err.starts_with("miio_keys row (device xyz, \"vacuum\"): device_id:"),
            "{err}"
        );
        let bare = RawRow {
            device_id: "",
            key_type: "token",
            key: "abc",
            comment: "",
        };
        let err = parse_row(&bare, None).unwrap_err();
        assert!(err.starts_with("miio_keys row: key:"), "{err}");
    }

    #[test]
    fn bad_token_messages() {
        let short = parse_row(&row("", "token", &TOKEN[..31]), Some(2)).unwrap_err();
        assert_eq!(
            short,
            "miio_keys row 2 (\"vacuum\"): key: a token is 32 hex digits; this one has 31 characters"
        );
        let nonhex = parse_row(
            &row("", "token", "zz4a1c2b9d8e7f60112233445566aa01"),
            Some(2),
        )
        .unwrap_err();
        assert!(
            nonhex.ends_with("contains a character that is not a hex digit"),
            "{nonhex}"
        );
        let empty = parse_row(&row("", "token", ""), Some(2)).unwrap_err();
        assert!(empty.ends_with("this one is empty"), "{empty}");
    }

    #[test]
    fn messages_never_contain_the_key() {
        let almost = &TOKEN[..30];
        let err = parse_row(&row("", "token", almost), Some(1)).unwrap_err();
        assert!(!err.contains(almost));
        let err = parse_row(&row("", "cloud", "abcdefghijklmnopq"), Some(1)).unwrap_err();
        assert!(!err.contains("abcdefghijklmnop"));
    }

    #[test]
    fn cloud_keys_ascii_or_hex() {
        let ascii = parse_row(&row("", "cloud", "AbCdEfGhIjKlMnOp"), Some(1)).unwrap();
        assert_eq!(ascii.key.token(), b"AbCdEfGhIjKlMnOp");
        assert_eq!(ascii.key_type, KeyType::Cloud);
        let hex = parse_row(&row("", "cloud", TOKEN), Some(1)).unwrap();
        assert_eq!(hex.key.token()[0], 0x3f);
        assert!(parse_row(&row("", "cloud", "short"), Some(1)).is_err());
        assert!(parse_row(&row("", "cloud", "with space inside"), Some(1)).is_err());
    }

    #[test]
    fn unknown_type_is_refused() {
        let err = parse_row(&row("", "password", TOKEN), Some(5)).unwrap_err();
        assert_eq!(
            err,
            "miio_keys row 5 (\"vacuum\"): type: expected \"token\", \"cloud\", \"roborock\", \"bindkey\" or \"ssecurity\", got \"password\""
        );
    }

    #[test]
    fn messages_stay_short_for_any_input() {
        // Found by the key_input fuzz target: invalid UTF-8 everywhere.
        let junk = "\u{fffd}".repeat(50);
        let raw = RawRow {
            device_id: &junk,
            key_type: "token",
            key: "k",
            comment: &junk,
        };
        let err = parse_row(&raw, Some(u32::MAX)).unwrap_err();
        assert!(err.len() < 300, "{} bytes: {err}", err.len());
    }

    #[test]
    fn hostile_text_is_escaped_and_capped() {
        let long = "x".repeat(10_000);
        let err = parse_device_id(&long).unwrap_err();
        assert!(err.len() < 200, "{}", err.len());
        let err = parse_device_id("\u{0}x\ty").unwrap_err();
        assert!(err.contains("\\u{0}x\\ty"), "{err}");
    }
}
