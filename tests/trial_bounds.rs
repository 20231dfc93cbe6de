//! Trial decryption with a cost that does not grow with the capture
//! (issue 18), through the real tshark: keys that fit none of a device's
//! (or a Roborock connection's) first frames are no longer tried on it, and
//! the tree says so rather than claiming to have tried them; a key that
//! fits is still found among many that do not.

mod common;

use common::*;

/// Expert messages of the packets that have one containing `needle`.
fn with(messages: &[String], needle: &str) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m.contains(needle))
        .cloned()
        .collect()
}

#[test]
fn keys_for_any_device_stop_being_tried_on_a_device_none_fits() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-unicode.pcapng");
    let wrong: Vec<String> = (0..5)
        .map(|i| key_row("", "token", &format!("{i:032x}"), "wrong"))
        .collect();
    let options: Vec<&str> = wrong.iter().map(String::as_str).collect();
    let no_key = with(
        &sandbox.expert_messages(&pcap, &options),
        "No key for device",
    );
    assert!(no_key.len() > 3, "{no_key:?}");
    for m in &no_key[..3] {
        assert!(
            m.contains("No key for device 0x11121314 (5 keys tried):"),
            "{m}"
        );
    }
    for m in &no_key[3..] {
        assert!(
            m.contains("(0 keys tried; the keys for any device fitted none of its first frames and are no longer tried on it)"),
            "{m}"
        );
    }
    // The device's token among a thousand that are not: every frame decrypts.
    let mut many: Vec<String> = (0..1000)
        .map(|i| key_row("", "token", &format!("{i:032x}"), "wrong"))
        .collect();
    many.push(key_row(
        "",
        "token",
        "6a1f0c9e3b7d2584e6a9c0f1b2d3e4f5",
        "unicode",
    ));
    let options: Vec<&str> = many.iter().map(String::as_str).collect();
    let messages = sandbox.expert_messages(&pcap, &options);
    assert!(with(&messages, "No key").is_empty(), "{messages:?}");
    let decrypted = sandbox.fields(&pcap, &options, &["miio.decrypted"]);
    assert_eq!(decrypted.iter().filter(|r| !r[0].is_empty()).count(), 4);
}

#[test]
fn roborock_keys_stop_being_tried_on_a_connection_none_fits() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("roborock-local-v1.pcapng");
    let wrong = key_row("", "roborock", "AAAAAAAAAAAAAAAA", "wrong");
    let failed = with(
        &sandbox.expert_messages(&pcap, &[&wrong]),
        "Decryption failed",
    );
    assert!(failed.len() > 3, "{failed:?}");
    for m in &failed[..3] {
        assert!(
            m.contains("no key gives valid padding and text") && m.contains("(1 keys tried)"),
            "{m}"
        );
    }
    for m in &failed[3..] {
        assert!(
            m.contains("no key fitted the first frames of this connection (or MQTT device), so keys are no longer tried on it (0 keys tried)"),
            "{m}"
        );
    }
}
