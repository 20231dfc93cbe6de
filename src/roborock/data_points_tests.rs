//! Tests of naming data points: ids by version, values, order, the summary.
use super::*;

fn shown(text: &str, p: &DataPoint) -> (Option<u32>, String, String, Option<&'static str>) {
    let at = |s: Span| text[s.offset..s.offset + s.len].to_string();
    let name = p.name.as_deref().unwrap_or("").to_string();
    (p.id, name, at(p.value), p.description)
}

#[test]
fn v1_push_named_in_order_as_sent() {
    let text =
        r#"{"dps": {"122": 100, "121": 8, "120": 2, "129": "x", "133": 1, "123": 102}, "t": 1}"#;
    let points = read(text, Some(Version::V1));
    let got: Vec<_> = points.iter().map(|p| shown(text, p)).collect();
    assert_eq!(
        got,
        [
            (Some(122), "battery".into(), "100".into(), None),
            (Some(121), "state".into(), "8".into(), Some("charging")),
            (
                Some(120),
                "error_code".into(),
                "2".into(),
                Some("bumper_stuck")
            ),
            (Some(129), "".into(), "\"x\"".into(), None),
            (
                Some(133),
                "charge_status".into(),
                "1".into(),
                Some("charging")
            ),
            (Some(123), "fan_power".into(), "102".into(), None),
        ]
    );
    assert_eq!(&text[points[0].key.offset..][..3], "122");
    assert_eq!(
        summary(text, &points[..2]),
        "data points battery=100, state=8 (charging)"
    );
}

#[test]
fn values_only_when_an_integer_the_table_knows() {
    // 25 is a second member of "washing_the_mop"; -1 is charge status unknown.
    assert_eq!(describe(Version::L01, 121, "25"), Some("washing_the_mop"));
    assert_eq!(describe(Version::V1, 133, "-1"), Some("unknown"));
    assert_eq!(describe(Version::V1, 121, "19"), None);
    assert_eq!(describe(Version::V1, 121, "8.0"), None);
    assert_eq!(describe(Version::V1, 121, "\"8\""), None);
    assert_eq!(describe(Version::B01, 121, "8"), None);
    assert_eq!(describe(Version::V1, 122, "8"), None);
}

#[test]
fn a01_and_b01_names() {
    assert_eq!(name(Version::A01, 10000).as_deref(), Some("id_query"));
    assert_eq!(
        name(Version::A01, 201).as_deref(),
        Some("status (Dyad) / pause (Zeo)")
    );
    assert_eq!(
        name(Version::A01, 134).as_deref(),
        Some("drying_status (Dyad)")
    );
    assert_eq!(
        name(Version::A01, 10008).as_deref(),
        Some("washing_log (Zeo)")
    );
    assert_eq!(name(Version::A01, 120), None);
    assert_eq!(name(Version::B01, 125).as_deref(), Some("main_brush_life"));
    assert_eq!(name(Version::V1, 129), None);
    assert_eq!(name(Version::V1, 101), None);
}

#[test]
fn keys_that_are_not_numbers_and_bad_json() {
    let text = r#"{"dps":{"+5":1,"abc":[1,2]}}"#;
    let points = read(text, Some(Version::V1));
    assert_eq!(
        points.iter().map(|p| p.id).collect::<Vec<_>>(),
        [None, None]
    );
    assert_eq!(summary(text, &points), "data points +5=1, abc=[1,2]");
    assert!(read(r#"{"dps":[1]}"#, Some(Version::V1)).is_empty());
    assert!(read(r#"{"dps":{"1\u0032":1}}"#, Some(Version::V1)).is_empty());
}

#[test]
fn tables_have_one_name_per_code() {
    for table in [t::V1, t::B01, t::DYAD, t::ZEO] {
        let mut ids: Vec<u32> = table.iter().map(|(k, _)| *k).collect();
        ids.dedup();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
    for table in [t::STATE, t::ERROR, t::CHARGE_STATUS] {
        assert!(table.windows(2).all(|w| w[0].0 < w[1].0));
    }
    assert_eq!(t::V1.len(), 15);
    assert_eq!(t::STATE.len(), 43);
    assert_eq!(t::ERROR.len(), 53);
}
