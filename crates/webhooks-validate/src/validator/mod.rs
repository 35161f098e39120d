//! The compiled validator.

use serde_json::Value;
use webhooks_types::{Action, SecretKey, Webhook, API_VERSION};

use crate::error::{BuildError, Disagreement, ValidationError, Violations};
use crate::generated::schemas::{BASE_URI, FILES};
use crate::{strict, unions, violations};
use webhooks_types::location::{bare_message, line_column};

/// Schema keywords whose every rule the generated types also enforce: JSON types and required
/// members, `enum`/`const` values, string `pattern`s (checked with `regress`), `maxLength`
/// (counted in characters) and the integer ranges `minimum`/`maximum` (read into `u64`/`i64`).
/// When the schema rejects a body only through other keywords (`minItems`, `format: uri`,
/// `not`, `additionalProperties`, ...), the types accepting it is expected; when a keyword of
/// this list fails and the types accept, the two disagree.
pub(crate) const TYPED_KEYWORDS: &[&str] = &[
    "type",
    "required",
    "enum",
    "const",
    "pattern",
    "maxLength",
    "minimum",
    "maximum",
];

/// Validates LiveChat webhook bodies against the v3.5 schemas, compiled once.
///
/// One instance serves any number of threads (`Validator` is `Send + Sync`).
///
/// ```
/// use webhooks_validate::{ValidationError, Validator};
///
/// let validator = Validator::builder().secret_key("s3cret").build()?;
/// let body = br#"{"webhook_id": "wh", "secret_key": "s3cret", "action": "thread_tagged",
///   "organization_id": "org", "additional_data": {},
///   "payload": {"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8", "tag": 7}}"#;
/// match validator.validate(body) {
///     Err(ValidationError::Invalid(violations)) => {
///         assert_eq!(violations[0].pointer, "/payload/tag");
///         assert_eq!(violations[0].line, Some(3));
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), webhooks_validate::BuildError>(())
/// ```
pub struct Validator {
    /// One compiled schema per action, in the order of [`Action::ALL`].
    actions: Vec<jsonschema::Validator>,
    /// `webhook.json`: reports what is wrong with a body whose `action` is missing or not a
    /// string.
    any: jsonschema::Validator,
    strict: bool,
    secret: Option<SecretKey>,
    max_errors: usize,
    max_body_size: Option<usize>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("api_version", &API_VERSION)
            .field("strict", &self.strict)
            .field("secret", &self.secret)
            .field("max_errors", &self.max_errors)
            .field("max_body_size", &self.max_body_size)
            .finish_non_exhaustive()
    }
}

/// Options of a [`Validator`]: strict mode, the expected secret and the number of violations
/// reported per body.
#[derive(Debug, Clone)]
pub struct ValidatorBuilder {
    strict: bool,
    secret: Option<SecretKey>,
    max_errors: usize,
    max_body_size: Option<usize>,
}

impl Default for ValidatorBuilder {
    fn default() -> Self {
        Self {
            strict: false,
            secret: None,
            max_errors: Validator::DEFAULT_MAX_ERRORS,
            max_body_size: None,
        }
    }
}

impl ValidatorBuilder {
    /// Strict mode: a property the schemas do not document is a violation (`keyword` is
    /// `additionalProperties`) naming its path. Off by default: LiveChat may add fields.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Rejects bodies whose `secret_key` is not `secret` ([`ValidationError::SecretMismatch`]).
    /// The SHA-256 digests of the two are compared in constant time: the time depends on the
    /// secrets' lengths only, never on their content ([`SecretKey::matches`]).
    pub fn secret_key(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(SecretKey::new(secret));
        self
    }

    /// Reports at most `max` violations per body (100 by default); the others are counted
    /// ([`Violations::omitted`]), so that a body with a hundred thousand faults gives a small
    /// report. `0` reports none, only their count.
    pub fn max_errors(mut self, max: usize) -> Self {
        self.max_errors = max;
        self
    }

    /// Rejects bodies larger than `bytes` ([`ValidationError::TooLarge`]) before parsing them.
    /// `None` (the default) takes any size: a caller holding the body has already read it, and
    /// limits its size where it reads it (the command does, 1 MiB by default).
    pub fn max_body_size(mut self, bytes: Option<usize>) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Compiles the embedded schemas.
    pub fn build(self) -> Result<Validator, BuildError> {
        Validator::compile(self)
    }
}

impl Validator {
    /// The number of violations reported per body unless
    /// [`ValidatorBuilder::max_errors`] says otherwise.
    pub const DEFAULT_MAX_ERRORS: usize = 100;

    /// A lenient validator with no secret check.
    pub fn new() -> Result<Self, BuildError> {
        Self::builder().build()
    }

    /// Options: strict mode, expected secret.
    pub fn builder() -> ValidatorBuilder {
        ValidatorBuilder::default()
    }

