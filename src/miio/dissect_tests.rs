//! Tests of `dissect`: one frame at a time through the whole core.
use super::*;
use crate::abi::miio_direction as Direction;
use crate::keys::{parse_row, RawRow};
use crate::miio::test_frames::{
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
        ..FrameContext::default()
    }
}

/// The same place, sent by the device (port 54321) to client 7.
fn from_device(c: FrameContext) -> FrameContext {
    FrameContext {
        direction: Direction::MIIO_DIRECTION_FROM_DEVICE,
        client: 7,
        ..c
    }
}

/// The same place, sent by client 7 to the device.
fn to_device(c: FrameContext) -> FrameContext {
    FrameContext {
        direction: Direction::MIIO_DIRECTION_TO_DEVICE,
        client: 7,
        ..c
    }
}

const HELLO: &str = "21310020ffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

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
    run_at(&hex(HELLO), to_device(ctx(2, false)), &mut state);
    let (h, _) = run_at(&hello, from_device(ctx(2, false)), &mut state);
    assert_eq!(h.frame.kind, FrameKind::MIIO_KIND_HELLO_REPLY_TOKEN);
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
    let otc = build_frame(
        0x05e6f708,
        10,
        cloud_hex,
        br#"{"id":3,"method":"_otc.info","params":{"token":"c0ffee00deadbeef0123456789abcdef"}}"#,
        true,
    );
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

/// A 32-byte frame whose bytes 16..31 are its checksum under `token`.
fn ping(device_id: u32, stamp: u32, token: &str) -> Vec<u8> {
    let mut frame = hex("21310020000000000000000000000000");
    frame[8..12].copy_from_slice(&device_id.to_be_bytes());
    frame[12..16].copy_from_slice(&stamp.to_be_bytes());
    frame.extend_from_slice(&[0; 16]);
    let key = crate::miio::crypto::DeviceKey::new(hex(token).try_into().unwrap());
    let sum = key.checksum(&frame);
    frame[16..32].copy_from_slice(&sum);
    frame
}

/// A hello reply carrying `token` in bytes 16..31.
fn hello_reply(device_id: u32, stamp: u32, token: &str) -> Vec<u8> {
    let mut frame = hex(HELLO_REPLY);
    frame[8..12].copy_from_slice(&device_id.to_be_bytes());
    frame[12..16].copy_from_slice(&stamp.to_be_bytes());
    frame[16..32].copy_from_slice(&hex(token));
    frame
}

#[test]
fn firmware_update_sequence_leaks_once_and_pings_verify() {
    // hello, hello reply with the token, the client's 32-byte checksum
    // frame (Unix-time stamp), the device's echo of it, then miIO.ota.
    const DID: u32 = 0x0a1b2c3d;
    let mut state = DissectorState::default();
    let hello = hex(HELLO);
    let reply = hello_reply(DID, 3600, TOKEN);
    let client_ping = ping(DID, 1_700_000_000, TOKEN);
    let ota = build_frame(
        DID,
        3601,
        TOKEN,
        br#"{"id":1,"method":"miIO.ota","params":{}}"#,
        true,
    );
    let kinds: Vec<_> = [
        run_at(&hello, to_device(ctx(1, false)), &mut state).0,
        run_at(&reply, from_device(ctx(2, false)), &mut state).0,
        run_at(&client_ping, to_device(ctx(3, false)), &mut state).0,
        run_at(&client_ping, from_device(ctx(4, false)), &mut state).0,
        run_at(&ota, to_device(ctx(5, false)), &mut state).0,
    ]
    .iter()
    .map(|d| (d.frame.kind, d.checksum, d.record.short, d.record.taught))
    .collect();
    use ChecksumStatus::*;
    use FrameKind::*;
    assert_eq!(
        kinds,
        [
            (
                MIIO_KIND_HELLO_REQUEST,
                MIIO_CHECKSUM_NOT_PRESENT,
                None,
                None
            ),
            (
                MIIO_KIND_HELLO_REPLY_TOKEN,
                MIIO_CHECKSUM_NOT_PRESENT,
                Some(ShortFrame::HelloReply),
                Some(KeyOrigin::HelloReply(2))
            ),
            (
                MIIO_KIND_PING,
                MIIO_CHECKSUM_GOOD,
                Some(ShortFrame::Ping { echo: false }),
                None
            ),
            (
                MIIO_KIND_PING,
                MIIO_CHECKSUM_GOOD,
                Some(ShortFrame::Ping { echo: true }),
                None
            ),
            (MIIO_KIND_DATA, MIIO_CHECKSUM_GOOD, None, None),
        ]
    );
    // The ping confirmed the candidate.
    let token = state.session.record((2, 0)).unwrap().token_key.unwrap();
    assert_eq!(
        state.keys.get(token).unwrap().candidacy,
        Some(crate::keys::store::Candidacy::ConfirmedIn(3))
    );
}

