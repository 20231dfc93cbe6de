//! One frame, start to end: classify the header, choose a key, verify the
//! checksum, decrypt, read the JSON, and (on the first pass) record what the
//! frame teaches the rest of the capture. Pure given the state passed in.

use crate::abi::{
    miio_checksum_status as ChecksumStatus, miio_decrypt_status as DecryptStatus,
    miio_frame_kind as FrameKind, miio_length_status as LengthStatus,
};
use crate::crypto::{strip_trailing_nuls, DecryptError};
use crate::frame::{classify, Frame, HEADER_LEN};
use crate::key_store::{KeyChoice, KeyOrigin};
use crate::payload::{self, Payload, PayloadKind, Revealer};
use crate::session::{CloudShortFrame, FrameId, FrameRecord, Seen};
use crate::state::DissectorState;

/// Where a frame sits in the capture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameContext {
    pub number: u32,
    /// Place among the miIO frames of this packet (TCP may carry several).
    pub pdu: u32,
    /// The frame travels to or from the cloud (TCP, UDP 8053).
    pub cloud: bool,
    /// True on the second and later passes over this frame.
    pub visited: bool,
    /// Conversation (addresses and ports) the frame belongs to.
    pub conversation: u32,
    /// Absolute time, nanoseconds.
    pub time_ns: i128,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissection {
    pub frame: Frame,
    pub checksum: ChecksumStatus,
    pub decrypt: DecryptStatus,
    pub ciphertext_len: usize,
    /// Plaintext bytes written to the output buffer, trailing NULs stripped.
    pub plaintext_len: usize,
    pub keys_tried: u32,
    /// Where the key used for this frame came from.
    pub key_origin: Option<KeyOrigin>,
    pub payload: Option<Payload>,
    /// Invalid JSON made valid: what was repaired, and where the repaired
    /// text was written in the plaintext buffer (offset, length).
    pub repair: Option<(&'static str, usize, usize)>,
    pub record: FrameRecord,
}

impl FrameContext {
    fn id(&self) -> FrameId {
        (self.number, self.pdu)
    }
}

/// Dissects `captured` (the packet's bytes as captured; `reported_len` its
/// length on the wire) and writes any plaintext into `plaintext`.
pub fn dissect(
    captured: &[u8],
    reported_len: usize,
    ctx: &FrameContext,
    state: &mut DissectorState,
    plaintext: &mut [u8],
) -> Dissection {
    let frame = classify(captured, reported_len);
    let first_pass = !ctx.visited;
    let mut record = if first_pass {
        FrameRecord::default()
    } else {
        state.session.record(ctx.id()).unwrap_or_default()
    };
    let mut d = Dissection {
        frame,
        checksum: ChecksumStatus::MIIO_CHECKSUM_NOT_PRESENT,
        decrypt: DecryptStatus::MIIO_DECRYPT_NOT_APPLICABLE,
        ciphertext_len: 0,
        plaintext_len: 0,
        keys_tried: 0,
        key_origin: None,
        payload: None,
        repair: None,
        record: FrameRecord::default(),
    };
    let header = frame.header;

    // On a cloud connection a 32-byte frame is a time sync or a keep-alive,
    // never a hello reply (whose bytes 16..31 could pass for a token).
    let short = matches!(
        frame.kind,
        FrameKind::MIIO_KIND_HELLO_REPLY | FrameKind::MIIO_KIND_HELLO_REPLY_TOKEN
    );
    if short && first_pass && (ctx.cloud || state.session.is_cloud(ctx.conversation)) {
        if let Some(bytes) = captured
            .get(..HEADER_LEN)
            .and_then(|b| <&[u8; 32]>::try_from(b).ok())
        {
            record.cloud_short = Some(state.session.cloud_short_frame(ctx.conversation, bytes));
        }
    }
    if let Some(cloud_short) = record.cloud_short {
        d.frame.kind = match cloud_short {
            CloudShortFrame::TimeSync => FrameKind::MIIO_KIND_TIME_SYNC,
            CloudShortFrame::KeepAlive { .. } => FrameKind::MIIO_KIND_KEEPALIVE,
        };
    }

    match d.frame.kind {
        FrameKind::MIIO_KIND_MALFORMED
        | FrameKind::MIIO_KIND_HELLO_REQUEST
        | FrameKind::MIIO_KIND_TIME_SYNC
        | FrameKind::MIIO_KIND_KEEPALIVE => {}
        FrameKind::MIIO_KIND_CLOUD_HELLO => {
            if first_pass {
                state.session.cloud_hello(ctx.conversation);
            }
        }
        FrameKind::MIIO_KIND_HELLO_REPLY => {
            if first_pass {
                record.stamp_delta = state.session.stamp_delta(header.device_id, header.stamp);
            }
        }
        FrameKind::MIIO_KIND_HELLO_REPLY_TOKEN => {
            if first_pass {
                record.stamp_delta = state.session.stamp_delta(header.device_id, header.stamp);
                let origin = KeyOrigin::HelloReply(ctx.number);
                if state.keys.learn(header.device_id, header.checksum, origin) {
                    record.taught = Some(origin);
                }
            }
        }
        FrameKind::MIIO_KIND_DATA => {
            if first_pass {
                record.stamp_delta = state.session.stamp_delta(header.device_id, header.stamp);
            }
            decrypt_data(captured, ctx, state, plaintext, &mut d, &mut record);
        }
    }

    if first_pass {
        state.session.store(ctx.id(), record);
    }
    d.record = record;
    d
}

fn decrypt_data(
    captured: &[u8],
    ctx: &FrameContext,
    state: &mut DissectorState,
    plaintext: &mut [u8],
    d: &mut Dissection,
    record: &mut FrameRecord,
) {
    let header = d.frame.header;
    d.ciphertext_len = usize::from(header.length) - HEADER_LEN;
    d.checksum = ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED;
    // Only the bytes the length field covers are the frame.
    let bytes = match captured.get(..d.frame.frame_len) {
        Some(b) if d.frame.length_status != LengthStatus::MIIO_LENGTH_TRUNCATED => b,
        _ => {
            d.decrypt = DecryptStatus::MIIO_DECRYPT_TRUNCATED;
            return;
        }
    };

    // A later pass reuses the first pass's key; a frame that had none then
    // may decrypt now with a key learned further on.
    let recorded = record.key.filter(|_| ctx.visited).and_then(|r| {
        let key = state.keys.get(r)?;
        Some(KeyChoice {
            key: r,
            verified: key.key.verifies(bytes),
        })
    });
    let choice = match recorded {
        Some(choice) => Some(choice),
        None => {
            let (choice, tried) = state.keys.choose(header.device_id, bytes);
            d.keys_tried = tried;
            choice
        }
    };
    let Some(choice) = choice else {
        d.decrypt = DecryptStatus::MIIO_DECRYPT_NO_KEY;
        return;
    };
    let Some(known) = state.keys.get(choice.key) else {
        d.decrypt = DecryptStatus::MIIO_DECRYPT_NO_KEY;
        return;
    };
    record.key = Some(choice.key);
    d.key_origin = Some(known.origin);
    d.checksum = if choice.verified {
        ChecksumStatus::MIIO_CHECKSUM_GOOD
    } else {
        ChecksumStatus::MIIO_CHECKSUM_BAD
    };

    let ciphertext = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    let n = match known.key.decrypt_into(ciphertext, plaintext) {
        Ok(n) => n,
        Err(e) => {
            d.decrypt = match e {
                DecryptError::BadLength => DecryptStatus::MIIO_DECRYPT_BAD_LENGTH,
                DecryptError::BadPadding => DecryptStatus::MIIO_DECRYPT_BAD_PADDING,
                // The shim sizes the buffer from the frame; a smaller one is
                // its bug, reported as "not decrypted", never a partial text.
                DecryptError::BufferTooSmall => DecryptStatus::MIIO_DECRYPT_TRUNCATED,
            };
            return;
        }
    };
    d.decrypt = DecryptStatus::MIIO_DECRYPT_OK;
    d.plaintext_len = plaintext.get(..n).map_or(0, strip_trailing_nuls);
    let (mut payload, repair) =
        payload::read_repairing(plaintext.get(..d.plaintext_len).unwrap_or(&[]));
    if let Some(repair) = repair {
        // The repaired text goes after the decrypted bytes; without room for
        // it the payload is shown as not JSON rather than half repaired.
        match plaintext.get_mut(n..n + repair.text.len()) {
            Some(room) => {
                room.copy_from_slice(&repair.text);
                d.repair = Some((repair.name, n, repair.text.len()));
            }
            None => payload = Payload::not_json(payload.utf8),
        }
    }
    if !ctx.visited {
        link(ctx, header.device_id, &payload, state, record);
    }
    d.payload = Some(payload);
}

/// First pass: what a decrypted payload tells the rest of the capture.
fn link(
    ctx: &FrameContext,
    device_id: u32,
    payload: &Payload,
    state: &mut DissectorState,
    record: &mut FrameRecord,
) {
    if let Some((token, via)) = payload.revealed_token {
        let origin = match via {
            Revealer::InfoReply => KeyOrigin::InfoReply(ctx.number),
            Revealer::OtcInfo => KeyOrigin::OtcInfo(ctx.number),
        };
        if state.keys.learn(device_id, token, origin) {
            record.taught = Some(origin);
        }
    }
    let Some((id, _)) = payload.id else { return };
    let seen = Seen {
        frame: ctx.id(),
        time_ns: ctx.time_ns,
        conversation: ctx.conversation,
        device_id,
        id,
    };
    match payload.kind {
        PayloadKind::Request => {
            record.retry_of = state.session.request(&seen, payload.request_signature());
        }
        PayloadKind::Reply | PayloadKind::ErrorReply => {
            state.session.reply(&seen, record);
        }
        PayloadKind::NotJson | PayloadKind::OtherJson => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{parse_row, RawRow};
    use crate::test_frames::{
        build_frame, hex, ERROR_REPLY, HELLO_REPLY, INFO_REPLY, INFO_REQUEST, TOKEN,
    };

    /// A state whose key table has one row.
    fn state_with(device_id: &str, key_type: &str, key: &str) -> DissectorState {
        let raw = RawRow {
            device_id,
            key_type,
            key,
            comment: "",
        };
        let mut state = DissectorState::default();
        state
            .keys
            .set_table_keys(vec![parse_row(&raw, Some(1)).unwrap()]);
        state
    }

    fn state_with_key() -> DissectorState {
        state_with("0a1b2c3d", "token", TOKEN)
    }

    fn ctx(number: u32, visited: bool) -> FrameContext {
        FrameContext {
            number,
            pdu: 0,
            cloud: false,
            visited,
            conversation: 1,
            time_ns: i128::from(number) * 1_000_000,
        }
    }

    fn run_at(bytes: &[u8], c: FrameContext, state: &mut DissectorState) -> (Dissection, String) {
        let mut out = vec![0u8; bytes.len()];
        let d = dissect(bytes, bytes.len(), &c, state, &mut out);
        let text = String::from_utf8_lossy(&out[..d.plaintext_len]).into_owned();
        (d, text)
    }

    fn run(bytes: &[u8], state: &mut DissectorState) -> (Dissection, String) {
        run_at(bytes, ctx(1, false), state)
    }

    #[test]
    fn decrypts_request_and_reply_from_capture() {
        let mut state = state_with_key();
        let (d, text) = run(&hex(INFO_REQUEST), &mut state);
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_OK);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_GOOD);
        assert_eq!(d.key_origin, Some(KeyOrigin::TableRow(1)));
        assert_eq!(text, r#"{"id": 1, "method": "miIO.info", "params": []}"#);
        assert_eq!(d.payload.unwrap().summary, "miIO.info id=1");

        let (d, text) = run(&hex(INFO_REPLY), &mut state);
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_OK);
        assert!(text.starts_with(r#"{"id": 1, "result": {"#), "{text}");
        assert!(text.contains(r#""model": "rockrobo.vacuum.v1""#), "{text}");

        let (d, text) = run(&hex(ERROR_REPLY), &mut state);
        assert!(text.contains("-32601"), "{text}");
        assert_eq!(d.payload.unwrap().error_code.unwrap().0, -32601);
    }

    #[test]
    fn no_key() {
        let (d, _) = run(&hex(INFO_REQUEST), &mut DissectorState::default());
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_NO_KEY);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED);
        assert_eq!(d.ciphertext_len, 48);
    }

    #[test]
    fn hello_has_no_checksum_and_nothing_to_decrypt() {
        let (d, _) = run(&hex(HELLO_REPLY), &mut state_with_key());
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_NOT_PRESENT);
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_NOT_APPLICABLE);
    }

    #[test]
    fn corrupted_ciphertext_reports_bad_checksum() {
        let mut bytes = hex(INFO_REQUEST);
        bytes[40] ^= 0x80;
        let (d, _) = run(&bytes, &mut state_with_key());
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_BAD);
        // Flipping a bit in block 0 garbles blocks 0-1 but padding survives.
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_OK);
        assert_eq!(d.payload.unwrap().kind, PayloadKind::NotJson);
    }

    #[test]
    fn ciphertext_not_multiple_of_16() {
        let mut bytes = hex(INFO_REQUEST);
        bytes.truncate(bytes.len() - 1);
        let len = bytes.len() as u16;
        bytes[2..4].copy_from_slice(&len.to_be_bytes());
        let (d, _) = run(&bytes, &mut state_with_key());
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_BAD_LENGTH);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_BAD);
    }

    #[test]
    fn bad_padding_values_are_refused() {
        // Blocks whose last plaintext byte is 0 or over 16: not valid PKCS#7.
        for last in [0u8, 17, 0xff] {
            let mut plain = [b' '; 32];
            plain[31] = last;
            let bytes = build_frame(0x0a1b2c3d, 7, TOKEN, &plain, false);
            let (d, _) = run(&bytes, &mut state_with_key());
            assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_GOOD, "pad {last}");
            assert_eq!(
                d.decrypt,
                DecryptStatus::MIIO_DECRYPT_BAD_PADDING,
                "pad {last}"
            );
        }
    }

    #[test]
    fn snaplen_truncated_frame_is_not_decrypted() {
        let bytes = hex(INFO_REQUEST);
        let mut out = vec![0u8; bytes.len()];
        let d = dissect(
            &bytes[..48],
            bytes.len(),
            &ctx(1, false),
            &mut state_with_key(),
            &mut out,
        );
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_TRUNCATED);
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED);
    }

    #[test]
    fn trailing_bytes_are_ignored_by_checksum_and_decryption() {
        let mut bytes = hex(INFO_REQUEST);
        bytes.extend_from_slice(b"junk");
        let (d, text) = run(&bytes, &mut state_with_key());
        assert_eq!(
            d.frame.length_status,
            LengthStatus::MIIO_LENGTH_TRAILING_BYTES
        );
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_GOOD);
        assert!(text.contains("miIO.info"));
    }

    #[test]
    fn small_output_buffer_never_overflows() {
        let bytes = hex(INFO_REQUEST);
        let mut out = vec![0u8; 10];
        let d = dissect(
            &bytes,
            bytes.len(),
            &ctx(1, false),
            &mut state_with_key(),
            &mut out,
        );
        assert_eq!(d.decrypt, DecryptStatus::MIIO_DECRYPT_TRUNCATED);
        assert_eq!(d.plaintext_len, 0);
    }

    #[test]
    fn hello_reply_token_is_learned_and_decrypts_later_and_earlier_frames() {
        let mut state = DissectorState::default();
        let request = build_frame(
            0x05e6f708,
            10,
            "c0ffee00deadbeef0123456789abcdef",
            br#"{"id":1,"method":"miIO.config_router","params":{"ssid":"x"}}"#,
            true,
        );
        let mut hello = hex(HELLO_REPLY);
        hello[8..12].copy_from_slice(&0x05e6f708u32.to_be_bytes());
        hello[16..32].copy_from_slice(&hex("c0ffee00deadbeef0123456789abcdef"));

        // First pass: frame 1 (a request sent before the hello) has no key yet.
        let (early, _) = run_at(&request, ctx(1, false), &mut state);
        assert_eq!(early.decrypt, DecryptStatus::MIIO_DECRYPT_NO_KEY);
        let (h, _) = run_at(&hello, ctx(2, false), &mut state);
        assert_eq!(h.record.taught, Some(KeyOrigin::HelloReply(2)));
        let (late, text) = run_at(&request, ctx(3, false), &mut state);
        assert_eq!(late.key_origin, Some(KeyOrigin::HelloReply(2)));
        assert!(text.contains("miIO.config_router"));

        // Second pass: frame 1 decrypts too.
        let (again, _) = run_at(&request, ctx(1, true), &mut state);
        assert_eq!(again.decrypt, DecryptStatus::MIIO_DECRYPT_OK);
        assert_eq!(again.key_origin, Some(KeyOrigin::HelloReply(2)));

        state.reset_capture();
        let (after_reset, _) = run_at(&request, ctx(3, false), &mut state);
        assert_eq!(after_reset.decrypt, DecryptStatus::MIIO_DECRYPT_NO_KEY);
    }

    #[test]
    fn info_reply_token_is_learned_for_the_device() {
        let info = br#"{"id":1,"result":{"model":"m","token":"c0ffee00deadbeef0123456789abcdef"}}"#;
        let other = "00112233445566778899aabbccddeeff";
        // The reply is readable with a key for any device (e.g. a cloud key)...
        let mut state = state_with("", "token", other);
        let reply = build_frame(0x05e6f708, 10, other, info, true);
        let (d, _) = run_at(&reply, ctx(8, false), &mut state);
        assert_eq!(d.record.taught, Some(KeyOrigin::InfoReply(8)));
        // ...and reveals the token the device uses for local traffic.
        let local = build_frame(
            0x05e6f708,
            11,
            "c0ffee00deadbeef0123456789abcdef",
            br#"{"id":2,"method":"get_prop","params":[]}"#,
            true,
        );
        let (d, _) = run_at(&local, ctx(9, false), &mut state);
        assert_eq!(d.key_origin, Some(KeyOrigin::InfoReply(8)));
    }

    #[test]
    fn otc_info_to_the_cloud_reveals_the_local_token() {
        let mut state = state_with("", "cloud", "AbCdEfGhIjKlMnOp");
        let cloud_hex = "4162436445664768496a4b6c4d6e4f70"; // the same 16 bytes
        let otc = build_frame(0x05e6f708, 10, cloud_hex, br#"{"id":3,"method":"_otc.info","params":{"token":"c0ffee00deadbeef0123456789abcdef"}}"#, true);
        let mut c = ctx(2, false);
        c.cloud = true;
        let (d, _) = run_at(&otc, c, &mut state);
        assert_eq!(d.record.taught, Some(KeyOrigin::OtcInfo(2)));
        let local = build_frame(
            0x05e6f708,
            11,
            "c0ffee00deadbeef0123456789abcdef",
            br#"{"id":1,"method":"get_prop","params":[]}"#,
            true,
        );
        let (d, text) = run_at(&local, ctx(3, false), &mut state);
        assert_eq!(d.key_origin, Some(KeyOrigin::OtcInfo(2)));
        assert!(text.contains("get_prop"));
    }

    #[test]
    fn cloud_hello_time_sync_and_keepalives() {
        let mut state = DissectorState::default();
        let mut hello = hex("21310020ffffffffffffffff00000000");
        hello.extend_from_slice(&[0; 16]);
        let mut sync = hex("21310020ffffffffffffffff6560c3c0");
        sync.extend_from_slice(&[0xff; 16]);
        let mut keepalive = hex("21310020000000000a1b2c3d00001388");
        keepalive.extend_from_slice(&[0x5a; 16]);
        let kinds: Vec<_> = [&hello, &sync, &keepalive, &keepalive]
            .iter()
            .enumerate()
            .map(|(i, f)| run_at(f, ctx(i as u32 + 1, false), &mut state).0)
            .map(|d| (d.frame.kind, d.record.taught))
            .collect();
        assert_eq!(
            kinds,
            [
                (FrameKind::MIIO_KIND_CLOUD_HELLO, None),
                (FrameKind::MIIO_KIND_TIME_SYNC, None),
                (FrameKind::MIIO_KIND_KEEPALIVE, None),
                (FrameKind::MIIO_KIND_KEEPALIVE, None),
            ],
            "a keep-alive's bytes 16..31 are never learned as a token"
        );
        let (again, _) = run_at(&sync, ctx(2, true), &mut state);
        assert_eq!(
            again.frame.kind,
            FrameKind::MIIO_KIND_TIME_SYNC,
            "second pass agrees"
        );
    }

    #[test]
    fn invalid_json_is_repaired_into_the_buffer_after_the_plaintext() {
        let mut state = state_with_key();
        let quirky = build_frame(
            0x0a1b2c3d,
            9,
            TOKEN,
            br#"{"id":5,"result":["on",,"otu_stat"]}"#,
            true,
        );
        let mut out = vec![0u8; 2 * quirky.len() + 64];
        let d = dissect(&quirky, quirky.len(), &ctx(1, false), &mut state, &mut out);
        let (name, at, len) = d.repair.unwrap();
        assert_eq!(name, "',,' -> ','");
        assert_eq!(
            &out[..d.plaintext_len],
            br#"{"id":5,"result":["on",,"otu_stat"]}"#,
            "exact text kept"
        );
        assert_eq!(
            &out[at..at + len],
            br#"{"id":5,"result":["on","otu_stat"]}"#
        );
        assert_eq!(d.payload.unwrap().summary, "reply id=5 ok");

        // No room for the repaired copy: shown as not JSON, never half repaired.
        let mut small = vec![0u8; quirky.len() - 32];
        let d = dissect(
            &quirky,
            quirky.len(),
            &ctx(2, false),
            &mut state,
            &mut small,
        );
        assert_eq!(d.repair, None);
        assert_eq!(d.payload.unwrap().kind, PayloadKind::NotJson);
    }

    #[test]
    fn first_pass_links_request_and_reply() {
        let mut state = state_with_key();
        run_at(&hex(INFO_REQUEST), ctx(7, false), &mut state);
        let (reply, _) = run_at(&hex(INFO_REPLY), ctx(8, false), &mut state);
        assert_eq!(reply.record.request_in, Some(7));
        assert_eq!(reply.record.response_time_ns, Some(1_000_000));
        let (request, _) = run_at(&hex(INFO_REQUEST), ctx(7, true), &mut state);
        assert_eq!(request.record.response_in, Some(8));
    }

    #[test]
    fn stamp_delta_against_the_devices_previous_frame() {
        let mut state = state_with_key();
        let (hello, _) = run_at(&hex(HELLO_REPLY), ctx(4, false), &mut state); // stamp 5002
        assert_eq!(hello.record.stamp_delta, None);
        let (request, _) = run_at(&hex(INFO_REQUEST), ctx(7, false), &mut state); // stamp 5003
        assert_eq!(request.record.stamp_delta, Some(1));
    }
}
