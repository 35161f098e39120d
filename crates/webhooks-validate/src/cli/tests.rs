//! The pool of validation threads gives, byte for byte and in order, what one thread gives.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::parallel::{Checker, Pool, Sequential, Window};
use super::*;

/// The samples of the typed version: valid and invalid bodies, each on one line.
fn sample_lines() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/v3.5");
    let mut paths: Vec<PathBuf> = Vec::new();
    for folder in [root.clone(), root.join("extra"), root.join("invalid")] {
        let entries = std::fs::read_dir(&folder).expect("samples folder");
        paths.extend(entries.map(|entry| entry.expect("entry").path()));
    }
    paths.retain(|path| path.extension().is_some_and(|e| e == "json"));
    paths.sort();
    assert!(paths.len() > 50, "{} samples", paths.len());
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read(path).expect("sample");
            match serde_json::from_slice::<serde_json::Value>(&text) {
                Ok(value) => serde_json::to_vec(&value).expect("serializes"),
                // Invalid JSON stays as written, on one line.
                Err(_) => text
                    .iter()
                    .map(|&b| if b == b'\n' { b' ' } else { b })
                    .collect(),
            }
        })
        .collect()
}

/// A stream of valid and invalid lines mixed: samples, invalid JSON, blank lines, a line
/// beyond `--max-body-size 6000`, non-objects, control characters.
fn mixed_stream() -> Vec<u8> {
    let samples = sample_lines();
    let mut stream = Vec::new();
    for i in 0..600 {
        match i % 11 {
            3 => stream.extend_from_slice(b"{\"action\": \"thread_tagged\", "),
            5 => stream.extend_from_slice(b"   "),
            7 => stream.extend_from_slice(&vec![b' '; 7000]),
            8 => stream.extend_from_slice(b"[1, 2]"),
            9 => stream.extend_from_slice(b"{\"action\": \"x\\n\\u001b[2J\"}"),
            _ => stream.extend_from_slice(&samples[(i * 7) % samples.len()]),
        }
        stream.push(b'\n');
    }
    stream.extend_from_slice(&samples[0]);
    stream
}

fn options(args: &[&str]) -> Options {
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    Options::parse_from(&args, clap::ColorChoice::Never).expect("valid options")
}

/// Runs `args` on `stdin` with one thread, then with a pool of `threads` and a small window;
/// returns (status, stdout, stderr) of each.
fn both(args: &[&str], stdin: &[u8], threads: usize) -> [(u8, String, String); 2] {
    let options = options(args);
    let validator = Validator::builder()
        .strict(options.strict)
        .max_errors(options.max_errors)
        .max_body_size(Some(options.max_body_size))
        .build()
        .expect("validator");
    let progress = Progress::hidden();
    let checker = Checker {
        validator: &validator,
        format: options.format,
        styles: Styles::new(false),
        limit: options.max_body_size,
        progress: &progress,
    };
    let run = Run {
        options: &options,
        progress: &progress,
        err_styles: Styles::new(false),
    };
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let (status, _) = run.check_all(
        &mut &stdin[..],
        &mut Sequential::new(checker, &mut out),
        &mut err,
    );
    let one = (status, text(out), text(err));
    // Batches of a few bodies, few in flight: many batches end out of order.
    let window = Window {
        batch_bytes: 2000,
        batch_bodies: 3,
        batches: 5,
        bytes: 9000,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = std::thread::scope(|scope| {
        let mut pool = Pool::start(scope, checker, threads, window, &mut out);
        run.check_all(&mut &stdin[..], &mut pool, &mut err).0
    });
    [one, (status, text(out), text(err))]
}

#[test]
fn the_pool_writes_what_one_thread_writes_in_the_same_order() {
    let stream = mixed_stream();
    for format in ["text", "json"] {
        let args = ["--ndjson", "--max-body-size", "6000", "--max-errors", "3"];
        let [one, many] = both(&[&args[..], &["--format", format]].concat(), &stream, 4);
        assert_eq!(one.0, EXIT_INVALID);
        let last = [":601: ok ", "\"line\":601,\"valid\":true"];
        assert!(last.iter().any(|l| one.1.contains(l)), "{format}");
        assert!(one.1.contains("[too_large]") || one.1.contains("\"too_large\""));
        assert_eq!(one, many, "{format}");
    }
    // Only valid lines: status 0 both ways.
    let validator = Validator::new().expect("validator");
    let valid: Vec<u8> = sample_lines()
        .into_iter()
        .filter(|line| validator.validate(line).is_ok())
        .flat_map(|mut line| {
            line.push(b'\n');
            line
        })
        .collect();
    let [one, many] = both(&["--ndjson"], &valid, 3);
    assert_eq!(one.0, EXIT_VALID);
    assert_eq!(one, many);
}

#[test]
fn several_files_keep_their_order_and_an_unreadable_one_is_reported_in_place() {
    let dir = std::env::temp_dir().join(format!("wv-pool-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut names = Vec::new();
    for (i, line) in sample_lines().iter().enumerate().take(40) {
        let path = dir.join(format!("body-{i:02}.json"));
        std::fs::write(&path, line).expect("written");
        names.push(path.to_string_lossy().into_owned());
        if i == 17 {
            names.push(dir.join("missing.json").to_string_lossy().into_owned());
        }
    }
    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    let [one, many] = both(&args, b"", 2);
    assert_eq!(one.0, EXIT_USAGE);
    assert_eq!(one.1.lines().filter(|l| l.contains("body-")).count(), 40);
    assert!(one.2.contains("missing.json"), "{}", one.2);
    assert_eq!(one, many);
    let _ = std::fs::remove_dir_all(&dir);
}
