//! What PiotrMachowski/Xiaomi-cloud-tokens-extractor (`token_extractor.py`)
//! prints: per home, a header (`Devices found for server "de" @ home
//! "…":`), then per device a `---------` line and `LABEL:    value` lines
//! (`NAME`, `ID`, `BLE KEY`, `MAC`, `IP`, `TOKEN`, `MODEL`; a label is only
//! printed when it has a value). Newer versions colour the labels; a fork
//! heads each device with `Device #N` and a `═══` rule and orders the labels
//! differently. Devices are therefore told apart by separator lines and by a
//! label coming back, never by the order of labels.

use super::device::{self, CloudDevice, Field, Names};
use super::text::strip_ansi;
use super::Imported;
use crate::keys::printable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Name,
    Id,
    BleKey,
    Mac,
    Ip,
    Token,
    Model,
}

const LABELS: [(&str, Label); 7] = [
    ("NAME", Label::Name),
    ("ID", Label::Id),
    ("BLE KEY", Label::BleKey),
    ("MAC", Label::Mac),
    ("IP", Label::Ip),
    ("TOKEN", Label::Token),
    ("MODEL", Label::Model),
];

pub(super) const NAMES: Names = Names {
    did: "ID",
    token: "TOKEN",
    model: "MODEL",
    mac: "MAC",
    ble_key: "BLE KEY",
};

/// A device's labelled lines: label, value, line number.
type Block = Vec<(Label, String, u32)>;

/// `LABEL: value` of an extractor line (colours removed), if it is one.
fn labelled(line: &str) -> Option<(Label, String)> {
    let line = strip_ansi(line);
    let (head, value) = line.trim().split_once(':')?;
    let label = LABELS.iter().find(|(name, _)| *name == head.trim_end())?.1;
    Some((label, value.trim().to_string()))
}

/// The `---------` between devices, the fork's `═══` rule and `Device #N`.
fn is_separator(line: &str) -> bool {
    let line = strip_ansi(line);
    let t = line.trim();
    (t.chars().count() >= 3 && t.chars().all(|c| matches!(c, '-' | '=' | '═')))
        || t.starts_with("Device #")
}

/// The text's lines with their 1-based numbers; non-UTF-8 lines skipped.
fn numbered(text: &[u8]) -> impl Iterator<Item = (u32, &str)> {
    text.split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, raw)| {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            std::str::from_utf8(raw).ok().map(|line| (number, line))
        })
}

/// True when the text holds a `TOKEN:` or `BLE KEY:` line with a value.
pub fn is_output(text: &[u8]) -> bool {
    numbered(text).any(|(_, line)| {
        matches!(labelled(line), Some((Label::Token | Label::BleKey, v)) if !v.is_empty())
    })
}

/// The devices of the text, in order; lines that are not labelled (the
/// banner, prompts, headers, other key-file lines) are passed over.
fn blocks(text: &[u8]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Block = Vec::new();
    for (number, line) in numbered(text) {
        if is_separator(line) {
            blocks.push(std::mem::take(&mut current));
        } else if let Some((label, value)) = labelled(line) {
            if current.iter().any(|(seen, _, _)| *seen == label) {
                blocks.push(std::mem::take(&mut current));
            }
            current.push((label, value, number));
        }
    }
    blocks.push(current);
    // A block of nothing but an IP or a name gives nothing: not a device.
    blocks.retain(|b| {
        b.iter()
            .any(|(l, _, _)| !matches!(l, Label::Ip | Label::Name))
    });
    blocks
}

fn to_device(block: &Block) -> CloudDevice {
    let get = |wanted: Label| {
        block
            .iter()
            .find(|(label, _, _)| *label == wanted)
            .map(|(_, text, line)| Field {
                text: text.clone(),
                line: *line,
            })
    };
    CloudDevice {
        name: get(Label::Name).map(|f| f.text),
        did: get(Label::Id),
        token: get(Label::Token),
        model: get(Label::Model),
        mac: get(Label::Mac),
        ble_key: get(Label::BleKey),
    }
}

