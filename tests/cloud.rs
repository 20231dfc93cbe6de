//! The Mi cloud side, device JSON quirks and router captures, through the
//! real tshark. Captures: tests/captures/README.md.

mod common;

use common::*;
use serde_json::Value;

const CLOUD_KEY: &str = "Xk3mP9qLw2Zr7TbN";
const QUIRKS_TOKEN: &str = "00112233445566778899aabbccddeeff";

fn cloud_key() -> String {
    key_row("", "cloud", CLOUD_KEY, "vacuum cloud key")
}

/// Every message of the truth file (what each side sent) decrypted somewhere.
fn assert_all_decrypted(decrypted: &[Value], truth_file: &str) {
    for line in truth(truth_file) {
        assert!(
            decrypted.contains(&line["json"]),
            "{} not decrypted",
            line["json"]
        );
    }
}

#[test]
fn cloud_over_udp_with_only_the_cloud_key() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("cloud-udp.pcapng");
    let key = cloud_key();
    let rows = sandbox.fields_with(
        &pcap,
        &["-2", "-o", &key],
        &[
            "_ws.col.Info",
            "miio.key",
            "miio.decrypted",
            "miio.time_sync",
        ],
    );
    assert_eq!(rows[0][0], "Cloud hello (device to cloud)");
    assert!(
        rows[1][0].starts_with("Time sync (cloud to device), server time "),
        "{:?}",
        rows[1]
    );
    // The field is the same instant as the Info text (4.0 prints "Nov 24, 2026
    // 14:59:22.000000000 UTC", 4.6 ISO 8601).
    let clock = rows[1][0].rsplit(' ').nth(1).unwrap();
    assert!(
        clock.len() == 8 && rows[1][3].contains(clock),
        "server time as a date: {:?}",
        rows[1]
    );
    assert_eq!(rows[2][0], "_otc.info id=1001");
    assert_eq!(rows[2][1], "miio_keys row 1");
    assert_eq!(rows[6][0], "get_status id=777001");
    let command: Value = serde_json::from_str(&rows[6][2]).unwrap();
    assert_eq!(command["from"], "4", "a command issued by the cloud");
    assert_eq!(rows[8][0], "Keep-alive, device 0x1d2e3f40");
    assert_eq!(rows[9][0], "Keep-alive echo, device 0x1d2e3f40");

    let decrypted: Vec<Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r[2]).ok())
        .collect();
    assert_all_decrypted(&decrypted, "cloud-udp.truth.jsonl");

    // The local traffic (UDP 54321, the device's token) decrypts through the
    // chain: _otc.info told the cloud the token.
    let local: Vec<_> = rows.iter().skip(10).filter(|r| !r[2].is_empty()).collect();
    assert_eq!(local.len(), 4);
    for r in local {
        assert_eq!(
            r[1],
            "learned from _otc.info request to the cloud in frame 3"
        );
    }
}

#[test]
fn cloud_key_as_hex_digits_works_too() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("cloud-udp.pcapng");
    let hex: String = CLOUD_KEY.bytes().map(|b| format!("{b:02x}")).collect();
    let key = key_row("1d2e3f40", "cloud", &hex, "");
    let rows = sandbox.fields(&pcap, &[&key], &["miio.decrypted"]);
    assert_eq!(rows.iter().filter(|r| !r[0].is_empty()).count(), 6 + 4);
}

#[test]
fn cloud_over_tcp_reassembled_from_a_real_stream() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("cloud-tcp.pcapng");
    let key = cloud_key();
    // Port 80 belongs to HTTP unless heuristics go first (README: "TCP port 80").
    let args = [
        "-2",
        "-o",
        &key,
        "-o",
        "tcp.try_heuristic_first:TRUE",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
    ];
    let rows = sandbox.fields_with(
        &pcap,
        &args,
        &[
            "frame.number",
            "_ws.col.Protocol",
            "_ws.col.Info",
            "miio.decrypted",
        ],
    );
    let info = |n: &str| {
        rows.iter()
            .find(|r| r[0] == n)
            .map(|r| r[2].clone())
            .unwrap()
    };
    assert_eq!(info("4"), "Cloud hello (device to cloud)");
    assert!(info("6").starts_with("Time sync"));
    // _otc.info arrived in three segments (8, 10, 12).
    assert_eq!(info("12"), "_otc.info id=1001");
    // Two frames in one segment, and an echo plus two frames in one segment.
    assert_eq!(info("16"), "props id=1002 | Keep-alive, device 0x1d2e3f40");
    assert_eq!(
        info("18"),
        "Keep-alive echo, device 0x1d2e3f40 | reply id=1002 ok | get_status id=777001"
    );
    assert_eq!(info("26"), "Roborock map upload (not miIO), 526 bytes");
    // Ordinary HTTP on the same port stays HTTP.
    let http: Vec<_> = rows.iter().filter(|r| r[1].starts_with("HTTP")).collect();
    assert_eq!(http.len(), 2, "{rows:?}");
    assert!(http[0][2].starts_with("GET /gslb"));

    let decrypted: Vec<Value> = rows
        .iter()
        .flat_map(|r| {
            r[3].split('|')
                .filter_map(|j| serde_json::from_str(j).ok())
                .collect::<Vec<Value>>()
        })
        .collect();
    assert_all_decrypted(&decrypted, "cloud-tcp.truth.jsonl");
    assert_eq!(
        decrypted
            .iter()
            .filter(|j| j["method"] == "get_prop" || j["method"] == "set_power")
            .count(),
        2,
        "local requests via the key chain"
    );

    // Decode As gives the same without the heuristic.
    let decode_as = sandbox.fields_with(
        &pcap,
        &["-o", &key, "-d", "tcp.port==80,miio"],
        &["_ws.col.Info"],
    );
    assert!(
        decode_as
            .iter()
            .any(|r| r[0].contains("props id=1002 | Keep-alive, device 0x1d2e3f40")),
        "{decode_as:?}"
    );
}

