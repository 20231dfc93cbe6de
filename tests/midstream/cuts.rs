//! One cut: the cut capture made, and compared with the full one.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::*;

pub(crate) fn cut_capture(sandbox: &Sandbox, full: &Path, cut: &Cut, name: &str) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lib/cut-capture.py");
    // Debian's python3, where python3-dpkt is (scripts/install-deps.sh).
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let out = std::env::temp_dir().join(format!("midstream-{}-{name}", std::process::id()));
    let status = Command::new(python)
        .arg(&script)
        .arg(full)
        .arg(&out)
        .arg(cut.packet.to_string())
        .arg(cut.offset.to_string())
        .output()
        .expect("run tests/lib/cut-capture.py");
    assert!(
        status.status.success(),
        "cut-capture.py {name}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    sandbox.write(name, &bytes)
}

/// Where each direction starts in the cut capture: (its first packet kept
/// with a payload, the stream offset of its first byte kept).
pub(crate) fn first_seen(cut: &Cut, layout: &Layout) -> BTreeMap<Flow, (u32, u64)> {
    let mut seen = BTreeMap::new();
    for s in layout.segments.iter().filter(|s| s.number >= cut.packet) {
        let pos = if s.number == cut.packet {
            s.start + cut.offset as u64
        } else {
            s.start
        };
        seen.entry(s.flow).or_insert((s.number, pos));
    }
    seen
}

/// The frame holding byte `pos` of `flow`.
pub(crate) fn frame_at(layout: &Layout, flow: Flow, pos: u64) -> Option<&Frame> {
    layout
        .frames
        .iter()
        .find(|f| f.flow == flow && f.start <= pos && pos < f.start + f.len)
}

/// What lies at a cut in each direction, from the layout; checks the
/// table's `inside` against the direction of the cut packet (or, for a cut
/// before a packet without payload, against any direction).
pub(crate) fn describe(cut: &Cut, layout: &Layout) -> Result<String, String> {
    let cut_seg = layout.segments.iter().find(|s| s.number == cut.packet);
    if cut_seg.is_none() && cut.offset != 0 {
        return Err(format!("packet {} carries no TCP payload", cut.packet));
    }
    let mut lines = Vec::new();
    let mut ok_somewhere = false;
    for (flow, (packet, pos)) in first_seen(cut, layout) {
        if !layout.frames.iter().any(|f| f.flow == flow) {
            continue; // cloud-tcp's HTTP connection
        }
        let frame = frame_at(layout, flow, pos);
        lines.push(match frame {
            None => format!("{flow:?} from packet {packet}, byte {pos}: no frame"),
            Some(f) if f.start == pos => format!(
                "{flow:?} from packet {packet}, byte {pos}: start of the {}-byte frame in packets {:?}",
                f.len, f.packets
            ),
            Some(f) => format!(
                "{flow:?} from packet {packet}, byte {pos}: byte {} of the {}-byte frame at {} in packets {:?}",
                pos - f.start,
                f.len,
                f.start,
                f.packets
            ),
        });
        if cut_seg.is_some_and(|s| s.flow != flow) {
            continue;
        }
        let seg = layout.segments.iter().find(|s| s.number == packet).unwrap();
        let later_start_in_packet = layout.frames.iter().any(|f| {
            f.flow == flow && f.start > pos && f.start < seg.start + seg.payload.len() as u64
        });
        ok_somewhere |= match (cut.inside, frame) {
            (Boundary, Some(f)) => f.start == pos,
            (Prefix, Some(f)) => (1..=3).contains(&(pos - f.start)),
            (LaterSegment, Some(f)) => f.packets.len() > 1 && f.packets[0] != packet,
            (PayloadNextStarts, Some(f)) => pos - f.start >= 4 && later_start_in_packet,
            (Payload, Some(f)) => pos - f.start >= 4 && *f.packets.last().unwrap() == packet,
            (_, None) => false,
        };
    }
    let text = lines.join("\n    ");
    if ok_somewhere {
        Ok(text)
    } else {
        Err(format!(
            "the table says {:?}, but at the cut:\n    {text}",
            cut.inside
        ))
    }
}

