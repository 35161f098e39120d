//! The command-line validator. The `webhooks-validate` binary calls [`run`]; it lives in the
//! library so that tests and benchmarks drive it without a process.

use std::io::{self, BufRead, Write};

use serde::Serialize;

use crate::{ValidationError, Validator, Violation};

/// Help text of the command.
pub const HELP: &str = "\
webhooks-validate: check LiveChat webhook bodies against the API v3.5 JSON Schemas

usage: webhooks-validate [--strict] [--api-version 3.5] [--secret-key KEY]
                         [--format text|json] [--ndjson] [FILE ...]

Each FILE holds one webhook body (JSON). With no FILE, or with `-`, standard input is read.

options:
  --strict            a property the schemas do not document is an error (lenient by
                      default: LiveChat may add fields)
  --api-version V     the API version to validate against; only 3.5 is known
  --secret-key KEY    also require `secret_key` to equal KEY (compared in constant time)
  --format text|json  text (default): one line per input, `ok <action>` or `invalid`
                      followed by one indented line per error with its JSON pointer, line
                      and column; json: one JSON object per input, per line, with the same
                      facts (`input`, `line`, `valid`, `action`, `errors`)
  --ndjson            each line of each input is one webhook; results name the line number
                      (blank lines are skipped)
  -h, --help          this text

exit status:
  0  every input is a valid webhook
  1  at least one input is not (invalid JSON, not an object, unknown action, schema
     violation, wrong secret)
  2  usage error, or an input could not be read
";

/// Exit status: every input valid.
pub const EXIT_VALID: u8 = 0;
/// Exit status: at least one input invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit status: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Debug)]
struct Options {
    strict: bool,
    secret: Option<String>,
    format: Format,
    ndjson: bool,
    inputs: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        strict: false,
        secret: None,
        format: Format::Text,
        ndjson: false,
        inputs: Vec::new(),
    };
    let mut args = args.iter();
    let mut only_files = false;
    while let Some(arg) = args.next() {
        if only_files {
            options.inputs.push(arg.clone());
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |flag: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match name {
            "-h" | "--help" => return Ok(None),
            "--strict" => options.strict = true,
            "--ndjson" => options.ndjson = true,
            "--api-version" => {
                let version = value(name)?;
                if version != crate::API_VERSION {
                    return Err(format!(
                        "unsupported API version `{version}`; this validator knows {}",
                        crate::API_VERSION
                    ));
                }
            }
            "--secret-key" => options.secret = Some(value(name)?),
            "--format" => {
                options.format = match value(name)?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => return Err(format!("unknown format `{other}` (text or json)")),
                }
            }
            "--" => only_files = true,
            "-" => options.inputs.push(arg.clone()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            _ => options.inputs.push(arg.clone()),
        }
    }
    if options.inputs.is_empty() {
        options.inputs.push("-".to_owned());
    }
    Ok(Some(options))
}

/// One error of one input, as the JSON output gives it.
#[derive(Debug, Serialize)]
struct ErrorOut<'a> {
    kind: &'static str,
    pointer: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "str::is_empty")]
    keyword: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    schema: &'a str,
    message: String,
}

/// The result of one input, as the JSON output gives it.
#[derive(Debug, Serialize)]
struct ResultOut<'a> {
    input: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<ErrorOut<'a>>,
}

fn violation_out<'a>(kind: &'static str, v: &'a Violation) -> ErrorOut<'a> {
    ErrorOut {
        kind,
        pointer: &v.pointer,
        line: v.line,
        column: v.column,
        keyword: &v.keyword,
        schema: &v.schema,
        message: v.message.clone(),
    }
}

fn errors_out(error: &ValidationError) -> Vec<ErrorOut<'_>> {
    let single = |kind, pointer, line, column| ErrorOut {
        kind,
        pointer,
        line,
        column,
        keyword: "",
        schema: "",
        message: error.to_string(),
    };
    match error {
        ValidationError::Json {
            line,
            column,
            message,
        } => vec![ErrorOut {
            message: format!("invalid JSON: {message}"),
            ..single("json", "", Some(*line), Some(*column))
        }],
        ValidationError::NotAnObject { .. } => vec![single("not_an_object", "", None, None)],
        ValidationError::UnknownAction { .. } => {
            vec![single("unknown_action", "/action", None, None)]
        }
        ValidationError::SecretMismatch => vec![single("secret_key", "/secret_key", None, None)],
        ValidationError::Invalid(violations) => violations
            .iter()
            .map(|v| violation_out("schema", v))
            .collect(),
        ValidationError::Disagreement(d) => {
            let mut out = vec![single("disagreement", "", None, None)];
            out.extend(d.violations.iter().map(|v| violation_out("schema", v)));
            if let Some(typed) = &d.typed {
                out.push(ErrorOut {
                    kind: "typed",
                    pointer: typed.pointer(),
                    line: Some(typed.line()),
                    column: Some(typed.column()),
                    keyword: "",
                    schema: "",
                    message: typed.message().to_owned(),
                });
            }
            out
        }
    }
}

