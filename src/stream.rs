//! TCP streams as captures show them: a capture started after the app
//! connected begins inside a frame, and a stream can carry bytes that start
//! no frame. Each protocol says whether a frame starts at a point (its
//! `frame_start`); this finds the next such point, and remembers per
//! direction of each stream where the first frame was, so that the bytes
//! before it can be named the end of a frame that began before the capture
//! (not malformed), and stray bytes after it can be called out.

use std::collections::HashMap;

/// What a protocol says of the bytes from some point of a stream on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A frame of this many bytes (length prefix included) starts here.
    Frame(usize),
    /// miIO: a Roborock map upload starts here; it runs to the end of
    /// the data.
    MapBlob,
    /// Nothing the protocol sends starts here.
    No,
    /// Too few bytes to tell.
    Undecided,
}

/// The next step through a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Too few bytes to tell: wait for the next segment.
    NeedMore,
    Frame(usize),
    MapBlob,
    /// This many bytes start nothing; what follows may.
    Skip(usize),
}

/// Where the next frame is: here, or after bytes that start none. One
/// look at each byte at most.
pub fn next(bytes: &[u8], start: impl Fn(&[u8]) -> Start) -> Step {
    if bytes.is_empty() {
        return Step::NeedMore;
    }
    for at in 0..bytes.len() {
        match (start(&bytes[at..]), at) {
            (Start::No, _) => {}
            (Start::Frame(n), 0) => return Step::Frame(n),
            (Start::MapBlob, 0) => return Step::MapBlob,
            (Start::Undecided, 0) => return Step::NeedMore,
            _ => return Step::Skip(at),
        }
    }
    Step::Skip(bytes.len())
}

/// One direction of one TCP connection: (conversation, sender).
pub type StreamId = (u32, u32);

#[derive(Debug, Default, Clone, Copy)]
struct Direction {
    /// The packet where the first frame started.
    first_frame: Option<u32>,
    /// Bytes skipped before it.
    skipped: usize,
    /// The packet from which skipped bytes are more than any frame's end
    /// could be.
    too_much_from: Option<u32>,
}

/// What the first pass learnt of each stream direction; read on every pass.
#[derive(Debug, Default)]
pub struct StreamSync {
    directions: HashMap<StreamId, Direction>,
}

impl StreamSync {
    /// First pass: a frame starts in `packet`.
    pub fn frame_at(&mut self, stream: StreamId, packet: u32) {
        let d = self.directions.entry(stream).or_default();
        d.first_frame = Some(d.first_frame.map_or(packet, |p| p.min(packet)));
    }

    /// First pass: `len` bytes of `packet` start no frame.
    pub fn skipped(&mut self, stream: StreamId, packet: u32, len: usize, max_frame: usize) {
        let d = self.directions.entry(stream).or_default();
        if d.first_frame.is_some() {
            return;
        }
        d.skipped = d.skipped.saturating_add(len);
        if d.skipped > max_frame && d.too_much_from.is_none() {
            d.too_much_from = Some(packet);
        }
    }

    /// Bytes of `packet` that start no frame are the end of a frame that
    /// began before the capture when no frame came before them in their
    /// direction, and they are no more than one frame's worth.
    pub fn is_continuation(&self, stream: StreamId, packet: u32, frame_before: bool) -> bool {
        let d = self.directions.get(&stream).copied().unwrap_or_default();
        !frame_before
            && d.first_frame.is_none_or(|p| p >= packet)
            && d.too_much_from.is_none_or(|p| p > packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy protocol: "F" and a length digit, e.g. "F3x".
    fn toy(b: &[u8]) -> Start {
        match b {
            [b'F'] => Start::Undecided,
            [b'F', n, ..] if n.is_ascii_digit() => Start::Frame(usize::from(n - b'0')),
            _ => Start::No,
        }
    }

    #[test]
    fn steps_through_a_stream() {
        assert_eq!(next(b"F3xF2", toy), Step::Frame(3));
        assert_eq!(next(b"abcF3x", toy), Step::Skip(3));
        assert_eq!(next(b"abc", toy), Step::Skip(3));
        assert_eq!(next(b"abF", toy), Step::Skip(2));
        assert_eq!(next(b"F", toy), Step::NeedMore);
        assert_eq!(next(b"", toy), Step::NeedMore);
    }

    #[test]
    fn continuation_only_before_the_first_frame_and_within_one_frame() {
        let (s, mut sync) = ((1, 2), StreamSync::default());
        sync.skipped(s, 5, 100, 1000);
        sync.frame_at(s, 5);
        assert!(sync.is_continuation(s, 5, false));
        assert!(
            !sync.is_continuation(s, 5, true),
            "after a frame in the packet"
        );
        assert!(!sync.is_continuation(s, 6, false), "after the first frame");
        assert!(
            sync.is_continuation((1, 3), 6, false),
            "the other direction"
        );
        let g = (9, 9);
        sync.skipped(g, 1, 600, 1000);
        sync.skipped(g, 2, 600, 1000);
        assert!(sync.is_continuation(g, 1, false));
        assert!(!sync.is_continuation(g, 2, false), "more than a frame");
    }
}
