//! The Mi cloud API: any HTTP body (first byte: what HTTP says it is, then
//! the body) dissected whole with a capture's state kept across inputs
//! (keys learned, requests waiting, records), an ssecurity row configured;
//! nothing panics and every span stays inside the body.
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use miio_dissector::micloud::dissect::{dissect, Context, Direction, Kind};
use miio_dissector::state::DissectorState;

const HEAD: &[u8] = b"POST /app/home/device_list HTTP/1.1\r\nHost: api.io.mi.com\r\n\r\n";

static STATE: Mutex<Option<(DissectorState, u32)>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Some((&flag, body)) = data.split_first() else {
        return;
    };
    let mut guard = STATE.lock().unwrap();
    let (state, frame) = guard.get_or_insert_with(|| {
        let mut s = DissectorState::default();
        // The ssecurity of the test vectors (src/micloud/message_tests.rs).
        let key = vec![128, 126, 41, 43, 203, 4, 214, 180, 250, 193, 13, 179, 95, 215, 21, 221];
        s.micloud.set_table_keys(vec![(key, 1)]);
        (s, 0)
    });
    *frame += 1;
    if *frame % 64 == 0 {
        state.reset_capture();
    }
    let ctx = Context {
        frame: *frame,
        visited: flag & 0x80 != 0,
        connection: u32::from(flag & 0x03),
        time_ns: i128::from(*frame),
        direction: match flag & 0x0c {
            0x04 => Direction::Request,
            0x08 => Direction::Response,
            _ => Direction::Unknown,
        },
    };
    let d = dissect(state, &ctx, HEAD, body);
    for p in &d.params {
        assert!(p.span.end <= body.len());
    }
    assert!(d.kind != Kind::Other || d.params.is_empty());
});
