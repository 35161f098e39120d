//! The strings the generated types hold are `crate::CompactString` (compact_str's, re-exported by
//! `webhooks-types`), not `String`: text of up to 24 bytes is kept inline, so reading one of
//! the many short ids, names and values of a body allocates nothing.
//!
//! A rewrite of the finished syntax tree: the type `::std::string::String` is replaced where a
//! type holds it (struct fields, enum variants, a newtype's `Deref` target); the code that
//! builds those values from a `String` or `&str` converts with `.into()`; a newtype still
//! converts into a `String`. Parameters of functions keep `String` (`TryFrom<String>`, serde's
//! `visit_string`).

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;

use super::postprocess::{path_names, self_name};

/// Rewrites every string `file`'s types hold into `crate::CompactString`.
pub fn compact_strings(file: &mut syn::File) {
    let mut rewrite = Compact {
        constructors: string_constructors(file),
        holders: holders(file),
        self_name: None,
    };
    rewrite.visit_file_mut(file);
}

/// Whether `ty` is `String` (written `::std::string::String`, `std::string::String` or
/// `String`).
fn is_string(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    let names = path_names(&path.path);
    path.path.segments.iter().all(|s| s.arguments.is_none())
        && (names == ["String"] || names == ["std", "string", "String"])
}

/// The newtypes that hold a string deeper than their field's own type (a map with string keys):
/// all their conversions change type with it.
fn holders(file: &syn::File) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for item in &file.items {
        if let syn::Item::Struct(item) = item {
            if let syn::Fields::Unnamed(fields) = &item.fields {
                if fields.unnamed.len() == 1 && holds_string(&fields.unnamed[0].ty) {
                    names.insert(item.ident.to_string());
                }
            }
        }
    }
    names
}

/// The constructors that take one string: newtypes (`Name`) and variants (`Enum::Variant`).
fn string_constructors(file: &syn::File) -> BTreeSet<String> {
    let one_string = |fields: &syn::Fields| match fields {
        syn::Fields::Unnamed(fields) => {
            fields.unnamed.len() == 1 && is_string(&fields.unnamed[0].ty)
        }
        _ => false,
    };
    let mut names = BTreeSet::new();
    for item in &file.items {
        match item {
            syn::Item::Struct(item) if one_string(&item.fields) => {
                names.insert(item.ident.to_string());
            }
            syn::Item::Enum(item) => {
                for variant in &item.variants {
                    if one_string(&variant.fields) {
                        names.insert(format!("{}::{}", item.ident, variant.ident));
                    }
                }
            }
            _ => {}
        }
    }
    names
}

/// Replaces `String` by `crate::CompactString` in every type it visits.
struct Types;

impl VisitMut for Types {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if is_string(ty) {
            *ty = syn::parse_quote!(crate::CompactString);
        } else if !from_serde_json(ty) {
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
}

/// Whether `ty` is one of serde_json's (`Map<String, Value>` keeps its `String` keys).
fn from_serde_json(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.path.segments.iter().any(|s| s.ident == "serde_json"))
}

/// Whether `ty` holds a `String` deeper than itself (`Vec<String>`, `BTreeMap<String, T>`).
fn holds_string(ty: &syn::Type) -> bool {
    struct Finds(bool);
    impl syn::visit::Visit<'_> for Finds {
        fn visit_type(&mut self, ty: &syn::Type) {
            if is_string(ty) {
                self.0 = true;
            } else if !from_serde_json(ty) {
                syn::visit::visit_type(self, ty);
            }
        }
    }
    let mut finds = Finds(false);
    syn::visit::Visit::visit_type(&mut finds, ty);
    finds.0 && !is_string(ty)
}

/// The rewrite of the items: types held, and the expressions that build them.
struct Compact {
    /// See [`string_constructors`].
    constructors: BTreeSet<String>,
    /// See [`holders`].
    holders: BTreeSet<String>,
    /// The type of the `impl` being visited, for `Self(..)` and `Self::Variant(..)`.
    self_name: Option<String>,
}

impl Compact {
    /// The constructor a call's function names, as [`string_constructors`] writes it.
    fn constructor(&self, func: &syn::Expr) -> Option<String> {
        let syn::Expr::Path(path) = func else {
            return None;
        };
        let mut names = path_names(&path.path);
        if names.first().is_some_and(|first| first == "Self") {
            names[0] = self.self_name.clone()?;
        }
        Some(names.join("::"))
    }
}

