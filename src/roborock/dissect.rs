//! One Roborock frame, start to end: parse, choose a key (per scope, by
//! trial: the GCM tag for `L01`, padding and text for the others), decrypt,
//! read the JSON, inflate a map response, and on the first pass record
//! what the frame teaches. Pure given the state passed in.

use super::crypto::{self, CryptoError, LocalKey, Nonces};
use super::frame::{self, Body, Broadcast, Frame, FrameError, Header, Version};
use super::payload::{self, Kind, Reading};
use super::session::{FrameId, Record, Scope, Session};
use crate::keys::roborock::RoborockKeyEntry;

pub use super::map::MAP_CAP_BYTES;
use super::{discovery::discovery, map::map_response};

pub const PROTOCOL_HELLO_REQUEST: u16 = 0;
pub const PROTOCOL_HELLO_RESPONSE: u16 = 1;
pub const PROTOCOL_RPC_REQUEST: u16 = 101;
pub const PROTOCOL_RPC_RESPONSE: u16 = 102;
pub const PROTOCOL_MAP_RESPONSE: u16 = 301;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    Tcp,
    Mqtt,
    Discovery,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub number: u32,
    pub pdu: u32,
    pub visited: bool,
    /// The TCP connection or UDP flow.
    pub conversation: u32,
    pub time_ns: i128,
    pub carrier: Carrier,
    /// MQTT: the duid at the end of the topic.
    pub duid: Option<String>,
    /// Hash of the device's address (the side on port 58867, or the
    /// broadcast's sender), to tie a discovered duid to its connections.
    pub device_address: u32,
}

