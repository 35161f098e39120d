//! The Python type of a schema: a definition's name, a `Literal`, a union, a scalar type of
//! `livechat_webhooks._types` with its bounds, a list, a dict, or a class written in place.

use std::collections::BTreeMap;

use super::models::{error, string, Walk};
use super::text;
use crate::json::Json;
use crate::schema::{SchemaError, SchemaSet};

/// A Python type: its base, the `Field` arguments that constrain it, and whether it admits
/// `null` (only a schema that allows any value does).
#[derive(Debug, Clone)]
pub struct Ty {
    /// The type without its constraints.
    pub base: String,
    /// `Field` arguments: bounds, lengths, pattern.
    pub args: Vec<String>,
    /// Whether `null` is one of its values.
    pub nullable: bool,
}

impl Ty {
    fn plain(base: impl Into<String>) -> Self {
        Self {
            base: base.into(),
            args: Vec::new(),
            nullable: false,
        }
    }

    /// The type as one expression: `Annotated[base, Field(args)]`, or `base`.
    pub fn render(&self) -> String {
        if self.args.is_empty() {
            self.base.clone()
        } else {
            format!("Annotated[{}, Field({})]", self.base, self.args.join(", "))
        }
    }
}

/// The tag of a tagged union: a `oneOf` of `$ref`s to object definitions that all require one
/// member fixed by a string `const` (the first such member of the first alternative).
pub fn tag_of(
    set: &SchemaSet,
    definitions: &BTreeMap<String, (String, Json)>,
    file: &str,
    schema: &Json,
) -> Option<String> {
    let Some(Json::Array(alternatives)) = schema.get("oneOf") else {
        return None;
    };
    let mut constants: Vec<Vec<&str>> = Vec::new();
    for alternative in alternatives {
        let target = set.resolve(file, string(alternative, "$ref")?).ok()??;
        let (_, variant) = definitions.get(&target)?;
        let (Some(Json::Array(required)), Some(Json::Object(properties))) =
            (variant.get("required"), variant.get("properties"))
        else {
            return None;
        };
        constants.push(
            properties
                .iter()
                .filter(|(k, v)| {
                    matches!(v.get("const"), Some(Json::String(_)))
                        && required.contains(&Json::String(k.clone()))
                })
                .map(|(k, _)| k.as_str())
                .collect(),
        );
    }
    let first = constants.first()?;
    first
        .iter()
        .find(|k| constants.iter().all(|c| c.contains(k)))
        .map(|k| (*k).to_owned())
}

/// A JSON value as a Python literal, for `Literal[...]`.
fn literal(value: &Json, file: &str, at: &str) -> Result<String, SchemaError> {
    match value {
        Json::String(s) => Ok(text::string(s)),
        Json::Number(n) if !n.contains(['.', 'e', 'E']) => Ok(n.clone()),
        Json::Bool(b) => Ok(if *b { "True" } else { "False" }.to_owned()),
        _ => Err(error(
            file,
            at,
            "only strings, integers and booleans can be constants",
        )),
    }
}

/// `argument=<number>` for each `(schema keyword, pydantic argument)` of `keys` the schema has.
fn bounds(
    schema: &Json,
    keys: &[(&str, &str)],
    file: &str,
    at: &str,
) -> Result<Vec<String>, SchemaError> {
    let mut args = Vec::new();
    for (keyword, argument) in keys {
        match schema.get(keyword) {
            None => {}
            Some(Json::Number(n)) => args.push(format!("{argument}={n}")),
            Some(_) => return Err(error(file, &format!("{at}/{keyword}"), "must be a number")),
        }
    }
    Ok(args)
}

