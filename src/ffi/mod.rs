//! The C ABI declared in include/miio_dissector.h. Each entry point checks
//! its pointers, converts to Rust types, calls the core and catches any
//! panic so that it never unwinds into Wireshark.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::abi::{
    miio_frame_context, miio_frame_info, miio_header, miio_key_origin, miio_payload,
    miio_payload_kind, miio_session, miio_span, miio_status, miio_transport, MIIO_REPAIR_CAP,
    MIIO_TEXT_CAP,
};
use crate::keys::store::Candidacy;
use crate::keys::store::KeyOrigin;
use crate::miio::dissect::{dissect, Dissection, FrameContext};
use crate::miio::frame::{looks_like_miio, stream_has_frame};
use crate::miio::payload::{Payload, PayloadKind, Span};
use crate::miio::short_frame::ShortFrame;
use crate::state;

mod keys;
mod mibeacon;
mod micloud;
mod miot;
mod roborock;
mod stream;
pub use keys::{miio_key_file_use, miio_key_row_check, miio_key_store_replace};
pub use mibeacon::{mibeacon_dissect, mibeacon_locate, mibeacon_quantity_get};
pub use micloud::micloud_dissect;
pub use miot::{miio_miot_copy, miio_miot_spec_folder_use};
pub use roborock::{roborock_dissect_frame, roborock_heuristic_match, roborock_map_copy};
pub use stream::miio_stream_next;
// Its own line: the list above is where the miIO side adds its exports too.
pub use roborock::roborock_data_points_copy;

/// Runs `body`, turning a panic into `MIIO_ERR_PANIC`.
fn guarded(body: impl FnOnce() -> miio_status) -> miio_status {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(miio_status::MIIO_ERR_PANIC)
}

/// A byte slice from a C pointer and length; NULL is only allowed with length 0.
///
/// # Safety
/// `ptr` must point to `len` readable bytes when non-NULL.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        (len == 0).then_some(&[])
    } else {
        Some(std::slice::from_raw_parts(ptr, len))
    }
}

/// # Safety
/// `ptr` must point to `len` writable bytes when non-NULL.
unsafe fn bytes_mut<'a>(ptr: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    if ptr.is_null() {
        (len == 0).then_some(&mut [])
    } else {
        Some(std::slice::from_raw_parts_mut(ptr, len))
    }
}

/// A C string as text; NULL reads as "" and invalid UTF-8 is replaced.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string.
unsafe fn text<'a>(ptr: *const c_char) -> std::borrow::Cow<'a, str> {
    if ptr.is_null() {
        "".into()
    } else {
        CStr::from_ptr(ptr).to_string_lossy()
    }
}

/// Writes `s` as a NUL-terminated string into a caller buffer of `cap`
/// bytes, cut at a character boundary when it does not fit.
///
/// # Safety
/// `buf` must be NULL or point to `cap` writable bytes.
unsafe fn write_text(buf: *mut c_char, cap: usize, s: &str) {
    let Some(out) = bytes_mut(buf.cast(), cap) else {
        return;
    };
    if out.is_empty() {
        return;
    }
    let mut n = s.len().min(out.len() - 1);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    out[..n].copy_from_slice(&s.as_bytes()[..n]);
    out[n] = 0;
}

