use super::*;
use crate::miio::payload::Span;
use crate::miot::entries::{read_request, Method};
use crate::miot::spec;

const SPEC: &[u8] = include_bytes!("../../tests/captures/miot-specs/zhimi.airp.rmb1.json");

fn request(method: Method, params: &str) -> (String, Vec<Resolved>) {
    let text = format!("{{\"params\":{params}}}");
    let spec = spec::parse(SPEC).unwrap();
    let entries = read_request(
        method,
        &text,
        Span {
            offset: 10,
            len: params.len(),
        },
    );
    let origin = Origin {
        method: Some(method),
        reply: false,
        asked: None,
    };
    let resolved = resolve(&entries.list, &text, Some(&spec), origin);
    (text, resolved)
}

#[test]
fn names_and_value_descriptions() {
    let spec = spec::parse(SPEC).unwrap();
    let (text, r) = request(Method::SetProperties, r#"[{"siid":2,"piid":4,"value":1}]"#);
    let names = Names::of(&spec, &r[0]);
    assert_eq!(names.service.map(|s| s.name.as_str()), Some("air-purifier"));
    assert_eq!(names.item(), Some("mode"));
    let v = r[0].entry.value.unwrap();
    assert_eq!(
        names.value_description(&text[v.offset..v.offset + v.len]),
        Some("Sleep")
    );
    assert_eq!(r[0].problems, 0);
    assert_eq!(
        names.value_description("true"),
        None,
        "a bool is no value-list number"
    );
}

#[test]
fn problems_are_found_and_said() {
    let cases = [
        (
            Method::SetProperties,
            r#"[{"siid":9,"piid":11,"value":20}]"#,
            problem::OUT_OF_RANGE,
            "favorite-level = 20 is outside its range 0..14",
        ),
        (
            Method::SetProperties,
            r#"[{"siid":3,"piid":7,"value":25}]"#,
            problem::NOT_WRITABLE,
            "temperature is not writable (access: read, notify)",
        ),
        (
            Method::GetProperties,
            r#"[{"siid":99,"piid":1}]"#,
            problem::UNKNOWN_SERVICE,
            "the spec has no service 99",
        ),
        (
            Method::GetProperties,
            r#"[{"siid":2,"piid":99}]"#,
            problem::UNKNOWN_ID,
            "the spec has no property 99 in service 2 (air-purifier)",
        ),
        (
            Method::SetProperties,
            r#"[{"siid":2,"piid":4,"value":7}]"#,
            problem::NOT_IN_LIST,
            "mode = 7 is not in its value list",
        ),
        (
            Method::SetProperties,
            r#"[{"siid":2,"piid":4,"value":"2"}]"#,
            problem::WRONG_FORMAT,
            "mode = \"2\" is not a uint8 value",
        ),
        (
            Method::Action,
            r#"{"siid":4,"aiid":1,"in":[5000]}"#,
            problem::OUT_OF_RANGE,
            "filter-used-time = 5000 is outside its range 0..1000",
        ),
    ];
    for (method, params, bit, text) in cases {
        let (_, r) = request(method, params);
        let last = r.last().unwrap();
        assert_eq!(last.problems & bit, bit, "{params}: {last:?}");
        assert_eq!(last.problem_text.as_deref(), Some(text), "{params}");
    }
    let (_, ok) = request(
        Method::PropertiesChanged,
        r#"[{"siid":2,"piid":1,"value":1},{"siid":3,"piid":7,"value":23.5}]"#,
    );
    assert!(
        ok.iter().all(|r| r.problems == 0),
        "bool as 1 is lenient: {ok:?}"
    );
}

#[test]
fn arguments_take_their_piid_from_the_spec_and_replies_from_the_request() {
    let (_, r) = request(Method::Action, r#"{"siid":4,"aiid":1,"in":[500]}"#);
    assert_eq!((r[1].siid, r[1].iid), (Some(4), Some(3)));
    let text = r#"{"result":[{"value":2,"code":0}]}"#;
    let spec = spec::parse(SPEC).unwrap();
    let entries = crate::miot::entries::read_reply(
        Some(Method::GetProperties),
        text,
        Span {
            offset: 10,
            len: 22,
        },
    );
    let asked = [(2, 4)];
    let origin = Origin {
        method: Some(Method::GetProperties),
        reply: true,
        asked: Some(&asked),
    };
    let r = resolve(&entries.list, text, Some(&spec), origin);
    assert_eq!((r[0].siid, r[0].iid), (Some(2), Some(4)));
    assert_eq!(r[0].value_index, Some(2));
    let other = [(3, 4)];
    let origin = Origin {
        asked: Some(&other),
        ..origin
    };
    let text2 = r#"{"result":[{"siid":2,"piid":4,"value":2,"code":0}]}"#;
    let entries = crate::miot::entries::read_reply(
        Some(Method::GetProperties),
        text2,
        Span {
            offset: 10,
            len: 40,
        },
    );
    let r = resolve(&entries.list, text2, Some(&spec), origin);
    assert_eq!(r[0].problems, problem::NOT_ASKED);
}
