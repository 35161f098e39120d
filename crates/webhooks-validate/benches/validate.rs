//! Throughput of the four ways to read a webhook, on the documented samples and on a large
//! `incoming_chat` (a thread of 200 events, several users), and of the command line in
//! `--ndjson` mode:
//!
//! 1. `value_parse`: `serde_json` into `serde_json::Value` (the untyped baseline);
//! 2. `typed_parse`: `Webhook::from_slice` of the version;
//! 3. `schema_validate`: `Validator::validate_value` on an already parsed value (the schema
//!    walk, which a body the types reject takes);
//! 4. `full_validate`: `Validator::validate` (for a valid body: the typed parse, which checks
//!    every rule of the schemas).
//!
//! The bodies are the current stable version's documented samples, as `samples/index.json`
//! lists them.
//!
//! After the measurements, a summary gives MB/s, webhooks/s and each ratio to `value_parse`,
//! from the estimates this run wrote. `cargo bench -p webhooks-validate --bench validate`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput};
use serde_json::{json, Value};
use webhooks_validate::{ApiVersion, Validator};

/// The version measured: the current stable one.
const VERSION: ApiVersion = ApiVersion::STABLE;

/// The manifest's entry of [`VERSION`].
fn entry() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read(root.join("samples/index.json")).expect("the manifest");
    let manifest: Value = serde_json::from_slice(&text).expect("JSON");
    manifest["versions"]
        .as_array()
        .and_then(|all| all.iter().find(|v| v["version"] == VERSION.name()))
        .cloned()
        .expect("the stable version is in the manifest")
}

fn samples_dir() -> PathBuf {
    let folder = entry()["samples"].as_str().unwrap_or_default().to_owned();
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(folder)
}

/// The documented samples of [`VERSION`].
fn documented() -> Vec<Vec<u8>> {
    let dir = samples_dir();
    entry()["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["kind"] == "documented")
        .map(|f| std::fs::read(dir.join(f["file"].as_str().expect("a file"))).expect("readable"))
        .collect()
}

fn read(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(samples_dir().join(name)).expect("sample")).expect("JSON")
}

/// `incoming_chat` with a thread of 200 events of every type and six users.
fn large_incoming_chat() -> Vec<u8> {
    let mut chat = read("extra/incoming_chat.full.json");
    let kinds = [
        "message",
        "file",
        "form",
        "filled_form",
        "rich_message",
        "custom",
        "system_message",
    ];
    let templates: Vec<Value> = kinds
        .iter()
        .map(|k| read(&format!("extra/incoming_event.{k}.json"))["payload"]["event"].clone())
        .collect();
    let events: Vec<Value> = (0..200)
        .map(|i| {
            let mut event = templates[i % templates.len()].clone();
            event["id"] = json!(format!("K600PKZON8_{i}"));
            event
        })
        .collect();
    chat["payload"]["chat"]["thread"]["events"] = Value::Array(events);
    let users = chat["payload"]["chat"]["users"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut more = Vec::new();
    for i in 0..3 {
        for user in &users {
            let mut user = user.clone();
            if user["type"] == "agent" {
                user["id"] = json!(format!("agent{i}@example.com"));
            } else {
                user["id"] = json!(format!("b7eff798-f8df-4364-8059-649c35c9ed0{i}"));
            }
            more.push(user);
        }
    }
    chat["payload"]["chat"]["users"] = Value::Array(more);
    serde_json::to_vec_pretty(&chat).expect("serializes")
}

/// The documented samples, one per line, repeated to about 8 MB.
fn ndjson(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut lines = Vec::new();
    for body in bodies {
        let value: Value = serde_json::from_slice(body).expect("JSON");
        lines.extend(serde_json::to_vec(&value).expect("serializes"));
        lines.push(b'\n');
    }
    let copies = (8 << 20) / lines.len() + 1;
    lines.repeat(copies)
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

fn benches(c: &mut Criterion) {
    let validator = Validator::builder()
        .api_version(VERSION)
        .build()
        .expect("compiles");
    let documented = documented();
    assert!(
        documented.len() > 30,
        "{} documented samples",
        documented.len()
    );
    bench_set(c, "documented", &documented, &validator);
    bench_set(
        c,
        "large_incoming_chat",
        &[large_incoming_chat()],
        &validator,
    );

    let input = ndjson(&documented);
    let mut group = c.benchmark_group("cli");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(10);
    group.bench_function("ndjson", |b| {
        let args = vec![std::ffi::OsString::from("--ndjson")];
        b.iter(|| {
            let mut stdin = &input[..];
            let mut out = std::io::sink();
            let mut err = std::io::sink();
            let status = webhooks_validate::cli::run(&args, None, &mut stdin, &mut out, &mut err);
            assert_eq!(status, 0);
        })
    });
    group.finish();
}

/// Mean time (ns) of one benchmark, from the estimates this run wrote.
fn mean_ns(dir: &Path, group: &str, function: &str) -> Option<f64> {
    let text =
        std::fs::read_to_string(dir.join(group).join(function).join("new/estimates.json")).ok()?;
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
fn summary() {
    let dir = criterion_dir();
    let sets = [
        (
            "documented",
            documented().iter().map(Vec::len).sum::<usize>(),
            documented().len(),
        ),
        ("large_incoming_chat", large_incoming_chat().len(), 1),
    ];
    println!("\nsummary (mean times of this run; ratio = time / value_parse time)");
    for (group, bytes, count) in sets {
        let Some(base) = mean_ns(&dir, group, "value_parse") else {
            println!("{group}: no estimates (run without --test to measure)");
            continue;
        };
        println!("{group}: {count} webhooks, {bytes} bytes");
        for function in [
            "value_parse",
            "typed_parse",
            "schema_validate",
            "full_validate",
        ] {
            if let Some(ns) = mean_ns(&dir, group, function) {
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
    let input = ndjson(&documented());
    if let Some(ns) = mean_ns(&dir, "cli", "ndjson") {
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
    let mut criterion = Criterion::default()
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        summary();
    }
}
