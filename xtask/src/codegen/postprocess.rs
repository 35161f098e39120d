//! Post-processing of typify's output on the syntax tree (`syn` visitors): object structs read
//! only from JSON objects, optional collections kept as `Option`, no `null` for optional
//! fields, integers read as JSON Schema reads them, and untagged scalar unions dispatched on the
//! JSON type.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::visit_mut::VisitMut;

/// Whether `attrs` hold a `#[derive(...)]` naming `name` (by its last path segment).
pub fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            })
        })
}

/// The words of a `#[serde(...)]` attribute: `(name, string value or "")`, e.g.
/// `("default", "")`, `("skip_serializing_if", "Vec::is_empty")`. Nothing for other attributes.
pub fn serde_words(attr: &syn::Attribute) -> Vec<(String, String)> {
    let mut words = Vec::new();
    if !attr.path().is_ident("serde") {
        return words;
    }
    let parsed = attr.parse_nested_meta(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let value = if meta.input.peek(syn::Token![=]) {
            match meta.value()?.parse::<syn::Expr>()? {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => s.value(),
                _ => String::new(),
            }
        } else {
            String::new()
        };
        words.push((key, value));
        Ok(())
    });
    if parsed.is_err() {
        words.clear();
    }
    words
}

/// The names of a path's segments, in order (`["std", "string", "String"]`).
pub fn path_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The last segment's name of a path type (`Name` of `crate::Name<T>`).
pub fn self_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    Some(path.path.segments.last()?.ident.to_string())
}

/// Whether `item` implements the trait whose last name is `name` (`FromStr`, `Deserialize`).
pub fn implements(item: &syn::ItemImpl, name: &str) -> bool {
    item.trait_
        .as_ref()
        .and_then(|(_, path, _)| path.segments.last())
        .is_some_and(|last| last.ident == name)
}

/// `T` of a type written `Option<T>` (with any path to `Option`).
pub fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a value of `ty` holds a map or any JSON value (`serde_json::Value`, `serde_json::Map`,
/// `BTreeMap`, `HashMap`) anywhere in it: objects the generated structs do not read member by
/// member, so the field reads them through the duplicate-key adapter.
fn holds_map(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    let segments = &path.path.segments;
    let from_serde_json = segments.iter().any(|s| s.ident == "serde_json");
    segments.iter().any(|segment| {
        let map = segment.ident == "BTreeMap"
            || segment.ident == "HashMap"
            || (from_serde_json && (segment.ident == "Value" || segment.ident == "Map"));
        let inner = match &segment.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().any(|arg| match arg {
                syn::GenericArgument::Type(inner) => holds_map(inner),
                _ => false,
            }),
            _ => false,
        };
        map || inner
    })
}

/// The JSON name a field is renamed to (`#[serde(rename = "...")]`), if any.
pub fn rename_of(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .flat_map(serde_words)
        .find(|(key, _)| key == "rename")
        .map(|(_, value)| value)
}

/// Whether a field's type is an `Option`.
pub fn is_option(ty: &syn::Type) -> bool {
    option_inner(ty).is_some()
}

/// The name of a plain path type without generic arguments (`u64`, `String` of
/// `::std::string::String`, `Timestamp` of `crate::Timestamp`).
fn type_name(ty: &syn::Type) -> Option<&'static str> {
    const NAMES: &[&str] = &["u64", "i64", "bool", "String", "Timestamp"];
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if !last.arguments.is_none() {
        return None;
    }
    NAMES.iter().copied().find(|name| last.ident == name)
}

/// Fixes typify's output in place.
pub struct PostProcess<'a> {
    /// One-value enums that type a union tag inside a variant struct.
    pub tag_types: &'a [String],
    /// Structs with named fields whose serde impls are to be written by [`object_impls`].
    pub objects: Vec<Ident>,
}

