//! Tests of the C ABI: null pointers, short buffers, panics, and a whole
//! dissection through it.
use std::ffi::CString;
use std::ptr;
use std::sync::Mutex;

use super::*;
use crate::abi::{miio_checksum_status, miio_decrypt_status, miio_frame_kind, miio_key_row};
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
    let status = unsafe { miio_key_store_replace(abi_rows.as_ptr(), abi_rows.len(), &mut loaded) };
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
    let status =
        unsafe { miio_heuristic_match(frame.as_ptr(), frame.len(), frame.len(), 0, &mut matches) };
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
