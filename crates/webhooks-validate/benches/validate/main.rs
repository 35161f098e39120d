//! Throughput of the ways to read a webhook, on the documented samples and on a large
//! `incoming_chat` (a thread of 200 events, several users), and of the command line in
//! `--ndjson` mode:
//!
//! 1. `value_parse`: `serde_json` into `serde_json::Value` (the untyped baseline);
//! 2. `typed_parse`: the version's `Webhook::from_slice` (duplicate keys checked);
//! 3. `payload_serde_json` and `payload_sonic_rs`: the typed payloads alone, through the same
//!    `Deserialize` code, read by `serde_json` and by `sonic-rs` (which parser the types use);
//! 4. `schema_validate`: `Validator::validate_value` on an already parsed value (the schema
//!    walk, which a body the types reject takes);
//! 5. `full_validate`: `Validator::validate` (for a valid body: the typed parse, which checks
//!    every rule of the schemas).
//!
//! The bodies are the current stable version's documented samples, as `samples/index.json`
//! lists them, each with the member order LiveChat writes.
//!
//! After the measurements, a summary gives MB/s, webhooks/s and each ratio to `value_parse`,
//! from the estimates this run wrote. `cargo bench -p webhooks-validate --bench validate`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use webhooks_types::VersionPayload;
use webhooks_validate::{ApiVersion, Validator};

mod bodies;
use bodies::Bodies;

/// The version measured: the current stable one.
const VERSION: ApiVersion = ApiVersion::STABLE;

/// The payload type of [`VERSION`], for the comparison of JSON parsers.
type StablePayload = webhooks_types::v3_6::Payload;

/// A body's action and its payload's text.
#[derive(Deserialize)]
struct Parts<'a> {
    action: String,
    #[serde(borrow)]
    payload: &'a RawValue,
}

