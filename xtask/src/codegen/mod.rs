//! `cargo xtask codegen`: the `webhooks-types` modules and the schemas `webhooks-validate`
//! embeds, generated from the schemas of [`layout::TYPED`].
//!
//! Stages, one module each: the schemas are loaded and checked ([`crate::schema`]), rewritten
//! for typify and converted ([`typify`]), post-processed on the syntax tree ([`postprocess`]),
//! completed with the tagged unions ([`unions`]) and the action list and payload enum
//! ([`actions`]), formatted ([`render`]), then written only where the text changed
//! ([`crate::files`]).

mod actions;
mod postprocess;
mod render;
mod typify;
mod unions;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

use quote::quote;
use serde_json::Value;

use crate::layout::{self, Version};
use crate::schema::{SchemaError, SchemaSet};

use unions::find_unions;

/// Output of the generator: path relative to the workspace root, and text.
pub type Files = Vec<(String, String)>;

/// The folders that hold nothing but generated files: a file there that the generator does not
/// write is stale.
pub const OWNED: &[&str] = &[
    layout::TYPES_DIR,
    layout::VALIDATE_DIR,
    layout::VALIDATE_SCHEMAS_DIR,
];

/// Runs the task: generates every file and writes those whose text changed, or with `check`
/// names them and fails.
pub fn run(check: bool) -> Result<(), String> {
    let start = std::time::Instant::now();
    let generated = generate_all()?;
    let outcome =
        crate::files::sync(&layout::root(), &generated, OWNED, check).map_err(|e| e.to_string())?;
    crate::files::report("codegen", &generated, &outcome.stale, check, start)
}

/// Every generated file, in memory.
pub fn generate_all() -> Result<Files, String> {
    let version = layout::TYPED;
    let schemas = version.schemas();
    let set = SchemaSet::load(&layout::path(&schemas)).map_err(|e| format!("{schemas}/{e}"))?;
    let mut files = generate(&set, version).map_err(|e| format!("{schemas}/{e}"))?;
    files.push(crate::manifest::generate()?);
    Ok(files)
}

/// Generates all files from a checked schema set of `version`.
pub fn generate(set: &SchemaSet, version: Version) -> Result<Files, SchemaError> {
    let actions = set.actions()?;
    let unions = find_unions(set)?;
    let types = typify::generate_types(set, &unions)?;
    let action = actions::generate_action(&actions, version)?;
    let payload = actions::generate_payload(&actions)?;
    let types_dir = layout::TYPES_DIR;
    let mut files = vec![
        (format!("{types_dir}/types.rs"), types),
        (format!("{types_dir}/action.rs"), action),
        (format!("{types_dir}/payload.rs"), payload),
        (
            format!("{}/schemas.rs", layout::VALIDATE_DIR),
            embedded_schemas(set, version)?,
        ),
    ];
    let copy = version.validate_schemas();
    files.extend(
        set.files
            .iter()
            .map(|f| (format!("{copy}/{}", f.rel), f.text.clone())),
    );
    Ok(files)
}

/// The list of schema files that `webhooks-validate` embeds, as `include_str!`s of its copy of
/// the schemas (written beside it by [`generate`], and checked for freshness like the code).
fn embedded_schemas(set: &SchemaSet, version: Version) -> Result<String, SchemaError> {
    let base = set
        .files
        .iter()
        .find(|f| f.rel == "webhook.json")
        .and_then(|f| f.doc.get("$id"))
        .and_then(Value::as_str)
        .and_then(|id| id.strip_suffix("webhook.json"))
        .unwrap_or_default()
        .to_owned();
    let rels: Vec<&String> = set.files.iter().map(|f| &f.rel).collect();
    // From `crates/webhooks-validate/src/generated/` to the crate's copy.
    let copy =
        version
            .validate_schemas()
            .replacen(layout::VALIDATE_SCHEMAS_DIR, "../../schemas", 1);
    let paths: Vec<String> = rels.iter().map(|rel| format!("{copy}/{rel}")).collect();
    let doc = format!(
        " Every schema file of API v{0}: its path below `schemas/v{0}/`, and its text.",
        version.name()
    );
    let tokens = quote! {
        /// Base URI of the `$id`s: each file's `$id` is this base followed by its path.
        pub const BASE_URI: &str = #base;

        #[doc = #doc]
        pub const FILES: &[(&str, &str)] = &[
            #( (#rels, include_str!(#paths)), )*
        ];
    };
    render::render(
        "schemas.rs",
        "webhook.json",
        "The schema files, embedded at compile time.",
        tokens,
    )
}
