//! The Info column of Mi cloud frames: `POST /home/device_list`,
//! `reply: 3 devices`, `login reply: ssecurity learned`.

use serde_json::Value;

use super::crypto::hash_path;
use super::dissect::Dissection;

pub fn request(d: &Dissection) -> String {
    let path = d.path.as_deref().map_or("(path not known)", hash_path);
    match d.key {
        Some(_) => format!("POST {path}"),
        None if d.mode == Some(super::message::Mode::Hmac) => format!("POST {path}"),
        None => format!("POST {path} (encrypted, no key)"),
    }
}

pub fn response(d: &Dissection) -> String {
    let Some(plain) = &d.response else {
        return match d.key {
            Some(_) => "reply (not decrypted: not base64 RC4 under its request's key)".into(),
            None => "reply (encrypted, no key)".into(),
        };
    };
    let path = d.path.as_deref().unwrap_or("");
    if path.ends_with("/device_list")
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
