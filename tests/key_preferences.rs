//! The miio_keys preference table and the dissector's registration, through
//! the real tshark: refused rows, saved tables, rows for any device, ports.

mod common;

use common::*;

fn refused(sandbox: &Sandbox, row: &str) -> String {
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let out = sandbox.run(
        "tshark",
        &["-r", pcap.to_str().unwrap(), "-o", row, "-c", "1"],
    );
    assert!(!out.status.success(), "row {row} was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn refused_rows_name_the_field_and_the_problem() {
    let sandbox = Sandbox::new();
    let cases = [
        (
            key_row("0a1b2c3g", "token", BASIC_TOKEN, "vacuum"),
            r#"miio_keys row (device 0a1b2c3g, "vacuum"): device_id: expected up to 8 hex digits (e.g. 0a1b2c3d) or empty for any device, got "0a1b2c3g""#,
        ),
        (
            key_row("0a1b2c3d", "token", &BASIC_TOKEN[..31], "vacuum"),
            r#"miio_keys row (device 0a1b2c3d, "vacuum"): key: a token is 32 hex digits; this one has 31 characters"#,
        ),
        (
            key_row("", "token", "3f4a1c2b9d8e7f60112233445566aa0x", "lamp"),
            r#"miio_keys row ("lamp"): key: a token is 32 hex digits; this one contains a character that is not a hex digit"#,
        ),
        (
            key_row("0a1b2c3d", "password", BASIC_TOKEN, ""),
            r#"miio_keys row (device 0a1b2c3d): type: expected "token", "cloud", "roborock", "bindkey" or "ssecurity", got "password""#,
        ),
        (
            key_row("", "cloud", "tooShortKey", ""),
            "miio_keys row: key: a cloud key is 16 printable ASCII characters or 32 hex digits; this one has 11 characters",
        ),
    ];
    for (row, message) in &cases {
        let stderr = refused(&sandbox, row);
        assert!(
            stderr.contains(message),
            "row {row}:\nwant {message}\ngot {stderr}"
        );
    }
    // Our message never repeats the key (tshark itself echoes the whole -o flag first).
    let stderr = refused(&sandbox, &cases[1].0);
    let message = &stderr[stderr.find("miio_keys row (").unwrap()..];
    assert!(!message.contains(&BASIC_TOKEN[..31]), "{message}");
}

#[test]
fn saved_table_keeps_its_valid_rows_and_reports_the_bad_one() {
    let sandbox = Sandbox::new();
    sandbox.write_profile_file(
        "miio_keys",
        &format!(
            "# miio_keys\n\"{BASIC_DEVICE}\",\"token\",\"{BASIC_TOKEN}\",\"vacuum\"\n\
             \"0a1b2c3g\",\"token\",\"{BASIC_TOKEN}\",\"typo in id\"\n"
        ),
    );
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let out = sandbox.run(
        "tshark",
        &[
            "-r",
            pcap.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "miio.decrypted",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"miio_keys row (device 0a1b2c3g, "typo in id"): device_id: expected up to 8 hex digits"#),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains(r#""method": "get_status""#))
            .count(),
        1,
        "{stdout}"
    );
}

#[test]
fn saved_table_decrypts_without_command_line_keys() {
    let sandbox = Sandbox::new();
    sandbox.write_profile_file(
        "miio_keys",
        &format!("\"{BASIC_DEVICE}\",\"token\",\"{BASIC_TOKEN}\",\"vacuum\"\n"),
    );
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let rows = sandbox.fields(&pcap, &[], &["miio.decrypted"]);
    assert_eq!(rows.iter().filter(|r| !r[0].is_empty()).count(), 20);
}

#[test]
fn rows_for_any_device_are_tried_by_checksum() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-two-devices.pcapng");
    let keys = [
        key_row("", "token", "00112233445566778899aabbccddeeff", "unrelated"),
        key_row("", "token", "5566778899aabbccddeeff0011223344", "lamp"),
        key_row("", "token", "a1b2c3d4e5f60718293a4b5c6d7e8f90", "plug"),
    ];
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let rows = sandbox.fields(
        &pcap,
        &keys,
        &[
            "miio.device_id",
            "miio.length",
            "miio.key_row",
            "miio.decrypted",
        ],
    );
    let data: Vec<_> = rows.iter().filter(|r| r[1] != "32").collect();
    assert_eq!(data.len(), 16);
    for r in data {
        let want_row = if r[0] == "0x0f1e2d3c" { "2" } else { "3" };
        assert_eq!(r[2], want_row, "{r:?}");
        assert!(r[3].starts_with("{\"id\""), "{r:?}");
    }
}

#[test]
fn cloud_row_with_hex_key_uses_the_same_crypto() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let key = key_row(BASIC_DEVICE, "cloud", BASIC_TOKEN, "");
    let rows = sandbox.fields(&pcap, &[&key], &["miio.decrypted"]);
    assert_eq!(rows.iter().filter(|r| !r[0].is_empty()).count(), 20);
}

