//! Replies as micloud 0.6 and mijiaAPI 5.0's stand-in server made them:
//! RC4 of JSON, RC4 of gzip (what the app asks for), in clear, and gzip
//! bombs (tests/captures/mijia-gzip-bomb*.body, tests/peers/mijia/gzip-bomb.py).

use super::*;
use crate::micloud::crypto::{b64, signed_nonce};

// micloud 0.6's encrypt_rc4 of a blt_get_beaconkey reply.
const SSECURITY: &str = "gH4pK8sE1rT6wQ2zX9cV3b==";
const NONCE: &str = "q8mQzU1bR0kBrC7+";
const RESPONSE: &str = "a+zQ1zA4jvSdXaqZDMj+F0bVNQZtqNJZxbLAVzKqS76kTEorprnh2c1zHLMbR4qSpfOTnijb5sgpgPPo/zQ2QuDFjpXwCkvzIZhSOgz5bzEoBb4=";

// The bombs' key (tests/captures/mijia-gzip-bomb.json).
const BOMB_SSECURITY: &str = "D6JZ0ca5Ym2AzUncjr1NQA==";
const BOMB_NONCE: &str = "ZG9ib21iZ3oBwW3A";

fn key(ssecurity: &str, nonce: &str) -> SignedNonce {
    signed_nonce(&b64(ssecurity).unwrap(), nonce).unwrap()
}

#[test]
fn an_rc4_reply_decrypts_to_json() {
    let r = read(RESPONSE.as_bytes(), Some(&key(SSECURITY, NONCE)));
    let json = br#"{"code":0,"message":"ok","result":{"beaconkey":"00112233445566778899aabbccddeeff"}}"#;
    assert_eq!(r, Reply::Json(json.to_vec()));
    assert_eq!(r.json(), Some(&json[..]));
    assert_eq!(r.decrypted(), Some(&json[..]));
}

#[test]
fn another_key_gives_bytes_that_are_not_json_and_says_no_more() {
    let r = read(RESPONSE.as_bytes(), Some(&key("AAAAAAAAAAAAAAAAAAAAAA==", NONCE)));
    assert!(matches!(r, Reply::NotJson(_)), "{r:?}");
    assert_eq!(r.json(), None);
}

#[test]
fn a_clear_reply_is_json_in_clear_with_or_without_a_key() {
    for k in [None, Some(key(SSECURITY, NONCE))] {
        let r = read(b" {\"code\":-8,\"message\":\"auth err\"}\r\n", k.as_ref());
        assert_eq!(r, Reply::Clear(b"{\"code\":-8,\"message\":\"auth err\"}".to_vec()));
    }
    assert_eq!(read(b"not base64 at all!", Some(&key(SSECURITY, NONCE))), Reply::NotBase64);
    assert_eq!(read(RESPONSE.as_bytes(), None), Reply::NotBase64, "no key: nothing read");
}

#[test]
fn a_gzip_bomb_is_cut_at_the_cap() {
    let body = include_bytes!("../../tests/captures/mijia-gzip-bomb.body");
    match read(body, Some(&key(BOMB_SSECURITY, BOMB_NONCE))) {
        Reply::Compressed {
            stream,
            format,
            inflated,
        } => {
            assert_eq!((stream.len(), format, inflated), (65251, Format::Gzip, Inflated::TooLarge));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_stream_that_inflates_to_no_json_has_no_json() {
    let body = include_bytes!("../../tests/captures/mijia-gzip-bomb-small.body");
    let r = read(body, Some(&key(BOMB_SSECURITY, BOMB_NONCE)));
    match &r {
        Reply::Compressed {
            stream,
            inflated: Inflated::Whole(text),
            ..
        } => assert_eq!((stream.len(), text.len()), (1051, 1 << 20)),
        other => panic!("{other:?}"),
    }
    assert_eq!(r.json(), None, "a megabyte of zero bytes is not JSON");
}
