//! Data points named, through the real tshark: every pushed data point (and
//! A01 value) of the Roborock captures shows `roborock.dp.id`, `.name`,
//! `.value` and `.value.description` as python-roborock 7.13's own enums
//! name them (tests/captures/*.dps.jsonl, written by
//! tests/peers/roborock/name-data-points.py when the capture was made; no
//! expectation here comes from this project's code).

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

const FIELDS: [&str; 4] = [
    "roborock.dp.id",
    "roborock.dp.name",
    "roborock.dp.value",
    "roborock.dp.value.description",
];

fn lines(file: &str) -> Vec<Value> {
    truth(file)
}

/// Packet → the four fields' expected occurrences, in order.
fn expected(capture: &str) -> BTreeMap<u32, [Vec<Value>; 4]> {
    let mut want: BTreeMap<u32, [Vec<Value>; 4]> = BTreeMap::new();
    for line in lines(&format!("{capture}.dps.jsonl")) {
        for packet in line["packets"].as_array().unwrap() {
            let slot = want.entry(packet.as_u64().unwrap() as u32).or_default();
            for p in line["data_points"].as_array().unwrap() {
                let present = |v: &Value| (!v.is_null()).then(|| v.clone());
                slot[0].extend(p["id"].as_u64().map(Value::from));
                slot[1].extend(present(&p["name"]));
                slot[2].push(p["value"].clone());
                slot[3].extend(present(&p["description"]));
            }
        }
    }
    want
}

/// What tshark shows, as JSON values (ids as numbers, values parsed).
fn shown(capture: &str) -> BTreeMap<u32, [Vec<Value>; 4]> {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture(&format!("{capture}.pcapng"));
    let rows = roborock_rows(&lines(&format!("{capture}.truth.jsonl")));
    packet_fields(&sandbox, &pcap, &rows, &[], &FIELDS)
        .into_iter()
        .filter(|(_, v)| v.iter().any(|f| !f.is_empty()))
        .map(|(n, v)| {
            let id = v[0].iter().map(|s| Value::from(s.parse::<u64>().unwrap()));
            let value = v[2].iter().map(|s| {
                serde_json::from_str(s).unwrap_or_else(|e| panic!("packet {n}: value {s:?}: {e}"))
            });
            let text = |i: usize| v[i].iter().map(|s| Value::from(s.as_str())).collect();
            (n, [id.collect(), text(1), value.collect(), text(3)])
        })
        .collect()
}

fn check(capture: &str, packets: usize, points: usize) {
    let want = expected(capture);
    let got = shown(capture);
    let mut wrong = Vec::new();
    for n in want
        .keys()
        .chain(got.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (w, g) = (want.get(n), got.get(n));
        if w != g {
            wrong.push(format!("packet {n}:\n  want {w:?}\n  shows {g:?}"));
        }
    }
    assert!(wrong.is_empty(), "{capture}:\n{}", wrong.join("\n"));
    let counted: usize = want.values().map(|f| f[2].len()).sum();
    assert_eq!((want.len(), counted), (packets, points), "{capture}");
}

#[test]
fn pushes_capture_every_data_point_named_as_python_roborock_names_it() {
    // 5 local 1.0 pushes; on MQTT (each frame twice) a 1.0 push, an A01
    // query, two A01 pushes (Dyad, Zeo ids) and a B01 push.
    check("roborock-pushes", 15, 78);
}

#[test]
fn pushes_of_the_earlier_captures() {
    check("roborock-local-v1", 2, 4);
    check("roborock-local-l01", 2, 4);
    check("roborock-mqtt", 6, 10);
    check("roborock-forms", 10, 16);
}

#[test]
fn info_label_and_statistics_name_them() {
    let capture = "roborock-pushes";
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture(&format!("{capture}.pcapng"));
    let rows = roborock_rows(&lines(&format!("{capture}.truth.jsonl")));
    let mut args: Vec<&str> = rows.iter().flat_map(|r| ["-o", r.as_str()]).collect();
    args.extend(["-Y", "frame.number == 20", "-O", "roborock", "-V"]);
    let tree = sandbox.tshark(&[&["-r", pcap.to_str().unwrap()], &args[..]].concat());
    for label in [
        "data points error_code=2 (bumper_stuck), state=12 (error)",
        "error_code (120) = 2 (bumper_stuck)",
        "charge_status (133) = 0 (charge_waiting)",
    ] {
        assert!(tree.contains(label), "{label:?} not in:\n{tree}");
    }
    let mut args: Vec<&str> = rows.iter().flat_map(|r| ["-o", r.as_str()]).collect();
    args.extend(["-q", "-z", "roborock,tree"]);
    let stats = sandbox.tshark(&[&["-r", pcap.to_str().unwrap()], &args[..]].concat());
    let count = |name: &str| {
        stats
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u32>().ok())
    };
    // state: 5 local pushes of which 4 carry it, the MQTT 1.0 push twice,
    // the B01 push twice; 129 has no name and is counted by its id.
    assert_eq!(count("state"), Some(8), "{stats}");
    assert_eq!(count("129"), Some(1), "{stats}");
    let total = stats
        .lines()
        .find_map(|l| l.strip_prefix("Data points by name"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<u32>().ok());
    assert_eq!(total, Some(78), "{stats}");
}
