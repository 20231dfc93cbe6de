//! The Mi Home cloud as today's clients use it (issue 27), through the real
//! tshark with only each capture's TLS key log: mijiaAPI 5.0 (what the app
//! sends: gzip-compressed replies, the QR-code login) and the official
//! Xiaomi Home integration (JSON in clear, its cloud MQTT), against the
//! stand-in servers of tests/peers/mijia and tests/peers/hacloud. Expected
//! values are the independent decoders' (`*.expected.jsonl`, checked
//! against what the clients saw).

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use common::*;
use serde_json::Value;

/// The independent decoder's `NAME.expected.jsonl`, one exchange a line.
fn expected(name: &str) -> Vec<Value> {
    truth(&format!("{name}.expected.jsonl"))
}

/// `fields` of every frame of `capture` (all occurrences joined by `|`),
/// keyed by frame number, with `keys` as the TLS key log.
fn rows(
    sandbox: &Sandbox,
    capture: &str,
    keys: &str,
    extra: &[&str],
    fields: &[&str],
) -> HashMap<u64, Vec<String>> {
    let (pcap, keys) = (sandbox.capture(capture), sandbox.capture(keys));
    rows_of(sandbox, &pcap, &keys, extra, fields)
}

fn rows_of(
    sandbox: &Sandbox,
    pcap: &std::path::Path,
    keys: &std::path::Path,
    extra: &[&str],
    fields: &[&str],
) -> HashMap<u64, Vec<String>> {
    let keylog = format!("tls.keylog_file:{}", keys.display());
    let mut args = vec!["-o", keylog.as_str(), "-2", "-E", "occurrence=a", "-E", "aggregator=|"];
    args.extend_from_slice(extra);
    let mut all = vec!["frame.number"];
    all.extend_from_slice(fields);
    sandbox
        .fields_with(pcap, &args, &all)
        .into_iter()
        .map(|mut r| (r.remove(0).parse().unwrap(), r))
        .collect()
}

fn spec_dir(sandbox: &Sandbox) -> String {
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures/miot-specs/zhimi.airp.rmb1.json");
    let path = sandbox.write("specs/zhimi.airp.rmb1.json", &std::fs::read(spec).unwrap());
    format!("miio.miot_spec_dir:{}", path.parent().unwrap().display())
}

fn param<'a>(call: &'a Value, name: &str) -> &'a str {
    call["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == name)
        .unwrap()[1]
        .as_str()
        .unwrap()
}

const CALL_FIELDS: [&str; 8] = [
    "micloud.data",
    "micloud.response",
    "micloud.rc4_hash.status",
    "micloud.signature.status",
    "micloud.request_in",
    "micloud.reply.status",
    "micloud.compression",
    "_ws.expert.message",
];

#[test]
fn mijia_api_calls_and_compressed_replies_decrypt_exact() {
    let sandbox = Sandbox::new();
    for name in ["mijia-qr-chain", "mijia-no-login"] {
        let r = rows(&sandbox, &format!("{name}.pcapng"), &format!("{name}.keys"), &[], &CALL_FIELDS);
        let (mut calls, mut gzipped) = (0, 0);
        for e in expected(name).iter().filter(|e| e["kind"] == "api") {
            let (req, rep) = (e["request_frame"].as_u64().unwrap(), e["response_frame"].as_u64().unwrap());
            let (q, p) = (&r[&req], &r[&rep]);
            assert_eq!(q[0], param(e, "data"), "{name} frame {req}: micloud.data");
            assert_eq!((q[2].as_str(), q[3].as_str()), ("1", "1"), "{name} frame {req}: hashes");
            assert_eq!(p[1], e["response"].as_str().unwrap(), "{name} frame {rep}: micloud.response");
            assert_eq!(p[4], req.to_string(), "{name} frame {rep}: request_in");
            let gzip = e["response_gzip"].as_bool().unwrap();
            // 3: decrypted and inflated; 2: decrypted JSON.
            let status = if gzip { "3" } else { "2" };
            assert_eq!((p[5].as_str(), p[6].as_str()), (status, if gzip { "gzip" } else { "" }), "{name} frame {rep}");
            for message in [&q[7], &p[7]] {
                for bad in ["not base64", "not JSON", "does not inflate", "no ssecurity"] {
                    assert!(!message.contains(bad), "{name}: {message}");
                }
            }
            calls += 1;
            gzipped += usize::from(gzip);
        }
        assert!(calls >= 14 && gzipped >= 13, "{name}: {calls} calls, {gzipped} gzipped");
    }
}

