//! The Roborock frame: a 17-byte header (version, seq, random, timestamp,
//! protocol), then either nothing, a 4-byte trailer (a CRC32 in
//! python-roborock, a keep-alive or return code in the app), or a u16
//! payload length, the payload and a CRC32 over everything before it.
//! Big-endian. On local TCP each frame has a u32 length prefix; MQTT
//! payloads are bare frames. Discovery broadcasts (UDP 58866) have a header
//! of their own. Pure functions over bytes.

use crate::stream::Start;

pub const HEADER_LEN: usize = 17;
const CRC_LEN: usize = 4;
/// Versions a frame can start with.
pub const VERSIONS: [&[u8; 3]; 4] = [b"1.0", b"A01", b"B01", b"L01"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    A01,
    B01,
    L01,
}

impl Version {
    pub fn parse(bytes: &[u8]) -> Option<Version> {
        match bytes.get(..3)? {
            b"1.0" => Some(Version::V1),
            b"A01" => Some(Version::A01),
            b"B01" => Some(Version::B01),
            b"L01" => Some(Version::L01),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: Version,
    pub seq: u32,
    pub random: u32,
    pub timestamp: u32,
    pub protocol: u16,
}

/// What follows the 17-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Nothing: a bare header (the app's acks and ping responses).
    Bare,
    /// A u32 after the header; `is_crc` when it is the CRC32 of the header.
    Trailer { value: u32, is_crc: bool },
    /// Payload at `offset` of `len` bytes, then the stored CRC32.
    Payload {
        offset: usize,
        len: usize,
        crc: u32,
        crc_ok: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer than 17 bytes.
    Short,
    /// Does not start with 1.0, A01, B01 or L01.
    BadVersion,
    /// The payload length field does not match the frame's size.
    BadLength,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub header: Header,
    pub body: Body,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// Parses one whole frame (no length prefix).
pub fn parse(bytes: &[u8]) -> Result<Frame, FrameError> {
    let h = bytes.get(..HEADER_LEN).ok_or(FrameError::Short)?;
    let version = Version::parse(h).ok_or(FrameError::BadVersion)?;
    let header = Header {
        version,
        seq: be32(h, 3),
        random: be32(h, 7),
        timestamp: be32(h, 11),
        protocol: u16::from_be_bytes([h[15], h[16]]),
    };
    let body = match bytes.len() - HEADER_LEN {
        0 => Body::Bare,
        CRC_LEN => {
            let value = be32(bytes, HEADER_LEN);
            Body::Trailer {
                value,
                is_crc: value == crc32(h),
            }
        }
        n if n >= 2 + CRC_LEN => {
            let len = usize::from(u16::from_be_bytes([
                bytes[HEADER_LEN],
                bytes[HEADER_LEN + 1],
            ]));
            if len != n - 2 - CRC_LEN {
                return Err(FrameError::BadLength);
            }
            let end = HEADER_LEN + 2 + len;
            let crc = be32(bytes, end);
            Body::Payload {
                offset: HEADER_LEN + 2,
                len,
                crc,
                crc_ok: crc == crc32(&bytes[..end]),
            }
        }
        _ => return Err(FrameError::BadLength),
    };
    Ok(Frame { header, body })
}

/// Local TCP: the u32 length prefix of each frame.
pub const PREFIX_LEN: usize = 4;
/// The longest frame: header, u16 payload length, 65,535 bytes, CRC32.
pub const MAX_FRAME_LEN: usize = HEADER_LEN + 2 + 0xFFFF + CRC_LEN;
const MIN_PAYLOAD_FRAME_LEN: usize = HEADER_LEN + 2 + CRC_LEN;

/// Does a local TCP frame start here? Only when a plausible frame follows
/// the length prefix: a version at offset 4, and a length a frame can have
/// (a bare header, a header and a trailer, or a payload frame whose own
/// payload length agrees). Any length would do otherwise, and reassembly
/// would wait for it forever.
pub fn frame_start(bytes: &[u8]) -> Start {
    // A length of at most MAX_FRAME_LEN starts 00 00 or 00 01.
    match bytes {
        [0] | [0, 0 | 1] | [0, 0 | 1, _] => return Start::Undecided,
        [0, 0 | 1, _, _, ..] => {}
        _ => return Start::No,
    }
    let len = be32(bytes, 0) as usize;
    let payload_frame = (MIN_PAYLOAD_FRAME_LEN..=MAX_FRAME_LEN).contains(&len);
    if !(payload_frame || len == HEADER_LEN || len == HEADER_LEN + CRC_LEN) {
        return Start::No;
    }
    let version = &bytes[PREFIX_LEN..bytes.len().min(PREFIX_LEN + 3)];
    if !VERSIONS.iter().any(|v| v.starts_with(version)) {
        return Start::No;
    }
    if version.len() < 3 {
        return Start::Undecided;
    }
    if payload_frame {
        let at = PREFIX_LEN + HEADER_LEN;
        let Some(n) = bytes.get(at..at + 2) else {
            return Start::Undecided;
        };
        if usize::from(u16::from_be_bytes([n[0], n[1]])) != len - MIN_PAYLOAD_FRAME_LEN {
            return Start::No;
        }
    }
    Start::Frame(PREFIX_LEN + len)
}

/// Strict test for a heuristic (MQTT payloads): a version, then a header
/// and a body that fit exactly.
pub fn looks_like_roborock(bytes: &[u8]) -> bool {
    parse(bytes).is_ok_and(|f| match f.body {
        Body::Payload { crc_ok, .. } => crc_ok,
        Body::Trailer { is_crc, .. } => is_crc,
        Body::Bare => true,
    })
}

/// A discovery broadcast: version, seq, protocol, payload length, payload,
/// CRC32 (`1.0`); `L01` has 6 opaque bytes in place of seq and protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broadcast {
    pub version: Version,
    pub seq: u32,
    pub protocol: u16,
    pub offset: usize,
    pub len: usize,
    pub crc: u32,
    pub crc_ok: bool,
}

pub const BROADCAST_HEADER_LEN: usize = 9;

pub fn parse_broadcast(bytes: &[u8]) -> Result<Broadcast, FrameError> {
    let h = bytes
        .get(..BROADCAST_HEADER_LEN + 2)
        .ok_or(FrameError::Short)?;
    let version = Version::parse(h).ok_or(FrameError::BadVersion)?;
    let len = usize::from(u16::from_be_bytes([h[9], h[10]]));
    let end = BROADCAST_HEADER_LEN + 2 + len;
    if bytes.len() != end + CRC_LEN {
        return Err(FrameError::BadLength);
    }
    let crc = be32(bytes, end);
    Ok(Broadcast {
        version,
        seq: be32(h, 3),
        protocol: u16::from_be_bytes([h[7], h[8]]),
        offset: BROADCAST_HEADER_LEN + 2,
        len,
        crc,
        crc_ok: crc == crc32(&bytes[..end]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(version: &[u8; 3], protocol: u16) -> Vec<u8> {
        let mut h = version.to_vec();
        h.extend_from_slice(&1u32.to_be_bytes());
        h.extend_from_slice(&20001u32.to_be_bytes());
        h.extend_from_slice(&0x68a6_a223u32.to_be_bytes());
        h.extend_from_slice(&protocol.to_be_bytes());
        h
    }

    #[test]
    fn payload_frame_with_crc() {
        let mut f = header(b"1.0", 4);
        f.extend_from_slice(&3u16.to_be_bytes());
        f.extend_from_slice(b"abc");
        let crc = crc32(&f);
        f.extend_from_slice(&crc.to_be_bytes());
        let frame = parse(&f).unwrap();
        assert_eq!(frame.header.version, Version::V1);
        assert_eq!((frame.header.seq, frame.header.random), (1, 20001));
        assert_eq!(frame.header.protocol, 4);
        assert_eq!(
            frame.body,
            Body::Payload {
                offset: 19,
                len: 3,
                crc,
                crc_ok: true
            }
        );
        f[19] ^= 1;
        assert!(matches!(
            parse(&f).unwrap().body,
            Body::Payload { crc_ok: false, .. }
        ));
    }

    #[test]
    fn payload_less_frames_bare_or_with_a_trailer() {
        let h = header(b"L01", 2);
        assert_eq!(parse(&h).unwrap().body, Body::Bare);
        let mut with_crc = h.clone();
        with_crc.extend_from_slice(&crc32(&h).to_be_bytes());
        assert!(matches!(
            parse(&with_crc).unwrap().body,
            Body::Trailer { is_crc: true, .. }
        ));
        let mut with_code = h.clone();
        with_code.extend_from_slice(&[0; 4]);
        assert_eq!(
            parse(&with_code).unwrap().body,
            Body::Trailer {
                value: 0,
                is_crc: false
            }
        );
    }

    #[test]
    fn malformed_frames() {
        assert_eq!(parse(b"1.0abc"), Err(FrameError::Short));
        assert_eq!(parse(&header(b"2.0", 4)), Err(FrameError::BadVersion));
        let mut f = header(b"1.0", 4);
        f.extend_from_slice(&9u16.to_be_bytes());
        f.extend_from_slice(&[0; 7]);
        assert_eq!(parse(&f), Err(FrameError::BadLength));
        let mut odd = header(b"1.0", 4);
        odd.push(0);
        assert_eq!(parse(&odd), Err(FrameError::BadLength));
    }

    #[test]
    fn a_length_prefix_counts_only_before_a_plausible_frame() {
        let mut f = 21u32.to_be_bytes().to_vec();
        f.extend_from_slice(&header(b"1.0", 2));
        f.extend_from_slice(&[0; 4]);
        assert_eq!(frame_start(&f), Start::Frame(25));
        assert_eq!(frame_start(&f[..5]), Start::Undecided);
        assert_eq!(frame_start(&f[..2]), Start::Undecided);
        let mut payload = 25u32.to_be_bytes().to_vec();
        payload.extend_from_slice(&header(b"L01", 102));
        payload.extend_from_slice(&2u16.to_be_bytes());
        assert_eq!(frame_start(&payload[..21]), Start::Undecided);
        assert_eq!(frame_start(&payload), Start::Frame(29));
        payload[22] = 3;
        assert_eq!(frame_start(&payload), Start::No, "payload length disagrees");
        let mut bad = f.clone();
        bad[4] = b'2';
        assert_eq!(frame_start(&bad), Start::No, "no version");
        assert_eq!(
            frame_start(&[0, 0, 0, 22, b'1']),
            Start::No,
            "no frame is 22 bytes"
        );
        assert_eq!(frame_start(&[0x7b, 0x22]), Start::No, "JSON, not a length");
    }
}