impl Context {
    pub(super) fn id(&self) -> FrameId {
        (self.number, self.pdu)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decrypt {
    #[default]
    NotApplicable,
    NoKey,
    Ok,
    BadLength,
    /// Wrong key or corrupted payload (1.0, A01, B01).
    BadPadding,
    /// Wrong key, wrong session nonces or corrupted payload (L01).
    BadTag,
    /// L01 without the connection's hello in the capture.
    NoNonces,
    /// No key fitted the scope's first frames; not tried on this one.
    GivenUp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Map {
    #[default]
    None,
    /// Inflated into the session's map buffer.
    Inflated { request_id: u16, len: usize },
    /// No request with that id and a security nonce was seen.
    NoNonce { request_id: u16 },
    /// The body did not decrypt or inflate.
    Failed { request_id: u16 },
    /// Inflation stopped at the cap.
    TooLarge { request_id: u16 },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dissection {
    pub frame: Option<Frame>,
    pub broadcast: Option<Broadcast>,
    pub error: Option<FrameError>,
    pub decrypt: Decrypt,
    pub key_row: Option<u32>,
    pub keys_tried: u32,
    /// Plaintext bytes written to the output buffer.
    pub plaintext_len: usize,
    /// The plaintext written out is valid UTF-8 (text the shim need not
    /// check again).
    pub plaintext_utf8: bool,
    pub reading: Reading,
    /// Where the unescaped RPC text was written in the output buffer.
    pub inner_at: Option<(usize, usize)>,
    pub map: Map,
    pub duid: Option<String>,
    pub record: Record,
}

/// The Roborock half of the dissector's state.
#[derive(Debug, Default)]
pub struct RoborockState {
    /// Table rows, then key-file keys: the order keys are tried in.
    pub keys: Vec<RoborockKeyEntry>,
    table_keys: usize,
    pub session: Session,
    /// The last inflated map, for the shim to copy.
    pub map: Vec<u8>,
    /// The last frame's data points, for the shim to copy.
    pub data_points: Vec<super::data_points::DataPoint>,
}

impl RoborockState {
    pub fn set_table_keys(&mut self, table: Vec<RoborockKeyEntry>) {
        let file = self.keys.split_off(self.table_keys);
        self.table_keys = table.len();
        self.keys = table;
        self.keys.extend(file);
        self.session.forget_keys();
    }

    pub fn set_file_keys(&mut self, file: Vec<RoborockKeyEntry>) {
        self.keys.truncate(self.table_keys);
        self.keys.extend(file);
        self.session.forget_keys();
    }

    pub fn reset_capture(&mut self) {
        self.session = Session::default();
        self.map = Vec::new();
        self.data_points = Vec::new();
    }
}

/// Dissects one frame (a TCP frame without its length prefix, an MQTT
/// payload, or a discovery datagram) and writes the plaintext and the
/// unescaped RPC text into `out`.
pub fn dissect(bytes: &[u8], ctx: &Context, st: &mut RoborockState, out: &mut [u8]) -> Dissection {
    let recorded = ctx.visited.then(|| st.session.record(ctx.id())).flatten();
    let first_pass = recorded.is_none();
    let mut d = Dissection {
        record: recorded.unwrap_or_default(),
        duid: ctx.duid.clone(),
        ..Dissection::default()
    };
    if ctx.carrier == Carrier::Discovery {
        discovery(bytes, ctx, st, out, &mut d);
        return d;
    }
    let f = match frame::parse(bytes) {
        Ok(f) => f,
        Err(e) => {
            d.error = Some(e);
            return d;
        }
    };
    d.frame = Some(f);
    if d.duid.is_none() {
        d.duid = st.session.duid_at(ctx.device_address).map(str::to_string);
    }
    let scope = match (&ctx.carrier, &ctx.duid) {
        (Carrier::Mqtt, Some(duid)) => Scope::Duid(duid.clone()),
        _ => Scope::Conversation(ctx.conversation),
    };
    if first_pass && ctx.carrier == Carrier::Tcp {
        match f.header.protocol {
            PROTOCOL_HELLO_REQUEST => st.session.hello_request(ctx.conversation, f.header.random),
            PROTOCOL_HELLO_RESPONSE => st.session.hello_response(ctx.conversation, f.header.random),
            _ => {}
        }
    }
    match f.body {
        // A payload length of 0 (a 1.0 ping response): nothing to decrypt.
        Body::Payload { offset, len, .. } if len > 0 => {
            let payload = &bytes[offset..offset + len];
            decrypt_payload(&f.header, payload, ctx, &scope, first_pass, st, out, &mut d);
        }
        _ => {}
    }
    if first_pass {
        st.session.store(ctx.id(), d.record);
    }
    if d.reading.summary.is_empty() {
        d.reading.summary = match d.decrypt {
            Decrypt::NotApplicable => "no payload",
            Decrypt::NoKey => "encrypted, no key",
            Decrypt::Ok if d.plaintext_len == 0 => "no payload",
            Decrypt::Ok => "decrypted",
            Decrypt::GivenUp => "not decrypted, no key fitted",
            _ => "decryption failed",
        }
        .into();
    }
    d
}

/// The session nonces an `L01` frame needs, `None` when its hello is missing.
fn nonces_for(h: &Header, ctx: &Context, session: &Session) -> Option<Nonces> {
    let (connect, ack) = session.nonces(ctx.conversation);
    match (h.protocol, connect, ack) {
        (PROTOCOL_HELLO_RESPONSE, Some(connect), _) => Some(Nonces { connect, ack: None }),
        (_, Some(connect), Some(ack)) => Some(Nonces {
            connect,
            ack: Some(ack),
        }),
        _ => None,
    }
}

/// Decryption counts as right when the cipher says so or the result is
/// text. An `L01` GCM tag that verifies is proof, whatever the plaintext
/// (an empty one included). Otherwise the padding verified and the
/// plaintext is JSON (B01: perhaps under a second padding layer),
/// printable ASCII ("ok"), or empty: a whole block of padding, which a
/// wrong key gives once in 2^128. Only a key on trial (`strict`) has its
/// JSON parsed; for the key that already fitted the scope a "{" will do.
fn plausible(plain: &[u8], version: Version, map: bool, strict: bool) -> bool {
    version == Version::L01
        || map
        || plain.iter().all(|b| b.is_ascii_graphic())
        || (plain.first() == Some(&b'{')
            && (!strict || is_json(plain) || crypto::unpad(plain).is_ok_and(is_json)))
}

/// Valid JSON: a wrong key's "{" with valid padding is 1 in 65,536, so
/// with many keys the first byte alone is not enough.
fn is_json(text: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok()
}

#[allow(clippy::too_many_arguments)]
fn decrypt_payload(
    h: &Header,
    payload: &[u8],
    ctx: &Context,
    scope: &Scope,
    first_pass: bool,
    st: &mut RoborockState,
    out: &mut [u8],
    d: &mut Dissection,
) {
    let nonces = if h.version == Version::L01 {
        match nonces_for(h, ctx, &st.session) {
            Some(n) => Some(n),
            None => {
                d.decrypt = Decrypt::NoNonces;
                return;
            }
        }
    } else {
        None
    };
    let is_map = h.protocol == PROTOCOL_MAP_RESPONSE;
    let try_key = |key: &LocalKey| crypto::decrypt(h, key, nonces, payload);
    let mut last_error = None;
    let mut found = None;
    // The key this frame or its scope used before costs one decryption;
    // the full order is built only when it does not fit.
    let known = d
        .record
        .key
        .or(st.session.key_for(scope))
        .filter(|&i| i < st.keys.len());
    let mut attempt = |i: usize, d: &mut Dissection| {
        d.keys_tried += 1;
        // A key on trial must give whole JSON; the scope's own key is not
        // parsed twice (the payload is read below).
        let strict = Some(i) != known;
        match try_key(&st.keys[i].key) {
            Ok(plain) if plausible(&plain, h.version, is_map, strict) => Some((i, plain)),
            Ok(_) => {
                last_error = Some(CryptoError::BadPadding);
                None
            }
            Err(e) => {
                last_error = Some(e);
                None
            }
        }
    };
    if let Some(i) = known {
        found = attempt(i, d);
    }
    // Decided on the first pass, so that every pass shows the same.
    let given_up = match first_pass {
        true => found.is_none() && known.is_none() && st.session.given_up(scope),
        false => d.record.given_up,
    };
    d.record.given_up = given_up;
    if found.is_none() && !given_up {
        for i in key_order(st, d.duid.as_deref()) {
            if Some(i) != known {
                found = attempt(i, d);
                if found.is_some() {
                    break;
                }
            }
        }
    }
    let Some((key, plain)) = found else {
        if first_pass && !st.keys.is_empty() {
            st.session.missed(scope);
        }
        d.decrypt = match last_error {
            _ if given_up => Decrypt::GivenUp,
            None => Decrypt::NoKey,
            Some(CryptoError::BadLength) => Decrypt::BadLength,
            Some(CryptoError::BadPadding) => Decrypt::BadPadding,
            Some(CryptoError::BadTag) => Decrypt::BadTag,
        };
        return;
    };
    d.decrypt = Decrypt::Ok;
    d.key_row = Some(st.keys[key].row);
    d.record.key = Some(key);
    if first_pass {
        st.session.remember_key(scope.clone(), key);
    }
    let n = plain.len().min(out.len());
    out[..n].copy_from_slice(&plain[..n]);
    d.plaintext_len = n;
    if is_map {
        map_response(&plain, scope, ctx, first_pass, st, d);
        return;
    }
    let plain = strip_second_padding(h.version, plain);
    d.plaintext_len = plain.len().min(out.len());
    d.plaintext_utf8 = std::str::from_utf8(&plain[..d.plaintext_len]).is_ok();
    d.reading = payload::read_as(&plain, Some(h.version));
    if let Some(inner) = &d.reading.inner {
        if let Some(room) = out.get_mut(n..n + inner.len()) {
            room.copy_from_slice(inner.as_bytes());
            d.inner_at = Some((n, inner.len()));
        }
    }
    if first_pass {
        link(h, scope, ctx, st, d);
    }
}

/// B01 requests may carry a second PKCS#7 layer: stripped when what is
/// left is JSON.
fn strip_second_padding(version: Version, plain: Vec<u8>) -> Vec<u8> {
    if version != Version::B01 || serde_json::from_slice::<serde_json::Value>(&plain).is_ok() {
        return plain;
    }
    match crypto::unpad(&plain) {
        Ok(inner) if serde_json::from_slice::<serde_json::Value>(inner).is_ok() => inner.to_vec(),
        _ => plain,
    }
}

/// Keys to try, best first: rows for the frame's duid, then the rest in
/// table order.
fn key_order(st: &RoborockState, duid: Option<&str>) -> Vec<usize> {
    let mine = |i: &usize| duid.is_some() && st.keys[*i].duid.as_deref() == duid;
    (0..st.keys.len())
        .filter(mine)
        .chain((0..st.keys.len()).filter(|i| !mine(i)))
        .collect()
}

/// A01 messages carry no id: a reply (protocol 102) answers the scope's
/// latest request (protocol 101). This id stands for "the A01 request".
const A01_PENDING: i64 = i64::MIN;

fn link(h: &Header, scope: &Scope, ctx: &Context, st: &mut RoborockState, d: &mut Dissection) {
    let (kind, id) = match (d.reading.kind, d.reading.id, h.version, h.protocol) {
        (Kind::DataPoints, _, Version::A01, PROTOCOL_RPC_REQUEST) => {
            (Kind::RpcRequest, A01_PENDING)
        }
        (Kind::DataPoints, _, Version::A01, PROTOCOL_RPC_RESPONSE) => (Kind::RpcReply, A01_PENDING),
        (kind, Some((id, _)), _, _) => (kind, id),
        _ => return,
    };
    match kind {
        Kind::RpcRequest => st.session.request(
            scope.clone(),
            id,
            ctx.id(),
            ctx.time_ns,
            d.reading.map_nonce,
        ),
        Kind::RpcReply | Kind::RpcError => {
            st.session
                .reply(scope.clone(), id, ctx.id(), ctx.time_ns, &mut d.record)
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "dissect_tests.rs"]
mod tests;
