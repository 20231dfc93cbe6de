//! One MiBeacon frame, whole: parsed, decrypted with the advertiser's
//! bindkey (or a key for any device), its objects and readings found, and
//! the words for the Info column and the expert infos.

use std::ops::Range;

use super::crypto::{decrypt, CryptoError};
use super::frame::{control, parse, Frame, FrameError};
use super::keyring::{KeySource, Keyring};
use super::objects::{self, Object};
use super::products::product;
use super::quantities::Reading;
use crate::keys::bindkey::{mac_text, Bindkey};

/// What the advertiser is, beyond the frame's bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// The advertiser's address (display order), when the capture gives it.
    pub address: Option<[u8; 6]>,
}

/// The state of an encrypted frame's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mic {
    /// Not encrypted.
    Clear,
    /// v4/v5: the MIC verified.
    Good,
    /// The advertiser's bindkey does not decrypt: the MIC fails (v4/v5), or
    /// (v2/v3, which carry no MIC) the objects do not fit.
    Bad,
    /// v2/v3: decrypted with the advertiser's key; no MIC to check it.
    Unchecked,
    /// No bindkey for the advertiser, none for any device.
    NoKey,
    /// No bindkey for the advertiser; none of those for any device fits.
    NoMatch,
    /// The advertiser's key is of the other length (16 bytes for v2/v3 or
    /// 12 for v4/v5).
    WrongKind,
    /// Encrypted, but neither the frame nor the capture gives the MAC the
    /// nonce needs.
    NoAddress,
}

#[derive(Debug)]
pub struct Dissection {
    pub frame: Result<Frame, FrameError>,
    /// The frame's MAC, else the advertiser's address.
    pub mac: Option<[u8; 6]>,
    pub mic: Mic,
    /// The key that decrypted the frame, or the advertiser's that did not.
    pub key: Option<KeySource>,
    pub keys_tried: u32,
    /// The decrypted objects (empty for clear frames: their objects are in
    /// the frame, at `Frame::body`).
    pub plaintext: Vec<u8>,
    /// Objects, offsets in the plaintext (encrypted) or the frame (clear).
    pub objects: Vec<Object>,
    /// Trailing bytes that form no whole object.
    pub rest: Option<Range<usize>>,
    /// Each reading with the index of its object.
    pub readings: Vec<(usize, Reading)>,
    /// Info column text.
    pub summary: String,
    /// The expert text for a key problem ("" when none).
    pub key_note: String,
}

pub fn dissect(data: &[u8], ctx: &Context, keys: &mut Keyring) -> Dissection {
    let mut d = Dissection {
        frame: parse(data),
        mac: None,
        mic: Mic::Clear,
        key: None,
        keys_tried: 0,
        plaintext: Vec::new(),
        objects: Vec::new(),
        rest: None,
        readings: Vec::new(),
        summary: String::new(),
        key_note: String::new(),
    };
    let Ok(frame) = d.frame.clone() else {
        d.summary = format!("MiBeacon, truncated: {} bytes", data.len());
        return d;
    };
    d.mac = frame.mac.or(ctx.address);
    let has_objects = frame.has(control::OBJECT_INCLUDED);
    if frame.encrypted() && has_objects {
        decrypt_frame(data, &frame, keys, &mut d);
    }
    let payload: &[u8] = match d.mic {
        Mic::Clear if has_objects => &data[frame.body.clone()],
        Mic::Good | Mic::Unchecked => &d.plaintext,
        _ => &[],
    };
    let base = if d.mic == Mic::Clear {
        frame.body.start
    } else {
        0
    };
    let (objs, rest) = objects::objects(payload);
    for (i, o) in objs.iter().enumerate() {
        for r in objects::readings(frame.product_id, o.id, &payload[o.value.clone()]) {
            d.readings.push((i, r));
        }
    }
    d.objects = objs
        .into_iter()
        .map(|o| Object {
            id: o.id,
            value: o.value.start + base..o.value.end + base,
        })
        .collect();
    d.rest = rest.map(|at| at + base..payload.len() + base);
    d.summary = summary(&frame, &d);
    d
}

