//! `dist/vX.Y/asyncapi.json`: an AsyncAPI 3.0 document of the receiver. One channel, the URL
//! registered with LiveChat; per action one message (its payload the action's schema, the
//! documented samples as examples) and one `receive` operation over HTTP `POST`.

use super::dialect::{convert, Dialect, COMPONENTS};
use super::{object, schema, text, Input, ACKNOWLEDGED, DELIVERY, RETRIED};
use crate::json::Json;

/// The version of the specification the document follows.
pub const ASYNCAPI: &str = "3.0.0";

/// The key of the one channel.
pub const CHANNEL: &str = "webhooks";

/// The version of the HTTP operation binding.
const HTTP_BINDING: &str = "0.3.0";

/// The AsyncAPI document of a version.
pub fn document(input: &Input<'_>) -> Result<Json, String> {
    let info = object([
        ("title", text(input.title())),
        ("version", text(input.package)),
        ("description", text(input.description())),
        (
            "license",
            object([("name", text(env!("CARGO_PKG_LICENSE")))]),
        ),
    ]);
    let channel_messages = input.actions.iter().map(|action| {
        let target = format!("#/components/messages/{}", action.name);
        (action.name.clone(), object([("$ref", text(target))]))
    });
    let channel = object([
        ("address", text("/")),
        ("title", text("Webhook receiver")),
        (
            "description",
            text(format!(
                "The URL registered with LiveChat for the webhooks (`/` stands for its path). {DELIVERY} The receiver answers 200: {ACKNOWLEDGED} {RETRIED}"
            )),
        ),
        ("messages", Json::Object(channel_messages.collect())),
    ]);
    let operations = input.actions.iter().map(|action| {
        let mut members = vec![
            ("action", text("receive")),
            (
                "channel",
                object([("$ref", text(format!("#/channels/{CHANNEL}")))]),
            ),
            ("summary", text(input.title_of(&action.name))),
            ("description", text(action.description.as_str())),
        ];
        if !action.group.is_empty() {
            members.push((
                "tags",
                Json::Array(vec![object([("name", text(action.group.as_str()))])]),
            ));
        }
        let message = format!("#/channels/{CHANNEL}/messages/{}", action.name);
        members.extend([
            (
                "bindings",
                object([(
                    "http",
                    object([
                        ("method", text("POST")),
                        ("bindingVersion", text(HTTP_BINDING)),
                    ]),
                )]),
            ),
            (
                "messages",
                Json::Array(vec![object([("$ref", text(message))])]),
            ),
        ]);
        (action.name.clone(), object(members))
    });
    let messages = input
        .actions
        .iter()
        .map(|action| (action.name.clone(), message(input, &action.name)));
    let mut schemas = Vec::new();
    for (name, definition) in input.definitions {
        let at = format!("/components/schemas/{name}");
        schemas.push((
            name.clone(),
            schema(&convert(definition, Dialect::Draft07, &at)?),
        ));
    }
    Ok(object([
        ("asyncapi", text(ASYNCAPI)),
        ("info", info),
        ("defaultContentType", text("application/json")),
        ("channels", object([(CHANNEL, channel)])),
        ("operations", Json::Object(operations.collect())),
        (
            "components",
            object([
                ("messages", Json::Object(messages.collect())),
                ("schemas", Json::Object(schemas)),
            ]),
        ),
    ]))
}

/// The message of one action.
fn message(input: &Input<'_>, action: &str) -> Json {
    let examples: Vec<Json> = input
        .examples_of(action)
        .map(|(name, body)| {
            let summary = input.example_summary(name);
            object([
                ("name", text(name.as_str())),
                ("summary", text(summary)),
                ("payload", body.clone()),
            ])
        })
        .collect();
    let mut members = vec![
        ("name", text(action)),
        ("title", text(input.title_of(action))),
        ("contentType", text("application/json")),
        (
            "payload",
            object([("$ref", text(format!("{COMPONENTS}{action}")))]),
        ),
    ];
    if !examples.is_empty() {
        members.push(("examples", Json::Array(examples)));
    }
    object(members)
}
