//! `application/x-www-form-urlencoded` bodies: `k=v&k=v`, `%XX` and `+`
//! decoded, each value's span kept so the tree can point at its bytes.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: String,
    /// The value's bytes as sent (still percent-encoded) in the body.
    pub span: Range<usize>,
}

/// At most this many params are read from one body.
pub const MAX_PARAMS: usize = 64;

/// The params of a body; `None` when it is not a form (empty, binary, or a
/// part without `=`).
pub fn parse(body: &[u8]) -> Option<Vec<Param>> {
    let text = std::str::from_utf8(body).ok()?;
    if text.is_empty() || text.bytes().any(|b| b.is_ascii_control()) {
        return None;
    }
    let mut params = Vec::new();
    let mut at = 0;
    for part in text.split('&') {
        let start = at;
        at += part.len() + 1;
        if part.is_empty() {
            continue;
        }
        let (name, value) = part.split_once('=')?;
        let value_start = start + name.len() + 1;
        params.push(Param {
            name: decode(name)?,
            value: decode(value)?,
            span: value_start..value_start + value.len(),
        });
        if params.len() == MAX_PARAMS {
            break;
        }
    }
    (!params.is_empty()).then_some(params)
}

/// `%XX` and `+` decoded; `None` for a bad escape or non-UTF-8 result.
fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

pub fn get<'a>(params: &'a [Param], name: &str) -> Option<&'a Param> {
    params.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_micloud_request_body() {
        let body = b"data=a%2BzU3SA%3D&rc4_hash__=SorE&signature=Xq%2Blp&ssecurity=gH4p%3D%3D&_nonce=q8mQ%2B";
        let p = parse(body).unwrap();
        let names: Vec<_> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["data", "rc4_hash__", "signature", "ssecurity", "_nonce"]
        );
        assert_eq!(p[0].value, "a+zU3SA=");
        assert_eq!(&body[p[0].span.clone()], b"a%2BzU3SA%3D");
        assert_eq!(get(&p, "_nonce").unwrap().value, "q8mQ+");
        assert_eq!(parse(b"a=b+c").unwrap()[0].value, "b c");
    }

    #[test]
    fn not_forms() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(b"{\"json\":1}"), None);
        assert_eq!(parse(b"a=%zz"), None);
        assert_eq!(parse(b"a=%4"), None);
        assert_eq!(parse(b"a=\x01"), None);
        assert_eq!(parse(&[0xff, b'=', b'1']), None);
        let many = "a=1&".repeat(1000);
        assert_eq!(parse(many.as_bytes()).unwrap().len(), MAX_PARAMS);
    }
}