/// Everything the extractor's devices give; problems name the device by
/// its number, first line and name.
pub fn read(text: &[u8]) -> Imported {
    let mut out = Imported::default();
    for (i, block) in blocks(text).iter().enumerate() {
        let dev = to_device(block);
        let first_line = block.first().map_or(0, |(_, _, line)| *line);
        let name = dev
            .name
            .as_deref()
            .map(|n| format!(", \"{}\"", printable(n, 40)))
            .unwrap_or_default();
        let label = format!(
            "device {} of the extractor output (line {first_line}{name})",
            i + 1
        );
        device::add(&mut out, &dev, &NAMES, &label);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";

    /// The shape `print_entry` writes: 3 spaces, label and colon padded to 10.
    fn entry(label: &str, value: &str) -> String {
        format!("   {:<10}{value}\n", format!("{label}:"))
    }

    #[test]
    fn plain_output_of_two_homes() {
        let text = [
            "Logging in...\nLogged in.\n\nDevices found for server \"de\" @ home \"1234\":\n   ---------\n".to_string(),
            entry("NAME", "Vacuum: hall"),
            entry("ID", "169552957"),
            entry("MAC", "78:11:DC:00:00:01"),
            entry("IP", "192.168.1.20"),
            entry("TOKEN", TOKEN),
            entry("MODEL", "rockrobo.vacuum.v1"),
            "   ---------\n   ---------\n".into(),
            entry("NAME", "Thermometer"),
            entry("ID", "blt.3.1ab2cd3ef4g00"),
            entry("BLE KEY", "e9ea895fac7cca6d30532432a516f3a8"),
            entry("MAC", "A4:C1:38:02:83:F4"),
            entry("TOKEN", "a1b2c3d4e5f6a7b8c9d0e1f2"),
            entry("MODEL", "miaomiaoce.sensor_ht.t2"),
            "   ---------\n\nPress ENTER to finish\n".into(),
        ]
        .concat();
        assert!(is_output(text.as_bytes()));
        let out = read(text.as_bytes());
        assert_eq!(out.devices, 2);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(
            (out.tokens[0].device_id, out.tokens[0].row),
            (Some(169552957), 10)
        );
        assert_eq!(out.models, [(169552957, "rockrobo.vacuum.v1".into(), 11)]);
        assert_eq!(
            out.bindkeys[0].mac,
            Some([0xA4, 0xC1, 0x38, 0x02, 0x83, 0xF4])
        );
    }

    #[test]
    fn coloured_output_and_devices_without_separators() {
        let y = "\u{1b}[33m";
        let r = "\u{1b}[0m";
        let text = format!(
            "\u{1b}[34m---------\n   {y}ID:       {r}1\n   {y}TOKEN:    {r}{TOKEN}\n   {y}ID:       {r}2\n   {y}TOKEN:    {r}{TOKEN}\r\n"
        );
        assert!(is_output(text.as_bytes()));
        let out = read(text.as_bytes());
        let ids: Vec<_> = out.tokens.iter().map(|k| k.device_id).collect();
        assert_eq!(ids, [Some(1), Some(2)]);
        assert_eq!(out.devices, 2);
    }

    #[test]
    fn fork_layout_with_sections() {
        let text = format!(
            "   Device #1\n   ══════════\n{}   ── Network ──\n{}   ── Authentication ──\n{}{}\n   Device #2\n   ══════════\n{}",
            entry("NAME", "Plug"),
            entry("MAC", "11:22:33:44:55:66"),
            entry("ID", "42"),
            entry("TOKEN", TOKEN),
            entry("NAME", "Lamp"),
        );
        let out = read(text.as_bytes());
        assert_eq!(out.devices, 1, "a name alone is no device");
        assert_eq!(out.tokens[0].device_id, Some(42));
    }

    #[test]
    fn a_bad_token_is_named_by_device_and_line() {
        let text = [
            "---------\n".to_string(),
            entry("ID", "1"),
            entry("TOKEN", TOKEN),
            "---------\n".into(),
            entry("NAME", "Fan"),
            entry("ID", "2"),
            entry("TOKEN", &TOKEN[1..]),
            entry("MODEL", "zhimi.fan.sa1"),
        ]
        .concat();
        let out = read(text.as_bytes());
        assert_eq!(out.tokens.len(), 1);
        assert_eq!(out.models.len(), 1, "the model of the bad device is kept");
        assert_eq!(
            out.problems,
            ["device 2 of the extractor output (line 5, \"Fan\"): TOKEN: a token is 32 hex digits; this one has 31 characters"]
        );
    }

    #[test]
    fn key_lines_are_not_extractor_output() {
        let text = format!("0a1b2c3d {TOKEN} # TOKEN: vacuum\nTOKEN:\n# TOKEN: {TOKEN}\n");
        assert!(!is_output(text.as_bytes()));
        assert!(labelled("Server (one of: cn, de)").is_none());
        assert!(!is_separator("--"));
    }
}
