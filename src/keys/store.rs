//! The key store: keys from the preference table and the key file, keys
//! learned from the capture, and which key last verified for each device.

use std::collections::HashMap;

use crate::keys::KeyEntry;
use crate::miio::crypto::{DeviceKey, TOKEN_LEN};

/// Where a key came from, for the analyst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Row N (1-based) of the miio_keys table.
    TableRow(u32),
    /// Line N (1-based) of the key file.
    FileLine(u32),
    /// The device's hello reply in frame N carried its token.
    HelloReply(u32),
    /// The `miIO.info` reply in frame N carried the token.
    InfoReply(u32),
    /// The `_otc.info` request to the cloud in frame N carried the local token.
    OtcInfo(u32),
}

/// A token from a hello reply is only a candidate: bytes 16..31 of a
/// 32-byte frame may be something else. A checksum decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidacy {
    /// No frame has verified with it yet.
    Open,
    /// Frame N's checksum verified with it.
    ConfirmedIn(u32),
    /// Frame N of the device verified with another key while this one had
    /// verified none: not the device's token. Never used again.
    DroppedIn(u32),
}

#[derive(Debug, Clone)]
pub struct KnownKey {
    pub key: DeviceKey,
    /// `None` = any device.
    pub device_id: Option<u32>,
    pub origin: KeyOrigin,
    /// `Some` for a token taken from a hello reply.
    pub candidacy: Option<Candidacy>,
}

/// What one verified frame decided about its device's candidates: the
/// hello-reply frames whose token it confirmed or dropped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub confirmed: Option<u32>,
    pub dropped: Vec<u32>,
}

/// A key in the store; stable until the store's keys are replaced or reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRef {
    Table(usize),
    File(usize),
    Learned(usize),
}

/// The key chosen for one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyChoice {
    pub key: KeyRef,
    /// The frame's checksum matched this key.
    pub verified: bool,
}

#[derive(Debug, Default)]
pub struct KeyStore {
    table: Vec<KnownKey>,
    file: Vec<KnownKey>,
    learned: Vec<KnownKey>,
    /// Device id → the key that last verified one of its frames, so trial
    /// decryption costs one MD5 per frame once a device's key is known.
    verified: HashMap<u32, KeyRef>,
    /// Learned keys whose candidacy is open; 0 makes `settle` free.
    open_candidates: usize,
}

impl KeyStore {
    pub fn set_table_keys(&mut self, entries: Vec<KeyEntry>) {
        self.table = entries
            .into_iter()
            .map(|e| known(e, KeyOrigin::TableRow))
            .collect();
        self.verified.clear();
    }

    pub fn set_file_keys(&mut self, entries: Vec<KeyEntry>) {
        self.file = entries
            .into_iter()
            .map(|e| known(e, KeyOrigin::FileLine))
            .collect();
        self.verified.clear();
    }

    /// Forgets what the last capture taught: learned keys and the cache.
    pub fn forget_capture(&mut self) {
        self.learned.clear();
        self.verified.clear();
        self.open_candidates = 0;
    }

    pub fn configured_len(&self) -> usize {
        self.table.len() + self.file.len()
    }

    pub fn get(&self, r: KeyRef) -> Option<&KnownKey> {
        match r {
            KeyRef::Table(i) => self.table.get(i),
            KeyRef::File(i) => self.file.get(i),
            KeyRef::Learned(i) => self.learned.get(i),
        }
    }

    /// The device's own key with this token (dropped candidates included).
    pub fn find(&self, device_id: u32, token: &[u8; TOKEN_LEN]) -> Option<KeyRef> {
        let mine = move |k: &KnownKey| k.device_id == Some(device_id) && k.key.token() == token;
        refs(&self.table, KeyRef::Table, mine)
            .chain(refs(&self.file, KeyRef::File, mine))
            .chain(refs(&self.learned, KeyRef::Learned, mine))
            .next()
    }

