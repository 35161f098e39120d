//! The typify stage: the definitions rewritten into the form typify reads, converted, then
//! post-processed on the syntax tree and completed with the unions and string enums typify
//! cannot name.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use serde_json::{Map, Value};
use syn::visit_mut::VisitMut;
use typify::{TypeSpace, TypeSpaceImpl, TypeSpaceSettings};

use super::postprocess::{object_impls, primitive_union_deserializer, PostProcess};
use super::render::{catch_quietly, ident, pascal, HEADER};
use super::unions::{union_tokens, Union};
use super::{checks, rules};
use crate::schema::{refs_in, SchemaError, SchemaSet};

/// Definitions replaced by hand-written types of the crate.
const HAND_WRITTEN: &[(&str, &str)] = &[
    ("Timestamp", "crate::Timestamp"),
    ("SecretKey", "crate::SecretKey"),
    (NUMBER, "::serde_json::Number"),
];

/// The definition every `"type": "number"` below the top refers to once rewritten: it becomes
/// `serde_json::Number`, which keeps an integer an integer (`2` is written back `2`, not `2.0`)
/// and reads any JSON number.
const NUMBER: &str = "Number";

/// Rewrites a definition into the form handed to typify: local references, no keywords that
/// only validate, `const` strings as one-value enums, and every date-time string below the top
/// a reference to `Timestamp` (the crate's own type, which keeps the text as received).
fn for_typify(value: &Value) -> Value {
    rewrite_for_typify(value, true)
}

fn rewrite_for_typify(value: &Value, top: bool) -> Value {
    let for_typify = |v: &Value| rewrite_for_typify(v, false);
    match value {
        Value::Object(map) if !top && map.get("type").and_then(Value::as_str) == Some("number") => {
            let mut out = Map::new();
            out.insert(
                "$ref".to_owned(),
                Value::String(format!("#/definitions/{NUMBER}")),
            );
            if let Some(description) = map.get("description") {
                out.insert("description".to_owned(), description.clone());
            }
            Value::Object(out)
        }
        Value::Object(map)
            if !top && map.get("format").and_then(Value::as_str) == Some("date-time") =>
        {
            let mut out = Map::new();
            out.insert(
                "$ref".to_owned(),
                Value::String("#/definitions/Timestamp".to_owned()),
            );
            if let Some(description) = map.get("description") {
                out.insert("description".to_owned(), description.clone());
            }
            Value::Object(out)
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    // Keywords that only validate; a condition's `required` members stay
                    // optional in the type.
                    "not" | "if" | "then" | "dependencies" | "minProperties" | "x-group"
                    | "$id" | "$schema" | "title" => {}
                    "$ref" => {
                        let target = v.as_str().unwrap_or_default();
                        let name = target.rsplit('/').next().unwrap_or_default();
                        out.insert(k.clone(), Value::String(format!("#/definitions/{name}")));
                    }
                    "const" if v.is_string() => {
                        out.insert("type".to_owned(), Value::String("string".to_owned()));
                        out.insert("enum".to_owned(), Value::Array(vec![v.clone()]));
                    }
                    "properties" | "definitions" => {
                        let inner = v
                            .as_object()
                            .map(|m| {
                                m.iter()
                                    .map(|(name, s)| (name.clone(), for_typify(s)))
                                    .collect::<Map<_, _>>()
                            })
                            .unwrap_or_default();
                        out.insert(k.clone(), Value::Object(inner));
                    }
                    _ => {
                        out.insert(k.clone(), for_typify(v));
                    }
                }
            }
            // A `$ref` with siblings: keep only the reference (draft-07 ignores the rest) and
            // the description.
            if out.contains_key("$ref") {
                out.retain(|k, _| k == "$ref" || k == "description");
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(for_typify).collect()),
        other => other.clone(),
    }
}

/// The `Timestamp` definition a set without one gets, so that its date-time strings have a type
/// to refer to (replaced by `crate::Timestamp` like the written one).
fn implied_timestamp() -> Value {
    serde_json::json!({"type": "string", "format": "date-time"})
}

