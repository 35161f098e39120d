//! The tagged unions: definitions that are a `oneOf` of objects told apart by one constant
//! property (events, users, filled form fields, auto access changes), found in the schemas and
//! generated as enums tagged like the JSON, each variant holding its named struct.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use serde_json::Value;

use super::render::{ident, pascal};
use crate::schema::{SchemaError, SchemaSet};

/// A union of object definitions told apart by one constant property.
#[derive(Debug, Clone)]
pub struct Union {
    /// Name of the union definition.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The discriminating property.
    pub tag: String,
    /// `(tag value, definition name)` of each variant, in schema order.
    pub variants: Vec<(String, String)>,
}

/// Finds definitions that are a `oneOf` of references to objects sharing a required constant
/// property.
pub fn find_unions(set: &SchemaSet) -> Result<Vec<Union>, SchemaError> {
    let mut unions = Vec::new();
    for (name, def) in &set.definitions {
        let Some(one_of) = def.schema.get("oneOf").and_then(Value::as_array) else {
            continue;
        };
        let mut targets = Vec::new();
        for (i, entry) in one_of.iter().enumerate() {
            let Some(target) = entry.get("$ref").and_then(Value::as_str) else {
                targets.clear();
                break;
            };
            let resolved = set
                .resolve(&def.file, target)
                .map_err(|m| SchemaError {
                    file: def.file.clone(),
                    pointer: format!("/definitions/{name}/oneOf/{i}"),
                    message: m,
                })?
                .unwrap_or_default();
            targets.push(resolved);
        }
        if targets.is_empty() {
            continue;
        }
        // Constant required properties of each variant.
        let consts: Vec<BTreeMap<String, String>> = targets
            .iter()
            .map(|t| constant_properties(set.definition(t).map(|d| &d.schema)))
            .collect();
        let Some(tag) = consts[0]
            .keys()
            .find(|k| consts.iter().all(|c| c.contains_key(*k)))
            .cloned()
        else {
            return Err(SchemaError {
                file: def.file.clone(),
                pointer: format!("/definitions/{name}/oneOf"),
                message: "the variants of a union of references must share a required property fixed with `const`".to_owned(),
            });
        };
        let variants: Vec<(String, String)> = targets
            .iter()
            .zip(&consts)
            .map(|(t, c)| (c[&tag].clone(), t.clone()))
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        for (value, _) in &variants {
            if !seen.insert(value) {
                return Err(SchemaError {
                    file: def.file.clone(),
                    pointer: format!("/definitions/{name}/oneOf"),
                    message: format!("two variants have `{tag}` = `{value}`"),
                });
            }
        }
        unions.push(Union {
            name: name.clone(),
            description: def
                .schema
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            tag,
            variants,
        });
    }
    Ok(unions)
}

fn constant_properties(schema: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(schema) = schema else { return out };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            if let Some(c) = v.get("const").and_then(Value::as_str) {
                if required.contains(&k.as_str()) {
                    out.insert(k.clone(), c.to_owned());
                }
            }
        }
    }
    out
}

/// The enum of a union and its deserializer dispatching on the tag.
pub fn union_tokens(union: &Union) -> TokenStream {
    let name = ident(&union.name);
    let doc = &union.description;
    let tag = &union.tag;
    let variants: Vec<Ident> = union
        .variants
        .iter()
        .map(|(value, _)| ident(&pascal(value)))
        .collect();
    let values: Vec<&String> = union.variants.iter().map(|(v, _)| v).collect();
    let types: Vec<Ident> = union.variants.iter().map(|(_, t)| ident(t)).collect();
    let variant_docs: Vec<String> = union
        .variants
        .iter()
        .map(|(v, t)| format!("`{tag}` = `{v}`: a [`{t}`]."))
        .collect();
    let indices: Vec<usize> = (0..values.len()).collect();
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #variants(#types),
            )*
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                // The variant reads the whole object, its tag included.
                crate::de::tagged(deserializer, #tag, &[ #( #values ),* ])
            }
        }
        impl crate::de::Union for #name {
            fn read<'de, D: ::serde::Deserializer<'de>>(index: usize, deserializer: D) -> ::std::result::Result<Self, D::Error> {
                match index {
                    #( #indices => <#types as ::serde::Deserialize>::deserialize(deserializer).map(Self::#variants), )*
                    _ => ::std::result::Result::Err(<D::Error as ::serde::de::Error>::custom("unknown variant")),
                }
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                // Each variant struct writes its own tag.
                match self {
                    #( Self::#variants(value) => value.serialize(serializer), )*
                }
            }
        }
        impl #name {
            /// The value of the discriminating property.
            pub fn tag(&self) -> &'static str {
                match self {
                    #( Self::#variants(_) => #values, )*
                }
            }
        }
        #(
            impl ::std::convert::From<#types> for #name {
                fn from(value: #types) -> Self {
                    Self::#variants(value)
                }
            }
        )*
    }
}
