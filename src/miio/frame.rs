//! The miIO frame header: parsing and classification. Pure functions over
//! bytes; nothing here knows about keys or Wireshark.

use crate::abi::{miio_frame_kind as FrameKind, miio_length_status as LengthStatus};
use crate::stream::Start;

pub const HEADER_LEN: usize = crate::abi::MIIO_HEADER_LEN as usize;
pub const MAGIC: u16 = crate::abi::MIIO_MAGIC as u16;
const HELLO_FILL: u32 = 0xFFFF_FFFF;

/// The 32-byte header, in host byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub magic: u16,
    pub length: u16,
    pub unknown: u32,
    pub device_id: u32,
    pub stamp: u32,
    /// Bytes 16..31: MD5 checksum, or the token / 00 / ff fill in a hello reply.
    pub checksum: [u8; 16],
}

/// A header together with what the rest of the packet says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub header: Header,
    pub kind: FrameKind,
    pub length_status: LengthStatus,
    /// Bytes that belong to this frame: min(length field, bytes available).
    pub frame_len: usize,
}

impl Header {
    /// Reads the fixed fields; `None` when fewer than 32 bytes are given.
    pub fn parse(bytes: &[u8]) -> Option<Header> {
        let h: &[u8; HEADER_LEN] = bytes.get(..HEADER_LEN)?.try_into().ok()?;
        let be32 = |at: usize| u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        let mut checksum = [0u8; 16];
        checksum.copy_from_slice(&h[16..32]);
        Some(Header {
            magic: u16::from_be_bytes([h[0], h[1]]),
            length: u16::from_be_bytes([h[2], h[3]]),
            unknown: be32(4),
            device_id: be32(8),
            stamp: be32(12),
            checksum,
        })
    }

    /// A device's hello to the cloud: unknown and device id all ff, stamp and
    /// checksum all 00.
    fn is_cloud_hello(&self) -> bool {
        self.unknown == HELLO_FILL
            && self.device_id == HELLO_FILL
            && self.stamp == 0
            && self.checksum == [0; 16]
    }

    /// The Xiaomi Home integration's probe (miot_lan.py): "MDID" and its
    /// instance id where a hello carries its checksum.
    fn is_ha_probe(&self) -> bool {
        self.unknown == HELLO_FILL
            && self.device_id == HELLO_FILL
            && self.stamp == HELLO_FILL
            && self.checksum[..4] == *b"MDID"
            && self.checksum[12..] == [0; 4]
    }

    /// A device's answer to that probe: "MSUB", a timestamp, "PUB", a type.
    fn is_ha_probe_reply(&self) -> bool {
        self.checksum[..4] == *b"MSUB" && self.checksum[8..11] == *b"PUB"
    }

    fn is_hello_request(&self) -> bool {
        self.unknown == HELLO_FILL
            && self.device_id == HELLO_FILL
            && self.stamp == HELLO_FILL
            && self.checksum == [0xFF; 16]
    }

    /// A hello reply's bytes 16..31 carry the token only on an unprovisioned
    /// device; provisioned devices send all 00 or all ff.
    pub fn carries_token(&self) -> bool {
        self.checksum != [0x00; 16] && self.checksum != [0xFF; 16]
    }
}

