//! The compiled validator.

mod compile;

use serde_json::Value;
use webhooks_types::location::{bare_message, line_column};
use webhooks_types::{AnyWebhook, ApiVersion, SecretKey};

use crate::error::{BuildError, Disagreement, ValidationError, Violations};
use crate::violations;
use compile::Compiled;

/// Schema keywords whose every rule the generated types also enforce: JSON types and required
/// members (also those a condition requires), `enum`/`const` values, string `pattern`s
/// (checked with `regress`), `maxLength` (counted in characters), the integer ranges
/// `minimum`/`maximum` (read into `u64`/`i64`), the formats `date-time` and `uri`, and the rules
/// the generator writes as `check_rules` (array lengths, member counts, members that exclude or
/// need each other). Only strict mode's `additionalProperties` is left to the schemas, and a
/// strict validator always walks them. When a keyword of this list fails and the types accept,
/// the two disagree.
pub(crate) const TYPED_KEYWORDS: &[&str] = &[
    "type",
    "required",
    "enum",
    "const",
    "pattern",
    "maxLength",
    "minimum",
    "maximum",
    "format",
    "minItems",
    "maxItems",
    "minProperties",
    "not",
    "dependencies",
];

/// Validates LiveChat webhook bodies against the schemas of one API version
/// ([`ValidatorBuilder::api_version`], LiveChat's current stable version by default). Each
/// schema is compiled the first time a body needs it, then kept.
///
/// One instance serves any number of threads (`Validator` is `Send + Sync`).
///
/// ```
/// use webhooks_validate::{ApiVersion, ValidationError, Validator};
///
/// let validator = Validator::builder()
///     .api_version(ApiVersion::V3_6)
///     .secret_key("s3cret")
///     .build()?;
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
    version: ApiVersion,
    compiled: Compiled,
    strict: bool,
    secret: Option<SecretKey>,
    max_errors: usize,
    max_body_size: Option<usize>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("api_version", &self.version)
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
    version: ApiVersion,
    precompile: bool,
    strict: bool,
    secret: Option<SecretKey>,
    max_errors: usize,
    max_body_size: Option<usize>,
}

impl Default for ValidatorBuilder {
    fn default() -> Self {
        Self {
            version: ApiVersion::STABLE,
            precompile: false,
            strict: false,
            secret: None,
            max_errors: Validator::DEFAULT_MAX_ERRORS,
            max_body_size: None,
        }
    }
}

impl ValidatorBuilder {
    /// The API version whose schemas bodies are checked against; LiveChat's current stable
    /// version ([`ApiVersion::STABLE`]) by default.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// Compiles every schema in [`Self::build`] instead of each on first use: a long-lived
    /// service pays the set-up once, before its first body, and learns of a schema that does
    /// not compile at start. Off by default, so that a short process checking one body
    /// compiles only that body's schema.
    pub fn precompile(mut self, precompile: bool) -> Self {
        self.precompile = precompile;
        self
    }

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

    /// The validator. Schemas are compiled on first use unless [`Self::precompile`] is set.
    pub fn build(self) -> Result<Validator, BuildError> {
        let validator = Validator {
            version: self.version,
            compiled: Compiled::new(self.version, self.strict),
            strict: self.strict,
            secret: self.secret,
            max_errors: self.max_errors,
            max_body_size: self.max_body_size,
        };
        if self.precompile {
            validator.compiled.all()?;
        }
        Ok(validator)
    }
}

impl Validator {
    /// The number of violations reported per body unless
    /// [`ValidatorBuilder::max_errors`] says otherwise.
    pub const DEFAULT_MAX_ERRORS: usize = 100;

    /// A lenient validator of the current stable version with no secret check.
    pub fn new() -> Result<Self, BuildError> {
        Self::builder().build()
    }

    /// Options: strict mode, expected secret.
    pub fn builder() -> ValidatorBuilder {
        ValidatorBuilder::default()
    }

    /// The API version of the schemas.
    pub fn api_version(&self) -> ApiVersion {
        self.version
    }

    /// Whether undocumented properties are violations.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The largest body accepted, if limited.
    pub fn max_body_size(&self) -> Option<usize> {
        self.max_body_size
    }

