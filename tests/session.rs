//! Understanding a capture as a whole, through the real tshark: keys learned
//! from the traffic, trial decryption, JSON fields, request/response links,
//! stamps, the heuristic dissector, the key file and the statistics.

mod common;

use common::*;
use serde_json::Value;

const PAIRING_TOKEN: &str = "c0ffee00deadbeef0123456789abcdef";
const PLUG_TOKEN: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const LAMP_TOKEN: &str = "5566778899aabbccddeeff0011223344";
const VACUUM_GEN1_TOKEN: &str = "0123456789abcdef0123456789abcdef";
const LOSSY_TOKEN: &str = "fedcba9876543210fedcba9876543210";

fn any_device(token: &str) -> String {
    key_row("", "token", token, "")
}

#[test]
fn pairing_capture_decrypts_with_no_key_configured() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-pairing.pcapng");
    let rows = sandbox.fields(
        &pcap,
        &[],
        &[
            "frame.number",
            "miio.decrypted",
            "miio.key",
            "miio.key.learned_in",
        ],
    );
    let data: Vec<_> = rows.iter().filter(|r| !r[1].is_empty()).collect();
    assert_eq!(
        data.len(),
        4,
        "miIO.info and miIO.config_router, each with its reply: {rows:?}"
    );
    for r in &data {
        assert_eq!(
            r[2],
            "learned from hello reply in frame 4, confirmed by the checksum of frame 7"
        );
        assert_eq!(r[3], "4");
    }
    let config: Value = serde_json::from_str(&data[2][1]).unwrap();
    assert_eq!(config["method"], "miIO.config_router");
    assert_eq!(config["params"]["passwd"], "correct horse battery staple");
    let experts = sandbox.expert_messages(&pcap, &[]);
    assert!(
        experts[3].contains("Token learned for device 0x05e6f708"),
        "{}",
        experts[3]
    );
    let token = sandbox.fields(&pcap, &[], &["miio.token"]);
    assert_eq!(token[3], [PAIRING_TOKEN]);

    // One pass: the hello reply's token is a candidate when it is shown;
    // two passes: frame 7's checksum has confirmed it.
    let hello = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend(["-Y", "frame.number == 4"]);
        sandbox.fields_with(&pcap, &a, &["miio.key", "miio.token.confirmed_in"])
    };
    assert_eq!(
        hello(&[]),
        [[
            "learned from hello reply in frame 4 (candidate: no checksum has confirmed it)",
            ""
        ]]
    );
    assert_eq!(
        hello(&["-2"]),
        [[
            "learned from hello reply in frame 4, confirmed by the checksum of frame 7",
            "7"
        ]]
    );
}

#[test]
fn trial_decryption_finds_each_devices_key_among_a_thousand() {
    let sandbox = Sandbox::new();
    let mut table = String::new();
    for i in 0..1000u32 {
        table.push_str(&format!(
            "\"\",\"token\",\"{:032x}\",\"decoy {i}\"\n",
            u128::from(i) * 7919 + 1
        ));
    }
    table.push_str(&format!(
        "\"\",\"token\",\"{PLUG_TOKEN}\",\"plug\"\n\"\",\"token\",\"{LAMP_TOKEN}\",\"lamp\"\n"
    ));
    sandbox.write_profile_file("miio_keys", &table);
    let pcap = sandbox.capture("python-miio-two-devices.pcapng");
    let rows = sandbox.fields(
        &pcap,
        &[],
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
        let want = if r[0] == "0x15a2b3c4" { "1001" } else { "1002" };
        assert_eq!(r[2], want, "{r:?}");
        assert!(!r[3].is_empty());
    }
}

