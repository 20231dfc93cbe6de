//! MIoT: entries of any JSON named against the bundled spec (requests, and
//! replies linked to the input before), and any bytes read as a spec.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use miio_dissector::miio::payload::read_repairing;
use miio_dissector::miot::frame::{describe, At, MiotState};
use miio_dissector::miot::spec;

/// Inputs per simulated capture (the requests remembered stay few).
const CAPTURE_LEN: u32 = 64;

thread_local! {
    static STATE: RefCell<(MiotState, u32)> = RefCell::new(capture());
}

fn capture() -> (MiotState, u32) {
    let mut state = MiotState::default();
    state
        .specs
        .set_folder(concat!(env!("CARGO_MANIFEST_DIR"), "/../captures/miot-specs"));
    state.models.set_table(vec![(1, "zhimi.airp.rmb1".into(), 1)]);
    (state, 0)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    if flags & 1 == 1 {
        if let Ok(spec) = spec::parse(rest) {
            assert!(!spec.services.is_empty());
        }
        return;
    }
    let (payload, repair) = read_repairing(rest);
    let text = repair.as_ref().map_or(rest, |r| &r.text);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    STATE.with(|cell| {
        let (state, frame) = &mut *cell.borrow_mut();
        *frame += 1;
        if *frame % CAPTURE_LEN == 0 {
            state.reset_capture();
        }
        let at = At {
            frame: (*frame, 0),
            first_pass: flags & 2 == 0,
            device_id: 1,
            request_in: Some(frame.saturating_sub(1)),
        };
        let m = describe(state, at, &payload, text.as_bytes());
        for r in &m.entries {
            let e = r.entry;
            for s in [Some(e.span), e.value, e.siid.map(|x| x.1), e.iid.map(|x| x.1)].into_iter().flatten() {
                assert!(s.offset + s.len <= text.len(), "span inside the text");
            }
        }
        if let Some(summary) = &m.summary {
            assert!(summary.chars().count() < 260, "{summary}");
        }
    });
});