/// The `types.rs` module: every definition as a Rust type.
pub fn generate_types(set: &SchemaSet, unions: &[Union]) -> Result<String, SchemaError> {
    let mut settings = TypeSpaceSettings::default();
    settings.with_derive("PartialEq".to_owned());
    settings.with_map_type(
        "::std::collections::BTreeMap"
            .parse::<typify::MapType>()
            .map_err(output_error)?,
    );
    for (name, path) in HAND_WRITTEN {
        settings.with_replacement(
            *name,
            *path,
            [TypeSpaceImpl::Display, TypeSpaceImpl::FromStr].into_iter(),
        );
    }
    for union in unions {
        settings.with_replacement(&union.name, &union.name, std::iter::empty());
    }
    let clashing = clashing_enums(set);
    for (name, _, _) in &clashing {
        settings.with_replacement(
            name,
            name,
            [TypeSpaceImpl::Display, TypeSpaceImpl::FromStr].into_iter(),
        );
    }
    let mut space = TypeSpace::new(&settings);
    let mut defs = Vec::new();
    for (name, def) in &set.definitions {
        let schema: schemars::schema::Schema = serde_json::from_value(for_typify(&def.schema))
            .map_err(|e| SchemaError {
                file: def.file.clone(),
                pointer: format!("/definitions/{name}"),
                message: format!("not a schema typify can read: {e}"),
            })?;
        defs.push((name.clone(), schema));
    }
    if !set.definitions.contains_key("Timestamp") {
        let schema = serde_json::from_value(implied_timestamp())
            .map_err(|e| output_error(format!("the implied Timestamp definition: {e}")))?;
        defs.push(("Timestamp".to_owned(), schema));
    }
    if !set.definitions.contains_key(NUMBER) {
        let schema = serde_json::from_value(serde_json::json!({"type": "number"}))
            .map_err(|e| output_error(format!("the implied {NUMBER} definition: {e}")))?;
        defs.push((NUMBER.to_owned(), schema));
    }
    // Report references to names that do not exist before typify sees them.
    for (name, def) in &set.definitions {
        let mut refs = Vec::new();
        refs_in(&def.schema, &mut refs);
        if let Some(missing) = refs.iter().find(|r| !set.definitions.contains_key(*r)) {
            return Err(SchemaError {
                file: def.file.clone(),
                pointer: format!("/definitions/{name}"),
                message: format!("reference to unknown definition `{missing}`"),
            });
        }
    }
    // typify reports some problems by panicking; turn those into errors too.
    let stream = match catch_quietly(|| space.add_ref_types(defs).map(|()| space.to_stream())) {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(output_error(format!("typify: {e}"))),
        Err(message) => {
            return Err(output_error(format!(
                "typify cannot convert the schemas: {message}"
            )));
        }
    };
    let mut file: syn::File = syn::parse2(stream)
        .map_err(|e| output_error(format!("typify produced code that does not parse: {e}")))?;

    let mut tag_types = Vec::new();
    for union in unions {
        for (_, variant) in &union.variants {
            tag_types.push(format!("{variant}{}", pascal(&union.tag)));
        }
    }
    let mut fix = PostProcess {
        tag_types: &tag_types,
        objects: Vec::new(),
    };
    fix.visit_file_mut(&mut file);
    let checked = checked_structs(set, &mut file)?;
    for name in &fix.objects {
        let is_checked = checked.contains(&name.to_string());
        let extra: syn::File = syn::parse2(object_impls(name, is_checked))
            .map_err(|e| output_error(format!("the serde impls of `{name}` do not parse: {e}")))?;
        file.items.extend(extra.items);
    }
    let mut direct = Vec::new();
    for item in &mut file.items {
        if let syn::Item::Enum(item) = item {
            if let Some(tokens) = primitive_union_deserializer(item) {
                direct.push(tokens);
            }
        }
    }
    for tokens in direct {
        let extra: syn::File = syn::parse2(tokens).map_err(|e| {
            output_error(format!(
                "a primitive union deserializer does not parse: {e}"
            ))
        })?;
        file.items.extend(extra.items);
    }
    for (name, description, values) in &clashing {
        let extra: syn::File = syn::parse2(string_enum_tokens(name, description, values))
            .map_err(|e| output_error(format!("enum `{name}` does not parse: {e}")))?;
        file.items.extend(extra.items);
    }
    for union in unions {
        let tokens = union_tokens(union);
        let extra: syn::File = syn::parse2(tokens)
            .map_err(|e| output_error(format!("union `{}` does not parse: {e}", union.name)))?;
        file.items.extend(extra.items);
    }
    super::compact::compact_strings(&mut file);
    let readers: syn::File = syn::parse2(super::fast::readers(&file).map_err(output_error)?)
        .map_err(|e| output_error(format!("the fast readers do not parse: {e}")))?;
    file.items.extend(readers.items);
    Ok(format!(
        "{HEADER}//! Types of the payloads and of every structure they contain.\n\n{}",
        prettyplease::unparse(&file)
    ))
}

