//! The dissector's one piece of global mutable state: the key store and what
//! the current capture has taught (the session). Wireshark dissects on one
//! thread; the mutex keeps that an invariant rather than an assumption.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use once_cell::sync::Lazy;

use crate::keys::store::KeyStore;
use crate::mibeacon::keyring::Keyring;
use crate::micloud::session::MicloudState;
use crate::miio::port80::Port80;
use crate::miio::session::Session;
use crate::miot::frame::MiotState;
use crate::roborock::dissect::RoborockState;
use crate::stream::StreamSync;

#[derive(Debug, Default)]
pub struct DissectorState {
    pub keys: KeyStore,
    pub session: Session,
    pub key_file: KeyFileWatch,
    /// Roborock keys, what a Roborock capture taught, the last inflated map.
    pub roborock: RoborockState,
    /// Where each TCP stream direction showed its first frame.
    pub streams: StreamSync,
    /// MIoT: spec files, device models, what MIoT requests asked.
    pub miot: MiotState,
    /// MiBeacon bindkeys.
    pub bindkeys: Keyring,
    /// Mi cloud API: ssecurity keys, requests waiting for replies.
    pub micloud: MicloudState,
    /// TCP port 80: which connections are miIO's cloud links, which HTTP.
    pub port80: Port80,
}

/// Which key file is in use and the version of it that was read.
#[derive(Debug, Default, PartialEq, Eq, Clone)]
pub struct KeyFileWatch {
    pub path: PathBuf,
    /// (size, modification time) when read; `None` when it could not be read.
    pub version: Option<(u64, SystemTime)>,
    pub keys_loaded: usize,
    /// The last read error, reported once.
    pub error: Option<String>,
}

impl DissectorState {
    /// Forgets the previous capture; configured keys stay.
    pub fn reset_capture(&mut self) {
        self.keys.forget_capture();
        self.session = Session::default();
        self.roborock.reset_capture();
        self.streams = StreamSync::default();
        self.miot.reset_capture();
        self.bindkeys.reset_capture();
        self.micloud.reset_capture();
        self.port80 = Port80::default();
    }
}

static STATE: Lazy<Mutex<DissectorState>> = Lazy::new(|| Mutex::new(DissectorState::default()));

/// The state, locked. A panic while it was held cannot leave half a key or
/// half a record behind (each is written whole), so a poisoned lock is used
/// as it is.
pub fn lock() -> MutexGuard<'static, DissectorState> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Leaves the lock poisoned, as a panic while holding it would.
#[cfg(test)]
pub(crate) fn poison_for_test() {
    let _ = std::thread::spawn(|| {
        let _guard = lock();
        panic!("simulated fault while holding the state");
    })
    .join();
}
