//! One HTTP body of the Mi cloud API, whole: a request (its params
//! decrypted and checked), a response (decrypted with its request's key), or
//! a login reply (its ssecurity learned); what they reveal harvested into
//! the key stores on the first pass.

use std::ops::Range;

use super::crypto::signed_nonce;
use super::form;
use super::harvest::{self, Device};
use super::message::{self, Check, Mode};
use super::miot_calls::{self, MiotText};
use super::reply::{self, Reply};
use crate::miot::frame::MiotFrame;
use super::session::{KeySource, Pending, Record};
use super::summary;
use crate::keys::bindkey::Bindkey;
use crate::state::DissectorState;

#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    pub frame: u32,
    pub visited: bool,
    /// The HTTP connection (responses pair with its requests in order).
    pub connection: u32,
    pub time_ns: i128,
    /// What HTTP says the body is, when it says.
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    Unknown,
    Request,
    Response,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Request,
    Response,
    Login,
    /// Not this protocol's: the caller hands the body to its usual dissector.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamOut {
    pub name: String,
    /// The value as sent, in the body.
    pub span: Range<usize>,
    /// The decrypted value (RC4 mode), `None` for clear ones.
    pub plain: Option<Vec<u8>>,
}

/// What a reply revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Harvest {
    pub device: Device,
    pub bindkey: Option<Bindkey>,
}

#[derive(Debug, Clone)]
pub struct Dissection {
    pub kind: Kind,
    pub path: Option<String>,
    pub mode: Option<Mode>,
    pub nonce: Option<String>,
    pub params: Vec<ParamOut>,
    pub rc4_hash: Check,
    pub signature: Check,
    pub key: Option<KeySource>,
    pub keys_tried: u32,
    /// The response's JSON text, decrypted and inflated (or the login
    /// reply's JSON).
    pub response: Option<Vec<u8>>,
    /// How the reply body read (decrypted, compressed, in clear...).
    pub reply: Option<Reply>,
    /// The reply's `MIOT-CONTENT-ENCODING` header, when the head shows it.
    pub content_encoding: Option<String>,
    /// A MIoT call's entries, and which text they are in.
    pub miot: MiotFrame,
    pub miot_text: MiotText,
    pub record: Record,
    pub harvested: Vec<Harvest>,
    pub summary: String,
}

impl Dissection {
    fn new(kind: Kind) -> Dissection {
        Dissection {
            kind,
            path: None,
            mode: None,
            nonce: None,
            params: Vec::new(),
            rc4_hash: Check::NotChecked,
            signature: Check::NotChecked,
            key: None,
            keys_tried: 0,
            response: None,
            reply: None,
            content_encoding: None,
            miot: MiotFrame::default(),
            miot_text: MiotText::None,
            record: Record::default(),
            harvested: Vec::new(),
            summary: String::new(),
        }
    }
}

