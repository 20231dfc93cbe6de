//! Tests of reading the decrypted JSON: fields and spans, kinds, tokens,
//! repairs.
use super::*;

fn at(text: &[u8], s: Span) -> &str {
    std::str::from_utf8(&text[s.offset..s.offset + s.len]).unwrap()
}

#[test]
fn request_fields_and_spans() {
    let text = br#"{"id": 12, "method": "get_status", "params": ["a", 1]}"#;
    let p = read(text);
    assert_eq!(p.kind, PayloadKind::Request);
    let (id, id_span) = p.id.unwrap();
    assert_eq!(id, 12);
    assert_eq!(at(text, id_span), "12");
    let (method, method_span) = p.method.clone().unwrap();
    assert_eq!(method, "get_status");
    assert_eq!(at(text, method_span), "get_status");
    assert_eq!(at(text, p.params.unwrap()), r#"["a", 1]"#);
    assert_eq!(p.summary, "get_status id=12");
}

#[test]
fn request_signature_ignores_the_id() {
    let a = read(br#"{"id": 3, "method": "get_prop", "params": ["power"]}"#);
    let retry = read(br#"{"id": 104, "method": "get_prop", "params": ["power"]}"#);
    let other = read(br#"{"id": 4, "method": "get_prop", "params": ["temp"]}"#);
    assert_eq!(a.request_signature(), retry.request_signature());
    assert_ne!(a.request_signature(), other.request_signature());
}

#[test]
fn replies() {
    let ok = read(br#"{"id":12,"result":["ok"]}"#);
    assert_eq!(ok.kind, PayloadKind::Reply);
    assert_eq!(ok.summary, "reply id=12 ok");

    let text = br#"{"id":12,"error":{"code":-32601,"message":"Method not found."}}"#;
    let err = read(text);
    assert_eq!(err.kind, PayloadKind::ErrorReply);
    assert_eq!(err.summary, "reply id=12 error -32601 Method not found.");
    let (code, code_span) = err.error_code.unwrap();
    assert_eq!(code, -32601);
    assert_eq!(at(text, code_span), "-32601");
    assert_eq!(at(text, err.error_message.unwrap()), "Method not found.");
}

#[test]
fn an_object_with_an_id_and_no_method_is_a_reply() {
    // python-miio's simulator: miIO.info's keys at the top level, id last.
    let text = br#"{"ap": {"ssid": "network"}, "model": "roborock.vacuum.s5", "token": "00000000000000000000000000000000", "id": 1}"#;
    let p = read(text);
    assert_eq!(p.kind, PayloadKind::Reply);
    assert_eq!(p.id.unwrap().0, 1);
    assert_eq!(p.result, None);
    assert_eq!(p.summary, r#"reply id=1 ok, no "result""#);
    assert_eq!(p.revealed_token, None, "top level is not result.token");
    let no_id = read(br#"{"model": "x"}"#);
    assert_eq!(no_id.kind, PayloadKind::OtherJson);
}

#[test]
fn placeholder_tokens_are_not_revealed() {
    for t in [
        "00000000000000000000000000000000",
        "ffffffffffffffffffffffffffffffff",
    ] {
        let text = format!(r#"{{"id":1,"result":{{"token":"{t}"}}}}"#);
        assert_eq!(read(text.as_bytes()).revealed_token, None, "{t}");
    }
}

#[test]
fn info_reply_reveals_token() {
    let p = read(br#"{"id":1,"result":{"model":"x","token":"3f4a1c2b9d8e7f60112233445566aa01"}}"#);
    let (token, via) = p.revealed_token.unwrap();
    assert_eq!((token[0], via), (0x3f, Revealer::InfoReply));
    let no = read(br#"{"id":1,"result":{"token":"not hex"}}"#);
    assert_eq!(no.revealed_token, None);
    let signs = read(br#"{"id":1,"result":{"token":"+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f"}}"#);
    assert_eq!(signs.revealed_token, None, "only hex digits");
    let list = read(br#"{"id":1,"result":["3f4a1c2b9d8e7f60112233445566aa01"]}"#);
    assert_eq!(list.revealed_token, None);
}

#[test]
fn otc_info_request_reveals_the_local_token() {
    let p = read(br#"{"id":9,"method":"_otc.info","params":{"token":"3f4a1c2b9d8e7f60112233445566aa01","mac":"x"}}"#);
    assert_eq!(
        p.revealed_token.map(|(t, v)| (t[15], v)),
        Some((0x01, Revealer::OtcInfo))
    );
    let other =
        read(br#"{"id":9,"method":"props","params":{"token":"3f4a1c2b9d8e7f60112233445566aa01"}}"#);
    assert_eq!(other.revealed_token, None);
}

fn repaired(text: &[u8]) -> (Payload, Option<Repair>) {
    let (p, r) = read_repairing(text);
    (p, r)
}

#[test]
fn firmware_quirks_are_repaired_and_named() {
    let cases: [(&[u8], &str, &str); 6] = [
        (
            br#"{"id":1,"result":["on",,"otu_stat"]}"#,
            "',,' -> ','",
            "reply id=1 ok",
        ),
        (
            br#"{"id":2,"result":[,]}"#,
            "'[,]' / '[,,]' -> '[]'",
            "reply id=2 ok",
        ),
        (
            br#"{"id":3,"result":[,,]}"#,
            "'[,]' / '[,,]' -> '[]'",
            "reply id=3 ok",
        ),
        (
            br#"{"id":4,"result":[{"did":"c","siid":2,"piid":1,"value":00}]}"#,
            "'\"value\":00' -> '\"value\":0'",
            "reply id=4 ok",
        ),
        (
            br#"{"id":5,"result":,"x":1}"#,
            "'\"result\":,' -> '\"result\":null,'",
            "reply id=5 ok",
        ),
        (
            b"{\"id\":6,\"result\":[\"ok\"]}\0garbage{",
            "bytes after the first NUL dropped",
            "reply id=6 ok",
        ),
    ];
    for (text, name, summary) in cases {
        let (p, r) = repaired(text);
        let r = r.unwrap_or_else(|| panic!("not repaired: {}", String::from_utf8_lossy(text)));
        assert_eq!(r.name, name);
        assert_eq!(p.summary, summary);
        let (id, span) = p.id.unwrap();
        assert_eq!(
            &r.text[span.offset..span.offset + span.len],
            id.to_string().as_bytes(),
            "spans point into the repaired text"
        );
    }
    let (p, r) = repaired(br#"{"id":7,"result":[,],"value":00}"#);
    assert_eq!(r.unwrap().name, "several quirks");
    assert_eq!(p.summary, "reply id=7 ok");
}

#[test]
fn valid_json_is_not_repaired_and_garbage_stays_garbage() {
    assert_eq!(repaired(br#"{"id":1,"result":["a,,b"]}"#).1, None);
    let (p, r) = repaired(b"\x8f\x01 not json");
    assert_eq!((p.kind, p.utf8, r), (PayloadKind::NotJson, false, None));
    let (p, r) = repaired(b"plain text");
    assert_eq!((p.kind, p.utf8, r), (PayloadKind::NotJson, true, None));
}

#[test]
fn not_json_or_not_object() {
    for text in [
        &b"{\"id\":1,,}"[..],
        b"[1,2]",
        b"\xff\xfe",
        b"",
        b"42",
        b"\"s\"",
    ] {
        let p = read(text);
        assert_eq!(p.kind, PayloadKind::NotJson, "{text:?}");
        assert_eq!(p.summary, "");
    }
}

#[test]
fn odd_but_valid_json() {
    let p = read(br#"{"id":"abc","method":7}"#);
    assert_eq!(p.kind, PayloadKind::Request);
    assert_eq!(p.id, None, "a string id has no integer value");
    assert_eq!(p.method, None, "a numeric method is not a name");
    assert_eq!(p.summary, "7 id=abc");
    assert_eq!(read(br#"{"x":1}"#).summary, "json");
    let err = read(br#"{"id":3,"error":"busy"}"#);
    assert_eq!(err.error_code, None);
    assert_eq!(err.summary, "reply id=3 error");
}

#[test]
fn summary_stays_short_when_every_character_needs_escaping() {
    // Found by the payload fuzz target: a method of DEL characters.
    let text = format!(
        r#"{{"id": 2, "method": "set_wifi_{}led", "params": ["on"]}}"#,
        "\u{7f}".repeat(70)
    );
    let p = read(text.as_bytes());
    assert!(p.summary.chars().count() < 100, "{}", p.summary);
}

#[test]
fn hostile_method_is_escaped_and_capped() {
    let long = format!(r#"{{"id":1,"method":"{}"}}"#, "m".repeat(500));
    let p = read(long.as_bytes());
    assert!(p.summary.chars().count() < 90, "{}", p.summary);
    assert_eq!(read(br#"{"method":"a\nb"}"#).summary, "a\\nb");
}
