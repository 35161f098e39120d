//! The action schemas of a set: each file of `actions/` fixes its `action` and names its
//! payload, and `webhook.json` lists them all in the documentation's order.

use serde_json::Value;

use super::{SchemaError, SchemaSet};

/// An action webhook schema, as found in `actions/`.
#[derive(Debug, Clone)]
pub struct ActionSchema {
    /// The action name (the `const` of `properties.action`).
    pub name: String,
    /// Group heading of the action in the documentation (`x-group`).
    pub group: String,
    /// Description of the action.
    pub description: String,
    /// Name of the payload definition.
    pub payload: String,
    /// Whether the envelope requires `additional_data`.
    pub additional_data_required: bool,
}

impl SchemaSet {
    /// The action schemas (files under `actions/`), in the order of the `action` enum of
    /// `webhook.json` (the documentation's order) when the set has one, else by file name.
    pub fn actions(&self) -> Result<Vec<ActionSchema>, SchemaError> {
        let mut out = Vec::new();
        for file in self.files.iter().filter(|f| f.rel.starts_with("actions/")) {
            let doc = &file.doc;
            let name = file.string_at(
                "/properties/action/const",
                "an action schema must fix `action` with `const`",
            )?;
            let expected = format!("actions/{name}.json");
            if file.rel != expected {
                return Err(SchemaError::new(
                    &file.rel,
                    "/properties/action/const",
                    format!("action `{name}` belongs in {expected}"),
                ));
            }
            let payload_ref = file.string_at(
                "/properties/payload/$ref",
                "the payload must be a `$ref` to a definition",
            )?;
            let payload = self
                .resolve(&file.rel, payload_ref)
                .ok()
                .flatten()
                .ok_or_else(|| {
                    SchemaError::new(
                        &file.rel,
                        "/properties/payload/$ref",
                        "the payload must reference a definition",
                    )
                })?;
            let required = doc
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for field in [
                "webhook_id",
                "secret_key",
                "action",
                "organization_id",
                "payload",
            ] {
                if !required.iter().any(|r| r == field) {
                    return Err(SchemaError::new(
                        &file.rel,
                        "/required",
                        format!("the envelope field `{field}` must be required"),
                    ));
                }
            }
            out.push(ActionSchema {
                name: name.to_owned(),
                group: doc
                    .get("x-group")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                description: doc
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                additional_data_required: required.iter().any(|r| r == "additional_data"),
                payload,
            });
        }
        if let Some(order) = self
            .file("webhook.json")
            .and_then(|f| f.doc.pointer("/properties/action/enum"))
            .and_then(Value::as_array)
        {
            let order: Vec<&str> = order.iter().filter_map(Value::as_str).collect();
            for action in &out {
                if !order.contains(&action.name.as_str()) {
                    return Err(SchemaError::new(
                        "webhook.json",
                        "/properties/action/enum",
                        format!("action `{}` is missing", action.name),
                    ));
                }
            }
            for name in &order {
                if !out.iter().any(|a| a.name == *name) {
                    return Err(SchemaError::new(
                        "webhook.json",
                        "/properties/action/enum",
                        format!("action `{name}` has no schema in actions/"),
                    ));
                }
            }
            out.sort_by_key(|a| order.iter().position(|n| *n == a.name));
        }
        Ok(out)
    }
}
