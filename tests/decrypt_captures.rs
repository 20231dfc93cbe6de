//! Real captures through the real tshark: every encrypted frame decrypts to
//! what the client saw, header fields have the values on the wire.

mod common;

use common::*;

#[test]
fn python_miio_capture_decrypts_completely() {
    let sandbox = Sandbox::new();
    let frames = decrypted_frames(&sandbox, "python-miio-basic.pcapng", &[&basic_key()]);
    assert_eq!(frames.len(), 20, "10 requests + 10 replies");
    assert!(frames.iter().all(|(_, did, _)| did == "0x0a1b2c3d"));
    assert_matches_truth(&frames, "python-miio-basic.truth.jsonl");
}

#[test]
fn node_miio_capture_decrypts_completely() {
    // A second, independent client implementation (held out from the unit tests).
    let sandbox = Sandbox::new();
    let key = key_row(
        "1c2d3e4f",
        "token",
        "7b3e9f21c4d85a06e1f2a3b4c5d6e7f8",
        "plug",
    );
    let frames = decrypted_frames(&sandbox, "node-miio-plug.pcapng", &[&key]);
    assert_eq!(frames.len(), 14);
    assert_eq!(
        frames[0].2["method"], "miIO.info",
        "the Node client starts with miIO.info"
    );
    assert_matches_truth(&frames, "node-miio-plug.truth.jsonl");
}

#[test]
fn pairing_capture_reveals_wifi_credentials_with_the_token() {
    let sandbox = Sandbox::new();
    let key = key_row(
        "05e6f708",
        "token",
        "c0ffee00deadbeef0123456789abcdef",
        "new plug",
    );
    let frames = decrypted_frames(&sandbox, "python-miio-pairing.pcapng", &[&key]);
    assert_matches_truth(&frames, "python-miio-pairing.truth.jsonl");
    let config = frames
        .iter()
        .find(|(_, _, j)| j["method"] == "miIO.config_router")
        .unwrap();
    assert_eq!(config.2["params"]["ssid"], "HomeNet");
    assert_eq!(config.2["params"]["passwd"], "correct horse battery staple");
}

#[test]
fn two_devices_each_with_its_own_token() {
    let sandbox = Sandbox::new();
    let keys = [
        key_row(
            "15a2b3c4",
            "token",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "plug",
        ),
        key_row(
            "0f1e2d3c",
            "token",
            "5566778899aabbccddeeff0011223344",
            "lamp",
        ),
    ];
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let frames = decrypted_frames(&sandbox, "python-miio-two-devices.pcapng", &keys);
    assert_eq!(frames.len(), 16);
    assert_eq!(
        frames.iter().filter(|(_, d, _)| d == "0x15a2b3c4").count(),
        8
    );
    assert_matches_truth(&frames, "python-miio-two-devices.truth.jsonl");
}

#[test]
fn header_fields_have_wire_values() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let fields = [
        "miio.magic",
        "miio.length",
        "miio.unknown",
        "miio.device_id",
        "miio.stamp",
        "miio.checksum",
        "miio.checksum.status",
        "miio.encrypted",
    ];
    let rows = sandbox.fields(&pcap, &[&basic_key()], &fields);
    // Frame 1: hello request, 2131 0020 + ff x 28.
    assert_eq!(
        rows[0][..7],
        [
            "0x2131",
            "32",
            "0xffffffff",
            "0xffffffff",
            "4294967295",
            "ffffffffffffffffffffffffffffffff",
            ""
        ]
    );
    // Frame 4: the device's hello reply.
    assert_eq!(
        rows[3][..5],
        ["0x2131", "32", "0x00000000", "0x0a1b2c3d", "5002"]
    );
    // Frame 7: the miIO.info request (bytes 21310050 00000000 0a1b2c3d 0000138b fa87...).
    assert_eq!(
        rows[6][..7],
        [
            "0x2131",
            "80",
            "0x00000000",
            "0x0a1b2c3d",
            "5003",
            "fa8768fe639fe61defaa9d550e76fdca",
            "1"
        ]
    );
    assert_eq!(rows[6][7].len(), 2 * 48, "48 bytes of ciphertext");
    assert!(rows[6][7].starts_with("19b9ff592090a116"));
}

#[test]
fn checksum_unverified_and_info_without_key() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let rows = sandbox.fields(
        &pcap,
        &[],
        &["miio.checksum.status", "miio.decrypted", "_ws.col.Info"],
    );
    assert_eq!(rows[6][0], "2", "unverified");
    assert_eq!(rows[6][1], "");
    assert_eq!(rows[6][2], "Encrypted, no key (device 0x0a1b2c3d)");
    let experts = sandbox.expert_messages(&pcap, &[]);
    assert!(
        experts[6].contains("No key for device 0x0a1b2c3d"),
        "{}",
        experts[6]
    );
}

#[test]
fn info_column_names_what_each_frame_is() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let rows = sandbox.fields(
        &pcap,
        &[&basic_key()],
        &["_ws.col.Protocol", "_ws.col.Info"],
    );
    let info: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert!(rows.iter().all(|r| r[0] == "miIO"), "{rows:?}");
    assert_eq!(info[0], "Hello");
    assert_eq!(info[3], "Hello reply, device 0x0a1b2c3d");
    assert_eq!(info[6], "miIO.info id=1");
    assert_eq!(info[7], "reply id=1 ok");
    assert_eq!(info[20], "no_such_method id=8");
    assert_eq!(info[21], "reply id=8 error -32601 Method not found.");
}

