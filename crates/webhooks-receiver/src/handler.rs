//! What the application does with a delivery, once it is stored.

use std::future::Future;

use webhooks_types::AnyWebhook;

/// A handler's failure: the delivery is retried later, and becomes a dead letter after the
/// last attempt. The message is stored in the inbox (`last_error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

impl HandlerError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// One attempt at handling a stored delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The inbox row (arrival order).
    pub id: i64,
    /// `webhook_id`: the registration that sent it (not an event id).
    pub webhook_id: String,
    /// `action` as received.
    pub action: String,
    /// The body as stored: as received, with the characters of the `secret_key` string
    /// removed (`"secret_key": ""`). Rows stored by earlier versions have no `secret_key`.
    pub body: String,
    /// Hex SHA-256 of the body as stored (`send` prints the same digest for what it sends).
    pub body_sha256: String,
    /// This attempt's number, from 1 (reset by a re-drive).
    pub attempt: u32,
    /// The same bytes arrived shortly before: perhaps LiveChat retrying a delivery whose 200
    /// it did not see, perhaps a real repeat (a state set back and forth). Handle it either way.
    pub possible_redelivery: bool,
    /// Arrival time, milliseconds since the Unix epoch.
    pub received_at_ms: i64,
}

/// The application's side of the receiver, called from the inbox, at least once per stored
/// delivery, in arrival order within a chat.
///
/// A service that handles some actions only implements its version's trait of one method per
/// action instead, generated from the schemas ([`crate::v3_6::ActionHandler`]), and runs it
/// through that module's [`PerAction`](crate::v3_6::PerAction).
///
/// Both methods default to "accept, do nothing". The webhook comes typed by the receiver's
/// API version ([`AnyWebhook`] has one variant per version with types of its own), with an
/// empty `secret_key`: secrets are never stored.
///
/// ```
/// use webhooks_receiver::{AnyWebhook, Delivery, Handler, HandlerError};
/// use webhooks_types::v3_6::Payload;
///
/// struct Chats;
///
/// impl Handler for Chats {
///     async fn handle(&self, webhook: AnyWebhook, _: &Delivery) -> Result<(), HandlerError> {
///         if let AnyWebhook::V3_6(webhook) = &webhook {
///             if let Payload::IncomingChat(p) = &webhook.payload {
///                 println!("new chat {}", p.chat.id);
///             }
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait Handler: Send + Sync + 'static {
    /// A delivery of an action this API version defines, typed.
    fn handle(
        &self,
        webhook: AnyWebhook,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        let _ = (webhook, delivery);
        async { Ok(()) }
    }

    /// A delivery of an action this API version does not define (stored and acknowledged,
    /// since retrying it cannot help), or one the typed parse cannot read.
    fn on_unknown(
        &self,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        let _ = delivery;
        async { Ok(()) }
    }
}

/// A [`Handler`] from a closure over the typed webhook; unknown actions are accepted.
#[derive(Debug, Clone)]
pub struct FnHandler<F>(pub F);

impl<F, Fut> Handler for FnHandler<F>
where
    F: Fn(AnyWebhook, Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    fn handle(
        &self,
        webhook: AnyWebhook,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        (self.0)(webhook, delivery.clone())
    }
}