/// [`write_text`] into a fixed array of a C struct.
pub(crate) fn put_text(buf: &mut [c_char], s: &str) {
    // SAFETY: the slice is `buf.len()` writable bytes.
    unsafe { write_text(buf.as_mut_ptr(), buf.len(), s) }
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_dissect_frame(
    frame: *const u8,
    frame_len: usize,
    reported_len: usize,
    ctx: *const miio_frame_context,
    plaintext: *mut u8,
    plaintext_cap: usize,
    info: *mut miio_frame_info,
) -> miio_status {
    guarded(|| {
        let (Some(frame), Some(ctx), Some(out), Some(info)) = (
            bytes(frame, frame_len),
            ctx.as_ref(),
            bytes_mut(plaintext, plaintext_cap),
            info.as_mut(),
        ) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let ctx = FrameContext {
            number: ctx.frame_number,
            pdu: ctx.pdu_index,
            cloud: ctx.transport == miio_transport::MIIO_TRANSPORT_CLOUD,
            visited: ctx.visited != 0,
            conversation: ctx.conversation,
            time_ns: i128::from(ctx.time_sec) * 1_000_000_000 + i128::from(ctx.time_nsec),
            direction: ctx.direction,
            client: ctx.client,
        };
        let mut state = state::lock();
        let mut d = dissect(frame, reported_len, &ctx, &mut state, out);
        let candidacy = d
            .key
            .and_then(|r| state.keys.get(r))
            .and_then(|k| k.candidacy);
        *info = frame_info(&d, candidacy);
        miot::keep(&mut state, &mut d.miot);
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_mdns_identities(
    msg: *const u8,
    msg_len: usize,
    frame_number: u32,
    visited: u8,
    out: *mut crate::abi::miio_mdns_identity,
    cap: usize,
    count: *mut usize,
) -> miio_status {
    guarded(|| {
        let (Some(msg), Some(count)) = (bytes(msg, msg_len), count.as_mut()) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        *count = 0;
        if out.is_null() && cap != 0 {
            return miio_status::MIIO_ERR_NULL_ARG;
        }
        let found = crate::miio::mdns::identities(msg);
        if visited == 0 && !found.is_empty() {
            let mut state = state::lock();
            for id in &found {
                let source = crate::miot::models::ModelSource::Mdns(frame_number);
                state.miot.models.learn(id.device_id, &id.model, source);
            }
        }
        for (i, id) in found.iter().take(cap).enumerate() {
            // SAFETY: all-zero is a valid miio_mdns_identity.
            let mut slot: crate::abi::miio_mdns_identity = std::mem::zeroed();
            put_text(&mut slot.instance, &id.instance);
            put_text(&mut slot.model, &id.model);
            slot.device_id = id.device_id;
            if let Some(mac) = id.mac {
                (slot.has_mac, slot.mac) = (1, mac);
            }
            out.add(i).write(slot);
            *count = i + 1;
        }
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_port80_claims(
    connection: u32,
    segment: *const u8,
    segment_len: usize,
    claims: *mut u8,
) -> miio_status {
    guarded(|| {
        let (Some(segment), Some(claims)) = (bytes(segment, segment_len), claims.as_mut()) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        *claims = u8::from(state::lock().port80.claims(connection, segment));
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_heuristic_match(
    frame: *const u8,
    frame_len: usize,
    reported_len: usize,
    stream: u8,
    matches: *mut u8,
) -> miio_status {
    guarded(|| {
        let (Some(frame), Some(matches)) = (bytes(frame, frame_len), matches.as_mut()) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        *matches = u8::from(match stream {
            0 => looks_like_miio(frame, reported_len, false),
            _ => stream_has_frame(frame),
        });
        miio_status::MIIO_OK
    })
}

#[no_mangle]
pub extern "C" fn miio_capture_reset() -> miio_status {
    guarded(|| {
        state::lock().reset_capture();
        miio_status::MIIO_OK
    })
}

/// The C view of a dissection.
/// `candidacy`: what became of the key used, when it is a token learned
/// from a hello reply.
fn frame_info(d: &Dissection, candidacy: Option<Candidacy>) -> miio_frame_info {
    let (key_confirmed_in, key_dropped_in) = match candidacy {
        Some(Candidacy::ConfirmedIn(n)) => (n, 0),
        Some(Candidacy::DroppedIn(n)) => (0, n),
        Some(Candidacy::Open) | None => (0, 0),
    };
    let h = d.frame.header;
    let r = &d.record;
    let (key_origin, key_origin_ref) = origin(d.key_origin);
    let (taught, _) = origin(r.taught);
    miio_frame_info {
        header: miio_header {
            magic: h.magic,
            length: h.length,
            unknown: h.unknown,
            device_id: h.device_id,
            stamp: h.stamp,
            checksum: h.checksum,
        },
        kind: d.frame.kind,
        length_status: d.frame.length_status,
        checksum_status: d.checksum,
        decrypt_status: d.decrypt,
        frame_len: d.frame.frame_len,
        ciphertext_len: d.ciphertext_len,
        plaintext_len: d.plaintext_len,
        keys_tried: d.keys_tried,
        any_device_keys_skipped: u8::from(d.any_device_keys_skipped),
        payload: d
            .payload
            .as_ref()
            .map_or_else(no_payload, |p| payload_info(p, d.repair)),
        session: miio_session {
            key_origin,
            key_origin_ref,
            key_confirmed_in,
            key_dropped_in,
            taught,
            echo: u8::from(matches!(
                r.short,
                Some(ShortFrame::KeepAlive { echo: true } | ShortFrame::Ping { echo: true })
            )),
            candidate_dropped: r.candidate_dropped.unwrap_or(0),
            request_in: r.request_in.unwrap_or(0),
            response_in: r.response_in.unwrap_or(0),
            has_response_time: u8::from(r.response_time_ns.is_some()),
            response_time_ns: r.response_time_ns.unwrap_or(0),
            duplicate_of: r.duplicate_of.unwrap_or(0),
            retry_of: r.retry_of.unwrap_or(0),
            has_stamp_delta: u8::from(r.stamp_delta.is_some()),
            stamp_delta: r.stamp_delta.unwrap_or(0),
        },
        miot: miot::frame(&d.miot),
    }
}

fn origin(o: Option<KeyOrigin>) -> (miio_key_origin, u32) {
    match o {
        None => (miio_key_origin::MIIO_KEY_ORIGIN_NONE, 0),
        Some(KeyOrigin::TableRow(n)) => (miio_key_origin::MIIO_KEY_ORIGIN_TABLE_ROW, n),
        Some(KeyOrigin::FileLine(n)) => (miio_key_origin::MIIO_KEY_ORIGIN_FILE_LINE, n),
        Some(KeyOrigin::HelloReply(n)) => (miio_key_origin::MIIO_KEY_ORIGIN_HELLO_REPLY, n),
        Some(KeyOrigin::InfoReply(n)) => (miio_key_origin::MIIO_KEY_ORIGIN_INFO_REPLY, n),
        Some(KeyOrigin::OtcInfo(n)) => (miio_key_origin::MIIO_KEY_ORIGIN_OTC_INFO, n),
        Some(KeyOrigin::MicloudReply(n)) => (miio_key_origin::MIIO_KEY_ORIGIN_MICLOUD, n),
    }
}

pub(crate) fn span(s: Option<Span>) -> miio_span {
    match s {
        // A plaintext comes from one frame (< 64 KiB), so spans fit in u32.
        Some(s) => miio_span {
            present: 1,
            offset: u32::try_from(s.offset).unwrap_or(u32::MAX),
            length: u32::try_from(s.len).unwrap_or(0),
        },
        None => miio_span {
            present: 0,
            offset: 0,
            length: 0,
        },
    }
}

fn no_payload() -> miio_payload {
    payload_fields(
        miio_payload_kind::MIIO_PAYLOAD_NONE,
        &Payload::default(),
        None,
    )
}

fn payload_info(p: &Payload, repair: Option<(&str, usize, usize)>) -> miio_payload {
    let kind = match p.kind {
        PayloadKind::NotJson => miio_payload_kind::MIIO_PAYLOAD_NOT_JSON,
        PayloadKind::Request => miio_payload_kind::MIIO_PAYLOAD_REQUEST,
        PayloadKind::Reply => miio_payload_kind::MIIO_PAYLOAD_REPLY,
        PayloadKind::ErrorReply => miio_payload_kind::MIIO_PAYLOAD_ERROR_REPLY,
        PayloadKind::OtherJson => miio_payload_kind::MIIO_PAYLOAD_OTHER_JSON,
    };
    payload_fields(kind, p, repair)
}

fn payload_fields(
    kind: miio_payload_kind,
    p: &Payload,
    repair: Option<(&str, usize, usize)>,
) -> miio_payload {
    let mut summary = [0 as c_char; MIIO_TEXT_CAP as usize];
    let mut repair_name = [0 as c_char; MIIO_REPAIR_CAP as usize];
    // SAFETY: each array is as many writable bytes as its length.
    unsafe {
        write_text(summary.as_mut_ptr(), summary.len(), &p.summary);
        write_text(
            repair_name.as_mut_ptr(),
            repair_name.len(),
            repair.map_or("", |r| r.0),
        );
    }
    miio_payload {
        kind,
        utf8: u8::from(p.utf8),
        repaired: span(repair.map(|(_, offset, len)| Span { offset, len })),
        repair: repair_name,
        id_is_integer: u8::from(p.id.is_some()),
        id: p.id.map_or(0, |(id, _)| id),
        id_span: span(p.id.map(|(_, s)| s)),
        method: span(p.method.as_ref().map(|(_, s)| *s)),
        params: span(p.params),
        result: span(p.result),
        error: span(p.error),
        error_code: p.error_code.map_or(0, |(c, _)| c),
        error_code_span: span(p.error_code.map(|(_, s)| s)),
        error_message: span(p.error_message),
        summary,
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
