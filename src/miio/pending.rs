//! Data frames that no key verified on the first pass, kept until the
//! capture reveals their device's key (a hello reply, a `miIO.info` reply,
//! an `_otc.info` further on). They are decrypted and linked then, so that
//! a request and its reply are linked on every later pass. Bounded: past
//! the cap a frame is not kept (it still decrypts on later passes, unlinked).

use crate::miio::dissect::FrameContext;

/// Ciphertext kept at most, all frames together.
pub const PENDING_CAP_BYTES: usize = 16 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFrame {
    pub ctx: FrameContext,
    pub device_id: u32,
    /// The frame as far as its length field goes.
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Pending {
    /// In capture order.
    frames: Vec<PendingFrame>,
    bytes: usize,
}

impl Pending {
    /// Keeps a frame; false when the cap is reached.
    pub fn hold(&mut self, ctx: &FrameContext, device_id: u32, bytes: &[u8]) -> bool {
        if self.bytes + bytes.len() > PENDING_CAP_BYTES {
            return false;
        }
        self.bytes += bytes.len();
        self.frames.push(PendingFrame {
            ctx: *ctx,
            device_id,
            bytes: bytes.to_vec(),
        });
        true
    }

    /// Takes the device's frames out, in capture order.
    pub fn take_device(&mut self, device_id: u32) -> Vec<PendingFrame> {
        if !self.frames.iter().any(|f| f.device_id == device_id) {
            return Vec::new();
        }
        let (mine, rest) = std::mem::take(&mut self.frames)
            .into_iter()
            .partition(|f| f.device_id == device_id);
        self.frames = rest;
        self.recount();
        mine
    }

    /// Returns frames that are still waiting, keeping capture order.
    pub fn put_back(&mut self, frames: Vec<PendingFrame>) {
        if frames.is_empty() {
            return;
        }
        self.frames.extend(frames);
        self.frames.sort_by_key(|f| (f.ctx.number, f.ctx.pdu));
        self.recount();
    }

    fn recount(&mut self) {
        self.bytes = self.frames.iter().map(|f| f.bytes.len()).sum();
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

    #[test]
    fn frames_come_back_per_device_in_capture_order() {
        let mut p = Pending::default();
        p.hold(&ctx(1), 7, &[1; 48]);
        p.hold(&ctx(2), 8, &[2; 48]);
        p.hold(&ctx(3), 7, &[3; 48]);
        let mine = p.take_device(7);
        assert_eq!(
            mine.iter().map(|f| f.ctx.number).collect::<Vec<_>>(),
            [1, 3]
        );
        assert!(p.take_device(7).is_empty());
        p.put_back(mine);
        let all: Vec<_> = [p.take_device(8), p.take_device(7)].concat();
        assert_eq!(
            all.iter().map(|f| f.ctx.number).collect::<Vec<_>>(),
            [2, 1, 3]
        );
    }

    #[test]
    fn the_cap_bounds_what_is_kept() {
        let mut p = Pending::default();
        let big = vec![0u8; PENDING_CAP_BYTES / 2];
        assert!(p.hold(&ctx(1), 7, &big));
        assert!(p.hold(&ctx(2), 7, &big));
        assert!(!p.hold(&ctx(3), 7, &[0; 48]), "over the cap");
        p.take_device(7);
        assert!(p.hold(&ctx(3), 7, &[0; 48]), "room again");
    }
}
