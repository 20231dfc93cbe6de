//! The Mi cloud API through the real tshark, on captures micloud 0.6's own
//! client made over TLS 1.3 to a stand-in server (tests/peers/micloud/),
//! with only the TLS key log given: every request and reply decrypts to
//! what the peers sent (`*.expected.jsonl`, from an independent decoder
//! checked against the server's truth), hashes verify, requests and replies
//! link, and the device list's token decrypts the local miIO frames.

mod common;

use common::*;
use serde_json::Value;

/// The independent decoder's `NAME.expected.jsonl`, one exchange a line.
fn expected(name: &str) -> Vec<Value> {
    truth(&format!("{name}.expected.jsonl"))
}

/// `-T fields` per frame (all occurrences joined by `|`), keyed by frame.
fn by_frame(rows: Vec<Vec<String>>) -> std::collections::HashMap<u64, Vec<String>> {
    rows.into_iter()
        .map(|mut r| (r.remove(0).parse().unwrap(), r))
        .collect()
}

const FIELDS: [&str; 11] = [
    "frame.number",
    "micloud.data",
    "micloud.response",
    "micloud.rc4_hash.status",
    "micloud.signature.status",
    "micloud.request_in",
    "micloud.response_in",
    "miio.decrypted",
    "miio.checksum.status",
    "miio.key",
    "miio.model",
];

fn run(
    sandbox: &Sandbox,
    name: &str,
    extra: &[&str],
) -> std::collections::HashMap<u64, Vec<String>> {
    let pcap = sandbox.capture(&format!("{name}.pcapng"));
    let keys = sandbox.capture(&format!("{name}.keys"));
    let keylog = format!("tls.keylog_file:{}", keys.display());
    let mut args = vec![
        "-o",
        keylog.as_str(),
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
    ];
    args.extend_from_slice(extra);
    by_frame(sandbox.fields_with(&pcap, &args, &FIELDS))
}

fn json_eq(got: &str, want: &Value) -> bool {
    serde_json::from_str::<Value>(got).is_ok_and(|g| &g == want)
}

/// Every API call of `name` decrypted exact and linked; the number of calls.
fn check_api(
    name: &str,
    rows: &std::collections::HashMap<u64, Vec<String>>,
    two_pass: bool,
) -> usize {
    let mut calls = 0;
    for e in expected(name).iter().filter(|e| e["kind"] == "api") {
        let (req, rep) = (
            e["request_frame"].as_u64().unwrap(),
            e["response_frame"].as_u64().unwrap(),
        );
        let (r, p) = (&rows[&req], &rows[&rep]);
        let data = e["params"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == "data")
            .unwrap()[1]
            .as_str()
            .unwrap();
        assert_eq!(r[0], data, "{name} frame {req}: micloud.data");
        assert_eq!(
            (r[2].as_str(), r[3].as_str()),
            ("1", "1"),
            "{name} frame {req}: hashes"
        );
        assert_eq!(
            p[1],
            e["response"].as_str().unwrap(),
            "{name} frame {rep}: micloud.response"
        );
        assert_eq!(p[4], req.to_string(), "{name} frame {rep}: request_in");
        if two_pass {
            assert_eq!(r[5], rep.to_string(), "{name} frame {req}: response_in");
        }
        calls += 1;
    }
    calls
}

#[test]
fn the_chain_decrypts_with_only_the_tls_key_log() {
    let sandbox = Sandbox::new();
    for two_pass in [false, true] {
        let extra: &[&str] = if two_pass { &["-2"] } else { &[] };
        let rows = run(&sandbox, "micloud-chain", extra);
        let calls = check_api("micloud-chain", &rows, two_pass);
        assert!(calls >= 4, "{calls} API calls");
        // The local device's frames: decrypted with the device list's token.
        let mut local = 0;
        for e in expected("micloud-chain")
            .iter()
            .filter(|e| e["kind"] == "miio" && e.get("json").is_some())
        {
            let f = &rows[&e["frame"].as_u64().unwrap()];
            assert!(
                json_eq(&f[6], &e["json"]),
                "frame {}: {} vs {}",
                e["frame"],
                f[6],
                e["json"]
            );
            assert_eq!(f[7], "1", "frame {}: checksum", e["frame"]);
            assert!(
                f[8].contains("Mi cloud device list"),
                "frame {}: key {}",
                e["frame"],
                f[8]
            );
            local += 1;
        }
        assert!(local >= 4, "{local} local frames");
    }
}