pub(crate) struct Full {
    pub(crate) layout: Layout,
    pub(crate) dissections: HashMap<Vec<String>, Dissection>,
}

/// Checks one cut; returns its problems (empty: as it should be) and a
/// one-line summary.
pub(crate) fn check_cut(
    sandbox: &Sandbox,
    full_pcap: &Path,
    full: &mut Full,
    cut: &Cut,
    index: usize,
) -> (Vec<String>, String) {
    let framing = framing(cut.capture);
    let proto = proto(framing);
    let mut args = key_args(cut.capture);
    args.extend(cut.args.iter().map(|s| s.to_string()));
    if !full.dissections.contains_key(&args) {
        let d = dissect(sandbox, full_pcap, framing, &args);
        full.dissections.insert(args.clone(), d);
    }
    let whole = &full.dissections[&args];
    let layout = &full.layout;
    let pcap = cut_capture(
        sandbox,
        full_pcap,
        cut,
        &format!("{}-cut{index}.pcapng", cut.capture),
    );
    let got = dissect(sandbox, &pcap, framing, &args);
    let mut problems = Vec::new();
    let first = cut.packet;
    let orig = |n: u32| n + first - 1;
    let seen = first_seen(cut, layout);
    let flow_of: HashMap<u32, Flow> = layout.segments.iter().map(|s| (s.number, s.flow)).collect();
    let lost = |flow: Option<&Flow>| flow.is_some_and(|f| cut.lost.contains(f));

    // Frames wholly after the cut: starting at or after the first byte kept
    // of their direction.
    let after = |f: &Frame| seen.get(&f.flow).is_some_and(|(_, pos)| f.start >= *pos);
    let mut ending: BTreeMap<u32, usize> = BTreeMap::new();
    for f in layout
        .frames
        .iter()
        .filter(|f| after(f) && !cut.lost.contains(&f.flow))
    {
        *ending.entry(*f.packets.last().unwrap()).or_default() += 1;
    }
    // Every item the full capture shows for those frames, packet by packet.
    let (mut expected_total, mut matched, mut shown_total) = (0, 0, 0);
    let (mut lost_expected, mut lost_same) = (0, 0);
    let last_packet = *whole.items.keys().last().unwrap();
    for o in first..=last_packet {
        let n = o - first + 1;
        let flow = flow_of.get(&o);
        // Only the TCP segments with a payload (not the local UDP traffic of
        // cloud-tcp, whose key came from a frame before the cut).
        if flow.is_none() {
            continue;
        }
        let full_frames: Vec<_> = whole.items[&o]
            .iter()
            .filter(|i| is_frame(framing, i))
            .collect();
        let cut_frames: Vec<_> = got
            .items
            .get(&n)
            .map(|v| v.iter().filter(|i| is_frame(framing, i)).collect())
            .unwrap_or_default();
        if lost(flow) {
            // Not asserted: only counted, for the summary.
            let k = layout
                .frames
                .iter()
                .filter(|f| after(f) && *f.packets.last().unwrap() == o)
                .count();
            let want = &full_frames[full_frames.len() - k.min(full_frames.len())..];
            lost_expected += want.len();
            lost_same += want
                .iter()
                .zip(cut_frames.iter().rev().take(want.len()).rev())
                .filter(|(w, g)| projection(framing, w) == projection(framing, g))
                .count();
            continue;
        }
        shown_total += cut_frames.len();
        let k = ending.get(&o).copied().unwrap_or(0).min(full_frames.len());
        let want = &full_frames[full_frames.len() - k..];
        expected_total += want.len();
        let info = got.info.get(&n).cloned().unwrap_or_default();
        if cut_frames.len() != want.len() {
            problems.push(format!(
                "packet {o} (cut {n}, {flow:?}): {} frame(s) expected, {} shown; Info: {info}",
                want.len(),
                cut_frames.len()
            ));
        }
        for (j, (w, g)) in want
            .iter()
            .zip(cut_frames.iter().rev().take(want.len()).rev())
            .enumerate()
        {
            let (pw, pg) = (projection(framing, w), projection(framing, g));
            if pw != pg {
                let diff: Vec<String> = pw
                    .iter()
                    .filter(|(k, v)| pg.get(*k) != Some(*v))
                    .map(|(k, v)| format!("{k}: {} -> {}", short(v), short(&pg.get(k))))
                    .collect();
                problems.push(format!(
                    "packet {o} (cut {n}) frame {j}: {}",
                    diff.join("; ")
                ));
            } else {
                matched += 1;
            }
            // L01 after a cut: the hello nonces are gone.
            if w.get("roborock.version") == Some(&Value::from("L01"))
                && w.contains_key("roborock.decrypted")
                && !has(g, "roborock.no_nonces")
            {
                problems.push(format!("packet {o} (cut {n}) frame {j}: L01 without nonces, roborock.no_nonces expected"));
            }
        }
    }
    if shown_total != expected_total {
        problems.push(format!(
            "{shown_total} frames shown after the cut, {expected_total} in the full capture"
        ));
    }

    // No errors, no malformed packets (except where Wireshark's MQTT lost the stream).
    for (n, errors) in &got.errors {
        if !lost(flow_of.get(&orig(*n))) {
            problems.push(format!(
                "packet {} (cut {n}): {}",
                orig(*n),
                errors.join("; ")
            ));
        }
    }

    // The bytes before each direction's first frame start: a continuation.
    if framing != Framing::Mqtt {
        let key = format!("{proto}.continuation");
        for (&flow, &(_, first_seen)) in &seen {
            let kept = layout
                .segments
                .iter()
                .filter(|s| s.flow == flow && s.number >= first);
            let Some(next) = layout
                .frames
                .iter()
                .filter(|f| f.flow == flow && f.start >= first_seen)
                .map(|f| f.start)
                .min()
            else {
                continue;
            };
            let gap = next - first_seen;
            let mut shown: Vec<(u32, usize)> = Vec::new();
            for s in kept {
                let n = s.number - first + 1;
                let mut values = Vec::new();
                for item in got.items.get(&n).into_iter().flatten() {
                    find_all(item, &key, &mut values);
                }
                for v in values {
                    let bytes = v.as_str().map(|h| hex_bytes(h).len()).unwrap_or(0);
                    shown.push((s.number, bytes));
                }
            }
            let total: usize = shown.iter().map(|(_, b)| b).sum();
            if gap > 0 && shown.is_empty() {
                problems.push(format!(
                    "{flow:?}: {gap} bytes before the first frame start, no {key} shown"
                ));
            } else if gap > 0 && total != 0 && total as u64 != gap {
                problems.push(format!("{flow:?}: {gap} bytes before the first frame start, {key} covers {total} ({shown:?})"));
            } else if gap == 0 && !shown.is_empty() {
                problems.push(format!(
                    "{flow:?}: the first byte seen starts a frame, yet {key} is shown ({shown:?})"
                ));
            }
        }
    }
    let mut summary = format!(
        "{} {}+{}: {matched}/{expected_total} frames as in the full capture, {} problem(s)",
        cut.capture,
        cut.packet,
        cut.offset,
        problems.len()
    );
    if !cut.lost.is_empty() {
        let lost_errors = got
            .errors
            .keys()
            .filter(|n| lost(flow_of.get(&orig(**n))))
            .count();
        summary += &format!(
            "; in the flows not compared (Wireshark's MQTT): {lost_same}/{lost_expected} frames as in the full capture, {lost_errors} packet(s) with errors"
        );
    }
    (problems, summary)
}
