//! Tests of reading Roborock payloads: V1 RPC, data points, B01, A01.
use super::*;

fn at(r: &Reading, s: Span) -> &str {
    &r.inner.as_ref().unwrap()[s.offset..s.offset + s.len]
}

#[test]
fn rpc_request_with_security() {
    let text = br#"{"dps":{"101":"{\"id\":20007,\"method\":\"get_map_v1\",\"params\":[],\"security\":{\"endpoint\":\"Ro0QUNeB\",\"nonce\":\"df8f4a16491dab96637ed7bd64d56840\"}}"},"t":1795623727}"#;
    let r = read(text);
    assert_eq!(r.kind, Kind::RpcRequest);
    assert_eq!(r.summary, "get_map_v1 id=20007");
    assert_eq!(at(&r, r.method.clone().unwrap().1), "get_map_v1");
    assert_eq!(at(&r, r.id.unwrap().1), "20007");
    assert_eq!(at(&r, r.params.unwrap()), "[]");
    assert_eq!(r.map_nonce.unwrap()[0], 0xdf);
}

#[test]
fn replies_errors_and_unknown_methods() {
    let ok = read(br#"{"t":1,"dps":{"102":"{\"id\":20004,\"result\":[\"ok\"]}"}}"#);
    assert_eq!(
        (ok.kind, ok.summary.as_str()),
        (Kind::RpcReply, "reply id=20004 ok")
    );
    assert_eq!(at(&ok, ok.result.unwrap()), r#"["ok"]"#);
    let err = read(br#"{"t":1,"dps":{"102":"{\"id\":20005,\"error\":{\"code\":-10007,\"message\":\"invalid status\"}}"}}"#);
    assert_eq!(err.summary, "reply id=20005 error -10007 invalid status");
    assert_eq!(at(&err, err.error_code.unwrap().1), "-10007");
    assert_eq!(at(&err, err.error_message.unwrap()), "invalid status");
    let unknown = read(br#"{"t":1,"dps":{"102":"{\"id\":20006,\"result\":\"unknown_method\"}"}}"#);
    assert_eq!(unknown.kind, Kind::RpcError);
    assert_eq!(unknown.summary, "reply id=20006 error unknown_method");
}

#[test]
fn data_points_b01_and_other() {
    let push = read(br#"{"dps":{"121":8,"122":100},"t":1}"#);
    assert_eq!(
        (push.kind, push.summary.as_str()),
        (Kind::DataPoints, "data points 121=8, 122=100")
    );
    let b01 = read(br#"{"dps":{"10000":{"method":"prop.get","msgId":"123","params":{}}}}"#);
    assert_eq!(
        (b01.kind, b01.summary.as_str()),
        (Kind::RpcRequest, "prop.get msgId=123")
    );
    assert_eq!(b01.id.unwrap().0, 123);
    let reply = read(
        br#"{"dps":{"10000":"{\"msgId\": \"123\", \"code\": 10001, \"data\": \"unsupported\"}"}}"#,
    );
    assert_eq!(
        (reply.kind, reply.summary.as_str()),
        (Kind::RpcError, "reply msgId=123 error 10001")
    );
    // python-roborock's Q7 form: dps 10001, a JSON string naming the method.
    let q7 = read(
        br#"{"dps":{"10001":"{\"msgId\":\"123\",\"code\":0,\"method\":\"prop.get\",\"data\":{\"power\":1}}"},"t":1}"#,
    );
    assert_eq!(
        (q7.kind, q7.summary.as_str(), q7.id.map(|i| i.0)),
        (Kind::RpcReply, "prop.get reply msgId=123 ok", Some(123))
    );
    // A01's data point 10001 is a value, not a B01 reply.
    let a01 = read(br#"{"dps":{"10001":3},"t":1}"#);
    assert_eq!(a01.summary, "data points 10001=3");
    let query = read(br#"{"dps": {"10000": "[201, 209, 214]"}, "t": 1}"#);
    assert_eq!(
        (query.kind, query.summary.as_str()),
        (Kind::DataPoints, "query [201, 209, 214]")
    );
    assert_eq!(read(b"ok").kind, Kind::NotJson);
    assert_eq!(read(b"\xff").kind, Kind::NotJson);
}
