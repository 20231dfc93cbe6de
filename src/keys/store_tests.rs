//! Tests of the key store: choice by checksum, the per-device cache,
//! learned keys and token candidates.
use super::*;
use crate::keys::{parse_row, RawRow};
use crate::miio::test_frames::{hex, INFO_REQUEST, TOKEN};

const OTHER: &str = "00112233445566778899aabbccddeeff";
const DID: u32 = 0x0a1b2c3d;

fn entry(device_id: &str, key: &str, row: u32) -> KeyEntry {
    let raw = RawRow {
        device_id,
        key_type: "token",
        key,
        comment: "",
    };
    parse_row(&raw, Some(row)).unwrap()
}

fn store(entries: Vec<KeyEntry>) -> KeyStore {
    let mut s = KeyStore::default();
    s.set_table_keys(entries);
    s
}

fn origin(s: &KeyStore, c: Option<KeyChoice>) -> KeyOrigin {
    s.get(c.unwrap().key).unwrap().origin
}

#[test]
fn empty_store_has_no_key() {
    let (choice, tried) = KeyStore::default().choose(DID, &hex(INFO_REQUEST));
    assert!(choice.is_none());
    assert_eq!(tried, 0);
}

#[test]
fn device_key_verifies() {
    let mut s = store(vec![entry("0a1b2c3d", TOKEN, 1)]);
    let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
    assert!(choice.unwrap().verified);
    assert_eq!(origin(&s, choice), KeyOrigin::TableRow(1));
    assert_eq!(tried, 1);
}

#[test]
fn wildcard_keys_are_tried_by_checksum_and_the_winner_remembered() {
    let mut entries: Vec<_> = (0..1000u32)
        .map(|i| entry("", &format!("{i:032x}"), i + 1))
        .collect();
    entries.push(entry("", TOKEN, 1001));
    let mut s = store(entries);
    let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
    assert_eq!(origin(&s, choice), KeyOrigin::TableRow(1001));
    assert_eq!(tried, 1001);
    // The next frame of the device costs one checksum.
    let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
    assert!(choice.unwrap().verified);
    assert_eq!(tried, 1);
}

#[test]
fn key_of_another_device_is_not_used() {
    let mut s = store(vec![entry("11111111", TOKEN, 1)]);
    assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_none());
}

#[test]
fn device_key_that_fails_is_returned_unverified() {
    let mut s = store(vec![entry("0a1b2c3d", OTHER, 1), entry("", OTHER, 2)]);
    let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
    assert!(!choice.unwrap().verified);
    assert_eq!(origin(&s, choice), KeyOrigin::TableRow(1));
    assert_eq!(tried, 2);
}

#[test]
fn second_key_for_same_device_wins_when_it_verifies() {
    let mut s = store(vec![
        entry("0a1b2c3d", OTHER, 1),
        entry("0a1b2c3d", TOKEN, 2),
    ]);
    let (choice, _) = s.choose(DID, &hex(INFO_REQUEST));
    assert_eq!(origin(&s, choice), KeyOrigin::TableRow(2));
}

#[test]
fn learned_keys_apply_to_their_device_only() {
    let mut s = KeyStore::default();
    let token: [u8; 16] = hex(TOKEN).try_into().unwrap();
    assert!(s.learn(DID, token, KeyOrigin::HelloReply(4)).is_some());
    assert!(
        s.learn(DID, token, KeyOrigin::HelloReply(5)).is_none(),
        "same token twice"
    );
    let (choice, _) = s.choose(DID, &hex(INFO_REQUEST));
    assert_eq!(origin(&s, choice), KeyOrigin::HelloReply(4));
    assert!(s.choose(0x1111_1111, &hex(INFO_REQUEST)).0.is_none());
    s.forget_capture();
    assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_none());
}

#[test]
fn hello_reply_token_is_a_candidate_until_a_checksum_confirms_it() {
    let mut s = KeyStore::default();
    let token: [u8; 16] = hex(TOKEN).try_into().unwrap();
    assert!(s.learn(DID, token, KeyOrigin::HelloReply(4)).is_some());
    assert_eq!(
        s.get(KeyRef::Learned(0)).unwrap().candidacy,
        Some(Candidacy::Open)
    );
    let (choice, _) = s.choose(DID, &hex(INFO_REQUEST));
    let by = choice.unwrap().key;
    assert_eq!(
        s.settle(DID, by, 7),
        Settled {
            confirmed: Some(4),
            dropped: vec![]
        }
    );
    assert_eq!(
        s.get(by).unwrap().candidacy,
        Some(Candidacy::ConfirmedIn(7))
    );
    // Settled once: later frames change nothing.
    assert_eq!(s.settle(DID, by, 9), Settled::default());
}

