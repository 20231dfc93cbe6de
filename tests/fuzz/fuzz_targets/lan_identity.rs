//! What real firmware sends on the LAN besides miIO frames (issue 28): an
//! mDNS message read for `_miio._udp.local` identities (compression
//! pointers, broken TXTs), and TCP port 80 segments judged cloud link or
//! HTTP (first byte: the connection). Nothing panics; identities are valid.
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use miio_dissector::miio::mdns::identities;
use miio_dissector::miio::port80::Port80;
use miio_dissector::miot::models::valid_model;

static PORT80: Mutex<Option<Port80>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    for id in identities(data) {
        assert!(valid_model(&id.model).is_some(), "{id:?}");
        assert!(id.instance.contains("_miio"));
    }
    if let Some((&connection, segment)) = data.split_first() {
        let mut guard = PORT80.lock().unwrap();
        let _ = guard.get_or_insert_with(Port80::default).claims(u32::from(connection), segment);
    }
});
