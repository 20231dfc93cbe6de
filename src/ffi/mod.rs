//! The C ABI declared in include/miio_dissector.h. Each entry point checks
//! its pointers, converts to Rust types, calls the core and catches any
//! panic so that it never unwinds into Wireshark.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use std::path::PathBuf;

use crate::abi::{
    miio_frame_context, miio_frame_info, miio_header, miio_key_origin, miio_key_row, miio_payload,
    miio_payload_kind, miio_pdu_kind, miio_session, miio_span, miio_status, miio_transport,
    MIIO_REPAIR_CAP, MIIO_TEXT_CAP,
};
use crate::keys::roborock::{parse_any_row, AnyKeyEntry};
use crate::keys::store::Candidacy;
use crate::keys::store::KeyOrigin;
use crate::keys::RawRow;
use crate::miio::dissect::{dissect, Dissection, FrameContext};
use crate::miio::frame::{looks_like_miio, stream_pdu, StreamPdu};
use crate::miio::payload::{Payload, PayloadKind, Span};
use crate::miio::short_frame::ShortFrame;
use crate::{keys::file as key_file, state};

mod roborock;
pub use roborock::{
    roborock_dissect_frame, roborock_heuristic_match, roborock_map_copy, roborock_stream_pdu,
};

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

unsafe fn raw_row<'a>(row: &'a miio_key_row) -> [std::borrow::Cow<'a, str>; 4] {
    [
        text(row.device_id),
        text(row.key_type),
        text(row.key),
        text(row.comment),
    ]
}

