//! Every Roborock frame form python-roborock 7.13's encoders make, through
//! the real tshark (tests/captures/roborock-forms.pcapng, made by
//! tests/peers/roborock/forms.py): `1.0` and `L01` over local TCP with
//! protocols 0–5, 101 and 102, `A01` and `B01` over MQTT with 101 and 102,
//! B01 replies as JSON strings and as objects under dps 10000 and 10001, and
//! the empty payloads of `payload=b""` (a `1.0` ping response with payload
//! length 0, an `L01` ping response that is only the GCM tag). With the
//! capture's roborock rows: every plaintext byte-exact, every reply linked to
//! the request the truth file says it answers, no warning anywhere.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

const CAPTURE: &str = "roborock-forms";
/// PI_WARN in Wireshark's epan/proto.h (PI_ERROR is 0x00800000).
const PI_WARN: u32 = 0x0060_0000;

fn truth_lines() -> Vec<Value> {
    truth(&format!("{CAPTURE}.truth.jsonl"))
}

/// tshark -2 with the capture's roborock rows (and `extra` arguments); one
/// row per packet with every occurrence of each field.
fn fields(extra: &[&str], fields: &[&str]) -> BTreeMap<u32, Vec<Vec<String>>> {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture(&format!("{CAPTURE}.pcapng"));
    packet_fields(
        &sandbox,
        &pcap,
        &roborock_rows(&truth_lines()),
        extra,
        fields,
    )
}

/// The packets that show a frame: on MQTT every copy (into and out of the
/// broker), on TCP the last segment (where a frame is dissected).
fn packets(line: &Value) -> Vec<u32> {
    let frames: Vec<u32> = line["frames"]
        .as_array()
        .expect("annotated truth (check-capture.py --annotate)")
        .iter()
        .map(|f| f.as_u64().unwrap() as u32)
        .collect();
    if line.get("topic").is_some() {
        frames
    } else {
        vec![*frames.last().unwrap()]
    }
}

fn frame_rows(truth: &[Value]) -> Vec<&Value> {
    truth.iter().filter(|l| l["kind"] == "frame").collect()
}

fn is_empty_frame(line: &Value) -> bool {
    line["plaintext"].as_str() == Some("") || line.get("payload").is_some_and(Value::is_null)
}

fn describe(line: &Value) -> String {
    format!(
        "row {} ({} {} protocol {}, {})",
        line["row"],
        line["version"].as_str().unwrap(),
        line["direction"].as_str().unwrap(),
        line["protocol"],
        line["form"].as_str().unwrap_or("")
    )
}

#[test]
fn every_form_decrypts_byte_exact() {
    let truth = truth_lines();
    let got = fields(&[], &["roborock.decrypted"]);
    let mut want: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for line in frame_rows(&truth) {
        match line["plaintext"].as_str() {
            Some(text) if !text.is_empty() => {
                for p in packets(line) {
                    want.entry(p).or_default().push(text.to_string());
                }
            }
            _ => {}
        }
    }
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (packet, texts) in &want {
        let shown = got.get(packet).map(|v| v[0].clone()).unwrap_or_default();
        if &shown != texts {
            wrong.push(format!("packet {packet}: shows {shown:?}, want {texts:?}"));
        }
        checked += texts.len();
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // 26 frames with text: 12 on TCP, 14 on MQTT (each twice on the wire).
    assert_eq!(checked, 40);
}

#[test]
fn every_reply_links_to_the_request_it_answers() {
    let truth = truth_lines();
    let rows = frame_rows(&truth);
    let by_row: BTreeMap<u64, &Value> = rows
        .iter()
        .map(|l| (l["row"].as_u64().unwrap(), *l))
        .collect();
    let got = fields(&[], &["roborock.request_in", "roborock.id", "_ws.col.Info"]);
    let mut wrong = Vec::new();
    let mut replies = 0;
    for line in &rows {
        // RPC replies (V1 4/102, B01 102) and A01 replies; hello and ping
        // responses carry no id.
        let Some(answers) = line["answers_row"].as_u64() else {
            continue;
        };
        if line["protocol"].as_u64().unwrap() < 4 {
            continue;
        }
        let request = by_row[&answers];
        let request_packet = *packets(request).last().unwrap();
        for p in packets(line) {
            replies += 1;
            let v = got.get(&p).cloned().unwrap_or_default();
            let info = v
                .get(2)
                .and_then(|i| i.first().cloned())
                .unwrap_or_default();
            if v[0] != [request_packet.to_string()] {
                wrong.push(format!(
                    "packet {p}, {}: request_in {:?}, want [{request_packet}] (Info: {info})",
                    describe(line),
                    v[0]
                ));
            }
            if let Some(id) = line["rpc_id"].as_str() {
                if v[1] != [id.to_string()] {
                    wrong.push(format!(
                        "packet {p}, {}: roborock.id {:?}, want [{id}] (Info: {info})",
                        describe(line),
                        v[1]
                    ));
                }
            }
        }
    }
    // 2 × (4 → 4, 101 → 102) on TCP; A01 2 and B01 5 replies, each twice.
    assert_eq!(replies, 18);
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn no_warning_or_error_anywhere() {
    let filter = format!("_ws.expert.severity >= {PI_WARN}");
    let flagged = fields(&["-Y", &filter], &["_ws.expert.message", "_ws.col.Info"]);
    let listed: Vec<String> = flagged
        .iter()
        .map(|(n, v)| format!("packet {n}: {:?} (Info: {:?})", v[0], v[1]))
        .collect();
    let all = fields(&[], &["_ws.expert.message"]);
    let bad: Vec<String> = all
        .iter()
        .flat_map(|(n, v)| {
            v[0].iter()
                .filter(|m| {
                    m.contains("Decryption failed") || m.contains("GCM tag does not verify")
                })
                .map(move |m| format!("packet {n}: {m}"))
        })
        .collect();
    assert!(
        listed.is_empty() && bad.is_empty(),
        "warnings/errors:\n{}\ndecryption messages:\n{}",
        listed.join("\n"),
        bad.join("\n")
    );
}

#[test]
fn empty_payloads_say_no_payload() {
    let truth = truth_lines();
    let got = fields(&[], &["_ws.col.Info", "roborock.decrypted"]);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for line in frame_rows(&truth).into_iter().filter(|l| is_empty_frame(l)) {
        for p in packets(line) {
            checked += 1;
            let v = got.get(&p).cloned().unwrap_or_default();
            let info = v[0].join(" ");
            if !info.contains("no payload") || info.contains("decryption failed") {
                wrong.push(format!("packet {p}, {}: Info {info:?}", describe(line)));
            }
            if v[1].iter().any(|d| !d.is_empty()) {
                wrong.push(format!(
                    "packet {p}, {}: decrypted {:?}",
                    describe(line),
                    v[1]
                ));
            }
        }
    }
    // Per local version: hello and ping requests (header + CRC32) and the
    // ping response with an empty payload.
    assert_eq!(checked, 6);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
