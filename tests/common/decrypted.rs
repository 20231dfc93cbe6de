//! What a capture decrypts to, checked against what the client saw.

use serde_json::Value;

use super::{truth, Sandbox};

/// Decrypted JSON of every data frame: (frame number, device id, JSON).
/// Fails if any data frame (length > 32) did not decrypt.
pub fn decrypted_frames(
    sandbox: &Sandbox,
    capture: &str,
    keys: &[&str],
) -> Vec<(u32, String, Value)> {
    let pcap = sandbox.capture(capture);
    let rows = sandbox.fields(
        &pcap,
        keys,
        &[
            "frame.number",
            "miio.length",
            "miio.device_id",
            "miio.decrypted",
        ],
    );
    let mut out = Vec::new();
    for row in rows {
        let length: u32 = row[1]
            .parse()
            .unwrap_or_else(|_| panic!("{capture}: not miIO: {row:?}"));
        if length <= 32 {
            assert!(row[3].is_empty(), "hello frame with plaintext: {row:?}");
            continue;
        }
        assert!(
            !row[3].is_empty(),
            "{capture}: frame {} not decrypted",
            row[0]
        );
        let json: Value = serde_json::from_str(&row[3])
            .unwrap_or_else(|e| panic!("{capture} frame {}: not JSON ({e}): {}", row[0], row[3]));
        out.push((row[0].parse().unwrap(), row[2].clone(), json));
    }
    out
}

/// Every call in the truth file has a decrypted request with that method
/// and params, and a decrypted reply with the same id and the result (or
/// error) the client received.
pub fn assert_matches_truth(frames: &[(u32, String, Value)], truth_file: &str) {
    let calls = truth(truth_file);
    assert!(!calls.is_empty());
    for call in &calls {
        let request = frames
            .iter()
            .find(|(_, _, j)| j["method"] == call["method"] && j["params"] == call["params"])
            .unwrap_or_else(|| panic!("no decrypted request for {call}"));
        let id = &request.2["id"];
        let reply = frames
            .iter()
            .find(|(n, _, j)| *n > request.0 && j["id"] == *id && j.get("method").is_none())
            .unwrap_or_else(|| panic!("no decrypted reply for id {id} ({call})"));
        match (call.get("result"), call.get("error")) {
            // python-miio returns the whole reply when it has no "result"
            // (its own simulator answers miIO.info so).
            (Some(result), _) if reply.2.get("result").is_none() => {
                let mut whole = result.clone();
                whole["id"] = id.clone();
                assert_eq!(&reply.2, &whole, "frame {}", reply.0);
            }
            (Some(result), _) => assert_eq!(&reply.2["result"], result, "frame {}", reply.0),
            (None, Some(Value::Object(err))) => assert_eq!(reply.2["error"]["code"], err["code"]),
            // python-miio's truth holds the error as the exception's text.
            (None, Some(Value::String(text))) => {
                let code = reply.2["error"]["code"].to_string();
                assert!(text.contains(&code), "error {code} not in {text}");
            }
            _ => panic!("truth line without result or error: {call}"),
        }
    }
}