/// Classifies a packet.
///
/// `captured` is what the capture holds, `reported_len` the packet's length
/// on the wire (larger when the snaplen cut it).
pub fn classify(captured: &[u8], reported_len: usize) -> Frame {
    let wire_len = reported_len.max(captured.len());
    let malformed = |header: Option<Header>, why: LengthStatus| Frame {
        header: header.unwrap_or(Header {
            magic: 0,
            length: 0,
            unknown: 0,
            device_id: 0,
            stamp: 0,
            checksum: [0; 16],
        }),
        kind: FrameKind::MIIO_KIND_MALFORMED,
        length_status: why,
        frame_len: captured.len().min(HEADER_LEN),
    };

    let Some(header) = Header::parse(captured) else {
        let why = if wire_len >= HEADER_LEN {
            LengthStatus::MIIO_LENGTH_TRUNCATED
        } else {
            LengthStatus::MIIO_LENGTH_SHORT_FRAME
        };
        return malformed(None, why);
    };
    if header.magic != MAGIC {
        return malformed(Some(header), LengthStatus::MIIO_LENGTH_BAD_MAGIC);
    }
    let length = usize::from(header.length);
    if length < HEADER_LEN {
        return malformed(Some(header), LengthStatus::MIIO_LENGTH_FIELD_TOO_SMALL);
    }
    if length > wire_len {
        return malformed(Some(header), LengthStatus::MIIO_LENGTH_FIELD_TOO_LARGE);
    }

    let length_status = if length > captured.len() {
        LengthStatus::MIIO_LENGTH_TRUNCATED
    } else if length < wire_len {
        LengthStatus::MIIO_LENGTH_TRAILING_BYTES
    } else {
        LengthStatus::MIIO_LENGTH_OK
    };
    let kind = if length > HEADER_LEN {
        FrameKind::MIIO_KIND_DATA
    } else if header.is_ha_probe() {
        FrameKind::MIIO_KIND_HA_PROBE
    } else if header.is_ha_probe_reply() {
        FrameKind::MIIO_KIND_HA_PROBE_REPLY
    } else if header.is_hello_request() {
        FrameKind::MIIO_KIND_HELLO_REQUEST
    } else if header.is_cloud_hello() {
        FrameKind::MIIO_KIND_CLOUD_HELLO
    } else if header.carries_token() {
        FrameKind::MIIO_KIND_HELLO_REPLY_TOKEN
    } else {
        FrameKind::MIIO_KIND_HELLO_REPLY
    };
    Frame {
        header,
        kind,
        length_status,
        frame_len: length.min(captured.len()),
    }
}

/// Strict test for the heuristic dissector: only miIO frames pass. The
/// length field must equal the whole packet (a datagram) or at least cover
/// the header (the start of a TCP stream), and the rest of the header must
/// look like one of the frames miIO peers send.
pub fn looks_like_miio(captured: &[u8], reported_len: usize, stream: bool) -> bool {
    let Some(header) = Header::parse(captured) else {
        return false;
    };
    let length = usize::from(header.length);
    let length_fits = if stream {
        length >= HEADER_LEN
    } else {
        length == reported_len
    };
    if header.magic != MAGIC || !length_fits || length < HEADER_LEN {
        return false;
    }
    if length == HEADER_LEN {
        // Hellos and keep-alives: the client's hello (all ff), the cloud hello
        // (unknown and device id ff, rest 00), or a device's reply (unknown 0).
        return header.is_hello_request() || header.unknown == 0 || header.unknown == HELLO_FILL;
    }
    let ciphertext = length - HEADER_LEN;
    header.unknown == 0 && ciphertext % 16 == 0 && header.device_id != HELLO_FILL
}

pub const MAP_BLOB_PREFIX: &[u8] = b"ROCKROBO_MAP__";

/// A TCP segment of a connection not yet known to be miIO: a whole miIO
/// header starts somewhere in it (a capture that starts mid-connection
/// sees the end of a frame first).
pub fn stream_has_frame(bytes: &[u8]) -> bool {
    (0..bytes.len()).any(|at| matches!(frame_start(&bytes[at..]), Start::Frame(_)))
}

