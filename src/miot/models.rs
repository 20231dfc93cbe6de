//! Which model each device is: learned from the capture (`miIO.info`
//! replies, `_otc.info` requests to the cloud) or configured by the user
//! (key file lines `model DEVICE_ID MODEL`, `model=MODEL` in the comment of
//! a key table row with a device id). What the capture says wins: it is the
//! device's own word.

use std::collections::HashMap;
use std::sync::Arc;

/// Where a model came from (the ABI's `miio_model_source`, with its ref).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    InfoReply(u32),
    OtcInfo(u32),
    /// The Mi cloud API's device list reply in frame N.
    MicloudReply(u32),
    /// The device's mDNS announcement in frame N.
    Mdns(u32),
    FileLine(u32),
    TableRow(u32),
}

#[derive(Debug, Default)]
pub struct Models {
    // Shared, not copied: every frame of a device carries its model.
    table: HashMap<u32, (Arc<str>, ModelSource)>,
    file: HashMap<u32, (Arc<str>, ModelSource)>,
    learned: HashMap<u32, (Arc<str>, ModelSource)>,
    /// Cloud device ids (`blt.3.…` as well as decimal miIO ids) from device
    /// lists: Mi cloud calls name devices so.
    by_did: HashMap<String, (Arc<str>, ModelSource)>,
}

/// More cloud devices than this start the memory over (a hostile capture).
const MAX_DIDS: usize = 4096;

/// The first word of a key file line that gives a model.
pub const MODEL_LINE: &str = "model";

/// Longest model name kept (real ones are ~25 characters).
pub const MAX_MODEL_CHARS: usize = 63;

/// A model name as devices write it (`zhimi.airp.rmb1`), else `None`:
/// text from the traffic ends up in file names.
pub fn valid_model(text: &str) -> Option<&str> {
    let ok = !text.is_empty()
        && text.len() <= MAX_MODEL_CHARS
        && !text.starts_with('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(text)
}

impl Models {
    pub fn model(&self, device_id: u32) -> Option<(Arc<str>, ModelSource)> {
        [&self.learned, &self.file, &self.table]
            .into_iter()
            .find_map(|m| m.get(&device_id))
            .map(|(name, source)| (name.clone(), *source))
    }

    /// Remembers what a frame said; the first word of the capture stays.
    pub fn learn(&mut self, device_id: u32, model: &str, source: ModelSource) {
        if let Some(model) = valid_model(model) {
            self.learned
                .entry(device_id)
                .or_insert_with(|| (model.into(), source));
        }
    }

    pub fn set_table(&mut self, rows: Vec<(u32, String, u32)>) {
        self.table = rows
            .into_iter()
            .map(|(d, m, row)| (d, (m.into(), ModelSource::TableRow(row))))
            .collect();
    }

    pub fn set_file(&mut self, lines: Vec<(u32, String, u32)>) {
        self.file = lines
            .into_iter()
            .map(|(d, m, line)| (d, (m.into(), ModelSource::FileLine(line))))
            .collect();
    }

    pub fn forget_capture(&mut self) {
        self.learned.clear();
        self.by_did.clear();
    }

    /// A cloud device id's model (a device list named it), else the miIO
    /// device's, for a decimal id.
    pub fn model_of_did(&self, did: &str) -> Option<(Arc<str>, ModelSource)> {
        self.by_did
            .get(did)
            .map(|(name, source)| (name.clone(), *source))
            .or_else(|| did.parse().ok().and_then(|id| self.model(id)))
    }

    /// Remembers a cloud device's model; the first word of the capture stays.
    pub fn learn_did(&mut self, did: &str, model: &str, source: ModelSource) {
        let Some(model) = valid_model(model) else {
            return;
        };
        if self.by_did.len() >= MAX_DIDS && !self.by_did.contains_key(did) {
            self.by_did.clear();
        }
        self.by_did
            .entry(did.to_string())
            .or_insert_with(|| (model.into(), source));
    }
}

/// `model=MODEL` in a key table row's comment.
pub fn model_in_comment(comment: &str) -> Option<&str> {
    comment
        .split_whitespace()
        .find_map(|word| word.strip_prefix("model="))
        .and_then(valid_model)
}

/// The `model DEVICE_ID MODEL` lines of a key file, and one message per bad
/// one. Other lines are the key file's own.
pub fn parse_file(text: &[u8]) -> (Vec<(u32, String, u32)>, Vec<String>) {
    let (mut models, mut problems) = (Vec::new(), Vec::new());
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let Ok(line) = std::str::from_utf8(raw) else {
            continue;
        };
        let mut fields = line.split('#').next().unwrap_or("").split_whitespace();
        if fields.next() != Some(MODEL_LINE) {
            continue;
        }
        let device = fields.next().map(crate::keys::parse_device_id);
        match (device, fields.next()) {
            (Some(Ok(Some(device_id))), Some(model)) => match valid_model(model) {
                Some(model) => models.push((device_id, model.to_string(), number)),
                None => problems.push(format!(
                    "line {number}: \"{}\" is not a model name (letters, digits, '.', '_', '-'; up to {MAX_MODEL_CHARS})",
                    crate::keys::printable(model, 40)
                )),
            },
            (Some(Ok(Some(_))), None) => {
                problems.push(format!("line {number}: \"model\" and a device id without a model"))
            }
            _ => problems.push(format!(
                "line {number}: expected \"model DEVICE_ID MODEL\" (device id: up to 8 hex digits)"
            )),
        }
    }
    (models, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_lines() {
        let text = b"0a1b2c3d 3f4a1c2b9d8e7f60112233445566aa01\nmodel 49567965 zhimi.airp.rmb1 # purifier\nmodel 49567965\nmodel zz x\nmodel 1 ../etc/passwd\n";
        let (models, problems) = parse_file(text);
        assert_eq!(models, [(0x49567965, "zhimi.airp.rmb1".to_string(), 2)]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("line 3:"));
        assert!(problems[2].contains("not a model name"));
    }

    #[test]
    fn learned_beats_configured_and_first_word_stays() {
        let mut m = Models::default();
        m.set_table(vec![(7, "a.b.c".into(), 1)]);
        assert_eq!(m.model(7), Some(("a.b.c".into(), ModelSource::TableRow(1))));
        m.learn(7, "x.y.z", ModelSource::InfoReply(8));
        m.learn(7, "later.one", ModelSource::InfoReply(20));
        m.learn(9, "bad model", ModelSource::InfoReply(21));
        assert_eq!(
            m.model(7),
            Some(("x.y.z".into(), ModelSource::InfoReply(8)))
        );
        assert_eq!(m.model(9), None);
        m.forget_capture();
        assert_eq!(m.model(7).map(|x| x.0), Some("a.b.c".into()));
        assert_eq!(
            model_in_comment("purifier model=zhimi.airp.rmb1"),
            Some("zhimi.airp.rmb1")
        );
    }
}