#[test]
fn plugin_is_listed_with_its_version() {
    let sandbox = Sandbox::new();
    let plugins = sandbox.tshark(&["-G", "plugins"]);
    let line = plugins
        .lines()
        .find(|l| l.starts_with("miio.so"))
        .unwrap_or_else(|| panic!("{plugins}"));
    assert!(line.contains(env!("CARGO_PKG_VERSION")), "{line}");
    assert!(line.contains("dissector"), "{line}");
    // The copy under test, not one installed elsewhere.
    assert!(line.contains(sandbox.home().to_str().unwrap()), "{line}");
    let protocols = sandbox.tshark(&["-G", "protocols"]);
    assert!(
        protocols
            .lines()
            .any(|l| l.starts_with("Xiaomi miIO\tmiIO\tmiio")),
        "miio not registered"
    );
}

#[test]
fn port_is_a_preference_and_decode_as_works() {
    let sandbox = Sandbox::new();
    let frames = udp_payloads(&sandbox, &sandbox.capture("python-miio-basic.pcapng"));
    let pcap = udp_capture(&sandbox, "other-port", (40000, 12345), &frames[6..8]);
    let key = basic_key();
    let no_heur = ["--disable-heuristic", "miio_udp", "-o", &key];
    let plain = sandbox.fields_with(&pcap, &no_heur, &["_ws.col.Protocol"]);
    assert_eq!(plain[0], ["UDP"]);
    for opts in [
        ["-o", "miio.udp.port:12345"],
        ["-d", "udp.port==12345,miio"],
    ] {
        let args = [&no_heur[..], &opts[..]].concat();
        let out = sandbox.fields_with(&pcap, &args, &["_ws.col.Info"]);
        assert_eq!(out, [["miIO.info id=1"], ["reply id=1 ok"]], "{opts:?}");
    }
}

#[test]
fn hundred_thousand_rows_and_a_stale_duplicate_of_the_device() {
    // Two rows for the same device with different tokens: the one whose
    // checksum verifies is used, wherever it stands (README: "Keys").
    let sandbox = Sandbox::new();
    let mut rows: Vec<String> = (1..100_000u32)
        .map(|i| {
            format!(
                "\"\",\"token\",\"{:032x}\",\"decoy {i}\"",
                u128::from(i) * 7919
            )
        })
        .collect();
    rows.insert(
        10,
        format!(
            "\"{BASIC_DEVICE}\",\"token\",\"00112233445566778899aabbccddeeff\",\"stale token\""
        ),
    );
    rows.insert(
        50_000,
        format!("\"{BASIC_DEVICE}\",\"token\",\"{BASIC_TOKEN}\",\"vacuum\""),
    );
    sandbox.write_profile_file("miio_keys", &(rows.join("\n") + "\n"));
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let out = sandbox.fields(&pcap, &[], &["miio.key", "miio.decrypted"]);
    let data: Vec<_> = out.iter().filter(|r| !r[1].is_empty()).collect();
    assert_eq!(data.len(), 20);
    assert!(
        data.iter().all(|r| r[0] == "miio_keys row 50001"),
        "{:?}",
        data[0]
    );
}

#[test]
fn hostile_rows_are_refused_without_echoing_them() {
    let sandbox = Sandbox::new();
    let long = "f".repeat(100_000);
    for row in [
        key_row(&long, "token", BASIC_TOKEN, ""),
        key_row("", "token", &long, ""),
        key_row("0a1b2c3d", "token", BASIC_TOKEN, &long).replace(&long, &format!("{long}\\x00")),
    ] {
        let pcap = sandbox.capture("python-miio-basic.pcapng");
        let out = sandbox.run(
            "tshark",
            &["-r", pcap.to_str().unwrap(), "-o", &row, "-c", "1"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(at) = stderr.find("miio_keys row") {
            assert!(
                stderr[at..].len() < 400,
                "message stays short: {} bytes",
                stderr[at..].len()
            );
        }
    }
}
