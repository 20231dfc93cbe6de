//! The bindkeys MiBeacon frames are decrypted with: rows of the `miio_keys`
//! table, lines of the key file, and which of them last verified for each
//! advertiser, so that key goes first next time.

use std::collections::HashMap;

use crate::keys::bindkey::{Bindkey, BindkeyEntry};

/// Where a bindkey was configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySource {
    /// Row N (1-based) of the miio_keys table.
    TableRow(u32),
    /// Line N (1-based) of the key file.
    FileLine(u32),
    /// The Mi cloud API's `blt_get_beaconkey` reply in frame N.
    Learned(u32),
}

/// More advertisers than this in one capture (a crowded street, a hostile
/// file) start the memory over rather than grow it.
const MAX_REMEMBERED: usize = 4096;
/// Bindkeys learned from one capture's cloud traffic.
const MAX_LEARNED: usize = 1024;

#[derive(Debug, Default)]
pub struct Keyring {
    table: Vec<BindkeyEntry>,
    file: Vec<BindkeyEntry>,
    /// From the capture (`row` = the frame that revealed the key).
    learned: Vec<BindkeyEntry>,
    /// Advertiser → the key that last verified one of its frames.
    verified: HashMap<[u8; 6], KeySource>,
}

impl Keyring {
    pub fn set_table_keys(&mut self, keys: Vec<BindkeyEntry>) {
        self.table = keys;
        self.verified.clear();
    }

    pub fn set_file_keys(&mut self, keys: Vec<BindkeyEntry>) {
        self.file = keys;
        self.verified.clear();
    }

    pub fn reset_capture(&mut self) {
        self.verified.clear();
        self.learned.clear();
    }

    /// A bindkey the capture revealed (in frame `frame`), for `mac` or, when
    /// the MAC is not known, any device.
    pub fn learn(&mut self, mac: Option<[u8; 6]>, key: Bindkey, frame: u32) {
        if self.learned.iter().any(|e| e.mac == mac && e.key == key) {
            return;
        }
        if self.learned.len() >= MAX_LEARNED {
            self.learned.remove(0);
        }
        self.learned.push(BindkeyEntry {
            mac,
            key,
            row: frame,
        });
    }

    fn all(&self) -> impl Iterator<Item = (KeySource, &BindkeyEntry)> {
        let table = self.table.iter().map(|e| (KeySource::TableRow(e.row), e));
        let file = self.file.iter().map(|e| (KeySource::FileLine(e.row), e));
        let learned = self.learned.iter().map(|e| (KeySource::Learned(e.row), e));
        table.chain(file).chain(learned)
    }

    /// The keys configured for `mac` (table rows first, then key-file lines),
    /// the one that last verified for it moved to the front.
    pub fn for_mac(&self, mac: &[u8; 6]) -> Vec<(KeySource, &Bindkey)> {
        self.ordered(mac, |e| e.mac == Some(*mac))
    }

    /// The keys for any device, the one that last verified for `mac` first.
    pub fn any_device(&self, mac: &[u8; 6]) -> Vec<(KeySource, &Bindkey)> {
        self.ordered(mac, |e| e.mac.is_none())
    }

    fn ordered(
        &self,
        mac: &[u8; 6],
        keep: impl Fn(&BindkeyEntry) -> bool,
    ) -> Vec<(KeySource, &Bindkey)> {
        let mut keys: Vec<_> = self
            .all()
            .filter(|(_, e)| keep(e))
            .map(|(s, e)| (s, &e.key))
            .collect();
        if let Some(last) = self.verified.get(mac) {
            if let Some(i) = keys.iter().position(|(s, _)| s == last) {
                keys[..=i].rotate_right(1);
            }
        }
        keys
    }

    pub fn remember(&mut self, mac: [u8; 6], source: KeySource) {
        if self.verified.len() >= MAX_REMEMBERED && !self.verified.contains_key(&mac) {
            self.verified.clear();
        }
        self.verified.insert(mac, source);
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty() && self.file.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mac: Option<[u8; 6]>, first: u8, row: u32) -> BindkeyEntry {
        BindkeyEntry {
            mac,
            key: Bindkey::Ccm([first; 16]),
            row,
        }
    }

    #[test]
    fn mac_keys_table_first_and_the_verified_one_first() {
        let mac = [1, 2, 3, 4, 5, 6];
        let mut ring = Keyring::default();
        ring.set_table_keys(vec![
            entry(Some(mac), 1, 1),
            entry(None, 2, 2),
            entry(Some(mac), 3, 3),
        ]);
        ring.set_file_keys(vec![entry(Some(mac), 4, 7)]);
        let order = |r: &Keyring| r.for_mac(&mac).iter().map(|(s, _)| *s).collect::<Vec<_>>();
        assert_eq!(
            order(&ring),
            [
                KeySource::TableRow(1),
                KeySource::TableRow(3),
                KeySource::FileLine(7)
            ]
        );
        ring.remember(mac, KeySource::FileLine(7));
        assert_eq!(order(&ring)[0], KeySource::FileLine(7));
        assert_eq!(ring.any_device(&mac).len(), 1);
        ring.reset_capture();
        assert_eq!(order(&ring)[0], KeySource::TableRow(1));
    }

    #[test]
    fn learned_keys_come_after_configured_ones_and_go_with_the_capture() {
        let mac = [1, 2, 3, 4, 5, 6];
        let mut ring = Keyring::default();
        ring.set_table_keys(vec![entry(Some(mac), 1, 1)]);
        ring.learn(Some(mac), Bindkey::Ccm([9; 16]), 55);
        ring.learn(Some(mac), Bindkey::Ccm([9; 16]), 56);
        ring.learn(None, Bindkey::Ccm([8; 16]), 57);
        let order: Vec<_> = ring.for_mac(&mac).iter().map(|(s, _)| *s).collect();
        assert_eq!(
            order,
            [KeySource::TableRow(1), KeySource::Learned(55)],
            "learned once"
        );
        assert_eq!(ring.any_device(&mac)[0].0, KeySource::Learned(57));
        ring.reset_capture();
        assert_eq!(ring.for_mac(&mac).len(), 1);
    }

    #[test]
    fn memory_stays_bounded() {
        let mut ring = Keyring::default();
        for i in 0..(MAX_REMEMBERED as u32 + 10) {
            let b = i.to_le_bytes();
            ring.remember([b[0], b[1], b[2], 0, 0, 0], KeySource::TableRow(1));
        }
        assert!(ring.verified.len() <= MAX_REMEMBERED);
    }
}
