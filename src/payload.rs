//! Reading the decrypted JSON: the fields a dissector shows (with their byte
//! spans in the plaintext, so Wireshark can highlight them), a one-line
//! summary for the Info column, and a token the device reveals.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::crypto::TOKEN_LEN;

const MAX_METHOD_CHARS: usize = 64;
const MAX_MESSAGE_CHARS: usize = 80;

/// Where a value sits in the plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadKind {
    /// Not a JSON object.
    #[default]
    NotJson,
    Request,
    Reply,
    ErrorReply,
    /// A JSON object that is neither request nor reply.
    OtherJson,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Payload {
    pub kind: PayloadKind,
    /// The `id` when it is an integer, with its span.
    pub id: Option<(i64, Span)>,
    /// The method name (unescaped) and the span inside its quotes.
    pub method: Option<(String, Span)>,
    pub params: Option<Span>,
    pub result: Option<Span>,
    pub error: Option<Span>,
    pub error_code: Option<(i64, Span)>,
    /// The error message's span inside its quotes.
    pub error_message: Option<Span>,
    /// `result.token` of a reply, when it is 32 hex digits (miIO.info).
    pub revealed_token: Option<[u8; TOKEN_LEN]>,
    /// "get_status id=12", "reply id=12 ok", "reply id=12 error -32601 Method not found.".
    pub summary: String,
    /// Hash of a request's method and params text: equal for a retry.
    signature: u64,
}

impl Payload {
    /// Identifies what a request asks (method and params, not its id), so a
    /// retry can be told from a new request.
    pub fn request_signature(&self) -> u64 {
        self.signature
    }
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    method: Option<&'a RawValue>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
    #[serde(borrow)]
    error: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ErrorObject<'a> {
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct InfoResult<'a> {
    #[serde(borrow)]
    token: Option<Cow<'a, str>>,
}

/// Reads a decrypted payload. Never fails: text that is not a JSON object
/// gives `PayloadKind::NotJson` and no fields.
pub fn read(plaintext: &[u8]) -> Payload {
    // serde would also fill the struct from an array, by position.
    let starts_object = plaintext.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let msg = match starts_object.then(|| serde_json::from_slice::<Message>(plaintext)) {
        Some(Ok(msg)) => msg,
        _ => return Payload::default(),
    };
    let span = |raw: &RawValue| span_in(plaintext, raw.get());
    let mut p = Payload {
        id: msg.id.and_then(|raw| Some((raw.get().parse::<i64>().ok()?, span(raw)))),
        method: msg.method.and_then(|raw| Some((unquote(raw)?, inner(span(raw))))),
        params: msg.params.map(span),
        result: msg.result.map(span),
        error: msg.error.map(span),
        ..Payload::default()
    };
    if let Some(err) = msg.error.and_then(object::<ErrorObject>) {
        p.error_code = err.code.and_then(|raw| Some((raw.get().parse::<i64>().ok()?, span(raw))));
        p.error_message = err.message.filter(|raw| raw.get().starts_with('"')).map(|raw| inner(span(raw)));
    }
    p.kind = if msg.method.is_some() {
        PayloadKind::Request
    } else if msg.error.is_some() {
        PayloadKind::ErrorReply
    } else if msg.result.is_some() {
        PayloadKind::Reply
    } else {
        PayloadKind::OtherJson
    };
    if p.kind == PayloadKind::Reply {
        p.revealed_token = msg
            .result
            .and_then(object::<InfoResult>)
            .and_then(|r| r.token)
            .and_then(|t| decode_token(&t));
    }
    if p.kind == PayloadKind::Request {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        msg.method.map(RawValue::get).hash(&mut h);
        msg.params.map(RawValue::get).hash(&mut h);
        p.signature = h.finish();
    }
    p.summary = summarize(&msg, &p);
    p
}

fn summarize(msg: &Message<'_>, p: &Payload) -> String {
    let id = msg.id.map(|raw| format!(" id={}", one_line(&text_of(raw), 20))).unwrap_or_default();
    match p.kind {
        PayloadKind::Request => {
            let method = msg.method.map(text_of).unwrap_or_default();
            format!("{}{id}", one_line(&method, MAX_METHOD_CHARS))
        }
        PayloadKind::ErrorReply => {
            let err = msg.error.and_then(object::<ErrorObject>);
            let part = |v: Option<&RawValue>, max| v.map(|raw| format!(" {}", one_line(&text_of(raw), max)));
            let code = err.as_ref().and_then(|e| part(e.code, 20)).unwrap_or_default();
            let message = err.as_ref().and_then(|e| part(e.message, MAX_MESSAGE_CHARS)).unwrap_or_default();
            format!("reply{id} error{code}{message}")
        }
        PayloadKind::Reply => format!("reply{id} ok"),
        PayloadKind::OtherJson => format!("json{id}"),
        PayloadKind::NotJson => String::new(),
    }
}

/// A JSON object read into `T`; `None` for anything else (serde would
/// also fill a struct from an array, by position).
fn object<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Option<T> {
    if raw.get().starts_with('{') {
        serde_json::from_str(raw.get()).ok()
    } else {
        None
    }
}

