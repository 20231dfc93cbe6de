//! A reply body read under its request's key: base64 RC4 whose plaintext
//! is JSON, or (what the app asks for with `miot-accept-encoding: GZIP`) a
//! gzip stream of JSON, inflated with a cap; a JSON body in clear (an error
//! the server did not encrypt, a Xiaomi Home integration reply). The key is
//! never blamed for what it decrypted: a request's key is proved by its
//! `rc4_hash__`, so a plaintext that is neither JSON nor a stream is shown
//! as what it is.

use super::crypto::{decrypt_value, SignedNonce};
use crate::inflate::{detect, inflate, Format, Inflated};

/// Inflated replies are cut here (the largest real device lists are a few
/// hundred KB): a decompression bomb costs no more.
pub const INFLATE_CAP_BYTES: usize = 16 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// JSON in clear (not encrypted).
    Clear(Vec<u8>),
    /// Decrypted JSON.
    Json(Vec<u8>),
    /// Decrypted, a compressed stream: the stream and what it inflated to.
    Compressed {
        stream: Vec<u8>,
        format: Format,
        inflated: Inflated,
    },
    /// Decrypted with its request's key, but neither JSON nor a stream.
    NotJson(Vec<u8>),
    /// Neither base64 nor JSON: not RC4 under any key.
    NotBase64,
}

impl Reply {
    /// The JSON text to dissect and harvest, when there is one.
    pub fn json(&self) -> Option<&[u8]> {
        match self {
            Reply::Clear(t) | Reply::Json(t) => Some(t),
            Reply::Compressed {
                inflated: Inflated::Whole(t),
                ..
            } => is_json(t).then_some(t.as_slice()),
            _ => None,
        }
    }

    /// The RC4 plaintext (what the "Decrypted Mi cloud" bytes show).
    pub fn decrypted(&self) -> Option<&[u8]> {
        match self {
            Reply::Json(t) | Reply::NotJson(t) => Some(t),
            Reply::Compressed { stream, .. } => Some(stream),
            _ => None,
        }
    }
}

/// The reply under `key` (`None`: no key, so only a clear reply is read).
pub fn read(body: &[u8], key: Option<&SignedNonce>) -> Reply {
    let trimmed = body.trim_ascii();
    if is_json(trimmed) {
        return Reply::Clear(trimmed.to_vec());
    }
    let plain = match (key, std::str::from_utf8(trimmed)) {
        (Some(key), Ok(text)) => decrypt_value(key, text),
        _ => None,
    };
    let Some(plain) = plain else {
        return Reply::NotBase64;
    };
    if is_json(&plain) {
        return Reply::Json(plain);
    }
    match detect(&plain) {
        Some(format) => Reply::Compressed {
            inflated: inflate(&plain, format, INFLATE_CAP_BYTES),
            stream: plain,
            format,
        },
        None => Reply::NotJson(plain),
    }
}

/// JSON text: an object or a list, valid UTF-8.
fn is_json(t: &[u8]) -> bool {
    let first = t.iter().find(|b| !b.is_ascii_whitespace());
    matches!(first, Some(b'{' | b'[')) && std::str::from_utf8(t).is_ok()
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
