//! The MIoT entries of a miIO payload, with their byte spans: the objects of
//! `get_properties` / `set_properties` / `properties_changed`, the one
//! object of `action` / `event_occured` with its arguments, and the entries
//! of their replies. Pure: reads JSON text, knows no spec.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::miio::payload::Span;

/// Entries shown per frame; a longer list is cut (and says so).
pub const MAX_ENTRIES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    GetProperties,
    SetProperties,
    PropertiesChanged,
    Action,
    EventOccured,
}

impl Method {
    pub fn of(name: &str) -> Option<Method> {
        Some(match name {
            "get_properties" => Method::GetProperties,
            "set_properties" => Method::SetProperties,
            "properties_changed" => Method::PropertiesChanged,
            "action" => Method::Action,
            "event_occured" => Method::EventOccured,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Property,
    Action,
    Event,
    /// An action's `in` / `out` value or an event's argument: a property of
    /// the same service.
    Argument,
}

/// Which list an argument comes from (the spec gives its piid by position).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgList {
    In,
    Out,
    Arguments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub span: Span,
    pub siid: Option<(i64, Span)>,
    /// piid, aiid or eiid; for an argument its piid when the frame gives it.
    pub iid: Option<(i64, Span)>,
    pub value: Option<Span>,
    pub code: Option<(i64, Span)>,
    /// An argument's list and place in it.
    pub position: Option<(ArgList, usize)>,
    /// The `did` the object names (Mi cloud calls name a device per entry).
    pub did: Option<Span>,
}

/// The entries of a frame, and how many more there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries {
    pub list: Vec<Entry>,
    pub cut: usize,
}

impl Entries {
    fn push(&mut self, e: Entry) {
        if self.list.len() < MAX_ENTRIES {
            self.list.push(e);
        } else {
            self.cut += 1;
        }
    }
}

#[derive(Deserialize, Default)]
struct Object<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    siid: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    piid: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    aiid: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    eiid: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    value: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    code: Option<&'a RawValue>,
    #[serde(rename = "in", borrow, default, deserialize_with = "present")]
    inputs: Option<&'a RawValue>,
    #[serde(rename = "out", borrow, default, deserialize_with = "present")]
    outputs: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    arguments: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    did: Option<&'a RawValue>,
}

/// A member that is present is `Some`, even when it is `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// Reads `text[span]` (params or result) against the whole `text`.
struct Reader<'t> {
    text: &'t str,
}

impl<'t> Reader<'t> {
    fn span(&self, raw: &RawValue) -> Span {
        let offset = (raw.get().as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        Span {
            offset: offset.min(self.text.len()),
            len: raw.get().len(),
        }
    }

    fn int(&self, raw: Option<&RawValue>) -> Option<(i64, Span)> {
        let raw = raw?;
        Some((raw.get().parse().ok()?, self.span(raw)))
    }

    fn part(&self, span: Span) -> Option<&'t RawValue> {
        let part = self.text.get(span.offset..span.offset + span.len)?;
        serde_json::from_str(part).ok()
    }

