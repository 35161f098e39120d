//! Deliveries per second acknowledged end to end on loopback, with median and 99th-percentile
//! acknowledgement latency: the receiver over its SQLite inbox (durable commit, group commit)
//! against a baseline axum handler that answers 200 without storing, in one run, same bodies,
//! same client.
//!
//! `cargo bench -p webhooks-receiver --bench ack [-- DELIVERIES CONCURRENCY]`; `-- --test`
//! runs a small round only, `-- --ack-only` leaves the forwarding round out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use tokio::sync::Semaphore;
use webhooks_receiver::{
    ApiVersion, Handler, Receiver, ReceiverConfig, SecretKeys, ServeOptions, SqliteInbox,
};

/// The forwarding round, printed after the acknowledgement table.
#[path = "forward/round.rs"]
mod forward_round;

const SECRET: &str = "bench-secret";

struct Discard;
impl Handler for Discard {}

fn body(i: usize) -> String {
    format!(
        r#"{{"webhook_id":"wh","secret_key":"{SECRET}","action":"incoming_event","organization_id":"org","additional_data":{{"chat_properties":{{}},"chat_presence_user_ids":[]}},"payload":{{"chat_id":"C{chat}","thread_id":"T1","event":{{"id":"E{i}","type":"message","text":"hello {i}","author_id":"a@example.com","created_at":"2026-01-01T00:00:00.000000Z","visibility":"all"}}}}}}"#,
        chat = i % 97
    )
}

async fn serve(router: Router) -> Result<String, std::io::Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(url)
}

struct Round {
    elapsed: Duration,
    per_second: f64,
    median: Duration,
    p99: Duration,
    non_200: usize,
}

async fn round(url: &str, bodies: &[String], concurrency: usize) -> Round {
    let client = reqwest::Client::new();
    let gate = Arc::new(Semaphore::new(concurrency));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(bodies.len());
    for body in bodies {
        let (client, gate, url, body) = (
            client.clone(),
            Arc::clone(&gate),
            url.to_owned(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            let sent = Instant::now();
            let ok = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            (sent.elapsed(), ok)
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut non_200 = 0;
    for task in tasks {
        match task.await {
            Ok((latency, ok)) => {
                latencies.push(latency);
                non_200 += usize::from(!ok);
            }
            Err(_) => non_200 += 1,
        }
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Round {
        elapsed,
        per_second: bodies.len() as f64 / elapsed.as_secs_f64(),
        median: at(0.5),
        p99: at(0.99),
        non_200,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let test = args.iter().any(|a| a == "--test");
    let ack_only = args.iter().any(|a| a == "--ack-only");
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let deliveries = if test {
        200
    } else {
        numbers.first().copied().unwrap_or(5000)
    };
    let concurrency = numbers.get(1).copied().unwrap_or(32);

    let dir = std::env::temp_dir().join(format!("webhooks-receiver-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let inbox = SqliteInbox::open(&dir.join("inbox.sqlite"))?;
    let config = ReceiverConfig::new(ApiVersion::STABLE, SecretKeys::new([SECRET]));
    let receiver = Receiver::new(config, inbox)?;
    let _worker = receiver.spawn_worker(Discard);
    // The receiver as `serve` runs it: its own accept loop, timeouts and connection cap.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let stored_url = format!("http://{}/", listener.local_addr()?);
    let serving = receiver.clone();
    tokio::spawn(async move {
        let forever = std::future::pending::<()>();
        serving
            .serve(listener, ServeOptions::default(), forever)
            .await;
    });
    let baseline_url =
        serve(Router::new().route("/", post(|_: axum::body::Bytes| async { "" }))).await?;

    // Warm both up with bodies of their own (the inbox deduplicates incoming_event).
    let warm: Vec<String> = (deliveries..deliveries + 200).map(body).collect();
    round(&baseline_url, &warm, concurrency).await;
    round(&stored_url, &warm, concurrency).await;

    let bodies: Vec<String> = (0..deliveries).map(body).collect();
    let baseline = round(&baseline_url, &bodies, concurrency).await;
    let stored = round(&stored_url, &bodies, concurrency).await;

    println!("{deliveries} deliveries of incoming_event (~600 bytes), {concurrency} concurrent, loopback HTTP/1.1");
    println!("| server | deliveries/s | median ack | p99 ack | non-200 |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, r) in [
        ("baseline axum, 200 without storing", &baseline),
        (
            "receiver, SQLite inbox (WAL, synchronous=FULL, group commit)",
            &stored,
        ),
    ] {
        println!(
            "| {name} | {:.0} | {:.2} ms | {:.2} ms | {} |",
            r.per_second,
            ms(r.median),
            ms(r.p99),
            r.non_200
        );
    }
    println!(
        "receiver/baseline: {:.2}x the throughput, {:.2}x the median latency, {:.2}x the p99",
        stored.per_second / baseline.per_second,
        ms(stored.median) / ms(baseline.median).max(f64::MIN_POSITIVE),
        ms(stored.p99) / ms(baseline.p99).max(f64::MIN_POSITIVE)
    );
    // The worker must keep up: wait (bounded) until it has handled everything acknowledged.
    let inbox = receiver.inbox().as_ref();
    let waited = Instant::now();
    let bound = Duration::from_secs(if test { 10 } else { 60 });
    let mut stats = webhooks_receiver::Inbox::stats(inbox).await?;
    while stats.pending + stats.running > 0 && waited.elapsed() < bound {
        tokio::time::sleep(Duration::from_millis(20)).await;
        stats = webhooks_receiver::Inbox::stats(inbox).await?;
    }
    let drain = waited.elapsed();
    println!(
        "inbox after the run: {} pending, {} running ({:.0} ms after the last 200); {stats:?}",
        stats.pending,
        stats.running,
        ms(drain)
    );
    println!(
        "acknowledged and handled: {:.0} deliveries/s ({:.2}x the baseline's throughput)",
        deliveries as f64 / (stored.elapsed + drain).as_secs_f64(),
        deliveries as f64 / (stored.elapsed + drain).as_secs_f64() / baseline.per_second
    );
    let _ = std::fs::remove_dir_all(&dir);
    if !ack_only {
        forward_round::run(deliveries, concurrency).await?;
    }
    Ok(())
}
