//! Reading and writing the envelope: tagged payloads, errors located, secrets hidden.

use super::*;
use crate::v3_5::*;

const TAGGED: &str = r#"{
  "webhook_id": "wh",
  "secret_key": "s3cret",
  "action": "thread_tagged",
  "organization_id": "org",
  "payload": {
    "chat_id": "PJ0MRSHTDG",
    "thread_id": "K600PKZON8",
    "tag": 7
  },
  "additional_data": {}
}"#;

/// An `incoming_event` whose event has members before its tag.
const EVENT: &str = r#"{"webhook_id": "w", "secret_key": "s", "action": "incoming_event",
  "organization_id": "o", "additional_data": {},
  "payload": {"chat_id": "C", "thread_id": "T", "event": {"id": "T_1", "type": "message",
    "text": "Hi", "author_id": "a@b.c", "created_at": "2019-12-09T12:01:18.909000Z",
    "visibility": "all"}}}"#;

/// The types check keys wherever they are read from, not only through the envelope's parse:
/// a payload read on its own refuses a documented or an undocumented member twice, and a
/// duplicate inside what it skips.
#[test]
fn types_read_on_their_own_refuse_duplicate_keys() {
    let read = |text: &str| {
        Payload::deserialize_for(
            "thread_tagged",
            &mut serde_json::Deserializer::from_str(text),
        )
    };
    let ok = r#"{"chat_id": "c", "thread_id": "t", "tag": "x", "more": {"b": [{"b": 0}]}}"#;
    assert!(read(ok).is_ok());
    for text in [
        ok.replace("\"tag\": \"x\"", "\"tag\": \"x\", \"tag\": \"y\""),
        ok.replace("\"more\"", "\"less\": 1, \"less\""),
        ok.replace("{\"b\": 0}", "{\"b\": 0, \"b\": 1}"),
    ] {
        let e = read(&text).expect_err(&text);
        assert!(e.to_string().contains("duplicate"), "{text}: {e}");
    }
}

#[test]
fn payload_errors_point_into_the_whole_input() {
    let e = TAGGED.parse::<Webhook>().expect_err("tag is not a string");
    assert_eq!(e.kind(), ParseErrorKind::Data);
    assert_eq!(e.pointer(), "/payload/tag");
    assert_eq!((e.line(), e.column()), (9, 12));
    assert!(e.message().contains("invalid type"), "{e}");
}

#[test]
fn syntax_errors_give_line_and_column() {
    let e = "{\n  \"webhook_id\": ,\n}"
        .parse::<Webhook>()
        .expect_err("bad JSON");
    assert_eq!(e.kind(), ParseErrorKind::Syntax);
    assert_eq!((e.line(), e.column()), (2, 17));
}

#[test]
fn missing_envelope_fields_are_named() {
    let e = r#"{"webhook_id": "w"}"#.parse::<Webhook>().expect_err("incomplete");
    assert_eq!(e.kind(), ParseErrorKind::Data);
    assert!(e.message().contains("missing field"), "{e}");
}

#[test]
fn invalid_utf8_is_a_syntax_error() {
    let e = Webhook::from_slice(b"{\"a\": \"\xff\"}").expect_err("not UTF-8");
    assert_eq!(e.kind(), ParseErrorKind::Syntax);
    assert_eq!((e.line(), e.column()), (1, 8));
}

#[test]
fn a_top_level_that_is_not_an_object_is_named() {
    for (input, found) in [
        ("[1, 2]", "an array"),
        (" \"x\"", "a string"),
        ("7", "a number"),
        ("null", "null"),
    ] {
        let e = input.parse::<Webhook>().expect_err("not an object");
        assert_eq!(e.kind(), ParseErrorKind::Data, "{input}");
        assert!(e.message().ends_with(found), "{input}: {e}");
    }
    let e = "[1, ".parse::<Webhook>().expect_err("not JSON");
    assert_eq!(e.kind(), ParseErrorKind::Eof);
    let e = "".parse::<Webhook>().expect_err("empty");
    assert_eq!(e.kind(), ParseErrorKind::Eof);
}

