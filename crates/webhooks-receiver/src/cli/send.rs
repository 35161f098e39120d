//! `send`: posts samples to a receiver.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;

use super::progress::Posts;
use super::secret::Source;
use super::Failure;
use crate::identity::Members;
use crate::ApiVersion;

#[derive(Debug, Args)]
pub(super) struct SendArgs {
    /// The receiver's URL, e.g. http://127.0.0.1:8080/
    #[arg(value_name = "URL", value_hint = clap::ValueHint::Url)]
    url: String,
    /// File whose first secret (one per line) is put into each sample's `secret_key`. Without
    /// it, the secret is the first line of the environment variable LIVECHAT_SECRET_KEY (or of
    /// its earlier name WEBHOOKS_SECRET_KEY).
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub(super) secret_key_file: Option<PathBuf>,
    /// API version of the samples: `--all` posts the documented samples the manifest lists.
    #[arg(long, value_name = "VERSION", default_value_t = ApiVersion::STABLE,
        value_parser = webhooks_validate::cli::api_version_parser())]
    api_version: ApiVersion,
    /// Post every documented sample of the version, as `samples/index.json` lists them (run
    /// from the workspace root, or give --manifest or --samples-dir).
    #[arg(long, conflicts_with = "samples", required_unless_present = "samples")]
    all: bool,
    #[command(flatten)]
    all_from: AllFrom,
    /// Post each sample this many times (to test redelivery). On a terminal, a progress bar
    /// shows the posts done on stderr; a summary line ends the run there.
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: u32,
    /// Neither progress bar nor summary on stderr (the statuses are printed all the same).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Sample files (webhook bodies).
    #[arg(value_name = "SAMPLE.json", value_hint = clap::ValueHint::FilePath)]
    samples: Vec<PathBuf>,
}

/// Where `--all` finds the samples when not in `samples/index.json`: one of these at most, and
/// not with sample files, hence only with `--all` (`requires = "all"` would let them through:
/// the flag's default value satisfies it).
#[derive(Debug, Args)]
#[group(multiple = false, conflicts_with = "samples")]
struct AllFrom {
    /// The manifest `--all` reads [default: samples/index.json].
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    manifest: Option<PathBuf>,
    /// Post every `*.json` of DIR instead (but `errata.json`).
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    samples_dir: Option<PathBuf>,
}

/// The documented samples of `version` that the manifest at `path` lists, resolved against the workspace root the manifest names by its own place
/// (`<root>/samples/index.json`).
fn samples_of(path: &Path, version: ApiVersion) -> Result<Vec<PathBuf>, Failure> {
    let text = std::fs::read(path).map_err(|e| {
        Failure::io(format!(
            "cannot read the manifest {} (run from the workspace root, or give --manifest or --samples-dir): {e}",
            path.display()
        ))
    })?;
    let manifest: Value = serde_json::from_slice(&text)
        .map_err(|e| Failure::io(format!("{}: not JSON: {e}", path.display())))?;
    let root = path
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let entry = manifest["versions"]
        .as_array()
        .and_then(|all| all.iter().find(|v| v["version"] == version.name()))
        .ok_or_else(|| Failure::io(format!("{} lists no samples of v{version}", path.display())))?;
    let folder = root.join(entry["samples"].as_str().unwrap_or_default());
    let files: Vec<PathBuf> = entry["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter(|f| f["kind"] == "documented")
                .filter_map(|f| f["file"].as_str())
                .map(|f| folder.join(f))
                .collect()
        })
        .unwrap_or_default();
    if files.is_empty() {
        return Err(Failure::io(format!(
            "{} lists no documented sample of v{version}",
            path.display()
        )));
    }
    Ok(files)
}

/// The sample files of a directory: its `*.json` but `errata.json`, sorted.
fn samples_in(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Failure::io(format!(
            "cannot read the samples directory {}: {e}",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().is_some_and(|n| n != "errata.json")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Failure::io(format!("no samples in {}", dir.display())));
    }
    Ok(files)
}

