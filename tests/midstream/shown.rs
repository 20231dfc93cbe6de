//! What tshark shows of a capture: its frames and their fields.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::*;

#[derive(Default)]
pub(crate) struct Dissection {
    /// The protocol's items per packet: frames and others (continuations).
    pub(crate) items: BTreeMap<u32, Vec<Map<String, Value>>>,
    /// Expert infos of severity error, malformed packets.
    pub(crate) errors: BTreeMap<u32, Vec<String>>,
    pub(crate) info: BTreeMap<u32, String>,
}

pub(crate) fn dissect(
    sandbox: &Sandbox,
    pcap: &Path,
    framing: Framing,
    args: &[String],
) -> Dissection {
    let proto = proto(framing);
    let mut all: Vec<&str> = vec!["-r", pcap.to_str().unwrap(), "-2"];
    all.extend(args.iter().map(String::as_str));
    let filter = format!("{proto} _ws.expert _ws.malformed");
    all.extend(["-T", "json", "--no-duplicate-keys", "-j", &filter]);
    let json: Value = serde_json::from_str(&sandbox.tshark(&all)).expect("tshark -T json");
    let mut d = Dissection::default();
    for (i, packet) in json.as_array().unwrap().iter().enumerate() {
        let layer = &packet["_source"]["layers"][proto];
        let items: Vec<Map<String, Value>> = match layer {
            Value::Object(o) => vec![o.clone()],
            Value::Array(a) => a.iter().filter_map(|v| v.as_object().cloned()).collect(),
            _ => vec![],
        };
        d.items.insert(i as u32 + 1, items);
    }
    let mut fargs: Vec<&str> = vec!["-2"];
    fargs.extend(args.iter().map(String::as_str));
    fargs.extend(["-E", "occurrence=a", "-E", "aggregator=\u{1e}"]);
    let rows = sandbox.fields_with(
        pcap,
        &fargs,
        &[
            "frame.number",
            "_ws.expert.severity",
            "_ws.expert.message",
            "_ws.malformed",
            "_ws.col.Info",
        ],
    );
    for r in rows {
        let n: u32 = r[0].parse().unwrap();
        let severities: Vec<&str> = r[1].split('\u{1e}').collect();
        let messages: Vec<&str> = r[2].split('\u{1e}').collect();
        let mut errors: Vec<String> = severities
            .iter()
            .zip(messages.iter().chain(std::iter::repeat(&"?")))
            .filter(|(s, _)| s.parse::<u64>().is_ok_and(|s| s >= PI_ERROR))
            .map(|(_, m)| format!("expert error: {m}"))
            .collect();
        if !r[3].is_empty() {
            errors.push(format!("malformed: {}", r[3].replace('\u{1e}', " | ")));
        }
        if !errors.is_empty() {
            d.errors.insert(n, errors);
        }
        d.info.insert(n, r[4].clone());
    }
    d
}

pub(crate) fn is_frame(framing: Framing, item: &Map<String, Value>) -> bool {
    match framing {
        // Not the map upload (miio.map_blob): it is no miIO frame.
        Framing::Miio => item.contains_key("miio.magic"),
        _ => item.contains_key("roborock.version"),
    }
}

/// Values of `key` anywhere in an item (subtrees included).
pub(crate) fn find_all<'a>(item: &'a Map<String, Value>, key: &str, out: &mut Vec<&'a Value>) {
    for (k, v) in item {
        if k == key {
            out.push(v);
        }
        match v {
            Value::Object(o) => find_all(o, key, out),
            Value::Array(a) => {
                for e in a {
                    if let Value::Object(o) = e {
                        find_all(o, key, out);
                    }
                }
            }
            _ => {}
        }
    }
}

pub(crate) fn has(item: &Map<String, Value>, key: &str) -> bool {
    let mut v = Vec::new();
    find_all(item, key, &mut v);
    !v.is_empty()
}

/// The compared fields of a frame item; L01 frames without their plaintext.
pub(crate) fn projection(
    framing: Framing,
    item: &Map<String, Value>,
) -> BTreeMap<&'static str, Value> {
    let l01 = item.get("roborock.version") == Some(&Value::from("L01"));
    let fields = if framing == Framing::Miio {
        MIIO_FIELDS
    } else {
        ROBOROCK_FIELDS
    };
    fields
        .iter()
        .filter(|f| !(l01 && L01_NOT_COMPARED.contains(f)))
        .map(|f| (*f, item.get(*f).cloned().unwrap_or(Value::Null)))
        .collect()
}

pub(crate) fn short(v: &impl std::fmt::Debug) -> String {
    let s = format!("{v:?}");
    if s.chars().count() > 300 {
        format!("{}…", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}
