//! For the unit tests of the generated handler traits: every valid sample of a version (as
//! `samples/index.json` lists them) and one delivery of an action the version does not define,
//! each parsed as the worker parses a stored body, with its [`Delivery`].

use std::path::Path;

use serde_json::Value;
use webhooks_types::{AnyWebhook, ApiVersion};

use crate::Delivery;

/// An action no version defines.
pub(crate) const UNKNOWN_ACTION: &str = "no_such_action_in_any_version";

/// The deliveries of `version`'s samples, then one of [`UNKNOWN_ACTION`].
pub(crate) fn deliveries(version: ApiVersion) -> Vec<(AnyWebhook, Delivery)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |path: &Path| {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let manifest: Value =
        serde_json::from_str(&read(&root.join("samples/index.json"))).expect("manifest");
    let entry = manifest["versions"]
        .as_array()
        .and_then(|versions| versions.iter().find(|v| v["version"] == version.name()))
        .unwrap_or_else(|| panic!("samples/index.json has no v{version}"));
    let dir = root.join(entry["samples"].as_str().expect("samples folder"));
    let mut bodies: Vec<String> = entry["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["valid"] == true)
        .map(|f| read(&dir.join(f["file"].as_str().expect("file name"))))
        .collect();
    let mut unknown: Value = serde_json::from_str(&bodies[0]).expect("a sample is JSON");
    unknown["action"] = Value::from(UNKNOWN_ACTION);
    bodies.push(unknown.to_string());
    bodies
        .into_iter()
        .zip(1..)
        .map(|(body, id)| {
            let webhook = version
                .parse(body.as_bytes())
                .unwrap_or_else(|e| panic!("v{version}: {e}\n{body}"));
            let delivery = Delivery {
                id,
                webhook_id: webhook.webhook_id().to_owned(),
                action: webhook.action_name().to_owned(),
                body,
                body_sha256: String::new(),
                attempt: 1,
                possible_redelivery: false,
                received_at_ms: 0,
            };
            (webhook, delivery)
        })
        .collect()
}
