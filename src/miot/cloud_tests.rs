//! Cloud calls as mijiaAPI 5.0 and the Xiaomi Home integration sent them
//! (tests/captures/mijia-qr-chain.truth.jsonl, hacloud-http.truth.jsonl),
//! named from the purifier's spec in tests/captures/miot-specs.

use super::*;
use crate::miot::entries::Kind;
use crate::miot::models::ModelSource;
use crate::miot::naming::Names;

const PURIFIER: &str = "871203459";

fn state() -> MiotState {
    let mut s = MiotState::default();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/captures/miot-specs");
    s.specs.set_folder(dir);
    s.models
        .learn_did(PURIFIER, "zhimi.airp.rmb1", ModelSource::MicloudReply(113));
    s
}

fn at(frame: u32) -> At {
    At {
        frame: (frame, 0),
        first_pass: true,
        device_id: 0,
        request_in: None,
    }
}

/// Each entry's "service.name", as the tree names it.
fn names(s: &MiotState) -> Vec<String> {
    s.last
        .iter()
        .zip(&s.last_devices)
        .map(|(r, device)| match &device.spec {
            Some(spec) => {
                let n = Names::of(spec, r);
                format!(
                    "{}.{}",
                    n.service.map_or("?", |s| s.name.as_str()),
                    n.item().unwrap_or("?")
                )
            }
            None => format!("{:?}/{:?}", r.siid, r.iid),
        })
        .collect()
}

#[test]
fn paths_give_methods() {
    assert_eq!(method_of_path("/app/miotspec/prop/get"), Some(Method::GetProperties));
    assert_eq!(method_of_path("/app/v2/miotspec/prop/set"), Some(Method::SetProperties));
    assert_eq!(method_of_path("/app/miotspec/action"), Some(Method::Action));
    assert_eq!(method_of_path("/app/home/device_list"), None);
}

#[test]
fn a_get_across_devices_names_each_entry_by_its_own_device() {
    let mut s = state();
    let json = br#"{"params":[{"did":"871203459","siid":2,"piid":1},{"did":"871203459","siid":3,"piid":4},{"did":"438210775","siid":2,"piid":1}],"datasource":1}"#;
    let m = describe(&mut s, at(130), Method::GetProperties, false, json);
    assert_eq!(names(&s), ["air-purifier.on", "environment.pm2.5-density", "Some(2)/Some(1)"]);
    assert_eq!(m.model, None, "two devices: the frame has no one model");
    assert_eq!(s.last_devices[0].model.as_deref(), Some("zhimi.airp.rmb1"));
    assert_eq!(s.last_devices[2].model, None);
    assert_eq!(m.status, SpecStatus::NoModel, "the plug's model is not known");
    assert!(m.note.as_deref().unwrap().contains("cloud device 438210775"), "{:?}", m.note);
    assert!(m.summary.is_none(), "two devices: no one spec for the Info column");
}

#[test]
fn a_reply_names_its_results_and_their_codes() {
    let mut s = state();
    let json = br#"{"code":0,"message":"ok","result":[{"did":"871203459","siid":2,"piid":4,"value":1,"code":0,"updateTime":1796626273,"exe_time":0},{"did":"871203459","siid":3,"piid":7,"code":-4004}]}"#;
    let m = describe(&mut s, at(134), Method::GetProperties, true, json);
    assert_eq!(names(&s), ["air-purifier.mode", "environment.temperature"]);
    assert_eq!(s.last[1].entry.code.map(|(c, _)| c), Some(-4004));
    assert_eq!((m.status, m.reply), (SpecStatus::Loaded, true));
    assert!(m.summary.as_deref().unwrap().contains("mode=1"), "{:?}", m.summary);
}

#[test]
fn actions_take_their_arguments_from_value_or_in() {
    for json in [
        &br#"{"params":{"did":"871203459","siid":4,"aiid":1,"value":[0]}}"#[..],
        br#"{"params": {"did": "871203459", "siid": 4, "aiid": 1, "in": [0]}}"#,
    ] {
        let mut s = state();
        describe(&mut s, at(151), Method::Action, false, json);
        let kinds: Vec<Kind> = s.last.iter().map(|r| r.entry.kind).collect();
        assert_eq!(kinds, [Kind::Action, Kind::Argument]);
        assert_eq!(names(&s)[0], "filter.reset-filter-life");
        assert!(s.last_devices[1].spec.is_some(), "the argument is named by its action's device");
    }
}

#[test]
fn bodies_without_entries_have_none() {
    let mut s = state();
    for json in [&b"{}"[..], b"[]", b"not json", br#"{"params":[]}"#, br#"{"result":true}"#] {
        let m = describe(&mut s, at(1), Method::GetProperties, false, json);
        assert_eq!((m.method, s.last.len()), (None, 0));
        let m = describe(&mut s, at(1), Method::GetProperties, true, json);
        assert_eq!((m.method, s.last.len()), (None, 0));
    }
}