    fn list(&self, raw: &'t RawValue) -> Vec<&'t RawValue> {
        match raw.get().starts_with('[') {
            true => serde_json::from_str(raw.get()).unwrap_or_default(),
            false => Vec::new(),
        }
    }

    fn object(&self, raw: &'t RawValue) -> Option<Object<'t>> {
        raw.get()
            .starts_with('{')
            .then(|| serde_json::from_str(raw.get()).ok())
            .flatten()
    }

    /// One object of a property list.
    fn property(&self, raw: &'t RawValue, o: &Object<'t>) -> Entry {
        Entry {
            kind: Kind::Property,
            span: self.span(raw),
            siid: self.int(o.siid),
            iid: self.int(o.piid),
            value: o.value.map(|v| self.span(v)),
            code: self.int(o.code),
            position: None,
            did: o.did.map(|v| self.span(v)),
        }
    }

    /// The values of an `in` / `out` / `arguments` list.
    fn arguments(&self, list: Option<&'t RawValue>, which: ArgList, into: &mut Entries) {
        for (i, raw) in list
            .map(|l| self.list(l))
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            // Positional values (python-miio, miot-spec) or {piid, value}.
            let (iid, value) = match self.object(raw) {
                Some(o) if o.piid.is_some() => (self.int(o.piid), o.value.map(|v| self.span(v))),
                _ => (None, Some(self.span(raw))),
            };
            into.push(Entry {
                kind: Kind::Argument,
                span: self.span(raw),
                siid: None,
                iid,
                value,
                code: None,
                position: Some((which, i)),
                did: None,
            });
        }
    }
}

/// The entries of a MIoT request's `params` (`text[params]`).
pub fn read_request(method: Method, text: &str, params: Span) -> Entries {
    let r = Reader { text };
    let mut out = Entries::default();
    let Some(params) = r.part(params) else {
        return out;
    };
    match method {
        Method::GetProperties | Method::SetProperties | Method::PropertiesChanged => {
            // A list; the Xiaomi Home cloud's MQTT pushes send one object.
            let items = match r.object(params) {
                Some(_) => vec![params],
                None => r.list(params),
            };
            for raw in items {
                if let Some(o) = r.object(raw) {
                    out.push(r.property(raw, &o));
                }
            }
        }
        Method::Action | Method::EventOccured => {
            // One object; some senders wrap it in a list.
            let one = r.object(params).or_else(|| {
                let list = r.list(params);
                list.first().and_then(|raw| r.object(raw))
            });
            let Some(o) = one else {
                return out;
            };
            let (kind, iid) = match method {
                Method::Action => (Kind::Action, o.aiid),
                _ => (Kind::Event, o.eiid),
            };
            out.push(Entry {
                kind,
                span: r.span(params),
                siid: r.int(o.siid),
                iid: r.int(iid),
                value: None,
                code: None,
                position: None,
                did: o.did.map(|v| r.span(v)),
            });
            match method {
                // The Mi cloud's action (mijiaAPI, the app) lists its
                // arguments under `value`, miIO and the Xiaomi Home
                // integration under `in`.
                Method::Action => r.arguments(
                    o.inputs.or(o.value.filter(|v| v.get().starts_with('['))),
                    ArgList::In,
                    &mut out,
                ),
                _ => r.arguments(o.arguments, ArgList::Arguments, &mut out),
            }
        }
    }
    out
}

/// The entries of a reply's `result` (`text[result]`), given its request's
/// method when the request is in the capture. A list of objects with siid
/// and piid reads as properties even without the request.
pub fn read_reply(method: Option<Method>, text: &str, result: Span) -> Entries {
    let r = Reader { text };
    let mut out = Entries::default();
    let Some(result) = r.part(result) else {
        return out;
    };
    match method {
        Some(Method::Action) => {
            if let Some(o) = r.object(result).filter(|o| o.code.is_some()) {
                out.push(Entry {
                    kind: Kind::Action,
                    span: r.span(result),
                    siid: r.int(o.siid),
                    iid: r.int(o.aiid),
                    value: None,
                    code: r.int(o.code),
                    position: None,
                    did: o.did.map(|v| r.span(v)),
                });
                r.arguments(o.outputs, ArgList::Out, &mut out);
            }
        }
        Some(Method::GetProperties | Method::SetProperties) | None => {
            for raw in r.list(result) {
                match r.object(raw) {
                    Some(o) if method.is_some() || (o.siid.is_some() && o.piid.is_some()) => {
                        out.push(r.property(raw, &o));
                    }
                    _ => {}
                }
            }
        }
        // Acknowledgements of pushes carry no entries.
        Some(Method::PropertiesChanged | Method::EventOccured) => {}
    }
    out
}

#[cfg(test)]
#[path = "entries_tests.rs"]
mod tests;
