//! The key store's index by device: which keys a device's frame is tried
//! with, kept so that the work per frame does not grow with the capture.
//! A capture can teach a device any number of tokens (a hello reply that
//! carries a checksum in place of a token teaches a new "token" each
//! time), so only the newest few learned keys are tried on new frames, and
//! keys for any device stop being tried on a device that none of them fits.

use std::collections::{HashMap, VecDeque};

use super::store::KeyRef;

/// Learned keys (tokens and candidates) tried on a device's new frames:
/// the newest this many that no checksum ruled out.
pub const LEARNED_TRIED: usize = 8;

/// Frames in a row of one device that no key verified after which the
/// keys for any device are no longer tried on it (until the keys change).
pub const ANY_DEVICE_TRIES: u32 = 3;

#[derive(Debug, Default)]
pub struct DeviceKeys {
    /// Keys configured for this device: table rows, then the key file.
    pub configured: Vec<KeyRef>,
    /// Learned keys still tried, oldest first; at most `LEARNED_TRIED`.
    pub learned: VecDeque<u32>,
    /// Every open hello-reply candidate of the device (tried or not), to
    /// settle them all when a frame verifies.
    pub open: Vec<u32>,
    /// The first learned key that is not a candidate: the fallback when no
    /// configured key exists.
    pub first_certain: Option<u32>,
    /// The key that last verified one of its frames.
    pub verified: Option<KeyRef>,
    /// Frames in a row that no key verified.
    pub misses: u32,
}

impl DeviceKeys {
    /// A learned key joins the keys tried; the oldest leaves past the cap.
    pub fn push_learned(&mut self, index: u32, candidate: bool) {
        if self.learned.len() == LEARNED_TRIED {
            self.learned.pop_front();
        }
        self.learned.push_back(index);
        if candidate {
            self.open.push(index);
        } else {
            self.first_certain.get_or_insert(index);
        }
    }

    /// Keys tried on a frame, best first: configured, then learned newest
    /// first (a device's newest token is the likeliest).
    pub fn tried(&self) -> impl Iterator<Item = KeyRef> + '_ {
        self.configured
            .iter()
            .copied()
            .chain(self.learned.iter().rev().map(|&i| KeyRef::Learned(i)))
    }

    pub fn any_device_keys_given_up(&self) -> bool {
        self.misses >= ANY_DEVICE_TRIES
    }
}

/// Device id → its keys. Devices with no key of their own get an entry
/// when a frame of theirs is tried (for the cache and the miss count).
pub type DeviceIndex = HashMap<u32, DeviceKeys>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_learned_keys_are_tried() {
        let mut d = DeviceKeys::default();
        for i in 0..20 {
            d.push_learned(i, true);
        }
        let tried: Vec<_> = d.tried().collect();
        assert_eq!(tried.len(), LEARNED_TRIED);
        assert_eq!(tried[0], KeyRef::Learned(19));
        assert_eq!(d.open.len(), 20, "all stay open until settled");
        d.push_learned(20, false);
        assert_eq!(d.first_certain, Some(20));
    }
}
