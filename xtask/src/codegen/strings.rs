//! Checked string newtypes (a pattern, a length): typify reads a `String`, then `parse` copies
//! it again into the newtype. The rewrite here has them read the text through
//! `crate::de::checked_str`, borrowed from the input where it can, so that the checked value is
//! the one copy.

/// Replaces typify's body of a checked string newtype's `Deserialize::deserialize` (see
/// [`parses_a_string`]) by a call to `crate::de::checked_str`; any other impl is left as it is.
pub fn read_borrowed(item: &mut syn::ItemImpl) {
    if !super::postprocess::implements(item, "Deserialize") {
        return;
    }
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(f) = impl_item {
            if f.sig.ident == "deserialize" && parses_a_string(&f.block) {
                f.block = syn::parse_quote!({ crate::de::checked_str(deserializer) });
            }
        }
    }
}

/// Whether `block` is typify's body for a checked string newtype:
/// `String::deserialize(deserializer)?.parse().map_err(..)`.
fn parses_a_string(block: &syn::Block) -> bool {
    let [syn::Stmt::Expr(syn::Expr::MethodCall(map_err), None)] = block.stmts.as_slice() else {
        return false;
    };
    let syn::Expr::MethodCall(parse) = &*map_err.receiver else {
        return false;
    };
    let syn::Expr::Try(read) = &*parse.receiver else {
        return false;
    };
    let syn::Expr::Call(call) = &*read.expr else {
        return false;
    };
    let syn::Expr::Path(func) = &*call.func else {
        return false;
    };
    let names = super::postprocess::path_names(&func.path);
    map_err.method == "map_err"
        && parse.method == "parse"
        && parse.args.is_empty()
        && call.args.len() == 1
        && names.ends_with(&["String".to_owned(), "deserialize".to_owned()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(item: syn::ItemImpl) -> String {
        let mut item = item;
        read_borrowed(&mut item);
        quote::quote!(#item).to_string()
    }

    #[test]
    fn only_the_string_then_parse_body_is_replaced() {
        let typify: syn::ItemImpl = syn::parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for Name {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where D: ::serde::Deserializer<'de>,
                {
                    ::std::string::String::deserialize(deserializer)?
                        .parse()
                        .map_err(|e: self::error::ConversionError| {
                            <D::Error as ::serde::de::Error>::custom(e.to_string())
                        })
                }
            }
        };
        let out = rewritten(typify);
        assert!(
            out.contains("crate :: de :: checked_str (deserializer)"),
            "{out}"
        );
        assert!(!out.contains("parse"), "{out}");
        // Another body, or the same body in another trait's impl, stays.
        let other: syn::ItemImpl = syn::parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for Count {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where D: ::serde::Deserializer<'de>,
                {
                    u64::deserialize(deserializer)?.try_into().map_err(D::Error::custom)
                }
            }
        };
        let before = quote::quote!(#other).to_string();
        assert_eq!(rewritten(other), before);
        let not_serde: syn::ItemImpl = syn::parse_quote! {
            impl Other for Name {
                fn deserialize(deserializer: D) -> Self {
                    ::std::string::String::deserialize(deserializer)?.parse().map_err(f)
                }
            }
        };
        let before = quote::quote!(#not_serde).to_string();
        assert_eq!(rewritten(not_serde), before);
    }
}
