//! Frame parsing, checksum and decryption through the C ABI the shim calls,
//! with keys configured (so corrupted frames of a known device still reach
//! the decryption and JSON code), on first and later passes.
#![no_main]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use miio_dissector::abi::{
    miio_direction, miio_frame_context, miio_frame_info, miio_key_row, miio_stream_context,
    miio_stream_protocol, miio_stream_step, miio_stream_step_kind, miio_transport,
};
use miio_dissector::ffi::{
    miio_capture_reset, miio_dissect_frame, miio_key_store_replace, miio_stream_next,
};

/// Inputs per simulated capture.
const CAPTURE_LEN: u32 = 64;

fn configure_keys() {
    let rows: [(&[u8], &[u8], &[u8]); 3] = [
        (
            b"0a1b2c3d\0",
            b"token\0",
            b"3f4a1c2b9d8e7f60112233445566aa01\0",
        ),
        (b"\0", b"token\0", b"00112233445566778899aabbccddeeff\0"),
        (b"\0", b"cloud\0", b"Xk3mP9qLw2Zr7TbN\0"),
    ];
    let abi: Vec<miio_key_row> = rows
        .iter()
        .map(|(d, t, k)| miio_key_row {
            device_id: d.as_ptr().cast(),
            key_type: t.as_ptr().cast(),
            key: k.as_ptr().cast(),
            comment: std::ptr::null(),
        })
        .collect();
    unsafe { miio_key_store_replace(abi.as_ptr(), abi.len(), std::ptr::null_mut()) };
}

fuzz_target!(|data: &[u8]| {
    static INIT: Once = Once::new();
    INIT.call_once(configure_keys);
    let Some((&flags, frame)) = data.split_first() else {
        return;
    };
    // A capture of at most CAPTURE_LEN frames: frames meet frames before
    // them (hellos, replies, learned keys), and the state stays small, so
    // that LeakSanitizer's scans of it after each input stay cheap.
    static FRAMES: AtomicU32 = AtomicU32::new(0);
    if flags == 0xff || FRAMES.fetch_add(1, Ordering::Relaxed) % CAPTURE_LEN == 0 {
        miio_capture_reset();
    }
    let ctx = miio_frame_context {
        frame_number: u32::from(flags & 0x0f),
        pdu_index: u32::from(flags >> 6),
        transport: if flags & 0x10 != 0 {
            miio_transport::MIIO_TRANSPORT_CLOUD
        } else {
            miio_transport::MIIO_TRANSPORT_LOCAL
        },
        visited: flags & 0x20,
        conversation: u32::from(flags & 0x03),
        time_sec: 1_700_000_000,
        time_nsec: 0,
        // Both directions, so hellos, hello replies, pings and echoes meet.
        direction: match (flags >> 2) & 3 {
            0 => miio_direction::MIIO_DIRECTION_UNKNOWN,
            1 | 3 => miio_direction::MIIO_DIRECTION_TO_DEVICE,
            _ => miio_direction::MIIO_DIRECTION_FROM_DEVICE,
        },
        client: u32::from(flags & 0x01),
    };
    // The shim's buffer: room for the plaintext and a repaired copy.
    let cap = 2 * frame.len().saturating_sub(32) + 64;
    let mut plaintext = vec![0u8; cap];
    let mut info: miio_frame_info = unsafe { std::mem::zeroed() };
    // A snapshot length may have cut the packet: report it longer sometimes.
    let reported = frame.len() + usize::from(flags & 0x08) * 4;
    let status = unsafe {
        miio_dissect_frame(
            frame.as_ptr(),
            frame.len(),
            reported,
            &ctx,
            plaintext.as_mut_ptr(),
            cap,
            &mut info,
        )
    };
    assert_eq!(status as u32, 0, "dissection must not fail on any input");
    assert!(info.plaintext_len <= cap);
    if info.payload.repaired.present != 0 {
        assert!((info.payload.repaired.offset + info.payload.repaired.length) as usize <= cap);
    }
    // The frame as TCP stream data of either protocol, walked as the shim does.
    let protocol = if flags & 0x40 != 0 {
        miio_stream_protocol::MIIO_STREAM_ROBOROCK
    } else {
        miio_stream_protocol::MIIO_STREAM_MIIO
    };
    let mut at = 0;
    while at < frame.len() {
        let stream = miio_stream_context {
            protocol,
            conversation: u32::from(flags & 0x03),
            sender: u32::from(flags & 0x04),
            frame_number: u32::from(flags & 0x0f),
            frame_before: u8::from(at > 0),
            visited: flags & 0x20,
        };
        let mut step: miio_stream_step = unsafe { std::mem::zeroed() };
        let rest = &frame[at..];
        let status = unsafe { miio_stream_next(rest.as_ptr(), rest.len(), &stream, &mut step) };
        assert_eq!(status as u32, 0);
        match step.kind {
            miio_stream_step_kind::MIIO_STEP_SKIP | miio_stream_step_kind::MIIO_STEP_FRAME => {
                assert!(step.length > 0, "a step moves on");
                at += step.length;
            }
            _ => break,
        }
    }
});
