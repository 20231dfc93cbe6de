//! Pushed data points (`{"dps":{"121":8,"122":100},"t":…}`) and A01
//! values, named: the id by the frame's version (V1 for `1.0` and `L01`,
//! B01, A01 by both of its models), the value where python-roborock names
//! it whatever the model (state, error code, charge status). Fan power and
//! water box mode are not named: python-roborock names them by the model's
//! features, and the same code means different modes on different models.

use std::borrow::Cow;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::dp_tables as t;
use super::frame::Version;
use crate::miio::payload::Span;

/// One member of the dps object; spans point into the plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPoint {
    /// The key's text, inside its quotes.
    pub key: Span,
    /// The key as a number, when it is one.
    pub id: Option<u32>,
    /// The value's JSON text, as sent.
    pub value: Span,
    pub name: Option<Cow<'static, str>>,
    /// The value's name.
    pub description: Option<&'static str>,
}

/// The Info column shows this many data points at most.
const SUMMARY_POINTS: usize = 8;

/// The dps members in order, duplicates kept; keys with escapes make the
/// whole object unreadable (no real device sends them).
struct Members<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct InOrder<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for InOrder<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(pair) = map.next_entry::<&'a str, &'a RawValue>()? {
                    out.push(pair);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(InOrder(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Outer<'a> {
    #[serde(borrow)]
    dps: Members<'a>,
}

fn span_in(whole: &str, part: &str) -> Span {
    Span {
        offset: (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize),
        len: part.len(),
    }
}

/// Reads and names the data points of `text`; `None` version: unnamed.
pub fn read(text: &str, version: Option<Version>) -> Vec<DataPoint> {
    let Ok(outer) = serde_json::from_str::<Outer>(text) else {
        return Vec::new();
    };
    outer
        .dps
        .0
        .into_iter()
        .map(|(key, raw)| {
            let id = number(key);
            let value = raw.get();
            DataPoint {
                key: span_in(text, key),
                id,
                value: span_in(text, value),
                name: id.zip(version).and_then(|(id, v)| name(v, id)),
                description: id.zip(version).and_then(|(id, v)| describe(v, id, value)),
            }
        })
        .collect()
}

/// Digits only: "+5" or " 5" is not an id.
fn number(key: &str) -> Option<u32> {
    let digits = !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| key.parse().ok()).flatten()
}

fn find<K: PartialEq + Copy>(table: &'static [(K, &'static str)], key: K) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, n)| *n)
}

/// The name python-roborock gives a data point of this version.
pub fn name(version: Version, id: u32) -> Option<Cow<'static, str>> {
    match version {
        Version::V1 | Version::L01 => find(t::V1, id).map(Cow::Borrowed),
        Version::B01 => find(t::B01, id).map(Cow::Borrowed),
        Version::A01 => a01_name(id),
    }
}

/// A01 frames do not say which model sent them: an id both models name
/// alike gets that name, others say which model calls it what.
fn a01_name(id: u32) -> Option<Cow<'static, str>> {
    match (find(t::DYAD, id), find(t::ZEO, id)) {
        (Some(d), Some(z)) if d == z => Some(Cow::Borrowed(d)),
        (Some(d), Some(z)) => Some(Cow::Owned(format!("{d} (Dyad) / {z} (Zeo)"))),
        (Some(d), None) => Some(Cow::Owned(format!("{d} (Dyad)"))),
        (None, Some(z)) => Some(Cow::Owned(format!("{z} (Zeo)"))),
        (None, None) => None,
    }
}

/// The value's name, for the V1 data points whose code table applies to
/// every model; the value must be a JSON integer.
pub fn describe(version: Version, id: u32, value: &str) -> Option<&'static str> {
    if !matches!(version, Version::V1 | Version::L01) {
        return None;
    }
    let table = match id {
        120 => t::ERROR,
        121 => t::STATE,
        133 => t::CHARGE_STATUS,
        _ => return None,
    };
    find(table, serde_json::from_str::<i64>(value).ok()?)
}

/// `data points state=8 (charging), battery=100`: the first few, capped.
pub fn summary(text: &str, points: &[DataPoint]) -> String {
    let at = |s: Span| text.get(s.offset..s.offset + s.len).unwrap_or("");
    let shown: Vec<String> = points
        .iter()
        .take(SUMMARY_POINTS)
        .map(|p| {
            let value = crate::text::capped(at(p.value), 24, |c| !c.is_control());
            let what = p.name.as_deref().unwrap_or(at(p.key));
            match p.description {
                Some(d) => format!("{what}={value} ({d})"),
                None => format!("{what}={value}"),
            }
        })
        .collect();
    format!(
        "data points {}",
        crate::text::capped(&shown.join(", "), 80, |c| !c.is_control())
    )
}

#[cfg(test)]
#[path = "data_points_tests.rs"]
mod tests;
