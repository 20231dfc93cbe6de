//! The C ABI declared in include/miio_dissector.h. Each entry point checks
//! its pointers, converts to Rust types, calls the core and catches any
//! panic so that it never unwinds into Wireshark.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::abi::{miio_frame_info, miio_header, miio_key_row, miio_status};
use crate::dissect::dissect;
use crate::keys::{parse_row, RawRow};
use crate::{key_store, payload};

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
    let Some(out) = bytes_mut(buf.cast(), cap) else { return };
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
    [text(row.device_id), text(row.key_type), text(row.key), text(row.comment)]
}

fn check_row(fields: &[std::borrow::Cow<'_, str>; 4], row: Option<u32>) -> Result<crate::keys::KeyEntry, String> {
    let raw = RawRow { device_id: &fields[0], key_type: &fields[1], key: &fields[2], comment: &fields[3] };
    parse_row(&raw, row)
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_dissect_frame(
    frame: *const u8,
    frame_len: usize,
    reported_len: usize,
    plaintext: *mut u8,
    plaintext_cap: usize,
    info: *mut miio_frame_info,
) -> miio_status {
    guarded(|| {
        let (Some(frame), Some(out), Some(info)) =
            (bytes(frame, frame_len), bytes_mut(plaintext, plaintext_cap), info.as_mut())
        else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let d = dissect(frame, reported_len, &key_store::read(), out);
        let h = d.frame.header;
        *info = miio_frame_info {
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
            key_row: d.key_row,
            keys_tried: d.keys_tried,
        };
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_describe_payload(
    plaintext: *const u8,
    plaintext_len: usize,
    text_out: *mut c_char,
    text_cap: usize,
) -> miio_status {
    guarded(|| {
        write_text(text_out, text_cap, "");
        let (Some(plain), false) = (bytes(plaintext, plaintext_len), text_out.is_null()) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        match payload::describe(plain) {
            Some(summary) => {
                write_text(text_out, text_cap, &summary);
                miio_status::MIIO_OK
            }
            None => miio_status::MIIO_ERR_INVALID,
        }
    })
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
        let Some(row) = row.as_ref() else { return miio_status::MIIO_ERR_NULL_ARG };
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
        let entries: Vec<_> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| {
                let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
                check_row(&raw_row(row), Some(position)).ok()
            })
            .collect();
        if let Some(loaded) = rows_loaded.as_mut() {
            *loaded = entries.len();
        }
        key_store::replace(entries);
        miio_status::MIIO_OK
    })
}
