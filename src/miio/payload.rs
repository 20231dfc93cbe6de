//! Reading the decrypted JSON: the fields a dissector shows (with their byte
//! spans in the plaintext, so Wireshark can highlight them), a one-line
//! summary for the Info column, a token the traffic reveals, and the repairs
//! for the invalid JSON some firmwares send.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::keys::decode_hex16;
use crate::miio::crypto::TOKEN_LEN;

const MAX_METHOD_CHARS: usize = 64;
const MAX_MESSAGE_CHARS: usize = 80;

/// Where a value sits in the plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

/// Which message revealed a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revealer {
    /// `result.token` of a reply (miIO.info).
    InfoReply,
    /// `params.token` of an `_otc.info` request (device to cloud).
    OtcInfo,
}

/// Invalid JSON made valid: what was changed and the text it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub name: &'static str,
    pub text: Vec<u8>,
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
    /// A device token the payload carries (32 hex digits).
    pub revealed_token: Option<([u8; TOKEN_LEN], Revealer)>,
    /// The device's model a miIO.info reply (false) or an _otc.info request
    /// (true) states.
    pub revealed_model: Option<(String, bool)>,
    /// "get_status id=12", "reply id=12 ok", "reply id=12 error -32601 Method not found.".
    pub summary: String,
    /// The plaintext is valid UTF-8.
    pub utf8: bool,
    /// Hash of a request's method and params text: equal for a retry.
    signature: u64,
}

impl Payload {
    /// A payload that is not JSON.
    pub fn not_json(utf8: bool) -> Payload {
        Payload {
            utf8,
            ..Payload::default()
        }
    }

    /// Identifies what a request asks (method and params, not its id), so a
    /// retry can be told from a new request.
    pub fn request_signature(&self) -> u64 {
        self.signature
    }
}

/// The members of a request or reply. A member that is present is `Some`,
/// even when its value is `null` (`"result": null` is still a reply).
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    params: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    error: Option<&'a RawValue>,
    /// python-miio's simulator answers miIO.info at the top level.
    #[serde(borrow, default, deserialize_with = "present")]
    model: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    fw_ver: Option<&'a RawValue>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct ErrorObject<'a> {
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
}

/// An object with a `token` member (miIO.info result, _otc.info params),
/// and the device's `model` next to its `fw_ver` or `mac`.
#[derive(Deserialize)]
struct WithToken<'a> {
    #[serde(borrow)]
    token: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "present")]
    model: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    fw_ver: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    mac: Option<&'a RawValue>,
}

impl WithToken<'_> {
    /// The model of an object that describes a device.
    fn device_model(&self) -> Option<String> {
        let described = self.fw_ver.is_some() || self.mac.is_some() || self.token.is_some();
        described.then(|| self.model.and_then(unquote)).flatten()
    }
}

