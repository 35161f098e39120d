//! The command-line validator. The `webhooks-validate` binary calls [`run`]; it lives in the
//! library so that tests and benchmarks drive it without a process.

mod args;
mod input;
mod parallel;
mod progress;
mod report;
mod style;
mod summary;
#[cfg(test)]
mod tests;

use std::ffi::{OsStr, OsString};
use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;

use crate::Validator;
pub use args::{
    api_version_parser, version_text, DEFAULT_MAX_BODY_SIZE, SECRET_ENV, SECRET_ENV_ALIAS,
};
use args::{Format, Options};
use input::Body;
use parallel::{Checker, Pool, Sequential, Sink};
use progress::{Beside, Counted, Progress};
pub use style::{clap_message, progress_template, ColorWhen};
use style::{Styled, Styles};

/// The command's definition, as clap describes it: for its shell completions and man page.
pub fn command() -> clap::Command {
    Options::command()
}

/// Exit status: every input valid.
pub const EXIT_VALID: u8 = 0;
/// Exit status: at least one input invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit status: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// What the command reads of its surroundings besides its arguments and input: the secret's
/// environment variable, whether its output streams are terminals (for colour and the progress
/// bar), the colour variables, and the size of standard input when it is a file.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The secret from the environment: the name of the variable that is set
    /// ([`SECRET_ENV`], or else [`SECRET_ENV_ALIAS`]) and its value.
    pub secret: Option<(&'static str, OsString)>,
    /// Whether standard output is a terminal.
    pub stdout_terminal: bool,
    /// Whether standard error is a terminal: the progress bar is drawn on the process's
    /// standard error only then.
    pub stderr_terminal: bool,
    /// `NO_COLOR`.
    pub no_color: Option<String>,
    /// `TERM`.
    pub term: Option<String>,
    /// The size of standard input, when it is a regular file.
    pub stdin_size: Option<u64>,
}

impl Environment {
    /// The process's environment.
    pub fn of_process() -> Self {
        let secret = [SECRET_ENV, SECRET_ENV_ALIAS]
            .into_iter()
            .find_map(|name| std::env::var_os(name).map(|value| (name, value)));
        let text = |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        let stdin_size = std::fs::metadata("/dev/stdin")
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        Environment {
            secret,
            stdout_terminal: io::stdout().is_terminal(),
            stderr_terminal: io::stderr().is_terminal(),
            no_color: text("NO_COLOR"),
            term: text("TERM"),
            stdin_size,
        }
    }

    /// Whether a stream that is a `terminal` or not is coloured under `when`.
    fn colours(&self, when: ColorWhen, terminal: bool) -> bool {
        when.colours(terminal, |name| match name {
            "NO_COLOR" => self.no_color.clone(),
            "TERM" => self.term.clone(),
            _ => None,
        })
    }
}

/// Runs the command with `args` (without the program name), reading `-` from `stdin`, in the
/// surroundings `env`. Returns the exit status.
pub fn run(
    args: &[OsString],
    env: &Environment,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    // Help and usage errors are coloured as `--color` says when it parses, else as auto.
    let when = ColorWhen::before_parsing(args);
    let (out_coloured, err_coloured) = (
        env.colours(when, env.stdout_terminal),
        env.colours(when, env.stderr_terminal),
    );
    let options = match Options::parse_from(args, when.clap(err_coloured)) {
        Ok(options) => options,
        Err(e) => {
            let (text, to_stderr) = style::clap_message(&e, out_coloured, err_coloured);
            if to_stderr {
                let _ = stderr.write_all(text.as_bytes());
                return EXIT_USAGE;
            }
            let _ = stdout.write_all(text.as_bytes());
            return EXIT_VALID;
        }
    };
    let err_styles = Styles::new(err_coloured);
    let fail = |stderr: &mut dyn Write, message: &dyn std::fmt::Display| {
        let _ = error_line(stderr, &err_styles, message);
        EXIT_USAGE
    };
    let env_secret = env
        .secret
        .as_ref()
        .map(|(name, value)| (*name, value.as_os_str()));
    let secret = match args::secret(options.secret_source().as_ref(), env_secret) {
        Ok(secret) => secret,
        Err(message) => return fail(stderr, &message),
    };
    let mut builder = Validator::builder()
        .api_version(options.api_version)
        .strict(options.strict)
        .max_errors(options.max_errors)
        .max_body_size(Some(options.max_body_size));
    if let Some(secret) = secret {
        builder = builder.secret_key(secret);
    }
    let validator = match builder.build() {
        Ok(validator) => validator,
        Err(e) => return fail(stderr, &e),
    };
    let many = options.ndjson || options.inputs.len() > 1;
    let progress = if many && env.stderr_terminal && !options.quiet {
        Progress::on_stderr(input_size(&options.inputs, env), err_coloured)
    } else {
        Progress::hidden()
    };
    let started = Instant::now();
    // Results written to the terminal the bar is on take it off while they are written; into
    // a pipe or a file they need not.
    let no_bar = Progress::hidden();
    let mut beside = Beside {
        progress: if env.stdout_terminal {
            &progress
        } else {
            &no_bar
        },
        out: stdout,
    };
    let out = io::BufWriter::with_capacity(64 * 1024, &mut beside);
    let checker = Checker {
        validator: &validator,
        format: options.format,
        styles: Styles::new(out_coloured && options.format == Format::Text),
        limit: options.max_body_size,
        progress: &progress,
    };
    let run = Run {
        options: &options,
        progress: &progress,
        err_styles,
    };
    let threads = parallel::threads(options.ndjson, options.inputs.len());
    let (status, tally, read) = if threads < 2 {
        let mut sink = Sequential::new(checker, out);
        let (status, read) = run.check_all(stdin, &mut sink, stderr);
        (status, sink.tally().clone(), read)
    } else {
        std::thread::scope(|scope| {
            let window = parallel::Window::for_threads(threads);
            let mut sink = Pool::start(scope, checker, threads, window, out);
            let (status, read) = run.check_all(stdin, &mut sink, stderr);
            (status, sink.tally().clone(), read)
        })
    };
    progress.finish();
    if many && !options.quiet {
        let written = summary::write(
            stderr,
            options.format,
            &err_styles,
            &tally,
            read,
            started.elapsed(),
        );
        if let Err(e) = written {
            let _ = fail(stderr, &format_args!("cannot write the summary: {e}"));
            return EXIT_USAGE;
        }
    }
    status
}

