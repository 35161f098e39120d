//! The samples the tests send: the manifest's valid samples of a version, and bodies made
//! from them with a secret.

use std::path::{Path, PathBuf};

use serde_json::Value;
use webhooks_receiver::ApiVersion;

use super::SECRET;

/// The workspace's root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The manifest's entry of `version` (`samples/index.json`): its folders and samples.
pub fn manifest_entry(version: ApiVersion) -> Value {
    let text = std::fs::read_to_string(workspace().join("samples/index.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == version.name())
        .cloned()
        .unwrap_or_else(|| panic!("samples/index.json has no v{version}"))
}

/// The samples folder of `version`.
pub fn samples_dir(version: ApiVersion) -> PathBuf {
    workspace().join(manifest_entry(version)["samples"].as_str().unwrap())
}

/// The valid samples of a version (documented and extra) as the manifest lists them, as
/// (file, JSON).
pub fn samples(version: ApiVersion) -> Vec<(String, Value)> {
    let dir = samples_dir(version);
    manifest_entry(version)["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["valid"] == true)
        .map(|f| {
            let name = f["file"].as_str().unwrap().to_owned();
            let value = serde_json::from_str(&std::fs::read_to_string(dir.join(&name)).unwrap());
            (name, value.unwrap())
        })
        .collect()
}

/// The version the tests that need one body use: the oldest (the samples they name exist
/// there).
pub fn oldest() -> ApiVersion {
    ApiVersion::ALL[0]
}

/// A body with the secret set.
pub fn with_secret(mut value: Value, secret: &str) -> String {
    value["secret_key"] = Value::String(secret.to_owned());
    value.to_string()
}

pub fn sample(name: &str) -> Value {
    let path = samples_dir(oldest()).join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An `incoming_event` of chat `chat` with event id `event`.
pub fn event(chat: &str, event: &str) -> String {
    let mut value = sample("incoming_event");
    value["payload"]["chat_id"] = Value::String(chat.to_owned());
    value["payload"]["event"]["id"] = Value::String(event.to_owned());
    with_secret(value, SECRET)
}
