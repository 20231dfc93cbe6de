//! The Roborock protocol through the real tshark, on captures of
//! python-roborock 7.13's own client and encoders (tests/captures/README.md):
//! with only `roborock` rows (duid, local key) every frame's plaintext is
//! byte-exact in `roborock.decrypted`, every RPC reply links to its request,
//! maps inflate to the right bytes, discovery needs no key.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

/// tshark -2 with the capture's roborock rows; one row per packet with
/// every occurrence of each field.
fn fields(
    sandbox: &Sandbox,
    capture: &str,
    rows: &[String],
    fields: &[&str],
) -> BTreeMap<u32, Vec<Vec<String>>> {
    let pcap = sandbox.capture(&format!("{capture}.pcapng"));
    packet_fields(sandbox, &pcap, rows, &[], fields)
}

/// Every frame the peers recorded with a plaintext appears, byte-exact, in
/// `roborock.decrypted` of each packet that carried it (in stream order).
fn assert_plaintexts_exact(capture: &str) -> usize {
    let sandbox = Sandbox::new();
    let truth = truth(&format!("{capture}.truth.jsonl"));
    let got = fields(
        &sandbox,
        capture,
        &roborock_rows(&truth),
        &["roborock.decrypted"],
    );
    let mut want: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for line in truth.iter().filter(|l| l["kind"] == "frame") {
        let Some(text) = line["plaintext"].as_str() else {
            continue;
        };
        // A frame split across segments is dissected in its last one.
        let frames = line["frames"].as_array().unwrap();
        let packets: Vec<u32> = if line.get("topic").is_some() {
            frames.iter().map(|f| f.as_u64().unwrap() as u32).collect()
        } else {
            vec![frames.last().unwrap().as_u64().unwrap() as u32]
        };
        for p in packets {
            want.entry(p).or_default().push(text.to_string());
        }
    }
    let mut checked = 0;
    for (packet, texts) in &want {
        let shown = got.get(packet).map(|v| v[0].clone()).unwrap_or_default();
        assert_eq!(&shown, texts, "{capture} packet {packet}");
        checked += texts.len();
    }
    checked
}

/// (request packet, reply packet) of every RPC in the capture.
fn links(capture: &str) -> Vec<(u32, u32, String)> {
    let sandbox = Sandbox::new();
    let truth = truth(&format!("{capture}.truth.jsonl"));
    let got = fields(
        &sandbox,
        capture,
        &roborock_rows(&truth),
        &["roborock.request_in", "roborock.method", "roborock.id"],
    );
    got.iter()
        .flat_map(|(n, v)| {
            v[0].iter()
                .map(move |req| (req.parse().unwrap(), *n, v[2].join(",")))
        })
        .collect()
}

#[test]
fn local_v1_session_decrypts_byte_exact_with_only_a_roborock_row() {
    // hello, pings (bare and with a return code), 7 RPCs, a push packed
    // with a reply, a map response split across two segments.
    assert_eq!(assert_plaintexts_exact("roborock-local-v1"), 18);
}

#[test]
fn local_l01_session_decrypts_with_the_hello_nonces() {
    assert_eq!(assert_plaintexts_exact("roborock-local-l01"), 18);
}

#[test]
fn mqtt_v1_a01_b01_through_a_broker_decrypt_byte_exact() {
    // Every message twice: into the broker and out of it.
    assert_eq!(assert_plaintexts_exact("roborock-mqtt"), 36);
}

#[test]
fn every_rpc_reply_links_to_its_request() {
    let v1 = links("roborock-local-v1");
    let pairs: Vec<(u32, u32)> = v1.iter().map(|(q, r, _)| (*q, *r)).collect();
    assert_eq!(
        pairs,
        [
            (8, 9),
            (14, 15),
            (17, 18),
            (20, 21),
            (23, 24),
            (26, 29),
            (34, 35),
            (37, 38)
        ],
        "the map response (29) links to get_map_v1 (26)"
    );
    assert_eq!(links("roborock-local-l01").len(), 8);
    // MQTT: each reply (both copies) links to the request's last copy.
    let mqtt = links("roborock-mqtt");
    assert!(
        mqtt.iter().any(|(q, r, _)| (*q, *r) == (21, 23)),
        "{mqtt:?}"
    );
    assert!(
        mqtt.iter().any(|(q, r, _)| (*q, *r) == (75, 77)),
        "B01 by msgId: {mqtt:?}"
    );
}

