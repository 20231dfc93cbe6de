//! The MIoT entries of a Mi cloud call (`/miotspec/prop/get`, `/prop/set`,
//! `/action`): the request's JSON (the decrypted `data`, or the Xiaomi Home
//! integration's body in clear) and the reply's, named through the shared
//! MIoT naming (`miot::cloud`), each entry by its own device's model.

use super::dissect::{Context, Dissection};
use crate::miot::cloud;
use crate::miot::entries::Method;
use crate::miot::frame::At;
use crate::state::DissectorState;

/// Which text the entries' spans point into (the ABI's `micloud_miot_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MiotText {
    #[default]
    None,
    /// The request's decrypted `data` param.
    Data,
    /// The request body, in clear, from this offset.
    Body(usize),
    /// The response's JSON (wherever it is shown: decrypted, inflated, clear).
    Response,
}

/// Names the MIoT entries of `json` (a request's, or a reply's when
/// `reply`), when `d`'s path is a MIoT call; the Info column says them when
/// one spec names them all.
pub fn describe(state: &mut DissectorState, ctx: &Context, d: &mut Dissection, json: &[u8], reply: bool, text: MiotText) {
    let Some(method) = d.path.as_deref().and_then(cloud::method_of_path) else {
        return;
    };
    let at = At {
        frame: (ctx.frame, 0),
        first_pass: !ctx.visited,
        device_id: 0,
        request_in: None,
    };
    d.miot = cloud::describe(&mut state.miot, at, method, reply, json);
    if d.miot.method.is_none() {
        return;
    }
    d.miot_text = text;
    if let Some(names) = &d.miot.summary {
        d.summary.push_str(": ");
        // The MIoT summary starts with the method (or "reply"); the path
        // said which already.
        let names = names
            .strip_prefix(summary_method(method, reply))
            .map_or(names.as_str(), str::trim_start);
        d.summary.push_str(names);
    }
}

fn summary_method(method: Method, reply: bool) -> &'static str {
    match (reply, method) {
        (true, _) => "reply ok:",
        (false, Method::GetProperties) => "get_properties",
        (false, Method::SetProperties) => "set_properties",
        (false, Method::Action) => "action",
        (false, Method::PropertiesChanged) => "properties_changed",
        (false, Method::EventOccured) => "event_occured",
    }
}
