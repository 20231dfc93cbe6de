//! One frame, start to end: classify the header, pick a key, verify the
//! checksum, decrypt. Pure given a key store; the FFI layer adds the global.

use crate::abi::{
    miio_checksum_status as ChecksumStatus, miio_decrypt_status as DecryptStatus,
    miio_frame_kind as FrameKind, miio_length_status as LengthStatus,
};
use crate::crypto::{strip_trailing_nuls, DecryptError};
use crate::frame::{classify, Frame, HEADER_LEN};
use crate::key_store::KeyStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dissection {
    pub frame: Frame,
    pub checksum: ChecksumStatus,
    pub decrypt: DecryptStatus,
    pub ciphertext_len: usize,
    /// Plaintext bytes written to the output buffer, trailing NULs stripped.
    pub plaintext_len: usize,
    /// 1-based key table row used; 0 = none.
    pub key_row: u32,
    pub keys_tried: u32,
}

/// Dissects `captured` (the packet's bytes as captured; `reported_len` its
/// length on the wire) and writes any plaintext into `plaintext`.
pub fn dissect(
    captured: &[u8],
    reported_len: usize,
    keys: &KeyStore,
    plaintext: &mut [u8],
) -> Dissection {
    let frame = classify(captured, reported_len);
    let mut d = Dissection {
        frame,
        checksum: ChecksumStatus::MIIO_CHECKSUM_NOT_PRESENT,
        decrypt: DecryptStatus::MIIO_DECRYPT_NOT_APPLICABLE,
        ciphertext_len: 0,
        plaintext_len: 0,
        key_row: 0,
        keys_tried: 0,
    };
    if frame.kind != FrameKind::MIIO_KIND_DATA {
        return d;
    }

    d.ciphertext_len = usize::from(frame.header.length) - HEADER_LEN;
    d.checksum = ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED;
    if frame.length_status == LengthStatus::MIIO_LENGTH_TRUNCATED {
        d.decrypt = DecryptStatus::MIIO_DECRYPT_TRUNCATED;
        return d;
    }
    // Only the bytes the length field covers are the frame.
    let Some(bytes) = captured.get(..frame.frame_len) else {
        d.decrypt = DecryptStatus::MIIO_DECRYPT_TRUNCATED;
        return d;
    };

    let (choice, tried) = keys.choose(frame.header.device_id, bytes);
    d.keys_tried = tried;
    let Some(choice) = choice else {
        d.decrypt = DecryptStatus::MIIO_DECRYPT_NO_KEY;
        return d;
    };
    d.key_row = choice.entry.row;
    d.checksum = if choice.verified {
        ChecksumStatus::MIIO_CHECKSUM_GOOD
    } else {
        ChecksumStatus::MIIO_CHECKSUM_BAD
    };

    let ciphertext = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    match choice.entry.key.decrypt_into(ciphertext, plaintext) {
        Ok(n) => {
            d.plaintext_len = plaintext.get(..n).map_or(0, strip_trailing_nuls);
            d.decrypt = DecryptStatus::MIIO_DECRYPT_OK;
        }
        Err(DecryptError::BadLength) => d.decrypt = DecryptStatus::MIIO_DECRYPT_BAD_LENGTH,
        Err(DecryptError::BadPadding) => d.decrypt = DecryptStatus::MIIO_DECRYPT_BAD_PADDING,
        // The shim sizes the buffer from the frame; a smaller one is its bug,
        // reported as "not decrypted" rather than a partial plaintext.
        Err(DecryptError::BufferTooSmall) => d.decrypt = DecryptStatus::MIIO_DECRYPT_TRUNCATED,
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{parse_row, RawRow};
    use crate::test_frames::{build_frame, hex, ERROR_REPLY, HELLO_REPLY, INFO_REPLY, INFO_REQUEST, TOKEN};

    fn store() -> KeyStore {
        let raw = RawRow { device_id: "0a1b2c3d", key_type: "token", key: TOKEN, comment: "" };
        KeyStore::new(vec![parse_row(&raw, Some(1)).unwrap()])
    }

    fn run(bytes: &[u8], keys: &KeyStore) -> (Dissection, String) {
        let mut out = vec![0u8; bytes.len()];
        let d = dissect(bytes, bytes.len(), keys, &mut out);
        (d, String::from_utf8_lossy(&out[..d.plaintext_len]).into_owned())
    }

    #[test]
    fn decrypts_request_and_reply_from_capture() {
        let (d, text) = run(&hex(INFO_REQUEST), &store());
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_OK);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_GOOD);
        assert_eq!(d.key_row, 1);
        assert_eq!(text, r#"{"id": 1, "method": "miIO.info", "params": []}"#);

        let (d, text) = run(&hex(INFO_REPLY), &store());
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_OK);
        assert!(text.starts_with(r#"{"id": 1, "result": {"#), "{text}");
        assert!(text.contains(r#""model": "rockrobo.vacuum.v1""#), "{text}");

        let (_, text) = run(&hex(ERROR_REPLY), &store());
        assert!(text.contains("-32601"), "{text}");
    }

    #[test]
    fn no_key() {
        let (d, _) = run(&hex(INFO_REQUEST), &KeyStore::default());
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_NO_KEY);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED);
        assert_eq!(d.ciphertext_len, 48);
    }

    #[test]
    fn hello_has_no_checksum_and_nothing_to_decrypt() {
        let (d, _) = run(&hex(HELLO_REPLY), &store());
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_NOT_PRESENT);
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_NOT_APPLICABLE);
    }

    #[test]
    fn corrupted_ciphertext_reports_bad_checksum() {
        let mut bytes = hex(INFO_REQUEST);
        bytes[40] ^= 0x80;
        let (d, _) = run(&bytes, &store());
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_BAD);
        // Flipping a bit in block 1 garbles blocks 1-2 but padding survives.
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_OK);
    }

    #[test]
    fn ciphertext_not_multiple_of_16() {
        let mut bytes = hex(INFO_REQUEST);
        bytes.truncate(bytes.len() - 1);
        let len = bytes.len() as u16;
        bytes[2..4].copy_from_slice(&len.to_be_bytes());
        let (d, _) = run(&bytes, &store());
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_BAD_LENGTH);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_BAD);
    }

    #[test]
    fn bad_padding_values_are_refused() {
        // Blocks whose last plaintext byte is 0 or 17: not valid PKCS#7.
        for last in [0u8, 17, 0xff] {
            let mut plain = [b' '; 32];
            plain[31] = last;
            let bytes = build_frame(0x0a1b2c3d, 7, TOKEN, &plain, false);
            let (d, _) = run(&bytes, &store());
            assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_GOOD, "pad {last}");
            assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_BAD_PADDING, "pad {last}");
        }
    }

    #[test]
    fn snaplen_truncated_frame_is_not_decrypted() {
        let bytes = hex(INFO_REQUEST);
        let mut out = vec![0u8; bytes.len()];
        let d = dissect(&bytes[..48], bytes.len(), &store(), &mut out);
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_TRUNCATED);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED);
    }

    #[test]
    fn trailing_bytes_are_ignored_by_checksum_and_decryption() {
        let mut bytes = hex(INFO_REQUEST);
        bytes.extend_from_slice(b"junk");
        let (d, text) = run(&bytes, &store());
        assert_eq!(d.frame.length_status, LengthStatus::MIIO_LENGTH_TRAILING_BYTES);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_GOOD);
        assert!(text.contains("miIO.info"));
    }

    #[test]
    fn small_output_buffer_never_overflows() {
        let bytes = hex(INFO_REQUEST);
        let mut out = vec![0u8; 10];
        let d = dissect(&bytes, bytes.len(), &store(), &mut out);
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_TRUNCATED);
        assert_eq!(d.plaintext_len, 0);
    }
}