    /// The API version of the schemas ("3.5").
    pub fn api_version(&self) -> &'static str {
        API_VERSION
    }

    /// Whether undocumented properties are violations.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The largest body accepted, if limited.
    pub fn max_body_size(&self) -> Option<usize> {
        self.max_body_size
    }

    fn compile(options: ValidatorBuilder) -> Result<Self, BuildError> {
        let mut docs = Vec::with_capacity(FILES.len());
        for (path, text) in FILES {
            let doc: Value = serde_json::from_str(text).map_err(|e| BuildError {
                file: (*path).to_owned(),
                message: e.to_string(),
            })?;
            let doc = if options.strict {
                strict::close(&doc)
            } else {
                doc
            };
            // After closing: the last `else` of a union must stay open.
            let doc = unions::dispatch(&doc);
            docs.push((*path, doc));
        }
        let resources = docs.iter().map(|(path, doc)| {
            (
                format!("{BASE_URI}{path}"),
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
        let build = |path: &str| -> Result<jsonschema::Validator, BuildError> {
            let doc = docs
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
                .with_registry(&registry)
                .build(doc)
                .map_err(|e| BuildError {
                    file: path.to_owned(),
                    message: e.to_string(),
                })
        };
        let actions = Action::ALL
            .iter()
            .map(|action| build(&format!("actions/{}.json", action.as_str())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            actions,
            any: build("webhook.json")?,
            strict: options.strict,
            secret: options.secret,
            max_errors: options.max_errors,
            max_body_size: options.max_body_size,
        })
    }

    /// Validates a webhook body and, when it is valid, returns it typed.
    ///
    /// On failure the error says where: a JSON pointer with line and column for each schema
    /// violation (not only the first: up to [`ValidatorBuilder::max_errors`], and the count of
    /// the others), line and column for invalid JSON or a duplicate key.
    pub fn validate(&self, bytes: &[u8]) -> Result<Webhook, ValidationError> {
        if let Some(limit) = self.max_body_size.filter(|limit| bytes.len() > *limit) {
            return Err(ValidationError::TooLarge { limit });
        }
        // The tree keeps one value of a duplicate key; the typed parse rejects the body. Both
        // paths say so the same way.
        if let Some(duplicate) = webhooks_types::find_duplicate_key(bytes) {
            let (line, column) = line_column(bytes, duplicate.offset);
            return Err(ValidationError::DuplicateKey {
                key: duplicate.key,
                pointer: duplicate.pointer,
                line,
                column,
            });
        }
        let value = parse(bytes)?;
        let action = self.check(&value, Some(bytes))?;
        Webhook::from_slice_with_unique_keys(bytes).map_err(|typed| {
            ValidationError::Disagreement(Box::new(Disagreement {
                action: action.as_str().to_owned(),
                violations: Violations::default(),
                typed: Some(typed),
            }))
        })
    }

    /// Validates an already parsed body against the schemas only (no typed parse), returning
    /// its action. Violations carry pointers but no line or column. A parsed tree has lost any
    /// duplicate key, which [`Self::validate`] rejects.
    pub fn validate_value(&self, value: &Value) -> Result<Action, ValidationError> {
        self.check(value, None)
    }

    /// The schema checks shared by [`Self::validate`] and [`Self::validate_value`].
    fn check(&self, value: &Value, text: Option<&[u8]>) -> Result<Action, ValidationError> {
        let Some(object) = value.as_object() else {
            return Err(ValidationError::NotAnObject {
                found: kind_of(value),
            });
        };
        if let (Some(expected), Some(Value::String(received))) =
            (&self.secret, object.get("secret_key"))
        {
            if !expected.matches(received) {
                return Err(ValidationError::SecretMismatch);
            }
        }
        let Some(Value::String(name)) = object.get("action") else {
            // No usable action: the dispatching schema says what is wrong with the envelope.
            let found = violations::collect(self.any.iter_errors(value), text, self.max_errors);
            return Err(ValidationError::Invalid(Violations::new(
                found.kept,
                found.omitted,
            )));
        };
        let Some(action) = Action::from_name(name) else {
            return Err(ValidationError::UnknownAction {
                action: name.clone(),
                api_version: API_VERSION,
            });
        };
        let schema = &self.actions[action as usize];
        if schema.is_valid(value) {
            return Ok(action);
        }
        let found = violations::collect(schema.iter_errors(value), text, self.max_errors);
        let violations = Violations::new(found.kept, found.omitted);
        Err(self.rejected(action, value, text, violations))
    }

    /// The error for a body the schema rejects; see [`verdict`].
    fn rejected(
        &self,
        action: Action,
        value: &Value,
        text: Option<&[u8]>,
        violations: Violations,
    ) -> ValidationError {
        verdict(action, violations, || match text {
            Some(text) => Webhook::from_slice_with_unique_keys(text).is_ok(),
            None => serde_json::from_value::<Webhook>(value.clone()).is_ok(),
        })
    }
}

/// [`ValidationError::Invalid`] for a body the schema rejects, or a
/// [`ValidationError::Disagreement`] when a keyword the types also enforce failed and the types
/// (asked through `types_accept`, only then) accept the body anyway.
fn verdict(
    action: Action,
    violations: impl Into<Violations>,
    types_accept: impl FnOnce() -> bool,
) -> ValidationError {
    let violations = violations.into();
    let typed_rules_broken = violations.iter().any(|v| {
        TYPED_KEYWORDS.contains(&v.keyword.as_str())
            || (v.keyword == "format" && v.message.contains("date-time"))
    });
    if typed_rules_broken && types_accept() {
        return ValidationError::Disagreement(Box::new(Disagreement {
            action: action.as_str().to_owned(),
            violations,
            typed: None,
        }));
    }
    ValidationError::Invalid(violations)
}

/// Parses the body, turning a parser error into [`ValidationError::Json`].
fn parse(bytes: &[u8]) -> Result<Value, ValidationError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let (line, column) = if e.line() == 0 {
            line_column(bytes, bytes.len())
        } else {
            (e.line(), e.column().max(1))
        };
        let message = bare_message(&e);
        ValidationError::Json {
            line,
            column,
            message: if bytes.iter().all(u8::is_ascii_whitespace) {
                "empty input".to_owned()
            } else {
                message
            },
        }
    })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
