//! The forwarding round of the ack benchmark: deliveries per second forwarded as Standard
//! Webhooks to a local endpoint answering 204, from a SQLite inbox.
//!
//! Two figures: the drain (deliveries stored first, then the forwarder started and timed until
//! the endpoint has taken every one) and end to end (posted to the receiver, acknowledged and
//! forwarded while it receives, timed from the first post to the last forward taken).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use tokio::sync::Semaphore;
use webhooks_receiver::forward::{
    AnyDestination, ForwardOptions, Forwarding, HttpDestination, SigningSecret, Target,
};
use webhooks_receiver::{ApiVersion, Handler, Receiver, ReceiverConfig, SecretKeys, SqliteInbox};

const SECRET: &str = "bench-forward-secret";
const SIGNING: &str = "whsec_YmVuY2gtZm9yd2FyZC1zaWduaW5nLXNlY3JldA==";

struct Discard;
impl Handler for Discard {}

fn body(run: &str, i: usize) -> String {
    format!(
        r#"{{"webhook_id":"wh","secret_key":"{SECRET}","action":"incoming_event","organization_id":"org","additional_data":{{"chat_properties":{{}},"chat_presence_user_ids":[]}},"payload":{{"chat_id":"C{chat}","thread_id":"T1","event":{{"id":"{run}{i}","type":"message","text":"hello {i}","author_id":"a@example.com","created_at":"2026-01-01T00:00:00.000000Z","visibility":"all"}}}}}}"#,
        chat = i % 97
    )
}

/// A local endpoint answering 204, counting what it took.
async fn endpoint(taken: Arc<AtomicUsize>) -> Result<String, std::io::Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let router = Router::new().route(
        "/hook",
        post(move |_: axum::body::Bytes| {
            let taken = Arc::clone(&taken);
            async move {
                taken.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(url)
}

/// Posts every body to `url`, `concurrency` at a time; how many were not answered 200.
async fn post_all(url: &str, bodies: Vec<String>, concurrency: usize) -> usize {
    let client = reqwest::Client::new();
    let gate = Arc::new(Semaphore::new(concurrency));
    let mut tasks = Vec::with_capacity(bodies.len());
    for body in bodies {
        let (client, gate, url) = (client.clone(), Arc::clone(&gate), url.to_owned());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            client
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }));
    }
    let mut non_200 = 0;
    for task in tasks {
        non_200 += usize::from(!task.await.unwrap_or(false));
    }
    non_200
}

/// Waits until `taken` reaches `n` (at most five minutes); the time it took from `start`.
async fn until_taken(taken: &AtomicUsize, n: usize, start: Instant) -> Option<Duration> {
    while taken.load(Ordering::Relaxed) < n {
        if start.elapsed() > Duration::from_secs(300) {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Some(start.elapsed())
}

/// A receiver over a fresh SQLite inbox in `dir` forwarding to `url`, its forwarder not
/// started; the receiver's URL.
async fn receiver(
    dir: &std::path::Path,
    url: &str,
) -> Result<(String, Receiver<SqliteInbox>, Forwarding), Box<dyn std::error::Error>> {
    let secret = Arc::new(SigningSecret::parse(SIGNING)?);
    let forwarding = Forwarding::new(vec![Target {
        destination: AnyDestination::Http(HttpDestination::new(url, secret)?),
        actions: None,
    }]);
    let inbox = SqliteInbox::open(&dir.join("inbox.sqlite"))?.with_routes(forwarding.routes());
    let config = ReceiverConfig::new(ApiVersion::STABLE, SecretKeys::new([SECRET]));
    let receiver = Receiver::new(config, inbox)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver_url = format!("http://{}/", listener.local_addr()?);
    let router = receiver.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((receiver_url, receiver, forwarding))
}

/// Runs the round with `deliveries` deliveries posted `concurrency` at a time and prints its
/// table.
pub async fn run(deliveries: usize, concurrency: usize) -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::temp_dir().join(format!("webhooks-forward-bench-{}", std::process::id()));
    let options = ForwardOptions::default();
    let mut rows = Vec::new();
    for (name, drain) in [
        ("drain: stored first, then forwarded", true),
        ("end to end: posted, acknowledged and forwarded", false),
    ] {
        let dir = base.join(if drain { "drain" } else { "live" });
        std::fs::create_dir_all(&dir)?;
        let taken = Arc::new(AtomicUsize::new(0));
        let url = endpoint(Arc::clone(&taken)).await?;
        let (receiver_url, receiver, forwarding) = receiver(&dir, &url).await?;
        let worker = receiver.spawn_worker(Discard);
        let bodies: Vec<String> = (0..deliveries).map(|i| body(name, i)).collect();
        let (elapsed, non_200, forwarders) = if drain {
            let non_200 = post_all(&receiver_url, bodies, concurrency).await;
            let start = Instant::now();
            let forwarders = forwarding.spawn(Arc::clone(receiver.inbox()), options);
            let elapsed = until_taken(&taken, deliveries - non_200, start).await;
            (elapsed, non_200, forwarders)
        } else {
            let forwarders = forwarding.spawn(Arc::clone(receiver.inbox()), options);
            let start = Instant::now();
            let non_200 = post_all(&receiver_url, bodies, concurrency).await;
            let elapsed = until_taken(&taken, deliveries - non_200, start).await;
            (elapsed, non_200, forwarders)
        };
        forwarders.iter().for_each(|f| f.abort());
        worker.abort();
        rows.push((name, elapsed, non_200, taken.load(Ordering::Relaxed)));
    }
    println!();
    println!(
        "forwarding: {deliveries} deliveries to one local endpoint answering 204, \
         {} in flight, signed as Standard Webhooks, SQLite inbox",
        options.concurrency
    );
    println!("| round | deliveries/s | forwarded | non-200 acks |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, elapsed, non_200, taken) in rows {
        let rate = elapsed.map_or("timed out".to_owned(), |e| {
            format!("{:.0}", (deliveries - non_200) as f64 / e.as_secs_f64())
        });
        println!("| {name} | {rate} | {taken} | {non_200} |");
    }
    let _ = std::fs::remove_dir_all(&base);
    Ok(())
}
