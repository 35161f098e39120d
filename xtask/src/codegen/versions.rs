//! The modules that tie the versions together: a module per version (its own types, or those
//! of the version whose schemas it takes), the `ApiVersion` enum and `AnyWebhook`, and the
//! list of schemas `webhooks-validate` embeds per version.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::render::{ident, render};
use crate::layout::{self, Version, VERSIONS};
use crate::schema::{SchemaError, SchemaSet};

/// `mod.rs` of a version that has schemas of its own: its types, `Action`, `Payload`, and the
/// `Webhook` envelope over them.
pub fn own_module(version: Version) -> Result<String, SchemaError> {
    let name = version.name();
    let variant = ident(&version.variant());
    let webhook_doc = format!(
        " One webhook delivery of API v{name}: the envelope, with the payload typed by action."
    );
    let tokens = quote! {
        // typify documents types and fields from the schemas' descriptions, but not the
        // variants of string enums (their names are the values on the wire) nor its own
        // conversion helpers; its only `unwrap()`s compile the constant `pattern`s.
        #[allow(missing_docs, clippy::all, clippy::pedantic, clippy::unwrap_used)]
        mod types;
        mod action;
        mod payload;

        pub use self::action::Action;
        pub use self::payload::Payload;
        pub use self::types::*;

        #[doc = #webhook_doc]
        pub type Webhook = crate::Envelope<Payload>;

        /// The API version of this module.
        pub const API_VERSION: crate::ApiVersion = crate::ApiVersion::#variant;
    };
    let doc = format!(
        "Typed webhooks of LiveChat Webhooks API v{name}{}.\n\nGenerated from `{}/`: the types of \
         its schemas, [`Action`], [`Payload`] and [`Webhook`], the envelope over the payload.",
        role(version),
        version.schemas()
    );
    render("mod.rs", &version.schemas(), &doc, tokens)
}

/// `mod.rs` of a version whose webhooks are those of an earlier version: that version's
/// types, under this version's name.
pub fn borrowed_module(version: Version) -> Result<String, SchemaError> {
    let earlier = version.schemas_of();
    let earlier_module = ident(&earlier.module());
    let variant = ident(&version.variant());
    let tokens = quote! {
        pub use super::#earlier_module::*;

        /// The API version of this module.
        pub const API_VERSION: crate::ApiVersion = crate::ApiVersion::#variant;
    };
    let doc = format!(
        "Typed webhooks of LiveChat Webhooks API v{}{}.\n\nIts webhooks are those of v{2}, and \
         so are its types: re-exported from [`{3}`](super::{3}).",
        version.name(),
        role(version),
        earlier.name(),
        earlier.module()
    );
    render("mod.rs", &version.schemas(), &doc, tokens)
}

/// What a version is to LiveChat, as a clause after its name: `, the current stable version`,
/// `, a preview` (a version after the stable one), or nothing (an earlier version).
pub(super) fn role(version: Version) -> &'static str {
    if version == layout::STABLE {
        ", the current stable version"
    } else if version > layout::STABLE {
        ", a preview"
    } else {
        ""
    }
}

/// A version's variant, its module, and the variant of the version whose schemas it takes.
fn parts(version: Version) -> (Ident, Ident, Ident) {
    (
        ident(&version.variant()),
        ident(&version.module()),
        ident(&version.schemas_of().variant()),
    )
}

