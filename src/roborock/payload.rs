//! Reading a decrypted Roborock payload: `{"dps":{"101":"<JSON text>"},"t":…}`
//! for RPC requests, `"102"` for replies (`result`, `error{code,message}`
//! or `"result":"unknown_method"`), other codes for pushed data points (and
//! A01), `{"dps":{"10000":{method, msgId, params}}}` for B01, whose replies
//! come under 10000 or, as a JSON string, under 10001. The RPC inside
//! is a JSON *string*: it is unescaped and read with spans into that text.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::data_points::{self, DataPoint};
use super::frame::Version;
use crate::miio::payload::Span;

/// Data-point codes of the V1 RPC.
pub const RPC_REQUEST_DPS: &str = "101";
pub const RPC_RESPONSE_DPS: &str = "102";
/// B01 messages (and A01 queries) travel under this code.
pub const B01_DPS: &str = "10000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    NotJson,
    RpcRequest,
    RpcReply,
    RpcError,
    /// Pushed data points (and A01 values): codes other than 101/102.
    DataPoints,
    /// JSON of another shape (a hello response's "ok", …).
    Other,
}

/// What a payload says; spans point into `inner` (the unescaped RPC text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reading {
    pub kind: Kind,
    /// The RPC's JSON text, unescaped from its dps string.
    pub inner: Option<String>,
    pub id: Option<(i64, Span)>,
    pub method: Option<(String, Span)>,
    pub params: Option<Span>,
    pub result: Option<Span>,
    pub error_code: Option<(i64, Span)>,
    pub error_message: Option<Span>,
    /// A request's `security.nonce`: the key of the map response.
    pub map_nonce: Option<[u8; 16]>,
    /// Pushed data points and A01 values (spans into the plaintext).
    pub data_points: Vec<DataPoint>,
    /// One line for the Info column.
    pub summary: String,
}

#[derive(Deserialize)]
struct Outer<'a> {
    #[serde(borrow)]
    dps: Option<Dps<'a>>,
}

/// The data-point codes read by name; others are skipped without a copy.
#[derive(Deserialize)]
struct Dps<'a> {
    #[serde(borrow, rename = "101")]
    rpc_request: Option<&'a RawValue>,
    #[serde(borrow, rename = "102")]
    rpc_response: Option<&'a RawValue>,
    #[serde(borrow, rename = "10000")]
    b01: Option<&'a RawValue>,
    #[serde(borrow, rename = "10001")]
    b01_reply: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Rpc<'a> {
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
    #[serde(borrow)]
    security: Option<&'a RawValue>,
}

/// Text that is not a JSON object: a JSON string or other value, or short
/// text such as the hello response's "ok".
fn not_an_object(text: &str) -> Reading {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Reading {
            kind: Kind::Other,
            summary: match value.as_str() {
                Some(s) => format!("\"{}\"", crate::text::capped(s, 40, |c| !c.is_control())),
                None => "json".into(),
            },
            ..Reading::default()
        },
        Err(_) => {
            let printable =
                !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_graphic());
            Reading {
                summary: if printable {
                    format!("\"{text}\"")
                } else {
                    String::new()
                },
                ..Reading::default()
            }
        }
    }
}

fn span_in(whole: &str, part: &str) -> Span {
    Span {
        offset: (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize),
        len: part.len(),
    }
}

fn inside_quotes(s: Span) -> Span {
    Span {
        offset: s.offset + 1,
        len: s.len.saturating_sub(2),
    }
}

fn hex16(t: &str) -> Option<[u8; 16]> {
    crate::keys::decode_hex16(t)
}

/// Reads a decrypted payload, data points unnamed. Never fails.
pub fn read(plaintext: &[u8]) -> Reading {
    read_as(plaintext, None)
}

/// Reads a decrypted payload of a frame of `version` (which names data
/// points). Never fails.
pub fn read_as(plaintext: &[u8], version: Option<Version>) -> Reading {
    let Ok(text) = std::str::from_utf8(plaintext) else {
        return Reading::default();
    };
    // The dps map is read with raw values: one pass over the text, no tree.
    let outer = match serde_json::from_str::<Outer>(text) {
        Ok(Outer { dps: Some(dps) }) => dps,
        Ok(Outer { dps: None }) => {
            return Reading {
                kind: Kind::Other,
                summary: "json".into(),
                ..Reading::default()
            }
        }
        Err(_) => return not_an_object(text),
    };
    let dps = outer;
    for raw in [dps.rpc_request, dps.rpc_response].into_iter().flatten() {
        if let Ok(inner) = serde_json::from_str::<String>(raw.get()) {
            return read_rpc(inner);
        }
    }
    // B01 replies as python-roborock's Q7 channel reads them: dps 10001
    // holds {"msgId", "code", "method", "data"}, as a JSON string (or an
    // object). A01 uses the code for a plain data point, read below.
    if let Some(raw) = dps.b01_reply {
        let inner =
            serde_json::from_str::<String>(raw.get()).unwrap_or_else(|_| raw.get().to_string());
        if let Some(reading) = read_b01(inner) {
            return reading;
        }
    }
    if let Some(raw) = dps.b01 {
        // B01: an object (requests) or a JSON string (replies).
        let inner =
            serde_json::from_str::<String>(raw.get()).unwrap_or_else(|_| raw.get().to_string());
        let asked = inner.clone();
        if let Some(reading) = read_b01(inner) {
            return reading;
        }
        // A01 queries: dps 10000 lists the data points asked for.
        return Reading {
            kind: Kind::DataPoints,
            data_points: data_points::read(text, version),
            summary: format!(
                "query {}",
                crate::text::capped(&asked, 80, |c| !c.is_control())
            ),
            ..Reading::default()
        };
    }
    let points = data_points::read(text, version);
    Reading {
        kind: Kind::DataPoints,
        summary: data_points::summary(text, &points),
        data_points: points,
        ..Reading::default()
    }
}

