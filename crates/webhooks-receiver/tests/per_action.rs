//! The generated handler per action, run by a real receiver on loopback: an overridden method
//! gets its payload typed, the others accept by default, and the handler of another version
//! fails rather than guess.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use serde_json::Value;
use webhooks_receiver::inbox::state;
use webhooks_receiver::{
    v3_5, v3_6, ApiVersion, Delivery, HandlerError, Inbox, Receiver, SqliteInbox,
};
use webhooks_types::v3_6::IncomingChatPayload;

use common::{drained, fast_worker, post, samples, serve_version, temp_dir, with_secret, SECRET};

/// Handles `incoming_chat` only, recording the chat id and the delivery's action.
#[derive(Default)]
struct Chats {
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl v3_6::ActionHandler for Chats {
    async fn incoming_chat(
        &self,
        payload: IncomingChatPayload,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let mut seen = self.seen.lock().unwrap();
        seen.push((payload.chat.id.to_string(), delivery.action.clone()));
        Ok(())
    }
}

/// Handles nothing itself: every method keeps its default.
struct Nothing;

impl v3_5::ActionHandler for Nothing {}

/// A receiver of v3.6 on an ephemeral loopback port, its worker running `handler` with one
/// attempt per delivery (a failure is a dead letter at once).
async fn serve<H: webhooks_receiver::Handler>(handler: H) -> (String, Receiver<SqliteInbox>) {
    let inbox = SqliteInbox::open(&temp_dir("per-action").join("inbox.sqlite")).unwrap();
    serve_version(ApiVersion::V3_6, inbox, handler, fast_worker(1)).await
}

/// The documented sample of `action` in v3.6.
fn sample(action: &str) -> Value {
    let file = format!("{action}.json");
    samples(ApiVersion::V3_6)
        .into_iter()
        .find(|(name, _)| *name == file)
        .unwrap_or_else(|| panic!("v3.6 has no sample {file}"))
        .1
}

#[tokio::test]
async fn an_overridden_method_gets_its_payload_typed_and_the_others_accept() {
    let chats = Chats::default();
    let seen = Arc::clone(&chats.seen);
    let (url, receiver) = serve(v3_6::PerAction(chats)).await;
    let chat = sample("incoming_chat");
    let mut unknown = sample("thread_tagged");
    unknown["action"] = Value::from("thread_tagged_in_a_later_version");
    let client = reqwest::Client::new();
    for body in [&chat, &sample("thread_tagged"), &unknown] {
        let (status, answer) = post(&client, &url, with_secret(body.clone(), SECRET)).await;
        assert_eq!(status, 200, "{}: {answer}", body["action"]);
    }
    let stats = drained(receiver.inbox().as_ref()).await;
    assert_eq!(stats.dead, 0, "{stats:?}");
    let done = receiver.inbox().rows(state::DONE, 10).await.unwrap();
    let actions: Vec<&str> = done.iter().map(|row| row.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "incoming_chat",
            "thread_tagged",
            "thread_tagged_in_a_later_version"
        ],
        "each delivery handled once, at its first attempt: {done:?}"
    );
    assert!(done.iter().all(|row| row.attempts == 1), "{done:?}");
    let expected_chat = chat["payload"]["chat"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        *seen.lock().unwrap(),
        [(expected_chat, "incoming_chat".to_owned())],
        "only the overridden method records, once, with the typed payload"
    );
}

#[tokio::test]
async fn the_handler_of_a_version_with_other_types_fails_into_a_dead_letter() {
    let (url, receiver) = serve(v3_5::PerAction(Nothing)).await;
    let client = reqwest::Client::new();
    let body = with_secret(sample("thread_tagged"), SECRET);
    assert_eq!(post(&client, &url, body).await.0, 200);
    let stats = drained(receiver.inbox().as_ref()).await;
    assert_eq!(stats.dead, 1, "{stats:?}");
    let dead = receiver.inbox().rows(state::DEAD, 10).await.unwrap();
    let error = dead[0].last_error.clone().unwrap();
    assert!(
        error.starts_with("the handler of API v3.5 got a webhook parsed under a version")
            && error.contains("`thread_tagged`"),
        "{error}"
    );
}