/// `generated/mod.rs`: the version modules, `ApiVersion` and `AnyWebhook`.
pub fn top_module(sets: &[(Version, SchemaSet)]) -> Result<String, SchemaError> {
    let modules: Vec<Ident> = VERSIONS.iter().map(|v| ident(&v.module())).collect();
    let names: Vec<String> = VERSIONS.iter().map(|v| v.name()).collect();
    let (variants, _, own_variants): (Vec<_>, Vec<_>, Vec<_>) =
        multiunzip(VERSIONS.iter().map(|&v| parts(v)));
    let variant_docs: Vec<String> = VERSIONS
        .iter()
        .map(|v| format!(" API v{}{}.", v.name(), role(*v)))
        .collect();
    let count = VERSIONS.len();
    let stable = ident(&layout::STABLE.variant());
    let own: Vec<Version> = sets.iter().map(|(v, _)| *v).collect();
    let own_variant: Vec<Ident> = own.iter().map(|v| ident(&v.variant())).collect();
    let own_module: Vec<Ident> = own.iter().map(|v| ident(&v.module())).collect();
    let as_own: Vec<Ident> = own
        .iter()
        .map(|v| ident(&format!("as_{}", v.module())))
        .collect();
    let as_doc: Vec<String> = own
        .iter()
        .map(|v| {
            format!(
                " The webhook, if it was parsed under v{} (or a version sharing its webhooks).",
                v.name()
            )
        })
        .collect();
    let own_doc: Vec<String> = own
        .iter()
        .map(|v| {
            let takers: Vec<String> = VERSIONS
                .iter()
                .filter(|w| w.schemas_of() == *v)
                .map(|w| format!("v{}", w.name()))
                .collect();
            format!(" Parsed under {}.", takers.join(" or "))
        })
        .collect();
    let mut action_lists: Vec<TokenStream> = Vec::new();
    for v in VERSIONS {
        let set = sets
            .iter()
            .find(|(own, _)| *own == v.schemas_of())
            .map(|(_, set)| set)
            .ok_or_else(|| SchemaError {
                file: v.schemas(),
                pointer: String::new(),
                message: "no schemas loaded for this version".to_owned(),
            })?;
        let names: Vec<String> = set.actions()?.into_iter().map(|a| a.name).collect();
        action_lists.push(quote!(&[#(#names),*]));
    }
    let tokens = quote! {
        // Each version module's documentation is its own inner doc: an outer one here would be
        // joined to it into one paragraph, the summary rustdoc shows in the module list.
        #( pub mod #modules; )*

        /// A version of LiveChat's Webhooks API that this crate knows.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ApiVersion {
            #( #[doc = #variant_docs] #variants, )*
        }

        impl ApiVersion {
            /// Every version, oldest first.
            pub const ALL: [ApiVersion; #count] = [ #( ApiVersion::#variants, )* ];

            /// LiveChat's current stable version.
            pub const STABLE: ApiVersion = ApiVersion::#stable;

            /// The version as LiveChat writes it: `3.6`.
            pub const fn name(self) -> &'static str {
                match self { #( ApiVersion::#variants => #names, )* }
            }

            /// The version whose schemas (and types) this one uses: itself, or an earlier
            /// version whose webhooks it did not change.
            pub const fn schemas(self) -> ApiVersion {
                match self { #( ApiVersion::#variants => ApiVersion::#own_variants, )* }
            }

            /// The names of the version's actions, in the order of its documentation.
            pub fn action_names(self) -> &'static [&'static str] {
                match self { #( ApiVersion::#variants => #action_lists, )* }
            }

            /// Parses a body as a webhook of this version (see [`crate::Envelope::from_slice`]).
            pub fn parse(self, bytes: &[u8]) -> ::std::result::Result<AnyWebhook, crate::ParseError> {
                match self {
                    #( ApiVersion::#variants => #modules::Webhook::from_slice(bytes).map(AnyWebhook::#own_variants), )*
                }
            }

            /// The two paths of [`ApiVersion::parse`], each on its own, for the tests that
            /// compare them: the fast path's webhook (`None` where it leaves the body to serde's
            /// path) and serde's path's result.
            #[doc(hidden)]
            pub fn parse_both_paths(self, bytes: &[u8]) -> (::std::option::Option<AnyWebhook>, ::std::result::Result<AnyWebhook, crate::ParseError>) {
                match self {
                    #( ApiVersion::#variants => {
                        let (fast, serde) = #modules::Webhook::both_paths(bytes);
                        (fast.map(AnyWebhook::#own_variants), serde.map(AnyWebhook::#own_variants))
                    } )*
                }
            }

            /// Reads an already parsed body as a webhook of this version.
            pub fn from_value(self, value: ::serde_json::Value) -> ::std::result::Result<AnyWebhook, ::serde_json::Error> {
                match self {
                    #( ApiVersion::#variants => ::serde_json::from_value::<#modules::Webhook>(value).map(AnyWebhook::#own_variants), )*
                }
            }
        }

        /// A webhook typed by the version it was parsed under ([`ApiVersion::parse`]); versions
        /// that share their webhooks share a variant.
        #[derive(Clone, Debug, PartialEq)]
        pub enum AnyWebhook {
            #( #[doc = #own_doc] #own_variant(#own_module::Webhook), )*
        }

        impl AnyWebhook {
            #(
                #[doc = #as_doc]
                pub fn #as_own(&self) -> ::std::option::Option<&#own_module::Webhook> {
                    #[allow(unreachable_patterns)]
                    match self {
                        AnyWebhook::#own_variant(w) => ::std::option::Option::Some(w),
                        _ => ::std::option::Option::None,
                    }
                }
            )*

            /// The action's name as received.
            pub fn action_name(&self) -> &str {
                match self { #( AnyWebhook::#own_variant(w) => w.action_name(), )* }
            }

            /// Whether the payload is typed: the version knows the action (otherwise the
            /// payload is the `Unknown` variant, kept as sent).
            pub fn is_typed(&self) -> bool {
                match self { #( AnyWebhook::#own_variant(w) => w.action().is_some(), )* }
            }

            /// ID of the registered webhook.
            pub fn webhook_id(&self) -> &str {
                match self { #( AnyWebhook::#own_variant(w) => &w.webhook_id, )* }
            }

            /// ID of the organization.
            pub fn organization_id(&self) -> &str {
                match self { #( AnyWebhook::#own_variant(w) => &w.organization_id, )* }
            }

            /// Whether the delivery carries the expected secret (compared in constant time).
            pub fn verify_secret(&self, expected: &str) -> bool {
                match self { #( AnyWebhook::#own_variant(w) => w.verify_secret(expected), )* }
            }
        }

        impl ::serde::Serialize for AnyWebhook {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self { #( AnyWebhook::#own_variant(w) => w.serialize(serializer), )* }
            }
        }
    };
    render(
        "mod.rs",
        layout::SCHEMAS_DIR,
        "The generated modules: one per API version, the list of versions and `AnyWebhook`.",
        tokens,
    )
}

/// `schemas.rs` of `webhooks-validate`: per version with schemas of its own, the base URI of
/// the `$id`s and every file as an `include_str!` of the crate's copy.
pub fn embedded_schemas(sets: &[(Version, SchemaSet)]) -> Result<String, SchemaError> {
    let mut consts = Vec::new();
    for (version, set) in sets {
        let id = set
            .files
            .iter()
            .find(|f| f.rel == "webhook.json")
            .and_then(|f| f.doc.get("$id"))
            .and_then(serde_json::Value::as_str)
            .and_then(|id| id.strip_suffix("webhook.json"))
            .unwrap_or_default()
            .to_owned();
        let rels: Vec<&String> = set.files.iter().map(|f| &f.rel).collect();
        // From `crates/webhooks-validate/src/generated/` to the crate's copy.
        let copy =
            version
                .validate_schemas()
                .replacen(layout::VALIDATE_SCHEMAS_DIR, "../../schemas", 1);
        let paths: Vec<String> = rels.iter().map(|rel| format!("{copy}/{rel}")).collect();
        let name = ident(&version.variant());
        let doc = format!(
            " The schema files of API v{0}: each path below `schemas/v{0}/`, and its text.",
            version.name()
        );
        consts.push(quote! {
            #[doc = #doc]
            pub const #name: Schemas = Schemas {
                base_uri: #id,
                files: &[ #( (#rels, include_str!(#paths)), )* ],
            };
        });
    }
    let (variants, _, own_variants): (Vec<_>, Vec<_>, Vec<_>) =
        multiunzip(VERSIONS.iter().map(|&v| parts(v)));
    let tokens = quote! {
        use webhooks_types::ApiVersion;

        /// The schema files of one version, embedded at compile time.
        #[derive(Debug, Clone, Copy)]
        pub struct Schemas {
            /// Base URI of the `$id`s: each file's `$id` is this base followed by its path.
            pub base_uri: &'static str,
            /// Every file: its path below the version's folder, and its text.
            pub files: &'static [(&'static str, &'static str)],
        }

        #( #consts )*

        /// The schemas a version is validated against (those of [`ApiVersion::schemas`]).
        pub fn of(version: ApiVersion) -> &'static Schemas {
            match version { #( ApiVersion::#variants => &#own_variants, )* }
        }
    };
    render(
        "schemas.rs",
        layout::SCHEMAS_DIR,
        "The schema files, embedded at compile time.",
        tokens,
    )
}

/// Splits triples into three lists.
fn multiunzip<A, B, C>(items: impl Iterator<Item = (A, B, C)>) -> (Vec<A>, Vec<B>, Vec<C>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for (a, b, c) in items {
        out.0.push(a);
        out.1.push(b);
        out.2.push(c);
    }
    out
}
