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
    // Whether the member `name` is present / absent: `None` when it always is present (not
    // an `Option`).
    let test = |name: &str, absent: bool| -> Result<Option<TokenStream>, String> {
        let m = get(name)?;
        let f = &m.field;
        let test = if absent {
            quote!(is_none)
        } else {
            quote!(is_some)
        };
        Ok(m.optional.then(|| quote!(self.#f.#test())))
    };
    // The tests of every member of `names` that can fail (see `test`).
    let tests = |names: &[String], absent: bool| -> Result<Vec<TokenStream>, String> {
        let mut terms = Vec::new();
        for name in names {
            terms.extend(test(name, absent)?);
        }
        Ok(terms)
    };
    let mut checks = Vec::new();
    for rule in rules {
        // Each rule as the condition under which the value breaks it.
        let (broken, message) = match rule {
            Rule::Items { member, min, max } => {
                let m = get(member.as_deref().unwrap_or_default())?;
                let f = &m.field;
                let (min, max) = (
                    min.filter(|&n| n > 0).map(usize_literal),
                    max.map(usize_literal),
                );
                let range = match (min, max) {
                    (Some(min), Some(max)) => quote!(#min..=#max),
                    (Some(min), None) => quote!(#min..),
                    (None, Some(max)) => quote!(..=#max),
                    (None, None) => continue,
                };
                let broken = if m.optional {
                    quote!(self.#f.as_ref().is_some_and(|v| !(#range).contains(&v.len())))
                } else {
                    quote!(!(#range).contains(&self.#f.len()))
                };
                let what = member.as_deref().unwrap_or("the array");
                (broken, format!("{what} has too few or too many items"))
            }
            Rule::MinMembers(0) => continue,
            Rule::MinMembers(n) => {
                let least = usize_literal(*n);
                (quote!(members < #least), format!("fewer than {n} members"))
            }
            Rule::NotAll(names) => {
                let message = format!("{} may not all be present", names.join(", "));
                let all = tests(names, false)?;
                let broken = if all.is_empty() {
                    quote!(true)
                } else {
                    quote!(#( #all )&&*)
                };
                (broken, message)
            }
            Rule::Needs(member, needs) => {
                let absent = tests(needs, true)?;
                if absent.is_empty() {
                    continue;
                }
                let broken = match test(member, false)? {
                    Some(has) => {
                        let absent = any_operand(&absent);
                        quote!(#has && #absent)
                    }
                    None => quote!(#( #absent )||*),
                };
                (broken, format!("{member} needs {}", needs.join(", ")))
            }
            Rule::RequiredUnless {
                member,
                value,
                required,
            } => {
                let m = get(member)?;
                let f = &m.field;
                let condition = match value {
                    Some(value) => format!("{member} is {value}"),
                    None => format!("{member} is present"),
                };
                let absent = tests(required, true)?;
                if absent.is_empty() {
                    continue;
                }
                let absent = any_operand(&absent);
                let unless = match (value, m.optional) {
                    (None, true) => quote!(self.#f.is_none()),
                    (None, false) => continue,
                    (Some(value), true) => quote!(self.#f != ::std::option::Option::Some(#value)),
                    (Some(value), false) => quote!(self.#f != #value),
                };
                (
                    quote!(#unless && #absent),
                    format!("{} required unless {condition}", required.join(", ")),
                )
            }
            Rule::Uri(member) => {
                let m = get(member)?;
                let f = &m.field;
                let broken = if m.optional {
                    quote!(self.#f.as_deref().is_some_and(|s| !crate::de::is_uri(s)))
                } else {
                    quote!(!crate::de::is_uri(&self.#f))
                };
                (broken, format!("{member} is not a URI"))
            }
        };
        checks.push(quote! {
            if #broken {
                return ::std::result::Result::Err(#message);
            }
        });
    }
    let name: &Ident = &item.ident;
    let counted = rules
        .iter()
        .any(|r| matches!(r, Rule::MinMembers(n) if *n > 0));
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

/// `n` as an unsuffixed integer literal (compared with a `usize`).
fn usize_literal(n: u64) -> proc_macro2::Literal {
    proc_macro2::Literal::u64_unsuffixed(n)
}

/// `a || b || …` as the operand of `&&`: in parentheses when there are several terms.
fn any_operand(terms: &[TokenStream]) -> TokenStream {
    match terms {
        [one] => one.clone(),
        _ => quote!((#( #terms )||*)),
    }
}