    /// Remembers a token the traffic revealed for `device_id`. Returns false
    /// when the store already has that token for the device.
    pub fn learn(&mut self, device_id: u32, token: [u8; TOKEN_LEN], origin: KeyOrigin) -> bool {
        if self.find(device_id, &token).is_some() {
            return false;
        }
        let candidacy = matches!(origin, KeyOrigin::HelloReply(_)).then_some(Candidacy::Open);
        self.open_candidates += usize::from(candidacy.is_some());
        self.learned.push(KnownKey {
            key: DeviceKey::new(token),
            device_id: Some(device_id),
            origin,
            candidacy,
        });
        true
    }

    /// A frame of `device_id` (packet `frame`) verified with `by`: that
    /// confirms `by` if it is an open candidate, and drops the device's other
    /// open candidates.
    pub fn settle(&mut self, device_id: u32, by: KeyRef, frame: u32) -> Settled {
        let mut settled = Settled::default();
        if self.open_candidates == 0 {
            return settled;
        }
        for (i, k) in self.learned.iter_mut().enumerate() {
            if k.device_id != Some(device_id) || k.candidacy != Some(Candidacy::Open) {
                continue;
            }
            let KeyOrigin::HelloReply(hello) = k.origin else {
                continue;
            };
            if by == KeyRef::Learned(i) {
                k.candidacy = Some(Candidacy::ConfirmedIn(frame));
                settled.confirmed = Some(hello);
            } else {
                k.candidacy = Some(Candidacy::DroppedIn(frame));
                settled.dropped.push(hello);
            }
            self.open_candidates -= 1;
        }
        settled
    }

    /// Keys meant for this device, in order: table, key file, learned
    /// (less dropped candidates).
    fn for_device(&self, device_id: u32) -> impl Iterator<Item = KeyRef> + '_ {
        let mine = move |k: &KnownKey| {
            k.device_id == Some(device_id) && !matches!(k.candidacy, Some(Candidacy::DroppedIn(_)))
        };
        refs(&self.table, KeyRef::Table, mine)
            .chain(refs(&self.file, KeyRef::File, mine))
            .chain(refs(&self.learned, KeyRef::Learned, mine))
    }

    /// Keys for any device, in order: table, key file.
    fn for_any_device(&self) -> impl Iterator<Item = KeyRef> + '_ {
        let any = |k: &KnownKey| k.device_id.is_none();
        refs(&self.table, KeyRef::Table, any).chain(refs(&self.file, KeyRef::File, any))
    }

    fn verifies(&self, r: KeyRef, frame: &[u8]) -> bool {
        self.get(r).is_some_and(|k| k.key.verifies(frame))
    }

    /// Picks the key for a data frame of `device_id`.
    ///
    /// The key that last verified this device's frames is tried first. Then
    /// the device's own keys, then keys for any device; the first whose
    /// checksum verifies wins and is remembered. If none verifies but the
    /// device has keys of its own (less open candidates), the first is returned unverified
    /// (a corrupted frame still shows what decrypts). Returns the choice and
    /// how many keys were tried.
    pub fn choose(&mut self, device_id: u32, frame: &[u8]) -> (Option<KeyChoice>, u32) {
        let mut tried = 0u32;
        let cached = self.verified.get(&device_id).copied();
        if let Some(r) = cached {
            tried += 1;
            if self.verifies(r, frame) {
                return (
                    Some(KeyChoice {
                        key: r,
                        verified: true,
                    }),
                    tried,
                );
            }
        }
        let mut found = None;
        for r in self.for_device(device_id).chain(self.for_any_device()) {
            if Some(r) == cached {
                continue;
            }
            tried = tried.saturating_add(1);
            if self.verifies(r, frame) {
                found = Some(r);
                break;
            }
        }
        if let Some(r) = found {
            self.verified.insert(device_id, r);
            return (
                Some(KeyChoice {
                    key: r,
                    verified: true,
                }),
                tried,
            );
        }
        // An unconfirmed hello-reply token is never used unverified: it may
        // be no token at all.
        let fallback = cached.or_else(|| {
            self.for_device(device_id).find(|&r| {
                self.get(r)
                    .is_some_and(|k| k.candidacy != Some(Candidacy::Open))
            })
        });
        (
            fallback.map(|key| KeyChoice {
                key,
                verified: false,
            }),
            tried,
        )
    }
}

