//! The fast path's reader of every type (`impl crate::fast::Fast`), written from the finished
//! syntax tree of a version's types: each type is read as its `Deserialize` impl reads it, so
//! the reader is classified by what that impl is (derived, or which helper of `crate::de` it
//! calls). A type read in a way this module does not know is an error, not a slow reader.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::visit::Visit;

use super::postprocess::{derives, option_inner, rename_of, self_name, serde_words};

/// The `Fast` impls of every type in `file` that implements or derives `Deserialize`.
pub fn readers(file: &syn::File) -> Result<TokenStream, String> {
    let mut deserialize = BTreeMap::new();
    let mut unions = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Impl(item) = item else {
            continue;
        };
        let (Some(name), Some((_, path, _))) = (self_name(&item.self_ty), &item.trait_) else {
            continue;
        };
        match path.segments.last().map(|s| s.ident.to_string()).as_deref() {
            Some("Deserialize") => deserialize.insert(name, item),
            Some("Union") => unions.insert(name, item),
            _ => None,
        };
    }
    let mut impls = TokenStream::new();
    for item in &file.items {
        let (name, body) = match item {
            syn::Item::Struct(item) => {
                let name = item.ident.to_string();
                let body = match deserialize.get(&name) {
                    Some(de) => struct_by_impl(item, &calls(de))?,
                    None if derives(&item.attrs, "Deserialize") => derived_struct(item)?,
                    None => continue,
                };
                (&item.ident, body)
            }
            syn::Item::Enum(item) => {
                let name = item.ident.to_string();
                let body = match deserialize.get(&name) {
                    Some(de) => enum_by_impl(item, &calls(de), unions.get(&name).copied())?,
                    None if derives(&item.attrs, "Deserialize") => string_enum(item)?,
                    None => continue,
                };
                (&item.ident, body)
            }
            _ => continue,
        };
        impls.extend(quote! {
            impl crate::fast::Fast for #name {
                fn read(reader: &mut crate::fast::Reader<'_>) -> ::std::option::Option<Self> {
                    #body
                }
            }
        });
    }
    Ok(impls)
}

/// What a `Deserialize` impl calls: every segment of every called path, every method, and
/// the string literals it names (a union's tag and its values, in order).
#[derive(Default)]
struct Calls {
    names: BTreeSet<String>,
    strings: Vec<String>,
}

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func {
            for segment in &path.path.segments {
                self.names.insert(segment.ident.to_string());
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.names.insert(call.method.to_string());
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        self.strings.push(lit.value());
    }
}

fn calls(item: &syn::ItemImpl) -> Calls {
    let mut calls = Calls::default();
    calls.visit_item_impl(item);
    calls
}

/// The container words of a type's `#[serde(...)]` attributes.
fn container_words(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .flat_map(serde_words)
        .map(|(key, _)| key)
        .collect()
}

/// A struct whose `Deserialize` impl is written out.
fn struct_by_impl(item: &syn::ItemStruct, calls: &Calls) -> Result<TokenStream, String> {
    let name = &item.ident;
    let has = |call: &str| calls.names.contains(call);
    if has("MapOnly") {
        return object(item, has("counting"));
    }
    if has("checked_str") {
        return Ok(quote!(crate::fast::checked_str(reader)));
    }
    if let (syn::Fields::Unnamed(fields), true) = (&item.fields, has("check_rules")) {
        if fields.unnamed.len() == 1 {
            return Ok(quote! {
                let value = Self(crate::fast::Fast::read(reader)?);
                value.check_rules(0).ok()?;
                ::std::option::Option::Some(value)
            });
        }
    }
    Err(format!(
        "`{name}`: no fast reader for its `Deserialize` impl"
    ))
}

/// A struct whose `Deserialize` is derived: only a transparent newtype.
fn derived_struct(item: &syn::ItemStruct) -> Result<TokenStream, String> {
    match &item.fields {
        syn::Fields::Unnamed(fields)
            if fields.unnamed.len() == 1 && container_words(&item.attrs) == ["transparent"] =>
        {
            Ok(quote!(crate::fast::Fast::read(reader).map(Self)))
        }
        _ => Err(format!(
            "`{}`: no fast reader for a derived `Deserialize` of this shape",
            item.ident
        )),
    }
}

