//! Roborock frames through the C ABI the shim calls, with keys of every
//! version configured, over TCP, MQTT and discovery, first and later passes;
//! map responses are inflated (capped) when their nonce is known.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use miio_dissector::abi::{
    miio_key_row, roborock_carrier, roborock_frame_context, roborock_frame_info,
};
use miio_dissector::ffi::{
    miio_capture_reset, miio_key_store_replace, roborock_dissect_frame, roborock_heuristic_match,
    roborock_map_copy,
};

fn configure_keys() {
    let rows: [(&[u8], &[u8]); 3] = [
        (b"rrV1LocalS7xK8pQ2mZ7sT\0", b"k7Pq2Xz9Lm4Rt8Vw\0"),
        (b"\0", b"Zq8Ws3Ed5Rf7Tg9Y\0"),
        (b"rrMqttB01Q7max2Lx6Vc9\0", b"Pa9Os8Id7Uf6Yg5H\0"),
    ];
    let abi: Vec<miio_key_row> = rows
        .iter()
        .map(|(d, k)| miio_key_row {
            device_id: d.as_ptr().cast(),
            key_type: b"roborock\0".as_ptr().cast(),
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
    if flags == 0xff {
        miio_capture_reset();
    }
    let duid = b"rrMqttB01Q7max2Lx6Vc9\0";
    let ctx = roborock_frame_context {
        frame_number: u32::from(flags & 0x0f),
        visited: flags & 0x10,
        conversation: u32::from(flags & 0x01),
        pdu_index: 0,
        carrier: match flags >> 6 {
            0 | 3 => roborock_carrier::ROBOROCK_CARRIER_TCP,
            1 => roborock_carrier::ROBOROCK_CARRIER_MQTT,
            _ => roborock_carrier::ROBOROCK_CARRIER_DISCOVERY,
        },
        time_sec: 1_795_623_726,
        time_nsec: 0,
        duid: if flags & 0x20 != 0 { duid.as_ptr().cast() } else { std::ptr::null() },
        device_address: u32::from(flags & 0x02),
    };
    let cap = 2 * frame.len() + 64;
    let mut plaintext = vec![0u8; cap];
    let mut info: roborock_frame_info = unsafe { std::mem::zeroed() };
    let status = unsafe {
        roborock_dissect_frame(frame.as_ptr(), frame.len(), &ctx, plaintext.as_mut_ptr(), cap, &mut info)
    };
    assert_eq!(status as u32, 0, "roborock_dissect_frame must not fail");
    assert!(info.plaintext_len <= cap);
    for s in [info.inner, info.method, info.params, info.result, info.error_message] {
        if s.present != 0 {
            assert!((s.offset + s.length) as usize <= cap, "span outside the buffer");
        }
    }
    if info.map_len > 0 {
        let mut map = vec![0u8; info.map_len];
        let mut copied = 0usize;
        unsafe { roborock_map_copy(map.as_mut_ptr(), map.len(), &mut copied) };
        assert_eq!(copied, info.map_len);
    }
    let mut matches = 0u8;
    unsafe { roborock_heuristic_match(frame.as_ptr(), frame.len(), &mut matches) };
});