impl Walk<'_> {
    /// The Python type of `schema` (at `at` in `file`); `inline` names the class of an object
    /// with `properties` written in place. A `$ref` writes the definition it names first.
    pub(super) fn annotation(
        &mut self,
        schema: &Json,
        file: &str,
        at: &str,
        inline: &str,
    ) -> Result<Ty, SchemaError> {
        let any = Ty {
            nullable: true,
            ..Ty::plain("Any")
        };
        match schema {
            Json::Bool(true) => return Ok(any),
            Json::Object(_) => {}
            _ => return Err(error(file, at, "a schema must be an object")),
        }
        if let Some(target) = string(schema, "$ref") {
            let name = self
                .set
                .resolve(file, target)
                .map_err(|m| error(file, at, m))?
                .ok_or_else(|| error(file, at, "a `$ref` to a whole file has no Python type"))?;
            self.definition(&name)?;
            let nullable = self.nullable.contains(&name);
            return Ok(Ty {
                nullable,
                ..Ty::plain(name)
            });
        }
        if let Some(value) = schema.get("const") {
            let value = literal(value, file, &format!("{at}/const"))?;
            return Ok(Ty::plain(format!("Literal[{value}]")));
        }
        if let Some(values) = schema.get("enum") {
            let here = format!("{at}/enum");
            let Json::Array(values) = values else {
                return Err(error(file, &here, "must be an array"));
            };
            let values: Vec<String> = values
                .iter()
                .map(|v| literal(v, file, &here))
                .collect::<Result<_, _>>()?;
            return Ok(Ty::plain(format!("Literal[{}]", values.join(", "))));
        }
        if let Some(alternatives) = schema.get("oneOf") {
            let Json::Array(alternatives) = alternatives else {
                return Err(error(file, &format!("{at}/oneOf"), "must be an array"));
            };
            let mut members = Vec::new();
            let mut nullable = false;
            for (i, alternative) in alternatives.iter().enumerate() {
                let (here, inline) = (format!("{at}/oneOf/{i}"), format!("{inline}{}", i + 1));
                let member = self.annotation(alternative, file, &here, &inline)?;
                nullable |= member.nullable;
                members.push(member.render());
            }
            let base = format!("Union[{}]", members.join(", "));
            return Ok(Ty {
                nullable,
                ..Ty::plain(base)
            });
        }
        let kind = match schema.get("type") {
            Some(Json::String(kind)) => kind.as_str(),
            None if schema.get("properties").is_some() => "object",
            None => return Ok(any),
            Some(_) => return Err(error(file, &format!("{at}/type"), "must be one type name")),
        };
        let (base, args) = match kind {
            "string" => {
                let base = match string(schema, "format") {
                    None => "String",
                    Some("date-time") => "DateTime",
                    Some("uri") => "Uri",
                    Some(other) => {
                        return Err(error(file, at, format!("format `{other}` has no type")))
                    }
                };
                let keys = [("minLength", "min_length"), ("maxLength", "max_length")];
                let mut args = bounds(schema, &keys, file, at)?;
                if let Some(pattern) = string(schema, "pattern") {
                    args.push(format!("pattern={}", text::string(pattern)));
                }
                (base.to_owned(), args)
            }
            "integer" | "number" => {
                let base = if kind == "integer" {
                    "Integer"
                } else {
                    "Number"
                };
                let keys = [("minimum", "ge"), ("maximum", "le")];
                (base.to_owned(), bounds(schema, &keys, file, at)?)
            }
            "boolean" => ("Boolean".to_owned(), Vec::new()),
            "array" => {
                let item = match schema.get("items") {
                    Some(items) => {
                        let (here, inline) = (format!("{at}/items"), format!("{inline}Item"));
                        self.annotation(items, file, &here, &inline)?.render()
                    }
                    None => "Any".to_owned(),
                };
                let keys = [("minItems", "min_length"), ("maxItems", "max_length")];
                (format!("List[{item}]"), bounds(schema, &keys, file, at)?)
            }
            "object" if schema.get("properties").is_some() => {
                if self.definitions.contains_key(inline) || self.done.contains(inline) {
                    let message = format!("the class `{inline}` of this object is taken");
                    return Err(error(file, at, message));
                }
                self.class(inline, schema, file, at)?;
                self.done.insert(inline.to_owned());
                (inline.to_owned(), Vec::new())
            }
            "object" => {
                let value = match schema.get("additionalProperties") {
                    Some(sub @ Json::Object(_)) => {
                        let here = format!("{at}/additionalProperties");
                        let inline = format!("{inline}Value");
                        self.annotation(sub, file, &here, &inline)?.render()
                    }
                    _ => "Any".to_owned(),
                };
                let keys = [("minProperties", "min_length")];
                (
                    format!("Dict[str, {value}]"),
                    bounds(schema, &keys, file, at)?,
                )
            }
            other => {
                let message = format!("type `{other}` has no Python type");
                return Err(error(file, &format!("{at}/type"), message));
            }
        };
        Ok(Ty {
            base,
            args,
            nullable: false,
        })
    }
}
