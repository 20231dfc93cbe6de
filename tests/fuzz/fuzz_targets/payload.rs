//! Reading decrypted JSON and repairing firmware quirks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miio_dissector::miio::frame::{frame_start, looks_like_miio};
use miio_dissector::stream::{next, Step};
use miio_dissector::miio::payload::read_repairing;

fuzz_target!(|data: &[u8]| {
    let (payload, repair) = read_repairing(data);
    let text: &[u8] = repair.as_ref().map_or(data, |r| &r.text);
    for span in [
        payload.params,
        payload.result,
        payload.error,
        payload.error_message,
    ]
    .into_iter()
    .flatten()
    {
        assert!(
            span.offset + span.len <= text.len(),
            "span inside the text it points into"
        );
    }
    assert!(payload.summary.chars().count() < 200);
    // Walking a stream always moves on, and only by bytes it has.
    for start in [frame_start, miio_dissector::roborock::frame::frame_start] {
        let mut rest = data;
        while let Step::Skip(n) | Step::Frame(n) = next(rest, start) {
            assert!(n > 0);
            if n > rest.len() {
                break;
            }
            rest = &rest[n..];
        }
    }
    let _ = looks_like_miio(data, data.len(), false);
    let _ = looks_like_miio(data, data.len(), true);
});
