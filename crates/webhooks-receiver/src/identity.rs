//! What a delivery is: its secret, its body without the secret, its event key and its chat.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// The identity file of a version could not be read.
#[derive(Debug, thiserror::Error)]
#[error("identity rules: {0}")]
pub struct IdentityError(String);

/// Per-action event keys and the places a chat id is found, as declared in
/// `schemas/identity/v<version>.json`.
#[derive(Debug, Clone, Default)]
pub struct IdentityRules {
    keys: HashMap<String, Vec<String>>,
    chat: Vec<String>,
}

#[derive(Deserialize)]
struct IdentityFile {
    keys: HashMap<String, Vec<String>>,
    chat: Vec<String>,
}

/// What the inbox tells deliveries apart and orders them by, as the rules find it in a body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The chat, when the payload names one: deliveries of a chat are handled in order.
    pub chat_id: Option<String>,
    /// The event key, for actions that have one: a second delivery with the same key is not
    /// stored again.
    pub event_key: Option<String>,
}

impl IdentityRules {
    /// Reads rules from the JSON of an identity file.
    pub fn from_json(text: &str) -> Result<Self, IdentityError> {
        let file: IdentityFile =
            serde_json::from_str(text).map_err(|e| IdentityError(e.to_string()))?;
        for pointer in file.keys.values().flatten().chain(&file.chat) {
            if !pointer.starts_with('/') {
                return Err(IdentityError(format!("`{pointer}` is not a JSON pointer")));
            }
        }
        Ok(Self {
            keys: file.keys,
            chat: file.chat,
        })
    }

