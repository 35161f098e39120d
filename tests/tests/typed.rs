//! The typed API on webhooks of v3.5 written from its documentation.

use serde_json::{json, Value};
use webhooks_types::v3_5::{
    Action, AutoAccessChange, Event, FilledFormField, Payload, QueuedAt, RoutingStatus,
    TransferReason, User, Webhook,
};
use webhooks_types::{ParseError, ParseErrorKind};

fn envelope(action: &str, payload: Value) -> Value {
    json!({
        "webhook_id": "<webhook_id>",
        "secret_key": "<secret_key>",
        "action": action,
        "organization_id": "390e44e6-f1e6-0368c-z6ddb-74g14508c2ex",
        "payload": payload,
        "additional_data": {}
    })
}

/// Parses, checks that serializing gives back the input, and returns the webhook.
fn parse_round_trip(input: &Value) -> Webhook {
    let text = serde_json::to_string_pretty(input).expect("serializes");
    let webhook: Webhook = text.parse().unwrap_or_else(|e| panic!("{e}"));
    let back = serde_json::to_value(&webhook).expect("serializes");
    assert_eq!(&back, input, "round trip changed the webhook");
    // The generic `Deserialize` agrees with the fast path.
    let generic: Webhook = serde_json::from_value(input.clone()).expect("generic parse");
    assert_eq!(generic, webhook);
    webhook
}

/// The error of parsing the webhook of `action` with `payload`, which must fail (`why`).
fn rejected(action: &str, payload: Value, why: &str) -> ParseError {
    envelope(action, payload)
        .to_string()
        .parse::<Webhook>()
        .expect_err(why)
}

#[test]
fn incoming_chat_with_users_and_events() {
    let input = envelope(
        "incoming_chat",
        json!({"chat": {
            "id": "PJ0MRSHTDG",
            "users": [
                {"id": "b7eff798-f8df-4364-8059-649c35c9ed0c", "type": "customer", "name": "Thomas Anderson",
                 "email": "t.anderson@example.com", "present": true, "events_seen_up_to": "2019-12-09T12:01:18.909000Z",
                 "last_visit": {"started_at": "2019-12-09T12:00:00.000000Z", "ip": "192.0.2.1",
                    "geolocation": {"country": "Poland", "country_code": "PL", "city": "Wroclaw"},
                    "last_pages": [{"opened_at": "2019-12-09T12:00:00.000000Z", "url": "https://example.com/", "title": "Home"}]},
                 "session_fields": [{"custom_key": "custom_value"}],
                 "statistics": {"chats_count": 1, "threads_count": 2, "visits_count": 3}},
                {"id": "smith@example.com", "type": "agent", "name": "Agent Smith", "present": true,
                 "visibility": "all", "events_seen_up_to": "2019-12-09T12:01:18.909000Z"}
            ],
            "properties": {"routing": {"continuous": false, "pinned": 3, "referrer": "https://example.com"}},
            "thread": {
                "id": "K600PKZON8", "active": true, "user_ids": ["b7eff798-f8df-4364-8059-649c35c9ed0c", "smith@example.com"],
                "created_at": "2019-12-09T12:01:18.909000Z", "tags": [],
                "events": [
                    {"id": "K600PKZON8_1", "type": "message", "text": "Hello", "author_id": "smith@example.com",
                     "created_at": "2019-12-09T12:01:18.909000Z", "visibility": "all"},
                    {"id": "K600PKZON8_2", "type": "system_message", "system_message_type": "agent_joined",
                     "text": "Agent Smith joined the chat", "text_vars": {"agent": "Agent Smith"},
                     "created_at": "2019-12-09T12:01:19.000000Z", "visibility": "all"},
                    {"id": "K600PKZON8_3", "type": "filled_form", "form_id": "1473433500211", "author_id": "b7eff798-f8df-4364-8059-649c35c9ed0c",
                     "created_at": "2019-12-09T12:01:20.000000Z", "visibility": "all",
                     "fields": [
                        {"type": "name", "id": "15", "label": "Name:", "answer": "Thomas"},
                        {"type": "checkbox", "id": "16", "label": "Topics:", "answers": [{"id": "0", "label": "Sales"}]},
                        {"type": "group_chooser", "id": "17", "label": "Team:", "answer": {"id": "1", "group_id": 2, "label": "Support"}}
                     ]}
                ]
            }
        }}),
    );
    let webhook = parse_round_trip(&input);
    assert_eq!(webhook.action(), Some(Action::IncomingChat));
    let Payload::IncomingChat(payload) = &webhook.payload else {
        panic!("wrong variant: {:?}", webhook.payload);
    };
    let chat = &payload.chat;
    assert!(
        matches!(&chat.users[0], User::Customer(c) if c.statistics.as_ref().and_then(|s| s.visits_count) == Some(3))
    );
    assert!(matches!(&chat.users[1], User::Agent(a) if a.id.as_str() == "smith@example.com"));
    let events = chat.thread.events.as_ref().expect("events");
    assert!(matches!(&events[0], Event::Message(m) if m.text == "Hello"));
    assert!(
        matches!(&events[1], Event::SystemMessage(s) if s.system_message_type == "agent_joined")
    );
    let Event::FilledForm(form) = &events[2] else {
        panic!("not a filled form")
    };
    assert!(
        matches!(&form.fields[1], FilledFormField::Checkbox(c) if c.answers.as_ref().map(Vec::len) == Some(1))
    );
    assert!(
        matches!(&form.fields[2], FilledFormField::GroupChooser(g) if g.answer.group_id.0 == 2)
    );
    assert_eq!(events[0].tag(), "message");
    assert_eq!(chat.thread.created_at.to_utc().timestamp(), 1_575_892_878);
}