/// How many of `parts` `read` (action, payload text) accepts.
fn count_read(parts: &[Parts<'_>], read: impl Fn(&str, &str) -> bool) -> usize {
    parts
        .iter()
        .filter(|p| read(&p.action, p.payload.get()))
        .count()
}

/// The typed payload of `action` read by `serde_json`.
fn by_serde_json(action: &str, text: &str) -> bool {
    StablePayload::deserialize_for(action, &mut serde_json::Deserializer::from_str(text)).is_ok()
}

/// The typed payload of `action` read by `sonic_rs`.
fn by_sonic_rs(action: &str, text: &str) -> bool {
    StablePayload::deserialize_for(action, &mut sonic_rs::Deserializer::from_str(text)).is_ok()
}

fn bench_set(c: &mut Criterion, name: &str, bodies: &[Vec<u8>], validator: &Validator) {
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let values: Vec<Value> = bodies
        .iter()
        .map(|b| serde_json::from_slice(b).expect("JSON"))
        .collect();
    for body in bodies {
        assert!(
            validator.validate(body).is_ok(),
            "{name}: a body is invalid"
        );
    }
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("value_parse", |b| {
        b.iter(|| {
            for body in bodies {
                black_box(serde_json::from_slice::<Value>(black_box(body)).ok());
            }
        })
    });
    group.bench_function("typed_parse", |b| {
        b.iter(|| {
            for body in bodies {
                black_box(VERSION.parse(black_box(body)).ok());
            }
        })
    });
    // The same typed payloads through two JSON parsers: which one the types should use.
    let parts: Vec<Parts<'_>> = bodies
        .iter()
        .map(|b| serde_json::from_slice(b).expect("an envelope"))
        .collect();
    for (parser, read) in [
        ("serde_json", by_serde_json as fn(&str, &str) -> bool),
        ("sonic_rs", by_sonic_rs),
    ] {
        assert_eq!(count_read(&parts, read), parts.len(), "{name}: {parser}");
        group.bench_function(format!("payload_{parser}"), |b| {
            b.iter(|| black_box(count_read(black_box(&parts), read)))
        });
    }
    group.bench_function("schema_validate", |b| {
        b.iter(|| {
            for value in &values {
                black_box(validator.validate_value(black_box(value)).ok());
            }
        })
    });
    group.bench_function("full_validate", |b| {
        b.iter(|| {
            for body in bodies {
                black_box(validator.validate(black_box(body)).ok());
            }
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion, bodies: &Bodies) {
    assert_eq!(
        StablePayload::API_VERSION,
        VERSION,
        "StablePayload names the stable version"
    );
    let validator = Validator::builder()
        .api_version(VERSION)
        .build()
        .expect("compiles");
    let documented = &bodies.documented;
    assert!(
        documented.len() > 30,
        "{} documented samples",
        documented.len()
    );
    bench_set(c, "documented", documented, &validator);
    bench_set(
        c,
        "large_incoming_chat",
        std::slice::from_ref(&bodies.large),
        &validator,
    );

    let input = &bodies.stream;
    let mut group = c.benchmark_group("cli");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(10);
    group.bench_function("ndjson", |b| {
        let args = vec![std::ffi::OsString::from("--ndjson")];
        b.iter(|| {
            let mut stdin = &input[..];
            let mut out = std::io::sink();
            let mut err = std::io::sink();
            let env = webhooks_validate::cli::Environment::default();
            let status = webhooks_validate::cli::run(&args, &env, &mut stdin, &mut out, &mut err);
            assert_eq!(status, 0);
        })
    });
    group.finish();
}

/// Mean time (ns) of one benchmark, from the estimates this run wrote (written since
/// `started`: an earlier run's, of a benchmark this one filtered out, are not shown).
fn mean_ns(dir: &Path, started: SystemTime, group: &str, function: &str) -> Option<f64> {
    let path = dir.join(group).join(function).join("new/estimates.json");
    let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    if written < started {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value["mean"]["point_estimate"].as_f64()
}

fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion")
}

/// Prints MB/s, webhooks/s and the ratio of each reader's time to `value_parse`.
fn summary(bodies: &Bodies, started: SystemTime) {
    let dir = criterion_dir();
    let sets = [
        (
            "documented",
            bodies.documented.iter().map(Vec::len).sum::<usize>(),
            bodies.documented.len(),
        ),
        ("large_incoming_chat", bodies.large.len(), 1),
    ];
    println!("\nsummary (mean times of this run; ratio = time / value_parse time)");
    for (group, bytes, count) in sets {
        let Some(base) = mean_ns(&dir, started, group, "value_parse") else {
            println!("{group}: not measured in this run (`cargo bench` measures; `--test` only runs once)");
            continue;
        };
        println!("{group}: {count} webhooks, {bytes} bytes");
        for function in [
            "value_parse",
            "typed_parse",
            "payload_serde_json",
            "payload_sonic_rs",
            "schema_validate",
            "full_validate",
        ] {
            if let Some(ns) = mean_ns(&dir, started, group, function) {
                let seconds = ns / 1e9;
                println!(
                    "  {function:<16} {:>9.1} MB/s {:>12.0} webhooks/s  ratio {:.2}",
                    bytes as f64 / seconds / 1e6,
                    count as f64 / seconds,
                    ns / base
                );
            }
        }
    }
    let input = &bodies.stream;
    if let Some(ns) = mean_ns(&dir, started, "cli", "ndjson") {
        let lines = input.iter().filter(|b| **b == b'\n').count();
        println!(
            "cli --ndjson: {} bytes, {lines} webhooks: {:.1} MB/s, {:.0} webhooks/s (every core, schema compile included)",
            input.len(),
            input.len() as f64 / (ns / 1e9) / 1e6,
            lines as f64 / (ns / 1e9)
        );
    }
}

fn main() {
    let started = SystemTime::now();
    let mut criterion = Criterion::default()
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    let bodies = Bodies::build();
    benches(&mut criterion, &bodies);
    criterion.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        summary(&bodies, started);
    }
}
