//! Every frame python-roborock built or parsed in the capture sessions
//! (tests/captures/roborock-*.truth.jsonl, written by the peers) decrypts
//! here to the plaintext the peers recorded.

use super::*;
use serde_json::Value;

fn truth(name: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/captures/{name}.truth.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn state_for(lines: &[Value]) -> RoborockState {
    let keys = lines
        .iter()
        .filter(|l| l["kind"] == "device")
        .enumerate()
        .map(|(i, l)| RoborockKeyEntry {
            duid: Some(l["duid"].as_str().unwrap().to_string()),
            key: l["local_key"]
                .as_str()
                .unwrap()
                .as_bytes()
                .try_into()
                .unwrap(),
            row: i as u32 + 1,
        })
        .collect();
    let mut st = RoborockState::default();
    st.set_table_keys(keys);
    st
}

/// Runs every frame line through `dissect` in order; returns (line, result, text).
fn run(name: &str, carrier: Carrier) -> Vec<(Value, Dissection, String)> {
    let lines = truth(name);
    let mut st = state_for(&lines);
    let mut out = Vec::new();
    for (n, line) in lines
        .iter()
        .filter(|l| l["kind"] == "frame" || l["kind"] == "broadcast")
        .enumerate()
    {
        let bytes = unhex(line["frame_hex"].as_str().unwrap());
        let client = line["client"].as_str().unwrap_or("");
        let topic = line["topic"].as_str().unwrap_or("");
        let ctx = Context {
            number: n as u32 + 1,
            pdu: 0,
            visited: false,
            conversation: client.len() as u32 + client.bytes().map(u32::from).sum::<u32>(),
            time_ns: n as i128 * 1_000_000,
            carrier,
            duid: topic
                .rsplit('/')
                .next()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            device_address: 7,
        };
        let mut buf = vec![0u8; 2 * bytes.len() + 64];
        let d = dissect(&bytes, &ctx, &mut st, &mut buf);
        let text = String::from_utf8_lossy(&buf[..d.plaintext_len]).into_owned();
        out.push((line.clone(), d, text));
    }
    out
}

fn assert_plaintexts(name: &str, carrier: Carrier) -> usize {
    let mut checked = 0;
    for (line, d, text) in run(name, carrier) {
        if let Some(want) = line["plaintext"].as_str() {
            assert_eq!(d.decrypt, Decrypt::Ok, "{name}: {line}");
            assert_eq!(text, want, "{name}");
            // JSON text: the shim may skip checking it again.
            assert!(d.plaintext_utf8, "{name}: {line}");
            checked += 1;
        } else if line.get("binary_length").is_some() {
            assert!(
                matches!(d.map, Map::Inflated { len: 3020, .. }),
                "{name}: {:?}",
                d.map
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn local_v1_session() {
    assert!(assert_plaintexts("roborock-local-v1", Carrier::Tcp) >= 15);
}

#[test]
fn local_l01_session_with_hello_nonces() {
    assert!(assert_plaintexts("roborock-local-l01", Carrier::Tcp) >= 15);
}

#[test]
fn mqtt_v1_a01_b01_and_a_map() {
    assert_eq!(assert_plaintexts("roborock-mqtt", Carrier::Mqtt), 19);
}

#[test]
fn discovery_broadcasts_need_no_key() {
    let results = run("roborock-discovery", Carrier::Discovery);
    assert_eq!(results.len(), 4);
    for (line, d, text) in results {
        assert_eq!(text, line["plaintext"].as_str().unwrap());
        assert!(d.duid.is_some());
    }
}

#[test]
fn links_and_the_map_in_the_v1_session() {
    let results = run("roborock-local-v1", Carrier::Tcp);
    let summaries: Vec<_> = results
        .iter()
        .map(|(_, d, _)| d.reading.summary.as_str())
        .collect();
    assert!(summaries.contains(&"get_status id=20002"), "{summaries:?}");
    assert!(summaries.contains(&"reply id=20005 error -10007 invalid status"));
    assert!(summaries.contains(&"reply id=20006 error unknown_method"));
    assert!(summaries.contains(&"map response to id=20007"));
    let replies = results
        .iter()
        .filter(|(_, d, _)| d.record.request_in.is_some())
        .count();
    assert_eq!(
        replies, 8,
        "every RPC reply and the map response link to their request"
    );
}