#[test]
fn chat_transferred_without_additional_data() {
    let mut input = envelope(
        "chat_transferred",
        json!({
            "chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8", "requester_id": "jones@example.com",
            "reason": "manual", "transferred_to": {"group_ids": [19], "agent_ids": ["smith@example.com"]},
            "queue": {"position": 42, "wait_time": 1337, "queued_at_us": "2019-12-09T12:01:18.909000Z"}
        }),
    );
    input
        .as_object_mut()
        .expect("object")
        .remove("additional_data");
    let webhook = parse_round_trip(&input);
    let Payload::ChatTransferred(payload) = &webhook.payload else {
        panic!("wrong variant")
    };
    assert_eq!(payload.reason, TransferReason::Manual);
    let queue = payload.queue.as_ref().expect("queue");
    assert_eq!(queue.position, 42);
    assert!(
        matches!(&queue.queued_at_us, Some(QueuedAt::Timestamp(t)) if t.as_str() == "2019-12-09T12:01:18.909000Z")
    );
    assert!(webhook.additional_data.is_none());
}

#[test]
fn routing_status_set_in_both_spellings() {
    for (status, expected) in [
        ("accepting chats", RoutingStatus::AcceptingChats),
        ("not accepting chats", RoutingStatus::NotAcceptingChats),
        ("accepting_chats", RoutingStatus::AcceptingChatsUnderscored),
        ("offline", RoutingStatus::Offline),
    ] {
        let input = envelope(
            "routing_status_set",
            json!({"agent_id": "agent1@example.com", "status": status}),
        );
        let webhook = parse_round_trip(&input);
        let Payload::RoutingStatusSet(payload) = &webhook.payload else {
            panic!("wrong variant")
        };
        assert_eq!(payload.status, expected);
        assert_eq!(payload.status.as_str(), status);
    }
    let e = rejected(
        "routing_status_set",
        json!({"agent_id": "a@example.com", "status": "busy"}),
        "busy is not a status",
    );
    assert_eq!(e.pointer(), "/payload/status");
}