    /// Validates a webhook body and, when it is valid, returns it typed.
    ///
    /// A lenient validator reads a body once, into the types, which check every rule of the
    /// schemas; only a body they reject is parsed again and walked through its schema, so that
    /// the error says where: a JSON pointer with line and column for each schema violation (not
    /// only the first: up to [`ValidatorBuilder::max_errors`], and the count of the others),
    /// line and column for invalid JSON or a duplicate key. A strict validator always walks the
    /// schema, which alone knows which members are documented.
    pub fn validate(&self, bytes: &[u8]) -> Result<AnyWebhook, ValidationError> {
        if let Some(limit) = self.max_body_size.filter(|limit| bytes.len() > *limit) {
            return Err(ValidationError::TooLarge { limit });
        }
        if !self.strict {
            if let Some(valid) = self.typed_only(bytes) {
                return valid;
            }
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
        self.version.parse(bytes).map_err(|typed| {
            ValidationError::Disagreement(Box::new(Disagreement {
                action: action.to_owned(),
                violations: Violations::default(),
                typed: Some(typed),
            }))
        })
    }

    /// The verdict of the types alone, when they accept the body (a known action): the body is
    /// valid, but for its secret. `None` sends the body down the schema walk.
    fn typed_only(&self, bytes: &[u8]) -> Option<Result<AnyWebhook, ValidationError>> {
        let webhook = self
            .version
            .parse(bytes)
            .ok()
            .filter(AnyWebhook::is_typed)?;
        Some(match &self.secret {
            Some(expected) if !webhook.verify_secret(expected.expose()) => {
                Err(ValidationError::SecretMismatch)
            }
            _ => Ok(webhook),
        })
    }

    /// Validates an already parsed body against the schemas only (no typed parse), returning
    /// its action's name. Violations carry pointers but no line or column. A parsed tree has
    /// lost any duplicate key, which [`Self::validate`] rejects.
    pub fn validate_value<'v>(&self, value: &'v Value) -> Result<&'v str, ValidationError> {
        self.check(value, None)
    }

    /// The schema checks shared by [`Self::validate`] and [`Self::validate_value`].
    fn check<'v>(&self, value: &'v Value, text: Option<&[u8]>) -> Result<&'v str, ValidationError> {
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
            let any = self.compiled.any().map_err(ValidationError::Build)?;
            let found = violations::collect(any.iter_errors(value), text, self.max_errors);
            return Err(ValidationError::Invalid(Violations::new(
                found.kept,
                found.omitted,
            )));
        };
        let Some(schema) = self.compiled.action(name) else {
            return Err(ValidationError::UnknownAction {
                action: name.clone(),
                api_version: self.version,
                elsewhere: self.version.whereabouts(name),
            });
        };
        let schema = schema.map_err(ValidationError::Build)?;
        if schema.is_valid(value) {
            return Ok(name);
        }
        let found = violations::collect(schema.iter_errors(value), text, self.max_errors);
        let violations = Violations::new(found.kept, found.omitted);
        Err(self.rejected(name, value, text, violations))
    }

    /// The error for a body the schema rejects; see [`verdict`].
    fn rejected(
        &self,
        action: &str,
        value: &Value,
        text: Option<&[u8]>,
        violations: Violations,
    ) -> ValidationError {
        verdict(action, violations, || match text {
            Some(text) => self.version.parse(text).is_ok(),
            None => self.version.from_value(value.clone()).is_ok(),
        })
    }
}

/// [`ValidationError::Invalid`] for a body the schema rejects, or a
/// [`ValidationError::Disagreement`] when a keyword the types also enforce failed and the types
/// (asked through `types_accept`, only then) accept the body anyway.
fn verdict(
    action: &str,
    violations: impl Into<Violations>,
    types_accept: impl FnOnce() -> bool,
) -> ValidationError {
    let violations = violations.into();
    let typed_rules_broken = violations
        .iter()
        .any(|v| TYPED_KEYWORDS.contains(&v.keyword.as_str()));
    if typed_rules_broken && types_accept() {
        return ValidationError::Disagreement(Box::new(Disagreement {
            action: action.to_owned(),
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
