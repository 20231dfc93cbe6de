//! What a capture says across frames: request ↔ response links, retries,
//! duplicated replies and each device's stamp. Filled on the first pass over
//! the frames and read back on later passes.

use std::collections::HashMap;

use crate::key_store::{KeyOrigin, KeyRef};

/// Python-miio resends a request that got no answer with its id plus 100.
const RETRY_ID_STEP: i64 = 100;

/// What one frame's first pass found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameRecord {
    /// The key that verified or decrypted it.
    pub key: Option<KeyRef>,
    /// A key this frame revealed (hello reply or miIO.info reply).
    pub taught: Option<KeyOrigin>,
    /// Stamp minus the stamp of the device's previous frame.
    pub stamp_delta: Option<i64>,
    /// On a reply: its request.
    pub request_in: Option<u32>,
    /// On a request: its first reply.
    pub response_in: Option<u32>,
    /// On a reply: time since its request, in nanoseconds.
    pub response_time_ns: Option<i64>,
    /// On a reply that repeats an earlier reply to the same request: that reply.
    pub duplicate_of: Option<u32>,
    /// On a request with id+100 of an unanswered request: that request.
    pub retry_of: Option<u32>,
}

/// Where a request or reply belongs: a JSON id within one device and one
/// conversation (addresses and ports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TransactionKey {
    conversation: u32,
    device_id: u32,
    id: i64,
}

#[derive(Debug, Clone, Copy)]
struct Transaction {
    request_frame: u32,
    request_time_ns: i128,
    first_reply: Option<u32>,
}

#[derive(Debug, Default)]
pub struct Session {
    frames: HashMap<u32, FrameRecord>,
    /// The latest request for each key; an id used again later starts over.
    open: HashMap<TransactionKey, Transaction>,
    /// The latest request per (device, id) across conversations, for retries
    /// (python-miio retries from a new socket).
    by_device_id: HashMap<(u32, i64), Transaction>,
    last_stamp: HashMap<u32, u32>,
}

impl Session {
    pub fn record(&self, frame: u32) -> Option<FrameRecord> {
        self.frames.get(&frame).copied()
    }

    pub fn store(&mut self, frame: u32, record: FrameRecord) {
        self.frames.insert(frame, record);
    }

    /// The stamp delta to the device's previous frame; remembers this stamp.
    pub fn stamp_delta(&mut self, device_id: u32, stamp: u32) -> Option<i64> {
        let previous = self.last_stamp.insert(device_id, stamp)?;
        Some(i64::from(stamp) - i64::from(previous))
    }

    /// A request seen on the first pass. Returns the request it retries.
    pub fn request(&mut self, frame: u32, time_ns: i128, conversation: u32, device_id: u32, id: i64) -> Option<u32> {
        let t = Transaction { request_frame: frame, request_time_ns: time_ns, first_reply: None };
        self.open.insert(TransactionKey { conversation, device_id, id }, t);
        self.by_device_id.insert((device_id, id), t);
        let earlier = self.by_device_id.get(&(device_id, id.checked_sub(RETRY_ID_STEP)?))?;
        (earlier.first_reply.is_none() && earlier.request_frame < frame).then_some(earlier.request_frame)
    }

    /// A reply seen on the first pass: links it to its request and fills in
    /// `record`'s request_in / response_time_ns / duplicate_of.
    pub fn reply(
        &mut self,
        frame: u32,
        time_ns: i128,
        conversation: u32,
        device_id: u32,
        id: i64,
        record: &mut FrameRecord,
    ) {
        let key = TransactionKey { conversation, device_id, id };
        let Some(t) = self.open.get_mut(&key) else { return };
        if t.request_frame >= frame {
            return;
        }
        record.request_in = Some(t.request_frame);
        record.response_time_ns = i64::try_from(time_ns - t.request_time_ns).ok();
        match t.first_reply {
            Some(first) => record.duplicate_of = Some(first),
            None => {
                t.first_reply = Some(frame);
                let request_frame = t.request_frame;
                if let Some(by_id) = self.by_device_id.get_mut(&(device_id, id)) {
                    if by_id.request_frame == request_frame {
                        by_id.first_reply = Some(frame);
                    }
                }
                self.frames.entry(request_frame).or_default().response_in = Some(frame);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DID: u32 = 0x0a1b2c3d;
    const MS: i128 = 1_000_000;

    #[test]
    fn request_and_reply_are_linked_both_ways() {
        let mut s = Session::default();
        assert_eq!(s.request(7, 100 * MS, 1, DID, 1), None);
        let mut reply = FrameRecord::default();
        s.reply(8, 104 * MS, 1, DID, 1, &mut reply);
        assert_eq!(reply.request_in, Some(7));
        assert_eq!(reply.response_time_ns, Some(4_000_000));
        assert_eq!(s.record(7).unwrap().response_in, Some(8));
    }

    #[test]
    fn duplicated_reply_points_to_the_request_and_the_first_reply() {
        let mut s = Session::default();
        s.request(1, 0, 1, DID, 5);
        let (mut first, mut second) = (FrameRecord::default(), FrameRecord::default());
        s.reply(2, MS, 1, DID, 5, &mut first);
        s.reply(3, 2 * MS, 1, DID, 5, &mut second);
        assert_eq!(first.duplicate_of, None);
        assert_eq!(second.request_in, Some(1));
        assert_eq!(second.duplicate_of, Some(2));
        assert_eq!(s.record(1).unwrap().response_in, Some(2), "the first reply stays the response");
    }

    #[test]
    fn retry_with_id_plus_100_is_recognised() {
        let mut s = Session::default();
        s.request(1, 0, 1, DID, 5);
        assert_eq!(s.request(2, MS, 2, DID, 105), Some(1));
        let mut reply = FrameRecord::default();
        s.reply(3, 2 * MS, 2, DID, 105, &mut reply);
        assert_eq!(reply.request_in, Some(2));
        // An answered request is not retried.
        s.request(4, 0, 3, DID, 7);
        s.reply(5, 0, 3, DID, 7, &mut FrameRecord::default());
        assert_eq!(s.request(6, 0, 3, DID, 107), None);
    }

    #[test]
    fn reused_id_starts_a_new_transaction() {
        let mut s = Session::default();
        s.request(1, 0, 1, DID, 1);
        s.reply(2, 0, 1, DID, 1, &mut FrameRecord::default());
        s.request(100, 0, 1, DID, 1);
        let mut late = FrameRecord::default();
        s.reply(101, 0, 1, DID, 1, &mut late);
        assert_eq!(late.request_in, Some(100));
        assert_eq!(late.duplicate_of, None);
    }

    #[test]
    fn replies_in_other_conversations_or_devices_do_not_match() {
        let mut s = Session::default();
        s.request(1, 0, 1, DID, 1);
        let mut other_conv = FrameRecord::default();
        s.reply(2, 0, 2, DID, 1, &mut other_conv);
        let mut other_dev = FrameRecord::default();
        s.reply(3, 0, 1, 0x1234, 1, &mut other_dev);
        assert_eq!(other_conv.request_in, None);
        assert_eq!(other_dev.request_in, None);
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
