//! Handlers made from closures, and handlers that take too long.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{drained, post, serve_with, temp_dir};
use webhooks_receiver::inbox::state;
use webhooks_receiver::{FnHandler, HandlerError, Inbox, SqliteInbox, WorkerOptions};
use webhooks_types::v3_5::Payload;

#[tokio::test]
async fn a_closure_gets_the_typed_webhook_and_a_slow_attempt_fails_at_its_lease() {
    let inbox = SqliteInbox::open(&temp_dir("handlers").join("inbox.sqlite")).unwrap();
    let seen: Arc<Mutex<Vec<(u32, String)>>> = Arc::default();
    let record = Arc::clone(&seen);
    let handler = FnHandler(
        move |webhook: webhooks_types::AnyWebhook, delivery: webhooks_receiver::Delivery| {
            let record = Arc::clone(&record);
            async move {
                if delivery.attempt == 1 {
                    // Never done: this attempt outlasts its lease, is abandoned and fails.
                    std::future::pending::<()>().await;
                }
                let Some(webhook) = webhook.as_v3_5() else {
                    return Err(HandlerError::new("not parsed as v3.5"));
                };
                let Payload::IncomingEvent(event) = &webhook.payload else {
                    return Err(HandlerError::new("not an incoming_event"));
                };
                assert_eq!(webhook.secret_key.expose(), "", "secrets are not stored");
                record
                    .lock()
                    .unwrap()
                    .push((delivery.attempt, event.chat_id.to_string()));
                Ok(())
            }
        },
    );
    let worker = WorkerOptions {
        lease: Duration::from_millis(300),
        ..common::fast_worker(3)
    };
    let (url, receiver) = serve_with(inbox, handler, worker).await;
    let client = reqwest::Client::new();
    assert_eq!(
        post(&client, &url, common::event("SLOW", "E1")).await.0,
        200
    );
    drained(receiver.inbox().as_ref()).await;
    assert_eq!(*seen.lock().unwrap(), [(2, "SLOW".to_owned())]);
    let done = receiver.inbox().rows(state::DONE, 10).await.unwrap();
    assert_eq!(done[0].attempts, 2);
    let error = done[0].last_error.clone().unwrap();
    assert!(error.starts_with("handler still running after"), "{error}");
}
