//! One frame's MIoT side: which entries it has, named from its device's
//! spec, and what the capture must remember (the model a frame revealed,
//! each MIoT request's entries for its reply, where a missing spec was
//! noted). The per-frame cost is hash lookups and one pass over the params.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::frame_table::FrameId;
use crate::miio::payload::{Payload, PayloadKind, Span};
use crate::miot::entries::{self, Method};
use crate::miot::models::{ModelSource, Models};
use crate::miot::naming::{self, Origin, Resolved};
use crate::miot::spec::Spec;
use crate::miot::spec_dir::{Lookup, SpecDir};
use crate::miot::summary;

/// What the spec of a frame's device is (the ABI's `miio_spec_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpecStatus {
    /// The frame has no MIoT entries.
    #[default]
    NotMiot,
    NoModel,
    NoFolder,
    Missing,
    Bad,
    Loaded,
}

/// A MIoT request's method and its (siid, iid) pairs.
#[derive(Debug, Clone)]
struct Request {
    method: Method,
    asked: Vec<(i64, i64)>,
}

/// The MIoT side of a frame, as the tree shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MiotFrame {
    /// The request's method (a reply: its request's); `None` without entries.
    pub method: Option<Method>,
    pub reply: bool,
    pub model: Option<(Arc<str>, ModelSource)>,
    pub status: SpecStatus,
    /// Why there are no names: which spec is missing and where it was looked for.
    pub note: Option<String>,
    /// The first frame of the capture to say so for this model or device:
    /// the expert info goes here.
    pub note_here: bool,
    pub entries: Vec<Resolved>,
    pub cut: usize,
    /// The Info column, when the spec names things.
    pub summary: Option<String>,
}

#[derive(Debug, Default)]
pub struct MiotState {
    pub specs: SpecDir,
    pub models: Models,
    requests: HashMap<(u32, i64), Request>,
    noted: HashSet<String>,
    note_frames: HashSet<FrameId>,
    /// The spec and entries of the last frame described, for the shim's copy.
    pub last_spec: Option<Arc<Spec>>,
    pub last: Vec<Resolved>,
    /// Each entry's own device, when the entries name several devices (Mi
    /// cloud calls); empty: `last_spec` and the frame's model for all.
    pub last_devices: Vec<EntryDevice>,
}

/// The device of one entry of a Mi cloud call: its model and spec.
#[derive(Debug, Clone, Default)]
pub struct EntryDevice {
    pub model: Option<Arc<str>>,
    pub spec: Option<Arc<Spec>>,
}

impl MiotState {
    pub fn reset_capture(&mut self) {
        self.models.forget_capture();
        self.requests.clear();
        self.noted.clear();
        self.note_frames.clear();
        self.last_spec = None;
        self.last.clear();
        self.last_devices.clear();
        self.specs.revalidate();
    }
}

/// Where the frame sits.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub frame: FrameId,
    pub first_pass: bool,
    pub device_id: u32,
    /// A reply's request frame.
    pub request_in: Option<u32>,
}

/// First pass: the model a payload reveals.
pub fn learn_model(state: &mut MiotState, device_id: u32, payload: &Payload, frame: u32) {
    if let Some((model, otc)) = &payload.revealed_model {
        let source = match otc {
            true => ModelSource::OtcInfo(frame),
            false => ModelSource::InfoReply(frame),
        };
        state.models.learn(device_id, model, source);
    }
}

