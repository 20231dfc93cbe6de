//! The Info column of Mi cloud frames: `POST /home/device_list`,
//! `reply: 3 devices`, `login reply: ssecurity learned`.

use serde_json::Value;

use super::crypto::hash_path;
use super::dissect::Dissection;
use super::message::Mode;
use super::reply::{Reply, INFLATE_CAP_BYTES};
use crate::inflate::Inflated;

pub fn request(d: &Dissection) -> String {
    let path = d.path.as_deref().map_or("(path not known)", hash_path);
    match d.key {
        Some(_) => format!("POST {path}"),
        None if matches!(d.mode, Some(Mode::Hmac | Mode::Clear)) => format!("POST {path}"),
        None => format!("POST {path} (encrypted, no key)"),
    }
}

pub fn response(d: &Dissection) -> String {
    let Some(plain) = &d.response else {
        return unread(d);
    };
    let mut s = read(d, plain);
    if let Some(Reply::Compressed { format, .. }) = &d.reply {
        s.push_str(" (");
        s.push_str(format.name());
        s.push(')');
    }
    s
}

/// A reply with no JSON to show: why, in words that never blame a key the
/// request proved.
fn unread(d: &Dissection) -> String {
    let format = |f: &crate::inflate::Format| f.name();
    match (&d.reply, d.key) {
        (Some(Reply::NotBase64), None) | (None, None) => "reply (encrypted, no key)".into(),
        (Some(Reply::NotBase64), Some(_)) => "reply (not encrypted, not JSON)".into(),
        (Some(Reply::NotJson(_)), _) => "reply (decrypted, not JSON)".into(),
        (Some(Reply::Compressed { format: f, inflated, .. }), _) => match inflated {
            Inflated::TooLarge => format!(
                "reply ({}: inflates past {} MiB, not shown)",
                format(f),
                INFLATE_CAP_BYTES >> 20
            ),
            Inflated::Broken => format!("reply ({}: the stream is broken)", format(f)),
            Inflated::Whole(_) => format!("reply ({}, inflated: not JSON)", format(f)),
        },
        _ => "reply".into(),
    }
}

fn read(d: &Dissection, plain: &[u8]) -> String {
    let path = d.path.as_deref().unwrap_or("");
    if path.ends_with("device_list")
        || path.ends_with("/device_list_page")
        || (path.is_empty() && !d.harvested.is_empty() && d.harvested[0].bindkey.is_none())
    {
        return format!("reply: {} devices", d.harvested.len());
    }
    if let Some(h) = d.harvested.first().filter(|h| h.bindkey.is_some()) {
        return format!("reply: beaconkey of {}", h.device.did);
    }
    match serde_json::from_slice::<Value>(plain) {
        Ok(v) => match (
            v.get("code").and_then(Value::as_i64),
            v.get("message").and_then(Value::as_str),
        ) {
            (Some(code), Some(m)) => format!(
                "reply: code {code} {}",
                crate::text::capped(m, 40, |c| !c.is_control())
            ),
            (Some(code), None) => format!("reply: code {code}"),
            _ => "reply".into(),
        },
        Err(_) => "reply (not JSON)".into(),
    }
}

pub fn login(d: &Dissection) -> String {
    match d.key {
        Some(_) => "login reply: ssecurity learned".into(),
        None => "login reply".into(),
    }
}
