//! What Mi cloud traffic needs across frames: the ssecurity keys (table
//! rows, and those the capture reveals), requests waiting for their
//! response on each connection, and what the first pass decided for each
//! frame, so later passes (the GUI, `tshark -2`) show the same.

use std::collections::{HashMap, VecDeque};

use super::crypto::SignedNonce;

/// Where an ssecurity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// Row N (1-based) of the miio_keys table.
    TableRow(u32),
    /// The login reply (`serviceLoginAuth2`) in frame N.
    LoginReply(u32),
    /// The request in frame N sent it in clear (community clients do).
    RequestField(u32),
}

/// A request waiting for its response.
#[derive(Debug, Clone)]
pub struct Pending {
    pub frame: u32,
    pub time_ns: i128,
    pub path: Option<String>,
    pub key: Option<(SignedNonce, KeySource)>,
    /// The decrypted `data` param (a beaconkey reply names no device).
    pub data: Option<Vec<u8>>,
}

/// The first pass's decision for a request or response frame.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub key: Option<(SignedNonce, KeySource)>,
    pub request_in: Option<u32>,
    pub response_in: Option<u32>,
    pub response_time_ns: Option<i128>,
    pub path: Option<String>,
    /// A response's: its request's decrypted `data`.
    pub data: Option<Vec<u8>>,
}

/// Bounds: a hostile capture's many connections or unanswered requests
/// cost memory up to these, not more.
const MAX_LEARNED: usize = 64;
const MAX_PENDING: usize = 64;
const MAX_CONNECTIONS: usize = 4096;

#[derive(Debug, Default)]
pub struct MicloudState {
    table: Vec<(Vec<u8>, u32)>,
    learned: Vec<(Vec<u8>, KeySource)>,
    pending: HashMap<u32, VecDeque<Pending>>,
    pub records: HashMap<u32, Record>,
    /// did → MAC, from device lists (a beaconkey reply names only the did).
    pub macs: HashMap<String, [u8; 6]>,
    /// miIO device ids from device lists (for `/home/rpc/<did>` paths).
    pub dids: Vec<String>,
    /// The last reply inflated, for the shim to copy.
    pub inflated: Vec<u8>,
}

impl MicloudState {
    pub fn set_table_keys(&mut self, rows: Vec<(Vec<u8>, u32)>) {
        self.table = rows;
    }

    pub fn reset_capture(&mut self) {
        self.learned.clear();
        self.pending.clear();
        self.records.clear();
        self.macs.clear();
        self.dids.clear();
        self.inflated = Vec::new();
    }

    /// Keys to try: the request's own `ssecurity` first, then those the
    /// capture revealed (newest first), then the table's.
    pub fn candidates(&self, own: Option<(Vec<u8>, u32)>) -> Vec<(Vec<u8>, KeySource)> {
        let mut keys: Vec<_> = own
            .map(|(k, frame)| (k, KeySource::RequestField(frame)))
            .into_iter()
            .collect();
        keys.extend(self.learned.iter().rev().cloned());
        keys.extend(
            self.table
                .iter()
                .map(|(k, row)| (k.clone(), KeySource::TableRow(*row))),
        );
        keys
    }

    /// Remembers an ssecurity the capture revealed (once).
    pub fn learn(&mut self, key: Vec<u8>, source: KeySource) -> bool {
        if self.learned.iter().any(|(k, _)| *k == key) || self.table.iter().any(|(k, _)| *k == key)
        {
            return false;
        }
        if self.learned.len() == MAX_LEARNED {
            self.learned.remove(0);
        }
        self.learned.push((key, source));
        true
    }

    pub fn hold(&mut self, connection: u32, p: Pending) {
        if self.pending.len() >= MAX_CONNECTIONS && !self.pending.contains_key(&connection) {
            self.pending.clear();
        }
        let q = self.pending.entry(connection).or_default();
        if q.len() == MAX_PENDING {
            q.pop_front();
        }
        q.push_back(p);
    }

    /// The oldest request of the connection still waiting (HTTP/1.1 answers
    /// in order).
    pub fn answer(&mut self, connection: u32) -> Option<Pending> {
        self.pending.get_mut(&connection)?.pop_front()
    }

    pub fn waiting(&self, connection: u32) -> bool {
        self.pending.get(&connection).is_some_and(|q| !q.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_and_bounds() {
        let mut s = MicloudState::default();
        s.set_table_keys(vec![(vec![1], 1)]);
        assert!(s.learn(vec![2], KeySource::LoginReply(5)));
        assert!(!s.learn(vec![2], KeySource::LoginReply(9)), "once");
        assert!(!s.learn(vec![1], KeySource::LoginReply(9)), "already a row");
        let order: Vec<_> = s
            .candidates(Some((vec![3], 7)))
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        assert_eq!(
            order,
            [
                KeySource::RequestField(7),
                KeySource::LoginReply(5),
                KeySource::TableRow(1)
            ]
        );
        for i in 0..(MAX_PENDING as u32 + 5) {
            s.hold(
                1,
                Pending {
                    frame: i,
                    time_ns: 0,
                    path: None,
                    key: None,
                    data: None,
                },
            );
        }
        assert_eq!(s.answer(1).unwrap().frame, 5, "the oldest kept");
        assert!(s.answer(2).is_none());
    }
}