/// The sample's text with `secret_key` set to `secret` (added when absent); the other members
/// keep their text.
pub(crate) fn with_secret(sample: &str, secret: &str) -> Result<String, String> {
    let members: Members<'_> =
        serde_json::from_str(sample).map_err(|e| format!("not a JSON object: {e}"))?;
    let secret = Value::String(secret.to_owned()).to_string();
    let mut out = String::with_capacity(sample.len() + secret.len());
    out.push('{');
    let mut placed = false;
    for (i, (key, value)) in members.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(key.clone().into_owned()).to_string());
        out.push(':');
        if key == "secret_key" {
            out.push_str(&secret);
            placed = true;
        } else {
            out.push_str(value.get());
        }
    }
    if !placed {
        if !members.0.is_empty() {
            out.push(',');
        }
        out.push_str("\"secret_key\":");
        out.push_str(&secret);
    }
    out.push('}');
    Ok(out)
}

/// Posts the samples (`secret`: where the secret is read; the process's standard error is
/// coloured when `coloured`).
pub(super) async fn run(
    args: SendArgs,
    secret: Option<Source>,
    coloured: bool,
) -> Result<(), Failure> {
    let secret = secret
        .ok_or_else(|| Failure::io(super::secret::SEND_MISSING))?
        .first()?;
    let files = if args.all {
        match &args.all_from.samples_dir {
            Some(dir) => samples_in(dir)?,
            None => {
                let manifest = args
                    .all_from
                    .manifest
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("samples/index.json"));
                samples_of(&manifest, args.api_version)?
            }
        }
    } else {
        args.samples.clone()
    };
    let mut bodies = Vec::with_capacity(files.len());
    for file in &files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Failure::io(format!("cannot read {}: {e}", file.display())))?;
        let body = with_secret(&text, &secret)
            .map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
        // What the receiver stores and reports as `body_sha256`.
        let digest = crate::transport::scan::secret_in(body.as_bytes())
            .map(|span| crate::ingest::stored_sha256(body.as_bytes(), span))
            .unwrap_or_default();
        bodies.push((file, body, digest));
    }
    let client = reqwest::Client::new();
    let total = (bodies.len() as u64).saturating_mul(u64::from(args.repeat));
    let bar = total > 1 && !args.quiet && std::io::stderr().is_terminal();
    let mut posts = Posts::start(total, bar, coloured);
    for _ in 0..args.repeat {
        for (file, body, digest) in &bodies {
            let response = client
                .post(&args.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
                .await
                .map_err(|e| {
                    posts.clear();
                    Failure::io(format!("cannot post to {}: {e}", args.url))
                })?;
            let status = response.status();
            let stdout = |e: std::io::Error| Failure::io(format!("cannot write to stdout: {e}"));
            posts
                .println(&format!("{} {digest} {}", status.as_u16(), file.display()))
                .map_err(stdout)?;
            let ok = status == reqwest::StatusCode::OK;
            if !ok {
                let text = response.text().await.unwrap_or_default();
                let shown: String = text.chars().take(2000).collect();
                if !shown.is_empty() {
                    posts.println(&format!("  {shown}")).map_err(stdout)?;
                }
            }
            posts.done(ok);
        }
    }
    if args.quiet {
        posts.clear();
    } else {
        posts
            .finish(&mut std::io::stderr())
            .map_err(|e| Failure::io(format!("cannot write the summary: {e}")))?;
    }
    match posts.not_ok() {
        0 => Ok(()),
        n => Err(Failure::input(format!(
            "{n} deliveries were not answered 200"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_replaced_or_added() {
        assert_eq!(
            with_secret(r#"{"a": 1, "secret_key": "x", "b": [ 2 ]}"#, "s\"").as_deref(),
            Ok(r#"{"a":1,"secret_key":"s\"","b":[ 2 ]}"#)
        );
        assert_eq!(
            with_secret(r#"{"a":1}"#, "s").as_deref(),
            Ok(r#"{"a":1,"secret_key":"s"}"#)
        );
        assert_eq!(
            with_secret("{}", "s").as_deref(),
            Ok(r#"{"secret_key":"s"}"#)
        );
        assert!(with_secret("[]", "s").is_err());
    }
}