#[test]
fn decrypted_payload_is_a_data_source_dissected_as_json() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let path = pcap.to_str().unwrap();
    let key = basic_key();
    // The hex dump shows a second tab named "Decrypted miIO".
    let dump = sandbox.tshark(&["-r", path, "-o", &key, "-x", "-Y", "frame.number == 14"]);
    assert!(dump.contains("Decrypted miIO (37 bytes):"), "{dump}");
    assert!(dump.contains(r#"{"id": 4, "resul"#), "{dump}");
    // json.* fields work on the plaintext: find the reply that names the model.
    let hits = sandbox.fields_with(
        &pcap,
        &[
            "-o",
            &key,
            "-Y",
            r#"json.value.string == "rockrobo.vacuum.v1""#,
        ],
        &["frame.number"],
    );
    assert_eq!(hits, [["8"]]);
    // ...and as a field to print (the JSON dissector runs when json.* is asked for).
    let printed = sandbox.fields_with(
        &pcap,
        &["-o", &key, "-Y", "frame.number == 8", "-E", "occurrence=a"],
        &["json.value.string"],
    );
    assert!(printed[0][0].contains("rockrobo.vacuum.v1"), "{printed:?}");
}

#[test]
fn leaked_token_in_hello_reply_is_shown_and_flagged() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-pairing.pcapng");
    let rows = sandbox.fields(&pcap, &[], &["frame.number", "miio.token", "_ws.col.Info"]);
    let leaked: Vec<_> = rows.iter().filter(|r| !r[1].is_empty()).collect();
    assert_eq!(leaked.len(), 3, "three hello replies: {rows:?}");
    for row in leaked {
        assert_eq!(row[1], "c0ffee00deadbeef0123456789abcdef");
        assert_eq!(row[2], "Hello reply, device 0x05e6f708, token leaked");
    }
    let experts = sandbox.expert_messages(&pcap, &[]);
    assert!(
        experts[3].contains("carries the device token in clear"),
        "{}",
        experts[3]
    );
    // A provisioned device's hello reply has no token field.
    let basic = sandbox.capture("python-miio-basic.pcapng");
    let rows = sandbox.fields(&basic, &[], &["miio.token"]);
    assert!(rows.iter().all(|r| r[0].is_empty()));
}

#[test]
fn long_text_that_is_not_ascii_is_labelled_as_wireshark_labels_it() {
    // A vacuum's map and room names, the user's own, sent as UTF-8: Chinese,
    // an emoji, a soft hyphen (a format character Wireshark escapes).
    let sandbox = Sandbox::new();
    let key = key_row(
        "11121314",
        "token",
        "6a1f0c9e3b7d2584e6a9c0f1b2d3e4f5",
        "vacuum",
    );
    let frames = decrypted_frames(&sandbox, "python-miio-unicode.pcapng", &[&key]);
    assert_matches_truth(&frames, "python-miio-unicode.truth.jsonl");
    assert!(frames[1].2["result"][0]["map_info"][0]["name"] == "二楼 卧室\u{ad}书房");

    // Wireshark's label for a long string: the name marked as truncated,
    // then the value (4.0 escapes unprintable characters, 4.2 and later
    // show them), cut to fit its 240-byte label buffer without splitting a
    // character.
    let version = sandbox.run("tshark", &["--version"]);
    let wireshark_4_0 = String::from_utf8_lossy(&version.stdout).contains("(Wireshark) 4.0.");
    let marker = if wireshark_4_0 {
        "[truncated]"
    } else {
        "[…]"
    };
    let pcap = sandbox.capture("python-miio-unicode.pcapng");
    let rows = sandbox.fields(&pcap, &[&key], &["miio.decrypted", "miio.result"]);
    let tree = sandbox.tshark(&["-r", pcap.to_str().unwrap(), "-o", &key, "-V"]);
    let mut checked = 0;
    for (name, text) in rows
        .iter()
        .flat_map(|r| [("Decrypted payload", &r[0]), ("Result", &r[1])])
    {
        if text.len() < 240 {
            continue;
        }
        let shown = if wireshark_4_0 {
            text.replace('\u{ad}', "\\u00AD")
        } else {
            text.clone()
        };
        let head = format!("{name} {marker}: ");
        let line = tree
            .lines()
            .map(str::trim_start)
            .find(|l| l.strip_prefix(&head).is_some_and(|v| shown.starts_with(v)))
            .unwrap_or_else(|| panic!("no label for {text}"));
        assert!(
            (235..=239).contains(&line.len()),
            "{} bytes: {line}",
            line.len()
        );
        checked += 1;
    }
    assert_eq!(checked, 4, "decrypted payload and result of both replies");
    if wireshark_4_0 {
        assert!(tree.contains("卧室\\u00AD书房"));
        // The room list's payload is cut inside "卫生间", between characters.
        assert!(tree.contains("14, \"卫生\n"), "{tree}");
    }
}