/// Tries the advertiser's keys, then the keys for any device.
fn decrypt_frame(data: &[u8], frame: &Frame, keys: &mut Keyring, d: &mut Dissection) {
    let Some(mac) = d.mac else {
        d.mic = Mic::NoAddress;
        d.key_note = "encrypted, but neither the frame nor the capture gives the advertiser's MAC the nonce needs".into();
        return;
    };
    let mine = keys.for_mac(&mac);
    let mut mine_failed: Option<(KeySource, Mic)> = None;
    for (source, key) in &mine {
        d.keys_tried += 1;
        match attempt(data, frame, &mac, key, false) {
            Ok(plain) => return accept(d, keys, mac, *source, plain, frame),
            Err(why) => {
                mine_failed.get_or_insert((*source, why));
            }
        }
    }
    let others = keys.any_device(&mac);
    for (source, key) in &others {
        d.keys_tried += 1;
        if let Ok(plain) = attempt(data, frame, &mac, key, true) {
            return accept(d, keys, mac, *source, plain, frame);
        }
    }
    let who = mac_text(&mac);
    let version = frame.version;
    (d.mic, d.key, d.key_note) = match mine_failed {
        Some((source, Mic::WrongKind)) => (
            Mic::WrongKind,
            Some(source),
            format!(
                "the bindkey of {} for {who} is {} hex digits; MiBeacon v{version} frames need {}",
                where_(source),
                if version <= 3 { 32 } else { 24 },
                if version <= 3 { 24 } else { 32 }
            ),
        ),
        Some((source, _)) => (
            Mic::Bad,
            Some(source),
            if frame.legacy() {
                format!("the bindkey of {} for {who} does not decrypt this frame: its objects do not fit (v{version} frames carry no MIC)", where_(source))
            } else {
                format!("the bindkey of {} for {who} does not decrypt this frame: MIC check failed", where_(source))
            },
        ),
        None if others.is_empty() => (
            Mic::NoKey,
            None,
            format!("encrypted (v{version}); no bindkey for {who}: add a miio_keys row of type bindkey with device_id {who}"),
        ),
        None => (
            Mic::NoMatch,
            None,
            format!(
                "encrypted (v{version}); no bindkey for {who}, and none of the {} bindkeys for any device decrypts it: add a miio_keys row of type bindkey with device_id {who}",
                others.len()
            ),
        ),
    };
}

fn accept(
    d: &mut Dissection,
    keys: &mut Keyring,
    mac: [u8; 6],
    source: KeySource,
    plain: Vec<u8>,
    frame: &Frame,
) {
    d.mic = if frame.legacy() {
        Mic::Unchecked
    } else {
        Mic::Good
    };
    d.key = Some(source);
    d.plaintext = plain;
    keys.remember(mac, source);
}

/// Decrypts with one key. v2/v3 have no MIC: the plaintext must be whole
/// objects, and, when trying a key meant for any device, objects we know.
fn attempt(
    data: &[u8],
    frame: &Frame,
    mac: &[u8; 6],
    key: &Bindkey,
    trial: bool,
) -> Result<Vec<u8>, Mic> {
    if key.is_legacy() != frame.legacy() {
        return Err(Mic::WrongKind);
    }
    let plain = decrypt(data, frame, mac, key.bytes()).map_err(|e| match e {
        CryptoError::WrongKeyKind => Mic::WrongKind,
        CryptoError::BadMic | CryptoError::NotEncrypted => Mic::Bad,
    })?;
    if frame.legacy() {
        let (objs, rest) = objects::objects(&plain);
        let known = objs.iter().all(|o| objects::name(o.id).is_some());
        if rest.is_some() || objs.is_empty() || (trial && !known) {
            return Err(Mic::Bad);
        }
    }
    Ok(plain)
}

fn where_(source: KeySource) -> String {
    match source {
        KeySource::TableRow(n) => format!("miio_keys row {n}"),
        KeySource::FileLine(n) => format!("key file line {n}"),
        KeySource::Learned(n) => format!("the Mi cloud reply in frame {n}"),
    }
}

/// `MiBeacon v5 LYWSD03MMC: temperature 21.3 °C, humidity 46.7 %`.
fn summary(frame: &Frame, d: &Dissection) -> String {
    let who = match product(frame.product_id) {
        Some((model, _)) => model.to_string(),
        None => format!("product 0x{:04X}", frame.product_id),
    };
    let mesh = if frame.has(control::MESH) {
        " mesh"
    } else {
        ""
    };
    let head = format!("MiBeacon v{}{mesh} {who}", frame.version);
    let what = match d.mic {
        Mic::Clear | Mic::Good | Mic::Unchecked if !d.readings.is_empty() => d
            .readings
            .iter()
            .map(|(_, r)| r.summary())
            .collect::<Vec<_>>()
            .join(", "),
        Mic::Clear | Mic::Good | Mic::Unchecked if !d.objects.is_empty() => d
            .objects
            .iter()
            .map(|o| match objects::name(o.id) {
                Some(n) => n.to_string(),
                None => format!("object 0x{:04X}", o.id),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Mic::Clear => "no objects".into(),
        Mic::Good | Mic::Unchecked => "decrypted, no objects".into(),
        Mic::Bad => "encrypted, wrong bindkey".into(),
        Mic::WrongKind => "encrypted, bindkey of the wrong length".into(),
        Mic::NoKey | Mic::NoMatch => format!(
            "encrypted, no bindkey for {}",
            d.mac.as_ref().map(mac_text).unwrap_or_default()
        ),
        Mic::NoAddress => "encrypted, advertiser unknown".into(),
    };
    format!("{head}: {what}")
}
