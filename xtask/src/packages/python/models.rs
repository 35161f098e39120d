//! The models of one version's schemas: a walk writing one pydantic class per object structure
//! and one alias per other named type, each after the definitions it names (no forward
//! reference), then one envelope class per action.

use std::collections::{BTreeMap, BTreeSet};

use super::text;
use super::types::{tag_of, Ty};
use crate::json::Json;
use crate::schema::{escape, SchemaError, SchemaSet};

/// The names the generated module imports: no definition may take one, and a field that would
/// shadow one is renamed.
pub const IMPORTED: &[&str] = &[
    "Annotated",
    "Any",
    "Boolean",
    "DateTime",
    "Dict",
    "Field",
    "Integer",
    "List",
    "Literal",
    "Model",
    "NotNull",
    "Number",
    "Optional",
    "String",
    "Tuple",
    "TypeAdapter",
    "Union",
    "UnknownWebhook",
    "Uri",
];

/// Widest line the generator writes, but for long string literals.
pub const WIDTH: usize = 100;

/// The classes and aliases of one version, and the public names they define, in order.
#[derive(Debug, Default)]
pub struct Models {
    /// The definitions' text, each block starting with two blank lines.
    pub text: String,
    /// The names defined, in order.
    pub names: Vec<String>,
    /// The envelope class of each action, in the documentation's order: `(action, class)`.
    pub envelopes: Vec<(String, String)>,
}

/// The walk over one schema set.
pub struct Walk<'a> {
    pub(super) set: &'a SchemaSet,
    /// Every definition: its file and its schema with members in written order.
    pub(super) definitions: BTreeMap<String, (String, Json)>,
    /// The tag of each tagged union (a `oneOf` of objects told apart by one constant member).
    tags: BTreeMap<String, String>,
    /// Names already written, and the definitions being written (a cycle is an error).
    pub(super) done: BTreeSet<String>,
    active: Vec<String>,
    /// The definitions whose schema admits `null`.
    pub(super) nullable: BTreeSet<String>,
    out: Models,
}

/// Writes the models of `set`: the envelope of each action in the documentation's order, each
/// after what it names, then the definitions no action reaches, by name.
pub fn generate(set: &SchemaSet) -> Result<Models, SchemaError> {
    let mut definitions = BTreeMap::new();
    let mut roots = BTreeMap::new();
    for file in &set.files {
        let doc = crate::json::parse(&file.text).map_err(|e| error(&file.rel, "", e))?;
        if let Some(Json::Object(members)) = doc.get("definitions") {
            for (name, schema) in members {
                definitions.insert(name.clone(), (file.rel.clone(), schema.clone()));
            }
        }
        roots.insert(file.rel.clone(), doc);
    }
    let tags = definitions
        .iter()
        .filter_map(|(name, (file, schema))| {
            tag_of(set, &definitions, file, schema).map(|tag| (name.clone(), tag))
        })
        .collect();
    let mut walk = Walk {
        set,
        definitions,
        tags,
        done: BTreeSet::new(),
        active: Vec::new(),
        nullable: BTreeSet::new(),
        out: Models::default(),
    };
    for action in set.actions()? {
        let rel = format!("actions/{}.json", action.name);
        let class = format!("{}Webhook", text::pascal(&action.name));
        if walk.definitions.contains_key(&class) {
            return Err(error(
                &rel,
                "",
                format!("the class `{class}` is also a definition"),
            ));
        }
        walk.class(&class, &roots[&rel], &rel, "")?;
        walk.out.envelopes.push((action.name.clone(), class));
    }
    let names: Vec<String> = walk.definitions.keys().cloned().collect();
    for name in names {
        walk.definition(&name)?;
    }
    Ok(walk.out)
}

/// An error at `pointer` of `file`.
pub fn error(file: &str, pointer: &str, message: impl ToString) -> SchemaError {
    SchemaError {
        file: file.to_owned(),
        pointer: pointer.to_owned(),
        message: message.to_string(),
    }
}

/// The string member `key` of a schema.
pub fn string<'j>(schema: &'j Json, key: &str) -> Option<&'j str> {
    match schema.get(key) {
        Some(Json::String(s)) => Some(s),
        _ => None,
    }
}

/// The documentation of a schema: its description, else its title.
fn doc(schema: &Json) -> Option<&str> {
    string(schema, "description").or_else(|| string(schema, "title"))
}

