//! Output into a pipe stays what it was before the command had colour, a progress bar and a
//! summary: byte for byte, on every sample of every version, as text and as JSON, from files
//! and as an NDJSON stream. The expected output is in `tests/piped/`, written by the command as
//! it was; `WEBHOOKS_VALIDATE_BLESS=<binary>` writes it again with that binary (the files then
//! show in `git diff`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{manifest_versions, output_of, unset, workspace};

/// One run: its name, its arguments, and its standard input.
struct Case {
    name: String,
    args: Vec<String>,
    stdin: Vec<u8>,
}

/// The runs of every version: the sample files as arguments, and the same bodies as one
/// NDJSON stream (each file's newlines made spaces), each as text and as JSON.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for entry in manifest_versions() {
        let version = entry["version"].as_str().expect("a version");
        let folder = entry["samples"].as_str().expect("a samples folder");
        let files: Vec<String> = entry["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| format!("{folder}/{}", f["file"].as_str().expect("a file")))
            .collect();
        let mut stream = Vec::new();
        for file in &files {
            let text = std::fs::read(workspace().join(file)).expect("a sample");
            stream.extend(text.iter().map(|&b| if b == b'\n' { b' ' } else { b }));
            stream.push(b'\n');
        }
        for format in ["text", "json"] {
            let base = vec![
                "--api-version".to_owned(),
                version.to_owned(),
                "--format".to_owned(),
                format.to_owned(),
            ];
            cases.push(Case {
                name: format!("v{version}-files-{format}"),
                args: [base.clone(), files.clone()].concat(),
                stdin: Vec::new(),
            });
            cases.push(Case {
                name: format!("v{version}-ndjson-{format}"),
                args: [base, vec!["--ndjson".to_owned()]].concat(),
                stdin: stream.clone(),
            });
        }
    }
    cases
}

fn run(binary: &Path, args: &[String], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(binary);
    unset(&mut command)
        .args(args)
        .current_dir(workspace())
        .envs(env.iter().copied());
    output_of(command, stdin)
}

fn expected_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/piped")
}

/// The expected output of a case: exit status, standard output and standard error.
fn expected(name: &str) -> (i32, Vec<u8>, Vec<u8>) {
    let read = |ext: &str| {
        let path = expected_dir().join(format!("{name}.{ext}"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let status = String::from_utf8(read("status")).expect("a status");
    let status = status.trim().parse().expect("a status");
    (status, read("stdout"), read("stderr"))
}

/// The first line where two outputs differ, for the failure message.
fn first_difference(expected: &[u8], got: &[u8]) -> String {
    let (e, g) = (
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(got),
    );
    match e
        .lines()
        .zip(g.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        Some((i, (a, b))) => format!("line {}: expected {a:?}, got {b:?}", i + 1),
        None => format!(
            "{} lines expected, {} written",
            e.lines().count(),
            g.lines().count()
        ),
    }
}

#[test]
fn piped_output_is_byte_for_byte_what_it_was() {
    if let Some(binary) = std::env::var_os("WEBHOOKS_VALIDATE_BLESS") {
        std::fs::create_dir_all(expected_dir()).expect("the folder");
        for case in cases() {
            let output = run(Path::new(&binary), &case.args, &case.stdin, &[]);
            let write = |ext: &str, bytes: &[u8]| {
                let path = expected_dir().join(format!("{}.{ext}", case.name));
                std::fs::write(path, bytes).expect("written");
            };
            let status = output.status.code().expect("an exit status");
            write("status", format!("{status}\n").as_bytes());
            write("stdout", &output.stdout);
            write("stderr", &output.stderr);
        }
        return;
    }
    let binary = Path::new(env!("CARGO_BIN_EXE_webhooks-validate"));
    let cases = cases();
    assert!(cases.len() >= 12, "{} cases", cases.len());
    let mut invalid_seen = false;
    for case in &cases {
        let (status, stdout, stderr) = expected(&case.name);
        invalid_seen |= status == 1 && !stdout.is_empty();
        // A terminal's settings change nothing in a pipe; --color=never is what auto gives.
        for env in [
            &[][..],
            &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
        ] {
            let output = run(binary, &case.args, &case.stdin, env);
            let name = &case.name;
            assert_eq!(output.status.code(), Some(status), "{name}");
            assert!(
                output.stdout == stdout,
                "{name}: standard output differs, {}",
                first_difference(&stdout, &output.stdout)
            );
            // The summary is added after what standard error had before.
            assert!(output.stderr.starts_with(&stderr), "{name}: standard error");
            assert!(
                String::from_utf8_lossy(&output.stderr).contains("bodies"),
                "{name}: no summary"
            );
        }
        let quiet = [case.args.clone(), vec!["--quiet".to_owned()]].concat();
        let output = run(binary, &quiet, &case.stdin, &[]);
        assert_eq!(output.stdout, stdout, "{} --quiet", case.name);
        assert_eq!(output.stderr, stderr, "{} --quiet", case.name);
        let never = [case.args.clone(), vec!["--color=never".to_owned()]].concat();
        let output = run(binary, &never, &case.stdin, &[]);
        assert_eq!(output.stdout, stdout, "{} --color=never", case.name);
    }
    assert!(invalid_seen, "no case lists an invalid body");
}
