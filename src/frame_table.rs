//! What the first pass recorded per frame, for both protocols.
//!
//! Every miIO or Roborock frame of a capture gets a record, so this is the
//! plugin's largest and busiest store. Frames come in order on the first
//! pass: storing is a push onto a sorted vector and reading back a binary
//! search, with no hashing and no empty slots (a hash map here cost tshark
//! about 0.5 % of its time, mostly cache misses, and kept a third of its
//! memory in empty buckets). A frame first seen out of order (one
//! another dissector had on the first pass) goes to a small ordered map, so
//! no input makes a store cost more than O(log n).

use std::collections::BTreeMap;

/// A frame: its packet's number and its place among the frames of the
/// protocol in that packet (a TCP segment may carry several).
pub type FrameId = (u32, u32);

#[derive(Debug)]
pub struct FrameTable<R> {
    /// Sorted by frame: every record stored in order.
    in_order: Vec<(FrameId, R)>,
    /// The few stored behind the last one in `in_order`.
    late: BTreeMap<FrameId, R>,
}

impl<R> Default for FrameTable<R> {
    fn default() -> Self {
        FrameTable {
            in_order: Vec::new(),
            late: BTreeMap::new(),
        }
    }
}

impl<R: Copy + Default> FrameTable<R> {
    pub fn get(&self, frame: FrameId) -> Option<R> {
        match self.position(frame) {
            Ok(i) => Some(self.in_order[i].1),
            Err(_) => self.late.get(&frame).copied(),
        }
    }

    pub fn insert(&mut self, frame: FrameId, record: R) {
        *self.entry(frame) = record;
    }

    /// The frame's record, a default one stored first if it has none.
    pub fn entry(&mut self, frame: FrameId) -> &mut R {
        if self.in_order.last().is_none_or(|(last, _)| *last < frame) {
            self.in_order.push((frame, R::default()));
            return &mut self.in_order.last_mut().expect("just pushed").1;
        }
        match self.position(frame) {
            Ok(i) => &mut self.in_order[i].1,
            Err(_) => self.late.entry(frame).or_default(),
        }
    }

    pub fn len(&self) -> usize {
        self.in_order.len() + self.late.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn position(&self, frame: FrameId) -> Result<usize, usize> {
        // The newest frame is the one most often asked for on the first pass.
        match self.in_order.last() {
            Some((last, _)) if *last == frame => Ok(self.in_order.len() - 1),
            Some((last, _)) if *last < frame => Err(self.in_order.len()),
            _ => self.in_order.binary_search_by_key(&frame, |(f, _)| *f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_in_order_and_out_of_order_are_read_back() {
        let mut t = FrameTable::<u32>::default();
        for n in [1, 2, 5, 9] {
            t.insert((n, 0), n * 10);
        }
        // Seen late: a packet another dissector had on the first pass.
        t.insert((3, 0), 30);
        t.insert((5, 1), 51);
        assert_eq!(t.get((1, 0)), Some(10));
        assert_eq!(t.get((3, 0)), Some(30));
        assert_eq!(t.get((5, 0)), Some(50));
        assert_eq!(t.get((5, 1)), Some(51));
        assert_eq!(t.get((9, 0)), Some(90));
        assert_eq!(t.get((4, 0)), None);
        assert_eq!(t.get((10, 0)), None);
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn storing_again_replaces_and_entry_updates_in_place() {
        let mut t = FrameTable::<u32>::default();
        t.insert((7, 0), 1);
        t.insert((8, 0), 2);
        t.insert((7, 0), 3);
        *t.entry((8, 0)) += 10;
        *t.entry((2, 0)) += 5;
        assert_eq!(t.get((7, 0)), Some(3));
        assert_eq!(t.get((8, 0)), Some(12));
        assert_eq!(t.get((2, 0)), Some(5));
        assert_eq!(t.len(), 3);
    }
}