#[test]
fn json_fields_are_filterable() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let key = basic_key();
    let fields = [
        "miio.id",
        "miio.method",
        "miio.params",
        "miio.result",
        "miio.error.code",
        "miio.error.message",
    ];
    let rows = sandbox.fields(&pcap, &[&key], &fields);
    assert_eq!(
        rows[12],
        ["4", "get_prop", r#"["power", "aqi", "temp"]"#, "", "", ""]
    );
    assert_eq!(rows[13], ["4", "", "", r#"["on", 45, 12.5]"#, "", ""]);
    assert_eq!(rows[21], ["8", "", "", "", "-32601", "Method not found."]);

    let hits = |filter: &str| {
        let rows = sandbox.fields_with(&pcap, &["-o", &key, "-Y", filter], &["frame.number"]);
        rows.into_iter()
            .map(|mut r| r.swap_remove(0))
            .collect::<Vec<_>>()
    };
    assert_eq!(hits(r#"miio.method == "get_status""#), ["9"]);
    assert_eq!(hits("miio.error.code == -32601"), ["22"]);
    assert_eq!(hits("miio.id == 10"), ["25", "26"]);
}

#[test]
fn requests_and_replies_are_linked_on_a_multi_device_capture() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-two-devices.pcapng");
    let keys = [any_device(PLUG_TOKEN), any_device(LAMP_TOKEN)];
    let two_passes = ["-2", "-o", &keys[0], "-o", &keys[1]];
    let fields = [
        "frame.number",
        "miio.method",
        "miio.result",
        "miio.response_in",
        "miio.request_in",
        "miio.time",
    ];
    let rows = sandbox.fields_with(&pcap, &two_passes, &fields);
    let mut requests = 0;
    for r in &rows {
        let n: u32 = r[0].parse().unwrap();
        if !r[1].is_empty() {
            // Each call's reply is the next frame (python-miio waits for it).
            assert_eq!(r[3], (n + 1).to_string(), "request {n}");
            requests += 1;
        } else if !r[2].is_empty() {
            assert_eq!(r[4], (n - 1).to_string(), "reply {n}");
            assert!(
                r[5].parse::<f64>().unwrap() > 0.0,
                "response time of {n}: {}",
                r[5]
            );
        }
    }
    assert_eq!(requests, 8);
}

#[test]
fn duplicated_replies_and_retries_are_linked() {
    // 127.0.0.7 answers every request twice (gen1 vacuum); 127.0.0.8 misses
    // the first try of id 3, which python-miio retries from a new socket.
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-flaky.pcapng");
    let keys = [any_device(VACUUM_GEN1_TOKEN), any_device(LOSSY_TOKEN)];
    let args = [
        "-2",
        "-o",
        &keys[0],
        "-o",
        &keys[1],
        "-Y",
        "miio.length > 32",
    ];
    let fields = [
        "frame.number",
        "_ws.col.Info",
        "miio.response_in",
        "miio.request_in",
        "miio.duplicate_of",
        "miio.retry_of",
    ];
    let rows = sandbox.fields_with(&pcap, &args, &fields);
    let expected: [[&str; 6]; 18] = [
        ["7", "get_prop id=1", "8", "", "", ""],
        ["8", "reply id=1 ok", "", "7", "", ""],
        ["9", "reply id=1 ok [duplicate]", "", "7", "8", ""],
        ["10", "set_power id=2", "11", "", "", ""],
        ["11", "reply id=2 ok", "", "10", "", ""],
        ["12", "reply id=2 ok [duplicate]", "", "10", "11", ""],
        ["13", "get_prop id=3", "14", "", "", ""],
        ["14", "reply id=3 ok", "", "13", "", ""],
        ["15", "reply id=3 ok [duplicate]", "", "13", "14", ""],
        ["22", "get_prop id=1", "23", "", "", ""],
        ["23", "reply id=1 ok", "", "22", "", ""],
        ["24", "set_power id=2", "25", "", "", ""],
        ["25", "reply id=2 ok", "", "24", "", ""],
        ["26", "get_prop id=3", "", "", "", ""],
        ["33", "get_prop id=104 [retry]", "34", "", "", "26"],
        ["34", "reply id=104 ok", "", "33", "", ""],
        ["35", "set_wifi_led id=105", "36", "", "", ""],
        ["36", "reply id=105 ok", "", "35", "", ""],
    ];
    assert_eq!(rows, expected);
    let experts = sandbox.expert_messages(&pcap, &[&keys[0], &keys[1]]);
    assert!(
        experts[8].contains("Duplicate reply (first reply in frame 8)"),
        "{}",
        experts[8]
    );
    assert!(
        experts[32].contains("Retry of the unanswered request in frame 26"),
        "{}",
        experts[32]
    );
    // What the client saw matches the linked replies.
    assert_eq!(truth("python-miio-flaky.truth.jsonl").len(), 7);
}

#[test]
fn stamps_show_the_delta_and_label_the_hello() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let rows = sandbox.fields(&pcap, &[&basic_key()], &["miio.stamp", "miio.stamp.delta"]);
    assert_eq!(rows[0], ["4294967295", ""], "hello request: no stamp");
    assert_eq!(rows[3], ["5002", ""], "the device's first frame");
    assert_eq!(rows[4], ["5002", "0"]);
    assert_eq!(rows[6], ["5003", "1"], "client: device stamp + elapsed");
    assert_eq!(rows[7], ["5002", "-1"]);
    let path = pcap.to_str().unwrap();
    let tree = sandbox.tshark(&["-r", path, "-V", "-O", "miio", "-Y", "frame.number == 1"]);
    assert!(
        tree.contains("Stamp: 4294967295 (none: hello request)"),
        "{tree}"
    );
}

#[test]
fn heuristic_finds_miio_on_any_port_and_sticks_to_the_conversation() {
    let sandbox = Sandbox::new();
    let frames = udp_payloads(&sandbox, &sandbox.capture("python-miio-basic.pcapng"));
    let mut trailing = frames[8].clone();
    trailing.extend_from_slice(b"XY"); // fails the strict test: length != packet
    let pcap = udp_capture(
        &sandbox,
        "port-40404",
        (40000, 40404),
        &[frames[6].clone(), trailing],
    );
    let key = basic_key();
    let rows = sandbox.fields(&pcap, &[&key], &["_ws.col.Protocol", "_ws.col.Info"]);
    assert_eq!(rows[0], ["miIO", "miIO.info id=1"]);
    assert_eq!(
        rows[1],
        ["miIO", "get_status id=2"],
        "same conversation: still miIO"
    );

    // Alone, the frame with trailing bytes is not taken for miIO.
    let lone = udp_capture(
        &sandbox,
        "lone",
        (40001, 40405),
        &[frames[8].iter().chain(b"XY").copied().collect()],
    );
    assert_eq!(
        sandbox.fields(&lone, &[&key], &["_ws.col.Protocol"])[0],
        ["UDP"]
    );

    // Turned off, nothing on port 40404 is miIO.
    let off = sandbox.fields_with(
        &pcap,
        &["--disable-heuristic", "miio_udp"],
        &["_ws.col.Protocol"],
    );
    assert_eq!(off, [["UDP"], ["UDP"]]);
}

#[test]
fn heuristic_leaves_other_udp_traffic_alone() {
    let sandbox = Sandbox::new();
    let dns_like = vec![
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 3, b'w', b'w', b'w', 0, 0, 1, 0, 1,
    ];
    let mut almost = vec![0x21, 0x31, 0x00, 0x30];
    almost.extend_from_slice(&[0x11; 44]); // magic and length right, unknown field not 0
    let pcap = udp_capture(&sandbox, "other", (40000, 40406), &[dns_like, almost]);
    let rows = sandbox.fields(&pcap, &[], &["_ws.col.Protocol"]);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r[0] != "miIO"), "{rows:?}");
    assert_eq!(rows[1], ["UDP"]);
}

