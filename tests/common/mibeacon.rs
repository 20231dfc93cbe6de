//! What the MiBeacon tests share: xiaomi-ble's published adverts (the
//! vectors file) and a key row per bindkey they carry.

use std::collections::BTreeSet;

use serde_json::Value;

/// tests/captures/mibeacon-vectors.jsonl, one advert a line (packet N of
/// each mibeacon-*.pcap is line N).
pub fn mibeacon_vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/captures/mibeacon-vectors.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// One row per (address, bindkey) the vectors carry, right or wrong: the
/// wrong ones must be refused, the right ones verify.
pub fn bindkey_rows(vectors: &[Value]) -> Vec<String> {
    let mut rows = BTreeSet::new();
    for v in vectors {
        if let Some(key) = v["bindkey"].as_str() {
            rows.insert(super::key_row(
                v["address"].as_str().unwrap(),
                "bindkey",
                key,
                "",
            ));
        }
    }
    rows.into_iter().collect()
}
