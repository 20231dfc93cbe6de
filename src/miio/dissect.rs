//! One frame, start to end: classify the header, choose a key, verify the
//! checksum, decrypt, read the JSON, and (on the first pass) record what the
//! frame teaches the rest of the capture. Pure given the state passed in.

use crate::abi::{
    miio_checksum_status as ChecksumStatus, miio_decrypt_status as DecryptStatus,
    miio_frame_kind as FrameKind, miio_length_status as LengthStatus,
};
use crate::keys::store::{KeyChoice, KeyOrigin, KeyRef};
pub use crate::miio::context::FrameContext;
use crate::miio::crypto::{strip_trailing_nuls, DecryptError};
use crate::miio::frame::{classify, Frame, HEADER_LEN};
use crate::miio::payload::{self, Payload, PayloadKind, Revealer};
use crate::miio::session::{FrameRecord, Seen};
use crate::miio::short_frame::{local_short_frame, Frame32, ShortFrame};
use crate::miot::frame::{self as miot, MiotFrame};
use crate::state::DissectorState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissection {
    pub frame: Frame,
    pub checksum: ChecksumStatus,
    pub decrypt: DecryptStatus,
    pub ciphertext_len: usize,
    /// Plaintext bytes written to the output buffer, trailing NULs stripped.
    pub plaintext_len: usize,
    pub keys_tried: u32,
    /// Keys for any device were not tried (see `FrameRecord`).
    pub any_device_keys_skipped: bool,
    /// The key used for this frame.
    pub key: Option<KeyRef>,
    /// Where that key came from.
    pub key_origin: Option<KeyOrigin>,
    pub payload: Option<Payload>,
    /// Invalid JSON made valid: what was repaired, and where the repaired
    /// text was written in the plaintext buffer (offset, length).
    pub repair: Option<(&'static str, usize, usize)>,
    pub record: FrameRecord,
    /// The device's model, and the payload's MIoT entries named.
    pub miot: MiotFrame,
}

/// Dissects `captured` (the packet's bytes as captured; `reported_len` its
/// length on the wire) and writes any plaintext into `plaintext`.
pub fn dissect(
    captured: &[u8],
    reported_len: usize,
    ctx: &FrameContext,
    state: &mut DissectorState,
    plaintext: &mut [u8],
) -> Dissection {
    let frame = classify(captured, reported_len);
    // A frame first seen on a later pass (another dissector had it on the
    // first, before its device's port was claimed) is handled as on a first
    // pass, so tshark -2 links it too.
    let recorded = ctx
        .visited
        .then(|| state.session.record(ctx.id()))
        .flatten();
    let first_pass = recorded.is_none();
    let ctx = &FrameContext {
        visited: !first_pass,
        ..*ctx
    };
    let mut record = recorded.unwrap_or_default();
    let mut d = Dissection {
        frame,
        checksum: ChecksumStatus::MIIO_CHECKSUM_NOT_PRESENT,
        decrypt: DecryptStatus::MIIO_DECRYPT_NOT_APPLICABLE,
        ciphertext_len: 0,
        plaintext_len: 0,
        keys_tried: 0,
        any_device_keys_skipped: false,
        key: None,
        key_origin: None,
        payload: None,
        repair: None,
        record: FrameRecord::default(),
        miot: MiotFrame::default(),
    };
    let header = frame.header;
    let short = captured
        .get(..HEADER_LEN)
        .and_then(|b| <&Frame32>::try_from(b).ok());

    match (d.frame.kind, short) {
        (FrameKind::MIIO_KIND_HELLO_REQUEST, _) if first_pass => {
            state.session.short.hello_request(ctx.client, ctx.time_ns);
        }
        (FrameKind::MIIO_KIND_CLOUD_HELLO, _) if first_pass => {
            state.session.short.cloud_hello(ctx.conversation);
        }
        (
            FrameKind::MIIO_KIND_HELLO_REPLY | FrameKind::MIIO_KIND_HELLO_REPLY_TOKEN,
            Some(bytes),
        ) => {
            dissect_short(bytes, ctx, state, &mut d, &mut record);
        }
        (FrameKind::MIIO_KIND_DATA, _) => {
            if first_pass {
                record.stamp_delta = state.session.stamp_delta(header.device_id, header.stamp);
            }
            decrypt_data(captured, ctx, state, plaintext, &mut d, &mut record);
        }
        _ => {}
    }

    if first_pass {
        state.session.store(ctx.id(), record);
    }
    let named_device = !matches!(
        d.frame.kind,
        FrameKind::MIIO_KIND_MALFORMED
            | FrameKind::MIIO_KIND_HELLO_REQUEST
            | FrameKind::MIIO_KIND_CLOUD_HELLO
    );
    if d.miot.model.is_none() && named_device {
        d.miot.model = state.miot.models.model(header.device_id);
    }
    d.record = record;
    d
}

/// A 32-byte frame that is neither a hello nor a cloud hello: a hello reply,
/// a ping, or on a cloud connection a time sync or a keep-alive.
fn dissect_short(
    bytes: &Frame32,
    ctx: &FrameContext,
    state: &mut DissectorState,
    d: &mut Dissection,
    record: &mut FrameRecord,
) {
    let header = d.frame.header;
    if !ctx.visited {
        let cloud = ctx.cloud || state.session.short.is_cloud(ctx.conversation);
        record.short = if cloud {
            Some(
                state
                    .session
                    .short
                    .cloud_short_frame(ctx.conversation, bytes),
            )
        } else {
            record.stamp_delta = state.session.stamp_delta(header.device_id, header.stamp);
            Some(local_short(bytes, &d.frame, ctx, state, record))
        };
    }
    match record.short {
        Some(ShortFrame::TimeSync) => d.frame.kind = FrameKind::MIIO_KIND_TIME_SYNC,
        Some(ShortFrame::KeepAlive { .. }) => d.frame.kind = FrameKind::MIIO_KIND_KEEPALIVE,
        Some(ShortFrame::Ping { .. }) => {
            d.frame.kind = FrameKind::MIIO_KIND_PING;
            d.checksum = ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED;
            if let Some(known) = record.key.and_then(|r| state.keys.get(r)) {
                d.key = record.key;
                d.key_origin = Some(known.origin);
                d.checksum = if known.key.verifies(bytes) {
                    ChecksumStatus::MIIO_CHECKSUM_GOOD
                } else {
                    ChecksumStatus::MIIO_CHECKSUM_BAD
                };
            }
        }
        Some(ShortFrame::HelloReply) => {
            d.key = record.token_key;
            d.key_origin = record
                .token_key
                .and_then(|r| state.keys.get(r))
                .map(|k| k.origin);
        }
        None => {}
    }
}

/// First pass over a local 32-byte frame: decides what it is, learns a
/// hello reply's token as a candidate, settles candidates with a ping.
fn local_short(
    bytes: &Frame32,
    frame: &Frame,
    ctx: &FrameContext,
    state: &mut DissectorState,
    record: &mut FrameRecord,
) -> ShortFrame {
    let header = frame.header;
    if frame.kind == FrameKind::MIIO_KIND_HELLO_REPLY {
        // All 00 or all ff: a provisioned device's hello reply, no token.
        return ShortFrame::HelloReply;
    }
    let mut evidence = state.session.short.local_evidence(bytes, &ctx.place());
    let (choice, _) = state.keys.choose(header.device_id, bytes);
    evidence.checksum_verifies = choice.is_some_and(|c| c.verified);
    let short = local_short_frame(&evidence);
    match short {
        ShortFrame::HelloReply => {
            let origin = KeyOrigin::HelloReply(ctx.number);
            if let Some(key) = state.keys.learn(header.device_id, header.checksum, origin) {
                record.taught = Some(origin);
                replay_pending(state, header.device_id, key);
            }
            record.token_key = state.keys.find(header.device_id, &header.checksum);
        }
        _ => {
            record.key = choice.map(|c| c.key);
            if let Some(c) = choice.filter(|c| c.verified) {
                settle(state, header.device_id, c.key, ctx.number, record);
            }
        }
    }
    short
}

/// A frame of the device verified with `key`: confirms or drops the
/// device's token candidates; notes a dropped one in the frame's record.
fn settle(
    state: &mut DissectorState,
    device_id: u32,
    key: KeyRef,
    frame: u32,
    record: &mut FrameRecord,
) {
    let settled = state.keys.settle(device_id, key, frame);
    if let Some(&hello) = settled.dropped.last() {
        record.candidate_dropped = Some(hello);
    }
}

fn decrypt_data(
    captured: &[u8],
    ctx: &FrameContext,
    state: &mut DissectorState,
    plaintext: &mut [u8],
    d: &mut Dissection,
    record: &mut FrameRecord,
) {
    let header = d.frame.header;
    d.ciphertext_len = usize::from(header.length) - HEADER_LEN;
    d.checksum = ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED;
    // Only the bytes the length field covers are the frame.
    let bytes = match captured.get(..d.frame.frame_len) {
        Some(b) if d.frame.length_status != LengthStatus::MIIO_LENGTH_TRUNCATED => b,
        _ => {
            d.decrypt = DecryptStatus::MIIO_DECRYPT_TRUNCATED;
            return;
        }
    };

    // A later pass reuses the first pass's key (or the key a later frame
    // revealed); a frame that had none may decrypt now with a key learned
    // further on.
    let recorded = record.key.filter(|_| ctx.visited).and_then(|r| {
        let key = state.keys.get(r)?;
        Some(KeyChoice {
            key: r,
            verified: key.key.verifies(bytes),
        })
    });
    let choice = match recorded {
        Some(choice) => Some(choice),
        None => {
            let (choice, tried) = state.keys.choose(header.device_id, bytes);
            // `choose` does not change what it skips: asked after it, and
            // only when no key verified.
            if !ctx.visited && !choice.is_some_and(|c| c.verified) {
                record.any_device_keys_skipped = state.keys.skips_any_device_keys(header.device_id);
            }
            // Said as the first pass found it: keys for any device may have
            // been given up on the device since.
            d.keys_tried = match ctx.visited {
                false => tried,
                true => u32::from(record.keys_tried),
            };
            record.keys_tried = u16::try_from(d.keys_tried).unwrap_or(u16::MAX);
            d.any_device_keys_skipped = record.any_device_keys_skipped;
            choice
        }
    };
    if !ctx.visited {
        match choice {
            Some(c) if c.verified => settle(state, header.device_id, c.key, ctx.number, record),
            // Kept until a key learned further on decrypts it.
            _ => {
                state.keys.missed(header.device_id);
                _ = state.session.pending.hold(ctx, header.device_id, bytes);
            }
        }
    }
    let Some(choice) = choice else {
        d.decrypt = DecryptStatus::MIIO_DECRYPT_NO_KEY;
        return;
    };
    let Some(known) = state.keys.get(choice.key) else {
        d.decrypt = DecryptStatus::MIIO_DECRYPT_NO_KEY;
        return;
    };
    record.key = Some(choice.key);
    d.key = Some(choice.key);
    d.key_origin = Some(known.origin);
    d.checksum = if choice.verified {
        ChecksumStatus::MIIO_CHECKSUM_GOOD
    } else {
        ChecksumStatus::MIIO_CHECKSUM_BAD
    };

    let ciphertext = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    let n = match known.key.decrypt_into(ciphertext, plaintext) {
        Ok(n) => n,
        Err(e) => {
            d.decrypt = match e {
                DecryptError::BadLength => DecryptStatus::MIIO_DECRYPT_BAD_LENGTH,
                DecryptError::BadPadding => DecryptStatus::MIIO_DECRYPT_BAD_PADDING,
                // The shim sizes the buffer from the frame; a smaller one is
                // its bug, reported as "not decrypted", never a partial text.
                DecryptError::BufferTooSmall => DecryptStatus::MIIO_DECRYPT_TRUNCATED,
            };
            return;
        }
    };
    d.decrypt = DecryptStatus::MIIO_DECRYPT_OK;
    d.plaintext_len = plaintext.get(..n).map_or(0, strip_trailing_nuls);
    let (mut payload, repair) =
        payload::read_repairing(plaintext.get(..d.plaintext_len).unwrap_or(&[]));
    if let Some(repair) = repair {
        // The repaired text goes after the decrypted bytes; without room for
        // it the payload is shown as not JSON rather than half repaired.
        match plaintext.get_mut(n..n + repair.text.len()) {
            Some(room) => {
                room.copy_from_slice(&repair.text);
                d.repair = Some((repair.name, n, repair.text.len()));
            }
            None => payload = Payload::not_json(payload.utf8),
        }
    }
    if !ctx.visited {
        if let Some(key) = link(ctx, header.device_id, &payload, state, record) {
            replay_pending(state, header.device_id, key);
        }
    }
    let json = match d.repair {
        Some((_, offset, len)) => plaintext.get(offset..offset + len),
        None => plaintext.get(..d.plaintext_len),
    };
    if let Some(json) = json {
        let at = miot::At {
            frame: ctx.id(),
            first_pass: !ctx.visited,
            device_id: header.device_id,
            request_in: record.request_in,
        };
        d.miot = miot::describe(&mut state.miot, at, &payload, json);
        if let Some(summary) = d.miot.summary.take() {
            payload.summary = summary;
        }
    }
    d.payload = Some(payload);
}

/// First pass: what a decrypted payload tells the rest of the capture.
/// The key it taught, when it revealed a new token for the device.
fn link(
    ctx: &FrameContext,
    device_id: u32,
    payload: &Payload,
    state: &mut DissectorState,
    record: &mut FrameRecord,
) -> Option<KeyRef> {
    let mut learned = None;
    miot::learn_model(&mut state.miot, device_id, payload, ctx.number);
    if let Some((token, via)) = payload.revealed_token {
        let origin = match via {
            Revealer::InfoReply => KeyOrigin::InfoReply(ctx.number),
            Revealer::OtcInfo => KeyOrigin::OtcInfo(ctx.number),
        };
        learned = state.keys.learn(device_id, token, origin);
        if learned.is_some() {
            record.taught = Some(origin);
        }
    }
    let Some((id, _)) = payload.id else {
        return learned;
    };
    let seen = Seen {
        frame: ctx.id(),
        time_ns: ctx.time_ns,
        conversation: ctx.conversation,
        device_id,
        id,
    };
    match payload.kind {
        PayloadKind::Request => {
            record.retry_of = state.session.request(&seen, payload.request_signature());
        }
        PayloadKind::Reply | PayloadKind::ErrorReply => {
            state.session.reply(&seen, record);
        }
        PayloadKind::NotJson | PayloadKind::OtherJson => {}
    }
    learned
}

/// `key` was just learned for `device_id`: the device's frames that
/// waited for a key are tried with it (and only it), and those it verifies
/// are decrypted and linked now, in capture order (and so on for any key
/// those frames reveal).
pub(crate) fn replay_pending(state: &mut DissectorState, device_id: u32, key: KeyRef) {
    let mut learned = vec![key];
    let mut plaintext = Vec::new();
    while let Some(key) = learned.pop() {
        let Some(device_key) = state.keys.get(key).map(|k| k.key.clone()) else {
            continue;
        };
        let fitting = state
            .session
            .pending
            .take_fitting(device_id, |bytes| device_key.verifies(bytes));
        if !fitting.is_empty() {
            state.keys.remember(device_id, key);
        }
        for f in fitting {
            let mut record = state.session.record(f.ctx.id()).unwrap_or_default();
            record.key = Some(key);
            settle(state, device_id, key, f.ctx.number, &mut record);
            plaintext.resize(f.bytes.len(), 0);
            let ciphertext = f.bytes.get(HEADER_LEN..).unwrap_or(&[]);
            if let Ok(n) = device_key.decrypt_into(ciphertext, &mut plaintext) {
                let text = plaintext
                    .get(..n)
                    .map_or(&[][..], |p| &p[..strip_trailing_nuls(p)]);
                let (payload, _) = payload::read_repairing(text);
                learned.extend(link(&f.ctx, device_id, &payload, state, &mut record));
            }
            state.session.store(f.ctx.id(), record);
        }
    }
}

#[cfg(test)]
#[path = "dissect_tests.rs"]
mod tests;