#[test]
fn tcp_port_8053_is_miio_by_default_and_frames_are_split_anywhere() {
    let sandbox = Sandbox::new();
    let frames = udp_payloads(&sandbox, &sandbox.capture("cloud-udp.pcapng"));
    // Device's frames only: hello, _otc.info, props, reply; cut at odd places.
    let stream: Vec<u8> = [0, 2, 4, 7]
        .iter()
        .flat_map(|&i| frames[i].clone())
        .collect();
    let segments = vec![
        stream[..5].to_vec(),
        stream[5..100].to_vec(),
        stream[100..101].to_vec(),
        stream[101..].to_vec(),
    ];
    let pcap = tcp_capture(&sandbox, "tcp-8053", (40000, 8053), &segments);
    let key = cloud_key();
    let rows = sandbox.fields(&pcap, &[&key], &["_ws.col.Info"]);
    let infos: Vec<&str> = rows
        .iter()
        .map(|r| r[0].as_str())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(infos.iter().any(|l| l.contains("Cloud hello")), "{infos:?}");
    assert!(
        infos.iter().any(|l| l.contains("_otc.info id=1001")),
        "{infos:?}"
    );
    assert!(
        infos.last().unwrap().contains("reply id=777001 ok"),
        "{infos:?}"
    );
}

#[test]
fn each_firmware_json_quirk_is_repaired_and_named() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-quirks.pcapng");
    let key = key_row("", "token", QUIRKS_TOKEN, "quirky device");
    let fields = [
        "miio.length",
        "_ws.col.Info",
        "miio.result",
        "miio.decrypted",
        "miio.decrypted.repaired",
    ];
    let all = sandbox.fields(&pcap, &[&key], &fields);
    let all_experts = sandbox.expert_messages(&pcap, &[&key]);
    // Data frames only, request then reply for each call.
    let (rows, experts): (Vec<_>, Vec<_>) = all
        .iter()
        .zip(&all_experts)
        .filter(|(r, _)| r[0] != "32")
        .unzip();
    let replies: Vec<(&Vec<String>, &String)> = rows
        .iter()
        .zip(&experts)
        .skip(1)
        .step_by(2)
        .map(|(r, e)| (*r, *e))
        .collect();
    let expected = [
        ("',,' -> ','", r#"["on","otu_stat"]"#),
        (
            r#"'"value":00' -> '"value":0'"#,
            r#"[{"did":"c","siid":2,"piid":1,"code":0,"value":0}]"#,
        ),
        ("'[,]' / '[,,]' -> '[]'", "[]"),
        ("'[,]' / '[,,]' -> '[]'", "[]"),
        (r#"'"result":,' -> '"result":null,'"#, "null"),
        ("bytes after the first NUL dropped", r#"["ok"]"#),
    ];
    for (k, (repair, result)) in expected.iter().enumerate() {
        let (row, expert) = replies[k];
        assert_eq!(row[1], format!("reply id={} ok", k + 1));
        assert_eq!(row[2], *result, "fields come from the repaired JSON");
        assert!(!row[4].is_empty(), "repaired text shown");
        assert!(
            expert.contains(&format!("Invalid JSON repaired ({repair})")),
            "{expert}"
        );
    }
    // The exact decrypted text is kept.
    assert_eq!(replies[0].0[3], r#"{"id":1,"result":["on",,"otu_stat"]}"#);
    // Not UTF-8: shown as bytes, with a warning; plain text: not JSON.
    let (binary, expert) = replies[6];
    assert_eq!(binary[1], "Decrypted, 12 bytes (not JSON)");
    assert!(
        expert.contains("not UTF-8 text (shown as bytes)"),
        "{expert}"
    );
    let (text, expert) = replies[7];
    assert_eq!(text[1], "Decrypted, 4 bytes (not JSON)");
    assert!(expert.contains("Decrypted payload is not JSON"), "{expert}");
    let bytes = sandbox.fields(&pcap, &[&key], &["miio.decrypted.bytes"]);
    assert!(
        bytes.iter().any(|r| r[0].starts_with("8f00fe01")),
        "{bytes:?}"
    );
}

#[test]
fn tzsp_stream_from_a_mikrotik_router_is_decrypted() {
    // A MikroTik "streaming" sniffer sends each frame it sees to the analysis
    // host in TZSP (UDP 37008): version 1, type 0 (received), encapsulation
    // 1 (Ethernet), then the end tag. Here the real frames of the python-miio
    // capture are wrapped that way; Wireshark's TZSP dissector unwraps them.
    let sandbox = Sandbox::new();
    let inner = pcapng_frames(&sandbox.capture("python-miio-basic.pcapng"));
    assert_eq!(inner.len(), 26);
    let wrapped: Vec<Vec<u8>> = inner
        .iter()
        .map(|f| [&[0x01, 0x00, 0x00, 0x01, 0x01][..], f].concat())
        .collect();
    let pcap = udp_capture(&sandbox, "tzsp", (55000, 37008), &wrapped);
    let rows = sandbox.fields(
        &pcap,
        &[&basic_key()],
        &["tzsp.encap", "udp.dstport", "miio.decrypted"],
    );
    assert_eq!(rows.len(), 26);
    assert!(rows.iter().all(|r| r[0] == "1"), "{:?}", rows[0]);
    let decrypted: Vec<Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r[2]).ok())
        .collect();
    assert_eq!(decrypted.len(), 20);
    assert_eq!(decrypted[0]["method"], "miIO.info");
}
