//! The command-line validator. The `webhooks-validate` binary calls [`run`]; it lives in the
//! library so that tests and benchmarks drive it without a process.

mod args;
mod input;
mod parallel;
mod report;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::io::{self, BufRead, Write};
use std::sync::Arc;

use crate::{ApiVersion, Validator};
use args::Options;
pub use args::{DEFAULT_MAX_BODY_SIZE, SECRET_ENV};
use input::Body;
use parallel::{Checker, Pool, Sequential, Sink};

/// Help text of the command, with the versions this build knows.
pub fn help() -> String {
    let names: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.name()).collect();
    HELP.replace("{versions}", &names.join("|"))
        .replace("{stable}", ApiVersion::STABLE.name())
}

/// [`help`] before the versions are filled in.
const HELP: &str = "\
webhooks-validate: check LiveChat webhook bodies against the JSON Schemas of an API version

usage: webhooks-validate [--strict] [--api-version {versions}] [--secret-key-file FILE]
                         [--format text|json] [--ndjson] [--max-errors N]
                         [--max-body-size BYTES] [FILE ...]

Each FILE holds one webhook body (JSON). With no FILE, or with `-`, standard input is read.

options:
  --strict            a property the schemas do not document is an error (lenient by
                      default: LiveChat may add fields)
  --api-version V     the API version to validate against, one of {versions} (default
                      {stable}, LiveChat's current stable version); an action of another
                      version is an error that names the versions that have it
  --secret-key-file FILE
                      also require `secret_key` to equal the secret in FILE (one trailing
                      newline is removed)
  --secret-key KEY    the same with the secret on the command line, where other users of the
                      machine may see it (prefer the file or WEBHOOKS_SECRET_KEY)
                      Without either, the environment variable WEBHOOKS_SECRET_KEY, when set,
                      gives the secret. An empty secret is a usage error. Secrets are compared
                      as SHA-256 digests in constant time: the time taken depends on the lengths
                      of the secrets only, never on their content; they are never printed.
  --format text|json  text (default): one line per input, `ok <action>` or `invalid`
                      followed by one indented line per error with its JSON pointer, line
                      and column (control characters escaped); json: one JSON object per
                      input, per line, with the same facts (`input`, `line`, `valid`,
                      `action`, `errors`, `omitted`)
  --ndjson            each line of each input is one webhook; results name the line number
                      (blank lines are skipped). With --ndjson or several FILEs, the
                      bodies are checked on every core the process may use; the results keep
                      the order of the input
  --max-errors N      list at most N errors per body (default 100), then `and K more`
  --max-body-size BYTES
                      a body (with --ndjson: a line) larger than BYTES (default 1048576) is
                      invalid and is not parsed; only BYTES and one more are read of it
  -h, --help          this text

exit status:
  0  every input is a valid webhook
  1  at least one input is not (invalid JSON, too large, duplicate key, not an object,
     action unknown to the version, schema violation, wrong secret)
  2  usage error, or an input or the secret file could not be read
";

/// Exit status: every input valid.
pub const EXIT_VALID: u8 = 0;
/// Exit status: at least one input invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit status: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// Runs the command with `args` (without the program name), reading `-` from `stdin`; the
/// secret may come from `secret_env` (the value of [`SECRET_ENV`]). Returns the exit status.
pub fn run(
    args: &[OsString],
    secret_env: Option<&std::ffi::OsStr>,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let options = match args::parse_args(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            let _ = stdout.write_all(help().as_bytes());
            return EXIT_VALID;
        }
        Err(message) => {
            let _ = writeln!(stderr, "webhooks-validate: {message}\n\n{}", help());
            return EXIT_USAGE;
        }
    };
    let secret = match args::secret(options.secret.as_ref(), secret_env) {
        Ok(secret) => secret,
        Err(message) => {
            let _ = writeln!(stderr, "webhooks-validate: {message}");
            return EXIT_USAGE;
        }
    };
    let mut builder = Validator::builder()
        .api_version(options.version)
        .strict(options.strict)
        .max_errors(options.max_errors)
        .max_body_size(Some(options.max_body_size));
    if let Some(secret) = secret {
        builder = builder.secret_key(secret);
    }
    let validator = match builder.build() {
        Ok(validator) => validator,
        Err(e) => {
            let _ = writeln!(stderr, "webhooks-validate: {e}");
            return EXIT_USAGE;
        }
    };
    let out = io::BufWriter::with_capacity(64 * 1024, stdout);
    let checker = Checker {
        validator: &validator,
        format: options.format,
        limit: options.max_body_size,
    };
    let threads = parallel::threads(options.ndjson, options.inputs.len());
    if threads < 2 {
        let mut sink = Sequential::new(checker, out);
        return check_all(&options, stdin, &mut sink, stderr);
    }
    std::thread::scope(|scope| {
        let window = parallel::Window::for_threads(threads);
        let mut sink = Pool::start(scope, checker, threads, window, out);
        check_all(&options, stdin, &mut sink, stderr)
    })
}

/// Checks every input, writing the results through `sink`. Returns the exit status.
fn check_all(
    options: &Options,
    stdin: &mut dyn BufRead,
    sink: &mut impl Sink,
    stderr: &mut dyn Write,
) -> u8 {
    let mut status = EXIT_VALID;
    for input in &options.inputs {
        let name: Arc<str> = Arc::from(input.to_string_lossy());
        let outcome = if input == "-" {
            check_input(options, &Arc::from("<stdin>"), stdin, sink)
        } else {
            match std::fs::File::open(input) {
                Ok(file) => {
                    let mut reader = io::BufReader::with_capacity(256 * 1024, file);
                    check_input(options, &name, &mut reader, sink)
                }
                Err(e) => Err(e),
            }
        };
        if let Err(e) = outcome {
            // The results of the inputs before come first.
            let _ = sink.flush();
            let _ = writeln!(stderr, "webhooks-validate: {}: {e}", report::Escaped(&name));
            status = EXIT_USAGE;
        }
    }
    if let Err(e) = sink.flush() {
        let _ = writeln!(stderr, "webhooks-validate: cannot write the results: {e}");
        return EXIT_USAGE;
    }
    if sink.any_invalid() {
        status = status.max(EXIT_INVALID);
    }
    status
}

/// Reads every webhook of one input into `sink`.
fn check_input(
    options: &Options,
    name: &Arc<str>,
    reader: &mut dyn BufRead,
    sink: &mut impl Sink,
) -> io::Result<()> {
    let limit = options.max_body_size;
    if !options.ndjson {
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
