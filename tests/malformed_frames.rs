//! Corrupted and malformed frames through the real tshark: each is shown
//! with the expert info that says what is wrong, and nothing crashes.
//! The frames start as real python-miio frames, changed the way a damaged
//! capture or a hostile sender would.

mod common;

use common::*;
use md5::{Digest, Md5};

const INFO_REQUEST: usize = 6; // frame 7 of python-miio-basic: {"id": 1, "method": "miIO.info", ...}

fn real_frames(sandbox: &Sandbox) -> Vec<Vec<u8>> {
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    udp_payloads(sandbox, &pcap)
}

fn set_length(frame: &mut [u8], length: usize) {
    frame[2..4].copy_from_slice(&(length as u16).to_be_bytes());
}

/// Rewrites bytes 16..31 with MD5(header[..16] ‖ token ‖ ciphertext), per the
/// protocol notes, so only the property under test is wrong.
fn reseal(frame: &mut [u8], token_hex: &str) {
    let token: Vec<u8> = (0..32)
        .step_by(2)
        .map(|i| u8::from_str_radix(&token_hex[i..i + 2], 16).unwrap())
        .collect();
    let sum = Md5::new()
        .chain_update(&frame[..16])
        .chain_update(&token)
        .chain_update(&frame[32..])
        .finalize();
    frame[16..32].copy_from_slice(&sum);
}

struct Case {
    name: &'static str,
    frame: Vec<u8>,
    /// Substrings expected in the frame's expert messages.
    expert: &'static [&'static str],
    /// Expected Info column.
    info: &'static str,
}

fn cases(real: &[Vec<u8>]) -> Vec<Case> {
    let request = &real[INFO_REQUEST];
    let mut flipped = request.clone();
    flipped[40] ^= 0x01;
    let mut bad_magic = request.clone();
    bad_magic[0] = 0x31;
    let mut too_large = request.clone();
    set_length(&mut too_large, request.len() + 16);
    let mut too_small = request.clone();
    set_length(&mut too_small, 20);
    let mut trailing = request.clone();
    trailing.extend_from_slice(b"JUNK");
    let mut not_block = request[..request.len() - 3].to_vec();
    let not_block_len = not_block.len();
    set_length(&mut not_block, not_block_len);
    reseal(&mut not_block, BASIC_TOKEN);
    let mut hello_claims_more = real[3].clone();
    set_length(&mut hello_claims_more, 64);
    let mut other_device = request.clone();
    other_device[8..12].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);

    vec![
        Case {
            name: "bit flipped in ciphertext",
            frame: flipped,
            expert: &["Checksum mismatch"],
            // Block 0 is garbled, the padding survives: decrypted but not JSON.
            info: "Decrypted, 46 bytes (not JSON)",
        },
        Case {
            name: "bad magic",
            frame: bad_magic,
            expert: &["Malformed miIO frame: magic is not 0x2131"],
            info: "Malformed miIO frame: magic is not 0x2131",
        },
        Case {
            name: "length field larger than the packet",
            frame: too_large,
            expert: &["Malformed miIO frame: length field is larger than the packet"],
            info: "Malformed miIO frame: length field is larger than the packet",
        },
        Case {
            name: "length field smaller than the header",
            frame: too_small,
            expert: &["Malformed miIO frame: length field is smaller than the 32-byte header"],
            info: "Malformed miIO frame: length field is smaller than the 32-byte header",
        },
        Case {
            name: "short frame",
            frame: request[..10].to_vec(),
            expert: &["Malformed miIO frame: frame shorter than the 32-byte header"],
            info: "Malformed miIO frame: frame shorter than the 32-byte header",
        },
        Case {
            name: "trailing bytes",
            frame: trailing,
            expert: &["longer than the miIO length field says"],
            info: "miIO.info id=1",
        },
        Case {
            name: "ciphertext not a multiple of 16",
            frame: not_block,
            expert: &["Decryption failed: ciphertext length is not a multiple of 16"],
            info: "Encrypted, decryption failed: ciphertext length is not a multiple of 16",
        },
        Case {
            name: "32-byte hello claiming 64 bytes",
            frame: hello_claims_more,
            expert: &["length field is larger than the packet"],
            info: "Malformed miIO frame: length field is larger than the packet",
        },
        Case {
            name: "device without a key",
            frame: other_device,
            expert: &["No key for device 0xdeadbeef (0 keys tried)"],
            info: "Encrypted, no key (device 0xdeadbeef)",
        },
    ]
}

#[test]
fn each_malformed_frame_gets_its_expert_info() {
    let sandbox = Sandbox::new();
    let cases = cases(&real_frames(&sandbox));
    let frames: Vec<Vec<u8>> = cases.iter().map(|c| c.frame.clone()).collect();
    let pcap = udp_capture(&sandbox, "malformed", (40000, 54321), &frames);
    let key = basic_key();

    let experts = sandbox.expert_messages(&pcap, &[&key]);
    let info = sandbox.fields(&pcap, &[&key], &["_ws.col.Info"]);
    assert_eq!(experts.len(), cases.len());
    for (i, case) in cases.iter().enumerate() {
        for want in case.expert {
            assert!(
                experts[i].contains(want),
                "{}: expert {:?} lacks {want:?}",
                case.name,
                experts[i]
            );
        }
        assert_eq!(info[i][0], case.info, "{}", case.name);
    }
}

#[test]
fn wrong_token_for_the_device_fails_checksum_and_decryption() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-basic.pcapng");
    let wrong = key_row(
        BASIC_DEVICE,
        "token",
        "00112233445566778899aabbccddeeff",
        "stale token",
    );
    let rows = sandbox.fields(
        &pcap,
        &[&wrong],
        &["miio.checksum.status", "miio.decrypted", "_ws.col.Info"],
    );
    let experts = sandbox.expert_messages(&pcap, &[&wrong]);
    assert_eq!(rows[6][0], "0", "checksum bad");
    assert_eq!(rows[6][1], "");
    assert!(experts[6].contains("Checksum mismatch"), "{}", experts[6]);
    assert!(
        experts[6].contains("Decryption failed: invalid padding"),
        "{}",
        experts[6]
    );
}

#[test]
fn malformed_header_fields_stay_visible() {
    // A frame with a bad length still shows its header, so the analyst sees why.
    let sandbox = Sandbox::new();
    let mut frame = real_frames(&sandbox)[INFO_REQUEST].clone();
    set_length(&mut frame, 4000);
    let pcap = udp_capture(&sandbox, "bad-length", (40000, 54321), &[frame]);
    let rows = sandbox.fields(&pcap, &[], &["miio.magic", "miio.length", "miio.device_id"]);
    assert_eq!(rows[0], ["0x2131", "4000", "0x0a1b2c3d"]);
}
