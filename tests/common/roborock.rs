//! What the Roborock tests share: the key rows of a capture's truth file,
//! and fields per packet from tshark -2.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::Sandbox;

/// Joins a field's occurrences in a packet.
const SEP: char = '\u{1e}';

/// One `roborock` row of `miio_keys` per `device` line of a truth file.
pub fn roborock_rows(truth: &[Value]) -> Vec<String> {
    truth
        .iter()
        .filter(|l| l["kind"] == "device")
        .map(|l| {
            super::key_row(
                l["duid"].as_str().unwrap(),
                "roborock",
                l["local_key"].as_str().unwrap(),
                l["name"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

/// tshark -2 with `rows` as key rows and `extra` arguments: packet number
/// → every occurrence of each field.
pub fn packet_fields(
    sandbox: &Sandbox,
    pcap: &Path,
    rows: &[String],
    extra: &[&str],
    fields: &[&str],
) -> BTreeMap<u32, Vec<Vec<String>>> {
    let mut args: Vec<&str> = rows.iter().flat_map(|r| ["-o", r.as_str()]).collect();
    let aggregator = format!("aggregator={SEP}");
    args.extend(["-2", "-E", "occurrence=a", "-E", &aggregator]);
    args.extend_from_slice(extra);
    let mut all = vec!["frame.number"];
    all.extend_from_slice(fields);
    sandbox
        .fields_with(pcap, &args, &all)
        .into_iter()
        .map(|r| {
            let values = r[1..]
                .iter()
                .map(|v| match v.is_empty() {
                    true => vec![],
                    false => v.split(SEP).map(str::to_string).collect(),
                })
                .collect();
            (r[0].parse().unwrap(), values)
        })
        .collect()
}