/// Offset of `part` (a slice of `whole`) within `whole`.
fn span_in(whole: &[u8], part: &str) -> Span {
    let offset = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    Span { offset: offset.min(whole.len()), len: part.len() }
}

/// The span inside a string value's quotes.
fn inner(s: Span) -> Span {
    Span { offset: s.offset + 1, len: s.len.saturating_sub(2) }
}

/// A string value, unescaped; `None` when the value is not a string.
fn unquote(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<Cow<str>>(raw.get()).ok().map(Cow::into_owned)
}

/// A value as text: strings unescaped, anything else as written.
fn text_of(raw: &RawValue) -> String {
    unquote(raw).unwrap_or_else(|| raw.get().to_string())
}

/// Single-line, capped text: control characters escaped.
fn one_line(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for c in text.chars().take(max_chars) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if text.chars().count() > max_chars {
        out.push('…');
    }
    out
}

fn decode_token(text: &str) -> Option<[u8; TOKEN_LEN]> {
    let b = text.as_bytes();
    if b.len() != 2 * TOKEN_LEN {
        return None;
    }
    let mut out = [0u8; TOKEN_LEN];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &[u8], s: Span) -> &str {
        std::str::from_utf8(&text[s.offset..s.offset + s.len]).unwrap()
    }

    #[test]
    fn request_fields_and_spans() {
        let text = br#"{"id": 12, "method": "get_status", "params": ["a", 1]}"#;
        let p = read(text);
        assert_eq!(p.kind, PayloadKind::Request);
        let (id, id_span) = p.id.unwrap();
        assert_eq!(id, 12);
        assert_eq!(at(text, id_span), "12");
        let (method, method_span) = p.method.clone().unwrap();
        assert_eq!(method, "get_status");
        assert_eq!(at(text, method_span), "get_status");
        assert_eq!(at(text, p.params.unwrap()), r#"["a", 1]"#);
        assert_eq!(p.summary, "get_status id=12");
    }

    #[test]
    fn request_signature_ignores_the_id() {
        let a = read(br#"{"id": 3, "method": "get_prop", "params": ["power"]}"#);
        let retry = read(br#"{"id": 104, "method": "get_prop", "params": ["power"]}"#);
        let other = read(br#"{"id": 4, "method": "get_prop", "params": ["temp"]}"#);
        assert_eq!(a.request_signature(), retry.request_signature());
        assert_ne!(a.request_signature(), other.request_signature());
    }

    #[test]
    fn replies() {
        let ok = read(br#"{"id":12,"result":["ok"]}"#);
        assert_eq!(ok.kind, PayloadKind::Reply);
        assert_eq!(ok.summary, "reply id=12 ok");

        let text = br#"{"id":12,"error":{"code":-32601,"message":"Method not found."}}"#;
        let err = read(text);
        assert_eq!(err.kind, PayloadKind::ErrorReply);
        assert_eq!(err.summary, "reply id=12 error -32601 Method not found.");
        let (code, code_span) = err.error_code.unwrap();
        assert_eq!(code, -32601);
        assert_eq!(at(text, code_span), "-32601");
        assert_eq!(at(text, err.error_message.unwrap()), "Method not found.");
    }

    #[test]
    fn info_reply_reveals_token() {
        let p = read(br#"{"id":1,"result":{"model":"x","token":"3f4a1c2b9d8e7f60112233445566aa01"}}"#);
        assert_eq!(p.revealed_token.unwrap()[0], 0x3f);
        let no = read(br#"{"id":1,"result":{"token":"not hex"}}"#);
        assert_eq!(no.revealed_token, None);
        let list = read(br#"{"id":1,"result":["3f4a1c2b9d8e7f60112233445566aa01"]}"#);
        assert_eq!(list.revealed_token, None);
    }

    #[test]
    fn not_json_or_not_object() {
        for text in [&b"{\"id\":1,,}"[..], b"[1,2]", b"\xff\xfe", b"", b"42", b"\"s\""] {
            let p = read(text);
            assert_eq!(p.kind, PayloadKind::NotJson, "{text:?}");
            assert_eq!(p.summary, "");
        }
    }

    #[test]
    fn odd_but_valid_json() {
        let p = read(br#"{"id":"abc","method":7}"#);
        assert_eq!(p.kind, PayloadKind::Request);
        assert_eq!(p.id, None, "a string id has no integer value");
        assert_eq!(p.method, None, "a numeric method is not a name");
        assert_eq!(p.summary, "7 id=abc");
        assert_eq!(read(br#"{"x":1}"#).summary, "json");
        let err = read(br#"{"id":3,"error":"busy"}"#);
        assert_eq!(err.error_code, None);
        assert_eq!(err.summary, "reply id=3 error");
    }

    #[test]
    fn hostile_method_is_escaped_and_capped() {
        let long = format!(r#"{{"id":1,"method":"{}"}}"#, "m".repeat(500));
        let p = read(long.as_bytes());
        assert!(p.summary.chars().count() < 90, "{}", p.summary);
        assert_eq!(read(br#"{"method":"a\nb"}"#).summary, "a\\nb");
    }
}