/// Writes one error message of the command on `stderr`: `webhooks-validate: <message>`.
fn error_line(
    stderr: &mut dyn Write,
    styles: &Styles,
    message: &dyn std::fmt::Display,
) -> io::Result<()> {
    writeln!(
        stderr,
        "{}: {message}",
        Styled(styles.bad, "webhooks-validate")
    )
}

/// The size of the inputs when every one is a regular file (standard input included).
fn input_size(inputs: &[OsString], env: &Environment) -> Option<u64> {
    inputs
        .iter()
        .map(|input| {
            if input == OsStr::new("-") {
                env.stdin_size
            } else {
                std::fs::metadata(input)
                    .ok()
                    .filter(std::fs::Metadata::is_file)
                    .map(|m| m.len())
            }
        })
        .sum()
}

/// One run over the inputs: its options, its progress bar and the styles of its messages.
struct Run<'a> {
    options: &'a Options,
    progress: &'a Progress,
    err_styles: Styles,
}

impl Run<'_> {
    /// Checks every input, writing the results through `sink`. Returns the exit status and
    /// the bytes read.
    fn check_all(
        &self,
        stdin: &mut dyn BufRead,
        sink: &mut impl Sink,
        stderr: &mut dyn Write,
    ) -> (u8, u64) {
        let mut status = EXIT_VALID;
        let mut read = 0;
        for input in &self.options.inputs {
            let name: Arc<str> = Arc::from(input.to_string_lossy());
            let mut file;
            let opened: io::Result<(Arc<str>, &mut dyn BufRead)> = if input == "-" {
                Ok((Arc::from("<stdin>"), &mut *stdin))
            } else {
                match std::fs::File::open(input) {
                    Ok(opened) => {
                        file = io::BufReader::with_capacity(256 * 1024, opened);
                        Ok((Arc::clone(&name), &mut file as &mut dyn BufRead))
                    }
                    Err(e) => Err(e),
                }
            };
            let outcome = opened.and_then(|(shown, inner)| {
                let mut counted = Counted {
                    inner,
                    read: &mut read,
                    progress: self.progress,
                };
                self.check_input(&shown, &mut counted, sink)
            });
            if let Err(e) = outcome {
                // The results of the inputs before come first.
                let _ = sink.flush();
                self.error(stderr, &format_args!("{}: {e}", report::Escaped(&name)));
                status = EXIT_USAGE;
            }
        }
        if let Err(e) = sink.flush() {
            self.error(stderr, &format_args!("cannot write the results: {e}"));
            return (EXIT_USAGE, read);
        }
        if sink.any_invalid() {
            status = status.max(EXIT_INVALID);
        }
        (status, read)
    }

    /// Writes an error message on standard error, beside the progress bar.
    fn error(&self, stderr: &mut dyn Write, message: &dyn std::fmt::Display) {
        let written = self.progress.suspend(|| {
            error_line(stderr, &self.err_styles, message).and_then(|()| stderr.flush())
        });
        drop(written);
    }

    /// Reads every webhook of one input into `sink`.
    fn check_input(
        &self,
        name: &Arc<str>,
        reader: &mut dyn BufRead,
        sink: &mut impl Sink,
    ) -> io::Result<()> {
        let limit = self.options.max_body_size;
        if !self.options.ndjson {
            let start = sink.buffer().len();
            let read = input::read_body(reader, limit, sink.buffer())?;
            return sink.push(name, None, start, read);
        }
        let mut number = 0;
        loop {
            let buf = sink.buffer();
            let start = buf.len();
            let Some(read) = input::read_line(reader, limit, buf)? else {
                return Ok(());
            };
            number += 1;
            if read == Body::Within && buf[start..].iter().all(u8::is_ascii_whitespace) {
                buf.truncate(start);
                continue;
            }
            sink.push(name, Some(number), start, read)?;
        }
    }
}
