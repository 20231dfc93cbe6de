//! Requests and a response made by micloud 0.6's own functions
//! (`generate_enc_params`, `gen_signature`, `encrypt_rc4`, bodies encoded
//! by Python's `urlencode` as requests does), 2026-12-03.

use super::*;
use crate::micloud::crypto::signed_nonce;
use crate::micloud::form::parse;

const SSECURITY: &str = "gH4pK8sE1rT6wQ2zX9cV3b==";
const NONCE: &str = "q8mQzU1bR0kBrC7+";
const PATH: &str = "/app/v2/device/blt_get_beaconkey";
const DATA: &str = r#"{"did": "blt.3.1abcdefgh00", "pdid": 1}"#;
const RC4_BODY: &str = "data=a%2BzX0TB%2Flu6PE%2BSAR4ijR0DSdFgqod4T2aCQHmH9V67vEhMz5O39&rc4_hash__=YbeC4g5q%2FI%2BeBc67Wvq0OWnqY3d9le48k9SKDw%3D%3D&signature=TUws6p0OJpBBrt%2BRcIIWaLyF%2FgQ%3D&ssecurity=gH4pK8sE1rT6wQ2zX9cV3b%3D%3D&_nonce=q8mQzU1bR0kBrC7%2B";
const HMAC_BODY: &str = "data=%7B%22did%22%3A+%22blt.3.1abcdefgh00%22%2C+%22pdid%22%3A+1%7D&signature=Leab6sZ0XgUKuS%2FuR2dhTrBz3X1YrKNI32DmwRYD%2BKA%3D&_nonce=q8mQzU1bR0kBrC7%2B";

fn key(ssecurity: &str) -> SignedNonce {
    signed_nonce(&b64(ssecurity).unwrap(), NONCE).unwrap()
}

#[test]
fn rc4_request_decrypted_and_both_hashes_checked() {
    let req = request(parse(RC4_BODY.as_bytes()).unwrap()).unwrap();
    assert_eq!(req.mode, Mode::Rc4);
    assert_eq!(req.nonce, NONCE);
    assert_eq!(req.ssecurity, b64(SSECURITY));
    let d = decrypt(&req, "POST", Some(PATH), &key(SSECURITY)).unwrap();
    assert_eq!(d.values[0], (0, DATA.as_bytes().to_vec()));
    assert_eq!(req.params[d.values[1].0].name, "rc4_hash__");
    assert_eq!((d.rc4_hash, d.signature), (Check::Good, Check::Good));
    // Another path: the key is right, the hashes are not for this path.
    let elsewhere = decrypt(&req, "POST", Some("/app/home/device_list"), &key(SSECURITY)).unwrap();
    assert_eq!(
        (elsewhere.rc4_hash, elsewhere.signature),
        (Check::Bad, Check::Bad)
    );
    let unknown = decrypt(&req, "POST", None, &key(SSECURITY)).unwrap();
    assert_eq!(unknown.rc4_hash, Check::NotChecked);
}

#[test]
fn a_wrong_key_is_refused() {
    let req = request(parse(RC4_BODY.as_bytes()).unwrap()).unwrap();
    assert!(decrypt(&req, "POST", Some(PATH), &key("AAAAAAAAAAAAAAAAAAAAAA==")).is_none());
}

#[test]
fn hmac_request_verified() {
    let req = request(parse(HMAC_BODY.as_bytes()).unwrap()).unwrap();
    assert_eq!(req.mode, Mode::Hmac);
    let d = decrypt(&req, "POST", Some(PATH), &key(SSECURITY)).unwrap();
    assert_eq!(d.signature, Check::Good);
    assert!(decrypt(&req, "POST", Some(PATH), &key("AAAAAAAAAAAAAAAAAAAAAA==")).is_none());
}

#[test]
fn other_forms_are_not_requests() {
    assert!(request(parse(b"user=a&hash=b").unwrap()).is_none());
    assert!(request(parse(b"_nonce=a").unwrap()).is_none());
}
