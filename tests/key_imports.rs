//! Key files other tools wrote (tests/captures/keyfiles), through the real
//! tshark: Xiaomi-cloud-tokens-extractor's output, Home Assistant's
//! core.config_entries and python-miio's cloud device list each decrypt
//! python-miio-basic.pcapng as the token row does, their BLE keys decrypt
//! MiBeacon adverts, the status line says what the file gave, and a bad
//! entry is named on stderr while the rest is used.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A sample of tests/captures/keyfiles, copied into the sandbox.
fn sample(sandbox: &Sandbox, name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures/keyfiles")
        .join(name);
    sandbox.write(&format!("keyfiles/{name}"), &std::fs::read(src).unwrap())
}

/// `-T fields` rows of a capture read with `file` as the key file, and
/// tshark's stderr (where the key file's report goes).
fn with_key_file(
    sandbox: &Sandbox,
    capture: &str,
    file: &Path,
    fields: &[&str],
) -> (Vec<Vec<String>>, String) {
    let pcap = sandbox.capture(capture);
    let pref = format!("miio.key_file:{}", file.display());
    let mut args = vec!["-r", pcap.to_str().unwrap(), "-o", &pref, "-T", "fields"];
    for f in fields {
        args.extend(["-e", f]);
    }
    let out = sandbox.run("tshark", &args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let rows = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    (rows, stderr)
}

/// The checksum status of every frame of python-miio-basic.pcapng with the
/// token as a key table row: what each file must reproduce.
fn basic_statuses(sandbox: &Sandbox) -> Vec<String> {
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let rows = sandbox.fields(&pcap, &[&basic_key()], &["miio.checksum.status"]);
    let statuses: Vec<String> = rows.into_iter().map(|mut r| r.swap_remove(0)).collect();
    assert!(
        statuses.iter().filter(|s| *s == "1").count() >= 20,
        "{statuses:?}"
    );
    statuses
}

/// Asserts the file decrypts python-miio-basic.pcapng like the token row,
/// and returns tshark's stderr and each frame's key file line.
fn decrypts_basic(sandbox: &Sandbox, file: &Path) -> (String, Vec<String>) {
    let want = basic_statuses(sandbox);
    let (rows, stderr) = with_key_file(
        sandbox,
        "python-miio-basic.pcapng",
        file,
        &[
            "miio.checksum.status",
            "miio.decrypted",
            "miio.key.file_line",
        ],
    );
    let got: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(got, want, "{stderr}");
    let decrypted = rows.iter().filter(|r| !r[1].is_empty()).count();
    assert!(decrypted >= 20, "{decrypted} frames decrypted: {stderr}");
    let lines = rows
        .iter()
        .filter(|r| r[0] == "1")
        .map(|r| r[2].clone())
        .collect();
    (stderr, lines)
}

/// The MiBeacon key status and key-file line of the advert of each vector id.
fn mibeacon_keys(sandbox: &Sandbox, file: &Path, ids: &[&str]) -> Vec<(String, String)> {
    let vectors = mibeacon_vectors();
    let (rows, _) = with_key_file(
        sandbox,
        "mibeacon-le-ll.pcap",
        file,
        &["mibeacon.mic.status", "mibeacon.key_file_line"],
    );
    ids.iter()
        .map(|id| {
            let i = vectors.iter().position(|v| v["id"] == *id).unwrap();
            (rows[i][0].clone(), rows[i][1].clone())
        })
        .collect()
}

fn status(file: &Path, text: &str) -> String {
    format!("key file {}: {text}", file.display())
}

#[test]
fn extractor_output_gives_tokens_and_ble_keys() {
    let sandbox = Sandbox::new();
    let file = sample(&sandbox, "extractor-output.txt");
    let (stderr, lines) = decrypts_basic(&sandbox, &file);
    assert!(
        stderr.contains(&status(
            &file,
            "Xiaomi-cloud-tokens-extractor output, 6 devices: 3 tokens, 3 models, 2 bindkeys"
        )),
        "{stderr}"
    );
    assert!(lines.iter().all(|l| l == "15"), "the TOKEN line: {lines:?}");
    let keys = mibeacon_keys(
        &sandbox,
        &file,
        &["test_Xiaomi_LYWSD03MMC_encrypted", "test_Xiaomi_MCCGQ02HL"],
    );
    let want = [("1", "31"), ("1", "48")].map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(keys, want);
}

#[test]
fn extractor_output_with_a_bad_token() {
    let sandbox = Sandbox::new();
    let file = sample(&sandbox, "extractor-output-bad.txt");
    let (stderr, _) = decrypts_basic(&sandbox, &file);
    assert!(
        stderr.contains(&status(
            &file,
            "Xiaomi-cloud-tokens-extractor output, 2 devices: 1 token, 2 models; 1 refused"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "key file {} device 2 of the extractor output (line 17, \"Mi Smart Plug (WiFi)\"): TOKEN: a token is 32 hex digits; this one has 31 characters",
            file.display()
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("7b3e9f21c4d85a06e1f2a3b4c5d6e7f"),
        "key echoed: {stderr}"
    );
}

#[test]
fn home_assistant_config_entries() {
    let sandbox = Sandbox::new();
    let file = sample(&sandbox, "core.config_entries");
    // The xiaomi_miio entries have no device id: the token is found by checksum.
    let (stderr, lines) = decrypts_basic(&sandbox, &file);
    assert!(
        stderr.contains(&status(
            &file,
            "Home Assistant core.config_entries, 5 entries: 2 tokens, 1 bindkey; 1 Roborock entry without local keys"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("not-a-real-password"), "{stderr}");
    assert!(lines.iter().all(|l| !l.is_empty()), "{lines:?}");
    let keys = mibeacon_keys(&sandbox, &file, &["test_Xiaomi_LYWSD03MMC_encrypted"]);
    assert_eq!(keys[0].0, "1");

    let bad = sample(&sandbox, "core.config_entries-bad");
    let (stderr, _) = decrypts_basic(&sandbox, &bad);
    assert!(
        stderr.contains(&format!(
            "key file {} entry 3 of core.config_entries (xiaomi_miio, \"Mi Smart Plug (WiFi)\"): token: a token is 32 hex digits; this one has 31 characters",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&status(
            &bad,
            "Home Assistant core.config_entries, 3 entries: 1 token, 1 bindkey; 1 refused"
        )),
        "{stderr}"
    );
}

#[test]
fn python_miio_cloud_list() {
    let sandbox = Sandbox::new();
    let file = sample(&sandbox, "python-miio-cloud-list.json");
    let (stderr, lines) = decrypts_basic(&sandbox, &file);
    assert!(
        stderr.contains(&status(
            &file,
            "Xiaomi cloud device list (python-miio), 5 devices: 3 tokens, 3 models"
        )),
        "{stderr}"
    );
    assert!(
        lines.iter().all(|l| l == "4"),
        "the token's line: {lines:?}"
    );

    // Saved with click's prompts before the JSON; one token is short.
    let bad = sample(&sandbox, "python-miio-cloud-list-bad.json");
    let (stderr, _) = decrypts_basic(&sandbox, &bad);
    assert!(
        stderr.contains(&format!(
            "key file {} device 2 of the cloud device list (\"Mi Air Purifier 4\"): token: a token is 32 hex digits; this one has 31 characters",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 devices: 2 tokens, 3 models; 1 refused"),
        "{stderr}"
    );
}

#[test]
fn a_cloud_list_gives_the_model_of_a_device_without_miio_info() {
    // python-miio-miot-no-info.pcapng: did 1230403941 (49567965), no miIO.info.
    let sandbox = Sandbox::new();
    let list = r#"[
    {
        "did": "1230403941",
        "token": "00000000000000000000000000000000",
        "name": "Air Purifier",
        "model": "zhimi.airp.rmb1",
        "parent_id": ""
    }
]
"#;
    let file = sandbox.write("devices.json", list.as_bytes());
    let (rows, stderr) = with_key_file(
        &sandbox,
        "python-miio-miot-no-info.pcapng",
        &file,
        &["miio.model", "miio.model.source", "miio.checksum.status"],
    );
    assert!(stderr.contains("1 device: 1 token, 1 model"), "{stderr}");
    // Every frame but the hellos (frames 1-3, device id ffffffff) has the
    // model; every one after the hello replies (4-6) is verified.
    assert!(
        rows[3..]
            .iter()
            .all(|r| r[0] == "zhimi.airp.rmb1" && r[1] == "key file line 4"),
        "{rows:?}"
    );
    assert!(rows[6..].iter().all(|r| r[2] == "1"), "{rows:?}");
}
