//! MiBeacon keys through the real tshark: the note naming the MAC to
//! configure, a wrong key flagged (by the MIC, or for v2/v3 by the objects),
//! the row that decrypted, key-file lines, refused rows.

mod common;

use std::collections::BTreeSet;

use common::*;

#[test]
fn missing_and_wrong_keys_are_named() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("mibeacon-le-ll.pcap");
    let none = sandbox.expert_messages(&pcap, &[]);
    let vectors = mibeacon_vectors();
    // test_Xiaomi_LYWSD03MMC_encrypted: v5, the MAC in the frame.
    let i = vectors
        .iter()
        .position(|v| v["id"] == "test_Xiaomi_LYWSD03MMC_encrypted")
        .unwrap();
    assert_eq!(
        none[i],
        "encrypted (v5); no bindkey for A4:C1:38:02:83:F4: add a miio_keys row of type bindkey with device_id A4:C1:38:02:83:F4"
    );
    let wrong = key_row(
        "a4c1380283f4",
        "bindkey",
        "e9ea895fac7cca6d30532432a516f3a9",
        "hall",
    );
    let flagged = sandbox.expert_messages(&pcap, &[&wrong]);
    assert_eq!(
        flagged[i],
        "the bindkey of miio_keys row 1 for A4:C1:38:02:83:F4 does not decrypt this frame: MIC check failed"
    );
    // v2/v3 frames carry no MIC: a wrong key shows as objects that do not fit.
    let legacy = key_row(
        "F8:24:41:C5:98:8B",
        "bindkey",
        "b853075158487aa39a5b5ea9",
        "",
    );
    let statuses = sandbox.fields(&pcap, &[&legacy], &["mibeacon.mic.status"]);
    let flagged = vectors
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            v["id"].as_str().unwrap().contains("wrong_legacy")
                || v["id"].as_str().unwrap().contains("unset_legacy")
        })
        .map(|(i, _)| statuses[i][0].as_str())
        .collect::<Vec<_>>();
    assert_eq!(flagged, ["2", "2", "2"]);
    let right = key_row(
        "a4c1380283f4",
        "bindkey",
        "e9ea895fac7cca6d30532432a516f3a8",
        "hall",
    );
    let rows = sandbox.fields(
        &pcap,
        &[&wrong, &right],
        &[
            "mibeacon.mic.status",
            "mibeacon.key_row",
            "mibeacon.humidity",
            "_ws.col.Info",
        ],
    );
    assert_eq!(
        rows[i],
        ["1", "2", "46.7", "MiBeacon v5 LYWSD03MMC: humidity 46.7 %"]
    );
}

#[test]
fn key_file_lines_decrypt_like_rows() {
    let vectors = mibeacon_vectors();
    let sandbox = Sandbox::new();
    let mut text = String::from("# MiBeacon bindkeys\n");
    for v in &vectors {
        if let Some(key) = v["bindkey"].as_str() {
            text.push_str(&format!(
                "bindkey {} {key} {}\n",
                v["address"].as_str().unwrap(),
                v["id"].as_str().unwrap()
            ));
        }
    }
    text.push_str("bindkey A4:C1:38:02:83 e9ea895fac7cca6d30532432a516f3a8\n");
    let file = sandbox.write("bindkeys.txt", text.as_bytes());
    let option = format!("miio.key_file:{}", file.display());
    let pcap = sandbox.capture("mibeacon-hci.pcap");
    let from_file = sandbox.fields(&pcap, &[&option], &["mibeacon.mic.status"]);
    let rows = bindkey_rows(&vectors);
    let args: Vec<&str> = rows.iter().flat_map(|r| ["-o", r.as_str()]).collect();
    let from_rows = sandbox.fields_with(&pcap, &args, &["mibeacon.mic.status"]);
    assert_eq!(from_file, from_rows);
    // Verified: the v4/v5 adverts with objects whose advertiser has its right
    // key among the vectors (also the one test_encryption_needs_v5 sends
    // without a key, whose device another test gives the key of).
    let keyed: BTreeSet<&str> = vectors
        .iter()
        .filter(|v| v["bindkey"].is_string() && v["expected"]["outcome"] != "decryption_failed")
        .map(|v| v["address"].as_str().unwrap())
        .collect();
    let want: Vec<bool> = vectors
        .iter()
        .map(|v| {
            let d = v["data_hex"].as_str().unwrap();
            let ctrl = u16::from_str_radix(&d[2..4], 16).unwrap() << 8
                | u16::from_str_radix(&d[..2], 16).unwrap();
            ctrl & 0x48 == 0x48 && ctrl >> 12 >= 4 && keyed.contains(v["address"].as_str().unwrap())
        })
        .collect();
    let got: Vec<bool> = from_file.iter().map(|r| r[0] == "1").collect();
    assert_eq!(got, want);
    assert_eq!(got.iter().filter(|g| **g).count(), 79);
    let out = sandbox.run(
        "tshark",
        &["-r", pcap.to_str().unwrap(), "-o", &option, "-c", "1"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().count();
    assert!(
        stderr.contains(&format!(
            "line {line}: device_id: a bindkey's device is the advertiser's MAC"
        )),
        "{stderr}"
    );
}

#[test]
fn refused_bindkey_rows_name_the_row_and_the_problem() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("mibeacon-le-ll.pcap");
    let cases = [
        (
            key_row("A4:C1:38:02:83:F4", "bindkey", "e9ea895fac7cca6d30532432a516f3", "hall"),
            r#"miio_keys row (device A4:C1:38:02:83:F4, "hall"): key: a bindkey is 32 hex digits (MiBeacon v4/v5) or 24 (v2/v3); this one has 30 characters"#,
        ),
        (
            key_row("0a1b2c3d", "bindkey", "e9ea895fac7cca6d30532432a516f3a8", ""),
            "miio_keys row (device 0a1b2c3d): device_id: a bindkey's device is the advertiser's MAC",
        ),
    ];
    for (row, message) in &cases {
        let out = sandbox.run(
            "tshark",
            &["-r", pcap.to_str().unwrap(), "-o", row, "-c", "1"],
        );
        assert!(!out.status.success(), "row {row} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "want {message}\ngot {stderr}");
        let ours = &stderr[stderr.find("miio_keys row (").unwrap()..];
        assert!(!ours.contains("e9ea895fac7cca6d30532432a516f3"), "{ours}");
    }
}