/// A named rewrite of invalid JSON.
type RepairFn = (&'static str, fn(&[u8]) -> Vec<u8>);

/// The known repairs for invalid JSON from real firmware, tried one at a
/// time, then all together.
const REPAIRS: [RepairFn; 5] = [
    ("bytes after the first NUL dropped", |t| {
        t.split(|&b| b == 0).next().unwrap_or(t).to_vec()
    }),
    ("',,' -> ','", |t| replace_all(t, b",,", b",")),
    ("'[,]' / '[,,]' -> '[]'", |t| {
        replace_all(&replace_all(t, b"[,,]", b"[]"), b"[,]", b"[]")
    }),
    ("'\"value\":00' -> '\"value\":0'", |t| {
        replace_all(t, b"\"value\":00", b"\"value\":0")
    }),
    ("'\"result\":,' -> '\"result\":null,'", |t| {
        replace_all(t, b"\"result\":,", b"\"result\":null,")
    }),
];

/// Reads a decrypted payload, repairing known firmware quirks when it is not
/// valid JSON. Spans point into `plaintext`, or into the repair's text.
pub fn read_repairing(plaintext: &[u8]) -> (Payload, Option<Repair>) {
    let payload = read(plaintext);
    if payload.kind != PayloadKind::NotJson {
        return (payload, None);
    }
    let all = |t: &[u8]| REPAIRS.iter().fold(t.to_vec(), |text, (_, fix)| fix(&text));
    let attempts = REPAIRS
        .iter()
        .map(|(name, fix)| (*name, fix(plaintext)))
        .chain(std::iter::once(("several quirks", all(plaintext))));
    for (name, text) in attempts {
        if text == plaintext {
            continue;
        }
        let mut repaired = read(&text);
        if repaired.kind != PayloadKind::NotJson {
            repaired.utf8 = payload.utf8;
            return (repaired, Some(Repair { name, text }));
        }
    }
    (payload, None)
}

fn replace_all(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

/// Reads a decrypted payload. Never fails: text that is not a JSON object
/// gives `PayloadKind::NotJson` and no fields.
pub fn read(plaintext: &[u8]) -> Payload {
    // serde would also fill the struct from an array, by position.
    let starts_object = plaintext.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let text = std::str::from_utf8(plaintext).ok();
    let utf8 = text.is_some();
    // UTF-8 text is parsed as str: serde then skips checking it again.
    let parse = || match text {
        Some(text) => serde_json::from_str::<Message>(text),
        None => serde_json::from_slice::<Message>(plaintext),
    };
    let msg = match starts_object.then(parse) {
        Some(Ok(msg)) => msg,
        _ => {
            return Payload {
                utf8,
                ..Payload::default()
            }
        }
    };
    let span = |raw: &RawValue| span_in(plaintext, raw.get());
    let mut p = Payload {
        utf8,
        id: msg
            .id
            .and_then(|raw| Some((raw.get().parse::<i64>().ok()?, span(raw)))),
        method: msg
            .method
            .and_then(|raw| Some((unquote(raw)?, inner(span(raw))))),
        params: msg.params.map(span),
        result: msg.result.map(span),
        error: msg.error.map(span),
        ..Payload::default()
    };
    if let Some(err) = msg.error.and_then(object::<ErrorObject>) {
        p.error_code = err
            .code
            .and_then(|raw| Some((raw.get().parse::<i64>().ok()?, span(raw))));
        p.error_message = err
            .message
            .filter(|raw| raw.get().starts_with('"'))
            .map(|raw| inner(span(raw)));
    }
    // Any object with an id and no method answers a request: python-miio's
    // own simulator answers miIO.info with the info at the top level.
    p.kind = if msg.method.is_some() {
        PayloadKind::Request
    } else if msg.error.is_some() {
        PayloadKind::ErrorReply
    } else if msg.result.is_some() || msg.id.is_some() {
        PayloadKind::Reply
    } else {
        PayloadKind::OtherJson
    };
    // All 00 or all ff is a placeholder (simulators, hello fills), no token.
    let token_in = |o: &WithToken| {
        o.token
            .as_deref()
            .and_then(decode_hex16)
            .filter(|t| t != &[0; TOKEN_LEN] && t != &[0xff; TOKEN_LEN])
    };
    let otc_info = p.method.as_ref().is_some_and(|(m, _)| m == "_otc.info");
    let (described, revealer) = match p.kind {
        PayloadKind::Reply => (
            msg.result.and_then(object::<WithToken>),
            Revealer::InfoReply,
        ),
        PayloadKind::Request if otc_info => {
            (msg.params.and_then(object::<WithToken>), Revealer::OtcInfo)
        }
        _ => (None, Revealer::InfoReply),
    };
    if let Some(o) = &described {
        p.revealed_token = token_in(o).map(|t| (t, revealer));
        p.revealed_model = o.device_model().map(|m| (m, otc_info));
    } else if p.kind == PayloadKind::Reply && msg.result.is_none() && msg.fw_ver.is_some() {
        p.revealed_model = msg.model.and_then(unquote).map(|m| (m, false));
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
    // One string, values appended in place: this runs for every frame.
    let mut out = String::with_capacity(64);
    let id = |out: &mut String| {
        if let Some(raw) = msg.id {
            out.push_str(" id=");
            push_one_line(out, raw, 20);
        }
    };
    match p.kind {
        PayloadKind::Request => {
            if let Some(raw) = msg.method {
                push_one_line(&mut out, raw, MAX_METHOD_CHARS);
            }
            id(&mut out);
        }
        PayloadKind::ErrorReply => {
            out.push_str("reply");
            id(&mut out);
            out.push_str(" error");
            if let Some(err) = msg.error.and_then(object::<ErrorObject>) {
                for (value, max) in [(err.code, 20), (err.message, MAX_MESSAGE_CHARS)] {
                    if let Some(raw) = value {
                        out.push(' ');
                        push_one_line(&mut out, raw, max);
                    }
                }
            }
        }
        PayloadKind::Reply => {
            out.push_str("reply");
            id(&mut out);
            out.push_str(if msg.result.is_none() {
                " ok, no \"result\""
            } else {
                " ok"
            });
        }
        PayloadKind::OtherJson => {
            out.push_str("json");
            id(&mut out);
        }
        PayloadKind::NotJson => {}
    }
    out
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
    Span {
        offset: offset.min(whole.len()),
        len: part.len(),
    }
}

/// The span inside a string value's quotes.
fn inner(s: Span) -> Span {
    Span {
        offset: s.offset + 1,
        len: s.len.saturating_sub(2),
    }
}

/// A string value, unescaped; `None` when the value is not a string.
fn unquote(raw: &RawValue) -> Option<String> {
    string_value(raw).map(Cow::into_owned)
}

/// A string value, unescaped and borrowed unless it holds escapes; `None`
/// when the value is not a string.
fn string_value(raw: &RawValue) -> Option<Cow<'_, str>> {
    // Checked first: a failed parse allocates serde_json's error.
    if !raw.get().starts_with('"') {
        return None;
    }
    // serde's Cow<str> is always owned; a &str borrows when there are no
    // escapes (the common case, and the error path only for the rest).
    match serde_json::from_str::<&str>(raw.get()) {
        Ok(text) => Some(Cow::Borrowed(text)),
        Err(_) => serde_json::from_str::<String>(raw.get())
            .ok()
            .map(Cow::Owned),
    }
}

/// A value as single-line, capped text for the Info column: strings
/// unescaped, anything else as written; control characters escaped.
fn push_one_line(out: &mut String, raw: &RawValue, max_chars: usize) {
    let text = string_value(raw).unwrap_or(Cow::Borrowed(raw.get()));
    crate::text::push_capped(out, &text, max_chars, |c| !c.is_control());
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