/// The MIoT side of a decrypted payload whose JSON is `json`. Only a
/// payload with MIoT entries is read further (as UTF-8 text).
pub fn describe(state: &mut MiotState, at: At, payload: &Payload, json: &[u8]) -> MiotFrame {
    let model = state.models.model(at.device_id);
    let mut out = MiotFrame {
        model,
        ..MiotFrame::default()
    };
    state.last_spec = None;
    state.last.clear();
    state.last_devices.clear();
    let id = payload.id.map(|(id, _)| id);
    let (method, reply, list, asked, text) = match payload.kind {
        PayloadKind::Request => {
            let Some(method) = payload.method.as_ref().and_then(|(m, _)| Method::of(m)) else {
                return out;
            };
            let (Some(params), Ok(text)) = (payload.params, std::str::from_utf8(json)) else {
                return out;
            };
            let list = entries::read_request(method, text, params);
            if at.first_pass {
                if let Some(id) = id {
                    let asked = list
                        .list
                        .iter()
                        .filter_map(|e| Some((e.siid?.0, e.iid?.0)))
                        .collect();
                    state
                        .requests
                        .insert((at.frame.0, id), Request { method, asked });
                }
            }
            (method, false, list, None, text)
        }
        PayloadKind::Reply => {
            let Some(result) = payload.result else {
                return out;
            };
            let request = at
                .request_in
                .zip(id)
                .and_then(|key| state.requests.get(&key));
            let method = request.map(|r| r.method);
            if method.is_none() && !looks_like_properties(json, result) {
                return out;
            }
            let Ok(text) = std::str::from_utf8(json) else {
                return out;
            };
            let list = entries::read_reply(method, text, result);
            let asked = request.map(|r| r.asked.clone());
            (
                method.unwrap_or(Method::GetProperties),
                true,
                list,
                asked,
                text,
            )
        }
        _ => return out,
    };
    if list.list.is_empty() {
        return out;
    }
    let lookup = match &out.model {
        None => None,
        Some((model, _)) => Some(state.specs.lookup(model)),
    };
    let spec = match &lookup {
        Some(Lookup::Loaded(spec)) => Some(spec.clone()),
        _ => None,
    };
    let origin = Origin {
        method: Some(method),
        reply,
        asked: asked.as_deref(),
    };
    out.entries = naming::resolve(&list.list, text, spec.as_deref(), origin);
    (out.method, out.reply) = (Some(method), reply);
    out.cut = list.cut;
    (out.status, out.note) = match lookup {
        None => (SpecStatus::NoModel, Some(no_model(at.device_id))),
        Some(Lookup::Loaded(_)) => (SpecStatus::Loaded, None),
        Some(Lookup::NoFolder(why)) => {
            let model = out.model.as_ref().map_or("", |(m, _)| &**m);
            (
                SpecStatus::NoFolder,
                Some(format!("no spec for {model}: {why}")),
            )
        }
        Some(Lookup::Missing(why)) => (SpecStatus::Missing, Some(why)),
        Some(Lookup::Bad(why)) => (SpecStatus::Bad, Some(why)),
    };
    if out.note.is_some() {
        out.note_here = note_here(state, at, out.model.as_ref().map(|(m, _)| &**m));
    }
    if let Some(spec) = &spec {
        let id_text = payload.id.map(|(_, s)| s).and_then(|s| slice(text, s));
        out.summary = Some(summary::summary(
            spec,
            &summary::Frame {
                method,
                reply,
                id: id_text,
                text,
                entries: &out.entries,
                cut: out.cut,
            },
        ));
    }
    state.last_spec = spec;
    out
}

/// A reply whose request is not in the capture: a list whose first object
/// names a siid (looked for in its first bytes only: replies can be long).
fn looks_like_properties(json: &[u8], result: Span) -> bool {
    const LOOK: usize = 96;
    let list = json.get(result.offset..result.offset + result.len.min(LOOK));
    list.is_some_and(|r| r.starts_with(b"[") && r.windows(6).any(|w| w == b"\"siid\""))
}

pub(super) fn slice(text: &str, s: Span) -> Option<&str> {
    text.get(s.offset..s.offset + s.len)
}

fn no_model(device_id: u32) -> String {
    format!(
        "the model of device 0x{device_id:08x} is not known: no miIO.info reply or _otc.info in the capture; \
         give it as \"model {device_id:08x} MODEL\" in the key file or \"model=MODEL\" in the comment of its miio_keys row"
    )
}

/// The first frame of the capture with a note for this model (or device):
/// decided on the first pass, so every pass says the same.
pub(super) fn note_here(state: &mut MiotState, at: At, model: Option<&str>) -> bool {
    if !at.first_pass {
        return state.note_frames.contains(&at.frame);
    }
    let device;
    let key = match model {
        Some(model) => model,
        None => {
            device = format!("device {:08x}", at.device_id);
            &device
        }
    };
    // Looked up before anything is allocated: most frames were noted before.
    if state.noted.contains(key) {
        return false;
    }
    state.noted.insert(key.to_string());
    state.note_frames.insert(at.frame);
    true
}