/// The serde impls of a JSON object struct whose derives were made inherent with
/// `#[serde(remote = "Self")]`: deserializing goes through `crate::de::MapOnly`, so that only a
/// JSON object is read (serde would also take an array of the fields in order), then, when
/// `checked`, through the struct's `check_rules` with the count of the object's members (see
/// `rules.rs` and `checks.rs`).
pub fn object_impls(name: &Ident, checked: bool) -> TokenStream {
    let read = if checked {
        quote! {
            let members = ::std::cell::Cell::new(0);
            let value = #name::deserialize(crate::de::MapOnly::counting(deserializer, &members))?;
            value.check_rules(members.get()).map_err(<D::Error as ::serde::de::Error>::custom)?;
            ::std::result::Result::Ok(value)
        }
    } else {
        quote!(#name::deserialize(crate::de::MapOnly::new(deserializer)))
    };
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #read
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #name::serialize(self, serializer)
            }
        }
    }
}

impl VisitMut for PostProcess<'_> {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        let derives_serde = derives(&item.attrs, "Deserialize");
        if derives_serde && matches!(item.fields, syn::Fields::Named(_)) {
            item.attrs
                .push(syn::parse_quote!(#[serde(remote = "Self")]));
            self.objects.push(item.ident.clone());
        }
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        // Optional arrays and maps: typify drops them when empty; keep them as `Option` so
        // that an empty `[]` or `{}` in the input is written back.
        let mut optional_collection = false;
        for attr in &mut field.attrs {
            let words = serde_words(attr);
            let skips_empty = words
                .iter()
                .any(|(key, value)| key == "skip_serializing_if" && value.ends_with("is_empty"));
            if skips_empty && words.iter().any(|(key, _)| key == "default") {
                optional_collection = true;
                *attr = syn::parse_quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]);
            }
        }
        if optional_collection {
            let ty = field.ty.clone();
            field.ty = syn::parse_quote!(::std::option::Option<#ty>);
        }
        // An optional field may be absent, not `null`: the schemas allow no nulls. Integers
        // are read as JSON Schema reads them (`1.0` is an integer) within the Rust type's range.
        // Maps and any JSON value: their objects are checked for duplicate keys as they are read
        // (the structs check their own).
        let inner = option_inner(&field.ty);
        let reader = match (inner, type_name(inner.unwrap_or(&field.ty))) {
            (None, _) if holds_map(&field.ty) => Some("crate::de::checked"),
            (Some(_), _) if holds_map(&field.ty) => Some("crate::de::checked_present"),
            (None, Some("u64")) => Some("crate::de::unsigned"),
            (None, Some("i64")) => Some("crate::de::signed"),
            (Some(_), Some("u64")) => Some("crate::de::optional_unsigned"),
            (Some(_), Some("i64")) => Some("crate::de::optional_signed"),
            (Some(_), _) => Some("crate::de::present"),
            (None, _) => None,
        };
        if let Some(reader) = reader {
            let optional = inner.is_some();
            let has_default = field
                .attrs
                .iter()
                .any(|a| serde_words(a).iter().any(|(key, _)| key == "default"));
            field.attrs.push(if has_default || !optional {
                syn::parse_quote!(#[serde(deserialize_with = #reader)])
            } else {
                syn::parse_quote!(#[serde(default, deserialize_with = #reader)])
            });
        }
        // The tag of a union variant is required, as the schemas say: the union's deserializer
        // (`crate::de::tagged`) hands the whole object, tag included, to the variant.
        syn::visit_mut::visit_field_mut(self, field);
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        super::strings::read_borrowed(item);
        super::patterns::check_in_code(item);
        syn::visit_mut::visit_item_impl_mut(self, item);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        if self.tag_types.contains(&item.ident.to_string()) && item.variants.len() == 1 {
            item.attrs.push(syn::parse_quote!(#[derive(Default)]));
            if let Some(variant) = item.variants.first_mut() {
                variant.attrs.push(syn::parse_quote!(#[default]));
            }
        }
        syn::visit_mut::visit_item_enum_mut(self, item);
    }
}

/// One kind of JSON scalar a variant of an untagged union holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scalar {
    Signed,
    Unsigned,
    Bool,
    String,
    Timestamp,
}

/// For an untagged enum whose variants each hold a different JSON scalar (e.g. a property
/// value: integer, boolean or string), replaces serde's buffering `untagged` deserializer by
/// one that dispatches on the JSON type, and returns that impl. Serialization stays derived.
pub fn primitive_union_deserializer(item: &mut syn::ItemEnum) -> Option<TokenStream> {
    let untagged = item
        .attrs
        .iter()
        .any(|a| serde_words(a).iter().any(|(key, _)| key == "untagged"));
    if !untagged {
        return None;
    }
    let mut variants = Vec::new();
    for variant in &item.variants {
        let syn::Fields::Unnamed(fields) = &variant.fields else {
            return None;
        };
        let [field] = fields.unnamed.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let scalar = match type_name(&field.ty) {
            Some("i64") => Scalar::Signed,
            Some("u64") => Scalar::Unsigned,
            Some("bool") => Scalar::Bool,
            Some("String") => Scalar::String,
            Some("Timestamp") => Scalar::Timestamp,
            _ => return None,
        };
        variants.push((variant.ident.clone(), scalar));
    }
    let numbers = variants
        .iter()
        .filter(|(_, s)| matches!(s, Scalar::Signed | Scalar::Unsigned))
        .count();
    let strings = variants
        .iter()
        .filter(|(_, s)| matches!(s, Scalar::String | Scalar::Timestamp))
        .count();
    if numbers > 1 || strings > 1 || variants.iter().filter(|(_, s)| *s == Scalar::Bool).count() > 1
    {
        return None;
    }
    // Drop the derived `Deserialize`; keep the others.
    for attr in &mut item.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let paths = attr
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .ok()?;
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Deserialize"))
            .collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    let name = &item.ident;
    let mut expecting = Vec::new();
    let mut methods = Vec::new();
    for (variant, scalar) in &variants {
        match scalar {
            Scalar::Signed | Scalar::Unsigned => {
                // The variant's own integer type, the other one (converted when in range), and
                // a float with no fractional part.
                let (own, own_ty, other, other_ty, unexpected, integral, text) =
                    if *scalar == Scalar::Signed {
                        (
                            quote!(visit_i64),
                            quote!(i64),
                            quote!(visit_u64),
                            quote!(u64),
                            quote!(Unsigned),
                            quote!(crate::de::integral_i64),
                            "an integer",
                        )
                    } else {
                        (
                            quote!(visit_u64),
                            quote!(u64),
                            quote!(visit_i64),
                            quote!(i64),
                            quote!(Signed),
                            quote!(crate::de::integral_u64),
                            "an integer ≥ 0",
                        )
                    };
                expecting.push(text);
                methods.push(quote! {
                    fn #own<E: ::serde::de::Error>(self, v: #own_ty) -> ::std::result::Result<Self::Value, E> {
                        ::std::result::Result::Ok(#name::#variant(v))
                    }
                    fn #other<E: ::serde::de::Error>(self, v: #other_ty) -> ::std::result::Result<Self::Value, E> {
                        #own_ty::try_from(v)
                            .map(#name::#variant)
                            .map_err(|_| E::invalid_value(::serde::de::Unexpected::#unexpected(v), &self))
                    }
                    fn visit_f64<E: ::serde::de::Error>(self, v: f64) -> ::std::result::Result<Self::Value, E> {
                        #integral(v)
                            .map(#name::#variant)
                            .ok_or_else(|| E::invalid_value(::serde::de::Unexpected::Float(v), &self))
                    }
                });
            }
            Scalar::Bool => {
                expecting.push("a boolean");
                methods.push(quote! {
                    fn visit_bool<E: ::serde::de::Error>(self, v: bool) -> ::std::result::Result<Self::Value, E> {
                        ::std::result::Result::Ok(#name::#variant(v))
                    }
                });
            }
            Scalar::String => {
                expecting.push("a string");
                methods.push(quote! {
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> ::std::result::Result<Self::Value, E> {
                        ::std::result::Result::Ok(#name::#variant(v.to_owned()))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, v: ::std::string::String) -> ::std::result::Result<Self::Value, E> {
                        ::std::result::Result::Ok(#name::#variant(v))
                    }
                });
            }
            Scalar::Timestamp => {
                expecting.push("an RFC 3339 date-time");
                methods.push(quote! {
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> ::std::result::Result<Self::Value, E> {
                        v.parse::<crate::Timestamp>().map(#name::#variant).map_err(E::custom)
                    }
                });
            }
        }
    }
    let expecting = match expecting.as_slice() {
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => return None,
    };
    Some(quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    #(#methods)*
                }
                deserializer.deserialize_any(Visitor)
            }
        }
    })
}
