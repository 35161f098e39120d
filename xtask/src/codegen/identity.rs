//! The event identity rules `webhooks-receiver` embeds: a copy of each version's file of
//! `schemas/identity/` beside the crate, and the module that includes them.

use proc_macro2::Ident;
use quote::quote;

use super::render::{ident, render};
use super::Files;
use crate::layout::{self, VERSIONS};
use crate::schema::SchemaError;

/// The copies and `identity.rs`. A version with schemas of its own must have its rules.
pub fn generate() -> Result<Files, SchemaError> {
    let mut files = Files::new();
    for version in layout::own_schemas() {
        let source = version.identity();
        let text = std::fs::read_to_string(layout::path(&source)).map_err(|e| SchemaError {
            file: source.clone(),
            pointer: String::new(),
            message: format!("cannot read the identity rules: {e}"),
        })?;
        files.push((version.receiver_identity(), text));
    }
    let variants: Vec<Ident> = VERSIONS.iter().map(|v| ident(&v.variant())).collect();
    // From `crates/webhooks-receiver/src/generated/` to the crate's copy.
    let paths: Vec<String> = VERSIONS
        .iter()
        .map(|v| {
            v.receiver_identity()
                .replacen(layout::RECEIVER_IDENTITY_DIR, "../../identity", 1)
        })
        .collect();
    let tokens = quote! {
        use webhooks_types::ApiVersion;

        /// The identity rules of `version`, as JSON (those of the version whose schemas it
        /// uses).
        pub fn json(version: ApiVersion) -> &'static str {
            match version {
                #( ApiVersion::#variants => include_str!(#paths), )*
            }
        }
    };
    files.push((
        format!("{}/identity.rs", layout::RECEIVER_DIR),
        render(
            "identity.rs",
            layout::IDENTITY_DIR,
            "The event identity rules of each version, embedded at compile time.",
            tokens,
        )?,
    ));
    Ok(files)
}
