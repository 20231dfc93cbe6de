//! MIoT entries against the device's spec: which service, property, action
//! or event each is, what its value means, and what does not fit the spec
//! (unknown ids, read-only writes, values out of range). Pure.

use crate::miot::entries::{ArgList, Entry, Kind, Method};
use crate::miot::spec::{Operation, Property, Service, Spec};

/// What does not fit the spec (bits of `Resolved::problems`, as in the ABI).
pub mod problem {
    pub const UNKNOWN_SERVICE: u32 = 0x1;
    pub const UNKNOWN_ID: u32 = 0x2;
    pub const OUT_OF_RANGE: u32 = 0x4;
    pub const NOT_IN_LIST: u32 = 0x8;
    pub const NOT_WRITABLE: u32 = 0x10;
    pub const NOT_READABLE: u32 = 0x20;
    pub const WRONG_FORMAT: u32 = 0x40;
    pub const NOT_ASKED: u32 = 0x80;
}

/// An entry with the ids it stands for (an argument takes its service from
/// its action or event, and its piid from the spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub entry: Entry,
    pub siid: Option<i64>,
    pub iid: Option<i64>,
    pub problems: u32,
    /// The first problem, said in words.
    pub problem_text: Option<String>,
    /// The value's entry in the property's value-list.
    pub value_index: Option<usize>,
}

impl Resolved {
    /// The value's JSON text in `text`.
    pub fn value<'t>(&self, text: &'t str) -> Option<&'t str> {
        let s = self.entry.value?;
        text.get(s.offset..s.offset + s.len)
    }
}

/// What the spec says of a resolved entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct Names<'s> {
    pub service: Option<&'s Service>,
    pub property: Option<&'s Property>,
    pub operation: Option<&'s Operation>,
}

impl<'s> Names<'s> {
    pub fn of(spec: &'s Spec, r: &Resolved) -> Names<'s> {
        let service = r.siid.and_then(|s| spec.service(s));
        let iid = r.iid.and_then(|i| u32::try_from(i).ok());
        let (mut property, mut operation) = (None, None);
        if let (Some(svc), Some(iid)) = (service, iid) {
            match r.entry.kind {
                Kind::Property | Kind::Argument => property = svc.properties.get(&iid),
                Kind::Action => operation = svc.actions.get(&iid),
                Kind::Event => operation = svc.events.get(&iid),
            }
        }
        Names {
            service,
            property,
            operation,
        }
    }

    /// The item's name: property, action or event.
    pub fn item(&self) -> Option<&'s str> {
        self.property
            .map(|p| p.name.as_str())
            .or(self.operation.map(|o| o.name.as_str()))
    }

    pub fn description(&self) -> Option<&'s str> {
        self.property
            .map(|p| p.description.as_str())
            .or(self.operation.map(|o| o.description.as_str()))
    }

    /// The value-list description of `value` (JSON text).
    pub fn value_description(&self, value: &str) -> Option<&'s str> {
        let i = self.value_index(value)?;
        self.property?.values.get(i).map(|(_, d)| d.as_str())
    }

    /// Where `value` (JSON text) is in the property's value-list.
    pub fn value_index(&self, value: &str) -> Option<usize> {
        let p = self.property?;
        // Numbers only: `true` is no value-list entry 1.
        let v = number(value).filter(|_| value != "true" && value != "false")?;
        p.values.iter().position(|(x, _)| *x == v)
    }
}

/// Where the entries come from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub method: Option<Method>,
    pub reply: bool,
    /// The request's (siid, iid) pairs, for a reply whose request is known.
    pub asked: Option<&'a [(i64, i64)]>,
}

/// Resolves ids and checks each entry against `spec` (when there is one).
pub fn resolve(
    entries: &[Entry],
    text: &str,
    spec: Option<&Spec>,
    origin: Origin,
) -> Vec<Resolved> {
    let mut out: Vec<Resolved> = Vec::with_capacity(entries.len());
    let mut parent: Option<(i64, i64, Kind)> = None;
    for (i, e) in entries.iter().enumerate() {
        let mut r = Resolved {
            entry: *e,
            siid: e.siid.map(|(v, _)| v),
            iid: e.iid.map(|(v, _)| v),
            problems: 0,
            problem_text: None,
            value_index: None,
        };
        // A reply entry without ids: its request's entry at the same place.
        if origin.reply && e.kind == Kind::Property && (r.siid.is_none() || r.iid.is_none()) {
            if let Some(&(s, p)) = origin.asked.and_then(|a| a.get(i)) {
                r.siid = r.siid.or(Some(s));
                r.iid = r.iid.or(Some(p));
            }
        }
        if e.kind == Kind::Action && r.siid.is_none() {
            if let Some(&(s, a)) = origin.asked.and_then(|a| a.first()) {
                r.siid = Some(s);
                r.iid = r.iid.or(Some(a));
            }
        }
        match e.kind {
            Kind::Argument => {
                r.siid = parent.map(|(s, _, _)| s);
                if r.iid.is_none() {
                    r.iid = argument_piid(spec, parent, e.position);
                }
            }
            kind => parent = r.siid.zip(r.iid).map(|(s, i)| (s, i, kind)),
        }
        if let Some(spec) = spec {
            check(spec, text, origin, &mut r);
        }
        out.push(r);
    }
    out
}

