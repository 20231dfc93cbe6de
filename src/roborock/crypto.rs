//! Roborock payload crypto, one function a version (python-roborock's
//! `roborock/protocol.py` is the reference): `1.0` AES-128-ECB under
//! MD5(encode_timestamp(ts) ‖ local key ‖ salt); `A01`/`B01` AES-128-CBC
//! under the local key with an IV from `random`; `L01` AES-256-GCM under
//! SHA-256(encode_timestamp(ts) ‖ local key ‖ salt), nonce and AAD from the
//! header and the session's hello nonces. Map responses: AES-128-CBC under
//! the request's `security.nonce`, zero IV, then gzip.

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyInit, KeyIvInit};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use md5::{Digest, Md5};
use sha2::Sha256;

use super::frame::Header;

pub const LOCAL_KEY_LEN: usize = 16;
pub type LocalKey = [u8; LOCAL_KEY_LEN];

const SALT: &[u8] = b"TXdfu$jyZ#TZHsg4";
const A01_HASH: &str = "726f626f726f636b2d67a6d6da";
const B01_HASH: &str = "5wwh9ikChRjASpMU8cxg7o1d2E";
/// python-roborock's key for `1.0` discovery broadcasts.
pub const BROADCAST_KEY: &LocalKey = b"qWKYcdQWrbm9hPqe";
const TAG_LEN: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// Not a whole number of AES blocks (or shorter than a GCM tag).
    BadLength,
    /// PKCS#7 padding invalid: the wrong key or a corrupted payload.
    BadPadding,
    /// The GCM tag does not verify: the wrong key, wrong hello nonces or a
    /// corrupted payload.
    BadTag,
}

/// The hello nonces of an `L01` session: the `random` of the client's
/// hello request and of the device's hello response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Nonces {
    pub connect: u32,
    /// `None` for the hello response itself, whose AAD leaves it out.
    pub ack: Option<u32>,
}

/// `f"{ts:x}".zfill(8)` with its characters taken at 5, 6, 3, 7, 1, 2, 0, 4.
pub fn encode_timestamp(ts: u32) -> [u8; 8] {
    let hex = format!("{ts:08x}").into_bytes();
    [5, 6, 3, 7, 1, 2, 0, 4].map(|i| hex[i])
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Removes PKCS#7 padding.
pub fn unpad(data: &[u8]) -> Result<&[u8], CryptoError> {
    let n = usize::from(*data.last().ok_or(CryptoError::BadPadding)?);
    if n == 0 || n > 16 || n > data.len() || !data[data.len() - n..].iter().all(|&b| b == n as u8) {
        return Err(CryptoError::BadPadding);
    }
    Ok(&data[..data.len() - n])
}

fn whole_blocks(ciphertext: &[u8]) -> Result<(), CryptoError> {
    if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
        Err(CryptoError::BadLength)
    } else {
        Ok(())
    }
}

fn ecb_decrypt(key: &LocalKey, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    whole_blocks(ciphertext)?;
    let mut buf = ciphertext.to_vec();
    ecb::Decryptor::<aes::Aes128>::new(key.into())
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| CryptoError::BadLength)?;
    Ok(buf)
}

fn cbc_decrypt(key: &[u8; 16], iv: &[u8; 16], ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    whole_blocks(ciphertext)?;
    let mut buf = ciphertext.to_vec();
    cbc::Decryptor::<aes::Aes128>::new(key.into(), iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| CryptoError::BadLength)?;
    Ok(buf)
}

/// The IV of `A01` and `B01`: 16 characters of an MD5 hex digest.
fn text_iv(random: u32, hash: &str, from: usize) -> [u8; 16] {
    let hex = md5_hex(&format!("{random:08x}{hash}"));
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&hex.as_bytes()[from..from + 16]);
    iv
}