/// Does a frame start here, on a TCP stream to the cloud? Only where a
/// header that miIO peers send begins (the heuristic's test: magic,
/// length, and the rest of the header), or a Roborock map upload; the magic
/// alone turns up every 64 KiB in ciphertext.
pub fn frame_start(bytes: &[u8]) -> Start {
    if bytes.starts_with(MAP_BLOB_PREFIX) {
        return Start::MapBlob;
    }
    if MAP_BLOB_PREFIX.starts_with(bytes) {
        return Start::Undecided;
    }
    let magic = MAGIC.to_be_bytes();
    if !magic.starts_with(&bytes[..bytes.len().min(2)]) {
        return Start::No;
    }
    let length = match bytes.get(2..4) {
        None => return Start::Undecided,
        Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
    };
    match bytes.get(..HEADER_LEN) {
        _ if length < HEADER_LEN => Start::No,
        None => Start::Undecided,
        Some(header) if looks_like_miio(header, HEADER_LEN, true) => Start::Frame(length),
        Some(_) => Start::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::miio::test_frames::{hex, HELLO_REPLY, HELLO_REQUEST, INFO_REQUEST};

    /// The example frames of the Xiaomi Home integration's LAN
    /// control (miot_lan.py): named, never hellos nor token carriers.
    #[test]
    fn xiaomi_home_probe_and_its_reply() {
        let probe = hex("21310020ffffffffffffffffffffffff4d444944112233445566778800000000");
        assert_eq!(classify(&probe, probe.len()).kind, FrameKind::MIIO_KIND_HA_PROBE);
        let reply = hex("2131002000000000075bcd156553f1004d5355426553f10050554201fe000000");
        assert_eq!(classify(&reply, reply.len()).kind, FrameKind::MIIO_KIND_HA_PROBE_REPLY);
        // A hello and a token-carrying hello reply stay what they were.
        let hello = hex(&format!("21310020{}", "ff".repeat(28)));
        assert_eq!(classify(&hello, 32).kind, FrameKind::MIIO_KIND_HELLO_REQUEST);
    }

    #[test]
    fn parses_header_fields() {
        let bytes = hex(INFO_REQUEST);
        let h = Header::parse(&bytes).unwrap();
        assert_eq!(h.magic, 0x2131);
        assert_eq!(h.length, 0x50);
        assert_eq!(h.unknown, 0);
        assert_eq!(h.device_id, 0x0a1b2c3d);
        assert_eq!(h.stamp, 0x138b);
        assert_eq!(h.checksum[0], 0xfa);
    }

    #[test]
    fn classifies_hello_request_and_reply() {
        let req = hex(HELLO_REQUEST);
        let f = classify(&req, req.len());
        assert_eq!(f.kind, FrameKind::MIIO_KIND_HELLO_REQUEST);
        assert_eq!(f.length_status, LengthStatus::MIIO_LENGTH_OK);

        let rep = hex(HELLO_REPLY);
        let f = classify(&rep, rep.len());
        assert_eq!(f.kind, FrameKind::MIIO_KIND_HELLO_REPLY);
        assert_eq!(f.header.device_id, 0x0a1b2c3d);
    }

    #[test]
    fn hello_reply_with_token_is_flagged() {
        let mut rep = hex(HELLO_REPLY);
        rep[16..32].copy_from_slice(&hex("3f4a1c2b9d8e7f60112233445566aa01"));
        assert_eq!(
            classify(&rep, 32).kind,
            FrameKind::MIIO_KIND_HELLO_REPLY_TOKEN
        );
        rep[16..32].fill(0);
        assert_eq!(classify(&rep, 32).kind, FrameKind::MIIO_KIND_HELLO_REPLY);
    }

    #[test]
    fn data_frame() {
        let bytes = hex(INFO_REQUEST);
        let f = classify(&bytes, bytes.len());
        assert_eq!(f.kind, FrameKind::MIIO_KIND_DATA);
        assert_eq!(f.frame_len, 0x50);
    }

    #[test]
    fn short_frames_are_malformed() {
        for n in [0, 1, 2, 16, 31] {
            let bytes = &hex(INFO_REQUEST)[..n];
            let f = classify(bytes, n);
            assert_eq!(f.kind, FrameKind::MIIO_KIND_MALFORMED, "{n} bytes");
            assert_eq!(f.length_status, LengthStatus::MIIO_LENGTH_SHORT_FRAME);
            assert_eq!(f.frame_len, n);
        }
    }

    #[test]
    fn snaplen_cut_inside_header_is_truncated_not_short() {
        let bytes = hex(INFO_REQUEST);
        let f = classify(&bytes[..20], bytes.len());
        assert_eq!(f.length_status, LengthStatus::MIIO_LENGTH_TRUNCATED);
    }

    #[test]
    fn bad_magic() {
        let mut bytes = hex(INFO_REQUEST);
        bytes[0] = 0x12;
        let f = classify(&bytes, bytes.len());
        assert_eq!(f.kind, FrameKind::MIIO_KIND_MALFORMED);
        assert_eq!(f.length_status, LengthStatus::MIIO_LENGTH_BAD_MAGIC);
    }

    #[test]
    fn length_field_smaller_than_header() {
        let mut bytes = hex(INFO_REQUEST);
        bytes[2..4].copy_from_slice(&16u16.to_be_bytes());
        let f = classify(&bytes, bytes.len());
        assert_eq!(f.length_status, LengthStatus::MIIO_LENGTH_FIELD_TOO_SMALL);
    }

    #[test]
    fn length_field_larger_than_packet() {
        let mut bytes = hex(INFO_REQUEST);
        bytes[2..4].copy_from_slice(&0x60u16.to_be_bytes());
        let f = classify(&bytes, bytes.len());
        assert_eq!(f.kind, FrameKind::MIIO_KIND_MALFORMED);
        assert_eq!(f.length_status, LengthStatus::MIIO_LENGTH_FIELD_TOO_LARGE);
        // A 32-byte hello claiming more is malformed too.
        let mut hello = hex(HELLO_REPLY);
        hello[2..4].copy_from_slice(&0x40u16.to_be_bytes());
        assert_eq!(
            classify(&hello, 32).length_status,
            LengthStatus::MIIO_LENGTH_FIELD_TOO_LARGE
        );
    }

    #[test]
    fn packet_longer_than_length_field() {
        let mut bytes = hex(INFO_REQUEST);
        bytes.extend_from_slice(&[0u8; 5]);
        let f = classify(&bytes, bytes.len());
        assert_eq!(f.kind, FrameKind::MIIO_KIND_DATA);
        assert_eq!(f.length_status, LengthStatus::MIIO_LENGTH_TRAILING_BYTES);
        assert_eq!(f.frame_len, 0x50);
    }

    #[test]
    fn heuristic_accepts_real_frames_only() {
        for f in [HELLO_REQUEST, HELLO_REPLY, INFO_REQUEST] {
            let bytes = hex(f);
            assert!(looks_like_miio(&bytes, bytes.len(), false), "{f}");
        }
        let bytes = hex(INFO_REQUEST);
        assert!(
            !looks_like_miio(&bytes, bytes.len() + 1, false),
            "length must equal the packet"
        );
        assert!(!looks_like_miio(&bytes[..20], 20, false));
        let mut odd = bytes.clone();
        odd[4] = 1;
        assert!(
            !looks_like_miio(&odd, odd.len(), false),
            "unknown must be 0 in data frames"
        );
        let mut not_block = bytes[..bytes.len() - 1].to_vec();
        not_block[2..4].copy_from_slice(&((bytes.len() - 1) as u16).to_be_bytes());
        assert!(!looks_like_miio(&not_block, not_block.len(), false));
        assert!(!looks_like_miio(
            b"GET / HTTP/1.1\r\nHost: example\r\n\r\n",
            35,
            false
        ));
        // A TCP stream: the segment may hold more (or less) than one frame.
        assert!(looks_like_miio(&bytes, bytes.len() + 500, true));
        assert!(!looks_like_miio(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
            40,
            true
        ));
    }

    #[test]
    fn cloud_hello() {
        let mut bytes = hex("21310020ffffffffffffffff00000000");
        bytes.extend_from_slice(&[0; 16]);
        assert_eq!(classify(&bytes, 32).kind, FrameKind::MIIO_KIND_CLOUD_HELLO);
        assert!(looks_like_miio(&bytes, 32, false));
    }

    #[test]
    fn frame_starts_on_a_stream() {
        let frame = hex(INFO_REQUEST);
        assert_eq!(frame_start(&frame), Start::Frame(0x50));
        assert_eq!(frame_start(&frame[..31]), Start::Undecided);
        assert_eq!(frame_start(&frame[..3]), Start::Undecided);
        assert_eq!(frame_start(&frame[..1]), Start::Undecided);
        assert_eq!(frame_start(b"ROCKROBO_MAP__\x01\x02"), Start::MapBlob);
        assert_eq!(frame_start(b"ROCKROBO"), Start::Undecided);
        assert_eq!(frame_start(b"GET / HTTP/1.1"), Start::No);
        assert_eq!(
            frame_start(&[0x21, 0x31, 0x00, 0x10]),
            Start::No,
            "length below 32"
        );
        let mut not_a_header = frame.clone();
        not_a_header[4] = 7;
        assert_eq!(frame_start(&not_a_header), Start::No, "magic in ciphertext");
        let mut mid_stream = b"end of a frame".to_vec();
        mid_stream.extend_from_slice(&frame);
        assert!(stream_has_frame(&mid_stream));
        assert!(!stream_has_frame(b"GET / HTTP/1.1\r\n!1\x00\x50"));
    }

    #[test]
    fn frame_cut_by_snaplen() {
        let bytes = hex(INFO_REQUEST);
        let f = classify(&bytes[..40], bytes.len());
        assert_eq!(f.kind, FrameKind::MIIO_KIND_DATA);
        assert_eq!(f.length_status, LengthStatus::MIIO_LENGTH_TRUNCATED);
        assert_eq!(f.frame_len, 40);
    }
}
