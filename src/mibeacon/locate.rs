//! Where MiBeacon frames are in a captured Bluetooth packet, read from the
//! packet's own bytes. Wireshark 4.0 hands service data to no dissector,
//! and its GUI builds no tree for the packet list, so the fields the
//! Bluetooth dissectors add cannot be relied on: the plugin finds the
//! advertising data itself, in the layouts of the capture formats users
//! make (LE link layer with its pseudo-header, HCI events with H4 or Linux
//! monitor headers), and the advertiser's address with it.

use std::ops::Range;

/// The packet's layout, from its capture encapsulation, as Wireshark holds
/// the packet (wiretap keeps some pseudo-headers apart from the bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR (256): 10-byte pseudo-header,
    /// access address, PDU header, AdvA, advertising data, CRC.
    LeLinkLayerWithPhdr,
    /// LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR (201) and btsnoop's H4: the H4
    /// packet type, then the HCI packet (wiretap keeps the direction apart).
    HciH4,
    /// An HCI event from its event code: LINKTYPE_BLUETOOTH_LINUX_MONITOR
    /// (254) packets whose opcode (kept apart by wiretap) is 3.
    HciEvent,
    /// LINKTYPE_BLUETOOTH_LE_LL (251): the link layer packet alone.
    LeLinkLayer,
    /// LINKTYPE_NORDIC_BLE (272, nRF Sniffer for Bluetooth LE, protocol 2
    /// and 3): board id, a 6-byte UART header (its packet id at 5), an
    /// event header of the length its first byte gives, then the link
    /// layer packet.
    NordicBle,
}

/// A MiBeacon frame in the packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The frame: the service data after the UUID, or the manufacturer data
    /// after the company id.
    pub frame: Range<usize>,
    /// The advertiser (display order), when the layout carries it.
    pub address: Option<[u8; 6]>,
    /// Manufacturer data 0x038F rather than service data 0xFE95.
    pub manufacturer: bool,
}

const SERVICE_DATA_16: u8 = 0x16;
const MANUFACTURER_DATA: u8 = 0xFF;
const XIAOMI_UUID: [u8; 2] = [0x95, 0xFE];
const XIAOMI_COMPANY: [u8; 2] = [0x8F, 0x03];

pub fn locate(layout: Layout, packet: &[u8]) -> Vec<Found> {
    match layout {
        Layout::LeLinkLayerWithPhdr => le_link_layer(packet.get(10..).unwrap_or(&[]), 10),
        Layout::HciH4 => match packet.first() {
            Some(0x04) => hci_event(packet, 1),
            _ => Vec::new(),
        },
        Layout::HciEvent => hci_event(packet, 0),
        Layout::LeLinkLayer => le_link_layer(packet, 0),
        Layout::NordicBle => match packet.get(..8) {
            // Protocol 2 or 3; an advertising (2) or any LE (6) packet.
            Some(h) if matches!(h[3], 2 | 3) && matches!(h[6], 2 | 6) => {
                let at = 7 + usize::from(h[7]);
                le_link_layer(packet.get(at..).unwrap_or(&[]), at)
            }
            _ => Vec::new(),
        },
    }
}

/// An advertising channel PDU: `access(4) header(2) AdvA(6) AdvData CRC(3)`.
fn le_link_layer(pdu: &[u8], base: usize) -> Vec<Found> {
    let (Some(&kind), Some(&len)) = (pdu.get(4), pdu.get(5)) else {
        return Vec::new();
    };
    // ADV_IND, ADV_NONCONN_IND, SCAN_RSP and ADV_SCAN_IND carry AdvA + AdvData.
    if !matches!(kind & 0x0F, 0 | 2 | 4 | 6) || len < 6 {
        return Vec::new();
    }
    let Some(adv_a) = pdu.get(6..12) else {
        return Vec::new();
    };
    let end = (6 + usize::from(len)).min(pdu.len());
    let address = reversed(adv_a);
    ad_structures(&pdu[12..end], base + 12, Some(address))
}

/// An HCI LE Meta event with advertising reports, from `at` (event code).
fn hci_event(packet: &[u8], at: usize) -> Vec<Found> {
    let event = packet.get(at..).unwrap_or(&[]);
    let (Some(0x3E), Some(&len), Some(&sub)) = (event.first(), event.get(1), event.get(2)) else {
        return Vec::new();
    };
    let params = &event[2..(2 + usize::from(len)).min(event.len())];
    let base = at + 2;
    match sub {
        0x02 => legacy_reports(params, base),
        0x0D => extended_reports(params, base),
        _ => Vec::new(),
    }
}

/// LE Advertising Report: `sub n { type addr_type addr(6) len data rssi }*n`,
/// each report after the other, as controllers send them.
fn legacy_reports(params: &[u8], base: usize) -> Vec<Found> {
    let mut found = Vec::new();
    let count = params.get(1).copied().unwrap_or(0);
    let mut at = 2;
    for _ in 0..count {
        let Some(head) = params.get(at..at + 9) else {
            break;
        };
        let data = at + 9..at + 9 + usize::from(head[8]);
        let Some(bytes) = params.get(data.clone()) else {
            break;
        };
        found.extend(ad_structures(
            bytes,
            base + data.start,
            Some(reversed(&head[2..8])),
        ));
        at = data.end + 1; // RSSI
    }
    found
}

/// LE Extended Advertising Report: a 24-byte header per report (address at
/// 3..9, data length at 23), then the data.
fn extended_reports(params: &[u8], base: usize) -> Vec<Found> {
    let mut found = Vec::new();
    let count = params.get(1).copied().unwrap_or(0);
    let mut at = 2;
    for _ in 0..count {
        let Some(head) = params.get(at..at + 24) else {
            break;
        };
        let data = at + 24..at + 24 + usize::from(head[23]);
        let Some(bytes) = params.get(data.clone()) else {
            break;
        };
        found.extend(ad_structures(
            bytes,
            base + data.start,
            Some(reversed(&head[3..9])),
        ));
        at = data.end;
    }
    found
}

/// The Xiaomi structures of advertising data (`len type value`*), offsets
/// shifted by `base`.
fn ad_structures(ad: &[u8], base: usize, address: Option<[u8; 6]>) -> Vec<Found> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < ad.len() {
        let len = usize::from(ad[at]);
        if len == 0 || at + 1 + len > ad.len() {
            break;
        }
        let value = &ad[at + 2..at + 1 + len];
        let xiaomi = match ad[at + 1] {
            SERVICE_DATA_16 => value.get(..2) == Some(&XIAOMI_UUID[..]),
            MANUFACTURER_DATA => value.get(..2) == Some(&XIAOMI_COMPANY[..]),
            _ => false,
        };
        if xiaomi {
            found.push(Found {
                frame: base + at + 4..base + at + 1 + len,
                address,
                manufacturer: ad[at + 1] == MANUFACTURER_DATA,
            });
        }
        at += 1 + len;
    }
    found
}

fn reversed(b: &[u8]) -> [u8; 6] {
    let mut r = [0u8; 6];
    for (i, v) in b.iter().rev().take(6).enumerate() {
        r[i] = *v;
    }
    r
}

#[cfg(test)]
#[path = "locate_tests.rs"]
mod tests;
