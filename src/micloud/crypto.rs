//! The Mi Home cloud API's cryptography, as Xiaomi's app and the community
//! clients (micloud 0.6 `miutils.py`, Xiaomi-cloud-tokens-extractor,
//! hass-xiaomi-miot) use it:
//! - `signed_nonce` = SHA-256(b64dec(ssecurity) ‖ b64dec(_nonce)), sent and
//!   hashed as base64; its 32 raw bytes are the RC4 key;
//! - RC4 with the first 1024 keystream bytes dropped, a fresh cipher for
//!   every value, base64 on the wire;
//! - `rc4_hash__` / `signature` = base64(SHA-1(`POST&<path>&k=v&…&<signed_nonce>`))
//!   over the plaintext / the encrypted params (path without its `/app`);
//! - the older mode's `signature` = base64(HMAC-SHA256(b64dec(signed_nonce),
//!   `<path>&<signed_nonce>&<nonce>&k=v&…`)) over plaintext params.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hmac::{Hmac, Mac};
use rc4::{KeyInit, Rc4, StreamCipher};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The RC4 key of one request and its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNonce {
    pub raw: [u8; 32],
    /// As the hashes use it: base64 of `raw`.
    pub text: String,
}

/// Base64 read as Python's `b64decode` reads it (the clients' and the
/// server's): trailing bits and missing padding allowed.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub fn b64(text: &str) -> Option<Vec<u8>> {
    LENIENT.decode(text.trim()).ok()
}

/// `None` when either is not base64.
pub fn signed_nonce(ssecurity: &[u8], nonce_b64: &str) -> Option<SignedNonce> {
    let nonce = b64(nonce_b64)?;
    let mut h = Sha256::new();
    h.update(ssecurity);
    h.update(&nonce);
    let raw: [u8; 32] = h.finalize().into();
    Some(SignedNonce {
        text: STANDARD.encode(raw),
        raw,
    })
}

/// RC4-drop1024 of `data` (encrypting and decrypting are the same).
pub fn rc4_drop1024(key: &[u8; 32], data: &[u8]) -> Vec<u8> {
    let mut cipher = Rc4::new(key.into());
    let mut drop = [0u8; 1024];
    cipher.apply_keystream(&mut drop);
    let mut out = data.to_vec();
    cipher.apply_keystream(&mut out);
    out
}

/// A base64 value decrypted; `None` when it is not base64.
pub fn decrypt_value(key: &SignedNonce, value_b64: &str) -> Option<Vec<u8>> {
    Some(rc4_drop1024(&key.raw, &b64(value_b64)?))
}

/// The path as the RC4 hashes use it: `/app/home/x` → `/home/x`.
pub fn hash_path(path: &str) -> &str {
    path.strip_prefix("/app")
        .filter(|p| p.starts_with('/'))
        .unwrap_or(path)
}

/// `rc4_hash__` or `signature`: base64(SHA-1(`METHOD&path&k=v&…&signed_nonce`)).
pub fn rc4_hash(method: &str, path: &str, params: &[(&str, &str)], key: &SignedNonce) -> String {
    let mut h = Sha1::new();
    h.update(method.to_ascii_uppercase().as_bytes());
    h.update(b"&");
    h.update(hash_path(path).as_bytes());
    for (k, v) in params {
        h.update(b"&");
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
    }
    h.update(b"&");
    h.update(key.text.as_bytes());
    STANDARD.encode(h.finalize())
}

