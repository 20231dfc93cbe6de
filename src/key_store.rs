//! The key store: the one piece of global mutable state. The preference
//! table replaces its contents as a whole; dissection only reads it.

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use once_cell::sync::Lazy;

use crate::keys::KeyEntry;

#[derive(Debug, Default)]
pub struct KeyStore {
    entries: Vec<KeyEntry>,
}

/// The key chosen for one frame.
#[derive(Debug, Clone, Copy)]
pub struct KeyChoice<'a> {
    pub entry: &'a KeyEntry,
    /// The frame's checksum matched this key.
    pub verified: bool,
}

impl KeyStore {
    pub fn new(entries: Vec<KeyEntry>) -> KeyStore {
        KeyStore { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Picks the key for a data frame of `device_id`.
    ///
    /// Keys configured for this device id come first, then keys for any
    /// device, each in table order; the first whose checksum verifies wins.
    /// If none verifies but the device has keys of its own, the first of them
    /// is returned unverified (a corrupted frame still shows what decrypts).
    /// Returns the choice and how many keys were tried.
    pub fn choose(&self, device_id: u32, frame: &[u8]) -> (Option<KeyChoice<'_>>, u32) {
        let for_device = self.entries.iter().filter(|e| e.device_id == Some(device_id));
        let for_any = self.entries.iter().filter(|e| e.device_id.is_none());
        let mut tried = 0u32;
        for entry in for_device.clone().chain(for_any) {
            tried = tried.saturating_add(1);
            if entry.key.verifies(frame) {
                return (Some(KeyChoice { entry, verified: true }), tried);
            }
        }
        let fallback = for_device
            .into_iter()
            .next()
            .map(|entry| KeyChoice { entry, verified: false });
        (fallback, tried)
    }
}

static KEY_STORE: Lazy<RwLock<KeyStore>> = Lazy::new(|| RwLock::new(KeyStore::default()));

/// Read access for dissection. A poisoned lock (a panic while replacing)
/// still holds a complete store, so it is used as it is.
pub fn read() -> RwLockReadGuard<'static, KeyStore> {
    KEY_STORE.read().unwrap_or_else(PoisonError::into_inner)
}

/// Replaces all keys at once.
pub fn replace(entries: Vec<KeyEntry>) {
    let store = KeyStore::new(entries);
    *KEY_STORE.write().unwrap_or_else(PoisonError::into_inner) = store;
}

/// Leaves the lock poisoned, as a panic during `replace` would.
#[cfg(test)]
pub(crate) fn poison_for_test() {
    let _ = std::thread::spawn(|| {
        let _guard = KEY_STORE.write().unwrap_or_else(PoisonError::into_inner);
        panic!("simulated fault while replacing keys");
    })
    .join();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{parse_row, RawRow};
    use crate::test_frames::{hex, INFO_REQUEST, TOKEN};

    fn entry(device_id: &str, key: &str, row: u32) -> KeyEntry {
        let raw = RawRow { device_id, key_type: "token", key, comment: "" };
        parse_row(&raw, Some(row)).unwrap()
    }

    const OTHER: &str = "00112233445566778899aabbccddeeff";

    #[test]
    fn empty_store_has_no_key() {
        let store = KeyStore::default();
        let (choice, tried) = store.choose(0x0a1b2c3d, &hex(INFO_REQUEST));
        assert!(choice.is_none());
        assert_eq!(tried, 0);
    }

    #[test]
    fn device_key_verifies() {
        let store = KeyStore::new(vec![entry("0a1b2c3d", TOKEN, 1)]);
        let (choice, tried) = store.choose(0x0a1b2c3d, &hex(INFO_REQUEST));
        let choice = choice.unwrap();
        assert!(choice.verified);
        assert_eq!(choice.entry.row, 1);
        assert_eq!(tried, 1);
    }

    #[test]
    fn wildcard_keys_are_tried_by_checksum() {
        let store = KeyStore::new(vec![entry("", OTHER, 1), entry("", TOKEN, 2)]);
        let (choice, tried) = store.choose(0x0a1b2c3d, &hex(INFO_REQUEST));
        assert_eq!(choice.unwrap().entry.row, 2);
        assert_eq!(tried, 2);
    }

    #[test]
    fn key_of_another_device_is_not_used() {
        let store = KeyStore::new(vec![entry("11111111", TOKEN, 1)]);
        let (choice, _) = store.choose(0x0a1b2c3d, &hex(INFO_REQUEST));
        assert!(choice.is_none());
    }

    #[test]
    fn device_key_that_fails_is_returned_unverified() {
        let store = KeyStore::new(vec![entry("0a1b2c3d", OTHER, 1), entry("", OTHER, 2)]);
        let (choice, tried) = store.choose(0x0a1b2c3d, &hex(INFO_REQUEST));
        let choice = choice.unwrap();
        assert!(!choice.verified);
        assert_eq!(choice.entry.row, 1);
        assert_eq!(tried, 2);
    }

    #[test]
    fn second_key_for_same_device_wins_when_it_verifies() {
        // A device re-paired with a new token: both rows stay, the one that verifies is used.
        let store = KeyStore::new(vec![entry("0a1b2c3d", OTHER, 1), entry("0a1b2c3d", TOKEN, 2)]);
        let (choice, _) = store.choose(0x0a1b2c3d, &hex(INFO_REQUEST));
        assert_eq!(choice.unwrap().entry.row, 2);
    }
}
