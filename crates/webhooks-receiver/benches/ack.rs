//! Deliveries per second acknowledged end to end on loopback, with median and 99th-percentile
//! acknowledgement latency: the receiver over its SQLite inbox (durable commit, group commit)
//! against a baseline axum handler that answers 200 without storing, in one run, same bodies,
//! same client, in turns; the median round of each is reported, with the CPU time the whole
//! process (client included) spent per delivery and how many cores that kept busy.
//!
//! `cargo bench -p webhooks-receiver --bench ack [-- DELIVERIES CONCURRENCY]`; `-- --test`
//! runs a small round only, `-- --ack-only` leaves the forwarding round out, `-- --commits`
//! installs the Prometheus recorder (as `serve --admin-listen` does) and reports the inbox's
//! commits during the receiver's rounds from its metrics. Before the rounds it times the disk's
//! syncs on the inbox's file system (`disk/sync.rs`, the directory `TMPDIR` names), from one
//! writer and from two.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use tokio::sync::Semaphore;
use webhooks_receiver::telemetry::{metrics::Metrics, names};
use webhooks_receiver::{
    ApiVersion, Handler, Receiver, ReceiverConfig, SecretKeys, ServeOptions, SqliteInbox,
};

/// The disk's syncs, timed before the rounds.
#[path = "disk/sync.rs"]
mod disk_sync;
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
    /// CPU time the whole process (client and server) spent per delivery in the round; `None`
    /// when the round used too little to measure in clock ticks (under 100 ms).
    cpu_per_delivery: Option<Duration>,
    per_second: f64,
    median: Duration,
    p99: Duration,
    non_200: usize,
}

async fn round(url: &str, bodies: &[String], concurrency: usize) -> Round {
    let client = reqwest::Client::new();
    let gate = Arc::new(Semaphore::new(concurrency));
    let cpu = process_cpu();
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
    let used = process_cpu().saturating_sub(cpu);
    let cpu_per_delivery =
        (used >= Duration::from_millis(100)).then(|| used / bodies.len().max(1) as u32);
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Round {
        elapsed,
        cpu_per_delivery,
        per_second: bodies.len() as f64 / elapsed.as_secs_f64(),
        median: at(0.5),
        p99: at(0.99),
        non_200,
    }
}

/// The CPU time (user and system) the process has used, from `/proc/self/stat` in clock ticks
/// (Linux reports them at 100 a second), so to within 10 ms; zero where that cannot be read.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
}

