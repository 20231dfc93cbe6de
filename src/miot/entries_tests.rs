use super::*;

fn text_of(text: &str, s: Span) -> &str {
    &text[s.offset..s.offset + s.len]
}

fn span_of(text: &str, part: &str) -> Span {
    let offset = text.find(part).unwrap();
    Span {
        offset,
        len: part.len(),
    }
}

#[test]
fn property_lists_with_spans() {
    let text = r#"{"id":5,"method":"set_properties","params":[{"did":"mode","siid":2,"piid":4,"value":2},{"siid":9,"piid":11,"value":10}]}"#;
    let params = span_of(text, r#"[{"did""#);
    let params = Span {
        len: text.len() - 1 - params.offset,
        ..params
    };
    let e = read_request(Method::SetProperties, text, params);
    assert_eq!(e.list.len(), 2);
    assert_eq!(e.list[0].siid.map(|s| s.0), Some(2));
    assert_eq!(e.list[0].iid.map(|s| s.0), Some(4));
    assert_eq!(text_of(text, e.list[0].value.unwrap()), "2");
    assert_eq!(text_of(text, e.list[1].iid.unwrap().1), "11");
    assert_eq!(
        text_of(text, e.list[1].span),
        r#"{"siid":9,"piid":11,"value":10}"#
    );
}

#[test]
fn action_with_positional_and_object_arguments() {
    let text = r#"{"params":{"did":"x","siid":4,"aiid":1,"in":[500,{"piid":7,"value":"a"}]}}"#;
    let params = span_of(text, r#"{"did""#);
    let params = Span {
        len: text.len() - 1 - params.offset,
        ..params
    };
    let e = read_request(Method::Action, text, params);
    assert_eq!(e.list.len(), 3);
    assert_eq!(e.list[0].kind, Kind::Action);
    assert_eq!(e.list[1].kind, Kind::Argument);
    assert_eq!(e.list[1].iid, None);
    assert_eq!(e.list[1].position, Some((ArgList::In, 0)));
    assert_eq!(text_of(text, e.list[1].value.unwrap()), "500");
    assert_eq!(e.list[2].iid.map(|i| i.0), Some(7));
    assert_eq!(text_of(text, e.list[2].value.unwrap()), "\"a\"");
}

#[test]
fn replies_with_and_without_their_request() {
    let text = r#"{"result":[{"siid":2,"piid":4,"value":null,"code":-4001},{"other":1}],"id":1}"#;
    let result = span_of(text, r#"[{"siid"#);
    let result = Span {
        len: text.find(r#","id""#).unwrap() - result.offset,
        ..result
    };
    let known = read_reply(Some(Method::GetProperties), text, result);
    assert_eq!(known.list.len(), 2, "the request says these are properties");
    assert_eq!(text_of(text, known.list[0].value.unwrap()), "null");
    assert_eq!(known.list[0].code.map(|c| c.0), Some(-4001));
    let unknown = read_reply(None, text, result);
    assert_eq!(
        unknown.list.len(),
        1,
        "without the request, only objects with ids"
    );
    let action = r#"{"result":{"code":0,"out":[1,2]},"id":2}"#;
    let result = span_of(action, r#"{"code"#);
    let result = Span {
        len: action.find(r#","id""#).unwrap() - result.offset,
        ..result
    };
    let e = read_reply(Some(Method::Action), action, result);
    assert_eq!(
        e.list.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [Kind::Action, Kind::Argument, Kind::Argument]
    );
    assert_eq!(e.list[2].position, Some((ArgList::Out, 1)));
}

#[test]
fn hostile_shapes_give_no_entries_and_long_lists_are_cut() {
    for params in ["0", "\"x\"", "[1,2]", "{}", "[[]]", "{\"siid\":\"2\"}"] {
        let text = format!("{{\"params\":{params}}}");
        let span = Span {
            offset: 10,
            len: params.len(),
        };
        for m in [Method::GetProperties, Method::Action, Method::EventOccured] {
            let e = read_request(m, &text, span);
            assert!(e.list.iter().all(|e| e.siid.is_none()), "{params}");
        }
    }
    let many: Vec<String> = (0..100)
        .map(|i| format!("{{\"siid\":1,\"piid\":{i}}}"))
        .collect();
    let params = format!("[{}]", many.join(","));
    let text = format!("{{\"params\":{params}}}");
    let e = read_request(
        Method::GetProperties,
        &text,
        Span {
            offset: 10,
            len: params.len(),
        },
    );
    assert_eq!((e.list.len(), e.cut), (MAX_ENTRIES, 100 - MAX_ENTRIES));
    let out_of_text = Span {
        offset: 5,
        len: 1000,
    };
    assert!(read_request(Method::GetProperties, &text, out_of_text)
        .list
        .is_empty());
}