/// `value.to_string()` or `value.to_owned()` becomes `value.into()`; any other argument `a`
/// becomes `a.into()`.
fn into(arg: &mut syn::Expr) {
    if let syn::Expr::MethodCall(call) = arg {
        if call.args.is_empty() && (call.method == "to_string" || call.method == "to_owned") {
            let receiver = &call.receiver;
            *arg = syn::parse_quote!(#receiver.into());
            return;
        }
    }
    *arg = converted(arg);
}

/// `expr.into()`, with `expr` in parentheses unless it is a path, a field, a call or a method
/// call.
fn converted(expr: &syn::Expr) -> syn::Expr {
    match expr {
        syn::Expr::Path(_)
        | syn::Expr::Field(_)
        | syn::Expr::Call(_)
        | syn::Expr::MethodCall(_) => {
            syn::parse_quote!(#expr.into())
        }
        _ => syn::parse_quote!((#expr).into()),
    }
}

impl VisitMut for Compact {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        Types.visit_fields_mut(&mut item.fields);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        for variant in &mut item.variants {
            Types.visit_fields_mut(&mut variant.fields);
        }
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let Some(name) = self_name(&item.self_ty) else {
            return;
        };
        let trait_last = item
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last());
        let trait_name = trait_last.map(|last| last.ident.to_string());
        let names_holder =
            |ty: &syn::Type| self_name(ty).is_some_and(|name| self.holders.contains(&name));
        let trait_names_holder = trait_last.is_some_and(|last| match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .any(|arg| matches!(arg, syn::GenericArgument::Type(ty) if names_holder(ty))),
            _ => false,
        });
        match trait_name.as_deref() {
            // A newtype over a map of strings: its conversions and target change type with it.
            Some("Deref" | "From") if names_holder(&item.self_ty) || trait_names_holder => {
                Types.visit_item_impl_mut(item);
            }
            // The target of a newtype is the type it holds.
            Some("Deref") if self.constructors.contains(&name) => {
                Types.visit_item_impl_mut(item);
            }
            // `From<Newtype> for String`: the held text converted.
            Some("From") if is_string(&item.self_ty) => {
                for impl_item in &mut item.items {
                    if let syn::ImplItem::Fn(f) = impl_item {
                        if let Some(syn::Stmt::Expr(tail, None)) = f.block.stmts.last_mut() {
                            *tail = converted(tail);
                        }
                    }
                }
            }
            _ => {}
        }
        let outer = self.self_name.replace(name);
        syn::visit_mut::visit_item_impl_mut(self, item);
        self.self_name = outer;
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let takes_string = self
            .constructor(&call.func)
            .is_some_and(|name| self.constructors.contains(&name));
        if takes_string && call.args.len() == 1 {
            if let Some(arg) = call.args.first_mut() {
                into(arg);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(file: syn::File) -> String {
        let mut file = file;
        compact_strings(&mut file);
        prettyplease::unparse(&file)
    }

    #[test]
    fn held_strings_become_compact_and_their_builders_convert() {
        let out = rewritten(syn::parse_quote! {
            pub struct Named { pub id: ::std::string::String, pub tags: Vec<::std::string::String>,
                pub by: ::std::collections::BTreeMap<::std::string::String, u64> }
            pub struct Id(pub ::std::string::String);
            impl ::std::ops::Deref for Id {
                type Target = ::std::string::String;
                fn deref(&self) -> &::std::string::String { &self.0 }
            }
            impl ::std::convert::From<Id> for ::std::string::String {
                fn from(value: Id) -> Self { value.0 }
            }
            impl ::std::convert::From<::std::string::String> for Id {
                fn from(value: ::std::string::String) -> Self { Self(value) }
            }
            impl ::std::str::FromStr for Id {
                type Err = ::std::convert::Infallible;
                fn from_str(value: &str) -> Result<Self, Self::Err> { Ok(Self(value.to_string())) }
            }
            pub enum Scalar { String(::std::string::String), Integer(i64) }
            impl Visitor {
                fn visit_str(self, v: &str) -> Result<Scalar, E> { Ok(Scalar::String(v.to_owned())) }
                fn visit_string(self, v: ::std::string::String) -> Result<Scalar, E> {
                    Ok(Scalar::String(v))
                }
                fn visit_i64(self, v: i64) -> Result<Scalar, E> { Ok(Scalar::Integer(v)) }
            }
            impl ::std::convert::TryFrom<::std::string::String> for Kind {
                fn try_from(value: ::std::string::String) -> Result<Self, E> { value.parse() }
            }
        });
        for expected in [
            "pub id: crate::CompactString",
            "pub tags: Vec<crate::CompactString>",
            "BTreeMap<crate::CompactString, u64>",
            "pub struct Id(pub crate::CompactString)",
            "type Target = crate::CompactString",
            "fn deref(&self) -> &crate::CompactString",
            "impl ::std::convert::From<Id> for ::std::string::String",
            "value.0.into()",
            "fn from(value: ::std::string::String) -> Self {\n        Self(value.into())",
            "Ok(Self(value.into()))",
            "String(crate::CompactString)",
            "Ok(Scalar::String(v.into()))",
            "fn visit_string(self, v: ::std::string::String)",
            "Ok(Scalar::Integer(v))",
            "TryFrom<::std::string::String> for Kind",
        ] {
            assert!(out.contains(expected), "`{expected}` not in:\n{out}");
        }
        // From `&str` and from `String` alike.
        assert_eq!(
            out.matches("Ok(Scalar::String(v.into()))").count(),
            2,
            "{out}"
        );
    }

    #[test]
    fn other_newtypes_and_calls_stay() {
        let file: syn::File = syn::parse_quote! {
            pub struct Count(pub u64);
            impl ::std::ops::Deref for Count {
                type Target = u64;
                fn deref(&self) -> &u64 { &self.0 }
            }
            impl ::std::convert::From<u64> for Count { fn from(value: u64) -> Self { Self(value) } }
            fn f(s: ::std::string::String) -> ::std::string::String { g(s.to_string()) }
        };
        let before = prettyplease::unparse(&file);
        assert_eq!(rewritten(file), before);
    }
}