fn check_row(
    fields: &[std::borrow::Cow<'_, str>; 4],
    row: Option<u32>,
) -> Result<AnyKeyEntry, String> {
    let raw = RawRow {
        device_id: &fields[0],
        key_type: &fields[1],
        key: &fields[2],
        comment: &fields[3],
    };
    parse_any_row(&raw, row)
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
        let d = dissect(frame, reported_len, &ctx, &mut state, out);
        let candidacy = d
            .key
            .and_then(|r| state.keys.get(r))
            .and_then(|k| k.candidacy);
        *info = frame_info(&d, candidacy);
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
        *matches = u8::from(looks_like_miio(frame, reported_len, stream != 0));
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_stream_pdu(
    bytes_in: *const u8,
    avail: usize,
    kind: *mut miio_pdu_kind,
    length: *mut usize,
) -> miio_status {
    guarded(|| {
        let (Some(data), Some(kind), Some(length)) =
            (bytes(bytes_in, avail), kind.as_mut(), length.as_mut())
        else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        (*kind, *length) = match stream_pdu(data) {
            StreamPdu::NeedMore => (miio_pdu_kind::MIIO_PDU_NEED_MORE, 0),
            StreamPdu::Frame(n) => (miio_pdu_kind::MIIO_PDU_FRAME, n),
            StreamPdu::MapBlob => (miio_pdu_kind::MIIO_PDU_MAP_BLOB, avail),
            StreamPdu::Other => (miio_pdu_kind::MIIO_PDU_OTHER, avail),
        };
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

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_key_file_use(
    path: *const c_char,
    report: *mut c_char,
    report_cap: usize,
    changed: *mut u8,
    keys_loaded: *mut usize,
) -> miio_status {
    guarded(|| {
        write_text(report, report_cap, "");
        let path = PathBuf::from(text(path).trim());
        let outcome = key_file::use_file(&mut state::lock(), &path);
        if let Some(changed) = changed.as_mut() {
            *changed = u8::from(outcome.changed);
        }
        if let Some(loaded) = keys_loaded.as_mut() {
            *loaded = outcome.keys_loaded;
        }
        write_text(report, report_cap, &outcome.report.join("\n"));
        if outcome.readable {
            miio_status::MIIO_OK
        } else {
            miio_status::MIIO_ERR_INVALID
        }
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

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_key_row_check(
    row: *const miio_key_row,
    message: *mut c_char,
    message_cap: usize,
) -> miio_status {
    guarded(|| {
        write_text(message, message_cap, "");
        let Some(row) = row.as_ref() else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        // The UAT callback sees one row at a time, without its position.
        match check_row(&raw_row(row), None) {
            Ok(_) => miio_status::MIIO_OK,
            Err(msg) => {
                write_text(message, message_cap, &msg);
                miio_status::MIIO_ERR_INVALID
            }
        }
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_key_store_replace(
    rows: *const miio_key_row,
    row_count: usize,
    rows_loaded: *mut usize,
) -> miio_status {
    guarded(|| {
        let rows: &[miio_key_row] = if rows.is_null() {
            if row_count != 0 {
                return miio_status::MIIO_ERR_NULL_ARG;
            }
            &[]
        } else {
            std::slice::from_raw_parts(rows, row_count)
        };
        let (mut miio, mut roborock) = (Vec::new(), Vec::new());
        for (i, row) in rows.iter().enumerate() {
            let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            match check_row(&raw_row(row), Some(position)) {
                Ok(AnyKeyEntry::Miio(e)) => miio.push(e),
                Ok(AnyKeyEntry::Roborock(e)) => roborock.push(e),
                Err(_) => {}
            }
        }
        if let Some(loaded) = rows_loaded.as_mut() {
            *loaded = miio.len() + roborock.len();
        }
        let mut state = state::lock();
        state.keys.set_table_keys(miio);
        state.roborock.set_table_keys(roborock);
        miio_status::MIIO_OK
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;
    use std::ptr;
    use std::sync::Mutex;

    use super::*;
    use crate::abi::{miio_checksum_status, miio_decrypt_status, miio_frame_kind};
    use crate::miio::test_frames::{hex, INFO_REPLY, INFO_REQUEST, TOKEN};

    /// The state is global: tests that touch it take turns.
    static STATE_LOCK: Mutex<()> = Mutex::new(());

    struct Row {
        strings: [CString; 4],
    }

    impl Row {
        fn new(device_id: &str, key_type: &str, key: &str, comment: &str) -> Row {
            let c = |s: &str| CString::new(s).unwrap();
            Row {
                strings: [c(device_id), c(key_type), c(key), c(comment)],
            }
        }
        fn abi(&self) -> miio_key_row {
            miio_key_row {
                device_id: self.strings[0].as_ptr(),
                key_type: self.strings[1].as_ptr(),
                key: self.strings[2].as_ptr(),
                comment: self.strings[3].as_ptr(),
            }
        }
    }

    fn zeroed_info() -> miio_frame_info {
        // SAFETY: miio_frame_info is plain data; all-zero is a valid value
        // for every field (each enum has a variant 0).
        unsafe { std::mem::zeroed() }
    }

    fn ctx(frame_number: u32, visited: bool) -> miio_frame_context {
        miio_frame_context {
            frame_number,
            pdu_index: 0,
            transport: miio_transport::MIIO_TRANSPORT_LOCAL,
            visited: u8::from(visited),
            conversation: 1,
            time_sec: 1_700_000_000,
            time_nsec: 0,
            direction: crate::abi::miio_direction::MIIO_DIRECTION_UNKNOWN,
            client: 0,
        }
    }

    fn dissect_via_abi(
        frame: &[u8],
        c: &miio_frame_context,
        plaintext: &mut [u8],
    ) -> (miio_status, miio_frame_info) {
        let mut info = zeroed_info();
        let status = unsafe {
            miio_dissect_frame(
                frame.as_ptr(),
                frame.len(),
                frame.len(),
                c,
                plaintext.as_mut_ptr(),
                plaintext.len(),
                &mut info,
            )
        };
        (status, info)
    }

    fn summary(info: &miio_frame_info) -> String {
        unsafe { CStr::from_ptr(info.payload.summary.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn replace_then_dissect_decrypts_and_links() {
        let _lock = STATE_LOCK.lock().unwrap();
        assert_eq!(miio_capture_reset(), miio_status::MIIO_OK);
        let rows = [
            Row::new("bad id", "token", TOKEN, ""),
            Row::new("0a1b2c3d", "token", TOKEN, "vacuum"),
        ];
        let abi_rows: Vec<_> = rows.iter().map(Row::abi).collect();
        let mut loaded = 99usize;
        let status =
            unsafe { miio_key_store_replace(abi_rows.as_ptr(), abi_rows.len(), &mut loaded) };
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(loaded, 1, "the bad row is skipped, the good one kept");

        let frame = hex(INFO_REQUEST);
        let mut plain = vec![0u8; frame.len()];
        let (status, info) = dissect_via_abi(&frame, &ctx(7, false), &mut plain);
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(info.kind, miio_frame_kind::MIIO_KIND_DATA);
        assert_eq!(
            info.checksum_status,
            miio_checksum_status::MIIO_CHECKSUM_GOOD
        );
        assert_eq!(info.decrypt_status, miio_decrypt_status::MIIO_DECRYPT_OK);
        assert_eq!(
            info.session.key_origin,
            miio_key_origin::MIIO_KEY_ORIGIN_TABLE_ROW
        );
        assert_eq!(
            info.session.key_origin_ref, 2,
            "row numbers are positions in the user's table"
        );
        assert_eq!(info.header.device_id, 0x0a1b2c3d);
        let text = &plain[..info.plaintext_len];
        assert_eq!(text, br#"{"id": 1, "method": "miIO.info", "params": []}"#);
        assert_eq!(summary(&info), "miIO.info id=1");
        let m = info.payload.method;
        assert_eq!(m.present, 1);
        assert_eq!(
            &text[m.offset as usize..(m.offset + m.length) as usize],
            b"miIO.info"
        );

        let reply = hex(INFO_REPLY);
        let mut plain = vec![0u8; reply.len()];
        let (_, info) = dissect_via_abi(&reply, &ctx(8, false), &mut plain);
        assert_eq!(info.session.request_in, 7);
        assert_eq!(info.payload.kind, miio_payload_kind::MIIO_PAYLOAD_REPLY);
        let (_, again) = dissect_via_abi(&frame, &ctx(7, true), &mut plain);
        assert_eq!(again.session.response_in, 8);

        let status = unsafe { miio_key_store_replace(ptr::null(), 0, ptr::null_mut()) };
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(miio_capture_reset(), miio_status::MIIO_OK);
        let (_, info) = dissect_via_abi(&frame, &ctx(7, false), &mut plain);
        assert_eq!(
            info.decrypt_status,
            miio_decrypt_status::MIIO_DECRYPT_NO_KEY
        );
        assert_eq!(info.payload.kind, miio_payload_kind::MIIO_PAYLOAD_NONE);
        assert_eq!(summary(&info), "");
    }

    #[test]
    fn null_pointers_are_refused() {
        let mut info = zeroed_info();
        let mut buf = [0u8; 8];
        let c = ctx(1, false);
        let mut flag = 0u8;
        unsafe {
            assert_eq!(
                miio_dissect_frame(ptr::null(), 10, 10, &c, buf.as_mut_ptr(), 8, &mut info),
                miio_status::MIIO_ERR_NULL_ARG
            );
            assert_eq!(
                miio_dissect_frame(
                    buf.as_ptr(),
                    8,
                    8,
                    ptr::null(),
                    buf.as_mut_ptr(),
                    8,
                    &mut info
                ),
                miio_status::MIIO_ERR_NULL_ARG
            );
            assert_eq!(
                miio_dissect_frame(buf.as_ptr(), 8, 8, &c, buf.as_mut_ptr(), 8, ptr::null_mut()),
                miio_status::MIIO_ERR_NULL_ARG
            );
            assert_eq!(
                miio_key_row_check(ptr::null(), ptr::null_mut(), 0),
                miio_status::MIIO_ERR_NULL_ARG
            );
            assert_eq!(
                miio_key_store_replace(ptr::null(), 3, ptr::null_mut()),
                miio_status::MIIO_ERR_NULL_ARG
            );
            assert_eq!(
                miio_heuristic_match(ptr::null(), 3, 3, 0, &mut flag),
                miio_status::MIIO_ERR_NULL_ARG
            );
            assert_eq!(
                miio_heuristic_match(buf.as_ptr(), 8, 8, 0, ptr::null_mut()),
                miio_status::MIIO_ERR_NULL_ARG
            );
        }
    }

    #[test]
    fn heuristic_via_abi() {
        let frame = hex(INFO_REQUEST);
        let mut matches = 9u8;
        let status = unsafe {
            miio_heuristic_match(frame.as_ptr(), frame.len(), frame.len(), 0, &mut matches)
        };
        assert_eq!((status, matches), (miio_status::MIIO_OK, 1));
        let status = unsafe { miio_heuristic_match(frame.as_ptr(), 31, 31, 0, &mut matches) };
        assert_eq!((status, matches), (miio_status::MIIO_OK, 0));
    }

    #[test]
    fn empty_frame_is_malformed_not_an_error() {
        let _lock = STATE_LOCK.lock().unwrap();
        let (status, info) = dissect_via_abi(&[], &ctx(1, false), &mut []);
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(info.kind, miio_frame_kind::MIIO_KIND_MALFORMED);
    }

    #[test]
    fn row_check_message_fits_any_buffer() {
        let row = Row::new("", "token", "abc", "a comment that is rather long");
        let abi = row.abi();
        let mut small = [0x55 as c_char; 12];
        let status = unsafe { miio_key_row_check(&abi, small.as_mut_ptr(), small.len()) };
        assert_eq!(status, miio_status::MIIO_ERR_INVALID);
        let text = unsafe { CStr::from_ptr(small.as_ptr()) };
        assert_eq!(text.to_str().unwrap(), "miio_keys r");

        let good = Row::new("0A1B2C3D", "token", TOKEN, "");
        let mut buf = [0x55 as c_char; 4];
        assert_eq!(
            unsafe { miio_key_row_check(&good.abi(), buf.as_mut_ptr(), 4) },
            miio_status::MIIO_OK
        );
        assert_eq!(buf[0], 0, "message cleared on success");
    }

    #[test]
    fn key_file_via_abi() {
        let _lock = STATE_LOCK.lock().unwrap();
        let path = std::env::temp_dir().join(format!("miio-ffi-key-file-{}", std::process::id()));
        std::fs::write(&path, format!("0a1b2c3d {TOKEN}\nnonsense\n")).unwrap();
        let c_path = CString::new(path.to_str().unwrap()).unwrap();
        let mut report = [0 as c_char; 256];
        let (mut changed, mut loaded) = (0u8, 0usize);
        let status = unsafe {
            miio_key_file_use(
                c_path.as_ptr(),
                report.as_mut_ptr(),
                report.len(),
                &mut changed,
                &mut loaded,
            )
        };
        assert_eq!((status, changed, loaded), (miio_status::MIIO_OK, 1, 1));
        let text = unsafe { CStr::from_ptr(report.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        assert!(text.contains("line 2:"), "{text}");

        let frame = hex(INFO_REQUEST);
        let mut plain = vec![0u8; frame.len()];
        let (_, info) = dissect_via_abi(&frame, &ctx(1, false), &mut plain);
        assert_eq!(
            info.session.key_origin,
            miio_key_origin::MIIO_KEY_ORIGIN_FILE_LINE
        );
        assert_eq!(info.session.key_origin_ref, 1);

        std::fs::remove_file(&path).unwrap();
        let empty = CString::new("").unwrap();
        let status = unsafe {
            miio_key_file_use(
                empty.as_ptr(),
                report.as_mut_ptr(),
                report.len(),
                &mut changed,
                &mut loaded,
            )
        };
        assert_eq!((status, changed, loaded), (miio_status::MIIO_OK, 1, 0));
    }

    #[test]
    fn write_text_cuts_at_a_character_boundary() {
        let mut buf = [0 as c_char; 5];
        unsafe { write_text(buf.as_mut_ptr(), buf.len(), "ab€cd") };
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
        assert_eq!(text.to_str().unwrap(), "ab");
    }

    #[test]
    fn a_panic_becomes_an_error_code_and_state_stays_usable() {
        let _lock = STATE_LOCK.lock().unwrap();
        let status = guarded(|| panic!("simulated fault inside the core"));
        assert_eq!(status, miio_status::MIIO_ERR_PANIC);
        state::poison_for_test();
        let frame = hex(INFO_REQUEST);
        let mut plain = vec![0u8; frame.len()];
        let (status, _) = dissect_via_abi(&frame, &ctx(1, false), &mut plain);
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(
            unsafe { miio_key_store_replace(ptr::null(), 0, ptr::null_mut()) },
            miio_status::MIIO_OK
        );
    }
}