#[test]
fn additional_data_is_an_object_and_required_where_the_schema_says() {
    let valid = TAGGED.replace("\"tag\": 7", "\"tag\": \"x\"");
    assert!(valid.parse::<Webhook>().is_ok());
    let without = valid.replace(",\n  \"additional_data\": {}", "");
    let e = without
        .parse::<Webhook>()
        .expect_err("thread_tagged needs it");
    assert!(
        e.message().contains("missing field `additional_data`"),
        "{e}"
    );
    let transferred = without
        .replace("thread_tagged", "chat_transferred")
        .replace(
            "\"tag\": \"x\"",
            "\"reason\": \"manual\", \"transferred_to\": {}",
        );
    let webhook = transferred
        .parse::<Webhook>()
        .expect("chat_transferred may leave it out");
    assert!(webhook.additional_data.is_none());
    let null = valid.replace("\"additional_data\": {}", "\"additional_data\": null");
    let e = null.parse::<Webhook>().expect_err("null is not an object");
    assert_eq!(e.pointer(), "/additional_data", "{e}");
    let value: serde_json::Value = serde_json::from_str(&null).expect("JSON");
    assert!(serde_json::from_value::<Webhook>(value).is_err());
}

#[test]
fn line_column_counts_from_one() {
    assert_eq!(line_column(b"ab\ncd", 0), (1, 1));
    assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
}

/// v3.6 documents `requester` on configuration webhooks: it is read typed and written back;
/// v3.5 does not, and ignores it like any undocumented member.
#[test]
fn requester_is_read_where_the_version_documents_it() {
    let body = r#"{"webhook_id": "wh", "secret_key": "s", "action": "tag_deleted",
        "organization_id": "org", "additional_data": {},
        "requester": {"user_id": "jane@example.com", "client_id": "0805e283233042b37f460ed8fbf22160"},
        "payload": {"name": "spam", "group_ids": [0]}}"#;
    let newer: crate::v3_6::Webhook = body.parse().expect("valid v3.6");
    let requester = newer.requester.as_ref().expect("read");
    assert_eq!(
        requester.user_id.as_deref().map(|id| id.as_str()),
        Some("jane@example.com")
    );
    let written = serde_json::to_value(&newer).expect("serializes");
    assert_eq!(
        written["requester"]["client_id"],
        "0805e283233042b37f460ed8fbf22160"
    );
    let older: Webhook = body.parse().expect("valid v3.5");
    assert!(older.requester.is_none());
    assert!(serde_json::to_value(&older)
        .expect("serializes")
        .get("requester")
        .is_none());
    let through_serde: crate::v3_6::Webhook =
        serde_json::from_str(body).expect("any serde format reads it too");
    assert_eq!(through_serde, newer);
    let wrong = body.replace(r#""user_id": "jane@example.com""#, r#""user_id": 5"#);
    let e = wrong
        .parse::<crate::v3_6::Webhook>()
        .expect_err("user_id is a string");
    assert_eq!(e.pointer, "/requester/user_id");
}

