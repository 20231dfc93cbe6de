//! Text as other tools leave it: byte-order marks, UTF-16 (Windows
//! PowerShell 5's `>` writes it), terminal colour codes, and where in a JSON
//! file a value stands (its line, for the dissection's "file line").

use std::borrow::Cow;
use std::collections::HashMap;

/// The file as UTF-8: a UTF-8 byte-order mark dropped (Notepad writes one),
/// UTF-16 with its mark decoded. Anything else is returned as it is.
pub fn decode(bytes: &[u8]) -> Cow<'_, [u8]> {
    match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => Cow::Borrowed(rest),
        [0xff, 0xfe, rest @ ..] => Cow::Owned(utf16(rest, u16::from_le_bytes)),
        [0xfe, 0xff, rest @ ..] => Cow::Owned(utf16(rest, u16::from_be_bytes)),
        _ => Cow::Borrowed(bytes),
    }
}

fn utf16(body: &[u8], unit: fn([u8; 2]) -> u16) -> Vec<u8> {
    let units = body.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

/// `line` without ANSI escape sequences (colorama's `Fore.YELLOW`, `\e[0m`):
/// newer extractors colour their labels, and the colours stay in a
/// redirected file.
pub fn strip_ansi(line: &str) -> Cow<'_, str> {
    if !line.contains('\u{1b}') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        // CSI: ESC [ parameters, ended by a byte in @..~; else ESC and one.
        if chars.next() == Some('[') {
            for end in chars.by_ref() {
                if ('@'..='~').contains(&end) {
                    break;
                }
            }
        }
    }
    Cow::Owned(out)
}

/// The line of each quoted string of a JSON text, first occurrence wins.
/// Built once: looking every value up in the whole text would be slow on a
/// large file. Escaped quotes are not followed; a line number is a pointer
/// for the user, not data.
pub struct Lines<'a>(HashMap<&'a [u8], u32>);

/// Strings indexed at most: a real file has some thousands; a hostile one
/// must not cost gigabytes (its later values get line 0).
const MAX_INDEXED: usize = 200_000;

impl<'a> Lines<'a> {
    pub fn new(text: &'a [u8]) -> Lines<'a> {
        let mut map = HashMap::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for quoted in line.split(|&b| b == b'"').skip(1).step_by(2) {
                if map.len() >= MAX_INDEXED {
                    return Lines(map);
                }
                map.entry(quoted).or_insert(number);
            }
        }
        Lines(map)
    }

    /// 0 when the value is not found as a quoted string.
    pub fn of(&self, value: &str) -> u32 {
        self.0.get(value.as_bytes()).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_marks_and_utf16() {
        assert_eq!(&*decode(b"\xef\xbb\xbfab"), b"ab");
        assert_eq!(&*decode(b"\xff\xfea\0b\0\n\0"), b"ab\n");
        assert_eq!(&*decode(b"\xfe\xff\0a\0b"), b"ab");
        assert_eq!(&*decode("\u{feff}".as_bytes()), b"");
        assert_eq!(&*decode(b"plain"), b"plain");
        // A lone surrogate and an odd last byte do not stop the reading.
        assert_eq!(&*decode(b"\xff\xfe\x00\xd8a\0x"), "\u{fffd}a".as_bytes());
    }

    #[test]
    fn colour_codes_are_removed() {
        assert_eq!(
            strip_ansi("   \u{1b}[33mTOKEN:    \u{1b}[0m3f4a"),
            "   TOKEN:    3f4a"
        );
        assert_eq!(strip_ansi("\u{1b}[1;94m---\u{1b}"), "---");
        assert!(matches!(strip_ansi("no colour"), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_of_quoted_values() {
        let text = b"{\n  \"token\": \"ab\",\n  \"other\": \"ab\",\n  \"x\": \"c\\\"d\"\n}";
        let lines = Lines::new(text);
        assert_eq!(lines.of("ab"), 2);
        assert_eq!(lines.of("token"), 2);
        assert_eq!(lines.of("x"), 4);
        assert_eq!(lines.of("missing"), 0);
        let many: String = (0..MAX_INDEXED + 5).map(|i| format!("\"{i}\",")).collect();
        let lines = Lines::new(many.as_bytes());
        assert_eq!((lines.of("0"), lines.of(&MAX_INDEXED.to_string())), (1, 0));
    }
}
