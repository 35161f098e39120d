//! A Standard Webhooks destination on loopback for the forwarding tests: records every request,
//! answers as its behaviour says, and checks signatures with its own HMAC.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The forward secret of the tests (`whsec_` and the base64 of 24 bytes).
pub const FORWARD_SECRET: &str = "whsec_dGVzdC1mb3J3YXJkLXNlY3JldC0xMjM0";

/// One request the destination received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: Vec<u8>,
    /// The status answered.
    pub status: u16,
}

impl Received {
    /// Whether the signature is `v1,` and the HMAC of `id.timestamp.body` under
    /// [`FORWARD_SECRET`].
    pub fn signed(&self) -> bool {
        let key = STANDARD
            .decode(FORWARD_SECRET.trim_start_matches("whsec_"))
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.", self.id, self.timestamp).as_bytes());
        mac.update(&self.body);
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signature.split(' ').any(|s| s == expected)
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// How the destination answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// 204.
    Accept,
    /// 500 to the first n attempts of each message id, then 204.
    FailFirst(usize),
    /// 500 always.
    Fail,
    /// 204 after waiting this long.
    Slow(Duration),
}

#[derive(Default)]
struct Shared {
    seen: Mutex<Vec<Received>>,
    attempts: Mutex<HashMap<String, usize>>,
    behaviour: Mutex<Option<Behaviour>>,
}

/// A running destination.
#[derive(Clone)]
pub struct Destination {
    pub url: String,
    shared: Arc<Shared>,
}

impl Destination {
    /// Starts a destination on a free loopback port.
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::on(listener, behaviour)
    }

    /// Starts a destination on `listener`.
    pub fn on(listener: tokio::net::TcpListener, behaviour: Behaviour) -> Self {
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        *shared.behaviour.lock().unwrap() = Some(behaviour);
        let router = axum::Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, shared }
    }

    /// Changes how it answers from now on.
    pub fn set(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = Some(behaviour);
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Received> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The requests answered 2xx so far.
    pub fn accepted(&self) -> Vec<Received> {
        self.seen()
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .collect()
    }
}

async fn answer(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let id = header("webhook-id");
    let attempt = {
        let mut attempts = shared.attempts.lock().unwrap();
        let n = attempts.entry(id.clone()).or_default();
        *n += 1;
        *n
    };
    let behaviour = shared
        .behaviour
        .lock()
        .unwrap()
        .unwrap_or(Behaviour::Accept);
    let status = match behaviour {
        Behaviour::Accept => StatusCode::NO_CONTENT,
        Behaviour::FailFirst(n) if attempt <= n => StatusCode::INTERNAL_SERVER_ERROR,
        Behaviour::FailFirst(_) => StatusCode::NO_CONTENT,
        Behaviour::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Behaviour::Slow(wait) => {
            tokio::time::sleep(wait).await;
            StatusCode::NO_CONTENT
        }
    };
    shared.seen.lock().unwrap().push(Received {
        id,
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: body.to_vec(),
        status: status.as_u16(),
    });
    status.into_response()
}
