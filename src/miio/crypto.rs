//! miIO cryptography: key derivation, the MD5 frame checksum and
//! AES-128-CBC decryption. All primitives come from RustCrypto.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use md5::{Digest, Md5};

use crate::miio::frame::HEADER_LEN;

type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

pub const TOKEN_LEN: usize = 16;
const BLOCK_LEN: usize = 16;

/// A device token (or cloud key) with its AES key and IV derived once:
/// key = MD5(token), IV = MD5(key ‖ token).
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceKey {
    token: [u8; TOKEN_LEN],
    aes_key: [u8; 16],
    iv: [u8; 16],
}

// Keys never appear in logs or debug output.
impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey(..)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptError {
    /// Ciphertext is empty or not a whole number of AES blocks.
    BadLength,
    /// PKCS#7 padding is invalid: wrong key or corrupted ciphertext.
    BadPadding,
    /// The output buffer cannot hold the ciphertext.
    BufferTooSmall,
}

impl DeviceKey {
    pub fn new(token: [u8; TOKEN_LEN]) -> DeviceKey {
        let aes_key: [u8; 16] = Md5::digest(token).into();
        let iv: [u8; 16] = Md5::new()
            .chain_update(aes_key)
            .chain_update(token)
            .finalize()
            .into();
        DeviceKey { token, aes_key, iv }
    }

    pub fn token(&self) -> &[u8; TOKEN_LEN] {
        &self.token
    }

    /// MD5(header bytes 0..15 ‖ token ‖ ciphertext): what bytes 16..31 of a
    /// data frame must hold.
    pub fn checksum(&self, frame: &[u8]) -> [u8; 16] {
        let head = frame.get(..16).unwrap_or(frame);
        let body = frame.get(HEADER_LEN..).unwrap_or(&[]);
        Md5::new()
            .chain_update(head)
            .chain_update(self.token)
            .chain_update(body)
            .finalize()
            .into()
    }

    /// True when `frame` (header + ciphertext) carries this key's checksum.
    pub fn verifies(&self, frame: &[u8]) -> bool {
        match frame.get(16..HEADER_LEN) {
            Some(stored) => stored == self.checksum(frame).as_slice(),
            None => false,
        }
    }

    /// Decrypts `ciphertext` into `out` and returns the plaintext length
    /// (PKCS#7 padding removed; trailing NULs are the caller's business).
    pub fn decrypt_into(&self, ciphertext: &[u8], out: &mut [u8]) -> Result<usize, DecryptError> {
        if ciphertext.is_empty() || ciphertext.len() % BLOCK_LEN != 0 {
            return Err(DecryptError::BadLength);
        }
        let buf = out
            .get_mut(..ciphertext.len())
            .ok_or(DecryptError::BufferTooSmall)?;
        buf.copy_from_slice(ciphertext);
        let plain = Aes128CbcDec::new(&self.aes_key.into(), &self.iv.into())
            .decrypt_padded_mut::<Pkcs7>(buf)
            .map_err(|_| DecryptError::BadPadding)?;
        Ok(plain.len())
    }
}

/// Length of `plain` without its trailing NUL bytes (devices end JSON with one).
pub fn strip_trailing_nuls(plain: &[u8]) -> usize {
    plain.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::miio::test_frames::{hex, INFO_REQUEST, TOKEN};

    fn capture_key() -> DeviceKey {
        DeviceKey::new(hex(TOKEN).try_into().unwrap())
    }

    #[test]
    fn derivation_matches_protocol_notes_vector() {
        let k = DeviceKey::new([0u8; 16]);
        assert_eq!(k.aes_key.to_vec(), hex("4ae71336e44bf9bf79d2752e234818a5"));
        assert_eq!(k.iv.to_vec(), hex("1e38275872be38346a6f072771a7f58b"));
    }

    #[test]
    fn checksum_of_captured_frame_verifies() {
        let frame = hex(INFO_REQUEST);
        assert!(capture_key().verifies(&frame));
        assert!(!DeviceKey::new([0u8; 16]).verifies(&frame));
    }

    #[test]
    fn corrupted_frame_fails_checksum() {
        let mut frame = hex(INFO_REQUEST);
        let last = frame.len() - 1;
        frame[last] ^= 1;
        assert!(!capture_key().verifies(&frame));
    }

    #[test]
    fn decrypts_captured_request() {
        let frame = hex(INFO_REQUEST);
        let mut out = vec![0u8; frame.len()];
        let n = capture_key().decrypt_into(&frame[32..], &mut out).unwrap();
        let text = &out[..strip_trailing_nuls(&out[..n])];
        assert_eq!(
            std::str::from_utf8(text).unwrap(),
            r#"{"id": 1, "method": "miIO.info", "params": []}"#
        );
    }

    #[test]
    fn ciphertext_not_a_block_multiple() {
        let mut out = [0u8; 64];
        assert_eq!(
            capture_key().decrypt_into(&[0u8; 17], &mut out),
            Err(DecryptError::BadLength)
        );
        assert_eq!(
            capture_key().decrypt_into(&[], &mut out),
            Err(DecryptError::BadLength)
        );
    }

    #[test]
    fn wrong_key_gives_bad_padding_or_garbage_never_panics() {
        let frame = hex(INFO_REQUEST);
        let mut out = vec![0u8; 64];
        // With the all-zero key the last block's padding is almost surely invalid.
        let r = DeviceKey::new([0u8; 16]).decrypt_into(&frame[32..], &mut out);
        assert_eq!(r, Err(DecryptError::BadPadding));
    }

    #[test]
    fn output_buffer_too_small() {
        let frame = hex(INFO_REQUEST);
        let mut out = [0u8; 8];
        assert_eq!(
            capture_key().decrypt_into(&frame[32..], &mut out),
            Err(DecryptError::BufferTooSmall)
        );
    }

    #[test]
    fn strips_only_trailing_nuls() {
        assert_eq!(strip_trailing_nuls(b"{}\0\0"), 2);
        assert_eq!(strip_trailing_nuls(b"a\0b"), 3);
        assert_eq!(strip_trailing_nuls(b"\0\0"), 0);
        assert_eq!(strip_trailing_nuls(b""), 0);
    }

    #[test]
    fn debug_output_hides_the_key() {
        assert_eq!(format!("{:?}", capture_key()), "DeviceKey(..)");
    }
}
