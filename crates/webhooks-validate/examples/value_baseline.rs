//! The baseline of `bench/compare-python.sh`: parses each line of an NDJSON file into a
//! `serde_json::Value`, on one thread, and prints how many lines parsed and how many did not.
//! It validates nothing; it measures what reading and parsing the stream costs.
//!
//! usage: cargo run --release --example value_baseline -- FILE

use std::io::{BufRead, BufReader};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: value_baseline FILE");
        return ExitCode::from(2);
    };
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("value_baseline: {}: {e}", path.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut line = Vec::new();
    let (mut parsed, mut failed) = (0_usize, 0_usize);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("value_baseline: {e}");
                return ExitCode::from(2);
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<serde_json::Value>(&line) {
            Ok(value) if value.is_object() => parsed += 1,
            _ => failed += 1,
        }
    }
    println!("{parsed} objects parsed, {failed} lines not");
    ExitCode::from(u8::from(failed > 0))
}
