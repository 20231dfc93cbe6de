//! Reading a text file of keys, for users who keep tokens from python-miio
//! or token extractors in a file. One key a line:
//!
//! ```text
//! # device_id  token                             comment
//! 0a1b2c3d     3f4a1c2b9d8e7f60112233445566aa01  vacuum
//! c0ffee00deadbeef0123456789abcdef                 (a token for any device)
//! ```
//!
//! Lines for Roborock devices, and Roborock home data (JSON), are read by
//! `roborock_file`; `model DEVICE_ID MODEL` lines (a device's MIoT model) by
//! `miot::models`; files other tools wrote (token extractor output, Home
//! Assistant's config entries, python-miio's cloud device list) by
//! `imports`, which tells the kinds apart. Bad lines are reported by number;
//! the good ones are used.

use std::path::Path;

use crate::keys::bindkey::BINDKEY_TYPE;
use crate::keys::imports;
use crate::keys::roborock::ROBOROCK_TYPE;
use crate::keys::roborock_file;
use crate::keys::{parse_device_id, parse_key, printable, KeyEntry, KeyType};
use crate::miio::crypto::DeviceKey;
use crate::miot::models::MODEL_LINE;
use crate::state::{DissectorState, KeyFileWatch};

/// Larger files are refused rather than read into memory.
const MAX_FILE_BYTES: u64 = 64 << 20;

/// What `use_file` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UseOutcome {
    /// The file was (re)read, dropped, or newly found unreadable.
    pub changed: bool,
    pub readable: bool,
    pub keys_loaded: usize,
    /// One message per refused line, or why the file cannot be read; only
    /// when `changed`, so each problem is reported once.
    pub report: Vec<String>,
}

/// Makes `path` the key file: reads it when it is new or changed since the
/// last read (size or modification time), otherwise keeps what was read.
/// An empty path drops the file's keys.
pub fn use_file(state: &mut DissectorState, path: &Path) -> UseOutcome {
    let watch = &state.key_file;
    if path.as_os_str().is_empty() {
        let changed = *watch != KeyFileWatch::default();
        if changed {
            state.keys.set_file_keys(Vec::new());
            state.roborock.set_file_keys(Vec::new());
            state.bindkeys.set_file_keys(Vec::new());
            state.miot.models.set_file(Vec::new());
            state.key_file = KeyFileWatch::default();
        }
        return UseOutcome {
            changed,
            readable: true,
            ..UseOutcome::default()
        };
    }
    let metadata = std::fs::metadata(path).and_then(|m| Ok((m.len(), m.modified()?)));
    let version = metadata.as_ref().ok().copied();
    if version.is_some() && watch.path == path && watch.version == version {
        return UseOutcome {
            readable: true,
            keys_loaded: watch.keys_loaded,
            ..UseOutcome::default()
        };
    }
    let contents = match metadata {
        Ok((len, _)) if len > MAX_FILE_BYTES => Err(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_FILE_BYTES >> 20
        ))),
        Ok(_) => std::fs::read(path),
        Err(e) => Err(e),
    };
    match contents {
        Ok(raw) => {
            let (found, status) = imports::read(&imports::text::decode(&raw));
            let keys_loaded = found.tokens.len() + found.roborock.len() + found.bindkeys.len();
            state.miot.models.set_file(found.models);
            state.bindkeys.set_file_keys(found.bindkeys);
            state.keys.set_file_keys(found.tokens);
            state.roborock.set_file_keys(found.roborock);
            state.key_file = KeyFileWatch {
                path: path.to_path_buf(),
                version,
                keys_loaded,
                error: None,
            };
            let status = status.map(|s| format!("key file {}: {s}", path.display()));
            let problems = found
                .problems
                .into_iter()
                .map(|p| format!("key file {} {p}", path.display()));
            UseOutcome {
                changed: true,
                readable: true,
                keys_loaded,
                report: status.into_iter().chain(problems).collect(),
            }
        }
        Err(e) => {
            let message = format!("key file {}: cannot read it: {e}", path.display());
            let changed = watch.path != path || watch.error.as_deref() != Some(message.as_str());
            if changed {
                state.keys.set_file_keys(Vec::new());
                state.roborock.set_file_keys(Vec::new());
                state.bindkeys.set_file_keys(Vec::new());
                state.miot.models.set_file(Vec::new());
                state.key_file = KeyFileWatch {
                    path: path.to_path_buf(),
                    error: Some(message.clone()),
                    ..KeyFileWatch::default()
                };
            }
            let report = if changed { vec![message] } else { Vec::new() };
            UseOutcome {
                changed,
                readable: false,
                keys_loaded: 0,
                report,
            }
        }
    }
}

/// Longest line quoted back in a message.
const MAX_QUOTED: usize = 40;

/// The keys of a file, and one message per refused line.
pub fn parse(text: &[u8]) -> (Vec<KeyEntry>, Vec<String>) {
    parse_lines(text, false)
}

/// [`parse`]; with `among_other_text` (the file is a tool's output with key
/// lines in it), a line whose first word is neither a device id nor a token
/// is the tool's text, passed over rather than refused.
pub(crate) fn parse_lines(text: &[u8], among_other_text: bool) -> (Vec<KeyEntry>, Vec<String>) {
    let mut keys = Vec::new();
    if roborock_file::is_json(text) {
        // Roborock home data: read by roborock_file, no miIO keys in it.
        return (keys, Vec::new());
    }
    let mut problems = Vec::new();
    for (i, raw_line) in text.split(|&b| b == b'\n').enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match std::str::from_utf8(raw_line) {
            Ok(line) => match parse_line(line, number, among_other_text) {
                Ok(Some(entry)) => keys.push(entry),
                Ok(None) => {}
                Err(why) => problems.push(format!("line {number}: {why}")),
            },
            Err(_) => problems.push(format!("line {number}: not UTF-8 text")),
        }
    }
    (keys, problems)
}

