//! What users type or load: key table rows and key files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miio_dissector::keys::file as key_file;
use miio_dissector::keys::imports;
use miio_dissector::keys::roborock::parse_any_row;
use miio_dissector::keys::roborock_file;
use miio_dissector::keys::RawRow;

fuzz_target!(|data: &[u8]| {
    let (keys, problems) = key_file::parse(data);
    for p in &problems {
        assert!(p.len() < 300, "messages stay short: {}", p.len());
    }
    assert!(keys.len() + problems.len() <= data.split(|&b| b == b'\n').count());
    let (roborock_keys, roborock_problems) = roborock_file::parse(data);
    for p in &roborock_problems {
        assert!(p.len() < 300, "messages stay short: {}", p.len());
    }
    let _ = roborock_keys;
    // Whole files users already have (extractor output, Home Assistant's
    // config entries, cloud lists), as the key file reads them.
    let (found, status) = imports::read(&imports::text::decode(data));
    for p in found.problems.iter().chain(status.iter()) {
        assert!(p.len() < 400, "messages stay short: {}", p.len());
    }

    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\t');
    let raw = RawRow {
        device_id: fields.next().unwrap_or(""),
        key_type: fields.next().unwrap_or(""),
        key: fields.next().unwrap_or(""),
        comment: fields.next().unwrap_or(""),
    };
    if let Err(message) = parse_any_row(&raw, Some(1)) {
        assert!(
            message.len() < 300,
            "messages stay short: {}",
            message.len()
        );
        // A key that looks like a real one (16 or 32 printable characters)
        // must not leak into the message, unless typed into another column
        // (which messages quote: `"comment"` may contain a key that starts
        // or ends with a quote mark).
        let elsewhere = [raw.device_id, raw.key_type, raw.comment]
            .iter()
            .any(|f| format!("\"{f}\"").contains(raw.key));
        let key_like =
            matches!(raw.key.len(), 16 | 32) && raw.key.bytes().all(|b| b.is_ascii_graphic());
        if key_like && !elsewhere {
            assert!(
                !message.contains(raw.key),
                "a message never repeats the key"
            );
        }
    }
});
