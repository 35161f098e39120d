//! Hostile bodies through the library: many faults give a bounded report (the first
//! `max_errors`, each located, and the count of the rest). Time and memory are measured by
//! `bench/hostile.sh`, not here.

mod common;

use serde_json::{json, Value};
use webhooks_validate::{ValidationError, Validator, Violations};

fn sample(name: &str) -> Value {
    let path = common::oldest().1.join(name);
    serde_json::from_slice(&std::fs::read(path).expect("sample")).expect("JSON")
}

fn invalid(validator: &Validator, body: &[u8]) -> Violations {
    match validator.validate(body) {
        Err(ValidationError::Invalid(violations)) => violations,
        other => panic!("{other:?}"),
    }
}

/// A validator that lists at most `max_errors` violations.
fn with_max_errors(max_errors: usize) -> Validator {
    common::validator()
        .max_errors(max_errors)
        .build()
        .expect("compiles")
}

/// An `incoming_chat` whose thread holds `events`.
fn chat_with_events(events: Vec<Value>) -> Vec<u8> {
    let mut chat = sample("incoming_chat.json");
    chat["payload"]["chat"]["thread"]["events"] = Value::Array(events);
    serde_json::to_vec(&chat).expect("serializes")
}

#[test]
fn twenty_thousand_faulty_events_give_the_first_hundred_and_a_count() {
    let chat = sample("incoming_chat.json");
    let message = chat["payload"]["chat"]["thread"]["events"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["type"] == "message"))
        .expect("a message event")
        .clone();
    let events = (0..20_000)
        .map(|i| {
            let mut event = message.clone();
            event["id"] = format!("E{i}").into();
            event["text"] = 7.into();
            event
        })
        .collect();
    let body = chat_with_events(events);
    let violations = invalid(&common::validator().build().expect("compiles"), &body);
    assert_eq!(violations.len(), 100);
    assert_eq!(violations.omitted(), 19_900);
    for (i, v) in violations.iter().enumerate() {
        // The alternative the tag names reports its own error, not the union as a whole.
        assert_eq!(v.pointer, format!("/payload/chat/thread/events/{i}/text"));
        assert_eq!(v.keyword, "type");
        let column = v.column.expect("located");
        assert_eq!(&body[column - 1..column], b"7", "{v}");
    }
    let violations = invalid(&with_max_errors(3), &body);
    assert_eq!((violations.len(), violations.omitted()), (3, 19_997));
    assert!(violations.to_string().ends_with("; and 19997 more"));
    let violations = invalid(&with_max_errors(0), &body);
    assert_eq!((violations.len(), violations.total()), (0, 20_000));
}

#[test]
fn a_hundred_thousand_integers_as_events_give_a_bounded_located_report() {
    let body = chat_with_events(vec![json!(1); 100_000]);
    let violations = invalid(&common::validator().build().expect("compiles"), &body);
    assert_eq!((violations.len(), violations.omitted()), (100, 99_900));
    let last = &violations[99];
    assert_eq!(last.pointer, "/payload/chat/thread/events/99");
    assert_eq!(last.message, "1 is not of type \"object\"");
    let column = last.column.expect("located");
    let text = String::from_utf8_lossy(&body);
    let events = text.find("\"events\":[").expect("events") + "\"events\":[".len();
    // Element 99 is after 99 times `1,`.
    assert_eq!(column - 1, events + 2 * 99);
}

#[test]
fn fifty_thousand_undocumented_keys_in_strict_mode_give_a_bounded_report() {
    let mut tagged = sample("thread_tagged.json");
    for i in 0..50_000 {
        tagged["payload"][format!("k{i}")] = 0.into();
    }
    let body = serde_json::to_vec(&tagged).expect("serializes");
    let strict = common::validator().strict(true).build().expect("compiles");
    let violations = invalid(&strict, &body);
    assert_eq!((violations.len(), violations.omitted()), (100, 49_900));
    for v in &violations {
        let column = v.column.expect("located");
        let name = v.pointer.rsplit('/').next().expect("a name");
        assert_eq!(
            &body[column - 1..column],
            b"0",
            "{v}: the value of `{name}`"
        );
        assert_eq!(v.keyword, "additionalProperties");
    }
}

#[test]
fn duplicate_keys_are_one_error_from_both_paths_at_the_second_occurrence() {
    let body = br#"{"webhook_id": "w", "secret_key": "s", "action": "thread_tagged",
 "organization_id": "o", "additional_data": {},
 "payload": {"chat_id": "c", "thread_id": "t", "tag": "a"},
 "action": "chat_deactivated"}"#;
    let validator = common::validator().build().expect("compiles");
    match validator.validate(body) {
        Err(ValidationError::DuplicateKey {
            key,
            pointer,
            line,
            column,
        }) => {
            assert_eq!((key.as_str(), pointer.as_str()), ("action", "/action"));
            assert_eq!((line, column), (4, 2));
        }
        other => panic!("{other:?}"),
    }
    let typed = webhooks_types::v3_5::Webhook::from_slice(body).expect_err("rejected");
    assert_eq!(typed.pointer(), "/action");
    assert_eq!((typed.line(), typed.column()), (4, 2));
    assert!(
        typed.message().contains("duplicate key `action`"),
        "{typed}"
    );
    // Anywhere in the body, also where the types keep a map.
    let nested = String::from_utf8_lossy(body).replace(
        r#""additional_data": {}"#,
        r#""additional_data": {"chat_properties": {"p": {"a": 1, "a": 2}}}"#,
    );
    match validator.validate(nested.as_bytes()) {
        Err(ValidationError::DuplicateKey { pointer, .. }) => {
            assert_eq!(pointer, "/additional_data/chat_properties/p/a");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn schemas_and_types_agree_on_a_customer_without_type_and_on_leap_seconds() {
    let validator = common::validator().build().expect("compiles");
    let mut incoming = sample("incoming_customer.json");
    let customer = incoming["payload"]["customer"]
        .as_object_mut()
        .expect("a customer");
    customer.remove("type");
    let body = serde_json::to_vec(&incoming).expect("serializes");
    let violations = invalid(&validator, &body);
    assert_eq!(
        (
            violations[0].pointer.as_str(),
            violations[0].keyword.as_str()
        ),
        ("/payload/customer", "required")
    );
    let typed = webhooks_types::v3_5::Webhook::from_slice(&body).expect_err("type is required");
    assert!(typed.message().contains("missing field `type`"), "{typed}");

    let mut seen = sample("events_marked_as_seen.json");
    for (timestamp, valid) in [
        ("2016-12-31T23:59:60Z", true),
        ("2019-12-10T01:59:60.5+02:00", true),
        ("2019-12-09T12:59:60Z", false),
        ("2019-12-09T23:59:60+01:00", false),
    ] {
        seen["payload"]["seen_up_to"] = timestamp.into();
        let body = serde_json::to_vec(&seen).expect("serializes");
        match validator.validate(&body) {
            Ok(_) => assert!(valid, "{timestamp} accepted"),
            Err(ValidationError::Invalid(v)) => {
                assert!(!valid, "{timestamp} rejected");
                assert_eq!(v[0].keyword, "format", "{timestamp}");
            }
            Err(other) => panic!("{timestamp}: {other}"),
        }
        assert_eq!(
            webhooks_types::v3_5::Webhook::from_slice(&body).is_ok(),
            valid,
            "{timestamp}"
        );
    }
}
