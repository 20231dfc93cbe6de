//! User- or wire-supplied text shown in messages and columns: one line,
//! escaped, and capped whatever the input.

/// `text` with every character that `keep` refuses escaped (`\n`,
/// `\u{7f}`, ...), at most `max_chars` characters of output, `…` when cut.
pub fn capped(text: &str, max_chars: usize, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len().min(4 * max_chars + 3));
    push_capped(&mut out, text, max_chars, keep);
    out
}

/// [`capped`], appended to `out`: Info texts are built in one string.
pub fn push_capped(out: &mut String, text: &str, max_chars: usize, keep: impl Fn(char) -> bool) {
    let mut used = 0;
    for c in text.chars() {
        let start = out.len();
        let width = if keep(c) {
            out.push(c);
            1
        } else {
            out.extend(c.escape_default());
            out[start..].chars().count()
        };
        if used + width > max_chars {
            out.truncate(start);
            out.push('…');
            break;
        }
        used += width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_caps_by_output_length() {
        assert_eq!(capped("a\nb", 10, |c| !c.is_control()), "a\\nb");
        assert_eq!(capped("abcdef", 3, |_| true), "abc…");
        assert_eq!(capped("\u{7f}\u{7f}", 8, |c| !c.is_control()), "\\u{7f}…");
        assert_eq!(capped("é", 10, |c| c.is_ascii()), "\\u{e9}");
    }
}
