//! No warning that is not true (issue 18): every test capture, dissected in
//! two passes with every test key (the list of tests/lib/sandbox.sh), shows
//! no expert info of severity warning or error but those its traffic really
//! has. A "bad checksum", "decryption failed" or "GCM tag does not verify"
//! on a good frame fails here.

mod common;

use std::fs;
use std::path::Path;

use common::*;

const PI_WARN: u32 = 0x0060_0000;

/// The `-o` values of `miio_test_keys` in tests/lib/sandbox.sh.
fn every_test_key() -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lib/sandbox.sh");
    fs::read_to_string(script)
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("-o '")?
                .strip_suffix('\'')
                .map(str::to_string)
        })
        .collect()
}

/// Warnings the capture's traffic really carries.
fn expected(capture: &str, message: &str) -> bool {
    let leaks_token = [
        "python-miio-late-key",
        "python-miio-pairing",
        "real-brutsky-zhimi-humidifier-v1",
        "real-featherbear-roborock-s6-ota",
        "real-featherbear-roborock-s6-ota-patched",
        "real-marcelrv-rockrobo-vacuum-v1",
    ];
    match capture {
        // The device answers with text that is not JSON or not UTF-8
        // (tests/captures/README.md); the JSON dissector says so too.
        "python-miio-quirks" => [
            "Decrypted payload is not JSON",
            "Decrypted payload is not UTF-8 text",
            "Trailing stray characters",
        ]
        .iter()
        .any(|m| message.starts_with(m)),
        // The client's own mistakes, which the simulator refuses
        // (tests/captures/README.md): checked against the spec.
        "python-miio-miot" => [
            "favorite-level = 20 is outside its range 0..14",
            "temperature is not writable (access: read, notify)",
            "filter-used-time = 5000 is outside its range 0..1000",
            "the spec has no service 99",
            "the spec has no property 99 in service 2 (air-purifier)",
        ]
        .contains(&message),
        // mijiaAPI asked for a property the purifier lacks and set a
        // read-only one (tests/captures/README.md); the cloud refused both.
        "mijia-qr-chain" => [
            "the spec has no property 99 in service 2 (air-purifier)",
            "temperature is not writable (access: read, notify)",
        ]
        .contains(&message),
        // Wireshark's DNS dissector: zeroconf repeats its probes and
        // announcements (as mDNS does), and the gateway's TXT is the broken
        // one some firmwares send (tests/captures/README.md).
        "mdns-miio" => {
            message.starts_with("DNS query retransmission")
                || message.starts_with("DNS response retransmission")
                // 4.4 and later: the browser's query, answered by unicast
                // replies that its request tracking does not pair.
                || message == "DNS response missing"
                || message == "Malformed Packet (Exception occurred)"
        }
        // 256 KiB downloads on loopback fill the reader's window: TCP's
        // own warning, true of the traffic.
        "http80-plain" => message == "TCP window specified by the receiver is now completely full",
        // The stand-in cloud closes with a reset, paho closes its socket
        // without reading the broker's close_notify: TCP's own warning.
        "cloud-tcp" | "hacloud-mqtt" => message == "Connection reset (RST)",
        c if leaks_token.contains(&c) => {
            message.starts_with("Hello reply carries the device token in clear")
        }
        _ => false,
    }
}

#[test]
fn good_captures_warn_only_of_what_is_there() {
    let keys = every_test_key();
    assert!(keys.len() > 20, "{keys:?}");
    let mut args: Vec<&str> = keys.iter().flat_map(|k| ["-o", k.as_str()]).collect();
    args.extend(["-2", "-E", "occurrence=a", "-E", "aggregator=\u{1e}"]);
    let captures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures");
    let mut names: Vec<String> = fs::read_dir(&captures)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".pcapng").map(str::to_string))
        .collect();
    names.sort();
    assert!(names.len() >= 25, "{names:?}");
    let sandbox = Sandbox::new();
    // MIoT names and checks: the spec in python-miio's cache (the default).
    let spec = fs::read(captures.join("miot-specs/zhimi.airp.rmb1.json")).unwrap();
    sandbox.write(".cache/python-miio/zhimi.airp.rmb1.json", &spec);
    let mut wrong = Vec::new();
    for name in &names {
        let pcap = sandbox.capture(&format!("{name}.pcapng"));
        // TLS captures with their key log: the Mi cloud bodies are checked too.
        let mut args = args.clone();
        let keylog;
        if captures.join(format!("{name}.keys")).exists() {
            let keys = sandbox.capture(&format!("{name}.keys"));
            keylog = format!("tls.keylog_file:{}", keys.display());
            args.extend(["-o", keylog.as_str()]);
        }
        let rows = sandbox.fields_with(
            &pcap,
            &args,
            &["frame.number", "_ws.expert.severity", "_ws.expert.message"],
        );
        for row in rows {
            let severities = row[1].split('\u{1e}');
            let messages = row[2].split('\u{1e}');
            for (severity, message) in severities.zip(messages) {
                let severity: u32 = severity.parse().unwrap_or(0);
                if severity >= PI_WARN && !expected(name, message) {
                    wrong.push(format!("{name} frame {}: {message}", row[0]));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "warnings that should not be there:\n{}",
        wrong.join("\n")
    );
}
