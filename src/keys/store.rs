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
/// 32-bit indices: every frame's record holds two of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRef {
    Table(u32),
    File(u32),
    Learned(u32),
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
            KeyRef::Table(i) => self.table.get(i as usize),
            KeyRef::File(i) => self.file.get(i as usize),
            KeyRef::Learned(i) => self.learned.get(i as usize),
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
            if by == KeyRef::Learned(i as u32) {
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
    make: fn(u32) -> KeyRef,
    keep: impl Fn(&KnownKey) -> bool + 'a,
) -> impl Iterator<Item = KeyRef> + 'a {
    keys.iter()
        .enumerate()
        .filter(move |(_, k)| keep(k))
        .map(move |(i, _)| make(i as u32))
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
#[path = "store_tests.rs"]
mod tests;