#[test]
fn candidate_is_dropped_when_another_key_verifies_the_devices_frame() {
    let mut s = store(vec![entry("0a1b2c3d", TOKEN, 1)]);
    let wrong: [u8; 16] = hex(OTHER).try_into().unwrap();
    assert!(s.learn(DID, wrong, KeyOrigin::HelloReply(4)).is_some());
    let (choice, _) = s.choose(DID, &hex(INFO_REQUEST));
    let by = choice.unwrap().key;
    assert_eq!(by, KeyRef::Table(0));
    assert_eq!(
        s.settle(DID, by, 7),
        Settled {
            confirmed: None,
            dropped: vec![4]
        }
    );
    assert_eq!(
        s.get(KeyRef::Learned(0)).unwrap().candidacy,
        Some(Candidacy::DroppedIn(7))
    );
    // A dropped candidate is never offered again, even as a fallback;
    // an open one is not offered as a fallback either.
    s.set_table_keys(vec![]);
    assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_none());
    // Tokens from decrypted payloads are not candidates.
    let mut t = KeyStore::default();
    t.learn(DID, wrong, KeyOrigin::InfoReply(3));
    assert_eq!(t.get(KeyRef::Learned(0)).unwrap().candidacy, None);
}

#[test]
fn an_open_candidate_is_not_a_fallback() {
    let mut s = KeyStore::default();
    let wrong: [u8; 16] = hex(OTHER).try_into().unwrap();
    s.learn(DID, wrong, KeyOrigin::HelloReply(4));
    assert_eq!(s.choose(DID, &hex(INFO_REQUEST)), (None, 1));
}

#[test]
fn configured_token_is_not_learned_again() {
    let mut s = store(vec![entry("0a1b2c3d", TOKEN, 1)]);
    let token: [u8; 16] = hex(TOKEN).try_into().unwrap();
    assert!(s.learn(DID, token, KeyOrigin::InfoReply(8)).is_none());
}

#[test]
fn replacing_keys_clears_the_cache() {
    let mut s = store(vec![entry("", TOKEN, 1)]);
    assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_some());
    s.set_table_keys(vec![]);
    assert!(s.choose(DID, &hex(INFO_REQUEST)).0.is_none());
}

#[test]
fn many_candidates_cost_a_few_checksums_a_frame() {
    // A device whose hello replies carry a new "token" each time.
    let mut s = KeyStore::default();
    for i in 0..1000u32 {
        let fake: [u8; 16] = hex(&format!("{i:032x}")).try_into().unwrap();
        assert!(s.learn(DID, fake, KeyOrigin::HelloReply(i)).is_some());
    }
    let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
    assert!(choice.is_none());
    assert_eq!(tried as usize, crate::keys::device_keys::LEARNED_TRIED);
    // The real token, learned last, is tried first and verifies; every
    // open candidate is settled by it, once.
    let token: [u8; 16] = hex(TOKEN).try_into().unwrap();
    s.learn(DID, token, KeyOrigin::HelloReply(2000));
    let (choice, tried) = s.choose(DID, &hex(INFO_REQUEST));
    assert_eq!((choice.unwrap().verified, tried), (true, 1));
    let settled = s.settle(DID, choice.unwrap().key, 2001);
    assert_eq!(
        (settled.confirmed, settled.dropped.len()),
        (Some(2000), 1000)
    );
}

#[test]
fn keys_for_any_device_are_given_up_on_a_device_none_fits() {
    let entries: Vec<_> = (0..1000u32)
        .map(|i| entry("", &format!("{i:032x}"), i + 1))
        .collect();
    let mut s = store(entries);
    for _ in 0..crate::keys::device_keys::ANY_DEVICE_TRIES {
        assert_eq!(s.choose(DID, &hex(INFO_REQUEST)).1, 1000);
        s.missed(DID);
    }
    assert_eq!(s.choose(DID, &hex(INFO_REQUEST)), (None, 0));
    // Another device is still tried with them; new keys start over.
    assert_eq!(s.choose(0x1111_1111, &hex(INFO_REQUEST)).1, 1000);
    s.set_file_keys(vec![entry("", TOKEN, 1)]);
    assert!(s.choose(DID, &hex(INFO_REQUEST)).0.unwrap().verified);
}
