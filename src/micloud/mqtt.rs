//! The Xiaomi Home integration's cloud MQTT (`<region>-ha.mqtt.io.mi.com`,
//! TLS 8883): pushes on `device/<did>/up/properties_changed/<siid>/<piid>`
//! and `device/<did>/up/event_occured/<siid>/<eiid>`, plain JSON
//! (`{"method":…,"params":{did,siid,piid,value}}`), named through the
//! shared MIoT naming like the same entries in miIO frames.

use crate::miot::cloud;
use crate::miot::entries::Method;
use crate::miot::frame::{At, MiotFrame};
use crate::state::DissectorState;

/// A push, dissected.
#[derive(Debug, Clone, Default)]
pub struct Push {
    pub did: String,
    pub method: Option<Method>,
    pub miot: MiotFrame,
    pub summary: String,
}

/// The device and method a topic names, when it is one of these pushes.
pub fn topic(topic: &str) -> Option<(&str, Method)> {
    let rest = topic.strip_prefix("device/")?;
    let (did, rest) = rest.split_once('/')?;
    let method = match rest.split('/').take(2).collect::<Vec<_>>()[..] {
        ["up", "properties_changed"] => Method::PropertiesChanged,
        ["up", "event_occured"] => Method::EventOccured,
        _ => return None,
    };
    (!did.is_empty() && did.len() <= 47).then_some((did, method))
}

/// The push on `topic` (`None`: not such a push, left to others).
pub fn dissect(state: &mut DissectorState, frame: u32, visited: bool, topic_name: &str, payload: &[u8]) -> Option<Push> {
    let (did, method) = topic(topic_name)?;
    let at = At {
        frame: (frame, 0),
        first_pass: !visited,
        device_id: 0,
        request_in: None,
    };
    let miot = cloud::describe(&mut state.miot, at, method, false, payload);
    let name = match method {
        Method::EventOccured => "event_occured",
        _ => "properties_changed",
    };
    let summary = match &miot.summary {
        Some(s) => format!("device {did}: {s}"),
        None if miot.method.is_some() => format!("device {did}: {name}"),
        None => format!("device {did}: {name} (no MIoT entries in the payload)"),
    };
    Some(Push {
        did: did.to_string(),
        method: Some(method),
        miot,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::miot::models::ModelSource;

    #[test]
    fn topics() {
        assert_eq!(
            topic("device/571834906/up/properties_changed/2/1"),
            Some(("571834906", Method::PropertiesChanged))
        );
        assert_eq!(
            topic("device/blt.3.1h7m2q9rk0k00/up/event_occured/2/1008"),
            Some(("blt.3.1h7m2q9rk0k00", Method::EventOccured))
        );
        for other in ["device/1/state/online", "rr/m/o/abc", "device//up/properties_changed/2/1", ""] {
            assert_eq!(topic(other), None, "{other}");
        }
    }

    #[test]
    fn a_push_is_named_by_its_device() {
        let mut state = DissectorState::default();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/captures/miot-specs");
        state.miot.specs.set_folder(dir);
        state
            .miot
            .models
            .learn_did("571834906", "zhimi.airp.rmb1", ModelSource::MicloudReply(50));
        let payload = br#"{"method":"properties_changed","params":{"did":"571834906","siid":2,"piid":4,"value":2}}"#;
        let p = dissect(&mut state, 60, false, "device/571834906/up/properties_changed/2/4", payload).unwrap();
        assert_eq!(p.summary, "device 571834906: properties_changed air-purifier.mode=2 (Favorite)");
        let plug = br#"{"method":"properties_changed","params":{"did":"438210775","siid":2,"piid":1,"value":false}}"#;
        let unknown = dissect(&mut state, 61, false, "device/438210775/up/properties_changed/2/1", plug).unwrap();
        assert_eq!(unknown.summary, "device 438210775: properties_changed");
        assert!(dissect(&mut state, 62, false, "device/1/state/online", b"{}").is_none());
    }
}