/// The sum and count of a histogram in a Prometheus text.
fn histogram(text: &str, name: &str) -> (f64, f64) {
    let value = |suffix: &str| {
        let key = format!("{name}_{suffix} ");
        text.lines()
            .find_map(|l| l.strip_prefix(key.as_str()))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (value("sum"), value("count"))
}

/// The inbox's commits as the metrics tell them: (seconds committing, commits, operations).
async fn commits(metrics: Option<&Metrics>) -> (f64, f64, f64) {
    let Some(metrics) = metrics else {
        return (0.0, 0.0, 0.0);
    };
    let text = metrics.render().await;
    let (seconds, commits) = histogram(&text, names::INBOX_COMMIT_SECONDS);
    let (operations, _) = histogram(&text, names::INBOX_BATCH_OPERATIONS);
    (seconds, commits, operations)
}

/// Rounds of each server, taken in turns; the median round of each is reported.
const ROUNDS: usize = 5;

/// The element whose `key` is the median (the upper one of an even count).
fn median_by<T>(items: &[T], key: impl Fn(&T) -> f64) -> &T {
    let mut order: Vec<&T> = items.iter().collect();
    order.sort_by(|a, b| key(a).total_cmp(&key(b)));
    order[order.len() / 2]
}

/// What the worker left after a round.
struct Drained {
    pending: u64,
    running: u64,
    /// How long after the round's last 200 it was done (or gave up waiting).
    after: Duration,
}

/// Waits (at most `bound`) until the worker has handled everything acknowledged.
async fn drain<I: webhooks_receiver::Inbox>(
    receiver: &Receiver<I>,
    bound: Duration,
) -> Result<Drained, webhooks_receiver::InboxError> {
    let inbox = receiver.inbox().as_ref();
    let waited = Instant::now();
    let mut stats = webhooks_receiver::Inbox::stats(inbox).await?;
    while stats.pending + stats.running > 0 && waited.elapsed() < bound {
        tokio::time::sleep(Duration::from_millis(5)).await;
        stats = webhooks_receiver::Inbox::stats(inbox).await?;
    }
    Ok(Drained {
        pending: stats.pending,
        running: stats.running,
        after: waited.elapsed(),
    })
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
    let metrics = if args.iter().any(|a| a == "--commits") {
        Some(webhooks_receiver::telemetry::metrics::install()?)
    } else {
        None
    };
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let deliveries = if test {
        200
    } else {
        numbers.first().copied().unwrap_or(5000)
    };
    let concurrency = numbers.get(1).copied().unwrap_or(32);

    let dir = std::env::temp_dir().join(format!("webhooks-receiver-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // The disk first, while nothing else of the process writes to it (nothing runs yet).
    let disk = disk_sync::run(&dir, if test { 20 } else { 400 });
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
    let rounds = if test { 1 } else { ROUNDS };
    let warm: Vec<String> = (rounds * deliveries..rounds * deliveries + 200)
        .map(body)
        .collect();
    round(&baseline_url, &warm, concurrency).await;
    round(&stored_url, &warm, concurrency).await;
    let bound = Duration::from_secs(if test { 10 } else { 60 });
    drain(&receiver, bound).await?;

    // The two servers in turns, each receiver round followed by the worker's drain.
    let (mut baselines, mut receivers) = (Vec::new(), Vec::new());
    // The inbox's commits during the receiver's rounds (drains left out).
    let mut committing = (0.0, 0.0, 0.0);
    for r in 0..rounds {
        let bodies: Vec<String> = (r * deliveries..(r + 1) * deliveries).map(body).collect();
        baselines.push(round(&baseline_url, &bodies, concurrency).await);
        let before = commits(metrics.as_ref()).await;
        let stored = round(&stored_url, &bodies, concurrency).await;
        let after = commits(metrics.as_ref()).await;
        committing.0 += after.0 - before.0;
        committing.1 += after.1 - before.1;
        committing.2 += after.2 - before.2;
        let drained = drain(&receiver, bound).await?;
        receivers.push((stored, drained));
    }
    let listed = |rates: Vec<f64>| {
        rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "{deliveries} deliveries of incoming_event (~600 bytes), {concurrency} concurrent, \
         loopback HTTP/1.1; {rounds} rounds of each server in turns"
    );
    println!(
        "deliveries/s by round: baseline {}; receiver {}",
        listed(baselines.iter().map(|b| b.per_second).collect()),
        listed(receivers.iter().map(|(s, _)| s.per_second).collect())
    );
    let baseline = median_by(&baselines, |b| b.per_second);
    let (stored, drained) = median_by(&receivers, |(s, _)| s.per_second);
    println!("the median round of each:");
    println!(
        "| server | deliveries/s | median ack | p99 ack | non-200 | CPU per delivery | cores busy |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, r) in [
        ("baseline axum, 200 without storing", baseline),
        (
            "receiver, SQLite inbox (WAL, synchronous=FULL, group commit)",
            stored,
        ),
    ] {
        let (cpu, cores) = r.cpu_per_delivery.map_or(("-".into(), "-".into()), |c| {
            (
                format!("{:.0} µs", c.as_secs_f64() * 1e6),
                format!("{:.2}", c.as_secs_f64() * r.per_second),
            )
        });
        println!(
            "| {name} | {:.0} | {:.2} ms | {:.2} ms | {} | {cpu} | {cores} |",
            r.per_second,
            ms(r.median),
            ms(r.p99),
            r.non_200,
        );
    }
    println!(
        "receiver/baseline: {:.2}x the throughput, {:.2}x the median latency, {:.2}x the p99",
        stored.per_second / baseline.per_second,
        ms(stored.median) / ms(baseline.median).max(f64::MIN_POSITIVE),
        ms(stored.p99) / ms(baseline.p99).max(f64::MIN_POSITIVE)
    );
    println!(
        "answers other than 200 over all rounds: baseline {}, receiver {}",
        baselines.iter().map(|b| b.non_200).sum::<usize>(),
        receivers.iter().map(|(s, _)| s.non_200).sum::<usize>()
    );
    let pending: u64 = receivers.iter().map(|(_, d)| d.pending + d.running).sum();
    let slowest = receivers
        .iter()
        .map(|(_, d)| d.after)
        .max()
        .unwrap_or_default();
    println!(
        "inbox after each receiver round: {pending} pending or running in all (the worker done \
         at most {:.0} ms after the round's last 200); at the end {:?}",
        ms(slowest),
        webhooks_receiver::Inbox::stats(receiver.inbox().as_ref()).await?
    );
    let handled = deliveries as f64 / (stored.elapsed + drained.after).as_secs_f64();
    println!(
        "acknowledged and handled, the median round: {handled:.0} deliveries/s ({:.2}x the \
         baseline's throughput)",
        handled / baseline.per_second
    );
    if metrics.is_some() {
        let (seconds, count, operations) = committing;
        let elapsed: f64 = receivers.iter().map(|(s, _)| s.elapsed.as_secs_f64()).sum();
        let stored = (rounds * deliveries) as f64;
        println!(
            "inbox commits that changed rows in the receiver's rounds: {count:.0}, {:.0} µs each \
             on average, {:.1} operations each (stores, claims, completions), {:.1} deliveries \
             per commit; the writer spent {:.0}% of the rounds' time in COMMIT",
            seconds / count.max(1.0) * 1e6,
            operations / count.max(1.0),
            stored / count.max(1.0),
            100.0 * seconds / elapsed.max(f64::MIN_POSITIVE)
        );
    }
    println!("{}", disk_sync::describe(&disk, &dir));
    let _ = std::fs::remove_dir_all(&dir);
    if !ack_only {
        forward_round::run(deliveries, concurrency).await?;
    }
    Ok(())
}