impl Walk<'_> {
    /// Writes the definition `name` (after what it names) unless it is written already.
    pub(super) fn definition(&mut self, name: &str) -> Result<(), SchemaError> {
        if self.done.contains(name) {
            return Ok(());
        }
        let (file, schema) = self
            .definitions
            .get(name)
            .cloned()
            .ok_or_else(|| error("", "", format!("no definition `{name}`")))?;
        let at = format!("/definitions/{}", escape(name));
        if self.active.iter().any(|a| a == name) {
            return Err(error(
                &file,
                &at,
                "a definition that contains itself has no model",
            ));
        }
        if !text::is_type_name(name) || IMPORTED.contains(&name) {
            return Err(error(
                &file,
                &at,
                format!("`{name}` cannot name a Python type"),
            ));
        }
        self.active.push(name.to_owned());
        if let Some(tag) = self.tags.get(name).cloned() {
            let Some(Json::Array(alternatives)) = schema.get("oneOf") else {
                return Err(error(&file, &at, "a tagged union without `oneOf`"));
            };
            let mut members = String::new();
            for (i, alternative) in alternatives.iter().enumerate() {
                let here = format!("{at}/oneOf/{i}");
                let member = self.annotation(alternative, &file, &here, name)?;
                members.push_str(&format!("        {},\n", member.render()));
            }
            let discriminator = text::string(&tag);
            let union = format!(
                "Annotated[\n    Union[\n{members}    ],\n    Field(discriminator={discriminator}),\n]"
            );
            self.alias(name, &union, doc(&schema));
        } else if schema.get("properties").is_some() {
            self.class(name, &schema, &file, &at)?;
        } else {
            let ty = self.annotation(&schema, &file, &at, name)?;
            if ty.nullable {
                self.nullable.insert(name.to_owned());
            }
            self.alias(name, &ty.render(), doc(&schema));
        }
        self.active.pop();
        self.done.insert(name.to_owned());
        Ok(())
    }

    fn alias(&mut self, name: &str, annotation: &str, doc: Option<&str>) {
        self.out
            .text
            .push_str(&format!("\n\n{name} = {annotation}\n"));
        if let Some(doc) = doc {
            self.out.text.push_str(&text::docstring(doc, 0, WIDTH));
        }
        self.out.names.push(name.to_owned());
    }

    /// Writes the class `name` of an object schema with `properties`: a field per member, in
    /// written order, required or `None` when absent (and then never `null` unless the
    /// member's schema admits it).
    pub(super) fn class(
        &mut self,
        name: &str,
        schema: &Json,
        file: &str,
        at: &str,
    ) -> Result<(), SchemaError> {
        let required: Vec<&Json> = match schema.get("required") {
            Some(Json::Array(names)) => names.iter().collect(),
            _ => Vec::new(),
        };
        let Some(Json::Object(properties)) = schema.get("properties") else {
            return Err(error(file, at, "`properties` must be an object"));
        };
        if let Some(Json::Object(_)) = schema.get("additionalProperties") {
            let message = "an object with `properties` and a schema for other members";
            return Err(error(file, at, format!("{message} has no model")));
        }
        let mut taken: Vec<String> = IMPORTED.iter().map(|s| (*s).to_owned()).collect();
        taken.extend(self.definitions.keys().cloned());
        let taken: Vec<&str> = taken.iter().map(String::as_str).collect();
        let mut fields = String::new();
        let mut attributes = BTreeSet::new();
        for (member, sub) in properties {
            let here = format!("{at}/properties/{}", escape(member));
            let inline = format!("{name}{}", text::pascal(member));
            let ty = self.annotation(sub, file, &here, &inline)?;
            let (attribute, alias) = text::attribute(member, &taken);
            if !attributes.insert(attribute.clone()) {
                let message = format!("two members would be the attribute `{attribute}`");
                return Err(error(file, &here, message));
            }
            let required = required.contains(&&Json::String(member.clone()));
            fields.push_str(&field(
                &attribute,
                alias,
                &ty,
                required,
                string(sub, "description"),
            ));
        }
        let mut block = format!("\n\nclass {name}(Model):\n");
        block.push_str(&text::docstring(doc(schema).unwrap_or(name), 4, WIDTH));
        if !fields.is_empty() {
            block.push('\n');
            block.push_str(&fields);
        }
        self.out.text.push_str(&block);
        self.out.names.push(name.to_owned());
        Ok(())
    }
}

/// The line (or lines, past [`WIDTH`]) declaring one field.
fn field(
    attribute: &str,
    alias: Option<String>,
    ty: &Ty,
    required: bool,
    description: Option<&str>,
) -> String {
    let mut args = ty.args.clone();
    if let Some(alias) = alias {
        args.push(format!("alias={}", text::string(&alias)));
    }
    if let Some(description) = description {
        args.push(format!("description={}", text::string(description)));
    }
    let mut parts = Vec::new();
    match (required, ty.nullable) {
        (true, _) => parts.push(ty.base.clone()),
        // A schema that admits `null` may be given `null`; no other may.
        (false, true) => parts.push(format!("Optional[{}]", ty.base)),
        (false, false) => {
            parts.extend([format!("Optional[{}]", ty.base), "NotNull".to_owned()]);
        }
    }
    if !args.is_empty() {
        parts.push(format!("Field({})", args.join(", ")));
    }
    let default = if required { "" } else { " = None" };
    let line = match parts.as_slice() {
        [only] => format!("    {attribute}: {only}{default}\n"),
        _ => format!(
            "    {attribute}: Annotated[{}]{default}\n",
            parts.join(", ")
        ),
    };
    if parts.len() == 1 || line.chars().count() <= WIDTH + 1 {
        return line;
    }
    let mut out = format!("    {attribute}: Annotated[\n");
    for part in &parts {
        out.push_str(&format!("        {part},\n"));
    }
    out.push_str(&format!("    ]{default}\n"));
    out
}
