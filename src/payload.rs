//! Reading the decrypted JSON: a one-line summary for the Info column.

use serde_json::Value;

const MAX_METHOD_CHARS: usize = 64;
const MAX_MESSAGE_CHARS: usize = 80;

/// "get_status id=12", "reply id=12 ok", "reply id=12 error -32601 Method not found.".
/// `None` when the plaintext is not a JSON object.
pub fn describe(plaintext: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(plaintext).ok()?;
    let obj = value.as_object()?;
    let id = obj.get("id").map(|v| format!(" id={}", scalar(v, 20))).unwrap_or_default();

    if let Some(method) = obj.get("method") {
        return Some(format!("{}{}", scalar(method, MAX_METHOD_CHARS), id));
    }
    if let Some(err) = obj.get("error") {
        let code = err.get("code").map(|c| format!(" {}", scalar(c, 20))).unwrap_or_default();
        let message = err
            .get("message")
            .map(|m| format!(" {}", scalar(m, MAX_MESSAGE_CHARS)))
            .unwrap_or_default();
        return Some(format!("reply{id} error{code}{message}"));
    }
    if obj.contains_key("result") {
        return Some(format!("reply{id} ok"));
    }
    Some(format!("json{id}"))
}

/// A JSON value as short, single-line text: strings without quotes,
/// control characters escaped, at most `max_chars` characters.
fn scalar(v: &Value, max_chars: usize) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out: String = text
        .chars()
        .take(max_chars)
        .flat_map(|c| -> Box<dyn Iterator<Item = char>> {
            if c.is_control() { Box::new(c.escape_default()) } else { Box::new(std::iter::once(c)) }
        })
        .collect();
    if text.chars().count() > max_chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request() {
        assert_eq!(
            describe(br#"{"id":12,"method":"get_status","params":[]}"#).as_deref(),
            Some("get_status id=12")
        );
    }

    #[test]
    fn replies() {
        assert_eq!(describe(br#"{"id":12,"result":["ok"]}"#).as_deref(), Some("reply id=12 ok"));
        assert_eq!(
            describe(br#"{"id":12,"error":{"code":-32601,"message":"Method not found."}}"#).as_deref(),
            Some("reply id=12 error -32601 Method not found.")
        );
    }

    #[test]
    fn not_json_or_not_object() {
        assert_eq!(describe(b"{\"id\":1,,}"), None);
        assert_eq!(describe(b"[1,2]"), None);
        assert_eq!(describe(b"\xff\xfe"), None);
        assert_eq!(describe(b""), None);
    }

    #[test]
    fn hostile_method_is_escaped_and_capped() {
        let long = format!(r#"{{"id":1,"method":"{}"}}"#, "m".repeat(500));
        let d = describe(long.as_bytes()).unwrap();
        assert!(d.chars().count() < 90, "{d}");
        let ctl = describe(br#"{"method":"a\nb"}"#).unwrap();
        assert_eq!(ctl, "a\\nb");
    }
}