    /// The actions that have an event key.
    pub fn keyed_actions(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// The event key of a body: `action` and the values at the action's pointers, as a JSON
    /// array. `None` when the action has no key or one of the values is missing (then the
    /// delivery is never deduplicated).
    pub fn event_key(&self, action: &str, body: &Value) -> Option<String> {
        let pointers = self.keys.get(action)?;
        let mut parts = Vec::with_capacity(pointers.len() + 1);
        parts.push(Value::String(action.to_owned()));
        for pointer in pointers {
            match body.pointer(pointer) {
                Some(value @ (Value::String(_) | Value::Number(_))) => parts.push(value.clone()),
                _ => return None,
            }
        }
        Some(Value::Array(parts).to_string())
    }

    /// The identity of a body whose action is `action`: its chat and its event key.
    pub fn identify(&self, action: &str, body: &Value) -> Identity {
        Identity {
            chat_id: self.chat_id(body),
            event_key: self.event_key(action, body),
        }
    }

    /// The chat a body belongs to, by the first chat pointer holding a string.
    pub fn chat_id(&self, body: &Value) -> Option<String> {
        self.chat
            .iter()
            .find_map(|p| body.pointer(p).and_then(Value::as_str).map(str::to_owned))
    }

    /// [`Self::identify`] read from the text of a (valid JSON) body instead of its tree: the
    /// same chat and the same event key, found by walking the text down each pointer.
    pub(crate) fn identify_text(&self, action: &str, body: &[u8]) -> Identity {
        let chat_id = self.chat.iter().find_map(|p| {
            crate::scan::at_pointer(body, p).and_then(|span| crate::scan::string_at(body, span))
        });
        let event_key = self.keys.get(action).and_then(|pointers| {
            let mut parts = Vec::with_capacity(pointers.len() + 1);
            parts.push(Value::String(action.to_owned()));
            for pointer in pointers {
                let span = crate::scan::at_pointer(body, pointer)?;
                let raw = body.get(span.clone())?;
                parts.push(match raw.first()? {
                    b'"' => Value::String(crate::scan::string_at(body, span)?),
                    b'-' | b'0'..=b'9' => Value::Number(serde_json::from_slice(raw).ok()?),
                    _ => return None,
                });
            }
            Some(Value::Array(parts).to_string())
        });
        Identity { chat_id, event_key }
    }
}

/// The top-level members of a JSON object, in order, values as raw text.
pub(crate) struct Members<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    members.push((key, map.next_value()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// The text the typed parse reads for a stored body: the body itself, which keeps an empty
/// `secret_key`; a row stored by an earlier version without the member gets an empty one put
/// back (only then, so that no key is doubled).
pub(crate) fn typed_text(stored: &str) -> Cow<'_, str> {
    match crate::scan::top_member(stored.as_bytes(), "secret_key") {
        Ok(None) => Cow::Owned(with_empty_secret(stored)),
        Ok(Some(_)) | Err(()) => Cow::Borrowed(stored),
    }
}

/// A stored body with an empty `secret_key` put back, so that the typed parse (which requires
/// the member) reads it.
fn with_empty_secret(stored: &str) -> String {
    match stored.strip_prefix('{') {
        Some(rest) if rest.trim_start().starts_with('}') => "{\"secret_key\":\"\"}".to_owned(),
        Some(rest) => format!("{{\"secret_key\":\"\",{rest}"),
        None => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> IdentityRules {
        crate::identity(webhooks_types::ApiVersion::ALL[0]).expect("embedded rules")
    }

    #[test]
    fn stored_bodies_are_typed_as_they_are_and_old_rows_get_an_empty_secret_once() {
        let new = r#"{"webhook_id":"w", "secret_key": "", "payload":{"a":[ 2 ]}}"#;
        assert!(matches!(typed_text(new), Cow::Borrowed(text) if text == new));
        let old = r#"{"webhook_id":"w","payload":{"a":[ 2 ]}}"#;
        let back: Value = serde_json::from_str(&typed_text(old)).expect("json");
        assert_eq!(back["secret_key"], "");
        assert_eq!(back["payload"]["a"][0], 2);
        assert_eq!(typed_text("{ }"), r#"{"secret_key":""}"#);
        assert_eq!(typed_text("[1]"), "[1]");
    }

    #[test]
    fn keys_exist_only_for_actions_with_an_event_identity() {
        let rules = rules();
        let event: Value = serde_json::json!({"organization_id": "o", "payload":
            {"chat_id": "C", "thread_id": "T", "event": {"id": "E"}}});
        assert_eq!(
            rules.event_key("incoming_event", &event).as_deref(),
            Some(r#"["incoming_event","o","C","T","E"]"#)
        );
        assert_eq!(rules.event_key("event_updated", &event), None);
        assert_eq!(rules.event_key("routing_status_set", &event), None);
        let mut keyed: Vec<&str> = rules.keyed_actions().collect();
        keyed.sort_unstable();
        assert_eq!(
            keyed,
            ["chat_deactivated", "incoming_chat", "incoming_event"]
        );
        let partial = serde_json::json!({"organization_id": "o", "payload": {"chat_id": "C"}});
        assert_eq!(rules.event_key("chat_deactivated", &partial), None);
    }

    #[test]
    fn the_text_gives_the_identity_the_tree_gives() {
        let rules = rules();
        for body in [
            r#"{"organization_id": "o", "payload": {"chat_id": "C\u0041", "thread_id": "T",
                "event": {"id": 17.50, "x": [1, {"id": "no"}]}}}"#,
            r#"{"organization_id":"o","payload":{"chat":{"id":"B","thread":{"id":"T"}}}}"#,
            r#"{"organization_id": "o", "payload": {"chat_id": 5, "thread_id": "T"}}"#,
            r#"{"payload": {"agent_id": "x"}}"#,
        ] {
            let tree: Value = serde_json::from_str(body).expect("json");
            for action in [
                "incoming_event",
                "incoming_chat",
                "chat_deactivated",
                "other",
            ] {
                assert_eq!(
                    rules.identify_text(action, body.as_bytes()),
                    rules.identify(action, &tree),
                    "{action} {body}"
                );
            }
        }
    }

    #[test]
    fn the_chat_is_found_in_either_place() {
        let rules = rules();
        let flat = serde_json::json!({"payload": {"chat_id": "A"}});
        let nested = serde_json::json!({"payload": {"chat": {"id": "B"}}});
        let none = serde_json::json!({"payload": {"agent_id": "x"}});
        assert_eq!(rules.chat_id(&flat).as_deref(), Some("A"));
        assert_eq!(rules.chat_id(&nested).as_deref(), Some("B"));
        assert_eq!(rules.chat_id(&none), None);
    }

    #[test]
    fn malformed_rules_are_errors() {
        assert!(IdentityRules::from_json("{}").is_err());
        assert!(IdentityRules::from_json(r#"{"keys":{"a":["x"]},"chat":[]}"#).is_err());
    }
}
