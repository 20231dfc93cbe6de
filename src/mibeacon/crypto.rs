//! MiBeacon decryption with a bindkey.
//! - v4/v5: AES-128-CCM, 4-byte MIC, AAD `0x11`, nonce = MAC (as
//!   transmitted, i.e. reversed) ‖ product id and frame counter (as
//!   transmitted) ‖ extended counter (3 bytes).
//! - v2/v3: a 12-byte key expanded to `key[0..6] ‖ 8d3d3c97 ‖ key[6..12]`,
//!   a 13-byte nonce (frame bytes 0..5 ‖ extended counter ‖ the first five
//!   bytes of the reversed MAC); CCM without its tag, so no key can be
//!   proved right or wrong: only the objects' shape can tell.
//!
//! Sources: xiaomi-ble `parser.py` (`_decrypt_mibeacon_v4_v5`,
//! `_decrypt_mibeacon_legacy`), Xiaomi's `mible_beacon.c`.

use aes::Aes128;
use ccm::aead::{AeadInPlace, KeyInit};
use ccm::consts::{U12, U4};
use ccm::Ccm;
use ctr::cipher::{KeyIvInit, StreamCipher};

use crate::mibeacon::frame::Frame;

type Ccm4 = Ccm<Aes128, U4, U12>;
type Ctr = ctr::Ctr128BE<Aes128>;

const AAD: [u8; 1] = [0x11];
const LEGACY_FILL: [u8; 4] = [0x8d, 0x3d, 0x3c, 0x97];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// v4/v5: the MIC does not verify (wrong bindkey or corrupted frame).
    BadMic,
    /// The key's length does not fit the frame's version.
    WrongKeyKind,
    /// The frame is not an encrypted frame with objects.
    NotEncrypted,
}

/// The advertiser's MAC reversed, as the frame transmits it.
fn reversed(mac: &[u8; 6]) -> [u8; 6] {
    let mut r = *mac;
    r.reverse();
    r
}

/// Decrypts `frame` (parsed from `data`) sent by `mac` (display order: the
/// frame's own MAC when it carries one) with `key` (16 bytes for v4/v5, 12
/// for v2/v3).
pub fn decrypt(
    data: &[u8],
    frame: &Frame,
    mac: &[u8; 6],
    key: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let ext = frame.ext_counter.clone().ok_or(CryptoError::NotEncrypted)?;
    let mut plain = data[frame.body.clone()].to_vec();
    let mac_tx = reversed(mac);
    if frame.legacy() {
        let key: &[u8; 12] = key.try_into().map_err(|_| CryptoError::WrongKeyKind)?;
        let mut full = [0u8; 16];
        full[..6].copy_from_slice(&key[..6]);
        full[6..10].copy_from_slice(&LEGACY_FILL);
        full[10..].copy_from_slice(&key[6..]);
        // CCM's counter blocks: flags (L - 1 = 1) ‖ nonce(13) ‖ counter(2),
        // the payload from counter 1.
        let mut iv = [0u8; 16];
        iv[0] = 0x01;
        iv[1..6].copy_from_slice(&data[..5]);
        iv[6..9].copy_from_slice(&data[ext]);
        iv[9..14].copy_from_slice(&mac_tx[..5]);
        iv[15] = 1;
        Ctr::new(&full.into(), &iv.into()).apply_keystream(&mut plain);
        return Ok(plain);
    }
    let key: &[u8; 16] = key.try_into().map_err(|_| CryptoError::WrongKeyKind)?;
    let mic = frame.mic.clone().ok_or(CryptoError::NotEncrypted)?;
    let mut nonce = [0u8; 12];
    nonce[..6].copy_from_slice(&mac_tx);
    nonce[6..9].copy_from_slice(&data[2..5]);
    nonce[9..].copy_from_slice(&data[ext]);
    let cipher = Ccm4::new(key.into());
    cipher
        .decrypt_in_place_detached(&nonce.into(), &AAD, &mut plain, data[mic].into())
        .map_err(|_| CryptoError::BadMic)?;
    Ok(plain)
}
