//! JSON read with the types generated from the fixtures: the rules the generator adds on top of
//! typify hold in the compiled code.

use codegen_fixtures::{
    conditional_required, integer_ranges, optional_collections, optional_fields,
    pattern_and_length, scalar_union, schema_rules, tagged_union,
};

#[test]
fn a_tagged_union_dispatches_on_its_tag() {
    let event: tagged_union::Event =
        serde_json::from_str(r#"{"type": "file", "url": "https://x.test/a", "size": 3}"#)
            .expect("a file event");
    assert!(matches!(event, tagged_union::Event::File(ref f) if f.size == Some(3)));
    let unknown = serde_json::from_str::<tagged_union::Event>(r#"{"type": "poll"}"#);
    assert!(unknown.is_err());
}

#[test]
fn optional_members_may_be_absent_but_not_null() {
    let chat: optional_fields::Chat = serde_json::from_str(r#"{"id": "c"}"#).expect("absent");
    assert_eq!(chat.name, None);
    assert!(serde_json::from_str::<optional_fields::Chat>(r#"{"id": "c", "name": null}"#).is_err());
    assert!(
        serde_json::from_str::<optional_fields::Chat>(r#"["c"]"#).is_err(),
        "not an array"
    );
}

#[test]
fn integers_are_read_as_json_schema_reads_them() {
    let counts: integer_ranges::Counts =
        serde_json::from_str(r#"{"total": 3.0, "offset": -2}"#).expect("3.0 is an integer");
    assert_eq!((counts.total, counts.offset), (3, Some(-2)));
    assert!(serde_json::from_str::<integer_ranges::Counts>(r#"{"total": -1}"#).is_err());
    assert!(serde_json::from_str::<integer_ranges::Counts>(r#"{"total": 1.5}"#).is_err());
}

#[test]
fn empty_optional_collections_survive_a_round_trip() {
    let text = r#"{"id":"u","tags":[],"fields":{}}"#;
    let user: optional_collections::User = serde_json::from_str(text).expect("a user");
    let back = serde_json::to_value(&user).expect("serializes");
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(text).expect("JSON")
    );
    let bare: optional_collections::User = serde_json::from_str(r#"{"id":"u"}"#).expect("a user");
    assert_eq!(
        serde_json::to_string(&bare).expect("serializes"),
        r#"{"id":"u"}"#
    );
}

#[test]
fn a_scalar_union_takes_the_variant_of_the_json_type() {
    let read = |text: &str| serde_json::from_str::<scalar_union::Value>(text).expect(text);
    assert_eq!(read("7"), scalar_union::Value::Integer(7));
    assert_eq!(read("true"), scalar_union::Value::Boolean(true));
    assert_eq!(read("\"x\""), scalar_union::Value::String("x".into()));
    assert!(serde_json::from_str::<scalar_union::Value>("null").is_err());
}

/// Reads `json` as `T`, returning whether it was accepted.
fn reads<T: serde::de::DeserializeOwned>(json: &str) -> bool {
    serde_json::from_str::<T>(json).is_ok()
}

#[test]
fn the_rules_a_shape_cannot_say_are_checked_after_reading() {
    use schema_rules::{Changes, Match, Note, Postback};
    assert!(reads::<Changes>(r#"[{"values": ["a"]}]"#));
    assert!(!reads::<Changes>("[]"), "minItems");
    assert!(!reads::<Match>("{}"), "minProperties");
    assert!(
        reads::<Match>(r#"{"undocumented": 1}"#),
        "minProperties counts every member, documented or not"
    );
    assert!(
        !reads::<Match>(r#"{"values": [], "exclude_values": []}"#),
        "not"
    );
    assert!(reads::<Match>(r#"{"link": "https://example.com/a"}"#));
    assert!(!reads::<Match>(r#"{"link": "not a link"}"#), "format: uri");
    assert!(!reads::<Match>(r#"{"tags": ["a", "b", "c"]}"#), "maxItems");
    assert!(reads::<Postback>(r#"{"type": "t", "value": "v"}"#));
    assert!(reads::<Postback>("{}"));
    assert!(!reads::<Postback>(r#"{"type": "t"}"#), "dependencies");
    assert!(!reads::<Postback>(r#"{"value": "v"}"#), "dependencies");
    let styled = r#"{"style": "s", "label": "l", "color": "c"}"#;
    assert!(reads::<Postback>(styled));
    assert!(
        !reads::<Postback>(r#"{"style": "s", "label": "l"}"#),
        "dependencies: every member needed"
    );
    assert!(
        reads::<Postback>(r#"{"color": "c"}"#),
        "an empty dependency"
    );
    assert!(reads::<Note>(r#"{"text": "hi"}"#));
    assert!(reads::<Note>(r#"{"deleted": true}"#));
    assert!(
        !reads::<Note>(r#"{"deleted": false}"#),
        "required unless deleted is true"
    );
    assert!(!reads::<Note>("{}"), "required unless deleted is true");
    let message = |json| reads::<conditional_required::Message>(json);
    assert!(
        message(r#"{"id": "m", "deleted": false}"#),
        "deleted present: no text needed"
    );
    assert!(
        !message(r#"{"id": "m"}"#),
        "required unless deleted is present"
    );
}

#[test]
fn patterns_are_checked_in_code_or_by_the_regex() {
    use pattern_and_length::Period;
    let period = |start: &str, code: &str| {
        reads::<Period>(&format!(r#"{{"start": "{start}", "code": "{code}"}}"#))
    };
    // `start` is checked in code, `code` by the regex.
    assert!(period("23:59", "AB12"));
    assert!(period("00:00", "A1"));
    for start in ["24:00", "23:60", "2:30", "23:590", "", "ab:cd", "２3:59"] {
        assert!(!period(start, "AB12"), "start {start:?}");
    }
    for code in ["12", "AB", "ab12", "AB12x", ""] {
        assert!(!period("10:00", code), "code {code:?}");
    }
    assert!(
        !reads::<Period>(r#"{"start": "10:00", "name": "eleven chars"}"#),
        "maxLength"
    );
}