#[test]
fn key_file_with_good_and_bad_lines() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "tokens.txt",
        format!(
            "# exported tokens\n{BASIC_DEVICE} {BASIC_TOKEN} vacuum\nnot-a-token\n0a1b2c3d 1234\n{PLUG_TOKEN}  # plug, any device\n"
        )
        .as_bytes(),
    );
    let file_pref = format!("miio.key_file:{}", file.display());
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let out = sandbox.run(
        "tshark",
        &[
            "-r",
            pcap.to_str().unwrap(),
            "-o",
            &file_pref,
            "-T",
            "fields",
            "-e",
            "miio.key",
            "-e",
            "miio.key.file_line",
            "-e",
            "miio.method",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let prefix = format!("key file {} ", file.display());
    assert!(
        stderr.contains(&format!(
            "{prefix}line 3: expected \"device_id token [comment]\" or \"token [comment]\""
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{prefix}line 4: key: a token is 32 hex digits; this one has 4 characters"
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("line 2") && !stderr.contains("line 5"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("line 3").count(),
        1,
        "reported once: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line9: Vec<&str> = stdout.lines().nth(8).unwrap().split('\t').collect();
    assert_eq!(line9, ["key file line 2", "2", "get_status"]);

    // The plug's token (a line with no device id) decrypts the other capture.
    let two = sandbox.capture("python-miio-two-devices.pcapng");
    let rows = sandbox.fields(
        &two,
        &[&file_pref],
        &["miio.device_id", "miio.key.file_line"],
    );
    assert!(
        rows.iter()
            .filter(|r| r[0] == "0x15a2b3c4" && r[1] == "5")
            .count()
            >= 8,
        "{rows:?}"
    );
}

#[test]
fn unreadable_key_file_is_reported() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let missing = sandbox.home().join("no-such-file.txt");
    let pref = format!("miio.key_file:{}", missing.display());
    let out = sandbox.run(
        "tshark",
        &["-r", pcap.to_str().unwrap(), "-o", &pref, "-c", "1"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("key file {}: cannot read it", missing.display())),
        "{stderr}"
    );
}

/// `tshark -z miio,tree` as (indent, name, count) rows.
fn statistics(sandbox: &Sandbox, capture: &str, keys: &[&str]) -> Vec<(usize, String, u64)> {
    let pcap = sandbox.capture(capture);
    let mut args = vec!["-r", pcap.to_str().unwrap(), "-q", "-z", "miio,tree"];
    for k in keys {
        args.extend(["-o", k]);
    }
    let out = sandbox.tshark(&args);
    out.lines()
        .filter_map(|line| {
            let indent = line.len() - line.trim_start().len();
            let cols: Vec<&str> = line
                .trim()
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            let count = cols.get(1)?.parse().ok()?;
            Some((indent, cols[0].to_string(), count))
        })
        .collect()
}

#[test]
fn statistics_count_kinds_methods_errors_and_devices() {
    let sandbox = Sandbox::new();
    let stats = statistics(&sandbox, "python-miio-basic.pcapng", &[&basic_key()]);
    let get = |name: &str| stats.iter().find(|(_, n, _)| n == name).map(|(_, _, c)| *c);
    assert_eq!(get("Frames by kind"), Some(26));
    assert_eq!(get("Hello"), Some(3));
    assert_eq!(get("Hello reply"), Some(3));
    assert_eq!(get("Request"), Some(10));
    assert_eq!(get("Reply"), Some(9));
    assert_eq!(get("Error reply"), Some(1));
    assert_eq!(get("Requests by method"), Some(10));
    assert_eq!(get("get_clean_summary"), Some(1));
    assert_eq!(get("no_such_method"), Some(1));
    assert_eq!(get("Error replies by code"), Some(1));
    assert_eq!(get("-32601"), Some(1));
    assert_eq!(get("0x0a1b2c3d"), Some(23));

    let undecrypted = statistics(&sandbox, "python-miio-basic.pcapng", &[]);
    let found = undecrypted
        .iter()
        .find(|(_, n, _)| n == "Encrypted, not decrypted");
    assert_eq!(found.map(|(_, _, c)| *c), Some(20));
}
