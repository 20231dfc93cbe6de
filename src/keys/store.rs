//! The key store: keys from the preference table and the key file, keys
//! learned from the capture, and which key last verified for each device.

use std::collections::HashMap;

use crate::keys::device_keys::DeviceIndex;
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
    /// The Mi cloud API's device list reply in frame N carried the token.
    MicloudReply(u32),
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
    /// Per device: its keys, the key that last verified, its misses.
    devices: DeviceIndex,
    /// Keys for any device: table rows, then the key file.
    any_device: Vec<KeyRef>,
    /// (device, token) → the first key of the device with that token.
    by_token: HashMap<(u32, [u8; TOKEN_LEN]), KeyRef>,
    /// Open candidates of all devices; 0 makes `settle` free.
    open_candidates: usize,
}

impl KeyStore {
    pub fn set_table_keys(&mut self, entries: Vec<KeyEntry>) {
        self.table = entries
            .into_iter()
            .map(|e| known(e, KeyOrigin::TableRow))
            .collect();
        self.reindex();
    }

    pub fn set_file_keys(&mut self, entries: Vec<KeyEntry>) {
        self.file = entries
            .into_iter()
            .map(|e| known(e, KeyOrigin::FileLine))
            .collect();
        self.reindex();
    }

    /// Forgets what the last capture taught: learned keys and the cache.
    pub fn forget_capture(&mut self) {
        self.learned.clear();
        self.reindex();
    }

    /// Builds the index from the lists; caches and miss counts start over.
    fn reindex(&mut self) {
        self.devices.clear();
        self.any_device.clear();
        self.by_token.clear();
        self.open_candidates = 0;
        let configured = refs(&self.table, KeyRef::Table, |_| true)
            .chain(refs(&self.file, KeyRef::File, |_| true))
            .collect::<Vec<_>>();
        for r in configured {
            let Some(k) = self.get(r) else { continue };
            let (device_id, token) = (k.device_id, *k.key.token());
            match device_id {
                None => self.any_device.push(r),
                Some(d) => {
                    self.devices.entry(d).or_default().configured.push(r);
                    self.by_token.entry((d, token)).or_insert(r);
                }
            }
        }
        for (i, k) in self.learned.iter().enumerate() {
            let Some(d) = k.device_id else { continue };
            self.by_token
                .entry((d, *k.key.token()))
                .or_insert(KeyRef::Learned(i as u32));
            match k.candidacy {
                Some(Candidacy::DroppedIn(_)) => {}
                c => {
                    let open = c == Some(Candidacy::Open);
                    self.open_candidates += usize::from(open);
                    self.devices
                        .entry(d)
                        .or_default()
                        .push_learned(i as u32, open)
                }
            }
        }
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
        self.by_token.get(&(device_id, *token)).copied()
    }

    /// Remembers a token the traffic revealed for `device_id`. Returns the
    /// new key, or `None` when the store already has that token for the
    /// device.
    pub fn learn(
        &mut self,
        device_id: u32,
        token: [u8; TOKEN_LEN],
        origin: KeyOrigin,
    ) -> Option<KeyRef> {
        if self.find(device_id, &token).is_some() {
            return None;
        }
        let candidate = matches!(origin, KeyOrigin::HelloReply(_));
        let index = self.learned.len() as u32;
        self.learned.push(KnownKey {
            key: DeviceKey::new(token),
            device_id: Some(device_id),
            origin,
            candidacy: candidate.then_some(Candidacy::Open),
        });
        let r = KeyRef::Learned(index);
        self.by_token.insert((device_id, token), r);
        self.open_candidates += usize::from(candidate);
        self.devices
            .entry(device_id)
            .or_default()
            .push_learned(index, candidate);
        Some(r)
    }

    /// A frame of `device_id` (packet `frame`) verified with `by`: that
    /// confirms `by` if it is an open candidate, and drops the device's other
    /// open candidates. Each candidate is settled once, so this costs
    /// nothing once a device has none open.
    pub fn settle(&mut self, device_id: u32, by: KeyRef, frame: u32) -> Settled {
        let mut settled = Settled::default();
        if self.open_candidates == 0 {
            return settled;
        }
        let Some(device) = self.devices.get_mut(&device_id) else {
            return settled;
        };
        if device.open.is_empty() {
            return settled;
        }
        let open = std::mem::take(&mut device.open);
        self.open_candidates -= open.len();
        for i in open {
            let Some(k) = self.learned.get_mut(i as usize) else {
                continue;
            };
            let KeyOrigin::HelloReply(hello) = k.origin else {
                continue;
            };
            if by == KeyRef::Learned(i) {
                k.candidacy = Some(Candidacy::ConfirmedIn(frame));
                settled.confirmed = Some(hello);
                device.first_certain.get_or_insert(i);
            } else {
                k.candidacy = Some(Candidacy::DroppedIn(frame));
                settled.dropped.push(hello);
            }
        }
        let learned = &self.learned;
        device.learned.retain(|&i| {
            !matches!(
                learned.get(i as usize).and_then(|k| k.candidacy),
                Some(Candidacy::DroppedIn(_))
            )
        });
        settled
    }

    /// `r` verified a frame of `device_id`: tried first on its next frames.
    pub fn remember(&mut self, device_id: u32, r: KeyRef) {
        let device = self.devices.entry(device_id).or_default();
        device.verified = Some(r);
        device.misses = 0;
    }

    /// Keys for any device are no longer tried on this device's frames.
    pub fn skips_any_device_keys(&self, device_id: u32) -> bool {
        !self.any_device.is_empty()
            && self
                .devices
                .get(&device_id)
                .is_some_and(|d| d.any_device_keys_given_up())
    }

    /// No key verified a data frame of `device_id` (first pass): after a
    /// few in a row, keys for any device are no longer tried on it.
    pub fn missed(&mut self, device_id: u32) {
        let device = self.devices.entry(device_id).or_default();
        device.misses = device.misses.saturating_add(1);
    }

    fn verifies(&self, r: KeyRef, frame: &[u8]) -> bool {
        self.get(r).is_some_and(|k| k.key.verifies(frame))
    }

    /// Picks the key for a data frame of `device_id`.
    ///
    /// The key that last verified this device's frames is tried first. Then
    /// the device's own keys (configured, then its newest learned ones),
    /// then keys for any device, unless they failed on the device's last
    /// frames; the first whose checksum verifies wins and is remembered. If
    /// none verifies but the device has keys of its own (less open
    /// candidates), one is returned unverified (a corrupted frame still
    /// shows what decrypts). Returns the choice and how many keys were
    /// tried.
    pub fn choose(&mut self, device_id: u32, frame: &[u8]) -> (Option<KeyChoice>, u32) {
        let mut tried = 0u32;
        let device = self.devices.get(&device_id);
        let cached = device.and_then(|d| d.verified);
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
        let give_up_any = device.is_some_and(|d| d.any_device_keys_given_up());
        let own = device.into_iter().flat_map(|d| d.tried());
        let any = self.any_device.iter().copied().filter(|_| !give_up_any);
        let mut found = None;
        for r in own.chain(any) {
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
            self.remember(device_id, r);
            return (
                Some(KeyChoice {
                    key: r,
                    verified: true,
                }),
                tried,
            );
        }
        let device = self.devices.get(&device_id);
        // An unconfirmed hello-reply token is never used unverified: it may
        // be no token at all.
        let fallback = cached.or_else(|| {
            let d = device?;
            d.configured
                .first()
                .copied()
                .or(d.first_certain.map(KeyRef::Learned))
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
