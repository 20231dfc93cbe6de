//! MIoT entries where the cloud carries them: Mi cloud calls
//! (`/miotspec/prop/get`, `/miotspec/prop/set`, `/miotspec/action`: a
//! request's `params`, a reply's `result`) and the Xiaomi Home
//! integration's MQTT pushes (their `params`). Each entry names its device
//! (`did`), so each run of entries of one device is named from that
//! device's own spec.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::entries::{self, Entries, Method};
use super::frame::{note_here, slice, At, EntryDevice, MiotFrame, MiotState, SpecStatus};
use super::naming::{self, Origin};
use super::spec::Spec;
use super::spec_dir::Lookup;
use super::summary;
use crate::miio::payload::Span;

/// The MIoT method of a Mi cloud path (any prefix: `/app/`, `/app/v2/`).
pub fn method_of_path(path: &str) -> Option<Method> {
    let path = path.trim_end_matches('/');
    [
        ("/miotspec/prop/get", Method::GetProperties),
        ("/miotspec/prop/set", Method::SetProperties),
        ("/miotspec/action", Method::Action),
    ]
    .into_iter()
    .find_map(|(end, m)| path.ends_with(end).then_some(m))
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
}

/// Where `member` (`params` or `result`) of the top-level object is.
fn member(text: &str, reply: bool) -> Option<Span> {
    let top: Top = serde_json::from_str(text).ok()?;
    let raw = if reply { top.result? } else { top.params? };
    let offset = (raw.get().as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    Some(Span {
        offset,
        len: raw.get().len(),
    })
}

/// The MIoT side of a cloud call's JSON (a request or push: its `params`; a
/// reply: its `result`), for the tree; the entries stay in `state.last`,
/// each with its device in `state.last_devices`.
pub fn describe(state: &mut MiotState, at: At, method: Method, reply: bool, json: &[u8]) -> MiotFrame {
    state.last_spec = None;
    state.last.clear();
    state.last_devices.clear();
    let mut out = MiotFrame::default();
    let Ok(text) = std::str::from_utf8(json) else {
        return out;
    };
    let Some(span) = member(text, reply) else {
        return out;
    };
    let list: Entries = match reply {
        true => entries::read_reply(Some(method), text, span),
        false => entries::read_request(method, text, span),
    };
    if list.list.is_empty() {
        return out;
    }
    (out.method, out.reply, out.cut) = (Some(method), reply, list.cut);
    out.status = SpecStatus::Loaded;
    let origin = Origin {
        method: Some(method),
        reply,
        asked: None,
    };
    let mut one_spec: Option<Option<Arc<Spec>>> = None;
    let mut start = 0;
    while start < list.list.len() {
        // A run: entries of one did (arguments name none: their action's).
        let did = list.list[start].did.and_then(|s| device_id(text, s));
        let end = start
            + 1
            + list.list[start + 1..]
                .iter()
                .take_while(|e| e.did.is_none_or(|s| device_id(text, s) == did))
                .count();
        let model = did.and_then(|d| state.models.model_of_did(d));
        let lookup = model.as_ref().map(|(m, _)| state.specs.lookup(m));
        let spec = match &lookup {
            Some(Lookup::Loaded(spec)) => Some(spec.clone()),
            _ => None,
        };
        let run = &list.list[start..end];
        state
            .last
            .extend(naming::resolve(run, text, spec.as_deref(), origin));
        let device = EntryDevice {
            model: model.as_ref().map(|(m, _)| m.clone()),
            spec: spec.clone(),
        };
        state.last_devices.extend(std::iter::repeat_n(device, run.len()));
        // The frame's model: the one device's; none when they differ.
        out.model = match (start, out.model.take()) {
            (0, _) => model.clone(),
            (_, Some(m)) if model.as_ref().is_some_and(|(n, _)| *n == m.0) => Some(m),
            _ => None,
        };
        if out.note.is_none() {
            if let Some((status, note)) = missing(lookup, did, model.as_ref().map(|(m, _)| &**m)) {
                (out.status, out.note) = (status, Some(note));
                out.note_here = note_here(state, at, model.as_ref().map(|(m, _)| &**m).or(did));
            }
        }
        one_spec = match one_spec {
            None => Some(spec),
            Some(s) if same(&s, &spec) => Some(s),
            Some(_) => Some(None),
        };
        start = end;
    }
    if let Some(Some(spec)) = one_spec {
        out.summary = Some(summary::summary(
            &spec,
            &summary::Frame {
                method,
                reply,
                id: None,
                text,
                entries: &state.last,
                cut: out.cut,
            },
        ));
    }
    out.entries = state.last.clone();
    out
}

/// A did as written (a JSON string or number), without its quotes.
fn device_id(text: &str, s: Span) -> Option<&str> {
    let raw = slice(text, s)?;
    Some(raw.trim_matches('"')).filter(|d| !d.is_empty())
}

fn same(a: &Option<Arc<Spec>>, b: &Option<Arc<Spec>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

/// Why a run has no names: its status and the note, `None` when it has.
fn missing(lookup: Option<Lookup>, did: Option<&str>, model: Option<&str>) -> Option<(SpecStatus, String)> {
    let model = model.unwrap_or("");
    Some(match lookup {
        None => (
            SpecStatus::NoModel,
            format!(
                "the model of cloud device {} is not known: no device list in the capture names it; \
                 give a decimal miIO device id's model as \"model HEX_ID MODEL\" in the key file",
                did.unwrap_or("(no did)")
            ),
        ),
        Some(Lookup::Loaded(_)) => return None,
        Some(Lookup::NoFolder(why)) => (SpecStatus::NoFolder, format!("no spec for {model}: {why}")),
        Some(Lookup::Missing(why)) => (SpecStatus::Missing, why),
        Some(Lookup::Bad(why)) => (SpecStatus::Bad, why),
    })
}

#[cfg(test)]
#[path = "cloud_tests.rs"]
mod tests;
