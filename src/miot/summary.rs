//! The Info column of a MIoT frame whose device has a spec:
//! `get_properties air-purifier.mode, filter.filter-life-level id=13`,
//! `reply id=14 ok: mode=1 (Sleep)`, `properties_changed mode=1 (Sleep), …`.

use crate::miot::entries::{Kind, Method};
use crate::miot::naming::{Names, Resolved};
use crate::miot::spec::Spec;
use crate::text::push_capped;

/// Room the entries take; the id after them always fits.
const MAX_ENTRY_CHARS: usize = 200;
const MAX_VALUE_CHARS: usize = 24;

pub struct Frame<'a> {
    pub method: Method,
    pub reply: bool,
    /// The id as written, when there is one.
    pub id: Option<&'a str>,
    pub text: &'a str,
    pub entries: &'a [Resolved],
    pub cut: usize,
}

pub fn summary(spec: &Spec, f: &Frame) -> String {
    let mut out = String::with_capacity(128);
    let id = |out: &mut String| {
        if let Some(id) = f.id {
            out.push_str(" id=");
            push_capped(out, id, 20, |c| !c.is_control());
        }
    };
    let mut items = String::with_capacity(128);
    let mut in_arguments = false;
    for (i, r) in f.entries.iter().enumerate() {
        let names = Names::of(spec, r);
        let argument = r.entry.kind == Kind::Argument;
        // An action's or event's arguments in parentheses after its name.
        items.push_str(match (argument, in_arguments, i) {
            (true, false, _) => "(",
            (true, true, _) => ", ",
            (false, true, _) => "), ",
            (false, false, 0) => "",
            (false, false, _) => ", ",
        });
        in_arguments = argument;
        if argument {
        } else if f.reply {
            push_name(&mut items, None, names.item(), r);
        } else {
            push_name(
                &mut items,
                names.service.map(|s| s.name.as_str()),
                names.item(),
                r,
            );
        }
        push_value(&mut items, f.text, &names, r);
        if let Some((code, _)) = r.entry.code.filter(|(c, _)| *c != 0) {
            items.push_str(&format!(" code {code}"));
        }
    }
    if in_arguments {
        items.push(')');
    }
    if f.cut > 0 {
        items.push_str(&format!(" and {} more", f.cut));
    }
    if f.reply {
        out.push_str("reply");
        id(&mut out);
        out.push_str(" ok: ");
        push_capped(&mut out, &items, MAX_ENTRY_CHARS, |c| !c.is_control());
    } else {
        out.push_str(match f.method {
            Method::GetProperties => "get_properties ",
            Method::SetProperties => "set_properties ",
            Method::PropertiesChanged => "properties_changed ",
            Method::Action => "action ",
            Method::EventOccured => "event_occured ",
        });
        push_capped(&mut out, &items, MAX_ENTRY_CHARS, |c| !c.is_control());
        id(&mut out);
    }
    out
}

/// `service.item`, just `item` when the two are alike (hass-xiaomi-miot's
/// rule), `siid/iid` for what the spec does not name: the Info column's
/// and the statistics' name of an entry.
pub fn push_name(out: &mut String, service: Option<&str>, item: Option<&str>, r: &Resolved) {
    match (service, item) {
        (Some(s), Some(i)) if s != i => {
            out.push_str(s);
            out.push('.');
            out.push_str(i);
        }
        (_, Some(i)) => out.push_str(i),
        _ => {
            let n = |v: Option<i64>| v.map_or("?".to_string(), |v| v.to_string());
            out.push_str(&format!("{}/{}", n(r.siid), n(r.iid)));
        }
    }
}

fn push_value(out: &mut String, text: &str, names: &Names, r: &Resolved) {
    let Some(value) = r.value(text) else {
        return;
    };
    if r.entry.kind != Kind::Argument {
        out.push('=');
    }
    push_capped(out, value, MAX_VALUE_CHARS, |c| !c.is_control());
    if let Some(d) = names.value_description(value) {
        out.push_str(" (");
        push_capped(out, d, MAX_VALUE_CHARS, |c| !c.is_control());
        out.push(')');
    } else if let Some(unit) = names.property.and_then(|p| p.unit.as_deref()) {
        out.push(' ');
        out.push_str(unit);
    }
}
