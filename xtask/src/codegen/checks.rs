//! The `check_rules` impl of a generated struct, emitted from the rules [`super::rules`] read
//! from its definition: each rule becomes a test on the struct's fields that fails with a
//! message saying which rule the value breaks.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::rules::Rule;

/// A member of a generated struct: its field and whether it is an `Option`.
struct Member {
    field: TokenStream,
    optional: bool,
}

/// The fields of `item` by their JSON name (the `rename` of serde, or the field's name).
fn members(item: &syn::ItemStruct) -> BTreeMap<String, Member> {
    let mut out = BTreeMap::new();
    match &item.fields {
        syn::Fields::Named(fields) => {
            for field in &fields.named {
                let Some(name) = &field.ident else { continue };
                let json =
                    super::postprocess::rename_of(&field.attrs).unwrap_or_else(|| name.to_string());
                let optional = super::postprocess::is_option(&field.ty);
                out.insert(
                    json,
                    Member {
                        field: quote!(#name),
                        optional,
                    },
                );
            }
        }
        syn::Fields::Unnamed(_) => {
            out.insert(
                String::new(),
                Member {
                    field: quote!(0),
                    optional: false,
                },
            );
        }
        syn::Fields::Unit => {}
    }
    out
}

/// `impl T { fn check_rules(&self, members: usize) -> Result<(), &'static str> }` for the
/// struct `item` and its rules; an error names a member the struct does not have.
pub fn check_impl(item: &syn::ItemStruct, rules: &[Rule]) -> Result<TokenStream, String> {
    let members = members(item);
    let get = |name: &str| -> Result<&Member, String> {
        members
            .get(name)
            .ok_or_else(|| format!("`{}` has no member `{name}` for its rules", item.ident))
    };
    let present = |name: &str| -> Result<TokenStream, String> {
        let m = get(name)?;
        let f = &m.field;
        Ok(if m.optional {
            quote!(self.#f.is_some())
        } else {
            quote!(true)
        })
    };
    let mut checks = Vec::new();
    for rule in rules {
        let (test, message) = match rule {
            Rule::Items { member, min, max } => {
                let m = get(member.as_deref().unwrap_or_default())?;
                let f = &m.field;
                let len = if m.optional {
                    quote!(self.#f.as_ref().map(|v| v.len()))
                } else {
                    quote!(::std::option::Option::Some(self.#f.len()))
                };
                let min = min.map_or(quote!(0), |n| quote!(#n));
                let max = max.map_or(quote!(u64::MAX), |n| quote!(#n));
                let what = member.as_deref().unwrap_or("the array");
                (
                    quote!(#len.map_or(true, |n| (#min..=#max).contains(&(n as u64)))),
                    format!("{what} has too few or too many items"),
                )
            }
            Rule::MinMembers(n) => (
                quote!(members as u64 >= #n),
                format!("fewer than {n} members"),
            ),
            Rule::NotAll(names) => {
                let each = names
                    .iter()
                    .map(|n| present(n))
                    .collect::<Result<Vec<_>, _>>()?;
                (
                    quote!(!(true #( && #each )*)),
                    format!("{} may not all be present", names.join(", ")),
                )
            }
            Rule::Needs(member, needs) => {
                let has = present(member)?;
                let each = needs
                    .iter()
                    .map(|n| present(n))
                    .collect::<Result<Vec<_>, _>>()?;
                (
                    quote!(!#has #( || #each )*),
                    format!("{member} needs {}", needs.join(", ")),
                )
            }
            Rule::RequiredUnless {
                member,
                value,
                required,
            } => {
                let m = get(member)?;
                let f = &m.field;
                let lifted = match (value, m.optional) {
                    (None, _) => present(member)?,
                    (Some(value), true) => quote!(self.#f == ::std::option::Option::Some(#value)),
                    (Some(value), false) => quote!(self.#f == #value),
                };
                let condition = match value {
                    Some(value) => format!("{member} is {value}"),
                    None => format!("{member} is present"),
                };
                let each = required
                    .iter()
                    .map(|n| present(n))
                    .collect::<Result<Vec<_>, _>>()?;
                (
                    quote!(#lifted || (true #( && #each )*)),
                    format!("{} required unless {condition}", required.join(", ")),
                )
            }
            Rule::Uri(member) => {
                let m = get(member)?;
                let f = &m.field;
                let test = if m.optional {
                    quote!(self.#f.as_deref().map_or(true, |s| crate::de::is_uri(s)))
                } else {
                    quote!(crate::de::is_uri(&self.#f))
                };
                (test, format!("{member} is not a URI"))
            }
        };
        checks.push(quote! {
            if !(#test) {
                return ::std::result::Result::Err(#message);
            }
        });
    }
    let name: &Ident = &item.ident;
    let counted = rules.iter().any(|r| matches!(r, Rule::MinMembers(_)));
    let members = if counted {
        quote!(members)
    } else {
        quote!(_members)
    };
    Ok(quote! {
        impl #name {
            /// The rules of the schema that the type's shape does not say; `members` is the
            /// number of members the object had, documented or not.
            fn check_rules(&self, #members: usize) -> ::std::result::Result<(), &'static str> {
                #( #checks )*
                ::std::result::Result::Ok(())
            }
        }
    })
}