/// The piid the spec gives an argument by its place in `in` / `out` /
/// `arguments`.
fn argument_piid(
    spec: Option<&Spec>,
    parent: Option<(i64, i64, Kind)>,
    position: Option<(ArgList, usize)>,
) -> Option<i64> {
    let (siid, iid, kind) = parent?;
    let (list, i) = position?;
    let service = spec?.service(siid)?;
    let iid = u32::try_from(iid).ok()?;
    let op = match kind {
        Kind::Event => service.events.get(&iid)?,
        _ => service.actions.get(&iid)?,
    };
    let piids = match list {
        ArgList::Out => &op.outputs,
        ArgList::In | ArgList::Arguments => &op.inputs,
    };
    piids.get(i).map(|&p| i64::from(p))
}

fn check(spec: &Spec, text: &str, origin: Origin, r: &mut Resolved) {
    let flag = |r: &mut Resolved, bit: u32, why: String| {
        r.problems |= bit;
        r.problem_text.get_or_insert(why);
    };
    if origin.reply && r.entry.kind == Kind::Property {
        if let (Some(asked), Some(s), Some(p)) = (origin.asked, r.siid, r.iid) {
            if !asked.contains(&(s, p)) {
                flag(
                    r,
                    problem::NOT_ASKED,
                    format!("{s}/{p} answers no entry of the request"),
                );
            }
        }
    }
    let Some(siid) = r.siid else {
        return;
    };
    let Some(service) = spec.service(siid) else {
        flag(
            r,
            problem::UNKNOWN_SERVICE,
            format!("the spec has no service {siid}"),
        );
        return;
    };
    let names = Names::of(spec, r);
    let Some(iid) = r.iid else {
        return;
    };
    if names.item().is_none() {
        let what = match r.entry.kind {
            Kind::Property | Kind::Argument => "property",
            Kind::Action => "action",
            Kind::Event => "event",
        };
        let why = format!(
            "the spec has no {what} {iid} in service {siid} ({})",
            service.name
        );
        flag(r, problem::UNKNOWN_ID, why);
        return;
    }
    let Some(p) = names.property else {
        return;
    };
    r.value_index = r.value(text).and_then(|v| names.value_index(v));
    let request = !origin.reply;
    match origin.method {
        Some(Method::GetProperties) if request && !p.access.read => {
            flag(
                r,
                problem::NOT_READABLE,
                format!("{} is not readable (access: {})", p.name, access(p)),
            );
        }
        Some(Method::SetProperties) if request && !p.access.write => {
            flag(
                r,
                problem::NOT_WRITABLE,
                format!("{} is not writable (access: {})", p.name, access(p)),
            );
        }
        _ => {}
    }
    let Some(value) = r.value(text) else {
        return;
    };
    // A failed read has no value to check (python-miio's simulator: "").
    if r.entry.code.is_some_and(|(c, _)| c != 0) {
        return;
    }
    if let Some(why) = format_problem(p, value) {
        flag(r, problem::WRONG_FORMAT, why);
        return;
    }
    if let (Some([min, max, _]), Some(v)) = (p.range, number(value)) {
        if v < min || v > max {
            flag(
                r,
                problem::OUT_OF_RANGE,
                format!("{} = {value} is outside its range {min}..{max}", p.name),
            );
        }
    }
    if !p.values.is_empty() && number(value).is_some() && names.value_description(value).is_none() {
        flag(
            r,
            problem::NOT_IN_LIST,
            format!("{} = {value} is not in its value list", p.name),
        );
    }
}

fn access(p: &Property) -> String {
    let a = p.access;
    let parts: Vec<&str> = [(a.read, "read"), (a.write, "write"), (a.notify, "notify")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
    match parts.is_empty() {
        true => "none".into(),
        false => parts.join(", "),
    }
}

/// A value that the property's format cannot hold. Lenient where devices
/// are (bool as 0/1; numbers for any numeric format).
fn format_problem(p: &Property, value: &str) -> Option<String> {
    let is_string = value.starts_with('"');
    let is_bool = value == "true" || value == "false";
    let n = number(value);
    let bad = match p.format.as_str() {
        "bool" => !(is_bool || n.is_some_and(|v| v == 0.0 || v == 1.0)),
        "string" => !is_string,
        f if f.starts_with("int") || f.starts_with("uint") => {
            !n.is_some_and(|v| v.fract() == 0.0 && (!f.starts_with('u') || v >= 0.0))
        }
        "float" => n.is_none(),
        _ => false,
    };
    bad.then(|| format!("{} = {value} is not a {} value", p.name, p.format))
}

/// A JSON number's value (or a bool's 0/1), for comparisons.
pub fn number(value: &str) -> Option<f64> {
    match value {
        "true" => Some(1.0),
        "false" => Some(0.0),
        v if v.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => v.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
#[path = "naming_tests.rs"]
mod tests;
