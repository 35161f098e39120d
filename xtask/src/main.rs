//! Maintenance tasks of the workspace, run as `cargo xtask <task>`. This file reads the command
//! line and dispatches; each task is a module (ARCHITECTURE.md maps them).

mod bundle;
mod codegen;
mod diff;
#[cfg(feature = "dist-cli")]
mod dist_cli;
mod files;
mod json;
mod layout;
/// Positions and JSON pointers: the one helper the crates use too, compiled here from its file
/// so that the generator does not depend on the crate it generates.
#[path = "../../crates/webhooks-types/src/location.rs"]
#[allow(dead_code)]
mod location;
mod manifest;
mod packages;
mod samples;
mod schema;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  codegen [--check]   generate crates/webhooks-types/src/generated/ (the types of every
                      API version), the copies of the schemas that webhooks-validate
                      and of the identity rules that webhooks-receiver embed, and
                      samples/index.json;
                      with --check, write nothing and fail, naming each stale file
  samples --from PAGE [--api-version V] [--check]
                      read the docs page PAGE (text or MDX) of version V (default: the
                      version of the seed page, the oldest), apply the version's
                      errata.json (that of the version whose schemas it uses) and
                      write samples/vV/<action>.json; with
                      --check, write nothing and fail, naming each action whose sample
                      differs from the page
  bundle [--check]    write the self-contained schemas dist/vV/webhook.json and
                      dist/vV/actions/<action>.json of every version from schemas/, and
                      the version's OpenAPI 3.1 and AsyncAPI 3.0 documents
                      dist/vV/openapi.json and asyncapi.json (package version: the top
                      entry of schemas/CHANGELOG.md); with --check, write nothing and
                      fail, naming each stale file
  diff A B [--format text|json]
                      compare the schemas of versions A and B (e.g. 3.5 3.6) as a
                      consumer that parses bodies sees them: actions and structures
                      added, removed or changed, each change breaking or compatible
  package             build the npm tarball livechat-webhooks-<version>.tgz, the wheel
                      livechat_webhooks-<version>-py3-none-any.whl and the sdist into
                      <target dir>/packages/ (version: the top entry of
                      schemas/CHANGELOG.md); needs node, npm and python3
  dist-cli            write the shell completions (bash, zsh, fish) and man pages of
                      webhooks-validate and webhooks-receiver (one page per
                      subcommand) into <target dir>/dist-cli/";

/// `dist-cli`, when xtask is built with the commands it describes.
fn dist_cli() -> Result<(), String> {
    #[cfg(feature = "dist-cli")]
    return dist_cli::run();
    #[cfg(not(feature = "dist-cli"))]
    Err(
        "dist-cli: xtask was built without its `dist-cli` feature (run `cargo xtask dist-cli`)"
            .into(),
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => ("", &[][..]),
    };
    let check = || match rest {
        [] => Ok(false),
        [flag] if flag == "--check" => Ok(true),
        _ => Err(USAGE.to_owned()),
    };
    let result = match task {
        "codegen" => check().and_then(codegen::run),
        "bundle" => check().and_then(bundle::run),
        "samples" => samples::Options::parse(rest)
            .ok_or_else(|| USAGE.to_owned())
            .and_then(samples::run_task),
        "diff" => diff::Options::parse(rest)
            .ok_or_else(|| USAGE.to_owned())
            .and_then(diff::run),
        "dist-cli" if rest.is_empty() => dist_cli(),
        "package" if rest.is_empty() => packages::run(),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
