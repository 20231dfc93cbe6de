//! Data frames that no key verified on the first pass, kept until the
//! capture reveals their device's key (a hello reply, a `miIO.info` reply,
//! an `_otc.info` further on). They are decrypted and linked then, so that
//! a request and its reply are linked on every later pass.
//!
//! Linear in the capture, whatever it holds: frames are kept per device, a
//! key learned is tried once on its device's frames (never a key that
//! already failed), and a frame is let go after `TRIES` keys, so no frame
//! costs more than `TRIES` checksums however many tokens the capture
//! teaches. Bounded in memory too: past the cap a frame is not kept (it
//! still decrypts on later passes, unlinked).

use std::collections::HashMap;

use crate::miio::context::FrameContext;

/// Ciphertext kept at most, all frames together.
pub const PENDING_CAP_BYTES: usize = 16 << 20;

/// Keys learned after it that a held frame is tried with, at most.
pub const TRIES: u8 = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PendingFrame {
    pub ctx: FrameContext,
    /// The frame as far as its length field goes.
    pub bytes: Vec<u8>,
    /// Keys it may still be tried with.
    tries_left: u8,
}

#[derive(Debug, Default)]
pub struct Pending {
    /// Device id → its frames, in capture order.
    devices: HashMap<u32, Vec<PendingFrame>>,
    bytes: usize,
}

impl Pending {
    /// Keeps a frame; false when the cap is reached.
    pub fn hold(&mut self, ctx: &FrameContext, device_id: u32, bytes: &[u8]) -> bool {
        if self.bytes + bytes.len() > PENDING_CAP_BYTES {
            return false;
        }
        self.bytes += bytes.len();
        self.devices
            .entry(device_id)
            .or_default()
            .push(PendingFrame {
                ctx: *ctx,
                bytes: bytes.to_vec(),
                tries_left: TRIES,
            });
        true
    }

    /// Tries a newly learned key on each of the device's frames, once:
    /// takes out those `fits` accepts, in capture order, and lets go of
    /// those that have used up their tries.
    pub fn take_fitting(
        &mut self,
        device_id: u32,
        mut fits: impl FnMut(&[u8]) -> bool,
    ) -> Vec<PendingFrame> {
        let Some(frames) = self.devices.get_mut(&device_id) else {
            return Vec::new();
        };
        let mut taken = Vec::new();
        let mut released = 0;
        frames.retain_mut(|f| {
            if fits(&f.bytes) {
                released += f.bytes.len();
                taken.push(std::mem::take(f));
                return false;
            }
            f.tries_left -= 1;
            if f.tries_left == 0 {
                released += f.bytes.len();
                return false;
            }
            true
        });
        if frames.is_empty() {
            self.devices.remove(&device_id);
        }
        self.bytes -= released;
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(number: u32) -> FrameContext {
        FrameContext {
            number,
            ..FrameContext::default()
        }
    }

    fn numbers(frames: &[PendingFrame]) -> Vec<u32> {
        frames.iter().map(|f| f.ctx.number).collect()
    }

    #[test]
    fn a_key_takes_its_devices_fitting_frames_in_capture_order() {
        let mut p = Pending::default();
        p.hold(&ctx(1), 7, &[1; 48]);
        p.hold(&ctx(2), 8, &[2; 48]);
        p.hold(&ctx(3), 7, &[3; 48]);
        p.hold(&ctx(4), 7, &[4; 48]);
        let mut tried = 0;
        let mine = p.take_fitting(7, |b| {
            tried += 1;
            b[0] != 3
        });
        assert_eq!(numbers(&mine), [1, 4]);
        assert_eq!(tried, 3, "device 8's frame is not looked at");
        assert_eq!(numbers(&p.take_fitting(7, |_| true)), [3]);
        assert_eq!(numbers(&p.take_fitting(8, |_| true)), [2]);
        assert_eq!(p.bytes, 0);
    }

    #[test]
    fn a_frame_is_let_go_after_its_tries() {
        let mut p = Pending::default();
        p.hold(&ctx(1), 7, &[1; 48]);
        for _ in 0..TRIES {
            assert!(p.take_fitting(7, |_| false).is_empty());
        }
        assert!(p.take_fitting(7, |_| true).is_empty(), "let go");
        assert_eq!(p.bytes, 0);
    }

    #[test]
    fn the_cap_bounds_what_is_kept() {
        let mut p = Pending::default();
        let big = vec![0u8; PENDING_CAP_BYTES / 2];
        assert!(p.hold(&ctx(1), 7, &big));
        assert!(p.hold(&ctx(2), 7, &big));
        assert!(!p.hold(&ctx(3), 7, &[0; 48]), "over the cap");
        p.take_fitting(7, |_| true);
        assert!(p.hold(&ctx(3), 7, &[0; 48]), "room again");
    }
}