#[test]
fn http2_and_a_capture_without_the_login() {
    let sandbox = Sandbox::new();
    for name in ["micloud-h2", "micloud-no-login"] {
        let rows = run(&sandbox, name, &["-2"]);
        let calls = check_api(name, &rows, true);
        assert_eq!(calls, 4, "{name}");
    }
}

#[test]
fn the_device_list_reply_shows_what_it_gave() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("micloud-chain.pcapng");
    let keys = sandbox.capture("micloud-chain.keys");
    let keylog = format!("tls.keylog_file:{}", keys.display());
    let list = expected("micloud-chain")
        .into_iter()
        .find(|e| e["path"] == "/app/home/device_list")
        .unwrap();
    let frame = list["response_frame"].as_u64().unwrap();
    let filter = format!("frame.number == {frame}");
    let rows = sandbox.fields_with(
        &pcap,
        &[
            "-o",
            &keylog,
            "-Y",
            &filter,
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=|",
        ],
        &[
            "micloud.harvested.did",
            "micloud.harvested.token",
            "micloud.harvested.model",
            "_ws.col.Info",
            "_ws.expert.message",
        ],
    );
    let reply: Value = serde_json::from_str(list["response"].as_str().unwrap()).unwrap();
    let devices = reply["result"]["list"].as_array().unwrap();
    let dids: Vec<&str> = devices.iter().map(|d| d["did"].as_str().unwrap()).collect();
    assert_eq!(rows[0][0], dids.join("|"));
    let plug = devices.iter().find(|d| d["did"] == "439041101").unwrap();
    assert!(
        rows[0][1]
            .split('|')
            .any(|t| t == plug["token"].as_str().unwrap()),
        "{}",
        rows[0][1]
    );
    assert!(rows[0][2].contains("chuangmi.plug.m1"), "{}", rows[0][2]);
    assert!(
        rows[0][3].starts_with(&format!("reply: {} devices", devices.len())),
        "{}",
        rows[0][3]
    );
    // The BLE device's 24-digit "token" is not a miIO token.
    let tokens = devices
        .iter()
        .filter(|d| d["token"].as_str().is_some_and(|t| t.len() == 32))
        .count();
    let note = format!("Keys for the capture: {tokens} device tokens, 0 bindkeys");
    assert!(rows[0][4].contains(&note), "{}", rows[0][4]);
}

#[test]
fn ssecurity_rows_are_checked() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("micloud-no-login.pcapng");
    let good = key_row("", "ssecurity", "xOKgbxjTW5fh8KK0xtjg8g==", "account");
    let out = sandbox.run(
        "tshark",
        &["-r", pcap.to_str().unwrap(), "-o", &good, "-c", "1"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = key_row("", "ssecurity", "xOKgbx!", "account");
    let out = sandbox.run(
        "tshark",
        &["-r", pcap.to_str().unwrap(), "-o", &bad, "-c", "1"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(r#"miio_keys row ("account"): key: an ssecurity is base64 (24 characters, e.g. from the login reply); this one has 7 characters and is not base64 of 8 to 64 bytes"#),
        "{stderr}"
    );
}

#[test]
fn without_its_ssecurity_in_clear_only_a_row_decrypts() {
    // micloud-row: HTTP/2 calls that, like the app's, carry no ssecurity.
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("micloud-row.pcapng");
    let keys = sandbox.capture("micloud-row.keys");
    let keylog = format!("tls.keylog_file:{}", keys.display());
    let plain = sandbox.fields_with(
        &pcap,
        &[
            "-o",
            &keylog,
            "-Y",
            "micloud",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=|",
        ],
        &["_ws.col.Info", "_ws.expert.message"],
    );
    assert_eq!(plain.len(), 8, "4 requests, 4 replies");
    for r in &plain {
        assert!(r[0].contains("(encrypted, no key)"), "{r:?}");
        assert!(
            r[1].contains("no ssecurity decrypts it: add a miio_keys row of type ssecurity"),
            "{r:?}"
        );
    }
    let row = key_row("", "ssecurity", "xOKgbxjTW5fh8KK0xtjg8g==", "account");
    let rows = run(&sandbox, "micloud-row", &["-2", "-o", &row]);
    assert_eq!(check_api("micloud-row", &rows, true), 4);
    let used = sandbox.fields_with(
        &pcap,
        &["-o", &keylog, "-o", &row, "-Y", "micloud.nonce"],
        &["micloud.key_row"],
    );
    assert_eq!(used, vec![vec!["1".to_string()]; 4]);
}