/// `Ok(None)` for blank and comment lines, and for other text when
/// `among_other_text`.
fn parse_line(line: &str, number: u32, among_other_text: bool) -> Result<Option<KeyEntry>, String> {
    let content = line.split('#').next().unwrap_or("").trim();
    if content.is_empty() {
        return Ok(None);
    }
    if content.contains('\0') {
        return Err("contains a NUL byte".into());
    }
    let mut fields = content.split_whitespace();
    let first = fields.next().unwrap_or("");
    if first == ROBOROCK_TYPE || first == MODEL_LINE || first == BINDKEY_TYPE {
        return Ok(None); // read by roborock_file, miot::models, bindkey
    }
    let entry = |device_id, token| KeyEntry {
        device_id,
        key_type: KeyType::Token,
        key: DeviceKey::new(token),
        row: number,
    };

    // "token [comment]": a token for any device.
    if let Ok(token) = parse_key(KeyType::Token, first) {
        return Ok(Some(entry(None, token)));
    }
    if among_other_text && parse_device_id(first).is_err() {
        return Ok(None);
    }
    // "device_id token [comment]".
    let device_id = parse_device_id(first).map_err(|_| {
        format!(
            "expected \"device_id token [comment]\" or \"token [comment]\"; \"{}\" is neither a device id nor a token",
            printable(first, MAX_QUOTED)
        )
    })?;
    let Some(second) = fields.next() else {
        return Err("a device id without a token".into());
    };
    let token = parse_key(KeyType::Token, second)?;
    Ok(Some(entry(device_id, token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";

    #[test]
    fn device_lines_token_lines_comments_and_blanks() {
        let text = format!(
            "# tokens\n\n0a1b2c3d {TOKEN} vacuum in the hall\n{TOKEN}  # any device\n  0x1B2C3D4E\t{TOKEN}\r\n"
        );
        let (keys, problems) = parse(text.as_bytes());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(keys.len(), 3);
        assert_eq!((keys[0].device_id, keys[0].row), (Some(0x0a1b2c3d), 3));
        assert_eq!((keys[1].device_id, keys[1].row), (None, 4));
        assert_eq!((keys[2].device_id, keys[2].row), (Some(0x1b2c3d4e), 5));
        assert_eq!(keys[2].key.token()[0], 0x3f);
    }

    #[test]
    fn bad_lines_are_reported_by_number_and_good_ones_kept() {
        let text = format!("0a1b2c3d {TOKEN}\nzz {TOKEN}\n0a1b2c3d\n0a1b2c3d abc\n{TOKEN}\n");
        let (keys, problems) = parse(text.as_bytes());
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].row, 5);
        assert_eq!(
            problems,
            [
                "line 2: expected \"device_id token [comment]\" or \"token [comment]\"; \"zz\" is neither a device id nor a token",
                "line 3: a device id without a token",
                "line 4: key: a token is 32 hex digits; this one has 3 characters",
            ]
        );
    }

    #[test]
    fn hostile_content() {
        let mut text = b"\xff\xfe\n".to_vec();
        text.extend_from_slice(format!("{}\n", "x".repeat(100_000)).as_bytes());
        text.extend_from_slice(b"0a1b\0 zz\n");
        let (keys, problems) = parse(&text);
        assert!(keys.is_empty());
        assert_eq!(problems[0], "line 1: not UTF-8 text");
        assert!(problems[1].len() < 200, "long line quoted in full");
        assert_eq!(problems[2], "line 3: contains a NUL byte");
    }

    #[test]
    fn file_is_read_again_only_when_it_changes() {
        let dir = std::env::temp_dir().join(format!("miio-key-file-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.txt");
        std::fs::write(&path, format!("0a1b2c3d {TOKEN}\nnonsense line\n")).unwrap();
        let mut state = DissectorState::default();

        let first = use_file(&mut state, &path);
        assert!(first.changed && first.readable);
        assert_eq!(first.keys_loaded, 1);
        assert_eq!(first.report.len(), 1);
        assert!(first.report[0].ends_with("line 2: expected \"device_id token [comment]\" or \"token [comment]\"; \"nonsense\" is neither a device id nor a token"), "{:?}", first.report);
        assert_eq!(state.keys.configured_len(), 1);

        let again = use_file(&mut state, &path);
        assert_eq!(
            again,
            UseOutcome {
                changed: false,
                readable: true,
                keys_loaded: 1,
                report: vec![]
            }
        );

        std::fs::write(&path, format!("{TOKEN}\n{TOKEN}\n{TOKEN}\n")).unwrap();
        let edited = use_file(&mut state, &path);
        assert!(edited.changed);
        assert_eq!(edited.keys_loaded, 3);

        std::fs::remove_file(&path).unwrap();
        let gone = use_file(&mut state, &path);
        assert!(gone.changed && !gone.readable);
        assert!(
            gone.report[0].contains("cannot read it"),
            "{:?}",
            gone.report
        );
        assert_eq!(state.keys.configured_len(), 0);
        assert!(!use_file(&mut state, &path).changed, "reported once");

        assert!(!use_file(&mut state, Path::new(""))
            .report
            .iter()
            .any(|_| true));
        assert_eq!(state.key_file, KeyFileWatch::default());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn many_lines() {
        let text: String = (0..100_000u32)
            .map(|i| format!("{i:08x} {i:032x}\n"))
            .collect();
        let (keys, problems) = parse(text.as_bytes());
        assert_eq!(keys.len(), 100_000);
        assert!(problems.is_empty());
    }
}
