//! MiBeacon bindkeys: `miio_keys` rows of type `bindkey` (`device_id` the
//! advertiser's MAC or empty for any device, `key` 32 hex digits for v4/v5
//! frames or 24 for v2/v3), and key-file lines `bindkey MAC KEY [comment]`
//! or `bindkey KEY`. Token extractors print the key as "BLE KEY"; the Mi
//! cloud call that gives it is `blt_get_beaconkey`.

use super::lines::device_key_lines;
use super::row::{hex_bytes, printable, row_label, RawRow};

pub const BINDKEY_TYPE: &str = "bindkey";

/// A bindkey: 16 bytes (v4/v5, AES-CCM) or 12 (v2/v3 legacy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bindkey {
    Ccm([u8; 16]),
    Legacy([u8; 12]),
}

impl Bindkey {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Bindkey::Ccm(k) => k,
            Bindkey::Legacy(k) => k,
        }
    }

    pub fn is_legacy(&self) -> bool {
        matches!(self, Bindkey::Legacy(_))
    }
}

/// A validated bindkey row or key-file line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindkeyEntry {
    /// The advertiser, display order; `None` = any device.
    pub mac: Option<[u8; 6]>,
    pub key: Bindkey,
    /// 1-based row of the table, or line of the key file.
    pub row: u32,
}

/// A MAC: six hex pairs, separated by `:` or `-` or not at all, any case.
pub fn parse_mac(text: &str) -> Result<Option<[u8; 6]>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let digits: String = t.chars().filter(|c| *c != ':' && *c != '-').collect();
    let separators_fit = t.len() == 12 || (t.len() == 17 && t.len() - digits.len() == 5);
    match hex_bytes::<6>(&digits) {
        Some(mac) if separators_fit => Ok(Some(mac)),
        _ => Err(format!(
            "device_id: a bindkey's device is the advertiser's MAC (e.g. A4:C1:38:02:83:F4, with or without colons), or empty for any device; got \"{}\"",
            printable(t, 24)
        )),
    }
}

/// A bindkey: 32 hex digits (v4/v5) or 24 (v2/v3). Messages never repeat it.
pub fn parse_bindkey(text: &str) -> Result<Bindkey, String> {
    let t = text.trim();
    if let Some(k) = hex_bytes::<16>(t) {
        return Ok(Bindkey::Ccm(k));
    }
    if let Some(k) = hex_bytes::<12>(t) {
        return Ok(Bindkey::Legacy(k));
    }
    let problem = if t.is_empty() {
        "is empty".to_string()
    } else if t.len() != 32 && t.len() != 24 {
        format!("has {} characters", t.chars().count())
    } else {
        "contains a character that is not a hex digit".to_string()
    };
    Err(format!(
        "key: a bindkey is 32 hex digits (MiBeacon v4/v5) or 24 (v2/v3); this one {problem}"
    ))
}

/// Validates a `bindkey` row of the table.
pub fn parse_bindkey_row(raw: &RawRow<'_>, row: Option<u32>) -> Result<BindkeyEntry, String> {
    let label = row_label(raw, row);
    let in_row = |msg: String| format!("{label}: {msg}");
    Ok(BindkeyEntry {
        mac: parse_mac(raw.device_id).map_err(in_row)?,
        key: parse_bindkey(raw.key).map_err(in_row)?,
        row: row.unwrap_or(0),
    })
}

/// The bindkey lines of a key file, and one message per refused line.
pub fn parse_file(text: &[u8]) -> (Vec<BindkeyEntry>, Vec<String>) {
    device_key_lines(
        text,
        BINDKEY_TYPE,
        parse_mac,
        parse_bindkey,
        |mac, key, row| BindkeyEntry { mac, key, row },
    )
}

/// `A4:C1:38:02:83:F4`.
pub fn mac_text(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "e9ea895fac7cca6d30532432a516f3a8";

    fn raw<'a>(device_id: &'a str, key: &'a str) -> RawRow<'a> {
        RawRow {
            device_id,
            key_type: "bindkey",
            key,
            comment: "hall",
        }
    }

    #[test]
    fn mac_forms() {
        let want = Some([0xA4, 0xC1, 0x38, 0x02, 0x83, 0xF4]);
        for t in [
            "A4:C1:38:02:83:F4",
            "a4:c1:38:02:83:f4",
            "A4C1380283F4",
            "a4-c1-38-02-83-f4",
        ] {
            assert_eq!(parse_mac(t), Ok(want), "{t}");
        }
        assert_eq!(parse_mac(" "), Ok(None));
        for bad in [
            "A4:C1:38:02:83",
            "A4:C1:38:02:83:F4:00",
            "A4::C1380283F4",
            "G4C1380283F4",
        ] {
            assert!(parse_mac(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rows_of_both_key_lengths() {
        let e = parse_bindkey_row(&raw("A4:C1:38:02:83:F4", KEY), Some(3)).unwrap();
        assert_eq!(e.mac, Some([0xA4, 0xC1, 0x38, 0x02, 0x83, 0xF4]));
        assert_eq!(
            (e.key.bytes()[0], e.key.is_legacy(), e.row),
            (0xe9, false, 3)
        );
        let legacy = parse_bindkey_row(&raw("", &KEY[..24]), Some(1)).unwrap();
        assert!(legacy.key.is_legacy() && legacy.mac.is_none());
    }

    #[test]
    fn refusals_name_the_row_and_never_the_key() {
        let err = parse_bindkey_row(&raw("A4:C1:38:02:83:F4", &KEY[..30]), Some(4)).unwrap_err();
        assert_eq!(
            err,
            "miio_keys row 4 (device A4:C1:38:02:83:F4, \"hall\"): key: a bindkey is 32 hex digits (MiBeacon v4/v5) or 24 (v2/v3); this one has 30 characters"
        );
        let err = parse_bindkey_row(&raw("0a1b2c3d", KEY), Some(5)).unwrap_err();
        assert!(
            err.starts_with("miio_keys row 5 (device 0a1b2c3d, \"hall\"): device_id: a bindkey's device is the advertiser's MAC"),
            "{err}"
        );
        let nonhex = format!("z{}", &KEY[1..]);
        let err = parse_bindkey_row(&raw("", &nonhex), None).unwrap_err();
        assert!(
            err.ends_with("contains a character that is not a hex digit")
                && !err.contains(&KEY[1..])
        );
    }

    #[test]
    fn key_file_lines() {
        let text = format!(
            "0a1b2c3d 3f4a1c2b9d8e7f60112233445566aa01\nbindkey A4:C1:38:02:83:F4 {KEY} hall\nbindkey {}\nbindkey A4:C1:38:02:83 {KEY}\nbindkey\n",
            &KEY[..24]
        );
        let (keys, problems) = parse_file(text.as_bytes());
        assert_eq!(keys.len(), 2);
        assert_eq!((keys[0].row, keys[1].row, keys[1].mac), (2, 3, None));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("line 4: device_id: a bindkey's device"),
            "{problems:?}"
        );
        assert_eq!(problems[1], "line 5: \"bindkey\" without a key");
    }
}