#[test]
fn without_any_key_a_checksum_frame_and_its_echo_are_pings_not_hello_replies() {
    let mut state = DissectorState::default();
    run_at(&hex(HELLO), to_device(ctx(1, false)), &mut state);
    let client_ping = ping(0x0a1b2c3d, 1_700_000_000, TOKEN);
    for (n, c, echo) in [
        (2, to_device(ctx(2, false)), false),
        (3, from_device(ctx(3, false)), true),
    ] {
        let (d, _) = run_at(&client_ping, c, &mut state);
        assert_eq!(d.frame.kind, FrameKind::MIIO_KIND_PING, "frame {n}");
        assert_eq!(d.checksum, ChecksumStatus::MIIO_CHECKSUM_UNVERIFIED);
        assert_eq!(d.record.short, Some(ShortFrame::Ping { echo }));
        assert_eq!(d.record.taught, None, "never learned as a token");
    }
}

#[test]
fn a_candidate_that_verifies_nothing_is_dropped_when_the_configured_key_does() {
    let wrong = "00112233445566778899aabbccddeeff";
    let mut state = state_with_key();
    run_at(&hex(HELLO), to_device(ctx(1, false)), &mut state);
    let (h, _) = run_at(
        &hello_reply(0x0a1b2c3d, 5002, wrong),
        from_device(ctx(2, false)),
        &mut state,
    );
    assert_eq!(h.record.taught, Some(KeyOrigin::HelloReply(2)));
    let (d, _) = run_at(&hex(INFO_REQUEST), to_device(ctx(3, false)), &mut state);
    assert_eq!(d.key_origin, Some(KeyOrigin::TableRow(1)));
    assert_eq!(d.record.candidate_dropped, Some(2));
    let (again, _) = run_at(&h_bytes(wrong), from_device(ctx(2, true)), &mut state);
    assert_eq!(again.key_origin, Some(KeyOrigin::HelloReply(2)));
    let token = again.key.unwrap();
    assert_eq!(
        state.keys.get(token).unwrap().candidacy,
        Some(crate::keys::store::Candidacy::DroppedIn(3))
    );
}

fn h_bytes(token: &str) -> Vec<u8> {
    hello_reply(0x0a1b2c3d, 5002, token)
}

#[test]
fn frames_waiting_for_a_key_are_linked_when_it_is_learned() {
    // A request and its reply before the hello reply that reveals the key:
    // linked on the first pass, so every later pass shows the link.
    let token = "c0ffee00deadbeef0123456789abcdef";
    let did = 0x05e6f708;
    let mut state = DissectorState::default();
    let request = build_frame(
        did,
        10,
        token,
        br#"{"id":7,"method":"get_prop","params":[]}"#,
        true,
    );
    let reply = build_frame(did, 10, token, br#"{"id":7,"result":["on"]}"#, true);
    let (r1, _) = run_at(&request, to_device(ctx(1, false)), &mut state);
    let (r2, _) = run_at(&reply, from_device(ctx(2, false)), &mut state);
    assert_eq!(r1.decrypt, DecryptStatus::MIIO_DECRYPT_NO_KEY);
    assert_eq!(r2.record.request_in, None);
    run_at(&hex(HELLO), to_device(ctx(3, false)), &mut state);
    run_at(
        &hello_reply(did, 11, token),
        from_device(ctx(4, false)),
        &mut state,
    );

    let (req, text) = run_at(&request, to_device(ctx(1, true)), &mut state);
    assert!(text.contains("get_prop"), "{text}");
    assert_eq!(req.checksum, ChecksumStatus::MIIO_CHECKSUM_GOOD);
    assert_eq!(req.record.response_in, Some(2));
    let (rep, _) = run_at(&reply, from_device(ctx(2, true)), &mut state);
    assert_eq!(rep.record.request_in, Some(1));
    assert_eq!(rep.record.response_time_ns, Some(1_000_000));
}