/// The parse checks keys as it reads, everywhere: also in what the types skip or keep as raw
/// text. Each duplicate is reported as `find_duplicate_key` finds it, and the same keys in
/// separate objects are no duplicate.
#[test]
fn duplicate_keys_are_refused_wherever_they_stand() {
    let valid = TAGGED.replace("\"tag\": 7", "\"tag\": \"x\"");
    let members = |n: usize| {
        let members: Vec<String> = (0..n).map(|i| format!("\"k{i}\": {i}")).collect();
        members.join(", ")
    };
    let many = |extra: &str| format!("{{{}{extra}}}", members(40));
    let cases = [
        // An undocumented envelope member, nested in an array.
        valid.replace(
            "\"additional_data\": {}",
            "\"additional_data\": {}, \"extra\": [{\"a\": 1}, {\"a\": 1, \"a\": 2}]",
        ),
        // An undocumented member of the payload.
        valid.replace(
            "\"tag\": \"x\"",
            "\"tag\": \"x\", \"more\": {\"b\": 0, \"b\": 0}",
        ),
        // A key spelled with an escape.
        valid.replace("\"tag\": \"x\"", "\"tag\": \"x\", \"t\\u0061g\": \"y\""),
        // Many undocumented members of the payload itself (the hash set), one of them twice.
        valid.replace(
            "\"tag\": \"x\"",
            &format!("\"tag\": \"x\", {}, \"k39\": 0", members(40)),
        ),
        // The payload before the action, an undocumented member twice and a duplicate in one.
        r#"{"payload": {"chat_id": "c", "thread_id": "t", "tag": "x", "u": 1, "u": 2},
            "webhook_id": "w", "secret_key": "s", "action": "thread_tagged",
            "organization_id": "o", "additional_data": {}}"#
            .to_owned(),
        r#"{"payload": {"chat_id": "c", "thread_id": "t", "tag": "x", "u": {"v": 1, "v": 2}},
            "webhook_id": "w", "secret_key": "s", "action": "thread_tagged",
            "organization_id": "o", "additional_data": {}}"#
            .to_owned(),
        // An undocumented member of the payload, twice.
        valid.replace(
            "\"tag\": \"x\"",
            "\"tag\": \"x\", \"more\": 1, \"more\": [2]",
        ),
        // An undocumented envelope member, twice.
        valid.replace(
            "\"additional_data\": {}",
            "\"additional_data\": {}, \"x\": 1, \"x\": 1",
        ),
        // In a map the types keep (chat properties): inside a namespace, and a namespace twice.
        valid.replace(
            "\"additional_data\": {}",
            "\"additional_data\": {\"chat_properties\": {\"ns\": {\"p\": 1, \"p\": 2}}}",
        ),
        valid.replace(
            "\"additional_data\": {}",
            "\"additional_data\": {\"chat_properties\": {\"ns\": {}, \"ns\": {}}}",
        ),
        // An undocumented member before a union's tag, kept until the tag is read.
        EVENT.replace("\"type\"", "\"extra\": {\"d\": 1, \"d\": 2}, \"type\""),
        // An undocumented member of a union's variant, twice.
        EVENT.replace("\"text\"", "\"extra\": 1, \"extra\": 2, \"text\""),
        // A large object (the hash set), in an undocumented member.
        valid.replace(
            "\"tag\": \"x\"",
            &format!("\"tag\": \"x\", \"big\": {}", many(", \"k39\": 0")),
        ),
        // The payload before the action: read once the action is known.
        r#"{"payload": {"chat_id": "c", "thread_id": "t", "tag": "x", "tag": "y"},
            "webhook_id": "w", "secret_key": "s", "action": "thread_tagged",
            "organization_id": "o", "additional_data": {}}"#
            .to_owned(),
        // An action this version does not know: its payload is skipped, not unchecked.
        valid
            .replace("thread_tagged", "future_action")
            .replace("\"tag\": \"x\"", "\"tag\": {\"c\": 1, \"c\": 1}"),
    ];
    for body in &cases {
        let expected = crate::find_duplicate_key(body.as_bytes()).expect("a duplicate");
        let e = body.parse::<Webhook>().expect_err(body);
        assert_eq!(e.kind(), ParseErrorKind::Data, "{body}");
        assert_eq!(e.message(), format!("duplicate key `{}`", expected.key));
        assert_eq!(e.pointer(), expected.pointer, "{body}");
        assert_eq!(
            (e.line(), e.column()),
            line_column(body.as_bytes(), expected.offset)
        );
    }
    for body in [
        valid.replace(
            "\"additional_data\": {}",
            "\"additional_data\": {}, \"extra\": [{\"a\": 1}, {\"a\": {\"a\": 2}}]",
        ),
        valid.replace(
            "\"tag\": \"x\"",
            &format!("\"tag\": \"x\", \"big\": {}", many("")),
        ),
        valid.replace("thread_tagged", "future_action"),
        valid.replace(
            "\"additional_data\": {}",
            "\"additional_data\": {\"chat_properties\": {\"ns\": {\"p\": 1}, \"ms\": {\"p\": 1}}}",
        ),
        EVENT.replace(
            "\"type\"",
            "\"extra\": {\"d\": 1, \"e\": {\"d\": 2}}, \"type\"",
        ),
        EVENT.to_owned(),
        valid.replace(
            "\"tag\": \"x\"",
            &format!("\"tag\": \"x\", {}", members(40)),
        ),
    ] {
        assert!(body.parse::<Webhook>().is_ok(), "{body}");
    }
}