/// String enums whose values collide once turned into Rust names (e.g. `accepting chats` and
/// `accepting_chats`): `(name, description, values)`. typify cannot name their variants.
fn clashing_enums(set: &SchemaSet) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for (name, def) in &set.definitions {
        let Some(values) = def.schema.get("enum").and_then(Value::as_array) else {
            continue;
        };
        let values: Vec<String> = values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let mut names: Vec<String> = values.iter().map(|v| pascal(v)).collect();
        names.sort();
        names.dedup();
        if names.len() != values.len() {
            let description = def
                .schema
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            out.push((name.clone(), description, values));
        }
    }
    out
}

/// Rust names for string values that may differ only by separator: the first spelling gets
/// the plain name, a later one with underscores gets `Underscored` appended.
fn variant_names(values: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for value in values {
        let plain = pascal(value);
        let name = if names.contains(&plain) {
            format!("{plain}Underscored")
        } else {
            plain
        };
        names.push(name);
    }
    names
}

fn string_enum_tokens(name: &str, description: &str, values: &[String]) -> TokenStream {
    let ty = ident(name);
    let variants: Vec<Ident> = variant_names(values).iter().map(|n| ident(n)).collect();
    let docs: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    quote! {
        #[doc = #description]
        #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
        pub enum #ty {
            #( #[doc = #docs] #[serde(rename = #values)] #variants, )*
        }
        impl #ty {
            /// The value on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { #( Self::#variants => #values, )* }
            }
        }
        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for #ty {
            type Err = self::error::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                match value {
                    #( #values => ::std::result::Result::Ok(Self::#variants), )*
                    _ => ::std::result::Result::Err("invalid value".into()),
                }
            }
        }
    }
}

/// Adds to `file` the `check_rules` of every struct whose definition has rules the type's shape
/// cannot say (read by [`rules`], written by [`checks`]), and gives a checked newtype its own
/// `Deserialize`. Returns the named object structs that are checked (their `Deserialize` is
/// written by `object_impls`).
fn checked_structs(set: &SchemaSet, file: &mut syn::File) -> Result<Vec<String>, SchemaError> {
    let all = rules::collect(set)?;
    let mut extra = Vec::new();
    let mut checked = Vec::new();
    for (name, rules) in &all {
        let def = &set.definitions[name];
        let error = |message: String| SchemaError {
            file: def.file.clone(),
            pointer: format!("/definitions/{name}"),
            message,
        };
        let item = file.items.iter_mut().find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        });
        let Some(item) = item else {
            return Err(error(format!(
                "`{name}` has rules for its type to check, but is not a generated struct"
            )));
        };
        extra.push(checks::check_impl(item, rules).map_err(error)?);
        match &item.fields {
            syn::Fields::Named(_) => checked.push(name.clone()),
            syn::Fields::Unnamed(fields) => {
                let inner = fields.unnamed.first().map(|f| f.ty.clone());
                drop_derive(&mut item.attrs, "Deserialize");
                let ident = &item.ident;
                extra.push(quote! {
                    impl<'de> ::serde::Deserialize<'de> for #ident {
                        fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                            let value = #ident(<#inner as ::serde::Deserialize>::deserialize(deserializer)?);
                            value.check_rules(0).map_err(<D::Error as ::serde::de::Error>::custom)?;
                            ::std::result::Result::Ok(value)
                        }
                    }
                });
            }
            syn::Fields::Unit => return Err(error(format!("`{name}` is a unit struct"))),
        }
    }
    for tokens in extra {
        let items: syn::File = syn::parse2(tokens)
            .map_err(|e| output_error(format!("the rule checks do not parse: {e}")))?;
        file.items.extend(items.items);
    }
    Ok(checked)
}

/// Removes `name` from the `#[derive(...)]` lists of `attrs`.
fn drop_derive(attrs: &mut [syn::Attribute], name: &str) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != name))
            .collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
}

/// An error of the generator's output, not of one schema file.
fn output_error(message: String) -> SchemaError {
    SchemaError {
        file: String::new(),
        pointer: String::new(),
        message,
    }
}
