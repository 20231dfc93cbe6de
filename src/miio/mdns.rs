//! Who a device is, from its mDNS announcement: `_miio._udp.local` with the
//! instance `<model, '.' → '-'>_miio<did decimal>` (`zhimi-airpurifier-m2_miio72610872`,
//! `yeelink-light-…`, `lumi-gateway-…`) and TXT `mac=<12 hex>` (some
//! firmwares send a broken TXT that reads as a key `poch`: the MAC is looked
//! for in the TXT's bytes whatever their framing). Pure: DNS parsed here,
//! with compression pointers bounded.

/// An announced device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub instance: String,
    pub model: String,
    pub device_id: u32,
    pub mac: Option<[u8; 6]>,
}

const SERVICE: &str = "._miio._udp.local";
const TYPE_PTR: u16 = 12;
const TYPE_TXT: u16 = 16;
const TYPE_SRV: u16 = 33;
/// Names a packet may hold before the rest is let go (a hostile packet).
const MAX_RECORDS: usize = 64;
const MAX_POINTERS: usize = 16;

/// The devices a DNS message (an mDNS packet's UDP payload) announces.
pub fn identities(msg: &[u8]) -> Vec<Identity> {
    let mut out: Vec<Identity> = Vec::new();
    let Some(counts) = msg.get(4..12) else {
        return out;
    };
    let count = |i: usize| usize::from(u16::from_be_bytes([counts[i], counts[i + 1]]));
    let questions = count(0);
    let records = (count(2) + count(4) + count(6)).min(MAX_RECORDS);
    let mut at = 12;
    for _ in 0..questions.min(MAX_RECORDS) {
        let Some((_, next)) = name(msg, at) else {
            return out;
        };
        at = next + 4;
    }
    let mut macs: Vec<(String, [u8; 6])> = Vec::new();
    for _ in 0..records {
        let Some((owner, next)) = name(msg, at) else {
            break;
        };
        let Some(fixed) = msg.get(next..next + 10) else {
            break;
        };
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        let rdata_at = next + 10;
        let Some(rdata) = msg.get(rdata_at..rdata_at + rdlen) else {
            break;
        };
        let instance = match rtype {
            TYPE_PTR => name(msg, rdata_at).map(|(n, _)| n),
            TYPE_SRV | TYPE_TXT => Some(owner.clone()),
            _ => None,
        };
        if let Some(identity) = instance.as_deref().and_then(identity) {
            if !out.iter().any(|i| i.instance == identity.instance) {
                out.push(identity);
            }
        }
        if rtype == TYPE_TXT {
            if let Some(mac) = txt_mac(rdata) {
                macs.push((owner, mac));
            }
        }
        at = rdata_at + rdlen;
    }
    for (owner, mac) in macs {
        if let Some(i) = out.iter_mut().find(|i| owner.starts_with(&i.instance)) {
            i.mac = Some(mac);
        }
    }
    out
}

/// `<model>_miio<did>._miio._udp.local` → the device.
fn identity(full: &str) -> Option<Identity> {
    let instance = full.strip_suffix(SERVICE)?;
    let (model, did) = instance.rsplit_once("_miio")?;
    if model.is_empty() || did.is_empty() || !did.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let device_id: u32 = did.parse().ok()?;
    let model = model.replace('-', ".");
    crate::miot::models::valid_model(&model)?;
    Some(Identity {
        instance: instance.to_string(),
        model,
        device_id,
        mac: None,
    })
}

/// `mac=` and 12 hex digits (with or without colons) anywhere in a TXT.
fn txt_mac(rdata: &[u8]) -> Option<[u8; 6]> {
    let at = rdata.windows(4).position(|w| w.eq_ignore_ascii_case(b"mac="))? + 4;
    let hex: Vec<u8> = rdata[at..]
        .iter()
        .copied()
        .filter(|b| *b != b':')
        .take_while(u8::is_ascii_hexdigit)
        .take(12)
        .collect();
    let hex = std::str::from_utf8(&hex).ok().filter(|h| h.len() == 12)?;
    let mut mac = [0u8; 6];
    for (i, byte) in mac.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(mac)
}

/// A (possibly compressed) name at `at`: its dotted text and where the
/// record goes on.
fn name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut end = None;
    let mut jumps = 0;
    loop {
        let len = *msg.get(at)?;
        match len {
            0 => {
                return Some((out, end.unwrap_or(at + 1)));
            }
            l if l & 0xC0 == 0xC0 => {
                let target = usize::from(u16::from_be_bytes([l & 0x3F, *msg.get(at + 1)?]));
                end.get_or_insert(at + 2);
                jumps += 1;
                if jumps > MAX_POINTERS || out.len() > 255 {
                    return None;
                }
                at = target;
            }
            l if l & 0xC0 == 0 => {
                let label = msg.get(at + 1..at + 1 + usize::from(l))?;
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&String::from_utf8_lossy(label));
                at += 1 + usize::from(l);
                if out.len() > 255 {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
#[path = "mdns_tests.rs"]
mod tests;
