//! The receiver's handler per action: for every version, a trait with one method per action
//! (payload typed, default "accept, do nothing") and the adapter that makes an implementor the
//! receiver's `Handler`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::render::{ident, pascal, render};
use super::versions::role;
use super::Files;
use crate::layout::{self, Version, VERSIONS};
use crate::schema::{ActionSchema, SchemaError, SchemaSet};

/// The method every trait has besides its actions' (an action of that name would clash).
const UNKNOWN_METHOD: &str = "on_unknown";

/// A module per version (from the actions of the schemas it uses) and the `mod.rs` listing
/// them. `sets` holds the schemas of every version that has its own.
pub fn generate(sets: &[(Version, SchemaSet)]) -> Result<Files, SchemaError> {
    let mut files = Files::new();
    for &version in VERSIONS {
        let schemas = version.schemas_of();
        let set = sets
            .iter()
            .find(|(v, _)| *v == schemas)
            .map(|(_, set)| set)
            .ok_or_else(|| SchemaError {
                file: version.schemas(),
                pointer: String::new(),
                message: format!("no schemas loaded for v{}", schemas.name()),
            })?;
        let actions = set.actions()?;
        files.push((version.receiver_handlers(), module(version, &actions)?));
    }
    let modules: Vec<Ident> = VERSIONS.iter().map(|v| ident(&v.module())).collect();
    let tokens = quote! { #( pub mod #modules; )* };
    files.push((
        format!("{}/mod.rs", layout::RECEIVER_HANDLERS_DIR),
        render(
            "handlers/mod.rs",
            layout::SCHEMAS_DIR,
            "The handler traits of the API versions, one module per version, each re-exported at \
             the crate root (`webhooks_receiver::v3_6`).",
            tokens,
        )?,
    ));
    Ok(files)
}

/// The method name of an action: the action's name, which must be a Rust identifier other
/// than a keyword and [`UNKNOWN_METHOD`].
fn method(version: Version, action: &ActionSchema) -> Result<Ident, SchemaError> {
    let error = |why: &str| SchemaError {
        file: format!("{}/actions/{}.json", version.schemas(), action.name),
        pointer: "/properties/action/const".to_owned(),
        message: format!(
            "action `{}` cannot name a handler method: {why}",
            action.name
        ),
    };
    if action.name == UNKNOWN_METHOD {
        return Err(error("the handler traits have a method of that name"));
    }
    match syn::parse_str::<Ident>(&action.name) {
        Ok(name) if name == action.name.as_str() => Ok(name),
        _ => Err(error("not a Rust identifier (or a keyword)")),
    }
}

/// The module of one version: `ActionHandler` and `PerAction`.
fn module(version: Version, actions: &[ActionSchema]) -> Result<String, SchemaError> {
    let name = version.name();
    let types = ident(&version.module());
    let shared = ident(&version.schemas_of().variant());
    let methods: Vec<Ident> = actions
        .iter()
        .map(|a| method(version, a))
        .collect::<Result<_, _>>()?;
    let variants: Vec<Ident> = actions.iter().map(|a| ident(&pascal(&a.name))).collect();
    let names: Vec<&String> = actions.iter().map(|a| &a.name).collect();
    let api_version = ident(&version.variant());
    let payloads: Vec<Ident> = actions.iter().map(|a| ident(&a.payload)).collect();
    let docs: Vec<TokenStream> = actions
        .iter()
        .map(|a| {
            let summary = format!(" {}", a.description);
            let default = format!(" `{}`. By default accepted, doing nothing.", a.name);
            quote! { #[doc = #summary] #[doc = ""] #[doc = #default] }
        })
        .collect();
    let trait_doc = format!(
        " The application's side of a receiver of API v{name}, one method per action: each \
         gets the action's payload, typed, and the [`Delivery`]; each defaults to \"accept, do \
         nothing\", so that an implementation overrides only the actions it handles."
    );
    let adapter_doc = format!(
        " Runs an [`ActionHandler`] as the receiver's [`Handler`](crate::Handler), for a \
         receiver of API v{name} (or of a version whose webhooks are v{name}'s): \
         `receiver.spawn_worker(PerAction(handler))`."
    );
    let mismatch = format!(
        "the handler of API v{name} got a webhook parsed under a version with other types \
         (action `{{}}`): give the receiver the handler of its version"
    );
    let tokens = quote! {
        use std::future::Future;

        use webhooks_types::#types as types;
        use webhooks_types::AnyWebhook;

        use crate::{Delivery, HandlerError};

        #[doc = #trait_doc]
        ///
        /// Each method is called at least once per stored delivery of its action, in arrival
        /// order within a chat; an `Err` is retried with backoff, then kept as a dead letter.
        /// The rest of the envelope (`organization_id`, `additional_data`) is in
        /// [`Delivery::body`], as stored (without the secret).
        pub trait ActionHandler: Send + Sync + 'static {
            #(
                #docs
                fn #methods(
                    &self,
                    payload: types::#payloads,
                    delivery: &Delivery,
                ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                    let _ = (payload, delivery);
                    async { Ok(()) }
                }
            )*

            /// A delivery of an action this API version does not define (stored and
            /// acknowledged, since retrying it cannot help), or one the typed parse cannot
            /// read. By default accepted, doing nothing.
            fn on_unknown(
                &self,
                delivery: &Delivery,
            ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                let _ = delivery;
                async { Ok(()) }
            }
        }

        #[doc = #adapter_doc]
        ///
        /// A webhook parsed under a version whose types differ fails (and so becomes a dead
        /// letter after its retries): the receiver was given the handler of another version.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct PerAction<H>(pub H);

        impl<H: ActionHandler> crate::Handler for PerAction<H> {
            async fn handle(&self, webhook: AnyWebhook, delivery: &Delivery) -> Result<(), HandlerError> {
                #[allow(unreachable_patterns)]
                let webhook = match webhook {
                    AnyWebhook::#shared(webhook) => webhook,
                    other => return Err(HandlerError::new(format!(#mismatch, other.action_name()))),
                };
                match webhook.payload {
                    #( types::Payload::#variants(payload) => self.0.#methods(*payload, delivery).await, )*
                    types::Payload::Unknown { .. } => self.0.on_unknown(delivery).await,
                }
            }

            fn on_unknown(&self, delivery: &Delivery) -> impl Future<Output = Result<(), HandlerError>> + Send {
                self.0.on_unknown(delivery)
            }
        }

        #[cfg(test)]
        mod tests {
            use std::collections::BTreeSet;
            use std::sync::Mutex;

            use super::*;
            use crate::handler_samples::{deliveries, UNKNOWN_ACTION};
            use crate::{ApiVersion, Handler};

            /// Records the method each delivery reached.
            #[derive(Default)]
            struct Calls(Mutex<Vec<&'static str>>);

            impl Calls {
                fn call(&self, method: &'static str) -> Result<(), HandlerError> {
                    self.0.lock().map_err(|_| HandlerError::new("poisoned"))?.push(method);
                    Ok(())
                }

                fn take(&self) -> Vec<&'static str> {
                    std::mem::take(&mut *self.0.lock().expect("not poisoned"))
                }
            }

            impl ActionHandler for Calls {
                #(
                    async fn #methods(&self, _: types::#payloads, _: &Delivery) -> Result<(), HandlerError> {
                        self.call(#names)
                    }
                )*

                async fn on_unknown(&self, _: &Delivery) -> Result<(), HandlerError> {
                    self.call(#UNKNOWN_METHOD)
                }
            }

            /// Keeps every default.
            struct Defaults;

            impl ActionHandler for Defaults {}

            #[tokio::test]
            async fn each_action_reaches_its_own_method_and_the_defaults_accept() {
                let calls = PerAction(Calls::default());
                let mut reached = BTreeSet::new();
                for (webhook, delivery) in deliveries(ApiVersion::#api_version) {
                    let outcome = PerAction(Defaults).handle(webhook.clone(), &delivery).await;
                    assert_eq!(outcome, Ok(()), "{}", delivery.action);
                    assert_eq!(PerAction(Defaults).on_unknown(&delivery).await, Ok(()));
                    calls.handle(webhook, &delivery).await.expect("recorded");
                    let expected = if delivery.action == UNKNOWN_ACTION {
                        #UNKNOWN_METHOD
                    } else {
                        delivery.action.as_str()
                    };
                    assert_eq!(calls.0.take(), [expected]);
                    calls.on_unknown(&delivery).await.expect("recorded");
                    assert_eq!(calls.0.take(), [#UNKNOWN_METHOD]);
                    reached.insert(expected.to_owned());
                }
                let mut every: BTreeSet<String> = ApiVersion::#api_version
                    .action_names()
                    .iter()
                    .map(|name| (*name).to_owned())
                    .collect();
                every.insert(#UNKNOWN_METHOD.to_owned());
                assert_eq!(reached, every, "a sample reaches every method");
            }
        }
    };
    let doc = format!(
        "The handler per action of API v{name}{}: [`ActionHandler`], one method per action of \
         `{}/`, and [`PerAction`], which runs it in the receiver's worker.",
        role(version),
        version.schemas()
    );
    render(
        &format!("handlers/{}.rs", version.module()),
        &version.schemas(),
        &doc,
        tokens,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(name: &str) -> ActionSchema {
        ActionSchema {
            name: name.to_owned(),
            group: "Chats".to_owned(),
            description: "Something happened.".to_owned(),
            payload: "SomethingPayload".to_owned(),
            additional_data_required: true,
        }
    }

    #[test]
    fn an_action_names_a_method_only_when_it_is_an_identifier_of_its_own() {
        let version = VERSIONS[0];
        assert!(method(version, &action("incoming_chat")).is_ok_and(|m| m == "incoming_chat"));
        for bad in [
            "on_unknown",
            "type",
            "chat-closed",
            "2fa_enabled",
            "a b",
            "",
        ] {
            let e = method(version, &action(bad)).expect_err(bad);
            assert!(e.message.contains("cannot name a handler method"), "{e}");
            assert!(e.file.ends_with(&format!("/actions/{bad}.json")), "{e}");
        }
    }

    #[test]
    fn a_module_holds_a_method_per_action_and_the_adapter() {
        let version = layout::STABLE;
        let text =
            module(version, &[action("thing_done"), action("thing_undone")]).expect("renders");
        assert!(text.starts_with(super::super::render::HEADER));
        for expected in [
            "fn thing_done(",
            "fn thing_undone(",
            "fn on_unknown(",
            "pub struct PerAction<H>(pub H);",
            "types::Payload::ThingUndone(payload) => {",
            &format!("use webhooks_types::{} as types;", version.module()),
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
    }
}
