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

#[cfg(test)]
mod tests {
    use std::ffi::CString;
    use std::ptr;
    use std::sync::Mutex;

    use super::*;
    use crate::abi::{miio_checksum_status, miio_decrypt_status, miio_frame_kind};
    use crate::test_frames::{hex, INFO_REQUEST, TOKEN};

    /// The key store is global: tests that touch it take turns.
    static STORE_LOCK: Mutex<()> = Mutex::new(());

    struct Row {
        strings: [CString; 4],
    }

    impl Row {
        fn new(device_id: &str, key_type: &str, key: &str, comment: &str) -> Row {
            let c = |s: &str| CString::new(s).unwrap();
            Row { strings: [c(device_id), c(key_type), c(key), c(comment)] }
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

    fn dissect_via_abi(frame: &[u8], plaintext: &mut [u8]) -> (miio_status, miio_frame_info) {
        let mut info = zeroed_info();
        let status = unsafe {
            miio_dissect_frame(frame.as_ptr(), frame.len(), frame.len(), plaintext.as_mut_ptr(), plaintext.len(), &mut info)
        };
        (status, info)
    }

    #[test]
    fn replace_then_dissect_decrypts() {
        let _lock = STORE_LOCK.lock().unwrap();
        let rows = [Row::new("bad id", "token", TOKEN, ""), Row::new("0a1b2c3d", "token", TOKEN, "vacuum")];
        let abi_rows: Vec<_> = rows.iter().map(Row::abi).collect();
        let mut loaded = 99usize;
        let status = unsafe { miio_key_store_replace(abi_rows.as_ptr(), abi_rows.len(), &mut loaded) };
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(loaded, 1, "the bad row is skipped, the good one kept");

        let frame = hex(INFO_REQUEST);
        let mut plain = vec![0u8; frame.len()];
        let (status, info) = dissect_via_abi(&frame, &mut plain);
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(info.kind, miio_frame_kind::MIIO_KIND_DATA);
        assert_eq!(info.checksum_status, miio_checksum_status::MIIO_CHECKSUM_GOOD);
        assert_eq!(info.decrypt_status, miio_decrypt_status::MIIO_DECRYPT_OK);
        assert_eq!(info.key_row, 2, "row numbers are positions in the user's table");
        assert_eq!(info.header.device_id, 0x0a1b2c3d);
        assert_eq!(&plain[..info.plaintext_len], br#"{"id": 1, "method": "miIO.info", "params": []}"#);

        let status = unsafe { miio_key_store_replace(ptr::null(), 0, ptr::null_mut()) };
        assert_eq!(status, miio_status::MIIO_OK);
        let (_, info) = dissect_via_abi(&frame, &mut plain);
        assert_eq!(info.decrypt_status, miio_decrypt_status::MIIO_DECRYPT_NO_KEY);
    }

    #[test]
    fn null_pointers_are_refused() {
        let mut info = zeroed_info();
        let mut buf = [0u8; 8];
        unsafe {
            assert_eq!(
                miio_dissect_frame(ptr::null(), 10, 10, buf.as_mut_ptr(), 8, &mut info),
                miio_status::MIIO_ERR_NULL_ARG
            );
            assert_eq!(
                miio_dissect_frame(buf.as_ptr(), 8, 8, buf.as_mut_ptr(), 8, ptr::null_mut()),
                miio_status::MIIO_ERR_NULL_ARG
            );
            assert_eq!(miio_key_row_check(ptr::null(), ptr::null_mut(), 0), miio_status::MIIO_ERR_NULL_ARG);
            assert_eq!(miio_key_store_replace(ptr::null(), 3, ptr::null_mut()), miio_status::MIIO_ERR_NULL_ARG);
            assert_eq!(
                miio_describe_payload(ptr::null(), 4, buf.as_mut_ptr().cast(), 8),
                miio_status::MIIO_ERR_NULL_ARG
            );
        }
    }

    #[test]
    fn empty_frame_is_malformed_not_an_error() {
        let (status, info) = dissect_via_abi(&[], &mut []);
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
        assert_eq!(unsafe { miio_key_row_check(&good.abi(), buf.as_mut_ptr(), 4) }, miio_status::MIIO_OK);
        assert_eq!(buf[0], 0, "message cleared on success");
    }

    #[test]
    fn write_text_cuts_at_a_character_boundary() {
        let mut buf = [0 as c_char; 5];
        unsafe { write_text(buf.as_mut_ptr(), buf.len(), "ab€cd") };
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
        assert_eq!(text.to_str().unwrap(), "ab");
    }

    #[test]
    fn describe_payload_via_abi() {
        let mut buf = [0 as c_char; crate::abi::MIIO_TEXT_CAP as usize];
        let json = br#"{"id": 3, "error": {"code": -5001, "message": "busy"}}"#;
        let status = unsafe { miio_describe_payload(json.as_ptr(), json.len(), buf.as_mut_ptr(), buf.len()) };
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap(), "reply id=3 error -5001 busy");
        let status = unsafe { miio_describe_payload(b"{,}".as_ptr(), 3, buf.as_mut_ptr(), buf.len()) };
        assert_eq!(status, miio_status::MIIO_ERR_INVALID);
        assert_eq!(buf[0], 0);
    }

    #[test]
    fn a_panic_becomes_an_error_code_and_state_stays_usable() {
        let _lock = STORE_LOCK.lock().unwrap();
        let status = guarded(|| panic!("simulated fault inside the core"));
        assert_eq!(status, miio_status::MIIO_ERR_PANIC);
        // A panic while the store's write lock is held poisons it; readers go on.
        key_store::poison_for_test();
        let frame = hex(INFO_REQUEST);
        let mut plain = vec![0u8; frame.len()];
        let (status, _) = dissect_via_abi(&frame, &mut plain);
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!(unsafe { miio_key_store_replace(ptr::null(), 0, ptr::null_mut()) }, miio_status::MIIO_OK);
    }
}
