//! The schemas of one API version, compiled on first use: the registry of every file once,
//! then each action's schema the first time a body names that action.

use std::sync::OnceLock;

use serde_json::Value;
use webhooks_types::ApiVersion;

use crate::error::BuildError;
use crate::generated::schemas::{self, Schemas};
use crate::{strict, unions};

/// One version's schemas, each compiled when first needed and then kept.
pub(crate) struct Compiled {
    version: ApiVersion,
    strict: bool,
    schemas: &'static Schemas,
    /// Every file, rewritten for the mode, in a registry for the `$ref`s between them.
    registry: OnceLock<Result<Registry, BuildError>>,
    /// One slot per action, in the order of [`ApiVersion::action_names`].
    actions: Vec<OnceLock<Result<jsonschema::Validator, BuildError>>>,
    /// `webhook.json`: what is wrong with a body whose `action` is missing or not a string.
    any: OnceLock<Result<jsonschema::Validator, BuildError>>,
}

struct Registry {
    registry: jsonschema::Registry<'static>,
    docs: Vec<(&'static str, Value)>,
}

impl Compiled {
    /// Nothing is compiled yet.
    pub(crate) fn new(version: ApiVersion, strict: bool) -> Self {
        Self {
            version,
            strict,
            schemas: schemas::of(version),
            registry: OnceLock::new(),
            actions: version
                .action_names()
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
            any: OnceLock::new(),
        }
    }

    /// The compiled schema of `action`, or `None` for an action the version does not know.
    pub(crate) fn action(
        &self,
        action: &str,
    ) -> Option<Result<&jsonschema::Validator, BuildError>> {
        let index = self
            .version
            .action_names()
            .iter()
            .position(|a| *a == action)?;
        let slot = self.actions.get(index)?;
        let path = format!("actions/{action}.json");
        Some(
            slot.get_or_init(|| self.build(&path))
                .as_ref()
                .map_err(Clone::clone),
        )
    }

    /// The compiled `webhook.json`.
    pub(crate) fn any(&self) -> Result<&jsonschema::Validator, BuildError> {
        self.any
            .get_or_init(|| self.build("webhook.json"))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Compiles every schema now (the validator's `precompile`).
    pub(crate) fn all(&self) -> Result<(), BuildError> {
        self.any()?;
        for action in self.version.action_names() {
            if let Some(compiled) = self.action(action) {
                compiled?;
            }
        }
        Ok(())
    }

    fn registry(&self) -> Result<&Registry, BuildError> {
        self.registry
            .get_or_init(|| registry(self.schemas, self.strict))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn build(&self, path: &str) -> Result<jsonschema::Validator, BuildError> {
        let registry = self.registry()?;
        let doc = registry
            .docs
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, doc)| doc)
            .ok_or_else(|| BuildError {
                file: path.to_owned(),
                message: "not embedded".to_owned(),
            })?;
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .with_registry(&registry.registry)
            .build(doc)
            .map_err(|e| BuildError {
                file: path.to_owned(),
                message: e.to_string(),
            })
    }
}

/// Reads every embedded file, rewritten for the mode, into a registry.
fn registry(schemas: &Schemas, strict: bool) -> Result<Registry, BuildError> {
    let mut docs = Vec::with_capacity(schemas.files.len());
    for (path, text) in schemas.files {
        let doc: Value = serde_json::from_str(text).map_err(|e| BuildError {
            file: (*path).to_owned(),
            message: e.to_string(),
        })?;
        let doc = if strict { strict::close(&doc) } else { doc };
        // After closing: the last `else` of a union must stay open.
        let doc = unions::dispatch(&doc);
        docs.push((*path, doc));
    }
    let resources = docs.iter().map(|(path, doc)| {
        (
            format!("{}{path}", schemas.base_uri),
            jsonschema::Resource::from_contents(doc.clone()),
        )
    });
    let registry = jsonschema::Registry::new()
        .draft(jsonschema::Draft::Draft7)
        .extend(resources)
        .and_then(|builder| builder.prepare())
        .map_err(|e| BuildError {
            file: String::new(),
            message: e.to_string(),
        })?;
    Ok(Registry { registry, docs })
}