#[test]
fn escaped_envelope_keys_and_action_name_are_read() {
    // Member names and the action with escapes are copied rather than borrowed: same result.
    let escaped = TAGGED
        .replace("\"tag\": 7", "\"tag\": \"bug\"")
        .replace(
            "\"action\": \"thread_tagged\"",
            r#""\u0061ction": "thread\u005ftagged""#,
        )
        .replace("\"payload\"", r#""p\u0061yload""#);
    let webhook: Webhook = escaped.parse().expect("escaped names");
    assert_eq!(webhook.action_name(), "thread_tagged");
    match &webhook.payload {
        Payload::ThreadTagged(tagged) => assert_eq!(tagged.tag, "bug"),
        other => panic!("unexpected {}", other.action_name()),
    }
}

#[test]
fn an_action_name_is_read_with_or_without_escapes() {
    for json in [r#""thread_tagged""#, r#""thread\u005ftagged""#] {
        let action: Action = serde_json::from_str(json).expect(json);
        assert_eq!(action.as_str(), "thread_tagged");
    }
    assert!(serde_json::from_str::<Action>(r#""thread_tagged_twice""#).is_err());
}

#[test]
fn escaped_members_before_a_union_tag_are_kept_and_read() {
    // `id` and `custom_id` come before the event's tag: kept, then replayed to the variant.
    let body = r#"{"webhook_id": "w", "secret_key": "s", "action": "incoming_event",
      "organization_id": "o", "additional_data": {},
      "payload": {"chat_id": "C", "thread_id": "T", "event": {"\u0069d": "T_1",
        "custom\u005fid": "31215-1", "type": "message", "text": "Hi", "author_id": "a@b.c",
        "created_at": "2019-12-09T12:01:18.909000Z", "visibility": "all"}}}"#;
    let webhook: Webhook = body.parse().expect("escaped names before the tag");
    let Payload::IncomingEvent(payload) = &webhook.payload else {
        panic!("unexpected {}", webhook.action_name());
    };
    let Event::Message(message) = &payload.event else {
        panic!("not a message: {:?}", payload.event);
    };
    assert_eq!(message.id.0, "T_1");
    assert_eq!(message.custom_id.as_deref(), Some("31215-1"));
    assert_eq!(message.text, "Hi");
}

/// serde_json reads an object whose first member is named `$serde_json::private::RawValue` as
/// the JSON text that member holds, where it builds values (an unknown action's payload, the
/// members before a union's tag): the fast path leaves such bodies to serde's path.
#[test]
fn serde_json_s_raw_value_marker_takes_serde_s_path() {
    let marker = r#"{"$serde_json::private::RawValue": "1"}"#;
    let unknown = format!(
        r#"{{"webhook_id": "w", "secret_key": "s", "action": "no_such_action",
        "organization_id": "o", "payload": {{"a": [{marker}]}}}}"#
    );
    let before_tag = EVENT.replace(
        r#"{"id": "T_1","#,
        &format!(r#"{{"x": {marker}, "id": "T_1","#),
    );
    assert_ne!(before_tag, EVENT);
    for body in [unknown, before_tag] {
        let (fast, serde) = Webhook::both_paths(body.as_bytes());
        assert!(fast.is_none(), "{body}");
        assert_eq!(
            Webhook::from_slice(body.as_bytes()).ok(),
            serde.ok(),
            "{body}"
        );
    }
}
