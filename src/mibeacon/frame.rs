//! The MiBeacon frame: `frctrl(2 LE) | product_id(2 LE) | frame_cnt(1) |
//! [MAC(6, reversed)] | [capability(1) [io(1)]] | objects or ciphertext |
//! [ext_cnt(3) MIC(4)]` (v4/v5) or `| [ext_cnt(3) 1]` (v2/v3). Layout from
//! Xiaomi's mijia_ble_common `mible_beacon.h` and xiaomi-ble's parser.

use std::ops::Range;

/// Frame-control bits (16-bit little-endian word).
pub mod control {
    pub const REQUEST_TIMING: u16 = 1 << 0;
    pub const ENCRYPTED: u16 = 1 << 3;
    pub const MAC_INCLUDED: u16 = 1 << 4;
    pub const CAPABILITY_INCLUDED: u16 = 1 << 5;
    pub const OBJECT_INCLUDED: u16 = 1 << 6;
    pub const MESH: u16 = 1 << 7;
    pub const REGISTERED: u16 = 1 << 8;
    pub const SOLICITED: u16 = 1 << 9;
    /// Bits 10-11: authentication mode; bits 12-15: version.
    pub const AUTH_MODE_SHIFT: u16 = 10;
    pub const VERSION_SHIFT: u16 = 12;
}

/// Capability bit that says an IO-capability byte follows.
const CAPABILITY_IO: u8 = 0x20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub control: u16,
    pub version: u8,
    pub product_id: u16,
    pub counter: u8,
    /// The MAC the frame carries, in display order (the frame has it reversed).
    pub mac: Option<[u8; 6]>,
    pub capability: Option<u8>,
    pub io_capability: Option<u8>,
    /// Objects (clear frames) or ciphertext (encrypted ones).
    pub body: Range<usize>,
    /// Encrypted: the 3-byte extended counter.
    pub ext_counter: Option<Range<usize>>,
    /// Encrypted v4/v5: the 4-byte MIC.
    pub mic: Option<Range<usize>>,
}

impl Frame {
    pub fn has(&self, bit: u16) -> bool {
        self.control & bit != 0
    }

    pub fn encrypted(&self) -> bool {
        self.has(control::ENCRYPTED)
    }

    /// v2/v3 frames use the legacy scheme (a 12-byte key, no MIC checked).
    pub fn legacy(&self) -> bool {
        self.version <= 3
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer bytes than the fields the frame control announces.
    Short,
}

/// Parses a MiBeacon frame (the service or manufacturer data, without its
/// UUID or company id).
pub fn parse(data: &[u8]) -> Result<Frame, FrameError> {
    let head = data.get(..5).ok_or(FrameError::Short)?;
    let ctrl = u16::from_le_bytes([head[0], head[1]]);
    let mut i = 5;
    let mut take = |n: usize| -> Result<Range<usize>, FrameError> {
        let r = i..i + n;
        data.get(r.clone()).ok_or(FrameError::Short)?;
        i += n;
        Ok(r)
    };
    let mac = match ctrl & control::MAC_INCLUDED {
        0 => None,
        _ => {
            let r = take(6)?;
            let mut m = [0u8; 6];
            for (k, b) in data[r].iter().rev().enumerate() {
                m[k] = *b;
            }
            Some(m)
        }
    };
    let (mut capability, mut io_capability) = (None, None);
    if ctrl & control::CAPABILITY_INCLUDED != 0 {
        let c = data[take(1)?.start];
        capability = Some(c);
        if c & CAPABILITY_IO != 0 {
            io_capability = Some(data[take(1)?.start]);
        }
    }
    let version = (ctrl >> control::VERSION_SHIFT) as u8;
    let (mut body, mut ext_counter, mut mic) = (i..data.len(), None, None);
    if ctrl & control::ENCRYPTED != 0 && ctrl & control::OBJECT_INCLUDED != 0 {
        let n = data.len();
        if version <= 3 {
            // ext_cnt(3) and one more byte after the ciphertext.
            if n < i + 4 {
                return Err(FrameError::Short);
            }
            body = i..n - 4;
            ext_counter = Some(n - 4..n - 1);
        } else {
            if n < i + 7 {
                return Err(FrameError::Short);
            }
            body = i..n - 7;
            ext_counter = Some(n - 7..n - 4);
            mic = Some(n - 4..n);
        }
    }
    Ok(Frame {
        control: ctrl,
        version,
        product_id: u16::from_le_bytes([head[2], head[3]]),
        counter: head[4],
        mac,
        capability,
        io_capability,
        body,
        ext_counter,
        mic,
    })
}
