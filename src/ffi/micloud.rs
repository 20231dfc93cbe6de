//! The Mi cloud API entry point of include/micloud_abi.h.

use std::ffi::c_char;

use super::{bytes, bytes_mut, guarded, put_text, text};
use crate::abi::{
    micloud_check, micloud_context, micloud_direction, micloud_harvest, micloud_info,
    micloud_key_source as Source, micloud_kind, micloud_mode, micloud_miot_text, micloud_param, micloud_push_info, micloud_reply_status,
    miio_status,
    MICLOUD_MAX_HARVEST, MICLOUD_MAX_PARAMS,
};
use crate::micloud::dissect::{dissect, Context, Direction, Dissection, Kind};
use crate::inflate::Inflated;
use crate::micloud::message::{Check, Mode};
use crate::micloud::miot_calls::MiotText;
use crate::micloud::mqtt;
use crate::micloud::reply::Reply;
use crate::micloud::session::KeySource;
use crate::state;

/// # Safety
/// See include/micloud_abi.h.
#[no_mangle]
pub unsafe extern "C" fn micloud_dissect(
    head: *const u8,
    head_len: usize,
    body: *const u8,
    body_len: usize,
    ctx: *const micloud_context,
    plaintext: *mut u8,
    plaintext_cap: usize,
    info: *mut micloud_info,
) -> miio_status {
    guarded(|| {
        let (Some(head), Some(body), Some(c), Some(out), Some(info)) = (
            bytes(head, head_len),
            bytes(body, body_len),
            ctx.as_ref(),
            bytes_mut(plaintext, plaintext_cap),
            info.as_mut(),
        ) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let ctx = Context {
            frame: c.frame_number,
            visited: c.visited != 0,
            connection: c.connection,
            time_ns: i128::from(c.time_sec) * 1_000_000_000 + i128::from(c.time_nsec),
            direction: match c.direction {
                micloud_direction::MICLOUD_DIRECTION_UNKNOWN => Direction::Unknown,
                micloud_direction::MICLOUD_DIRECTION_REQUEST => Direction::Request,
                micloud_direction::MICLOUD_DIRECTION_RESPONSE => Direction::Response,
            },
        };
        let mut state = state::lock();
        let d = dissect(&mut state, &ctx, head, body);
        fill(info, &d, body, out);
        state.micloud.inflated = match d.reply {
            Some(Reply::Compressed {
                inflated: Inflated::Whole(text),
                ..
            }) => text,
            _ => Vec::new(),
        };
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/micloud_abi.h.
#[no_mangle]
pub unsafe extern "C" fn micloud_mqtt_dissect(
    topic: *const c_char,
    payload: *const u8,
    payload_len: usize,
    ctx: *const micloud_context,
    info: *mut micloud_push_info,
) -> miio_status {
    guarded(|| {
        let (Some(payload), Some(c), Some(info)) = (bytes(payload, payload_len), ctx.as_ref(), info.as_mut())
        else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        if topic.is_null() {
            return miio_status::MIIO_ERR_NULL_ARG;
        }
        // SAFETY: micloud_push_info is plain C data; all zeros is a valid value.
        *info = unsafe { std::mem::zeroed() };
        let topic = text(topic);
        let mut state = state::lock();
        let Some(push) = mqtt::dissect(&mut state, c.frame_number, c.visited != 0, &topic, payload) else {
            return miio_status::MIIO_OK;
        };
        info.is_push = 1;
        put_text(&mut info.did, &push.did);
        put_text(&mut info.summary, &push.summary);
        info.miot = super::miot::frame(&push.miot);
        info.method = info.miot.method;
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/micloud_abi.h.
#[no_mangle]
pub unsafe extern "C" fn micloud_inflated_copy(
    dest: *mut u8,
    cap: usize,
    copied: *mut usize,
) -> miio_status {
    guarded(|| {
        let (Some(dest), Some(copied)) = (bytes_mut(dest, cap), copied.as_mut()) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let state = state::lock();
        let n = state.micloud.inflated.len().min(dest.len());
        dest[..n].copy_from_slice(&state.micloud.inflated[..n]);
        *copied = n;
        miio_status::MIIO_OK
    })
}

/// Copies `text` into the plaintext buffer at `*at`; its (offset, length),
/// or `None` when it does not fit.
fn place(out: &mut [u8], at: &mut usize, text: &[u8]) -> Option<(u32, u32)> {
    let dest = out.get_mut(*at..*at + text.len())?;
    dest.copy_from_slice(text);
    let placed = (*at as u32, text.len() as u32);
    *at += text.len();
    Some(placed)
}

fn fill(info: &mut micloud_info, d: &Dissection, body: &[u8], out: &mut [u8]) {
    // SAFETY: micloud_info is plain C data; all zeros is a valid value.
    *info = unsafe { std::mem::zeroed() };
    info.kind = match d.kind {
        Kind::Other => micloud_kind::MICLOUD_OTHER,
        Kind::Request => micloud_kind::MICLOUD_REQUEST,
        Kind::Response => micloud_kind::MICLOUD_RESPONSE,
        Kind::Login => micloud_kind::MICLOUD_LOGIN,
    };
    info.mode = match d.mode {
        None => micloud_mode::MICLOUD_MODE_NONE,
        Some(Mode::Rc4) => micloud_mode::MICLOUD_MODE_RC4,
        Some(Mode::Hmac) => micloud_mode::MICLOUD_MODE_HMAC,
        Some(Mode::Clear) => micloud_mode::MICLOUD_MODE_CLEAR,
    };
    info.miot = super::miot::frame(&d.miot);
    (info.miot_text, info.miot_text_offset) = match d.miot_text {
        MiotText::None => (micloud_miot_text::MICLOUD_MIOT_NONE, 0),
        MiotText::Data => (micloud_miot_text::MICLOUD_MIOT_DATA, 0),
        MiotText::Body(o) => (micloud_miot_text::MICLOUD_MIOT_BODY, o as u32),
        MiotText::Response => (micloud_miot_text::MICLOUD_MIOT_RESPONSE, 0),
    };
    put_text(&mut info.path, d.path.as_deref().unwrap_or(""));
    put_text(&mut info.nonce, d.nonce.as_deref().unwrap_or(""));
    put_text(&mut info.summary, &d.summary);
    (info.rc4_hash, info.signature) = (check(d.rc4_hash), check(d.signature));
    (info.key_source, info.key_ref) = match d.key {
        None => (Source::MICLOUD_KEY_NONE, 0),
        Some(KeySource::TableRow(n)) => (Source::MICLOUD_KEY_TABLE_ROW, n),
        Some(KeySource::LoginReply(n)) => (Source::MICLOUD_KEY_LOGIN_REPLY, n),
        Some(KeySource::RequestField(n)) => (Source::MICLOUD_KEY_REQUEST_FIELD, n),
    };
    info.keys_tried = d.keys_tried;
    let mut at = 0;
    for (slot, p) in info
        .params
        .iter_mut()
        .zip(d.params.iter().take(MICLOUD_MAX_PARAMS as usize))
    {
        let slot: &mut micloud_param = slot;
        put_text(&mut slot.name, &p.name);
        (slot.offset, slot.length) = (p.span.start as u32, p.span.len() as u32);
        if let Some((o, n)) = p.plain.as_deref().and_then(|t| place(out, &mut at, t)) {
            (slot.decrypted, slot.plain_offset, slot.plain_length) = (1, o, n);
        }
        info.param_count += 1;
    }
    fill_reply(info, d, body, out, &mut at);
    let r = &d.record;
    info.request_in = r.request_in.unwrap_or(0);
    info.response_in = r.response_in.unwrap_or(0);
    if let Some(t) = r.response_time_ns {
        (info.has_time, info.time_ns) = (1, t as i64);
    }
    for (slot, h) in info
        .harvest
        .iter_mut()
        .zip(d.harvested.iter().take(MICLOUD_MAX_HARVEST as usize))
    {
        let slot: &mut micloud_harvest = slot;
        put_text(&mut slot.did, &h.device.did);
        if let Some(t) = h.device.token {
            (slot.has_token, slot.token) = (1, t);
        }
        put_text(&mut slot.model, h.device.model.as_deref().unwrap_or(""));
        put_text(&mut slot.localip, h.device.localip.as_deref().unwrap_or(""));
        if let Some(m) = h.device.mac {
            (slot.has_mac, slot.mac) = (1, m);
        }
        if let Some(k) = &h.bindkey {
            let b = k.bytes();
            slot.bindkey_len = b.len() as u8;
            slot.bindkey[..b.len()].copy_from_slice(b);
        }
        info.harvest_count += 1;
    }
}

/// The response's JSON and the reply's decrypted bytes: placed once when
/// they are the same, the inflated text left for `micloud_inflated_copy`.
fn fill_reply(info: &mut micloud_info, d: &Dissection, body: &[u8], out: &mut [u8], at: &mut usize) {
    use micloud_reply_status as S;
    put_text(&mut info.content_encoding, d.content_encoding.as_deref().unwrap_or(""));
    let Some(reply) = &d.reply else {
        // A login reply: its JSON.
        if let Some((o, n)) = d.response.as_deref().and_then(|t| place(out, at, t)) {
            (info.has_response, info.response_offset, info.response_length) = (1, o, n);
        }
        return;
    };
    let decrypted = reply.decrypted().and_then(|t| place(out, at, t));
    if let Some((o, n)) = decrypted {
        (info.has_decrypted, info.decrypted_offset, info.decrypted_length) = (1, o, n);
    }
    info.reply_status = match reply {
        Reply::Clear(text) => {
            let start = body.len() - body.trim_ascii_start().len();
            (info.has_response, info.response_offset, info.response_length) =
                (1, start as u32, text.len() as u32);
            S::MICLOUD_REPLY_CLEAR
        }
        Reply::Json(_) => {
            if let Some((o, n)) = decrypted {
                (info.has_response, info.response_offset, info.response_length) = (1, o, n);
            }
            S::MICLOUD_REPLY_JSON
        }
        Reply::NotJson(_) => S::MICLOUD_REPLY_NOT_JSON,
        Reply::NotBase64 => S::MICLOUD_REPLY_NOT_BASE64,
        Reply::Compressed { format, inflated, .. } => {
            put_text(&mut info.compression, format.name());
            match inflated {
                Inflated::TooLarge => S::MICLOUD_REPLY_TOO_LARGE,
                Inflated::Broken => S::MICLOUD_REPLY_BROKEN,
                Inflated::Whole(text) => {
                    info.inflated_length = u32::try_from(text.len()).unwrap_or(u32::MAX);
                    match d.response {
                        Some(_) => S::MICLOUD_REPLY_INFLATED,
                        None => S::MICLOUD_REPLY_INFLATED_NOT_JSON,
                    }
                }
            }
        }
    };
}

fn check(c: Check) -> micloud_check {
    match c {
        Check::Good => micloud_check::MICLOUD_CHECK_GOOD,
        Check::Bad => micloud_check::MICLOUD_CHECK_BAD,
        Check::NotChecked => micloud_check::MICLOUD_CHECK_NOT_CHECKED,
    }
}
