//! A MIoT spec ("instance" document of miot-spec.org): services, their
//! properties, actions and events, read once into lookup tables. Accepts the
//! document itself (python-miio's cache, plain `<model>.json` files) and
//! Home Assistant's storage wrapper `{"version","key","data":{…}}`.

use std::collections::HashMap;

use serde::Deserialize;

/// What a property allows (`access`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub notify: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Property {
    pub name: String,
    pub description: String,
    pub format: String,
    pub access: Access,
    /// `None` for "none" or absent.
    pub unit: Option<String>,
    /// `[min, max, step]`.
    pub range: Option<[f64; 3]>,
    /// `value-list` entries: value and description.
    pub values: Vec<(f64, String)>,
}

/// An action or an event: its name and the piids of its parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Operation {
    pub name: String,
    pub description: String,
    /// Action `in`, event `arguments`.
    pub inputs: Vec<u32>,
    /// Action `out`.
    pub outputs: Vec<u32>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Service {
    pub name: String,
    pub description: String,
    pub properties: HashMap<u32, Property>,
    pub actions: HashMap<u32, Operation>,
    pub events: HashMap<u32, Operation>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spec {
    /// The device URN (`type`).
    pub urn: String,
    pub services: HashMap<u32, Service>,
}

impl Spec {
    pub fn service(&self, siid: i64) -> Option<&Service> {
        self.services.get(&u32::try_from(siid).ok()?)
    }
}

/// The name in a URN: its fourth part
/// (`urn:miot-spec-v2:property:mode:00000008:zhimi-rmb1:1` → `mode`).
pub fn urn_name(urn: &str) -> &str {
    urn.split(':').nth(3).unwrap_or("")
}

/// Parses a spec document. The error says what is wrong, for the expert info.
pub fn parse(text: &[u8]) -> Result<Spec, String> {
    let doc: Document =
        serde_json::from_slice(text).map_err(|e| format!("not valid JSON ({e})"))?;
    let doc = match doc {
        Document {
            data: Some(inner), ..
        } => *inner,
        doc => doc,
    };
    if doc.services.is_empty() {
        return Err("no \"services\": not a MIoT spec instance".into());
    }
    let mut spec = Spec {
        urn: doc.urn.unwrap_or_default(),
        services: HashMap::with_capacity(doc.services.len()),
    };
    for s in doc.services {
        let service = Service {
            name: urn_name(&s.urn).to_string(),
            description: s.description,
            properties: s
                .properties
                .into_iter()
                .map(|p| (p.iid, property(p)))
                .collect(),
            actions: s
                .actions
                .into_iter()
                .map(|a| (a.iid, operation(a)))
                .collect(),
            events: s
                .events
                .into_iter()
                .map(|e| (e.iid, operation(e)))
                .collect(),
        };
        spec.services.insert(s.iid, service);
    }
    Ok(spec)
}

fn property(p: RawProperty) -> Property {
    let access = Access {
        read: p.access.iter().any(|a| a == "read"),
        write: p.access.iter().any(|a| a == "write"),
        notify: p.access.iter().any(|a| a == "notify"),
    };
    let range = match p.value_range.as_slice() {
        [min, max, step, ..] => Some([*min, *max, *step]),
        [min, max] => Some([*min, *max, 0.0]),
        _ => None,
    };
    Property {
        name: urn_name(&p.urn).to_string(),
        description: p.description,
        format: p.format,
        access,
        unit: p.unit.filter(|u| !u.is_empty() && u != "none"),
        range,
        values: p
            .value_list
            .into_iter()
            .filter_map(|v| Some((v.value?, v.description)))
            .collect(),
    }
}

fn operation(o: RawOperation) -> Operation {
    Operation {
        name: urn_name(&o.urn).to_string(),
        description: o.description,
        inputs: if o.inputs.is_empty() {
            o.arguments
        } else {
            o.inputs
        },
        outputs: o.outputs,
    }
}

/// The document, or HA's wrapper around it (`data`). Unknown members are
/// ignored; members of the wrong type make the file invalid.
#[derive(Deserialize)]
struct Document {
    #[serde(rename = "type")]
    urn: Option<String>,
    #[serde(default)]
    services: Vec<RawService>,
    data: Option<Box<Document>>,
}

#[derive(Deserialize)]
struct RawService {
    iid: u32,
    #[serde(rename = "type", default)]
    urn: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    properties: Vec<RawProperty>,
    #[serde(default)]
    actions: Vec<RawOperation>,
    #[serde(default)]
    events: Vec<RawOperation>,
}

#[derive(Deserialize)]
struct RawProperty {
    iid: u32,
    #[serde(rename = "type", default)]
    urn: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    access: Vec<String>,
    unit: Option<String>,
    #[serde(rename = "value-range", default)]
    value_range: Vec<f64>,
    #[serde(rename = "value-list", default)]
    value_list: Vec<RawValueItem>,
}

#[derive(Deserialize)]
struct RawValueItem {
    value: Option<f64>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
struct RawOperation {
    iid: u32,
    #[serde(rename = "type", default)]
    urn: String,
    #[serde(default)]
    description: String,
    #[serde(rename = "in", default)]
    inputs: Vec<u32>,
    #[serde(rename = "out", default)]
    outputs: Vec<u32>,
    #[serde(default)]
    arguments: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[u8] = include_bytes!("../../tests/captures/miot-specs/zhimi.airp.rmb1.json");

    #[test]
    fn reads_the_air_purifier_spec() {
        let spec = parse(SPEC).unwrap();
        assert_eq!(spec.services.len(), 10);
        let purifier = spec.service(2).unwrap();
        assert_eq!(purifier.name, "air-purifier");
        let mode = &purifier.properties[&4];
        assert_eq!(
            (mode.name.as_str(), mode.format.as_str()),
            ("mode", "uint8")
        );
        assert_eq!(mode.values[1], (1.0, "Sleep".to_string()));
        assert!(mode.access.write);
        let temperature = &spec.service(3).unwrap().properties[&7];
        assert_eq!(temperature.unit.as_deref(), Some("celsius"));
        assert_eq!(temperature.range, Some([-30.0, 100.0, 0.1]));
        assert!(!temperature.access.write);
        assert_eq!(spec.service(4).unwrap().actions[&1].inputs, [3]);
        assert_eq!(purifier.properties[&1].unit, None, "\"none\" is no unit");
    }

    #[test]
    fn home_assistant_wrapper() {
        let mut wrapped = b"{\"version\":1,\"key\":\"xiaomi_miot/urn\",\"data\":".to_vec();
        wrapped.extend_from_slice(SPEC);
        wrapped.push(b'}');
        assert_eq!(parse(&wrapped).unwrap(), parse(SPEC).unwrap());
    }

    #[test]
    fn refusals_say_why() {
        assert!(parse(b"{").unwrap_err().starts_with("not valid JSON"));
        assert!(parse(b"{\"instances\":[]}")
            .unwrap_err()
            .contains("no \"services\""));
        assert!(parse(b"{\"services\":[{\"iid\":\"x\"}]}").is_err());
    }
}
