//! Where the frames are: the full capture's TCP payloads, walked with each
//! protocol's own framing.

use std::collections::BTreeSet;
use std::path::Path;

use super::*;

pub(crate) struct Segment {
    pub(crate) number: u32,
    pub(crate) flow: Flow,
    /// Offset of the payload's first byte in its direction's stream.
    pub(crate) start: u64,
    pub(crate) payload: Vec<u8>,
}

#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) flow: Flow,
    pub(crate) start: u64,
    pub(crate) len: u64,
    /// Packets carrying some of its bytes, in order.
    pub(crate) packets: Vec<u32>,
}

pub(crate) struct Layout {
    pub(crate) segments: Vec<Segment>,
    pub(crate) frames: Vec<Frame>,
}

pub(crate) fn hex_bytes(hex: &str) -> Vec<u8> {
    let hex: String = hex.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Length of the frame starting at `at`, if the framing says so.
pub(crate) fn frame_len(framing: Framing, s: &[u8]) -> Option<usize> {
    match framing {
        Framing::Roborock => {
            let n = u32::from_be_bytes(s.get(..4)?.try_into().unwrap()) as usize;
            Some(4 + n)
        }
        Framing::Miio => {
            if s.get(..2)? != [0x21, 0x31] {
                return None; // the map upload, HTTP: not miIO frames
            }
            Some(u16::from_be_bytes([s[2], s[3]]) as usize)
        }
        Framing::Mqtt => {
            let (mut n, mut shift, mut i) = (0usize, 0, 1);
            loop {
                let b = *s.get(i)?;
                n |= ((b & 0x7f) as usize) << shift;
                i += 1;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
            }
            Some(i + n)
        }
    }
}

pub(crate) fn layout(sandbox: &Sandbox, pcap: &Path, framing: Framing) -> Layout {
    let rows = sandbox.fields_with(
        pcap,
        &[],
        &[
            "frame.number",
            "tcp.srcport",
            "tcp.dstport",
            "tcp.seq",
            "tcp.len",
            "tcp.payload",
        ],
    );
    let mut segments = Vec::new();
    for r in rows {
        if r[1].is_empty() || r[4].is_empty() || r[4] == "0" {
            continue;
        }
        let flow = (r[1].parse().unwrap(), r[2].parse().unwrap());
        let seq: u64 = r[3].parse().unwrap();
        segments.push(Segment {
            number: r[0].parse().unwrap(),
            flow,
            start: seq - 1,
            payload: hex_bytes(&r[5]),
        });
    }
    let flows: BTreeSet<Flow> = segments.iter().map(|s| s.flow).collect();
    let mut frames = Vec::new();
    for flow in flows {
        let mut stream = Vec::new();
        for s in segments.iter().filter(|s| s.flow == flow) {
            assert_eq!(
                s.start,
                stream.len() as u64,
                "{flow:?}: packet {} out of order",
                s.number
            );
            stream.extend_from_slice(&s.payload);
        }
        let mut at = 0;
        while at < stream.len() {
            let Some(len) = frame_len(framing, &stream[at..]) else {
                break;
            };
            if len == 0 || at + len > stream.len() {
                break;
            }
            let (start, end) = (at as u64, (at + len) as u64);
            let packets = segments
                .iter()
                .filter(|s| {
                    s.flow == flow && s.start < end && start < s.start + s.payload.len() as u64
                })
                .map(|s| s.number)
                .collect();
            frames.push(Frame {
                flow,
                start,
                len: len as u64,
                packets,
            });
            at += len;
        }
    }
    frames.sort_by_key(|f| (*f.packets.last().unwrap(), f.start));
    Layout { segments, frames }
}

/// The walked frames are the peers' own (truth file) for the local captures.
pub(crate) fn check_layout_against_truth(capture: &str, layout: &Layout) {
    let truth = truth(&format!("{capture}.truth.jsonl"));
    let mut want: Vec<(bool, u64, u64, Vec<u32>)> = truth
        .iter()
        .filter(|l| l["kind"] == "frame")
        .map(|l| {
            (
                l["direction"] == "to_device",
                l["stream_offset"].as_u64().unwrap(),
                l["length"].as_u64().unwrap(),
                l["frames"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_u64().unwrap() as u32)
                    .collect(),
            )
        })
        .collect();
    let mut got: Vec<(bool, u64, u64, Vec<u32>)> = layout
        .frames
        .iter()
        .map(|f| (f.flow.1 == 58867, f.start, f.len, f.packets.clone()))
        .collect();
    want.sort();
    got.sort();
    assert_eq!(
        got, want,
        "{capture}: frames walked from the TCP payloads vs the truth file"
    );
}