/// How a result names its input in text output: `FILE`, or `FILE:LINE` with `--ndjson`.
struct Label<'a> {
    input: &'a str,
    line: Option<usize>,
}

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.input)?;
        match self.line {
            Some(line) => write!(f, ":{line}"),
            None => Ok(()),
        }
    }
}

/// Validates one body and writes its result. Returns whether it was valid.
fn check_one(
    validator: &Validator,
    format: Format,
    input: &str,
    line: Option<usize>,
    body: &[u8],
    out: &mut impl Write,
) -> io::Result<bool> {
    let result = validator.validate(body);
    let label = Label { input, line };
    match format {
        Format::Text => match &result {
            Ok(webhook) => writeln!(out, "{label}: ok {}", webhook.action_name())?,
            Err(error) => {
                writeln!(out, "{label}: invalid")?;
                for e in errors_out(error) {
                    let pointer = if e.pointer.is_empty() {
                        "(root)"
                    } else {
                        e.pointer
                    };
                    let tag = if e.keyword.is_empty() {
                        e.kind
                    } else {
                        e.keyword
                    };
                    match (e.line, e.column) {
                        (Some(l), Some(c)) => writeln!(
                            out,
                            "  {pointer} (line {l}, column {c}): {} [{tag}]",
                            e.message
                        )?,
                        _ => writeln!(out, "  {pointer}: {} [{tag}]", e.message)?,
                    }
                }
            }
        },
        Format::Json => {
            let record = match &result {
                Ok(webhook) => ResultOut {
                    input,
                    line,
                    valid: true,
                    action: Some(webhook.action_name()),
                    errors: Vec::new(),
                },
                Err(error) => ResultOut {
                    input,
                    line,
                    valid: false,
                    action: None,
                    errors: errors_out(error),
                },
            };
            serde_json::to_writer(&mut *out, &record)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(result.is_ok())
}

/// Runs the command with `args` (without the program name), reading `-` from `stdin`.
/// Returns the exit status.
pub fn run(
    args: &[String],
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let options = match parse_args(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            let _ = stdout.write_all(HELP.as_bytes());
            return EXIT_VALID;
        }
        Err(message) => {
            let _ = writeln!(stderr, "webhooks-validate: {message}\n\n{HELP}");
            return EXIT_USAGE;
        }
    };
    let mut builder = Validator::builder().strict(options.strict);
    if let Some(secret) = &options.secret {
        builder = builder.secret_key(secret.as_str());
    }
    let validator = match builder.build() {
        Ok(validator) => validator,
        Err(e) => {
            let _ = writeln!(stderr, "webhooks-validate: {e}");
            return EXIT_USAGE;
        }
    };
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout);
    let mut status = EXIT_VALID;
    for input in &options.inputs {
        let outcome = if input == "-" {
            check_input(&validator, &options, "<stdin>", stdin, &mut out)
        } else {
            match std::fs::File::open(input) {
                Ok(file) => {
                    let mut reader = io::BufReader::with_capacity(256 * 1024, file);
                    check_input(&validator, &options, input, &mut reader, &mut out)
                }
                Err(e) => Err(e),
            }
        };
        match outcome {
            Ok(true) => {}
            Ok(false) => status = status.max(EXIT_INVALID),
            Err(e) => {
                let _ = out.flush();
                let _ = writeln!(stderr, "webhooks-validate: {input}: {e}");
                status = EXIT_USAGE;
            }
        }
    }
    if let Err(e) = out.flush() {
        let _ = writeln!(stderr, "webhooks-validate: cannot write the results: {e}");
        return EXIT_USAGE;
    }
    status
}

/// Checks every webhook of one input. Returns whether all were valid.
fn check_input(
    validator: &Validator,
    options: &Options,
    name: &str,
    reader: &mut dyn BufRead,
    out: &mut impl Write,
) -> io::Result<bool> {
    if !options.ndjson {
        let mut body = Vec::new();
        reader.read_to_end(&mut body)?;
        return check_one(validator, options.format, name, None, &body, out);
    }
    let mut all_valid = true;
    let mut line = Vec::with_capacity(64 * 1024);
    let mut number = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        all_valid &= check_one(validator, options.format, name, Some(number), &line, out)?;
    }
    Ok(all_valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options_are_parsed() {
        let options = parse_args(&args(&[
            "--strict",
            "--format=json",
            "--secret-key",
            "k",
            "--api-version",
            "3.5",
            "--ndjson",
            "a.json",
            "--",
            "--b.json",
        ]))
        .expect("valid")
        .expect("not help");
        assert!(options.strict && options.ndjson);
        assert_eq!(options.format, Format::Json);
        assert_eq!(options.secret.as_deref(), Some("k"));
        assert_eq!(options.inputs, ["a.json", "--b.json"]);
    }

    #[test]
    fn bad_options_are_usage_errors() {
        for bad in [
            &["--format", "xml"][..],
            &["--api-version", "3.6"],
            &["--secret-key"],
            &["--verbose"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
        assert!(parse_args(&args(&["--help"])).expect("help").is_none());
        let options = parse_args(&[]).expect("valid").expect("not help");
        assert_eq!(options.inputs, ["-"]);
    }
}