#[test]
fn the_qr_login_reveals_the_ssecurity() {
    let sandbox = Sandbox::new();
    let r = rows(
        &sandbox,
        "mijia-qr-chain.pcapng",
        "mijia-qr-chain.keys",
        &[],
        &["_ws.col.Info", "micloud.key_source", "micloud.ssecurity.learned_in"],
    );
    // The long poll's reply (lp) carries it.
    let lp = expected("mijia-qr-chain")
        .into_iter()
        .find(|e| e["path"] == "/lp/s")
        .unwrap();
    let frame = lp["response_frame"].as_u64().unwrap();
    assert_eq!(r[&frame][0], "login reply: ssecurity learned");
    let first_call = expected("mijia-qr-chain")
        .into_iter()
        .find(|e| e["kind"] == "api")
        .unwrap();
    let req = first_call["request_frame"].as_u64().unwrap();
    let q = &r[&req];
    // mijiaAPI also sends it in clear in every form (the app does not), and
    // a request's own field is tried first.
    assert_eq!((q[1].as_str(), q[2].as_str()), ("a request's ssecurity field", req.to_string().as_str()));
}

#[test]
fn miot_entries_in_cloud_calls_are_named() {
    let sandbox = Sandbox::new();
    let spec = spec_dir(&sandbox);
    let r = rows(
        &sandbox,
        "mijia-qr-chain.pcapng",
        "mijia-qr-chain.keys",
        &["-o", &spec],
        &["miio.miot.siid", "miio.miot.piid", "miio.miot.property", "miio.miot.code", "miio.model", "miio.miot.aiid", "miio.miot.action"],
    );
    let calls = expected("mijia-qr-chain");
    let get = calls.iter().find(|e| e["path"] == "/app/miotspec/prop/get").unwrap();
    let data: Value = serde_json::from_str(param(get, "data")).unwrap();
    let asked = data["params"].as_array().unwrap();
    let q = &r[&get["request_frame"].as_u64().unwrap()];
    let ids = |k: &str| asked.iter().map(|p| p[k].to_string()).collect::<Vec<_>>().join("|");
    assert_eq!((q[0].clone(), q[1].clone()), (ids("siid"), ids("piid")));
    // Named where the device is the purifier (its model from the device
    // list): 2/1, 2/4, 3/4, 3/7, 4/1 in its spec; 2/99 is not there, the
    // lamp's, plug's and heater's models have no spec here.
    assert_eq!(q[2], "on|mode|pm2.5-density|temperature|filter-life-level");
    assert_eq!(q[4], "", "four devices: the call has no one model");
    let reply: Value = serde_json::from_str(get["response"].as_str().unwrap()).unwrap();
    let codes = reply["result"].as_array().unwrap().iter().map(|p| p["code"].to_string()).collect::<Vec<_>>();
    assert_eq!(r[&get["response_frame"].as_u64().unwrap()][3], codes.join("|"));
    let action = calls
        .iter()
        .find(|e| e["path"] == "/app/miotspec/action" && param(e, "data").contains("\"siid\":4"))
        .unwrap();
    let a = &r[&action["request_frame"].as_u64().unwrap()];
    assert_eq!((a[5].as_str(), a[6].as_str()), ("1", "reset-filter-life"));
    assert_eq!(a[4], "zhimi.airp.rmb1", "one device: its model");
}

#[test]
fn the_xiaomi_home_integration_http_api_and_its_tokens() {
    let sandbox = Sandbox::new();
    let spec = spec_dir(&sandbox);
    let r = rows(
        &sandbox,
        "hacloud-http.pcapng",
        "hacloud-http.keys",
        &["-o", &spec],
        &["micloud.mode", "micloud.response", "micloud.harvested.token", "miio.decrypted", "miio.key", "miio.miot.property", "_ws.col.Info"],
    );
    let all = expected("hacloud-http");
    for e in all.iter().filter(|e| e["api"] == "app") {
        let (req, rep) = (e["request_frame"].as_u64().unwrap(), e["response_frame"].as_u64().unwrap());
        assert_eq!(r[&req][0], "3", "frame {req}: JSON in clear");
        assert_eq!(r[&rep][1], e["response"].as_str().unwrap(), "frame {rep}");
    }
    // device_list_page: every token harvested...
    let list = all
        .iter()
        .rfind(|e| e["path"] == "/app/v2/home/device_list_page")
        .unwrap();
    let reply: Value = serde_json::from_str(list["response"].as_str().unwrap()).unwrap();
    let tokens: Vec<&str> = reply["result"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["token"].as_str())
        .filter(|t| t.len() == 32) // miIO tokens (a BLE device's is 24 digits)
        .collect();
    assert!(tokens.len() >= 4, "{tokens:?}");
    let harvested = &r[&list["response_frame"].as_u64().unwrap()][2];
    for t in &tokens {
        assert!(harvested.contains(t), "{t} not in {harvested}");
    }
    // ...and the purifier's decrypts its local miIO frames.
    let mut local = 0;
    for e in all.iter().filter(|e| e["kind"] == "miio" && e.get("json").is_some()) {
        let f = &r[&e["frame"].as_u64().unwrap()];
        let got: Value = serde_json::from_str(&f[3]).unwrap_or(Value::Null);
        let want = match &e["json"] {
            Value::String(text) => serde_json::from_str(text).unwrap(),
            json => json.clone(),
        };
        assert_eq!(got, want, "frame {}", e["frame"]);
        assert!(f[4].contains("Mi cloud device list"), "frame {}: {}", e["frame"], f[4]);
        local += 1;
    }
    assert!(local >= 8, "{local} local frames");
    // Its MIoT calls are named.
    let set = all.iter().find(|e| e["path"] == "/app/v2/miotspec/prop/set").unwrap();
    assert!(r[&set["request_frame"].as_u64().unwrap()][5].starts_with("mode|"), "{:?}", r[&set["request_frame"].as_u64().unwrap()]);
}