/// How a member's value is read and what the struct takes when it is absent.
fn member(field: &syn::Field) -> Result<(String, TokenStream, TokenStream), String> {
    let ident = field.ident.as_ref().ok_or("a named field without a name")?;
    let words: Vec<(String, String)> = field.attrs.iter().flat_map(serde_words).collect();
    let key = rename_of(&field.attrs).unwrap_or_else(|| ident.to_string());
    let default = words.iter().any(|(word, _)| word == "default");
    let with = words
        .iter()
        .find(|(word, _)| word == "deserialize_with")
        .map(|(_, path)| path.as_str());
    if let Some((word, _)) = words.iter().find(|(word, _)| {
        !matches!(
            word.as_str(),
            "default" | "deserialize_with" | "rename" | "skip_serializing_if"
        )
    }) {
        return Err(format!(
            "field `{ident}`: no fast reader for `#[serde({word})]`"
        ));
    }
    let ty = &field.ty;
    let required = quote!(#ident?);
    let or_default = quote!(#ident.unwrap_or_default());
    let absent = if default { or_default } else { required };
    Ok(match with {
        // Optional members whose value, when present, is not `null`.
        Some(
            "crate::de::present"
            | "crate::de::optional_unsigned"
            | "crate::de::optional_signed"
            | "crate::de::checked_present",
        ) => {
            let inner =
                option_inner(ty).ok_or_else(|| format!("field `{ident}` is not an Option"))?;
            let absent = if default {
                quote!(#ident)
            } else {
                quote!(::std::option::Option::Some(#ident?))
            };
            (
                key,
                quote!(<#inner as crate::fast::Fast>::read(reader)?),
                absent,
            )
        }
        Some("crate::de::unsigned" | "crate::de::signed" | "crate::de::checked") => (
            key,
            quote!(<#ty as crate::fast::Fast>::read(reader)?),
            absent,
        ),
        None => match option_inner(ty) {
            // serde's own `Option`: `null` or absent is `None`.
            Some(inner) => (
                key,
                quote! {
                    if reader.null() {
                        ::std::option::Option::None
                    } else {
                        ::std::option::Option::Some(<#inner as crate::fast::Fast>::read(reader)?)
                    }
                },
                quote!(#ident.flatten()),
            ),
            None => (
                key,
                quote!(<#ty as crate::fast::Fast>::read(reader)?),
                absent,
            ),
        },
        Some(other) => return Err(format!("field `{ident}`: no fast reader for `{other}`")),
    })
}

/// A JSON object read member by member into a struct with named fields; with `counted`, the
/// struct's `check_rules` is given the number of members.
fn object(item: &syn::ItemStruct, counted: bool) -> Result<TokenStream, String> {
    let syn::Fields::Named(fields) = &item.fields else {
        return Err(format!(
            "`{}` is read as an object but has no named fields",
            item.ident
        ));
    };
    let words = container_words(&item.attrs);
    if let Some(word) = words
        .iter()
        .find(|w| !matches!(w.as_str(), "remote" | "deny_unknown_fields"))
    {
        return Err(format!(
            "`{}`: no fast reader for `#[serde({word})]`",
            item.ident
        ));
    }
    // A member the struct does not document is an error where serde denies them.
    let other = if words.iter().any(|w| w == "deny_unknown_fields") {
        quote!(return ::std::option::Option::None)
    } else {
        quote!(object.undocumented(reader, key)?)
    };
    let mut idents: Vec<&Ident> = Vec::new();
    let mut keys = Vec::new();
    let mut reads = Vec::new();
    let mut absents = Vec::new();
    for field in &fields.named {
        let (key, read, absent) = member(field)?;
        idents.push(field.ident.as_ref().ok_or("a named field without a name")?);
        keys.push(key);
        reads.push(read);
        absents.push(absent);
    }
    let check = counted.then(|| quote!(value.check_rules(object.members()).ok()?;));
    Ok(quote! {
        #( let mut #idents = ::std::option::Option::None; )*
        let mut object = reader.object()?;
        while let ::std::option::Option::Some(key) = object.key(reader)? {
            match key {
                #( #keys => crate::fast::put(&mut #idents, #reads)?, )*
                _ => #other,
            }
        }
        let value = Self { #( #idents: #absents, )* };
        #check
        ::std::option::Option::Some(value)
    })
}

/// An enum whose `Deserialize` impl is written out: a tagged union or a scalar union.
fn enum_by_impl(
    item: &syn::ItemEnum,
    calls: &Calls,
    union: Option<&syn::ItemImpl>,
) -> Result<TokenStream, String> {
    let name = &item.ident;
    if calls.names.contains("tagged") {
        let union = union.ok_or_else(|| format!("`{name}` is tagged but has no `Union` impl"))?;
        let (tag, values) = calls
            .strings
            .split_first()
            .ok_or_else(|| format!("`{name}`: the tag is not a literal"))?;
        let arms = union_arms(union)?;
        if arms.len() != values.len() {
            return Err(format!(
                "`{name}`: {} tag values, {} variants",
                values.len(),
                arms.len()
            ));
        }
        let (types, variants): (Vec<_>, Vec<_>) = arms.into_iter().unzip();
        return Ok(quote! {
            match &*reader.tag(#tag)? {
                #( #values => <#types as crate::fast::Fast>::read(reader).map(Self::#variants), )*
                _ => ::std::option::Option::None,
            }
        });
    }
    if container_words(&item.attrs) == ["untagged"] {
        return scalar_union(item);
    }
    Err(format!(
        "`{name}`: no fast reader for its `Deserialize` impl"
    ))
}

/// The variant type and name of each arm of a `Union` impl's `read`, in order.
fn union_arms(union: &syn::ItemImpl) -> Result<Vec<(syn::Type, Ident)>, String> {
    #[derive(Default)]
    struct Arms(Vec<(syn::Type, Ident)>);
    impl<'ast> Visit<'ast> for Arms {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            // `<T as Deserialize>::deserialize(deserializer).map(Self::Variant)`
            if let (syn::Expr::Call(inner), Some(syn::Expr::Path(variant))) =
                (&*call.receiver, call.args.first())
            {
                if let syn::Expr::Path(function) = &*inner.func {
                    if let (Some(qself), Some(last)) =
                        (&function.qself, variant.path.segments.last())
                    {
                        self.0.push(((*qself.ty).clone(), last.ident.clone()));
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let mut arms = Arms::default();
    arms.visit_item_impl(union);
    Ok(arms.0)
}

/// An untagged union of scalars, told apart by the JSON type of the value.
fn scalar_union(item: &syn::ItemEnum) -> Result<TokenStream, String> {
    let mut arms = Vec::new();
    for variant in &item.variants {
        let syn::Fields::Unnamed(fields) = &variant.fields else {
            return Err(format!("`{}`: a variant that is not a newtype", item.ident));
        };
        let ty = &fields.unnamed[0].ty;
        let last = self_name(ty).unwrap_or_default();
        let start = match last.as_str() {
            "CompactString" | "Timestamp" => quote!(b'"'),
            "i64" | "u64" => quote!(b'-' | b'0'..=b'9'),
            "bool" => quote!(b't' | b'f'),
            other => {
                return Err(format!(
                    "`{}`: no fast reader for a `{other}` variant",
                    item.ident
                ))
            }
        };
        let variant = &variant.ident;
        arms.push(quote!(#start => <#ty as crate::fast::Fast>::read(reader).map(Self::#variant),));
    }
    Ok(quote! {
        match reader.next_byte()? {
            #( #arms )*
            _ => ::std::option::Option::None,
        }
    })
}

/// An enum of strings with a derived `Deserialize`.
fn string_enum(item: &syn::ItemEnum) -> Result<TokenStream, String> {
    let mut values = Vec::new();
    let mut variants = Vec::new();
    for variant in &item.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            return Err(format!("`{}`: a derived enum with data", item.ident));
        }
        values.push(rename_of(&variant.attrs).unwrap_or_else(|| variant.ident.to_string()));
        variants.push(&variant.ident);
    }
    if !container_words(&item.attrs).is_empty() {
        return Err(format!(
            "`{}`: a string enum with container attributes",
            item.ident
        ));
    }
    Ok(quote! {
        match &*reader.text()? {
            #( #values => ::std::option::Option::Some(Self::#variants), )*
            _ => ::std::option::Option::None,
        }
    })
}
