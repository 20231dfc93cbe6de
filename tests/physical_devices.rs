//! Frames recorded from physical devices (published with their tokens; see
//! tests/captures/README.md for each source), through the real tshark: every
//! data frame decrypts byte-exact to the text the source's frame holds, no
//! frame is malformed, and only real hello replies are shown as leaking a
//! token. The truth files were computed by tests/peers/make-real-captures.py
//! with its own crypto, not by this plugin.

mod common;

use common::*;
use serde_json::Value;

/// (capture, [(device id, token)]).
const CAPTURES: [(&str, &[(&str, &str)]); 7] = [
    (
        "real-featherbear-roborock-s6-ota",
        &[("133328e1", "516e4b434f746577774c326868583270")],
    ),
    (
        "real-featherbear-roborock-s6-ota-patched",
        &[("133328e1", "72614675376f68687251504841676c63")],
    ),
    (
        "real-eip-zhimi-airmonitor-v1",
        &[("047bd1b5", "9c3b2d1da5beceee2808a3d3653b485d")],
    ),
    (
        "real-octa22-wifispeaker-rockrobo-v1",
        &[
            ("03421be9", "636a356945696c6c76566d48324e6d48"),
            ("03d84948", "424d6a5077556d7667714535686c4933"),
        ],
    ),
    (
        "real-marcelrv-rockrobo-vacuum-v1",
        &[("034f0e45", "4e454b466a34694745345858354d4f43")],
    ),
    (
        "real-brutsky-zhimi-humidifier-v1",
        &[("0404a850", "5d3a2f018c90097a850558c35c953b77")],
    ),
    (
        "real-iobroker-rockrobo-vacuum-v1",
        &[
            ("034c85dd", "34665248426447753954473346777549"),
            ("02f20d8f", "6351394d507672415247364d6a6b4b6d"),
        ],
    ),
];

const FIELDS: [&str; 8] = [
    "frame.number",
    "miio.length",
    "miio.decrypted",
    "miio.checksum.status",
    "miio.token",
    "_ws.col.Info",
    "miio.device_id",
    "_ws.expert.message",
];

fn rows(
    sandbox: &Sandbox,
    capture: &str,
    keys: &[(&str, &str)],
    two_passes: bool,
) -> Vec<Vec<String>> {
    let pcap = sandbox.capture(&format!("{capture}.pcapng"));
    let rows: Vec<String> = keys
        .iter()
        .map(|(did, token)| key_row(did, "token", token, "physical device"))
        .collect();
    let mut args: Vec<&str> = rows.iter().flat_map(|r| ["-o", r.as_str()]).collect();
    args.extend(["-E", "occurrence=a", "-E", "aggregator=|"]);
    if two_passes {
        args.push("-2");
    }
    sandbox.fields_with(&pcap, &args, &FIELDS)
}

#[test]
fn every_data_frame_decrypts_byte_exact_with_its_devices_token() {
    let sandbox = Sandbox::new();
    let (mut real_frames, mut models) = (0, std::collections::BTreeSet::new());
    for (capture, keys) in CAPTURES {
        let truth = truth(&format!("{capture}.truth.jsonl"));
        let rows = rows(&sandbox, capture, keys, true);
        assert_eq!(rows.len(), truth.len(), "{capture}");
        for (row, want) in rows.iter().zip(&truth) {
            let at = format!("{capture} frame {}", row[0]);
            assert!(!row[5].starts_with("Malformed"), "{at}: {row:?}");
            assert!(!row[7].contains("Malformed"), "{at}: {row:?}");
            match want["kind"].as_str().unwrap() {
                "data" => {
                    assert_eq!(row[2], want["plaintext"].as_str().unwrap(), "{at}");
                    assert_eq!(row[3], "1", "{at}: checksum good");
                }
                "hello_reply" if want["carries_token"] == Value::Bool(true) => {
                    assert_eq!(row[4], want["token"].as_str().unwrap(), "{at}");
                    assert!(row[7].contains("token in clear"), "{at}: {row:?}");
                }
                kind => {
                    assert_eq!(row[2], "", "{at}: {kind}");
                    assert_eq!(row[4], "", "{at}: {kind} shows no token");
                    assert!(!row[7].contains("token in clear"), "{at}: {row:?}");
                }
            }
            if want.get("note").is_none() {
                real_frames += 1;
            }
        }
        models.insert(
            capture
                .trim_start_matches("real-")
                .split_once('-')
                .unwrap()
                .1,
        );
    }
    assert!(real_frames >= 20, "{real_frames} real frames");
    assert!(models.len() >= 3, "{models:?}");
}

#[test]
fn roborock_s6_firmware_update_decrypts_with_no_key_and_leaks_only_in_hello_replies() {
    // hello, hello reply (token), hello, hello reply (token), the update
    // tool's 32-byte checksum frame, miIO.ota, the robot's echo of the
    // checksum frame, the reply.
    let sandbox = Sandbox::new();
    let rows = rows(&sandbox, "real-featherbear-roborock-s6-ota", &[], false);
    let info: Vec<_> = rows.iter().map(|r| r[5].as_str()).collect();
    assert_eq!(
        info,
        [
            "Hello",
            "Hello reply, device 0x133328e1, token leaked",
            "Hello",
            "Hello reply, device 0x133328e1, token leaked",
            "Ping (empty payload), device 0x133328e1",
            "miIO.ota id=475485824",
            "Ping (empty payload) echo, device 0x133328e1",
            "reply id=475485824 ok",
        ]
    );
    let leaks: Vec<_> = rows
        .iter()
        .filter(|r| r[7].contains("token in clear"))
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(leaks, ["2", "4"]);
    for ping in [&rows[4], &rows[6]] {
        assert_eq!(ping[3], "1", "checksum good: {ping:?}");
        assert_eq!(ping[4], "", "no token field: {ping:?}");
    }
    let ota: Value = serde_json::from_str(&rows[5][2]).unwrap();
    assert_eq!(
        ota["params"]["app_url"],
        "http://192.168.8.110:8322/firmware"
    );
}

#[test]
fn a_hello_reply_from_a_reset_device_is_a_candidate_never_a_fallback() {
    // The vacuum's earlier frames use one token; later, in AP mode, it
    // answers a hello with another (its new token; no frame confirms it).
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("real-marcelrv-rockrobo-vacuum-v1.pcapng");
    let rows = sandbox.fields_with(
        &pcap,
        &["-2"],
        &["_ws.col.Info", "miio.key", "miio.checksum.status"],
    );
    assert_eq!(rows[0], ["Encrypted, no key (device 0x034f0e45)", "", "2"]);
    assert_eq!(
        rows[4],
        [
            "Hello reply, device 0x034f0e45, token leaked",
            "learned from hello reply in frame 5 (candidate: no checksum has confirmed it)",
            ""
        ]
    );
}