/// The older mode's HMAC-SHA256 `signature` over plaintext params.
pub fn hmac_signature(
    path: &str,
    key: &SignedNonce,
    nonce: &str,
    params: &[(&str, &str)],
) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key.raw).expect("HMAC takes any key length");
    m.update(path.as_bytes());
    m.update(b"&");
    m.update(key.text.as_bytes());
    m.update(b"&");
    m.update(nonce.as_bytes());
    for (k, v) in params {
        m.update(b"&");
        m.update(k.as_bytes());
        m.update(b"=");
        m.update(v.as_bytes());
    }
    STANDARD.encode(m.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    // What micloud 0.6's own functions (`signed_nonce`,
    // `generate_enc_params`, `gen_signature`, `encrypt_rc4`) give for this
    // ssecurity, nonce and request (PyPI micloud 0.6, 2026-12-03).
    const SSECURITY: &str = "gH4pK8sE1rT6wQ2zX9cV3b==";
    const NONCE: &str = "q8mQzU1bR0kBrC7+";
    const PATH: &str = "/app/home/device_list";
    const DATA: &str = r#"{"getVirtualModel": true, "getHuamiDevices": 1}"#;
    const SIGNED_NONCE: &str = "wDuoFToUQ1bFo3UY4VkomA1t6l3Ka32lEV0povOyFUM=";
    const ENC_DATA: &str = "a+zU3SALxbzZBOmYJNTpE02SLRw7tcwexbCQVSSrb7/nG1hNoarp2cduVexCVM0=";
    const ENC_RC4_HASH: &str = "SorElzhllY3MNsuVXcHZJGrDdFY2jvcIm8bZDw==";
    const SIGNATURE: &str = "Xq+lp/X2oHpGJDcViE032YrpJ3o=";
    const HMAC_SIGNATURE: &str = "AGBThDE53z+f/AUi97wLcy3F7SozyRINAs4bpua9q1s=";
    const RESPONSE: &str = "a+zQ1zA4jvSdXaqZDMj+F0bVNQZtqNJZxbLAVzKqS76kTEorqLXzzoAnLIsfGA==";

    fn key() -> SignedNonce {
        signed_nonce(&b64(SSECURITY).unwrap(), NONCE).unwrap()
    }

    #[test]
    fn micloud_request_and_response() {
        let key = key();
        assert_eq!(key.text, SIGNED_NONCE);
        assert_eq!(decrypt_value(&key, ENC_DATA).unwrap(), DATA.as_bytes());
        let hash = String::from_utf8(decrypt_value(&key, ENC_RC4_HASH).unwrap()).unwrap();
        assert_eq!(hash, rc4_hash("POST", PATH, &[("data", DATA)], &key));
        let encrypted = [("data", ENC_DATA), ("rc4_hash__", ENC_RC4_HASH)];
        assert_eq!(rc4_hash("post", PATH, &encrypted, &key), SIGNATURE);
        assert_eq!(
            decrypt_value(&key, RESPONSE).unwrap(),
            br#"{"code":0,"message":"ok","result":{"list":[]}}"#
        );
    }

    #[test]
    fn micloud_hmac_signature() {
        assert_eq!(
            hmac_signature(PATH, &key(), NONCE, &[("data", DATA)]),
            HMAC_SIGNATURE
        );
    }

    #[test]
    fn rc4_drop1024_round_trips_and_drops() {
        let key = [7u8; 32];
        let c = rc4_drop1024(&key, b"{\"getVirtualModel\":false}");
        assert_ne!(&c[..], b"{\"getVirtualModel\":false}");
        assert_eq!(rc4_drop1024(&key, &c), b"{\"getVirtualModel\":false}");
        // Dropped: not plain RC4's first bytes.
        let mut plain = Rc4::new((&key).into());
        let mut first = [0u8; 4];
        plain.apply_keystream(&mut first);
        assert_ne!(&rc4_drop1024(&key, &[0; 4])[..], &first[..]);
    }

    #[test]
    fn paths_and_bad_base64() {
        assert_eq!(hash_path("/app/home/device_list"), "/home/device_list");
        assert_eq!(hash_path("/home/device_list"), "/home/device_list");
        assert_eq!(hash_path("/application"), "/application");
        assert!(signed_nonce(b"k", "not base64!").is_none());
        let key = signed_nonce(&b64(SSECURITY).unwrap(), "AAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(key.text.len(), 44);
        assert!(decrypt_value(&key, "%%%").is_none());
    }
}
