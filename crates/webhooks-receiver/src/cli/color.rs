//! `--color`: whether each stream is coloured ([`ColorWhen::colours`]: a terminal, unless
//! `NO_COLOR` is set or `TERM` is `dumb`), and clap's help, version and errors printed so.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use webhooks_validate::cli::{clap_message, ColorWhen};

/// Whether standard output and standard error are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Colours {
    /// Standard output (help, `--version`).
    pub(super) stdout: bool,
    /// Standard error (usage errors, the progress bar).
    pub(super) stderr: bool,
}

impl Colours {
    /// The process's streams under `when`.
    pub(super) fn of_process(when: ColorWhen) -> Self {
        let env = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        Colours {
            stdout: when.colours(std::io::stdout().is_terminal(), env),
            stderr: when.colours(std::io::stderr().is_terminal(), env),
        }
    }
}

/// Prints clap's error, help or version text on the stream it belongs to (help and version
/// on stdout, exit 0; errors on stderr, exit 2), coloured as `colours` says for that stream.
pub(super) fn print(error: &clap::Error, colours: Colours) -> ExitCode {
    let (text, to_stderr) = clap_message(error, colours.stdout, colours.stderr);
    let _ = if to_stderr {
        std::io::stderr().write_all(text.as_bytes())
    } else {
        std::io::stdout().write_all(text.as_bytes())
    };
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}