/// Decrypts a frame's payload; the result has its padding removed (`B01`
/// requests may carry a second PKCS#7 layer, which is left to the reader).
pub fn decrypt(
    header: &Header,
    key: &LocalKey,
    nonces: Option<Nonces>,
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    use super::frame::Version::*;
    let mut plain = match header.version {
        V1 => {
            let mut md5 = Md5::new();
            md5.update(encode_timestamp(header.timestamp));
            md5.update(key);
            md5.update(SALT);
            ecb_decrypt(&md5.finalize().into(), ciphertext)?
        }
        A01 => cbc_decrypt(key, &text_iv(header.random, A01_HASH, 8), ciphertext)?,
        B01 => cbc_decrypt(key, &text_iv(header.random, B01_HASH, 9), ciphertext)?,
        L01 => return gcm_decrypt(header, key, nonces.unwrap_or_default(), ciphertext),
    };
    let n = unpad(&plain)?.len();
    plain.truncate(n);
    Ok(plain)
}

fn gcm_decrypt(
    h: &Header,
    key: &LocalKey,
    nonces: Nonces,
    payload: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if payload.len() < TAG_LEN {
        return Err(CryptoError::BadLength);
    }
    let mut sha = Sha256::new();
    sha.update(encode_timestamp(h.timestamp));
    sha.update(key);
    sha.update(SALT);
    let cipher_key: [u8; 32] = sha.finalize().into();
    let mut iv_input = Vec::with_capacity(12);
    for v in [h.seq, h.random, h.timestamp] {
        iv_input.extend_from_slice(&v.to_be_bytes());
    }
    let iv = Sha256::digest(&iv_input);
    let mut aad = Vec::with_capacity(20);
    aad.extend_from_slice(&h.seq.to_be_bytes());
    aad.extend_from_slice(&nonces.connect.to_be_bytes());
    if let Some(ack) = nonces.ack {
        aad.extend_from_slice(&ack.to_be_bytes());
    }
    aad.extend_from_slice(&h.random.to_be_bytes());
    aad.extend_from_slice(&h.timestamp.to_be_bytes());
    Aes256Gcm::new((&cipher_key).into())
        .decrypt(
            Nonce::from_slice(&iv[..12]),
            Payload {
                msg: payload,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::BadTag)
}

/// A `1.0` discovery broadcast: ECB under the fixed broadcast key.
pub fn decrypt_broadcast_v1(ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut plain = ecb_decrypt(BROADCAST_KEY, ciphertext)?;
    let n = unpad(&plain)?.len();
    plain.truncate(n);
    Ok(plain)
}

/// An `L01` discovery broadcast: GCM under SHA-256 of the broadcast key,
/// nonce from the datagram's first 9 bytes, no AAD.
pub fn decrypt_broadcast_l01(first9: &[u8], payload: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if payload.len() < TAG_LEN {
        return Err(CryptoError::BadLength);
    }
    let key: [u8; 32] = Sha256::digest(BROADCAST_KEY).into();
    let iv = Sha256::digest(first9);
    Aes256Gcm::new((&key).into())
        .decrypt(Nonce::from_slice(&iv[..12]), payload)
        .map_err(|_| CryptoError::BadTag)
}

/// A map response's body: AES-128-CBC under the request's nonce, zero IV.
pub fn decrypt_map(nonce: &[u8; 16], body: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut plain = cbc_decrypt(nonce, &[0; 16], body)?;
    let n = unpad(&plain)?.len();
    plain.truncate(n);
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_encoding_matches_the_reference() {
        // roborock.md: 0x68a6a223 -> "22638a6a".
        assert_eq!(&encode_timestamp(0x68a6_a223), b"22638a6a");
    }

    #[test]
    fn padding() {
        assert_eq!(unpad(b"ab\x02\x02"), Ok(&b"ab"[..]));
        assert_eq!(unpad(b"ab\x00"), Err(CryptoError::BadPadding));
        assert_eq!(unpad(b"ab\x03\x02"), Err(CryptoError::BadPadding));
        assert_eq!(unpad(b""), Err(CryptoError::BadPadding));
    }
}
