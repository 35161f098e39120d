//! `dist/vX.Y/openapi.json`: an OpenAPI 3.1 document with one webhook per action, a `POST`
//! whose required `application/json` body is the action's schema, with the documented samples
//! as examples and the answers LiveChat expects.

use super::dialect::{convert, Dialect, COMPONENTS};
use super::{object, schema, text, Input, ACKNOWLEDGED, RETRIED};
use crate::json::Json;

/// The version of the specification the document follows.
pub const OPENAPI: &str = "3.1.0";

/// The schema dialect OpenAPI 3.1 reads by default: JSON Schema 2020-12 and OpenAPI's vocabulary.
pub const DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// The OpenAPI document of a version.
pub fn document(input: &Input<'_>) -> Result<Json, String> {
    let info = object([
        ("title", text(input.title())),
        ("version", text(input.package)),
        ("description", text(input.description())),
        (
            "license",
            object([
                ("name", text(env!("CARGO_PKG_LICENSE"))),
                ("identifier", text(env!("CARGO_PKG_LICENSE"))),
            ]),
        ),
    ]);
    let tags = input.groups().into_iter().map(|group| {
        object([
            ("name", text(group)),
            (
                "description",
                text(format!(
                    "The webhooks of the documentation's \"{group}\" section."
                )),
            ),
        ])
    });
    let mut webhooks = Vec::new();
    for action in input.actions {
        webhooks.push((
            action.name.clone(),
            object([("post", operation(input, &action.name))]),
        ));
    }
    let mut schemas = Vec::new();
    for (name, definition) in input.definitions {
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(format!(
                "`{name}` is no component name of OpenAPI (letters, digits, `.`, `_`, `-`)"
            ));
        }
        let at = format!("/components/schemas/{name}");
        schemas.push((
            name.clone(),
            schema(&convert(definition, Dialect::Draft2020, &at)?),
        ));
    }
    Ok(object([
        ("openapi", text(OPENAPI)),
        ("info", info),
        ("jsonSchemaDialect", text(DIALECT)),
        ("tags", Json::Array(tags.collect())),
        ("webhooks", Json::Object(webhooks)),
        ("components", object([("schemas", Json::Object(schemas))])),
    ]))
}

/// The `post` operation of one action.
fn operation(input: &Input<'_>, action: &str) -> Json {
    let found = input.actions.iter().find(|a| a.name == action);
    let group = found.map(|a| a.group.as_str()).unwrap_or_default();
    let description = found.map(|a| a.description.as_str()).unwrap_or_default();
    let examples: Vec<(String, Json)> = input
        .examples_of(action)
        .map(|(name, body)| {
            let summary = input.example_summary(name);
            let example = object([("summary", text(summary)), ("value", body.clone())]);
            (name.clone(), example)
        })
        .collect();
    let mut media = vec![(
        "schema".to_owned(),
        object([("$ref", text(format!("{COMPONENTS}{action}")))]),
    )];
    if !examples.is_empty() {
        media.push(("examples".to_owned(), Json::Object(examples)));
    }
    let body = object([
        (
            "description",
            text(format!(
                "The `{action}` webhook: the envelope and the action's `payload`."
            )),
        ),
        ("required", Json::Bool(true)),
        (
            "content",
            object([("application/json", Json::Object(media))]),
        ),
    ]);
    let responses = object([
        ("200", object([("description", text(ACKNOWLEDGED))])),
        ("default", object([("description", text(RETRIED))])),
    ]);
    let mut members = vec![
        ("operationId", text(action)),
        ("summary", text(input.title_of(action))),
        ("description", text(description)),
    ];
    if !group.is_empty() {
        members.push(("tags", Json::Array(vec![text(group)])));
    }
    // LiveChat authenticates with the `secret_key` inside the body, which no security scheme
    // of OpenAPI describes: no scheme applies to the request.
    members.extend([
        ("security", Json::Array(Vec::new())),
        ("requestBody", body),
        ("responses", responses),
    ]);
    object(members)
}
