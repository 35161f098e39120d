//! `cargo xtask codegen`: the `webhooks-types` modules of every API version and the schemas
//! `webhooks-validate` embeds, generated from `schemas/`.
//!
//! Stages, one module each: the schemas are loaded and checked ([`crate::schema`]), rewritten
//! for typify and converted ([`typify`]), post-processed on the syntax tree ([`postprocess`],
//! [`strings`], [`patterns`], [`compact`]), completed with the tagged unions ([`unions`]), the fast path's
//! readers ([`fast`]) and the action list and payload enum
//! ([`actions`]), the receiver's identity rules ([`identity`]) and handler traits
//! ([`handlers`]), formatted ([`render`]), then written only where the text changed
//! ([`crate::files`]).

mod actions;
mod checks;
mod compact;
mod fast;
mod handlers;
mod identity;
mod patterns;
mod postprocess;
mod render;
mod rules;
mod strings;
mod typify;
mod unions;
mod versions;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

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
    layout::RECEIVER_DIR,
    layout::RECEIVER_IDENTITY_DIR,
    layout::NPM_GENERATED_DIR,
    layout::PYTHON_GENERATED_DIR,
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

/// Every generated file, in memory: the types of each version that has schemas of its own, the
/// modules that tie the versions together, the validator's embedded schemas and the manifest.
pub fn generate_all() -> Result<Files, String> {
    let mut sets = Vec::new();
    let mut files = Files::new();
    for version in layout::own_schemas() {
        let schemas = version.schemas();
        let set = SchemaSet::load(&layout::path(&schemas)).map_err(|e| format!("{schemas}/{e}"))?;
        files.extend(generate(&set, version).map_err(|e| format!("{schemas}/{e}"))?);
        sets.push((version, set));
    }
    for &version in layout::VERSIONS {
        if version.schemas_of() != version {
            let text = versions::borrowed_module(version).map_err(|e| e.to_string())?;
            files.push((format!("{}/mod.rs", types_dir(version)), text));
        }
    }
    files.push((
        format!("{}/mod.rs", layout::TYPES_DIR),
        versions::top_module(&sets).map_err(|e| e.to_string())?,
    ));
    files.push((
        format!("{}/schemas.rs", layout::VALIDATE_DIR),
        versions::embedded_schemas(&sets).map_err(|e| e.to_string())?,
    ));
    files.extend(identity::generate().map_err(|e| e.to_string())?);
    files.extend(handlers::generate(&sets).map_err(|e| e.to_string())?);
    files.push(crate::manifest::generate()?);
    files.extend(crate::packages::generate_all(&sets)?);
    Ok(files)
}

/// The folder of a version's generated types.
fn types_dir(version: Version) -> String {
    format!("{}/{}", layout::TYPES_DIR, version.module())
}

/// Generates a version's types and the validator's copy of its schemas from its checked
/// schema set.
pub fn generate(set: &SchemaSet, version: Version) -> Result<Files, SchemaError> {
    let actions = set.actions()?;
    let unions = find_unions(set)?;
    let types = typify::generate_types(set, &unions)?;
    let action = actions::generate_action(&actions, version)?;
    let requester = set.definitions.contains_key("Requester");
    let payload = actions::generate_payload(&actions, version, requester)?;
    let dir = types_dir(version);
    let mut files = vec![
        (format!("{dir}/mod.rs"), versions::own_module(version)?),
        (format!("{dir}/types.rs"), types),
        (format!("{dir}/action.rs"), action),
        (format!("{dir}/payload.rs"), payload),
    ];
    let copy = version.validate_schemas();
    files.extend(
        set.files
            .iter()
            .map(|f| (format!("{copy}/{}", f.rel), f.text.clone())),
    );
    Ok(files)
}
