//! Running the `webhooks-validate` binary from the tests.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The samples folder of [`oldest`]'s version.
pub fn samples() -> PathBuf {
    oldest().1
}

pub fn sample(name: &str) -> String {
    samples().join(name).to_string_lossy().into_owned()
}

/// Runs the binary with `args` and `stdin`.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    run_with(args, stdin, &[])
}

/// Runs the binary with `args`, `stdin` and the environment variables `env` added.
pub fn run_with<A: AsRef<OsStr>>(args: &[A], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_webhooks-validate"));
    // The samples are those of the oldest version: check them as such, unless told otherwise.
    if !args.iter().any(|a| a.as_ref() == "--api-version") {
        command.args(["--api-version", oldest().0.name()]);
    }
    unset(&mut command).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    output_of(command, stdin)
}

/// Removes from `command`'s environment what the command reads of the test's: the secret's
/// variables and `NO_COLOR`.
pub fn unset(command: &mut Command) -> &mut Command {
    command
        .env_remove("LIVECHAT_SECRET_KEY")
        .env_remove("WEBHOOKS_SECRET_KEY")
        .env_remove("NO_COLOR")
}

/// Runs `command` with `stdin` written to it and its output taken through pipes.
pub fn output_of(mut command: Command, stdin: &[u8]) -> Output {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    // Write from another thread so a large input cannot block on a full stdout pipe.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("the binary ends");
    writer.join().expect("writer thread");
    output
}

/// Runs the binary with `args` and `stdin`, asserts that it exits with `status`, and returns
/// its standard output.
pub fn stdout_of(status: i32, args: &[&str], stdin: &[u8]) -> String {
    let output = run(args, stdin);
    assert_eq!(output.status.code(), Some(status), "{}", stderr(&output));
    stdout(&output)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The entries of the manifest `samples/index.json` (one per version, oldest first), read once.
pub fn manifest_versions() -> &'static [serde_json::Value] {
    static ENTRIES: std::sync::OnceLock<Vec<serde_json::Value>> = std::sync::OnceLock::new();
    ENTRIES.get_or_init(|| {
        let text =
            std::fs::read(workspace().join("samples/index.json")).expect("the manifest exists");
        let manifest: serde_json::Value =
            serde_json::from_slice(&text).expect("the manifest is JSON");
        manifest["versions"].as_array().expect("versions").clone()
    })
}

/// The version of a manifest entry.
pub fn version_of(entry: &serde_json::Value) -> webhooks_validate::ApiVersion {
    let version = entry["version"].as_str().and_then(|v| v.parse().ok());
    version.expect("a version this build knows")
}

/// The oldest API version of the manifest and its samples folder: the version whose samples
/// these tests are written on.
pub fn oldest() -> (webhooks_validate::ApiVersion, PathBuf) {
    let first = &manifest_versions()[0];
    let folder = first["samples"].as_str().expect("a samples folder");
    (version_of(first), workspace().join(folder))
}

/// A validator builder for [`oldest`]'s version.
pub fn validator() -> webhooks_validate::ValidatorBuilder {
    webhooks_validate::Validator::builder().api_version(oldest().0)
}

/// A version of the manifest, its samples folder and its sample files (relative to that
/// folder) with whether each is valid.
pub type VersionSamples = (webhooks_validate::ApiVersion, PathBuf, Vec<(String, bool)>);

/// Every version of the manifest with every sample file it lists, valid and negative.
pub fn versions() -> Vec<VersionSamples> {
    manifest_versions()
        .iter()
        .map(|entry| {
            let folder = workspace().join(entry["samples"].as_str().expect("a samples folder"));
            let files = entry["files"]
                .as_array()
                .expect("files")
                .iter()
                .filter_map(|f| Some((f["file"].as_str()?.to_owned(), f["valid"] == true)))
                .collect();
            (version_of(entry), folder, files)
        })
        .collect()
}
