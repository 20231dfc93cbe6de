//! The Roborock entry points of include/miio_dissector.h.

use std::ffi::c_char;

use super::{bytes, bytes_mut, guarded, put_text, text};
use crate::abi::{
    miio_checksum_status as Checksum, miio_span, miio_status, roborock_body, roborock_carrier,
    roborock_data_point, roborock_decrypt_status as DecryptStatus, roborock_frame_context,
    roborock_frame_error, roborock_frame_info, roborock_map_status,
    roborock_payload_kind as PayloadKind,
};
use crate::miio::payload::Span;
use crate::roborock::data_points::DataPoint;
use crate::roborock::dissect::{dissect, Carrier, Context, Decrypt, Dissection, Map};
use crate::roborock::frame::{self, Body, FrameError, Version};
use crate::roborock::payload::Kind;
use crate::state;

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn roborock_dissect_frame(
    frame: *const u8,
    frame_len: usize,
    ctx: *const roborock_frame_context,
    plaintext: *mut u8,
    plaintext_cap: usize,
    info: *mut roborock_frame_info,
) -> miio_status {
    guarded(|| {
        let (Some(frame), Some(c), Some(out), Some(info)) = (
            bytes(frame, frame_len),
            ctx.as_ref(),
            bytes_mut(plaintext, plaintext_cap),
            info.as_mut(),
        ) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let duid = (!c.duid.is_null()).then(|| text(c.duid).into_owned());
        let ctx = Context {
            number: c.frame_number,
            pdu: c.pdu_index,
            visited: c.visited != 0,
            conversation: c.conversation,
            time_ns: i128::from(c.time_sec) * 1_000_000_000 + i128::from(c.time_nsec),
            carrier: match c.carrier {
                roborock_carrier::ROBOROCK_CARRIER_TCP => Carrier::Tcp,
                roborock_carrier::ROBOROCK_CARRIER_MQTT => Carrier::Mqtt,
                roborock_carrier::ROBOROCK_CARRIER_DISCOVERY => Carrier::Discovery,
            },
            duid: duid.filter(|d| !d.is_empty()),
            device_address: c.device_address,
        };
        let mut st = state::lock();
        let mut d = dissect(frame, &ctx, &mut st.roborock, out);
        *info = frame_info(&d);
        st.roborock.data_points = std::mem::take(&mut d.reading.data_points);
        // Spans past what was written out are not the shim's to read.
        st.roborock
            .data_points
            .retain(|p| p.value.offset + p.value.len <= d.plaintext_len);
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn roborock_map_copy(
    dest: *mut u8,
    cap: usize,
    copied: *mut usize,
) -> miio_status {
    guarded(|| {
        let Some(dest) = bytes_mut(dest, cap) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let state = state::lock();
        let n = state.roborock.map.len().min(dest.len());
        dest[..n].copy_from_slice(&state.roborock.map[..n]);
        if let Some(copied) = copied.as_mut() {
            *copied = n;
        }
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn roborock_data_points_copy(
    dest: *mut roborock_data_point,
    cap: usize,
    count: *mut usize,
) -> miio_status {
    guarded(|| {
        let dest = match (dest.is_null(), cap) {
            (_, 0) => &mut [][..],
            (true, _) => return miio_status::MIIO_ERR_NULL_ARG,
            // SAFETY: the caller gives cap writable data points at dest.
            (false, _) => std::slice::from_raw_parts_mut(dest, cap),
        };
        let state = state::lock();
        let points = &state.roborock.data_points;
        for (out, p) in dest.iter_mut().zip(points) {
            *out = data_point(p);
        }
        if let Some(count) = count.as_mut() {
            *count = points.len();
        }
        miio_status::MIIO_OK
    })
}

/// The C view of a data point.
fn data_point(p: &DataPoint) -> roborock_data_point {
    // SAFETY: plain data; all-zero is valid for every field.
    let mut out: roborock_data_point = unsafe { std::mem::zeroed() };
    out.id_is_number = u8::from(p.id.is_some());
    out.id = p.id.unwrap_or(0);
    out.key = span(Some(p.key));
    out.value = span(Some(p.value));
    put_text(&mut out.name, p.name.as_deref().unwrap_or(""));
    put_text(&mut out.description, p.description.unwrap_or(""));
    out
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn roborock_heuristic_match(
    frame: *const u8,
    frame_len: usize,
    matches: *mut u8,
) -> miio_status {
    guarded(|| {
        let (Some(frame), Some(matches)) = (bytes(frame, frame_len), matches.as_mut()) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        *matches = u8::from(frame::looks_like_roborock(frame));
        miio_status::MIIO_OK
    })
}

fn span(s: Option<Span>) -> miio_span {
    super::span(s)
}

fn version_text(v: Version) -> [c_char; 4] {
    let b: &[u8; 3] = match v {
        Version::V1 => b"1.0",
        Version::A01 => b"A01",
        Version::B01 => b"B01",
        Version::L01 => b"L01",
    };
    [b[0] as c_char, b[1] as c_char, b[2] as c_char, 0]
}

fn checksum(ok: bool) -> Checksum {
    if ok {
        Checksum::MIIO_CHECKSUM_GOOD
    } else {
        Checksum::MIIO_CHECKSUM_BAD
    }
}

/// The C view of a dissection.
fn frame_info(d: &Dissection) -> roborock_frame_info {
    // SAFETY: plain data; all-zero is valid for every field (each enum has
    // a variant 0).
    let mut info: roborock_frame_info = unsafe { std::mem::zeroed() };
    info.error = match d.error {
        None => roborock_frame_error::ROBOROCK_FRAME_OK,
        Some(FrameError::Short) => roborock_frame_error::ROBOROCK_FRAME_SHORT,
        Some(FrameError::BadVersion) => roborock_frame_error::ROBOROCK_FRAME_BAD_VERSION,
        Some(FrameError::BadLength) => roborock_frame_error::ROBOROCK_FRAME_BAD_LENGTH,
    };
    info.crc_status = Checksum::MIIO_CHECKSUM_NOT_PRESENT;
    info.tag_status = Checksum::MIIO_CHECKSUM_NOT_PRESENT;
    if let Some(f) = d.frame {
        let h = f.header;
        info.version = version_text(h.version);
        (info.seq, info.random, info.timestamp, info.protocol) =
            (h.seq, h.random, h.timestamp, h.protocol);
        match f.body {
            Body::Bare => info.body = roborock_body::ROBOROCK_BODY_BARE,
            Body::Trailer { value, is_crc } => {
                info.body = roborock_body::ROBOROCK_BODY_TRAILER;
                info.trailer = value;
                if is_crc {
                    info.crc_status = Checksum::MIIO_CHECKSUM_GOOD;
                }
            }
            Body::Payload {
                offset,
                len,
                crc_ok,
                ..
            } => {
                info.body = roborock_body::ROBOROCK_BODY_PAYLOAD;
                info.payload_offset = offset as u32;
                info.payload_len = len as u32;
                info.crc_status = checksum(crc_ok);
                if h.version == Version::L01 {
                    info.tag_status = match d.decrypt {
                        Decrypt::Ok => Checksum::MIIO_CHECKSUM_GOOD,
                        Decrypt::BadTag => Checksum::MIIO_CHECKSUM_BAD,
                        _ => Checksum::MIIO_CHECKSUM_UNVERIFIED,
                    };
                }
            }
        }
    }
    if let Some(b) = d.broadcast {
        info.broadcast = 1;
        info.version = version_text(b.version);
        (info.seq, info.protocol) = (b.seq, b.protocol);
        info.body = roborock_body::ROBOROCK_BODY_PAYLOAD;
        info.payload_offset = b.offset as u32;
        info.payload_len = b.len as u32;
        info.crc_status = checksum(b.crc_ok);
    }
    info.decrypt_status = match d.decrypt {
        Decrypt::NotApplicable => DecryptStatus::ROBOROCK_DECRYPT_NOT_APPLICABLE,
        Decrypt::NoKey => DecryptStatus::ROBOROCK_DECRYPT_NO_KEY,
        Decrypt::Ok => DecryptStatus::ROBOROCK_DECRYPT_OK,
        Decrypt::BadLength => DecryptStatus::ROBOROCK_DECRYPT_BAD_LENGTH,
        Decrypt::BadPadding => DecryptStatus::ROBOROCK_DECRYPT_BAD_PADDING,
        Decrypt::BadTag => DecryptStatus::ROBOROCK_DECRYPT_BAD_TAG,
        Decrypt::NoNonces => DecryptStatus::ROBOROCK_DECRYPT_NO_NONCES,
        Decrypt::GivenUp => DecryptStatus::ROBOROCK_DECRYPT_GIVEN_UP,
    };
    info.key_row = d.key_row.unwrap_or(0);
    info.keys_tried = d.keys_tried;
    info.plaintext_len = d.plaintext_len;
    info.utf8 = u8::from(d.plaintext_utf8);
    let r = &d.reading;
    info.payload_kind = match (r.kind, d.decrypt) {
        _ if d.broadcast.is_some() && d.decrypt == Decrypt::Ok => {
            PayloadKind::ROBOROCK_PAYLOAD_DISCOVERY
        }
        _ if d.map != Map::None => PayloadKind::ROBOROCK_PAYLOAD_MAP,
        (_, decrypt) if decrypt != Decrypt::Ok => PayloadKind::ROBOROCK_PAYLOAD_NONE,
        (Kind::NotJson, _) => PayloadKind::ROBOROCK_PAYLOAD_OTHER,
        (Kind::RpcRequest, _) => PayloadKind::ROBOROCK_PAYLOAD_RPC_REQUEST,
        (Kind::RpcReply, _) => PayloadKind::ROBOROCK_PAYLOAD_RPC_REPLY,
        (Kind::RpcError, _) => PayloadKind::ROBOROCK_PAYLOAD_RPC_ERROR,
        (Kind::DataPoints, _) => PayloadKind::ROBOROCK_PAYLOAD_DATA_POINTS,
        (Kind::Other, _) => PayloadKind::ROBOROCK_PAYLOAD_OTHER,
    };
    // Spans into the RPC text, which sits at `inner_at` in the buffer.
    let base = d.inner_at.map_or(0, |(at, _)| at);
    let shifted = |s: Option<Span>| {
        span(s.filter(|_| d.inner_at.is_some()).map(|s| Span {
            offset: s.offset + base,
            len: s.len,
        }))
    };
    info.inner = span(d.inner_at.map(|(offset, len)| Span { offset, len }));
    if let Some((id, s)) = r.id {
        info.id_is_integer = 1;
        info.id = id;
        info.id_span = shifted(Some(s));
    }
    info.method = shifted(r.method.as_ref().map(|m| m.1));
    info.params = shifted(r.params);
    info.result = shifted(r.result);
    if let Some((code, s)) = r.error_code {
        info.error_code = code;
        info.error_code_span = shifted(Some(s));
    }
    info.error_message = shifted(r.error_message);
    (info.map_status, info.map_request_id, info.map_len) = match d.map {
        Map::None => (roborock_map_status::ROBOROCK_MAP_NONE, 0, 0),
        Map::Inflated { request_id, len } => {
            (roborock_map_status::ROBOROCK_MAP_INFLATED, request_id, len)
        }
        Map::NoNonce { request_id } => (roborock_map_status::ROBOROCK_MAP_NO_NONCE, request_id, 0),
        Map::Failed { request_id } => (roborock_map_status::ROBOROCK_MAP_FAILED, request_id, 0),
        Map::TooLarge { request_id } => {
            (roborock_map_status::ROBOROCK_MAP_TOO_LARGE, request_id, 0)
        }
    };
    let rec = d.record;
    info.request_in = rec.request_in.unwrap_or(0);
    info.response_in = rec.response_in.unwrap_or(0);
    info.has_response_time = u8::from(rec.response_time_ns.is_some());
    info.response_time_ns = rec.response_time_ns.unwrap_or(0);
    put_text(&mut info.duid, d.duid.as_deref().unwrap_or(""));
    put_text(&mut info.summary, &r.summary);
    info
}