#[test]
fn map_responses_inflate_to_the_peers_map() {
    for capture in ["roborock-local-v1", "roborock-local-l01", "roborock-mqtt"] {
        let sandbox = Sandbox::new();
        let truth = truth(&format!("{capture}.truth.jsonl"));
        let want = truth.iter().find(|l| l["kind"] == "map").unwrap()["map_hex"]
            .as_str()
            .unwrap()
            .to_string();
        let got = fields(&sandbox, capture, &roborock_rows(&truth), &["roborock.map"]);
        let maps: Vec<&String> = got.values().flat_map(|v| v[0].iter()).collect();
        assert!(!maps.is_empty(), "{capture}");
        for m in maps {
            assert_eq!(m.len(), 6040, "{capture}: 3020 bytes");
            assert_eq!(m, &want, "{capture}");
        }
    }
}

#[test]
fn discovery_broadcasts_need_no_key_and_name_the_device() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("roborock-discovery.pcapng");
    let rows = sandbox.fields_with(
        &pcap,
        &[],
        &["roborock.version", "roborock.duid", "roborock.decrypted"],
    );
    let truth = truth("roborock-discovery.truth.jsonl");
    let broadcasts: Vec<_> = truth.iter().filter(|l| l["kind"] == "broadcast").collect();
    assert_eq!(rows.len(), broadcasts.len());
    for (row, want) in rows.iter().zip(broadcasts) {
        assert_eq!(row[0], want["version"].as_str().unwrap());
        assert_eq!(row[2], want["plaintext"].as_str().unwrap());
        let json: Value = serde_json::from_str(&row[2]).unwrap();
        assert_eq!(row[1], json["duid"].as_str().unwrap());
    }
}

#[test]
fn wrong_or_missing_keys_are_said_not_guessed() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("roborock-local-v1.pcapng");
    let wrong = key_row("", "roborock", "AAAAAAAAAAAAAAAA", "wrong");
    let experts = sandbox.expert_messages(&pcap, &[&wrong]);
    assert!(
        experts[7].contains("Decryption failed: no key gives valid padding and text"),
        "{}",
        experts[7]
    );
    let none = sandbox.expert_messages(&pcap, &[]);
    assert!(none[7].contains("No Roborock key"), "{}", none[7]);
    // A bad row is refused with a message naming it, never the key.
    let out = sandbox.run(
        "tshark",
        &[
            "-r",
            pcap.to_str().unwrap(),
            "-o",
            &key_row("rrV1LocalS7xK8pQ2mZ7sT", "roborock", "short", "S7"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("miio_keys row (device rrV1LocalS7xK8pQ2mZ7sT, \"S7\"): key: a Roborock local key is 16 printable ASCII characters; this one has 5 characters"),
        "{stderr}"
    );
}

#[test]
fn statistics_count_versions_protocols_methods_errors_and_devices() {
    let sandbox = Sandbox::new();
    let truth = truth("roborock-mqtt.truth.jsonl");
    let rows = roborock_rows(&truth);
    let pcap = sandbox.capture("roborock-mqtt.pcapng");
    let mut args: Vec<&str> = rows.iter().flat_map(|r| ["-o", r.as_str()]).collect();
    let path = pcap.to_str().unwrap();
    args.extend(["-r", path, "-q", "-z", "roborock,tree"]);
    let out = sandbox.tshark(&args);
    let count = |item: &str| -> u32 {
        out.lines()
            .find(|l| l.starts_with(item))
            .and_then(|l| l[item.len() + 1..].split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("{item} not in {out}"))
    };
    assert_eq!(count(" 1.0"), 24);
    assert_eq!(count(" B01"), 8);
    assert_eq!(count(" map response"), 2);
    assert_eq!(count(" get_map_v1"), 2);
    assert_eq!(count(" -10007"), 2);
    assert_eq!(count(" rrMqttA01Dyad5Tp8Ue3W"), 6);
}

#[test]
fn the_key_file_may_be_python_roborocks_home_data() {
    // The user points the key-file preference at the home data they have.
    let sandbox = Sandbox::new();
    let home = sandbox.write(
        "home_data.json",
        br#"{"id": 1, "name": "Home", "devices": [{"duid": "rrV1LocalS7xK8pQ2mZ7sT", "name": "S7", "localKey": "k7Pq2Xz9Lm4Rt8Vw", "pv": "1.0"}], "receivedDevices": []}"#,
    );
    let pcap = sandbox.capture("roborock-local-v1.pcapng");
    let pref = format!("miio.key_file:{}", home.display());
    let rows = sandbox.fields(&pcap, &[&pref], &["roborock.method"]);
    let methods: Vec<_> = rows
        .iter()
        .filter(|r| !r[0].is_empty())
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(methods[..3], ["get_status", "get_consumable", "app_start"]);
}