#[derive(Deserialize)]
struct B01<'a> {
    #[serde(borrow)]
    method: Option<&'a RawValue>,
    #[serde(borrow, rename = "msgId")]
    msg_id: Option<&'a RawValue>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

/// A B01 message: `{method, msgId, params}` or `{msgId, code, data}`;
/// `msgId` pairs them (it is the id), a nonzero `code` is an error.
fn read_b01(inner: String) -> Option<Reading> {
    let b01 = serde_json::from_str::<B01>(&inner).ok()?;
    let whole = inner.as_str();
    let msg_id = b01.msg_id?;
    let id_text = msg_id.get().trim_matches('"');
    let mut r = Reading {
        id: id_text.parse::<i64>().ok().map(|id| {
            (
                id,
                inside_if_quoted(span_in(whole, msg_id.get()), msg_id.get()),
            )
        }),
        method: b01.method.and_then(|raw| {
            let name = serde_json::from_str::<String>(raw.get()).ok()?;
            Some((name, inside_quotes(span_in(whole, raw.get()))))
        }),
        params: b01.params.map(|raw| span_in(whole, raw.get())),
        result: b01.data.map(|raw| span_in(whole, raw.get())),
        error_code: b01.code.and_then(|raw| {
            let code = raw.get().parse::<i64>().ok().filter(|&c| c != 0)?;
            Some((code, span_in(whole, raw.get())))
        }),
        ..Reading::default()
    };
    let id = format!(
        " msgId={}",
        crate::text::capped(id_text, 24, |c| !c.is_control())
    );
    // A reply has a code or data; the Q7 form repeats the method in it.
    let is_reply = b01.code.is_some() || b01.data.is_some();
    let method = r
        .method
        .as_ref()
        .map(|(m, _)| crate::text::capped(m, 64, |c| !c.is_control()));
    let replied = method.as_ref().map_or(String::new(), |m| format!("{m} "));
    (r.kind, r.summary) = match (is_reply, &method, &r.error_code) {
        (false, Some(m), _) => (Kind::RpcRequest, format!("{m}{id}")),
        (_, _, Some((code, _))) => (Kind::RpcError, format!("{replied}reply{id} error {code}")),
        _ => (Kind::RpcReply, format!("{replied}reply{id} ok")),
    };
    r.inner = Some(inner);
    Some(r)
}

fn inside_if_quoted(s: Span, text: &str) -> Span {
    if text.starts_with('"') {
        inside_quotes(s)
    } else {
        s
    }
}

fn read_rpc(inner: String) -> Reading {
    let mut r = Reading::default();
    let Ok(rpc) = serde_json::from_str::<Rpc>(&inner) else {
        r.kind = Kind::Other;
        r.summary = "RPC (not a JSON object)".into();
        r.inner = Some(inner);
        return r;
    };
    let whole = inner.as_str();
    r.id = rpc
        .id
        .and_then(|raw| Some((raw.get().parse::<i64>().ok()?, span_in(whole, raw.get()))));
    r.method = rpc.method.and_then(|raw| {
        let name = serde_json::from_str::<String>(raw.get()).ok()?;
        Some((name, inside_quotes(span_in(whole, raw.get()))))
    });
    r.params = rpc.params.map(|raw| span_in(whole, raw.get()));
    r.result = rpc.result.map(|raw| span_in(whole, raw.get()));
    if let Some(err) = rpc.error {
        let v: Value = serde_json::from_str(err.get()).unwrap_or(Value::Null);
        if let Some(code) = v.get("code").and_then(Value::as_i64) {
            let at = err.get().find(&code.to_string()).unwrap_or(0);
            let base = span_in(whole, err.get()).offset;
            r.error_code = Some((
                code,
                Span {
                    offset: base + at,
                    len: code.to_string().len(),
                },
            ));
        }
        if let Some(message) = v.get("message").and_then(Value::as_str) {
            let quoted = serde_json::to_string(message).unwrap_or_default();
            if let Some(at) = err.get().find(&quoted) {
                let base = span_in(whole, err.get()).offset;
                r.error_message = Some(inside_quotes(Span {
                    offset: base + at,
                    len: quoted.len(),
                }));
            }
        }
    }
    r.map_nonce = rpc.security.and_then(|raw| {
        let v: Value = serde_json::from_str(raw.get()).ok()?;
        hex16(v.get("nonce")?.as_str()?)
    });
    let id = r.id.map(|(id, _)| format!(" id={id}")).unwrap_or_default();
    let unknown = rpc
        .result
        .is_some_and(|raw| raw.get() == "\"unknown_method\"");
    (r.kind, r.summary) = if let Some((method, _)) = &r.method {
        let m = crate::text::capped(method, 64, |c| !c.is_control());
        (Kind::RpcRequest, format!("{m}{id}"))
    } else if rpc.error.is_some() || unknown {
        let why = match (&r.error_code, &r.error_message) {
            (Some((code, _)), Some(m)) => format!(
                " {code} {}",
                crate::text::capped(&whole[m.offset..m.offset + m.len], 80, |c| !c.is_control())
            ),
            (Some((code, _)), None) => format!(" {code}"),
            _ if unknown => " unknown_method".into(),
            _ => String::new(),
        };
        (Kind::RpcError, format!("reply{id} error{why}"))
    } else {
        (Kind::RpcReply, format!("reply{id} ok"))
    };
    r.inner = Some(inner);
    r
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
