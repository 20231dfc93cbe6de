//! Key-file lines of the form `WORD [DEVICE] KEY [comment]` (Roborock local
//! keys, MiBeacon bindkeys): each device and key validated by the caller's
//! parsers, one message per refused line, by number.

/// The entries of the lines that start with `word`; `#` starts a comment.
pub(crate) fn device_key_lines<D, K, E>(
    text: &[u8],
    word: &str,
    device: impl Fn(&str) -> Result<Option<D>, String>,
    key: impl Fn(&str) -> Result<K, String>,
    entry: impl Fn(Option<D>, K, u32) -> E,
) -> (Vec<E>, Vec<String>) {
    let (mut entries, mut problems) = (Vec::new(), Vec::new());
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let Ok(line) = std::str::from_utf8(raw) else {
            continue;
        };
        let content = line.split('#').next().unwrap_or("").trim();
        let mut fields = content.split_whitespace();
        if fields.next() != Some(word) {
            continue;
        }
        let parsed = match (fields.next(), fields.next()) {
            (Some(k), None) => key(k).map(|k| (None, k)),
            (Some(d), Some(k)) => device(d).and_then(|d| key(k).map(|k| (d, k))),
            (None, _) => Err(format!("\"{word}\" without a key")),
        };
        match parsed {
            Ok((d, k)) => entries.push(entry(d, k, number)),
            Err(why) => problems.push(format!("line {number}: {why}")),
        }
    }
    (entries, problems)
}
