//! The MIoT entries of a Mi cloud call (`/miotspec/prop/get`, `/prop/set`,
//! `/action`): the request's JSON (the decrypted `data`, or the Xiaomi Home
//! integration's body in clear) and the reply's, named through the shared
//! MIoT naming (`miot::cloud`), each entry by its own device's model.

use super::dissect::{Context, Dissection};
use crate::miot::cloud;
use crate::miot::frame::{At, MiotFrame};
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
/// `reply`), when `d`'s path is a MIoT call.
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
    if d.miot.method.is_some() {
        d.miot_text = text;
    }
}

/// What the Info column adds after the call's own summary: `: ` and the
/// entries' names, when one spec names them all. The MIoT summary's
/// leading method (`get_properties `) or `reply ok:` is left out: the
/// path and the reply summary said that already.
pub fn names(miot: &MiotFrame) -> String {
    let Some(names) = &miot.summary else {
        return String::new();
    };
    let names = match miot.reply {
        true => names.strip_prefix("reply ok:").map(str::trim_start),
        false => names.split_once(' ').map(|(_, rest)| rest),
    };
    names.map_or(String::new(), |n| format!(": {n}"))
}