/// `POST /app/home/device_list HTTP/1.1` at the start of the message that
/// holds the body: (method, path without its query).
pub fn request_line(head: &[u8]) -> Option<(String, String)> {
    let line = head.split(|&b| b == b'\r' || b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if !version.starts_with("HTTP/") || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let path = target.split('?').next()?;
    // An absolute URI (through a proxy): keep its path.
    let path = match path.find("://") {
        Some(i) => path[i + 3..].find('/').map_or("/", |j| &path[i + 3 + j..]),
        None => path,
    };
    Some((method.to_string(), path.to_string()))
}

pub fn dissect(state: &mut DissectorState, ctx: &Context, head: &[u8], body: &[u8]) -> Dissection {
    if ctx.direction != Direction::Response {
        if let Some(req) = form::parse(body).and_then(message::request) {
            return request(state, ctx, &req, request_line(head));
        }
        if let Some(path) = clear_call(head, body) {
            return clear_request(state, ctx, path, body);
        }
    }
    if ctx.direction == Direction::Request {
        return Dissection::new(Kind::Other);
    }
    // A base64 reply can read as a form (`…=`): replies are told by their
    // connection's waiting request, login replies by their prefix.
    if body.starts_with(b"&&&START&&&") {
        return login(state, ctx, body);
    }
    response(state, ctx, head, body)
}

fn request(
    state: &mut DissectorState,
    ctx: &Context,
    req: &message::Request,
    line: Option<(String, String)>,
) -> Dissection {
    let mut d = Dissection::new(Kind::Request);
    let (method, path) = line.unwrap_or_else(|| ("POST".into(), String::new()));
    let path = (!path.is_empty()).then_some(path);
    d.path = path.clone();
    d.mode = Some(req.mode);
    d.nonce = Some(req.nonce.clone());
    // Later passes: the path the first pass recovered.
    let path = path.or_else(|| {
        let known = state.micloud.records.get(&ctx.frame);
        known.filter(|_| ctx.visited).and_then(|r| r.path.clone())
    });
    d.path = path.clone();
    let chosen = if ctx.visited {
        // Later passes: the key the first pass found.
        let known = state
            .micloud
            .records
            .get(&ctx.frame)
            .and_then(|r| r.key.clone());
        known.and_then(|(key, source)| {
            let dec = message::decrypt(req, &method, path.as_deref(), &key)?;
            Some((key, source, dec))
        })
    } else {
        let own = req.ssecurity.clone().map(|k| (k, ctx.frame));
        let mut found = None;
        for (ssecurity, source) in state.micloud.candidates(own) {
            d.keys_tried += 1;
            let Some(key) = signed_nonce(&ssecurity, &req.nonce) else {
                continue;
            };
            if let Some(dec) = message::decrypt(req, &method, path.as_deref(), &key) {
                if let KeySource::RequestField(_) = source {
                    state.micloud.learn(ssecurity, source);
                }
                found = Some((key, source, dec));
                break;
            }
        }
        found
    };
    // No path (HTTP/2): the one its signature verifies, when known.
    let chosen = match chosen {
        Some((key, source, dec)) if path.is_none() && !ctx.visited => {
            let dids = state.micloud.dids.iter().map(String::as_str);
            match super::paths::recover(req, &key, dids) {
                Some(p) => {
                    let dec = message::decrypt(req, &method, Some(&p), &key).unwrap_or(dec);
                    d.path = Some(p);
                    Some((key, source, dec))
                }
                None => Some((key, source, dec)),
            }
        }
        other => other,
    };
    let path = d.path.clone();
    d.params = req
        .params
        .iter()
        .map(|p| ParamOut {
            name: p.name.clone(),
            span: p.span.clone(),
            plain: None,
        })
        .collect();
    let mut data = None;
    if let Some((key, source, dec)) = chosen {
        d.key = Some(source);
        d.rc4_hash = dec.rc4_hash;
        d.signature = dec.signature;
        for (i, plain) in dec.values {
            if req.params[i].name == "data" {
                data = Some(plain.clone());
            }
            d.params[i].plain = Some(plain);
        }
        d.record.key = Some((key, source));
    } else if req.mode == Mode::Hmac {
        data = form::get(&req.params, "data").map(|p| p.value.clone().into_bytes());
    }
    if let Some(data) = data.as_deref().filter(|_| d.key.is_some()) {
        miot_calls::describe(state, ctx, &mut d, data, false, MiotText::Data);
    }
    keep_request(state, ctx, &mut d, path, data);
    d.summary = summary::request(&d) + &miot_calls::names(&d.miot);
    d
}

/// First pass: the request waits for its reply on its connection, and its
/// record is kept; later passes: the record the first pass kept.
fn keep_request(
    state: &mut DissectorState,
    ctx: &Context,
    d: &mut Dissection,
    path: Option<String>,
    data: Option<Vec<u8>>,
) {
    if ctx.visited {
        if let Some(r) = state.micloud.records.get(&ctx.frame) {
            d.record = r.clone();
        }
        return;
    }
    d.record.path = path.clone();
    state.micloud.hold(
        ctx.connection,
        Pending {
            frame: ctx.frame,
            time_ns: ctx.time_ns,
            path,
            key: d.record.key.clone(),
            data,
        },
    );
    state.micloud.records.insert(ctx.frame, d.record.clone());
}

/// A Xiaomi Home integration call: JSON in clear, POSTed to `/app/…` of a
/// Mi cloud host (`<region>.ha.api.io.mi.com`, `api.mijia.tech`); its path.
fn clear_call(head: &[u8], body: &[u8]) -> Option<String> {
    let (_, path) = request_line(head)?;
    let host = header(head, "host")?;
    let host = host.split(':').next().unwrap_or("");
    let ours = host.ends_with(".io.mi.com") || host == "api.mijia.tech" || host.ends_with(".api.mijia.tech");
    let json = body.trim_ascii_start().starts_with(b"{") && std::str::from_utf8(body).is_ok();
    (ours && json && path.starts_with("/app/")).then_some(path)
}

fn clear_request(state: &mut DissectorState, ctx: &Context, path: String, body: &[u8]) -> Dissection {
    let mut d = Dissection::new(Kind::Request);
    d.mode = Some(Mode::Clear);
    d.path = Some(path.clone());
    let offset = body.len() - body.trim_ascii_start().len();
    miot_calls::describe(state, ctx, &mut d, body, false, MiotText::Body(offset));
    keep_request(state, ctx, &mut d, Some(path), Some(body.to_vec()));
    d.summary = summary::request(&d) + &miot_calls::names(&d.miot);
    d
}

fn login(state: &mut DissectorState, ctx: &Context, body: &[u8]) -> Dissection {
    let mut d = Dissection::new(Kind::Login);
    d.response = Some(body[b"&&&START&&&".len()..].to_vec());
    if let Some(key) = harvest::login_ssecurity(body) {
        if !ctx.visited {
            state.micloud.learn(key, KeySource::LoginReply(ctx.frame));
        }
        d.key = Some(KeySource::LoginReply(ctx.frame));
    }
    d.summary = summary::login(&d);
    d
}

fn response(state: &mut DissectorState, ctx: &Context, head: &[u8], body: &[u8]) -> Dissection {
    let record = if ctx.visited {
        match state.micloud.records.get(&ctx.frame) {
            Some(r) => r.clone(),
            None => return Dissection::new(Kind::Other),
        }
    } else {
        let Some(p) = state.micloud.answer(ctx.connection) else {
            return Dissection::new(Kind::Other);
        };
        let r = Record {
            key: p.key.clone(),
            request_in: Some(p.frame),
            response_time_ns: Some(ctx.time_ns - p.time_ns),
            path: p.path.clone(),
            ..Record::default()
        };
        if let Some(req) = state.micloud.records.get_mut(&p.frame) {
            req.response_in = Some(ctx.frame);
            req.response_time_ns = r.response_time_ns;
        }
        let r = Record { data: p.data, ..r };
        state.micloud.records.insert(ctx.frame, r.clone());
        r
    };
    let mut d = Dissection::new(Kind::Response);
    d.path = record.path.clone();
    d.key = record.key.as_ref().map(|(_, s)| *s);
    let read = reply::read(body, record.key.as_ref().map(|(k, _)| k));
    d.response = read.json().map(<[u8]>::to_vec);
    d.reply = Some(read);
    d.content_encoding = header(head, "miot-content-encoding").filter(|_| head.starts_with(b"HTTP/"));
    d.record = record;
    if let Some(plain) = d.response.clone() {
        d.harvested = super::apply::harvest(state, ctx, &d, &plain);
        miot_calls::describe(state, ctx, &mut d, &plain, true, MiotText::Response);
    }
    d.summary = summary::response(&d) + &miot_calls::names(&d.miot);
    d
}

/// A header's value in an HTTP/1.x message head (`None` when the head has
/// no such header, as under HTTP/2, whose heads are not text).
pub fn header(head: &[u8], name: &str) -> Option<String> {
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(head.len());
    head[..end]
        .split(|&b| b == b'\n')
        .skip(1)
        .filter_map(|line| std::str::from_utf8(line).ok())
        .find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| {
                crate::text::capped(v.trim(), 31, |c| !c.is_control())
            })
        })
}

#[cfg(test)]
#[path = "dissect_tests.rs"]
mod tests;
