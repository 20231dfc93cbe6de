//! What a capture says across frames: request ↔ response links, retries,
//! duplicated replies and each device's stamp. Filled on the first pass over
//! the frames and read back on later passes.

use std::collections::HashMap;

use crate::keys::store::{KeyOrigin, KeyRef};
use crate::miio::pending::Pending;
use crate::miio::short_frame::{ShortFrame, ShortFrames};

/// A request repeats an unanswered one (a retry) only this soon after it.
/// python-miio 0.5.12 tries 4 times, each after a new handshake and a 5 s
/// timeout: its last try comes ~15 s after the first, just under 30 s when
/// every hello reply takes almost its 5 s. Node miio 0.15.6 tries 6 times
/// 2 s apart (10 s); the Mi Home app resends the same datagram at 2 and 4 s.
pub const RETRY_WINDOW_NS: i128 = 30_000_000_000;

pub use crate::frame_table::FrameId;
use crate::frame_table::FrameTable;

/// What one frame's first pass found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameRecord {
    /// What a 32-byte frame turned out to be.
    pub short: Option<ShortFrame>,
    /// The key that verified or decrypted it.
    pub key: Option<KeyRef>,
    /// A key this frame revealed (hello reply or miIO.info reply).
    pub taught: Option<KeyOrigin>,
    /// Stamp minus the stamp of the device's previous frame.
    pub stamp_delta: Option<i64>,
    /// On a reply: its request.
    pub request_in: Option<u32>,
    /// On a request: the packet of its first reply.
    pub response_in: Option<u32>,
    /// On a reply: time since its request, in nanoseconds.
    pub response_time_ns: Option<i64>,
    /// On a reply that repeats an earlier reply to the same request: that reply.
    pub duplicate_of: Option<u32>,
    /// On a request that repeats an unanswered request of the same device
    /// (same method and params; python-miio retries with a new id): that request.
    pub retry_of: Option<u32>,
    /// On a hello reply: the key its bytes 16..31 are (learned from it or
    /// known before).
    pub token_key: Option<KeyRef>,
    /// The hello reply whose token candidate this frame's checksum dropped.
    pub candidate_dropped: Option<u32>,
    /// Keys the first pass tried on it (later passes may try fewer: see
    /// `keys::device_keys`), so that every pass says the same.
    pub keys_tried: u16,
    /// Keys for any device were not tried: none fitted the device's first
    /// frames.
    pub any_device_keys_skipped: bool,
}

/// Where a request or reply belongs: a JSON id within one device and one
/// conversation (addresses and ports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TransactionKey {
    conversation: u32,
    device_id: u32,
    id: i64,
}

/// A request or reply: where and when it was seen, and its JSON id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub frame: FrameId,
    pub time_ns: i128,
    pub conversation: u32,
    pub device_id: u32,
    pub id: i64,
}