/// References to the keys of one list that pass `keep`.
fn refs<'a>(
    keys: &'a [KnownKey],
    make: fn(usize) -> KeyRef,
    keep: impl Fn(&KnownKey) -> bool + 'a,
) -> impl Iterator<Item = KeyRef> + 'a {
    keys.iter()
        .enumerate()
        .filter(move |(_, k)| keep(k))
        .map(move |(i, _)| make(i))
}

fn known(e: KeyEntry, origin: fn(u32) -> KeyOrigin) -> KnownKey {
    KnownKey {
        key: e.key,
        device_id: e.device_id,
        origin: origin(e.row),
        candidacy: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{parse_row, RawRow};
    use crate::miio::test_frames::{hex, INFO_REQUEST, TOKEN};

    const OTHER: &str = "00112233445566778899aabbccddeeff";
    const DID: u32 = 0x0a1b2c3d;

    fn entry(device_id: &str, key: &str, row: u32) -> KeyEntry {
        let raw = RawRow {
            device_id,
            key_type: "token",
            key,
            comment: "",
        };
        parse_row(&raw, Some(row)).unwrap()
    }

    fn store(entries: Vec<KeyEntry>) -> KeyStore {
        let mut s = KeyStore::default();
        s.set_table_keys(entries);
        s
    }

    fn origin(s: &KeyStore, c: Option<KeyChoice>) -> KeyOrigin {
        s.get(c.unwrap().key).unwrap().origin
    }

    #[test]
    fn empty_store_has_no_key() {
        let (choice, tried) = KeyStore::default().choose(DID, &hex(INFO_REQUEST));
        assert!(choice.is_none());
        assert_eq!(tried, 0);
    }

    #[test]
    fn device_key_verifies() {
        let mut s = store(vec![entry("0a1b2c3d", TOKEN, 1)]);
        let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
        assert!(choice.unwrap().verified);
        assert_eq!(origin(&s, choice), KeyOrigin::TableRow(1));
        assert_eq!(tried, 1);
    }

    #[test]
    fn wildcard_keys_are_tried_by_checksum_and_the_winner_remembered() {
        let mut entries: Vec<_> = (0..1000u32)
            .map(|i| entry("", &format!("{i:032x}"), i + 1))
            .collect();
        entries.push(entry("", TOKEN, 1001));
        let mut s = store(entries);
        let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
        assert_eq!(origin(&s, choice), KeyOrigin::TableRow(1001));
        assert_eq!(tried, 1001);
        // The next frame of the device costs one checksum.
        let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
        assert!(choice.unwrap().verified);
        assert_eq!(tried, 1);
    }

    #[test]
    fn key_of_another_device_is_not_used() {
        let mut s = store(vec![entry("11111111", TOKEN, 1)]);
        assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_none());
    }

    #[test]
    fn device_key_that_fails_is_returned_unverified() {
        let mut s = store(vec![entry("0a1b2c3d", OTHER, 1), entry("", OTHER, 2)]);
        let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
        assert!(!choice.unwrap().verified);
        assert_eq!(origin(&s, choice), KeyOrigin::TableRow(1));
        assert_eq!(tried, 2);
    }

    #[test]
    fn second_key_for_same_device_wins_when_it_verifies() {
        let mut s = store(vec![
            entry("0a1b2c3d", OTHER, 1),
            entry("0a1b2c3d", TOKEN, 2),
        ]);
        let (choice, _) = s.choose(DID, &hex(INFO_REQUEST));
        assert_eq!(origin(&s, choice), KeyOrigin::TableRow(2));
    }

    #[test]
    fn learned_keys_apply_to_their_device_only() {
        let mut s = KeyStore::default();
        let token: [u8; 16] = hex(TOKEN).try_into().unwrap();
        assert!(s.learn(DID, token, KeyOrigin::HelloReply(4)));
        assert!(
            !s.learn(DID, token, KeyOrigin::HelloReply(5)),
            "same token twice"
        );
        let (choice, _) = s.choose(DID, &hex(INFO_REQUEST));
        assert_eq!(origin(&s, choice), KeyOrigin::HelloReply(4));
        assert!(s.choose(0x1111_1111, &hex(INFO_REQUEST)).0.is_none());
        s.forget_capture();
        assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_none());
    }

    #[test]
    fn hello_reply_token_is_a_candidate_until_a_checksum_confirms_it() {
        let mut s = KeyStore::default();
        let token: [u8; 16] = hex(TOKEN).try_into().unwrap();
        assert!(s.learn(DID, token, KeyOrigin::HelloReply(4)));
        assert_eq!(
            s.get(KeyRef::Learned(0)).unwrap().candidacy,
            Some(Candidacy::Open)
        );
        let (choice, _) = s.choose(DID, &hex(INFO_REQUEST));
        let by = choice.unwrap().key;
        assert_eq!(
            s.settle(DID, by, 7),
            Settled {
                confirmed: Some(4),
                dropped: vec![]
            }
        );
        assert_eq!(
            s.get(by).unwrap().candidacy,
            Some(Candidacy::ConfirmedIn(7))
        );
        // Settled once: later frames change nothing.
        assert_eq!(s.settle(DID, by, 9), Settled::default());
    }

    #[test]
    fn candidate_is_dropped_when_another_key_verifies_the_devices_frame() {
        let mut s = store(vec![entry("0a1b2c3d", TOKEN, 1)]);
        let wrong: [u8; 16] = hex(OTHER).try_into().unwrap();
        assert!(s.learn(DID, wrong, KeyOrigin::HelloReply(4)));
        let (choice, _) = s.choose(DID, &hex(INFO_REQUEST));
        let by = choice.unwrap().key;
        assert_eq!(by, KeyRef::Table(0));
        assert_eq!(
            s.settle(DID, by, 7),
            Settled {
                confirmed: None,
                dropped: vec![4]
            }
        );
        assert_eq!(
            s.get(KeyRef::Learned(0)).unwrap().candidacy,
            Some(Candidacy::DroppedIn(7))
        );
        // A dropped candidate is never offered again, even as a fallback;
        // an open one is not offered as a fallback either.
        s.set_table_keys(vec![]);
        assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_none());
        // Tokens from decrypted payloads are not candidates.
        let mut t = KeyStore::default();
        t.learn(DID, wrong, KeyOrigin::InfoReply(3));
        assert_eq!(t.get(KeyRef::Learned(0)).unwrap().candidacy, None);
    }

    #[test]
    fn an_open_candidate_is_not_a_fallback() {
        let mut s = KeyStore::default();
        let wrong: [u8; 16] = hex(OTHER).try_into().unwrap();
        s.learn(DID, wrong, KeyOrigin::HelloReply(4));
        assert_eq!(s.choose(DID, &hex(INFO_REQUEST)), (None, 1));
    }

    #[test]
    fn configured_token_is_not_learned_again() {
        let mut s = store(vec![entry("0a1b2c3d", TOKEN, 1)]);
        let token: [u8; 16] = hex(TOKEN).try_into().unwrap();
        assert!(!s.learn(DID, token, KeyOrigin::InfoReply(8)));
    }

    #[test]
    fn replacing_keys_clears_the_cache() {
        let mut s = store(vec![entry("", TOKEN, 1)]);
        assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_some());
        s.set_table_keys(vec![]);
        assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_none());
    }
}