#[test]
fn the_xiaomi_home_cloud_mqtt_pushes_are_named() {
    let sandbox = Sandbox::new();
    let spec = spec_dir(&sandbox);
    // The device list (HTTP) then the pushes (MQTT), as one capture would
    // hold them.
    let http = sandbox.capture("hacloud-http.pcapng");
    let mqtt = sandbox.capture("hacloud-mqtt.pcapng");
    let merged = sandbox.home().join("hacloud.pcapng");
    let out = sandbox.run("mergecap", &["-a", "-w", merged.to_str().unwrap(), http.to_str().unwrap(), mqtt.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let keys: Vec<u8> = ["hacloud-http.keys", "hacloud-mqtt.keys"]
        .iter()
        .flat_map(|k| std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/captures").join(k)).unwrap())
        .collect();
    let keys = sandbox.write("hacloud.keys", &keys);
    let offset = sandbox.fields_with(&http, &[], &["frame.number"]).len() as u64;
    let r = rows_of(
        &sandbox,
        &merged,
        &keys,
        &["-o", &spec],
        &["micloud.push.did", "miio.miot.siid", "miio.miot.piid", "miio.miot.eiid", "miio.miot.property", "miio.miot.event"],
    );
    let mut named = 0;
    for e in expected("hacloud-mqtt").iter().filter(|e| e["type"] == "PUBLISH") {
        let topic = e["topic"].as_str().unwrap();
        let f = &r[&(e["frame"].as_u64().unwrap() + offset)];
        let parts: Vec<&str> = topic.split('/').collect();
        if parts.get(2) != Some(&"up") {
            assert_eq!(f[0], "", "{topic}: not a MIoT push");
            continue;
        }
        assert_eq!(f[0], parts[1], "{topic}");
        let payload: Value = serde_json::from_str(e["payload"].as_str().unwrap()).unwrap();
        let p = &payload["params"];
        if p.get("siid").is_none() {
            continue; // the cloud's other shape, which the integration rejects too
        }
        assert_eq!(f[1], p["siid"].to_string(), "{topic}");
        let iid = if parts[3] == "event_occured" { &f[3] } else { &f[2] };
        assert_eq!(*iid, p.get("piid").or(p.get("eiid")).unwrap().to_string(), "{topic}");
        if parts[1] == "571834906" {
            assert!(!(f[4].is_empty() && f[5].is_empty()), "{topic}: not named");
            named += 1;
        }
    }
    assert_eq!(named, 10, "the purifier's pushes");
}

#[test]
fn statistics_count_the_cloud_calls_entries_by_their_own_devices() {
    let sandbox = Sandbox::new();
    let spec = spec_dir(&sandbox);
    let pcap = sandbox.capture("mijia-qr-chain.pcapng");
    let keys = sandbox.capture("mijia-qr-chain.keys");
    let keylog = format!("tls.keylog_file:{}", keys.display());
    let out = sandbox.tshark(&["-r", pcap.to_str().unwrap(), "-q", "-o", &keylog, "-o", &spec, "-z", "miio,tree"]);
    // The count after a node's label, on the first line with that label.
    let count = |label: &str| -> String {
        out.lines()
            .find_map(|l| l.trim_start().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("")
            .to_string()
    };
    // Two gets, one set, two actions: the purifier is in all five calls,
    // once each though a get names it twice; the lamp in the first get
    // and the set.
    assert_eq!(count("MIoT by model"), "5", "{out}");
    assert_eq!(count("zhimi.airp.rmb1"), "5", "{out}");
    assert_eq!(count("yeelink.light.lamp4"), "2", "{out}");
    assert_eq!(count("filter.reset-filter-life"), "1", "{out}");
}

