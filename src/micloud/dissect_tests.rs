//! One body at a time through `dissect`, on micloud 0.6's bodies
//! (message_tests.rs): no key, a row, the reply paired and harvested.

use super::*;
use crate::micloud::crypto::b64;
use crate::micloud::session::KeySource;
use crate::state::DissectorState;

// micloud 0.6's blt_get_beaconkey request without its `ssecurity` field
// (the app does not send it), and its reply.
const BODY: &str = "data=a%2BzX0TB%2Flu6PE%2BSAR4ijR0DSdFgqod4T2aCQHmH9V67vEhMz5O39&rc4_hash__=YbeC4g5q%2FI%2BeBc67Wvq0OWnqY3d9le48k9SKDw%3D%3D&signature=TUws6p0OJpBBrt%2BRcIIWaLyF%2FgQ%3D&_nonce=q8mQzU1bR0kBrC7%2B";
const REPLY: &str = "a+zQ1zA4jvSdXaqZDMj+F0bVNQZtqNJZxbLAVzKqS76kTEorprnh2c1zHLMbR4qSpfOTnijb5sgpgPPo/zQ2QuDFjpXwCkvzIZhSOgz5bzEoBb4=";
const HEAD: &[u8] = b"POST /app/v2/device/blt_get_beaconkey HTTP/1.1\r\nHost: de.api.io.mi.com\r\n";

fn ctx(frame: u32, direction: Direction) -> Context {
    Context {
        frame,
        visited: false,
        connection: 7,
        time_ns: i128::from(frame) * 1000,
        direction,
    }
}

#[test]
fn without_a_key_the_request_says_so() {
    let mut state = DissectorState::default();
    let d = dissect(
        &mut state,
        &ctx(1, Direction::Request),
        HEAD,
        BODY.as_bytes(),
    );
    assert_eq!((d.kind, d.key), (Kind::Request, None));
    assert_eq!(
        d.summary,
        "POST /v2/device/blt_get_beaconkey (encrypted, no key)"
    );
    let r = dissect(
        &mut state,
        &ctx(2, Direction::Response),
        b"",
        REPLY.as_bytes(),
    );
    assert_eq!(r.summary, "reply (encrypted, no key)");
}

#[test]
fn a_row_decrypts_and_the_reply_pairs_and_harvests() {
    let mut state = DissectorState::default();
    state
        .micloud
        .set_table_keys(vec![(b64("gH4pK8sE1rT6wQ2zX9cV3b==").unwrap(), 3)]);
    let d = dissect(
        &mut state,
        &ctx(1, Direction::Request),
        HEAD,
        BODY.as_bytes(),
    );
    assert_eq!(d.key, Some(KeySource::TableRow(3)));
    assert_eq!(d.summary, "POST /v2/device/blt_get_beaconkey");
    let r = dissect(
        &mut state,
        &ctx(2, Direction::Response),
        b"",
        REPLY.as_bytes(),
    );
    assert_eq!((r.kind, r.record.request_in), (Kind::Response, Some(1)));
    assert_eq!(r.summary, "reply: beaconkey of blt.3.1abcdefgh00");
    assert_eq!(r.harvested[0].bindkey.as_ref().unwrap().bytes()[0], 0x00);
    assert_eq!(state.micloud.records[&1].response_in, Some(2));
    // A second reply on the connection has no request waiting: not ours.
    let again = dissect(
        &mut state,
        &ctx(3, Direction::Response),
        b"",
        REPLY.as_bytes(),
    );
    assert_eq!(again.kind, Kind::Other);
}

#[test]
fn request_lines() {
    assert_eq!(
        request_line(b"POST /app/home/device_list?x=1 HTTP/1.1\r\n"),
        Some(("POST".into(), "/app/home/device_list".into()))
    );
    assert_eq!(
        request_line(b"POST https://api.io.mi.com/app/home/rpc/1 HTTP/1.1\r\n").map(|l| l.1),
        Some("/app/home/rpc/1".into())
    );
    assert_eq!(request_line(b"\x00\x00\x12\x01"), None);
    assert_eq!(request_line(b"HTTP/1.1 200 OK\r\n"), None);
}
