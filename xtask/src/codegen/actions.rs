//! The `Action` list and the `Payload` enum keyed by action.

use proc_macro2::Ident;
use quote::quote;

use super::render::{ident, pascal, render};
use crate::layout::Version;
use crate::schema::{ActionSchema, SchemaError};

/// The `Action` enum: every action of the version, its name and its schema facts.
pub fn generate_action(actions: &[ActionSchema], version: Version) -> Result<String, SchemaError> {
    let doc = format!(
        " The webhook actions of LiveChat Webhooks API v{}.",
        version.name()
    );
    let variants: Vec<Ident> = actions.iter().map(|a| ident(&pascal(&a.name))).collect();
    let names: Vec<&String> = actions.iter().map(|a| &a.name).collect();
    let groups: Vec<&String> = actions.iter().map(|a| &a.group).collect();
    let additional: Vec<bool> = actions.iter().map(|a| a.additional_data_required).collect();
    let docs: Vec<String> = actions
        .iter()
        .map(|a| format!("`{}`: {}", a.name, a.description))
        .collect();
    let count = actions.len();
    let tokens = quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            #( #[doc = #docs] #variants, )*
        }
        impl Action {
            /// Every action, in the order of the documentation.
            pub const ALL: [Action; #count] = [ #( Action::#variants, )* ];

            /// The action's name on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { #( Action::#variants => #names, )* }
            }

            /// The documentation group the action belongs to (e.g. `Chats`, `Configuration`).
            pub const fn group(self) -> &'static str {
                match self { #( Action::#variants => #groups, )* }
            }

            /// Whether the action's webhooks must carry `additional_data` (an object, possibly
            /// empty); `chat_transferred` and `incoming_customer` may leave it out.
            pub const fn requires_additional_data(self) -> bool {
                match self { #( Action::#variants => #additional, )* }
            }

            /// Looks an action up by its name on the wire.
            pub fn from_name(name: &str) -> ::std::option::Option<Action> {
                match name {
                    #( #names => ::std::option::Option::Some(Action::#variants), )*
                    _ => ::std::option::Option::None,
                }
            }
        }

        impl ::std::str::FromStr for Action {
            type Err = crate::UnknownAction;

            fn from_str(name: &str) -> ::std::result::Result<Self, Self::Err> {
                Action::from_name(name).ok_or_else(|| crate::UnknownAction(name.to_owned()))
            }
        }

        impl ::std::fmt::Display for Action {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for Action {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for Action {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let crate::de::Text(name) = <crate::de::Text<'de> as ::serde::Deserialize>::deserialize(deserializer)?;
                name.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
    render(
        "action.rs",
        "actions/",
        "The list of webhook actions.",
        tokens,
    )
}

/// The `Payload` enum: one variant per action holding its payload type, plus `Unknown`, and
/// what the envelope needs to know of it (`crate::VersionPayload`). `requester` says whether
/// the version's envelope documents `requester` (a `Requester` definition).
pub fn generate_payload(
    actions: &[ActionSchema],
    version: Version,
    requester: bool,
) -> Result<String, SchemaError> {
    let variant = ident(&version.variant());
    let requester_type = if requester {
        quote!(Requester)
    } else {
        quote!(crate::NoRequester)
    };
    let variants: Vec<Ident> = actions.iter().map(|a| ident(&pascal(&a.name))).collect();
    let types: Vec<Ident> = actions.iter().map(|a| ident(&a.payload)).collect();
    let names: Vec<&String> = actions.iter().map(|a| &a.name).collect();
    let docs: Vec<String> = actions
        .iter()
        .map(|a| format!("Payload of `{}`.", a.name))
        .collect();
    let tokens = quote! {
        use super::action::Action;
        use super::types::*;

        /// The payload of a webhook, typed by its action. Each payload is boxed: they differ in
        /// size (a whole chat against two IDs), and a webhook that holds its payload by pointer
        /// stays small to move (one allocation per parse against copies of the largest payload
        /// at every move).
        #[derive(Clone, Debug, PartialEq)]
        pub enum Payload {
            #( #[doc = #docs] #variants(::std::boxed::Box<#types>), )*
            /// An action this version of the crate does not know, with its payload as sent.
            Unknown {
                /// The action's name.
                action: ::std::string::String,
                /// The payload, untouched.
                payload: ::serde_json::Value,
            },
        }

        impl Payload {
            /// The payload's action, or `None` for [`Payload::Unknown`].
            pub fn action(&self) -> ::std::option::Option<Action> {
                match self {
                    #( Self::#variants(_) => ::std::option::Option::Some(Action::#variants), )*
                    Self::Unknown { .. } => ::std::option::Option::None,
                }
            }

            /// The action's name on the wire.
            pub fn action_name(&self) -> &str {
                match self {
                    #( Self::#variants(_) => #names, )*
                    Self::Unknown { action, .. } => action,
                }
            }

            /// Deserializes the payload of the action named `action`. An unknown action keeps
            /// the payload as a [`serde_json::Value`].
            pub fn deserialize_for<'de, D>(action: &str, deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                ::std::result::Result::Ok(match action {
                    #( #names => Self::#variants(::std::boxed::Box::new(<#types as ::serde::Deserialize>::deserialize(deserializer)?)), )*
                    other => Self::Unknown {
                        action: other.to_owned(),
                        payload: crate::de::checked::<_, ::serde_json::Value>(deserializer)?,
                    },
                })
            }
        }

        impl ::serde::Serialize for Payload {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #( Self::#variants(value) => value.serialize(serializer), )*
                    Self::Unknown { payload, .. } => payload.serialize(serializer),
                }
            }
        }

        impl crate::VersionPayload for Payload {
            type Action = Action;
            type WebhookId = WebhookId;
            type OrganizationId = OrganizationId;
            type AdditionalData = AdditionalData;
            type Requester = #requester_type;

            const API_VERSION: crate::ApiVersion = crate::ApiVersion::#variant;
            const HAS_REQUESTER: bool = #requester;

            fn deserialize_for<'de, D>(action: &str, deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                Payload::deserialize_for(action, deserializer)
            }

            fn action(&self) -> ::std::option::Option<Action> {
                Payload::action(self)
            }

            fn action_name(&self) -> &str {
                Payload::action_name(self)
            }

            fn requires_additional_data(action: &str) -> bool {
                Action::from_name(action).is_some_and(Action::requires_additional_data)
            }
        }

        impl crate::versioned::Sealed for Payload {
            fn read_fast(action: &str, reader: &mut crate::fast::Reader<'_>) -> ::std::option::Option<Self> {
                ::std::option::Option::Some(match action {
                    #( #names => Self::#variants(<::std::boxed::Box<#types> as crate::fast::Fast>::read(reader)?), )*
                    other => Self::Unknown {
                        action: other.to_owned(),
                        payload: <::serde_json::Value as crate::fast::Fast>::read(reader)?,
                    },
                })
            }
        }

        #(
            impl ::std::convert::From<#types> for Payload {
                fn from(value: #types) -> Self {
                    Self::#variants(::std::boxed::Box::new(value))
                }
            }
        )*
    };
    render(
        "payload.rs",
        "actions/",
        "The payload of a webhook, typed by action.",
        tokens,
    )
}