impl Seen {
    fn key(&self) -> TransactionKey {
        TransactionKey {
            conversation: self.conversation,
            device_id: self.device_id,
            id: self.id,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Transaction {
    request: FrameId,
    request_time_ns: i128,
    first_reply: Option<u32>,
    /// (device id, hash of method and params), to recognise retries.
    signature: (u32, u64),
}

#[derive(Debug, Default)]
pub struct Session {
    frames: FrameTable<FrameRecord>,
    /// The latest request for each key; an id used again later starts over.
    open: HashMap<TransactionKey, Transaction>,
    /// Unanswered requests (packet, time) by (device id, hash of method and
    /// params), across conversations: python-miio retries from a new socket
    /// with a new id.
    unanswered: HashMap<(u32, u64), (u32, i128)>,
    last_stamp: HashMap<u32, u32>,
    /// Hellos, pings, time syncs and keep-alives.
    pub short: ShortFrames,
    /// Data frames waiting for their device's key.
    pub pending: Pending,
}

impl Session {
    pub fn record(&self, frame: FrameId) -> Option<FrameRecord> {
        self.frames.get(frame)
    }

    pub fn store(&mut self, frame: FrameId, record: FrameRecord) {
        self.frames.insert(frame, record);
    }

    /// The stamp delta to the device's previous frame; remembers this stamp.
    pub fn stamp_delta(&mut self, device_id: u32, stamp: u32) -> Option<i64> {
        let previous = self.last_stamp.insert(device_id, stamp)?;
        Some(i64::from(stamp) - i64::from(previous))
    }

    /// A request seen on the first pass; `signature` identifies its method
    /// and params. Returns the packet of the unanswered request it repeats.
    pub fn request(&mut self, seen: &Seen, signature: u64) -> Option<u32> {
        let signature = (seen.device_id, signature);
        let t = Transaction {
            request: seen.frame,
            request_time_ns: seen.time_ns,
            first_reply: None,
            signature,
        };
        // A request decrypted late (its key came later) never replaces a
        // newer request with the same id.
        match self.open.get(&seen.key()) {
            Some(newer) if newer.request > seen.frame => return None,
            _ => self.open.insert(seen.key(), t),
        };
        self.unanswered
            .insert(signature, (seen.frame.0, seen.time_ns))
            .filter(|&(earlier, at)| earlier < seen.frame.0 && seen.time_ns - at <= RETRY_WINDOW_NS)
            .map(|(earlier, _)| earlier)
    }

    /// A reply seen on the first pass: links it to its request and fills in
    /// `record`'s request_in / response_time_ns / duplicate_of.
    pub fn reply(&mut self, seen: &Seen, record: &mut FrameRecord) {
        let Some(t) = self.open.get_mut(&seen.key()) else {
            return;
        };
        if t.request >= seen.frame {
            return;
        }
        record.request_in = Some(t.request.0);
        record.response_time_ns = i64::try_from(seen.time_ns - t.request_time_ns).ok();
        match t.first_reply {
            Some(first) => record.duplicate_of = Some(first),
            None => {
                t.first_reply = Some(seen.frame.0);
                let (request, signature) = (t.request, t.signature);
                if self.unanswered.get(&signature).map(|u| u.0) == Some(request.0) {
                    self.unanswered.remove(&signature);
                }
                self.frames.entry(request).response_in = Some(seen.frame.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DID: u32 = 0x0a1b2c3d;
    const MS: i128 = 1_000_000;
    const SIG: u64 = 42;

    fn at(frame: FrameId, time_ns: i128, conversation: u32, device_id: u32, id: i64) -> Seen {
        Seen {
            frame,
            time_ns,
            conversation,
            device_id,
            id,
        }
    }

    #[test]
    fn request_and_reply_are_linked_both_ways() {
        let mut s = Session::default();
        assert_eq!(s.request(&at((7, 0), 100 * MS, 1, DID, 1), SIG), None);
        let mut reply = FrameRecord::default();
        s.reply(&at((8, 0), 104 * MS, 1, DID, 1), &mut reply);
        assert_eq!(reply.request_in, Some(7));
        assert_eq!(reply.response_time_ns, Some(4_000_000));
        assert_eq!(s.record((7, 0)).unwrap().response_in, Some(8));
    }

    #[test]
    fn duplicated_reply_points_to_the_request_and_the_first_reply() {
        let mut s = Session::default();
        s.request(&at((1, 0), 0, 1, DID, 5), SIG);
        let (mut first, mut second) = (FrameRecord::default(), FrameRecord::default());
        s.reply(&at((2, 0), MS, 1, DID, 5), &mut first);
        s.reply(&at((3, 0), 2 * MS, 1, DID, 5), &mut second);
        assert_eq!(first.duplicate_of, None);
        assert_eq!(second.request_in, Some(1));
        assert_eq!(second.duplicate_of, Some(2));
        assert_eq!(
            s.record((1, 0)).unwrap().response_in,
            Some(2),
            "the first reply stays the response"
        );
    }

    #[test]
    fn repeated_unanswered_request_is_a_retry() {
        let mut s = Session::default();
        s.request(&at((1, 0), 0, 1, DID, 3), SIG);
        // python-miio: a new socket (conversation) and id 3 + 101.
        assert_eq!(s.request(&at((2, 0), MS, 2, DID, 104), SIG), Some(1));
        let mut reply = FrameRecord::default();
        s.reply(&at((3, 0), 2 * MS, 2, DID, 104), &mut reply);
        assert_eq!(reply.request_in, Some(2));
        // The same request again after an answer is a new request, not a retry.
        assert_eq!(s.request(&at((4, 0), 0, 3, DID, 5), SIG), None);
        // Another device's identical request is not a retry either.
        assert_eq!(s.request(&at((5, 0), 0, 4, 0x1234, 9), SIG), None);
        assert_eq!(
            s.request(&at((6, 0), 0, 4, DID, 6), SIG + 1),
            None,
            "other method or params"
        );
    }

    #[test]
    fn reused_id_starts_a_new_transaction() {
        let mut s = Session::default();
        s.request(&at((1, 0), 0, 1, DID, 1), SIG);
        s.reply(&at((2, 0), 0, 1, DID, 1), &mut FrameRecord::default());
        s.request(&at((100, 0), 0, 1, DID, 1), SIG);
        let mut late = FrameRecord::default();
        s.reply(&at((101, 0), 0, 1, DID, 1), &mut late);
        assert_eq!(late.request_in, Some(100));
        assert_eq!(late.duplicate_of, None);
    }

    #[test]
    fn replies_in_other_conversations_or_devices_do_not_match() {
        let mut s = Session::default();
        s.request(&at((1, 0), 0, 1, DID, 1), SIG);
        let mut other_conv = FrameRecord::default();
        s.reply(&at((2, 0), 0, 2, DID, 1), &mut other_conv);
        let mut other_dev = FrameRecord::default();
        s.reply(&at((3, 0), 0, 1, 0x1234, 1), &mut other_dev);
        assert_eq!(other_conv.request_in, None);
        assert_eq!(other_dev.request_in, None);
    }

    #[test]
    fn several_frames_in_one_packet_are_told_apart() {
        let mut s = Session::default();
        s.request(&at((5, 0), 0, 1, DID, 1), SIG);
        s.request(&at((5, 1), 0, 1, DID, 2), SIG + 1);
        let mut reply = FrameRecord::default();
        s.reply(&at((6, 1), 0, 1, DID, 2), &mut reply);
        assert_eq!(reply.request_in, Some(5));
        assert_eq!(s.record((5, 1)).unwrap().response_in, Some(6));
        assert_eq!(s.record((5, 0)), None);
    }

    #[test]
    fn a_request_minutes_after_an_unanswered_one_is_not_a_retry() {
        let mut s = Session::default();
        s.request(&at((1, 0), 0, 1, DID, 3), SIG);
        // A client polling every minute after one lost reply.
        assert_eq!(s.request(&at((2, 0), 60_000 * MS, 1, DID, 4), SIG), None);
        // python-miio's retry 5 s after the request is one.
        assert_eq!(
            s.request(&at((3, 0), 60_005 * MS, 2, DID, 104), SIG),
            Some(2)
        );
    }

    #[test]
    fn a_late_decrypted_request_does_not_replace_a_newer_one() {
        let mut s = Session::default();
        s.request(&at((10, 0), 0, 1, DID, 1), SIG);
        s.request(&at((2, 0), 0, 1, DID, 1), SIG);
        let mut reply = FrameRecord::default();
        s.reply(&at((11, 0), 0, 1, DID, 1), &mut reply);
        assert_eq!(reply.request_in, Some(10));
    }

    #[test]
    fn stamp_delta_per_device() {
        let mut s = Session::default();
        assert_eq!(s.stamp_delta(DID, 5000), None);
        assert_eq!(s.stamp_delta(DID, 5003), Some(3));
        assert_eq!(s.stamp_delta(0x1234, 10), None);
        assert_eq!(s.stamp_delta(DID, 4990), Some(-13));
    }
}
