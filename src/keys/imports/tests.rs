//! Which kind each file is taken for, and the status line it gets; on the
//! sample files of tests/captures/keyfiles.

use super::*;

const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";

fn sample(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures/keyfiles")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn extractor_sample() {
    let (found, status) = read(&sample("extractor-output.txt"));
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(
        status.as_deref(),
        Some("Xiaomi-cloud-tokens-extractor output, 6 devices: 3 tokens, 3 models, 2 bindkeys")
    );
    assert_eq!(found.tokens[0].device_id, Some(169552957));
    assert_eq!(found.tokens[0].row, 15, "line of the TOKEN");
}

#[test]
fn extractor_bad_sample() {
    let (found, status) = read(&sample("extractor-output-bad.txt"));
    assert_eq!(
        status.as_deref(),
        Some("Xiaomi-cloud-tokens-extractor output, 2 devices: 1 token, 2 models; 1 refused")
    );
    assert_eq!(
        found.problems,
        ["device 2 of the extractor output (line 17, \"Mi Smart Plug (WiFi)\"): TOKEN: a token is 32 hex digits; this one has 31 characters"]
    );
}

#[test]
fn home_assistant_samples() {
    let (found, status) = read(&sample("core.config_entries"));
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(
        status.as_deref(),
        Some("Home Assistant core.config_entries, 5 entries: 2 tokens, 1 bindkey; 1 Roborock entry without local keys")
    );
    assert!(found.tokens.iter().all(|k| k.device_id.is_none()));
    let (found, status) = read(&sample("core.config_entries-bad"));
    assert!(status
        .unwrap()
        .ends_with("3 entries: 1 token, 1 bindkey; 1 refused"));
    assert!(found.problems[0].starts_with(
        "entry 3 of core.config_entries (xiaomi_miio, \"Mi Smart Plug (WiFi)\"): token: a token is 32 hex digits; this one has 31"
    ));
}

#[test]
fn python_miio_samples() {
    let (found, status) = read(&sample("python-miio-cloud-list.json"));
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(
        status.as_deref(),
        Some("Xiaomi cloud device list (python-miio), 5 devices: 3 tokens, 3 models")
    );
    assert_eq!(found.models[0], (169552957, "rockrobo.vacuum.s5".into(), 4));
    // After click's prompts, as `miiocli cloud list --raw > file` writes it.
    let (found, status) = read(&sample("python-miio-cloud-list-bad.json"));
    assert!(status
        .unwrap()
        .ends_with("3 devices: 2 tokens, 3 models; 1 refused"));
    assert_eq!(
        found.problems,
        ["device 2 of the cloud device list (\"Mi Air Purifier 4\"): token: a token is 32 hex digits; this one has 31 characters"]
    );
}

#[test]
fn key_lines_and_roborock_home_data_read_as_before() {
    let text = format!("0a1b2c3d {TOKEN}\nnonsense\nmodel 0a1b2c3d a.b.c\n");
    let (found, status) = read(text.as_bytes());
    assert_eq!(status, None, "plain key lines get no status line");
    assert_eq!((found.tokens.len(), found.models.len()), (1, 1));
    assert!(found.problems[0].starts_with("line 2: expected"));

    let home =
        br#"{"devices": [{"duid": "rrV1LocalS7xK8pQ2mZ7sT", "localKey": "k7Pq2Xz9Lm4Rt8Vw"}]}"#;
    let (found, status) = read(home);
    assert_eq!(found.roborock.len(), 1);
    assert_eq!(
        status.as_deref(),
        Some("Roborock home data: 1 Roborock key")
    );
    let (_, status) = read(b"{\"something\": [1, 2]}");
    assert!(status.unwrap().starts_with("JSON of no kind read here"));
    let (found, status) = read(b"{broken");
    assert_eq!(status, None);
    assert!(found.problems[0].starts_with("is JSON but not readable"));
}

#[test]
fn extractor_blocks_among_key_lines() {
    let text = format!(
        "# my keys\n1c2d3e4f 7b3e9f21c4d85a06e1f2a3b4c5d6e7f8 plug\nbindkey A4:C1:38:02:83:F5 e9ea895fac7cca6d30532432a516f3a8\nLogged in.\n   ---------\n   ID:       169552957\n   TOKEN:    {TOKEN}\n   ---------\n0a1b2c3d zz\n"
    );
    let (found, status) = read(text.as_bytes());
    assert_eq!(
        status.as_deref(),
        Some("Xiaomi-cloud-tokens-extractor output, 1 device: 2 tokens, 1 bindkey; 1 refused")
    );
    assert_eq!(
        found.problems,
        ["line 9: key: a token is 32 hex digits; this one has 2 characters"]
    );
}

#[test]
fn extractor_output_saved_by_windows_powershell() {
    let text =
        format!("\u{feff}   ---------\r\n   ID:       169552957\r\n   TOKEN:    {TOKEN}\r\n");
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let (found, status) = read(&text::decode(&utf16));
    assert_eq!(found.tokens[0].device_id, Some(169552957));
    assert!(status.unwrap().ends_with("1 device: 1 token"));
}

#[test]
fn json_after_prompts_only_on_the_first_line() {
    assert!(json_value(b"Username: Locale (all): [\n{\"did\": \"1\"}]\n").is_some());
    assert!(json_value(b"Username: [x]\n").is_none());
    assert!(json_value(b"# keys [\n0a1b2c3d x\n").is_none());
}

#[test]
fn hostile_and_cut_files_never_panic() {
    for name in [
        "extractor-output.txt",
        "core.config_entries",
        "python-miio-cloud-list-bad.json",
    ] {
        let whole = sample(name);
        for end in (0..whole.len()).step_by(7) {
            let _ = read(&whole[..end]);
        }
    }
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let (found, _) = read(nested.as_bytes());
    assert!(found.tokens.is_empty());
    // An escape sequence left open eats the rest of its line.
    let (found, status) = read(b"\x1b[\x1b\n   TOKEN: \x1b[33\n\xff\xfe\n");
    assert!(found.tokens.is_empty() && status.is_none());
}
