//! Real firmware's and the official Xiaomi Home integration's LAN traffic
//! (issue 28): the integration's own `MIoTLan` against stand-in devices
//! (tests/captures/halan-control.pcapng: its MDID probe, the devices' MSUB
//! replies, miIO.sub, calls, device pushes acknowledged), and devices
//! announcing themselves over mDNS before python-miio talks to one without
//! miIO.info (mdns-miio.pcapng). Expected values: the peers' truth files and
//! tests/captures/README.md.

mod common;

use common::*;

const PURIFIER_51: &str = "d7a1afcd714aea144b4996415a1c4a14";
const PURIFIER_52: &str = "efae78cec5b43e2b64649f8d6ce256b7"; // did 5003496541, 64 bits
const PURIFIER_53: &str = "c67257499646d4991e77f8a9de0f7378";
const MDNS_PURIFIER: &str = "754e2b43a8854ebaf219b9dd1375eebf";

fn keys(tokens: &[&str]) -> Vec<String> {
    tokens
        .iter()
        .flat_map(|t| ["-o".to_string(), key_row("", "token", t, "purifier")])
        .collect()
}

#[test]
fn the_probe_and_its_replies_are_named_and_never_token_carriers() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("halan-control.pcapng");
    let rows = sandbox.fields_with(
        &pcap,
        &["-2"],
        &["frame.number", "miio.mdid", "miio.msub.wildcard", "miio.token", "_ws.col.Info", "_ws.expert.message"],
    );
    let probes: Vec<u32> = rows.iter().filter(|r| !r[1].is_empty()).map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(probes, [1, 35, 38], "the integration's probes (broadcast, again, unicast)");
    assert!(rows.iter().filter(|r| !r[1].is_empty()).all(|r| r[1] == "0x1122334455667788"));
    // MSUB replies: .51 and .52 take wildcard subscriptions, .53 does not.
    let replies: Vec<(u32, &str)> = rows
        .iter()
        .filter(|r| !r[2].is_empty())
        .map(|r| (r[0].parse().unwrap(), r[2].as_str()))
        .collect();
    assert_eq!(replies.len(), 6, "{replies:?}");
    // tshark writes booleans as 1/0 (4.0) or True/False (4.2 on).
    let wildcard = |w: &&str| matches!(*w, "1" | "True");
    let took: Vec<u32> = replies.iter().filter(|(_, w)| wildcard(w)).map(|(f, _)| *f).collect();
    assert_eq!(took.len(), 4, ".51 and .52, twice each: {replies:?}");
    for r in &rows {
        assert_eq!(r[3], "", "frame {}: no token offered", r[0]);
        for leak in ["carries the device token", "Token learned", "Token candidate"] {
            assert!(!r[5].contains(leak), "frame {}: {}", r[0], r[5]);
        }
    }
}

#[test]
fn subscriptions_calls_and_pushes_decrypt_and_link() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("halan-control.pcapng");
    let mut args = keys(&[PURIFIER_51, PURIFIER_52, PURIFIER_53]);
    args.push("-2".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let rows = sandbox.fields_with(
        &pcap,
        &args,
        &["frame.number", "miio.method", "miio.decrypted", "miio.response_in", "miio.request_in", "miio.device_id64", "miio.checksum.status"],
    );
    let data: Vec<&Vec<String>> = rows.iter().filter(|r| !r[6].is_empty()).collect();
    assert_eq!(data.len(), 34, "every data frame (43 less 3 probes and 6 replies)");
    assert!(data.iter().all(|r| r[6] == "1" && !r[2].is_empty()), "all verify and decrypt");
    let method = |m: &str| rows.iter().filter(|r| r[1] == m).collect::<Vec<_>>();
    assert_eq!(method("miIO.sub").len(), 2);
    assert_eq!(method("miIO.unsub").len(), 2);
    // Device pushes, each answered by the integration's {"result":{"code":0}}.
    for push in method("properties_changed").into_iter().chain(method("event_occured")) {
        let reply: u32 = push[3].parse().unwrap_or_else(|_| panic!("frame {}: no reply linked", push[0]));
        let r = rows.iter().find(|r| r[0] == reply.to_string()).unwrap();
        assert!(r[2].contains(r#""result""#) && r[2].contains(r#""code""#), "{}", r[2]);
        assert_eq!(r[4], push[0], "the ack links back");
    }
    // .52's did is 5003496541: the integration packs it into bytes 4..11.
    let wide: Vec<&str> = rows.iter().map(|r| r[5].as_str()).filter(|v| !v.is_empty()).collect();
    assert!(!wide.is_empty() && wide.iter().all(|v| *v == "0x000000012a3b4c5d" || *v == "5003496541"), "{wide:?}");
}

#[test]
fn mdns_names_the_model_of_a_device_that_never_said_it() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("mdns-miio.pcapng");
    let spec = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/captures/miot-specs/zhimi.airp.rmb1.json")).unwrap();
    let folder = sandbox.write("specs/zhimi.airp.rmb1.json", &spec);
    let dir = format!("miio.miot_spec_dir:{}", folder.parent().unwrap().display());
    let mut args = keys(&[MDNS_PURIFIER]);
    args.extend(["-o".to_string(), dir]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let rows = sandbox.fields_with(
        &pcap,
        &args,
        &["frame.number", "miio.mdns.model", "miio.mdns.device_id", "miio.mdns.mac", "miio.model", "miio.model.learned_in", "miio.miot.property"],
    );
    let announced: std::collections::BTreeSet<(&str, &str)> =
        rows.iter().filter(|r| !r[1].is_empty()).map(|r| (r[1].as_str(), r[2].as_str())).collect();
    let models: Vec<&str> = announced.iter().map(|(m, _)| *m).collect();
    assert_eq!(models, ["lumi.gateway.mgl03", "yeelink.light.color1", "zhimi.airp.rmb1"]);
    // The broken TXT still gives the gateway's MAC.
    assert!(rows.iter().any(|r| r[1] == "lumi.gateway.mgl03" && r[3] == "28:6c:07:a1:b2:c3"));
    // python-miio's calls: named with the model mDNS gave, learned in the first announcement.
    let named: Vec<&Vec<String>> = rows.iter().filter(|r| !r[6].is_empty()).collect();
    assert!(named.len() >= 4, "{named:?}");
    let first_announcement = rows.iter().find(|r| r[1] == "zhimi.airp.rmb1").unwrap()[0].clone();
    for r in named {
        assert_eq!((r[4].as_str(), r[5].as_str()), ("zhimi.airp.rmb1", first_announcement.as_str()), "frame {}", r[0]);
    }
}
