//! One Mi cloud API request or response, decrypted with one signed nonce.
//! A request is RC4 mode when it carries `rc4_hash__`: every value but
//! `signature`, `_nonce` and `ssecurity` is RC4 ciphertext, and the key is
//! right when `rc4_hash__` decrypts to a SHA-1 in base64 (28 characters);
//! the older mode sends its params in clear with an HMAC `signature`.

use super::crypto::{b64, decrypt_value, hmac_signature, rc4_hash, SignedNonce};
use super::form::{get, Param};

/// Params that travel in clear in RC4 mode.
const CLEAR: [&str; 3] = ["signature", "_nonce", "ssecurity"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Rc4,
    Hmac,
    /// JSON in clear over TLS (the Xiaomi Home integration's OAuth API).
    Clear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Good,
    Bad,
    /// The request's path is not known (or nothing to check).
    NotChecked,
}

/// A form body that is a Mi cloud request.
#[derive(Debug, Clone)]
pub struct Request {
    pub mode: Mode,
    pub nonce: String,
    /// The `ssecurity` the client sent in clear (community clients do).
    pub ssecurity: Option<Vec<u8>>,
    pub params: Vec<Param>,
}

/// A request's params decrypted with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// (index into `Request::params`, plaintext) for each decrypted value.
    pub values: Vec<(usize, Vec<u8>)>,
    pub rc4_hash: Check,
    pub signature: Check,
}

/// A Mi cloud request: `_nonce` and `signature` among the params.
pub fn request(params: Vec<Param>) -> Option<Request> {
    let nonce = get(&params, "_nonce")?.value.clone();
    get(&params, "signature")?;
    Some(Request {
        mode: if get(&params, "rc4_hash__").is_some() {
            Mode::Rc4
        } else {
            Mode::Hmac
        },
        ssecurity: get(&params, "ssecurity").and_then(|p| b64(&p.value)),
        nonce,
        params,
    })
}

/// The request decrypted and checked with `key`; `None` when the key is not
/// this request's (RC4 mode: `rc4_hash__` does not decrypt to a hash;
/// older mode: the signature does not verify, when the path is known).
pub fn decrypt(
    req: &Request,
    method: &str,
    path: Option<&str>,
    key: &SignedNonce,
) -> Option<Decrypted> {
    match req.mode {
        Mode::Rc4 => decrypt_rc4(req, method, path, key),
        Mode::Hmac => check_hmac(req, path, key),
        Mode::Clear => None,
    }
}

fn decrypt_rc4(
    req: &Request,
    method: &str,
    path: Option<&str>,
    key: &SignedNonce,
) -> Option<Decrypted> {
    let hash = get(&req.params, "rc4_hash__")?;
    let hash_plain = decrypt_value(key, &hash.value)?;
    if !looks_like_sha1_b64(&hash_plain) {
        return None;
    }
    let mut values = Vec::new();
    for (i, p) in req.params.iter().enumerate() {
        if !CLEAR.contains(&p.name.as_str()) {
            values.push((i, decrypt_value(key, &p.value).unwrap_or_default()));
        }
    }
    let (mut rc4_check, mut sig_check) = (Check::NotChecked, Check::NotChecked);
    if let Some(path) = path {
        // rc4_hash__ covers the plaintext params before it; signature the
        // ciphertext of all the encrypted ones.
        let plain: Vec<(&str, String)> = values
            .iter()
            .map(|(i, v)| {
                (
                    req.params[*i].name.as_str(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .filter(|(n, _)| *n != "rc4_hash__")
            .collect();
        let plain_refs: Vec<(&str, &str)> = plain.iter().map(|(n, v)| (*n, v.as_str())).collect();
        rc4_check = check(rc4_hash(method, path, &plain_refs, key).as_bytes() == hash_plain);
        let sent: Vec<(&str, &str)> = values
            .iter()
            .map(|(i, _)| (req.params[*i].name.as_str(), req.params[*i].value.as_str()))
            .collect();
        let signature = &get(&req.params, "signature")?.value;
        sig_check = check(rc4_hash(method, path, &sent, key) == *signature);
    }
    Some(Decrypted {
        values,
        rc4_hash: rc4_check,
        signature: sig_check,
    })
}

fn check_hmac(req: &Request, path: Option<&str>, key: &SignedNonce) -> Option<Decrypted> {
    let signature = match path {
        None => Check::NotChecked,
        Some(path) => {
            let mut plain: Vec<(&str, &str)> = req
                .params
                .iter()
                .filter(|p| !CLEAR.contains(&p.name.as_str()))
                .map(|p| (p.name.as_str(), p.value.as_str()))
                .collect();
            plain.sort(); // micloud's gen_signature sorts by name
            if hmac_signature(path, key, &req.nonce, &plain) != get(&req.params, "signature")?.value
            {
                return None;
            }
            Check::Good
        }
    };
    Some(Decrypted {
        values: Vec::new(),
        rc4_hash: Check::NotChecked,
        signature,
    })
}

fn check(ok: bool) -> Check {
    if ok {
        Check::Good
    } else {
        Check::Bad
    }
}

/// 20 bytes in base64: 27 characters and one `=`.
fn looks_like_sha1_b64(b: &[u8]) -> bool {
    b.len() == 28
        && b[27] == b'='
        && b[..27]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
