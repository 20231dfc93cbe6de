//! Key files other tools wrote, read as they are, so users need not copy
//! keys by hand: Xiaomi-cloud-tokens-extractor's printed output
//! (`extractor`, also among ordinary key lines) and its `--output` JSON,
//! Home Assistant's `.storage/core.config_entries` (`home_assistant`), and
//! the Xiaomi cloud device list python-miio prints (`cloud_list`). Each is
//! told by its shape, not its file name, and counted in a status line.
//! Files of key lines and Roborock home data read as before.

mod cloud_list;
mod device;
mod extractor;
mod home_assistant;
pub mod text;

use serde_json::Value;

use super::bindkey::{self, BindkeyEntry};
use super::file::parse_lines;
use super::roborock::RoborockKeyEntry;
use super::roborock_file;
use super::KeyEntry;
use crate::miot::models;

/// A kind of file this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Extractor,
    ExtractorJson,
    HomeAssistant,
    CloudList,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Extractor => "Xiaomi-cloud-tokens-extractor output",
            Format::ExtractorJson => "Xiaomi-cloud-tokens-extractor JSON output",
            Format::HomeAssistant => "Home Assistant core.config_entries",
            Format::CloudList => "Xiaomi cloud device list (python-miio)",
        }
    }

    /// How messages name the file: `device 2 of the …`.
    fn short_name(self) -> &'static str {
        match self {
            Format::Extractor | Format::ExtractorJson => "extractor output",
            Format::HomeAssistant => "core.config_entries",
            Format::CloudList => "cloud device list",
        }
    }
}

/// Everything a key file gives, whatever its kind.
#[derive(Debug, Default)]
pub struct Imported {
    pub tokens: Vec<KeyEntry>,
    pub roborock: Vec<RoborockKeyEntry>,
    /// (device id, model, line)
    pub models: Vec<(u32, String, u32)>,
    pub bindkeys: Vec<BindkeyEntry>,
    /// One message per refused line or entry.
    pub problems: Vec<String>,
    /// Devices (or config entries) read.
    pub devices: usize,
    /// Home Assistant Roborock entries without home data in them.
    pub roborock_entries_without_keys: usize,
}

impl Imported {
    fn extend(&mut self, other: Imported) {
        self.tokens.extend(other.tokens);
        self.roborock.extend(other.roborock);
        self.models.extend(other.models);
        self.bindkeys.extend(other.bindkeys);
        self.problems.extend(other.problems);
        self.devices += other.devices;
        self.roborock_entries_without_keys += other.roborock_entries_without_keys;
    }
}

/// Reads a key file's text (see `text::decode`): what it gives, and a
/// status line saying what kind of file it was, for every kind but plain
/// key lines (those report only what they refuse, as before).
pub fn read(text: &[u8]) -> (Imported, Option<String>) {
    if let Some((format, found)) = read_json(text) {
        let status = status(format, &found);
        return (found, Some(status));
    }
    if roborock_file::is_json(text) {
        return roborock_home_data(text);
    }
    let is_extractor = extractor::is_output(text);
    let mut found = if is_extractor {
        extractor::read(text)
    } else {
        Imported::default()
    };
    found.extend(key_lines(text, is_extractor));
    let status = is_extractor.then(|| status(Format::Extractor, &found));
    (found, status)
}

/// The key lines of a text: miIO, `roborock`, `model` and `bindkey` lines.
/// Among the extractor's output, lines that are no key line at all (its
/// banner, prompts and labels) are passed over rather than refused.
fn key_lines(text: &[u8], among_other_text: bool) -> Imported {
    let (tokens, mut problems) = parse_lines(text, among_other_text);
    let (roborock, more) = roborock_file::parse(text);
    problems.extend(more);
    let (models, more) = models::parse_file(text);
    problems.extend(more);
    let (bindkeys, more) = bindkey::parse_file(text);
    problems.extend(more);
    Imported {
        tokens,
        roborock,
        models,
        bindkeys,
        problems,
        ..Imported::default()
    }
}

/// JSON that is neither of the imported kinds: Roborock home data, read
/// by `roborock_file` as before. Unreadable JSON is its message alone.
fn roborock_home_data(text: &[u8]) -> (Imported, Option<String>) {
    let (roborock, problems) = roborock_file::parse(text);
    let status = match (roborock.len(), problems.is_empty()) {
        (0, true) => Some(
            "JSON of no kind read here (Roborock home data, Home Assistant core.config_entries, a Xiaomi cloud device list): no keys"
                .to_string(),
        ),
        (0, false) => None,
        (n, _) => Some(format!("Roborock home data: {}", plural(n, "Roborock key", "Roborock keys"))),
    };
    let found = Imported {
        roborock,
        problems,
        ..Imported::default()
    };
    (found, status)
}

/// Home Assistant's config entries or a cloud device list, if the text is
/// one of them.
fn read_json(text: &[u8]) -> Option<(Format, Imported)> {
    let value = json_value(text)?;
    let lines = text::Lines::new(text);
    if let Some(entries) = home_assistant::entries(&value) {
        return Some((Format::HomeAssistant, home_assistant::read(entries, &lines)));
    }
    cloud_list::read(&value, &lines)
}

/// The JSON document of the text. Besides text that is JSON, this takes
/// JSON after prompts on the first line: `miiocli cloud list --raw >
/// file` writes click's prompts (`Username: Password: Locale (…): `) to the
/// file before the list.
fn json_value(text: &[u8]) -> Option<Value> {
    if roborock_file::is_json(text) {
        return serde_json::from_slice(text).ok();
    }
    let first_line_end = text.iter().position(|&b| b == b'\n')?;
    let first = &text[..first_line_end];
    let start = first.iter().rposition(|&b| b == b'[' || b == b'{')?;
    if first[start + 1..].iter().any(|b| !b.is_ascii_whitespace()) {
        return None;
    }
    serde_json::from_slice(&text[start..]).ok()
}

/// `Xiaomi-cloud-tokens-extractor output, 5 devices: 3 tokens, 3 models,
/// 2 bindkeys; 1 refused`.
pub fn status(format: Format, found: &Imported) -> String {
    let unit = match format {
        Format::HomeAssistant => plural(found.devices, "entry", "entries"),
        _ => plural(found.devices, "device", "devices"),
    };
    let counts: Vec<String> = [
        (found.tokens.len(), "token", "tokens"),
        (found.models.len(), "model", "models"),
        (found.bindkeys.len(), "bindkey", "bindkeys"),
        (found.roborock.len(), "Roborock key", "Roborock keys"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| plural(n, one, many))
    .collect();
    let gave = if counts.is_empty() {
        "no keys".to_string()
    } else {
        counts.join(", ")
    };
    let mut line = format!("{}, {unit}: {gave}", format.name());
    if found.roborock_entries_without_keys > 0 {
        let n = found.roborock_entries_without_keys;
        line += &format!(
            "; {} without local keys",
            plural(n, "Roborock entry", "Roborock entries")
        );
    }
    if !found.problems.is_empty() {
        line += &format!("; {} refused", found.problems.len());
    }
    line
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests;