#[test]
fn auto_accesses_updated_has_an_array_payload() {
    let input = envelope(
        "auto_accesses_updated",
        json!([
            {"id": "a2710c4680fa15700ae046940a11a329", "next_id": "f65e41f43bbb2fefe3756698ba47caeb", "status": "updated"},
            {"id": "f65e41f43bbb2fefe3756698ba47caeb", "description": "", "access": {"groups": [0]},
             "conditions": {"url": {"values": [{"value": "https://www.auto-access.test", "exact_match": false}]},
                            "geolocation": {"values": [{"country": "United States", "country_code": "US"}]}},
             "next_id": "", "status": "added"},
            {"id": "0c4b7c2b1d4e4f6a8b9c0d1e2f3a4b5c", "status": "deleted"}
        ]),
    );
    let webhook = parse_round_trip(&input);
    let Payload::AutoAccessesUpdated(changes) = &webhook.payload else {
        panic!("wrong variant")
    };
    assert_eq!(changes.len(), 3);
    assert!(
        matches!(&changes[0], AutoAccessChange::Updated(u) if u.next_id.as_deref() == Some("f65e41f43bbb2fefe3756698ba47caeb"))
    );
    assert!(matches!(&changes[1], AutoAccessChange::Added(a) if a.access.groups.len() == 1));
    assert!(matches!(&changes[2], AutoAccessChange::Deleted(_)));

    let e = rejected(
        "auto_accesses_updated",
        json!({"id": "x", "status": "deleted"}),
        "payload must be an array",
    );
    assert_eq!(e.kind(), ParseErrorKind::Data);
    assert_eq!(e.pointer(), "/payload");
}

#[test]
fn unknown_actions_keep_name_and_payload() {
    let input = envelope(
        "thread_summary_set",
        json!({"chat_id": "PJ0MRSHTDG", "summary": {"text": "..."}}),
    );
    let webhook = parse_round_trip(&input);
    assert_eq!(webhook.action(), None);
    assert_eq!(webhook.action_name(), "thread_summary_set");
    let Payload::Unknown { action, payload } = &webhook.payload else {
        panic!("not unknown")
    };
    assert_eq!(action, "thread_summary_set");
    assert_eq!(payload["summary"]["text"], "...");
}

#[test]
fn undocumented_fields_are_ignored() {
    let input = json!({
        "webhook_id": "w", "secret_key": "s", "action": "thread_tagged", "organization_id": "o",
        "requester": {"user_id": "user@example.com"},
        "payload": {"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8", "tag": "bug_report", "new_field": 1},
        "additional_data": {}
    });
    let webhook: Webhook = input.to_string().parse().expect("extra fields are fine");
    let back = serde_json::to_value(&webhook).expect("serializes");
    assert!(back.get("requester").is_none());
    assert!(back["payload"].get("new_field").is_none());
    assert_eq!(back["payload"]["tag"], "bug_report");
}

#[test]
fn secret_key_is_redacted_and_checked() {
    let input = envelope("agent_deleted", json!({"id": "smith@example.com"}));
    let webhook = parse_round_trip(&input);
    let debug = format!("{webhook:?}");
    assert!(!debug.contains("<secret_key>"), "{debug}");
    assert!(debug.contains("<redacted>"));
    assert!(webhook.verify_secret("<secret_key>"));
    assert!(!webhook.verify_secret("<secret_kex>"));
}

#[test]
fn malformed_timestamps_are_rejected_with_their_location() {
    let e = rejected(
        "events_marked_as_seen",
        json!({"user_id": "u", "chat_id": "PJ0MRSHTDG", "seen_up_to": "2017-10-12 15:19"}),
        "not RFC 3339",
    );
    assert_eq!(e.pointer(), "/payload/seen_up_to");
    assert!(e.message().contains("RFC 3339"), "{e}");
}

#[test]
fn events_of_unknown_type_are_rejected() {
    let e = rejected(
        "incoming_event",
        json!({"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8", "event": {"id": "e", "type": "hologram",
               "created_at": "2019-12-09T12:01:18.909000Z", "visibility": "all", "author_id": "a"}}),
        "unknown event type",
    );
    assert!(e.message().contains("hologram"), "{e}");
    assert_eq!(e.pointer(), "/payload/event/type");
}
