//! What a Roborock capture says across frames: the hello nonces of each
//! `L01` TCP session, which key verified a scope (a TCP connection, or an
//! MQTT duid), which duid discovery tied to an address, request ↔ reply
//! links and the map nonces of requests. Filled on the first pass.

use std::collections::HashMap;

pub use crate::frame_table::FrameId;
use crate::frame_table::FrameTable;

/// What links and keys are matched within: a TCP connection, or on MQTT
/// the device's duid (requests and replies travel on different topics).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Conversation(u32),
    Duid(String),
}

/// What one frame's first pass found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Record {
    /// Index of the Roborock key that decrypted it.
    pub key: Option<usize>,
    pub request_in: Option<u32>,
    pub response_in: Option<u32>,
    pub response_time_ns: Option<i64>,
    /// No key was tried: none had fitted the scope's first frames.
    pub given_up: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Hello {
    connect: Option<u32>,
    ack: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
struct Request {
    frame: FrameId,
    time_ns: i128,
    answered: bool,
}

#[derive(Debug, Default)]
pub struct Session {
    frames: FrameTable<Record>,
    hellos: HashMap<u32, Hello>,
    keys: HashMap<Scope, usize>,
    duid_by_address: HashMap<u32, String>,
    requests: HashMap<(Scope, i64), Request>,
    map_nonces: HashMap<(Scope, u16), [u8; 16]>,
    /// Frames in a row of a scope that no key decrypted.
    misses: HashMap<Scope, u32>,
}

/// Frames in a row of one scope that no key decrypted after which keys are
/// no longer tried on it (until the keys change): a connection of a device
/// whose key is not configured costs a few trials, not one per frame and key.
pub const SCOPE_TRIES: u32 = 3;

impl Session {
    pub fn record(&self, frame: FrameId) -> Option<Record> {
        self.frames.get(frame)
    }

    pub fn store(&mut self, frame: FrameId, record: Record) {
        let links = self.frames.get(frame).map(|r| r.response_in);
        let mut record = record;
        // A reply seen earlier in this pass may have linked this request.
        if let Some(Some(response)) = links {
            record.response_in.get_or_insert(response);
        }
        self.frames.insert(frame, record);
    }

    pub fn hello_request(&mut self, conversation: u32, random: u32) {
        self.hellos.insert(
            conversation,
            Hello {
                connect: Some(random),
                ack: None,
            },
        );
    }

    pub fn hello_response(&mut self, conversation: u32, random: u32) {
        self.hellos.entry(conversation).or_default().ack = Some(random);
    }

    /// (connect nonce, ack nonce) of the connection's `L01` hello.
    pub fn nonces(&self, conversation: u32) -> (Option<u32>, Option<u32>) {
        self.hellos
            .get(&conversation)
            .map_or((None, None), |h| (h.connect, h.ack))
    }

    /// The key list changed: remembered indices mean nothing now.
    pub fn forget_keys(&mut self) {
        self.keys.clear();
        self.misses.clear();
    }

    /// No key decrypted a frame of this scope (first pass).
    pub fn missed(&mut self, scope: &Scope) {
        *self.misses.entry(scope.clone()).or_default() += 1;
    }

    /// Keys are no longer tried on this scope.
    pub fn given_up(&self, scope: &Scope) -> bool {
        self.misses.get(scope).is_some_and(|&n| n >= SCOPE_TRIES)
    }

    pub fn key_for(&self, scope: &Scope) -> Option<usize> {
        self.keys.get(scope).copied()
    }

    pub fn remember_key(&mut self, scope: Scope, key: usize) {
        self.misses.remove(&scope);
        self.keys.insert(scope, key);
    }

    pub fn discovered(&mut self, address: u32, duid: String) {
        self.duid_by_address.insert(address, duid);
    }

    pub fn duid_at(&self, address: u32) -> Option<&str> {
        self.duid_by_address.get(&address).map(String::as_str)
    }

    /// A request with this id; `map_nonce` keys its map response.
    pub fn request(
        &mut self,
        scope: Scope,
        id: i64,
        frame: FrameId,
        time_ns: i128,
        map_nonce: Option<[u8; 16]>,
    ) {
        if let (Some(nonce), Ok(short_id)) = (map_nonce, u16::try_from(id)) {
            self.map_nonces.insert((scope.clone(), short_id), nonce);
        }
        self.requests.insert(
            (scope, id),
            Request {
                frame,
                time_ns,
                answered: false,
            },
        );
    }

    /// A reply (or map response) to the request with this id: links both.
    pub fn reply(
        &mut self,
        scope: Scope,
        id: i64,
        frame: FrameId,
        time_ns: i128,
        record: &mut Record,
    ) {
        let Some(request) = self.requests.get_mut(&(scope, id)) else {
            return;
        };
        if request.frame >= frame {
            return;
        }
        record.request_in = Some(request.frame.0);
        record.response_time_ns = i64::try_from(time_ns - request.time_ns).ok();
        if !request.answered {
            request.answered = true;
            let at = request.frame;
            self.frames.entry(at).response_in = Some(frame.0);
        }
    }

    pub fn map_nonce(&self, scope: &Scope, request_id: u16) -> Option<[u8; 16]> {
        self.map_nonces.get(&(scope.clone(), request_id)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_link_within_their_scope() {
        let mut s = Session::default();
        let conv = Scope::Conversation(3);
        s.request(conv.clone(), 20002, (8, 0), 0, None);
        let mut reply = Record::default();
        s.reply(Scope::Conversation(4), 20002, (9, 0), 5, &mut reply);
        assert_eq!(reply.request_in, None, "another connection");
        s.reply(conv, 20002, (9, 0), 5_000_000, &mut reply);
        assert_eq!(reply.request_in, Some(8));
        assert_eq!(reply.response_time_ns, Some(5_000_000));
        assert_eq!(s.record((8, 0)).unwrap().response_in, Some(9));
    }

    #[test]
    fn hello_nonces_and_map_nonces() {
        let mut s = Session::default();
        s.hello_request(1, 20001);
        assert_eq!(s.nonces(1), (Some(20001), None));
        s.hello_response(1, 77);
        assert_eq!(s.nonces(1), (Some(20001), Some(77)));
        let duid = Scope::Duid("rrMqtt".into());
        s.request(duid.clone(), 20007, (5, 0), 0, Some([9; 16]));
        assert_eq!(s.map_nonce(&duid, 20007), Some([9; 16]));
        assert_eq!(s.map_nonce(&Scope::Conversation(1), 20007), None);
    }
}
